/*
 * NICs as live objects: types only.
 */
#ifndef PRIVLINK_NIC_T_H
#define PRIVLINK_NIC_T_H

#include <stdint.h>

#include "cfg-t.h"
#include "dns_serve-t.h"
#include "netstack.h"	/* struct ns_port: the netstack's port, held in place */

/*
 * One [nic] of the running config, by name and settings: a reload that
 * edits a NIC (interface, MAC, address, role, gateway) makes a new one
 * and closes the old, so connections on it are reset and its frames stop;
 * a NIC it leaves as it was keeps its port, addresses and connections.
 * Owned by the loop (lp_nics); the lwIP netifs of its addresses point at
 * nr_port, which therefore never moves.
 */
struct nic_rt {
	char			nr_name[CFG_NAME_MAX];
	const struct cfg_nic	*nr_cfg;	/* in the running config */
	struct cfg_nic		nr_set;		/* the settings it was made with */
	struct ns_port	nr_port;
	int			nr_open;	/* nr_port open */
	int			nr_mark;	/* nic.c: named by the config being applied */
	struct dns_srv		*nr_dns;	/* its DNS responder (dns_serve.c), NULL: none */
	struct dns_stats	nr_dns_stats;	/* the responder's, kept while the NIC is */
	struct nic_rt		*nr_next;
};

#endif
