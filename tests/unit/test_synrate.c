/*
 * The per-address SYN rate limit (ns_synrate.c): a bucket admits its
 * burst at once, then its rate; only bare SYNs take tokens; another
 * address is not affected; a rate of 0 lifts the limit; drops are
 * counted per address and in all.
 */
#include <string.h>

#include "netstack.h"
#include "prot/ip4.h"
#include "ns_addr.h"
#include "unit.h"

static u32_t now_ms = 1000;

/* Two addresses of one port, A and B: the table's lookup for the unit
 * under test (ns_addr.c needs all of lwIP). */
#define ADDR_A		0x0500000au
#define ADDR_B		0x0600000au
static struct ns_port port;
static struct ns_addr ea = { .ra_port = &port, .ra_addr = ADDR_A };
static struct ns_addr eb = { .ra_port = &port, .ra_addr = ADDR_B };
struct ns_addr *ns_addr_current;

struct ns_addr *
ns_addr_find(const struct ns_port *rp, uint32_t addr)
{
	if (rp != &port)
		return NULL;
	return addr == ADDR_A ? &ea : addr == ADDR_B ? &eb : NULL;
}

/* lwIP's clock, driven by the test. */
u32_t
sys_now(void)
{
	return now_ms;
}

#define PKT_LEN	(IP4_HDR_LEN + TCP_HDR_LEN)

/* An IPv4 packet of 40 bytes: TCP with the given flags, or UDP. */
static void
packet(uint8_t ip[static PKT_LEN], uint8_t proto, uint8_t flags)
{
	memset(ip, 0, PKT_LEN);
	ip[0] = IP4_VHL_PLAIN;
	ip[IP4_OFF_TOTLEN + 1] = PKT_LEN;
	ip[IP4_OFF_PROTO] = proto;
	ip[IP4_HDR_LEN + TCP_OFF_DOFF] = (TCP_HDR_LEN / 4) << 4;
	ip[IP4_HDR_LEN + TCP_OFF_FLAGS] = flags;
}

static unsigned int
admitted(struct ns_addr *ra, const uint8_t *ip, unsigned int tries)
{
	unsigned int ok = 0;

	for (unsigned int i = 0; i < tries; i++)
		ok += (unsigned int)ns_syn_admit(ra, ip, PKT_LEN);
	return ok;
}

int
main(void)
{
	static struct netif n;
	struct ns_addr *a = &ea, *b = &eb;
	uint8_t syn[PKT_LEN], ack[PKT_LEN], synack[PKT_LEN], rst[PKT_LEN], udp[PKT_LEN],
	    frag[PKT_LEN];

	n.state = &port;
	packet(syn, IP4_PROTO_TCP, TCP_FLAG_SYN);
	packet(ack, IP4_PROTO_TCP, TCP_FLAG_ACK);
	packet(synack, IP4_PROTO_TCP, TCP_FLAG_SYN | TCP_FLAG_ACK);
	packet(rst, IP4_PROTO_TCP, TCP_FLAG_SYN | TCP_FLAG_RST);
	packet(udp, IP4_PROTO_UDP, TCP_FLAG_SYN);
	packet(frag, IP4_PROTO_TCP, TCP_FLAG_SYN);
	frag[IP4_OFF_FRAG + 1] = 1;	/* a fragment past the first: no TCP header */

	CHECK(admitted(a, syn, 100) == 100, "no limit set: every SYN passes");
	CHECK(ns_set_syn_rate(&n, ADDR_A, 10, 5) == 0, "10/s, bursts of 5");
	CHECK(admitted(a, syn, 20) == 5, "a burst of 5 passes, the rest is dropped");
	CHECK(admitted(a, ack, 50) == 50 && admitted(a, synack, 50) == 50 &&
	    admitted(a, rst, 50) == 50 && admitted(a, udp, 50) == 50 &&
	    admitted(a, frag, 50) == 50,
	    "ACKs, SYN-ACKs, resets, UDP and fragments are never limited");
	CHECK(admitted(b, syn, 20) == 20, "another address is not limited");
	now_ms += 100;
	CHECK(admitted(a, syn, 5) == 1, "100 ms later: one more");
	now_ms += 250;
	CHECK(admitted(a, syn, 5) == 2, "250 ms later: two more (a half stays)");
	now_ms += 50;
	CHECK(admitted(a, syn, 5) == 1, "the half and 50 ms more make one");
	now_ms += 60000;
	CHECK(admitted(a, syn, 20) == 5, "after a minute idle: a burst of 5, no more");
	CHECK(ns_syn_rate_dropped(&n, ADDR_A) == 15 + 4 + 3 + 4 + 15,
	    "drops counted for the address (%llu)", (unsigned long long)ns_syn_rate_dropped(&n, ADDR_A));
	CHECK(ns_syn_rate_dropped(&n, ADDR_B) == 0, "none for the other");
	CHECK(ns_syn_rate_dropped(NULL, 0) == ns_syn_rate_dropped(&n, ADDR_A), "and in all");
	CHECK(ns_set_syn_rate(&n, ADDR_A, 2, 0) == 0 && admitted(a, syn, 10) <= 2,
	    "a new rate applies at once; burst 0 means one second's worth");
	now_ms += 1000;
	CHECK(admitted(a, syn, 10) == 2, "2/s: 2 a second");
	now_ms = 5;	/* sys_now() wraps at 2^32 ms */
	CHECK(admitted(a, syn, 10) == 2, "across the clock's wrap: still bounded (%u)", 2);
	CHECK(ns_set_syn_rate(&n, ADDR_A, 0, 0) == 0 && admitted(a, syn, 100) == 100,
	    "rate 0 lifts the limit");
	CHECK(ns_set_syn_rate(&n, ADDR_A, NS_SYN_RATE_MAX + 1, 0) != 0 &&
	    ns_set_syn_rate(NULL, ADDR_A, 10, 0) != 0 &&
	    ns_set_syn_rate(&n, 0x0700000au, 10, 0) != 0,
	    "a rate past the maximum, no netif or an address not held is refused");
	ns_addr_current = a;
	CHECK(ns_set_syn_rate(&n, ADDR_A, 1, 1) == 0 && ns_syn_admit_cookie() == 1 &&
	    ns_syn_admit_cookie() == 0, "a SYN cookie's connection takes a token of the "
	    "address of the frame being handled");
	return UNIT_DONE();
}
