/*
 * Writing an API change durably (mgmt_persist.c), for the API's requests
 * (mgmt_api.c) and the identity the appliance makes itself (mgmt.c).
 */
#ifndef PRIVLINK_MGMT_PERSIST_H
#define PRIVLINK_MGMT_PERSIST_H

#include <stdio.h>

#include "cfg_set.h"

int mgmt_persist(const char *confdir, const struct cfg_change *ch, int n, FILE *errs);

#endif
