/*
 * The status report, for operators and monitoring: NICs with their frame
 * counters, services with their rules and frontend, pools with each
 * backend's health and connections, endpoints with their approval state, listening
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
#include "mgmt.h"
#include "nic.h"
#include "dns_counters.h"
#include "relay.h"
#include "share.h"
#include "stats.h"
#include "status.h"
#include "text.h"

/*
 * A JSON string of s, which may hold any byte (drop values, probe
 * answers): valid UTF-8 is kept, each invalid sequence becomes one U+FFFD
 * (text_utf8_next), so the document is always UTF-8 and JSON.  Control
 * characters, DEL and the C1 controls (U+0080..U+009F, which a terminal
 * may take as escape sequences: the status is also printed on the
 * console) are written as \u00XX.
 */
void
status_str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	fputc('"', f);
	while (n > 0) {
		uint32_t cp;
		int len = text_utf8_next(p, n, &cp);

		if (len < 0) {
			fputs("\\ufffd", f);
			len = -len;
		} else if (cp == '"' || cp == '\\') {
			fprintf(f, "\\%c", (char)cp);
		} else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {
			fprintf(f, "\\u%04x", (unsigned int)cp);
		} else {
			fwrite(p, 1, (size_t)len, f);
		}
		p += len;
		n -= (size_t)len;
	}
	fputc('"', f);
}

static void
status_addr(FILE *f, uint32_t addr)
{
	char buf[INET_ADDRSTRLEN];

	status_str(f, stats_addr(addr, buf));
}

/* Which drops run: the config generation (1 at start, one up per applied
 * reload), the digest of the drop files (cfg_set_digest), the last
 * reload's result (the start counts as a good one). */
static void
status_reload(const struct pl_loop *lp, FILE *f)
{
	fprintf(f, "  \"generation\": %llu,\n  \"config_digest\": \"",
	    (unsigned long long)lp->lp_generation);
	for (size_t i = 0; i < sizeof(lp->lp_digest); i++)
		fprintf(f, "%02x", lp->lp_digest[i]);
	fprintf(f, "\",\n  \"last_reload\": {\"ok\": %s, \"time\": %lld, \"applied\": %llu, "
	    "\"failed\": %llu, \"nic_resets\": %llu},\n", lp->lp_last_reload_ok ? "true" : "false",
	    (long long)lp->lp_last_reload_time, (unsigned long long)lp->lp_reloads_ok,
	    (unsigned long long)lp->lp_reloads_failed, (unsigned long long)lp->lp_nic_resets);
}

/* The NIC's own neighbour table (netstack/ns_arp.c). */
static void
status_neighbours(const struct ns_port *rp, FILE *f)
{
	const struct ns_port_stats *st = &rp->rp_stats;

	fprintf(f, "\n     \"neighbours\": {\"entries\": %u, \"capacity\": %u, \"evictions\": %llu, "
	    "\"refused\": %llu, \"unresolved\": %llu, \"requests_sent\": %llu, "
	    "\"replies_sent\": %llu}", rp->rp_arp.at_n, (unsigned int)NS_ARP_SLOTS,
	    (unsigned long long)st->rs_nbr_evictions, (unsigned long long)st->rs_nbr_refused,
	    (unsigned long long)st->rs_nbr_unresolved, (unsigned long long)st->rs_nbr_requests,
	    (unsigned long long)st->rs_nbr_replies);
}

/* "refused": {...}, "ended": {...}, bytes and shares of an endpoint
 * (er NULL: a frontend). */
static void
status_shares(FILE *f, const struct ep_rt *er, const struct relay_ep_stats *es)
{
	fputs("\"refused\": {", f);
	for (size_t i = 0; i < stats_n_refusals; i++)
		fprintf(f, "%s\"%s\": %llu", i ? ", " : "", relay_event_name(stats_refusals[i]),
		    (unsigned long long)stats_refused(er, es, stats_refusals[i]));
	fputs("},\n     \"ended\": {", f);
	for (size_t i = 0; i < stats_n_endings; i++)
		fprintf(f, "%s\"%s\": %llu", i ? ", " : "", relay_event_name(stats_endings[i]),
		    (unsigned long long)es->es_ended[stats_endings[i]]);
	fprintf(f, "},\n     \"bytes_from_consumer\": %llu, \"bytes_to_consumer\": %llu",
	    (unsigned long long)es->es_bytes_from_consumer,
	    (unsigned long long)es->es_bytes_to_consumer);
	fprintf(f, ", \"reclaimed_idle\": %llu, \"memory_held\": %llu, \"shed\": %s, "
	    "\"times_shed\": %llu", (unsigned long long)es->es_share.se_reclaimed,
	    (unsigned long long)es->es_share.se_mem, es->es_share.se_shed ? "true" : "false",
	    (unsigned long long)es->es_share.se_shed_count);
}

/* What the interfaces carried that no NIC took: a VLAN (or the untagged
 * frames) of a trunk no [nic] names, frames too large, bad tags. */
static void
status_links(FILE *f)
{
	struct ns_link_stats ls;

	ns_link_get_stats(&ls);
	fprintf(f, "  \"links\": {\"rx_dropped_no_nic\": %llu, \"rx_dropped_truncated\": %llu, "
	    "\"rx_dropped_malformed\": %llu},\n", (unsigned long long)ls.ls_rx_no_port,
	    (unsigned long long)ls.ls_rx_truncated, (unsigned long long)ls.ls_rx_malformed);
}

/* A NIC's responder: its address, whether it runs, its counters. */
static void
status_dns(const struct cfg_nic *n, FILE *f)
{
	const struct dns_stats *st = &n->nic_rt->nr_dns_stats;

	fputs(",\n     \"dns\": {\"address\": ", f);
	status_addr(f, n->nic_dns_addr);
	fprintf(f, ", \"running\": %s", n->nic_rt->nr_dns != NULL ? "true" : "false");
	for (size_t c = 0; c < dns_n_counters; c++)
		fprintf(f, ", \"%s\": %llu", dns_counters[c].dc_key,
		    (unsigned long long)dns_counter_value(st, &dns_counters[c]));
	fputs("}", f);
}

static void
status_nics(struct pl_loop *lp, FILE *f)
{
	const struct pl_config *cfg = lp->lp_cfg;

	status_links(f);
	fputs("  \"nics\": [", f);
	for (int i = 0; i < cfg->n_nics; i++) {
		const struct cfg_nic *n = &cfg->nics[i];
		const struct ns_port *rp = nic_port(n->nic_rt);
		const struct ns_port_stats *st = &rp->rp_stats;

		fprintf(f, "%s\n    {\"name\": ", i ? "," : "");
		status_str(f, n->nic_name);
		fputs(", \"interface\": ", f);
		status_str(f, n->nic_ifname);
		fputs(", \"address\": ", f);
		status_addr(f, n->nic_addr);
		fprintf(f, ", \"prefixlen\": %u, \"vlan\": %u, \"role\": \"%s\", \"addresses\": %u,",
		    n->nic_prefixlen, n->nic_vlan, cfg_role_name(n->nic_role), rp->rp_n_addrs);
		for (size_t c = 0; c < stats_n_nic_counters; c++)
			fprintf(f, "%s\"%s\": %llu,", c % 5 == 0 ? "\n     " : " ",
			    stats_nic_counters[c].nc_key,
			    (unsigned long long)stats_nic_value(st, &stats_nic_counters[c]));
		status_neighbours(rp, f);
		if (n->nic_dns_addr != 0)
			status_dns(n, f);
		fputs("}", f);
	}
	fputs("\n  ],\n", f);
}

static void
status_rules(const struct pl_config *cfg, const struct cfg_service *s, FILE *f)
{
	fputs("\"rules\": [", f);
	for (int r = 0; r < s->svc_n_rules; r++) {
		const struct cfg_rule *ru = &s->svc_rules[r];

		fprintf(f, "%s{\"frontend_port\": %u, \"pool\": ", r ? ", " : "", ru->ru_frontend_port);
		status_str(f, cfg->pools[ru->ru_pool].pool_name);
		fprintf(f, ", \"backend_port\": %u}", ru->ru_backend_port);
	}
	fputs("]", f);
}

static void
status_services(struct pl_loop *lp, FILE *f)
{
	const struct pl_config *cfg = lp->lp_cfg;

	fputs("  \"services\": [", f);
	for (int i = 0; i < cfg->n_services; i++) {
		const struct cfg_service *s = &cfg->services[i];

		fprintf(f, "%s\n    {\"name\": ", i ? "," : "");
		status_str(f, s->svc_name);
		fputs(", \"alias\": ", f);
		status_str(f, s->svc_alias);
		fputs(", \"owner\": ", f);
		status_str(f, s->svc_owner);
		fputs(",\n     ", f);
		status_rules(cfg, s, f);
		fprintf(f, ", \"distribution\": \"%s\", \"idle_timeout_ms\": %u, \"idle_reset\": %s,\n"
		    "     \"proxy_protocol\": %s, \"proxy_protocol_tlv\": \"%s\", "
		    "\"proxy_protocol_unique_id\": %s, \"proxy_protocol_crc32c\": %s,\n"
		    "     \"live_connections\": %u, "
		    "\"refused_no_healthy_backend\": %llu,\n     \"frontend\": ",
		    cfg_distribution_name(s->svc_distribution), s->svc_idle_timeout_ms,
		    s->svc_idle_reset ? "true" : "false", s->svc_proxy_protocol ? "true" : "false",
		    cfg_pp_tlv_name(s->svc_pp_tlv), s->svc_pp_unique_id ? "true" : "false",
		    s->svc_pp_crc32c ? "true" : "false",
		    stats_service_live(lp, i), (unsigned long long)s->svc_rt->sr_no_backend);
		if (s->svc_frontend_nic == -1) {
			fputs("null", f);
		} else {
			struct relay_ep_stats *es = &s->svc_rt->sr_fe_stats;

			fputs("{\"ip\": ", f);
			status_addr(f, s->svc_frontend_ip);
			fputs(", \"nic\": ", f);
			status_str(f, cfg->nics[s->svc_frontend_nic].nic_name);
			fprintf(f, ", \"proxy_protocol\": %s, \"listening\": %s, \"live_connections\": %u, "
			    "\"accepted\": %llu,\n       \"max_connections\": %u, \"nat_ports_held\": %u, ",
			    s->svc_frontend_proxy_protocol ? "true" : "false",
			    relay_listening(s->svc_rt->sr_fe_listeners) ? "true" : "false", es->es_live,
			    (unsigned long long)es->es_accepted, share_ep_max_conns(lp, NULL),
			    share_ports_held(es));
			status_shares(f, NULL, es);
			fputs("}", f);
		}
		fprintf(f, ",\n     \"nat_port_range\": [%u, %u], \"nat_port_share\": %u, \"nat_ips\": [",
		    s->svc_port_min, s->svc_port_max, share_nat_ports(lp, s));
		for (int k = 0; k < s->svc_n_nat_ips; k++) {
			/* -1: nat_setup had no memory for its table. */
			int j = s->svc_rt->sr_nat.nv_ip[k];
			const struct nat_ip *ni = j == -1 ? NULL : &lp->lp_nat[j];

			fprintf(f, "%s{\"ip\": ", k ? ", " : "");
			status_addr(f, s->svc_nat_ips[k]);
			fprintf(f, ", \"ports_in_use\": %u, \"ports_allocated\": %llu}",
			    ni == NULL ? 0 : ni->ni_live,
			    ni == NULL ? 0ULL : (unsigned long long)ni->ni_allocated);
		}
		fputs("]}", f);
	}
	fputs("\n  ],\n", f);
}

static void
status_pools(struct pl_loop *lp, FILE *f)
{
	const struct pl_config *cfg = lp->lp_cfg;

	fputs("  \"pools\": [", f);
	for (int p = 0; p < cfg->n_pools; p++) {
		const struct cfg_pool *pool = &cfg->pools[p];

		fprintf(f, "%s\n    {\"name\": ", p ? "," : "");
		status_str(f, pool->pool_name);
		fprintf(f, ", \"probe\": \"%s\", \"probe_interval_ms\": %u, \"probe_timeout_ms\": %u, "
		    "\"rise\": %u, \"fall\": %u, \"reset_on_down\": %s, \"probe_proxy_protocol\": %s, "
		    "\"backends\": [",
		    cfg_probe_name(pool->pool_probe), pool->pool_probe_interval_ms,
		    pool->pool_probe_timeout_ms, pool->pool_probe_rise, pool->pool_probe_fall,
		    pool->pool_reset_on_down ? "true" : "false", pool->pool_probe_pp ? "true" : "false");
		for (int b = 0; b < pool->pool_n_backends; b++) {
			const struct cfg_backend *be = &pool->pool_backends[b];
			const struct backend_health *bh = &be->be_rt->br_health;

			fprintf(f, "%s\n      {\"address\": ", b ? "," : "");
			status_addr(f, be->be_addr);
			fprintf(f, ", \"port\": %u, \"weight\": %u, \"drain\": %s, \"state\": \"%s\", "
			    "\"last_probe\": ", be->be_port, be->be_weight, be->be_drain ? "true" : "false",
			    bh->bh_up ? "up" : "down");
			status_str(f, bh->bh_last);
			fprintf(f, ",\n       \"checks_ok\": %llu, \"checks_failed\": %llu, \"went_down\": %llu, "
			    "\"last_change_unix_ms\": %llu, \"live_connections\": %u, \"connections\": %llu}",
			    (unsigned long long)bh->bh_checks_ok, (unsigned long long)bh->bh_checks_failed,
			    (unsigned long long)bh->bh_went_down, (unsigned long long)bh->bh_changed_ms,
			    bh->bh_live,
			    (unsigned long long)bh->bh_total);
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
		struct relay_ep_stats *es = &e->ep_rt->er_stats;

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
		fprintf(f, ", \"link_id\": %u, \"endpoint_id\": ", e->ep_link_id);
		status_str(f, e->ep_endpoint_id);
		/* 64-bit: a string, as JSON numbers past 2^53 lose digits. */
		fprintf(f, ", \"psc_connection_id\": \"0x%016llx\",\n     \"state\": \"%s\", "
		    "\"auto_approved\": %s, \"message\": ", (unsigned long long)e->ep_psc_id,
		    cfg_approval_name(e->ep_state), e->ep_auto_approved ? "true" : "false");
		status_str(f, e->ep_message);
		fprintf(f, ", \"listening\": %s, \"live_connections\": %u, \"accepted\": %llu, "
		    "\"cut\": %llu,\n     \"max_connections\": %u, \"max_new_connections_per_s\": %u, "
		    "\"nat_ports_held\": %u, \"nat_port_share\": %u,\n     ",
		    relay_listening(e->ep_rt->er_listeners) ? "true" : "false",
		    es->es_live, (unsigned long long)es->es_accepted,
		    (unsigned long long)es->es_cut, share_ep_max_conns(lp, e), e->ep_max_new_per_s,
		    share_ports_held(es), e->ep_service >= 0 ? share_nat_ports(lp, &cfg->services[e->ep_service]) : 0);
		status_shares(f, e->ep_rt, es);
		fputs("}", f);
	}
	fputs("\n  ],\n", f);
}

/* The management API: where it listens, what it served. */
static void
status_management(struct pl_loop *lp, FILE *f)
{
	const struct mgmt *m = lp->lp_mgmt;
	const struct mgmt_stats *ms;

	fputs("  \"management\": ", f);
	if (m == NULL) {
		fputs("null,\n", f);
		return;
	}
	ms = &m->m_stats;
	fputs("{\"address\": ", f);
	status_addr(f, m->m_cfg.mg_addr);
	fprintf(f, ", \"port\": %u, \"nic\": ", m->m_cfg.mg_port);
	status_str(f, lp->lp_cfg->nics[m->m_cfg.mg_nic].nic_name);
	fprintf(f, ", \"listening\": %s, \"certificate_sha256\": \"%s\", "
	    "\"certificate_generated\": %s,\n   \"connections\": %d, \"accepted\": %llu, "
	    "\"evicted\": %llu, \"refused\": %llu, \"handshake_failed\": %llu, "
	    "\"timeouts\": %llu, \"requests\": %llu, \"changes\": %llu, "
	    "\"changes_refused\": %llu},\n", m->m_listen != NULL ? "true" : "false",
	    m->m_creds->cr_tls.mt_fp_text, m->m_creds->cr_tls.mt_generated ? "true" : "false",
	    m->m_n, (unsigned long long)ms->ms_accepted, (unsigned long long)ms->ms_evicted,
	    (unsigned long long)ms->ms_refused, (unsigned long long)ms->ms_handshake_failed,
	    (unsigned long long)ms->ms_timeouts, (unsigned long long)ms->ms_requests,
	    (unsigned long long)ms->ms_changes, (unsigned long long)ms->ms_changes_refused);
}

void
status_json(struct pl_loop *lp, FILE *f)
{
	const struct relay_stats *rs = &lp->lp_relay_stats;
	struct ns_mem_stats ms;
	struct ns_syn_stats ss;
	struct ns_park_stats ps;
	uint64_t sack_rexmits, sack_recoveries;

	ns_mem_get_stats(&ms);
	fprintf(f, "{\n  \"uptime_s\": %lld,\n", (long long)(time(NULL) - lp->lp_started));
	status_reload(lp, f);
	fprintf(f, "  \"memory\": {\"limit_bytes\": %zu, \"held_bytes\": %zu, \"cached_bytes\": %zu, "
	    "\"refused\": %llu, \"endpoint_share_bytes\": %llu},\n", ms.ms_limit, ms.ms_held,
	    ms.ms_cached, (unsigned long long)ms.ms_refused,
	    (unsigned long long)share_mem_share(lp));
	ns_tcp_get_syn_stats(&ss);
	fprintf(f, "  \"syn\": {\"half_open\": %u, \"queue_full\": %llu, \"half_open_limit\": %llu, "
	    "\"cookies_sent\": %llu, \"cookies_accepted\": %llu, \"cookies_rejected\": %llu, "
	    "\"dropped_no_cookie\": %llu, \"dropped_rate_limit\": %llu},\n", ss.ss_half_open,
	    (unsigned long long)ss.ss_queue_full, (unsigned long long)ss.ss_half_open_full,
	    (unsigned long long)ss.ss_cookies_sent, (unsigned long long)ss.ss_cookies_accepted,
	    (unsigned long long)ss.ss_cookies_rejected, (unsigned long long)ss.ss_no_cookie,
	    (unsigned long long)ss.ss_rate_limited);
	ns_tcp_park_stats(&ps);
	ns_tcp_sack_stats(&sack_rexmits, &sack_recoveries);
	fprintf(f, "  \"tcp\": {\"parked\": %u, \"parked_time_wait\": %u, \"lwip_active\": %u, "
	    "\"lwip_time_wait\": %u, \"time_wait\": %u, \"parks\": %llu, \"unparks\": %llu, "
	    "\"wakes\": %llu, \"time_wait_evicted\": %llu, \"sack_retransmits\": %llu, "
	    "\"sack_recoveries\": %llu},\n", ps.ps_parked, ps.ps_parked_time_wait, ps.ps_lwip_active,
	    ps.ps_lwip_time_wait, ps.ps_parked_time_wait + ps.ps_lwip_time_wait,
	    (unsigned long long)ps.ps_parks, (unsigned long long)ps.ps_unparks,
	    (unsigned long long)ps.ps_wakes, (unsigned long long)ps.ps_time_wait_evicted,
	    (unsigned long long)sack_rexmits, (unsigned long long)sack_recoveries);
	status_nics(lp, f);
	fprintf(f, "  \"unrouted_dropped\": %llu,\n", (unsigned long long)ns_route_discarded());
	status_services(lp, f);
	status_pools(lp, f);
	status_endpoints(lp, f);
	status_management(lp, f);
	fprintf(f, "  \"connections\": {\"live\": %u, \"max\": %u, \"bytes_from_consumer\": %llu, "
	    "\"bytes_to_consumer\": %llu, \"events\": {", rs->rs_live, share_max_conns(lp),
	    (unsigned long long)rs->rs_bytes_from_consumer,
	    (unsigned long long)rs->rs_bytes_to_consumer);
	for (int ev = 0; ev < RELAY_EV_MAX; ev++)
		fprintf(f, "%s\"%s\": %llu", ev ? ", " : "", relay_event_name((enum relay_event)ev),
		    (unsigned long long)stats_event(lp, (enum relay_event)ev));
	fputs("}}\n}\n", f);
}

/* Writes the status file.  0, or -1 (logged). */
int
status_write(struct pl_loop *lp)
{
	if (lp->lp_status_path == NULL) {
		log_warnx("status: no status file (privlinkd -s FILE)");
		return -1;
	}
	return stats_write_file(lp, lp->lp_status_path, status_json);
}
