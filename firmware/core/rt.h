/*
 * Runtime objects of the running config, found by identity (rt-t.h).
 */
#ifndef PRIVLINK_RT_H
#define PRIVLINK_RT_H

#include "loop.h"
#include "rt-t.h"

int rt_prepare(struct pl_loop *lp, struct pl_config *next);
void rt_commit(struct pl_loop *lp);
int rt_attach(struct pl_loop *lp);
void rt_free_all(struct pl_loop *lp);

#endif
