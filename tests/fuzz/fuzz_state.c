/*
 * libFuzzer harness for the state disk's parsers (firmware/state/state_disk_fmt.c):
 * a disk can hold anything.  The input is a flag byte, a 512-byte
 * superblock and the bytes of a slot.  Flag bit 0 puts the right sha256
 * into the slot header (and bit 1 into the superblock) first, so that the
 * fuzzer gets past the checksum into the entries.  What parses must
 * write back to the same bytes (the format has one encoding) and parse
 * again to the same overlay; a merge of a change into it must parse too.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mbedtls/sha256.h"

#include "state_disk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The slot of a 64 KiB fuzz input is far below a real one; the device
 * size the superblock is checked against is a 16 MiB disk's. */
#define FUZZ_DEVSIZE	(16ull * 1024 * 1024)

static void
fix_sha(uint8_t *slot, size_t len)
{
	mbedtls_sha256_context c;
	uint64_t plen = 0;

	if (len < STATE_SLOT_HDR)
		return;
	for (int b = 7; b >= 0; b--)
		plen = plen << 8 | slot[24 + b];
	if (plen > len - STATE_SLOT_HDR)
		plen = len - STATE_SLOT_HDR;
	mbedtls_sha256_init(&c);
	mbedtls_sha256_starts(&c, 0);
	mbedtls_sha256_update(&c, slot, STATE_SLOT_SHA_OFF);
	mbedtls_sha256_update(&c, slot + STATE_SLOT_HDR, (size_t)plen);
	mbedtls_sha256_finish(&c, slot + STATE_SLOT_SHA_OFF);
	mbedtls_sha256_free(&c);
}

static int
same(const struct state_overlay *a, const struct state_overlay *b)
{
	if (a->so_n != b->so_n || a->so_seq != b->so_seq)
		return 0;
	for (int i = 0; i < a->so_n; i++) {
		const struct state_entry *x = &a->so_ent[i], *y = &b->so_ent[i];

		if (strcmp(x->se_name, y->se_name) != 0 || x->se_deleted != y->se_deleted ||
		    x->se_len != y->se_len || (x->se_len > 0 && memcmp(x->se_data, y->se_data,
		    x->se_len) != 0))
			return 0;
	}
	return 1;
}

static void
fuzz_super(const uint8_t *in, size_t len, int fix)
{
	uint8_t sb[STATE_SB_SIZE], again[STATE_SB_SIZE];
	struct state_super ss;
	char why[128];

	if (len < STATE_SB_SIZE) {
		state_super_parse(in, len, FUZZ_DEVSIZE, &ss, why, sizeof(why));
		return;
	}
	memcpy(sb, in, STATE_SB_SIZE);
	if (fix) {
		mbedtls_sha256(sb, STATE_SB_SHA_OFF, sb + STATE_SB_SHA_OFF, 0);
	}
	if (state_super_parse(sb, sizeof(sb), FUZZ_DEVSIZE, &ss, why, sizeof(why)) != 1)
		return;
	if (ss.ss_slot_off[0] + ss.ss_slot_size > FUZZ_DEVSIZE ||
	    ss.ss_slot_off[1] + ss.ss_slot_size > FUZZ_DEVSIZE)
		abort();	/* the slots must be inside the disk */
	state_super_build(again, &ss);
	if (memcmp(again, sb, STATE_SB_SIZE) != 0)
		abort();
}

static void
fuzz_slot(const uint8_t *in, size_t len, int fix)
{
	struct state_overlay ov, ov2, merged, ov3;
	struct cfg_change ch[2];
	uint8_t *slot, *built;
	char why[128];
	size_t blen;
	FILE *errs;

	slot = malloc(len > 0 ? len : 1);
	if (slot == NULL)
		return;
	memcpy(slot, in, len);
	if (fix)
		fix_sha(slot, len);
	if (state_slot_parse(slot, len, &ov, why, sizeof(why)) != 0) {
		free(slot);
		return;
	}
	blen = state_slot_len(&ov);
	built = malloc(blen);
	if (built == NULL || blen > len || state_slot_build(&ov, built, blen) != blen ||
	    memcmp(built, slot, blen) != 0)
		abort();	/* one encoding: what parsed writes back the same */
	if (state_slot_parse(built, blen, &ov2, why, sizeof(why)) != 0 || !same(&ov, &ov2))
		abort();
	/* A change merged into it: the first entry deleted, a file added. */
	ch[0] = (struct cfg_change){ ov.so_n > 0 ? ov.so_ent[0].se_name : "a.ini", NULL, 0 };
	ch[1] = (struct cfg_change){ "zz-fuzz.pem", "x", 1 };
	errs = fopen("/dev/null", "w");
	/* (state_disk_commit refuses a commit past the last sequence number) */
	if (errs != NULL && ov.so_seq < UINT64_MAX &&
	    state_overlay_merge(&ov, ch, 2, &merged, errs) == 0) {
		uint8_t *mb;
		size_t mlen = state_slot_len(&merged);

		merged.so_seq = ov.so_seq + 1;
		mb = malloc(mlen);
		if (mb == NULL || state_slot_build(&merged, mb, mlen) != mlen ||
		    state_slot_parse(mb, mlen, &ov3, why, sizeof(why)) != 0 || !same(&merged, &ov3))
			abort();
		state_overlay_free(&ov3);
		state_overlay_free(&merged);
		free(mb);
	}
	if (errs != NULL)
		fclose(errs);
	state_overlay_free(&ov);
	state_overlay_free(&ov2);
	free(built);
	free(slot);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t flags;

	if (size < 1)
		return 0;
	flags = data[0];
	data++;
	size--;
	fuzz_super(data, size, flags & 2);
	if (size >= STATE_SB_SIZE)
		fuzz_slot(data + STATE_SB_SIZE, size - STATE_SB_SIZE, flags & 1);
	return 0;
}
