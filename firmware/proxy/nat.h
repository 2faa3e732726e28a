/*
 * Source NAT: ports of the NAT IPs for connections to backends.
 */
#ifndef PRIVLINK_NAT_H
#define PRIVLINK_NAT_H

#include <stdint.h>

#include "lwip/opt.h"

#include "loop.h"

/* A port closed gracefully is held this long (nat_now seconds): lwIP's
 * TIME_WAIT lasts 2 * TCP_MSL ms, and one second more for rounding. */
#define NAT_TIME_WAIT_S		(2 * TCP_MSL / 1000 + 1)

int nat_setup(struct pl_loop *lp);
void nat_teardown(struct pl_loop *lp);
int nat_alloc(struct pl_loop *lp, struct svc_rt *sr, int *nat, uint16_t *port);
uint32_t nat_now(void);
void nat_release(struct pl_loop *lp, int nat, uint16_t port, int time_wait);

#endif
