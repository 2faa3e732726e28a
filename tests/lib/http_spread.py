#!/usr/bin/env python3
"""Sends HTTP requests, one connection each, and counts who answered.

Usage: http_spread.py HOST PORT COUNT [SOURCE_IP ...]

Each request is "GET / HTTP/1.0" on a new connection (from each SOURCE_IP
in turn when given, else the default source).  The first word of each
answer's body names the backend (the test's nginx answers "bN ...").
Prints one JSON line: {"backends": {name: count}, "by_source": {ip:
{name: count}}, "failed": n, "errors": [first few]}.  Exits 0 when no
request failed.
"""
import json
import socket
import sys


def one(host, port, source):
    sock = socket.create_connection((host, port), timeout=5,
                                    source_address=(source, 0) if source else None)
    try:
        sock.sendall(b"GET / HTTP/1.0\r\nHost: t\r\n\r\n")
        data = b""
        while True:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    finally:
        sock.close()
    head, _, body = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        raise ValueError("answer: %r" % head[:60])
    return body.split()[0].decode()


def main():
    host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    sources = sys.argv[4:] or [None]
    backends, by_source, failed, errors = {}, {}, 0, []
    for i in range(count):
        src = sources[i % len(sources)]
        try:
            name = one(host, port, src)
        except (OSError, ValueError) as e:
            failed += 1
            if len(errors) < 3:
                errors.append(str(e))
            continue
        backends[name] = backends.get(name, 0) + 1
        per = by_source.setdefault(src or "default", {})
        per[name] = per.get(name, 0) + 1
    print(json.dumps({"backends": backends, "by_source": by_source, "failed": failed,
                      "errors": errors}))
    sys.exit(0 if failed == 0 else 1)


if __name__ == "__main__":
    main()
