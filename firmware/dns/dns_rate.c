/*
 * The responder's per-source rate limit: a token bucket per source
 * address in a fixed table (dns_serve-t.h says why it is bounded so).
 * The table is keyed with SipHash under a key drawn at start: sources
 * are spoofable, and a flood aimed at one bucket must not be able to
 * push out the sources of its choice.
 */
#include <string.h>

#include "netstack.h"
#include "ns_siphash.h"
#include "dns_rate.h"

/* ra's limit (per_s 0: none) and a fresh key.  0, or -1 without a random
 * source. */
int
dns_rate_init(struct dns_rate *ra, uint32_t per_s, uint32_t burst)
{
	uint8_t k[16];

	memset(ra->ra_tab, 0, sizeof(ra->ra_tab));
	dns_rate_set(ra, per_s, burst);
	if (ns_rand_bytes(k, sizeof(k)) != 0)
		return -1;
	ns_siphash_key(ra->ra_key, k);
	return 0;
}

/* A reload's limit: the sources keep their buckets, cut to the new
 * burst. */
void
dns_rate_set(struct dns_rate *ra, uint32_t per_s, uint32_t burst)
{
	ra->ra_per_s = per_s;
	ra->ra_burst = burst < per_s ? per_s : burst;
	for (int i = 0; i < DNS_RATE_SOURCES; i++)
		if (ra->ra_tab[i].re_tokens > ra->ra_burst)
			ra->ra_tab[i].re_tokens = ra->ra_burst;
}

/* The entry of addr, or the one it takes: a free one, else the one of
 * its bucket seen least recently (its source starts again full). */
static struct dns_rate_entry *
dns_rate_entry(struct dns_rate *ra, uint32_t addr, uint32_t now_ms)
{
	unsigned int b = (unsigned int)ns_siphash(ra->ra_key, &addr, sizeof(addr)) &
	    (DNS_RATE_SOURCES / DNS_RATE_WAYS - 1);
	struct dns_rate_entry *set = &ra->ra_tab[b * DNS_RATE_WAYS], *old = set;

	for (int w = 0; w < DNS_RATE_WAYS; w++) {
		if (set[w].re_addr == addr)
			return &set[w];
		if (set[w].re_addr == 0 || now_ms - set[w].re_ms > now_ms - old->re_ms)
			old = &set[w];
		if (set[w].re_addr == 0)
			break;
	}
	old->re_addr = addr;
	old->re_ms = now_ms;
	old->re_tokens = ra->ra_burst;
	old->re_over = 0;
	return old;
}

/*
 * One query from addr at now_ms: passes with a token, else is slipped
 * (every DNS_RATE_SLIP-th over the limit) or dropped.
 */
enum dns_rate_verdict
dns_rate_check(struct dns_rate *ra, uint32_t addr, uint32_t now_ms)
{
	struct dns_rate_entry *e;
	uint32_t ms;

	if (ra->ra_per_s == 0)
		return DNS_RATE_PASS;
	if (addr == 0)
		addr = 1;	/* 0 marks a free entry; 0.0.0.0 is no real source anyway */
	e = dns_rate_entry(ra, addr, now_ms);
	ms = now_ms - e->re_ms;
	if (ms > 0) {
		uint64_t t = e->re_tokens + (uint64_t)ms * ra->ra_per_s / 1000;

		/* Only whole tokens earned move the clock, so a source asking
		 * more often than a token a millisecond still earns them. */
		if (t > e->re_tokens || ms >= 1000) {
			e->re_tokens = t > ra->ra_burst ? ra->ra_burst : (uint32_t)t;
			e->re_ms = now_ms;
		}
	}
	if (e->re_tokens > 0) {
		e->re_tokens--;
		return DNS_RATE_PASS;
	}
	return ++e->re_over % DNS_RATE_SLIP == 0 ? DNS_RATE_SLIPPED : DNS_RATE_DROPPED;
}
