/*
 * Backend health: types only.
 */
#ifndef PRIVLINK_HEALTH_T_H
#define PRIVLINK_HEALTH_T_H

#include <stdint.h>

struct probe;

/* One backend's health and counters; it lives in the backend's runtime
 * object (struct be_rt, rt-t.h), so it follows the backend across a
 * reload by pool name and address:port. */
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

#endif
