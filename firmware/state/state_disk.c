/*
 * The state disk (state_disk.h, format in state_disk-t.h): finding it,
 * formatting an empty one, loading its newest slot, committing changes.
 *
 * Writes are buffered pwrite()s followed by fdatasync(): on a block
 * device that writes the page cache out and then asks the device to
 * flush its own write cache (a virtual disk's host cache too, when the
 * hypervisor honours flushes, as QEMU does).  O_DIRECT would add nothing
 * to durability (it bypasses the page cache, not the device's cache, so
 * the flush is needed anyway) and would need aligned buffers and lengths.
 * The order that matters is that a commit is complete and synced before
 * the caller applies it; a torn commit is caught by its sha256.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>	/* BLKGETSIZE64 */
#include <sys/stat.h>
#include <unistd.h>

#include "drop_store.h"
#include "log.h"
#include "state_disk.h"

#define STATE_SYS_BLOCK		"/sys/class/block"
/* Disks looked at: more than a VM has. */
#define STATE_MAX_DISKS		64

/* What a disk holds, as far as the state disk is concerned. */
enum state_probe {
	STATE_PROBE_OURS = 0,		/* a valid superblock */
	STATE_PROBE_EMPTY,		/* zero at its start and end: may be formatted */
	STATE_PROBE_FOREIGN,		/* anything else: never written */
	STATE_PROBE_DAMAGED,		/* our magic, but a bad superblock */
	STATE_PROBE_ERROR,		/* could not be read */
};

/* The one state disk of PID 1 (state_disk.h says why file-static). */
static struct state_disk {
	int			sd_fd;		/* -1: none attached */
	char			sd_dev[PATH_MAX];
	struct state_super	sd_sb;
	struct state_overlay	sd_ov;		/* the newest state */
	int			sd_newest;	/* slot holding it; -1: none yet */
} sd = { .sd_fd = -1, .sd_newest = -1 };

static int
dev_size(int fd, uint64_t *size)
{
	struct stat st;

	if (fstat(fd, &st) == -1)
		return -1;
	if (S_ISREG(st.st_mode)) {
		*size = (uint64_t)st.st_size;
		return 0;
	}
	return ioctl(fd, BLKGETSIZE64, size);
}

static int
read_at(int fd, void *buf, size_t len, uint64_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t r = pread(fd, (char *)buf + got, len - got, (off_t)(off + got));

		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EIO;	/* short: past the end */
			return -1;
		}
		got += (size_t)r;
	}
	return 0;
}

static int
write_at(int fd, const void *buf, size_t len, uint64_t off)
{
	size_t put = 0;

	while (put < len) {
		ssize_t w = pwrite(fd, (const char *)buf + put, len - put, (off_t)(off + put));

		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return -1;
		}
		put += (size_t)w;
	}
	return 0;
}

static int
zero_at(int fd, uint64_t off, size_t len, uint8_t *buf)
{
	if (read_at(fd, buf, len, off) == -1)
		return -1;
	for (size_t i = 0; i < len; i++)
		if (buf[i] != 0)
			return 0;
	return 1;
}

static int
all_zero_sb(const uint8_t *sb)
{
	for (size_t i = 0; i < STATE_SB_SIZE; i++)
		if (sb[i] != 0)
			return 0;
	return 1;
}

/* What dev holds; *ss filled for STATE_PROBE_OURS. */
static enum state_probe
state_probe_fd(const char *dev, int fd, struct state_super *ss)
{
	uint8_t *buf;
	uint64_t size;
	char why[128];
	int rc;

	if (dev_size(fd, &size) == -1) {
		log_warn("state disk: %s: size", dev);
		return STATE_PROBE_ERROR;
	}
	if (size < STATE_SB_SIZE)
		return STATE_PROBE_FOREIGN;
	buf = malloc(STATE_EMPTY_CHECK);
	if (buf == NULL) {
		log_warnx("state disk: %s: out of memory", dev);
		return STATE_PROBE_ERROR;
	}
	if (read_at(fd, buf, STATE_SB_SIZE, 0) == -1) {
		log_warn("state disk: %s: read", dev);
		free(buf);
		return STATE_PROBE_ERROR;
	}
	rc = state_super_parse(buf, STATE_SB_SIZE, size, ss, why, sizeof(why));
	if (rc != 0) {
		free(buf);
		if (rc == 1)
			return STATE_PROBE_OURS;
		log_warnx("state disk: %s: labelled %s but damaged: %s; not touched "
		    "(zero its first MiB to have it formatted again)", dev, STATE_LABEL, why);
		return STATE_PROBE_DAMAGED;
	}
	if (size < STATE_DISK_MIN || size < 2 * (uint64_t)STATE_EMPTY_CHECK) {
		if (all_zero_sb(buf))
			log_info("state disk: %s: empty but too small for a state disk (%llu "
			    "bytes, at least %d): not used", dev, (unsigned long long)size,
			    STATE_DISK_MIN);
		free(buf);
		return STATE_PROBE_FOREIGN;
	}
	rc = zero_at(fd, 0, STATE_EMPTY_CHECK, buf);
	if (rc == 1)
		rc = zero_at(fd, size - STATE_EMPTY_CHECK, STATE_EMPTY_CHECK, buf);
	free(buf);
	if (rc == -1) {
		log_warn("state disk: %s: read", dev);
		return STATE_PROBE_ERROR;
	}
	return rc == 1 ? STATE_PROBE_EMPTY : STATE_PROBE_FOREIGN;
}

/* Zeroes both slot headers, then writes the superblock, each synced: a
 * format cut short leaves a disk that is still empty, or formatted with
 * no state. */
static int
state_format(const char *dev, int fd)
{
	uint8_t sb[STATE_SB_SIZE], zero[STATE_ALIGN];
	struct state_super ss;
	uint64_t size;

	if (dev_size(fd, &size) == -1 || state_super_layout(size, &ss) == -1) {
		log_warnx("state disk: %s: %llu bytes, too small for a state disk (at least %d)",
		    dev, (unsigned long long)size, STATE_DISK_MIN);
		return -1;
	}
	memset(zero, 0, sizeof(zero));
	if (write_at(fd, zero, sizeof(zero), ss.ss_slot_off[0]) == -1 ||
	    write_at(fd, zero, sizeof(zero), ss.ss_slot_off[1]) == -1 || fdatasync(fd) == -1) {
		log_warn("state disk: %s: format", dev);
		return -1;
	}
	state_super_build(sb, &ss);
	if (write_at(fd, sb, sizeof(sb), 0) == -1 || fdatasync(fd) == -1) {
		log_warn("state disk: %s: format: superblock", dev);
		return -1;
	}
	log_info("state disk: %s was empty: formatted as %s (%llu bytes, two slots of %llu)",
	    dev, STATE_LABEL, (unsigned long long)size, (unsigned long long)ss.ss_slot_size);
	return 0;
}

/* Reads both slots and keeps the valid one with the higher sequence.
 * Neither valid: with one never written, the first commit was cut short
 * (nothing was committed before it); with both written, -1: that is
 * damage, not a torn commit, as a commit only ever writes the slot that
 * is not the newest. */
static int
state_load(const char *dev, int fd, const struct state_super *ss)
{
	struct state_overlay ov[2];
	int rc[2], best = -1;
	char why[2][128];
	uint8_t *buf;

	buf = malloc(ss->ss_slot_size);
	if (buf == NULL) {
		log_warnx("state disk: %s: out of memory", dev);
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		if (read_at(fd, buf, ss->ss_slot_size, ss->ss_slot_off[i]) == -1) {
			log_warn("state disk: %s: read slot %c", dev, 'A' + i);
			if (i == 1)
				state_overlay_free(&ov[0]);
			free(buf);
			return -1;
		}
		rc[i] = state_slot_parse(buf, ss->ss_slot_size, &ov[i], why[i], sizeof(why[i]));
		if (rc[i] == 0 && (best == -1 || ov[i].so_seq > ov[best].so_seq))
			best = i;
	}
	free(buf);
	for (int i = 0; i < 2; i++) {
		if (rc[i] == -1)
			log_warnx("state disk: %s: slot %c: %s: ignored (the other slot holds the "
			    "state)", dev, 'A' + i, why[i]);
		if (i != best)
			state_overlay_free(&ov[i]);
	}
	if (best == -1 && rc[0] == -1 && rc[1] == -1) {
		log_warnx("state disk: %s: no valid slot: its state is lost; not touched", dev);
		return -1;
	}
	state_overlay_free(&sd.sd_ov);
	sd.sd_newest = best;
	if (best == -1) {
		memset(&sd.sd_ov, 0, sizeof(sd.sd_ov));
		log_info("state disk: %s: nothing committed yet%s", dev, rc[0] == -1 ||
		    rc[1] == -1 ? " (the first commit was cut short)" : "");
	} else {
		sd.sd_ov = ov[best];
		log_info("state disk: %s: state %llu from slot %c: %d file%s and deletion%s", dev,
		    (unsigned long long)sd.sd_ov.so_seq, 'A' + best, sd.sd_ov.so_n,
		    sd.sd_ov.so_n == 1 ? "" : "s", sd.sd_ov.so_n == 1 ? "" : "s");
	}
	return 0;
}

void
state_disk_detach(void)
{
	if (sd.sd_fd != -1)
		close(sd.sd_fd);
	sd.sd_fd = -1;
	sd.sd_newest = -1;
	sd.sd_dev[0] = '\0';
	state_overlay_free(&sd.sd_ov);
	memset(&sd.sd_ov, 0, sizeof(sd.sd_ov));
}

int
state_disk_attached(void)
{
	return sd.sd_fd != -1;
}

const struct state_overlay *
state_disk_current(void)
{
	return &sd.sd_ov;
}

static int
state_open(const char *dev)
{
	/* O_EXCL: a block device in use (mounted) is not opened. */
	int fd = open(dev, O_RDWR | O_EXCL | O_CLOEXEC);

	if (fd == -1 && errno == EINVAL)	/* a regular file: O_EXCL needs O_CREAT */
		fd = open(dev, O_RDWR | O_CLOEXEC);
	return fd;
}

/* Attaches fd (of dev, probed as p): loads it, formatting it first if
 * empty.  Takes fd. */
static int
state_attach_fd(const char *dev, int fd, enum state_probe p, struct state_super *ss)
{
	if (p == STATE_PROBE_EMPTY) {
		if (state_format(dev, fd) == -1 ||
		    state_probe_fd(dev, fd, ss) != STATE_PROBE_OURS) {
			close(fd);
			return -1;
		}
	}
	state_disk_detach();
	if (state_load(dev, fd, ss) == -1) {
		close(fd);
		return -1;
	}
	sd.sd_fd = fd;
	sd.sd_sb = *ss;
	snprintf(sd.sd_dev, sizeof(sd.sd_dev), "%s", dev);
	log_info("state disk: %s attached: API changes are kept on it", dev);
	return 0;
}

int
state_disk_attach_path(const char *dev)
{
	struct state_super ss;
	enum state_probe p;
	int fd;

	fd = state_open(dev);
	if (fd == -1) {
		log_warn("state disk: %s", dev);
		return -1;
	}
	p = state_probe_fd(dev, fd, &ss);
	if (p == STATE_PROBE_OURS || p == STATE_PROBE_EMPTY)
		return state_attach_fd(dev, fd, p, &ss);
	close(fd);
	if (p == STATE_PROBE_FOREIGN) {
		log_info("state disk: %s holds something else: not touched", dev);
		return 1;
	}
	return -1;
}

/* A whole disk that may be written: not a partition, not read-only. */
static int
state_disk_candidate(const char *name)
{
	char path[PATH_MAX], ro[4] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/partition", STATE_SYS_BLOCK, name);
	if (access(path, F_OK) == 0)
		return 0;
	snprintf(path, sizeof(path), "%s/%s/ro", STATE_SYS_BLOCK, name);
	f = fopen(path, "re");
	if (f != NULL) {
		if (fgets(ro, sizeof(ro), f) == NULL)
			ro[0] = '\0';
		fclose(f);
	}
	return ro[0] == '0';
}

static int
name_filter(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

int
state_disk_attach(void)
{
	char dev[PATH_MAX], empty[PATH_MAX] = "";
	struct dirent **names;
	struct state_super ss;
	int n, rc = 1, damaged = 0, ours = -1, fd_ours = -1;

	n = scandir(STATE_SYS_BLOCK, &names, name_filter, alphasort);
	if (n == -1) {
		log_warn("state disk: %s", STATE_SYS_BLOCK);
		return -1;
	}
	for (int i = 0; i < n && i < STATE_MAX_DISKS; i++) {
		enum state_probe p;
		struct state_super s;
		int fd;

		if (!state_disk_candidate(names[i]->d_name))
			continue;
		snprintf(dev, sizeof(dev), "/dev/%s", names[i]->d_name);
		fd = state_open(dev);
		if (fd == -1)
			continue;	/* busy (mounted) or no medium: not ours */
		p = state_probe_fd(dev, fd, &s);
		if (p == STATE_PROBE_OURS && ours == -1) {
			ours = i;
			fd_ours = fd;
			ss = s;
			continue;
		}
		close(fd);
		if (p == STATE_PROBE_OURS)
			log_warnx("state disk: %s is labelled %s too: left out (using /dev/%s)",
			    dev, STATE_LABEL, names[ours]->d_name);
		else if (p == STATE_PROBE_DAMAGED)
			damaged++;
		else if (p == STATE_PROBE_EMPTY && empty[0] == '\0')
			snprintf(empty, sizeof(empty), "%s", dev);
		else if (p == STATE_PROBE_EMPTY)
			log_info("state disk: %s is empty too: left alone (formatting %s)", dev,
			    empty);
	}
	if (ours != -1) {
		snprintf(dev, sizeof(dev), "/dev/%s", names[ours]->d_name);
		if (empty[0] != '\0')
			log_info("state disk: %s is empty: left alone (%s is labelled %s)", empty,
			    dev, STATE_LABEL);
		rc = state_attach_fd(dev, fd_ours, STATE_PROBE_OURS, &ss);
	} else if (damaged > 0) {
		/* A damaged state disk might be the one: formatting another would
		 * hide that its changes are gone. */
		rc = -1;
	} else if (empty[0] != '\0') {
		rc = state_disk_attach_path(empty);
	}
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (rc == 1)
		log_info("no state disk: API changes last until reboot (attach an empty disk "
		    "of at least %d MiB to keep them)", (STATE_DISK_MIN + (1 << 20) - 1) >> 20);
	return rc;
}

int
state_disk_commit(const struct cfg_change *ch, int n, FILE *errs)
{
	struct state_overlay next;
	int slot;
	uint8_t *buf;
	size_t len;

	if (sd.sd_fd == -1)
		return 1;
	if (state_overlay_merge(&sd.sd_ov, ch, n, &next, errs) == -1)
		return -1;
	if (sd.sd_ov.so_seq == UINT64_MAX) {
		fprintf(errs, "state disk: %s: sequence numbers used up\n", sd.sd_dev);
		goto fail;
	}
	next.so_seq = sd.sd_ov.so_seq + 1;
	len = state_slot_len(&next);
	if (len > sd.sd_sb.ss_slot_size) {
		fprintf(errs, "state disk: %s: the state with this change takes %zu bytes, a slot "
		    "holds %llu: refused\n", sd.sd_dev, len,
		    (unsigned long long)sd.sd_sb.ss_slot_size);
		goto fail;
	}
	buf = malloc(len);
	if (buf == NULL) {
		fprintf(errs, "state disk: out of memory\n");
		goto fail;
	}
	state_slot_build(&next, buf, len);
	slot = sd.sd_newest == 0 ? 1 : 0;
	if (write_at(sd.sd_fd, buf, len, sd.sd_sb.ss_slot_off[slot]) == -1 ||
	    fdatasync(sd.sd_fd) == -1) {
		fprintf(errs, "state disk: %s: write slot %c: %s\n", sd.sd_dev, 'A' + slot,
		    strerror(errno));
		free(buf);
		goto fail;
	}
	free(buf);
	state_overlay_free(&sd.sd_ov);
	sd.sd_ov = next;
	sd.sd_newest = slot;
	log_info("state disk: state %llu committed to slot %c (%d file%s and deletion%s, %zu "
	    "bytes)", (unsigned long long)next.so_seq, 'A' + slot, next.so_n,
	    next.so_n == 1 ? "" : "s", next.so_n == 1 ? "" : "s", len);
	return 0;
fail:
	state_overlay_free(&next);
	return -1;
}

int
state_disk_overlay(const char *dropdir)
{
	const struct state_overlay *ov = &sd.sd_ov;
	const char *names[1];
	int written = 0;

	for (int i = 0; i < ov->so_n; i++) {
		const struct state_entry *e = &ov->so_ent[i];
		struct cfg_change ch = { e->se_name, e->se_deleted ? NULL : (const char *)e->se_data,
		    e->se_len };

		names[0] = e->se_name;
		if (drop_store_commit(dropdir, &ch, 1, stderr) == -1 ||
		    state_sources_update(dropdir, names, 1,
		    e->se_deleted ? NULL : STATE_SRC_STATE_DISK) == -1)
			return -1;
		if (e->se_deleted) {
			log_info("drop %s deleted by the state disk", e->se_name);
		} else {
			log_info("drop %s from the state disk", e->se_name);
			written++;
		}
	}
	return written;
}

int
state_disk_persist(const char *dropdir, const struct cfg_change *ch, int n, FILE *errs)
{
	const char *names[1];
	int rc;

	/* Attached, state_disk_commit checks the names (state_overlay_merge). */
	for (int i = 0; i < n && !state_disk_attached(); i++) {
		if (!state_name_ok(ch[i].ch_name)) {
			fprintf(errs, "drops: a file name not taken (NAME.ini, NAME.pem)\n");
			return -1;
		}
	}
	rc = state_disk_commit(ch, n, errs);
	if (rc == -1)
		return -1;
	/* Committed (or no state disk): the directory follows, as one step.
	 * An error here is reported; with a state disk, the next boot has
	 * the change right. */
	if (drop_store_commit(dropdir, ch, n, errs) == -1)
		return -1;
	for (int i = 0; i < n && rc == 0; i++) {
		names[0] = ch[i].ch_name;
		state_sources_update(dropdir, names, 1,
		    ch[i].ch_data == NULL ? NULL : STATE_SRC_STATE_DISK);
	}
	return rc;
}
