/*
 * SYN cookies in lwIP: while a listener's queue of half-open connections
 * is full (ns_tcp_input.c), its SYNs are answered with a SYN-ACK whose
 * sequence number is a cookie (ns_syncookie.c) and nothing is kept; an
 * ACK to the listener that carries a valid cookie becomes the connection
 * the SYN would have made: a SYN_RCVD pcb set up as lwIP's
 * tcp_listen_input() does, and the segment is handed to lwIP again (the
 * packet driver re-inputs it), which completes the handshake on it and
 * tells the application as for any other.
 *
 * So legitimate clients still connect while a flood fills the queue.
 * What a cookie cannot carry is lost for that connection: SYN options
 * other than MSS (rounded down to a table of 8) and window scale, none
 * of which lwIP uses here, and the SYN's own window (the ACK's is taken).
 * Cookies are checked only within NS_TCP_COOKIE_AFTER_S of a listener
 * sending one, as Linux and FreeBSD do: otherwise an ACK to a listener is
 * reset, as lwIP does.
 *
 * A cookie goes to a neighbour on the NIC's subnet only if its address is
 * in the ARP table already: a real client asked for the endpoint's MAC
 * before its SYN (lwIP then learns the client's), a spoofed source did
 * not, and answering each would fill the ARP table with the flood's
 * addresses, evicting the real clients' (their frames then wait for ARP
 * again or are dropped).  Off the subnet, replies go to the gateway.
 */
#include <string.h>
#include <time.h>

#include "lwip/inet_chksum.h"
#include "lwip/ip.h"
#include "lwip/ip4.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/prot/tcp.h"
#include "lwip/tcp.h"

#include "netstack.h"
#include "ns_arp.h"
#include "netstack_hooks.h"
#include "ns_syncookie.h"
#include "ns_tcp_opts.h"

/* A cookie's clock period: valid in its own and the next, 16 to 32 s. */
#define NS_TCP_COOKIE_PERIOD_S	16
/* How long after the last cookie sent an ACK is checked for one. */
#define NS_TCP_COOKIE_AFTER_S	(2 * NS_TCP_COOKIE_PERIOD_S)
/* Option bodies (RFC 9293, RFC 7323). */
#define NS_TCP_OPT_MSS_LEN	2
#define NS_TCP_OPT_WS_LEN	1

static uint8_t ns_cookie_key[NS_SYNCOOKIE_KEY_LEN];
static int ns_cookie_keyed;	/* 1: keyed, -1: the random source failed */
static uint64_t ns_cookie_last_sent_s;
static uint64_t ns_cookie_sent, ns_cookie_accepted, ns_cookie_rejected, ns_cookie_not_sent;

void
ns_tcp_cookie_stats(struct ns_syn_stats *st)
{
	st->ss_cookies_sent = ns_cookie_sent;
	st->ss_cookies_accepted = ns_cookie_accepted;
	st->ss_cookies_rejected = ns_cookie_rejected;
	st->ss_no_cookie = ns_cookie_not_sent;
}

/* Whether a reply to the current input's source has a MAC to go to
 * without asking ARP for a new neighbour. */
static int
ns_cookie_neighbour_known(struct netif *netif)
{
	const ip4_addr_t *src = ip4_current_src_addr();
	struct ns_port *rp = netif->state;
	const struct ns_arp_entry *e;

	if (!ip4_addr_net_eq(src, netif_ip4_addr(netif), netif_ip4_netmask(netif)))
		return 1;
	/* The NIC's own table (ns_arp.c): a real client asked for our
	 * address before its SYN, so it is there; a spoofed source is not. */
	e = ns_arp_cache_find(&rp->rp_arp, ip4_addr_get_u32(src));
	return e != NULL && (e->ae_state == NS_ARP_LEARNED || e->ae_state == NS_ARP_STABLE);
}

static uint64_t
ns_cookie_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

static int
ns_cookie_key_ready(void)
{
	if (ns_cookie_keyed == 0)
		ns_cookie_keyed = ns_rand_bytes(ns_cookie_key, sizeof(ns_cookie_key)) == 0 ? 1 : -1;
	return ns_cookie_keyed == 1;
}

/* The segment's connection, as a cookie names it. */
static void
ns_cookie_flow(struct ns_syncookie_flow *f, const struct tcp_hdr *hdr, uint32_t isn)
{
	f->sf_saddr = ip4_addr_get_u32(ip4_current_src_addr());
	f->sf_daddr = ip4_addr_get_u32(ip4_current_dest_addr());
	f->sf_sport = hdr->src;
	f->sf_dport = hdr->dest;
	f->sf_isn = isn;
}

/* The SYN's MSS (0: none) and window scale (NS_SYNCOOKIE_WS_NONE: none). */
static void
ns_cookie_parse_opts(const struct tcp_hdr *hdr, u16_t optlen, u16_t opt1len, const u8_t *opt2,
    u16_t *mss, unsigned int *ws)
{
	u8_t b[2];

	*mss = 0;
	*ws = NS_SYNCOOKIE_WS_NONE;
	if (ns_tcp_opt_get(hdr, optlen, opt1len, opt2, NS_TCP_OPT_MSS, b, sizeof(b)) ==
	    NS_TCP_OPT_MSS_LEN)
		*mss = (u16_t)(b[0] << 8 | b[1]);
	if (ns_tcp_opt_get(hdr, optlen, opt1len, opt2, NS_TCP_OPT_WS, b, 1) == NS_TCP_OPT_WS_LEN)
		*ws = b[0];
}

/* Our MSS toward the peer on netif: lwIP's own choice, TCP_MSS within
 * the MTU. */
static u16_t
ns_cookie_our_mss(const struct netif *netif)
{
	u16_t mss = TCP_MSS;

	if (netif->mtu != 0 && netif->mtu - IP_HLEN - TCP_HLEN < mss)
		mss = (u16_t)(netif->mtu - IP_HLEN - TCP_HLEN);
	return mss;
}

err_t
ns_tcp_cookie_syn(const struct tcp_hdr *hdr, u16_t optlen, u16_t opt1len, const u8_t *opt2)
{
	struct netif *netif = ip_current_input_netif();
	struct ns_syncookie_flow f;
	struct tcp_hdr *out;
	struct pbuf *p;
	u32_t *opts;
	u16_t mss;
	unsigned int ws;
	uint64_t now;
	u8_t olen;

	ns_cookie_not_sent++;	/* until it is */
	if (netif == NULL || !ns_cookie_key_ready() || !ns_cookie_neighbour_known(netif))
		return ERR_ABRT;
	ns_cookie_parse_opts(hdr, optlen, opt1len, opt2, &mss, &ws);
	if (mss != 0 && mss < ns_syncookie_mss(0))
		return ERR_ABRT;	/* no cookie carries it */
	olen = ws == NS_SYNCOOKIE_WS_NONE ? 4 : 8;
	if ((p = pbuf_alloc(PBUF_IP, (u16_t)(TCP_HLEN + olen), PBUF_RAM)) == NULL)
		return ERR_ABRT;
	ns_cookie_not_sent--;
	now = ns_cookie_now_s();
	ns_cookie_flow(&f, hdr, hdr->seqno);
	out = p->payload;
	out->src = lwip_htons(hdr->dest);
	out->dest = lwip_htons(hdr->src);
	out->seqno = lwip_htonl(ns_syncookie_make(ns_cookie_key, &f, now / NS_TCP_COOKIE_PERIOD_S,
	    mss, ws));
	out->ackno = lwip_htonl(hdr->seqno + 1);
	TCPH_HDRLEN_FLAGS_SET(out, (TCP_HLEN + olen) / 4, TCP_SYN | TCP_ACK);
	/* A SYN's window is never scaled (RFC 7323, 2.2). */
	out->wnd = lwip_htons(TCPWND_MIN16(TCP_WND));
	out->chksum = 0;
	out->urgp = 0;
	opts = (u32_t *)(void *)(out + 1);
	opts[0] = lwip_htonl(0x02040000u | ns_cookie_our_mss(netif));
	if (ws != NS_SYNCOOKIE_WS_NONE)
		opts[1] = lwip_htonl(0x01030300u | TCP_RCV_SCALE);	/* NOP, WS */
#if CHECKSUM_GEN_TCP
	IF__NETIF_CHECKSUM_ENABLED(netif, NETIF_CHECKSUM_GEN_TCP) {
		out->chksum = ip_chksum_pseudo(p, IP_PROTO_TCP, p->tot_len,
		    ip_current_dest_addr(), ip_current_src_addr());
	}
#endif
	ip_output_if(p, ip_current_dest_addr(), ip_current_src_addr(), TCP_TTL, 0, IP_PROTO_TCP,
	    netif);
	pbuf_free(p);
	ns_cookie_sent++;
	ns_cookie_last_sent_s = now;
	return ERR_ABRT;	/* lwIP drops the SYN */
}

int
ns_tcp_cookie_ack(struct tcp_pcb_listen *lpcb, const struct tcp_hdr *hdr)
{
	struct ns_syncookie_flow f;
	struct tcp_pcb *npcb;
	uint64_t now;
	u32_t iss;
	u16_t mss;
	unsigned int ws;
	int urgent;

	if (ns_cookie_sent == 0 || ns_cookie_keyed != 1)
		return 0;
	now = ns_cookie_now_s();
	if (now - ns_cookie_last_sent_s > NS_TCP_COOKIE_AFTER_S)
		return 0;
	iss = hdr->ackno - 1;
	ns_cookie_flow(&f, hdr, hdr->seqno - 1);
	if (!ns_syncookie_check(ns_cookie_key, &f, now / NS_TCP_COOKIE_PERIOD_S, iss, &mss, &ws)) {
		ns_cookie_rejected++;
		return 0;
	}
	/* Over the address's new-connection rate: dropped, as its SYN would
	 * have been; the client sends the ACK again. */
	if (!ns_syn_admit_cookie())
		return 1;
	/* A new connection: never from the heap's reserve, though the ACK
	 * carries no payload. */
	urgent = ns_mem_urgent(0);
	npcb = tcp_alloc(lpcb->prio);
	ns_mem_urgent(urgent);
	if (npcb == NULL)
		return 0;	/* lwIP resets it; the client tries again */
	/* As tcp_listen_input(), but not counted in the listener's queue
	 * (no TF_BACKLOGPEND): the handshake completes on re-input. */
	ip_addr_copy(npcb->local_ip, *ip_current_dest_addr());
	ip_addr_copy(npcb->remote_ip, *ip_current_src_addr());
	npcb->local_port = lpcb->local_port;
	npcb->remote_port = hdr->src;
	npcb->state = SYN_RCVD;
	npcb->rcv_nxt = hdr->seqno;
	npcb->rcv_ann_right_edge = npcb->rcv_nxt;
	/* The SYN-ACK was sent: iss is acknowledged by this very ACK. */
	npcb->lastack = iss;
	npcb->snd_wl2 = iss;
	npcb->snd_nxt = iss + 1;
	npcb->snd_lbb = iss + 1;
	npcb->snd_wl1 = hdr->seqno - 2;	/* before the ACK's: its window is taken */
	npcb->callback_arg = lpcb->callback_arg;
	npcb->listener = lpcb;
	npcb->so_options = lpcb->so_options & SOF_INHERITED;
	npcb->netif_idx = lpcb->netif_idx;
	if (ws != NS_SYNCOOKIE_WS_NONE) {
		tcp_set_flags(npcb, TF_WND_SCALE);
		npcb->snd_scale = (u8_t)ws;
		npcb->rcv_scale = TCP_RCV_SCALE;
		npcb->rcv_wnd = npcb->rcv_ann_wnd = TCP_WND;
	}
	npcb->snd_wnd = SND_WND_SCALE(npcb, hdr->wnd);
	npcb->snd_wnd_max = npcb->snd_wnd;
	npcb->mss = tcp_eff_send_mss(mss, &npcb->local_ip, &npcb->remote_ip);
	TCP_REG_ACTIVE(npcb);
	ns_cookie_accepted++;
	ns_tcp_reinput();
	return 1;
}
