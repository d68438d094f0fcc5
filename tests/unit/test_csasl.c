/*
 * test_csasl.c -- keochat's SASL client (src/client/sasl.c): which
 * mechanism it picks, the PLAIN and EXTERNAL payloads, and a whole
 * SCRAM-SHA-256 exchange against keochatd's own server side
 * (pure/scram.c), with a server signature that must be checked.
 */
#include <stdio.h>

#include "unit.h"
#include "sasl.h"
#include "scram.h"

static void
picks_the_mechanism(void **state)
{
	struct sasl_client c;

	(void)state;
	assert_string_equal(sasl_client_begin(&c, "PLAIN,SCRAM-SHA-256,EXTERNAL",
	    "bob", "pw", 0), "SCRAM-SHA-256");
	assert_string_equal(sasl_client_begin(&c, "PLAIN,EXTERNAL", "bob",
	    "pw", 0), "PLAIN");
	assert_string_equal(sasl_client_begin(&c, "", "bob", "pw", 0), "PLAIN");
	assert_string_equal(sasl_client_begin(&c, "PLAIN,EXTERNAL", "bob", "",
	    1), "EXTERNAL");
	assert_null(sasl_client_begin(&c, "EXTERNAL", "bob", "pw", 0));
	assert_null(sasl_client_begin(&c, "PLAIN", "bob", "", 0));
	/* a name that only contains a mechanism's name is not it */
	assert_string_equal(sasl_client_begin(&c, "XSCRAM-SHA-256,PLAIN",
	    "bob", "pw", 0), "PLAIN");
}

static void
plain_and_external_payloads(void **state)
{
	struct sasl_client c;
	char out[256];
	size_t n;

	(void)state;
	(void)sasl_client_begin(&c, "PLAIN", "bob", "secret", 0);
	assert_int_equal(sasl_client_step(&c, NULL, 0, out, sizeof(out), &n), 0);
	assert_int_equal(n, 3 + 1 + 3 + 1 + 6);
	assert_memory_equal(out, "bob\0bob\0secret", n);
	assert_int_equal(sasl_client_step(&c, NULL, 0, out, sizeof(out), &n), -1);
	(void)sasl_client_begin(&c, "EXTERNAL", "bob", "", 1);
	assert_int_equal(sasl_client_step(&c, NULL, 0, out, sizeof(out), &n), 0);
	assert_int_equal(n, 0);
}

static void
scram_against_the_server(void **state)
{
	static const uint8_t salt[SCRAM_SALTLEN] = "0123456789abcdef";
	uint8_t stored[SCRAM_KEYLEN], server[SCRAM_KEYLEN];
	struct sasl_client c;
	struct scram s;
	char out[1024], sfinal[128];
	size_t n;

	(void)state;
	assert_int_equal(scram_derive("pen,cil=", 8, salt, sizeof(salt), 4096,
	    stored, server), 0);
	assert_string_equal(sasl_client_begin(&c, "SCRAM-SHA-256", "us,er=",
	    "pen,cil=", 0), "SCRAM-SHA-256");
	assert_int_equal(sasl_client_step(&c, NULL, 0, out, sizeof(out), &n), 0);
	assert_int_equal(scram_client_first(&s, out, n), SCRAM_OK);
	assert_string_equal(s.user, "us,er=");		/* escaped, then not */
	assert_int_equal(scram_server_first(&s, "srvNonce", salt, sizeof(salt),
	    4096), 0);
	assert_int_equal(sasl_client_step(&c, (const uint8_t *)s.server_first,
	    strlen(s.server_first), out, sizeof(out), &n), 0);
	assert_int_equal(scram_client_final(&s, out, n, stored, server, sfinal,
	    sizeof(sfinal)), SCRAM_OK);
	/* the server proves it knows the keys too */
	assert_int_equal(sasl_client_step(&c, (const uint8_t *)sfinal,
	    strlen(sfinal), out, sizeof(out), &n), 0);
	sasl_client_end(&c);
}

static void
scram_refuses_a_forged_server(void **state)
{
	static const uint8_t salt[SCRAM_SALTLEN] = "0123456789abcdef";
	uint8_t stored[SCRAM_KEYLEN], server[SCRAM_KEYLEN];
	struct sasl_client c;
	struct scram s;
	char out[1024], sfinal[128];
	static const char low_iter[] = "r=%s,s=MDEyMzQ1Njc4OWFiY2RlZg==,i=10";
	char first[256];
	size_t n;

	(void)state;
	assert_int_equal(scram_derive("pw", 2, salt, sizeof(salt), 4096, stored,
	    server), 0);
	(void)sasl_client_begin(&c, "SCRAM-SHA-256", "u", "pw", 0);
	assert_int_equal(sasl_client_step(&c, NULL, 0, out, sizeof(out), &n), 0);
	assert_int_equal(scram_client_first(&s, out, n), SCRAM_OK);
	assert_int_equal(scram_server_first(&s, "x", salt, sizeof(salt), 4096),
	    0);
	assert_int_equal(sasl_client_step(&c, (const uint8_t *)s.server_first,
	    strlen(s.server_first), out, sizeof(out), &n), 0);
	assert_int_equal(scram_client_final(&s, out, n, stored, server, sfinal,
	    sizeof(sfinal)), SCRAM_OK);
	sfinal[3] = sfinal[3] == 'A' ? 'B' : 'A';
	assert_int_equal(sasl_client_step(&c, (const uint8_t *)sfinal,
	    strlen(sfinal), out, sizeof(out), &n), -1);
	/* a server nonce that does not extend ours, a weak iteration count */
	(void)sasl_client_begin(&c, "SCRAM-SHA-256", "u", "pw", 0);
	assert_int_equal(sasl_client_step(&c, NULL, 0, out, sizeof(out), &n), 0);
	assert_int_equal(sasl_client_step(&c, (const uint8_t *)
	    "r=other,s=MDEyMzQ1Njc4OWFiY2RlZg==,i=4096", 41, out, sizeof(out),
	    &n), -1);
	(void)sasl_client_begin(&c, "SCRAM-SHA-256", "u", "pw", 0);
	assert_int_equal(sasl_client_step(&c, NULL, 0, out, sizeof(out), &n), 0);
	snprintf(first, sizeof(first), low_iter, strstr(out, "r=") + 2);
	assert_int_equal(sasl_client_step(&c, (const uint8_t *)first,
	    strlen(first), out, sizeof(out), &n), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(picks_the_mechanism),
		cmocka_unit_test(plain_and_external_payloads),
		cmocka_unit_test(scram_against_the_server),
		cmocka_unit_test(scram_refuses_a_forged_server),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
