/*
 * Host persistence of drop changes (the management API's writes): each
 * file through a temporary file, fsync and rename, the directory synced;
 * a batch through an intent journal, so that a power cut leaves either
 * the state before the batch or the state after it, never part of it.
 */
#ifndef PRIVLINK_DROP_STORE_H
#define PRIVLINK_DROP_STORE_H

#include <stddef.h>
#include <stdio.h>

#include "cfg_set.h"

/* The intent journal of a batch, in the drop directory: hidden, so never
 * read as a drop. */
#define DROP_STORE_JOURNAL	".privlink-journal"
/* A batch is one API request, far smaller: a larger journal is not one
 * of ours (and is not read whole into memory at start). */
#define DROP_STORE_JOURNAL_MAX	(64 * 1024 * 1024)
/* Changes in one batch: every drop file deleted and as many written. */
#define DROP_STORE_BATCH_MAX	(2 * CFG_MAX_FILES + 8)

/* What drop_store_recover found. */
enum drop_store_recovery {
	DROP_STORE_CLEAN = 0,		/* no journal */
	DROP_STORE_COMPLETED,		/* a whole journal: its batch completed */
	DROP_STORE_DISCARDED,		/* a torn journal: nothing of it was applied */
};

int drop_store_commit(const char *dir, const struct cfg_change *ch, int n, FILE *errs);
int drop_store_recover(const char *dir, FILE *errs);
int drop_store_journal(const struct cfg_change *ch, int n, unsigned char **buf, size_t *len);

#endif
