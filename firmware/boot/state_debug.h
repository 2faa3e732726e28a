/*
 * The console's debug-state-put (state_debug.c): an approval committed
 * through the state disk, to test the image's persistence.
 */
#ifndef PRIVLINK_STATE_DEBUG_H
#define PRIVLINK_STATE_DEBUG_H

#include "loop.h"

void state_debug_put(struct pl_loop *lp, char *args);

#endif
