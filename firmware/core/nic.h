/*
 * NICs as live objects (nic.c): the only firmware file that calls the
 * netstack's port and address functions.
 */
#ifndef PRIVLINK_NIC_H
#define PRIVLINK_NIC_H

#include <stdint.h>

#include "loop.h"
#include "nic-t.h"

struct netif;

int nic_prepare(struct pl_loop *lp, struct pl_config *next);
void nic_commit(struct pl_loop *lp);
int nic_open(struct pl_loop *lp, struct nic_rt *nr);
int nic_close(struct pl_loop *lp, struct nic_rt *nr);
void nic_close_all(struct pl_loop *lp);
struct nic_rt *nic_find(struct pl_loop *lp, const char *name);
struct nic_rt *nic_of(const struct pl_config *cfg, int nic);
int nic_links_fd(void);
void nic_input(struct pl_loop *lp);
void nic_flush_all(struct pl_loop *lp);

struct netif *nic_addr_get(struct nic_rt *nr, uint32_t addr);
struct netif *nic_addr_find(struct nic_rt *nr, uint32_t addr);
int nic_addr_put(struct nic_rt *nr, uint32_t addr);
uint32_t *nic_addrs(const struct nic_rt *nr, unsigned int *n);
struct netif *nic_netif(const struct nic_rt *nr);
void nic_set_syn_rate(struct netif *netif, uint32_t addr, uint32_t per_s);
uint64_t nic_syn_rate_dropped(const struct netif *netif, uint32_t addr);
void nic_set_shed(struct netif *netif, uint32_t addr, int on);
const struct ns_port *nic_port(const struct nic_rt *nr);

#endif
