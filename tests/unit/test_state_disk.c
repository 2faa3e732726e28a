/*
 * The state disk (firmware/state_disk*.c) on a regular file standing in
 * for the block device: formatting an empty disk, leaving a foreign one
 * alone, commit and reload, tombstones, the two slots taking turns, a
 * commit cut short at many offsets falling back to the previous state, a
 * commit too large for a slot refused before anything is written, and the
 * drop directory with its .sources.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state_disk.h"
#include "unit.h"

#define MIB		(1024 * 1024)
#define DISK_SIZE	(16 * MIB)
#define TEXT(s)		s, sizeof(s) - 1

static char dir[64], disk[128], drops[128];

static void
make_disk(const char *path, off_t size)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

	if (fd == -1 || ftruncate(fd, size) == -1) {
		perror(path);
		exit(2);
	}
	close(fd);
}

static uint8_t *
read_disk(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *buf;
	int fd = open(path, O_RDONLY);

	if (fd == -1 || fstat(fd, &st) == -1)
		exit(2);
	buf = malloc((size_t)st.st_size);
	if (buf == NULL || pread(fd, buf, (size_t)st.st_size, 0) != st.st_size)
		exit(2);
	close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

static void
write_disk(const char *path, const uint8_t *buf, size_t len)
{
	int fd = open(path, O_WRONLY);

	if (fd == -1 || pwrite(fd, buf, len, 0) != (ssize_t)len)
		exit(2);
	close(fd);
}

/* The content of name in the current overlay: "" none, "-" a tombstone. */
static const char *
entry(const char *name)
{
	static char buf[256];
	const struct state_overlay *ov = state_disk_current();

	for (int i = 0; i < ov->so_n; i++) {
		if (strcmp(ov->so_ent[i].se_name, name) != 0)
			continue;
		if (ov->so_ent[i].se_deleted)
			return "-";
		snprintf(buf, sizeof(buf), "%.*s", (int)ov->so_ent[i].se_len,
		    (const char *)ov->so_ent[i].se_data);
		return buf;
	}
	return "";
}

/* Is name's content in the current overlay data, whole? */
static int
entry_is(const char *name, const char *data)
{
	const struct state_overlay *ov = state_disk_current();

	for (int i = 0; i < ov->so_n; i++)
		if (strcmp(ov->so_ent[i].se_name, name) == 0)
			return !ov->so_ent[i].se_deleted && ov->so_ent[i].se_len == strlen(data) &&
			    memcmp(ov->so_ent[i].se_data, data, strlen(data)) == 0;
	return 0;
}

static int
commit1(const char *name, const char *data)
{
	struct cfg_change ch = { name, data, data != NULL ? strlen(data) : 0 };

	return state_disk_commit(&ch, 1, stderr);
}

static int
reattach(void)
{
	state_disk_detach();
	return state_disk_attach_path(disk);
}

static char *
slurp(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void
test_format(void)
{
	uint8_t *img;
	size_t len;
	struct state_super ss;
	char why[128];

	make_disk(disk, DISK_SIZE);
	CHECK(state_disk_attach_path(disk) == 0, "an empty disk is formatted and attached");
	CHECK(state_disk_attached(), "state_disk_attached() after attaching");
	CHECK(state_disk_current()->so_n == 0 && state_disk_current()->so_seq == 0,
	    "a new state disk holds nothing, sequence 0");
	img = read_disk(disk, &len);
	CHECK(memcmp(img, STATE_LABEL, sizeof(STATE_LABEL) - 1) == 0,
	    "sector 0 starts with the label %s", STATE_LABEL);
	CHECK(state_super_parse(img, len, len, &ss, why, sizeof(why)) == 1 &&
	    ss.ss_slot_size == STATE_SLOT_MAX && ss.ss_slot_off[0] == STATE_SLOT_START &&
	    ss.ss_slot_off[1] == STATE_SLOT_START + STATE_SLOT_MAX,
	    "a 16 MiB disk: slots of 4 MiB at 1 MiB and 5 MiB");
	/* pid1_drops.c's config drive test: no boot signature 55 aa, no FAT */
	CHECK(!(img[510] == 0x55 && img[511] == 0xaa), "the superblock is no FAT boot sector");
	free(img);
	CHECK(reattach() == 0 && state_disk_current()->so_n == 0,
	    "the formatted disk is taken again (not formatted twice)");

	make_disk(disk, STATE_DISK_MIN - STATE_ALIGN);
	state_disk_detach();
	CHECK(state_disk_attach_path(disk) == 1 && !state_disk_attached(),
	    "an empty disk too small for two slots is not formatted");
	img = read_disk(disk, &len);
	CHECK(len == STATE_DISK_MIN - STATE_ALIGN && img[0] == 0, "... and left untouched");
	free(img);
}

static void
test_foreign(void)
{
	uint8_t *img, *before;
	size_t len, blen;

	make_disk(disk, DISK_SIZE);
	img = read_disk(disk, &len);
	img[700 * 1024] = 1;		/* one byte in the first MiB */
	write_disk(disk, img, len);
	free(img);
	before = read_disk(disk, &blen);
	state_disk_detach();
	CHECK(state_disk_attach_path(disk) == 1 && !state_disk_attached(),
	    "a disk with a byte in its first MiB is not a state disk");
	img = read_disk(disk, &len);
	CHECK(len == blen && memcmp(img, before, len) == 0, "... and is left untouched");
	free(img);
	free(before);

	make_disk(disk, DISK_SIZE);
	img = read_disk(disk, &len);
	memcpy(img + len - 512, "EFI PART", 8);	/* a backup GPT header */
	write_disk(disk, img, len);
	free(img);
	CHECK(state_disk_attach_path(disk) == 1, "a disk with data in its last MiB is not formatted");

	make_disk(disk, DISK_SIZE);
	CHECK(state_disk_attach_path(disk) == 0, "format");
	img = read_disk(disk, &len);
	img[100] ^= 1;			/* the superblock's zero area */
	write_disk(disk, img, len);
	state_disk_detach();
	CHECK(state_disk_attach_path(disk) == -1, "a labelled disk with a damaged superblock: error");
	free(img);
	img = read_disk(disk, &len);
	CHECK(img[100] == 1, "... and it is not formatted again");
	free(img);
}

static void
test_round_trip(void)
{
	struct cfg_change ch[3] = {
		{ "50-approval.ini", TEXT("[approval a]\nstate = Approved\n") },
		{ "clients.pem", TEXT("-----BEGIN CERTIFICATE-----\n") },
		{ STATE_MGMT_KEY, "key", 3 },
	};
	struct cfg_change bad = { "../evil.ini", "x", 1 };
	struct cfg_change hidden = { ".other.ini", "x", 1 };

	make_disk(disk, DISK_SIZE);
	state_disk_detach();
	CHECK(state_disk_attach_path(disk) == 0, "format");
	CHECK(state_disk_commit(ch, 3, stderr) == 0, "a commit of three files");
	CHECK(state_disk_current()->so_seq == 1, "sequence 1");
	CHECK(reattach() == 0, "attached again");
	CHECK(strcmp(entry("50-approval.ini"), "[approval a]\nstate = Approved\n") == 0 &&
	    strcmp(entry("clients.pem"), "-----BEGIN CERTIFICATE-----\n") == 0 &&
	    strcmp(entry(STATE_MGMT_KEY), "key") == 0 && state_disk_current()->so_n == 3,
	    "the three files come back after a reboot");
	CHECK(state_disk_commit(&bad, 1, stderr) == -1 && state_disk_commit(&hidden, 1, stderr) == -1,
	    "names that are no drop, PEM or management file are refused");
	CHECK(state_disk_current()->so_seq == 1, "... and commit nothing");

	CHECK(commit1("clients.pem", NULL) == 0, "delete clients.pem");
	CHECK(commit1("10-nics.ini", NULL) == 0, "delete 10-nics.ini (a config drive's file)");
	CHECK(reattach() == 0 && strcmp(entry("clients.pem"), "-") == 0 &&
	    strcmp(entry("10-nics.ini"), "-") == 0 && state_disk_current()->so_seq == 3,
	    "tombstones survive a reboot");
	CHECK(commit1("clients.pem", "again") == 0 && reattach() == 0 &&
	    strcmp(entry("clients.pem"), "again") == 0, "a file written over its tombstone");

	state_disk_detach();
	CHECK(commit1("x.ini", "x") == 1, "commit without a state disk: 1, nothing done");
}

static void
test_slots(void)
{
	uint8_t *img;
	size_t len;
	char data[32];
	int alternate = 1;

	make_disk(disk, DISK_SIZE);
	state_disk_detach();
	CHECK(state_disk_attach_path(disk) == 0, "format");
	for (int i = 1; i <= 6; i++) {
		uint64_t seq[2];

		snprintf(data, sizeof(data), "v%d", i);
		if (commit1("a.ini", data) != 0)
			alternate = 0;
		img = read_disk(disk, &len);
		for (int s = 0; s < 2; s++) {
			const uint8_t *h = img + STATE_SLOT_START + (size_t)s * STATE_SLOT_MAX;

			seq[s] = 0;
			for (int b = 7; b >= 0; b--)
				seq[s] = seq[s] << 8 | h[16 + b];
		}
		/* commit 1 into A, 2 into B, 3 into A, ... */
		if (seq[(i - 1) % 2] != (uint64_t)i || (i > 1 && seq[i % 2] != (uint64_t)i - 1))
			alternate = 0;
		free(img);
	}
	CHECK(alternate, "commits alternate between slots A and B, sequence +1 each");
	CHECK(reattach() == 0 && strcmp(entry("a.ini"), "v6") == 0 &&
	    state_disk_current()->so_seq == 6, "the newest of the two is loaded");
}

/* A commit cut short: the newest slot's bytes past cut are those of the
 * slot before (what a power cut mid-write leaves), or zeros. */
static void
test_torn(void)
{
	static const size_t cuts[] = { 0, 1, 8, 16, 24, 31, 32, 63, 64, 65, 100, 511, 512,
	    4095, 4096, 4097, 20000, 65535 };
	uint8_t *good, *torn;
	size_t len, newest_len;
	char *big;
	int fallback = 1, newest = 1;

	make_disk(disk, DISK_SIZE);
	state_disk_detach();
	CHECK(state_disk_attach_path(disk) == 0, "format");
	big = malloc(70000);
	memset(big, 'p', 70000);
	big[69999] = '\0';
	CHECK(commit1("a.ini", "old") == 0 && commit1("b.ini", big) == 0,
	    "two commits: a.ini (slot A), then b.ini too (slot B)");
	newest_len = state_slot_len(state_disk_current());
	good = read_disk(disk, &len);
	for (size_t c = 0; c < sizeof(cuts) / sizeof(cuts[0]); c++) {
		for (int fill = 0; fill < 2; fill++) {
			size_t cut = cuts[c];
			uint8_t *slot_b;

			torn = malloc(len);
			memcpy(torn, good, len);
			slot_b = torn + STATE_SLOT_START + STATE_SLOT_MAX;
			/* what was there before: zeros (a new disk) or junk */
			memset(slot_b + cut, fill ? 0xa5 : 0, newest_len - cut);
			write_disk(disk, torn, len);
			free(torn);
			if (reattach() != 0 || strcmp(entry("a.ini"), "old") != 0 ||
			    strcmp(entry("b.ini"), "") != 0 || state_disk_current()->so_seq != 1) {
				printf("# cut at %zu (fill %d): not the previous state\n", cut, fill);
				fallback = 0;
			}
		}
	}
	CHECK(fallback, "a commit cut short at %zu offsets (header, payload) falls back to the "
	    "previous state", sizeof(cuts) / sizeof(cuts[0]));
	/* A byte flipped near the end of the payload. */
	torn = malloc(len);
	memcpy(torn, good, len);
	torn[STATE_SLOT_START + STATE_SLOT_MAX + newest_len - 1] ^= 0x20;
	write_disk(disk, torn, len);
	free(torn);
	CHECK(reattach() == 0 && state_disk_current()->so_seq == 1, "a flipped byte: previous state");
	/* The next commit after the fallback overwrites the torn slot. */
	CHECK(commit1("c.ini", "new") == 0 && reattach() == 0 && state_disk_current()->so_seq == 2 &&
	    strcmp(entry("c.ini"), "new") == 0 && strcmp(entry("a.ini"), "old") == 0,
	    "after a fallback the next commit goes on from the previous state");
	write_disk(disk, good, len);
	if (reattach() != 0 || state_disk_current()->so_seq != 2 || !entry_is("b.ini", big))
		newest = 0;
	CHECK(newest, "untorn, the newest slot is taken");
	/* The first commit ever cut short: slot B never written, slot A
	 * torn: the state before it, nothing committed, not damage. */
	make_disk(disk, DISK_SIZE);
	state_disk_detach();
	CHECK(state_disk_attach_path(disk) == 0 && commit1("a.ini", big) == 0, "format, a first commit");
	torn = read_disk(disk, &len);
	memset(torn + STATE_SLOT_START + 4096, 0, 8192);
	write_disk(disk, torn, len);
	free(torn);
	CHECK(reattach() == 0 && state_disk_current()->so_seq == 0 && state_disk_current()->so_n == 0,
	    "the first commit cut short: attached, nothing committed (not a damaged disk)");
	CHECK(commit1("b.ini", "b") == 0 && reattach() == 0 && state_disk_current()->so_seq == 1 &&
	    strcmp(entry("b.ini"), "b") == 0, "... and the next commit is state 1");
	/* Both slots broken: an error, the disk left alone. */
	torn = malloc(len);
	memcpy(torn, good, len);
	torn[STATE_SLOT_START + 40] ^= 1;
	torn[STATE_SLOT_START + STATE_SLOT_MAX + 40] ^= 1;
	write_disk(disk, torn, len);
	free(torn);
	CHECK(reattach() == -1 && !state_disk_attached(), "both slots damaged: an error, not attached");
	free(good);
	free(big);
}

static void
test_too_large(void)
{
	uint8_t *before, *after;
	size_t blen, alen;
	struct cfg_change ch[5];
	char *mb = malloc(STATE_FILE_MAX);
	char names[5][32];

	memset(mb, 'x', STATE_FILE_MAX);
	make_disk(disk, DISK_SIZE);
	state_disk_detach();
	CHECK(state_disk_attach_path(disk) == 0, "format");
	CHECK(commit1("a.ini", "keep") == 0, "a first commit");
	before = read_disk(disk, &blen);
	for (int i = 0; i < 5; i++) {
		snprintf(names[i], sizeof(names[i]), "big%d.ini", i);
		ch[i] = (struct cfg_change){ names[i], mb, STATE_FILE_MAX };
	}
	/* 5 MiB: more than a 4 MiB slot */
	CHECK(state_disk_commit(ch, 5, stderr) == -1, "a commit larger than a slot is refused");
	after = read_disk(disk, &alen);
	CHECK(alen == blen && memcmp(before, after, alen) == 0, "... and nothing was written");
	CHECK(state_disk_current()->so_seq == 1 && strcmp(entry("big0.ini"), "") == 0,
	    "... nor kept in memory");
	ch[0].ch_len = STATE_FILE_MAX + 1;
	CHECK(state_disk_commit(ch, 1, stderr) == -1, "a file over %d bytes is refused",
	    STATE_FILE_MAX);
	free(before);
	free(after);
	free(mb);
}

static void
test_dir(void)
{
	struct cfg_change ch[2] = {
		{ "40-approvals.ini", TEXT("[approval a]\nstate = Rejected\n") },
		{ "20-services.ini", NULL, 0 },
	};
	const char *names[2] = { "20-services.ini", "40-approvals.ini" };
	char path[256];
	const char *s;

	mkdir(drops, 0755);
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", drops, names[i]);
		FILE *f = fopen(path, "w");
		fputs("from the config drive\n", f);
		fclose(f);
	}
	CHECK(state_sources_update(drops, names, 2, STATE_SRC_CONFIG_DRIVE) == 0,
	    ".sources written for the config drive's files");
	make_disk(disk, DISK_SIZE);
	state_disk_detach();
	CHECK(state_disk_attach_path(disk) == 0, "format");
	CHECK(state_disk_persist(drops, ch, 2, stderr) == 0, "persist a file and a deletion");
	snprintf(path, sizeof(path), "%s/40-approvals.ini", drops);
	s = slurp(path);
	CHECK(s != NULL && strcmp(s, "[approval a]\nstate = Rejected\n") == 0,
	    "the file is in the drop directory");
	snprintf(path, sizeof(path), "%s/20-services.ini", drops);
	CHECK(access(path, F_OK) == -1, "the deleted file is gone from it");
	snprintf(path, sizeof(path), "%s/.sources", drops);
	s = slurp(path);
	CHECK(s != NULL && strcmp(s, "40-approvals.ini\tstate-disk\n") == 0,
	    ".sources: the file from the state disk, the deleted one not listed");

	/* A reboot: the config drive's copies again, then the overlay. */
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", drops, names[i]);
		FILE *f = fopen(path, "w");
		fputs("from the config drive\n", f);
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/.sources", drops);
	unlink(path);
	CHECK(state_sources_update(drops, names, 2, STATE_SRC_FW_CFG) == 0, "fw_cfg's files");
	CHECK(reattach() == 0 && state_disk_overlay(drops) == 1, "overlay after a reboot: one file");
	snprintf(path, sizeof(path), "%s/40-approvals.ini", drops);
	s = slurp(path);
	CHECK(s != NULL && strcmp(s, "[approval a]\nstate = Rejected\n") == 0,
	    "the API's change wins over the config drive's file");
	snprintf(path, sizeof(path), "%s/20-services.ini", drops);
	CHECK(access(path, F_OK) == -1, "the tombstone removes the config drive's file");
	snprintf(path, sizeof(path), "%s/.sources", drops);
	s = slurp(path);
	CHECK(s != NULL && strcmp(s, "40-approvals.ini\tstate-disk\n") == 0,
	    ".sources after the overlay");

	state_disk_detach();
	ch[0].ch_data = "[approval a]\nstate = Pending\n";
	ch[0].ch_len = strlen(ch[0].ch_data);
	CHECK(state_disk_persist(drops, ch, 1, stderr) == 1, "persist without a state disk: 1");
	snprintf(path, sizeof(path), "%s/40-approvals.ini", drops);
	s = slurp(path);
	CHECK(s != NULL && strstr(s, "Pending") != NULL, "... the drop directory has it anyway");
	ch[0].ch_name = "../x.ini";
	CHECK(state_disk_persist(drops, ch, 1, stderr) == -1, "... a bad name refused all the same");
}

int
main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_state_disk.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	snprintf(disk, sizeof(disk), "%s/disk.raw", dir);
	snprintf(drops, sizeof(drops), "%s/drops", dir);
	test_format();
	test_foreign();
	test_round_trip();
	test_slots();
	test_torn();
	test_too_large();
	test_dir();
	state_disk_detach();
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			printf("# %s: not removed\n", dir);
	}
	return UNIT_DONE();
}
