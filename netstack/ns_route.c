/*
 * Routing of packets lwIP sends without a netif-bound pcb: ICMP echo
 * replies and errors, resets for segments no pcb takes.  Consumer networks
 * may overlap (two NICs, both 10.0.0.0/24), so the destination alone
 * cannot tell the NIC: a packet made while handling input leaves by the
 * NIC that input came in on.  Everything privlinkd opens itself is bound
 * to its netif and never asks.
 */
#include "lwip/ip.h"
#include "lwip/netif.h"

#include "netstack_hooks.h"

struct netif *
ns_ip4_route_src(const ip4_addr_t *src, const ip4_addr_t *dest)
{
	struct netif *in = ip_current_input_netif();

	(void)src;
	if (in == NULL || !netif_is_up(in))
		return NULL;
	/* On the input NIC's subnet, or behind its gateway. */
	if (ip4_addr_net_eq(dest, netif_ip4_addr(in), netif_ip4_netmask(in)) ||
	    !ip4_addr_isany_val(*netif_ip4_gw(in)))
		return in;
	return NULL;
}
