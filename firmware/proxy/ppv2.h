/*
 * PROXY protocol v2 header writers.
 */
#ifndef PRIVLINK_PPV2_H
#define PRIVLINK_PPV2_H

#include <stddef.h>
#include <stdint.h>

#include "prot/ppv2.h"

/* The cloud whose private-link TLV the header carries (the service's
 * proxy_protocol_tlv). */
enum ppv2_vendor {
	PPV2_VENDOR_NONE = 0,
	PPV2_VENDOR_AZURE,		/* 0xEE 0x01 LINKID */
	PPV2_VENDOR_AWS,		/* 0xEA 0x01 vpce-... */
	PPV2_VENDOR_GCP,		/* 0xE0 PSC connection id */
};

/* An AWS VPC endpoint id: "vpce-" and 17 hex digits in AWS; privlink
 * takes up to 64 characters (cfg_ppv2.c checks them). */
#define PPV2_VPCE_ID_MAX	64
/* privlinkd's unique ids: 16 hex digits of a boot random, 16 of a
 * connection counter (ppv2_unique_id). */
#define PPV2_UID_LEN		32

/* A proxied TCP/IPv4 connection as the backend should learn it.
 * Addresses in network byte order, ports in host byte order. */
struct ppv2_tcp4 {
	uint32_t	pp_src_addr;	/* the consumer */
	uint32_t	pp_dst_addr;	/* the private endpoint */
	uint16_t	pp_src_port;
	uint16_t	pp_dst_port;
	enum ppv2_vendor pp_vendor;
	uint32_t	pp_link_id;	/* Azure */
	const char	*pp_vpce_id;	/* AWS: 1..PPV2_VPCE_ID_MAX bytes, NUL-ended */
	uint64_t	pp_psc_id;	/* GCP */
	const uint8_t	*pp_unique_id;	/* PP2_TYPE_UNIQUE_ID, NULL: none */
	size_t		pp_unique_id_len; /* 1..PPV2_UNIQUE_ID_MAX */
	int		pp_crc32c;	/* add PP2_TYPE_CRC32C */
};

/* Largest header privlinkd writes: TCP4 addresses, the longest vendor
 * TLV (AWS's), a unique id of the spec's largest size, the CRC32c. */
#define PPV2_MAX_LEN \
	(PPV2_HDR_LEN + PPV2_ADDR_TCP4_LEN + \
	PPV2_TLV_HDR_LEN + 1 + PPV2_VPCE_ID_MAX + \
	PPV2_TLV_HDR_LEN + PPV2_UNIQUE_ID_MAX + \
	PPV2_TLV_HDR_LEN + PPV2_CRC32C_LEN)

size_t ppv2_write_tcp4(uint8_t *buf, size_t room, const struct ppv2_tcp4 *conn);
size_t ppv2_write_local(uint8_t *buf, size_t room);
void ppv2_unique_id(char out[static PPV2_UID_LEN], uint64_t boot, uint64_t n);

#endif
