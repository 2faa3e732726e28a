/*
 * Reload: the drop directory is parsed into a fresh config and validated
 * as a whole; with any error the running config stays exactly as it was.
 *
 * A valid config is applied at once.  An endpoint that is Approved in both
 * and unchanged, its service unchanged too, keeps its listeners and its
 * live connections; so does a service's provider-side frontend.  Every
 * other endpoint and frontend of the old config stops listening and its
 * live connections are reset; every Approved endpoint and frontend of the
 * new one that was not kept starts listening.  A service is unchanged when
 * its rules, NAT IPs and PROXY setting are: pools may change under live
 * connections (weights, backends, probes), and backends keep their health
 * by pool name and address.  Addresses no longer used stop answering.
 * NIC changes need a restart: they are refused with a message and the
 * running config stays.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lwip/netif.h"
#include "lwip/tcp.h"

#include "cfg.h"
#include "cfg_set.h"
#include "health.h"
#include "log.h"
#include "mgmt.h"
#include "nat.h"
#include "relay.h"
#include "share.h"
#include "reload.h"
#include "watchdog.h"

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

/* Do a's rules and b's send the same ports to the same pools? */
static int
reload_same_rules(const struct pl_config *a, const struct cfg_service *x,
    const struct pl_config *b, const struct cfg_service *y)
{
	if (x->svc_n_rules != y->svc_n_rules)
		return 0;
	for (int r = 0; r < x->svc_n_rules; r++) {
		const struct cfg_rule *p = &x->svc_rules[r], *q = &y->svc_rules[r];

		if (p->ru_frontend_port != q->ru_frontend_port ||
		    p->ru_backend_port != q->ru_backend_port ||
		    strcmp(a->pools[p->ru_pool].pool_name, b->pools[q->ru_pool].pool_name) != 0)
			return 0;
	}
	return 1;
}

/* Does a connection of x's service behave the same under y? */
static int
reload_same_service(const struct pl_config *a, const struct cfg_service *x,
    const struct pl_config *b, const struct cfg_service *y)
{
	return strcmp(x->svc_name, y->svc_name) == 0 &&
	    reload_same_rules(a, x, b, y) &&
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
		    reload_same_service(a, &a->services[x->ep_service], b,
		    &b->services[y->ep_service]))
			return i;
		return -1;
	}
	return -1;
}

/* Index in b of the service whose frontend keeps running as a's service
 * s's, or -1. */
static int
reload_kept_frontend(const struct pl_config *a, int s, const struct pl_config *b)
{
	const struct cfg_service *x = &a->services[s];

	if (x->svc_frontend_nic == -1)
		return -1;
	for (int i = 0; i < b->n_services; i++) {
		const struct cfg_service *y = &b->services[i];

		if (strcmp(x->svc_name, y->svc_name) != 0)
			continue;
		if (y->svc_frontend_nic == x->svc_frontend_nic &&
		    y->svc_frontend_ip == x->svc_frontend_ip &&
		    y->svc_frontend_proxy_protocol == x->svc_frontend_proxy_protocol &&
		    reload_same_service(a, x, b, y))
			return i;
		return -1;
	}
	return -1;
}

static int
reload_service_index(const struct pl_config *cfg, const char *name)
{
	for (int i = 0; i < cfg->n_services; i++)
		if (strcmp(cfg->services[i].svc_name, name) == 0)
			return i;
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

/* Does next use address a on NIC n? */
static int
reload_addr_used(const struct pl_config *next, int n, uint32_t a)
{
	if (next->nics[n].nic_addr == a)
		return 1;
	for (int e = 0; e < next->n_endpoints; e++)
		if (next->endpoints[e].ep_nic == n && next->endpoints[e].ep_ip == a)
			return 1;
	if (next->management.mg_enabled && next->management.mg_nic == n &&
	    next->management.mg_addr == a)
		return 1;
	for (int s = 0; s < next->n_services; s++) {
		const struct cfg_service *svc = &next->services[s];

		if (svc->svc_frontend_nic == n && svc->svc_frontend_ip == a)
			return 1;
		for (int i = 0; i < svc->svc_n_nat_ips; i++)
			if (svc->svc_nat_nics[i] == n && svc->svc_nat_ips[i] == a)
				return 1;
	}
	return 0;
}

/*
 * Takes off the addresses old used and next does not.  Only what is
 * bound to such an address on its NIC is aborted, never a connection of
 * the same IP on another NIC (ring_addr.c); the listeners and
 * connections of these addresses are gone already.  A NIC's netif stays
 * while the NIC has addresses: the new config's netif pointers are set
 * right after.
 */
static void
reload_drop_addresses(struct pl_loop *lp, const struct pl_config *old,
    const struct pl_config *next)
{
	for (int n = 0; n < old->n_nics; n++) {
		struct ring_port *rp = &lp->lp_ports[n];
		unsigned int na = ring_port_addr_list(rp, NULL, 0);
		uint32_t *addrs = calloc(na + 1, sizeof(*addrs));

		if (addrs == NULL) {
			log_warnx("nic %s: out of memory: addresses left in place",
			    old->nics[n].nic_name);
			continue;
		}
		ring_port_addr_list(rp, addrs, na);
		for (unsigned int k = 0; k < na; k++) {
			uint32_t a = addrs[k];
			ip4_addr_t ip;
			int rc;

			if (reload_addr_used(next, n, a))
				continue;
			ip4_addr_set_u32(&ip, a);
			rc = ring_port_del_addr(rp, a);
			if (rc < 0)
				log_warnx("nic %s: address %s left down, not freed: %s",
				    old->nics[n].nic_name, ip4addr_ntoa(&ip), strerror(-rc));
			else if (rc > 0)
				log_info("nic %s: address %s removed, %d connection%s on it reset",
				    old->nics[n].nic_name, ip4addr_ntoa(&ip), rc, rc == 1 ? "" : "s");
		}
		free(addrs);
	}
}

/* What a reload needs besides the new config, allocated up front so that
 * once the new config is valid, applying it cannot fail half way. */
struct reload_scratch {
	struct relay_listener	listeners[CFG_MAX_ENDPOINTS][CFG_MAX_RULES];
	struct relay_listener	fe_listeners[CFG_MAX_SERVICES][CFG_MAX_RULES];
	struct relay_ep_stats	stats[CFG_MAX_ENDPOINTS];
	struct relay_ep_stats	fe_stats[CFG_MAX_SERVICES];
	uint64_t		no_backend[CFG_MAX_SERVICES];
	struct backend_health	health[CFG_MAX_POOLS][CFG_MAX_BACKENDS];
	int			kept[CFG_MAX_ENDPOINTS];
	int			fe_kept[CFG_MAX_SERVICES];
};

/* Points each moved listener at its new place, rule by rule. */
static void
reload_rebind(struct relay_listener *row, int endpoint, int service)
{
	for (int r = 0; r < CFG_MAX_RULES; r++) {
		row[r].rl_endpoint = endpoint;
		row[r].rl_service = service;
		if (row[r].rl_pcb != NULL)
			tcp_arg(row[r].rl_pcb, &row[r]);
	}
}

/* Live connections follow their endpoint, service, pool and backend. */
static void
reload_remap_conns(struct pl_loop *lp, const struct pl_config *old, const struct pl_config *next,
    const struct reload_scratch *sc)
{
	for (struct relay_conn *rc = lp->lp_conns; rc != NULL; rc = rc->rc_next) {
		int np, nb;

		if (rc->rc_endpoint >= 0) {
			rc->rc_endpoint = sc->kept[rc->rc_endpoint];
			rc->rc_service = next->endpoints[rc->rc_endpoint].ep_service;
		} else {
			rc->rc_service = sc->fe_kept[rc->rc_service];
		}
		if (rc->rc_backend != -1 &&
		    health_find(old, rc->rc_pool, rc->rc_backend, next, &np, &nb) == 0) {
			rc->rc_pool = np;
			rc->rc_backend = nb;
		} else {
			rc->rc_pool = 0;
			rc->rc_backend = -1;	/* its backend left the pool */
		}
	}
}

/*
 * The bookkeeping of a start: generation 1, its digest; the start's load
 * counts as the last reload, a good one.
 */
void
reload_started(struct pl_loop *lp, const uint8_t digest[static 32])
{
	lp->lp_generation = 1;
	lp->lp_reloads_ok = lp->lp_reloads_failed = 0;
	lp->lp_last_reload_ok = 1;
	lp->lp_last_reload_time = lp->lp_started;
	memcpy(lp->lp_digest, digest, sizeof(lp->lp_digest));
}

static void
reload_count(struct pl_loop *lp, int ok)
{
	if (ok)
		lp->lp_reloads_ok++;
	else
		lp->lp_reloads_failed++;
	lp->lp_last_reload_ok = ok;
	lp->lp_last_reload_time = time(NULL);
}

/*
 * Reload from the drop directory (SIGHUP, a change seen by inotify): the
 * drops are read and validated as a whole, then applied.  0 when the new
 * config is running, -1 when the old one stays (errors on stderr).
 */
int
reload_run(struct pl_loop *lp)
{
	struct pl_config *next;
	struct cfg_set set;
	uint8_t digest[32];
	int errors;

	if ((next = calloc(1, sizeof(*next))) == NULL) {
		log_warn("reload: keeping the running configuration");
		reload_count(lp, 0);
		return -1;
	}
	errors = cfg_set_read(&set, lp->lp_confdir, stderr);
	if (errors == 0 || set.cs_n > 0)
		errors += cfg_load_set(next, lp->lp_confdir, &set, lp->lp_cfg, stderr);
	cfg_set_digest(&set, digest);
	cfg_set_free(&set);
	if (errors != 0) {
		log_warnx("reload: %d error%s in %s: keeping the running configuration",
		    errors, errors == 1 ? "" : "s", lp->lp_confdir);
		free(next);
		reload_count(lp, 0);
		return -1;
	}
	return reload_apply(lp, next, digest, NULL);
}

/*
 * Can next, loaded without errors, be applied to the running appliance?
 * 0, or the number of reasons it cannot, each written to errs (NULL: not
 * written) as "DIR: message".  The management API asks before it writes
 * anything.
 */
int
reload_check(const struct pl_loop *lp, const struct pl_config *next, FILE *errs)
{
	if (reload_same_nics(lp->lp_cfg, next))
		return 0;
	if (errs != NULL)
		fprintf(errs, "%s: NICs changed; restart privlinkd to apply that "
		    "(keeping the running configuration)\n", lp->lp_confdir);
	return 1;
}

/*
 * Applies next, a config loaded without errors against the running one
 * (cfg_load_set with lp->lp_cfg as running), whose drop set has digest:
 * takes next whatever happens (freed if refused).  A config that changes
 * the NICs is refused: the reason is logged and written to errs (NULL:
 * logged only), "DIR: message".  0 when next is running (generation one
 * up), -1 when the old config stays.
 */
int
reload_apply(struct pl_loop *lp, struct pl_config *next, const uint8_t digest[static 32],
    FILE *errs)
{
	struct pl_config *old = lp->lp_cfg;
	struct reload_scratch *sc;
	int n_kept = 0;

	if ((sc = calloc(1, sizeof(*sc))) == NULL) {
		log_warn("reload: keeping the running configuration");
		if (errs != NULL)
			fprintf(errs, "%s: cannot apply: out of memory (keeping the running "
			    "configuration)\n", lp->lp_confdir);
		goto keep;
	}
	if (reload_check(lp, next, errs) != 0) {
		log_warnx("reload: NICs changed; restart privlinkd to apply that "
		    "(keeping the running configuration)");
		goto keep;
	}
	/* NICs named by MAC keep the interface found at start. */
	for (int i = 0; i < next->n_nics; i++)
		memcpy(next->nics[i].nic_ifname, old->nics[i].nic_ifname,
		    sizeof(next->nics[i].nic_ifname));
	reload_log_changes(old, next);
	health_stop(lp);

	/* Old endpoints and frontends not kept: no listener, no connection. */
	for (int j = 0; j < old->n_endpoints; j++) {
		sc->kept[j] = reload_kept(old, j, next);
		if (sc->kept[j] == -1) {
			relay_unlisten(lp, j);
			relay_cut_endpoint(lp, j);
		} else {
			n_kept++;
		}
	}
	for (int s = 0; s < old->n_services; s++) {
		sc->fe_kept[s] = reload_kept_frontend(old, s, next);
		if (sc->fe_kept[s] == -1) {
			relay_unlisten_frontend(lp, s);
			relay_cut_frontend(lp, s);
		}
	}
	/* Kept ones move to their new index. */
	for (int j = 0; j < old->n_endpoints; j++)
		if (sc->kept[j] != -1)
			memcpy(sc->listeners[sc->kept[j]], lp->lp_listeners[j],
			    sizeof(lp->lp_listeners[j]));
	for (int s = 0; s < old->n_services; s++)
		if (sc->fe_kept[s] != -1)
			memcpy(sc->fe_listeners[sc->fe_kept[s]], lp->lp_fe_listeners[s],
			    sizeof(lp->lp_fe_listeners[s]));
	/* Counters follow names, kept or not. */
	for (int i = 0; i < next->n_endpoints; i++)
		for (int j = 0; j < old->n_endpoints; j++)
			if (strcmp(old->endpoints[j].ep_name, next->endpoints[i].ep_name) == 0)
				sc->stats[i] = lp->lp_ep_stats[j];
	for (int t = 0; t < next->n_services; t++) {
		int s = reload_service_index(old, next->services[t].svc_name);

		if (s != -1) {
			sc->fe_stats[t] = lp->lp_fe_stats[s];
			sc->no_backend[t] = lp->lp_svc_no_backend[s];
		}
	}
	reload_remap_conns(lp, old, next, sc);
	health_carry(lp, old, next, sc->health);
	memcpy(lp->lp_listeners, sc->listeners, sizeof(lp->lp_listeners));
	memcpy(lp->lp_fe_listeners, sc->fe_listeners, sizeof(lp->lp_fe_listeners));
	memcpy(lp->lp_ep_stats, sc->stats, sizeof(lp->lp_ep_stats));
	memcpy(lp->lp_fe_stats, sc->fe_stats, sizeof(lp->lp_fe_stats));
	memcpy(lp->lp_svc_no_backend, sc->no_backend, sizeof(lp->lp_svc_no_backend));
	for (int i = 0; i < next->n_endpoints; i++)
		reload_rebind(lp->lp_listeners[i], i, next->endpoints[i].ep_service);
	for (int t = 0; t < next->n_services; t++)
		reload_rebind(lp->lp_fe_listeners[t], -1, t);

	mgmt_reload_prepare(lp, next);
	reload_drop_addresses(lp, old, next);
	if (next->appliance.ap_memory_limit != old->appliance.ap_memory_limit)
		loop_memory_limit(next);
	if (next->appliance.ap_watchdog_s != old->appliance.ap_watchdog_s)
		watchdog_set(next);
	lp->lp_cfg = next;
	free(old);
	old = NULL;

	/* New addresses, NAT tables, listeners, probes.  A failure here
	 * leaves the endpoint or frontend concerned down, logged; the rest
	 * runs. */
	for (int e = 0; e < next->n_endpoints; e++)
		lp->lp_ep_netif[e] = loop_addr(lp, next->endpoints[e].ep_nic, next->endpoints[e].ep_ip);
	share_apply_syn_rates(lp);
	for (int s = 0; s < next->n_services; s++) {
		const struct cfg_service *svc = &next->services[s];

		for (int k = 0; k < svc->svc_n_nat_ips; k++)
			loop_addr(lp, svc->svc_nat_nics[k], svc->svc_nat_ips[k]);
		lp->lp_fe_netif[s] = svc->svc_frontend_nic == -1 ? NULL :
		    loop_addr(lp, svc->svc_frontend_nic, svc->svc_frontend_ip);
	}
	memset(lp->lp_svc_rr, 0, sizeof(lp->lp_svc_rr));
	if (nat_setup(lp) != 0)
		log_warnx("reload: NAT tables incomplete");
	for (int e = 0; e < next->n_endpoints; e++)
		if (next->endpoints[e].ep_state == CFG_APPROVAL_APPROVED &&
		    !relay_listening(lp->lp_listeners[e]) && lp->lp_ep_netif[e] != NULL &&
		    relay_listen(lp, e) != 0)
			log_warnx("endpoint %s: approved but not listening", next->endpoints[e].ep_name);
	for (int s = 0; s < next->n_services; s++)
		if (lp->lp_fe_netif[s] != NULL && !relay_listening(lp->lp_fe_listeners[s]) &&
		    relay_listen_frontend(lp, s) != 0)
			log_warnx("service %s: frontend not listening", next->services[s].svc_name);
	if (health_start(lp) != 0)
		log_warnx("reload: health probes not running");
	lp->lp_generation++;
	memcpy(lp->lp_digest, digest, sizeof(lp->lp_digest));
	reload_count(lp, 1);
	mgmt_reload_finish(lp);
	log_info("reload: configuration applied: %d endpoint%s, %d kept running "
	    "(generation %llu)", next->n_endpoints, next->n_endpoints == 1 ? "" : "s", n_kept,
	    (unsigned long long)lp->lp_generation);
	free(sc);
	return 0;

keep:
	free(next);
	free(sc);
	reload_count(lp, 0);
	return -1;
}
