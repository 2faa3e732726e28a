/*
 * Strict parsers for the load-balancing values: durations, pool backends,
 * service rules, TCP keepalive.  Same contract as cfg_addr.c: 0 and the
 * output filled, or -1 and the output left alone.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg.h"

static const char *
cfg_skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* A decimal number without leading zeros, at most max. */
static const char *
cfg_number(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	const char *p = s;

	if (!isdigit((unsigned char)*p) || (p[0] == '0' && isdigit((unsigned char)p[1])))
		return NULL;
	for (; isdigit((unsigned char)*p); p++) {
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > max)
			return NULL;
	}
	*out = v;
	return p;
}

/* A unit after a number, and what one of it is worth. */
struct cfg_unit {
	const char	*u_name;
	uint64_t	u_factor;
};

/* A number (up to 1000000) followed by one of n units, scaled, within
 * [min, max]. */
static int
cfg_parse_scaled(const char *s, const struct cfg_unit *units, size_t n, uint64_t min,
    uint64_t max, uint64_t *out)
{
	unsigned long v;
	const char *p = cfg_number(s, 1000000, &v);

	if (p == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		uint64_t t = (uint64_t)v * units[i].u_factor;

		if (strcmp(p, units[i].u_name) != 0)
			continue;
		if (t < min || t > max)
			return -1;
		*out = t;
		return 0;
	}
	return -1;
}

/*
 * "N" (seconds), "Nms", "Ns", "Nm" or "Nh", within [min_ms, max_ms].
 * A plain number is seconds, as Azure's timeouts are given.
 */
int
cfg_parse_duration_ms(const char *s, uint32_t min_ms, uint32_t max_ms, uint32_t *ms)
{
	static const struct cfg_unit units[] = {
		{ "", 1000 }, { "s", 1000 }, { "ms", 1 }, { "m", 60000 }, { "h", 3600000 },
	};
	uint64_t t;

	if (cfg_parse_scaled(s, units, sizeof(units) / sizeof(units[0]), min_ms, max_ms, &t) != 0)
		return -1;
	*ms = (uint32_t)t;
	return 0;
}

/* "NK", "NM" or "NG" (binary: KiB, MiB, GiB), within [min, max] bytes. */
int
cfg_parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *bytes)
{
	static const struct cfg_unit units[] = {
		{ "K", 1ull << 10 }, { "M", 1ull << 20 }, { "G", 1ull << 30 },
	};

	return cfg_parse_scaled(s, units, sizeof(units) / sizeof(units[0]), min, max, bytes);
}

/* A plain decimal count (no sign, unit or leading zero) in [min, max]. */
int
cfg_parse_count(const char *s, uint32_t min, uint32_t max, uint32_t *v)
{
	unsigned long n;
	const char *p = cfg_number(s, max, &n);

	if (p == NULL || *p != '\0' || n < min)
		return -1;
	*v = (uint32_t)n;
	return 0;
}

/* A rate: "off" (any case; *v 0) or a count in [1, max]. */
int
cfg_parse_rate(const char *s, uint32_t max, uint32_t *v)
{
	if (strcasecmp(s, "off") == 0) {
		*v = 0;
		return 0;
	}
	return cfg_parse_count(s, 1, max, v);
}

/* "A.B.C.D[:PORT] [weight=N] [drain]" */
int
cfg_parse_backend(const char *s, struct cfg_backend *be)
{
	struct cfg_backend b;
	char addr[32];
	const char *p = cfg_skip_blanks(s), *colon;
	size_t n = strcspn(p, " \t");

	memset(&b, 0, sizeof(b));
	b.be_weight = 1;
	if (n == 0 || n >= sizeof(addr))
		return -1;
	memcpy(addr, p, n);
	addr[n] = '\0';
	p += n;
	if ((colon = strchr(addr, ':')) != NULL) {
		if (cfg_parse_addr_port(addr, &b.be_addr, &b.be_port) != 0)
			return -1;
	} else if (cfg_parse_ipv4(addr, &b.be_addr) != 0) {
		return -1;
	}
	for (int weight_seen = 0;;) {
		unsigned long w;

		p = cfg_skip_blanks(p);
		if (*p == '\0')
			break;
		if (strncmp(p, "weight=", 7) == 0 && !weight_seen) {
			p = cfg_number(p + 7, CFG_WEIGHT_MAX, &w);
			if (p == NULL || w == 0 || (*p != '\0' && *p != ' ' && *p != '\t'))
				return -1;
			b.be_weight = (uint16_t)w;
			weight_seen = 1;
		} else if (strncmp(p, "drain", 5) == 0 && !b.be_drain &&
		    (p[5] == '\0' || p[5] == ' ' || p[5] == '\t')) {
			b.be_drain = 1;
			p += 5;
		} else {
			return -1;
		}
	}
	*be = b;
	return 0;
}

/* "FRONTEND_PORT -> POOL[:BACKEND_PORT]"; back is 0 without a port. */
int
cfg_parse_rule(const char *s, uint16_t *front, char pool[static CFG_NAME_MAX], uint16_t *back)
{
	char name[CFG_NAME_MAX];
	unsigned long f, b = 0;
	const char *p = cfg_number(cfg_skip_blanks(s), 65535, &f);
	size_t n;

	if (p == NULL || f == 0)
		return -1;
	p = cfg_skip_blanks(p);
	if (strncmp(p, "->", 2) != 0)
		return -1;
	p = cfg_skip_blanks(p + 2);
	n = strcspn(p, ": \t");
	if (n == 0 || n >= sizeof(name))
		return -1;
	memcpy(name, p, n);
	name[n] = '\0';
	if (!cfg_valid_name(name))
		return -1;
	p += n;
	if (*p == ':' && ((p = cfg_number(p + 1, 65535, &b)) == NULL || b == 0))
		return -1;
	if (*cfg_skip_blanks(p) != '\0')
		return -1;
	*front = (uint16_t)f;
	memcpy(pool, name, n + 1);
	*back = (uint16_t)b;
	return 0;
}

/* "off", or "IDLE, INTERVAL, COUNT" (durations, durations, 1..100). */
int
cfg_parse_keepalive(const char *s, int *on, uint32_t *idle_ms, uint32_t *intvl_ms,
    uint32_t *count)
{
	char part[3][32];
	uint32_t idle, intvl;
	unsigned long cnt;
	const char *p = s, *end;
	int n = 0, b;

	if (cfg_parse_bool(s, &b) == 0 && b == 0) {
		*on = 0;
		return 0;
	}
	for (; n < 3; n++) {
		size_t len;

		p = cfg_skip_blanks(p);
		len = strcspn(p, ", \t");
		if (len == 0 || len >= sizeof(part[n]))
			return -1;
		memcpy(part[n], p, len);
		part[n][len] = '\0';
		p = cfg_skip_blanks(p + len);
		if (n < 2 && *p++ != ',')
			return -1;
	}
	if (*p != '\0' ||
	    cfg_parse_duration_ms(part[0], 1000, 7200000, &idle) != 0 ||
	    cfg_parse_duration_ms(part[1], 1000, 600000, &intvl) != 0 ||
	    (end = cfg_number(part[2], 100, &cnt)) == NULL || *end != '\0' || cnt == 0)
		return -1;
	*on = 1;
	*idle_ms = idle;
	*intvl_ms = intvl;
	*count = (uint32_t)cnt;
	return 0;
}

const char *
cfg_probe_name(enum cfg_probe probe)
{
	switch (probe) {
	case CFG_PROBE_TCP:
		return "tcp";
	case CFG_PROBE_HTTP:
		return "http";
	case CFG_PROBE_HTTPS:
		return "https";
	case CFG_PROBE_NONE:
	default:
		return "none";
	}
}

const char *
cfg_distribution_name(enum cfg_distribution dist)
{
	switch (dist) {
	case CFG_DIST_SOURCE_IP:
		return "source-ip";
	case CFG_DIST_SOURCE_IP_PROTO:
		return "source-ip-protocol";
	case CFG_DIST_5TUPLE:
	default:
		return "5-tuple";
	}
}
