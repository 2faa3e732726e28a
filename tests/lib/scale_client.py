#!/usr/bin/env python3
"""A client for test_scale: opens N TCP connections to ADDR:PORT, holds
them, then sends one byte on each and waits for one byte back on each.

Usage: scale_client.py ADDR PORT N CTLDIR NAME

Steps, each reported as one JSON file in CTLDIR (written whole, by
rename) and driven by a file the test creates there:
  1. connects in batches (BATCH in flight at once, each batch settled
     before the next; after a batch with a failure the rest are not
     tried, and count as failed), then writes NAME.open:
       {"open": N, "failed": F, "seconds": S}
  2. holds them until CTLDIR/send exists (a connection that ends
     meanwhile is counted as lost), then sends one byte ("x") on each
     open connection and waits for one byte back on each (WINDOW of them
     waiting at once), rewriting NAME.echo every POLL_S:
       {"sent": N, "early": E, "got": G, "extra": X, "lost": L,
        "seconds": S, "final": F}
     early: connections that received something or ended while held;
     got: connections that received exactly their one byte; extra:
     connections that received more; lost: ended (FIN or reset) before
     their byte came.  The wait ends (final true) once every connection
     has its byte or has ended (and EXTRA_WAIT_S more, for a second byte
     were one to come), or when CTLDIR/close exists: the test decides how
     long is too long.
  3. holds them until CTLDIR/close exists, closes every one (FIN), writes
     NAME.closed ({"closed": N}) and exits.
At most LIFE_S in all: everything stops by itself.
"""
import errno
import json
import os
import selectors
import socket
import sys
import time

BATCH = 100             # SYNs in flight at once: under a listener's queue of
                        # 128 half-open connections (no SYN cookies needed)
BATCH_TIMEOUT_S = 20    # a connection not established by then counts as failed
WINDOW = 100            # connections awaiting their byte back at once
EXTRA_WAIT_S = 0.5      # after the last byte, for one too many
POLL_S = 0.2
LIFE_S = 900


def write_json(path, obj):
    with open(path + ".tmp", "w") as f:
        json.dump(obj, f)
    os.replace(path + ".tmp", path)


def connect_all(addr, port, n, sel):
    held, failed = [], 0
    while len(held) + failed < n:
        batch = 0
        for _ in range(min(BATCH, n - len(held) - failed)):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            rc = s.connect_ex((addr, port))
            if rc not in (0, errno.EINPROGRESS):
                s.close()
                failed += 1
                continue
            sel.register(s, selectors.EVENT_WRITE)
            batch += 1
        deadline = time.monotonic() + BATCH_TIMEOUT_S
        while batch and time.monotonic() < deadline:
            for key, _ in sel.select(POLL_S):
                s = key.fileobj
                sel.unregister(s)
                batch -= 1
                if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                    held.append(s)
                else:
                    s.close()
                    failed += 1
        for key in list(sel.get_map().values()):
            sel.unregister(key.fileobj)
            key.fileobj.close()
            failed += 1
        if failed:
            failed = n - len(held)
    return held, failed


def main():
    addr, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    ctl, name = sys.argv[4], sys.argv[5]
    end = time.monotonic() + LIFE_S
    sel = selectors.DefaultSelector()
    start = time.monotonic()
    held, failed = connect_all(addr, port, n, sel)
    write_json(os.path.join(ctl, name + ".open"), {
        "open": len(held), "failed": failed,
        "seconds": round(time.monotonic() - start, 2)})

    # Hold: anything readable now is a connection ending before its turn.
    got = {}        # socket -> bytes received
    gone = set()
    for s in held:
        sel.register(s, selectors.EVENT_READ)
        got[s] = 0

    def drain(timeout):
        """Reads what came; returns the sockets that had something."""
        events = sel.select(timeout)
        for key, _ in events:
            s = key.fileobj
            try:
                data = s.recv(16)
            except (ConnectionResetError, BlockingIOError):
                data = b""
            if data:
                got[s] += len(data)
            else:
                sel.unregister(s)
                gone.add(s)
        return [key.fileobj for key, _ in events]

    while not os.path.exists(os.path.join(ctl, "send")) and time.monotonic() < end:
        drain(POLL_S)
    early = sum(1 for s in held if got[s] or s in gone)

    # WINDOW connections at a time wait for their byte back: a burst of
    # one segment per connection at once would only measure how the
    # appliance's receive queue overflows and how the senders back off.
    start = time.monotonic()
    sent = 0
    todo = iter(held)
    waiting = set()

    def send_next():
        nonlocal sent
        for s in todo:
            if s in gone:
                continue
            try:
                if s.send(b"x") == 1:
                    sent += 1
                    waiting.add(s)
                    return
            except OSError:
                pass
            if s not in gone:
                sel.unregister(s)
                gone.add(s)

    def report(final):
        write_json(os.path.join(ctl, name + ".echo"), {
            "sent": sent, "early": early,
            "got": sum(1 for s in held if got[s] == 1),
            "extra": sum(1 for s in held if got[s] > 1),
            "lost": sum(1 for s in held if s in gone and got[s] == 0),
            "seconds": round(time.monotonic() - start, 2), "final": final})

    for _ in range(WINDOW):
        send_next()
    closing = os.path.join(ctl, "close")
    last = 0.0
    while waiting and time.monotonic() < end and not os.path.exists(closing):
        for s in drain(POLL_S):
            if s in waiting and (got[s] or s in gone):
                waiting.discard(s)
                send_next()
        if time.monotonic() - last >= POLL_S:
            last = time.monotonic()
            report(False)
    if not waiting:
        drain(EXTRA_WAIT_S)
    report(True)

    while not os.path.exists(os.path.join(ctl, "close")) and time.monotonic() < end:
        time.sleep(POLL_S)
    for s in held:
        s.close()
    write_json(os.path.join(ctl, name + ".closed"), {"closed": len(held)})


if __name__ == "__main__":
    main()
