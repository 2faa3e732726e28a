/*
 * The watchdog: a stalled event loop restarts the appliance (watchdog.c).
 */
#ifndef PRIVLINK_WATCHDOG_H
#define PRIVLINK_WATCHDOG_H

#include "cfg-t.h"

/* The longest the loop sleeps while the watchdog is on: a round every
 * half tick, so an idle loop never misses a tick. */
#define WATCHDOG_WAKE_MS	500

int watchdog_start(const struct pl_config *cfg);
void watchdog_set(const struct pl_config *cfg);
void watchdog_stop(void);
void watchdog_round(void);
int watchdog_wait_ms(void);
void watchdog_debug_stall(const struct pl_config *cfg, const char *from);

#endif
