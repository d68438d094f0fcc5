/*
 * valid.c -- casemapping, nick and channel rules, UTF-8 and masks.
 *
 * Owns the rfc1459 fold table.  Every function is total: any byte string
 * gets an answer, none reads past a NUL or the given length.
 */
#include <stdio.h>
#include <string.h>

#include "bounds.h"
#include "valid.h"

int
irc_tolower(int ch)
{
	if (ch >= 'A' && ch <= '^')	/* A-Z and [\]^ sit together */
		return ch + 32;
	return ch;
}

void
irc_casefold(char *dst, size_t dstsz, const char *src)
{
	size_t i;

	if (dstsz == 0)
		return;
	for (i = 0; i + 1 < dstsz && src[i] != '\0'; i++)
		dst[i] = (char)irc_tolower((unsigned char)src[i]);
	dst[i] = '\0';
}

int
irc_casecmp(const char *a, const char *b)
{
	int ca, cb;

	for (;; a++, b++) {
		ca = irc_tolower((unsigned char)*a);
		cb = irc_tolower((unsigned char)*b);
		if (ca != cb || ca == '\0')
			return ca - cb;
	}
}

static int
nick_special(int ch)
{
	return ch != '\0' && strchr("[]\\`_^{|}", ch) != NULL;
}

enum name_err
nick_check(const char *nick, size_t maxlen)
{
	size_t i, n = strlen(nick);
	unsigned char ch;

	if (n == 0)
		return NAME_EMPTY;
	if (n > maxlen)
		return NAME_TOO_LONG;
	ch = (unsigned char)nick[0];
	if ((ch >= '0' && ch <= '9') || ch == '-')
		return NAME_BAD_FIRST;
	for (i = 0; i < n; i++) {
		ch = (unsigned char)nick[i];
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || nick_special(ch))
			continue;
		return NAME_BAD_CHAR;
	}
	return NAME_OK;
}

enum name_err
chan_check(const char *name)
{
	size_t n = strlen(name);

	if (n == 0)
		return NAME_EMPTY;
	if (name[0] != '#')
		return NAME_BAD_FIRST;
	if (n > CHAN_MAX)
		return NAME_TOO_LONG;
	if (n == 1)
		return NAME_EMPTY;
	if (strpbrk(name, "\a\r\n ,:") != NULL || !utf8_valid(name, n))
		return NAME_BAD_CHAR;
	return NAME_OK;
}

const char *
name_strerror(enum name_err e)
{
	switch (e) {
	case NAME_OK:
		return "valid";
	case NAME_EMPTY:
		return "empty name";
	case NAME_TOO_LONG:
		return "name too long";
	case NAME_BAD_FIRST:
		return "name starts with a character that is not allowed there";
	case NAME_BAD_CHAR:
		return "name contains a character that is not allowed";
	}
	return "invalid name";
}

/* Length of the UTF-8 sequence at s (at most len bytes), 0 if malformed. */
static size_t
utf8_seq(const unsigned char *s, size_t len)
{
	unsigned char c = s[0];
	size_t n, i;
	unsigned long cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else
		return 0;
	if (n > len)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

int
utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		if (p[i] < 0x80) {	/* fast path for ASCII runs */
			i++;
			continue;
		}
		if ((n = utf8_seq(p + i, len - i)) == 0)
			return 0;
		i += n;
	}
	return 1;
}

size_t
utf8_prefix(const char *s, size_t len, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	if (len <= max)
		return len;
	n = max;
	/* Step back over continuation bytes to the start of the sequence
	 * that straddles the cut, and drop that whole sequence. */
	while (n > 0 && (p[n] & 0xc0) == 0x80)
		n--;
	return n;
}

int
irc_mask_match(const char *mask, const char *str)
{
	const char *star = NULL, *back = NULL;

	while (*str != '\0') {
		if (*mask == '*') {
			while (*mask == '*')
				mask++;
			star = mask;
			back = str;
			continue;
		}
		if (*mask == '\\' && (mask[1] == '*' || mask[1] == '?')) {
			if (mask[1] == *str) {
				mask += 2;
				str++;
				continue;
			}
		} else if (*mask != '\0' && (*mask == '?' ||
		    irc_tolower((unsigned char)*mask) ==
		    irc_tolower((unsigned char)*str))) {
			mask++;
			str++;
			continue;
		}
		if (star == NULL)
			return 0;
		mask = star;
		str = ++back;
	}
	while (*mask == '*')
		mask++;
	return *mask == '\0';
}

int
hostname_valid(const char *host)
{
	size_t lab = 0, n = strlen(host), i;
	int dots = 0;

	if (n == 0 || n > 254 || host[0] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)host[i];
		if (ch == '.') {
			if (lab == 0 || host[i - 1] == '-')
				return 0;
			lab = 0;
			dots++;
			continue;
		}
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-'))
			return 0;
		if (ch == '-' && lab == 0)
			return 0;
		if (++lab > 63)
			return 0;
	}
	/* One trailing dot (a rooted name) is allowed; a single label is
	 * not a server or client host name. */
	return dots > 0 && host[n - 1] != '-';
}

size_t
irc_mask_normalize(char *dst, size_t dstsz, const char *src)
{
	const char *bang, *at, *p;
	const char *nick = "*", *user = "*", *host = "*";
	size_t nl = 1, ul = 1, hl = 1;
	int n;

	if (dstsz == 0)
		return 0;
	dst[0] = '\0';
	if (*src == '\0')
		return 0;
	for (p = src; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == ',' || *p == 0x7f)
			return 0;
	bang = strchr(src, '!');
	at = strchr(bang ? bang + 1 : src, '@');
	if (bang != NULL) {
		if (bang > src) {
			nick = src;
			nl = (size_t)(bang - src);
		}
		p = bang + 1;
	} else if (at == NULL) {
		nick = src;		/* a nick alone */
		nl = strlen(src);
		p = NULL;
	} else
		p = src;		/* user@host */
	if (p != NULL) {
		if (at != NULL) {
			if (at > p) {
				user = p;
				ul = (size_t)(at - p);
			}
			if (at[1] != '\0') {
				host = at + 1;
				hl = strlen(host);
			}
		} else if (*p != '\0') {
			user = p;
			ul = strlen(p);
		}
	}
	n = snprintf(dst, dstsz, "%.*s!%.*s@%.*s", (int)nl, nick, (int)ul, user,
	    (int)hl, host);
	if (n < 0)
		return 0;
	return (size_t)n < dstsz ? (size_t)n : dstsz - 1;
}

int
str_equal_ct(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i;
	unsigned char d = (unsigned char)(la != lb);

	for (i = 0; i < la; i++)
		d |= (unsigned char)(a[i] ^ b[lb > 0 && i < lb ? i : 0]);
	return d == 0;
}
