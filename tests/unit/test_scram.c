/*
 * test_scram.c -- SCRAM-SHA-256 against RFC 7677's example exchange, and
 * the client messages that must be refused.
 */
#include <stdio.h>

#include "unit.h"
#include "scram.h"

/* RFC 7677, section 3: user "user", password "pencil". */
#define CFIRST	"n,,n=user,r=rOprNGfwEbeRWgbNEkqO"
#define SNONCE	"%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
#define SALT64	"W22ZaJ0SNY7soEsUEjb6gQ=="
#define SFIRST	"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0," \
		"s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
#define CFINAL	"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0," \
		"p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
#define SFINAL	"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="

static void
keys(uint8_t stored[SCRAM_KEYLEN], uint8_t server[SCRAM_KEYLEN],
    uint8_t salt[SCRAM_SALTLEN])
{
	assert_int_equal(scram_b64_decode(SALT64, strlen(SALT64), salt,
	    SCRAM_SALTLEN), SCRAM_SALTLEN);
	assert_int_equal(scram_derive("pencil", 6, salt, SCRAM_SALTLEN, 4096,
	    stored, server), 0);
}

static void
rfc7677_exchange(void **state)
{
	uint8_t stored[SCRAM_KEYLEN], server[SCRAM_KEYLEN], salt[SCRAM_SALTLEN];
	struct scram s;
	char out[128];

	(void)state;
	keys(stored, server, salt);
	assert_int_equal(scram_client_first(&s, CFIRST, strlen(CFIRST)),
	    SCRAM_OK);
	assert_string_equal(s.user, "user");
	assert_string_equal(s.gs2, "n,,");
	assert_string_equal(s.bare, "n=user,r=rOprNGfwEbeRWgbNEkqO");
	assert_int_equal(scram_server_first(&s, SNONCE, salt, SCRAM_SALTLEN,
	    4096), 0);
	assert_string_equal(s.server_first, SFIRST);
	assert_int_equal(scram_client_final(&s, CFINAL, strlen(CFINAL), stored,
	    server, out, sizeof(out)), SCRAM_OK);
	assert_string_equal(out, SFINAL);
}

static void
wrong_password_and_nonce(void **state)
{
	uint8_t stored[SCRAM_KEYLEN], server[SCRAM_KEYLEN], salt[SCRAM_SALTLEN];
	static const char bad_proof[] = "c=biws,r=rOprNGfwEbeRWgbNEkqO"
	    "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
	    "p=AAAAAapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
	static const char bad_nonce[] = "c=biws,r=rOprNGfwEbeRWgbNEkqOX,"
	    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
	static const char bad_cbind[] = "c=eSws,r=rOprNGfwEbeRWgbNEkqO"
	    "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
	    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
	struct scram s;
	char out[128];

	(void)state;
	keys(stored, server, salt);
	assert_int_equal(scram_client_first(&s, CFIRST, strlen(CFIRST)), 0);
	assert_int_equal(scram_server_first(&s, SNONCE, salt, SCRAM_SALTLEN,
	    4096), 0);
	assert_int_equal(scram_client_final(&s, bad_proof, strlen(bad_proof),
	    stored, server, out, sizeof(out)), SCRAM_E_PROOF);
	assert_int_equal(scram_client_final(&s, bad_nonce, strlen(bad_nonce),
	    stored, server, out, sizeof(out)), SCRAM_E_NONCE);
	assert_int_equal(scram_client_final(&s, bad_cbind, strlen(bad_cbind),
	    stored, server, out, sizeof(out)), SCRAM_E_CBIND);
	/* a final message before the server's first one */
	assert_int_equal(scram_client_first(&s, CFIRST, strlen(CFIRST)), 0);
	assert_int_equal(scram_client_final(&s, CFINAL, strlen(CFINAL), stored,
	    server, out, sizeof(out)), SCRAM_E_SYNTAX);
}

static void
client_first_refusals(void **state)
{
	static const struct {
		const char *msg;
		enum scram_err want;
	} v[] = {
		{ "", SCRAM_E_SYNTAX },
		{ "p=tls-unique,,n=user,r=abc", SCRAM_E_CBIND },
		{ "x,,n=user,r=abc", SCRAM_E_SYNTAX },
		{ "n,,m=ext,n=user,r=abc", SCRAM_E_EXTENSION },
		{ "n,,n=,r=abc", SCRAM_E_NAME },
		{ "n,,n=us=er,r=abc", SCRAM_E_NAME },
		{ "n,,n=us=2", SCRAM_E_NAME },
		{ "n,,n=user", SCRAM_E_SYNTAX },
		{ "n,,n=user,r=", SCRAM_E_NONCE },
		{ "n,,r=abc,n=user", SCRAM_E_SYNTAX },
		{ "n,a=,n=user,r=abc", SCRAM_E_NAME },
		{ "n", SCRAM_E_SYNTAX },
	};
	struct scram s;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(v); i++) {
		enum scram_err e = scram_client_first(&s, v[i].msg,
		    strlen(v[i].msg));
		if (e != v[i].want)
			fail_msg("'%s': %s, expected %s", v[i].msg,
			    scram_strerror(e), scram_strerror(v[i].want));
	}
	assert_int_equal(scram_client_first(&s, "y,a=b=2Cc,n=b=3Dc=2Cd,r=x",
	    25), SCRAM_OK);
	assert_string_equal(s.user, "b=c,d");
	assert_string_equal(s.authzid, "b,c");
	assert_string_equal(s.gs2, "y,a=b=2Cc,");
}

static void
base64_is_strict(void **state)
{
	uint8_t out[16];

	(void)state;
	assert_int_equal(scram_b64_decode("Zm9v", 4, out, sizeof(out)), 3);
	assert_memory_equal(out, "foo", 3);
	assert_int_equal(scram_b64_decode("Zm8=", 4, out, sizeof(out)), 2);
	assert_int_equal(scram_b64_decode("Zg==", 4, out, sizeof(out)), 1);
	assert_int_equal(scram_b64_decode("Zg=", 3, out, sizeof(out)), -1);
	assert_int_equal(scram_b64_decode("Z=g=", 4, out, sizeof(out)), -1);
	assert_int_equal(scram_b64_decode("Zm 9", 4, out, sizeof(out)), -1);
	assert_int_equal(scram_b64_decode("Zm9vZm9vZm9vZm9vZm9vZm9v", 24, out,
	    sizeof(out)), -1);		/* does not fit */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc7677_exchange),
		cmocka_unit_test(wrong_password_and_nonce),
		cmocka_unit_test(client_first_refusals),
		cmocka_unit_test(base64_is_strict),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
