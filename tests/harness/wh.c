/*
 * wh.c -- the worker harness (see wh.h).
 */
#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "chanop.h"
#include "client.h"
#include "cmd.h"
#include "ctx.h"
#include "deliver.h"
#include "fifo.h"
#include "frame.h"
#include "label.h"
#include "log.h"
#include "monitor.h"
#include "roster.h"
#include "session.h"
#include "store.h"
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
	struct monitor_index *monitors;
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
	unsigned	 overrides;	/* CHANOPs applied as oper overrides */
	void		*shm;
	int		 store;		/* wh_store() opened one */
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
	kd.monitors = H.w[w].monitors;
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
	"harness", stub_read, stub_writev, stub_close, NULL, NULL
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

/* Stamp a frame as the relay orders it and hand it to the workers in
 * mask. */
static void
deliver_mask(uint8_t *data, size_t len, uint64_t mask)
{
	unsigned w;

	H.next_id++;
	frame_stamp_order(data, len, H.next_id, 1767323045000ULL + H.next_id,
	    0);
	for (w = 0; w < H.nworkers; w++) {
		if (!(mask & (1ull << w)))
			continue;
		enter(w);
		if (deliver_frame(data, len) == -1)
			die("a worker refused a frame");
	}
}

static uint64_t
all_workers(void)
{
	return (1ull << H.nworkers) - 1;
}

/* What a CHANOP produced, as the relay logs it. */
static void
op_chan(const struct frame_chan *f, void *arg)
{
	uint8_t buf[FRAME_MAX];
	int n;

	(void)arg;
	if ((n = frame_pack_chan(buf, sizeof(buf), f)) == -1)
		die("cannot pack a CHAN frame");
	deliver_mask(buf, (size_t)n, subs_mask(H.subs, f->chan, f->gen));
}

static void
op_user(const struct frame_user *f, void *arg)
{
	uint8_t buf[FRAME_MAX];
	int n;

	(void)arg;
	if ((n = frame_pack_user(buf, sizeof(buf), f)) == -1)
		die("cannot pack a USER frame");
	if (f->target < H.nworkers)
		deliver_mask(buf, (size_t)n, 1ull << f->target);
}

static void
labeldone(unsigned origin, const struct frame_stamp *st, uint32_t oslot,
    uint32_t ogen, int chanop)
{
	struct frame_labeldone d;
	uint8_t buf[128];
	int n;

	memset(&d, 0, sizeof(d));
	d.st = *st;
	d.st.sflags = chanop ? FRAME_S_CHANOP : 0;
	d.oslot = oslot;
	d.ogen = ogen;
	if ((n = frame_pack_labeldone(buf, sizeof(buf), &d)) == -1)
		die("cannot pack LABELDONE");
	deliver_mask(buf, (size_t)n, 1ull << origin);
}

/* Route one frame as relay.c does. */
static void
route(struct wh_frame *f)
{
	static const struct chanop_out out = { op_chan, op_user, NULL };
	static struct frame_multi m;
	static struct frame_chan c;
	struct frame_user u;
	struct frame_chanop op;
	struct frame_sub sb;
	struct frame_stamp st;
	struct chanop_result res;
	enum frame_err err;
	uint64_t mask = 0, bit = 1ull << f->origin;
	uint32_t oslot = UINT32_MAX, ogen = 0;
	unsigned i;

	if (frame_stamp_get(f->data, f->len, &st) == -1)
		die("a frame without a stamp");
	switch (frame_open(f->data, f->len, &err)) {
	case FRAME_CHAN:
		if (frame_unpack_chan(f->data, f->len, &c, &err) == -1)
			die("a malformed CHAN frame");
		oslot = c.oslot;
		ogen = c.ogen;
		if (c.flags & FRAME_F_SUB)
			(void)subs_set(H.subs, c.chan, c.gen, bit, 1);
		mask = subs_mask(H.subs, c.chan, c.gen);
		deliver_mask(f->data, f->len, mask);
		if (c.flags & FRAME_F_UNSUB)
			(void)subs_set(H.subs, c.chan, c.gen, bit, 0);
		break;
	case FRAME_USER:
		if (frame_unpack_user(f->data, f->len, &u, &err) == -1)
			die("a malformed USER frame");
		oslot = u.oslot;
		ogen = u.ogen;
		if (u.target == FRAME_ALL_WORKERS)
			mask = all_workers();
		else if (u.target < H.nworkers)
			mask = 1ull << u.target;
		if (u.uflags & FRAME_U_ECHO)
			mask |= bit;
		deliver_mask(f->data, f->len, mask);
		break;
	case FRAME_MULTI:
		if (frame_unpack_multi(f->data, f->len, &m, &err) == -1)
			die("a malformed MULTI frame");
		oslot = m.oslot;
		ogen = m.ogen;
		if (m.mflags & FRAME_M_ALL)
			mask = all_workers();
		else
			for (i = 0; i < m.n; i++)
				mask |= subs_mask(H.subs, m.ch[i].chan,
				    m.ch[i].gen);
		deliver_mask(f->data, f->len, mask);
		for (i = 0; i < m.n; i++)
			if (m.ch[i].flags & FRAME_F_UNSUB)
				(void)subs_set(H.subs, m.ch[i].chan,
				    m.ch[i].gen, bit, 0);
		break;
	case FRAME_SUB:
	case FRAME_UNSUB:
		if (frame_unpack_sub(f->data, f->len, &sb, &err) == -1)
			die("a malformed SUB frame");
		(void)subs_set(H.subs, sb.chan, sb.gen, bit,
		    frame_open(f->data, f->len, &err) == FRAME_SUB);
		break;
	case FRAME_CHANOP:
		if (frame_unpack_chanop(f->data, f->len, &op, &err) == -1)
			die("a malformed CHANOP frame");
		oslot = op.oslot;
		ogen = op.ogen;
		ctx_roster_lock();
		if (chanop_apply(kd.roster, &op, kd.cfg.server_name, kd.now,
		    &out, &res) == -1)
			die("chanop_apply refused a frame");
		ctx_roster_unlock();
		H.overrides += res.override;
		break;
	default:
		die("a frame the relay does not route");
	}
	if (oslot != UINT32_MAX && (st.label != 0 ||
	    frame_open(f->data, f->len, &err) == FRAME_CHANOP))
		labeldone(f->origin, &st, oslot, ogen, frame_open(f->data,
		    f->len, &err) == FRAME_CHANOP);
}

/* Route every queued frame; 1 when there was any. */
static int
relay_run(void)
{
	unsigned i;
	int any = 0;

	for (i = 0; i < H.qn; i++) {	/* deliveries may queue more */
		any = 1;
		route(H.q[i]);
		H.routed++;
		free(H.q[i]);
	}
	H.qn = 0;
	return any;
}

unsigned
wh_overrides(void)
{
	return H.overrides;
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

static void
tick_label(struct client *c, void *arg)
{
	(void)arg;
	label_tick(c, kd.now_ms);
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
		client_foreach(tick_label, NULL);
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
	    session_gone, label_capture };
	struct deliver_ops ops = { to_relay, to_relay_sync, session_join_info,
	    NULL, session_nick_answer, NULL };
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
		    deliver_init(kd.cfg.max_channels, &ops) == -1 ||
		    monitor_init(kd.cfg.max_clients) == -1)
			die("out of memory");
		H.w[w].clients = kd.clients;
		H.w[w].lchans = kd.lchans;
		H.w[w].monitors = kd.monitors;
	}
	enter(0);
}

static void
close_all(struct client *c, void *arg)
{
	client_close(c, arg);
}

void
wh_store(const char *dir)
{
	char err[768];
	struct store *rw;

	snprintf(kd.state_dir, sizeof(kd.state_dir), "%s", dir);
	if ((rw = store_open(dir, 1, 0, err, sizeof(err))) == NULL ||
	    store_prepare(rw, err, sizeof(err)) == -1)
		die(err);
	store_close(rw);
	if (account_init() == -1)
		die("no read-only store");
	H.store = 1;
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
		monitor_free();
	}
	for (k = 0; k < H.nconns; k++) {
		fifo_release(&H.conns[k]->in);
		fifo_release(&H.conns[k]->out);
		free(H.conns[k]);
	}
	free(H.q);
	if (H.store)
		account_free();
	subs_free(H.subs);
	roster_detach(kd.roster);
	free(H.shm);
	memset(&H, 0, sizeof(H));
	kd.roster = NULL;
	kd.clients = NULL;
	kd.lchans = NULL;
	kd.monitors = NULL;
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
	return wh_register_caps(w, nick, NULL);
}

struct wh_conn *
wh_register_caps(unsigned w, const char *nick, const char *caps)
{
	struct wh_conn *k = wh_connect(w, "10.0.0.1");

	if (caps != NULL) {
		wh_feed(k, "CAP LS 302");
		wh_feed(k, "CAP REQ :%s", caps);
		if (!wh_seek(k, " CAP \\* ACK "))
			die("the capabilities were refused");
		wh_feed(k, "CAP END");
	}
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
