#!/usr/bin/env python3
"""Frames from a consumer network that ask the appliance for an answer
it must not give elsewhere, and the same asked legitimately.

Usage: spoof_frames.py IFNAME MY_IP PE_IP SPOOFED_SRC MODE

MODE spoofed: with source SPOOFED_SRC (an address of another network):
  UDP to a closed port, an unknown IP protocol, a lone first fragment
  (its reassembly would time out), an echo request, a SYN to a closed
  port.  Nothing may come back here, nor leave by another NIC.
MODE legit: from MY_IP (on this network): UDP to a closed port and an
  echo request, which must be answered here (port unreachable, echo
  reply).
MODE burst N: N echo requests at once from MY_IP; counts the replies.
Prints one JSON line.
"""
import json
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from rawtcp import SYN, RawPeer, csum, ipv4, tcp_segment, udp_datagram  # noqa: E402


def echo(ident, seq):
    h = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + b"privlink-spoof"
    return h[:2] + struct.pack("!H", csum(h)) + h[4:]


def collect(peer, seconds):
    got, deadline = [], time.time() + seconds
    while time.time() < deadline:
        pkt = peer.poll(0.1)
        if pkt is not None:
            got.append(pkt)
    return got


def main():
    ifname, my_ip, pe_ip, spoofed, mode = sys.argv[1:6]
    peer = RawPeer(ifname, my_ip)
    pe_mac = peer.resolve(pe_ip)
    out = {"mode": mode}

    def send(src, proto, payload, **kw):
        peer.send_eth(pe_mac, 0x0800, ipv4(src, pe_ip, proto, payload, **kw))

    if mode == "spoofed":
        for _ in range(3):
            send(spoofed, 17, udp_datagram(spoofed, pe_ip, 5353, 9999, b"hello"))
            send(spoofed, 253, b"unknown protocol")
            send(spoofed, 17, udp_datagram(spoofed, pe_ip, 5353, 9999, b"f" * 64),
                 ident=0x4242, frag=0x2000)
            send(spoofed, 1, echo(0x5151, 1))
            send(spoofed, 6, tcp_segment(spoofed, pe_ip, 40000, 1, 12345, 0, SYN))
        # Any answer would go to the spoofed source, never here; a frame
        # here naming it would be a leak all the same.
        got = collect(peer, 1.0)
        out["sent"] = 15
        out["answers_here"] = len(got)
    elif mode == "legit":
        send(my_ip, 17, udp_datagram(my_ip, pe_ip, 5353, 9999, b"hello"))
        send(my_ip, 1, echo(0x6161, 1))
        got = collect(peer, 2.0)
        kinds = sorted("icmp %d/%d" % (p[(p[0] & 15) * 4], p[(p[0] & 15) * 4 + 1])
                       for p in got if p[9] == 1)
        out["icmp"] = kinds
    elif mode.startswith("burst"):
        n = int(mode.split()[1])
        frames = [echo(0x7171, i & 0xFFFF) for i in range(n)]
        for f in frames:
            send(my_ip, 1, f)
        got = collect(peer, 2.0)
        out["sent"] = n
        out["replies"] = sum(1 for p in got if p[9] == 1 and p[(p[0] & 15) * 4] == 0)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
