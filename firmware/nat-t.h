/*
 * Source NAT: types and limits.
 */
#ifndef PRIVLINK_NAT_T_H
#define PRIVLINK_NAT_T_H

#include <stdint.h>

#include "cfg-t.h"

/* Distinct NAT IPs of one appliance: every service may name its own. */
#define NAT_MAX_IPS		(CFG_MAX_SERVICES * CFG_MAX_NAT_IPS)
/* ni_free_at value of a port held by a live connection. */
#define NAT_PORT_BUSY		UINT32_MAX

struct netif;

/*
 * One NAT IP of the appliance, shared by every service that names it: a
 * source port is never handed out twice while its connection, or the
 * TIME_WAIT after it, may live.
 */
struct nat_ip {
	uint32_t	ni_addr;
	struct netif	*ni_netif;
	/* Per port, 65536 entries: 0 free, NAT_PORT_BUSY held, otherwise the
	 * second (monotonic clock) from which it is free again. */
	uint32_t	*ni_free_at;
	uint16_t	ni_cursor;		/* where the next search starts */
	unsigned int	ni_live;		/* ports held by live connections */
	uint64_t	ni_allocated;
};

#endif
