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
 *
 * A limit (ns_mem_set_limit) on what the heap holds from libc, cached
 * blocks included.  Past it an allocation fails, which lwIP is built to
 * take: a frame is dropped (the peer sends it again), a window stays
 * closed, a SYN goes unanswered.  Without it, consumers that send and
 * backends that do not read would grow the heap until the kernel's OOM
 * killer ends privlinkd, PID 1 of the image included.
 *
 * The last eighth of the limit is a reserve only urgent allocations may
 * use (ns_mem_urgent): frames that carry no TCP payload (ACKs, resets and
 * FINs are what frees memory), marked so by the packet driver, the ARP
 * packets ns_arp.c sends, and lwIP's timers, whose allocation lwIP cannot
 * do without (ns_init.c).
 * Without it a full heap could not even take in the reset that would
 * empty it.
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
	uint32_t	mh_bytes;	/* what it counts against the limit */
};

static struct ns_mem_hdr *ns_mem_free_list[NS_MEM_CLASSES];
static size_t ns_mem_cached_bytes;
static size_t ns_mem_held;		/* from libc, cached blocks included */
static size_t ns_mem_limit;		/* 0: none */
static size_t ns_mem_reserve;		/* of it, for urgent allocations */
static int ns_mem_is_urgent;
static uint64_t ns_mem_refused;

void
ns_mem_set_limit(size_t bytes)
{
	ns_mem_limit = bytes;
	ns_mem_reserve = bytes / 8;
}

int
ns_mem_urgent(int on)
{
	int was = ns_mem_is_urgent;

	ns_mem_is_urgent = on;
	return was;
}

/* Whether bytes more may be taken from libc now. */
static int
ns_mem_fits(size_t bytes)
{
	size_t limit = ns_mem_limit - (ns_mem_is_urgent ? 0 : ns_mem_reserve);

	return ns_mem_limit == 0 || ns_mem_held + bytes <= limit;
}

void
ns_mem_get_stats(struct ns_mem_stats *st)
{
	st->ms_limit = ns_mem_limit;
	st->ms_held = ns_mem_held;
	st->ms_cached = ns_mem_cached_bytes;
	st->ms_refused = ns_mem_refused;
}

/* Gives every cached block back to libc. */
static void
ns_mem_drop_cache(void)
{
	for (size_t cls = 0; cls < NS_MEM_CLASSES; cls++) {
		struct ns_mem_hdr *h;

		while ((h = ns_mem_free_list[cls]) != NULL) {
			ns_mem_free_list[cls] = h->mh_next;
			ns_mem_held -= h->mh_bytes;
			free(h);
		}
	}
	ns_mem_cached_bytes = 0;
}

/* A new block of bytes (header included) from libc, within the limit. */
static struct ns_mem_hdr *
ns_mem_new(size_t bytes)
{
	struct ns_mem_hdr *h;

	if (!ns_mem_fits(bytes)) {
		/* Blocks cached for other sizes must not starve this one. */
		ns_mem_drop_cache();
		if (!ns_mem_fits(bytes)) {
			ns_mem_refused++;
			return NULL;
		}
	}
	if ((h = malloc(bytes)) == NULL)
		return NULL;
	h->mh_bytes = (uint32_t)bytes;
	ns_mem_held += bytes;
	return h;
}

void *
ns_mem_malloc(size_t size)
{
	struct ns_mem_hdr *h;
	size_t cls;

	if (size == 0 || size > NS_MEM_CLASS_MAX) {
		if (size > UINT32_MAX - sizeof(*h) || (h = ns_mem_new(sizeof(*h) + size)) == NULL)
			return NULL;
		h->mh_class = NS_MEM_UNCACHED;
		return h + 1;
	}
	cls = (size - 1) / NS_MEM_CLASS_STEP;
	if ((h = ns_mem_free_list[cls]) != NULL) {
		ns_mem_free_list[cls] = h->mh_next;
		ns_mem_cached_bytes -= (cls + 1) * NS_MEM_CLASS_STEP;
	} else if ((h = ns_mem_new(sizeof(*h) + (cls + 1) * NS_MEM_CLASS_STEP)) == NULL) {
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

size_t
ns_mem_usable(const void *p)
{
	const struct ns_mem_hdr *h = (const struct ns_mem_hdr *)p - 1;

	if (h->mh_class == NS_MEM_UNCACHED)
		return h->mh_bytes - sizeof(*h);
	return ((size_t)h->mh_class + 1) * NS_MEM_CLASS_STEP;
}

void
ns_mem_free(void *p)
{
	struct ns_mem_hdr *h;
	size_t bytes;

	if (p == NULL)
		return;
	h = (struct ns_mem_hdr *)p - 1;
	bytes = ((size_t)h->mh_class + 1) * NS_MEM_CLASS_STEP;
	if (h->mh_class == NS_MEM_UNCACHED || ns_mem_cached_bytes + bytes > NS_MEM_CACHE_BYTES ||
	    (ns_mem_limit != 0 && ns_mem_cached_bytes + bytes > ns_mem_limit / 4)) {
		ns_mem_held -= h->mh_bytes;
		free(h);
		return;
	}
	h->mh_next = ns_mem_free_list[h->mh_class];
	ns_mem_free_list[h->mh_class] = h;
	ns_mem_cached_bytes += bytes;
}
