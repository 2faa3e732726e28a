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
 * its rules, NAT IPs and PROXY setting (proxy_protocol and its dialect:
 * TLV, unique id, CRC32c) are, an endpoint when its ids (link id,
 * endpoint_id, psc_connection_id) are too: pools may change under live
 * connections (weights, backends, probes), and backends keep their health
 * by pool name and address.  Addresses no longer used stop answering.
 *
 * NICs change live too (nic.c): a NIC the reload leaves as it was keeps
 * its port and everything on it; one it edits (interface, MAC, address,
 * role, gateway) or removes is closed, its connections reset and counted
 * (lp_nic_resets) and its frames stop; an edited or added one is opened
 * anew.  An endpoint or service on a closed NIC is not kept.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lwip/netif.h"
#include "lwip/tcp.h"

#include "cfg.h"
#include "cfg_set.h"
#include "dns_serve.h"
#include "health.h"
#include "log.h"
#include "mgmt.h"
#include "nat.h"
#include "nic.h"
#include "nicmac.h"
#include "relay.h"
#include "reload.h"
#include "rt.h"
#include "share.h"
#include "watchdog.h"

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

/* Are x's NAT IPs on the same NIC objects as y's (none edited)? */
static int
reload_same_nat_nics(const struct pl_config *a, const struct cfg_service *x,
    const struct pl_config *b, const struct cfg_service *y)
{
	for (int k = 0; k < x->svc_n_nat_ips; k++)
		if (nic_of(a, x->svc_nat_nics[k]) != nic_of(b, y->svc_nat_nics[k]))
			return 0;
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
	    /* The dialect is part of the PROXY setting: after a reload the
	     * backend sees only connections headed as the drop now says. */
	    x->svc_pp_tlv == y->svc_pp_tlv && x->svc_pp_unique_id == y->svc_pp_unique_id &&
	    x->svc_pp_crc32c == y->svc_pp_crc32c &&
	    x->svc_n_nat_ips == y->svc_n_nat_ips &&
	    memcmp(x->svc_nat_ips, y->svc_nat_ips, sizeof(x->svc_nat_ips)) == 0 &&
	    reload_same_nat_nics(a, x, b, y) &&
	    x->svc_port_min == y->svc_port_min && x->svc_port_max == y->svc_port_max;
}

/* Index in b of the endpoint that keeps running as a's endpoint e, or -1. */
static int
reload_kept(const struct pl_config *a, int e, const struct pl_config *b)
{
	const struct cfg_endpoint *x = &a->endpoints[e], *y;
	int i = cfg_find_endpoint(b, x->ep_name);

	if (x->ep_state != CFG_APPROVAL_APPROVED || i == -1)
		return -1;
	y = &b->endpoints[i];
	if (y->ep_state == CFG_APPROVAL_APPROVED && nic_of(a, x->ep_nic) == nic_of(b, y->ep_nic) &&
	    x->ep_ip == y->ep_ip && x->ep_link_id == y->ep_link_id &&
	    strcmp(x->ep_endpoint_id, y->ep_endpoint_id) == 0 && x->ep_psc_id == y->ep_psc_id &&
	    reload_same_service(a, &a->services[x->ep_service], b, &b->services[y->ep_service]))
		return i;
	return -1;
}

/* Index in b of the service whose frontend keeps running as a's service
 * s's, or -1. */
static int
reload_kept_frontend(const struct pl_config *a, int s, const struct pl_config *b)
{
	const struct cfg_service *x = &a->services[s], *y;
	int i = cfg_find_service(b, x->svc_name);

	if (x->svc_frontend_nic == -1 || i == -1)
		return -1;
	y = &b->services[i];
	if (nic_of(b, y->svc_frontend_nic) == nic_of(a, x->svc_frontend_nic) &&
	    y->svc_frontend_ip == x->svc_frontend_ip &&
	    y->svc_frontend_proxy_protocol == x->svc_frontend_proxy_protocol &&
	    reload_same_service(a, x, b, y))
		return i;
	return -1;
}

static void
reload_log_changes(const struct pl_config *a, const struct pl_config *b)
{
	for (int i = 0; i < b->n_nics; i++) {
		const struct nic_rt *nr = b->nics[i].nic_rt;

		if (nr->nr_cfg == NULL && cfg_find_nic(a, nr->nr_name) == -1)
			log_info("nic %s: added", nr->nr_name);
	}
	for (int j = 0; j < a->n_nics; j++)
		if (!a->nics[j].nic_rt->nr_mark)
			log_info("nic %s: %s: closed, its connections reset", a->nics[j].nic_name,
			    cfg_find_nic(b, a->nics[j].nic_name) != -1 ? "edited" : "removed");
	for (int i = 0; i < b->n_endpoints; i++) {
		const struct cfg_endpoint *y = &b->endpoints[i];
		int j = cfg_find_endpoint(a, y->ep_name);
		const struct cfg_endpoint *x = j == -1 ? NULL : &a->endpoints[j];

		if (x == NULL)
			log_info("endpoint %s: added, %s", y->ep_name, cfg_approval_name(y->ep_state));
		else if (x->ep_state != y->ep_state)
			log_info("endpoint %s: %s -> %s%s%s", y->ep_name,
			    cfg_approval_name(x->ep_state), cfg_approval_name(y->ep_state),
			    y->ep_message[0] ? ": " : "", y->ep_message);
	}
	for (int j = 0; j < a->n_endpoints; j++)
		if (cfg_find_endpoint(b, a->endpoints[j].ep_name) == -1)
			log_info("endpoint %s: removed", a->endpoints[j].ep_name);
}

/* Does next use address a on the NIC object nr (kept by next)? */
static int
reload_addr_used(const struct pl_config *next, const struct nic_rt *nr, uint32_t a)
{
	if (nr->nr_set.nic_addr == a || dns_serve_uses(next, nr, a))
		return 1;
	for (int e = 0; e < next->n_endpoints; e++)
		if (nic_of(next, next->endpoints[e].ep_nic) == nr && next->endpoints[e].ep_ip == a)
			return 1;
	if (next->management.mg_enabled && nic_of(next, next->management.mg_nic) == nr &&
	    next->management.mg_addr == a)
		return 1;
	for (int s = 0; s < next->n_services; s++) {
		const struct cfg_service *svc = &next->services[s];

		if (nic_of(next, svc->svc_frontend_nic) == nr && svc->svc_frontend_ip == a)
			return 1;
		for (int i = 0; i < svc->svc_n_nat_ips; i++)
			if (nic_of(next, svc->svc_nat_nics[i]) == nr && svc->svc_nat_ips[i] == a)
				return 1;
	}
	return 0;
}

/*
 * Does live connection rc use a NIC the reload closes (nic_prepare left
 * it unmarked): its endpoint's or frontend's, or one of its service's
 * NAT IPs'?  Those are reset, counted as such.
 */
static int
reload_conn_on_closed_nic(const struct pl_config *old, const struct relay_conn *rc)
{
	const struct cfg_service *svc = rc->rc_svc->sr_cfg;
	const struct nic_rt *nr = nic_of(old, rc->rc_ep != NULL ? rc->rc_ep->er_cfg->ep_nic :
	    svc->svc_frontend_nic);

	if (nr != NULL && !nr->nr_mark)
		return 1;
	for (int k = 0; k < svc->svc_n_nat_ips; k++)
		if (!nic_of(old, svc->svc_nat_nics[k])->nr_mark)
			return 1;
	return 0;
}

/* Clears the runtime objects' pointers to addr on netif (a NIC's), about
 * to go; addr 0: every address of the netif (the NIC closes). */
static void
reload_forget_addr(struct pl_loop *lp, const struct netif *netif, uint32_t addr)
{
	for (struct ep_rt *er = lp->lp_eps; er != NULL; er = er->er_next)
		if (er->er_netif == netif && (addr == 0 || er->er_addr == addr))
			er->er_netif = NULL;
	for (struct svc_rt *sr = lp->lp_svcs; sr != NULL; sr = sr->sr_next)
		if (sr->sr_fe_netif == netif && (addr == 0 || sr->sr_fe_addr == addr))
			sr->sr_fe_netif = NULL;
	for (int i = 0; i < lp->lp_n_nat; i++)
		if (lp->lp_nat[i].ni_netif == netif && (addr == 0 || lp->lp_nat[i].ni_addr == addr))
			lp->lp_nat[i].ni_netif = NULL;
}

/*
 * Takes off the addresses old used and next does not.  Only what is
 * bound to such an address on its NIC is aborted, never a connection of
 * the same IP on another NIC (ns_addr.c); the listeners and
 * connections of these addresses are gone already.  A NIC next does not
 * keep is closed whole.  The new config's netif pointers are set right
 * after.
 */
static void
reload_drop_addresses(struct pl_loop *lp, const struct pl_config *old,
    const struct pl_config *next)
{
	for (int n = 0; n < old->n_nics; n++) {
		struct nic_rt *nr = old->nics[n].nic_rt;
		unsigned int na;
		uint32_t *addrs;

		if (!nr->nr_mark) {
			reload_forget_addr(lp, nic_netif(nr), 0);
			lp->lp_nic_resets += (uint64_t)nic_close(lp, nr);
			continue;
		}
		if ((addrs = nic_addrs(nr, &na)) == NULL) {
			log_warnx("nic %s: out of memory: addresses left in place", nr->nr_name);
			continue;
		}
		for (unsigned int k = 0; k < na; k++) {
			uint32_t a = addrs[k];

			if (reload_addr_used(next, nr, a))
				continue;
			reload_forget_addr(lp, nic_netif(nr), a);
			nic_addr_put(nr, a);
		}
		free(addrs);
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
 * anything.  Every change of a drop applies live now, NICs included.
 */
int
reload_check(const struct pl_loop *lp, const struct pl_config *next, FILE *errs)
{
	(void)lp;
	(void)next;
	(void)errs;
	return 0;
}

/*
 * Applies next, a config loaded without errors against the running one
 * (cfg_load_set with lp->lp_cfg as running), whose drop set has digest:
 * takes next whatever happens (freed if refused).  A config that cannot
 * be applied (an interface named by MAC not found, no memory) is refused:
 * the reason is logged and written to errs (NULL: logged only), "DIR:
 * message".  0 when next is running (generation one up), -1 when the old
 * config stays.
 */
int
reload_apply(struct pl_loop *lp, struct pl_config *next, const uint8_t digest[static 32],
    FILE *errs)
{
	struct pl_config *old = lp->lp_cfg;
	int n_kept = 0, nic_resets = 0;

	if (reload_check(lp, next, errs) != 0)
		goto keep;
	if (nic_find_macs(next) != 0) {
		log_warnx("reload: a NIC's MAC address is not found (keeping the running "
		    "configuration)");
		if (errs != NULL)
			fprintf(errs, "%s: a NIC's MAC address is not found (keeping the running "
			    "configuration)\n", lp->lp_confdir);
		goto keep;
	}
	/* Every NIC and object of next gets its runtime object, found by
	 * identity: the only steps that allocate, so they come before any
	 * change.  A NIC kept keeps the interface found when it was made. */
	if (nic_prepare(lp, next) != 0 || rt_prepare(lp, next) != 0) {
		nic_commit(lp);		/* frees what they made for next */
		rt_commit(lp);
		log_warnx("reload: out of memory (keeping the running configuration)");
		if (errs != NULL)
			fprintf(errs, "%s: cannot apply: out of memory (keeping the running "
			    "configuration)\n", lp->lp_confdir);
		goto keep;
	}
	reload_log_changes(old, next);
	health_stop(lp);

	/* Connections on a NIC about to close are reset below (their
	 * endpoint or service is not kept): counted as such. */
	for (struct relay_conn *rc = lp->lp_conns; rc != NULL; rc = rc->rc_next)
		nic_resets += reload_conn_on_closed_nic(old, rc);
	lp->lp_nic_resets += (uint64_t)nic_resets;
	if (nic_resets > 0)
		log_info("reload: %d connection%s on edited or removed NICs reset", nic_resets,
		    nic_resets == 1 ? "" : "s");

	/* Old endpoints and frontends not kept: no listener, no connection.
	 * Kept ones go on as they are: their listeners and connections
	 * point at runtime objects, which no reload moves. */
	for (int j = 0; j < old->n_endpoints; j++) {
		struct ep_rt *er = old->endpoints[j].ep_rt;

		if (reload_kept(old, j, next) == -1) {
			relay_unlisten(er);
			relay_cut_endpoint(lp, er);
		} else {
			n_kept++;
		}
	}
	for (int s = 0; s < old->n_services; s++) {
		struct svc_rt *sr = old->services[s].svc_rt;

		if (reload_kept_frontend(old, s, next) == -1) {
			relay_unlisten_frontend(sr);
			relay_cut_frontend(lp, sr);
		}
	}
	/* Connections whose backend left let go of it. */
	relay_carry(lp);

	mgmt_reload_prepare(lp, next);
	dns_serve_prepare(lp, next);
	reload_drop_addresses(lp, old, next);
	if (next->appliance.ap_memory_limit != old->appliance.ap_memory_limit)
		loop_memory_limit(next);
	if (next->appliance.ap_watchdog_s != old->appliance.ap_watchdog_s)
		watchdog_set(next);
	lp->lp_cfg = next;
	nic_commit(lp);		/* the NICs closed above go */
	rt_commit(lp);		/* the runtime of removed objects goes */
	free(old);
	old = NULL;

	/* Added and edited NICs open. */
	for (int i = 0; i < next->n_nics; i++)
		if (!next->nics[i].nic_rt->nr_open && nic_open(lp, next->nics[i].nic_rt) != 0)
			log_warnx("nic %s: not open: its addresses do not answer", next->nics[i].nic_name);

	/* New addresses, NAT tables, listeners, probes.  A failure here
	 * leaves the endpoint or frontend concerned down, logged; the rest
	 * runs. */
	for (int e = 0; e < next->n_endpoints; e++) {
		next->endpoints[e].ep_rt->er_netif = nic_addr_get(nic_of(next,
		    next->endpoints[e].ep_nic), next->endpoints[e].ep_ip);
		next->endpoints[e].ep_rt->er_addr = next->endpoints[e].ep_ip;
	}
	share_apply_syn_rates(lp);
	for (int s = 0; s < next->n_services; s++) {
		const struct cfg_service *svc = &next->services[s];

		for (int k = 0; k < svc->svc_n_nat_ips; k++)
			nic_addr_get(nic_of(next, svc->svc_nat_nics[k]), svc->svc_nat_ips[k]);
		svc->svc_rt->sr_fe_netif = svc->svc_frontend_nic == -1 ? NULL :
		    nic_addr_get(nic_of(next, svc->svc_frontend_nic), svc->svc_frontend_ip);
		svc->svc_rt->sr_fe_addr = svc->svc_frontend_ip;
	}
	if (nat_setup(lp) != 0)
		log_warnx("reload: NAT tables incomplete");
	for (int e = 0; e < next->n_endpoints; e++) {
		struct ep_rt *er = next->endpoints[e].ep_rt;

		if (next->endpoints[e].ep_state == CFG_APPROVAL_APPROVED &&
		    !relay_listening(er->er_listeners) && er->er_netif != NULL &&
		    relay_listen(lp, er) != 0)
			log_warnx("endpoint %s: approved but not listening", er->er_name);
	}
	for (int s = 0; s < next->n_services; s++) {
		struct svc_rt *sr = next->services[s].svc_rt;

		if (sr->sr_fe_netif != NULL && !relay_listening(sr->sr_fe_listeners) &&
		    relay_listen_frontend(lp, sr) != 0)
			log_warnx("service %s: frontend not listening", sr->sr_name);
	}
	if (health_start(lp) != 0)
		log_warnx("reload: health probes not running");
	lp->lp_generation++;
	dns_serve_apply(lp);
	memcpy(lp->lp_digest, digest, sizeof(lp->lp_digest));
	reload_count(lp, 1);
	mgmt_reload_finish(lp);
	log_info("reload: configuration applied: %d endpoint%s, %d kept running "
	    "(generation %llu)", next->n_endpoints, next->n_endpoints == 1 ? "" : "s", n_kept,
	    (unsigned long long)lp->lp_generation);
	return 0;

keep:
	free(next);
	reload_count(lp, 0);
	return -1;
}
