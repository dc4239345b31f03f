#!/usr/bin/env python3
"""HTTPS load by full handshakes: THREADS threads, each opening a new TLS connection (SNI = HOST,
no certificate check, TLS 1.2 or 1.3), sending one GET and reading the answer, until SECONDS have
passed. Prints one line: handshakes, failed handshakes, failed requests and the first failures.
Bounded: stops by itself after SECONDS (at most 600).

Usage: tls-handshake-load.py HOST PORT SECONDS [THREADS] [PATH]
"""
import socket
import ssl
import sys
import threading
import time

host, port, seconds = sys.argv[1], int(sys.argv[2]), min(float(sys.argv[3]), 600)
threads = int(sys.argv[4]) if len(sys.argv) > 4 else 4
path = sys.argv[5] if len(sys.argv) > 5 else "/"
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
lock = threading.Lock()
counts = {"handshakes": 0, "failed_handshakes": 0, "failed_requests": 0}
first_failures = []
deadline = time.monotonic() + seconds


def fail(kind, error):
    with lock:
        counts[kind] += 1
        if len(first_failures) < 3:
            first_failures.append(f"{kind}: {error!r}")


def worker():
    request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()
    while time.monotonic() < deadline:
        try:
            raw = socket.create_connection(("127.0.0.1", port), timeout=5)
        except OSError as e:
            fail("failed_handshakes", e)
            continue
        try:
            try:
                tls = context.wrap_socket(raw, server_hostname=host)
            except (OSError, ssl.SSLError) as e:
                fail("failed_handshakes", e)
                continue
            with lock:
                counts["handshakes"] += 1
            try:
                tls.sendall(request)
                answer = b""
                while True:
                    chunk = tls.recv(65536)
                    if not chunk:
                        break
                    answer += chunk
                status = answer.split(b" ", 2)[1] if answer.startswith(b"HTTP/") else b"none"
                if status != b"200":
                    fail("failed_requests", f"status {status.decode(errors='replace')}")
            except (OSError, ssl.SSLError, IndexError) as e:
                fail("failed_requests", e)
            finally:
                tls.close()
        finally:
            raw.close()


pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
for t in pool:
    t.start()
for t in pool:
    t.join(seconds + 30)
print(f"{counts['handshakes']} handshakes, {counts['failed_handshakes']} failed handshakes, "
      f"{counts['failed_requests']} failed requests" + (f" (first: {'; '.join(first_failures)})" if first_failures else ""))
