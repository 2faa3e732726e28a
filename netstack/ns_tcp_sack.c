/*
 * Loss recovery from the peer's SACKs, for lwIP's sender.
 *
 * lwIP sends SACKs (LWIP_TCP_SACK_OUT) but its sender ignores those it
 * gets: after a fast retransmit of the first hole it leaves recovery at
 * the next ACK, so every further hole of the window waits for a
 * retransmission timeout, and each timeout resends the whole window.  On
 * a consumer link losing 1 % of its frames a download through the
 * appliance fell to a fiftieth of Linux's.
 *
 * Here, after lwIP has taken an ACK carrying SACK blocks (RFC 2018), the
 * segments lwIP still holds unacknowledged that the blocks show lost are
 * sent again at once, as RFC 6675 does: a segment is lost when at least
 * three segments' worth of data above it has been SACKed (DupThresh).
 * The first such ACK starts a recovery like lwIP's own fast retransmit
 * (ssthresh 0.7 of the data in flight, cwnd ssthresh, lwIP's TF_INFR set
 * so its duplicate ACKs only inflate cwnd), which lasts until everything
 * sent before it is acknowledged; each lost segment is sent once in it, then
 * only lwIP's retransmission timeout sends it again.  The segments are
 * moved from lwIP's unacked list to its unsent list in sequence order, as
 * lwIP's own tcp_rexmit moves the first, and lwIP's tcp_output sends them
 * within a window stretched to reach them: they replace data that left
 * the network, so new data still waits for cwnd.
 */
#include <string.h>

#include "lwip/def.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"

#include "netstack.h"
#include "ns_tcp_opts.h"

/* SACK blocks kept per connection: the four an option holds at most. */
#define NS_SACK_BLOCKS		4
/* RFC 6675's DupThresh, in segments of SACKed data above a hole. */
#define NS_SACK_DUPTHRESH	3
/* Times a hole may be sent in one recovery: a peer that SACKs what comes
 * after and never the holes gets each of them this often, then only at
 * retransmission timeouts (its blocks cannot make the appliance resend a
 * window for every few segments of new data). */
#define NS_SACK_MAX_SENDS	3

struct ns_sack {
	struct tcp_pcb	*sk_pcb;
	u32_t		sk_left[NS_SACK_BLOCKS];	/* [left, right): SACKed */
	u32_t		sk_right[NS_SACK_BLOCKS];
	u8_t		sk_n;
	u8_t		sk_recovering;
	u32_t		sk_recover;	/* snd_nxt when the recovery began */
	u32_t		sk_high_rxt;	/* sent again below this in it */
	u32_t		sk_rxt_mark;	/* snd_nxt when the last was sent again */
	u8_t		sk_rounds;	/* holes sent again in it, rounds */
};

static u8_t ns_sack_id = LWIP_TCP_PCB_NUM_EXT_ARG_ID_INVALID;
/* The connection whose input carried SACK blocks, until after lwIP. */
static struct tcp_pcb *ns_sack_pending;
static uint64_t ns_sack_rexmits, ns_sack_recoveries;

/* lwIP frees the pcb: its state goes, and nothing pending may point at
 * it (an input may end a connection whose ACK carried blocks). */
static void
ns_sack_destroyed(u8_t id, void *data)
{
	struct ns_sack *sk = data;

	LWIP_UNUSED_ARG(id);
	if (sk == NULL)
		return;
	if (ns_sack_pending == sk->sk_pcb)
		ns_sack_pending = NULL;
	ns_mem_free(sk);
}

static const struct tcp_ext_arg_callbacks ns_sack_callbacks = {
	.destroy = ns_sack_destroyed,
	.passive_open = NULL,
};

void
ns_tcp_sack_init(void)
{
	ns_sack_id = tcp_ext_arg_alloc_id();
}

void
ns_tcp_sack_stats(uint64_t *rexmits, uint64_t *recoveries)
{
	*rexmits = ns_sack_rexmits;
	*recoveries = ns_sack_recoveries;
}

/* Adds [l, r) to sk's blocks, merging what it overlaps or touches; the
 * oldest is dropped when all are taken. */
static void
ns_sack_add(struct ns_sack *sk, u32_t l, u32_t r)
{
	for (int i = 0; i < sk->sk_n;) {
		if (TCP_SEQ_LEQ(l, sk->sk_right[i]) && TCP_SEQ_LEQ(sk->sk_left[i], r)) {
			if (TCP_SEQ_LT(sk->sk_left[i], l))
				l = sk->sk_left[i];
			if (TCP_SEQ_GT(sk->sk_right[i], r))
				r = sk->sk_right[i];
			sk->sk_n--;
			sk->sk_left[i] = sk->sk_left[sk->sk_n];
			sk->sk_right[i] = sk->sk_right[sk->sk_n];
			continue;
		}
		i++;
	}
	if (sk->sk_n == NS_SACK_BLOCKS) {
		memmove(sk->sk_left, sk->sk_left + 1, sizeof(sk->sk_left[0]) * (NS_SACK_BLOCKS - 1));
		memmove(sk->sk_right, sk->sk_right + 1, sizeof(sk->sk_right[0]) * (NS_SACK_BLOCKS - 1));
		sk->sk_n--;
	}
	sk->sk_left[sk->sk_n] = l;
	sk->sk_right[sk->sk_n] = r;
	sk->sk_n++;
}

/*
 * Before lwIP: an ACK with SACK blocks for data pcb has in flight.  The
 * blocks are checked against what was sent (a block outside
 * [lastack, snd_nxt) is ignored: a peer cannot make the appliance resend
 * what it never sent, nor more than it holds).
 */
void
ns_tcp_sack_input(struct tcp_pcb *pcb, const struct tcp_hdr *hdr, u16_t optlen, u16_t opt1len,
    const u8_t *opt2)
{
	u8_t body[8 * NS_SACK_BLOCKS];
	struct ns_sack *sk;
	int len, any = 0;

	if (ns_sack_id == LWIP_TCP_PCB_NUM_EXT_ARG_ID_INVALID || !(pcb->flags & TF_SACK) ||
	    pcb->unacked == NULL || optlen == 0)
		return;
	len = ns_tcp_opt_get(hdr, optlen, opt1len, opt2, NS_TCP_OPT_SACK, body, sizeof(body));
	if (len < 8 || len % 8 != 0)
		return;
	if ((sk = tcp_ext_arg_get(pcb, ns_sack_id)) == NULL) {
		if ((sk = ns_mem_calloc(1, sizeof(*sk))) == NULL)
			return;
		sk->sk_pcb = pcb;
		tcp_ext_arg_set_callbacks(pcb, ns_sack_id, &ns_sack_callbacks);
		tcp_ext_arg_set(pcb, ns_sack_id, sk);
	}
	for (int i = 0; i < len / 8 && i < NS_SACK_BLOCKS; i++) {
		const u8_t *b = body + 8 * i;
		u32_t l = (u32_t)b[0] << 24 | (u32_t)b[1] << 16 | (u32_t)b[2] << 8 | b[3];
		u32_t r = (u32_t)b[4] << 24 | (u32_t)b[5] << 16 | (u32_t)b[6] << 8 | b[7];

		if (!TCP_SEQ_LT(l, r) || TCP_SEQ_LT(l, pcb->lastack) || TCP_SEQ_GT(r, pcb->snd_nxt))
			continue;
		ns_sack_add(sk, l, r);
		any = 1;
	}
	if (any)
		ns_sack_pending = pcb;
}

/* Whether [s, e) lies within one block. */
static int
ns_sack_covered(const struct ns_sack *sk, u32_t s, u32_t e)
{
	for (int i = 0; i < sk->sk_n; i++)
		if (TCP_SEQ_LEQ(sk->sk_left[i], s) && TCP_SEQ_LEQ(e, sk->sk_right[i]))
			return 1;
	return 0;
}

/* SACKed bytes above seq. */
static u32_t
ns_sack_above(const struct ns_sack *sk, u32_t seq)
{
	u32_t n = 0;

	for (int i = 0; i < sk->sk_n; i++)
		if (TCP_SEQ_GT(sk->sk_right[i], seq))
			n += sk->sk_right[i] - (TCP_SEQ_GT(sk->sk_left[i], seq) ? sk->sk_left[i] : seq);
	return n;
}

/* Drops what the cumulative ACK covers. */
static void
ns_sack_trim(struct ns_sack *sk, u32_t lastack)
{
	for (int i = 0; i < sk->sk_n;) {
		if (TCP_SEQ_LEQ(sk->sk_right[i], lastack)) {
			sk->sk_n--;
			sk->sk_left[i] = sk->sk_left[sk->sk_n];
			sk->sk_right[i] = sk->sk_right[sk->sk_n];
			continue;
		}
		if (TCP_SEQ_LT(sk->sk_left[i], lastack))
			sk->sk_left[i] = lastack;
		i++;
	}
}

/* Moves seg (at *link in pcb's unacked list) to its place in unsent. */
static void
ns_sack_requeue(struct tcp_pcb *pcb, struct tcp_seg **link, struct tcp_seg *seg)
{
	struct tcp_seg **at = &pcb->unsent;
	u32_t seq = lwip_ntohl(seg->tcphdr->seqno);

	*link = seg->next;
	while (*at != NULL && TCP_SEQ_LT(lwip_ntohl((*at)->tcphdr->seqno), seq))
		at = &(*at)->next;
	seg->next = *at;
	*at = seg;
#if TCP_OVERSIZE
	/* Last in unsent: tcp_write must not fill its room with new data. */
	if (seg->next == NULL)
		pcb->unsent_oversize = 0;
#endif
}

/*
 * A recovery begins: what was sent so far must be acknowledged to end it.
 * The window goes to 0.7 of the data in flight, as CUBIC's (RFC 9438)
 * rather than Reno's half: the consumer links this is for lose frames at
 * random, not from congestion, and a halving at every loss kept a 1 %
 * lossy download at a tenth of Linux's.
 */
static void
ns_sack_begin(struct tcp_pcb *pcb, struct ns_sack *sk)
{
	u32_t flight = pcb->snd_nxt - pcb->lastack;

	sk->sk_recovering = 1;
	sk->sk_recover = pcb->snd_nxt;
	sk->sk_rounds = 1;
	pcb->ssthresh = (tcpwnd_size_t)LWIP_MAX(flight / 10 * 7, 2u * pcb->mss);
	pcb->cwnd = pcb->ssthresh;
	ns_sack_recoveries++;
}

/* After lwIP took the input: the pending connection's lost segments are
 * sent again. */
void
ns_tcp_sack_after_input(void)
{
	struct tcp_pcb *pcb = ns_sack_pending;
	struct ns_sack *sk;
	struct tcp_seg **link, *seg;
	u32_t lastack, thresh, high = 0;
	unsigned int moved = 0;

	ns_sack_pending = NULL;
	if (pcb == NULL || (sk = tcp_ext_arg_get(pcb, ns_sack_id)) == NULL)
		return;
	lastack = pcb->lastack;
	ns_sack_trim(sk, lastack);
	if (sk->sk_recovering && !TCP_SEQ_LT(lastack, sk->sk_recover))
		sk->sk_recovering = 0;
	if (sk->sk_n == 0 || pcb->unacked == NULL || pcb->state < ESTABLISHED ||
	    pcb->state == TIME_WAIT)
		return;
	/* lwIP's own fast retransmit just sent the first hole again: the
	 * recovery is ours from here, with ours the window it leaves. */
	if (!sk->sk_recovering && (pcb->flags & TF_INFR)) {
		ns_sack_begin(pcb, sk);
		sk->sk_high_rxt = lastack + pcb->mss;
		sk->sk_rxt_mark = pcb->snd_nxt;
	}
	/* Early retransmit (RFC 5827): with fewer than DupThresh + 1
	 * segments in flight, that many more could never be SACKed. */
	{
		unsigned int segs = 0;

		for (seg = pcb->unacked; seg != NULL && segs <= NS_SACK_DUPTHRESH; seg = seg->next)
			segs++;
		thresh = (u32_t)(segs <= NS_SACK_DUPTHRESH ? (segs > 1 ? segs - 1 : 1) :
		    NS_SACK_DUPTHRESH) * pcb->mss;
	}
	/* A segment sent again can be lost again: when DupThresh of data
	 * sent after it is SACKed and it is not, it goes once more (as RACK,
	 * RFC 8985, would see by time). */
	if (sk->sk_recovering && sk->sk_rounds < NS_SACK_MAX_SENDS &&
	    ns_sack_above(sk, sk->sk_rxt_mark) >= thresh && TCP_SEQ_LT(lastack, sk->sk_high_rxt)) {
		sk->sk_high_rxt = lastack;
		sk->sk_rxt_mark = pcb->snd_nxt;
		sk->sk_rounds++;
	}
	for (link = &pcb->unacked; (seg = *link) != NULL;) {
		u32_t s = lwip_ntohl(seg->tcphdr->seqno), e = s + TCP_TCPLEN(seg);

		if (ns_sack_above(sk, e) < thresh)
			break;		/* nor is any later one lost */
		if (ns_sack_covered(sk, s, e) || TCP_SEQ_LEQ(e, lastack) ||
		    (sk->sk_recovering && TCP_SEQ_LT(s, sk->sk_high_rxt)) || seg->p->ref != 1) {
			link = &seg->next;
			continue;
		}
		ns_sack_requeue(pcb, link, seg);
		high = e;
		moved++;
	}
	if (moved == 0) {
		/* lwIP ends its recovery at any new ACK: within ours, its
		 * duplicate ACKs must not start another with another cut. */
		if (sk->sk_recovering)
			tcp_set_flags(pcb, TF_INFR);
		return;
	}
	if (!sk->sk_recovering)
		ns_sack_begin(pcb, sk);
	tcp_set_flags(pcb, TF_INFR);
	sk->sk_high_rxt = high;
	sk->sk_rxt_mark = pcb->snd_nxt;
	/* No RTT sample from data sent twice (Karn); the retransmission
	 * timer starts again with the retransmission (RFC 6298, 5.3). */
	pcb->rttest = 0;
	pcb->rtime = 0;
	ns_sack_rexmits += moved;
	{
		tcpwnd_size_t cwnd = pcb->cwnd;

		if (TCP_SEQ_GT(lastack + cwnd, high) == 0)
			pcb->cwnd = (tcpwnd_size_t)(high - lastack);
		tcp_output(pcb);
		pcb->cwnd = cwnd;
	}
}
