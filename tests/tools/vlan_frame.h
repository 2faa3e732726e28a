/*
 * vlan_frame: the tagging decisions of tests/tools/vlan_switch, apart from
 * its sockets so that tests/unit/test_vlan_frame.c can drive them: adding
 * and removing an 802.1Q tag, and moving a virtio_net_hdr's frame offsets
 * with it.
 */
#ifndef VLAN_FRAME_H
#define VLAN_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/virtio_net.h>

#define VF_VID_MAX 4094		/* 0: priority tag; 4095: reserved */
#define VF_MAC_LEN 12		/* destination and source MAC */
#define VF_TAG_LEN 4		/* TPID and TCI */
#define VF_ETH_HLEN 14
#define VF_TPID_8021Q 0x8100
#define VF_TPID_8021AD 0x88a8

/* What becomes of a frame; every value but VF_FORWARD is a counted drop. */
enum vf_verdict {
	VF_FORWARD = 0,
	VF_DROP_UNTAGGED,	/* no tag on the trunk */
	VF_DROP_PRIORITY,	/* VID 0 on the trunk */
	VF_DROP_OTHER_TPID,	/* an 802.1ad or other outer tag on the trunk */
	VF_DROP_STACKED,	/* a second tag behind the trunk's */
	VF_DROP_TAGGED,		/* a tag on an access port */
	VF_DROP_MALFORMED,	/* too short, or offsets into the MACs or tag */
};

/* The tag the kernel stripped into PACKET_AUXDATA, if it did. */
struct vf_aux {
	bool		a_valid;	/* TP_STATUS_VLAN_VALID */
	bool		a_tpid_valid;	/* TP_STATUS_VLAN_TPID_VALID */
	uint16_t	a_tci;
	uint16_t	a_tpid;
};

int vf_shift_vnet(struct virtio_net_hdr *vh, int delta);
enum vf_verdict vf_untag(const uint8_t *frame, size_t len, const struct vf_aux *aux,
    struct virtio_net_hdr *vh, unsigned *vid, size_t *skip);
enum vf_verdict vf_tag(const uint8_t *frame, size_t len, const struct vf_aux *aux,
    struct virtio_net_hdr *vh, unsigned vid, uint8_t tag[static VF_TAG_LEN]);

#endif
