/*
 * lwIP's netif_get_by_index() walks the list of netifs, and lwIP calls it
 * for every segment a TCP connection sends (tcp_route(): a pcb names its
 * netif by index) and for every timer pass over the connections.  With
 * one netif per NIC that made a frame cost more the more NICs (VLANs) a
 * drop has: 6 % of privlinkd's time with 200 VLAN NICs under the conn/s
 * load of `make bench`.  The linker sends lwIP's calls here (--wrap, in
 * the Makefile): a table by index of the netifs ring_addr.c adds.  A
 * netif that is not in it (none is today) is still found by lwIP's walk.
 */
#include "lwip/netif.h"

#include "ns_netif_index.h"

/* netif_get_index() is num + 1, a u8_t: 1..255 (0: no netif). */
#define NS_NETIF_INDEXES	256

static struct netif *ns_netifs[NS_NETIF_INDEXES];

struct netif *__real_netif_get_by_index(u8_t idx);
struct netif *__wrap_netif_get_by_index(u8_t idx);

void
ns_netif_index_add(struct netif *netif)
{
	ns_netifs[netif_get_index(netif)] = netif;
}

void
ns_netif_index_remove(struct netif *netif)
{
	if (ns_netifs[netif_get_index(netif)] == netif)
		ns_netifs[netif_get_index(netif)] = NULL;
}

struct netif *
__wrap_netif_get_by_index(u8_t idx)
{
	if (idx == NETIF_NO_INDEX)
		return NULL;
	if (ns_netifs[idx] != NULL)
		return ns_netifs[idx];
	return __real_netif_get_by_index(idx);
}
