/*
 * The metrics: one Prometheus text document (exposition format 0.0.4),
 * for GET /metrics and the -s FILE's FILE.prom on SIGUSR1.
 */
#ifndef PRIVLINK_METRICS_H
#define PRIVLINK_METRICS_H

#include <stdio.h>

#include "loop.h"

/* The Content-Type of the document. */
#define METRICS_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

void metrics_write(struct pl_loop *lp, FILE *f);
int metrics_write_file(struct pl_loop *lp);

#endif
