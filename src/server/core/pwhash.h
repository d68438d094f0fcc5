/*
 * pwhash.h -- passwords as crypt(3) hashes (libcrypt's yescrypt): made
 * for accounts and oper lines, checked in constant time.  Hashing costs
 * milliseconds on purpose: workers do it on their job thread.
 */
#ifndef KEO_PWHASH_H
#define KEO_PWHASH_H

#include <stddef.h>

/* A yescrypt hash of password into out; 0, or -1 with err. */
int	pw_hash(const char *password, char *out, size_t outsz, char *err,
	    size_t errsz);
/* 1 when password matches the crypt(3) hash. */
int	pw_verify(const char *password, const char *hash);

#endif
