/*
 * Reload: the drop directory is parsed into a fresh config and validated
 * as a whole; with any error the running config stays exactly as it was.
 *
 * A valid config is applied at once.  An endpoint that is Approved in both
 * and unchanged, its service unchanged too, keeps its listener and its
 * live connections.  Every other endpoint of the old config stops
 * listening and its live connections are reset; every Approved endpoint
 * of the new one that was not kept starts listening.  Addresses no longer
 * used stop answering.  NIC changes need a restart: they are refused with
 * a message and the running config stays.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/netif.h"
#include "lwip/tcp.h"

#include "cfg.h"
#include "log.h"
#include "nat.h"
#include "relay.h"
#include "reload.h"

static int
reload_same_nics(const struct pl_config *a, const struct pl_config *b)
{
	if (a->n_nics != b->n_nics)
		return 0;
	for (int i = 0; i < a->n_nics; i++) {
		const struct cfg_nic *x = &a->nics[i], *y = &b->nics[i];

		if (strcmp(x->nic_name, y->nic_name) != 0 || x->nic_has_mac != y->nic_has_mac ||
		    (x->nic_has_mac ? memcmp(x->nic_mac, y->nic_mac, sizeof(x->nic_mac)) != 0 :
		    strcmp(x->nic_ifname, y->nic_ifname) != 0) ||
		    x->nic_addr != y->nic_addr || x->nic_prefixlen != y->nic_prefixlen ||
		    x->nic_gateway != y->nic_gateway || x->nic_role != y->nic_role)
			return 0;
	}
	return 1;
}

/* Does a connection of x's service behave the same under y? */
static int
reload_same_service(const struct cfg_service *x, const struct cfg_service *y)
{
	return strcmp(x->svc_name, y->svc_name) == 0 &&
	    x->svc_frontend_port == y->svc_frontend_port &&
	    x->svc_backend_addr == y->svc_backend_addr &&
	    x->svc_backend_port == y->svc_backend_port &&
	    x->svc_proxy_protocol == y->svc_proxy_protocol &&
	    x->svc_n_nat_ips == y->svc_n_nat_ips &&
	    memcmp(x->svc_nat_ips, y->svc_nat_ips, sizeof(x->svc_nat_ips)) == 0 &&
	    x->svc_port_min == y->svc_port_min && x->svc_port_max == y->svc_port_max;
}

/* Index in b of the endpoint that keeps running as a's endpoint e, or -1. */
static int
reload_kept(const struct pl_config *a, int e, const struct pl_config *b)
{
	const struct cfg_endpoint *x = &a->endpoints[e];

	if (x->ep_state != CFG_APPROVAL_APPROVED)
		return -1;
	for (int i = 0; i < b->n_endpoints; i++) {
		const struct cfg_endpoint *y = &b->endpoints[i];

		if (strcmp(x->ep_name, y->ep_name) != 0)
			continue;
		if (y->ep_state == CFG_APPROVAL_APPROVED && x->ep_nic == y->ep_nic &&
		    x->ep_ip == y->ep_ip && x->ep_link_id == y->ep_link_id &&
		    reload_same_service(&a->services[x->ep_service], &b->services[y->ep_service]))
			return i;
		return -1;
	}
	return -1;
}

static void
reload_log_changes(const struct pl_config *a, const struct pl_config *b)
{
	for (int i = 0; i < b->n_endpoints; i++) {
		const struct cfg_endpoint *y = &b->endpoints[i];
		const struct cfg_endpoint *x = NULL;

		for (int j = 0; j < a->n_endpoints; j++)
			if (strcmp(a->endpoints[j].ep_name, y->ep_name) == 0)
				x = &a->endpoints[j];
		if (x == NULL)
			log_info("endpoint %s: added, %s", y->ep_name, cfg_approval_name(y->ep_state));
		else if (x->ep_state != y->ep_state)
			log_info("endpoint %s: %s -> %s%s%s", y->ep_name,
			    cfg_approval_name(x->ep_state), cfg_approval_name(y->ep_state),
			    y->ep_message[0] ? ": " : "", y->ep_message);
	}
	for (int j = 0; j < a->n_endpoints; j++) {
		int found = 0;

		for (int i = 0; i < b->n_endpoints; i++)
			if (strcmp(a->endpoints[j].ep_name, b->endpoints[i].ep_name) == 0)
				found = 1;
		if (!found)
			log_info("endpoint %s: removed", a->endpoints[j].ep_name);
	}
}

/* Takes down the netifs of addresses old used and next does not. */
static void
reload_drop_addresses(struct pl_loop *lp, const struct pl_config *old,
    const struct pl_config *next)
{
	for (int n = 0; n < old->n_nics; n++) {
		struct ring_port *rp = &lp->lp_ports[n];

		for (int k = 0; k < rp->rp_n_netifs; k++) {
			struct netif *netif = rp->rp_netifs[k];
			uint32_t a = ip4_addr_get_u32(netif_ip4_addr(netif));
			int used = next->nics[n].nic_addr == a;

			for (int e = 0; e < next->n_endpoints && !used; e++)
				used = next->endpoints[e].ep_nic == n && next->endpoints[e].ep_ip == a;
			for (int s = 0; s < next->n_services && !used; s++)
				for (int i = 0; i < next->services[s].svc_n_nat_ips && !used; i++)
					used = next->services[s].svc_nat_nics[i] == n &&
					    next->services[s].svc_nat_ips[i] == a;
			if (!used && netif_is_up(netif))
				netif_set_down(netif);
		}
	}
}

/* Moves the listener and connections of old endpoint j to new endpoint i. */
static void
reload_move_endpoint(struct pl_loop *lp, int j, int i, struct relay_listener *listeners)
{
	listeners[i] = lp->lp_listeners[j];
	listeners[i].rl_endpoint = i;
	for (struct relay_conn *rc = lp->lp_conns; rc != NULL; rc = rc->rc_next)
		if (rc->rc_endpoint == j)
			rc->rc_endpoint = i + CFG_MAX_ENDPOINTS;	/* moved: see below */
}

/* 0 when the new config is running, -1 when the old one stays. */
int
reload_run(struct pl_loop *lp)
{
	struct pl_config *next, *old = lp->lp_cfg;
	struct relay_listener *listeners;
	struct relay_ep_stats *stats;
	int errors, kept[CFG_MAX_ENDPOINTS], n_kept = 0;

	next = calloc(1, sizeof(*next));
	listeners = calloc(CFG_MAX_ENDPOINTS, sizeof(*listeners));
	stats = calloc(CFG_MAX_ENDPOINTS, sizeof(*stats));
	if (next == NULL || listeners == NULL || stats == NULL) {
		log_warn("reload: keeping the running configuration");
		goto keep;
	}
	errors = cfg_load_dir_running(next, lp->lp_confdir, old, stderr);
	if (errors != 0) {
		log_warnx("reload: %d error%s in %s: keeping the running configuration",
		    errors, errors == 1 ? "" : "s", lp->lp_confdir);
		goto keep;
	}
	if (!reload_same_nics(old, next)) {
		log_warnx("reload: NICs changed; restart privlinkd to apply that "
		    "(keeping the running configuration)");
		goto keep;
	}
	/* NICs named by MAC keep the interface found at start. */
	for (int i = 0; i < next->n_nics; i++)
		memcpy(next->nics[i].nic_ifname, old->nics[i].nic_ifname,
		    sizeof(next->nics[i].nic_ifname));
	reload_log_changes(old, next);

	/* Old endpoints not kept: no listener, no connection. */
	for (int j = 0; j < old->n_endpoints; j++) {
		kept[j] = reload_kept(old, j, next);
		if (kept[j] == -1) {
			relay_unlisten(lp, j);
			relay_cut_endpoint(lp, j);
		} else {
			n_kept++;
		}
	}
	/* Kept ones move to their new index; connections are renumbered in
	 * two steps so an old index is never mistaken for a new one. */
	for (int j = 0; j < old->n_endpoints; j++)
		if (kept[j] != -1)
			reload_move_endpoint(lp, j, kept[j], listeners);
	/* Counters follow an endpoint's name, kept or not. */
	for (int i = 0; i < next->n_endpoints; i++)
		for (int j = 0; j < old->n_endpoints; j++)
			if (strcmp(old->endpoints[j].ep_name, next->endpoints[i].ep_name) == 0)
				stats[i] = lp->lp_ep_stats[j];
	for (struct relay_conn *rc = lp->lp_conns; rc != NULL; rc = rc->rc_next)
		rc->rc_endpoint -= CFG_MAX_ENDPOINTS;
	memcpy(lp->lp_listeners, listeners, sizeof(lp->lp_listeners));
	memcpy(lp->lp_ep_stats, stats, sizeof(lp->lp_ep_stats));
	for (int i = 0; i < next->n_endpoints; i++)
		if (lp->lp_listeners[i].rl_pcb != NULL)
			tcp_arg(lp->lp_listeners[i].rl_pcb, &lp->lp_listeners[i]);

	reload_drop_addresses(lp, old, next);
	lp->lp_cfg = next;
	free(old);
	old = NULL;

	/* New addresses, NAT tables, listeners.  A failure here leaves the
	 * endpoint concerned down, logged; the rest runs. */
	for (int e = 0; e < next->n_endpoints; e++)
		lp->lp_ep_netif[e] = loop_addr(lp, next->endpoints[e].ep_nic, next->endpoints[e].ep_ip);
	for (int s = 0; s < next->n_services; s++)
		for (int k = 0; k < next->services[s].svc_n_nat_ips; k++)
			loop_addr(lp, next->services[s].svc_nat_nics[k], next->services[s].svc_nat_ips[k]);
	memset(lp->lp_svc_rr, 0, sizeof(lp->lp_svc_rr));
	if (nat_setup(lp) != 0)
		log_warnx("reload: NAT tables incomplete");
	for (int e = 0; e < next->n_endpoints; e++)
		if (next->endpoints[e].ep_state == CFG_APPROVAL_APPROVED &&
		    lp->lp_listeners[e].rl_pcb == NULL && lp->lp_ep_netif[e] != NULL &&
		    relay_listen(lp, e) != 0)
			log_warnx("endpoint %s: approved but not listening", next->endpoints[e].ep_name);
	log_info("reload: configuration applied: %d endpoint%s, %d kept running",
	    next->n_endpoints, next->n_endpoints == 1 ? "" : "s", n_kept);
	free(listeners);
	free(stats);
	return 0;

keep:
	free(next);
	free(listeners);
	free(stats);
	return -1;
}
