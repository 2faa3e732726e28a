/*
 * Ethernet II and ARP for IPv4 over Ethernet (RFC 826) wire formats:
 * offsets, sizes and values only, for privlinkd's own frame handling and
 * the tests' frames.  Names differ from lwIP's (ETHTYPE_ARP is an enum
 * there) so both can be included.
 */
#ifndef PRIVLINK_PROT_ETHER_H
#define PRIVLINK_PROT_ETHER_H

#define ETH_ADDR_LEN		6
#define ETH_HDR_LEN		14	/* destination, source, type */
#define ETH_TYPE_OFF		12	/* the type field, big endian */

#define ETH_TYPE_IPV4		0x0800
#define ETH_TYPE_ARP		0x0806
/* 802.1Q: a tag of 4 bytes after the MAC addresses, its type first,
 * then priority (3 bits), DEI (1) and VLAN id (12). */
#define ETH_TYPE_VLAN		0x8100
#define VLAN_TAG_LEN		4
#define VLAN_VID_MASK		0x0fff

/* ARP for IPv4 over Ethernet. */
#define ARP_LEN			28
#define ARP_HTYPE_ETHERNET	1
#define ARP_OP_REQUEST		1
#define ARP_OP_REPLY		2
#define ARP_HLEN_ETHERNET	6	/* hardware address length */
#define ARP_PLEN_IPV4		4	/* protocol address length */
/* Offsets in the ARP packet (after the Ethernet header). */
#define ARP_OFF_HTYPE		0
#define ARP_OFF_PTYPE		2
#define ARP_OFF_HLEN		4
#define ARP_OFF_PLEN		5
#define ARP_OFF_OP		6
#define ARP_OFF_SHA		8	/* sender hardware address */
#define ARP_OFF_SPA		14	/* sender protocol address */
#define ARP_OFF_THA		18	/* target hardware address */
#define ARP_OFF_TPA		24	/* target protocol address */

#endif
