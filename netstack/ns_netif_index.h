/*
 * lwIP's netifs by index in O(1) (ns_netif_index.c): ring_addr.c enters
 * each netif it adds and takes it out before netif_remove().
 */
#ifndef NS_NETIF_INDEX_H
#define NS_NETIF_INDEX_H

struct netif;

void	ns_netif_index_add(struct netif *);
void	ns_netif_index_remove(struct netif *);

#endif
