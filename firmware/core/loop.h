/*
 * The event loop and the one piece of global state, struct pl_loop.
 */
#ifndef PRIVLINK_LOOP_H
#define PRIVLINK_LOOP_H

#include <stdint.h>
#include <time.h>

#include "cfg-t.h"
#include "health.h"
#include "nat-t.h"
#include "netstack.h"
#include "relay-t.h"
#include "nic-t.h"
#include "rt-t.h"

struct mgmt;

struct pl_loop {
	int			lp_epfd;
	int			lp_timerfd;
	int			lp_sigfd;
	int			lp_inotifyfd;	/* the drop directory, -1 if not watched */
	int			lp_reloadfd;	/* timerfd: a reload after changes settle */
	int			lp_consolefd;	/* commands (console.c), -1: none */
	int			lp_quit;
	const char		*lp_confdir;
	struct pl_config	*lp_cfg;
	struct nic_rt		*lp_nics;			/* the NICs (nic.c), linked */
	uint64_t		lp_nic_resets;	/* connections reset: a reload edited or removed their NIC */
	struct nat_ip		lp_nat[NAT_MAX_IPS];		/* by NAT slot (nat.c) */
	int			lp_n_nat;
	/* The runtime objects of the running config (rt.c), linked. */
	struct ep_rt		*lp_eps;
	struct svc_rt		*lp_svcs;
	struct be_rt		*lp_bes;
	struct relay_conn	*lp_conns;			/* live, linked */
	struct relay_stats	lp_relay_stats;
	uint64_t		lp_lb_seed;			/* keys the flow hash */
	uint64_t		lp_pp_uid_boot;	/* PROXY v2 unique ids: this boot's random */
	uint64_t		lp_pp_uid_next;	/* and the next connection's number */
	const char		*lp_status_path;		/* -s FILE */
	time_t			lp_started;
	struct mgmt		*lp_mgmt;			/* the management API, NULL: none */

	/* reload bookkeeping (reload.c) */
	uint64_t		lp_generation;		/* 1 after start, +1 per applied reload */
	uint64_t		lp_reloads_ok;
	uint64_t		lp_reloads_failed;
	int			lp_last_reload_ok;
	time_t			lp_last_reload_time;
	uint8_t			lp_digest[32];		/* cfg_set_digest of the running drops */
};

int loop_setup(struct pl_loop *lp, struct pl_config *cfg, const char *confdir,
    const char *status_path);
int loop_run(struct pl_loop *lp);
void loop_teardown(struct pl_loop *lp);
int loop_watch_console(struct pl_loop *lp, int fd);
void loop_memory_limit(const struct pl_config *cfg);
void loop_drops_settled(struct pl_loop *lp);

#endif
