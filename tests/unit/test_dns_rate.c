/*
 * The DNS responder's per-source rate limit (firmware/dns/dns_rate.c): a
 * source gets its burst at once, then its rate; over it every second
 * query is slipped (answered TC) and the others dropped; other sources
 * are not affected, whatever one of them sends or however many sources a
 * flood spoofs; a reload's lower limit cuts the buckets; off lifts it.
 */
#include <string.h>

#include "dns_rate.h"
#include "unit.h"

/* The table's key: fixed here (netstack/ns_rand.c needs the kernel's). */
int
ns_rand_bytes(void *buf, size_t len)
{
	memset(buf, 0x5a, len);
	return 0;
}

static struct dns_rate ra;

/* Of n queries from addr at now: how many passed, slipped, dropped. */
static void
ask(uint32_t addr, uint32_t now, int n, int out[static 3])
{
	out[0] = out[1] = out[2] = 0;
	for (int i = 0; i < n; i++)
		out[dns_rate_check(&ra, addr, now)]++;
}

int
main(void)
{
	const uint32_t a = 0x0700000a, b = 0x0900000a;
	uint32_t t = 1000;
	int v[3];

	CHECK(dns_rate_init(&ra, 0, 0) == 0, "a table, no limit");
	ask(a, t, 5000, v);
	CHECK(v[DNS_RATE_PASS] == 5000, "off: every query passes (%d)", v[DNS_RATE_PASS]);

	CHECK(dns_rate_init(&ra, 100, 200) == 0, "100 a second, bursts of 200");
	ask(a, t, 300, v);
	CHECK(v[DNS_RATE_PASS] == 200, "a burst of 200 passes at once (%d)", v[DNS_RATE_PASS]);
	CHECK(v[DNS_RATE_SLIPPED] == 50 && v[DNS_RATE_DROPPED] == 50,
	    "over it every second query is slipped, the others dropped (%d, %d)",
	    v[DNS_RATE_SLIPPED], v[DNS_RATE_DROPPED]);
	ask(b, t, 250, v);
	CHECK(v[DNS_RATE_PASS] == 200, "another source has its own burst (%d)", v[DNS_RATE_PASS]);
	t += 100;
	ask(a, t, 50, v);
	CHECK(v[DNS_RATE_PASS] == 10, "100 ms later: 10 more (%d)", v[DNS_RATE_PASS]);
	t += 5;
	ask(a, t, 5, v);
	CHECK(v[DNS_RATE_PASS] == 0, "5 ms later: not a whole token yet (%d)", v[DNS_RATE_PASS]);
	t += 5;
	ask(a, t, 5, v);
	CHECK(v[DNS_RATE_PASS] == 1, "10 ms, the first 5 included, make one (%d)", v[DNS_RATE_PASS]);
	t += 1000;
	ask(a, t, 500, v);
	CHECK(v[DNS_RATE_PASS] == 100, "a second later: its rate, 100 (%d)", v[DNS_RATE_PASS]);
	t += 600000;
	ask(a, t, 500, v);
	CHECK(v[DNS_RATE_PASS] == 200, "ten minutes idle: the burst again, no more (%d)",
	    v[DNS_RATE_PASS]);

	/* A spoofed flood: 100,000 sources, once each.  Each passes (a new
	 * source starts full), and a limited source gains at most a fresh
	 * burst when it is pushed out. */
	ask(a, t, 500, v);
	{
		int passed = 0;

		for (uint32_t s = 0; s < 100000; s++)
			passed += dns_rate_check(&ra, 0x0a000000u + s, t) == DNS_RATE_PASS;
		CHECK(passed == 100000, "every spoofed source's first query passes (%d)", passed);
	}
	ask(a, t, 500, v);
	CHECK(v[DNS_RATE_PASS] == 0 || v[DNS_RATE_PASS] == 200,
	    "the limited source: still limited, or pushed out and back with one burst (%d)",
	    v[DNS_RATE_PASS]);
	CHECK(sizeof(ra.ra_tab) == DNS_RATE_SOURCES * sizeof(ra.ra_tab[0]),
	    "the table holds %d sources, whatever the flood", DNS_RATE_SOURCES);

	/* A reload lowers the limit: full buckets are cut to the new burst. */
	dns_rate_init(&ra, 100, 200);
	ask(a, t, 1, v);
	dns_rate_set(&ra, 10, 20);
	ask(a, t, 100, v);
	CHECK(v[DNS_RATE_PASS] == 20, "a reload to 10/s, bursts of 20: 20 pass (%d)",
	    v[DNS_RATE_PASS]);
	dns_rate_set(&ra, 0, 0);
	ask(a, t, 1000, v);
	CHECK(v[DNS_RATE_PASS] == 1000, "a reload to off: every query passes (%d)", v[DNS_RATE_PASS]);

	/* The millisecond clock wraps after 49 days. */
	dns_rate_init(&ra, 100, 200);
	t = 0xffffff00u;
	ask(b, t, 300, v);
	t += 0x200;	/* 512 ms later, past the wrap */
	ask(b, t, 300, v);
	CHECK(v[DNS_RATE_PASS] == 51, "across the clock's wrap: 512 ms earn 51 (%d)",
	    v[DNS_RATE_PASS]);
	ask(0, t, 300, v);
	CHECK(v[DNS_RATE_PASS] == 200, "source 0.0.0.0 is limited like any (%d)", v[DNS_RATE_PASS]);
	return UNIT_DONE();
}
