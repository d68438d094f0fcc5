/*
 * scram.h -- SCRAM-SHA-256 (RFC 5802, RFC 7677) for SASL, server side:
 * the keys kept for an account, and the two client messages parsed and
 * checked.  Pure code (OpenSSL's libcrypto for the hashes, nothing else):
 * the caller brings the random nonce and looks the account up.
 *
 * Messages are hostile input: every attribute is bounded, the order is
 * RFC 5802's, unknown mandatory extensions ("m=") and channel binding
 * ("p=") are refused, and the proof is compared in constant time.
 */
#ifndef KEO_SCRAM_H
#define KEO_SCRAM_H

#include <stddef.h>
#include <stdint.h>

#define SCRAM_KEYLEN	32		/* SHA-256 */
#define SCRAM_SALTLEN	16
#define SCRAM_ITER	4096		/* RFC 7677's minimum */
#define SCRAM_NONCE_MAX	128		/* client nonce bytes */
#define SCRAM_MSG_MAX	1024		/* a client message */
#define SCRAM_NAME_MAX	64
#define SCRAM_B64_MAX	8192		/* base64 input scram_b64_decode takes */

/* StoredKey and ServerKey of a password (PBKDF2-HMAC-SHA-256); 0 or -1. */
int	scram_derive(const char *password, size_t pwlen, const uint8_t *salt,
	    size_t saltlen, unsigned iter, uint8_t stored[SCRAM_KEYLEN],
	    uint8_t server[SCRAM_KEYLEN]);

/* One exchange, between the two client messages. */
struct scram {
	char	 user[SCRAM_NAME_MAX + 1];	/* authcid, decoded */
	char	 authzid[SCRAM_NAME_MAX + 1];	/* "" or the same */
	char	 gs2[SCRAM_NAME_MAX + 8];	/* "n,," or "y,,a=..." */
	char	 bare[SCRAM_MSG_MAX + 1];	/* client-first-message-bare */
	char	 nonce[2 * SCRAM_NONCE_MAX + 2];/* client + server nonce */
	char	 server_first[SCRAM_MSG_MAX + 1];
};

enum scram_err {
	SCRAM_OK = 0,
	SCRAM_E_SYNTAX,		/* not a SCRAM message */
	SCRAM_E_CBIND,		/* channel binding asked for: not offered */
	SCRAM_E_EXTENSION,	/* a mandatory extension we do not know */
	SCRAM_E_NAME,		/* user name empty, too long or badly escaped */
	SCRAM_E_NONCE,		/* nonce missing, bad or not ours */
	SCRAM_E_PROOF,		/* wrong password */
};

const char *scram_strerror(enum scram_err e);

/* Parse client-first-message (msg, n bytes): fills s->user, gs2, bare and
 * the client nonce. */
enum scram_err scram_client_first(struct scram *s, const char *msg, size_t n);

/* server-first-message for salt and iter, with snonce (printable, no ','
 * appended to the client's nonce); into s->server_first. */
int	scram_server_first(struct scram *s, const char *snonce,
	    const uint8_t *salt, size_t saltlen, unsigned iter);

/* Check client-final-message against the account's keys; on SCRAM_OK the
 * server-final-message ("v=...") is in out (outsz >= 64). */
enum scram_err scram_client_final(struct scram *s, const char *msg, size_t n,
	    const uint8_t stored[SCRAM_KEYLEN],
	    const uint8_t server[SCRAM_KEYLEN], char *out, size_t outsz);

/* Base64 (RFC 4648, with padding): encode into out (NUL-terminated);
 * decode returns the length, -1 on bad input or when out is too small. */
size_t	scram_b64_encode(const uint8_t *in, size_t n, char *out, size_t outsz);
int	scram_b64_decode(const char *in, size_t n, uint8_t *out, size_t outsz);

/* Constant-time compare of n bytes: 1 equal. */
int	scram_equal(const uint8_t *a, const uint8_t *b, size_t n);

#endif
