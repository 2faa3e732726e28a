/*
 * The management API's server: a TLS listener on the [management]
 * address, served by lwIP like the endpoints, one request per connection
 * (the response says Connection: close).
 *
 * Nothing here blocks the event loop: mbedTLS reads the pbufs lwIP handed
 * over and writes into the pcb's send buffer (tls_lwip.c), and each step
 * goes as far as the bytes at hand allow.  The peer is bounded everywhere:
 * MGMT_MAX_CONNS connections, a request (handshake included) within
 * MGMT_REQUEST_TIMEOUT_MS and of at most MGMT_IN_MAX bytes, the window
 * reopened only as mbedTLS reads, so a slow or hostile client holds one
 * slot and a few buffers, never the loop.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/ip4_addr.h"
#include "lwip/sys.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "mbedtls/sha256.h"
#include "mbedtls/ssl.h"

#include "http_req.h"
#include "log.h"
#include "loop.h"
#include "mgmt.h"
#include "nic.h"
#include "mgmt_api.h"
#include "mgmt_persist.h"

/* lwIP's poll callback: about every second (lwIP's slow ticks). */
#define MGMT_POLL_TICKS		(1000 / TCP_SLOW_INTERVAL)
/* The first read buffer; it grows to what the request says it holds. */
#define MGMT_IN_FIRST		4096

/* The drop directory mgmt_persist writes into (lp_confdir). */
static const char *mgmt_confdir;

static void mgmt_conn_step(struct mgmt_conn *c);

/* The identity the appliance made itself (mgmt_tls.c) is kept like an
 * API change. */
static int
mgmt_persist_identity(const struct cfg_change *ch, int n)
{
	return mgmt_persist(mgmt_confdir, ch, n, stderr);
}

/*
 * A digest of the PEM files [management] names, as they are now: a reload
 * loads the credentials again only when one changed.  A file that cannot
 * be read counts as empty (loading it reports the error).
 */
static void
mgmt_files_digest(const char *dir, const struct cfg_management *mg, uint8_t out[32])
{
	const char *names[] = { mg->mg_tls_cert, mg->mg_tls_key, mg->mg_client_ca,
	    mg->mg_read_only_ca };
	mbedtls_sha256_context sha;
	char path[2 * CFG_FILE_MAX], buf[4096];

	mbedtls_sha256_init(&sha);
	mbedtls_sha256_starts(&sha, 0);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		FILE *f;
		size_t n;

		mbedtls_sha256_update(&sha, (const unsigned char *)names[i], strlen(names[i]) + 1);
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (names[i][0] == '\0' || (f = fopen(path, "re")) == NULL)
			continue;
		while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
			mbedtls_sha256_update(&sha, (const unsigned char *)buf, n);
		fclose(f);
	}
	mbedtls_sha256_finish(&sha, out);
	mbedtls_sha256_free(&sha);
}

/*
 * lwIP must be told, by ERR_ABRT from the callback it is in, when that
 * callback reset its own pcb.  Callbacks note their pcb here, and
 * mgmt_conn_free says when it reset that one.
 */
static struct tcp_pcb *mgmt_cb_pcb;
static int mgmt_cb_aborted;

static void
mgmt_cb_enter(struct tcp_pcb *pcb)
{
	mgmt_cb_pcb = pcb;
	mgmt_cb_aborted = 0;
}

static err_t
mgmt_cb_leave(void)
{
	mgmt_cb_pcb = NULL;
	return mgmt_cb_aborted ? ERR_ABRT : ERR_OK;
}

static void
mgmt_creds_release(struct mgmt_creds *cr)
{
	if (cr != NULL && --cr->cr_refs == 0) {
		mgmt_tls_free(&cr->cr_tls);
		free(cr);
	}
}

static struct mgmt_creds *
mgmt_creds_load(struct pl_loop *lp, const struct cfg_management *mg, FILE *errs)
{
	struct mgmt_creds *cr = calloc(1, sizeof(*cr));

	if (cr == NULL) {
		fprintf(errs, "management: no memory for the TLS credentials\n");
		return NULL;
	}
	if (mgmt_tls_setup(&cr->cr_tls, lp->lp_confdir, mg, mgmt_persist_identity, errs) != 0) {
		free(cr);
		return NULL;
	}
	mgmt_files_digest(lp->lp_confdir, mg, cr->cr_files_sha256);
	cr->cr_refs = 1;
	return cr;
}

/* Forgets c; its pcb is closed (FIN after what is queued) or, with
 * abort, reset.  The pcb may already be gone (lwIP's error callback). */
static void
mgmt_conn_free(struct mgmt_conn *c, int abort)
{
	struct mgmt *m = c->c_mgmt;
	struct tcp_pcb *pcb = c->c_tls.tl_pcb;

	if (pcb != NULL) {
		if (ns_tcp_release(pcb, abort) && pcb == mgmt_cb_pcb)
			mgmt_cb_aborted = 1;
		c->c_tls.tl_pcb = NULL;
	}
	tls_lwip_free(&c->c_tls);
	if (c->c_prev != NULL)
		c->c_prev->c_next = c->c_next;
	else
		m->m_conns = c->c_next;
	if (c->c_next != NULL)
		c->c_next->c_prev = c->c_prev;
	else
		m->m_conns_tail = c->c_prev;
	m->m_n--;
	mgmt_creds_release(c->c_creds);
	free(c->c_in);
	free(c->c_out);
	free(c);
}

static err_t
mgmt_recv_cb(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct mgmt_conn *c = arg;

	if (c == NULL) {
		if (p != NULL)
			pbuf_free(p);
		return ERR_OK;
	}
	mgmt_cb_enter(pcb);
	if (err != ERR_OK) {
		if (p != NULL)
			pbuf_free(p);
		mgmt_conn_free(c, 1);
		return mgmt_cb_leave();
	}
	tls_lwip_feed(&c->c_tls, p);
	mgmt_conn_step(c);
	return mgmt_cb_leave();
}

static err_t
mgmt_sent_cb(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	struct mgmt_conn *c = arg;

	(void)len;
	if (c == NULL || c->c_state != MGMT_WRITING)
		return ERR_OK;
	mgmt_cb_enter(pcb);
	mgmt_conn_step(c);
	return mgmt_cb_leave();
}

static void
mgmt_err_cb(void *arg, err_t err)
{
	struct mgmt_conn *c = arg;

	(void)err;
	if (c == NULL)
		return;
	if (c->c_tls.tl_pcb == mgmt_cb_pcb && mgmt_cb_pcb != NULL)
		mgmt_cb_aborted = 1;	/* reset under its own callback */
	c->c_tls.tl_pcb = NULL;		/* lwIP freed it */
	if (c == c->c_mgmt->m_busy) {
		/* A change it asked for reset it (its address went away):
		 * the request's handler still holds it. */
		c->c_dead = 1;
		return;
	}
	mgmt_conn_free(c, 0);
}

static err_t
mgmt_poll_cb(void *arg, struct tcp_pcb *pcb)
{
	struct mgmt_conn *c = arg;

	if (c == NULL)
		return ERR_OK;
	mgmt_cb_enter(pcb);
	if ((int32_t)(sys_now() - c->c_deadline_ms) >= 0) {
		c->c_mgmt->m_stats.ms_timeouts++;
		log_debug("management: %s: too slow, cut", c->c_subject[0] ? c->c_subject :
		    "a client");
		mgmt_conn_free(c, 1);
	} else if (c->c_state == MGMT_WRITING) {
		mgmt_conn_step(c);
	}
	return mgmt_cb_leave();
}

/* Room for one more connection: the oldest unfinished handshake goes. */
static int
mgmt_make_room(struct mgmt *m)
{
	if (m->m_n < MGMT_MAX_CONNS)
		return 0;
	for (struct mgmt_conn *c = m->m_conns; c != NULL; c = c->c_next)
		if (c->c_state == MGMT_HANDSHAKE) {
			m->m_stats.ms_evicted++;
			mgmt_conn_free(c, 1);
			return 0;
		}
	m->m_stats.ms_refused++;
	return -1;
}

static err_t
mgmt_accept_cb(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct mgmt *m = arg;
	struct mgmt_conn *c;
	int rc;

	if (err != ERR_OK || pcb == NULL)
		return ERR_VAL;
	if (m == NULL || m->m_creds == NULL || mgmt_make_room(m) != 0 ||
	    (c = calloc(1, sizeof(*c))) == NULL) {
		tcp_abort(pcb);
		return ERR_ABRT;
	}
	if ((rc = tls_lwip_accept(&c->c_tls, pcb, &m->m_creds->cr_tls.mt_conf)) != 0) {
		char why[128];

		log_warnx("management: TLS setup: %s", tls_lwip_strerror(rc, why, sizeof(why)));
		tls_lwip_free(&c->c_tls);
		free(c);
		tcp_abort(pcb);
		return ERR_ABRT;
	}
	c->c_mgmt = m;
	c->c_creds = m->m_creds;
	c->c_creds->cr_refs++;
	c->c_deadline_ms = sys_now() + MGMT_REQUEST_TIMEOUT_MS;
	c->c_prev = m->m_conns_tail;
	if (m->m_conns_tail != NULL)
		m->m_conns_tail->c_next = c;
	else
		m->m_conns = c;
	m->m_conns_tail = c;
	m->m_n++;
	m->m_stats.ms_accepted++;
	tcp_arg(pcb, c);
	tcp_recv(pcb, mgmt_recv_cb);
	tcp_sent(pcb, mgmt_sent_cb);
	tcp_err(pcb, mgmt_err_cb);
	tcp_poll(pcb, mgmt_poll_cb, MGMT_POLL_TICKS);
	tcp_nagle_disable(pcb);
	return ERR_OK;
}

/* 0 when the handshake is done, 1 to wait for more bytes, -1 when c is
 * done (freed).  Failures are counted (status, metrics) and logged at
 * debug level only: a peer could otherwise fill the log with them. */
static int
mgmt_conn_handshake(struct mgmt_conn *c)
{
	struct mgmt *m = c->c_mgmt;
	int rc = mbedtls_ssl_handshake(&c->c_tls.tl_ssl);

	if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE)
		return 1;
	if (rc != 0) {
		char why[128];

		m->m_stats.ms_handshake_failed++;
		log_debug("management: handshake refused: %s",
		    tls_lwip_strerror(rc, why, sizeof(why)));
		mgmt_conn_free(c, 1);
		return -1;
	}
	c->c_role = mgmt_tls_peer_role(&c->c_creds->cr_tls, &c->c_tls.tl_ssl, c->c_subject,
	    sizeof(c->c_subject));
	if (c->c_role == MGMT_ROLE_NONE) {
		m->m_stats.ms_handshake_failed++;
		log_debug("management: %s: certificate not accepted", c->c_subject);
		mgmt_conn_free(c, 1);
		return -1;
	}
	c->c_state = MGMT_READING;
	return 0;
}

/* Reads what mbedTLS has into c_in, growing it as far as the request
 * may need.  1: bytes were read, 0: nothing more now, -1: c is done. */
static int
mgmt_conn_read(struct mgmt_conn *c)
{
	int rc;

	if (c->c_in_len == c->c_in_cap) {
		size_t cap = c->c_in_cap == 0 ? MGMT_IN_FIRST : 2 * c->c_in_cap;
		char *in;

		if (c->c_in_cap >= MGMT_IN_MAX)
			return 0;	/* the parser says 413 or 431 */
		if (cap > MGMT_IN_MAX)
			cap = MGMT_IN_MAX;
		if ((in = realloc(c->c_in, cap)) == NULL) {
			mgmt_conn_free(c, 1);
			return -1;
		}
		c->c_in = in;
		c->c_in_cap = cap;
	}
	rc = mbedtls_ssl_read(&c->c_tls.tl_ssl, (unsigned char *)c->c_in + c->c_in_len,
	    c->c_in_cap - c->c_in_len);
	if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE)
		return 0;
	if (rc <= 0) {
		/* Closed or broken before the request was whole. */
		mgmt_conn_free(c, rc != 0 && rc != MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY);
		return -1;
	}
	c->c_in_len += (size_t)rc;
	return 1;
}

/* Parses what came; with a whole request (or a bad one), the response.
 * -1 when c is done (freed), 0 to go on. */
static int
mgmt_conn_request(struct mgmt_conn *c)
{
	struct http_req req;
	int rc;

	/* The parser keeps offsets into c_in, so growing it (which moves it)
	 * between calls is fine: it sees the same bytes at the same places. */
	http_req_init(&req);
	for (;;) {
		int got = mgmt_conn_read(c);

		if (got < 0)
			return -1;
		rc = http_req_parse(&req, c->c_in, c->c_in_len);
		if (rc != HTTP_REQ_MORE)
			break;
		if (req.hr_head_len != 0 && req.hr_expect_continue && !c->c_continued) {
			/* curl waits a second for this before a large body. */
			static const char go_on[] = "HTTP/1.1 100 Continue\r\n\r\n";

			c->c_continued = 1;
			mbedtls_ssl_write(&c->c_tls.tl_ssl, (const unsigned char *)go_on,
			    sizeof(go_on) - 1);
		}
		if (got == 0) {
			if (c->c_in_len == c->c_in_cap && c->c_in_cap >= MGMT_IN_MAX)
				rc = 413;	/* cannot happen: the parser bounds it */
			else
				return 0;
			break;
		}
	}
	c->c_mgmt->m_stats.ms_requests++;
	c->c_mgmt->m_busy = c;
	if (rc == HTTP_REQ_DONE)
		mgmt_api_handle(c->c_mgmt->m_loop, c, &req);
	else
		mgmt_api_error(c, rc);
	c->c_mgmt->m_busy = NULL;
	if (c->c_dead) {
		mgmt_conn_free(c, 0);
		return -1;
	}
	free(c->c_in);
	c->c_in = NULL;
	c->c_in_len = c->c_in_cap = 0;
	c->c_state = MGMT_WRITING;
	c->c_deadline_ms = sys_now() + MGMT_RESPONSE_TIMEOUT_MS;
	return 0;
}

/* Writes what fits of the response; at its end, close_notify and FIN. */
static void
mgmt_conn_write(struct mgmt_conn *c)
{
	while (c->c_out_off < c->c_out_len) {
		int rc = mbedtls_ssl_write(&c->c_tls.tl_ssl,
		    (const unsigned char *)c->c_out + c->c_out_off, c->c_out_len - c->c_out_off);

		if (rc == MBEDTLS_ERR_SSL_WANT_WRITE || rc == MBEDTLS_ERR_SSL_WANT_READ)
			return;
		if (rc < 0) {
			mgmt_conn_free(c, 1);
			return;
		}
		c->c_out_off += (size_t)rc;
	}
	if (mbedtls_ssl_close_notify(&c->c_tls.tl_ssl) == MBEDTLS_ERR_SSL_WANT_WRITE)
		return;
	mgmt_conn_free(c, 0);
}

static void
mgmt_conn_step(struct mgmt_conn *c)
{
	if (c->c_state == MGMT_HANDSHAKE && mgmt_conn_handshake(c) != 0)
		return;
	if (c->c_state == MGMT_READING && mgmt_conn_request(c) != 0)
		return;
	if (c->c_state == MGMT_WRITING && c->c_tls.tl_pcb != NULL)
		mgmt_conn_write(c);
}

static int
mgmt_listen(struct mgmt *m)
{
	struct pl_loop *lp = m->m_loop;
	const struct cfg_management *mg = &m->m_cfg;
	struct netif *netif = nic_addr_get(nic_of(lp->lp_cfg, mg->mg_nic), mg->mg_addr);
	struct tcp_pcb *pcb, *lpcb;
	ip_addr_t ip;
	err_t err;

	if (netif == NULL)
		return -1;
	if ((pcb = tcp_new_ip_type(IPADDR_TYPE_V4)) == NULL) {
		log_warnx("management: no memory for a listener");
		return -1;
	}
	tcp_bind_netif(pcb, netif);
	ip_addr_set_ip4_u32_val(ip, mg->mg_addr);
	if ((err = tcp_bind(pcb, &ip, mg->mg_port)) != ERR_OK) {
		log_warnx("management: bind port %u: lwIP error %d", mg->mg_port, (int)err);
		tcp_abort(pcb);
		return -1;
	}
	if ((lpcb = tcp_listen_with_backlog_and_err(pcb, MGMT_MAX_CONNS, &err)) == NULL) {
		log_warnx("management: listen on port %u: lwIP error %d", mg->mg_port, (int)err);
		tcp_abort(pcb);
		return -1;
	}
	m->m_listen = lpcb;
	tcp_arg(lpcb, m);
	tcp_accept(lpcb, mgmt_accept_cb);
	log_info("management: https://%s:%u/ on nic %s", ip4addr_ntoa(ip_2_ip4(&ip)),
	    mg->mg_port, lp->lp_cfg->nics[mg->mg_nic].nic_name);
	return 0;
}

static void
mgmt_unlisten(struct mgmt *m)
{
	if (m->m_listen == NULL)
		return;
	tcp_arg(m->m_listen, NULL);
	tcp_accept(m->m_listen, NULL);
	tcp_close(m->m_listen);
	m->m_listen = NULL;
}

/* Starts the API when the drop has a [management].  0, or -1 (logged). */
int
mgmt_start(struct pl_loop *lp)
{
	const struct cfg_management *mg = &lp->lp_cfg->management;
	struct mgmt *m;

	mgmt_confdir = lp->lp_confdir;
	if (!mg->mg_enabled)
		return 0;
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		log_warnx("management: no memory");
		return -1;
	}
	m->m_loop = lp;
	m->m_cfg = *mg;
	if ((m->m_creds = mgmt_creds_load(lp, mg, stderr)) == NULL || mgmt_listen(m) != 0) {
		mgmt_creds_release(m->m_creds);
		free(m);
		return -1;
	}
	lp->lp_mgmt = m;
	return 0;
}

/* Resets every connection, closes the listener. */
void
mgmt_stop(struct pl_loop *lp)
{
	struct mgmt *m = lp->lp_mgmt;

	if (m == NULL)
		return;
	while (m->m_conns != NULL)
		mgmt_conn_free(m->m_conns, 1);
	mgmt_unlisten(m);
	mgmt_creds_release(m->m_creds);
	free(m);
	lp->lp_mgmt = NULL;
}

/* Does [management] a listen where b does? */
static int
mgmt_same_place(const struct cfg_management *a, const struct cfg_management *b)
{
	return a->mg_enabled == b->mg_enabled && a->mg_nic == b->mg_nic &&
	    a->mg_addr == b->mg_addr && a->mg_port == b->mg_port;
}

/*
 * Before a reload replaces the config with next: a listener that moves
 * (NIC, address, port) closes now, before its address may be freed, and
 * so do its connections but the one answering (its pcb stays while its
 * address does).
 */
void
mgmt_reload_prepare(struct pl_loop *lp, const struct pl_config *next)
{
	struct mgmt *m = lp->lp_mgmt;

	/* A NIC a reload edits is another NIC: its listener must close
	 * before the old one's addresses go. */
	if (m == NULL || (mgmt_same_place(&m->m_cfg, &next->management) &&
	    nic_of(lp->lp_cfg, m->m_cfg.mg_nic) == nic_of(next, next->management.mg_nic)))
		return;
	for (struct mgmt_conn *c = m->m_conns, *nx; c != NULL; c = nx) {
		nx = c->c_next;
		if (c != m->m_busy)
			mgmt_conn_free(c, 1);
	}
	mgmt_unlisten(m);
}

/*
 * After a reload: the API follows the new [management].  Credentials are
 * loaded again when a file or a name changed; when they cannot be, the
 * old ones stay (logged).  Connections keep the credentials they began
 * with.
 */
void
mgmt_reload_finish(struct pl_loop *lp)
{
	const struct cfg_management *mg = &lp->lp_cfg->management;
	struct mgmt *m = lp->lp_mgmt;
	struct mgmt_creds *cr;
	uint8_t files[32];

	if (m == NULL) {
		if (mg->mg_enabled && mgmt_start(lp) != 0)
			log_warnx("management: not serving");
		return;
	}
	if (!mg->mg_enabled) {
		mgmt_stop(lp);
		log_info("management: stopped (no [management] in the drop)");
		return;
	}
	mgmt_files_digest(lp->lp_confdir, mg, files);
	if (strcmp(m->m_cfg.mg_tls_cert, mg->mg_tls_cert) != 0 ||
	    strcmp(m->m_cfg.mg_tls_key, mg->mg_tls_key) != 0 ||
	    strcmp(m->m_cfg.mg_client_ca, mg->mg_client_ca) != 0 ||
	    strcmp(m->m_cfg.mg_read_only_ca, mg->mg_read_only_ca) != 0 ||
	    memcmp(files, m->m_creds->cr_files_sha256, sizeof(files)) != 0) {
		if ((cr = mgmt_creds_load(lp, mg, stderr)) == NULL) {
			log_warnx("management: keeping the previous certificates");
		} else {
			mgmt_creds_release(m->m_creds);
			m->m_creds = cr;
			log_info("management: certificates loaded again");
		}
	}
	m->m_cfg = *mg;
	if (m->m_listen == NULL && mgmt_listen(m) != 0)
		log_warnx("management: not listening");
}
