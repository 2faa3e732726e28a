#!/usr/bin/env python3
"""Sends malformed and out-of-bounds frames at the appliance from the
consumer side, and reports what came back.

Usage: hostile_frames.py IFNAME DST_MAC SRC_IP PE_IP FOREIGN_IP COUNT SEED

Frames: truncated and inconsistent IPv4/TCP/ARP headers, fragments, random
bytes behind valid Ethernet/IPv4 headers, and well-formed ARP, ICMP and TCP
addressed to FOREIGN_IP (an address the appliance holds on another NIC,
which must stay unreachable from here); and a SYN to PE_IP:443 with a bad
TCP checksum, which must go unanswered, beside the same SYN with a good
one, which must be answered (the checksum is verified, not ignored).
Prints one JSON line: frames sent, every frame received from FOREIGN_IP or
answering for it, the replies to the bad-checksum SYN and whether the
good one was answered.
"""
import json
import random
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ipv4(src, dst, proto, payload, tot_len=None, ihl=5, frag=0, ttl=64):
    tl = tot_len if tot_len is not None else 20 + len(payload)
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, tl & 0xFFFF, random.getrandbits(16),
                    frag, ttl, proto, 0, socket.inet_aton(src), socket.inet_aton(dst))
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def tcp(src, dst, sport, dport, flags, doff=5, payload=b""):
    h = struct.pack("!HHIIBBHHH", sport, dport, random.getrandbits(32), 0, doff << 4, flags,
                    65535, 0, 0)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(h) + len(payload))
    c = csum(pseudo + h + payload)
    return h[:16] + struct.pack("!H", c) + h[18:] + payload


def icmp_echo(ident):
    h = struct.pack("!BBHHH", 8, 0, 0, ident, 1) + b"privlink-hostile"
    return h[:2] + struct.pack("!H", csum(h)) + h[4:]


def arp(op, smac, sip, tip):
    return struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, smac, socket.inet_aton(sip),
                       b"\0" * 6, socket.inet_aton(tip))


def main():
    ifname, dst_mac, src_ip, pe_ip, foreign, count, seed = sys.argv[1:8]
    count, seed = int(count), int(seed)
    random.seed(seed)
    dmac = bytes.fromhex(dst_mac.replace(":", ""))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((ifname, 0))
    smac = s.getsockname()[4]
    eth_ip = dmac + smac + b"\x08\x00"
    eth_arp = b"\xff" * 6 + smac + b"\x08\x06"
    frames = []
    # Inconsistent headers.
    frames.append(eth_ip)                                            # no IP header at all
    frames.append(eth_ip + b"\x45\x00")                              # 2 bytes of IP
    frames.append(eth_ip + ipv4(src_ip, pe_ip, 6, b"", ihl=15))       # ihl past the packet
    frames.append(eth_ip + ipv4(src_ip, pe_ip, 6, b"x" * 20, tot_len=60000))  # tot_len too long
    frames.append(eth_ip + ipv4(src_ip, pe_ip, 6, b"x" * 20, tot_len=10))     # tot_len < ihl
    frames.append(eth_ip + ipv4(src_ip, pe_ip, 6, tcp(src_ip, pe_ip, 1234, 443, 0x02, doff=15)))
    frames.append(eth_ip + ipv4(src_ip, pe_ip, 6, tcp(src_ip, pe_ip, 1234, 443, 0x02, doff=2)))
    frames.append(eth_ip + ipv4(src_ip, pe_ip, 6, b"\x01\xbb"))      # 2 bytes of TCP
    frames.append(eth_ip + ipv4(src_ip, pe_ip, 17, b"\x00"))         # 1 byte of UDP
    frames.append(eth_arp + arp(1, smac, src_ip, pe_ip)[:10])        # truncated ARP
    for off in (0, 185, 8191):                                       # fragments, MF set
        frames.append(eth_ip + ipv4(src_ip, pe_ip, 6, b"f" * 64, frag=0x2000 | off))
    # Random bytes behind valid headers.
    for _ in range(count):
        body = random.randbytes(random.randrange(0, 1400))
        proto = random.choice((1, 6, 17, random.randrange(256)))
        frames.append(eth_ip + ipv4(src_ip, pe_ip, proto, body))
        frames.append(eth_ip + random.randbytes(random.randrange(0, 1480)))
        frames.append(eth_arp + random.randbytes(random.randrange(0, 60)))
    # Well-formed traffic for an address of another NIC.
    probes = [
        eth_arp + arp(1, smac, src_ip, foreign),
        eth_ip + ipv4(src_ip, foreign, 1, icmp_echo(0x5a5a)),
        eth_ip + ipv4(src_ip, foreign, 6, tcp(src_ip, foreign, 40000, 8443, 0x02)),
        eth_ip + ipv4(src_ip, foreign, 6, tcp(src_ip, foreign, 40000, 49152, 0x02)),
    ]
    # A frame off a real wire (no offload status from the kernel) with a
    # bad TCP checksum must be dropped; the same frame with a good one
    # answered (SYN-ACK; our kernel then resets it, no socket here).
    bad_sport, good_sport = 40001, 40002
    bad = tcp(src_ip, pe_ip, bad_sport, 443, 0x02)
    bad = bad[:16] + struct.pack("!H", struct.unpack("!H", bad[16:18])[0] ^ 0x5555) + bad[18:]
    csum_probes = [eth_ip + ipv4(src_ip, pe_ip, 6, bad),
                   eth_ip + ipv4(src_ip, pe_ip, 6, tcp(src_ip, pe_ip, good_sport, 443, 0x02))]
    for f in frames + probes:
        s.send(f)
    # The checksum pair goes out again every 0.5 s until the good one is
    # answered (the flood before it may still be queued, or overflowed
    # the appliance's socket), then for 1 s more.
    s.settimeout(0.1)
    seen, deadline, next_pair = [], time.time() + 15, 0.0
    bad_replies, good_answered = [], False
    foreign_b, pe_b = socket.inet_aton(foreign), socket.inet_aton(pe_ip)
    while time.time() < deadline:
        if not good_answered and time.time() >= next_pair:
            for f in csum_probes:
                s.send(f)
            next_pair = time.time() + 0.5
        try:
            f = s.recv(65535)
        except socket.timeout:
            continue
        if f[6:12] == smac:
            continue        # our own frame
        if f[12:14] == b"\x08\x06" and f[14 + 14:14 + 18] == foreign_b:
            seen.append("ARP reply for %s" % foreign)
        if f[12:14] == b"\x08\x00" and f[14 + 12:14 + 16] == foreign_b:
            seen.append("IPv4 from %s: %s" % (foreign, f[14:54].hex()))
        if (f[12:14] == b"\x08\x00" and len(f) >= 14 + 20 + 4 and f[14 + 9] == 6 and
                f[14 + 12:14 + 16] == pe_b):
            dport = struct.unpack("!H", f[14 + 20 + 2:14 + 20 + 4])[0]
            if dport == bad_sport:
                bad_replies.append(f[14:54].hex())
            if dport == good_sport and not good_answered:
                good_answered = True
                deadline = min(deadline, time.time() + 1)
    print(json.dumps({"sent": len(frames) + len(probes) + len(csum_probes), "foreign_replies": seen,
                      "bad_csum_replies": bad_replies, "good_csum_answered": good_answered}))


if __name__ == "__main__":
    main()
