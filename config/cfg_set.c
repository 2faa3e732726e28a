/*
 * Drop sets: the drop files of a directory read whole into memory, in
 * byte order of their names, each with its SHA-256.  cfg_load_set
 * (cfg_load.c) parses a set as cfg_load_dir parses the directory, so a
 * change made in memory (cfg_set_change, for the management API) is
 * validated with every other drop, with the same file:line messages,
 * before anything on disk changes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mbedtls/sha256.h"

#include "cfg-priv.h"
#include "cfg.h"
#include "cfg_set.h"

static int
cfg_set_name_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/*
 * Is d meant as a drop file?  A name ending in .ini in any case (a FAT
 * config drive may show NAME.INI), not starting with a dot: editors' and
 * tools' hidden temporary files are not part of a drop.  Every other file
 * is left alone.
 */
static int
cfg_set_is_drop(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 4 && strcasecmp(d->d_name + n - 4, ".ini") == 0;
}

static void
cfg_file_free(struct cfg_file *cf)
{
	free(cf->cf_name);
	free(cf->cf_data);
	memset(cf, 0, sizeof(*cf));
}

/*
 * A fresh file: copies of name and data (NUL after len), its SHA-256.
 * 0, or -ENOMEM.
 */
static int
cfg_file_make(struct cfg_file *cf, const char *name, const char *data, size_t len)
{
	memset(cf, 0, sizeof(*cf));
	cf->cf_name = strdup(name);
	cf->cf_data = malloc(len + 1);
	if (cf->cf_name == NULL || cf->cf_data == NULL) {
		cfg_file_free(cf);
		return -ENOMEM;
	}
	memcpy(cf->cf_data, data, len);
	cf->cf_data[len] = '\0';
	cf->cf_len = len;
	mbedtls_sha256((const unsigned char *)data, len, cf->cf_sha256, 0);
	return 0;
}

/*
 * Reads path whole into cf->cf_data.  0, or -1 with the error written
 * ("path:0: ...", as the loader has always named a file it could not
 * take).  Opened without blocking: a FIFO put in its place between the
 * stat and the open must not stop the loop.
 */
static int
cfg_set_read_file(struct cfg_file *cf, const char *path, FILE *errs)
{
	struct stat st;
	size_t len = 0;
	ssize_t n;
	char *buf;
	int fd;

	/* A socket or device is named as such, not as a failed open. */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		cfg_report_line(errs, "%s:0: not a regular file", path);
		return -1;
	}
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1) {
		cfg_report_line(errs, "%s:0: cannot read: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		cfg_report_line(errs, "%s:0: cannot read: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		cfg_report_line(errs, "%s:0: not a regular file", path);
		close(fd);
		return -1;
	}
	if (st.st_size > CFG_SET_FILE_MAX) {
		cfg_report_line(errs, "%s:0: larger than %d bytes: not a drop file", path,
		    CFG_SET_FILE_MAX);
		close(fd);
		return -1;
	}
	/* One byte more than allowed: a file that grew since fstat shows. */
	if ((buf = malloc((size_t)st.st_size + 2)) == NULL) {
		cfg_report_line(errs, "%s:0: cannot read: %s", path, strerror(ENOMEM));
		close(fd);
		return -1;
	}
	while (len < (size_t)st.st_size + 1 &&
	    (n = read(fd, buf + len, (size_t)st.st_size + 1 - len)) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			cfg_report_line(errs, "%s:0: cannot read: %s", path, strerror(errno));
			free(buf);
			close(fd);
			return -1;
		}
		len += (size_t)n;
	}
	close(fd);
	if (len > CFG_SET_FILE_MAX) {
		cfg_report_line(errs, "%s:0: larger than %d bytes: not a drop file", path,
		    CFG_SET_FILE_MAX);
		free(buf);
		return -1;
	}
	buf[len] = '\0';
	cf->cf_data = buf;
	cf->cf_len = len;
	mbedtls_sha256((const unsigned char *)buf, len, cf->cf_sha256, 0);
	return 0;
}

/*
 * Reads every drop file of dir into set (emptied first), as cfg_load_dir
 * has always taken them: names ending in .ini in any case, not starting
 * with a dot, in byte order; at most CFG_MAX_FILES.  A file that cannot be
 * taken (a bad name, not a regular file, unreadable, too large) is
 * reported and left out of set; the number of such errors is returned.
 * The caller frees set (cfg_set_free) whatever the result: set holds the
 * files that could be read, so that they can still be checked.
 */
int
cfg_set_read(struct cfg_set *set, const char *dir, FILE *errs)
{
	struct dirent **names = NULL;
	int n, errors = 0;

	memset(set, 0, sizeof(*set));
	n = scandir(dir, &names, cfg_set_is_drop, cfg_set_name_cmp);
	if (n == -1) {
		cfg_report_line(errs, "%s: cannot read the drop directory: %s", dir,
		    strerror(errno));
		return 1;
	}
	if (n > CFG_MAX_FILES) {
		cfg_report_line(errs, "%s: %d drop files, at most %d are read", dir, n,
		    CFG_MAX_FILES);
		errors++;
	}
	set->cs_files = calloc(n > 0 ? (size_t)n : 1, sizeof(*set->cs_files));
	if (set->cs_files == NULL) {
		cfg_report_line(errs, "%s: cannot read the drop directory: %s", dir,
		    strerror(ENOMEM));
		errors++;
	}
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		struct cfg_file *cf;
		char path[CFG_FILE_MAX];

		/* A drop file that is not taken refuses the whole drop: a
		 * drop served in part could open what a left-out file closes. */
		if (i >= CFG_MAX_FILES || set->cs_files == NULL) {
			/* counted above */
		} else if (!cfg_drop_name_ok(name)) {
			cfg_report_line(errs, "%s/%s: not a drop file name: NAME.ini of letters, "
			    "digits, '.', '_' and '-'", dir, name);
			errors++;
		} else if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path)) {
			cfg_report_line(errs, "%s/%s: path too long", dir, name);
			errors++;
		} else {
			cf = &set->cs_files[set->cs_n];
			if ((cf->cf_name = strdup(name)) == NULL) {
				cfg_report_line(errs, "%s:0: cannot read: %s", path, strerror(ENOMEM));
				errors++;
			} else if (cfg_set_read_file(cf, path, errs) != 0) {
				cfg_file_free(cf);
				errors++;
			} else {
				set->cs_n++;
			}
		}
		free(names[i]);
	}
	free(names);
	return errors;
}

/* Index of name in files[0..n), or -1; *at is where it would go. */
static int
cfg_set_index(const struct cfg_file *files, int n, const char *name, int *at)
{
	int lo = 0, hi = n;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2, c = strcmp(files[mid].cf_name, name);

		if (c == 0)
			return *at = mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	return -1;
}

const struct cfg_file *
cfg_set_find(const struct cfg_set *set, const char *name)
{
	int at, i = cfg_set_index(set->cs_files, set->cs_n, name, &at);

	return i == -1 ? NULL : &set->cs_files[i];
}

/* Is f one of the n files of set (the same buffers)? */
static int
cfg_set_holds(const struct cfg_file *files, int n, const struct cfg_file *f)
{
	for (int i = 0; i < n; i++)
		if (files[i].cf_name == f->cf_name)
			return 1;
	return 0;
}

/*
 * Applies the n changes ch, in order, to set: ch_data NULL deletes
 * ch_name, else the file is replaced or inserted in name order.  All or
 * nothing: 0 with every change made, or a negative errno with set as it
 * was: -EINVAL a name that is not a drop file name (cfg_drop_name_ok: such
 * a file would not be read back from the directory), -EFBIG data larger
 * than CFG_SET_FILE_MAX, -ENOENT a delete of a name set does not hold (or
 * no longer holds: an earlier change deleted it), -ENOMEM.  More than
 * CFG_MAX_FILES files are not refused here: cfg_load_set reports them as
 * a directory with that many would be.
 */
int
cfg_set_change(struct cfg_set *set, const struct cfg_change *ch, int n)
{
	struct cfg_file *files;
	unsigned char *fresh;	/* made by this call: freed if it fails */
	int nf = set->cs_n, rc = 0;

	if (n < 0)
		return -EINVAL;
	for (int i = 0; i < n; i++) {
		if (ch[i].ch_name == NULL || !cfg_drop_name_ok(ch[i].ch_name))
			return -EINVAL;
		if (ch[i].ch_data != NULL && ch[i].ch_len > CFG_SET_FILE_MAX)
			return -EFBIG;
	}
	files = calloc((size_t)(set->cs_n + n) + 1, sizeof(*files));
	fresh = calloc((size_t)(set->cs_n + n) + 1, 1);
	if (files == NULL || fresh == NULL) {
		free(files);
		free(fresh);
		return -ENOMEM;
	}
	if (nf > 0)
		memcpy(files, set->cs_files, (size_t)nf * sizeof(*files));
	for (int i = 0; i < n && rc == 0; i++) {
		int at, k = cfg_set_index(files, nf, ch[i].ch_name, &at);
		struct cfg_file made;

		if (ch[i].ch_data == NULL) {
			if (k == -1) {
				rc = -ENOENT;
				break;
			}
			if (fresh[k])
				cfg_file_free(&files[k]);
			memmove(&files[k], &files[k + 1], (size_t)(nf - k - 1) * sizeof(*files));
			memmove(&fresh[k], &fresh[k + 1], (size_t)(nf - k - 1));
			nf--;
			continue;
		}
		if ((rc = cfg_file_make(&made, ch[i].ch_name, ch[i].ch_data, ch[i].ch_len)) != 0)
			break;
		if (k != -1) {
			if (fresh[k])
				cfg_file_free(&files[k]);
		} else {
			k = at;
			memmove(&files[k + 1], &files[k], (size_t)(nf - k) * sizeof(*files));
			memmove(&fresh[k + 1], &fresh[k], (size_t)(nf - k));
			nf++;
		}
		files[k] = made;
		fresh[k] = 1;
	}
	if (rc != 0) {
		for (int i = 0; i < nf; i++)
			if (fresh[i])
				cfg_file_free(&files[i]);
		free(files);
		free(fresh);
		return rc;
	}
	/* The old files replaced or deleted go; the others moved over. */
	for (int i = 0; i < set->cs_n; i++)
		if (!cfg_set_holds(files, nf, &set->cs_files[i]))
			cfg_file_free(&set->cs_files[i]);
	free(set->cs_files);
	free(fresh);
	set->cs_files = files;
	set->cs_n = nf;
	return 0;
}

/*
 * The digest of a whole set: SHA-256 over each file's name, a NUL and
 * the SHA-256 of its bytes, in order.  The NUL keeps names and contents
 * apart ("a.ini" + "b" differs from "a.inib"); hashing each file first
 * makes the digest cheap to keep beside per-file digests.
 */
void
cfg_set_digest(const struct cfg_set *set, uint8_t out[32])
{
	mbedtls_sha256_context ctx;

	mbedtls_sha256_init(&ctx);
	mbedtls_sha256_starts(&ctx, 0);
	for (int i = 0; i < set->cs_n; i++) {
		const struct cfg_file *cf = &set->cs_files[i];

		mbedtls_sha256_update(&ctx, (const unsigned char *)cf->cf_name,
		    strlen(cf->cf_name) + 1);
		mbedtls_sha256_update(&ctx, cf->cf_sha256, sizeof(cf->cf_sha256));
	}
	mbedtls_sha256_finish(&ctx, out);
	mbedtls_sha256_free(&ctx);
}

void
cfg_set_free(struct cfg_set *set)
{
	for (int i = 0; i < set->cs_n; i++)
		cfg_file_free(&set->cs_files[i]);
	free(set->cs_files);
	memset(set, 0, sizeof(*set));
}
