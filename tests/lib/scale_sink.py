#!/usr/bin/env python3
"""A backend for test_scale: holds many proxied connections at once, each
behind its PROXY v2 header, and answers each one's first payload byte
with one byte.

Usage: scale_sink.py ADDR PORT STATEFILE

Prints "listening" once bound.  Every connection must begin with a PROXY
v2 header (command PROXY, TCP over IPv4); it is parsed and skipped, and
a connection whose header is wrong is counted as bad and closed.  After
the header, the first payload byte is answered with one byte ("y");
payload past it is counted, not answered.  Rewrites STATEFILE (JSON) every
STATE_EVERY_S:
  open        connections open now
  headers     connections whose PROXY v2 header arrived whole
  bad         connections closed for a bad header
  payload     payload bytes received (the header not included)
  with_payload  connections that sent at least one payload byte
  answered    connections answered with their byte
  nat_ips     {NAT IP: connections from it}
One process holds at most what its open-files limit allows (the tests
spread connections over several sinks).  Exits by itself after LIFE_S.
"""
import json
import os
import selectors
import socket
import sys
import time

SIG = b"\r\n\r\n\x00\r\nQUIT\n"
HDR_FIXED = 16          # signature, version/command, family, length
HDR_BODY_MAX = 512      # far more than an IPv4 header with its TLVs
STATE_EVERY_S = 0.2
LIFE_S = 900            # everything stops by itself


class Conn:
    __slots__ = ("sock", "buf", "hdr_done", "got", "answered")

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.hdr_done = False
        self.got = 0
        self.answered = False


def header_length(buf):
    """Length of the whole PROXY v2 header at the start of buf, 0 while
    it has not all arrived; raises ValueError when it is not one."""
    if len(buf) < HDR_FIXED:
        if not SIG.startswith(buf[:len(SIG)]):
            raise ValueError("bad signature")
        return 0
    if buf[:12] != SIG:
        raise ValueError("bad signature")
    if buf[12] != 0x21:
        raise ValueError("version/command 0x%02x, want 0x21 (v2 PROXY)" % buf[12])
    if buf[13] != 0x11:
        raise ValueError("family 0x%02x, want 0x11 (TCP over IPv4)" % buf[13])
    body = int.from_bytes(buf[14:16], "big")
    if body < 12 or body > HDR_BODY_MAX:
        raise ValueError("header length %d" % body)
    return HDR_FIXED + body if len(buf) >= HDR_FIXED + body else 0


def main():
    addr, port, statefile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind((addr, port))
    lsock.listen(4096)
    lsock.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(lsock, selectors.EVENT_READ)
    print("listening", flush=True)
    st = {"open": 0, "headers": 0, "bad": 0, "payload": 0, "with_payload": 0,
          "answered": 0, "nat_ips": {}}
    end = time.monotonic() + LIFE_S
    last = 0.0

    def close(c):
        sel.unregister(c.sock)
        c.sock.close()
        st["open"] -= 1

    while time.monotonic() < end:
        for key, _ in sel.select(STATE_EVERY_S):
            if key.fileobj is lsock:
                while True:
                    try:
                        s, peer = lsock.accept()
                    except BlockingIOError:
                        break
                    except OSError:   # out of descriptors: the count shows it
                        break
                    s.setblocking(False)
                    sel.register(s, selectors.EVENT_READ, Conn(s))
                    st["open"] += 1
                    st["nat_ips"][peer[0]] = st["nat_ips"].get(peer[0], 0) + 1
                continue
            c = key.data
            try:
                data = c.sock.recv(4096)
            except (ConnectionResetError, BlockingIOError):
                data = b""
            if not data:
                close(c)
                continue
            if not c.hdr_done:
                c.buf += data
                try:
                    n = header_length(c.buf)
                except ValueError:
                    st["bad"] += 1
                    close(c)
                    continue
                if n == 0:
                    continue
                c.hdr_done = True
                st["headers"] += 1
                data, c.buf = c.buf[n:], b""
                if not data:
                    continue
            if c.got == 0:
                st["with_payload"] += 1
            c.got += len(data)
            st["payload"] += len(data)
            if not c.answered:
                c.answered = True
                try:
                    c.sock.send(b"y")
                    st["answered"] += 1
                except OSError:
                    close(c)
        now = time.monotonic()
        if now - last >= STATE_EVERY_S:
            last = now
            with open(statefile + ".tmp", "w") as f:
                json.dump(st, f)
            os.replace(statefile + ".tmp", statefile)


if __name__ == "__main__":
    main()
