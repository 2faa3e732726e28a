/*
 * The responder over TCP (RFC 7766): each message has a 2-byte length
 * before it; a client may send several queries at once (pipelined), which
 * are answered in order, one at a time.  Bounds: DNS_TCP_MAX_CONNS
 * connections per NIC, a query of at most DNS_QUERY_MAX bytes (longer
 * closes the connection), DNS_TCP_IDLE_MS without a query or with an
 * answer not taken, and what is received but not yet taken is at most
 * lwIP's window: data is acknowledged to lwIP (tcp_recved) only as its
 * queries are answered, and none is answered while an answer waits for
 * room, so a client that reads nothing stops itself.
 */
#include <stdlib.h>
#include <string.h>

#include "lwip/ip4_addr.h"
#include "lwip/pbuf.h"
#include "lwip/sys.h"
#include "lwip/tcp.h"

#include "log.h"
#include "netstack.h"
#include "nic-t.h"
#include "dns_serve.h"

/* Forgets connection dt and frees it, with its pcb closed (abort 0: a
 * FIN, or a reset when lwIP has no memory for it) or reset (abort 1).
 * Returns ERR_ABRT when the pcb was aborted, for a callback to return. */
static err_t
dns_tcp_free(struct dns_tcp *dt, int abort)
{
	struct dns_srv *srv = dt->dt_srv;
	struct tcp_pcb *pcb = dt->dt_pcb;
	err_t ret = ERR_OK;

	for (struct dns_tcp **pp = &srv->ds_conns; *pp != NULL; pp = &(*pp)->dt_next)
		if (*pp == dt) {
			*pp = dt->dt_next;
			break;
		}
	srv->ds_n_conns--;
	if (pcb != NULL && ns_tcp_release(pcb, abort))
		ret = ERR_ABRT;
	if (dt->dt_in != NULL)
		pbuf_free(dt->dt_in);
	free(dt->dt_out);
	free(dt);
	return ret;
}

/* Writes n bytes (an answer and its length: up to 65,537, past one
 * tcp_write's 16 bits), or nothing when lwIP has no room for them all.
 * 1 written, 0 no room, -1 lwIP refused (or took only part: the stream
 * is broken). */
static int
dns_tcp_write(struct tcp_pcb *pcb, const uint8_t *buf, uint32_t n)
{
	uint32_t done = 0;

	if (tcp_sndbuf(pcb) < n || tcp_sndqueuelen(pcb) + 4 + n / TCP_MSS >= TCP_SND_QUEUELEN)
		return 0;
	while (done < n) {
		u16_t part = (u16_t)(n - done > 0x8000 ? 0x8000 : n - done);
		err_t err = tcp_write(pcb, buf + done, part,
		    TCP_WRITE_FLAG_COPY | (done + part < n ? TCP_WRITE_FLAG_MORE : 0));

		if (err == ERR_MEM && done == 0)
			return 0;
		if (err != ERR_OK)
			return -1;
		done += part;
	}
	return 1;
}

/*
 * Answers the complete queries received, in order, while lwIP takes the
 * answers; then closes when the peer has finished and nothing is owed.
 * ERR_ABRT when dt is gone with its pcb aborted, ERR_OK otherwise (dt may
 * be gone, closed: the caller must not touch it; *gone says so).
 */
static err_t
dns_tcp_work(struct dns_tcp *dt, int *gone)
{
	struct dns_srv *srv = dt->dt_srv;
	struct tcp_pcb *pcb = dt->dt_pcb;
	int rc;

	*gone = 0;
	if (dt->dt_out != NULL) {
		if ((rc = dns_tcp_write(pcb, dt->dt_out, dt->dt_out_len)) < 0)
			goto send_error;
		if (rc == 0)
			return ERR_OK;	/* the sent callback comes back */
		free(dt->dt_out);
		dt->dt_out = NULL;
		dt->dt_last_ms = sys_now();
	}
	while (dt->dt_in != NULL && dt->dt_in->tot_len >= 2) {
		struct dns_result res = { -1, 0 };
		uint8_t pre[2];
		size_t len;
		u16_t qlen;

		pbuf_copy_partial(dt->dt_in, pre, 2, 0);
		qlen = (u16_t)(pre[0] << 8 | pre[1]);
		if (qlen > DNS_QUERY_MAX) {
			srv->ds_stats->ds_too_large++;
			goto reset;
		}
		if (dt->dt_in->tot_len < 2 + qlen)
			break;
		pbuf_copy_partial(dt->dt_in, dns_scratch.sc_query, qlen, 2);
		dt->dt_in = pbuf_free_header(dt->dt_in, (u16_t)(2 + qlen));
		tcp_recved(pcb, (u16_t)(2 + qlen));
		srv->ds_stats->ds_queries_tcp++;
		dt->dt_last_ms = sys_now();
		len = srv->ds_view == NULL ? 0 : dns_answer(srv->ds_view, dns_scratch.sc_query, qlen,
		    dns_scratch.sc_resp + 2, sizeof(dns_scratch.sc_resp) - 2, DNS_TCP, &res);
		dns_serve_count(srv->ds_stats, &res, len);
		if (len == 0)
			continue;
		dns_scratch.sc_resp[0] = (uint8_t)(len >> 8);
		dns_scratch.sc_resp[1] = (uint8_t)len;
		if ((rc = dns_tcp_write(pcb, dns_scratch.sc_resp, (uint32_t)len + 2)) < 0)
			goto send_error;
		if (rc == 0) {
			/* Kept until lwIP has room: no further query is read
			 * meanwhile, so one answer at most waits. */
			if ((dt->dt_out = malloc(len + 2)) == NULL)
				goto send_error;
			memcpy(dt->dt_out, dns_scratch.sc_resp, len + 2);
			dt->dt_out_len = (uint32_t)len + 2;
			break;
		}
	}
	tcp_output(pcb);
	if (dt->dt_eof && dt->dt_out == NULL) {
		*gone = 1;
		return dns_tcp_free(dt, 0);
	}
	return ERR_OK;

send_error:
	srv->ds_stats->ds_send_errors++;
reset:
	*gone = 1;
	return dns_tcp_free(dt, 1);
}

static err_t
dns_tcp_recv_cb(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct dns_tcp *dt = arg;
	int gone;

	(void)pcb;
	if (dt == NULL) {
		if (p != NULL)
			pbuf_free(p);
		return ERR_OK;
	}
	if (err != ERR_OK || p == NULL) {
		if (p != NULL)
			pbuf_free(p);
		dt->dt_eof = 1;
	} else if (dt->dt_in == NULL) {
		dt->dt_in = p;
	} else if ((uint32_t)dt->dt_in->tot_len + p->tot_len > DNS_TCP_IN_MAX) {
		/* lwIP keeps p and offers it again (its refused data): the
		 * window stops the peer meanwhile. */
		return ERR_MEM;
	} else {
		pbuf_cat(dt->dt_in, p);
	}
	return dns_tcp_work(dt, &gone);
}

static err_t
dns_tcp_sent_cb(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	int gone;

	(void)pcb;
	(void)len;
	return arg == NULL ? ERR_OK : dns_tcp_work(arg, &gone);
}

/* lwIP freed the pcb (a reset, or it gave up). */
static void
dns_tcp_err_cb(void *arg, err_t err)
{
	struct dns_tcp *dt = arg;

	(void)err;
	if (dt != NULL) {
		dt->dt_pcb = NULL;
		(void)dns_tcp_free(dt, 0);
	}
}

/* The idle timeout, and a retry of an answer lwIP had no room for. */
static err_t
dns_tcp_poll_cb(void *arg, struct tcp_pcb *pcb)
{
	struct dns_tcp *dt = arg;
	int gone;
	err_t ret;

	(void)pcb;
	if (dt == NULL)
		return ERR_OK;
	if (sys_now() - dt->dt_last_ms >= DNS_TCP_IDLE_MS) {
		dt->dt_srv->ds_stats->ds_tcp_idle_closed++;
		return dns_tcp_free(dt, dt->dt_out != NULL);
	}
	ret = dns_tcp_work(dt, &gone);
	return ret;
}

static err_t
dns_tcp_accept_cb(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct dns_srv *srv = arg;
	struct dns_tcp *dt;

	if (err != ERR_OK || pcb == NULL)
		return ERR_VAL;
	if (srv == NULL || srv->ds_n_conns >= DNS_TCP_MAX_CONNS ||
	    (dt = calloc(1, sizeof(*dt))) == NULL) {
		if (srv != NULL)
			srv->ds_stats->ds_tcp_refused++;
		tcp_abort(pcb);
		return ERR_ABRT;
	}
	dt->dt_srv = srv;
	dt->dt_pcb = pcb;
	dt->dt_last_ms = sys_now();
	dt->dt_next = srv->ds_conns;
	srv->ds_conns = dt;
	srv->ds_n_conns++;
	srv->ds_stats->ds_tcp_conns++;
	tcp_arg(pcb, dt);
	tcp_recv(pcb, dns_tcp_recv_cb);
	tcp_sent(pcb, dns_tcp_sent_cb);
	tcp_err(pcb, dns_tcp_err_cb);
	tcp_poll(pcb, dns_tcp_poll_cb, DNS_TCP_POLL_TICKS);
	tcp_nagle_disable(pcb);		/* an answer is one write: send it now */
	return ERR_OK;
}

/* The listener on the responder's address, port 53, on its NIC.  0, or -1
 * (logged). */
int
dns_tcp_listen(struct dns_srv *srv)
{
	struct tcp_pcb *pcb, *lpcb;
	ip4_addr_t a;
	ip_addr_t ip;
	err_t err;

	ip4_addr_set_u32(&a, srv->ds_addr);
	if ((pcb = tcp_new_ip_type(IPADDR_TYPE_V4)) == NULL) {
		log_warnx("nic %s: dns %s: no memory for a listener", srv->ds_nic->nr_name,
		    ip4addr_ntoa(&a));
		return -1;
	}
	/* As relay.c's listeners: the same address may be served on two
	 * NICs; the netif binding tells them apart. */
	ip_set_option(pcb, SOF_REUSEADDR);
	tcp_bind_netif(pcb, srv->ds_netif);
	ip_addr_set_ip4_u32_val(ip, srv->ds_addr);
	if (tcp_bind(pcb, &ip, DNS_PORT) != ERR_OK) {
		log_warnx("nic %s: dns %s: TCP port %d taken", srv->ds_nic->nr_name,
		    ip4addr_ntoa(&a), DNS_PORT);
		tcp_abort(pcb);
		return -1;
	}
	ip_reset_option(pcb, SOF_REUSEADDR);
	lpcb = tcp_listen_with_backlog_and_err(pcb, DNS_TCP_MAX_CONNS, &err);
	if (lpcb == NULL) {
		log_warnx("nic %s: dns %s: listen: lwIP error %d", srv->ds_nic->nr_name,
		    ip4addr_ntoa(&a), (int)err);
		tcp_abort(pcb);
		return -1;
	}
	ip_set_option(lpcb, SOF_REUSEADDR);
	srv->ds_listen = lpcb;
	tcp_arg(lpcb, srv);
	tcp_accept(lpcb, dns_tcp_accept_cb);
	return 0;
}

/* Resets every connection and closes the listener. */
void
dns_tcp_close_all(struct dns_srv *srv)
{
	while (srv->ds_conns != NULL)
		(void)dns_tcp_free(srv->ds_conns, 1);
	if (srv->ds_listen != NULL) {
		tcp_arg(srv->ds_listen, NULL);
		tcp_accept(srv->ds_listen, NULL);
		tcp_close(srv->ds_listen);
		srv->ds_listen = NULL;
	}
}
