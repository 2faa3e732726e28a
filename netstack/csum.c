/*
 * Completing transport checksums the kernel left partial.
 *
 * A frame handed to an AF_PACKET socket before the sending device filled
 * its checksum (TP_STATUS_CSUMNOTREADY: veth, virtio with offloads on) has
 * only the pseudo-header sum in the TCP/UDP checksum field.  The packet is
 * whole otherwise, so the checksum is recomputed from scratch here.
 */
#include <string.h>

#include "csum.h"
#include "netstack.h"
#include "prot/ip4.h"

uint32_t
ns_csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	while (len >= 2) {
		sum += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

uint16_t
ns_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/*
 * ip points at an IPv4 header with len bytes after it available.  Returns
 * 0 when the checksum was completed (or the protocol carries none), -1 if
 * the packet is malformed.
 */
int
ns_csum_complete_ipv4(uint8_t *ip, size_t len)
{
	size_t ihl, tot, l4len, field;
	uint32_t sum;
	uint16_t c;

	if (len < IP4_HDR_LEN || (ip[0] >> 4) != 4)
		return -1;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	tot = (size_t)ip[IP4_OFF_TOTLEN] << 8 | ip[IP4_OFF_TOTLEN + 1];
	if (ihl < IP4_HDR_LEN || tot < ihl || tot > len)
		return -1;
	/* Only a first fragment can carry a partial checksum. */
	if ((ip[IP4_OFF_FRAG] & 0x1f) != 0 || ip[IP4_OFF_FRAG + 1] != 0)
		return -1;
	l4len = tot - ihl;
	switch (ip[IP4_OFF_PROTO]) {
	case IP4_PROTO_TCP:
		field = TCP_OFF_CSUM;
		break;
	case IP4_PROTO_UDP:
		field = UDP_OFF_CSUM;
		break;
	default:
		return 0;
	}
	if (l4len < field + 2)
		return -1;
	memset(ip + ihl + field, 0, 2);
	sum = ns_csum_add(0, ip + IP4_OFF_SRC, IP4_ADDRS_LEN);
	sum += ip[IP4_OFF_PROTO];
	sum += (uint32_t)l4len;
	sum = ns_csum_add(sum, ip + ihl, l4len);
	c = (uint16_t)~ns_csum_fold(sum);
	if (ip[IP4_OFF_PROTO] == IP4_PROTO_UDP && c == 0)
		c = 0xffff;			/* UDP: 0 means "no checksum" */
	ip[ihl + field] = (uint8_t)(c >> 8);
	ip[ihl + field + 1] = (uint8_t)c;
	return 0;
}
