/*
 * The harnesses' platform for lwIP in place of netstack/ns_arch.c and
 * netstack/ns_rand.c: a clock the harness moves and a random source
 * reseeded per input, so one input always takes the same path and a
 * crash found once reproduces.
 */
#ifndef PRIVLINK_FUZZ_PLATFORM_H
#define PRIVLINK_FUZZ_PLATFORM_H

#include <stdint.h>

/* What sys_now() returns: the harness advances it. */
extern uint32_t fuzz_clock_ms;

/* Restarts the random source from seed. */
void fuzz_rand_reset(uint64_t seed);

#endif
