/*
 * lwIP options for privlinkd: a raw-API TCP proxy on Ethernet frames,
 * driven by one single-threaded event loop (NO_SYS).  Everything not set
 * here is lwIP's default from lwip/opt.h.
 */
#ifndef PRIVLINK_LWIPOPTS_H
#define PRIVLINK_LWIPOPTS_H

/* One thread, no OS layer, raw API only. */
#define NO_SYS				1
#define SYS_LIGHTWEIGHT_PROT		0
#define LWIP_SOCKET			0
#define LWIP_NETCONN			0
#define LWIP_TIMERS			1

/* Memory comes from the libc heap; our own caps bound it (connection
 * limits, windows), not lwIP's static pools, which would have to be sized
 * for the largest deployment up front. */
#define MEM_LIBC_MALLOC			0
/* libc's heap behind a cache of freed blocks (netstack/ns_mem.c): musl
 * gives memory back to the kernel at packet rate otherwise. */
#define MEM_CUSTOM_ALLOCATOR		1
#define MEM_CUSTOM_MALLOC		ns_mem_malloc
#define MEM_CUSTOM_CALLOC		ns_mem_calloc
#define MEM_CUSTOM_FREE			ns_mem_free
#include <stddef.h>
void *ns_mem_malloc(size_t size);
void *ns_mem_calloc(size_t count, size_t size);
void ns_mem_free(void *p);
#define MEMP_MEM_MALLOC			1
#define MEM_ALIGNMENT			8

/* IPv4 only for now; no forwarding ever: the appliance must not route
 * between its NICs (the data-exfiltration guarantee). */
#define LWIP_IPV4			1
#define LWIP_IPV6			0
#define IP_FORWARD			0
#define IP_REASSEMBLY			1
#define IP_FRAG				1
#define LWIP_ARP			1
#define LWIP_ETHERNET			1
/* The packet NICs' netifs resolve through each NIC's own neighbour table
 * (netstack/ns_arp.c), which also holds the first SYNs to a backend while
 * it resolves; lwIP's one table for all NICs stays unused (ethernet.c
 * needs LWIP_ARP; etharp.c's announcement on netif_set_up is kept). */
#define ARP_TABLE_SIZE			4
#define ARP_QUEUEING			0
#define LWIP_ICMP			1
#define LWIP_RAW			0
#define LWIP_UDP			1
#define LWIP_DHCP			0
#define LWIP_AUTOIP			0
#define LWIP_IGMP			0
#define LWIP_DNS			0
#define LWIP_SINGLE_NETIF		0
#define LWIP_NETIF_HOSTNAME		0
#define LWIP_NETIF_STATUS_CALLBACK	0
#define LWIP_NETIF_LINK_CALLBACK	0
#define LWIP_NETIF_TX_SINGLE_PBUF	1

/* TCP: full-size segments on Ethernet; windows large enough for one
 * stream to keep a LAN busy while the event loop serves other work (a
 * 63 KiB window held one stream to about 2 Gbit/s here).  The relay
 * queues at most one receive window per direction, in a list of pbuf
 * chains (firmware/proxy/relay.c), and one send buffer; an idle connection
 * holds neither.  The window needs a scale of 3 (0xffff << 3). */
#define LWIP_TCP			1
#define TCP_MSS				1460
#define LWIP_WND_SCALE			1
#define TCP_RCV_SCALE			3
#define TCP_WND				(256 * 1024)
#define TCP_SND_BUF			(256 * 1024)
/* Read only by the netconn API (off here); lwIP's checks want it below
 * 64 KiB minus 4 MSS, which its default of half TCP_SND_BUF is not. */
#define TCP_SNDLOWAT			(16 * TCP_MSS)
#define TCP_SND_QUEUELEN		((4 * TCP_SND_BUF + TCP_MSS - 1) / TCP_MSS)
#define TCP_QUEUE_OOSEQ			1
/* Consumers sit behind VPNs and WAN links that lose packets.  SACK on
 * receive (RFC 2018): a sender that lost several segments of a window
 * learns of every hole at once instead of one per retransmission timeout.
 * Four ranges per pcb (lwIP's default), 32 bytes. */
#define LWIP_TCP_SACK_OUT		1
/* lwIP's clock: the fast timer (delayed ACKs) every TCP_TMR_INTERVAL, the
 * slow one (retransmission, keepalive, TIME_WAIT) every second tick.  The
 * retransmission timeout is counted in slow ticks and is never below 3 of
 * them: at lwIP's default of 250 ms that is 1.5 s, at 35 ms 210 ms, about
 * Linux's 200 ms (lower would retransmit to receivers that delay their
 * ACK 200 ms, as Windows does); a delayed ACK waits 35 ms (Linux 40 ms).
 * Over a lossy consumer link the timeout is what a download waits for
 * most (README, Benchmarks): from 250 ms to 50 ms doubled one at 1 % loss,
 * and to 25 ms doubled it again.  The timers walk only connections with
 * something due (netstack/ns_tcp_park.c).  The first timeout is RFC 6298's
 * 1 s, not lwIP's 3 s. */
#define TCP_TMR_INTERVAL		35
#define LWIP_TCP_RTO_TIME		1000
/* Out-of-order data a connection may hold: one window, in at most a
 * window of full segments.  Without a bound a peer sending segments past
 * a hole holds memory without limit, and lwIP walks the queue for each;
 * past it lwIP drops from the queue's end (the peer sends it again). */
#define TCP_OOSEQ_MAX_BYTES		TCP_WND
#define TCP_OOSEQ_MAX_PBUFS		(TCP_WND / TCP_MSS + 1)
/* TIME_WAIT (2 * MSL) of 60 s, as Linux: NAT ports come back sooner. */
#define TCP_MSL				30000UL
/* Each listener's queue of half-open connections (SYN_RCVD, lwIP counts
 * them in accepts_pending): a SYN past it is dropped and counted
 * (ns_tcp_input.c), so a flood costs one listener's queue of memory, not
 * the heap.  128 handshakes in flight per endpoint and port is far more
 * than clients one round trip away need; each holds about 500 bytes. */
#define TCP_LISTEN_BACKLOG		1
#define TCP_DEFAULT_LISTEN_BACKLOG	128
/* Overlapping consumer networks bind the same IP:port on two netifs. */
#define SO_REUSE			1
#define LWIP_TCP_KEEPALIVE		1
#define LWIP_RANDOMIZE_INITIAL_LOCAL_PORTS 1
#define LWIP_CALLBACK_API		1
/* Slots per pcb for state of ours, whose destroy callback tells when lwIP
 * frees the pcb: its parking (netstack/ns_tcp_park.c) and its SACK
 * scoreboard (netstack/ns_tcp_sack.c). */
#define LWIP_TCP_PCB_NUM_EXT_ARGS	2
/* htons() and friends come from libc; lwIP uses its lwip_ names. */
#define LWIP_DONT_PROVIDE_BYTEORDER_FUNCTIONS 1
#define TCP_OVERSIZE			TCP_MSS

/* Counters for every drop path; read by the status output. */
#define LWIP_STATS			1
#define LWIP_STATS_DISPLAY		0
#define MEM_STATS			0
#define MEMP_STATS			0
#define SYS_STATS			0

/* Checksums: on by default; the packet NICs' netifs switch off generating TCP
 * checksums (the kernel completes them, NEEDS_CSUM) and, per frame,
 * checking those the kernel vouches for (netstack/ns_port.c). */
#define LWIP_CHECKSUM_CTRL_PER_NETIF	1
#define CHECKSUM_GEN_IP			1
#define CHECKSUM_GEN_TCP		1
#define CHECKSUM_CHECK_IP		1
#define CHECKSUM_CHECK_TCP		1

/* Unpredictable initial sequence numbers (RFC 6528), keyed from mbedTLS. */
#define LWIP_HOOK_FILENAME		"netstack_hooks.h"
#define LWIP_HOOK_TCP_ISN(local_ip, local_port, remote_ip, remote_port) \
	ns_tcp_isn((local_ip), (local_port), (remote_ip), (remote_port))
/* Unbound output (ICMP replies, resets) leaves by the NIC of the input
 * that caused it: consumer networks may overlap. */
#define LWIP_HOOK_IP4_ROUTE_SRC(src, dest)	ns_ip4_route_src((src), (dest))
/* A new SYN on a 4-tuple in TIME_WAIT opens a new connection, as on Linux;
 * a listener may refuse a SYN before it is answered; a full listener
 * answers with SYN cookies; peers' keepalive probes are reported
 * (netstack/ns_tcp_input.c). */
#define LWIP_HOOK_TCP_INPACKET_PCB(pcb, hdr, optlen, opt1len, opt2, p) \
	ns_tcp_inpacket((pcb), (hdr), (optlen), (opt1len), (opt2), (p))

#endif
