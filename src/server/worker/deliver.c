/*
 * deliver.c -- local channel index, relay frames in and out (see deliver.h).
 *
 * Owns struct lchan and struct lchan_table (kd.lchans).  lchans are found by roster
 * index in an array of short lists (one entry per live generation: a
 * channel can be recreated at the same index while the PART frames of the
 * old one are still on their way).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client.h"
#include "ctx.h"
#include "deliver.h"
#include "frame.h"
#include "log.h"

struct lchan {
	int32_t		 idx;		/* roster channel index */
	uint32_t	 gen;		/* roster channel generation */
	struct lchan	*next;		/* other generations at idx */
	uint32_t	 refs;		/* local roster members */
	uint32_t	 n, cap;	/* member list */
	struct client	**m;
};

/* One formatted variant of a line: tags + line + CRLF, built once per
 * frame and copied once into the turn's arena, which every recipient
 * then shares. */
struct variant {
	int	 built;
	size_t	 len;
	const char *shared;		/* the copy in the arena, or NULL */
	char	 buf[IRC_TAGS_MAX + IRC_LINE_MAX + 4];
};

struct lchan_table {
	struct lchan	**byidx;
	unsigned	  nidx;
	uint32_t	  epoch;	/* dedupe marks for MULTI frames */
	struct deliver_ops ops;		/* where frames go, who hears of JOINs */
	struct variant	  v[4];		/* bit 0: server-time, bit 1: tags */
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

/* --- formatting ---------------------------------------------------------- */

struct line_src {
	const char	*tags;		/* client-only tags, escaped */
	size_t		 tagslen;
	const char	*line;		/* no CRLF */
	size_t		 len;
	int64_t		 time_ms;
};

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

static void
variants_reset(void)
{
	unsigned i;

	for (i = 0; i < 4; i++)
		kd.lchans->v[i].built = 0;
}

static const struct variant *
variant_get(const struct line_src *s, unsigned caps)
{
	unsigned k = ((caps & CAP_SERVER_TIME) ? 1u : 0u) |
	    ((caps & CAP_MESSAGE_TAGS) && s->tagslen > 0 ? 2u : 0u);
	struct variant *v = &kd.lchans->v[k];
	size_t n = 0;

	if (v->built)
		return v;
	if (k != 0) {
		v->buf[n++] = '@';
		if (k & 1) {
			memcpy(v->buf + n, "time=", 5);
			n += 5;
			n += fmt_time(v->buf + n, 40, s->time_ms);
		}
		if (k & 2) {
			if (k & 1)
				v->buf[n++] = ';';
			memcpy(v->buf + n, s->tags, s->tagslen);
			n += s->tagslen;
		}
		v->buf[n++] = ' ';
	}
	memcpy(v->buf + n, s->line, s->len);
	n += s->len;
	v->buf[n++] = '\r';
	v->buf[n++] = '\n';
	v->len = n;
	v->built = 1;
	v->shared = client_arena_put(v->buf, n);
	return v;
}

static void
send_to(struct client *c, const struct line_src *s, int tagmsg)
{
	const struct variant *v;

	if (c == NULL || c->state >= CL_DYING)
		return;
	if (tagmsg && !(c->caps & CAP_MESSAGE_TAGS))
		return;
	v = variant_get(s, c->caps);
	if (v->shared != NULL)
		client_send_shared(c, v->shared, v->len);
	else
		client_send(c, v->buf, v->len);	/* arena out of memory */
}

void
deliver_direct(struct client *to, const char *tags, size_t tagslen,
    const char *line, size_t len, int64_t time_ms, int tagmsg)
{
	struct line_src s = { tags, tagslen, line, len, time_ms };

	variants_reset();
	send_to(to, &s, tagmsg);
}

/* --- frames from the relay ------------------------------------------------ */

static int
is_message(uint8_t kind)
{
	return kind == FRAME_K_PRIVMSG || kind == FRAME_K_NOTICE ||
	    kind == FRAME_K_TAGMSG;
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
	s = (struct line_src){ f.tags, f.tagslen, f.line, f.linelen,
	    (int64_t)f.st.time_ms };
	variants_reset();
	origin = client_by_slot((int32_t)f.oslot, f.ogen);
	lc = lchan_find((int32_t)f.chan, f.gen, f.kind == FRAME_K_JOIN &&
	    origin != NULL);
	if (lc == NULL)
		return 0;
	if (f.kind == FRAME_K_JOIN && origin != NULL)
		member_add(lc, origin);
	for (i = 0; i < lc->n; i++) {
		c = lc->m[i];
		if (c == origin && is_message(f.kind) &&
		    !(c->caps & CAP_ECHO_MESSAGE))
			continue;
		send_to(c, &s, f.kind == FRAME_K_TAGMSG);
	}
	if (f.kind == FRAME_K_JOIN && origin != NULL)
		kd.lchans->ops.joined(origin, (int32_t)f.chan,
		    kd.lchans->ops.arg);
	else if (f.kind == FRAME_K_PART && origin != NULL)
		member_remove(lc, origin);
	lchan_maybe_free(lc);
	return 0;
}

static int
on_user(const uint8_t *frame, size_t len)
{
	struct frame_user f;
	enum frame_err err;
	struct line_src s;
	struct client *to;

	if (frame_unpack_user(frame, len, &f, &err) == -1)
		return -1;
	if ((to = client_by_slot((int32_t)f.tslot, f.tgen)) == NULL)
		return 0;	/* gone meanwhile */
	s = (struct line_src){ f.tags, f.tagslen, f.line, f.linelen,
	    (int64_t)f.st.time_ms };
	variants_reset();
	send_to(to, &s, f.kind == FRAME_K_TAGMSG);
	return 0;
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
	s = (struct line_src){ NULL, 0, f.line, f.linelen,
	    (int64_t)f.st.time_ms };
	variants_reset();
	t->epoch++;
	if ((origin = client_by_slot((int32_t)f.oslot, f.ogen)) != NULL)
		origin->mark = t->epoch;	/* it saw its own NICK already */
	for (i = 0; i < f.n; i++) {
		if ((lc = lchan_find((int32_t)f.ch[i].chan, f.ch[i].gen,
		    0)) == NULL)
			continue;
		for (j = 0; j < lc->n; j++) {
			c = lc->m[j];
			if (c->mark == t->epoch)
				continue;
			c->mark = t->epoch;
			send_to(c, &s, 0);
		}
	}
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

void
send_chan(int32_t idx, uint32_t gen, const struct client *origin,
    enum frame_kind kind, unsigned flags, const char *tags, size_t tagslen,
    const char *line, size_t len)
{
	uint8_t buf[FRAME_MAX];
	struct frame_chan f;

	memset(&f.st, 0, sizeof(f.st));
	f.chan = (uint32_t)idx;
	f.gen = gen;
	f.oslot = (uint32_t)origin->slot;
	f.ogen = origin->gen;
	f.kind = (uint8_t)kind;
	f.flags = (uint8_t)flags;
	f.tags = tags;
	f.tagslen = tagslen;
	f.line = line;
	f.linelen = len;
	queue_frame(buf, frame_pack_chan(buf, sizeof(buf), &f));
}

void
send_user(uint8_t worker, int32_t slot, uint32_t gen,
    const struct client *origin, enum frame_kind kind, const char *tags,
    size_t tagslen, const char *line, size_t len)
{
	uint8_t buf[FRAME_MAX];
	struct frame_user f;

	memset(&f.st, 0, sizeof(f.st));
	f.target = worker;
	f.tslot = (uint32_t)slot;
	f.tgen = gen;
	f.oslot = (uint32_t)origin->slot;
	f.ogen = origin->gen;
	f.kind = (uint8_t)kind;
	f.tags = tags;
	f.tagslen = tagslen;
	f.line = line;
	f.linelen = len;
	queue_frame(buf, frame_pack_user(buf, sizeof(buf), &f));
}

void
send_multi(int32_t oslot, uint32_t ogen, enum frame_kind kind,
    const struct frame_multi_chan *ch, unsigned n, const char *line,
    size_t len)
{
	static struct frame_multi f;
	uint8_t buf[FRAME_MAX];

	memset(&f.st, 0, sizeof(f.st));
	f.oslot = (uint32_t)oslot;
	f.ogen = ogen;
	f.kind = (uint8_t)kind;
	f.n = (uint16_t)(n > CHANS_PER_USER_MAX ? CHANS_PER_USER_MAX : n);
	memcpy(f.ch, ch, f.n * sizeof(*ch));
	f.line = line;
	f.linelen = len;
	queue_frame(buf, frame_pack_multi(buf, sizeof(buf), &f));
}
