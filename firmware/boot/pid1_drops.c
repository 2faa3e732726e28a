/*
 * Where the image's drops come from, in this order, a later file replacing
 * an earlier one of the same name:
 *   1. a config drive: a FAT file system labelled PRIVLINK (whole disk or a
 *      partition), mounted read-only; its top-level *.ini files and the
 *      PEM files the drops name (NAME.pem: [management] client_ca ...),
 *   2. QEMU fw_cfg entries named opt/privlink/NAME.ini (or NAME.pem),
 *   3. the state disk (state_disk.c): what the management API changed,
 *      files and deletions, so that API changes win.
 * The image holds no drop of its own: it serves only what its operator
 * gave it.  The files are copied into a tmpfs directory that privlinkd
 * then serves, and DROPS_DIR/.sources says where each came from.  Each
 * file's source is logged, since error messages name the copy.  A drop
 * file that cannot be taken (a refused name, a read error, too large)
 * refuses the whole drop, and so do a state disk that cannot be read and
 * finding no drop at all: nothing is served (pid1.c says so on the
 * console).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfg.h"
#include "log.h"
#include "pid1.h"
#include "state_disk.h"

#define DROPS_RUN	"/run/privlink"
#define DROPS_DIR	DROPS_RUN "/drops"
#define DROPS_MNT	DROPS_RUN "/config-drive"
#define DROPS_FWCFG	"/sys/firmware/qemu_fw_cfg/by_name/opt/privlink"
#define DROPS_MAX_FILE	(1024 * 1024)

/* What the sources gave: files taken, files that could not be. */
struct drops_count {
	int	dc_taken;
	int	dc_errors;
};

/* Copies src to DROPS_DIR/name and records its source (kind, for
 * .sources).  -1 after reporting an error. */
static int
drops_copy(const char *src, const char *name, const char *source, const char *kind)
{
	static char buf[DROPS_MAX_FILE];
	char dst[PATH_MAX];
	size_t len = 0;
	ssize_t r;
	int in, out;

	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in == -1) {
		log_warn("drops: %s", src);
		return -1;
	}
	while (len < sizeof(buf) && (r = read(in, buf + len, sizeof(buf) - len)) != 0) {
		if (r == -1) {
			if (errno == EINTR)
				continue;
			log_warn("drops: read %s", src);
			close(in);
			return -1;
		}
		len += (size_t)r;
	}
	close(in);
	if (len == sizeof(buf)) {
		log_warnx("drops: %s: larger than %d bytes: left out", src, DROPS_MAX_FILE);
		return -1;
	}
	snprintf(dst, sizeof(dst), "%s/%s", DROPS_DIR, name);
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out == -1 || write(out, buf, len) != (ssize_t)len) {
		log_warn("drops: write %s", dst);
		if (out != -1)
			close(out);
		return -1;
	}
	close(out);
	if (state_sources_update(DROPS_DIR, &name, 1, kind) == -1)
		return -1;
	log_info("drop %s from %s", name, source);
	return 0;
}

/*
 * Is name meant as a drop file?  Every fw_cfg entry under opt/privlink is
 * (the operator named each so, a hidden one too); on a config drive, a
 * name ending in .ini or .pem in any case (FAT may show NAME.INI): other
 * files there (a README, "System Volume Information") are not part of it.
 */
static int
drops_is_drop(const char *name, int all)
{
	size_t n = strlen(name);

	return all || (n > 4 && (strcasecmp(name + n - 4, ".ini") == 0 ||
	    strcasecmp(name + n - 4, ".pem") == 0));
}

/* Copies every drop file of dir (fw_cfg: dir/NAME/raw), in name order,
 * into DROPS_DIR, counting them in *dc. */
static void
drops_copy_dir(const char *dir, const char *leaf, const char *source, const char *kind,
    int all, struct drops_count *dc)
{
	char src[PATH_MAX];
	struct dirent **names;
	int n;

	n = scandir(dir, &names, NULL, alphasort);
	if (n == -1) {
		log_warn("drops: %s", dir);
		dc->dc_errors++;
		return;
	}
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;

		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
		    (name[0] == '.' && !all)) {
			/* a config drive's hidden files are no drops */
		} else if (!drops_is_drop(name, all)) {
			log_info("drops: %s: %s: not a drop file (NAME.ini, NAME.pem): not read",
			    source, name);
		} else if (!cfg_drop_name_ok(name) && !cfg_pem_name_ok(name)) {
			/* Left out, it could leave open what it closes. */
			log_warnx("drops: %s: %s: not a drop file name: NAME.ini or NAME.pem of "
			    "letters, digits, '.', '_' and '-'", source, name);
			dc->dc_errors++;
		} else {
			snprintf(src, sizeof(src), "%s/%s%s", dir, name, leaf);
			if (drops_copy(src, name, source, kind) == 0)
				dc->dc_taken++;
			else
				dc->dc_errors++;
		}
		free(names[i]);
	}
	free(names);
}

/* Is the block device dev a FAT file system labelled PRIVLINK?  The
 * label is in the boot sector: offset 43 for FAT12/16, 71 for FAT32, each
 * after an extended boot signature 0x29 and followed by the type "FAT". */
static int
drops_is_config_drive(const char *dev)
{
	unsigned char bs[512];
	char label[12];
	int fd, off = -1;
	ssize_t n;

	fd = open(dev, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return 0;
	n = pread(fd, bs, sizeof(bs), 0);
	close(fd);
	if (n != (ssize_t)sizeof(bs) || bs[510] != 0x55 || bs[511] != 0xaa)
		return 0;
	if (bs[66] == 0x29 && memcmp(bs + 82, "FAT32", 5) == 0)
		off = 71;
	else if (bs[38] == 0x29 && memcmp(bs + 54, "FAT1", 4) == 0)
		off = 43;
	if (off < 0)
		return 0;
	memcpy(label, bs + off, 11);
	label[11] = '\0';
	for (int i = 10; i >= 0 && label[i] == ' '; i--)
		label[i] = '\0';
	for (char *p = label; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	return strcmp(label, PID1_CONFIG_LABEL) == 0;
}

/* Finds the config drive among the block devices; the first one found is
 * used (in /sys/class/block order) and any other is reported. */
static void
drops_config_drive(struct drops_count *dc)
{
	char dev[PATH_MAX], found[PATH_MAX] = "", source[PATH_MAX + 32];
	struct dirent *d;
	DIR *dp;

	dp = opendir("/sys/class/block");
	if (dp == NULL) {
		log_warn("drops: /sys/class/block");
		dc->dc_errors++;
		return;
	}
	while ((d = readdir(dp)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(dev, sizeof(dev), "/dev/%s", d->d_name);
		if (!drops_is_config_drive(dev))
			continue;
		if (found[0] == '\0')
			snprintf(found, sizeof(found), "%s", dev);
		else
			log_warnx("drops: %s is labelled %s too: left out (using %s)",
			    dev, PID1_CONFIG_LABEL, found);
	}
	closedir(dp);
	if (found[0] == '\0') {
		log_info("drops: no config drive (a FAT file system labelled %s)",
		    PID1_CONFIG_LABEL);
		return;
	}
	if (mkdir(DROPS_MNT, 0755) == -1 && errno != EEXIST) {
		log_warn("drops: mkdir %s", DROPS_MNT);
		dc->dc_errors++;
		return;
	}
	if (mount(found, DROPS_MNT, "vfat", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
	    "shortname=mixed") == -1) {
		log_warn("drops: mount config drive %s", found);
		dc->dc_errors++;
		return;
	}
	snprintf(source, sizeof(source), "config drive %s", found);
	drops_copy_dir(DROPS_MNT, "", source, STATE_SRC_CONFIG_DRIVE, 0, dc);
	if (umount(DROPS_MNT) == -1)
		log_warn("drops: umount %s", DROPS_MNT);
}

const char *
pid1_drops(void)
{
	struct drops_count dc = { 0, 0 };
	struct stat st;

	if ((mkdir(DROPS_RUN, 0755) == -1 && errno != EEXIST) ||
	    (mkdir(DROPS_DIR, 0755) == -1 && errno != EEXIST)) {
		log_warn("drops: mkdir %s", DROPS_DIR);
		return NULL;
	}
	drops_config_drive(&dc);
	if (stat(DROPS_FWCFG, &st) == 0)
		drops_copy_dir(DROPS_FWCFG, "/raw", "fw_cfg", STATE_SRC_FW_CFG, 1, &dc);
	/* After the others, so that the management API's changes win. */
	if (dc.dc_errors == 0) {
		int rc = state_disk_attach();

		if (rc == 0)
			rc = state_disk_overlay(DROPS_DIR);
		if (rc == -1) {
			/* Serving without the API's changes could open what
			 * one closed (a Rejected endpoint). */
			log_warnx("drops: the state disk could not be read");
			dc.dc_errors++;
		} else if (state_disk_attached()) {
			dc.dc_taken += rc;
		}
	}
	if (dc.dc_errors != 0) {
		/* A drop that could not be taken whole must not be served in
		 * part: serving less than told could open what it closes. */
		log_warnx("drops: %d file%s could not be taken: the whole drop is refused",
		    dc.dc_errors, dc.dc_errors == 1 ? "" : "s");
		return NULL;
	}
	if (dc.dc_taken == 0) {
		log_warnx("drops: none (the image has none of its own): give it a config "
		    "drive labelled %s or fw_cfg entries opt/privlink/NAME.ini",
		    PID1_CONFIG_LABEL);
		return NULL;
	}
	return DROPS_DIR;
}
