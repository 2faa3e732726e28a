/*
 * Linux AF_PACKET ABI (linux/if_packet.h, linux/virtio_net.h): the
 * PACKET_AUXDATA control message and the frame status bits privlinkd reads,
 * and the virtio_net_hdr of PACKET_VNET_HDR, restated here because kernel
 * headers are not on musl-gcc's include path.  Layouts and values are the
 * kernel's user ABI: they must not change.
 */
#ifndef PRIVLINK_PROT_TPACKET_H
#define PRIVLINK_PROT_TPACKET_H

#include <stdint.h>

/* A received frame's status bits (tpacket_auxdata.tp_status). */
#define TP_STATUS_CSUMNOTREADY	(1u << 3)	/* checksum partial: to be completed */
#define TP_STATUS_VLAN_VALID	(1u << 4)	/* tp_vlan_tci holds a stripped tag */
#define TP_STATUS_VLAN_TPID_VALID (1u << 6)	/* and tp_vlan_tpid its type */
#define TP_STATUS_CSUM_VALID	(1u << 7)	/* checksum verified by the device */

/* PACKET_VNET_HDR: struct virtio_net_hdr (linux/virtio_net.h) in front
 * of every frame sent, in host byte order. */
#define VIRTIO_NET_HDR_F_NEEDS_CSUM	1
#define VIRTIO_NET_HDR_GSO_TCPV4	1

struct virtio_net_hdr {
	uint8_t		flags;
	uint8_t		gso_type;
	uint16_t	hdr_len;	/* Ethernet + IP + TCP headers */
	uint16_t	gso_size;	/* payload bytes per segment */
	uint16_t	csum_start;	/* from the Ethernet header */
	uint16_t	csum_offset;	/* from csum_start */
};

/* The PACKET_AUXDATA control message (SOL_PACKET) of a received frame. */
struct tpacket_auxdata {
	uint32_t	tp_status;
	uint32_t	tp_len;
	uint32_t	tp_snaplen;
	uint16_t	tp_mac;
	uint16_t	tp_net;
	uint16_t	tp_vlan_tci;
	uint16_t	tp_vlan_tpid;
};

#endif
