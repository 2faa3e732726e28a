/*
 * Backend choice: weighted rendezvous hashing over a pool's eligible
 * backends.  Pure functions, no lwIP: the unit tests drive them directly.
 */
#ifndef PRIVLINK_LB_H
#define PRIVLINK_LB_H

#include <stdint.h>

#include "cfg-t.h"

/* A connection as the distribution sees it: addresses in network byte
 * order, ports as lwIP's pcb holds them (host order). */
struct lb_flow {
	uint32_t	fl_src;
	uint32_t	fl_dst;
	uint16_t	fl_sport;
	uint16_t	fl_dport;
	uint8_t		fl_proto;
};

uint64_t lb_flow_hash(const struct lb_flow *fl, enum cfg_distribution dist, uint64_t seed);
int lb_pick(const struct cfg_pool *pool, const uint8_t *eligible, uint64_t flow_hash);

#endif
