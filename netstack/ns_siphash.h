/*
 * SipHash-2-4 (ns_siphash.c).
 */
#ifndef PRIVLINK_NS_SIPHASH_H
#define PRIVLINK_NS_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

/* The 128-bit key of 16 bytes: two 64-bit words, little-endian halves. */
void ns_siphash_key(uint64_t key[static 2], const uint8_t bytes[static 16]);
/* SipHash-2-4 of len bytes at in. */
uint64_t ns_siphash(const uint64_t key[static 2], const void *in, size_t len);

#endif
