#!/usr/bin/env python3
"""Opens N idle TCP connections to ADDR:PORT and holds them.

Usage: idle_client.py ADDR PORT N
Connects in batches (BATCH at a time, each batch established before the
next) and prints one JSON line {"open": N, "failed": F, "seconds": S} once
every connection is established or failed; then holds them until stdin
closes, and exits."""
import json
import selectors
import socket
import sys
import time

BATCH = 250           # SYNs in flight at once: keeps a proxy's accept queue small
BATCH_TIMEOUT_S = 10  # a batch not established by then counts as failed

addr, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
held, failed = [], 0
start = time.monotonic()
sel = selectors.DefaultSelector()
while len(held) + failed < n:
    batch = []
    for _ in range(min(BATCH, n - len(held) - failed)):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.connect_ex((addr, port))
        sel.register(s, selectors.EVENT_WRITE)
        batch.append(s)
    pending = len(batch)
    deadline = time.monotonic() + BATCH_TIMEOUT_S
    while pending and time.monotonic() < deadline:
        for key, _ in sel.select(0.5):
            s = key.fileobj
            sel.unregister(s)
            pending -= 1
            if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                held.append(s)
            else:
                failed += 1
                s.close()
    for key in list(sel.get_map().values()):
        sel.unregister(key.fileobj)
        key.fileobj.close()
        failed += 1
print(json.dumps({"open": len(held), "failed": failed,
                  "seconds": round(time.monotonic() - start, 2)}), flush=True)
sys.stdin.read()
for s in held:
    s.close()
