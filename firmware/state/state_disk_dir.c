/*
 * The drop directory's side of the state disk: the .sources file that
 * says where each file came from (state_disk.h).  Files are written there
 * by drop_store.c, as one step each.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drop_store.h"
#include "log.h"
#include "state_disk.h"

/* Lines of .sources: a drop directory has far fewer files. */
#define STATE_SOURCES_MAX	1024
#define STATE_SOURCE_LEN	16

struct state_src {
	char	ss_name[STATE_NAME_MAX + 1];
	char	ss_source[STATE_SOURCE_LEN];
};

static int
src_cmp(const void *a, const void *b)
{
	return strcmp(((const struct state_src *)a)->ss_name, ((const struct state_src *)b)->ss_name);
}

/* Reads dropdir/.sources into src (at most STATE_SOURCES_MAX): the count,
 * 0 for none.  Lines that do not parse are dropped (the file is ours). */
static int
sources_read(const char *path, struct state_src *src)
{
	char line[STATE_NAME_MAX + STATE_SOURCE_LEN + 8];
	FILE *f;
	int n = 0;

	f = fopen(path, "re");
	if (f == NULL)
		return 0;
	while (n < STATE_SOURCES_MAX && fgets(line, sizeof(line), f) != NULL) {
		char *tab = strchr(line, '\t');

		line[strcspn(line, "\n")] = '\0';
		if (tab == NULL || tab == line || (size_t)(tab - line) > STATE_NAME_MAX ||
		    strlen(tab + 1) >= STATE_SOURCE_LEN)
			continue;
		*tab = '\0';
		memcpy(src[n].ss_name, line, (size_t)(tab - line) + 1);
		memcpy(src[n].ss_source, tab + 1, strlen(tab + 1) + 1);
		n++;
	}
	fclose(f);
	return n;
}

int
state_sources_update(const char *dropdir, const char *const *names, int n, const char *source)
{
	static struct state_src src[STATE_SOURCES_MAX];
	char path[PATH_MAX], *buf;
	size_t len = 0, cap = (size_t)STATE_SOURCES_MAX * sizeof(src[0]) + 1;
	int m, rc;

	snprintf(path, sizeof(path), "%s/%s", dropdir, STATE_SOURCES_FILE);
	m = sources_read(path, src);
	for (int c = 0; c < n; c++) {
		int i;

		for (i = 0; i < m && strcmp(src[i].ss_name, names[c]) != 0; i++)
			;
		if (source == NULL) {
			if (i < m)
				src[i] = src[--m];
			continue;
		}
		if (i == m) {
			if (m == STATE_SOURCES_MAX) {
				log_warnx("%s: more than %d files: %s left out", path,
				    STATE_SOURCES_MAX, names[c]);
				continue;
			}
			snprintf(src[m].ss_name, sizeof(src[m].ss_name), "%s", names[c]);
			m++;
		}
		snprintf(src[i].ss_source, sizeof(src[i].ss_source), "%s", source);
	}
	qsort(src, (size_t)m, sizeof(src[0]), src_cmp);
	buf = malloc(cap);
	if (buf == NULL) {
		log_warnx("%s: out of memory", path);
		return -1;
	}
	for (int i = 0; i < m; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%s\t%s\n", src[i].ss_name,
		    src[i].ss_source);
	{
		struct cfg_change ch = { STATE_SOURCES_FILE, buf, len };

		rc = drop_store_commit(dropdir, &ch, 1, stderr);
	}
	free(buf);
	if (rc == -1)
		log_warnx("%s: not written", path);
	return rc;
}
