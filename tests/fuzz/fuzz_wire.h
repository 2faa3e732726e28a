/*
 * Frames for the relay harness: Ethernet + IPv4 + TCP segments and ARP
 * replies built, and the appliance's frames taken apart.  Addresses and
 * ports in network byte order, sequence numbers and windows in host order.
 */
#ifndef PRIVLINK_FUZZ_WIRE_H
#define PRIVLINK_FUZZ_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "prot/ether.h"
#include "prot/ip4.h"

/* The largest IPv4 packet, and a frame around it. */
#define FW_IP_MAX	65535
#define FW_FRAME_MAX	(ETH_HDR_LEN + FW_IP_MAX)

struct fw_seg {
	const uint8_t	*smac, *dmac;
	uint32_t	src, dst;
	uint16_t	sport, dport;
	uint32_t	seq, ack;
	uint8_t		flags;
	uint16_t	win;
	const uint8_t	*opt;		/* TCP options, a multiple of 4 bytes */
	size_t		optlen;
};

enum fw_kind {
	FW_OTHER = 0,
	FW_ARP_REQUEST,
	FW_ARP_OTHER,
	FW_TCP,
	FW_IP_OTHER,
};

struct fw_pkt {
	enum fw_kind	kind;
	const uint8_t	*smac;
	uint32_t	src, dst;	/* IPv4, or ARP sender and target */
	uint16_t	sport, dport;
	uint32_t	seq, ack;
	uint8_t		flags;
	uint16_t	win;
	int		mss;		/* -1: no option */
	int		wscale;		/* -1: no option */
	const uint8_t	*data;
	size_t		len;
};

/* Headers of s at f; returns where the payload goes (its offset). */
size_t fw_tcp_headers(uint8_t *f, const struct fw_seg *s);
/* With paylen bytes of payload after the headers: lengths and the IP
 * checksum, the TCP checksum too when tcp_csum; the frame's length. */
size_t fw_tcp_finish(uint8_t *f, size_t optlen, size_t paylen, int tcp_csum);
/* An ARP reply from (smac, sip) to (dmac, dip); its length. */
size_t fw_arp_reply(uint8_t *f, const uint8_t *smac, uint32_t sip, const uint8_t *dmac,
    uint32_t dip);
/* Takes a frame apart: 0, or -1 when it is malformed. */
int fw_parse(const uint8_t *f, size_t len, struct fw_pkt *out);

#endif
