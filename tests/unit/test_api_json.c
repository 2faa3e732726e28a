/*
 * The management API's JSON bodies: approvals and batches that must be
 * taken, with what comes out, and every refusal of api_json.h, each body
 * in a buffer of its exact size without a NUL after it (as the HTTP
 * parser hands it over).
 */
#include <stdlib.h>
#include <string.h>

#include "api_json.h"
#include "unit.h"

static char err[256];
static char state[API_JSON_STATE_MAX], message[CFG_MESSAGE_MAX];

/* sizeof: a NUL inside counts. */
#define LEN(s) (sizeof(s) - 1)

static int
approval(const char *body, size_t len)
{
	char *b = malloc(len ? len : 1);
	int rc;

	memcpy(b, body, len);
	err[0] = '\0';
	rc = api_json_approval(b, len, state, message, err, sizeof(err));
	free(b);
	return rc;
}

static struct cfg_change ch[CFG_MAX_FILES + 1];
static int nch;
static struct api_json_doc doc;
static char *batch_buf;

/* The body stays allocated until batch_done(): the changes point into
 * the doc, never into it, which ASan checks when it is freed first. */
static int
batch_max(const char *body, size_t len, int max)
{
	int rc;

	batch_buf = malloc(len ? len : 1);
	memcpy(batch_buf, body, len);
	err[0] = '\0';
	rc = api_json_batch(batch_buf, len, ch, max, &nch, &doc, err, sizeof(err));
	free(batch_buf);
	return rc;
}

static int
batch(const char *body, size_t len)
{
	return batch_max(body, len, CFG_MAX_FILES);
}

struct bad {
	const char	*body;
	size_t		len;
	const char	*err;		/* what the message must contain */
};

#define B(body, err) { body, LEN(body), err }

static const struct bad bad_approval[] = {
	B("", "not a JSON object"),
	B("  \n", "not a JSON object"),
	B("[\"Approved\"]", "not a JSON object"),
	B("\"Approved\"", "not a JSON object"),
	B("{\"message\":\"x\"}", "approval: no state"),
	B("{}", "approval: no state"),
	B("{\"state\":\"Yes\"}", "state must be"),
	B("{\"state\":1}", "state must be"),
	B("{\"state\":null}", "state must be"),
	B("{\"state\":\"Approved\",\"x\":1}", "unknown member 'x'"),
	B("{\"state\":\"Approved\",\"state\":\"Rejected\"}", "'state' is there twice"),
	B("{\"state\":\"Approved\",\"message\":\"a\\nb\"}", "control character"),
	B("{\"state\":\"Approved\",\"message\":\"a\\u0001\"}", "control character"),
	B("{\"state\":\"Approved\",\"message\":\"a\x7f\"}", "control character"),
	B("{\"state\":\"Approved\",\"message\":\"done ;really\"}", "comment"),
	B("{\"state\":\"Approved\",\"message\":5}", "message is not a string"),
	B("{\"state\":\"Approved\"} x", "bytes after the object"),
	B("{\"state\":\"Approved\"}{}", "bytes after the object"),
	B("{\"state\":\"Approved\"", "not valid JSON"),
	B("{\"state\":\"Approved\",}", "not valid JSON"),
	B("{'state':'Approved'}", "not valid JSON"),
	B("{\"state\":\"Appr\noved\"}", "control character in a string is not escaped"),
	B("{\"state\":\"Approved\",\"message\":\"a\tb\"}", "not escaped"),
	B("{\"state\":\"Approved\",\"message\":\"a\\u0000b\"}", "NUL"),
	B("{\"state\":\"Approved\",\"message\":\"a\0b\"}", "NUL"),
	B("{\"state\":\"Approved\"}\0", "NUL"),
	B("{\"state\":\x01\"Approved\"}", "a control character at byte 9"),
	B("{\"state\"\f:\"Approved\"}", "a control character at byte 8"),
	B("\v{\"state\":\"Approved\"}", "not a JSON object"),
	B("{\"state\":\"Approved\",\"message\":\"\\uZZZZ\"}", "bad \\u escape"),
	B("{\"state\":\"Approved\",\"message\":\"\\u12\"}", "bad \\u escape"),
	B("{\"state\":\"Approved\",\"message\":\"\\x\"}", "bad escape"),
	B("{\"state\":\"Approved\",\"message\":\"\\ud800\"}", "not valid JSON"),
	B("{\"state\":\"Approved\",\"message\":\"\\udc00\\ud800\"}", "not valid JSON"),
	B("{\"state\":\"Approved\",\"message\":\"\\ud800\\u0041\"}", "not valid JSON"),
	B("{\"state\":\"Approved\",\"message\":\"\xff\"}", "not UTF-8"),
	B("{\"state\":\"Approved\",\"message\":\"\xc0\x80\"}", "not UTF-8"),
	B("{\"state\":\"Approved\",\"message\":\"\xed\xa0\x80\"}", "not UTF-8"),
	B("{\"state\":\"Approved\",\"message\":\"\xf4\x90\x80\x80\"}", "not UTF-8"),
	B("{\"state\":\"Approved\",\"message\":\"\xe2\x82\"}", "not UTF-8"),
	B("{\"state\":\"Approved\",\"message\":\"x\",\"m\":1}", "more than 2 members"),
	B("{\"state\":[[\"Approved\"]]}", "nest too deep"),
	B("{\"state\":\"Approved\",\"message\":\"unterminated", "does not end"),
	B("{\"state\":\"Approved\",\"message\":\"trailing\\", "does not end"),
};

static void
test_approval(void)
{
	char big[CFG_MESSAGE_MAX + 64];
	int rc;

	for (size_t i = 0; i < sizeof(bad_approval) / sizeof(bad_approval[0]); i++) {
		rc = approval(bad_approval[i].body, bad_approval[i].len);
		CHECK(rc == -1 && strstr(err, bad_approval[i].err) != NULL && state[0] == '\0',
		    "approval refused: %s (%s)", bad_approval[i].err, err);
	}

	rc = approval("{\"state\": \"Approved\", \"message\": \"ok by ops\"}",
	    LEN("{\"state\": \"Approved\", \"message\": \"ok by ops\"}"));
	CHECK(rc == 0 && strcmp(state, "Approved") == 0 && strcmp(message, "ok by ops") == 0,
	    "an approval with a message (%s)", err);
	rc = approval(" {\"state\":\"rejected\"}\r\n", LEN(" {\"state\":\"rejected\"}\r\n"));
	CHECK(rc == 0 && strcmp(state, "Rejected") == 0 && message[0] == '\0',
	    "a rejection in lower case, no message, whitespace around (%s)", err);
	rc = approval("{\"message\":null,\"state\":\"PENDING\"}",
	    LEN("{\"message\":null,\"state\":\"PENDING\"}"));
	CHECK(rc == 0 && strcmp(state, "Pending") == 0 && message[0] == '\0',
	    "pending with a null message, state last (%s)", err);
	rc = approval("{\"state\":\"Approved\",\"message\":\"  caf\\u00e9 \\ud83d\\ude00;x\\/y \"}",
	    LEN("{\"state\":\"Approved\",\"message\":\"  caf\\u00e9 \\ud83d\\ude00;x\\/y \"}"));
	CHECK(rc == 0 && strcmp(message, "caf\xc3\xa9 \xf0\x9f\x98\x80;x/y") == 0,
	    "escapes to UTF-8, a surrogate pair, ';' not after a space, trimmed (%s)", err);
	rc = approval("{\"state\":\"Approved\",\"message\":\"caf\xc3\xa9\"}",
	    LEN("{\"state\":\"Approved\",\"message\":\"caf\xc3\xa9\"}"));
	CHECK(rc == 0 && strcmp(message, "caf\xc3\xa9") == 0, "raw UTF-8 taken (%s)", err);

	for (int n = CFG_MESSAGE_MAX - 1; n <= CFG_MESSAGE_MAX; n++) {
		int l = snprintf(big, sizeof(big), "{\"state\":\"Approved\",\"message\":\"%*s\"}", n, "");

		memset(strstr(big, "\":\" ") + 3, 'm', (size_t)n);
		rc = approval(big, (size_t)l);
		if (n == CFG_MESSAGE_MAX - 1)
			CHECK(rc == 0 && strlen(message) == (size_t)n, "a message of %d bytes (%s)", n, err);
		else
			CHECK(rc == -1 && strstr(err, "longer than") != NULL,
			    "a message of %d bytes refused (%s)", n, err);
	}
}

static const struct bad bad_batch[] = {
	B("", "batch: not a JSON object"),
	B("[]", "batch: not a JSON object"),
	B("null", "batch: not a JSON object"),
	B("{\"x.ini\":1}", "batch: value of 'x.ini' is not a string or null"),
	B("{\"x.ini\":true}", "batch: value of 'x.ini' is not a string or null"),
	B("{\"x.ini\":{}}", "batch: value of 'x.ini' is not a string or null"),
	B("{\"x.ini\":[\"a\"]}", "batch: value of 'x.ini' is not a string or null"),
	B("{\"x.ini\":{\"a\":{}}}", "nest too deep"),
	B("{\"x.ini\":null,\"x.ini\":\"\"}", "batch: 'x.ini' is there twice"),
	B("{\"../x.ini\":null}", "'../x.ini' is not a drop file name"),
	B("{\"x.txt\":null}", "'x.txt' is not a drop file name"),
	B("{\".x.ini\":null}", "is not a drop file name"),
	B("{\"a b.ini\":null}", "is not a drop file name"),
	B("{\"\":null}", "'' is not a drop file name"),
	B("{\"\xc3\xa9.ini\":null}", "'??.ini' is not a drop file name"),
	B("{\"a/b.ini\":null}", "is not a drop file name"),
	B("{\"x.ini\":\"a\\u0000b\"}", "NUL"),
	B("{\"x.ini\":\"a\0b\"}", "NUL"),
	B("{\"x\\u0000.ini\":null}", "NUL"),
	B("{\"x.ini\":\"[a]\nk = v\"}", "not escaped"),
	B("{\"x.ini\":\"\\ud83d\"}", "not valid JSON"),
	B("{\"x.ini\":null} null", "bytes after the object"),
	B("{\"x.ini\":null", "not valid JSON"),
};

static void
test_batch(void)
{
	static const char good[] = "{\"10-a.ini\": \"[nic p0]\\nmac = 52:54:00:12:34:56\\n\","
	    " \"20-b.ini\": null, \"30_c-d.ini\": \"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\"}";
	char *big;
	size_t at;
	int rc;

	for (size_t i = 0; i < sizeof(bad_batch) / sizeof(bad_batch[0]); i++) {
		rc = batch(bad_batch[i].body, bad_batch[i].len);
		CHECK(rc == -1 && strstr(err, bad_batch[i].err) != NULL && doc.jd_root == NULL &&
		    nch == 0, "batch refused: %s (%s)", bad_batch[i].err, err);
	}

	rc = batch(good, LEN(good));
	CHECK(rc == 0 && nch == 3, "a batch of three (%s)", err);
	CHECK(rc == 0 && strcmp(ch[0].ch_name, "10-a.ini") == 0 &&
	    ch[0].ch_len == strlen("[nic p0]\nmac = 52:54:00:12:34:56\n") &&
	    memcmp(ch[0].ch_data, "[nic p0]\nmac = 52:54:00:12:34:56\n", ch[0].ch_len) == 0,
	    "the first: its name and content, in order");
	CHECK(rc == 0 && strcmp(ch[1].ch_name, "20-b.ini") == 0 && ch[1].ch_data == NULL,
	    "the second: null deletes");
	CHECK(rc == 0 && strcmp(ch[2].ch_name, "30_c-d.ini") == 0 && ch[2].ch_len == 10 &&
	    memcmp(ch[2].ch_data, "\"\\/\b\f\n\r\t\xc3\xa9", 10) == 0,
	    "the third: every escape decoded");
	api_json_doc_free(&doc);
	CHECK(doc.jd_root == NULL, "the doc freed (ASan: no leak, no double free)");
	api_json_doc_free(&doc);

	rc = batch("{ }", 3);
	CHECK(rc == 0 && nch == 0, "an empty batch is a batch of nothing (%s)", err);
	api_json_doc_free(&doc);

	/* CFG_MAX_FILES files fit; one more does not; nor more than max. */
	big = malloc(64 * (CFG_MAX_FILES + 2));
	at = (size_t)sprintf(big, "{");
	for (int i = 0; i < CFG_MAX_FILES; i++)
		at += (size_t)sprintf(big + at, "%s\"f%d.ini\":null", i ? "," : "", i);
	big[at++] = '}';
	rc = batch(big, at);
	CHECK(rc == 0 && nch == CFG_MAX_FILES, "CFG_MAX_FILES files (%s)", err);
	api_json_doc_free(&doc);
	rc = batch_max(big, at, 10);
	CHECK(rc == -1 && strstr(err, "more than 10 files") != NULL, "more than max: %s", err);
	at--;
	at += (size_t)sprintf(big + at, ",\"g.ini\":null}");
	rc = batch(big, at);
	CHECK(rc == -1 && strstr(err, "more than 256 files") != NULL,
	    "CFG_MAX_FILES + 1 files refused: %s", err);
	free(big);

	/* A drop of CFG_SET_FILE_MAX bytes fits; one more byte does not. */
	big = malloc(CFG_SET_FILE_MAX + 64);
	for (size_t n = CFG_SET_FILE_MAX; n <= CFG_SET_FILE_MAX + 1; n++) {
		at = (size_t)sprintf(big, "{\"x.ini\":\"");
		memset(big + at, 'a', n);
		at += n;
		at += (size_t)sprintf(big + at, "\"}");
		rc = batch(big, at);
		if (n == CFG_SET_FILE_MAX) {
			CHECK(rc == 0 && nch == 1 && ch[0].ch_len == n, "a drop of CFG_SET_FILE_MAX bytes (%s)",
			    err);
			api_json_doc_free(&doc);
		} else {
			CHECK(rc == -1 && strstr(err, "larger than") != NULL,
			    "a drop of CFG_SET_FILE_MAX + 1 bytes refused: %s", err);
		}
	}
	free(big);
}

int
main(void)
{
	test_approval();
	test_batch();
	return UNIT_DONE();
}
