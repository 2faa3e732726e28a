/*
 * The management API: HTTPS with client certificates on a provider or
 * management NIC, served by the appliance's own stack.
 */
#ifndef PRIVLINK_MGMT_H
#define PRIVLINK_MGMT_H

#include <stdio.h>

#include "cfg_set.h"
#include "mgmt-t.h"

struct pl_loop;

int mgmt_start(struct pl_loop *lp);
void mgmt_stop(struct pl_loop *lp);
void mgmt_reload_prepare(struct pl_loop *lp, const struct pl_config *next);
void mgmt_reload_finish(struct pl_loop *lp);

#endif
