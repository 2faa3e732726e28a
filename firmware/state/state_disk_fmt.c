/*
 * The state disk's format (state_disk-t.h): superblock and slot parsers,
 * their writers, and the overlay merge.  Pure functions over bytes: a
 * disk can hold anything, so every field read is checked against the
 * bytes there and the named bounds first (tests/fuzz/fuzz_state.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mbedtls/sha256.h"

#include "cfg.h"
#include "cfg_set.h"
#include "state_disk.h"
#include "text.h"

#if STATE_FILE_MAX < CFG_SET_FILE_MAX
#error "a drop file the API takes must fit the state disk"
#endif
#if STATE_SLOT_START < STATE_EMPTY_CHECK || STATE_SLOT_START < STATE_SB_SIZE
#error "the slots must come after the bytes checked empty"
#endif

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static uint64_t
get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void
put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void
put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static int __attribute__((format(printf, 3, 4)))
say(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Constant-time compare is not needed (nothing secret); memcmp is. */
static int
sha_ok(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, const uint8_t want[32])
{
	mbedtls_sha256_context c;
	uint8_t got[32];

	mbedtls_sha256_init(&c);
	mbedtls_sha256_starts(&c, 0);
	mbedtls_sha256_update(&c, a, alen);
	if (blen > 0)
		mbedtls_sha256_update(&c, b, blen);
	mbedtls_sha256_finish(&c, got);
	mbedtls_sha256_free(&c);
	return memcmp(got, want, 32) == 0;
}

static void
sha_put(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, uint8_t out[32])
{
	mbedtls_sha256_context c;

	mbedtls_sha256_init(&c);
	mbedtls_sha256_starts(&c, 0);
	mbedtls_sha256_update(&c, a, alen);
	if (blen > 0)
		mbedtls_sha256_update(&c, b, blen);
	mbedtls_sha256_finish(&c, out);
	mbedtls_sha256_free(&c);
}

static int
all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

/* --- names --- */

int
state_name_ok(const char *name)
{
	size_t n = strnlen(name, STATE_NAME_MAX + 1);

	if (n == 0 || n > STATE_NAME_MAX)
		return 0;
	return cfg_drop_name_ok(name) || cfg_pem_name_ok(name) ||
	    strcmp(name, STATE_MGMT_KEY) == 0 || strcmp(name, STATE_MGMT_CERT) == 0;
}

/* --- the superblock --- */

int
state_super_layout(uint64_t devsize, struct state_super *ss)
{
	uint64_t slot;

	if (devsize < STATE_DISK_MIN)
		return -1;
	slot = (devsize - STATE_SLOT_START) / 2;
	if (slot > STATE_SLOT_MAX)
		slot = STATE_SLOT_MAX;
	slot -= slot % STATE_ALIGN;
	if (slot < STATE_SLOT_MIN)
		return -1;
	ss->ss_slot_size = slot;
	ss->ss_slot_off[0] = STATE_SLOT_START;
	ss->ss_slot_off[1] = STATE_SLOT_START + slot;
	return 0;
}

void
state_super_build(uint8_t sb[static STATE_SB_SIZE], const struct state_super *ss)
{
	memset(sb, 0, STATE_SB_SIZE);
	memcpy(sb, STATE_LABEL, sizeof(STATE_LABEL) - 1);
	put32(sb + 16, STATE_VERSION);
	put32(sb + 20, STATE_SB_SIZE);
	put64(sb + 24, ss->ss_slot_size);
	put64(sb + 32, ss->ss_slot_off[0]);
	put64(sb + 40, ss->ss_slot_off[1]);
	sha_put(sb, STATE_SB_SHA_OFF, NULL, 0, sb + STATE_SB_SHA_OFF);
}

int
state_super_parse(const uint8_t *sb, size_t len, uint64_t devsize, struct state_super *ss,
    char *why, size_t whylen)
{
	uint8_t magic[STATE_MAGIC_LEN] = { 0 };
	uint64_t size, off[2];

	memcpy(magic, STATE_LABEL, sizeof(STATE_LABEL) - 1);
	if (len < STATE_SB_SIZE || memcmp(sb, magic, STATE_MAGIC_LEN) != 0)
		return 0;
	if (!sha_ok(sb, STATE_SB_SHA_OFF, NULL, 0, sb + STATE_SB_SHA_OFF))
		return say(why, whylen, "superblock checksum mismatch");
	if (get32(sb + 16) != STATE_VERSION)
		return say(why, whylen, "format version %u (this privlinkd reads %d)",
		    get32(sb + 16), STATE_VERSION);
	if (get32(sb + 20) != STATE_SB_SIZE || !all_zero(sb + 48, STATE_SB_SHA_OFF - 48))
		return say(why, whylen, "superblock fields this privlinkd does not know");
	size = get64(sb + 24);
	off[0] = get64(sb + 32);
	off[1] = get64(sb + 40);
	if (size < STATE_SLOT_MIN || size > STATE_SLOT_MAX || size % STATE_ALIGN != 0)
		return say(why, whylen, "slot size %llu out of range", (unsigned long long)size);
	for (int i = 0; i < 2; i++) {
		/* off <= devsize - size, written so that it cannot wrap */
		if (off[i] < STATE_SLOT_START || off[i] % STATE_ALIGN != 0 ||
		    devsize < size || off[i] > devsize - size)
			return say(why, whylen, "slot %c at %llu outside the disk (%llu bytes)",
			    'A' + i, (unsigned long long)off[i], (unsigned long long)devsize);
	}
	if ((off[0] < off[1] ? off[1] - off[0] : off[0] - off[1]) < size)
		return say(why, whylen, "slots A and B overlap");
	ss->ss_slot_size = size;
	ss->ss_slot_off[0] = off[0];
	ss->ss_slot_off[1] = off[1];
	return 1;
}

/* --- slots --- */

void
state_overlay_free(struct state_overlay *ov)
{
	for (int i = 0; i < ov->so_n; i++)
		free(ov->so_ent[i].se_data);
	free(ov->so_ent);
	ov->so_ent = NULL;
	ov->so_n = 0;
}

int
state_slot_parse(const uint8_t *buf, size_t len, struct state_overlay *ov, char *why,
    size_t whylen)
{
	const uint8_t *p, *end;
	uint64_t plen;
	uint32_t n;

	memset(ov, 0, sizeof(*ov));
	if (len < STATE_SLOT_HDR)
		return say(why, whylen, "shorter than a slot header");
	if (all_zero(buf, STATE_SLOT_HDR))
		return 1;
	if (memcmp(buf, STATE_SLOT_MAGIC, STATE_SLOT_MAGIC_LEN) != 0)
		return say(why, whylen, "no slot magic");
	if (get32(buf + 8) != STATE_VERSION)
		return say(why, whylen, "slot version %u", get32(buf + 8));
	n = get32(buf + 12);
	plen = get64(buf + 24);
	if (n > STATE_MAX_ENTRIES)
		return say(why, whylen, "%u entries (at most %d)", n, STATE_MAX_ENTRIES);
	if (plen > len - STATE_SLOT_HDR)
		return say(why, whylen, "payload of %llu bytes past the slot's end",
		    (unsigned long long)plen);
	if (!sha_ok(buf, STATE_SLOT_SHA_OFF, buf + STATE_SLOT_HDR, (size_t)plen,
	    buf + STATE_SLOT_SHA_OFF))
		return say(why, whylen, "checksum mismatch (a write cut short?)");
	ov->so_seq = get64(buf + 16);
	if (ov->so_seq == 0)
		return say(why, whylen, "sequence number 0");
	ov->so_ent = calloc(n > 0 ? n : 1, sizeof(*ov->so_ent));
	if (ov->so_ent == NULL)
		return say(why, whylen, "out of memory for %u entries", n);
	p = buf + STATE_SLOT_HDR;
	end = p + plen;
	for (uint32_t i = 0; i < n; i++) {
		struct state_entry *e = &ov->so_ent[i];
		uint32_t dlen;
		uint8_t kind, nlen;

		if ((size_t)(end - p) < STATE_ENTRY_HDR)
			goto bad_len;
		kind = p[0];
		nlen = p[1];
		dlen = get32(p + 4);
		if ((kind != STATE_KIND_FILE && kind != STATE_KIND_DELETED) || p[2] != 0 ||
		    p[3] != 0) {
			say(why, whylen, "entry %u: kind %u", i, kind);
			goto bad;
		}
		if (dlen > STATE_FILE_MAX || (kind == STATE_KIND_DELETED && dlen != 0)) {
			say(why, whylen, "entry %u: %u bytes of content", i, dlen);
			goto bad;
		}
		p += STATE_ENTRY_HDR;
		if (nlen == 0 || (size_t)(end - p) < (size_t)nlen + dlen)
			goto bad_len;
		memcpy(e->se_name, p, nlen);
		e->se_name[nlen] = '\0';
		if (strlen(e->se_name) != nlen || !state_name_ok(e->se_name)) {
			say(why, whylen, "entry %u: a name not taken", i);
			goto bad;
		}
		if (i > 0 && strcmp(ov->so_ent[i - 1].se_name, e->se_name) >= 0) {
			say(why, whylen, "entry %u: names out of order", i);
			goto bad;
		}
		p += nlen;
		e->se_deleted = kind == STATE_KIND_DELETED;
		e->se_len = dlen;
		ov->so_n = (int)i + 1;
		if (dlen > 0) {
			e->se_data = malloc(dlen);
			if (e->se_data == NULL) {
				say(why, whylen, "out of memory");
				goto bad;
			}
			memcpy(e->se_data, p, dlen);
			p += dlen;
		}
	}
	if (p != end) {
		say(why, whylen, "%zu bytes after the last entry", (size_t)(end - p));
		goto bad;
	}
	return 0;
bad_len:
	say(why, whylen, "an entry past the payload's end");
bad:
	state_overlay_free(ov);
	return -1;
}

size_t
state_slot_len(const struct state_overlay *ov)
{
	size_t len = STATE_SLOT_HDR;

	for (int i = 0; i < ov->so_n; i++)
		len += STATE_ENTRY_HDR + strlen(ov->so_ent[i].se_name) + ov->so_ent[i].se_len;
	return len;
}

size_t
state_slot_build(const struct state_overlay *ov, uint8_t *buf, size_t cap)
{
	size_t len = state_slot_len(ov);
	uint8_t *p = buf + STATE_SLOT_HDR;

	if (len > cap || ov->so_n > STATE_MAX_ENTRIES)
		return 0;
	memset(buf, 0, STATE_SLOT_HDR);
	memcpy(buf, STATE_SLOT_MAGIC, STATE_SLOT_MAGIC_LEN);
	put32(buf + 8, STATE_VERSION);
	put32(buf + 12, (uint32_t)ov->so_n);
	put64(buf + 16, ov->so_seq);
	put64(buf + 24, len - STATE_SLOT_HDR);
	for (int i = 0; i < ov->so_n; i++) {
		const struct state_entry *e = &ov->so_ent[i];
		size_t nlen = strlen(e->se_name);

		p[0] = e->se_deleted ? STATE_KIND_DELETED : STATE_KIND_FILE;
		p[1] = (uint8_t)nlen;
		p[2] = p[3] = 0;
		put32(p + 4, (uint32_t)e->se_len);
		memcpy(p + STATE_ENTRY_HDR, e->se_name, nlen);
		p += STATE_ENTRY_HDR + nlen;
		if (e->se_len > 0)
			memcpy(p, e->se_data, e->se_len);
		p += e->se_len;
	}
	sha_put(buf, STATE_SLOT_SHA_OFF, buf + STATE_SLOT_HDR, len - STATE_SLOT_HDR,
	    buf + STATE_SLOT_SHA_OFF);
	return len;
}

/* --- merging a change --- */

static int
entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct state_entry *)a)->se_name,
	    ((const struct state_entry *)b)->se_name);
}

int
state_overlay_merge(const struct state_overlay *base, const struct cfg_change *ch, int n,
    struct state_overlay *out, FILE *errs)
{
	int cap = base->so_n + n;

	memset(out, 0, sizeof(*out));
	if (n < 0 || cap > STATE_MAX_ENTRIES * 2)
		goto too_many;
	out->so_ent = calloc(cap > 0 ? cap : 1, sizeof(*out->so_ent));
	if (out->so_ent == NULL) {
		fprintf(errs, "state disk: out of memory\n");
		return -1;
	}
	out->so_seq = base->so_seq;
	for (int i = 0; i < base->so_n; i++) {
		struct state_entry *e = &out->so_ent[out->so_n];

		*e = base->so_ent[i];
		e->se_data = NULL;
		out->so_n++;
		if (e->se_len > 0) {
			e->se_data = malloc(e->se_len);
			if (e->se_data == NULL)
				goto nomem;
			memcpy(e->se_data, base->so_ent[i].se_data, e->se_len);
		}
	}
	for (int c = 0; c < n; c++) {
		struct state_entry *e = NULL;

		if (!state_name_ok(ch[c].ch_name)) {
			char shown[TEXT_ESCAPED_MAX(64)];

			text_escape(shown, sizeof(shown), ch[c].ch_name, strnlen(ch[c].ch_name, 64));
			fprintf(errs, "state disk: %s: not a name kept (NAME.ini, NAME.pem)\n",
			    shown);
			goto fail;
		}
		if (ch[c].ch_data != NULL && ch[c].ch_len > STATE_FILE_MAX) {
			fprintf(errs, "state disk: %s: %zu bytes (at most %d)\n", ch[c].ch_name,
			    ch[c].ch_len, STATE_FILE_MAX);
			goto fail;
		}
		for (int i = 0; i < out->so_n; i++)
			if (strcmp(out->so_ent[i].se_name, ch[c].ch_name) == 0)
				e = &out->so_ent[i];
		if (e == NULL) {
			e = &out->so_ent[out->so_n++];
			snprintf(e->se_name, sizeof(e->se_name), "%s", ch[c].ch_name);
		}
		free(e->se_data);
		e->se_data = NULL;
		e->se_len = 0;
		e->se_deleted = ch[c].ch_data == NULL;
		if (!e->se_deleted && ch[c].ch_len > 0) {
			e->se_data = malloc(ch[c].ch_len);
			if (e->se_data == NULL)
				goto nomem;
			memcpy(e->se_data, ch[c].ch_data, ch[c].ch_len);
			e->se_len = ch[c].ch_len;
		}
	}
	if (out->so_n > STATE_MAX_ENTRIES)
		goto too_many;
	qsort(out->so_ent, (size_t)out->so_n, sizeof(*out->so_ent), entry_cmp);
	return 0;
too_many:
	fprintf(errs, "state disk: more than %d files and deletions: refused\n",
	    STATE_MAX_ENTRIES);
	goto fail;
nomem:
	fprintf(errs, "state disk: out of memory\n");
fail:
	state_overlay_free(out);
	return -1;
}
