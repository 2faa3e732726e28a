/*
 * Prototypes of the hooks lwipopts.h installs into lwIP.
 */
#ifndef PRIVLINK_NETSTACK_HOOKS_H
#define PRIVLINK_NETSTACK_HOOKS_H

#include "lwip/err.h"
#include "lwip/ip_addr.h"

struct netif;
struct tcp_pcb;
struct tcp_hdr;
struct pbuf;

u32_t ns_tcp_isn(const ip_addr_t *local_ip, u16_t local_port,
    const ip_addr_t *remote_ip, u16_t remote_port);

struct netif *ns_ip4_route_src(const ip4_addr_t *src, const ip4_addr_t *dest);

err_t ns_tcp_inpacket(struct tcp_pcb *pcb, const struct tcp_hdr *hdr, struct pbuf *p);
err_t ns_tcp_tw_syn(struct tcp_pcb *pcb);
int ns_tcp_take_reinput(void);

#endif
