#!/usr/bin/env python3
"""Sends a PROXY v2 header of its own making, then an HTTP GET, to a
receiver, to see what the receiver does with its CRC32c TLV.

Usage: ppv2_crc_client.py HOST PORT good|bad|none UNIQUE_ID
  good  the header carries PP2_TYPE_CRC32C with the right checksum
  bad   the same header with the checksum's last bit flipped
  none  no CRC32c TLV
The header: PROXY, TCP over IPv4, 10.9.8.7:4321 -> 10.0.0.5:443, then
PP2_TYPE_UNIQUE_ID (0x05) with UNIQUE_ID, then the CRC32c (0x03).
Prints one JSON line: {"reply": first line of the answer, "" if the
receiver closed without one, "reset": true if it reset}.
"""
import json
import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ppv2_backend import SIG, crc32c  # noqa: E402


def header(mode, uid):
    body = socket.inet_aton("10.9.8.7") + socket.inet_aton("10.0.0.5")
    body += (4321).to_bytes(2, "big") + (443).to_bytes(2, "big")
    body += bytes([0x05]) + len(uid).to_bytes(2, "big") + uid
    if mode != "none":
        body += bytes([0x03, 0x00, 0x04, 0, 0, 0, 0])
    hdr = SIG + bytes([0x21, 0x11]) + len(body).to_bytes(2, "big") + body
    if mode == "none":
        return hdr
    c = crc32c(hdr) ^ (1 if mode == "bad" else 0)
    return hdr[:-4] + c.to_bytes(4, "big")


def main():
    host, port, mode, uid = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4].encode()
    out = {"mode": mode, "reply": "", "reset": False}
    s = socket.create_connection((host, port), timeout=10)
    try:
        s.sendall(header(mode, uid) + b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        got = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            got += chunk
        out["reply"] = got.decode(errors="replace").split("\r\n")[0]
        out["body"] = got.decode(errors="replace").split("\r\n\r\n", 1)[-1].strip()
    except ConnectionResetError:
        out["reset"] = True
    finally:
        s.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
