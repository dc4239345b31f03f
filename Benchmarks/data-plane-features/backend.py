#!/usr/bin/env python3
"""A tiny backend for the data-plane feature checks; exits by itself after --seconds.

Usage: backend.py --port P [--name N] [--seconds S] [--log FILE] [--auth] [--tls PEM] [--tcp-echo | --udp-echo]
  default     HTTP: answers every method with JSON {backend, method, target, headers, body_bytes}
  --auth      an external-auth service: 200 + X-Auth-User/X-Auth-Groups if Authorization is
              "Bearer good", else 401 (and it records the X-Original-* headers it was sent)
  --tls PEM   the same over TLS with that cert+key (a passthrough target)
  --tcp-echo / --udp-echo   echo "NAME:" + data back (stream checks)
  --log FILE  append one JSON line per HTTP request; a query "sleep=S" (S <= 5) delays the answer
Binds 127.0.0.1 only.
"""
import argparse, json, re, socket, socketserver, ssl, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--name", default=None)
ap.add_argument("--seconds", type=float, default=600)
ap.add_argument("--auth", action="store_true")
ap.add_argument("--log")
ap.add_argument("--tls")
ap.add_argument("--tcp-echo", action="store_true")
ap.add_argument("--udp-echo", action="store_true")
args = ap.parse_args()
NAME = args.name or str(args.port)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            total = 0
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    return total
                self.rfile.read(size + 2)
                total += size
        n = int(self.headers.get("Content-Length") or 0)
        return len(self.rfile.read(n)) if n else 0

    def handle_any(self):
        n = self.body()
        seen = {"backend": NAME, "method": self.command, "target": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()}, "body_bytes": n}
        if args.log:
            with open(args.log, "a") as f:
                f.write(json.dumps(seen) + "\n")
        m = re.search(r"[?&]sleep=([0-9.]+)", self.path)
        if m:
            time.sleep(min(float(m.group(1)), 5))
        if args.auth:
            ok = self.headers.get("Authorization") == "Bearer good"
            self.send_response(200 if ok else 401)
            if ok:
                self.send_header("X-Auth-User", "alice")
                self.send_header("X-Auth-Groups", "admins")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        out = json.dumps(seen).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(out)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = handle_any


def stop_later(server):
    time.sleep(args.seconds)
    server.shutdown()


if args.tcp_echo or args.udp_echo:
    class TCP(socketserver.BaseRequestHandler):
        def handle(self):
            data = self.request.recv(4096)
            self.request.sendall(NAME.encode() + b":" + data)

    class UDP(socketserver.BaseRequestHandler):
        def handle(self):
            data, sock = self.request
            sock.sendto(NAME.encode() + b":" + data, self.client_address)

    cls = socketserver.ThreadingTCPServer if args.tcp_echo else socketserver.ThreadingUDPServer
    cls.allow_reuse_address = True
    srv = cls(("127.0.0.1", args.port), TCP if args.tcp_echo else UDP)
else:
    ThreadingHTTPServer.allow_reuse_address = True
    srv = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.daemon_threads = True
    if args.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
threading.Thread(target=stop_later, args=(srv,), daemon=True).start()
srv.serve_forever()
