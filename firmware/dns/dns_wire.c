/*
 * Reading a query (RFC 1035 4.1, RFC 6891 6.1): the header, exactly one
 * question, and the records after it, of which only an OPT in the
 * additional section means anything to us.  The message is hostile:
 * every read is bounded by its length, compression pointers go only
 * backwards and at most DNS_MAX_HOPS of them, a name decodes to at most
 * 255 bytes, and nothing recurses.
 */
#include <string.h>

#include "dns_priv.h"

/* A name of 255 bytes has at most 127 labels; one pointer per label is
 * more than any honest message needs. */
#define DNS_MAX_HOPS		127

static uint16_t
dns_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * The name at *pos of msg (len bytes) into out, as it is (case kept), in
 * wire form without pointers; *pos is moved past it (past its first
 * pointer, if any).  A pointer must point before the label that holds
 * it, and after the header.  0, or -1 when the name is broken.
 */
int
dns_name_read(const uint8_t *msg, size_t len, size_t *pos, uint8_t out[static DNS_NAME_MAX],
    size_t *out_len)
{
	size_t p = *pos, n = 0, end = 0;
	int hops = 0, jumped = 0;

	for (;;) {
		uint8_t c;

		if (p >= len)
			return -1;
		c = msg[p];
		if ((c & 0xc0) == 0xc0) {
			size_t to;

			if (p + 1 >= len || ++hops > DNS_MAX_HOPS)
				return -1;
			to = (size_t)(c & 0x3f) << 8 | msg[p + 1];
			if (to >= p || to < DNS_HDR_LEN)
				return -1;
			if (!jumped)
				end = p + 2;
			jumped = 1;
			p = to;
			continue;
		}
		if ((c & 0xc0) != 0)
			return -1;	/* 0x40, 0x80: extended labels (RFC 6891 5), none valid */
		if (n + 1 + c > DNS_NAME_MAX || p + 1 + c > len)
			return -1;
		memcpy(out + n, msg + p, 1 + (size_t)c);
		n += 1 + (size_t)c;
		p += 1 + (size_t)c;
		if (c == 0)
			break;
	}
	*pos = jumped ? end : p;
	*out_len = n;
	return 0;
}

/* Skips the resource record at *pos; its type, class, TTL and RDATA's
 * place are given back.  0, or -1 when it does not fit. */
static int
dns_rr_skip(const uint8_t *q, size_t qlen, size_t *pos, uint8_t name[static DNS_NAME_MAX],
    size_t *name_len, uint16_t *type, uint16_t *class, uint32_t *ttl, size_t *rdata,
    uint16_t *rdlen)
{
	if (dns_name_read(q, qlen, pos, name, name_len) != 0 || *pos + 10 > qlen)
		return -1;
	*type = dns_get16(q + *pos);
	*class = dns_get16(q + *pos + 2);
	*ttl = (uint32_t)dns_get16(q + *pos + 4) << 16 | dns_get16(q + *pos + 6);
	*rdlen = dns_get16(q + *pos + 8);
	*rdata = *pos + 10;
	if (*rdata + *rdlen > qlen)
		return -1;
	*pos = *rdata + *rdlen;
	return 0;
}

/* An OPT's options (RFC 6891 6.1.2): each must fit; all are unknown to
 * us and ignored (6.1.2: "MUST be ignored"). */
static int
dns_opt_check(const uint8_t *q, size_t at, uint16_t rdlen)
{
	size_t p = at, end = at + rdlen;

	while (p < end) {
		if (p + 4 > end)
			return -1;
		p += 4 + (size_t)dns_get16(q + p + 2);
	}
	return p == end ? 0 : -1;
}

/*
 * Reads query q (qlen bytes) into dq.  DNS_PARSE_OK: a query to answer.
 * DNS_PARSE_ERROR: answer with *rcode (dq_id, dq_flags and, when the
 * question was read, dq_qname etc. are set; dq_qname_len 0 when not).
 * DNS_PARSE_DROP: send nothing.
 */
enum dns_parse
dns_query_parse(const uint8_t *q, size_t qlen, struct dns_query *dq, int *rcode)
{
	uint16_t qd, an, ns, ar;
	size_t pos = DNS_HDR_LEN;
	int opts = 0;

	memset(dq, 0, sizeof(*dq));
	dq->dq_payload = DNS_UDP_MIN_PAYLOAD;
	if (qlen < DNS_HDR_LEN || (q[2] & DNS_F_QR))
		return DNS_PARSE_DROP;
	dq->dq_id = dns_get16(q);
	dq->dq_flags = q[2];
	qd = dns_get16(q + 4);
	an = dns_get16(q + 6);
	ns = dns_get16(q + 8);
	ar = dns_get16(q + 10);
	*rcode = DNS_R_FORMERR;
	if (DNS_OPCODE(q[2]) != DNS_OP_QUERY) {
		*rcode = DNS_R_NOTIMP;
		return DNS_PARSE_ERROR;
	}
	if (qd != 1)
		return DNS_PARSE_ERROR;
	if (dns_name_read(q, qlen, &pos, dq->dq_qname, &dq->dq_qname_len) != 0 || pos + 4 > qlen) {
		dq->dq_qname_len = 0;
		return DNS_PARSE_ERROR;
	}
	dq->dq_qtype = dns_get16(q + pos);
	dq->dq_qclass = dns_get16(q + pos + 2);
	pos += 4;
	/* Every record after the question must be whole, and nothing after
	 * the last one: a message that is not what it says is malformed. */
	for (uint32_t i = 0; i < (uint32_t)an + ns + ar; i++) {
		uint8_t name[DNS_NAME_MAX];
		size_t name_len, rdata;
		uint16_t type, class, rdlen;
		uint32_t ttl;

		if (dns_rr_skip(q, qlen, &pos, name, &name_len, &type, &class, &ttl, &rdata,
		    &rdlen) != 0)
			return DNS_PARSE_ERROR;
		if (type != DNS_T_OPT)
			continue;
		/* RFC 6891 6.1.1: only in the additional section, owner the root,
		 * at most one. */
		if (i < (uint32_t)an + ns || name_len != 1 || ++opts > 1 ||
		    dns_opt_check(q, rdata, rdlen) != 0)
			return DNS_PARSE_ERROR;
		dq->dq_edns = 1;
		dq->dq_payload = class < DNS_UDP_MIN_PAYLOAD ? DNS_UDP_MIN_PAYLOAD : class;
		dq->dq_edns_version = (uint8_t)(ttl >> 16);
		dq->dq_do = (ttl & 0x8000) != 0;
	}
	if (pos != qlen)
		return DNS_PARSE_ERROR;
	return DNS_PARSE_OK;
}
