/*
 * The TCP full proxy between private endpoints and backends.
 */
#ifndef PRIVLINK_RELAY_H
#define PRIVLINK_RELAY_H

#include "loop.h"
#include "relay-t.h"

int relay_listen(struct pl_loop *lp, struct ep_rt *er);
void relay_unlisten(struct ep_rt *er);
int relay_listen_frontend(struct pl_loop *lp, struct svc_rt *sr);
void relay_unlisten_frontend(struct svc_rt *sr);
int relay_listening(const struct relay_listener *rls);
void relay_cut_endpoint(struct pl_loop *lp, struct ep_rt *er);
void relay_cut_frontend(struct pl_loop *lp, struct svc_rt *sr);
void relay_cut_backend(struct pl_loop *lp, struct be_rt *br);
void relay_carry(struct pl_loop *lp);
void relay_cut_all(struct pl_loop *lp);
const char *relay_event_name(enum relay_event ev);

#endif
