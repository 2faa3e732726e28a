/*
 * The responder's per-source rate limit (dns_rate.c).
 */
#ifndef PRIVLINK_DNS_RATE_H
#define PRIVLINK_DNS_RATE_H

#include <stdint.h>

#include "dns_serve-t.h"

int dns_rate_init(struct dns_rate *ra, uint32_t per_s, uint32_t burst);
void dns_rate_set(struct dns_rate *ra, uint32_t per_s, uint32_t burst);
enum dns_rate_verdict dns_rate_check(struct dns_rate *ra, uint32_t addr, uint32_t now_ms);

#endif
