/*
 * A cap on lwIP's TIME_WAIT connections.
 *
 * lwIP finds the connection of every incoming segment, and checks every
 * bind, by walking its pcb lists one by one; TIME_WAIT lasts 60 s, so at a
 * few thousand connections a second tens of thousands of TIME_WAIT pcbs
 * made tcp_input and tcp_bind 40 % of privlinkd's time (README,
 * Benchmarks) and the rate fell from run to run.  Past NS_TCP_TW_MAX the
 * oldest are dropped, as lwIP itself does when it runs out of pcbs and as
 * Linux does past net.ipv4.tcp_max_tw_buckets.  The NAT table keeps its
 * own TIME_WAIT hold on backend ports (firmware/nat.c): a backend still
 * never sees a 4-tuple reused while it may remember it.
 */
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"

#include "netstack.h"

/* Enough for every connection closed in the last ~100 ms at 5,000/s. */
#define NS_TCP_TW_MAX		512

/* Drops the oldest TIME_WAIT pcbs past NS_TCP_TW_MAX (new ones are put
 * in front of lwIP's list, so the oldest are at its end); returns how
 * many. */
unsigned int
ns_tcp_tw_trim(void)
{
	struct tcp_pcb *keep = tcp_tw_pcbs;
	unsigned int n, dropped = 0;

	for (n = 1; keep != NULL && n < NS_TCP_TW_MAX; n++)
		keep = keep->next;
	if (keep == NULL)
		return 0;
	/* tcp_abort() of a TIME_WAIT pcb unlinks and frees it, sends
	 * nothing and calls no callback. */
	while (keep->next != NULL) {
		tcp_abort(keep->next);
		dropped++;
	}
	return dropped;
}
