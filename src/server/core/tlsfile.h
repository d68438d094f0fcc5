/*
 * tlsfile.h -- keochatd's TLS files: the server context built from a
 * certificate and key, the certificate made on first start when none is
 * configured, and SHA-256 fingerprints as keochatd shows them.
 *
 * Used by the master (it makes the certificate and checks it in
 * --configtest) and by the workers (each builds its own context, at start
 * and again on every reload).  OpenSSL 3.
 */
#ifndef KEO_TLSFILE_H
#define KEO_TLSFILE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define TLS_FP_HEX	65		/* 64 hex digits and a NUL */

typedef struct ssl_ctx_st SSL_CTX;
typedef struct x509_st X509;

/* The certificate and key files cfg means: tls-cert and tls-key, or the
 * generated pair in state_dir when tls-cert is empty (a key left empty
 * is read from the certificate's file). */
void	 tlsfile_paths(const struct config *cfg, const char *state_dir,
	    char cert[CONF_FILE_MAX + 32], char key[CONF_FILE_MAX + 32]);

/* A server context from cfg's TLS options and the two files; the
 * certificate's fingerprint in fp.  NULL with err ("tls-cert FILE: ...")
 * when a file is missing, not PEM, or the key does not match. */
SSL_CTX	*tlsfile_server_ctx(const struct config *cfg, const char *cert,
	    const char *key, char fp[TLS_FP_HEX], char *err, size_t errsz);

/* Make a self-signed certificate (ECDSA P-256, ten years, the server name
 * and localhost as names) at cert and its key at key (mode 0600), unless
 * both are there already.  1 made, 0 already there, -1 with err. */
int	 tlsfile_selfsigned(const char *cert, const char *key,
	    const char *server_name, char *err, size_t errsz);

/* 32 bytes of SHA-256 as 64 lower-case hex digits. */
void	 tlsfile_hex(const uint8_t md[32], char fp[TLS_FP_HEX]);
/* Lower-case hex SHA-256 of a certificate's DER form; 0 or -1. */
int	 tlsfile_fingerprint(X509 *x, char fp[TLS_FP_HEX]);

/* The last OpenSSL errors as one line (and the queue cleared). */
void	 tlsfile_errors(char *buf, size_t bufsz);

#endif
