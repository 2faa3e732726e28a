/*
 * The figures the status and the metrics share (stats.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cfg.h"
#include "log.h"
#include "netstack.h"
#include "share.h"
#include "nic.h"
#include "stats.h"

const enum relay_event stats_refusals[] = {
	RELAY_EV_EP_LIMIT, RELAY_EV_RATE, RELAY_EV_NAT_SHARE, RELAY_EV_LIMIT,
	RELAY_EV_NAT_EXHAUSTED, RELAY_EV_NO_BACKEND, RELAY_EV_NO_MEMORY,
};
const size_t stats_n_refusals = sizeof(stats_refusals) / sizeof(stats_refusals[0]);

const enum relay_event stats_endings[] = {
	RELAY_EV_CLOSED, RELAY_EV_RESET_BY_CONSUMER, RELAY_EV_RESET_BY_BACKEND,
	RELAY_EV_BACKEND_REFUSED, RELAY_EV_BACKEND_TIMEOUT, RELAY_EV_NO_MEMORY, RELAY_EV_CUT,
	RELAY_EV_IDLE, RELAY_EV_BACKEND_DOWN, RELAY_EV_RECLAIMED,
};
const size_t stats_n_endings = sizeof(stats_endings) / sizeof(stats_endings[0]);

#define STATS_NIC(key, family, reason, help, field) \
	{ key, family, reason, help, offsetof(struct ns_port_stats, field) }

/* In the order of the JSON status; a family's members need not be
 * neighbours (metrics.c gathers them). */
const struct stats_nic_counter stats_nic_counters[] = {
	STATS_NIC("rx_frames", "rx_frames_total", NULL,
	    "Frames received and handed to the network stack.", rs_rx_frames),
	STATS_NIC("rx_bytes", "rx_bytes_total", NULL,
	    "Bytes of the frames handed to the network stack.", rs_rx_bytes),
	STATS_NIC("rx_checksums_trusted", "rx_checksums_trusted_total", NULL,
	    "TCP segments whose checksum the kernel left partial or verified.",
	    rs_rx_csum_trusted),
	STATS_NIC("rx_checksums_completed", "rx_checksums_completed_total", NULL,
	    "Partial UDP checksums completed.", rs_rx_csum_completed),
	STATS_NIC("rx_superframes", "rx_superframes_total", NULL,
	    "Received frames longer than the MTU (GSO/GRO).", rs_rx_superframes),
	STATS_NIC("rx_dropped_not_ours", "rx_dropped_total", "not_ours",
	    "Received frames dropped before the network stack, by reason.", rs_rx_not_ours),
	STATS_NIC("rx_dropped_malformed", "rx_dropped_total", "malformed", NULL, rs_rx_malformed),
	STATS_NIC("rx_dropped_truncated", "rx_dropped_total", "truncated", NULL, rs_rx_truncated),
	STATS_NIC("rx_dropped_vlan", "rx_dropped_total", "vlan", NULL, rs_rx_vlan),
	STATS_NIC("rx_dropped_nomem", "rx_dropped_total", "nomem", NULL, rs_rx_nomem),
	STATS_NIC("tx_frames", "tx_frames_total", NULL, "Frames sent.", rs_tx_frames),
	STATS_NIC("tx_errors", "tx_errors_total", NULL, "Frames the kernel refused to send.",
	    rs_tx_errors),
	STATS_NIC("rx_dropped_fragments", "rx_dropped_total", "fragments", NULL, rs_rx_fragments),
	STATS_NIC("rx_dropped_shed", "rx_dropped_total", "shed", NULL, rs_rx_shed),
	STATS_NIC("tx_dropped_no_route", "tx_dropped_total", "no_route",
	    "Frames not sent, by reason.", rs_tx_no_route),
	STATS_NIC("tx_dropped_rate_limited", "tx_dropped_total", "rate_limited", NULL,
	    rs_tx_rate_limited),
};
const size_t stats_n_nic_counters = sizeof(stats_nic_counters) / sizeof(stats_nic_counters[0]);

uint64_t
stats_nic_value(const struct ns_port_stats *st, const struct stats_nic_counter *nc)
{
	uint64_t v;

	memcpy(&v, (const char *)st + nc->nc_off, sizeof(v));
	return v;
}

/* An endpoint's (er NULL: a frontend's) refusals for ev: with a rate
 * limit, the SYNs over it the netstack dropped before the gate saw them
 * count too. */
uint64_t
stats_refused(const struct ep_rt *er, const struct relay_ep_stats *es, enum relay_event ev)
{
	uint64_t early = ev == RELAY_EV_RATE && er != NULL ? share_syn_rate_dropped(er) : 0;

	return es->es_refused[ev] + early;
}

/* The appliance's count of ev, the netstack's rate drops with it. */
uint64_t
stats_event(const struct pl_loop *lp, enum relay_event ev)
{
	return lp->lp_relay_stats.rs_events[ev] +
	    (ev == RELAY_EV_RATE ? nic_syn_rate_dropped(NULL, 0) : 0);
}

/* The appliance's refusals for ev, the netstack's rate drops with them. */
uint64_t
stats_refused_all(const struct pl_loop *lp, enum relay_event ev)
{
	return lp->lp_relay_stats.rs_refused[ev] +
	    (ev == RELAY_EV_RATE ? nic_syn_rate_dropped(NULL, 0) : 0);
}

/* A service's live connections: its frontend's and its endpoints'. */
unsigned int
stats_service_live(const struct pl_loop *lp, int service)
{
	const struct pl_config *cfg = lp->lp_cfg;
	unsigned int live = cfg->services[service].svc_rt->sr_fe_stats.es_live;

	for (int e = 0; e < cfg->n_endpoints; e++)
		if (cfg->endpoints[e].ep_service == service)
			live += cfg->endpoints[e].ep_rt->er_stats.es_live;
	return live;
}

const char *
stats_addr(uint32_t addr, char buf[static INET_ADDRSTRLEN])
{
	return inet_ntop(AF_INET, &addr, buf, INET_ADDRSTRLEN);
}

/*
 * Writes path with doc(): first to path.tmp, then renamed, so a reader
 * never sees half a document.  0, or -1 (logged).
 */
int
stats_write_file(struct pl_loop *lp, const char *path, void (*doc)(struct pl_loop *, FILE *))
{
	char tmp[CFG_FILE_MAX + 16];
	FILE *f;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		log_warnx("status: %s: name too long", path);
		return -1;
	}
	if ((f = fopen(tmp, "w")) == NULL) {
		log_warn("status: %s", tmp);
		return -1;
	}
	doc(lp, f);
	if (fclose(f) != 0) {
		log_warn("status: %s", tmp);
		remove(tmp);
		return -1;
	}
	if (rename(tmp, path) == -1) {
		log_warn("status: rename to %s", path);
		remove(tmp);
		return -1;
	}
	return 0;
}
