#!/usr/bin/env python3
"""Per-host TLS certificates on the issue-10 shape: what each way costs nginx at load/reload.

For N hosts (5 Prefix paths each), every host with its own certificate (leaf + CA + key PEM,
RSA-2048 by default: cert-manager's default), it renders shape.py's variants and measures nginx -t,
master RSS at start and after RELOADS reloads, and the reload time (new workers running / old ones
no longer accepting), like Benchmarks/nginx-reload-floor.py:
  none          no TLS (the reference)
  default-cert  the one server also listens 443 with one static default certificate
  var-file      (a) the one server; ssl_certificate $portico_cert, a map on $ssl_server_name -> file
  var-data      (a') the same with the PEM itself in the map (ssl_certificate data:$portico_cert)
  servers       (b) one extra server per TLS host: server_name, static certificate, the same rewrite,
                `include` of that host's locations file (shared with the main server) and of the
                named proxy locations
  hop           (c) one extra server per TLS host with a static certificate and one static
                proxy_pass to the main server on a loopback port (an extra HTTP hop per request)

Usage: python3 tls_bench.py [--key rsa|ec] [--reloads 5] [--modes a,b,..] N [N ...]   (default 1000)
Binds free ports on 127.0.0.1, writes only to a temp directory, stops its nginx before exiting.
"""
import argparse, os, re, subprocess, tempfile, time
from common import free_port, load, make_certs, prepare, reload_figures
from shape import hosts, render

ap = argparse.ArgumentParser()
ap.add_argument("sizes", nargs="*", type=int, default=[1000])
ap.add_argument("--key", default="rsa")
ap.add_argument("--reloads", type=int, default=5)
ap.add_argument("--modes", default="none,default-cert,var-file,var-data,servers,hop")
a = ap.parse_args()

print(f"{subprocess.run(['nginx', '-v'], capture_output=True, text=True).stderr.strip()}, "
      f"{os.cpu_count()} CPUs, {a.key} certificates, median of {a.reloads} reloads")
for n in a.sizes:
    with tempfile.TemporaryDirectory(prefix="portico-tls-bench-") as work:
        t0 = time.monotonic()
        certs = make_certs(os.path.join(work, "certs"), hosts(n) + ["default"], a.key)
        print(f"  {n} hosts: {n} certificates written in {time.monotonic() - t0:.1f} s; {load()}")
        for mode in a.modes.split(","):
            prefix = os.path.join(work, mode)
            text, files = render(n, mode, free_port(), free_port(), {h: certs[h] for h in hosts(n)},
                                 certs["default"], internal_port=free_port())
            prepare(prefix, text, files)
            size = len(text) + sum(len(v) for v in files.values())
            every = text + "".join(files.values())
            servers, locations = len(re.findall(r"^\s*server \{", text, re.M)), len(re.findall(r"^\s*location ", every, re.M))
            # locations nginx builds: included files count once per include
            if mode == "servers":
                locations = len(re.findall(r"^\s*location ", text, re.M)) + 2 * sum(
                    len(re.findall(r"^\s*location ", v, re.M)) for k, v in files.items() if k.startswith("hosts/")) + n
            f = reload_figures(prefix, a.reloads, 3 if n < 5000 else 1)
            print(f"    {mode:12} {servers:6} servers {locations:6} locations {size / 1e6:6.1f} MB conf | nginx -t {f['t_ms']:7.0f} ms"
                  f" | start {f['start_ms'] / 1000:5.1f} s | master {f['rss_start']:6.0f} -> {f['rss_after']:6.0f} MB | reload: new workers {f['started_ms']:6.0f} ms,"
                  f" old retired {f['retired_ms']:6.0f} ms | {load()}", flush=True)
