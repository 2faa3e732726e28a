/*
 * The packet NIC driver: a port's lwIP netif on its link (ns_link.c).
 *
 * Receive: ns_port_frame() takes a frame of the port's network, finds
 * the address it names in the table (ns_addr.c), copies the frame into
 * a pbuf and gives it to lwIP.  Transmit is ns_tx.c's.
 *
 * Checksums: a TCP segment the kernel vouches for is not verified again
 * (ns_rx_trusted); everything else is, by lwIP.  TCP checksums of what
 * lwIP sends are left to the kernel (ns_netif_init, ns_tx.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netpacket/packet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lwip/ip4.h"
#include "lwip/ip4_addr.h"
#include "lwip/prot/ip.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "netif/ethernet.h"

#include "netstack.h"
#include "netstack_hooks.h"
#include "prot/ether.h"
#include "prot/tpacket.h"
#include "ns_addr.h"
#include "ns_link.h"


/*
 * Opens the network of VLAN vlan (0: untagged) on ifname: the port joins
 * the link of that interface, opened by the first port on it.  On failure
 * returns a negative errno and sets *what to the step that failed; rp is
 * then closed.
 */
int
ns_port_open(struct ns_port *rp, const char *ifname, uint16_t vlan, const char **what)
{
	int rc;

	ns_tx_unlist(rp);	/* a port opened again without a close */
	memset(rp, 0, sizeof(*rp));
	rp->rp_txfd = -1;
	if (vlan > NS_VLAN_MAX) {
		*what = "VLAN id out of range 1..4094";
		return -EINVAL;
	}
	if (strlen(ifname) >= sizeof(rp->rp_ifname)) {
		*what = "interface name too long";
		return -EINVAL;
	}
	strcpy(rp->rp_ifname, ifname);
	rp->rp_vlan = vlan;
	if ((rc = ns_link_join(rp, what)) != 0)
		return rc;
	if ((rp->rp_txbuf = malloc(NS_TX_GSO_MAX)) == NULL) {
		*what = "transmit buffer";
		ns_port_close(rp);
		return -ENOMEM;
	}
	return 0;
}

void
ns_port_close(struct ns_port *rp)
{
	ns_port_del_all(rp);
	/* After the addresses: the resets of the connections their removal
	 * aborted may wait in the table; its timer, and what it holds. */
	ns_arp_port_close(rp);
	if (rp->rp_txbuf != NULL && rp->rp_txfd != -1)
		ns_port_flush(rp);	/* what lwIP sent last, resets included */
	ns_tx_unlist(rp);
	free(rp->rp_txbuf);
	rp->rp_txbuf = NULL;
	ns_link_leave(rp);
	rp->rp_txfd = -1;
}

err_t
ns_netif_init(struct netif *netif)
{
	struct ns_port *rp = netif->state;

	/* Resolve through the NIC's own neighbour table (ns_arp.c). */
	if (ns_arp_port_start(rp) != 0)
		return ERR_IF;
	netif->name[0] = 'r';
	netif->name[1] = 'p';
	netif->output = ns_arp_output;
	netif->linkoutput = ns_tx_output;
	netif->mtu = rp->rp_mtu;
	netif->hwaddr_len = ETH_HWADDR_LEN;
	memcpy(netif->hwaddr, rp->rp_mac, ETH_HWADDR_LEN);
	netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET |
	    NETIF_FLAG_LINK_UP;
	/* ns_tx.c asks the kernel for every TCP checksum (NEEDS_CSUM, as
	 * a NIC's offload): lwIP summing each segment was an eighth of the
	 * bulk profile.  IP, UDP and ICMP checksums stay lwIP's. */
	NETIF_SET_CHECKSUM_CTRL(netif, NETIF_CHECKSUM_ENABLE_ALL & ~NETIF_CHECKSUM_GEN_TCP);
	return ERR_OK;
}

/*
 * Whether the TCP checksum of an IPv4 packet (ip_len bytes at ip) need not
 * be verified: the kernel left it partial (TP_STATUS_CSUMNOTREADY: the
 * sending stack is on this host, or a hypervisor's, and the payload never
 * crossed a wire; the kernel's own receive path trusts it the same way)
 * or checked it already (TP_STATUS_CSUM_VALID: the NIC's or the kernel's
 * verdict).  Never a fragment: a reassembled packet's checksum is
 * verified whole.  A frame without either bit, a hostile one from a real
 * wire included, is verified by lwIP and dropped if bad.
 */
static int
ns_rx_trusted(const uint8_t *ip, size_t ip_len, uint32_t status)
{
	if ((status & (TP_STATUS_CSUMNOTREADY | TP_STATUS_CSUM_VALID)) == 0)
		return 0;
	return ip_len >= 20 && ip[9] == IP_PROTO_TCP &&
	    (ip[6] & 0x3f) == 0 && ip[7] == 0;	/* MF clear, offset 0 */
}

/*
 * Whether an IPv4 packet (ip_len bytes at ip, header checked) carries no
 * TCP payload and no SYN, or is not TCP: ACKs, resets and FINs free
 * memory, so they may use the heap's reserve (ns_mem.c) when data may
 * not.  A SYN never may: it is what makes new connections, and a flood
 * of them would take the reserve meant for the segments that end them.
 */
static int
ns_rx_urgent(const uint8_t *ip, size_t ip_len)
{
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4, doff;

	if (ip[9] != IP_PROTO_TCP)
		return 1;
	if (ip_len < ihl + 20)
		return 1;	/* lwIP drops it; nothing is held */
	if (ip[ihl + 13] & 0x04)
		return 1;	/* RST */
	if (ip[ihl + 13] & 0x02)
		return 0;	/* SYN */
	doff = (size_t)(ip[ihl + 12] >> 4) * 4;
	return ip_len <= ihl + doff;	/* no payload */
}

/* The address rp's netif shows lwIP (network byte order); none once the
 * port has lost its netif (a reload took its last address while lwIP
 * handled its frame). */
static void
ns_netif_show(struct ns_port *rp, uint32_t addr)
{
	if (rp->rp_netif != NULL)
		ip4_addr_set_u32(ip_2_ip4(&rp->rp_netif->ip_addr), addr);
}

/*
 * Hands one frame of the port's network (len bytes, untagged, the
 * socket's status bits) to lwIP if it names an address of the port; the
 * frame may be modified in place.
 * IPv4 goes straight to ip4_input without its Ethernet header: a GSO/GRO
 * super-frame of a full 64 KiB IP packet is longer than a pbuf can be
 * with the header on.  ARP goes to this NIC's own neighbour table
 * (ns_arp.c), never lwIP's, which all NICs would share.
 */
void
ns_port_frame(struct ns_port *rp, uint8_t *frame, uint32_t len, uint32_t status)
{
	uint32_t dst;
	struct netif *netif = rp->rp_netif;
	struct ns_addr *ra;
	struct pbuf *p;
	uint16_t type;
	size_t ip_len, tot_len;
	int trusted, urgent;

	if (len < ETH_HDR_LEN) {
		rp->rp_stats.rs_rx_malformed++;
		return;
	}
	type = (uint16_t)(frame[ETH_TYPE_OFF] << 8 | frame[ETH_TYPE_OFF + 1]);
	if (type == ETH_TYPE_ARP) {
		/* the target protocol address of an Ethernet/IPv4 ARP packet */
		if (len < ETH_HDR_LEN + ARP_LEN) {
			rp->rp_stats.rs_rx_malformed++;
			return;
		}
		memcpy(&dst, frame + ETH_HDR_LEN + ARP_OFF_TPA, 4);
		if ((ra = ns_addr_find(rp, dst)) == NULL || ra->ra_down) {
			rp->rp_stats.rs_rx_not_ours++;
			return;
		}
		rp->rp_stats.rs_rx_frames++;
		rp->rp_stats.rs_rx_bytes += len;
		/* Answered from the address asked for. */
		ns_addr_current = ra;
		ns_netif_show(rp, dst);
		ns_arp_input(rp, netif, frame, len);
		ns_addr_current = NULL;
		ns_netif_show(rp, rp->rp_primary);
		ns_netif_reap();
		return;
	}
	if (type != ETH_TYPE_IPV4) {
		rp->rp_stats.rs_rx_not_ours++;
		return;
	}

	ip_len = len - ETH_HDR_LEN;
	if (ip_len < 20) {
		rp->rp_stats.rs_rx_malformed++;
		return;
	}
	memcpy(&dst, frame + ETH_HDR_LEN + 16, 4);
	if ((ra = ns_addr_find(rp, dst)) == NULL || ra->ra_down) {
		rp->rp_stats.rs_rx_not_ours++;
		return;
	}
	/* Drop Ethernet padding and anything past the IP total length; lwIP's
	 * ip4_input reads the header before checking any length, so a total
	 * length below a minimal header is refused here. */
	tot_len = (size_t)frame[ETH_HDR_LEN + 2] << 8 | frame[ETH_HDR_LEN + 3];
	if (tot_len < 20) {
		rp->rp_stats.rs_rx_malformed++;
		return;
	}
	if (tot_len < ip_len)
		ip_len = tot_len;
	/* MF set or an offset: a fragment (rp_untrusted says why). */
	if (rp->rp_untrusted && ((frame[ETH_HDR_LEN + 6] & 0x3f) != 0 || frame[ETH_HDR_LEN + 7] != 0)) {
		rp->rp_stats.rs_rx_fragments++;
		return;
	}
	trusted = ns_rx_trusted(frame + ETH_HDR_LEN, ip_len, status);
	if (trusted) {
		rp->rp_stats.rs_rx_csum_trusted++;
	} else if (status & TP_STATUS_CSUMNOTREADY) {
		/* UDP, or a fragment: the checksum is needed whole. */
		if (ns_csum_complete_ipv4(frame + ETH_HDR_LEN, ip_len) != 0) {
			rp->rp_stats.rs_rx_malformed++;
			return;
		}
		rp->rp_stats.rs_rx_csum_completed++;
	}
	if (ip_len > rp->rp_mtu)
		rp->rp_stats.rs_rx_superframes++;
	rp->rp_stats.rs_rx_frames++;
	rp->rp_stats.rs_rx_bytes += len;
	if (!ns_syn_admit(ra, frame + ETH_HDR_LEN, ip_len))
		return;		/* over the address's SYN rate, counted */
	if (!ns_shed_admit(rp, ra, frame + ETH_HDR_LEN, ip_len))
		return;		/* its tenant is over its memory share, counted */
	urgent = ns_mem_urgent(ns_rx_urgent(frame + ETH_HDR_LEN, ip_len));
	/* lwIP takes what is addressed to its netif's address: the netif
	 * shows the frame's own while lwIP handles it, so what lwIP answers
	 * from the destination (resets, ICMP) comes from it too. */
	ns_netif_show(rp, dst);
	ns_addr_current = ra;
	/* A second pass when a SYN freed a TIME_WAIT pcb (ns_tcp_tw.c) or
	 * an ACK's SYN cookie made a connection (ns_tcp_cookie.c). */
	do {
		/* A packet of up to one pool pbuf in a pbuf of its own size:
		 * what is held is what was sent, not a pool pbuf (1.5 KiB)
		 * for one byte of payload.  Larger ones in a chain of pool
		 * pbufs (one MSS each), not one pbuf of the frame's length:
		 * a 64 KiB super-frame in one block sits in musl's mmap'ed
		 * size classes, and every free of one was a munmap with a
		 * TLB shootdown on every CPU (a third of the time in the
		 * profile). */
		if (ip_len > 0xffff ||
		    (p = pbuf_alloc(PBUF_RAW, (u16_t)ip_len,
		    ip_len <= PBUF_POOL_BUFSIZE ? PBUF_RAM : PBUF_POOL)) == NULL) {
			rp->rp_stats.rs_rx_nomem++;
			break;
		}
		if (pbuf_take(p, frame + ETH_HDR_LEN, (u16_t)ip_len) != ERR_OK) {
			pbuf_free(p);
			rp->rp_stats.rs_rx_nomem++;
			break;
		}
		if (frame[0] & 1)	/* group address: tell lwIP, as ethernet_input does */
			p->flags |= memcmp(frame, "\xff\xff\xff\xff\xff\xff", 6) == 0 ?
			    PBUF_FLAG_LLBCAST : PBUF_FLAG_LLMCAST;
		/* ip4_input always consumes the pbuf.  The netif's check flag
		 * is this frame's only while lwIP handles it: lwIP has no
		 * per-packet control, and nothing else runs meanwhile. */
		if (trusted)
			netif->chksum_flags &= (u16_t)~NETIF_CHECKSUM_CHECK_TCP;
		ns_tcp_park_input(netif, frame + ETH_HDR_LEN, ip_len);
		ip4_input(p, netif);
		netif->chksum_flags |= NETIF_CHECKSUM_CHECK_TCP;
		/* What lwIP called may have closed the port (a reload from
		 * the management API): its netif is freed after the frame. */
		if (rp->rp_netif != netif)
			break;
	} while (ns_tcp_take_reinput());
	ns_addr_current = NULL;
	ns_netif_show(rp, rp->rp_primary);
	ns_netif_reap();
	ns_tcp_sack_after_input();
	ns_tcp_park_after_input();
	ns_mem_urgent(urgent);
}
