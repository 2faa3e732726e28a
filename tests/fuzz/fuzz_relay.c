/*
 * libFuzzer harness for the relay: the appliance's whole data path (the
 * packet driver's receive and transmit, lwIP, firmware/proxy/relay.c, NAT, the
 * PROXY v2 header) between a consumer and a backend the harness plays.
 *
 * Setup per input, from a fixed drop parsed by config/ as privlinkd does:
 * one consumer NIC, one provider NIC (MTU 9000, so segments span several
 * pool pbufs and the transmit path merges GSO frames), one Approved
 * endpoint, one pool with one backend that is up (no probe).  The NICs'
 * sending sockets are socketpairs: the harness reads every frame the
 * appliance sends, answers ARP, and plays both peers from it.  Time is
 * the harness's (fuzz_platform.c), so lwIP's timers, retransmissions,
 * keepalives and idle expiry run when the input says.
 *
 * The input is a list of operations (h_op): open a consumer connection
 * (the harness completes the handshake from the SYN-ACK it captures),
 * consumer segments at fuzz-chosen sequence offsets (overlapping,
 * reordered, duplicated, past the window) of up to 64 KiB, ACKs and window
 * updates, RST, FIN, the backend's policy (answer or refuse the SYN, ACK
 * or stall, its window) and its own segments, time passing.
 *
 * Beyond the sanitizers, what must hold (else abort, a finding):
 * - every frame leaves a NIC from an address of that NIC;
 * - the bytes a backend reads after the PROXY v2 header are the
 *   consumer's, in order, and the bytes a consumer reads the backend's
 *   (payloads are a pattern of the sequence number; see h_pattern);
 * - after teardown lwIP's heap holds what it held before the input.
 * A stuck loop is caught by libFuzzer's -timeout.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lwip/ip4_frag.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"

#include "cfg.h"
#include "health.h"
#include "loop.h"
#include "nat.h"
#include "relay.h"
#include "nic.h"
#include "rt.h"

#include "fuzz_platform.h"
#include "fuzz_wire.h"
#include "netstack.h"
#include "prot/ppv2.h"
#include "prot/tpacket.h"

/* NIC i's port, as nic.c holds it. */
#define H_PORT(i)	(&lp.lp_cfg->nics[(i)].nic_rt->nr_port)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The drop: the same as an operator's, in one file. */
static const char h_drop[] =
    "[appliance]\n"
    "secret = 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n"
    "memory_limit = 8M\n"
    "[nic c0]\n"
    "interface = fz-c0\n"
    "address = 10.0.0.4/24\n"
    "role = consumer\n"
    "[nic p0]\n"
    "interface = fz-p0\n"
    "address = 192.168.10.201/24\n"
    "role = provider\n"
    "[pool web]\n"
    "backend = 192.168.10.11:8443\n"
    "[service web]\n"
    "rule = 443 -> web\n"
    "nat_ip = 192.168.10.201\n"
    "nat_port_range = 40000-40002\n"
    "proxy_protocol = on\n"
    "idle_timeout = 5s\n"
    "idle_reset = on\n"
    "tcp_keepalive = 2s, 1s, 2\n"
    "[endpoint pe]\n"
    "nic = c0\n"
    "ip = 10.0.0.5\n"
    "service = web\n"
    "link_id = 7\n"
    "[approval pe]\n"
    "state = Approved\n";

#define H_PORT_C		0	/* NIC indices, in the drop's order */
#define H_PORT_P		1
#define H_NPORTS		2
#define H_MTU			9000
#define H_CLIENT_IP		"10.0.0.7"
#define H_PE_IP			"10.0.0.5"
#define H_PE_PORT		443
#define H_BACKEND_IP		"192.168.10.11"
#define H_BACKEND_PORT		8443
#define H_CLIENT_PORT0		50000
#define H_FLOWS			4	/* consumer connections at once */
#define H_BACKS			8	/* backend connections remembered */
/* Initial sequence numbers of both peers are multiples of this, minus 1:
 * a stream's byte at offset o then has a sequence number congruent to o,
 * whatever connection (or stale lwIP pcb) takes it (h_pattern). */
#define H_ISN_STEP		(1u << 20)
/* Frames handled per settling of the network; more wait for the next. */
#define H_SETTLE_FRAMES		512
/* Frames handled per input: past it the peers stop answering and what the
 * appliance sends is lost, so a game of tiny windows (one ACK per 4-byte
 * segment) cannot make one input run for seconds under the sanitizers. */
#define H_INPUT_FRAMES		1024
/* Time passes in steps of lwIP's fast TCP timer. */
#define H_TICK_MS		250

enum h_state { H_FREE = 0, H_SYN_SENT, H_OPEN, H_DEAD };

/* One consumer connection as the consumer sees it. */
struct h_flow {
	enum h_state	st;
	uint16_t	port;		/* host order */
	uint32_t	isn, snd_nxt;	/* ours */
	uint32_t	rcv_nxt;	/* the next byte from the appliance */
	int		complete;	/* ACK the SYN-ACK */
	int		synack;		/* seen: rcv_nxt is known */
	uint64_t	rx;		/* bytes read in order */
};

/* One connection of the appliance to the backend, as the backend sees it. */
struct h_back {
	enum h_state	st;
	uint16_t	port;		/* the NAT port, host order */
	uint32_t	isn, snd_nxt;
	uint32_t	rcv_nxt;
	uint8_t		pp[PPV2_HDR_LEN];
	size_t		pp_got, pp_len;	/* header bytes read, its length (0: unknown) */
	uint64_t	rx;		/* bytes read after the header */
};

struct h_reader {
	const uint8_t	*p;
	size_t		n;
};

static struct {
	struct pl_config	*cfg;
	size_t			heap_base;	/* lwIP's heap between inputs */
	uint32_t		client, pe, backend;
	uint8_t			mac[H_NPORTS][6];
	int			peer_fd[H_NPORTS];	/* our end of each socketpair */
	struct h_flow		flows[H_FLOWS];
	struct h_back		backs[H_BACKS];
	uint32_t		isn_gen;
	/* the consumer's habits */
	int			c_autoack;
	uint16_t		c_win;
	/* the backend's */
	int			b_syn;		/* 0 accept, 1 refuse (RST), 2 ignore */
	int			b_stall;	/* ACK nothing */
	int			b_close_on_fin;
	int			b_wscale;	/* -1: none */
	uint16_t		b_win;
	/* payloads taken from the input: the stream check is off */
	int			c_tainted, b_tainted;
	int			frames_left;	/* of H_INPUT_FRAMES */
	uint8_t			rxbuf[sizeof(struct virtio_net_hdr) + FW_FRAME_MAX];
	uint8_t			txbuf[FW_FRAME_MAX];
} h;

static struct pl_loop lp;
/* FUZZ_RELAY_TRACE=1 in the environment: every operation and frame on
 * stderr, to read what a crashing input does. */
static int h_trace;

static const uint8_t h_client_mac[6] = { 0x02, 0, 0, 0, 0, 0x07 };
static const uint8_t h_backend_mac[6] = { 0x02, 0, 0, 0, 0x01, 0x11 };

static void __attribute__((noreturn, format(printf, 1, 2)))
h_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("fuzz_relay: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

/* --- input ---------------------------------------------------------- */

static uint8_t
h_u8(struct h_reader *r)
{
	if (r->n == 0)
		return 0;
	r->n--;
	return *r->p++;
}

static uint16_t
h_u16(struct h_reader *r)
{
	uint16_t hi = h_u8(r);

	return (uint16_t)(hi << 8 | h_u8(r));
}

/* --- what both peers send ------------------------------------------- */

/* The byte at sequence number seq of a stream: 0 the consumer's, 1 the
 * backend's.  Only the low 16 bits count (H_ISN_STEP). */
static uint8_t
h_pattern(uint32_t seq, int dir)
{
	uint32_t x = seq & 0xffff;

	return (uint8_t)((x * (dir ? 29u : 13u)) ^ (x >> 8) ^ (uint32_t)dir);
}

static int
seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

/*
 * Sends a segment into NIC port: payload len bytes, from the input when
 * from != NULL, else the pattern of dir from the first payload sequence
 * number.  csum: a real TCP checksum and no offload status (lwIP checks
 * it) instead of a kernel-vouched one.
 */
static void
h_send(int port, const struct fw_seg *s, size_t len, const uint8_t *from, int dir, int csum)
{
	size_t off, n, max = FW_IP_MAX - IP4_HDR_LEN - TCP_HDR_LEN - s->optlen;
	uint32_t first = s->seq + ((s->flags & TCP_FLAG_SYN) ? 1 : 0);

	if (len > max)
		len = max;
	if (h_trace)
		fprintf(stderr, "  in nic %d: %u -> %u flags 0x%02x seq %u ack %u win %u len %zu\n",
		    port, ntohs(s->sport), ntohs(s->dport), s->flags, s->seq, s->ack, s->win, len);
	off = fw_tcp_headers(h.txbuf, s);
	if (from != NULL)
		memcpy(h.txbuf + off, from, len);
	else
		for (size_t i = 0; i < len; i++)
			h.txbuf[off + i] = h_pattern(first + (uint32_t)i, dir);
	n = fw_tcp_finish(h.txbuf, s->optlen, len, csum);
	ns_port_frame(H_PORT(port), h.txbuf, (uint32_t)n,
	    csum ? 0 : TP_STATUS_CSUM_VALID);
}

static void
h_consumer_seg(struct h_flow *f, uint32_t seq, uint8_t flags, size_t len,
    const uint8_t *from, const uint8_t *opt, size_t optlen, int csum)
{
	struct fw_seg s = {
		.smac = h_client_mac, .dmac = h.mac[H_PORT_C],
		.src = h.client, .dst = h.pe,
		.sport = htons(f->port), .dport = htons(H_PE_PORT),
		.seq = seq, .ack = f->rcv_nxt, .flags = flags, .win = h.c_win,
		.opt = opt, .optlen = optlen,
	};

	/* A handshake left half-done is completed by any ACK. */
	if (f->st == H_SYN_SENT && f->synack && (flags & TCP_FLAG_ACK))
		f->st = H_OPEN;
	h_send(H_PORT_C, &s, len, from, 0, csum);
}

static void
h_backend_seg(struct h_back *b, uint32_t seq, uint8_t flags, size_t len, const uint8_t *from,
    const uint8_t *opt, size_t optlen)
{
	struct fw_seg s = {
		.smac = h_backend_mac, .dmac = h.mac[H_PORT_P],
		.src = h.backend, .dst = lp.lp_cfg->nics[H_PORT_P].nic_addr,
		.sport = htons(H_BACKEND_PORT), .dport = htons(b->port),
		.seq = seq, .ack = b->rcv_nxt, .flags = flags, .win = h.b_win,
		.opt = opt, .optlen = optlen,
	};

	h_send(H_PORT_P, &s, len, from, 1, 0);
}

/* --- what the appliance sends ---------------------------------------- */

/*
 * The in-order part of a received segment (seq, len bytes at data):
 * advances *rcv_nxt and hands each new byte to check, which gets its
 * offset in the payload.  Returns the number of new bytes.
 */
static size_t
h_take(uint32_t *rcv_nxt, uint32_t seq, const uint8_t *data, size_t len,
    void (*check)(void *, uint8_t), void *arg)
{
	uint32_t skip = *rcv_nxt - seq;

	if (seq_lt(*rcv_nxt, seq) || skip >= len)
		return 0;
	for (size_t i = skip; i < len; i++)
		check(arg, data[i]);
	*rcv_nxt += (uint32_t)(len - skip);
	return len - skip;
}

static void
h_consumer_byte(void *arg, uint8_t c)
{
	struct h_flow *f = arg;

	if (!h.b_tainted && c != h_pattern((uint32_t)f->rx, 1))
		h_fail("consumer on port %u read 0x%02x at offset %llu, the backend sent 0x%02x",
		    f->port, c, (unsigned long long)f->rx, h_pattern((uint32_t)f->rx, 1));
	f->rx++;
}

static void
h_backend_byte(void *arg, uint8_t c)
{
	struct h_back *b = arg;

	if (b->pp_len == 0 || b->pp_got < b->pp_len) {
		if (b->pp_got < PPV2_HDR_LEN)
			b->pp[b->pp_got] = c;
		b->pp_got++;
		if (b->pp_got == PPV2_HDR_LEN) {
			if (memcmp(b->pp, PPV2_SIG, PPV2_SIG_LEN) != 0 ||
			    b->pp[PPV2_SIG_LEN] != (PPV2_VERSION | PPV2_CMD_PROXY) ||
			    b->pp[PPV2_SIG_LEN + 1] != PPV2_FAM_TCP4)
				h_fail("backend port %u: no PROXY v2 TCP4 header first", b->port);
			b->pp_len = PPV2_HDR_LEN + (size_t)(b->pp[14] << 8 | b->pp[15]);
		}
		return;
	}
	if (!h.c_tainted && c != h_pattern((uint32_t)b->rx, 0))
		h_fail("backend port %u read 0x%02x at offset %llu, the consumer sent 0x%02x",
		    b->port, c, (unsigned long long)b->rx, h_pattern((uint32_t)b->rx, 0));
	b->rx++;
}

static struct h_flow *
h_flow_of(uint16_t port)
{
	for (int i = 0; i < H_FLOWS; i++)
		if (h.flows[i].st != H_FREE && h.flows[i].port == port)
			return &h.flows[i];
	return NULL;
}

static struct h_back *
h_back_of(uint16_t port)
{
	for (int i = 0; i < H_BACKS; i++)
		if (h.backs[i].st != H_FREE && h.backs[i].port == port)
			return &h.backs[i];
	return NULL;
}

static void
h_to_consumer(const struct fw_pkt *k)
{
	struct h_flow *f = h_flow_of(ntohs(k->dport));
	size_t n;

	if (f == NULL || k->src != h.pe || k->sport != htons(H_PE_PORT))
		return;
	if (k->flags & TCP_FLAG_RST) {
		f->st = H_DEAD;
		return;
	}
	if ((k->flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == (TCP_FLAG_SYN | TCP_FLAG_ACK)) {
		if (f->st == H_SYN_SENT && k->ack == f->isn + 1) {
			f->rcv_nxt = k->seq + 1;
			f->snd_nxt = f->isn + 1;
			f->synack = 1;
			if (!f->complete)
				return;
			f->st = H_OPEN;
		}
		if (f->st == H_OPEN)	/* first, or again: our ACK went missing */
			h_consumer_seg(f, f->snd_nxt, TCP_FLAG_ACK, 0, NULL, NULL, 0, 0);
		return;
	}
	if (f->st != H_OPEN)
		return;
	n = h_take(&f->rcv_nxt, k->seq, k->data, k->len, h_consumer_byte, f);
	if ((k->flags & TCP_FLAG_FIN) && k->seq + (uint32_t)k->len == f->rcv_nxt) {
		f->rcv_nxt++;
		n++;
	}
	if (n > 0 && h.c_autoack)
		h_consumer_seg(f, f->snd_nxt, TCP_FLAG_ACK, 0, NULL, NULL, 0, 0);
}

/* The backend's SYN-ACK options: MSS for the jumbo MTU, its window scale. */
static size_t
h_backend_synopts(uint8_t opt[8])
{
	opt[0] = 2;
	opt[1] = 4;
	opt[2] = (H_MTU - 40) >> 8;
	opt[3] = (H_MTU - 40) & 0xff;
	if (h.b_wscale < 0)
		return 4;
	opt[4] = 1;
	opt[5] = 3;
	opt[6] = 3;
	opt[7] = (uint8_t)h.b_wscale;
	return 8;
}

static void
h_backend_syn(const struct fw_pkt *k)
{
	uint16_t port = ntohs(k->sport);
	struct h_back *b = h_back_of(port);
	uint8_t opt[8];

	if (b != NULL && b->st == H_OPEN && b->rcv_nxt == k->seq + 1) {
		/* our SYN-ACK went missing: again */
		h_backend_seg(b, b->isn, TCP_FLAG_SYN | TCP_FLAG_ACK, 0, NULL, opt, h_backend_synopts(opt));
		return;
	}
	if (b == NULL) {
		for (int i = 0; i < H_BACKS && b == NULL; i++)
			if (h.backs[i].st == H_FREE || h.backs[i].st == H_DEAD)
				b = &h.backs[i];
		if (b == NULL)
			b = &h.backs[port % H_BACKS];
	}
	memset(b, 0, sizeof(*b));
	b->port = port;
	b->rcv_nxt = k->seq + 1;
	if (h.b_syn == 1) {
		b->st = H_DEAD;
		h_backend_seg(b, 0, TCP_FLAG_RST | TCP_FLAG_ACK, 0, NULL, NULL, 0);
		return;
	}
	if (h.b_syn == 2) {
		b->st = H_FREE;
		return;
	}
	b->st = H_OPEN;
	b->isn = ++h.isn_gen * H_ISN_STEP - 1;
	b->snd_nxt = b->isn + 1;
	h_backend_seg(b, b->isn, TCP_FLAG_SYN | TCP_FLAG_ACK, 0, NULL, opt, h_backend_synopts(opt));
}

static void
h_to_backend(const struct fw_pkt *k)
{
	struct h_back *b;
	size_t n;

	if (k->dst != h.backend || k->dport != htons(H_BACKEND_PORT))
		return;
	if ((k->flags & (TCP_FLAG_SYN | TCP_FLAG_ACK | TCP_FLAG_RST)) == TCP_FLAG_SYN) {
		h_backend_syn(k);
		return;
	}
	if ((b = h_back_of(ntohs(k->sport))) == NULL || b->st != H_OPEN)
		return;
	if (k->flags & TCP_FLAG_RST) {
		b->st = H_DEAD;
		return;
	}
	n = h_take(&b->rcv_nxt, k->seq, k->data, k->len, h_backend_byte, b);
	if ((k->flags & TCP_FLAG_FIN) && k->seq + (uint32_t)k->len == b->rcv_nxt) {
		b->rcv_nxt++;
		n++;
		if (h.b_close_on_fin) {
			h_backend_seg(b, b->snd_nxt, TCP_FLAG_FIN | TCP_FLAG_ACK, 0, NULL, NULL, 0);
			b->snd_nxt++;
			return;
		}
	}
	if (n > 0 && !h.b_stall)
		h_backend_seg(b, b->snd_nxt, TCP_FLAG_ACK, 0, NULL, NULL, 0);
}

/* One frame the appliance sent on NIC port. */
static void
h_frame_out(int port, const uint8_t *buf, size_t len)
{
	struct ns_port *rp = H_PORT(port);
	struct fw_pkt k;
	int ours = 0;

	if (len < sizeof(struct virtio_net_hdr))
		h_fail("NIC %d: a frame without its virtio_net_hdr", port);
	buf += sizeof(struct virtio_net_hdr);
	len -= sizeof(struct virtio_net_hdr);
	if (fw_parse(buf, len, &k) != 0)
		h_fail("NIC %d: the appliance sent a malformed frame of %zu bytes", port, len);
	if (k.kind == FW_OTHER)
		h_fail("NIC %d: the appliance sent a frame of type 0x%02x%02x", port, buf[ETH_TYPE_OFF], buf[ETH_TYPE_OFF + 1]);
	if (memcmp(k.smac, rp->rp_mac, 6) != 0)
		h_fail("NIC %d: a frame from another MAC", port);
	/* Nothing leaves a NIC but from an address of that NIC. */
	ours = ns_port_find(rp, k.src) != NULL;
	if (!ours)
		h_fail("NIC %d: a frame from %s, not an address of this NIC", port,
		    inet_ntoa((struct in_addr){ .s_addr = k.src }));
	if (k.kind == FW_ARP_REQUEST) {
		const uint8_t *mac = port == H_PORT_C ? h_client_mac : h_backend_mac;
		uint32_t ip = port == H_PORT_C ? h.client : h.backend;
		size_t n;

		if (k.dst != ip)
			return;
		n = fw_arp_reply(h.txbuf, mac, ip, rp->rp_mac, k.src);
		ns_port_frame(rp, h.txbuf, (uint32_t)n, 0);
		return;
	}
	if (k.kind != FW_TCP)
		return;
	if (h_trace)
		fprintf(stderr, "  out nic %d: %u -> %u flags 0x%02x seq %u ack %u win %u len %zu\n",
		    port, ntohs(k.sport), ntohs(k.dport), k.flags, k.seq, k.ack, k.win, k.len);
	if (port == H_PORT_C && k.dst == h.client)
		h_to_consumer(&k);
	else if (port == H_PORT_P)
		h_to_backend(&k);
}

/* Flushes what the appliance holds and plays both peers until nothing
 * more is sent (H_SETTLE_FRAMES at most: the rest waits; H_INPUT_FRAMES in all). */
static void
h_settle(void)
{
	int budget = h.frames_left < H_SETTLE_FRAMES ? h.frames_left : H_SETTLE_FRAMES;

	while (budget > 0) {
		int got = 0;

		ns_ports_flush();	/* as the loop does at the end of a round */
		for (int i = 0; i < H_NPORTS; i++) {
			ssize_t n;

			while (budget > 0 &&
			    (n = recv(h.peer_fd[i], h.rxbuf, sizeof(h.rxbuf), MSG_DONTWAIT)) > 0) {
				budget--;
				h.frames_left--;
				got++;
				h_frame_out(i, h.rxbuf, (size_t)n);
			}
		}
		if (got == 0)
			break;
	}
}

static void
h_advance(uint32_t ms)
{
	while (ms > 0) {
		uint32_t step = ms < H_TICK_MS ? ms : H_TICK_MS;

		fuzz_clock_ms += step;
		ms -= step;
		ns_timers_run();
		h_settle();
	}
}

/* --- the operations -------------------------------------------------- */

/* A consumer connection: SYN with chosen options, then (unless told not
 * to) the ACK of the appliance's SYN-ACK. */
static void
h_op_open(struct h_reader *r)
{
	uint8_t a = h_u8(r), o = h_u8(r), mss = h_u8(r), ws = h_u8(r);
	struct h_flow *f = &h.flows[a % H_FLOWS];
	uint16_t port = (uint16_t)(H_CLIENT_PORT0 + ((a >> 2) & 7));
	struct h_flow *same = h_flow_of(port);
	uint8_t opt[8];
	size_t optlen = 0;
	uint16_t m = (uint16_t)(536 + mss * 33);

	if (same != NULL)
		same->st = H_FREE;	/* the port's new connection */
	memset(f, 0, sizeof(*f));
	f->st = H_SYN_SENT;
	f->port = port;
	f->isn = ++h.isn_gen * H_ISN_STEP - 1;
	f->snd_nxt = f->isn;
	f->complete = !(o & 4);
	if (o & 1) {
		opt[optlen++] = 2;
		opt[optlen++] = 4;
		opt[optlen++] = (uint8_t)(m >> 8);
		opt[optlen++] = (uint8_t)m;
	}
	if (o & 2) {
		opt[optlen++] = 1;
		opt[optlen++] = 3;
		opt[optlen++] = 3;
		opt[optlen++] = (uint8_t)(ws % 15);
	}
	h_consumer_seg(f, f->isn, TCP_FLAG_SYN, 0, NULL, opt, optlen, (o & 8) != 0);
	f->snd_nxt = f->isn + 1;
	h_settle();
}

static struct h_flow *
h_pick_flow(uint8_t a)
{
	struct h_flow *f = &h.flows[a % H_FLOWS];

	return f->st == H_FREE ? NULL : f;
}

/* Sequence number of a consumer or backend segment: next, or off by a
 * fuzz-chosen amount scaled up to reach past any window. */
static uint32_t
h_seq(struct h_reader *r, uint32_t nxt, uint8_t mode)
{
	int16_t delta = (int16_t)h_u16(r);

	switch (mode & 3) {
	case 0:
		return nxt;
	case 1:
		return nxt + (uint32_t)(int32_t)delta;
	case 2:
		return nxt + (uint32_t)((int32_t)delta * 16);
	default:
		return nxt + (uint32_t)((int32_t)delta * 65536);
	}
}

/* Whether a segment at seq of len (its end included) moves nxt on. */
static void
h_advance_nxt(uint32_t *nxt, uint32_t seq, uint32_t end)
{
	if (!seq_lt(*nxt, seq) && seq_lt(*nxt, end))
		*nxt = end;
}

/* A consumer data segment, any flags, maybe options and payload from the
 * input. */
static void
h_op_data(struct h_reader *r)
{
	uint8_t a = h_u8(r), mode = h_u8(r), flags = h_u8(r);
	struct h_flow *f = h_pick_flow(a);
	uint32_t seq = h_seq(r, f != NULL ? f->snd_nxt : 0, mode);
	size_t len = h_u16(r), optlen = 0;
	uint8_t opt[TCP_OPT_MAX];
	const uint8_t *from = NULL;

	if (mode & 4) {
		optlen = (size_t)(h_u8(r) % (TCP_OPT_MAX / 4 + 1)) * 4;
		for (size_t i = 0; i < optlen; i++)
			opt[i] = h_u8(r);
	}
	if (mode & 8) {
		if (len > r->n)
			len = r->n;
		from = r->p;
		r->p += len;
		r->n -= len;
		h.c_tainted = 1;
	}
	if (f == NULL)
		return;
	if (!(mode & 0x20))
		flags |= TCP_FLAG_ACK;
	h_consumer_seg(f, seq, flags, len, from, opt, optlen, (mode & 0x10) != 0);
	h_advance_nxt(&f->snd_nxt, seq, seq + ((flags & TCP_FLAG_SYN) ? 1 : 0) + (uint32_t)len +
	    ((flags & TCP_FLAG_FIN) ? 1 : 0));
	h_settle();
}

static void
h_op_ack(struct h_reader *r)
{
	uint8_t a = h_u8(r);
	int8_t delta = (int8_t)h_u8(r);
	uint16_t win = h_u16(r);
	struct h_flow *f = h_pick_flow(a);
	uint32_t keep;

	if (f == NULL)
		return;
	h.c_win = win;
	keep = f->rcv_nxt;
	f->rcv_nxt += (uint32_t)(int32_t)delta;
	h_consumer_seg(f, f->snd_nxt, TCP_FLAG_ACK, 0, NULL, NULL, 0, 0);
	f->rcv_nxt = keep;
	h_settle();
}

static void
h_op_rst(struct h_reader *r)
{
	uint8_t a = h_u8(r), mode = h_u8(r);
	struct h_flow *f = h_pick_flow(a);
	uint32_t seq = h_seq(r, f != NULL ? f->snd_nxt : 0, mode);

	if (f == NULL)
		return;
	h_consumer_seg(f, seq, (uint8_t)(TCP_FLAG_RST | ((mode & 4) ? TCP_FLAG_ACK : 0)), 0, NULL, NULL, 0, 0);
	h_settle();
}

static void
h_op_fin(struct h_reader *r)
{
	struct h_flow *f = h_pick_flow(h_u8(r));

	if (f == NULL)
		return;
	h_consumer_seg(f, f->snd_nxt, TCP_FLAG_FIN | TCP_FLAG_ACK, 0, NULL, NULL, 0, 0);
	f->snd_nxt++;
	h_settle();
}

static void
h_op_time(struct h_reader *r)
{
	h_advance(((uint32_t)h_u8(r) + 1) * 100);
}

static void
h_op_consumer_policy(struct h_reader *r)
{
	h.c_autoack = h_u8(r) & 1;
	h.c_win = h_u16(r);
}

static void
h_op_backend_policy(struct h_reader *r)
{
	uint8_t a = h_u8(r);

	h.b_syn = (a & 3) == 3 ? 0 : (a & 3);
	h.b_stall = (a >> 2) & 1;
	h.b_close_on_fin = (a >> 3) & 1;
	h.b_wscale = (a >> 4) == 15 ? -1 : (a >> 4);
	h.b_win = h_u16(r);
}

static struct h_back *
h_pick_back(uint8_t a)
{
	struct h_back *b = &h.backs[a % H_BACKS];

	return b->st == H_OPEN ? b : NULL;
}

/* A backend segment: data toward the consumer, any flags. */
static void
h_op_backend_data(struct h_reader *r)
{
	uint8_t a = h_u8(r), mode = h_u8(r), flags = h_u8(r);
	struct h_back *b = h_pick_back(a);
	uint32_t seq = h_seq(r, b != NULL ? b->snd_nxt : 0, mode);
	size_t len = h_u16(r);
	const uint8_t *from = NULL;

	if (mode & 8) {
		if (len > r->n)
			len = r->n;
		from = r->p;
		r->p += len;
		r->n -= len;
		h.b_tainted = 1;
	}
	if (b == NULL)
		return;
	if (!(mode & 0x20))
		flags |= TCP_FLAG_ACK;
	flags &= (uint8_t)~TCP_FLAG_SYN;
	h_backend_seg(b, seq, flags, len, from, NULL, 0);
	h_advance_nxt(&b->snd_nxt, seq, seq + (uint32_t)len + ((flags & TCP_FLAG_FIN) ? 1 : 0));
	h_settle();
}

static void
h_op_backend_ack(struct h_reader *r)
{
	uint8_t a = h_u8(r);
	int8_t delta = (int8_t)h_u8(r);
	uint16_t win = h_u16(r);
	struct h_back *b = h_pick_back(a);
	uint32_t keep;

	if (b == NULL)
		return;
	h.b_win = win;
	keep = b->rcv_nxt;
	b->rcv_nxt += (uint32_t)(int32_t)delta;
	h_backend_seg(b, b->snd_nxt, TCP_FLAG_ACK, 0, NULL, NULL, 0);
	b->rcv_nxt = keep;
	h_settle();
}

static void
h_op_backend_end(struct h_reader *r)
{
	uint8_t a = h_u8(r);
	struct h_back *b = h_pick_back(a);

	if (b == NULL)
		return;
	if (a & 0x80) {
		h_backend_seg(b, b->snd_nxt, TCP_FLAG_RST | TCP_FLAG_ACK, 0, NULL, NULL, 0);
		b->st = H_DEAD;
	} else {
		h_backend_seg(b, b->snd_nxt, TCP_FLAG_FIN | TCP_FLAG_ACK, 0, NULL, NULL, 0);
		b->snd_nxt++;
	}
	h_settle();
}

static void (*const h_ops[])(struct h_reader *) = {
	h_op_open,
	h_op_data,
	h_op_data,		/* twice: segments are most of the game */
	h_op_ack,
	h_op_rst,
	h_op_fin,
	h_op_time,
	h_op_consumer_policy,
	h_op_backend_policy,
	h_op_backend_data,
	h_op_backend_ack,
	h_op_backend_end,
};

/* --- setup and teardown ---------------------------------------------- */

static void
h_init(void)
{
	char dir[] = "/tmp/privlink-fuzz-relay.XXXXXX", path[64];
	struct ns_mem_stats st;
	FILE *f;

	if (mkdtemp(dir) == NULL)
		h_fail("mkdtemp");
	snprintf(path, sizeof(path), "%s/10-fuzz.ini", dir);
	if ((f = fopen(path, "w")) == NULL)
		h_fail("%s", path);
	fputs(h_drop, f);
	fclose(f);
	if ((h.cfg = calloc(1, sizeof(*h.cfg))) == NULL)
		h_fail("config");
	if (cfg_load_dir(h.cfg, dir, stderr) != 0)
		h_fail("the harness's drop does not load");
	unlink(path);
	rmdir(dir);
	if (h.cfg->n_nics != H_NPORTS || h.cfg->n_endpoints != 1)
		h_fail("the harness's drop is not the one it expects");
	h.client = inet_addr(H_CLIENT_IP);
	h.pe = inet_addr(H_PE_IP);
	h.backend = inet_addr(H_BACKEND_IP);
	h_trace = getenv("FUZZ_RELAY_TRACE") != NULL;
	if (ns_init() != 0)
		h_fail("ns_init");
	ns_mem_get_stats(&st);
	h.heap_base = st.ms_held;
}

/* The NICs as loop_setup_ports opens them, on socketpairs. */
static void
h_setup_port(int i)
{
	struct nic_rt *nr = lp.lp_cfg->nics[i].nic_rt;
	struct ns_port *rp = &nr->nr_port;
	int sv[2], sndbuf = 8 * 1024 * 1024;

	memset(rp, 0, sizeof(*rp));
	snprintf(rp->rp_ifname, sizeof(rp->rp_ifname), "%s", lp.lp_cfg->nics[i].nic_ifname);
	rp->rp_mtu = H_MTU;
	memcpy(rp->rp_mac, "\x02\x00\x00\x00\xa0", 5);
	rp->rp_mac[5] = (uint8_t)i;
	memcpy(h.mac[i], rp->rp_mac, 6);
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) != 0)
		h_fail("socketpair");
	/* A window of super-frames must fit while the harness has not read:
	 * frames refused here are lost as on a wire, and the run changes. */
	if (setsockopt(sv[0], SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf)) != 0)
		setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	rp->rp_txfd = sv[0];
	h.peer_fd[i] = sv[1];
	if ((rp->rp_txbuf = malloc(NS_TX_GSO_MAX)) == NULL)
		h_fail("transmit buffer");
	nr->nr_open = 1;
	if (nic_addr_get(nr, lp.lp_cfg->nics[i].nic_addr) == NULL)
		h_fail("NIC %d address", i);
}

static void
h_setup(const uint8_t *data, size_t size)
{
	const struct pl_config *cfg = h.cfg;
	uint64_t seed = 1469598103934665603ull;

	for (size_t i = 0; i < size && i < 64; i++)
		seed = (seed ^ data[i]) * 1099511628211ull;
	fuzz_rand_reset(seed);
	/* Timers keep their phase from one input to the next. */
	fuzz_clock_ms = (fuzz_clock_ms / 1000 + 1) * 1000;
	ns_timers_run();

	memset(h.flows, 0, sizeof(h.flows));
	memset(h.backs, 0, sizeof(h.backs));
	h.isn_gen = 0;
	h.c_autoack = 1;
	h.c_win = 0xffff;
	h.b_syn = h.b_stall = h.b_close_on_fin = 0;
	h.b_wscale = 3;
	h.b_win = 0xffff;
	h.c_tainted = h.b_tainted = 0;
	h.frames_left = H_INPUT_FRAMES;

	memset(&lp, 0, sizeof(lp));
	lp.lp_epfd = lp.lp_timerfd = lp.lp_sigfd = -1;
	lp.lp_inotifyfd = lp.lp_reloadfd = lp.lp_consolefd = -1;
	lp.lp_cfg = h.cfg;
	ns_mem_set_limit((size_t)cfg->appliance.ap_memory_limit);
	if (rt_attach(&lp) != 0 || nic_prepare(&lp, h.cfg) != 0)
		h_fail("rt_attach");
	nic_commit(&lp);
	for (int i = 0; i < H_NPORTS; i++)
		h_setup_port(i);
	for (int e = 0; e < cfg->n_endpoints; e++)
		if ((cfg->endpoints[e].ep_rt->er_netif = nic_addr_get(nic_of(cfg,
		    cfg->endpoints[e].ep_nic), cfg->endpoints[e].ep_ip)) == NULL)
			h_fail("endpoint address");
	for (int s = 0; s < cfg->n_services; s++)
		for (int k = 0; k < cfg->services[s].svc_n_nat_ips; k++)
			if (nic_addr_get(nic_of(cfg, cfg->services[s].svc_nat_nics[k]),
			    cfg->services[s].svc_nat_ips[k]) == NULL)
				h_fail("NAT address");
	if (nat_setup(&lp) != 0)
		h_fail("nat_setup");
	for (int e = 0; e < cfg->n_endpoints; e++)
		if (cfg->endpoints[e].ep_state == CFG_APPROVAL_APPROVED && relay_listen(&lp, cfg->endpoints[e].ep_rt) != 0)
			h_fail("relay_listen");
	ns_rand_bytes(&lp.lp_lb_seed, sizeof(lp.lp_lb_seed));
	if (health_start(&lp) != 0)
		h_fail("health_start");
	h_settle();	/* gratuitous ARP */
}

/* As loop_teardown, and then whatever lwIP still holds (closing pcbs,
 * TIME_WAIT, fragments) goes too, so the next input starts clean and
 * every leak is this input's. */
static void
h_teardown(void)
{
	struct ns_mem_stats st;

	health_stop(&lp);
	for (struct ep_rt *er = lp.lp_eps; er != NULL; er = er->er_next)
		relay_unlisten(er);
	relay_cut_all(&lp);
	ns_tcp_unpark_addr(NETIF_NO_INDEX, 0);
	while (tcp_active_pcbs != NULL)
		tcp_abort(tcp_active_pcbs);
	while (tcp_tw_pcbs != NULL)
		tcp_abort(tcp_tw_pcbs);
	while (tcp_bound_pcbs != NULL)
		tcp_abort(tcp_bound_pcbs);
	if (tcp_listen_pcbs.listen_pcbs != NULL)
		h_fail("a listener outlived relay_unlisten");
	nat_teardown(&lp);
	for (int i = 0; i < H_NPORTS; i++) {
		lp.lp_cfg->nics[i].nic_rt->nr_open = 0;	/* closed quietly */
		close(h.peer_fd[i]);
	}
	nic_close_all(&lp);
	rt_free_all(&lp);
	for (int i = 0; i <= IP_REASS_MAXAGE; i++)
		ip_reass_tmr();
	/* lwIP's TCP timer stops at its next tick with no pcb left. */
	fuzz_clock_ms += 2 * H_TICK_MS;
	ns_timers_run();
	ns_mem_get_stats(&st);
	if (st.ms_held != h.heap_base)
		h_fail("lwIP's heap holds %zu bytes after teardown, %zu before the input",
		    st.ms_held, h.heap_base);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct h_reader r = { data, size };

	if (h.cfg == NULL)
		h_init();
	h_setup(data, size);
	while (r.n > 0) {
		unsigned int op = h_u8(&r) % (sizeof(h_ops) / sizeof(h_ops[0]));

		if (h_trace)
			fprintf(stderr, "op %u at %u ms\n", op, fuzz_clock_ms);
		h_ops[op](&r);
	}
	h_teardown();
	return 0;
}
