/*
 * The DNS responder's pure part: queries built byte by byte, answered
 * from a view of a hand-made config, checked byte by byte where the
 * format matters (flags, rcodes, counts, pointers, the OPT, TC).
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "dns_priv.h"
#include "dns_test_cfg.h"
#include "unit.h"

static struct pl_config *cfg;

static void
add_ep(int svc, int nic, const char *ip, enum cfg_approval state)
{
	dns_test_ep(cfg, svc, nic, ip, state);
}

static int
add_svc(const char *name, const char *fqdn1, const char *fqdn2)
{
	return dns_test_svc(cfg, name, fqdn1, fqdn2);
}

/* NIC 0: contoso.example (explicit); NIC 1: the same names, its own
 * addresses, zones derived. */
static void
make_cfg(void)
{
	int web, big, wild, pend;

	cfg = calloc(1, sizeof(*cfg));
	cfg->n_nics = 2;
	for (int n = 0; n < 2; n++) {
		snprintf(cfg->nics[n].nic_name, CFG_NAME_MAX, "c%d", n);
		cfg->nics[n].nic_role = CFG_ROLE_CONSUMER;
		cfg->nics[n].nic_dns_ttl_s = 10;
		inet_pton(AF_INET, "10.0.0.53", &cfg->nics[n].nic_dns_addr);
	}
	snprintf(cfg->nics[0].nic_dns_zones[0], CFG_FQDN_MAX, "contoso.example");
	cfg->nics[0].nic_n_dns_zones = 1;
	web = add_svc("web", "web.contoso.example", "a.b.contoso.example");
	big = add_svc("big", "big.contoso.example", NULL);
	wild = add_svc("wild", "*.apps.contoso.example", NULL);
	pend = add_svc("pend", "pend.contoso.example", NULL);
	add_ep(web, 0, "10.0.0.10", CFG_APPROVAL_APPROVED);
	add_ep(web, 1, "10.0.0.99", CFG_APPROVAL_APPROVED);
	add_ep(web, 0, "10.0.0.11", CFG_APPROVAL_APPROVED);
	add_ep(web, 0, "10.0.0.12", CFG_APPROVAL_REJECTED);
	add_ep(wild, 0, "10.0.0.20", CFG_APPROVAL_APPROVED);
	add_ep(pend, 0, "10.0.0.30", CFG_APPROVAL_PENDING);
	for (int i = 0; i < 40; i++) {
		char ip[24];

		snprintf(ip, sizeof(ip), "10.0.1.%d", i + 1);
		add_ep(big, 0, ip, CFG_APPROVAL_APPROVED);
	}
}

/* A query: header, question (name in text, case kept), an OPT when
 * payload != 0 with version and one option of opt_len bytes. */
static size_t
query(uint8_t *q, uint16_t id, uint8_t flags, const char *name, uint16_t type, uint16_t class,
    uint16_t payload, uint8_t version, uint16_t opt_len)
{
	size_t n = 12;

	memset(q, 0, 12);
	q[0] = (uint8_t)(id >> 8);
	q[1] = (uint8_t)id;
	q[2] = flags;
	q[5] = 1;
	q[11] = payload != 0;
	while (*name != '\0') {
		size_t l = strcspn(name, ".");

		q[n++] = (uint8_t)l;
		memcpy(q + n, name, l);
		n += l;
		name += l;
		if (*name == '.')
			name++;
	}
	q[n++] = 0;
	q[n++] = (uint8_t)(type >> 8);
	q[n++] = (uint8_t)type;
	q[n++] = (uint8_t)(class >> 8);
	q[n++] = (uint8_t)class;
	if (payload != 0) {
		q[n++] = 0;
		q[n++] = 0;
		q[n++] = 41;
		q[n++] = (uint8_t)(payload >> 8);
		q[n++] = (uint8_t)payload;
		q[n++] = 0;		/* extended rcode */
		q[n++] = version;
		q[n++] = 0x80;		/* DO */
		q[n++] = 0;
		q[n++] = (uint8_t)((opt_len ? opt_len + 4 : 0) >> 8);
		q[n++] = (uint8_t)(opt_len ? opt_len + 4 : 0);
		if (opt_len) {
			q[n++] = 0xfd;	/* option 65001: unknown */
			q[n++] = 0xe9;
			q[n++] = (uint8_t)(opt_len >> 8);
			q[n++] = (uint8_t)opt_len;
			memset(q + n, 0xab, opt_len);
			n += opt_len;
		}
	}
	return n;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static uint8_t r[70000];

static size_t
ask(const struct dns_view *v, const uint8_t *q, size_t qlen, enum dns_transport t,
    struct dns_result *res)
{
	size_t n = dns_answer(v, q, qlen, r, sizeof(r), t, res);

	if (t == DNS_UDP && n > DNS_UDP_AMPLIFY * qlen)
		CHECK(0, "UDP answer %zu bytes for a %zu-byte query: more than %d times", n, qlen,
		    DNS_UDP_AMPLIFY);
	return n;
}

/* A plain query (id 1, no flags, no EDNS) for name, asked; its length
 * in *ql. */
static size_t
ask_name(const struct dns_view *v, const char *name, uint16_t type, uint16_t class,
    enum dns_transport t, struct dns_result *res, size_t *ql)
{
	static uint8_t q[512];

	*ql = query(q, 1, 0, name, type, class, 0, 0, 0);
	return ask(v, q, *ql, t, res);
}

static void
test_a(const struct dns_view *v)
{
	uint8_t q[512];
	struct dns_result res;
	size_t ql = query(q, 0x1234, DNS_F_RD, "web.contoso.example", 1, 1, 0, 0, 0);
	size_t n = ask(v, q, ql, DNS_UDP, &res), a = ql;

	CHECK(n == ql + 2 * 16, "A: question and two A records (%zu bytes)", n);
	CHECK(r[0] == 0x12 && r[1] == 0x34, "A: id echoed");
	CHECK(r[2] == (DNS_F_QR | DNS_F_AA | DNS_F_RD), "A: QR, AA, RD copied (0x%02x)", r[2]);
	CHECK(r[3] == 0, "A: RA clear, NOERROR");
	CHECK(get16(r + 4) == 1 && get16(r + 6) == 2 && get16(r + 8) == 0 && get16(r + 10) == 0,
	    "A: counts 1 2 0 0");
	CHECK(memcmp(r + 12, q + 12, ql - 12) == 0, "A: question echoed");
	CHECK(r[a] == 0xc0 && r[a + 1] == 0x0c, "A: owner points at the question");
	CHECK(get16(r + a + 2) == 1 && get16(r + a + 4) == 1 && get32(r + a + 6) == 10 &&
	    get16(r + a + 10) == 4, "A: type A, class IN, TTL 10, 4 bytes");
	CHECK(memcmp(r + a + 12, "\x0a\x00\x00\x0a", 4) == 0 &&
	    memcmp(r + a + 28, "\x0a\x00\x00\x0b", 4) == 0,
	    "A: 10.0.0.10 then 10.0.0.11 (config order; Rejected and other NIC left out)");
	CHECK(res.dr_rcode == 0 && res.dr_truncated == 0, "A: result NOERROR");

	ql = query(q, 7, 0, "WeB.CoNtOsO.eXaMpLe", 1, 1, 0, 0, 0);
	n = ask(v, q, ql, DNS_UDP, NULL);
	CHECK(n == ql + 32 && memcmp(r + 12, "\x03" "WeB" "\x07" "CoNtOsO" "\x07" "eXaMpLe", 21) == 0,
	    "mixed case: answered, question echoed in its case");
	CHECK(r[2] == (DNS_F_QR | DNS_F_AA), "RD clear when the query's is");

	ql = query(q, 7, 0, "ns.contoso.example", 1, 1, 0, 0, 0);
	n = ask(v, q, ql, DNS_UDP, NULL);
	CHECK(n == ql + 16 && memcmp(r + ql + 12, "\x0a\x00\x00\x35", 4) == 0,
	    "ns.ZONE: A is the NIC's dns address");
}

/* The SOA in the authority section at r + at, for zone contoso.example
 * whose name starts at offset zone_at of the message. */
static void
check_soa(const char *what, size_t at, size_t n, size_t zone_at)
{
	CHECK(r[at] == 0xc0 && r[at + 1] == zone_at, "%s: SOA owner points at the zone in the "
	    "question (0x%02x%02x)", what, r[at], r[at + 1]);
	CHECK(get16(r + at + 2) == 6 && get32(r + at + 6) == 10, "%s: type SOA, TTL 10", what);
	/* ns + pointer, hostmaster + pointer, 5 numbers */
	CHECK(get16(r + at + 10) == 5 + 13 + 20 && at + 12 + 38 == n, "%s: SOA RDATA 38 bytes, "
	    "names compressed", what);
	CHECK(memcmp(r + at + 12, "\x02ns\xc0", 4) == 0 && r[at + 16] == zone_at &&
	    memcmp(r + at + 17, "\x0ahostmaster\xc0", 12) == 0, "%s: MNAME ns.ZONE, RNAME "
	    "hostmaster.ZONE", what);
	CHECK(get32(r + at + 30) == 777 && get32(r + at + 46) == 10, "%s: serial, MINIMUM 10",
	    what);
}

static void
test_negative(const struct dns_view *v)
{
	uint8_t q[512];
	struct dns_result res;
	size_t ql, n;

	ql = query(q, 1, DNS_F_RD, "nope.contoso.example", 1, 1, 0, 0, 0);
	n = ask(v, q, ql, DNS_UDP, &res);
	CHECK((r[3] & 0x0f) == DNS_R_NXDOMAIN && (r[2] & DNS_F_AA) && res.dr_rcode == 3,
	    "NXDOMAIN, AA");
	CHECK(get16(r + 6) == 0 && get16(r + 8) == 1 && get16(r + 10) == 0, "NXDOMAIN: SOA in "
	    "authority only");
	check_soa("NXDOMAIN", ql, n, 12 + 5);

	n = ask_name(v, "web.contoso.example", 28, 1, DNS_UDP, &res, &ql);
	CHECK(r[3] == 0 && get16(r + 6) == 0 && get16(r + 8) == 1, "AAAA: NOERROR, no answer, "
	    "SOA (NODATA)");
	check_soa("NODATA", ql, n, 12 + 4);

	n = ask_name(v, "b.contoso.example", 1, 1, DNS_UDP, NULL, &ql);
	CHECK(r[3] == 0 && get16(r + 6) == 0 && get16(r + 8) == 1, "empty non-terminal "
	    "b.contoso.example: NODATA, not NXDOMAIN");

	n = ask_name(v, "pend.contoso.example", 1, 1, DNS_UDP, NULL, &ql);
	CHECK((r[3] & 0x0f) == DNS_R_NXDOMAIN, "a name whose only endpoint is Pending: NXDOMAIN");

	ql = query(q, 1, DNS_F_RD, "www.example.org", 1, 1, 0, 0, 0);
	n = ask(v, q, ql, DNS_UDP, &res);
	CHECK(n == ql && (r[3] & 0x0f) == DNS_R_REFUSED && !(r[2] & DNS_F_AA) &&
	    res.dr_rcode == DNS_R_REFUSED, "outside every zone: REFUSED, no AA, question only");
	ask_name(v, "example", 1, 1, DNS_UDP, NULL, &ql);
	CHECK((r[3] & 0x0f) == DNS_R_REFUSED, "the zone's parent: REFUSED");
	ask_name(v, "xcontoso.example", 1, 1, DNS_UDP, NULL, &ql);
	CHECK((r[3] & 0x0f) == DNS_R_REFUSED, "a name ending like the zone, not in it: REFUSED");
	ask_name(v, "web.contoso.example", 1, 3, DNS_UDP, NULL, &ql);
	CHECK((r[3] & 0x0f) == DNS_R_REFUSED, "class CH: REFUSED");
	ask_name(v, "contoso.example", 252, 1, DNS_TCP, NULL, &ql);
	CHECK((r[3] & 0x0f) == DNS_R_REFUSED, "AXFR: REFUSED");
}

static void
test_apex(const struct dns_view *v)
{
	size_t ql, n;

	n = ask_name(v, "Contoso.Example", 6, 1, DNS_UDP, NULL, &ql);
	CHECK(r[3] == 0 && get16(r + 6) == 1 && get16(r + 8) == 0 && r[2] & DNS_F_AA,
	    "apex SOA: one answer");
	check_soa("apex SOA", ql, n, 12);

	n = ask_name(v, "contoso.example", 2, 1, DNS_UDP, NULL, &ql);
	CHECK(get16(r + 6) == 1 && get16(r + 10) == 1, "apex NS: one answer, one additional");
	CHECK(memcmp(r + ql, "\xc0\x0c\x00\x02\x00\x01\x00\x00\x00\x0a\x00\x05\x02ns\xc0\x0c", 17)
	    == 0, "apex NS: ns.ZONE, compressed to the question");
	CHECK(n == ql + 17 + 16 && r[ql + 17] == 0xc0 && r[ql + 18] == ql + 12 &&
	    get16(r + ql + 19) == 1 && memcmp(r + ql + 29, "\x0a\x00\x00\x35", 4) == 0,
	    "apex NS: its A in additional, owner pointing at the NS RDATA");

	ask_name(v, "contoso.example", 255, 1, DNS_UDP, NULL, &ql);
	CHECK(get16(r + 6) == 1 && get16(r + ql + 2) == 6, "ANY at the apex: the SOA only");
	n = ask_name(v, "web.contoso.example", 255, 1, DNS_UDP, NULL, &ql);
	CHECK(get16(r + 6) == 2 && n == ql + 32 && get16(r + ql + 2) == 1,
	    "ANY of a name: its A RRset only (RFC 8482)");
	ask_name(v, "web.contoso.example", 2, 1, DNS_UDP, NULL, &ql);
	CHECK(get16(r + 6) == 0 && get16(r + 8) == 1, "NS below the apex: NODATA");
}

static void
test_wildcard(const struct dns_view *v)
{
	size_t ql, n;

	n = ask_name(v, "Foo.apps.contoso.example", 1, 1, DNS_UDP, NULL, &ql);
	CHECK(n == ql + 16 && r[ql] == 0xc0 && r[ql + 1] == 12 &&
	    memcmp(r + ql + 12, "\x0a\x00\x00\x14", 4) == 0,
	    "wildcard: foo.apps answered with the name asked");
	n = ask_name(v, "a.b.apps.contoso.example", 1, 1, DNS_UDP, NULL, &ql);
	CHECK(n == ql + 16, "wildcard: two labels below");
	ask_name(v, "apps.contoso.example", 1, 1, DNS_UDP, NULL, &ql);
	CHECK(r[3] == 0 && get16(r + 6) == 0 && get16(r + 8) == 1, "wildcard's base: NODATA");
	ask_name(v, "foo.apps.contoso.example", 28, 1, DNS_UDP, NULL, &ql);
	CHECK(r[3] == 0 && get16(r + 6) == 0 && get16(r + 8) == 1, "wildcard AAAA: NODATA");
}

static void
test_edns(const struct dns_view *v)
{
	uint8_t q[512];
	struct dns_result res;
	struct dns_query dq;
	size_t ql, n;
	int rc;

	ql = query(q, 1, 0, "web.contoso.example", 1, 1, 4096, 0, 5);
	n = ask(v, q, ql, DNS_UDP, &res);
	CHECK(n == 12 + 25 + 32 + 11 && get16(r + 10) == 1, "EDNS with an unknown option: "
	    "answered, one additional");
	CHECK(memcmp(r + n - 11, "\x00\x00\x29\x04\xd0\x00\x00\x80\x00\x00\x00", 11) == 0,
	    "EDNS: our OPT, payload 1232, version 0, DO echoed, no options");
	ql = query(q, 1, 0, "web.contoso.example", 1, 1, 100, 0, 0);
	CHECK(dns_query_parse(q, ql, &dq, &rc) == DNS_PARSE_OK && dq.dq_payload == 512,
	    "EDNS payload 100 taken as 512");
	ql = query(q, 1, 0, "web.contoso.example", 1, 1, 4096, 1, 0);
	n = ask(v, q, ql, DNS_UDP, &res);
	CHECK(n == ql && (r[3] & 0x0f) == 0 && get16(r + 6) == 0 && r[n - 11 + 5] == 1 &&
	    r[n - 11 + 6] == 0 && res.dr_rcode == DNS_R_BADVERS,
	    "EDNS version 1: BADVERS (extended rcode 1, version 0)");

	/* two OPTs */
	ql = query(q, 1, 0, "web.contoso.example", 1, 1, 4096, 0, 0);
	memcpy(q + ql, q + ql - 11, 11);
	q[11] = 2;
	n = ask(v, q, ql + 11, DNS_UDP, &res);
	CHECK(n == 12 && (r[3] & 0x0f) == DNS_R_FORMERR && res.dr_rcode == 1,
	    "two OPT records: FORMERR");
	/* an OPT with a broken option length */
	ql = query(q, 1, 0, "web.contoso.example", 1, 1, 4096, 0, 4);
	q[ql - 5] = 9;
	n = ask(v, q, ql, DNS_UDP, NULL);
	CHECK(n == 12 && (r[3] & 0x0f) == DNS_R_FORMERR, "an option longer than its OPT: FORMERR");
	/* OPT in the answer section */
	ql = query(q, 1, 0, "web.contoso.example", 1, 1, 4096, 0, 0);
	q[7] = 1;
	q[11] = 0;
	n = ask(v, q, ql, DNS_UDP, NULL);
	CHECK(n == 12 && (r[3] & 0x0f) == DNS_R_FORMERR, "an OPT in the answer section: FORMERR");
}

static void
test_truncation(const struct dns_view *v, const struct dns_view *huge)
{
	uint8_t q[512];
	struct dns_result res;
	size_t ql, n;

	ql = query(q, 9, DNS_F_RD, "big.contoso.example", 1, 1, 0, 0, 0);
	n = ask(v, q, ql, DNS_UDP, &res);
	CHECK(n == ql && (r[2] & DNS_F_TC) && get16(r + 6) == 0 && res.dr_truncated,
	    "40 addresses over UDP: TC, question only (%zu bytes)", n);
	n = ask(v, q, ql, DNS_TCP, &res);
	CHECK(n == ql + 40 * 16 && !(r[2] & DNS_F_TC) && get16(r + 6) == 40 && !res.dr_truncated,
	    "40 addresses over TCP: all of them");
	ql = query(q, 9, 0, "big.contoso.example", 1, 1, 4096, 0, 0);
	n = ask(v, q, ql, DNS_UDP, &res);
	CHECK(n == ql && (r[2] & DNS_F_TC) && get16(r + 10) == 1,
	    "EDNS 4096 over UDP: still TC (%d times the query at most), OPT kept",
	    DNS_UDP_AMPLIFY);
	/* a long name with a large payload: 8 times its size does fit */
	ql = query(q, 9, 0, "big.contoso.example", 1, 1, 4096, 0, 40);
	n = ask(v, q, ql, DNS_UDP, &res);
	CHECK(n == 12 + 25 + 640 + 11 && !res.dr_truncated, "a %zu-byte query: 40 addresses fit "
	    "over UDP", ql);
	ql = query(q, 9, 0, "big.contoso.example", 1, 1, 600, 0, 40);
	n = ask(v, q, ql, DNS_UDP, &res);
	CHECK(n == ql - 44 && res.dr_truncated, "the client's payload 600 bounds it: TC");
	n = dns_answer(v, q, ql, r, 20, DNS_UDP, &res);
	CHECK(n == 0 && res.dr_rcode == -1, "no room even for the question: nothing");
	ql = query(q, 9, 0, "nope.contoso.example", 1, 1, 0, 0, 0);
	{
		size_t room, bad = 0;

		for (room = 0; room < 60; room++) {
			memset(r, 0xee, 100);
			n = dns_answer(v, q, ql, r, room, DNS_UDP, &res);
			if (n > room || r[room] != 0xee || (n != 0) != (room >= ql))
				bad++;
		}
		CHECK(bad == 0 && n == ql && (r[2] & DNS_F_TC), "NXDOMAIN in rooms of 0..59 bytes "
		    "(too small for its SOA): nothing, or TC; nothing written past the room");
	}

	ql = query(q, 9, 0, "many.contoso.example", 1, 1, 0, 0, 0);
	n = ask(huge, q, ql, DNS_TCP, &res);
	CHECK(n <= DNS_TCP_MAX && n > DNS_TCP_MAX - 16 && get16(r + 6) == (n - ql) / 16 &&
	    !(r[2] & DNS_F_TC), "4096 addresses over TCP: as many as fit in 65535 bytes (%u)",
	    get16(r + 6));
	ql = query(q, 9, 0, "many.contoso.example", 1, 1, 4096, 0, 0);
	n = ask(huge, q, ql, DNS_TCP, &res);
	CHECK(n <= DNS_TCP_MAX && get16(r + 10) == 1 && r[n - 11 + 2] == 41 &&
	    get16(r + 6) == (n - ql) / 16, "the same with EDNS: room kept for the OPT (%u "
	    "addresses, %zu bytes)", get16(r + 6), n);
}

/* Question names (with type and class) that are not names. */
static const struct {
	const char	*bn_what;
	const char	*bn_bytes;
	size_t		bn_len;
} bad_names[] = {
	{ "question pointing into itself", "\x03www\xc0\x0c\x00\x01\x00\x01", 10 },
	{ "question pointing into the header", "\xc0\x02\x00\x01\x00\x01", 6 },
	{ "pointer forwards", "\xc0\x20\x00\x01\x00\x01", 6 },
	{ "label type 0x40", "\x41xxx\x00\x00\x01\x00\x01", 10 },
	{ "label type 0x80", "\x81xxx\x00\x00\x01\x00\x01", 10 },
	{ "a pointer's second byte missing", "\xc0", 1 },
};

static void
test_malformed(const struct dns_view *v)
{
	uint8_t q[600];
	struct dns_result res;
	size_t ql, n;

	ql = query(q, 1, 0, "web.contoso.example", 1, 1, 0, 0, 0);
	CHECK(dns_answer(v, q, 11, r, sizeof(r), DNS_UDP, &res) == 0 && res.dr_rcode == -1,
	    "shorter than a header: nothing");
	q[2] |= DNS_F_QR;
	CHECK(ask(v, q, ql, DNS_UDP, &res) == 0 && res.dr_rcode == -1, "a response: nothing");
	q[2] = 2 << 3 | DNS_F_RD;
	n = ask(v, q, ql, DNS_UDP, &res);
	CHECK(n == 12 && r[2] == (DNS_F_QR | 2 << 3 | DNS_F_RD) && r[3] == DNS_R_NOTIMP &&
	    res.dr_rcode == DNS_R_NOTIMP, "opcode STATUS: NOTIMP, opcode echoed");
	q[2] = 0;
	q[5] = 0;
	n = ask(v, q, ql, DNS_UDP, &res);
	CHECK(n == 12 && r[3] == DNS_R_FORMERR && get16(r + 4) == 0, "QDCOUNT 0: FORMERR");
	q[5] = 2;
	n = ask(v, q, ql, DNS_UDP, &res);
	CHECK(n == 12 && r[3] == DNS_R_FORMERR, "QDCOUNT 2: FORMERR");
	q[5] = 1;
	n = ask(v, q, ql - 1, DNS_UDP, &res);
	CHECK(n == 12 && r[3] == DNS_R_FORMERR, "question cut short: FORMERR");
	n = ask(v, q, 12 + 10, DNS_UDP, &res);
	CHECK(n == 12 && r[3] == DNS_R_FORMERR, "name cut short: FORMERR");
	q[ql] = 0x55;
	n = ask(v, q, ql + 1, DNS_UDP, &res);
	CHECK(n == 12 && r[3] == DNS_R_FORMERR, "a byte after the last record: FORMERR");

	/* broken question names, after a good header */
	for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		memcpy(q + 12, bad_names[i].bn_bytes, bad_names[i].bn_len);
		n = ask(v, q, 12 + bad_names[i].bn_len, DNS_UDP, NULL);
		CHECK(n == 12 && r[3] == DNS_R_FORMERR, "%s: FORMERR", bad_names[i].bn_what);
	}

	/* an additional record named by a pointer back at the question: fine;
	 * one whose name loops (a label, then a pointer back to it) is not */
	ql = query(q, 1, 0, "web.contoso.example", 1, 1, 0, 0, 0);
	q[11] = 1;
	memcpy(q + ql, "\xc0\x0c\x00\x10\x00\x01\x00\x00\x00\x00\x00\x01\x00", 13);
	n = ask(v, q, ql + 13, DNS_UDP, NULL);
	CHECK(n == ql + 32 && get16(r + 10) == 0, "a TXT in additional with a good pointer: "
	    "ignored, answered");
	memcpy(q + ql, "\x01x\xc0", 3);
	q[ql + 3] = (uint8_t)ql;
	memcpy(q + ql + 4, "\x00\x10\x00\x01\x00\x00\x00\x00\x00\x00", 10);
	n = ask(v, q, ql + 14, DNS_UDP, NULL);
	CHECK(n == 12 && r[3] == DNS_R_FORMERR, "a pointer loop (x.x.x...): FORMERR, bounded");

	/* 128 labels: more than 255 bytes */
	memset(q, 0, 12);
	q[5] = 1;
	for (int i = 0; i < 128; i++)
		memcpy(q + 12 + 2 * i, "\x01x", 2);
	memcpy(q + 12 + 256, "\x00\x00\x01\x00\x01", 5);
	n = ask(v, q, 12 + 261, DNS_UDP, NULL);
	CHECK(n == 12 && r[3] == DNS_R_FORMERR, "a 257-byte name: FORMERR");
	n = ask_name(v, "web.contoso.example", 41, 1, DNS_UDP, NULL, &ql);
	CHECK((r[3] & 0x0f) == DNS_R_FORMERR, "QTYPE OPT: FORMERR");
}

static void
test_zones(void)
{
	struct dns_view *v0 = dns_view_from_cfg(cfg, 0, 777), *v1 = dns_view_from_cfg(cfg, 1, 5);
	char *text = NULL;
	size_t len = 0, ql, n;
	FILE *f;

	CHECK(dns_view_n_zones(v0) == 1 && strcmp(dns_view_zone_name(v0, 0), "contoso.example") == 0,
	    "explicit zone: contoso.example");
	CHECK(dns_view_n_zones(v1) == 2 && strcmp(dns_view_zone_name(v1, 0), "contoso.example") == 0 &&
	    strcmp(dns_view_zone_name(v1, 1), "b.contoso.example") == 0,
	    "derived zones: the parents of the names with an endpoint on the NIC");
	n = ask_name(v1, "web.contoso.example", 1, 1, DNS_UDP, NULL, &ql);
	CHECK(n == ql + 16 && memcmp(r + ql + 12, "\x0a\x00\x00\x63", 4) == 0,
	    "the same name on another NIC: that NIC's own endpoint");
	n = ask_name(v1, "a.b.contoso.example", 1, 1, DNS_UDP, NULL, &ql);
	CHECK(n == ql + 16, "a name in the longer zone");
	n = ask_name(v1, "b.contoso.example", 6, 1, DNS_UDP, NULL, &ql);
	CHECK(get16(r + 6) == 1 && get16(r + ql + 2) == 6, "the longer zone's apex has its SOA");

	f = open_memstream(&text, &len);
	CHECK(dns_zone_write(f, v0, 0) == 0, "zone file written");
	fclose(f);
	CHECK(strstr(text, "$ORIGIN contoso.example.\n$TTL 10\n") != NULL &&
	    strstr(text, "@\tIN\tSOA\tns.contoso.example. hostmaster.contoso.example. 777 3600 "
	    "600 86400 10\n") != NULL && strstr(text, "@\tIN\tNS\tns.contoso.example.\n") != NULL &&
	    strstr(text, "ns.contoso.example.\tIN\tA\t10.0.0.53\n") != NULL,
	    "zone file: origin, TTL, SOA, NS and its A");
	CHECK(strstr(text, "web.contoso.example.\tIN\tA\t10.0.0.10\nweb.contoso.example.\tIN\tA\t"
	    "10.0.0.11\n") != NULL && strstr(text, "*.apps.contoso.example.\tIN\tA\t10.0.0.20\n")
	    != NULL && strstr(text, "pend.") == NULL && strstr(text, "10.0.0.12") == NULL,
	    "zone file: Approved addresses only, the wildcard as *.");
	free(text);
	CHECK(dns_zone_write(stdout, v0, 5) == -1, "zone file of no zone: -1");
	dns_view_free(v0);
	dns_view_free(v1);
}

int
main(void)
{
	struct dns_view *v, *huge;
	int many;

	make_cfg();
	v = dns_view_from_cfg(cfg, 0, 777);
	CHECK(v != NULL, "view of NIC 0");
	test_a(v);
	test_negative(v);
	test_apex(v);
	test_wildcard(v);
	test_edns(v);
	test_malformed(v);
	test_zones();

	/* one name with every endpoint the config allows: past 64 KiB */
	cfg->n_endpoints = 0;
	many = add_svc("many", "many.contoso.example", NULL);
	while (cfg->n_endpoints < CFG_MAX_ENDPOINTS) {
		char ip[24];
		int i = cfg->n_endpoints;

		snprintf(ip, sizeof(ip), "10.1.%d.%d", i / 250, i % 250 + 1);
		add_ep(many, 0, ip, CFG_APPROVAL_APPROVED);
	}
	huge = dns_view_from_cfg(cfg, 0, 777);
	test_truncation(v, huge);
	dns_view_free(huge);
	dns_view_free(v);
	free(cfg);
	return UNIT_DONE();
}
