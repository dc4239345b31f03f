#!/usr/bin/env python3
"""How long nginx itself needs to reload the configs Portico renders, with Portico out of the loop.

For N Ingresses (5 Prefix paths each, one Service each), it measures nginx alone on loopback:
  - `nginx -t` wall time, and the master's resident memory once it serves the config;
  - after SIGHUP, the time until every new worker runs (the new config starts answering) and the
    time until no worker from before still accepts (nginx's master waits 100 ms before telling the
    old workers to stop; Portico's confirmation waits for that too).

Shapes, each an nginx.conf for the same N Ingresses:
  portico      what `portico render` prints: one server; maps turn the host into a key, a rewrite
               puts it before the path, one location per host holds regex routes (docs/data-plane.md)
  per-host     the shape Portico rendered before (for comparison): a server per host, `= /p` and
               `/p/` per Prefix path, one variable proxy_pass per server (in @portico_proxy)
  empty        only the default server: nginx's fixed cost

Usage: swift build -c release && python3 Benchmarks/nginx-reload-floor.py [N ...]   (default 1000)
       SHAPES=portico,empty python3 Benchmarks/nginx-reload-floor.py 10000   (some shapes only)
Needs nginx on PATH; binds one free port on 127.0.0.1 and stops its nginx before it exits.
"""
import json, os, re, shutil, signal, socket, statistics, subprocess, sys, tempfile, time

RELOADS = 7
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PORTICO = os.path.join(ROOT, ".build", "release", "portico")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def manifests(n, path):
    items = []
    for i in range(n):
        items.append({"apiVersion": "v1", "kind": "Service",
                      "metadata": {"name": f"svc-{i}", "namespace": "default"},
                      "spec": {"ports": [{"port": 80}]}})
        items.append({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
                      "metadata": {"name": f"app-{i}", "namespace": "default"},
                      "spec": {"rules": [{"host": f"app-{i}.bench", "http": {"paths": [
                          {"path": f"/p{j}", "pathType": "Prefix",
                           "backend": {"service": {"name": f"svc-{i}", "port": {"number": 80}}}}
                          for j in range(5)]}}]}})
    with open(path, "w") as f:
        json.dump({"apiVersion": "v1", "kind": "List", "items": items}, f)


def portico_config(n, port, work):
    path = os.path.join(work, f"m{n}.json")
    manifests(n, path)
    out = subprocess.run([PORTICO, "render", "-f", path, "--http-port", str(port), "--bind-address", "127.0.0.1", "--no-https"],
                         check=True, capture_output=True, text=True)
    return out.stdout


def http_head(config):
    """The http-level settings Portico renders, without its routing maps and servers."""
    return config.split("\n    # Which virtual host", 1)[0] + "\n"


def per_host_config(n, port, head):
    """The server-per-host shape Portico rendered before the one-server data plane."""
    head = head.replace("    map_hash_max_size", "    server_names_hash_max_size 20000;\n    server_names_hash_bucket_size 128;\n    map_hash_max_size", 1)
    out = [head, empty_server(port)]
    for i in range(n):
        out.append(f"    server {{\n        listen 127.0.0.1:{port};\n        server_name app-{i}.bench;\n"
                   "        location @portico_proxy {\n            proxy_pass http://$portico_upstream;\n        }\n")
        for j in range(5):
            for loc in (f"= /p{j}", f"/p{j}/"):
                out.append(f"        location {loc} {{\n            set $portico_upstream svc-{i}.default.svc.cluster.local:80;\n"
                           "            error_page 418 = @portico_proxy;\n            return 418;\n        }\n")
        out.append("        location / {\n            return 404;\n        }\n    }\n")
    out.append("}\n")
    return "".join(out)


def empty_server(port):
    return (f"    server {{\n        listen 127.0.0.1:{port} default_server;\n        server_name _;\n"
            "        location / {\n            return 404;\n        }\n    }\n")


def empty_config(port, head):
    return head + empty_server(port) + "}\n"


def prepare(prefix, text):
    for d in ("client_body_temp", "proxy_temp", "fastcgi_temp", "uwsgi_temp", "scgi_temp"):
        os.makedirs(os.path.join(prefix, d), exist_ok=True)
    with open(os.path.join(prefix, "nginx.conf"), "w") as f:
        f.write(text)


def check_time(prefix):
    times = []
    for _ in range(3):
        t0 = time.monotonic()
        subprocess.run(["nginx", "-t", "-q", "-p", prefix + "/", "-c", "nginx.conf"], check=True)
        times.append(time.monotonic() - t0)
    return statistics.median(times) * 1000


def workers(master):
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                parent = int(f.read().rsplit(")", 1)[1].split()[1])
            if parent == master:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    found.append((int(entry), b"shutting down" in f.read()))
        except (OSError, ValueError, IndexError):
            pass
    return found


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024


def reload_times(prefix):
    # As Portico starts nginx (NginxProcess.environment): freed configs go back to the system.
    env = dict(os.environ)
    env.setdefault("MALLOC_MMAP_THRESHOLD_", "16385")
    subprocess.run(["nginx", "-p", prefix + "/", "-c", "nginx.conf", "-g", "daemon on;"], check=True, env=env)
    try:
        deadline = time.monotonic() + 60
        while not os.path.exists(os.path.join(prefix, "nginx.pid")) or not workers(int(open(os.path.join(prefix, "nginx.pid")).read())):
            if time.monotonic() > deadline:
                raise SystemExit("nginx did not start")
            time.sleep(0.05)
        master = int(open(os.path.join(prefix, "nginx.pid")).read())
        count = len(workers(master))
        rss = rss_mb(master)
        started, retired = [], []
        for _ in range(RELOADS):
            old = {pid for pid, _ in workers(master)}
            t0 = time.monotonic()
            os.kill(master, signal.SIGHUP)
            first = None
            while time.monotonic() - t0 < 60:
                now = workers(master)
                if first is None and len([p for p, _ in now if p not in old]) >= count:
                    first = time.monotonic()
                if first is not None and all(shutting for p, shutting in now if p in old):
                    break
                time.sleep(0.002)
            started.append((first - t0) * 1000)
            retired.append((time.monotonic() - t0) * 1000)
            time.sleep(0.3)
        return rss, rss_mb(master), statistics.median(started), statistics.median(retired)
    finally:
        subprocess.run(["nginx", "-p", prefix + "/", "-c", "nginx.conf", "-s", "quit"], capture_output=True)
        time.sleep(0.5)


def main():
    if not os.access(PORTICO, os.X_OK):
        raise SystemExit(f"{PORTICO} not built: run `swift build -c release` first")
    if shutil.which("nginx") is None:
        raise SystemExit("nginx is not installed (scripts/install-deps)")
    sizes = [int(a) for a in sys.argv[1:]] or [1000]
    print(f"nginx reload floor ({subprocess.run(['nginx', '-v'], capture_output=True, text=True).stderr.strip()}), "
          f"median of {RELOADS} reloads; Ingresses with 5 Prefix paths each")
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="portico-reload-floor-") as work:
            port = free_port()
            real = portico_config(n, port, work)
            head = http_head(real)
            shapes = {
                "portico": real,
                "per-host": per_host_config(n, port, head),
                "empty": empty_config(port, head),
            }
            only = os.environ.get("SHAPES", "").split(",") if os.environ.get("SHAPES") else list(shapes)
            for name, text in ((k, v) for k, v in shapes.items() if k in only):
                prefix = os.path.join(work, name)
                prepare(prefix, text)
                locations = len(re.findall(r"^\s*location ", text, re.M))
                servers = len(re.findall(r"^\s*server \{", text, re.M))
                parse = check_time(prefix)
                rss, after, started, retired = reload_times(prefix)
                print(f"  {n} Ingresses, {name:8}: {servers} servers, {locations} locations; nginx -t {parse:.0f} ms, "
                      f"master {rss:.0f} MB, {after:.0f} MB after {RELOADS} reloads; reload: new workers after {started:.0f} ms, "
                      f"old ones stopped accepting after {retired:.0f} ms", flush=True)


if __name__ == "__main__":
    main()
