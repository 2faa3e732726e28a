/*
 * HTTP/1.1 request parser for the management API; the contract is in
 * http_req.h.  Two passes over the head: http_scan() finds its end as
 * bytes arrive (resuming where it stopped, so a slow sender costs nothing
 * per call), then http_head() parses the complete head once.
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "http_req.h"

/* The head's fields, while they are being read. */
struct http_fields {
	int	hf_count;
	int	hf_hosts;
	int	hf_te;			/* a Transfer-Encoding field */
	int	hf_te_chunked;		/* ... and it said exactly "chunked" */
	int	hf_keep_alive;		/* Connection: keep-alive */
};

static const char *const http_method_names[] = {
	[HTTP_M_OTHER] = "OTHER",
	[HTTP_M_GET] = "GET",
	[HTTP_M_HEAD] = "HEAD",
	[HTTP_M_PUT] = "PUT",
	[HTTP_M_POST] = "POST",
	[HTTP_M_DELETE] = "DELETE",
};

const char *
http_method_name(enum http_method m)
{
	if ((unsigned)m >= sizeof(http_method_names) / sizeof(http_method_names[0]))
		return "?";
	return http_method_names[m];
}

void
http_req_init(struct http_req *r)
{
	memset(r, 0, sizeof(*r));
	r->hr_status = HTTP_REQ_MORE;
}

/* RFC 9110 5.6.2 tchar: what a method or a field name is made of. */
static int
http_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("!#$&'*+-.^_`|~", c) != NULL);
}

/* RFC 3986 pchar without pct-encoded, and '/': what a path is made of. */
static int
http_pathchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("-._~!$&'()*+,;=:@/", c) != NULL);
}

/* RFC 9110 5.5 field-vchar, SP or HTAB: what a field value is made of. */
static int
http_valuechar(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static int
http_fail(struct http_req *r, int status, const char *why)
{
	r->hr_status = status;
	r->hr_why = why;
	return status;
}

/*
 * Looks for the empty line that ends the head, from where the last call
 * stopped.  Every CR must be followed by LF and every LF preceded by CR;
 * each decision needs only the byte looked at and the next one, so the
 * verdict is the same however the bytes were split.  HTTP_REQ_DONE when
 * the head is in (hr_head_len set).
 */
static int
http_scan(struct http_req *r, const char *buf, size_t len)
{
	size_t i = r->hr_scan;

	while (i < len) {
		if (i >= HTTP_HEAD_MAX)
			return http_fail(r, 431, "head larger than HTTP_HEAD_MAX");
		if (buf[i] == '\n')
			return http_fail(r, 400, "LF without CR");
		if (buf[i] != '\r') {
			if (r->hr_line == r->hr_start && i - r->hr_start >= HTTP_REQLINE_MAX)
				return http_fail(r, 414, "request line longer than HTTP_REQLINE_MAX");
			i++;
			continue;
		}
		if (i + 1 >= len)
			break;			/* its LF may be in the next read */
		if (buf[i + 1] != '\n')
			return http_fail(r, 400, "CR without LF");
		if (i == r->hr_line && r->hr_line == r->hr_start) {
			/* An empty line before the request line (RFC 9112 2.2). */
			r->hr_start = r->hr_line = i + 2;
		} else if (i == r->hr_line) {
			if (i + 2 > HTTP_HEAD_MAX)
				return http_fail(r, 431, "head larger than HTTP_HEAD_MAX");
			r->hr_head_len = i + 2;
			r->hr_scan = i + 2;
			return HTTP_REQ_DONE;
		} else {
			r->hr_line = i + 2;
		}
		i += 2;
	}
	/* A line whose CRLF straddles HTTP_HEAD_MAX leaves the head past its
	 * bound with no end: refused now, as the next byte would be. */
	if (i > HTTP_HEAD_MAX)
		return http_fail(r, 431, "head larger than HTTP_HEAD_MAX");
	r->hr_scan = i;
	return HTTP_REQ_MORE;
}

/* Copies s[0..n) into a NUL-terminated field of room bytes; -1 if too long. */
static int
http_copy(char *dst, size_t room, const char *s, size_t n)
{
	if (n >= room)
		return -1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

/* A path: "/" and pchars, no "." or ".." segment (we never normalize, so
 * none may reach a handler). */
static int
http_path_ok(const char *p, size_t n)
{
	size_t seg = 1;

	if (n == 0 || p[0] != '/')
		return 0;
	for (size_t i = 1; i <= n; i++) {
		if (i == n || p[i] == '/') {
			size_t sl = i - seg;

			if ((sl == 1 && p[seg] == '.') || (sl == 2 && p[seg] == '.' && p[seg + 1] == '.'))
				return 0;
			seg = i + 1;
		} else if (!http_pathchar((unsigned char)p[i])) {
			return 0;
		}
	}
	return 1;
}

/* method SP request-target SP HTTP-version, exactly (RFC 9112 3). */
static int
http_request_line(struct http_req *r, const char *s, size_t n)
{
	static const struct { const char *name; enum http_method m; } known[] = {
		{ "GET", HTTP_M_GET }, { "HEAD", HTTP_M_HEAD }, { "PUT", HTTP_M_PUT },
		{ "POST", HTTP_M_POST }, { "DELETE", HTTP_M_DELETE },
	};
	size_t m = 0, t, tn, q;
	const char *v;

	while (m < n && http_tchar((unsigned char)s[m]))
		m++;
	if (m == 0 || m == n || s[m] != ' ')
		return http_fail(r, 400, "bad method");
	t = m + 1;
	for (tn = 0; t + tn < n && s[t + tn] != ' '; tn++)
		if ((unsigned char)s[t + tn] <= 0x20 || (unsigned char)s[t + tn] >= 0x7f)
			return http_fail(r, 400, "control, space or non-ASCII byte in the target");
	if (tn == 0 || t + tn == n)
		return http_fail(r, 400, "request line without a target and a version");
	v = s + t + tn + 1;
	if (n - (t + tn + 1) != 8 || memcmp(v, "HTTP/", 5) != 0 || v[5] < '0' || v[5] > '9' ||
	    v[6] != '.' || v[7] < '0' || v[7] > '9')
		return http_fail(r, 400, "bad HTTP version");

	for (q = 0; q < tn && s[t + q] != '?'; q++)
		;
	if (memchr(s + t, '%', tn) != NULL)
		return http_fail(r, 400, "'%' in the target");
	if (memchr(s + t, '#', tn) != NULL)
		return http_fail(r, 400, "'#' in the target");
	if (http_copy(r->hr_target, sizeof(r->hr_target), s + t, q) == -1)
		return http_fail(r, 414, "path longer than HTTP_TARGET_MAX");
	if (!http_path_ok(s + t, q))
		return http_fail(r, 400, "target is not a path of plain characters");
	if (q < tn) {
		r->hr_has_query = 1;
		if (http_copy(r->hr_query, sizeof(r->hr_query), s + t + q + 1, tn - q - 1) == -1)
			return http_fail(r, 414, "query longer than HTTP_TARGET_MAX");
		for (size_t i = 0; r->hr_query[i] != '\0'; i++)
			if (!http_pathchar((unsigned char)r->hr_query[i]) && r->hr_query[i] != '?')
				return http_fail(r, 400, "bad character in the query");
	}

	if (v[5] != '1' || (v[7] != '0' && v[7] != '1'))
		return http_fail(r, 505, "HTTP version other than 1.0 and 1.1");
	r->hr_minor = v[7] - '0';

	r->hr_method = HTTP_M_OTHER;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strlen(known[i].name) == m && memcmp(known[i].name, s, m) == 0)
			r->hr_method = known[i].m;
	if (r->hr_method == HTTP_M_OTHER)
		return http_fail(r, 501, "method not implemented");
	return 0;
}

/* Is the value s[0..n) (OWS trimmed) equal to word, case aside? */
static int
http_is(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && strncasecmp(s, word, n) == 0;
}

/* 1*DIGIT, at most a size_t (RFC 9110 8.6). */
static int
http_content_length(struct http_req *r, const char *s, size_t n)
{
	size_t v = 0;

	if (n == 0)
		return http_fail(r, 400, "empty Content-Length");
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return http_fail(r, 400, "Content-Length is not a number");
		if (v > (SIZE_MAX - (size_t)(s[i] - '0')) / 10)
			return http_fail(r, 400, "Content-Length overflows");
		v = v * 10 + (size_t)(s[i] - '0');
	}
	if (r->hr_has_content_length && r->hr_content_length != v)
		return http_fail(r, 400, "Content-Length fields differ");
	r->hr_has_content_length = 1;
	r->hr_content_length = v;
	return 0;
}

/* Host: uri-host [":" port] (RFC 9110 7.2), or empty; a bad one is 400
 * (RFC 9112 3.2).  Only its characters are checked: we serve one host. */
static int
http_host_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("-._~!$&'()*+,;=:[]%", c) != NULL) || c == '\0')
			return 0;
	}
	return 1;
}

/* Connection: a comma-separated list of options (RFC 9110 7.6.1). */
static void
http_connection(struct http_req *r, struct http_fields *f, const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t a, b;

		while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == ','))
			i++;
		a = i;
		while (i < n && s[i] != ',')
			i++;
		b = i;
		while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t'))
			b--;
		if (http_is(s + a, b - a, "close"))
			r->hr_close = 1;
		else if (http_is(s + a, b - a, "keep-alive"))
			f->hf_keep_alive = 1;
	}
}

/* The fields we act on; the others are checked for syntax only. */
static int
http_field(struct http_req *r, struct http_fields *f, const char *name, size_t nn,
    const char *v, size_t vn)
{
	if (http_is(name, nn, "content-length"))
		return http_content_length(r, v, vn);
	if (http_is(name, nn, "transfer-encoding")) {
		f->hf_te_chunked = f->hf_te == 0 && http_is(v, vn, "chunked");
		f->hf_te = 1;
	} else if (http_is(name, nn, "host")) {
		if (++f->hf_hosts > 1)
			return http_fail(r, 400, "more than one Host field");
		if (!http_host_ok(v, vn))
			return http_fail(r, 400, "bad Host");
	} else if (http_is(name, nn, "connection")) {
		http_connection(r, f, v, vn);
	} else if (http_is(name, nn, "if-match")) {
		if (r->hr_has_if_match)
			return http_fail(r, 400, "more than one If-Match field");
		if (http_copy(r->hr_if_match, sizeof(r->hr_if_match), v, vn) == -1)
			return http_fail(r, 400, "If-Match longer than HTTP_IF_MATCH_MAX");
		r->hr_has_if_match = 1;
	} else if (http_is(name, nn, "expect")) {
		if (!http_is(v, vn, "100-continue"))
			return http_fail(r, 417, "Expect other than 100-continue");
		/* An HTTP/1.0 client does not wait for it (RFC 9110 10.1.1). */
		r->hr_expect_continue = r->hr_minor == 1;
	}
	return 0;
}

/* name ":" OWS value OWS (RFC 9112 5), s[0..n) without its CRLF. */
static int
http_field_line(struct http_req *r, struct http_fields *f, const char *s, size_t n)
{
	size_t c = 0, a, b;

	if (s[0] == ' ' || s[0] == '\t')
		return http_fail(r, 400, "obsolete line folding");
	while (c < n && s[c] != ':') {
		if (s[c] == ' ' || s[c] == '\t')
			return http_fail(r, 400, "whitespace in or after a field name");
		if (!http_tchar((unsigned char)s[c]))
			return http_fail(r, 400, "bad character in a field name");
		c++;
	}
	if (c == n)
		return http_fail(r, 400, "field without a colon");
	if (c == 0)
		return http_fail(r, 400, "empty field name");
	if (++f->hf_count > HTTP_HEADERS_MAX)
		return http_fail(r, 431, "more than HTTP_HEADERS_MAX fields");
	for (a = c + 1; a < n; a++)
		if (!http_valuechar((unsigned char)s[a]))
			return http_fail(r, 400, "control byte in a field value");
	for (a = c + 1; a < n && (s[a] == ' ' || s[a] == '\t'); a++)
		;
	for (b = n; b > a && (s[b - 1] == ' ' || s[b - 1] == '\t'); b--)
		;
	return http_field(r, f, s, c, s + a, b - a);
}

/*
 * The complete head s[0..n): request line, fields, the empty line.  The
 * scan made sure every line ends in CRLF and nothing else holds CR or LF.
 */
static int
http_head(struct http_req *r, const char *s, size_t n)
{
	struct http_fields f;
	const char *end = s + n, *eol;
	int st;

	memset(&f, 0, sizeof(f));
	eol = memchr(s, '\r', n);
	if ((st = http_request_line(r, s, (size_t)(eol - s))) != 0)
		return st;
	for (s = eol + 2; s < end && *s != '\r'; s = eol + 2) {
		eol = memchr(s, '\r', (size_t)(end - s));
		if ((st = http_field_line(r, &f, s, (size_t)(eol - s))) != 0)
			return st;
	}

	if (r->hr_minor == 1 && f.hf_hosts == 0)
		return http_fail(r, 400, "HTTP/1.1 without Host");
	if (f.hf_te) {
		/* RFC 9112 6.1 and 6.3: the smuggling cases are faulty framing. */
		if (r->hr_minor == 0)
			return http_fail(r, 400, "Transfer-Encoding in HTTP/1.0");
		if (r->hr_has_content_length)
			return http_fail(r, 400, "Content-Length with Transfer-Encoding");
		if (!f.hf_te_chunked)
			return http_fail(r, 501, "transfer coding not implemented");
		return http_fail(r, 411, "chunked body: send Content-Length");
	}
	if ((r->hr_method == HTTP_M_PUT || r->hr_method == HTTP_M_POST) &&
	    !r->hr_has_content_length)
		return http_fail(r, 411, "PUT or POST without Content-Length");
	if (r->hr_content_length > HTTP_BODY_MAX)
		return http_fail(r, 413, "body larger than HTTP_BODY_MAX");
	if (r->hr_minor == 0 && !f.hf_keep_alive)
		r->hr_close = 1;
	return 0;
}

int
http_req_parse(struct http_req *r, const char *buf, size_t len)
{
	int st;

	if (r->hr_status != HTTP_REQ_MORE)
		return r->hr_status;
	if (r->hr_head_len == 0) {
		if ((st = http_scan(r, buf, len)) != HTTP_REQ_DONE)
			return st;
		if ((st = http_head(r, buf + r->hr_start, r->hr_head_len - r->hr_start)) != 0) {
			r->hr_head_len = 0;
			return st;
		}
	}
	if (len < r->hr_head_len || len - r->hr_head_len < r->hr_content_length)
		return HTTP_REQ_MORE;
	r->hr_body = buf + r->hr_head_len;
	r->hr_body_len = r->hr_content_length;
	r->hr_consumed = r->hr_head_len + r->hr_content_length;
	r->hr_status = HTTP_REQ_DONE;
	return HTTP_REQ_DONE;
}
