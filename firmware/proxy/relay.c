/*
 * The TCP full proxy: a listener per approved private endpoint and rule
 * of its service on its consumer NIC (and per rule on a service's
 * provider-side frontend IP); per accepted connection, a backend of the
 * rule's pool chosen by the service's distribution among those up, a
 * connection to it from the service's NAT IP on the provider NIC, a PROXY
 * v2 header first when the service asks for it, then a byte relay in both
 * directions.
 *
 * Backpressure: bytes read from one end stay queued (and unacknowledged
 * to lwIP with tcp_recved) until the other end's send buffer takes them,
 * so a slow reader closes the fast writer's window.  Per direction, at
 * most one receive window (TCP_WND) and one send buffer (TCP_SND_BUF) are
 * held.  The queue is a pbuf chain (16-bit length), and more chains in a
 * spill ring while a window's worth does not fit one.
 *
 * Half-close: a FIN read from one end is forwarded (tcp_shutdown) once
 * its queue is drained; the connection ends when both directions have.
 * A reset or error on one end resets the other.
 */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include "lwip/ip.h"
#include "lwip/pbuf.h"
#include "lwip/sys.h"
#include "lwip/tcp.h"
/* tcp_abandon(): forget a connection without a reset (idle expiry). */
#include "lwip/priv/tcp_priv.h"

#include "health.h"
#include "lb.h"
#include "log.h"
#include "nat.h"
#include "netstack.h"
#include "ppv2.h"
#include "relay.h"
#include "share.h"

_Static_assert(RELAY_SPILL_CHAINS >= 2 * TCP_WND / 0xffff + 1,
    "RELAY_SPILL_CHAINS too small for TCP_WND");

static const char *const relay_event_names[RELAY_EV_MAX] = {
	[RELAY_EV_ACCEPTED] = "accepted",
	[RELAY_EV_CLOSED] = "closed",
	[RELAY_EV_RESET_BY_CONSUMER] = "reset_by_consumer",
	[RELAY_EV_RESET_BY_BACKEND] = "reset_by_backend",
	[RELAY_EV_BACKEND_REFUSED] = "backend_refused",
	[RELAY_EV_BACKEND_TIMEOUT] = "backend_timeout",
	[RELAY_EV_LIMIT] = "connection_limit",
	[RELAY_EV_NAT_EXHAUSTED] = "nat_ports_exhausted",
	[RELAY_EV_NO_MEMORY] = "no_memory",
	[RELAY_EV_CUT] = "cut_by_appliance",
	[RELAY_EV_NO_BACKEND] = "no_healthy_backend",
	[RELAY_EV_IDLE] = "idle_timeout",
	[RELAY_EV_BACKEND_DOWN] = "backend_down",
	[RELAY_EV_EP_LIMIT] = "endpoint_connection_limit",
	[RELAY_EV_RATE] = "new_connection_rate",
	[RELAY_EV_NAT_SHARE] = "nat_port_share",
	[RELAY_EV_RECLAIMED] = "reclaimed_idle",
};

const char *
relay_event_name(enum relay_event ev)
{
	return ev < RELAY_EV_MAX ? relay_event_names[ev] : "unknown";
}

static void
relay_count(struct pl_loop *lp, enum relay_event ev)
{
	lp->lp_relay_stats.rs_events[ev]++;
}

/* The counters a connection or listener belongs to. */
static struct relay_ep_stats *
relay_stats_of(struct ep_rt *er, struct svc_rt *sr)
{
	return er != NULL ? &er->er_stats : &sr->sr_fe_stats;
}

/* An accepted connection ends: counted for all and for its endpoint. */
static void
relay_count_end(struct relay_conn *rc, enum relay_event why)
{
	struct pl_loop *lp = rc->rc_loop;

	relay_count(lp, why);
	lp->lp_relay_stats.rs_ended[why]++;
	relay_stats_of(rc->rc_ep, rc->rc_svc)->es_ended[why]++;
}

/* n bytes of payload from "from" were written to its peer. */
static void
relay_count_bytes(struct relay_end *from, u16_t n)
{
	struct relay_conn *rc = from->re_conn;
	struct pl_loop *lp = rc->rc_loop;
	struct relay_ep_stats *es = relay_stats_of(rc->rc_ep, rc->rc_svc);

	if (from == &rc->rc_front) {
		es->es_bytes_from_consumer += n;
		lp->lp_relay_stats.rs_bytes_from_consumer += n;
	} else {
		es->es_bytes_to_consumer += n;
		lp->lp_relay_stats.rs_bytes_to_consumer += n;
	}
}

static const char *
relay_name(const struct relay_conn *rc)
{
	return rc->rc_ep != NULL ? rc->rc_ep->er_name : rc->rc_svc->sr_name;
}

static struct relay_end *
relay_peer(struct relay_end *end)
{
	struct relay_conn *rc = end->re_conn;

	return end == &rc->rc_front ? &rc->rc_back : &rc->rc_front;
}

/* The chain of end's queue new data is appended to: the last one. */
static struct pbuf *
relay_queue_tail(const struct relay_end *end)
{
	const struct relay_spill *sp = end->re_spill;

	if (sp != NULL && sp->rs_n > 0)
		return sp->rs_chains[(sp->rs_head + sp->rs_n - 1) % RELAY_SPILL_CHAINS];
	return end->re_queue;
}

/*
 * Appends p (taken) to end's queue.  0, or -1 when p cannot be held (no
 * memory for the spill, or more than a window queued: lwIP broke its
 * contract); p is then still the caller's.
 */
static int
relay_enqueue(struct relay_end *end, struct pbuf *p)
{
	struct pbuf *tail = relay_queue_tail(end);
	struct relay_spill *sp = end->re_spill;

	if (tail == NULL) {
		end->re_queue = p;
		return 0;
	}
	if ((u32_t)tail->tot_len + p->tot_len <= 0xffff) {
		ns_pbuf_append(tail, p);	/* small segments copied compact */
		return 0;
	}
	if (sp == NULL) {
		if ((sp = calloc(1, sizeof(*sp))) == NULL)
			return -1;
		end->re_spill = sp;
	}
	if (sp->rs_n == RELAY_SPILL_CHAINS)
		return -1;
	sp->rs_chains[(sp->rs_head + sp->rs_n) % RELAY_SPILL_CHAINS] = p;
	sp->rs_n++;
	return 0;
}

/* The first chain was used up: the next one moves up, and the spill is
 * freed once empty. */
static void
relay_queue_advance(struct relay_end *end)
{
	struct relay_spill *sp = end->re_spill;

	if (end->re_queue != NULL || sp == NULL)
		return;
	if (sp->rs_n > 0) {
		end->re_queue = sp->rs_chains[sp->rs_head];
		sp->rs_head = (uint8_t)((sp->rs_head + 1) % RELAY_SPILL_CHAINS);
		sp->rs_n--;
	}
	if (sp->rs_n == 0) {
		free(sp);
		end->re_spill = NULL;
	}
}

static void
relay_queue_free(struct relay_end *end)
{
	struct relay_spill *sp = end->re_spill;

	if (end->re_queue != NULL)
		pbuf_free(end->re_queue);
	end->re_queue = NULL;
	if (sp == NULL)
		return;
	for (int i = 0; i < sp->rs_n; i++)
		pbuf_free(sp->rs_chains[(sp->rs_head + i) % RELAY_SPILL_CHAINS]);
	free(sp);
	end->re_spill = NULL;
}

static void
relay_free(struct relay_conn *rc, int graceful)
{
	struct pl_loop *lp = rc->rc_loop;

	/* A gracefully closed backend connection may sit in TIME_WAIT. */
	if (rc->rc_nat != -1)
		nat_release(lp, rc->rc_nat, rc->rc_nat_port, graceful);
	share_conn_del(lp, rc, graceful);
	relay_queue_free(&rc->rc_front);
	relay_queue_free(&rc->rc_back);
	if (rc->rc_prev != NULL)
		rc->rc_prev->rc_next = rc->rc_next;
	else
		lp->lp_conns = rc->rc_next;
	if (rc->rc_next != NULL)
		rc->rc_next->rc_prev = rc->rc_prev;
	lp->lp_relay_stats.rs_live--;
	relay_stats_of(rc->rc_ep, rc->rc_svc)->es_live--;
	if (rc->rc_be != NULL)
		rc->rc_be->br_health.bh_live--;
	free(rc);
}

/*
 * Ends a connection and frees it.  Gracefully (both directions are done):
 * both pcbs are closed and lwIP finishes sending what they hold.
 * Otherwise both pcbs still alive are reset (RST sent).  Returns ERR_ABRT
 * when the pcb whose callback is running ("self", may be NULL) was
 * aborted, as lwIP requires.
 */
static err_t
relay_end(struct relay_conn *rc, struct tcp_pcb *self, enum relay_event why)
{
	struct tcp_pcb *pcbs[2] = { rc->rc_front.re_pcb, rc->rc_back.re_pcb };
	err_t ret = ERR_OK;

	relay_count_end(rc, why);
	for (int i = 0; i < 2; i++) {
		if (pcbs[i] == NULL)
			continue;
		ns_tcp_detach(pcbs[i]);
		/* A close that fails (no memory for the FIN) resets rather
		 * than leak the pcb. */
		if (why == RELAY_EV_CLOSED && tcp_close(pcbs[i]) == ERR_OK)
			continue;
		tcp_abort(pcbs[i]);
		if (pcbs[i] == self)
			ret = ERR_ABRT;
	}
	rc->rc_front.re_pcb = rc->rc_back.re_pcb = NULL;
	relay_free(rc, why == RELAY_EV_CLOSED);
	return ret;
}

/* Frees the zero-length pbufs at the front of chain q; returns the rest
 * (NULL if nothing else was in it). */
static struct pbuf *
relay_drop_empty(struct pbuf *q)
{
	while (q != NULL && q->len == 0) {
		struct pbuf *f = q;

		q = q->next;
		f->next = NULL;
		pbuf_free(f);
	}
	return q;
}

/*
 * Moves what "from" has queued into its peer's send buffer, as far as the
 * buffer takes it, and forwards a FIN once the queue is empty.  Returns
 * ERR_ABRT if self was aborted, ERR_CLSD if the conn was freed.
 */
static err_t
relay_pump(struct relay_end *from, struct tcp_pcb *self)
{
	struct relay_conn *rc = from->re_conn;
	struct relay_end *to = relay_peer(from);
	struct tcp_pcb *dst = to->re_pcb;
	u32_t moved = 0;

	if (rc->rc_state != RELAY_OPEN || dst == NULL)
		return ERR_OK;
	while (from->re_queue != NULL) {
		struct pbuf *q = from->re_queue;
		/* The send buffer may be larger than 64 KiB; a pbuf is not. */
		tcpwnd_size_t room = tcp_sndbuf(dst);
		u16_t n;
		err_t err;

		if (q->len == 0) {
			/* lwIP trims a retransmission overlapping what was
			 * received by emptying the pbufs in front, and
			 * pbuf_free_header() takes nothing off for 0 bytes. */
			from->re_queue = relay_drop_empty(q);
			relay_queue_advance(from);
			continue;
		}
		if (room == 0)
			break;
		n = q->len < room ? q->len : (u16_t)room;
		err = tcp_write(dst, q->payload, n, TCP_WRITE_FLAG_COPY |
		    (n < q->tot_len || from->re_spill != NULL ? TCP_WRITE_FLAG_MORE : 0));
		if (err == ERR_MEM)
			break;		/* queue full: tcp_sent resumes */
		if (err != ERR_OK)
			return relay_end(rc, self, RELAY_EV_NO_MEMORY) == ERR_ABRT ?
			    ERR_ABRT : ERR_CLSD;
		relay_count_bytes(from, n);
		from->re_queue = pbuf_free_header(q, n);
		relay_queue_advance(from);
		moved += n;
	}
	if (from->re_pcb != NULL) {
		/* Open the source's window by what its peer has taken; not
		 * while its endpoint is shed (share.c): then later. */
		u32_t open = moved;

		if (share_shed(rc->rc_loop, rc)) {
			from->re_owed += moved;
			open = 0;
		} else {
			open += from->re_owed;
			from->re_owed = 0;
		}
		while (open > 0) {
			u16_t chunk = open > 0xffff ? 0xffff : (u16_t)open;
			tcp_recved(from->re_pcb, chunk);
			open -= chunk;
		}
	}
	/* The FIN goes on a segment of its own, once what is queued for the
	 * peer has been sent: lwIP, splitting a queued segment for a small
	 * window, keeps its FIN on the first part (tcp_split_unsent_seg), and
	 * the peer would read the end of the stream before its last bytes.
	 * tcp_sent pumps again. */
	if (from->re_queue == NULL && from->re_eof && !from->re_shut && dst->unsent == NULL) {
		from->re_shut = 1;
		if (tcp_shutdown(dst, 0, 1) != ERR_OK)
			return relay_end(rc, self, RELAY_EV_NO_MEMORY) == ERR_ABRT ?
			    ERR_ABRT : ERR_CLSD;
	}
	tcp_output(dst);
	if (rc->rc_front.re_shut && rc->rc_back.re_shut)
		return relay_end(rc, self, RELAY_EV_CLOSED) == ERR_ABRT ? ERR_ABRT : ERR_CLSD;
	return ERR_OK;
}

static err_t
relay_recv_cb(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct relay_end *end = arg;
	err_t rc;

	if (end == NULL) {
		/* Data for a pcb we already let go of. */
		if (p != NULL) {
			tcp_recved(pcb, p->tot_len);
			pbuf_free(p);
		}
		return ERR_OK;
	}
	if (err != ERR_OK) {
		if (p != NULL)
			pbuf_free(p);
		return relay_end(end->re_conn, pcb, RELAY_EV_NO_MEMORY);
	}
	if (p != NULL) {
		end->re_conn->rc_last_ms = sys_now();
		share_conn_data(end->re_conn);
	}
	if (p == NULL) {
		end->re_eof = 1;
		/* Both directions of this pcb are done (we had sent it our
		 * FIN): lwIP keeps it in TIME_WAIT, or frees it, without a word
		 * to us (a SYN reopening it, the TIME_WAIT cap, 2 MSL), while
		 * what it sent may still wait here for the other side.  Let it
		 * go now; its window need not open again. */
		if (relay_peer(end)->re_shut) {
			ns_tcp_detach(pcb);
			end->re_pcb = NULL;
		}
	} else {
		u16_t len = p->tot_len;

		if (relay_enqueue(end, p) != 0) {
			pbuf_free(p);
			return relay_end(end->re_conn, pcb, RELAY_EV_NO_MEMORY);
		}
		share_mem(end->re_conn->rc_loop, end->re_conn, len);
	}
	rc = relay_pump(end, pcb);
	return rc == ERR_ABRT ? ERR_ABRT : ERR_OK;
}

/* pcb's send buffer has room again: pump what its peer has queued. */
static err_t
relay_sent_cb(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	struct relay_end *end = arg;
	err_t rc;

	if (end == NULL)
		return ERR_OK;
	/* What the peer acknowledged is no longer held (share.c). */
	share_mem(end->re_conn->rc_loop, end->re_conn, -(int64_t)len);
	rc = relay_pump(relay_peer(end), pcb);
	return rc == ERR_ABRT ? ERR_ABRT : ERR_OK;
}

/* lwIP freed the pcb (RST received, or it gave up retransmitting). */
static void
relay_err_cb(void *arg, err_t err)
{
	struct relay_end *end = arg;
	struct relay_conn *rc;
	enum relay_event why;

	if (end == NULL)
		return;
	rc = end->re_conn;
	end->re_pcb = NULL;
	if (end == &rc->rc_back)
		why = rc->rc_state == RELAY_CONNECTING ? RELAY_EV_BACKEND_REFUSED :
		    RELAY_EV_RESET_BY_BACKEND;
	else
		why = RELAY_EV_RESET_BY_CONSUMER;
	log_debug("%s: connection ended: %s (lwIP error %d)", relay_name(rc),
	    relay_event_name(why), (int)err);
	relay_end(rc, NULL, why);
}

/*
 * idle_timeout expired.  With idle_reset, both sides get a reset, as
 * Azure's "TCP reset on idle" sends.  Without, the connection is
 * forgotten without a packet (Azure's default): whichever side speaks next
 * gets a reset from lwIP, which no longer knows it.  The NAT port is held
 * for a TIME_WAIT either way, since the backend may still hold the
 * connection.
 */
static err_t
relay_idle(struct relay_conn *rc, struct tcp_pcb *self)
{
	struct tcp_pcb *pcbs[2] = { rc->rc_front.re_pcb, rc->rc_back.re_pcb };
	int reset = rc->rc_svc->sr_cfg->svc_idle_reset;
	err_t ret = ERR_OK;

	relay_count_end(rc, RELAY_EV_IDLE);
	for (int i = 0; i < 2; i++) {
		if (pcbs[i] == NULL)
			continue;
		ns_tcp_detach(pcbs[i]);
		tcp_abandon(pcbs[i], reset);
		if (pcbs[i] == self)
			ret = ERR_ABRT;
	}
	rc->rc_front.re_pcb = rc->rc_back.re_pcb = NULL;
	relay_free(rc, 1);
	return ret;
}

static err_t
relay_poll_cb(void *arg, struct tcp_pcb *pcb)
{
	struct relay_end *end = arg;
	struct relay_conn *rc;

	if (end == NULL)
		return ERR_OK;
	rc = end->re_conn;
	if (rc->rc_state == RELAY_CONNECTING &&
	    ++rc->rc_ticks * RELAY_POLL_MS >= RELAY_CONNECT_TIMEOUT_S * 1000)
		return relay_end(rc, pcb, RELAY_EV_BACKEND_TIMEOUT);
	if (rc->rc_state == RELAY_OPEN &&
	    (rc->rc_front.re_queue != NULL || rc->rc_back.re_queue != NULL ||
	    rc->rc_front.re_owed != 0 || rc->rc_back.re_owed != 0 ||
	    (rc->rc_front.re_eof && !rc->rc_front.re_shut) ||
	    (rc->rc_back.re_eof && !rc->rc_back.re_shut))) {
		/* A write refused for lack of memory (ns_mem.c's limit) with
		 * nothing in flight gets no sent callback: try again here,
		 * outside the reserve timers may use. */
		int was = ns_mem_urgent(0);

		for (int i = 0; i < 2; i++) {
			err_t e = relay_pump(i == 0 ? &rc->rc_front : &rc->rc_back, pcb);

			if (e == ERR_ABRT || e == ERR_CLSD) {
				ns_mem_urgent(was);
				return e == ERR_ABRT ? ERR_ABRT : ERR_OK;
			}
		}
		ns_mem_urgent(was);
	}
	if (rc->rc_state == RELAY_OPEN && sys_now() - rc->rc_last_ms >=
	    rc->rc_svc->sr_cfg->svc_idle_timeout_ms)
		return relay_idle(rc, pcb);
	return ERR_OK;
}

_Static_assert(CFG_ENDPOINT_ID_MAX - 1 <= PPV2_VPCE_ID_MAX, "an endpoint id fits the AWS TLV");

/*
 * The PROXY v2 header of rc in its service's dialect: the vendor TLV from
 * the private endpoint ep (a provider-side frontend connection, ep NULL,
 * has none), the unique id and the CRC32c when the service asks for them
 * (ppv2_write_tcp4 puts them in order).
 * Returns its length, 0 if it does not fit room.
 */
static size_t
relay_ppv2_header(struct relay_conn *rc, const struct cfg_endpoint *ep,
    const struct cfg_service *svc, uint8_t *hdr, size_t room)
{
	struct tcp_pcb *front = rc->rc_front.re_pcb;
	char uid[PPV2_UID_LEN];
	struct ppv2_tcp4 pp;

	memset(&pp, 0, sizeof(pp));
	pp.pp_src_addr = ip_2_ip4(&front->remote_ip)->addr;
	pp.pp_dst_addr = ip_2_ip4(&front->local_ip)->addr;
	pp.pp_src_port = front->remote_port;
	pp.pp_dst_port = front->local_port;
	pp.pp_vendor = PPV2_VENDOR_NONE;
	if (ep != NULL) {
		switch (svc->svc_pp_tlv) {
		case CFG_PP_TLV_AZURE:
			pp.pp_vendor = PPV2_VENDOR_AZURE;
			break;
		case CFG_PP_TLV_AWS:
			pp.pp_vendor = PPV2_VENDOR_AWS;
			break;
		case CFG_PP_TLV_GCP:
			pp.pp_vendor = PPV2_VENDOR_GCP;
			break;
		case CFG_PP_TLV_NONE:
			break;
		}
		pp.pp_link_id = ep->ep_link_id;
		pp.pp_vpce_id = ep->ep_endpoint_id;
		pp.pp_psc_id = ep->ep_psc_id;
	}
	if (svc->svc_pp_unique_id) {
		ppv2_unique_id(uid, rc->rc_loop->lp_pp_uid_boot, rc->rc_loop->lp_pp_uid_next++);
		pp.pp_unique_id = (const uint8_t *)uid;
		pp.pp_unique_id_len = sizeof(uid);
	}
	pp.pp_crc32c = svc->svc_pp_crc32c;
	return ppv2_write_tcp4(hdr, room, &pp);
}

static err_t
relay_connected_cb(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct relay_end *end = arg;
	struct relay_conn *rc;
	const struct cfg_endpoint *ep;
	const struct cfg_service *svc;
	err_t ret;

	if (end == NULL)
		return ERR_OK;
	rc = end->re_conn;
	if (err != ERR_OK)
		return relay_end(rc, pcb, RELAY_EV_BACKEND_REFUSED);
	ep = rc->rc_ep != NULL ? rc->rc_ep->er_cfg : NULL;
	svc = rc->rc_svc->sr_cfg;
	rc->rc_state = RELAY_OPEN;
	rc->rc_last_ms = sys_now();

	if (ep != NULL ? svc->svc_proxy_protocol : svc->svc_frontend_proxy_protocol) {
		uint8_t hdr[PPV2_MAX_LEN];
		size_t n = relay_ppv2_header(rc, ep, svc, hdr, sizeof(hdr));

		/* A fresh send buffer always has room for the header. */
		if (n == 0 || tcp_write(pcb, hdr, (u16_t)n, TCP_WRITE_FLAG_COPY) != ERR_OK)
			return relay_end(rc, pcb, RELAY_EV_NO_MEMORY);
		share_mem(rc->rc_loop, rc, (int64_t)n);
	}
	tcp_recv(pcb, relay_recv_cb);
	tcp_sent(pcb, relay_sent_cb);
	tcp_sent(rc->rc_front.re_pcb, relay_sent_cb);
	/* The consumer may have sent (and even finished) already. */
	ret = relay_pump(&rc->rc_front, pcb);
	if (ret == ERR_OK)
		tcp_output(pcb);
	return ret == ERR_ABRT ? ERR_ABRT : ERR_OK;
}

/* Keepalive probes on a relayed pcb, when the service asks for them. */
static void
relay_keepalive(struct tcp_pcb *pcb, const struct cfg_service *svc)
{
	if (!svc->svc_keepalive)
		return;
	ip_set_option(pcb, SOF_KEEPALIVE);
	pcb->keep_idle = svc->svc_keepalive_idle_ms;
	pcb->keep_intvl = svc->svc_keepalive_intvl_ms;
	pcb->keep_cnt = svc->svc_keepalive_count;
}

/*
 * The backend of the listener's rule for this connection, by the
 * service's distribution among the pool's backends that are up and not
 * drained.  -1 when there is none.
 */
static int
relay_choose(struct pl_loop *lp, const struct relay_listener *rl, struct tcp_pcb *front)
{
	const struct cfg_service *svc = rl->rl_svc->sr_cfg;
	int pool = svc->svc_rules[rl->rl_rule].ru_pool;
	uint8_t eligible[CFG_MAX_BACKENDS];
	struct lb_flow fl;

	if (health_eligible(&lp->lp_cfg->pools[pool], eligible) == 0)
		return -1;
	fl.fl_src = ip_2_ip4(&front->remote_ip)->addr;
	fl.fl_dst = ip_2_ip4(&front->local_ip)->addr;
	fl.fl_sport = front->remote_port;
	fl.fl_dport = front->local_port;
	fl.fl_proto = IP_PROTO_TCP;
	return lb_pick(&lp->lp_cfg->pools[pool], eligible,
	    lb_flow_hash(&fl, svc->svc_distribution, lp->lp_lb_seed));
}

/*
 * Whether one end of a relayed connection may be parked outside lwIP's
 * lists (netstack/ns_tcp_park.c): it is open, holds nothing for either
 * side and has passed on every FIN it read, so until a segment comes only
 * the idle timeout, a poll of its backend pcb, has anything to do;
 * *wake_in_ms says when.
 */
static int
relay_park_ok(const struct tcp_pcb *pcb, uint32_t *wake_in_ms)
{
	const struct relay_end *end = pcb->callback_arg;
	const struct relay_conn *rc;
	uint32_t idle, timeout;

	if (pcb->recv != relay_recv_cb || end == NULL)
		return 0;
	rc = end->re_conn;
	/* A FIN read and not yet passed on needs the poll. */
	if (rc->rc_state != RELAY_OPEN ||
	    rc->rc_front.re_queue != NULL || rc->rc_back.re_queue != NULL ||
	    rc->rc_front.re_owed != 0 || rc->rc_back.re_owed != 0 ||
	    (rc->rc_front.re_eof && !rc->rc_front.re_shut) ||
	    (rc->rc_back.re_eof && !rc->rc_back.re_shut))
		return 0;
	timeout = rc->rc_svc->sr_cfg->svc_idle_timeout_ms;
	idle = sys_now() - rc->rc_last_ms;
	if (idle >= timeout)
		return 0;
	*wake_in_ms = timeout - idle;
	return 1;
}

static err_t relay_accept_cb(void *arg, struct tcp_pcb *front, err_t err);

/*
 * A peer's keepalive probe (netstack): activity for the idle timeout, as
 * on Azure's load balancer, where keepalives keep a quiet connection.
 * The appliance's own probes (tcp_keepalive) and their answers are not.
 * Not payload either: at its endpoint's limit, a connection kept only by
 * keepalives is reclaimed for a new one (share.c).
 */
static void
relay_keepalive_seen(struct tcp_pcb *pcb)
{
	struct relay_end *end = pcb->callback_arg;

	if (pcb->recv == relay_recv_cb && end != NULL)
		end->re_conn->rc_last_ms = sys_now();
}

/* Counts a connection refused on rl, for all and for its endpoint (with
 * no backend up, also for the service). */
static void
relay_refused(struct pl_loop *lp, const struct relay_listener *rl, enum relay_event ev)
{
	relay_count(lp, ev);
	lp->lp_relay_stats.rs_refused[ev]++;
	relay_stats_of(rl->rl_ep, rl->rl_svc)->es_refused[ev]++;
	if (ev == RELAY_EV_NO_BACKEND)
		rl->rl_svc->sr_no_backend++;
}

/*
 * Asked by the netstack about each SYN a listener receives, before it is
 * answered: past a share (share.c), or with no backend up in the rule's
 * pool, the SYN is refused with a reset and nothing is allocated.
 * relay_accept_cb checks both again, since a backend can go down between
 * the SYN and the end of the handshake, and several SYNs may pass at
 * once.  A SYN over its endpoint's rate never gets here: the netstack
 * drops it (share_apply_syn_rates).  0: answer, -1: reset.
 */
static int
relay_syn_gate(struct tcp_pcb *pcb)
{
	struct tcp_pcb_listen *lpcb = (struct tcp_pcb_listen *)pcb;
	struct relay_listener *rl = lpcb->callback_arg;
	struct pl_loop *lp;
	uint8_t eligible[CFG_MAX_BACKENDS];
	enum relay_event ev;
	int pool;

	/* Not one of ours, or one being closed. */
	if (lpcb->accept != relay_accept_cb || rl == NULL)
		return 0;
	lp = rl->rl_loop;
	if ((ev = share_syn(lp, rl->rl_ep, rl->rl_svc)) != RELAY_EV_ACCEPTED) {
		relay_refused(lp, rl, ev);
		return -1;
	}
	pool = rl->rl_svc->sr_cfg->svc_rules[rl->rl_rule].ru_pool;
	if (health_eligible(&lp->lp_cfg->pools[pool], eligible) == 0) {
		relay_refused(lp, rl, RELAY_EV_NO_BACKEND);
		return -1;
	}
	return 0;
}

/*
 * A handshake completed on a listener.  Its listener is asked which
 * endpoint and rule it serves now, never arg: lwIP copied the listener's
 * argument into the connection at the SYN.  A listener lives in its
 * endpoint's or service's runtime object (rt-t.h), which no reload
 * moves; a listener closed since never gets here: lwIP forgets it in its
 * half-open connections, and resets them.
 */
static err_t
relay_accept_cb(void *arg, struct tcp_pcb *front, err_t err)
{
	struct relay_listener *rl;
	struct pl_loop *lp;
	const struct cfg_service *svc;
	const struct cfg_rule *rule;
	const struct cfg_backend *be;
	uint16_t bport;
	struct relay_ep_stats *es;
	struct nat_ip *ni;
	struct relay_conn *rc, *old;
	struct tcp_pcb *back;
	enum relay_event ev;
	ip_addr_t backend;
	int b;

	(void)arg;
	if (err != ERR_OK || front == NULL)
		return ERR_VAL;
	if (front->listener == NULL || (rl = front->listener->callback_arg) == NULL) {
		tcp_abort(front);
		return ERR_ABRT;
	}
	lp = rl->rl_loop;
	svc = rl->rl_svc->sr_cfg;
	rule = &svc->svc_rules[rl->rl_rule];
	es = relay_stats_of(rl->rl_ep, rl->rl_svc);
	/* Every backend went down since the SYN: reset now, never leave
	 * the consumer hanging. */
	if ((b = relay_choose(lp, rl, front)) == -1) {
		relay_refused(lp, rl, RELAY_EV_NO_BACKEND);
		tcp_abort(front);
		return ERR_ABRT;
	}
	if ((ev = share_accept(lp, rl->rl_ep, rl->rl_svc, &old)) != RELAY_EV_ACCEPTED) {
		relay_refused(lp, rl, ev);
		tcp_abort(front);
		return ERR_ABRT;
	}
	/* The endpoint's own idlest connection makes room (share.c). */
	if (old != NULL)
		relay_end(old, NULL, RELAY_EV_RECLAIMED);
	be = &lp->lp_cfg->pools[rule->ru_pool].pool_backends[b];
	rc = calloc(1, sizeof(*rc));
	back = tcp_new_ip_type(IPADDR_TYPE_V4);
	if (rc == NULL || back == NULL)
		goto nomem;
	rc->rc_loop = lp;
	rc->rc_ep = rl->rl_ep;
	rc->rc_svc = rl->rl_svc;
	rc->rc_be = be->be_rt;
	rc->rc_state = RELAY_CONNECTING;
	rc->rc_nat = -1;
	rc->rc_front.re_conn = rc;
	rc->rc_front.re_pcb = front;
	rc->rc_back.re_conn = rc;
	rc->rc_back.re_pcb = back;

	bport = rule->ru_backend_port != 0 ? rule->ru_backend_port : be->be_port;
	/* The backend connection leaves from a NAT IP on the provider NIC
	 * and nowhere else, whatever lwIP's routing table would pick. */
	for (int tries = 0; rc->rc_nat == -1; tries++) {
		ip_addr_t nat_ip;
		int nat;
		uint16_t port;
		err_t berr;

		if (tries == RELAY_NAT_TRIES || nat_alloc(lp, rl->rl_svc, &nat, &port) != 0) {
			relay_refused(lp, rl, RELAY_EV_NAT_EXHAUSTED);
			tcp_abort(back);
			free(rc);
			tcp_abort(front);
			return ERR_ABRT;
		}
		ni = &lp->lp_nat[nat];
		ip_addr_set_ip4_u32_val(nat_ip, ni->ni_addr);
		tcp_bind_netif(back, ni->ni_netif);
		/* lwIP's bind sees only the pcbs in its lists: one parked in
		 * TIME_WAIT on this very 4-tuple is asked for here. */
		if (ns_tcp_parked_tuple(netif_get_index(ni->ni_netif), ni->ni_addr, port,
		    be->be_addr, bport))
			berr = ERR_USE;
		else
			berr = tcp_bind(back, &nat_ip, port);
		if (berr == ERR_OK) {
			rc->rc_nat = nat;
			rc->rc_nat_port = port;
		} else {
			/* lwIP still holds it: leave it for a TIME_WAIT. */
			nat_release(lp, nat, port, 1);
		}
	}
	tcp_arg(front, &rc->rc_front);
	tcp_recv(front, relay_recv_cb);
	tcp_err(front, relay_err_cb);
	tcp_arg(back, &rc->rc_back);
	tcp_err(back, relay_err_cb);
	tcp_poll(back, relay_poll_cb, RELAY_POLL_MS / TCP_SLOW_INTERVAL);
	tcp_nagle_disable(front);
	tcp_nagle_disable(back);
	relay_keepalive(front, svc);
	relay_keepalive(back, svc);

	rc->rc_next = lp->lp_conns;
	if (lp->lp_conns != NULL)
		lp->lp_conns->rc_prev = rc;
	lp->lp_conns = rc;
	lp->lp_relay_stats.rs_live++;
	es->es_live++;
	es->es_accepted++;
	share_conn_add(lp, rc);
	rc->rc_be->br_health.bh_live++;
	rc->rc_be->br_health.bh_total++;
	relay_count(lp, RELAY_EV_ACCEPTED);

	ip_addr_set_ip4_u32_val(backend, be->be_addr);
	if (tcp_connect(back, &backend, bport, relay_connected_cb) != ERR_OK) {
		/* back was never handed to lwIP's lists as connecting: it is
		 * ours to free; relay_end aborts both. */
		return relay_end(rc, front, RELAY_EV_BACKEND_REFUSED);
	}
	return ERR_OK;

nomem:
	relay_refused(lp, rl, RELAY_EV_NO_MEMORY);
	if (back != NULL)
		tcp_abort(back);
	free(rc);
	tcp_abort(front);
	return ERR_ABRT;
}

/* One listener on addr (on netif) and port.  0 or -1 (logged). */
static int
relay_listen_one(struct pl_loop *lp, struct relay_listener *rl, struct netif *netif,
    uint32_t addr, uint16_t port, const char *who)
{
	struct tcp_pcb *pcb, *lpcb;
	ip_addr_t ip;
	err_t err;

	pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
	if (pcb == NULL) {
		log_warnx("%s: no memory for a listener", who);
		return -1;
	}
	/*
	 * Overlapping consumer networks hold the same IP:port on two NICs;
	 * the netif binding tells their listeners apart (lwIP matches
	 * listeners by netif).  SOF_REUSEADDR lets both bind; tcp_listen()
	 * refuses a second listener on one IP:port only while the flag is
	 * set, so it is cleared for the call and set again on the listener
	 * for the next bind to pass.
	 */
	ip_set_option(pcb, SOF_REUSEADDR);
	tcp_bind_netif(pcb, netif);
	ip_addr_set_ip4_u32_val(ip, addr);
	err = tcp_bind(pcb, &ip, port);
	if (err != ERR_OK) {
		log_warnx("%s: bind port %u: lwIP error %d", who, port, (int)err);
		tcp_abort(pcb);
		return -1;
	}
	ip_reset_option(pcb, SOF_REUSEADDR);
	lpcb = tcp_listen_with_backlog_and_err(pcb, TCP_DEFAULT_LISTEN_BACKLOG, &err);
	if (lpcb == NULL) {
		log_warnx("%s: listen on port %u: lwIP error %d", who, port, (int)err);
		tcp_abort(pcb);
		return -1;
	}
	ip_set_option(lpcb, SOF_REUSEADDR);
	rl->rl_loop = lp;
	rl->rl_pcb = lpcb;
	tcp_arg(lpcb, rl);
	tcp_accept(lpcb, relay_accept_cb);
	ns_tcp_set_syn_gate(relay_syn_gate);
	ns_tcp_set_keepalive_seen(relay_keepalive_seen);
	ns_tcp_set_park_policy(relay_park_ok);
	return 0;
}

static void
relay_unlisten_one(struct relay_listener *rl)
{
	if (rl->rl_pcb == NULL)
		return;
	tcp_arg(rl->rl_pcb, NULL);
	tcp_accept(rl->rl_pcb, NULL);
	/* Closing a listener cannot fail for lack of memory. */
	tcp_close(rl->rl_pcb);
	rl->rl_pcb = NULL;
}

/* Listeners on a list of rules: all of them, or none (-1, logged). */
static int
relay_listen_rules(struct pl_loop *lp, struct relay_listener *rls, struct ep_rt *er,
    struct svc_rt *sr, struct netif *netif, uint32_t addr, const char *who)
{
	const struct cfg_service *svc = sr->sr_cfg;

	for (int r = 0; r < svc->svc_n_rules; r++) {
		rls[r].rl_ep = er;
		rls[r].rl_svc = sr;
		rls[r].rl_rule = r;
		if (relay_listen_one(lp, &rls[r], netif, addr, svc->svc_rules[r].ru_frontend_port,
		    who) != 0) {
			for (int q = 0; q < r; q++)
				relay_unlisten_one(&rls[q]);
			return -1;
		}
	}
	return 0;
}

/* Starts the listeners of an approved endpoint, one per rule of its
 * service.  0 or -1 (logged). */
int
relay_listen(struct pl_loop *lp, struct ep_rt *er)
{
	char who[CFG_NAME_MAX + 16];

	snprintf(who, sizeof(who), "endpoint %s", er->er_name);
	if (er->er_svc == NULL) {
		log_warnx("%s: no service", who);
		return -1;
	}
	return relay_listen_rules(lp, er->er_listeners, er, er->er_svc, er->er_netif, er->er_addr,
	    who);
}

void
relay_unlisten(struct ep_rt *er)
{
	for (int r = 0; r < CFG_MAX_RULES; r++)
		relay_unlisten_one(&er->er_listeners[r]);
}

/* Starts the provider-side frontend of a service.  0 or -1 (logged). */
int
relay_listen_frontend(struct pl_loop *lp, struct svc_rt *sr)
{
	char who[CFG_NAME_MAX + 32];

	snprintf(who, sizeof(who), "service %s frontend", sr->sr_name);
	return relay_listen_rules(lp, sr->sr_fe_listeners, NULL, sr, sr->sr_fe_netif,
	    sr->sr_fe_addr, who);
}

void
relay_unlisten_frontend(struct svc_rt *sr)
{
	for (int r = 0; r < CFG_MAX_RULES; r++)
		relay_unlisten_one(&sr->sr_fe_listeners[r]);
}

int
relay_listening(const struct relay_listener *rls)
{
	for (int r = 0; r < CFG_MAX_RULES; r++)
		if (rls[r].rl_pcb != NULL)
			return 1;
	return 0;
}

/* Resets every live connection of an endpoint (it left Approved). */
void
relay_cut_endpoint(struct pl_loop *lp, struct ep_rt *er)
{
	struct relay_conn *rc = lp->lp_conns, *next;

	for (; rc != NULL; rc = next) {
		next = rc->rc_next;
		if (rc->rc_ep == er) {
			er->er_stats.es_cut++;
			relay_end(rc, NULL, RELAY_EV_CUT);
		}
	}
}

/* Resets every live connection through a service's frontend. */
void
relay_cut_frontend(struct pl_loop *lp, struct svc_rt *sr)
{
	struct relay_conn *rc = lp->lp_conns, *next;

	for (; rc != NULL; rc = next) {
		next = rc->rc_next;
		if (rc->rc_ep == NULL && rc->rc_svc == sr) {
			sr->sr_fe_stats.es_cut++;
			relay_end(rc, NULL, RELAY_EV_CUT);
		}
	}
}

/* Resets every live connection to a backend that went down. */
void
relay_cut_backend(struct pl_loop *lp, struct be_rt *br)
{
	struct relay_conn *rc = lp->lp_conns, *next;

	for (; rc != NULL; rc = next) {
		next = rc->rc_next;
		if (rc->rc_be == br)
			relay_end(rc, NULL, RELAY_EV_BACKEND_DOWN);
	}
}

/*
 * On a reload, once rt_prepare marked what the new config keeps: a
 * connection whose backend left its pool stays, counted under no backend
 * (its runtime object is about to be freed).  Endpoints and frontends
 * not kept were cut before.
 */
void
relay_carry(struct pl_loop *lp)
{
	for (struct relay_conn *rc = lp->lp_conns; rc != NULL; rc = rc->rc_next)
		if (rc->rc_be != NULL && !rc->rc_be->br_mark)
			rc->rc_be = NULL;
}

void
relay_cut_all(struct pl_loop *lp)
{
	while (lp->lp_conns != NULL)
		relay_end(lp->lp_conns, NULL, RELAY_EV_CUT);
}
