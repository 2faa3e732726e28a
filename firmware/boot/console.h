/*
 * Commands typed on the appliance's console (PID-1 mode).
 */
#ifndef PRIVLINK_CONSOLE_H
#define PRIVLINK_CONSOLE_H

#include "loop.h"

int console_input(struct pl_loop *lp, int fd);

#endif
