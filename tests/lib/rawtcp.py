"""A TCP peer in user space on an AF_PACKET socket, for tests that need
segments no kernel would send: overlapping retransmissions, held-back
ACKs, spoofed sources.

It owns an address the kernel of its namespace does not hold (so the
kernel neither answers nor resets what comes back) and answers ARP for it
itself.  Everything is bounded by timeouts; nothing loops forever.
"""
import os
import random
import socket
import struct
import time

ETH_P_ALL = 0x0003


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ipv4(src, dst, proto, payload, ident=None, frag=0, ttl=64):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload),
                    random.getrandbits(16) if ident is None else ident, frag, ttl, proto, 0,
                    socket.inet_aton(src), socket.inet_aton(dst))
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload


def tcp_segment(src, dst, sport, dport, seq, ack, flags, payload=b"", window=65535, opts=b""):
    doff = (20 + len(opts)) // 4
    h = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                    doff << 4, flags, window, 0, 0) + opts
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack(
        "!BBH", 0, 6, len(h) + len(payload))
    c = csum(pseudo + h + payload)
    return h[:16] + struct.pack("!H", c) + h[18:] + payload


def udp_datagram(src, dst, sport, dport, payload):
    h = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack(
        "!BBH", 0, 17, 8 + len(payload))
    c = csum(pseudo + h + payload) or 0xFFFF
    return h[:6] + struct.pack("!H", c) + payload


FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


class RawPeer:
    """One user-space host: IP my_ip on interface ifname."""

    def __init__(self, ifname, my_ip):
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.s.bind((ifname, 0))
        self.kmac = self.s.getsockname()[4]
        # A MAC of our own: the kernel's interface MAC would make our
        # frames look like its own.
        self.mac = b"\x02" + os.urandom(5)
        self.ip = my_ip
        self.ip_b = socket.inet_aton(my_ip)
        self.neigh = {}

    def close(self):
        self.s.close()

    def send_eth(self, dmac, ethertype, payload):
        self.s.send(dmac + self.mac + struct.pack("!H", ethertype) + payload)

    def send_ip(self, dst, proto, payload, src=None, **kw):
        dmac = self.resolve(dst)
        self.send_eth(dmac, 0x0800, ipv4(src or self.ip, dst, proto, payload, **kw))

    def _answer_arp(self, f):
        """Answers an ARP request for our address; True if f was ARP."""
        if f[12:14] != b"\x08\x06" or len(f) < 42:
            return False
        op = struct.unpack("!H", f[20:22])[0]
        sha, spa, tpa = f[22:28], f[28:32], f[38:42]
        if op == 1 and tpa == self.ip_b:
            reply = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 2, self.mac, self.ip_b,
                                sha, spa)
            self.send_eth(sha, 0x0806, reply)
        if op == 2 and tpa == self.ip_b:
            self.neigh[socket.inet_ntoa(spa)] = sha
        return True

    def resolve(self, ip, timeout=5.0):
        if ip in self.neigh:
            return self.neigh[ip]
        req = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, self.mac, self.ip_b,
                          b"\0" * 6, socket.inet_aton(ip))
        deadline = time.time() + timeout
        next_req = 0.0
        while time.time() < deadline:
            if time.time() >= next_req:
                self.send_eth(b"\xff" * 6, 0x0806, req)
                next_req = time.time() + 0.5
            self.poll(0.1)
            if ip in self.neigh:
                return self.neigh[ip]
        raise TimeoutError("no ARP reply from %s" % ip)

    def poll(self, timeout):
        """Receives one frame for us within timeout (ARP answered on the
        way); returns the IPv4 packet, or None."""
        deadline = time.time() + timeout
        while True:
            left = deadline - time.time()
            if left <= 0:
                return None
            self.s.settimeout(left)
            try:
                f = self.s.recv(65535)
            except socket.timeout:
                return None
            if f[6:12] == self.mac:
                continue
            if self._answer_arp(f):
                continue
            if f[12:14] == b"\x08\x00" and len(f) >= 34 and f[30:34] == self.ip_b:
                return f[14:]


class RawConn:
    """A TCP connection from a RawPeer, driven by hand."""

    def __init__(self, peer, dst, dport, sport=None):
        self.p = peer
        self.dst = dst
        self.dport = dport
        self.sport = sport or random.randrange(20000, 60000)
        self.iss = random.getrandbits(32)
        self.irs = None
        self.rcv_nxt = None
        self.received = b""
        self.fin = False
        self.rst = False
        self.max_ack = None

    def seg(self, seq_off, flags, payload=b"", window=65535, ack=None):
        seq = self.iss + 1 + seq_off if not flags & SYN else self.iss
        a = self.rcv_nxt if ack is None else ack
        t = tcp_segment(self.p.ip, self.dst, self.sport, self.dport, seq,
                        a if a is not None else 0, flags | (ACK if a is not None else 0),
                        payload, window)
        self.p.send_ip(self.dst, 6, t)

    def _take(self, pkt):
        """Handles one packet of ours; True if it belonged to us."""
        ihl = (pkt[0] & 0x0F) * 4
        if pkt[9] != 6 or pkt[12:16] != socket.inet_aton(self.dst):
            return False
        t = pkt[ihl:]
        sport, dport, seq, ack, off, flags = struct.unpack("!HHIIBB", t[:14])
        if sport != self.dport or dport != self.sport:
            return False
        tot = struct.unpack("!H", pkt[2:4])[0]
        data = pkt[ihl + (off >> 4) * 4:tot]
        if flags & RST:
            self.rst = True
            return True
        if flags & ACK:
            rel = (ack - self.iss - 1) & 0xFFFFFFFF
            if self.max_ack is None or rel > self.max_ack:
                self.max_ack = rel
        if flags & SYN:
            self.irs = seq
            self.rcv_nxt = (seq + 1) & 0xFFFFFFFF
            return True
        if self.rcv_nxt is not None and seq == self.rcv_nxt:
            self.received += data
            self.rcv_nxt = (self.rcv_nxt + len(data)) & 0xFFFFFFFF
            if flags & FIN:
                self.fin = True
                self.rcv_nxt = (self.rcv_nxt + 1) & 0xFFFFFFFF
        return True

    def pump(self, timeout, until=None, ack_data=True):
        """Takes packets for timeout seconds, or until until() holds;
        acknowledges what arrived in order."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if until is not None and until():
                return True
            pkt = self.p.poll(min(0.1, max(0.0, deadline - time.time())))
            if pkt is None:
                continue
            before = self.rcv_nxt
            if self._take(pkt) and ack_data and self.irs is not None and \
                    before is not None and self.rcv_nxt != before:
                self.seg(self.max_ack or 0, 0)
        return until() if until is not None else True

    def connect(self, timeout=5.0, final_ack=True):
        """SYN, SYN-ACK, and the final ACK unless held back."""
        deadline = time.time() + timeout
        while self.irs is None and time.time() < deadline:
            self.seg(0, SYN, ack=None)
            self.pump(1.0, until=lambda: self.irs is not None or self.rst)
            if self.rst:
                raise ConnectionRefusedError("reset in answer to the SYN")
        if self.irs is None:
            raise TimeoutError("no SYN-ACK from %s:%d" % (self.dst, self.dport))
        if final_ack:
            self.seg(0, 0)
