#!/usr/bin/env python3
"""DNS clients for test_dns.sh that dig cannot be: a flood from one
source, several queries pipelined on one TCP connection, garbage.
Prints one JSON record.

  dns_client.py flood SERVER SRC NAME COUNT SECONDS
      COUNT queries for NAME (type A) from SRC, spread over SECONDS;
      counts the answers, those with TC set, and the answers per second.
  dns_client.py pipeline SERVER NAME N
      N queries in one TCP write; the answers' ids in the order they came.
  dns_client.py garbage SERVER
      junk over UDP and TCP (short, a long length prefix, random bytes).
  dns_client.py idle SERVER
      a TCP connection that sends nothing: seconds until the server closes.
  dns_client.py conns SERVER N
      N TCP connections at once: how many the server keeps open.
"""
import json
import os
import select
import socket
import struct
import sys
import time


def query(name, qid, qtype=1):
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\0" + struct.pack(">HH", qtype, 1)


def flood(server, src, name, count, seconds):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    s.setblocking(False)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    answered = tc = 0
    start = time.monotonic()
    gap = seconds / count

    def drain():
        nonlocal answered, tc
        while True:
            try:
                m = s.recv(4096)
            except BlockingIOError:
                return
            answered += 1
            if len(m) >= 4 and m[2] & 0x02:
                tc += 1

    for i in range(count):
        due = start + i * gap
        while time.monotonic() < due:
            drain()
            time.sleep(min(0.0005, max(0, due - time.monotonic())))
        try:
            s.sendto(query(name, i & 0xFFFF), (server, 53))
        except BlockingIOError:
            pass
        drain()
    end = time.monotonic() + 1.0
    while time.monotonic() < end:
        select.select([s], [], [], 0.05)
        drain()
    elapsed = seconds if seconds > 0 else time.monotonic() - start
    return {"sent": count, "answered": answered, "tc": tc,
            "full": answered - tc, "per_s": (answered - tc) / elapsed}


def recv_msg(c):
    hdr = b""
    while len(hdr) < 2:
        b = c.recv(2 - len(hdr))
        if not b:
            return None
        hdr += b
    n = struct.unpack(">H", hdr)[0]
    m = b""
    while len(m) < n:
        b = c.recv(n - len(m))
        if not b:
            return None
        m += b
    return m


def pipeline(server, name, n):
    c = socket.create_connection((server, 53), timeout=5)
    data = b""
    for i in range(n):
        q = query(name, 1000 + i)
        data += struct.pack(">H", len(q)) + q
    c.sendall(data)
    ids = []
    for _ in range(n):
        m = recv_msg(c)
        if m is None:
            break
        ids.append(struct.unpack(">H", m[:2])[0])
    c.close()
    return {"ids": ids, "ok": ids == [1000 + i for i in range(n)]}


def garbage(server):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for m in (b"", b"\0", b"\xff" * 11, os.urandom(12), os.urandom(300), os.urandom(1400),
              query("x" * 63 + ".example", 7)[:20], b"\0\1\0\0\0\1\0\0\0\0\0\0\xc0\x0c\0\1\0\1"):
        u.sendto(m, (server, 53))
    res = {}
    # A length prefix past any query: the server closes.
    c = socket.create_connection((server, 53), timeout=5)
    c.sendall(b"\xff\xff" + os.urandom(100))
    try:
        res["long_prefix_closed"] = c.recv(10) == b""
    except ConnectionResetError:
        res["long_prefix_closed"] = True
    c.close()
    # Random bytes in a well-framed message: no crash, maybe an answer.
    c = socket.create_connection((server, 53), timeout=5)
    junk = os.urandom(40)
    c.sendall(struct.pack(">H", len(junk)) + junk)
    c.close()
    res["ok"] = res["long_prefix_closed"]
    return res


def idle(server):
    c = socket.create_connection((server, 53), timeout=30)
    start = time.monotonic()
    try:
        c.recv(10)
    except ConnectionResetError:
        pass
    return {"seconds": round(time.monotonic() - start, 2)}


def conns(server, n):
    cs = []
    for _ in range(n):
        try:
            cs.append(socket.create_connection((server, 53), timeout=5))
        except OSError:
            pass
    time.sleep(0.5)
    alive = 0
    for c in cs:
        c.setblocking(False)
        try:
            alive += 0 if c.recv(1) == b"" else 1
        except BlockingIOError:
            alive += 1
        except OSError:
            pass
    for c in cs:
        c.close()
    return {"opened": len(cs), "alive": alive}


def main():
    cmd = sys.argv[1]
    a = sys.argv[2:]
    if cmd == "flood":
        r = flood(a[0], a[1], a[2], int(a[3]), float(a[4]))
    elif cmd == "pipeline":
        r = pipeline(a[0], a[1], int(a[2]))
    elif cmd == "garbage":
        r = garbage(a[0])
    elif cmd == "idle":
        r = idle(a[0])
    elif cmd == "conns":
        r = conns(a[0], int(a[1]))
    else:
        sys.exit("unknown command " + cmd)
    print(json.dumps(r))


if __name__ == "__main__":
    main()
