/*
 * Stack setup and timers.
 */
#include "lwip/init.h"
#include "lwip/timeouts.h"

#include "netstack.h"

int
ns_init(void)
{
	int rc;

	/* Seed before lwip_init: it draws the first ephemeral port. */
	if ((rc = ns_rand_init()) != 0)
		return rc;
	lwip_init();
	ns_tcp_sack_init();
	return ns_tcp_park_init() == 0 ? 0 : -1;
}

/*
 * lwIP takes a timer that cannot be allocated for a fatal error (and its
 * own cyclic timers re-arm themselves each time they run), so timers are
 * allocated from the heap's reserve (ns_mem.c).
 */
void
ns_timeout(uint32_t ms, sys_timeout_handler handler, void *arg)
{
	int was = ns_mem_urgent(1);

	sys_timeout(ms, handler, arg);
	ns_mem_urgent(was);
}

uint32_t
ns_timers_run(void)
{
	int was = ns_mem_urgent(1);

	sys_check_timeouts();
	ns_mem_urgent(was);
	return sys_timeouts_sleeptime();
}
