/*
 * tlsrec.c -- see tlsrec.h.
 *
 * One EVP_CIPHER_CTX per AEAD for the whole process, re-keyed for every
 * record (an AES or ChaCha20 key set-up is far cheaper than keeping two
 * contexts of ~1 KiB per link): a worker's loop is single-threaded.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/ssl.h>

#include "tlsrec.h"

enum alg { A_AES128GCM, A_AES256GCM, A_CHACHA, A_MAX };

static const char *const alg_names[A_MAX] = {
	"AES-128-GCM", "AES-256-GCM", "ChaCha20-Poly1305"
};

#define TAG_LEN		16
#define NONCE_LEN	12
#define SECRET_MAX	48

struct dir {
	uint8_t		 key[32];
	uint8_t		 iv[NONCE_LEN];	/* 1.2 GCM: the first 4 (salt) */
	uint8_t		 secret[SECRET_MAX];	/* 1.3: for KeyUpdate */
	uint64_t	 seq;
};

/* the key material of either protocol fits in 2 * SECRET_MAX bytes */
_Static_assert(2 * 32 + 2 * NONCE_LEN <= 2 * SECRET_MAX, "key block");

struct tlsrec {
	struct dir	 rx, tx;
	const char	*vname, *cname;
	uint16_t	 version;	/* TLS1_2_VERSION or TLS1_3_VERSION */
	uint8_t		 alg;		/* enum alg */
	uint8_t		 keylen, hashlen;
	uint8_t		 ku_owed;	/* the peer asked for our KeyUpdate */
	uint8_t		 placed;	/* in the caller's memory */
};

_Static_assert(sizeof(struct tlsrec) <= TLSREC_SIZE, "TLSREC_SIZE");

/* What the handshake callbacks noted about one SSL (its ex_data). */
struct note {
	uint8_t		 csec[SECRET_MAX], ssec[SECRET_MAX];
	uint8_t		 clen, slen;
	unsigned	 tickets;	/* 1.3 NewSessionTickets sent */
};

static struct {
	EVP_CIPHER	*cipher[A_MAX];
	EVP_CIPHER_CTX	*ctx[A_MAX];
	EVP_KDF		*hkdf, *prf;
	int		 ready;		/* 1 ok, -1 failed */
	int		 idx;		/* the SSL ex_data index, or -1 */
} G = { .idx = -1 };

static int
init(void)
{
	int i;

	if (G.ready != 0)
		return G.ready;
	G.ready = -1;
	for (i = 0; i < A_MAX; i++)
		if ((G.cipher[i] = EVP_CIPHER_fetch(NULL, alg_names[i],
		    NULL)) == NULL || (G.ctx[i] = EVP_CIPHER_CTX_new()) ==
		    NULL || EVP_CipherInit_ex2(G.ctx[i], G.cipher[i], NULL,
		    NULL, 1, NULL) != 1)
			return -1;
	if ((G.hkdf = EVP_KDF_fetch(NULL, "HKDF", NULL)) == NULL ||
	    (G.prf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL)) == NULL)
		return -1;
	G.ready = 1;
	return 1;
}

/* --- key derivation ---------------------------------------------------------- */

static const char *
md_name(unsigned hashlen)
{
	return hashlen == 48 ? "SHA384" : "SHA256";
}

/* RFC 8446 7.1 HKDF-Expand-Label with an empty context. */
static int
expand_label(unsigned hashlen, const uint8_t *secret, const char *label,
    uint8_t *out, size_t outlen)
{
	uint8_t info[2 + 1 + 255 + 1];
	size_t ll = strlen(label), n = 0;
	int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY, rc;
	OSSL_PARAM p[5];
	EVP_KDF_CTX *k;

	if (6 + ll > 255 || outlen > 255)
		return -1;
	info[n++] = (uint8_t)(outlen >> 8);
	info[n++] = (uint8_t)outlen;
	info[n++] = (uint8_t)(6 + ll);
	memcpy(info + n, "tls13 ", 6);
	n += 6;
	memcpy(info + n, label, ll);
	n += ll;
	info[n++] = 0;
	if ((k = EVP_KDF_CTX_new(G.hkdf)) == NULL)
		return -1;
	p[0] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	p[1] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	    (char *)md_name(hashlen), 0);
	p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
	    (void *)secret, hashlen);
	p[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, n);
	p[4] = OSSL_PARAM_construct_end();
	rc = EVP_KDF_derive(k, out, outlen, p) == 1 ? 0 : -1;
	EVP_KDF_CTX_free(k);
	return rc;
}

/* A TLS 1.3 direction from its traffic secret. */
static int
dir13(struct tlsrec *r, struct dir *d, const uint8_t *secret)
{
	if (secret != d->secret)
		memcpy(d->secret, secret, r->hashlen);
	return expand_label(r->hashlen, d->secret, "key", d->key, r->keylen) ==
	    0 && expand_label(r->hashlen, d->secret, "iv", d->iv, NONCE_LEN) ==
	    0 ? 0 : -1;
}

/* KeyUpdate: the next generation of d's secret and keys (RFC 8446 7.2). */
static int
update13(struct tlsrec *r, struct dir *d)
{
	uint8_t next[SECRET_MAX];
	int rc;

	if (expand_label(r->hashlen, d->secret, "traffic upd", next,
	    r->hashlen) == -1)
		return -1;
	memcpy(d->secret, next, r->hashlen);
	OPENSSL_cleanse(next, sizeof(next));
	rc = dir13(r, d, d->secret);
	d->seq = 0;
	return rc;
}

static unsigned
fixed_iv(const struct tlsrec *r)
{
	return r->alg == A_CHACHA ? NONCE_LEN : 4;
}

static struct tlsrec *
make(void *mem, unsigned version, enum alg alg, unsigned hashlen,
    int as_server, const uint8_t *m, size_t len, uint64_t rx_seq,
    uint64_t tx_seq)
{
	struct tlsrec *r;
	struct dir *cl, *sv;
	unsigned f;

	if (init() != 1 || (version != TLS1_2_VERSION && version !=
	    TLS1_3_VERSION) || (hashlen != 32 && hashlen != 48))
		return NULL;
	if (mem != NULL) {
		r = memset(mem, 0, sizeof(*r));
		r->placed = 1;
	} else if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->version = (uint16_t)version;
	r->alg = (uint8_t)alg;
	r->keylen = alg == A_AES128GCM ? 16 : 32;
	r->hashlen = (uint8_t)hashlen;
	r->vname = version == TLS1_3_VERSION ? "TLSv1.3" : "TLSv1.2";
	r->cname = alg_names[alg];
	cl = as_server ? &r->rx : &r->tx;
	sv = as_server ? &r->tx : &r->rx;
	if (version == TLS1_3_VERSION) {
		if (len != 2 * (size_t)hashlen || dir13(r, cl, m) == -1 ||
		    dir13(r, sv, m + hashlen) == -1)
			goto fail;
	} else {
		f = fixed_iv(r);
		if (len != 2 * (size_t)r->keylen + 2 * f)
			goto fail;
		memcpy(cl->key, m, r->keylen);
		memcpy(sv->key, m + r->keylen, r->keylen);
		memcpy(cl->iv, m + 2 * r->keylen, f);
		memcpy(sv->iv, m + 2 * r->keylen + f, f);
	}
	r->rx.seq = rx_seq;
	r->tx.seq = tx_seq;
	return r;
fail:
	tlsrec_free(r);
	return NULL;
}

struct tlsrec *
tlsrec_new_raw(unsigned version, const char *cipher, int as_server,
    const uint8_t *material, size_t len, uint64_t rx_seq, uint64_t tx_seq)
{
	unsigned hashlen = 32;
	int a;

	for (a = 0; a < A_MAX; a++)
		if (strcmp(cipher, alg_names[a]) == 0)
			break;
	if (a == A_MAX)
		return NULL;
	if (version == TLS1_3_VERSION)
		hashlen = (unsigned)len / 2;
	return make(NULL, version, (enum alg)a, hashlen, as_server, material,
	    len, rx_seq, tx_seq);
}

void
tlsrec_free(struct tlsrec *r)
{
	int placed;

	if (r == NULL)
		return;
	placed = r->placed;
	OPENSSL_cleanse(r, sizeof(*r));
	if (!placed)
		free(r);
}

const char *
tlsrec_version(const struct tlsrec *r)
{
	return r->vname;
}

const char *
tlsrec_cipher(const struct tlsrec *r)
{
	return r->cname;
}

/* --- the hand-over --------------------------------------------------------- */

static void
note_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
    void *argp)
{
	(void)parent;
	(void)ad;
	(void)idx;
	(void)argl;
	(void)argp;
	if (ptr != NULL) {
		OPENSSL_cleanse(ptr, sizeof(struct note));
		free(ptr);
	}
}

static struct note *
note_of(const SSL *ssl)
{
	struct note *n;

	if (G.idx < 0)
		return NULL;
	if ((n = SSL_get_ex_data(ssl, G.idx)) != NULL)
		return n;
	if ((n = calloc(1, sizeof(*n))) == NULL)
		return NULL;
	/* the callbacks get a const SSL: the note is ours to hang on it */
	if (SSL_set_ex_data((SSL *)(uintptr_t)ssl, G.idx, n) != 1) {
		free(n);
		return NULL;
	}
	return n;
}

static int
unhex(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* "LABEL <client random hex> <secret hex>": the application traffic
 * secrets of TLS 1.3 (NSS key log format, as OpenSSL writes it). */
static void
keylog(const SSL *ssl, const char *line)
{
	static const char cl[] = "CLIENT_TRAFFIC_SECRET_0 ",
	    sv[] = "SERVER_TRAFFIC_SECRET_0 ";
	uint8_t *out, *len;
	const char *p, *sp;
	struct note *n;
	size_t k = 0;
	int hi, lo;

	if (strncmp(line, cl, sizeof(cl) - 1) != 0 && strncmp(line, sv,
	    sizeof(sv) - 1) != 0)
		return;
	if ((n = note_of(ssl)) == NULL)
		return;
	if (line[0] == 'C') {
		out = n->csec;
		len = &n->clen;
	} else {
		out = n->ssec;
		len = &n->slen;
	}
	*len = 0;
	if ((sp = strchr(line + sizeof(cl) - 1, ' ')) == NULL)
		return;
	for (p = sp + 1; p[0] != '\0' && p[1] != '\0'; p += 2) {
		if (k == SECRET_MAX || (hi = unhex(p[0])) < 0 ||
		    (lo = unhex(p[1])) < 0)
			return;
		out[k++] = (uint8_t)(hi << 4 | lo);
	}
	if (*p == '\0')
		*len = (uint8_t)k;
}

/* Count the TLS 1.3 tickets the server sends: each is one record under
 * the application keys, so they set the first sequence number. */
static void
message(int write_p, int version, int content_type, const void *buf,
    size_t len, SSL *ssl, void *arg)
{
	struct note *n;

	(void)arg;
	if (!write_p || version != TLS1_3_VERSION || content_type !=
	    SSL3_RT_HANDSHAKE || len == 0 || ((const uint8_t *)buf)[0] !=
	    SSL3_MT_NEWSESSION_TICKET || (n = note_of(ssl)) == NULL)
		return;
	n->tickets++;
}

int
tlsrec_watch(SSL_CTX *ctx)
{
	if (G.idx < 0 && (G.idx = SSL_get_ex_new_index(0, NULL, NULL, NULL,
	    note_free)) < 0)
		return -1;
	SSL_CTX_set_keylog_callback(ctx, keylog);
	SSL_CTX_set_msg_callback(ctx, message);
	return 0;
}

/* RFC 5246 6.3's label, without a NUL */
static const uint8_t key_expansion[13] = {
	'k', 'e', 'y', ' ', 'e', 'x', 'p', 'a', 'n', 's', 'i', 'o', 'n'
};

struct tlsrec *
tlsrec_take(SSL *ssl, void *mem, const char **why)
{
	uint8_t m[2 * SECRET_MAX], master[SSL_MAX_MASTER_KEY_LENGTH],
	    seed[13 + 2 * SSL3_RANDOM_SIZE];
	const SSL_CIPHER *c;
	const EVP_MD *md;
	struct note *n;
	struct tlsrec *r = NULL;
	unsigned version, hashlen, f, keylen;
	enum alg alg;
	OSSL_PARAM p[4];
	EVP_KDF_CTX *k;
	size_t ml;

	*why = NULL;
	if (G.idx < 0) {
		*why = "the handshake was not watched";
		return NULL;
	}
	n = SSL_get_ex_data(ssl, G.idx);	/* NULL: nothing noted */
	version = (unsigned)SSL_version(ssl);
	if ((c = SSL_get_current_cipher(ssl)) == NULL ||
	    (md = SSL_CIPHER_get_handshake_digest(c)) == NULL) {
		*why = "no cipher";
		return NULL;
	}
	switch (SSL_CIPHER_get_cipher_nid(c)) {
	case NID_aes_128_gcm:
		alg = A_AES128GCM;
		break;
	case NID_aes_256_gcm:
		alg = A_AES256GCM;
		break;
	case NID_chacha20_poly1305:
		alg = A_CHACHA;
		break;
	default:
		*why = "a cipher the record layer does not do";
		return NULL;
	}
	hashlen = (unsigned)EVP_MD_get_size(md);
	if (SSL_has_pending(ssl)) {
		*why = "OpenSSL holds bytes of the link";
		return NULL;
	}
	if (init() != 1) {
		*why = "libcrypto lacks an AEAD or KDF";
		return NULL;
	}
	if (version == TLS1_3_VERSION) {
		if (n == NULL || n->clen != hashlen || n->slen != hashlen) {
			*why = "no traffic secrets";
			return NULL;
		}
		memcpy(m, n->csec, hashlen);
		memcpy(m + hashlen, n->ssec, hashlen);
		r = make(mem, version, alg, hashlen, 1, m, 2 *
		    (size_t)hashlen, 0, n->tickets);
	} else if (version == TLS1_2_VERSION) {
		/* RFC 5246 6.3: the key block from the master secret; the
		 * Finished messages were record 0 each way */
		keylen = alg == A_AES128GCM ? 16 : 32;
		f = alg == A_CHACHA ? NONCE_LEN : 4;
		ml = SSL_SESSION_get_master_key(SSL_get_session(ssl), master,
		    sizeof(master));
		memcpy(seed, key_expansion, sizeof(key_expansion));
		if (ml == 0 || SSL_get_server_random(ssl, seed + 13,
		    SSL3_RANDOM_SIZE) != SSL3_RANDOM_SIZE ||
		    SSL_get_client_random(ssl, seed + 13 + SSL3_RANDOM_SIZE,
		    SSL3_RANDOM_SIZE) != SSL3_RANDOM_SIZE ||
		    (k = EVP_KDF_CTX_new(G.prf)) == NULL) {
			*why = "no master secret";
			OPENSSL_cleanse(master, sizeof(master));
			return NULL;
		}
		p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
		    (char *)md_name(hashlen), 0);
		p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET,
		    master, ml);
		p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED,
		    seed, sizeof(seed));
		p[3] = OSSL_PARAM_construct_end();
		if (EVP_KDF_derive(k, m, 2 * (size_t)keylen + 2 * f, p) == 1)
			r = make(mem, version, alg, hashlen, 1, m, 2 *
			    (size_t)keylen + 2 * f, 1, 1);
		EVP_KDF_CTX_free(k);
		OPENSSL_cleanse(master, sizeof(master));
	} else {
		*why = "a protocol the record layer does not do";
		return NULL;
	}
	OPENSSL_cleanse(m, sizeof(m));
	if (r == NULL) {
		*why = "the keys could not be derived";
		return NULL;
	}
	r->vname = SSL_get_version(ssl);
	r->cname = SSL_CIPHER_get_name(c);
	return r;
}

/* --- records ----------------------------------------------------------------- */

long
tlsrec_length(const uint8_t *buf, size_t have)
{
	size_t len;

	if (have < TLSREC_HEADER)
		return 0;
	if (buf[0] < TLSREC_CHANGE_CIPHER_SPEC || buf[0] >
	    TLSREC_APPLICATION_DATA || buf[1] != 3 || buf[2] != 3)
		return -1;
	len = (size_t)buf[3] << 8 | buf[4];
	if (len == 0 || len > TLSREC_PLAIN_MAX + 256)
		return -1;
	return (long)(TLSREC_HEADER + len);
}

static void
be64(uint8_t out[8], uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--) {
		out[i] = (uint8_t)v;
		v >>= 8;
	}
}

/* The record nonce: fixed IV XOR sequence (1.3, ChaCha20 in 1.2), or
 * salt || explicit part (1.2 GCM). */
static void
nonce(const struct tlsrec *r, const struct dir *d, const uint8_t *expl,
    uint8_t out[NONCE_LEN])
{
	uint8_t s[8];
	int i;

	if (r->version == TLS1_2_VERSION && r->alg != A_CHACHA) {
		memcpy(out, d->iv, 4);
		memcpy(out + 4, expl, 8);
		return;
	}
	be64(s, d->seq);
	memcpy(out, d->iv, NONCE_LEN);
	for (i = 0; i < 8; i++)
		out[4 + i] ^= s[i];
}

/* TLS 1.2's additional data: seq, type, version, plaintext length. */
static void
aad12(const struct dir *d, uint8_t type, size_t len, uint8_t out[13])
{
	be64(out, d->seq);
	out[8] = type;
	out[9] = 3;
	out[10] = 3;
	out[11] = (uint8_t)(len >> 8);
	out[12] = (uint8_t)len;
}

/* TLS 1.3 post-handshake messages: only KeyUpdate, last in its record. */
static int
post_handshake(struct tlsrec *r, const uint8_t *p, size_t len,
    const char **why)
{
	if (len < 4) {
		*why = "decode_error (a handshake message cut short)";
		return -1;
	}
	if (p[0] != 24) {		/* key_update */
		*why = "unexpected_message (a handshake message after the "
		    "handshake)";
		return -1;
	}
	if (p[1] != 0 || p[2] != 0 || p[3] != 1 || len != 5) {
		*why = "decode_error (a KeyUpdate of the wrong length)";
		return -1;
	}
	if (p[4] > 1) {
		*why = "illegal_parameter (KeyUpdate)";
		return -1;
	}
	if (update13(r, &r->rx) == -1) {
		*why = "internal_error (KeyUpdate)";
		return -1;
	}
	if (p[4] == 1)
		r->ku_owed = 1;
	return 0;
}

int
tlsrec_open(struct tlsrec *r, uint8_t *rec, size_t len, uint8_t *type,
    uint8_t **pt, size_t *ptlen, const char **why)
{
	EVP_CIPHER_CTX *cx = G.ctx[r->alg];
	uint8_t n[NONCE_LEN], aad[13], *body = rec + TLSREC_HEADER, *ct;
	size_t blen, clen, i;
	int outl;

	*why = "decode_error";
	if (len < TLSREC_HEADER || tlsrec_length(rec, len) != (long)len)
		return -1;
	blen = len - TLSREC_HEADER;
	*type = rec[0];
	if (r->rx.seq == UINT64_MAX) {
		*why = "internal_error (sequence number exhausted)";
		return -1;
	}
	if (r->version == TLS1_3_VERSION) {
		if (rec[0] != TLSREC_APPLICATION_DATA) {
			*why = "unexpected_message (a plain-text record)";
			return -1;
		}
		if (blen < TAG_LEN + 1)
			return -1;
		ct = body;
		clen = blen - TAG_LEN;
		nonce(r, &r->rx, NULL, n);
	} else {
		if (rec[0] == TLSREC_CHANGE_CIPHER_SPEC) {
			*why = "unexpected_message (ChangeCipherSpec)";
			return -1;
		}
		if (r->alg == A_CHACHA) {
			if (blen < TAG_LEN)
				return -1;
			ct = body;
			clen = blen - TAG_LEN;
			nonce(r, &r->rx, NULL, n);
		} else {
			if (blen < 8 + TAG_LEN)
				return -1;
			ct = body + 8;
			clen = blen - 8 - TAG_LEN;
			nonce(r, &r->rx, body, n);
		}
		aad12(&r->rx, rec[0], clen, aad);
	}
	*why = "bad_record_mac";
	if (EVP_CipherInit_ex2(cx, NULL, r->rx.key, n, 0, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_AEAD_SET_TAG, TAG_LEN,
	    ct + clen) != 1 ||
	    EVP_CipherUpdate(cx, NULL, &outl, r->version == TLS1_3_VERSION ?
	    rec : aad, r->version == TLS1_3_VERSION ? TLSREC_HEADER : 13) !=
	    1 || (clen > 0 && EVP_CipherUpdate(cx, ct, &outl, ct, (int)clen)
	    != 1) || EVP_CipherFinal_ex(cx, ct + clen, &outl) != 1)
		return -1;
	r->rx.seq++;
	if (r->version == TLS1_3_VERSION) {
		/* TLSInnerPlaintext: content, type, zeros */
		for (i = clen; i > 0 && ct[i - 1] == 0; i--)
			;
		if (i == 0) {
			*why = "unexpected_message (no content type)";
			return -1;
		}
		*type = ct[i - 1];
		clen = i - 1;
	}
	if (clen > TLSREC_PLAIN_MAX) {
		*why = "record_overflow";
		return -1;
	}
	*pt = ct;
	*ptlen = clen;
	switch (*type) {
	case TLSREC_APPLICATION_DATA:
		return 0;
	case TLSREC_ALERT:
		if (clen != 2) {
			*why = "decode_error (an alert)";
			return -1;
		}
		return 0;
	case TLSREC_HANDSHAKE:
		if (r->version != TLS1_3_VERSION) {
			*why = "no_renegotiation";
			return -1;
		}
		if (post_handshake(r, ct, clen, why) == -1)
			return -1;
		*ptlen = 0;
		return 0;
	default:
		*why = "unexpected_message";
		return -1;
	}
}

/* One record of type from the buffers, into out; its length or 0. */
static size_t
seal_one(struct tlsrec *r, uint8_t type, const uint8_t *const *bufs,
    const size_t *lens, int niov, size_t plain, uint8_t *out)
{
	EVP_CIPHER_CTX *cx = G.ctx[r->alg];
	uint8_t n[NONCE_LEN], aad[13], expl[8] = { 0 }, *p;
	size_t blen;
	int i, outl;
	int v13 = r->version == TLS1_3_VERSION;
	int explicit_nonce = !v13 && r->alg != A_CHACHA;

	if (r->tx.seq == UINT64_MAX)
		return 0;
	blen = plain + TAG_LEN + (v13 ? 1 : 0) + (explicit_nonce ? 8 : 0);
	out[0] = v13 ? TLSREC_APPLICATION_DATA : type;
	out[1] = 3;
	out[2] = 3;
	out[3] = (uint8_t)(blen >> 8);
	out[4] = (uint8_t)blen;
	p = out + TLSREC_HEADER;
	if (explicit_nonce) {
		be64(expl, r->tx.seq);	/* unique per key, as OpenSSL does */
		memcpy(p, expl, 8);
		p += 8;
	}
	nonce(r, &r->tx, expl, n);
	if (!v13)
		aad12(&r->tx, type, plain, aad);
	if (EVP_CipherInit_ex2(cx, NULL, r->tx.key, n, 1, NULL) != 1 ||
	    EVP_CipherUpdate(cx, NULL, &outl, v13 ? out : aad, v13 ?
	    TLSREC_HEADER : 13) != 1)
		return 0;
	for (i = 0; i < niov; i++) {
		if (lens[i] == 0)
			continue;
		if (EVP_CipherUpdate(cx, p, &outl, bufs[i], (int)lens[i]) != 1)
			return 0;
		p += outl;
	}
	if (v13) {
		if (EVP_CipherUpdate(cx, p, &outl, &type, 1) != 1)
			return 0;
		p += outl;
	}
	if (EVP_CipherFinal_ex(cx, p, &outl) != 1)
		return 0;
	p += outl;
	if (EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_AEAD_GET_TAG, TAG_LEN, p) != 1)
		return 0;
	r->tx.seq++;
	return TLSREC_HEADER + blen;
}

size_t
tlsrec_seal(struct tlsrec *r, uint8_t type, const uint8_t *const *bufs,
    const size_t *lens, int niov, uint8_t *out, size_t outsz)
{
	static const uint8_t ku[5] = { 24, 0, 0, 1, 0 };  /* not requested */
	const uint8_t *kb[1] = { ku };
	const size_t kl[1] = { sizeof(ku) };
	size_t plain = 0, off = 0, k;
	int i;

	/* content type 0 would read back as padding in TLS 1.3 */
	if (type < TLSREC_CHANGE_CIPHER_SPEC || type > TLSREC_APPLICATION_DATA)
		return 0;
	for (i = 0; i < niov; i++)
		plain += lens[i];
	if (plain > TLSREC_PLAIN_MAX || outsz < plain + 2 * TLSREC_OVERHEAD +
	    sizeof(ku))
		return 0;
	if (r->ku_owed) {
		if ((k = seal_one(r, TLSREC_HANDSHAKE, kb, kl, 1, sizeof(ku),
		    out)) == 0 || update13(r, &r->tx) == -1)
			return 0;
		r->ku_owed = 0;
		off = k;
	}
	if ((k = seal_one(r, type, bufs, lens, niov, plain, out + off)) == 0)
		return 0;
	return off + k;
}
