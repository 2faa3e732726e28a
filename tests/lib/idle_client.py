#!/usr/bin/env python3
"""Holds one TCP connection and reports how it ended.

Usage: idle_client.py HOST PORT SECONDS [talk|quiet|quiet-then-send|keepalive]

talk: sends one byte of an HTTP request line every 0.5 s; quiet: sends
nothing; quiet-then-send: sends nothing for SECONDS, then one byte, then
waits up to 2 s more; keepalive: sends no payload, but the kernel sends
TCP keepalive probes every second.  Prints one JSON line {"result": R, "seconds": S}:
"reset" (ECONNRESET), "closed" (FIN), or "open" (still open after
SECONDS), with the time it ended.
"""
import json
import select
import socket
import sys
import time


def main():
    host, port, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    mode = sys.argv[4] if len(sys.argv) > 4 else "quiet"
    sock = socket.create_connection((host, port), timeout=5)
    if mode == "keepalive":
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 5)
    start = time.monotonic()
    line = b"GET / HTTP/1.0\r\nX-Slow: " + b"a" * 1000
    sent = 0
    result = "open"
    deadline = start + seconds
    while True:
        now = time.monotonic()
        if now >= deadline:
            if mode == "quiet-then-send" and sent == 0:
                try:
                    sock.send(b"G")
                except ConnectionResetError:
                    result = "reset"
                    break
                sent = 1
                deadline = now + 2
                continue
            break
        wait = min(0.5, deadline - now)
        r, _, _ = select.select([sock], [], [], wait)
        if r:
            try:
                data = sock.recv(4096)
            except ConnectionResetError:
                result = "reset"
                break
            if not data:
                result = "closed"
                break
        elif mode == "talk" and sent < len(line):
            try:
                sock.send(line[sent:sent + 1])
            except ConnectionResetError:
                result = "reset"
                break
            sent += 1
    sock.close()
    print(json.dumps({"result": result, "seconds": round(time.monotonic() - start, 3)}))


if __name__ == "__main__":
    main()
