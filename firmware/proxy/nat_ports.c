/*
 * The source ports of one NAT IP.
 *
 * Each service naming the NAT IP offers its nat_port_range on it; the
 * ranges may differ and overlap, so the ports are cut into segments, runs
 * that the same ranges cover, and a range is a run of whole segments.
 * A segment keeps its free ports in a ring, shuffled (Fisher-Yates) when
 * the ranges change, so backend-side ports are not guessable; a port is
 * taken from a ring's head and given back at its tail.  A port closed
 * gracefully is held: it joins the hold FIFO, and since every hold lasts
 * np_hold_s the FIFO is in order of expiry; the holds that ended go back
 * to their rings when a port is next taken, each once, so taking and
 * giving back cost O(1) amortised, never a walk over the range.
 *
 * The clock is the caller's (seconds, never going back): nat.c passes
 * nat_now(), the unit test its own.
 */
#include <stdlib.h>
#include <string.h>

#include "nat_ports.h"
#include "netstack.h"

/* Random numbers drawn at a time while shuffling. */
#define NAT_RAND_BATCH		256

_Static_assert(NAT_PORTS == 1 << 16, "np_hold is indexed by a 16-bit position");

/* A new, empty table (every port free, no range); NULL without memory. */
struct nat_ports *
nat_ports_new(uint32_t hold_s)
{
	struct nat_ports *np;

	/* The marks must span a hold and the second being filled. */
	if (hold_s + 1 >= NAT_HOLD_MARKS)
		return NULL;
	if ((np = calloc(1, sizeof(*np))) == NULL)
		return NULL;
	np->np_hold_s = hold_s;
	return np;
}

void
nat_ports_free(struct nat_ports *np)
{
	free(np);
}

static uint32_t
nat_seg_size(const struct nat_seg *sg)
{
	return (uint32_t)sg->ns_hi - sg->ns_lo + 1;
}

/* The segment holding port, or NULL if no range covers it. */
static struct nat_seg *
nat_seg_of(struct nat_ports *np, uint16_t port)
{
	unsigned int a = 0, b = np->np_n_seg;

	while (a < b) {
		unsigned int m = (a + b) / 2;

		if (np->np_seg[m].ns_hi < port)
			a = m + 1;
		else
			b = m;
	}
	if (a == np->np_n_seg || np->np_seg[a].ns_lo > port)
		return NULL;
	return &np->np_seg[a];
}

/* A free port back at its segment's tail (nowhere if outside every range). */
static void
nat_seg_push(struct nat_ports *np, uint16_t port)
{
	struct nat_seg *sg = nat_seg_of(np, port);

	np->np_state[port] = NAT_PORT_FREE;
	if (sg == NULL)
		return;
	np->np_ring[sg->ns_lo + (sg->ns_head + sg->ns_n) % nat_seg_size(sg)] = port;
	sg->ns_n++;
	np->np_free++;
}

/* Shuffles ports[0 .. n-1] (Fisher-Yates).  0, or -1 if randomness
 * failed: the ports are all there, partly shuffled. */
static int
nat_shuffle(uint16_t *ports, uint32_t n)
{
	uint32_t r[NAT_RAND_BATCH];
	unsigned int k = NAT_RAND_BATCH;

	for (uint32_t i = n; i > 1; i--) {
		uint32_t j;
		uint16_t t;

		if (k == NAT_RAND_BATCH) {
			if (ns_rand_bytes(r, sizeof(r)) != 0)
				return -1;
			k = 0;
		}
		/* Scaled, not reduced modulo i: the bias is below i / 2^32. */
		j = (uint32_t)(((uint64_t)r[k++] * i) >> 32);
		t = ports[i - 1];
		ports[i - 1] = ports[j];
		ports[j] = t;
	}
	return 0;
}

/*
 * Cuts the ports into the segments of ranges [lo[i], hi[i]] (lo >= 1,
 * lo <= hi) and, if the segments changed, refills every ring with its
 * free ports in a new random order.  Busy and held ports stay as they
 * are: a reload keeps live connections' ports, and holds, whatever the
 * ranges become.  0, or -1 if randomness failed (the rings are then
 * complete but not all shuffled).
 */
int
nat_ports_set_ranges(struct nat_ports *np, const uint16_t *lo, const uint16_t *hi,
    unsigned int n)
{
	uint32_t cut[NAT_MAX_SEGS];	/* ports where a segment may start or end */
	struct nat_seg seg[NAT_MAX_SEGS];
	unsigned int n_cut = 0, n_seg = 0;
	int rc = 0;

	/* A service names a NAT IP once: never more ranges than services. */
	if (n > NAT_MAX_SEGS / 2)
		n = NAT_MAX_SEGS / 2;
	for (unsigned int i = 0; i < n; i++) {
		uint32_t c[2] = { lo[i], (uint32_t)hi[i] + 1 };

		for (int e = 0; e < 2; e++) {
			unsigned int j = n_cut;

			for (; j > 0 && cut[j - 1] > c[e]; j--)
				cut[j] = cut[j - 1];
			cut[j] = c[e];
			n_cut++;
		}
	}
	/* Each piece between two cuts that some range covers. */
	for (unsigned int j = 0; j + 1 < n_cut; j++) {
		uint32_t a = cut[j], b = cut[j + 1];
		int covered = 0;

		if (a == b)
			continue;
		for (unsigned int i = 0; i < n && !covered; i++)
			covered = lo[i] <= a && (uint32_t)hi[i] + 1 >= b;
		if (!covered)
			continue;
		seg[n_seg].ns_lo = (uint16_t)a;
		seg[n_seg].ns_hi = (uint16_t)(b - 1);
		seg[n_seg].ns_head = 0;
		seg[n_seg].ns_n = 0;
		n_seg++;
	}
	if (n_seg == np->np_n_seg) {
		unsigned int j = 0;

		while (j < n_seg && seg[j].ns_lo == np->np_seg[j].ns_lo &&
		    seg[j].ns_hi == np->np_seg[j].ns_hi)
			j++;
		if (j == n_seg)
			return 0;
	}
	np->np_n_seg = n_seg;
	np->np_seg_rr = 0;
	np->np_free = 0;
	for (unsigned int j = 0; j < n_seg; j++) {
		struct nat_seg *sg = &np->np_seg[j];

		*sg = seg[j];
		for (uint32_t p = sg->ns_lo; p <= sg->ns_hi; p++)
			if (np->np_state[p] == NAT_PORT_FREE)
				np->np_ring[sg->ns_lo + sg->ns_n++] = (uint16_t)p;
		np->np_free += sg->ns_n;
		if (nat_shuffle(&np->np_ring[sg->ns_lo], sg->ns_n) != 0)
			rc = -1;
	}
	return rc;
}

/* Ends the holds due by now: their ports go back to their rings. */
void
nat_ports_expire(struct nat_ports *np, uint32_t now)
{
	while (np->np_mark_n > 0) {
		struct nat_mark *m = &np->np_marks[np->np_mark_head];

		if ((int32_t)(now - (m->nm_sec + np->np_hold_s)) < 0)
			return;
		while (np->np_hold_out != m->nm_end) {
			uint16_t port = np->np_hold[np->np_hold_out++ % NAT_PORTS];

			nat_seg_push(np, port);
		}
		np->np_mark_head = (np->np_mark_head + 1) % NAT_HOLD_MARKS;
		np->np_mark_n--;
	}
}

/*
 * A free port of the range [lo, hi] (a run of whole segments, as
 * nat_ports_set_ranges cut them), busy on return: the ranges' segments in
 * turn, the head of the first with a free port.  0, or -1 if none is.
 */
int
nat_ports_take(struct nat_ports *np, uint16_t lo, uint16_t hi, uint32_t now, uint16_t *port)
{
	unsigned int a = 0, b, m;

	nat_ports_expire(np, now);
	/* The segments inside [lo, hi]: from a, while they end by hi. */
	for (b = np->np_n_seg; a < b;) {
		unsigned int mid = (a + b) / 2;

		if (np->np_seg[mid].ns_lo < lo)
			a = mid + 1;
		else
			b = mid;
	}
	for (b = a; b < np->np_n_seg && np->np_seg[b].ns_hi <= hi; b++)
		;
	if ((m = b - a) == 0)
		return -1;
	for (unsigned int t = 0; t < m; t++) {
		unsigned int j = a + (np->np_seg_rr + t) % m;
		struct nat_seg *sg = &np->np_seg[j];
		uint16_t p;

		if (sg->ns_n == 0)
			continue;
		p = np->np_ring[sg->ns_lo + sg->ns_head];
		sg->ns_head = (sg->ns_head + 1) % nat_seg_size(sg);
		sg->ns_n--;
		np->np_free--;
		np->np_state[p] = NAT_PORT_BUSY;
		np->np_busy++;
		np->np_seg_rr = j - a + 1;
		*port = p;
		return 0;
	}
	return -1;
}

/*
 * Gives a busy port back: free at once, or with hold held until now plus
 * the hold.  1 if it was busy, 0 if not (then nothing changes).
 */
int
nat_ports_give(struct nat_ports *np, uint16_t port, int hold, uint32_t now)
{
	struct nat_mark *last;

	if (np->np_state[port] != NAT_PORT_BUSY)
		return 0;
	np->np_busy--;
	if (!hold) {
		nat_seg_push(np, port);
		return 1;
	}
	np->np_state[port] = NAT_PORT_HELD;
	np->np_hold[np->np_hold_in++ % NAT_PORTS] = port;
	last = np->np_mark_n == 0 ? NULL :
	    &np->np_marks[(np->np_mark_head + np->np_mark_n - 1) % NAT_HOLD_MARKS];
	/* A clock that went back joins the last second: held longer, never
	 * shorter. */
	if (last != NULL && (int32_t)(now - last->nm_sec) <= 0) {
		last->nm_end = np->np_hold_in;
		return 1;
	}
	/* Every mark is of a distinct earlier second; with all in use the
	 * oldest is more than a hold ago, and expiring frees it. */
	if (np->np_mark_n == NAT_HOLD_MARKS)
		nat_ports_expire(np, now);
	last = &np->np_marks[(np->np_mark_head + np->np_mark_n++) % NAT_HOLD_MARKS];
	last->nm_sec = now;
	last->nm_end = np->np_hold_in;
	return 1;
}

/* Ports in the hold FIFO (some may have ended and wait for the next take). */
unsigned int
nat_ports_held(const struct nat_ports *np)
{
	return np->np_hold_in - np->np_hold_out;
}
