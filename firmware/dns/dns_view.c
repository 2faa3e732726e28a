/*
 * One consumer NIC's names, built from a config (dns_view_from_cfg), and
 * the lookup of a name in them.
 *
 * Zones: the NIC's dns_zone =, or else the parents of the names of the
 * services with an endpoint there (of *.x.example: x.example).  A name
 * belongs to the longest zone it is in.  Each zone's apex has an SOA and
 * an NS record naming ns.ZONE, whose A record is the NIC's dns address.
 * Names: each fqdn of a service with at least one Approved endpoint on
 * the NIC, with those endpoints' addresses in config order; an fqdn with
 * none is absent (NXDOMAIN), so it stops resolving when the last one
 * leaves Approved.  Config checks (config/cfg_dns.c) make names unique
 * per NIC and keep them inside the zones.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dns_priv.h"

/* Text (lower case, no final dot, as the config stores it) to wire form;
 * "" is the root.  0, or -1 if it is no name. */
int
dns_name_from_text(const char *text, uint8_t out[static DNS_NAME_MAX], size_t *len)
{
	size_t n = 0;

	while (*text != '\0') {
		size_t l = strcspn(text, ".");

		if (l == 0 || l > DNS_LABEL_MAX || n + 1 + l + 1 > DNS_NAME_MAX)
			return -1;
		out[n++] = (uint8_t)l;
		for (size_t i = 0; i < l; i++)
			out[n++] = (uint8_t)tolower((unsigned char)text[i]);
		text += l;
		if (*text == '.')
			text++;
	}
	out[n++] = 0;
	*len = n;
	return 0;
}

/* Wire form to text with no final dot ("" for the root), for our own
 * names only (letters, digits, hyphens, "*").  0, or -1 without room. */
int
dns_name_to_text(const uint8_t *wire, size_t len, char *out, size_t room)
{
	size_t p = 0, n = 0;

	while (p < len && wire[p] != 0) {
		size_t l = wire[p];

		if (n + l + 2 > room || p + 1 + l > len)
			return -1;
		if (n > 0)
			out[n++] = '.';
		memcpy(out + n, wire + p + 1, l);
		n += l;
		p += 1 + l;
	}
	if (room == 0)
		return -1;
	out[n] = '\0';
	return 0;
}

/* Is a (wire, lower case) equal to zone z or below it?  Then the offset
 * in a where z starts, else -1. */
static long
dns_suffix_at(const uint8_t *a, size_t alen, const uint8_t *z, size_t zlen)
{
	size_t p = 0;

	while (p < alen) {
		if (alen - p == zlen && memcmp(a + p, z, zlen) == 0)
			return (long)p;
		if (a[p] == 0)
			break;
		p += 1 + (size_t)a[p];
	}
	return -1;
}

/* The longest zone of v that name is in, or -1. */
static int
dns_zone_of(const struct dns_view *v, const uint8_t *name, size_t len)
{
	int best = -1;

	for (int z = 0; z < v->v_n_zones; z++)
		if (dns_suffix_at(name, len, v->v_zones[z].z_wire, v->v_zones[z].z_len) >= 0 &&
		    (best == -1 || v->v_zones[z].z_len > v->v_zones[best].z_len))
			best = z;
	return best;
}

/* Adds zone text to v unless it is there. */
static int
dns_view_add_zone(struct dns_view *v, const char *text)
{
	struct dns_zone *z;
	char ns[CFG_FQDN_MAX + 16];

	for (int i = 0; i < v->v_n_zones; i++)
		if (strcmp(v->v_zones[i].z_text, text) == 0)
			return 0;
	z = &v->v_zones[v->v_n_zones];
	snprintf(z->z_text, sizeof(z->z_text), "%s", text);
	if (dns_name_from_text(text, z->z_wire, &z->z_len) != 0)
		return -1;
	/* ns.ZONE and hostmaster.ZONE fit: ZONE is at most 253 bytes of
	 * text, but the label may push it over 255; then the zone is not
	 * served (the config's names were checked at 253). */
	snprintf(ns, sizeof(ns), "%s.%s", DNS_NS_LABEL, text);
	if (dns_name_from_text(ns, z->z_ns, &z->z_ns_len) != 0)
		return -1;
	snprintf(ns, sizeof(ns), "%s.%s", DNS_RNAME_LABEL, text);
	if (dns_name_from_text(ns, z->z_rname, &z->z_rname_len) != 0)
		return -1;
	v->v_n_zones++;
	return 0;
}

/* Has service s an endpoint on nic (any state; with Approved only)? */
static int
dns_svc_count(const struct pl_config *cfg, int s, int nic, int approved)
{
	int n = 0;

	for (int e = 0; e < cfg->n_endpoints; e++)
		if (cfg->endpoints[e].ep_service == s && cfg->endpoints[e].ep_nic == nic &&
		    (!approved || cfg->endpoints[e].ep_state == CFG_APPROVAL_APPROVED))
			n++;
	return n;
}

/* The zones: the NIC's, or the parents of its names. */
static void
dns_view_zones(struct dns_view *v, const struct pl_config *cfg, int nic)
{
	const struct cfg_nic *n = &cfg->nics[nic];

	for (int z = 0; z < n->nic_n_dns_zones; z++)
		(void)dns_view_add_zone(v, n->nic_dns_zones[z]);
	if (n->nic_n_dns_zones != 0)
		return;
	for (int s = 0; s < cfg->n_services; s++) {
		if (dns_svc_count(cfg, s, nic, 0) == 0)
			continue;
		for (int f = 0; f < cfg->services[s].svc_n_fqdns; f++) {
			const char *name = cfg->services[s].svc_fqdns[f];
			const char *dot;

			if (name[0] == '*')
				(void)dns_view_add_zone(v, name + 2);
			else if ((dot = strchr(name, '.')) != NULL)
				(void)dns_view_add_zone(v, dot + 1);
		}
	}
}

struct dns_view *
dns_view_from_cfg(const struct pl_config *cfg, int nic, uint32_t serial)
{
	struct dns_view *v = calloc(1, sizeof(*v));
	int max_zones = CFG_MAX_DNS_ZONES, max_names = 0, max_addrs = 0;
	uint32_t *addrs;

	if (v == NULL)
		return NULL;
	snprintf(v->v_nic, sizeof(v->v_nic), "%s", cfg->nics[nic].nic_name);
	v->v_dns_addr = cfg->nics[nic].nic_dns_addr;
	v->v_ttl = cfg->nics[nic].nic_dns_ttl_s;
	v->v_serial = serial;
	for (int s = 0; s < cfg->n_services; s++) {
		int k = dns_svc_count(cfg, s, nic, 1);

		if (dns_svc_count(cfg, s, nic, 0) > 0)
			max_zones += cfg->services[s].svc_n_fqdns;	/* their parents */
		if (k > 0 && cfg->services[s].svc_n_fqdns > 0) {
			max_names += cfg->services[s].svc_n_fqdns;
			max_addrs += k;	/* the names of one service share them */
		}
	}
	v->v_zones = calloc((size_t)max_zones, sizeof(*v->v_zones));
	/* and one ns.ZONE name per zone */
	v->v_names = calloc((size_t)(max_names + max_zones), sizeof(*v->v_names));
	v->v_addrs = addrs = calloc((size_t)max_addrs + 1, sizeof(*v->v_addrs));
	if (v->v_zones == NULL || v->v_names == NULL || v->v_addrs == NULL) {
		dns_view_free(v);
		errno = ENOMEM;
		return NULL;
	}
	dns_view_zones(v, cfg, nic);
	for (int z = 0; z < v->v_n_zones; z++) {
		struct dns_name *n = &v->v_names[v->v_n_names++];

		memcpy(n->n_wire, v->v_zones[z].z_ns, v->v_zones[z].z_ns_len);
		n->n_len = v->v_zones[z].z_ns_len;
		n->n_zone = z;
		n->n_addrs = &v->v_dns_addr;
		n->n_n_addrs = 1;
	}
	for (int s = 0; s < cfg->n_services; s++) {
		const struct cfg_service *svc = &cfg->services[s];
		const uint32_t *first = addrs + v->v_n_addrs;
		int k = 0;

		if (svc->svc_n_fqdns == 0)
			continue;
		for (int e = 0; e < cfg->n_endpoints; e++) {
			const struct cfg_endpoint *ep = &cfg->endpoints[e];

			if (ep->ep_service == s && ep->ep_nic == nic &&
			    ep->ep_state == CFG_APPROVAL_APPROVED && v->v_n_addrs < max_addrs) {
				addrs[v->v_n_addrs++] = ep->ep_ip;
				k++;
			}
		}
		for (int f = 0; f < svc->svc_n_fqdns && k > 0; f++) {
			struct dns_name *n = &v->v_names[v->v_n_names];
			const char *text = svc->svc_fqdns[f];

			n->n_wild = text[0] == '*';
			if (dns_name_from_text(n->n_wild ? text + 2 : text, n->n_wire, &n->n_len) != 0 ||
			    (n->n_zone = dns_zone_of(v, n->n_wire, n->n_len)) == -1)
				continue;	/* outside the zones: the config refuses it */
			n->n_addrs = first;
			n->n_n_addrs = k;
			v->v_n_names++;
		}
	}
	return v;
}

void
dns_view_free(struct dns_view *v)
{
	if (v == NULL)
		return;
	free(v->v_zones);
	free(v->v_names);
	free(v->v_addrs);
	free(v);
}

int
dns_view_n_zones(const struct dns_view *v)
{
	return v->v_n_zones;
}

const char *
dns_view_zone_name(const struct dns_view *v, int zone)
{
	return zone >= 0 && zone < v->v_n_zones ? v->v_zones[zone].z_text : NULL;
}

/*
 * Looks up name (wire form, any case) in v.  The zone is the longest one
 * it is in; then an exact name, or a name that only has names below it
 * (an empty non-terminal, RFC 8020: it exists, with no data), or the
 * wildcard with the longest base above it (RFC 4592, without its
 * closest-encloser rule beyond that), or NXDOMAIN.
 */
void
dns_view_lookup(const struct dns_view *v, const uint8_t *name, size_t len,
    struct dns_lookup *dl)
{
	uint8_t low[DNS_NAME_MAX];
	const struct dns_name *wild = NULL;
	int ent = 0;

	memset(dl, 0, sizeof(*dl));
	if (len > DNS_NAME_MAX)
		return;
	for (size_t i = 0; i < len; i++)
		low[i] = (uint8_t)tolower(name[i]);	/* length bytes are <= 63: unchanged */
	dl->dl_zone = dns_zone_of(v, low, len);
	if (dl->dl_zone == -1)
		return;
	dl->dl_found = DNS_FOUND_NXDOMAIN;
	dl->dl_apex = v->v_zones[dl->dl_zone].z_len == len;
	if (dl->dl_apex)
		dl->dl_found = DNS_FOUND_NAME;
	for (int i = 0; i < v->v_n_names; i++) {
		const struct dns_name *n = &v->v_names[i];
		long at;

		if (n->n_zone != dl->dl_zone)
			continue;
		if (!n->n_wild && n->n_len == len && memcmp(n->n_wire, low, len) == 0) {
			dl->dl_found = DNS_FOUND_NAME;
			dl->dl_name = n;
			return;
		}
		/* Is the name above n (so it exists), or n a wildcard's base
		 * above the name (the base itself is not matched)? */
		if (n->n_len > len && dns_suffix_at(n->n_wire, n->n_len, low, len) >= 0)
			ent = 1;
		if (n->n_wild && n->n_len < len && (at = dns_suffix_at(low, len, n->n_wire,
		    n->n_len)) > 0 && (wild == NULL || n->n_len > wild->n_len))
			wild = n;
		if (n->n_wild && n->n_len == len && memcmp(n->n_wire, low, len) == 0)
			ent = 1;	/* the base: *.base exists below it */
	}
	if (ent || dl->dl_apex) {
		dl->dl_found = DNS_FOUND_NAME;
		return;
	}
	if (wild != NULL) {
		dl->dl_found = DNS_FOUND_NAME;
		dl->dl_name = wild;
	}
}
