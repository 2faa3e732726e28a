#!/usr/bin/env python3
"""One TCP connection made by hand that sends only out-of-order data: a
hole at its first byte, then COUNT one-byte segments past it, one byte
apart, all inside the window, so the receiver can only queue them.

Usage: ooseq_sender.py IFNAME DST_MAC SRC_IP DST_IP DST_PORT COUNT HOLDFILE

SRC_IP is an address of the consumer subnet that no host holds: this
script answers ARP for it (the kernel of the namespace would reset a
connection it does not know).  The handshake is made with an MSS option
and no window scale (a 64 KiB window).  Prints one JSON line
{"connected", "sent"} once the segments are out, holds the connection
until HOLDFILE exists (120 s at most), then resets it.
"""
import json
import os
import random
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
PACE_BATCH = 200        # segments, then a pause: the appliance reads in batches
PACE_S = 0.005


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def tcp(src, dst, sport, dport, seq, ack, flags, payload=b"", opts=b""):
    doff = (20 + len(opts)) // 4
    h = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, doff << 4,
                    flags, 65535, 0, 0) + opts
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(h) + len(payload))
    h = h[:16] + struct.pack("!H", csum(pseudo + h + payload)) + h[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(h) + len(payload),
                     random.getrandbits(16), 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + h + payload


def arp(op, smac, sip, tmac, tip):
    return struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, smac, sip, tmac, tip)


class Peer:
    def __init__(self, ifname, dst_mac, src_ip, dst_ip):
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.s.bind((ifname, 0))
        self.s.setblocking(False)
        self.mac = self.s.getsockname()[4]
        self.dmac = bytes.fromhex(dst_mac.replace(":", ""))
        self.src, self.dst = socket.inet_aton(src_ip), socket.inet_aton(dst_ip)

    def send_ip(self, pkt):
        self.s.send(self.dmac + self.mac + b"\x08\x00" + pkt)

    def announce(self):
        # A request for the appliance's address from ours: it learns us.
        self.s.send(b"\xff" * 6 + self.mac + b"\x08\x06" +
                    arp(1, self.mac, self.src, b"\0" * 6, self.dst))

    def poll(self):
        """Answers ARP for our address; returns the TCP segments for us."""
        segs = []
        while True:
            try:
                f = self.s.recv(65535)
            except BlockingIOError:
                return segs
            if len(f) < 42:
                continue
            etype = f[12:14]
            if etype == b"\x08\x06" and f[20:22] == b"\x00\x01" and f[38:42] == self.src:
                self.s.send(f[6:12] + self.mac + b"\x08\x06" +
                            arp(2, self.mac, self.src, f[22:28], f[28:32]))
            elif etype == b"\x08\x00" and f[23] == 6 and f[30:34] == self.src and f[26:30] == self.dst:
                ihl = (f[14] & 0x0F) * 4
                segs.append(f[14 + ihl:])


def main():
    ifname, dst_mac, src_ip, dst_ip, dport, count, holdfile = sys.argv[1:8]
    dport, count = int(dport), int(count)
    random.seed(count)
    peer = Peer(ifname, dst_mac, src_ip, dst_ip)
    sport, isn = random.randrange(20000, 60000), random.getrandbits(32)
    out = {"connected": False, "sent": 0}
    peer.announce()
    time.sleep(0.2)
    mss = struct.pack("!BBH", 2, 4, 1460)
    server_isn, deadline, next_syn = None, time.monotonic() + 10, 0.0
    while server_isn is None and time.monotonic() < deadline:
        if time.monotonic() >= next_syn:
            peer.send_ip(tcp(peer.src, peer.dst, sport, dport, isn, 0, 0x02, opts=mss))
            next_syn = time.monotonic() + 1
        for seg in peer.poll():
            sp, dp, seq, ack, _, flags = struct.unpack("!HHIIBB", seg[:14])
            if sp == dport and dp == sport and flags & 0x12 == 0x12 and ack == (isn + 1) & 0xFFFFFFFF:
                server_isn = seq
        time.sleep(0.01)
    if server_isn is not None:
        out["connected"] = True
        rcv = (server_isn + 1) & 0xFFFFFFFF
        peer.send_ip(tcp(peer.src, peer.dst, sport, dport, isn + 1, rcv, 0x10))
        # Byte isn+1 is never sent: everything after it is out of order.
        for i in range(count):
            peer.send_ip(tcp(peer.src, peer.dst, sport, dport, isn + 3 + 2 * i, rcv, 0x18, b"o"))
            out["sent"] += 1
            if i % PACE_BATCH == PACE_BATCH - 1:
                peer.poll()
                time.sleep(PACE_S)
    print(json.dumps(out), flush=True)
    deadline = time.monotonic() + 120
    while not os.path.exists(holdfile) and time.monotonic() < deadline:
        peer.poll()
        time.sleep(0.05)
    if server_isn is not None:
        peer.send_ip(tcp(peer.src, peer.dst, sport, dport, isn + 1, 0, 0x04))


if __name__ == "__main__":
    main()
