/*
 * listen.c -- see listen.h.  "[::]:PORT" and "*:PORT" give one dual-stack
 * IPv6 socket (IPV6_V6ONLY off), falling back to 0.0.0.0 where IPv6 is
 * missing; the backlog is 1024 (the kernel caps it at somaxconn).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "listen.h"
#include "log.h"
#include "notify.h"

#define BACKLOG	1024

void
listen_name(int fd, char *buf, size_t bufsz)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[INET6_ADDRSTRLEN];

	memset(&ss, 0, sizeof(ss));
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == -1) {
		snprintf(buf, bufsz, "fd %d", fd);
		return;
	}
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (void *)&ss;
		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		snprintf(buf, bufsz, "[%s]:%u", host, ntohs(s6->sin6_port));
	} else if (ss.ss_family == AF_INET) {
		struct sockaddr_in *s4 = (void *)&ss;
		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		snprintf(buf, bufsz, "%s:%u", host, ntohs(s4->sin_port));
	} else
		snprintf(buf, bufsz, "fd %d", fd);
}

static int
bind_one(const struct addrinfo *ai, char *err, size_t errsz, const char *what)
{
	int fd, one = 1, zero = 0;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, ai->ai_protocol);
	if (fd == -1) {
		snprintf(err, errsz, "cannot listen on %s: socket: %s", what,
		    strerror(errno));
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1)
		log_warn("SO_REUSEADDR on %s", what);
	if (ai->ai_family == AF_INET6 &&
	    IN6_IS_ADDR_UNSPECIFIED(&((struct sockaddr_in6 *)
	    (void *)ai->ai_addr)->sin6_addr) &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) == -1)
		log_warn("IPV6_V6ONLY off on %s", what);
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 ||
	    listen(fd, BACKLOG) == -1) {
		snprintf(err, errsz, "cannot listen on %s: %s", what,
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int
open_addr(const char *spec, char *err, size_t errsz)
{
	struct addrinfo hints, *res = NULL;
	char host[CONF_ADDR_MAX], port[8];
	unsigned p;
	int rc, fd;

	if (config_split_addr(spec, host, sizeof(host), &p) == -1) {
		snprintf(err, errsz, "listen: '%s' is not ADDR:PORT", spec);
		return -1;
	}
	snprintf(port, sizeof(port), "%u", p);
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if (host[0] == '\0' || strcmp(host, "::") == 0) {
		hints.ai_family = AF_INET6;
		rc = getaddrinfo("::", port, &hints, &res);
		if (rc == 0 && (fd = bind_one(res, err, errsz, spec)) >= 0) {
			freeaddrinfo(res);
			return fd;
		}
		if (rc == 0)
			freeaddrinfo(res);
		res = NULL;
		if (errno != EAFNOSUPPORT && rc == 0)
			return -1;
		hints.ai_family = AF_INET;	/* no IPv6 on this host */
		rc = getaddrinfo("0.0.0.0", port, &hints, &res);
	} else {
		hints.ai_family = AF_UNSPEC;
		rc = getaddrinfo(host, port, &hints, &res);
	}
	if (rc != 0) {
		snprintf(err, errsz, "cannot listen on %s: %s", spec,
		    gai_strerror(rc));
		return -1;
	}
	fd = bind_one(res, err, errsz, spec);
	freeaddrinfo(res);
	return fd;
}

static int
from_systemd(int n, int *fds, int max, char *err, size_t errsz)
{
	struct stat st;
	int i, fd, fl;

	if (n > max) {
		snprintf(err, errsz, "systemd passed %d sockets, at most %d "
		    "are supported", n, max);
		return -1;
	}
	for (i = 0; i < n; i++) {
		fd = 3 + i;
		if (fstat(fd, &st) == -1 || !S_ISSOCK(st.st_mode)) {
			snprintf(err, errsz, "systemd passed fd %d, which is "
			    "not a socket", fd);
			return -1;
		}
		if ((fl = fcntl(fd, F_GETFL)) == -1 ||
		    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1 ||
		    fcntl(fd, F_SETFD, FD_CLOEXEC) == -1) {
			snprintf(err, errsz, "fcntl on fd %d: %s", fd,
			    strerror(errno));
			return -1;
		}
		fds[i] = fd;
	}
	return n;
}

/* Bind the n addresses of one kind after the *k sockets already open;
 * 0, or -1 with err (*k counts what is open either way). */
static int
bind_all(const char (*addrs)[CONF_ADDR_MAX], unsigned n, int is_tls, int *fds,
    unsigned char *tls, int *k, int max, char *err, size_t errsz)
{
	char name[96];
	unsigned i;

	for (i = 0; i < n; i++) {
		if (*k == max) {
			snprintf(err, errsz, "more than %d listening sockets",
			    max);
			return -1;
		}
		if ((fds[*k] = open_addr(addrs[i], err, errsz)) == -1)
			return -1;
		tls[*k] = (unsigned char)is_tls;
		listen_name(fds[*k], name, sizeof(name));
		if (is_tls)
			log_info("listening for TLS on %s", name);
		else
			log_info("listening on %s", name);
		(*k)++;
	}
	return 0;
}

int
listen_open(const struct config *cfg, int *fds, unsigned char *tls, int max,
    char *err, size_t errsz)
{
	unsigned long long tlsmask = 0;
	int n = notify_listen_fds(&tlsmask), i, k, have_plain = 0, have_tls = 0;
	char name[96];

	if (n > 0 && (n = from_systemd(n, fds, max, err, errsz)) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		tls[i] = (tlsmask >> i) & 1;
		have_tls |= tls[i];
		have_plain |= !tls[i];
		listen_name(fds[i], name, sizeof(name));
		log_info("listening %son %s (from systemd)", tls[i] ? "for TLS "
		    : "", name);
	}
	k = n;
	if ((!have_plain && bind_all(cfg->listen, cfg->nlisten, 0, fds, tls,
	    &k, max, err, errsz) == -1) || (!have_tls &&
	    bind_all(cfg->tls_listen, cfg->ntls_listen, 1, fds, tls, &k, max,
	    err, errsz) == -1)) {
		for (i = n; i < k; i++)
			(void)close(fds[i]);
		return -1;
	}
	return k;
}
