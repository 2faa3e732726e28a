#!/usr/bin/env python3
"""A backend that accepts connections and never reads from them.

Usage: stall_backend.py ADDR PORT

Its receive buffers are small (SO_RCVBUF 4 KiB, inherited by accepted
sockets), so a sender's bytes soon wait in whoever is in between.  Holds
every connection until it is killed.  Prints "listening" when ready.
"""
import socket
import sys


def main():
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    srv.bind((sys.argv[1], int(sys.argv[2])))
    srv.listen(1024)
    print("listening", flush=True)
    held = []
    while True:
        conn, _ = srv.accept()
        held.append(conn)


if __name__ == "__main__":
    main()
