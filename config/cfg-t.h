/*
 * privlink configuration: types and limits only.
 *
 * A struct pl_config is flat (no pointers): it is built fresh from a drop
 * directory, validated as a whole, and swapped in only when it has no
 * errors.  Cross references are indexes into the arrays, resolved by
 * cfg_finish(); the only pointers are the links to the loop's runtime
 * objects, which only the loop sets.  Addresses are IPv4 in network byte order.
 */
#ifndef PRIVLINK_CFG_T_H
#define PRIVLINK_CFG_T_H

#include <stdint.h>

/* Section names are identifiers an operator types; 63 is plenty. */
#define CFG_NAME_MAX		64
/* Linux IFNAMSIZ. */
#define CFG_IFNAME_MAX		16
/* Enough for "dir/file.ini" of a config drive or fw_cfg path. */
#define CFG_FILE_MAX		256
/* An approval message is a short human note, as in the portal. */
#define CFG_MESSAGE_MAX		256
/* memory_limit: its range, and "auto" as a share of the machine's memory. */
#define CFG_MEMORY_MIN		(8ull << 20)
#define CFG_MEMORY_MAX		(1024ull << 30)
#define CFG_MEMORY_AUTO_PCT	50
/* watchdog: how long the event loop may go without a round before the
 * appliance restarts.  A round takes milliseconds; 10 s is far beyond any
 * legitimate one yet short enough that an appliance is back within the
 * minute.  Below 2 s, the once-a-second check could not tell. */
#define CFG_WATCHDOG_DEFAULT_S	10
#define CFG_WATCHDOG_MIN_S	2
#define CFG_WATCHDOG_MAX_S	600
/* max_connections (appliance and endpoint) and max_new_connections_per_s:
 * their ranges.  An operator may go past auto's ceiling (share-t.h) on a
 * big machine, but a million live connections or a million new ones a
 * second is beyond what one core relays: more is surely a typo. */
#define CFG_MAX_CONNS		(1u << 20)
#define CFG_MAX_CONN_RATE	1000000u

/* Limits of one appliance; raised when a real deployment needs more. */
/* NICs, VLANs each one: each is a netif of lwIP's, which numbers at most
 * 255 (netstack.h's NS_MAX_NETIFS). */
#define CFG_MAX_NICS		254
/* 802.1Q VLAN ids: 0 is a priority tag, 4095 reserved. */
#define CFG_VLAN_MAX		4094
#define CFG_MAX_SERVICES	64
#define CFG_MAX_ENDPOINTS	4096
/* NAT IPs per service: Azure's Private Link service allows 1 to 8. */
#define CFG_MAX_NAT_IPS		8
/* Default source ports of a NAT IP: everything above the well-known. */
#define CFG_NAT_PORT_MIN	1024
#define CFG_NAT_PORT_MAX	65535
/* Subscriptions named in one visibility or auto-approval list. */
#define CFG_MAX_SUBS		16
/* The appliance secret aliases are derived from: 16 to 64 bytes. */
#define CFG_SECRET_MIN		16
#define CFG_SECRET_MAX		64
/* PREFIX.GUID.REGION.SUFFIX */
#define CFG_ALIAS_MAX		(3 * CFG_NAME_MAX + 40)
/* Load balancing: named pools, plus one made for each service that names
 * a single backend; backends per pool; frontend rules per service. */
#define CFG_MAX_POOLS		(2 * CFG_MAX_SERVICES)
#define CFG_MAX_BACKENDS	32
#define CFG_MAX_RULES		8
#define CFG_WEIGHT_MAX		1000
/* An HTTP probe's path and Host header. */
#define CFG_PROBE_TEXT_MAX	128
/* Defaults, as Azure's load balancer has them where it has one. */
#define CFG_PROBE_INTERVAL_MS	5000
#define CFG_PROBE_TIMEOUT_MS	2000
#define CFG_PROBE_RISE		2
#define CFG_PROBE_FALL		2
#define CFG_IDLE_TIMEOUT_MS	(4 * 60 * 1000)
/* Addresses the appliance holds (each NIC's own, every endpoint's IP
 * whatever its state, frontend IPs, NAT IPs; one per NIC however often it
 * is named), on all NICs together: the network stack's address table
 * (netstack.h's NS_MAX_ADDRS). */
#define CFG_MAX_ADDRS		4096
/* DNS (firmware/dns/): names a service declares, zones a NIC's responder
 * is authoritative for.  A name is at most 253 characters (RFC 1035's
 * 255 wire bytes). */
#define CFG_FQDN_MAX		254
#define CFG_MAX_FQDNS		8
#define CFG_MAX_DNS_ZONES	8
#define CFG_DNS_TTL_DEFAULT_S	10
#define CFG_DNS_TTL_MAX_S	86400
/* dns_rate =: queries a second each source may ask the responder over UDP
 * (bursts of twice that), firmware/dns/dns_serve-t.h. */
#define CFG_DNS_RATE_DEFAULT	100
#define CFG_DNS_RATE_MAX	1000000
/* Every drop file of one directory is read; more is surely a mistake. */
#define CFG_MAX_FILES		256

/* Runtime objects (firmware/core/rt-t.h): the loop links each object of
 * the running config to its own; NULL in a config not running. */
struct nic_rt;
struct ep_rt;
struct svc_rt;
struct be_rt;

/* Where something was declared, for file:line messages. */
struct cfg_where {
	char		w_file[CFG_FILE_MAX];
	int		w_line;
};

enum cfg_role {
	CFG_ROLE_CONSUMER = 0,
	CFG_ROLE_PROVIDER,
	CFG_ROLE_MANAGEMENT,	/* carries only the management API */
};

enum cfg_approval {
	CFG_APPROVAL_PENDING = 0,
	CFG_APPROVAL_APPROVED,
	CFG_APPROVAL_REJECTED,
	CFG_APPROVAL_DISCONNECTED,	/* its service was deleted by a reload */
};

enum cfg_visibility {
	CFG_VIS_OWNER = 0,	/* visibility = none: only the owner */
	CFG_VIS_LIST,		/* visibility = SUB, SUB...: those and the owner */
	CFG_VIS_ANYONE,		/* visibility = *: anyone with the alias */
};

/* [appliance]: settings of the whole appliance. */
struct cfg_appliance {
	uint8_t		ap_secret[CFG_SECRET_MAX];	/* secret = HEX */
	int		ap_secret_len;
	char		ap_region[CFG_NAME_MAX];	/* region =, default "local" */
	char		ap_alias_suffix[CFG_NAME_MAX];	/* alias_suffix =, default "privlink" */
	uint64_t	ap_memory_limit;	/* memory_limit = SIZE, bytes; 0: auto */
	uint32_t	ap_watchdog_s;		/* watchdog = DURATION, seconds; 0: off */
	int		ap_debug_commands;	/* debug_commands = on|off (watchdog.c) */
	uint32_t	ap_max_connections;	/* max_connections = N; 0: auto (share-t.h) */
	struct cfg_where ap_where;
};

enum cfg_probe {
	CFG_PROBE_NONE = 0,	/* backends are taken as up */
	CFG_PROBE_TCP,		/* a TCP handshake */
	CFG_PROBE_HTTP,		/* GET a path, expect a status range */
	CFG_PROBE_HTTPS,	/* the same over TLS (certificate not verified) */
};

/* The private-link TLV a service's PROXY v2 headers carry
 * (proxy_protocol_tlv =); Azure's is the default, as before the key. */
enum cfg_pp_tlv {
	CFG_PP_TLV_AZURE = 0,	/* 0xEE: the endpoint's link id */
	CFG_PP_TLV_AWS,		/* 0xEA: the endpoint id, vpce-... */
	CFG_PP_TLV_GCP,		/* 0xE0: the PSC connection id */
	CFG_PP_TLV_NONE,	/* addresses only */
};
/* [endpoint] endpoint_id = : AWS's ids are "vpce-" and 17 hex digits;
 * privlink takes 1 to 64 of A-Z a-z 0-9 - (the TLV's bound in ppv2.h). */
#define CFG_ENDPOINT_ID_MAX	65

/* Which fields of a connection choose its backend (Azure's names:
 * Default, SourceIP, SourceIPProtocol). */
enum cfg_distribution {
	CFG_DIST_5TUPLE = 0,	/* source and destination address and port, protocol */
	CFG_DIST_SOURCE_IP,	/* source and destination address */
	CFG_DIST_SOURCE_IP_PROTO, /* the same and the protocol */
};

/* [nic NAME]: a host interface the appliance drives with its own stack. */
struct cfg_nic {
	char		nic_name[CFG_NAME_MAX];
	char		nic_ifname[CFG_IFNAME_MAX];	/* interface =, or found by mac */
	uint8_t		nic_mac[6];			/* mac = */
	int		nic_has_mac;			/* named by mac, not interface */
	uint16_t	nic_vlan;			/* vlan = 1..4094, 0: untagged */
	uint32_t	nic_addr;			/* address = A.B.C.D/LEN */
	uint8_t		nic_prefixlen;
	uint32_t	nic_gateway;			/* gateway =, 0 if unset */
	enum cfg_role	nic_role;			/* role = */
	uint32_t	nic_dns_addr;			/* dns = A.B.C.D, 0: no responder */
	char		nic_dns_zones[CFG_MAX_DNS_ZONES][CFG_FQDN_MAX];	/* dns_zone = Z, Z...: lower case, no final dot */
	int		nic_n_dns_zones;		/* 0: the parent zones of its names */
	uint32_t	nic_dns_ttl_s;			/* dns_ttl = DURATION, default 10 s */
	uint32_t	nic_dns_rate;			/* dns_rate = N | off: per source per s, 0: off */
	struct cfg_where nic_where;
	struct nic_rt	*nic_rt;			/* the loop's (nic.c) */
};

/* backend = A.B.C.D[:PORT] [weight=N] [drain] of a [pool]. */
struct cfg_backend {
	uint32_t	be_addr;
	uint16_t	be_port;			/* 0: the rule's */
	uint16_t	be_weight;			/* 1..CFG_WEIGHT_MAX */
	int		be_drain;			/* no new connections */
	int		be_line;
	struct be_rt	*be_rt;				/* the loop's (rt.c) */
};

/* [pool NAME]: backends and how their health is probed. */
struct cfg_pool {
	char		pool_name[CFG_NAME_MAX];	/* "service:NAME" when implicit */
	int		pool_implicit;			/* made from a service's backend = */
	struct cfg_backend pool_backends[CFG_MAX_BACKENDS];
	int		pool_n_backends;
	enum cfg_probe	pool_probe;			/* probe = */
	uint16_t	pool_probe_port;		/* probe_port =, 0: the backend's */
	char		pool_probe_path[CFG_PROBE_TEXT_MAX];	/* probe_path =, default / */
	char		pool_probe_host[CFG_PROBE_TEXT_MAX];	/* probe_host =, "" the address */
	uint32_t	pool_probe_interval_ms;		/* probe_interval = */
	uint32_t	pool_probe_timeout_ms;		/* probe_timeout = */
	uint8_t		pool_probe_rise;		/* probe_rise = */
	uint8_t		pool_probe_fall;		/* probe_fall = */
	uint16_t	pool_expect_min;		/* probe_expect = MIN-MAX */
	uint16_t	pool_expect_max;
	int		pool_reset_on_down;		/* reset_on_down = */
	int		pool_probe_pp;			/* probe_proxy_protocol = (LOCAL first) */
	struct cfg_where pool_where;
};

/* rule = FRONTEND_PORT -> POOL[:BACKEND_PORT] */
struct cfg_rule {
	uint16_t	ru_frontend_port;
	int		ru_pool;			/* index */
	uint16_t	ru_backend_port;		/* 0: each backend's own */
};

/* [service NAME]: what a provider publishes. */
struct cfg_service {
	char		svc_name[CFG_NAME_MAX];
	uint16_t	svc_frontend_port;		/* frontend_port = (one-backend form) */
	uint32_t	svc_backend_addr;		/* backend = A.B.C.D:PORT */
	uint16_t	svc_backend_port;
	struct cfg_rule	svc_rules[CFG_MAX_RULES];	/* rule =, or the one-backend form */
	int		svc_n_rules;
	enum cfg_distribution svc_distribution;		/* distribution = */
	uint32_t	svc_idle_timeout_ms;		/* idle_timeout = */
	int		svc_idle_reset;			/* idle_reset = */
	int		svc_keepalive;			/* tcp_keepalive = IDLE, INTERVAL, COUNT | off */
	uint32_t	svc_keepalive_idle_ms;
	uint32_t	svc_keepalive_intvl_ms;
	uint32_t	svc_keepalive_count;
	uint32_t	svc_frontend_ip;		/* frontend_ip =, 0 if none */
	int		svc_frontend_nic;		/* its provider NIC, -1 if none */
	int		svc_frontend_proxy_protocol;	/* frontend_proxy_protocol = */
	uint32_t	svc_nat_ips[CFG_MAX_NAT_IPS];	/* nat_ip = A, B, ... */
	int		svc_nat_nics[CFG_MAX_NAT_IPS];	/* provider NIC of each */
	int		svc_n_nat_ips;
	uint16_t	svc_port_min;			/* nat_port_range = MIN-MAX */
	uint16_t	svc_port_max;
	int		svc_proxy_protocol;		/* proxy_protocol = on|off */
	enum cfg_pp_tlv	svc_pp_tlv;			/* proxy_protocol_tlv = */
	int		svc_pp_unique_id;		/* proxy_protocol_unique_id = */
	int		svc_pp_crc32c;			/* proxy_protocol_crc32c = */
	char		svc_owner[CFG_NAME_MAX];	/* owner = SUB */
	enum cfg_visibility svc_visibility;		/* visibility = */
	char		svc_visible[CFG_MAX_SUBS][CFG_NAME_MAX];
	int		svc_n_visible;
	char		svc_auto[CFG_MAX_SUBS][CFG_NAME_MAX];	/* auto_approval = */
	int		svc_n_auto;
	char		svc_alias_prefix[CFG_NAME_MAX];	/* alias_prefix =, default the name */
	char		svc_alias[CFG_ALIAS_MAX];	/* derived */
	char		svc_fqdns[CFG_MAX_FQDNS][CFG_FQDN_MAX];	/* fqdn = N, N...: lower case, no final dot */
	int		svc_n_fqdns;
	int		svc_tenants;			/* derived: Approved endpoints, frontend */
	struct cfg_where svc_where;
	struct svc_rt	*svc_rt;			/* the loop's (rt.c) */
};

/* [endpoint NAME] plus the last [approval NAME] that names it. */
struct cfg_endpoint {
	char		ep_name[CFG_NAME_MAX];
	int		ep_nic;				/* nic = (index) */
	uint32_t	ep_ip;				/* ip = */
	int		ep_service;			/* service = (index), -1 if Disconnected */
	char		ep_service_name[CFG_NAME_MAX];	/* the service's name */
	uint32_t	ep_link_id;			/* link_id = */
	char		ep_endpoint_id[CFG_ENDPOINT_ID_MAX];	/* endpoint_id =, default vpce-%017x of link_id */
	uint64_t	ep_psc_id;			/* psc_connection_id =, default link_id */
	int		ep_has_psc_id;			/* psc_connection_id = given */
	char		ep_subscription[CFG_NAME_MAX];	/* subscription =, "" the owner's */
	int		ep_auto_approved;
	uint32_t	ep_max_connections;		/* max_connections = N; 0: a share */
	uint32_t	ep_max_new_per_s;		/* max_new_connections_per_s =; 0: off */
	enum cfg_approval ep_state;			/* [approval] state = */
	char		ep_message[CFG_MESSAGE_MAX];	/* [approval] message = */
	struct cfg_where ep_where;
	struct cfg_where ep_approval_where;		/* w_line 0: none */
	struct ep_rt	*ep_rt;				/* the loop's (rt.c) */
};

/* [management]: the HTTPS API (firmware/mgmt*.c).  Certificate and CA
 * files are PEM files beside the drops, named relative to the drop
 * directory. */
#define CFG_MGMT_PORT_DEFAULT	443
struct cfg_management {
	int		mg_enabled;			/* the section is there */
	int		mg_nic;				/* nic = (index): provider or management */
	uint32_t	mg_addr;			/* address =, default the NIC's own */
	uint16_t	mg_port;			/* port =, default 443 */
	char		mg_tls_cert[CFG_FILE_MAX];	/* tls_cert =, "": generated */
	char		mg_tls_key[CFG_FILE_MAX];	/* tls_key = (with tls_cert) */
	char		mg_client_ca[CFG_FILE_MAX];	/* client_ca =, required */
	char		mg_read_only_ca[CFG_FILE_MAX];	/* read_only_ca =, "": none */
	struct cfg_where mg_where;
};

struct pl_config {
	struct cfg_appliance	appliance;
	struct cfg_management	management;
	struct cfg_nic		nics[CFG_MAX_NICS];
	int			n_nics;
	struct cfg_service	services[CFG_MAX_SERVICES];
	int			n_services;
	struct cfg_pool		pools[CFG_MAX_POOLS];
	int			n_pools;
	struct cfg_endpoint	endpoints[CFG_MAX_ENDPOINTS];
	int			n_endpoints;
	int			n_tenants;	/* derived: the services' svc_tenants summed */
};

#endif
