/*
 * libFuzzer harness for the management API's JSON bodies: any bytes as an
 * approval and as a batch (with the room of a full drop directory, and
 * with room for two) must be taken or refused with a message, never
 * crash, leak or read past the body; what is taken must keep the promises
 * of api_json.h.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api_json.h"
#include "cfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct cfg_change changes[CFG_MAX_FILES];

static void
fuzz_approval(const char *body, size_t size)
{
	char state[API_JSON_STATE_MAX], message[CFG_MESSAGE_MAX], err[256];
	size_t n;

	err[0] = '\0';
	if (api_json_approval(body, size, state, message, err, sizeof(err)) == -1) {
		if (err[0] == '\0' || strncmp(err, "approval: ", 10) != 0 || state[0] != '\0')
			abort();
		return;
	}
	if (strcmp(state, "Approved") != 0 && strcmp(state, "Rejected") != 0 &&
	    strcmp(state, "Pending") != 0)
		abort();
	n = strlen(message);
	if (n >= CFG_MESSAGE_MAX || (n > 0 && (message[0] == ' ' || message[n - 1] == ' ')))
		abort();
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)message[i] < 0x20 && message[i] != '\t') || message[i] == 0x7f ||
		    (i > 0 && message[i] == ';' && message[i - 1] == ' '))
			abort();
}

static void
fuzz_batch(const char *body, size_t size, int max)
{
	struct api_json_doc doc;
	char err[256];
	int n = -1;

	err[0] = '\0';
	if (api_json_batch(body, size, changes, max, &n, &doc, err, sizeof(err)) == -1) {
		if (err[0] == '\0' || strncmp(err, "batch: ", 7) != 0 || n != 0 ||
		    doc.jd_root != NULL)
			abort();
		return;
	}
	if (n < 0 || n > max)
		abort();
	for (int i = 0; i < n; i++) {
		if (!cfg_drop_name_ok(changes[i].ch_name))
			abort();
		if (changes[i].ch_data != NULL &&
		    (changes[i].ch_len != strlen(changes[i].ch_data) ||
		    changes[i].ch_len > CFG_SET_FILE_MAX))
			abort();
		for (int j = 0; j < i; j++)
			if (strcmp(changes[i].ch_name, changes[j].ch_name) == 0)
				abort();
	}
	api_json_doc_free(&doc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;

	fuzz_approval(body, size);
	fuzz_batch(body, size, CFG_MAX_FILES);
	fuzz_batch(body, size, 2);
	return 0;
}
