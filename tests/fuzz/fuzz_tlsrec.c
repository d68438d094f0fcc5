/*
 * fuzz_tlsrec.c -- the TLS record layer (src/server/core/tlsrec.c) on
 * hostile input.  The first byte picks the protocol and AEAD (and the
 * mode); the rest is either raw bytes read as the worker reads a socket
 * (records that must all be refused: nobody here knows the keys), or
 * chunks "type, length, plaintext" that a peer with the right keys seals
 * and the server opens -- so that KeyUpdate, alerts, inner content types
 * and padding are reached.  Properties: no crash, no forged record is
 * accepted, and what is opened is exactly what was sealed.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include "fuzz.h"
#include "tlsrec.h"

static const char *const ciphers[3] = {
	"AES-128-GCM", "AES-256-GCM", "ChaCha20-Poly1305"
};

static struct tlsrec *
state(unsigned v13, unsigned alg, int as_server)
{
	static const uint8_t m[96] = "fuzz key material: two secrets, or "
	    "keys and IVs of the TLS 1.2 key block, fixed for the fuzzer";
	size_t keylen = alg == 0 ? 16 : 32, f = alg == 2 ? 12 : 4;

	if (v13)
		return tlsrec_new_raw(TLS1_3_VERSION, ciphers[alg], as_server, m,
		    alg == 1 ? 96 : 64, 0, 0);
	return tlsrec_new_raw(TLS1_2_VERSION, ciphers[alg], as_server, m,
	    2 * keylen + 2 * f, 1, 1);
}

static void
raw(struct tlsrec *s, const uint8_t *p, size_t n)
{
	static uint8_t rec[TLSREC_RECORD_MAX];
	uint8_t type, *pt;
	size_t ptlen;
	const char *why;
	long need;

	while (n > 0) {
		need = tlsrec_length(p, n);
		if (need <= 0 || (size_t)need > n)
			return;
		memcpy(rec, p, (size_t)need);
		if (tlsrec_open(s, rec, (size_t)need, &type, &pt, &ptlen,
		    &why) == 0)
			abort();	/* a forgery passed */
		p += need;
		n -= (size_t)need;
	}
}

static void
sealed(struct tlsrec *s, struct tlsrec *peer, const uint8_t *p, size_t n)
{
	static uint8_t out[2 * TLSREC_RECORD_MAX];
	uint8_t type, *pt;
	size_t len, k, ptlen, off;
	const uint8_t *b[1];
	const char *why;
	long need;

	while (n >= 3) {
		type = p[0];
		len = (size_t)p[1] << 8 | p[2];
		p += 3;
		n -= 3;
		if (len > n)
			len = n;
		if (len > TLSREC_PLAIN_MAX)
			len = TLSREC_PLAIN_MAX;
		b[0] = p;
		if ((k = tlsrec_seal(peer, type, b, &len, 1, out,
		    sizeof(out))) == 0)
			return;
		for (off = 0; off < k; off += (size_t)need) {
			need = tlsrec_length(out + off, k - off);
			if (need <= 0 || off + (size_t)need > k)
				abort();	/* we sealed something bad */
			if (tlsrec_open(s, out + off, (size_t)need, &type, &pt,
			    &ptlen, &why) == -1)
				return;
			if (type == TLSREC_APPLICATION_DATA && (ptlen != len ||
			    memcmp(pt, p, len) != 0))
				abort();
		}
		p += len;
		n -= len;
		/* the server answers, with its KeyUpdate first if asked */
		b[0] = (const uint8_t *)"ok";
		len = 2;
		if ((k = tlsrec_seal(s, TLSREC_APPLICATION_DATA, b, &len, 1,
		    out, sizeof(out))) == 0)
			return;
		for (off = 0; off < k; off += (size_t)need) {
			need = tlsrec_length(out + off, k - off);
			if (need <= 0 || tlsrec_open(peer, out + off,
			    (size_t)need, &type, &pt, &ptlen, &why) == -1)
				abort();
		}
		if (type != TLSREC_APPLICATION_DATA || ptlen != 2)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tlsrec *s, *peer;
	unsigned v13, alg;

	if (size == 0)
		return 0;
	v13 = data[0] & 1;
	alg = (data[0] >> 1) % 3;
	if ((s = state(v13, alg, 1)) == NULL || (peer = state(v13, alg, 0)) ==
	    NULL)
		abort();
	if (data[0] & 0x80)
		sealed(s, peer, data + 1, size - 1);
	else
		raw(s, data + 1, size - 1);
	tlsrec_free(s);
	tlsrec_free(peer);
	return 0;
}
