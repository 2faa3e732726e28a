/*
 * The response to one query (dns_answer, dns.h): authoritative only (AA,
 * never RA), from one NIC's view.
 *
 *   name with data, type A        the A RRset, TTL dns_ttl
 *   zone apex, SOA / NS           the SOA; the NS ns.ZONE (its A added)
 *   ANY                           one RRset (RFC 8482 4.1): the A
 *                                 records, or at the apex the SOA
 *   name without that type        NOERROR, no answer, SOA in authority
 *   name in a zone, not there     NXDOMAIN, SOA in authority (RFC 2308)
 *   outside every zone            REFUSED; AXFR and IXFR too
 *   class not IN                  REFUSED
 *   opcode not QUERY              NOTIMP; QDCOUNT != 1, broken: FORMERR
 *   EDNS version not 0            BADVERS (RFC 6891 6.1.3)
 *
 * The question is echoed as asked (case kept); every name written points
 * back at what was written before it where it can (RFC 1035 4.1.4).
 * Over UDP a response larger than the client's payload size, or than
 * DNS_UDP_AMPLIFY times its query, is replaced by the header and
 * question with TC set: never a partial RRset.
 */
#include <ctype.h>
#include <string.h>

#include "dns_priv.h"

/* Names written so far, for compression: each label start, up to here. */
#define DNS_COMP_MAX		64
/* One A record: a pointer, type, class, TTL, length, the address. */
#define DNS_A_RR_LEN		16
/* The OPT we send: root, type, class, TTL, no options. */
#define DNS_OPT_RR_LEN		11

struct dns_out {
	uint8_t		*o_buf;
	size_t		o_room;
	size_t		o_len;
	int		o_over;		/* something did not fit */
	struct {
		size_t		c_off;
		const uint8_t	*c_name;	/* the name from that label on */
		size_t		c_len;
	}		o_comp[DNS_COMP_MAX];
	int		o_n_comp;
};

static void
dns_put(struct dns_out *o, const void *p, size_t n)
{
	if (o->o_over || n > o->o_room - o->o_len) {
		o->o_over = 1;
		return;
	}
	memcpy(o->o_buf + o->o_len, p, n);
	o->o_len += n;
}

static void
dns_put16(struct dns_out *o, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	dns_put(o, b, 2);
}

static void
dns_put32(struct dns_out *o, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	dns_put(o, b, 4);
}

/* Sets 2 bytes written before; nothing once something did not fit (the
 * offsets of a record that did not fit mean nothing). */
static void
dns_set16(struct dns_out *o, size_t at, uint16_t v)
{
	if (!o->o_over && o->o_len >= 2 && at <= o->o_len - 2) {
		o->o_buf[at] = (uint8_t)(v >> 8);
		o->o_buf[at + 1] = (uint8_t)v;
	}
}

static int
dns_name_eq(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	if (alen != blen)
		return 0;
	for (size_t i = 0; i < alen; i++)
		if (tolower(a[i]) != tolower(b[i]))
			return 0;
	return 1;
}

/* Writes name (wire form), its longest known suffix as a pointer. */
static void
dns_put_name(struct dns_out *o, const uint8_t *name, size_t len)
{
	size_t p = 0, start = o->o_len;

	while (p < len && name[p] != 0) {
		for (int i = 0; i < o->o_n_comp; i++)
			if (dns_name_eq(o->o_comp[i].c_name, o->o_comp[i].c_len, name + p, len - p)) {
				dns_put(o, name, p);
				dns_put16(o, (uint16_t)(0xc000 | o->o_comp[i].c_off));
				goto learn;
			}
		p += 1 + (size_t)name[p];
	}
	dns_put(o, name, len);
learn:
	/* The labels just written, before any pointer, can be pointed at. */
	for (size_t q = 0; q < p && !o->o_over && o->o_n_comp < DNS_COMP_MAX; q += 1 + name[q]) {
		if (start + q > 0x3fff)
			break;
		o->o_comp[o->o_n_comp].c_off = start + q;
		o->o_comp[o->o_n_comp].c_name = name + q;
		o->o_comp[o->o_n_comp++].c_len = len - q;
	}
}

/* The start of a record; its RDATA's length is set by dns_rr_end. */
static size_t
dns_rr_start(struct dns_out *o, const uint8_t *name, size_t len, uint16_t type, uint32_t ttl)
{
	dns_put_name(o, name, len);
	dns_put16(o, type);
	dns_put16(o, DNS_C_IN);
	dns_put32(o, ttl);
	dns_put16(o, 0);
	return o->o_len;
}

static void
dns_rr_end(struct dns_out *o, size_t rdata)
{
	dns_set16(o, rdata - 2, (uint16_t)(o->o_len - rdata));
}

static void
dns_put_soa(struct dns_out *o, const struct dns_view *v, const struct dns_zone *z)
{
	size_t rd = dns_rr_start(o, z->z_wire, z->z_len, DNS_T_SOA, v->v_ttl);

	dns_put_name(o, z->z_ns, z->z_ns_len);
	dns_put_name(o, z->z_rname, z->z_rname_len);
	dns_put32(o, v->v_serial);
	dns_put32(o, DNS_SOA_REFRESH);
	dns_put32(o, DNS_SOA_RETRY);
	dns_put32(o, DNS_SOA_EXPIRE);
	dns_put32(o, v->v_ttl);	/* negative TTL: min(SOA TTL, this) is dns_ttl */
	dns_rr_end(o, rd);
}

/* A records of n, owner the question's name: all of them, or over TCP
 * as many as fit before reserve bytes (a name with thousands of
 * endpoints passes 64 KiB: the rest is left out, TC is for UDP only).
 * The number written. */
static int
dns_put_a(struct dns_out *o, const struct dns_view *v, const uint8_t *owner, size_t len,
    const struct dns_name *n, int cut, size_t reserve)
{
	int i;

	for (i = 0; i < n->n_n_addrs; i++) {
		size_t rd;

		if (cut && o->o_len + DNS_A_RR_LEN + reserve > o->o_room)
			break;
		rd = dns_rr_start(o, owner, len, DNS_T_A, v->v_ttl);
		dns_put(o, &n->n_addrs[i], 4);	/* network byte order already */
		dns_rr_end(o, rd);
	}
	return i;
}

struct dns_sections {
	int	ds_an;
	int	ds_ns;
	int	ds_ar;
};

/* The answer and authority (and NS's additional) for a looked-up name. */
static void
dns_put_data(struct dns_out *o, const struct dns_view *v, const struct dns_query *dq,
    const struct dns_lookup *dl, int *rcode, struct dns_sections *ds, int cut)
{
	const struct dns_zone *z = &v->v_zones[dl->dl_zone];
	uint16_t t = dq->dq_qtype;
	size_t reserve = dq->dq_edns ? DNS_OPT_RR_LEN : 0;

	if (dl->dl_found == DNS_FOUND_NXDOMAIN) {
		*rcode = DNS_R_NXDOMAIN;
	} else if ((t == DNS_T_A || t == DNS_T_ANY) && dl->dl_name != NULL) {
		ds->ds_an = dns_put_a(o, v, dq->dq_qname, dq->dq_qname_len, dl->dl_name, cut,
		    reserve);
		return;
	} else if (dl->dl_apex && (t == DNS_T_SOA || t == DNS_T_ANY)) {
		dns_put_soa(o, v, z);
		ds->ds_an = 1;
		return;
	} else if (dl->dl_apex && t == DNS_T_NS) {
		size_t rd = dns_rr_start(o, dq->dq_qname, dq->dq_qname_len, DNS_T_NS, v->v_ttl);

		dns_put_name(o, z->z_ns, z->z_ns_len);
		dns_rr_end(o, rd);
		rd = dns_rr_start(o, z->z_ns, z->z_ns_len, DNS_T_A, v->v_ttl);
		dns_put(o, &v->v_dns_addr, 4);
		dns_rr_end(o, rd);
		ds->ds_an = 1;
		ds->ds_ar = 1;
		return;
	}
	/* NXDOMAIN, or the name is there without that type (NODATA) */
	dns_put_soa(o, v, z);
	ds->ds_ns = 1;
}

static void
dns_put_opt(struct dns_out *o, const struct dns_query *dq, int rcode)
{
	uint8_t root = 0;

	dns_put(o, &root, 1);
	dns_put16(o, DNS_T_OPT);
	dns_put16(o, DNS_EDNS_PAYLOAD);
	dns_put32(o, (uint32_t)(rcode >> 4) << 24 | (dq->dq_do ? 0x8000u : 0));
	dns_put16(o, 0);
}

/*
 * Builds the response to the read query dq into o: with its data when
 * full, else the question only (and TC).  rcode is given (an error) or
 * -1 (look it up).
 */
static void
dns_build(struct dns_out *o, const struct dns_view *v, const struct dns_query *dq, int rcode,
    int full, int cut)
{
	struct dns_sections ds = { 0, 0, 0 };
	struct dns_lookup dl;
	int aa = 0;
	uint8_t h[DNS_HDR_LEN] = { 0 };

	o->o_len = 0;
	o->o_over = 0;
	o->o_n_comp = 0;
	dns_put(o, h, sizeof(h));
	dns_put_name(o, dq->dq_qname, dq->dq_qname_len);
	dns_put16(o, dq->dq_qtype);
	dns_put16(o, dq->dq_qclass);
	if (rcode == -1) {
		dns_view_lookup(v, dq->dq_qname, dq->dq_qname_len, &dl);
		if (dl.dl_found == DNS_FOUND_REFUSED) {
			rcode = DNS_R_REFUSED;
		} else {
			rcode = DNS_R_NOERROR;
			aa = 1;
			if (full)
				dns_put_data(o, v, dq, &dl, &rcode, &ds, cut);
			else if (dl.dl_found == DNS_FOUND_NXDOMAIN)
				rcode = DNS_R_NXDOMAIN;
		}
	}
	if (dq->dq_edns) {
		dns_put_opt(o, dq, rcode);
		ds.ds_ar++;
	}
	if (o->o_len < DNS_HDR_LEN)
		return;
	dns_set16(o, 0, dq->dq_id);
	o->o_buf[2] = (uint8_t)(DNS_F_QR | (dq->dq_flags & (0x78 | DNS_F_RD)) | (aa ? DNS_F_AA : 0) |
	    (full ? 0 : DNS_F_TC));
	o->o_buf[3] = (uint8_t)(rcode & 0x0f);	/* RA, Z, AD, CD clear */
	dns_set16(o, 4, 1);
	dns_set16(o, 6, (uint16_t)ds.ds_an);
	dns_set16(o, 8, (uint16_t)ds.ds_ns);
	dns_set16(o, 10, (uint16_t)ds.ds_ar);
}

/* A header-only error response (a question we could not read, NOTIMP). */
static size_t
dns_error_header(const struct dns_query *dq, int rcode, uint8_t *resp, size_t room)
{
	if (room < DNS_HDR_LEN)
		return 0;
	memset(resp, 0, DNS_HDR_LEN);
	resp[0] = (uint8_t)(dq->dq_id >> 8);
	resp[1] = (uint8_t)dq->dq_id;
	resp[2] = (uint8_t)(DNS_F_QR | (dq->dq_flags & (0x78 | DNS_F_RD)));
	resp[3] = (uint8_t)rcode;
	return DNS_HDR_LEN;
}

size_t
dns_answer(const struct dns_view *v, const uint8_t *q, size_t qlen, uint8_t *resp,
    size_t room, enum dns_transport t, struct dns_result *res)
{
	struct dns_query dq;
	struct dns_out o;
	struct dns_result r = { -1, 0 };
	int rcode = -1;
	size_t limit = room;

	switch (dns_query_parse(q, qlen, &dq, &rcode)) {
	case DNS_PARSE_DROP:
		if (res != NULL)
			*res = r;
		return 0;
	case DNS_PARSE_ERROR:
		r.dr_rcode = rcode;
		o.o_len = dns_error_header(&dq, rcode, resp, room);
		if (o.o_len == 0)
			r.dr_rcode = -1;
		if (res != NULL)
			*res = r;
		return o.o_len;
	case DNS_PARSE_OK:
		rcode = -1;	/* to be looked up, unless an error below */
		break;
	}
	if (t == DNS_TCP) {
		if (limit > DNS_TCP_MAX)
			limit = DNS_TCP_MAX;
	} else {
		if (limit > dq.dq_payload)
			limit = dq.dq_payload;
		if (limit / DNS_UDP_AMPLIFY > qlen)
			limit = qlen * DNS_UDP_AMPLIFY;
	}
	if (dq.dq_edns && dq.dq_edns_version != 0)
		rcode = DNS_R_BADVERS;
	else if (dq.dq_qclass != DNS_C_IN || dq.dq_qtype == DNS_T_AXFR || dq.dq_qtype == DNS_T_IXFR)
		rcode = DNS_R_REFUSED;
	else if (dq.dq_qtype == DNS_T_OPT)
		rcode = DNS_R_FORMERR;	/* a pseudo type, never asked for */
	memset(&o, 0, sizeof(o));
	o.o_buf = resp;
	o.o_room = limit;
	dns_build(&o, v, &dq, rcode, 1, t == DNS_TCP);
	if (o.o_over) {
		/* too large for UDP: the question only, TC; at most the
		 * query's size, which fits unless the room is tiny */
		dns_build(&o, v, &dq, rcode, 0, 0);
		r.dr_truncated = 1;
	}
	if (o.o_over) {
		if (res != NULL)
			*res = (struct dns_result){ -1, 0 };
		return 0;
	}
	r.dr_rcode = (int)(o.o_buf[3] & 0x0f);
	if (dq.dq_edns && rcode == DNS_R_BADVERS)
		r.dr_rcode = DNS_R_BADVERS;
	if (res != NULL)
		*res = r;
	return o.o_len;
}
