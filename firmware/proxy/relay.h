/*
 * The TCP full proxy between private endpoints and backends.
 */
#ifndef PRIVLINK_RELAY_H
#define PRIVLINK_RELAY_H

#include "loop.h"
#include "relay-t.h"

int relay_listen(struct pl_loop *lp, int endpoint);
void relay_unlisten(struct pl_loop *lp, int endpoint);
int relay_listen_frontend(struct pl_loop *lp, int service);
void relay_unlisten_frontend(struct pl_loop *lp, int service);
int relay_listening(const struct relay_listener *rls);
void relay_cut_endpoint(struct pl_loop *lp, int endpoint);
void relay_cut_frontend(struct pl_loop *lp, int service);
void relay_cut_backend(struct pl_loop *lp, int pool, int backend);
void relay_cut_all(struct pl_loop *lp);
const char *relay_event_name(enum relay_event ev);

#endif
