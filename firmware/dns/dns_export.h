/*
 * `privlinkd -t -z OUTDIR`: the DNS zones of a config as master files.
 */
#ifndef PRIVLINK_DNS_EXPORT_H
#define PRIVLINK_DNS_EXPORT_H

#include <stdio.h>

#include "cfg-t.h"

/* Writes OUTDIR/NIC.ZONE.zone for each zone of each NIC with dns =,
 * naming each on out; 0, or -1 with the reason on errs. */
int dns_export(const struct pl_config *cfg, const char *outdir, FILE *out, FILE *errs);

#endif
