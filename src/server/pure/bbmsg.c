/*
 * bbmsg.c -- the backbone's message bodies: build and check (bbmsg.h).
 */
#include <string.h>

#include "bbmsg.h"
#include "frame.h"
#include "irc.h"
#include "valid.h"

static const uint8_t magic[3] = { 'K', 'C', 'B' };

/* --- writing (big-endian) ------------------------------------------------ */

struct bw {
	uint8_t	*p;
	size_t	 cap, n;
	int	 bad;
};

static void
bw_bytes(struct bw *w, const void *src, size_t n)
{
	if (w->bad || n > w->cap - w->n) {
		w->bad = 1;
		return;
	}
	if (n > 0)
		memcpy(w->p + w->n, src, n);
	w->n += n;
}

static void
bw_be(struct bw *w, uint64_t v, unsigned bytes)
{
	uint8_t b[8];
	unsigned i;

	for (i = 0; i < bytes; i++)
		b[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
	bw_bytes(w, b, bytes);
}

static void
bw_str(struct bw *w, const char *s, size_t n, size_t max)
{
	if (n > max || (n > 0 && s == NULL)) {
		w->bad = 1;
		return;
	}
	bw_be(w, n, 2);
	bw_bytes(w, s, n);
}

static void
bw_node(struct bw *w, unsigned type, const char *node, size_t nodelen,
    uint64_t boot)
{
	bw_bytes(w, magic, sizeof(magic));
	bw_be(w, BB_VERSION, 1);
	bw_be(w, type, 1);
	if (nodelen == 0)
		w->bad = 1;
	bw_str(w, node, nodelen, BB_NODE_MAX);
	bw_be(w, boot, 8);
}

static void
bw_origin(struct bw *w, unsigned type, const struct bb_origin *o)
{
	bw_node(w, type, o->node, o->nodelen, o->boot);
	bw_be(w, o->worker, 1);
	bw_be(w, o->pid, 4);
	bw_be(w, o->lseq, 8);
	bw_be(w, o->label, 4);
	bw_be(w, o->oslot, 4);
	bw_be(w, o->ogen, 4);
	bw_be(w, o->kind, 1);
	bw_be(w, o->flags, 1);
	bw_be(w, o->sflags, 1);
}

int
bbmsg_pack_chan(uint8_t *buf, size_t cap, const struct bb_chan *m)
{
	struct bw w = { buf, cap, 0, 0 };

	bw_origin(&w, BB_CHAN, &m->o);
	bw_str(&w, m->chan, m->chanlen, CHAN_MAX);
	bw_be(&w, m->sslot, 4);
	bw_be(&w, m->sgen, 4);
	bw_str(&w, m->tags, m->tagslen, IRC_TAGS_MAX);
	bw_str(&w, m->line, m->linelen, IRC_LINE_MAX - 2);
	bw_str(&w, m->ext, m->extlen, BB_EXT_MAX);
	bw_str(&w, m->away, m->awaylen, AWAY_MAX);
	bw_str(&w, m->account, m->accountlen, NICK_MAX);
	return w.bad ? -1 : (int)w.n;
}

int
bbmsg_pack_multi(uint8_t *buf, size_t cap, const struct bb_multi *m)
{
	struct bw w = { buf, cap, 0, 0 };
	unsigned i;

	bw_origin(&w, BB_MULTI, &m->o);
	if (m->n > CHANS_PER_USER_MAX)
		return -1;
	bw_be(&w, m->n, 2);
	for (i = 0; i < m->n; i++) {
		bw_str(&w, m->ch[i].chan, m->ch[i].chanlen, CHAN_MAX);
		bw_be(&w, m->ch[i].flags, 1);
	}
	bw_str(&w, m->line, m->linelen, IRC_LINE_MAX - 2);
	bw_str(&w, m->account, m->accountlen, NICK_MAX);
	return w.bad ? -1 : (int)w.n;
}

int
bbmsg_pack_host(uint8_t *buf, size_t cap, const struct bb_host *m)
{
	struct bw w = { buf, cap, 0, 0 };

	bw_node(&w, BB_HOST, m->node, m->nodelen, m->boot);
	return w.bad ? -1 : (int)w.n;
}

int
bbmsg_pack_user(uint8_t *buf, size_t cap, const struct bb_user *m)
{
	struct bw w = { buf, cap, 0, 0 };

	bw_origin(&w, BB_USER, &m->o);
	if (m->tnodelen == 0)
		return -1;
	bw_str(&w, m->tnode, m->tnodelen, BB_NODE_MAX);
	bw_be(&w, m->tboot, 8);
	bw_be(&w, m->tslot, 4);
	bw_be(&w, m->tgen, 4);
	bw_str(&w, m->tags, m->tagslen, IRC_TAGS_MAX);
	bw_str(&w, m->line, m->linelen, IRC_LINE_MAX - 2);
	bw_str(&w, m->account, m->accountlen, NICK_MAX);
	return w.bad ? -1 : (int)w.n;
}

int
bbmsg_pack_chanop(uint8_t *buf, size_t cap, const struct bb_chanop *m)
{
	struct bw w = { buf, cap, 0, 0 };

	if (m->op == 0 || m->op >= FRAME_OP_KIND_MAX)
		return -1;
	bw_origin(&w, BB_CHANOP, &m->o);
	bw_str(&w, m->chan, m->chanlen, CHAN_MAX);
	bw_be(&w, m->op, 1);
	bw_str(&w, m->args, m->argslen, IRC_LINE_MAX - 2);
	return w.bad ? -1 : (int)w.n;
}

/* --- reading ------------------------------------------------------------- */

struct br {
	const uint8_t *p;
	size_t	 len, off;
	const char *why;	/* the first fault; sticky */
};

static const uint8_t *
br_take(struct br *r, size_t n)
{
	const uint8_t *p;

	if (r->why != NULL)
		return NULL;
	if (n > r->len - r->off) {
		r->why = "truncated";
		return NULL;
	}
	p = r->p + r->off;
	r->off += n;
	return p;
}

static uint64_t
br_be(struct br *r, unsigned bytes)
{
	const uint8_t *p = br_take(r, bytes);
	uint64_t v = 0;
	unsigned i;

	for (i = 0; p != NULL && i < bytes; i++)
		v = v << 8 | p[i];
	return v;
}

static void
br_fail(struct br *r, const char *why)
{
	if (r->why == NULL)
		r->why = why;
}

/* A string of at most max bytes without NUL, CR or LF (valid UTF-8 is not
 * asked: IRC lines may carry any other bytes). */
static const char *
br_str(struct br *r, size_t *n, size_t max, const char *what)
{
	size_t l = (size_t)br_be(r, 2);
	const uint8_t *p;

	*n = 0;
	if (r->why != NULL)
		return NULL;
	if (l > max) {
		br_fail(r, what);
		return NULL;
	}
	if ((p = br_take(r, l)) == NULL)
		return NULL;
	if (memchr(p, '\0', l) != NULL || memchr(p, '\r', l) != NULL ||
	    memchr(p, '\n', l) != NULL) {
		br_fail(r, "control byte in a string");
		return NULL;
	}
	*n = l;
	return (const char *)p;
}

static int
br_chan_name(struct br *r, const char *s, size_t n)
{
	char name[CHAN_MAX + 1];

	if (r->why != NULL)
		return -1;
	if (n == 0 || n > CHAN_MAX) {
		br_fail(r, "bad room name");
		return -1;
	}
	memcpy(name, s, n);
	name[n] = '\0';
	if (chan_check(name) != NAME_OK) {
		br_fail(r, "bad room name");
		return -1;
	}
	return 0;
}

static int
br_header(struct br *r, unsigned *type)
{
	const uint8_t *m = br_take(r, sizeof(magic));

	if (m == NULL || memcmp(m, magic, sizeof(magic)) != 0) {
		br_fail(r, "not a keochat message");
		return -1;
	}
	if (br_be(r, 1) != BB_VERSION) {
		br_fail(r, "unknown version");
		return -1;
	}
	*type = (unsigned)br_be(r, 1);
	if (r->why == NULL && (*type == 0 || *type >= BB_TYPE_MAX))
		br_fail(r, "unknown type");
	return r->why != NULL ? -1 : 0;
}

/* The header of a message that must be of type want (else: what). */
static void
br_open(struct br *r, unsigned want, const char *what)
{
	unsigned type = 0;

	if (br_header(r, &type) == 0 && type != want)
		br_fail(r, what);
}

static const char *
br_node(struct br *r, size_t *len, uint64_t *boot)
{
	const char *node = br_str(r, len, BB_NODE_MAX, "node name too long");
	size_t i;

	if (r->why == NULL && *len == 0)
		br_fail(r, "no node name");
	for (i = 0; r->why == NULL && i < *len; i++)
		if ((unsigned char)node[i] < 0x21 ||
		    (unsigned char)node[i] > 0x7e)
			br_fail(r, "bad node name");
	*boot = br_be(r, 8);
	return node;
}

static void
br_origin(struct br *r, struct bb_origin *o)
{
	o->node = br_node(r, &o->nodelen, &o->boot);
	o->worker = (uint8_t)br_be(r, 1);
	o->pid = (uint32_t)br_be(r, 4);
	o->lseq = br_be(r, 8);
	o->label = (uint32_t)br_be(r, 4);
	o->oslot = (uint32_t)br_be(r, 4);
	o->ogen = (uint32_t)br_be(r, 4);
	o->kind = (uint8_t)br_be(r, 1);
	o->flags = (uint8_t)br_be(r, 1);
	o->sflags = (uint8_t)br_be(r, 1);
	if (r->why == NULL && o->worker >= WORKERS_MAX &&
	    o->worker != FRAME_ORIGIN_RELAY)
		br_fail(r, "bad worker id");
}

/* The command of ":prefix CMD ..." is the one its kind says. */
static int
br_line(struct br *r, const char *line, size_t n, unsigned kind)
{
	static const char *const cmd[FRAME_K_KIND_MAX] = {
		[FRAME_K_PRIVMSG] = "PRIVMSG", [FRAME_K_NOTICE] = "NOTICE",
		[FRAME_K_TAGMSG] = "TAGMSG", [FRAME_K_JOIN] = "JOIN",
		[FRAME_K_PART] = "PART", [FRAME_K_TOPIC] = "TOPIC",
		[FRAME_K_QUIT] = "QUIT", [FRAME_K_NICK] = "NICK",
		[FRAME_K_AWAY] = "AWAY", [FRAME_K_MODE] = "MODE",
		[FRAME_K_KICK] = "KICK", [FRAME_K_INVITE] = "INVITE",
		[FRAME_K_SETNAME] = "SETNAME", [FRAME_K_CHGHOST] = "CHGHOST",
		[FRAME_K_ACCOUNT] = "ACCOUNT", [FRAME_K_ONLINE] = "ONLINE",
	};
	const char *sp, *c;
	size_t cl;

	if (r->why != NULL)
		return -1;
	if (kind >= FRAME_K_KIND_MAX || cmd[kind] == NULL) {
		br_fail(r, "bad kind");
		return -1;
	}
	if (n < 4 || line[0] != ':' || line[1] == ' ' ||
	    (sp = memchr(line, ' ', n)) == NULL) {
		br_fail(r, "bad line");
		return -1;
	}
	c = sp + 1;
	cl = strlen(cmd[kind]);
	if ((size_t)(line + n - c) < cl || memcmp(c, cmd[kind], cl) != 0 ||
	    (c + cl < line + n && c[cl] != ' ')) {
		br_fail(r, "line and kind disagree");
		return -1;
	}
	return 0;
}

static int
br_end(struct br *r, const char **why)
{
	if (r->why == NULL && r->off != r->len)
		r->why = "trailing bytes";
	if (why != NULL)
		*why = r->why;
	return r->why != NULL ? -1 : 0;
}

int
bbmsg_type(const uint8_t *buf, size_t len, const char **why)
{
	struct br r = { buf, len, 0, NULL };
	unsigned type;

	if (len > BB_MSG_MAX) {
		*why = "too big";
		return -1;
	}
	if (br_header(&r, &type) == -1) {
		*why = r.why;
		return -1;
	}
	return (int)type;
}

int
bbmsg_unpack_chan(const uint8_t *buf, size_t len, struct bb_chan *m,
    const char **why)
{
	struct br r = { buf, len, 0, NULL };

	memset(m, 0, sizeof(*m));
	br_open(&r, BB_CHAN, "not a room message");
	br_origin(&r, &m->o);
	m->chan = br_str(&r, &m->chanlen, CHAN_MAX, "room name too long");
	(void)br_chan_name(&r, m->chan, m->chanlen);
	m->sslot = (uint32_t)br_be(&r, 4);
	m->sgen = (uint32_t)br_be(&r, 4);
	m->tags = br_str(&r, &m->tagslen, IRC_TAGS_MAX, "tags too long");
	m->line = br_str(&r, &m->linelen, IRC_LINE_MAX - 2, "line too long");
	m->ext = br_str(&r, &m->extlen, BB_EXT_MAX, "join text too long");
	m->away = br_str(&r, &m->awaylen, AWAY_MAX, "away text too long");
	m->account = br_str(&r, &m->accountlen, NICK_MAX,
	    "account too long");
	(void)br_line(&r, m->line, m->linelen, m->o.kind);
	return br_end(&r, why);
}

int
bbmsg_unpack_multi(const uint8_t *buf, size_t len, struct bb_multi *m,
    const char **why)
{
	struct br r = { buf, len, 0, NULL };
	unsigned i;

	memset(m, 0, sizeof(*m));
	br_open(&r, BB_MULTI, "not a user message");
	br_origin(&r, &m->o);
	m->n = (uint16_t)br_be(&r, 2);
	if (r.why == NULL && m->n > CHANS_PER_USER_MAX)
		br_fail(&r, "too many rooms");
	for (i = 0; r.why == NULL && i < m->n; i++) {
		m->ch[i].chan = br_str(&r, &m->ch[i].chanlen, CHAN_MAX,
		    "room name too long");
		(void)br_chan_name(&r, m->ch[i].chan, m->ch[i].chanlen);
		m->ch[i].flags = (uint8_t)br_be(&r, 1);
	}
	m->line = br_str(&r, &m->linelen, IRC_LINE_MAX - 2, "line too long");
	m->account = br_str(&r, &m->accountlen, NICK_MAX,
	    "account too long");
	(void)br_line(&r, m->line, m->linelen, m->o.kind);
	return br_end(&r, why);
}

int
bbmsg_unpack_host(const uint8_t *buf, size_t len, struct bb_host *m,
    const char **why)
{
	struct br r = { buf, len, 0, NULL };

	memset(m, 0, sizeof(*m));
	br_open(&r, BB_HOST, "not a host message");
	m->node = br_node(&r, &m->nodelen, &m->boot);
	return br_end(&r, why);
}

int
bbmsg_unpack_user(const uint8_t *buf, size_t len, struct bb_user *m,
    const char **why)
{
	struct br r = { buf, len, 0, NULL };

	memset(m, 0, sizeof(*m));
	br_open(&r, BB_USER, "not a private message");
	br_origin(&r, &m->o);
	if (r.why == NULL && m->o.kind != FRAME_K_PRIVMSG &&
	    m->o.kind != FRAME_K_NOTICE && m->o.kind != FRAME_K_TAGMSG)
		br_fail(&r, "bad kind for a private message");
	if (r.why == NULL && (m->o.flags & ~FRAME_U_ECHO) != 0)
		br_fail(&r, "bad flags");
	m->tnode = br_node(&r, &m->tnodelen, &m->tboot);
	m->tslot = (uint32_t)br_be(&r, 4);
	m->tgen = (uint32_t)br_be(&r, 4);
	m->tags = br_str(&r, &m->tagslen, IRC_TAGS_MAX, "tags too long");
	m->line = br_str(&r, &m->linelen, IRC_LINE_MAX - 2, "line too long");
	m->account = br_str(&r, &m->accountlen, NICK_MAX,
	    "account too long");
	(void)br_line(&r, m->line, m->linelen, m->o.kind);
	return br_end(&r, why);
}

int
bbmsg_unpack_chanop(const uint8_t *buf, size_t len, struct bb_chanop *m,
    const char **why)
{
	struct br r = { buf, len, 0, NULL };

	memset(m, 0, sizeof(*m));
	br_open(&r, BB_CHANOP, "not a channel change");
	br_origin(&r, &m->o);
	m->chan = br_str(&r, &m->chanlen, CHAN_MAX, "room name too long");
	(void)br_chan_name(&r, m->chan, m->chanlen);
	m->op = (uint8_t)br_be(&r, 1);
	if (r.why == NULL && (m->op == 0 || m->op >= FRAME_OP_KIND_MAX))
		br_fail(&r, "bad channel change");
	m->args = br_str(&r, &m->argslen, IRC_LINE_MAX - 2,
	    "change too long");
	return br_end(&r, why);
}

static int
name_token(const char *name, size_t max, char *dst, size_t dstsz)
{
	static const char hex[] = "0123456789abcdef";
	char fold[NICK_MAX > CHAN_MAX ? NICK_MAX + 1 : CHAN_MAX + 1];
	size_t i, n;

	if (strlen(name) > max)
		return -1;
	irc_casefold(fold, sizeof(fold), name);
	n = strlen(fold);
	if (n == 0 || dstsz < 2 * n + 1)
		return -1;
	for (i = 0; i < n; i++) {
		dst[2 * i] = hex[(unsigned char)fold[i] >> 4];
		dst[2 * i + 1] = hex[(unsigned char)fold[i] & 15];
	}
	dst[2 * n] = '\0';
	return 0;
}

int
bbmsg_room_token(const char *chan, char *dst, size_t dstsz)
{
	return name_token(chan, CHAN_MAX, dst, dstsz);
}

int
bbmsg_nick_key(const char *nick, char *dst, size_t dstsz)
{
	return name_token(nick, NICK_MAX, dst, dstsz);
}
