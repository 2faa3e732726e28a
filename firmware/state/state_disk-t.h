/*
 * The state disk's on-disk format and its in-memory overlay (types and
 * constants only; state_disk.h has the functions).
 *
 * A state disk is a small raw disk the operator attaches to the appliance
 * image; management-API changes go there so that they survive a reboot
 * and a power cut.  No file system: the image has no mkfs, and a commit
 * of several files at once must be one atomic step.  All integers are
 * little-endian, at fixed offsets; the device is read and written with
 * pread/pwrite at byte offsets.
 *
 *   offset 0         superblock, 512 bytes (sector 0):
 *       0  magic    16 bytes "PRIVLINK-STATE" and two NUL bytes: the label
 *      16  version  u32, 1
 *      20  sb_size  u32, 512
 *      24  slot_size u64: bytes per slot, a multiple of 4096, from
 *                   STATE_SLOT_MIN to STATE_SLOT_MAX
 *      32  slot_off[2] u64 each: byte offsets of slots A and B, each a
 *                   multiple of 4096, at or after STATE_SLOT_START, not
 *                   overlapping each other, inside the disk
 *      48  zero     up to offset 480
 *     480  sha256   of bytes 0..479
 *   slot A, slot B   (slot_size bytes each): a slot header, then payload
 *       0  magic    8 bytes "PLSTSLOT"
 *       8  version  u32, 1
 *      12  n_entries u32, at most STATE_MAX_ENTRIES
 *      16  seq      u64: +1 per commit; the valid slot with the higher
 *                   sequence is the state
 *      24  payload_len u64: payload bytes after the 64-byte header
 *      32  sha256   of header bytes 0..31 and the payload
 *   payload: n_entries entries, names in strictly ascending byte order:
 *       0  kind     u8: 1 a file, 2 deleted (a tombstone: the file of
 *                   that name from the config drive or fw_cfg is removed)
 *       1  name_len u8, 1..255
 *       2  zero     u16
 *       4  data_len u32: at most STATE_FILE_MAX; 0 for a tombstone
 *       8  name     name_len bytes (state_disk_name_ok), then data_len
 *                   bytes of content
 *
 * A slot holds the whole overlay, not a change: a commit writes every
 * entry into the slot that does not hold the newest state, with the next
 * sequence number, and syncs.  A write cut short fails its sha256, so the
 * other slot, the previous state, is taken at the next boot.
 */
#ifndef PRIVLINK_STATE_DISK_T_H
#define PRIVLINK_STATE_DISK_T_H

#include <stddef.h>
#include <stdint.h>

#define STATE_LABEL		"PRIVLINK-STATE"
#define STATE_MAGIC_LEN		16
#define STATE_VERSION		1
#define STATE_SB_SIZE		512
#define STATE_SB_SHA_OFF	480
#define STATE_SLOT_MAGIC	"PLSTSLOT"
#define STATE_SLOT_MAGIC_LEN	8
#define STATE_SLOT_HDR		64
#define STATE_SLOT_SHA_OFF	32
#define STATE_ENTRY_HDR		8
#define STATE_KIND_FILE		1
#define STATE_KIND_DELETED	2
/* Slots are 4 KiB aligned: a sector of any disk, a page of the cache. */
#define STATE_ALIGN		4096
/* The first MiB is the superblock's (and must be all zero on a disk that
 * is formatted), the slots come after it. */
#define STATE_SLOT_START	(1024 * 1024)
/* 4 MiB: every drop of a large appliance many times over; two of them and
 * the first MiB fit a 16 MiB disk.  64 KiB: less is not worth a disk. */
#define STATE_SLOT_MAX		(4 * 1024 * 1024)
#define STATE_SLOT_MIN		(64 * 1024)
/* One file: as large as a drop file may be (cfg_set.h CFG_SET_FILE_MAX). */
#define STATE_FILE_MAX		(1024 * 1024)
/* Entries: drops, PEM files, tombstones; far more than an appliance has. */
#define STATE_MAX_ENTRIES	512
#define STATE_NAME_MAX		255
/* The disk is empty (and may be formatted) if these many bytes at its
 * start and at its end are zero: the end too, as a GPT disk whose first
 * sectors were wiped still has its backup table there. */
#define STATE_EMPTY_CHECK	(1024 * 1024)
#define STATE_DISK_MIN		(STATE_SLOT_START + 2 * STATE_SLOT_MIN)

/* The superblock, decoded. */
struct state_super {
	uint64_t	ss_slot_size;
	uint64_t	ss_slot_off[2];
};

/* One overlay entry: a file's content, or a tombstone (se_deleted). */
struct state_entry {
	char		se_name[STATE_NAME_MAX + 1];
	int		se_deleted;
	uint8_t		*se_data;		/* malloc'd, NULL if se_len 0 */
	size_t		se_len;
};

/* The overlay: entries in ascending name order, and its sequence number
 * (0: nothing committed yet). */
struct state_overlay {
	struct state_entry	*so_ent;	/* malloc'd array of so_n */
	int			so_n;
	uint64_t		so_seq;
};

/* The hidden files the state disk keeps beside drops and PEM files: the
 * management API's generated server key and certificate. */
#define STATE_MGMT_KEY		".management-key.pem"
#define STATE_MGMT_CERT		".management-cert.pem"

/* Where a file of the drop directory came from (the .sources file). */
#define STATE_SRC_CONFIG_DRIVE	"config-drive"
#define STATE_SRC_FW_CFG	"fw_cfg"
#define STATE_SRC_STATE_DISK	"state-disk"
#define STATE_SOURCES_FILE	".sources"

#endif
