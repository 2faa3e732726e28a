/*
 * Host persistence (firmware/state/drop_store.c): single writes and deletes,
 * batches, and recovery after a power cut at any point of a batch: from a
 * journal cut at every byte offset (the drop before the batch), and from a
 * whole journal with part of the renames done (the drop after it).
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drop_store.h"
#include "unit.h"

static char tmpdir[64];

static void
put(const char *name, const char *data, size_t len)
{
	char path[320];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	if ((f = fopen(path, "w")) == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		exit(2);
	}
}

/* The directory's files and contents as one string: "name=content;..." in
 * name order, every file, hidden ones too. */
static char *
state(void)
{
	struct dirent **names;
	char *out = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&out, &len);
	int n = scandir(tmpdir, &names, NULL, alphasort);

	for (int i = 0; i < n; i++) {
		char path[320];
		FILE *f;
		int c;

		if (strcmp(names[i]->d_name, ".") != 0 && strcmp(names[i]->d_name, "..") != 0) {
			snprintf(path, sizeof(path), "%s/%s", tmpdir, names[i]->d_name);
			fprintf(m, "%s=", names[i]->d_name);
			if ((f = fopen(path, "r")) != NULL) {
				while ((c = fgetc(f)) != EOF)
					fputc(c, m);
				fclose(f);
			}
			fputc(';', m);
		}
		free(names[i]);
	}
	free(names);
	fclose(m);
	return out;
}

static void
clear_dir(void)
{
	char cmd[256];

	if (snprintf(cmd, sizeof(cmd), "rm -rf %s/* %s/.[!.]*", tmpdir, tmpdir) >= (int)sizeof(cmd) ||
	    system(cmd) != 0)
		exit(2);
}

static mode_t
mode_of(const char *name)
{
	char path[320];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return stat(path, &st) == 0 ? st.st_mode & 07777 : 0;
}

static int
commit(const struct cfg_change *ch, int n, char **msgs)
{
	size_t len;
	FILE *errs = open_memstream(msgs, &len);
	int rc = drop_store_commit(tmpdir, ch, n, errs);

	fclose(errs);
	return rc;
}

static int
recover(char **msgs)
{
	size_t len;
	FILE *errs = open_memstream(msgs, &len);
	int rc = drop_store_recover(tmpdir, errs);

	fclose(errs);
	return rc;
}

static void
test_single(void)
{
	struct cfg_change ch;
	char *msgs, *st;
	int rc;

	clear_dir();
	umask(022);
	put("10-a.ini", "old\n", 4);
	ch = (struct cfg_change){ "10-a.ini", "new\n", 4 };
	rc = commit(&ch, 1, &msgs);
	st = state();
	CHECK(rc == 0 && strcmp(st, "10-a.ini=new\n;") == 0,
	    "a write replaces the file, leaves no temporary file (%d)", rc);
	CHECK(mode_of("10-a.ini") == 0644, "a drop file is 0644 (%o)", mode_of("10-a.ini"));
	free(msgs);
	free(st);

	umask(077);
	ch = (struct cfg_change){ "20-b.ini", "b\n", 2 };
	rc = commit(&ch, 1, &msgs);
	CHECK(rc == 0 && mode_of("20-b.ini") == 0644, "0644 whatever the umask (%o)",
	    mode_of("20-b.ini"));
	free(msgs);
	umask(0);
	ch = (struct cfg_change){ ".management-key.pem", "KEY", 3 };
	rc = commit(&ch, 1, &msgs);
	CHECK(rc == 0 && mode_of(".management-key.pem") == 0600,
	    "a hidden name is taken; a name ending in key.pem is 0600 (%o)",
	    mode_of(".management-key.pem"));
	free(msgs);
	put("tls-key.pem", "K", 1);
	chmod(tmpdir, 0755);
	ch = (struct cfg_change){ "tls-key.pem", "K2", 2 };
	rc = commit(&ch, 1, &msgs);
	CHECK(rc == 0 && mode_of("tls-key.pem") == 0600, "a key replacing a 0644 file is 0600");
	free(msgs);
	umask(022);

	ch = (struct cfg_change){ "20-b.ini", NULL, 0 };
	rc = commit(&ch, 1, &msgs);
	st = state();
	CHECK(rc == 0 && strstr(st, "20-b.ini") == NULL, "a delete removes the file");
	free(msgs);
	free(st);
	rc = commit(&ch, 1, &msgs);
	CHECK(rc == 0, "deleting a file that is not there is no error");
	free(msgs);

	ch = (struct cfg_change){ "../escape.ini", "x", 1 };
	rc = commit(&ch, 1, &msgs);
	CHECK(rc == -1 && strstr(msgs, "Invalid argument") != NULL, "a name with a path is refused");
	free(msgs);
	ch = (struct cfg_change){ "x.ini", "x", 1 };
	rc = drop_store_commit("/nonexistent/drops", &ch, 1, stderr);
	CHECK(rc == -1, "a missing directory is an error");
}

static const struct cfg_change batch[] = {
	{ "10-a.ini", "a after\n", 8 },
	{ "20-b.ini", NULL, 0 },
	{ "30-c.ini", "c new\n", 6 },
	{ "40-d.ini", "d after\n", 8 },
};
#define BATCH_N ((int)(sizeof(batch) / sizeof(batch[0])))
static const char before_state[] = "10-a.ini=a before\n;20-b.ini=b before\n;40-d.ini=d before\n;";
static const char after_state[] = "10-a.ini=a after\n;30-c.ini=c new\n;40-d.ini=d after\n;";

static void
put_before(void)
{
	clear_dir();
	put("10-a.ini", "a before\n", 9);
	put("20-b.ini", "b before\n", 9);
	put("40-d.ini", "d before\n", 9);
}

static void
test_batch(void)
{
	struct cfg_change dup[3] = {
		{ "50-e.ini", "first", 5 }, { "50-e.ini", "second", 6 }, { "60-f.ini", "f", 1 },
	};
	char *msgs, *st, path[320];
	int rc;

	put_before();
	rc = commit(batch, BATCH_N, &msgs);
	st = state();
	CHECK(rc == 0 && strcmp(st, after_state) == 0,
	    "a batch writes, deletes and creates; no journal or temporary file is left");
	free(msgs);
	free(st);

	rc = commit(dup, 3, &msgs);
	st = state();
	CHECK(rc == 0 && strstr(st, "50-e.ini=second;") != NULL && strstr(st, "60-f.ini=f;") != NULL,
	    "two changes of one name in a batch: the last wins");
	free(msgs);
	free(st);
	dup[0].ch_data = NULL;
	dup[1].ch_data = "again";
	dup[1].ch_len = 5;
	dup[2].ch_data = NULL;
	rc = commit(dup, 3, &msgs);
	st = state();
	CHECK(rc == 0 && strstr(st, "50-e.ini=again;") != NULL && strstr(st, "60-f.ini") == NULL,
	    "deleted then written again in a batch: written");
	free(msgs);
	free(st);

	/* A file of the batch cannot be written (its temporary name is taken
	 * by a directory): nothing is replaced, no journal is left. */
	put_before();
	snprintf(path, sizeof(path), "%s/.30-c.ini.tmp", tmpdir);
	mkdir(path, 0755);
	rc = commit(batch, BATCH_N, &msgs);
	rmdir(path);
	st = state();
	CHECK(rc == -1 && strcmp(st, before_state) == 0 && strstr(msgs, ".30-c.ini.tmp: cannot write")
	    != NULL, "a batch that cannot write one of its files changes nothing");
	free(msgs);
	free(st);
}

static void
put_journal(const unsigned char *buf, size_t len)
{
	put(DROP_STORE_JOURNAL, (const char *)buf, len);
}

static void
test_recover(void)
{
	unsigned char *buf;
	size_t len;
	char *msgs, *st, *longer;
	int rc, before = 0, after = 0, mixed = 0, kinds_ok = 1;

	put_before();
	rc = recover(&msgs);
	st = state();
	CHECK(rc == DROP_STORE_CLEAN && strcmp(st, before_state) == 0,
	    "no journal: nothing to do, nothing changed");
	free(msgs);
	free(st);

	CHECK(drop_store_journal(batch, BATCH_N, &buf, &len) == 0 && len > 40,
	    "the journal of a batch (%zu bytes)", len);
	/* Cut at every offset: the journal was written that far when the
	 * power went; no file had been touched yet. */
	for (size_t k = 0; k <= len; k++) {
		put_before();
		put_journal(buf, k);
		rc = recover(&msgs);
		st = state();
		if (strcmp(st, before_state) == 0)
			before++;
		else if (strcmp(st, after_state) == 0)
			after++;
		else
			mixed++;
		if (rc != (k < len ? DROP_STORE_DISCARDED : DROP_STORE_COMPLETED))
			kinds_ok = 0;
		free(msgs);
		free(st);
	}
	CHECK(mixed == 0, "a journal cut at any of its %zu offsets leaves the drop before or "
	    "after the batch, never a mix (%d mixed)", len + 1, mixed);
	CHECK(before == (int)len && after == 1 && kinds_ok,
	    "cut short it is discarded (the drop before: %d), whole it completes (after: %d)",
	    before, after);

	/* A whole journal, and each prefix of the batch applied (renames in
	 * order, some temporary files written or half written). */
	before = after = mixed = 0;
	kinds_ok = 1;
	for (int done = 0; done <= BATCH_N; done++) {
		put_before();
		put_journal(buf, len);
		put(".30-c.ini.tmp", "c n", 3);		/* cut while writing it */
		for (int i = 0; i < done; i++) {
			char path[320];

			snprintf(path, sizeof(path), "%s/%s", tmpdir, batch[i].ch_name);
			if (batch[i].ch_data != NULL)
				put(batch[i].ch_name, batch[i].ch_data, batch[i].ch_len);
			else
				unlink(path);
		}
		rc = recover(&msgs);
		st = state();
		if (strcmp(st, after_state) == 0)
			after++;
		else
			printf("# %d renames done: %s (%s)\n", done, st, msgs);
		if (rc != DROP_STORE_COMPLETED)
			kinds_ok = 0;
		free(msgs);
		free(st);
		/* A cut during the replay: replayed again. */
		put_journal(buf, len);
		rc = recover(&msgs);
		st = state();
		if (rc != DROP_STORE_COMPLETED || strcmp(st, after_state) != 0)
			kinds_ok = 0;
		free(msgs);
		free(st);
	}
	CHECK(after == BATCH_N + 1 && kinds_ok,
	    "a whole journal completes the batch whatever part of it was done, and again "
	    "when replayed twice (%d of %d)", after, BATCH_N + 1);

	/* One byte changed anywhere: not whole, discarded. */
	before = 0;
	for (size_t k = 0; k < len; k += 7) {
		put_before();
		buf[k] ^= 0x20;
		put_journal(buf, len);
		buf[k] ^= 0x20;
		rc = recover(&msgs);
		st = state();
		if (rc == DROP_STORE_DISCARDED && strcmp(st, before_state) == 0)
			before++;
		free(msgs);
		free(st);
	}
	CHECK(before == (int)((len + 6) / 7), "a journal with a byte changed is discarded");

	put_before();
	longer = malloc(len + 8);
	memcpy(longer, buf, len);
	memcpy(longer + len, "trailing", 8);
	put(DROP_STORE_JOURNAL, longer, len + 8);
	free(longer);
	rc = recover(&msgs);
	st = state();
	CHECK(rc == DROP_STORE_DISCARDED && strcmp(st, before_state) == 0,
	    "a journal with bytes after its checksum is discarded");
	free(msgs);
	free(st);
	free(buf);
}

int
main(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/privlink-store.XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	test_single();
	test_batch();
	test_recover();
	clear_dir();
	rmdir(tmpdir);
	return UNIT_DONE();
}
