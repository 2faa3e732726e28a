/*
 * Fair shares between tenants.  Every consumer network is another
 * tenant; what they share (the appliance's connections, a service's NAT
 * ports, the loop's time) is split so that none can take what the others
 * need:
 *
 * - Connections: [appliance] max_connections for all (auto: from
 *   memory_limit), and per endpoint its max_connections (default half the
 *   appliance's).  A connection over either is refused with a reset.
 * - A default share is a half only while there is someone to share with:
 *   an appliance (or service) with a single Approved endpoint and no
 *   frontend lets it take everything.  When a second tenant comes, the
 *   first keeps what it holds, but gets no more until it is below its
 *   share.
 * - Keepalives: a peer's keepalive probes keep a quiet connection past
 *   idle_timeout (relay.c), but only while its endpoint has room: an
 *   endpoint at its limit (or at the appliance's) that is asked for a new
 *   connection ends its own connection that has carried no payload for
 *   longest, if that is at least its service's idle_timeout ago, and the
 *   new one takes its place.  Only the endpoint's own connections are ever
 *   reclaimed, never another tenant's, and none that carried data within
 *   idle_timeout.  The SYN is let through only when there is one to
 *   reclaim; the reclaim itself waits for the handshake to complete, so a
 *   forged SYN ends nothing.
 * - New connections per second: max_new_connections_per_s goes to the
 *   netstack's token bucket of the endpoint's address (burst one second's
 *   worth; share_apply_syn_rates).  A SYN over the rate is dropped there,
 *   before lwIP, without a reset: a flood costs one check, and a real
 *   client sends its SYN again a second later, when the bucket has
 *   refilled, so a burst is spread out rather than failed.
 * - NAT ports: an endpoint may hold at most half of its service's NAT
 *   ports (all, if it is the service's only tenant), counting those held
 *   after a graceful close (nat.c's TIME_WAIT hold), so one tenant's
 *   churn cannot use up the ports of another.
 *
 * - Memory: what an endpoint's connections hold in the relay (queued
 *   bytes, and bytes written to a peer not yet acknowledged) is counted
 *   per endpoint.  Near memory_limit, an endpoint holding more than its
 *   share (half, all for a sole tenant) is shed: its windows are not
 *   reopened and its data segments are dropped at the NIC driver
 *   (ns_shed.c), so it drains and the others go on (SHARE_MEM_*).
 *
 * Everything here is O(1) per connection or SYN: a list per endpoint by
 * last payload, counters, a ring of holds per second, and the tenant
 * counts cfg_finish derived.
 */
#include "lwip/sys.h"

#include "nat.h"
#include "nic.h"
#include "netstack.h"
#include "share.h"

_Static_assert(SHARE_HOLD_SLOTS > NAT_TIME_WAIT_S, "SHARE_HOLD_SLOTS shorter than the NAT hold");

static struct relay_ep_stats *
share_stats(struct ep_rt *er, struct svc_rt *sr)
{
	return er != NULL ? &er->er_stats : &sr->sr_fe_stats;
}

/* The appliance's connection limit in force: the drop's, or one per
 * SHARE_CONN_BYTES of lwIP's heap limit. */
unsigned int
share_max_conns(const struct pl_loop *lp)
{
	struct ns_mem_stats ms;
	uint64_t n;

	if (lp->lp_cfg->appliance.ap_max_connections != 0)
		return lp->lp_cfg->appliance.ap_max_connections;
	ns_mem_get_stats(&ms);
	n = ms.ms_limit / SHARE_CONN_BYTES;
	if (ms.ms_limit == 0 || n > SHARE_AUTO_CONNS_MAX)
		n = SHARE_AUTO_CONNS_MAX;
	return n < 2 ? 2 : (unsigned int)n;
}

/*
 * Does more than one tenant share it: Approved endpoints and frontends of
 * the service, or of the whole appliance (service -1), as cfg_finish
 * counted them?  One alone has nobody to leave room for and may take
 * everything; from the second on, each may take its share.
 */
static int
share_shared(const struct pl_loop *lp, const struct cfg_service *svc)
{
	return (svc == NULL ? lp->lp_cfg->n_tenants : svc->svc_tenants) >= 2;
}

/* An endpoint's connection limit: its own, or half the appliance's once
 * another tenant shares it (a frontend, ep NULL, has no key). */
unsigned int
share_ep_max_conns(const struct pl_loop *lp, const struct cfg_endpoint *ep)
{
	unsigned int all = share_max_conns(lp), n;

	if (ep != NULL && ep->ep_max_connections != 0)
		n = ep->ep_max_connections;
	else if (!share_shared(lp, NULL))
		n = all;
	else
		n = (unsigned int)((uint64_t)all * SHARE_DEFAULT_PCT / 100);
	if (n > all)
		n = all;
	return n == 0 ? 1 : n;
}

/* The NAT ports of a service: its port range on each of its NAT IPs. */
static unsigned int
share_nat_total(const struct cfg_service *svc)
{
	return (unsigned int)svc->svc_n_nat_ips * ((uint32_t)svc->svc_port_max -
	    svc->svc_port_min + 1);
}

/* The NAT ports an endpoint of service may hold: half of the service's
 * once another tenant shares them, else all. */
unsigned int
share_nat_ports(const struct pl_loop *lp, const struct cfg_service *svc)
{
	uint64_t n = share_nat_total(svc);

	if (share_shared(lp, svc))
		n = n * SHARE_DEFAULT_PCT / 100;

	return n == 0 ? 1 : (unsigned int)n;
}

/* Forgets holds that have ended: a hold begun at second s ends at
 * s + NAT_TIME_WAIT_S, as nat.c frees the port then. */
static void
share_hold_expire(struct share_ep *se, uint32_t now)
{
	uint32_t last = now - NAT_TIME_WAIT_S;	/* holds begun up to it are over */
	int n;

	for (n = 0; (int32_t)(last - se->se_hold_sec) > 0 && n < SHARE_HOLD_SLOTS; n++) {
		uint32_t *slot = &se->se_hold[++se->se_hold_sec % SHARE_HOLD_SLOTS];

		se->se_ports_held -= *slot;
		*slot = 0;
	}
	/* Every slot was emptied: nothing older is left. */
	if ((int32_t)(last - se->se_hold_sec) > 0)
		se->se_hold_sec = last;
}

/* NAT ports an endpoint holds: of live connections and in holds. */
unsigned int
share_ports_held(struct relay_ep_stats *es)
{
	share_hold_expire(&es->es_share, nat_now());
	return es->es_share.se_ports_live + es->es_share.se_ports_held;
}

/* The endpoint's connection to reclaim for a new one, or NULL: its
 * oldest by payload, if quiet for its service's idle_timeout. */
static struct relay_conn *
share_reclaimable(struct relay_ep_stats *es)
{
	struct relay_conn *rc = es->es_share.se_oldest;

	if (rc == NULL || sys_now() - rc->rc_share.sl_data_ms <
	    rc->rc_svc->sr_cfg->svc_idle_timeout_ms)
		return NULL;
	return rc;
}

/*
 * The checks on a connection about to be admitted, shared by the SYN
 * and the accept: its endpoint's NAT port share, then the appliance's
 * and the endpoint's connection limits, where a reclaimable connection
 * of the endpoint makes room.  RELAY_EV_ACCEPTED or the refusal.
 */
static enum relay_event
share_check(struct pl_loop *lp, struct ep_rt *er, struct svc_rt *sr, struct relay_conn **reclaim)
{
	struct relay_ep_stats *es = share_stats(er, sr);
	int full = lp->lp_relay_stats.rs_live >= share_max_conns(lp);
	unsigned int ports = share_nat_ports(lp, sr->sr_cfg);

	*reclaim = NULL;
	/* A sole tenant's share is every port: running out of them is
	 * nat.c's to count (nat_ports_exhausted). */
	if (ports < share_nat_total(sr->sr_cfg) && share_ports_held(es) >= ports)
		return RELAY_EV_NAT_SHARE;
	if (!full && es->es_live < share_ep_max_conns(lp, er != NULL ? er->er_cfg : NULL))
		return RELAY_EV_ACCEPTED;
	if ((*reclaim = share_reclaimable(es)) == NULL)
		return full ? RELAY_EV_LIMIT : RELAY_EV_EP_LIMIT;
	return RELAY_EV_ACCEPTED;
}

/* At a SYN: may it be answered?  Nothing is reclaimed yet. */
enum relay_event
share_syn(struct pl_loop *lp, struct ep_rt *er, struct svc_rt *sr)
{
	struct relay_conn *rc;

	return share_check(lp, er, sr, &rc);
}

/*
 * At the end of the handshake: the same checks again (several SYNs may
 * have passed at once).  *reclaim is set to a connection the caller ends
 * at once, before admitting the new one; it is counted here.
 */
enum relay_event
share_accept(struct pl_loop *lp, struct ep_rt *er, struct svc_rt *sr,
    struct relay_conn **reclaim)
{
	enum relay_event ev = share_check(lp, er, sr, reclaim);

	if (*reclaim != NULL)
		share_stats(er, sr)->es_share.se_reclaimed++;
	return ev;
}

/* A connection was admitted with a NAT port: it joins its endpoint's
 * list as the newest. */
void
share_conn_add(struct pl_loop *lp, struct relay_conn *rc)
{
	struct share_ep *se = &share_stats(rc->rc_ep, rc->rc_svc)->es_share;

	(void)lp;
	rc->rc_share.sl_data_ms = sys_now();
	rc->rc_share.sl_newer = NULL;
	rc->rc_share.sl_older = se->se_newest;
	if (se->se_newest != NULL)
		se->se_newest->rc_share.sl_newer = rc;
	else
		se->se_oldest = rc;
	se->se_newest = rc;
	if (rc->rc_nat != -1)
		se->se_ports_live++;
}

static void
share_unlink(struct share_ep *se, struct relay_conn *rc)
{
	struct share_link *sl = &rc->rc_share;

	if (sl->sl_older != NULL)
		sl->sl_older->rc_share.sl_newer = sl->sl_newer;
	else
		se->se_oldest = sl->sl_newer;
	if (sl->sl_newer != NULL)
		sl->sl_newer->rc_share.sl_older = sl->sl_older;
	else
		se->se_newest = sl->sl_older;
	sl->sl_older = sl->sl_newer = NULL;
}

/* Payload went through rc, either way: it becomes its endpoint's newest. */
void
share_conn_data(struct relay_conn *rc)
{
	struct relay_ep_stats *es = share_stats(rc->rc_ep, rc->rc_svc);
	struct share_ep *se = &es->es_share;

	rc->rc_share.sl_data_ms = sys_now();
	if (se->se_newest == rc)
		return;
	share_unlink(se, rc);
	rc->rc_share.sl_older = se->se_newest;
	se->se_newest->rc_share.sl_newer = rc;
	se->se_newest = rc;
}

/* rc ends: it leaves the list, and its NAT port is free or, with hold,
 * held as nat_release holds it. */
void
share_conn_del(struct pl_loop *lp, struct relay_conn *rc, int hold)
{
	struct share_ep *se = &share_stats(rc->rc_ep, rc->rc_svc)->es_share;
	uint32_t now = nat_now();

	share_unlink(se, rc);
	share_mem(lp, rc, -(int64_t)rc->rc_mem);
	if (rc->rc_nat == -1)
		return;
	se->se_ports_live--;
	if (!hold)
		return;
	share_hold_expire(se, now);
	se->se_hold[now % SHARE_HOLD_SLOTS]++;
	se->se_ports_held++;
}

/*
 * Each endpoint's max_new_connections_per_s also goes to the netstack,
 * which drops a bare SYN over it before lwIP sees it (ns_synrate.c): a
 * flood then costs a token bucket's check, not lwIP's input.  Every address of every
 * port is set, so one a reload left without its endpoint (or whose
 * endpoint lost its rate) has no limit; an address keeps its bucket and
 * count while its rate is unchanged.  Called after the endpoints'
 * addresses exist, at start and after each reload.
 */
static int
share_u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

void
share_apply_syn_rates(struct pl_loop *lp)
{
	const struct pl_config *cfg = lp->lp_cfg;
	uint32_t *limited = calloc((size_t)cfg->n_endpoints + 1, sizeof(*limited));

	if (limited == NULL)
		return;		/* rates stay as they were */
	for (int n = 0; n < cfg->n_nics; n++) {
		const struct nic_rt *nr = cfg->nics[n].nic_rt;
		unsigned int na, nl = 0;
		uint32_t *addrs = nic_addrs(nr, &na);

		if (addrs == NULL)
			continue;
		/* The NIC's addresses no endpoint with a rate names: no
		 * limit; the others keep their buckets (set below). */
		for (int e = 0; e < cfg->n_endpoints; e++)
			if (cfg->endpoints[e].ep_nic == n && cfg->endpoints[e].ep_max_new_per_s != 0)
				limited[nl++] = cfg->endpoints[e].ep_ip;
		qsort(limited, nl, sizeof(*limited), share_u32_cmp);
		for (unsigned int k = 0; k < na; k++) {
			if (bsearch(&addrs[k], limited, nl, sizeof(*limited), share_u32_cmp) == NULL)
				nic_set_syn_rate(nic_netif(nr), addrs[k], 0);
			nic_set_shed(nic_netif(nr), addrs[k], 0);
		}
		free(addrs);
	}
	free(limited);
	/* A shed endpoint stays shed at its (maybe new) address. */
	for (int e = 0; e < cfg->n_endpoints; e++) {
		const struct cfg_endpoint *ep = &cfg->endpoints[e];
		const struct ep_rt *er = ep->ep_rt;

		if (ep->ep_max_new_per_s != 0)
			nic_set_syn_rate(er->er_netif, er->er_addr, ep->ep_max_new_per_s);
		if (er->er_stats.es_share.se_shed)
			nic_set_shed(er->er_netif, er->er_addr, 1);
	}
}

/* SYNs to the endpoint's address the netstack dropped over its rate. */
uint64_t
share_syn_rate_dropped(const struct ep_rt *er)
{
	struct netif *netif = er->er_netif;

	return netif != NULL && er->er_cfg->ep_max_new_per_s != 0 ?
	    nic_syn_rate_dropped(netif, er->er_addr) : 0;
}

/* The memory one endpoint may hold near the limit; 0: no limit. */
uint64_t
share_mem_share(const struct pl_loop *lp)
{
	struct ns_mem_stats ms;

	ns_mem_get_stats(&ms);
	if (ms.ms_limit == 0)
		return 0;
	return share_shared(lp, NULL) ? ms.ms_limit / 100 * SHARE_DEFAULT_PCT : ms.ms_limit;
}

/* Sheds endpoint e, or stops, when its holding and the heap's say so. */
static void
share_mem_check(struct pl_loop *lp, struct ep_rt *er, struct share_ep *se)
{
	struct ns_mem_stats ms;
	uint64_t share, in_use;
	int shed;

	ns_mem_get_stats(&ms);
	if (ms.ms_limit == 0)
		return;
	share = share_mem_share(lp);
	in_use = ms.ms_held - ms.ms_cached;
	if (!se->se_shed)
		shed = in_use >= ms.ms_limit / 100 * SHARE_MEM_NEAR_PCT && se->se_mem > share;
	else
		shed = in_use >= ms.ms_limit / 100 * SHARE_MEM_CALM_PCT &&
		    se->se_mem > share / 100 * SHARE_MEM_RESUME_PCT;
	if (shed == se->se_shed)
		return;
	se->se_shed = (uint8_t)shed;
	se->se_shed_count += (uint64_t)shed;
	nic_set_shed(er->er_netif, er->er_addr, shed);
}

/* rc's holding changed by delta bytes (queued, written, acknowledged,
 * freed); its endpoint may be shed or stop being. */
void
share_mem(struct pl_loop *lp, struct relay_conn *rc, int64_t delta)
{
	struct share_ep *se = &share_stats(rc->rc_ep, rc->rc_svc)->es_share;

	/* Never below what was counted (lwIP's sent counts are data bytes,
	 * but a miscount must not wrap into a huge holding). */
	if (delta < 0 && (uint64_t)-delta > rc->rc_mem)
		delta = -(int64_t)rc->rc_mem;
	rc->rc_mem = (uint32_t)((int64_t)rc->rc_mem + delta);
	se->se_mem = (uint64_t)((int64_t)se->se_mem + delta);
	/* The provider side's own frontends are not a tenant's. */
	if (rc->rc_ep != NULL)
		share_mem_check(lp, rc->rc_ep, se);
}

/* Whether rc's endpoint is shed now: its windows stay closed. */
int
share_shed(const struct pl_loop *lp, const struct relay_conn *rc)
{
	(void)lp;
	return rc->rc_ep != NULL && rc->rc_ep->er_stats.es_share.se_shed;
}
