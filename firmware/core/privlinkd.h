/*
 * The daemon's body (privlinkd.c), called by main.c and by pid1.c.
 */
#ifndef PRIVLINK_PRIVLINKD_H
#define PRIVLINK_PRIVLINKD_H

#include <stdint.h>

struct pl_config;

/* The drops of dir, checked whole, and the digest of their files; NULL
 * after listing their errors on stderr.  The caller frees it. */
struct pl_config *privlinkd_load(const char *dir, uint8_t digest[static 32]);

/* Load the drops of dir and serve them until SIGTERM/SIGINT; status is
 * the -s file or NULL, console an fd to take commands from or -1.  0
 * after a clean stop, 1 (after saying why) if it cannot serve. */
int privlinkd_run(const char *dir, const char *status, int console);

#endif
