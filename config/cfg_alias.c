/*
 * Service aliases: PREFIX.GUID.REGION.SUFFIX, as a Private Link service's
 * alias.  The GUID is the first 128 bits of HMAC-SHA256 keyed with the
 * appliance secret over the service name: stable across restarts and
 * reloads, different per service, and not guessable without the secret,
 * so an alias works as a capability for visibility "*".
 */
#include <stdio.h>
#include <string.h>

#include "mbedtls/md.h"

#include "cfg-priv.h"

/* Domain separation: the secret may key other things later. */
#define CFG_ALIAS_LABEL		"privlink service alias v1"

int
cfg_alias(const struct cfg_appliance *ap, const struct cfg_service *svc,
    char out[static CFG_ALIAS_MAX])
{
	const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
	uint8_t msg[sizeof(CFG_ALIAS_LABEL) + CFG_NAME_MAX], mac[32];
	size_t label = sizeof(CFG_ALIAS_LABEL), name = strlen(svc->svc_name);
	int n;

	memcpy(msg, CFG_ALIAS_LABEL, label);	/* with its NUL, as separator */
	memcpy(msg + label, svc->svc_name, name);
	if (md == NULL || mbedtls_md_hmac(md, ap->ap_secret, (size_t)ap->ap_secret_len, msg,
	    label + name, mac) != 0)
		return -1;
	n = snprintf(out, CFG_ALIAS_MAX,
	    "%s.%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x.%s.%s",
	    svc->svc_alias_prefix[0] ? svc->svc_alias_prefix : svc->svc_name,
	    mac[0], mac[1], mac[2], mac[3], mac[4], mac[5], mac[6], mac[7], mac[8], mac[9],
	    mac[10], mac[11], mac[12], mac[13], mac[14], mac[15],
	    ap->ap_region, ap->ap_alias_suffix);
	return n > 0 && n < CFG_ALIAS_MAX ? 0 : -1;
}
