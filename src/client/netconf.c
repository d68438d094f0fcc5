/*
 * netconf.c -- see netconf.h.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netconf.h"
#include "valid.h"

#define NETCONF_FILE_MAX	(1024 * 1024)	/* a bigger file is damage */

static void
err_add(struct netconf_errs *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
err_add(struct netconf_errs *e, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return;
	e->total++;
	if (e->n >= NETCONF_ERRS_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(e->msg[e->n++], NETCONF_ERR_LEN, fmt, ap);
	va_end(ap);
}

/* UTF-8 without control characters (a tab is fine). */
static int
printable(const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			return 0;
	return utf8_valid(s, strlen(s));
}

static void
net_defaults(struct netconf_net *n)
{
	memset(n, 0, sizeof(*n));
}

/* The settings: where each goes, what it is. */
enum kind { K_TEXT, K_PORT, K_BOOL };

static const struct setting {
	const char	*key;
	enum kind	 kind;
	size_t		 off, size;
} settings[] = {
#define TEXT(k, f) { k, K_TEXT, offsetof(struct netconf_net, f), \
	sizeof(((struct netconf_net *)0)->f) }
	TEXT("host", host),
	{ "port", K_PORT, offsetof(struct netconf_net, port), 0 },
	{ "tls", K_BOOL, offsetof(struct netconf_net, tls), 0 },
	TEXT("nick", nick),
	TEXT("alternates", alternates),
	TEXT("account", account),
	TEXT("password", password),
	TEXT("client-cert", client_cert),
	TEXT("rooms", rooms),
	{ "connect-at-start", K_BOOL,
	    offsetof(struct netconf_net, connect_at_start), 0 },
	{ "quiet", K_BOOL, offsetof(struct netconf_net, quiet), 0 },
	TEXT("quiet-tabs", quiet_tabs),
#undef TEXT
};
#define NSETTINGS (sizeof(settings) / sizeof(settings[0]))

static const char setting_names[] = "host, port, tls, nick, alternates, "
    "account, password, client-cert, rooms, connect-at-start, quiet, "
    "quiet-tabs";

/* A value as written: unquoted to its end, or in quotes with \" and \\;
 * into out.  0, or -1 with why. */
static int
unquote(const char *v, char *out, size_t outsz, const char **why)
{
	size_t n = 0;

	if (*v != '"') {
		if (strlen(v) >= outsz) {
			*why = "is too long";
			return -1;
		}
		memcpy(out, v, strlen(v) + 1);
		return 0;
	}
	for (v++; *v != '"'; v++) {
		if (*v == '\0') {
			*why = "has no closing quote";
			return -1;
		}
		if (*v == '\\') {
			v++;
			if (*v != '"' && *v != '\\') {
				*why = "has a \\ before neither \" nor \\";
				return -1;
			}
		}
		if (n + 1 >= outsz) {
			*why = "is too long";
			return -1;
		}
		out[n++] = *v;
	}
	if (v[1] != '\0') {
		*why = "has text after its closing quote";
		return -1;
	}
	out[n] = '\0';
	return 0;
}

static int
parse_bool(const char *v, int *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

static char *
trim(char *p)
{
	char *end;

	while (*p == ' ' || *p == '\t')
		p++;
	end = p + strlen(p);
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	return p;
}

/* One "key = value" line for network n. */
static void
parse_setting(struct netconf_net *n, char *p, unsigned lineno,
    struct netconf_errs *e)
{
	char *eq = strchr(p, '='), *key, *val;
	char buf[NETCONF_LINE_MAX + 1];
	const char *why = NULL;
	unsigned long port;
	size_t i;
	char *end;
	int b;

	if (eq == NULL) {
		err_add(e, "line %u: not \"setting = value\" nor [network "
		    "NAME]", lineno);
		return;
	}
	*eq = '\0';
	key = trim(p);
	val = trim(eq + 1);
	for (i = 0; i < NSETTINGS; i++)
		if (strcasecmp(key, settings[i].key) == 0)
			break;
	if (i == NSETTINGS) {
		err_add(e, "line %u: '%.40s' is not a setting (%s)", lineno,
		    key, setting_names);
		return;
	}
	if (unquote(val, buf, sizeof(buf), &why) == -1) {
		err_add(e, "line %u: the value of %s %s", lineno, key, why);
		return;
	}
	switch (settings[i].kind) {
	case K_TEXT:
		if (strlen(buf) >= settings[i].size) {
			err_add(e, "line %u: the value of %s is too long (at "
			    "most %zu bytes)", lineno, key,
			    settings[i].size - 1);
			return;
		}
		if (!printable(buf)) {
			err_add(e, "line %u: the value of %s is not UTF-8 "
			    "text", lineno, key);
			return;
		}
		/* the whole field: a value set twice leaves nothing of the
		 * first behind its end */
		memset((char *)n + settings[i].off, 0, settings[i].size);
		memcpy((char *)n + settings[i].off, buf, strlen(buf));
		return;
	case K_PORT:
		errno = 0;
		port = strtoul(buf, &end, 10);
		if (buf[0] == '\0' || !isdigit((unsigned char)buf[0]) ||
		    *end != '\0' || errno != 0 || port == 0 || port > 65535) {
			err_add(e, "line %u: port '%.20s' is not a number from "
			    "1 to 65535", lineno, buf);
			return;
		}
		n->port = (unsigned)port;
		return;
	case K_BOOL:
		if (parse_bool(buf, &b) == -1) {
			err_add(e, "line %u: %s is '%.20s', not yes or no",
			    lineno, key, buf);
			return;
		}
		*(int *)(void *)((char *)n + settings[i].off) = b;
		return;
	}
}

int
netconf_find(const struct netconf *nc, const char *name)
{
	int i;

	for (i = 0; i < nc->n; i++)
		if (strcasecmp(nc->net[i].name, name) == 0)
			return i;
	return -1;
}

/* "[network NAME]": 0 with name, or -1 with why. */
static int
section(char *p, char *name, size_t namesz, const char **why)
{
	char *end = p + strlen(p);

	if (end[-1] != ']') {
		*why = "a section has no closing ]";
		return -1;
	}
	*--end = '\0';
	p = trim(p + 1);
	if (strncasecmp(p, "network", 7) != 0 || (p[7] != ' ' &&
	    p[7] != '\t')) {
		*why = "the only section is [network NAME]";
		return -1;
	}
	p = trim(p + 7);
	if (*p == '\0' || strlen(p) >= namesz || !printable(p)) {
		*why = "a network's name is empty, too long or not UTF-8";
		return -1;
	}
	memcpy(name, p, strlen(p) + 1);
	return 0;
}

int
netconf_parse(struct netconf *nc, const char *text, size_t len,
    struct netconf_errs *e)
{
	char line[NETCONF_LINE_MAX + 2], name[NETCONF_NAME_MAX + 1], *p;
	const char *s = text, *end = text + len, *nl, *why;
	struct netconf_net *cur = NULL;
	unsigned lineno = 0;
	int skipping = 0, before = e != NULL ? e->total : 0;
	size_t n;

	nc->n = 0;
	while (s < end) {
		lineno++;
		if ((nl = memchr(s, '\n', (size_t)(end - s))) == NULL)
			nl = end;
		n = (size_t)(nl - s);
		if (n > 0 && s[n - 1] == '\r')
			n--;
		if (n > NETCONF_LINE_MAX || memchr(s, '\0', n) != NULL) {
			err_add(e, "line %u: %s", lineno, n > NETCONF_LINE_MAX ?
			    "longer than 1024 bytes" : "holds a NUL byte");
			s = nl < end ? nl + 1 : end;
			continue;
		}
		memcpy(line, s, n);
		line[n] = '\0';
		s = nl < end ? nl + 1 : end;
		p = trim(line);
		if (*p == '\0' || *p == '#' || *p == ';')
			continue;
		if (*p == '[') {
			skipping = 1;
			cur = NULL;
			if (section(p, name, sizeof(name), &why) == -1)
				err_add(e, "line %u: %s; what follows is "
				    "skipped up to the next section", lineno,
				    why);
			else if (netconf_find(nc, name) != -1)
				err_add(e, "line %u: a second network called "
				    "'%s' is skipped", lineno, name);
			else if (nc->n >= NETCONF_MAX)
				err_add(e, "line %u: more than %d networks: "
				    "'%s' is skipped", lineno, NETCONF_MAX,
				    name);
			else {
				cur = &nc->net[nc->n++];
				net_defaults(cur);
				memcpy(cur->name, name, strlen(name) + 1);
				skipping = 0;
			}
			continue;
		}
		if (cur == NULL) {
			if (!skipping)
				err_add(e, "line %u: a setting before any "
				    "[network NAME]", lineno);
			continue;
		}
		parse_setting(cur, p, lineno, e);
	}
	return e != NULL ? e->total - before : 0;
}

/* A value written so that it reads back the same. */
static int
put_value(char *out, size_t outsz, size_t *at, const char *key,
    const char *v)
{
	size_t len = strlen(v), i;
	int quote = len > 0 && (v[0] == ' ' || v[0] == '\t' || v[0] == '"' ||
	    v[len - 1] == ' ' || v[len - 1] == '\t');
	int k;

	k = snprintf(out + *at, outsz - *at, "%s = %s", key, quote ? "\"" :
	    "");
	if (k < 0 || (size_t)k >= outsz - *at)
		return -1;
	*at += (size_t)k;
	for (i = 0; i < len; i++) {
		if (v[i] == '\n' || v[i] == '\r')
			return -1;	/* checked before: never written */
		if (*at + 3 >= outsz)
			return -1;
		if (quote && (v[i] == '"' || v[i] == '\\'))
			out[(*at)++] = '\\';
		out[(*at)++] = v[i];
	}
	k = snprintf(out + *at, outsz - *at, "%s\n", quote ? "\"" : "");
	if (k < 0 || (size_t)k >= outsz - *at)
		return -1;
	*at += (size_t)k;
	return 0;
}

int
netconf_format(const struct netconf *nc, char *out, size_t outsz)
{
	const struct netconf_net *n;
	size_t at = 0, i;
	int j, k;

#define PUT(...) do {							\
		k = snprintf(out + at, outsz - at, __VA_ARGS__);	\
		if (k < 0 || (size_t)k >= outsz - at)			\
			return -1;					\
		at += (size_t)k;					\
	} while (0)
	PUT("# keochat's saved networks (Server -> Networks...).  keochat "
	    "rewrites this file\n# when they change; see keochat(1).\n");
	for (j = 0; j < nc->n; j++) {
		n = &nc->net[j];
		PUT("\n[network %s]\n", n->name);
		for (i = 0; i < NSETTINGS; i++) {
			const char *p = (const char *)n + settings[i].off;
			switch (settings[i].kind) {
			case K_TEXT:
				if (*p != '\0' && put_value(out, outsz, &at,
				    settings[i].key, p) == -1)
					return -1;
				break;
			case K_PORT:
				if (n->port != 0)
					PUT("port = %u\n", n->port);
				break;
			case K_BOOL:
				PUT("%s = %s\n", settings[i].key,
				    *(const int *)(const void *)p ? "yes" :
				    "no");
				break;
			}
		}
	}
#undef PUT
	return (int)at;
}

int
netconf_load(struct netconf *nc, const char *path, struct netconf_errs *e)
{
	struct stat sb;
	char *buf;
	ssize_t r;
	size_t got = 0;
	int fd, rc;

	nc->n = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		if (errno == ENOENT)
			return 0;
		err_add(e, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    sb.st_size > NETCONF_FILE_MAX) {
		err_add(e, "cannot read %s: %s", path, !S_ISREG(sb.st_mode) ?
		    "not a regular file" : "larger than 1 MiB");
		(void)close(fd);
		return -1;
	}
	if ((buf = malloc((size_t)sb.st_size + 1)) == NULL) {
		err_add(e, "cannot read %s: out of memory", path);
		(void)close(fd);
		return -1;
	}
	while (got < (size_t)sb.st_size) {
		r = read(fd, buf + got, (size_t)sb.st_size - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	(void)close(fd);
	rc = netconf_parse(nc, buf, got, e);
	free(buf);
	return rc;
}

/* Everything, or -1 with errno. */
static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* text to path atomically (a 0600 file beside it, fsync, rename, the
 * directory synced); 0 or -1 with err. */
static int
write_file(const char *path, const char *text, size_t len, char *err,
    size_t errsz)
{
	char tmp[1100], dir[1100], *sl;
	int fd, dfd, saved;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >=
	    sizeof(tmp)) {
		snprintf(err, errsz, "%s: path too long", path);
		return -1;
	}
	/* mkstemp makes it 0600: a password is never readable by others,
	 * not even for a moment */
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		snprintf(err, errsz, "cannot write %s: %s", tmp,
		    strerror(errno));
		return -1;
	}
	if (fchmod(fd, 0600) == -1 || write_all(fd, text, len) == -1 ||
	    fsync(fd) == -1) {
		saved = errno;
		(void)close(fd);
		(void)unlink(tmp);
		snprintf(err, errsz, "cannot write %s: %s", tmp,
		    strerror(saved));
		return -1;
	}
	if (close(fd) == -1 || rename(tmp, path) == -1) {
		saved = errno;
		(void)unlink(tmp);
		snprintf(err, errsz, "cannot write %s: %s", path,
		    strerror(saved));
		return -1;
	}
	/* the rename itself survives a crash once the directory is synced */
	snprintf(dir, sizeof(dir), "%s", path);
	if ((sl = strrchr(dir, '/')) != NULL) {
		*sl = '\0';
		if ((dfd = open(dir[0] ? dir : "/", O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC)) != -1) {
			(void)fsync(dfd);
			(void)close(dfd);
		}
	}
	return 0;
}

int
netconf_save(const struct netconf *nc, const char *path, char *err,
    size_t errsz)
{
	char *text;
	int len, rc;

	if ((text = malloc(NETCONF_FILE_MAX)) == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	if ((len = netconf_format(nc, text, NETCONF_FILE_MAX)) < 0) {
		snprintf(err, errsz, "the networks do not fit in a file");
		free(text);
		return -1;
	}
	rc = write_file(path, text, (size_t)len, err, errsz);
	free(text);
	return rc;
}

int
netconf_recent_load(const char *path, struct netconf_recent *r)
{
	char line[NETCONF_LINE_MAX + 2];
	FILE *f;
	size_t n;

	r->n = 0;
	if ((f = fopen(path, "re")) == NULL)
		return errno == ENOENT ? 0 : -1;
	while (r->n < NETCONF_RECENT_MAX && fgets(line, sizeof(line), f)) {
		n = strcspn(line, "\r\n");
		line[n] = '\0';
		/* a damaged line (a hand edit, a torn file) is skipped */
		if (n >= sizeof(r->name[0]) || chan_check(line) != NAME_OK)
			continue;
		memcpy(r->name[r->n++], line, n + 1);
	}
	fclose(f);
	return r->n;
}

int
netconf_recent_add(const char *path, const char *name, char *err,
    size_t errsz)
{
	struct netconf_recent r, out;
	char text[NETCONF_RECENT_MAX * (CHAN_MAX + 2)];
	size_t len = 0;
	int i;

	if (chan_check(name) != NAME_OK) {
		snprintf(err, errsz, "'%s' is not a room", name);
		return -1;
	}
	(void)netconf_recent_load(path, &r);	/* unreadable: start anew */
	out.n = 0;
	snprintf(out.name[out.n++], sizeof(out.name[0]), "%s", name);
	for (i = 0; i < r.n && out.n < NETCONF_RECENT_MAX; i++)
		if (strcasecmp(r.name[i], name) != 0)
			snprintf(out.name[out.n++], sizeof(out.name[0]), "%s",
			    r.name[i]);
	for (i = 0; i < out.n; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%s\n",
		    out.name[i]);
	return write_file(path, text, len, err, errsz);
}

/* Each space-separated word of list through check; 0, or -1 with why. */
static int
each_word(const char *list, const char *what, int chan, char *why,
    size_t whysz)
{
	char w[CHAN_MAX + NICK_MAX + 2];
	const char *p = list, *s;
	enum name_err ne;
	size_t n;

	while (*p != '\0') {
		while (*p == ' ' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		for (s = p; *p != '\0' && *p != ' ' && *p != ','; p++)
			;
		n = (size_t)(p - s);
		if (n >= sizeof(w)) {
			snprintf(why, whysz, "%s: '%.20s...' is too long", what,
			    s);
			return -1;
		}
		memcpy(w, s, n);
		w[n] = '\0';
		/* chan 2: a room or a nick, as its first byte says */
		ne = chan == 1 || (chan == 2 && strchr("#&", w[0]) != NULL) ?
		    chan_check(w) : nick_check(w, NICK_MAX);
		if (ne != NAME_OK) {
			snprintf(why, whysz, "%s: '%s' %s", what, w,
			    name_strerror(ne));
			return -1;
		}
	}
	return 0;
}

int
netconf_check(const struct netconf_net *n, char *why, size_t whysz)
{
	const char *h = n->host;
	char host[256];
	size_t hl;
	enum name_err ne;

	if (n->name[0] == '\0' || strchr(n->name, ']') != NULL ||
	    strchr(n->name, '\n') != NULL) {
		snprintf(why, whysz, "Give the network a name (no ']')");
		return -1;
	}
	hl = strlen(h);
	if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
		snprintf(host, sizeof(host), "%.*s", (int)(hl - 2), h + 1);
		h = host;
	}
	if (h[0] == '\0' || (!hostname_valid(h) && strchr(h, ':') == NULL)) {
		snprintf(why, whysz, "The host '%s' is not a host name or an "
		    "address", n->host);
		return -1;
	}
	if (n->port > 65535) {
		snprintf(why, whysz, "The port is a number from 1 to 65535");
		return -1;
	}
	if ((ne = nick_check(n->nick, NICK_MAX)) != NAME_OK) {
		snprintf(why, whysz, "The nick '%s' %s", n->nick,
		    name_strerror(ne));
		return -1;
	}
	if (each_word(n->alternates, "Alternate nicks", 0, why, whysz) == -1 ||
	    each_word(n->rooms, "Rooms", 1, why, whysz) == -1 ||
	    each_word(n->quiet_tabs, "Quiet tabs", 2, why, whysz) == -1)
		return -1;
	if (strpbrk(n->password, "\r\n") != NULL || strpbrk(n->account,
	    "\r\n ") != NULL || strpbrk(n->client_cert, "\r\n") != NULL) {
		snprintf(why, whysz, "The account, password and certificate "
		    "are one line each (no spaces in the account)");
		return -1;
	}
	return 0;
}

void
netconf_server(const struct netconf_net *n, char *out, size_t outsz)
{
	int v6 = strchr(n->host, ':') != NULL && n->host[0] != '[';

	snprintf(out, outsz, "%s%s%s%s:%u", n->tls ? "ircs://" : "",
	    v6 ? "[" : "", n->host, v6 ? "]" : "", n->port ? n->port :
	    n->tls ? 6697u : 6667u);
}

int
netconf_path(const char *name, int make, char *out, size_t outsz)
{
	const char *x = getenv("XDG_CONFIG_HOME"), *h = getenv("HOME");
	char dir[512], parent[512], *sl;

	if (x != NULL && *x == '/')
		snprintf(dir, sizeof(dir), "%s/keochat", x);
	else if (h != NULL && *h == '/')
		snprintf(dir, sizeof(dir), "%s/.config/keochat", h);
	else
		return -1;
	if (make) {
		snprintf(parent, sizeof(parent), "%s", dir);
		if ((sl = strrchr(parent, '/')) != NULL && sl != parent) {
			*sl = '\0';
			(void)mkdir(parent, 0700);	/* there already: fine */
		}
		if (mkdir(dir, 0700) == -1 && errno != EEXIST)
			return -1;
	}
	return (size_t)snprintf(out, outsz, "%s/%s", dir, name) < outsz ? 0 :
	    -1;
}
