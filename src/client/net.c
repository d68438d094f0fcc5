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

#include <arpa/inet.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

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
	SSL_CTX		*ctx;		/* TLS: made once, kept */
	SSL		*ssl;		/* this link's, NULL: plain text */
	int		 hs_done;
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
	SSL_CTX_free(n->ctx);
	free(n);
}

static void
ssl_error(char *err, size_t errsz, const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[256];

	if (e != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		snprintf(err, errsz, "%s: %s", what, ERR_reason_error_string(e) ?
		    ERR_reason_error_string(e) : buf);
	} else
		snprintf(err, errsz, "%s: %s", what, errno ? strerror(errno) :
		    "the connection closed");
	ERR_clear_error();
}

int
net_tls_begin(struct net *n, const char *certfile, char *err, size_t errsz)
{
	unsigned char a[16];

	if (n->ctx == NULL) {
		if ((n->ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
			ssl_error(err, errsz, "TLS");
			return -1;
		}
		(void)SSL_CTX_set_min_proto_version(n->ctx, TLS1_2_VERSION);
		SSL_CTX_set_mode(n->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
		    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
		/* verified after the handshake, so that a certificate the
		 * system does not trust can be shown and asked about */
		SSL_CTX_set_verify(n->ctx, SSL_VERIFY_NONE, NULL);
		if (SSL_CTX_set_default_verify_paths(n->ctx) != 1)
			ERR_clear_error();
	}
	if (certfile != NULL && certfile[0] != '\0' &&
	    (SSL_CTX_use_certificate_chain_file(n->ctx, certfile) != 1 ||
	    SSL_CTX_use_PrivateKey_file(n->ctx, certfile, SSL_FILETYPE_PEM) !=
	    1)) {
		ssl_error(err, errsz, certfile);
		return -1;
	}
	if ((n->ssl = SSL_new(n->ctx)) == NULL || SSL_set_fd(n->ssl, n->fd) !=
	    1) {
		ssl_error(err, errsz, "TLS");
		return -1;
	}
	/* the name to check: an address, or a host name (and SNI) */
	if (inet_pton(AF_INET, n->host, a) == 1 ||
	    inet_pton(AF_INET6, n->host, a) == 1)
		(void)X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(n->ssl),
		    n->host);
	else {
		(void)SSL_set1_host(n->ssl, n->host);
		(void)SSL_set_tlsext_host_name(n->ssl, n->host);
	}
	SSL_set_connect_state(n->ssl);
	n->hs_done = 0;
	return 0;
}

int
net_tls_handshake(struct net *n, int *want_write, char *err, size_t errsz)
{
	int r;

	*want_write = 0;
	ERR_clear_error();
	errno = 0;
	if ((r = SSL_do_handshake(n->ssl)) == 1) {
		n->hs_done = 1;
		return 1;
	}
	switch (SSL_get_error(n->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		return 0;
	case SSL_ERROR_WANT_WRITE:
		*want_write = 1;
		return 0;
	default:
		ssl_error(err, errsz, "TLS handshake");
		return -1;
	}
}

int
net_tls_peer(struct net *n, char fp[65], char *why, size_t whysz)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;
	X509 *x;
	long v;

	fp[0] = '\0';
	if ((x = SSL_get0_peer_certificate(n->ssl)) == NULL) {
		snprintf(why, whysz, "the server sent no certificate");
		return 0;
	}
	if (X509_digest(x, EVP_sha256(), md, &len) == 1 && len == 32)
		for (i = 0; i < len; i++)
			snprintf(fp + 2 * i, 3, "%02x", md[i]);
	if ((v = SSL_get_verify_result(n->ssl)) == X509_V_OK)
		return 1;
	snprintf(why, whysz, "%s", X509_verify_cert_error_string(v));
	return 0;
}

int
net_is_tls(const struct net *n)
{
	return n->ssl != NULL;
}

const char *
net_tls_describe(const struct net *n)
{
	return n->ssl != NULL && n->hs_done ? SSL_get_version(n->ssl) : NULL;
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

	if (n->ssl != NULL) {
		int k;
		ERR_clear_error();
		errno = 0;
		if ((k = SSL_read(n->ssl, buf, bufsz > 65536 ? 65536 :
		    (int)bufsz)) > 0)
			return k;
		switch (SSL_get_error(n->ssl, k)) {
		case SSL_ERROR_WANT_READ:
		case SSL_ERROR_WANT_WRITE:
			return -2;
		case SSL_ERROR_ZERO_RETURN:
			return 0;
		case SSL_ERROR_SYSCALL:
			if (errno == 0)
				return 0;
			/* FALLTHROUGH */
		default:
			ssl_error(err, errsz, "TLS");
			return -1;
		}
	}
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
		if (n->ssl != NULL) {
			int k, len = fifo_used(&n->q) > 16384 ? 16384 :
			    (int)fifo_used(&n->q);
			if (!n->hs_done)
				return 1;
			ERR_clear_error();
			if ((k = SSL_write(n->ssl, fifo_head(&n->q), len)) > 0) {
				fifo_consume(&n->q, (size_t)k);
				continue;
			}
			k = SSL_get_error(n->ssl, k);
			if (k == SSL_ERROR_WANT_WRITE ||
			    k == SSL_ERROR_WANT_READ)
				return 1;
			ssl_error(err, errsz, "TLS");
			return -1;
		}
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
	if (n->ssl != NULL) {
		if (n->hs_done)
			(void)SSL_shutdown(n->ssl);
		SSL_free(n->ssl);
		n->ssl = NULL;
		ERR_clear_error();
	}
	n->hs_done = 0;
	if (n->fd >= 0)
		close(n->fd);
	n->fd = -1;
	if (n->ai != NULL)
		freeaddrinfo(n->ai);
	n->ai = n->next = NULL;
	fifo_consume(&n->q, fifo_used(&n->q));
	n->state = NET_IDLE;
}
