/*
 * TCP options in lwIP's input hook (ns_tcp_opts.c).
 */
#ifndef PRIVLINK_NS_TCP_OPTS_H
#define PRIVLINK_NS_TCP_OPTS_H

#include <stddef.h>

#include "lwip/arch.h"

/* Option kinds (RFC 9293, RFC 7323, RFC 2018). */
#define NS_TCP_OPT_END		0
#define NS_TCP_OPT_NOP		1
#define NS_TCP_OPT_MSS		2
#define NS_TCP_OPT_WS		3
#define NS_TCP_OPT_SACK		5

struct tcp_hdr;

/*
 * The body of the first option of that kind among the optlen bytes of
 * options (opt1len of them after the header, the rest at opt2): its first
 * max bytes copied to out; returns its length (which may be more than
 * max), or -1 when there is none before the end or a malformed option.
 */
int ns_tcp_opt_get(const struct tcp_hdr *hdr, u16_t optlen, u16_t opt1len, const u8_t *opt2,
    u8_t kind, u8_t *out, size_t max);

#endif
