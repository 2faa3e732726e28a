/*
 * Source NAT: types and limits.
 */
#ifndef PRIVLINK_NAT_T_H
#define PRIVLINK_NAT_T_H

#include <stdint.h>

#include "cfg-t.h"

/* Distinct NAT IPs of one appliance: every service may name its own. */
#define NAT_MAX_IPS		(CFG_MAX_SERVICES * CFG_MAX_NAT_IPS)
/* Source ports of one NAT IP (port 0 is never handed out). */
#define NAT_PORTS		65536
/* Segments of one NAT IP: the services naming it cut its ports at the
 * two ends of each of their ranges, so at most 2 * CFG_MAX_SERVICES - 1
 * pieces lie inside some range. */
#define NAT_MAX_SEGS		(2 * CFG_MAX_SERVICES)

/* What np_state says of a port. */
enum nat_port_state {
	NAT_PORT_FREE = 0,	/* in its segment's ring, or in no range */
	NAT_PORT_BUSY,		/* a live connection's */
	NAT_PORT_HELD,		/* closed, in the hold FIFO until its hold ends */
};

/*
 * A run of ports [ns_lo, ns_hi] that the same services' ranges cover.  Its
 * free ports wait in a ring kept in np_ring[ns_lo .. ns_hi] (a segment
 * never has more free ports than it has ports), in the random order
 * they were shuffled into, then in the order they came back: a port
 * freed is handed out again only after every other free one.
 */
struct nat_seg {
	uint16_t	ns_lo;
	uint16_t	ns_hi;
	uint32_t	ns_head;	/* ring offset of the next port to hand out */
	uint32_t	ns_n;		/* free ports in the ring */
};

/* The ports released within one second: hold FIFO positions up to
 * nm_end (exclusive), all free again at nm_sec + the hold. */
struct nat_mark {
	uint32_t	nm_sec;
	uint32_t	nm_end;
};

/* Marks of the hold FIFO: one per second with a release in it.  Marks
 * older than the hold are expired before one is added, so a second more
 * than the hold always fits. */
#define NAT_HOLD_MARKS		64

/*
 * The ports of one NAT IP (nat_ports.c): O(1) to hand out and to give
 * back, whatever how many are in use.  A port held after a graceful close
 * waits in the hold FIFO; the hold is the same for all, so the FIFO is
 * in order of expiry, and ports whose hold ended go back to their
 * segment's ring when the next port is taken.  About 320 KiB.
 */
struct nat_ports {
	uint8_t		np_state[NAT_PORTS];	/* enum nat_port_state */
	uint16_t	np_ring[NAT_PORTS];	/* the segments' rings */
	uint16_t	np_hold[NAT_PORTS];	/* the hold FIFO, by position % NAT_PORTS */
	uint32_t	np_hold_in;		/* positions: pushed so far */
	uint32_t	np_hold_out;		/* and popped */
	struct nat_mark	np_marks[NAT_HOLD_MARKS];	/* oldest first, from np_mark_head */
	unsigned int	np_mark_head;
	unsigned int	np_mark_n;
	uint32_t	np_hold_s;		/* the hold, seconds */
	struct nat_seg	np_seg[NAT_MAX_SEGS];	/* in port order, disjoint */
	unsigned int	np_n_seg;
	unsigned int	np_seg_rr;		/* next segment a range tries first */
	unsigned int	np_busy;		/* ports BUSY */
	unsigned int	np_free;		/* ports in the rings */
};

struct netif;

/*
 * One NAT IP of the appliance, shared by every service that names it: a
 * source port is never handed out twice while its connection, or the
 * TIME_WAIT after it, may live.  A slot with ni_ports NULL is unused.
 */
struct nat_ip {
	uint32_t		ni_addr;
	struct netif		*ni_netif;
	struct nat_ports	*ni_ports;
	unsigned int		ni_live;	/* ports held by live connections */
	uint64_t		ni_allocated;
};

/* A service's NAT state (in its struct svc_rt): which lp_nat entry each
 * of its NAT IPs uses (-1: none), and the one its next connection tries
 * first.  Remade by nat_setup at start and on every reload. */
struct nat_svc {
	int			nv_ip[CFG_MAX_NAT_IPS];	/* into lp_nat, by nat_ip = order */
	unsigned int		nv_rr;
};

#endif
