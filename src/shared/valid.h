/*
 * valid.h -- names, casemapping and text rules shared by server and client.
 *
 * keochat uses the rfc1459 casemapping (advertised as CASEMAPPING=rfc1459):
 * A-Z fold to a-z and "[]\~" fold to "{}|^".  Pure code: no I/O.
 */
#ifndef KEO_VALID_H
#define KEO_VALID_H

#include <stddef.h>

enum name_err {
	NAME_OK = 0,
	NAME_EMPTY,		/* zero length */
	NAME_TOO_LONG,		/* over the length limit */
	NAME_BAD_FIRST,		/* nick starts with a digit or '-'; chan without '#' */
	NAME_BAD_CHAR,		/* a byte the rules do not allow */
};

/* rfc1459 lower case of one byte. */
int		 irc_tolower(int ch);

/* Fold src into dst (dstsz bytes, NUL-terminated, truncated). */
void		 irc_casefold(char *dst, size_t dstsz, const char *src);

/* strcmp under rfc1459 casemapping. */
int		 irc_casecmp(const char *a, const char *b);

/* Nickname rules (RFC 2812): letters, digits and []\`_^{|}-, not starting
 * with a digit or '-', at most maxlen bytes. */
enum name_err	 nick_check(const char *nick, size_t maxlen);

/* Channel rules: '#', then 1..CHAN_MAX-1 bytes of valid UTF-8 without
 * NUL, BEL, CR, LF, space, comma or colon. */
enum name_err	 chan_check(const char *name);

/* Nonzero when s[0..len) is well-formed UTF-8 (no overlongs, no
 * surrogates, nothing above U+10FFFF). */
int		 utf8_valid(const char *s, size_t len);

/* The longest prefix of s[0..len) of at most max bytes that does not cut
 * a UTF-8 sequence. */
size_t		 utf8_prefix(const char *s, size_t len, size_t max);

/* Glob match with '*' and '?' under rfc1459 casemapping; '\' escapes. */
int		 irc_mask_match(const char *mask, const char *str);

/* A ban-style mask in its full form nick!user@host: "nick" becomes
 * "nick!*@*", "user@host" becomes "*!user@host", "nick!user" becomes
 * "nick!user@*", an empty part becomes "*"; cut to dstsz - 1 bytes.
 * Returns dst's length; 0 when src is empty or has a space, comma or
 * control byte (not a mask). */
size_t		 irc_mask_normalize(char *dst, size_t dstsz, const char *src);

/* Nonzero when a and b are equal, in a time that does not depend on
 * where they differ (passwords, hashes). */
int		 str_equal_ct(const char *a, const char *b);

/* Nonzero for a syntactically valid DNS host name (labels of letters,
 * digits and '-', dot-separated, at least one dot). */
int		 hostname_valid(const char *host);

/* A short English reason for a name_err, for error numerics. */
const char	*name_strerror(enum name_err e);

#endif
