/*
 * privlinkd as PID 1 (/init of the appliance image): the duties of an init
 * that only has to run privlinkd.  It mounts proc, sys, devtmpfs and a
 * tmpfs on /run, logs to the console, loads the kernel modules of the
 * initramfs (softdog only without another watchdog device), assembles the
 * drops (pid1_drops.c) and serves them.  A clean
 * stop (SIGTERM, SIGINT, ctrl-alt-del, the ACPI power button) powers the
 * machine off, and so does a fatal error, after saying why on the console:
 * PID 1 must never just exit (the kernel panics without a word).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "pid1.h"
#include "privlinkd.h"

#define PID1_MODDIR	"/lib/modules"
#define PID1_MAX_MODS	64
#define PID1_MAX_DEPS	16
/* Loaded only when no watchdog device came up with the other modules: the
 * kernel's software watchdog (see modules.list, watchdog.c). */
#define PID1_MOD_SOFTDOG	"softdog.ko"
#define PID1_WATCHDOG_DEV	"/dev/watchdog"

static void __attribute__((noreturn))
pid1_poweroff(void)
{
	log_info("powering off");
	sync();
	reboot(RB_POWER_OFF);
	/* Only reached if the kernel refused: never return from PID 1. */
	log_warn("reboot(RB_POWER_OFF)");
	for (;;)
		pause();
}

/* Whatever ends the process (fatal(), a return from main) powers off. */
static void
pid1_atexit(void)
{
	if (getpid() == 1)
		pid1_poweroff();
}

static void
pid1_mount(const char *src, const char *dir, const char *type, unsigned long flags,
    const char *data)
{
	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		fatal("mkdir %s", dir);
	if (mount(src, dir, type, flags, data) == -1 && errno != EBUSY)
		fatal("mount %s on %s", type, dir);
}

/* The kernel gives /init the console as fds 0-2 when the initramfs has
 * /dev/console; otherwise open it from devtmpfs. */
static void
pid1_console(void)
{
	int fd;

	if (fcntl(2, F_GETFD) != -1)
		return;
	fd = open("/dev/console", O_RDWR | O_NOCTTY);
	if (fd == -1)
		return;		/* nowhere to say anything: go on silently */
	for (int i = 0; i < 3; i++)
		if (fd != i)
			dup2(fd, i);
	if (fd > 2)
		close(fd);
}

static void
pid1_write_file(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd == -1 || write(fd, value, strlen(value)) == -1)
		log_warn("%s", path);
	if (fd != -1)
		close(fd);
}

struct pid1_mod {
	char	name[NAME_MAX + 1];
	int	deps[PID1_MAX_DEPS];
	int	n_deps;
	int	state;		/* 0 not yet, 1 loading, 2 loaded, 3 not loaded */
};

static int
pid1_mod_find(struct pid1_mod *mods, int *n, const char *name)
{
	for (int i = 0; i < *n; i++)
		if (strcmp(mods[i].name, name) == 0)
			return i;
	if (*n == PID1_MAX_MODS || strlen(name) > NAME_MAX)
		return -1;
	snprintf(mods[*n].name, sizeof(mods[*n].name), "%s", name);
	return (*n)++;
}

/* Loads module i after its dependencies (modules.dep lists a module's
 * dependencies with the ones loaded first at the end).  A module for
 * hardware this machine lacks (hv_vmbus outside Hyper-V) refuses with
 * ENODEV: said, not warned, and the modules needing it are left out. */
static int
pid1_mod_load(struct pid1_mod *mods, int i)
{
	char path[PATH_MAX];
	int fd;

	if (mods[i].state != 0)
		return mods[i].state == 2;
	mods[i].state = 1;
	for (int d = mods[i].n_deps - 1; d >= 0; d--) {
		if (!pid1_mod_load(mods, mods[i].deps[d])) {
			log_info("module %s: left out (it needs %s)", mods[i].name,
			    mods[mods[i].deps[d]].name);
			mods[i].state = 3;
			return 0;
		}
	}
	mods[i].state = 3;
	snprintf(path, sizeof(path), "%s/%s", PID1_MODDIR, mods[i].name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1) {
		log_warn("module %s", path);
		return 0;
	}
	if (syscall(SYS_finit_module, fd, "", 0) == -1 && errno != EEXIST) {
		if (errno == ENODEV)
			log_info("module %s: no such device here", mods[i].name);
		else
			log_warn("module %s: finit_module", mods[i].name);
	} else {
		mods[i].state = 2;
	}
	close(fd);
	return mods[i].state == 2;
}

/* Every module of PID1_MODDIR/modules.dep, dependencies first.  A module
 * that fails to load is reported; the others still load.  softdog comes
 * last and only if no watchdog driver made /dev/watchdog: a hypervisor's
 * device, when there is one, is the one privlinkd pets. */
static void
pid1_modules(void)
{
	static struct pid1_mod mods[PID1_MAX_MODS];
	char line[1024];
	int n = 0, loaded = 0;
	FILE *f;

	f = fopen(PID1_MODDIR "/modules.dep", "re");
	if (f == NULL) {
		log_warn("%s/modules.dep: no modules loaded", PID1_MODDIR);
		return;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *colon = strchr(line, ':'), *tok, *save;
		int m;

		if (colon == NULL)
			continue;
		*colon = '\0';
		m = pid1_mod_find(mods, &n, line);
		if (m < 0) {
			log_warnx("modules.dep: too many modules, %s left out", line);
			continue;
		}
		for (tok = strtok_r(colon + 1, " \t\n", &save); tok != NULL;
		    tok = strtok_r(NULL, " \t\n", &save)) {
			int d = pid1_mod_find(mods, &n, tok);

			if (d < 0 || mods[m].n_deps == PID1_MAX_DEPS) {
				log_warnx("modules.dep: %s: dependency %s left out", line, tok);
				continue;
			}
			mods[m].deps[mods[m].n_deps++] = d;
		}
	}
	fclose(f);
	for (int i = 0; i < n; i++)
		if (strcmp(mods[i].name, PID1_MOD_SOFTDOG) != 0)
			loaded += pid1_mod_load(mods, i);
	for (int i = 0; i < n; i++) {
		if (strcmp(mods[i].name, PID1_MOD_SOFTDOG) != 0)
			continue;
		if (access(PID1_WATCHDOG_DEV, F_OK) == 0) {
			log_info("module %s: left out (a watchdog device is there)", mods[i].name);
			continue;
		}
		loaded += pid1_mod_load(mods, i);
	}
	log_info("%d of %d kernel modules loaded from %s", loaded, n, PID1_MODDIR);
}

/* With the config refused or its NICs missing there is nothing to serve:
 * stay up, so the console shows why, until told to power off. */
static void __attribute__((noreturn))
pid1_idle(void)
{
	sigset_t mask;
	int sig;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	log_warnx("not serving: nothing is reachable through this appliance; "
	    "fix the drops and reboot");
	while (sigwait(&mask, &sig) != 0)
		;
	log_info("signal %d", sig);
	exit(0);
}

void
pid1_main(void)
{
	struct sigaction sa;
	const char *dir;
	int rc;

	pid1_console();
	if (atexit(pid1_atexit) != 0)
		log_warnx("atexit: a fatal error will not power off");
	log_init(0);
	log_info("PID 1: starting the appliance");

	/* Children (the power-button watcher) are reaped by the kernel. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sa.sa_flags = SA_NOCLDWAIT;
	if (sigaction(SIGCHLD, &sa, NULL) == -1)
		log_warn("sigaction SIGCHLD");
	/* ctrl-alt-del sends SIGINT to PID 1 instead of rebooting at once. */
	if (reboot(RB_DISABLE_CAD) == -1)
		log_warn("reboot(RB_DISABLE_CAD)");

	pid1_mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	pid1_mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	pid1_mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755");
	pid1_mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755");
	pid1_console();

	/* No IPv6 on any NIC, from the moment the driver creates it. */
	pid1_write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	pid1_write_file("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
	pid1_modules();
	pid1_power_button();

	dir = pid1_drops();
	if (dir == NULL)
		pid1_idle();
	rc = privlinkd_run(dir, NULL, STDIN_FILENO);
	if (rc != 0)
		pid1_idle();
	exit(0);
}
