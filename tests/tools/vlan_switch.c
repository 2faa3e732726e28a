/*
 * vlan_switch: a user-space 802.1Q tagging switch for the tests.
 *
 * This machine's kernel has no 802.1Q (no `type vlan` links, no VLAN
 * filtering on bridges), so the tests' tagging peer of a VLAN trunk lives
 * here: one trunk interface and one access interface per VLAN, each an
 * AF_PACKET socket in one epoll loop.
 *
 *   access IF of VID -> trunk: an 802.1Q tag (TPID 0x8100, PCP 0, VID) is
 *                               inserted after the MAC addresses;
 *   trunk -> access IF of VID: the tag (from PACKET_AUXDATA when the kernel
 *                               stripped it, else from the frame) is removed.
 *
 * Untagged and priority-tagged (VID 0) frames on the trunk, frames of a VID
 * no mapping names, and tagged frames on an access port are counted and
 * dropped.  GSO super-frames and partial checksums cross intact: every
 * socket has PACKET_VNET_HDR, the virtio_net_hdr goes through, its offsets
 * shifted by the tag's 4 bytes.
 *
 * Usage: vlan_switch [-s STATSFILE] [-f MAPFILE] TRUNK_IF [VID=IF ...]
 * MAPFILE: one "VID IF" a line; '#' starts a comment.
 * SIGUSR1 writes the counters to STATSFILE as JSON; SIGTERM or SIGINT
 * writes them and exits 0.  "vlan_switch: ready" on stdout once every
 * socket is bound.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "vlan_frame.h"

/* One port per VID and the trunk. */
#define VS_MAX_PORTS (VF_VID_MAX + 1)
/* A GSO super-frame is at most 64 KiB of IP packet behind its Ethernet
 * header and a tag; anything longer arrives truncated and is counted. */
#define VS_FRAME_MAX (65536 + VF_ETH_HLEN + VF_TAG_LEN)
/* Frames taken from one socket per wake, so a busy port cannot starve
 * the others. */
#define VS_BATCH 64
/* Kernel queues per socket: room for a burst of super-frames. */
#define VS_SOCKBUF (4 * 1024 * 1024)
/* An untagged frame of MTU 1500: longer ones are super-frames (or tagged). */
#define VS_ETH_FRAME 1514
#define VS_EVENTS 64
#define VS_LINE_MAX 256

struct vs_dir {
	uint64_t	d_frames;
	uint64_t	d_bytes;
	uint64_t	d_gso_frames;	/* frames with a virtio GSO type */
	uint64_t	d_csum_partial;	/* frames with VIRTIO_NET_HDR_F_NEEDS_CSUM */
	uint64_t	d_max_len;	/* longest frame sent: tagged to the trunk, untagged from it */
	uint64_t	d_over_1514;	/* frames sent longer than 1514 bytes (the same way) */
	uint64_t	d_drop_untagged;
	uint64_t	d_drop_priority;	/* VID 0 */
	uint64_t	d_drop_unknown_vid;
	uint64_t	d_drop_tagged;	/* a tag on an access port */
	uint64_t	d_drop_other_tpid;	/* an 802.1ad (or other) outer tag */
	uint64_t	d_drop_stacked;	/* a second tag behind the trunk's */
	uint64_t	d_drop_truncated;
	uint64_t	d_drop_malformed;
	uint64_t	d_rx_errors;
	uint64_t	d_tx_errors;
};

struct vs_port {
	char		p_name[IF_NAMESIZE];
	int		p_fd;
	unsigned	p_vid;		/* 0 for the trunk */
	uint64_t	p_rx_frames;	/* access ports: frames taken in */
	uint64_t	p_tx_frames;	/* access ports: frames delivered */
};

struct vs_switch {
	struct vs_port	sw_ports[VS_MAX_PORTS];	/* [0] is the trunk */
	unsigned	sw_nports;
	int		sw_by_vid[VF_VID_MAX + 1];	/* VID -> port index, 0 none */
	struct vs_dir	sw_to_trunk;
	struct vs_dir	sw_from_trunk;
	const char	*sw_stats;
	uint8_t		sw_buf[VS_FRAME_MAX];
};

static int
vs_add_port(struct vs_switch *sw, const char *name, unsigned vid, const char *where)
{
	struct vs_port *p;
	unsigned i;

	if (strlen(name) >= IF_NAMESIZE || name[0] == '\0') {
		fprintf(stderr, "%s: bad interface name '%s'\n", where, name);
		return -1;
	}
	if (vid != 0 && sw->sw_by_vid[vid] != 0) {
		fprintf(stderr, "%s: VID %u mapped twice\n", where, vid);
		return -1;
	}
	for (i = 0; i < sw->sw_nports; i++)
		if (strcmp(sw->sw_ports[i].p_name, name) == 0) {
			fprintf(stderr, "%s: interface '%s' named twice\n", where, name);
			return -1;
		}
	if (sw->sw_nports == VS_MAX_PORTS) {
		fprintf(stderr, "%s: more than %d mappings\n", where, VF_VID_MAX);
		return -1;
	}
	p = &sw->sw_ports[sw->sw_nports];
	snprintf(p->p_name, sizeof(p->p_name), "%s", name);
	p->p_fd = -1;
	p->p_vid = vid;
	if (vid != 0)
		sw->sw_by_vid[vid] = (int)sw->sw_nports;
	sw->sw_nports++;
	return 0;
}

static int
vs_parse_vid(const char *s, unsigned *vid)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 1 || v > VF_VID_MAX)
		return -1;
	*vid = (unsigned)v;
	return 0;
}

/* "VID=IF" from the command line. */
static int
vs_add_arg(struct vs_switch *sw, const char *arg)
{
	char buf[VS_LINE_MAX], *eq;
	unsigned vid;

	if (strlen(arg) >= sizeof(buf)) {
		fprintf(stderr, "vlan_switch: mapping too long '%s'\n", arg);
		return -1;
	}
	strcpy(buf, arg);
	eq = strchr(buf, '=');
	if (eq == NULL) {
		fprintf(stderr, "vlan_switch: mapping is not VID=IF '%s'\n", arg);
		return -1;
	}
	*eq = '\0';
	if (vs_parse_vid(buf, &vid) == -1) {
		fprintf(stderr, "vlan_switch: VID not in 1-%d '%s'\n", VF_VID_MAX, arg);
		return -1;
	}
	return vs_add_port(sw, eq + 1, vid, "vlan_switch");
}

/* MAPFILE: every bad line is reported as file:line, and any makes it fail. */
static int
vs_read_map(struct vs_switch *sw, const char *path)
{
	char line[VS_LINE_MAX], where[VS_LINE_MAX + 32], vidtok[16], iftok[VS_LINE_MAX], extra[2];
	unsigned vid, lineno = 0, errors = 0;
	FILE *f;
	char *hash;
	int n;

	f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "vlan_switch: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		snprintf(where, sizeof(where), "%s:%u", path, lineno);
		if (strchr(line, '\n') == NULL && !feof(f)) {
			fprintf(stderr, "%s: line too long\n", where);
			errors++;
			while (fgets(line, sizeof(line), f) != NULL && strchr(line, '\n') == NULL)
				;
			continue;
		}
		hash = strchr(line, '#');
		if (hash != NULL)
			*hash = '\0';
		n = sscanf(line, "%15s %255s %1s", vidtok, iftok, extra);
		if (n <= 0)
			continue;
		if (n != 2) {
			fprintf(stderr, "%s: expected 'VID IF'\n", where);
			errors++;
			continue;
		}
		if (vs_parse_vid(vidtok, &vid) == -1) {
			fprintf(stderr, "%s: VID not in 1-%d '%s'\n", where, VF_VID_MAX, vidtok);
			errors++;
			continue;
		}
		if (vs_add_port(sw, iftok, vid, where) == -1)
			errors++;
	}
	fclose(f);
	return errors == 0 ? 0 : -1;
}

/* Sockets are many (one per VLAN): the soft limit of open files must fit
 * (raised up to the hard limit; raising that takes CAP_SYS_RESOURCE). */
static int
vs_raise_nofile(unsigned need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		fprintf(stderr, "vlan_switch: open files limit: %s\n", strerror(errno));
		return -1;
	}
	if (rl.rlim_cur >= need)
		return 0;
	if (rl.rlim_max < need) {
		fprintf(stderr, "vlan_switch: %u open files needed, hard limit %llu\n",
		    need, (unsigned long long)rl.rlim_max);
		return -1;
	}
	rl.rlim_cur = need;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
		fprintf(stderr, "vlan_switch: open files limit %u: %s\n", need, strerror(errno));
		return -1;
	}
	return 0;
}

static int
vs_open_port(struct vs_port *p, int ep)
{
	struct sockaddr_ll sll;
	struct packet_mreq mr;
	struct epoll_event ev;
	int fd, one = 1, bufsz = VS_SOCKBUF;
	unsigned ifindex;

	ifindex = if_nametoindex(p->p_name);
	if (ifindex == 0) {
		fprintf(stderr, "vlan_switch: interface %s: %s\n", p->p_name, strerror(errno));
		return -1;
	}
	/* Protocol 0 until bound: no frame of another interface gets queued. */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		fprintf(stderr, "vlan_switch: socket for %s: %s\n", p->p_name, strerror(errno));
		return -1;
	}
	p->p_fd = fd;
	if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) == -1 ||
	    setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) == -1 ||
	    setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) == -1) {
		fprintf(stderr, "vlan_switch: packet options on %s: %s\n", p->p_name, strerror(errno));
		return -1;
	}
	/* Forced past rmem_max/wmem_max (we run as root); the plain ones are
	 * the fallback. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bufsz, sizeof(bufsz)) == -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &bufsz, sizeof(bufsz)) == -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz));
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) == -1) {
		fprintf(stderr, "vlan_switch: bind to %s: %s\n", p->p_name, strerror(errno));
		return -1;
	}
	/* A switch port takes frames for every MAC (a tap or real NIC filters). */
	memset(&mr, 0, sizeof(mr));
	mr.mr_ifindex = (int)ifindex;
	mr.mr_type = PACKET_MR_PROMISC;
	if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) == -1) {
		fprintf(stderr, "vlan_switch: promiscuous %s: %s\n", p->p_name, strerror(errno));
		return -1;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = p;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == -1) {
		fprintf(stderr, "vlan_switch: epoll for %s: %s\n", p->p_name, strerror(errno));
		return -1;
	}
	return 0;
}

static void
vs_count(struct vs_dir *d, const struct virtio_net_hdr *vh, size_t len)
{
	d->d_frames++;
	d->d_bytes += len;
	if (vh->gso_type != VIRTIO_NET_HDR_GSO_NONE)
		d->d_gso_frames++;
	if ((vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) != 0)
		d->d_csum_partial++;
	if (len > d->d_max_len)
		d->d_max_len = len;
	if (len > VS_ETH_FRAME)
		d->d_over_1514++;
}

static void
vs_send(struct vs_dir *d, int fd, struct iovec *iov, int iovcnt,
    const struct virtio_net_hdr *vh, size_t len)
{
	struct msghdr msg;

	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = iov;
	msg.msg_iovlen = (size_t)iovcnt;
	if (sendmsg(fd, &msg, MSG_DONTWAIT) == -1) {
		d->d_tx_errors++;
		return;
	}
	vs_count(d, vh, len);
}

/* Counts a drop by its verdict. */
static void
vs_drop(struct vs_dir *d, enum vf_verdict v)
{
	switch (v) {
	case VF_FORWARD:
		break;
	case VF_DROP_UNTAGGED:
		d->d_drop_untagged++;
		break;
	case VF_DROP_PRIORITY:
		d->d_drop_priority++;
		break;
	case VF_DROP_OTHER_TPID:
		d->d_drop_other_tpid++;
		break;
	case VF_DROP_STACKED:
		d->d_drop_stacked++;
		break;
	case VF_DROP_TAGGED:
		d->d_drop_tagged++;
		break;
	case VF_DROP_MALFORMED:
		d->d_drop_malformed++;
		break;
	}
}

/* One frame in sw_buf from access port p (its VID) to the trunk. */
static void
vs_from_access(struct vs_switch *sw, struct vs_port *p, struct virtio_net_hdr *vh,
    size_t len, const struct vf_aux *aux)
{
	struct vs_dir *d = &sw->sw_to_trunk;
	uint8_t tag[VF_TAG_LEN];
	struct iovec iov[4];
	enum vf_verdict v;

	v = vf_tag(sw->sw_buf, len, aux, vh, p->p_vid, tag);
	if (v != VF_FORWARD) {
		vs_drop(d, v);
		return;
	}
	iov[0] = (struct iovec){ vh, sizeof(*vh) };
	iov[1] = (struct iovec){ sw->sw_buf, VF_MAC_LEN };
	iov[2] = (struct iovec){ tag, sizeof(tag) };
	iov[3] = (struct iovec){ sw->sw_buf + VF_MAC_LEN, len - VF_MAC_LEN };
	p->p_rx_frames++;
	vs_send(d, sw->sw_ports[0].p_fd, iov, 4, vh, len + VF_TAG_LEN);
}

/* One frame in sw_buf from the trunk to the access port of its VID. */
static void
vs_from_trunk(struct vs_switch *sw, struct virtio_net_hdr *vh, size_t len,
    const struct vf_aux *aux)
{
	struct vs_dir *d = &sw->sw_from_trunk;
	struct vs_port *p;
	struct iovec iov[3];
	enum vf_verdict v;
	unsigned vid = 0;
	size_t skip;

	v = vf_untag(sw->sw_buf, len, aux, vh, &vid, &skip);
	if (v != VF_FORWARD) {
		vs_drop(d, v);
		return;
	}
	if (vid > VF_VID_MAX || sw->sw_by_vid[vid] == 0) {
		d->d_drop_unknown_vid++;
		return;
	}
	p = &sw->sw_ports[sw->sw_by_vid[vid]];
	iov[0] = (struct iovec){ vh, sizeof(*vh) };
	iov[1] = (struct iovec){ sw->sw_buf, VF_MAC_LEN };
	iov[2] = (struct iovec){ sw->sw_buf + VF_MAC_LEN + skip, len - VF_MAC_LEN - skip };
	p->p_tx_frames++;
	vs_send(d, p->p_fd, iov, 3, vh, len - skip);
}

/* Takes up to VS_BATCH frames from port p. */
static void
vs_drain(struct vs_switch *sw, struct vs_port *p)
{
	union {
		struct cmsghdr	align;
		uint8_t		buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	} control;
	struct vs_dir *d = p->p_vid == 0 ? &sw->sw_from_trunk : &sw->sw_to_trunk;
	struct virtio_net_hdr vh;
	struct tpacket_auxdata ka;
	struct vf_aux aux;
	struct cmsghdr *cm;
	struct msghdr msg;
	struct iovec iov[2];
	ssize_t n;
	int i;

	for (i = 0; i < VS_BATCH; i++) {
		iov[0] = (struct iovec){ &vh, sizeof(vh) };
		iov[1] = (struct iovec){ sw->sw_buf, sizeof(sw->sw_buf) };
		memset(&msg, 0, sizeof(msg));
		msg.msg_iov = iov;
		msg.msg_iovlen = 2;
		msg.msg_control = control.buf;
		msg.msg_controllen = sizeof(control.buf);
		n = recvmsg(p->p_fd, &msg, MSG_DONTWAIT | MSG_TRUNC);
		if (n == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				d->d_rx_errors++;
			return;
		}
		if ((size_t)n < sizeof(vh)) {
			d->d_drop_malformed++;
			continue;
		}
		if ((msg.msg_flags & MSG_TRUNC) != 0 || (size_t)n > sizeof(vh) + sizeof(sw->sw_buf)) {
			d->d_drop_truncated++;
			continue;
		}
		memset(&aux, 0, sizeof(aux));
		for (cm = CMSG_FIRSTHDR(&msg); cm != NULL; cm = CMSG_NXTHDR(&msg, cm)) {
			if (cm->cmsg_level != SOL_PACKET || cm->cmsg_type != PACKET_AUXDATA ||
			    cm->cmsg_len < CMSG_LEN(sizeof(ka)))
				continue;
			memcpy(&ka, CMSG_DATA(cm), sizeof(ka));
			aux.a_valid = (ka.tp_status & TP_STATUS_VLAN_VALID) != 0;
			aux.a_tpid_valid = (ka.tp_status & TP_STATUS_VLAN_TPID_VALID) != 0;
			aux.a_tci = ka.tp_vlan_tci;
			aux.a_tpid = ka.tp_vlan_tpid;
		}
		if (p->p_vid == 0)
			vs_from_trunk(sw, &vh, (size_t)n - sizeof(vh), &aux);
		else
			vs_from_access(sw, p, &vh, (size_t)n - sizeof(vh), &aux);
	}
}

static void
vs_json_dir(FILE *f, const char *name, const struct vs_dir *d)
{
	fprintf(f, "  \"%s\": {\"frames\": %" PRIu64 ", \"bytes\": %" PRIu64
	    ", \"gso_frames\": %" PRIu64 ", \"csum_partial\": %" PRIu64
	    ", \"max_frame_len\": %" PRIu64 ", \"frames_over_1514\": %" PRIu64
	    ",\n    \"dropped\": {\"untagged\": %" PRIu64 ", \"priority_tagged\": %" PRIu64
	    ", \"unknown_vid\": %" PRIu64 ", \"tagged_on_access\": %" PRIu64
	    ", \"other_tpid\": %" PRIu64 ", \"stacked_tags\": %" PRIu64
	    ", \"truncated\": %" PRIu64 ", \"malformed\": %" PRIu64
	    ", \"rx_errors\": %" PRIu64 ", \"tx_errors\": %" PRIu64 "}},\n",
	    name, d->d_frames, d->d_bytes, d->d_gso_frames, d->d_csum_partial,
	    d->d_max_len, d->d_over_1514, d->d_drop_untagged, d->d_drop_priority,
	    d->d_drop_unknown_vid, d->d_drop_tagged, d->d_drop_other_tpid,
	    d->d_drop_stacked, d->d_drop_truncated,
	    d->d_drop_malformed, d->d_rx_errors, d->d_tx_errors);
}

/* Written to a temporary file and renamed: a reader never sees half. */
static int
vs_write_stats(const struct vs_switch *sw)
{
	char tmp[4096];
	unsigned i;
	FILE *f;

	if (sw->sw_stats == NULL)
		return 0;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", sw->sw_stats) >= (int)sizeof(tmp))
		return -1;
	f = fopen(tmp, "w");
	if (f == NULL) {
		fprintf(stderr, "vlan_switch: %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	fprintf(f, "{\n  \"trunk\": \"%s\",\n", sw->sw_ports[0].p_name);
	vs_json_dir(f, "to_trunk", &sw->sw_to_trunk);
	vs_json_dir(f, "from_trunk", &sw->sw_from_trunk);
	fprintf(f, "  \"vlans\": [");
	for (i = 1; i < sw->sw_nports; i++)
		fprintf(f, "%s\n    {\"vid\": %u, \"interface\": \"%s\", \"to_trunk_frames\": %" PRIu64
		    ", \"from_trunk_frames\": %" PRIu64 "}", i > 1 ? "," : "",
		    sw->sw_ports[i].p_vid, sw->sw_ports[i].p_name,
		    sw->sw_ports[i].p_rx_frames, sw->sw_ports[i].p_tx_frames);
	fprintf(f, "\n  ]\n}\n");
	if (fclose(f) != 0 || rename(tmp, sw->sw_stats) == -1) {
		fprintf(stderr, "vlan_switch: %s: %s\n", sw->sw_stats, strerror(errno));
		return -1;
	}
	return 0;
}

static void
vs_usage(void)
{
	fprintf(stderr, "usage: vlan_switch [-s STATSFILE] [-f MAPFILE] TRUNK_IF [VID=IF ...]\n");
}

/* The mappings from the command line and MAPFILE: 0, or 2 (usage). */
static int
vs_configure(struct vs_switch *sw, int argc, char **argv)
{
	const char *map = NULL;
	int opt, i, errors = 0;

	while ((opt = getopt(argc, argv, "s:f:")) != -1) {
		switch (opt) {
		case 's':
			sw->sw_stats = optarg;
			break;
		case 'f':
			map = optarg;	/* read once the trunk is port 0 */
			break;
		default:
			vs_usage();
			return 2;
		}
	}
	if (optind >= argc) {
		vs_usage();
		return 2;
	}
	if (vs_add_port(sw, argv[optind], 0, "vlan_switch") == -1)
		return 2;
	for (i = optind + 1; i < argc; i++)
		if (vs_add_arg(sw, argv[i]) == -1)
			errors++;
	if (map != NULL && vs_read_map(sw, map) == -1)
		errors++;
	if (errors != 0)
		return 2;
	if (sw->sw_nports < 2) {
		fprintf(stderr, "vlan_switch: no VLAN mapped\n");
		return 2;
	}
	return 0;
}

/* Opens every port and switches until SIGTERM or SIGINT: the exit status. */
static int
vs_run(struct vs_switch *sw)
{
	struct epoll_event evs[VS_EVENTS], ev = { .events = EPOLLIN, .data.ptr = NULL };
	struct signalfd_siginfo si;
	bool running = true;
	sigset_t mask;
	int ep, sfd, n, i, rc = 1;
	unsigned k;

	if (vs_raise_nofile(sw->sw_nports + 16) == -1)
		return 1;
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) == -1)
		return 1;
	ep = epoll_create1(EPOLL_CLOEXEC);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (ep == -1 || sfd == -1 || epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev) == -1) {
		fprintf(stderr, "vlan_switch: epoll/signalfd: %s\n", strerror(errno));
		goto out;
	}
	for (k = 0; k < sw->sw_nports; k++)
		if (vs_open_port(&sw->sw_ports[k], ep) == -1)
			goto out;
	printf("vlan_switch: ready: trunk %s, %u VLANs\n", sw->sw_ports[0].p_name, sw->sw_nports - 1);
	fflush(stdout);

	while (running) {
		n = epoll_wait(ep, evs, VS_EVENTS, -1);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "vlan_switch: epoll_wait: %s\n", strerror(errno));
			goto out;
		}
		for (i = 0; i < n; i++) {
			if (evs[i].data.ptr != NULL) {
				vs_drain(sw, evs[i].data.ptr);
				continue;
			}
			while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				if (si.ssi_signo == SIGUSR1)
					(void)vs_write_stats(sw);
				else
					running = false;
			}
		}
	}
	rc = vs_write_stats(sw) == 0 ? 0 : 1;
out:
	for (k = 0; k < sw->sw_nports; k++)
		if (sw->sw_ports[k].p_fd != -1)
			close(sw->sw_ports[k].p_fd);
	if (sfd != -1)
		close(sfd);
	if (ep != -1)
		close(ep);
	return rc;
}

int
main(int argc, char **argv)
{
	struct vs_switch *sw;
	int rc;

	/* Ports of every VID and a 64 KiB frame: too big for the stack. */
	sw = calloc(1, sizeof(*sw));
	if (sw == NULL) {
		fprintf(stderr, "vlan_switch: %s\n", strerror(errno));
		return 1;
	}
	rc = vs_configure(sw, argc, argv);
	if (rc == 0)
		rc = vs_run(sw);
	free(sw);
	return rc;
}
