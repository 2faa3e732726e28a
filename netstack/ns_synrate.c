/*
 * A rate limit on new connections per address: a token bucket in each
 * entry of the address table (ns_addr.c), checked on each frame before
 * lwIP sees it.
 *
 * Why before lwIP: a SYN lwIP takes costs a lookup in every pcb list, a
 * pcb, a SYN-ACK and its retransmissions; one the bucket refuses costs a
 * few loads.  A flood at one endpoint then spends the event loop's time
 * on that endpoint's share only.  The bucket is per address, not per
 * source: a spoofed flood has as many sources as it likes.
 *
 * Only bare SYNs (SYN without ACK or RST) take a token: the segments of
 * connections already made, and the SYN-ACKs of the appliance's own
 * connections to backends, never wait for one.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "lwip/netif.h"
#include "lwip/sys.h"

#include "netstack.h"
#include "prot/ip4.h"
#include "ns_addr.h"

/* Tokens are kept in thousandths, so a rate per second adds per_s of
 * them per millisecond of sys_now(). */
#define NS_SYN_MILLI		1000u

static uint64_t ns_syn_dropped_all;

int
ns_set_syn_rate(struct netif *netif, uint32_t addr, uint32_t per_s, uint32_t burst)
{
	struct ns_addr *ra;
	struct ns_syn_bucket *sb;

	if (netif == NULL || per_s > NS_SYN_RATE_MAX || burst > NS_SYN_RATE_MAX)
		return -EINVAL;
	if ((ra = ns_addr_find(netif->state, addr)) == NULL)
		return -ENOENT;
	sb = &ra->ra_syn;
	if (per_s == 0) {
		sb->sb_per_s = 0;
		return 0;
	}
	if (sb->sb_per_s == 0) {
		sb->sb_dropped = 0;
		sb->sb_tokens = (uint64_t)(burst != 0 ? burst : per_s) * NS_SYN_MILLI;
		sb->sb_last_ms = sys_now();
	}
	sb->sb_per_s = per_s;
	sb->sb_cap = (uint64_t)(burst != 0 ? burst : per_s) * NS_SYN_MILLI;
	if (sb->sb_tokens > sb->sb_cap)
		sb->sb_tokens = sb->sb_cap;
	return 0;
}

uint64_t
ns_syn_rate_dropped(const struct netif *netif, uint32_t addr)
{
	const struct ns_addr *ra;

	if (netif == NULL)
		return ns_syn_dropped_all;
	ra = ns_addr_find(netif->state, addr);
	return ra != NULL ? ra->ra_syn.sb_dropped : 0;
}

/* Whether an IPv4 packet is a bare TCP SYN (not a fragment past the
 * first, whose bytes are no TCP header). */
static int
ns_syn_is_bare(const uint8_t *ip, size_t ip_len)
{
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
	uint8_t flags;

	if (ip[IP4_OFF_PROTO] != IP4_PROTO_TCP || ihl < IP4_HDR_LEN ||
	    ip_len < ihl + TCP_OFF_FLAGS + 1 ||
	    (ip[IP4_OFF_FRAG] & 0x1f) != 0 || ip[IP4_OFF_FRAG + 1] != 0)
		return 0;
	flags = ip[ihl + TCP_OFF_FLAGS];
	/* SYN; no RST, no ACK */
	return (flags & (TCP_FLAG_SYN | TCP_FLAG_RST | TCP_FLAG_ACK)) == TCP_FLAG_SYN;
}

/* Takes a token of sb for one new connection: 1, or 0 (counted) when
 * it has none. */
static int
ns_syn_take(struct ns_syn_bucket *sb)
{
	uint32_t now = sys_now();

	/* At most 2^32 ms times NS_SYN_RATE_MAX: no overflow in 64 bits. */
	sb->sb_tokens += (uint64_t)(uint32_t)(now - sb->sb_last_ms) * sb->sb_per_s;
	if (sb->sb_tokens > sb->sb_cap)
		sb->sb_tokens = sb->sb_cap;
	sb->sb_last_ms = now;
	if (sb->sb_tokens < NS_SYN_MILLI) {
		sb->sb_dropped++;
		ns_syn_dropped_all++;
		return 0;
	}
	sb->sb_tokens -= NS_SYN_MILLI;
	return 1;
}

int
ns_syn_admit(struct ns_addr *ra, const uint8_t *ip, size_t ip_len)
{
	if (ra->ra_syn.sb_per_s == 0 || !ns_syn_is_bare(ip, ip_len))
		return 1;
	return ns_syn_take(&ra->ra_syn);
}

/* A connection made from a SYN cookie's ACK costs a token as its SYN
 * would have: the SYN was answered with a cookie, not counted, and one
 * cookie may be replayed while it is valid. */
int
ns_syn_admit_cookie(void)
{
	struct ns_addr *ra = ns_addr_current;

	return ra == NULL || ra->ra_syn.sb_per_s == 0 ? 1 : ns_syn_take(&ra->ra_syn);
}
