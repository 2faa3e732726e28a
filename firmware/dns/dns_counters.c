/*
 * The responder's counters by name.  The table is constant data: no
 * state of the loop.
 */
#include "dns_counters.h"

#define DS(f)	offsetof(struct dns_stats, f)

const struct dns_counter dns_counters[] = {
	{ "queries_udp", "queries", "transport", "udp",
	  "DNS queries received by the NIC's responder", DS(ds_queries_udp) },
	{ "queries_tcp", "queries", "transport", "tcp", NULL, DS(ds_queries_tcp) },
	{ "noerror", "answers", "rcode", "noerror",
	  "DNS answers sent, by RCODE", DS(ds_answers[DNS_RC_NOERROR]) },
	{ "formerr", "answers", "rcode", "formerr", NULL, DS(ds_answers[DNS_RC_FORMERR]) },
	{ "servfail", "answers", "rcode", "servfail", NULL, DS(ds_answers[DNS_RC_SERVFAIL]) },
	{ "nxdomain", "answers", "rcode", "nxdomain", NULL, DS(ds_answers[DNS_RC_NXDOMAIN]) },
	{ "notimp", "answers", "rcode", "notimp", NULL, DS(ds_answers[DNS_RC_NOTIMP]) },
	{ "refused", "answers", "rcode", "refused", NULL, DS(ds_answers[DNS_RC_REFUSED]) },
	{ "other_rcode", "answers", "rcode", "other", NULL, DS(ds_answers[DNS_RC_OTHER]) },
	{ "truncated", "truncated", NULL, NULL,
	  "DNS answers over UDP sent truncated (TC), the rest to be asked over TCP",
	  DS(ds_truncated) },
	{ "rate_dropped", "rate_limited", "action", "dropped",
	  "DNS queries over their source's rate limit", DS(ds_rate_dropped) },
	{ "rate_slipped", "rate_limited", "action", "slipped", NULL, DS(ds_rate_slipped) },
	{ "unanswered", "unanswered", "reason", "not_a_query",
	  "DNS messages not answered", DS(ds_unanswered) },
	{ "too_large", "unanswered", "reason", "too_large", NULL, DS(ds_too_large) },
	{ "tcp_accepted", "tcp_connections", "result", "accepted",
	  "DNS TCP connections", DS(ds_tcp_conns) },
	{ "tcp_refused", "tcp_connections", "result", "refused", NULL, DS(ds_tcp_refused) },
	{ "tcp_idle_closed", "tcp_connections", "result", "idle_closed", NULL,
	  DS(ds_tcp_idle_closed) },
	{ "send_errors", "send_errors", NULL, NULL,
	  "DNS answers not sent: no memory, or the stack refused them", DS(ds_send_errors) },
};
const size_t dns_n_counters = sizeof(dns_counters) / sizeof(dns_counters[0]);
