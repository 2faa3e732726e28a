/*
 * Finding a config object by name: one lookup per kind, the only place
 * that walks a config's arrays comparing names.  Each returns the index,
 * or -1 when cfg (NULL: none) has no object of that name.  Names are
 * unique within a kind (cfg_load.c refuses a second declaration).
 */
#include <string.h>

#include "cfg.h"

int
cfg_find_nic(const struct pl_config *cfg, const char *name)
{
	for (int i = 0; cfg != NULL && i < cfg->n_nics; i++)
		if (strcmp(cfg->nics[i].nic_name, name) == 0)
			return i;
	return -1;
}

int
cfg_find_service(const struct pl_config *cfg, const char *name)
{
	for (int i = 0; cfg != NULL && i < cfg->n_services; i++)
		if (strcmp(cfg->services[i].svc_name, name) == 0)
			return i;
	return -1;
}

/* A service by name, else by its alias (consumers name it either way). */
int
cfg_find_service_or_alias(const struct pl_config *cfg, const char *name)
{
	int i = cfg_find_service(cfg, name);

	for (int k = 0; i == -1 && cfg != NULL && k < cfg->n_services; k++)
		if (cfg->services[k].svc_alias[0] != '\0' &&
		    strcmp(cfg->services[k].svc_alias, name) == 0)
			i = k;
	return i;
}

int
cfg_find_endpoint(const struct pl_config *cfg, const char *name)
{
	for (int i = 0; cfg != NULL && i < cfg->n_endpoints; i++)
		if (strcmp(cfg->endpoints[i].ep_name, name) == 0)
			return i;
	return -1;
}

int
cfg_find_pool(const struct pl_config *cfg, const char *name)
{
	for (int i = 0; cfg != NULL && i < cfg->n_pools; i++)
		if (strcmp(cfg->pools[i].pool_name, name) == 0)
			return i;
	return -1;
}
