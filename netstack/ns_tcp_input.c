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
 * - a bare SYN on a listener whose queue of half-open connections is
 *   full, or while the appliance holds NS_TCP_HALF_OPEN_MAX of them, is
 *   answered with a SYN cookie and nothing is kept (ns_tcp_cookie.c), or
 *   dropped when no cookie can be sent; counted either way.  lwIP itself
 *   would drop it silently, and keep nothing for the client either;
 * - an ACK on a listener may carry a cookie: it becomes the connection;
 * - a peer's keepalive probe is shown to the application, which counts it
 *   as activity (an idle timeout, as Azure's load balancer does).  lwIP
 *   answers probes without telling anyone;
 * - an ACK's SACK blocks are taken for the loss recovery lwIP's sender
 *   lacks (ns_tcp_sack.c).
 */
#include "lwip/ip.h"
#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"

#include "netstack.h"
#include "netstack_hooks.h"

/* Half-open connections the appliance holds on all its listeners: a
 * flood spread over many endpoints holds at most this many pcbs and
 * SYN-ACKs (about 1 MiB), while one endpoint's flood fills only its own
 * listener's queue (TCP_DEFAULT_LISTEN_BACKLOG). */
#define NS_TCP_HALF_OPEN_MAX	2048

static ns_syn_gate_fn ns_gate;
static ns_keepalive_fn ns_keepalive;
static uint64_t ns_syn_queue_full;
static uint64_t ns_syn_half_open_full;

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

/* Half-open connections of every listener (lwIP counts a listener's
 * SYN_RCVD pcbs in accepts_pending). */
static unsigned int
ns_tcp_half_open(void)
{
	unsigned int n = 0;

	for (struct tcp_pcb_listen *l = tcp_listen_pcbs.listen_pcbs; l != NULL; l = l->next)
		n += l->accepts_pending;
	return n;
}

void
ns_tcp_get_syn_stats(struct ns_syn_stats *st)
{
	st->ss_half_open = ns_tcp_half_open();
	st->ss_queue_full = ns_syn_queue_full;
	st->ss_half_open_full = ns_syn_half_open_full;
	st->ss_rate_limited = ns_syn_rate_dropped(NULL, 0);
	ns_tcp_cookie_stats(st);
}

/* Whether a listener has room for one more half-open connection. */
static int
ns_tcp_listen_room(const struct tcp_pcb_listen *lpcb)
{
	if (lpcb->accepts_pending >= lpcb->backlog) {
		ns_syn_queue_full++;
		return 0;
	}
	if (ns_tcp_half_open() >= NS_TCP_HALF_OPEN_MAX) {
		ns_syn_half_open_full++;
		return 0;
	}
	return 1;
}

/*
 * An out-of-order segment that runs past the right edge of the receive
 * window.  lwIP queues the first segment of its out-of-order list without
 * trimming it to the window, and once the hole before it is filled
 * asserts ("ooseq tcplen > rcv_wnd"): a consumer sending past the window
 * while the relay holds its earlier data could abort privlinkd.  No sender
 * that keeps to the window sends one; dropped, it is sent again (within
 * the window) by a sender that is not hostile.
 */
static int
ns_tcp_past_window(const struct tcp_pcb *pcb, const struct tcp_hdr *hdr, const struct pbuf *p)
{
	u32_t end = hdr->seqno + p->tot_len + ((TCPH_FLAGS(hdr) & TCP_FIN) ? 1 : 0);

	return TCP_SEQ_GT(hdr->seqno, pcb->rcv_nxt) &&
	    TCP_SEQ_GT(end, pcb->rcv_nxt + pcb->rcv_wnd);
}

/*
 * A peer whose SYN offered a window of 0 or 1: lwIP sizes the segments it
 * queues by min(mss, snd_wnd_max / 2), and by the mss while that is 0; the
 * first larger window then shrinks the size under the room lwIP left in
 * the last queued segment, and the next tcp_write asserts ("inconsistent
 * oversize vs. space").  Such a window is taken as two segments' worth
 * for that sizing, so the size never shrinks; what may be sent still
 * follows the peer's real window (snd_wnd).
 */
static void
ns_tcp_no_zero_window_max(struct tcp_pcb *pcb)
{
	if (pcb->snd_wnd_max < 2)
		pcb->snd_wnd_max = (tcpwnd_size_t)(2 * pcb->mss);
}

/*
 * Out-of-order data lwIP holds that no longer fits the receive window:
 * once the hole before it is filled lwIP asserts ("ooseq tcplen >
 * rcv_wnd"), as for a segment past the window (above).  The fuzzer found
 * a sequence of segments that leaves queued data past the window's edge;
 * dropped before lwIP takes the next segment, it is sent again.
 */
static void
ns_tcp_ooseq_fit(struct tcp_pcb *pcb)
{
#if TCP_QUEUE_OOSEQ
	const struct tcp_seg *last = pcb->ooseq;

	if (last == NULL)
		return;
	while (last->next != NULL)
		last = last->next;
	if (TCP_SEQ_GT(last->tcphdr->seqno + TCP_TCPLEN(last), pcb->rcv_nxt + pcb->rcv_wnd))
		tcp_free_ooseq(pcb);
#else
	LWIP_UNUSED_ARG(pcb);
#endif
}

err_t
ns_tcp_inpacket(struct tcp_pcb *pcb, const struct tcp_hdr *hdr, u16_t optlen, u16_t opt1len,
    const u8_t *opt2, struct pbuf *p)
{
	u8_t flags = TCPH_FLAGS(hdr);

	/* tcp_input has turned the header to host order and p to the
	 * payload. */
	if ((flags & (TCP_SYN | TCP_ACK | TCP_RST)) == TCP_ACK && pcb->state == LISTEN)
		return ns_tcp_cookie_ack((struct tcp_pcb_listen *)pcb, hdr) ? ERR_ABRT : ERR_OK;
	if ((flags & (TCP_SYN | TCP_ACK | TCP_RST | TCP_FIN)) != TCP_SYN) {
		/* rcv_nxt means nothing before the peer's SYN was taken. */
		if (pcb->state >= ESTABLISHED && pcb->state != TIME_WAIT &&
		    ns_tcp_past_window(pcb, hdr, p))
			return ERR_ABRT;	/* dropped */
		if (pcb->state > LISTEN && pcb->state != TIME_WAIT) {
			ns_tcp_no_zero_window_max(pcb);
			ns_tcp_ooseq_fit(pcb);
		}
		if ((flags & (TCP_ACK | TCP_RST)) == TCP_ACK && pcb->state >= ESTABLISHED &&
		    pcb->state != TIME_WAIT)
			ns_tcp_sack_input(pcb, hdr, optlen, opt1len, opt2);
		if (ns_keepalive != NULL && ns_is_keepalive_probe(pcb, hdr, p))
			ns_keepalive(pcb);
		return ERR_OK;
	}
	if (pcb->state == TIME_WAIT)
		return ns_tcp_tw_syn(pcb);
	if (pcb->state != LISTEN)
		return ERR_OK;
	if (ns_gate == NULL || ns_gate(pcb) == 0) {
		if (!ns_tcp_listen_room((const struct tcp_pcb_listen *)pcb))
			return ns_tcp_cookie_syn(hdr, optlen, opt1len, opt2);
		return ERR_OK;
	}
	/* The reset acknowledges the SYN and its payload, as lwIP's own
	 * reset of a SYN nobody listens for does; passing the listener keeps
	 * it on the listener's NIC. */
	tcp_rst(pcb, 0, hdr->seqno + 1 + p->tot_len, ip_current_dest_addr(),
	    ip_current_src_addr(), hdr->dest, hdr->src);
	return ERR_ABRT;	/* lwIP drops the segment */
}
