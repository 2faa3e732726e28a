/*
 * Backend health: per pool and backend, the state new connections are
 * chosen by, driven by probes (TCP, HTTP, HTTPS) from the provider NIC.
 */
#ifndef PRIVLINK_HEALTH_H
#define PRIVLINK_HEALTH_H

#include <stdint.h>

#include "cfg-t.h"

struct pl_loop;
struct probe;

struct backend_health {
	int		bh_up;			/* new connections may go here */
	int		bh_probed;		/* a probe has answered since start */
	int		bh_streak;		/* results in a row against bh_up */
	uint64_t	bh_checks_ok;
	uint64_t	bh_checks_failed;
	uint64_t	bh_went_down;
	uint64_t	bh_changed_ms;		/* wall clock of the last up/down change, 0 never */
	char		bh_last[96];		/* the last probe result, in words */
	unsigned int	bh_live;		/* connections to it now */
	uint64_t	bh_total;		/* connections sent to it */
	struct probe	*bh_probe;		/* NULL without a probe */
};

int health_start(struct pl_loop *lp);
void health_stop(struct pl_loop *lp);
void health_carry(struct pl_loop *lp, const struct pl_config *old, const struct pl_config *next,
    struct backend_health (*scratch)[CFG_MAX_BACKENDS]);
int health_find(const struct pl_config *cfg, int p, int b, const struct pl_config *next,
    int *np, int *nb);
int health_eligible(struct pl_loop *lp, int pool, uint8_t eligible[CFG_MAX_BACKENDS]);

#endif
