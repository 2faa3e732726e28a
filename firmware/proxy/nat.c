/*
 * Source NAT: every connection to a backend leaves from one of its
 * service's NAT IPs (1 to 8) and a source port of that IP.  Services take
 * their NAT IPs in turn, so each NAT IP adds its own port range; within an
 * IP the port comes from nat_ports.c, in O(1) and in a random order.  A
 * port is held while its connection lives and, after a graceful close,
 * for lwIP's TIME_WAIT (2 * TCP_MSL), so a 4-tuple is never reused while
 * the backend may still remember it.  When every NAT IP of a service is
 * out of ports, nat_alloc says so and the consumer is refused.
 */
#include <stdlib.h>
#include <time.h>

#include "lwip/opt.h"
#include "lwip/tcpbase.h"

#include "log.h"
#include "nat.h"
#include "nic.h"
#include "nat_ports.h"

_Static_assert(NAT_TIME_WAIT_S + 1 < NAT_HOLD_MARKS, "NAT_HOLD_MARKS shorter than the NAT hold");

/* The clock of the port holds, in seconds (share.c counts holds by it). */
uint32_t
nat_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	/* Never 0, which share.c's hold seconds start from. */
	return (uint32_t)ts.tv_sec + 1;
}

/* The NAT IP entry for addr, created on first use in a free slot (an
 * entry nat_setup let go) or a new one.  Index or -1. */
static int
nat_find_or_add(struct pl_loop *lp, uint32_t addr, struct netif *netif)
{
	struct nat_ip *ni = NULL;
	int slot = -1;

	for (int i = 0; i < lp->lp_n_nat; i++) {
		if (lp->lp_nat[i].ni_ports == NULL) {
			if (slot == -1)
				slot = i;
			continue;
		}
		if (lp->lp_nat[i].ni_addr == addr) {
			/* A reload may have freed the address's netif and
			 * made it anew (reload_drop_addresses). */
			lp->lp_nat[i].ni_netif = netif;
			return i;
		}
	}
	if (slot == -1) {
		if (lp->lp_n_nat >= NAT_MAX_IPS)
			return -1;
		slot = lp->lp_n_nat;
	}
	ni = &lp->lp_nat[slot];
	if ((ni->ni_ports = nat_ports_new(NAT_TIME_WAIT_S)) == NULL)
		return -1;
	ni->ni_addr = addr;
	ni->ni_netif = netif;
	ni->ni_live = 0;
	ni->ni_allocated = 0;
	if (slot == lp->lp_n_nat)
		lp->lp_n_nat++;
	return slot;
}

/* Gives the port ranges of the services naming NAT IP i to its table.
 * 0 or -1. */
static int
nat_set_ranges(struct pl_loop *lp, int i)
{
	const struct pl_config *cfg = lp->lp_cfg;
	uint16_t lo[CFG_MAX_SERVICES], hi[CFG_MAX_SERVICES];
	unsigned int n = 0;

	for (int s = 0; s < cfg->n_services; s++)
		for (int k = 0; k < cfg->services[s].svc_n_nat_ips; k++)
			if (cfg->services[s].svc_rt->sr_nat.nv_ip[k] == i && n < CFG_MAX_SERVICES) {
				lo[n] = cfg->services[s].svc_port_min;
				hi[n] = cfg->services[s].svc_port_max;
				n++;
			}
	return nat_ports_set_ranges(lp->lp_nat[i].ni_ports, lo, hi, n);
}

/*
 * Maps every service's NAT IPs to entries and gives each entry its
 * services' port ranges; the netifs should exist (one that does not
 * leaves its NAT IP unused until a reload makes it).  An entry no service
 * names any more is let go once nothing of it is live or held.  Ports of
 * live connections stay busy and holds run on.  0 or -1 (logged: a
 * service's NAT IP without an entry is skipped by nat_alloc).
 */
int
nat_setup(struct pl_loop *lp)
{
	const struct pl_config *cfg = lp->lp_cfg;
	uint32_t now = nat_now();
	int rc = 0;

	for (int s = 0; s < cfg->n_services; s++) {
		const struct cfg_service *svc = &cfg->services[s];
		struct nat_svc *nv = &svc->svc_rt->sr_nat;

		/* The service's NAT IPs may have changed: its turn starts over. */
		nv->nv_rr = 0;
		for (int k = 0; k < CFG_MAX_NAT_IPS; k++)
			nv->nv_ip[k] = -1;
		for (int k = 0; k < svc->svc_n_nat_ips; k++) {
			struct netif *netif = nic_addr_find(nic_of(cfg, svc->svc_nat_nics[k]),
			    svc->svc_nat_ips[k]);

			if (netif == NULL) {
				log_warnx("service %s: NAT IP %d: no address to send from",
				    svc->svc_name, k + 1);
				rc = -1;
			}
			if ((nv->nv_ip[k] = nat_find_or_add(lp, svc->svc_nat_ips[k],
			    netif)) == -1) {
				log_warnx("service %s: NAT IP %d: no memory for its port table",
				    svc->svc_name, k + 1);
				rc = -1;
			}
		}
	}
	for (int i = 0; i < lp->lp_n_nat; i++) {
		struct nat_ip *ni = &lp->lp_nat[i];
		int named = 0;

		if (ni->ni_ports == NULL)
			continue;
		for (int s = 0; s < cfg->n_services && !named; s++)
			for (int k = 0; k < cfg->services[s].svc_n_nat_ips; k++)
				named |= cfg->services[s].svc_rt->sr_nat.nv_ip[k] == i;
		nat_ports_expire(ni->ni_ports, now);
		if (!named && ni->ni_live == 0 && nat_ports_held(ni->ni_ports) == 0) {
			nat_ports_free(ni->ni_ports);
			ni->ni_ports = NULL;
			ni->ni_netif = NULL;
			continue;
		}
		if (nat_set_ranges(lp, i) != 0) {
			log_warnx("NAT IP %d: no randomness to shuffle its ports", i);
			rc = -1;
		}
	}
	return rc;
}

void
nat_teardown(struct pl_loop *lp)
{
	for (int i = 0; i < lp->lp_n_nat; i++) {
		nat_ports_free(lp->lp_nat[i].ni_ports);
		lp->lp_nat[i].ni_ports = NULL;
	}
	lp->lp_n_nat = 0;
}

/*
 * Picks the NAT IP (index into lp_nat) and source port for a new
 * connection of service: the service's NAT IPs in turn, the first with a
 * free port.  0, or -1 when all are exhausted.
 */
int
nat_alloc(struct pl_loop *lp, struct svc_rt *sr, int *nat, uint16_t *port)
{
	const struct cfg_service *svc = sr->sr_cfg;
	struct nat_svc *nv = &sr->sr_nat;
	uint32_t now = nat_now();
	int n = svc->svc_n_nat_ips;

	for (int k = 0; k < n; k++) {
		int slot = (int)((nv->nv_rr + (unsigned int)k) % (unsigned int)n);
		int i = nv->nv_ip[slot];
		struct nat_ip *ni;

		/* No entry or no netif: nat_setup failed for it (a reload
		 * freed the netif and could not make it again); no
		 * connection can leave from it. */
		if (i == -1 || (ni = &lp->lp_nat[i])->ni_netif == NULL || ni->ni_ports == NULL)
			continue;
		if (nat_ports_take(ni->ni_ports, svc->svc_port_min, svc->svc_port_max, now,
		    port) == 0) {
			ni->ni_live++;
			ni->ni_allocated++;
			nv->nv_rr = (unsigned int)slot + 1;
			*nat = i;
			return 0;
		}
	}
	return -1;
}

/* Gives a port back: at once, or after TIME_WAIT when the connection
 * was closed gracefully.  A port not busy is left as it is. */
void
nat_release(struct pl_loop *lp, int nat, uint16_t port, int time_wait)
{
	struct nat_ip *ni = &lp->lp_nat[nat];

	if (ni->ni_ports != NULL && nat_ports_give(ni->ni_ports, port, time_wait, nat_now()))
		ni->ni_live--;
}
