/*
 * The PROXY v2 dialect keys:
 *
 *   [service NAME]   proxy_protocol_tlv = azure | aws | gcp | none  default azure
 *                    proxy_protocol_unique_id = on | off            default off
 *                    proxy_protocol_crc32c = on | off               default off
 *   [endpoint NAME]  endpoint_id = 1..64 of A-Z a-z 0-9 -           default vpce-%017x
 *                                                                   of link_id (AWS's form)
 *                    psc_connection_id = 64-bit, dec or 0x          default link_id
 *
 * The endpoint's ids are kept whatever its service's dialect, so that a
 * change of proxy_protocol_tlv alone needs no edit of the endpoints.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cfg-priv.h"
#include "cfg.h"

/* 1..CFG_ENDPOINT_ID_MAX-1 of A-Z a-z 0-9 -: AWS's ids are of these,
 * and the TLV goes to backends that may log it as it is. */
static int
cfg_valid_endpoint_id(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= CFG_ENDPOINT_ID_MAX)
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '-')
			return 0;
	return 1;
}

/* A 64-bit number, decimal or 0x with 1 to 16 hex digits. */
static int
cfg_parse_u64(const char *s, uint64_t *v)
{
	uint64_t acc = 0;
	int hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	const char *p = hex ? s + 2 : s;

	if (*p == '\0' || (hex && strlen(p) > 16) || (!hex && strlen(p) > 20))
		return -1;
	for (; *p != '\0'; p++) {
		unsigned d;

		if (hex && isxdigit((unsigned char)*p))
			d = isdigit((unsigned char)*p) ? (unsigned)(*p - '0') :
			    (unsigned)(tolower((unsigned char)*p) - 'a' + 10);
		else if (!hex && isdigit((unsigned char)*p))
			d = (unsigned)(*p - '0');
		else
			return -1;
		/* Overflow of a 20-digit decimal: refused, not wrapped. */
		if (!hex && acc > (UINT64_MAX - d) / 10)
			return -1;
		acc = hex ? acc << 4 | d : acc * 10 + d;
	}
	*v = acc;
	return 0;
}

int
cfg_ppv2_svc_key(struct cfg_parse *cp, int slot, const char *key, const char *value, int line)
{
	struct cfg_service *s = &cp->cp_cfg->services[cp->cp_index];

	switch (slot) {
	case SVC_K_PP_TLV:
		if (strcasecmp(value, "azure") == 0)
			s->svc_pp_tlv = CFG_PP_TLV_AZURE;
		else if (strcasecmp(value, "aws") == 0)
			s->svc_pp_tlv = CFG_PP_TLV_AWS;
		else if (strcasecmp(value, "gcp") == 0)
			s->svc_pp_tlv = CFG_PP_TLV_GCP;
		else if (strcasecmp(value, "none") == 0)
			s->svc_pp_tlv = CFG_PP_TLV_NONE;
		else
			BAD("expected azure, aws, gcp or none, not");
		break;
	case SVC_K_PP_UNIQUE_ID:
		if (cfg_parse_bool(value, &s->svc_pp_unique_id) != 0)
			BAD("expected on or off, not");
		break;
	case SVC_K_PP_CRC32C:
		if (cfg_parse_bool(value, &s->svc_pp_crc32c) != 0)
			BAD("expected on or off, not");
		break;
	}
	return 0;
}

int
cfg_ppv2_ep_key(struct cfg_parse *cp, int slot, const char *key, const char *value, int line)
{
	struct cfg_endpoint *e = &cp->cp_cfg->endpoints[cp->cp_index];

	switch (slot) {
	case EP_K_ENDPOINT_ID:
		if (!cfg_valid_endpoint_id(value))
			BAD("bad endpoint id (1 to 64 of A-Z a-z 0-9 -, e.g. vpce-0123456789abcdef0)");
		snprintf(e->ep_endpoint_id, sizeof(e->ep_endpoint_id), "%s", value);
		break;
	case EP_K_PSC_ID:
		if (cfg_parse_u64(value, &e->ep_psc_id) != 0)
			BAD("bad PSC connection id (64-bit, decimal or 0x hex)");
		e->ep_has_psc_id = 1;
		break;
	}
	return 0;
}

/* The ids an endpoint was not given, derived from its link id: AWS's
 * form, "vpce-" and 17 hex digits, and the link id zero-extended. */
void
cfg_ppv2_endpoint_ids(struct cfg_endpoint *e)
{
	if (e->ep_endpoint_id[0] == '\0')
		snprintf(e->ep_endpoint_id, sizeof(e->ep_endpoint_id), "vpce-%017x",
		    (unsigned)e->ep_link_id);
	if (!e->ep_has_psc_id)
		e->ep_psc_id = e->ep_link_id;
}

const char *
cfg_pp_tlv_name(enum cfg_pp_tlv t)
{
	switch (t) {
	case CFG_PP_TLV_AZURE:
		return "azure";
	case CFG_PP_TLV_AWS:
		return "aws";
	case CFG_PP_TLV_GCP:
		return "gcp";
	case CFG_PP_TLV_NONE:
		return "none";
	}
	return "?";
}
