/*
 * SipHash-2-4 (Aumasson and Bernstein, 2012): the keyed hash of the
 * tables a consumer fills with values of its choosing (the neighbour
 * cache, the table of parked connections), so it cannot aim them at one
 * bucket without the key, drawn at start.
 */
#include "ns_siphash.h"

static uint64_t
rotl(uint64_t x, int b)
{
	return x << b | x >> (64 - b);
}

static uint64_t
ld64le(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

#define SIPROUND do {							\
	v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);	\
	v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;				\
	v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;				\
	v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);	\
} while (0)

/* SipHash-2-4 (Aumasson and Bernstein, 2012). */
uint64_t
ns_siphash(const uint64_t key[static 2], const void *in, size_t len)
{
	const uint8_t *p = in;
	uint64_t v0 = key[0] ^ 0x736f6d6570736575ULL, v1 = key[1] ^ 0x646f72616e646f6dULL;
	uint64_t v2 = key[0] ^ 0x6c7967656e657261ULL, v3 = key[1] ^ 0x7465646279746573ULL;
	uint64_t m;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		m = ld64le(p + i);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	m = (uint64_t)(len & 0xff) << 56;
	for (size_t j = 0; i + j < len; j++)
		m |= (uint64_t)p[i + j] << (8 * j);
	v3 ^= m;
	SIPROUND;
	SIPROUND;
	v0 ^= m;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

void
ns_siphash_key(uint64_t key[static 2], const uint8_t bytes[static 16])
{
	key[0] = ld64le(bytes);
	key[1] = ld64le(bytes + 8);
}
