/*
 * Commands typed on the appliance's console (PID-1 mode only).
 *
 * The serial console is the one channel every hypervisor gives an
 * operator (virsh console, Proxmox's xterm.js, Azure's serial console, a
 * Hyper-V COM pipe), and the image has no shell: a few commands there
 * show the appliance's state without a management network.  The console
 * is read in the kernel's canonical mode, so a read after readiness gets
 * one whole line (the kernel echoes and edits it) and never blocks.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "console.h"
#include "log.h"
#include "state_debug.h"
#include "status.h"
#include "text.h"
#include "watchdog.h"

#define CONSOLE_LINE_MAX	256
/* Of an unknown command, this much is shown. */
#define CONSOLE_CMD_SHOWN	32

static void
console_help(void)
{
	printf("commands:\n"
	    "  status   the JSON status (as privlinkd -s FILE writes it), between\n"
	    "           '--- status ---' and '--- end ---' lines\n"
	    "  help     this list\n"
	    "  debug-stall  stall the event loop (a watchdog test; needs\n"
	    "           [appliance] debug_commands = on)\n"
	    "  debug-state-put ENDPOINT STATE [PAD_KB]  commit an approval through the\n"
	    "           state disk (a persistence test; needs debug_commands = on)\n");
}

/* Runs one command line (without its newline). */
static void
console_command(struct pl_loop *lp, char *line)
{
	char *cmd, *args;

	line[strcspn(line, "\r\n")] = '\0';
	cmd = line + strspn(line, " \t");
	args = cmd + strcspn(cmd, " \t");
	if (*args != '\0')
		*args++ = '\0';
	if (*cmd == '\0')
		return;
	if (strcmp(cmd, "status") == 0) {
		printf("--- status ---\n");
		status_json(lp, stdout);
		printf("--- end ---\n");
	} else if (strcmp(cmd, "help") == 0) {
		console_help();
	} else if (strcmp(cmd, "debug-stall") == 0) {
		fflush(stdout);
		watchdog_debug_stall(lp->lp_cfg, "console debug-stall");
	} else if (strcmp(cmd, "debug-state-put") == 0) {
		state_debug_put(lp, args);
	} else {
		/* The line is echoed back: escaped, as in the log (text.c). */
		char shown[TEXT_ESCAPED_MAX(CONSOLE_CMD_SHOWN)];

		text_escape(shown, sizeof(shown), cmd, strnlen(cmd, CONSOLE_CMD_SHOWN));
		printf("unknown command '%s': try help\n", shown);
	}
	fflush(stdout);
}

/*
 * Reads what the console has.  0, or -1 when the console is gone (end of
 * file or an error, logged): the caller stops watching it.
 */
int
console_input(struct pl_loop *lp, int fd)
{
	char line[CONSOLE_LINE_MAX];
	ssize_t n;

	n = read(fd, line, sizeof(line) - 1);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		if (n == -1)
			log_warn("console: read");
		else
			log_warnx("console: end of input, no more commands");
		return -1;
	}
	line[n] = '\0';
	if (n == (ssize_t)sizeof(line) - 1 && line[n - 1] != '\n') {
		/* The rest of an overlong line comes in the next read. */
		printf("console: a line of at most %d characters, please\n",
		    CONSOLE_LINE_MAX - 2);
		fflush(stdout);
		return 0;
	}
	console_command(lp, line);
	return 0;
}
