/*
 * The config's error lines, for every part of it (loader, cross checks,
 * pools, management, drop set reader): "file:line: message", escaped,
 * counted by cfg_error.  Apart from the loader so that the parts it calls
 * do not call back into it.
 */
#include <stdarg.h>
#include <stdio.h>

#include "cfg-priv.h"
#include "text.h"

/* One error line: a file name, a message and a quoted value of up to
 * INI_MAX_LINE bytes fit. */
#define CFG_ERROR_MAX		2048

/*
 * Writes one error line: prefix, then fmt.  Errors quote values and name
 * files from the drop, which may hold any byte: control bytes and bytes
 * >= 0x7f are written as \xNN (text.c), so an error line cannot drive the
 * console's terminal.  A line longer than CFG_ERROR_MAX is cut.
 */
static void
cfg_report(FILE *errs, const char *prefix, const char *fmt, va_list ap)
{
	char raw[CFG_ERROR_MAX], out[TEXT_ESCAPED_MAX(CFG_ERROR_MAX)];
	int n = snprintf(raw, sizeof(raw), "%s", prefix);
	size_t len = n < 0 ? 0 : (size_t)n;

	if (len < sizeof(raw) - 1) {
		n = vsnprintf(raw + len, sizeof(raw) - len, fmt, ap);
		len = n < 0 ? len : len + (size_t)n;
	}
	if (len >= sizeof(raw))
		len = sizeof(raw) - 1;
	text_escape(out, sizeof(out), raw, len);
	fprintf(errs, "%s\n", out);
}

/* One error line as cfg_error writes it, not counted: for the drop set
 * reader (cfg_set.c), which counts its own. */
void
cfg_report_line(FILE *errs, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cfg_report(errs, "", fmt, ap);
	va_end(ap);
}

void
cfg_error(struct cfg_parse *cp, const char *file, int line, const char *fmt, ...)
{
	char prefix[CFG_FILE_MAX + 16];
	va_list ap;

	cp->cp_errors++;
	snprintf(prefix, sizeof(prefix), "%s:%d: ", file, line);
	va_start(ap, fmt);
	cfg_report(cp->cp_errs, prefix, fmt, ap);
	va_end(ap);
}

/* An error about the drop directory or one of its files: "file: message". */
void
cfg_dir_error(struct cfg_parse *cp, const char *fmt, ...)
{
	va_list ap;

	cp->cp_errors++;
	va_start(ap, fmt);
	cfg_report(cp->cp_errs, "", fmt, ap);
	va_end(ap);
}
