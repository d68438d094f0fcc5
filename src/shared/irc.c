/*
 * irc.c -- the IRC message parser and formatter.
 *
 * Owns nothing: every pointer it hands out points into the caller's line.
 * Invariants: a successful parse has a command of letters or three digits,
 * at most IRC_MAX_PARAMS params (the 15th swallows the rest of the line, as
 * RFC 2812 says), no NUL/CR/LF anywhere, at most 510 bytes after the tag
 * section and at most IRC_TAGS_MAX bytes of tags.
 */
#include <string.h>

#include "irc.h"

static const char *const irc_errstr[] = {
	[IRC_OK] = "no error",
	[IRC_ERR_EMPTY] = "empty line",
	[IRC_ERR_TOO_LONG] = "line too long",
	[IRC_ERR_TAGS_TOO_LONG] = "tag section too long",
	[IRC_ERR_TOO_MANY_TAGS] = "too many tags",
	[IRC_ERR_BAD_TAG] = "malformed tag",
	[IRC_ERR_NO_COMMAND] = "no command",
	[IRC_ERR_BAD_COMMAND] = "malformed command",
	[IRC_ERR_BAD_SOURCE] = "empty source",
	[IRC_ERR_CTRL] = "NUL, CR or LF inside the line",
	[IRC_ERR_BAD_PARAM] = "parameter cannot be sent",
	[IRC_ERR_NOSPACE] = "output buffer too small",
};

const char *
irc_strerror(enum irc_err e)
{
	if ((size_t)e >= sizeof(irc_errstr) / sizeof(irc_errstr[0]))
		return "unknown error";
	return irc_errstr[e];
}

static int
tag_key_char(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch == '-' || ch == '/' || ch == '.';
}

size_t
irc_tag_unescape(char *value)
{
	char *r = value, *w = value;

	while (*r != '\0') {
		if (*r != '\\') {
			*w++ = *r++;
			continue;
		}
		r++;
		switch (*r) {
		case '\0':	/* a lone trailing backslash is dropped */
			continue;
		case ':':
			*w++ = ';';
			break;
		case 's':
			*w++ = ' ';
			break;
		case 'r':
			*w++ = '\r';
			break;
		case 'n':
			*w++ = '\n';
			break;
		default:	/* "\\" and any other escaped char stand for it */
			*w++ = *r;
			break;
		}
		r++;
	}
	*w = '\0';
	return (size_t)(w - value);
}

size_t
irc_tag_escape(char *out, size_t outsz, const char *value)
{
	size_t n = 0;
	const char *rep;
	char one[2];

	for (; *value != '\0'; value++) {
		switch (*value) {
		case ';':
			rep = "\\:";
			break;
		case ' ':
			rep = "\\s";
			break;
		case '\\':
			rep = "\\\\";
			break;
		case '\r':
			rep = "\\r";
			break;
		case '\n':
			rep = "\\n";
			break;
		default:
			one[0] = *value;
			one[1] = '\0';
			rep = one;
			break;
		}
		for (; *rep != '\0'; rep++, n++)
			if (outsz > 0 && n < outsz - 1)
				out[n] = *rep;
	}
	if (outsz > 0)
		out[n < outsz ? n : outsz - 1] = '\0';
	return n;
}

/* Split the tag section tags[0..len) (no '@', NUL-terminated) into m. */
static enum irc_err
parse_tags(struct irc_msg *m, char *tags)
{
	char *p = tags, *end, *eq;

	while (*p != '\0') {
		end = strchr(p, ';');
		if (end != NULL)
			*end = '\0';
		if (*p != '\0') {	/* "a;;b" and a trailing ';' are allowed */
			if (m->ntags == IRC_MAX_TAGS)
				return IRC_ERR_TOO_MANY_TAGS;
			eq = strchr(p, '=');
			if (eq != NULL)
				*eq++ = '\0';
			const char *k = (*p == '+') ? p + 1 : p;
			if (*k == '\0')
				return IRC_ERR_BAD_TAG;
			for (; *k != '\0'; k++)
				if (!tag_key_char((unsigned char)*k))
					return IRC_ERR_BAD_TAG;
			m->tags[m->ntags].key = p;
			m->tags[m->ntags].value = eq;
			if (eq != NULL)
				irc_tag_unescape(eq);
			m->ntags++;
		}
		if (end == NULL)
			break;
		p = end + 1;
	}
	return IRC_OK;
}

static int
command_valid(const char *c)
{
	size_t n = strlen(c), i;

	if (n == 3 && c[0] >= '0' && c[0] <= '9') {
		for (i = 0; i < 3; i++)
			if (c[i] < '0' || c[i] > '9')
				return 0;
		return 1;
	}
	for (i = 0; i < n; i++)
		if (!((c[i] >= 'a' && c[i] <= 'z') ||
		    (c[i] >= 'A' && c[i] <= 'Z')))
			return 0;
	return n > 0;
}

static char *
skip_spaces(char *p)
{
	while (*p == ' ')
		p++;
	return p;
}

/* Cut the next space-delimited word at p; returns the word, moves *pp. */
static char *
next_word(char **pp)
{
	char *w = *pp, *sp = strchr(w, ' ');

	if (sp != NULL) {
		*sp = '\0';
		*pp = skip_spaces(sp + 1);
	} else
		*pp = w + strlen(w);
	return w;
}

static enum irc_err
parse_params(struct irc_msg *m, char *p)
{
	for (;;) {
		p = skip_spaces(p);
		if (*p == '\0')
			return IRC_OK;
		if (*p == ':') {
			m->params[m->nparams++] = p + 1;
			m->trailing = 1;
			return IRC_OK;
		}
		if (m->nparams == IRC_MAX_PARAMS - 1) {
			/* RFC 2812: the 15th param is the rest of the line. */
			m->params[m->nparams++] = p;
			m->trailing = 1;
			return IRC_OK;
		}
		m->params[m->nparams++] = next_word(&p);
	}
}

enum irc_err
irc_parse(struct irc_msg *m, char *line, size_t len)
{
	char *p, *end = line + len;
	enum irc_err e;

	memset(m, 0, offsetof(struct irc_msg, tags));
	m->source = m->command = NULL;
	m->nparams = 0;
	m->trailing = 0;
	line[len] = '\0';
	if (memchr(line, '\0', len) != NULL || memchr(line, '\r', len) ||
	    memchr(line, '\n', len))
		return IRC_ERR_CTRL;
	p = line;
	if (*p == '@') {
		char *sp = strchr(p, ' ');
		size_t tl = sp ? (size_t)(sp - p) + 1 : len;
		if (tl > IRC_TAGS_MAX)
			return IRC_ERR_TAGS_TOO_LONG;
		if (sp == NULL)
			return IRC_ERR_NO_COMMAND;
		*sp = '\0';
		if ((e = parse_tags(m, p + 1)) != IRC_OK) {
			m->ntags = 0;
			return e;
		}
		p = skip_spaces(sp + 1);
	}
	if ((size_t)(end - p) > IRC_LINE_MAX - 2) {
		m->ntags = 0;
		return IRC_ERR_TOO_LONG;
	}
	p = skip_spaces(p);
	if (*p == '\0') {
		e = m->ntags ? IRC_ERR_NO_COMMAND : IRC_ERR_EMPTY;
		m->ntags = 0;
		return e;
	}
	if (*p == ':') {
		p++;
		if (*p == ' ' || *p == '\0') {
			m->ntags = 0;
			return IRC_ERR_BAD_SOURCE;
		}
		m->source = next_word(&p);
		if (*p == '\0') {
			m->ntags = 0;
			m->source = NULL;
			return IRC_ERR_NO_COMMAND;
		}
	}
	m->command = next_word(&p);
	if (!command_valid(m->command)) {
		m->ntags = 0;
		m->source = m->command = NULL;
		return IRC_ERR_BAD_COMMAND;
	}
	return parse_params(m, p);
}

const char *
irc_msg_tag(const struct irc_msg *m, const char *key)
{
	size_t i;

	for (i = m->ntags; i-- > 0;)
		if (strcmp(m->tags[i].key, key) == 0)
			return m->tags[i].value ? m->tags[i].value : "";
	return NULL;
}

/* Bounded appender used by irc_format. */
struct outbuf {
	char	*p;
	size_t	 sz, len;
};

static void
out_str(struct outbuf *o, const char *s, size_t n)
{
	if (o->len + n < o->sz)
		memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void
out_tags(struct outbuf *o, const struct irc_msg *m)
{
	size_t i;

	for (i = 0; i < m->ntags; i++) {
		out_str(o, i == 0 ? "@" : ";", 1);
		out_str(o, m->tags[i].key, strlen(m->tags[i].key));
		if (m->tags[i].value != NULL && m->tags[i].value[0] != '\0') {
			out_str(o, "=", 1);
			size_t room = o->len < o->sz ? o->sz - o->len : 0;
			o->len += irc_tag_escape(o->p + o->len, room,
			    m->tags[i].value);
		}
	}
	if (m->ntags > 0)
		out_str(o, " ", 1);
}

int
irc_format(char *out, size_t outsz, const struct irc_msg *m, int with_tags,
    enum irc_err *err)
{
	struct outbuf o = { out, outsz, 0 };
	size_t i;

	if (m->command == NULL || !command_valid(m->command)) {
		*err = IRC_ERR_BAD_COMMAND;
		return -1;
	}
	if (with_tags)
		out_tags(&o, m);
	if (m->source != NULL) {
		out_str(&o, ":", 1);
		out_str(&o, m->source, strlen(m->source));
		out_str(&o, " ", 1);
	}
	out_str(&o, m->command, strlen(m->command));
	for (i = 0; i < m->nparams; i++) {
		const char *pm = m->params[i];
		int need = pm[0] == '\0' || pm[0] == ':' ||
		    strchr(pm, ' ') != NULL;
		if (strpbrk(pm, "\r\n") != NULL || (need && i + 1 < m->nparams)) {
			*err = IRC_ERR_BAD_PARAM;
			return -1;
		}
		out_str(&o, need ? " :" : " ", need ? 2 : 1);
		out_str(&o, pm, strlen(pm));
	}
	if (o.len >= outsz) {
		if (outsz > 0)
			out[0] = '\0';
		*err = IRC_ERR_NOSPACE;
		return -1;
	}
	out[o.len] = '\0';
	*err = IRC_OK;
	return (int)o.len;
}

void
irc_split_source(const char *src, char *nick, size_t nicksz, char *user,
    size_t usersz, char *host, size_t hostsz)
{
	const char *bang = strchr(src, '!'), *at = strchr(src, '@');
	size_t nl;

	if (at != NULL && bang != NULL && bang > at)
		bang = NULL;	/* a '!' in the host is part of the host */
	nl = bang ? (size_t)(bang - src) : at ? (size_t)(at - src) : strlen(src);
	size_t n = nl < nicksz ? nl : nicksz - 1;
	memcpy(nick, src, n);
	nick[n] = '\0';
	user[0] = host[0] = '\0';
	if (bang != NULL) {
		size_t ul = at ? (size_t)(at - bang - 1) : strlen(bang + 1);
		n = ul < usersz ? ul : usersz - 1;
		memcpy(user, bang + 1, n);
		user[n] = '\0';
	}
	if (at != NULL) {
		size_t hl = strlen(at + 1);
		n = hl < hostsz ? hl : hostsz - 1;
		memcpy(host, at + 1, n);
		host[n] = '\0';
	}
}
