#!/usr/bin/env python3
"""A connection whose handshake stays half-open until a gate file
appears: SYN, the appliance's SYN-ACK, then nothing until GATE exists;
then the final ACK with "SINK\\n" and data, and FIN.

Usage: halfopen_client.py IFNAME MY_IP PE_IP PORT GATE NBYTES SEED

Prints "half-open" once the SYN-ACK came, then one JSON line: the
answer (ppv2_backend.py's SINK: sha256 and count) and whether it is the
one expected.
"""
import hashlib
import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from rawtcp import FIN, PSH, RawConn, RawPeer  # noqa: E402


def main():
    ifname, my_ip, pe_ip, port, gate, nbytes, seed = sys.argv[1:8]
    body = random.Random(int(seed)).randbytes(int(nbytes))
    stream = b"SINK\n" + body
    peer = RawPeer(ifname, my_ip)
    c = RawConn(peer, pe_ip, int(port))
    out = {"ok": False}
    try:
        c.connect(final_ack=False)
        print("half-open", flush=True)
        deadline = time.time() + 15
        while not os.path.exists(gate) and time.time() < deadline:
            c.pump(0.1, ack_data=False)     # SYN-ACK retransmissions
        off, mss = 0, 1400
        while off < len(stream):
            c.seg(off, PSH, stream[off:off + mss])
            off += mss
            c.pump(0.01)
        c.pump(5.0, until=lambda: (c.max_ack or 0) >= len(stream) or c.rst)
        c.seg(len(stream), FIN)
        c.pump(10.0, until=lambda: c.fin or c.rst)
        want = "sha256 %s %d" % (hashlib.sha256(body).hexdigest(), len(body))
        out["answer"] = c.received.decode(errors="replace").strip()[:200]
        out["reset"] = c.rst
        out["ok"] = out["answer"] == want
        c.seg(len(stream) + 1, 0)
    except Exception as e:  # the record says what went wrong
        out["error"] = "%s: %s" % (type(e).__name__, e)
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
