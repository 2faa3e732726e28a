/*
 * The DNS responder on the network (dns_serve.c, dns_tcp.c): one per
 * consumer [nic] with dns =, on UDP and TCP port 53 of that address.
 */
#ifndef PRIVLINK_DNS_SERVE_H
#define PRIVLINK_DNS_SERVE_H

#include <stddef.h>
#include <stdint.h>

#include "dns.h"
#include "dns_serve-t.h"

struct pl_config;
struct pl_loop;

void dns_serve_prepare(struct pl_loop *lp, const struct pl_config *next);
void dns_serve_apply(struct pl_loop *lp);
void dns_serve_stop_all(struct pl_loop *lp);
void dns_serve_stop(struct nic_rt *nr);
int dns_serve_uses(const struct pl_config *next, const struct nic_rt *nr, uint32_t addr);
void dns_serve_count(struct dns_stats *st, const struct dns_result *res, size_t len);

/* dns_tcp.c */
int dns_tcp_listen(struct dns_srv *srv);
void dns_tcp_close_all(struct dns_srv *srv);

#endif
