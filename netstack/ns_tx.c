/*
 * Transmit for the packet NICs: lwIP's frames out of the AF_PACKET socket,
 * consecutive TCP segments of one connection merged into one GSO frame.
 *
 * Why: lwIP sends one MSS a frame, and every frame costs a system call
 * and a pass through the receiving kernel's stack, run on privlinkd's own
 * CPU since veth delivers in the sender's context: under bulk load that
 * was nearly all of privlinkd's time (README, Benchmarks).  A GSO frame
 * (PACKET_VNET_HDR, gso_type TCPV4) of up to 64 KiB goes through as one;
 * the kernel cuts it into MSS-sized segments only where a wire needs it.
 *
 * A data segment (ACK, maybe PSH; no SYN, FIN, RST, URG, IP options) is
 * held as the port's pending frame; the next segment of the same
 * connection that continues it (next sequence number, same ACK, window and
 * header length, no larger than the first) is appended.  Anything else
 * sends the pending frame first, in order.  ns_ports_flush() sends it at
 * the end of every round of the event loop: the ports with a pending frame
 * are on a list, so a round costs the same however many NICs there are.
 * Only the pending frame's headers are copied: the segments' payloads are
 * sent from lwIP's pbufs (a gathering sendmsg), each held by a reference
 * until then.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "lwip/pbuf.h"
#include "lwip/prot/ip.h"

#include "csum.h"
#include "netstack.h"
#include "prot/ether.h"
#include "prot/ip4.h"
#include "prot/tpacket.h"

/* Ethernet, IPv4 without options (segments with them are not merged) and
 * the longest TCP header. */
#define NS_TX_HDRS_MAX	(ETH_HDR_LEN + IP4_HDR_LEN + TCP_HDR_LEN + TCP_OPT_MAX)
/* Segments with less payload are sent as they are. */
#define NS_TX_MERGE_MIN	512

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Sends frame (len bytes, then the port's pending pieces: none but for
 * the pending frame) after a virtio_net_hdr.  A VLAN's frame gets its
 * 802.1Q tag after the MAC addresses here, and the header's offsets
 * move with it: everything before works on untagged frames. */
static err_t
ns_tx_send(struct ns_port *rp, const struct virtio_net_hdr *vh, const uint8_t *frame,
    size_t len)
{
	struct iovec iov[4 + NS_TX_PIECES_MAX];
	struct virtio_net_hdr tagged;
	uint8_t tag[VLAN_TAG_LEN];
	struct msghdr msg;
	size_t n = 0;

	if (rp->rp_txbuf == NULL) {	/* a port never opened (the fuzzer's) */
		rp->rp_stats.rs_tx_errors++;
		return ERR_IF;
	}
	if (rp->rp_vlan != 0 && len >= ETH_HDR_LEN) {
		tagged = *vh;
		if (tagged.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
			tagged.csum_start = (uint16_t)(tagged.csum_start + VLAN_TAG_LEN);
		if (tagged.hdr_len != 0)
			tagged.hdr_len = (uint16_t)(tagged.hdr_len + VLAN_TAG_LEN);
		wr16(tag, ETH_TYPE_VLAN);
		wr16(tag + 2, rp->rp_vlan);	/* priority 0 */
		iov[n].iov_base = &tagged;
		iov[n++].iov_len = sizeof(tagged);
		iov[n].iov_base = (void *)frame;
		iov[n++].iov_len = ETH_TYPE_OFF;	/* the MAC addresses */
		iov[n].iov_base = tag;
		iov[n++].iov_len = sizeof(tag);
		iov[n].iov_base = (void *)(frame + ETH_TYPE_OFF);
		iov[n++].iov_len = len - ETH_TYPE_OFF;
	} else {
		iov[n].iov_base = (void *)vh;
		iov[n++].iov_len = sizeof(*vh);
		iov[n].iov_base = (void *)frame;
		iov[n++].iov_len = len;
	}
	memcpy(iov + n, rp->rp_tx_iov, rp->rp_tx_niov * sizeof(iov[0]));
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = iov;
	msg.msg_iovlen = n + rp->rp_tx_niov;
	if (sendmsg(rp->rp_txfd, &msg, MSG_DONTWAIT) == -1) {
		/* A full device queue drops the frame, as a wire would; TCP
		 * retransmits. */
		rp->rp_stats.rs_tx_errors++;
		return ERR_IF;
	}
	rp->rp_stats.rs_tx_frames++;
	return ERR_OK;
}

/*
 * For an IPv4 TCP frame (len bytes): the pseudo-header sum in its checksum
 * field and NEEDS_CSUM in vh, so the kernel completes the checksum as a
 * NIC would (CHECKSUM_PARTIAL; lwIP leaves it 0: ns_port.c).  0, or 0
 * untouched for a frame that is not TCP; -1 for a TCP frame whose
 * checksum cannot be left to the kernel (a fragment, which lwIP never
 * makes of a segment: its MSS fits the MTU).
 */
static int
ns_tx_csum_partial(uint8_t *f, size_t len, struct virtio_net_hdr *vh)
{
	uint8_t *ip = f + ETH_HDR_LEN;
	size_t ihl, l4len;

	if (len < ETH_HDR_LEN + IP4_HDR_LEN || rd16(f + ETH_TYPE_OFF) != ETH_TYPE_IPV4 ||
	    ip[IP4_OFF_PROTO] != IP4_PROTO_TCP)
		return 0;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	if ((rd16(ip + 6) & 0x3fff) != 0 || ihl < IP4_HDR_LEN ||
	    ETH_HDR_LEN + ihl + 20 > len)
		return -1;
	l4len = len - ETH_HDR_LEN - ihl;
	wr16(ip + ihl + TCP_OFF_CSUM, ns_csum_fold(ns_csum_add(IP4_PROTO_TCP + (uint32_t)l4len,
	    ip + IP4_OFF_SRC, IP4_ADDRS_LEN)));
	vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh->csum_start = (uint16_t)(ETH_HDR_LEN + ihl);
	vh->csum_offset = TCP_OFF_CSUM;
	return 0;
}

/* Sends one frame on its own, TCP checksum left to the kernel: len bytes
 * in all, the first flat of them at f, the rest the port's pending
 * pieces. */
static err_t
ns_tx_single(struct ns_port *rp, uint8_t *f, size_t len, size_t flat)
{
	struct virtio_net_hdr vh;

	memset(&vh, 0, sizeof(vh));
	if (ns_tx_csum_partial(f, len, &vh) != 0) {
		rp->rp_stats.rs_tx_errors++;
		return ERR_VAL;
	}
	return ns_tx_send(rp, &vh, f, flat);
}

/* The ports whose pending frame has not gone yet, each at most once:
 * listed when a pending frame starts, taken off by ns_ports_flush() or
 * when the port closes (ns_tx_unlist). */
static struct ns_port *ns_tx_pending;

static void
ns_tx_list(struct ns_port *rp)
{
	if (rp->rp_tx_listed)
		return;
	rp->rp_tx_listed = 1;
	rp->rp_tx_next = ns_tx_pending;
	ns_tx_pending = rp;
}

/* Takes rp off the list, if it is there; its fields are not trusted (a
 * port about to be opened may hold anything). */
void
ns_tx_unlist(struct ns_port *rp)
{
	struct ns_port **pp;

	for (pp = &ns_tx_pending; *pp != NULL; pp = &(*pp)->rp_tx_next)
		if (*pp == rp) {
			*pp = rp->rp_tx_next;
			rp->rp_tx_next = NULL;
			rp->rp_tx_listed = 0;
			return;
		}
}

/* Sends every port's pending frame. */
void
ns_ports_flush(void)
{
	while (ns_tx_pending != NULL) {
		struct ns_port *rp = ns_tx_pending;

		ns_tx_pending = rp->rp_tx_next;
		rp->rp_tx_next = NULL;
		rp->rp_tx_listed = 0;
		ns_port_flush(rp);
	}
}

/* Sends the pending frame, as a GSO frame if it holds several segments. */
void
ns_port_flush(struct ns_port *rp)
{
	struct virtio_net_hdr vh;
	uint8_t *f, *ip, *th;

	if (rp->rp_tx_len == 0)	/* also a port without a buffer (the fuzzer's) */
		return;
	f = rp->rp_txbuf;
	ip = f + ETH_HDR_LEN;
	th = ip + IP4_HDR_LEN;
	if (rp->rp_tx_segs > 1) {
		memset(&vh, 0, sizeof(vh));
		/* The merged IP header: its length and checksum anew. */
		wr16(ip + 2, (uint16_t)(rp->rp_tx_len - ETH_HDR_LEN));
		wr16(ip + 10, 0);
		wr16(ip + IP4_OFF_CSUM, (uint16_t)~ns_csum_fold(ns_csum_add(0, ip, IP4_HDR_LEN)));
		/* The kernel completes the TCP checksum of each segment (the
		 * frame is a mergeable TCP one: this cannot fail). */
		ns_tx_csum_partial(f, rp->rp_tx_len, &vh);
		vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
		vh.hdr_len = (uint16_t)(ETH_HDR_LEN + IP4_HDR_LEN + (th[12] >> 4) * 4);
		vh.gso_size = rp->rp_tx_mss;
		rp->rp_stats.rs_tx_gso_frames++;
		ns_tx_send(rp, &vh, f, rp->rp_tx_flat);
	} else {
		ns_tx_single(rp, f, rp->rp_tx_len, rp->rp_tx_flat);
	}
	for (unsigned int i = 0; i < rp->rp_tx_nheld; i++)
		pbuf_free(rp->rp_tx_held[i]);
	rp->rp_tx_nheld = rp->rp_tx_niov = 0;
	rp->rp_tx_len = rp->rp_tx_flat = 0;
	rp->rp_tx_segs = 0;
}

/*
 * Adds p's bytes from offset off on to the pending frame as pieces in
 * p's own memory, p held by a reference until the frame is sent: one copy
 * of every byte fewer.  lwIP never changes a sent segment's payload (a
 * retransmission rewrites only the headers in front of it) but may free
 * the segment first, when it is acknowledged or its connection reset.
 * Only where every pbuf holds its own data (never so for PBUF_REF or
 * PBUF_ROM: memory of their creator's).  0, or -1 (nothing added).
 */
static int
ns_tx_add_pieces(struct ns_port *rp, struct pbuf *p, size_t off)
{
	unsigned int n = rp->rp_tx_niov;
	struct pbuf *q;
	size_t o = off;

	if (rp->rp_tx_nheld == NS_TX_PIECES_MAX)
		return -1;
	for (q = p; q != NULL; q = q->next) {
		if (PBUF_NEEDS_COPY(q) || q->type_internal == (u8_t)PBUF_ROM)
			return -1;
		if (o >= q->len) {
			o -= q->len;
			continue;
		}
		if (n == NS_TX_PIECES_MAX)
			return -1;
		n++;
		o = 0;
	}
	for (q = p, o = off; q != NULL; q = q->next) {
		if (o >= q->len) {
			o -= q->len;
			continue;
		}
		rp->rp_tx_iov[rp->rp_tx_niov].iov_base = (uint8_t *)q->payload + o;
		rp->rp_tx_iov[rp->rp_tx_niov].iov_len = q->len - o;
		rp->rp_tx_niov++;
		o = 0;
	}
	pbuf_ref(p);
	rp->rp_tx_held[rp->rp_tx_nheld++] = p;
	return 0;
}

/* The payload length of frame if it is a TCP data segment that may be
 * merged, else 0. */
static size_t
ns_tx_mergeable(const uint8_t *f, size_t len)
{
	const uint8_t *ip = f + ETH_HDR_LEN, *th = ip + IP4_HDR_LEN;
	size_t thl;

	if (len < ETH_HDR_LEN + IP4_HDR_LEN + 20 || rd16(f + ETH_TYPE_OFF) != ETH_TYPE_IPV4 ||
	    ip[0] != IP4_VHL_PLAIN || ip[IP4_OFF_PROTO] != IP4_PROTO_TCP ||
	    (rd16(ip + 6) & 0x3fff) != 0 || rd16(ip + 2) != len - ETH_HDR_LEN)
		return 0;
	thl = (size_t)(th[12] >> 4) * 4;
	if (thl < 20 || ETH_HDR_LEN + IP4_HDR_LEN + thl >= len)
		return 0;
	if ((th[13] & (TCP_FLAG_FIN | TCP_FLAG_SYN | TCP_FLAG_RST | TCP_FLAG_URG)) != 0 ||
	    (th[13] & TCP_FLAG_ACK) == 0 || (th[13] & 0xc0) != 0)	/* no ECN */
		return 0;
	/* Small segments (interactive traffic, window probes) gain nothing. */
	if (len - ETH_HDR_LEN - IP4_HDR_LEN - thl < NS_TX_MERGE_MIN)
		return 0;
	return len - ETH_HDR_LEN - IP4_HDR_LEN - thl;
}

/* Whether segment f (payload plen) continues the pending frame. */
static int
ns_tx_continues(const struct ns_port *rp, const uint8_t *f, size_t len, size_t plen)
{
	const uint8_t *p = rp->rp_txbuf;
	const uint8_t *pip = p + ETH_HDR_LEN, *pth = pip + IP4_HDR_LEN;
	const uint8_t *ip = f + ETH_HDR_LEN, *th = ip + IP4_HDR_LEN;
	size_t hdrs = ETH_HDR_LEN + IP4_HDR_LEN + (size_t)(th[12] >> 4) * 4;
	size_t pending_payload = rp->rp_tx_len - hdrs;

	return rp->rp_tx_len > 0 &&
	    rp->rp_tx_len + plen <= NS_TX_GSO_MAX &&
	    plen <= rp->rp_tx_mss && rp->rp_tx_last == rp->rp_tx_mss &&
	    memcmp(f, p, 12) == 0 &&			/* MAC addresses */
	    memcmp(ip + 12, pip + 12, 8) == 0 &&	/* IP addresses */
	    memcmp(th, pth, 4) == 0 &&			/* ports */
	    th[12] == pth[12] &&			/* header length */
	    rd32(th + 4) == rd32(pth + 4) + (uint32_t)pending_payload &&
	    memcmp(th + 8, pth + 8, 4) == 0 &&		/* ACK number */
	    memcmp(th + 14, pth + 14, 2) == 0 &&	/* window */
	    memcmp(th + 20, pth + 20, hdrs - ETH_HDR_LEN - IP4_HDR_LEN - 20) == 0 &&
	    len > hdrs;
}

/* Segment p (len bytes, its payload the last plen) joins the pending
 * frame it continues: as pieces, or copied while the frame has none (its
 * bytes stay in order).  1, or 0 when it cannot. */
static int
ns_tx_join(struct ns_port *rp, struct pbuf *p, size_t len, size_t plen)
{
	if (ns_tx_add_pieces(rp, p, len - plen) == 0)
		return 1;
	if (rp->rp_tx_niov != 0)
		return 0;
	pbuf_copy_partial(p, rp->rp_txbuf + rp->rp_tx_flat, (u16_t)plen, (u16_t)(len - plen));
	rp->rp_tx_flat += plen;
	return 1;
}

/*
 * lwIP's linkoutput: one frame out, maybe merged with the next ones; lwIP
 * keeps the pbuf.  Only the headers are looked at in a copy: a data
 * segment's payload is sent from the pbuf itself, held until the pending
 * frame goes (ns_tx_add_pieces), else copied into the pending frame.
 */
err_t
ns_tx_output(struct netif *netif, struct pbuf *p)
{
	struct ns_port *rp = netif->state;
	uint8_t hdr[NS_TX_HDRS_MAX], flat[NS_TX_FRAME_MAX];
	size_t len = p->tot_len, plen;

	if (len > sizeof(flat)) {
		rp->rp_stats.rs_tx_errors++;
		return ERR_BUF;
	}
	/* ns_tx_mergeable() and ns_tx_continues() read no further than
	 * a maximal TCP header: past it only when the frame is longer. */
	pbuf_copy_partial(p, hdr, (u16_t)(len < sizeof(hdr) ? len : sizeof(hdr)), 0);
	if (len >= ETH_HDR_LEN + IP4_HDR_LEN && hdr[12] == 0x08 && hdr[13] == 0x00 &&
	    hdr[ETH_HDR_LEN + 9] == IP_PROTO_ICMP && ns_icmp_allow(rp) != 0)
		return ERR_OK;		/* over the rate: not sent, counted */
	plen = rp->rp_txbuf != NULL ? ns_tx_mergeable(hdr, len) : 0;
	if (plen > 0 && ns_tx_continues(rp, hdr, len, plen) && ns_tx_join(rp, p, len, plen)) {
		rp->rp_tx_len += plen;
		rp->rp_tx_segs++;
		rp->rp_tx_last = (uint16_t)plen;
		/* PSH belongs on the last segment: GSO puts it there. */
		rp->rp_txbuf[ETH_HDR_LEN + IP4_HDR_LEN + 13] |= hdr[ETH_HDR_LEN + IP4_HDR_LEN + 13];
		return ERR_OK;
	}
	ns_port_flush(rp);
	if (plen > 0) {
		/* The headers copied (the merge rewrites them), the payload
		 * in place if it can be. */
		rp->rp_tx_flat = ns_tx_add_pieces(rp, p, len - plen) == 0 ? len - plen : len;
		pbuf_copy_partial(p, rp->rp_txbuf, (u16_t)rp->rp_tx_flat, 0);
		rp->rp_tx_len = len;
		rp->rp_tx_segs = 1;
		ns_tx_list(rp);
		rp->rp_tx_mss = (uint16_t)plen;
		rp->rp_tx_last = (uint16_t)plen;
		return ERR_OK;
	}
	pbuf_copy_partial(p, flat, (u16_t)len, 0);
	return ns_tx_single(rp, flat, len, len);
}
