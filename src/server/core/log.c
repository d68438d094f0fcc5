/*
 * log.c -- stderr or syslog logging for every keochatd process.
 *
 * On stderr a line reads "keochatd[PID]: PROC: message" (journald adds the
 * time); under syslog the same text goes out with the matching priority.
 * errno is preserved across every call.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"

static struct {
	int	 to_syslog;
	int	 level;
	char	 proc[32];
} L = { 0, LOG_LVL_INFO, "keochatd" };

void
log_init(int to_syslog, int facility, int level)
{
	if (L.to_syslog && !to_syslog)
		closelog();
	L.to_syslog = to_syslog;
	L.level = level;
	if (to_syslog)
		openlog("keochatd", LOG_PID | LOG_NDELAY, facility);
}

void
log_setlevel(int level)
{
	L.level = level;
}

int
log_getlevel(void)
{
	return L.level;
}

void
log_procname(const char *name)
{
	snprintf(L.proc, sizeof(L.proc), "%s", name);
}

static void vlog(int, int, const char *, va_list)
	__attribute__((format(printf, 3, 0)));

static void
vlog(int lvl, int with_errno, const char *fmt, va_list ap)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	char msg[1024];
	int saved = errno, n;

	if (lvl > L.level)
		return;
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (with_errno && n >= 0 && (size_t)n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - (size_t)n, ": %s",
		    strerror(saved));
	if (L.to_syslog)
		syslog(prio[lvl], "%s: %s", L.proc, msg);
	else
		fprintf(stderr, "keochatd[%ld]: %s: %s\n", (long)getpid(),
		    L.proc, msg);
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_WARNING, 1, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_WARNING, 0, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_INFO, 0, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_DEBUG, 0, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_ERROR, 1, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_ERROR, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
