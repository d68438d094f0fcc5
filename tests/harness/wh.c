/*
 * wh.c -- the worker harness (see wh.h).
 */
#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "cmd.h"
#include "ctx.h"
#include "deliver.h"
#include "fifo.h"
#include "frame.h"
#include "log.h"
#include "roster.h"
#include "session.h"
#include "subs.h"
#include "wh.h"

#define WH_MAX_CLIENTS	64
#define WH_MAX_CHANS	32
#define WH_FD_BASE	1000

struct wh_conn {
	struct client	*c;		/* NULL once the worker freed it */
	unsigned	 worker;
	int		 fd;
	int		 closed;
	int		 stalled;
	struct fifo	 in;		/* bytes fed, not yet read */
	struct fifo	 out;		/* bytes written, not yet read back */
	char		 line[IRC_WIRE_MAX + 4];
};

struct wh_worker {
	struct client_table *clients;
	struct lchan_table *lchans;
};

struct wh_frame {
	unsigned	 origin;	/* worker */
	size_t		 len;
	uint8_t		 data[];
};

static struct {
	unsigned	 nworkers;
	struct wh_worker w[WH_WORKERS_MAX];
	struct wh_conn	*conns[WH_CONNS_MAX];
	unsigned	 nconns;
	struct wh_frame	**q;		/* frames for the fake relay */
	unsigned	 qn, qcap;
	struct subs	*subs;
	uint64_t	 next_id;
	unsigned	 routed;
	void		*shm;
} H;

static void
die(const char *what)
{
	fprintf(stderr, "wh: %s\n", what);
	abort();
}

static void
enter(unsigned w)
{
	kd.clients = H.w[w].clients;
	kd.lchans = H.w[w].lchans;
	kd.id = w;
	kd.pid = (pid_t)(4000 + w);
}

/* --- fake connection I/O ------------------------------------------------------- */

static struct wh_conn *
conn_of(const struct client *c)
{
	int k = c->fd - WH_FD_BASE;

	if (k < 0 || (unsigned)k >= H.nconns)
		die("a client with no harness connection");
	return H.conns[k];
}

static ssize_t
stub_read(struct client *c, void *p, size_t n)
{
	struct wh_conn *k = conn_of(c);
	size_t have = fifo_used(&k->in);

	if (have == 0) {
		errno = EAGAIN;
		return -1;
	}
	if (n > have)
		n = have;
	memcpy(p, fifo_head(&k->in), n);
	fifo_consume(&k->in, n);
	return (ssize_t)n;
}

static ssize_t
stub_writev(struct client *c, const struct iovec *iov, int n)
{
	struct wh_conn *k = conn_of(c);
	ssize_t total = 0;
	size_t room, take;
	int i;

	for (i = 0; i < n; i++) {
		room = k->stalled ? 0 : iov[i].iov_len;
		take = iov[i].iov_len < room ? iov[i].iov_len : room;
		if (take > 0 && fifo_add(&k->out, iov[i].iov_base, take, 4096)
		    == -1)
			die("out of memory");
		total += (ssize_t)take;
		if (take < iov[i].iov_len)
			break;
	}
	if (total == 0 && n > 0) {
		errno = EAGAIN;
		return -1;
	}
	return total;
}

static void
stub_close(struct client *c)
{
	struct wh_conn *k = conn_of(c);

	k->c = NULL;
	k->closed = 1;
	c->fd = -1;
}

static const struct conn_ops stub_ops = {
	"harness", stub_read, stub_writev, stub_close
};

/* --- the fake relay ---------------------------------------------------------------- */

static void
to_relay(const void *frame, size_t len, void *arg)
{
	struct wh_frame *f, **nq;

	if (H.qn == H.qcap) {
		H.qcap = H.qcap ? H.qcap * 2 : 64;
		if ((nq = reallocarray(H.q, H.qcap, sizeof(*nq))) == NULL)
			die("out of memory");
		H.q = nq;
	}
	if ((f = malloc(sizeof(*f) + len)) == NULL)
		die("out of memory");
	f->origin = (unsigned)(uintptr_t)arg;
	f->len = len;
	memcpy(f->data, frame, len);
	H.q[H.qn++] = f;
}

static void
to_relay_sync(const void *frame, size_t len, void *arg)
{
	(void)frame;
	(void)len;
	(void)arg;
	die("a resync without a relay restart");
}

static uint64_t
route_mask(struct wh_frame *f, int *unsub_after, struct frame_multi *m)
{
	static struct frame_chan c;
	struct frame_user u;
	enum frame_err err;
	uint64_t mask = 0, bit = 1ull << f->origin;
	unsigned i;

	*unsub_after = 0;
	switch (frame_open(f->data, f->len, &err)) {
	case FRAME_CHAN:
		if (frame_unpack_chan(f->data, f->len, &c, &err) == -1)
			die("a malformed CHAN frame");
		if (c.flags & FRAME_F_SUB)
			(void)subs_set(H.subs, c.chan, c.gen, bit, 1);
		mask = subs_mask(H.subs, c.chan, c.gen);
		if (c.flags & FRAME_F_UNSUB)
			(void)subs_set(H.subs, c.chan, c.gen, bit, 0);
		return mask;
	case FRAME_USER:
		if (frame_unpack_user(f->data, f->len, &u, &err) == -1)
			die("a malformed USER frame");
		return u.target < H.nworkers ? 1ull << u.target : 0;
	case FRAME_MULTI:
		if (frame_unpack_multi(f->data, f->len, m, &err) == -1)
			die("a malformed MULTI frame");
		for (i = 0; i < m->n; i++)
			mask |= subs_mask(H.subs, m->ch[i].chan, m->ch[i].gen);
		*unsub_after = 1;
		return mask;
	default:
		die("a frame the relay does not route");
	}
	return 0;
}

/* Route every queued frame; 1 when there was any. */
static int
relay_run(void)
{
	static struct frame_multi m;
	struct wh_frame *f;
	uint64_t mask;
	unsigned i, w;
	int unsub, any = 0;

	for (i = 0; i < H.qn; i++) {	/* deliveries may queue more */
		f = H.q[i];
		any = 1;
		mask = route_mask(f, &unsub, &m);
		H.next_id++;
		frame_stamp_order(f->data, f->len, H.next_id,
		    1767323045000ULL + H.next_id, 0);
		for (w = 0; w < H.nworkers; w++) {
			if (!(mask & (1ull << w)))
				continue;
			enter(w);
			if (deliver_frame(f->data, f->len) == -1)
				die("a worker refused a frame");
		}
		if (unsub)
			for (w = 0; w < m.n; w++)
				if (m.ch[w].flags & FRAME_F_UNSUB)
					(void)subs_set(H.subs, m.ch[w].chan,
					    m.ch[w].gen, 1ull << f->origin, 0);
		H.routed++;
		free(f);
	}
	H.qn = 0;
	return any;
}

unsigned
wh_frames(void)
{
	return H.routed;
}

/* --- turns ----------------------------------------------------------------------- */

/* One loop turn of every worker; 1 when something moved. */
static int
turn(void)
{
	unsigned w, k, before = H.routed;
	int moved = 0;

	for (k = 0; k < H.nconns; k++) {
		struct wh_conn *c = H.conns[k];
		if (c->c != NULL && fifo_used(&c->in) > 0) {
			enter(c->worker);
			client_input(c->c);
			moved = 1;
		}
	}
	for (w = 0; w < H.nworkers; w++) {
		enter(w);
		client_run_pending();
		client_reap();
	}
	moved |= relay_run();
	for (w = 0; w < H.nworkers; w++) {
		enter(w);
		client_reap();
		client_flush_all();
		client_closing_tick(0);
	}
	return moved || H.routed != before;
}

void
wh_run(void)
{
	int i;

	for (i = 0; i < 1000 && turn(); i++)
		;
	if (i == 1000)
		die("the workers never went quiet");
}

void
wh_tick(int64_t ms)
{
	unsigned w;

	kd.now_ms += ms;
	kd.now_us += ms * 1000;
	kd.now += ms / 1000;
	kd.now_real_ms += ms;
	for (w = 0; w < H.nworkers; w++) {
		enter(w);
		client_tick();
	}
	wh_run();
}

/* --- set up and tear down ---------------------------------------------------------- */

static void
defaults(struct config *cfg)
{
	config_defaults(cfg);
	snprintf(cfg->server_name, sizeof(cfg->server_name), "irc.test");
	cfg->max_clients = WH_MAX_CLIENTS;
	cfg->max_channels = WH_MAX_CHANS;
	cfg->max_clients_per_ip = 0;
	cfg->flood_rate = 0;
	cfg->autojoin[0] = '\0';
}

void
wh_setup(unsigned nworkers, void (*tweak)(struct config *))
{
	static const struct client_hooks hooks = { dispatch_line,
	    session_gone };
	struct deliver_ops ops = { to_relay, to_relay_sync, session_join_info,
	    NULL };
	char err[128];
	unsigned w;

	if (nworkers == 0 || nworkers > WH_WORKERS_MAX)
		die("bad worker count");
	memset(&H, 0, sizeof(H));
	memset(&kd, 0, sizeof(kd));
	kd.ctl_fd = kd.relay_fd = -1;
	defaults(&kd.cfg);
	if (tweak != NULL)
		tweak(&kd.cfg);
	log_init(0, 0, LOG_LVL_ERROR);
	snprintf(kd.created, sizeof(kd.created), "2026-12-01 10:00:00 UTC");
	kd.now = 1767323045;
	kd.now_real_ms = 1767323045000LL;
	kd.now_ms = 1000000;
	kd.now_us = 1000000000LL;
	kd.nworkers = nworkers;
	kd.shmsize = roster_size(kd.cfg.max_clients, kd.cfg.max_channels);
	if ((H.shm = kd.shm = calloc(1, kd.shmsize)) == NULL ||
	    roster_init(kd.shm, kd.shmsize, kd.cfg.max_clients,
	    kd.cfg.max_channels, nworkers) == -1 ||
	    (kd.roster = roster_attach(kd.shm, kd.shmsize, err,
	    sizeof(err))) == NULL)
		die("cannot make a roster");
	if ((H.subs = subs_new(kd.cfg.max_channels)) == NULL)
		die("out of memory");
	H.nworkers = nworkers;
	for (w = 0; w < nworkers; w++) {
		ops.arg = (void *)(uintptr_t)w;
		if (client_table_init(kd.cfg.max_clients, &hooks) == -1 ||
		    deliver_init(kd.cfg.max_channels, &ops) == -1)
			die("out of memory");
		H.w[w].clients = kd.clients;
		H.w[w].lchans = kd.lchans;
	}
	enter(0);
}

static void
close_all(struct client *c, void *arg)
{
	client_close(c, arg);
}

void
wh_teardown(void)
{
	unsigned w, k;

	for (w = 0; w < H.nworkers; w++) {
		enter(w);
		client_foreach(close_all, "end of test");
	}
	wh_run();
	for (w = 0; w < H.nworkers; w++) {
		enter(w);
		client_closing_tick(1);
		if (client_count() != 0)
			die("a client outlived the test");
		client_table_free();
		deliver_free();
	}
	for (k = 0; k < H.nconns; k++) {
		fifo_release(&H.conns[k]->in);
		fifo_release(&H.conns[k]->out);
		free(H.conns[k]);
	}
	free(H.q);
	subs_free(H.subs);
	roster_detach(kd.roster);
	free(H.shm);
	memset(&H, 0, sizeof(H));
	kd.roster = NULL;
	kd.clients = NULL;
	kd.lchans = NULL;
}

/* --- connections ------------------------------------------------------------------- */

struct wh_conn *
wh_connect(unsigned w, const char *host)
{
	uint8_t addr[16] = { [10] = 0xff, [11] = 0xff, 10, 0, 0, 0 };
	struct wh_conn *k;
	enum roster_err e;
	int32_t slot;
	uint32_t gen;

	if (w >= H.nworkers || H.nconns == WH_CONNS_MAX)
		die("too many connections");
	if ((k = calloc(1, sizeof(*k))) == NULL)
		die("out of memory");
	addr[15] = (uint8_t)(H.nconns + 1);
	enter(w);
	ctx_roster_lock();
	slot = roster_user_new(kd.roster, (uint8_t)w, kd.pid, addr, host, 0,
	    &e);
	gen = slot >= 0 ? roster_user(kd.roster, slot)->gen : 0;
	ctx_roster_unlock();
	if (slot < 0)
		die("the roster is full");
	k->worker = w;
	k->fd = WH_FD_BASE + (int)H.nconns;
	H.conns[H.nconns++] = k;
	if ((k->c = client_new(k->fd, &stub_ops, slot, gen, addr, host)) ==
	    NULL)
		die("out of memory");
	return k;
}

struct wh_conn *
wh_register(unsigned w, const char *nick)
{
	struct wh_conn *k = wh_connect(w, "10.0.0.1");

	wh_feed(k, "NICK %s", nick);
	wh_feed(k, "USER %s 0 * :Real %s", nick, nick);
	if (!wh_seek(k, " 376 | 422 "))
		die("no welcome burst");
	wh_run();
	wh_drain(k);
	return k;
}

void
wh_feed_raw(struct wh_conn *k, const void *p, size_t n)
{
	if (k->c == NULL)
		return;
	if (fifo_add(&k->in, p, n, 4096) == -1)
		die("out of memory");
	wh_run();
}

void
wh_feed(struct wh_conn *k, const char *fmt, ...)
{
	char buf[IRC_WIRE_MAX * 2];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 2, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf) - 2)
		die("a line too long for the harness");
	buf[n] = '\r';
	buf[n + 1] = '\n';
	wh_feed_raw(k, buf, (size_t)n + 2);
}

const char *
wh_next(struct wh_conn *k)
{
	char *p = fifo_head(&k->out), *nl;
	size_t have = fifo_used(&k->out), n;

	if (have == 0 || (nl = memchr(p, '\n', have)) == NULL)
		return NULL;
	n = (size_t)(nl - p);
	if (n > 0 && p[n - 1] == '\r')
		n--;
	if (n >= sizeof(k->line))
		n = sizeof(k->line) - 1;
	memcpy(k->line, p, n);
	k->line[n] = '\0';
	fifo_consume(&k->out, (size_t)(nl - p) + 1);
	return k->line;
}

unsigned
wh_pending(struct wh_conn *k)
{
	const char *p = fifo_head(&k->out);
	size_t i, have = fifo_used(&k->out);
	unsigned n = 0;

	for (i = 0; i < have; i++)
		if (p[i] == '\n')
			n++;
	return n;
}

void
wh_drain(struct wh_conn *k)
{
	fifo_consume(&k->out, fifo_used(&k->out));
}

static int
matches(const char *re, const char *line)
{
	regex_t rx;
	int rc;

	if (regcomp(&rx, re, REG_EXTENDED | REG_NOSUB) != 0)
		die("a bad regular expression");
	rc = regexec(&rx, line, 0, NULL, 0) == 0;
	regfree(&rx);
	return rc;
}

int
wh_seek(struct wh_conn *k, const char *re)
{
	const char *l;

	while ((l = wh_next(k)) != NULL)
		if (matches(re, l))
			return 1;
	return 0;
}

int
wh_has(struct wh_conn *k, const char *re)
{
	const char *p = fifo_head(&k->out);
	size_t have = fifo_used(&k->out), off = 0, n;
	const char *nl;
	char line[IRC_WIRE_MAX + 4];

	while (off < have && (nl = memchr(p + off, '\n', have - off)) !=
	    NULL) {
		n = (size_t)(nl - (p + off));
		if (n > 0 && p[off + n - 1] == '\r')
			n--;
		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, p + off, n);
		line[n] = '\0';
		if (matches(re, line))
			return 1;
		off = (size_t)(nl - p) + 1;
	}
	return 0;
}

int
wh_closed(struct wh_conn *k)
{
	return k->closed;
}

struct client *
wh_client(struct wh_conn *k)
{
	return k->c;
}

void
wh_stall(struct wh_conn *k, int on)
{
	k->stalled = on;
	if (!on && k->c != NULL) {
		enter(k->worker);
		k->c->flags &= ~(uint32_t)CF_WBLOCK;
		(void)client_flush(k->c);
	}
}
