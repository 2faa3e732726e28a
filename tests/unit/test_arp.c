/*
 * The per-NIC neighbour table (netstack/ns_arp_cache.c): SipHash-2-4
 * against the reference vectors, tables that never share an entry, a
 * bound on what a flood of random addresses can make a table hold, and
 * the eviction rules: ARP from random senders displaces only entries it
 * made itself, a flood of unanswered lookups recycles its own slot, and
 * a used neighbour goes last, least recently used first.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ns_arp.h"
#include "unit.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static unsigned long evictions, refused;

static uint64_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* What ns_arp.c does for a new neighbour: the existing entry, else a slot
 * of its bucket (counted as an eviction if it held one), else refused. */
static struct ns_arp_entry *
insert(struct ns_arp_table *t, uint32_t ip, enum ns_arp_state st)
{
	struct ns_arp_entry *e = ns_arp_cache_find(t, ip);

	if (e != NULL)
		return e;
	if ((e = ns_arp_cache_victim(t, ip, st)) == NULL) {
		refused++;
		return NULL;
	}
	if (e->ae_state != NS_ARP_EMPTY) {
		evictions++;
		ns_arp_cache_clear(t, e);
	}
	ns_arp_cache_take(t, e, ip, st);
	return e;
}

static long
bucket_of(struct ns_arp_table *t, uint32_t ip)
{
	struct ns_arp_entry *e = ns_arp_cache_find(t, ip);

	if (e == NULL)
		e = ns_arp_cache_victim(t, ip, NS_ARP_INCOMPLETE);
	return (e - t->at_slots) / NS_ARP_WAYS;
}

/* An address (not yet in t) whose bucket is b. */
static uint32_t
ip_in_bucket(struct ns_arp_table *t, long b)
{
	for (;;) {
		uint32_t ip = (uint32_t)next();

		if (ns_arp_cache_find(t, ip) == NULL && bucket_of(t, ip) == b)
			return ip;
	}
}

static void
test_siphash(void)
{
	uint8_t k[16], m[15];
	uint64_t key[2];

	for (int i = 0; i < 16; i++)
		k[i] = (uint8_t)i;
	for (int i = 0; i < 15; i++)
		m[i] = (uint8_t)i;
	memcpy(&key[0], k, 8);	/* the test host is little-endian, as the key's halves */
	memcpy(&key[1], k + 8, 8);
	CHECK(ns_arp_siphash(key, m, 0) == 0x726fdb47dd0e0e31ULL, "SipHash-2-4 of the empty message");
	CHECK(ns_arp_siphash(key, m, 4) == 0xcf2794e0277187b7ULL, "SipHash-2-4 of 4 bytes (an address)");
	CHECK(ns_arp_siphash(key, m, 8) == 0x93f5f5799a932462ULL, "SipHash-2-4 of 8 bytes");
	CHECK(ns_arp_siphash(key, m, 15) == 0xa129ca6149be45e5ULL, "SipHash-2-4 of 15 bytes");
}

static void
test_two_nics(struct ns_arp_table *a, struct ns_arp_table *b)
{
	static const uint8_t ka[NS_ARP_KEY_LEN] = "consumer-nic-key", kb[NS_ARP_KEY_LEN] = "provider-nic-key";
	uint32_t backends[16];
	int kept = 0, moved = 0, all_found = 1;

	ns_arp_cache_init(a, ka);
	ns_arp_cache_init(b, kb);
	for (int i = 0; i < 16; i++) {
		backends[i] = (uint32_t)next();
		insert(b, backends[i], NS_ARP_INCOMPLETE)->ae_state = NS_ARP_STABLE;
	}
	evictions = refused = 0;
	for (int i = 0; i < 200000; i++) {
		insert(a, (uint32_t)next(), (i & 1) ? NS_ARP_LEARNED : NS_ARP_INCOMPLETE);
		if (i % 1000 == 0)
			a->at_now++;
	}
	for (int i = 0; i < 16; i++)
		kept += ns_arp_cache_find(b, backends[i]) != NULL;
	CHECK(kept == 16 && b->at_n == 16, "a flood on one NIC's table leaves another's entries (%d of 16)", kept);
	CHECK(a->at_n <= NS_ARP_SLOTS, "200,000 random neighbours: the table holds %u, at most %d",
	    a->at_n, NS_ARP_SLOTS);
	CHECK(evictions > 0 && refused > 0, "the flood evicted (%lu) and was refused (%lu) within its table",
	    evictions, refused);
	for (int i = 0; i < NS_ARP_SLOTS; i++) {
		struct ns_arp_entry *e = &a->at_slots[i];

		if (e->ae_state != NS_ARP_EMPTY && ns_arp_cache_find(a, e->ae_ip) != e)
			all_found = 0;
	}
	CHECK(all_found, "every entry is found where its bucket says");
	for (int i = 0; i < 1000; i++) {
		uint32_t ip = (uint32_t)next();

		moved += bucket_of(a, ip) != bucket_of(b, ip);
	}
	CHECK(moved > 900, "the key decides the bucket: %d of 1000 addresses differ between two keys", moved);
}

static void
test_eviction(struct ns_arp_table *t)
{
	static const uint8_t k[NS_ARP_KEY_LEN] = "eviction-key-016";
	struct ns_arp_entry *e;
	uint32_t stable[NS_ARP_WAYS], inc;
	long b;
	int survived = 0, first_evicted;

	ns_arp_cache_init(t, k);
	b = bucket_of(t, (uint32_t)next());
	/* A bucket full of neighbours in use; stable[0] used longest ago. */
	for (int w = 0; w < NS_ARP_WAYS; w++) {
		stable[w] = ip_in_bucket(t, b);
		e = insert(t, stable[w], NS_ARP_INCOMPLETE);
		e->ae_state = NS_ARP_STABLE;
		t->at_now++;
		e->ae_used = t->at_now;
	}
	t->at_now += 10;
	evictions = refused = 0;
	for (int i = 0; i < 1000; i++)
		insert(t, ip_in_bucket(t, b), NS_ARP_LEARNED);
	for (int w = 0; w < NS_ARP_WAYS; w++)
		survived += ns_arp_cache_find(t, stable[w]) != NULL;
	CHECK(survived == NS_ARP_WAYS && refused == 1000 && evictions == 0,
	    "ARP requests from 1000 random senders evict no neighbour in use (%d of %d kept, %lu refused)",
	    survived, NS_ARP_WAYS, refused);

	evictions = 0;
	for (int i = 0; i < 1000; i++) {
		insert(t, ip_in_bucket(t, b), NS_ARP_INCOMPLETE);
		if (i % 100 == 0)
			t->at_now++;
	}
	first_evicted = ns_arp_cache_find(t, stable[0]) == NULL;
	survived = 0;
	for (int w = 1; w < NS_ARP_WAYS; w++)
		survived += ns_arp_cache_find(t, stable[w]) != NULL;
	CHECK(first_evicted && survived == NS_ARP_WAYS - 1 && evictions == 1000,
	    "1000 unanswered lookups in one bucket cost one neighbour in use, the least recently used "
	    "(%d of %d others kept), then recycle their own slot", survived, NS_ARP_WAYS - 1);

	/* The INCOMPLETE entry now there is preferred to a LEARNED one. */
	inc = 0;
	for (int w = 0; w < NS_ARP_WAYS; w++) {
		e = &t->at_slots[b * NS_ARP_WAYS + w];
		if (e->ae_state == NS_ARP_INCOMPLETE)
			inc = e->ae_ip;
	}
	e = ns_arp_cache_find(t, stable[1]);
	e->ae_state = NS_ARP_LEARNED;
	insert(t, ip_in_bucket(t, b), NS_ARP_INCOMPLETE);
	CHECK(ns_arp_cache_find(t, inc) == NULL && ns_arp_cache_find(t, stable[1]) != NULL,
	    "a new lookup takes an unanswered one's slot before a learned neighbour's");
	insert(t, ip_in_bucket(t, b), NS_ARP_LEARNED);
	CHECK(ns_arp_cache_find(t, stable[1]) == NULL,
	    "a request from a new sender may replace a learned neighbour");
	CHECK(strcmp(ns_arp_state_name(NS_ARP_INCOMPLETE), "incomplete") == 0 &&
	    strcmp(ns_arp_state_name(NS_ARP_STATE_MAX), "?") == 0, "state names");
}

int
main(void)
{
	struct ns_arp_table *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));

	if (a == NULL || b == NULL)
		return 1;
	test_siphash();
	test_two_nics(a, b);
	test_eviction(a);
	free(a);
	free(b);
	return UNIT_DONE();
}
