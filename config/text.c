/*
 * Outside text made safe.  A control byte reaching a terminal (the serial
 * console, an operator's ssh session tailing the log) can move the cursor,
 * retitle the window, clear the screen or fake log lines; a byte >= 0x80
 * may be the 8-bit CSI (0x9b) on a terminal that is not in UTF-8 mode.
 * So the log shows every such byte as \xNN; the status, which is JSON and
 * must be UTF-8, and the metrics take only valid sequences (text_utf8_next).
 */

#include <stdio.h>
#include <string.h>

#include "text.h"

/*
 * Writes src[0..srclen) into dst, each byte below 0x20 or from 0x7f on as
 * "\xNN", NUL-terminated.  What does not fit is left out whole (never half
 * an escape).  Returns the length written; it is below srclen's escaped
 * length when dst was too small.
 */
size_t
text_escape(char *dst, size_t dstlen, const char *src, size_t srclen)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (dstlen == 0)
		return 0;
	for (size_t i = 0; i < srclen; i++) {
		unsigned char c = (unsigned char)src[i];

		if (c >= 0x20 && c < 0x7f) {
			if (o + 1 >= dstlen)
				break;
			dst[o++] = (char)c;
		} else {
			if (o + 4 >= dstlen)
				break;
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 0xf];
		}
	}
	dst[o] = '\0';
	return o;
}

/*
 * The UTF-8 sequence at s (n bytes there, n >= 1): its length (1 to 4)
 * with its code point in *cp, or, when it is not valid UTF-8 (RFC 3629:
 * no overlong forms, no surrogates, nothing above U+10FFFF), minus the
 * number of bytes that one U+FFFD stands for: the lead byte and the
 * continuation bytes that were still possible after it (Unicode's
 * "maximal subpart"), so a decoder that goes on from there sees the rest.
 */
int
text_utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	int len;
	uint32_t v;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		v = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		v = c & 0x0f;
		if (c == 0xe0)
			lo = 0xa0;	/* no overlong forms */
		else if (c == 0xed)
			hi = 0x9f;	/* no surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		v = c & 0x07;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;	/* nothing above U+10FFFF */
	} else {
		return -1;		/* a continuation byte, 0xc0, 0xc1, 0xf5.. */
	}
	for (int i = 1; i < len; i++) {
		if ((size_t)i >= n || s[i] < lo || s[i] > hi)
			return -i;
		v = (v << 6) | (s[i] & 0x3f);
		lo = 0x80;
		hi = 0xbf;
	}
	*cp = v;
	return len;
}

/*
 * Writes s, which may hold any byte (names and messages come from drops
 * and the API), as a Prometheus label value (metrics.c), without its
 * quotes: backslash, double quote and newline escaped as the text format
 * says; valid UTF-8 kept; each invalid sequence, and each other control
 * character (C0, DEL, C1: a terminal showing the document would take them
 * as commands), becomes one U+FFFD, so the document is always UTF-8 and
 * parses.
 */
void
text_prom_label(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	while (n > 0) {
		uint32_t cp;
		int len = text_utf8_next(p, n, &cp);

		if (len < 0) {
			fputs("\xef\xbf\xbd", f);
			len = -len;
		} else if (cp == '\\' || cp == '"') {
			fprintf(f, "\\%c", (char)cp);
		} else if (cp == '\n') {
			fputs("\\n", f);
		} else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {
			fputs("\xef\xbf\xbd", f);
		} else {
			fwrite(p, 1, (size_t)len, f);
		}
		p += len;
		n -= (size_t)len;
	}
}
