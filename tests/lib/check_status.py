#!/usr/bin/env python3
"""Checks privlinkd's JSON status after test_proxy.sh's traffic through
the demo drop: one curl via web-pe, four transfers via raw-pe, nothing
through the Pending and Rejected endpoints, no live connection left."""
import json
import sys

st = json.loads(sys.argv[1])
ep = {e["name"]: e for e in st["endpoints"]}
nic = {n["name"]: n for n in st["nics"]}
want = [
    (ep["web-pe"]["state"], "Approved"),
    (ep["web-pe"]["listening"], True),
    (ep["web-pe"]["accepted"], 1),
    (ep["web-pe"]["link_id"], 0x01020304),
    (ep["web-pe"]["message"], "approved for the demo"),
    (ep["raw-pe"]["accepted"], 4),
    (ep["raw-pe"]["ip"], "10.0.0.6"),
    (ep["pending-pe"]["state"], "Pending"),
    (ep["pending-pe"]["listening"], False),
    (ep["pending-pe"]["accepted"], 0),
    (ep["rejected-pe"]["state"], "Rejected"),
    (ep["rejected-pe"]["message"], "not a customer"),
    (ep["rejected-pe"]["accepted"], 0),
    (st["connections"]["live"], 0),
    (st["connections"]["events"]["accepted"], 5),
    (st["connections"]["events"]["closed"], 5),
    ([s["live_connections"] for s in st["services"]], [0, 0]),
    (nic["consumer0"]["role"], "consumer"),
    (nic["provider0"]["address"], "192.168.10.201"),
    # two of the transfers send 10 MB each from the consumer (counted in
    # bytes: how many frames carry them depends on GSO on either side)
    (nic["consumer0"]["rx_bytes"] > 2 * 10485760, True),
    (nic["provider0"]["tx_errors"], 0),
]
bad = [(i, got, exp) for i, (got, exp) in enumerate(want) if got != exp]
for i, got, exp in bad:
    print("check %d: got %r, want %r" % (i, got, exp))
sys.exit(1 if bad else 0)
