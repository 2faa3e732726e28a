/*
 * Prototypes of the hooks lwipopts.h installs into lwIP.
 */
#ifndef PRIVLINK_NETSTACK_HOOKS_H
#define PRIVLINK_NETSTACK_HOOKS_H

#include <stdint.h>

#include "lwip/err.h"
#include "lwip/ip_addr.h"

struct netif;
struct tcp_pcb;
struct tcp_hdr;
struct pbuf;

u32_t ns_tcp_isn(const ip_addr_t *local_ip, u16_t local_port,
    const ip_addr_t *remote_ip, u16_t remote_port);

struct netif *ns_ip4_route_src(const ip4_addr_t *src, const ip4_addr_t *dest);

struct tcp_pcb_listen;

err_t ns_tcp_inpacket(struct tcp_pcb *pcb, const struct tcp_hdr *hdr, u16_t optlen,
    u16_t opt1len, const u8_t *opt2, struct pbuf *p);
err_t ns_tcp_tw_syn(struct tcp_pcb *pcb);
/* Asks the packet driver to hand the frame being input to lwIP again. */
void ns_tcp_reinput(void);
int ns_tcp_take_reinput(void);
/* SYN cookies (ns_tcp_cookie.c): a SYN answered with one (ERR_ABRT: lwIP
 * drops it); whether an ACK to a listener held one and is now a
 * connection (the frame is then re-input). */
err_t ns_tcp_cookie_syn(const struct tcp_hdr *hdr, u16_t optlen, u16_t opt1len,
    const u8_t *opt2);
int ns_tcp_cookie_ack(struct tcp_pcb_listen *lpcb, const struct tcp_hdr *hdr);
struct ns_syn_stats;
void ns_tcp_cookie_stats(struct ns_syn_stats *st);

#endif
