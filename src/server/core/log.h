/*
 * log.h -- the one error vocabulary of keochatd's process code.
 *
 * log_warn appends strerror(errno); the *x variants do not.  fatal and
 * fatalx log and exit(1).  Shared (pure) code never calls these.  State is
 * one per-process static: target, level, facility and the process name.
 */
#ifndef KEO_LOG_H
#define KEO_LOG_H

#include <stdarg.h>

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARNING, LOG_LVL_INFO,
	LOG_LVL_DEBUG };

/* to_syslog: 0 stderr, 1 syslog(3) with facility.  level: enum log_level. */
void	log_init(int to_syslog, int facility, int level);
void	log_setlevel(int level);
int	log_getlevel(void);
/* The process label put before each message ("master", "worker 2"). */
void	log_procname(const char *name);

void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
