/*
 * A netif by its number in O(1).  lwIP's netif_get_by_index() walks every
 * netif, and tcp_output asks it for each segment of a pcb bound to a
 * netif, which is every pcb of privlinkd's: with one netif per NIC, a
 * segment's cost grew with the NICs (with 200 VLAN NICs that walk was the
 * largest single symbol of a connection's profile, 13 %).  The linker
 * sends lwIP's calls here (--wrap=netif_get_by_index, Makefile); a number
 * the table does not hold (a netif added by someone else, none) is asked
 * of lwIP.
 */
#include "lwip/netif.h"

#include "ns_netif_index.h"

/* lwIP numbers netifs 1..255 (u8_t, 0 meaning none). */
#define NS_NETIF_INDEX_MAX	256

static struct netif *ns_netif_by_index[NS_NETIF_INDEX_MAX];

struct netif *__real_netif_get_by_index(u8_t idx);
struct netif *__wrap_netif_get_by_index(u8_t idx);

void
ns_netif_index_add(struct netif *netif)
{
	ns_netif_by_index[netif_get_index(netif)] = netif;
}

void
ns_netif_index_del(struct netif *netif)
{
	u8_t idx = netif_get_index(netif);

	if (ns_netif_by_index[idx] == netif)
		ns_netif_by_index[idx] = NULL;
}

struct netif *
__wrap_netif_get_by_index(u8_t idx)
{
	struct netif *netif = ns_netif_by_index[idx];

	return netif != NULL ? netif : __real_netif_get_by_index(idx);
}
