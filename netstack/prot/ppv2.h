/*
 * PROXY protocol version 2 wire format (HAProxy's proxy-protocol.txt,
 * section 2.2), and the vendor TLVs of Azure, AWS and GCP private links.
 */
#ifndef PRIVLINK_PROT_PPV2_H
#define PRIVLINK_PROT_PPV2_H

/* \r\n\r\n\0\r\nQUIT\n */
#define PPV2_SIG		"\x0d\x0a\x0d\x0a\x00\x0d\x0a\x51\x55\x49\x54\x0a"
#define PPV2_SIG_LEN		12
#define PPV2_HDR_LEN		16	/* signature, ver_cmd, fam, len */

#define PPV2_VERSION		0x20	/* high nibble: version 2 */
#define PPV2_CMD_LOCAL		0x00
#define PPV2_CMD_PROXY		0x01

#define PPV2_FAM_UNSPEC		0x00
#define PPV2_FAM_TCP4		0x11	/* AF_INET, SOCK_STREAM */

#define PPV2_ADDR_TCP4_LEN	12	/* src, dst addresses, src, dst ports */
#define PPV2_TLV_HDR_LEN	3	/* type, length (16-bit, big endian) */

/* Azure Private Link: type 0xEE; value = subtype 0x01 then the private
 * endpoint's 32-bit LINKID, little endian. */
#define PPV2_TYPE_AZURE		0xEE
#define PPV2_AZURE_SUBTYPE_LINKID 0x01
#define PPV2_AZURE_LINKID_LEN	5

/* Standard TLV types (section 2.2.1 to 2.2.8). */
#define PPV2_TYPE_CRC32C	0x03	/* 4 bytes, big endian: section 2.2.5 */
#define PPV2_TYPE_UNIQUE_ID	0x05	/* opaque bytes: section 2.2.6 */
#define PPV2_CRC32C_LEN		4
#define PPV2_UNIQUE_ID_MAX	128	/* the spec's bound on the id */

/* AWS PrivateLink: type 0xEA (PP2_TYPE_AWS); value = subtype 0x01
 * (PP2_SUBTYPE_AWS_VPCE_ID) then the VPC endpoint id as ASCII, no NUL. */
#define PPV2_TYPE_AWS		0xEA
#define PPV2_AWS_SUBTYPE_VPCE_ID 0x01

/* GCP Private Service Connect: type 0xE0; value = the 8-byte PSC
 * connection id, big endian. */
#define PPV2_TYPE_GCP		0xE0
#define PPV2_GCP_PSC_ID_LEN	8

#endif
