/*
 * The address table's entries, inside the netstack (ring_addr.c): one
 * address the appliance holds on a port, with what is kept per address
 * (its SYN rate bucket, whether it is being shed).
 */
#ifndef PRIVLINK_RING_ADDR_H
#define PRIVLINK_RING_ADDR_H

#include <stdint.h>

struct ring_port;

/* ring_synrate.c's token bucket of one address; sb_per_s 0: no limit. */
struct ring_syn_bucket {
	uint32_t	sb_per_s;
	uint64_t	sb_cap;		/* burst, in thousandths */
	uint64_t	sb_tokens;	/* in thousandths */
	uint32_t	sb_last_ms;	/* sys_now() at the last refill */
	uint64_t	sb_dropped;
};

struct ring_addr {
	struct ring_addr	*ra_hnext;	/* the table's bucket */
	struct ring_addr	*ra_pnext;	/* the port's list */
	struct ring_port	*ra_port;
	uint32_t		ra_addr;	/* network byte order */
	int			ra_down;	/* going: its frames are dropped */
	int			ra_shed;	/* ring_shed.c */
	struct ring_syn_bucket	ra_syn;
};

struct netif;

/* ringif.c's netif setup of a port, for ring_port_add_addr. */
signed char ring_netif_init(struct netif *netif);
/* Frees the netifs removed while a frame was handled (ring_addr.c). */
void ring_netif_reap(void);
/* Takes every address off rp, aborting what is bound to each. */
void ring_port_del_all(struct ring_port *rp);
/* The entry of addr on rp, or NULL. */
struct ring_addr *ring_addr_find(const struct ring_port *rp, uint32_t addr);
/* The entry of the frame lwIP is handling, NULL between frames. */
extern struct ring_addr *ring_addr_current;

#endif
