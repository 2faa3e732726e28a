/*
 * The watchdog: an event loop that stops making rounds restarts the
 * appliance by itself.
 *
 * The loop marks every round (watchdog_round()).  Once a second a POSIX
 * timer on CLOCK_MONOTONIC raises SIGALRM, whose handler reads the mark
 * and clears it.  A handler runs even while the loop spins in user space,
 * so a loop stuck in a busy loop is caught as surely as a blocked one.
 * After [appliance] watchdog seconds of ticks without a round:
 *
 *   - on a host, privlinkd says so on stderr and aborts: its supervisor
 *     (systemd's Restart=, a container runtime) starts it again, and the
 *     core dump shows where the loop was stuck;
 *   - in the image privlinkd is PID 1, which must not die (the kernel
 *     would panic).  There a watchdog device restarts the machine:
 *     /dev/watchdog (a hypervisor's device, or the kernel's softdog that
 *     pid1.c loads when there is none) is armed with the same timeout and
 *     petted from the loop once a tick, so a loop that stops petting gets
 *     the machine reset by the device, whatever privlinkd is doing (even
 *     stuck inside a system call).  Should the device not act, or none be
 *     open, the handler reboots the machine itself.
 *
 * Ticks are counted, not time: a process that was stopped (SIGSTOP, a
 * debugger, a suspended host) finds one pending tick when it goes on, not
 * a stall.
 *
 * The state lives here rather than in struct pl_loop because a signal
 * handler can reach nothing else.  The handler does only async-signal-safe
 * things: volatile sig_atomic_t reads and writes, write(2), abort(3) and
 * reboot(2).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/reboot.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "watchdog.h"

#define WATCHDOG_DEVICE		"/dev/watchdog"
/* One tick a second: [appliance] watchdog counts ticks as seconds. */
#define WATCHDOG_TICK_S		1
/* Ticks the device gets, beyond its own timeout, before the handler
 * reboots the machine itself: a device acts on its own clock, and one a
 * little late is still better than a reboot without the kernel's help. */
#define WATCHDOG_DEVICE_GRACE	5

/* The kernel's watchdog interface (linux/watchdog.h, which musl's include
 * path lacks). */
struct watchdog_info_k {
	uint32_t	wi_options;
	uint32_t	wi_firmware_version;
	uint8_t		wi_identity[32];
};
#define WDIOC_GETSUPPORT_K	_IOR('W', 0, struct watchdog_info_k)
#define WDIOC_KEEPALIVE_K	_IOR('W', 5, int)
#define WDIOC_SETTIMEOUT_K	_IOWR('W', 6, int)
#define WDIOC_GETTIMEOUT_K	_IOR('W', 7, int)

static struct {
	volatile sig_atomic_t	wd_round;	/* the loop made a round since the last tick */
	volatile sig_atomic_t	wd_pet_due;	/* a tick since the device was last petted */
	volatile sig_atomic_t	wd_idle;	/* ticks in a row without a round */
	volatile sig_atomic_t	wd_limit;	/* ticks that make a stall, 0: off */
	volatile sig_atomic_t	wd_reboot_at;	/* PID 1: ticks after which the handler reboots */
	volatile sig_atomic_t	wd_fd;		/* the device, -1: none */
	volatile sig_atomic_t	wd_dev_timeout;	/* its timeout, seconds */
	volatile sig_atomic_t	wd_unpetted;	/* ticks since it was last petted */
	int			wd_pid1;
	int			wd_timer_made;
	timer_t			wd_timer;
	int			wd_pet_failed;	/* logged once per failing streak */
} wd = { .wd_fd = -1 };

static void
wd_say(const char *s)
{
	ssize_t rc = write(STDERR_FILENO, s, strlen(s));

	(void)rc;	/* nowhere else to say it */
}

/* Decimal n into buf (async-signal-safe; snprintf is not). */
static const char *
wd_utoa(char buf[static 12], unsigned int n)
{
	char *p = buf + 11;

	*p = '\0';
	do {
		*--p = (char)('0' + n % 10);
		n /= 10;
	} while (n != 0 && p > buf);
	return p;
}

static void
wd_tick(int sig)
{
	int saved = errno;
	char num[12];

	(void)sig;
	wd.wd_pet_due = 1;
	if (wd.wd_fd != -1)
		wd.wd_unpetted++;
	if (wd.wd_round || wd.wd_limit == 0) {
		wd.wd_round = 0;
		wd.wd_idle = 0;
		errno = saved;
		return;
	}
	wd.wd_idle++;
	/* A device resets the machine its timeout after the last pet,
	 * perhaps before the count is full: the stall is told a tick before
	 * then, so that the console shows why the machine restarts. */
	if (wd.wd_pid1 && wd.wd_fd != -1 && wd.wd_unpetted == wd.wd_dev_timeout - 1) {
		wd_say("privlinkd: watchdog: the event loop made no round for ");
		wd_say(wd_utoa(num, (unsigned int)wd.wd_idle));
		wd_say(" s: the watchdog device resets the machine\n");
	} else if (wd.wd_idle == wd.wd_limit && (!wd.wd_pid1 || wd.wd_fd == -1)) {
		wd_say("privlinkd: watchdog: the event loop made no round for ");
		wd_say(wd_utoa(num, (unsigned int)wd.wd_limit));
		wd_say(wd.wd_pid1 ? " s: rebooting\n" :
		    " s: aborting (its supervisor restarts privlinkd)\n");
	}
	if (wd.wd_idle >= wd.wd_limit && !wd.wd_pid1)
		abort();
	if (wd.wd_pid1 && wd.wd_idle >= wd.wd_reboot_at) {
		if (wd.wd_fd != -1)
			wd_say("privlinkd: watchdog: the device did not reset the machine: rebooting\n");
		reboot(RB_AUTOBOOT);
	}
	errno = saved;
}

/* Opens and describes the device; PID 1 only. */
static void
wd_device_open(void)
{
	struct watchdog_info_k info;
	int fd;

	fd = open(WATCHDOG_DEVICE, O_WRONLY | O_CLOEXEC);
	if (fd == -1) {
		log_warn("watchdog: no device (a stalled loop reboots the machine from "
		    "privlinkd itself): %s", WATCHDOG_DEVICE);
		return;
	}
	memset(&info, 0, sizeof(info));
	if (ioctl(fd, WDIOC_GETSUPPORT_K, &info) == -1)
		snprintf((char *)info.wi_identity, sizeof(info.wi_identity), "unnamed");
	info.wi_identity[sizeof(info.wi_identity) - 1] = '\0';
	log_info("watchdog: device %s (%s)", WATCHDOG_DEVICE, (const char *)info.wi_identity);
	wd.wd_fd = fd;
}

/* Gives the device a timeout of s seconds; the ticks after which the
 * handler reboots instead. */
static int
wd_device_timeout(unsigned int s)
{
	int t = (int)s, have = 0;

	if (ioctl(wd.wd_fd, WDIOC_SETTIMEOUT_K, &t) == -1) {
		if (ioctl(wd.wd_fd, WDIOC_GETTIMEOUT_K, &have) == -1 || have <= 0) {
			log_warn("watchdog: %s: no timeout set or known: not used", WATCHDOG_DEVICE);
			return -1;
		}
		log_warn("watchdog: %s refuses a %u s timeout: it keeps its %d s", WATCHDOG_DEVICE,
		    s, have);
		t = have;
	} else if (t != (int)s) {
		log_info("watchdog: %s rounds the timeout to %d s", WATCHDOG_DEVICE, t);
	}
	wd.wd_unpetted = 0;
	wd.wd_dev_timeout = t;
	return (t > (int)s ? t : (int)s) + WATCHDOG_DEVICE_GRACE;
}

/* Stops the device: the magic 'V' tells its driver the close is meant. */
static void
wd_device_close(void)
{
	int fd = wd.wd_fd;

	if (fd == -1)
		return;
	wd.wd_fd = -1;
	if (write(fd, "V", 1) != 1)
		log_warn("watchdog: %s: magic close", WATCHDOG_DEVICE);
	close(fd);
}

/*
 * Applies [appliance] watchdog: arms the tick (and in PID-1 mode the
 * device), or disarms both for "off".  Called at start and after a reload.
 */
void
watchdog_set(const struct pl_config *cfg)
{
	unsigned int s = cfg->appliance.ap_watchdog_s;
	struct itimerspec its;
	int reboot_at = (int)s;

	if (!wd.wd_timer_made)
		return;
	memset(&its, 0, sizeof(its));
	if (s == 0) {
		wd.wd_limit = 0;
		timer_settime(wd.wd_timer, 0, &its, NULL);
		wd_device_close();
		log_info("watchdog: off");
		return;
	}
	if (wd.wd_pid1) {
		if (wd.wd_fd == -1)
			wd_device_open();
		if (wd.wd_fd != -1 && (reboot_at = wd_device_timeout(s)) == -1) {
			wd_device_close();
			reboot_at = (int)s;
		}
	}
	wd.wd_idle = 0;
	wd.wd_round = 1;
	wd.wd_reboot_at = reboot_at;
	wd.wd_limit = (sig_atomic_t)s;
	its.it_value.tv_sec = WATCHDOG_TICK_S;
	its.it_interval.tv_sec = WATCHDOG_TICK_S;
	if (timer_settime(wd.wd_timer, 0, &its, NULL) == -1) {
		log_warn("watchdog: timer_settime: no watchdog");
		wd.wd_limit = 0;
		wd_device_close();
		return;
	}
	if (!wd.wd_pid1)
		log_info("watchdog: %u s without an event loop round aborts privlinkd", s);
	else
		log_info("watchdog: %u s without an event loop round resets the machine", s);
}

/*
 * Installs the tick and applies cfg.  0, or -1 (logged) when there is no
 * timer: the appliance then runs without a watchdog.
 */
int
watchdog_start(const struct pl_config *cfg)
{
	struct sigaction sa;
	struct sigevent sev;

	wd.wd_pid1 = getpid() == 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = wd_tick;
	sa.sa_flags = SA_RESTART;	/* the loop's system calls go on after a tick */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) == -1) {
		log_warn("watchdog: sigaction: no watchdog");
		return -1;
	}
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGALRM;
	if (timer_create(CLOCK_MONOTONIC, &sev, &wd.wd_timer) == -1) {
		log_warn("watchdog: timer_create: no watchdog");
		return -1;
	}
	wd.wd_timer_made = 1;
	watchdog_set(cfg);
	return 0;
}

/* A clean stop: no tick, and the device stopped, so that powering off or
 * idling after a failure is not taken for a stall. */
void
watchdog_stop(void)
{
	struct itimerspec its;

	if (!wd.wd_timer_made)
		return;
	wd.wd_limit = 0;
	memset(&its, 0, sizeof(its));
	timer_settime(wd.wd_timer, 0, &its, NULL);
	wd_device_close();
}

/* Once per loop round: the mark, and the device petted once a tick. */
void
watchdog_round(void)
{
	int fd = wd.wd_fd;

	wd.wd_round = 1;
	if (!wd.wd_pet_due || fd == -1)
		return;
	wd.wd_pet_due = 0;
	wd.wd_unpetted = 0;
	if (ioctl(fd, WDIOC_KEEPALIVE_K, 0) == -1) {
		if (!wd.wd_pet_failed)
			log_warn("watchdog: %s: keepalive", WATCHDOG_DEVICE);
		wd.wd_pet_failed = 1;
	} else {
		wd.wd_pet_failed = 0;
	}
}

/* epoll_wait's timeout: an idle loop still makes a round each tick. */
int
watchdog_wait_ms(void)
{
	return wd.wd_limit != 0 ? WATCHDOG_WAKE_MS : -1;
}

/*
 * The debug trigger of the watchdog test: with [appliance] debug_commands
 * = on, the loop spins here for ever (the console's debug-stall, SIGUSR2).
 * Neither is reachable from a network: the console is the serial line, a
 * signal needs the host.  With debug_commands off it only says so.
 */
void
watchdog_debug_stall(const struct pl_config *cfg, const char *from)
{
	volatile unsigned long spins = 0;

	if (!cfg->appliance.ap_debug_commands) {
		log_warnx("%s: ignored: the debug stall needs [appliance] debug_commands = on", from);
		return;
	}
	log_warnx("%s: debug: the event loop stalls now%s", from,
	    wd.wd_limit != 0 ? " (the watchdog restarts the appliance)" :
	    " (the watchdog is off: for ever)");
	for (;;)
		spins++;	/* volatile: the spin stays a spin */
}
