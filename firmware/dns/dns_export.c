/*
 * `privlinkd -t -z OUTDIR`: every consumer NIC with dns = gets one file
 * per zone, OUTDIR/NIC.ZONE.zone, since overlapping consumer networks give
 * the same name different addresses: one file per network, as an
 * operator loads them into one view each of BIND, NSD or Knot.  The SOA
 * serial is the time of the export (RFC 1982 arithmetic keeps it growing
 * until 2106), so a newer export always replaces an older one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dns.h"
#include "dns_export.h"

static int
dns_export_zone(const struct dns_view *v, int z, const char *path, FILE *errs)
{
	FILE *f = fopen(path, "w");
	int rc;

	if (f == NULL) {
		fprintf(errs, "privlinkd: %s: %s\n", path, strerror(errno));
		return -1;
	}
	rc = dns_zone_write(f, v, z);
	if (rc != 0)
		fprintf(errs, "privlinkd: %s: %s\n", path, strerror(errno));
	if (fclose(f) != 0 && rc == 0) {
		fprintf(errs, "privlinkd: %s: %s\n", path, strerror(errno));
		rc = -1;
	}
	return rc;
}

int
dns_export(const struct pl_config *cfg, const char *outdir, FILE *out, FILE *errs)
{
	uint32_t serial = (uint32_t)time(NULL);

	for (int n = 0; n < cfg->n_nics; n++) {
		struct dns_view *v;

		if (cfg->nics[n].nic_dns_addr == 0)
			continue;
		if ((v = dns_view_from_cfg(cfg, n, serial)) == NULL) {
			fprintf(errs, "privlinkd: [nic %s]: DNS view: %s\n", cfg->nics[n].nic_name,
			    strerror(errno));
			return -1;
		}
		for (int z = 0; z < dns_view_n_zones(v); z++) {
			char path[4096];

			if (snprintf(path, sizeof(path), "%s/%s.%s.zone", outdir,
			    cfg->nics[n].nic_name, dns_view_zone_name(v, z)) >= (int)sizeof(path)) {
				fprintf(errs, "privlinkd: %s: path too long\n", outdir);
				dns_view_free(v);
				return -1;
			}
			if (dns_export_zone(v, z, path, errs) != 0) {
				dns_view_free(v);
				return -1;
			}
			fprintf(out, "nic %s: zone %s: %s\n", cfg->nics[n].nic_name,
			    dns_view_zone_name(v, z), path);
		}
		dns_view_free(v);
	}
	return 0;
}
