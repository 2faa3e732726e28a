/*
 * What a bare SYN meets before lwIP sees it: a 4-tuple still in TIME_WAIT
 * is reopened (ns_tcp_tw.c), and a listener may refuse the SYN.
 *
 * Refusing at the SYN, with a reset, is what a consumer expects from a
 * service with nowhere to send it (every backend down, the connection
 * limit reached): its connect() fails at once with "connection refused".
 * lwIP itself would answer the SYN and only let the application see the
 * connection after the handshake, so the consumer would see a connect
 * succeed and then a reset.
 */
#include "lwip/ip.h"
#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"

#include "netstack.h"
#include "netstack_hooks.h"

static ns_syn_gate_fn ns_gate;

void
ns_tcp_set_syn_gate(ns_syn_gate_fn gate)
{
	ns_gate = gate;
}

err_t
ns_tcp_inpacket(struct tcp_pcb *pcb, const struct tcp_hdr *hdr, struct pbuf *p)
{
	if ((TCPH_FLAGS(hdr) & (TCP_SYN | TCP_ACK | TCP_RST | TCP_FIN)) != TCP_SYN)
		return ERR_OK;
	if (pcb->state == TIME_WAIT)
		return ns_tcp_tw_syn(pcb);
	if (pcb->state != LISTEN || ns_gate == NULL || ns_gate(pcb->callback_arg) == 0)
		return ERR_OK;
	/*
	 * tcp_input has turned the header to host order and p to the
	 * payload; the reset acknowledges the SYN and its payload, as
	 * lwIP's own reset of a SYN nobody listens for does.  Passing the
	 * listener keeps the reset on the listener's NIC.
	 */
	tcp_rst(pcb, 0, hdr->seqno + 1 + p->tot_len, ip_current_dest_addr(),
	    ip_current_src_addr(), hdr->dest, hdr->src);
	return ERR_ABRT;	/* lwIP drops the segment */
}
