/*
 * The TCP full proxy: types only.
 */
#ifndef PRIVLINK_RELAY_T_H
#define PRIVLINK_RELAY_T_H

#include <stddef.h>
#include <stdint.h>

#include "prot/ppv2.h"
#include "share-t.h"

/* Live proxied connections are limited by [appliance] max_connections,
 * and per endpoint by its share (share.c). */
/* Source ports tried on one connection when lwIP still holds the one the
 * NAT table offered (its TIME_WAIT outlived ours). */
#define RELAY_NAT_TRIES		8
/* A backend that has not answered the SYN by then is given up on, and the
 * consumer reset: consumers should not hang on a dead backend. */
#define RELAY_CONNECT_TIMEOUT_S	5
/* lwIP's poll callback runs about every RELAY_POLL_MS (in lwIP's slow
 * ticks, relay.c). */
#define RELAY_POLL_MS		500
/* Chains a direction's queue may hold past its first: a pbuf chain's
 * length is 16 bits, a window (TCP_WND) is several of them.  Two
 * neighbouring chains hold more than 0xffff bytes together, so a window
 * of W bytes needs at most 2 * W / 0xffff + 1 chains; relay.c checks this
 * against TCP_WND at compile time. */
#define RELAY_SPILL_CHAINS	16

enum relay_state {
	RELAY_CONNECTING = 0,	/* consumer accepted, backend SYN sent */
	RELAY_OPEN,		/* both connected: relaying */
	RELAY_STATE_MAX,
};

/* Why connections ended or were refused; a name table sits in relay.c. */
enum relay_event {
	RELAY_EV_ACCEPTED = 0,
	RELAY_EV_CLOSED,		/* both directions finished cleanly */
	RELAY_EV_RESET_BY_CONSUMER,
	RELAY_EV_RESET_BY_BACKEND,
	RELAY_EV_BACKEND_REFUSED,	/* RST or error before connect */
	RELAY_EV_BACKEND_TIMEOUT,
	RELAY_EV_LIMIT,			/* [appliance] max_connections reached */
	RELAY_EV_NAT_EXHAUSTED,		/* no free port on any NAT IP */
	RELAY_EV_NO_MEMORY,
	RELAY_EV_CUT,			/* reset by the appliance: unapproved, shutdown */
	RELAY_EV_NO_BACKEND,		/* refused: no backend of the pool is up */
	RELAY_EV_IDLE,			/* idle_timeout expired */
	RELAY_EV_BACKEND_DOWN,		/* reset: its backend went down (reset_on_down) */
	RELAY_EV_EP_LIMIT,		/* refused: its endpoint's max_connections */
	RELAY_EV_RATE,			/* SYN dropped: its endpoint's max_new_connections_per_s */
	RELAY_EV_NAT_SHARE,		/* refused: its endpoint holds its share of NAT ports */
	RELAY_EV_RECLAIMED,		/* reset: an idle connection ended for a new one */
	RELAY_EV_MAX,
};

struct relay_conn;
struct ep_rt;
struct svc_rt;
struct be_rt;

/* The queue's chains after its first, in order: allocated only while a
 * direction holds more than one chain, so idle connections pay nothing. */
struct relay_spill {
	struct pbuf		*rs_chains[RELAY_SPILL_CHAINS];	/* a ring */
	uint8_t			rs_head;
	uint8_t			rs_n;
};

/* One end of a relayed connection: the argument of its pcb's callbacks
 * (lwIP's error callback gets no pcb, so each end needs its own). */
struct relay_end {
	struct relay_conn	*re_conn;
	struct tcp_pcb		*re_pcb;	/* NULL once lwIP freed it */
	struct pbuf		*re_queue;	/* read here, not yet written to the peer */
	struct relay_spill	*re_spill;	/* more of it, NULL: none */
	uint32_t		re_owed;	/* window not reopened while shed (share.c) */
	uint8_t			re_eof;		/* FIN read here */
	uint8_t			re_shut;	/* FIN forwarded to the peer */
};

struct relay_conn {
	struct pl_loop		*rc_loop;
	struct ep_rt		*rc_ep;		/* NULL: the provider-side frontend */
	struct svc_rt		*rc_svc;
	struct be_rt		*rc_be;		/* NULL once a reload removed it */
	uint32_t		rc_last_ms;	/* sys_now() of the last payload either way */
	enum relay_state	rc_state;
	int			rc_ticks;	/* poll ticks while connecting */
	int			rc_nat;		/* lp_nat index, -1 before one is held */
	uint16_t		rc_nat_port;
	struct share_link	rc_share;	/* in its endpoint's list (share.c) */
	uint32_t		rc_mem;		/* bytes it holds, queued or unacked (share.c) */
	struct relay_end	rc_front;	/* the consumer's side */
	struct relay_end	rc_back;	/* the backend's side */
	struct relay_conn	*rc_prev, *rc_next;
};

/* A listener: a private endpoint's, or a service's provider-side
 * frontend's, on one rule's frontend port. */
struct relay_listener {
	struct pl_loop		*rl_loop;
	struct ep_rt		*rl_ep;		/* NULL: the frontend */
	struct svc_rt		*rl_svc;
	int			rl_rule;	/* in its service, which a kept listener's
						 * reload leaves unchanged */
	struct tcp_pcb		*rl_pcb;
};

/* Per endpoint (and per service frontend), for the status report. */
struct relay_ep_stats {
	unsigned int		es_live;
	uint64_t		es_accepted;
	uint64_t		es_cut;		/* reset because it left Approved */
	uint64_t		es_refused[RELAY_EV_MAX];	/* by reason */
	uint64_t		es_ended[RELAY_EV_MAX];		/* accepted ones, by reason */
	/* Payload written to the other side (a PROXY header is not). */
	uint64_t		es_bytes_from_consumer;		/* to the backend */
	uint64_t		es_bytes_to_consumer;		/* from the backend */
	struct share_ep		es_share;	/* what it holds of the shared */
};

/* rs_events counts every event; rs_refused and rs_ended tell apart the
 * two kinds no_memory may be (a connection refused, or one ended). */
struct relay_stats {
	uint64_t		rs_events[RELAY_EV_MAX];
	uint64_t		rs_refused[RELAY_EV_MAX];
	uint64_t		rs_ended[RELAY_EV_MAX];
	uint64_t		rs_bytes_from_consumer;
	uint64_t		rs_bytes_to_consumer;
	unsigned int		rs_live;
};

#endif
