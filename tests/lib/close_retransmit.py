#!/usr/bin/env python3
"""Leaves the appliance's data unacknowledged past the connection's
close, then takes its retransmission.

Usage: close_retransmit.py IFNAME MY_IP PE_IP PORT NBYTES SEED

Asks ppv2_backend.py for "SOURCE NBYTES SEED" and sends its own FIN at
once, then takes the backend's data and FIN as the appliance relays them
without acknowledging any of it: the connection is over on both sides
(the appliance has closed it, and lets lwIP finish sending what it
holds), yet every byte is still unacknowledged.  Waits for the
retransmission of the first segment, then acknowledges all.  Prints one
JSON line: whether the stream and the retransmitted bytes are the
backend's.
"""
import json
import random
import struct
import sys
import time

sys.path.insert(0, __import__("os").path.dirname(__file__))
from rawtcp import ACK, FIN, PSH, RST, SYN, RawConn, RawPeer, tcp_segment  # noqa: E402

MSS = 1460


def segments(c, timeout, want):
    """Our TCP segments (seq offset, flags, payload) until want(list)
    holds or timeout passes; nothing is acknowledged."""
    got = []
    deadline = time.time() + timeout
    while time.time() < deadline and not want(got):
        pkt = c.p.poll(min(0.2, max(0.0, deadline - time.time())))
        if pkt is None or pkt[9] != 6:
            continue
        ihl = (pkt[0] & 0x0F) * 4
        t = pkt[ihl:]
        sport, dport, seq, _ack, off, flags = struct.unpack("!HHIIBB", t[:14])
        if sport != c.dport or dport != c.sport:
            continue
        tot = struct.unpack("!H", pkt[2:4])[0]
        got.append(((seq - c.irs - 1) & 0xFFFFFFFF, flags, pkt[ihl + (off >> 4) * 4:tot]))
    return got


def connect(c, timeout=5.0):
    """The handshake, the SYN offering an MSS of MSS (without one lwIP
    would send 536-byte segments)."""
    opts = struct.pack("!BBH", 2, 4, MSS)
    deadline = time.time() + timeout
    while c.irs is None and time.time() < deadline:
        c.p.send_ip(c.dst, 6, tcp_segment(c.p.ip, c.dst, c.sport, c.dport, c.iss, 0, SYN,
                                          opts=opts))
        c.pump(1.0, until=lambda: c.irs is not None or c.rst)
    if c.irs is None:
        raise TimeoutError("no SYN-ACK")
    c.seg(0, 0)


def main():
    ifname, my_ip, pe_ip, port, n, seed = sys.argv[1:7]
    n = int(n)
    want = random.Random(int(seed)).randbytes(n)
    req = b"SOURCE %d %s\n" % (n, seed.encode())
    peer = RawPeer(ifname, my_ip)
    c = RawConn(peer, pe_ip, int(port))
    out = {"ok": False}
    try:
        connect(c)
        c.seg(0, PSH, req)
        c.seg(len(req), FIN)
        stream = {}
        fin_at = [None]

        def complete(got):
            for off, flags, data in got:
                if flags & RST:
                    return True
                if data:
                    stream.setdefault(off, data)
                if flags & FIN:
                    fin_at[0] = off + len(data)
            return fin_at[0] is not None and fin_at[0] == sum(len(d) for d in stream.values())

        first = segments(c, 10.0, complete)
        out["reset"] = any(f & RST for _, f, _ in first)
        body = b"".join(stream[o] for o in sorted(stream))
        out["first_pass_bytes"] = len(body)
        out["first_pass_intact"] = body == want
        # Nothing acknowledged: the first segment comes again, from what
        # the appliance kept after the close.
        again = segments(c, 15.0, lambda got: any(o == 0 and d for o, _, d in got))
        rexmit = [(o, d) for o, _, d in again if o == 0 and d]
        out["retransmitted"] = len(rexmit[0][1]) if rexmit else 0
        out["retransmission_intact"] = bool(rexmit) and rexmit[0][1] == want[:len(rexmit[0][1])]
        # All of it, and the FIN, acknowledged: the appliance ends it.
        c.seg(len(req) + 1, ACK, ack=(c.irs + 1 + n + 1) & 0xFFFFFFFF)
        out["ok"] = (not out["reset"] and out["first_pass_intact"] and
                     out["retransmission_intact"])
    except Exception as e:  # the record says what went wrong
        out["error"] = "%s: %s" % (type(e).__name__, e)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
