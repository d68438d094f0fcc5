/*
 * frame.c -- the frame codec (see frame.h).
 *
 * A writer checks the room left before every field and a reader the
 * bytes left; an error is sticky, so a packer or unpacker writes or reads
 * every field and checks once at the end, as OpenSMTPD's m_get_* helpers
 * are checked.  The writer and reader are private: the offsets of every
 * layout live in the pack/unpack pairs below and nowhere else.
 */
#include <string.h>

#include "frame.h"

static const char *const type_names[FRAME_TYPE_MAX] = {
	[0] = "NONE",
	[FRAME_READY] = "READY",
	[FRAME_HEARTBEAT] = "HEARTBEAT",
	[FRAME_SHUTDOWN] = "SHUTDOWN",
	[FRAME_RELOAD] = "RELOAD",
	[FRAME_RELOADED] = "RELOADED",
	[FRAME_WORKER_GONE] = "WORKER_GONE",
	[FRAME_REPLACE] = "REPLACE",
	[FRAME_HELLO] = "HELLO",
	[FRAME_SYNCED] = "SYNCED",
	[FRAME_ACK] = "ACK",
	[FRAME_SUB] = "SUB",
	[FRAME_UNSUB] = "UNSUB",
	[FRAME_CHAN] = "CHAN",
	[FRAME_USER] = "USER",
	[FRAME_MULTI] = "MULTI",
	[FRAME_CHANOP] = "CHANOP",
	[FRAME_LABELDONE] = "LABELDONE",
	[FRAME_REHASH] = "REHASH",
	[FRAME_NICK] = "NICK",
};

#define REASON_MAX	200	/* REPLACE reason bytes */
#define EXT_MAX		200	/* CHAN ext: " account :realname" */

const char *
frame_type_name(unsigned type)
{
	if (type == 0 || type >= FRAME_TYPE_MAX)
		return "UNKNOWN";
	return type_names[type];
}

const char *
frame_strerror(enum frame_err e)
{
	switch (e) {
	case FRAME_OK:
		return "no error";
	case FRAME_E_SHORT:
		return "frame too short";
	case FRAME_E_VERSION:
		return "protocol version mismatch";
	case FRAME_E_LENGTH:
		return "length field disagrees with the frame size";
	case FRAME_E_TYPE:
		return "unexpected frame type";
	case FRAME_E_TOO_BIG:
		return "frame too big";
	case FRAME_E_TRAILING:
		return "trailing bytes after the payload";
	case FRAME_E_RANGE:
		return "a field is out of range";
	}
	return "unknown error";
}

/* --- the private writer ----------------------------------------------- */

struct wr {
	uint8_t	*buf;
	size_t	 cap, len;
	int	 err;
};

static inline void
w_put(struct wr *w, const void *p, size_t n)
{
	if (w->err)
		return;
	if (n > w->cap - w->len || w->len + n > FRAME_MAX) {
		w->err = 1;
		return;
	}
	if (n > 0)
		memcpy(w->buf + w->len, p, n);
	w->len += n;
}

static void
w_begin(struct wr *w, void *buf, size_t cap, unsigned type)
{
	uint16_t v = FRAME_VERSION, t = (uint16_t)type;
	uint32_t zero = 0;

	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->err = 0;
	w_put(w, &v, 2);
	w_put(w, &t, 2);
	w_put(w, &zero, 4);
}

static inline void
w_u8(struct wr *w, uint8_t v)
{
	w_put(w, &v, 1);
}

static inline void
w_u16(struct wr *w, uint16_t v)
{
	w_put(w, &v, 2);
}

static inline void
w_u32(struct wr *w, uint32_t v)
{
	w_put(w, &v, 4);
}

static inline void
w_u64(struct wr *w, uint64_t v)
{
	w_put(w, &v, 8);
}

static inline void
w_str(struct wr *w, const char *s, size_t n)
{
	if (n > UINT16_MAX) {
		w->err = 1;
		return;
	}
	w_u16(w, (uint16_t)n);
	w_put(w, s, n);
}

static inline void
w_stamp(struct wr *w, const struct frame_stamp *st)
{
	static const uint8_t pad[6];

	w_u64(w, st->lseq);
	w_u64(w, st->id);
	w_u64(w, st->time_ms);
	w_u64(w, st->seq);
	w_u32(w, st->origin_pid);
	w_u32(w, st->label);
	w_u8(w, st->origin);
	w_u8(w, st->sflags);
	w_put(w, pad, sizeof(pad));
}

static int
w_end(struct wr *w)
{
	uint32_t plen;

	if (w->err)
		return -1;
	plen = (uint32_t)(w->len - FRAME_HDR_SIZE);
	memcpy(w->buf + 4, &plen, 4);
	return (int)w->len;
}

/* --- the private reader ------------------------------------------------ */

struct rd {
	const uint8_t *buf;
	size_t	 len, off;
	enum frame_err err;
};

/* The next n bytes, or NULL (sticky error) when fewer are left.  The
 * readers below are small enough to inline: a field is one load. */
static inline const uint8_t *
r_take(struct rd *r, size_t n)
{
	const uint8_t *p;

	if (r->err != FRAME_OK)
		return NULL;
	if (n > r->len - r->off) {
		r->err = FRAME_E_SHORT;
		return NULL;
	}
	p = r->buf + r->off;
	r->off += n;
	return p;
}

static inline void
r_get(struct rd *r, void *p, size_t n)
{
	const uint8_t *src = r_take(r, n);

	if (src != NULL)
		memcpy(p, src, n);
	else
		memset(p, 0, n);
}

static inline uint8_t
r_u8(struct rd *r)
{
	const uint8_t *p = r_take(r, 1);

	return p != NULL ? *p : 0;
}

static inline uint16_t
r_u16(struct rd *r)
{
	const uint8_t *p = r_take(r, 2);
	uint16_t v = 0;

	if (p != NULL)
		memcpy(&v, p, 2);
	return v;
}

static inline uint32_t
r_u32(struct rd *r)
{
	const uint8_t *p = r_take(r, 4);
	uint32_t v = 0;

	if (p != NULL)
		memcpy(&v, p, 4);
	return v;
}

static inline uint64_t
r_u64(struct rd *r)
{
	const uint8_t *p = r_take(r, 8);
	uint64_t v = 0;

	if (p != NULL)
		memcpy(&v, p, 8);
	return v;
}

/* Borrow a string of at most max bytes. */
static const char *
r_str(struct rd *r, size_t *n, size_t max)
{
	uint16_t l = r_u16(r);
	const char *p;

	*n = 0;
	if (r->err != FRAME_OK)
		return NULL;
	if (l > r->len - r->off) {
		r->err = FRAME_E_SHORT;
		return NULL;
	}
	if (l > max) {
		r->err = FRAME_E_RANGE;
		return NULL;
	}
	p = (const char *)r->buf + r->off;
	r->off += l;
	*n = l;
	return p;
}

static inline void
r_stamp(struct rd *r, struct frame_stamp *st)
{
	const uint8_t *p = r_take(r, FRAME_STAMP_SIZE);

	if (p == NULL) {
		memset(st, 0, sizeof(*st));
		return;
	}
	memcpy(&st->lseq, p, 8);
	memcpy(&st->id, p + 8, 8);
	memcpy(&st->time_ms, p + 16, 8);
	memcpy(&st->seq, p + 24, 8);
	memcpy(&st->origin_pid, p + 32, 4);
	memcpy(&st->label, p + 36, 4);
	st->origin = p[40];
	st->sflags = p[41];
	if ((p[42] | p[43] | p[44] | p[45] | p[46] | p[47]) != 0 &&
	    r->err == FRAME_OK)
		r->err = FRAME_E_RANGE;		/* the padding is zero */
}

static void
r_range(struct rd *r, int ok)
{
	if (!ok && r->err == FRAME_OK)
		r->err = FRAME_E_RANGE;
}

/* Open buf as a frame of the wanted type. */
static void
r_begin(struct rd *r, const void *buf, size_t len, unsigned want)
{
	int type;

	r->buf = buf;
	r->len = len;
	r->off = FRAME_HDR_SIZE;
	r->err = FRAME_OK;
	if ((type = frame_open(buf, len, &r->err)) == -1)
		return;
	if ((unsigned)type != want)
		r->err = FRAME_E_TYPE;
}

static int
r_end(struct rd *r, enum frame_err *err)
{
	if (r->err == FRAME_OK && r->off != r->len)
		r->err = FRAME_E_TRAILING;
	*err = r->err;
	return r->err == FRAME_OK ? 0 : -1;
}

/* --- headers and packets ------------------------------------------------ */

int
frame_open(const void *buf, size_t len, enum frame_err *err)
{
	uint16_t v, t;
	uint32_t plen;

	if (len < FRAME_HDR_SIZE) {
		*err = FRAME_E_SHORT;
		return -1;
	}
	if (len > FRAME_MAX) {
		*err = FRAME_E_TOO_BIG;
		return -1;
	}
	memcpy(&v, buf, 2);
	memcpy(&t, (const uint8_t *)buf + 2, 2);
	memcpy(&plen, (const uint8_t *)buf + 4, 4);
	if (v != FRAME_VERSION) {
		*err = FRAME_E_VERSION;
		return -1;
	}
	if ((size_t)plen != len - FRAME_HDR_SIZE) {
		*err = FRAME_E_LENGTH;
		return -1;
	}
	if (t == 0 || t >= FRAME_TYPE_MAX) {
		*err = FRAME_E_TYPE;
		return -1;
	}
	*err = FRAME_OK;
	return t;
}

size_t
frame_len(const void *buf)
{
	uint32_t plen;

	memcpy(&plen, (const uint8_t *)buf + 4, 4);
	return (size_t)plen + FRAME_HDR_SIZE;
}

size_t
frame_run(const void *buf, size_t len, size_t off)
{
	const uint8_t *p = buf;
	size_t run = frame_len(p + off), f;

	while (off + run < len && (f = frame_len(p + off + run)) + run <=
	    FRAME_PACKET_MAX)
		run += f;
	return run;
}

int
frame_next(const void *packet, size_t n, size_t *off, const uint8_t **frame,
    size_t *len)
{
	const uint8_t *p = (const uint8_t *)packet + *off;
	size_t left = n - *off, flen;
	enum frame_err err;

	if (*off >= n)
		return 0;
	if (left < FRAME_HDR_SIZE)
		return -1;
	flen = frame_len(p);
	if (flen > left || flen > FRAME_MAX || frame_open(p, flen, &err) == -1)
		return -1;
	*frame = p;
	*len = flen;
	*off += flen;
	return 1;
}

/* --- stamps ---------------------------------------------------------------- */

int
frame_is_routed(unsigned type)
{
	return type == FRAME_SUB || type == FRAME_UNSUB || type == FRAME_CHAN ||
	    type == FRAME_USER || type == FRAME_MULTI || type == FRAME_CHANOP ||
	    type == FRAME_LABELDONE || type == FRAME_NICK;
}

static int
stamped(const void *frame, size_t len)
{
	uint16_t t;

	if (len < FRAME_HDR_SIZE + FRAME_STAMP_SIZE)
		return 0;
	memcpy(&t, (const uint8_t *)frame + 2, 2);
	return frame_is_routed(t);
}

int
frame_stamp_get(const void *frame, size_t len, struct frame_stamp *st)
{
	struct rd r = { frame, len, FRAME_HDR_SIZE, FRAME_OK };

	if (!stamped(frame, len))
		return -1;
	r_stamp(&r, st);
	return r.err == FRAME_OK ? 0 : -1;
}

void
frame_stamp_origin(void *frame, size_t len, uint8_t origin, uint32_t pid,
    uint64_t lseq)
{
	uint8_t *p = (uint8_t *)frame + FRAME_HDR_SIZE;

	if (!stamped(frame, len))
		return;
	memcpy(p, &lseq, 8);
	memcpy(p + 32, &pid, 4);
	p[40] = origin;
}

void
frame_stamp_order(void *frame, size_t len, uint64_t id, uint64_t time_ms,
    uint64_t seq)
{
	uint8_t *p = (uint8_t *)frame + FRAME_HDR_SIZE;

	if (!stamped(frame, len))
		return;
	memcpy(p + 8, &id, 8);
	memcpy(p + 16, &time_ms, 8);
	memcpy(p + 24, &seq, 8);
}

/* --- control frames ---------------------------------------------------------- */

int
frame_pack_ready(void *buf, size_t cap, const struct frame_ready *f)
{
	struct wr w;

	w_begin(&w, buf, cap, FRAME_READY);
	w_u32(&w, f->pid);
	return w_end(&w);
}

int
frame_unpack_ready(const void *buf, size_t len, struct frame_ready *f,
    enum frame_err *err)
{
	struct rd r;

	r_begin(&r, buf, len, FRAME_READY);
	f->pid = r_u32(&r);
	return r_end(&r, err);
}

int
frame_pack_heartbeat(void *buf, size_t cap, const struct frame_heartbeat *f)
{
	struct wr w;

	w_begin(&w, buf, cap, FRAME_HEARTBEAT);
	w_u32(&w, f->users);
	w_u32(&w, f->conns);
	return w_end(&w);
}

int
frame_unpack_heartbeat(const void *buf, size_t len,
    struct frame_heartbeat *f, enum frame_err *err)
{
	struct rd r;

	r_begin(&r, buf, len, FRAME_HEARTBEAT);
	f->users = r_u32(&r);
	f->conns = r_u32(&r);
	return r_end(&r, err);
}

int
frame_pack_shutdown(void *buf, size_t cap)
{
	struct wr w;

	w_begin(&w, buf, cap, FRAME_SHUTDOWN);
	return w_end(&w);
}

int
frame_unpack_shutdown(const void *buf, size_t len, enum frame_err *err)
{
	struct rd r;

	r_begin(&r, buf, len, FRAME_SHUTDOWN);
	return r_end(&r, err);
}

int
frame_pack_reload(void *buf, size_t cap, const struct frame_reload *f)
{
	struct wr w;

	w_begin(&w, buf, cap, FRAME_RELOAD);
	w_u32(&w, f->gen);
	w_u32(&w, (uint32_t)sizeof(f->cfg));
	w_put(&w, &f->cfg, sizeof(f->cfg));
	if (f->motdlen > MOTD_MAX)
		w.err = 1;
	w_str(&w, f->motd, f->motdlen);
	return w_end(&w);
}

int
frame_unpack_reload(const void *buf, size_t len, struct frame_reload *f,
    enum frame_err *err)
{
	struct rd r;

	r_begin(&r, buf, len, FRAME_RELOAD);
	f->gen = r_u32(&r);
	r_range(&r, r_u32(&r) == sizeof(f->cfg));
	r_get(&r, &f->cfg, sizeof(f->cfg));
	f->motd = r_str(&r, &f->motdlen, MOTD_MAX);
	return r_end(&r, err);
}

int
frame_pack_reloaded(void *buf, size_t cap, const struct frame_reloaded *f)
{
	struct wr w;

	w_begin(&w, buf, cap, FRAME_RELOADED);
	w_u32(&w, f->gen);
	return w_end(&w);
}

int
frame_unpack_reloaded(const void *buf, size_t len, struct frame_reloaded *f,
    enum frame_err *err)
{
	struct rd r;

	r_begin(&r, buf, len, FRAME_RELOADED);
	f->gen = r_u32(&r);
	return r_end(&r, err);
}

int
frame_pack_worker_gone(void *buf, size_t cap,
    const struct frame_worker_gone *f)
{
	struct wr w;

	w_begin(&w, buf, cap, FRAME_WORKER_GONE);
	w_u8(&w, f->id);
	w_u32(&w, f->pid);
	return w_end(&w);
}

int
frame_unpack_worker_gone(const void *buf, size_t len,
    struct frame_worker_gone *f, enum frame_err *err)
{
	struct rd r;

	r_begin(&r, buf, len, FRAME_WORKER_GONE);
	f->id = r_u8(&r);
	f->pid = r_u32(&r);
	r_range(&r, f->id < WORKERS_MAX);
	return r_end(&r, err);
}

int
frame_pack_replace(void *buf, size_t cap, const struct frame_replace *f)
{
	struct wr w;

	w_begin(&w, buf, cap, FRAME_REPLACE);
	w_u8(&w, f->id);
	w_u32(&w, f->pid);
	w_str(&w, f->why, f->whylen > REASON_MAX ? REASON_MAX : f->whylen);
	return w_end(&w);
}

int
frame_unpack_replace(const void *buf, size_t len, struct frame_replace *f,
    enum frame_err *err)
{
	struct rd r;

	r_begin(&r, buf, len, FRAME_REPLACE);
	f->id = r_u8(&r);
	f->pid = r_u32(&r);
	f->why = r_str(&r, &f->whylen, REASON_MAX);
	r_range(&r, f->id < WORKERS_MAX);
	return r_end(&r, err);
}

int
frame_pack_hello(void *buf, size_t cap, const struct frame_hello *f)
{
	struct wr w;

	w_begin(&w, buf, cap, FRAME_HELLO);
	w_u16(&w, f->version);
	w_u8(&w, f->id);
	w_u32(&w, f->pid);
	return w_end(&w);
}

int
frame_unpack_hello(const void *buf, size_t len, struct frame_hello *f,
    enum frame_err *err)
{
	struct rd r;

	r_begin(&r, buf, len, FRAME_HELLO);
	f->version = r_u16(&r);
	f->id = r_u8(&r);
	f->pid = r_u32(&r);
	r_range(&r, f->id < WORKERS_MAX);
	return r_end(&r, err);
}

int
frame_pack_synced(void *buf, size_t cap, const struct frame_synced *f)
{
	struct wr w;

	w_begin(&w, buf, cap, FRAME_SYNCED);
	w_u32(&w, f->nsubs);
	return w_end(&w);
}

int
frame_unpack_synced(const void *buf, size_t len, struct frame_synced *f,
    enum frame_err *err)
{
	struct rd r;

	r_begin(&r, buf, len, FRAME_SYNCED);
	f->nsubs = r_u32(&r);
	return r_end(&r, err);
}

int
frame_pack_ack(void *buf, size_t cap, const struct frame_ack *f)
{
	struct wr w;

	w_begin(&w, buf, cap, FRAME_ACK);
	w_u64(&w, f->lseq);
	return w_end(&w);
}

int
frame_unpack_ack(const void *buf, size_t len, struct frame_ack *f,
    enum frame_err *err)
{
	struct rd r;

	r_begin(&r, buf, len, FRAME_ACK);
	f->lseq = r_u64(&r);
	return r_end(&r, err);
}

/* --- routed frames -------------------------------------------------------------- */

int
frame_pack_sub(void *buf, size_t cap, enum frame_type type,
    const struct frame_sub *f)
{
	struct wr w;

	if (type != FRAME_SUB && type != FRAME_UNSUB)
		return -1;
	w_begin(&w, buf, cap, type);
	w_stamp(&w, &f->st);
	w_u32(&w, f->chan);
	w_u32(&w, f->gen);
	return w_end(&w);
}

int
frame_unpack_sub(const void *buf, size_t len, struct frame_sub *f,
    enum frame_err *err)
{
	struct rd r;
	enum frame_err e;
	int type = frame_open(buf, len, &e);

	r_begin(&r, buf, len, type == FRAME_UNSUB ? FRAME_UNSUB : FRAME_SUB);
	r_stamp(&r, &f->st);
	f->chan = r_u32(&r);
	f->gen = r_u32(&r);
	return r_end(&r, err);
}

static int
kind_ok(uint8_t kind)
{
	return kind > 0 && kind < FRAME_K_KIND_MAX;
}

static int
line_ok(size_t n)
{
	return n > 0 && n <= IRC_LINE_MAX - 2;
}

static int
target_ok(uint8_t target)
{
	return target < WORKERS_MAX || target == FRAME_ALL_WORKERS ||
	    target == FRAME_REMOTE_USER;
}

int
frame_pack_chan(void *buf, size_t cap, const struct frame_chan *f)
{
	struct wr w;

	if (!kind_ok(f->kind) || !line_ok(f->linelen) ||
	    f->tagslen >= IRC_TAGS_MAX)
		return -1;
	if (f->extlen > EXT_MAX || f->awaylen > AWAY_MAX)
		return -1;
	w_begin(&w, buf, cap, FRAME_CHAN);
	w_stamp(&w, &f->st);
	w_u32(&w, f->chan);
	w_u32(&w, f->gen);
	w_u32(&w, f->oslot);
	w_u32(&w, f->ogen);
	w_u32(&w, f->sslot);
	w_u32(&w, f->sgen);
	w_u8(&w, f->kind);
	w_u8(&w, f->flags);
	w_str(&w, f->tags, f->tagslen);
	w_str(&w, f->line, f->linelen);
	w_str(&w, f->ext, f->extlen);
	w_str(&w, f->away, f->awaylen);
	w_str(&w, f->account, f->accountlen);
	return w_end(&w);
}

int
frame_unpack_chan(const void *buf, size_t len, struct frame_chan *f,
    enum frame_err *err)
{
	struct rd r;

	r_begin(&r, buf, len, FRAME_CHAN);
	r_stamp(&r, &f->st);
	f->chan = r_u32(&r);
	f->gen = r_u32(&r);
	f->oslot = r_u32(&r);
	f->ogen = r_u32(&r);
	f->sslot = r_u32(&r);
	f->sgen = r_u32(&r);
	f->kind = r_u8(&r);
	f->flags = r_u8(&r);
	f->tags = r_str(&r, &f->tagslen, IRC_TAGS_MAX - 1);
	f->line = r_str(&r, &f->linelen, IRC_LINE_MAX - 2);
	f->ext = r_str(&r, &f->extlen, EXT_MAX);
	f->away = r_str(&r, &f->awaylen, AWAY_MAX);
	f->account = r_str(&r, &f->accountlen, NICK_MAX);
	r_range(&r, kind_ok(f->kind) && line_ok(f->linelen) &&
	    (f->flags & ~(FRAME_F_SUB | FRAME_F_UNSUB)) == 0);
	return r_end(&r, err);
}

int
frame_pack_user(void *buf, size_t cap, const struct frame_user *f)
{
	struct wr w;

	if (!kind_ok(f->kind) || !line_ok(f->linelen) ||
	    f->tagslen >= IRC_TAGS_MAX || !target_ok(f->target))
		return -1;
	w_begin(&w, buf, cap, FRAME_USER);
	w_stamp(&w, &f->st);
	w_u8(&w, f->target);
	w_u32(&w, f->tslot);
	w_u32(&w, f->tgen);
	w_u32(&w, f->oslot);
	w_u32(&w, f->ogen);
	w_u8(&w, f->kind);
	w_u8(&w, f->uflags);
	w_str(&w, f->tags, f->tagslen);
	w_str(&w, f->line, f->linelen);
	w_str(&w, f->account, f->accountlen);
	return w_end(&w);
}

int
frame_unpack_user(const void *buf, size_t len, struct frame_user *f,
    enum frame_err *err)
{
	struct rd r;

	r_begin(&r, buf, len, FRAME_USER);
	r_stamp(&r, &f->st);
	f->target = r_u8(&r);
	f->tslot = r_u32(&r);
	f->tgen = r_u32(&r);
	f->oslot = r_u32(&r);
	f->ogen = r_u32(&r);
	f->kind = r_u8(&r);
	f->uflags = r_u8(&r);
	f->tags = r_str(&r, &f->tagslen, IRC_TAGS_MAX - 1);
	f->line = r_str(&r, &f->linelen, IRC_LINE_MAX - 2);
	f->account = r_str(&r, &f->accountlen, NICK_MAX);
	r_range(&r, kind_ok(f->kind) && line_ok(f->linelen) &&
	    target_ok(f->target) && (f->uflags & ~(FRAME_U_ECHO |
	    FRAME_U_KEEP)) == 0);
	return r_end(&r, err);
}

int
frame_pack_multi(void *buf, size_t cap, const struct frame_multi *f)
{
	struct wr w;
	unsigned i;

	if (!kind_ok(f->kind) || !line_ok(f->linelen) ||
	    f->n > CHANS_PER_USER_MAX)
		return -1;
	w_begin(&w, buf, cap, FRAME_MULTI);
	w_stamp(&w, &f->st);
	w_u32(&w, f->oslot);
	w_u32(&w, f->ogen);
	w_u8(&w, f->kind);
	w_u8(&w, f->mflags);
	w_u16(&w, f->n);
	for (i = 0; i < f->n; i++) {
		w_u32(&w, f->ch[i].chan);
		w_u32(&w, f->ch[i].gen);
		w_u8(&w, f->ch[i].flags);
	}
	w_str(&w, f->line, f->linelen);
	w_str(&w, f->account, f->accountlen);
	return w_end(&w);
}

int
frame_unpack_multi(const void *buf, size_t len, struct frame_multi *f,
    enum frame_err *err)
{
	struct rd r;
	unsigned i;

	r_begin(&r, buf, len, FRAME_MULTI);
	r_stamp(&r, &f->st);
	f->oslot = r_u32(&r);
	f->ogen = r_u32(&r);
	f->kind = r_u8(&r);
	f->mflags = r_u8(&r);
	f->n = r_u16(&r);
	r_range(&r, f->n <= CHANS_PER_USER_MAX &&
	    (f->mflags & ~FRAME_M_ALL) == 0);
	for (i = 0; i < f->n && r.err == FRAME_OK; i++) {
		f->ch[i].chan = r_u32(&r);
		f->ch[i].gen = r_u32(&r);
		f->ch[i].flags = r_u8(&r);
		r_range(&r, (f->ch[i].flags & ~FRAME_F_UNSUB) == 0);
	}
	f->line = r_str(&r, &f->linelen, IRC_LINE_MAX - 2);
	f->account = r_str(&r, &f->accountlen, NICK_MAX);
	r_range(&r, kind_ok(f->kind) && line_ok(f->linelen));
	if (r.err != FRAME_OK)
		f->n = 0;
	return r_end(&r, err);
}

int
frame_pack_chanop(void *buf, size_t cap, const struct frame_chanop *f)
{
	struct wr w;

	if (f->op == 0 || f->op >= FRAME_OP_KIND_MAX ||
	    f->argslen > IRC_LINE_MAX - 2)
		return -1;
	w_begin(&w, buf, cap, FRAME_CHANOP);
	w_stamp(&w, &f->st);
	w_u32(&w, f->chan);
	w_u32(&w, f->gen);
	w_u32(&w, f->oslot);
	w_u32(&w, f->ogen);
	w_u8(&w, f->op);
	w_str(&w, f->args, f->argslen);
	return w_end(&w);
}

int
frame_unpack_chanop(const void *buf, size_t len, struct frame_chanop *f,
    enum frame_err *err)
{
	struct rd r;

	r_begin(&r, buf, len, FRAME_CHANOP);
	r_stamp(&r, &f->st);
	f->chan = r_u32(&r);
	f->gen = r_u32(&r);
	f->oslot = r_u32(&r);
	f->ogen = r_u32(&r);
	f->op = r_u8(&r);
	f->args = r_str(&r, &f->argslen, IRC_LINE_MAX - 2);
	r_range(&r, f->op > 0 && f->op < FRAME_OP_KIND_MAX);
	return r_end(&r, err);
}

int
frame_pack_labeldone(void *buf, size_t cap, const struct frame_labeldone *f)
{
	struct wr w;

	w_begin(&w, buf, cap, FRAME_LABELDONE);
	w_stamp(&w, &f->st);
	w_u32(&w, f->oslot);
	w_u32(&w, f->ogen);
	return w_end(&w);
}

int
frame_unpack_labeldone(const void *buf, size_t len,
    struct frame_labeldone *f, enum frame_err *err)
{
	struct rd r;

	r_begin(&r, buf, len, FRAME_LABELDONE);
	r_stamp(&r, &f->st);
	f->oslot = r_u32(&r);
	f->ogen = r_u32(&r);
	return r_end(&r, err);
}

int
frame_pack_nick(void *buf, size_t cap, const struct frame_nick *f)
{
	struct wr w;

	if (f->op == 0 || f->op >= FRAME_NICK_OP_MAX || f->nicklen == 0 ||
	    f->nicklen > NICK_MAX)
		return -1;
	w_begin(&w, buf, cap, FRAME_NICK);
	w_stamp(&w, &f->st);
	w_u32(&w, f->oslot);
	w_u32(&w, f->ogen);
	w_u8(&w, f->op);
	w_str(&w, f->nick, f->nicklen);
	return w_end(&w);
}

int
frame_unpack_nick(const void *buf, size_t len, struct frame_nick *f,
    enum frame_err *err)
{
	struct rd r;

	r_begin(&r, buf, len, FRAME_NICK);
	r_stamp(&r, &f->st);
	f->oslot = r_u32(&r);
	f->ogen = r_u32(&r);
	f->op = r_u8(&r);
	f->nick = r_str(&r, &f->nicklen, NICK_MAX);
	r_range(&r, f->op > 0 && f->op < FRAME_NICK_OP_MAX &&
	    f->nicklen > 0);
	return r_end(&r, err);
}

int
frame_pack_rehash(void *buf, size_t cap)
{
	struct wr w;

	w_begin(&w, buf, cap, FRAME_REHASH);
	return w_end(&w);
}

int
frame_unpack_rehash(const void *buf, size_t len, enum frame_err *err)
{
	struct rd r;

	r_begin(&r, buf, len, FRAME_REHASH);
	return r_end(&r, err);
}
