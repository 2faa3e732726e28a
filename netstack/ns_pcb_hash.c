/*
 * The keyed connection table (ns_pcb_hash.h).
 */
#include <stdlib.h>
#include <string.h>

#include "netstack.h"
#include "ns_pcb_hash.h"
#include "ns_siphash.h"

int
ns_htable_init(struct ns_htable *t, const uint8_t key[16])
{
	memset(t, 0, sizeof(*t));
	ns_siphash_key(t->ht_key, key);
	t->ht_buckets = ns_mem_calloc(NS_HASH_MIN_BUCKETS, sizeof(*t->ht_buckets));
	if (t->ht_buckets == NULL)
		return -1;
	t->ht_mask = NS_HASH_MIN_BUCKETS - 1;
	return 0;
}

void
ns_htable_free(struct ns_htable *t)
{
	ns_mem_free(t->ht_buckets);
	t->ht_buckets = NULL;
	memset(t->ht_key, 0, sizeof(t->ht_key));
}

uint32_t
ns_htable_hash(const struct ns_htable *t, const struct ns_tuple *k)
{
	unsigned char in[13];

	memcpy(in, &k->tu_lip, 4);
	memcpy(in + 4, &k->tu_rip, 4);
	memcpy(in + 8, &k->tu_lport, 2);
	memcpy(in + 10, &k->tu_rport, 2);
	in[12] = k->tu_netif;
	return (uint32_t)ns_siphash(t->ht_key, in, sizeof(in));
}

static int
ns_tuple_eq(const struct ns_tuple *a, const struct ns_tuple *b)
{
	return a->tu_lip == b->tu_lip && a->tu_rip == b->tu_rip &&
	    a->tu_lport == b->tu_lport && a->tu_rport == b->tu_rport &&
	    a->tu_netif == b->tu_netif;
}

/* Doubles the bucket array; stays as it is when there is no memory (the
 * chains only grow longer). */
static void
ns_htable_grow(struct ns_htable *t)
{
	uint32_t size = (t->ht_mask + 1) * 2;
	struct ns_hnode **b = ns_mem_calloc(size, sizeof(*b));

	if (b == NULL)
		return;
	for (uint32_t i = 0; i <= t->ht_mask; i++) {
		struct ns_hnode *n = t->ht_buckets[i], *next;

		for (; n != NULL; n = next) {
			next = n->hn_next;
			n->hn_next = b[n->hn_hash & (size - 1)];
			b[n->hn_hash & (size - 1)] = n;
		}
	}
	ns_mem_free(t->ht_buckets);
	t->ht_buckets = b;
	t->ht_mask = size - 1;
}

void
ns_htable_insert(struct ns_htable *t, struct ns_hnode *n)
{
	struct ns_hnode **b;

	if (t->ht_n >= NS_HASH_LOAD * (t->ht_mask + 1) && t->ht_mask + 1 < NS_HASH_MAX_BUCKETS)
		ns_htable_grow(t);
	n->hn_hash = ns_htable_hash(t, &n->hn_key);
	b = &t->ht_buckets[n->hn_hash & t->ht_mask];
	n->hn_next = *b;
	*b = n;
	t->ht_n++;
}

void
ns_htable_remove(struct ns_htable *t, struct ns_hnode *n)
{
	struct ns_hnode **pp = &t->ht_buckets[n->hn_hash & t->ht_mask];

	for (; *pp != NULL; pp = &(*pp)->hn_next)
		if (*pp == n) {
			*pp = n->hn_next;
			n->hn_next = NULL;
			t->ht_n--;
			return;
		}
}

struct ns_hnode *
ns_htable_find(const struct ns_htable *t, const struct ns_tuple *k)
{
	uint32_t h = ns_htable_hash(t, k);

	for (struct ns_hnode *n = t->ht_buckets[h & t->ht_mask]; n != NULL; n = n->hn_next)
		if (n->hn_hash == h && ns_tuple_eq(&n->hn_key, k))
			return n;
	return NULL;
}

unsigned int
ns_htable_longest(const struct ns_htable *t)
{
	unsigned int longest = 0;

	for (uint32_t i = 0; i <= t->ht_mask; i++) {
		unsigned int len = 0;

		for (const struct ns_hnode *n = t->ht_buckets[i]; n != NULL; n = n->hn_next)
			len++;
		if (len > longest)
			longest = len;
	}
	return longest;
}
