/*
 * ARP for the packet NICs, on each NIC's own neighbour table
 * (ns_arp_cache.c) instead of lwIP's one table for all of them.
 *
 * Output (every NIC's netif->output): the next hop (the destination
 * on the NIC's subnet, else its gateway) is looked up in the NIC's table;
 * an unknown one gets an INCOMPLETE entry, a broadcast request and up to
 * NS_ARP_QUEUE_MAX packets held until it answers.  Input (ns_port.c hands
 * over ARP whose target is an address of ours on that NIC): requests are
 * answered from that address; a sender on the NIC's subnet is learned.
 * A timer per NIC ages entries, asks again for INCOMPLETE ones and gives
 * them up.  lwIP's own announcement when a netif comes up
 * (etharp_gratuitous) is kept: it sends a frame and touches no table.
 */
#include <string.h>

#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/prot/ethernet.h"
#include "netif/ethernet.h"

#include "netstack.h"
#include "ns_arp.h"
#include "prot/ether.h"

static const uint8_t ns_arp_zero_mac[6];

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/*
 * Sends an ARP packet from netif's address: op, to the Ethernet address
 * eth_dst, asking for or answering tip (target hardware address tha).
 * From the heap's reserve: neighbours must be found whatever it holds.
 */
static err_t
ns_arp_send(struct netif *netif, uint16_t op, const uint8_t eth_dst[static 6],
    const uint8_t tha[static 6], uint32_t tip)
{
	struct ns_port *rp = netif->state;
	uint32_t sip = ip4_addr_get_u32(netif_ip4_addr(netif));
	struct pbuf *p;
	uint8_t *a;
	err_t err;
	int was = ns_mem_urgent(1);

	p = pbuf_alloc(PBUF_LINK, ARP_LEN, PBUF_RAM);
	ns_mem_urgent(was);
	if (p == NULL) {
		rp->rp_stats.rs_tx_errors++;
		return ERR_MEM;
	}
	a = p->payload;
	wr16(a + ARP_OFF_HTYPE, ARP_HTYPE_ETHERNET);
	wr16(a + ARP_OFF_PTYPE, ETH_TYPE_IPV4);
	a[ARP_OFF_HLEN] = ARP_HLEN_ETHERNET;
	a[ARP_OFF_PLEN] = ARP_PLEN_IPV4;
	wr16(a + ARP_OFF_OP, op);
	memcpy(a + ARP_OFF_SHA, netif->hwaddr, ETH_ADDR_LEN);
	memcpy(a + ARP_OFF_SPA, &sip, 4);
	memcpy(a + ARP_OFF_THA, tha, ETH_ADDR_LEN);
	memcpy(a + ARP_OFF_TPA, &tip, 4);
	err = ethernet_output(netif, p, (const struct eth_addr *)netif->hwaddr,
	    (const struct eth_addr *)eth_dst, ETHTYPE_ARP);
	pbuf_free(p);
	if (err != ERR_OK)
		return err;
	if (op == ARP_OP_REQUEST)
		rp->rp_stats.rs_nbr_requests++;
	else
		rp->rp_stats.rs_nbr_replies++;
	return ERR_OK;
}

/* The netif that asks for e: the port's, from its primary address
 * between frames (ns_port.c); NULL once the port has no address. */
static struct netif *
ns_arp_asker(struct ns_port *rp, const struct ns_arp_entry *e)
{
	(void)e;
	return rp->rp_netif != NULL && netif_is_up(rp->rp_netif) ? rp->rp_netif : NULL;
}

/* Asks for e by broadcast, or unicast to its known MAC. */
static void
ns_arp_ask(struct ns_port *rp, struct ns_arp_entry *e, int unicast)
{
	struct netif *netif = ns_arp_asker(rp, e);

	if (netif == NULL)
		return;
	e->ae_asked = rp->rp_arp.at_now;
	ns_arp_send(netif, ARP_OP_REQUEST, unicast ? e->ae_mac : ethbroadcast.addr, ns_arp_zero_mac,
	    e->ae_ip);
}

/* Drops the packets held on e, counted as unresolved. */
static void
ns_arp_release(struct ns_port *rp, struct ns_arp_entry *e)
{
	for (int i = 0; i < e->ae_nq; i++)
		pbuf_free(e->ae_q[i]);
	rp->rp_stats.rs_nbr_unresolved += e->ae_nq;
	e->ae_nq = 0;
}

/* Empties e, whatever it holds, to make room for another (counted). */
static void
ns_arp_evict(struct ns_port *rp, struct ns_arp_entry *e)
{
	ns_arp_release(rp, e);
	ns_arp_cache_clear(&rp->rp_arp, e);
	rp->rp_stats.rs_nbr_evictions++;
}

/* e has just resolved: the packets held on it go out, in order, by any
 * up address of the port (only its MAC and driver are read); with none,
 * they are dropped. */
static void
ns_arp_flush(struct ns_port *rp, struct ns_arp_entry *e)
{
	struct netif *netif = ns_arp_asker(rp, e);

	if (netif == NULL) {
		ns_arp_release(rp, e);
		return;
	}
	for (int i = 0; i < e->ae_nq; i++) {
		/* only the port's MAC and driver are read from netif */
		ethernet_output(netif, e->ae_q[i], (const struct eth_addr *)netif->hwaddr,
		    (const struct eth_addr *)e->ae_mac, ETHTYPE_IP);
		pbuf_free(e->ae_q[i]);
	}
	e->ae_nq = 0;
}

/* Holds p on INCOMPLETE e: a reference, or a copy when p points at memory
 * its sender will reuse (as lwIP's etharp_query does).  p stays the
 * caller's. */
static err_t
ns_arp_hold(struct ns_port *rp, struct ns_arp_entry *e, struct pbuf *p)
{
	struct pbuf *q;
	int copy = 0;

	if (e->ae_nq >= NS_ARP_QUEUE_MAX) {
		rp->rp_stats.rs_nbr_unresolved++;
		return ERR_MEM;
	}
	for (q = p; q != NULL; q = q->next)
		if (PBUF_NEEDS_COPY(q))
			copy = 1;
	if (copy) {
		if ((q = pbuf_clone(PBUF_LINK, PBUF_RAM, p)) == NULL) {
			rp->rp_stats.rs_nbr_unresolved++;
			return ERR_MEM;
		}
	} else {
		q = p;
		pbuf_ref(q);
	}
	e->ae_q[e->ae_nq++] = q;
	return ERR_OK;
}

/* In use and near its end: ask again, at most every other tick, by
 * unicast first (as lwIP does), so the entry never lapses under traffic. */
static void
ns_arp_refresh(struct ns_port *rp, struct ns_arp_entry *e)
{
	uint32_t now = rp->rp_arp.at_now, age = now - e->ae_seen;

	if (age < NS_ARP_REFRESH_UNICAST || now - e->ae_asked < 2)
		return;
	ns_arp_ask(rp, e, age < NS_ARP_REFRESH_BCAST);
}

/*
 * netif->output of the packet NICs' netifs: sends IPv4 packet p (the caller's) to
 * ipaddr through the NIC's neighbour table.
 */
err_t
ns_arp_output(struct netif *netif, struct pbuf *p, const ip4_addr_t *ipaddr)
{
	struct ns_port *rp = netif->state;
	struct ns_arp_table *t = &rp->rp_arp;
	const struct eth_addr *src = (const struct eth_addr *)netif->hwaddr;
	struct ns_arp_entry *e;
	struct eth_addr mc;
	uint32_t next;

	if (ip4_addr_isbroadcast(ipaddr, netif))
		return ethernet_output(netif, p, src, &ethbroadcast, ETHTYPE_IP);
	if (ip4_addr_ismulticast(ipaddr)) {
		/* RFC 1112: 01:00:5e and the address's low 23 bits */
		memcpy(mc.addr, "\x01\x00\x5e", 3);
		mc.addr[3] = ip4_addr2(ipaddr) & 0x7f;
		mc.addr[4] = ip4_addr3(ipaddr);
		mc.addr[5] = ip4_addr4(ipaddr);
		return ethernet_output(netif, p, src, &mc, ETHTYPE_IP);
	}
	next = ip4_addr_get_u32(ipaddr);
	if (!ip4_addr_net_eq(ipaddr, netif_ip4_addr(netif), netif_ip4_netmask(netif))) {
		if (ip4_addr_isany_val(*netif_ip4_gw(netif))) {
			rp->rp_stats.rs_nbr_unresolved++;
			return ERR_RTE;
		}
		next = ip4_addr_get_u32(netif_ip4_gw(netif));
	}
	if (next == IPADDR_ANY) {
		rp->rp_stats.rs_nbr_unresolved++;
		return ERR_ARG;
	}
	e = ns_arp_cache_find(t, next);
	if (e != NULL && e->ae_state != NS_ARP_INCOMPLETE) {
		e->ae_state = NS_ARP_STABLE;
		e->ae_used = t->at_now;
		ns_arp_refresh(rp, e);
		return ethernet_output(netif, p, src, (const struct eth_addr *)e->ae_mac, ETHTYPE_IP);
	}
	if (e == NULL) {
		/* an INCOMPLETE entry may always take a slot of its bucket */
		e = ns_arp_cache_victim(t, next, NS_ARP_INCOMPLETE);
		if (e->ae_state != NS_ARP_EMPTY)
			ns_arp_evict(rp, e);
		ns_arp_cache_take(t, e, next, NS_ARP_INCOMPLETE);
		e->ae_netif = netif;
		ns_arp_ask(rp, e, 0);
	}
	return ns_arp_hold(rp, e, p);
}

/* Whether an ARP sender may be learned on netif: a unicast host of the
 * NIC's subnet that is not an address of ours. */
static int
ns_arp_sender_ok(struct ns_port *rp, struct netif *netif, uint32_t sip,
    const uint8_t sha[static 6])
{
	ip4_addr_t a;

	ip4_addr_set_u32(&a, sip);
	return sip != IPADDR_ANY && !ip4_addr_ismulticast(&a) &&
	    ip4_addr_net_eq(&a, netif_ip4_addr(netif), netif_ip4_netmask(netif)) &&
	    !ip4_addr_isbroadcast(&a, netif) && ns_port_find(rp, sip) == NULL &&
	    (sha[0] & 1) == 0 && memcmp(sha, ns_arp_zero_mac, 6) != 0;
}

/* What an ARP packet from sip/sha tells: an entry it names is refreshed
 * (and sends what it held); a request makes a LEARNED one, as the sender
 * is about to talk to us; a reply we did not ask for makes none. */
static void
ns_arp_learn(struct ns_port *rp, struct netif *netif, uint32_t sip,
    const uint8_t sha[static 6], int request)
{
	struct ns_arp_table *t = &rp->rp_arp;
	struct ns_arp_entry *e = ns_arp_cache_find(t, sip);

	if (e != NULL) {
		memcpy(e->ae_mac, sha, 6);
		e->ae_seen = t->at_now;
		if (e->ae_state == NS_ARP_INCOMPLETE) {
			e->ae_state = NS_ARP_STABLE;
			e->ae_used = t->at_now;
			ns_arp_flush(rp, e);
		}
		return;
	}
	if (!request || (e = ns_arp_cache_victim(t, sip, NS_ARP_LEARNED)) == NULL) {
		rp->rp_stats.rs_nbr_refused++;
		return;
	}
	if (e->ae_state != NS_ARP_EMPTY)
		ns_arp_evict(rp, e);
	ns_arp_cache_take(t, e, sip, NS_ARP_LEARNED);
	memcpy(e->ae_mac, sha, 6);
	e->ae_netif = netif;
}

/*
 * An ARP frame (len bytes, Ethernet header first, at least an Ethernet/
 * IPv4 ARP packet long) whose target address is netif's, an address of
 * ours on rp.  Requests are answered from it.
 */
void
ns_arp_input(struct ns_port *rp, struct netif *netif, const uint8_t *frame, size_t len)
{
	const uint8_t *a = frame + ETH_HDR_LEN;
	uint8_t sha[6];
	uint32_t sip;
	uint16_t op;

	if (len < ETH_HDR_LEN + ARP_LEN || rd16(a + ARP_OFF_HTYPE) != ARP_HTYPE_ETHERNET ||
	    rd16(a + ARP_OFF_PTYPE) != ETH_TYPE_IPV4 || a[ARP_OFF_HLEN] != ARP_HLEN_ETHERNET ||
	    a[ARP_OFF_PLEN] != ARP_PLEN_IPV4) {
		rp->rp_stats.rs_rx_malformed++;
		return;
	}
	op = rd16(a + ARP_OFF_OP);
	if (op != ARP_OP_REQUEST && op != ARP_OP_REPLY) {
		rp->rp_stats.rs_rx_malformed++;
		return;
	}
	memcpy(sha, a + ARP_OFF_SHA, ETH_ADDR_LEN);
	memcpy(&sip, a + ARP_OFF_SPA, 4);
	if (!ns_arp_sender_ok(rp, netif, sip, sha)) {
		/* Not learned.  An address of ours as the sender is someone
		 * else's claim to it: not answered either. */
		rp->rp_stats.rs_nbr_refused++;
		if (ns_port_find(rp, sip) != NULL)
			return;
	} else {
		ns_arp_learn(rp, netif, sip, sha, op == ARP_OP_REQUEST);
	}
	/* One reply per request, to the asker's own MAC: no amplification,
	 * and nothing leaves another NIC. */
	if (op == ARP_OP_REQUEST && (sha[0] & 1) == 0 && memcmp(sha, ns_arp_zero_mac, 6) != 0)
		ns_arp_send(netif, ARP_OP_REPLY, sha, sha, sip);
}

/* Once a tick per NIC: INCOMPLETE entries are asked again or given up,
 * the others lapse NS_ARP_MAXAGE ticks after their neighbour last spoke. */
static void
ns_arp_tmr(void *arg)
{
	struct ns_port *rp = arg;
	struct ns_arp_table *t = &rp->rp_arp;
	uint32_t now = ++t->at_now;

	for (int i = 0; i < NS_ARP_SLOTS; i++) {
		struct ns_arp_entry *e = &t->at_slots[i];

		switch ((enum ns_arp_state)e->ae_state) {
		case NS_ARP_EMPTY:
		case NS_ARP_STATE_MAX:
			break;
		case NS_ARP_INCOMPLETE:
			if (now - e->ae_seen >= NS_ARP_PENDING_MAX) {
				ns_arp_release(rp, e);
				ns_arp_cache_clear(t, e);
			} else {
				ns_arp_ask(rp, e, 0);
			}
			break;
		case NS_ARP_LEARNED:
		case NS_ARP_STABLE:
			if (now - e->ae_seen >= NS_ARP_MAXAGE)
				ns_arp_cache_clear(t, e);
			break;
		}
	}
	ns_timeout(NS_ARP_TICK_MS, ns_arp_tmr, rp);
}

/* Keys rp's table and starts its timer, once: called as the port's first
 * address is added.  0, or -1 when no random key can be drawn. */
int
ns_arp_port_start(struct ns_port *rp)
{
	uint8_t key[NS_ARP_KEY_LEN];

	if (rp->rp_arp.at_ready)
		return 0;
	if (ns_rand_bytes(key, sizeof(key)) != 0)
		return -1;
	ns_arp_cache_init(&rp->rp_arp, key);
	rp->rp_arp.at_ready = 1;
	ns_timeout(NS_ARP_TICK_MS, ns_arp_tmr, rp);
	return 0;
}

/*
 * netif is about to be freed (ns_addr.c): no entry may keep it as the
 * address that asks, and what waits on such an entry (the resets of its
 * aborted connections) is dropped.  The entries stay: the neighbour is
 * the NIC's, not the address's.
 */
void
ns_arp_forget_netif(struct ns_port *rp, const struct netif *netif)
{
	struct ns_arp_table *t = &rp->rp_arp;

	for (int i = 0; i < NS_ARP_SLOTS; i++) {
		struct ns_arp_entry *e = &t->at_slots[i];

		if (e->ae_netif != netif)
			continue;
		ns_arp_release(rp, e);
		e->ae_netif = NULL;
	}
}

/* Drops the packets from addr (network byte order) waiting for a
 * neighbour: the address is going, and nothing may leave from it. */
void
ns_arp_forget_addr(struct ns_port *rp, uint32_t addr)
{
	struct ns_arp_table *t = &rp->rp_arp;

	for (int i = 0; i < NS_ARP_SLOTS; i++) {
		struct ns_arp_entry *e = &t->at_slots[i];
		int kept = 0;

		for (int k = 0; k < e->ae_nq; k++) {
			struct pbuf *q = e->ae_q[k];
			uint32_t src = 0;

			if (pbuf_copy_partial(q, &src, sizeof(src), 12) == sizeof(src) && src == addr) {
				pbuf_free(q);
				rp->rp_stats.rs_nbr_unresolved++;
			} else {
				e->ae_q[kept++] = q;
			}
		}
		e->ae_nq = (uint8_t)kept;
	}
}

/* Stops rp's timer and drops what its table holds. */
void
ns_arp_port_close(struct ns_port *rp)
{
	struct ns_arp_table *t = &rp->rp_arp;

	if (!t->at_ready)
		return;
	sys_untimeout(ns_arp_tmr, rp);
	for (int i = 0; i < NS_ARP_SLOTS; i++) {
		ns_arp_release(rp, &t->at_slots[i]);
		ns_arp_cache_clear(t, &t->at_slots[i]);
	}
	t->at_ready = 0;
}
