/*
 * An API change written durably before it is applied.  Apart from mgmt.c
 * so that the request handlers (mgmt_api.c), which mgmt.c calls, do not
 * call back into it.
 */
#include "mgmt_persist.h"
#include "state_disk.h"

/*
 * Writes an API change durably before it is applied: the image's state
 * disk first (state_disk.c: it survives a reboot), then the drop
 * directory confdir the appliance serves.  0, or -1 with the reason in
 * errs and nothing applied.
 */
int
mgmt_persist(const char *confdir, const struct cfg_change *ch, int n, FILE *errs)
{
	return state_disk_persist(confdir, ch, n, errs) < 0 ? -1 : 0;
}
