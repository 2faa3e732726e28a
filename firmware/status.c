/*
 * The status report, for operators and monitoring: NICs with their frame
 * counters, services, endpoints with their approval state, listening
 * state and connection counts, and the relay's events by reason.  Written
 * as JSON to the status file (privlinkd -s FILE) on SIGUSR1: first to
 * FILE.tmp, then renamed, so a reader never sees half a document.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cfg.h"
#include "log.h"
#include "relay.h"
#include "status.h"

static void
status_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void
status_addr(FILE *f, uint32_t addr)
{
	char buf[INET_ADDRSTRLEN];

	status_str(f, inet_ntop(AF_INET, &addr, buf, sizeof(buf)));
}

static void
status_nics(struct pl_loop *lp, FILE *f)
{
	const struct pl_config *cfg = lp->lp_cfg;

	fputs("  \"nics\": [", f);
	for (int i = 0; i < cfg->n_nics; i++) {
		const struct cfg_nic *n = &cfg->nics[i];
		const struct ring_stats *st = &lp->lp_ports[i].rp_stats;

		fprintf(f, "%s\n    {\"name\": ", i ? "," : "");
		status_str(f, n->nic_name);
		fputs(", \"interface\": ", f);
		status_str(f, n->nic_ifname);
		fputs(", \"address\": ", f);
		status_addr(f, n->nic_addr);
		fprintf(f, ", \"prefixlen\": %u, \"role\": \"%s\", \"addresses\": %d,\n"
		    "     \"rx_frames\": %llu, \"rx_bytes\": %llu, \"rx_checksums_completed\": %llu, "
		    "\"rx_superframes\": %llu,\n"
		    "     \"rx_dropped_not_ours\": %llu, \"rx_dropped_malformed\": %llu, "
		    "\"rx_dropped_truncated\": %llu, \"rx_dropped_vlan\": %llu, \"rx_dropped_nomem\": %llu,\n"
		    "     \"tx_frames\": %llu, \"tx_errors\": %llu}",
		    n->nic_prefixlen, cfg_role_name(n->nic_role), lp->lp_ports[i].rp_n_netifs,
		    (unsigned long long)st->rs_rx_frames, (unsigned long long)st->rs_rx_bytes,
		    (unsigned long long)st->rs_rx_csum_completed,
		    (unsigned long long)st->rs_rx_superframes,
		    (unsigned long long)st->rs_rx_not_ours, (unsigned long long)st->rs_rx_malformed,
		    (unsigned long long)st->rs_rx_truncated, (unsigned long long)st->rs_rx_vlan,
		    (unsigned long long)st->rs_rx_nomem, (unsigned long long)st->rs_tx_frames,
		    (unsigned long long)st->rs_tx_errors);
	}
	fputs("\n  ],\n", f);
}

static void
status_services(struct pl_loop *lp, FILE *f)
{
	const struct pl_config *cfg = lp->lp_cfg;

	fputs("  \"services\": [", f);
	for (int i = 0; i < cfg->n_services; i++) {
		const struct cfg_service *s = &cfg->services[i];
		unsigned int live = 0;

		for (int e = 0; e < cfg->n_endpoints; e++)
			if (cfg->endpoints[e].ep_service == i)
				live += lp->lp_ep_stats[e].es_live;
		fprintf(f, "%s\n    {\"name\": ", i ? "," : "");
		status_str(f, s->svc_name);
		fputs(", \"alias\": ", f);
		status_str(f, s->svc_alias);
		fputs(", \"owner\": ", f);
		status_str(f, s->svc_owner);
		fprintf(f, ", \"frontend_port\": %u, \"backend\": ", s->svc_frontend_port);
		status_addr(f, s->svc_backend_addr);
		fprintf(f, ", \"backend_port\": %u, \"proxy_protocol\": %s, "
		    "\"live_connections\": %u,\n     \"nat_port_range\": [%u, %u], \"nat_ips\": [",
		    s->svc_backend_port, s->svc_proxy_protocol ? "true" : "false", live,
		    s->svc_port_min, s->svc_port_max);
		for (int k = 0; k < s->svc_n_nat_ips; k++) {
			const struct nat_ip *ni = &lp->lp_nat[lp->lp_svc_nat[i][k]];

			fprintf(f, "%s{\"ip\": ", k ? ", " : "");
			status_addr(f, ni->ni_addr);
			fprintf(f, ", \"ports_in_use\": %u, \"ports_allocated\": %llu}",
			    ni->ni_live, (unsigned long long)ni->ni_allocated);
		}
		fputs("]}", f);
	}
	fputs("\n  ],\n", f);
}

static void
status_endpoints(struct pl_loop *lp, FILE *f)
{
	const struct pl_config *cfg = lp->lp_cfg;

	fputs("  \"endpoints\": [", f);
	for (int i = 0; i < cfg->n_endpoints; i++) {
		const struct cfg_endpoint *e = &cfg->endpoints[i];
		const struct relay_ep_stats *es = &lp->lp_ep_stats[i];

		fprintf(f, "%s\n    {\"name\": ", i ? "," : "");
		status_str(f, e->ep_name);
		fputs(", \"nic\": ", f);
		status_str(f, cfg->nics[e->ep_nic].nic_name);
		fputs(", \"ip\": ", f);
		status_addr(f, e->ep_ip);
		fputs(", \"service\": ", f);
		status_str(f, e->ep_service_name);
		fputs(", \"subscription\": ", f);
		status_str(f, e->ep_subscription);
		fprintf(f, ", \"link_id\": %u,\n     \"state\": \"%s\", \"auto_approved\": %s, "
		    "\"message\": ", e->ep_link_id, cfg_approval_name(e->ep_state),
		    e->ep_auto_approved ? "true" : "false");
		status_str(f, e->ep_message);
		fprintf(f, ", \"listening\": %s, \"live_connections\": %u, \"accepted\": %llu, "
		    "\"cut\": %llu}", lp->lp_listeners[i].rl_pcb != NULL ? "true" : "false",
		    es->es_live, (unsigned long long)es->es_accepted,
		    (unsigned long long)es->es_cut);
	}
	fputs("\n  ],\n", f);
}

void
status_json(struct pl_loop *lp, FILE *f)
{
	const struct relay_stats *rs = &lp->lp_relay_stats;

	fprintf(f, "{\n  \"uptime_s\": %lld,\n", (long long)(time(NULL) - lp->lp_started));
	status_nics(lp, f);
	status_services(lp, f);
	status_endpoints(lp, f);
	fprintf(f, "  \"connections\": {\"live\": %u, \"events\": {", rs->rs_live);
	for (int ev = 0; ev < RELAY_EV_MAX; ev++)
		fprintf(f, "%s\"%s\": %llu", ev ? ", " : "", relay_event_name((enum relay_event)ev),
		    (unsigned long long)rs->rs_events[ev]);
	fputs("}}\n}\n", f);
}

/* Writes the status file.  0, or -1 (logged). */
int
status_write(struct pl_loop *lp)
{
	char tmp[CFG_FILE_MAX + 8];
	FILE *f;

	if (lp->lp_status_path == NULL) {
		log_warnx("status: no status file (privlinkd -s FILE)");
		return -1;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", lp->lp_status_path);
	if ((f = fopen(tmp, "w")) == NULL) {
		log_warn("status: %s", tmp);
		return -1;
	}
	status_json(lp, f);
	if (fclose(f) != 0) {
		log_warn("status: %s", tmp);
		remove(tmp);
		return -1;
	}
	if (rename(tmp, lp->lp_status_path) == -1) {
		log_warn("status: rename to %s", lp->lp_status_path);
		remove(tmp);
		return -1;
	}
	return 0;
}
