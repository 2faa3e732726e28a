/*
 * Weighted rendezvous (highest random weight) hashing.  Every eligible
 * backend scores the flow with -weight / ln(u), u a uniform hash of the
 * flow and the backend in (0, 1); the highest score wins.  A backend's
 * share of flows is its weight over the sum of weights, and when a backend
 * leaves (down, drained, removed) only the flows it held move: every other
 * flow's winner is unchanged, because scores do not depend on which other
 * backends exist.  A backend is identified by its address and port, not by
 * its place in the pool, so reordering a drop moves nothing.
 */
#include <math.h>

#include "lb.h"

/* The 64-bit finaliser of MurmurHash3: every input bit flips each output
 * bit with probability about 1/2. */
static uint64_t
lb_mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

uint64_t
lb_flow_hash(const struct lb_flow *fl, enum cfg_distribution dist, uint64_t seed)
{
	uint64_t h = lb_mix(seed ^ ((uint64_t)fl->fl_src << 32 | fl->fl_dst));

	switch (dist) {
	case CFG_DIST_SOURCE_IP:
		break;
	case CFG_DIST_SOURCE_IP_PROTO:
		h = lb_mix(h ^ fl->fl_proto);
		break;
	case CFG_DIST_5TUPLE:
	default:
		h = lb_mix(h ^ ((uint64_t)fl->fl_sport << 24 | (uint64_t)fl->fl_dport << 8 |
		    fl->fl_proto));
		break;
	}
	return h;
}

/* Index of the chosen backend, or -1 when none is eligible. */
int
lb_pick(const struct cfg_pool *pool, const uint8_t *eligible, uint64_t flow_hash)
{
	double best = 0;
	int winner = -1;

	for (int b = 0; b < pool->pool_n_backends; b++) {
		const struct cfg_backend *be = &pool->pool_backends[b];
		uint64_t h;
		double u, score;

		if (!eligible[b])
			continue;
		h = lb_mix(flow_hash ^ lb_mix((uint64_t)be->be_addr << 16 | be->be_port));
		/* 53 bits, offset by half a step: u is never 0 or 1. */
		u = ((double)(h >> 11) + 0.5) * (1.0 / 9007199254740992.0);
		score = -(double)be->be_weight / log(u);
		if (winner == -1 || score > best) {
			best = score;
			winner = b;
		}
	}
	return winner;
}
