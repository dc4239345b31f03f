#!/usr/bin/env python3
"""TLS handshake cost of a certificate chosen by variable (nginx 1.22 loads it on every handshake)
against a static certificate, for full and resumed TLS 1.3 handshakes.

One nginx worker (so its CPU time is the cost), listen 127.0.0.1 ssl, a map of M SNI names ->
certificate. Each connection: handshake with SNI h7.bench, `GET /` answered 204, close.
  static    server_name h7.bench with a static ssl_certificate (what a server per TLS host does)
  var-file  ssl_certificate $portico_cert (map value: the PEM file's path)
  var-data  ssl_certificate data:$portico_cert (map value: the PEM itself)
Figures: connections/s from P Python client processes (they share the 2 CPUs with nginx), and the
worker's CPU time per connection (utime+stime / connections), the figure that does not depend on
the client. With --strace it also counts the worker's openat() of the PEM per handshake.

Usage: python3 handshake_bench.py [--seconds 8] [--clients 2] [--names 1000] [--strace]
Binds free ports on 127.0.0.1, temp directory only, stops its nginx before exiting.
"""
import argparse, multiprocessing, os, socket, ssl, subprocess, tempfile, time
from common import Nginx, cpu_seconds, free_port, load, make_ca, make_certs, prepare, workers

ap = argparse.ArgumentParser()
ap.add_argument("--seconds", type=float, default=8)
ap.add_argument("--clients", type=int, default=2)
ap.add_argument("--names", type=int, default=1000)
ap.add_argument("--keys", default="rsa,ec")
ap.add_argument("--strace", action="store_true")
a = ap.parse_args()
SNI = "h7.bench"


def client(port, seconds, resume, out):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    session, n, reused, end = None, 0, 0, time.monotonic() + seconds
    while time.monotonic() < end:
        with socket.create_connection(("127.0.0.1", port), 5) as raw:
            with ctx.wrap_socket(raw, server_hostname=SNI, session=session if resume else None) as s:
                s.sendall(b"GET / HTTP/1.1\r\nHost: h7.bench\r\nConnection: close\r\n\r\n")
                while s.recv(4096):
                    pass
                reused += s.session_reused
                if resume:
                    session = s.session
        n += 1
    out.put((n, reused))


def config(mode, port, certs, m):
    names = [f"h{i}.bench" for i in range(m)]
    head = f"""worker_processes 1;
pid nginx.pid;
error_log error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    map_hash_max_size 262144;
    map_hash_bucket_size 128;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:PorticoSSL:10m;
    ssl_session_timeout 10m;
"""
    if mode == "static":
        return head + f"""    server {{
        listen 127.0.0.1:{port} ssl default_server;
        server_name {SNI};
        ssl_certificate {certs[SNI]};
        ssl_certificate_key {certs[SNI]};
        location / {{ return 204; }}
    }}
}}
"""
    val = (lambda p: p) if mode == "var-file" else \
        (lambda p: '"' + open(p).read().replace("\n", "\\n") + '"')
    pre = "" if mode == "var-file" else "data:"
    body = "    map $ssl_server_name $portico_cert_exact {\n        default \"\";\n"
    body += "".join(f"        {h} {val(certs[h])};\n" for h in names)
    body += ("    }\n    map $ssl_server_name $portico_sni_parent {\n        default \"\";\n        \"~^[^.]+\\.(.+)$\" $1;\n    }\n"
             f"    map $portico_sni_parent $portico_cert_wildcard {{\n        default {val(certs['default'])};\n    }}\n"
             "    map $portico_cert_exact $portico_cert {\n        \"\" $portico_cert_wildcard;\n        default $portico_cert_exact;\n    }\n")
    return head + body + f"""    server {{
        listen 127.0.0.1:{port} ssl default_server;
        ssl_certificate {pre}$portico_cert;
        ssl_certificate_key {pre}$portico_cert;
        location / {{ return 204; }}
    }}
}}
"""


def run(prefix, port, resume):
    n = Nginx(prefix).start()
    try:
        worker = workers(n.master)[0][0]
        # warm up (and, for resume, the clients each make their first full handshake)
        q = multiprocessing.Queue()
        client(port, 0.3, False, q)
        q.get()
        c0, t0 = cpu_seconds(worker), time.monotonic()
        procs = [multiprocessing.Process(target=client, args=(port, a.seconds, resume, q)) for _ in range(a.clients)]
        for p in procs:
            p.start()
        res = [q.get(timeout=a.seconds + 30) for _ in procs]
        for p in procs:
            p.join(10)
        wall, cpu = time.monotonic() - t0, cpu_seconds(worker) - c0
        total, reused = sum(r[0] for r in res), sum(r[1] for r in res)
        traced = None
        if a.strace and not resume:
            log = os.path.join(prefix, "strace.log")
            st = subprocess.Popen(["timeout", "20", "strace", "-f", "-e", "trace=openat", "-o", log, "-p", str(worker)],
                                  stderr=subprocess.DEVNULL)
            time.sleep(1.0)
            client(port, 1.0, False, q)
            handshakes = q.get()[0]
            time.sleep(0.3)
            st.terminate()
            st.wait(10)
            traced = sum(1 for line in open(log) if ".pem" in line) / handshakes
        return total / wall, cpu / total * 1e6, reused / total, traced
    finally:
        n.stop()


print(f"TLS 1.3 connections (handshake + one request), 1 nginx worker, {a.clients} Python clients, "
      f"{a.seconds:.0f} s each, map of {a.names} names; {load()}")
with tempfile.TemporaryDirectory(prefix="portico-handshake-") as work:
    os.chmod(work, 0o755)   # var-file: the worker (not root) opens the PEM on every handshake
    ca = make_ca(os.path.join(work, "ca"))
    for key in a.keys.split(","):
        certs = make_certs(os.path.join(work, key), [f"h{i}.bench" for i in range(a.names)] + ["default"], key, ca)
        os.chmod(os.path.join(work, key), 0o755)
        for p in certs.values():
            os.chmod(p, 0o644)
        for mode in ("static", "var-file", "var-data"):
            for resume in (False, True):
                prefix = os.path.join(work, f"{key}-{mode}-{int(resume)}")
                port = free_port()
                prepare(prefix, config(mode, port, certs, a.names))
                rate, us, reused, traced = run(prefix, port, resume)
                extra = f", openat(PEM) per handshake {traced:.2f}" if traced is not None else ""
                print(f"  {key:3} {mode:8} {'resumed' if resume else 'full   '}: {rate:6.0f} conn/s, worker CPU "
                      f"{us:6.0f} us/conn, {reused * 100:3.0f}% resumed{extra} | {load()}", flush=True)
