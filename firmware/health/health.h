/*
 * Backend health: per backend, the state new connections are chosen by
 * (health.c), driven by probes (TCP, HTTP, HTTPS) from the provider NIC
 * (probe.c).
 */
#ifndef PRIVLINK_HEALTH_H
#define PRIVLINK_HEALTH_H

#include <stdint.h>

#include "cfg-t.h"
#include "health-t.h"

struct pl_loop;
struct probe;

struct be_rt;

int health_start(struct pl_loop *lp);
void health_result(struct pl_loop *lp, struct be_rt *br, int ok);
void health_stop(struct pl_loop *lp);
int health_eligible(const struct cfg_pool *pool, uint8_t eligible[CFG_MAX_BACKENDS]);

#endif
