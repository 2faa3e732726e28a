/*
 * PROXY protocol v2 header writers.
 *
 * Contract of every writer: it checks the room left before each write and
 * returns the number of bytes written, or 0 if buf is too small (nothing
 * usable is left in buf then).
 */
#include <string.h>

#include "ppv2.h"

static size_t
ppv2_put_hdr(uint8_t *buf, size_t room, uint8_t cmd, uint8_t fam, size_t body)
{
	if (room < PPV2_HDR_LEN || body > 0xffff)
		return 0;
	memcpy(buf, PPV2_SIG, PPV2_SIG_LEN);
	buf[12] = PPV2_VERSION | cmd;
	buf[13] = fam;
	buf[14] = (uint8_t)(body >> 8);
	buf[15] = (uint8_t)body;
	return PPV2_HDR_LEN;
}

/*
 * Command PROXY, TCP over IPv4: source = consumer, destination = private
 * endpoint, then the Azure link id TLV when the endpoint has one.
 */
size_t
ppv2_write_tcp4(uint8_t *buf, size_t room, const struct ppv2_tcp4 *conn)
{
	size_t body = PPV2_ADDR_TCP4_LEN, off;
	uint8_t *p;

	if (conn->pp_has_link_id)
		body += PPV2_TLV_HDR_LEN + PPV2_AZURE_LINKID_LEN;
	if (room < PPV2_HDR_LEN + body)
		return 0;
	off = ppv2_put_hdr(buf, room, PPV2_CMD_PROXY, PPV2_FAM_TCP4, body);
	if (off == 0)
		return 0;

	p = buf + off;
	/* Addresses are already in network order: copy their bytes as is. */
	memcpy(p, &conn->pp_src_addr, 4);
	memcpy(p + 4, &conn->pp_dst_addr, 4);
	p[8] = (uint8_t)(conn->pp_src_port >> 8);
	p[9] = (uint8_t)conn->pp_src_port;
	p[10] = (uint8_t)(conn->pp_dst_port >> 8);
	p[11] = (uint8_t)conn->pp_dst_port;
	p += PPV2_ADDR_TCP4_LEN;

	if (conn->pp_has_link_id) {
		p[0] = PPV2_TYPE_AZURE;
		p[1] = 0;
		p[2] = PPV2_AZURE_LINKID_LEN;
		p[3] = PPV2_AZURE_SUBTYPE_LINKID;
		/* Azure documents the LINKID as little endian. */
		p[4] = (uint8_t)conn->pp_link_id;
		p[5] = (uint8_t)(conn->pp_link_id >> 8);
		p[6] = (uint8_t)(conn->pp_link_id >> 16);
		p[7] = (uint8_t)(conn->pp_link_id >> 24);
	}
	return PPV2_HDR_LEN + body;
}

/*
 * Command LOCAL, no addresses: for connections the appliance makes on its
 * own behalf (health probes), which the backend must not attribute to a
 * consumer.
 */
size_t
ppv2_write_local(uint8_t *buf, size_t room)
{
	return ppv2_put_hdr(buf, room, PPV2_CMD_LOCAL, PPV2_FAM_UNSPEC, 0);
}
