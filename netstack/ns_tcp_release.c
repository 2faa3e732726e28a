/*
 * Letting go of a connection's pcb: every owner (the relay, the
 * management API, the DNS responder) clears its callbacks first, so lwIP
 * never calls back into an object about to be freed, then closes it or,
 * when asked or when lwIP has no memory for the FIN, resets it.
 */
#include "lwip/tcp.h"

#include "netstack.h"

void
ns_tcp_detach(struct tcp_pcb *pcb)
{
	tcp_arg(pcb, NULL);
	tcp_recv(pcb, NULL);
	tcp_sent(pcb, NULL);
	tcp_err(pcb, NULL);
	tcp_poll(pcb, NULL, 0);
}

/* Detaches pcb and closes it (abort 0) or resets it (abort 1).  1 when
 * it was reset (lwIP freed it: a callback must return ERR_ABRT), 0 when
 * it closes. */
int
ns_tcp_release(struct tcp_pcb *pcb, int abort)
{
	ns_tcp_detach(pcb);
	if (abort || tcp_close(pcb) != ERR_OK) {
		tcp_abort(pcb);
		return 1;
	}
	return 0;
}
