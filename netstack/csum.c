/*
 * Completing transport checksums the kernel left partial.
 *
 * A frame handed to an AF_PACKET socket before the sending device filled
 * its checksum (TP_STATUS_CSUMNOTREADY: veth, virtio with offloads on) has
 * only the pseudo-header sum in the TCP/UDP checksum field.  The packet is
 * whole otherwise, so the checksum is recomputed from scratch here.
 */
#include <string.h>

#include "netstack.h"

static uint32_t
csum_add(uint32_t sum, const uint8_t *p, size_t len)
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

static uint16_t
csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
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

	if (len < 20 || (ip[0] >> 4) != 4)
		return -1;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	tot = (size_t)ip[2] << 8 | ip[3];
	if (ihl < 20 || tot < ihl || tot > len)
		return -1;
	/* Only a first fragment can carry a partial checksum. */
	if ((ip[6] & 0x1f) != 0 || ip[7] != 0)
		return -1;
	l4len = tot - ihl;
	switch (ip[9]) {
	case 6:		/* TCP */
		field = 16;
		break;
	case 17:	/* UDP */
		field = 6;
		break;
	default:
		return 0;
	}
	if (l4len < field + 2)
		return -1;
	memset(ip + ihl + field, 0, 2);
	sum = csum_add(0, ip + 12, 8);		/* source, destination */
	sum += ip[9];
	sum += (uint32_t)l4len;
	sum = csum_add(sum, ip + ihl, l4len);
	c = csum_fold(sum);
	if (ip[9] == 17 && c == 0)
		c = 0xffff;			/* UDP: 0 means "no checksum" */
	ip[ihl + field] = (uint8_t)(c >> 8);
	ip[ihl + field + 1] = (uint8_t)c;
	return 0;
}
