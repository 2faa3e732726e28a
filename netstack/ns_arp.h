/*
 * The per-NIC neighbour cache: the table itself (ns_arp_cache.c, no lwIP
 * in it, so unit tests drive it alone) and the ARP protocol around it for
 * the packet NICs (ns_arp.c, prototypes in netstack.h).
 */
#ifndef PRIVLINK_NS_ARP_H
#define PRIVLINK_NS_ARP_H

#include <stddef.h>

#include "ns_arp-t.h"

/* Empties t and keys its hash with key. */
void ns_arp_cache_init(struct ns_arp_table *t, const uint8_t key[static NS_ARP_KEY_LEN]);
/* The two buckets (indices) ip may sit in. */
void ns_arp_cache_buckets(const struct ns_arp_table *t, uint32_t ip, unsigned int out[static 2]);
/* The entry for ip (network byte order), or NULL. */
struct ns_arp_entry *ns_arp_cache_find(struct ns_arp_table *t, uint32_t ip);
/* The slot a new entry for ip in state st (INCOMPLETE or LEARNED) takes
 * in its buckets: empty, or the entry to evict (the caller releases its packets first and
 * calls ns_arp_cache_clear); NULL when st may evict none of the bucket. */
struct ns_arp_entry *ns_arp_cache_victim(struct ns_arp_table *t, uint32_t ip,
    enum ns_arp_state st);
/* Fills an empty slot (from ns_arp_cache_victim) for ip in state st. */
void ns_arp_cache_take(struct ns_arp_table *t, struct ns_arp_entry *e, uint32_t ip,
    enum ns_arp_state st);
/* Empties e; its packets must have been released. */
void ns_arp_cache_clear(struct ns_arp_table *t, struct ns_arp_entry *e);
const char *ns_arp_state_name(enum ns_arp_state st);

#endif
