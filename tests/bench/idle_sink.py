#!/usr/bin/env python3
"""A backend that accepts TCP connections and holds them open, idle.

Usage: idle_sink.py ADDR PORT COUNTFILE [echo]
Prints "listening" once bound; rewrites COUNTFILE with the number of open
connections every 0.2 s.  Data read is dropped, or with "echo" sent back
(a byte each way: the client's proof that the connection reaches here);
a closed peer is closed.  The port is bound with SO_REUSEPORT, so several
sinks (one process holds at most the open files limit) share it: the
kernel spreads the connections over them."""
import os
import selectors
import socket
import sys
import time

addr, port, countfile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
echo = len(sys.argv) > 4 and sys.argv[4] == "echo"
lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
lsock.bind((addr, port))
lsock.listen(8192)
lsock.setblocking(False)
sel = selectors.DefaultSelector()
sel.register(lsock, selectors.EVENT_READ)
print("listening", flush=True)
open_conns = 0
last = 0.0
while True:
    for key, _ in sel.select(0.2):
        s = key.fileobj
        if s is lsock:
            while True:
                try:
                    c, _ = lsock.accept()
                except BlockingIOError:
                    break
                except OSError:  # EMFILE and the like: the client's batch fails
                    break
                c.setblocking(False)
                sel.register(c, selectors.EVENT_READ)
                open_conns += 1
        else:
            try:
                data = s.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if data and echo:
                try:
                    s.send(data)
                except OSError:
                    pass
            if not data:
                sel.unregister(s)
                s.close()
                open_conns -= 1
    now = time.monotonic()
    if now - last >= 0.2:
        last = now
        with open(countfile + ".tmp", "w") as f:
            f.write(f"{open_conns}\n")
        os.replace(countfile + ".tmp", countfile)
