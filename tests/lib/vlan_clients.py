#!/usr/bin/env python3
"""Many consumers at once, each in its own network namespace, from one
process: for each job, a socket made in that namespace (setns) connects,
sends "SINK" and the first half of NBYTES of data(SEED); once every
connection is open and half sent, "held N" is printed (N: how many), and
with GATE given the rest waits until that file exists (60 s at most); then
each sends the rest, half-closes and checks the backend's sha256.

Usage: vlan_clients.py JOBS NBYTES [GATE]
  JOBS: a file of lines "NAMESPACE DST_IP DST_PORT LOCAL_PORT SEED"
Prints one JSON line: "jobs", "connected", "ok" (how many matched) and
"failed" (each failure: namespace, destination, what happened); exits 0
when every job matched.
"""
import ctypes
import hashlib
import json
import os
import socket
import sys
import threading
import time

from ppv2_backend import data

CLONE_NEWNET = 0x40000000
# Bounds: every step of a job ends by itself.
CONNECT_S = 15
GATE_S = 60
libc = ctypes.CDLL(None, use_errno=True)


def setns(fd):
    if libc.setns(fd, CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


def socket_in(ns):
    """A TCP socket of namespace ns; this thread stays in its own."""
    home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    fd = os.open("/run/netns/" + ns, os.O_RDONLY)
    try:
        setns(fd)
        try:
            return socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        finally:
            setns(home)
    finally:
        os.close(fd)
        os.close(home)


def run(job, n, barrier, gate, out):
    ns, dst, port, lport, seed = job
    payload = data(n, seed)
    s = None
    try:
        s = socket_in(ns)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", lport))
        s.settimeout(CONNECT_S)
        s.connect((dst, port))
        out["connected"] = True
        s.sendall(b"SINK\n" + payload[:n // 2])
    except OSError as e:
        out["error"] = "%s: %s" % (type(e).__name__, e)
    try:
        barrier.wait(timeout=CONNECT_S + 5)
    except threading.BrokenBarrierError:
        pass
    gate.wait(GATE_S)
    if "error" in out:
        if s:
            s.close()
        return
    try:
        s.sendall(payload[n // 2:])
        s.shutdown(socket.SHUT_WR)
        reply = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            reply += chunk
        want = ["sha256", hashlib.sha256(payload).hexdigest(), str(n)]
        out["ok"] = reply.decode(errors="replace").split() == want
        if not out["ok"]:
            out["error"] = "reply %r" % reply[:100]
    except OSError as e:
        out["error"] = "%s: %s" % (type(e).__name__, e)
    finally:
        s.close()


def main():
    jobs = []
    for line in open(sys.argv[1]):
        f = line.split()
        if f:
            jobs.append((f[0], f[1], int(f[2]), int(f[3]), int(f[4])))
    n = int(sys.argv[2])
    gate_file = sys.argv[3] if len(sys.argv) > 3 else None
    barrier = threading.Barrier(len(jobs) + 1)
    gate = threading.Event()
    outs = [{} for _ in jobs]
    threads = [threading.Thread(target=run, args=(j, n, barrier, gate, o), daemon=True)
               for j, o in zip(jobs, outs)]
    for t in threads:
        t.start()
    try:
        barrier.wait(timeout=CONNECT_S + 5)
    except threading.BrokenBarrierError:
        pass
    print("held %d" % sum(1 for o in outs if o.get("connected") and "error" not in o), flush=True)
    if gate_file:
        deadline = time.monotonic() + GATE_S
        while not os.path.exists(gate_file) and time.monotonic() < deadline:
            time.sleep(0.05)
    gate.set()
    for t in threads:
        t.join(GATE_S)
    failed = [{"ns": j[0], "dst": j[1], "error": o.get("error", "unfinished")}
              for j, o in zip(jobs, outs) if not o.get("ok")]
    res = {"jobs": len(jobs), "connected": sum(1 for o in outs if o.get("connected")),
           "ok": sum(1 for o in outs if o.get("ok")), "failed": failed[:20]}
    print(json.dumps(res), flush=True)
    sys.exit(0 if res["ok"] == len(jobs) else 1)


if __name__ == "__main__":
    main()
