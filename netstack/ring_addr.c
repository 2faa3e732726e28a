/*
 * Taking an address off a port for good: its netif removed and freed, its
 * slot and its lwIP netif number free for the next address.
 *
 * lwIP's netif_remove() would abort every TCP connection whose local
 * address is the netif's, on every netif: consumer networks overlap, two
 * NICs may carry the same IP, and a reload that frees an address on one
 * would reset the other's connections.  What belongs to this netif is
 * told by the pcb's netif binding instead (netif_idx: everything privlinkd
 * opens is bound, and accepted connections inherit their listener's), and
 * is dropped here first; then the netif's address is cleared, so that
 * netif_remove() finds nothing more to abort by address.
 */
#include <errno.h>
#include <stdlib.h>

#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"

#include "netstack.h"

/* How many lwIP netifs there are, on every port. */
int
ring_netif_count(void)
{
	struct netif *netif;
	int n = 0;

	NETIF_FOREACH(netif)
		n++;
	return n;
}

/* The first pcb of list bound to netif number idx, or NULL. */
static struct tcp_pcb *
ring_pcb_on(struct tcp_pcb *list, u8_t idx)
{
	for (struct tcp_pcb *pcb = list; pcb != NULL; pcb = pcb->next)
		if (pcb->netif_idx == idx)
			return pcb;
	return NULL;
}

/*
 * Whether something with an owner is still bound to netif number idx: a
 * listener, or a UDP pcb.  Its owner holds the pointer and must close it;
 * freeing it here would leave that dangling, and keeping it while lwIP
 * gives the number to another address would let it take that address's
 * traffic.
 */
static int
ring_netif_held(u8_t idx)
{
	for (struct tcp_pcb_listen *l = tcp_listen_pcbs.listen_pcbs; l != NULL; l = l->next)
		if (l->netif_idx == idx)
			return 1;
	for (struct udp_pcb *u = udp_pcbs; u != NULL; u = u->next)
		if (u->netif_idx == idx)
			return 1;
	return 0;
}

/*
 * Removes the netif of addr (network byte order) from the port and frees
 * it.  Connections bound to it are aborted (a reset to their peer; its
 * TIME_WAIT pcbs are just freed), ARP entries and frames queued on it are
 * dropped; nothing of any other netif is touched, whatever its address.
 * Returns how many connections were aborted, -ENOENT when the port does
 * not hold addr, or -EBUSY when a listener or UDP pcb is still bound to it
 * (the netif is then left down, its frames dropped, and may be removed
 * again once that is closed).
 */
int
ring_port_del_addr(struct ring_port *rp, uint32_t addr)
{
	struct netif *netif = NULL;
	struct tcp_pcb *pcb;
	int k, aborted = 0;
	u8_t idx;

	for (k = 0; k < rp->rp_n_netifs; k++)
		if (ip4_addr_get_u32(netif_ip4_addr(rp->rp_netifs[k])) == addr) {
			netif = rp->rp_netifs[k];
			break;
		}
	if (netif == NULL)
		return -ENOENT;
	netif_set_down(netif);	/* no more frames in; ARP entries go */
	idx = netif_get_index(netif);
	if (ring_netif_held(idx))
		return -EBUSY;
	ns_tcp_unpark_netif(idx);
	/* An aborted connection's error callback may abort others (the
	 * relay's other half): each search starts again from the head. */
	while ((pcb = ring_pcb_on(tcp_active_pcbs, idx)) != NULL ||
	    (pcb = ring_pcb_on(tcp_bound_pcbs, idx)) != NULL) {
		tcp_abort(pcb);
		aborted++;
	}
	/* Freed without a word or a callback (tcp_abandon of TIME_WAIT); left
	 * in place, a later netif given this number would send their ACKs. */
	while ((pcb = ring_pcb_on(tcp_tw_pcbs, idx)) != NULL)
		tcp_abort(pcb);
	/* What the resets above left waiting for an ARP answer, and every
	 * pointer to the netif kept beside it. */
	ns_arp_forget_netif(rp, netif);
	(void)ring_set_syn_rate(netif, 0, 0);
	ring_set_shed(netif, 0);
	/* With no address, netif_remove() aborts nothing by address. */
	ip4_addr_set_zero(ip_2_ip4(&netif->ip_addr));
	netif_remove(netif);
	free(netif);
	rp->rp_netifs[k] = rp->rp_netifs[--rp->rp_n_netifs];
	rp->rp_netifs[rp->rp_n_netifs] = NULL;
	return aborted;
}
