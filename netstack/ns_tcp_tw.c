/*
 * lwIP's TIME_WAIT, made fit for a proxy: a cap on how many are held,
 * and a new SYN may reopen one (both below).
 *
 * The cap.
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
#include "netstack_hooks.h"

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

/*
 * A new SYN for a 4-tuple lwIP still holds in TIME_WAIT.
 *
 * The appliance closes first toward a consumer whenever the backend does
 * (an HTTP/1.0 server, say), so its consumer-side pcbs sit in TIME_WAIT
 * for 2 MSL, and a client that reuses the same source port within that
 * time meets lwIP's RFC 1337 TIME_WAIT: a SYN outside the old window gets
 * an ACK, the client's reset is ignored, and the client's retries hang for
 * up to a minute (a SYN inside the window is reset: "refused").  Linux
 * lets such a SYN open a new connection.  So does this hook: the TIME_WAIT
 * pcb is dropped and the segment is handed to lwIP again, which now finds
 * the listener (the ring driver re-inputs the frame when told so).
 */
static int ns_reinput;

err_t
ns_tcp_tw_syn(struct tcp_pcb *pcb)
{
	tcp_abandon(pcb, 0);	/* a TIME_WAIT pcb is just freed, nothing sent */
	ns_reinput = 1;
	return ERR_ABRT;	/* lwIP drops this copy of the segment */
}

void
ns_tcp_reinput(void)
{
	ns_reinput = 1;
}

/* Did the last input ask to be delivered again?  Clears the request. */
int
ns_tcp_take_reinput(void)
{
	int r = ns_reinput;

	ns_reinput = 0;
	return r;
}
