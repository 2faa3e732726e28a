/*
 * Links: the host interfaces the appliance's stack runs on, each through
 * one AF_PACKET socket for receiving and one for sending, shared by the
 * ports on it: the link's untagged frames are one port, each 802.1Q VLAN
 * another.  A frame's VLAN comes from PACKET_AUXDATA when the kernel has
 * taken the tag off (it does on receive), else from the frame; it picks
 * the port in a table of 4096 by VLAN id, so a frame costs the same
 * however many VLANs a trunk carries.  Priority-tagged frames (VLAN 0)
 * are untagged ones.  A frame of a VLAN no port is on is counted and
 * dropped.
 *
 * All links' receiving sockets are in one epoll set of the netstack's own
 * (ns_links_fd): the loop waits for that one descriptor.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netstack.h"
#include "prot/ether.h"
#include "prot/tpacket.h"
#include "ns_link.h"

#define ETH_P_ALL_BE		0x0300	/* htons(ETH_P_ALL) */
/* Links ready at once, taken in one epoll_wait. */
#define NS_LINKS_EVENTS	16

struct ns_link {
	struct ns_link	*rl_next;
	char			rl_ifname[16];
	int			rl_ifindex;
	int			rl_fd;		/* receives */
	int			rl_txfd;	/* sends, with PACKET_VNET_HDR */
	uint8_t			rl_mac[6];
	uint16_t		rl_mtu;
	unsigned int		rl_ports;	/* on it */
	struct ns_port	*rl_untagged;
	struct ns_port	**rl_vlans;	/* NS_VLAN_MAX + 1, NULL until a VLAN */
	int			rl_promisc;	/* rl_fd holds PACKET_MR_PROMISC */
};

static struct ns_link *ns_links;
/* Links whose last port left: their sockets are closed, their memory
 * freed once no frame of theirs is being handled (a reload the
 * management API applies may close a port from inside a frame). */
static struct ns_link *ns_links_dead;
static int ns_links_epfd = -1;
/* One set of receive buffers for every link: the loop takes one link's
 * frames at a time. */
static uint8_t *ns_rxbuf;
static struct ns_link_stats ns_link_st;

static int
ns_sysctl_ipv6_off(const char *ifname)
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
ns_if_query(struct ns_link *rl, const char **what)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, rl->rl_ifname, sizeof(rl->rl_ifname));
	if (ioctl(rl->rl_fd, SIOCGIFHWADDR, &ifr) == -1) {
		*what = "SIOCGIFHWADDR";
		return -errno;
	}
	memcpy(rl->rl_mac, ifr.ifr_hwaddr.sa_data, 6);
	if (ioctl(rl->rl_fd, SIOCGIFMTU, &ifr) == -1) {
		*what = "SIOCGIFMTU";
		return -errno;
	}
	if (ifr.ifr_mtu < 576 || ifr.ifr_mtu > 9000) {
		*what = "MTU out of range 576..9000";
		return -EINVAL;
	}
	rl->rl_mtu = (uint16_t)ifr.ifr_mtu;
	if (ioctl(rl->rl_fd, SIOCGIFFLAGS, &ifr) == -1) {
		*what = "SIOCGIFFLAGS";
		return -errno;
	}
	if (!(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(rl->rl_fd, SIOCSIFFLAGS, &ifr) == -1) {
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
 * instead of cutting it in software.
 */
static int
ns_link_tx_open(struct ns_link *rl, const char **what)
{
	struct sockaddr_ll sll;
	int one = 1, sndbuf = 4 * 1024 * 1024;

	rl->rl_txfd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (rl->rl_txfd == -1) {
		*what = "socket(AF_PACKET) for sending";
		return -errno;
	}
	if (setsockopt(rl->rl_txfd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) == -1) {
		*what = "PACKET_VNET_HDR";
		return -errno;
	}
	if (setsockopt(rl->rl_txfd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)) == -1) {
		*what = "SO_SNDBUF";
		return -errno;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = 0;
	sll.sll_ifindex = rl->rl_ifindex;
	if (bind(rl->rl_txfd, (struct sockaddr *)&sll, sizeof(sll)) == -1) {
		*what = "bind the sending socket to the interface";
		return -errno;
	}
	return 0;
}

static void
ns_link_shut(struct ns_link *rl)
{
	if (rl->rl_fd != -1) {
		if (ns_links_epfd != -1)
			(void)epoll_ctl(ns_links_epfd, EPOLL_CTL_DEL, rl->rl_fd, NULL);
		close(rl->rl_fd);
	}
	if (rl->rl_txfd != -1)
		close(rl->rl_txfd);
	rl->rl_fd = rl->rl_txfd = -1;
}

static void
ns_link_free(struct ns_link *rl)
{
	ns_link_shut(rl);
	free(rl->rl_vlans);
	free(rl);
}

static void
ns_links_reap(void)
{
	while (ns_links_dead != NULL) {
		struct ns_link *rl = ns_links_dead;

		ns_links_dead = rl->rl_next;
		ns_link_free(rl);
	}
}

static int
ns_links_setup(const char **what)
{
	if (ns_links_epfd == -1 &&
	    (ns_links_epfd = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		*what = "epoll_create1 for the links";
		return -errno;
	}
	if (ns_rxbuf == NULL &&
	    (ns_rxbuf = malloc((size_t)NS_RX_BATCH * NS_RX_FRAME_MAX)) == NULL) {
		*what = "receive buffers";
		return -ENOMEM;
	}
	return 0;
}

static int
ns_link_open(const char *ifname, struct ns_link **out, const char **what)
{
	struct ns_link *rl;
	struct sockaddr_ll sll;
	struct epoll_event ev;
	int one = 1, rcvbuf = NS_RX_QUEUE_BYTES, rc;

	if ((rc = ns_links_setup(what)) != 0)
		return rc;
	if ((rl = calloc(1, sizeof(*rl))) == NULL) {
		*what = "link";
		return -ENOMEM;
	}
	rl->rl_fd = rl->rl_txfd = -1;
	strcpy(rl->rl_ifname, ifname);	/* the port checked its length */
	rl->rl_ifindex = (int)if_nametoindex(ifname);
	if (rl->rl_ifindex == 0) {
		*what = "if_nametoindex";
		rc = -errno;
		goto fail;
	}
	/* Protocol 0: receive nothing until set up and bound. */
	rl->rl_fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (rl->rl_fd == -1) {
		*what = "socket(AF_PACKET)";
		goto fail_errno;
	}
	if ((rc = ns_if_query(rl, what)) != 0)
		goto fail;
	if ((rc = ns_sysctl_ipv6_off(ifname)) != 0) {
		*what = "disable IPv6 on the interface";
		goto fail;
	}
	/* Each frame's status (partial checksum, VLAN tag) comes with it. */
	if (setsockopt(rl->rl_fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) == -1) {
		*what = "PACKET_AUXDATA";
		goto fail_errno;
	}
	/* Our own transmitted frames must not come back as input. */
	if (setsockopt(rl->rl_fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) == -1) {
		*what = "PACKET_IGNORE_OUTGOING";
		goto fail_errno;
	}
	/* Past net.core.rmem_max, which the default 208 KiB would cap: a few
	 * GSO super-frames fill that. */
	if (setsockopt(rl->rl_fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) == -1) {
		*what = "SO_RCVBUFFORCE";
		goto fail_errno;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = ETH_P_ALL_BE;
	sll.sll_ifindex = rl->rl_ifindex;
	if (bind(rl->rl_fd, (struct sockaddr *)&sll, sizeof(sll)) == -1) {
		*what = "bind to the interface";
		goto fail_errno;
	}
	if ((rc = ns_link_tx_open(rl, what)) != 0)
		goto fail;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = rl;
	if (epoll_ctl(ns_links_epfd, EPOLL_CTL_ADD, rl->rl_fd, &ev) == -1) {
		*what = "epoll_ctl for the link";
		goto fail_errno;
	}
	rl->rl_next = ns_links;
	ns_links = rl;
	*out = rl;
	return 0;

fail_errno:
	rc = -errno;
fail:
	ns_link_free(rl);
	return rc;
}

/*
 * A trunk's interface goes promiscuous with its first VLAN: a device with
 * a VLAN filter passes only the VLAN ids the kernel registered with it,
 * and only the kernel's 8021q module (VLAN interfaces, which privlinkd
 * does not make) registers any.  A virtio NIC is such a device: QEMU's
 * virtio-net (ctrl_vlan on by default) drops every tagged frame before
 * the guest sees it unless the guest is promiscuous.  The cost: unicast
 * frames for other MACs the hypervisor floods to the port reach the
 * ports, which count them as not ours.  The membership lasts as long as
 * the socket.
 */
static int
ns_link_promisc(struct ns_link *rl, const char **what)
{
	struct packet_mreq mr;

	if (rl->rl_promisc)
		return 0;
	memset(&mr, 0, sizeof(mr));
	mr.mr_ifindex = rl->rl_ifindex;
	mr.mr_type = PACKET_MR_PROMISC;
	if (setsockopt(rl->rl_fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) == -1) {
		*what = "PACKET_MR_PROMISC for a VLAN trunk";
		return -errno;
	}
	rl->rl_promisc = 1;
	return 0;
}

int
ns_link_join(struct ns_port *rp, const char **what)
{
	struct ns_link *rl;
	struct ns_port **slot;
	int rc;

	for (rl = ns_links; rl != NULL; rl = rl->rl_next)
		if (strcmp(rl->rl_ifname, rp->rp_ifname) == 0)
			break;
	if (rl == NULL && (rc = ns_link_open(rp->rp_ifname, &rl, what)) != 0)
		return rc;
	if (rp->rp_vlan != 0 && rl->rl_vlans == NULL &&
	    (rl->rl_vlans = calloc(NS_VLAN_MAX + 1, sizeof(*rl->rl_vlans))) == NULL) {
		*what = "VLAN table";
		rc = -ENOMEM;
		goto fail;
	}
	slot = rp->rp_vlan != 0 ? &rl->rl_vlans[rp->rp_vlan] : &rl->rl_untagged;
	if (*slot != NULL) {
		*what = rp->rp_vlan != 0 ? "another NIC is on this VLAN of the interface" :
		    "another NIC takes the interface's untagged frames";
		rc = -EBUSY;
		goto fail;
	}
	if (rp->rp_vlan != 0 && (rc = ns_link_promisc(rl, what)) != 0)
		goto fail;
	*slot = rp;
	rl->rl_ports++;
	rp->rp_link = rl;
	rp->rp_ifindex = rl->rl_ifindex;
	memcpy(rp->rp_mac, rl->rl_mac, 6);
	rp->rp_mtu = rl->rl_mtu;
	rp->rp_txfd = rl->rl_txfd;
	return 0;

fail:
	if (rl->rl_ports == 0) {
		struct ns_link **pp;

		for (pp = &ns_links; *pp != rl; pp = &(*pp)->rl_next)
			;
		*pp = rl->rl_next;
		ns_link_free(rl);
	}
	return rc;
}

void
ns_link_leave(struct ns_port *rp)
{
	struct ns_link *rl = rp->rp_link, **pp;

	if (rl == NULL)
		return;
	if (rp->rp_vlan != 0)
		rl->rl_vlans[rp->rp_vlan] = NULL;
	else
		rl->rl_untagged = NULL;
	rp->rp_link = NULL;
	if (--rl->rl_ports != 0)
		return;
	for (pp = &ns_links; *pp != rl; pp = &(*pp)->rl_next)
		;
	*pp = rl->rl_next;
	ns_link_shut(rl);
	rl->rl_next = ns_links_dead;
	ns_links_dead = rl;
}

/* One received frame: its VLAN and status from the PACKET_AUXDATA
 * message, or its VLAN from the frame. */
static void
ns_link_frame(struct ns_link *rl, const struct mmsghdr *m, uint8_t *frame)
{
	const struct tpacket_auxdata *aux = NULL;
	struct ns_port *rp;
	struct cmsghdr *c;
	uint32_t len = m->msg_len;
	unsigned int vid = 0;

	if (m->msg_hdr.msg_flags & MSG_TRUNC) {
		ns_link_st.ls_rx_truncated++;
		if (rl->rl_untagged != NULL)
			rl->rl_untagged->rp_stats.rs_rx_truncated++;
		return;
	}
	for (c = CMSG_FIRSTHDR(&m->msg_hdr); c != NULL; c = CMSG_NXTHDR((struct msghdr *)&m->msg_hdr, c))
		if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA &&
		    c->cmsg_len >= CMSG_LEN(sizeof(*aux)))
			aux = (const struct tpacket_auxdata *)CMSG_DATA(c);
	if (aux == NULL) {
		/* the kernel always sends it once asked: count, never guess */
		ns_link_st.ls_rx_malformed++;
		return;
	}
	if (aux->tp_status & TP_STATUS_VLAN_VALID) {
		/* An 802.1ad outer tag is not a VLAN of ours. */
		if ((aux->tp_status & TP_STATUS_VLAN_TPID_VALID) && aux->tp_vlan_tpid != ETH_TYPE_VLAN) {
			ns_link_st.ls_rx_malformed++;
			return;
		}
		vid = aux->tp_vlan_tci & VLAN_VID_MASK;
	} else if (len >= ETH_HDR_LEN + VLAN_TAG_LEN && frame[ETH_TYPE_OFF] == (ETH_TYPE_VLAN >> 8) &&
	    frame[ETH_TYPE_OFF + 1] == (ETH_TYPE_VLAN & 0xff)) {
		/* Still in the frame: taken out, the MAC addresses moved up. */
		vid = (unsigned int)(frame[ETH_HDR_LEN] << 8 | frame[ETH_HDR_LEN + 1]) & VLAN_VID_MASK;
		memmove(frame + VLAN_TAG_LEN, frame, ETH_TYPE_OFF);
		frame += VLAN_TAG_LEN;
		len -= VLAN_TAG_LEN;
	}
	if (vid > NS_VLAN_MAX) {
		ns_link_st.ls_rx_malformed++;
		return;
	}
	rp = vid == 0 ? rl->rl_untagged : rl->rl_vlans != NULL ? rl->rl_vlans[vid] : NULL;
	if (rp == NULL) {
		/* Counted on the link's untagged NIC too, if it has one. */
		ns_link_st.ls_rx_no_port++;
		if (rl->rl_untagged != NULL)
			rl->rl_untagged->rp_stats.rs_rx_vlan++;
		return;
	}
	ns_port_frame(rp, frame, len, aux->tp_status);
}

/* Takes the frames rl's socket holds, in batches, NS_RX_BUDGET at most:
 * the number of frames, or a negative errno when the socket fails. */
static int
ns_link_input(struct ns_link *rl)
{
	struct mmsghdr msgs[NS_RX_BATCH];
	struct iovec iov[NS_RX_BATCH];
	union {
		struct cmsghdr	align;
		uint8_t		buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	} ctl[NS_RX_BATCH];
	int frames = 0;

	while (frames < NS_RX_BUDGET) {
		int n;

		for (int i = 0; i < NS_RX_BATCH; i++) {
			iov[i].iov_base = ns_rxbuf + (size_t)i * NS_RX_FRAME_MAX;
			iov[i].iov_len = NS_RX_FRAME_MAX;
			memset(&msgs[i], 0, sizeof(msgs[i]));
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
			msgs[i].msg_hdr.msg_control = ctl[i].buf;
			msgs[i].msg_hdr.msg_controllen = sizeof(ctl[i].buf);
		}
		n = recvmmsg(rl->rl_fd, msgs, NS_RX_BATCH, MSG_DONTWAIT, NULL);
		if (n == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				break;
			return -errno;
		}
		for (int i = 0; i < n; i++) {
			ns_link_frame(rl, &msgs[i], iov[i].iov_base);
			/* A frame's handling may have closed the link's
			 * last port (a reload from the management API). */
			if (rl->rl_fd == -1)
				return frames + i + 1;
		}
		frames += n;
		if (n < NS_RX_BATCH)
			break;
	}
	return frames;
}

int
ns_links_fd(void)
{
	const char *what;

	return ns_links_setup(&what) == 0 ? ns_links_epfd : -1;
}

/* What the links hold, for every link that is readable. */
int
ns_links_input(const char **ifname)
{
	struct epoll_event ev[NS_LINKS_EVENTS];
	int n, frames = 0;

	ns_links_reap();
	n = epoll_wait(ns_links_epfd, ev, NS_LINKS_EVENTS, 0);
	if (n == -1)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		struct ns_link *rl = ev[i].data.ptr;
		int rc;

		if (rl->rl_fd == -1)
			continue;	/* shut by an earlier link's frame */
		if ((rc = ns_link_input(rl)) < 0) {
			*ifname = rl->rl_ifname;
			return rc;
		}
		frames += rc;
	}
	return frames;
}

void
ns_link_get_stats(struct ns_link_stats *st)
{
	*st = ns_link_st;
}
