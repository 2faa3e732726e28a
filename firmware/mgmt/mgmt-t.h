/*
 * The management API's server: types only (mgmt.c serves, mgmt_api.c
 * answers).
 */
#ifndef PRIVLINK_MGMT_T_H
#define PRIVLINK_MGMT_T_H

#include <stddef.h>
#include <stdint.h>

#include "cfg-t.h"
#include "http_req-t.h"
#include "mgmt_tls.h"
#include "tls_lwip.h"

/* Connections served at once.  An operator, a script and a Prometheus
 * scraper need a few; when all are taken, a new one takes the place of the
 * oldest that has not finished its handshake (an unauthenticated peer
 * cannot hold the port against an authenticated one). */
#define MGMT_MAX_CONNS		8
/* From the SYN to the last byte of the request, handshake included: a
 * client that sends slowly (slowloris) is cut then. */
#define MGMT_REQUEST_TIMEOUT_MS	10000
/* To take the whole response. */
#define MGMT_RESPONSE_TIMEOUT_MS 30000
/* A request read whole: its head and the largest body (http_req-t.h). */
#define MGMT_IN_MAX		(HTTP_HEAD_MAX + HTTP_BODY_MAX)
/* The certificate subject kept for the audit log. */
#define MGMT_SUBJECT_MAX	256

struct pl_loop;

/* A server's credentials, shared by the connections that handshook with
 * them: a reload that changes them leaves those connections theirs. */
struct mgmt_creds {
	struct mgmt_tls		cr_tls;
	int			cr_refs;
	uint8_t			cr_files_sha256[32];	/* of the PEM files read */
};

enum mgmt_conn_state {
	MGMT_HANDSHAKE = 0,
	MGMT_READING,
	MGMT_WRITING,
};

struct mgmt_conn {
	struct mgmt		*c_mgmt;
	struct mgmt_creds	*c_creds;
	struct tls_lwip		c_tls;		/* c_tls.tl_pcb NULL once lwIP freed it */
	enum mgmt_conn_state	c_state;
	enum mgmt_role		c_role;
	int			c_continued;	/* 100 Continue sent */
	int			c_dead;		/* its pcb went while it was answered */
	char			c_subject[MGMT_SUBJECT_MAX];
	char			*c_in;		/* the request as it arrives */
	size_t			c_in_len, c_in_cap;
	char			*c_out;		/* the whole response */
	size_t			c_out_len, c_out_off;
	uint32_t		c_deadline_ms;	/* sys_now() it is cut at */
	struct mgmt_conn	*c_prev, *c_next;	/* oldest first */
};

/* Counted for the status and metrics. */
struct mgmt_stats {
	uint64_t		ms_accepted;
	uint64_t		ms_evicted;	/* an unfinished handshake made room */
	uint64_t		ms_refused;	/* all slots busy with authenticated clients */
	uint64_t		ms_handshake_failed;
	uint64_t		ms_timeouts;
	uint64_t		ms_requests;
	uint64_t		ms_changes;	/* writes applied */
	uint64_t		ms_changes_refused;
};

struct mgmt {
	struct pl_loop		*m_loop;
	struct tcp_pcb		*m_listen;
	struct mgmt_creds	*m_creds;
	struct cfg_management	m_cfg;		/* what it listens with */
	struct mgmt_conn	*m_conns, *m_conns_tail;
	int			m_n;
	struct mgmt_conn	*m_busy;	/* answering now: not cut by a reload */
	struct mgmt_stats	m_stats;
	/* Drop files written through the API since start (their source). */
	char			m_written[CFG_MAX_FILES][CFG_FILE_MAX];
	int			m_n_written;
};

#endif
