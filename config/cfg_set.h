/*
 * A drop set: the drop files of a directory read into memory, so that a
 * change (a file written, replaced or deleted through the management API)
 * can be validated together with every other drop before anything on disk
 * changes, with the same file:line messages as a drop read from disk.
 */
#ifndef PRIVLINK_CFG_SET_H
#define PRIVLINK_CFG_SET_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cfg-t.h"

/* A drop file read whole: larger is surely not a drop. */
#define CFG_SET_FILE_MAX	(1024 * 1024)

struct cfg_file {
	char		*cf_name;		/* NAME.ini, no directory */
	char		*cf_data;		/* its bytes (NUL after cf_len) */
	size_t		cf_len;
	uint8_t		cf_sha256[32];
};

/* Files in byte order of their names, as cfg_load_dir reads them. */
struct cfg_set {
	struct cfg_file	*cs_files;
	int		cs_n;
};

/* One file change: ch_data NULL deletes ch_name. */
struct cfg_change {
	const char	*ch_name;
	const char	*ch_data;
	size_t		ch_len;
};

/* Reads dir's drop files into set (emptied first); files that cannot be
 * taken are reported to errs and left out.  The number of errors; free
 * set with cfg_set_free whatever it is. */
int cfg_set_read(struct cfg_set *set, const char *dir, FILE *errs);
/* Applies n changes in order, all or nothing: 0, or -EINVAL (not a drop
 * file name), -EFBIG (over CFG_SET_FILE_MAX), -ENOENT (deleting a name
 * the set does not hold: 404), -ENOMEM, with set unchanged. */
int cfg_set_change(struct cfg_set *set, const struct cfg_change *ch, int n);
/* The file of that exact name, or NULL. */
const struct cfg_file *cfg_set_find(const struct cfg_set *set, const char *name);
/* Parses set as cfg_load_dir parses dir (cfg_load.c), messages naming
 * "DIR/NAME"; running as for cfg_load_dir_running, or NULL.  The number
 * of errors. */
int cfg_load_set(struct pl_config *cfg, const char *dir, const struct cfg_set *set,
    const struct pl_config *running, FILE *errs);
/* SHA-256 over each file's name, a NUL and its cf_sha256, in order. */
void cfg_set_digest(const struct cfg_set *set, uint8_t out[32]);
void cfg_set_free(struct cfg_set *set);

#endif
