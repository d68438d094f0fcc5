/*
 * pwhash.c -- see pwhash.h.
 */
#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pwhash.h"
#include "valid.h"

int
pw_hash(const char *password, char *out, size_t outsz, char *err,
    size_t errsz)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd;
	const char *hash;
	int rc = -1;

	if ((cd = calloc(1, sizeof(*cd))) == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	errno = 0;
	if (crypt_gensalt_rn("$y$", 0, NULL, 0, salt, (int)sizeof(salt)) ==
	    NULL)
		snprintf(err, errsz, "crypt_gensalt: %s", errno ?
		    strerror(errno) : "yescrypt unsupported");
	else if ((hash = crypt_rn(password, salt, cd, (int)sizeof(*cd))) ==
	    NULL || hash[0] == '*')
		snprintf(err, errsz, "crypt: %s", strerror(errno ? errno :
		    EINVAL));
	else if (strlen(hash) >= outsz)
		snprintf(err, errsz, "crypt: hash too long");
	else {
		memcpy(out, hash, strlen(hash) + 1);
		rc = 0;
	}
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return rc;
}

int
pw_verify(const char *password, const char *hash)
{
	struct crypt_data *cd;
	const char *out;
	int ok;

	if (hash[0] != '$' || (cd = calloc(1, sizeof(*cd))) == NULL)
		return 0;
	out = crypt_rn(password, hash, cd, (int)sizeof(*cd));
	ok = out != NULL && out[0] != '*' && str_equal_ct(out, hash);
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return ok;
}
