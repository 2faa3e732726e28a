#!/usr/bin/env python3
"""One tenant's many connections, for the fair-share tests.

Usage:
  tenant_conns.py churn HOST PORT N
      N short HTTP/1.0 requests one after another, each read to its end
      (the backend closes: a graceful close).
  tenant_conns.py hold HOST PORT N SECONDS [quiet|keepalive]
      opens N connections one after another and holds them SECONDS
      (keepalive: the kernel sends a keepalive probe every second, no
      payload).  Prints its record once all are opened, then holds.
  tenant_conns.py burst HOST PORT N WAIT
      starts N connections at once and waits WAIT seconds (less than the
      one second after which a SYN is sent again) for their answers.

Prints one JSON line of counts: ok (request answered / connected),
refused (reset), timeout (no answer), and for hold, reset later:
connections reset after they were opened, counted once SECONDS are over.
"""
import json
import resource
import select
import socket
import sys
import time


def churn(host, port, n):
    counts = {"ok": 0, "refused": 0, "timeout": 0, "other": 0}
    for _ in range(n):
        try:
            s = socket.create_connection((host, port), timeout=5)
            s.sendall(b"GET / HTTP/1.0\r\n\r\n")
            data = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            s.close()
            counts["ok" if data.startswith(b"HTTP/1.1 200") else "other"] += 1
        except (ConnectionRefusedError, ConnectionResetError):
            counts["refused"] += 1
        except socket.timeout:
            counts["timeout"] += 1
    return counts


def hold(host, port, n, seconds, mode):
    counts = {"ok": 0, "refused": 0, "timeout": 0, "reset_later": 0}
    socks = []
    # thousands of connections: past select()'s 1,024 descriptors
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    for _ in range(n):
        try:
            s = socket.create_connection((host, port), timeout=3)
        except (ConnectionRefusedError, ConnectionResetError):
            counts["refused"] += 1
            continue
        except socket.timeout:
            counts["timeout"] += 1
            continue
        if mode == "keepalive":
            s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 1)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 1)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 5)
        s.setblocking(False)
        socks.append(s)
        counts["ok"] += 1
    print(json.dumps(counts), flush=True)
    deadline = time.monotonic() + seconds
    alive = {s.fileno(): s for s in socks}
    poller = select.poll()
    for fd in alive:
        poller.register(fd, select.POLLIN)
    while alive and time.monotonic() < deadline:
        ready = poller.poll(int(1000 * min(0.5, max(0.0, deadline - time.monotonic()))))
        for fd, _ in ready:
            s = alive[fd]
            try:
                s.recv(4096)
            except ConnectionResetError:
                counts["reset_later"] += 1
            except BlockingIOError:
                continue
            poller.unregister(fd)
            del alive[fd]
    for s in socks:
        s.close()
    print(json.dumps(counts), flush=True)


def burst(host, port, n, wait):
    counts = {"ok": 0, "refused": 0, "timeout": 0}
    pending = []
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.connect_ex((host, port))
        pending.append(s)
    socks = list(pending)
    deadline = time.monotonic() + wait
    while pending and time.monotonic() < deadline:
        _, w, _ = select.select([], pending, [], max(0.0, deadline - time.monotonic()))
        for s in w:
            err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            counts["ok" if err == 0 else "refused"] += 1
            pending.remove(s)
    counts["timeout"] = len(pending)
    for s in socks:
        s.close()
    return counts


def main():
    mode, host, port, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    if mode == "churn":
        print(json.dumps(churn(host, port, n)))
    elif mode == "hold":
        hold(host, port, n, float(sys.argv[5]), sys.argv[6] if len(sys.argv) > 6 else "quiet")
    elif mode == "burst":
        print(json.dumps(burst(host, port, n, float(sys.argv[5]))))
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
