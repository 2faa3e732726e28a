/*
 * The per-NIC neighbour table: IPv4 address to MAC, in NS_ARP_BUCKETS
 * sets of NS_ARP_WAYS slots; an address may sit in either of two sets
 * chosen by a keyed SipHash of it.
 * No allocation, no lwIP: the ARP glue (ns_arp.c) owns what entries hold.
 */
#include <string.h>

#include "ns_arp.h"
#include "ns_siphash.h"

static const char *const ns_arp_state_names[NS_ARP_STATE_MAX] = {
	[NS_ARP_EMPTY] = "empty",
	[NS_ARP_INCOMPLETE] = "incomplete",
	[NS_ARP_LEARNED] = "learned",
	[NS_ARP_STABLE] = "stable",
};

const char *
ns_arp_state_name(enum ns_arp_state st)
{
	return (unsigned int)st < NS_ARP_STATE_MAX ? ns_arp_state_names[st] : "?";
}

void
ns_arp_cache_init(struct ns_arp_table *t, const uint8_t key[static NS_ARP_KEY_LEN])
{
	memset(t, 0, sizeof(*t));
	ns_siphash_key(t->at_key, key);
}

/* An address's two buckets, both from one keyed hash: it is put in the
 * one with more room ("two choices"), which fills a table evenly to near
 * its size: the first bucket overflows at three quarters full, where with
 * one bucket per address it did at two fifths. */
void
ns_arp_cache_buckets(const struct ns_arp_table *t, uint32_t ip, unsigned int out[static 2])
{
	uint64_t h = ns_siphash(t->at_key, &ip, sizeof(ip));

	out[0] = (unsigned int)(h & (NS_ARP_BUCKETS - 1));
	out[1] = (unsigned int)((h >> 32) & (NS_ARP_BUCKETS - 1));
}

static void
ns_arp_buckets(struct ns_arp_table *t, uint32_t ip, struct ns_arp_entry *b[static 2])
{
	unsigned int i[2];

	ns_arp_cache_buckets(t, ip, i);
	b[0] = &t->at_slots[i[0] * NS_ARP_WAYS];
	b[1] = &t->at_slots[i[1] * NS_ARP_WAYS];
}

struct ns_arp_entry *
ns_arp_cache_find(struct ns_arp_table *t, uint32_t ip)
{
	struct ns_arp_entry *b[2];

	ns_arp_buckets(t, ip, b);
	for (int k = 0; k < 2; k++)
		for (int w = 0; w < NS_ARP_WAYS; w++)
			if (b[k][w].ae_state != NS_ARP_EMPTY && b[k][w].ae_ip == ip)
				return &b[k][w];
	return NULL;
}

/*
 * The order of preference is the state header's (ns_arp-t.h): a request
 * from a random sender must not displace a neighbour the appliance talks
 * to, and a flood of sources that never answer (a SYN flood) recycles the
 * INCOMPLETE slots it already holds before anything else: each neighbour
 * in use it evicts leaves one in a bucket, so such a flood evicts at most
 * one per bucket however long it lasts.
 */
struct ns_arp_entry *
ns_arp_cache_victim(struct ns_arp_table *t, uint32_t ip, enum ns_arp_state st)
{
	struct ns_arp_entry *b[2], *empty[2] = { NULL, NULL }, *best[NS_ARP_STATE_MAX] = { NULL };
	uint32_t age[NS_ARP_STATE_MAX] = { 0 };
	int room[2] = { 0, 0 };

	ns_arp_buckets(t, ip, b);
	for (int k = 0; k < 2; k++) {
		for (int w = 0; w < NS_ARP_WAYS; w++) {
			struct ns_arp_entry *e = &b[k][w];
			uint32_t a;

			if (e->ae_state == NS_ARP_EMPTY) {
				if (room[k]++ == 0)
					empty[k] = e;
				continue;
			}
			if (e->ae_state >= NS_ARP_STATE_MAX)
				continue;
			a = t->at_now - (e->ae_state == NS_ARP_STABLE ? e->ae_used : e->ae_seen);
			if (best[e->ae_state] == NULL || a > age[e->ae_state]) {
				best[e->ae_state] = e;
				age[e->ae_state] = a;
			}
		}
	}
	if (room[0] > 0 || room[1] > 0)
		return room[1] > room[0] ? empty[1] : empty[0];
	if (st == NS_ARP_LEARNED)
		return best[NS_ARP_LEARNED];
	if (best[NS_ARP_INCOMPLETE] != NULL)
		return best[NS_ARP_INCOMPLETE];
	if (best[NS_ARP_LEARNED] != NULL)
		return best[NS_ARP_LEARNED];
	return best[NS_ARP_STABLE];
}

void
ns_arp_cache_take(struct ns_arp_table *t, struct ns_arp_entry *e, uint32_t ip,
    enum ns_arp_state st)
{
	memset(e, 0, sizeof(*e));
	e->ae_ip = ip;
	e->ae_state = (uint8_t)st;
	e->ae_seen = e->ae_used = t->at_now;
	t->at_n++;
}

void
ns_arp_cache_clear(struct ns_arp_table *t, struct ns_arp_entry *e)
{
	if (e->ae_state == NS_ARP_EMPTY)
		return;
	memset(e, 0, sizeof(*e));
	t->at_n--;
}
