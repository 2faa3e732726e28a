/*
 * Frames for the relay harness (fuzz_wire.h).
 */
#include <string.h>

#include "csum.h"
#include "fuzz_wire.h"

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

size_t
fw_tcp_headers(uint8_t *f, const struct fw_seg *s)
{
	uint8_t *ip = f + ETH_HDR_LEN, *th = ip + IP4_HDR_LEN;

	memcpy(f, s->dmac, ETH_ADDR_LEN);
	memcpy(f + ETH_ADDR_LEN, s->smac, ETH_ADDR_LEN);
	wr16(f + ETH_TYPE_OFF, ETH_TYPE_IPV4);
	memset(ip, 0, IP4_HDR_LEN);
	ip[0] = IP4_VHL_PLAIN;
	ip[8] = 64;
	ip[IP4_OFF_PROTO] = IP4_PROTO_TCP;
	memcpy(ip + IP4_OFF_SRC, &s->src, 4);
	memcpy(ip + IP4_OFF_SRC + 4, &s->dst, 4);
	memcpy(th, &s->sport, 2);
	memcpy(th + 2, &s->dport, 2);
	wr32(th + 4, s->seq);
	wr32(th + 8, s->ack);
	th[TCP_OFF_DOFF] = (uint8_t)(((TCP_HDR_LEN + s->optlen) / 4) << 4);
	th[TCP_OFF_FLAGS] = s->flags;
	wr16(th + 14, s->win);
	wr16(th + TCP_OFF_CSUM, 0);
	wr16(th + 18, 0);
	if (s->optlen > 0)
		memcpy(th + TCP_HDR_LEN, s->opt, s->optlen);
	return ETH_HDR_LEN + IP4_HDR_LEN + TCP_HDR_LEN + s->optlen;
}

size_t
fw_tcp_finish(uint8_t *f, size_t optlen, size_t paylen, int tcp_csum)
{
	uint8_t *ip = f + ETH_HDR_LEN, *th = ip + IP4_HDR_LEN;
	size_t l4 = TCP_HDR_LEN + optlen + paylen;

	wr16(ip + IP4_OFF_TOTLEN, (uint16_t)(IP4_HDR_LEN + l4));
	wr16(ip + IP4_OFF_CSUM, (uint16_t)~ns_csum_fold(ns_csum_add(0, ip, IP4_HDR_LEN)));
	if (tcp_csum)
		wr16(th + TCP_OFF_CSUM, (uint16_t)~ns_csum_fold(ns_csum_add(ns_csum_add(
		    IP4_PROTO_TCP + (uint32_t)l4, ip + IP4_OFF_SRC, IP4_ADDRS_LEN), th, l4)));
	return ETH_HDR_LEN + IP4_HDR_LEN + l4;
}

size_t
fw_arp_reply(uint8_t *f, const uint8_t *smac, uint32_t sip, const uint8_t *dmac, uint32_t dip)
{
	uint8_t *a = f + ETH_HDR_LEN;

	memcpy(f, dmac, ETH_ADDR_LEN);
	memcpy(f + ETH_ADDR_LEN, smac, ETH_ADDR_LEN);
	wr16(f + ETH_TYPE_OFF, ETH_TYPE_ARP);
	wr16(a + ARP_OFF_HTYPE, ARP_HTYPE_ETHERNET);
	wr16(a + ARP_OFF_PTYPE, ETH_TYPE_IPV4);
	a[ARP_OFF_HLEN] = ARP_HLEN_ETHERNET;
	a[ARP_OFF_PLEN] = ARP_PLEN_IPV4;
	wr16(a + ARP_OFF_OP, ARP_OP_REPLY);
	memcpy(a + ARP_OFF_SHA, smac, ETH_ADDR_LEN);
	memcpy(a + ARP_OFF_SPA, &sip, 4);
	memcpy(a + ARP_OFF_THA, dmac, ETH_ADDR_LEN);
	memcpy(a + ARP_OFF_TPA, &dip, 4);
	return ETH_HDR_LEN + ARP_LEN;
}

/* MSS and window scale from the options of a SYN. */
static void
fw_parse_options(const uint8_t *o, size_t len, struct fw_pkt *out)
{
	size_t i = 0;

	while (i < len) {
		if (o[i] == 0)
			break;
		if (o[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= len || o[i + 1] < 2 || i + o[i + 1] > len)
			break;
		if (o[i] == 2 && o[i + 1] == 4)
			out->mss = rd16(o + i + 2);
		else if (o[i] == 3 && o[i + 1] == 3)
			out->wscale = o[i + 2];
		i += o[i + 1];
	}
}

int
fw_parse(const uint8_t *f, size_t len, struct fw_pkt *out)
{
	const uint8_t *ip = f + ETH_HDR_LEN, *th;
	size_t ihl, tot, doff;

	memset(out, 0, sizeof(*out));
	out->mss = out->wscale = -1;
	if (len < ETH_HDR_LEN)
		return -1;
	out->smac = f + ETH_ADDR_LEN;
	if (rd16(f + ETH_TYPE_OFF) == ETH_TYPE_ARP) {
		if (len < ETH_HDR_LEN + ARP_LEN)
			return -1;
		memcpy(&out->src, f + ETH_HDR_LEN + ARP_OFF_SPA, 4);
		memcpy(&out->dst, f + ETH_HDR_LEN + ARP_OFF_TPA, 4);
		out->kind = rd16(f + ETH_HDR_LEN + ARP_OFF_OP) == ARP_OP_REQUEST ?
		    FW_ARP_REQUEST : FW_ARP_OTHER;
		return 0;
	}
	if (rd16(f + ETH_TYPE_OFF) != ETH_TYPE_IPV4)
		return 0;
	if (len < ETH_HDR_LEN + IP4_HDR_LEN)
		return -1;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	tot = rd16(ip + IP4_OFF_TOTLEN);
	if ((ip[0] >> 4) != 4 || ihl < IP4_HDR_LEN || tot < ihl || ETH_HDR_LEN + tot > len)
		return -1;
	memcpy(&out->src, ip + IP4_OFF_SRC, 4);
	memcpy(&out->dst, ip + IP4_OFF_SRC + 4, 4);
	out->kind = FW_IP_OTHER;
	if (ip[IP4_OFF_PROTO] != IP4_PROTO_TCP)
		return 0;
	th = ip + ihl;
	if (tot < ihl + TCP_HDR_LEN)
		return -1;
	doff = (size_t)(th[TCP_OFF_DOFF] >> 4) * 4;
	if (doff < TCP_HDR_LEN || tot < ihl + doff)
		return -1;
	out->kind = FW_TCP;
	memcpy(&out->sport, th, 2);
	memcpy(&out->dport, th + 2, 2);
	out->seq = rd32(th + 4);
	out->ack = rd32(th + 8);
	out->flags = th[TCP_OFF_FLAGS];
	out->win = rd16(th + 14);
	if (out->flags & TCP_FLAG_SYN)
		fw_parse_options(th + TCP_HDR_LEN, doff - TCP_HDR_LEN, out);
	out->data = th + doff;
	out->len = tot - ihl - doff;
	return 0;
}
