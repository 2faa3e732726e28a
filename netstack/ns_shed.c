/*
 * Shedding an address: while the firmware says an address's tenant holds
 * more than its share of memory near the heap's limit (firmware/proxy/share.c),
 * TCP segments with payload to that address are dropped here, before lwIP
 * allocates anything for them.  Segments without payload (ACKs, resets,
 * FINs) go on, so the tenant's connections still drain what they hold;
 * the dropped data is sent again by its sender once the tenant is below
 * its share.  Kept in the address's entry (ns_addr.c).
 */
#include <stddef.h>
#include <stdint.h>

#include "lwip/netif.h"

#include "netstack.h"
#include "prot/ip4.h"
#include "ns_addr.h"

void
ns_set_shed(struct netif *netif, uint32_t addr, int on)
{
	struct ns_addr *ra;

	if (netif != NULL && (ra = ns_addr_find(netif->state, addr)) != NULL)
		ra->ra_shed = on;
}

int
ns_shed_admit(struct ns_port *rp, const struct ns_addr *ra, const uint8_t *ip,
    size_t ip_len)
{
	size_t ihl, doff;

	if (!ra->ra_shed)
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
