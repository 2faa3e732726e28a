/*
 * Routing of packets lwIP sends without a netif-bound pcb: ICMP echo
 * replies and errors, resets for segments no pcb takes.  Everything
 * privlinkd opens itself is bound to its netif and never asks.
 *
 * The rule: what a frame from NIC X causes leaves by NIC X or not at all.
 * Consumer networks may overlap and belong to other tenants, so neither
 * the destination (lwIP's own routing walks every netif by subnet) nor
 * the source tells the NIC: a packet made while handling input leaves by
 * the netif that input came in on, when its destination is on that
 * netif's subnet or behind its gateway; anything else (a spoofed source
 * from another network, an ICMP error made by a timer, as reassembly's
 * "time exceeded") goes to a netif that discards it.  lwIP falls back to
 * its own routing only when the hook answers NULL, so it never does.
 *
 * Every ICMP message the appliance sends (echo replies and errors: it
 * sends no other) is rate-limited per port, as Linux limits ICMP
 * (net.ipv4.icmp_msgs_per_sec): a flood of junk must not turn the
 * appliance into a reflector.  ns_tx.c asks ns_icmp_allow() for each.
 */
#include "lwip/ip.h"
#include "lwip/netif.h"
#include "lwip/sys.h"

#include "netstack.h"
#include "netstack_hooks.h"

static struct netif ns_discard;
static uint64_t ns_discarded;

static err_t
ns_discard_output(struct netif *netif, struct pbuf *p, const ip4_addr_t *dest)
{
	(void)netif;
	(void)p;
	(void)dest;
	ns_discarded++;
	return ERR_OK;		/* lwIP frees p */
}

/* The discard netif is never added to lwIP's list: nothing routes to it
 * but this hook, and no frame arrives on it. */
static struct netif *
ns_discard_netif(void)
{
	if (ns_discard.output == NULL) {
		ns_discard.output = ns_discard_output;
		ns_discard.mtu = 1500;
		ns_discard.flags = NETIF_FLAG_UP | NETIF_FLAG_LINK_UP;
		NETIF_SET_CHECKSUM_CTRL(&ns_discard, 0);
	}
	return &ns_discard;
}

/* Takes a token of rp's bucket for one ICMP message: 0, or -1 (counted)
 * when the port is over its rate. */
int
ns_icmp_allow(struct ns_port *rp)
{
	uint32_t now = sys_now(), ms = now - rp->rp_icmp_ms;

	if (ms > 0) {
		uint64_t t = rp->rp_icmp_tokens + (uint64_t)ms * NS_ICMP_PER_S / 1000;

		/* Only whole tokens earned move the clock. */
		if (t > rp->rp_icmp_tokens || ms >= 1000) {
			rp->rp_icmp_tokens = t > NS_ICMP_BURST ? NS_ICMP_BURST : (uint32_t)t;
			rp->rp_icmp_ms = now;
		}
	}
	if (rp->rp_icmp_tokens == 0) {
		rp->rp_stats.rs_tx_rate_limited++;
		return -1;
	}
	rp->rp_icmp_tokens--;
	return 0;
}

struct netif *
ns_ip4_route_src(const ip4_addr_t *src, const ip4_addr_t *dest)
{
	struct netif *in = ip_current_input_netif();
	struct ns_port *rp;

	(void)src;
	if (in == NULL || !netif_is_up(in) || in->output == ns_discard_output)
		return ns_discard_netif();
	rp = in->state;
	/* On the input NIC's subnet, or behind its gateway. */
	if (!ip4_addr_net_eq(dest, netif_ip4_addr(in), netif_ip4_netmask(in)) &&
	    ip4_addr_isany_val(*netif_ip4_gw(in))) {
		rp->rp_stats.rs_tx_no_route++;
		return ns_discard_netif();
	}
	return in;
}

uint64_t
ns_route_discarded(void)
{
	return ns_discarded;
}
