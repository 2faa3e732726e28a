/*
 * Queues of received data that hold about their bytes, whatever the
 * segments were cut into.
 *
 * Why: every received segment is a pbuf of its own, and a pbuf costs its
 * header, the packet's IP and TCP headers and its heap block's rounding
 * whatever the payload: a peer sending one byte per segment into a queue
 * held 1.6 KB per byte (a pool pbuf each, before ns_port.c sized them by
 * the packet), still about 150 after.  The windows that bound a queue
 * count bytes, so a queue must cost about its bytes: what fits in the
 * room at the end of the queue's last pbuf is copied there, and a small
 * segment that does not starts a compact buffer that the next ones fill.
 */
#include <stdint.h>

#include "lwip/pbuf.h"

#include "netstack.h"

/* A compact buffer fills the largest block the heap caches (2 KiB,
 * ns_mem.c), pbuf header included. */
#define NS_PBUF_COMPACT_BYTES	(2048 - LWIP_MEM_ALIGN_SIZE(sizeof(struct pbuf)))
/* Segments up to this are copied into a new compact buffer; larger ones
 * cost a header and rounding of a tenth or less and are linked as they
 * are. */
#define NS_PBUF_COPY_MAX	512

/* Bytes free after the data of a pbuf no one else holds, in its block. */
static size_t
ns_pbuf_room(const struct pbuf *q)
{
	const uint8_t *block = (const uint8_t *)q, *end;

	/* PBUF_RAM: the pbuf and its data share one heap block. */
	if (q->type_internal != (u8_t)PBUF_RAM || (q->flags & PBUF_FLAG_IS_CUSTOM) != 0 ||
	    q->ref != 1)
		return 0;
	end = (const uint8_t *)q->payload + q->len;
	if (end < block || end > block + ns_mem_usable(q))
		return 0;
	return (size_t)(block + ns_mem_usable(q) - end);
}

void
ns_pbuf_append(struct pbuf *q, struct pbuf *p)
{
	struct pbuf *last, *c;
	u16_t n = p->tot_len;

	for (last = q; last->next != NULL; last = last->next)
		;
	if (n <= ns_pbuf_room(last)) {
		pbuf_copy_partial(p, (uint8_t *)last->payload + last->len, n, 0);
		for (c = q; c != NULL; c = c->next)
			c->tot_len = (u16_t)(c->tot_len + n);
		last->len = (u16_t)(last->len + n);
		pbuf_free(p);
		return;
	}
	if (n <= NS_PBUF_COPY_MAX &&
	    (c = pbuf_alloc(PBUF_RAW, NS_PBUF_COMPACT_BYTES, PBUF_RAM)) != NULL) {
		pbuf_copy_partial(p, c->payload, n, 0);
		c->len = c->tot_len = n;
		pbuf_free(p);
		p = c;
	}
	/* No memory for a compact buffer: p as it is, still correct. */
	pbuf_cat(q, p);
}
