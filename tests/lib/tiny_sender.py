#!/usr/bin/env python3
"""One connection that sends its bytes one at a time, each in a segment of
its own, to a backend that does not read.

Usage: tiny_sender.py HOST PORT BULK COUNT HOLDFILE

First BULK bytes at once (they fill the backend's buffers and whatever is
in between has to queue the rest), then COUNT bytes: TCP_NODELAY and one
send() of one byte per step, paced so that the kernel
sends each before the next is written (it would merge bytes still queued).
Then waits until the kernel has had every byte acknowledged (SIOCOUTQ
empty, 10 s at most), prints one JSON line {"connected", "sent" (the
single bytes), "unacked"}, and holds the connection until HOLDFILE exists (120 s at most);
then closes it with a reset.
"""
import fcntl
import json
import os
import socket
import struct
import sys
import termios
import time

PACE_S = 0.0004


def outq(s):
    return struct.unpack("i", fcntl.ioctl(s.fileno(), termios.TIOCOUTQ, b"\0" * 4))[0]


def main():
    host, port, bulk, count, holdfile = (sys.argv[1], int(sys.argv[2]), int(sys.argv[3]),
                                         int(sys.argv[4]), sys.argv[5])
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.settimeout(10)
    out = {"connected": False, "sent": 0, "unacked": None}
    try:
        s.connect((host, port))
        out["connected"] = True
        s.sendall(b"b" * bulk)
        deadline = time.monotonic() + 10
        while outq(s) > 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        for _ in range(count):
            s.send(b"x")
            out["sent"] += 1
            time.sleep(PACE_S)
        deadline = time.monotonic() + 10
        while outq(s) > 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        out["unacked"] = outq(s)
    except OSError as e:
        out["error"] = str(e)
    print(json.dumps(out), flush=True)
    deadline = time.monotonic() + 120
    while not os.path.exists(holdfile) and time.monotonic() < deadline:
        time.sleep(0.05)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


if __name__ == "__main__":
    main()
