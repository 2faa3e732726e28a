/*
 * Backend health: per pool and backend, the state new connections are
 * chosen by, driven by probes (TCP, HTTP, HTTPS) from the provider NIC.
 */
#ifndef PRIVLINK_HEALTH_H
#define PRIVLINK_HEALTH_H

#include <stdint.h>

#include "cfg-t.h"
#include "health-t.h"

struct pl_loop;
struct probe;

int health_start(struct pl_loop *lp);
void health_stop(struct pl_loop *lp);
int health_eligible(const struct cfg_pool *pool, uint8_t eligible[CFG_MAX_BACKENDS]);

#endif
