#!/usr/bin/env python3
"""A TCP backend for Portico's stream end-to-end tests (Python 3 standard library only).

    stream_backend.py --name NAME --address 127.0.0.2 --port 18111 [--proxy-protocol]

Each connection first gets one line, "NAME\\n" (or, with --proxy-protocol, "NAME HEADER\\n" where
HEADER is the PROXY protocol v1 line the connection started with, without its CRLF, or "none"
when it did not start with one); then every byte received is echoed back until the client
half-closes, and the backend closes its side too. Connections are served concurrently.

Prints "listening NAME ADDRESS:PORT" on stdout once the socket is bound.
"""

import argparse
import socket
import sys
import threading


def read_proxy_header(conn):
    """The first line if it is a PROXY v1 header (at most 107 bytes), and whatever came after it."""
    data = b""
    while b"\r\n" not in data and len(data) < 108:
        chunk = conn.recv(108 - len(data))
        if not chunk:
            break
        data += chunk
    if data.startswith(b"PROXY ") and b"\r\n" in data:
        line, rest = data.split(b"\r\n", 1)
        return line.decode("ascii", "replace"), rest
    return "none", data


def serve(conn, name, proxy):
    try:
        rest = b""
        if proxy:
            header, rest = read_proxy_header(conn)
            conn.sendall(("%s %s\n" % (name, header)).encode())
        else:
            conn.sendall(("%s\n" % name).encode())
        if rest:
            conn.sendall(rest)
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            conn.sendall(chunk)
        conn.shutdown(socket.SHUT_WR)
    except OSError as error:
        sys.stderr.write("connection: %s\n" % error)
    finally:
        conn.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--name", required=True)
    parser.add_argument("--address", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--proxy-protocol", action="store_true")
    args = parser.parse_args()
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((args.address, args.port))
    server.listen(128)
    print("listening %s %s:%d" % (args.name, args.address, args.port), flush=True)
    while True:
        conn, _ = server.accept()
        threading.Thread(target=serve, args=(conn, args.name, args.proxy_protocol), daemon=True).start()


if __name__ == "__main__":
    main()
