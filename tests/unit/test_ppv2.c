/*
 * PROXY v2 writer against byte vectors laid out by hand from HAProxy's
 * proxy-protocol.txt (section 2.2) and Azure's private link TLV.
 */
#include <arpa/inet.h>
#include <string.h>

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

static void
hexdiff(const uint8_t *got, const uint8_t *want, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (got[i] != want[i])
			printf("# byte %zu: got 0x%02x want 0x%02x\n", i, got[i], want[i]);
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
	c.pp_has_link_id = 1;
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
	CHECK(n == PPV2_MAX_LEN, "PPV2_MAX_LEN is the size of the largest header");

	CHECK(ppv2_write_tcp4(buf, sizeof(want_proxy_tlv) - 1, &c) == 0,
	    "one byte short of room writes nothing usable and returns 0");
	CHECK(ppv2_write_tcp4(buf, sizeof(want_proxy_tlv), &c) == sizeof(want_proxy_tlv),
	    "exactly enough room is enough");
	CHECK(ppv2_write_tcp4(buf, 0, &c) == 0, "no room returns 0");

	c.pp_src_addr = inet_addr("192.168.1.2");
	c.pp_dst_addr = inet_addr("172.16.0.1");
	c.pp_src_port = 1;
	c.pp_dst_port = 65535;
	c.pp_has_link_id = 0;
	n = ppv2_write_tcp4(buf, sizeof(buf), &c);
	CHECK(n == sizeof(want_proxy_plain) && memcmp(buf, want_proxy_plain, n) == 0,
	    "PROXY TCP4 without TLV: length 12, ports big endian");

	c.pp_has_link_id = 1;
	c.pp_link_id = 0xfffffffe;
	n = ppv2_write_tcp4(buf, sizeof(buf), &c);
	CHECK(n == 36 && buf[32] == 0xfe && buf[33] == 0xff && buf[34] == 0xff && buf[35] == 0xff,
	    "link id 0xfffffffe is written little endian");

	n = ppv2_write_local(buf, sizeof(buf));
	CHECK(n == sizeof(want_local) && memcmp(buf, want_local, n) == 0,
	    "LOCAL command: version 2, command 0, family UNSPEC, length 0");
	CHECK(ppv2_write_local(buf, 15) == 0, "LOCAL needs 16 bytes of room");
	return UNIT_DONE();
}
