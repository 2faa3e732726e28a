/*
 * NAT ports (nat_ports.c) against a model of what each port may be: under
 * millions of random takes, gives and gives with a hold, on two
 * overlapping ranges whose bounds a "reload" moves, with a clock the test
 * drives, a port is never handed out while busy or held, or outside the
 * range asked for; a take fails only when the model has no free port in
 * the range; holds end on time; every port of the ranges is usable in the
 * end; the rings, the hold FIFO and the counters always agree with the
 * ports' states.
 */
#include <stdlib.h>
#include <string.h>

#include "nat_ports.h"
#include "netstack.h"
#include "unit.h"

#define HOLD_S		5		/* a short hold keeps the churn turning */
#define CHURN_OPS	3000000
#define CHECK_EVERY	100000		/* full invariant walk, ops */
#define SCAN_EVERY	16		/* of failed takes, checked against the model */

enum model { M_FREE = 0, M_BUSY, M_HELD };

static uint8_t m_state[NAT_PORTS];
static uint32_t m_free_at[NAT_PORTS];	/* M_HELD: the second it is free again */
static uint16_t m_busy[NAT_PORTS];	/* busy ports, any order */
static uint32_t m_busy_at[NAT_PORTS];	/* a busy port's index in m_busy */
static unsigned int m_n_busy;

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

/* netstack/ns_rand.c's lwIP half wants this; nothing here reaches it. */
void
ns_lwip_assert(const char *msg, const char *file, int line)
{
	fprintf(stderr, "lwIP assert %s at %s:%d\n", msg, file, line);
	abort();
}

/* xorshift64: reproducible test input. */
static uint64_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void
model_reset(void)
{
	memset(m_state, 0, sizeof(m_state));
	m_n_busy = 0;
}

/* Free in the model at now: never taken, given back, or its hold over. */
static int
model_free(uint16_t p, uint32_t now)
{
	return m_state[p] == M_FREE ||
	    (m_state[p] == M_HELD && (int32_t)(now - m_free_at[p]) >= 0);
}

static void
model_busy(uint16_t p)
{
	m_state[p] = M_BUSY;
	m_busy_at[p] = m_n_busy;
	m_busy[m_n_busy++] = p;
}

static void
model_give(uint16_t p, int hold, uint32_t now)
{
	uint16_t last = m_busy[--m_n_busy];

	m_busy[m_busy_at[p]] = last;
	m_busy_at[last] = m_busy_at[p];
	m_state[p] = hold ? M_HELD : M_FREE;
	m_free_at[p] = now + HOLD_S;
}

static unsigned int
model_free_in(uint16_t lo, uint16_t hi, uint32_t now)
{
	unsigned int n = 0;

	for (uint32_t p = lo; p <= hi; p++)
		n += (unsigned int)model_free((uint16_t)p, now);
	return n;
}

/*
 * The table's own consistency: each free port of a segment is in its
 * ring once, no other port is in a ring, the hold FIFO holds exactly the
 * held ports, and the counters match.  The number of problems found.
 */
static unsigned int
table_problems(const struct nat_ports *np)
{
	static uint8_t seen[NAT_PORTS];
	unsigned int bad = 0, busy = 0, held = 0, free_n = 0;

	memset(seen, 0, sizeof(seen));
	for (unsigned int j = 0; j < np->np_n_seg; j++) {
		const struct nat_seg *sg = &np->np_seg[j];
		uint32_t size = (uint32_t)sg->ns_hi - sg->ns_lo + 1;

		if (j > 0 && np->np_seg[j - 1].ns_hi >= sg->ns_lo)
			bad++;
		if (sg->ns_n > size)
			bad++;
		for (uint32_t i = 0; i < sg->ns_n && i < size; i++) {
			uint16_t p = np->np_ring[sg->ns_lo + (sg->ns_head + i) % size];

			if (p < sg->ns_lo || p > sg->ns_hi || np->np_state[p] != NAT_PORT_FREE ||
			    seen[p]++ != 0)
				bad++;
		}
		for (uint32_t p = sg->ns_lo; p <= sg->ns_hi; p++)
			if (np->np_state[p] == NAT_PORT_FREE && seen[p] != 1)
				bad++;
		free_n += sg->ns_n;
	}
	for (uint32_t i = np->np_hold_out; i != np->np_hold_in; i++) {
		uint16_t p = np->np_hold[i % NAT_PORTS];

		if (np->np_state[p] != NAT_PORT_HELD || seen[p]++ != 0)
			bad++;
	}
	for (uint32_t p = 0; p < NAT_PORTS; p++) {
		busy += np->np_state[p] == NAT_PORT_BUSY;
		held += np->np_state[p] == NAT_PORT_HELD;
	}
	if (busy != np->np_busy || held != nat_ports_held(np) || free_n != np->np_free)
		bad++;
	return bad;
}

/* Small and exact: exhaustion, a give without a hold, a hold to the
 * second, a give of a port not busy. */
static void
test_basics(void)
{
	struct nat_ports *np = nat_ports_new(HOLD_S);
	uint16_t lo[1] = { 1024 }, hi[1] = { 1031 }, p, q, got[8];
	uint32_t now = 100;
	int distinct = 1, in_range = 1;

	CHECK(np != NULL && nat_ports_set_ranges(np, lo, hi, 1) == 0, "a table of 8 ports");
	if (np == NULL)
		return;
	for (int i = 0; i < 8; i++) {
		if (nat_ports_take(np, 1024, 1031, now, &got[i]) != 0)
			got[i] = 0;
		in_range &= got[i] >= 1024 && got[i] <= 1031;
		for (int j = 0; j < i; j++)
			distinct &= got[i] != got[j];
	}
	CHECK(in_range && distinct, "8 takes give the 8 ports of the range");
	CHECK(nat_ports_take(np, 1024, 1031, now, &p) == -1, "a 9th take: exhausted, -1");
	CHECK(np->np_busy == 8, "8 busy");
	CHECK(nat_ports_give(np, got[3], 0, now) == 1, "a give without hold");
	CHECK(nat_ports_take(np, 1024, 1031, now, &p) == 0 && p == got[3],
	    "the port given back is the only one free, and is taken again");
	CHECK(nat_ports_give(np, got[5], 1, now) == 1, "a give with hold");
	CHECK(nat_ports_give(np, got[5], 0, now) == 0 && nat_ports_give(np, got[5], 1, now) == 0,
	    "a held port given again: nothing happens");
	CHECK(nat_ports_give(np, 2000, 0, now) == 0, "a port never taken given: nothing happens");
	CHECK(np->np_busy == 7 && nat_ports_held(np) == 1, "7 busy, 1 held");
	CHECK(nat_ports_take(np, 1024, 1031, now + HOLD_S - 1, &p) == -1,
	    "a held port is not handed out a second before its hold ends");
	CHECK(nat_ports_take(np, 1024, 1031, now + HOLD_S, &q) == 0 && q == got[5],
	    "it is when the hold ends");
	CHECK(table_problems(np) == 0, "the table is consistent");
	nat_ports_free(np);
}

/* Fresh tables hand their ports out in a random order, each its own. */
static void
test_random_order(void)
{
	struct nat_ports *a = nat_ports_new(HOLD_S), *b = nat_ports_new(HOLD_S);
	uint16_t lo[1] = { 1024 }, hi[1] = { 65535 }, pa, pb, prev = 0;
	int same = 0, ascending = 0;

	if (a == NULL || b == NULL || nat_ports_set_ranges(a, lo, hi, 1) != 0 ||
	    nat_ports_set_ranges(b, lo, hi, 1) != 0) {
		CHECK(0, "two tables");
		return;
	}
	for (int i = 0; i < 100; i++) {
		if (nat_ports_take(a, 1024, 65535, 1, &pa) != 0 ||
		    nat_ports_take(b, 1024, 65535, 1, &pb) != 0)
			break;
		same += pa == pb;
		ascending += pa == prev + 1;
		prev = pa;
	}
	CHECK(same < 10 && ascending < 10, "100 ports in random order (%d equal across two "
	    "tables, %d one above the last)", same, ascending);
	nat_ports_free(a);
	nat_ports_free(b);
}

/* Two services' ranges on one NAT IP; the second's moves on "reload". */
struct churn_ranges {
	uint16_t	lo[2];
	uint16_t	hi[2];
};

static const struct churn_ranges churn_sets[] = {
	{ { 2000, 4000 }, { 4999, 6999 } },	/* overlapping */
	{ { 2000, 4500 }, { 4999, 7999 } },
	{ { 2000, 5000 }, { 4999, 5999 } },	/* adjacent */
	{ { 2000, 2000 }, { 4999, 2999 } },	/* one inside the other */
};

static void
test_churn(void)
{
	struct nat_ports *np = nat_ports_new(HOLD_S);
	const struct churn_ranges *r = &churn_sets[0];
	uint32_t now = 1000;
	unsigned long long takes = 0, exhausted = 0, gives = 0, holds = 0, reloads = 0;
	unsigned int wrong_port = 0, out_of_range = 0, false_exhaust = 0, problems = 0;
	unsigned int checks = 0;

	model_reset();
	if (np == NULL || nat_ports_set_ranges(np, r->lo, r->hi, 2) != 0) {
		CHECK(0, "a table for the churn");
		return;
	}
	for (long op = 0; op < CHURN_OPS; op++) {
		uint64_t x = next();
		unsigned int what = (unsigned int)(x % 100);

		/* Keep the ranges near full most of the time: takes lead,
		 * holds pile up, the clock moves a second every ~3,000 ops. */
		if (what < 52) {
			int s = (int)((x >> 8) & 1);
			uint16_t p;

			if (nat_ports_take(np, r->lo[s], r->hi[s], now, &p) == 0) {
				takes++;
				if (p < r->lo[s] || p > r->hi[s])
					out_of_range++;
				if (!model_free(p, now))
					wrong_port++;
				model_busy(p);
			} else {
				exhausted++;
				if (exhausted % SCAN_EVERY == 0 &&
				    model_free_in(r->lo[s], r->hi[s], now) != 0)
					false_exhaust++;
			}
		} else if (what < 98 && m_n_busy > 0) {
			uint16_t p = m_busy[(x >> 8) % m_n_busy];
			int hold = ((x >> 32) % 3) != 0;

			if (nat_ports_give(np, p, hold, now) != 1)
				wrong_port++;
			model_give(p, hold, now);
			gives++;
			holds += (unsigned int)hold;
		} else if (what == 98) {
			/* A port not busy: free, held or never taken. */
			uint16_t p = (uint16_t)(x >> 16);

			if (m_state[p] != M_BUSY && nat_ports_give(np, p, (int)(x >> 40) & 1, now) != 0)
				wrong_port++;
		} else if ((x >> 8) % 30 == 0) {
			now++;
		} else if ((x >> 8) % 300 == 1) {
			r = &churn_sets[(x >> 24) % (sizeof(churn_sets) / sizeof(churn_sets[0]))];
			if (nat_ports_set_ranges(np, r->lo, r->hi, 2) != 0)
				problems++;
			reloads++;
		}
		if (op % CHECK_EVERY == 0) {
			problems += table_problems(np);
			problems += np->np_busy != m_n_busy;
			checks++;
		}
	}
	problems += table_problems(np);
	CHECK(takes > 1000000 && exhausted > 10000 && holds > 100000 && reloads > 5,
	    "churn: %llu takes, %llu exhausted, %llu gives (%llu with hold), %llu reloads",
	    takes, exhausted, gives, holds, reloads);
	CHECK(wrong_port == 0, "no port handed out while busy or held, nor a give of a port "
	    "not busy taken (%u wrong)", wrong_port);
	CHECK(out_of_range == 0, "every port in the range asked for (%u outside)", out_of_range);
	CHECK(false_exhaust == 0, "a take fails only when the model has no free port in the "
	    "range (%u wrong)", false_exhaust);
	CHECK(problems == 0, "rings, hold FIFO and counters agree with the ports' states at "
	    "%u checks (%u problems)", checks + 1, problems);

	/* The end: everything given back, held or not; once the holds are
	 * over every port of both ranges is handed out once, then -1. */
	{
		uint16_t lo = r->lo[0] < r->lo[1] ? r->lo[0] : r->lo[1];
		uint16_t hi = r->hi[0] > r->hi[1] ? r->hi[0] : r->hi[1];
		unsigned int got = 0, expect = 0, again = 0;
		uint16_t p;

		while (m_n_busy > 0) {
			p = m_busy[0];
			nat_ports_give(np, p, (int)(p & 1), now);
			model_give(p, (int)(p & 1), now);
		}
		for (uint32_t q = lo; q <= hi; q++)
			expect += (q >= r->lo[0] && q <= r->hi[0]) || (q >= r->lo[1] && q <= r->hi[1]);
		CHECK(nat_ports_held(np) > 0, "holds pending at the end (%u)", nat_ports_held(np));
		now += HOLD_S;
		for (int s = 0; s < 2; s++)
			while (nat_ports_take(np, r->lo[s], r->hi[s], now, &p) == 0) {
				again += m_state[p] == M_BUSY;
				model_busy(p);
				got++;
			}
		CHECK(got == expect && again == 0, "after the holds, every port of the ranges is "
		    "handed out once (%u of %u)", got, expect);
		CHECK(nat_ports_take(np, r->lo[0], r->hi[0], now + 1000, &p) == -1 &&
		    nat_ports_take(np, r->lo[1], r->hi[1], now + 1000, &p) == -1,
		    "then both ranges are exhausted");
		CHECK(nat_ports_held(np) == 0 && np->np_busy == got && table_problems(np) == 0,
		    "no hold left, all busy, table consistent");
	}
	nat_ports_free(np);
}

/* A reload that moves a range keeps busy ports busy and holds held. */
static void
test_reload(void)
{
	struct nat_ports *np = nat_ports_new(HOLD_S);
	uint16_t lo1[1] = { 3000 }, hi1[1] = { 3099 }, lo2[1] = { 3050 }, hi2[1] = { 3149 };
	uint16_t busy[100], p;
	unsigned int wrong = 0, got = 0, expect = 0;
	uint32_t now = 50;

	model_reset();
	if (np == NULL || nat_ports_set_ranges(np, lo1, hi1, 1) != 0) {
		CHECK(0, "a table");
		return;
	}
	for (int i = 0; i < 100; i++)
		if (nat_ports_take(np, 3000, 3099, now, &busy[i]) == 0)
			model_busy(busy[i]);
	/* Half given back with a hold, the rest stay busy. */
	for (int i = 0; i < 50; i++) {
		nat_ports_give(np, busy[i], 1, now);
		model_give(busy[i], 1, now);
	}
	CHECK(nat_ports_set_ranges(np, lo2, hi2, 1) == 0, "ranges moved");
	while (nat_ports_take(np, 3050, 3149, now, &p) == 0) {
		wrong += !model_free(p, now) || p < 3050 || p > 3149;
		model_busy(p);
		got++;
	}
	CHECK(wrong == 0 && got == 50, "after the move only the 50 new ports are handed out "
	    "(%u, %u wrong)", got, wrong);
	now += HOLD_S;
	got = 0;
	for (int i = 0; i < 50; i++)
		expect += busy[i] >= 3050;
	while (nat_ports_take(np, 3050, 3149, now, &p) == 0) {
		wrong += !model_free(p, now) || p < 3050 || p > 3149;
		model_busy(p);
		got++;
	}
	CHECK(wrong == 0 && got == expect, "then the held ports inside the new range, once "
	    "their hold is over (%u of %u)", got, expect);
	CHECK(table_problems(np) == 0, "the table is consistent");
	nat_ports_free(np);
}

/* Holds given back over more distinct seconds than there are marks,
 * with no take in between: the oldest marks end as new ones come. */
static void
test_many_seconds(void)
{
	struct nat_ports *np = nat_ports_new(HOLD_S);
	uint16_t lo[1] = { 1000 }, hi[1] = { 1999 }, busy[200], p;
	unsigned int wrong = 0, got = 0, marks_ok = 1;
	uint32_t now = 7;

	model_reset();
	if (np == NULL || nat_ports_set_ranges(np, lo, hi, 1) != 0) {
		CHECK(0, "a table");
		return;
	}
	for (int i = 0; i < 200; i++)
		if (nat_ports_take(np, 1000, 1999, now, &busy[i]) == 0)
			model_busy(busy[i]);
	for (uint32_t t = 0; t < 200; t++) {
		nat_ports_give(np, busy[t], 1, now + t);
		model_give(busy[t], 1, now + t);
		marks_ok &= np->np_mark_n <= NAT_HOLD_MARKS;
	}
	CHECK(marks_ok && table_problems(np) == 0, "200 seconds of holds: marks bounded, table "
	    "consistent (%u marks, %u held)", np->np_mark_n, nat_ports_held(np));
	now += 199;
	while (nat_ports_take(np, 1000, 1999, now, &p) == 0) {
		wrong += !model_free(p, now);
		model_busy(p);
		got++;
	}
	CHECK(wrong == 0 && got == 800 + 200 - (HOLD_S - 1) - 1,
	    "then every port but the last %d seconds' holds is handed out (%u, %u wrong)",
	    HOLD_S, got, wrong);
	nat_ports_free(np);
}

int
main(void)
{
	if (ns_rand_init() != 0) {
		fprintf(stderr, "ns_rand_init failed\n");
		return 1;
	}
	CHECK(nat_ports_new(NAT_HOLD_MARKS) == NULL, "a hold the marks cannot span is refused");
	test_basics();
	test_random_order();
	test_churn();
	test_reload();
	test_many_seconds();
	return UNIT_DONE();
}
