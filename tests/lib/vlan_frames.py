#!/usr/bin/env python3
"""Frames for the tests of tests/tools/vlan_switch.

Usage:
  vlan_frames.py send IFNAME KIND COUNT [VID]
      sends COUNT broadcast ARP requests for 10.0.0.7 on IFNAME (AF_PACKET),
      KIND: untagged, tagged (802.1Q VID), stacked (802.1Q VID twice),
      qinq (802.1ad VID outside, 802.1Q VID inside); prints {"sent": N}.
  vlan_frames.py tap TAPNAME VID
      attaches to the existing tap TAPNAME (a switch's trunk), writes one
      ARP request for 10.0.0.7 tagged VID, and reads frames (3 s at most)
      until an ARP reply tagged VID comes back; prints {"sent": 1,
      "reply": true|false, "vid": V, "frames": N}.
"""
import fcntl
import json
import os
import select
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
SRC_MAC = bytes.fromhex("020000aa0001")
SRC_IP = "10.0.0.99"
TARGET_IP = "10.0.0.7"
TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000


def arp_request():
    return struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, SRC_MAC, socket.inet_aton(SRC_IP),
                       b"\0" * 6, socket.inet_aton(TARGET_IP))


def frame(kind, vid):
    eth = b"\xff" * 6 + SRC_MAC
    body = b"\x08\x06" + arp_request()
    if kind == "untagged":
        return eth + body
    if kind == "tagged":
        return eth + struct.pack("!HH", 0x8100, vid) + body
    if kind == "stacked":
        return eth + struct.pack("!HHHH", 0x8100, vid, 0x8100, vid) + body
    if kind == "qinq":
        return eth + struct.pack("!HHHH", 0x88A8, vid, 0x8100, vid) + body
    raise SystemExit("unknown kind " + kind)


def send(ifname, kind, count, vid):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((ifname, 0))
    f = frame(kind, vid)
    for _ in range(count):
        s.send(f)
    print(json.dumps({"sent": count}))


def tap(name, vid):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TAP | IFF_NO_PI))
    os.write(fd, frame("tagged", vid))
    seen, reply, got_vid = 0, False, None
    deadline = time.monotonic() + 3
    while not reply and time.monotonic() < deadline:
        r, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        if not r:
            break
        f = os.read(fd, 65536)
        seen += 1
        if len(f) >= 18 + 28 and f[12:14] == b"\x81\x00" and f[16:18] == b"\x08\x06":
            op = struct.unpack("!H", f[18 + 6:18 + 8])[0]
            if op == 2 and f[0:6] == SRC_MAC:
                reply, got_vid = True, struct.unpack("!H", f[14:16])[0] & 0x0FFF
    print(json.dumps({"sent": 1, "reply": reply, "vid": got_vid, "frames": seen}))


def main():
    if sys.argv[1] == "send":
        send(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]) if len(sys.argv) > 5 else 0)
    elif sys.argv[1] == "tap":
        tap(sys.argv[2], int(sys.argv[3]))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
