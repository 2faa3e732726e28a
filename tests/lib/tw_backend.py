#!/usr/bin/env python3
"""A backend that logs every connection's source, for TIME_WAIT tests.

Usage: tw_backend.py HOST LOG PORT:MODE [PORT:MODE ...]

Listens on each PORT; every accepted connection is answered with one
byte, then, by MODE:
  first   the backend closes at once (it closes first: its side of the
          4-tuple sits in TIME_WAIT);
  second  the backend waits for the peer's FIN, then closes.
Each accept appends "PORT PEER_IP PEER_PORT MONOTONIC_SECONDS" to LOG
(flushed as it goes).  Prints "listening" once all ports listen.  Runs
until killed, one thread, non-blocking sockets.
"""
import selectors
import socket
import sys
import time


def main():
    host, log_path = sys.argv[1], sys.argv[2]
    sel = selectors.DefaultSelector()
    log = open(log_path, "a", buffering=1)
    for spec in sys.argv[3:]:
        port, mode = spec.split(":")
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((host, int(port)))
        ls.listen(4096)
        ls.setblocking(False)
        sel.register(ls, selectors.EVENT_READ, ("listen", int(port), mode))
    print("listening", flush=True)
    while True:
        for key, _ in sel.select(timeout=1):
            kind = key.data[0]
            if kind == "listen":
                _, port, mode = key.data
                while True:
                    try:
                        c, peer = key.fileobj.accept()
                    except BlockingIOError:
                        break
                    log.write("%d %s %d %.6f\n" % (port, peer[0], peer[1], time.monotonic()))
                    try:
                        c.send(b"x")
                    except OSError:
                        c.close()
                        continue
                    if mode == "first":
                        c.close()
                        continue
                    c.setblocking(False)
                    sel.register(c, selectors.EVENT_READ, ("conn",))
            else:
                c = key.fileobj
                try:
                    data = c.recv(4096)
                except OSError:
                    data = b""
                if not data:
                    sel.unregister(c)
                    c.close()


if __name__ == "__main__":
    main()
