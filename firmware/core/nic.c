/*
 * NICs as live objects (nic-t.h), and the one place the firmware talks to
 * the netstack's ports: opening and closing them, their addresses, the
 * per-address SYN rates and memory sheds.  Everything else asks here.
 *
 * A reload links the new config's NICs in two steps, as rt.c does the
 * other objects: nic_prepare finds each NIC by name and settings (or
 * makes a new, closed one), nic_commit frees those the running config no
 * longer names, which reload.c has closed first.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "lwip/ip4_addr.h"
#include "lwip/netif.h"

#include "log.h"
#include "nic.h"

/* cfg_finish_addresses() and the NIC count refuse a drop that would not
 * fit. */
_Static_assert(CFG_MAX_ADDRS <= NS_MAX_ADDRS, "the appliance's addresses fit the table");
_Static_assert(CFG_MAX_NICS <= NS_MAX_NETIFS, "a netif for each NIC");
_Static_assert(CFG_VLAN_MAX == NS_VLAN_MAX, "the same VLAN ids");

/* NICs a reload closed and let go of: freed only at the next round's
 * input, since the reload may come from the management API while a
 * frame of that very NIC is being handled. */
static struct nic_rt *nic_dead;

static void
nic_reap(void)
{
	while (nic_dead != NULL) {
		struct nic_rt *nr = nic_dead;

		nic_dead = nr->nr_next;
		free(nr);
	}
}

/* Would a NIC made with a's settings serve b unchanged? */
static int
nic_same(const struct cfg_nic *a, const struct cfg_nic *b)
{
	return strcmp(a->nic_name, b->nic_name) == 0 && a->nic_has_mac == b->nic_has_mac &&
	    (a->nic_has_mac ? memcmp(a->nic_mac, b->nic_mac, sizeof(a->nic_mac)) == 0 :
	    strcmp(a->nic_ifname, b->nic_ifname) == 0) &&
	    a->nic_vlan == b->nic_vlan &&
	    a->nic_addr == b->nic_addr && a->nic_prefixlen == b->nic_prefixlen &&
	    a->nic_gateway == b->nic_gateway && a->nic_role == b->nic_role;
}

struct nic_rt *
nic_find(struct pl_loop *lp, const char *name)
{
	for (struct nic_rt *nr = lp->lp_nics; nr != NULL; nr = nr->nr_next)
		if (strcmp(nr->nr_name, name) == 0)
			return nr;
	return NULL;
}

/* The NIC object of cfg's NIC index nic (-1: none), or NULL. */
struct nic_rt *
nic_of(const struct pl_config *cfg, int nic)
{
	return nic >= 0 && nic < cfg->n_nics ? cfg->nics[nic].nic_rt : NULL;
}

/*
 * Links every NIC of next to its object: the one of its name if its
 * settings are unchanged (a NIC named by MAC keeps the interface found
 * when it was made), else a new, closed one; marks them.  0, or -1
 * without memory (logged); the objects made are freed by nic_commit.
 */
int
nic_prepare(struct pl_loop *lp, struct pl_config *next)
{
	for (struct nic_rt *nr = lp->lp_nics; nr != NULL; nr = nr->nr_next)
		nr->nr_mark = 0;
	for (int i = 0; i < next->n_nics; i++) {
		struct cfg_nic *n = &next->nics[i];
		struct nic_rt *nr = NULL;

		for (struct nic_rt *o = lp->lp_nics; o != NULL && nr == NULL; o = o->nr_next)
			if (!o->nr_mark && o->nr_cfg != NULL && nic_same(&o->nr_set, n))
				nr = o;
		if (nr == NULL) {
			if ((nr = calloc(1, sizeof(*nr))) == NULL) {
				log_warn("nic %s", n->nic_name);
				return -1;
			}
			snprintf(nr->nr_name, sizeof(nr->nr_name), "%s", n->nic_name);
			nr->nr_set = *n;
			nr->nr_port.rp_txfd = -1;
			nr->nr_next = lp->lp_nics;
			lp->lp_nics = nr;
		}
		memcpy(n->nic_ifname, nr->nr_set.nic_ifname, sizeof(n->nic_ifname));
		nr->nr_mark = 1;
		n->nic_rt = nr;
	}
	return 0;
}

/* The running config's NICs point back at it; the others, closed by
 * now, are freed. */
void
nic_commit(struct pl_loop *lp)
{
	const struct pl_config *cfg = lp->lp_cfg;

	for (struct nic_rt *nr = lp->lp_nics; nr != NULL; nr = nr->nr_next)
		nr->nr_mark = 0;
	for (int i = 0; i < cfg->n_nics; i++) {
		cfg->nics[i].nic_rt->nr_cfg = &cfg->nics[i];
		cfg->nics[i].nic_rt->nr_mark = 1;
	}
	for (struct nic_rt **pp = &lp->lp_nics, *nr; (nr = *pp) != NULL;) {
		if (nr->nr_mark) {
			pp = &nr->nr_next;
			continue;
		}
		if (nr->nr_open)
			nic_close(lp, nr);
		*pp = nr->nr_next;
		nr->nr_next = nic_dead;
		nic_dead = nr;
	}
}

/*
 * Opens the NIC's port (the interface's untagged frames, or its VLAN) and
 * gives it its own address.  0, or -1 (logged; the NIC stays closed and
 * its addresses cannot be had).
 */
int
nic_open(struct pl_loop *lp, struct nic_rt *nr)
{
	const struct cfg_nic *n = &nr->nr_set;
	const char *what = "";
	int rc;

	rc = ns_port_open(&nr->nr_port, n->nic_ifname, n->nic_vlan, &what);
	if (rc != 0) {
		errno = -rc;
		if (n->nic_vlan != 0)
			log_warn("nic %s: interface %s VLAN %u: %s", n->nic_name, n->nic_ifname,
			    n->nic_vlan, what);
		else
			log_warn("nic %s: interface %s: %s", n->nic_name, n->nic_ifname, what);
		ns_port_close(&nr->nr_port);
		return -1;
	}
	nr->nr_port.rp_untrusted = n->nic_role == CFG_ROLE_CONSUMER;
	nr->nr_open = 1;
	if (nic_addr_get(nr, n->nic_addr) == NULL) {
		nic_close(lp, nr);
		return -1;
	}
	return 0;
}

/*
 * Closes the NIC: every address goes, and with it every connection bound
 * to one (reset); its frames stop at once (its network leaves the link:
 * its frames are dropped, the socket closed with the link's last NIC).
 * The caller has let go of its netif (listeners closed, pointers
 * cleared).  Returns the connections reset.
 */
int
nic_close(struct pl_loop *lp, struct nic_rt *nr)
{
	struct ns_port *rp = &nr->nr_port;
	unsigned int na;
	uint32_t *addrs;
	int reset = 0;

	(void)lp;
	if (!nr->nr_open && rp->rp_n_addrs == 0)
		return 0;
	if ((addrs = nic_addrs(nr, &na)) != NULL) {
		for (unsigned int k = 0; k < na; k++) {
			int rc = ns_port_del_addr(rp, addrs[k]);

			if (rc > 0)
				reset += rc;
		}
		free(addrs);
	}
	ns_port_close(rp);	/* what could not be freed above goes with the port */
	nr->nr_open = 0;
	return reset;
}

/* At the end: every NIC closed (its counters logged) and freed. */
void
nic_close_all(struct pl_loop *lp)
{
	while (lp->lp_nics != NULL) {
		struct nic_rt *nr = lp->lp_nics;
		const struct ns_port_stats *st = &nr->nr_port.rp_stats;

		if (nr->nr_open)
			log_info("nic %s: rx %llu frames (%llu checksums trusted, %llu completed, "
			    "%llu super-frames), "
			    "dropped %llu not ours, %llu malformed, %llu truncated; tx %llu frames, "
			    "%llu errors", nr->nr_name,
			    (unsigned long long)st->rs_rx_frames,
			    (unsigned long long)st->rs_rx_csum_trusted,
			    (unsigned long long)st->rs_rx_csum_completed,
			    (unsigned long long)st->rs_rx_superframes,
			    (unsigned long long)st->rs_rx_not_ours,
			    (unsigned long long)st->rs_rx_malformed,
			    (unsigned long long)st->rs_rx_truncated,
			    (unsigned long long)st->rs_tx_frames,
			    (unsigned long long)st->rs_tx_errors);
		ns_port_close(&nr->nr_port);
		lp->lp_nics = nr->nr_next;
		free(nr);
	}
	nic_reap();
	if (lp->lp_cfg != NULL)
		for (int i = 0; i < lp->lp_cfg->n_nics; i++)
			lp->lp_cfg->nics[i].nic_rt = NULL;
}

/* The one descriptor every NIC's frames make readable. */
int
nic_links_fd(void)
{
	return ns_links_fd();
}

/* Frames on every NIC that has some. */
void
nic_input(struct pl_loop *lp)
{
	const char *ifname = "";
	int rc;

	(void)lp;
	nic_reap();
	rc = ns_links_input(&ifname);
	/* A socket error is reported and the loop goes on: the next
	 * readiness event tries again. */
	if (rc < 0) {
		errno = -rc;
		log_warn("interface %s: receive", ifname);
	}
}

/* What lwIP sent this round leaves now, merged where it could. */
void
nic_flush_all(struct pl_loop *lp)
{
	(void)lp;
	ns_ports_flush();
}

/* The netif of addr on the NIC, added if it is new (or brought back if
 * it was going); NULL (logged) when it cannot be, or the NIC is not
 * open. */
struct netif *
nic_addr_get(struct nic_rt *nr, uint32_t addr)
{
	const struct cfg_nic *n;
	struct netif *netif = NULL;
	ip4_addr_t a;
	int rc;

	if (nr == NULL || !nr->nr_open)
		return NULL;
	n = &nr->nr_set;
	rc = ns_port_add_addr(&nr->nr_port, addr, n->nic_prefixlen, n->nic_gateway, &netif);
	if (rc == -EEXIST)
		return ns_port_find(&nr->nr_port, addr);
	if (rc == 0)
		return netif;
	ip4_addr_set_u32(&a, addr);
	if (rc == -ENOSPC)
		log_warnx("nic %s: add address %s: the appliance holds %d addresses already",
		    n->nic_name, ip4addr_ntoa(&a), NS_MAX_ADDRS);
	else if (rc == -EMFILE)
		log_warnx("nic %s: add address %s: the appliance has %d networks already",
		    n->nic_name, ip4addr_ntoa(&a), NS_MAX_NETIFS);
	else
		log_warnx("nic %s: add address %s: %s", n->nic_name, ip4addr_ntoa(&a),
		    strerror(-rc));
	return NULL;
}

struct netif *
nic_addr_find(struct nic_rt *nr, uint32_t addr)
{
	return nr != NULL && nr->nr_open ? ns_port_find(&nr->nr_port, addr) : NULL;
}

/*
 * Takes addr off the NIC for good (its slot and lwIP number serve later
 * addresses); connections bound to it are reset.  Their count, or a
 * negative errno (logged when not -ENOENT).
 */
int
nic_addr_put(struct nic_rt *nr, uint32_t addr)
{
	ip4_addr_t ip;
	int rc;

	if (nr == NULL)
		return -ENOENT;
	rc = ns_port_del_addr(&nr->nr_port, addr);
	ip4_addr_set_u32(&ip, addr);
	if (rc < 0 && rc != -ENOENT)
		log_warnx("nic %s: address %s left down, not freed: %s", nr->nr_name,
		    ip4addr_ntoa(&ip), strerror(-rc));
	else if (rc > 0)
		log_info("nic %s: address %s removed, %d connection%s on it reset", nr->nr_name,
		    ip4addr_ntoa(&ip), rc, rc == 1 ? "" : "s");
	return rc;
}

/* The NIC's addresses, in an array of *n the caller frees; NULL without
 * memory (or a NIC, *n 0). */
uint32_t *
nic_addrs(const struct nic_rt *nr, unsigned int *n)
{
	uint32_t *addrs;

	*n = nr != NULL ? ns_port_addr_list(&nr->nr_port, NULL, 0) : 0;
	if (nr == NULL || (addrs = calloc(*n + 1, sizeof(*addrs))) == NULL) {
		*n = 0;
		return NULL;
	}
	ns_port_addr_list(&nr->nr_port, addrs, *n);
	return addrs;
}

/* The NIC's netif (all its addresses are on it), NULL while it has none. */
struct netif *
nic_netif(const struct nic_rt *nr)
{
	return nr != NULL ? nr->nr_port.rp_netif : NULL;
}

/* per_s is within NS_SYN_RATE_MAX: the config's range
 * (CFG_MAX_CONN_RATE) is the same. */
void
nic_set_syn_rate(struct netif *netif, uint32_t addr, uint32_t per_s)
{
	if (netif != NULL)
		(void)ns_set_syn_rate(netif, addr, per_s, 0);
}

/* NULL: the SYNs dropped over their rate on every address. */
uint64_t
nic_syn_rate_dropped(const struct netif *netif, uint32_t addr)
{
	return ns_syn_rate_dropped(netif, addr);
}

void
nic_set_shed(struct netif *netif, uint32_t addr, int on)
{
	ns_set_shed(netif, addr, on);
}

const struct ns_port *
nic_port(const struct nic_rt *nr)
{
	return &nr->nr_port;
}
