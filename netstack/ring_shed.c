/*
 * Shedding an address: while the firmware says an address's tenant holds
 * more than its share of memory near the heap's limit (firmware/proxy/share.c),
 * TCP segments with payload to that address are dropped here, before lwIP
 * allocates anything for them.  Segments without payload (ACKs, resets,
 * FINs) go on, so the tenant's connections still drain what they hold;
 * the dropped data is sent again by its sender once the tenant is below
 * its share.  Kept per lwIP netif number, as ring_synrate.c's buckets.
 */
#include <stddef.h>
#include <stdint.h>

#include "lwip/netif.h"

#include "netstack.h"
#include "prot/ip4.h"

static const struct netif *ring_shed_netifs[RING_MAX_NETIFS + 1];

void
ring_set_shed(struct netif *netif, int on)
{
	if (netif == NULL)
		return;
	if (on)
		ring_shed_netifs[netif->num] = netif;
	else if (ring_shed_netifs[netif->num] == netif)
		ring_shed_netifs[netif->num] = NULL;
}

int
ring_shed_admit(struct ring_port *rp, struct netif *netif, const uint8_t *ip, size_t ip_len)
{
	size_t ihl, doff;

	if (ring_shed_netifs[netif->num] != netif)
		return 1;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	if (ip[IP4_OFF_PROTO] != IP4_PROTO_TCP || ip_len < ihl + TCP_HDR_LEN)
		return 1;
	doff = (size_t)(ip[ihl + TCP_OFF_DOFF] >> 4) * 4;
	if (ip_len <= ihl + doff)
		return 1;	/* no payload: it frees memory */
	rp->rp_stats.rs_rx_shed++;
	return 0;
}
