/*
 * The figures the status (status.c, JSON) and the metrics (metrics.c,
 * Prometheus) both report, read from one place: the reasons connections
 * are refused and end for, a NIC's frame counters by name, the counts
 * that add several sources together, and the atomic file write.
 */
#ifndef PRIVLINK_STATS_H
#define PRIVLINK_STATS_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "loop.h"
#include "relay-t.h"

/* The refusals counted per endpoint and frontend, in report order. */
extern const enum relay_event stats_refusals[];
extern const size_t stats_n_refusals;
/* The reasons an accepted connection ends for, in report order. */
extern const enum relay_event stats_endings[];
extern const size_t stats_n_endings;

/* One counter of struct ns_port_stats: its JSON key, and the Prometheus
 * family (after "privlink_nic_") and reason label it is a sample of. */
struct stats_nic_counter {
	const char	*nc_key;
	const char	*nc_family;
	const char	*nc_reason;	/* NULL: the family has no reason label */
	const char	*nc_help;	/* the family's, on its first counter */
	size_t		nc_off;		/* in struct ns_port_stats */
};
extern const struct stats_nic_counter stats_nic_counters[];
extern const size_t stats_n_nic_counters;

uint64_t stats_nic_value(const struct ns_port_stats *st, const struct stats_nic_counter *nc);
uint64_t stats_refused(const struct ep_rt *er, const struct relay_ep_stats *es,
    enum relay_event ev);
uint64_t stats_event(const struct pl_loop *lp, enum relay_event ev);
uint64_t stats_refused_all(const struct pl_loop *lp, enum relay_event ev);
unsigned int stats_service_live(const struct pl_loop *lp, int service);
const char *stats_addr(uint32_t addr, char buf[static INET_ADDRSTRLEN]);
int stats_write_file(struct pl_loop *lp, const char *path,
    void (*doc)(struct pl_loop *, FILE *));

#endif
