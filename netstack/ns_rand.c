/*
 * Randomness for the stack: a CTR-DRBG (mbedTLS) seeded from the kernel's
 * getrandom() through mbedTLS's platform entropy source.  It feeds
 * LWIP_RAND (initial ephemeral ports) and the key of RFC 6528 initial
 * sequence numbers.
 */
#include <string.h>
#include <time.h>

#include "mbedtls/ctr_drbg.h"
#include "mbedtls/entropy.h"
#include "mbedtls/sha256.h"

#include "netstack.h"
#include "netstack_hooks.h"

static mbedtls_entropy_context ns_entropy;
static mbedtls_ctr_drbg_context ns_drbg;
static int ns_rand_ready;
/* RFC 6528's secret key F() is keyed with. */
static uint8_t ns_isn_key[32];

int
ns_rand_init(void)
{
	static const char pers[] = "privlinkd netstack";
	int rc;

	mbedtls_entropy_init(&ns_entropy);
	mbedtls_ctr_drbg_init(&ns_drbg);
	rc = mbedtls_ctr_drbg_seed(&ns_drbg, mbedtls_entropy_func, &ns_entropy,
	    (const unsigned char *)pers, sizeof(pers) - 1);
	if (rc != 0)
		return rc;
	rc = mbedtls_ctr_drbg_random(&ns_drbg, ns_isn_key, sizeof(ns_isn_key));
	if (rc != 0)
		return rc;
	ns_rand_ready = 1;
	return 0;
}

int
ns_rand_bytes(void *buf, size_t len)
{
	if (!ns_rand_ready)
		return -1;
	return mbedtls_ctr_drbg_random(&ns_drbg, buf, len) == 0 ? 0 : -1;
}

/* mbedTLS's RNG callback and context, for TLS (mbedtls_ssl_conf_rng). */
int
ns_rand_tls(void *ctx, unsigned char *buf, size_t len)
{
	(void)ctx;
	return ns_rand_bytes(buf, len) == 0 ? 0 : MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
}

uint32_t
ns_rand32(void)
{
	uint32_t v;

	/* lwIP cannot handle a failure here; a DRBG that stops working is a
	 * broken invariant (it reseeds from getrandom, which does not fail). */
	if (ns_rand_bytes(&v, sizeof(v)) != 0)
		ns_lwip_assert("random source not available", __FILE__, __LINE__);
	return v;
}

/*
 * RFC 6528: ISN = M + F(localip, localport, remoteip, remoteport, key),
 * M a 4 microsecond clock, F the first 32 bits of SHA-256 over the key and
 * the connection's addresses.
 */
u32_t
ns_tcp_isn(const ip_addr_t *local_ip, u16_t local_port,
    const ip_addr_t *remote_ip, u16_t remote_port)
{
	uint8_t in[sizeof(ns_isn_key) + 12], out[32];
	struct timespec ts;
	uint32_t f, m, a;

	memcpy(in, ns_isn_key, sizeof(ns_isn_key));
	a = ip_2_ip4(local_ip)->addr;
	memcpy(in + 32, &a, 4);
	a = ip_2_ip4(remote_ip)->addr;
	memcpy(in + 36, &a, 4);
	memcpy(in + 40, &local_port, 2);
	memcpy(in + 42, &remote_port, 2);
	mbedtls_sha256(in, sizeof(in), out, 0);
	memcpy(&f, out, sizeof(f));

	clock_gettime(CLOCK_MONOTONIC, &ts);
	m = (uint32_t)((uint64_t)ts.tv_sec * 250000u + (uint64_t)ts.tv_nsec / 4000u);
	return m + f;
}
