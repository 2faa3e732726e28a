/*
 * privlink's lwIP port: the stack's setup and the packet NICs.
 *
 * A link (ns_link.c) is a host interface driven through an AF_PACKET
 * socket (frames in batches with recvmmsg, their status in
 * PACKET_AUXDATA).  A struct ns_port is one network on a link: the
 * link's untagged frames, or one 802.1Q VLAN of it; many ports may share
 * a trunk.  Each port is one lwIP netif; the IPv4 addresses the appliance
 * holds on it (the NIC's own, its private endpoints', its NAT IPs) are
 * entries of privlinkd's own address table (ns_addr.c), looked up in
 * O(1) for every frame.  A frame whose destination is not an address of
 * its port is dropped here, before lwIP, so traffic can never reach an
 * address the appliance holds on another NIC or VLAN.
 */
#ifndef PRIVLINK_NETSTACK_H
#define PRIVLINK_NETSTACK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "lwip/netif.h"
#include "lwip/timeouts.h"

#include "ns_arp-t.h"

/* Addresses on all ports together (ns_addr.c's table): the NICs' own,
 * one per endpoint, NAT IPs, frontend IPs.  More are refused at
 * configuration time. */
#define NS_MAX_ADDRS		4096
/* lwIP netifs, one per port: lwIP 2.2 numbers them 0..254 (num + 1 is a
 * u8_t index, 0 meaning none), and its netif_add() searches for a free
 * number without end once all 255 are taken.  Refused at configuration
 * time too. */
#define NS_MAX_NETIFS		255
/* 802.1Q VLAN ids a port may carry: 1..4094 (0 is a priority tag on an
 * untagged frame, 4095 reserved). */
#define NS_VLAN_MAX		4094
/* Receive: recvmmsg() takes up to NS_RX_BATCH frames a call, each into
 * a buffer that holds the largest GSO/GRO super-frame (a 64 KiB IP packet
 * and its Ethernet header).  A TPACKET_V3 ring would save the copy out of
 * the kernel but wakes user space only per filled or timed-out block: its
 * timeout is kept in jiffies (4 ms at HZ=250), and every round trip of a
 * proxied connection paid it (see the README's Benchmarks). */
#define NS_RX_BATCH		32
#define NS_RX_FRAME_MAX	(14 + 65535)
/* Frames taken per readiness event before the loop serves other NICs and
 * timers; epoll is level-triggered, so the rest comes next round. */
#define NS_RX_BUDGET		(8 * NS_RX_BATCH)
/* Transmit (ns_tx.c): lwIP's frames are at most an MTU of 9000; merged
 * TCP segments make a GSO frame of at most a 64 KiB IP packet. */
#define NS_TX_FRAME_MAX	(14 + 9000)
#define NS_TX_GSO_MAX		(14 + 65535)
/* Pieces of a pending frame's payload sent from the segments' own pbufs
 * (ns_tx.c): merged segments carry 512 bytes or more, so a GSO frame
 * has at most 128 of them. */
#define NS_TX_PIECES_MAX	160
/* Socket receive queue: bursts of super-frames while lwIP works. */
#define NS_RX_QUEUE_BYTES	(8 * 1024 * 1024)
/* ICMP messages (echo replies, errors) a port sends, at most: Linux's
 * defaults (net.ipv4.icmp_msgs_per_sec and icmp_msgs_burst, ns_route.c). */
#define NS_ICMP_PER_S		1000
#define NS_ICMP_BURST		50

struct ns_port_stats {
	uint64_t	rs_rx_frames;		/* handed to lwIP */
	uint64_t	rs_rx_bytes;
	uint64_t	rs_rx_truncated;	/* larger than a receive buffer */
	uint64_t	rs_rx_csum_completed;	/* partial checksum completed (UDP) */
	uint64_t	rs_rx_csum_trusted;	/* TCP, partial or kernel-verified: not summed */
	uint64_t	rs_rx_superframes;	/* GSO/GRO: longer than the MTU */
	uint64_t	rs_rx_malformed;	/* bad IPv4 header or length */
	uint64_t	rs_rx_not_ours;		/* no address of ours on this NIC */
	uint64_t	rs_rx_vlan;		/* on its link: a VLAN no NIC names */
	uint64_t	rs_rx_nomem;
	uint64_t	rs_rx_fragments;	/* IPv4 fragments on an untrusted port */
	uint64_t	rs_rx_shed;		/* data to an address over its memory share */
	uint64_t	rs_tx_frames;
	uint64_t	rs_tx_gso_frames;	/* of them, merged TCP segments */
	uint64_t	rs_tx_errors;
	uint64_t	rs_tx_no_route;		/* caused here, for elsewhere: not sent */
	uint64_t	rs_tx_rate_limited;	/* over NS_ICMP_PER_S: not sent */
	/* the NIC's neighbour table (ns_arp.c); its size is rp_arp.at_n */
	uint64_t	rs_nbr_evictions;	/* entries dropped for new ones */
	uint64_t	rs_nbr_refused;		/* ARP not learned from: bad sender, table full */
	uint64_t	rs_nbr_unresolved;	/* packets dropped: no neighbour */
	uint64_t	rs_nbr_requests;	/* ARP requests sent */
	uint64_t	rs_nbr_replies;		/* ARP replies sent */
};

struct ns_link;
struct ns_addr;

struct ns_port {
	char		rp_ifname[16];	/* the link's interface */
	int		rp_ifindex;
	uint16_t	rp_vlan;	/* 802.1Q VLAN id, 0: untagged */
	struct ns_link *rp_link;	/* NULL: never opened (the fuzzers') */
	uint8_t		rp_mac[6];
	uint16_t	rp_mtu;
	int		rp_txfd;	/* the link's, sends only, with PACKET_VNET_HDR */
	uint8_t		*rp_txbuf;	/* the pending frame, NS_TX_GSO_MAX */
	size_t		rp_tx_len;	/* its length, 0: none */
	unsigned int	rp_tx_segs;	/* TCP segments merged into it */
	uint16_t	rp_tx_mss;	/* payload of its first segment */
	uint16_t	rp_tx_last;	/* payload of its last segment */
	/* The pending frame is rp_txbuf's first rp_tx_flat bytes, then
	 * rp_tx_niov pieces of payload in the pbufs lwIP sent, each held by
	 * a reference until the frame is sent. */
	size_t		rp_tx_flat;
	struct iovec	rp_tx_iov[NS_TX_PIECES_MAX];
	struct pbuf	*rp_tx_held[NS_TX_PIECES_MAX];
	unsigned int	rp_tx_niov;
	unsigned int	rp_tx_nheld;
	/* On the list of ports with a pending frame (ns_ports_flush). */
	struct ns_port *rp_tx_next;
	int		rp_tx_listed;
	/* The port's netif, NULL until its first address: its address is
	 * rp_primary, but for the frame being handled, whose destination it
	 * shows while lwIP takes it (ns_port.c). */
	struct netif	*rp_netif;
	uint32_t	rp_primary;
	struct ns_addr *rp_addrs;	/* the port's entries of the table */
	unsigned int	rp_n_addrs;
	/* A consumer network: another tenant's, untrusted.  Its IPv4
	 * fragments are dropped, never reassembled: lwIP's reassembly is
	 * shared by all NICs, and TCP peers send whole segments (DF). */
	int		rp_untrusted;
	uint32_t	rp_icmp_tokens;		/* ns_route.c's bucket */
	uint32_t	rp_icmp_ms;
	struct ns_port_stats rp_stats;
	struct ns_arp_table rp_arp;	/* this NIC's neighbours only */
};

/* What the links saw that no port took (ns_link.c). */
struct ns_link_stats {
	uint64_t	ls_rx_no_port;		/* a VLAN (or untagged) no NIC names */
	uint64_t	ls_rx_truncated;	/* larger than a receive buffer */
	uint64_t	ls_rx_malformed;	/* no status, or a bad tag */
};

/* Stack setup: lwIP and the random source.  0, or an mbedTLS error. */
int ns_init(void);
/* Runs due lwIP timers; returns ms until the next timer is due. */
uint32_t ns_timers_run(void);
/* sys_timeout() that cannot fail for the heap's limit (ns_init.c). */
void ns_timeout(uint32_t ms, sys_timeout_handler handler, void *arg);

/*
 * Opens the network of VLAN vlan (0: untagged frames) on interface ifname
 * for the appliance's own stack, opening the link if no other port holds
 * it.  On failure returns a negative errno (-EBUSY: another port is that
 * network already) and sets *what to the step that failed.
 */
int ns_port_open(struct ns_port *rp, const char *ifname, uint16_t vlan, const char **what);
void ns_port_close(struct ns_port *rp);
/* Addresses (ns_addr.c).  add: addr (network byte order) on the port;
 * the first one makes the port's netif, with prefixlen and gateway.
 * *out is the port's netif.  0, or -EEXIST, -ENOSPC past NS_MAX_ADDRS
 * in all, -EMFILE past NS_MAX_NETIFS ports with addresses. */
int ns_port_add_addr(struct ns_port *rp, uint32_t addr, uint8_t prefixlen,
    uint32_t gateway, struct netif **out);
/* The port's netif if it holds addr, else NULL. */
struct netif *ns_port_find(struct ns_port *rp, uint32_t addr);
int ns_port_del_addr(struct ns_port *rp, uint32_t addr);
/* Up to max of the port's addresses into addrs; returns how many it has. */
unsigned int ns_port_addr_list(const struct ns_port *rp, uint32_t *addrs, unsigned int max);
unsigned int ns_addr_count(void);
int ns_netif_count(void);
/* Every link's socket is in one epoll set of the netstack's own: the
 * loop waits on ns_links_fd() and calls ns_links_input() when it is
 * readable.  Returns the frames taken, or a negative errno with *ifname
 * the interface whose socket failed. */
int ns_links_fd(void);
int ns_links_input(const char **ifname);
void ns_link_get_stats(struct ns_link_stats *st);
void ns_port_frame(struct ns_port *rp, uint8_t *frame, uint32_t len, uint32_t status);
err_t ns_tx_output(struct netif *netif, struct pbuf *p);
void ns_port_flush(struct ns_port *rp);
void ns_ports_flush(void);
void ns_tx_unlist(struct ns_port *rp);

/* ARP on the port's own neighbour table (ns_arp.c). */
int ns_arp_port_start(struct ns_port *rp);
void ns_arp_port_close(struct ns_port *rp);
void ns_arp_forget_netif(struct ns_port *rp, const struct netif *netif);
void ns_arp_forget_addr(struct ns_port *rp, uint32_t addr);
err_t ns_arp_output(struct netif *netif, struct pbuf *p, const ip4_addr_t *ipaddr);
void ns_arp_input(struct ns_port *rp, struct netif *netif, const uint8_t *frame, size_t len);

/*
 * Asked about each SYN a listener (a struct tcp_pcb_listen) receives
 * before lwIP answers it: 0 lets lwIP go on, anything else refuses the SYN
 * with a reset (ns_tcp_input.c).
 */
struct tcp_pcb;
typedef int (*ns_syn_gate_fn)(struct tcp_pcb *listener);
void ns_tcp_set_syn_gate(ns_syn_gate_fn gate);
/* A connection's owner lets go of its pcb (ns_tcp_release.c). */
void ns_tcp_detach(struct tcp_pcb *pcb);
int ns_tcp_release(struct tcp_pcb *pcb, int abort);
/* Told of each keepalive probe a connection receives from its peer. */
typedef void (*ns_keepalive_fn)(struct tcp_pcb *pcb);
void ns_tcp_set_keepalive_seen(ns_keepalive_fn seen);

/*
 * SYN defences.  Half-open connections: each listener queues at most
 * TCP_DEFAULT_LISTEN_BACKLOG (lwipopts.h), the appliance at most
 * NS_TCP_HALF_OPEN_MAX (ns_tcp_input.c); SYNs past either are answered
 * with SYN cookies (ns_tcp_cookie.c).
 * A rate limit per address (ns_synrate.c): ns_set_syn_rate() admits
 * at most per_s bare SYNs a second to netif's address, bursts of up to
 * burst (0: per_s) at once, checked on the frame before lwIP sees it;
 * per_s 0 (the default) sets no limit.  0, or -EINVAL for a rate past
 * NS_SYN_RATE_MAX.  ns_syn_rate_dropped() counts the SYNs it dropped
 * on netif, or on every netif for NULL.
 */
#define NS_SYN_RATE_MAX	1000000u
int ns_set_syn_rate(struct netif *netif, uint32_t addr, uint32_t per_s, uint32_t burst);
uint64_t ns_syn_rate_dropped(const struct netif *netif, uint32_t addr);
/* Whether the IPv4 packet ip (ip_len bytes, header checked) may go on to
 * lwIP: anything but a bare TCP SYN over its address's rate may. */
int ns_syn_admit(struct ns_addr *ra, const uint8_t *ip, size_t ip_len);
/* The same for a connection a SYN cookie's ACK to the address of the
 * frame being handled would make. */
int ns_syn_admit_cookie(void);
/* Shedding (ns_shed.c): while on for netif's addr, TCP segments with
 * payload to it are dropped (counted in rs_rx_shed) before lwIP. */
void ns_set_shed(struct netif *netif, uint32_t addr, int on);
int ns_shed_admit(struct ns_port *rp, const struct ns_addr *ra, const uint8_t *ip,
    size_t ip_len);
struct ns_syn_stats {
	unsigned int	ss_half_open;		/* SYN_RCVD on all listeners, now */
	uint64_t	ss_queue_full;		/* dropped: the listener's queue full */
	uint64_t	ss_half_open_full;	/* dropped: NS_TCP_HALF_OPEN_MAX held */
	uint64_t	ss_rate_limited;	/* dropped: over the address's rate */
	uint64_t	ss_cookies_sent;	/* SYN-ACKs with a cookie, for full queues */
	uint64_t	ss_cookies_accepted;	/* ACKs whose cookie made a connection */
	uint64_t	ss_cookies_rejected;	/* ACKs to a listener with a bad cookie */
	uint64_t	ss_no_cookie;		/* past the queue, dropped: unknown
						 * neighbour, MSS below the table */
};
void ns_tcp_get_syn_stats(struct ns_syn_stats *st);

/*
 * Parked connections (ns_tcp_park.c): idle ones and those in TIME_WAIT
 * wait outside lwIP's lists, in a keyed table and a timer wheel.  The
 * policy says whether an ESTABLISHED pcb with nothing due in lwIP may be
 * parked (nonzero) and, in *wake_in_ms, when its owner next needs lwIP's
 * poll (UINT32_MAX: never); without a policy nothing ESTABLISHED is.
 */
typedef int (*ns_park_policy_fn)(const struct tcp_pcb *pcb, uint32_t *wake_in_ms);
struct ns_park_stats {
	unsigned int	ps_parked;	/* now */
	unsigned int	ps_parked_time_wait;	/* of them, in TIME_WAIT */
	unsigned int	ps_lwip_active;	/* in lwIP's active list, now */
	unsigned int	ps_lwip_time_wait;	/* in lwIP's TIME_WAIT list, now */
	uint64_t	ps_parks;
	uint64_t	ps_unparks;
	uint64_t	ps_wakes;	/* of them, for a due timer */
	uint64_t	ps_time_wait_evicted;	/* ended early, over the bound */
};
int ns_tcp_park_init(void);
void ns_tcp_set_park_policy(ns_park_policy_fn policy);
void ns_tcp_park_stats(struct ns_park_stats *st);
void ns_tcp_park_input(const struct netif *netif, const uint8_t *ip, size_t ip_len);
void ns_tcp_park_after_input(void);
void ns_tcp_unpark(struct tcp_pcb *pcb);
/* Brings back what is parked on netif idx with local address addr (0:
 * any; NETIF_NO_INDEX: every netif). */
void ns_tcp_unpark_addr(u8_t idx, uint32_t addr);
/* Loss recovery from the peer's SACKs (ns_tcp_sack.c): the input hook
 * takes an ACK's blocks, the packet driver runs the recovery after lwIP. */
struct tcp_hdr;
void ns_tcp_sack_init(void);
void ns_tcp_sack_input(struct tcp_pcb *pcb, const struct tcp_hdr *hdr, u16_t optlen,
    u16_t opt1len, const u8_t *opt2);
void ns_tcp_sack_after_input(void);
void ns_tcp_sack_stats(uint64_t *rexmits, uint64_t *recoveries);
int ns_tcp_parked_tuple(u8_t netif_idx, uint32_t lip, uint16_t lport, uint32_t rip,
    uint16_t rport);

/* lwIP's heap (ns_mem.c): a limit on what it holds, 0 for none. */
struct ns_mem_stats {
	size_t		ms_limit;
	size_t		ms_held;	/* from libc, now */
	size_t		ms_cached;	/* of it, freed blocks kept for reuse */
	uint64_t	ms_refused;	/* allocations failed at the limit */
};
void ns_mem_set_limit(size_t bytes);
/* While on, allocations may use the limit's reserve; returns the old state. */
int ns_mem_urgent(int on);
void ns_mem_get_stats(struct ns_mem_stats *st);
/* Bytes usable at p, a block ns_mem_malloc returned: its size class. */
size_t ns_mem_usable(const void *p);

/*
 * Appends p (taken) to the chain q as pbuf_cat() does, but what fits in
 * room left at the end of q's last pbuf is copied there, and a small p is
 * copied into a compact buffer that takes what follows (ns_pbuf.c): a
 * queue of tiny segments holds about its bytes, not a pbuf each.  The
 * caller checks that the total length fits a u16_t.
 */
struct pbuf;
void ns_pbuf_append(struct pbuf *q, struct pbuf *p);

/* Packets lwIP made with nowhere they may go (ns_route.c), all NICs. */
uint64_t ns_route_discarded(void);
int ns_icmp_allow(struct ns_port *rp);

int ns_csum_complete_ipv4(uint8_t *ip, size_t len);
int ns_rand_init(void);
int ns_rand_bytes(void *buf, size_t len);
int ns_rand_tls(void *ctx, unsigned char *buf, size_t len);

#endif
