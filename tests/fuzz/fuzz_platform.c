/*
 * lwIP's platform for the harnesses (fuzz_platform.h): sys_now() is
 * fuzz_clock_ms, random bytes and initial sequence numbers come from a
 * splitmix64 generator restarted per input, assertions abort (libFuzzer
 * reports them as crashes with their stack).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/ip_addr.h"
#include "lwip/sys.h"

#include "fuzz_platform.h"
#include "netstack.h"
#include "netstack_hooks.h"

uint32_t fuzz_clock_ms;
static uint64_t fuzz_rand_state;

void
fuzz_rand_reset(uint64_t seed)
{
	fuzz_rand_state = seed;
}

static uint64_t
fuzz_rand_next(void)
{
	uint64_t z = (fuzz_rand_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

u32_t
sys_now(void)
{
	return fuzz_clock_ms;
}

void
ns_lwip_assert(const char *msg, const char *file, int line)
{
	fprintf(stderr, "fuzz: lwIP assertion \"%s\" at %s:%d\n", msg, file, line);
	abort();
}

void
ns_lwip_diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

int
ns_rand_init(void)
{
	return 0;
}

int
ns_rand_bytes(void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len > 0) {
		uint64_t v = fuzz_rand_next();
		size_t n = len < sizeof(v) ? len : sizeof(v);

		memcpy(p, &v, n);
		p += n;
		len -= n;
	}
	return 0;
}

int
ns_rand_tls(void *ctx, unsigned char *buf, size_t len)
{
	(void)ctx;
	return ns_rand_bytes(buf, len);
}

uint32_t
ns_rand32(void)
{
	return (uint32_t)fuzz_rand_next();
}

u32_t
ns_tcp_isn(const ip_addr_t *local_ip, u16_t local_port,
    const ip_addr_t *remote_ip, u16_t remote_port)
{
	(void)local_ip;
	(void)local_port;
	(void)remote_ip;
	(void)remote_port;
	return (u32_t)fuzz_rand_next();
}
