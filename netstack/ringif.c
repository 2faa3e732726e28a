/*
 * The packet-ring NIC driver: lwIP netifs on a Linux AF_PACKET socket with
 * a TPACKET_V3 receive ring.
 *
 * Receive: the kernel fills ring blocks; ring_port_input() walks every
 * block handed to user space, completes partial checksums, picks the netif
 * by the address a frame names, copies the frame into a pbuf and gives it
 * to lwIP.  Transmit: lwIP's frames go out with one send() each.
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
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lwip/etharp.h"
#include "lwip/ip4.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "netif/ethernet.h"

#include "netstack.h"
#include "netstack_hooks.h"
#include "prot/tpacket.h"

#define ETH_HDR_LEN		14
#define ETHTYPE_IPV4		0x0800
#define ETHTYPE_ARP		0x0806
#define ETH_P_ALL_BE		0x0300	/* htons(ETH_P_ALL) */
/* Frames lwIP sends are at most one MTU; a chain longer than this many
 * pbufs is linearised first. */
#define RING_TX_IOV_MAX		16

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
 * Opens ifname for the appliance's own stack.  On failure returns a
 * negative errno and sets *what to the step that failed; rp is then
 * closed.
 */
int
ring_port_open(struct ring_port *rp, const char *ifname, const char **what)
{
	struct tpacket_req3 req;
	struct sockaddr_ll sll;
	int one = 1, version = TPACKET_V3_VERSION, sndbuf = 4 * 1024 * 1024, rc;

	memset(rp, 0, sizeof(*rp));
	rp->rp_fd = -1;
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
	if (setsockopt(rp->rp_fd, SOL_PACKET, PACKET_VERSION, &version, sizeof(version)) == -1) {
		*what = "PACKET_VERSION TPACKET_V3";
		goto fail_errno;
	}
	/* Our own transmitted frames must not come back as input. */
	if (setsockopt(rp->rp_fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) == -1) {
		*what = "PACKET_IGNORE_OUTGOING";
		goto fail_errno;
	}
	if (setsockopt(rp->rp_fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)) == -1) {
		*what = "SO_SNDBUF";
		goto fail_errno;
	}
	memset(&req, 0, sizeof(req));
	req.tp_block_size = RING_BLOCK_SIZE;
	req.tp_block_nr = RING_BLOCK_NR;
	req.tp_frame_size = RING_FRAME_SIZE;
	req.tp_frame_nr = RING_BLOCK_SIZE / RING_FRAME_SIZE * RING_BLOCK_NR;
	req.tp_retire_blk_tov = RING_BLOCK_TIMEOUT_MS;
	if (setsockopt(rp->rp_fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) == -1) {
		*what = "PACKET_RX_RING";
		goto fail_errno;
	}
	rp->rp_ring_len = (size_t)RING_BLOCK_SIZE * RING_BLOCK_NR;
	rp->rp_ring = mmap(NULL, rp->rp_ring_len, PROT_READ | PROT_WRITE, MAP_SHARED,
	    rp->rp_fd, 0);
	if (rp->rp_ring == MAP_FAILED) {
		rp->rp_ring = NULL;
		*what = "mmap of the receive ring";
		goto fail_errno;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = ETH_P_ALL_BE;
	sll.sll_ifindex = rp->rp_ifindex;
	if (bind(rp->rp_fd, (struct sockaddr *)&sll, sizeof(sll)) == -1) {
		*what = "bind to the interface";
		goto fail_errno;
	}
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
	if (rp->rp_ring != NULL)
		munmap(rp->rp_ring, rp->rp_ring_len);
	rp->rp_ring = NULL;
	if (rp->rp_fd != -1)
		close(rp->rp_fd);
	rp->rp_fd = -1;
}

/* lwIP's linkoutput: one frame out, as it is; lwIP keeps the pbuf. */
static err_t
ring_linkoutput(struct netif *netif, struct pbuf *p)
{
	struct ring_port *rp = netif->state;
	struct iovec iov[RING_TX_IOV_MAX];
	uint8_t flat[ETH_HDR_LEN + 9000];
	struct msghdr msg;
	struct pbuf *q;
	int n = 0;

	memset(&msg, 0, sizeof(msg));
	for (q = p; q != NULL && n < RING_TX_IOV_MAX; q = q->next, n++) {
		iov[n].iov_base = q->payload;
		iov[n].iov_len = q->len;
	}
	if (q != NULL) {
		if (p->tot_len > sizeof(flat)) {
			rp->rp_stats.rs_tx_errors++;
			return ERR_BUF;
		}
		pbuf_copy_partial(p, flat, p->tot_len, 0);
		iov[0].iov_base = flat;
		iov[0].iov_len = p->tot_len;
		n = 1;
	}
	msg.msg_iov = iov;
	msg.msg_iovlen = n;
	if (sendmsg(rp->rp_fd, &msg, MSG_DONTWAIT) == -1) {
		/* A full device queue drops the frame, as a wire would; TCP
		 * retransmits. */
		rp->rp_stats.rs_tx_errors++;
		return ERR_IF;
	}
	rp->rp_stats.rs_tx_frames++;
	return ERR_OK;
}

static err_t
ring_netif_init(struct netif *netif)
{
	struct ring_port *rp = netif->state;

	netif->name[0] = 'r';
	netif->name[1] = 'p';
	netif->output = etharp_output;
	netif->linkoutput = ring_linkoutput;
	netif->mtu = rp->rp_mtu;
	netif->hwaddr_len = ETH_HWADDR_LEN;
	memcpy(netif->hwaddr, rp->rp_mac, ETH_HWADDR_LEN);
	netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET |
	    NETIF_FLAG_LINK_UP;
	return ERR_OK;
}

/*
 * Adds an IPv4 address (network byte order) to the port as a netif of its
 * own.  The netif is owned by the port.  0 or a negative errno.
 */
int
ring_port_add_addr(struct ring_port *rp, uint32_t addr, uint8_t prefixlen,
    uint32_t gateway, struct netif **out)
{
	ip4_addr_t ip, mask, gw;
	struct netif *netif;

	if (rp->rp_n_netifs >= RING_MAX_ADDRS)
		return -ENOSPC;
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
 * may be down: an address a reload took away is kept as a down netif (its
 * frames are dropped) rather than removed, since lwIP's netif_remove()
 * aborts every connection of that IP, on other NICs too. */
struct netif *
ring_port_find(struct ring_port *rp, uint32_t addr)
{
	for (int i = 0; i < rp->rp_n_netifs; i++)
		if (ip4_addr_get_u32(netif_ip4_addr(rp->rp_netifs[i])) == addr)
			return rp->rp_netifs[i];
	return NULL;
}

/*
 * Hands one frame (len bytes, the ring's status bits) to lwIP through the
 * netif whose address it names; the frame may be modified in place.
 * IPv4 goes straight to ip4_input without its Ethernet header: a GSO/GRO
 * super-frame of a full 64 KiB IP packet is longer than a pbuf can be
 * with the header on.  ARP goes through lwIP's ethernet_input.
 */
void
ring_port_frame(struct ring_port *rp, uint8_t *frame, uint32_t len, uint32_t status)
{
	uint32_t dst;
	struct netif *netif;
	struct pbuf *p;
	uint16_t type;
	size_t ip_len, tot_len;

	if (len < ETH_HDR_LEN) {
		rp->rp_stats.rs_rx_malformed++;
		return;
	}
	type = (uint16_t)(frame[12] << 8 | frame[13]);
	if (type == ETHTYPE_ARP) {
		/* the target protocol address of an Ethernet/IPv4 ARP packet */
		if (len < ETH_HDR_LEN + 28) {
			rp->rp_stats.rs_rx_malformed++;
			return;
		}
		memcpy(&dst, frame + ETH_HDR_LEN + 24, 4);
		if ((netif = ring_port_find(rp, dst)) == NULL || !netif_is_up(netif)) {
			rp->rp_stats.rs_rx_not_ours++;
			return;
		}
		if ((p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_RAM)) == NULL) {
			rp->rp_stats.rs_rx_nomem++;
			return;
		}
		memcpy(p->payload, frame, len);
		rp->rp_stats.rs_rx_frames++;
		rp->rp_stats.rs_rx_bytes += len;
		if (netif->input(p, netif) != ERR_OK)
			pbuf_free(p);
		return;
	}
	if (type != ETHTYPE_IPV4) {
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
	if (status & TP_STATUS_CSUMNOTREADY) {
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
	/* A second pass when a SYN freed a TIME_WAIT pcb (ns_timewait.c). */
	do {
		if (ip_len > 0xffff ||
		    (p = pbuf_alloc(PBUF_RAW, (u16_t)ip_len, PBUF_RAM)) == NULL) {
			rp->rp_stats.rs_rx_nomem++;
			return;
		}
		memcpy(p->payload, frame + ETH_HDR_LEN, ip_len);
		if (frame[0] & 1)	/* group address: tell lwIP, as ethernet_input does */
			p->flags |= memcmp(frame, "\xff\xff\xff\xff\xff\xff", 6) == 0 ?
			    PBUF_FLAG_LLBCAST : PBUF_FLAG_LLMCAST;
		/* ip4_input always consumes the pbuf. */
		ip4_input(p, netif);
	} while (ns_tcp_take_reinput());
}

static void
ring_frame_input(struct ring_port *rp, struct tpacket3_hdr *h)
{
	if (h->tp_snaplen < h->tp_len) {
		rp->rp_stats.rs_rx_truncated++;
		return;
	}
	if (h->tp_status & TP_STATUS_VLAN_VALID) {
		rp->rp_stats.rs_rx_vlan++;
		return;
	}
	ring_port_frame(rp, (uint8_t *)h + h->tp_mac, h->tp_snaplen, h->tp_status);
}

/*
 * Hands every frame of every block the kernel has released to lwIP, then
 * gives the blocks back.  Returns the number of frames seen.
 */
int
ring_port_input(struct ring_port *rp)
{
	int frames = 0;

	for (;;) {
		struct tpacket_block_desc *bd = (struct tpacket_block_desc *)
		    (rp->rp_ring + (size_t)rp->rp_block_cur * RING_BLOCK_SIZE);
		struct tpacket3_hdr *h;
		uint32_t n;

		if (!(__atomic_load_n(&bd->bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER))
			break;
		h = (struct tpacket3_hdr *)((uint8_t *)bd + bd->bh1.offset_to_first_pkt);
		for (n = 0; n < bd->bh1.num_pkts; n++) {
			if ((size_t)h->tp_mac + h->tp_snaplen > RING_BLOCK_SIZE) {
				rp->rp_stats.rs_rx_malformed++;
				break;
			}
			ring_frame_input(rp, h);
			frames++;
			h = (struct tpacket3_hdr *)((uint8_t *)h + h->tp_next_offset);
		}
		__atomic_store_n(&bd->bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
		rp->rp_block_cur = (rp->rp_block_cur + 1) % RING_BLOCK_NR;
	}
	return frames;
}
