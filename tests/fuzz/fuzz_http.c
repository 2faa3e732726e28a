/*
 * libFuzzer harness for the management API's HTTP request parser: any
 * bytes, parsed whole, must give a verdict of http_req.h, never read past
 * the length given (each call gets an exact-size copy), and leave a
 * request that keeps the promises of http_req-t.h.  The same bytes fed in
 * pieces (sizes drawn from the input's own hash, one byte upwards) must
 * give the same verdict and the same request.  Pipelined requests after
 * the first are parsed too, each whole.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_req.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Requests parsed after the first, at most. */
#define FUZZ_HTTP_PIPELINE	16

static int
fuzz_parse(struct http_req *r, const uint8_t *data, size_t n)
{
	char *b = malloc(n ? n : 1);
	int was = r->hr_status, st;

	if (b == NULL)
		abort();
	memcpy(b, data, n);
	st = http_req_parse(r, b, n);
	if (st == HTTP_REQ_DONE && was == HTTP_REQ_MORE) {
		/* hr_body pointed into b: make it an offset we can check. */
		if (r->hr_body != b + r->hr_head_len)
			abort();
		r->hr_body = NULL;
	}
	free(b);
	return st;
}

static int
fuzz_known_status(int st)
{
	switch (st) {
	case HTTP_REQ_MORE: case HTTP_REQ_DONE:
	case 400: case 411: case 413: case 414: case 417: case 431: case 501: case 505:
		return 1;
	}
	return 0;
}

/* What a finished request promises. */
static void
fuzz_check(const struct http_req *r, int st, size_t size)
{
	if (!fuzz_known_status(st) || r->hr_status != st)
		abort();
	if (st >= 400 && r->hr_why == NULL)
		abort();
	if (st == HTTP_REQ_MORE && r->hr_head_len == 0 && size > HTTP_HEAD_MAX)
		abort();
	if (st != HTTP_REQ_DONE)
		return;
	if (r->hr_method == HTTP_M_OTHER || r->hr_minor > 1 || r->hr_target[0] != '/' ||
	    memchr(r->hr_target, '\0', sizeof(r->hr_target)) == NULL ||
	    memchr(r->hr_query, '\0', sizeof(r->hr_query)) == NULL ||
	    memchr(r->hr_if_match, '\0', sizeof(r->hr_if_match)) == NULL ||
	    strpbrk(r->hr_target, "% ?#\r\n") != NULL)
		abort();
	if (r->hr_head_len == 0 || r->hr_head_len > HTTP_HEAD_MAX ||
	    r->hr_body_len != r->hr_content_length || r->hr_content_length > HTTP_BODY_MAX ||
	    r->hr_consumed != r->hr_head_len + r->hr_body_len || r->hr_consumed > size)
		abort();
	if ((r->hr_method == HTTP_M_PUT || r->hr_method == HTTP_M_POST) && !r->hr_has_content_length)
		abort();
}

/* The parts of two requests that must agree, pointers aside. */
static int
fuzz_same(const struct http_req *a, const struct http_req *b)
{
	return a->hr_method == b->hr_method && a->hr_minor == b->hr_minor &&
	    strcmp(a->hr_target, b->hr_target) == 0 && strcmp(a->hr_query, b->hr_query) == 0 &&
	    a->hr_has_query == b->hr_has_query && strcmp(a->hr_if_match, b->hr_if_match) == 0 &&
	    a->hr_has_if_match == b->hr_has_if_match &&
	    a->hr_content_length == b->hr_content_length && a->hr_close == b->hr_close &&
	    a->hr_expect_continue == b->hr_expect_continue && a->hr_head_len == b->hr_head_len &&
	    a->hr_consumed == b->hr_consumed;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_req whole, split;
	uint32_t h = 2166136261u;
	size_t n = 0, off;
	int st, st2 = HTTP_REQ_MORE;

	http_req_init(&whole);
	st = fuzz_parse(&whole, data, size);
	fuzz_check(&whole, st, size);
	/* A verdict is final: asked again, the same. */
	if (st != HTTP_REQ_MORE && fuzz_parse(&whole, data, size) != st)
		abort();
	if (http_method_name(whole.hr_method) == NULL)
		abort();

	/* The same bytes in pieces: about 32 calls whatever the size. */
	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 16777619u;
	http_req_init(&split);
	while (n < size && st2 == HTTP_REQ_MORE) {
		h ^= h << 13;
		h ^= h >> 17;
		h ^= h << 5;
		n += 1 + h % (1 + size / 16);
		if (n > size)
			n = size;
		st2 = fuzz_parse(&split, data, n);
	}
	if (size == 0)
		st2 = fuzz_parse(&split, data, 0);
	if (st2 != st || (st == HTTP_REQ_DONE && !fuzz_same(&whole, &split)))
		abort();
	if (st == HTTP_REQ_DONE && split.hr_consumed > n)
		abort();

	/* Keep-alive: the requests that follow, as a server would take them. */
	off = 0;
	for (int i = 0; i < FUZZ_HTTP_PIPELINE && st == HTTP_REQ_DONE; i++) {
		off += whole.hr_consumed;
		http_req_init(&whole);
		st = fuzz_parse(&whole, data + off, size - off);
		fuzz_check(&whole, st, size - off);
	}
	return 0;
}
