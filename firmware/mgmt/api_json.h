/*
 * The management API's two JSON request bodies (RFC 8259), decoded with
 * cJSON after a strict lexical pass of our own:
 *
 *   approval  {"state": "Approved", "message": "text"}
 *   batch     {"a.ini": "file content", "b.ini": null}
 *
 * Both take the body as the HTTP parser left it (not NUL-terminated) and
 * return 0, or -1 with a short message for the client in err ("batch:
 * value of 'x.ini' is not a string or null").  Refused, besides what is
 * not JSON: anything but one flat object of strings (and null in a
 * batch), a member twice, bytes that are not UTF-8, control characters
 * not escaped, NUL however written (a drop file may not hold one).
 */
#ifndef PRIVLINK_API_JSON_H
#define PRIVLINK_API_JSON_H

#include <stddef.h>

#include "cfg-t.h"
#include "cfg_set.h"

/* Room for an approval state name, the longest being "Approved". */
#define API_JSON_STATE_MAX	16

/* A decoded batch: the names and contents its changes point to. */
struct api_json_doc {
	void	*jd_root;
};

/*
 * state gets "Approved", "Rejected" or "Pending" (spelled so whatever the
 * case sent, as the [approval] drop key takes it); message the message,
 * "" if none, without surrounding spaces.  The message is refused when a
 * drop file could not carry it: a control character, or ';' after a
 * space or tab (a comment in an INI value).
 */
int api_json_approval(const char *body, size_t len, char state[static API_JSON_STATE_MAX],
    char message[static CFG_MESSAGE_MAX], char *err, size_t errlen);

/*
 * Fills changes[0..*n) in the order sent, at most max of them (and at
 * most CFG_MAX_FILES); ch_data NULL deletes ch_name.  Names pass
 * cfg_drop_name_ok() and are shorter than CFG_FILE_MAX, contents are at
 * most CFG_SET_FILE_MAX bytes (ch_len; a NUL follows).  An empty object
 * is a batch of nothing (*n == 0).  The
 * strings live in doc until api_json_doc_free(doc), which the caller
 * calls after a success (a failure frees everything itself).
 */
int api_json_batch(const char *body, size_t len, struct cfg_change *changes, int max, int *n,
    struct api_json_doc *doc, char *err, size_t errlen);
void api_json_doc_free(struct api_json_doc *doc);

#endif
