/*
 * sasl.c -- see sasl.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "sasl.h"

size_t
sasl_b64(const uint8_t *in, size_t n, char *out, size_t outsz)
{
	if (outsz < 4 * ((n + 2) / 3) + 1) {
		if (outsz > 0)
			out[0] = '\0';
		return 0;
	}
	return (size_t)EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}

int
sasl_unb64(const char *in, size_t n, uint8_t *out, size_t outsz)
{
	uint8_t tmp[3072];
	size_t i, pad = 0;
	int k;

	if (n % 4 != 0 || n / 4 * 3 > sizeof(tmp))
		return -1;
	for (i = 0; i < n; i++) {
		char c = in[i];
		if (c == '=') {
			if (i + 2 < n || (i == n - 2 && in[n - 1] != '='))
				return -1;
			pad++;
		} else if (pad > 0 || !((c >= 'A' && c <= 'Z') || (c >= 'a' &&
		    c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/'))
			return -1;
	}
	if (n == 0)
		return 0;
	if ((k = EVP_DecodeBlock(tmp, (const unsigned char *)in, (int)n)) < 0 ||
	    (size_t)k < pad || (size_t)k - pad > outsz)
		return -1;
	memcpy(out, tmp, (size_t)k - pad);
	return k - (int)pad;
}

static int
offers(const char *list, const char *mech)
{
	size_t n = strlen(mech);
	const char *p = list;

	while ((p = strstr(p, mech)) != NULL) {
		if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return 1;
		p += n;
	}
	return 0;
}

const char *
sasl_client_begin(struct sasl_client *c, const char *offered,
    const char *user, const char *pass, int have_cert)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->user, sizeof(c->user), "%s", user);
	snprintf(c->pass, sizeof(c->pass), "%s", pass);
	/* no list (sasl without a value): PLAIN is the one every server has */
	if (have_cert && pass[0] == '\0' && (offered[0] == '\0' ||
	    offers(offered, "EXTERNAL"))) {
		c->mech = SASL_EXTERNAL;
		return "EXTERNAL";
	}
	if (pass[0] == '\0')
		return NULL;
	if (offers(offered, "SCRAM-SHA-256")) {
		c->mech = SASL_SCRAM;
		return "SCRAM-SHA-256";
	}
	if (offered[0] == '\0' || offers(offered, "PLAIN")) {
		c->mech = SASL_PLAIN;
		return "PLAIN";
	}
	return NULL;
}

/* "user" with ',' and '=' escaped as SCRAM wants. */
static void
saslname(const char *in, char *out, size_t outsz)
{
	size_t k = 0;

	for (; *in != '\0' && k + 4 < outsz; in++) {
		if (*in == ',' || *in == '=') {
			memcpy(out + k, *in == ',' ? "=2C" : "=3D", 3);
			k += 3;
		} else
			out[k++] = *in;
	}
	out[k] = '\0';
}

static int
scram_first(struct sasl_client *c, char *out, size_t outsz, size_t *outlen)
{
	uint8_t rnd[18];
	char name[200];
	int n;

	if (RAND_bytes(rnd, sizeof(rnd)) != 1 ||
	    sasl_b64(rnd, sizeof(rnd), c->cnonce, sizeof(c->cnonce)) == 0)
		return -1;
	saslname(c->user, name, sizeof(name));
	n = snprintf(c->bare, sizeof(c->bare), "n=%s,r=%s", name, c->cnonce);
	if (n <= 0 || (size_t)n >= sizeof(c->bare))
		return -1;
	n = snprintf(out, outsz, "n,,%s", c->bare);
	if (n <= 0 || (size_t)n >= outsz)
		return -1;
	*outlen = (size_t)n;
	return 0;
}

/* server-first in: the client-final with its proof out. */
static int
scram_final(struct sasl_client *c, const char *sf, size_t n, char *out,
    size_t outsz, size_t *outlen)
{
	char msg[600], nonce[300], salt64[200], fwop[400], proof64[64];
	uint8_t salt[128], ckey[32], stored[32], sig[32], proof[32];
	const char *p, *e;
	unsigned int len = 0, i;
	long iter = 0;
	int sl, k;

	if (n >= sizeof(msg) || memchr(sf, '\0', n) != NULL)
		return -1;
	memcpy(msg, sf, n);
	msg[n] = '\0';
	nonce[0] = salt64[0] = '\0';
	for (p = msg; *p != '\0'; p = *e ? e + 1 : e) {
		e = p + strcspn(p, ",");
		if ((size_t)(e - p) < 2 || p[1] != '=')
			return -1;
		if (p[0] == 'r' && (size_t)(e - p - 2) < sizeof(nonce))
			snprintf(nonce, sizeof(nonce), "%.*s", (int)(e - p - 2),
			    p + 2);
		else if (p[0] == 's' && (size_t)(e - p - 2) < sizeof(salt64))
			snprintf(salt64, sizeof(salt64), "%.*s",
			    (int)(e - p - 2), p + 2);
		else if (p[0] == 'i')
			iter = strtol(p + 2, NULL, 10);
		else if (p[0] == 'm')
			return -1;	/* a mandatory extension */
	}
	/* the server's nonce starts with ours; a sane iteration count */
	if (strncmp(nonce, c->cnonce, strlen(c->cnonce)) != 0 ||
	    strlen(nonce) <= strlen(c->cnonce) || iter < 4096 ||
	    iter > 1000000 || (sl = sasl_unb64(salt64, strlen(salt64), salt,
	    sizeof(salt))) <= 0)
		return -1;
	if (PKCS5_PBKDF2_HMAC(c->pass, (int)strlen(c->pass), salt, sl,
	    (int)iter, EVP_sha256(), sizeof(c->salted), c->salted) != 1 ||
	    HMAC(EVP_sha256(), c->salted, 32, (const unsigned char *)
	    "Client Key", 10, ckey, &len) == NULL ||
	    SHA256(ckey, 32, stored) == NULL)
		return -1;
	k = snprintf(fwop, sizeof(fwop), "c=biws,r=%s", nonce);
	if (k <= 0 || (size_t)k >= sizeof(fwop))
		return -1;
	k = snprintf(c->auth, sizeof(c->auth), "%s,%s,%s", c->bare, msg, fwop);
	if (k <= 0 || (size_t)k >= sizeof(c->auth) ||
	    HMAC(EVP_sha256(), stored, 32, (unsigned char *)c->auth,
	    (size_t)k, sig, &len) == NULL)
		return -1;
	for (i = 0; i < 32; i++)
		proof[i] = ckey[i] ^ sig[i];
	OPENSSL_cleanse(ckey, sizeof(ckey));
	if (sasl_b64(proof, 32, proof64, sizeof(proof64)) == 0)
		return -1;
	k = snprintf(out, outsz, "%s,p=%s", fwop, proof64);
	if (k <= 0 || (size_t)k >= outsz)
		return -1;
	*outlen = (size_t)k;
	return 0;
}

/* server-final: "v=" the signature we expect. */
static int
scram_verify(struct sasl_client *c, const char *sf, size_t n)
{
	uint8_t skey[32], sig[32];
	char want[64];
	unsigned int len = 0;

	if (HMAC(EVP_sha256(), c->salted, 32, (const unsigned char *)
	    "Server Key", 10, skey, &len) == NULL ||
	    HMAC(EVP_sha256(), skey, 32, (unsigned char *)c->auth,
	    strlen(c->auth), sig, &len) == NULL ||
	    sasl_b64(sig, 32, want, sizeof(want)) == 0)
		return -1;
	return n == strlen(want) + 2 && memcmp(sf, "v=", 2) == 0 &&
	    CRYPTO_memcmp(sf + 2, want, strlen(want)) == 0 ? 0 : -1;
}

int
sasl_client_step(struct sasl_client *c, const uint8_t *in, size_t n,
    char *out, size_t outsz, size_t *outlen)
{
	size_t ul = strlen(c->user), pl = strlen(c->pass);

	*outlen = 0;
	switch (c->mech) {
	case SASL_PLAIN:
		if (c->step++ != 0 || 2 * ul + pl + 2 > outsz)
			return -1;
		/* authzid (the same account), authcid, password */
		memcpy(out, c->user, ul);
		out[ul] = '\0';
		memcpy(out + ul + 1, c->user, ul);
		out[2 * ul + 1] = '\0';
		memcpy(out + 2 * ul + 2, c->pass, pl);
		*outlen = 2 * ul + 2 + pl;
		return 0;
	case SASL_EXTERNAL:
		return c->step++ == 0 ? 0 : -1;		/* an empty answer */
	case SASL_SCRAM:
		switch (c->step++) {
		case 0:
			return scram_first(c, out, outsz, outlen);
		case 1:
			return scram_final(c, (const char *)in, n, out, outsz,
			    outlen);
		case 2:
			return scram_verify(c, (const char *)in, n);
		}
		return -1;
	default:
		return -1;
	}
}

void
sasl_client_end(struct sasl_client *c)
{
	OPENSSL_cleanse(c, sizeof(*c));
}
