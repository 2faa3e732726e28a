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
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cfg.h"
#include "cfg_set.h"
#include "drop_store.h"
#include "log.h"
#include "loop.h"
#include "mgmt_tls.h"
#include "pid1.h"
#include "reload.h"
#include "watchdog.h"

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: privlinkd [-d] [-t] [-s FILE] -c DIR\n"
	    "  -c DIR  read the INI drops (*.ini) of DIR, in lexical order\n"
	    "  -s FILE on SIGUSR1, write the JSON status to FILE\n"
	    "  -t      check the configuration and exit (0 ok, 1 errors, 2 nothing to serve)\n"
	    "  -d      debug logging\n");
	exit(1);
}

/* The drops of dir and the digest of their files, or NULL after listing
 * their errors. */
static struct pl_config *
load(const char *dir, uint8_t digest[static 32])
{
	struct pl_config *cfg;
	struct cfg_set set;
	int errors;

	cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL)
		fatal("config");
	errors = cfg_set_read(&set, dir, stderr);
	if (errors == 0 || set.cs_n > 0)
		errors += cfg_load_set(cfg, dir, &set, NULL, stderr);
	cfg_set_digest(&set, digest);
	cfg_set_free(&set);
	if (errors != 0) {
		fprintf(stderr, "privlinkd: %s: %d error%s\n", dir, errors, errors == 1 ? "" : "s");
		free(cfg);
		return NULL;
	}
	return cfg;
}

int
main(int argc, char *argv[])
{
	struct pl_config *cfg;
	uint8_t digest[32];
	const char *dir = NULL, *status = NULL;
	int ch, check = 0, debug = 0, rc;

	if (getpid() == 1)
		pid1_main();	/* the image's /init: does not return */
	while ((ch = getopt(argc, argv, "c:ds:t")) != -1) {
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
		default:
			usage();
		}
	}
	if (dir == NULL || optind != argc)
		usage();
	log_init(debug);

	if (!check)
		return privlinkd_run(dir, status, -1);

	cfg = load(dir, digest);
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
	printf("configuration OK\n");
	rc = cfg->n_endpoints == 0 ? 2 : 0;
	free(cfg);
	return rc;
}

/*
 * Serves the drops of dir until SIGTERM/SIGINT; status is the -s file or
 * NULL, console an fd to take commands from (console.c) or -1.
 */
int
privlinkd_run(const char *dir, const char *status, int console)
{
	static struct pl_loop loop;
	struct pl_config *cfg;
	uint8_t digest[32];
	int rc;

	/* A batch of API changes a power cut interrupted is completed (or,
	 * cut before it began, dropped) before the drops are read: never
	 * half of one is served. */
	switch (drop_store_recover(dir, stderr)) {
	case DROP_STORE_CLEAN:
		break;
	case DROP_STORE_COMPLETED:
		log_info("%s: an interrupted batch of changes was completed (%s)", dir,
		    DROP_STORE_JOURNAL);
		break;
	case DROP_STORE_DISCARDED:
		log_info("%s: a batch of changes cut before it began was discarded (%s)", dir,
		    DROP_STORE_JOURNAL);
		break;
	default:
		log_warnx("%s: an interrupted batch of changes could not be completed: "
		    "not serving a drop that may hold part of it", dir);
		return 1;
	}
	cfg = load(dir, digest);
	if (cfg == NULL)
		return 1;
	if (loop_setup(&loop, cfg, dir, status) != 0 ||
	    (console != -1 && loop_watch_console(&loop, console) != 0)) {
		loop_teardown(&loop);
		free(cfg);
		return 1;
	}
	reload_started(&loop, digest);
	log_info("ready: %d NICs, %d services, %d endpoints", cfg->n_nics,
	    cfg->n_services, cfg->n_endpoints);
	watchdog_start(loop.lp_cfg);
	rc = loop_run(&loop);
	watchdog_stop();
	loop_teardown(&loop);
	free(loop.lp_cfg);
	log_info("stopped");
	return rc == 0 ? 0 : 1;
}
