/*
 * privlinkd: a Private Link appliance.
 *
 *   privlinkd [-d] [-s FILE] -c DIR
 *                             run with the INI drops of DIR; on SIGUSR1
 *                             write the JSON status to FILE
 *   privlinkd -t -c DIR       check the drops, print each service's alias:
 *                             exit 0 if valid, 1 with
 *                             file:line errors, 2 if valid with nothing
 *                             to serve (no endpoint)
 *   privlinkd -t -z OUT -c DIR  the same, and write each consumer NIC's
 *                             DNS zones (firmware/dns/dns_export.c) as
 *                             OUT/NIC.ZONE.zone master files
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cfg.h"
#include "dns_export.h"
#include "log.h"
#include "mgmt_tls.h"
#include "pid1.h"
#include "privlinkd.h"

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: privlinkd [-d] [-t [-z OUTDIR]] [-s FILE] -c DIR\n"
	    "  -c DIR  read the INI drops (*.ini) of DIR, in lexical order\n"
	    "  -s FILE on SIGUSR1, write the JSON status to FILE\n"
	    "  -t      check the configuration and exit (0 ok, 1 errors, 2 nothing to serve)\n"
	    "  -z OUTDIR  with -t: write the DNS zones of each NIC with dns = as\n"
	    "          OUTDIR/NIC.ZONE.zone (RFC 1035 master files)\n"
	    "  -d      debug logging\n");
	exit(1);
}

int
main(int argc, char *argv[])
{
	struct pl_config *cfg;
	uint8_t digest[32];
	const char *dir = NULL, *status = NULL, *zones = NULL;
	int ch, check = 0, debug = 0, rc;

	if (getpid() == 1)
		pid1_main();	/* the image's /init: does not return */
	while ((ch = getopt(argc, argv, "c:ds:tz:")) != -1) {
		switch (ch) {
		case 'c':
			dir = optarg;
			break;
		case 'd':
			debug = 1;
			break;
		case 's':
			status = optarg;
			break;
		case 't':
			check = 1;
			break;
		case 'z':
			zones = optarg;
			break;
		default:
			usage();
		}
	}
	if (dir == NULL || optind != argc || (zones != NULL && !check))
		usage();
	log_init(debug);

	if (!check)
		return privlinkd_run(dir, status, -1);

	cfg = privlinkd_load(dir, digest);
	if (cfg == NULL)
		return 1;
	if (cfg->management.mg_enabled &&
	    (rc = mgmt_tls_check(dir, &cfg->management, stderr)) != 0) {
		fprintf(stderr, "privlinkd: %s: %d error%s\n", dir, rc, rc == 1 ? "" : "s");
		free(cfg);
		return 1;
	}
	for (int i = 0; i < cfg->n_services; i++)
		printf("service %s: alias %s\n", cfg->services[i].svc_name,
		    cfg->services[i].svc_alias);
	if (zones != NULL && dns_export(cfg, zones, stdout, stderr) != 0) {
		free(cfg);
		return 1;
	}
	printf("configuration OK\n");
	rc = cfg->n_endpoints == 0 ? 2 : 0;
	free(cfg);
	return rc;
}
