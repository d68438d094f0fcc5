/*
 * fuzz_scram.c -- the SCRAM-SHA-256 message parsers (pure/scram.c) on
 * hostile input: the first byte picks client-first or a whole exchange
 * (client-first, then the rest as client-final against fixed keys), and
 * base64 decoding of the rest.  Properties: no crash, what parses is
 * bounded and NUL-terminated, and a forged proof never passes.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "scram.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t salt[SCRAM_SALTLEN] = "keochat-fuzzsalt";
	static uint8_t stored[SCRAM_KEYLEN], server[SCRAM_KEYLEN];
	static int keys;
	uint8_t out[SCRAM_B64_MAX];
	char final[128];
	const char *msg = (const char *)data + 1;
	const uint8_t *sep;
	struct scram s;
	size_t n, first;

	if (size == 0)
		return 0;
	if (!keys && scram_derive("pencil", 6, salt, sizeof(salt), 4096,
	    stored, server) == 0)
		keys = 1;
	n = size - 1;
	switch (data[0] % 3) {
	case 0:
		(void)scram_b64_decode(msg, n, out, sizeof(out));
		return 0;
	case 1:
		if (scram_client_first(&s, msg, n) == SCRAM_OK &&
		    (s.user[0] == '\0' || strlen(s.bare) > n ||
		    strlen(s.nonce) == 0))
			abort();
		return 0;
	default:
		/* client-first NUL client-final */
		if ((sep = memchr(msg, '\0', n)) == NULL)
			return 0;
		first = (size_t)(sep - (const uint8_t *)msg);
		if (scram_client_first(&s, msg, first) != SCRAM_OK ||
		    scram_server_first(&s, "fuzzServerNonce", salt, sizeof(salt),
		    4096) == -1)
			return 0;
		/* nobody knows the password here: a pass is a forgery */
		if (scram_client_final(&s, msg + first + 1, n - first - 1, stored,
		    server, final, sizeof(final)) == SCRAM_OK)
			abort();
		return 0;
	}
}
