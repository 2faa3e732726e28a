/*
 * Source NAT: ports of the NAT IPs for connections to backends.
 */
#ifndef PRIVLINK_NAT_H
#define PRIVLINK_NAT_H

#include <stdint.h>

#include "loop.h"

int nat_setup(struct pl_loop *lp);
void nat_teardown(struct pl_loop *lp);
int nat_alloc(struct pl_loop *lp, int service, int *nat, uint16_t *port);
void nat_release(struct pl_loop *lp, int nat, uint16_t port, int time_wait);

#endif
