/*
 * SYN cookies: making and checking them (ns_syncookie.h has the layout).
 */
#include <string.h>

#include "mbedtls/sha256.h"

#include "ns_syncookie.h"

/* MSS values a cookie can carry: a peer's is rounded down to one of them.
 * The common ones exact (1460 Ethernet, 1440 and 1400 behind tunnels,
 * 1220 for IPv6-minded stacks, 536 the default when none is said). */
static const uint16_t ns_syncookie_msstab[NS_SYNCOOKIE_MSS_N] = {
	256, 536, 1024, 1220, 1300, 1400, 1440, 1460
};

uint16_t
ns_syncookie_mss(unsigned int idx)
{
	return ns_syncookie_msstab[idx % NS_SYNCOOKIE_MSS_N];
}

/* The MAC over everything the cookie stands for, and its low 8 bits. */
static uint32_t
ns_syncookie_mac(const uint8_t key[static NS_SYNCOOKIE_KEY_LEN],
    const struct ns_syncookie_flow *f, uint64_t period, uint8_t low)
{
	uint8_t in[NS_SYNCOOKIE_KEY_LEN + 4 + 4 + 2 + 2 + 4 + 8 + 1], out[32];
	uint8_t *w = in;

	memcpy(w, key, NS_SYNCOOKIE_KEY_LEN);
	w += NS_SYNCOOKIE_KEY_LEN;
	memcpy(w, &f->sf_saddr, 4);
	memcpy(w + 4, &f->sf_daddr, 4);
	memcpy(w + 8, &f->sf_sport, 2);
	memcpy(w + 10, &f->sf_dport, 2);
	memcpy(w + 12, &f->sf_isn, 4);
	memcpy(w + 16, &period, 8);
	w[24] = low;
	mbedtls_sha256(in, sizeof(in), out, 0);
	return (uint32_t)out[0] << 16 | (uint32_t)out[1] << 8 | out[2];
}

uint32_t
ns_syncookie_make(const uint8_t key[static NS_SYNCOOKIE_KEY_LEN],
    const struct ns_syncookie_flow *f, uint64_t period, uint16_t mss, unsigned int wscale)
{
	unsigned int idx = 1;	/* 536: a SYN without MSS option */
	uint8_t low;

	if (mss != 0)
		for (idx = NS_SYNCOOKIE_MSS_N - 1; idx > 0; idx--)
			if (mss >= ns_syncookie_msstab[idx])
				break;
	if (wscale > NS_SYNCOOKIE_WS_MAX && wscale != NS_SYNCOOKIE_WS_NONE)
		wscale = NS_SYNCOOKIE_WS_MAX;
	low = (uint8_t)(idx << 5 | wscale << 1 | (period & 1));
	return ns_syncookie_mac(key, f, period, low) << 8 | low;
}

int
ns_syncookie_check(const uint8_t key[static NS_SYNCOOKIE_KEY_LEN],
    const struct ns_syncookie_flow *f, uint64_t now, uint32_t cookie, uint16_t *mss,
    unsigned int *wscale)
{
	uint8_t low = (uint8_t)cookie;
	uint64_t period = (now & 1) == (low & 1) ? now : now - 1;

	if (period > now)	/* now is 0: no period before it */
		return 0;
	if (ns_syncookie_mac(key, f, period, low) != cookie >> 8)
		return 0;
	*mss = ns_syncookie_msstab[low >> 5];
	*wscale = (low >> 1) & 0x0f;
	return 1;
}
