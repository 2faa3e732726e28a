/*
 * Types of the per-NIC neighbour cache (ns_arp_cache.c, ns_arp.c).
 *
 * Each packet NIC (struct ns_port) has a table of its own: what one NIC
 * hears or sends can never evict another's entries.  lwIP's etharp table
 * was one for all NICs, so ARP from random senders on a consumer NIC
 * recycled the provider NIC's entries for the backends.
 */
#ifndef PRIVLINK_NS_ARP_T_H
#define PRIVLINK_NS_ARP_T_H

#include <stdint.h>

/* A table is NS_ARP_BUCKETS sets of NS_ARP_WAYS entries: 1,024 neighbours
 * per NIC, as Linux's default gc_thresh3, enough for a consumer network of
 * a thousand hosts talking to the appliance at once; about 56 KiB per NIC.
 * A new entry may only take a slot of its own two buckets, chosen by a
 * keyed hash (NS_ARP_KEY_LEN bytes drawn at start), so a peer cannot aim
 * its addresses at the buckets of someone else's entry, and lookup, insert
 * and eviction look at 2 * NS_ARP_WAYS slots at most. */
#define NS_ARP_BUCKETS		128	/* a power of two */
#define NS_ARP_WAYS		8
#define NS_ARP_SLOTS		(NS_ARP_BUCKETS * NS_ARP_WAYS)
#define NS_ARP_KEY_LEN		16	/* SipHash-2-4's key */
/* Packets held for a neighbour being resolved: the first SYNs of a few
 * connections to a backend (lwIP's first retransmission would come 3 s
 * later), as Linux's old unres_qlen of 3. */
#define NS_ARP_QUEUE_MAX	3

/* Ages are in ticks of NS_ARP_TICK_MS, driven by the stack's timers. */
#define NS_ARP_TICK_MS		1000
/* An entry lives this long after its neighbour last spoke ARP to us (as
 * lwIP's ARP_MAXAGE); one in use is asked again before (below). */
#define NS_ARP_MAXAGE		300
/* In use and this old: asked again by unicast, then by broadcast. */
#define NS_ARP_REFRESH_UNICAST	(NS_ARP_MAXAGE - 30)
#define NS_ARP_REFRESH_BCAST	(NS_ARP_MAXAGE - 15)
/* A neighbour that has not answered within this many ticks is given up
 * (its held packets dropped); it is asked once a tick until then. */
#define NS_ARP_PENDING_MAX	5

/*
 * An entry's state.  A new entry may take the slot of, in this order of
 * preference: an empty one, the oldest INCOMPLETE, the oldest LEARNED,
 * the least recently used STABLE; an entry learned from someone's request
 * may take only an empty or a LEARNED slot (ns_arp_cache_victim), so ARP
 * from random senders churns only what it made itself.
 */
enum ns_arp_state {
	NS_ARP_EMPTY = 0,
	NS_ARP_INCOMPLETE,	/* asked, no answer yet; packets may wait on it */
	NS_ARP_LEARNED,		/* from a request to us, not used by us yet */
	NS_ARP_STABLE,		/* answered us, or used for sending */
	NS_ARP_STATE_MAX
};

struct ns_arp_entry {
	uint32_t	ae_ip;		/* network byte order */
	uint8_t		ae_mac[6];
	uint8_t		ae_state;	/* enum ns_arp_state */
	uint8_t		ae_nq;		/* packets in ae_q */
	uint32_t	ae_seen;	/* tick: learned, or last heard from */
	uint32_t	ae_used;	/* tick: last used for sending */
	uint32_t	ae_asked;	/* tick: our last request for it */
	void		*ae_netif;	/* the address (struct netif) that asks */
	void		*ae_q[NS_ARP_QUEUE_MAX];	/* the glue's packets (pbufs) */
};

struct ns_arp_table {
	struct ns_arp_entry at_slots[NS_ARP_SLOTS];
	uint64_t	at_key[2];
	uint32_t	at_now;		/* ticks since the table started */
	unsigned int	at_n;		/* entries not EMPTY */
	uint8_t		at_ready;	/* keyed, its timer running */
};

#endif
