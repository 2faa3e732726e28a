/*
 * A hash table of connections by 4-tuple and NIC, keyed with a secret.
 *
 * Consumers choose their source addresses and ports: with a hash they
 * could compute, they would aim every connection at one bucket and make
 * each lookup a walk.  The hash is SipHash-2-4 (ns_siphash.c) of the tuple
 * under a key drawn at start, so without the key a collision is a guess.  Nodes
 * are the caller's (intrusive, no allocation per entry); the bucket array
 * doubles as entries come, so a chain stays about two entries long.
 */
#ifndef PRIVLINK_NS_PCB_HASH_H
#define PRIVLINK_NS_PCB_HASH_H

#include <stddef.h>
#include <stdint.h>


/* Buckets at first, and at most (2^22 pointers: 32 MiB). */
#define NS_HASH_MIN_BUCKETS	1024u
#define NS_HASH_MAX_BUCKETS	(1u << 22)
/* Entries per bucket on average before the array doubles. */
#define NS_HASH_LOAD		2u

/* Addresses as lwIP keeps them (network order), ports in host order. */
struct ns_tuple {
	uint32_t	tu_lip;		/* local: the appliance's address */
	uint32_t	tu_rip;		/* remote: the peer's */
	uint16_t	tu_lport;
	uint16_t	tu_rport;
	uint8_t		tu_netif;	/* lwIP's netif number + 1 */
};

struct ns_hnode {
	struct ns_hnode	*hn_next;
	struct ns_tuple	hn_key;
	uint32_t	hn_hash;
};

struct ns_htable {
	struct ns_hnode		**ht_buckets;
	uint32_t		ht_mask;	/* buckets - 1 */
	uint32_t		ht_n;
	uint64_t		ht_key[2];
};

/* 0, or -1 (no memory). */
int ns_htable_init(struct ns_htable *t, const uint8_t key[16]);
void ns_htable_free(struct ns_htable *t);
uint32_t ns_htable_hash(const struct ns_htable *t, const struct ns_tuple *k);
/* n's key must be set; n must not be in the table. */
void ns_htable_insert(struct ns_htable *t, struct ns_hnode *n);
void ns_htable_remove(struct ns_htable *t, struct ns_hnode *n);
struct ns_hnode *ns_htable_find(const struct ns_htable *t, const struct ns_tuple *k);
/* The longest chain, for tests and the status. */
unsigned int ns_htable_longest(const struct ns_htable *t);

#endif
