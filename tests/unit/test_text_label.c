/*
 * text_prom_label: a Prometheus label value of any bytes is escaped as the
 * text format says and stays UTF-8 (config/text.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "unit.h"

/* What text_prom_label writes for s. */
static char *
label(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return NULL;
	text_prom_label(f, s);
	fclose(f);
	return buf;
}

int
main(void)
{
	static const struct {
		const char	*in;
		const char	*want;
		const char	*what;
	} cases[] = {
		{ "pe-1.web_x", "pe-1.web_x", "a plain name is kept" },
		{ "a\\b", "a\\\\b", "a backslash is doubled" },
		{ "say \"hi\"", "say \\\"hi\\\"", "a double quote is escaped" },
		{ "two\nlines", "two\\nlines", "a newline becomes \\n" },
		{ "caf\xc3\xa9 \xe2\x82\xac", "caf\xc3\xa9 \xe2\x82\xac", "valid UTF-8 is kept" },
		{ "x\xffy", "x\xef\xbf\xbdy", "an invalid byte becomes U+FFFD" },
		{ "\xc3(", "\xef\xbf\xbd(", "a cut-off sequence becomes one U+FFFD, the next byte kept" },
		{ "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", "a surrogate is not UTF-8" },
		{ "a\x1b[2J\x07\r\tb", "a\xef\xbf\xbd[2J\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" "b",
		    "control characters become U+FFFD" },
		{ "\x7f\xc2\x9b", "\xef\xbf\xbd\xef\xbf\xbd", "DEL and a C1 control (CSI) become U+FFFD" },
		{ "", "", "an empty value stays empty" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = label(cases[i].in);

		CHECK(got != NULL && strcmp(got, cases[i].want) == 0, "text_prom_label: %s",
		    cases[i].what);
		free(got);
	}
	return UNIT_DONE();
}
