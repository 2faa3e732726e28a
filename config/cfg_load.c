/*
 * Loading a drop directory: every *.ini file (not starting with a dot) in
 * byte order of the names, parsed with inih into one fresh struct
 * pl_config, then cross-checked as a whole by cfg_finish().
 *
 * Schema (the README's INI reference is written from this):
 *
 *   [appliance]         secret = HEX (32..128 digits)   required once there is a service
 *                       region = NAME                   optional, default local
 *                       alias_suffix = NAME             optional, default privlink
 *                       memory_limit = auto | SIZE      optional, 8M..1024G, default auto
 *                       watchdog = off | DURATION       optional, 2s..10m whole seconds, default 10s
 *                       debug_commands = on | off       optional, default off
 *                       max_connections = auto | N      optional, 1..1048576, default auto
 *                                                       (from memory_limit: share-t.h)
 *   [nic NAME]          interface = IFNAME              one of interface and mac
 *                       mac = XX:XX:XX:XX:XX:XX         (the NIC is found by its MAC)
 *                       vlan = 1..4094                  optional: an 802.1Q VLAN of it
 *                       address = A.B.C.D/LEN           required
 *                       gateway = A.B.C.D               optional, in the subnet
 *                       role = consumer | provider      required
 *                       dns = A.B.C.D                   optional, consumer NICs: the DNS
 *                                                       responder's address (cfg_dns.c)
 *                       dns_zone = ZONE, ...            optional, 1 to 8, with dns
 *                       dns_ttl = DURATION              optional, 0..24h, default 10s
 *                       dns_rate = off | N              optional, 1..1000000 queries/s per
 *                                                       source, default 100
 *   [service NAME]      rule = PORT -> POOL[:PORT]      repeatable (see cfg_lb.c), or:
 *                       frontend_port = 1..65535        with backend =, one backend
 *                       backend = A.B.C.D:PORT
 *                       nat_ip = A.B.C.D[, ...]         required, 1 to 8, in provider subnets
 *                       nat_port_range = MIN-MAX        optional, default 1024-65535
 *                       proxy_protocol = on | off       optional, default off
 *                       owner = SUB                     optional
 *                       visibility = none | * | SUB, .. optional, default none
 *                       auto_approval = SUB, ...        optional, inside visibility
 *                       alias_prefix = NAME             optional, default the service name
 *                       distribution = 5-tuple | source-ip | source-ip-protocol
 *                       idle_timeout = DURATION         optional, default 4m
 *                       idle_reset = on | off           optional, default off
 *                       tcp_keepalive = off | IDLE, INTERVAL, COUNT
 *                       frontend_ip = A.B.C.D           optional, on a provider NIC
 *                       frontend_proxy_protocol = on | off  optional, default off
 *                       proxy_protocol_tlv, proxy_protocol_unique_id,
 *                       proxy_protocol_crc32c: see cfg_ppv2.c
 *                       fqdn = NAME, ...                optional, 1 to 8 DNS names
 *   [pool NAME]         backends and probe: see cfg_lb.c
 *   [endpoint NAME]     nic = NIC                       required, a consumer NIC
 *                       ip = A.B.C.D                    required, in the NIC's subnet
 *                       service = SERVICE or ALIAS      required
 *                       link_id = 32-bit, dec or 0x     required
 *                       subscription = SUB              optional, default the owner's
 *                       max_connections = N             optional, 1..1048576, default half
 *                                                       the appliance's
 *                       max_new_connections_per_s = off | N  optional, 1..1000000, default off
 *                       endpoint_id, psc_connection_id: see cfg_ppv2.c
 *   [approval ENDPOINT] state = Approved|Pending|Rejected  required
 *                       message = text                  optional
 *
 * An endpoint without an [approval] is Pending, or Approved when its
 * subscription is in its service's auto_approval; on a reload, an endpoint
 * whose service the drop deleted is Disconnected.
 *
 * Every error is reported as "file:line: [kind name] key: reason 'value'"
 * and counted; parsing goes on so one run lists every mistake.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ini.h"

#include "cfg-priv.h"
#include "cfg.h"
#include "cfg_set.h"

struct cfg_key {
	const char	*k_name;
	int		k_required;
	int		k_repeat;	/* may be given more than once */
};

static const struct cfg_key cfg_nic_keys[NIC_K_MAX] = {
	[NIC_K_INTERFACE] = { "interface", 0, 0 },	/* or mac: cfg_finish checks */
	[NIC_K_ADDRESS] = { "address", 1, 0 },
	[NIC_K_GATEWAY] = { "gateway", 0, 0 },
	[NIC_K_ROLE] = { "role", 1, 0 },
	[NIC_K_MAC] = { "mac", 0, 0 },
	[NIC_K_VLAN] = { "vlan", 0, 0 },
	[NIC_K_DNS] = { "dns", 0, 0 },
	[NIC_K_DNS_ZONE] = { "dns_zone", 0, 0 },
	[NIC_K_DNS_TTL] = { "dns_ttl", 0, 0 },
	[NIC_K_DNS_RATE] = { "dns_rate", 0, 0 },
};
static const struct cfg_key cfg_svc_keys[SVC_K_MAX] = {
	[SVC_K_FRONTEND_PORT] = { "frontend_port", 0, 0 },
	[SVC_K_BACKEND] = { "backend", 0, 0 },
	[SVC_K_NAT_IP] = { "nat_ip", 1, 0 },
	[SVC_K_PROXY_PROTOCOL] = { "proxy_protocol", 0, 0 },
	[SVC_K_NAT_PORT_RANGE] = { "nat_port_range", 0, 0 },
	[SVC_K_OWNER] = { "owner", 0, 0 },
	[SVC_K_VISIBILITY] = { "visibility", 0, 0 },
	[SVC_K_AUTO_APPROVAL] = { "auto_approval", 0, 0 },
	[SVC_K_ALIAS_PREFIX] = { "alias_prefix", 0, 0 },
	[SVC_K_RULE] = { "rule", 0, 1 },
	[SVC_K_DISTRIBUTION] = { "distribution", 0, 0 },
	[SVC_K_IDLE_TIMEOUT] = { "idle_timeout", 0, 0 },
	[SVC_K_IDLE_RESET] = { "idle_reset", 0, 0 },
	[SVC_K_KEEPALIVE] = { "tcp_keepalive", 0, 0 },
	[SVC_K_FRONTEND_IP] = { "frontend_ip", 0, 0 },
	[SVC_K_FRONTEND_PROXY_PROTOCOL] = { "frontend_proxy_protocol", 0, 0 },
	[SVC_K_PP_TLV] = { "proxy_protocol_tlv", 0, 0 },		/* cfg_ppv2.c */
	[SVC_K_PP_UNIQUE_ID] = { "proxy_protocol_unique_id", 0, 0 },
	[SVC_K_PP_CRC32C] = { "proxy_protocol_crc32c", 0, 0 },
	[SVC_K_FQDN] = { "fqdn", 0, 0 },
};
static const struct cfg_key cfg_pool_keys[POOL_K_MAX] = {
	[POOL_K_BACKEND] = { "backend", 1, 1 },
	[POOL_K_PROBE] = { "probe", 0, 0 },
	[POOL_K_PROBE_PORT] = { "probe_port", 0, 0 },
	[POOL_K_PROBE_PATH] = { "probe_path", 0, 0 },
	[POOL_K_PROBE_HOST] = { "probe_host", 0, 0 },
	[POOL_K_PROBE_INTERVAL] = { "probe_interval", 0, 0 },
	[POOL_K_PROBE_TIMEOUT] = { "probe_timeout", 0, 0 },
	[POOL_K_PROBE_RISE] = { "probe_rise", 0, 0 },
	[POOL_K_PROBE_FALL] = { "probe_fall", 0, 0 },
	[POOL_K_PROBE_EXPECT] = { "probe_expect", 0, 0 },
	[POOL_K_RESET_ON_DOWN] = { "reset_on_down", 0, 0 },
	[POOL_K_PROBE_PP] = { "probe_proxy_protocol", 0, 0 },
};
static const struct cfg_key cfg_ep_keys[EP_K_MAX] = {
	[EP_K_NIC] = { "nic", 1, 0 },
	[EP_K_IP] = { "ip", 1, 0 },
	[EP_K_SERVICE] = { "service", 1, 0 },
	[EP_K_LINK_ID] = { "link_id", 1, 0 },
	[EP_K_SUBSCRIPTION] = { "subscription", 0, 0 },
	[EP_K_MAX_CONNECTIONS] = { "max_connections", 0, 0 },
	[EP_K_MAX_NEW_PER_S] = { "max_new_connections_per_s", 0, 0 },
	[EP_K_ENDPOINT_ID] = { "endpoint_id", 0, 0 },			/* cfg_ppv2.c */
	[EP_K_PSC_ID] = { "psc_connection_id", 0, 0 },
};
static const struct cfg_key cfg_apl_keys[APL_K_MAX] = {
	[APL_K_SECRET] = { "secret", 1, 0 },
	[APL_K_REGION] = { "region", 0, 0 },
	[APL_K_ALIAS_SUFFIX] = { "alias_suffix", 0, 0 },
	[APL_K_MEMORY_LIMIT] = { "memory_limit", 0, 0 },
	[APL_K_WATCHDOG] = { "watchdog", 0, 0 },
	[APL_K_DEBUG_COMMANDS] = { "debug_commands", 0, 0 },
	[APL_K_MAX_CONNECTIONS] = { "max_connections", 0, 0 },
};
static const struct cfg_key cfg_apr_keys[APR_K_MAX] = {
	[APR_K_STATE] = { "state", 1, 0 },
	[APR_K_MESSAGE] = { "message", 0, 0 },
};

static const struct cfg_key cfg_mgmt_keys[MGMT_K_MAX] = {
	[MGMT_K_NIC] = { "nic", 1, 0 },
	[MGMT_K_ADDRESS] = { "address", 0, 0 },
	[MGMT_K_PORT] = { "port", 0, 0 },
	[MGMT_K_TLS_CERT] = { "tls_cert", 0, 0 },
	[MGMT_K_TLS_KEY] = { "tls_key", 0, 0 },
	[MGMT_K_CLIENT_CA] = { "client_ca", 1, 0 },
	[MGMT_K_READ_ONLY_CA] = { "read_only_ca", 0, 0 },
};

static const struct {
	const char		*kd_name;
	const struct cfg_key	*kd_keys;
	int			kd_n_keys;
	int			kd_max;
} cfg_kinds[CFG_KIND_MAX] = {
	[CFG_KIND_NIC] = { "nic", cfg_nic_keys, NIC_K_MAX, CFG_MAX_NICS },
	[CFG_KIND_SERVICE] = { "service", cfg_svc_keys, SVC_K_MAX, CFG_MAX_SERVICES },
	[CFG_KIND_ENDPOINT] = { "endpoint", cfg_ep_keys, EP_K_MAX, CFG_MAX_ENDPOINTS },
	[CFG_KIND_APPROVAL] = { "approval", cfg_apr_keys, APR_K_MAX, CFG_MAX_APPROVALS },
	[CFG_KIND_APPLIANCE] = { "appliance", cfg_apl_keys, APL_K_MAX, 1 },
	[CFG_KIND_POOL] = { "pool", cfg_pool_keys, POOL_K_MAX, CFG_MAX_SERVICES },
	[CFG_KIND_MANAGEMENT] = { "management", cfg_mgmt_keys, MGMT_K_MAX, 1 },
};

static void
cfg_where_set(struct cfg_where *w, const char *file, int line)
{
	snprintf(w->w_file, sizeof(w->w_file), "%s", file);
	w->w_line = line;
}

/* The key lines of the current section's item, or NULL. */
static int *
cfg_lines(struct cfg_parse *cp)
{
	switch (cp->cp_kind) {
	case CFG_KIND_NIC:
		return cp->cp_nic_lines[cp->cp_index];
	case CFG_KIND_SERVICE:
		return cp->cp_svc_lines[cp->cp_index];
	case CFG_KIND_ENDPOINT:
		return cp->cp_ep_lines[cp->cp_index];
	case CFG_KIND_APPLIANCE:
		return cp->cp_apl_lines;
	case CFG_KIND_POOL:
		return cp->cp_pool_lines[cp->cp_index];
	case CFG_KIND_MANAGEMENT:
		return cp->cp_mgmt_lines;
	default:
		return NULL;
	}
}

/* At the end of a section: report its missing required keys. */
static void
cfg_section_end(struct cfg_parse *cp)
{
	if (cp->cp_kind == CFG_KIND_NONE || cp->cp_kind == CFG_KIND_SKIP)
		return;
	for (int k = 0; k < cfg_kinds[cp->cp_kind].kd_n_keys; k++)
		if (cfg_kinds[cp->cp_kind].kd_keys[k].k_required && !(cp->cp_seen & (1u << k)))
			cfg_error(cp, cp->cp_file, cp->cp_line, "[%s]: missing required key '%s'",
			    cp->cp_section, cfg_kinds[cp->cp_kind].kd_keys[k].k_name);
	if (cp->cp_kind == CFG_KIND_NIC &&
	    !(cp->cp_seen & (1u << NIC_K_INTERFACE)) == !(cp->cp_seen & (1u << NIC_K_MAC)))
		cfg_error(cp, cp->cp_file, cp->cp_line, "[%s]: needs exactly one of 'interface' "
		    "and 'mac'", cp->cp_section);
	cp->cp_kind = CFG_KIND_NONE;
}

/* Where an item of this kind and name was declared before, or NULL. */
static const struct cfg_where *
cfg_find_decl(struct cfg_parse *cp, enum cfg_kind kind, const char *name)
{
	struct pl_config *cfg = cp->cp_cfg;
	int i;

	switch (kind) {
	case CFG_KIND_NIC:
		i = cfg_find_nic(cfg, name);
		return i == -1 ? NULL : &cfg->nics[i].nic_where;
	case CFG_KIND_SERVICE:
		i = cfg_find_service(cfg, name);
		return i == -1 ? NULL : &cfg->services[i].svc_where;
	case CFG_KIND_ENDPOINT:
		i = cfg_find_endpoint(cfg, name);
		return i == -1 ? NULL : &cfg->endpoints[i].ep_where;
	case CFG_KIND_POOL:
		i = cfg_find_pool(cfg, name);
		return i == -1 ? NULL : &cfg->pools[i].pool_where;
	default:
		break;
	}
	return NULL;
}

static void
cfg_section_start(struct cfg_parse *cp, const char *section, int line)
{
	struct pl_config *cfg = cp->cp_cfg;
	const struct cfg_where *prev;
	char kind[32];
	const char *name, *sp;
	enum cfg_kind k = CFG_KIND_SKIP;
	int *count = NULL;
	size_t klen;

	cfg_section_end(cp);
	snprintf(cp->cp_section, sizeof(cp->cp_section), "%s", section);
	cp->cp_line = line;
	cp->cp_seen = 0;
	cp->cp_kind = CFG_KIND_SKIP;

	sp = strchr(section, ' ');
	klen = sp == NULL ? strlen(section) : (size_t)(sp - section);
	if (klen >= sizeof(kind)) {
		cfg_error(cp, cp->cp_file, line, "[%s]: unknown section kind", section);
		return;
	}
	memcpy(kind, section, klen);
	kind[klen] = '\0';
	for (int i = CFG_KIND_NIC; i < CFG_KIND_SKIP; i++)
		if (strcmp(kind, cfg_kinds[i].kd_name) == 0)
			k = (enum cfg_kind)i;
	if (k == CFG_KIND_SKIP) {
		cfg_error(cp, cp->cp_file, line, "[%s]: unknown section kind '%s' "
		    "(expected appliance, management, nic, service, pool, endpoint or approval)", section, kind);
		return;
	}
	name = sp == NULL ? "" : sp + 1;
	while (*name == ' ' || *name == '\t')
		name++;
	if (k == CFG_KIND_APPLIANCE) {
		struct cfg_appliance *ap = &cfg->appliance;

		if (*name != '\0') {
			cfg_error(cp, cp->cp_file, line, "[%s]: [appliance] takes no name", section);
			return;
		}
		if (cp->cp_has_appliance) {
			cfg_error(cp, cp->cp_file, line, "[appliance]: duplicate [appliance], first at "
			    "%s:%d", ap->ap_where.w_file, ap->ap_where.w_line);
			return;
		}
		cp->cp_has_appliance = 1;
		snprintf(cp->cp_section, sizeof(cp->cp_section), "appliance");
		cfg_where_set(&ap->ap_where, cp->cp_file, line);
		cp->cp_kind = k;
		cp->cp_index = 0;
		return;
	}
	if (k == CFG_KIND_MANAGEMENT) {
		struct cfg_management *mg = &cfg->management;

		if (*name != '\0') {
			cfg_error(cp, cp->cp_file, line, "[%s]: [management] takes no name", section);
			return;
		}
		if (mg->mg_enabled) {
			cfg_error(cp, cp->cp_file, line, "[management]: duplicate [management], "
			    "first at %s:%d", mg->mg_where.w_file, mg->mg_where.w_line);
			return;
		}
		mg->mg_enabled = 1;
		mg->mg_nic = -1;
		mg->mg_port = CFG_MGMT_PORT_DEFAULT;
		snprintf(cp->cp_section, sizeof(cp->cp_section), "management");
		cfg_where_set(&mg->mg_where, cp->cp_file, line);
		cp->cp_kind = k;
		cp->cp_index = 0;
		return;
	}
	if (!cfg_valid_name(name)) {
		cfg_error(cp, cp->cp_file, line, "[%s]: %s name '%s' must be 1 to %d characters "
		    "of A-Z a-z 0-9 _ . -", section, kind, name, CFG_NAME_MAX - 1);
		return;
	}
	snprintf(cp->cp_section, sizeof(cp->cp_section), "%s %s", kind, name);
	if ((prev = cfg_find_decl(cp, k, name)) != NULL) {
		cfg_error(cp, cp->cp_file, line, "[%s]: duplicate [%s %s], first at %s:%d",
		    cp->cp_section, kind, name, prev->w_file, prev->w_line);
		return;
	}
	switch (k) {
	case CFG_KIND_NIC:
		count = &cfg->n_nics;
		break;
	case CFG_KIND_SERVICE:
		count = &cfg->n_services;
		break;
	case CFG_KIND_ENDPOINT:
		count = &cfg->n_endpoints;
		break;
	case CFG_KIND_APPROVAL:
		count = &cp->cp_n_approvals;
		break;
	case CFG_KIND_POOL:
		count = &cfg->n_pools;
		break;
	default:
		return;
	}
	if (*count >= cfg_kinds[k].kd_max) {
		cfg_error(cp, cp->cp_file, line, "[%s]: too many [%s] sections (at most %d)",
		    cp->cp_section, kind, cfg_kinds[k].kd_max);
		return;
	}
	cp->cp_index = (*count)++;
	cp->cp_kind = k;
	switch (k) {
	case CFG_KIND_NIC:
		snprintf(cfg->nics[cp->cp_index].nic_name, CFG_NAME_MAX, "%s", name);
		cfg_where_set(&cfg->nics[cp->cp_index].nic_where, cp->cp_file, line);
		break;
	case CFG_KIND_SERVICE:
		snprintf(cfg->services[cp->cp_index].svc_name, CFG_NAME_MAX, "%s", name);
		cfg_where_set(&cfg->services[cp->cp_index].svc_where, cp->cp_file, line);
		cfg->services[cp->cp_index].svc_port_min = CFG_NAT_PORT_MIN;
		cfg->services[cp->cp_index].svc_port_max = CFG_NAT_PORT_MAX;
		cfg->services[cp->cp_index].svc_idle_timeout_ms = CFG_IDLE_TIMEOUT_MS;
		cfg->services[cp->cp_index].svc_frontend_nic = -1;
		break;
	case CFG_KIND_POOL:
		snprintf(cfg->pools[cp->cp_index].pool_name, CFG_NAME_MAX, "%s", name);
		cfg_where_set(&cfg->pools[cp->cp_index].pool_where, cp->cp_file, line);
		cfg_pool_defaults(&cfg->pools[cp->cp_index]);
		break;
	case CFG_KIND_ENDPOINT:
		snprintf(cfg->endpoints[cp->cp_index].ep_name, CFG_NAME_MAX, "%s", name);
		cfg_where_set(&cfg->endpoints[cp->cp_index].ep_where, cp->cp_file, line);
		cfg->endpoints[cp->cp_index].ep_nic = -1;
		cfg->endpoints[cp->cp_index].ep_service = -1;
		break;
	case CFG_KIND_APPROVAL:
		snprintf(cp->cp_approvals[cp->cp_index].ad_endpoint, CFG_NAME_MAX, "%s", name);
		cfg_where_set(&cp->cp_approvals[cp->cp_index].ad_where, cp->cp_file, line);
		break;
	default:
		break;
	}
}

static int
cfg_nic_key(struct cfg_parse *cp, int slot, const char *key, const char *value, int line)
{
	struct cfg_nic *n = &cp->cp_cfg->nics[cp->cp_index];

	switch (slot) {
	case NIC_K_INTERFACE:
		if (value[0] == '\0' || strlen(value) >= CFG_IFNAME_MAX ||
		    strchr(value, '/') != NULL || strchr(value, ' ') != NULL)
			BAD("bad interface name (1 to 15 characters, no '/' or space)");
		snprintf(n->nic_ifname, sizeof(n->nic_ifname), "%s", value);
		break;
	case NIC_K_MAC: {
		unsigned int b[6];
		char end;

		int ok = strlen(value) == 17;

		for (int i = 0; ok && i < 17; i++)
			ok = i % 3 == 2 ? value[i] == ':' : isxdigit((unsigned char)value[i]);
		if (!ok || sscanf(value, "%2x:%2x:%2x:%2x:%2x:%2x%c",
		    &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &end) != 6 || (b[0] & 1))
			BAD("bad MAC address (XX:XX:XX:XX:XX:XX, unicast)");
		for (int i = 0; i < 6; i++)
			n->nic_mac[i] = (uint8_t)b[i];
		n->nic_has_mac = 1;
		break;
	}
	case NIC_K_ADDRESS:
		if (cfg_parse_prefix(value, &n->nic_addr, &n->nic_prefixlen) != 0)
			BAD("bad IPv4 address/prefix (A.B.C.D/LEN, LEN 1..32)");
		break;
	case NIC_K_GATEWAY:
		if (cfg_parse_ipv4(value, &n->nic_gateway) != 0)
			BAD("bad IPv4 address");
		break;
	case NIC_K_VLAN: {
		unsigned long v;
		char *end;

		errno = 0;
		v = strtoul(value, &end, 10);
		if (!isdigit((unsigned char)value[0]) || *end != '\0' || errno != 0 ||
		    v < 1 || v > CFG_VLAN_MAX)
			BAD("bad VLAN id (1..4094)");
		n->nic_vlan = (uint16_t)v;
		break;
	}
	case NIC_K_ROLE:
		if (strcasecmp(value, "consumer") == 0)
			n->nic_role = CFG_ROLE_CONSUMER;
		else if (strcasecmp(value, "provider") == 0)
			n->nic_role = CFG_ROLE_PROVIDER;
		else if (strcasecmp(value, "management") == 0)
			n->nic_role = CFG_ROLE_MANAGEMENT;
		else
			BAD("role must be consumer, provider or management, not");
		break;
	case NIC_K_DNS:
	case NIC_K_DNS_ZONE:
	case NIC_K_DNS_TTL:
	case NIC_K_DNS_RATE:
		return cfg_dns_nic_key(cp, slot, key, value, line);
	}
	return 0;
}

static int
cfg_svc_key(struct cfg_parse *cp, int slot, const char *key, const char *value, int line)
{
	struct cfg_service *s = &cp->cp_cfg->services[cp->cp_index];

	switch (slot) {
	case SVC_K_FRONTEND_PORT:
		if (cfg_parse_port(value, &s->svc_frontend_port) != 0)
			BAD("bad port (1..65535)");
		break;
	case SVC_K_BACKEND:
		if (cfg_parse_addr_port(value, &s->svc_backend_addr, &s->svc_backend_port) != 0)
			BAD("bad backend (A.B.C.D:PORT)");
		break;
	case SVC_K_NAT_IP:
		if (cfg_parse_ipv4_list(value, s->svc_nat_ips, CFG_MAX_NAT_IPS, &s->svc_n_nat_ips) != 0)
			BAD("expected 1 to 8 distinct IPv4 addresses separated by commas");
		break;
	case SVC_K_NAT_PORT_RANGE:
		if (cfg_parse_port_range(value, &s->svc_port_min, &s->svc_port_max) != 0)
			BAD("expected MIN-MAX, 1 <= MIN <= MAX <= 65535");
		break;
	case SVC_K_OWNER:
		if (!cfg_valid_name(value))
			BAD("bad subscription name");
		snprintf(s->svc_owner, sizeof(s->svc_owner), "%s", value);
		break;
	case SVC_K_VISIBILITY:
		if (strcmp(value, "*") == 0)
			s->svc_visibility = CFG_VIS_ANYONE;
		else if (strcasecmp(value, "none") == 0)
			s->svc_visibility = CFG_VIS_OWNER;
		else if (cfg_parse_name_list(value, s->svc_visible, CFG_MAX_SUBS, &s->svc_n_visible) == 0)
			s->svc_visibility = CFG_VIS_LIST;
		else
			BAD("expected none, * or 1 to 16 subscriptions separated by commas, not");
		break;
	case SVC_K_AUTO_APPROVAL:
		if (cfg_parse_name_list(value, s->svc_auto, CFG_MAX_SUBS, &s->svc_n_auto) != 0)
			BAD("expected 1 to 16 subscriptions separated by commas, not");
		break;
	case SVC_K_ALIAS_PREFIX:
		if (!cfg_valid_name(value) || strchr(value, '.') != NULL)
			BAD("bad alias prefix (1 to 63 of A-Z a-z 0-9 _ -)");
		snprintf(s->svc_alias_prefix, sizeof(s->svc_alias_prefix), "%s", value);
		break;
	case SVC_K_PROXY_PROTOCOL:
		if (cfg_parse_bool(value, &s->svc_proxy_protocol) != 0)
			BAD("expected on or off, not");
		break;
	case SVC_K_RULE:
		return cfg_rule_key(cp, key, value, line);
	case SVC_K_DISTRIBUTION:
		if (strcasecmp(value, "5-tuple") == 0)
			s->svc_distribution = CFG_DIST_5TUPLE;
		else if (strcasecmp(value, "source-ip") == 0)
			s->svc_distribution = CFG_DIST_SOURCE_IP;
		else if (strcasecmp(value, "source-ip-protocol") == 0)
			s->svc_distribution = CFG_DIST_SOURCE_IP_PROTO;
		else
			BAD("expected 5-tuple, source-ip or source-ip-protocol, not");
		break;
	case SVC_K_IDLE_TIMEOUT:
		if (cfg_parse_duration_ms(value, 1000, 86400000, &s->svc_idle_timeout_ms) != 0)
			BAD("expected a duration from 1s to 24h (e.g. 240, 4m), not");
		break;
	case SVC_K_IDLE_RESET:
		if (cfg_parse_bool(value, &s->svc_idle_reset) != 0)
			BAD("expected on or off, not");
		break;
	case SVC_K_KEEPALIVE:
		if (cfg_parse_keepalive(value, &s->svc_keepalive, &s->svc_keepalive_idle_ms,
		    &s->svc_keepalive_intvl_ms, &s->svc_keepalive_count) != 0)
			BAD("expected off or IDLE, INTERVAL, COUNT (e.g. 60s, 10s, 3), not");
		break;
	case SVC_K_FRONTEND_IP:
		if (cfg_parse_ipv4(value, &s->svc_frontend_ip) != 0)
			BAD("bad IPv4 address");
		break;
	case SVC_K_FRONTEND_PROXY_PROTOCOL:
		if (cfg_parse_bool(value, &s->svc_frontend_proxy_protocol) != 0)
			BAD("expected on or off, not");
		break;
	case SVC_K_PP_TLV:
	case SVC_K_PP_UNIQUE_ID:
	case SVC_K_PP_CRC32C:
		return cfg_ppv2_svc_key(cp, slot, key, value, line);
	case SVC_K_FQDN:
		return cfg_dns_svc_key(cp, key, value, line);
	}
	return 0;
}

static int
cfg_ep_key(struct cfg_parse *cp, int slot, const char *key, const char *value, int line)
{
	struct cfg_endpoint *e = &cp->cp_cfg->endpoints[cp->cp_index];

	switch (slot) {
	case EP_K_NIC:
		if (!cfg_valid_name(value))
			BAD("bad name");
		snprintf(cp->cp_ep_nic[cp->cp_index], CFG_NAME_MAX, "%s", value);
		break;
	case EP_K_IP:
		if (cfg_parse_ipv4(value, &e->ep_ip) != 0)
			BAD("bad IPv4 address");
		break;
	case EP_K_SERVICE:
		/* a service name, or an alias (which has dots and may be long) */
		if (strlen(value) >= CFG_ALIAS_MAX || !cfg_valid_alias(value))
			BAD("bad service name or alias");
		snprintf(cp->cp_ep_service[cp->cp_index], CFG_ALIAS_MAX, "%s", value);
		break;
	case EP_K_LINK_ID:
		if (cfg_parse_u32(value, &e->ep_link_id) != 0)
			BAD("bad link id (0..4294967295, decimal or 0x hex)");
		break;
	case EP_K_SUBSCRIPTION:
		if (!cfg_valid_name(value))
			BAD("bad subscription name");
		snprintf(e->ep_subscription, sizeof(e->ep_subscription), "%s", value);
		break;
	case EP_K_MAX_CONNECTIONS:
		if (cfg_parse_count(value, 1, CFG_MAX_CONNS, &e->ep_max_connections) != 0)
			BAD("expected a number from 1 to 1048576");
		break;
	case EP_K_MAX_NEW_PER_S:
		if (cfg_parse_rate(value, CFG_MAX_CONN_RATE, &e->ep_max_new_per_s) != 0)
			BAD("expected off or a number from 1 to 1000000");
		break;
	case EP_K_ENDPOINT_ID:
	case EP_K_PSC_ID:
		return cfg_ppv2_ep_key(cp, slot, key, value, line);
	}
	return 0;
}

static int
cfg_apr_key(struct cfg_parse *cp, int slot, const char *key, const char *value, int line)
{
	struct cfg_approval_decl *a = &cp->cp_approvals[cp->cp_index];

	switch (slot) {
	case APR_K_STATE:
		if (strcasecmp(value, "approved") == 0)
			a->ad_state = CFG_APPROVAL_APPROVED;
		else if (strcasecmp(value, "pending") == 0)
			a->ad_state = CFG_APPROVAL_PENDING;
		else if (strcasecmp(value, "rejected") == 0)
			a->ad_state = CFG_APPROVAL_REJECTED;
		else
			BAD("state must be Approved, Pending or Rejected, not");
		a->ad_state_line = line;
		break;
	case APR_K_MESSAGE:
		if (strlen(value) >= CFG_MESSAGE_MAX)
			BAD("message longer than 255 characters");
		snprintf(a->ad_message, sizeof(a->ad_message), "%s", value);
		break;
	}
	return 0;
}

static int
cfg_apl_key(struct cfg_parse *cp, int slot, const char *key, const char *value, int line)
{
	struct cfg_appliance *ap = &cp->cp_cfg->appliance;

	switch (slot) {
	case APL_K_SECRET:
		ap->ap_secret_len = cfg_parse_hex(value, ap->ap_secret, CFG_SECRET_MAX);
		if (ap->ap_secret_len < CFG_SECRET_MIN) {
			ap->ap_secret_len = 0;
			/* The secret itself is never echoed into a log. */
			cfg_error(cp, cp->cp_file, line, "[appliance] secret: expected %d to %d "
			    "hexadecimal digits", 2 * CFG_SECRET_MIN, 2 * CFG_SECRET_MAX);
			return -1;
		}
		break;
	case APL_K_REGION:
		if (!cfg_valid_name(value) || strchr(value, '.') != NULL)
			BAD("bad region name");
		snprintf(ap->ap_region, sizeof(ap->ap_region), "%s", value);
		break;
	case APL_K_ALIAS_SUFFIX:
		if (!cfg_valid_name(value))
			BAD("bad alias suffix");
		snprintf(ap->ap_alias_suffix, sizeof(ap->ap_alias_suffix), "%s", value);
		break;
	case APL_K_MEMORY_LIMIT:
		if (strcmp(value, "auto") == 0)
			ap->ap_memory_limit = 0;
		else if (cfg_parse_size(value, CFG_MEMORY_MIN, CFG_MEMORY_MAX,
		    &ap->ap_memory_limit) != 0)
			BAD("expected auto or a size from 8M to 1024G (K, M or G)");
		break;
	case APL_K_WATCHDOG: {
		uint32_t ms;
		int on;

		if (cfg_parse_bool(value, &on) == 0 && on == 0)
			ap->ap_watchdog_s = 0;	/* off, as tcp_keepalive takes it */
		else if (cfg_parse_duration_ms(value, CFG_WATCHDOG_MIN_S * 1000,
		    CFG_WATCHDOG_MAX_S * 1000, &ms) == 0 && ms % 1000 == 0)
			ap->ap_watchdog_s = ms / 1000;
		else
			BAD("expected off or whole seconds from 2s to 10m");
		break;
	}
	case APL_K_DEBUG_COMMANDS:
		if (cfg_parse_bool(value, &ap->ap_debug_commands) != 0)
			BAD("expected on or off, not");
		break;
	case APL_K_MAX_CONNECTIONS:
		if (strcmp(value, "auto") == 0)
			ap->ap_max_connections = 0;
		else if (cfg_parse_count(value, 1, CFG_MAX_CONNS, &ap->ap_max_connections) != 0)
			BAD("expected auto or a number from 1 to 1048576");
		break;
	}
	return 0;
}

static void
cfg_key(struct cfg_parse *cp, const char *key, const char *value, int line)
{
	const struct cfg_key *keys;
	int slot = -1, *lines, rc = -1;

	if (cp->cp_kind == CFG_KIND_SKIP)
		return;
	if (cp->cp_kind == CFG_KIND_NONE) {
		cfg_error(cp, cp->cp_file, line, "%s: key outside any section '%s'", key, value);
		return;
	}
	keys = cfg_kinds[cp->cp_kind].kd_keys;
	for (int k = 0; k < cfg_kinds[cp->cp_kind].kd_n_keys; k++)
		if (strcmp(key, keys[k].k_name) == 0)
			slot = k;
	if (slot == -1) {
		cfg_error(cp, cp->cp_file, line, "[%s] %s: unknown key '%s'", cp->cp_section,
		    key, value);
		return;
	}
	if ((cp->cp_seen & (1u << slot)) && !keys[slot].k_repeat) {
		cfg_error(cp, cp->cp_file, line, "[%s] %s: key given twice in this section '%s'",
		    cp->cp_section, key, value);
		return;
	}
	cp->cp_seen |= 1u << slot;

	switch (cp->cp_kind) {
	case CFG_KIND_NIC:
		rc = cfg_nic_key(cp, slot, key, value, line);
		break;
	case CFG_KIND_SERVICE:
		rc = cfg_svc_key(cp, slot, key, value, line);
		break;
	case CFG_KIND_ENDPOINT:
		rc = cfg_ep_key(cp, slot, key, value, line);
		break;
	case CFG_KIND_APPROVAL:
		rc = cfg_apr_key(cp, slot, key, value, line);
		break;
	case CFG_KIND_APPLIANCE:
		rc = cfg_apl_key(cp, slot, key, value, line);
		break;
	case CFG_KIND_POOL:
		rc = cfg_pool_key(cp, slot, key, value, line);
		break;
	case CFG_KIND_MANAGEMENT:
		rc = cfg_mgmt_key(cp, slot, key, value, line);
		break;
	default:
		break;
	}
	/* A bad rule or backend is reported: no "missing rule" on top. */
	if (rc != 0 && cp->cp_kind == CFG_KIND_SERVICE &&
	    (slot == SVC_K_RULE || slot == SVC_K_FRONTEND_PORT || slot == SVC_K_BACKEND))
		cp->cp_svc_bad[cp->cp_index] = 1;
	/* A key's line is kept only when its value is good: the cross
	 * checks look at valid values only (the bad one is reported). */
	if (rc == 0 && (lines = cfg_lines(cp)) != NULL)
		lines[slot] = line;
}

/*
 * inih's handler, called for each key.  Debian's inih cannot call it for
 * section headers (its runtime option for that is compiled off), so the
 * line reader below sees headers first and starts sections itself.
 */
static int
cfg_ini_handler(void *user, const char *section, const char *name, const char *value,
    int lineno)
{
	struct cfg_parse *cp = user;

	(void)section;
	if (name != NULL)
		cfg_key(cp, name, value == NULL ? "" : value, lineno);
	/* Our errors are counted by us: never make inih report one. */
	return 1;
}

/* A drop file's bytes, read line by line as fgets reads a stream. */
struct cfg_reader {
	const char		*cr_data;
	size_t			cr_len;
	size_t			cr_pos;
	struct cfg_parse	*cr_parse;
	int			cr_line;	/* counted as inih counts: per call */
};

/* fgets over cr's bytes: up to num - 1 of them, through the first
 * newline, NUL-terminated; NULL at the end. */
static char *
cfg_mem_gets(char *str, int num, struct cfg_reader *cr)
{
	size_t n = 0;

	if (num <= 1 || cr->cr_pos >= cr->cr_len)
		return NULL;
	while (n < (size_t)num - 1 && cr->cr_pos < cr->cr_len) {
		char c = cr->cr_data[cr->cr_pos++];

		str[n++] = c;
		if (c == '\n')
			break;
	}
	str[n] = '\0';
	return str;
}

/* inih's line reader: fgets, plus section headers ("[kind name]", the
 * text up to the first ']') handed to cfg_section_start.  A header
 * without ']' is left to inih, which reports it as a syntax error. */
static char *
cfg_read_line(char *str, int num, void *stream)
{
	struct cfg_reader *cr = stream;
	char *p, *end, header[128];
	size_t n;

	if (cfg_mem_gets(str, num, cr) == NULL)
		return NULL;
	cr->cr_line++;
	for (p = str; *p == ' ' || *p == '\t'; p++)
		;
	if (cr->cr_line == 1 && (unsigned char)p[0] == 0xef && (unsigned char)p[1] == 0xbb &&
	    (unsigned char)p[2] == 0xbf)
		p += 3;		/* UTF-8 byte order mark, as inih skips it */
	if (*p != '[' || (end = strchr(p, ']')) == NULL)
		return str;
	for (p++; *p == ' ' || *p == '\t'; p++)
		;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	n = (size_t)(end - p) < sizeof(header) - 1 ? (size_t)(end - p) : sizeof(header) - 1;
	memcpy(header, p, n);
	header[n] = '\0';
	cfg_section_start(cr->cr_parse, header, cr->cr_line);
	return str;
}

/*
 * Parses one drop file, read whole into memory (cfg_set.c); path is
 * "DIR/NAME" as messages name it.  A NUL byte refuses the file: no text
 * editor writes one, and inih would silently cut the line at it.
 */
static void
cfg_load_file(struct cfg_parse *cp, const char *path, const struct cfg_file *cf)
{
	struct cfg_reader cr;
	const char *nul;
	int rc;

	cp->cp_file = path;
	cp->cp_kind = CFG_KIND_NONE;
	if ((nul = memchr(cf->cf_data, '\0', cf->cf_len)) != NULL) {
		int line = 1;

		for (const char *p = cf->cf_data; p < nul; p++)
			line += *p == '\n';
		cfg_error(cp, path, line, "NUL byte: not a text file");
		return;
	}
	memset(&cr, 0, sizeof(cr));
	cr.cr_data = cf->cf_data;
	cr.cr_len = cf->cf_len;
	cr.cr_parse = cp;
	rc = ini_parse_stream(cfg_read_line, &cr, cfg_ini_handler, cp);
	cfg_section_end(cp);
	if (rc > 0)
		cfg_error(cp, path, rc, "syntax error: expected [kind name] or key = value");
	else if (rc != 0)
		cfg_error(cp, path, 0, "cannot parse: %s", rc == -2 ? "out of memory" : "I/O error");
}

int
cfg_load_dir(struct pl_config *cfg, const char *dir, FILE *errs)
{
	return cfg_load_dir_running(cfg, dir, NULL, errs);
}

/*
 * As cfg_load_dir, for a reload: an endpoint whose service the running
 * config had and the new drop deletes becomes Disconnected instead of
 * being an error (as a private endpoint does when its service is deleted).
 * Files that cannot be taken are reported first (cfg_set_read), then the
 * others are parsed so that one run lists every mistake.
 */
int
cfg_load_dir_running(struct pl_config *cfg, const char *dir, const struct pl_config *running,
    FILE *errs)
{
	struct cfg_set set;
	int errors;

	memset(cfg, 0, sizeof(*cfg));
	errors = cfg_set_read(&set, dir, errs);
	if (errors != 0 && set.cs_n == 0) {
		cfg_set_free(&set);
		return errors;	/* nothing to parse: an empty drop adds no error */
	}
	errors += cfg_load_set(cfg, dir, &set, running, errs);
	cfg_set_free(&set);
	return errors;
}

/*
 * Parses set, the drop files of dir (cfg_set_read, maybe changed since by
 * cfg_set_change), into a fresh cfg exactly as if they were read from dir:
 * messages name each file "DIR/NAME".  running is NULL, or the config in
 * force (cfg_load_dir_running).  The number of errors, written to errs.
 */
int
cfg_load_set(struct pl_config *cfg, const char *dir, const struct cfg_set *set,
    const struct pl_config *running, FILE *errs)
{
	struct cfg_parse *cp;
	int errors;

	memset(cfg, 0, sizeof(*cfg));
	cp = calloc(1, sizeof(*cp));
	if (cp == NULL) {
		fprintf(errs, "%s: cannot load: out of memory\n", dir);
		return 1;
	}
	cp->cp_cfg = cfg;
	cp->cp_running = running;
	cp->cp_errs = errs;
	/* cfg_set_read takes at most CFG_MAX_FILES; changes may add more. */
	if (set->cs_n > CFG_MAX_FILES)
		cfg_dir_error(cp, "%s: %d drop files, at most %d are read", dir, set->cs_n,
		    CFG_MAX_FILES);
	for (int i = 0; i < set->cs_n && i < CFG_MAX_FILES; i++) {
		const struct cfg_file *cf = &set->cs_files[i];
		char path[CFG_FILE_MAX];

		if (snprintf(path, sizeof(path), "%s/%s", dir, cf->cf_name) >= (int)sizeof(path))
			cfg_dir_error(cp, "%s/%s: path too long", dir, cf->cf_name);
		else
			cfg_load_file(cp, path, cf);
	}
	cfg_finish(cp);
	errors = cp->cp_errors;
	free(cp);
	return errors;
}
