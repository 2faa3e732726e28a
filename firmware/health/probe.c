/*
 * The probe conversation: each backend of a pool with a probe is probed
 * from the provider NIC's own address (the NIC whose subnet holds the
 * backend, else the first provider NIC with a gateway): a TCP handshake,
 * or an HTTP GET (over TLS for https) whose status must fall in the
 * pool's range.  A probe that does not finish within probe_timeout fails.
 * The next probe starts probe_interval after one finishes.  Each result
 * goes to the backend's state (health.c, health_result).
 *
 * With probe_proxy_protocol, the first bytes on the connection are a
 * PROXY v2 LOCAL header (the probe is the appliance's own, no consumer's),
 * before the request or the TLS handshake; a TCP probe then passes once
 * the backend has acknowledged the header, so a backend that takes it
 * and a backend that resets at once are told apart.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/ip_addr.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "mbedtls/ssl.h"

#include "cfg.h"
#include "health.h"
#include "log.h"
#include "loop.h"
#include "nic.h"
#include "ppv2.h"
#include "probe.h"
#include "tls_lwip.h"

/* The status line is all a probe reads of the answer. */
#define PROBE_RESP_MAX		128
/* "HTTP/1.x NNN": the shortest answer that holds a status. */
#define PROBE_STATUS_MIN	12
#define PROBE_REQ_MAX		(2 * CFG_PROBE_TEXT_MAX + 128)

struct probe {
	struct pl_loop		*pr_loop;
	struct be_rt		*pr_be;		/* the backend probed */
	struct tcp_pcb		*pr_pcb;	/* NULL between probes */
	struct tls_lwip		pr_tls;
	int			pr_tls_on;
	int			pr_handshaken;
	int			pr_sent;
	int			pr_local_sent;	/* TCP probe: LOCAL header in flight */
	char			pr_resp[PROBE_RESP_MAX];
	size_t			pr_resp_len;
};

static void probe_run(void *arg);
static void probe_timeout(void *arg);

static const struct cfg_pool *
probe_pool(const struct probe *pr)
{
	return pr->pr_be->br_pool_cfg;
}

static const struct cfg_backend *
probe_backend(const struct probe *pr)
{
	return pr->pr_be->br_cfg;
}

static uint16_t
probe_port(const struct probe *pr)
{
	const struct cfg_pool *pool = probe_pool(pr);

	return pool->pool_probe_port != 0 ? pool->pool_probe_port :
	    probe_backend(pr)->be_port;
}

static void
probe_detach(struct tcp_pcb *pcb)
{
	tcp_arg(pcb, NULL);
	tcp_recv(pcb, NULL);
	tcp_sent(pcb, NULL);
	tcp_err(pcb, NULL);
}

/*
 * Ends a probe with its result and schedules the next.  The connection is
 * reset, not closed: a probe leaves nothing in TIME_WAIT on either side.
 * Returns ERR_ABRT when self (the pcb whose callback runs) was aborted.
 */
static err_t
probe_done(struct probe *pr, struct tcp_pcb *self, int ok, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static err_t
probe_done(struct probe *pr, struct tcp_pcb *self, int ok, const char *fmt, ...)
{
	struct pl_loop *lp = pr->pr_loop;
	struct backend_health *bh = &pr->pr_be->br_health;
	char a[INET_ADDRSTRLEN];
	err_t ret = ERR_OK;
	va_list ap;

	sys_untimeout(probe_timeout, pr);
	if (pr->pr_pcb != NULL) {
		probe_detach(pr->pr_pcb);
		tcp_abort(pr->pr_pcb);
		if (pr->pr_pcb == self)
			ret = ERR_ABRT;
		pr->pr_pcb = NULL;
	}
	if (pr->pr_tls_on)
		tls_lwip_free(&pr->pr_tls);
	pr->pr_tls_on = 0;
	va_start(ap, fmt);
	vsnprintf(bh->bh_last, sizeof(bh->bh_last), fmt, ap);
	va_end(ap);
	log_debug("pool %s: probe of backend %s:%u: %s", pr->pr_be->br_pool,
	    inet_ntop(AF_INET, &pr->pr_be->br_addr, a, sizeof(a)), pr->pr_be->br_port,
	    bh->bh_last);
	health_result(lp, pr->pr_be, ok);
	ns_timeout(probe_pool(pr)->pool_probe_interval_ms, probe_run, pr);
	return ret;
}

static void
probe_timeout(void *arg)
{
	struct probe *pr = arg;

	probe_done(pr, NULL, 0, "no answer within %u ms", probe_pool(pr)->pool_probe_timeout_ms);
}

static void
probe_err(void *arg, err_t err)
{
	struct probe *pr = arg;

	if (pr == NULL)
		return;
	pr->pr_pcb = NULL;	/* lwIP freed it */
	probe_done(pr, NULL, 0, "%s", err == ERR_RST ? "connection refused or reset" :
	    err == ERR_ABRT ? "connection aborted" : "connection failed");
}

static size_t
probe_request(const struct probe *pr, char *buf, size_t len)
{
	const struct cfg_pool *pool = probe_pool(pr);
	char a[INET_ADDRSTRLEN];
	const char *host = pool->pool_probe_host[0] != '\0' ? pool->pool_probe_host :
	    inet_ntop(AF_INET, &probe_backend(pr)->be_addr, a, sizeof(a));
	int n = snprintf(buf, len, "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: privlink-probe\r\n"
	    "Connection: close\r\n\r\n", pool->pool_probe_path, host);

	return n < 0 || (size_t)n >= len ? 0 : (size_t)n;
}

/* With a whole status line read (or the answer ended): the verdict. */
static err_t
probe_status(struct probe *pr, struct tcp_pcb *self, int ended)
{
	const struct cfg_pool *pool = probe_pool(pr);
	char *eol;
	int code = 0;

	pr->pr_resp[pr->pr_resp_len] = '\0';
	eol = strstr(pr->pr_resp, "\r\n");
	if (eol == NULL && !ended && pr->pr_resp_len < sizeof(pr->pr_resp) - 1)
		return ERR_OK;		/* more to come */
	/* Only bytes this answer sent are read: an answer cut off inside
	 * its status line ("HTTP/1." then FIN) must not take its status
	 * from what lies past pr_resp_len (cleared at each probe's start). */
	if (pr->pr_resp_len < PROBE_STATUS_MIN ||
	    strncmp(pr->pr_resp, "HTTP/1.", 7) != 0 || pr->pr_resp[8] != ' ' ||
	    sscanf(pr->pr_resp + 9, "%3d", &code) != 1 || code < 100 || code > 599)
		return probe_done(pr, self, 0, "not an HTTP status line");
	if (code < pool->pool_expect_min || code > pool->pool_expect_max)
		return probe_done(pr, self, 0, "HTTP %d, expected %u-%u", code,
		    pool->pool_expect_min, pool->pool_expect_max);
	return probe_done(pr, self, 1, "HTTP %d", code);
}

/* Drives TLS as far as it goes: handshake, request, status line. */
static err_t
probe_tls_step(struct probe *pr, struct tcp_pcb *self)
{
	mbedtls_ssl_context *ssl = &pr->pr_tls.tl_ssl;
	char err[96];
	int rc;

	if (!pr->pr_handshaken) {
		rc = mbedtls_ssl_handshake(ssl);
		if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE)
			return ERR_OK;
		if (rc != 0)
			return probe_done(pr, self, 0, "TLS handshake: %s",
			    tls_lwip_strerror(rc, err, sizeof(err)));
		pr->pr_handshaken = 1;
	}
	if (!pr->pr_sent) {
		char req[PROBE_REQ_MAX];
		size_t n = probe_request(pr, req, sizeof(req));

		/* The request is far below a record: one write takes it. */
		rc = mbedtls_ssl_write(ssl, (const unsigned char *)req, n);
		if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE)
			return ERR_OK;
		if (rc < 0 || (size_t)rc != n)
			return probe_done(pr, self, 0, "TLS write: %s",
			    tls_lwip_strerror(rc < 0 ? rc : 0, err, sizeof(err)));
		pr->pr_sent = 1;
	}
	for (;;) {
		size_t room = sizeof(pr->pr_resp) - 1 - pr->pr_resp_len;

		rc = mbedtls_ssl_read(ssl, (unsigned char *)pr->pr_resp + pr->pr_resp_len, room);
		if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE)
			return ERR_OK;
		if (rc == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
			continue;
		if (rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY)
			return probe_status(pr, self, 1);
		if (rc < 0)
			return probe_done(pr, self, 0, "TLS read: %s",
			    tls_lwip_strerror(rc, err, sizeof(err)));
		pr->pr_resp_len += (size_t)rc;
		if (pr->pr_resp_len == sizeof(pr->pr_resp) - 1 ||
		    memchr(pr->pr_resp, '\n', pr->pr_resp_len) != NULL)
			return probe_status(pr, self, 0);
	}
}

static err_t
probe_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct probe *pr = arg;
	u16_t n;

	if (pr == NULL || err != ERR_OK) {
		if (p != NULL) {
			tcp_recved(pcb, p->tot_len);
			pbuf_free(p);
		}
		return pr == NULL ? ERR_OK : probe_done(pr, pcb, 0, "receive error");
	}
	if (pr->pr_local_sent) {
		/* A TCP probe reads nothing; it waits for the ack. */
		if (p == NULL)
			return probe_done(pr, pcb, 0, "closed before acknowledging the PROXY v2 "
			    "LOCAL header");
		tcp_recved(pcb, p->tot_len);
		pbuf_free(p);
		return ERR_OK;
	}
	if (pr->pr_tls_on) {
		tls_lwip_feed(&pr->pr_tls, p);
		return probe_tls_step(pr, pcb);
	}
	if (p == NULL)
		return probe_status(pr, pcb, 1);
	n = pbuf_copy_partial(p, pr->pr_resp + pr->pr_resp_len,
	    (u16_t)(sizeof(pr->pr_resp) - 1 - pr->pr_resp_len), 0);
	pr->pr_resp_len += n;
	tcp_recved(pcb, p->tot_len);
	pbuf_free(p);
	return probe_status(pr, pcb, 0);
}

/* Room in the send buffer again: TLS may have been waiting for it. */
static err_t
probe_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	struct probe *pr = arg;

	(void)len;
	if (pr != NULL && pr->pr_local_sent && pcb->unsent == NULL && pcb->unacked == NULL)
		return probe_done(pr, pcb, 1, "TCP handshake completed, PROXY v2 LOCAL acknowledged");
	if (pr == NULL || !pr->pr_tls_on)
		return ERR_OK;
	return probe_tls_step(pr, pcb);
}

static err_t
probe_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct probe *pr = arg;
	const struct cfg_pool *pool;
	char req[PROBE_REQ_MAX], e[96];
	size_t n;
	int rc;

	if (pr == NULL)
		return ERR_OK;
	if (err != ERR_OK)
		return probe_done(pr, pcb, 0, "connect error %d", (int)err);
	pool = probe_pool(pr);
	if (pool->pool_probe_pp) {
		uint8_t local[PPV2_HDR_LEN];

		n = ppv2_write_local(local, sizeof(local));
		if (n == 0 || tcp_write(pcb, local, (u16_t)n, TCP_WRITE_FLAG_COPY) != ERR_OK)
			return probe_done(pr, pcb, 0, "cannot send the PROXY v2 LOCAL header");
		if (pool->pool_probe == CFG_PROBE_TCP) {
			pr->pr_local_sent = 1;
			tcp_output(pcb);
			return ERR_OK;
		}
	}
	switch (pool->pool_probe) {
	case CFG_PROBE_HTTP:
		n = probe_request(pr, req, sizeof(req));
		if (n == 0 || tcp_write(pcb, req, (u16_t)n, TCP_WRITE_FLAG_COPY) != ERR_OK)
			return probe_done(pr, pcb, 0, "cannot send the request");
		tcp_output(pcb);
		return ERR_OK;
	case CFG_PROBE_HTTPS:
		rc = tls_lwip_start(&pr->pr_tls, pcb,
		    pool->pool_probe_host[0] != '\0' ? pool->pool_probe_host : NULL);
		pr->pr_tls_on = 1;
		if (rc != 0)
			return probe_done(pr, pcb, 0, "TLS setup: %s", tls_lwip_strerror(rc, e, sizeof(e)));
		return probe_tls_step(pr, pcb);
	case CFG_PROBE_TCP:
	default:
		return probe_done(pr, pcb, 1, "TCP handshake completed");
	}
}

/* The provider NIC's own address, the probe's source. */
static struct netif *
probe_source(struct probe *pr, ip_addr_t *ip)
{
	const struct pl_config *cfg = pr->pr_loop->lp_cfg;
	int nic = cfg_backend_nic(cfg, probe_backend(pr)->be_addr);

	if (nic == -1)
		return NULL;
	ip_addr_set_ip4_u32_val(*ip, cfg->nics[nic].nic_addr);
	return nic_addr_find(nic_of(cfg, nic), cfg->nics[nic].nic_addr);
}

static void
probe_run(void *arg)
{
	struct probe *pr = arg;
	const struct cfg_backend *be = probe_backend(pr);
	ip_addr_t src_ip;
	struct netif *src = probe_source(pr, &src_ip);
	struct tcp_pcb *pcb;
	ip_addr_t dst;

	pr->pr_resp_len = 0;
	memset(pr->pr_resp, 0, sizeof(pr->pr_resp));
	pr->pr_handshaken = pr->pr_sent = pr->pr_local_sent = 0;
	ns_timeout(probe_pool(pr)->pool_probe_timeout_ms, probe_timeout, pr);
	if (src == NULL) {
		probe_done(pr, NULL, 0, "no provider address to probe from");
		return;
	}
	if ((pcb = tcp_new_ip_type(IPADDR_TYPE_V4)) == NULL) {
		probe_done(pr, NULL, 0, "no memory for a probe");
		return;
	}
	tcp_bind_netif(pcb, src);
	if (tcp_bind(pcb, &src_ip, 0) != ERR_OK) {
		tcp_abort(pcb);
		probe_done(pr, NULL, 0, "no local port for a probe");
		return;
	}
	pr->pr_pcb = pcb;
	tcp_arg(pcb, pr);
	tcp_err(pcb, probe_err);
	tcp_recv(pcb, probe_recv);
	tcp_sent(pcb, probe_sent);
	tcp_nagle_disable(pcb);
	ip_addr_set_ip4_u32_val(dst, be->be_addr);
	if (tcp_connect(pcb, &dst, probe_port(pr), probe_connected) != ERR_OK)
		probe_done(pr, NULL, 0, "connect failed at once");
}

/*
 * A probe of backend br, its first run first_ms from now; NULL without
 * memory (logged).  The caller owns it: probe_free.
 */
struct probe *
probe_new(struct pl_loop *lp, struct be_rt *br, uint32_t first_ms)
{
	struct probe *pr = calloc(1, sizeof(*pr));

	if (pr == NULL) {
		log_warn("pool %s: a probe", br->br_pool);
		return NULL;
	}
	pr->pr_loop = lp;
	pr->pr_be = br;
	ns_timeout(first_ms, probe_run, pr);
	return pr;
}

/* Stops a probe, pending or in flight, and frees it; NULL is fine. */
void
probe_free(struct probe *pr)
{
	if (pr == NULL)
		return;
	sys_untimeout(probe_run, pr);
	sys_untimeout(probe_timeout, pr);
	if (pr->pr_pcb != NULL) {
		probe_detach(pr->pr_pcb);
		tcp_abort(pr->pr_pcb);
	}
	if (pr->pr_tls_on)
		tls_lwip_free(&pr->pr_tls);
	free(pr);
}
