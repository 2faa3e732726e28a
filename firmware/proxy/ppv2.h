/*
 * PROXY protocol v2 header writers.
 */
#ifndef PRIVLINK_PPV2_H
#define PRIVLINK_PPV2_H

#include <stddef.h>
#include <stdint.h>

#include "prot/ppv2.h"

/* A proxied TCP/IPv4 connection as the backend should learn it.
 * Addresses in network byte order, ports in host byte order. */
struct ppv2_tcp4 {
	uint32_t	pp_src_addr;	/* the consumer */
	uint32_t	pp_dst_addr;	/* the private endpoint */
	uint16_t	pp_src_port;
	uint16_t	pp_dst_port;
	int		pp_has_link_id;
	uint32_t	pp_link_id;
};

size_t ppv2_write_tcp4(uint8_t *buf, size_t room, const struct ppv2_tcp4 *conn);
size_t ppv2_write_local(uint8_t *buf, size_t room);

#endif
