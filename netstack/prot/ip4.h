/*
 * IPv4 (RFC 791), TCP (RFC 9293) and UDP (RFC 768) header wire formats:
 * offsets, sizes, protocol numbers and TCP flag bits, for privlinkd's own
 * frame handling and the tests' frames.  Names differ from lwIP's
 * (IP_PROTO_TCP, TCP_FIN...) so both can be included.
 */
#ifndef PRIVLINK_PROT_IP4_H
#define PRIVLINK_PROT_IP4_H

#define IP4_HDR_LEN		20	/* without options */
#define IP4_VHL_PLAIN		0x45	/* version 4, 5 words: no options */
#define IP4_OFF_TOTLEN		2
#define IP4_OFF_FRAG		6	/* flags and fragment offset */
#define IP4_OFF_PROTO		9
#define IP4_OFF_CSUM		10
#define IP4_OFF_SRC		12	/* then the destination, at 16 */
#define IP4_ADDRS_LEN		8	/* source and destination */

#define IP4_PROTO_TCP		6
#define IP4_PROTO_UDP		17

#define TCP_HDR_LEN		20	/* without options */
#define TCP_OPT_MAX		40
#define TCP_OFF_DOFF		12	/* data offset, high nibble, in words */
#define TCP_OFF_FLAGS		13
#define TCP_OFF_CSUM		16

#define TCP_FLAG_FIN		0x01
#define TCP_FLAG_SYN		0x02
#define TCP_FLAG_RST		0x04
#define TCP_FLAG_PSH		0x08
#define TCP_FLAG_ACK		0x10
#define TCP_FLAG_URG		0x20

#define UDP_OFF_CSUM		6

#endif
