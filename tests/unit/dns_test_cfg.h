/*
 * A hand-made config for the DNS responder's tests (test_dns_answer.c,
 * tests/fuzz/fuzz_dns.c): services with names and their endpoints, only
 * the fields a view reads.
 */
#ifndef PRIVLINK_DNS_TEST_CFG_H
#define PRIVLINK_DNS_TEST_CFG_H

#include <arpa/inet.h>
#include <stdio.h>

#include "cfg-t.h"

static inline void
dns_test_ep(struct pl_config *cfg, int svc, int nic, const char *ip, enum cfg_approval state)
{
	struct cfg_endpoint *e = &cfg->endpoints[cfg->n_endpoints++];

	e->ep_service = svc;
	e->ep_nic = nic;
	e->ep_state = state;
	inet_pton(AF_INET, ip, &e->ep_ip);
}

/* A service with one or two names (fqdn2 NULL); its index. */
static inline int
dns_test_svc(struct pl_config *cfg, const char *name, const char *fqdn1, const char *fqdn2)
{
	struct cfg_service *s = &cfg->services[cfg->n_services];

	snprintf(s->svc_name, sizeof(s->svc_name), "%s", name);
	snprintf(s->svc_fqdns[s->svc_n_fqdns++], CFG_FQDN_MAX, "%s", fqdn1);
	if (fqdn2 != NULL)
		snprintf(s->svc_fqdns[s->svc_n_fqdns++], CFG_FQDN_MAX, "%s", fqdn2);
	return cfg->n_services++;
}

#endif
