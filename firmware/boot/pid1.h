/*
 * privlinkd as PID 1 of the appliance image (pid1.c, pid1_drops.c,
 * pid1_button.c).
 */
#ifndef PRIVLINK_PID1_H
#define PRIVLINK_PID1_H

/* The label of a config drive (a FAT file system holding drops). */
#define PID1_CONFIG_LABEL	"PRIVLINK"

void pid1_main(void) __attribute__((noreturn));
const char *pid1_drops(void);
void pid1_power_button(void);

#endif
