#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz harnesses: tests/fuzz/corpus/HARNESS/.

  tests/fuzz/make_seeds.py [DIR]      (default: the corpus/ next to this file)

Each seed is a small input that reaches a part of its harness the fuzzer
would take long to find from nothing: whole drops for fuzz_cfg, well-formed
ARP, ICMP, UDP, TCP, fragments and super-frames for fuzz_frame, for
fuzz_relay operation lists (tests/fuzz/fuzz_relay.c, h_ops) that open
connections and play the games the harness is for, management API requests
for fuzz_http and their JSON bodies for fuzz_json.  The output is the same
on every run: the corpora are checked in, and this script says where they
came from.
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEMO = os.path.join(HERE, "..", "..", "config", "examples", "demo")

# --- fuzz_cfg: drops ---------------------------------------------------------


def cfg_seeds():
    demo = {}
    for name in sorted(os.listdir(DEMO)):
        with open(os.path.join(DEMO, name), "rb") as f:
            demo[name] = f.read()
    seeds = {"demo-" + n.replace(".ini", ""): d for n, d in demo.items()}
    seeds["demo-all"] = b"".join(demo.values())
    seeds["pool-probe"] = b"""[appliance]
secret = 00112233445566778899aabbccddeeff
memory_limit = 64M
[nic p0]
mac = 52:54:00:12:34:56
address = 192.168.10.201/24
gateway = 192.168.10.1
role = provider
[pool web]
backend = 192.168.10.11:8443 weight=3
backend = 192.168.10.12 weight=1 drain
probe = https
probe_port = 9443
probe_path = /health
probe_host = web.example
probe_interval = 2s
probe_timeout = 500ms
probe_rise = 3
probe_fall = 1
probe_expect = 200-204
reset_on_down = on
[service web]
rule = 443 -> web:8443
rule = 80 -> web
nat_ip = 192.168.10.201, 192.168.10.202
nat_port_range = 2000-2100
distribution = source-ip
idle_timeout = 90s
idle_reset = on
tcp_keepalive = 60s, 10s, 3
frontend_ip = 192.168.10.50
frontend_proxy_protocol = on
owner = sub-a
visibility = sub-b, sub-c
auto_approval = sub-b
"""
    seeds["endpoint-alias"] = b"""[endpoint e1]
nic = c0
ip = 10.0.0.5
service = web.4cb5a07b-9c7e-f52c-fa46-a4e2fc480eaf.local.privlink
subscription = sub-b
link_id = 0xffffffff
[approval e1]
state = Rejected
message = no
"""
    seeds["errors"] = b"""[appliance
secret = zz
[nic]
address = 300.1.2.3/33
role = both
[service x]
rule = 70000 -> nowhere:0
nat_port_range = 9-1
idle_timeout = 0ms
tcp_keepalive = 1, 2
unknown = key
=value
"""
    return seeds

# --- fuzz_frame: one status byte, then an Ethernet frame ---------------------


MAC_APPL = bytes.fromhex("020000000005")
MAC_PEER = bytes.fromhex("020000000007")
IP_APPL = bytes([10, 0, 0, 5])
IP_PEER = bytes([10, 0, 0, 7])
CSUMNOTREADY, CSUM_VALID = 1, 2


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(proto, payload, frag=0, ident=1, src=IP_PEER, dst=IP_APPL, opts=b""):
    ihl = 5 + len(opts) // 4
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, ihl * 4 + len(payload), ident,
                    frag, 64, proto, 0, src, dst) + opts
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload


def tcp(sport, dport, seq, ack, flags, payload=b"", opts=b"", win=65535,
        src=IP_PEER, dst=IP_APPL, good=True):
    off = (20 + len(opts)) // 4
    h = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, off << 4, flags, win, 0, 0) + opts
    seg = h + payload
    if good:
        pseudo = src + dst + struct.pack("!BBH", 0, 6, len(seg))
        seg = seg[:16] + struct.pack("!H", csum(pseudo + seg)) + seg[18:]
    return seg


def eth(payload, ethertype=0x0800, dst=MAC_APPL):
    return dst + MAC_PEER + struct.pack("!H", ethertype) + payload


def frame_seeds():
    syn_opts = bytes([2, 4, 0x23, 0x00, 1, 3, 3, 7])
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, MAC_PEER, IP_PEER,
                      b"\0" * 6, IP_APPL)
    icmp = b"\x08\x00\x00\x00\x12\x34\x00\x01" + b"ping" * 8
    icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
    udp = struct.pack("!HHHH", 5353, 53, 8 + 4, 0) + b"abcd"
    big = bytes(i & 0xFF for i in range(8000))
    frag1 = ipv4(17, (struct.pack("!HHHH", 1, 2, 8 + 2000, 0) + big[:1992])[:1480],
                 frag=0x2000, ident=7)
    frag2 = ipv4(17, (big[1472:2000])[:528], frag=185, ident=7)
    return {
        "arp-request": bytes([0]) + eth(arp, 0x0806, b"\xff" * 6),
        "icmp-echo": bytes([0]) + eth(ipv4(1, icmp)),
        "udp": bytes([0]) + eth(ipv4(17, udp)),
        "udp-partial": bytes([CSUMNOTREADY]) + eth(ipv4(17, udp)),
        "syn": bytes([0]) + eth(ipv4(6, tcp(40000, 443, 1000, 0, 0x02, opts=syn_opts))),
        "syn-trusted": bytes([CSUM_VALID]) + eth(ipv4(6, tcp(40001, 443, 1, 0, 0x02,
                                                           good=False))),
        "syn-bad-csum": bytes([0]) + eth(ipv4(6, tcp(40002, 443, 1, 0, 0x02, good=False))),
        "syn-closed-port": bytes([0]) + eth(ipv4(6, tcp(40003, 80, 1, 0, 0x02))),
        "ack-data-9000": bytes([CSUMNOTREADY]) + eth(ipv4(6, tcp(40004, 443, 1, 1, 0x18,
                                                                big[:8960], good=False))),
        "superframe": bytes([CSUM_VALID]) + eth(ipv4(6, tcp(40005, 443, 1, 1, 0x10,
                                                            (big * 9)[:65000], good=False))),
        "rst": bytes([0]) + eth(ipv4(6, tcp(40006, 443, 5, 0, 0x04))),
        "fragment-1": bytes([0]) + eth(frag1),
        "fragment-2": bytes([0]) + eth(frag2),
        "ip-options": bytes([0]) + eth(ipv4(1, icmp, opts=b"\x01\x01\x01\x00")),
        "broadcast-ip": bytes([0]) + eth(ipv4(1, icmp, dst=bytes([10, 0, 0, 255])),
                                         dst=b"\xff" * 6),
        "truncated": bytes([0]) + eth(ipv4(6, tcp(40007, 443, 1, 0, 0x02)))[:30],
    }

# --- fuzz_relay: operation lists (fuzz_relay.c, h_ops) -----------------------


OPEN, DATA, ACK, RST, FIN, TIME, CPOL, BPOL, BDATA, BACK, BEND = 0, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11
MSS_JUMBO = 255         # 536 + 255 * 33 = 8951
O_MSS, O_WS, O_HALF, O_CSUM = 1, 2, 4, 8
M_NEXT, M_DELTA, M_DELTA16, M_DELTA64K = 0, 1, 2, 3
M_OPTS, M_INPUT, M_CSUM, M_NOACK = 4, 8, 0x10, 0x20
F_FIN, F_SYN, F_RST, F_PSH, F_URG = 0x01, 0x02, 0x04, 0x08, 0x20


def u16(v):
    return struct.pack("!H", v & 0xFFFF)


def op_open(flow=0, port=0, o=O_MSS | O_WS, mss=MSS_JUMBO, ws=7):
    return bytes([OPEN, flow | port << 2, o, mss, ws])


def op_data(flow=0, length=1000, delta=0, mode=M_DELTA, flags=F_PSH, extra=b""):
    return bytes([DATA, flow, mode, flags]) + u16(delta) + u16(length) + extra


def op_ack(flow=0, win=0xFFFF, delta=0):
    return bytes([ACK, flow, delta & 0xFF]) + u16(win)


def op_rst(flow=0, delta=0, mode=M_NEXT):
    return bytes([RST, flow, mode]) + u16(delta)


def op_fin(flow=0):
    return bytes([FIN, flow])


def op_time(ms):
    return bytes([TIME, max(0, min(255, ms // 100 - 1))])


def op_cpol(autoack=1, win=0xFFFF):
    return bytes([CPOL, autoack]) + u16(win)


def op_bpol(syn=0, stall=0, close_on_fin=0, wscale=3, win=0xFFFF):
    return bytes([BPOL, syn | stall << 2 | close_on_fin << 3 | wscale << 4]) + u16(win)


def op_bdata(conn=0, length=1000, delta=0, mode=M_DELTA, flags=F_PSH):
    return bytes([BDATA, conn, mode, flags]) + u16(delta) + u16(length)


def op_back(conn=0, win=0xFFFF, delta=0):
    return bytes([BACK, conn, delta & 0xFF]) + u16(win)


def op_bend(conn=0, rst=False):
    return bytes([BEND, conn | (0x80 if rst else 0)])


def relay_seeds():
    s = {}
    s["handshake"] = op_open()
    s["handshake-plain"] = op_open(o=0)
    s["handshake-csum"] = op_open(o=O_MSS | O_CSUM) + op_data(mode=M_DELTA | M_CSUM)
    s["half-open-then-data"] = op_open(o=O_MSS | O_HALF) + op_data(length=500)
    s["data-close"] = (op_bpol(close_on_fin=1) + op_open() + op_data(length=1000) +
                       op_fin() + op_time(500))
    s["jumbo-in-order"] = (op_open() + op_data(length=8951) + op_data(length=8951) +
                           op_data(length=8951) + op_time(300))
    s["superframe"] = op_open() + op_data(length=65000) + op_time(500)
    # Overlap inside the first pool pbuf of the retransmission.
    s["overlap-small"] = op_open() + op_data(length=3000) + op_data(length=3000, delta=-100)
    s["duplicate"] = op_open() + op_data(length=2000) + op_data(length=2000, delta=-2000)
    s["reorder"] = (op_open() + op_data(length=1000, delta=3000) +
                    op_data(length=1000, delta=1000) + op_data(length=1000) +
                    op_data(length=1000, delta=3000))
    s["beyond-window"] = (op_open() + op_data(length=1000, delta=0x10, mode=M_DELTA64K) +
                          op_data(length=1000))
    s["before-isn"] = op_open() + op_data(length=500, delta=-0x100, mode=M_DELTA64K)
    s["backend-stall"] = (op_bpol(stall=1, win=4096) + op_open() +
                          b"".join(op_data(length=8951) for _ in range(8)) + op_time(3000) +
                          op_back(win=0xFFFF))
    s["consumer-window-0"] = (op_cpol(autoack=0, win=0) + op_open() + op_data(length=10) +
                              op_bdata(length=30000) + op_time(2000) + op_ack(win=0xFFFF))
    s["backend-data"] = (op_open() + op_data(length=100) + op_bdata(length=8000) +
                         op_bdata(length=4000, delta=-100) + op_ack())
    s["rst-consumer"] = op_open() + op_data(length=1000) + op_rst()
    s["rst-in-window"] = op_open() + op_data(length=1000) + op_rst(delta=100, mode=M_DELTA)
    s["rst-backend"] = op_open() + op_data(length=1000) + op_bend(rst=True)
    s["half-close-both"] = (op_open() + op_data(length=1000) + op_bend() +
                            op_data(length=1000) + op_fin() + op_time(1000))
    s["backend-refuses"] = op_bpol(syn=1) + op_open()
    s["backend-silent"] = op_bpol(syn=2) + op_open() + op_data(length=100) + op_time(6000)
    s["idle-timeout"] = op_open() + op_data(length=10) + op_time(6000)
    s["keepalive"] = op_open() + op_time(2500) + op_time(2500)
    s["nat-exhausted"] = b"".join(op_open(flow=i, port=i) for i in range(4))
    s["port-reuse"] = (op_bpol(close_on_fin=1) + op_open() + op_data(length=10) + op_fin() +
                       op_time(500) + op_open() + op_data(length=10))
    s["flags-syn-fin-urg"] = op_open() + op_data(length=50, flags=F_SYN | F_FIN | F_URG)
    s["no-ack-flag"] = op_open() + op_data(length=50, mode=M_DELTA | M_NOACK, flags=F_PSH)
    s["options-and-payload"] = (op_open() +
                                op_data(length=16, mode=M_DELTA | M_OPTS | M_INPUT,
                                        extra=bytes([3]) + bytes([1, 1, 8, 10]) +
                                        bytes(8) + b"GET / HTTP/1.0\r\n"))
    s["dupacks"] = (op_open() + op_bdata(length=8000) + op_ack(delta=-100) +
                    op_ack(delta=-100) + op_ack(delta=-100) + op_ack(delta=50))
    s["retransmit-timeout"] = (op_cpol(autoack=0) + op_open() + op_bdata(length=3000) +
                               op_time(4000) + op_ack())
    s["memory-pressure"] = (op_bpol(stall=1, win=0) + op_open() +
                            b"".join(op_data(length=1, delta=2 * i + 2) for i in range(200)))
    return s


def syncookie_seeds():
    """fuzz_syncookie reads a struct fuzz_input: a 32-byte key, the flow
    (two addresses, two ports, the ISN), a period, a cookie, an MSS, a
    window scale and a field to flip, as laid out in memory (an input
    shorter than the struct is skipped, so each seed is padded to 128
    bytes).  A few keys, flows and MSS / window-scale pairs."""
    seeds = {}
    for i, (mss, ws) in enumerate(((536, 0), (1460, 7), (8960, 14), (256, 3), (1, 15))):
        key = bytes((i * 37 + j) & 0xFF for j in range(32))
        flow = struct.pack("<IIHHI", 0x0A000007 + i, 0x0A000005, 40000 + i, 443, 0x12345678 * (i + 1) & 0xFFFFFFFF)
        rest = struct.pack("<QIHBB", 1000 + i, 0xDEADBEEF ^ i, mss, ws, i)
        seeds["mss%d-ws%d" % (mss, ws)] = (key + flow + rest).ljust(128, b"\0")
    return seeds


def state_seeds():
    """fuzz_state reads a flag byte (bit 0: the harness fixes the slot's
    sha256, bit 1 the superblock's), a 512-byte superblock and a slot
    (firmware/state/state_disk-t.h).  Seeds: a formatted disk's superblock with
    an empty slot, slots of drops, PEM files and tombstones with right
    checksums, one too large for its payload, one with names out of order."""
    import hashlib

    def sb(slot=4 << 20, a=1 << 20, b=5 << 20):
        head = b"PRIVLINK-STATE\0\0" + struct.pack("<IIQQQ", 1, 512, slot, a, b)
        head = head.ljust(480, b"\0")
        return head + hashlib.sha256(head).digest()

    def slot(entries, seq=1):
        payload = b""
        for name, data in entries:
            kind = 2 if data is None else 1
            data = data or b""
            payload += struct.pack("<BBHI", kind, len(name), 0, len(data)) + name + data
        head = b"PLSTSLOT" + struct.pack("<IIQQ", 1, len(entries), seq, len(payload))
        return head + hashlib.sha256(head + payload).digest() + payload

    demo = {}
    for name in sorted(os.listdir(DEMO)):
        with open(os.path.join(DEMO, name), "rb") as f:
            demo[name.encode()] = f.read()
    seeds = {}
    seeds["formatted"] = b"\0" + sb() + bytes(64)
    seeds["approval"] = b"\0" + sb() + slot([(b"50-approval-pending-pe.ini",
                                               b"[approval pending-pe]\nstate = Approved\n")], 7)
    seeds["demo"] = b"\0" + sb() + slot(sorted(demo.items()), 2)
    seeds["files-and-tombstones"] = b"\0" + sb(64 << 10, 1 << 20, (1 << 20) + (64 << 10)) + slot([
        (b".management-cert.pem", b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"),
        (b".management-key.pem", b"-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----\n"),
        (b"10-nics.ini", None),
        (b"clients.pem", b"-----BEGIN CERTIFICATE-----\n"),
        (b"zz.ini", b"")], 3)
    seeds["fix-sha-out-of-order"] = b"\1" + sb() + slot([(b"b.ini", b"x"), (b"a.ini", b"y")])
    seeds["fix-sha-past-end"] = b"\3" + sb() + slot([(b"a.ini", b"x" * 100)])[:120]
    return seeds


# --- fuzz_http, fuzz_json: the management API's requests and bodies ---------

def http_seeds():
    """fuzz_http takes the bytes as what a client sent: each API call the
    lead's server routes, keep-alive pipelines, and one request for each
    refusal of firmware/mgmt/http_req.h, so the fuzzer starts at every branch."""
    h = b"Host: appliance\r\n"
    put = b'[approval e1]\nstate = Approved\n'
    batch = b'{"10-a.ini": "[nic p0]\\nrole = provider\\n", "20-b.ini": null}'
    seeds = {
        "get-status": b"GET /v1/status HTTP/1.1\r\n" + h + b"Accept: application/json\r\n\r\n",
        "get-metrics": b"GET /metrics HTTP/1.1\r\n" + h + b"User-Agent: Prometheus/2.45\r\n"
                       b"Accept: text/plain;version=0.0.4\r\nAccept-Encoding: gzip\r\n\r\n",
        "get-drops-query": b"GET /v1/drops?x=1&y=/z HTTP/1.1\r\n" + h + b"\r\n",
        "put-drop": b"PUT /v1/drops/40-approvals.ini HTTP/1.1\r\n" + h +
                    b"If-Match: \"7\"\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % len(put) + put,
        "delete-drop": b"DELETE /v1/drops/40-approvals.ini HTTP/1.1\r\n" + h + b"If-Match: \"8\"\r\n\r\n",
        "post-batch": b"POST /v1/drops HTTP/1.1\r\n" + h + b"Content-Type: application/json\r\n"
                      b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(batch) + batch,
        "post-approval": b"POST /v1/endpoints/e1/approval HTTP/1.1\r\n" + h +
                         b"Content-Length: 22\r\n\r\n{\"state\": \"Approved\"}\n",
        "http10": b"\r\nHEAD / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        "pipeline": b"GET /v1/status HTTP/1.1\r\n" + h + b"\r\n" +
                    b"PUT /v1/drops/a.ini HTTP/1.1\r\n" + h + b"Content-Length: 3\r\n\r\nabc" +
                    b"GET /metrics HTTP/1.1\r\n" + h + b"Connection: close\r\n\r\n",
        "bad-bare-lf": b"GET / HTTP/1.1\n" + h + b"\n",
        "bad-obs-fold": b"GET / HTTP/1.1\r\n" + h + b"X: a\r\n b\r\n\r\n",
        "bad-space-colon": b"GET / HTTP/1.1\r\nHost : a\r\n\r\n",
        "bad-cl-te": b"POST / HTTP/1.1\r\n" + h + b"Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc",
        "bad-cl-twice": b"POST / HTTP/1.1\r\n" + h + b"Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        "bad-chunked": b"POST / HTTP/1.1\r\n" + h + b"Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        "bad-too-large": b"PUT /x.ini HTTP/1.1\r\n" + h + b"Content-Length: 99999999\r\n\r\n",
        "bad-target": b"GET /v1/%2e%2e/../x HTTP/1.1\r\n" + h + b"\r\n",
        "bad-method": b"PATCH /v1/drops/a.ini HTTP/1.1\r\n" + h + b"\r\n",
        "bad-version": b"GET / HTTP/2.0\r\n" + h + b"\r\n",
        "bad-expect": b"PUT /a.ini HTTP/1.1\r\n" + h + b"Expect: 200-ok\r\nContent-Length: 1\r\n\r\na",
        "many-fields": b"GET / HTTP/1.1\r\n" + h + b"".join(b"X-%d: v\r\n" % i for i in range(40)) + b"\r\n",
        "long-path": b"GET /" + b"p" * 1030 + b" HTTP/1.1\r\n" + h + b"\r\n",
        "long-query": b"GET /q?" + b"x" * 1030 + b" HTTP/1.1\r\n" + h + b"\r\n",
        "long-line": b"GET /" + b"l" * 1100,
    }
    # The head limit: exactly HTTP_HEAD_MAX (8192) bytes, then one more.
    for name, size in (("head-max", 8192), ("head-over", 8193)):
        line = b"GET / HTTP/1.1\r\n" + h + b"X: "
        seeds[name] = line + b"v" * (size - len(line) - 4) + b"\r\n\r\n"
    # A field line whose CR is byte 8192 and LF byte 8193, no end: the
    # parser once said "more" to it instead of 431 (fuzz_http found it).
    line = b"GET / HTTP/1.1\r\n" + h + b"X: "
    seeds["head-max-crlf"] = line + b"v" * (8191 - len(line)) + b"\r\n"
    return seeds


def json_seeds():
    """fuzz_json gives each input to both decoders: approvals, batches, the
    escapes and UTF-8 forms the lexical pass has to tell apart."""
    return {
        "approval": b'{"state": "Approved", "message": "approved by ops (ticket 42)"}',
        "approval-null": b'{"message": null, "state": "pending"}',
        "approval-escapes": b'{"state":"Rejected","message":"caf\\u00e9 \\ud83d\\ude00 \\"no\\" \\/ \xc3\xa9"}',
        "batch": b'{"10-a.ini": "[nic p0]\\nmac = 52:54:00:12:34:56\\nrole = provider\\n",'
                 b' "20-b.ini": null, "30-c.ini": "\\t\\r\\n\\b\\f\\\\"}',
        "batch-empty": b"{ }",
        "batch-nested": b'{"a.ini": {"b": [1, 2.5e3, true, false, null]}}',
        "batch-bad-name": b'{"../etc/passwd": "x", ".hidden.ini": null}',
        "batch-nul": b'{"a.ini": "x\\u0000y"}',
        "batch-dup": b'{"a.ini": null, "a.ini": "x"}',
        "bad-utf8": b'{"a.ini": "\xed\xa0\x80\xc0\x80\xf4\x90\x80\x80"}',
        "bad-surrogate": b'{"state": "\\ud800\\u0041"}',
        "trailing": b'{"state": "Approved"} {"state": "Rejected"}',
    }


# --- fuzz_dns: queries ---------------------------------------------------------


def dns_name(text):
    out = b""
    for label in text.split(".") if text else []:
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def dns_query(name, qtype=1, qclass=1, flags=0x0100, qd=1, an=0, ns=0, ar=0, extra=b"",
              qname=None):
    head = struct.pack("!HHHHHH", 0x1234, flags, qd, an, ns, ar)
    return head + (qname if qname is not None else dns_name(name)) + \
        struct.pack("!HH", qtype, qclass) + extra


def dns_opt(payload=1232, version=0, do=True, options=b""):
    return b"\0" + struct.pack("!HHBBHH", 41, payload, 0, version, 0x8000 if do else 0,
                               len(options)) + options


def dns_seeds():
    """Queries of every kind the responder tells apart (firmware/dns/dns_answer.c),
    for the harness's view: contoso.example with web, *.apps, a.b and big."""
    opt = dns_opt()
    unknown = dns_opt(4096, options=struct.pack("!HH", 65001, 3) + b"abc")
    return {
        "a": dns_query("web.contoso.example"),
        "a-case": dns_query("WeB.CoNtOsO.eXaMpLe"),
        "a-edns": dns_query("web.contoso.example", ar=1, extra=opt),
        "a-edns-unknown-option": dns_query("web.contoso.example", ar=1, extra=unknown),
        "aaaa": dns_query("web.contoso.example", 28),
        "any": dns_query("web.contoso.example", 255),
        "any-apex": dns_query("contoso.example", 255),
        "soa": dns_query("contoso.example", 6),
        "ns": dns_query("contoso.example", 2, ar=1, extra=opt),
        "ns-name": dns_query("ns.contoso.example"),
        "nxdomain": dns_query("nope.contoso.example"),
        "ent": dns_query("b.contoso.example"),
        "wildcard": dns_query("x.y.apps.contoso.example"),
        "refused": dns_query("www.example.org"),
        "class-ch": dns_query("version.bind", 16, 3),
        "axfr": dns_query("contoso.example", 252),
        "big-udp": dns_query("big.contoso.example"),
        "big-edns": dns_query("big.contoso.example", ar=1, extra=dns_opt(4096)),
        "badvers": dns_query("web.contoso.example", ar=1, extra=dns_opt(version=1)),
        "two-opts": dns_query("web.contoso.example", ar=2, extra=opt + opt),
        "opt-small-payload": dns_query("web.contoso.example", ar=1, extra=dns_opt(100)),
        "opt-bad-option": dns_query("web.contoso.example", ar=1,
                                    extra=dns_opt(options=struct.pack("!HH", 10, 9) + b"x")),
        "notimp": dns_query("web.contoso.example", flags=0x1000),
        "response": dns_query("web.contoso.example", flags=0x8000),
        "qdcount-2": dns_query("web.contoso.example", qd=2),
        "truncated": dns_query("web.contoso.example")[:20],
        "trailing": dns_query("web.contoso.example") + b"\x55",
        # an additional record whose name points back at the question
        "ar-pointer": dns_query("web.contoso.example", ar=1,
                                extra=b"\xc0\x0c" + struct.pack("!HHIH", 16, 1, 0, 1) + b"\0"),
        # a label, then a pointer back to it: x.x.x... until a bound
        "pointer-loop": dns_query("web.contoso.example", ar=1,
                                  extra=b"\x01x\xc0\x25" + struct.pack("!HHIH", 16, 1, 0, 0)),
        "pointer-self": dns_query("", qname=b"\x03www\xc0\x0c"),
        "pointer-forward": dns_query("", qname=b"\xc0\x20"),
        "label-0x40": dns_query("", qname=b"\x41xxx\0"),
        "long-name": dns_query("", qname=b"\x01x" * 128 + b"\0"),
        "header-only": struct.pack("!HHHHHH", 1, 0x0100, 0, 0, 0, 0),
    }


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "corpus")
    for harness, seeds in (("fuzz_cfg", cfg_seeds()), ("fuzz_frame", frame_seeds()),
                           ("fuzz_relay", relay_seeds()), ("fuzz_syncookie", syncookie_seeds()),
                           ("fuzz_state", state_seeds()),
                           ("fuzz_http", http_seeds()), ("fuzz_json", json_seeds()),
                           ("fuzz_dns", dns_seeds())):
        d = os.path.join(out, harness)
        os.makedirs(d, exist_ok=True)
        for name, data in sorted(seeds.items()):
            with open(os.path.join(d, "seed-" + name), "wb") as f:
                f.write(data)
        print("%s: %d seeds" % (d, len(seeds)))


if __name__ == "__main__":
    main()
