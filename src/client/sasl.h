/*
 * sasl.h -- the client side of SASL: PLAIN, SCRAM-SHA-256 (RFC 5802,
 * RFC 7677, checking the server's signature) and EXTERNAL, as payloads;
 * the session core wraps them in AUTHENTICATE lines.  No I/O; libcrypto
 * for the hashes and the nonce.
 */
#ifndef KEO_SASL_H
#define KEO_SASL_H

#include <stddef.h>
#include <stdint.h>

enum sasl_mech { SASL_NONE, SASL_PLAIN, SASL_SCRAM, SASL_EXTERNAL };

struct sasl_client {
	enum sasl_mech	 mech;
	int		 step;
	char		 user[65];
	char		 pass[301];
	char		 cnonce[40];
	char		 bare[256];		/* client-first-message-bare */
	char		 auth[1200];		/* the AuthMessage */
	uint8_t		 salted[32];
};

/* Pick the mechanism from the server's list ("PLAIN,SCRAM-SHA-256,..."
 * or "" when it gave none): EXTERNAL with a certificate and no password,
 * else SCRAM-SHA-256 when offered, else PLAIN.  Its name, or NULL. */
const char	*sasl_client_begin(struct sasl_client *c, const char *offered,
		    const char *user, const char *pass, int have_cert);
/* The server's (decoded) challenge in, our (raw) answer out: 0, or -1
 * when the exchange must stop (a wrong server signature, bad input). */
int		 sasl_client_step(struct sasl_client *c, const uint8_t *in,
		    size_t n, char *out, size_t outsz, size_t *outlen);
/* Forget the secrets. */
void		 sasl_client_end(struct sasl_client *c);

/* Base64 with padding (NUL-terminated), and strict decoding: the length
 * or -1. */
size_t		 sasl_b64(const uint8_t *in, size_t n, char *out, size_t outsz);
int		 sasl_unb64(const char *in, size_t n, uint8_t *out, size_t outsz);

#endif
