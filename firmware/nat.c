/*
 * Source NAT: every connection to a backend leaves from one of its
 * service's NAT IPs (1 to 8) and a source port of that IP.  Services take
 * their NAT IPs in turn, so each NAT IP adds its own port range; within an
 * IP a cursor walks the service's port range.  A port is held while its
 * connection lives and, after a graceful close, for lwIP's TIME_WAIT
 * (2 * TCP_MSL), so a 4-tuple is never reused while the backend may still
 * remember it.  When every NAT IP of a service is out of ports, nat_alloc
 * says so and the consumer is refused.
 */
#include <stdlib.h>
#include <time.h>

#include "lwip/opt.h"
#include "lwip/tcpbase.h"

#include "log.h"
#include "nat.h"

#define NAT_PORTS		65536

/* The clock of the port holds, in seconds (share.c counts holds by it). */
uint32_t
nat_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	/* Never 0 or NAT_PORT_BUSY: those mean free and held. */
	return (uint32_t)ts.tv_sec + 1;
}

/* The NAT IP entry for addr, created on first use.  Index or -1. */
static int
nat_find_or_add(struct pl_loop *lp, uint32_t addr, struct netif *netif)
{
	struct nat_ip *ni;

	for (int i = 0; i < lp->lp_n_nat; i++)
		if (lp->lp_nat[i].ni_addr == addr) {
			/* A reload may have freed the address's netif and
			 * made it anew (reload_drop_addresses). */
			lp->lp_nat[i].ni_netif = netif;
			return i;
		}
	if (lp->lp_n_nat >= NAT_MAX_IPS)
		return -1;
	ni = &lp->lp_nat[lp->lp_n_nat];
	ni->ni_free_at = calloc(NAT_PORTS, sizeof(*ni->ni_free_at));
	if (ni->ni_free_at == NULL)
		return -1;
	ni->ni_addr = addr;
	ni->ni_netif = netif;
	/* Start the port walk at a random point: sequential ports from a
	 * known start would make backend connections easy to guess. */
	if (ns_rand_bytes(&ni->ni_cursor, sizeof(ni->ni_cursor)) != 0) {
		free(ni->ni_free_at);
		ni->ni_free_at = NULL;
		return -1;
	}
	return lp->lp_n_nat++;
}

/* Maps every service's NAT IPs to entries; their netifs must exist.
 * 0 or -1 (logged). */
int
nat_setup(struct pl_loop *lp)
{
	const struct pl_config *cfg = lp->lp_cfg;

	for (int s = 0; s < cfg->n_services; s++) {
		const struct cfg_service *svc = &cfg->services[s];

		for (int k = 0; k < svc->svc_n_nat_ips; k++) {
			struct netif *netif = ring_port_find(&lp->lp_ports[svc->svc_nat_nics[k]],
			    svc->svc_nat_ips[k]);
			int i = netif == NULL ? -1 :
			    nat_find_or_add(lp, svc->svc_nat_ips[k], netif);

			if (i == -1) {
				log_warnx("service %s: NAT IP %d: no memory for its port table",
				    svc->svc_name, k + 1);
				return -1;
			}
			lp->lp_svc_nat[s][k] = i;
		}
	}
	return 0;
}

void
nat_teardown(struct pl_loop *lp)
{
	for (int i = 0; i < lp->lp_n_nat; i++) {
		free(lp->lp_nat[i].ni_free_at);
		lp->lp_nat[i].ni_free_at = NULL;
	}
	lp->lp_n_nat = 0;
}

/* A free port of ni in [lo, hi], held on return; 0 if there is none. */
static uint16_t
nat_take_port(struct nat_ip *ni, uint16_t lo, uint16_t hi, uint32_t now)
{
	uint32_t span = (uint32_t)hi - lo + 1;
	uint32_t start = ni->ni_cursor >= lo && ni->ni_cursor <= hi ? ni->ni_cursor : lo;

	for (uint32_t n = 0; n < span; n++) {
		uint16_t port = (uint16_t)(lo + (start - lo + n) % span);
		uint32_t *at = &ni->ni_free_at[port];

		if (*at == NAT_PORT_BUSY || (*at != 0 && (int32_t)(now - *at) < 0))
			continue;
		*at = NAT_PORT_BUSY;
		ni->ni_cursor = (uint16_t)(port == hi ? lo : port + 1);
		ni->ni_live++;
		ni->ni_allocated++;
		return port;
	}
	return 0;
}

/*
 * Picks the NAT IP (index into lp_nat) and source port for a new
 * connection of service: the service's NAT IPs in turn, the first with a
 * free port.  0, or -1 when all are exhausted.
 */
int
nat_alloc(struct pl_loop *lp, int service, int *nat, uint16_t *port)
{
	const struct cfg_service *svc = &lp->lp_cfg->services[service];
	uint32_t now = nat_now();
	int n = svc->svc_n_nat_ips;

	for (int k = 0; k < n; k++) {
		int slot = (int)((lp->lp_svc_rr[service] + (unsigned int)k) % (unsigned int)n);
		int i = lp->lp_svc_nat[service][slot];
		uint16_t p;

		/* No netif: a reload freed it and nat_setup failed before
		 * mapping it again; no connection can leave from it. */
		if (lp->lp_nat[i].ni_netif == NULL)
			continue;
		p = nat_take_port(&lp->lp_nat[i], svc->svc_port_min, svc->svc_port_max, now);

		if (p != 0) {
			lp->lp_svc_rr[service] = (unsigned int)slot + 1;
			*nat = i;
			*port = p;
			return 0;
		}
	}
	return -1;
}

/* Gives a port back: at once, or after TIME_WAIT when the connection
 * was closed gracefully. */
void
nat_release(struct pl_loop *lp, int nat, uint16_t port, int time_wait)
{
	struct nat_ip *ni = &lp->lp_nat[nat];

	if (ni->ni_free_at == NULL || ni->ni_free_at[port] != NAT_PORT_BUSY)
		return;
	ni->ni_free_at[port] = time_wait ? nat_now() + NAT_TIME_WAIT_S : 0;
	ni->ni_live--;
}
