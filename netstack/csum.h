/*
 * The Internet checksum (RFC 1071), for every part of privlinkd and its
 * tests that writes or completes one (csum.c).
 */
#ifndef PRIVLINK_CSUM_H
#define PRIVLINK_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* sum plus len bytes at p as big-endian 16-bit words (an odd last byte
 * is the high half of a word), not folded. */
uint32_t ns_csum_add(uint32_t sum, const uint8_t *p, size_t len);
/* sum folded to 16 bits, not inverted (a checksum field takes ~ of it;
 * a partial checksum left to the kernel takes it as it is). */
uint16_t ns_csum_fold(uint32_t sum);

#endif
