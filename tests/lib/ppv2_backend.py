#!/usr/bin/env python3
"""A test backend that parses PROXY protocol v2 on its own.

Usage: ppv2_backend.py ADDR PORT LOGFILE

For every connection: parse the PROXY v2 header strictly (HAProxy's
proxy-protocol.txt, section 2.2), with the TLVs it knows checked: Azure
0xEE (link_id), AWS 0xEA subtype 0x01 (aws_vpce_id), GCP 0xE0
(gcp_psc_id), PP2_TYPE_UNIQUE_ID 0x05 (unique_id) and PP2_TYPE_CRC32C
0x03 (crc32c: "ok" once this script recomputed it; a mismatch is an
error), then serve the mode named by the client's first line:
  SINK              read to EOF, reply "sha256 HEX NBYTES", close
  SOURCE N SEED     send N bytes of data(SEED), half-close, then read
                    what the client still sends until it closes
  BOTH N SEED       send data(SEED) while reading to EOF, then close
  HOLD              read and discard until the client closes
One JSON line per connection goes to LOGFILE when it ends.
"""
import hashlib
import json
import random
import socket
import sys
import threading

SIG = b"\r\n\r\n\x00\r\nQUIT\n"
log_lock = threading.Lock()


def crc32c(data):
    """CRC32c (Castagnoli, RFC 3720 B.4), bit by bit: this script's own,
    apart from privlinkd's table-driven C one."""
    c = 0xFFFFFFFF
    for b in data:
        c ^= b
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
    return c ^ 0xFFFFFFFF


def check_tlv(out, t, value, raw, off):
    """Checks the value of a TLV of type t this backend knows and records
    it in out; raw is the whole header, off the TLV's offset in it."""
    tl = len(value)
    if t == 0xEE:
        if tl != 5 or value[0] != 0x01:
            raise ValueError("bad Azure TLV %s" % value.hex())
        out["link_id"] = int.from_bytes(value[1:5], "little")
    elif t == 0xEA:
        if tl < 2 or value[0] != 0x01:
            raise ValueError("bad AWS TLV %s" % value.hex())
        vpce = value[1:].decode("ascii")
        if not vpce.isprintable():
            raise ValueError("AWS endpoint id not printable %r" % vpce)
        out["aws_vpce_id"] = vpce
    elif t == 0xE0:
        if tl != 8:
            raise ValueError("GCP TLV of %d bytes, want 8" % tl)
        out["gcp_psc_id"] = int.from_bytes(value, "big")
    elif t == 0x05:
        if not 1 <= tl <= 128:
            raise ValueError("unique id of %d bytes, want 1..128" % tl)
        out["unique_id"] = value.decode("ascii", "replace")
    elif t == 0x03:
        if tl != 4:
            raise ValueError("CRC32c TLV of %d bytes, want 4" % tl)
        zeroed = raw[:off + 3] + b"\0\0\0\0" + raw[off + 7:]
        want = crc32c(zeroed)
        got = int.from_bytes(value, "big")
        if got != want:
            raise ValueError("CRC32c 0x%08x, computed 0x%08x" % (got, want))
        out["crc32c"] = "ok"


def data(n, seed):
    return random.Random(seed).randbytes(n)


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError("connection closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


def parse_header(sock):
    hdr = recv_exact(sock, 16)
    if hdr[:12] != SIG:
        raise ValueError("bad signature %r" % hdr[:12])
    ver, cmd = hdr[12] >> 4, hdr[12] & 0x0F
    if ver != 2:
        raise ValueError("version %d" % ver)
    if cmd not in (0, 1):  # the spec: receivers must drop other commands
        raise ValueError("command %d is neither LOCAL nor PROXY" % cmd)
    fam = hdr[13]
    length = int.from_bytes(hdr[14:16], "big")
    body = recv_exact(sock, length)
    out = {"command": ("LOCAL", "PROXY")[cmd], "family": fam, "length": length}
    if cmd == 1:
        if fam != 0x11:
            raise ValueError("family 0x%02x, want 0x11 (TCP over IPv4)" % fam)
        if length < 12:
            raise ValueError("length %d too short for IPv4 addresses" % length)
        out["src"] = socket.inet_ntoa(body[0:4])
        out["dst"] = socket.inet_ntoa(body[4:8])
        out["sport"] = int.from_bytes(body[8:10], "big")
        out["dport"] = int.from_bytes(body[10:12], "big")
        tlvs, off = [], 12
        while off < length:
            if off + 3 > length:
                raise ValueError("truncated TLV header at %d" % off)
            t, tl = body[off], int.from_bytes(body[off + 1:off + 3], "big")
            if off + 3 + tl > length:
                raise ValueError("TLV 0x%02x overruns the header" % t)
            value = body[off + 3:off + 3 + tl]
            tlvs.append({"type": t, "value": value.hex()})
            if t in [x["type"] for x in tlvs[:-1]]:
                raise ValueError("TLV 0x%02x given twice" % t)
            check_tlv(out, t, value, hdr + body, 16 + off)
            off += 3 + tl
        out["tlvs"] = tlvs
    return out


def read_line(sock):
    line = b""
    while not line.endswith(b"\n"):
        c = sock.recv(1)
        if not c:
            break
        line += c
    return line.decode().strip()


def drain(sock):
    h, n = hashlib.sha256(), 0
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return h.hexdigest(), n
        h.update(chunk)
        n += len(chunk)


def serve(sock, peer, logfile):
    rec = {"peer": "%s:%d" % peer}
    try:
        sock.settimeout(60)
        rec.update(parse_header(sock))
        cmd = read_line(sock).split()
        rec["mode"] = cmd[0] if cmd else ""
        if rec["mode"] == "SINK":
            rec["sha256"], rec["bytes"] = drain(sock)
            sock.sendall(("sha256 %s %d\n" % (rec["sha256"], rec["bytes"])).encode())
        elif rec["mode"] == "SOURCE":
            sock.sendall(data(int(cmd[1]), int(cmd[2])))
            sock.shutdown(socket.SHUT_WR)
            rest = b""
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                rest += chunk
            rec["after_eof"] = rest.decode(errors="replace").strip()
        elif rec["mode"] == "BOTH":
            sender = threading.Thread(target=sock.sendall, args=(data(int(cmd[1]), int(cmd[2])),))
            sender.start()
            rec["sha256"], rec["bytes"] = drain(sock)
            sender.join()
        elif rec["mode"] == "HOLD":
            rec["sha256"], rec["bytes"] = drain(sock)
    except Exception as e:  # the record says what went wrong
        rec["error"] = "%s: %s" % (type(e).__name__, e)
    finally:
        sock.close()
        with log_lock, open(logfile, "a") as f:
            f.write(json.dumps(rec) + "\n")


def main():
    addr, port, logfile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, port))
    srv.listen(1024)
    print("listening on %s:%d" % (addr, port), flush=True)
    while True:
        sock, peer = srv.accept()
        threading.Thread(target=serve, args=(sock, peer, logfile), daemon=True).start()


if __name__ == "__main__":
    main()
