/*
 * Stack setup (its timers: ns_timer.c).
 */
#include "lwip/init.h"

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
