/*
 * Frames for the relay harness (fuzz_wire.h).
 */
#include <string.h>

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

static uint32_t
sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += rd16(p + i);
	if (i < len)
		sum += (uint32_t)p[i] << 8;
	return sum;
}

static uint16_t
fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

size_t
fw_tcp_headers(uint8_t *f, const struct fw_seg *s)
{
	uint8_t *ip = f + FW_ETH_LEN, *th = ip + FW_IP_LEN;

	memcpy(f, s->dmac, 6);
	memcpy(f + 6, s->smac, 6);
	f[12] = 0x08;
	f[13] = 0x00;
	memset(ip, 0, FW_IP_LEN);
	ip[0] = 0x45;
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, &s->src, 4);
	memcpy(ip + 16, &s->dst, 4);
	memcpy(th, &s->sport, 2);
	memcpy(th + 2, &s->dport, 2);
	wr32(th + 4, s->seq);
	wr32(th + 8, s->ack);
	th[12] = (uint8_t)(((FW_TCP_LEN + s->optlen) / 4) << 4);
	th[13] = s->flags;
	wr16(th + 14, s->win);
	wr16(th + 16, 0);
	wr16(th + 18, 0);
	if (s->optlen > 0)
		memcpy(th + FW_TCP_LEN, s->opt, s->optlen);
	return FW_ETH_LEN + FW_IP_LEN + FW_TCP_LEN + s->optlen;
}

size_t
fw_tcp_finish(uint8_t *f, size_t optlen, size_t paylen, int tcp_csum)
{
	uint8_t *ip = f + FW_ETH_LEN, *th = ip + FW_IP_LEN;
	size_t l4 = FW_TCP_LEN + optlen + paylen;

	wr16(ip + 2, (uint16_t)(FW_IP_LEN + l4));
	wr16(ip + 10, fold(sum16(ip, FW_IP_LEN, 0)));
	if (tcp_csum)
		wr16(th + 16, fold(sum16(th, l4, sum16(ip + 12, 8, 6 + (uint32_t)l4))));
	return FW_ETH_LEN + FW_IP_LEN + l4;
}

size_t
fw_arp_reply(uint8_t *f, const uint8_t *smac, uint32_t sip, const uint8_t *dmac, uint32_t dip)
{
	static const uint8_t hdr[8] = { 0, 1, 8, 0, 6, 4, 0, 2 };	/* Ethernet/IPv4, reply */

	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	f[12] = 0x08;
	f[13] = 0x06;
	memcpy(f + 14, hdr, sizeof(hdr));
	memcpy(f + 22, smac, 6);
	memcpy(f + 28, &sip, 4);
	memcpy(f + 32, dmac, 6);
	memcpy(f + 38, &dip, 4);
	return 42;
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
	const uint8_t *ip = f + FW_ETH_LEN, *th;
	size_t ihl, tot, doff;

	memset(out, 0, sizeof(*out));
	out->mss = out->wscale = -1;
	if (len < FW_ETH_LEN)
		return -1;
	out->smac = f + 6;
	if (f[12] == 0x08 && f[13] == 0x06) {
		if (len < 42)
			return -1;
		memcpy(&out->src, f + 28, 4);
		memcpy(&out->dst, f + 38, 4);
		out->kind = rd16(f + 20) == 1 ? FW_ARP_REQUEST : FW_ARP_OTHER;
		return 0;
	}
	if (f[12] != 0x08 || f[13] != 0x00)
		return 0;
	if (len < FW_ETH_LEN + FW_IP_LEN)
		return -1;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	tot = rd16(ip + 2);
	if ((ip[0] >> 4) != 4 || ihl < FW_IP_LEN || tot < ihl || FW_ETH_LEN + tot > len)
		return -1;
	memcpy(&out->src, ip + 12, 4);
	memcpy(&out->dst, ip + 16, 4);
	out->kind = FW_IP_OTHER;
	if (ip[9] != 6)
		return 0;
	th = ip + ihl;
	if (tot < ihl + FW_TCP_LEN)
		return -1;
	doff = (size_t)(th[12] >> 4) * 4;
	if (doff < FW_TCP_LEN || tot < ihl + doff)
		return -1;
	out->kind = FW_TCP;
	memcpy(&out->sport, th, 2);
	memcpy(&out->dport, th + 2, 2);
	out->seq = rd32(th + 4);
	out->ack = rd32(th + 8);
	out->flags = th[13];
	out->win = rd16(th + 14);
	if (out->flags & FW_SYN)
		fw_parse_options(th + FW_TCP_LEN, doff - FW_TCP_LEN, out);
	out->data = th + doff;
	out->len = tot - ihl - doff;
	return 0;
}
