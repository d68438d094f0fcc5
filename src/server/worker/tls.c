/*
 * tls.c -- see tls.h.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "client.h"
#include "ctx.h"
#include "log.h"
#include "roster.h"
#include "tls.h"
#include "tlsfile.h"

#define RECORD_MAX	16384		/* plaintext bytes per TLS record */

struct tls_server {
	SSL_CTX		*ctx;
	char		 fp[TLS_FP_HEX];
	unsigned	 port;		/* of the first TLS listener */
};

enum tls_state {
	TLS_PEEK,		/* nothing read yet: is it TLS at all? */
	TLS_HANDSHAKE,
	TLS_OPEN,
	TLS_DEAD,		/* failed or closed: no more I/O through SSL */
};

struct tls_conn {
	SSL		*ssl;
	uint8_t		 state;		/* enum tls_state */
	uint8_t		 has_fp;
	uint8_t		 fp[32];	/* client certificate SHA-256 */
};

static struct tls_server TS;

/* --- the context ----------------------------------------------------------- */

static SSL_CTX *
load(char *err, size_t errsz)
{
	char cert[CONF_FILE_MAX + 32], key[CONF_FILE_MAX + 32];
	SSL_CTX *ctx;

	tlsfile_paths(&kd.cfg, kd.state_dir, cert, key);
	ctx = tlsfile_server_ctx(&kd.cfg, cert, key, TS.fp, err, errsz);
	/* the master's ticket keys: a session resumes on any worker */
	if (ctx != NULL && SSL_CTX_set_tlsext_ticket_keys(ctx, kd.ticket_keys,
	    sizeof(kd.ticket_keys)) != 1)
		log_warnx("TLS session ticket keys not set: sessions resume "
		    "on the worker that made them only");
	return ctx;
}

void
tls_init(void)
{
	char err[768];
	int i, any = 0;

	for (i = 0; i < kd.nlisten; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);

		memset(&ss, 0, sizeof(ss));
		if (!kd.listen_tls[i])
			continue;
		if (!any++ && getsockname(kd.listen_fds[i],
		    (struct sockaddr *)&ss, &sl) == 0)
			TS.port = ntohs(ss.ss_family == AF_INET6 ?
			    ((struct sockaddr_in6 *)(void *)&ss)->sin6_port :
			    ((struct sockaddr_in *)(void *)&ss)->sin_port);
	}
	if (!any)
		return;
	if ((TS.ctx = load(err, sizeof(err))) == NULL)
		fatalx("%s", err);
	kd.tls = &TS;
}

void
tls_reload(void)
{
	SSL_CTX *nctx;
	char err[768], fp[TLS_FP_HEX];

	if (kd.tls == NULL)
		return;
	memcpy(fp, TS.fp, sizeof(fp));
	if ((nctx = load(err, sizeof(err))) == NULL) {
		memcpy(TS.fp, fp, sizeof(fp));
		log_warnx("%s; keeping the certificate in use", err);
		return;
	}
	SSL_CTX_free(TS.ctx);	/* live links hold their own reference */
	TS.ctx = nctx;
	if (strcmp(fp, TS.fp) != 0)
		log_info("TLS certificate replaced (SHA-256 fingerprint %s)",
		    TS.fp);
	else
		log_debug("TLS certificate re-read, unchanged");
}

unsigned
tls_port(void)
{
	return TS.port;
}

void
tls_free(void)
{
	SSL_CTX_free(TS.ctx);
	TS.ctx = NULL;
	kd.tls = NULL;
}

/* --- one connection -------------------------------------------------------- */

static int
tls_open(struct client *c)
{
	struct tls_conn *t;

	if (TS.ctx == NULL || (t = calloc(1, sizeof(*t))) == NULL)
		return -1;
	if ((t->ssl = SSL_new(TS.ctx)) == NULL || SSL_set_fd(t->ssl, c->fd)
	    != 1) {
		SSL_free(t->ssl);
		free(t);
		ERR_clear_error();
		return -1;
	}
	SSL_set_accept_state(t->ssl);
	c->tls = t;
	return 0;
}

static int
tls_ready(const struct client *c)
{
	return c->tls != NULL && c->tls->state == TLS_OPEN;
}

const uint8_t *
tls_certfp(const struct client *c)
{
	return c->tls != NULL && c->tls->has_fp ? c->tls->fp : NULL;
}

const char *
tls_describe(const struct client *c, char *buf, size_t bufsz)
{
	if (!tls_ready(c))
		return NULL;
	snprintf(buf, bufsz, "%s %s", SSL_get_version(c->tls->ssl),
	    SSL_get_cipher_name(c->tls->ssl));
	return buf;
}

/* The handshake is done: note the client certificate, mark the user +Z. */
static void
established(struct client *c)
{
	struct tls_conn *t = c->tls;
	unsigned char md[32];
	unsigned int n = 0;
	X509 *x;
	char how[96];

	t->state = TLS_OPEN;
	if ((x = SSL_get0_peer_certificate(t->ssl)) != NULL &&
	    X509_digest(x, EVP_sha256(), md, &n) == 1 && n == sizeof(t->fp)) {
		memcpy(t->fp, md, sizeof(t->fp));
		t->has_fp = 1;
	}
	ctx_roster_lock();
	roster_user_set_flag(kd.roster, c->slot, ROSTER_UF_SECURE, 1);
	if (t->has_fp)
		memcpy(roster_user_ext(kd.roster, c->slot)->certfp, t->fp,
		    sizeof(t->fp));
	ctx_roster_unlock();
	c->umodes |= ROSTER_UF_SECURE;
	log_debug("TLS from %s: %s%s", c->host, tls_describe(c, how,
	    sizeof(how)), t->has_fp ? ", with a client certificate" : "");
	/* output queued during the handshake goes now */
	if (c->flags & CF_WBLOCK) {
		c->flags &= ~(uint32_t)CF_WBLOCK;
		(void)client_flush(c);
	}
}

/* The link is unusable: nothing more goes through SSL, not even ERROR. */
static void
fail(struct client *c, const char *reason)
{
	c->tls->state = TLS_DEAD;
	c->flags |= CF_DISCARD_OUT;
	client_close(c, reason);
	errno = EAGAIN;
}

/* A first byte that is not a TLS handshake record: plain text. */
static void
plain_text(struct client *c)
{
	char buf[256];
	int n;

	log_info("plain text from %s on a TLS port; closing", c->host);
	n = snprintf(buf, sizeof(buf), "ERROR :Closing Link: %s (This port "
	    "speaks TLS; use a TLS connection or the plain-text port)\r\n",
	    c->host);
	if (n > 0 && send(c->fd, buf, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT)
	    == -1)
		log_debug("telling %s: %s", c->host, strerror(errno));
	fail(c, "Plain text on a TLS port");
}

static ssize_t
tls_read(struct client *c, void *p, size_t n)
{
	struct tls_conn *t = c->tls;
	unsigned char first;
	char why[256];
	ssize_t k;
	int r;

	if (t->state == TLS_DEAD) {
		errno = EAGAIN;
		return -1;
	}
	if (t->state == TLS_PEEK) {
		if ((k = recv(c->fd, &first, 1, MSG_PEEK)) <= 0)
			return k;
		if (first != 0x16) {
			plain_text(c);
			return -1;
		}
		t->state = TLS_HANDSHAKE;
	}
	ERR_clear_error();
	r = SSL_read(t->ssl, p, n > INT32_MAX ? INT32_MAX : (int)n);
	if (t->state == TLS_HANDSHAKE && SSL_is_init_finished(t->ssl))
		established(c);
	if (r > 0)
		return r;
	switch (SSL_get_error(t->ssl, r)) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:	/* the next event, either way */
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_ZERO_RETURN:	/* close_notify */
		t->state = TLS_DEAD;
		return 0;
	case SSL_ERROR_SYSCALL:
		t->state = TLS_DEAD;
		if (errno == 0 || errno == EAGAIN)
			return 0;	/* EOF without close_notify */
		return -1;
	default:
		tlsfile_errors(why, sizeof(why));
		if (t->state == TLS_HANDSHAKE) {
			log_info("TLS handshake from %s failed: %s", c->host,
			    why);
			fail(c, "TLS handshake failed");
		} else {
			log_debug("TLS error from %s: %s", c->host, why);
			fail(c, "TLS error");
		}
		return -1;
	}
}

/* Gather the head of the queue into one record's worth, encrypt it. */
static ssize_t
tls_writev(struct client *c, const struct iovec *iov, int niov)
{
	static char stage[RECORD_MAX];
	struct tls_conn *t = c->tls;
	const char *p;
	size_t len = 0, k;
	char why[256];
	int i, r;

	if (t->state == TLS_DEAD) {
		errno = EPIPE;
		return -1;
	}
	if (t->state != TLS_OPEN) {
		errno = EAGAIN;		/* sent once the handshake is done */
		return -1;
	}
	if (niov == 1 || iov[0].iov_len >= RECORD_MAX) {
		p = iov[0].iov_base;	/* big enough as it is */
		len = iov[0].iov_len;
	} else {
		for (i = 0; i < niov && len < RECORD_MAX; i++) {
			k = iov[i].iov_len < RECORD_MAX - len ?
			    iov[i].iov_len : RECORD_MAX - len;
			memcpy(stage + len, iov[i].iov_base, k);
			len += k;
		}
		p = stage;
	}
	/* a retry after WANT_WRITE presents the same bytes first (the queue
	 * only grows at its end), as OpenSSL requires */
	ERR_clear_error();
	r = SSL_write(t->ssl, p, len > INT32_MAX ? INT32_MAX : (int)len);
	if (r > 0)
		return r;
	switch (SSL_get_error(t->ssl, r)) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_SYSCALL:
		t->state = TLS_DEAD;
		if (errno == 0 || errno == EAGAIN)
			errno = EPIPE;
		return -1;
	default:
		tlsfile_errors(why, sizeof(why));
		log_debug("TLS write to %s: %s", c->host, why);
		t->state = TLS_DEAD;
		errno = EPIPE;
		return -1;
	}
}

static void
tls_close(struct client *c)
{
	struct tls_conn *t = c->tls;

	if (t != NULL) {
		if (t->state == TLS_OPEN)
			(void)SSL_shutdown(t->ssl);	/* close_notify, once */
		SSL_free(t->ssl);
		ERR_clear_error();
		free(t);
		c->tls = NULL;
	}
	if (c->fd >= 0 && close(c->fd) == -1 && errno != EINTR)
		log_warn("close fd %d", c->fd);
	c->fd = -1;
}

const struct conn_ops conn_tls_ops = {
	"tls", tls_read, tls_writev, tls_close, tls_open, tls_ready
};
