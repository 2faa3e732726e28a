/*
 * Inside the DNS responder's pure part: the view's layout, the wire
 * constants, and the parsed query.  Names are held in wire form (length
 * prefixed labels ending in the root's 0), in lower case; the longest is
 * DNS_NAME_MAX bytes (RFC 1035 3.1).
 */
#ifndef PRIVLINK_DNS_PRIV_H
#define PRIVLINK_DNS_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "dns.h"

#define DNS_NAME_MAX		255
#define DNS_LABEL_MAX		63
#define DNS_HDR_LEN		12

/* Types, classes, opcodes, rcodes we speak (RFC 1035, 6891, 8482). */
#define DNS_T_A			1
#define DNS_T_NS		2
#define DNS_T_SOA		6
#define DNS_T_OPT		41
#define DNS_T_IXFR		251
#define DNS_T_AXFR		252
#define DNS_T_ANY		255
#define DNS_C_IN		1
#define DNS_OP_QUERY		0
#define DNS_R_NOERROR		0
#define DNS_R_FORMERR		1
#define DNS_R_NXDOMAIN		3
#define DNS_R_NOTIMP		4
#define DNS_R_REFUSED		5
#define DNS_R_BADVERS		16	/* 12 bits: 1 in the OPT's extended RCODE */

/* Header flag bits of its third and fourth bytes. */
#define DNS_F_QR		0x80
#define DNS_F_AA		0x04
#define DNS_F_TC		0x02
#define DNS_F_RD		0x01
#define DNS_OPCODE(b2)		(((b2) >> 3) & 0x0f)

/* The payload size we advertise and accept over UDP (RFC 6891 6.2.5; the
 * DNS flag day 2020 figure, which no path fragments). */
#define DNS_EDNS_PAYLOAD	1232
/* A UDP answer is at most this many times its query's size, or it is
 * truncated (TC) and the client asks again over TCP, where its address
 * is proven.  A query for a short name is about 40 bytes: 8 times lets
 * its answer carry an SOA or some 16 addresses, yet a spoofed source
 * gets little more back than it sent. */
#define DNS_UDP_AMPLIFY		8
/* The responder's own name in each zone (NS and SOA MNAME), and the
 * SOA's mailbox (RNAME); config/cfg_dns.c refuses an fqdn equal to NS. */
#define DNS_NS_LABEL		"ns"
#define DNS_RNAME_LABEL		"hostmaster"
/* SOA timers: only secondaries read them, and there are none; RFC 1912's
 * values.  The SOA's MINIMUM and TTL are the NIC's dns_ttl, so a name not
 * there yet (its endpoint Pending) is cached as absent that long only. */
#define DNS_SOA_REFRESH		3600
#define DNS_SOA_RETRY		600
#define DNS_SOA_EXPIRE		86400

struct dns_zone {
	uint8_t		z_wire[DNS_NAME_MAX];
	size_t		z_len;
	char		z_text[CFG_FQDN_MAX];
	uint8_t		z_ns[DNS_NAME_MAX];	/* ns.ZONE */
	size_t		z_ns_len;
	uint8_t		z_rname[DNS_NAME_MAX];	/* hostmaster.ZONE */
	size_t		z_rname_len;
};

/* A name with addresses: an fqdn of a service with Approved endpoints
 * here, or ZONE's ns. */
struct dns_name {
	uint8_t		n_wire[DNS_NAME_MAX];	/* without "*" when n_wild */
	size_t		n_len;
	int		n_wild;			/* *.n_wire: names below it */
	int		n_zone;
	const uint32_t	*n_addrs;		/* into the view's v_addrs */
	int		n_n_addrs;
};

struct dns_view {
	struct dns_zone	*v_zones;
	int		v_n_zones;
	struct dns_name	*v_names;
	int		v_n_names;
	uint32_t	*v_addrs;
	int		v_n_addrs;
	uint32_t	v_dns_addr;
	uint32_t	v_ttl;
	uint32_t	v_serial;
	char		v_nic[CFG_NAME_MAX];
};

/* What a lookup found (dns_view.c). */
enum dns_found {
	DNS_FOUND_REFUSED = 0,	/* outside every zone */
	DNS_FOUND_NXDOMAIN,
	DNS_FOUND_NAME,		/* the name exists: df_name's data, or none */
};

struct dns_lookup {
	enum dns_found	dl_found;
	int		dl_zone;
	const struct dns_name *dl_name;	/* its A records, NULL: no data */
	int		dl_apex;	/* the zone's apex: SOA and NS */
};

void dns_view_lookup(const struct dns_view *v, const uint8_t *name, size_t len,
    struct dns_lookup *dl);
int dns_name_from_text(const char *text, uint8_t out[static DNS_NAME_MAX], size_t *len);
int dns_name_to_text(const uint8_t *wire, size_t len, char *out, size_t room);

/* A query as dns_wire.c read it. */
struct dns_query {
	uint16_t	dq_id;
	uint8_t		dq_flags;	/* the header's third byte (QR, opcode, AA, TC, RD) */
	uint8_t		dq_qname[DNS_NAME_MAX];	/* as asked: case kept */
	size_t		dq_qname_len;
	uint16_t	dq_qtype;
	uint16_t	dq_qclass;
	int		dq_edns;	/* an OPT was there */
	uint16_t	dq_payload;	/* its size, at least 512 */
	uint8_t		dq_edns_version;
	int		dq_do;		/* the DNSSEC OK bit, echoed (RFC 3225 3) */
};

/* What the message is: read, or answer with an error (rcode), or drop. */
enum dns_parse {
	DNS_PARSE_OK = 0,
	DNS_PARSE_DROP,		/* too short for a header, or a response */
	DNS_PARSE_ERROR,	/* answer dq_id with the rcode given */
};

enum dns_parse dns_query_parse(const uint8_t *q, size_t qlen, struct dns_query *dq, int *rcode);
int dns_name_read(const uint8_t *msg, size_t len, size_t *pos, uint8_t out[static DNS_NAME_MAX],
    size_t *out_len);

#endif
