#!/usr/bin/env python3
"""A slowloris on a TLS port: N connections that each send one byte of a
ClientHello every INTERVAL seconds and never finish it.

Usage: slow_client.py HOST PORT N INTERVAL LIMIT
Runs until every connection was closed by the server, or LIMIT seconds.
Prints one JSON line: how many were closed by the server and after how
long the last one was (seconds), and how many bytes each could send.
"""
import json
import select
import socket
import sys
import time

# The start of a TLS 1.2 ClientHello record: enough that the server waits
# for the rest.
HELLO = bytes.fromhex("160301020001000200") + bytes(512)


def main():
    host, port, n, interval, limit = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
        float(sys.argv[4]), float(sys.argv[5])
    start = time.monotonic()
    socks, sent, closed_at = [], [], {}
    for _ in range(n):
        s = socket.create_connection((host, port), timeout=5)
        s.setblocking(False)
        socks.append(s)
        sent.append(0)
    next_send = start
    while len(closed_at) < n and time.monotonic() - start < limit:
        now = time.monotonic()
        if now >= next_send:
            for i, s in enumerate(socks):
                if i in closed_at:
                    continue
                try:
                    s.send(HELLO[sent[i] % len(HELLO):sent[i] % len(HELLO) + 1])
                    sent[i] += 1
                except OSError:
                    closed_at[i] = now - start
            next_send = now + interval
        live = [s for i, s in enumerate(socks) if i not in closed_at]
        r, _, _ = select.select(live, [], [], 0.1)
        for s in r:
            i = socks.index(s)
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if not data:
                closed_at[i] = time.monotonic() - start
    print(json.dumps({"connections": n, "closed_by_server": len(closed_at),
                      "last_closed_after_s": round(max(closed_at.values()), 1) if closed_at else None,
                      "bytes_sent_max": max(sent)}))
    return 0 if len(closed_at) == n else 1


if __name__ == "__main__":
    sys.exit(main())
