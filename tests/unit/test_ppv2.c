/*
 * PROXY v2 writer against byte vectors laid out by hand from HAProxy's
 * proxy-protocol.txt (section 2.2) and the private link TLVs of Azure
 * (0xEE), AWS (0xEA) and GCP (0xE0); CRC32c against the check value of
 * the CRC catalogue, RFC 3720's iSCSI vectors and headers whose checksum
 * Python's crcmod ("crc-32c", Debian's python3-crcmod) computed.
 */
#include <arpa/inet.h>
#include <string.h>

#include "crc32c.h"
#include "ppv2.h"
#include "unit.h"

static const uint8_t want_proxy_tlv[] = {
	/* signature */
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
	0x21,			/* version 2, command PROXY */
	0x11,			/* AF_INET, STREAM */
	0x00, 0x14,		/* 12 address bytes + 8 TLV bytes = 20 */
	10, 0, 0, 7,		/* source: the consumer */
	10, 0, 0, 5,		/* destination: the private endpoint */
	0x9c, 0x7b,		/* source port 40059 */
	0x01, 0xbb,		/* destination port 443 */
	0xee, 0x00, 0x05,	/* TLV type 0xEE, length 5 */
	0x01,			/* subtype LINKID */
	0x04, 0x03, 0x02, 0x01,	/* link id 0x01020304, little endian */
};

static const uint8_t want_proxy_plain[] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
	0x21, 0x11, 0x00, 0x0c,
	192, 168, 1, 2,
	172, 16, 0, 1,
	0x00, 0x01,
	0xff, 0xff,
};

static const uint8_t want_local[] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
	0x20, 0x00, 0x00, 0x00,
};

/* AWS: 10.0.0.7:40059 -> 10.0.0.5:443, endpoint id vpce-0123456789abcdef0. */
static const uint8_t want_aws[] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
	0x21, 0x11,
	0x00, 0x26,		/* 12 + 3 + 23 = 38 */
	10, 0, 0, 7, 10, 0, 0, 5, 0x9c, 0x7b, 0x01, 0xbb,
	0xea, 0x00, 0x17,	/* PP2_TYPE_AWS, length 23 */
	0x01,			/* PP2_SUBTYPE_AWS_VPCE_ID */
	'v', 'p', 'c', 'e', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9',
	'a', 'b', 'c', 'd', 'e', 'f', '0',	/* no NUL */
};

/* GCP: the same addresses, PSC connection id 0x0102030405060708. */
static const uint8_t want_gcp[] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
	0x21, 0x11,
	0x00, 0x17,		/* 12 + 3 + 8 = 23 */
	10, 0, 0, 7, 10, 0, 0, 5, 0x9c, 0x7b, 0x01, 0xbb,
	0xe0, 0x00, 0x08,	/* GCP's type, length 8 */
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,	/* network order */
};

/* The CRC32c, Azure and a unique id, in that order. */
static const uint8_t want_uid_crc[] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
	0x21, 0x11,
	0x00, 0x3e,		/* 12 + 7 + 8 + 35 = 62 */
	10, 0, 0, 7, 10, 0, 0, 5, 0x9c, 0x7b, 0x01, 0xbb,
	0x03, 0x00, 0x04,	/* PP2_TYPE_CRC32C, length 4 */
	0x81, 0x07, 0x26, 0x3f,	/* crcmod over the header with these 4 zero */
	0xee, 0x00, 0x05, 0x01, 0x04, 0x03, 0x02, 0x01,
	0x05, 0x00, 0x20,	/* PP2_TYPE_UNIQUE_ID, length 32 */
	'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f',
	'0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '1',
};

/* No vendor TLV, the CRC32c only. */
static const uint8_t want_crc_only[] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
	0x21, 0x11,
	0x00, 0x13,		/* 12 + 7 = 19 */
	10, 0, 0, 7, 10, 0, 0, 5, 0x9c, 0x7b, 0x01, 0xbb,
	0x03, 0x00, 0x04, 0xf0, 0x90, 0x88, 0x5a,
};

/* The CRC bit by bit, apart from the table the module uses. */
static uint32_t
crc32c_bitwise(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	while (n-- > 0) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
	}
	return ~c;
}

static void
hexdiff(const uint8_t *got, const uint8_t *want, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (got[i] != want[i])
			printf("# byte %zu: got 0x%02x want 0x%02x\n", i, got[i], want[i]);
}

static void
base(struct ppv2_tcp4 *c)
{
	memset(c, 0, sizeof(*c));
	c->pp_src_addr = inet_addr("10.0.0.7");
	c->pp_dst_addr = inet_addr("10.0.0.5");
	c->pp_src_port = 40059;
	c->pp_dst_port = 443;
}

static void
dialects(void)
{
	static const char id64[] = "vpce-0123456789abcdef0123456789abcdef0123456789abcdef0123456789a";
	char id65[sizeof(id64) + 1];
	uint8_t buf[PPV2_MAX_LEN + 8];
	struct ppv2_tcp4 c;
	size_t n;

	base(&c);
	c.pp_vendor = PPV2_VENDOR_AWS;
	c.pp_vpce_id = "vpce-0123456789abcdef0";
	c.pp_link_id = 7;	/* other dialects' fields are not written */
	n = ppv2_write_tcp4(buf, sizeof(buf), &c);
	CHECK(n == sizeof(want_aws) && memcmp(buf, want_aws, n) == 0,
	    "AWS: TLV 0xEA, subtype 0x01, the endpoint id as ASCII without NUL (%zu bytes)", n);
	if (n == sizeof(want_aws))
		hexdiff(buf, want_aws, n);
	CHECK(ppv2_write_tcp4(buf, sizeof(want_aws) - 1, &c) == 0, "AWS: one byte short writes nothing");

	CHECK(sizeof(id64) - 1 == PPV2_VPCE_ID_MAX, "the longest id test vector is 64 characters");
	c.pp_vpce_id = id64;
	n = ppv2_write_tcp4(buf, sizeof(buf), &c);
	CHECK(n == PPV2_HDR_LEN + 12 + 3 + 65 && buf[28] == 0xea && buf[29] == 0 && buf[30] == 65 &&
	    memcmp(buf + 32, id64, 64) == 0, "AWS: a 64-character id is written whole");
	snprintf(id65, sizeof(id65), "%sX", id64);
	c.pp_vpce_id = id65;
	CHECK(ppv2_write_tcp4(buf, sizeof(buf), &c) == 0, "AWS: a 65-character id is refused");
	c.pp_vpce_id = "";
	CHECK(ppv2_write_tcp4(buf, sizeof(buf), &c) == 0, "AWS: an empty id is refused");
	c.pp_vpce_id = NULL;
	CHECK(ppv2_write_tcp4(buf, sizeof(buf), &c) == 0, "AWS: no id at all is refused");

	base(&c);
	c.pp_vendor = PPV2_VENDOR_GCP;
	c.pp_psc_id = 0x0102030405060708ULL;
	n = ppv2_write_tcp4(buf, sizeof(buf), &c);
	CHECK(n == sizeof(want_gcp) && memcmp(buf, want_gcp, n) == 0,
	    "GCP: TLV 0xE0, 8-byte PSC connection id in network order");
	c.pp_psc_id = 0xfedcba9876543210ULL;
	n = ppv2_write_tcp4(buf, sizeof(buf), &c);
	CHECK(n == sizeof(want_gcp) && buf[31] == 0xfe && buf[38] == 0x10,
	    "GCP: the id's top byte first, its low byte last");

	base(&c);
	c.pp_vendor = PPV2_VENDOR_NONE;
	c.pp_link_id = 0x01020304;
	n = ppv2_write_tcp4(buf, sizeof(buf), &c);
	CHECK(n == 28 && buf[15] == 12, "none: no TLV, the addresses only, length 12");
}

static void
unique_ids_and_crc(void)
{
	static const uint8_t big_uid[PPV2_UNIQUE_ID_MAX + 1] = { 0 };
	uint8_t buf[PPV2_MAX_LEN + 8], zeros[32], ones[32], incr[32];
	char uid[PPV2_UID_LEN], uid2[PPV2_UID_LEN];
	struct ppv2_tcp4 c;
	size_t n;

	CHECK(crc32c("123456789", 9) == 0xe3069283u, "CRC32c(\"123456789\") = 0xE3069283");
	/* RFC 3720 B.4 lists them as bytes, low byte first. */
	memset(zeros, 0, sizeof(zeros));
	memset(ones, 0xff, sizeof(ones));
	for (int i = 0; i < 32; i++)
		incr[i] = (uint8_t)i;
	CHECK(crc32c(zeros, 32) == 0x8a9136aau, "RFC 3720: 32 bytes of zeros -> aa 36 91 8a");
	CHECK(crc32c(ones, 32) == 0x62a8ab43u, "RFC 3720: 32 bytes of ones -> 43 ab a8 62");
	CHECK(crc32c(incr, 32) == 0x46dd794eu, "RFC 3720: 0..31 -> 4e 79 dd 46");
	CHECK(crc32c("", 0) == 0, "CRC32c of nothing is 0");
	{
		uint8_t all[256];
		int same = 1;

		for (int i = 0; i < 256; i++)
			all[i] = (uint8_t)(i * 7 + 3);
		for (size_t len = 0; len <= sizeof(all); len++)
			same &= crc32c(all, len) == crc32c_bitwise(all, len);
		CHECK(same, "the table CRC equals the bit-by-bit CRC on every length 0..256");
	}

	ppv2_unique_id(uid, 0x0123456789abcdefULL, 1);
	CHECK(memcmp(uid, "0123456789abcdef0000000000000001", PPV2_UID_LEN) == 0,
	    "unique id: 16 hex digits of the boot random, 16 of the counter");
	ppv2_unique_id(uid2, 0x0123456789abcdefULL, 2);
	CHECK(memcmp(uid, uid2, PPV2_UID_LEN) != 0, "the next connection's id differs");
	ppv2_unique_id(uid2, 0x0123456789abcdeeULL, 1);
	CHECK(memcmp(uid, uid2, PPV2_UID_LEN) != 0, "another boot's id of the same number differs");

	base(&c);
	c.pp_vendor = PPV2_VENDOR_AZURE;
	c.pp_link_id = 0x01020304;
	ppv2_unique_id(uid, 0x0123456789abcdefULL, 1);
	c.pp_unique_id = (const uint8_t *)uid;
	c.pp_unique_id_len = sizeof(uid);
	c.pp_crc32c = 1;
	memset(buf, 0xaa, sizeof(buf));
	n = ppv2_write_tcp4(buf, sizeof(buf), &c);
	CHECK(n == sizeof(want_uid_crc) && memcmp(buf, want_uid_crc, n) == 0,
	    "CRC32c + Azure + unique id: the layout and crcmod's checksum, byte for byte");
	if (n == sizeof(want_uid_crc))
		hexdiff(buf, want_uid_crc, n);
	CHECK(buf[n] == 0xaa, "nothing written past the header");
	memset(buf + 31, 0, 4);
	CHECK(crc32c(buf, n) == 0x8107263fu, "the checksum covers the whole header, its field zero");
	CHECK(ppv2_write_tcp4(buf, sizeof(want_uid_crc) - 1, &c) == 0,
	    "with the CRC: one byte short writes nothing");

	base(&c);
	c.pp_crc32c = 1;
	n = ppv2_write_tcp4(buf, sizeof(buf), &c);
	CHECK(n == sizeof(want_crc_only) && memcmp(buf, want_crc_only, n) == 0,
	    "no vendor TLV, the CRC32c only: crcmod's checksum");

	c.pp_unique_id = big_uid;
	c.pp_unique_id_len = PPV2_UNIQUE_ID_MAX + 1;
	CHECK(ppv2_write_tcp4(buf, sizeof(buf), &c) == 0, "a unique id over 128 bytes is refused");
	c.pp_unique_id_len = 0;
	CHECK(ppv2_write_tcp4(buf, sizeof(buf), &c) == 0, "an empty unique id is refused");

	/* The largest header: a 64-byte AWS id, a 128-byte id, the CRC. */
	c.pp_vendor = PPV2_VENDOR_AWS;
	c.pp_vpce_id = "vpce-0123456789abcdef0123456789abcdef0123456789abcdef0123456789a";
	c.pp_unique_id_len = PPV2_UNIQUE_ID_MAX;
	n = ppv2_write_tcp4(buf, sizeof(buf), &c);
	CHECK(n == PPV2_MAX_LEN, "PPV2_MAX_LEN is the size of the largest header (%zu)", n);
	CHECK(ppv2_write_tcp4(buf, PPV2_MAX_LEN, &c) == PPV2_MAX_LEN, "and fits PPV2_MAX_LEN");
}

int
main(void)
{
	uint8_t buf[64];
	struct ppv2_tcp4 c;
	size_t n;

	memset(&c, 0, sizeof(c));
	c.pp_src_addr = inet_addr("10.0.0.7");
	c.pp_dst_addr = inet_addr("10.0.0.5");
	c.pp_src_port = 40059;
	c.pp_dst_port = 443;
	c.pp_vendor = PPV2_VENDOR_AZURE;
	c.pp_link_id = 0x01020304;

	memset(buf, 0xaa, sizeof(buf));
	n = ppv2_write_tcp4(buf, sizeof(buf), &c);
	CHECK(n == sizeof(want_proxy_tlv), "PROXY TCP4 with link id TLV is %zu bytes (got %zu)",
	    sizeof(want_proxy_tlv), n);
	CHECK(memcmp(buf, want_proxy_tlv, sizeof(want_proxy_tlv)) == 0,
	    "PROXY TCP4 with link id TLV matches the spec layout byte for byte");
	if (memcmp(buf, want_proxy_tlv, sizeof(want_proxy_tlv)) != 0)
		hexdiff(buf, want_proxy_tlv, sizeof(want_proxy_tlv));
	CHECK(buf[n] == 0xaa, "nothing written past the header");

	CHECK(ppv2_write_tcp4(buf, sizeof(want_proxy_tlv) - 1, &c) == 0,
	    "one byte short of room writes nothing usable and returns 0");
	CHECK(ppv2_write_tcp4(buf, sizeof(want_proxy_tlv), &c) == sizeof(want_proxy_tlv),
	    "exactly enough room is enough");
	CHECK(ppv2_write_tcp4(buf, 0, &c) == 0, "no room returns 0");

	c.pp_src_addr = inet_addr("192.168.1.2");
	c.pp_dst_addr = inet_addr("172.16.0.1");
	c.pp_src_port = 1;
	c.pp_dst_port = 65535;
	c.pp_vendor = PPV2_VENDOR_NONE;
	n = ppv2_write_tcp4(buf, sizeof(buf), &c);
	CHECK(n == sizeof(want_proxy_plain) && memcmp(buf, want_proxy_plain, n) == 0,
	    "PROXY TCP4 without TLV: length 12, ports big endian");

	c.pp_vendor = PPV2_VENDOR_AZURE;
	c.pp_link_id = 0xfffffffe;
	n = ppv2_write_tcp4(buf, sizeof(buf), &c);
	CHECK(n == 36 && buf[32] == 0xfe && buf[33] == 0xff && buf[34] == 0xff && buf[35] == 0xff,
	    "link id 0xfffffffe is written little endian");

	dialects();
	unique_ids_and_crc();

	n = ppv2_write_local(buf, sizeof(buf));
	CHECK(n == sizeof(want_local) && memcmp(buf, want_local, n) == 0,
	    "LOCAL command: version 2, command 0, family UNSPEC, length 0");
	CHECK(ppv2_write_local(buf, 15) == 0, "LOCAL needs 16 bytes of room");
	return UNIT_DONE();
}
