#!/usr/bin/python3
# dns_check.py TOOL DIR NIC: queries made by dnspython (an independent DNS
# implementation), answered by build/tools/dns_answer (our dns_answer() on
# NIC's view of drop DIR), and the responses parsed back by dnspython.
# Prints "PASS what" or "FAIL what: detail" per check, for the shell test
# (tests/integration/test_dns_zone.sh) to count.
# Expects the drop of test_dns_zone.sh: on NIC consumer0 web.contoso.example
# -> 10.0.0.5, big.contoso.example -> 40 addresses, *.apps.contoso.example.
import struct
import subprocess
import sys

import dns.edns
import dns.flags
import dns.message
import dns.opcode
import dns.rcode
import dns.rdataclass
import dns.rdatatype

tool, drop, nic = sys.argv[1:4]


class Responder:
    def __init__(self, transport):
        self.p = subprocess.Popen([tool, drop, nic, transport], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE)

    def ask(self, wire):
        self.p.stdin.write(struct.pack("!H", len(wire)) + wire)
        self.p.stdin.flush()
        n = struct.unpack("!H", self.p.stdout.read(2))[0]
        resp = self.p.stdout.read(n)
        tc, rcode = struct.unpack("!HH", self.p.stdout.read(4))
        return resp

    def close(self):
        self.p.stdin.close()
        return self.p.wait()


udp, tcp = Responder("udp"), Responder("tcp")
failed = 0


def check(what, cond, detail=""):
    global failed
    if cond:
        print("PASS " + what)
    else:
        failed += 1
        print("FAIL %s: %s" % (what, " | ".join(str(detail).splitlines())))


def ask(q, r=None):
    wire = (r or udp).ask(q.to_wire())
    return dns.message.from_wire(wire), wire


def addrs(m):
    return [rd.address for rrset in m.answer for rd in rrset if rrset.rdtype == dns.rdatatype.A]


# A, mixed case, RD copied, AA set, RA clear
q = dns.message.make_query("WeB.Contoso.EXAMPLE", "A")
m, wire = ask(q)
check("A: id, NOERROR, one address", m.id == q.id and m.rcode() == dns.rcode.NOERROR and
      addrs(m) == ["10.0.0.5"], m.to_text())
check("A: AA and RD set, RA clear", m.flags & dns.flags.AA and m.flags & dns.flags.RD and
      not m.flags & dns.flags.RA, dns.flags.to_text(m.flags))
check("A: question in the case asked", m.question[0].name.to_text() == "WeB.Contoso.EXAMPLE." and
      wire[12:12 + 21] == q.to_wire()[12:12 + 21], m.question[0].name.to_text())
check("A: TTL 10", m.answer[0].ttl == 10, str(m.answer[0].ttl))

m, _ = ask(dns.message.make_query("nope.contoso.example", "A"))
soa = [r for r in m.authority if r.rdtype == dns.rdatatype.SOA]
check("NXDOMAIN with the zone's SOA in authority", m.rcode() == dns.rcode.NXDOMAIN and
      len(soa) == 1 and soa[0].name.to_text() == "contoso.example." and not m.answer, m.to_text())
check("NXDOMAIN: SOA TTL min(TTL, MINIMUM) = 10", soa and soa[0].ttl == 10 and
      soa[0][0].minimum == 10 and soa[0][0].mname.to_text() == "ns.contoso.example.", m.to_text())

m, _ = ask(dns.message.make_query("web.contoso.example", "AAAA"))
check("AAAA: NODATA (NOERROR, no answer, SOA)", m.rcode() == dns.rcode.NOERROR and
      not m.answer and len(m.authority) == 1, m.to_text())
m, _ = ask(dns.message.make_query("web.example.org", "A"))
check("outside the zones: REFUSED, no AA", m.rcode() == dns.rcode.REFUSED and
      not m.flags & dns.flags.AA, m.to_text())
m, _ = ask(dns.message.make_query("web.contoso.example", "A", rdclass=dns.rdataclass.CH))
check("class CH: REFUSED", m.rcode() == dns.rcode.REFUSED, m.to_text())

m, _ = ask(dns.message.make_query("contoso.example", "NS"))
check("apex NS: ns.contoso.example, its A in additional",
      [rd.target.to_text() for rd in m.answer[0]] == ["ns.contoso.example."] and
      addrs(dns.message.from_text("id 1\n;ANSWER\n" + m.additional[0].to_text())) ==
      ["10.0.0.53"], m.to_text())
m, _ = ask(dns.message.make_query("contoso.example", "SOA"))
check("apex SOA", m.answer and m.answer[0].rdtype == dns.rdatatype.SOA and
      m.answer[0][0].serial == 1, m.to_text())
m, _ = ask(dns.message.make_query("web.contoso.example", "ANY"))
check("ANY: the A RRset only (RFC 8482)", len(m.answer) == 1 and addrs(m) == ["10.0.0.5"],
      m.to_text())
m, _ = ask(dns.message.make_query("x.Apps.contoso.example", "A"))
check("wildcard: the name asked, the wildcard's address",
      m.answer and m.answer[0].name.to_text() == "x.Apps.contoso.example." and addrs(m) ==
      ["10.0.0.7"], m.to_text())

# EDNS0 with an unknown option; BADVERS
q = dns.message.make_query("web.contoso.example", "A", use_edns=0, payload=4096,
                           options=[dns.edns.GenericOption(65001, b"\x01\x02\x03")])
m, _ = ask(q)
check("EDNS with an unknown option: answered, OPT echoed with payload 1232, no options",
      addrs(m) == ["10.0.0.5"] and m.edns == 0 and m.payload == 1232 and not m.options,
      m.to_text())
q = dns.message.make_query("web.contoso.example", "A")
q.use_edns(edns=1)
m, _ = ask(q)
check("EDNS version 1: BADVERS", m.rcode() == dns.rcode.BADVERS and m.edns == 0, m.to_text())

# TC over UDP, the whole RRset over TCP
q = dns.message.make_query("big.contoso.example", "A")
m, wire = ask(q)
check("40 addresses over UDP: TC, no answer", m.flags & dns.flags.TC and not m.answer and
      len(wire) <= 512, m.to_text())
m, wire = ask(q, tcp)
check("40 addresses over TCP: all, no TC", not m.flags & dns.flags.TC and len(addrs(m)) == 40 and
      len(set(addrs(m))) == 40, "%d addresses" % len(addrs(m)))
check("compressed: 40 answers of 16 bytes each", len(wire) == len(q.to_wire()) + 40 * 16,
      str(len(wire)))

q = dns.message.make_query("web.contoso.example", "A")
q.set_opcode(dns.opcode.STATUS)
m, _ = ask(q)
check("opcode STATUS: NOTIMP", m.rcode() == dns.rcode.NOTIMP, m.to_text())

check("responders exit cleanly", udp.close() == 0 and tcp.close() == 0)
sys.exit(1 if failed else 0)
