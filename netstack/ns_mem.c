/*
 * lwIP's heap (MEM_CUSTOM_ALLOCATOR): libc malloc behind a small cache of
 * freed blocks per size class.
 *
 * Why: lwIP allocates and frees pbufs, segments and pcbs at packet rate.
 * musl's malloc (mallocng) hands a group of slots back to the kernel as
 * soon as its last slot is free, and every munmap flushes the TLB of every
 * CPU the process ran on: under bulk load a third of privlinkd's time went
 * there (README, Benchmarks).  Freed blocks up to NS_MEM_CLASS_MAX bytes
 * are kept on a free list of their class instead, NS_MEM_CACHE_BYTES in
 * all at most; anything else goes straight to libc.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netstack.h"

/* Sizes are rounded up to a multiple of NS_MEM_CLASS_STEP; blocks above
 * NS_MEM_CLASS_MAX (64 KiB frames of pbufs, rare) are not cached. */
#define NS_MEM_CLASS_STEP	64
#define NS_MEM_CLASS_MAX	2048
#define NS_MEM_CLASSES		(NS_MEM_CLASS_MAX / NS_MEM_CLASS_STEP)
/* What the cache may hold while unused: a burst's worth of pbufs.  None
 * under AddressSanitizer, whose use-after-free checks need every free to
 * reach it (privlinkd-san, the fuzzers). */
#if defined(__SANITIZE_ADDRESS__)
#define NS_MEM_CACHE_BYTES	0u
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NS_MEM_CACHE_BYTES	0u
#endif
#endif
#if !defined(NS_MEM_CACHE_BYTES)
#define NS_MEM_CACHE_BYTES	(8u * 1024 * 1024)
#endif
/* Class index stored in front of a block too large to cache. */
#define NS_MEM_UNCACHED		0xffffu

/* In front of every block; 16 bytes keep the block 16-byte aligned. */
struct ns_mem_hdr {
	union {
		struct ns_mem_hdr	*mh_next;	/* on a free list */
		uint64_t		mh_pad;
	};
	uint32_t	mh_class;
	uint32_t	mh_unused;
};

static struct ns_mem_hdr *ns_mem_free_list[NS_MEM_CLASSES];
static size_t ns_mem_cached_bytes;

void *
ns_mem_malloc(size_t size)
{
	struct ns_mem_hdr *h;
	size_t cls;

	if (size == 0 || size > NS_MEM_CLASS_MAX) {
		if (size > SIZE_MAX - sizeof(*h) || (h = malloc(sizeof(*h) + size)) == NULL)
			return NULL;
		h->mh_class = NS_MEM_UNCACHED;
		return h + 1;
	}
	cls = (size - 1) / NS_MEM_CLASS_STEP;
	if ((h = ns_mem_free_list[cls]) != NULL) {
		ns_mem_free_list[cls] = h->mh_next;
		ns_mem_cached_bytes -= (cls + 1) * NS_MEM_CLASS_STEP;
	} else if ((h = malloc(sizeof(*h) + (cls + 1) * NS_MEM_CLASS_STEP)) == NULL) {
		return NULL;
	}
	h->mh_class = (uint32_t)cls;
	return h + 1;
}

void *
ns_mem_calloc(size_t count, size_t size)
{
	void *p;

	if (size != 0 && count > SIZE_MAX / size)
		return NULL;
	if ((p = ns_mem_malloc(count * size)) != NULL)
		memset(p, 0, count * size);
	return p;
}

void
ns_mem_free(void *p)
{
	struct ns_mem_hdr *h;
	size_t bytes;

	if (p == NULL)
		return;
	h = (struct ns_mem_hdr *)p - 1;
	if (h->mh_class == NS_MEM_UNCACHED) {
		free(h);
		return;
	}
	bytes = ((size_t)h->mh_class + 1) * NS_MEM_CLASS_STEP;
	if (ns_mem_cached_bytes + bytes > NS_MEM_CACHE_BYTES) {
		free(h);
		return;
	}
	h->mh_next = ns_mem_free_list[h->mh_class];
	ns_mem_free_list[h->mh_class] = h;
	ns_mem_cached_bytes += bytes;
}
