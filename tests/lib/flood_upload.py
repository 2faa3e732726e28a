#!/usr/bin/env python3
"""Many connections that all send as fast as they can, to a backend that
does not read: what is in between must hold or refuse it.

Usage: flood_upload.py HOST PORT CONNECTIONS SECONDS HOLDFILE

Opens CONNECTIONS connections, then for SECONDS writes to each whatever its
socket takes (non-blocking).  Prints one JSON line {"connected": N,
"sent": BYTES, "errors": {...}} and keeps the connections open until
HOLDFILE exists (up to 120 s), so the caller can look at the proxy while
it is full; then closes them with a reset (SO_LINGER 0).
"""
import errno
import json
import os
import socket
import sys
import time


def main():
    host, port, n, seconds, holdfile = (sys.argv[1], int(sys.argv[2]), int(sys.argv[3]),
                                        float(sys.argv[4]), sys.argv[5])
    socks, errors = [], {}
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(5)
        try:
            s.connect((host, port))
        except OSError as e:
            errors[errno.errorcode.get(e.errno, str(e))] = errors.get(errno.errorcode.get(e.errno, str(e)), 0) + 1
            s.close()
            continue
        s.setblocking(False)
        socks.append(s)
    chunk = b"x" * 65536
    sent = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        progress = 0
        for s in socks:
            try:
                progress += s.send(chunk)
            except BlockingIOError:
                pass
            except OSError as e:
                name = errno.errorcode.get(e.errno, str(e))
                errors[name] = errors.get(name, 0) + 1
        sent += progress
        if progress == 0:
            time.sleep(0.05)
    print(json.dumps({"connected": len(socks), "sent": sent, "errors": errors}), flush=True)
    limit = time.monotonic() + 120
    while not os.path.exists(holdfile) and time.monotonic() < limit:
        time.sleep(0.05)
    for s in socks:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        s.close()


if __name__ == "__main__":
    main()
