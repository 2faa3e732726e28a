/*
 * A minimal unit-test harness: each CHECK prints a TAP-like line
 * ("ok N - what" / "not ok N - what"), which tests/run.sh counts.
 */
#ifndef PRIVLINK_UNIT_H
#define PRIVLINK_UNIT_H

#include <stdio.h>

static int unit_n, unit_failed;

#define CHECK(cond, ...) do {						\
	unit_n++;							\
	if (cond) {							\
		printf("ok %d - ", unit_n);				\
	} else {							\
		unit_failed++;						\
		printf("not ok %d - %s:%d: ", unit_n, __FILE__, __LINE__); \
	}								\
	printf(__VA_ARGS__);						\
	printf("\n");							\
} while (0)

/* Exit status of a test binary: non-zero if any check failed. */
#define UNIT_DONE() (unit_failed != 0)

#endif
