/*
 * The netstack's address table (netstack/ns_addr.c, ns_port.c):
 * removing an address aborts only what is bound to it on its port, never
 * a connection of the same IP on another port; a listener still bound
 * keeps it; adds and removes go on without end; the table holds
 * NS_MAX_ADDRS addresses and refuses the next; past lwIP's 255 netifs
 * (one per port) an add fails instead of looping for ever; a removed
 * address leaves nothing of it in its NIC's neighbour table; a netif is
 * found by its number without walking lwIP's list.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"

#include "netstack.h"
#include "unit.h"

/* Ports enough for one netif more than lwIP numbers. */
#define PORTS		(NS_MAX_NETIFS + 3)
/* Add/remove rounds, as reloads moving endpoints make them. */
#define ROUNDS		1000

static struct ns_port ports[PORTS];

/* A hang (lwIP's netif_add() looking for a free number) is a failure. */
static void
hung(int sig)
{
	static const char msg[] = "not ok - a netstack call did not return within 20 s\n";

	(void)sig;
	if (write(1, msg, sizeof(msg) - 1) < 0)
		_exit(2);
	_exit(1);
}

static void
port_init(struct ns_port *rp, int i)
{
	memset(rp, 0, sizeof(*rp));
	rp->rp_txfd = -1;	/* never opened: transmit is counted, not sent */
	rp->rp_mtu = 1500;
	memcpy(rp->rp_mac, "\x02\x00\x00\x00\x00\x00", 6);
	rp->rp_mac[5] = (uint8_t)i;
}

static int aborted_a, aborted_b;

static void
err_a(void *arg, err_t err)
{
	(void)arg;
	if (err == ERR_ABRT)
		aborted_a++;
}

static void
err_b(void *arg, err_t err)
{
	(void)arg;
	if (err == ERR_ABRT)
		aborted_b++;
}

/* A connection being opened from addr (SYN_SENT, in lwIP's active list),
 * bound to its port's netif as everything privlinkd opens is. */
static struct tcp_pcb *
connecting(struct netif *netif, uint32_t addr, tcp_err_fn errf)
{
	struct tcp_pcb *pcb = tcp_new();
	ip_addr_t dst, src;

	if (pcb == NULL)
		return NULL;
	tcp_bind_netif(pcb, netif);
	tcp_err(pcb, errf);
	ip4_addr_set_u32(ip_2_ip4(&dst), inet_addr("10.0.0.7"));
	ip4_addr_set_u32(ip_2_ip4(&src), addr);
	if (tcp_bind(pcb, &src, 0) != ERR_OK ||
	    tcp_connect(pcb, &dst, 443, NULL) != ERR_OK) {
		tcp_abort(pcb);
		return NULL;
	}
	return pcb;
}

static int
in_list(struct tcp_pcb *list, const struct tcp_pcb *pcb)
{
	for (; list != NULL; list = list->next)
		if (list == pcb)
			return 1;
	return 0;
}

static void
test_same_ip_elsewhere(void)
{
	struct ns_port *a = &ports[0], *b = &ports[1];
	uint32_t own = inet_addr("10.0.0.5"), shared = inet_addr("10.0.0.25");
	struct netif *na, *nb, *x;
	struct tcp_pcb *pa, *pb, *lpcb;
	ip_addr_t lip;
	int rc;

	CHECK(ns_port_add_addr(a, own, 24, 0, NULL) == 0 &&
	    ns_port_add_addr(a, shared, 24, 0, &na) == 0 &&
	    ns_port_add_addr(b, own, 24, 0, NULL) == 0 &&
	    ns_port_add_addr(b, shared, 24, 0, &nb) == 0,
	    "two ports, each with 10.0.0.5 and 10.0.0.25");
	pa = connecting(na, shared, err_a);
	pb = connecting(nb, shared, err_b);
	CHECK(pa != NULL && pb != NULL, "a connection from 10.0.0.25 on each port");

	if ((lpcb = tcp_new()) == NULL) {
		CHECK(0, "memory for a listener");
		exit(1);
	}
	tcp_bind_netif(lpcb, na);
	ip4_addr_set_u32(ip_2_ip4(&lip), shared);
	CHECK(tcp_bind(lpcb, &lip, 443) == ERR_OK &&
	    (lpcb = tcp_listen(lpcb)) != NULL, "a listener on port A's 10.0.0.25");
	rc = ns_port_del_addr(a, shared);
	CHECK(rc == -EBUSY && ns_port_find(a, shared) == na &&
	    aborted_a == 0 && in_list(tcp_active_pcbs, pa),
	    "while a listener is bound, the address is left going, not freed (%d)", rc);
	tcp_close(lpcb);

	rc = ns_port_del_addr(a, shared);
	CHECK(rc == 1 && aborted_a == 1, "removing port A's 10.0.0.25 aborts its connection "
	    "(%d, %d aborted)", rc, aborted_a);
	CHECK(aborted_b == 0 && in_list(tcp_active_pcbs, pb) &&
	    ip4_addr_get_u32(ip_2_ip4(&pb->local_ip)) == shared,
	    "port B's connection from the same IP lives on");
	CHECK(ns_port_find(a, shared) == NULL && a->rp_n_addrs == 1 && ns_port_find(a, own) == na &&
	    ns_port_find(b, shared) == nb && netif_is_up(nb) &&
	    netif_get_by_index(pb->netif_idx) == nb,
	    "port A's address is gone, its own stays; port B's is up and still its "
	    "connection's netif");
	CHECK(ns_port_del_addr(a, shared) == -ENOENT, "an address not held: -ENOENT");

	/* Add and remove again and again, as reloads moving an endpoint do. */
	rc = 0;
	for (int i = 0; i < ROUNDS && rc == 0; i++) {
		uint32_t addr = htonl(ntohl(inet_addr("10.0.1.0")) + (uint32_t)(i % 200) + 1);

		rc = ns_port_add_addr(a, addr, 16, 0, &x);
		if (rc == 0 && netif_get_by_index(pb->netif_idx) != nb)
			rc = -1000;
		if (rc == 0)
			rc = ns_port_del_addr(a, addr);
	}
	CHECK(rc == 0 && a->rp_n_addrs == 1 && ns_netif_count() == 2 && ns_addr_count() == 3,
	    "%d adds and removes: one netif per port, 3 addresses left (%d, %d, %u)",
	    ROUNDS, rc, ns_netif_count(), ns_addr_count());
	CHECK(aborted_b == 0 && in_list(tcp_active_pcbs, pb) &&
	    netif_get_by_index(pb->netif_idx) == nb,
	    "port B's connection kept its netif while the numbers wrapped");
	tcp_abort(pb);
}

/*
 * A removed address is forgotten by its NIC's neighbour table: a
 * connection from it to a neighbour not yet resolved leaves its SYN (and
 * its reset, once aborted) waiting there, pointing at the netif; when the
 * neighbour's ARP reply comes after the removal, nothing may use the freed
 * netif (AddressSanitizer: heap-use-after-free in ethernet_output, before
 * ns_arp_forget_netif).
 */
static void
test_arp_forgets(void)
{
	static struct ns_port rp;
	uint32_t own = inet_addr("10.9.0.5"), ep = inet_addr("10.9.0.25"), peer = inet_addr("10.9.0.7");
	struct netif *na;
	struct tcp_pcb *pcb;
	ip_addr_t dst, src;
	uint8_t f[42];
	int rc;

	port_init(&rp, 9);
	CHECK(ns_port_add_addr(&rp, own, 24, 0, NULL) == 0 &&
	    ns_port_add_addr(&rp, ep, 24, 0, &na) == 0, "a port with two addresses");
	pcb = tcp_new();
	tcp_bind_netif(pcb, na);
	ip4_addr_set_u32(ip_2_ip4(&dst), peer);
	ip4_addr_set_u32(ip_2_ip4(&src), ep);
	CHECK(tcp_bind(pcb, &src, 0) == ERR_OK &&
	    tcp_connect(pcb, &dst, 443, NULL) == ERR_OK,
	    "a SYN to an unresolved neighbour waits in the NIC's table");
	rc = ns_port_del_addr(&rp, ep);
	CHECK(rc == 1, "removing its address aborts that connection (%d)", rc);
	/* The neighbour's ARP reply, to the address still there. */
	memcpy(f, rp.rp_mac, 6);
	memcpy(f + 6, "\x02\x11\x22\x33\x44\x55", 6);
	f[12] = 0x08;
	f[13] = 0x06;
	memcpy(f + 14, "\x00\x01\x08\x00\x06\x04\x00\x02", 8);
	memcpy(f + 22, "\x02\x11\x22\x33\x44\x55", 6);
	memcpy(f + 28, &peer, 4);
	memcpy(f + 32, rp.rp_mac, 6);
	memcpy(f + 38, &own, 4);
	ns_port_frame(&rp, f, sizeof(f), 0);
	CHECK(rp.rp_stats.rs_tx_frames == 0,
	    "the freed address's waiting packets were dropped, not sent (%llu sent)",
	    (unsigned long long)rp.rp_stats.rs_tx_frames);
	ns_port_close(&rp);
}

static void
test_limits(void)
{
	uint32_t first = ntohl(inet_addr("10.1.0.1"));
	unsigned int added = 0;
	int rc = 0, p;

	/* The table: NS_MAX_ADDRS in all, whatever the port. */
	while (ns_addr_count() < NS_MAX_ADDRS) {
		rc = ns_port_add_addr(&ports[2], htonl(first + added), 16, 0, NULL);
		if (rc != 0)
			break;
		added++;
	}
	CHECK(rc == 0 && ns_addr_count() == NS_MAX_ADDRS && ports[2].rp_n_addrs == added,
	    "%d addresses in all, %u on one port (%d)", NS_MAX_ADDRS, added, rc);
	rc = ns_port_add_addr(&ports[3], inet_addr("10.2.0.1"), 16, 0, NULL);
	CHECK(rc == -ENOSPC && ports[3].rp_netif == NULL,
	    "the next address is refused with -ENOSPC, its port left without a netif (%d)", rc);
	CHECK(ns_port_find(&ports[2], htonl(first + added / 2)) == ports[2].rp_netif &&
	    ns_port_find(&ports[3], htonl(first + added / 2)) == NULL,
	    "an address is found on its port, and only there");
	/* Room for the netifs below. */
	for (unsigned int i = 0; i < NS_MAX_NETIFS && rc != -1; i++)
		if (ns_port_del_addr(&ports[2], htonl(first + i)) != 0)
			rc = -1;
	CHECK(rc != -1, "addresses removed");
	/* lwIP's netifs: one per port with an address. */
	for (p = 3; p < PORTS && ns_netif_count() < NS_MAX_NETIFS; p++)
		if ((rc = ns_port_add_addr(&ports[p], inet_addr("10.3.0.1"), 16, 0, NULL)) != 0)
			break;
	CHECK(rc == 0 && ns_netif_count() == NS_MAX_NETIFS,
	    "%d netifs in all (%d)", NS_MAX_NETIFS, rc);
	rc = ns_port_add_addr(&ports[p], inet_addr("10.3.0.1"), 16, 0, NULL);
	CHECK(rc == -EMFILE, "past lwIP's %d netifs a new port's address fails with -EMFILE, "
	    "and returns (%d)", NS_MAX_NETIFS, rc);
	rc = ns_port_add_addr(&ports[3], inet_addr("10.3.0.2"), 16, 0, NULL);
	CHECK(rc == 0, "a port with a netif still takes addresses (%d)", rc);
	rc = ns_port_del_addr(&ports[4], inet_addr("10.3.0.1"));
	CHECK(rc == 0 && ports[4].rp_netif == NULL && ns_port_add_addr(&ports[p],
	    inet_addr("10.3.0.1"), 16, 0, NULL) == 0,
	    "a port's last address removed, its netif goes, and another port's fits");
}

/*
 * A netif found by its number, as tcp_output asks for every segment of a
 * bound pcb (all of privlinkd's), without walking lwIP's list of netifs:
 * with 200 VLAN NICs that walk was the largest single cost of a
 * connection.  With the list hidden, every port's netif is still found;
 * a netif that went is not.
 */
static void
test_netif_index(void)
{
	struct netif *saved = netif_list, *gone;
	int with = 0, found = 0;
	u8_t idx;

	netif_list = NULL;
	for (int p = 0; p < PORTS; p++)
		if (ports[p].rp_netif != NULL) {
			with++;
			if (netif_get_by_index(netif_get_index(ports[p].rp_netif)) == ports[p].rp_netif)
				found++;
		}
	netif_list = saved;
	CHECK(with >= 200 && found == with,
	    "each of %d ports' netifs is found by its number without lwIP's list (%d found)",
	    with, found);
	gone = ports[3].rp_netif;
	idx = netif_get_index(gone);
	ns_port_del_addr(&ports[3], inet_addr("10.3.0.1"));
	ns_port_del_addr(&ports[3], inet_addr("10.3.0.2"));
	CHECK(ports[3].rp_netif == NULL && netif_get_by_index(idx) == NULL,
	    "a port's netif that went is not found by its number");
	CHECK(ns_port_add_addr(&ports[3], inet_addr("10.3.0.1"), 16, 0, NULL) == 0 &&
	    netif_get_by_index(netif_get_index(ports[3].rp_netif)) == ports[3].rp_netif,
	    "a new netif is found by its number");
}

int
main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);	/* what passed shows, if one hangs */
	signal(SIGALRM, hung);
	alarm(20);
	if (ns_init() != 0) {
		printf("not ok - ns_init\n");
		return 1;
	}
	for (int i = 0; i < PORTS; i++)
		port_init(&ports[i], i);
	test_same_ip_elsewhere();
	test_arp_forgets();
	test_limits();
	test_netif_index();
	for (int i = 0; i < PORTS; i++)
		ns_port_close(&ports[i]);
	return UNIT_DONE();
}
