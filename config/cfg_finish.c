/*
 * Cross checks over the whole drop, once every file is read: references
 * resolve, addresses fit their NICs, nothing is claimed twice, the
 * appliance has room for every address.  Errors
 * point at the key that is wrong.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "cfg-priv.h"
#include "cfg.h"

/* The network and broadcast addresses of a /1../30 are nobody's. */
int
cfg_is_host(uint32_t addr, uint8_t len)
{
	uint32_t m = cfg_netmask(len);

	return len >= 31 || ((addr & ~m) != 0 && (addr & ~m) != ~m);
}

static void
cfg_finish_nics(struct cfg_parse *cp)
{
	struct pl_config *cfg = cp->cp_cfg;
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

	for (int i = 0; i < cfg->n_nics; i++) {
		struct cfg_nic *n = &cfg->nics[i];
		const char *file = n->nic_where.w_file;
		int *lines = cp->cp_nic_lines[i];

		if (lines[NIC_K_ADDRESS] && !cfg_is_host(n->nic_addr, n->nic_prefixlen))
			cfg_error(cp, file, lines[NIC_K_ADDRESS], "[nic %s] address: %s is the "
			    "network or broadcast address of its subnet", n->nic_name,
			    cfg_ntoa(n->nic_addr, a));
		if (lines[NIC_K_GATEWAY] && lines[NIC_K_ADDRESS] &&
		    !cfg_in_subnet(n->nic_gateway, n->nic_addr, n->nic_prefixlen))
			cfg_error(cp, file, lines[NIC_K_GATEWAY], "[nic %s] gateway: not inside "
			    "the NIC's subnet '%s'", n->nic_name, cfg_ntoa(n->nic_gateway, a));
		for (int j = 0; j < i; j++) {
			struct cfg_nic *o = &cfg->nics[j];
			uint8_t len = n->nic_prefixlen < o->nic_prefixlen ?
			    n->nic_prefixlen : o->nic_prefixlen;

			/* One interface carries one untagged network and one
			 * network per VLAN. */
			if (lines[NIC_K_INTERFACE] && n->nic_vlan == o->nic_vlan &&
			    strcmp(n->nic_ifname, o->nic_ifname) == 0)
				cfg_error(cp, file, lines[NIC_K_INTERFACE], "[nic %s] interface: "
				    "already used by [nic %s] at %s:%d '%s'%s", n->nic_name,
				    o->nic_name, o->nic_where.w_file, o->nic_where.w_line,
				    n->nic_ifname, n->nic_vlan != 0 ? " on the same VLAN" : "");
			if (lines[NIC_K_MAC] && o->nic_has_mac && n->nic_vlan == o->nic_vlan &&
			    memcmp(n->nic_mac, o->nic_mac, sizeof(n->nic_mac)) == 0)
				cfg_error(cp, file, lines[NIC_K_MAC], "[nic %s] mac: already used by "
				    "[nic %s] at %s:%d%s", n->nic_name, o->nic_name,
				    o->nic_where.w_file, o->nic_where.w_line,
				    n->nic_vlan != 0 ? " on the same VLAN" : "");
			/* Backends are routed by subnet: provider subnets
			 * must be unambiguous.  Consumer ones may overlap. */
			if (n->nic_role == CFG_ROLE_PROVIDER && o->nic_role == CFG_ROLE_PROVIDER &&
			    lines[NIC_K_ADDRESS] && cp->cp_nic_lines[j][NIC_K_ADDRESS] &&
			    cfg_in_subnet(n->nic_addr, o->nic_addr, len))
				cfg_error(cp, file, lines[NIC_K_ADDRESS], "[nic %s] address: provider "
				    "subnet overlaps [nic %s] %s/%u at %s:%d '%s/%u'", n->nic_name,
				    o->nic_name, cfg_ntoa(o->nic_addr, b), o->nic_prefixlen,
				    o->nic_where.w_file, o->nic_where.w_line,
				    cfg_ntoa(n->nic_addr, a), n->nic_prefixlen);
		}
	}
}

static int
cfg_in_list(const char (*list)[CFG_NAME_MAX], int n, const char *sub)
{
	for (int i = 0; i < n; i++)
		if (strcmp(list[i], sub) == 0)
			return 1;
	return 0;
}

/* May subscription sub (the owner's when empty) see service svc? */
static int
cfg_visible(const struct cfg_service *svc, const char *sub)
{
	if (sub[0] == '\0' || strcmp(sub, svc->svc_owner) == 0)
		return 1;
	switch (svc->svc_visibility) {
	case CFG_VIS_ANYONE:
		return 1;
	case CFG_VIS_LIST:
		return cfg_in_list((const char (*)[CFG_NAME_MAX])svc->svc_visible,
		    svc->svc_n_visible, sub);
	case CFG_VIS_OWNER:
	default:
		return 0;
	}
}

/*
 * On a reload, did the running config serve the service endpoint e names
 * (by name or alias), or was e Disconnected already?  Then a drop deleted
 * the service and e is Disconnected, not in error.
 */
static int
cfg_was_deleted(struct cfg_parse *cp, struct cfg_endpoint *e, const char *name)
{
	const struct pl_config *run = cp->cp_running;

	if (run == NULL)
		return 0;
	int i;

	if ((i = cfg_find_service_or_alias(run, name)) != -1) {
		snprintf(e->ep_service_name, sizeof(e->ep_service_name), "%s",
		    run->services[i].svc_name);
		return 1;
	}
	if ((i = cfg_find_endpoint(run, e->ep_name)) != -1 &&
	    run->endpoints[i].ep_state == CFG_APPROVAL_DISCONNECTED) {
		memcpy(e->ep_service_name, run->endpoints[i].ep_service_name,
		    sizeof(e->ep_service_name));
		return 1;
	}
	return 0;
}

/* The appliance's defaults, and every service's alias (which needs the
 * secret), and auto-approval inside visibility. */
static void
cfg_finish_aliases(struct cfg_parse *cp)
{
	struct pl_config *cfg = cp->cp_cfg;
	struct cfg_appliance *ap = &cfg->appliance;

	if (ap->ap_region[0] == '\0')
		snprintf(ap->ap_region, sizeof(ap->ap_region), "local");
	if (ap->ap_alias_suffix[0] == '\0')
		snprintf(ap->ap_alias_suffix, sizeof(ap->ap_alias_suffix), "privlink");
	if (!cp->cp_apl_lines[APL_K_WATCHDOG])
		ap->ap_watchdog_s = CFG_WATCHDOG_DEFAULT_S;
	for (int i = 0; i < cfg->n_services; i++) {
		struct cfg_service *s = &cfg->services[i];
		int *lines = cp->cp_svc_lines[i];

		if (ap->ap_secret_len == 0) {
			/* Reported once, at the first service. */
			if (i == 0 && !cp->cp_apl_lines[APL_K_SECRET] && !cp->cp_has_appliance)
				cfg_error(cp, s->svc_where.w_file, s->svc_where.w_line, "[service %s]: "
				    "service aliases need the appliance secret: add [appliance] "
				    "secret = 64 hex digits", s->svc_name);
		} else if (cfg_alias(ap, s, s->svc_alias) != 0) {
			cfg_error(cp, s->svc_where.w_file, s->svc_where.w_line, "[service %s]: "
			    "alias longer than %d characters", s->svc_name, CFG_ALIAS_MAX - 1);
		}
		for (int k = 0; k < s->svc_n_auto; k++)
			if (!cfg_visible(s, s->svc_auto[k]))
				cfg_error(cp, s->svc_where.w_file, lines[SVC_K_AUTO_APPROVAL],
				    "[service %s] auto_approval: subscription '%s' is outside the "
				    "service's visibility", s->svc_name, s->svc_auto[k]);
	}
}

static void
cfg_finish_services(struct cfg_parse *cp)
{
	struct pl_config *cfg = cp->cp_cfg;
	char a[INET_ADDRSTRLEN];

	for (int i = 0; i < cfg->n_services; i++) {
		struct cfg_service *s = &cfg->services[i];
		const char *file = s->svc_where.w_file;
		int *lines = cp->cp_svc_lines[i];
		const struct cfg_nic *nat;

		if (!lines[SVC_K_NAT_IP])
			continue;
		for (int k = 0; k < s->svc_n_nat_ips; k++) {
			uint32_t ip = s->svc_nat_ips[k];

			s->svc_nat_nics[k] = -1;
			for (int n = 0; n < cfg->n_nics && s->svc_nat_nics[k] == -1; n++)
				if (cfg->nics[n].nic_role == CFG_ROLE_PROVIDER &&
				    cp->cp_nic_lines[n][NIC_K_ADDRESS] &&
				    cfg_in_subnet(ip, cfg->nics[n].nic_addr, cfg->nics[n].nic_prefixlen))
					s->svc_nat_nics[k] = n;
			if (s->svc_nat_nics[k] == -1) {
				cfg_error(cp, file, lines[SVC_K_NAT_IP], "[service %s] nat_ip: not inside "
				    "the subnet of any provider NIC '%s'", s->svc_name, cfg_ntoa(ip, a));
				continue;
			}
			nat = &cfg->nics[s->svc_nat_nics[k]];
			if (!cfg_is_host(ip, nat->nic_prefixlen))
				cfg_error(cp, file, lines[SVC_K_NAT_IP], "[service %s] nat_ip: the network "
				    "or broadcast address of [nic %s] '%s'", s->svc_name, nat->nic_name,
				    cfg_ntoa(ip, a));
		}
	}
}

static void
cfg_finish_endpoints(struct cfg_parse *cp)
{
	struct pl_config *cfg = cp->cp_cfg;
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

	for (int i = 0; i < cfg->n_endpoints; i++) {
		struct cfg_endpoint *e = &cfg->endpoints[i];
		const char *file = e->ep_where.w_file;
		int *lines = cp->cp_ep_lines[i];
		const struct cfg_nic *nic;

		if (lines[EP_K_SERVICE]) {
			e->ep_service = cfg_find_service_or_alias(cfg, cp->cp_ep_service[i]);
			if (e->ep_service == -1 && cfg_was_deleted(cp, e, cp->cp_ep_service[i])) {
				e->ep_state = CFG_APPROVAL_DISCONNECTED;
			} else if (e->ep_service == -1) {
				cfg_error(cp, file, lines[EP_K_SERVICE], "[endpoint %s] service: no "
				    "service with that name or alias in the drop '%s'", e->ep_name,
				    cp->cp_ep_service[i]);
			} else if (!cfg_visible(&cfg->services[e->ep_service], e->ep_subscription)) {
				cfg_error(cp, file, lines[EP_K_SERVICE], "[endpoint %s] service: "
				    "[service %s] is not visible to subscription '%s'", e->ep_name,
				    cfg->services[e->ep_service].svc_name, e->ep_subscription);
				e->ep_service = -1;
			} else {
				const struct cfg_service *svc = &cfg->services[e->ep_service];

				/* both CFG_NAME_MAX, NUL-terminated */
				memcpy(e->ep_service_name, svc->svc_name, sizeof(e->ep_service_name));
				e->ep_auto_approved = e->ep_subscription[0] != '\0' &&
				    cfg_in_list((const char (*)[CFG_NAME_MAX])svc->svc_auto,
				    svc->svc_n_auto, e->ep_subscription);
				if (e->ep_auto_approved)
					e->ep_state = CFG_APPROVAL_APPROVED;
			}
		}
		if (!lines[EP_K_NIC])
			continue;
		e->ep_nic = cfg_find_nic(cfg, cp->cp_ep_nic[i]);
		if (e->ep_nic == -1) {
			cfg_error(cp, file, lines[EP_K_NIC], "[endpoint %s] nic: no [nic %s] in the "
			    "drop '%s'", e->ep_name, cp->cp_ep_nic[i], cp->cp_ep_nic[i]);
			continue;
		}
		nic = &cfg->nics[e->ep_nic];
		if (nic->nic_role != CFG_ROLE_CONSUMER) {
			cfg_error(cp, file, lines[EP_K_NIC], "[endpoint %s] nic: [nic %s] has role "
			    "%s; endpoints live on consumer NICs '%s'", e->ep_name,
			    nic->nic_name, cfg_role_name(nic->nic_role), nic->nic_name);
			continue;
		}
		if (!lines[EP_K_IP] || !cp->cp_nic_lines[e->ep_nic][NIC_K_ADDRESS])
			continue;
		if (!cfg_in_subnet(e->ep_ip, nic->nic_addr, nic->nic_prefixlen) ||
		    !cfg_is_host(e->ep_ip, nic->nic_prefixlen)) {
			cfg_error(cp, file, lines[EP_K_IP], "[endpoint %s] ip: not a host address "
			    "of [nic %s] %s/%u '%s'", e->ep_name, nic->nic_name,
			    cfg_ntoa(nic->nic_addr, a), nic->nic_prefixlen, cfg_ntoa(e->ep_ip, b));
			continue;
		}
		for (int j = 0; j < i; j++) {
			const struct cfg_endpoint *o = &cfg->endpoints[j];

			if (o->ep_nic == e->ep_nic && o->ep_ip == e->ep_ip && cp->cp_ep_lines[j][EP_K_IP]) {
				cfg_error(cp, file, lines[EP_K_IP], "[endpoint %s] ip: already used on "
				    "[nic %s] by [endpoint %s] at %s:%d '%s'", e->ep_name,
				    nic->nic_name, o->ep_name, o->ep_where.w_file,
				    o->ep_where.w_line, cfg_ntoa(e->ep_ip, a));
				break;
			}
		}
	}
}

/*
 * The tenants that share each service and the appliance (Approved
 * endpoints and frontends), for the default shares.  An endpoint's share
 * fits in the appliance: a max_connections above an explicit [appliance]
 * max_connections could never be reached, which is surely a mistake.
 * (With auto, the appliance's limit is known only at run time; share.c
 * takes the smaller.)
 */
static void
cfg_finish_shares(struct cfg_parse *cp)
{
	struct pl_config *cfg = cp->cp_cfg;
	const struct cfg_appliance *ap = &cfg->appliance;

	cfg->n_tenants = 0;
	for (int s = 0; s < cfg->n_services; s++)
		cfg->services[s].svc_tenants = cfg->services[s].svc_frontend_nic != -1;
	for (int i = 0; i < cfg->n_endpoints; i++)
		if (cfg->endpoints[i].ep_state == CFG_APPROVAL_APPROVED &&
		    cfg->endpoints[i].ep_service >= 0)
			cfg->services[cfg->endpoints[i].ep_service].svc_tenants++;
	for (int s = 0; s < cfg->n_services; s++)
		cfg->n_tenants += cfg->services[s].svc_tenants;
	if (ap->ap_max_connections == 0)
		return;
	for (int i = 0; i < cfg->n_endpoints; i++) {
		const struct cfg_endpoint *e = &cfg->endpoints[i];

		if (e->ep_max_connections > ap->ap_max_connections)
			cfg_error(cp, e->ep_where.w_file, cp->cp_ep_lines[i][EP_K_MAX_CONNECTIONS],
			    "[endpoint %s] max_connections: more than [appliance] max_connections "
			    "%u at %s:%d '%u'", e->ep_name, ap->ap_max_connections,
			    ap->ap_where.w_file, cp->cp_apl_lines[APL_K_MAX_CONNECTIONS],
			    e->ep_max_connections);
	}
}

/* Approvals apply in read order: the last one for an endpoint wins. */
static void
cfg_finish_approvals(struct cfg_parse *cp)
{
	struct pl_config *cfg = cp->cp_cfg;

	for (int i = 0; i < cp->cp_n_approvals; i++) {
		const struct cfg_approval_decl *ad = &cp->cp_approvals[i];
		struct cfg_endpoint *e = NULL;
		int j;

		if (!ad->ad_state_line)
			continue;	/* missing state: reported already */
		if ((j = cfg_find_endpoint(cfg, ad->ad_endpoint)) != -1)
			e = &cfg->endpoints[j];
		if (e == NULL) {
			cfg_error(cp, ad->ad_where.w_file, ad->ad_where.w_line, "[approval %s]: no "
			    "[endpoint %s] in the drop", ad->ad_endpoint, ad->ad_endpoint);
			continue;
		}
		if (e->ep_state == CFG_APPROVAL_DISCONNECTED)
			continue;	/* no service to approve a connection to */
		e->ep_state = ad->ad_state;
		memcpy(e->ep_message, ad->ad_message, sizeof(e->ep_message));
		e->ep_approval_where = ad->ad_where;
	}
}

/* The distinct addresses counted so far: each NIC's (or VLAN's) own. */
struct cfg_addr_count {
	struct {
		int		nic;
		uint32_t	addr;
	}		ac_addrs[CFG_MAX_ADDRS];
	int		ac_total;
	int		ac_over;			/* reported */
};

/*
 * Counts addr on NIC nic as the appliance will hold it (once per NIC,
 * however many keys name it); past the limit, reports it once at
 * file:line, the key what names.
 */
static void
cfg_count_addr(struct cfg_parse *cp, struct cfg_addr_count *ac, int nic, uint32_t addr,
    const char *file, int line, const char *what)
{
	char a[INET_ADDRSTRLEN];

	for (int i = 0; i < ac->ac_total; i++)
		if (ac->ac_addrs[i].addr == addr && ac->ac_addrs[i].nic == nic)
			return;
	if (ac->ac_over)
		return;
	if (ac->ac_total == CFG_MAX_ADDRS) {
		cfg_error(cp, file, line, "%s: the appliance would hold more than %d addresses on "
		    "all NICs together (their own, endpoint, frontend and NAT IPs) '%s'", what,
		    CFG_MAX_ADDRS, cfg_ntoa(addr, a));
		ac->ac_over = 1;
		return;
	}
	ac->ac_addrs[ac->ac_total].nic = nic;
	ac->ac_addrs[ac->ac_total++].addr = addr;
}

/*
 * Every address the appliance will hold, in the order it adds them
 * (firmware/core/loop.c): NICs, endpoints whatever their state, then each
 * service's NAT IPs and frontend.  Each is an entry of the network
 * stack's address table, which has room for CFG_MAX_ADDRS.
 */
static void
cfg_finish_addresses(struct cfg_parse *cp)
{
	struct pl_config *cfg = cp->cp_cfg;
	struct cfg_addr_count *ac = calloc(1, sizeof(*ac));	/* 32 KiB */
	char what[2 * CFG_NAME_MAX + 32];

	if (ac == NULL) {
		cfg_error(cp, cp->cp_file, 0, "out of memory counting addresses");
		return;
	}
	for (int n = 0; n < cfg->n_nics; n++)
		if (cp->cp_nic_lines[n][NIC_K_ADDRESS]) {
			snprintf(what, sizeof(what), "[nic %s] address", cfg->nics[n].nic_name);
			cfg_count_addr(cp, ac, n, cfg->nics[n].nic_addr, cfg->nics[n].nic_where.w_file,
			    cp->cp_nic_lines[n][NIC_K_ADDRESS], what);
		}
	for (int i = 0; i < cfg->n_endpoints; i++) {
		const struct cfg_endpoint *e = &cfg->endpoints[i];

		if (e->ep_nic == -1 || !cp->cp_ep_lines[i][EP_K_IP])
			continue;
		snprintf(what, sizeof(what), "[endpoint %s] ip", e->ep_name);
		cfg_count_addr(cp, ac, e->ep_nic, e->ep_ip, e->ep_where.w_file,
		    cp->cp_ep_lines[i][EP_K_IP], what);
	}
	for (int i = 0; i < cfg->n_services; i++) {
		const struct cfg_service *s = &cfg->services[i];

		snprintf(what, sizeof(what), "[service %s] nat_ip", s->svc_name);
		for (int k = 0; k < s->svc_n_nat_ips && cp->cp_svc_lines[i][SVC_K_NAT_IP]; k++)
			if (s->svc_nat_nics[k] != -1)
				cfg_count_addr(cp, ac, s->svc_nat_nics[k], s->svc_nat_ips[k],
				    s->svc_where.w_file, cp->cp_svc_lines[i][SVC_K_NAT_IP], what);
		snprintf(what, sizeof(what), "[service %s] frontend_ip", s->svc_name);
		if (s->svc_frontend_nic != -1)
			cfg_count_addr(cp, ac, s->svc_frontend_nic, s->svc_frontend_ip,
			    s->svc_where.w_file, cp->cp_svc_lines[i][SVC_K_FRONTEND_IP], what);
	}
	for (int n = 0; n < cfg->n_nics; n++)
		if (cfg->nics[n].nic_dns_addr != 0) {
			snprintf(what, sizeof(what), "[nic %s] dns", cfg->nics[n].nic_name);
			cfg_count_addr(cp, ac, n, cfg->nics[n].nic_dns_addr,
			    cfg->nics[n].nic_where.w_file, cp->cp_nic_lines[n][NIC_K_DNS], what);
		}
	if (cfg->management.mg_enabled && cfg->management.mg_nic != -1)
		cfg_count_addr(cp, ac, cfg->management.mg_nic, cfg->management.mg_addr,
		    cfg->management.mg_where.w_file, cp->cp_mgmt_lines[MGMT_K_ADDRESS] ?
		    cp->cp_mgmt_lines[MGMT_K_ADDRESS] : cfg->management.mg_where.w_line,
		    "[management] address");
	free(ac);
}

void
cfg_finish(struct cfg_parse *cp)
{
	cfg_finish_nics(cp);
	cfg_finish_services(cp);
	cfg_finish_pools(cp);
	cfg_finish_rules(cp);
	cfg_finish_aliases(cp);
	cfg_finish_endpoints(cp);
	cfg_finish_approvals(cp);
	cfg_finish_management(cp);
	cfg_finish_dns(cp);
	cfg_finish_addresses(cp);
	cfg_finish_shares(cp);
}
