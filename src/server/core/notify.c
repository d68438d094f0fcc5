/*
 * notify.c -- see notify.h.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "log.h"
#include "notify.h"

#ifndef HAVE_LIBSYSTEMD
static int
notify_raw(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun;
	socklen_t sl;
	size_t n;
	int fd, rc;

	if (path == NULL || (path[0] != '/' && path[0] != '@'))
		return 0;
	if ((n = strlen(path)) >= sizeof(sun.sun_path))
		return -1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, n);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	sl = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	rc = sendto(fd, msg, strlen(msg), MSG_NOSIGNAL,
	    (struct sockaddr *)&sun, sl) == -1 ? -1 : 1;
	close(fd);
	return rc;
}
#endif

void
notify(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
#ifdef HAVE_LIBSYSTEMD
	rc = sd_notify(0, msg);
	if (rc < 0)
		errno = -rc;
#else
	rc = notify_raw(msg);
#endif
	if (rc < 0)
		log_warn("sd_notify(%s)", msg);
}

/* Which of the passed sockets LISTEN_FDNAMES ("a:b:c") names "tls". */
static unsigned long long
tls_names(const char *names)
{
	unsigned long long mask = 0;
	unsigned i = 0;
	size_t n;

	while (names != NULL && *names != '\0' && i < 64) {
		n = strcspn(names, ":");
		if (n == 3 && strncmp(names, "tls", 3) == 0)
			mask |= 1ULL << i;
		names += n;
		if (*names == ':')
			names++;
		i++;
	}
	return mask;
}

int
notify_listen_fds(unsigned long long *tls)
{
	const char *names = getenv("LISTEN_FDNAMES");

	*tls = 0;
#ifdef HAVE_LIBSYSTEMD
	int n;

	*tls = tls_names(names);	/* read before sd_listen_fds unsets it */
	n = sd_listen_fds(1);
	if (n < 0) {
		errno = -n;
		log_warn("sd_listen_fds");
		return 0;
	}
	return n;
#else
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	long n = 0;

	if (pid != NULL && fds != NULL && atol(pid) == (long)getpid()) {
		n = atol(fds);
		*tls = tls_names(names);
	}
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return n > 0 && n < 64 ? (int)n : 0;
#endif
}
