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
#include "ns_siphash.h"
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

/* A new address (not in t) whose two buckets are x and y. */
static uint32_t
ip_in(struct ns_arp_table *t, unsigned int x, unsigned int y)
{
	for (;;) {
		uint32_t ip = (uint32_t)next();
		unsigned int b[2];

		ns_arp_cache_buckets(t, ip, b);
		if (((b[0] == x && b[1] == y) || (b[0] == y && b[1] == x)) &&
		    ns_arp_cache_find(t, ip) == NULL)
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
	CHECK(ns_siphash(key, m, 0) == 0x726fdb47dd0e0e31ULL, "SipHash-2-4 of the empty message");
	CHECK(ns_siphash(key, m, 4) == 0xcf2794e0277187b7ULL, "SipHash-2-4 of 4 bytes (an address)");
	CHECK(ns_siphash(key, m, 8) == 0x93f5f5799a932462ULL, "SipHash-2-4 of 8 bytes");
	CHECK(ns_siphash(key, m, 15) == 0xa129ca6149be45e5ULL, "SipHash-2-4 of 15 bytes");
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
	CHECK(evictions > 0, "the flood evicted (%lu) within its own table", evictions);
	for (int i = 0; i < NS_ARP_SLOTS; i++) {
		struct ns_arp_entry *e = &a->at_slots[i];

		if (e->ae_state != NS_ARP_EMPTY && ns_arp_cache_find(a, e->ae_ip) != e)
			all_found = 0;
	}
	CHECK(all_found, "every entry is found where its bucket says");
	for (int i = 0; i < 1000; i++) {
		uint32_t ip = (uint32_t)next();
		unsigned int ba[2], bb[2];

		ns_arp_cache_buckets(a, ip, ba);
		ns_arp_cache_buckets(b, ip, bb);
		moved += ba[0] != bb[0] || ba[1] != bb[1];
	}
	CHECK(moved > 900, "the key decides the bucket: %d of 1000 addresses differ between two keys", moved);
}

/* Random neighbours until the first eviction: with two buckets per
 * address most of the table is used first. */
static void
test_fill(struct ns_arp_table *t)
{
	static const uint8_t k[NS_ARP_KEY_LEN] = "fill-the-table-k";

	ns_arp_cache_init(t, k);
	for (;;) {
		uint32_t ip = (uint32_t)next();
		struct ns_arp_entry *e = ns_arp_cache_victim(t, ip, NS_ARP_INCOMPLETE);

		if (e->ae_state != NS_ARP_EMPTY)
			break;
		ns_arp_cache_take(t, e, ip, NS_ARP_INCOMPLETE);
	}
	/* With one bucket per address the first overflowed at 402 on average. */
	CHECK(t->at_n >= NS_ARP_SLOTS * 2 / 3, "%u of %d slots are used before the first eviction",
	    t->at_n, NS_ARP_SLOTS);
}

/* A whole table of neighbours in use, half of each bucket used long ago:
 * floods of requests and of unanswered lookups. */
static void
test_full_table(struct ns_arp_table *t)
{
	static const uint8_t k[NS_ARP_KEY_LEN] = "full-table-key-1";
	unsigned int stable = 0, recent = 0;

	ns_arp_cache_init(t, k);
	for (int i = 0; i < 10000000 && t->at_n < NS_ARP_SLOTS; i++) {
		uint32_t ip = (uint32_t)next();
		struct ns_arp_entry *e = ns_arp_cache_victim(t, ip, NS_ARP_INCOMPLETE);

		if (e->ae_state == NS_ARP_EMPTY && ns_arp_cache_find(t, ip) == NULL)
			ns_arp_cache_take(t, e, ip, NS_ARP_STABLE);
	}
	t->at_now = 1000;
	for (int i = 0; i < NS_ARP_SLOTS; i++)
		t->at_slots[i].ae_used = (i & 1) ? 999 : 0;
	CHECK(t->at_n == NS_ARP_SLOTS, "the table is full of neighbours in use (%u)", t->at_n);
	evictions = refused = 0;
	for (int i = 0; i < 10000; i++)
		insert(t, (uint32_t)next(), NS_ARP_LEARNED);
	CHECK(evictions == 0 && refused == 10000 && t->at_n == NS_ARP_SLOTS,
	    "ARP requests from 10,000 random senders evict none of them (%lu refused)", refused);
	for (int i = 0; i < 100000; i++)
		insert(t, (uint32_t)next(), NS_ARP_INCOMPLETE);
	for (int i = 0; i < NS_ARP_SLOTS; i++) {
		stable += t->at_slots[i].ae_state == NS_ARP_STABLE;
		recent += t->at_slots[i].ae_state == NS_ARP_STABLE && t->at_slots[i].ae_used == 999;
	}
	CHECK(stable >= NS_ARP_SLOTS - NS_ARP_BUCKETS,
	    "100,000 unanswered lookups evict at most one neighbour in use per bucket (%u of %d kept)",
	    stable, NS_ARP_SLOTS);
	CHECK(recent == NS_ARP_SLOTS / 2, "and only ones used longest ago (%u of %d recent ones kept)",
	    recent, NS_ARP_SLOTS / 2);
}

/* The rules on the 16 slots two buckets give. */
static void
test_eviction(struct ns_arp_table *t)
{
	static const uint8_t k[NS_ARP_KEY_LEN] = "eviction-key-016";
	struct ns_arp_entry *e;
	uint32_t stable[2 * NS_ARP_WAYS], inc = 0;
	unsigned int x = 3, y = 77;
	int survived = 0, first_evicted;

	ns_arp_cache_init(t, k);
	/* Both buckets full of neighbours in use; stable[0] used longest ago. */
	for (int w = 0; w < 2 * NS_ARP_WAYS; w++) {
		stable[w] = ip_in(t, x, y);
		e = insert(t, stable[w], NS_ARP_INCOMPLETE);
		e->ae_state = NS_ARP_STABLE;
		t->at_now++;
		e->ae_used = t->at_now;
	}
	t->at_now += 10;
	evictions = refused = 0;
	for (int i = 0; i < 200; i++)
		insert(t, ip_in(t, x, y), NS_ARP_LEARNED);
	for (int w = 0; w < 2 * NS_ARP_WAYS; w++)
		survived += ns_arp_cache_find(t, stable[w]) != NULL;
	CHECK(survived == 2 * NS_ARP_WAYS && refused == 200 && evictions == 0,
	    "ARP requests from 200 random senders evict no neighbour in use (%d of %d kept, %lu refused)",
	    survived, 2 * NS_ARP_WAYS, refused);

	evictions = 0;
	for (int i = 0; i < 200; i++) {
		insert(t, ip_in(t, x, y), NS_ARP_INCOMPLETE);
		if (i % 20 == 0)
			t->at_now++;
	}
	first_evicted = ns_arp_cache_find(t, stable[0]) == NULL;
	survived = 0;
	for (int w = 1; w < 2 * NS_ARP_WAYS; w++)
		survived += ns_arp_cache_find(t, stable[w]) != NULL;
	CHECK(first_evicted && survived == 2 * NS_ARP_WAYS - 1 && evictions == 200,
	    "200 unanswered lookups cost one neighbour in use, the least recently used "
	    "(%d of %d others kept), then recycle their own slot", survived, 2 * NS_ARP_WAYS - 1);

	/* The INCOMPLETE entry now there is preferred to a LEARNED one. */
	for (int i = 0; i < NS_ARP_SLOTS; i++)
		if (t->at_slots[i].ae_state == NS_ARP_INCOMPLETE)
			inc = t->at_slots[i].ae_ip;
	e = ns_arp_cache_find(t, stable[1]);
	e->ae_state = NS_ARP_LEARNED;
	insert(t, ip_in(t, x, y), NS_ARP_INCOMPLETE);
	CHECK(inc != 0 && ns_arp_cache_find(t, inc) == NULL && ns_arp_cache_find(t, stable[1]) != NULL,
	    "a new lookup takes an unanswered one's slot before a learned neighbour's");
	insert(t, ip_in(t, x, y), NS_ARP_LEARNED);
	CHECK(ns_arp_cache_find(t, stable[1]) == NULL,
	    "a request from a new sender may replace a learned neighbour");
	ns_arp_cache_clear(t, ns_arp_cache_find(t, stable[2]));
	CHECK(t->at_n == 2 * NS_ARP_WAYS - 1, "clearing an entry frees its slot (%u held)", t->at_n);
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
	test_fill(a);
	test_full_table(a);
	test_eviction(a);
	free(a);
	free(b);
	return UNIT_DONE();
}
