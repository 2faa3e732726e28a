/*
 * Internals shared by the loader and the cross checks: the parse state,
 * with the line of every key so that errors found only when the whole drop
 * is known still point at the right line.
 */
#ifndef PRIVLINK_CFG_PRIV_H
#define PRIVLINK_CFG_PRIV_H

#include <stdio.h>

#include "cfg-t.h"

/* [approval] sections kept for resolution: several per endpoint are
 * allowed (the last wins), so more than one per endpoint. */
#define CFG_MAX_APPROVALS	(4 * CFG_MAX_ENDPOINTS)

enum cfg_kind {
	CFG_KIND_NONE = 0,	/* before the first section */
	CFG_KIND_NIC,
	CFG_KIND_SERVICE,
	CFG_KIND_ENDPOINT,
	CFG_KIND_APPROVAL,
	CFG_KIND_APPLIANCE,
	CFG_KIND_POOL,
	CFG_KIND_MANAGEMENT,
	CFG_KIND_SKIP,		/* a bad section: its keys are not checked */
	CFG_KIND_MAX,
};

/* Key slots, per kind; the slot is the bit in cp_seen and the index of
 * the key's line. */
enum { NIC_K_INTERFACE = 0, NIC_K_ADDRESS, NIC_K_GATEWAY, NIC_K_ROLE, NIC_K_MAC, NIC_K_VLAN,
    NIC_K_DNS, NIC_K_DNS_ZONE, NIC_K_DNS_TTL, NIC_K_DNS_RATE, NIC_K_MAX };
enum { SVC_K_FRONTEND_PORT = 0, SVC_K_BACKEND, SVC_K_NAT_IP, SVC_K_PROXY_PROTOCOL,
    SVC_K_NAT_PORT_RANGE, SVC_K_OWNER, SVC_K_VISIBILITY, SVC_K_AUTO_APPROVAL,
    SVC_K_ALIAS_PREFIX, SVC_K_RULE, SVC_K_DISTRIBUTION, SVC_K_IDLE_TIMEOUT, SVC_K_IDLE_RESET,
    SVC_K_KEEPALIVE, SVC_K_FRONTEND_IP, SVC_K_FRONTEND_PROXY_PROTOCOL,
    SVC_K_PP_TLV, SVC_K_PP_UNIQUE_ID, SVC_K_PP_CRC32C, SVC_K_FQDN, SVC_K_MAX };
enum { POOL_K_BACKEND = 0, POOL_K_PROBE, POOL_K_PROBE_PORT, POOL_K_PROBE_PATH,
    POOL_K_PROBE_HOST, POOL_K_PROBE_INTERVAL, POOL_K_PROBE_TIMEOUT, POOL_K_PROBE_RISE,
    POOL_K_PROBE_FALL, POOL_K_PROBE_EXPECT, POOL_K_RESET_ON_DOWN, POOL_K_PROBE_PP, POOL_K_MAX };
enum { EP_K_NIC = 0, EP_K_IP, EP_K_SERVICE, EP_K_LINK_ID, EP_K_SUBSCRIPTION,
    EP_K_MAX_CONNECTIONS, EP_K_MAX_NEW_PER_S, EP_K_ENDPOINT_ID, EP_K_PSC_ID, EP_K_MAX };
enum { APL_K_SECRET = 0, APL_K_REGION, APL_K_ALIAS_SUFFIX, APL_K_MEMORY_LIMIT, APL_K_WATCHDOG,
    APL_K_DEBUG_COMMANDS, APL_K_MAX_CONNECTIONS, APL_K_MAX };
enum { APR_K_STATE = 0, APR_K_MESSAGE, APR_K_MAX };
enum { MGMT_K_NIC = 0, MGMT_K_ADDRESS, MGMT_K_PORT, MGMT_K_TLS_CERT, MGMT_K_TLS_KEY,
    MGMT_K_CLIENT_CA, MGMT_K_READ_ONLY_CA, MGMT_K_MAX };
#define CFG_K_MAX 32

struct cfg_approval_decl {
	char			ad_endpoint[CFG_NAME_MAX];
	enum cfg_approval	ad_state;
	char			ad_message[CFG_MESSAGE_MAX];
	struct cfg_where	ad_where;
	int			ad_state_line;
};

struct cfg_parse {
	struct pl_config	*cp_cfg;
	const struct pl_config	*cp_running;	/* on reload, the config in force */
	FILE			*cp_errs;
	int			cp_errors;
	const char		*cp_file;		/* the file being read */

	/* the current section */
	enum cfg_kind		cp_kind;
	char			cp_section[160];	/* "kind name", or the raw header */
	int			cp_line;		/* its header line */
	int			cp_index;		/* in its array */
	unsigned int		cp_seen;

	/* key lines (file is the item's where) and names to resolve */
	int			cp_nic_lines[CFG_MAX_NICS][CFG_K_MAX];
	int			cp_svc_lines[CFG_MAX_SERVICES][CFG_K_MAX];
	int			cp_ep_lines[CFG_MAX_ENDPOINTS][CFG_K_MAX];
	int			cp_apl_lines[CFG_K_MAX];
	int			cp_pool_lines[CFG_MAX_POOLS][CFG_K_MAX];
	int			cp_rule_lines[CFG_MAX_SERVICES][CFG_MAX_RULES];
	char			cp_rule_pool[CFG_MAX_SERVICES][CFG_MAX_RULES][CFG_NAME_MAX];
	int			cp_svc_bad[CFG_MAX_SERVICES];	/* a bad rule or backend */
	int			cp_has_appliance;
	int			cp_mgmt_lines[CFG_K_MAX];
	char			cp_mgmt_nic[CFG_NAME_MAX];
	char			cp_ep_nic[CFG_MAX_ENDPOINTS][CFG_NAME_MAX];
	char			cp_ep_service[CFG_MAX_ENDPOINTS][CFG_ALIAS_MAX];	/* name or alias */
	struct cfg_approval_decl cp_approvals[CFG_MAX_APPROVALS];
	int			cp_n_approvals;
};

void cfg_error(struct cfg_parse *cp, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void cfg_report_line(FILE *errs, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cfg_dir_error(struct cfg_parse *cp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cfg_finish(struct cfg_parse *cp);
int cfg_pool_key(struct cfg_parse *cp, int slot, const char *key, const char *value, int line);
int cfg_rule_key(struct cfg_parse *cp, const char *key, const char *value, int line);
void cfg_finish_pools(struct cfg_parse *cp);
void cfg_pool_defaults(struct cfg_pool *pool);
void cfg_finish_rules(struct cfg_parse *cp);
int cfg_mgmt_key(struct cfg_parse *cp, int slot, const char *key, const char *value, int line);
void cfg_finish_management(struct cfg_parse *cp);
int cfg_ppv2_svc_key(struct cfg_parse *cp, int slot, const char *key, const char *value, int line);
int cfg_ppv2_ep_key(struct cfg_parse *cp, int slot, const char *key, const char *value, int line);
void cfg_ppv2_endpoint_ids(struct cfg_endpoint *e);
/* DNS names and the responder's keys (cfg_dns.c). */
int cfg_dns_nic_key(struct cfg_parse *cp, int slot, const char *key, const char *value, int line);
int cfg_dns_svc_key(struct cfg_parse *cp, const char *key, const char *value, int line);
void cfg_finish_dns(struct cfg_parse *cp);
const char *cfg_ntoa(uint32_t addr, char buf[static 16]);
int cfg_is_host(uint32_t addr, uint8_t len);
int cfg_alias(const struct cfg_appliance *ap, const struct cfg_service *svc,
    char out[static CFG_ALIAS_MAX]);

/* A bad value: reported at its line as "[section] key: reason 'value'". */
#define BAD(reason) do {						\
	cfg_error(cp, cp->cp_file, line, "[%s] %s: %s '%s'", cp->cp_section, key, \
	    (reason), value);						\
	return -1;							\
} while (0)

#endif
