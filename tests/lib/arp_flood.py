#!/usr/bin/env python3
"""Neighbour-table pressure from a consumer, and a watch on another NIC.

Usage:
  arp_flood.py flood IFNAME DST_MAC PE_IP COUNT SEED
      COUNT ARP requests for PE_IP from random sender addresses (half in
      PE_IP's /24, .10-.254, half anywhere unicast) and random sender
      MACs, and COUNT/2 TCP SYNs to PE_IP:443 from random sources in the
      /24 (the appliance answers each, so it must resolve every source).
      Prints one JSON line {"sent": N}.
  watch IFNAME SENDER_IP TARGET_IP STOPFILE
      Counts the ARP requests for TARGET_IP sent by SENDER_IP that arrive
      on IFNAME until STOPFILE exists (60 s at most); prints "listening"
      once the socket is open, then one JSON line {"requests": N}.
"""
import json
import os
import random
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
ETH_P_ARP = 0x0806


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def rand_mac():
    # locally administered, unicast
    return bytes([0x02 | (random.getrandbits(8) & 0xFC)]) + random.randbytes(5)


def rand_unicast_ip():
    while True:
        a = random.getrandbits(32)
        if 1 <= a >> 24 < 224 and a >> 24 != 127:
            return socket.inet_ntoa(struct.pack("!I", a))


def syn(smac, dmac, src, dst, sport):
    t = struct.pack("!HHIIBBHHH", sport, 443, random.getrandbits(32), 0, 5 << 4, 0x02,
                    65535, 0, 0)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(t))
    t = t[:16] + struct.pack("!H", csum(pseudo + t)) + t[18:]
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(t), random.getrandbits(16), 0, 64, 6, 0,
                    socket.inet_aton(src), socket.inet_aton(dst))
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return dmac + smac + b"\x08\x00" + h + t


def arp_request(smac, sip, tip):
    return (b"\xff" * 6 + smac + b"\x08\x06" +
            struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, smac, socket.inet_aton(sip),
                        b"\0" * 6, socket.inet_aton(tip)))


def flood(ifname, dst_mac, pe_ip, count, seed):
    random.seed(seed)
    dmac = bytes.fromhex(dst_mac.replace(":", ""))
    net = pe_ip.rsplit(".", 1)[0]
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((ifname, 0))
    sent = 0
    for i in range(count):
        sip = "%s.%d" % (net, random.randrange(10, 255)) if i % 2 else rand_unicast_ip()
        s.send(arp_request(rand_mac(), sip, pe_ip))
        sent += 1
        if i % 2:
            src = "%s.%d" % (net, random.randrange(10, 255))
            s.send(syn(rand_mac(), dmac, src, pe_ip, random.randrange(1024, 65536)))
            sent += 1
    print(json.dumps({"sent": sent}))


def watch(ifname, sender, target, stopfile):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ARP))
    s.bind((ifname, 0))
    s.settimeout(0.1)
    print("listening", flush=True)
    want_s, want_t = socket.inet_aton(sender), socket.inet_aton(target)
    n, deadline = 0, time.time() + 60
    while time.time() < deadline and not os.path.exists(stopfile):
        try:
            f = s.recv(2048)
        except socket.timeout:
            continue
        a = f[14:]
        if (len(a) >= 28 and a[6:8] == b"\x00\x01" and a[14:18] == want_s and
                a[24:28] == want_t):
            n += 1
    print(json.dumps({"requests": n}), flush=True)


def main():
    if sys.argv[1] == "flood":
        flood(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6]))
    elif sys.argv[1] == "watch":
        watch(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5])
    else:
        sys.exit("usage: arp_flood.py flood|watch ...")


if __name__ == "__main__":
    main()
