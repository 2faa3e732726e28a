/*
 * The state disk of the appliance image (PID-1 mode): where management-API
 * changes are kept across reboots and power cuts.  state_disk-t.h has the
 * on-disk format.
 *
 * Boot (pid1_drops.c): the config drive and fw_cfg are copied into the
 * drop directory, then state_disk_attach() finds the state disk (formatting
 * an empty one) and loads its newest valid slot, and state_disk_overlay()
 * writes its entries over the copies (API changes win) and records in
 * DROPDIR/.sources where each file came from.
 *
 * A change (the management API, after validating it): state_disk_persist()
 * commits the whole overlay with the change to the disk and then writes the
 * change into the drop directory.
 *
 * DROPDIR/.sources: one line per file of the drop directory, in name
 * order, "NAME<TAB>SOURCE\n", SOURCE one of "config-drive", "fw_cfg",
 * "state-disk" (GET /v1/drops shows it).  A hidden file, so no drop.
 *
 * One state disk per process: it is PID 1's (file-static state, as there
 * is one disk and the loop's struct is not there yet at boot).
 */
#ifndef PRIVLINK_STATE_DISK_H
#define PRIVLINK_STATE_DISK_H

#include <stdio.h>
#include <sys/types.h>

#include "cfg_set.h"
#include "state_disk-t.h"

/* --- the state disk (state_disk.c) --- */

/* Finds the state disk among /sys/class/block's whole disks: the first
 * one labelled (sorted by name), else the first empty one, formatted
 * (logged).  A disk holding anything else is never written.  0 attached,
 * 1 none (logged: "no state disk: API changes last until reboot"), -1 a
 * labelled disk could not be read or is damaged (logged). */
int state_disk_attach(void);
/* The same for one device (or a regular file: the unit test): 0 attached
 * (loaded, or formatted if empty), 1 not a state disk and not empty (left
 * untouched), -1 error (logged). */
int state_disk_attach_path(const char *dev);
int state_disk_attached(void);
/* Writes each entry into dropdir (a tombstone unlinks) and records the
 * sources.  Files written, or -1 after logging. */
int state_disk_overlay(const char *dropdir);
/* Merges ch[0..n) into the overlay and writes it to the other slot,
 * synced.  0 committed, 1 no state disk attached (nothing done), -1
 * refused or failed with a message on errs (the overlay and the disk's
 * newest state unchanged). */
int state_disk_commit(const struct cfg_change *ch, int n, FILE *errs);
/* state_disk_commit, then the change into dropdir as one step
 * (drop_store_commit: fsync, rename, a journal for several files) and,
 * committed, .sources.  0 durable on the state disk, 1 no state disk (in
 * dropdir only: on a host, that is where it lasts), -1 nothing changed
 * (errs says). */
int state_disk_persist(const char *dropdir, const struct cfg_change *ch, int n, FILE *errs);
/* The in-memory overlay (read only), and forgetting it (the unit test). */
const struct state_overlay *state_disk_current(void);
void state_disk_detach(void);

/* --- the format (state_disk_fmt.c): pure functions over bytes --- */

/* 1 a valid superblock (in *ss) for a device of devsize bytes, 0 no
 * STATE_LABEL magic, -1 the magic but damaged (why says how). */
int state_super_parse(const uint8_t *sb, size_t len, uint64_t devsize, struct state_super *ss,
    char *why, size_t whylen);
void state_super_build(uint8_t sb[static STATE_SB_SIZE], const struct state_super *ss);
/* The layout for a device of devsize bytes: -1 if too small. */
int state_super_layout(uint64_t devsize, struct state_super *ss);
/* A slot of len bytes: 0 valid (into *ov, which the caller frees), 1
 * all-zero header (never written), -1 invalid (why says how). */
int state_slot_parse(const uint8_t *buf, size_t len, struct state_overlay *ov, char *why,
    size_t whylen);
/* The bytes ov takes in a slot, header included. */
size_t state_slot_len(const struct state_overlay *ov);
/* Writes ov with its so_seq into buf: the length, or 0 if over cap. */
size_t state_slot_build(const struct state_overlay *ov, uint8_t *buf, size_t cap);
/* out = base with ch applied (a file written or a tombstone; a name not
 * taken refused): 0, or -1 with a message on errs. */
int state_overlay_merge(const struct state_overlay *base, const struct cfg_change *ch, int n,
    struct state_overlay *out, FILE *errs);
void state_overlay_free(struct state_overlay *ov);
/* A name the state disk keeps: NAME.ini (cfg_drop_name_ok), NAME.pem
 * (cfg_pem_name_ok), or one of the hidden management files. */
int state_name_ok(const char *name);

/* --- the drop directory (state_disk_dir.c) --- */

/* Sets (source non-NULL) or removes the .sources line of each name. */
int state_sources_update(const char *dropdir, const char *const *names, int n,
    const char *source);

#endif
