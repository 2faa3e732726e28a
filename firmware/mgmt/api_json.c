/*
 * The management API's JSON bodies (contract in api_json.h).
 *
 * cJSON parses; a lexical pass of ours runs first, because cJSON is
 * lenient where a drop file must not be: it takes raw control bytes and
 * bytes that are not UTF-8 inside strings, any control byte between
 * tokens for whitespace, and it turns \u0000 (and a \u escape that is
 * not hex) into a NUL that silently cuts the string short.  The pass also bounds what cJSON will allocate before it runs:
 * members by the commas, nesting at one level below the object (so a
 * nested value still gets a message naming its member), strings by the
 * body, which HTTP_BODY_MAX bounds.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api_json.h"
#include "cJSON.h"
#include "cfg.h"

/* A member name quoted in a message: enough to recognize it. */
#define API_JSON_SHOW	48
/* Objects inside the body's object: one, so that {"x": {}} gets "value
 * of 'x' is not ..." from the decoder instead of a bare syntax error. */
#define API_JSON_DEPTH	2

static void api_json_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
api_json_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* s made printable for a message: ASCII graphic bytes and spaces, others
 * as '?', cut at API_JSON_SHOW with "...". */
static const char *
api_json_show(char out[static API_JSON_SHOW + 4], const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i < API_JSON_SHOW; i++)
		out[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	strcpy(out + i, s[i] != '\0' ? "..." : "");
	return out;
}

/* Length of the UTF-8 sequence at s (RFC 3629: no overlong forms, no
 * surrogates, nothing past U+10FFFF), 0 if it is not one. */
static size_t
api_json_utf8(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

static int
api_json_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* The string starting at the quote s[*i]: RFC 8259 7, and UTF-8, and no
 * NUL.  Leaves *i after the closing quote. */
static int
api_json_scan_string(const char *what, const unsigned char *s, size_t len, size_t *i,
    char *err, size_t errlen)
{
	size_t p = *i + 1, n;

	for (;;) {
		if (p >= len) {
			api_json_err(err, errlen, "%s: a string does not end", what);
			return -1;
		}
		if (s[p] == '"')
			break;
		if (s[p] == '\0') {
			api_json_err(err, errlen, "%s: a string holds a NUL byte", what);
			return -1;
		}
		if (s[p] < 0x20) {
			api_json_err(err, errlen, "%s: a control character in a string is not escaped (byte %zu)",
			    what, p);
			return -1;
		}
		if (s[p] == '\\' && p + 1 >= len) {
			api_json_err(err, errlen, "%s: a string does not end", what);
			return -1;
		}
		if (s[p] == '\\' && s[p + 1] == 'u') {
			if (len - p < 6 || !api_json_hex(s[p + 2]) || !api_json_hex(s[p + 3]) ||
			    !api_json_hex(s[p + 4]) || !api_json_hex(s[p + 5])) {
				api_json_err(err, errlen, "%s: bad \\u escape at byte %zu", what, p);
				return -1;
			}
			if (memcmp(s + p + 2, "0000", 4) == 0) {
				api_json_err(err, errlen, "%s: a string holds a NUL (\\u0000)", what);
				return -1;
			}
			p += 6;
		} else if (s[p] == '\\') {
			if (s[p + 1] == '\0' || strchr("\"\\/bfnrt", s[p + 1]) == NULL) {
				api_json_err(err, errlen, "%s: bad escape at byte %zu", what, p);
				return -1;
			}
			p += 2;
		} else if ((n = api_json_utf8(s + p, len - p)) == 0) {
			api_json_err(err, errlen, "%s: a string is not UTF-8 (byte %zu)", what, p);
			return -1;
		} else {
			p += n;
		}
	}
	*i = p + 1;
	return 0;
}

/* The lexical pass: an object, its strings strict, at most max members
 * (counted by commas, wherever they are: a comma anywhere but between
 * members is an error anyway), nesting bounded. */
static int
api_json_scan(const char *what, const char *noun, const char *body, size_t len, int max,
    char *err, size_t errlen)
{
	const unsigned char *s = (const unsigned char *)body;
	int depth = 0, commas = 0;
	size_t i = 0;

	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	if (i == len || s[i] != '{') {
		api_json_err(err, errlen, "%s: not a JSON object", what);
		return -1;
	}
	while (i < len) {
		switch (s[i]) {
		case '"':
			if (api_json_scan_string(what, s, len, &i, err, errlen) == -1)
				return -1;
			continue;
		case '\0':
			api_json_err(err, errlen, "%s: a NUL byte at byte %zu", what, i);
			return -1;
		case ' ':
		case '\t':
		case '\n':
		case '\r':
			break;
		case '{':
		case '[':
			if (++depth > API_JSON_DEPTH) {
				api_json_err(err, errlen, "%s: values nest too deep (byte %zu)", what, i);
				return -1;
			}
			break;
		case '}':
		case ']':
			depth--;
			break;
		case ',':
			if (++commas >= max) {
				api_json_err(err, errlen, "%s: more than %d %s", what, max, noun);
				return -1;
			}
			break;
		default:
			/* cJSON takes any byte up to 0x20 for whitespace. */
			if (s[i] < 0x20) {
				api_json_err(err, errlen, "%s: a control character at byte %zu", what, i);
				return -1;
			}
			break;
		}
		i++;
	}
	return 0;
}

/* Lexical pass, then cJSON; the object, or NULL with err set. */
static cJSON *
api_json_parse(const char *what, const char *noun, const char *body, size_t len, int max,
    char *err, size_t errlen)
{
	const char *end = NULL;
	cJSON *root;

	if (api_json_scan(what, noun, body, len, max, err, errlen) == -1)
		return NULL;
	root = cJSON_ParseWithLengthOpts(body, len, &end, 0);
	if (root == NULL) {
		if (end == NULL)
			api_json_err(err, errlen, "%s: out of memory", what);
		else
			api_json_err(err, errlen, "%s: not valid JSON at byte %zu", what,
			    (size_t)(end - body));
		return NULL;
	}
	while (end < body + len && (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
		end++;
	if (end != body + len || !cJSON_IsObject(root)) {
		api_json_err(err, errlen, "%s: bytes after the object at byte %zu", what,
		    (size_t)(end - body));
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

/* Has a member before it the same name? */
static int
api_json_dup(const cJSON *root, const cJSON *it)
{
	for (const cJSON *p = root->child; p != it; p = p->next)
		if (strcmp(p->string, it->string) == 0)
			return 1;
	return 0;
}

/* The message as an [approval] drop would read it back: spaces around
 * it trimmed (inih does), nothing that would end or cut the line. */
static int
api_json_message(const char *m, char message[static CFG_MESSAGE_MAX], char *err, size_t errlen)
{
	size_t a = 0, b = strlen(m);

	while (m[a] == ' ' || m[a] == '\t')
		a++;
	while (b > a && (m[b - 1] == ' ' || m[b - 1] == '\t'))
		b--;
	for (size_t i = a; i < b; i++) {
		if ((unsigned char)m[i] < 0x20 && m[i] != '\t') {
			api_json_err(err, errlen, "approval: message holds a control character");
			return -1;
		}
		if (m[i] == 0x7f) {
			api_json_err(err, errlen, "approval: message holds a control character");
			return -1;
		}
		if (m[i] == ';' && i > a && (m[i - 1] == ' ' || m[i - 1] == '\t')) {
			api_json_err(err, errlen, "approval: message holds ';' after a space, "
			    "which a drop file reads as a comment");
			return -1;
		}
	}
	if (b - a >= CFG_MESSAGE_MAX) {
		api_json_err(err, errlen, "approval: message longer than %d bytes",
		    CFG_MESSAGE_MAX - 1);
		return -1;
	}
	memcpy(message, m + a, b - a);
	message[b - a] = '\0';
	return 0;
}

int
api_json_approval(const char *body, size_t len, char state[static API_JSON_STATE_MAX],
    char message[static CFG_MESSAGE_MAX], char *err, size_t errlen)
{
	static const char *const states[] = { "Approved", "Rejected", "Pending" };
	char show[API_JSON_SHOW + 4];
	cJSON *root, *it;

	state[0] = '\0';
	message[0] = '\0';
	if ((root = api_json_parse("approval", "members", body, len, 2, err, errlen)) == NULL)
		return -1;
	cJSON_ArrayForEach(it, root) {
		if (api_json_dup(root, it)) {
			api_json_err(err, errlen, "approval: '%s' is there twice",
			    api_json_show(show, it->string));
			goto fail;
		}
		if (strcmp(it->string, "state") == 0) {
			if (cJSON_IsString(it))
				for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
					if (strcasecmp(it->valuestring, states[i]) == 0)
						snprintf(state, API_JSON_STATE_MAX, "%s", states[i]);
			if (state[0] == '\0') {
				api_json_err(err, errlen,
				    "approval: state must be \"Approved\", \"Rejected\" or \"Pending\"");
				goto fail;
			}
		} else if (strcmp(it->string, "message") == 0) {
			if (cJSON_IsNull(it))
				continue;
			if (!cJSON_IsString(it)) {
				api_json_err(err, errlen, "approval: message is not a string");
				goto fail;
			}
			if (api_json_message(it->valuestring, message, err, errlen) == -1)
				goto fail;
		} else {
			api_json_err(err, errlen, "approval: unknown member '%s' (state, message)",
			    api_json_show(show, it->string));
			goto fail;
		}
	}
	if (state[0] == '\0') {
		api_json_err(err, errlen, "approval: no state");
		goto fail;
	}
	cJSON_Delete(root);
	return 0;
fail:
	state[0] = '\0';
	message[0] = '\0';
	cJSON_Delete(root);
	return -1;
}

int
api_json_batch(const char *body, size_t len, struct cfg_change *changes, int max, int *n,
    struct api_json_doc *doc, char *err, size_t errlen)
{
	char show[API_JSON_SHOW + 4];
	cJSON *root, *it;
	int count = 0;

	*n = 0;
	doc->jd_root = NULL;
	if (max > CFG_MAX_FILES)
		max = CFG_MAX_FILES;
	if ((root = api_json_parse("batch", "files", body, len, max, err, errlen)) == NULL)
		return -1;
	cJSON_ArrayForEach(it, root) {
		struct cfg_change *ch;

		if (strlen(it->string) >= CFG_FILE_MAX || !cfg_drop_name_ok(it->string)) {
			api_json_err(err, errlen, "batch: '%s' is not a drop file name "
			    "(NAME.ini of letters, digits, '.', '_', '-')", api_json_show(show, it->string));
			goto fail;
		}
		if (api_json_dup(root, it)) {
			api_json_err(err, errlen, "batch: '%s' is there twice", it->string);
			goto fail;
		}
		if (count >= max) {
			api_json_err(err, errlen, "batch: more than %d files", max);
			goto fail;
		}
		ch = &changes[count];
		ch->ch_name = it->string;
		if (cJSON_IsNull(it)) {
			ch->ch_data = NULL;
			ch->ch_len = 0;
		} else if (cJSON_IsString(it)) {
			ch->ch_data = it->valuestring;
			ch->ch_len = strlen(it->valuestring);
			if (ch->ch_len > CFG_SET_FILE_MAX) {
				api_json_err(err, errlen, "batch: '%s' is larger than %d bytes",
				    it->string, CFG_SET_FILE_MAX);
				goto fail;
			}
		} else {
			api_json_err(err, errlen, "batch: value of '%s' is not a string or null",
			    it->string);
			goto fail;
		}
		count++;
	}
	*n = count;
	doc->jd_root = root;
	return 0;
fail:
	cJSON_Delete(root);
	return -1;
}

void
api_json_doc_free(struct api_json_doc *doc)
{
	cJSON_Delete(doc->jd_root);
	doc->jd_root = NULL;
}
