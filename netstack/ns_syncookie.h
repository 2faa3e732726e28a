/*
 * SYN cookies (RFC 4987, 3.6): the initial sequence number of a SYN-ACK
 * sent without keeping any state, from which the ACK that answers it
 * proves the handshake and gives back what the SYN said.  Pure functions
 * of a key and a clock period (ns_syncookie.c); lwIP's side is
 * ns_tcp_cookie.c.
 *
 * Layout, most significant bit first: a 24-bit MAC, a 3-bit index into
 * the MSS table, the peer's 4-bit window scale (NS_SYNCOOKIE_WS_NONE:
 * it offered none), the period's low bit.  The MAC, the first 24 bits of
 * SHA-256 over the key, the 4-tuple, the peer's initial sequence number,
 * the period and the cookie's low 8 bits, binds them all.  A cookie is
 * valid in its period and the next.
 */
#ifndef PRIVLINK_NS_SYNCOOKIE_H
#define PRIVLINK_NS_SYNCOOKIE_H

#include <stdint.h>

#define NS_SYNCOOKIE_KEY_LEN	32
#define NS_SYNCOOKIE_WS_NONE	15
/* lwIP, as RFC 7323, takes a scale of at most 14. */
#define NS_SYNCOOKIE_WS_MAX	14
#define NS_SYNCOOKIE_MSS_N	8

/* A SYN's connection: addresses in network byte order, ports in host
 * order, the peer's initial sequence number (the SYN's seqno). */
struct ns_syncookie_flow {
	uint32_t	sf_saddr;	/* the peer's */
	uint32_t	sf_daddr;	/* ours */
	uint16_t	sf_sport;
	uint16_t	sf_dport;
	uint32_t	sf_isn;
};

/* The cookie for a SYN announcing mss (0: none) and window scale wscale
 * (NS_SYNCOOKIE_WS_NONE: none) in clock period period. */
uint32_t ns_syncookie_make(const uint8_t key[static NS_SYNCOOKIE_KEY_LEN],
    const struct ns_syncookie_flow *f, uint64_t period, uint16_t mss, unsigned int wscale);
/* Whether cookie (the ACK's ackno - 1) is valid for f (its seqno - 1) in
 * period now or the one before; if so *mss and *wscale are what the SYN
 * said, the MSS rounded down to the table's (536 when it said none). */
int ns_syncookie_check(const uint8_t key[static NS_SYNCOOKIE_KEY_LEN],
    const struct ns_syncookie_flow *f, uint64_t now, uint32_t cookie, uint16_t *mss,
    unsigned int *wscale);
/* The MSS of a table index (< NS_SYNCOOKIE_MSS_N). */
uint16_t ns_syncookie_mss(unsigned int idx);

#endif
