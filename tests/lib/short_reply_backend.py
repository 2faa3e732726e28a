#!/usr/bin/env python3
"""An HTTP backend for probes: answers each request with a whole
"HTTP/1.1 200 OK" until the file SWITCH exists, then with just "HTTP/1."
before closing (an answer cut off in its status line).  Prints one line
per answer to stdout.  Exits by itself after LIFETIME seconds.

Usage: short_reply_backend.py ADDR PORT SWITCH LIFETIME
"""
import os
import socket
import sys
import time

addr, port, switch, lifetime = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
end = time.monotonic() + lifetime
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((addr, port))
srv.listen(16)
while time.monotonic() < end:
    srv.settimeout(max(0.1, end - time.monotonic()))
    try:
        c, _ = srv.accept()
    except socket.timeout:
        break
    c.settimeout(2)
    try:
        req = b""
        while b"\r\n\r\n" not in req and len(req) < 4096:
            d = c.recv(4096)
            if not d:
                break
            req += d
        short = os.path.exists(switch)
        c.sendall(b"HTTP/1." if short else b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        c.shutdown(socket.SHUT_WR)
        print("short" if short else "whole", flush=True)
        # Wait for the probe's reset or close.
        try:
            c.recv(4096)
        except OSError:
            pass
    except OSError:
        pass
    finally:
        c.close()
