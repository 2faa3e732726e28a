/*
 * Configuration reload on SIGHUP.
 */
#ifndef PRIVLINK_RELOAD_H
#define PRIVLINK_RELOAD_H

#include "loop.h"

int reload_run(struct pl_loop *lp);

#endif
