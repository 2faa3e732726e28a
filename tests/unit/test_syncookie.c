/*
 * SYN cookies: what a cookie encodes comes back from it, in its period
 * and the next only, and a change to anything it binds (addresses, ports,
 * either sequence number, the key) makes it invalid; random ACKs are not
 * taken for cookies.
 */
#include <string.h>

#include "ns_syncookie.h"
#include "unit.h"

#define RANDOM_TRIES	200000

static uint64_t rng = 0x2545f4914f6cdd1dULL;

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
random_flow(struct ns_syncookie_flow *f)
{
	uint64_t r = next();

	f->sf_saddr = (uint32_t)r;
	f->sf_daddr = (uint32_t)(r >> 32);
	r = next();
	f->sf_sport = (uint16_t)r;
	f->sf_dport = (uint16_t)(r >> 16);
	f->sf_isn = (uint32_t)(r >> 32);
}

int
main(void)
{
	static const uint16_t mss_in[] = { 0, 100, 256, 535, 536, 1000, 1024, 1219, 1220, 1300,
	    1399, 1400, 1439, 1440, 1459, 1460, 1461, 9000, 65535 };
	static const uint16_t mss_out[] = { 536, 256, 256, 256, 536, 536, 1024, 1024, 1220, 1300,
	    1300, 1400, 1400, 1440, 1440, 1460, 1460, 1460, 1460 };
	uint8_t key[NS_SYNCOOKIE_KEY_LEN], key2[NS_SYNCOOKIE_KEY_LEN];
	struct ns_syncookie_flow f, g;
	unsigned int bad = 0, ws, false_ok = 0, roundtrip_bad = 0;
	uint16_t mss;
	uint32_t c;

	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)next();
	memcpy(key2, key, sizeof(key2));
	key2[7] ^= 0x01;
	random_flow(&f);

	for (size_t i = 0; i < sizeof(mss_in) / sizeof(mss_in[0]); i++) {
		c = ns_syncookie_make(key, &f, 1000, mss_in[i], 7);
		if (!ns_syncookie_check(key, &f, 1000, c, &mss, &ws) || mss != mss_out[i] || ws != 7)
			bad++;
	}
	CHECK(bad == 0, "a SYN's MSS comes back rounded down to the table (none: 536)");
	bad = 0;
	for (unsigned int w = 0; w <= 15; w++) {
		c = ns_syncookie_make(key, &f, 1000, 1460, w);
		if (!ns_syncookie_check(key, &f, 1000, c, &mss, &ws) ||
		    ws != (w == 15 ? NS_SYNCOOKIE_WS_NONE : w > 14 ? 14u : w))
			bad++;
	}
	CHECK(bad == 0, "every window scale 0-14 and 'none' comes back");
	c = ns_syncookie_make(key, &f, 1000, 1460, 200);
	CHECK(ns_syncookie_check(key, &f, 1000, c, &mss, &ws) && ws == NS_SYNCOOKIE_WS_MAX,
	    "a scale past 14 comes back as 14");

	c = ns_syncookie_make(key, &f, 1000, 1460, 3);
	CHECK(ns_syncookie_check(key, &f, 1000, c, &mss, &ws), "valid in its own period");
	CHECK(ns_syncookie_check(key, &f, 1001, c, &mss, &ws), "valid in the next period");
	CHECK(!ns_syncookie_check(key, &f, 1002, c, &mss, &ws), "not two periods later");
	CHECK(!ns_syncookie_check(key, &f, 1003, c, &mss, &ws), "nor three");
	CHECK(!ns_syncookie_check(key, &f, 999, c, &mss, &ws), "nor in the period before");
	c = ns_syncookie_make(key, &f, 0, 1460, 3);
	CHECK(ns_syncookie_check(key, &f, 0, c, &mss, &ws), "period 0 is valid");
	c = ns_syncookie_make(key, &f, 1, 1460, 3);
	CHECK(!ns_syncookie_check(key, &f, 0, c, &mss, &ws), "a future period is not");

	c = ns_syncookie_make(key, &f, 1000, 1460, 3);
	CHECK(!ns_syncookie_check(key2, &f, 1000, c, &mss, &ws), "another key refuses it");
	g = f; g.sf_saddr ^= 0x01000000;
	CHECK(!ns_syncookie_check(key, &g, 1000, c, &mss, &ws), "another source address refuses it");
	g = f; g.sf_daddr ^= 1;
	CHECK(!ns_syncookie_check(key, &g, 1000, c, &mss, &ws), "another destination address refuses it");
	g = f; g.sf_sport++;
	CHECK(!ns_syncookie_check(key, &g, 1000, c, &mss, &ws), "another source port refuses it");
	g = f; g.sf_dport++;
	CHECK(!ns_syncookie_check(key, &g, 1000, c, &mss, &ws), "another destination port refuses it");
	g = f; g.sf_isn++;
	CHECK(!ns_syncookie_check(key, &g, 1000, c, &mss, &ws), "another client sequence number refuses it");
	bad = 0;
	for (unsigned int bit = 0; bit < 32; bit++)
		if (ns_syncookie_check(key, &f, 1000, c ^ (1u << bit), &mss, &ws))
			bad++;
	CHECK(bad == 0, "flipping any one bit of the cookie (MAC, MSS, scale, period) refuses it");

	/* Random flows: every cookie made is valid; a random number as the
	 * cookie almost never is (a 24-bit MAC: ~0.01 expected here). */
	for (int i = 0; i < RANDOM_TRIES; i++) {
		uint64_t period = next() >> 1;
		uint16_t m = (uint16_t)next();
		unsigned int w = (unsigned int)(next() % 16);

		random_flow(&f);
		c = ns_syncookie_make(key, &f, period, m, w);
		if (!ns_syncookie_check(key, &f, period + (next() & 1), c, &mss, &ws) ||
		    (m != 0 && m >= 256 && mss > m))
			roundtrip_bad++;
		if (ns_syncookie_check(key, &f, period, (uint32_t)next(), &mss, &ws))
			false_ok++;
	}
	CHECK(roundtrip_bad == 0, "%d random SYNs: every cookie is valid, its MSS never above the SYN's",
	    RANDOM_TRIES);
	CHECK(false_ok <= 2, "%d random cookies: %u taken (at most 2 allowed)", RANDOM_TRIES, false_ok);
	return UNIT_DONE();
}
