/*
 * test_tlsrec.c -- the record layer of src/server/core/tlsrec.c against
 * OpenSSL itself: a real handshake over a socketpair (certificate made
 * here), then the server side handed over and spoken to by an OpenSSL
 * client, for TLS 1.2 and 1.3 with each AEAD, with resumption, KeyUpdate
 * both ways, big records, close_notify, and forged records.
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "unit.h"
#include "tlsrec.h"

static SSL_CTX *sctx;

static SSL_CTX *
server_ctx(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	SSL_CTX *c = SSL_CTX_new(TLS_server_method());

	assert_non_null(k);
	assert_non_null(x);
	assert_non_null(c);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, k);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
	    (const unsigned char *)"localhost", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	assert_true(X509_sign(x, k, EVP_sha256()) > 0);
	assert_int_equal(SSL_CTX_use_certificate(c, x), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey(c, k), 1);
	SSL_CTX_set_options(c, SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_set_mode(c, SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);
	(void)SSL_CTX_set_session_id_context(c, (const unsigned char *)"t", 1);
	assert_int_equal(tlsrec_watch(c), 0);
	X509_free(x);
	EVP_PKEY_free(k);
	return c;
}

struct link {
	int	 sfd, cfd;
	SSL	*srv, *cli;
	SSL_CTX	*cctx;
	struct tlsrec *r;
	const char *why;
	int	 placed;	/* the state in mem, as the worker has it */
	union {
		uint64_t align;
		uint8_t	 b[TLSREC_SIZE];
	}	 mem;
};

/* A handshake between an OpenSSL client (version, ciphers) and the
 * watched server, then the hand-over. */
static void
connect_pair(struct link *l, int version, const char *ciphers,
    SSL_SESSION *resume)
{
	static int count;
	int sv[2], i, rs = 0, rc = 0;

	memset(l, 0, sizeof(*l));
	l->placed = count++ % 2;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0,
	    sv), 0);
	l->sfd = sv[0];
	l->cfd = sv[1];
	assert_non_null(l->cctx = SSL_CTX_new(TLS_client_method()));
	SSL_CTX_set_min_proto_version(l->cctx, version);
	SSL_CTX_set_max_proto_version(l->cctx, version);
	if (version == TLS1_3_VERSION)
		assert_int_equal(SSL_CTX_set_ciphersuites(l->cctx, ciphers), 1);
	else
		assert_int_equal(SSL_CTX_set_cipher_list(l->cctx, ciphers), 1);
	assert_non_null(l->srv = SSL_new(sctx));
	assert_non_null(l->cli = SSL_new(l->cctx));
	SSL_set_fd(l->srv, l->sfd);
	SSL_set_fd(l->cli, l->cfd);
	if (resume != NULL)
		assert_int_equal(SSL_set_session(l->cli, resume), 1);
	SSL_set_accept_state(l->srv);
	SSL_set_connect_state(l->cli);
	for (i = 0; i < 100 && (rs != 1 || rc != 1); i++) {
		if (rc != 1)
			rc = SSL_do_handshake(l->cli);
		if (rs != 1)
			rs = SSL_do_handshake(l->srv);
	}
	assert_int_equal(rs, 1);
	assert_int_equal(rc, 1);
	l->r = tlsrec_take(l->srv, l->placed ? l->mem.b : NULL, &l->why);
	SSL_free(l->srv);	/* from here the server side is ours */
	l->srv = NULL;
	/* the server's side blocks: reads below wait for the client */
	assert_int_equal(fcntl(l->sfd, F_SETFL, 0), 0);
}

static void
close_pair(struct link *l)
{
	tlsrec_free(l->r);
	SSL_free(l->cli);
	SSL_CTX_free(l->cctx);
	close(l->sfd);
	close(l->cfd);
}

static void
read_all(int fd, uint8_t *p, size_t n)
{
	ssize_t k;

	while (n > 0) {
		k = read(fd, p, n);
		assert_true(k > 0);
		p += k;
		n -= (size_t)k;
	}
}

/* One record from the client, opened by the server. */
static int
server_gets(struct link *l, uint8_t *type, uint8_t *out, size_t *outlen)
{
	uint8_t rec[TLSREC_RECORD_MAX], *pt;
	size_t ptlen;
	long need;
	int rc;

	read_all(l->sfd, rec, TLSREC_HEADER);
	need = tlsrec_length(rec, TLSREC_HEADER);
	assert_true(need > TLSREC_HEADER);
	read_all(l->sfd, rec + TLSREC_HEADER, (size_t)need - TLSREC_HEADER);
	rc = tlsrec_open(l->r, rec, (size_t)need, type, &pt, &ptlen, &l->why);
	if (rc == 0) {
		memcpy(out, pt, ptlen);
		*outlen = ptlen;
	}
	return rc;
}

/* The server sends text; the client reads all of it. */
static void
server_says(struct link *l, const uint8_t *text, size_t len)
{
	static uint8_t out[TLSREC_RECORD_MAX + 64];
	static uint8_t got[70000];
	size_t have = 0, k, n;
	struct pollfd pfd = { l->cfd, POLLIN, 0 };
	int r;

	for (size_t off = 0; off < len; off += k) {
		const uint8_t *b[2];
		size_t bl[2];

		k = len - off > TLSREC_PLAIN_MAX ? TLSREC_PLAIN_MAX : len - off;
		/* two buffers per record, as the worker gathers its queue */
		b[0] = text + off;
		bl[0] = k / 3;
		b[1] = text + off + k / 3;
		bl[1] = k - k / 3;
		n = tlsrec_seal(l->r, TLSREC_APPLICATION_DATA, b, bl, 2, out,
		    sizeof(out));
		assert_true(n > k);
		assert_int_equal(write(l->sfd, out, n), (ssize_t)n);
		while (have < off + k) {
			r = SSL_read(l->cli, got + have, (int)(sizeof(got) -
			    have));
			if (r > 0) {
				have += (size_t)r;
				continue;
			}
			assert_int_equal(SSL_get_error(l->cli, r),
			    SSL_ERROR_WANT_READ);
			assert_int_equal(poll(&pfd, 1, 5000), 1);
		}
	}
	assert_int_equal(have, len);
	assert_memory_equal(got, text, len);
}

static void
client_says(struct link *l, const char *text)
{
	uint8_t got[TLSREC_PLAIN_MAX];
	size_t n;
	uint8_t type;

	assert_int_equal(SSL_write(l->cli, text, (int)strlen(text)),
	    (int)strlen(text));
	assert_int_equal(server_gets(l, &type, got, &n), 0);
	assert_int_equal(type, TLSREC_APPLICATION_DATA);
	assert_int_equal(n, strlen(text));
	assert_memory_equal(got, text, n);
}

/* Both ways, small and big, then close_notify from the client. */
static void
talk(struct link *l)
{
	static uint8_t big[40000];
	uint8_t got[TLSREC_PLAIN_MAX], type;
	size_t n, i;

	assert_non_null(l->r);
	client_says(l, "NICK alice\r\nUSER a 0 * :A\r\n");
	server_says(l, (const uint8_t *)":srv 001 alice :hi\r\n", 20);
	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)('a' + i % 26);
	server_says(l, big, sizeof(big));
	client_says(l, "PRIVMSG #lobby :after the big one\r\n");
	assert_int_equal(SSL_shutdown(l->cli), 0);
	assert_int_equal(server_gets(l, &type, got, &n), 0);
	assert_int_equal(type, TLSREC_ALERT);
	assert_int_equal(n, 2);
	assert_int_equal(got[1], 0);		/* close_notify */
}

static void
each_cipher(int version, const char *const *ciphers, size_t n)
{
	struct link l;
	size_t i;

	for (i = 0; i < n; i++) {
		connect_pair(&l, version, ciphers[i], NULL);
		if (l.r == NULL)
			fail_msg("%s: not handed over: %s", ciphers[i], l.why);
		talk(&l);
		close_pair(&l);
	}
}

static void
tls13_each_aead(void **state)
{
	static const char *const c[] = { "TLS_AES_128_GCM_SHA256",
	    "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256" };

	(void)state;
	each_cipher(TLS1_3_VERSION, c, NELEM(c));
}

static void
tls12_each_aead(void **state)
{
	static const char *const c[] = { "ECDHE-ECDSA-AES128-GCM-SHA256",
	    "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305" };

	(void)state;
	each_cipher(TLS1_2_VERSION, c, NELEM(c));
}

/* A resumed handshake (a ticket from the first link) hands over too. */
static void
resumed(int version, const char *cipher)
{
	struct link l;
	SSL_SESSION *s;
	uint8_t got[64], type;
	size_t n;

	connect_pair(&l, version, cipher, NULL);
	assert_non_null(l.r);
	client_says(&l, "first\r\n");	/* reads the 1.3 tickets too */
	server_says(&l, (const uint8_t *)"ok\r\n", 4);
	assert_non_null(s = SSL_get1_session(l.cli));
	assert_int_equal(SSL_shutdown(l.cli), 0);
	assert_int_equal(server_gets(&l, &type, got, &n), 0);
	close_pair(&l);
	connect_pair(&l, version, cipher, s);
	assert_int_equal(SSL_session_reused(l.cli), 1);
	talk(&l);
	close_pair(&l);
	SSL_SESSION_free(s);
}

static void
resumption(void **state)
{
	(void)state;
	resumed(TLS1_3_VERSION, "TLS_AES_128_GCM_SHA256");
	resumed(TLS1_2_VERSION, "ECDHE-ECDSA-AES128-GCM-SHA256");
}

/* The client updates its keys and asks for ours: the next record the
 * server seals carries its own KeyUpdate first. */
static void
key_update(void **state)
{
	struct link l;
	uint8_t got[64], type;
	size_t n;
	int round;

	(void)state;
	connect_pair(&l, TLS1_3_VERSION, "TLS_AES_256_GCM_SHA384", NULL);
	assert_non_null(l.r);
	for (round = 0; round < 3; round++) {
		assert_int_equal(SSL_key_update(l.cli, round == 1 ?
		    SSL_KEY_UPDATE_NOT_REQUESTED : SSL_KEY_UPDATE_REQUESTED),
		    1);
		assert_int_equal(SSL_write(l.cli, "x\r\n", 3), 3);
		assert_int_equal(server_gets(&l, &type, got, &n), 0);
		assert_int_equal(type, TLSREC_HANDSHAKE);
		assert_int_equal(n, 0);
		assert_int_equal(server_gets(&l, &type, got, &n), 0);
		assert_int_equal(type, TLSREC_APPLICATION_DATA);
		assert_memory_equal(got, "x\r\n", 3);
		server_says(&l, (const uint8_t *)"after update\r\n", 14);
	}
	talk(&l);
	close_pair(&l);
}

/* Forged, replayed and malformed records are refused. */
static void
bad_records(void **state)
{
	struct link l;
	uint8_t rec[TLSREC_RECORD_MAX], copy[TLSREC_RECORD_MAX], type, *pt;
	size_t ptlen;
	long need;

	(void)state;
	connect_pair(&l, TLS1_3_VERSION, "TLS_AES_128_GCM_SHA256", NULL);
	assert_non_null(l.r);
	assert_int_equal(SSL_write(l.cli, "hello\r\n", 7), 7);
	read_all(l.sfd, rec, TLSREC_HEADER);
	need = tlsrec_length(rec, TLSREC_HEADER);
	read_all(l.sfd, rec + TLSREC_HEADER, (size_t)need - TLSREC_HEADER);
	memcpy(copy, rec, (size_t)need);
	copy[need - 1] ^= 1;			/* a flipped tag bit */
	assert_int_equal(tlsrec_open(l.r, copy, (size_t)need, &type, &pt,
	    &ptlen, &l.why), -1);
	assert_string_equal(l.why, "bad_record_mac");
	memcpy(copy, rec, (size_t)need);
	assert_int_equal(tlsrec_open(l.r, rec, (size_t)need, &type, &pt,
	    &ptlen, &l.why), 0);
	assert_memory_equal(pt, "hello\r\n", 7);
	/* the same record again: its sequence number is gone */
	assert_int_equal(tlsrec_open(l.r, copy, (size_t)need, &type, &pt,
	    &ptlen, &l.why), -1);
	close_pair(&l);

	/* headers that cannot be records of an established link */
	assert_int_equal(tlsrec_length((const uint8_t *)"\x17\x03", 2), 0);
	assert_int_equal(tlsrec_length((const uint8_t *)"\x18\x03\x03\x00\x10",
	    5), -1);
	assert_int_equal(tlsrec_length((const uint8_t *)"\x17\x03\x01\x00\x10",
	    5), -1);
	assert_int_equal(tlsrec_length((const uint8_t *)"\x17\x03\x03\x48\x01",
	    5), -1);
	assert_int_equal(tlsrec_length((const uint8_t *)"\x17\x03\x03\x00\x00",
	    5), -1);
	assert_int_equal(tlsrec_length((const uint8_t *)"\x17\x03\x03\x00\x20",
	    5), 37);
}

/* A cipher the layer does not do stays with OpenSSL. */
static void
cbc_stays_with_openssl(void **state)
{
	struct link l;

	(void)state;
	connect_pair(&l, TLS1_2_VERSION, "ECDHE-ECDSA-AES128-SHA", NULL);
	assert_null(l.r);
	assert_non_null(l.why);
	close_pair(&l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tls13_each_aead),
		cmocka_unit_test(tls12_each_aead),
		cmocka_unit_test(resumption),
		cmocka_unit_test(key_update),
		cmocka_unit_test(bad_records),
		cmocka_unit_test(cbc_stays_with_openssl),
	};

	sctx = server_ctx();
	/* a CBC suite must be offered to be refused by the layer */
	assert_int_equal(SSL_CTX_set_cipher_list(sctx, "ALL:@SECLEVEL=0"), 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
