/*
 * The management API's HTTP request parser: every verdict of http_req.h
 * on a request made to trigger it, each fed whole and byte by byte (the
 * same verdict either way), and the good cases: bodies, keep-alive,
 * pipelining, the limits exactly reached.
 */
#include <stdlib.h>
#include <string.h>

#include "http_req.h"
#include "unit.h"

#define H "Host: a\r\n"

struct bad {
	const char	*req;
	size_t		len;
	int		want;
	const char	*what;
};

/* sizeof: a NUL inside counts. */
#define B(req, want, what) { req, sizeof(req) - 1, want, what }

static const struct bad bad[] = {
	B("GET  / HTTP/1.1\r\n" H "\r\n", 400, "two spaces after the method"),
	B("GET / HTTP/1.1 \r\n" H "\r\n", 400, "a space after the version"),
	B("GET\t/ HTTP/1.1\r\n" H "\r\n", 400, "a tab for a space"),
	B("GET /\r\n" H "\r\n", 400, "no version"),
	B("G(T / HTTP/1.1\r\n" H "\r\n", 400, "a method that is not a token"),
	B(" GET / HTTP/1.1\r\n" H "\r\n", 400, "a space before the method"),
	B("GET / http/1.1\r\n" H "\r\n", 400, "a lower-case version"),
	B("GET / HTTP/1.1x\r\n" H "\r\n", 400, "a version with a tail"),
	B("GET / HTTP/11\r\n" H "\r\n", 400, "a version without its dot"),
	B("GET / HTTP/1.1\n" H "\r\n", 400, "a bare LF ending the request line"),
	B("GET / HTTP/1.1\r\n" H "\n", 400, "a bare LF ending the head"),
	B("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", 400, "a bare CR in a value"),
	B("GET / HTTP/1.1\r\n" H "X: a\r\n b\r\n\r\n", 400, "obs-fold"),
	B("GET / HTTP/1.1\r\n" H "\tX: a\r\n\r\n", 400, "a field line starting with a tab"),
	B("GET / HTTP/1.1\r\n" H "X-a\r\n\r\n", 400, "a field without colon"),
	B("GET / HTTP/1.1\r\n" H ": a\r\n\r\n", 400, "an empty field name"),
	B("GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400, "whitespace before the colon"),
	B("GET / HTTP/1.1\r\n" H "X(y: a\r\n\r\n", 400, "a bad character in a field name"),
	B("GET / HTTP/1.1\r\n" H "X: a\x01" "b\r\n\r\n", 400, "a control byte in a value"),
	B("GET / HTTP/1.1\r\n" H "X: a\x7f\r\n\r\n", 400, "DEL in a value"),
	B("GET / HTTP/1.1\r\n" H "X: a\0b\r\n\r\n", 400, "NUL in a value"),
	B("PUT /x HTTP/1.1\r\n" H "Content-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400,
	  "two Content-Length values"),
	B("PUT /x HTTP/1.1\r\n" H "Content-Length: 1, 1\r\n\r\na", 400,
	  "a Content-Length list"),
	B("PUT /x HTTP/1.1\r\n" H "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n", 400,
	  "Content-Length with Transfer-Encoding"),
	B("PUT /x HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400,
	  "Transfer-Encoding in HTTP/1.0"),
	B("PUT /x HTTP/1.1\r\n" H "Content-Length: -1\r\n\r\n", 400, "a negative length"),
	B("PUT /x HTTP/1.1\r\n" H "Content-Length: +1\r\n\r\n", 400, "a signed length"),
	B("PUT /x HTTP/1.1\r\n" H "Content-Length:\r\n\r\n", 400, "an empty length"),
	B("PUT /x HTTP/1.1\r\n" H "Content-Length: 0x10\r\n\r\n", 400, "a hex length"),
	B("PUT /x HTTP/1.1\r\n" H "Content-Length: 184467440737095516160\r\n\r\n", 400,
	  "a length overflowing 64 bits"),
	B("PUT /x HTTP/1.1\r\n" H "Content-Length: 18446744073709551616\r\n\r\n", 400,
	  "a length of 2^64"),
	B("GET /%41 HTTP/1.1\r\n" H "\r\n", 400, "'%' in the target"),
	B("GET x HTTP/1.1\r\n" H "\r\n", 400, "a target not starting with /"),
	B("GET http://a/ HTTP/1.1\r\n" H "\r\n", 400, "an absolute-form target"),
	B("GET * HTTP/1.1\r\n" H "\r\n", 400, "an asterisk-form target"),
	B("GET /a\x01 HTTP/1.1\r\n" H "\r\n", 400, "a control byte in the target"),
	B("GET /a\xc3\xa9 HTTP/1.1\r\n" H "\r\n", 400, "non-ASCII in the target"),
	B("GET /a\0 HTTP/1.1\r\n" H "\r\n", 400, "NUL in the target"),
	B("GET /a b HTTP/1.1\r\n" H "\r\n", 400, "a space in the target"),
	B("GET /a#b HTTP/1.1\r\n" H "\r\n", 400, "a fragment in the target"),
	B("GET /a\"b HTTP/1.1\r\n" H "\r\n", 400, "a quote in the path"),
	B("GET /v1/../x HTTP/1.1\r\n" H "\r\n", 400, "a .. segment"),
	B("GET /v1/./x HTTP/1.1\r\n" H "\r\n", 400, "a . segment"),
	B("GET /.. HTTP/1.1\r\n" H "\r\n", 400, "a final .. segment"),
	B("GET /a?b\\c HTTP/1.1\r\n" H "\r\n", 400, "a backslash in the query"),
	B("GET / HTTP/1.1\r\n\r\n", 400, "HTTP/1.1 without Host"),
	B("GET / HTTP/1.1\r\n" H H "\r\n", 400, "two Host fields"),
	B("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400, "a space in Host"),
	B("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400, "a slash in Host"),
	B("GET / HTTP/1.1\r\nHost: \xc3\xa9\r\n\r\n", 400, "non-ASCII in Host"),
	B("GET / HTTP/1.1\r\n" H "If-Match: \"1\"\r\nIf-Match: \"2\"\r\n\r\n", 400,
	  "two If-Match fields"),
	B("PUT /x HTTP/1.1\r\n" H "\r\n", 411, "PUT without Content-Length"),
	B("POST /x HTTP/1.1\r\n" H "\r\n", 411, "POST without Content-Length"),
	B("POST /x HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 411,
	  "a chunked body"),
	B("GET /x HTTP/1.1\r\n" H "Transfer-Encoding: Chunked\r\n\r\n", 411,
	  "a chunked GET"),
	B("PUT /x HTTP/1.1\r\n" H "Content-Length: 1114113\r\n\r\n", 413,
	  "a body of HTTP_BODY_MAX + 1"),
	B("PUT /x HTTP/1.1\r\n" H "Content-Length: 99999999999\r\n\r\n", 413,
	  "a body of 100 GB"),
	B("PUT /x HTTP/1.1\r\n" H "Expect: 100-continue, x\r\nContent-Length: 1\r\n\r\n", 417,
	  "an Expect we do not know"),
	B("PATCH /x HTTP/1.1\r\n" H "Content-Length: 0\r\n\r\n", 501, "PATCH"),
	B("get / HTTP/1.1\r\n" H "\r\n", 501, "a lower-case GET (methods are case-sensitive)"),
	B("OPTIONS / HTTP/1.1\r\n" H "\r\n", 501, "OPTIONS"),
	B("PUT /x HTTP/1.1\r\n" H "Transfer-Encoding: gzip, chunked\r\n\r\n", 501,
	  "a transfer coding we do not decode"),
	B("PUT /x HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n\r\n", 501,
	  "two Transfer-Encoding fields"),
	B("GET / HTTP/2.0\r\n" H "\r\n", 505, "HTTP/2.0"),
	B("GET / HTTP/1.2\r\n" H "\r\n", 505, "HTTP/1.2"),
	B("GET / HTTP/0.9\r\n\r\n", 505, "HTTP/0.9"),
};

/* A copy in a buffer of exactly n bytes: ASan sees any read past it. */
static int
parse_exact(struct http_req *r, const char *s, size_t n)
{
	char *b = malloc(n ? n : 1);
	int st;

	memcpy(b, s, n);
	st = http_req_parse(r, b, n);
	free(b);
	return st;
}

/* The verdict when fed one byte more per call, each call on a fresh
 * exact-size copy of what has come so far. */
static int
parse_bytewise(const char *s, size_t n, struct http_req *r)
{
	int st = HTTP_REQ_MORE;

	http_req_init(r);
	for (size_t i = 1; i <= n && st == HTTP_REQ_MORE; i++)
		st = parse_exact(r, s, i);
	return st;
}

static int
parse_whole(const char *s, size_t n, struct http_req *r)
{
	http_req_init(r);
	return parse_exact(r, s, n);
}

static void
test_bad(void)
{
	struct http_req r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t n = bad[i].len;
		int whole = parse_whole(bad[i].req, n, &r);
		int split = parse_bytewise(bad[i].req, n, &r);

		CHECK(whole == bad[i].want && split == bad[i].want &&
		    http_req_parse(&r, bad[i].req, n) == split,
		    "%d for %s (whole %d, byte by byte %d: %s), and again when asked again",
		    bad[i].want, bad[i].what, whole, split, r.hr_why ? r.hr_why : "-");
	}
}

static void
test_get(void)
{
	static const char req[] = "GET /v1/status HTTP/1.1\r\nHost: appliance\r\nAccept: */*\r\n\r\n";
	struct http_req r;
	int st;

	st = parse_whole(req, strlen(req), &r);
	CHECK(st == HTTP_REQ_DONE && r.hr_method == HTTP_M_GET &&
	    strcmp(r.hr_target, "/v1/status") == 0 && r.hr_has_query == 0 &&
	    r.hr_consumed == strlen(req) && r.hr_body_len == 0 && r.hr_close == 0 &&
	    r.hr_has_if_match == 0 && r.hr_minor == 1,
	    "a GET: path, keep-alive, all of it consumed (status %d)", st);
	CHECK(http_req_parse(&r, req, strlen(req)) == HTTP_REQ_DONE,
	    "a second call on a finished request says DONE again");
	CHECK(strcmp(http_method_name(r.hr_method), "GET") == 0 &&
	    strcmp(http_method_name(HTTP_M_DELETE), "DELETE") == 0 &&
	    strcmp(http_method_name((enum http_method)99), "?") == 0, "method names");
	st = parse_bytewise(req, strlen(req), &r);
	CHECK(st == HTTP_REQ_DONE && r.hr_consumed == strlen(req) &&
	    strcmp(r.hr_target, "/v1/status") == 0, "the same GET byte by byte");
	for (size_t i = 0; i < strlen(req); i++) {
		http_req_init(&r);
		if (parse_exact(&r, req, i) != HTTP_REQ_MORE)
			break;
		if (i == strlen(req) - 1)
			CHECK(1, "every proper prefix of the GET needs more");
	}
}

static void
test_put(void)
{
	static const char req[] = "PUT /v1/drops/a.ini HTTP/1.1\r\nHost: a\r\n"
	    "content-LENGTH: 5\r\nIf-Match:  \"7\" \t\r\nContent-Length: 5\r\n\r\nhello";
	struct http_req r;
	size_t head = strlen(req) - 5;
	int st;

	st = parse_whole(req, strlen(req), &r);
	CHECK(st == HTTP_REQ_DONE && r.hr_method == HTTP_M_PUT && r.hr_body_len == 5 &&
	    r.hr_body != NULL && r.hr_consumed == strlen(req) && r.hr_head_len == head,
	    "a PUT with a 5-byte body, its length given twice the same (status %d)", st);
	CHECK(r.hr_has_if_match && strcmp(r.hr_if_match, "\"7\"") == 0,
	    "If-Match without its surrounding whitespace: %s", r.hr_if_match);

	http_req_init(&r);
	st = http_req_parse(&r, req, strlen(req) - 1);
	CHECK(st == HTTP_REQ_MORE && r.hr_head_len == head && r.hr_content_length == 5,
	    "a body one byte short: more, the head known");
	st = http_req_parse(&r, req, strlen(req));
	CHECK(st == HTTP_REQ_DONE && memcmp(r.hr_body, "hello", 5) == 0,
	    "then its last byte: done, the body points at it");
}

static void
test_pipeline(void)
{
	static const char two[] = "POST /v1/endpoints/e/approval HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 2\r\n\r\n{}"
	    "DELETE /v1/drops/b.ini HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Close\r\n\r\n";
	struct http_req r;
	const char *rest;
	size_t nrest;
	int st;

	http_req_init(&r);
	st = http_req_parse(&r, two, strlen(two));
	CHECK(st == HTTP_REQ_DONE && r.hr_method == HTTP_M_POST && r.hr_consumed < strlen(two) &&
	    memcmp(r.hr_body, "{}", 2) == 0 && r.hr_close == 0,
	    "two pipelined requests: the first one, consumed %zu < %zu", r.hr_consumed, strlen(two));
	/* The rest's length taken before r changes: GCC 12 at -O1 folds
	 * strlen(two + r.hr_consumed) into 147 - r.hr_consumed and reloads
	 * the field after the call that rewrites it. */
	rest = two + r.hr_consumed;
	nrest = strlen(rest);
	st = parse_whole(rest, nrest, &r);
	CHECK(st == HTTP_REQ_DONE && r.hr_method == HTTP_M_DELETE &&
	    strcmp(r.hr_target, "/v1/drops/b.ini") == 0 && r.hr_close == 1 &&
	    r.hr_consumed == nrest, "then the second, which closes (consumed %zu of %zu)",
	    r.hr_consumed, nrest);
}

static void
test_versions(void)
{
	struct http_req r;
	const char *q;
	int st;

	q = "GET / HTTP/1.0\r\n\r\n";
	st = parse_whole(q, strlen(q), &r);
	CHECK(st == HTTP_REQ_DONE && r.hr_minor == 0 && r.hr_close == 1,
	    "HTTP/1.0 without Host: fine, and closes");
	q = "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n";
	st = parse_whole(q, strlen(q), &r);
	CHECK(st == HTTP_REQ_DONE && r.hr_close == 0, "HTTP/1.0 with keep-alive stays open");
	q = "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
	st = parse_whole(q, strlen(q), &r);
	CHECK(st == HTTP_REQ_DONE && r.hr_close == 1, "HTTP/1.1 with Connection: close closes");
	q = "\r\n\r\nGET /metrics?name=a&x=/b? HTTP/1.1\r\nHost:\r\n\r\n";
	st = parse_whole(q, strlen(q), &r);
	CHECK(st == HTTP_REQ_DONE && strcmp(r.hr_target, "/metrics") == 0 && r.hr_has_query &&
	    strcmp(r.hr_query, "name=a&x=/b?") == 0 && r.hr_consumed == strlen(q),
	    "leading empty lines skipped, the query split off, an empty Host taken");
	q = "PUT /x HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 10\r\n\r\n";
	st = parse_whole(q, strlen(q), &r);
	CHECK(st == HTTP_REQ_MORE && r.hr_head_len == strlen(q) && r.hr_expect_continue,
	    "Expect: 100-continue: the head is known while the body is awaited");
	q = "PUT /x HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 10\r\n\r\n";
	st = parse_whole(q, strlen(q), &r);
	CHECK(st == HTTP_REQ_MORE && r.hr_head_len == strlen(q) && !r.hr_expect_continue,
	    "an HTTP/1.0 client expecting 100-continue gets none (it would not wait)");
	q = "GET / HTTP/1.1\r\nHost: [::1]:8443\r\n\r\n";
	st = parse_whole(q, strlen(q), &r);
	CHECK(st == HTTP_REQ_DONE, "an IPv6 literal and a port in Host (%d)", st);
	q = "DELETE /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabcGET";
	st = parse_whole(q, strlen(q), &r);
	CHECK(st == HTTP_REQ_DONE && r.hr_body_len == 3 && r.hr_consumed == strlen(q) - 3,
	    "a body on DELETE is read past, for the next request");
}

/* A request of exactly n bytes of head: padded with one long field. */
static char *
head_of(size_t n, const char *line)
{
	size_t l = strlen(line), fixed = l + strlen(H) + strlen("X: ") + 4;
	char *s = malloc(n + 1);

	memcpy(s, line, l);
	memcpy(s + l, H, strlen(H));
	memcpy(s + l + strlen(H), "X: ", 3);
	memset(s + l + strlen(H) + 3, 'x', n - fixed);
	memcpy(s + n - 4, "\r\n\r\n", 4);
	s[n] = '\0';
	return s;
}

static void
test_limits(void)
{
	struct http_req r;
	char *s, line[HTTP_REQLINE_MAX + 64];
	int st;

	s = head_of(HTTP_HEAD_MAX, "GET / HTTP/1.1\r\n");
	st = parse_whole(s, HTTP_HEAD_MAX, &r);
	CHECK(st == HTTP_REQ_DONE, "a head of exactly HTTP_HEAD_MAX bytes (status %d)", st);
	free(s);
	s = head_of(HTTP_HEAD_MAX + 1, "GET / HTTP/1.1\r\n");
	st = parse_whole(s, HTTP_HEAD_MAX + 1, &r);
	CHECK(st == 431, "a head of HTTP_HEAD_MAX + 1 bytes: 431 (%d)", st);
	st = parse_bytewise(s, HTTP_HEAD_MAX + 1, &r);
	CHECK(st == 431, "... byte by byte too (%d)", st);
	free(s);

	s = head_of(HTTP_HEAD_MAX, "GET / HTTP/1.1\r\n");
	memset(s + HTTP_HEAD_MAX - 4, 'x', 4);	/* no end in sight */
	st = parse_whole(s, HTTP_HEAD_MAX, &r);
	CHECK(st == HTTP_REQ_MORE, "HTTP_HEAD_MAX bytes without the empty line: more (%d)", st);
	s = realloc(s, HTTP_HEAD_MAX + 1);
	s[HTTP_HEAD_MAX] = 'x';
	st = http_req_parse(&r, s, HTTP_HEAD_MAX + 1);
	CHECK(st == 431, "one byte more: 431 (%d)", st);
	free(s);
	/* A field line whose CR is the last byte within HTTP_HEAD_MAX and whose
	 * LF is the first past it (fuzz_http's corpus seed head-max-crlf): the
	 * head is past its bound with no end, refused, not "more". */
	s = calloc(1, HTTP_HEAD_MAX + 2);
	memcpy(s, "GET / HTTP/1.1\r\n" H "X: ", 28);
	memset(s + 28, 'v', HTTP_HEAD_MAX - 1 - 28);
	memcpy(s + HTTP_HEAD_MAX - 1, "\r\n", 2);
	st = parse_whole(s, HTTP_HEAD_MAX + 1, &r);
	CHECK(st == 431, "a field line ending one byte past HTTP_HEAD_MAX: 431 (%d)", st);
	st = parse_bytewise(s, HTTP_HEAD_MAX + 1, &r);
	CHECK(st == 431, "... byte by byte too (%d)", st);
	free(s);
	s = calloc(1, HTTP_HEAD_MAX + 1);
	memcpy(s, "GET / HTTP/1.1\r\n" H, 25);
	for (size_t i = 25; i < HTTP_HEAD_MAX + 1; i++)
		s[i] = "X: y\r\n"[(i - 25) % 6];
	st = parse_whole(s, HTTP_HEAD_MAX + 1, &r);
	CHECK(st == 431, "short fields going on past HTTP_HEAD_MAX: 431 (%d)", st);
	free(s);

	s = malloc(4096);
	strcpy(s, "GET / HTTP/1.1\r\n" H);
	for (int i = 1; i < HTTP_HEADERS_MAX; i++)
		strcat(s, "X: y\r\n");
	strcat(s, "\r\n");
	st = parse_whole(s, strlen(s), &r);
	CHECK(st == HTTP_REQ_DONE, "HTTP_HEADERS_MAX fields (%d)", st);
	strcpy(s + strlen(s) - 2, "X: y\r\n\r\n");
	st = parse_whole(s, strlen(s), &r);
	CHECK(st == 431, "HTTP_HEADERS_MAX + 1 fields: 431 (%d)", st);
	free(s);

	/* A path of HTTP_TARGET_MAX - 1 bytes fits; one more is 414. */
	memcpy(line, "GET /", 5);
	memset(line + 5, 'a', HTTP_TARGET_MAX - 2);
	strcpy(line + 5 + HTTP_TARGET_MAX - 2, " HTTP/1.1\r\n" H "\r\n");
	st = parse_whole(line, strlen(line), &r);
	CHECK(st == HTTP_REQ_DONE && strlen(r.hr_target) == HTTP_TARGET_MAX - 1,
	    "a path of HTTP_TARGET_MAX - 1 bytes (%d)", st);
	memset(line + 5, 'a', HTTP_TARGET_MAX - 1);
	strcpy(line + 5 + HTTP_TARGET_MAX - 1, " HTTP/1.1\r\n" H "\r\n");
	st = parse_whole(line, strlen(line), &r);
	CHECK(st == 414, "a path of HTTP_TARGET_MAX bytes: 414 (%d)", st);
	st = parse_bytewise(line, strlen(line), &r);
	CHECK(st == 414, "... byte by byte too (%d)", st);

	/* A request line that never ends: 414 once it is too long, before
	 * any head limit. */
	memcpy(line, "GET /", 5);
	memset(line + 5, 'a', sizeof(line) - 5);
	st = parse_whole(line, HTTP_REQLINE_MAX, &r);
	CHECK(st == HTTP_REQ_MORE, "HTTP_REQLINE_MAX bytes of request line: more (%d)", st);
	st = parse_whole(line, HTTP_REQLINE_MAX + 1, &r);
	CHECK(st == 414, "one more: 414 without waiting for the rest (%d)", st);

	/* The largest body is awaited; the head is parsed before it. */
	snprintf(line, sizeof(line), "PUT /x HTTP/1.1\r\n" H "Content-Length: %d\r\n\r\n",
	    HTTP_BODY_MAX);
	st = parse_whole(line, strlen(line), &r);
	CHECK(st == HTTP_REQ_MORE && r.hr_content_length == HTTP_BODY_MAX,
	    "a body of HTTP_BODY_MAX is awaited (%d)", st);
}

int
main(void)
{
	test_bad();
	test_get();
	test_put();
	test_pipeline();
	test_versions();
	test_limits();
	return UNIT_DONE();
}
