/*
 * NICs named by MAC address in the drops ([nic] mac =): a VM's NIC order,
 * and so its kernel names, is not guaranteed; its MAC addresses are.
 */
#ifndef PRIVLINK_NICMAC_H
#define PRIVLINK_NICMAC_H

#include "cfg-t.h"

/* Fills nic_ifname of every NIC named by MAC with the interface that has
 * that address.  -1 (after saying which) if one is not found. */
int nic_find_macs(struct pl_config *cfg);

#endif
