/*
 * The packet NIC driver: lwIP netifs on a Linux AF_PACKET socket.
 *
 * Receive: ring_port_input() takes the frames the socket holds in batches
 * (recvmmsg, each frame's status from PACKET_AUXDATA), picks the netif by
 * the address a frame names, copies the frame into a pbuf and gives it to
 * lwIP.  Transmit is ring_tx.c's.
 *
 * Checksums: a TCP segment the kernel vouches for is not verified again
 * (ring_rx_trusted); everything else is, by lwIP.  TCP checksums of what
 * lwIP sends are left to the kernel (ring_netif_init, ring_tx.c).
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

#define ETH_P_ALL_BE		0x0300	/* htons(ETH_P_ALL) */

static int
ring_sysctl_ipv6_off(const char *ifname)
{
	char path[96];
	int fd;

	/* The kernel would otherwise speak IPv6 (router solicitations) on an
	 * interface that carries no kernel address. */
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", ifname);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd == -1)
		return errno == ENOENT ? 0 : -errno;	/* no IPv6 in this kernel */
	if (write(fd, "1", 1) != 1) {
		int e = errno;
		close(fd);
		return -e;
	}
	close(fd);
	return 0;
}

static int
ring_if_query(struct ring_port *rp, const char **what)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	/* rp_ifname fits: ring_port_open checked its length. */
	memcpy(ifr.ifr_name, rp->rp_ifname, sizeof(rp->rp_ifname));
	if (ioctl(rp->rp_fd, SIOCGIFHWADDR, &ifr) == -1) {
		*what = "SIOCGIFHWADDR";
		return -errno;
	}
	memcpy(rp->rp_mac, ifr.ifr_hwaddr.sa_data, 6);
	if (ioctl(rp->rp_fd, SIOCGIFMTU, &ifr) == -1) {
		*what = "SIOCGIFMTU";
		return -errno;
	}
	if (ifr.ifr_mtu < 576 || ifr.ifr_mtu > 9000) {
		*what = "MTU out of range 576..9000";
		return -EINVAL;
	}
	rp->rp_mtu = (uint16_t)ifr.ifr_mtu;
	if (ioctl(rp->rp_fd, SIOCGIFFLAGS, &ifr) == -1) {
		*what = "SIOCGIFFLAGS";
		return -errno;
	}
	if (!(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(rp->rp_fd, SIOCSIFFLAGS, &ifr) == -1) {
			*what = "SIOCSIFFLAGS (bring up)";
			return -errno;
		}
	}
	return 0;
}

/*
 * The sending socket: protocol 0, so it receives nothing; every frame
 * carries a virtio_net_hdr (GSO, checksum offload).  Not PACKET_QDISC_BYPASS:
 * that path drops a GSO frame the device cannot take whole (TSO off)
 * instead of cutting it in software.  0 or a negative errno, *what set.
 */
static int
ring_tx_open(struct ring_port *rp, const char **what)
{
	struct sockaddr_ll sll;
	int one = 1, sndbuf = 4 * 1024 * 1024;

	rp->rp_txfd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (rp->rp_txfd == -1) {
		*what = "socket(AF_PACKET) for sending";
		return -errno;
	}
	if (setsockopt(rp->rp_txfd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) == -1) {
		*what = "PACKET_VNET_HDR";
		return -errno;
	}
	if (setsockopt(rp->rp_txfd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)) == -1) {
		*what = "SO_SNDBUF";
		return -errno;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = 0;
	sll.sll_ifindex = rp->rp_ifindex;
	if (bind(rp->rp_txfd, (struct sockaddr *)&sll, sizeof(sll)) == -1) {
		*what = "bind the sending socket to the interface";
		return -errno;
	}
	if ((rp->rp_txbuf = malloc(RING_TX_GSO_MAX)) == NULL) {
		*what = "transmit buffer";
		return -ENOMEM;
	}
	return 0;
}

/*
 * Opens ifname for the appliance's own stack.  On failure returns a
 * negative errno and sets *what to the step that failed; rp is then
 * closed.
 */
int
ring_port_open(struct ring_port *rp, const char *ifname, const char **what)
{
	struct sockaddr_ll sll;
	int one = 1, rcvbuf = RING_RX_QUEUE_BYTES, rc;

	memset(rp, 0, sizeof(*rp));
	rp->rp_fd = rp->rp_txfd = -1;
	if (strlen(ifname) >= sizeof(rp->rp_ifname)) {
		*what = "interface name too long";
		return -EINVAL;
	}
	strcpy(rp->rp_ifname, ifname);
	rp->rp_ifindex = (int)if_nametoindex(ifname);
	if (rp->rp_ifindex == 0) {
		*what = "if_nametoindex";
		return -errno;
	}
	/* Protocol 0: receive nothing until the ring is set up and bound. */
	rp->rp_fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (rp->rp_fd == -1) {
		*what = "socket(AF_PACKET)";
		return -errno;
	}
	if ((rc = ring_if_query(rp, what)) != 0)
		goto fail;
	if ((rc = ring_sysctl_ipv6_off(ifname)) != 0) {
		*what = "disable IPv6 on the interface";
		goto fail;
	}
	/* Each frame's status (partial checksum, VLAN tag) comes with it. */
	if (setsockopt(rp->rp_fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) == -1) {
		*what = "PACKET_AUXDATA";
		goto fail_errno;
	}
	/* Our own transmitted frames must not come back as input. */
	if (setsockopt(rp->rp_fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) == -1) {
		*what = "PACKET_IGNORE_OUTGOING";
		goto fail_errno;
	}
	/* Past net.core.rmem_max, which the default 208 KiB would cap: a few
	 * GSO super-frames fill that. */
	if (setsockopt(rp->rp_fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) == -1) {
		*what = "SO_RCVBUFFORCE";
		goto fail_errno;
	}
	rp->rp_rxbuf = malloc((size_t)RING_RX_BATCH * RING_RX_FRAME_MAX);
	if (rp->rp_rxbuf == NULL) {
		*what = "receive buffers";
		rc = -ENOMEM;
		goto fail;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = ETH_P_ALL_BE;
	sll.sll_ifindex = rp->rp_ifindex;
	if (bind(rp->rp_fd, (struct sockaddr *)&sll, sizeof(sll)) == -1) {
		*what = "bind to the interface";
		goto fail_errno;
	}
	if ((rc = ring_tx_open(rp, what)) != 0)
		goto fail;
	return 0;

fail_errno:
	rc = -errno;
fail:
	ring_port_close(rp);
	return rc;
}

void
ring_port_close(struct ring_port *rp)
{
	for (int i = 0; i < rp->rp_n_netifs; i++) {
		netif_remove(rp->rp_netifs[i]);
		free(rp->rp_netifs[i]);
	}
	rp->rp_n_netifs = 0;
	/* After the netifs: the resets of the connections netif_remove()
	 * aborted may wait in the table; its timer, and what it holds. */
	ns_arp_port_close(rp);
	if (rp->rp_txfd != -1)
		ring_port_flush(rp);	/* what lwIP sent last, resets included */
	free(rp->rp_rxbuf);
	rp->rp_rxbuf = NULL;
	free(rp->rp_txbuf);
	rp->rp_txbuf = NULL;
	if (rp->rp_txfd != -1)
		close(rp->rp_txfd);
	rp->rp_txfd = -1;
	if (rp->rp_fd != -1)
		close(rp->rp_fd);
	rp->rp_fd = -1;
}

static err_t
ring_netif_init(struct netif *netif)
{
	struct ring_port *rp = netif->state;

	/* Resolve through the NIC's own neighbour table (ns_arp.c). */
	if (ns_arp_port_start(rp) != 0)
		return ERR_IF;
	netif->name[0] = 'r';
	netif->name[1] = 'p';
	netif->output = ns_arp_output;
	netif->linkoutput = ring_tx_output;
	netif->mtu = rp->rp_mtu;
	netif->hwaddr_len = ETH_HWADDR_LEN;
	memcpy(netif->hwaddr, rp->rp_mac, ETH_HWADDR_LEN);
	netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET |
	    NETIF_FLAG_LINK_UP;
	/* ring_tx.c asks the kernel for every TCP checksum (NEEDS_CSUM, as
	 * a NIC's offload): lwIP summing each segment was an eighth of the
	 * bulk profile.  IP, UDP and ICMP checksums stay lwIP's. */
	NETIF_SET_CHECKSUM_CTRL(netif, NETIF_CHECKSUM_ENABLE_ALL & ~NETIF_CHECKSUM_GEN_TCP);
	return ERR_OK;
}

/*
 * Adds an IPv4 address (network byte order) to the port as a netif of its
 * own.  The netif is owned by the port; ring_port_del_addr (ring_addr.c)
 * frees it.  0 or a negative errno: -ENOSPC past RING_MAX_ADDRS on the
 * port, -EMFILE past RING_MAX_NETIFS on all ports together (lwIP's
 * netif_add() would loop for ever looking for a free number).
 */
int
ring_port_add_addr(struct ring_port *rp, uint32_t addr, uint8_t prefixlen,
    uint32_t gateway, struct netif **out)
{
	ip4_addr_t ip, mask, gw;
	struct netif *netif;

	if (rp->rp_n_netifs >= RING_MAX_ADDRS)
		return -ENOSPC;
	if (ring_netif_count() >= RING_MAX_NETIFS)
		return -EMFILE;
	for (int i = 0; i < rp->rp_n_netifs; i++)
		if (ip4_addr_get_u32(netif_ip4_addr(rp->rp_netifs[i])) == addr)
			return -EEXIST;
	netif = calloc(1, sizeof(*netif));
	if (netif == NULL)
		return -ENOMEM;
	ip4_addr_set_u32(&ip, addr);
	ip4_addr_set_u32(&mask, prefixlen == 0 ? 0 : lwip_htonl(0xffffffffu << (32 - prefixlen)));
	ip4_addr_set_u32(&gw, gateway);
	if (netif_add(netif, &ip, &mask, &gw, rp, ring_netif_init, ethernet_input) == NULL) {
		free(netif);
		return -EINVAL;
	}
	netif_set_up(netif);
	rp->rp_netifs[rp->rp_n_netifs++] = netif;
	if (out != NULL)
		*out = netif;
	return 0;
}

/* The netif holding addr (network byte order) on this port, or NULL.  It
 * may be down (its frames are dropped): an address a reload took away is
 * removed by ring_port_del_addr, which leaves it down only while a
 * listener is still bound to it. */
struct netif *
ring_port_find(struct ring_port *rp, uint32_t addr)
{
	for (int i = 0; i < rp->rp_n_netifs; i++)
		if (ip4_addr_get_u32(netif_ip4_addr(rp->rp_netifs[i])) == addr)
			return rp->rp_netifs[i];
	return NULL;
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
ring_rx_trusted(const uint8_t *ip, size_t ip_len, uint32_t status)
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
ring_rx_urgent(const uint8_t *ip, size_t ip_len)
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

/*
 * Hands one frame (len bytes, the ring's status bits) to lwIP through the
 * netif whose address it names; the frame may be modified in place.
 * IPv4 goes straight to ip4_input without its Ethernet header: a GSO/GRO
 * super-frame of a full 64 KiB IP packet is longer than a pbuf can be
 * with the header on.  ARP goes to this NIC's own neighbour table
 * (ns_arp.c), never lwIP's, which all NICs would share.
 */
void
ring_port_frame(struct ring_port *rp, uint8_t *frame, uint32_t len, uint32_t status)
{
	uint32_t dst;
	struct netif *netif;
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
		if ((netif = ring_port_find(rp, dst)) == NULL || !netif_is_up(netif)) {
			rp->rp_stats.rs_rx_not_ours++;
			return;
		}
		rp->rp_stats.rs_rx_frames++;
		rp->rp_stats.rs_rx_bytes += len;
		ns_arp_input(rp, netif, frame, len);
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
	if ((netif = ring_port_find(rp, dst)) == NULL || !netif_is_up(netif)) {
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
	trusted = ring_rx_trusted(frame + ETH_HDR_LEN, ip_len, status);
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
	if (!ring_syn_admit(netif, frame + ETH_HDR_LEN, ip_len))
		return;		/* over the address's SYN rate, counted */
	if (!ring_shed_admit(rp, netif, frame + ETH_HDR_LEN, ip_len))
		return;		/* its tenant is over its memory share, counted */
	urgent = ns_mem_urgent(ring_rx_urgent(frame + ETH_HDR_LEN, ip_len));
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
	} while (ns_tcp_take_reinput());
	ns_tcp_sack_after_input();
	ns_tcp_park_after_input();
	ns_mem_urgent(urgent);
}

/* One received frame: its status from the PACKET_AUXDATA message. */
static void
ring_frame_input(struct ring_port *rp, const struct mmsghdr *m, uint8_t *frame)
{
	const struct tpacket_auxdata *aux = NULL;
	struct cmsghdr *c;

	if (m->msg_hdr.msg_flags & MSG_TRUNC) {
		rp->rp_stats.rs_rx_truncated++;
		return;
	}
	for (c = CMSG_FIRSTHDR(&m->msg_hdr); c != NULL; c = CMSG_NXTHDR((struct msghdr *)&m->msg_hdr, c))
		if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA &&
		    c->cmsg_len >= CMSG_LEN(sizeof(*aux)))
			aux = (const struct tpacket_auxdata *)CMSG_DATA(c);
	if (aux == NULL) {
		/* the kernel always sends it once asked: count, never guess */
		rp->rp_stats.rs_rx_malformed++;
		return;
	}
	if (aux->tp_status & TP_STATUS_VLAN_VALID) {
		rp->rp_stats.rs_rx_vlan++;
		return;
	}
	ring_port_frame(rp, frame, m->msg_len, aux->tp_status);
}

/*
 * Hands the frames the socket holds to lwIP, in batches, RING_RX_BUDGET at
 * most.  Returns the number of frames seen, or a negative errno when the
 * socket fails (not for an empty queue).
 */
int
ring_port_input(struct ring_port *rp)
{
	struct mmsghdr msgs[RING_RX_BATCH];
	struct iovec iov[RING_RX_BATCH];
	union {
		struct cmsghdr	align;
		uint8_t		buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	} ctl[RING_RX_BATCH];
	int frames = 0;

	while (frames < RING_RX_BUDGET) {
		int n;

		for (int i = 0; i < RING_RX_BATCH; i++) {
			iov[i].iov_base = rp->rp_rxbuf + (size_t)i * RING_RX_FRAME_MAX;
			iov[i].iov_len = RING_RX_FRAME_MAX;
			memset(&msgs[i], 0, sizeof(msgs[i]));
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
			msgs[i].msg_hdr.msg_control = ctl[i].buf;
			msgs[i].msg_hdr.msg_controllen = sizeof(ctl[i].buf);
		}
		n = recvmmsg(rp->rp_fd, msgs, RING_RX_BATCH, MSG_DONTWAIT, NULL);
		if (n == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				break;
			return -errno;
		}
		for (int i = 0; i < n; i++)
			ring_frame_input(rp, &msgs[i], iov[i].iov_base);
		frames += n;
		if (n < RING_RX_BATCH)
			break;
	}
	return frames;
}
