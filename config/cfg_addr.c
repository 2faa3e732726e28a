/*
 * Strict parsers for the values of INI keys.  Each returns 0 and fills its
 * output, or -1 and leaves it alone.  Addresses come out in network byte
 * order.  "Strict" means no leading zeros, no spaces, no trailing junk:
 * an operator's typo must be an error, not a different address.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>

#include "cfg.h"

/* A decimal number of at most maxdigits digits, no leading zero. */
static const char *
cfg_decimal(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return NULL;
	if (p[0] == '0' && isdigit((unsigned char)p[1]))
		return NULL;
	while (isdigit((unsigned char)*p)) {
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > max)
			return NULL;
		p++;
	}
	*out = v;
	return p;
}

static const char *
cfg_ipv4_prefix(const char *s, uint32_t *addr)
{
	uint32_t a = 0;
	unsigned long octet;
	const char *p = s;

	for (int i = 0; i < 4; i++) {
		if (i > 0) {
			if (*p != '.')
				return NULL;
			p++;
		}
		if ((p = cfg_decimal(p, 255, &octet)) == NULL)
			return NULL;
		a = a << 8 | (uint32_t)octet;
	}
	*addr = htonl(a);
	return p;
}

int
cfg_parse_ipv4(const char *s, uint32_t *addr)
{
	uint32_t a;
	const char *end = cfg_ipv4_prefix(s, &a);

	if (end == NULL || *end != '\0')
		return -1;
	*addr = a;
	return 0;
}

int
cfg_parse_prefix(const char *s, uint32_t *addr, uint8_t *len)
{
	unsigned long l;
	uint32_t a;
	const char *p = cfg_ipv4_prefix(s, &a);

	if (p == NULL || *p != '/')
		return -1;
	p = cfg_decimal(p + 1, 32, &l);
	if (p == NULL || *p != '\0' || l == 0)
		return -1;
	*addr = a;
	*len = (uint8_t)l;
	return 0;
}

int
cfg_parse_port(const char *s, uint16_t *port)
{
	unsigned long v;
	const char *p = cfg_decimal(s, 65535, &v);

	if (p == NULL || *p != '\0' || v == 0)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

int
cfg_parse_addr_port(const char *s, uint32_t *addr, uint16_t *port)
{
	uint32_t a;
	uint16_t pt;
	const char *p = cfg_ipv4_prefix(s, &a);

	if (p == NULL || *p != ':' || cfg_parse_port(p + 1, &pt) != 0)
		return -1;
	*addr = a;
	*port = pt;
	return 0;
}

/* Decimal or 0x hexadecimal, 0..4294967295. */
int
cfg_parse_u32(const char *s, uint32_t *v)
{
	unsigned long long acc = 0;
	const char *p;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		p = s + 2;
		if (*p == '\0' || strlen(p) > 8)
			return -1;
		for (; *p != '\0'; p++) {
			if (!isxdigit((unsigned char)*p))
				return -1;
			acc = acc * 16 + (unsigned long long)(isdigit((unsigned char)*p) ?
			    *p - '0' : tolower((unsigned char)*p) - 'a' + 10);
		}
	} else {
		unsigned long d;

		p = cfg_decimal(s, 4294967295UL, &d);
		if (p == NULL || *p != '\0')
			return -1;
		acc = d;
	}
	*v = (uint32_t)acc;
	return 0;
}

int
cfg_parse_bool(const char *s, int *v)
{
	static const char *const yes[] = { "on", "yes", "true", "1" };
	static const char *const no[] = { "off", "no", "false", "0" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*v = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*v = 0;
			return 0;
		}
	}
	return -1;
}

/* Section names: 1..63 of [A-Za-z0-9_.-]. */
int
cfg_valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= CFG_NAME_MAX)
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.' && *s != '-')
			return 0;
	return 1;
}

/* A service alias (or name): the characters of names, any length. */
int
cfg_valid_alias(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.' && *s != '-')
			return 0;
	return 1;
}

/* Netmask of a prefix length, network byte order. */
uint32_t
cfg_netmask(uint8_t len)
{
	return len == 0 ? 0 : htonl(0xffffffffu << (32 - len));
}

int
cfg_in_subnet(uint32_t addr, uint32_t net, uint8_t len)
{
	uint32_t m = cfg_netmask(len);

	return (addr & m) == (net & m);
}

/* "MIN-MAX" ports, MIN <= MAX. */
int
cfg_parse_port_range(const char *s, uint16_t *min, uint16_t *max)
{
	unsigned long lo, hi;
	const char *p = cfg_decimal(s, 65535, &lo);

	if (p == NULL || *p != '-' || lo == 0)
		return -1;
	p = cfg_decimal(p + 1, 65535, &hi);
	if (p == NULL || *p != '\0' || hi < lo)
		return -1;
	*min = (uint16_t)lo;
	*max = (uint16_t)hi;
	return 0;
}

/* After a list item: 1 and *p past the comma if another item follows, 0
 * at the end of the list, -1 on anything else. */
static int
cfg_list_next(const char **p)
{
	while (**p == ' ' || **p == '\t')
		(*p)++;
	if (**p == '\0')
		return 0;
	if (**p != ',')
		return -1;
	(*p)++;
	return 1;
}

/* "A.B.C.D, A.B.C.D, ...": 1 to max distinct addresses. */
int
cfg_parse_ipv4_list(const char *s, uint32_t *addrs, int max, int *n)
{
	uint32_t got[32];
	int count = 0, more;
	const char *p = s;

	if (max > (int)(sizeof(got) / sizeof(got[0])))
		return -1;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (count == max || (p = cfg_ipv4_prefix(p, &got[count])) == NULL)
			return -1;
		for (int i = 0; i < count; i++)
			if (got[i] == got[count])
				return -1;
		count++;
		if ((more = cfg_list_next(&p)) <= 0) {
			if (more < 0)
				return -1;
			break;
		}
	}
	memcpy(addrs, got, (size_t)count * sizeof(got[0]));
	*n = count;
	return 0;
}

/* "a, b, c": 1 to max distinct names. */
int
cfg_parse_name_list(const char *s, char (*names)[CFG_NAME_MAX], int max, int *n)
{
	char buf[CFG_NAME_MAX];
	int count = 0, more;
	const char *p = s;

	for (;;) {
		size_t len;

		while (*p == ' ' || *p == '\t')
			p++;
		len = strcspn(p, ", \t");
		if (count == max || len == 0 || len >= sizeof(buf))
			return -1;
		memcpy(buf, p, len);
		buf[len] = '\0';
		if (!cfg_valid_name(buf))
			return -1;
		for (int i = 0; i < count; i++)
			if (strcmp(names[i], buf) == 0)
				return -1;
		memcpy(names[count++], buf, len + 1);
		p += len;
		if ((more = cfg_list_next(&p)) <= 0) {
			if (more < 0)
				return -1;
			break;
		}
	}
	*n = count;
	return 0;
}

/* An even number of hex digits into at most max bytes: the byte count,
 * or -1. */
int
cfg_parse_hex(const char *s, uint8_t *out, int max)
{
	size_t len = strlen(s);

	if (len == 0 || len % 2 != 0 || len / 2 > (size_t)max)
		return -1;
	for (size_t i = 0; i < len; i += 2) {
		int hi, lo;

		if (!isxdigit((unsigned char)s[i]) || !isxdigit((unsigned char)s[i + 1]))
			return -1;
		hi = isdigit((unsigned char)s[i]) ? s[i] - '0' : tolower((unsigned char)s[i]) - 'a' + 10;
		lo = isdigit((unsigned char)s[i + 1]) ? s[i + 1] - '0' :
		    tolower((unsigned char)s[i + 1]) - 'a' + 10;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return (int)(len / 2);
}
