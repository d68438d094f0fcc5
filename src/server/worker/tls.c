/*
 * tls.c -- see tls.h.
 */
#include <sys/mman.h>
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
#include "tlsrec.h"

#define RECORD_MAX	16384		/* plaintext bytes per TLS record */
#define WRITE_RECORDS	4		/* records per write, at most */
#define PIECES_MAX	64		/* queue segments in one record */

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

/* Once the handshake is done, most links leave OpenSSL: ssl is freed and
 * rec (tlsrec.c) carries the records.  What is held between reads and
 * writes then lives in three buffers, each allocated only while needed:
 * the start of a record not complete yet, plaintext the reader had no
 * room for, and the unsent end of records already sealed (with the
 * plaintext bytes they carry, reported once they are all sent -- the
 * caller presents the same bytes again meanwhile, as OpenSSL wants). */
struct tls_conn {
	SSL		*ssl;		/* the handshake, or a link kept there */
	struct tlsrec	*rec;		/* the link after the hand-over */
	uint8_t		*rbuf, *pbuf, *wbuf;
	uint32_t	 rlen;		/* bytes in rbuf */
	uint32_t	 poff, plen;	/* plaintext in pbuf */
	uint32_t	 woff, wlen;	/* sent, total in wbuf */
	uint32_t	 wdone;		/* plaintext in wbuf's records */
	uint8_t		 state;		/* enum tls_state */
	uint8_t		 eof;		/* close_notify read */
	uint8_t		 has_fp;
	uint8_t		 fp[32];	/* client certificate SHA-256 */
	union {
		uint64_t align;
		uint8_t	 b[TLSREC_SIZE];
	}		 recmem;	/* where rec lives */
};

/* Links come from pages of their own, not from malloc: a link lives for
 * hours and is made in the middle of its handshake's allocations, so on
 * the heap its few hundred bytes would each keep a page of freed
 * handshake memory resident.  The pool keeps the peak number of links. */
union tls_slot {
	struct tls_conn	 c;
	union tls_slot	*next;
};

#define POOL_BLOCK	128		/* links per mmap */

static union tls_slot *pool_free;

static struct tls_conn *
conn_new(void)
{
	union tls_slot *b, *s;
	size_t i;

	if (pool_free == NULL) {
		if ((b = mmap(NULL, POOL_BLOCK * sizeof(*b), PROT_READ |
		    PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)) ==
		    MAP_FAILED) {
			log_warn("mmap for TLS links");
			return NULL;
		}
		for (i = POOL_BLOCK; i > 0; i--) {
			b[i - 1].next = pool_free;
			pool_free = &b[i - 1];
		}
	}
	s = pool_free;
	pool_free = s->next;
	return memset(&s->c, 0, sizeof(s->c));
}

static void
conn_free(struct tls_conn *t)
{
	union tls_slot *s = (union tls_slot *)(void *)t;

	memset(t, 0, sizeof(*t));
	s->next = pool_free;
	pool_free = s;
}

static struct tls_server TS;

/* --- the context ----------------------------------------------------------- */

static SSL_CTX *
load(char *err, size_t errsz)
{
	char cert[CONF_FILE_MAX + 32], key[CONF_FILE_MAX + 32];
	SSL_CTX *ctx;

	tlsfile_paths(&kd.cfg, kd.state_dir, cert, key);
	ctx = tlsfile_server_ctx(&kd.cfg, cert, key, TS.fp, err, errsz);
	if (ctx != NULL && tlsrec_watch(ctx) == -1)
		log_warnx("TLS links stay with OpenSSL after their handshake "
		    "(no room to note their keys)");
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

	if (TS.ctx == NULL || (t = conn_new()) == NULL)
		return -1;
	if ((t->ssl = SSL_new(TS.ctx)) == NULL || SSL_set_fd(t->ssl, c->fd)
	    != 1) {
		SSL_free(t->ssl);
		conn_free(t);
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
	if (c->tls->rec != NULL)
		snprintf(buf, bufsz, "%s %s", tlsrec_version(c->tls->rec),
		    tlsrec_cipher(c->tls->rec));
	else
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
	const char *why = NULL;
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
	/* the records leave OpenSSL: an idle link keeps ~200 bytes */
	if ((t->rec = tlsrec_take(t->ssl, t->recmem.b, &why)) != NULL) {
		SSL_free(t->ssl);
		t->ssl = NULL;
	}
	ERR_clear_error();
	log_debug("TLS from %s: %s%s%s%s", c->host, tls_describe(c, how,
	    sizeof(how)), t->has_fp ? ", with a client certificate" : "",
	    t->rec == NULL ? "; kept by OpenSSL: " : "",
	    t->rec == NULL ? why : "");
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

/* The link's records are unusable: say why in the log, then EAGAIN for
 * the caller while the client closes. */
static ssize_t
rec_fail(struct client *c, const char *what, const char *why)
{
	log_info("TLS from %s: %s: %s; closing", c->host, what, why);
	fail(c, "TLS error");
	return -1;
}

/* Keep the n bytes at p for the next read (a record not complete yet). */
static int
keep(uint8_t **buf, uint32_t *len, const uint8_t *p, size_t n)
{
	if (n == 0)
		return 0;
	if ((*buf = malloc(n)) == NULL)
		return -1;
	memcpy(*buf, p, n);
	*len = (uint32_t)n;
	return 0;
}

/* Read after the hand-over: as many records as the socket has and p
 * takes, decrypted in one static buffer. */
static ssize_t
rec_read(struct client *c, uint8_t *p, size_t n)
{
	static uint8_t ib[2 * TLSREC_RECORD_MAX];
	struct tls_conn *t = c->tls;
	size_t have = 0, off = 0, out = 0, ptlen, k;
	uint8_t type, *pt;
	const char *why;
	ssize_t got;
	long need;

	if (t->plen > 0) {		/* a record bigger than p was */
		k = t->plen - t->poff < n ? t->plen - t->poff : n;
		memcpy(p, t->pbuf + t->poff, k);
		if ((t->poff += (uint32_t)k) == t->plen) {
			free(t->pbuf);
			t->pbuf = NULL;
			t->poff = t->plen = 0;
		}
		return (ssize_t)k;
	}
	if (t->eof)
		return 0;
	if (t->rlen > 0) {
		memcpy(ib, t->rbuf, t->rlen);
		have = t->rlen;
		free(t->rbuf);
		t->rbuf = NULL;
		t->rlen = 0;
	}
	for (;;) {
		while ((need = tlsrec_length(ib + off, have - off)) > 0 &&
		    (size_t)need <= have - off) {
			/* a record that may not fit waits for the next call */
			if (out > 0 && (size_t)need - TLSREC_HEADER > n - out)
				goto save;
			if (tlsrec_open(t->rec, ib + off, (size_t)need, &type,
			    &pt, &ptlen, &why) == -1)
				return rec_fail(c, "a record refused", why);
			off += (size_t)need;
			if (type == TLSREC_ALERT) {
				if (pt[1] == 0) {	/* close_notify */
					t->eof = 1;
					goto save;
				}
				if (pt[0] == 1 && pt[1] == 90)
					continue;	/* user_canceled */
				log_debug("TLS alert %u from %s", pt[1],
				    c->host);
				fail(c, "TLS alert");
				return -1;
			}
			if (type != TLSREC_APPLICATION_DATA || ptlen == 0)
				continue;	/* KeyUpdate, empty records */
			k = ptlen < n - out ? ptlen : n - out;
			memcpy(p + out, pt, k);
			out += k;
			if (k < ptlen) {
				if (keep(&t->pbuf, &t->plen, pt + k, ptlen -
				    k) == -1)
					return rec_fail(c, "reading",
					    "out of memory");
				goto save;
			}
			if (out == n)
				goto save;
		}
		if (need < 0)
			return rec_fail(c, "a record refused", "not a TLS "
			    "record of this link");
		if (out > 0)
			goto save;
		if (off > 0) {
			memmove(ib, ib + off, have - off);
			have -= off;
			off = 0;
		}
		got = recv(c->fd, ib + have, sizeof(ib) - have, 0);
		if (got > 0) {
			have += (size_t)got;
			continue;
		}
		if (got == 0) {		/* EOF without close_notify */
			if (have > 0)
				log_debug("TLS from %s: EOF inside a record",
				    c->host);
			t->state = TLS_DEAD;
			return 0;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			goto save;
		t->state = TLS_DEAD;
		return -1;
	}
save:
	if (keep(&t->rbuf, &t->rlen, ib + off, have - off) == -1)
		return rec_fail(c, "reading", "out of memory");
	if (out > 0)
		return (ssize_t)out;
	if (t->eof)
		return 0;
	errno = EAGAIN;
	return -1;
}

/* The end of records sealed earlier: their plaintext once all is sent. */
static ssize_t
rec_flush_tail(struct client *c)
{
	struct tls_conn *t = c->tls;
	ssize_t k;
	uint32_t done;

	do
		k = send(c->fd, t->wbuf + t->woff, t->wlen - t->woff,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
	while (k == -1 && errno == EINTR);
	if (k == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			t->state = TLS_DEAD;
		return -1;
	}
	if ((t->woff += (uint32_t)k) < t->wlen) {
		errno = EAGAIN;
		return -1;
	}
	free(t->wbuf);
	t->wbuf = NULL;
	t->woff = t->wlen = 0;
	done = t->wdone;
	t->wdone = 0;
	return (ssize_t)done;
}

/* Write after the hand-over: the head of the queue as up to
 * WRITE_RECORDS records, sealed straight from its segments, one send. */
static ssize_t
rec_writev(struct client *c, const struct iovec *iov, int niov)
{
	static uint8_t ob[WRITE_RECORDS * (TLSREC_PLAIN_MAX +
	    2 * TLSREC_OVERHEAD + 8)];
	struct tls_conn *t = c->tls;
	const uint8_t *b[PIECES_MAX];
	size_t bl[PIECES_MAX], off = 0, plain = 0, ioff = 0, rl, k, sealed;
	int i = 0, np, nrec;
	ssize_t sent;

	if (t->wlen > 0)
		return rec_flush_tail(c);
	for (nrec = 0; nrec < WRITE_RECORDS && i < niov; nrec++) {
		for (np = 0, rl = 0; i < niov && rl < RECORD_MAX && np <
		    PIECES_MAX; np++) {
			k = iov[i].iov_len - ioff;
			if (k > RECORD_MAX - rl)
				k = RECORD_MAX - rl;
			b[np] = (const uint8_t *)iov[i].iov_base + ioff;
			bl[np] = k;
			rl += k;
			if ((ioff += k) == iov[i].iov_len) {
				i++;
				ioff = 0;
			}
		}
		if (rl == 0)
			break;
		if ((sealed = tlsrec_seal(t->rec, TLSREC_APPLICATION_DATA, b,
		    bl, np, ob + off, sizeof(ob) - off)) == 0) {
			log_warnx("TLS to %s: a record could not be sealed",
			    c->host);
			t->state = TLS_DEAD;
			errno = EPIPE;
			return -1;
		}
		off += sealed;
		plain += rl;
	}
	if (off == 0)
		return 0;
	do
		sent = send(c->fd, ob, off, MSG_NOSIGNAL | MSG_DONTWAIT);
	while (sent == -1 && errno == EINTR);
	if (sent == (ssize_t)off)
		return (ssize_t)plain;
	if (sent == -1 && errno != EAGAIN && errno != EWOULDBLOCK) {
		t->state = TLS_DEAD;
		return -1;
	}
	/* the records are sealed (their sequence numbers spent): what the
	 * socket did not take waits in wbuf */
	if (sent < 0)
		sent = 0;
	if ((t->wbuf = malloc(off - (size_t)sent)) == NULL) {
		t->state = TLS_DEAD;
		errno = ENOMEM;
		return -1;
	}
	memcpy(t->wbuf, ob + sent, off - (size_t)sent);
	t->wlen = (uint32_t)(off - (size_t)sent);
	t->woff = 0;
	t->wdone = (uint32_t)plain;
	errno = EAGAIN;
	return -1;
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
	if (t->state == TLS_HANDSHAKE) {
		/* the handshake alone, so that no application record has
		 * gone through OpenSSL when the link leaves it */
		if ((r = SSL_do_handshake(t->ssl)) == 1)
			established(c);
	} else
		r = 1;
	if (r == 1 && t->rec != NULL)
		return rec_read(c, p, n);
	if (r == 1)
		r = SSL_read(t->ssl, p, n > INT32_MAX ? INT32_MAX : (int)n);
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
	if (t->rec != NULL)
		return rec_writev(c, iov, niov);
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

/* close_notify, once, when nothing half-sent is in the way. */
static void
rec_close_notify(struct client *c)
{
	static const uint8_t alert[2] = { 1, 0 };
	const uint8_t *b[1] = { alert };
	const size_t bl[1] = { sizeof(alert) };
	uint8_t out[64];
	size_t n;

	if (c->tls->wlen == 0 && (n = tlsrec_seal(c->tls->rec, TLSREC_ALERT,
	    b, bl, 1, out, sizeof(out))) > 0 && send(c->fd, out, n,
	    MSG_NOSIGNAL | MSG_DONTWAIT) == -1)
		log_debug("close_notify to %s: %s", c->host, strerror(errno));
}

static void
tls_close(struct client *c)
{
	struct tls_conn *t = c->tls;

	if (t != NULL) {
		if (t->state == TLS_OPEN && t->rec != NULL)
			rec_close_notify(c);
		else if (t->state == TLS_OPEN)
			(void)SSL_shutdown(t->ssl);	/* close_notify, once */
		SSL_free(t->ssl);
		ERR_clear_error();
		tlsrec_free(t->rec);
		free(t->rbuf);
		free(t->pbuf);
		free(t->wbuf);
		conn_free(t);
		c->tls = NULL;
	}
	if (c->fd >= 0 && close(c->fd) == -1 && errno != EINTR)
		log_warn("close fd %d", c->fd);
	c->fd = -1;
}

const struct conn_ops conn_tls_ops = {
	"tls", tls_read, tls_writev, tls_close, tls_open, tls_ready
};
