"""Shared helpers for the data-plane feature scripts (not run by itself).

Usage: imported by features.py, tls_bench.py, handshake_bench.py and ratelimit_bench.py.
Everything binds 127.0.0.1 only; nginx and backends run under `timeout`, so they stop by themselves
even if a script dies, and every script also stops them in a `finally`.
"""
import os, signal, socket, statistics, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
NGINX_LIFETIME = int(os.environ.get("NGINX_LIFETIME", 1200))         # seconds: the hard cap on any nginx a script starts
STREAM_MODULE = "/usr/lib/nginx/modules/ngx_stream_module.so"   # Debian 12's libnginx-mod-stream


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load():
    return "load %.2f/%.2f/%.2f" % os.getloadavg()


def http_head(worker_processes=2, extra=""):
    """events + the http-level settings of Portico's DefaultTemplate (issue 10 shape)."""
    return f"""worker_processes {worker_processes};
pid nginx.pid;
error_log error.log warn;
events {{ worker_connections 4096; }}
http {{
    server_tokens off;
    map_hash_max_size 262144;
    map_hash_bucket_size 128;
    server_names_hash_max_size 262144;
    server_names_hash_bucket_size 128;
    access_log off;
    client_body_temp_path client_body_temp;
    proxy_temp_path proxy_temp;
    fastcgi_temp_path fastcgi_temp;
    uwsgi_temp_path uwsgi_temp;
    scgi_temp_path scgi_temp;
    resolver 127.0.0.1 valid=10s;
    resolver_timeout 5s;
    map $http_host $portico_host {{ "" $host; default $http_host; }}
    map $http_upgrade $portico_connection {{ "" close; default upgrade; }}
    proxy_http_version 1.1;
    proxy_redirect off;
    proxy_set_header Host $portico_host;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;
    proxy_set_header X-Forwarded-Host $portico_host;
    proxy_set_header X-Real-IP $remote_addr;
    proxy_set_header Upgrade $http_upgrade;
    proxy_set_header Connection $portico_connection;
{extra}"""


def vhost_maps(exact, wildcards):
    """The four host maps of the shape: exact hosts, one label stripped, one-label wildcards."""
    out = ["    map $host $portico_exact_host {\n        default \"\";\n"]
    out += [f"        {h} {h};\n" for h in exact]
    out.append("    }\n    map $host $portico_parent_host {\n        default \"\";\n        \"~^[^.]+\\.(.+)$\" $1;\n    }\n")
    out.append("    map $portico_parent_host $portico_wildcard_host {\n        default _;\n")
    out += [f"        {s} *.{s};\n" for s in wildcards]
    out.append("    }\n    map $portico_exact_host $portico_vhost {\n        \"\" $portico_wildcard_host;\n"
               "        default $portico_exact_host;\n    }\n")
    return "".join(out)


def location_order(prefix):
    """nginx's ngx_filename_cmp order ('/' sorts lowest): write host locations in it."""
    return prefix.replace("/", "\0")


def re_escape(s):
    return "".join("\\" + c if c in ".*+?()[]{}|^$\\" else c for c in s)


def prepare(prefix, text, files=None):
    for d in ("client_body_temp", "proxy_temp", "fastcgi_temp", "uwsgi_temp", "scgi_temp"):
        os.makedirs(os.path.join(prefix, d), exist_ok=True)
    for name, body in (files or {}).items():
        path = os.path.join(prefix, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(body)
    with open(os.path.join(prefix, "nginx.conf"), "w") as f:
        f.write(text)


def nginx_t(prefix, runs=3):
    times = []
    for _ in range(runs):
        t0 = time.monotonic()
        r = subprocess.run(["timeout", "300", "nginx", "-t", "-q", "-p", prefix + "/", "-c", "nginx.conf"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit(f"nginx -t failed in {prefix}:\n{r.stderr[-3000:]}")
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
                    cmd = f.read()
                if b"worker process" in cmd:
                    found.append((int(entry), b"shutting down" in cmd))
        except (OSError, ValueError, IndexError):
            pass
    return found


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS:")) / 1024


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Nginx:
    """One nginx in the foreground under `timeout`, prefix = a scratch directory."""

    def __init__(self, prefix, lifetime=NGINX_LIFETIME):
        self.prefix, self.lifetime, self.proc, self.master = prefix, lifetime, None, None

    def start(self, wait=120):
        pidfile = os.path.join(self.prefix, "nginx.pid")
        if os.path.exists(pidfile):
            os.unlink(pidfile)
        self.proc = subprocess.Popen(["timeout", "-s", "TERM", "-k", "5", str(self.lifetime), "nginx", "-p",
                                      self.prefix + "/", "-c", "nginx.conf", "-g", "daemon off;"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit("nginx exited: " + self.proc.stderr.read().decode()[-2000:])
            try:
                self.master = int(open(pidfile).read())
                if workers(self.master):
                    return self
            except (OSError, ValueError):
                pass
            time.sleep(0.02)
        self.stop()
        raise SystemExit("nginx did not start")

    def reload(self, timeout=600):
        """SIGHUP; returns ms until all new workers run, ms until no old worker accepts."""
        now = workers(self.master)
        count = len([p for p, s in now if not s])   # workers of an earlier reload may still be exiting
        old = {p for p, _ in now}
        t0 = time.monotonic()
        os.kill(self.master, signal.SIGHUP)
        first = None
        while time.monotonic() - t0 < timeout:
            now = workers(self.master)
            if first is None and len([p for p, _ in now if p not in old]) >= count:
                first = time.monotonic()
            if first is not None and all(s for p, s in now if p in old):
                return (first - t0) * 1000, (time.monotonic() - t0) * 1000
            time.sleep(0.002)
        raise SystemExit("reload did not finish")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            try:
                os.kill(self.master or self.proc.pid, signal.SIGTERM)
            except (OSError, TypeError):
                self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def reload_figures(prefix, reloads=5, t_runs=3):
    """nginx -t, master RSS at start and after `reloads` reloads, median reload times."""
    parse = nginx_t(prefix, t_runs)
    t0 = time.monotonic()
    n = Nginx(prefix).start(wait=600)
    try:
        start_ms = (time.monotonic() - t0) * 1000
        start_rss = rss_mb(n.master)
        started, retired = [], []
        for _ in range(reloads):
            s, r = n.reload()
            started.append(s)
            retired.append(r)
            time.sleep(0.3)
        return {"t_ms": parse, "start_ms": start_ms, "rss_start": start_rss, "rss_after": rss_mb(n.master),
                "started_ms": statistics.median(started), "retired_ms": statistics.median(retired)}
    finally:
        n.stop()


def start_backend(port, lifetime=600, name=None, extra=()):
    args = ["timeout", "-k", "3", str(lifetime), sys.executable, os.path.join(HERE, "backend.py"),
            "--port", str(port), "--seconds", str(lifetime)] + (["--name", name] if name else []) + list(extra)
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if p.poll() is not None:
            raise SystemExit(f"backend on {port} exited: {p.stderr.read().decode()[-1500:]}")
        try:
            if "--udp-echo" in extra:
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                    u.settimeout(0.2)
                    u.sendto(b"ping", ("127.0.0.1", port))
                    u.recv(100)
            else:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
            return p
        except OSError:
            time.sleep(0.05)
    p.kill()
    raise SystemExit(f"backend on {port} did not start")


def make_ca(dirname):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import datetime
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Portico bench CA")])
    now = datetime.datetime(2025, 1, 1)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    os.makedirs(dirname, exist_ok=True)
    with open(os.path.join(dirname, "ca.crt"), "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    return key, cert


def make_certs(dirname, names, keytype="rsa", ca=None):
    """One PEM per name (leaf + CA cert + key), like a kubernetes.io/tls Secret with its chain.
    All leaves of one run share one key (generating 10,000 RSA keys would take minutes; nginx's
    cost to load a key does not depend on it being unique). Returns {name: path}."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.x509.oid import NameOID
    import datetime
    ca_key, ca_cert = ca or make_ca(dirname)
    key = rsa.generate_private_key(65537, 2048) if keytype == "rsa" else ec.generate_private_key(ec.SECP256R1())
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    ca_pem = ca_cert.public_bytes(serialization.Encoding.PEM)
    now = datetime.datetime(2025, 1, 1)
    paths = {}
    os.makedirs(dirname, exist_ok=True)
    for i, n in enumerate(names):
        cert = (x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, n)]))
                .issuer_name(ca_cert.subject).public_key(key.public_key()).serial_number(1000 + i)
                .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=3650))
                .add_extension(x509.SubjectAlternativeName([x509.DNSName(n)]), critical=False)
                .sign(ca_key, hashes.SHA256()))
        path = os.path.join(dirname, n.replace("*", "_") + ".pem")
        with open(path, "wb") as f:
            f.write(cert.public_bytes(serialization.Encoding.PEM) + ca_pem + key_pem)
        paths[n] = path
    return paths
