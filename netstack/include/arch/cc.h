/*
 * lwIP architecture glue for Linux/x86-64 with musl or glibc.
 */
#ifndef PRIVLINK_ARCH_CC_H
#define PRIVLINK_ARCH_CC_H

#include <endian.h>
#include <stdint.h>
#include <stdlib.h>

void ns_lwip_assert(const char *msg, const char *file, int line);
void ns_lwip_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
uint32_t ns_rand32(void);

#define LWIP_PLATFORM_DIAG(x)		do { ns_lwip_diag x; } while (0)
#define LWIP_PLATFORM_ASSERT(x)		ns_lwip_assert((x), __FILE__, __LINE__)
#define LWIP_RAND()			ns_rand32()

#define lwip_htons(x)			((u16_t)__builtin_bswap16((u16_t)(x)))
#define lwip_htonl(x)			((u32_t)__builtin_bswap32((u32_t)(x)))

#endif
