/*
 * Runtime objects: what the appliance holds for each endpoint, service
 * and backend of the running config, beside the config object it serves.
 *
 * A config is rebuilt from the drops on every reload; its objects move
 * whenever one is inserted or removed before them.  Their runtime does
 * not move: each runtime object is allocated once for an identity (an
 * endpoint's or service's name, a backend's pool name and address:port),
 * found by that identity on every reload (rt.c), and freed when a reload
 * drops the identity.  Connections and listeners point at runtime
 * objects, never at config positions.
 *
 * Ownership: the loop owns every runtime object (its lists lp_eps,
 * lp_svcs, lp_bes).  A config object's pointer (ep_rt, svc_rt, be_rt) is
 * set by rt.c while that config is the running one (or is being made
 * so); a runtime object's pointer back (er_cfg, sr_cfg, br_cfg) is to the
 * running config, refreshed by rt_commit after each swap.
 */
#ifndef PRIVLINK_RT_T_H
#define PRIVLINK_RT_T_H

#include <stdint.h>

#include "cfg-t.h"
#include "health-t.h"
#include "nat-t.h"
#include "relay-t.h"

struct netif;

/* A private endpoint, by name. */
struct ep_rt {
	char			er_name[CFG_NAME_MAX];
	const struct cfg_endpoint *er_cfg;	/* in the running config */
	struct svc_rt		*er_svc;	/* its service's, NULL: Disconnected */
	struct netif		*er_netif;	/* its NIC's, NULL: no address */
	uint32_t		er_addr;	/* the address er_netif holds for it */
	struct relay_listener	er_listeners[CFG_MAX_RULES];	/* by its service's rule */
	struct relay_ep_stats	er_stats;	/* follow the name across reloads */
	int			er_mark;	/* rt.c: named by the config being applied */
	struct ep_rt		*er_next;
};

/* A service, by name: its provider-side frontend and NAT state. */
struct svc_rt {
	char			sr_name[CFG_NAME_MAX];
	const struct cfg_service *sr_cfg;	/* in the running config */
	struct netif		*sr_fe_netif;	/* frontend NIC's, NULL: no address */
	uint32_t		sr_fe_addr;	/* the address sr_fe_netif holds for it */
	struct relay_listener	sr_fe_listeners[CFG_MAX_RULES];
	struct relay_ep_stats	sr_fe_stats;
	uint64_t		sr_no_backend;	/* refused: every backend of the pool down */
	struct nat_svc		sr_nat;
	int			sr_mark;
	struct svc_rt		*sr_next;
};

/* A backend, by pool name and address:port: its health follows it. */
struct be_rt {
	char			br_pool[CFG_NAME_MAX];
	uint32_t		br_addr;
	uint16_t		br_port;
	const struct cfg_pool	*br_pool_cfg;	/* in the running config */
	const struct cfg_backend *br_cfg;
	struct backend_health	br_health;
	int			br_mark;
	struct be_rt		*br_next;
};

#endif
