/*
 * Logging: one line per message on stderr, prefixed with the program name.
 * Messages carry outside text (drop values, file names, peers' answers):
 * every control byte and byte >= 0x7f is written as \xNN (text.c), so a
 * line can neither drive the console's terminal nor fake another line.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "text.h"

/* A line longer than this (none of ours) is cut, and says so. */
#define LOG_LINE_MAX	1024

static int log_debug_on;

void
log_init(int debug)
{
	log_debug_on = debug;
}

/* Appends n (a vsnprintf result) to *len; 1 once raw is full. */
static int
log_grow(size_t *len, int n)
{
	if (n < 0)
		return 0;
	if (*len + (size_t)n >= LOG_LINE_MAX) {
		*len = LOG_LINE_MAX - 1;
		return 1;
	}
	*len += (size_t)n;
	return 0;
}

static void
log_vline(const char *level, const char *fmt, va_list ap, int with_errno)
{
	char raw[LOG_LINE_MAX], out[TEXT_ESCAPED_MAX(LOG_LINE_MAX)];
	int saved = errno, cut;
	size_t len = 0;

	cut = log_grow(&len, vsnprintf(raw, sizeof(raw), fmt, ap));
	if (with_errno && !cut)
		cut = log_grow(&len, snprintf(raw + len, sizeof(raw) - len, ": %s",
		    strerror(saved)));
	text_escape(out, sizeof(out), raw, len);
	fprintf(stderr, "privlinkd: %s%s%s\n", level, out, cut ? " [line cut]" : "");
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline("warning: ", fmt, ap, 1);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline("warning: ", fmt, ap, 0);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline("", fmt, ap, 0);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_debug_on)
		return;
	va_start(ap, fmt);
	log_vline("debug: ", fmt, ap, 0);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline("fatal: ", fmt, ap, 1);
	va_end(ap);
	exit(1);
}
