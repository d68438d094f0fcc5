/*
 * irc.h -- parse and format one IRC message (RFC 1459/2812 as clarified by
 * the Modern IRC client protocol, with IRCv3 message tags).
 *
 * Pure code: no I/O, no allocation.  The parser works in place: it writes
 * NULs into the caller's line and unescapes tag values there, and every
 * pointer in struct irc_msg points into that line (borrowed until the line
 * is reused).  struct irc_msg is plain data shared by the server, the client
 * and the tests; its fields are documented below.
 */
#ifndef KEO_IRC_H
#define KEO_IRC_H

#include <stddef.h>
#include "bounds.h"

enum irc_err {
	IRC_OK = 0,
	IRC_ERR_EMPTY,		/* nothing but spaces */
	IRC_ERR_TOO_LONG,	/* more than 510 bytes after the tags */
	IRC_ERR_TAGS_TOO_LONG,	/* tag section over IRC_TAGS_MAX bytes */
	IRC_ERR_TOO_MANY_TAGS,	/* more than IRC_MAX_TAGS tags */
	IRC_ERR_BAD_TAG,	/* empty or malformed tag key */
	IRC_ERR_NO_COMMAND,	/* tags or source but no command */
	IRC_ERR_BAD_COMMAND,	/* command neither letters nor 3 digits */
	IRC_ERR_BAD_SOURCE,	/* ':' with an empty source */
	IRC_ERR_CTRL,		/* NUL, CR or LF inside the line */
	IRC_ERR_BAD_PARAM,	/* (format) a middle param that cannot be sent */
	IRC_ERR_NOSPACE,	/* (format) output buffer too small */
};

struct irc_tag {
	char	*key;		/* NUL-terminated, '+' prefix kept */
	char	*value;		/* unescaped; NULL when the tag had no '=' */
};

struct irc_msg {
	size_t		 ntags;		/* number of entries in tags[] */
	struct irc_tag	 tags[IRC_MAX_TAGS]; /* in wire order, duplicates kept */
	char		*source;	/* without ':'; NULL when absent */
	char		*command;	/* never NULL after IRC_OK */
	size_t		 nparams;	/* 0..IRC_MAX_PARAMS */
	char		*params[IRC_MAX_PARAMS];
	int		 trailing;	/* last param was written with ':' */
};

/* Parse line[0..len) in place; line[len] must be writable.  Returns IRC_OK
 * or an irc_err; on error *m is cleared to no command. */
enum irc_err	 irc_parse(struct irc_msg *m, char *line, size_t len);

/* The value of the last tag named key; "" for a tag without value; NULL
 * when absent. */
const char	*irc_msg_tag(const struct irc_msg *m, const char *key);

/* Format m into out (outsz bytes, NUL-terminated, no CRLF).  The last param
 * is prefixed with ':' only when needed.  Returns the length, or -1 with
 * *err set (IRC_ERR_BAD_PARAM, IRC_ERR_NOSPACE, IRC_ERR_BAD_COMMAND). */
int		 irc_format(char *out, size_t outsz, const struct irc_msg *m,
		    int with_tags, enum irc_err *err);

/* Escape a tag value into out; returns the escaped length (the output is
 * truncated but NUL-terminated when outsz is too small). */
size_t		 irc_tag_escape(char *out, size_t outsz, const char *value);

/* Unescape a tag value in place; returns its new length. */
size_t		 irc_tag_unescape(char *value);

/* Split "nick!user@host" (any part may be missing) into the three buffers,
 * each truncated to its size and NUL-terminated. */
void		 irc_split_source(const char *src, char *nick, size_t nicksz,
		    char *user, size_t usersz, char *host, size_t hostsz);

/* A short English description of an irc_err. */
const char	*irc_strerror(enum irc_err e);

#endif
