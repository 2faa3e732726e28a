/*
 * One HTTP/1.1 request of the management API (RFC 9112): types and limits
 * only.  The parser is firmware/mgmt/http_req.c.
 */
#ifndef PRIVLINK_HTTP_REQ_T_H
#define PRIVLINK_HTTP_REQ_T_H

#include <stddef.h>

/* Request line and header fields together, leading empty lines included:
 * what OpenBSD httpd and one nginx large header buffer allow.  A client of
 * this API sends a handful of short fields; more is an attack. */
#define HTTP_HEAD_MAX		8192
/* Header fields per request: curl sends 4 to 6, Prometheus 5. */
#define HTTP_HEADERS_MAX	32
/* The path and the query, each with its NUL: /v1/drops/NAME.ini and
 * /v1/endpoints/NAME/approval with names of at most CFG_NAME_MAX-ish
 * bytes fit many times over. */
#define HTTP_TARGET_MAX		1024
/* The request line: method, target with its query, version, two spaces. */
#define HTTP_REQLINE_MAX	(HTTP_TARGET_MAX + 32)
/* A body: a drop file may be CFG_SET_FILE_MAX (1 MiB); sent as a JSON
 * string in a batch it grows by its escapes (\n for every line: about 3 %
 * on an INI file of 30-byte lines) and the quotes and names around it.
 * 64 KiB on top covers a full-size drop of typical lines plus a few small
 * ones; a batch larger than this is split by the client. */
#define HTTP_BODY_MAX		(1024 * 1024 + 64 * 1024)
/* An If-Match value: our ETags are a quoted config generation. */
#define HTTP_IF_MATCH_MAX	128

/* What http_req_parse() returns besides an HTTP status code (>= 400). */
#define HTTP_REQ_MORE		0	/* need more bytes */
#define HTTP_REQ_DONE		1	/* a whole request, body included */

enum http_method {
	HTTP_M_OTHER = 0,		/* never returned with HTTP_REQ_DONE: 501 */
	HTTP_M_GET,
	HTTP_M_HEAD,
	HTTP_M_PUT,
	HTTP_M_POST,
	HTTP_M_DELETE,
};

/*
 * One request.  http_req_init() before the first byte of each request;
 * then the same struct for every call on that request.  Fields other than
 * hr_status and hr_why are valid once hr_head_len is non-zero (the head is
 * parsed: HTTP_REQ_DONE, or HTTP_REQ_MORE while the body arrives).
 */
struct http_req {
	/* the parsed head */
	enum http_method hr_method;
	int		hr_minor;			/* HTTP/1.hr_minor: 0 or 1 */
	char		hr_target[HTTP_TARGET_MAX];	/* the path: "/" then pchars */
	char		hr_query[HTTP_TARGET_MAX];	/* after '?', without it; "" if none */
	int		hr_has_query;			/* a '?' was there (maybe empty) */
	char		hr_if_match[HTTP_IF_MATCH_MAX];	/* as sent, OWS trimmed */
	int		hr_has_if_match;
	size_t		hr_content_length;		/* 0 without Content-Length */
	int		hr_has_content_length;
	int		hr_close;			/* close after the answer */
	int		hr_expect_continue;		/* Expect: 100-continue */
	size_t		hr_head_len;			/* bytes of the head; 0 until parsed */

	/* the body and the whole request, with HTTP_REQ_DONE */
	const char	*hr_body;			/* into the caller's buffer */
	size_t		hr_body_len;			/* == hr_content_length */
	size_t		hr_consumed;			/* head + body: where the next starts */

	/* the verdict: sticky once an error code was returned */
	int		hr_status;			/* HTTP_REQ_MORE, DONE or a code */
	const char	*hr_why;			/* a static reason for the log */

	/* where the search for the end of the head stands */
	size_t		hr_scan;			/* next byte to look at */
	size_t		hr_line;			/* where the current line starts */
	size_t		hr_start;			/* where the request line starts */
};

#endif
