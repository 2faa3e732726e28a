/*
 * The DNS responder on the network (dns_serve.c, dns_tcp.c, dns_rate.c):
 * types and bounds only.
 */
#ifndef PRIVLINK_DNS_SERVE_T_H
#define PRIVLINK_DNS_SERVE_T_H

#include <stdint.h>

/* DNS's port (RFC 1035 4.2). */
#define DNS_PORT		53
/* The largest query taken, over UDP or TCP: one question (at most 255
 * bytes of name) and an OPT record with options; a message past it is no
 * query a resolver sends (dropped over UDP, the connection closed over
 * TCP). */
#define DNS_QUERY_MAX		4096
/* TCP (RFC 7766): connections at once per NIC (more are reset at the
 * handshake's end), and the time a connection may stay without a query
 * or with an answer not taken (RFC 7766 6.2.3: "a few seconds"). */
#define DNS_TCP_MAX_CONNS	16
#define DNS_TCP_IDLE_MS		5000
/* Received and not yet answered, per connection: a pbuf chain counts its
 * length in 16 bits. */
#define DNS_TCP_IN_MAX		0xffff
/* lwIP's poll of a connection, in its slow ticks (2 x TCP_TMR_INTERVAL),
 * about every 0.3 s: the idle timeout is checked then. */
#define DNS_TCP_POLL_TICKS	4

/* Per-source rate limit over UDP (TCP needs a handshake: no spoofing):
 * a token bucket per source address, [nic] dns_rate = queries a second
 * (default 100, CFG_DNS_RATE_DEFAULT) with bursts of DNS_RATE_BURST_FACTOR
 * times that, in a table of DNS_RATE_SOURCES per NIC
 * (DNS_RATE_WAYS entries a bucket; a new source takes the place of the
 * one seen least recently).  A bounded table means a flood of spoofed
 * sources can push a real one out: it comes back with a full bucket,
 * so that costs it nothing.  Over the limit every DNS_RATE_SLIP-th
 * query is answered empty with TC set (RRL's "slip"): a real client
 * behind a spoofed flood retries over TCP. */
#define DNS_RATE_BURST_FACTOR	2
#define DNS_RATE_SOURCES	4096
#define DNS_RATE_WAYS		4
#define DNS_RATE_SLIP		2

_Static_assert((DNS_RATE_SOURCES & (DNS_RATE_SOURCES - 1)) == 0, "a power of two");
_Static_assert(DNS_RATE_SOURCES % DNS_RATE_WAYS == 0, "whole buckets");

/* What the rate limit says of one query. */
enum dns_rate_verdict {
	DNS_RATE_PASS = 0,
	DNS_RATE_SLIPPED,	/* over: answer TC, empty */
	DNS_RATE_DROPPED,	/* over: no answer */
};

struct dns_rate_entry {
	uint32_t	re_addr;	/* network byte order, 0: free */
	uint32_t	re_ms;		/* sys_now() of its last token count */
	uint32_t	re_tokens;
	uint32_t	re_over;	/* queries over the limit, for the slip */
};

struct dns_rate {
	uint64_t		ra_key[2];	/* SipHash key, drawn at start */
	uint32_t		ra_per_s;	/* 0: no limit */
	uint32_t		ra_burst;
	struct dns_rate_entry	ra_tab[DNS_RATE_SOURCES];
};

/* The counters of one NIC's responder, which follow the NIC (nic_rt)
 * across reloads that keep it.  Answers by RCODE: the ones RFC 1035 and
 * 2136 name, the rest in other. */
enum {
	DNS_RC_NOERROR = 0,
	DNS_RC_FORMERR,
	DNS_RC_SERVFAIL,
	DNS_RC_NXDOMAIN,
	DNS_RC_NOTIMP,
	DNS_RC_REFUSED,
	DNS_RC_OTHER,
	DNS_RC_N,
};

struct dns_stats {
	uint64_t	ds_queries_udp;
	uint64_t	ds_queries_tcp;
	uint64_t	ds_answers[DNS_RC_N];	/* by RCODE */
	uint64_t	ds_truncated;		/* UDP answers with TC (slips not counted) */
	uint64_t	ds_rate_dropped;	/* over the per-source limit, not answered */
	uint64_t	ds_rate_slipped;	/* over it, answered TC */
	uint64_t	ds_unanswered;		/* no answer: a response, or too broken */
	uint64_t	ds_too_large;		/* longer than DNS_QUERY_MAX */
	uint64_t	ds_tcp_conns;		/* accepted */
	uint64_t	ds_tcp_refused;		/* past DNS_TCP_MAX_CONNS */
	uint64_t	ds_tcp_idle_closed;	/* closed at DNS_TCP_IDLE_MS */
	uint64_t	ds_send_errors;		/* no memory for an answer, or lwIP refused it */
};

struct dns_view;
struct netif;
struct nic_rt;
struct pbuf;
struct tcp_pcb;
struct udp_pcb;
struct dns_srv;

/* One TCP connection to a responder (dns_tcp.c). */
struct dns_tcp {
	struct dns_srv	*dt_srv;
	struct tcp_pcb	*dt_pcb;
	struct pbuf	*dt_in;		/* received, not yet taken (at most a window) */
	uint8_t		*dt_out;	/* an answer (with its length) lwIP had no room for */
	uint32_t	dt_out_len;
	uint32_t	dt_last_ms;	/* sys_now() of the last query or answer sent */
	int		dt_eof;		/* the peer sent FIN */
	struct dns_tcp	*dt_next;
};

/*
 * One NIC's responder: its address, UDP pcb, TCP listener and
 * connections, the view it answers from and its rate table.  Made when a
 * reload gives the NIC dns =, freed when one takes it away or moves it
 * (or the NIC is edited or removed); the view is replaced on every
 * reload.  Owned by its NIC (nr_dns).
 */
struct dns_srv {
	struct nic_rt		*ds_nic;
	uint32_t		ds_addr;	/* dns =, network byte order */
	struct netif		*ds_netif;
	struct udp_pcb		*ds_udp;
	struct tcp_pcb		*ds_listen;
	struct dns_tcp		*ds_conns;
	int			ds_n_conns;
	struct dns_view		*ds_view;
	uint32_t		ds_serial;	/* its SOA serial (dns_serve_apply) */
	struct dns_stats	*ds_stats;	/* the NIC's (nr_dns_stats) */
	struct dns_rate		ds_rate;
};

/* One query and its answer being made: the loop answers one query at a
 * time and lwIP copies what is sent, so every NIC's responder shares
 * these 68 KiB instead of holding its own (dns_serve.c). */
struct dns_scratch {
	uint8_t			sc_query[DNS_QUERY_MAX];
	uint8_t			sc_resp[2 + 65535];	/* TCP's length, the answer */
};
extern struct dns_scratch dns_scratch;

#endif
