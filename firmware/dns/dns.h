/*
 * The DNS responder's pure part (no network stack): one consumer NIC's
 * names as a view built from a config, and the answer to one query.
 *
 * A view is what the responder on one [nic] with dns = serves: the zones
 * it is authoritative for (dns_zone =, or the parent zones of the names of
 * the services with an endpoint on that NIC), and for each name of a
 * service (fqdn =) the addresses of that service's Approved endpoints on
 * that NIC.  It is rebuilt from the running config on every reload, so a
 * name stops resolving the moment its endpoint leaves Approved.
 * `privlinkd -t` writes the same view as zone files (RFC 1035 master files).
 */
#ifndef PRIVLINK_DNS_H
#define PRIVLINK_DNS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cfg-t.h"

/* The largest message over UDP without EDNS0 (RFC 1035 4.2.1), and the
 * largest over TCP (a 16-bit length prefix, RFC 7766). */
#define DNS_UDP_MIN_PAYLOAD	512
#define DNS_TCP_MAX		65535

struct dns_view;

/* The view of config cfg's NIC number nic (which has dns =), with SOA
 * serial serial.  Returns NULL with errno set (ENOMEM). */
struct dns_view *dns_view_from_cfg(const struct pl_config *cfg, int nic, uint32_t serial);
void dns_view_free(struct dns_view *v);

enum dns_transport {
	DNS_UDP = 0,
	DNS_TCP,
};

/* What dns_answer did, for the responder's counters. */
struct dns_result {
	int		dr_rcode;	/* the response's RCODE (RFC 1035, 6895), -1: none sent */
	int		dr_truncated;	/* TC set (UDP only) */
};

/*
 * The response to the query message q (qlen bytes, without TCP's length
 * prefix) in view v, written to resp (room bytes).  Returns its length,
 * or 0 when nothing is to be sent (a response, or a message too broken to
 * answer at all).  Over UDP the answer fits the client's payload size
 * (512 without EDNS0) and a small multiple of qlen, else it is truncated
 * with TC set.  res may be NULL.
 */
size_t dns_answer(const struct dns_view *v, const uint8_t *q, size_t qlen, uint8_t *resp,
    size_t room, enum dns_transport t, struct dns_result *res);

/* Zones of v, and one as an RFC 1035 master file (for `privlinkd -t`).
 * dns_zone_write returns 0, or -1 with errno set when f fails. */
int dns_view_n_zones(const struct dns_view *v);
const char *dns_view_zone_name(const struct dns_view *v, int zone);
int dns_zone_write(FILE *f, const struct dns_view *v, int zone);

#endif
