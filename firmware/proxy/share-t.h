/*
 * Fair shares between tenants: types and limits only.
 */
#ifndef PRIVLINK_SHARE_T_H
#define PRIVLINK_SHARE_T_H

#include <stdint.h>

/* What one endpoint (or a service's frontend) may take, unless the drop
 * says otherwise: half of the appliance's connections, half of its
 * service's NAT ports.  Half, so that no single tenant can ever hold
 * everything another tenant needs. */
#define SHARE_DEFAULT_PCT	50
/* [appliance] max_connections = auto: one connection per SHARE_CONN_BYTES
 * of memory_limit.  An idle proxied connection holds about 1 KiB of
 * lwIP's heap (README, Benchmarks), a busy one up to its windows, which the
 * memory shares bound apart; 2 KiB each lets a 1 GiB appliance (memory_limit
 * auto: half of it) hold 262,144. */
#define SHARE_CONN_BYTES	(2u * 1024)
/* ... and at most the most a drop may set: a connection costs lwIP no
 * walk over the others (netstack/ns_tcp_park.c). */
#define SHARE_AUTO_CONNS_MAX	1048576u
/* Seconds of NAT port holds counted one slot each: more than the hold
 * (NAT_TIME_WAIT_S, checked in share.c), so a slot is free again before
 * its second comes round. */
#define SHARE_HOLD_SLOTS	64

/* Memory: near the heap's limit (SHARE_MEM_NEAR_PCT of memory_limit in
 * use), an endpoint holding more than its share (SHARE_DEFAULT_PCT of the
 * limit, all of it for a sole tenant) is shed: its windows stay closed and
 * its data segments are dropped before the network stack, until it holds
 * SHARE_MEM_RESUME_PCT of its share or the heap is below
 * SHARE_MEM_CALM_PCT.  Three quarters leaves the last quarter (the
 * reserve is an eighth) for the tenants within their shares; the gaps
 * keep a tenant on the edge from flapping at every segment. */
#define SHARE_MEM_NEAR_PCT	75
#define SHARE_MEM_CALM_PCT	60
#define SHARE_MEM_RESUME_PCT	75

struct relay_conn;

/* A connection's place in its endpoint's list, oldest payload first. */
struct share_link {
	struct relay_conn	*sl_older;
	struct relay_conn	*sl_newer;
	uint32_t		sl_data_ms;	/* sys_now() of its last payload, or its accept */
};

/*
 * Per endpoint (and per service frontend): what it holds of the shared
 * resources.  All zero is the valid empty state; it lives in struct
 * relay_ep_stats, so a reload carries it by the endpoint's name.
 */
struct share_ep {
	struct relay_conn	*se_oldest;	/* live connections by last payload */
	struct relay_conn	*se_newest;
	unsigned int		se_ports_live;	/* NAT ports of live connections */
	unsigned int		se_ports_held;	/* NAT ports in their post-close hold */
	uint32_t		se_hold_sec;	/* nat_now() second counted up to */
	uint32_t		se_hold[SHARE_HOLD_SLOTS];	/* holds begun, by second */
	uint64_t		se_reclaimed;	/* idle connections ended for new ones */
	uint64_t		se_mem;		/* bytes its connections hold: queued, unacked */
	uint8_t			se_shed;	/* over its memory share: shed */
	uint64_t		se_shed_count;	/* times it was shed */
};

#endif
