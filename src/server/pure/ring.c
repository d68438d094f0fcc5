/*
 * ring.c -- the relay's surviving state (see ring.h).
 *
 * Layout: header | channel sequence counters | log.  Entries in the log
 * are 8-byte aligned and never straddle its end: an entry that does not fit
 * before the end is preceded by a wrap marker (or, when fewer than a header's
 * bytes remain, by nothing: a reader skips such a short end too).
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "frame.h"
#include "ring.h"

#define ENTRY_WRAP	0x1u	/* flags: skip to the start of the log */

struct ring_origin {
	_Atomic uint32_t pid;		/* the worker process last seen */
	uint32_t	 pad;
	_Atomic uint64_t lseq;		/* its last processed link sequence */
};

struct ring_dest {
	_Atomic uint32_t pid;		/* the linked worker process, 0: none */
	uint32_t	 pad;
	_Atomic uint64_t cursor;	/* next entry it has not been sent */
};

struct ring_hdr {
	uint32_t magic, version;
	uint32_t hdr_size, max_chans;
	uint64_t cap;			/* log bytes, a multiple of 4096 */
	uint64_t off_seq, off_log, total;
	_Atomic uint64_t head;		/* where the next entry goes */
	_Atomic uint64_t tail;		/* the oldest entry still needed */
	_Atomic uint64_t next_id;	/* the last message id handed out */
	uint64_t boot;			/* first_id: this segment's start */
	_Atomic uint64_t stream_seq;	/* cluster: the last stream message
					 * logged */
	struct ring_origin origin[WORKERS_MAX];
	struct ring_dest dest[WORKERS_MAX];
};

struct entry_hdr {
	uint32_t len;			/* frame bytes */
	uint32_t flags;			/* ENTRY_* */
	uint64_t mask;			/* workers it goes to */
};

struct ring {
	struct ring_hdr	*h;
	_Atomic uint64_t *seq;
	uint8_t		*log;
	uint64_t	 rpos;		/* reserved: where the entry goes */
	uint32_t	 rlen;		/* and its frame length, 0: none */
};

static uint64_t
round_up(uint64_t n, uint64_t to)
{
	return (n + to - 1) / to * to;
}

static uint64_t
entry_size(size_t len)
{
	return RING_ENTRY_HDR + round_up(len, 8);
}

struct layout {
	uint64_t cap, off_seq, off_log, total;
};

static void
layout_compute(struct layout *l, unsigned max_chans, size_t logbytes)
{
	l->cap = round_up(logbytes < 65536 ? 65536 : logbytes, 4096);
	l->off_seq = round_up(sizeof(struct ring_hdr), 64);
	l->off_log = round_up(l->off_seq + (uint64_t)max_chans * 8, 4096);
	l->total = l->off_log + l->cap;
}

size_t
ring_size(unsigned max_chans, size_t logbytes)
{
	struct layout l;

	layout_compute(&l, max_chans, logbytes);
	return (size_t)l.total;
}

int
ring_init(void *mem, size_t size, unsigned max_chans, size_t logbytes,
    uint64_t first_id)
{
	struct ring_hdr *h = mem;
	struct layout l;

	layout_compute(&l, max_chans, logbytes);
	if (size < l.total || max_chans == 0)
		return -1;
	memset(h, 0, sizeof(*h));
	h->magic = RING_MAGIC;
	h->version = RING_VERSION;
	h->hdr_size = sizeof(*h);
	h->max_chans = max_chans;
	h->cap = l.cap;
	h->off_seq = l.off_seq;
	h->off_log = l.off_log;
	h->total = l.total;
	h->next_id = first_id;
	h->boot = first_id;
	memset((uint8_t *)mem + l.off_seq, 0, (size_t)max_chans * 8);
	return 0;
}

struct ring *
ring_attach(void *mem, size_t size, char *err, size_t errsz)
{
	struct ring_hdr *h = mem;
	struct ring *r;

	if (size < sizeof(*h) || h->magic != RING_MAGIC ||
	    h->version != RING_VERSION || h->hdr_size != sizeof(*h) ||
	    h->total > size || h->off_log + h->cap != h->total ||
	    h->cap % 4096 != 0 || h->off_seq + (uint64_t)h->max_chans * 8 >
	    h->off_log) {
		snprintf(err, errsz, "relay log segment header does not match "
		    "this build");
		return NULL;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	r->h = h;
	r->seq = (_Atomic uint64_t *)(void *)((uint8_t *)mem + h->off_seq);
	r->log = (uint8_t *)mem + h->off_log;
	return r;
}

void
ring_detach(struct ring *r)
{
	free(r);
}

/* --- counters and watermarks ---------------------------------------------- */

/* The relay is the one writer: a load and a release store, no locked
 * read-modify-write. */
static uint64_t
bump(_Atomic uint64_t *v)
{
	uint64_t n = atomic_load_explicit(v, memory_order_relaxed) + 1;

	atomic_store_explicit(v, n, memory_order_release);
	return n;
}

uint64_t
ring_boot(struct ring *r)
{
	return r->h->boot;
}

uint64_t
ring_stream_seq(struct ring *r)
{
	return r->h->stream_seq;
}

void
ring_stream_seq_set(struct ring *r, uint64_t seq)
{
	r->h->stream_seq = seq;
}

uint64_t
ring_next_id_at_least(struct ring *r, uint64_t want)
{
	uint64_t last = atomic_load_explicit(&r->h->next_id,
	    memory_order_relaxed);

	if (want <= last)
		want = last + 1;
	atomic_store_explicit(&r->h->next_id, want, memory_order_release);
	return want;
}

int
ring_ids_fresh(struct ring *r)
{
	return r->h->next_id == r->h->boot;
}

void
ring_ids_restart(struct ring *r, uint64_t last)
{
	atomic_store_explicit(&r->h->next_id, last, memory_order_release);
}

uint64_t
ring_next_id(struct ring *r)
{
	return bump(&r->h->next_id);
}

uint64_t
ring_next_seq(struct ring *r, uint32_t chan)
{
	if (chan >= r->h->max_chans)
		return 0;
	return bump(&r->seq[chan]);
}

uint64_t
ring_origin_lseq(struct ring *r, unsigned id, uint32_t pid)
{
	if (id >= WORKERS_MAX || atomic_load(&r->h->origin[id].pid) != pid)
		return 0;
	return atomic_load(&r->h->origin[id].lseq);
}

void
ring_origin_set(struct ring *r, unsigned id, uint32_t pid, uint64_t lseq)
{
	struct ring_origin *o;

	if (id >= WORKERS_MAX)
		return;
	o = &r->h->origin[id];
	if (atomic_load_explicit(&o->pid, memory_order_relaxed) != pid) {
		/* the watermark first: a crash between the two stores must
		 * not pair the new pid with the old process's sequence */
		atomic_store_explicit(&o->lseq, 0, memory_order_release);
		atomic_store_explicit(&o->pid, pid, memory_order_release);
	}
	atomic_store_explicit(&o->lseq, lseq, memory_order_release);
}

uint64_t
ring_dest(struct ring *r, unsigned id, uint32_t *pid)
{
	*pid = 0;
	if (id >= WORKERS_MAX)
		return 0;
	*pid = atomic_load(&r->h->dest[id].pid);
	return *pid != 0 ? atomic_load(&r->h->dest[id].cursor) : 0;
}

void
ring_dest_set(struct ring *r, unsigned id, uint32_t pid, uint64_t cursor)
{
	struct ring_dest *d;

	if (id >= WORKERS_MAX)
		return;
	d = &r->h->dest[id];
	atomic_store_explicit(&d->cursor, cursor, memory_order_release);
	if (atomic_load_explicit(&d->pid, memory_order_relaxed) != pid)
		atomic_store_explicit(&d->pid, pid, memory_order_release);
}

/* --- the log ---------------------------------------------------------------- */

uint64_t
ring_head(struct ring *r)
{
	return atomic_load_explicit(&r->h->head, memory_order_acquire);
}

uint64_t
ring_tail(struct ring *r)
{
	return atomic_load_explicit(&r->h->tail, memory_order_acquire);
}

size_t
ring_capacity(struct ring *r)
{
	return (size_t)r->h->cap;
}

size_t
ring_used(struct ring *r)
{
	return (size_t)(ring_head(r) - ring_tail(r));
}

/* Bytes skipped before an entry of es bytes written at the head. */
static uint64_t
wrap_waste(struct ring *r, uint64_t es)
{
	uint64_t idx = ring_head(r) % r->h->cap;

	return r->h->cap - idx < es ? r->h->cap - idx : 0;
}

int
ring_fits(struct ring *r, size_t len)
{
	uint64_t es = entry_size(len);

	if (len == 0 || len > FRAME_MAX)
		return 0;
	return ring_used(r) + wrap_waste(r, es) + es <= r->h->cap;
}

void *
ring_reserve(struct ring *r, size_t len)
{
	uint64_t es = entry_size(len), waste, head = ring_head(r), idx;
	struct entry_hdr wrap = { 0, ENTRY_WRAP, 0 };

	if (!ring_fits(r, len))
		return NULL;
	waste = wrap_waste(r, es);
	idx = head % r->h->cap;
	if (waste >= RING_ENTRY_HDR)
		memcpy(r->log + idx, &wrap, sizeof(wrap));
	r->rpos = head + waste;
	r->rlen = (uint32_t)len;
	return r->log + r->rpos % r->h->cap + RING_ENTRY_HDR;
}

void
ring_commit(struct ring *r, uint64_t mask)
{
	struct entry_hdr e = { r->rlen, 0, mask };

	if (r->rlen == 0)
		return;
	memcpy(r->log + r->rpos % r->h->cap, &e, sizeof(e));
	atomic_store_explicit(&r->h->head, r->rpos + entry_size(r->rlen),
	    memory_order_release);
	r->rlen = 0;
}

int
ring_read(struct ring *r, uint64_t *pos, const uint8_t **frame, size_t *len,
    uint64_t *mask)
{
	uint64_t head = ring_head(r), idx, left;
	struct entry_hdr e;

	if (*pos >= head)
		return 0;
	idx = *pos % r->h->cap;
	left = r->h->cap - idx;
	if (left >= RING_ENTRY_HDR) {
		memcpy(&e, r->log + idx, sizeof(e));
		if (!(e.flags & ENTRY_WRAP))
			goto entry;
	}
	*pos += left;		/* a short end or a wrap marker */
	if (*pos >= head)
		return *pos == head ? 0 : -1;
	idx = 0;
	memcpy(&e, r->log, sizeof(e));
entry:
	if (e.flags != 0 || e.len == 0 || e.len > FRAME_MAX ||
	    entry_size(e.len) > r->h->cap - idx ||
	    *pos + entry_size(e.len) > head)
		return -1;
	*frame = r->log + idx + RING_ENTRY_HDR;
	*len = e.len;
	*mask = e.mask;
	*pos += entry_size(e.len);
	return 1;
}

void
ring_release(struct ring *r, uint64_t pos)
{
	if (pos > ring_tail(r) && pos <= ring_head(r))
		atomic_store_explicit(&r->h->tail, pos, memory_order_release);
}

/* Whole pages inside [from, to) of the log, as an address span. */
static void
span(struct ring *r, uint64_t from, uint64_t to, size_t page, void **p,
    size_t *n)
{
	uintptr_t base = (uintptr_t)r->log;
	uintptr_t s = (base + from + page - 1) / page * page;
	uintptr_t e = (base + to) / page * page;

	*p = NULL;
	*n = 0;
	if (e > s) {
		*p = (void *)s;
		*n = e - s;
	}
}

void
ring_free_spans(struct ring *r, size_t page, void **a, size_t *alen,
    void **b, size_t *blen)
{
	uint64_t cap = r->h->cap, head = ring_head(r), tail = ring_tail(r);
	uint64_t h = head % cap, t = tail % cap;

	*a = *b = NULL;
	*alen = *blen = 0;
	if (head - tail >= cap)
		return;
	/* keep the page the head writes into next */
	if (head == tail) {
		span(r, h + 1, cap, page, a, alen);
		span(r, 0, h, page, b, blen);
	} else if (h < t)
		span(r, h + 1, t, page, a, alen);
	else {
		span(r, h + 1, cap, page, a, alen);
		span(r, 0, t, page, b, blen);
	}
}
