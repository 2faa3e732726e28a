#!/usr/bin/env python3
"""Sends a stream whose second segment retransmits the first and more
(the same starting sequence number, longer), as a peer on a lossy path
does, then FIN; reads the backend's answer.

Usage: overlap_retransmit.py IFNAME MY_IP PE_IP PORT FIRST TOTAL SEED

The stream is "SINK\\n" and data(SEED), TOTAL bytes in all; FIRST bytes
go first, then all TOTAL bytes from the same sequence number.  With a
jumbo MTU the second segment spans several of the appliance's receive
buffers, and the part already received covers more than the first of
them.  Prints one JSON line: whether the whole stream was acknowledged
and what the backend answered (ppv2_backend.py's SINK: the sha256 and
count of the bytes after the first line).
"""
import hashlib
import json
import random
import sys
import time

sys.path.insert(0, __import__("os").path.dirname(__file__))
from rawtcp import FIN, PSH, RawConn, RawPeer  # noqa: E402


def main():
    ifname, my_ip, pe_ip, port, first, total, seed = sys.argv[1:8]
    first, total = int(first), int(total)
    body = random.Random(int(seed)).randbytes(total - 5)
    stream = b"SINK\n" + body
    peer = RawPeer(ifname, my_ip)
    c = RawConn(peer, pe_ip, int(port))
    out = {"ok": False}
    try:
        c.connect()
        c.seg(0, PSH, stream[:first])
        c.pump(1.0, until=lambda: (c.max_ack or 0) >= first)
        out["first_acked"] = (c.max_ack or 0) >= first
        c.seg(0, PSH, stream)
        out["all_acked"] = c.pump(3.0, until=lambda: (c.max_ack or 0) >= total)
        c.seg(total, FIN)
        c.pump(10.0, until=lambda: c.fin or c.rst)
        want = "sha256 %s %d" % (hashlib.sha256(body).hexdigest(), len(body))
        out["answer"] = c.received.decode(errors="replace").strip()
        out["ok"] = out["answer"] == want and out["all_acked"]
        out["want"] = want
        # Acknowledge the backend's FIN and leave cleanly.
        c.seg(total + 1, 0)
    except Exception as e:  # the record says what went wrong
        out["error"] = "%s: %s" % (type(e).__name__, e)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
