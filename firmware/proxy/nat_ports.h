/*
 * The source ports of one NAT IP: handed out and given back in O(1).
 */
#ifndef PRIVLINK_NAT_PORTS_H
#define PRIVLINK_NAT_PORTS_H

#include <stdint.h>

#include "nat-t.h"

struct nat_ports *nat_ports_new(uint32_t hold_s);
void nat_ports_free(struct nat_ports *np);
int nat_ports_set_ranges(struct nat_ports *np, const uint16_t *lo, const uint16_t *hi,
    unsigned int n);
int nat_ports_take(struct nat_ports *np, uint16_t lo, uint16_t hi, uint32_t now,
    uint16_t *port);
int nat_ports_give(struct nat_ports *np, uint16_t port, int hold, uint32_t now);
void nat_ports_expire(struct nat_ports *np, uint32_t now);
unsigned int nat_ports_held(const struct nat_ports *np);

#endif
