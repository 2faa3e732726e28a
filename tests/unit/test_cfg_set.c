/*
 * Drop sets (config/cfg_set.c): a directory read into memory, changed
 * there, digested, and parsed with the same file:line messages as the
 * same files on disk.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mbedtls/sha256.h"

#include "cfg.h"
#include "cfg_set.h"
#include "unit.h"

static char tmpdir[64];

static void
put(const char *dir, const char *name, const char *data, size_t len)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		exit(2);
	}
}

static void
puts_drop(const char *name, const char *text)
{
	put(tmpdir, name, text, strlen(text));
}

static void
clear_dir(void)
{
	char cmd[256];

	if (snprintf(cmd, sizeof(cmd), "rm -rf %s/* %s/.[!.]*", tmpdir, tmpdir) >= (int)sizeof(cmd) ||
	    system(cmd) != 0)
		exit(2);
}

static const char appliance[] =
	"[appliance]\n"
	"secret = 00112233445566778899aabbccddeeff\n";
static const char nics[] =
	"[nic consumer0]\n"
	"interface = pe0\n"
	"address = 10.0.0.5/24\n"
	"role = consumer\n"
	"\n"
	"[nic provider0]\n"
	"interface = pv0\n"
	"address = 192.168.10.201/24\n"
	"gateway = 192.168.10.1\n"
	"role = provider\n";
static const char services[] =
	"[service web]\n"
	"frontend_port = 443\n"
	"backend = 192.168.20.11:8443\n"
	"nat_ip = 192.168.10.202\n";
static int
names_are(const struct cfg_set *set, const char *const *want, int n)
{
	if (set->cs_n != n)
		return 0;
	for (int i = 0; i < n; i++)
		if (strcmp(set->cs_files[i].cf_name, want[i]) != 0)
			return 0;
	return 1;
}

static void
test_read(void)
{
	static const char *const want[] = { "00-appliance.ini", "10-nics.ini", "B.ini", "a.ini" };
	struct cfg_set set;
	uint8_t sum[32];
	char *msgs = NULL;
	size_t len;
	FILE *errs;
	int n;

	clear_dir();
	puts_drop("a.ini", "; a\n");
	puts_drop("B.ini", "; B\n");
	puts_drop("10-nics.ini", nics);
	puts_drop("00-appliance.ini", appliance);
	puts_drop("README", "not a drop\n");
	puts_drop(".hidden.ini", "not a drop either\n");
	errs = open_memstream(&msgs, &len);
	n = cfg_set_read(&set, tmpdir, errs);
	fclose(errs);
	CHECK(n == 0 && msgs[0] == '\0', "a directory of drops reads without errors (%d: %s)", n, msgs);
	CHECK(names_are(&set, want, 4), "the set holds the drop files only, in byte order of names");
	mbedtls_sha256((const unsigned char *)nics, strlen(nics), sum, 0);
	CHECK(set.cs_files[1].cf_len == strlen(nics) &&
	    memcmp(set.cs_files[1].cf_data, nics, strlen(nics)) == 0 &&
	    set.cs_files[1].cf_data[set.cs_files[1].cf_len] == '\0' &&
	    memcmp(set.cs_files[1].cf_sha256, sum, 32) == 0,
	    "each file's bytes, a NUL after them, and its SHA-256");
	CHECK(cfg_set_find(&set, "B.ini") == &set.cs_files[2] && cfg_set_find(&set, "b.ini") == NULL &&
	    cfg_set_find(&set, "README") == NULL, "cfg_set_find finds by exact name");
	cfg_set_free(&set);
	free(msgs);
}

/* Messages of cfg_load_set(dir, set) against cfg_load_dir(dir). */
static int
load_set_msgs(const char *dir, const struct cfg_set *set, char **msgs)
{
	struct pl_config *cfg = calloc(1, sizeof(*cfg));
	size_t len;
	FILE *errs = open_memstream(msgs, &len);
	int n = cfg_load_set(cfg, dir, set, NULL, errs);

	fclose(errs);
	free(cfg);
	return n;
}

static int
read_msgs(struct cfg_set *set, const char *dir, char **msgs)
{
	size_t len;
	FILE *errs = open_memstream(msgs, &len);
	int n = cfg_set_read(set, dir, errs);

	fclose(errs);
	return n;
}

static int
load_dir_msgs(const char *dir, char **msgs)
{
	struct pl_config *cfg = calloc(1, sizeof(*cfg));
	size_t len;
	FILE *errs = open_memstream(msgs, &len);
	int n = cfg_load_dir(cfg, dir, errs);

	fclose(errs);
	free(cfg);
	return n;
}

static void
test_change(void)
{
	static const char *const after[] = { "00-appliance.ini", "05-new.ini", "10-nics.ini" };
	struct cfg_set set;
	struct cfg_change ch[3];
	const struct cfg_file *f;
	const char *data0;
	char *big;
	int rc;

	clear_dir();
	puts_drop("00-appliance.ini", appliance);
	puts_drop("10-nics.ini", nics);
	puts_drop("20-services.ini", services);
	cfg_set_read(&set, tmpdir, stderr);

	ch[0] = (struct cfg_change){ "05-new.ini", "; new\n", 6 };
	ch[1] = (struct cfg_change){ "20-services.ini", NULL, 0 };
	ch[2] = (struct cfg_change){ "10-nics.ini", "; replaced\n", 11 };
	rc = cfg_set_change(&set, ch, 3);
	CHECK(rc == 0 && names_are(&set, after, 3),
	    "insert keeps name order, delete removes, replace keeps the place (rc %d)", rc);
	f = cfg_set_find(&set, "10-nics.ini");
	CHECK(f != NULL && f->cf_len == 11 && strcmp(f->cf_data, "; replaced\n") == 0,
	    "a replaced file holds the new bytes");

	data0 = set.cs_files[0].cf_data;
	ch[0] = (struct cfg_change){ "00-appliance.ini", "; x\n", 4 };
	ch[1] = (struct cfg_change){ "99-missing.ini", NULL, 0 };
	rc = cfg_set_change(&set, ch, 2);
	CHECK(rc == -ENOENT, "deleting a name the set does not hold is -ENOENT (got %d)", rc);
	CHECK(names_are(&set, after, 3) && set.cs_files[0].cf_data == data0 &&
	    strcmp(data0, appliance) == 0, "a batch that fails changes nothing");

	ch[0] = (struct cfg_change){ "07-tmp.ini", "; tmp\n", 6 };
	ch[1] = (struct cfg_change){ "07-tmp.ini", NULL, 0 };
	ch[2] = (struct cfg_change){ "07-tmp.ini", NULL, 0 };
	CHECK(cfg_set_change(&set, ch, 2) == 0 && names_are(&set, after, 3),
	    "a file written then deleted in one batch is gone");
	CHECK(cfg_set_change(&set, ch + 1, 1) == -ENOENT, "so deleting it again is -ENOENT");

	ch[0] = (struct cfg_change){ ".management-key.pem", "x", 1 };
	CHECK(cfg_set_change(&set, ch, 1) == -EINVAL, "a name that is no drop file is -EINVAL");
	ch[0] = (struct cfg_change){ "../x.ini", "x", 1 };
	CHECK(cfg_set_change(&set, ch, 1) == -EINVAL, "a name with a path is -EINVAL");
	big = calloc(1, CFG_SET_FILE_MAX + 1);
	ch[0] = (struct cfg_change){ "big.ini", big, CFG_SET_FILE_MAX + 1 };
	CHECK(cfg_set_change(&set, ch, 1) == -EFBIG, "data larger than CFG_SET_FILE_MAX is -EFBIG");
	free(big);
	CHECK(names_are(&set, after, 3), "refused changes leave the set as it was");
	cfg_set_free(&set);
}

static void
test_digest(void)
{
	struct cfg_set a, b, c;
	struct cfg_change ch;
	uint8_t da[32], db[32], dc[32], d0[32];

	clear_dir();
	puts_drop("00-appliance.ini", appliance);
	puts_drop("10-nics.ini", nics);
	cfg_set_read(&a, tmpdir, stderr);
	cfg_set_read(&b, tmpdir, stderr);
	cfg_set_digest(&a, da);
	cfg_set_digest(&b, db);
	CHECK(memcmp(da, db, 32) == 0, "the same files give the same digest");

	/* The same set built in memory in another order. */
	memset(&c, 0, sizeof(c));
	ch = (struct cfg_change){ "10-nics.ini", nics, strlen(nics) };
	cfg_set_change(&c, &ch, 1);
	ch = (struct cfg_change){ "00-appliance.ini", appliance, strlen(appliance) };
	cfg_set_change(&c, &ch, 1);
	cfg_set_digest(&c, dc);
	CHECK(memcmp(da, dc, 32) == 0, "a set built by changes digests as the directory does");

	ch = (struct cfg_change){ "10-nics.ini", nics, strlen(nics) - 1 };
	cfg_set_change(&c, &ch, 1);
	cfg_set_digest(&c, dc);
	CHECK(memcmp(da, dc, 32) != 0, "one byte less in a file changes the digest");
	ch = (struct cfg_change){ "10-nics.ini", NULL, 0 };
	cfg_set_change(&c, &ch, 1);
	ch = (struct cfg_change){ "11-nics.ini", nics, strlen(nics) };
	cfg_set_change(&c, &ch, 1);
	cfg_set_digest(&c, dc);
	CHECK(memcmp(da, dc, 32) != 0, "a renamed file changes the digest");
	cfg_set_free(&c);

	/* "a.ini" holding "bc" against "a.inib" holding "c": the NUL keeps
	 * name and content apart. */
	ch = (struct cfg_change){ "a.ini", "x.ini", 5 };
	cfg_set_change(&c, &ch, 1);
	cfg_set_digest(&c, dc);
	cfg_set_free(&c);
	ch = (struct cfg_change){ "a.inix.ini", "", 0 };
	cfg_set_change(&c, &ch, 1);
	cfg_set_digest(&c, db);
	CHECK(memcmp(db, dc, 32) != 0, "bytes moved from a name into its content change the digest");
	cfg_set_free(&c);
	cfg_set_digest(&c, d0);
	CHECK(memcmp(d0, da, 32) != 0 && memcmp(d0, dc, 32) != 0, "the empty set has its own digest");
	cfg_set_free(&a);
	cfg_set_free(&b);
}

/* Copies a drop directory into a set by changes alone, no read. */
static void
set_from_dir_by_changes(struct cfg_set *set, const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);

	memset(set, 0, sizeof(*set));
	for (int i = n - 1; i >= 0; i--) {	/* backwards: inserts in the middle */
		char path[512], *data = NULL;
		size_t len = 0;
		FILE *f, *mem;
		struct cfg_change ch;
		int c;

		if (snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name) < (int)sizeof(path) &&
		    cfg_drop_name_ok(names[i]->d_name) && (f = fopen(path, "r")) != NULL) {
			mem = open_memstream(&data, &len);
			while ((c = fgetc(f)) != EOF)
				fputc(c, mem);
			fclose(mem);
			fclose(f);
			ch = (struct cfg_change){ names[i]->d_name, data, len };
			if (cfg_set_change(set, &ch, 1) != 0)
				printf("# change %s failed\n", path);
			free(data);
		}
		free(names[i]);
	}
	free(names);
}

/*
 * Every bad drop of tests/drops/bad (all but file-name, whose bad names
 * cannot be in a set) gives the same messages from a set built in memory
 * as from its directory; and the directory errors of a set read.
 */
static void
test_same_messages(void)
{
	struct dirent **drops;
	int n = scandir("tests/drops/bad", &drops, NULL, alphasort), compared = 0, same = 0;

	for (int i = 0; i < n; i++) {
		char dir[512], *m1 = NULL, *m2 = NULL;
		struct cfg_set set;
		int e1, e2;

		if (snprintf(dir, sizeof(dir), "tests/drops/bad/%s", drops[i]->d_name) >=
		    (int)sizeof(dir) || drops[i]->d_name[0] == '.' || strcmp(drops[i]->d_name, "file-name") == 0) {
			free(drops[i]);
			continue;
		}
		set_from_dir_by_changes(&set, dir);
		e1 = load_dir_msgs(dir, &m1);
		e2 = load_set_msgs(dir, &set, &m2);
		compared++;
		if (e1 == e2 && e1 > 0 && strcmp(m1, m2) == 0)
			same++;
		else
			printf("# %s: %d errors from disk:\n%s# %d from the set:\n%s", dir, e1, m1, e2, m2);
		cfg_set_free(&set);
		free(m1);
		free(m2);
		free(drops[i]);
	}
	free(drops);
	CHECK(compared >= 10 && same == compared,
	    "a set built in memory reports byte for byte what its directory does (%d of %d)",
	    same, compared);
}

static void
test_file_errors(void)
{
	struct cfg_set set;
	struct cfg_change ch;
	char *m1 = NULL, *m2 = NULL, want[512], sub[128], *big;
	int n;

	/* A NUL byte: line counted, the file refused. */
	clear_dir();
	puts_drop("00-appliance.ini", appliance);
	put(tmpdir, "10-nics.ini", "[nic a]\n\ninterface = x\0y\n", 25);
	n = load_dir_msgs(tmpdir, &m1);
	snprintf(want, sizeof(want), "%s/10-nics.ini:3: NUL byte: not a text file\n", tmpdir);
	CHECK(n == 1 && strcmp(m1, want) == 0, "a NUL byte is one error at its line: %.*s",
	    (int)strcspn(m1, "\n"), m1);
	memset(&set, 0, sizeof(set));
	ch = (struct cfg_change){ "10-nics.ini", "[nic a]\n\ninterface = x\0y\n", 25 };
	cfg_set_change(&set, &ch, 1);
	ch = (struct cfg_change){ "00-appliance.ini", appliance, strlen(appliance) };
	cfg_set_change(&set, &ch, 1);
	n = load_set_msgs(tmpdir, &set, &m2);
	CHECK(n == 1 && strcmp(m1, m2) == 0, "and the same from a set in memory");
	cfg_set_free(&set);
	free(m1);
	free(m2);

	/* Not a regular file; too large; both read errors and parse errors. */
	clear_dir();
	puts_drop("00-appliance.ini", appliance);
	snprintf(sub, sizeof(sub), "%s/20-dir.ini", tmpdir);
	mkdir(sub, 0755);
	big = malloc(CFG_SET_FILE_MAX + 1);
	memset(big, ';', CFG_SET_FILE_MAX + 1);
	put(tmpdir, "30-big.ini", big, CFG_SET_FILE_MAX + 1);
	memset(big, '\n', CFG_SET_FILE_MAX);
	put(tmpdir, "31-max.ini", big, CFG_SET_FILE_MAX);
	free(big);
	puts_drop("40-bad.ini", "[nic x]\n");
	n = read_msgs(&set, tmpdir, &m1);
	snprintf(want, sizeof(want), "%s/20-dir.ini:0: not a regular file\n"
	    "%s/30-big.ini:0: larger than %d bytes: not a drop file\n", tmpdir, tmpdir,
	    CFG_SET_FILE_MAX);
	CHECK(n == 2 && m1 != NULL && strcmp(m1, want) == 0,
	    "a directory and a file too large are reported");
	if (m1 == NULL || strcmp(m1, want) != 0)
		printf("# got:\n%s", m1 ? m1 : "");
	CHECK(set.cs_n == 3 && cfg_set_find(&set, "31-max.ini") != NULL &&
	    cfg_set_find(&set, "31-max.ini")->cf_len == CFG_SET_FILE_MAX,
	    "the others are read, a file of exactly CFG_SET_FILE_MAX bytes too");
	cfg_set_free(&set);
	free(m1);
	n = load_dir_msgs(tmpdir, &m1);
	CHECK(n == 5 && strstr(m1, "20-dir.ini:0: not a regular file") != NULL &&
	    strstr(m1, "40-bad.ini:1: [nic x]: missing required key 'address'") != NULL,
	    "cfg_load_dir reports the files it cannot take and parses the others");
	free(m1);

	n = read_msgs(&set, "/nonexistent/drops", &m1);
	CHECK(n == 1 && set.cs_n == 0 &&
	    strcmp(m1, "/nonexistent/drops: cannot read the drop directory: "
	    "No such file or directory\n") == 0, "a missing directory is one error");
	cfg_set_free(&set);
	free(m1);
}

int
main(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/privlink-cfgset.XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	test_read();
	test_change();
	test_digest();
	test_same_messages();
	test_file_errors();
	clear_dir();
	rmdir(tmpdir);
	return UNIT_DONE();
}
