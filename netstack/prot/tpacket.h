/*
 * Linux AF_PACKET ABI (linux/if_packet.h): the PACKET_AUXDATA control
 * message and the frame status bits, and the TPACKET_V3 ring, restated
 * here because kernel headers are not on musl-gcc's include path.  Layouts
 * and values are the kernel's user ABI: they must not change.
 */
#ifndef PRIVLINK_PROT_TPACKET_H
#define PRIVLINK_PROT_TPACKET_H

#include <stdint.h>

#define TPACKET_V3_VERSION	2	/* enum tpacket_versions: V1, V2, V3 */

/* Rx ring status bits (tp_status, block_status). */
#define TP_STATUS_KERNEL	0
#define TP_STATUS_USER		(1u << 0)
#define TP_STATUS_COPY		(1u << 1)
#define TP_STATUS_LOSING	(1u << 2)
#define TP_STATUS_CSUMNOTREADY	(1u << 3)
#define TP_STATUS_VLAN_VALID	(1u << 4)
#define TP_STATUS_BLK_TMO	(1u << 5)
#define TP_STATUS_VLAN_TPID_VALID (1u << 6)
#define TP_STATUS_CSUM_VALID	(1u << 7)

#define TPACKET_ALIGNMENT	16

/* PACKET_VNET_HDR: struct virtio_net_hdr (linux/virtio_net.h) in front
 * of every frame sent, in host byte order. */
#define VIRTIO_NET_HDR_F_NEEDS_CSUM	1
#define VIRTIO_NET_HDR_GSO_NONE		0
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

struct tpacket_req3 {
	unsigned int	tp_block_size;
	unsigned int	tp_block_nr;
	unsigned int	tp_frame_size;
	unsigned int	tp_frame_nr;
	unsigned int	tp_retire_blk_tov;	/* ms */
	unsigned int	tp_sizeof_priv;
	unsigned int	tp_feature_req_word;
};

struct tpacket3_hdr {
	uint32_t	tp_next_offset;
	uint32_t	tp_sec;
	uint32_t	tp_nsec;
	uint32_t	tp_snaplen;
	uint32_t	tp_len;
	uint32_t	tp_status;
	uint16_t	tp_mac;
	uint16_t	tp_net;
	uint32_t	hv1_rxhash;
	uint32_t	hv1_vlan_tci;
	uint16_t	hv1_vlan_tpid;
	uint16_t	hv1_padding;
	uint8_t		tp_padding[8];
};

struct tpacket_bd_ts {
	unsigned int	ts_sec;
	unsigned int	ts_nsec;
};

struct tpacket_hdr_v1 {
	uint32_t	block_status;
	uint32_t	num_pkts;
	uint32_t	offset_to_first_pkt;
	uint32_t	blk_len;
	uint64_t	seq_num __attribute__((aligned(8)));
	struct tpacket_bd_ts ts_first_pkt, ts_last_pkt;
};

struct tpacket_block_desc {
	uint32_t	version;
	uint32_t	offset_to_priv;
	struct tpacket_hdr_v1 bh1;
};

#endif
