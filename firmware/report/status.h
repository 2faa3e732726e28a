/*
 * The status report: one JSON document written on SIGUSR1.
 */
#ifndef PRIVLINK_STATUS_H
#define PRIVLINK_STATUS_H

#include <stdio.h>

#include "loop.h"

int status_write(struct pl_loop *lp);
void status_json(struct pl_loop *lp, FILE *f);
void status_str(FILE *f, const char *s);

#endif
