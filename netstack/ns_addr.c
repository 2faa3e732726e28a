/*
 * The addresses the appliance holds: one table for all ports, keyed by
 * port and address, so a frame finds its address in O(1) however many
 * endpoints and NAT IPs there are.  The hash is SipHash-2-4 under a key
 * drawn at start: a consumer choosing destination addresses cannot aim
 * them at one bucket.
 *
 * Each port is one lwIP netif (ns_port_add_addr makes it with the
 * first address); lwIP knows only that netif.  What is bound to an
 * address is told by the pcb's netif binding (netif_idx: everything
 * privlinkd opens is bound, and accepted connections inherit their
 * listener's) and its local address.  Taking an address away aborts just
 * those pcbs: lwIP's netif_remove() would abort every TCP connection
 * whose local address is the netif's, on every netif, and consumer
 * networks overlap.
 */
#include <errno.h>
#include <stdlib.h>

#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"
#include "netif/ethernet.h"

#include "netstack.h"
#include "ns_netif_index.h"
#include "ns_siphash.h"
#include "ns_addr.h"

/* Buckets: a power of two, twice the addresses at most. */
#define NS_ADDR_BUCKETS	(2 * NS_MAX_ADDRS)

static struct ns_addr *ns_addr_table[NS_ADDR_BUCKETS];
static uint64_t ns_addr_key[2];
static int ns_addr_keyed;
static unsigned int ns_addr_n;

struct ns_addr *ns_addr_current;

_Static_assert((NS_ADDR_BUCKETS & (NS_ADDR_BUCKETS - 1)) == 0, "a power of two");

static unsigned int
ns_addr_bucket(const struct ns_port *rp, uint32_t addr)
{
	struct {
		uintptr_t	port;
		uint32_t	addr;
	} in = { 0 };

	in.port = (uintptr_t)rp;
	in.addr = addr;
	return (unsigned int)ns_siphash(ns_addr_key, &in, sizeof(in)) & (NS_ADDR_BUCKETS - 1);
}

struct ns_addr *
ns_addr_find(const struct ns_port *rp, uint32_t addr)
{
	struct ns_addr *ra;

	if (ns_addr_n == 0)
		return NULL;
	for (ra = ns_addr_table[ns_addr_bucket(rp, addr)]; ra != NULL; ra = ra->ra_hnext)
		if (ra->ra_port == rp && ra->ra_addr == addr)
			return ra;
	return NULL;
}

unsigned int
ns_addr_count(void)
{
	return ns_addr_n;
}

/* How many lwIP netifs there are, on every port. */
int
ns_netif_count(void)
{
	struct netif *netif;
	int n = 0;

	NETIF_FOREACH(netif)
		n++;
	return n;
}

static int
ns_netif_make(struct ns_port *rp, uint32_t addr, uint8_t prefixlen, uint32_t gateway)
{
	ip4_addr_t ip, mask, gw;
	struct netif *netif;

	if (ns_netif_count() >= NS_MAX_NETIFS)
		return -EMFILE;
	netif = calloc(1, sizeof(*netif));
	if (netif == NULL)
		return -ENOMEM;
	ip4_addr_set_u32(&ip, addr);
	ip4_addr_set_u32(&mask, prefixlen == 0 ? 0 : lwip_htonl(0xffffffffu << (32 - prefixlen)));
	ip4_addr_set_u32(&gw, gateway);
	if (netif_add(netif, &ip, &mask, &gw, rp, ns_netif_init, ethernet_input) == NULL) {
		free(netif);
		return -EINVAL;
	}
	netif_set_up(netif);
	ns_netif_index_add(netif);
	rp->rp_netif = netif;
	rp->rp_primary = addr;
	return 0;
}

/*
 * Adds addr (network byte order) to the port, or brings it back if it is
 * going; the first address makes the port's netif, with that address's
 * prefix and gateway (the NIC's own: the loop adds it first).
 */
int
ns_port_add_addr(struct ns_port *rp, uint32_t addr, uint8_t prefixlen,
    uint32_t gateway, struct netif **out)
{
	struct ns_addr *ra;
	unsigned int b;
	int rc;

	if (!ns_addr_keyed) {
		uint8_t key[16];

		if (ns_rand_bytes(key, sizeof(key)) != 0)
			return -EIO;
		ns_siphash_key(ns_addr_key, key);
		ns_addr_keyed = 1;
	}
	if ((ra = ns_addr_find(rp, addr)) != NULL) {
		if (!ra->ra_down)
			return -EEXIST;
		ra->ra_down = 0;	/* a reload brings it back */
		if (out != NULL)
			*out = rp->rp_netif;
		return 0;
	}
	if (ns_addr_n >= NS_MAX_ADDRS)
		return -ENOSPC;
	if ((ra = calloc(1, sizeof(*ra))) == NULL)
		return -ENOMEM;
	if (rp->rp_netif == NULL && (rc = ns_netif_make(rp, addr, prefixlen, gateway)) != 0) {
		free(ra);
		return rc;
	}
	ra->ra_port = rp;
	ra->ra_addr = addr;
	b = ns_addr_bucket(rp, addr);
	ra->ra_hnext = ns_addr_table[b];
	ns_addr_table[b] = ra;
	ra->ra_pnext = rp->rp_addrs;
	rp->rp_addrs = ra;
	rp->rp_n_addrs++;
	ns_addr_n++;
	if (out != NULL)
		*out = rp->rp_netif;
	return 0;
}

/* The port's netif if it holds addr.  The address may be going (its
 * frames dropped): ns_port_del_addr leaves it so only while a listener
 * is still bound to it. */
struct netif *
ns_port_find(struct ns_port *rp, uint32_t addr)
{
	return ns_addr_find(rp, addr) != NULL ? rp->rp_netif : NULL;
}

unsigned int
ns_port_addr_list(const struct ns_port *rp, uint32_t *addrs, unsigned int max)
{
	unsigned int n = 0;

	for (const struct ns_addr *ra = rp->rp_addrs; ra != NULL; ra = ra->ra_pnext, n++)
		if (n < max)
			addrs[n] = ra->ra_addr;
	return n;
}

static int
ns_pcb_is(const struct tcp_pcb *pcb, u8_t idx, uint32_t addr)
{
	return pcb->netif_idx == idx && ip4_addr_get_u32(ip_2_ip4(&pcb->local_ip)) == addr;
}

/* The first pcb of list bound to netif number idx and addr, or NULL. */
static struct tcp_pcb *
ns_pcb_on(struct tcp_pcb *list, u8_t idx, uint32_t addr)
{
	for (struct tcp_pcb *pcb = list; pcb != NULL; pcb = pcb->next)
		if (ns_pcb_is(pcb, idx, addr))
			return pcb;
	return NULL;
}

/*
 * Whether something with an owner is still bound to addr on netif
 * number idx: a listener, or a UDP pcb.  Its owner holds the pointer and
 * must close it; freeing it here would leave that dangling.
 */
static int
ns_addr_held(u8_t idx, uint32_t addr)
{
	for (struct tcp_pcb_listen *l = tcp_listen_pcbs.listen_pcbs; l != NULL; l = l->next)
		if (l->netif_idx == idx && ip4_addr_get_u32(ip_2_ip4(&l->local_ip)) == addr)
			return 1;
	for (struct udp_pcb *u = udp_pcbs; u != NULL; u = u->next)
		if (u->netif_idx == idx && ip4_addr_get_u32(ip_2_ip4(&u->local_ip)) == addr)
			return 1;
	return 0;
}

static void
ns_addr_unlink(struct ns_addr *ra)
{
	struct ns_port *rp = ra->ra_port;
	struct ns_addr **pp;

	for (pp = &ns_addr_table[ns_addr_bucket(rp, ra->ra_addr)]; *pp != ra; pp = &(*pp)->ra_hnext)
		;
	*pp = ra->ra_hnext;
	for (pp = &rp->rp_addrs; *pp != ra; pp = &(*pp)->ra_pnext)
		;
	*pp = ra->ra_pnext;
	rp->rp_n_addrs--;
	ns_addr_n--;
	free(ra);
}

/* Netifs removed while lwIP handled a frame on them: freed after it. */
static struct netif *ns_netifs_removed[NS_MAX_NETIFS];
static unsigned int ns_n_removed;

void
ns_netif_reap(void)
{
	while (ns_n_removed > 0)
		free(ns_netifs_removed[--ns_n_removed]);
}

/* The port's last address went: its netif goes, with nothing on it. */
static void
ns_netif_drop(struct ns_port *rp)
{
	struct netif *netif = rp->rp_netif;

	netif_set_down(netif);
	ns_netif_index_del(netif);
	ns_arp_forget_netif(rp, netif);
	/* With no address, netif_remove() aborts nothing by address. */
	ip4_addr_set_zero(ip_2_ip4(&netif->ip_addr));
	netif_remove(netif);
	rp->rp_netif = NULL;
	rp->rp_primary = 0;
	/* A frame being handled (a reload from the management API took the
	 * port away under it) still reads its netif when lwIP returns. */
	if (ns_addr_current != NULL && ns_n_removed < NS_MAX_NETIFS)
		ns_netifs_removed[ns_n_removed++] = netif;
	else
		free(netif);
}

/*
 * Takes addr (network byte order) off the port.  Connections bound to it
 * are aborted (a reset to their peer; its TIME_WAIT pcbs are just freed);
 * nothing of any other address is touched, whatever its port.  Returns
 * how many connections were aborted, -ENOENT when the port does not hold
 * addr, or -EBUSY when a listener or UDP pcb is still bound to it (the
 * address then stays, its frames dropped, and may be removed again once
 * that is closed).
 */
int
ns_port_del_addr(struct ns_port *rp, uint32_t addr)
{
	struct ns_addr *ra = ns_addr_find(rp, addr);
	struct tcp_pcb *pcb;
	int aborted = 0;
	u8_t idx;

	if (ra == NULL)
		return -ENOENT;
	ra->ra_down = 1;	/* no more frames in */
	idx = netif_get_index(rp->rp_netif);
	if (ns_addr_held(idx, addr))
		return -EBUSY;
	ns_tcp_unpark_addr(idx, addr);
	/* An aborted connection's error callback may abort others (the
	 * relay's other half): each search starts again from the head. */
	while ((pcb = ns_pcb_on(tcp_active_pcbs, idx, addr)) != NULL ||
	    (pcb = ns_pcb_on(tcp_bound_pcbs, idx, addr)) != NULL) {
		tcp_abort(pcb);
		aborted++;
	}
	/* Freed without a word or a callback (tcp_abandon of TIME_WAIT). */
	while ((pcb = ns_pcb_on(tcp_tw_pcbs, idx, addr)) != NULL)
		tcp_abort(pcb);
	/* What the resets above left waiting for a neighbour. */
	ns_arp_forget_addr(rp, addr);
	ns_addr_unlink(ra);
	if (rp->rp_addrs == NULL)
		ns_netif_drop(rp);
	else if (rp->rp_primary == addr) {
		rp->rp_primary = rp->rp_addrs->ra_addr;
		ip4_addr_set_u32(ip_2_ip4(&rp->rp_netif->ip_addr), rp->rp_primary);
	}
	return aborted;
}

/* Every address of the port, whatever is bound to it (the port is
 * closing: its owners have closed what they hold, or are gone). */
void
ns_port_del_all(struct ns_port *rp)
{
	while (rp->rp_addrs != NULL) {
		struct ns_addr *ra = rp->rp_addrs;
		u8_t idx = netif_get_index(rp->rp_netif);
		struct tcp_pcb *pcb;

		ns_tcp_unpark_addr(idx, ra->ra_addr);
		while ((pcb = ns_pcb_on(tcp_active_pcbs, idx, ra->ra_addr)) != NULL ||
		    (pcb = ns_pcb_on(tcp_bound_pcbs, idx, ra->ra_addr)) != NULL ||
		    (pcb = ns_pcb_on(tcp_tw_pcbs, idx, ra->ra_addr)) != NULL)
			tcp_abort(pcb);
		ns_addr_unlink(ra);
	}
	if (rp->rp_netif != NULL)
		ns_netif_drop(rp);
}
