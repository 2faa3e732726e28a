/*
 * The ACPI power button: the kernel's button driver turns a press (QEMU's
 * system_powerdown, a hypervisor's "shut down") into a KEY_POWER input
 * event and does nothing else.  A child process of PID 1 watches the
 * button's event device and sends SIGTERM to PID 1, which stops cleanly and
 * powers off.  (ctrl-alt-del needs no watcher: with RB_DISABLE_CAD the
 * kernel sends SIGINT to PID 1.)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "pid1.h"

/* The kernel's struct input_event and codes (linux/input.h and
 * input-event-codes.h, which musl's include path lacks), on 64-bit. */
struct button_event {
	long		be_sec;
	long		be_usec;
	unsigned short	be_type;
	unsigned short	be_code;
	int		be_value;
};
#define BUTTON_EV_KEY		1
#define BUTTON_KEY_POWER	116

/* The /dev/input/eventN whose device is named "Power Button", or -1. */
static int
button_open(void)
{
	char path[PATH_MAX], name[64];
	struct dirent *d;
	int fd = -1;
	DIR *dp;

	dp = opendir("/sys/class/input");
	if (dp == NULL)
		return -1;
	while (fd == -1 && (d = readdir(dp)) != NULL) {
		FILE *f;

		if (strncmp(d->d_name, "event", 5) != 0)
			continue;
		snprintf(path, sizeof(path), "/sys/class/input/%s/device/name", d->d_name);
		f = fopen(path, "re");
		if (f == NULL)
			continue;
		if (fgets(name, sizeof(name), f) != NULL &&
		    strncmp(name, "Power Button", 12) == 0) {
			snprintf(path, sizeof(path), "/dev/input/%s", d->d_name);
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd == -1)
				log_warn("power button: %s", path);
		}
		fclose(f);
	}
	closedir(dp);
	return fd;
}

void
pid1_power_button(void)
{
	struct button_event ev;
	pid_t pid;
	int fd;

	fd = button_open();
	if (fd == -1) {
		log_warnx("power button: no ACPI power button: power off with SIGTERM or ctrl-alt-del");
		return;
	}
	pid = fork();
	if (pid == -1) {
		log_warn("power button: fork");
		close(fd);
		return;
	}
	if (pid != 0) {
		close(fd);
		log_info("power button: watched (pid %d)", (int)pid);
		return;
	}
	/* The child: never exit() (PID 1's atexit handler is inherited). */
	for (;;) {
		ssize_t n = read(fd, &ev, sizeof(ev));

		if (n == -1 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(ev)) {
			log_warn("power button: read");
			_exit(1);
		}
		if (ev.be_type == BUTTON_EV_KEY && ev.be_code == BUTTON_KEY_POWER && ev.be_value == 1) {
			log_info("power button pressed");
			kill(1, SIGTERM);
		}
	}
}
