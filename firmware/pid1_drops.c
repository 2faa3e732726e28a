/*
 * Where the image's drops come from, in this order, a later file replacing
 * an earlier one of the same name:
 *   1. the drop built into the initramfs (/etc/privlink/drops),
 *   2. a config drive: a FAT file system labelled PRIVLINK (whole disk or a
 *      partition), mounted read-only; its top-level *.ini files,
 *   3. QEMU fw_cfg entries named opt/privlink/NAME.ini.
 * They are copied into a tmpfs directory that privlinkd then serves.  Each
 * file's source is logged, since error messages name the copy.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "pid1.h"

#define DROPS_BUILTIN	"/etc/privlink/drops"
#define DROPS_RUN	"/run/privlink"
#define DROPS_DIR	DROPS_RUN "/drops"
#define DROPS_MNT	DROPS_RUN "/config-drive"
#define DROPS_FWCFG	"/sys/firmware/qemu_fw_cfg/by_name/opt/privlink"
#define DROPS_MAX_FILE	(1024 * 1024)

/* A drop file name: NAME.ini of letters, digits, '.', '_', '-', not
 * starting with a dot (so no path tricks from a disk or fw_cfg). */
static int
drops_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n <= 4 || name[0] == '.' || strcmp(name + n - 4, ".ini") != 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && strchr("._-", name[i]) == NULL)
			return 0;
	return 1;
}

/* Copies src to DROPS_DIR/name.  -1 after reporting an error. */
static int
drops_copy(const char *src, const char *name, const char *source)
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
	log_info("drop %s from %s", name, source);
	return 0;
}

/* Copies every drop file of dir (fw_cfg: dir/NAME/raw), in name order.
 * Returns how many files failed. */
static int
drops_copy_dir(const char *dir, const char *leaf, const char *source)
{
	char src[PATH_MAX];
	struct dirent **names;
	int errors = 0, n;

	n = scandir(dir, &names, NULL, alphasort);
	if (n == -1) {
		log_warn("drops: %s", dir);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;

		if (name[0] == '.') {
			/* . and .., and hidden files are no drops */
		} else if (!drops_name_ok(name)) {
			log_warnx("drops: %s/%s: not a drop file name (NAME.ini): left out",
			    dir, name);
		} else {
			snprintf(src, sizeof(src), "%s/%s%s", dir, name, leaf);
			if (drops_copy(src, name, source) != 0)
				errors++;
		}
		free(names[i]);
	}
	free(names);
	return errors;
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
static int
drops_config_drive(void)
{
	char dev[PATH_MAX], found[PATH_MAX] = "", source[PATH_MAX + 32];
	struct dirent *d;
	int errors;
	DIR *dp;

	dp = opendir("/sys/class/block");
	if (dp == NULL) {
		log_warn("drops: /sys/class/block");
		return 1;
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
		return 0;
	}
	if (mkdir(DROPS_MNT, 0755) == -1 && errno != EEXIST) {
		log_warn("drops: mkdir %s", DROPS_MNT);
		return 1;
	}
	if (mount(found, DROPS_MNT, "vfat", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
	    "shortname=mixed") == -1) {
		log_warn("drops: mount config drive %s", found);
		return 1;
	}
	snprintf(source, sizeof(source), "config drive %s", found);
	errors = drops_copy_dir(DROPS_MNT, "", source);
	if (umount(DROPS_MNT) == -1)
		log_warn("drops: umount %s", DROPS_MNT);
	return errors;
}

const char *
pid1_drops(void)
{
	struct stat st;
	int errors = 0;

	if ((mkdir(DROPS_RUN, 0755) == -1 && errno != EEXIST) ||
	    (mkdir(DROPS_DIR, 0755) == -1 && errno != EEXIST)) {
		log_warn("drops: mkdir %s", DROPS_DIR);
		return NULL;
	}
	if (stat(DROPS_BUILTIN, &st) == 0)
		errors += drops_copy_dir(DROPS_BUILTIN, "", "the image");
	errors += drops_config_drive();
	if (stat(DROPS_FWCFG, &st) == 0)
		errors += drops_copy_dir(DROPS_FWCFG, "/raw", "fw_cfg");
	if (errors != 0) {
		/* A drop that could not be read whole must not be served in
		 * part: serving less than told could open what it closes. */
		log_warnx("drops: %d file%s could not be read", errors, errors == 1 ? "" : "s");
		return NULL;
	}
	return DROPS_DIR;
}
