/*
 * The tagging decisions of the tests' VLAN switch (tests/tools/vlan_frame.c):
 * a tag from PACKET_AUXDATA or from the frame, VID 0, 802.1ad and stacked
 * tags, a consumer's own tags, and the virtio_net_hdr offsets moved by the
 * tag's 4 bytes (the in-frame tag is a path the kernel never takes on a
 * veth: it strips tags on receive, so only this test reaches it).
 */
#include <string.h>

#include "../tools/vlan_frame.h"
#include "unit.h"

/* An Ethernet frame of 60 bytes: MACs, then the given 16-bit words. */
static size_t
frame(uint8_t f[static 64], const uint16_t *words, size_t n)
{
	memset(f, 0, 64);
	memset(f, 0xff, 6);
	f[6] = 0x02;
	for (size_t i = 0; i < n; i++) {
		f[VF_MAC_LEN + 2 * i] = (uint8_t)(words[i] >> 8);
		f[VF_MAC_LEN + 2 * i + 1] = (uint8_t)words[i];
	}
	return 60;
}

static struct virtio_net_hdr
vnet(uint16_t csum_start, uint16_t hdr_len)
{
	struct virtio_net_hdr vh;

	memset(&vh, 0, sizeof(vh));
	vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh.csum_start = csum_start;
	vh.csum_offset = 16;
	vh.hdr_len = hdr_len;
	vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	vh.gso_size = 1448;
	return vh;
}

static void
test_untag(void)
{
	const struct vf_aux none = { 0 };
	struct vf_aux aux = { .a_valid = true, .a_tpid_valid = true, .a_tci = 0x200a,
		.a_tpid = VF_TPID_8021Q };
	uint8_t f[64];
	struct virtio_net_hdr vh;
	unsigned vid;
	size_t skip, len;

	/* Stripped by the kernel: the frame and its offsets are already untagged. */
	len = frame(f, (uint16_t[]){ 0x0800 }, 1);
	vh = vnet(34, 54);
	CHECK(vf_untag(f, len, &aux, &vh, &vid, &skip) == VF_FORWARD && vid == 10 && skip == 0,
	    "aux tag (PCP 1, VID 10): forwarded as VID 10, nothing skipped");
	CHECK(vh.csum_start == 34 && vh.hdr_len == 54, "aux tag: offsets untouched");

	/* In the frame: 4 bytes skipped, offsets 4 less. */
	len = frame(f, (uint16_t[]){ 0x8100, 0xe00a, 0x0800 }, 3);
	vh = vnet(38, 58);
	CHECK(vf_untag(f, len, &none, &vh, &vid, &skip) == VF_FORWARD && vid == 10 && skip == 4,
	    "in-frame tag (PCP 7, VID 10): forwarded as VID 10, tag skipped");
	CHECK(vh.csum_start == 34 && vh.hdr_len == 54 && vh.csum_offset == 16 && vh.gso_size == 1448,
	    "in-frame tag: csum_start and hdr_len 4 less, the rest untouched");
	vh = vnet(34, 0);
	vh.flags = 0;
	CHECK(vf_untag(f, len, &none, &vh, &vid, &skip) == VF_FORWARD && vh.csum_start == 34 &&
	    vh.hdr_len == 0, "no partial checksum, no hdr_len: nothing shifted");
	vh = vnet(16, 58);
	CHECK(vf_untag(f, len, &none, &vh, &vid, &skip) == VF_DROP_MALFORMED,
	    "csum_start inside the tag: malformed");

	len = frame(f, (uint16_t[]){ 0x0800 }, 1);
	vh = vnet(34, 54);
	CHECK(vf_untag(f, len, &none, &vh, &vid, &skip) == VF_DROP_UNTAGGED, "untagged: dropped");
	len = frame(f, (uint16_t[]){ 0x8100, 0x6000, 0x0800 }, 3);
	CHECK(vf_untag(f, len, &none, &vh, &vid, &skip) == VF_DROP_PRIORITY,
	    "in-frame VID 0 (PCP 3): priority-tagged, dropped");
	aux.a_tci = 0x6000;
	len = frame(f, (uint16_t[]){ 0x0800 }, 1);
	CHECK(vf_untag(f, len, &aux, &vh, &vid, &skip) == VF_DROP_PRIORITY,
	    "aux VID 0: priority-tagged, dropped");
	aux.a_tci = 10;
	aux.a_tpid = VF_TPID_8021AD;
	CHECK(vf_untag(f, len, &aux, &vh, &vid, &skip) == VF_DROP_OTHER_TPID, "aux 802.1ad: dropped");
	aux.a_tpid_valid = false;
	CHECK(vf_untag(f, len, &aux, &vh, &vid, &skip) == VF_FORWARD && vid == 10,
	    "aux tag of a kernel without the TPID: taken as 802.1Q");
	len = frame(f, (uint16_t[]){ 0x88a8, 10, 0x8100, 10, 0x0800 }, 5);
	CHECK(vf_untag(f, len, &none, &vh, &vid, &skip) == VF_DROP_OTHER_TPID, "in-frame 802.1ad: dropped");
	len = frame(f, (uint16_t[]){ 0x8100, 10, 0x8100, 20, 0x0800 }, 5);
	CHECK(vf_untag(f, len, &none, &vh, &vid, &skip) == VF_DROP_STACKED, "two in-frame tags: dropped");
	aux.a_tpid_valid = true;
	aux.a_tpid = VF_TPID_8021Q;
	len = frame(f, (uint16_t[]){ 0x8100, 20, 0x0800 }, 3);
	CHECK(vf_untag(f, len, &aux, &vh, &vid, &skip) == VF_DROP_STACKED,
	    "aux tag with another in the frame: dropped");
	CHECK(vf_untag(f, 13, &none, &vh, &vid, &skip) == VF_DROP_MALFORMED, "13 bytes: malformed");
	len = frame(f, (uint16_t[]){ 0x8100, 10 }, 2);
	CHECK(vf_untag(f, 16, &none, &vh, &vid, &skip) == VF_DROP_MALFORMED,
	    "a tag cut short (16 bytes): malformed");
}

static void
test_tag(void)
{
	const struct vf_aux none = { 0 };
	const struct vf_aux aux = { .a_valid = true, .a_tci = 20 };
	uint8_t f[64], tag[VF_TAG_LEN];
	struct virtio_net_hdr vh;
	size_t len;

	len = frame(f, (uint16_t[]){ 0x0800 }, 1);
	vh = vnet(34, 54);
	CHECK(vf_tag(f, len, &none, &vh, 4094, tag) == VF_FORWARD &&
	    memcmp(tag, "\x81\x00\x0f\xfe", 4) == 0, "VID 4094: tag 81 00 0f fe (PCP 0)");
	CHECK(vh.csum_start == 38 && vh.hdr_len == 58, "csum_start and hdr_len 4 more");
	vh = vnet(UINT16_MAX - 2, 0);
	CHECK(vf_tag(f, len, &none, &vh, 10, tag) == VF_DROP_MALFORMED && vh.csum_start == UINT16_MAX - 2,
	    "csum_start past 16 bits once shifted: malformed, header unchanged");
	vh = vnet(34, 54);
	CHECK(vf_tag(f, len, &aux, &vh, 10, tag) == VF_DROP_TAGGED,
	    "a tag the kernel stripped on an access port: dropped");
	len = frame(f, (uint16_t[]){ 0x8100, 20, 0x0800 }, 3);
	CHECK(vf_tag(f, len, &none, &vh, 10, tag) == VF_DROP_TAGGED, "an in-frame 802.1Q tag: dropped");
	len = frame(f, (uint16_t[]){ 0x88a8, 20, 0x0800 }, 3);
	CHECK(vf_tag(f, len, &none, &vh, 10, tag) == VF_DROP_TAGGED, "an in-frame 802.1ad tag: dropped");
	CHECK(vf_tag(f, 13, &none, &vh, 10, tag) == VF_DROP_MALFORMED, "13 bytes: malformed");
}

int
main(void)
{
	test_untag();
	test_tag();
	return UNIT_DONE();
}
