/*
 * Fair shares between tenants: connections, new connections per second
 * and NAT ports per endpoint.
 */
#ifndef PRIVLINK_SHARE_H
#define PRIVLINK_SHARE_H

#include "loop.h"
#include "relay-t.h"
#include "share-t.h"

unsigned int share_max_conns(const struct pl_loop *lp);
unsigned int share_ep_max_conns(const struct pl_loop *lp, const struct cfg_endpoint *ep);
unsigned int share_nat_ports(const struct pl_loop *lp, const struct cfg_service *svc);
unsigned int share_ports_held(struct relay_ep_stats *es);
enum relay_event share_syn(struct pl_loop *lp, struct ep_rt *er, struct svc_rt *sr);
enum relay_event share_accept(struct pl_loop *lp, struct ep_rt *er, struct svc_rt *sr,
    struct relay_conn **reclaim);
void share_conn_add(struct pl_loop *lp, struct relay_conn *rc);
void share_conn_data(struct relay_conn *rc);
void share_conn_del(struct pl_loop *lp, struct relay_conn *rc, int hold);
void share_apply_syn_rates(struct pl_loop *lp);
void share_mem(struct pl_loop *lp, struct relay_conn *rc, int64_t delta);
int share_shed(const struct pl_loop *lp, const struct relay_conn *rc);
uint64_t share_mem_share(const struct pl_loop *lp);
uint64_t share_syn_rate_dropped(const struct ep_rt *er);

#endif
