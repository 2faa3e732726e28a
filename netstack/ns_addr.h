/*
 * The address table's entries, inside the netstack (ns_addr.c): one
 * address the appliance holds on a port, with what is kept per address
 * (its SYN rate bucket, whether it is being shed).
 */
#ifndef PRIVLINK_NS_ADDR_H
#define PRIVLINK_NS_ADDR_H

#include <stdint.h>

struct ns_port;

/* ns_synrate.c's token bucket of one address; sb_per_s 0: no limit. */
struct ns_syn_bucket {
	uint32_t	sb_per_s;
	uint64_t	sb_cap;		/* burst, in thousandths */
	uint64_t	sb_tokens;	/* in thousandths */
	uint32_t	sb_last_ms;	/* sys_now() at the last refill */
	uint64_t	sb_dropped;
};

struct ns_addr {
	struct ns_addr	*ra_hnext;	/* the table's bucket */
	struct ns_addr	*ra_pnext;	/* the port's list */
	struct ns_port	*ra_port;
	uint32_t		ra_addr;	/* network byte order */
	int			ra_down;	/* going: its frames are dropped */
	int			ra_shed;	/* ns_shed.c */
	struct ns_syn_bucket	ra_syn;
};

struct netif;

/* ns_port.c's netif setup of a port, for ns_port_add_addr. */
signed char ns_netif_init(struct netif *netif);
/* Frees the netifs removed while a frame was handled (ns_addr.c). */
void ns_netif_reap(void);
/* Takes every address off rp, aborting what is bound to each. */
void ns_port_del_all(struct ns_port *rp);
/* The entry of addr on rp, or NULL. */
struct ns_addr *ns_addr_find(const struct ns_port *rp, uint32_t addr);
/* The entry of the frame lwIP is handling, NULL between frames. */
extern struct ns_addr *ns_addr_current;

#endif
