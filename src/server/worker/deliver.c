/*
 * deliver.c -- local channel index, relay frames in and out (see deliver.h).
 *
 * Owns struct lchan and struct lchan_table (kd.lchans).  lchans are found
 * by roster index in an array of short lists (one entry per live
 * generation: a channel can be recreated at the same index while the PART
 * frames of the old one are still on their way).
 *
 * A line reaches a client in one of a few variants, by the capabilities
 * it negotiated: with the server-time tag, with message-tags (msgid, bot
 * and the client-only tags), and for JOIN with extended-join.  Each
 * variant is formatted once per frame, when the first client that takes
 * it is met, and copied once into the turn's arena for all of them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client.h"
#include "ctx.h"
#include "deliver.h"
#include "frame.h"
#include "label.h"
#include "log.h"
#include "monitor.h"
#include "roster.h"
#include "valid.h"

struct lchan {
	int32_t		 idx;		/* roster channel index */
	uint32_t	 gen;		/* roster channel generation */
	struct lchan	*next;		/* other generations at idx */
	uint32_t	 refs;		/* local roster members */
	uint32_t	 n, cap;	/* member list */
	struct client	**m;
};

#define V_TIME		0x1	/* server-time */
#define V_TAGS		0x2	/* message-tags: msgid, bot, client tags */
#define V_EXTJOIN	0x4	/* extended-join */
#define V_ACCOUNT	0x8	/* account-tag */
#define V_COUNT		16

/* One formatted variant of a line: tags + line + CRLF, built once per
 * frame and copied once into the turn's arena, which every recipient
 * then shares. */
struct variant {
	int	 built;
	size_t	 len;
	const char *shared;		/* the copy in the arena, or NULL */
	char	 buf[IRC_TAGS_MAX + IRC_LINE_MAX + 300];
};

struct lchan_table {
	struct lchan	**byidx;
	unsigned	  nidx;
	uint32_t	  epoch;	/* dedupe marks for MULTI frames */
	struct deliver_ops ops;		/* where frames go, who hears of JOINs */
	struct variant	  v[V_COUNT];
};

/* The frame being delivered, as the variants need it. */
struct line_src {
	const char	*tags;		/* client-only tags, escaped */
	size_t		 tagslen;
	const char	*line;		/* no CRLF */
	size_t		 len;
	const char	*ext;		/* JOIN: " account :realname" */
	size_t		 extlen;
	uint64_t	 id;		/* the message id */
	int64_t		 time_ms;
	int		 bot;		/* the sender is +B */
	const char	*account;	/* the sender's account (account-tag) */
	size_t		 accountlen;
	uint32_t	 label;		/* the origin's label token */
	struct client	*origin;	/* local sender, or NULL */
	const struct variant *last_v;	/* the variant of ... */
	uint32_t	 last_caps;	/* ... a client with these caps */
};

int
deliver_init(unsigned max_chans, const struct deliver_ops *ops)
{
	struct lchan_table *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return -1;
	t->nidx = max_chans;
	t->ops = *ops;
	if ((t->byidx = calloc(max_chans, sizeof(*t->byidx))) == NULL) {
		free(t);
		return -1;
	}
	kd.lchans = t;
	return 0;
}

void
deliver_free(void)
{
	struct lchan_table *t = kd.lchans;
	struct lchan *lc, *next;
	unsigned i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nidx; i++)
		for (lc = t->byidx[i]; lc != NULL; lc = next) {
			next = lc->next;
			free(lc->m);
			free(lc);
		}
	free(t->byidx);
	free(t);
	kd.lchans = NULL;
}

static struct lchan *
lchan_find(int32_t idx, uint32_t gen, int create)
{
	struct lchan_table *t = kd.lchans;
	struct lchan *lc;

	if (idx < 0 || (unsigned)idx >= t->nidx)
		return NULL;
	for (lc = t->byidx[idx]; lc != NULL; lc = lc->next)
		if (lc->gen == gen)
			return lc;
	if (!create || (lc = calloc(1, sizeof(*lc))) == NULL)
		return NULL;
	lc->idx = idx;
	lc->gen = gen;
	lc->next = t->byidx[idx];
	t->byidx[idx] = lc;
	return lc;
}

static void
lchan_maybe_free(struct lchan *lc)
{
	struct lchan **pp;

	if (lc->refs > 0 || lc->n > 0)
		return;
	for (pp = &kd.lchans->byidx[lc->idx]; *pp != NULL; pp = &(*pp)->next)
		if (*pp == lc) {
			*pp = lc->next;
			break;
		}
	free(lc->m);
	free(lc);
}

unsigned
lchan_ref(int32_t idx, uint32_t gen)
{
	struct lchan *lc = lchan_find(idx, gen, 1);

	if (lc == NULL)
		fatalx("out of memory for the local channel index");
	return lc->refs++ == 0 ? FRAME_F_SUB : 0;
}

unsigned
lchan_unref(int32_t idx, uint32_t gen)
{
	struct lchan *lc = lchan_find(idx, gen, 0);

	if (lc == NULL || lc->refs == 0)
		return 0;
	if (--lc->refs > 0)
		return 0;
	lchan_maybe_free(lc);
	return FRAME_F_UNSUB;
}

static void
member_add(struct lchan *lc, struct client *c)
{
	struct client **n;
	struct lchan **a;
	unsigned i;

	for (i = 0; i < c->nact; i++)
		if (c->act[i] == lc)
			return;
	if (lc->n == lc->cap) {
		unsigned ncap = lc->cap ? lc->cap * 2 : 8;
		if ((n = reallocarray(lc->m, ncap, sizeof(*n))) == NULL)
			fatalx("out of memory for a member list");
		lc->m = n;
		lc->cap = ncap;
	}
	if (c->nact == c->actcap) {
		unsigned ncap = c->actcap ? c->actcap * 2u : 4u;
		if (ncap > 255)
			ncap = 255;
		if (c->nact >= ncap)
			return;
		if ((a = reallocarray(c->act, ncap, sizeof(*a))) == NULL)
			fatalx("out of memory for a channel list");
		c->act = a;
		c->actcap = (uint8_t)ncap;
	}
	lc->m[lc->n++] = c;
	c->act[c->nact++] = lc;
}

static void
member_remove(struct lchan *lc, struct client *c)
{
	unsigned i;

	for (i = 0; i < lc->n; i++)
		if (lc->m[i] == c) {
			lc->m[i] = lc->m[--lc->n];
			break;
		}
	for (i = 0; i < c->nact; i++)
		if (c->act[i] == lc) {
			c->act[i] = c->act[--c->nact];
			break;
		}
}

void
lchan_forget(struct client *c)
{
	struct lchan *lc;

	while (c->nact > 0) {
		lc = c->act[c->nact - 1];
		member_remove(lc, c);
		lchan_maybe_free(lc);
	}
}

void
deliver_resync(void)
{
	struct lchan_table *t = kd.lchans;
	struct frame_sub f;
	struct lchan *lc;
	uint8_t buf[128];
	unsigned i;
	int n;

	memset(&f, 0, sizeof(f));
	for (i = 0; i < t->nidx; i++)
		for (lc = t->byidx[i]; lc != NULL; lc = lc->next) {
			if (lc->refs == 0)
				continue;
			f.chan = (uint32_t)lc->idx;
			f.gen = lc->gen;
			if ((n = frame_pack_sub(buf, sizeof(buf), FRAME_SUB,
			    &f)) > 0)
				t->ops.send_sync(buf, (size_t)n, t->ops.arg);
		}
}

unsigned
deliver_channels(int32_t slot, struct frame_multi_chan *ch)
{
	struct roster_user *u = roster_user(kd.roster, slot);
	struct roster_user_ext *e = roster_user_ext(kd.roster, slot);
	struct roster_chan *rc;
	unsigned k, n = 0;

	if (u == NULL)
		return 0;
	for (k = 0; k < u->nchans && k < CHANS_PER_USER_MAX; k++) {
		if ((rc = roster_chan(kd.roster, e->chans[k])) == NULL)
			continue;
		ch[n].chan = (uint32_t)e->chans[k];
		ch[n].gen = rc->gen;
		ch[n].flags = 0;
		n++;
	}
	return n;
}

/* --- formatting ---------------------------------------------------------- */

static size_t
fmt_time(char *out, size_t outsz, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	size_t n;

	if (gmtime_r(&t, &tm) == NULL)
		return 0;
	n = strftime(out, outsz, "%Y-%m-%dT%H:%M:%S", &tm);
	n += (size_t)snprintf(out + n, outsz - n, ".%03dZ", (int)(ms % 1000));
	return n;
}

size_t
deliver_msgid(char *out, size_t outsz, uint64_t id)
{
	static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	char tmp[16];
	size_t n = 0, i;

	do {
		tmp[n++] = digits[id % 36];
		id /= 36;
	} while (id != 0 && n < sizeof(tmp));
	if (n >= outsz)
		return 0;
	for (i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	out[n] = '\0';
	return n;
}

static void
variants_reset(void)
{
	unsigned i;

	for (i = 0; i < V_COUNT; i++)
		kd.lchans->v[i].built = 0;
}

static unsigned
variant_key(const struct line_src *s, uint32_t caps)
{
	unsigned k = 0;

	if (caps & CAP_SERVER_TIME)
		k |= V_TIME;
	if ((caps & CAP_MESSAGE_TAGS) && (s->id != 0 || s->bot ||
	    s->tagslen > 0))
		k |= V_TAGS;
	if ((caps & CAP_EXTENDED_JOIN) && s->extlen > 0)
		k |= V_EXTJOIN;
	if ((caps & CAP_ACCOUNT_TAG) && s->accountlen > 0)
		k |= V_ACCOUNT;
	return k;
}

/* ';' between tags: the first follows '@' directly. */
static void
tag_sep(char *buf, size_t *n)
{
	if (*n > 1)
		buf[(*n)++] = ';';
}

static const struct variant *
variant_get(const struct line_src *s, uint32_t caps)
{
	unsigned k = variant_key(s, caps);
	struct variant *v = &kd.lchans->v[k];
	char id[16];
	size_t n = 0;

	if (v->built)
		return v;
	if (k & (V_TIME | V_TAGS | V_ACCOUNT)) {
		v->buf[n++] = '@';
		if (k & V_ACCOUNT) {
			memcpy(v->buf + n, "account=", 8);
			n += 8;
			memcpy(v->buf + n, s->account, s->accountlen);
			n += s->accountlen;
		}
		if (k & V_TIME) {
			tag_sep(v->buf, &n);
			memcpy(v->buf + n, "time=", 5);
			n += 5;
			n += fmt_time(v->buf + n, 40, s->time_ms);
		}
		if ((k & V_TAGS) && s->id != 0 &&
		    deliver_msgid(id, sizeof(id), s->id) > 0) {
			tag_sep(v->buf, &n);
			n += (size_t)snprintf(v->buf + n, 24, "msgid=%s", id);
		}
		if ((k & V_TAGS) && s->bot) {
			tag_sep(v->buf, &n);
			memcpy(v->buf + n, "bot", 3);
			n += 3;
		}
		if ((k & V_TAGS) && s->tagslen > 0) {
			tag_sep(v->buf, &n);
			memcpy(v->buf + n, s->tags, s->tagslen);
			n += s->tagslen;
		}
		v->buf[n++] = ' ';
	}
	memcpy(v->buf + n, s->line, s->len);
	n += s->len;
	if (k & V_EXTJOIN) {
		memcpy(v->buf + n, s->ext, s->extlen);
		n += s->extlen;
	}
	v->buf[n++] = '\r';
	v->buf[n++] = '\n';
	v->len = n;
	v->built = 1;
	v->shared = client_arena_put(v->buf, n);
	return v;
}

/* The line in c's variant: into c's labeled response when c sent it with
 * a label, else queued.  The variant of the last recipient is kept, so a
 * room of clients with the same capabilities costs one compare each. */
static inline void
send_to(struct client *c, struct line_src *s)
{
	const struct variant *v;

	if (c == NULL || c->state >= CL_DYING)
		return;
	if (s->last_v != NULL && c->caps == s->last_caps)
		v = s->last_v;
	else {
		v = variant_get(s, c->caps);
		s->last_v = v;
		s->last_caps = c->caps;
	}
	if (c == s->origin && s->label != 0 &&
	    label_take(c, s->label, v->buf, v->len))
		return;
	if (v->shared != NULL)
		client_send_shared(c, v->shared, v->len);
	else
		client_send(c, v->buf, v->len);	/* arena out of memory */
}

/* A line as it is, no tags (numerics the relay made for one client). */
static void
send_raw(struct client *c, const char *line, size_t len, uint32_t label)
{
	char buf[IRC_LINE_MAX + 4];

	if (c == NULL || c->state >= CL_DYING || len > IRC_LINE_MAX - 2)
		return;
	memcpy(buf, line, len);
	buf[len++] = '\r';
	buf[len++] = '\n';
	if (label != 0 && label_take(c, label, buf, len))
		return;
	client_send(c, buf, len);
}

/* May c see this kind of line at all? */
static inline int
wants(const struct client *c, uint8_t kind, const struct line_src *s)
{
	switch (kind) {
	case FRAME_K_PRIVMSG:
	case FRAME_K_NOTICE:
		return c != s->origin || (c->caps & CAP_ECHO_MESSAGE);
	case FRAME_K_TAGMSG:
		return (c->caps & CAP_MESSAGE_TAGS) && (c != s->origin ||
		    (c->caps & CAP_ECHO_MESSAGE));
	case FRAME_K_AWAY:
		return (c->caps & CAP_AWAY_NOTIFY) && c != s->origin;
	case FRAME_K_SETNAME:
		return (c->caps & CAP_SETNAME) && c != s->origin;
	case FRAME_K_CHGHOST:
		return (c->caps & CAP_CHGHOST) != 0;
	case FRAME_K_INVITE:
		return (c->caps & CAP_INVITE_NOTIFY) && c != s->origin;
	case FRAME_K_ACCOUNT:
		return (c->caps & CAP_ACCOUNT_NOTIFY) && c != s->origin;
	default:
		return 1;
	}
}

/* --- frames from the relay ------------------------------------------------ */

static void
send_unsub(int32_t idx, uint32_t gen)
{
	struct frame_sub f;
	uint8_t buf[128];
	int n;

	memset(&f, 0, sizeof(f));
	f.chan = (uint32_t)idx;
	f.gen = gen;
	if ((n = frame_pack_sub(buf, sizeof(buf), FRAME_UNSUB, &f)) > 0)
		kd.lchans->ops.send(buf, (size_t)n, kd.lchans->ops.arg);
}

/* The subject of a KICK, on this worker: out of the local member list;
 * the relay already took it out of the roster. */
static void
kicked(struct lchan *lc, const struct frame_chan *f)
{
	struct client *c = client_by_slot((int32_t)f->sslot, f->sgen);

	if (c == NULL)
		return;
	member_remove(lc, c);
	/* as lchan_unref, but lc stays for the caller to free */
	if (lc->refs > 0 && --lc->refs == 0)
		send_unsub((int32_t)f->chan, f->gen);
}

/* After a JOIN, an away-notify client hears that the joiner is away. */
static void
join_away(struct lchan *lc, const struct frame_chan *f, struct client *origin)
{
	char line[IRC_LINE_MAX + 4];
	const char *sp;
	uint32_t i;
	int n;

	if ((sp = memchr(f->line, ' ', f->linelen)) == NULL)
		return;
	n = snprintf(line, sizeof(line), "%.*s AWAY :%.*s\r\n",
	    (int)(sp - f->line), f->line, (int)f->awaylen, f->away);
	if (n <= 0 || (size_t)n >= sizeof(line))
		return;
	for (i = 0; i < lc->n; i++)
		if (lc->m[i] != origin && (lc->m[i]->caps & CAP_AWAY_NOTIFY))
			client_send(lc->m[i], line, (size_t)n);
}

static void
src_init(struct line_src *s, const struct frame_stamp *st, const char *tags,
    size_t tagslen, const char *line, size_t len, struct client *origin)
{
	memset(s, 0, sizeof(*s));
	s->tags = tags;
	s->tagslen = tagslen;
	s->line = line;
	s->len = len;
	s->id = st->id;
	s->time_ms = (int64_t)st->time_ms;
	s->bot = (st->sflags & FRAME_S_BOT) != 0;
	s->label = st->label;
	s->origin = origin;
	variants_reset();
}

static int
on_chan(const uint8_t *frame, size_t len)
{
	struct frame_chan f;
	enum frame_err err;
	struct line_src s;
	struct lchan *lc;
	struct client *origin, *c;
	uint32_t i;

	if (frame_unpack_chan(frame, len, &f, &err) == -1)
		return -1;
	origin = client_by_slot((int32_t)f.oslot, f.ogen);
	src_init(&s, &f.st, f.tags, f.tagslen, f.line, f.linelen, origin);
	s.ext = f.ext;
	s.extlen = f.extlen;
	s.account = f.account;
	s.accountlen = f.accountlen;
	lc = lchan_find((int32_t)f.chan, f.gen, f.kind == FRAME_K_JOIN &&
	    origin != NULL);
	if (lc == NULL)
		return 0;
	if (f.kind == FRAME_K_JOIN && origin != NULL)
		member_add(lc, origin);
	if (f.kind == FRAME_K_PRIVMSG || f.kind == FRAME_K_NOTICE) {
		/* the hot path: everyone but a sender without echo-message */
		for (i = 0; i < lc->n; i++) {
			c = lc->m[i];
			if (c != origin || (c->caps & CAP_ECHO_MESSAGE))
				send_to(c, &s);
		}
	} else
		for (i = 0; i < lc->n; i++) {
			c = lc->m[i];
			if (wants(c, f.kind, &s))
				send_to(c, &s);
		}
	if (f.kind == FRAME_K_JOIN && f.awaylen > 0)
		join_away(lc, &f, origin);
	if (f.kind == FRAME_K_JOIN && origin != NULL) {
		/* the topic and names are part of a labeled JOIN's answer */
		if (origin->label != NULL && f.st.label ==
		    origin->label->token)
			origin->flags |= CF_CAPTURE;
		kd.lchans->ops.joined(origin, (int32_t)f.chan,
		    kd.lchans->ops.arg);
		origin->flags &= ~(uint32_t)CF_CAPTURE;
	} else if (f.kind == FRAME_K_PART && origin != NULL)
		member_remove(lc, origin);
	else if (f.kind == FRAME_K_KICK)
		kicked(lc, &f);
	lchan_maybe_free(lc);
	return 0;
}

static void
wallops_to(struct client *c, void *arg)
{
	struct line_src *s = arg;

	if (c->state == CL_REG && (c->umodes & ROSTER_UF_WALLOPS))
		send_to(c, s);
}

/* ONLINE: "nick!user@host" registered; its watchers get 730. */
/* MARKREAD: the connections of the frame's account with the cap. */
static void
markread_to(struct client *c, void *arg)
{
	const struct line_src *s = arg;
	char acct[NICK_MAX + 1];

	if (c->state != CL_REG || c->account == NULL ||
	    !(c->caps & CAP_READ_MARKER) || s->accountlen >= sizeof(acct))
		return;
	memcpy(acct, s->account, s->accountlen);
	acct[s->accountlen] = '\0';
	if (irc_casecmp(acct, c->account) == 0)
		client_sendf(c, "%.*s", (int)s->len, s->line);
}

static void
online_to(struct client *c, void *arg)
{
	const struct line_src *s = arg;

	client_sendf(c, ":%s 730 %s :%.*s", kd.cfg.server_name, c->nick,
	    (int)s->len, s->line);
}

static void
nick_of(const char *prefix, size_t len, char *nick, size_t nicksz)
{
	size_t n = 0;

	if (len > 0 && prefix[0] == ':') {
		prefix++;
		len--;
	}
	while (n < len && n < nicksz - 1 && prefix[n] != '!' &&
	    prefix[n] != ' ')
		n++;
	memcpy(nick, prefix, n);
	nick[n] = '\0';
}

static int
on_user(const uint8_t *frame, size_t len)
{
	struct frame_user f;
	enum frame_err err;
	struct line_src s;
	struct client *to, *origin;
	char nick[NICK_MAX + 1];

	if (frame_unpack_user(frame, len, &f, &err) == -1)
		return -1;
	origin = client_by_slot((int32_t)f.oslot, f.ogen);
	src_init(&s, &f.st, f.tags, f.tagslen, f.line, f.linelen, origin);
	s.account = f.account;
	s.accountlen = f.accountlen;
	switch (f.kind) {
	case FRAME_K_WALLOPS:
		client_foreach(wallops_to, &s);
		return 0;
	case FRAME_K_MARKREAD:
		client_foreach(markread_to, &s);
		return 0;
	case FRAME_K_ONLINE:
		nick_of(f.line, f.linelen, nick, sizeof(nick));
		monitor_watchers(nick, online_to, &s);
		return 0;
	default:
		break;
	}
	to = client_by_slot((int32_t)f.tslot, f.tgen);
	switch (f.kind) {
	case FRAME_K_REPLY:
		send_raw(to, f.line, f.linelen, f.st.label);
		return 0;
	case FRAME_K_KILL:
		if (to != NULL) {
			char why[IRC_LINE_MAX];
			snprintf(why, sizeof(why), "%.*s", (int)f.linelen,
			    f.line);
			client_close(to, why);
		}
		return 0;
	default:
		break;
	}
	if (to != NULL && (f.kind != FRAME_K_TAGMSG ||
	    (to->caps & CAP_MESSAGE_TAGS)))
		send_to(to, &s);
	/* echo-message: the sender sees its own message (once) */
	if ((f.uflags & FRAME_U_ECHO) && origin != NULL && origin != to &&
	    wants(origin, f.kind, &s))
		send_to(origin, &s);
	return 0;
}

/* MONITOR for a QUIT or NICK: 731 for the nick that went, 730 for the
 * one that came. */
static void
offline_to(struct client *c, void *arg)
{
	client_sendf(c, ":%s 731 %s :%s", kd.cfg.server_name, c->nick,
	    (const char *)arg);
}

struct ext_monitor {
	struct line_src *s;
	uint8_t	 kind;
	uint32_t epoch;
};

/* extended-monitor: the watchers that want this kind and did not get it
 * as channel members already. */
static void
ext_monitor_to(struct client *c, void *arg)
{
	struct ext_monitor *em = arg;

	if (!(c->caps & CAP_EXT_MONITOR) || c->mark == em->epoch ||
	    !wants(c, em->kind, em->s) || c == em->s->origin)
		return;
	c->mark = em->epoch;
	send_to(c, em->s);
}

static void
multi_monitor(const struct frame_multi *f, struct line_src *s,
    uint32_t epoch)
{
	char nick[NICK_MAX + 1], newp[PREFIX_MAX + 1];
	struct ext_monitor em = { s, f->kind, epoch };
	const char *p, *bang;
	size_t n;

	nick_of(f->line, f->linelen, nick, sizeof(nick));
	switch (f->kind) {
	case FRAME_K_QUIT:
		monitor_watchers(nick, offline_to, nick);
		break;
	case FRAME_K_NICK:
		monitor_watchers(nick, offline_to, nick);
		/* ":old!user@host NICK :new" */
		p = memmem(f->line, f->linelen, " NICK :", 7);
		bang = memchr(f->line, '!', f->linelen);
		if (p == NULL || bang == NULL || bang > p)
			break;
		n = f->linelen - (size_t)(p + 7 - f->line);
		snprintf(newp, sizeof(newp), "%.*s%.*s", (int)n, p + 7,
		    (int)(p - bang), bang);
		nick_of(p + 7, n, nick, sizeof(nick));
		{
			struct line_src on = *s;
			on.line = newp;
			on.last_v = NULL;
			on.len = strlen(newp);
			monitor_watchers(nick, online_to, &on);
		}
		break;
	default:
		monitor_watchers(nick, ext_monitor_to, &em);
		break;
	}
}

/* CHGHOST reaches the user's own worker: its client takes the new user
 * and host ("... CHGHOST user host"). */
static void
chghost_self(struct client *c, const struct frame_multi *f)
{
	const char *p = memmem(f->line, f->linelen, " CHGHOST ", 9);
	char user[USER_MAX + 1], host[HOST_MAX + 1];

	if (p == NULL || sscanf(p + 9, "%10s %63s", user, host) != 2)
		return;
	snprintf(c->user, sizeof(c->user), "%s", user);
	snprintf(c->host, sizeof(c->host), "%s", host);
	client_set_prefix(c);
}

static int
on_multi(const uint8_t *frame, size_t len)
{
	static struct frame_multi f;
	struct lchan_table *t = kd.lchans;
	enum frame_err err;
	struct line_src s;
	struct client *origin, *c;
	struct lchan *lc;
	uint32_t i, j;

	if (frame_unpack_multi(frame, len, &f, &err) == -1)
		return -1;
	origin = client_by_slot((int32_t)f.oslot, f.ogen);
	src_init(&s, &f.st, NULL, 0, f.line, f.linelen, origin);
	s.account = f.account;
	s.accountlen = f.accountlen;
	t->epoch++;
	if (origin != NULL && f.kind == FRAME_K_CHGHOST) {
		chghost_self(origin, &f);
		if (origin->caps & CAP_CHGHOST)
			send_to(origin, &s);
		origin->mark = t->epoch;
	} else if (origin != NULL)
		origin->mark = t->epoch;	/* it saw its own already */
	for (i = 0; i < f.n; i++) {
		if ((lc = lchan_find((int32_t)f.ch[i].chan, f.ch[i].gen,
		    0)) == NULL)
			continue;
		for (j = 0; j < lc->n; j++) {
			c = lc->m[j];
			if (c->mark == t->epoch)
				continue;
			c->mark = t->epoch;
			if (wants(c, f.kind, &s))
				send_to(c, &s);
		}
	}
	if (f.mflags & FRAME_M_ALL)
		multi_monitor(&f, &s, t->epoch);
	return 0;
}

static int
on_labeldone(const uint8_t *frame, size_t len)
{
	struct frame_labeldone f;
	enum frame_err err;
	struct client *c;

	if (frame_unpack_labeldone(frame, len, &f, &err) == -1)
		return -1;
	if ((c = client_by_slot((int32_t)f.oslot, f.ogen)) == NULL)
		return 0;
	if ((f.st.sflags & FRAME_S_CHANOP) && kd.lchans->ops.chanop_done !=
	    NULL)
		kd.lchans->ops.chanop_done(c, kd.lchans->ops.arg);
	if ((f.st.sflags & FRAME_S_CHANOP) && c->opwait > 0 &&
	    --c->opwait == 0)
		client_wake(c);
	if (f.st.label != 0)
		label_done(c, f.st.label);
	return 0;
}

static int
on_nick(const uint8_t *frame, size_t len)
{
	char nick[NICK_MAX + 1];
	struct frame_nick f;
	enum frame_err err;

	if (frame_unpack_nick(frame, len, &f, &err) == -1)
		return -1;
	memcpy(nick, f.nick, f.nicklen);
	nick[f.nicklen] = '\0';
	if (kd.lchans->ops.nick_answer != NULL)
		kd.lchans->ops.nick_answer((int32_t)f.oslot, f.ogen, f.op, nick,
		    kd.lchans->ops.arg);
	return 0;
}

int
deliver_frame(const uint8_t *frame, size_t len)
{
	enum frame_err err;
	int type, rc;

	switch ((type = frame_open(frame, len, &err))) {
	case FRAME_CHAN:
		rc = on_chan(frame, len);
		break;
	case FRAME_USER:
		rc = on_user(frame, len);
		break;
	case FRAME_MULTI:
		rc = on_multi(frame, len);
		break;
	case FRAME_LABELDONE:
		rc = on_labeldone(frame, len);
		break;
	case FRAME_NICK:
		rc = on_nick(frame, len);
		break;
	default:
		log_warnx("unexpected %s frame from the relay",
		    frame_type_name((unsigned)type));
		return -1;
	}
	if (rc == -1)
		log_warnx("malformed %s frame from the relay",
		    frame_type_name((unsigned)type));
	return rc;
}

/* --- frames to the relay --------------------------------------------------- */

static void
queue_frame(const uint8_t *buf, int n)
{
	if (n == -1) {
		log_warnx("cannot build a relay frame");
		return;
	}
	kd.lchans->ops.send(buf, (size_t)n, kd.lchans->ops.arg);
}

/* The stamp's fields a command fills: the label token and who sends. */
static void
stamp_from(struct frame_stamp *st, struct client *origin)
{
	memset(st, 0, sizeof(*st));
	if (origin == NULL)
		return;
	st->label = label_frame(origin);
	if (origin->umodes & ROSTER_UF_BOT)
		st->sflags |= FRAME_S_BOT;
	if (origin->umodes & ROSTER_UF_OPER)
		st->sflags |= FRAME_S_OPER;
}

/* The sender's account for the account tag: "" when not logged in. */
static void
sender_account(const struct client *origin, const char **p, size_t *n)
{
	*p = origin != NULL && origin->account != NULL ? origin->account : "";
	*n = strlen(*p);
}

void
send_chan(int32_t idx, uint32_t gen, struct client *origin,
    const struct out_line *o)
{
	uint8_t buf[FRAME_MAX];
	struct frame_chan f;

	memset(&f, 0, sizeof(f));
	stamp_from(&f.st, origin);
	f.chan = (uint32_t)idx;
	f.gen = gen;
	f.oslot = (uint32_t)origin->slot;
	f.ogen = origin->gen;
	f.kind = (uint8_t)o->kind;
	f.flags = (uint8_t)o->flags;
	f.tags = o->tags;
	f.tagslen = o->tagslen;
	f.line = o->line;
	f.linelen = o->len;
	f.ext = o->ext;
	f.extlen = o->extlen;
	f.away = o->away;
	f.awaylen = o->awaylen;
	sender_account(origin, &f.account, &f.accountlen);
	queue_frame(buf, frame_pack_chan(buf, sizeof(buf), &f));
}

void
send_user(uint8_t worker, int32_t slot, uint32_t gen, struct client *origin,
    const struct out_line *o)
{
	uint8_t buf[FRAME_MAX];
	struct frame_user f;

	memset(&f, 0, sizeof(f));
	stamp_from(&f.st, origin);
	f.target = worker;
	f.tslot = (uint32_t)slot;
	f.tgen = gen;
	if (origin != NULL) {
		f.oslot = (uint32_t)origin->slot;
		f.ogen = origin->gen;
	} else
		f.oslot = UINT32_MAX;
	f.kind = (uint8_t)o->kind;
	f.uflags = (uint8_t)o->flags;
	f.tags = o->tags;
	f.tagslen = o->tagslen;
	f.line = o->line;
	f.linelen = o->len;
	sender_account(origin, &f.account, &f.accountlen);
	queue_frame(buf, frame_pack_user(buf, sizeof(buf), &f));
}

void
send_all(struct client *origin, const struct out_line *o)
{
	send_user(FRAME_ALL_WORKERS, -1, 0, origin, o);
}

void
send_account(const char *account, const struct out_line *o)
{
	uint8_t buf[FRAME_MAX];
	struct frame_user f;

	memset(&f, 0, sizeof(f));
	stamp_from(&f.st, NULL);
	f.target = FRAME_ALL_WORKERS;
	f.oslot = UINT32_MAX;
	f.kind = (uint8_t)o->kind;
	f.line = o->line;
	f.linelen = o->len;
	f.account = account;
	f.accountlen = strlen(account);
	queue_frame(buf, frame_pack_user(buf, sizeof(buf), &f));
}

void
send_multi(struct client *origin, const struct frame_multi_chan *ch,
    unsigned n, const struct out_line *o)
{
	send_multi_for(origin->slot, origin->gen, origin, ch, n, o);
}

void
send_multi_for(int32_t slot, uint32_t gen, struct client *origin,
    const struct frame_multi_chan *ch, unsigned n, const struct out_line *o)
{
	static struct frame_multi f;
	uint8_t buf[FRAME_MAX];

	memset(&f.st, 0, sizeof(f.st));
	stamp_from(&f.st, origin);
	f.oslot = (uint32_t)slot;
	f.ogen = gen;
	f.kind = (uint8_t)o->kind;
	f.mflags = (uint8_t)o->flags;
	f.n = (uint16_t)(n > CHANS_PER_USER_MAX ? CHANS_PER_USER_MAX : n);
	memcpy(f.ch, ch, f.n * sizeof(*ch));
	f.line = o->line;
	f.linelen = o->len;
	sender_account(origin, &f.account, &f.accountlen);
	queue_frame(buf, frame_pack_multi(buf, sizeof(buf), &f));
}

void
send_nick(int32_t slot, uint32_t gen, enum frame_nick_op op,
    const char *nick)
{
	struct frame_nick f;
	uint8_t buf[256];

	memset(&f, 0, sizeof(f));
	f.oslot = (uint32_t)slot;
	f.ogen = gen;
	f.op = (uint8_t)op;
	f.nick = nick;
	f.nicklen = strlen(nick);
	queue_frame(buf, frame_pack_nick(buf, sizeof(buf), &f));
}

void
send_chanop(int32_t idx, uint32_t gen, struct client *origin,
    enum frame_chanop_kind op, const char *args, size_t len)
{
	send_chanop_as(idx, gen, origin, 0, op, args, len);
}

void
send_chanop_as(int32_t idx, uint32_t gen, struct client *origin,
    unsigned sflags, enum frame_chanop_kind op, const char *args, size_t len)
{
	uint8_t buf[FRAME_MAX];
	struct frame_chanop f;

	memset(&f, 0, sizeof(f));
	stamp_from(&f.st, origin);
	f.st.sflags |= (uint8_t)sflags;
	f.chan = (uint32_t)idx;
	f.gen = gen;
	f.oslot = (uint32_t)origin->slot;
	f.ogen = origin->gen;
	f.op = (uint8_t)op;
	f.args = args;
	f.argslen = len;
	if (origin->opwait++ == 0)
		origin->opwait_ms = kd.now_ms;
	queue_frame(buf, frame_pack_chanop(buf, sizeof(buf), &f));
}
