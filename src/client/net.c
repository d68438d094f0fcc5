/*
 * net.c -- see net.h.  Owns struct net.  Name resolution runs in glibc's
 * getaddrinfo_a helper thread, which never touches a widget: the UI polls
 * it from a timer.  Connect tries every address the resolver returned, in
 * order, and reports the last error ("Connection refused").
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fifo.h"
#include "net.h"

struct net {
	enum net_state	 state;
	int		 fd;
	struct gaicb	 gcb;
	struct addrinfo	 hints;
	struct addrinfo	*ai, *next;
	char		 host[256], port[16];
	struct fifo	 q;		/* bytes for the server */
	int		 lasterr;
};

struct net *
net_new(void)
{
	struct net *n = calloc(1, sizeof(*n));

	if (n == NULL)
		abort();
	n->fd = -1;
	return n;
}

void
net_free(struct net *n)
{
	net_close(n);
	fifo_release(&n->q);
	free(n);
}

int
net_split(const char *spec, char *host, size_t hostsz, char *port,
    size_t portsz, char *err, size_t errsz)
{
	const char *h = spec, *colon, *hend;
	size_t hl;

	while (*h == ' ')
		h++;
	if (*h == '[') {
		if ((hend = strchr(h, ']')) == NULL) {
			snprintf(err, errsz, "'%s': missing ']'", spec);
			return -1;
		}
		h++;
		colon = hend[1] == ':' ? hend + 1 : NULL;
		if (hend[1] != '\0' && hend[1] != ':') {
			snprintf(err, errsz, "'%s' is not HOST:PORT", spec);
			return -1;
		}
	} else {
		colon = strrchr(h, ':');
		if (colon != NULL && strchr(h, ':') != colon)
			colon = NULL;	/* a bare IPv6 address */
		hend = colon ? colon : h + strlen(h);
	}
	while (hend > h && hend[-1] == ' ')
		hend--;
	hl = (size_t)(hend - h);
	if (hl == 0) {
		snprintf(err, errsz, "no server given: type HOST:PORT, e.g. "
		    "localhost:6667");
		return -1;
	}
	if (hl >= hostsz) {
		snprintf(err, errsz, "server name too long");
		return -1;
	}
	memcpy(host, h, hl);
	host[hl] = '\0';
	if (colon == NULL || colon[1] == '\0')
		snprintf(port, portsz, "%s", NET_DEFAULT_PORT);
	else {
		char *end;
		long p = strtol(colon + 1, &end, 10);
		if (*end != '\0' || p <= 0 || p > 65535) {
			snprintf(err, errsz, "'%s' is not a port number",
			    colon + 1);
			return -1;
		}
		snprintf(port, portsz, "%ld", p);
	}
	return 0;
}

int
net_start(struct net *n, const char *spec, char *err, size_t errsz)
{
	struct gaicb *list[1];
	int rc;

	net_close(n);
	if (net_split(spec, n->host, sizeof(n->host), n->port,
	    sizeof(n->port), err, errsz) == -1)
		return -1;
	memset(&n->gcb, 0, sizeof(n->gcb));
	memset(&n->hints, 0, sizeof(n->hints));
	n->hints.ai_socktype = SOCK_STREAM;
	n->hints.ai_flags = AI_ADDRCONFIG;
	n->gcb.ar_name = n->host;
	n->gcb.ar_service = n->port;
	n->gcb.ar_request = &n->hints;
	list[0] = &n->gcb;
	if ((rc = getaddrinfo_a(GAI_NOWAIT, list, 1, NULL)) != 0) {
		snprintf(err, errsz, "cannot resolve %s: %s", n->host,
		    gai_strerror(rc));
		return -1;
	}
	n->state = NET_RESOLVING;
	n->lasterr = 0;
	return 0;
}

enum net_state
net_state(const struct net *n)
{
	return n->state;
}

int
net_fd(const struct net *n)
{
	return n->fd;
}

/* Start a connect to the next address; 1 started, -1 none left. */
static int
try_next(struct net *n)
{
	int fd, one = 1;

	for (; n->next != NULL; n->next = n->next->ai_next) {
		fd = socket(n->next->ai_family, n->next->ai_socktype |
		    SOCK_NONBLOCK | SOCK_CLOEXEC, n->next->ai_protocol);
		if (fd == -1) {
			n->lasterr = errno;
			continue;
		}
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
		if (connect(fd, n->next->ai_addr, n->next->ai_addrlen) == 0 ||
		    errno == EINPROGRESS) {
			n->fd = fd;
			n->next = n->next->ai_next;
			n->state = NET_CONNECTING;
			return 1;
		}
		n->lasterr = errno;
		close(fd);
	}
	return -1;
}

static int
fail(struct net *n, char *err, size_t errsz)
{
	snprintf(err, errsz, "%s", strerror(n->lasterr ? n->lasterr :
	    ECONNREFUSED));
	net_close(n);
	return -1;
}

int
net_resolve_poll(struct net *n, char *err, size_t errsz)
{
	int rc;

	if (n->state != NET_RESOLVING)
		return -1;
	rc = gai_error(&n->gcb);
	if (rc == EAI_INPROGRESS)
		return 0;
	if (rc != 0) {
		snprintf(err, errsz, "cannot resolve %s: %s", n->host,
		    gai_strerror(rc));
		n->state = NET_IDLE;
		return -1;
	}
	n->ai = n->next = n->gcb.ar_result;
	n->gcb.ar_result = NULL;
	if (try_next(n) == -1)
		return fail(n, err, errsz);
	return 1;
}

int
net_connect_done(struct net *n, char *err, size_t errsz)
{
	socklen_t sl = sizeof(int);
	int e = 0;

	if (n->state != NET_CONNECTING)
		return -1;
	if (getsockopt(n->fd, SOL_SOCKET, SO_ERROR, &e, &sl) == -1)
		e = errno;
	if (e == 0) {
		n->state = NET_UP;
		return 1;
	}
	n->lasterr = e;
	close(n->fd);
	n->fd = -1;
	if (try_next(n) == 1)
		return 0;
	return fail(n, err, errsz);
}

ssize_t
net_read(struct net *n, char *buf, size_t bufsz, char *err, size_t errsz)
{
	ssize_t r;

	do
		r = read(n->fd, buf, bufsz);
	while (r == -1 && errno == EINTR);
	if (r >= 0)
		return r;
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return -2;
	snprintf(err, errsz, "%s", strerror(errno));
	return -1;
}

int
net_queue(struct net *n, const char *p, size_t len)
{
	if (fifo_used(&n->q) + len > NET_OUTQ_MAX)
		return -1;
	return fifo_add(&n->q, p, len, 4096);
}

int
net_pending(const struct net *n)
{
	return fifo_used(&n->q) > 0;
}

int
net_flush(struct net *n, char *err, size_t errsz)
{
	ssize_t w;

	while (n->state == NET_UP && fifo_used(&n->q) > 0) {
		w = send(n->fd, fifo_head(&n->q), fifo_used(&n->q),
		    MSG_NOSIGNAL);
		if (w > 0) {
			fifo_consume(&n->q, (size_t)w);
			continue;
		}
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 1;
		snprintf(err, errsz, "%s", strerror(errno));
		return -1;
	}
	return 0;
}

void
net_close(struct net *n)
{
	if (n->state == NET_RESOLVING) {
		if (gai_cancel(&n->gcb) != EAI_CANCELED) {
			/* it finished or is finishing: wait, then free */
			const struct gaicb *l[1] = { &n->gcb };
			while (gai_error(&n->gcb) == EAI_INPROGRESS)
				gai_suspend(l, 1, NULL);
		}
		if (n->gcb.ar_result != NULL)
			freeaddrinfo(n->gcb.ar_result);
		n->gcb.ar_result = NULL;
	}
	if (n->fd >= 0)
		close(n->fd);
	n->fd = -1;
	if (n->ai != NULL)
		freeaddrinfo(n->ai);
	n->ai = n->next = NULL;
	fifo_consume(&n->q, fifo_used(&n->q));
	n->state = NET_IDLE;
}
