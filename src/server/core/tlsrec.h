/*
 * tlsrec.h -- the TLS record layer of an established link, without the
 * SSL object.
 *
 * OpenSSL does the handshake.  Once it is done, a link whose protocol and
 * cipher this layer knows (TLS 1.2 and 1.3 with AES-128-GCM, AES-256-GCM
 * or ChaCha20-Poly1305) hands its traffic keys and sequence numbers over
 * and the SSL object is freed: an idle link then costs the ~200 bytes
 * below instead of OpenSSL's ~14 KiB, and a record is one AEAD call into
 * the caller's buffer.  This is what the kernel's TLS offload (kTLS) does
 * with the same keys; it is done here because kTLS is not available on
 * every kernel keochatd runs on.  The cryptography is libcrypto's (EVP
 * AEAD ciphers, HKDF and the TLS 1.2 PRF as EVP_KDFs): this file only
 * frames records, builds nonces and additional data, and follows TLS 1.3
 * KeyUpdate (RFC 8446 5, 7.2; RFC 5246 6.2.3.3; RFC 5288; RFC 7905).
 *
 * Anything else after the handshake -- renegotiation, a post-handshake
 * message other than KeyUpdate, a record that does not authenticate -- is
 * a fatal error for the link, as OpenSSL configured by keochatd treats
 * it.  Links that cannot be handed over (another cipher, bytes OpenSSL
 * already buffered) simply stay with OpenSSL.
 */
#ifndef KEO_TLSREC_H
#define KEO_TLSREC_H

#include <stddef.h>
#include <stdint.h>

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;

#define TLSREC_PLAIN_MAX	16384		/* plaintext per record */
#define TLSREC_HEADER		5
/* a record's bytes beyond its plaintext: header, explicit nonce (1.2
 * GCM), inner content type (1.3), tag */
#define TLSREC_OVERHEAD		(TLSREC_HEADER + 8 + 1 + 16)
#define TLSREC_RECORD_MAX	(TLSREC_HEADER + TLSREC_PLAIN_MAX + 256)

enum {
	TLSREC_CHANGE_CIPHER_SPEC = 20,
	TLSREC_ALERT = 21,
	TLSREC_HANDSHAKE = 22,
	TLSREC_APPLICATION_DATA = 23,
};

struct tlsrec;

/* The bytes of one record state, for a caller that places it in its own
 * memory (8-byte aligned): a link's state then lives with the link, not
 * among the handshake's freed allocations, where a few hundred live
 * bytes would keep whole pages resident. */
#define TLSREC_SIZE		240

/* Watch the handshakes of ctx's links (a keylog and a message callback):
 * what tlsrec_take needs is noted per SSL.  0, or -1 when OpenSSL has no
 * room for the note (then no link is ever handed over). */
int		 tlsrec_watch(SSL_CTX *ctx);

/* After SSL_do_handshake returned 1 on a server link: its record state,
 * placed in mem (TLSREC_SIZE bytes) or allocated when mem is NULL; NULL
 * when the link must stay with OpenSSL (*why says why).  The caller then
 * frees ssl; it must not have read or written application data through
 * it. */
struct tlsrec	*tlsrec_take(SSL *ssl, void *mem, const char **why);

/* A record state made from raw keys (tests and fuzzing): version 0x0303
 * or 0x0304; cipher "AES-128-GCM", "AES-256-GCM" or "ChaCha20-Poly1305";
 * for 1.3 the two traffic secrets (hashlen bytes, SHA-256 or -384 by
 * hashlen 32 or 48), for 1.2 the keys and IVs laid out as the TLS 1.2
 * key block (client key, server key, client IV, server IV).  as_server:
 * which side's keys seal. */
struct tlsrec	*tlsrec_new_raw(unsigned version, const char *cipher,
		    int as_server, const uint8_t *material, size_t len,
		    uint64_t rx_seq, uint64_t tx_seq);

/* Zero the keys; free the state unless it was placed. */
void		 tlsrec_free(struct tlsrec *);

/* The protocol and cipher, as OpenSSL names them (static strings). */
const char	*tlsrec_version(const struct tlsrec *);
const char	*tlsrec_cipher(const struct tlsrec *);

/* The total length of the record at buf (have bytes there): 0 when the
 * header is not complete yet, -1 when it cannot be a record of this
 * link (type, version, length). */
long		 tlsrec_length(const uint8_t *buf, size_t have);

/* Decrypt the whole record rec (len bytes, as tlsrec_length said) in
 * place: *type and the plaintext (*pt, *ptlen, inside rec).  A TLS 1.3
 * KeyUpdate is followed here (the next record uses the new keys) and
 * comes back as a handshake record of no plaintext.  0, or -1 with *why
 * (bad_record_mac, unexpected_message, ...): the link is unusable. */
int		 tlsrec_open(struct tlsrec *, uint8_t *rec, size_t len,
		    uint8_t *type, uint8_t **pt, size_t *ptlen,
		    const char **why);

/* Seal the niov buffers (together <= TLSREC_PLAIN_MAX bytes) as records
 * of type into out (outsz bytes, at least their length +
 * 2 * TLSREC_OVERHEAD): a KeyUpdate the peer asked for goes first.  The
 * bytes written, or 0 on failure (a type not 20-23, too much, no room). */
size_t		 tlsrec_seal(struct tlsrec *, uint8_t type,
		    const uint8_t *const *bufs, const size_t *lens, int niov,
		    uint8_t *out, size_t outsz);

#endif
