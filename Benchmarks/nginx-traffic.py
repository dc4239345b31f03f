#!/usr/bin/env python3
"""Traffic through the nginx.conf Portico renders: throughput, and what clients see during reloads.

For N Ingresses (default 10000; app-<i>.bench, 5 Prefix paths /p0../p4 each, each Ingress its own
Service svc-<i>), everything on loopback:
  - a dnsmasq on 127.0.0.1:<free port> answers every *.cluster.local name with 127.0.0.2, and the
    configs name it with `resolver` (`portico render --resolver 127.0.0.1:<port>`), so nginx
    resolves the Services at request time as it does in a cluster (`--local=/cluster.local/`
    makes dnsmasq answer AAAA with no data; without it, it refuses them and nginx, which asks for
    A and AAAA, answers 502);
  - a backend nginx on 127.0.0.2:80 answers `200 ok` to everything (fast, so the proxy is the
    bottleneck);
  - the proxy nginx runs as Portico runs it (MALLOC_MMAP_THRESHOLD_=16385), with
    `worker_processes 1` (WORKERS=2 for two) instead of `auto`.

1. Requests per second, both shapes of nginx-reload-floor.py in the same run (Portico's one
   server with maps and per-host regex locations, and the former server per host), alternating,
   REPS (3) times RUN_SECONDS (10) of wrk each. Every request goes to a random host and path
   (`Host: app-<i>.bench`, `/p<j>/x`). Prints req/s, non-2xx responses, socket errors and the proxy
   workers' CPU time per request (steadier than req/s on a shared machine), and the ratios.
2. Reloads under load, Portico's shape: while traffic runs, the nginx master gets RELOADS (50)
   SIGHUPs, each after the new workers of the previous one run and a random 300-500 ms pause:
     (a) HTTP/2 (h2c, prior knowledge: `http2` on the listen line) with h2load -c 8 -m 4. On
         reload nginx sends GOAWAY, finishes the streams it took and closes. h2load does not
         reconnect after an HTTP/2 GOAWAY (it does only for HTTP/1 `Connection: close`), so one
         long `h2load -D` stops at the first reload (shown first, over 3 reloads). Measured instead:
         back-to-back `h2load -n 4000` runs (500 requests a connection, fewer than nginx's
         keepalive_requests 1000, whose GOAWAY would stop clients too). Prints requests h2load
         started, succeeded and failed, and checks the failed ones against nginx's access log: a
         stream above GOAWAY's last-stream-id never reaches nginx, and clients may retry it;
     (b) HTTP/1.1 keep-alive from a Python client (8 threads, one persistent connection each) that,
         as browsers and curl do, resends an idempotent request once on a fresh connection when a
         reused connection closes before any byte of the response; counts requests, retries
         and real failures;
     (c) wrk, which does not retry: its read/connect errors for comparison.
   (a) and (b) run until 1 s after the last reload; wrk (c) runs for a set time, 1.3 times as long
   as (b)'s reloads took and at least 30 s (at 10000 Ingresses a reload takes seconds under load).

Every figure is printed with os.getloadavg(): this machine's other work skews req/s.

Usage: python3 Benchmarks/nginx-traffic.py [N]        (as root: the backend binds 127.0.0.2:80)
       REPS=2 RUN_SECONDS=5 RELOADS=20 WORKERS=2 python3 Benchmarks/nginx-traffic.py 1000
Needs .build/release/portico (swift build -c release), nginx, wrk, h2load (nghttp2-client) and
dnsmasq. Binds only 127.0.0.0/8; stops everything it started before it exits (and is bounded by
an alarm).
"""
import http.client, importlib.util, json, math, multiprocessing, os, random, re, shutil, signal
import statistics, subprocess, sys, tempfile, threading, time

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("reload_floor", os.path.join(HERE, "nginx-reload-floor.py"))
floor = importlib.util.module_from_spec(spec)
spec.loader.exec_module(floor)

PATHS = 5
REPS = int(os.environ.get("REPS", "3"))
RUN_SECONDS = int(os.environ.get("RUN_SECONDS", "10"))
RELOADS = int(os.environ.get("RELOADS", "50"))
WORKERS = int(os.environ.get("WORKERS", "1"))
WRK_CONNECTIONS = 32
PY_THREADS = 8
BACKEND = "127.0.0.2"
ALARM_SECONDS = 2400
MAX_CLIENT_SECONDS = 600
NGINX_ENV = dict(os.environ, MALLOC_MMAP_THRESHOLD_="16385")   # as NginxProcess.environment

started = []   # every Popen this script started, stopped in stop_all()


def load():
    return "load %.2f %.2f %.2f" % os.getloadavg()


def spawn(args, log, env=None):
    p = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    started.append(p)
    return p


def stop(p, sig=signal.SIGTERM):
    """Stops a process this script started, and its children (its own process group)."""
    if p.poll() is None:
        try:
            os.killpg(p.pid, sig)
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait(timeout=10)
        except ProcessLookupError:
            pass
    try:   # workers still shutting down after the master left
        os.killpg(p.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def stop_all():
    for p in reversed(started):
        stop(p)


# --- the pieces: DNS, backend, proxy -------------------------------------------------------------

def start_dns(work):
    port = floor.free_port()
    log = open(os.path.join(work, "dnsmasq.log"), "w")
    p = spawn(["dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--pid-file=", f"--port={port}",
               "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv", "--no-hosts",
               "--address=/cluster.local/127.0.0.2", "--local=/cluster.local/"], log)   # AAAA: NODATA, not REFUSED
    time.sleep(0.3)
    if p.poll() is not None:
        raise SystemExit("dnsmasq did not start: " + open(log.name).read())
    return port


BACKEND_CONF = """worker_processes 1;
pid nginx.pid;
error_log error.log warn;
events { worker_connections 8192; }
http {
    access_log off;
    keepalive_requests 100000;
    client_body_temp_path client_body_temp;
    proxy_temp_path proxy_temp;
    fastcgi_temp_path fastcgi_temp;
    uwsgi_temp_path uwsgi_temp;
    scgi_temp_path scgi_temp;
    server {
        listen 127.0.0.2:80 default_server backlog=4096;
        location / { return 200 "ok\\n"; }
    }
}
"""


def start_nginx(prefix, text, env=None):
    """nginx in the foreground (its master is the Popen), once its workers run and it accepts."""
    floor.prepare(prefix, text)
    subprocess.run(["nginx", "-t", "-q", "-p", prefix + "/", "-c", "nginx.conf"], check=True, timeout=300)
    p = spawn(["nginx", "-p", prefix + "/", "-c", "nginx.conf", "-g", "daemon off;"],
              open(os.path.join(prefix, "stdout.log"), "w"), env=env)
    deadline = time.monotonic() + 120
    while len(floor.workers(p.pid)) < workers_in(text):
        if p.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"nginx in {prefix} did not start: " + open(os.path.join(prefix, "error.log")).read()[-2000:])
        time.sleep(0.05)
    return p


def workers_in(text):
    return int(re.search(r"^worker_processes (\d+);", text, re.M).group(1))


def render(n, port, dns_port, work):
    """`portico render` for n Ingresses, as floor.portico_config but naming the loopback DNS."""
    path = os.path.join(work, f"m{n}.json")
    floor.manifests(n, path)
    out = subprocess.run([floor.PORTICO, "render", "-f", path, "--http-port", str(port), "--bind-address", "127.0.0.1",
                          "--resolver", f"127.0.0.1:{dns_port}", "--no-https"], check=True, capture_output=True, text=True, timeout=300)
    return out.stdout


def tune(text, dns_port, http2=False):
    """Fixed worker count; the loopback resolver; optionally h2c on the (only) listen line."""
    text, count = re.subn(r"^worker_processes auto;", f"worker_processes {WORKERS};", text, flags=re.M)
    assert count == 1, "no `worker_processes auto;` line"
    text, count = re.subn(r"^    resolver .*;$", f"    resolver 127.0.0.1:{dns_port} valid=10s;", text, flags=re.M)
    assert count == 1, "no resolver line"
    if http2:
        text, count = re.subn(r"(listen 127\.0\.0\.1:\d+ default_server);", r"\1 http2;", text)
        assert count == 1, "not one default_server listen line"
    return text


def get(port, host, path):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        c.request("GET", path, headers={"Host": host})
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def check_routes(name, port, n):
    """Routed paths reach the backend; other paths and hosts get nginx's 404."""
    for i in (0, n // 2, n - 1):
        for path, want in ((f"/p{PATHS - 1}/x", 200), ("/p0", 200), ("/q", 404)):
            status, body = get(port, f"app-{i}.bench", path)
            assert status == want and (want != 200 or body == b"ok\n"), f"{name}: app-{i}.bench{path}: {status} {body[:80]!r}"
    assert get(port, "nobody.bench", "/p0/x")[0] == 404


def cpu_seconds(master):
    """User+system CPU time of a master's workers (those alive now)."""
    total = 0
    for pid, _ in floor.workers(master):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


# --- load generators -----------------------------------------------------------------------------

WRK_LUA = """
local n = %d
local done_ = false
function init(args)
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end
function request()
  return wrk.format("GET", "/p" .. math.random(0, %d) .. "/x", {["Host"] = "app-" .. math.random(0, n - 1) .. ".bench"})
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK_RESULT {\\"requests\\": %%d, \\"seconds\\": %%f, \\"connect\\": %%d, \\"read\\": %%d, " ..
    "\\"write\\": %%d, \\"status\\": %%d, \\"timeout\\": %%d, \\"p99_ms\\": %%f}\\n", summary.requests,
    summary.duration / 1e6, e.connect, e.read, e.write, e.status, e.timeout, latency:percentile(99) / 1000))
end
"""


def wrk(port, lua, seconds):
    out = subprocess.run(["wrk", "-t", "1", "-c", str(WRK_CONNECTIONS), "-d", f"{seconds}s", "--timeout", "5s",
                          "-s", lua, f"http://127.0.0.1:{port}/"], capture_output=True, text=True, timeout=seconds + 60)
    line = next((l for l in out.stdout.splitlines() if l.startswith("WRK_RESULT ")), None)
    if line is None:
        raise SystemExit("wrk: " + out.stdout + out.stderr)
    return json.loads(line.split(" ", 1)[1])


def wrk_line(r):
    return (f"{r['requests'] / r['seconds']:.0f} req/s ({r['requests']} requests, non-2xx/3xx {r['status']}, "
            f"errors connect {r['connect']} read {r['read']} write {r['write']} timeout {r['timeout']}; p99 {r['p99_ms']:.1f} ms)")


def http1_client(port, n, stop_event, result):
    """PY_THREADS threads, each with one persistent connection; resends once when a reused
    connection is closed before any response byte (RemoteDisconnected is a ConnectionResetError)."""
    lock = threading.Lock()
    totals = {"requests": 0, "ok": 0, "non200": 0, "retries": 0, "retried_ok": 0, "failures": 0, "connections": 0}
    failures = []
    t0 = time.monotonic()
    deadline = t0 + MAX_CLIENT_SECONDS

    def run():
        mine = dict.fromkeys(totals, 0)
        conn, used = None, False
        while not stop_event.is_set() and time.monotonic() < deadline:
            host, path = f"app-{random.randrange(n)}.bench", f"/p{random.randrange(PATHS)}/x"
            mine["requests"] += 1
            for attempt in (0, 1):
                if conn is None:
                    conn, used = http.client.HTTPConnection("127.0.0.1", port, timeout=10), False
                    mine["connections"] += 1
                try:
                    conn.request("GET", path, headers={"Host": host})
                    resp = conn.getresponse()   # returns once the status line is read
                except (ConnectionResetError, BrokenPipeError) as e:
                    conn.close()
                    conn, reused = None, used
                    if attempt == 0 and reused:
                        mine["retries"] += 1
                        continue
                    mine["failures"] += 1
                    failures.append(repr(e))
                    break
                except (OSError, http.client.HTTPException) as e:
                    conn.close()
                    conn = None
                    mine["failures"] += 1
                    failures.append(repr(e))
                    break
                try:
                    body = resp.read()
                except (OSError, http.client.HTTPException) as e:   # after response bytes: no retry
                    conn.close()
                    conn = None
                    mine["failures"] += 1
                    failures.append("reading body: " + repr(e))
                    break
                used = True
                if resp.status == 200 and body == b"ok\n":
                    mine["ok"] += 1
                    mine["retried_ok"] += attempt
                else:
                    mine["non200"] += 1
                if resp.will_close:
                    conn.close()
                    conn = None
                break
        if conn is not None:
            conn.close()
        with lock:
            for k, v in mine.items():
                totals[k] += v

    threads = [threading.Thread(target=run) for _ in range(PY_THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(MAX_CLIENT_SECONDS + 30)
    totals["seconds"] = time.monotonic() - t0
    totals["failure_kinds"] = sorted(set(failures))[:5]
    result.put(totals)


H2_CLIENTS, H2_STREAMS = 8, 4
H2_PER_CONNECTION = 500   # fewer than nginx's keepalive_requests (1000): only reloads send GOAWAY


def h2load(port, host, args, timeout):
    """One h2load run (h2c prior knowledge); its counts."""
    uris = [f"http://127.0.0.1:{port}/p{j}/x" for j in range(PATHS)]
    out = subprocess.run(["h2load", *args, "-c", str(H2_CLIENTS), "-m", str(H2_STREAMS), "-H", f":authority: {host}", *uris],
                         capture_output=True, text=True, timeout=timeout).stdout
    req = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout", out)
    codes = re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", out)
    if not req or not codes:
        raise SystemExit("h2load: " + out[-2000:])
    r = dict(zip(("total", "started", "done", "succeeded", "failed", "errored", "timeout"), map(int, req.groups())))
    r["2xx"], r["other"] = int(codes.group(1)), sum(map(int, codes.groups()[1:]))
    return r


def access_statuses(path, offset):
    """Status counts of the access log lines after offset (combined format)."""
    counts = {}
    with open(path, "rb") as f:
        f.seek(offset)
        for line in f:
            m = re.search(rb'" (\d{3}) ', line)
            key = m.group(1).decode() if m else "?"
            counts[key] = counts.get(key, 0) + 1
    return counts


# --- reloads -------------------------------------------------------------------------------------

def reload_once(master, count, timeout=120):
    """SIGHUP; seconds until `count` new workers run."""
    old = {pid for pid, _ in floor.workers(master)}
    t0 = time.monotonic()
    os.kill(master, signal.SIGHUP)
    while time.monotonic() - t0 < timeout:
        if len([p for p, shutting in floor.workers(master) if p not in old and not shutting]) >= count:
            return time.monotonic() - t0
        time.sleep(0.01)
    raise SystemExit("new workers did not start after a reload")


def reloads_while(master, count, running, reloads=RELOADS):
    """`reloads` reloads while running() holds; returns (done, median seconds to new workers, max old workers alive)."""
    times, most_old = [], 0
    for _ in range(reloads):
        if not running():
            break
        times.append(reload_once(master, count))
        pause_until = time.monotonic() + random.uniform(0.3, 0.5)
        while time.monotonic() < pause_until:
            most_old = max(most_old, len([p for p, shutting in floor.workers(master) if shutting]))
            time.sleep(0.05)
    return len(times), statistics.median(times) if times else float("nan"), most_old


def under_load(start_client, master, stop_client=None):
    """Starts a client, reloads RELOADS times from 1 s on, stops the client 1 s after the last
    reload (stop_client) or waits for it; returns the reload figures and the seconds they took."""
    client = start_client()
    time.sleep(1)
    t0 = time.monotonic()
    done, median, most_old = reloads_while(master, WORKERS, client.is_alive)
    took = time.monotonic() - t0
    time.sleep(1)
    if stop_client:
        stop_client()
    client.join(MAX_CLIENT_SECONDS + 90)
    return (done, median, most_old), took


def reload_line(done, median, most_old, master):
    return (f"      reloads under load: {done}/{RELOADS}, new workers after {median * 1000:.0f} ms (median), "
            f"at most {most_old} old workers still shutting down, {len(floor.workers(master))} workers at the end")


# --- the two parts -------------------------------------------------------------------------------

def throughput(n, shapes, lua):
    print(f"1. Requests per second, {RUN_SECONDS} s of wrk (1 thread, {WRK_CONNECTIONS} connections) per run, "
          f"random host of {n} and path of {PATHS} per request", flush=True)
    for name, (port, p, _) in shapes.items():
        wrk(port, lua, 3)   # warm-up: workers' memory, resolver cache
    rates = {name: [] for name in shapes}
    cpu = {name: [] for name in shapes}
    order = list(shapes)
    for rep in range(REPS):
        for name in (order if rep % 2 == 0 else order[::-1]):
            port, p, _ = shapes[name]
            c0 = cpu_seconds(p.pid)
            r = wrk(port, lua, RUN_SECONDS)
            us = (cpu_seconds(p.pid) - c0) / max(1, r["requests"]) * 1e6
            rates[name].append(r["requests"] / r["seconds"])
            cpu[name].append(us)
            print(f"   run {rep + 1} {name:8}: {wrk_line(r):>8}; proxy worker CPU {us:.1f} us/request; {load()}", flush=True)
    a, b = order
    ratios = [x / y for x, y in zip(rates[a], rates[b])]
    cpu_ratios = [x / y for x, y in zip(cpu[a], cpu[b])]
    print(f"   {a} / {b}: req/s ratio median {statistics.median(ratios):.3f} (runs: {', '.join(f'{r:.3f}' for r in ratios)}); "
          f"CPU per request ratio median {statistics.median(cpu_ratios):.3f} "
          f"({statistics.median(cpu[a]):.1f} vs {statistics.median(cpu[b]):.1f} us); {load()}", flush=True)


def reloads_under_load(n, work, dns_port, port, text, lua):
    print(f"2. Reloads under load, portico shape: {RELOADS} SIGHUPs, each once the previous one's new workers run "
          f"+ 300-500 ms", flush=True)
    host = f"app-{n // 2}.bench"

    # (a) HTTP/2. h2load (1.52, and newer) reconnects only for HTTP/1 (Connection: close): an
    # HTTP/2 client that gets GOAWAY stops, so one long `h2load -D` measures until the first reload.
    prefix = os.path.join(work, "reload-h2")
    h2 = start_nginx(prefix, tune(text, dns_port, http2=True), NGINX_ENV)
    box = {}
    client = threading.Thread(target=lambda: box.update(h2load(port, host, ["-D", "10"], 60)))
    client.start()
    time.sleep(1)
    done, median, _ = reloads_while(h2.pid, WORKERS, client.is_alive, reloads=3)
    client.join(70)
    r = box
    print(f"   (a) HTTP/2 h2c, h2load -D 10 -c {H2_CLIENTS} -m {H2_STREAMS}, {host}, {done} reloads from 1 s on: "
          f"{r['succeeded']} succeeded ({r['succeeded'] / 10:.0f}/s), {r['failed']} failed, {r['other']} non-2xx: "
          f"each h2load client stops at its first GOAWAY, from keepalive_requests ({H2_CLIENTS} x 1000 requests) "
          f"or a reload; {load()}", flush=True)

    # So: back-to-back short runs, each connection sending fewer requests than keepalive_requests.
    log = os.path.join(prefix, "access.log")
    offset = os.path.getsize(log)
    args = ["-n", str(H2_CLIENTS * H2_PER_CONNECTION)]
    runs, totals = 0, dict.fromkeys(("total", "started", "succeeded", "failed", "2xx", "other"), 0)
    stop_runs = threading.Event()

    def loop():
        nonlocal runs
        deadline = time.monotonic() + MAX_CLIENT_SECONDS
        while not stop_runs.is_set() and time.monotonic() < deadline:
            r = h2load(port, host, args, 60)
            runs += 1
            for k in totals:
                totals[k] += r[k]

    def start():
        client = threading.Thread(target=loop)
        client.start()
        return client

    t0 = time.monotonic()
    (done, median, most_old), _ = under_load(start, h2.pid, stop_runs.set)
    elapsed = time.monotonic() - t0
    logged = access_statuses(log, offset)
    sent_failed = totals["started"] - totals["succeeded"]
    print(f"   (a) HTTP/2 h2c, back-to-back `h2load {' '.join(args)} -c {H2_CLIENTS} -m {H2_STREAMS}` for {elapsed:.0f} s "
          f"({runs} runs, {H2_PER_CONNECTION} requests per connection < keepalive_requests 1000): "
          f"{totals['succeeded'] / elapsed:.0f} req/s; {load()}")
    print(f"      requests sent {totals['started']}, succeeded {totals['succeeded']} ({totals['2xx']} 2xx, {totals['other']} other), "
          f"failed after being sent {sent_failed}; not sent (client stopped at GOAWAY) {totals['total'] - totals['started']}")
    print(f"      nginx access log: {sum(logged.values())} requests, statuses {logged}; "
          f"sent but not logged {totals['started'] - sum(logged.values())} (streams above GOAWAY's last-stream-id: "
          f"never processed, safe to retry)")
    print(reload_line(done, median, most_old, h2.pid), flush=True)
    stop(h2, signal.SIGQUIT)
    fork = multiprocessing.get_context("fork")

    # (b) HTTP/1.1 keep-alive, a client that retries like browsers do
    h1 = start_nginx(os.path.join(work, "reload-h1"), tune(text, dns_port), NGINX_ENV)
    result, stop_event = fork.Queue(), fork.Event()

    def start():
        client = fork.Process(target=http1_client, args=(port, n, stop_event, result))
        client.start()
        return client

    (done, median, most_old), took = under_load(start, h1.pid, stop_event.set)
    totals = result.get(timeout=60)
    seconds = totals["seconds"]
    print(f"   (b) HTTP/1.1 keep-alive, Python client ({PY_THREADS} threads, retry once on a reused connection "
          f"closed before any response byte), {seconds:.0f} s: {totals['requests'] / seconds:.0f} req/s; {load()}")
    print(f"      requests {totals['requests']}, 200 ok {totals['ok']}, non-200 {totals['non200']}, "
          f"retries {totals['retries']} ({totals['retried_ok']} succeeded on retry), real failures {totals['failures']}, "
          f"connections opened {totals['connections']}" +
          (f"; failures: {totals['failure_kinds']}" if totals["failure_kinds"] else ""))
    print(reload_line(done, median, most_old, h1.pid), flush=True)

    # (c) wrk, no retries, same nginx
    # wrk runs for a set time: as long as (b)'s reloads took, with some room
    seconds = min(MAX_CLIENT_SECONDS, max(30, math.ceil(took * 1.3) + 3))
    box = {}

    def start():
        client = threading.Thread(target=lambda: box.update(wrk(port, lua, seconds)))
        client.start()
        return client

    (done, median, most_old), _ = under_load(start, h1.pid)
    print(f"   (c) HTTP/1.1 keep-alive, wrk ({WRK_CONNECTIONS} connections, no retries), {seconds} s, "
          f"random hosts and paths: {load()}")
    print(f"      {wrk_line(box)}" if box else "      wrk gave no result")
    print(reload_line(done, median, most_old, h1.pid), flush=True)
    stop(h1, signal.SIGQUIT)


def main():
    for tool in ("nginx", "wrk", "h2load", "dnsmasq"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed (apt-get install -y nginx wrk nghttp2-client dnsmasq)")
    if not os.access(floor.PORTICO, os.X_OK):
        raise SystemExit(f"{floor.PORTICO} not built: run `swift build -c release` first")
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    signal.signal(signal.SIGALRM, lambda *_: sys.exit("nginx-traffic: out of time"))
    signal.alarm(ALARM_SECONDS)
    version = subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr.strip()
    with tempfile.TemporaryDirectory(prefix="portico-traffic-") as work:
        try:
            dns_port = start_dns(work)
            start_nginx(os.path.join(work, "backend"), BACKEND_CONF)
            port_a, port_b = floor.free_port(), floor.free_port()
            real = render(n, port_a, dns_port, work)
            texts = {"portico": tune(real, dns_port),
                     "per-host": tune(floor.per_host_config(n, port_b, floor.http_head(real)), dns_port)}
            print(f"nginx traffic ({version}), {n} Ingresses x {PATHS} Prefix paths, proxy worker_processes {WORKERS}, "
                  f"MALLOC_MMAP_THRESHOLD_=16385; Services resolve via dnsmasq 127.0.0.1:{dns_port} to backend "
                  f"nginx {BACKEND}:80; {load()}", flush=True)
            lua = os.path.join(work, "random.lua")
            with open(lua, "w") as f:
                f.write(WRK_LUA % (n, PATHS - 1))
            shapes = {}
            for name, port in (("portico", port_a), ("per-host", port_b)):
                p = start_nginx(os.path.join(work, name), texts[name], NGINX_ENV)
                try:
                    check_routes(name, port, n)
                except AssertionError as e:
                    raise SystemExit(f"{e}\nerror.log: " + open(os.path.join(work, name, "error.log")).read()[-1500:])
                shapes[name] = (port, p, texts[name])
            throughput(n, shapes, lua)
            for _, p, _ in shapes.values():
                stop(p, signal.SIGQUIT)
            reloads_under_load(n, work, dns_port, port_a, real, lua)
        finally:
            stop_all()


if __name__ == "__main__":
    main()
