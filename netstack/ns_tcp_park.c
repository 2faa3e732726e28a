/*
 * Parked connections: lwIP's lists hold only connections with something
 * to do.
 *
 * lwIP finds the pcb of every segment, checks every bind and runs its
 * timers by walking its pcb lists one by one, so each of these cost more
 * with every connection the appliance holds, idle ones included: at 9,000
 * idle connections new ones came at an eighth of the rate (issue 15).
 * Here a connection that only waits, for its peer or a timer, leaves
 * lwIP's lists for a table keyed by its 4-tuple and NIC (ns_pcb_hash.c)
 * and a timer wheel of its next wake: one established or closing, with
 * nothing unsent, out of order or refused and no ACK owed, whose owner
 * (the park policy: the relay) has nothing to do before its next timer
 * (the idle timeout), and every one in TIME_WAIT.  Its wake is the first
 * of its timers: the retransmission timeout of data in flight, a keepalive,
 * FIN_WAIT_2's or LAST_ACK's end, the owner's, the end of TIME_WAIT.
 *
 * A parked pcb comes back (to the front of its lwIP list, where lwIP's own
 * search finds it at once) when:
 * - a segment for its 4-tuple arrives (ns_tcp_park_input, before lwIP);
 * - privlinkd calls lwIP on it: the link wraps tcp_write, tcp_output,
 *   tcp_recved, tcp_close, tcp_shutdown, tcp_abort and tcp_abandon
 *   (-Wl,--wrap, Makefile), so no caller can forget;
 * - its wake comes: a keepalive due, the owner's timer, the end of
 *   TIME_WAIT (then it is freed here, as lwIP's timer would);
 * - its address goes (ns_tcp_unpark_addr, before lwIP aborts what is on
 *   it).
 * It is parked again after the input that touched it (it is then at the
 * front of lwIP's list) or by the sweep every NS_PARK_SLOT_MS.  A pcb lwIP
 * frees while parked leaves the table through lwIP's ext-arg destroy
 * callback.
 *
 * lwIP measures idleness in its ticks (tcp_ticks), which stop while its
 * lists are empty, and counts the retransmission timer per pcb in its
 * list; a pcb coming back has both moved by the time that passed
 * meanwhile, so keepalives and retransmissions keep their schedule.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"

#include "netstack.h"
#include "ns_pcb_hash.h"
#include "prot/ip4.h"

/* The wheel: NS_PARK_SLOTS slots of NS_PARK_SLOT_MS, about 4 minutes;
 * later wakes are put in its last slot and placed again when it comes
 * round. */
#define NS_PARK_SLOT_MS		250u
#define NS_PARK_SLOTS		1024u
/* A wake sooner than this is left to lwIP's own timers. */
#define NS_PARK_SOON_MS		1000u
/* TIME_WAIT pcbs parked at most: one per NS_TW_BYTES of a quarter of
 * lwIP's heap limit (a pcb and its node hold about 500 bytes), as Linux
 * bounds them by tcp_max_tw_buckets; past it the oldest ends early.  NAT
 * ports keep their own full hold, so a backend never sees a 4-tuple
 * reused early either way.  At 8 MiB, 4,096; at 512 MiB, 262,144. */
#define NS_TW_BYTES		512u
#define NS_TW_MAX_NOLIMIT	(1u << 20)

struct ns_park {
	struct ns_hnode	pk_h;		/* first: the table's node */
	struct tcp_pcb	*pk_pcb;
	struct ns_park	*pk_wnext, *pk_wprev;
	uint64_t	pk_wake_ms;	/* NS_PARK_NEVER: none */
	uint64_t	pk_park_ms;
	uint32_t	pk_park_ticks;	/* tcp_ticks when parked */
	uint32_t	pk_slot;
	uint8_t		pk_parked;	/* in the table, in none of lwIP's lists */
	uint8_t		pk_in_wheel;
};

#define NS_PARK_NEVER		UINT64_MAX

static struct ns_htable ns_parked;
static struct ns_park *ns_wheel[NS_PARK_SLOTS];
static uint64_t ns_wheel_slot;		/* absolute slot last processed */
static u8_t ns_park_id = LWIP_TCP_PCB_NUM_EXT_ARG_ID_INVALID;
static ns_park_policy_fn ns_policy;
static struct ns_park_stats ns_stats;

static uint64_t
ns_park_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void ns_park_tick(void *arg);
static void ns_wheel_remove(struct ns_park *pk);

/* lwIP frees a pcb: its node goes, from the table too if it was parked
 * (lwIP frees a pcb without our knowing only through a path the wrappers
 * do not cover; be exact anyway). */
static void
ns_park_destroyed(u8_t id, void *data)
{
	struct ns_park *pk = data;

	LWIP_UNUSED_ARG(id);
	if (pk == NULL)
		return;
	if (pk->pk_parked) {
		ns_htable_remove(&ns_parked, &pk->pk_h);
		if (pk->pk_pcb->state == TIME_WAIT)
			ns_stats.ps_parked_time_wait--;
	}
	ns_wheel_remove(pk);
	ns_mem_free(pk);
}

static const struct tcp_ext_arg_callbacks ns_park_callbacks = {
	.destroy = ns_park_destroyed,
	.passive_open = NULL,
};

int
ns_tcp_park_init(void)
{
	uint8_t key[16];

	if (ns_rand_bytes(key, sizeof(key)) != 0 || ns_htable_init(&ns_parked, key) != 0)
		return -1;
	memset(key, 0, sizeof(key));
	ns_park_id = tcp_ext_arg_alloc_id();
	ns_wheel_slot = ns_park_now_ms() / NS_PARK_SLOT_MS;
	ns_timeout(NS_PARK_SLOT_MS, ns_park_tick, NULL);
	return 0;
}

void
ns_tcp_set_park_policy(ns_park_policy_fn policy)
{
	ns_policy = policy;
}

void
ns_tcp_park_stats(struct ns_park_stats *st)
{
	*st = ns_stats;
	st->ps_parked = ns_parked.ht_n;
	st->ps_lwip_active = st->ps_lwip_time_wait = 0;
	for (const struct tcp_pcb *pcb = tcp_active_pcbs; pcb != NULL; pcb = pcb->next)
		st->ps_lwip_active++;
	for (const struct tcp_pcb *pcb = tcp_tw_pcbs; pcb != NULL; pcb = pcb->next)
		st->ps_lwip_time_wait++;
}

static struct ns_park *
ns_park_of(const struct tcp_pcb *pcb)
{
	if (ns_park_id == LWIP_TCP_PCB_NUM_EXT_ARG_ID_INVALID)
		return NULL;
	return pcb->ext_args[ns_park_id].data;
}

static void
ns_wheel_remove(struct ns_park *pk)
{
	if (!pk->pk_in_wheel)
		return;
	if (pk->pk_wprev != NULL)
		pk->pk_wprev->pk_wnext = pk->pk_wnext;
	else
		ns_wheel[pk->pk_slot] = pk->pk_wnext;
	if (pk->pk_wnext != NULL)
		pk->pk_wnext->pk_wprev = pk->pk_wprev;
	pk->pk_wnext = pk->pk_wprev = NULL;
	pk->pk_in_wheel = 0;
}

static void
ns_wheel_insert(struct ns_park *pk)
{
	uint64_t abs = pk->pk_wake_ms / NS_PARK_SLOT_MS;

	if (pk->pk_wake_ms == NS_PARK_NEVER)
		return;
	if (abs <= ns_wheel_slot)
		abs = ns_wheel_slot + 1;
	if (abs - ns_wheel_slot >= NS_PARK_SLOTS)
		abs = ns_wheel_slot + NS_PARK_SLOTS - 1;
	pk->pk_slot = (uint32_t)(abs % NS_PARK_SLOTS);
	pk->pk_wprev = NULL;
	pk->pk_wnext = ns_wheel[pk->pk_slot];
	if (pk->pk_wnext != NULL)
		pk->pk_wnext->pk_wprev = pk;
	ns_wheel[pk->pk_slot] = pk;
	pk->pk_in_wheel = 1;
}

/* lwIP ticks since pcb's tick stamp, as milliseconds. */
static uint64_t
ns_pcb_idle_ms(const struct tcp_pcb *pcb)
{
	return (uint64_t)(u32_t)(tcp_ticks - pcb->tmr) * TCP_SLOW_INTERVAL;
}

/* lwIP's timeout for pcb's state, counted from its tick stamp, in ms;
 * NS_PARK_NEVER for none. */
static uint64_t
ns_state_timeout_ms(const struct tcp_pcb *pcb)
{
	if (pcb->state == FIN_WAIT_2 && (pcb->flags & TF_RXCLOSED))
		return TCP_FIN_WAIT_TIMEOUT;
	if (pcb->state == LAST_ACK)
		return 2 * TCP_MSL;
	return NS_PARK_NEVER;
}

/*
 * When pcb, in lwIP's active list, next needs lwIP's timers (ms from now,
 * or NS_PARK_NEVER), or 0 when it may not be parked: its fast timer has
 * work (an ACK owed, data refused, a FIN pending), it has data lwIP has not
 * sent or a zero window to probe, or its wake is too near to be worth it.
 * Data in flight parks it with its retransmission timeout as wake, but an
 * ESTABLISHED one only in the sweep (sweep nonzero): between sweeps a busy
 * connection stays where lwIP finds it first.
 */
static uint64_t
ns_park_wake_in(const struct tcp_pcb *pcb, int sweep)
{
	uint64_t wake = NS_PARK_NEVER, idle = ns_pcb_idle_ms(pcb), t;
	uint32_t owner;

	if (pcb->state < ESTABLISHED || pcb->state == TIME_WAIT || pcb->unsent != NULL ||
	    pcb->refused_data != NULL || pcb->persist_backoff != 0 ||
	    pcb->netif_idx == NETIF_NO_INDEX ||
	    (pcb->flags & (TF_ACK_DELAY | TF_ACK_NOW | TF_CLOSEPEND | TF_NAGLEMEMERR)) != 0)
		return 0;
#if TCP_QUEUE_OOSEQ
	if (pcb->ooseq != NULL)
		return 0;
#endif
	if (pcb->unacked != NULL) {
		if ((!sweep && pcb->state == ESTABLISHED) || pcb->rtime < 0 ||
		    pcb->rtime >= pcb->rto)
			return 0;
		wake = (uint64_t)(pcb->rto - pcb->rtime) * TCP_SLOW_INTERVAL;
	}
	/* A closing pcb its owner let go of (no argument, no receiver) has
	 * only lwIP's timers; any other asks its owner. */
	if (pcb->callback_arg != NULL || pcb->recv != NULL) {
		if (ns_policy == NULL || ns_policy(pcb, &owner) == 0)
			return 0;
		if (owner != UINT32_MAX && owner < wake)
			wake = owner;
	}
	if (ip_get_option(pcb, SOF_KEEPALIVE) &&
	    (pcb->state == ESTABLISHED || pcb->state == CLOSE_WAIT)) {
		uint64_t due = (uint64_t)pcb->keep_idle +
		    (uint64_t)pcb->keep_cnt_sent * pcb->keep_intvl;

		if (due <= idle)
			return 0;
		if (due - idle < wake)
			wake = due - idle;
	}
	if ((t = ns_state_timeout_ms(pcb)) != NS_PARK_NEVER) {
		if (t <= idle)
			return 0;
		if (t - idle < wake)
			wake = t - idle;
	}
	return wake < NS_PARK_SOON_MS ? 0 : wake;
}

/* TIME_WAIT left for pcb, in ms (0: over). */
static uint64_t
ns_tw_left_ms(const struct tcp_pcb *pcb)
{
	uint64_t idle = ns_pcb_idle_ms(pcb);

	return idle >= 2 * TCP_MSL ? 0 : 2 * TCP_MSL - idle;
}

static unsigned int
ns_tw_max(void)
{
	struct ns_mem_stats ms;

	ns_mem_get_stats(&ms);
	if (ms.ms_limit == 0 || ms.ms_limit / 4 / NS_TW_BYTES > NS_TW_MAX_NOLIMIT)
		return NS_TW_MAX_NOLIMIT;
	return (unsigned int)(ms.ms_limit / 4 / NS_TW_BYTES);
}

static void ns_park_release(struct ns_park *pk, uint64_t now);

/* Ends the parked TIME_WAIT pcb that would end first: the wheel's next
 * slots hold the nearest wakes. */
static void
ns_tw_evict_oldest(uint64_t now)
{
	for (uint32_t n = 1; n <= NS_PARK_SLOTS; n++) {
		struct ns_park *pk = ns_wheel[(ns_wheel_slot + n) % NS_PARK_SLOTS];

		for (; pk != NULL; pk = pk->pk_wnext)
			if (pk->pk_pcb->state == TIME_WAIT) {
				struct tcp_pcb *pcb = pk->pk_pcb;

				ns_park_release(pk, now);
				tcp_abort(pcb);
				ns_stats.ps_time_wait_evicted++;
				return;
			}
	}
}

/* Takes pcb, already out of lwIP's lists, into the table; wake_in ms from
 * now.  0, or -1 when there is no memory for its node (the caller leaves
 * it in lwIP's list). */
static int
ns_park_take(struct tcp_pcb *pcb, uint64_t wake_in, uint64_t now)
{
	struct ns_park *pk = ns_park_of(pcb);

	if (pcb->state == TIME_WAIT && ns_stats.ps_parked_time_wait >= ns_tw_max())
		ns_tw_evict_oldest(now);
	if (pk == NULL) {
		if ((pk = ns_mem_calloc(1, sizeof(*pk))) == NULL)
			return -1;
		pk->pk_pcb = pcb;
		tcp_ext_arg_set_callbacks(pcb, ns_park_id, &ns_park_callbacks);
		tcp_ext_arg_set(pcb, ns_park_id, pk);
	}
	pk->pk_h.hn_key.tu_lip = ip_2_ip4(&pcb->local_ip)->addr;
	pk->pk_h.hn_key.tu_rip = ip_2_ip4(&pcb->remote_ip)->addr;
	pk->pk_h.hn_key.tu_lport = pcb->local_port;
	pk->pk_h.hn_key.tu_rport = pcb->remote_port;
	pk->pk_h.hn_key.tu_netif = pcb->netif_idx;
	pk->pk_park_ms = now;
	pk->pk_park_ticks = tcp_ticks;
	pk->pk_wake_ms = wake_in == NS_PARK_NEVER ? NS_PARK_NEVER : now + wake_in;
	pcb->next = NULL;
	ns_htable_insert(&ns_parked, &pk->pk_h);
	pk->pk_parked = 1;
	if (pcb->state == TIME_WAIT)
		ns_stats.ps_parked_time_wait++;
	ns_wheel_insert(pk);
	ns_stats.ps_parks++;
	return 0;
}

/* Back into lwIP's list, at its front. */
static void
ns_park_release(struct ns_park *pk, uint64_t now)
{
	struct tcp_pcb *pcb = pk->pk_pcb;
	uint64_t real = (now - pk->pk_park_ms) / TCP_SLOW_INTERVAL;
	uint32_t ticked = tcp_ticks - pk->pk_park_ticks;

	ns_htable_remove(&ns_parked, &pk->pk_h);
	ns_wheel_remove(pk);
	pk->pk_parked = 0;
	if (pcb->state == TIME_WAIT)
		ns_stats.ps_parked_time_wait--;
	/* lwIP's ticks stood still while its lists were empty. */
	if (real > ticked)
		pcb->tmr -= (u32_t)(real - ticked);
	/* Its retransmission timer did not run while parked. */
	if (pcb->unacked != NULL && pcb->rtime >= 0)
		pcb->rtime = (s16_t)LWIP_MIN((uint64_t)pcb->rtime + real, 0x7fff);
	if (pcb->state == TIME_WAIT) {
		TCP_REG(&tcp_tw_pcbs, pcb);
	} else {
		TCP_REG_ACTIVE(pcb);
	}
	ns_stats.ps_unparks++;
}

void
ns_tcp_unpark(struct tcp_pcb *pcb)
{
	struct ns_park *pk;

	if (pcb == NULL || pcb->state == LISTEN || pcb->state == CLOSED)
		return;
	if ((pk = ns_park_of(pcb)) != NULL && pk->pk_parked)
		ns_park_release(pk, ns_park_now_ms());
}

/* Parks every pcb of lwIP's TIME_WAIT list; those at its end stay. */
static void
ns_park_tw_list(uint64_t now)
{
	struct tcp_pcb **pp = &tcp_tw_pcbs;

	while (*pp != NULL) {
		struct tcp_pcb *pcb = *pp;
		uint64_t left = ns_tw_left_ms(pcb);

		if (left >= NS_PARK_SOON_MS) {
			*pp = pcb->next;
			/* a slot late rather than early: lwIP counts in ticks */
			if (ns_park_take(pcb, left + NS_PARK_SLOT_MS, now) == 0)
				continue;
			pcb->next = *pp;	/* no memory: it stays */
			*pp = pcb;
		}
		pp = &pcb->next;
	}
}

/* Parks pcb if it may be, unlinking it from *pp (its place in lwIP's
 * active list); whether it did. */
static int
ns_park_active(struct tcp_pcb **pp, uint64_t now, int sweep)
{
	struct tcp_pcb *pcb = *pp;
	uint64_t wake = ns_park_wake_in(pcb, sweep);

	if (wake == 0)
		return 0;
	*pp = pcb->next;
	if (ns_park_take(pcb, wake, now) == 0)
		return 1;
	pcb->next = *pp;
	*pp = pcb;
	return 0;
}

void
ns_tcp_park_after_input(void)
{
	uint64_t now;

	if (ns_policy == NULL || (tcp_active_pcbs == NULL && tcp_tw_pcbs == NULL))
		return;
	now = ns_park_now_ms();
	/* lwIP moved the segment's pcb to the front of its list. */
	if (tcp_active_pcbs != NULL)
		ns_park_active(&tcp_active_pcbs, now, 0);
	ns_park_tw_list(now);
}

/* Every pcb of lwIP's active list that may be parked. */
static void
ns_park_sweep(uint64_t now)
{
	struct tcp_pcb **pp = &tcp_active_pcbs;

	while (*pp != NULL)
		if (!ns_park_active(pp, now, 1))
			pp = &(*pp)->next;
	ns_park_tw_list(now);
}

/* A parked pcb whose wake came: TIME_WAIT over is freed as lwIP's timer
 * frees it (tcp_abort of a TIME_WAIT pcb sends nothing), within lwIP's
 * tick of its end rather than up to a second later in lwIP's list, where
 * every SYN would walk past it; anything else
 * goes back to lwIP, whose timers and the owner's poll see to it. */
static void
ns_park_wake(struct ns_park *pk, uint64_t now)
{
	struct tcp_pcb *pcb = pk->pk_pcb;

	ns_stats.ps_wakes++;
	ns_park_release(pk, now);
	if (pcb->state == TIME_WAIT && ns_tw_left_ms(pcb) < NS_PARK_SOON_MS)
		tcp_abort(pcb);
}

static void
ns_park_tick(void *arg)
{
	uint64_t now = ns_park_now_ms(), target = now / NS_PARK_SLOT_MS;
	unsigned int turns = 0;

	LWIP_UNUSED_ARG(arg);
	while (ns_wheel_slot < target && turns++ < NS_PARK_SLOTS) {
		uint32_t slot = (uint32_t)(++ns_wheel_slot % NS_PARK_SLOTS);
		struct ns_park *pk = ns_wheel[slot], *todo;

		/* Taken off whole: a far wake goes back in another slot. */
		ns_wheel[slot] = NULL;
		while ((todo = pk) != NULL) {
			pk = todo->pk_wnext;
			todo->pk_in_wheel = 0;
			todo->pk_wnext = todo->pk_wprev = NULL;
			if (pk != NULL)
				pk->pk_wprev = NULL;
			if (todo->pk_wake_ms <= now)
				ns_park_wake(todo, now);
			else
				ns_wheel_insert(todo);
		}
	}
	if (ns_wheel_slot < target)
		ns_wheel_slot = target;
	if (ns_policy != NULL)
		ns_park_sweep(now);
	ns_timeout(NS_PARK_SLOT_MS, ns_park_tick, NULL);
}

/*
 * Before lwIP takes the IPv4 packet ip (ip_len bytes, its header length
 * checked by the caller) on netif: a TCP segment for a parked pcb brings
 * it back.
 */
void
ns_tcp_park_input(const struct netif *netif, const uint8_t *ip, size_t ip_len)
{
	struct ns_tuple k;
	struct ns_hnode *n;
	size_t ihl;

	if (ns_parked.ht_n == 0 || ip_len < IP4_HDR_LEN || ip[IP4_OFF_PROTO] != IP4_PROTO_TCP ||
	    (ip[IP4_OFF_FRAG] & 0x1f) != 0 || ip[IP4_OFF_FRAG + 1] != 0)
		return;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	if (ihl < IP4_HDR_LEN || ip_len < ihl + 4)
		return;
	memcpy(&k.tu_lip, ip + IP4_OFF_SRC + 4, 4);
	memcpy(&k.tu_rip, ip + IP4_OFF_SRC, 4);
	k.tu_rport = (uint16_t)(ip[ihl] << 8 | ip[ihl + 1]);
	k.tu_lport = (uint16_t)(ip[ihl + 2] << 8 | ip[ihl + 3]);
	k.tu_netif = netif_get_index(netif);
	if ((n = ns_htable_find(&ns_parked, &k)) != NULL)
		ns_park_release((struct ns_park *)n, ns_park_now_ms());
}

/* Whether a parked pcb holds this 4-tuple (ports in host order). */
int
ns_tcp_parked_tuple(u8_t netif_idx, uint32_t lip, uint16_t lport, uint32_t rip, uint16_t rport)
{
	struct ns_tuple k = {
		.tu_lip = lip, .tu_rip = rip, .tu_lport = lport, .tu_rport = rport,
		.tu_netif = netif_idx,
	};

	return ns_parked.ht_n != 0 && ns_htable_find(&ns_parked, &k) != NULL;
}

/* Brings back every parked pcb on the netif numbered idx with local
 * address addr, any for 0 (the address is going: what is on it is then
 * aborted), or on every netif for NETIF_NO_INDEX (everything is being
 * torn down). */
void
ns_tcp_unpark_addr(u8_t idx, uint32_t addr)
{
	uint64_t now = ns_park_now_ms();

	for (uint32_t b = 0; ns_parked.ht_n != 0 && b <= ns_parked.ht_mask; b++) {
		struct ns_hnode *n = ns_parked.ht_buckets[b], *next;

		for (; n != NULL; n = next) {
			next = n->hn_next;
			if (idx == NETIF_NO_INDEX || (n->hn_key.tu_netif == idx &&
			    (addr == 0 || n->hn_key.tu_lip == addr)))
				ns_park_release((struct ns_park *)n, now);
		}
	}
}

/* The link's wrappers (Makefile: -Wl,--wrap=...). */
err_t __real_tcp_write(struct tcp_pcb *pcb, const void *data, u16_t len, u8_t flags);
err_t __real_tcp_output(struct tcp_pcb *pcb);
void __real_tcp_recved(struct tcp_pcb *pcb, u16_t len);
err_t __real_tcp_close(struct tcp_pcb *pcb);
err_t __real_tcp_shutdown(struct tcp_pcb *pcb, int shut_rx, int shut_tx);
void __real_tcp_abort(struct tcp_pcb *pcb);
void __real_tcp_abandon(struct tcp_pcb *pcb, int reset);
err_t __wrap_tcp_write(struct tcp_pcb *pcb, const void *data, u16_t len, u8_t flags);
err_t __wrap_tcp_output(struct tcp_pcb *pcb);
void __wrap_tcp_recved(struct tcp_pcb *pcb, u16_t len);
err_t __wrap_tcp_close(struct tcp_pcb *pcb);
err_t __wrap_tcp_shutdown(struct tcp_pcb *pcb, int shut_rx, int shut_tx);
void __wrap_tcp_abort(struct tcp_pcb *pcb);
void __wrap_tcp_abandon(struct tcp_pcb *pcb, int reset);

err_t
__wrap_tcp_write(struct tcp_pcb *pcb, const void *data, u16_t len, u8_t flags)
{
	ns_tcp_unpark(pcb);
	return __real_tcp_write(pcb, data, len, flags);
}

err_t
__wrap_tcp_output(struct tcp_pcb *pcb)
{
	ns_tcp_unpark(pcb);
	return __real_tcp_output(pcb);
}

void
__wrap_tcp_recved(struct tcp_pcb *pcb, u16_t len)
{
	ns_tcp_unpark(pcb);
	__real_tcp_recved(pcb, len);
}

err_t
__wrap_tcp_close(struct tcp_pcb *pcb)
{
	ns_tcp_unpark(pcb);
	return __real_tcp_close(pcb);
}

err_t
__wrap_tcp_shutdown(struct tcp_pcb *pcb, int shut_rx, int shut_tx)
{
	ns_tcp_unpark(pcb);
	return __real_tcp_shutdown(pcb, shut_rx, shut_tx);
}

void
__wrap_tcp_abort(struct tcp_pcb *pcb)
{
	ns_tcp_unpark(pcb);
	__real_tcp_abort(pcb);
}

void
__wrap_tcp_abandon(struct tcp_pcb *pcb, int reset)
{
	ns_tcp_unpark(pcb);
	__real_tcp_abandon(pcb, reset);
}
