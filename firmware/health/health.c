/*
 * Backend health: the state new connections are chosen by, one per
 * backend (its runtime object, rt-t.h), driven by the results of its
 * probes (probe.c).
 *
 * A probed backend starts down and comes up at its first success; after
 * that it goes down after probe_fall failures in a row and comes back
 * after probe_rise successes in a row.  A backend of a pool without a
 * probe is always up.  New connections only go to backends that are up
 * and not drained; established ones stay unless the pool says
 * reset_on_down.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "health.h"
#include "log.h"
#include "loop.h"
#include "probe.h"
#include "relay.h"

static void
health_log_change(const struct be_rt *br, const char *what)
{
	char a[INET_ADDRSTRLEN];

	log_info("pool %s: backend %s:%u %s (%s)", br->br_pool,
	    inet_ntop(AF_INET, &br->br_addr, a, sizeof(a)), br->br_port, what,
	    br->br_health.bh_last);
}

static uint64_t
health_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* One probe's result moves the backend's state. */
void
health_result(struct pl_loop *lp, struct be_rt *br, int ok)
{
	const struct cfg_pool *pool = br->br_pool_cfg;
	struct backend_health *bh = &br->br_health;
	int first = !bh->bh_probed;

	bh->bh_probed = 1;
	if (ok)
		bh->bh_checks_ok++;
	else
		bh->bh_checks_failed++;
	if (ok == bh->bh_up) {
		bh->bh_streak = 0;
		return;
	}
	bh->bh_streak++;
	if (ok && (first || bh->bh_streak >= pool->pool_probe_rise)) {
		bh->bh_up = 1;
		bh->bh_streak = 0;
		bh->bh_changed_ms = health_now_ms();
		health_log_change(br, "is up");
	} else if (!ok && bh->bh_streak >= pool->pool_probe_fall) {
		bh->bh_up = 0;
		bh->bh_streak = 0;
		bh->bh_went_down++;
		bh->bh_changed_ms = health_now_ms();
		health_log_change(br, "is down");
		if (pool->pool_reset_on_down)
			relay_cut_backend(lp, br);
	}
}

/*
 * Starts the probes of the running config: backends of pools without a
 * probe are up; the others are probed at once (spread over the first
 * 100 ms).  0, or -1 without memory (logged).
 */
int
health_start(struct pl_loop *lp)
{
	const struct pl_config *cfg = lp->lp_cfg;
	int n = 0, k = 0;

	for (int p = 0; p < cfg->n_pools; p++)
		if (cfg->pools[p].pool_probe != CFG_PROBE_NONE)
			n += cfg->pools[p].pool_n_backends;
	for (int p = 0; p < cfg->n_pools; p++) {
		const struct cfg_pool *pool = &cfg->pools[p];

		for (int b = 0; b < pool->pool_n_backends; b++) {
			struct be_rt *br = pool->pool_backends[b].be_rt;
			struct backend_health *bh = &br->br_health;

			if (pool->pool_probe == CFG_PROBE_NONE) {
				bh->bh_up = 1;
				bh->bh_probe = NULL;
				snprintf(bh->bh_last, sizeof(bh->bh_last), "no probe");
				continue;
			}
			if (!bh->bh_probed)
				snprintf(bh->bh_last, sizeof(bh->bh_last), "not probed yet");
			k++;
			if ((bh->bh_probe = probe_new(lp, br, (uint32_t)(k * 100 / n))) == NULL)
				return -1;
		}
	}
	return 0;
}

/* Stops every probe (pending or in flight) of the running config. */
void
health_stop(struct pl_loop *lp)
{
	const struct pl_config *cfg = lp->lp_cfg;

	for (int p = 0; p < cfg->n_pools; p++)
		for (int b = 0; b < cfg->pools[p].pool_n_backends; b++) {
			struct be_rt *br = cfg->pools[p].pool_backends[b].be_rt;

			if (br == NULL)
				continue;
			probe_free(br->br_health.bh_probe);
			br->br_health.bh_probe = NULL;
		}
}

/* Which backends of a pool may take a new connection; their count. */
int
health_eligible(const struct cfg_pool *pool, uint8_t eligible[CFG_MAX_BACKENDS])
{
	int n = 0;

	for (int b = 0; b < CFG_MAX_BACKENDS; b++) {
		eligible[b] = b < pool->pool_n_backends &&
		    pool->pool_backends[b].be_rt->br_health.bh_up &&
		    !pool->pool_backends[b].be_drain;
		n += eligible[b];
	}
	return n;
}
