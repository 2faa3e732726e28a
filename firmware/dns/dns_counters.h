/*
 * The responder's counters by name (dns_counters.c), for the status JSON
 * and /metrics: one table, so both say the same.
 */
#ifndef PRIVLINK_DNS_COUNTERS_H
#define PRIVLINK_DNS_COUNTERS_H

#include <stddef.h>
#include <stdint.h>

#include "dns_serve-t.h"

struct dns_counter {
	const char	*dc_key;	/* the status JSON's key */
	const char	*dc_family;	/* privlink_dns_<family>_total */
	const char	*dc_label;	/* its label's name, NULL: none */
	const char	*dc_value;	/* and value */
	const char	*dc_help;	/* the family's help, on its first counter only */
	size_t		dc_off;		/* in struct dns_stats */
};

extern const struct dns_counter dns_counters[];
extern const size_t dns_n_counters;

static inline uint64_t
dns_counter_value(const struct dns_stats *st, const struct dns_counter *c)
{
	return *(const uint64_t *)(const void *)((const char *)st + c->dc_off);
}

#endif
