#!/usr/bin/env python3
"""The consumer side of ppv2_backend.py's modes.

Usage: ppv2_client.py MODE HOST PORT NBYTES SEED [LOCAL_PORT]
  sink    send "SINK" and NBYTES of data(SEED), half-close, expect the
          backend's sha256 of exactly what was sent (consumer->backend,
          and the reply crossing our half-close)
  source  ask for NBYTES of data(SEED), check them, then, after the
          backend's FIN, still send "thanks" (backend->consumer half-close)
  both    send data(SEED+1) while receiving data(SEED), check what arrived
  slowread  like source, but a slow reader with a small receive buffer:
          nothing read for a second (the backend fills every buffer on
          the way and the appliance's queues and windows must hold it
          back), then 16 KiB at a time, 2 ms apart
  slow    like sink, but the upload is paced (16 KiB every 20 ms): a transfer
          that runs across something else happening; with PPV2_GATE=FILE
          in the environment, it stops halfway until FILE exists (up to
          60 s), so the caller decides what happens while it is open
  hold    a long-running upload: send NBYTES in 16 KiB steps, 20 ms apart;
          succeeds when the appliance resets it midway ("reset": true)
Prints one JSON line; exits 0 when everything matched, 1 otherwise.
"""
import hashlib
import json
import os
import socket
import sys
import threading
import time

from ppv2_backend import data, drain


def wait_for_file(path, limit):
    deadline = time.monotonic() + limit
    while not os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.02)


def main():
    mode, host, port, n, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if len(sys.argv) > 6:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("0.0.0.0", int(sys.argv[6])))
    if mode == "slowread":
        # A small window: the appliance's send buffer fills, then its
        # queue, then the backend's window closes.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32768)
    sock.settimeout(60)
    sock.connect((host, port))
    out = {"mode": mode, "local_port": sock.getsockname()[1]}
    ok = False
    if mode in ("sink", "slow"):
        payload = data(n, seed)
        if mode == "sink":
            sock.sendall(b"SINK\n" + payload)
        else:
            sock.sendall(b"SINK\n")
            gate = os.environ.get("PPV2_GATE")
            for off in range(0, n, 16384):
                if gate and off >= n // 2:
                    wait_for_file(gate, 60)
                    gate = None
                sock.sendall(payload[off:off + 16384])
                time.sleep(0.02)
        sock.shutdown(socket.SHUT_WR)
        reply = sock.recv(4096).decode().split()
        out["sent_sha256"] = hashlib.sha256(payload).hexdigest()
        out["reply"] = reply
        ok = reply == ["sha256", out["sent_sha256"], str(n)]
    elif mode == "source":
        sock.sendall(b"SOURCE %d %d\n" % (n, seed))
        got_sha, got_n = drain(sock)
        out["got_sha256"], out["got_bytes"] = got_sha, got_n
        ok = got_n == n and got_sha == hashlib.sha256(data(n, seed)).hexdigest()
        sock.sendall(b"thanks %d\n" % got_n)
        sock.shutdown(socket.SHUT_WR)
    elif mode == "slowread":
        sock.sendall(b"SOURCE %d %d\n" % (n, seed))
        time.sleep(1)
        h, got = hashlib.sha256(), 0
        while True:
            chunk = sock.recv(16384)
            if not chunk:
                break
            h.update(chunk)
            got += len(chunk)
            time.sleep(0.002)
        out["got_sha256"], out["got_bytes"] = h.hexdigest(), got
        ok = got == n and out["got_sha256"] == hashlib.sha256(data(n, seed)).hexdigest()
        sock.shutdown(socket.SHUT_WR)
    elif mode == "both":
        sock.sendall(b"BOTH %d %d\n" % (n, seed))
        payload = data(n, seed + 1)
        sender = threading.Thread(target=lambda: (sock.sendall(payload), sock.shutdown(socket.SHUT_WR)))
        sender.start()
        got_sha, got_n = drain(sock)
        sender.join()
        out["sent_sha256"] = hashlib.sha256(payload).hexdigest()
        out["got_sha256"], out["got_bytes"] = got_sha, got_n
        ok = got_n == n and got_sha == hashlib.sha256(data(n, seed)).hexdigest()
    elif mode == "hold":
        sock.sendall(b"HOLD\n")
        payload, sent = data(n, seed), 0
        out["reset"] = False
        try:
            while sent < n:
                sock.sendall(payload[sent:sent + 16384])
                sent += 16384
                time.sleep(0.02)
            sock.shutdown(socket.SHUT_WR)
            drain(sock)
        except (ConnectionResetError, BrokenPipeError):
            out["reset"] = True
        out["sent_before_end"] = sent
        ok = out["reset"] and sent < n
    sock.close()
    out["ok"] = ok
    print(json.dumps(out))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
