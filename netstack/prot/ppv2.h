/*
 * PROXY protocol version 2 wire format (HAProxy's proxy-protocol.txt,
 * section 2.2), and the Azure Private Link TLV.
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

/* Largest header privlinkd writes: TCP4 addresses and the link id TLV. */
#define PPV2_MAX_LEN \
	(PPV2_HDR_LEN + PPV2_ADDR_TCP4_LEN + PPV2_TLV_HDR_LEN + PPV2_AZURE_LINKID_LEN)

#endif
