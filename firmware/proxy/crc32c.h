/*
 * CRC32c (Castagnoli), the checksum of PROXY v2's PP2_TYPE_CRC32C.
 */
#ifndef PRIVLINK_CRC32C_H
#define PRIVLINK_CRC32C_H

#include <stddef.h>
#include <stdint.h>

uint32_t crc32c(const void *buf, size_t len);

#endif
