/*
 * Outside text (drop values, file names, console input, peers' answers)
 * made safe for the console, the log and the JSON status.
 */
#ifndef PRIVLINK_TEXT_H
#define PRIVLINK_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Room text_escape needs for n bytes: each may become "\xNN". */
#define TEXT_ESCAPED_MAX(n)	(4 * (size_t)(n) + 1)

size_t	text_escape(char *dst, size_t dstlen, const char *src, size_t srclen);
int	text_utf8_next(const unsigned char *s, size_t n, uint32_t *cp);
void	text_prom_label(FILE *f, const char *s);

#endif
