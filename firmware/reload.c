/*
 * Reload: the drop directory is parsed into a fresh config and validated
 * as a whole; with any error the running config stays exactly as it was.
 *
 * This build applies approval changes in place (an endpoint that becomes
 * Approved starts listening; one that leaves Approved stops and its live
 * connections are reset).  Any other change (NICs, services, endpoints
 * added or edited) is refused with a message and needs a restart.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "log.h"
#include "relay.h"
#include "reload.h"

static int
reload_same_shape(const struct pl_config *a, const struct pl_config *b)
{
	if (a->n_nics != b->n_nics || a->n_services != b->n_services ||
	    a->n_endpoints != b->n_endpoints)
		return 0;
	for (int i = 0; i < a->n_nics; i++) {
		const struct cfg_nic *x = &a->nics[i], *y = &b->nics[i];

		if (strcmp(x->nic_name, y->nic_name) != 0 ||
		    strcmp(x->nic_ifname, y->nic_ifname) != 0 ||
		    x->nic_addr != y->nic_addr || x->nic_prefixlen != y->nic_prefixlen ||
		    x->nic_gateway != y->nic_gateway || x->nic_role != y->nic_role)
			return 0;
	}
	for (int i = 0; i < a->n_services; i++) {
		const struct cfg_service *x = &a->services[i], *y = &b->services[i];

		if (strcmp(x->svc_name, y->svc_name) != 0 ||
		    x->svc_frontend_port != y->svc_frontend_port ||
		    x->svc_backend_addr != y->svc_backend_addr ||
		    x->svc_backend_port != y->svc_backend_port ||
		    x->svc_n_nat_ips != y->svc_n_nat_ips ||
		    memcmp(x->svc_nat_ips, y->svc_nat_ips, sizeof(x->svc_nat_ips)) != 0 ||
		    memcmp(x->svc_nat_nics, y->svc_nat_nics, sizeof(x->svc_nat_nics)) != 0 ||
		    x->svc_port_min != y->svc_port_min || x->svc_port_max != y->svc_port_max ||
		    x->svc_proxy_protocol != y->svc_proxy_protocol ||
		    strcmp(x->svc_alias, y->svc_alias) != 0)
			return 0;
	}
	for (int i = 0; i < a->n_endpoints; i++) {
		const struct cfg_endpoint *x = &a->endpoints[i], *y = &b->endpoints[i];

		if (strcmp(x->ep_name, y->ep_name) != 0 || x->ep_nic != y->ep_nic ||
		    x->ep_ip != y->ep_ip || x->ep_service != y->ep_service ||
		    x->ep_link_id != y->ep_link_id ||
		    strcmp(x->ep_subscription, y->ep_subscription) != 0)
			return 0;
	}
	return 1;
}

/* 0 when the new config is running, -1 when the old one stays. */
int
reload_run(struct pl_loop *lp)
{
	struct pl_config *next, *cur = lp->lp_cfg;
	int errors, changed = 0;

	next = calloc(1, sizeof(*next));
	if (next == NULL) {
		log_warn("reload: keeping the running configuration");
		return -1;
	}
	errors = cfg_load_dir(next, lp->lp_confdir, stderr);
	if (errors != 0) {
		log_warnx("reload: %d error%s in %s: keeping the running configuration",
		    errors, errors == 1 ? "" : "s", lp->lp_confdir);
		free(next);
		return -1;
	}
	if (!reload_same_shape(cur, next)) {
		log_warnx("reload: NICs, services or endpoints changed; this version "
		    "applies approval changes only: restart privlinkd to apply the rest "
		    "(keeping the running configuration)");
		free(next);
		return -1;
	}
	for (int e = 0; e < cur->n_endpoints; e++) {
		struct cfg_endpoint *o = &cur->endpoints[e], *n = &next->endpoints[e];
		int was = o->ep_state == CFG_APPROVAL_APPROVED;
		int now = n->ep_state == CFG_APPROVAL_APPROVED;

		if (o->ep_state != n->ep_state) {
			log_info("endpoint %s: %s -> %s%s%s", o->ep_name,
			    cfg_approval_name(o->ep_state), cfg_approval_name(n->ep_state),
			    n->ep_message[0] ? ": " : "", n->ep_message);
			changed++;
		}
		if (was && !now) {
			relay_unlisten(lp, e);
			relay_cut_endpoint(lp, e);
		}
		o->ep_state = n->ep_state;
		memcpy(o->ep_message, n->ep_message, sizeof(o->ep_message));
		o->ep_approval_where = n->ep_approval_where;
		if (!was && now && relay_listen(lp, e) != 0)
			log_warnx("endpoint %s: approved but not listening", o->ep_name);
	}
	log_info("reload: configuration applied, %d endpoint state%s changed",
	    changed, changed == 1 ? "" : "s");
	free(next);
	return 0;
}
