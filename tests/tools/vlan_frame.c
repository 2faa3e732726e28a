/*
 * vlan_frame: adding and removing an 802.1Q tag (see vlan_frame.h).  The
 * frame itself is never moved: the caller sends it in pieces (MACs, tag,
 * rest), so a 64 KiB super-frame is not copied to make room for 4 bytes.
 */
#include "vlan_frame.h"

static uint16_t
vf_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static bool
vf_is_tpid(uint16_t type)
{
	return type == VF_TPID_8021Q || type == VF_TPID_8021AD;
}

/*
 * Shifts the virtio header's frame offsets by delta (+4 a tag added, -4 a
 * tag removed).  csum_start and hdr_len count from the frame's first byte;
 * one that would point into the Ethernet header (or tag), or past 16 bits,
 * is malformed: -1, vh unchanged.
 */
int
vf_shift_vnet(struct virtio_net_hdr *vh, int delta)
{
	int start = vh->csum_start, hlen = vh->hdr_len;
	bool csum = (vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) != 0;

	if (csum && (start + delta < VF_ETH_HLEN || start + delta > UINT16_MAX))
		return -1;
	if (hlen != 0 && (hlen + delta < VF_ETH_HLEN || hlen + delta > UINT16_MAX))
		return -1;
	if (csum)
		vh->csum_start = (uint16_t)(start + delta);
	if (hlen != 0)
		vh->hdr_len = (uint16_t)(hlen + delta);
	return 0;
}

/*
 * A frame off the trunk: its VID (1-4094) in *vid and, when the tag is in
 * the frame (not stripped into aux), *skip = 4 bytes to leave out after
 * the MACs, vh shifted to match.  Whether a port has that VID is the
 * caller's question.
 */
enum vf_verdict
vf_untag(const uint8_t *frame, size_t len, const struct vf_aux *aux,
    struct virtio_net_hdr *vh, unsigned *vid, size_t *skip)
{
	uint16_t type;

	*skip = 0;
	if (len < VF_ETH_HLEN)
		return VF_DROP_MALFORMED;
	type = vf_be16(frame + VF_MAC_LEN);
	if (aux->a_valid) {
		/* Stripped by the kernel: what is left starts at type. */
		if (aux->a_tpid_valid && aux->a_tpid != VF_TPID_8021Q)
			return VF_DROP_OTHER_TPID;
		*vid = aux->a_tci & 0x0fff;
	} else {
		if (type == VF_TPID_8021AD)
			return VF_DROP_OTHER_TPID;
		if (type != VF_TPID_8021Q)
			return VF_DROP_UNTAGGED;
		if (len < VF_ETH_HLEN + VF_TAG_LEN)
			return VF_DROP_MALFORMED;
		*vid = vf_be16(frame + VF_MAC_LEN + 2) & 0x0fff;
		*skip = VF_TAG_LEN;
		type = vf_be16(frame + VF_MAC_LEN + VF_TAG_LEN);
	}
	/* An access port carries untagged frames only. */
	if (vf_is_tpid(type))
		return VF_DROP_STACKED;
	if (*vid == 0)
		return VF_DROP_PRIORITY;
	if (*skip != 0 && vf_shift_vnet(vh, -VF_TAG_LEN) == -1)
		return VF_DROP_MALFORMED;
	return VF_FORWARD;
}

/*
 * A frame from the access port of vid: the tag to insert after the MACs
 * in tag, vh shifted to match.  A frame the consumer tagged itself is
 * dropped: it would hop VLANs otherwise.
 */
enum vf_verdict
vf_tag(const uint8_t *frame, size_t len, const struct vf_aux *aux,
    struct virtio_net_hdr *vh, unsigned vid, uint8_t tag[static VF_TAG_LEN])
{
	if (len < VF_ETH_HLEN)
		return VF_DROP_MALFORMED;
	if (aux->a_valid || vf_is_tpid(vf_be16(frame + VF_MAC_LEN)))
		return VF_DROP_TAGGED;
	if (vf_shift_vnet(vh, VF_TAG_LEN) == -1)
		return VF_DROP_MALFORMED;
	tag[0] = VF_TPID_8021Q >> 8;
	tag[1] = VF_TPID_8021Q & 0xff;
	tag[2] = (uint8_t)(vid >> 8 & 0x0f);	/* PCP 0, DEI 0 */
	tag[3] = (uint8_t)(vid & 0xff);
	return VF_FORWARD;
}
