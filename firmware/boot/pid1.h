/*
 * privlinkd as PID 1 of the appliance image (pid1.c, pid1_drops.c,
 * pid1_button.c) and the one entry of main.c it shares.
 */
#ifndef PRIVLINK_PID1_H
#define PRIVLINK_PID1_H

/* The label of a config drive (a FAT file system holding drops). */
#define PID1_CONFIG_LABEL	"PRIVLINK"

void pid1_main(void) __attribute__((noreturn));
const char *pid1_drops(void);
void pid1_power_button(void);

/* main.c: load the drops of dir and serve them until SIGTERM/SIGINT;
 * 0 after a clean stop, 1 (after saying why) if it cannot serve. */
int privlinkd_run(const char *dir, const char *status, int console);

#endif
