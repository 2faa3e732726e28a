/*
 * The console's debug-state-put (with [appliance] debug_commands = on):
 * an approval drop committed through the state disk as the management
 * API commits its changes (state_disk_persist), so that the image's
 * persistence can be tested before and without the HTTPS API.
 *
 *   debug-state-put ENDPOINT STATE [PAD_KB]
 *
 * writes approval-ENDPOINT.ini (the file POST /v1/endpoints/ENDPOINT/approval
 * writes): [approval ENDPOINT] with state =
 * STATE and message = "debug-state-put N", N the state disk's sequence
 * number of this commit, and PAD_KB KiB of comment lines (a larger
 * commit: a wider window for a power cut in the middle of it).  The
 * drop directory's watcher then reloads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "log.h"
#include "state_debug.h"
#include "state_disk.h"

/* Padding: a slot holds 4 MiB; a drop file at most 1 MiB. */
#define STATE_DEBUG_PAD_MAX	900
#define STATE_DEBUG_PREFIX	"approval-"	/* mgmt_api.c MGMT_APPROVAL_PREFIX */

/* The approval of ep comes from another file than name: not ours to set. */
static int
elsewhere(const struct cfg_endpoint *ep, const char *name)
{
	const char *base = strrchr(ep->ep_approval_where.w_file, '/');

	base = base != NULL ? base + 1 : ep->ep_approval_where.w_file;
	return ep->ep_approval_where.w_line != 0 && strcmp(base, name) != 0;
}

void
state_debug_put(struct pl_loop *lp, char *args)
{
	const struct cfg_endpoint *ep = NULL;
	char name[STATE_NAME_MAX + 1], *epname, *state, *pad, *save, *data;
	unsigned long kb = 0;
	struct cfg_change ch;
	size_t len, cap;
	int rc, i;

	if (!lp->lp_cfg->appliance.ap_debug_commands) {
		printf("debug-state-put: needs [appliance] debug_commands = on\n");
		return;
	}
	epname = strtok_r(args, " \t", &save);
	state = strtok_r(NULL, " \t", &save);
	pad = strtok_r(NULL, " \t", &save);
	if (pad != NULL) {
		char *end;

		kb = strtoul(pad, &end, 10);
		if (*end != '\0' || kb > STATE_DEBUG_PAD_MAX)
			epname = NULL;
	}
	if (epname == NULL || state == NULL || (strcmp(state, "Approved") != 0 &&
	    strcmp(state, "Rejected") != 0 && strcmp(state, "Pending") != 0)) {
		printf("usage: debug-state-put ENDPOINT Approved|Rejected|Pending [PAD_KB "
		    "(at most %d)]\n", STATE_DEBUG_PAD_MAX);
		return;
	}
	if ((i = cfg_find_endpoint(lp->lp_cfg, epname)) != -1)
		ep = &lp->lp_cfg->endpoints[i];
	if (ep == NULL || snprintf(name, sizeof(name), "%s%s.ini", STATE_DEBUG_PREFIX, epname) >=
	    (int)sizeof(name) || !cfg_drop_name_ok(name)) {
		printf("debug-state-put: no endpoint of that name\n");
		return;
	}
	if (elsewhere(ep, name)) {
		printf("debug-state-put: the approval of %s is in %s:%d, not %s\n", ep->ep_name,
		    ep->ep_approval_where.w_file, ep->ep_approval_where.w_line, name);
		return;
	}
	cap = 256 + kb * 1024 + 64;
	data = malloc(cap);
	if (data == NULL) {
		printf("debug-state-put: out of memory\n");
		return;
	}
	len = (size_t)snprintf(data, cap, "; debug-state-put (the console)\n[approval %s]\n"
	    "state = %s\nmessage = debug-state-put %llu\n", ep->ep_name, state,
	    (unsigned long long)state_disk_current()->so_seq + 1);
	/* 64-byte comment lines */
	while (len + 64 <= 256 + kb * 1024) {
		memset(data + len, 'p', 63);
		data[len] = ';';
		data[len + 63] = '\n';
		len += 64;
	}
	ch = (struct cfg_change){ name, data, len };
	fflush(stdout);
	rc = state_disk_persist(lp->lp_confdir, &ch, 1, stdout);
	if (rc == 0)
		printf("debug-state-put: %s %s: state %llu committed (%zu bytes)\n", ep->ep_name,
		    state, (unsigned long long)state_disk_current()->so_seq, len);
	else if (rc == 1)
		printf("debug-state-put: %s %s: no state disk: in the drop directory until "
		    "reboot\n", ep->ep_name, state);
	else
		printf("debug-state-put: failed\n");
	free(data);
}
