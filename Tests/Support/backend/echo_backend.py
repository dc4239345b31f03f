#!/usr/bin/env python3
"""An HTTP/1.1 backend for Portico's end-to-end tests (Python 3 standard library only).

    echo_backend.py --name NAME --address 127.0.0.2 --port 18111

Answers every request with JSON describing what it received:
    {"backend", "method", "path", "query", "headers", "body", "bodyLength", "bodySHA256",
     "httpVersion"}
`headers` maps lower-cased names to values (repeated headers joined with ", "); `path` and `query`
are the raw request target split at the first "?", exactly as they arrived (no decoding).

A request with `Upgrade: websocket` gets `101 Switching Protocols` with the right
Sec-WebSocket-Accept; the backend then reads one frame and echoes its payload back as a text frame
prefixed with "NAME:", and closes.

For the proxying tests:
- `--status N` answers every request with status N (e.g. 502, a failing backend) instead of 200.
- `--tls-cert FILE --tls-key FILE` serves HTTPS instead of plain HTTP; the reply then also has
  `tlsServerName` (the SNI the client sent, or null) and `tlsClientSubject` (the client
  certificate's subject as "organizationName=...,commonName=...", or null). `--tls-client-ca FILE` also requires a client
  certificate those authorities issued (a handshake without one fails).
- A request with `X-Echo-Pad: N` gets an `X-Echo-Pad` response header of N bytes ("a"...).
- A request with `X-Echo-Size: N` gets a body of N bytes ("x"...) instead of the JSON.
- A request with `X-Echo-Hold: TOKEN` gets a chunked answer: a chunk "first\n" at once, then,
  once `GET /__release/TOKEN` has been asked of this backend (directly, not through nginx; at most
  20 s), a chunk "rest\n" and the end.

As an auth service (`auth-url`), for the external authentication tests:
- A request for `/__auth...` is an auth decision, its answer empty: `Authorization: Bearer good`
  gets 200 with `X-Auth-User: alice`, `X-Auth-Groups: admins` and `Set-Cookie: auth=ok`; `Bearer
  forbidden` gets 403; anything else 401 with `WWW-Authenticate: Bearer realm="echo"` and
  `Set-Cookie: auth=gone`. Each is remembered (as an echo reply would describe it).
- `GET /__auth-log` (asked directly, not through nginx) answers the remembered ones, oldest first,
  as a JSON array of echo replies.

Prints "listening NAME ADDRESS:PORT" on stdout once the socket is bound.
"""

import argparse
import base64
import hashlib
import json
import socket
import socketserver
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class EchoHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "portico-echo"

    def version_string(self):
        return self.server_version

    def setup(self):
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(10)
            self.request.do_handshake()
        super().setup()

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        sys.stderr.write("%s %s\n" % (self.server.backend_name, format % args))

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size_line = self.rfile.readline()
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    # Trailers, up to the empty line.
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length", "0") or "0")
        return self.rfile.read(length) if length > 0 else b""

    def handle_any(self):
        if self.headers.get("Upgrade", "").lower() == "websocket":
            self.handle_websocket()
            return
        if self.path.startswith("/__release/"):
            self.server.hold(self.path[len("/__release/"):]).set()
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        hold = self.headers.get("X-Echo-Hold")
        if hold:
            self.read_body()
            self.handle_hold(hold)
            return
        if self.path == "/__auth-log":
            with self.server.holds_lock:
                payload = json.dumps(self.server.auth_log).encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return
        body = self.read_body()
        target = self.path
        path, _, query = target.partition("?")
        headers = {}
        for name, value in self.headers.items():
            key = name.lower()
            headers[key] = headers[key] + ", " + value if key in headers else value
        if path.startswith("/__auth"):
            self.handle_auth(self.describe(path, query, headers, body))
            return
        reply = self.describe(path, query, headers, body)
        self.reply(reply)

    def describe(self, path, query, headers, body):
        return {
            "backend": self.server.backend_name,
            "method": self.command,
            "path": path,
            "query": query,
            "headers": headers,
            "body": body.decode("utf-8", errors="replace"),
            "bodyLength": len(body),
            "bodySHA256": hashlib.sha256(body).hexdigest(),
            "httpVersion": self.request_version,
            **self.describe_tls(),
        }

    def describe_tls(self):
        if not isinstance(self.request, ssl.SSLSocket):
            return {}
        subject = None
        peer = self.request.getpeercert()
        if peer:
            subject = ",".join("%s=%s" % (k, v) for rdn in peer.get("subject", ()) for (k, v) in rdn)
        return {"tlsServerName": getattr(self.request, "portico_sni", None), "tlsClientSubject": subject}

    def handle_auth(self, request):
        with self.server.holds_lock:
            self.server.auth_log.append(request)
            del self.server.auth_log[:-200]
        token = request["headers"].get("authorization", "")
        if token == "Bearer good":
            self.send_response(200)
            self.send_header("X-Auth-User", "alice")
            self.send_header("X-Auth-Groups", "admins")
            self.send_header("Set-Cookie", "auth=ok")
        elif token == "Bearer forbidden":
            self.send_response(403)
        else:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Bearer realm="echo"')
            self.send_header("Set-Cookie", "auth=gone")
        self.send_header("X-Echo-Backend", self.server.backend_name)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def reply(self, reply):
        query = reply["query"]
        payload = json.dumps(reply).encode("utf-8")
        size = self.headers.get("X-Echo-Size", "")
        if size.isdigit():
            payload = b"x" * min(int(size), 64 << 20)
        # `?echo-status=401` answers with that status (the reply is the same), for tests of what
        # nginx adds to a backend's error responses.
        status = self.server.status
        for pair in query.split("&"):
            name, _, value = pair.partition("=")
            if name == "echo-status" and value.isdigit() and 200 <= int(value) <= 599:
                status = int(value)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("X-Echo-Backend", self.server.backend_name)
        pad = self.headers.get("X-Echo-Pad", "")
        if pad.isdigit():
            self.send_header("X-Echo-Pad", "a" * min(int(pad), 1 << 20))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def handle_hold(self, token):
        self.send_response(self.server.status)
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("X-Echo-Backend", self.server.backend_name)
        self.end_headers()
        self.wfile.write(b"6\r\nfirst\n\r\n")
        self.wfile.flush()
        self.server.hold(token).wait(20)
        self.wfile.write(b"5\r\nrest\n\r\n0\r\n\r\n")
        self.wfile.flush()

    def handle_websocket(self):
        key = self.headers.get("Sec-WebSocket-Key", "")
        accept = base64.b64encode(hashlib.sha1((key + WEBSOCKET_GUID).encode()).digest()).decode()
        self.send_response(101, "Switching Protocols")
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.send_header("X-Echo-Backend", self.server.backend_name)
        self.end_headers()
        self.wfile.flush()
        payload = self.read_frame()
        if payload is not None:
            self.write_frame((self.server.backend_name + ":").encode() + payload)
        self.close_connection = True

    def read_frame(self):
        head = self.rfile.read(2)
        if len(head) < 2:
            return None
        masked = head[1] & 0x80
        length = head[1] & 0x7F
        if length == 126:
            length = int.from_bytes(self.rfile.read(2), "big")
        elif length == 127:
            length = int.from_bytes(self.rfile.read(8), "big")
        mask = self.rfile.read(4) if masked else b"\0\0\0\0"
        data = self.rfile.read(length)
        return bytes(b ^ mask[i % 4] for i, b in enumerate(data))

    def write_frame(self, payload):
        header = bytearray([0x81])  # FIN, text
        if len(payload) < 126:
            header.append(len(payload))
        elif len(payload) < 65536:
            header.append(126)
            header += len(payload).to_bytes(2, "big")
        else:
            header.append(127)
            header += len(payload).to_bytes(8, "big")
        self.wfile.write(bytes(header) + payload)
        self.wfile.flush()

    def __getattr__(self, name):
        # do_GET, do_POST, do_PUT, do_DELETE, do_PATCH, do_OPTIONS, ...: all echo.
        if name.startswith("do_"):
            return self.handle_any
        raise AttributeError(name)


class EchoServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default backlog of 5 drops connections under load (nginx opens one per
    # request), which shows up as client timeouts that have nothing to do with the proxy.
    request_queue_size = 512

    def __init__(self, address, name, status=200):
        self.backend_name = name
        self.status = status
        self.holds = {}
        self.holds_lock = threading.Lock()
        self.auth_log = []
        super().__init__(address, EchoHandler)

    def handle_error(self, request, client_address):
        # One line, not a traceback: a failed TLS handshake is what some tests ask for.
        sys.stderr.write("%s error from %s: %s\n" % (self.backend_name, client_address[0], sys.exc_info()[1]))

    def hold(self, token):
        """The event that releases the held answers for `token`."""
        with self.holds_lock:
            return self.holds.setdefault(token, threading.Event())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name", required=True)
    parser.add_argument("--address", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--status", type=int, default=200)
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--tls-client-ca")
    args = parser.parse_args()
    server = EchoServer((args.address, args.port), args.name, args.status)
    if args.tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        if args.tls_client_ca:
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(args.tls_client_ca)

        # Remembered on the connection, for the reply's tlsServerName.
        def remember_sni(connection, server_name, _context):
            connection.portico_sni = server_name

        context.sni_callback = remember_sni
        # The handshake happens in the request's thread, so a client that never does one (a plain
        # HTTP request, a port probe) holds up nobody else.
        server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    print("listening %s %s:%d" % (args.name, args.address, args.port), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
