/*
 * scram.c -- see scram.h.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "scram.h"

const char *
scram_strerror(enum scram_err e)
{
	switch (e) {
	case SCRAM_OK:		return "ok";
	case SCRAM_E_SYNTAX:	return "malformed SCRAM message";
	case SCRAM_E_CBIND:	return "channel binding is not supported";
	case SCRAM_E_EXTENSION:	return "unsupported mandatory extension";
	case SCRAM_E_NAME:	return "bad user name";
	case SCRAM_E_NONCE:	return "bad nonce";
	case SCRAM_E_PROOF:	return "wrong proof";
	}
	return "?";
}

int
scram_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

size_t
scram_b64_encode(const uint8_t *in, size_t n, char *out, size_t outsz)
{
	if (outsz < 4 * ((n + 2) / 3) + 1) {
		if (outsz > 0)
			out[0] = '\0';
		return 0;
	}
	return (size_t)EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}

static int
b64_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '+' || c == '/';
}

int
scram_b64_decode(const char *in, size_t n, uint8_t *out, size_t outsz)
{
	uint8_t tmp[SCRAM_B64_MAX / 4 * 3];
	size_t i, pad = 0, len;
	int k;

	/* strict: whole quads, the alphabet only, '=' only at the end */
	if (n % 4 != 0 || n > SCRAM_B64_MAX)
		return -1;
	for (i = 0; i < n; i++) {
		if (in[i] == '=') {
			if (i < n - 2 || (i == n - 2 && in[n - 1] != '='))
				return -1;
			pad++;
		} else if (!b64_char(in[i]) || pad > 0)
			return -1;
	}
	if (n == 0)
		return 0;
	/* EVP_DecodeBlock writes whole triplets, padding included */
	if ((k = EVP_DecodeBlock(tmp, (const unsigned char *)in, (int)n)) < 0 ||
	    (size_t)k < pad)
		return -1;
	len = (size_t)k - pad;
	if (len > outsz)
		return -1;
	memcpy(out, tmp, len);
	return (int)len;
}

int
scram_derive(const char *password, size_t pwlen, const uint8_t *salt,
    size_t saltlen, unsigned iter, uint8_t stored[SCRAM_KEYLEN],
    uint8_t server[SCRAM_KEYLEN])
{
	uint8_t salted[SCRAM_KEYLEN], ckey[SCRAM_KEYLEN];
	unsigned int len = 0;
	int ok;

	ok = PKCS5_PBKDF2_HMAC(password, (int)pwlen, salt, (int)saltlen,
	    (int)iter, EVP_sha256(), sizeof(salted), salted) == 1 &&
	    HMAC(EVP_sha256(), salted, sizeof(salted),
	    (const unsigned char *)"Client Key", 10, ckey, &len) != NULL &&
	    SHA256(ckey, sizeof(ckey), stored) != NULL &&
	    HMAC(EVP_sha256(), salted, sizeof(salted),
	    (const unsigned char *)"Server Key", 10, server, &len) != NULL;
	OPENSSL_cleanse(salted, sizeof(salted));
	OPENSSL_cleanse(ckey, sizeof(ckey));
	return ok ? 0 : -1;
}

/* A saslname ("=2C" for ',', "=3D" for '=') into out; -1 when bad. */
static int
saslname(const char *p, size_t n, char *out, size_t outsz)
{
	size_t i, k = 0;

	if (n == 0)
		return -1;
	for (i = 0; i < n; i++) {
		char c = p[i];
		if (c == '=') {
			if (i + 2 >= n)
				return -1;
			if (p[i + 1] == '2' && p[i + 2] == 'C')
				c = ',';
			else if (p[i + 1] == '3' && p[i + 2] == 'D')
				c = '=';
			else
				return -1;
			i += 2;
		} else if (c == ',' || c == '\0' || (unsigned char)c < 0x20)
			return -1;
		if (k + 1 >= outsz)
			return -1;
		out[k++] = c;
	}
	out[k] = '\0';
	return 0;
}

/* The next ','-separated attribute of [*p, end): "x=value"; 0 or -1. */
static int
attr(const char **p, const char *end, char *name, const char **val,
    size_t *vlen)
{
	const char *s = *p, *comma;

	if (end - s < 2 || s[1] != '=' || !((s[0] >= 'a' && s[0] <= 'z') ||
	    (s[0] >= 'A' && s[0] <= 'Z')))
		return -1;
	*name = s[0];
	comma = memchr(s, ',', (size_t)(end - s));
	*val = s + 2;
	*vlen = (size_t)((comma ? comma : end) - (s + 2));
	*p = comma ? comma + 1 : end;
	return 0;
}

static int
printable_nonce(const char *v, size_t n)
{
	size_t i;

	if (n == 0 || n > SCRAM_NONCE_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (v[i] < 0x21 || v[i] > 0x7e || v[i] == ',')
			return 0;
	return 1;
}

enum scram_err
scram_client_first(struct scram *s, const char *msg, size_t n)
{
	const char *p = msg, *end = msg + n, *v, *bare;
	char a;
	size_t vl;

	memset(s, 0, sizeof(*s));
	if (n == 0 || n > SCRAM_MSG_MAX || memchr(msg, '\0', n) != NULL)
		return SCRAM_E_SYNTAX;
	/* gs2-header: cbind flag, then the authzid (maybe empty) */
	if (*p == 'p')
		return SCRAM_E_CBIND;
	if ((*p != 'n' && *p != 'y') || n < 3 || p[1] != ',')
		return SCRAM_E_SYNTAX;
	p += 2;
	if (*p == 'a') {
		if (attr(&p, end, &a, &v, &vl) == -1 || a != 'a' ||
		    saslname(v, vl, s->authzid, sizeof(s->authzid)) == -1)
			return SCRAM_E_NAME;
	} else if (*p == ',')
		p++;
	else
		return SCRAM_E_SYNTAX;
	if ((size_t)(p - msg) >= sizeof(s->gs2))
		return SCRAM_E_SYNTAX;
	memcpy(s->gs2, msg, (size_t)(p - msg));
	s->gs2[p - msg] = '\0';
	bare = p;
	if (p < end && *p == 'm')
		return SCRAM_E_EXTENSION;
	if (attr(&p, end, &a, &v, &vl) == -1 || a != 'n')
		return SCRAM_E_SYNTAX;
	if (saslname(v, vl, s->user, sizeof(s->user)) == -1)
		return SCRAM_E_NAME;
	if (attr(&p, end, &a, &v, &vl) == -1 || a != 'r')
		return SCRAM_E_SYNTAX;
	if (!printable_nonce(v, vl))
		return SCRAM_E_NONCE;
	memcpy(s->nonce, v, vl);
	s->nonce[vl] = '\0';
	/* optional extensions after the nonce are ignored (RFC 5802) */
	memcpy(s->bare, bare, (size_t)(end - bare));
	s->bare[end - bare] = '\0';
	return SCRAM_OK;
}

int
scram_server_first(struct scram *s, const char *snonce, const uint8_t *salt,
    size_t saltlen, unsigned iter)
{
	char b64[64];
	size_t cn = strlen(s->nonce), sn = strlen(snonce);
	int k;

	if (!printable_nonce(snonce, sn) || cn + sn >= sizeof(s->nonce) ||
	    scram_b64_encode(salt, saltlen, b64, sizeof(b64)) == 0)
		return -1;
	memcpy(s->nonce + cn, snonce, sn + 1);
	k = snprintf(s->server_first, sizeof(s->server_first), "r=%s,s=%s,i=%u",
	    s->nonce, b64, iter);
	return k > 0 && (size_t)k < sizeof(s->server_first) ? 0 : -1;
}

enum scram_err
scram_client_final(struct scram *s, const char *msg, size_t n,
    const uint8_t stored[SCRAM_KEYLEN], const uint8_t server[SCRAM_KEYLEN],
    char *out, size_t outsz)
{
	const char *p = msg, *end = msg + n, *v, *proofat;
	uint8_t cb[SCRAM_NAME_MAX + 8], proof[SCRAM_KEYLEN + 4];
	uint8_t sig[SCRAM_KEYLEN], ckey[SCRAM_KEYLEN], h[SCRAM_KEYLEN];
	char auth[3 * SCRAM_MSG_MAX + 8], ssig[64];
	unsigned int len = 0, i;
	size_t vl, al;
	int k, ok;
	char a;

	if (n == 0 || n > SCRAM_MSG_MAX || memchr(msg, '\0', n) != NULL ||
	    s->server_first[0] == '\0')
		return SCRAM_E_SYNTAX;
	/* channel binding: the gs2 header again, nothing bound */
	if (attr(&p, end, &a, &v, &vl) == -1 || a != 'c')
		return SCRAM_E_SYNTAX;
	if ((k = scram_b64_decode(v, vl, cb, sizeof(cb))) < 0 ||
	    (size_t)k != strlen(s->gs2) || memcmp(cb, s->gs2, (size_t)k) != 0)
		return SCRAM_E_CBIND;
	if (attr(&p, end, &a, &v, &vl) == -1 || a != 'r')
		return SCRAM_E_SYNTAX;
	if (vl != strlen(s->nonce) || memcmp(v, s->nonce, vl) != 0)
		return SCRAM_E_NONCE;
	/* extensions, then the proof last */
	for (;;) {
		proofat = p;
		if (attr(&p, end, &a, &v, &vl) == -1)
			return SCRAM_E_SYNTAX;
		if (a == 'p')
			break;
		if (p == end)
			return SCRAM_E_SYNTAX;
	}
	if (p != end || scram_b64_decode(v, vl, proof, sizeof(proof)) !=
	    SCRAM_KEYLEN)
		return SCRAM_E_SYNTAX;
	/* AuthMessage: client-first-bare, server-first, client-final
	 * without the proof (and its comma) */
	al = (size_t)(proofat - 1 - msg);
	k = snprintf(auth, sizeof(auth), "%s,%s,%.*s", s->bare,
	    s->server_first, (int)al, msg);
	if (k <= 0 || (size_t)k >= sizeof(auth))
		return SCRAM_E_SYNTAX;
	if (HMAC(EVP_sha256(), stored, SCRAM_KEYLEN, (unsigned char *)auth,
	    (size_t)k, sig, &len) == NULL)
		return SCRAM_E_PROOF;
	for (i = 0; i < SCRAM_KEYLEN; i++)
		ckey[i] = proof[i] ^ sig[i];
	ok = SHA256(ckey, sizeof(ckey), h) != NULL &&
	    scram_equal(h, stored, SCRAM_KEYLEN);
	OPENSSL_cleanse(ckey, sizeof(ckey));
	if (!ok)
		return SCRAM_E_PROOF;
	if (HMAC(EVP_sha256(), server, SCRAM_KEYLEN, (unsigned char *)auth,
	    (size_t)k, sig, &len) == NULL ||
	    scram_b64_encode(sig, SCRAM_KEYLEN, ssig, sizeof(ssig)) == 0)
		return SCRAM_E_PROOF;
	k = snprintf(out, outsz, "v=%s", ssig);
	return k > 0 && (size_t)k < outsz ? SCRAM_OK : SCRAM_E_SYNTAX;
}
