/*
 * Runtime objects by identity (rt-t.h).  A reload links the new config's
 * objects to the runtime of the same identity in two steps:
 *
 *   rt_prepare(next): every endpoint, service and backend of next gets
 *     its runtime object, the one of its identity if there is one, else a
 *     new one (zeroed).  The running config is not touched; afterwards
 *     the marks say which runtime objects next keeps (er_mark and
 *     friends), so the modules can let go of the others first.
 *   rt_commit(): once next is running, the runtime objects point back at
 *     its objects, and those it does not name are freed.
 *
 * Only rt_prepare allocates, so a reload that cannot have its objects is
 * refused before anything changed (rt_commit then frees the new ones).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "rt.h"

static struct ep_rt *
rt_ep_find(struct pl_loop *lp, const char *name)
{
	for (struct ep_rt *er = lp->lp_eps; er != NULL; er = er->er_next)
		if (strcmp(er->er_name, name) == 0)
			return er;
	return NULL;
}

static struct svc_rt *
rt_svc_find(struct pl_loop *lp, const char *name)
{
	for (struct svc_rt *sr = lp->lp_svcs; sr != NULL; sr = sr->sr_next)
		if (strcmp(sr->sr_name, name) == 0)
			return sr;
	return NULL;
}

static struct be_rt *
rt_be_find(struct pl_loop *lp, const char *pool, uint32_t addr, uint16_t port)
{
	for (struct be_rt *br = lp->lp_bes; br != NULL; br = br->br_next)
		if (br->br_addr == addr && br->br_port == port && strcmp(br->br_pool, pool) == 0)
			return br;
	return NULL;
}

static void
rt_unmark(struct pl_loop *lp)
{
	for (struct ep_rt *er = lp->lp_eps; er != NULL; er = er->er_next)
		er->er_mark = 0;
	for (struct svc_rt *sr = lp->lp_svcs; sr != NULL; sr = sr->sr_next)
		sr->sr_mark = 0;
	for (struct be_rt *br = lp->lp_bes; br != NULL; br = br->br_next)
		br->br_mark = 0;
}

static struct ep_rt *
rt_ep_get(struct pl_loop *lp, const char *name)
{
	struct ep_rt *er = rt_ep_find(lp, name);

	if (er == NULL && (er = calloc(1, sizeof(*er))) != NULL) {
		snprintf(er->er_name, sizeof(er->er_name), "%s", name);
		er->er_next = lp->lp_eps;
		lp->lp_eps = er;
	}
	return er;
}

static struct svc_rt *
rt_svc_get(struct pl_loop *lp, const char *name)
{
	struct svc_rt *sr = rt_svc_find(lp, name);

	if (sr == NULL && (sr = calloc(1, sizeof(*sr))) != NULL) {
		snprintf(sr->sr_name, sizeof(sr->sr_name), "%s", name);
		for (int k = 0; k < CFG_MAX_NAT_IPS; k++)
			sr->sr_nat.nv_ip[k] = -1;
		sr->sr_next = lp->lp_svcs;
		lp->lp_svcs = sr;
	}
	return sr;
}

static struct be_rt *
rt_be_get(struct pl_loop *lp, const char *pool, const struct cfg_backend *be)
{
	struct be_rt *br = rt_be_find(lp, pool, be->be_addr, be->be_port);

	if (br == NULL && (br = calloc(1, sizeof(*br))) != NULL) {
		snprintf(br->br_pool, sizeof(br->br_pool), "%s", pool);
		br->br_addr = be->be_addr;
		br->br_port = be->be_port;
		br->br_next = lp->lp_bes;
		lp->lp_bes = br;
	}
	return br;
}

/*
 * Links every object of next to its runtime object, allocating the
 * missing ones, and marks them.  0, or -1 without memory (logged): next
 * may then hold some links, and must not run.
 */
int
rt_prepare(struct pl_loop *lp, struct pl_config *next)
{
	rt_unmark(lp);
	for (int i = 0; i < next->n_endpoints; i++) {
		struct cfg_endpoint *ep = &next->endpoints[i];

		if ((ep->ep_rt = rt_ep_get(lp, ep->ep_name)) == NULL)
			goto nomem;
		ep->ep_rt->er_mark = 1;
	}
	for (int s = 0; s < next->n_services; s++) {
		struct cfg_service *svc = &next->services[s];

		if ((svc->svc_rt = rt_svc_get(lp, svc->svc_name)) == NULL)
			goto nomem;
		svc->svc_rt->sr_mark = 1;
	}
	for (int p = 0; p < next->n_pools; p++) {
		struct cfg_pool *pool = &next->pools[p];

		for (int b = 0; b < pool->pool_n_backends; b++) {
			struct cfg_backend *be = &pool->pool_backends[b];

			if ((be->be_rt = rt_be_get(lp, pool->pool_name, be)) == NULL)
				goto nomem;
			be->be_rt->br_mark = 1;
		}
	}
	return 0;

nomem:
	log_warn("runtime objects of the new configuration");
	return -1;
}

/*
 * The running config's runtime objects point back at its objects; every
 * other runtime object is freed.  Whatever pointed at one freed (a
 * listener, a connection, a probe) must be gone: reload.c cuts them
 * first.
 */
void
rt_commit(struct pl_loop *lp)
{
	const struct pl_config *cfg = lp->lp_cfg;

	rt_unmark(lp);
	for (int s = 0; s < cfg->n_services; s++) {
		cfg->services[s].svc_rt->sr_cfg = &cfg->services[s];
		cfg->services[s].svc_rt->sr_mark = 1;
	}
	for (int i = 0; i < cfg->n_endpoints; i++) {
		const struct cfg_endpoint *ep = &cfg->endpoints[i];

		ep->ep_rt->er_cfg = ep;
		ep->ep_rt->er_svc = ep->ep_service >= 0 ? cfg->services[ep->ep_service].svc_rt : NULL;
		ep->ep_rt->er_mark = 1;
	}
	for (int p = 0; p < cfg->n_pools; p++)
		for (int b = 0; b < cfg->pools[p].pool_n_backends; b++) {
			struct be_rt *br = cfg->pools[p].pool_backends[b].be_rt;

			br->br_pool_cfg = &cfg->pools[p];
			br->br_cfg = &cfg->pools[p].pool_backends[b];
			br->br_mark = 1;
		}
	for (struct ep_rt **pp = &lp->lp_eps, *er; (er = *pp) != NULL;) {
		if (er->er_mark) {
			pp = &er->er_next;
			continue;
		}
		*pp = er->er_next;
		free(er);
	}
	for (struct svc_rt **pp = &lp->lp_svcs, *sr; (sr = *pp) != NULL;) {
		if (sr->sr_mark) {
			pp = &sr->sr_next;
			continue;
		}
		*pp = sr->sr_next;
		free(sr);
	}
	for (struct be_rt **pp = &lp->lp_bes, *br; (br = *pp) != NULL;) {
		if (br->br_mark) {
			pp = &br->br_next;
			continue;
		}
		*pp = br->br_next;
		free(br);
	}
}

/* At start: the running config gets its runtime objects.  0 or -1. */
int
rt_attach(struct pl_loop *lp)
{
	int rc = rt_prepare(lp, lp->lp_cfg);

	if (rc != 0) {
		rt_free_all(lp);
		return -1;
	}
	rt_commit(lp);
	return 0;
}

/* At the end: every runtime object goes, and the config's links. */
void
rt_free_all(struct pl_loop *lp)
{
	struct pl_config *cfg = lp->lp_cfg;

	if (cfg != NULL) {
		for (int i = 0; i < cfg->n_endpoints; i++)
			cfg->endpoints[i].ep_rt = NULL;
		for (int s = 0; s < cfg->n_services; s++)
			cfg->services[s].svc_rt = NULL;
		for (int p = 0; p < cfg->n_pools; p++)
			for (int b = 0; b < cfg->pools[p].pool_n_backends; b++)
				cfg->pools[p].pool_backends[b].be_rt = NULL;
	}
	while (lp->lp_eps != NULL) {
		struct ep_rt *er = lp->lp_eps;

		lp->lp_eps = er->er_next;
		free(er);
	}
	while (lp->lp_svcs != NULL) {
		struct svc_rt *sr = lp->lp_svcs;

		lp->lp_svcs = sr->sr_next;
		free(sr);
	}
	while (lp->lp_bes != NULL) {
		struct be_rt *br = lp->lp_bes;

		lp->lp_bes = br->br_next;
		free(br);
	}
}
