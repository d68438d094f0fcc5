/*
 * tls.h -- TLS in a worker: its server context (kd.tls) and the TLS
 * connection ops that struct client uses like the plain ones.
 *
 * The handshake runs inside the first reads (non-blocking, bounded by
 * tls-handshake-timeout); a connection whose first byte is not a TLS
 * record is told so in plain text and closed.  Writes gather a turn's
 * output into full 16 KiB records; idle links hold no record buffers
 * (SSL_MODE_RELEASE_BUFFERS).  Client certificates are asked for and
 * never verified: only their SHA-256 fingerprint matters (WHOIS 276,
 * SASL EXTERNAL).
 */
#ifndef KEO_TLS_H
#define KEO_TLS_H

#include <stdint.h>

struct client;

/* Build the worker's context when a listener speaks TLS (exits when the
 * certificate the master checked cannot be loaded here). */
void	tls_init(void);
/* Re-read the certificate and key (a reload); a broken pair keeps the
 * one in use and says why.  Links keep the context they started with. */
void	tls_reload(void);
void	tls_free(void);

/* The client's certificate fingerprint (32 bytes) or NULL. */
const uint8_t *tls_certfp(const struct client *c);
/* "TLSv1.3 TLS_AES_256_GCM_SHA384" of an open TLS link, or NULL. */
const char *tls_describe(const struct client *c, char *buf, size_t bufsz);

/* The port of the first TLS listener (sts), 0: none. */
unsigned tls_port(void);

extern const struct conn_ops conn_tls_ops;

#endif
