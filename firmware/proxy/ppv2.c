/*
 * PROXY protocol v2 header writers.
 *
 * Contract of every writer: it checks the room left before each write and
 * returns the number of bytes written, or 0 if buf is too small (nothing
 * usable is left in buf then).
 */
#include <string.h>

#include "crc32c.h"
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

/* Bytes of the vendor TLV's value for conn's dialect, 0: none. */
static size_t
ppv2_vendor_len(const struct ppv2_tcp4 *conn)
{
	switch (conn->pp_vendor) {
	case PPV2_VENDOR_AZURE:
		return PPV2_AZURE_LINKID_LEN;
	case PPV2_VENDOR_AWS:
		/* No id: 1, which ppv2_write_tcp4 refuses. */
		return 1 + (conn->pp_vpce_id == NULL ? 0 :
		    strnlen(conn->pp_vpce_id, PPV2_VPCE_ID_MAX + 1));
	case PPV2_VENDOR_GCP:
		return PPV2_GCP_PSC_ID_LEN;
	case PPV2_VENDOR_NONE:
	default:
		return 0;
	}
}

static uint8_t *
ppv2_put_tlv_hdr(uint8_t *p, uint8_t type, size_t len)
{
	p[0] = type;
	p[1] = (uint8_t)(len >> 8);
	p[2] = (uint8_t)len;
	return p + PPV2_TLV_HDR_LEN;
}

static uint8_t *
ppv2_put_vendor(uint8_t *p, const struct ppv2_tcp4 *conn, size_t len)
{
	switch (conn->pp_vendor) {
	case PPV2_VENDOR_AZURE:
		p = ppv2_put_tlv_hdr(p, PPV2_TYPE_AZURE, len);
		p[0] = PPV2_AZURE_SUBTYPE_LINKID;
		/* Azure documents the LINKID as little endian. */
		p[1] = (uint8_t)conn->pp_link_id;
		p[2] = (uint8_t)(conn->pp_link_id >> 8);
		p[3] = (uint8_t)(conn->pp_link_id >> 16);
		p[4] = (uint8_t)(conn->pp_link_id >> 24);
		return p + len;
	case PPV2_VENDOR_AWS:
		p = ppv2_put_tlv_hdr(p, PPV2_TYPE_AWS, len);
		p[0] = PPV2_AWS_SUBTYPE_VPCE_ID;
		/* The id's characters only: AWS sends no NUL. */
		memcpy(p + 1, conn->pp_vpce_id, len - 1);
		return p + len;
	case PPV2_VENDOR_GCP:
		p = ppv2_put_tlv_hdr(p, PPV2_TYPE_GCP, len);
		/* Google documents the PSC connection id in network order. */
		for (int i = 0; i < PPV2_GCP_PSC_ID_LEN; i++)
			p[i] = (uint8_t)(conn->pp_psc_id >> (8 * (PPV2_GCP_PSC_ID_LEN - 1 - i)));
		return p + len;
	case PPV2_VENDOR_NONE:
	default:
		return p;
	}
}

/*
 * Command PROXY, TCP over IPv4: source = consumer, destination = private
 * endpoint, then the TLVs conn asks for in this order: the CRC32c, the
 * vendor's, the unique id.  The CRC32c (section 2.2.5) covers the whole
 * header, computed with its own value field zero, and is stored in
 * network order.  It comes first as in HAProxy's own headers; receivers
 * take any order, but Wireshark 4.0's dissector stops short of the last
 * 16 bytes of the TLVs, and the checksum first is what it sees.  An AWS id longer than PPV2_VPCE_ID_MAX or a unique id
 * outside 1..PPV2_UNIQUE_ID_MAX writes nothing (returns 0).
 */
size_t
ppv2_write_tcp4(uint8_t *buf, size_t room, const struct ppv2_tcp4 *conn)
{
	size_t body = PPV2_ADDR_TCP4_LEN, off, vlen = ppv2_vendor_len(conn);
	uint8_t *p, *crc = NULL;
	uint32_t c;

	if (conn->pp_vendor == PPV2_VENDOR_AWS && (vlen < 2 || vlen > 1 + PPV2_VPCE_ID_MAX))
		return 0;
	if (vlen > 0)
		body += PPV2_TLV_HDR_LEN + vlen;
	if (conn->pp_unique_id != NULL) {
		if (conn->pp_unique_id_len == 0 || conn->pp_unique_id_len > PPV2_UNIQUE_ID_MAX)
			return 0;
		body += PPV2_TLV_HDR_LEN + conn->pp_unique_id_len;
	}
	if (conn->pp_crc32c)
		body += PPV2_TLV_HDR_LEN + PPV2_CRC32C_LEN;
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

	if (conn->pp_crc32c) {
		/* Zero now, the checksum once the rest is written. */
		crc = ppv2_put_tlv_hdr(p, PPV2_TYPE_CRC32C, PPV2_CRC32C_LEN);
		memset(crc, 0, PPV2_CRC32C_LEN);
		p = crc + PPV2_CRC32C_LEN;
	}
	p = ppv2_put_vendor(p, conn, vlen);
	if (conn->pp_unique_id != NULL) {
		p = ppv2_put_tlv_hdr(p, PPV2_TYPE_UNIQUE_ID, conn->pp_unique_id_len);
		memcpy(p, conn->pp_unique_id, conn->pp_unique_id_len);
	}
	if (conn->pp_crc32c) {
		c = crc32c(buf, PPV2_HDR_LEN + body);
		crc[0] = (uint8_t)(c >> 24);
		crc[1] = (uint8_t)(c >> 16);
		crc[2] = (uint8_t)(c >> 8);
		crc[3] = (uint8_t)c;
	}
	return PPV2_HDR_LEN + body;
}

/*
 * The n-th unique id of the boot whose random is boot: hex, so that
 * receivers may log it as text.  Unique across restarts as long as two
 * boots do not draw the same 64-bit random.
 */
void
ppv2_unique_id(char out[static PPV2_UID_LEN], uint64_t boot, uint64_t n)
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 0; i < 16; i++) {
		out[i] = hex[(boot >> (60 - 4 * i)) & 0xf];
		out[16 + i] = hex[(n >> (60 - 4 * i)) & 0xf];
	}
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
