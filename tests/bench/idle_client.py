#!/usr/bin/env python3
"""Opens N idle TCP connections to ADDR:PORT and holds them.

Usage: idle_client.py ADDR PORT N [SRC [SECONDS [BYTE]]]
SRC: the source address to bind (default: the kernel's choice); SECONDS:
stop opening after this long (default 600), holding what is open; BYTE 1:
each connection sends one byte and waits for the backend's echo before it
counts as held (default 0: established is enough).
Connects in batches (BATCH at a time, each batch done before the next)
and prints one JSON line {"open": ..., "failed": ..., "echoed": ...,
"seconds": ..., "timed_out": ...} once every connection is held or failed
or the time is up; then holds them until stdin closes, and exits."""
import errno
import json
import selectors
import socket
import sys
import time

BATCH = 250           # SYNs in flight at once: keeps a proxy's accept queue small
BATCH_TIMEOUT_S = 20  # a connection not held by then counts as failed
IP_BIND_ADDRESS_NO_PORT = 24  # linux/in.h: the port is picked at connect(), per 4-tuple

addr, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
src = sys.argv[4] if len(sys.argv) > 4 and sys.argv[4] not in ("", "-") else None
seconds = float(sys.argv[5]) if len(sys.argv) > 5 else 600.0
byte = len(sys.argv) > 6 and sys.argv[6] == "1"

held, failed, echoed = [], 0, 0
start = time.monotonic()
end = start + seconds
sel = selectors.DefaultSelector()


def fail(s):
    global failed
    sel.unregister(s)
    s.close()
    failed += 1


def opened(s):
    """Connect done: held, or (BYTE) the byte sent and its echo awaited."""
    if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) != 0:
        fail(s)
        return 0
    if not byte:
        sel.unregister(s)
        held.append(s)
        return 1
    try:
        s.send(b"x")
    except OSError:
        fail(s)
        return 1
    sel.modify(s, selectors.EVENT_READ)
    return 0


def answered(s):
    global echoed
    try:
        data = s.recv(16)
    except BlockingIOError:
        return 0
    except OSError:
        data = b""
    if not data:
        fail(s)
        return 1
    sel.unregister(s)
    held.append(s)
    echoed += 1
    return 1


timed_out = False
while len(held) + failed < n:
    if time.monotonic() >= end:
        timed_out = True
        break
    pending = 0
    for _ in range(min(BATCH, n - len(held) - failed)):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            if src:
                s.setsockopt(socket.IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1)
                s.bind((src, 0))
            rc = s.connect_ex((addr, port))
        except OSError as e:
            rc = e.errno
        if rc not in (0, errno.EINPROGRESS):
            s.close()
            failed += 1
            continue
        sel.register(s, selectors.EVENT_WRITE)
        pending += 1
    deadline = min(time.monotonic() + BATCH_TIMEOUT_S, end)
    while pending and time.monotonic() < deadline:
        for key, ev in sel.select(0.5):
            if key.events & selectors.EVENT_WRITE:
                pending -= opened(key.fileobj)
            else:
                pending -= answered(key.fileobj)
    for key in list(sel.get_map().values()):
        fail(key.fileobj)
print(json.dumps({"open": len(held), "failed": failed, "echoed": echoed,
                  "seconds": round(time.monotonic() - start, 2), "timed_out": timed_out}),
      flush=True)
sys.stdin.read()
for s in held:
    s.close()
