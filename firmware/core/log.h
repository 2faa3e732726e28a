/*
 * Logging to stderr (the serial console in the image).  log_warn appends
 * strerror(errno); log_warnx does not.  fatal (with strerror(errno)) exits:
 * use it only before the event loop starts.  errno is preserved by all.
 */
#ifndef PRIVLINK_LOG_H
#define PRIVLINK_LOG_H

void log_init(int debug);
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
