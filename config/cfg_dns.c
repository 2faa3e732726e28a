/*
 * Names (DNS): [service] fqdn = and a consumer NIC's responder, [nic]
 * dns =, dns_zone =, dns_ttl =; and their cross checks once the whole
 * drop is read.  The responder itself is firmware/dns/.
 *
 * A name is a host name (RFC 1123 2.1, RFC 1035 2.3.1): labels of 1..63
 * letters, digits and hyphens, no hyphen at either end of a label, at
 * least two labels, 253 characters at most; a final dot is taken and
 * dropped, and it is stored in lower case since DNS compares names
 * without case.  A service name may start with one wildcard label "*."
 * (RFC 4592), a zone may not.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>

#include "cfg-priv.h"
#include "cfg.h"

/* The label the responder's own NS record has in each of its zones
 * ("ns.ZONE", firmware/dns/dns_view.c): no service may take it. */
#define CFG_DNS_NS_LABEL	"ns"
/* A zone's SOA names hostmaster.ZONE (firmware/dns/dns_priv.h), which must
 * be a name too: a zone is at most 253 - 11 characters. */
#define CFG_DNS_ZONE_MAX	(CFG_FQDN_MAX - 1 - 11)

/* s[0..len) as a name into out (lower case, no final dot): 0, or -1. */
static int
cfg_fqdn(const char *s, size_t len, int wildcard, char out[static CFG_FQDN_MAX])
{
	size_t label = 0, labels = 0, n = 0;

	if (len > 0 && s[len - 1] == '.')
		len--;
	if (wildcard && len > 2 && s[0] == '*' && s[1] == '.') {
		out[n++] = '*';
		out[n++] = '.';
		s += 2;
		len -= 2;	/* the labels after it are at least two */
	}
	if (len == 0 || n + len >= CFG_FQDN_MAX)
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return -1;
			label = 0;
			labels++;
		} else if (isalnum(c) || c == '-') {
			if ((label == 0 && c == '-') || ++label > 63)
				return -1;
		} else {
			return -1;
		}
		out[n++] = (char)tolower(c);
	}
	if (label == 0 || s[len - 1] == '-' || labels + 1 < 2)
		return -1;
	out[n] = '\0';
	return 0;
}

/* "a.example, b.example": 1 to max distinct names. */
static int
cfg_fqdn_list(const char *s, int wildcard, char (*names)[CFG_FQDN_MAX], int max, int *n)
{
	int count = 0;

	for (;;) {
		size_t len;

		while (*s == ' ' || *s == '\t')
			s++;
		len = strcspn(s, ", \t");
		if (count == max || cfg_fqdn(s, len, wildcard, names[count]) != 0)
			return -1;
		for (int i = 0; i < count; i++)
			if (strcmp(names[i], names[count]) == 0)
				return -1;
		count++;
		s += len;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0')
			break;
		if (*s++ != ',')
			return -1;
	}
	*n = count;
	return 0;
}

int
cfg_dns_nic_key(struct cfg_parse *cp, int slot, const char *key, const char *value, int line)
{
	struct cfg_nic *n = &cp->cp_cfg->nics[cp->cp_index];
	uint32_t ms;

	switch (slot) {
	case NIC_K_DNS:
		if (cfg_parse_ipv4(value, &n->nic_dns_addr) != 0 || n->nic_dns_addr == 0) {
			n->nic_dns_addr = 0;
			BAD("bad IPv4 address");
		}
		break;
	case NIC_K_DNS_ZONE:
		if (cfg_fqdn_list(value, 0, n->nic_dns_zones, CFG_MAX_DNS_ZONES,
		    &n->nic_n_dns_zones) != 0) {
			n->nic_n_dns_zones = 0;
			BAD("expected 1 to 8 distinct DNS names (labels of a-z 0-9 -, at least two, "
			    "no wildcard) separated by commas, not");
		}
		for (int z = 0; z < n->nic_n_dns_zones; z++)
			if (strlen(n->nic_dns_zones[z]) > CFG_DNS_ZONE_MAX) {
				n->nic_n_dns_zones = 0;
				BAD("a zone is at most 242 characters (its SOA's hostmaster.ZONE "
				    "is a name too)");
			}
		break;
	case NIC_K_DNS_TTL:
		if (strcmp(value, "0") == 0)
			ms = 0;	/* the duration parser starts at 1 */
		else if (cfg_parse_duration_ms(value, 1000, CFG_DNS_TTL_MAX_S * 1000, &ms) != 0 ||
		    ms % 1000 != 0)
			BAD("expected whole seconds from 0 to 24h (e.g. 10s, 5m), not");
		n->nic_dns_ttl_s = ms / 1000;
		break;
	case NIC_K_DNS_RATE:
		if (cfg_parse_rate(value, CFG_DNS_RATE_MAX, &n->nic_dns_rate) != 0)
			BAD("expected off or queries a second per source from 1 to 1000000, not");
		break;
	}
	return 0;
}

int
cfg_dns_svc_key(struct cfg_parse *cp, const char *key, const char *value, int line)
{
	struct cfg_service *s = &cp->cp_cfg->services[cp->cp_index];

	if (cfg_fqdn_list(value, 1, s->svc_fqdns, CFG_MAX_FQDNS, &s->svc_n_fqdns) != 0) {
		s->svc_n_fqdns = 0;
		BAD("expected 1 to 8 distinct DNS names (labels of a-z 0-9 -, at least two, "
		    "an optional leading *.) separated by commas, not");
	}
	return 0;
}

/* Is name equal to zone or below it (label-aligned)? */
static int
cfg_dns_in_zone(const char *name, const char *zone)
{
	size_t n = strlen(name), z = strlen(zone);

	return n == z ? strcmp(name, zone) == 0 :
	    n > z && name[n - z - 1] == '.' && strcmp(name + n - z, zone) == 0;
}

/* Has service svc an endpoint (in any state) on NIC nic? */
static int
cfg_dns_svc_on(const struct pl_config *cfg, int svc, int nic)
{
	for (int i = 0; i < cfg->n_endpoints; i++)
		if (cfg->endpoints[i].ep_service == svc && cfg->endpoints[i].ep_nic == nic)
			return 1;
	return 0;
}

/* The zone of fqdn on a NIC without dns_zone =: its parent (of
 * *.x.example, x.example), as firmware/dns/dns_view.c derives it. */
static const char *
cfg_dns_parent(const char *fqdn)
{
	return fqdn[0] == '*' ? fqdn + 2 : strchr(fqdn, '.') + 1;
}

/* Is fqdn the responder's own NS name in a zone of NIC n? */
static int
cfg_dns_is_ns(const struct pl_config *cfg, int nic, const char *fqdn)
{
	const struct cfg_nic *n = &cfg->nics[nic];
	size_t k = strlen(CFG_DNS_NS_LABEL);

	if (strncmp(fqdn, CFG_DNS_NS_LABEL ".", k + 1) != 0)
		return 0;
	if (n->nic_n_dns_zones == 0)
		return 1;	/* its own parent is a zone */
	for (int z = 0; z < n->nic_n_dns_zones; z++)
		if (strcmp(fqdn + k + 1, n->nic_dns_zones[z]) == 0)
			return 1;
	return 0;
}

/* The names of the services with an endpoint on NIC nic, which has dns. */
static void
cfg_dns_names(struct cfg_parse *cp, int nic)
{
	const struct pl_config *cfg = cp->cp_cfg;
	const struct cfg_nic *n = &cfg->nics[nic];

	for (int s = 0; s < cfg->n_services; s++) {
		const struct cfg_service *svc = &cfg->services[s];
		int line = cp->cp_svc_lines[s][SVC_K_FQDN];

		if (svc->svc_n_fqdns == 0 || !cfg_dns_svc_on(cfg, s, nic))
			continue;
		for (int f = 0; f < svc->svc_n_fqdns; f++) {
			const char *name = svc->svc_fqdns[f];
			int in = n->nic_n_dns_zones == 0;

			for (int z = 0; z < n->nic_n_dns_zones && !in; z++)
				in = cfg_dns_in_zone(name[0] == '*' ? name + 2 : name,
				    n->nic_dns_zones[z]);
			if (n->nic_n_dns_zones == 0 && strlen(cfg_dns_parent(name)) > CFG_DNS_ZONE_MAX)
				cfg_error(cp, svc->svc_where.w_file, line, "[service %s] fqdn: its "
				    "parent, the zone of [nic %s], passes 242 characters (its SOA's "
				    "hostmaster.ZONE is a name too): name the zone with dns_zone = '%s'",
				    svc->svc_name, n->nic_name, name);
			else if (!in)
				cfg_error(cp, svc->svc_where.w_file, line, "[service %s] fqdn: outside "
				    "every dns_zone of [nic %s], where the service has an endpoint: "
				    "it could never be answered '%s'", svc->svc_name, n->nic_name, name);
			else if (cfg_dns_is_ns(cfg, nic, name))
				cfg_error(cp, svc->svc_where.w_file, line, "[service %s] fqdn: the "
				    "name of [nic %s]'s own DNS responder (its NS record) '%s'",
				    svc->svc_name, n->nic_name, name);
			for (int o = 0; o < s; o++) {
				const struct cfg_service *other = &cfg->services[o];

				if (!cfg_dns_svc_on(cfg, o, nic))
					continue;
				for (int g = 0; g < other->svc_n_fqdns; g++)
					if (strcmp(other->svc_fqdns[g], name) == 0)
						cfg_error(cp, svc->svc_where.w_file, line, "[service %s] "
						    "fqdn: also a name of [service %s] at %s:%d, and both "
						    "have an endpoint on [nic %s], which answers names: "
						    "ambiguous '%s'", svc->svc_name, other->svc_name,
						    other->svc_where.w_file, other->svc_where.w_line,
						    n->nic_name, name);
			}
		}
	}
}

/*
 * NIC i's responder: dns = is a free host address of a consumer NIC's
 * subnet (the responder holds it alone, as an endpoint holds its IP), and
 * the names it would answer are unambiguous and inside its zones.  A bad
 * dns = is cleared, so no address is counted for it.
 */
static void
cfg_dns_nic(struct cfg_parse *cp, int i)
{
	struct pl_config *cfg = cp->cp_cfg;
	struct cfg_nic *n = &cfg->nics[i];
	const int *lines = cp->cp_nic_lines[i];
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

	if (!lines[NIC_K_DNS_TTL])
		n->nic_dns_ttl_s = CFG_DNS_TTL_DEFAULT_S;
	if (!lines[NIC_K_DNS_RATE])
		n->nic_dns_rate = CFG_DNS_RATE_DEFAULT;
	if (!lines[NIC_K_DNS]) {
		n->nic_dns_addr = 0;
		if (lines[NIC_K_DNS_ZONE])
			cfg_error(cp, n->nic_where.w_file, lines[NIC_K_DNS_ZONE], "[nic %s] dns_zone: "
			    "needs dns = (the responder's address) too", n->nic_name);
		if (lines[NIC_K_DNS_TTL])
			cfg_error(cp, n->nic_where.w_file, lines[NIC_K_DNS_TTL], "[nic %s] dns_ttl: "
			    "needs dns = (the responder's address) too", n->nic_name);
		if (lines[NIC_K_DNS_RATE])
			cfg_error(cp, n->nic_where.w_file, lines[NIC_K_DNS_RATE], "[nic %s] dns_rate: "
			    "needs dns = (the responder's address) too", n->nic_name);
		return;
	}
	if (n->nic_role != CFG_ROLE_CONSUMER) {
		cfg_error(cp, n->nic_where.w_file, lines[NIC_K_DNS], "[nic %s] dns: the NIC has "
		    "role %s; the responder serves consumer NICs only '%s'", n->nic_name,
		    cfg_role_name(n->nic_role), cfg_ntoa(n->nic_dns_addr, a));
		n->nic_dns_addr = 0;
		return;
	}
	if (!lines[NIC_K_ADDRESS]) {
		n->nic_dns_addr = 0;
		return;
	}
	if (!cfg_in_subnet(n->nic_dns_addr, n->nic_addr, n->nic_prefixlen) ||
	    !cfg_is_host(n->nic_dns_addr, n->nic_prefixlen) || n->nic_dns_addr == n->nic_addr) {
		cfg_error(cp, n->nic_where.w_file, lines[NIC_K_DNS], "[nic %s] dns: not a free "
		    "host address of %s/%u (not the NIC's own, network or broadcast) '%s'",
		    n->nic_name, cfg_ntoa(n->nic_addr, a), n->nic_prefixlen,
		    cfg_ntoa(n->nic_dns_addr, b));
		n->nic_dns_addr = 0;
		return;
	}
	for (int e = 0; e < cfg->n_endpoints; e++) {
		const struct cfg_endpoint *ep = &cfg->endpoints[e];

		if (ep->ep_nic == i && ep->ep_ip == n->nic_dns_addr && cp->cp_ep_lines[e][EP_K_IP]) {
			cfg_error(cp, n->nic_where.w_file, lines[NIC_K_DNS], "[nic %s] dns: already "
			    "the ip of [endpoint %s] at %s:%d '%s'", n->nic_name, ep->ep_name,
			    ep->ep_where.w_file, ep->ep_where.w_line, cfg_ntoa(n->nic_dns_addr, a));
			break;
		}
	}
	cfg_dns_names(cp, i);
}

void
cfg_finish_dns(struct cfg_parse *cp)
{
	for (int i = 0; i < cp->cp_cfg->n_nics; i++)
		cfg_dns_nic(cp, i);
}
