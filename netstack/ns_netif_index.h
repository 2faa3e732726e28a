/*
 * The netifs privlinkd adds, by number (ns_netif_index.c).
 */
#ifndef PRIVLINK_NS_NETIF_INDEX_H
#define PRIVLINK_NS_NETIF_INDEX_H

struct netif;

/* netif is in lwIP's list now (netif_add): found by its number. */
void ns_netif_index_add(struct netif *netif);
/* netif leaves lwIP's list (before netif_remove): found no more. */
void ns_netif_index_del(struct netif *netif);

#endif
