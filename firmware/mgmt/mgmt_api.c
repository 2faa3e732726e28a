/*
 * The management API: what each request does and what it answers.
 *
 *   GET    /v1/status                    the JSON status (status.c)
 *   GET    /metrics                      Prometheus text format (metrics.c)
 *   GET    /v1/drops                     the drop files: name, sha256, bytes, source
 *   GET    /v1/drops/NAME.ini            one drop file
 *   PUT    /v1/drops/NAME.ini            write one (the body is the file)
 *   DELETE /v1/drops/NAME.ini            delete one
 *   POST   /v1/drops                     several at once: {"NAME.ini": "text" | null, ...}
 *   POST   /v1/endpoints/NAME/approval   {"state": "Approved", "message": "..."}
 *
 * A write is validated together with every other drop exactly as a file
 * drop is, and refused whole with 422 and every file:line message; a valid
 * one is written durably (mgmt_persist) and then applied by the reload
 * path, so unchanged endpoints keep their connections.  Every answer
 * carries the running drops' digest as its ETag; a write whose If-Match
 * names another is refused with 412, so two operators cannot overwrite
 * each other's change unseen.  Read-only clients may only GET.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_json.h"
#include "cfg.h"
#include "cfg_set.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "mgmt.h"
#include "mgmt_api.h"
#include "mgmt_persist.h"
#include "reload.h"
#include "status.h"

#define MGMT_ETAG_HEX		32	/* of the digest: 128 bits */
#define MGMT_APPROVAL_PREFIX	"approval-"

static const char *
mgmt_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 412: return "Precondition Failed";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Error";
	}
}

static void
mgmt_hex(char *out, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* The ETag of the running drops (quoted, as HTTP writes it). */
static void
mgmt_etag(const struct pl_loop *lp, char out[MGMT_ETAG_HEX + 3])
{
	char hex[65];

	mgmt_hex(hex, lp->lp_digest, sizeof(lp->lp_digest));
	snprintf(out, MGMT_ETAG_HEX + 3, "\"%.*s\"", MGMT_ETAG_HEX, hex);
}

/* The whole response into c_out; on no memory, the connection gets none
 * (mgmt.c resets it: c_out stays NULL). */
static void
mgmt_respond(struct mgmt_conn *c, const struct pl_loop *lp, int status, const char *ctype,
    const char *body, size_t len)
{
	char etag[MGMT_ETAG_HEX + 3] = "";
	FILE *f;

	free(c->c_out);
	c->c_out = NULL;
	c->c_out_len = c->c_out_off = 0;
	if ((f = open_memstream(&c->c_out, &c->c_out_len)) == NULL)
		return;
	if (lp != NULL)
		mgmt_etag(lp, etag);
	fprintf(f, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	    "Cache-Control: no-store\r\nConnection: close\r\n", status, mgmt_reason(status),
	    ctype, len);
	if (etag[0] != '\0')
		fprintf(f, "ETag: %s\r\n", etag);
	if (status == 405)
		fputs("Allow: GET, PUT, DELETE, POST\r\n", f);
	fputs("\r\n", f);
	fwrite(body, 1, len, f);
	if (fclose(f) != 0) {
		free(c->c_out);
		c->c_out = NULL;
		c->c_out_len = 0;
	}
}

/* {"errors": [...]}, a line of text each. */
static void
mgmt_respond_errors(struct mgmt_conn *c, const struct pl_loop *lp, int status,
    const char *text)
{
	char *body = NULL, *line, *copy = strdup(text != NULL ? text : "");
	size_t len = 0;
	int first = 1;
	FILE *f;

	if (copy == NULL || (f = open_memstream(&body, &len)) == NULL) {
		free(copy);
		mgmt_respond(c, lp, 500, "application/json", "", 0);
		return;
	}
	fputs("{\"errors\": [", f);
	for (char *save = NULL, *p = copy; (line = strtok_r(p, "\n", &save)) != NULL; p = NULL) {
		fputs(first ? "\n  " : ",\n  ", f);
		status_str(f, line);
		first = 0;
	}
	fputs(first ? "]}\n" : "\n]}\n", f);
	fclose(f);
	mgmt_respond(c, lp, status, "application/json", body, len);
	free(body);
	free(copy);
}

static void
mgmt_respond_error(struct mgmt_conn *c, const struct pl_loop *lp, int status,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
mgmt_respond_error(struct mgmt_conn *c, const struct pl_loop *lp, int status,
    const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	mgmt_respond_errors(c, lp, status, msg);
}

/* A request the parser refused: its status, then the connection closes. */
void
mgmt_api_error(struct mgmt_conn *c, int status)
{
	mgmt_respond_error(c, c->c_mgmt->m_loop, status, "request: %s", mgmt_reason(status));
}

/* Runs write(lp, f) into a body and answers it with 200. */
static void
mgmt_respond_doc(struct mgmt_conn *c, struct pl_loop *lp, const char *ctype,
    void (*write)(struct pl_loop *, FILE *))
{
	char *body = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&body, &len);

	if (f == NULL) {
		mgmt_respond(c, lp, 500, "application/json", "", 0);
		return;
	}
	write(lp, f);
	if (fclose(f) != 0)
		mgmt_respond_error(c, lp, 500, "out of memory");
	else
		mgmt_respond(c, lp, 200, ctype, body, len);
	free(body);
}

/* Where the image found a drop file (pid1_drops.c writes DIR/.sources),
 * "api" for a file written through the API since start. */
static void
mgmt_source(const struct pl_loop *lp, const char *name, char *out, size_t len)
{
	char path[CFG_FILE_MAX + 16], line[CFG_FILE_MAX + 64];
	struct mgmt *m = lp->lp_mgmt;
	FILE *f;

	for (int i = 0; m != NULL && i < m->m_n_written; i++)
		if (strcmp(m->m_written[i], name) == 0) {
			snprintf(out, len, "api");
			return;
		}
	snprintf(out, len, "drop directory");
	snprintf(path, sizeof(path), "%s/.sources", lp->lp_confdir);
	if ((f = fopen(path, "re")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *tab = strchr(line, '\t');

		if (tab == NULL)
			continue;
		*tab = '\0';
		tab[strcspn(tab + 1, "\r\n") + 1] = '\0';
		if (strcmp(line, name) == 0) {
			snprintf(out, len, "%s", tab + 1);
			break;
		}
	}
	fclose(f);
}

/* Reads the drop directory as it is now; 0, or -1 after answering. */
static int
mgmt_read_set(struct mgmt_conn *c, struct pl_loop *lp, struct cfg_set *set)
{
	char *errs = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&errs, &len);
	int n;

	memset(set, 0, sizeof(*set));
	if (f == NULL) {
		mgmt_respond_error(c, lp, 500, "out of memory");
		return -1;
	}
	n = cfg_set_read(set, lp->lp_confdir, f);
	fclose(f);
	if (n != 0) {
		mgmt_respond_errors(c, lp, 500, errs);
		cfg_set_free(set);
	}
	free(errs);
	return n != 0 ? -1 : 0;
}

static void
mgmt_get_drops(struct mgmt_conn *c, struct pl_loop *lp)
{
	struct cfg_set set;
	char *body = NULL, hex[65], source[64];
	size_t len = 0;
	FILE *f;

	if (mgmt_read_set(c, lp, &set) != 0)
		return;
	if ((f = open_memstream(&body, &len)) == NULL) {
		cfg_set_free(&set);
		mgmt_respond_error(c, lp, 500, "out of memory");
		return;
	}
	mgmt_hex(hex, lp->lp_digest, sizeof(lp->lp_digest));
	fprintf(f, "{\"generation\": %llu, \"digest\": \"%s\", \"drops\": [",
	    (unsigned long long)lp->lp_generation, hex);
	for (int i = 0; i < set.cs_n; i++) {
		const struct cfg_file *cf = &set.cs_files[i];

		mgmt_hex(hex, cf->cf_sha256, sizeof(cf->cf_sha256));
		mgmt_source(lp, cf->cf_name, source, sizeof(source));
		fprintf(f, "%s\n  {\"name\": ", i ? "," : "");
		status_str(f, cf->cf_name);
		fprintf(f, ", \"sha256\": \"%s\", \"bytes\": %zu, \"source\": ", hex, cf->cf_len);
		status_str(f, source);
		fputc('}', f);
	}
	fputs(set.cs_n ? "\n]}\n" : "]}\n", f);
	fclose(f);
	mgmt_respond(c, lp, 200, "application/json", body, len);
	free(body);
	cfg_set_free(&set);
}

static void
mgmt_get_drop(struct mgmt_conn *c, struct pl_loop *lp, const char *name)
{
	const struct cfg_file *cf;
	struct cfg_set set;

	if (mgmt_read_set(c, lp, &set) != 0)
		return;
	if ((cf = cfg_set_find(&set, name)) == NULL)
		mgmt_respond_error(c, lp, 404, "%s: no such drop file", name);
	else
		mgmt_respond(c, lp, 200, "text/plain; charset=utf-8", cf->cf_data, cf->cf_len);
	cfg_set_free(&set);
}

/* After validation, before anything is written: a handler's own check of
 * the config the change would make (0, or -1 having answered). */
typedef int (*mgmt_check_fn)(struct mgmt_conn *c, struct pl_loop *lp,
    const struct pl_config *next, const void *arg);

static void
mgmt_note_written(struct mgmt *m, const struct cfg_change *ch, int n)
{
	for (int i = 0; i < n && m != NULL; i++) {
		int k;

		for (k = 0; k < m->m_n_written; k++)
			if (strcmp(m->m_written[k], ch[i].ch_name) == 0)
				break;
		if (k == m->m_n_written && k < CFG_MAX_FILES)
			snprintf(m->m_written[m->m_n_written++], CFG_FILE_MAX, "%s", ch[i].ch_name);
	}
}

/*
 * Validates, persists and applies changes ch as one step.  Answers 200
 * with the new generation and each changed file's sha256, or the error.
 */
static void
mgmt_commit(struct mgmt_conn *c, struct pl_loop *lp, const struct http_req *req,
    const struct cfg_change *ch, int n, mgmt_check_fn check, const void *arg)
{
	struct mgmt *m = lp->lp_mgmt;
	char etag[MGMT_ETAG_HEX + 3], *errs = NULL, *body = NULL, hex[65];
	struct pl_config *next = NULL;
	uint8_t digest[32];
	struct cfg_set set;
	size_t errs_len = 0, len = 0;
	FILE *ef = NULL, *f;
	int rc;

	if (c->c_role != MGMT_ROLE_ADMIN) {
		mgmt_respond_error(c, lp, 403, "%s: a read-only client may not change anything",
		    c->c_subject);
		return;
	}
	mgmt_etag(lp, etag);
	if (req->hr_has_if_match && strcmp(req->hr_if_match, "*") != 0 &&
	    strcmp(req->hr_if_match, etag) != 0) {
		m->m_stats.ms_changes_refused++;
		mgmt_respond_error(c, lp, 412, "If-Match %s: the drops changed since (now %s): "
		    "read them again", req->hr_if_match, etag);
		return;
	}
	if (mgmt_read_set(c, lp, &set) != 0)
		return;
	for (int i = 0; i < n; i++)
		if (ch[i].ch_data == NULL && cfg_set_find(&set, ch[i].ch_name) == NULL) {
			mgmt_respond_error(c, lp, 404, "%s: no such drop file", ch[i].ch_name);
			goto done;
		}
	if ((rc = cfg_set_change(&set, ch, n)) != 0) {
		if (rc == -EFBIG)
			mgmt_respond_error(c, lp, 413, "a drop file is at most %d bytes",
			    CFG_SET_FILE_MAX);
		else if (rc == -EINVAL)
			mgmt_respond_error(c, lp, 400, "not a drop file name: NAME.ini of letters, "
			    "digits, '.', '_' and '-'");
		else
			mgmt_respond_error(c, lp, 500, "out of memory");
		goto done;
	}
	if ((next = calloc(1, sizeof(*next))) == NULL ||
	    (ef = open_memstream(&errs, &errs_len)) == NULL) {
		mgmt_respond_error(c, lp, 500, "out of memory");
		goto done;
	}
	rc = cfg_load_set(next, lp->lp_confdir, &set, lp->lp_cfg, ef);
	if (rc == 0)
		rc = reload_check(lp, next, ef);
	if (rc == 0 && !next->management.mg_enabled) {
		/* The API would lock its operators out: a file drop may. */
		fprintf(ef, "%s: the change removes [management]: the management API does not "
		    "remove itself (remove it with a file drop)\n", lp->lp_confdir);
		rc = 1;
	}
	if (rc == 0)
		rc = mgmt_tls_check(lp->lp_confdir, &next->management, ef);
	fflush(ef);
	if (rc != 0) {
		m->m_stats.ms_changes_refused++;
		log_info("management: %s: change refused: %d error%s", c->c_subject, rc,
		    rc == 1 ? "" : "s");
		mgmt_respond_errors(c, lp, 422, errs);
		goto done;
	}
	if (check != NULL && check(c, lp, next, arg) != 0)
		goto done;
	if (mgmt_persist(lp->lp_confdir, ch, n, ef) != 0) {
		fflush(ef);
		mgmt_respond_errors(c, lp, 500, errs);
		goto done;
	}
	mgmt_note_written(m, ch, n);
	for (int i = 0; i < n; i++) {
		const struct cfg_file *cf = cfg_set_find(&set, ch[i].ch_name);

		if (cf != NULL)
			mgmt_hex(hex, cf->cf_sha256, sizeof(cf->cf_sha256));
		log_info("management: audit: %s: %s %s%s%s", c->c_subject,
		    cf != NULL ? "wrote" : "deleted", ch[i].ch_name, cf != NULL ? " sha256 " : "",
		    cf != NULL ? hex : "");
	}
	cfg_set_digest(&set, digest);
	rc = reload_apply(lp, next, digest, ef);
	next = NULL;		/* reload_apply's now */
	loop_drops_settled(lp);
	fflush(ef);
	if (rc != 0) {
		/* Validated above: only a failure to apply gets here. */
		mgmt_respond_errors(c, lp, 500, errs);
		goto done;
	}
	m = lp->lp_mgmt;
	if (m != NULL)
		m->m_stats.ms_changes++;
	if ((f = open_memstream(&body, &len)) == NULL) {
		mgmt_respond_error(c, lp, 500, "out of memory");
		goto done;
	}
	mgmt_hex(hex, lp->lp_digest, sizeof(lp->lp_digest));
	fprintf(f, "{\"generation\": %llu, \"digest\": \"%s\", \"changed\": [",
	    (unsigned long long)lp->lp_generation, hex);
	for (int i = 0; i < n; i++) {
		const struct cfg_file *cf = cfg_set_find(&set, ch[i].ch_name);

		fprintf(f, "%s\n  {\"name\": ", i ? "," : "");
		status_str(f, ch[i].ch_name);
		if (cf != NULL) {
			mgmt_hex(hex, cf->cf_sha256, sizeof(cf->cf_sha256));
			fprintf(f, ", \"sha256\": \"%s\"}", hex);
		} else {
			fputs(", \"sha256\": null}", f);
		}
	}
	fputs("\n]}\n", f);
	fclose(f);
	mgmt_respond(c, lp, 200, "application/json", body, len);
	free(body);
done:
	if (ef != NULL)
		fclose(ef);
	free(errs);
	free(next);
	cfg_set_free(&set);
}

/* Names the API takes for drop files: as a file drop's (cfg_load.c). */
static const char *
mgmt_drop_name(const char *target)
{
	const char *name = target + strlen("/v1/drops/");

	return cfg_drop_name_ok(name) ? name : NULL;
}

static void
mgmt_drops_batch(struct mgmt_conn *c, struct pl_loop *lp, const struct http_req *req)
{
	struct cfg_change ch[CFG_MAX_FILES];
	struct api_json_doc doc;
	char err[256];
	int n;

	if (api_json_batch(req->hr_body, req->hr_body_len, ch, CFG_MAX_FILES, &n, &doc, err,
	    sizeof(err)) != 0) {
		mgmt_respond_error(c, lp, 400, "%s", err);
		return;
	}
	if (n == 0)
		mgmt_respond_error(c, lp, 400, "batch: no file named");
	else
		mgmt_commit(c, lp, req, ch, n, NULL, NULL);
	api_json_doc_free(&doc);
}

struct mgmt_approval {
	const char	*ma_endpoint;
	const char	*ma_file;
	enum cfg_approval ma_state;
	const char	*ma_message;
};

/* Does the config the approval drop makes give the endpoint that state
 * and message?  A later [approval] would win (the last one does). */
static int
mgmt_approval_check(struct mgmt_conn *c, struct pl_loop *lp, const struct pl_config *next,
    const void *arg)
{
	const struct mgmt_approval *ma = arg;
	int i = cfg_find_endpoint(next, ma->ma_endpoint);

	if (i != -1) {
		const struct cfg_endpoint *e = &next->endpoints[i];

		if (e->ep_state != ma->ma_state) {
			mgmt_respond_error(c, lp, 409, "%s:%d: [approval %s] comes after %s and "
			    "decides the state (%s): change or delete it instead",
			    e->ep_approval_where.w_file, e->ep_approval_where.w_line, e->ep_name,
			    ma->ma_file, cfg_approval_name(e->ep_state));
			return -1;
		}
		if (strcmp(e->ep_message, ma->ma_message) != 0) {
			mgmt_respond_error(c, lp, 422, "approval message: not kept as given by an "
			    "INI value (no control characters, no ' ;' or ' #', no leading or "
			    "trailing space)");
			return -1;
		}
		return 0;
	}
	mgmt_respond_error(c, lp, 404, "endpoint %s: no such endpoint", ma->ma_endpoint);
	return -1;
}

static void
mgmt_approval(struct mgmt_conn *c, struct pl_loop *lp, const struct http_req *req,
    const char *name)
{
	char state[API_JSON_STATE_MAX], message[CFG_MESSAGE_MAX], err[256], file[CFG_FILE_MAX], *text = NULL;
	struct mgmt_approval ma;
	struct cfg_change ch;
	size_t len = 0;
	FILE *f;
	int e;

	if ((e = cfg_find_endpoint(lp->lp_cfg, name)) == -1) {
		mgmt_respond_error(c, lp, 404, "endpoint %.*s: no such endpoint", CFG_NAME_MAX,
		    name);
		return;
	}
	if (api_json_approval(req->hr_body, req->hr_body_len, state, message, err, sizeof(err)) != 0) {
		mgmt_respond_error(c, lp, 400, "%s", err);
		return;
	}
	if (strcmp(state, "Approved") == 0)
		ma.ma_state = CFG_APPROVAL_APPROVED;
	else if (strcmp(state, "Rejected") == 0)
		ma.ma_state = CFG_APPROVAL_REJECTED;
	else if (strcmp(state, "Pending") == 0)
		ma.ma_state = CFG_APPROVAL_PENDING;
	else {
		mgmt_respond_error(c, lp, 400, "approval state: Approved, Rejected or Pending, "
		    "not '%s'", state);
		return;
	}
	for (const char *p = message; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			mgmt_respond_error(c, lp, 422, "approval message: no control characters");
			return;
		}
	snprintf(file, sizeof(file), MGMT_APPROVAL_PREFIX "%s.ini", name);
	if ((f = open_memstream(&text, &len)) == NULL) {
		mgmt_respond_error(c, lp, 500, "out of memory");
		return;
	}
	fprintf(f, "; written by the management API for %s\n[approval %s]\nstate = %s\n",
	    c->c_subject, name, state);
	if (message[0] != '\0')
		fprintf(f, "message = %s\n", message);
	fclose(f);
	ch.ch_name = file;
	ch.ch_data = text;
	ch.ch_len = len;
	ma.ma_endpoint = name;
	ma.ma_file = file;
	ma.ma_message = message;
	mgmt_commit(c, lp, req, &ch, 1, mgmt_approval_check, &ma);
	free(text);
}

void
mgmt_api_handle(struct pl_loop *lp, struct mgmt_conn *c, const struct http_req *req)
{
	const char *t = req->hr_target, *name;
	size_t tl = strlen(t);

	if (strcmp(t, "/v1/status") == 0) {
		if (req->hr_method != HTTP_M_GET)
			mgmt_respond_error(c, lp, 405, "%s: GET only", t);
		else
			mgmt_respond_doc(c, lp, "application/json", status_json);
	} else if (strcmp(t, "/metrics") == 0) {
		if (req->hr_method != HTTP_M_GET)
			mgmt_respond_error(c, lp, 405, "%s: GET only", t);
		else
			mgmt_respond_doc(c, lp, METRICS_CONTENT_TYPE,
			    metrics_write);
	} else if (strcmp(t, "/v1/drops") == 0) {
		if (req->hr_method == HTTP_M_GET)
			mgmt_get_drops(c, lp);
		else if (req->hr_method == HTTP_M_POST)
			mgmt_drops_batch(c, lp, req);
		else
			mgmt_respond_error(c, lp, 405, "%s: GET or POST", t);
	} else if (strncmp(t, "/v1/drops/", 10) == 0) {
		if ((name = mgmt_drop_name(t)) == NULL) {
			mgmt_respond_error(c, lp, 404, "%s: not a drop file name: NAME.ini of "
			    "letters, digits, '.', '_' and '-'", t);
		} else if (req->hr_method == HTTP_M_GET) {
			mgmt_get_drop(c, lp, name);
		} else if (req->hr_method == HTTP_M_PUT) {
			struct cfg_change ch = { name, req->hr_body, req->hr_body_len };

			if (memchr(req->hr_body, '\0', req->hr_body_len) != NULL)
				mgmt_respond_error(c, lp, 400, "%s: a drop file holds no NUL byte",
				    name);
			else
				mgmt_commit(c, lp, req, &ch, 1, NULL, NULL);
		} else if (req->hr_method == HTTP_M_DELETE) {
			struct cfg_change ch = { name, NULL, 0 };

			mgmt_commit(c, lp, req, &ch, 1, NULL, NULL);
		} else {
			mgmt_respond_error(c, lp, 405, "%s: GET, PUT or DELETE", t);
		}
	} else if (strncmp(t, "/v1/endpoints/", 14) == 0 && tl > 14 + 9 &&
	    strcmp(t + tl - 9, "/approval") == 0) {
		char name_buf[CFG_NAME_MAX];
		size_t nl = tl - 14 - 9;

		if (nl >= sizeof(name_buf)) {
			mgmt_respond_error(c, lp, 404, "no such endpoint");
			return;
		}
		memcpy(name_buf, t + 14, nl);
		name_buf[nl] = '\0';
		if (req->hr_method != HTTP_M_POST)
			mgmt_respond_error(c, lp, 405, "%s: POST only", t);
		else
			mgmt_approval(c, lp, req, name_buf);
	} else {
		mgmt_respond_error(c, lp, 404, "%s: no such resource", t);
	}
}
