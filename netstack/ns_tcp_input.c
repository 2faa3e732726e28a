/*
 * What a segment meets before lwIP handles it (LWIP_HOOK_TCP_INPACKET_PCB,
 * called with the pcb lwIP found for it):
 *
 * - a bare SYN on a 4-tuple still in TIME_WAIT reopens it (ns_tcp_tw.c);
 * - a bare SYN on a listener may be refused by the application (the SYN
 *   gate): with a reset, what a consumer expects from a service with
 *   nowhere to send it (every backend down, the connection limit reached),
 *   since its connect() then fails at once with "connection refused".
 *   lwIP itself would answer the SYN and only show the connection to the
 *   application after the handshake, so the consumer would see a connect
 *   succeed and then a reset;
 * - a peer's keepalive probe is shown to the application, which counts it
 *   as activity (an idle timeout, as Azure's load balancer does).  lwIP
 *   answers probes without telling anyone.
 */
#include "lwip/ip.h"
#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"

#include "netstack.h"
#include "netstack_hooks.h"

static ns_syn_gate_fn ns_gate;
static ns_keepalive_fn ns_keepalive;

void
ns_tcp_set_syn_gate(ns_syn_gate_fn gate)
{
	ns_gate = gate;
}

void
ns_tcp_set_keepalive_seen(ns_keepalive_fn seen)
{
	ns_keepalive = seen;
}

/*
 * A keepalive probe (RFC 1122, 4.2.3.6) repeats the last byte the peer
 * sent: sequence number rcv_nxt - 1, no payload or one garbage byte, a
 * bare ACK.
 */
static int
ns_is_keepalive_probe(const struct tcp_pcb *pcb, const struct tcp_hdr *hdr,
    const struct pbuf *p)
{
	return pcb->state == ESTABLISHED && TCPH_FLAGS(hdr) == TCP_ACK && p->tot_len <= 1 &&
	    hdr->seqno == pcb->rcv_nxt - 1;
}

err_t
ns_tcp_inpacket(struct tcp_pcb *pcb, const struct tcp_hdr *hdr, struct pbuf *p)
{
	int verdict;

	/* tcp_input has turned the header to host order and p to the
	 * payload. */
	if ((TCPH_FLAGS(hdr) & (TCP_SYN | TCP_ACK | TCP_RST | TCP_FIN)) != TCP_SYN) {
		if (ns_keepalive != NULL && ns_is_keepalive_probe(pcb, hdr, p))
			ns_keepalive(pcb);
		return ERR_OK;
	}
	if (pcb->state == TIME_WAIT)
		return ns_tcp_tw_syn(pcb);
	if (pcb->state != LISTEN || ns_gate == NULL || (verdict = ns_gate(pcb)) == 0)
		return ERR_OK;
	if (verdict > 0)
		return ERR_ABRT;	/* dropped unanswered */
	/* The reset acknowledges the SYN and its payload, as lwIP's own
	 * reset of a SYN nobody listens for does; passing the listener keeps
	 * it on the listener's NIC. */
	tcp_rst(pcb, 0, hdr->seqno + 1 + p->tot_len, ip_current_dest_addr(),
	    ip_current_src_addr(), hdr->dest, hdr->src);
	return ERR_ABRT;	/* lwIP drops the segment */
}
