/*
 * libFuzzer harness for SYN cookies: any key, connection, period, MSS,
 * window scale and ACK.  Checking any number as a cookie must be safe and
 * give back only values a cookie can carry; a cookie made must be valid
 * in its period and the next, give back what was encoded, and be refused
 * two periods later and for any other connection.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ns_syncookie.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_input {
	uint8_t		fi_key[NS_SYNCOOKIE_KEY_LEN];
	struct ns_syncookie_flow fi_flow;
	uint64_t	fi_period;
	uint32_t	fi_cookie;
	uint16_t	fi_mss;
	uint8_t		fi_ws;
	uint8_t		fi_flip;	/* which field of the flow to change */
};

/* Whether cookie c, made for in's flow, is valid for the flow with one
 * bit of one field changed (which: flip). */
static int
fuzz_other_valid(const struct fuzz_input *in, uint32_t c, unsigned int flip)
{
	struct ns_syncookie_flow other = in->fi_flow;
	uint16_t mss;
	unsigned int ws;

	switch (flip % 5) {
	case 0: other.sf_saddr ^= 1u << (flip % 32); break;
	case 1: other.sf_daddr ^= 1u << (flip % 32); break;
	case 2: other.sf_sport ^= (uint16_t)(1u << (flip % 16)); break;
	case 3: other.sf_dport ^= (uint16_t)(1u << (flip % 16)); break;
	default: other.sf_isn ^= 1u << (flip % 32); break;
	}
	return ns_syncookie_check(in->fi_key, &other, in->fi_period, c, &mss, &ws);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in;
	uint16_t mss, mss2;
	unsigned int ws, ws2, want_ws;
	uint32_t c;

	if (size < sizeof(in))
		return 0;
	memcpy(&in, data, sizeof(in));
	in.fi_period >>= 1;	/* room for period + 2 */

	if (ns_syncookie_check(in.fi_key, &in.fi_flow, in.fi_period, in.fi_cookie, &mss, &ws)) {
		int known = 0;

		for (unsigned int i = 0; i < NS_SYNCOOKIE_MSS_N; i++)
			known |= mss == ns_syncookie_mss(i);
		if (!known || ws > NS_SYNCOOKIE_WS_NONE)
			abort();
	}

	want_ws = in.fi_ws % 16;
	c = ns_syncookie_make(in.fi_key, &in.fi_flow, in.fi_period, in.fi_mss, want_ws);
	if (!ns_syncookie_check(in.fi_key, &in.fi_flow, in.fi_period, c, &mss, &ws) ||
	    !ns_syncookie_check(in.fi_key, &in.fi_flow, in.fi_period + 1, c, &mss2, &ws2))
		abort();
	if (mss != mss2 || ws != ws2 || ws != (want_ws > NS_SYNCOOKIE_WS_MAX &&
	    want_ws != NS_SYNCOOKIE_WS_NONE ? NS_SYNCOOKIE_WS_MAX : want_ws))
		abort();
	if (in.fi_mss >= ns_syncookie_mss(0) && mss > in.fi_mss)
		abort();	/* never more than the peer said it takes */
	/* A 24-bit MAC matches by chance once in 2^24 checks, a few times
	 * in a long run: only two chance matches at once (2^-48) mean that
	 * the MAC does not bind the period or the field. */
	if (ns_syncookie_check(in.fi_key, &in.fi_flow, in.fi_period + 2, c, &mss, &ws) &&
	    ns_syncookie_check(in.fi_key, &in.fi_flow, in.fi_period + 4, c, &mss, &ws))
		abort();
	if (fuzz_other_valid(&in, c, in.fi_flip) && fuzz_other_valid(&in, c, in.fi_flip + 7u))
		abort();
	return 0;
}
