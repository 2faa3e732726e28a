/*
 * lwIP's TIME_WAIT, made fit for a proxy: a new SYN may reopen one.
 *
 * TIME_WAIT keeps its full 2 * MSL however many connections close: its
 * pcbs wait parked, outside lwIP's lists (ns_tcp_park.c), so they cost no
 * segment or bind a walk.  The NAT table keeps its own TIME_WAIT hold on
 * backend ports (firmware/proxy/nat.c): a backend never sees a 4-tuple reused
 * while it may remember it.
 */
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"

#include "netstack.h"
#include "netstack_hooks.h"

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
 * the listener (the packet driver re-inputs the frame when told so).
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
