/*
 * The probe conversation with one backend (probe.c).
 */
#ifndef PRIVLINK_PROBE_H
#define PRIVLINK_PROBE_H

#include <stdint.h>

struct pl_loop;
struct be_rt;
struct probe;

struct probe *probe_new(struct pl_loop *lp, struct be_rt *br, uint32_t first_ms);
void probe_free(struct probe *pr);

#endif
