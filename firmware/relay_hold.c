/*
 * Received data the relay wrote to the other side by reference.
 *
 * Why: copying every byte into the peer's send buffer (tcp_write with
 * TCP_WRITE_FLAG_COPY) was one of the three copies per relayed byte
 * (README, Benchmarks).  Without the flag lwIP's segments point into the
 * received pbufs (PBUF_ROM pieces chained after a header pbuf), so those
 * pbufs must live until no segment on the peer's unsent or unacked list
 * points into them any more.
 *
 * Which ones do is told by sequence numbers, not by counting acked
 * bytes: lwIP frees a segment only once it is acknowledged whole (a
 * partly acknowledged one is kept for retransmission), a segment may be
 * merged with the next write's bytes or split (the split-off part is a
 * copy), and rexmit moves segments between the lists.  The bytes of
 * every segment lwIP still holds lie at or after the first sequence
 * number on either list; a held pbuf all of whose bytes lie before it is
 * referenced by nothing.  The written data of one direction is one run
 * of the peer's sequence space (the PROXY header before it, the FIN after
 * it), so the held pbufs need only the first one's sequence number.
 *
 * When the relay lets go of a pcb whose segments may still point into
 * held pbufs (a graceful close, where lwIP goes on sending; a pcb left to
 * lwIP after both FINs), relay_hold_unref makes those segments copies
 * first: after that, lwIP owns everything it holds.
 */
#include <string.h>

#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/priv/tcp_priv.h"

#include "netstack.h"
#include "relay_hold.h"
#include "share.h"

/* q (taken, detached from its chain) was written to dst whole, its last
 * byte last: it is held until dst's segments are past it. */
void
relay_hold_push(struct relay_end *from, struct pbuf *q, const struct tcp_pcb *dst)
{
	if (from->re_held == NULL) {
		from->re_held = q;
		from->re_held_seq = dst->snd_lbb - q->len;
	} else
		from->re_held_tail->next = q;
	from->re_held_tail = q;
}

/* The first sequence number a segment of pcb still covers; 0 and *none
 * set when it holds no segment. */
static u32_t
relay_hold_floor(const struct tcp_pcb *pcb, int *none)
{
	const struct tcp_seg *a = pcb->unacked, *u = pcb->unsent;
	u32_t sa, su;

	*none = a == NULL && u == NULL;
	if (*none)
		return 0;
	if (a == NULL)
		return lwip_ntohl(u->tcphdr->seqno);
	sa = lwip_ntohl(a->tcphdr->seqno);
	if (u == NULL)
		return sa;
	su = lwip_ntohl(u->tcphdr->seqno);
	return TCP_SEQ_LT(su, sa) ? su : sa;
}

/* Frees what from holds that dst (NULL: gone, or made copies) no longer
 * points into; it leaves from's connection's memory share. */
void
relay_hold_release(struct relay_end *from, const struct tcp_pcb *dst)
{
	struct relay_conn *rc = from->re_conn;
	int none = 1;
	u32_t floor = dst != NULL ? relay_hold_floor(dst, &none) : 0;
	int64_t freed = 0;

	while (from->re_held != NULL) {
		struct pbuf *q = from->re_held;

		if (!none && TCP_SEQ_GT(from->re_held_seq + q->len, floor))
			break;
		from->re_held_seq += q->len;
		from->re_held = q->next;
		q->next = NULL;
		freed += q->len;
		pbuf_free(q);
	}
	if (from->re_held == NULL)
		from->re_held_tail = NULL;
	if (freed != 0)
		share_mem(rc->rc_loop, rc, -freed);
}

/* Frees everything held, whoever points into it: only once the pcb it
 * was written to is gone or was made copies (relay_hold_unref). */
void
relay_hold_free(struct relay_end *from)
{
	relay_hold_release(from, NULL);
}

/* The data pbufs of a list of pcb's segments become copies.  0 or -1. */
static int
relay_hold_unref_segs(struct tcp_seg *seg)
{
	for (; seg != NULL; seg = seg->next) {
		struct pbuf *prev = seg->p;

		/* The first pbuf is lwIP's header pbuf, never a reference. */
		while (prev->next != NULL) {
			struct pbuf *q = prev->next, *c;

			if (q->type_internal != (u8_t)PBUF_ROM || (q->flags & PBUF_FLAG_IS_CUSTOM)) {
				prev = q;
				continue;
			}
			if ((c = pbuf_alloc(PBUF_RAW, q->len, PBUF_RAM)) == NULL)
				return -1;
			memcpy(c->payload, q->payload, q->len);
			c->tot_len = q->tot_len;
			c->next = q->next;
			prev->next = c;
			q->next = NULL;
			pbuf_free(q);
			prev = c;
		}
	}
	return 0;
}

/*
 * Before the relay lets pcb go with data still queued in it: every
 * segment pointing into received pbufs gets a copy of its bytes, so the
 * pbufs may be freed while lwIP goes on sending.  The copies replace
 * memory freed right after, so they may take the heap's reserve.  0, or
 * -1 when there was no memory (pcb then partly converted, still valid).
 */
int
relay_hold_unref(struct tcp_pcb *pcb)
{
	int was = ns_mem_urgent(1), ret;

	ret = relay_hold_unref_segs(pcb->unsent) == 0 &&
	    relay_hold_unref_segs(pcb->unacked) == 0 ? 0 : -1;
	ns_mem_urgent(was);
	return ret;
}
