/*
 * The daemon's body, shared by main.c (privlinkd run from a shell or as
 * -t) and pid1.c (privlinkd as the image's /init): load the drops, serve
 * them until SIGTERM/SIGINT.  It calls neither of them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "cfg.h"
#include "cfg_set.h"
#include "drop_store.h"
#include "log.h"
#include "loop.h"
#include "privlinkd.h"
#include "reload.h"
#include "watchdog.h"

/* The drops of dir and the digest of their files, or NULL after listing
 * their errors. */
struct pl_config *
privlinkd_load(const char *dir, uint8_t digest[static 32])
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
	cfg = privlinkd_load(dir, digest);
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
