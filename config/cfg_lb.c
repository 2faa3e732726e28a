/*
 * The load balancer's configuration: [pool NAME] keys, a service's
 * rule = lines, and their cross checks once the whole drop is read.
 *
 *   [pool NAME]   backend = A.B.C.D[:PORT] [weight=N] [drain]   required, repeatable
 *                 probe = none | tcp | http | https              default none
 *                 probe_port = PORT                              default the backend's
 *                 probe_path = /PATH                             http(s), default /
 *                 probe_host = NAME                              http(s), default the address
 *                 probe_interval = DURATION                      default 5s
 *                 probe_timeout = DURATION                       default 2s (or the interval), <= interval
 *                 probe_rise = N, probe_fall = N                 default 2, 2
 *                 probe_expect = MIN-MAX                         http(s), default 200-399
 *                 reset_on_down = on | off                       default off
 *
 *   [service NAME] rule = FRONTEND_PORT -> POOL[:BACKEND_PORT]   repeatable, up to 8
 *
 * A service gives rules, or the one-backend form frontend_port + backend,
 * which becomes a pool of its own named "service:NAME" (no probe).
 */
#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#include "cfg-priv.h"
#include "cfg.h"

void
cfg_pool_defaults(struct cfg_pool *pool)
{
	snprintf(pool->pool_probe_path, sizeof(pool->pool_probe_path), "/");
	pool->pool_probe_interval_ms = CFG_PROBE_INTERVAL_MS;
	pool->pool_probe_timeout_ms = CFG_PROBE_TIMEOUT_MS;
	pool->pool_probe_rise = CFG_PROBE_RISE;
	pool->pool_probe_fall = CFG_PROBE_FALL;
	pool->pool_expect_min = 200;
	pool->pool_expect_max = 399;
}

/* A Host header or path: printable, no spaces (they end up in a request
 * line we write). */
static int
cfg_valid_http_text(const char *s, int path)
{
	if (*s == '\0' || strlen(s) >= CFG_PROBE_TEXT_MAX || (path && *s != '/'))
		return 0;
	for (; *s != '\0'; s++)
		if (*s <= ' ' || *s >= 0x7f)
			return 0;
	return 1;
}

static int
cfg_small_count(const char *s, uint8_t *v)
{
	uint32_t n;

	if (cfg_parse_u32(s, &n) != 0 || n == 0 || n > 100 || s[0] == '0')
		return -1;
	*v = (uint8_t)n;
	return 0;
}

int
cfg_pool_key(struct cfg_parse *cp, int slot, const char *key, const char *value, int line)
{
	struct cfg_pool *pool = &cp->cp_cfg->pools[cp->cp_index];
	struct cfg_backend be;

	switch (slot) {
	case POOL_K_BACKEND:
		if (pool->pool_n_backends == CFG_MAX_BACKENDS)
			BAD("too many backends in one pool (at most 32)");
		if (cfg_parse_backend(value, &be) != 0)
			BAD("expected A.B.C.D[:PORT] [weight=1..1000] [drain], not");
		be.be_line = line;
		pool->pool_backends[pool->pool_n_backends++] = be;
		break;
	case POOL_K_PROBE:
		if (strcasecmp(value, "none") == 0)
			pool->pool_probe = CFG_PROBE_NONE;
		else if (strcasecmp(value, "tcp") == 0)
			pool->pool_probe = CFG_PROBE_TCP;
		else if (strcasecmp(value, "http") == 0)
			pool->pool_probe = CFG_PROBE_HTTP;
		else if (strcasecmp(value, "https") == 0)
			pool->pool_probe = CFG_PROBE_HTTPS;
		else
			BAD("expected none, tcp, http or https, not");
		break;
	case POOL_K_PROBE_PORT:
		if (cfg_parse_port(value, &pool->pool_probe_port) != 0)
			BAD("bad port (1..65535)");
		break;
	case POOL_K_PROBE_PATH:
		if (!cfg_valid_http_text(value, 1))
			BAD("expected a path starting with / (printable, no spaces, < 128)");
		snprintf(pool->pool_probe_path, sizeof(pool->pool_probe_path), "%s", value);
		break;
	case POOL_K_PROBE_HOST:
		if (!cfg_valid_http_text(value, 0))
			BAD("expected a host name (printable, no spaces, < 128)");
		snprintf(pool->pool_probe_host, sizeof(pool->pool_probe_host), "%s", value);
		break;
	case POOL_K_PROBE_INTERVAL:
		if (cfg_parse_duration_ms(value, 100, 3600000, &pool->pool_probe_interval_ms) != 0)
			BAD("expected a duration from 100ms to 1h (e.g. 5, 5s, 500ms), not");
		break;
	case POOL_K_PROBE_TIMEOUT:
		if (cfg_parse_duration_ms(value, 100, 3600000, &pool->pool_probe_timeout_ms) != 0)
			BAD("expected a duration from 100ms to 1h (e.g. 2, 2s, 500ms), not");
		break;
	case POOL_K_PROBE_RISE:
		if (cfg_small_count(value, &pool->pool_probe_rise) != 0)
			BAD("expected 1..100, not");
		break;
	case POOL_K_PROBE_FALL:
		if (cfg_small_count(value, &pool->pool_probe_fall) != 0)
			BAD("expected 1..100, not");
		break;
	case POOL_K_PROBE_EXPECT:
		if (cfg_parse_port_range(value, &pool->pool_expect_min, &pool->pool_expect_max) != 0 ||
		    pool->pool_expect_min < 100 || pool->pool_expect_max > 599)
			BAD("expected a status range MIN-MAX within 100-599, not");
		break;
	case POOL_K_RESET_ON_DOWN:
		if (cfg_parse_bool(value, &pool->pool_reset_on_down) != 0)
			BAD("expected on or off, not");
		break;
	case POOL_K_PROBE_PP:
		if (cfg_parse_bool(value, &pool->pool_probe_pp) != 0)
			BAD("expected on or off, not");
		break;
	}
	return 0;
}

/* rule = ...: repeatable; the pool is resolved by cfg_finish_rules. */
int
cfg_rule_key(struct cfg_parse *cp, const char *key, const char *value, int line)
{
	struct cfg_service *s = &cp->cp_cfg->services[cp->cp_index];
	struct cfg_rule *ru;

	if (s->svc_n_rules == CFG_MAX_RULES)
		BAD("too many rules in one service (at most 8)");
	ru = &s->svc_rules[s->svc_n_rules];
	if (cfg_parse_rule(value, &ru->ru_frontend_port, cp->cp_rule_pool[cp->cp_index][s->svc_n_rules],
	    &ru->ru_backend_port) != 0)
		BAD("expected FRONTEND_PORT -> POOL[:BACKEND_PORT], not");
	ru->ru_pool = -1;
	cp->cp_rule_lines[cp->cp_index][s->svc_n_rules++] = line;
	return 0;
}

/* The provider NIC a backend is reached through: the one whose subnet
 * holds it, else the first with a gateway; -1 if none. */
int
cfg_backend_nic(const struct pl_config *cfg, uint32_t addr)
{
	int via_gateway = -1;

	for (int n = 0; n < cfg->n_nics; n++) {
		const struct cfg_nic *nic = &cfg->nics[n];

		if (nic->nic_role != CFG_ROLE_PROVIDER || nic->nic_addr == 0)
			continue;
		if (cfg_in_subnet(addr, nic->nic_addr, nic->nic_prefixlen))
			return n;
		if (nic->nic_gateway != 0 && via_gateway == -1)
			via_gateway = n;
	}
	return via_gateway;
}

void
cfg_finish_pools(struct cfg_parse *cp)
{
	struct pl_config *cfg = cp->cp_cfg;
	char a[INET_ADDRSTRLEN];

	for (int p = 0; p < cfg->n_pools; p++) {
		struct cfg_pool *pool = &cfg->pools[p];
		const char *file = pool->pool_where.w_file;
		int *lines = cp->cp_pool_lines[p];
		int http = pool->pool_probe == CFG_PROBE_HTTP || pool->pool_probe == CFG_PROBE_HTTPS;

		for (int b = 0; b < pool->pool_n_backends; b++) {
			const struct cfg_backend *be = &pool->pool_backends[b];

			for (int o = 0; o < b; o++)
				if (pool->pool_backends[o].be_addr == be->be_addr &&
				    pool->pool_backends[o].be_port == be->be_port)
					cfg_error(cp, file, be->be_line, "[pool %s] backend: listed twice, "
					    "first at line %d '%s'", pool->pool_name,
					    pool->pool_backends[o].be_line, cfg_ntoa(be->be_addr, a));
			if (cfg_backend_nic(cfg, be->be_addr) == -1)
				cfg_error(cp, file, be->be_line, "[pool %s] backend: not inside a provider "
				    "NIC's subnet and no provider NIC has a gateway '%s'",
				    pool->pool_name, cfg_ntoa(be->be_addr, a));
			if (pool->pool_probe != CFG_PROBE_NONE && pool->pool_probe_port == 0 &&
			    be->be_port == 0)
				cfg_error(cp, file, be->be_line, "[pool %s] backend: the probe needs a "
				    "port: give the backend one or set probe_port '%s'", pool->pool_name,
				    cfg_ntoa(be->be_addr, a));
		}
		/* The default timeout shrinks to a shorter interval; a given
		 * one must fit. */
		if (pool->pool_probe_timeout_ms > pool->pool_probe_interval_ms) {
			if (lines[POOL_K_PROBE_TIMEOUT])
				cfg_error(cp, file, lines[POOL_K_PROBE_TIMEOUT], "[pool %s] probe_timeout: "
				    "longer than probe_interval (%u ms > %u ms)", pool->pool_name,
				    pool->pool_probe_timeout_ms, pool->pool_probe_interval_ms);
			else
				pool->pool_probe_timeout_ms = pool->pool_probe_interval_ms;
		}
		if (pool->pool_probe == CFG_PROBE_NONE && lines[POOL_K_PROBE_PP])
			cfg_error(cp, file, lines[POOL_K_PROBE_PP], "[pool %s] probe_proxy_protocol: "
			    "the pool has no probe", pool->pool_name);
		if (!http) {
			static const int http_only[] = { POOL_K_PROBE_PATH, POOL_K_PROBE_HOST,
			    POOL_K_PROBE_EXPECT };
			static const char *const names[] = { "probe_path", "probe_host", "probe_expect" };

			for (size_t k = 0; k < sizeof(http_only) / sizeof(http_only[0]); k++)
				if (lines[http_only[k]])
					cfg_error(cp, file, lines[http_only[k]], "[pool %s] %s: only for "
					    "probe = http or https", pool->pool_name, names[k]);
		}
	}
}

/* The one-backend form: a pool of its own and one rule. */
static void
cfg_implicit_rule(struct cfg_parse *cp, int s)
{
	struct pl_config *cfg = cp->cp_cfg;
	struct cfg_service *svc = &cfg->services[s];
	struct cfg_pool *pool = &cfg->pools[cfg->n_pools];

	memset(pool, 0, sizeof(*pool));
	cfg_pool_defaults(pool);
	/* ':' is not a name character: no [pool] can take this name. */
	memcpy(pool->pool_name, "service:", 8);
	memcpy(pool->pool_name + 8, svc->svc_name, sizeof(pool->pool_name) - 9);
	pool->pool_name[sizeof(pool->pool_name) - 1] = '\0';
	pool->pool_implicit = 1;
	pool->pool_where = svc->svc_where;
	pool->pool_n_backends = 1;
	pool->pool_backends[0].be_addr = svc->svc_backend_addr;
	pool->pool_backends[0].be_port = svc->svc_backend_port;
	pool->pool_backends[0].be_weight = 1;
	pool->pool_backends[0].be_line = cp->cp_svc_lines[s][SVC_K_BACKEND];
	svc->svc_rules[0].ru_frontend_port = svc->svc_frontend_port;
	svc->svc_rules[0].ru_pool = cfg->n_pools++;
	svc->svc_rules[0].ru_backend_port = 0;
	svc->svc_n_rules = 1;
	cp->cp_rule_lines[s][0] = cp->cp_svc_lines[s][SVC_K_FRONTEND_PORT];
}

/* Every backend a rule sends to must be reachable from every NAT IP. */
static void
cfg_check_reach(struct cfg_parse *cp, int s, int r)
{
	struct pl_config *cfg = cp->cp_cfg;
	const struct cfg_service *svc = &cfg->services[s];
	const struct cfg_pool *pool = &cfg->pools[svc->svc_rules[r].ru_pool];
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

	for (int k = 0; k < svc->svc_n_nat_ips; k++) {
		const struct cfg_nic *nat;

		if (svc->svc_nat_nics[k] == -1)
			continue;
		nat = &cfg->nics[svc->svc_nat_nics[k]];
		if (nat->nic_gateway != 0)
			continue;
		for (int i = 0; i < pool->pool_n_backends; i++) {
			const struct cfg_backend *be = &pool->pool_backends[i];

			if (cfg_in_subnet(be->be_addr, nat->nic_addr, nat->nic_prefixlen))
				continue;
			if (pool->pool_implicit)
				cfg_error(cp, svc->svc_where.w_file, cp->cp_svc_lines[s][SVC_K_BACKEND],
				    "[service %s] backend: outside the subnet of [nic %s] (NAT IP %s), "
				    "which has no gateway '%s:%u'", svc->svc_name, nat->nic_name,
				    cfg_ntoa(svc->svc_nat_ips[k], a), cfg_ntoa(be->be_addr, b),
				    be->be_port);
			else
				cfg_error(cp, svc->svc_where.w_file, cp->cp_rule_lines[s][r],
				    "[service %s] rule: backend %s of [pool %s] is outside the subnet "
				    "of [nic %s] (NAT IP %s), which has no gateway", svc->svc_name,
				    cfg_ntoa(be->be_addr, b), pool->pool_name, nat->nic_name,
				    cfg_ntoa(svc->svc_nat_ips[k], a));
			return;
		}
	}
}

/* The provider-side frontend: an address of its own on a provider NIC. */
static void
cfg_check_frontend(struct cfg_parse *cp, int s)
{
	struct pl_config *cfg = cp->cp_cfg;
	struct cfg_service *svc = &cfg->services[s];
	const char *file = svc->svc_where.w_file;
	int line = cp->cp_svc_lines[s][SVC_K_FRONTEND_IP];
	char a[INET_ADDRSTRLEN];

	svc->svc_frontend_nic = -1;
	if (!line)
		return;
	for (int n = 0; n < cfg->n_nics && svc->svc_frontend_nic == -1; n++)
		if (cfg->nics[n].nic_role == CFG_ROLE_PROVIDER &&
		    cfg_in_subnet(svc->svc_frontend_ip, cfg->nics[n].nic_addr,
		    cfg->nics[n].nic_prefixlen))
			svc->svc_frontend_nic = n;
	if (svc->svc_frontend_nic == -1) {
		cfg_error(cp, file, line, "[service %s] frontend_ip: not inside the subnet of any "
		    "provider NIC '%s'", svc->svc_name, cfg_ntoa(svc->svc_frontend_ip, a));
		return;
	}
	if (svc->svc_frontend_ip == cfg->nics[svc->svc_frontend_nic].nic_addr) {
		cfg_error(cp, file, line, "[service %s] frontend_ip: the address of [nic %s] "
		    "itself '%s'", svc->svc_name, cfg->nics[svc->svc_frontend_nic].nic_name,
		    cfg_ntoa(svc->svc_frontend_ip, a));
		return;
	}
	for (int o = 0; o < cfg->n_services; o++) {
		const struct cfg_service *other = &cfg->services[o];

		for (int k = 0; k < other->svc_n_nat_ips; k++)
			if (other->svc_nat_ips[k] == svc->svc_frontend_ip)
				cfg_error(cp, file, line, "[service %s] frontend_ip: a NAT IP of "
				    "[service %s] '%s'", svc->svc_name, other->svc_name,
				    cfg_ntoa(svc->svc_frontend_ip, a));
		if (o >= s || other->svc_frontend_ip != svc->svc_frontend_ip)
			continue;
		for (int r = 0; r < svc->svc_n_rules; r++)
			for (int q = 0; q < other->svc_n_rules; q++)
				if (svc->svc_rules[r].ru_frontend_port ==
				    other->svc_rules[q].ru_frontend_port)
					cfg_error(cp, file, line, "[service %s] frontend_ip: port %u is "
					    "served on it by [service %s] already '%s'", svc->svc_name,
					    svc->svc_rules[r].ru_frontend_port, other->svc_name,
					    cfg_ntoa(svc->svc_frontend_ip, a));
	}
}

void
cfg_finish_rules(struct cfg_parse *cp)
{
	struct pl_config *cfg = cp->cp_cfg;

	for (int s = 0; s < cfg->n_services; s++) {
		struct cfg_service *svc = &cfg->services[s];
		const char *file = svc->svc_where.w_file;
		int *lines = cp->cp_svc_lines[s];
		int legacy = lines[SVC_K_FRONTEND_PORT] || lines[SVC_K_BACKEND];

		if (svc->svc_n_rules > 0 && legacy) {
			cfg_error(cp, file, lines[SVC_K_FRONTEND_PORT] ? lines[SVC_K_FRONTEND_PORT] :
			    lines[SVC_K_BACKEND], "[service %s]: give rule = lines or frontend_port "
			    "and backend, not both", svc->svc_name);
			continue;
		}
		if (svc->svc_n_rules == 0) {
			if (lines[SVC_K_FRONTEND_PORT] && lines[SVC_K_BACKEND])
				cfg_implicit_rule(cp, s);
			else if (!cp->cp_svc_bad[s])
				cfg_error(cp, file, svc->svc_where.w_line, "[service %s]: missing "
				    "rule = PORT -> POOL (or frontend_port and backend)", svc->svc_name);
			if (svc->svc_n_rules == 0)
				continue;
		}
		for (int r = 0; r < svc->svc_n_rules; r++) {
			struct cfg_rule *ru = &svc->svc_rules[r];
			const struct cfg_pool *pool;

			if (!legacy) {
				ru->ru_pool = cfg_find_pool(cfg, cp->cp_rule_pool[s][r]);
				if (ru->ru_pool == -1) {
					cfg_error(cp, file, cp->cp_rule_lines[s][r], "[service %s] rule: "
					    "no [pool %s] in the drop", svc->svc_name,
					    cp->cp_rule_pool[s][r]);
					continue;
				}
			}
			for (int q = 0; q < r; q++)
				if (svc->svc_rules[q].ru_frontend_port == ru->ru_frontend_port)
					cfg_error(cp, file, cp->cp_rule_lines[s][r], "[service %s] rule: "
					    "frontend port %u is taken by the rule at line %d",
					    svc->svc_name, ru->ru_frontend_port, cp->cp_rule_lines[s][q]);
			pool = &cfg->pools[ru->ru_pool];
			for (int b = 0; b < pool->pool_n_backends && ru->ru_backend_port == 0; b++)
				if (pool->pool_backends[b].be_port == 0) {
					cfg_error(cp, file, cp->cp_rule_lines[s][r], "[service %s] rule: "
					    "[pool %s] has a backend without a port (line %d): give the "
					    "rule one (-> %s:PORT)", svc->svc_name, pool->pool_name,
					    pool->pool_backends[b].be_line, pool->pool_name);
					break;
				}
			cfg_check_reach(cp, s, r);
		}
		cfg_check_frontend(cp, s);
	}
}
