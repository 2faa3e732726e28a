/*
 * The event loop: epoll over the NICs' packet sockets, a timerfd for lwIP's
 * timers and a signalfd for SIGTERM, SIGINT, SIGHUP, SIGUSR1 and SIGUSR2.
 * Single-threaded: everything, lwIP included, runs from here; every round
 * tells the watchdog (watchdog.c) the loop is alive.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/sysinfo.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "lwip/ip4_addr.h"
#include "lwip/timeouts.h"

#include "console.h"
#include "dns_serve.h"
#include "log.h"
#include "loop.h"
#include "mgmt.h"
#include "nat.h"
#include "nic.h"
#include "nicmac.h"
#include "metrics.h"
#include "reload.h"
#include "relay.h"
#include "rt.h"
#include "share.h"
#include "status.h"
#include "watchdog.h"

/* epoll tags: small integers for the loop's own fds; a NIC's is its
 * object's address (nic.c). */
#define LOOP_TAG_TIMER		1
#define LOOP_TAG_SIGNAL		2
#define LOOP_TAG_INOTIFY	3
#define LOOP_TAG_RELOAD		4
#define LOOP_TAG_CONSOLE	5
/* Changes to the drop directory are applied this long after the last one:
 * an operator or a tool often writes several files in a row. */
#define LOOP_RELOAD_SETTLE_MS	200
#define LOOP_TAG_LINKS		6	/* every NIC's frames: nic_links_fd() */
#define LOOP_MAX_EVENTS		32

static int
loop_epoll_add(struct pl_loop *lp, int fd, uint64_t tag)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u64 = tag;
	return epoll_ctl(lp->lp_epfd, EPOLL_CTL_ADD, fd, &ev);
}

static int
loop_setup_ports(struct pl_loop *lp)
{
	struct pl_config *cfg = lp->lp_cfg;

	if (nic_find_macs(cfg) != 0 || nic_prepare(lp, cfg) != 0)
		return -1;
	nic_commit(lp);
	for (int i = 0; i < cfg->n_nics; i++)
		if (nic_open(lp, cfg->nics[i].nic_rt) != 0)
			return -1;
	if (loop_epoll_add(lp, nic_links_fd(), LOOP_TAG_LINKS) == -1) {
		log_warn("epoll for the NICs");
		return -1;
	}
	/* Every endpoint's address answers ARP and ping whatever its state;
	 * only Approved ones get a listener. */
	for (int e = 0; e < cfg->n_endpoints; e++) {
		const struct cfg_endpoint *ep = &cfg->endpoints[e];

		ep->ep_rt->er_netif = nic_addr_get(nic_of(cfg, ep->ep_nic), ep->ep_ip);
		ep->ep_rt->er_addr = ep->ep_ip;
		if (ep->ep_rt->er_netif == NULL)
			return -1;
	}
	share_apply_syn_rates(lp);
	for (int s = 0; s < cfg->n_services; s++) {
		const struct cfg_service *svc = &cfg->services[s];

		for (int k = 0; k < svc->svc_n_nat_ips; k++)
			if (nic_addr_get(nic_of(cfg, svc->svc_nat_nics[k]), svc->svc_nat_ips[k]) == NULL)
				return -1;
		svc->svc_rt->sr_fe_addr = svc->svc_frontend_ip;
		if (svc->svc_frontend_nic != -1 &&
		    (svc->svc_rt->sr_fe_netif = nic_addr_get(nic_of(cfg, svc->svc_frontend_nic),
		    svc->svc_frontend_ip)) == NULL)
			return -1;
	}
	return nat_setup(lp);
}

/*
 * Watches the drop directory: a file written, renamed in or out, or
 * removed triggers a reload once changes have settled.  A directory that
 * cannot be watched (no inotify) is reported; SIGHUP still reloads.
 */
static int
loop_watch_drops(struct pl_loop *lp)
{
	lp->lp_reloadfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (lp->lp_reloadfd == -1 || loop_epoll_add(lp, lp->lp_reloadfd, LOOP_TAG_RELOAD) == -1) {
		log_warn("reload timerfd");
		return -1;
	}
	lp->lp_inotifyfd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (lp->lp_inotifyfd == -1 ||
	    inotify_add_watch(lp->lp_inotifyfd, lp->lp_confdir,
	    IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE) == -1 ||
	    loop_epoll_add(lp, lp->lp_inotifyfd, LOOP_TAG_INOTIFY) == -1) {
		log_warn("%s: not watched for changes (reload with SIGHUP)", lp->lp_confdir);
		if (lp->lp_inotifyfd != -1)
			close(lp->lp_inotifyfd);
		lp->lp_inotifyfd = -1;
	}
	return 0;
}

/* Drains inotify; a change to a drop file (re)arms the settle timer. */
static void
loop_drops_changed(struct pl_loop *lp)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	struct itimerspec its;
	int changed = 0;
	ssize_t n;

	while ((n = read(lp->lp_inotifyfd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n; ) {
			struct inotify_event *ev = (struct inotify_event *)p;
			size_t len = ev->len ? strlen(ev->name) : 0;

			/* Any case: a badly named drop file must refuse the
			 * drop at once, as cfg_load.c does (not wait for the next
			 * change). */
			if (len > 4 && strcasecmp(ev->name + len - 4, ".ini") == 0 && ev->name[0] != '.')
				changed = 1;
			p += sizeof(*ev) + ev->len;
		}
	}
	if (!changed)
		return;
	memset(&its, 0, sizeof(its));
	its.it_value.tv_nsec = LOOP_RELOAD_SETTLE_MS * 1000000L;
	if (timerfd_settime(lp->lp_reloadfd, 0, &its, NULL) == -1)
		log_warn("reload timer");
}

/*
 * For a writer of the drop directory that applies its own change at once
 * (the management API: drop_store_commit, then reload_apply): the events
 * of its own writes are drained and a pending settle timer disarmed, so
 * the same change is not reloaded again 200 ms later.  A change someone
 * else made in the same moment is drained too; it is in the directory
 * and the next change or SIGHUP applies it.
 */
void
loop_drops_settled(struct pl_loop *lp)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	struct itimerspec its;

	if (lp->lp_inotifyfd != -1)
		while (read(lp->lp_inotifyfd, buf, sizeof(buf)) > 0)
			;
	if (lp->lp_reloadfd != -1) {
		memset(&its, 0, sizeof(its));
		if (timerfd_settime(lp->lp_reloadfd, 0, &its, NULL) == -1)
			log_warn("reload timer");
	}
}

/*
 * Limits lwIP's heap to the drop's memory_limit, or with "auto" to a share
 * of the machine's memory (ns_mem.c says why).  Logged, since it bounds
 * how much a busy appliance can hold.
 */
void
loop_memory_limit(const struct pl_config *cfg)
{
	uint64_t bytes = cfg->appliance.ap_memory_limit;
	struct sysinfo si;

	if (bytes == 0) {
		if (sysinfo(&si) == -1) {
			log_warn("memory_limit auto: sysinfo; no limit");
			ns_mem_set_limit(0);
			return;
		}
		bytes = (uint64_t)si.totalram * si.mem_unit / 100 * CFG_MEMORY_AUTO_PCT;
		if (bytes < CFG_MEMORY_MIN)
			bytes = CFG_MEMORY_MIN;
	}
	if (bytes > SIZE_MAX)
		bytes = SIZE_MAX;
	ns_mem_set_limit((size_t)bytes);
	log_info("memory: the network stack may hold %llu MiB%s", (unsigned long long)(bytes >> 20),
	    cfg->appliance.ap_memory_limit == 0 ? " (auto: half of the machine's)" : "");
}

/*
 * Builds the data path for cfg: NICs, addresses, listeners of approved
 * endpoints.  0, or -1 with the reason logged.
 */
int
loop_setup(struct pl_loop *lp, struct pl_config *cfg, const char *confdir,
    const char *status_path)
{
	sigset_t mask;
	int rc;

	memset(lp, 0, sizeof(*lp));
	lp->lp_epfd = lp->lp_timerfd = lp->lp_sigfd = -1;
	lp->lp_inotifyfd = lp->lp_reloadfd = lp->lp_consolefd = -1;
	lp->lp_cfg = cfg;
	lp->lp_confdir = confdir;
	lp->lp_status_path = status_path;
	lp->lp_started = time(NULL);
	if ((rc = ns_init()) != 0) {
		log_warnx("random source: mbedTLS error -0x%04x", (unsigned int)-rc);
		return -1;
	}
	loop_memory_limit(cfg);
	lp->lp_epfd = epoll_create1(EPOLL_CLOEXEC);
	if (lp->lp_epfd == -1) {
		log_warn("epoll_create1");
		return -1;
	}
	if (rt_attach(lp) != 0 || loop_setup_ports(lp) != 0)
		return -1;

	lp->lp_timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (lp->lp_timerfd == -1 || loop_epoll_add(lp, lp->lp_timerfd, LOOP_TAG_TIMER) == -1) {
		log_warn("timerfd");
		return -1;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGUSR2);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) == -1) {
		log_warn("sigprocmask");
		return -1;
	}
	signal(SIGPIPE, SIG_IGN);
	lp->lp_sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (lp->lp_sigfd == -1 || loop_epoll_add(lp, lp->lp_sigfd, LOOP_TAG_SIGNAL) == -1) {
		log_warn("signalfd");
		return -1;
	}

	if (loop_watch_drops(lp) != 0)
		return -1;
	for (int e = 0; e < cfg->n_endpoints; e++)
		if (cfg->endpoints[e].ep_state == CFG_APPROVAL_APPROVED &&
		    relay_listen(lp, cfg->endpoints[e].ep_rt) != 0)
			return -1;
	for (int s = 0; s < cfg->n_services; s++)
		if (cfg->services[s].svc_frontend_nic != -1 &&
		    relay_listen_frontend(lp, cfg->services[s].svc_rt) != 0)
			return -1;
	if (ns_rand_bytes(&lp->lp_lb_seed, sizeof(lp->lp_lb_seed)) != 0) {
		log_warnx("random source: no seed for the flow hash");
		return -1;
	}
	/* With the counter, ids unique across restarts (ppv2_unique_id). */
	if (ns_rand_bytes(&lp->lp_pp_uid_boot, sizeof(lp->lp_pp_uid_boot)) != 0) {
		log_warnx("random source: no boot random for PROXY v2 unique ids");
		return -1;
	}
	dns_serve_apply(lp);
	if (health_start(lp) != 0)
		return -1;
	return mgmt_start(lp);
}

static int
loop_arm_timer(struct pl_loop *lp, uint32_t ms)
{
	struct itimerspec its;

	memset(&its, 0, sizeof(its));
	if (ms != SYS_TIMEOUTS_SLEEPTIME_INFINITE) {
		/* 0 would disarm the timer: a due timer fires in 1 ns. */
		its.it_value.tv_sec = ms / 1000;
		its.it_value.tv_nsec = (long)(ms % 1000) * 1000000L;
		if (ms == 0)
			its.it_value.tv_nsec = 1;
	}
	return timerfd_settime(lp->lp_timerfd, 0, &its, NULL);
}

static void
loop_signal(struct pl_loop *lp)
{
	struct signalfd_siginfo si;

	while (read(lp->lp_sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			log_info("signal %u: shutting down", si.ssi_signo);
			lp->lp_quit = 1;
			break;
		case SIGHUP:
			reload_run(lp);
			break;
		case SIGUSR1:
			status_write(lp);
			metrics_write_file(lp);
			break;
		case SIGUSR2:
			watchdog_debug_stall(lp->lp_cfg, "signal SIGUSR2");
			break;
		default:
			break;
		}
	}
}

/* Runs until SIGTERM/SIGINT.  0 on a clean stop, -1 on a loop failure. */
int
loop_run(struct pl_loop *lp)
{
	struct epoll_event ev[LOOP_MAX_EVENTS];
	uint64_t expirations;

	if (loop_arm_timer(lp, ns_timers_run()) == -1) {
		log_warn("timerfd_settime");
		return -1;
	}
	while (!lp->lp_quit) {
		int n = epoll_wait(lp->lp_epfd, ev, LOOP_MAX_EVENTS, watchdog_wait_ms());

		watchdog_round();
		if (n == -1) {
			if (errno == EINTR)
				continue;
			log_warn("epoll_wait");
			return -1;
		}
		for (int i = 0; i < n; i++) {
			uint64_t tag = ev[i].data.u64;

			if (tag == LOOP_TAG_TIMER) {
				/* Only draining matters: lwIP reads its own clock. */
				if (read(lp->lp_timerfd, &expirations, sizeof(expirations)) == -1 &&
				    errno != EAGAIN)
					log_warn("timerfd read");
			} else if (tag == LOOP_TAG_SIGNAL) {
				loop_signal(lp);
			} else if (tag == LOOP_TAG_INOTIFY) {
				loop_drops_changed(lp);
			} else if (tag == LOOP_TAG_CONSOLE) {
				if (console_input(lp, lp->lp_consolefd) == -1) {
					epoll_ctl(lp->lp_epfd, EPOLL_CTL_DEL, lp->lp_consolefd, NULL);
					lp->lp_consolefd = -1;
				}
			} else if (tag == LOOP_TAG_RELOAD) {
				if (read(lp->lp_reloadfd, &expirations, sizeof(expirations)) > 0) {
					log_info("%s changed: reloading", lp->lp_confdir);
					reload_run(lp);
				}
			} else if (tag == LOOP_TAG_LINKS) {
				nic_input(lp);
			}
		}
		if (loop_arm_timer(lp, ns_timers_run()) == -1) {
			log_warn("timerfd_settime");
			return -1;
		}
		/* What lwIP sent this round leaves now, merged where it could:
		 * only the NICs that have something to send are visited. */
		nic_flush_all(lp);
	}
	return 0;
}

/*
 * Takes commands from fd (the console in PID-1 mode; console.c), which
 * stays the caller's to close.  0, or -1 (logged).
 */
int
loop_watch_console(struct pl_loop *lp, int fd)
{
	if (loop_epoll_add(lp, fd, LOOP_TAG_CONSOLE) == -1) {
		log_warn("console: epoll");
		return -1;
	}
	lp->lp_consolefd = fd;
	return 0;
}

/* Resets live connections (the RSTs go out now), closes everything. */
void
loop_teardown(struct pl_loop *lp)
{
	mgmt_stop(lp);
	if (lp->lp_cfg != NULL) {
		health_stop(lp);
		for (struct ep_rt *er = lp->lp_eps; er != NULL; er = er->er_next)
			relay_unlisten(er);
		for (struct svc_rt *sr = lp->lp_svcs; sr != NULL; sr = sr->sr_next)
			relay_unlisten_frontend(sr);
		relay_cut_all(lp);
	}
	dns_serve_stop_all(lp);
	nat_teardown(lp);
	nic_close_all(lp);
	rt_free_all(lp);
	if (lp->lp_sigfd != -1)
		close(lp->lp_sigfd);
	if (lp->lp_inotifyfd != -1)
		close(lp->lp_inotifyfd);
	if (lp->lp_reloadfd != -1)
		close(lp->lp_reloadfd);
	lp->lp_inotifyfd = lp->lp_reloadfd = -1;
	if (lp->lp_timerfd != -1)
		close(lp->lp_timerfd);
	if (lp->lp_epfd != -1)
		close(lp->lp_epfd);
	lp->lp_epfd = lp->lp_timerfd = lp->lp_sigfd = -1;
}
