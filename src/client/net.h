/*
 * net.h -- the client's connection: host:port parsing, name resolution
 * that never blocks (getaddrinfo_a), non-blocking connect through each
 * address in turn, and a bounded output queue.  No X: the Motif layer
 * watches net_fd() with XtAppAddInput and calls in.
 */
#ifndef KEO_NET_H
#define KEO_NET_H

#include <stddef.h>
#include <sys/types.h>

#define NET_DEFAULT_PORT	"6667"
#define NET_OUTQ_MAX		(1u << 20)

enum net_state { NET_IDLE, NET_RESOLVING, NET_CONNECTING, NET_UP };

struct net;

struct net	*net_new(void);
void		 net_free(struct net *n);

/* Split "host", "host:port" or "[v6]:port"; 0, or -1 with err. */
int		 net_split(const char *spec, char *host, size_t hostsz,
		    char *port, size_t portsz, char *err, size_t errsz);

/* Start resolving spec; 0, or -1 with err (bad spec). */
int		 net_start(struct net *n, const char *spec, char *err,
		    size_t errsz);
enum net_state	 net_state(const struct net *n);
/* While NET_RESOLVING: 0 still working, 1 connecting now (net_fd valid,
 * wait for writability), -1 failed with err. */
int		 net_resolve_poll(struct net *n, char *err, size_t errsz);
/* The socket became writable while NET_CONNECTING: 1 up, 0 trying the
 * next address (new net_fd), -1 failed with err. */
int		 net_connect_done(struct net *n, char *err, size_t errsz);
int		 net_fd(const struct net *n);

/* Read what is there: >0 bytes, 0 EOF, -1 error (err), -2 nothing yet. */
ssize_t		 net_read(struct net *n, char *buf, size_t bufsz, char *err,
		    size_t errsz);
/* Queue bytes; -1 when the queue would pass NET_OUTQ_MAX. */
int		 net_queue(struct net *n, const char *p, size_t len);
/* Write queued bytes: 0 drained, 1 some left (wait for writability),
 * -1 error (err). */
int		 net_flush(struct net *n, char *err, size_t errsz);
int		 net_pending(const struct net *n);
/* TLS, once the TCP link is up: towards the host of net_start (its name
 * checked against the certificate), with a client certificate (PEM, key
 * in the same file) or NULL.  0, or -1 with err. */
int		 net_tls_begin(struct net *n, const char *certfile, char *err,
		    size_t errsz);
/* Drive the handshake: 1 done, 0 call again when the socket is readable
 * (or writable with *want_write), -1 failed with err. */
int		 net_tls_handshake(struct net *n, int *want_write, char *err,
		    size_t errsz);
/* After the handshake: 1 the system's CAs verify the certificate for the
 * host, 0 not (why says why); fp gets its SHA-256 in hex either way. */
int		 net_tls_peer(struct net *n, char fp[65], char *why,
		    size_t whysz);
int		 net_is_tls(const struct net *n);
/* "TLSv1.3" of an open TLS link, NULL otherwise. */
const char	*net_tls_describe(const struct net *n);
/* Drop the link (and any resolution in flight). */
void		 net_close(struct net *n);

#endif
