/*
 * lwIP's timers, armed and run from the heap's reserve.  Apart from the
 * stack's setup (ns_init.c), which starts modules that arm timers.
 */
#include "lwip/timeouts.h"

#include "netstack.h"

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
