#!/usr/bin/env python3
"""Records what one host sends on a link, for SECONDS seconds.

Usage: sniff.py IFNAME SRC_MAC SECONDS OUTFILE

Writes one JSON line per frame whose source MAC is SRC_MAC: "kind"
(arp, icmp, tcp, udp, ipv4 or ethertype 0xNNNN), the IPv4 source and
destination, ports or ICMP type/code.  Starts listening before it prints
"listening", so a caller can wait for that line.
"""
import json
import socket
import struct
import sys
import time


def describe(f):
    et = struct.unpack("!H", f[12:14])[0]
    if et == 0x0806:
        return {"kind": "arp", "op": struct.unpack("!H", f[20:22])[0],
                "target": socket.inet_ntoa(f[38:42])}
    if et != 0x0800:
        return {"kind": "ethertype 0x%04x" % et}
    ip = f[14:]
    ihl = (ip[0] & 0x0F) * 4
    d = {"src": socket.inet_ntoa(ip[12:16]), "dst": socket.inet_ntoa(ip[16:20])}
    proto = ip[9]
    l4 = ip[ihl:]
    if proto == 1:
        d.update(kind="icmp", type=l4[0], code=l4[1])
    elif proto in (6, 17):
        sport, dport = struct.unpack("!HH", l4[:4])
        d.update(kind="tcp" if proto == 6 else "udp", sport=sport, dport=dport)
        if proto == 6:
            d["flags"] = l4[13]
    else:
        d.update(kind="ipv4", proto=proto)
    return d


def main():
    ifname, mac, seconds, out = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
    want = bytes.fromhex(mac.replace(":", ""))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    s.bind((ifname, 0))
    s.settimeout(0.2)
    print("listening", flush=True)
    deadline = time.time() + seconds
    with open(out, "w") as fh:
        while time.time() < deadline:
            try:
                f = s.recv(65535)
            except socket.timeout:
                continue
            if f[6:12] == want:
                fh.write(json.dumps(describe(f)) + "\n")
                fh.flush()


if __name__ == "__main__":
    main()
