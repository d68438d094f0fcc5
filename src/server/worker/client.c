/*
 * client.c -- a worker's clients: table, buffers, input, output, teardown.
 *
 * Owns struct client and struct client_table.  Invariants: a client is in
 * the dense table and the slot map from accept until its teardown; on the
 * flush list iff CF_DIRTY; on the run queue iff CF_RUNQ; a client is freed
 * only by client_closing_tick/reap, never inside a callback that got it as
 * an argument.  Output is one contiguous buffer per client, written with
 * one write() per loop turn; buffers are kept while a client is busy and
 * given back by the once-a-second tick when it has been idle, so idle
 * clients hold no buffers at all and busy ones do not malloc every turn.
 */
#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sys/epoll.h>

#include "client.h"
#include "ctx.h"
#include "ev.h"
#include "log.h"
#include "roster.h"
#include "valid.h"

#define READ_CHUNK	8192	/* bytes per read() */
#define SCRATCH_SIZE	(READ_BUDGET + IRC_WIRE_MAX + 64)
#define READ_BUDGET	32768	/* bytes per client per loop turn */
#define CLOSE_LINGER_MS	2000	/* how long a closing client may flush */

struct client_table {
	struct client	**all;		/* dense: live, dying */
	unsigned	  n, cap;
	struct client	**byslot;	/* roster slot -> client */
	unsigned	  nslots;
	struct client	 *dirty;	/* flush list */
	struct client	 *dead;		/* marked by client_close */
	struct client	 *runq;		/* deferred input, due at run_due */
	struct client	 *blocked;	/* held back by relay back-pressure */
	struct client	**closing;	/* out of the roster, flushing */
	unsigned	  nclosing, closingcap;
	struct arena_chunk *ahead, *acur; /* this turn's shared output */
	char		 *scratch;	/* read buffer lent to idle clients */
	int		  trim_due;	/* give spare chunks back after flush */
	int		  hold;		/* input held back (relay congested) */
	struct client_hooks hooks;	/* the layers above */
};

int
client_table_init(unsigned max_clients, const struct client_hooks *hooks)
{
	struct client_table *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return -1;
	t->nslots = max_clients;
	t->hooks = *hooks;
	if ((t->byslot = calloc(max_clients, sizeof(*t->byslot))) == NULL) {
		free(t);
		return -1;
	}
	kd.clients = t;
	return 0;
}

unsigned
client_count(void)
{
	struct client_table *t = kd.clients;
	return t->n + t->nclosing;
}

static void	client_io(int, uint32_t, void *);

static int
table_add(struct client *c)
{
	struct client_table *t = kd.clients;
	struct client **n;

	if (t->n == t->cap) {
		unsigned ncap = t->cap ? t->cap * 2 : 256;
		if ((n = reallocarray(t->all, ncap, sizeof(*n))) == NULL)
			return -1;
		t->all = n;
		t->cap = ncap;
	}
	c->idx = t->n;
	t->all[t->n++] = c;
	if (c->slot >= 0 && (unsigned)c->slot < t->nslots)
		t->byslot[c->slot] = c;
	return 0;
}

static void
table_remove(struct client *c)
{
	struct client_table *t = kd.clients;
	struct client *last = t->all[--t->n];

	t->all[c->idx] = last;
	last->idx = c->idx;
	if (c->slot >= 0 && (unsigned)c->slot < t->nslots &&
	    t->byslot[c->slot] == c)
		t->byslot[c->slot] = NULL;
}

struct client *
client_new(int fd, const struct conn_ops *ops, int32_t slot, uint32_t gen,
    const uint8_t addr[16], const char *host)
{
	struct client *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->ops = ops;
	c->fd = fd;
	c->slot = slot;
	c->gen = gen;
	c->state = CL_UNREG;
	c->created_ms = c->last_rx_ms = kd.now_ms;
	c->flood_us = 0;
	memcpy(c->addr, addr, 16);
	snprintf(c->host, sizeof(c->host), "%s", host);
	linebuf_init(&c->in, IRC_WIRE_MAX);
	if (kd.cfg.password[0] == '\0')
		c->flags |= CF_PASS_OK;
	if (kd.ev != NULL && ev_fd_add(kd.ev, fd, EPOLLIN | EPOLLOUT |
	    EPOLLRDHUP | EPOLLET, client_io, c) == -1) {
		log_warn("epoll_ctl client %s", host);
		free(c);
		return NULL;
	}
	if (table_add(c) == -1) {
		(void)ev_fd_del(kd.ev, fd);
		free(c);
		return NULL;
	}
	if (ops->open != NULL && ops->open(c) == -1) {
		table_remove(c);
		(void)ev_fd_del(kd.ev, fd);
		free(c);
		return NULL;
	}
	return c;
}

/* Socket events of a client (kd.ev's callback). */
static void
client_io(int fd, uint32_t events, void *arg)
{
	struct client *c = arg;

	(void)fd;
	if (c->state == CL_CLOSING) {
		if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			(void)client_flush(c);
		return;
	}
	/* TLS reads may have to write (the handshake) and writes may have
	 * to read: every event tries both ways there */
	if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) ||
	    c->ops->ready != NULL)
		client_input(c);
	if ((c->flags & CF_WBLOCK) && ((events & EPOLLOUT) ||
	    c->ops->ready != NULL) && c->state < CL_DYING) {
		c->flags &= ~(uint32_t)CF_WBLOCK;
		(void)client_flush(c);
	}
}

struct client *
client_by_slot(int32_t slot, uint32_t gen)
{
	struct client_table *t = kd.clients;
	struct client *c;

	if (slot < 0 || (unsigned)slot >= t->nslots)
		return NULL;
	c = t->byslot[slot];
	if (c == NULL || c->gen != gen || c->state >= CL_DYING)
		return NULL;
	return c;
}

void
client_foreach(void (*fn)(struct client *, void *), void *arg)
{
	struct client_table *t = kd.clients;
	unsigned i;

	for (i = 0; i < t->n; i++)
		if (t->all[i]->state < CL_DYING)
			fn(t->all[i], arg);
}

void
client_set_prefix(struct client *c)
{
	int n = snprintf(c->prefix, sizeof(c->prefix), "%s!%s@%s", c->nick,
	    c->user[0] ? c->user : "*", c->host);

	c->prefixlen = (uint16_t)(n < 0 ? 0 :
	    (size_t)n >= sizeof(c->prefix) ? sizeof(c->prefix) - 1 : (size_t)n);
}

/* --- output --------------------------------------------------------------
 *
 * Output of a loop turn goes into one arena shared by all clients: a line
 * sent to a room is copied into it once and every recipient queues a
 * pointer to it (consecutive lines merge into one segment), and the flush
 * writes each client's segments with one writev.  Whatever a client cannot
 * take this turn is copied into its private backlog, so the arena is empty
 * of references when client_flush_all recycles it.  sendq bounds backlog
 * plus segments.
 */

#define ARENA_CHUNK	(256 * 1024)
#define IOV_BATCH	64

struct arena_chunk {
	struct arena_chunk *next;
	size_t		 used, cap;
	char		 data[];
};

/* Chunks are mapped, not malloc'd, so the tick gives a burst's chunks
 * back to the kernel instead of leaving them in the heap. */
static struct arena_chunk *
chunk_new(size_t n)
{
	size_t cap = n > ARENA_CHUNK ? n : ARENA_CHUNK;
	struct arena_chunk *a;

	a = mmap(NULL, sizeof(*a) + cap, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED)
		return NULL;
	a->next = NULL;
	a->used = 0;
	a->cap = cap;
	return a;
}

static void
chunk_free(struct arena_chunk *a)
{
	if (munmap(a, sizeof(*a) + a->cap) == -1)
		log_warn("munmap arena chunk");
}

const char *
client_arena_put(const char *p, size_t n)
{
	struct client_table *t = kd.clients;
	struct arena_chunk *a = t->acur, *nc;
	char *dst;

	if (a == NULL || a->cap - a->used < n) {
		if (a != NULL && a->next != NULL && a->next->cap >= n)
			nc = a->next;		/* reuse the next chunk */
		else {
			if ((nc = chunk_new(n)) == NULL)
				return NULL;
			if (a != NULL) {
				nc->next = a->next;
				a->next = nc;
			} else
				t->ahead = nc;
		}
		nc->used = 0;
		t->acur = a = nc;
	}
	dst = a->data + a->used;
	memcpy(dst, p, n);
	a->used += n;
	return dst;
}

static void
arena_reset(void)
{
	struct client_table *t = kd.clients;
	struct arena_chunk *a;

	for (a = t->ahead; a != NULL; a = a->next)
		a->used = 0;
	t->acur = t->ahead;
}

/* MADV_DONTNEED on the whole pages of a chunk's data (it wants a
 * page-aligned start; the pages read back as zeros). */
static int
madvise_data(struct arena_chunk *a)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t start = ((uintptr_t)a->data + page - 1) & ~(page - 1);
	uintptr_t end = ((uintptr_t)a->data + a->cap) & ~(page - 1);

	if (end <= start)
		return 0;
	return madvise((void *)start, end - start, MADV_DONTNEED);
}

/* Give back the chunks past the first (once a second). */
static void
arena_trim(void)
{
	struct client_table *t = kd.clients;
	struct arena_chunk *a, *next;

	if (t->ahead == NULL)
		return;
	for (a = t->ahead->next; a != NULL; a = next) {
		next = a->next;
		chunk_free(a);
	}
	t->ahead->next = NULL;
	t->ahead->used = 0;
	t->acur = t->ahead;
	/* and the head chunk's pages: an idle worker holds no output.  The
	 * header shares the first page, so only whole pages after it go. */
	if (madvise_data(t->ahead) == -1)
		log_warn("madvise arena");
}

void
client_table_free(void)
{
	struct client_table *t = kd.clients;
	struct arena_chunk *a, *next;

	if (t == NULL)
		return;
	for (a = t->ahead; a != NULL; a = next) {
		next = a->next;
		chunk_free(a);
	}
	free(t->all);
	free(t->byslot);
	free(t->closing);
	free(t->scratch);
	free(t);
	kd.clients = NULL;
}

/* The loop's lists are intrusive and singly linked; a flag says whether
 * a client is on one.  LIST_PUSH adds c once, LIST_UNLINK takes it off. */
#define LIST_PUSH(head, field, flag, c) do {				\
	if (!((c)->flags & (flag))) {					\
		(c)->flags |= (flag);					\
		(c)->field = (head);					\
		(head) = (c);						\
	}								\
} while (0)

static void
mark_dirty(struct client *c)
{
	struct client_table *t = kd.clients;
	LIST_PUSH(t->dirty, next_dirty, CF_DIRTY, c);
}

#define OUT_MINCAP	1024

static void
out_release(struct client *c)
{
	fifo_release(&c->out);
	free(c->seg);
	c->seg = NULL;
	c->seg0 = c->nseg = c->segcap = 0;
	c->queued = 0;
}

static void
out_oom(struct client *c)
{
	log_warnx("out of memory queueing output for %s", c->host);
	c->flags |= CF_DISCARD_OUT;
	client_close(c, "Server out of memory");
}

/* Copy the unsent segments into the private backlog. */
static void
spill(struct client *c)
{
	size_t total = 0;
	uint32_t i;

	for (i = c->seg0; i < c->nseg; i++)
		total += c->seg[i].iov_len;
	if (total > 0 && fifo_reserve(&c->out, total, OUT_MINCAP) == 0)
		for (i = c->seg0; i < c->nseg; i++)
			(void)fifo_add(&c->out, c->seg[i].iov_base,
			    c->seg[i].iov_len, OUT_MINCAP);
	else if (total > 0) {
		c->queued -= total;
		out_oom(c);
	}
	c->seg0 = c->nseg = 0;
}

void
client_send_shared(struct client *c, const char *p, size_t n)
{
	struct iovec *last, *ns;

	if (c->state >= CL_DYING)
		return;
	if (c->queued + n > kd.cfg.sendq) {
		c->flags |= CF_DISCARD_OUT;
		client_close(c, "SendQ exceeded");
		return;
	}
	last = c->nseg > c->seg0 ? &c->seg[c->nseg - 1] : NULL;
	if (last != NULL && (const char *)last->iov_base + last->iov_len == p)
		last->iov_len += n;	/* the next line of the same run */
	else {
		if (c->seg == NULL || c->nseg == c->segcap) {
			uint32_t ncap = c->segcap ? c->segcap * 2 : 8;
			if ((ns = reallocarray(c->seg, ncap, sizeof(*ns))) ==
			    NULL) {
				out_oom(c);
				return;
			}
			c->seg = ns;
			c->segcap = ncap;
		}
		c->seg[c->nseg].iov_base = (void *)(uintptr_t)p;
		c->seg[c->nseg].iov_len = n;
		c->nseg++;
	}
	c->queued += n;
	c->flags |= CF_BUSY;
	mark_dirty(c);
}

void
client_send(struct client *c, const char *p, size_t n)
{
	const char *a;

	if (c->state >= CL_DYING)
		return;
	if ((c->flags & CF_CAPTURE) && kd.clients->hooks.capture != NULL &&
	    kd.clients->hooks.capture(c, p, n))
		return;
	if (c->queued + n > kd.cfg.sendq) {
		c->flags |= CF_DISCARD_OUT;
		client_close(c, "SendQ exceeded");
		return;
	}
	if ((a = client_arena_put(p, n)) == NULL) {
		out_oom(c);
		return;
	}
	client_send_shared(c, a, n);
}

/* Cut buf (len bytes) to 510 at a UTF-8 boundary and add CRLF. */
static size_t
line_finish(char *buf, size_t len)
{
	if (len > IRC_LINE_MAX - 2)
		len = utf8_prefix(buf, len, IRC_LINE_MAX - 2);
	buf[len++] = '\r';
	buf[len++] = '\n';
	return len;
}

static void vsendf(struct client *, char *, size_t, const char *, va_list)
	__attribute__((format(printf, 4, 0)));

static void
vsendf(struct client *c, char *buf, size_t n, const char *fmt, va_list ap)
{
	int m;

	m = vsnprintf(buf + n, IRC_LINE_MAX * 2 - n, fmt, ap);
	if (m < 0)
		return;
	n += (size_t)m;
	if (n > IRC_LINE_MAX * 2 - 3)
		n = IRC_LINE_MAX * 2 - 3;
	client_send(c, buf, line_finish(buf, n));
}

void
client_sendf(struct client *c, const char *fmt, ...)
{
	char buf[IRC_LINE_MAX * 2];
	va_list ap;

	va_start(ap, fmt);
	vsendf(c, buf, 0, fmt, ap);
	va_end(ap);
}

void
reply(struct client *c, const char *num, const char *fmt, ...)
{
	char buf[IRC_LINE_MAX * 2];
	va_list ap;
	int n;

	n = snprintf(buf, sizeof(buf), ":%s %s %s ", kd.cfg.server_name, num,
	    c->nick[0] ? c->nick : "*");
	if (n < 0 || (size_t)n >= sizeof(buf) / 2)
		return;
	va_start(ap, fmt);
	vsendf(c, buf, (size_t)n, fmt, ap);
	va_end(ap);
}

static void
items_line(struct client *c, const char *num, const char *head,
    const char *line)
{
	if (*head != '\0')
		reply(c, num, "%s :%s", head, line);
	else
		reply(c, num, ":%s", line);
}

/* The items of list (separated by sep) in as few "head :items" lines as
 * fit, joined again by sep. */
static void
reply_items(struct client *c, const char *num, const char *head,
    const char *list, char sep)
{
	char line[IRC_LINE_MAX];
	size_t room, n = 0, wl;
	const char *w = list, *sp;

	/* ":server NUM nick head :" + CRLF */
	room = IRC_LINE_MAX - 2 - (strlen(kd.cfg.server_name) + strlen(c->nick)
	    + strlen(num) + strlen(head) + 8);
	line[0] = '\0';
	while (*w != '\0') {
		sp = strchr(w, sep);
		wl = sp ? (size_t)(sp - w) : strlen(w);
		if (n > 0 && n + 1 + wl > room) {
			items_line(c, num, head, line);
			n = 0;
		}
		if (wl < sizeof(line) - n - 2) {
			if (n > 0)
				line[n++] = sep;
			memcpy(line + n, w, wl);
			n += wl;
			line[n] = '\0';
		}
		w += wl;
		while (*w == sep)
			w++;
	}
	if (n > 0)
		items_line(c, num, head, line);
}

void
reply_list(struct client *c, const char *num, const char *head,
    const char *list)
{
	reply_items(c, num, head, list, ' ');
}

void
reply_csv(struct client *c, const char *num, const char *list)
{
	reply_items(c, num, "", list, ',');
}

/* Account n written bytes: backlog first, then segments. */
static void
consume(struct client *c, size_t n)
{
	size_t m = fifo_used(&c->out);

	c->queued -= n;
	if (m > n)
		m = n;
	fifo_consume(&c->out, m);
	n -= m;
	while (n > 0 && c->seg0 < c->nseg) {
		struct iovec *v = &c->seg[c->seg0];
		if (n >= v->iov_len) {
			n -= v->iov_len;
			c->seg0++;
		} else {
			v->iov_base = (char *)v->iov_base + n;
			v->iov_len -= n;
			n = 0;
		}
	}
	if (c->seg0 == c->nseg)
		c->seg0 = c->nseg = 0;
}

int
client_flush(struct client *c)
{
	struct iovec iov[IOV_BATCH];
	uint32_t i;
	ssize_t n;
	int k;

	for (;;) {
		k = 0;
		if (fifo_used(&c->out) > 0) {
			iov[k].iov_base = fifo_head(&c->out);
			iov[k++].iov_len = fifo_used(&c->out);
		}
		for (i = c->seg0; i < c->nseg && k < IOV_BATCH; i++)
			iov[k++] = c->seg[i];
		if (k == 0)
			break;
		n = c->ops->writev(c, iov, k);
		if (n > 0) {
			consume(c, (size_t)n);
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			c->flags |= CF_WBLOCK;
			spill(c);	/* the rest waits in the backlog */
			return 0;
		}
		/* EPIPE, ECONNRESET ...: the peer is gone */
		if (c->state < CL_DYING) {
			char why[96];
			snprintf(why, sizeof(why), "Write error: %s",
			    strerror(errno));
			c->flags |= CF_DISCARD_OUT;
			client_close(c, why);
		}
		out_release(c);
		return -1;
	}
	/* drained: keep the buffers while the client is busy (the tick
	 * frees them once idle), so a busy client does not malloc */
	c->flags &= ~(uint32_t)CF_WBLOCK;
	c->queued = 0;
	if (c->state == CL_CLOSING)
		out_release(c);
	return 0;
}

void
client_flush_all(void)
{
	struct client_table *t = kd.clients;
	struct client *c, *next;

	for (c = t->dirty, t->dirty = NULL; c != NULL; c = next) {
		next = c->next_dirty;
		c->flags &= ~(uint32_t)CF_DIRTY;
		if (c->flags & CF_WBLOCK)
			spill(c);	/* waits for EPOLLOUT */
		else
			client_flush(c);
	}
	arena_reset();		/* nobody points into it any more */
	if (t->trim_due) {
		t->trim_due = 0;
		arena_trim();
		/* transient buffers (NAMES lists, bursts) leave holes between
		 * long-lived client structs: hand free pages back once a
		 * second so idle connections cost only what they hold */
		malloc_trim(0);
	}
}

/* --- closing ------------------------------------------------------------- */

void
client_close(struct client *c, const char *reason)
{
	struct client_table *t = kd.clients;
	if (c->state >= CL_DYING)
		return;
	c->state = CL_DYING;
	c->reason = strdup(reason);
	c->next_dead = t->dead;
	t->dead = c;
}

/* Take c off the loop's lists before its memory goes: frees are rare next
 * to list walks, so the linear unlink is cheap. */
#define LIST_UNLINK(head, field, c) do {				\
	struct client **pp_;						\
	for (pp_ = &(head); *pp_ != NULL; pp_ = &(*pp_)->field)		\
		if (*pp_ == (c)) {					\
			*pp_ = (c)->field;				\
			break;						\
		}							\
} while (0)

static void
unlink_lists(struct client *c)
{
	struct client_table *t = kd.clients;
	if (c->flags & CF_DIRTY)
		LIST_UNLINK(t->dirty, next_dirty, c);
	if (c->flags & CF_RUNQ)
		LIST_UNLINK(t->runq, next_run, c);
	if (c->flags & CF_BLOCKED)
		LIST_UNLINK(t->blocked, next_block, c);
	c->flags &= ~(uint32_t)(CF_DIRTY | CF_RUNQ | CF_BLOCKED);
}

static void
client_free(struct client *c)
{
	unlink_lists(c);
	if (kd.ev != NULL && c->fd >= 0 && ev_fd_del(kd.ev, c->fd) == -1)
		log_warn("epoll_ctl client %s", c->host);
	c->ops->close(c);
	linebuf_free(&c->in);
	out_release(c);
	free(c->act);
	free(c->reason);
	free(c->realname);
	if (c->label != NULL)
		free(c->label->buf);
	free(c->label);
	free(c->monitor);
	free(c);
}

static void
closing_add(struct client *c)
{
	struct client_table *t = kd.clients;
	struct client **n;

	if (t->nclosing == t->closingcap) {
		unsigned ncap = t->closingcap ? t->closingcap * 2 : 64;
		if ((n = reallocarray(t->closing, ncap, sizeof(*n))) == NULL) {
			client_free(c);	/* cannot linger: close at once */
			return;
		}
		t->closing = n;
		t->closingcap = ncap;
	}
	t->closing[t->nclosing++] = c;
}

static void
teardown(struct client *c)
{
	struct client_table *t = kd.clients;
	char buf[IRC_LINE_MAX * 2];
	int n;

	t->hooks.gone(c, c->reason ? c->reason : "Connection closed");
	table_remove(c);
	roster_worker_conns_set(kd.roster, kd.id, t->n);
	if (c->flags & CF_DISCARD_OUT)
		out_release(c);
	n = snprintf(buf, sizeof(buf), "ERROR :Closing Link: %s (%s)",
	    c->host, c->reason ? c->reason : "Connection closed");
	c->state = CL_CLOSING;
	c->close_by_ms = kd.now_ms + CLOSE_LINGER_MS;
	spill(c);		/* what this turn queued goes first */
	if (n > 0) {
		/* straight into the backlog: a dying client bypasses sendq */
		n = (int)line_finish(buf, (size_t)n);
		if (fifo_add(&c->out, buf, (size_t)n, OUT_MINCAP) == 0)
			c->queued = fifo_used(&c->out);
	}
	if (client_flush(c) == -1 || fifo_used(&c->out) == 0) {
		client_free(c);
		return;
	}
	closing_add(c);
}

void
client_reap(void)
{
	struct client_table *t = kd.clients;
	struct client *c, *next;

	while (t->dead != NULL) {
		c = t->dead;
		t->dead = NULL;
		for (; c != NULL; c = next) {
			next = c->next_dead;
			teardown(c);
		}
	}
}

unsigned
client_closing_tick(int force)
{
	struct client_table *t = kd.clients;
	unsigned i = 0;
	struct client *c;

	while (i < t->nclosing) {
		c = t->closing[i];
		if (!force && fifo_used(&c->out) > 0 &&
		    kd.now_ms < c->close_by_ms) {
			i++;
			continue;
		}
		t->closing[i] = t->closing[--t->nclosing];
		client_free(c);
	}
	return t->nclosing;
}

/* --- input --------------------------------------------------------------- */

static void
runq_add(struct client *c)
{
	struct client_table *t = kd.clients;
	LIST_PUSH(t->runq, next_run, CF_RUNQ, c);
}

static void
block_add(struct client *c)
{
	struct client_table *t = kd.clients;
	LIST_PUSH(t->blocked, next_block, CF_BLOCKED, c);
}

void
client_wake(struct client *c)
{
	if (c->state < CL_DYING)
		runq_add(c);
}

void
client_hold_input(int on)
{
	struct client_table *t = kd.clients;
	struct client *c, *next;

	t->hold = on;
	if (on)
		return;
	for (c = t->blocked, t->blocked = NULL; c != NULL; c = next) {
		next = c->next_block;
		c->flags &= ~(uint32_t)CF_BLOCKED;
		if (c->state < CL_DYING)
			runq_add(c);
	}
}

/* Run complete lines: 0 all done, 1 lagged (flood control), 2 held back
 * because the relay link is congested, 3 held until a labeled response
 * is answered or the relay applied the client's channel change
 * (client_wake resumes it). */
static int
run_lines(struct client *c)
{
	struct client_table *t = kd.clients;
	struct lb_line l;
	enum linebuf_res r;
	int64_t due;

	while (c->state < CL_DYING) {
		if (c->label != NULL || c->opwait > 0)
			return 3;	/* a labeled response or a channel change
					 * is pending */
		if (t->hold) {
			block_add(c);
			return 2;
		}
		if (!client_flood_allow(c, &due)) {
			runq_add(c);
			return 1;
		}
		r = linebuf_next(&c->in, &l);
		if (r == LB_NONE)
			return 0;
		if (r == LB_TOO_LONG) {
			client_close(c, "Input line too long");
			return 0;
		}
		c->last_rx_ms = kd.now_ms;
		c->flags &= ~(uint32_t)CF_PING_SENT;
		t->hooks.line(c, l.s, l.len, l.flags);
	}
	return 0;
}

static int
looks_like_tls(const struct client *c)
{
	const unsigned char *p = (const unsigned char *)c->in.data;

	return c->state == CL_UNREG && c->in.off == 0 && c->in.len >= 2 &&
	    p[0] == 0x16 && p[1] == 0x03;
}

/* Read and run lines.  An idle client reads into the worker's scratch
 * buffer and keeps only what is left over (a partial line, lagged lines),
 * so connections cost no read buffer between bursts. */
static void input(struct client *c);

void
client_input(struct client *c)
{
	struct client_table *t = kd.clients;
	int lent;

	if (t->scratch == NULL && (t->scratch = malloc(SCRATCH_SIZE)) == NULL) {
		input(c);
		return;
	}
	lent = linebuf_lend(&c->in, t->scratch, SCRATCH_SIZE) == 0;
	input(c);
	if (lent && linebuf_unlend(&c->in) == -1)
		client_close(c, "Server out of memory");
}

static void
input(struct client *c)
{
	size_t budget = READ_BUDGET, avail, limit;
	ssize_t n;
	char *p;

	limit = kd.cfg.recvq > IRC_WIRE_MAX + 2 ? kd.cfg.recvq :
	    IRC_WIRE_MAX + 2;
	while (c->state < CL_DYING) {
		switch (run_lines(c)) {
		case 2:		/* back-pressure: leave the bytes in TCP */
		case 3:		/* a labeled response first */
			return;
		case 1:		/* fake lag: keep reading to police recvq */
			if (linebuf_pending(&c->in) > limit) {
				client_close(c, "Excess Flood");
				return;
			}
			break;
		}
		if (budget == 0) {
			runq_add(c);
			return;
		}
		if ((p = linebuf_reserve(&c->in, READ_CHUNK, &avail)) == NULL) {
			client_close(c, "Server out of memory");
			return;
		}
		if (avail > budget)
			avail = budget;
		n = c->ops->read(c, p, avail);
		if (n > 0) {
			linebuf_commit(&c->in, (size_t)n);
			budget -= (size_t)n;
			c->flags |= CF_BUSY;
			if (looks_like_tls(c)) {
				log_info("TLS handshake from %s on a "
				    "plain-text port; closing", c->host);
				c->flags |= CF_DISCARD_OUT;
				client_close(c, "TLS handshake on a plain-text "
				    "port");
				return;
			}
			/* the loop top runs the lines: an over-long one is
			 * "Input line too long", a lagged backlog past
			 * recvq is "Excess Flood" */
			continue;
		}
		if (n == 0) {
			client_close(c, "Connection closed");
			return;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return;		/* the tick frees idle buffers */
		{
			char why[96];
			snprintf(why, sizeof(why), "Read error: %s",
			    strerror(errno));
			client_close(c, why);
		}
		return;
	}
}

void
client_run_pending(void)
{
	struct client_table *t = kd.clients;
	struct client *c, *next, *list = t->runq;

	t->runq = NULL;
	for (c = list; c != NULL; c = next) {
		next = c->next_run;
		c->flags &= ~(uint32_t)CF_RUNQ;
		if (c->state >= CL_DYING)
			continue;
		client_input(c);
	}
}

int64_t
client_next_due(void)
{
	struct client_table *t = kd.clients;
	struct client *c;
	int64_t best = -1, due;

	for (c = t->runq; c != NULL; c = c->next_run) {
		if (c->state >= CL_DYING || client_flood_allow(c, &due))
			return 0;
		due = (due - kd.now_us + 999) / 1000;
		if (best < 0 || due < best)
			best = due;
	}
	return best;
}

/* --- flood control: a penalty clock ("fake lag") ------------------------ */

static int64_t
flood_interval_us(void)
{
	return 1000000 / (int64_t)kd.cfg.flood_rate;
}

int
client_flood_allow(struct client *c, int64_t *due_us)
{
	int64_t allowance;

	if (kd.cfg.flood_rate == 0 || c->flood_us <= kd.now_us)
		return 1;
	allowance = (int64_t)kd.cfg.flood_burst * flood_interval_us();
	if (c->flood_us - kd.now_us < allowance)
		return 1;
	*due_us = c->flood_us - allowance + 1;
	return 0;
}

void
client_flood_charge(struct client *c, unsigned lines)
{
	if (kd.cfg.flood_rate == 0)
		return;
	if (c->flood_us < kd.now_us)
		c->flood_us = kd.now_us;
	c->flood_us += (int64_t)lines * flood_interval_us();
}

/* --- timeouts ------------------------------------------------------------ */

void
client_tick(void)
{
	struct client_table *t = kd.clients;
	struct client *c;
	int64_t idle;
	char why[64];
	unsigned i;

	t->trim_due = 1;	/* at the end of this turn's flush */
	for (i = 0; i < t->n; i++) {
		c = t->all[i];
		/* a client idle for a whole tick gives its buffers back */
		if (!(c->flags & CF_BUSY)) {
			if (fifo_used(&c->out) == 0 && c->nseg == 0)
				out_release(c);
			if (linebuf_pending(&c->in) == 0)
				linebuf_shrink(&c->in);
		}
		c->flags &= ~(uint32_t)CF_BUSY;
		if (c->state == CL_UNREG) {
			if (c->ops->ready != NULL && !c->ops->ready(c) &&
			    kd.now_ms - c->created_ms >=
			    (int64_t)kd.cfg.tls_handshake_timeout * 1000) {
				log_info("TLS handshake from %s timed out "
				    "after %u s", c->host,
				    kd.cfg.tls_handshake_timeout);
				c->flags |= CF_DISCARD_OUT;
				client_close(c, "TLS handshake timed out");
				continue;
			}
			if (kd.now_ms - c->created_ms >=
			    (int64_t)kd.cfg.registration_timeout * 1000)
				client_close(c, "Registration timed out");
			continue;
		}
		if (c->state != CL_REG)
			continue;
		idle = kd.now_ms - c->last_rx_ms;
		if (!(c->flags & CF_PING_SENT) &&
		    idle >= (int64_t)kd.cfg.ping_interval * 1000) {
			client_sendf(c, "PING :%s", kd.cfg.server_name);
			c->flags |= CF_PING_SENT;
			c->ping_ms = kd.now_ms;
		} else if ((c->flags & CF_PING_SENT) &&
		    kd.now_ms - c->ping_ms >=
		    (int64_t)kd.cfg.ping_timeout * 1000) {
			snprintf(why, sizeof(why), "Ping timeout: %lld seconds",
			    (long long)((kd.now_ms - c->last_rx_ms) / 1000));
			client_close(c, why);
		}
	}
}

/* --- plain TCP ----------------------------------------------------------- */

static ssize_t
plain_read(struct client *c, void *p, size_t n)
{
	return read(c->fd, p, n);
}

static ssize_t
plain_writev(struct client *c, const struct iovec *iov, int n)
{
	struct msghdr mh;

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = (struct iovec *)(uintptr_t)iov;
	mh.msg_iovlen = (size_t)n;
	return sendmsg(c->fd, &mh, MSG_NOSIGNAL);
}

static void
plain_close(struct client *c)
{
	if (c->fd >= 0 && close(c->fd) == -1 && errno != EINTR)
		log_warn("close fd %d", c->fd);
	c->fd = -1;
}

const struct conn_ops conn_plain_ops = {
	"plain", plain_read, plain_writev, plain_close, NULL, NULL
};
