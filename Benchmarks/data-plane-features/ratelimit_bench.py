#!/usr/bin/env python3
"""What per-route rate limits cost nginx at load/reload on the issue-10 shape.

N Ingresses (one host, 5 Prefix paths each), every Ingress with limit-rps (rates cycle over R
distinct values) and limit-connections:
  none        no limits (the reference)
  per-ingress ingress-nginx's way: a limit_req_zone and a limit_conn_zone per Ingress (5m each),
              so each Ingress needs its own named proxy location (zone names are static) -> N
              more locations, each with its own variable proxy_pass
  per-rate    Portico's way: one limit_req_zone per distinct rate and one limit_conn_zone, keyed
              "ns/name:$binary_remote_addr" (set in the route's location), one named location per
              (rate, burst, conn) combination
Prints nginx -t, master RSS (start / after reloads), reload times and the shared memory mapped.

Usage: python3 ratelimit_bench.py [--rates 10] [--reloads 5] [N ...]   (default 1000)
Binds free ports on 127.0.0.1, temp directory only, stops its nginx before exiting.
"""
import argparse, os, re, statistics, tempfile, time
from common import Nginx, free_port, load, nginx_t, prepare, rss_mb
from shape import render

ap = argparse.ArgumentParser()
ap.add_argument("sizes", nargs="*", type=int, default=[1000])
ap.add_argument("--rates", type=int, default=10)
ap.add_argument("--reloads", type=int, default=5)
a = ap.parse_args()

PROXY = "        location {name} {{\n{limits}            proxy_pass http://$portico_upstream$request_uri;\n        }}\n"


def variant(n, mode, port):
    text, _ = render(n, "none", port, 0, {}, None)
    if mode == "none":
        return text
    zones, proxies = [], []
    rate = lambda i: 10 * (1 + i % a.rates)

    def host(m):
        i = int(m.group(1))
        if mode == "per-ingress":
            z = f"default_app-{i}_uid{i:08d}"
            zones.append(f"    limit_req_zone $binary_remote_addr zone={z}_rps:5m rate={rate(i)}r/s;\n"
                         f"    limit_conn_zone $binary_remote_addr zone={z}_conn:5m;\n")
            name = f"@portico_proxy_app{i}"
            proxies.append(PROXY.format(name=name, limits=f"            limit_req zone={z}_rps burst={5 * rate(i)} nodelay;\n"
                                                           f"            limit_conn {z}_conn 100;\n"))
            key = ""
        else:
            name = f"@portico_proxy_rps{rate(i)}_conn100"
            key = f"            set $portico_limit_key \"default/app-{i}:$binary_remote_addr\";\n"
        return m.group(0).replace("            error_page 418 = @portico_proxy;\n", key + f"            error_page 418 = {name};\n")

    text = re.sub(r"# Ingress default/app-(\d+):.*?\n        \}\n", host, text, flags=re.S)
    if mode == "per-rate":
        for r in sorted({rate(i) for i in range(n)}):
            zones.append(f"    limit_req_zone $portico_limit_key zone=portico_rps_{r}:10m rate={r}r/s;\n")
            proxies.append(PROXY.format(name=f"@portico_proxy_rps{r}_conn100",
                                        limits=f"            limit_req zone=portico_rps_{r} burst={5 * r} nodelay;\n"
                                               f"            limit_conn portico_conn 100;\n"))
        zones.append("    limit_conn_zone $portico_limit_key zone=portico_conn:10m;\n")
    text = text.replace("    server {\n", "".join(zones) + "    server {\n", 1)
    return text.replace("        location @portico_proxy {\n", "".join(proxies) + "        location @portico_proxy {\n", 1)


def shm(pid):
    """Shared anonymous memory nginx mapped for its zones (MB), and how much of it is resident."""
    size = rss = 0
    cur = None
    for line in open(f"/proc/{pid}/smaps"):
        if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
            cur = "/dev/zero" in line or "SYSV" in line
        elif cur and line.startswith("Size:"):
            size += int(line.split()[1])
        elif cur and line.startswith("Rss:"):
            rss += int(line.split()[1])
    return size / 1024, rss / 1024


print(f"rate limits on the single-server shape, {a.rates} distinct rates, median of {a.reloads} reloads")
for n in a.sizes:
    with tempfile.TemporaryDirectory(prefix="portico-ratelimit-") as work:
        for mode in ("none", "per-ingress", "per-rate"):
            prefix = os.path.join(work, mode)
            text = variant(n, mode, free_port())
            prepare(prefix, text)
            locs = len(re.findall(r"^\s*location ", text, re.M))
            zones = len(re.findall(r"^\s*limit_(req|conn)_zone ", text, re.M))
            parse = nginx_t(prefix)
            ngx = Nginx(prefix).start()
            try:
                start = rss_mb(ngx.master)
                size, res = shm(ngx.master)
                times = []
                for _ in range(a.reloads):
                    times.append(ngx.reload()[0])
                    time.sleep(0.3)
                after = rss_mb(ngx.master)
            finally:
                ngx.stop()
            print(f"  {n} Ingresses {mode:11}: {zones:5} zones, {locs:5} locations | nginx -t {parse:5.0f} ms | master {start:4.0f} -> "
                  f"{after:4.0f} MB | shared zones {size:6.0f} MB mapped, {res:4.0f} MB resident | reload: new workers "
                  f"{statistics.median(times):5.0f} ms | {load()}", flush=True)
