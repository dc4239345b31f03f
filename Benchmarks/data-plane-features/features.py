#!/usr/bin/env python3
"""Checks, by request, every coming feature on the issue-10 shape (features.conf) in a real nginx.

Starts 7 loopback backends (backend.py) and one nginx (features.conf with http + stream), sends
requests, prints one PASS/FAIL line per expectation, then stops everything. Also checks TLS
variant (b), a server per TLS host sharing the host's locations by `include` (shape.py).
Needs the stream module: apt-get install -y libnginx-mod-stream (Debian 12).

Usage: python3 features.py [--keep DIR] [--wrk]   (--keep: leave the rendered config and logs in DIR;
       --wrk: also measure wrk through the TLS port directly and through the ssl_preread port)
Binds free ports on 127.0.0.1 (and 127.0.0.5 as a client source address) plus two unix sockets
in its temp directory; everything it starts has a lifetime cap and is stopped before it exits.
"""
import argparse, http.client, json, os, re, shutil, socket, ssl, subprocess, sys, tempfile, threading, time
from collections import Counter
from common import HERE, Nginx, free_port, load, make_ca, make_certs, prepare, start_backend, STREAM_MODULE
import shape

ap = argparse.ArgumentParser()
ap.add_argument("--keep")
ap.add_argument("--wrk", action="store_true", help="also measure the ssl_preread hop with wrk (5 s runs)")
a = ap.parse_args()
results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(f"  {'PASS' if ok else 'FAIL'}  {name}" + (f"  [{detail}]" if detail else ""), flush=True)


def req(port, host, path, method="GET", headers=None, body=None, src=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=8, source_address=(src, 0) if src else None)
    try:
        c.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        c.putheader("Host", host)
        for k, v in (headers or {}).items():
            c.putheader(k, v)
        if body is not None:
            c.putheader("Content-Length", str(len(body)))
        c.endheaders(body)
        r = c.getresponse()
        data = r.read()
        try:
            js = json.loads(data)
        except ValueError:
            js = None
        return r.status, {k.lower(): v for k, v in r.getheaders()}, js
    finally:
        c.close()


CONTEXTS, LAST = {}, {}


def tls(port, sni, host=None, path=None, session=None, src=None, tls12=False):
    from cryptography import x509
    ctx = CONTEXTS.get(tls12)
    if ctx is None:   # one context per version: a session can only be resumed from its own context
        ctx = CONTEXTS[tls12] = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
        if tls12:
            ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    raw = socket.create_connection(("127.0.0.1", port), 8, source_address=(src, 0) if src else None)
    with ctx.wrap_socket(raw, server_hostname=sni, session=session) as s:
        cert = x509.load_der_x509_certificate(s.getpeercert(True))
        LAST["serial"] = cert.serial_number
        cn = cert.subject.get_attributes_for_oid(x509.oid.NameOID.COMMON_NAME)[0].value
        status = js = None
        if path:
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: {host or sni}\r\nConnection: close\r\n\r\n".encode())
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            head, _, bodyb = data.partition(b"\r\n\r\n")
            status = int(head.split()[1])
            try:
                js = json.loads(bodyb)
            except ValueError:
                js = None
        return cn, status, js, s.session, s.session_reused


def curl(*args):
    r = subprocess.run(["curl", "-sS", "-k", "--max-time", "8", *args], capture_output=True, text=True)
    return r.stdout


def htpasswd(path):
    h = subprocess.run(["openssl", "passwd", "-apr1", "s3cret"], capture_output=True, text=True, check=True).stdout.strip()
    with open(path, "w") as f:
        f.write(f"alice:{h}\n")


def main(work):
    ports = {k: free_port() for k in ("A", "B", "C", "AUTH", "PT", "TCPB", "UDPB", "HTTP", "HTTPS", "PREREAD", "TCP", "UDP")}
    global CERTS, CA
    certs_dir = CERTS = os.path.join(work, "certs")
    ca = CA = make_ca(certs_dir)
    certs = make_certs(certs_dir, ["foo.com", "tls.com", "*.bar.com", "default"], "ec", ca)
    pt_pem = make_certs(os.path.join(work, "pt"), ["pass.com"], "ec", ca)["pass.com"]
    htpasswd(os.path.join(work, "htpasswd"))
    for d, _, fs in os.walk(work):
        os.chmod(d, 0o755)
        for f in fs:
            os.chmod(os.path.join(d, f), 0o644)
    authlog = os.path.join(work, "auth.log")
    with open(os.path.join(work, "ticket.key"), "wb") as f:
        f.write(os.urandom(80))
    subs = {"TICKETKEY": os.path.join(work, "ticket.key"), "CERTS": certs_dir, "HTPASSWD": os.path.join(work, "htpasswd"), "SOCK": os.path.join(work, "https.sock"),
            "PTSOCK": os.path.join(work, "pt.sock"), **{k: str(v) for k, v in ports.items()}}
    text = open(os.path.join(HERE, "features.conf")).read()
    for k, v in subs.items():
        text = text.replace(f"@{k}@", v)
    assert not re.search(r"@[A-Z]+@", text.replace("@NAME@", "")), "unfilled placeholder"
    prefix = os.path.join(work, "nginx")
    prepare(prefix, text)
    procs = [start_backend(ports[n], 300, n) for n in ("A", "B", "C")]
    procs.append(start_backend(ports["AUTH"], 300, "auth", ["--auth", "--log", authlog]))
    procs.append(start_backend(ports["PT"], 300, "pt", ["--tls", pt_pem]))
    procs.append(start_backend(ports["TCPB"], 300, "tcpecho", ["--tcp-echo"]))
    procs.append(start_backend(ports["UDPB"], 300, "udpecho", ["--udp-echo"]))
    ngx = Nginx(prefix, lifetime=300)
    try:
        ngx.start()
        run_checks(ports, authlog)
        tickets_across_reloads(ngx, prefix, ports)
        if a.wrk:
            hop_bench(ports)
        servers_variant(work, ports)
    finally:
        ngx.stop()
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(10)


def run_checks(P, authlog):
    H = P["HTTP"]
    print(f"shape (issue 10) | {load()}")
    s, _, j = req(H, "foo.com", "/api/v1/x%2Fy?q=1")
    check("foo.com/api/v1/x%2Fy -> B, target unchanged", s == 200 and j["backend"] == "B" and j["target"] == "/api/v1/x%2Fy?q=1", j and j["target"])
    s, _, j = req(H, "FOO.com", "/api/x")
    check("FOO.com/api/x -> A (hosts case-insensitive)", s == 200 and j["backend"] == "A")
    check("foo.com/apix -> 404, /API -> 404 (segments, case)", req(H, "foo.com", "/apix")[0] == 404 and req(H, "foo.com", "/API")[0] == 404)

    print(f"1. TLS by SNI (ssl_certificate $portico_cert) | {load()}")
    T = P["HTTPS"]
    for sni, want in (("foo.com", "foo.com"), ("a.bar.com", "*.bar.com"), ("x.y.bar.com", "default"),
                      ("unknown.org", "default"), (None, "default"), ("FOO.COM", "foo.com")):
        cn = tls(T, sni)[0]
        check(f"SNI {sni} -> certificate {want}", cn == want, cn)
    cn, s, j, _, _ = tls(T, "foo.com", "foo.com", "/api/v1/z")
    check("https foo.com/api/v1/z -> B, X-Forwarded-Proto https", s == 200 and j["backend"] == "B" and j["headers"]["x-forwarded-proto"] == "https")
    cn, s, j, _, _ = tls(T, "foo.com", "tls.com", "/x")
    check("SNI foo.com + Host tls.com: the Host routes (as ingress-nginx), foo.com's certificate", s == 200 and j["headers"]["host"] == "tls.com" and cn == "foo.com")
    out = curl("--http2", "--resolve", f"foo.com:{T}:127.0.0.1", "-o", "/dev/null", "-w", "%{http_version} %{http_code}", f"https://foo.com:{T}/api/v1/h2")
    check("curl --http2 https://foo.com/api/v1/h2 -> HTTP/2 200", out.strip() == "2 200", out.strip())
    for v12 in (False, True):
        sess = tls(T, "foo.com", "foo.com", "/api/v1/s", tls12=v12)[3]
        cn, s, _, _, reused = tls(T, "foo.com", "foo.com", "/api/v1/s", session=sess, tls12=v12)
        check(f"session resumption ({'TLS 1.2 session cache' if v12 else 'TLS 1.3 ticket'}) with a variable certificate", reused and s == 200)
    # a Secret's new certificate: rewrite the file (atomic rename), no reload
    tls(T, "foo.com"); before = LAST["serial"]
    fresh = make_certs(os.path.join(CERTS, "new"), ["x.org", "foo.com"], "ec", CA)["foo.com"]
    os.chmod(os.path.join(CERTS, "new"), 0o755); os.chmod(fresh, 0o644)
    os.replace(fresh, os.path.join(CERTS, "foo.com.pem"))
    tls(T, "foo.com")
    check("foo.com.pem replaced on disk -> the next handshake presents the new certificate, no reload",
          LAST["serial"] != before, f"serial {before} -> {LAST['serial']}")
    os.rename(os.path.join(CERTS, "tls.com.pem"), os.path.join(CERTS, "tls.com.pem.gone"))
    try:
        tls(T, "tls.com"); failed = False
    except ssl.SSLError:
        failed = True
    check("tls.com.pem missing -> only tls.com's handshakes fail (alert internal error), foo.com still served",
          failed and tls(T, "foo.com")[0] == "foo.com")
    os.rename(os.path.join(CERTS, "tls.com.pem.gone"), os.path.join(CERTS, "tls.com.pem"))
    s, h, _ = req(H, "tls.com", "/path?q=1")
    check("http tls.com/path?q=1 -> 308 https://tls.com/path?q=1 (ssl-redirect)", s == 308 and h.get("location") == "https://tls.com/path?q=1", h.get("location"))
    cn, s, j, _, _ = tls(T, "tls.com", "tls.com", "/path?q=1")
    check("https tls.com/path -> A (no redirect)", s == 200 and j["backend"] == "A" and cn == "tls.com")

    print(f"2. rewrites and redirects | {load()}")
    for path, want in (("/something/new/x%20y?a=1", "/new/x%20y?a=1"), ("/something", "/"),
                       ("/strip/a/b?x=1", "/a/b?x=1"), ("/strip", "/"), ("/strip/", "/"),
                       ("/strip/a%2Fb", "/a/b"), ("/strip/caf%C3%A9", "/caf%C3%A9"),
                       ("/v1/users?id=7", "/api/v2/users?id=7"), ("/v1", "/api/v2"),
                       ("/somethingelse", "/somethingelse")):
        s, _, j = req(H, "rw.com", path)
        check(f"rw.com{path} -> backend target {want}", s == 200 and j["target"] == want, j and j["target"])
    s, h, _ = req(H, "rw.com", "/old/page?x=1")
    check("rw.com/old/page -> 301 https://new.example.com/landing (permanent-redirect)", s == 301 and h.get("location") == "https://new.example.com/landing")
    s, h, _ = req(H, "rw.com", "/")
    check("rw.com/ -> 302 /app1 (app-root)", s == 302 and h.get("location") == f"http://rw.com/app1", h.get("location"))
    s, _, j = req(H, "rw.com", "/app1")
    check("rw.com/app1 -> A unchanged", s == 200 and j["target"] == "/app1")

    print(f"3. basic and external auth | {load()}")
    import base64
    b = lambda u, p: {"Authorization": "Basic " + base64.b64encode(f"{u}:{p}".encode()).decode()}
    s, h, _ = req(H, "auth.com", "/basic/x")
    check("auth.com/basic without credentials -> 401 + WWW-Authenticate", s == 401 and h.get("www-authenticate") == 'Basic realm="Authentication Required - basic"', h.get("www-authenticate"))
    check("auth.com/basic wrong password -> 401", req(H, "auth.com", "/basic/x", headers=b("alice", "nope"))[0] == 401)
    s, _, j = req(H, "auth.com", "/basic/x", headers=b("alice", "s3cret"))
    check("auth.com/basic alice:s3cret -> 200, Authorization not passed on", s == 200 and "authorization" not in j["headers"])
    s, _, j = req(H, "auth.com", "/trap/x")
    check("auth_basic in the route's own location does NOT run (200 without credentials)", s == 200, f"status {s}")
    s, _, _ = req(H, "auth.com", "/ext/x?y=1")
    check("auth.com/ext without token -> 401 (auth service said 401)", s == 401)
    open(authlog, "w").close()
    s, _, j = req(H, "auth.com", "/ext/x?y=1", method="POST", headers={"Authorization": "Bearer good"}, body=b"x" * 1000)
    seen = [json.loads(l) for l in open(authlog)]
    check("auth.com/ext Bearer good -> 200, backend gets X-Auth-User/X-Auth-Groups and the body",
          s == 200 and j["headers"].get("x-auth-user") == "alice" and j["headers"].get("x-auth-groups") == "admins" and j["body_bytes"] == 1000)
    check("auth service got X-Original-URL/-Method, Host, /verify, no body",
          len(seen) == 1 and seen[0]["target"] == "/verify" and seen[0]["headers"].get("x-original-url") == f"http://auth.com/ext/x?y=1"
          and seen[0]["headers"].get("x-original-method") == "POST" and seen[0]["headers"]["host"] == "auth.default.svc"
          and seen[0]["body_bytes"] == 0, seen and {k: seen[0]["headers"].get(k) for k in ("x-original-url", "x-original-method")})
    s, _, j = req(H, "auth.com", "//portico-auth")
    # (Python's http.server shows a leading // as /; the internal location would answer 404)
    check("a client's //portico-auth is routed as auth.com's path, not the internal location", s == 200 and j["backend"] == "A", f"{s} {j and j['target']}")

    print(f"4. CORS | {load()}")
    s, h, j = req(H, "cors.com", "/api/x", method="OPTIONS", headers={"Origin": "https://a.example", "Access-Control-Request-Method": "PUT"})
    check("OPTIONS preflight -> 204 with Allow-Origin/Methods/Headers/Credentials/Max-Age, backend not asked",
          s == 204 and h.get("access-control-allow-origin") == "https://a.example" and h.get("access-control-max-age") == "1728000"
          and "PUT" in h.get("access-control-allow-methods", "") and h.get("access-control-allow-credentials") == "true" and j is None)
    s, h, j = req(H, "cors.com", "/api/x", headers={"Origin": "https://b.example"})
    check("GET with allowed Origin -> backend response + CORS headers", s == 200 and j["backend"] == "A"
          and h.get("access-control-allow-origin") == "https://b.example" and "access-control-max-age" not in h)
    s, h, _ = req(H, "cors.com", "/api/x", headers={"Origin": "https://evil.example"})
    check("GET with other Origin -> no Access-Control-Allow-Origin", s == 200 and "access-control-allow-origin" not in h)

    print(f"5. rate limits | {load()}")
    codes = [req(H, "rl.com", "/a")[0] for _ in range(8)]
    check("8 quick requests to /a (limit-rps 1, burst 5 nodelay) -> 6 x 200 then 503", codes == [200] * 6 + [503] * 2, codes)
    check("/b of the same Ingress shares the budget (ingress-nginx: one zone per Ingress) -> 503", req(H, "rl.com", "/b")[0] == 503)
    time.sleep(1.1)
    check("1.1 s later /b -> 200 again", req(H, "rl.com", "/b")[0] == 200)
    out = []
    th = [threading.Thread(target=lambda: out.append(req(H, "rl.com", "/c?sleep=1")[0])) for _ in range(2)]
    for t in th:
        t.start(); time.sleep(0.2)
    for t in th:
        t.join()
    check("2 concurrent requests to /c (limit-connections 1) -> one 200, one 503", sorted(out) == [200, 503], out)

    print(f"6. canary | {load()}")
    g = lambda hd: req(H, "canary.com", "/app/x", headers=hd)[2]["backend"]
    check("X-Canary: always -> canary", g({"X-Canary": "always"}) == "C")
    check("X-Canary: never + cookie canary=always -> main (header wins)", g({"X-Canary": "never", "Cookie": "canary=always"}) == "A")
    check("cookie canary=always -> canary; canary=never -> main", g({"Cookie": "a=1; canary=always"}) == "C" and g({"Cookie": "canary=never"}) == "A")
    n = Counter(g({}) for _ in range(500))
    check("no header/cookie, weight 20: 500 requests", 70 <= n["C"] <= 130, dict(n))
    n = Counter(g({"X-Canary": "ALWAYS"}) for _ in range(100))
    check("X-Canary: ALWAYS is not 'always' (regex keys are case-sensitive) -> weight", 0 < n["C"] < 50, dict(n))
    check("/other in the same shared regex -> B", req(H, "canary.com", "/other")[2]["backend"] == "B")
    gb = lambda hd: req(H, "canary.com", "/beta", headers=hd)[2]["backend"]
    check("canary-by-header-value: X-Version v2 -> canary, v3 -> main", gb({"X-Version": "v2"}) == "C" and gb({"X-Version": "v3"}) == "A")

    print(f"7. HTTPRoute header/query/method matches | {load()}")
    for method, path, hd, want, rule in (
            ("GET", "/api/health", {"X-Env": "canary"}, "B", None),
            ("POST", "/api/x", {"X-Env": "canary"}, "B", "2"),
            ("GET", "/api/x", {"X-Env": "canary"}, "C", None),
            ("GET", "/api/v2/x?version=2", {}, "B", None),
            ("GET", "/api/v2/x", {}, "A", None),
            ("GET", "/api/v2/x", {"X-Env": "canary"}, "C", None),
            ("GET", "/api/x", {"X-Env": "Canary"}, "A", None),
            ("GET", "/api/v2/x?a=1&version=2", {}, "B", None),
            ("GET", "/api/v2/x?VERSION=2", {}, "A", None),
            ("GET", "/api/v2/x?version=22", {}, "A", None)):
        s, _, j = req(H, "gw.com", path, method=method, headers=hd, body=b"" if method == "POST" else None)
        got = j and (j["backend"], j["headers"].get("x-gateway-rule"))
        check(f"{method} gw.com{path} {hd or ''} -> {want}{' + X-Gateway-Rule 2' if rule else ''}", s == 200 and got == (want, rule), got)
    check("GET gw.com/other -> 404 (no rule)", req(H, "gw.com", "/other")[0] == 404)

    print(f"8. stream: TCP, UDP, TLS passthrough by SNI | {load()}")
    with socket.create_connection(("127.0.0.1", P["TCP"]), 5) as c:
        c.sendall(b"hello"); got = c.recv(100)
    check("TCP service port -> echo backend", got == b"tcpecho:hello", got)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
        u.settimeout(3); u.sendto(b"hello", ("127.0.0.1", P["UDP"])); got = u.recv(100)
    check("UDP service port -> echo backend", got == b"udpecho:hello", got)
    cn, s, j, _, _ = tls(P["PREREAD"], "pass.com", "pass.com", "/p")
    check("SNI pass.com on the preread port -> the backend's own certificate and answer (passthrough)", cn == "pass.com" and j["backend"] == "pt", cn)
    cn, s, j, _, _ = tls(P["PREREAD"], "foo.com", "foo.com", "/api/v1/pp", src="127.0.0.5")
    check("SNI foo.com on the preread port -> nginx terminates (foo.com cert), X-Real-IP = client 127.0.0.5 (PROXY protocol)",
          cn == "foo.com" and j["backend"] == "B" and j["headers"]["x-real-ip"] == "127.0.0.5", j and j["headers"]["x-real-ip"])
    out = curl("--http2", "--interface", "127.0.0.5", "--resolve", f"foo.com:{P['PREREAD']}:127.0.0.1", "-o", "/dev/null",
               "-w", "%{http_version} %{http_code}", f"https://foo.com:{P['PREREAD']}/api/v1/h2")
    check("HTTP/2 through the preread port", out.strip() == "2 200", out.strip())


def tickets_across_reloads(ngx, prefix, P):
    print(f"1. TLS sessions across reloads | {load()}")
    T = P["HTTPS"]
    sess = tls(T, "foo.com", "foo.com", "/api/v1/s")[3]
    ngx.reload(); time.sleep(0.3)
    check("TLS 1.3 ticket from before a reload resumes after it (ssl_session_ticket_key file)", tls(T, "foo.com", session=sess)[4])
    sess = tls(T, "foo.com", "foo.com", "/api/v1/s", tls12=True)[3]
    ngx.reload(); time.sleep(0.3)
    check("TLS 1.2 session from before a reload resumes after it (shared session cache survives)", tls(T, "foo.com", session=sess, tls12=True)[4])
    conf = os.path.join(prefix, "nginx.conf")
    text = open(conf).read()
    open(conf, "w").write(re.sub(r"\n    ssl_session_ticket_key [^;]*;", "", text))
    ngx.reload(); time.sleep(0.3)
    sess = tls(T, "foo.com", "foo.com", "/api/v1/s")[3]
    ngx.reload(); time.sleep(0.3)
    check("without ssl_session_ticket_key a reload invalidates TLS 1.3 tickets (full handshake)", not tls(T, "foo.com", session=sess)[4])
    open(conf, "w").write(text)
    ngx.reload(); time.sleep(0.3)


def hop_bench(P):
    """Requests/s through the TLS port and through the stream ssl_preread port in front of it."""
    import re as _re
    print("wrk -t2 -c32 -d5s https://127.0.0.1:PORT/ (catch-all 404, no backend): direct vs ssl_preread + PROXY protocol")
    for label, extra in (("keep-alive", []), ("new TLS connection per request", ["-H", "Connection: close"])):
        for name, port in (("direct", P["HTTPS"]), ("preread", P["PREREAD"])):
            out = subprocess.run(["timeout", "30", "wrk", "-t2", "-c32", "-d5s", *extra, f"https://127.0.0.1:{port}/"],
                                 capture_output=True, text=True).stdout
            rps = _re.search(r"Requests/sec:\s+([0-9.]+)", out)
            err = _re.search(r"Socket errors:.*|Non-2xx or 3xx responses: \d+", out)
            print(f"  {label:31} {name:8}: {float(rps.group(1)) if rps else 0:8.0f} req/s | {load()}", flush=True)


def servers_variant(work, P):
    """TLS variant (b): one server per TLS host, the host's locations shared by `include`."""
    print(f"1b. TLS by a server per host (include of the host's locations) | {load()}")
    names = shape.hosts(3)
    certs = make_certs(os.path.join(work, "bcerts"), names + ["default"], "ec")
    http, https = free_port(), free_port()
    text, files = shape.render(3, "servers", http, https, {h: certs[h] for h in names}, certs["default"],
                               upstream=lambda i: f"127.0.0.1:{P['A']}", workers=1)
    prefix = os.path.join(work, "servers")
    prepare(prefix, text, files)
    n = Nginx(prefix, lifetime=120).start()
    try:
        for sni, host, path, want_cn, want in (("h1.bench", "h1.bench", "/p1/x", "h1.bench", 200),
                                               ("h1.bench", "h2.bench", "/p2/x", "h1.bench", 200),
                                               ("other.org", "h0.bench", "/p0", "default", 200),
                                               ("h2.bench", "h2.bench", "/nope", "h2.bench", 404)):
            cn, s, j, _, _ = tls(https, sni, host, path)
            check(f"SNI {sni} Host {host}{path} -> cert {want_cn}, {want}", cn == want_cn and s == want and (s != 200 or j["target"] == path), f"{cn} {s}")
        s, _, j = req(http, "h1.bench", "/p3/y")
        check("plain http h1.bench/p3/y -> same routes from the main server", s == 200 and j["target"] == "/p3/y")
    finally:
        n.stop()


if __name__ == "__main__":
    if not os.path.exists(STREAM_MODULE):
        raise SystemExit("needs libnginx-mod-stream (apt-get install -y libnginx-mod-stream)")
    work = tempfile.mkdtemp(prefix="portico-features-")
    # a certificate chosen by variable is opened by the worker (not root): it must be readable by it
    os.chmod(work, 0o755)
    try:
        main(work)
    finally:
        if a.keep:
            shutil.rmtree(a.keep, ignore_errors=True)
            shutil.copytree(work, a.keep, ignore=shutil.ignore_patterns("*.sock"))
        shutil.rmtree(work, ignore_errors=True)
    print(f"{sum(results)}/{len(results)} checks passed")
    sys.exit(0 if all(results) else 1)
