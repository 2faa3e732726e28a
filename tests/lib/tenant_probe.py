#!/usr/bin/env python3
"""Tenant B's view while tenant A attacks: short connections one after
another (at most 200 a second) for SECONDS, and meanwhile one large upload, each checked end to
end through ppv2_backend.py's SINK (sha256 of exactly what was sent).

Usage: tenant_probe.py SECONDS PE_IP PORT BIG_BYTES SEED

Prints one JSON line: short connections completed and failed (with the
errors), their latency (connect to verified answer) median and 99th
percentile in ms, and whether the large upload arrived intact.
"""
import hashlib
import json
import random
import socket
import sys
import threading
import time

SHORT_PER_S = 200


def sink(host, port, body, timeout):
    """One SINK exchange; returns None when the answer matched, else why."""
    c = socket.create_connection((host, port), timeout=timeout)
    try:
        c.sendall(b"SINK\n")
        c.sendall(body)
        c.shutdown(socket.SHUT_WR)
        answer = b""
        while True:
            chunk = c.recv(4096)
            if not chunk:
                break
            answer += chunk
    finally:
        c.close()
    want = "sha256 %s %d" % (hashlib.sha256(body).hexdigest(), len(body))
    got = answer.decode(errors="replace").strip()
    return None if got == want else "answer %r" % got[:80]


def main():
    seconds, host, port, big, seed = (float(sys.argv[1]), sys.argv[2], int(sys.argv[3]),
                                      int(sys.argv[4]), int(sys.argv[5]))
    rnd = random.Random(seed)
    big_body = rnd.randbytes(big)
    result = {"big_bytes": big}

    def upload():
        start = time.monotonic()
        try:
            why = sink(host, port, big_body, 60)
        except OSError as e:
            why = "%s: %s" % (type(e).__name__, e)
        result["big_ok"] = why is None
        result["big_error"] = why
        result["big_seconds"] = round(time.monotonic() - start, 3)
    t = threading.Thread(target=upload)
    t.start()
    small = rnd.randbytes(1000)
    lat, failed, errors = [], 0, {}
    start = time.monotonic()
    while time.monotonic() - start < seconds or (t.is_alive() and time.monotonic() - start < 90):
        t0 = time.monotonic()
        try:
            why = sink(host, port, small, 5)
        except OSError as e:
            why = type(e).__name__ + (" errno %d" % e.errno if e.errno else "")
        if why is None:
            lat.append((time.monotonic() - t0) * 1000)
        else:
            failed += 1
            errors[why] = errors.get(why, 0) + 1
            time.sleep(0.05)
        # At most SHORT_PER_S a second: each leaves this side in TIME_WAIT
        # (it closes first), and more would run out of local ports, a
        # failure of ours, not the appliance's.
        time.sleep(max(0.0, t0 + 1.0 / SHORT_PER_S - time.monotonic()))
    t.join()
    lat.sort()
    result.update(short_ok=len(lat), short_failed=failed, short_errors=errors,
                  p50_ms=round(lat[len(lat) // 2], 2) if lat else None,
                  p99_ms=round(lat[min(len(lat) - 1, int(len(lat) * 0.99))], 2) if lat else None)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
