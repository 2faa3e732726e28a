/*
 * lwIP's platform needs: a millisecond clock, assertion and debug output.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "lwip/sys.h"

u32_t
sys_now(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC cannot fail with a valid pointer. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u32_t)((u64_t)ts.tv_sec * 1000u + (u64_t)ts.tv_nsec / 1000000u);
}

void
ns_lwip_assert(const char *msg, const char *file, int line)
{
	/* An lwIP assertion is a broken invariant of the stack: carrying on
	 * would corrupt connections, so stop loudly. */
	fprintf(stderr, "privlinkd: fatal: lwIP assertion \"%s\" at %s:%d\n", msg, file, line);
	abort();
}

void
ns_lwip_diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("privlinkd: lwip: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}
