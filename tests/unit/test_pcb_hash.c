/*
 * The keyed connection table (netstack/ns_pcb_hash.c) under ordinary and
 * adversarial keys: tuples an unkeyed hash would put in one bucket, and
 * tuples aimed at one bucket of a table whose key the attacker knew.
 */
#include <stdlib.h>
#include <string.h>

#include "ns_pcb_hash.h"
#include "unit.h"

#define N_RANDOM	100000
#define N_AIMED		2000

static struct ns_hnode nodes[N_RANDOM];

static void
key_of(uint8_t key[16], unsigned int seed)
{
	srand(seed);
	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)rand();
}

static struct ns_tuple
tuple(uint32_t lip, uint32_t rip, uint16_t lport, uint16_t rport, uint8_t netif)
{
	struct ns_tuple t;

	memset(&t, 0, sizeof(t));
	t.tu_lip = lip;
	t.tu_rip = rip;
	t.tu_lport = lport;
	t.tu_rport = rport;
	t.tu_netif = netif;
	return t;
}

static void
test_random(void)
{
	struct ns_htable t;
	uint8_t key[16];
	int found = 0, absent = 0, wrong = 0;

	key_of(key, 1);
	CHECK(ns_htable_init(&t, key) == 0, "a table is made");
	for (int i = 0; i < N_RANDOM; i++) {
		nodes[i].hn_key = tuple(0x0500000a, 0x0700000a + ((uint32_t)i << 24),
		    443, (uint16_t)(1024 + i % 60000), (uint8_t)(1 + i % 3));
		ns_htable_insert(&t, &nodes[i]);
	}
	CHECK(t.ht_n == N_RANDOM, "%u entries after %d inserts", t.ht_n, N_RANDOM);
	CHECK(t.ht_mask + 1 >= N_RANDOM / NS_HASH_LOAD,
	    "the bucket array grew with them: %u buckets", t.ht_mask + 1);
	for (int i = 0; i < N_RANDOM; i++)
		found += ns_htable_find(&t, &nodes[i].hn_key) == &nodes[i];
	CHECK(found == N_RANDOM, "every entry is found (%d)", found);
	for (int i = 0; i < N_RANDOM; i += 2)
		ns_htable_remove(&t, &nodes[i]);
	for (int i = 0; i < N_RANDOM; i++) {
		struct ns_hnode *n = ns_htable_find(&t, &nodes[i].hn_key);

		if (i % 2 == 0)
			absent += n == NULL;
		else
			wrong += n != &nodes[i];
	}
	CHECK(absent == N_RANDOM / 2 && wrong == 0,
	    "after removing half: %d removed ones absent, %d kept ones wrong", absent, wrong);
	{
		struct ns_tuple other = nodes[1].hn_key;

		other.tu_netif++;
		CHECK(ns_htable_find(&t, &other) == NULL,
		    "the same 4-tuple on another NIC is another connection");
	}
	ns_htable_free(&t);
}

/* Every tuple differs only in ports whose xor is the same, and in nothing
 * else: an unkeyed xor-fold hash puts them all in one bucket. */
static void
test_xor_colliding(void)
{
	struct ns_htable t;
	uint8_t key[16];
	unsigned int longest;

	key_of(key, 2);
	CHECK(ns_htable_init(&t, key) == 0, "a table is made");
	for (int i = 0; i < 65536; i++) {
		nodes[i].hn_key = tuple(0x0500000a, 0x0700000a, (uint16_t)i,
		    (uint16_t)(i ^ 0x5a5a), 1);
		ns_htable_insert(&t, &nodes[i]);
	}
	longest = ns_htable_longest(&t);
	/* 65,536 keys in 32,768 buckets: random placement makes the
	 * longest chain about 10; one bucket would make it 65,536. */
	CHECK(longest <= 20, "65,536 xor-colliding tuples: longest chain %u", longest);
	ns_htable_free(&t);
}

/* An attacker who knew the key could aim tuples at one bucket: the table
 * stays correct on such a chain, and the same tuples spread out in a table
 * keyed otherwise, as every appliance's is (a key drawn at start). */
static void
test_aimed(void)
{
	struct ns_htable known, fresh;
	uint8_t k1[16], k2[16];
	int n = 0, found = 0, gone = 0;
	uint32_t rip = 0x0700000a;

	key_of(k1, 3);
	key_of(k2, 4);
	CHECK(ns_htable_init(&known, k1) == 0 && ns_htable_init(&fresh, k2) == 0,
	    "two tables, two keys");
	for (uint32_t port = 0; n < N_AIMED; port++) {
		struct ns_tuple tu = tuple(0x0500000a, rip + ((port >> 16) << 24), 443,
		    (uint16_t)port, 1);

		if ((ns_htable_hash(&known, &tu) & (NS_HASH_MIN_BUCKETS - 1)) == 0)
			nodes[n++].hn_key = tu;
	}
	for (int i = 0; i < N_AIMED; i++)
		ns_htable_insert(&known, &nodes[i]);
	CHECK(ns_htable_longest(&known) == N_AIMED,
	    "aimed with the key known: one chain of %u", ns_htable_longest(&known));
	for (int i = 0; i < N_AIMED; i++)
		found += ns_htable_find(&known, &nodes[i].hn_key) == &nodes[i];
	CHECK(found == N_AIMED, "every entry of the long chain is found (%d)", found);
	for (int i = N_AIMED - 1; i >= 0; i -= 3)
		ns_htable_remove(&known, &nodes[i]);
	for (int i = 0; i < N_AIMED; i++) {
		struct ns_hnode *h = ns_htable_find(&known, &nodes[i].hn_key);

		if ((N_AIMED - 1 - i) % 3 == 0)
			gone += h == NULL;
		else
			found += h == &nodes[i];
	}
	CHECK(gone == (N_AIMED + 2) / 3 && found == N_AIMED + N_AIMED - (N_AIMED + 2) / 3,
	    "removals in the long chain take only their own entries");
	ns_htable_free(&known);

	for (int i = 0; i < N_AIMED; i++)
		ns_htable_insert(&fresh, &nodes[i]);
	CHECK(ns_htable_longest(&fresh) <= 12,
	    "the same tuples under another key: longest chain %u", ns_htable_longest(&fresh));
	ns_htable_free(&fresh);
}

int
main(void)
{
	test_random();
	test_xor_colliding();
	test_aimed();
	return UNIT_DONE();
}
