/*
 * Configuration reload: from the drop directory on SIGHUP or a change
 * (reload_run), or of a config validated in memory (reload_apply, for the
 * management API).
 */
#ifndef PRIVLINK_RELOAD_H
#define PRIVLINK_RELOAD_H

#include <stdint.h>
#include <stdio.h>

#include "loop.h"

void reload_started(struct pl_loop *lp, const uint8_t digest[static 32]);
int reload_run(struct pl_loop *lp);
int reload_check(const struct pl_loop *lp, const struct pl_config *next, FILE *errs);
int reload_apply(struct pl_loop *lp, struct pl_config *next, const uint8_t digest[static 32],
    FILE *errs);

#endif
