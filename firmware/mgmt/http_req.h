/*
 * The management API's HTTP/1.1 request parser (RFC 9112): one request at a
 * time, over a buffer the caller fills.  Hostile input: strict, bounded,
 * no allocation, never reads past the length it is given.
 *
 * Use:
 *	http_req_init(&r);
 *	for each read: append the bytes to buf (keep what is there), then
 *	st = http_req_parse(&r, buf, len);
 *	  HTTP_REQ_MORE  read more (r.hr_head_len != 0: the head is parsed
 *	                 and its fields valid, the body is still coming; the
 *	                 time to answer Expect: 100-continue)
 *	  HTTP_REQ_DONE  answer r; then drop r.hr_consumed bytes from the
 *	                 front of buf (a pipelined request may follow), and
 *	                 http_req_init(&r) before parsing the rest
 *	  >= 400         answer with that status code and close: the framing
 *	                 cannot be trusted any more (r.hr_why says why)
 *
 * Verdicts depend only on the bytes, never on how they were split across
 * calls.  Each call looks only at the bytes it has not seen (the head is
 * parsed once, when its empty line is in), so a byte-at-a-time sender
 * costs O(1) per byte.  The caller must not change bytes it already
 * passed; it may move them (r keeps offsets only): hr_body points into
 * the buf of the call that said HTTP_REQ_DONE.
 *
 * Status codes: 400 malformed (request line, bare CR or LF, obs-fold,
 * field without colon or with whitespace before it, bad bytes in a name or
 * value, a target that is not an origin-form path of plain characters,
 * '%' included: names here never need percent-encoding; differing
 * Content-Length fields or a bad one, Content-Length with
 * Transfer-Encoding, Transfer-Encoding in HTTP/1.0, two Host fields, a bad
 * one or none in HTTP/1.1, two If-Match fields or one longer than
 * HTTP_IF_MATCH_MAX - 1), 411 PUT or POST without Content-Length, and
 * Transfer-Encoding: chunked (we do not decode chunks; 411 tells the
 * client the fix, RFC 9110 15.5.12: send Content-Length), 413 body over
 * HTTP_BODY_MAX (known from the head, before the body is read), 414
 * request line over HTTP_REQLINE_MAX or path or query over
 * HTTP_TARGET_MAX - 1, 417 an Expect other than 100-continue, 431 head
 * over HTTP_HEAD_MAX or more than HTTP_HEADERS_MAX fields, 501 a method
 * other than GET, HEAD, PUT, POST, DELETE, or a transfer coding other
 * than chunked (RFC 9112 6.1), 505 a version other than HTTP/1.0 and 1.1.
 *
 * A body on GET, HEAD or DELETE is read (so the next request is found)
 * and left to the caller.  Leading empty lines before a request line are
 * skipped (RFC 9112 2.2) and count towards HTTP_HEAD_MAX.
 */
#ifndef PRIVLINK_HTTP_REQ_H
#define PRIVLINK_HTTP_REQ_H

#include <stddef.h>

#include "http_req-t.h"

void http_req_init(struct http_req *r);
int http_req_parse(struct http_req *r, const char *buf, size_t len);
const char *http_method_name(enum http_method m);

#endif
