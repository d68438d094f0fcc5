/*
 * deliver.c -- local channel index, relay frames in and out (see deliver.h).
 *
 * Owns struct lchan and struct lchan_table.  lchans are found by roster
 * index in an array of short lists (one entry per live generation: a
 * channel can be recreated at the same index while the PART frames of the
 * old one are still on their way).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client.h"
#include "cmd.h"
#include "deliver.h"
#include "log.h"
#include "relay_link.h"
#include "relay_msg.h"
#include "roster.h"
#include "server.h"

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
	struct variant	  v[4];		/* bit 0: server-time, bit 1: tags */
};

#define L	(kd.lchans)

int
lchan_table_init(unsigned max_chans)
{
	if ((L = calloc(1, sizeof(*L))) == NULL)
		return -1;
	L->nidx = max_chans;
	if ((L->byidx = calloc(max_chans, sizeof(*L->byidx))) == NULL)
		return -1;
	return 0;
}

static struct lchan *
lchan_find(int32_t idx, uint32_t gen, int create)
{
	struct lchan *lc;

	if (idx < 0 || (unsigned)idx >= L->nidx)
		return NULL;
	for (lc = L->byidx[idx]; lc != NULL; lc = lc->next)
		if (lc->gen == gen)
			return lc;
	if (!create || (lc = calloc(1, sizeof(*lc))) == NULL)
		return NULL;
	lc->idx = idx;
	lc->gen = gen;
	lc->next = L->byidx[idx];
	L->byidx[idx] = lc;
	return lc;
}

static void
lchan_maybe_free(struct lchan *lc)
{
	struct lchan **pp;

	if (lc->refs > 0 || lc->n > 0)
		return;
	for (pp = &L->byidx[lc->idx]; *pp != NULL; pp = &(*pp)->next)
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
	return lc->refs++ == 0 ? RELAY_F_SUB : 0;
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
	return RELAY_F_UNSUB;
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
lchan_foreach_sub(void (*fn)(int32_t, uint32_t, void *), void *arg)
{
	struct lchan *lc;
	unsigned i;

	for (i = 0; i < L->nidx; i++)
		for (lc = L->byidx[i]; lc != NULL; lc = lc->next)
			if (lc->refs > 0)
				fn(lc->idx, lc->gen, arg);
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
		L->v[i].built = 0;
}

static const struct variant *
variant_get(const struct line_src *s, unsigned caps)
{
	unsigned k = ((caps & CAP_SERVER_TIME) ? 1u : 0u) |
	    ((caps & CAP_MESSAGE_TAGS) && s->tagslen > 0 ? 2u : 0u);
	struct variant *v = &L->v[k];
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
read_tail(struct relay_msg_r *r, struct line_src *s)
{
	s->tags = relay_msg_get_str(r, &s->tagslen);
	s->line = relay_msg_get_str(r, &s->len);
	if (relay_msg_done(r) == -1 || s->line == NULL ||
	    s->len > IRC_LINE_MAX - 2 || s->tagslen > IRC_TAGS_MAX - 8)
		return -1;
	if (s->tags == NULL)
		s->tagslen = 0;
	return 0;
}

static int
on_chan(struct relay_msg_r *r, uint64_t time_ms)
{
	struct line_src s;
	struct lchan *lc;
	struct client *origin;
	int32_t idx, oslot;
	uint32_t gen, ogen, i;
	uint8_t kind;

	idx = (int32_t)relay_msg_get_u32(r);
	gen = relay_msg_get_u32(r);
	oslot = (int32_t)relay_msg_get_u32(r);
	ogen = relay_msg_get_u32(r);
	kind = relay_msg_get_u8(r);
	(void)relay_msg_get_u8(r);	/* flags: the relay's business */
	if (read_tail(r, &s) == -1 || kind == 0 || kind >= RELAY_K_KIND_MAX)
		return -1;
	s.time_ms = (int64_t)time_ms;
	variants_reset();
	origin = client_by_slot(oslot, ogen);
	lc = lchan_find(idx, gen, kind == RELAY_K_JOIN && origin != NULL);
	if (lc == NULL)
		return 0;
	if (kind == RELAY_K_JOIN && origin != NULL)
		member_add(lc, origin);
	for (i = 0; i < lc->n; i++) {
		struct client *c = lc->m[i];
		if (c == origin && (kind == RELAY_K_PRIVMSG ||
		    kind == RELAY_K_NOTICE || kind == RELAY_K_TAGMSG) &&
		    !(c->caps & CAP_ECHO_MESSAGE))
			continue;
		send_to(c, &s, kind == RELAY_K_TAGMSG);
	}
	if (kind == RELAY_K_JOIN && origin != NULL) {
		send_join_info(origin, idx);
	} else if (kind == RELAY_K_PART && origin != NULL)
		member_remove(lc, origin);
	lchan_maybe_free(lc);
	return 0;
}

static int
on_user(struct relay_msg_r *r, uint64_t time_ms)
{
	struct line_src s;
	struct client *to;
	int32_t slot;
	uint32_t gen;
	uint8_t kind;

	(void)relay_msg_get_u8(r);	/* target worker: us */
	slot = (int32_t)relay_msg_get_u32(r);
	gen = relay_msg_get_u32(r);
	(void)relay_msg_get_u32(r);	/* origin slot */
	(void)relay_msg_get_u32(r);	/* origin gen */
	kind = relay_msg_get_u8(r);
	if (read_tail(r, &s) == -1 || kind == 0 || kind >= RELAY_K_KIND_MAX)
		return -1;
	s.time_ms = (int64_t)time_ms;
	if ((to = client_by_slot(slot, gen)) == NULL)
		return 0;	/* gone meanwhile */
	variants_reset();
	send_to(to, &s, kind == RELAY_K_TAGMSG);
	return 0;
}

static int
on_multi(struct relay_msg_r *r, uint64_t time_ms)
{
	struct line_src s;
	struct client *origin;
	struct lchan *lc;
	const uint8_t *list;
	int32_t oslot, idx;
	uint32_t ogen, gen, i, j;
	uint16_t n;

	oslot = (int32_t)relay_msg_get_u32(r);
	ogen = relay_msg_get_u32(r);
	(void)relay_msg_get_u8(r);	/* kind */
	n = relay_msg_get_u16(r);
	list = relay_msg_get_bytes(r, (size_t)n * 9);
	s.tags = NULL;
	s.tagslen = 0;
	s.line = relay_msg_get_str(r, &s.len);
	if (relay_msg_done(r) == -1 || list == NULL || s.line == NULL ||
	    s.len > IRC_LINE_MAX - 2)
		return -1;
	s.time_ms = (int64_t)time_ms;
	variants_reset();
	L->epoch++;
	if ((origin = client_by_slot(oslot, ogen)) != NULL)
		origin->mark = L->epoch;	/* it saw its own NICK already */
	for (i = 0; i < n; i++) {
		memcpy(&idx, list + i * 9, 4);
		memcpy(&gen, list + i * 9 + 4, 4);
		if ((lc = lchan_find(idx, gen, 0)) == NULL)
			continue;
		for (j = 0; j < lc->n; j++) {
			struct client *c = lc->m[j];
			if (c->mark == L->epoch)
				continue;
			c->mark = L->epoch;
			send_to(c, &s, 0);
		}
	}
	return 0;
}

int
deliver_frame(const uint8_t *frame, size_t len)
{
	struct relay_msg_r r;
	uint64_t seq, time_ms;
	int rc;

	if (relay_msg_open(&r, frame, len) == -1) {
		log_warnx("bad frame from the relay: %s",
		    relay_msg_strerror(r.err));
		return -1;
	}
	switch (r.type) {
	case RELAY_CHAN:
	case RELAY_USER:
	case RELAY_MULTI:
		seq = relay_msg_get_u64(&r);
		time_ms = relay_msg_get_u64(&r);
		(void)seq;
		if (r.type == RELAY_CHAN)
			rc = on_chan(&r, time_ms);
		else if (r.type == RELAY_USER)
			rc = on_user(&r, time_ms);
		else
			rc = on_multi(&r, time_ms);
		break;
	default:
		log_warnx("unexpected %s frame from the relay",
		    relay_type_name(r.type));
		return -1;
	}
	if (rc == -1)
		log_warnx("malformed %s frame from the relay: %s",
		    relay_type_name(r.type), relay_msg_strerror(r.err));
	return rc;
}

/* --- frames to the relay --------------------------------------------------- */

static void
queue_frame(struct relay_msg_w *w)
{
	int n = relay_msg_end(w);

	if (n == -1) {
		log_warnx("cannot build a relay frame: %s",
		    relay_msg_strerror(w->err));
		return;
	}
	relay_link_send(w->buf, (size_t)n);
}

void
send_chan(int32_t idx, uint32_t gen, const struct client *origin,
    enum relay_kind kind, unsigned flags, const char *tags, size_t tagslen,
    const char *line, size_t len)
{
	uint8_t buf[RELAY_FRAME_MAX];
	struct relay_msg_w w;

	relay_msg_begin(&w, buf, sizeof(buf), RELAY_CHAN);
	relay_msg_add_stamp(&w);
	relay_msg_add_u32(&w, (uint32_t)idx);
	relay_msg_add_u32(&w, gen);
	relay_msg_add_u32(&w, (uint32_t)origin->slot);
	relay_msg_add_u32(&w, origin->gen);
	relay_msg_add_u8(&w, (uint8_t)kind);
	relay_msg_add_u8(&w, (uint8_t)flags);
	relay_msg_add_str(&w, tags, tagslen);
	relay_msg_add_str(&w, line, len);
	queue_frame(&w);
}

void
send_user(uint8_t worker, int32_t slot, uint32_t gen,
    const struct client *origin, enum relay_kind kind, const char *tags,
    size_t tagslen, const char *line, size_t len)
{
	uint8_t buf[RELAY_FRAME_MAX];
	struct relay_msg_w w;

	relay_msg_begin(&w, buf, sizeof(buf), RELAY_USER);
	relay_msg_add_stamp(&w);
	relay_msg_add_u8(&w, worker);
	relay_msg_add_u32(&w, (uint32_t)slot);
	relay_msg_add_u32(&w, gen);
	relay_msg_add_u32(&w, (uint32_t)origin->slot);
	relay_msg_add_u32(&w, origin->gen);
	relay_msg_add_u8(&w, (uint8_t)kind);
	relay_msg_add_str(&w, tags, tagslen);
	relay_msg_add_str(&w, line, len);
	queue_frame(&w);
}

void
send_multi(int32_t oslot, uint32_t ogen, enum relay_kind kind,
    const struct multi_chan *ch, unsigned n, const char *line, size_t len)
{
	uint8_t buf[RELAY_FRAME_MAX];
	struct relay_msg_w w;
	unsigned i;

	relay_msg_begin(&w, buf, sizeof(buf), RELAY_MULTI);
	relay_msg_add_stamp(&w);
	relay_msg_add_u32(&w, (uint32_t)oslot);
	relay_msg_add_u32(&w, ogen);
	relay_msg_add_u8(&w, (uint8_t)kind);
	relay_msg_add_u16(&w, (uint16_t)n);
	for (i = 0; i < n; i++) {
		relay_msg_add_u32(&w, (uint32_t)ch[i].idx);
		relay_msg_add_u32(&w, ch[i].gen);
		relay_msg_add_u8(&w, ch[i].flags);
	}
	relay_msg_add_str(&w, line, len);
	queue_frame(&w);
}

void
send_sub(enum relay_type type, int32_t idx, uint32_t gen)
{
	uint8_t buf[64];
	struct relay_msg_w w;

	relay_msg_begin(&w, buf, sizeof(buf), type);
	relay_msg_add_u32(&w, (uint32_t)idx);
	relay_msg_add_u32(&w, gen);
	queue_frame(&w);
}
