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
	return 0;
}

uint32_t
ns_timers_run(void)
{
	sys_check_timeouts();
	ns_tcp_tw_trim();
	return sys_timeouts_sleeptime();
}
