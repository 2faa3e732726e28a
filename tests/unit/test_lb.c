/*
 * Backend choice: weights are honoured, source-IP affinity holds, and
 * taking one backend out moves only the flows that backend held (the
 * consistent-hash property), measured on the hash output itself.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "lb.h"
#include "unit.h"

#define FLOWS 200000

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

/* xorshift64: a reproducible stream of test flows. */
static uint64_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static struct lb_flow
random_flow(void)
{
	struct lb_flow fl;
	uint64_t r = next();

	memset(&fl, 0, sizeof(fl));
	fl.fl_src = htonl(0x0a000000u | (uint32_t)(r & 0xffff));	/* 10.0.x.y */
	fl.fl_dst = htonl(0x0a000005u);
	fl.fl_sport = htons((uint16_t)(1024 + (r >> 16) % 64000));
	fl.fl_dport = htons(443);
	fl.fl_proto = 6;
	return fl;
}

static void
pool_of(struct cfg_pool *pool, int n, const uint16_t *weights)
{
	memset(pool, 0, sizeof(*pool));
	pool->pool_n_backends = n;
	for (int b = 0; b < n; b++) {
		pool->pool_backends[b].be_addr = htonl(0xc0a80a0bu + (uint32_t)b);
		pool->pool_backends[b].be_port = 8443;
		pool->pool_backends[b].be_weight = weights[b];
	}
}

static void
test_weights(void)
{
	static const uint16_t w[4] = { 1, 2, 3, 4 };
	uint8_t all[CFG_MAX_BACKENDS];
	struct cfg_pool pool;
	int count[4] = { 0 }, worst = 0;

	memset(all, 1, sizeof(all));
	pool_of(&pool, 4, w);
	for (int i = 0; i < FLOWS; i++) {
		struct lb_flow fl = random_flow();

		count[lb_pick(&pool, all, lb_flow_hash(&fl, CFG_DIST_5TUPLE, 42))]++;
	}
	for (int b = 0; b < 4; b++) {
		/* per mille of the flows, against weight / 10 */
		int got = (int)((long)count[b] * 1000 / FLOWS), want = w[b] * 100;

		if (abs(got - want) > worst)
			worst = abs(got - want);
	}
	CHECK(worst <= 10, "weights 1:2:3:4 give shares %d:%d:%d:%d of %d flows (within 1%%)",
	    count[0], count[1], count[2], count[3], FLOWS);
}

static void
test_consistency(void)
{
	static const uint16_t w[5] = { 1, 1, 1, 1, 1 };
	uint8_t all[CFG_MAX_BACKENDS], without2[CFG_MAX_BACKENDS];
	struct cfg_pool pool, smaller;
	int moved_other = 0, held_by_2 = 0, reordered = 0, removed_mismatch = 0;

	memset(all, 1, sizeof(all));
	memcpy(without2, all, sizeof(all));
	without2[2] = 0;
	pool_of(&pool, 5, w);
	/* The same pool with backend 2 deleted from the drop, and the rest
	 * listed in reverse order. */
	memset(&smaller, 0, sizeof(smaller));
	for (int b = 4, i = 0; b >= 0; b--)
		if (b != 2)
			smaller.pool_backends[i++] = pool.pool_backends[b];
	smaller.pool_n_backends = 4;

	for (int i = 0; i < FLOWS; i++) {
		struct lb_flow fl = random_flow();
		uint64_t h = lb_flow_hash(&fl, CFG_DIST_5TUPLE, 7);
		int before = lb_pick(&pool, all, h), after = lb_pick(&pool, without2, h);
		int removed = lb_pick(&smaller, all, h);

		if (before == 2)
			held_by_2++;
		else if (after != before)
			moved_other++;
		if (after == 2)
			reordered++;	/* never: 2 is not eligible */
		if (smaller.pool_backends[removed].be_addr != pool.pool_backends[after].be_addr)
			removed_mismatch++;
	}
	CHECK(moved_other == 0 && reordered == 0,
	    "5 backends, one taken out: %d flows moved, all %d of them its own (0 others moved)",
	    held_by_2, held_by_2);
	CHECK(held_by_2 > FLOWS / 5 - FLOWS / 50 && held_by_2 < FLOWS / 5 + FLOWS / 50,
	    "the backend taken out held about a fifth of the flows (%d of %d)", held_by_2, FLOWS);
	CHECK(removed_mismatch == 0,
	    "deleting it from the pool and reordering the rest gives the same choices (%d differ)",
	    removed_mismatch);
}

static void
test_affinity(void)
{
	static const uint16_t w[3] = { 1, 1, 1 };
	uint8_t all[CFG_MAX_BACKENDS];
	struct cfg_pool pool;
	int broken = 0, used[3] = { 0 }, spread5[3] = { 0 };

	memset(all, 1, sizeof(all));
	pool_of(&pool, 3, w);
	for (int c = 0; c < 300; c++) {
		struct lb_flow fl = random_flow();
		int first = -1;

		for (int k = 0; k < 20; k++) {
			int b;

			fl.fl_sport = htons((uint16_t)(1024 + next() % 64000));
			b = lb_pick(&pool, all, lb_flow_hash(&fl, CFG_DIST_SOURCE_IP, 3));
			if (first == -1)
				first = b;
			else if (b != first)
				broken++;
			if (c == 0)
				spread5[lb_pick(&pool, all, lb_flow_hash(&fl, CFG_DIST_5TUPLE, 3))]++;
		}
		used[first]++;
	}
	CHECK(broken == 0, "source-ip: 20 connections from each of 300 clients stay on one backend "
	    "(%d strays)", broken);
	CHECK(used[0] > 50 && used[1] > 50 && used[2] > 50,
	    "source-ip: the clients spread over all backends (%d/%d/%d)", used[0], used[1], used[2]);
	CHECK((spread5[0] > 0) + (spread5[1] > 0) + (spread5[2] > 0) >= 2,
	    "5-tuple: one client's connections spread over backends (%d/%d/%d)",
	    spread5[0], spread5[1], spread5[2]);
}

static void
test_none(void)
{
	static const uint16_t w[2] = { 1, 5 };
	uint8_t none[CFG_MAX_BACKENDS], only0[CFG_MAX_BACKENDS];
	struct cfg_pool pool;
	struct lb_flow fl = random_flow();
	uint64_t h = lb_flow_hash(&fl, CFG_DIST_5TUPLE, 1);

	memset(none, 0, sizeof(none));
	memset(only0, 0, sizeof(only0));
	only0[0] = 1;
	pool_of(&pool, 2, w);
	CHECK(lb_pick(&pool, none, h) == -1, "no eligible backend: no choice");
	CHECK(lb_pick(&pool, only0, h) == 0, "one eligible backend takes every flow");
}

int
main(void)
{
	test_weights();
	test_consistency();
	test_affinity();
	test_none();
	return UNIT_DONE();
}
