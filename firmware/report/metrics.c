/*
 * The metrics: the appliance's counters and gauges as one Prometheus text
 * document (exposition format 0.0.4), served as GET /metrics and written
 * on SIGUSR1 to FILE.prom beside the status file (-s FILE), where
 * node_exporter's textfile collector can read it.  Every family has its
 * # HELP and # TYPE lines, values are in base units (bytes, seconds),
 * counters end in _total.  The figures are the status's, read through
 * stats.c, so the JSON status and the metrics always agree.
 *
 * Labels: service, endpoint, nic, pool, backend ("A.B.C.D:PORT"),
 * nat_ip, reason (relay_event_name), state (cfg_approval_name), result.
 * Every reason and state is written, zeros too: a series that appears
 * only once non-zero makes rate() miss its first increase.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cfg.h"
#include "log.h"
#include "metrics.h"
#include "nic.h"
#include "dns_counters.h"
#include "mgmt.h"
#include "netstack.h"
#include "relay.h"
#include "share.h"
#include "stats.h"
#include "text.h"

/* The longest family name written (prefix and family). */
#define METRICS_NAME_MAX	96
/* A sample's labels: three at most (endpoint, service, reason or
 * state), then the end marker. */
#define METRICS_MAX_LABELS	4
/* "A.B.C.D:PORT" */
#define METRICS_BACKEND_MAX	(INET_ADDRSTRLEN + 6)

struct metrics_label {
	const char	*ml_name;	/* NULL: the end of the list */
	const char	*ml_value;
};

/* help is always our own text, without the backslash or newline the
 * format would have escaped there. */
static void
metrics_family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One sample: name{labels} value. */
static void
metrics_sample(FILE *f, const char *name, const struct metrics_label *l, uint64_t v)
{
	fputs(name, f);
	for (int i = 0; l != NULL && l[i].ml_name != NULL; i++) {
		fprintf(f, "%c%s=\"", i == 0 ? '{' : ',', l[i].ml_name);
		text_prom_label(f, l[i].ml_value);
		fputc('"', f);
		if (l[i + 1].ml_name == NULL)
			fputc('}', f);
	}
	fprintf(f, " %llu\n", (unsigned long long)v);
}

/* A family of one sample without labels. */
static void
metrics_one(FILE *f, const char *name, const char *type, const char *help, uint64_t v)
{
	metrics_family(f, name, type, help);
	metrics_sample(f, name, NULL, v);
}

/* --- endpoints and frontends: the same counters (struct relay_ep_stats) */

enum metrics_ep_value {
	METRICS_EP_LIVE = 0,
	METRICS_EP_MAX,
	METRICS_EP_ACCEPTED,
	METRICS_EP_REFUSED,	/* by reason: stats_refusals */
	METRICS_EP_ENDED,	/* by reason: stats_endings */
	METRICS_EP_FROM,
	METRICS_EP_TO,
	METRICS_EP_MEMORY,
	METRICS_EP_NAT_PORTS,
};

static const struct metrics_ep_family {
	const char		*ef_name;	/* after privlink_endpoint_ or _frontend_ */
	const char		*ef_type;
	const char		*ef_help;
	enum metrics_ep_value	ef_value;
} metrics_ep_families[] = {
	{ "connections", "gauge", "live proxied connections", METRICS_EP_LIVE },
	{ "connections_max", "gauge", "live connections it may hold (max_connections in force)",
	    METRICS_EP_MAX },
	{ "connections_accepted_total", "counter", "connections accepted", METRICS_EP_ACCEPTED },
	{ "connections_refused_total", "counter", "connections refused, by reason",
	    METRICS_EP_REFUSED },
	{ "connections_ended_total", "counter", "accepted connections that ended, by reason",
	    METRICS_EP_ENDED },
	{ "from_consumer_bytes_total", "counter",
	    "payload bytes from consumers written to backends", METRICS_EP_FROM },
	{ "to_consumer_bytes_total", "counter",
	    "payload bytes from backends written to consumers", METRICS_EP_TO },
	{ "memory_held_bytes", "gauge",
	    "bytes its connections hold in the relay (queued, or sent and unacknowledged)",
	    METRICS_EP_MEMORY },
	{ "nat_ports_held", "gauge",
	    "NAT ports held by its live connections and in their post-close hold",
	    METRICS_EP_NAT_PORTS },
};

static uint64_t
metrics_ep_value(struct pl_loop *lp, const struct ep_rt *er, struct relay_ep_stats *es,
    enum metrics_ep_value v, enum relay_event ev)
{
	switch (v) {
	case METRICS_EP_LIVE:
		return es->es_live;
	case METRICS_EP_MAX:
		return share_ep_max_conns(lp, er != NULL ? er->er_cfg : NULL);
	case METRICS_EP_ACCEPTED:
		return es->es_accepted;
	case METRICS_EP_REFUSED:
		return stats_refused(er, es, ev);
	case METRICS_EP_ENDED:
		return es->es_ended[ev];
	case METRICS_EP_FROM:
		return es->es_bytes_from_consumer;
	case METRICS_EP_TO:
		return es->es_bytes_to_consumer;
	case METRICS_EP_MEMORY:
		return es->es_share.se_mem;
	case METRICS_EP_NAT_PORTS:
		return share_ports_held(es);
	}
	return 0;
}

/* The samples of family ef for one endpoint (NULL: a frontend); l has nl
 * labels and room for a reason after them. */
static void
metrics_ep_samples(struct pl_loop *lp, FILE *f, const char *name,
    const struct metrics_ep_family *ef, const struct ep_rt *er, struct relay_ep_stats *es,
    struct metrics_label l[static METRICS_MAX_LABELS], int nl)
{
	const enum relay_event *evs = NULL;
	size_t n = 1;

	if (ef->ef_value == METRICS_EP_REFUSED) {
		evs = stats_refusals;
		n = stats_n_refusals;
	} else if (ef->ef_value == METRICS_EP_ENDED) {
		evs = stats_endings;
		n = stats_n_endings;
	}
	for (size_t i = 0; i < n; i++) {
		enum relay_event ev = evs != NULL ? evs[i] : RELAY_EV_ACCEPTED;

		l[nl].ml_name = evs != NULL ? "reason" : NULL;
		l[nl].ml_value = relay_event_name(ev);
		l[nl + 1].ml_name = NULL;
		metrics_sample(f, name, l, metrics_ep_value(lp, er, es, ef->ef_value, ev));
	}
}

/* Every family of metrics_ep_families, for the private endpoints or for
 * the services' provider-side frontends. */
static void
metrics_eps(struct pl_loop *lp, FILE *f, int frontends)
{
	const struct pl_config *cfg = lp->lp_cfg;
	char name[METRICS_NAME_MAX], help[METRICS_NAME_MAX * 2];

	for (size_t k = 0; k < sizeof(metrics_ep_families) / sizeof(metrics_ep_families[0]); k++) {
		const struct metrics_ep_family *ef = &metrics_ep_families[k];

		snprintf(name, sizeof(name), "privlink_%s_%s", frontends ? "frontend" : "endpoint",
		    ef->ef_name);
		snprintf(help, sizeof(help), "Per %s: %s.", frontends ?
		    "provider-side service frontend" : "private endpoint", ef->ef_help);
		metrics_family(f, name, ef->ef_type, help);
		for (int i = 0; !frontends && i < cfg->n_endpoints; i++) {
			const struct cfg_endpoint *e = &cfg->endpoints[i];
			struct metrics_label l[METRICS_MAX_LABELS] = {
				{ "endpoint", e->ep_name }, { "service", e->ep_service_name },
			};

			metrics_ep_samples(lp, f, name, ef, e->ep_rt, &e->ep_rt->er_stats, l, 2);
		}
		for (int s = 0; frontends && s < cfg->n_services; s++) {
			struct metrics_label l[METRICS_MAX_LABELS] = {
				{ "service", cfg->services[s].svc_name },
			};

			if (cfg->services[s].svc_frontend_nic != -1)
				metrics_ep_samples(lp, f, name, ef, NULL,
				    &cfg->services[s].svc_rt->sr_fe_stats, l, 1);
		}
	}
}

/* What only endpoints have: the approval state, the listeners. */
static void
metrics_endpoint_state(struct pl_loop *lp, FILE *f)
{
	static const enum cfg_approval states[] = {
		CFG_APPROVAL_PENDING, CFG_APPROVAL_APPROVED, CFG_APPROVAL_REJECTED,
		CFG_APPROVAL_DISCONNECTED,
	};
	const struct pl_config *cfg = lp->lp_cfg;

	metrics_family(f, "privlink_endpoint_state", "gauge",
	    "Per private endpoint: 1 for its connection state, 0 for the others.");
	for (int i = 0; i < cfg->n_endpoints; i++) {
		const struct cfg_endpoint *e = &cfg->endpoints[i];

		for (size_t k = 0; k < sizeof(states) / sizeof(states[0]); k++) {
			struct metrics_label l[METRICS_MAX_LABELS] = {
				{ "endpoint", e->ep_name }, { "service", e->ep_service_name },
				{ "state", cfg_approval_name(states[k]) },
			};

			metrics_sample(f, "privlink_endpoint_state", l, e->ep_state == states[k]);
		}
	}
	metrics_family(f, "privlink_endpoint_listening", "gauge",
	    "Per private endpoint: 1 while it accepts connections.");
	for (int i = 0; i < cfg->n_endpoints; i++) {
		const struct cfg_endpoint *e = &cfg->endpoints[i];
		struct metrics_label l[METRICS_MAX_LABELS] = {
			{ "endpoint", e->ep_name }, { "service", e->ep_service_name },
		};

		metrics_sample(f, "privlink_endpoint_listening", l,
		    relay_listening(e->ep_rt->er_listeners));
	}
}

static void
metrics_services(struct pl_loop *lp, FILE *f)
{
	const struct pl_config *cfg = lp->lp_cfg;

	metrics_family(f, "privlink_service_connections", "gauge",
	    "Per service: live connections, through its endpoints and its frontend.");
	for (int s = 0; s < cfg->n_services; s++) {
		struct metrics_label l[METRICS_MAX_LABELS] = { { "service", cfg->services[s].svc_name } };

		metrics_sample(f, "privlink_service_connections", l, stats_service_live(lp, s));
	}
	metrics_family(f, "privlink_service_no_healthy_backend_total", "counter",
	    "Per service: connections refused because no backend of the pool was up.");
	for (int s = 0; s < cfg->n_services; s++) {
		struct metrics_label l[METRICS_MAX_LABELS] = { { "service", cfg->services[s].svc_name } };

		metrics_sample(f, "privlink_service_no_healthy_backend_total", l,
		    cfg->services[s].svc_rt->sr_no_backend);
	}
}

/* --- backends ----------------------------------------------------------- */

enum metrics_be_value {
	METRICS_BE_UP = 0,
	METRICS_BE_OK,
	METRICS_BE_FAILED,
	METRICS_BE_DOWN,
	METRICS_BE_LIVE,
	METRICS_BE_TOTAL,
};

static const struct metrics_be_family {
	const char		*bf_name;
	const char		*bf_type;
	const char		*bf_help;
	enum metrics_be_value	bf_value;
} metrics_be_families[] = {
	{ "privlink_backend_up", "gauge",
	    "Per backend of a pool: 1 while new connections may go to it.", METRICS_BE_UP },
	{ "privlink_backend_probe_successes_total", "counter",
	    "Per backend of a pool: health probes that succeeded.", METRICS_BE_OK },
	{ "privlink_backend_probe_failures_total", "counter",
	    "Per backend of a pool: health probes that failed.", METRICS_BE_FAILED },
	{ "privlink_backend_went_down_total", "counter",
	    "Per backend of a pool: times it went from up to down.", METRICS_BE_DOWN },
	{ "privlink_backend_connections", "gauge",
	    "Per backend of a pool: live connections to it.", METRICS_BE_LIVE },
	{ "privlink_backend_connections_sent_total", "counter",
	    "Per backend of a pool: connections sent to it.", METRICS_BE_TOTAL },
};

static uint64_t
metrics_be_value(const struct backend_health *bh, enum metrics_be_value v)
{
	switch (v) {
	case METRICS_BE_UP:
		return bh->bh_up != 0;
	case METRICS_BE_OK:
		return bh->bh_checks_ok;
	case METRICS_BE_FAILED:
		return bh->bh_checks_failed;
	case METRICS_BE_DOWN:
		return bh->bh_went_down;
	case METRICS_BE_LIVE:
		return bh->bh_live;
	case METRICS_BE_TOTAL:
		return bh->bh_total;
	}
	return 0;
}

static void
metrics_backends(struct pl_loop *lp, FILE *f)
{
	const struct pl_config *cfg = lp->lp_cfg;

	for (size_t k = 0; k < sizeof(metrics_be_families) / sizeof(metrics_be_families[0]); k++) {
		const struct metrics_be_family *bf = &metrics_be_families[k];

		metrics_family(f, bf->bf_name, bf->bf_type, bf->bf_help);
		for (int p = 0; p < cfg->n_pools; p++) {
			const struct cfg_pool *pool = &cfg->pools[p];

			for (int b = 0; b < pool->pool_n_backends; b++) {
				const struct cfg_backend *be = &pool->pool_backends[b];
				char addr[INET_ADDRSTRLEN], backend[METRICS_BACKEND_MAX];
				struct metrics_label l[METRICS_MAX_LABELS] = {
					{ "pool", pool->pool_name }, { "backend", backend },
				};

				snprintf(backend, sizeof(backend), "%s:%u", stats_addr(be->be_addr, addr),
				    be->be_port);
				metrics_sample(f, bf->bf_name, l,
				    metrics_be_value(&cfg->pools[p].pool_backends[b].be_rt->br_health, bf->bf_value));
			}
		}
	}
}

/* --- NAT ----------------------------------------------------------------- */

/* The source ports NAT IP i offers: the union of the port ranges of the
 * services that name it (0: none does any more). */
static unsigned int
metrics_nat_capacity(const struct pl_loop *lp, int i)
{
	const struct pl_config *cfg = lp->lp_cfg;
	uint16_t lo[CFG_MAX_SERVICES * CFG_MAX_NAT_IPS], hi[CFG_MAX_SERVICES * CFG_MAX_NAT_IPS];
	unsigned int n = 0, ports = 0;
	uint32_t end = 0;	/* one past the last port counted */

	for (int s = 0; s < cfg->n_services; s++) {
		const struct cfg_service *svc = &cfg->services[s];

		for (int k = 0; k < svc->svc_n_nat_ips; k++) {
			unsigned int j = n;

			if (svc->svc_rt->sr_nat.nv_ip[k] != i)
				continue;
			/* Kept in order of lower bound. */
			for (; j > 0 && lo[j - 1] > svc->svc_port_min; j--) {
				lo[j] = lo[j - 1];
				hi[j] = hi[j - 1];
			}
			lo[j] = svc->svc_port_min;
			hi[j] = svc->svc_port_max;
			n++;
		}
	}
	for (unsigned int j = 0; j < n; j++) {
		uint32_t from = lo[j] > end ? lo[j] : end;

		if ((uint32_t)hi[j] + 1 > from) {
			ports += (uint32_t)hi[j] + 1 - from;
			end = (uint32_t)hi[j] + 1;
		}
	}
	return ports;
}

static void
metrics_nat(struct pl_loop *lp, FILE *f)
{
	static const struct {
		const char	*name;
		const char	*type;
		const char	*help;
	} fams[] = {
		{ "privlink_nat_ports_in_use", "gauge",
		    "Per NAT IP: source ports held by live connections." },
		{ "privlink_nat_ports_capacity", "gauge",
		    "Per NAT IP: source ports it offers (the union of its services' port ranges)." },
		{ "privlink_nat_ports_allocated_total", "counter",
		    "Per NAT IP: source ports handed out." },
	};

	for (size_t k = 0; k < sizeof(fams) / sizeof(fams[0]); k++) {
		metrics_family(f, fams[k].name, fams[k].type, fams[k].help);
		for (int i = 0; i < lp->lp_n_nat; i++) {
			const struct nat_ip *ni = &lp->lp_nat[i];
			unsigned int cap = metrics_nat_capacity(lp, i);
			char addr[INET_ADDRSTRLEN];
			struct metrics_label l[METRICS_MAX_LABELS] = {
				{ "nat_ip", stats_addr(ni->ni_addr, addr) },
			};
			uint64_t v = k == 0 ? ni->ni_live : k == 1 ? cap : ni->ni_allocated;

			if (cap != 0)	/* a NAT IP no service names any more */
				metrics_sample(f, fams[k].name, l, v);
		}
	}
}

/* --- NICs: the counters of stats_nic_counters, gathered by family ------- */

static void
metrics_nics(struct pl_loop *lp, FILE *f)
{
	const struct pl_config *cfg = lp->lp_cfg;
	char name[METRICS_NAME_MAX];

	for (size_t c = 0; c < stats_n_nic_counters; c++) {
		const struct stats_nic_counter *nc = &stats_nic_counters[c];

		if (nc->nc_help == NULL)
			continue;	/* written with its family's first */
		snprintf(name, sizeof(name), "privlink_nic_%s", nc->nc_family);
		metrics_family(f, name, "counter", nc->nc_help);
		for (int i = 0; i < cfg->n_nics; i++)
			for (size_t d = c; d < stats_n_nic_counters; d++) {
				const struct stats_nic_counter *m = &stats_nic_counters[d];
				struct metrics_label l[METRICS_MAX_LABELS] = {
					{ "nic", cfg->nics[i].nic_name }, { "reason", m->nc_reason },
				};

				if (strcmp(m->nc_family, nc->nc_family) != 0)
					continue;
				if (m->nc_reason == NULL)
					l[1].ml_name = NULL;
				metrics_sample(f, name, l, stats_nic_value(&nic_port(cfg->nics[i].nic_rt)->rp_stats, m));
			}
	}
}

/* --- DNS responders: the counters of dns_counters, by family ----------- */

static void
metrics_dns(struct pl_loop *lp, FILE *f)
{
	const struct pl_config *cfg = lp->lp_cfg;
	char name[METRICS_NAME_MAX];

	for (size_t c = 0; c < dns_n_counters; c++) {
		const struct dns_counter *dc = &dns_counters[c];

		if (dc->dc_help == NULL)
			continue;	/* written with its family's first */
		snprintf(name, sizeof(name), "privlink_dns_%s_total", dc->dc_family);
		metrics_family(f, name, "counter", dc->dc_help);
		for (int i = 0; i < cfg->n_nics; i++) {
			if (cfg->nics[i].nic_dns_addr == 0)
				continue;
			for (size_t d = c; d < dns_n_counters; d++) {
				const struct dns_counter *m = &dns_counters[d];
				struct metrics_label l[METRICS_MAX_LABELS] = {
					{ "nic", cfg->nics[i].nic_name }, { m->dc_label, m->dc_value },
				};

				if (strcmp(m->dc_family, dc->dc_family) != 0)
					continue;
				metrics_sample(f, name, l,
				    dns_counter_value(&cfg->nics[i].nic_rt->nr_dns_stats, m));
			}
		}
	}
}

/* --- the appliance ------------------------------------------------------- */

/* The appliance's connections; every reason of events, zeros too. */
static void
metrics_connections(struct pl_loop *lp, FILE *f)
{
	const struct relay_stats *rs = &lp->lp_relay_stats;
	const char *refused = "privlink_connections_refused_total";
	const char *ended = "privlink_connections_ended_total";

	metrics_one(f, "privlink_connections", "gauge", "Live proxied connections.", rs->rs_live);
	metrics_one(f, "privlink_connections_max", "gauge",
	    "Live connections the appliance may hold ([appliance] max_connections in force).",
	    share_max_conns(lp));
	metrics_one(f, "privlink_connections_accepted_total", "counter", "Connections accepted.",
	    rs->rs_events[RELAY_EV_ACCEPTED]);
	metrics_family(f, refused, "counter", "Connections refused, by reason.");
	for (size_t i = 0; i < stats_n_refusals; i++) {
		struct metrics_label l[METRICS_MAX_LABELS] = {
			{ "reason", relay_event_name(stats_refusals[i]) },
		};

		metrics_sample(f, refused, l, stats_refused_all(lp, stats_refusals[i]));
	}
	metrics_family(f, ended, "counter", "Accepted connections that ended, by reason.");
	for (size_t i = 0; i < stats_n_endings; i++) {
		struct metrics_label l[METRICS_MAX_LABELS] = {
			{ "reason", relay_event_name(stats_endings[i]) },
		};

		metrics_sample(f, ended, l, rs->rs_ended[stats_endings[i]]);
	}
	metrics_one(f, "privlink_from_consumer_bytes_total", "counter",
	    "Payload bytes from consumers written to backends.", rs->rs_bytes_from_consumer);
	metrics_one(f, "privlink_to_consumer_bytes_total", "counter",
	    "Payload bytes from backends written to consumers.", rs->rs_bytes_to_consumer);
}

static void
metrics_appliance(struct pl_loop *lp, FILE *f)
{
	struct ns_mem_stats ms;
	struct ns_syn_stats ss;
	struct ns_park_stats ps;
	uint64_t sack_rexmits, sack_recoveries;
	struct metrics_label ok[METRICS_MAX_LABELS] = { { "result", "success" } };
	struct metrics_label failed[METRICS_MAX_LABELS] = { { "result", "failure" } };

	metrics_one(f, "privlink_start_time_seconds", "gauge",
	    "When privlinkd started, in seconds since the Unix epoch.",
	    (uint64_t)lp->lp_started);
	metrics_one(f, "privlink_config_generation", "gauge",
	    "The configuration's generation: 1 at start, one more per applied reload.",
	    lp->lp_generation);
	metrics_family(f, "privlink_config_reloads_total", "counter",
	    "Reloads of the configuration, by result (a failed one keeps the running one).");
	metrics_sample(f, "privlink_config_reloads_total", ok, lp->lp_reloads_ok);
	metrics_sample(f, "privlink_config_reloads_total", failed, lp->lp_reloads_failed);
	metrics_one(f, "privlink_config_last_reload_successful", "gauge",
	    "1 when the last reload (or the start) applied its configuration.",
	    lp->lp_last_reload_ok != 0);
	metrics_one(f, "privlink_config_last_reload_timestamp_seconds", "gauge",
	    "When the last reload (or the start) was, in seconds since the Unix epoch.",
	    (uint64_t)lp->lp_last_reload_time);

	ns_mem_get_stats(&ms);
	metrics_one(f, "privlink_memory_limit_bytes", "gauge",
	    "The network stack's memory limit (memory_limit; 0: none).", ms.ms_limit);
	metrics_one(f, "privlink_memory_held_bytes", "gauge",
	    "Memory the network stack holds, freed blocks kept for reuse included.", ms.ms_held);
	metrics_one(f, "privlink_memory_cached_bytes", "gauge",
	    "Of the memory held, freed blocks kept for reuse.", ms.ms_cached);
	metrics_one(f, "privlink_memory_refused_total", "counter",
	    "Network stack allocations refused at the memory limit.", ms.ms_refused);
	metrics_one(f, "privlink_memory_endpoint_share_bytes", "gauge",
	    "Memory one endpoint may hold near the limit (0: no limit).", share_mem_share(lp));

	ns_tcp_get_syn_stats(&ss);
	metrics_one(f, "privlink_syn_half_open", "gauge",
	    "Connections in their handshake, on every listener.", ss.ss_half_open);
	metrics_one(f, "privlink_syn_cookies_sent_total", "counter",
	    "SYN-ACKs sent with a SYN cookie (a listener's queue was full).", ss.ss_cookies_sent);
	metrics_one(f, "privlink_syn_cookies_accepted_total", "counter",
	    "Connections made from a SYN cookie.", ss.ss_cookies_accepted);
	metrics_one(f, "privlink_unrouted_dropped_total", "counter",
	    "Packets the stack made with nowhere they may go, discarded.", ns_route_discarded());

	ns_tcp_park_stats(&ps);
	ns_tcp_sack_stats(&sack_rexmits, &sack_recoveries);
	metrics_one(f, "privlink_tcp_parked", "gauge",
	    "Connections waiting outside lwIP's lists (idle or in TIME_WAIT).", ps.ps_parked);
	metrics_one(f, "privlink_tcp_time_wait", "gauge", "Connections in TIME_WAIT.",
	    ps.ps_parked_time_wait + ps.ps_lwip_time_wait);
	metrics_one(f, "privlink_tcp_time_wait_evicted_total", "counter",
	    "TIME_WAIT ended early past its bound (a quarter of memory_limit).",
	    ps.ps_time_wait_evicted);
	metrics_one(f, "privlink_tcp_sack_retransmits_total", "counter",
	    "Segments sent again because the peer's SACKs showed them lost.", sack_rexmits);
}

/* The management API's own connections and requests (none without it). */
static void
metrics_management(struct pl_loop *lp, FILE *f)
{
	const struct mgmt *m = lp->lp_mgmt;
	const struct mgmt_stats *ms;
	static const struct {
		const char	*name, *help;
		size_t		off;
	} counters[] = {
		{ "privlink_management_connections_accepted_total",
		    "Connections the management API accepted.",
		    offsetof(struct mgmt_stats, ms_accepted) },
		{ "privlink_management_connections_evicted_total",
		    "Unfinished handshakes cut to make room for a new connection.",
		    offsetof(struct mgmt_stats, ms_evicted) },
		{ "privlink_management_connections_refused_total",
		    "Connections refused: every slot held by an authenticated client.",
		    offsetof(struct mgmt_stats, ms_refused) },
		{ "privlink_management_handshakes_failed_total",
		    "TLS handshakes refused (no, an unknown or an expired certificate).",
		    offsetof(struct mgmt_stats, ms_handshake_failed) },
		{ "privlink_management_timeouts_total",
		    "Connections cut for sending their request or taking the answer too slowly.",
		    offsetof(struct mgmt_stats, ms_timeouts) },
		{ "privlink_management_requests_total",
		    "Requests answered.", offsetof(struct mgmt_stats, ms_requests) },
		{ "privlink_management_changes_total",
		    "Changes applied through the API.", offsetof(struct mgmt_stats, ms_changes) },
		{ "privlink_management_changes_refused_total",
		    "Changes refused (invalid drop, stale If-Match).",
		    offsetof(struct mgmt_stats, ms_changes_refused) },
	};

	if (m == NULL)
		return;
	ms = &m->m_stats;
	metrics_one(f, "privlink_management_connections", "gauge",
	    "Connections to the management API now.", (uint64_t)m->m_n);
	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
		metrics_one(f, counters[i].name, "counter", counters[i].help,
		    *(const uint64_t *)(const void *)((const char *)ms + counters[i].off));
}

/* The whole document. */
void
metrics_write(struct pl_loop *lp, FILE *f)
{
	metrics_appliance(lp, f);
	metrics_connections(lp, f);
	metrics_nics(lp, f);
	metrics_dns(lp, f);
	metrics_nat(lp, f);
	metrics_services(lp, f);
	metrics_backends(lp, f);
	metrics_endpoint_state(lp, f);
	metrics_eps(lp, f, 0);
	metrics_eps(lp, f, 1);
	metrics_management(lp, f);
}

/* FILE.prom beside the status file FILE.  0, or -1 (logged). */
int
metrics_write_file(struct pl_loop *lp)
{
	char path[CFG_FILE_MAX + 8];

	if (lp->lp_status_path == NULL)
		return -1;
	if ((size_t)snprintf(path, sizeof(path), "%s.prom", lp->lp_status_path) >= sizeof(path)) {
		log_warnx("metrics: %s.prom: name too long", lp->lp_status_path);
		return -1;
	}
	return stats_write_file(lp, path, metrics_write);
}
