/*
 * Host persistence of drop changes.  One file: written as DIR/.NAME.tmp
 * (hidden: never read as a drop), fsync, renamed over DIR/NAME (a delete
 * unlinks it), the directory fsynced: after a power cut NAME holds either
 * its old bytes or its new ones.
 *
 * A batch renames several files, which no file system does at once.  So
 * first an intent journal (DIR/.privlink-journal: every change whole, a
 * SHA-256 over it all) is written and synced with the directory; then the
 * files, then the journal goes.  drop_store_recover, at start before the
 * drops are read, finds a journal only after a cut: one that verifies is
 * replayed (writing a file again or deleting it again changes nothing, so
 * a replay can be cut and replayed too), one that does not was cut while
 * being written, before any file was touched, and is dropped.  Either way
 * the drop is the one before the batch or the one after it.
 *
 * The journal, integers little-endian:
 *   "PLJRNL01", u32 n, n times { u8 'W' | 'D', u16 name length, name,
 *   for 'W': u32 data length, data }, SHA-256 of all the bytes before it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mbedtls/sha256.h"

#include "drop_store.h"

#define DS_MAGIC	"PLJRNL01"
#define DS_MAGIC_LEN	8
#define DS_SUM_LEN	32
/* ".NAME.tmp" must fit a directory entry. */
#define DS_NAME_MAX	(NAME_MAX - 5)
#define DS_OP_WRITE	'W'
#define DS_OP_DELETE	'D'

/* A name the store takes: one directory entry, no path.  Which names are
 * drops (or the management key) is the caller's to decide. */
static int
ds_name_ok(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && n <= DS_NAME_MAX && strchr(name, '/') == NULL &&
	    strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

/* Private keys are for privlinkd alone. */
static mode_t
ds_mode(const char *name)
{
	size_t n = strlen(name);

	return n >= 7 && strcmp(name + n - 7, "key.pem") == 0 ? 0600 : 0644;
}

static int
ds_check(const struct cfg_change *ch, int n)
{
	if (n < 1 || n > DROP_STORE_BATCH_MAX)
		return -EINVAL;
	for (int i = 0; i < n; i++) {
		if (ch[i].ch_name == NULL || !ds_name_ok(ch[i].ch_name))
			return -EINVAL;
		if (ch[i].ch_data != NULL && ch[i].ch_len > CFG_SET_FILE_MAX)
			return -EFBIG;
	}
	return 0;
}

static void
ds_tmp_name(char out[static NAME_MAX + 1], const char *name)
{
	snprintf(out, NAME_MAX + 1, ".%s.tmp", name);
}

static int
ds_write_all(int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
ds_sync_dir(int dfd, const char *dir, FILE *errs)
{
	if (fsync(dfd) == -1) {
		fprintf(errs, "%s: cannot sync the directory: %s\n", dir, strerror(errno));
		return -1;
	}
	return 0;
}

/* Writes and syncs DIR/file with mode; 0 or -1 (reported). */
static int
ds_write_file(int dfd, const char *dir, const char *file, const void *data, size_t len,
    mode_t mode, FILE *errs)
{
	int fd = openat(dfd, file, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);

	/* fchmod: an old file of that name keeps its mode under O_TRUNC,
	 * and the umask may have cut the one asked for. */
	if (fd == -1 || fchmod(fd, mode) == -1 || ds_write_all(fd, data, len) == -1 ||
	    fsync(fd) == -1) {
		fprintf(errs, "%s/%s: cannot write: %s\n", dir, file, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	if (close(fd) == -1) {
		fprintf(errs, "%s/%s: cannot write: %s\n", dir, file, strerror(errno));
		return -1;
	}
	return 0;
}

/* Is change i overridden by a later change of the same name?  Applying
 * only the last change of each name is applying them all in order. */
static int
ds_superseded(const struct cfg_change *ch, int n, int i)
{
	for (int j = i + 1; j < n; j++)
		if (strcmp(ch[j].ch_name, ch[i].ch_name) == 0)
			return 1;
	return 0;
}

/*
 * Applies the changes: every new file is written and synced as .NAME.tmp
 * first, so a full disk or an I/O error fails before any file is
 * replaced (the temporary files are removed: -1, the drop as it was);
 * then the renames and deletes, in order (-2 if one fails: the drop is
 * part changed, the journal completes it).  The directory is not synced.
 */
static int
ds_apply(int dfd, const char *dir, const struct cfg_change *ch, int n, FILE *errs)
{
	char tmp[NAME_MAX + 1];
	int i, rc = 0;

	for (i = 0; i < n; i++) {
		if (ch[i].ch_data == NULL || ds_superseded(ch, n, i))
			continue;
		ds_tmp_name(tmp, ch[i].ch_name);
		if (ds_write_file(dfd, dir, tmp, ch[i].ch_data, ch[i].ch_len,
		    ds_mode(ch[i].ch_name), errs) != 0)
			break;
	}
	if (i < n) {
		for (int j = 0; j <= i && j < n; j++)
			if (ch[j].ch_data != NULL) {
				ds_tmp_name(tmp, ch[j].ch_name);
				unlinkat(dfd, tmp, 0);
			}
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (ds_superseded(ch, n, i))
			continue;
		if (ch[i].ch_data != NULL) {
			ds_tmp_name(tmp, ch[i].ch_name);
			if (renameat(dfd, tmp, dfd, ch[i].ch_name) == -1) {
				fprintf(errs, "%s/%s: cannot rename %s over it: %s\n", dir,
				    ch[i].ch_name, tmp, strerror(errno));
				rc = -2;
			}
		} else if (unlinkat(dfd, ch[i].ch_name, 0) == -1 && errno != ENOENT) {
			/* gone already: a replay, or never written */
			fprintf(errs, "%s/%s: cannot delete: %s\n", dir, ch[i].ch_name,
			    strerror(errno));
			rc = -2;
		}
	}
	return rc;
}

static unsigned char *
ds_put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		*p++ = (unsigned char)(v >> (8 * i));
	return p;
}

/*
 * The journal of n changes in *buf (malloc'd, the caller frees), *len
 * bytes.  0, or -EINVAL (a bad name or count), -EFBIG (a file larger than
 * CFG_SET_FILE_MAX, or the whole over DROP_STORE_JOURNAL_MAX), -ENOMEM.
 */
int
drop_store_journal(const struct cfg_change *ch, int n, unsigned char **buf, size_t *len)
{
	size_t size = DS_MAGIC_LEN + 4 + DS_SUM_LEN;
	unsigned char *p;
	int rc;

	if ((rc = ds_check(ch, n)) != 0)
		return rc;
	for (int i = 0; i < n; i++)
		size += 1 + 2 + strlen(ch[i].ch_name) + (ch[i].ch_data != NULL ? 4 + ch[i].ch_len : 0);
	if (size > DROP_STORE_JOURNAL_MAX)
		return -EFBIG;
	if ((*buf = p = malloc(size)) == NULL)
		return -ENOMEM;
	memcpy(p, DS_MAGIC, DS_MAGIC_LEN);
	p = ds_put32(p + DS_MAGIC_LEN, (uint32_t)n);
	for (int i = 0; i < n; i++) {
		size_t nl = strlen(ch[i].ch_name);

		*p++ = ch[i].ch_data != NULL ? DS_OP_WRITE : DS_OP_DELETE;
		*p++ = (unsigned char)nl;
		*p++ = (unsigned char)(nl >> 8);
		memcpy(p, ch[i].ch_name, nl);
		p += nl;
		if (ch[i].ch_data != NULL) {
			p = ds_put32(p, (uint32_t)ch[i].ch_len);
			memcpy(p, ch[i].ch_data, ch[i].ch_len);
			p += ch[i].ch_len;
		}
	}
	mbedtls_sha256(*buf, (size_t)(p - *buf), p, 0);
	*len = size;
	return 0;
}

/*
 * Writes the n changes ch to dir (ch_data NULL deletes ch_name; deleting
 * a file that is not there is no error), durably, all or nothing across a
 * power cut: see the top of this file.  Names are taken as they are (the
 * caller validates them; hidden names such as .management-key.pem are
 * fine); files whose name ends in "key.pem" get mode 0600, others 0644.
 * 0, or -1 with the reason written to errs.  After a failure the drop is
 * as it was, except when a rename failed half way through a batch: errs
 * says so, and the journal left in place completes the batch at the next
 * start.
 */
int
drop_store_commit(const char *dir, const struct cfg_change *ch, int n, FILE *errs)
{
	unsigned char *jbuf = NULL;
	size_t jlen = 0;
	int dfd, rc;

	if ((rc = n == 1 ? ds_check(ch, n) : drop_store_journal(ch, n, &jbuf, &jlen)) != 0) {
		fprintf(errs, "%s: cannot store the change: %s\n", dir, strerror(-rc));
		return -1;
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		fprintf(errs, "%s: cannot open the drop directory: %s\n", dir, strerror(errno));
		free(jbuf);
		return -1;
	}
	if (n == 1) {
		rc = ds_apply(dfd, dir, ch, n, errs);
		if (ds_sync_dir(dfd, dir, errs) != 0)
			rc = -1;
		close(dfd);
		return rc == 0 ? 0 : -1;
	}
	if (ds_write_file(dfd, dir, DROP_STORE_JOURNAL, jbuf, jlen, 0600, errs) != 0 ||
	    ds_sync_dir(dfd, dir, errs) != 0) {
		/* Not known to be whole: a torn journal is dropped at start. */
		unlinkat(dfd, DROP_STORE_JOURNAL, 0);
		free(jbuf);
		close(dfd);
		return -1;
	}
	free(jbuf);
	rc = ds_apply(dfd, dir, ch, n, errs);
	if (rc == -1) {
		/* Nothing was replaced: the journal goes, the drop stays. */
		unlinkat(dfd, DROP_STORE_JOURNAL, 0);
		ds_sync_dir(dfd, dir, errs);
		close(dfd);
		return -1;
	}
	if (rc == -2 || ds_sync_dir(dfd, dir, errs) != 0) {
		fprintf(errs, "%s: batch of %d changes applied in part; %s completes it at the "
		    "next start\n", dir, n, DROP_STORE_JOURNAL);
		close(dfd);
		return -1;
	}
	if (unlinkat(dfd, DROP_STORE_JOURNAL, 0) == -1) {
		fprintf(errs, "%s/%s: cannot delete: %s\n", dir, DROP_STORE_JOURNAL,
		    strerror(errno));
		close(dfd);
		return -1;	/* the batch is whole; a replay at start changes nothing */
	}
	rc = ds_sync_dir(dfd, dir, errs);
	close(dfd);
	return rc;
}

static uint32_t
ds_get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * Parses a journal of len bytes into ch (names copied into names, data
 * pointing into buf).  The number of changes, or -1 for a journal that is
 * not whole: too short, a bad magic or checksum, a length past its end.
 */
static int
ds_parse(const unsigned char *buf, size_t len, struct cfg_change **chp,
    char (**namesp)[NAME_MAX + 1])
{
	unsigned char sum[DS_SUM_LEN];
	const unsigned char *p = buf, *end;
	struct cfg_change *ch;
	char (*names)[NAME_MAX + 1];
	uint32_t n;

	if (len < DS_MAGIC_LEN + 4 + DS_SUM_LEN || memcmp(buf, DS_MAGIC, DS_MAGIC_LEN) != 0)
		return -1;
	end = buf + len - DS_SUM_LEN;
	mbedtls_sha256(buf, (size_t)(end - buf), sum, 0);
	if (memcmp(sum, end, DS_SUM_LEN) != 0)
		return -1;
	n = ds_get32(p + DS_MAGIC_LEN);
	p += DS_MAGIC_LEN + 4;
	if (n < 1 || n > DROP_STORE_BATCH_MAX)
		return -1;
	ch = calloc(n, sizeof(*ch));
	names = calloc(n, sizeof(*names));
	if (ch == NULL || names == NULL)
		goto bad;
	for (uint32_t i = 0; i < n; i++) {
		size_t nl;

		if (end - p < 3 || (p[0] != DS_OP_WRITE && p[0] != DS_OP_DELETE))
			goto bad;
		nl = (size_t)p[1] | (size_t)p[2] << 8;
		if (nl > DS_NAME_MAX || (size_t)(end - p - 3) < nl)
			goto bad;
		memcpy(names[i], p + 3, nl);
		names[i][nl] = '\0';
		if (strlen(names[i]) != nl || !ds_name_ok(names[i]))
			goto bad;
		ch[i].ch_name = names[i];
		if (p[0] == DS_OP_WRITE) {
			p += 3 + nl;
			if (end - p < 4)
				goto bad;
			ch[i].ch_len = ds_get32(p);
			p += 4;
			if (ch[i].ch_len > CFG_SET_FILE_MAX || (size_t)(end - p) < ch[i].ch_len)
				goto bad;
			ch[i].ch_data = (const char *)p;
			p += ch[i].ch_len;
		} else {
			p += 3 + nl;
		}
	}
	if (p != end)
		goto bad;
	*chp = ch;
	*namesp = names;
	return (int)n;
bad:
	free(ch);
	free(names);
	return -1;
}

/* The journal's bytes, or NULL (errno ENOENT: there is none; EFBIG: too
 * large to be one of ours). */
static unsigned char *
ds_read_journal(int dfd, size_t *len)
{
	struct stat st;
	unsigned char *buf;
	size_t got = 0;
	int fd;

	if ((fd = openat(dfd, DROP_STORE_JOURNAL, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1)
		return NULL;
	if (fstat(fd, &st) == -1) {
		int saved = errno;

		close(fd);
		errno = saved;
		return NULL;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > DROP_STORE_JOURNAL_MAX) {
		close(fd);
		errno = EFBIG;
		return NULL;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		errno = ENOMEM;
		return NULL;
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);

		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;	/* shorter than it was: parsed as it is */
		got += (size_t)r;
	}
	close(fd);
	*len = got;
	return buf;
}

/*
 * At start, before the drops of dir are read: completes a batch a power
 * cut interrupted, or drops a journal cut while it was written (nothing
 * of its batch was applied then).  DROP_STORE_CLEAN (no journal, or no
 * directory: loading it says so), DROP_STORE_COMPLETED,
 * DROP_STORE_DISCARDED, or -1 with the reason written to errs (the
 * journal is kept, so the next start tries again).
 */
int
drop_store_recover(const char *dir, FILE *errs)
{
	char (*names)[NAME_MAX + 1] = NULL;
	struct cfg_change *ch = NULL;
	unsigned char *buf;
	size_t len = 0;
	int dfd, n, rc;

	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return DROP_STORE_CLEAN;
		fprintf(errs, "%s: cannot open the drop directory: %s\n", dir, strerror(errno));
		return -1;
	}
	if ((buf = ds_read_journal(dfd, &len)) == NULL && errno == ENOENT) {
		close(dfd);
		return DROP_STORE_CLEAN;
	}
	if (buf == NULL && errno != EFBIG) {
		fprintf(errs, "%s/%s: cannot read: %s\n", dir, DROP_STORE_JOURNAL, strerror(errno));
		close(dfd);
		return -1;
	}
	n = buf == NULL ? -1 : ds_parse(buf, len, &ch, &names);
	if (n < 0) {
		free(buf);
		if (unlinkat(dfd, DROP_STORE_JOURNAL, 0) == -1) {
			fprintf(errs, "%s/%s: cannot delete: %s\n", dir, DROP_STORE_JOURNAL,
			    strerror(errno));
			close(dfd);
			return -1;
		}
		rc = ds_sync_dir(dfd, dir, errs);
		close(dfd);
		return rc == 0 ? DROP_STORE_DISCARDED : -1;
	}
	rc = ds_apply(dfd, dir, ch, n, errs);
	free(ch);
	free(names);
	free(buf);
	if (rc != 0 || ds_sync_dir(dfd, dir, errs) != 0 ||
	    unlinkat(dfd, DROP_STORE_JOURNAL, 0) == -1 || ds_sync_dir(dfd, dir, errs) != 0) {
		fprintf(errs, "%s: the interrupted batch in %s is not complete yet\n", dir,
		    DROP_STORE_JOURNAL);
		close(dfd);
		return -1;
	}
	close(dfd);
	return DROP_STORE_COMPLETED;
}
