/*
 * relay.c -- the relay process: the hub that orders and routes messages.
 *
 * Resources it owns (DESIGN.md section 2): the accepted end of every
 * worker's link on relay.sock (HELLO with worker id, pid and FRAME_VERSION;
 * SO_PEERCRED must show the same uid and pid); the relay log segment
 * (ring.h), of which it is the only reader and writer; in the roster, only
 * the purge of a dead worker's slots.
 *
 * Ordering.  A routed frame (CHAN, USER, MULTI) from a worker is given a
 * message id, the time and, for CHAN, the channel's next sequence, and is
 * appended to the log with the mask of the workers it goes to, before any
 * of them is sent a byte of it.  Each worker's link has a cursor in the log
 * and is sent the entries for it in log order, so every member of a room
 * sees that room's lines in one order, whichever worker it is on.
 *
 * Nothing lost.  A frame is acknowledged to its origin (ACK) once it is in
 * the log, which outlives the relay: a respawned relay resumes every
 * worker from the cursor stored for it, and tells each worker, in the
 * first ACK after HELLO, the last link sequence of its that it has; the
 * worker sends the rest again.  While the workers the last relay served
 * reconnect and resend their subscriptions (SYNCED), nothing is routed:
 * a message must not miss a member whose worker has not said where its
 * members are.  Workers drop a frame whose message id they have seen.
 *
 * No one stalls for another.  A worker that falls behind pauses the
 * producers (back-pressure through TCP) only while it makes progress; one
 * that takes nothing for STALL_MARK_MS no longer holds anyone back, and
 * one that is more than relay-queue-max bytes behind, or has taken nothing
 * for relay-stall-timeout seconds, is reported to the master (REPLACE) and
 * cut off: the master kills it like a crashed one.
 */
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bridge.h"
#include "chanop.h"
#include "ctx.h"
#include "ev.h"
#include "fifo.h"
#include "frame.h"
#include "history.h"
#include "log.h"
#include "peer.h"
#include "purge.h"
#include "relay.h"
#include "ring.h"
#include "roster.h"
#include "subs.h"

#define RX_BUDGET	4096	/* frames read per link per turn */
#define TICK_MS		100	/* lag and stall checks */
#define STALL_MARK_MS	250	/* no progress this long: holds no one back */
#define RECOVER_MS	3000	/* wait this long for the old workers */
#define LOG_SLACK	(4u << 20)	/* log bytes beyond relay-queue-max */
#define PULL_MAX	2048	/* iovecs one pull may fill */
#define REPLACED_MAX	16

enum lstate {
	L_HELLO,		/* accepted, waiting for HELLO */
	L_SYNC,			/* receiving its subscriptions */
	L_WAIT,			/* synced, waiting for the recovery to end */
	L_READY,		/* routed frames both ways */
};

struct rlink {
	struct peer	*peer;
	int		 id;		/* worker id, -1 before HELLO */
	pid_t		 pid;		/* from SO_PEERCRED */
	enum lstate	 state;
	uint32_t	 nsubs;		/* SUBs received while syncing */
	uint64_t	 cursor;	/* next log entry it has not been sent */
	uint64_t	 pending;	/* bytes of entries for it from there */
	uint64_t	 lseq;		/* its last link sequence processed */
	uint64_t	 acked;		/* the last lseq acknowledged */
	int64_t		 progress_ms;	/* when it last took bytes or was idle */
	int		 stalled;	/* no progress: holds no one back */
	struct fifo	 held;		/* frames read while the log was full */
	struct rlink	*next;
};

struct relay {
	struct rlink	*links;
	struct rlink	*byid[WORKERS_MAX];
	struct subs	*subs;
	int		 recovering;
	uint64_t	 expect;	/* workers the last relay served */
	int64_t		 recover_by_ms;
	pid_t		 deferred[WORKERS_MAX * 2];	/* purges to do */
	unsigned	 ndeferred;
	pid_t		 replaced[REPLACED_MAX];	/* refused at HELLO */
	unsigned	 nreplaced;
	int		 paused;	/* producers not read */
	uint64_t	 quiet_head;	/* the head a second ago */
	int		 trimmed;	/* given back since it last moved */
	int		 stopping;
	uint64_t	 ends[PULL_MAX];	/* log position after each iovec */
	uint64_t	 bytes[PULL_MAX];	/* bytes up to and with each */
	struct rlink	*pulling;	/* whose ends[] those are */
};

/* This process's relay context (the relay half of kd). */
static struct relay R;

static void	link_close(struct rlink *l, const char *why);

/* Everything of l's up to this link sequence is kept: routed, and in
 * cluster mode acknowledged by the stream. */
static uint64_t
link_kept(const struct rlink *l)
{
	return bridge_kept(l->id, (uint32_t)l->pid, l->lseq);
}

size_t
relay_log_bytes(void)
{
	return (size_t)kd.cfg.relay_queue_max + LOG_SLACK;
}

static uint64_t
bit_of(int id)
{
	return 1ull << id;
}

static uint64_t
lag_of(const struct rlink *l)
{
	return l->pending;
}

/* --- the log ------------------------------------------------------------------ */

/* The tail is the oldest cursor of every worker the log is kept for. */
static void
tail_update(void)
{
	uint64_t min = ring_head(kd.ring), c;
	uint32_t pid;
	unsigned id;

	for (id = 0; id < WORKERS_MAX; id++) {
		c = ring_dest(kd.ring, id, &pid);
		if (pid != 0 && c < min)
			min = c;
	}
	ring_release(kd.ring, min);
}

/* Append a copy of frame ordered as id, time_ms and seq for the workers
 * in mask and wake their links (mask 0: it is only kept in the history);
 * -1 when the log has no room (the caller checked ring_fits). */
static int
log_put(const uint8_t *frame, size_t len, uint64_t mask, uint64_t id,
    uint64_t time_ms, uint64_t seq)
{
	static uint8_t copy[FRAME_MAX];
	uint8_t *dst;
	uint64_t m;
	int wid;

	if (mask == 0) {
		if (len <= sizeof(copy)) {
			memcpy(copy, frame, len);
			frame_stamp_order(copy, len, id, time_ms, seq);
			history_note(copy, len);
		}
		return 0;
	}
	if ((dst = ring_reserve(kd.ring, len)) == NULL)
		return -1;
	memcpy(dst, frame, len);
	frame_stamp_order(dst, len, id, time_ms, seq);
	history_note(dst, len);		/* committed before the links send */
	ring_commit(kd.ring, mask);
	for (m = mask, wid = 0; m != 0; m >>= 1, wid++) {
		if (!(m & 1) || R.byid[wid] == NULL)
			continue;
		R.byid[wid]->pending += len;
		if (R.byid[wid]->state == L_READY)
			peer_kick(R.byid[wid]->peer);
	}
	return 0;
}

/* The same, ordered here and now. */
static int
log_frame(const uint8_t *frame, size_t len, uint64_t mask, uint64_t seq)
{
	return log_put(frame, len, mask, ring_next_id(kd.ring),
	    (uint64_t)kd.now_real_ms, seq);
}

/* A frame nobody gets now (a message that waits): stamped like the
 * others, then only kept. */
static void
keep_only(const uint8_t *frame, size_t len)
{
	(void)log_put(frame, len, 0, ring_next_id(kd.ring),
	    (uint64_t)kd.now_real_ms, 0);
}

static void
subs_or_die(uint32_t chan, uint32_t gen, uint64_t bits, int on)
{
	if (subs_set(R.subs, chan, gen, bits, on) == -1 && on)
		fatalx("out of memory for a subscription");
}

/* --- routing ------------------------------------------------------------------- */

static int
route_chan(struct rlink *l, const uint8_t *frame, size_t len,
    uint32_t *oslot, uint32_t *ogen)
{
	struct frame_chan f;
	enum frame_err err;
	uint64_t mask, bit = bit_of(l->id);

	if (frame_unpack_chan(frame, len, &f, &err) == -1 ||
	    f.chan >= kd.cfg.max_channels)
		return -1;
	*oslot = f.oslot;
	*ogen = f.ogen;
	if (f.flags & FRAME_F_SUB)
		subs_or_die(f.chan, f.gen, bit, 1);
	if (bridge_on())	/* in order when the stream gives it back */
		return bridge_route(l->id, (uint32_t)l->pid, frame, len);
	if ((mask = subs_mask(R.subs, f.chan, f.gen)) != 0)
		(void)log_frame(frame, len, mask, ring_next_seq(kd.ring,
		    f.chan));
	if (f.flags & FRAME_F_UNSUB)
		subs_or_die(f.chan, f.gen, bit, 0);
	return 0;
}

/* Every worker that has a link. */
static uint64_t
all_mask(void)
{
	uint64_t mask = 0;
	int id;

	for (id = 0; id < WORKERS_MAX; id++)
		if (R.byid[id] != NULL)
			mask |= bit_of(id);
	return mask;
}

static int
route_user(struct rlink *l, const uint8_t *frame, size_t len,
    uint32_t *oslot, uint32_t *ogen)
{
	struct frame_user f;
	enum frame_err err;
	uint64_t mask = 0;

	if (frame_unpack_user(frame, len, &f, &err) == -1)
		return -1;
	*oslot = f.oslot;
	*ogen = f.ogen;
	if (f.target == FRAME_REMOTE_USER)	/* cluster mode: through NATS */
		return bridge_route(l->id, (uint32_t)l->pid, frame, len);
	if (f.uflags & FRAME_U_KEEP)
		mask = 0;		/* for the store only, and the echo */
	else if (f.target == FRAME_ALL_WORKERS)
		mask = all_mask();
	else if (R.byid[f.target] != NULL)
		mask = bit_of(f.target);
	if (f.uflags & FRAME_U_ECHO)
		mask |= bit_of(l->id);
	if (f.kind == FRAME_K_ONLINE && bridge_on())
		bridge_online(l->id, (uint32_t)l->pid, &f);
	if (mask != 0)
		(void)log_frame(frame, len, mask, 0);
	else if (f.uflags & FRAME_U_KEEP)
		keep_only(frame, len);
	return 0;
}

static uint64_t
multi_mask(const struct frame_multi *f)
{
	uint64_t mask = 0;
	unsigned i;

	if (f->mflags & FRAME_M_ALL)
		return all_mask();
	for (i = 0; i < f->n; i++)
		mask |= subs_mask(R.subs, f->ch[i].chan, f->ch[i].gen);
	return mask;
}

static int
route_multi(struct rlink *l, const uint8_t *frame, size_t len,
    uint32_t *oslot, uint32_t *ogen)
{
	static struct frame_multi f;
	enum frame_err err;
	uint64_t mask;
	unsigned i;

	if (frame_unpack_multi(frame, len, &f, &err) == -1)
		return -1;
	*oslot = f.oslot;
	*ogen = f.ogen;
	if (bridge_on())
		return bridge_route(l->id, (uint32_t)l->pid, frame, len);
	if ((mask = multi_mask(&f)) != 0)
		(void)log_frame(frame, len, mask, 0);
	for (i = 0; i < f.n; i++)
		if (f.ch[i].flags & FRAME_F_UNSUB)
			subs_or_die(f.ch[i].chan, f.ch[i].gen, bit_of(l->id),
			    0);
	return 0;
}

static int
route_sub(struct rlink *l, const uint8_t *frame, size_t len)
{
	struct frame_sub f;
	enum frame_err err;
	int type = frame_open(frame, len, &err);

	if (frame_unpack_sub(frame, len, &f, &err) == -1 ||
	    f.chan >= kd.cfg.max_channels)
		return -1;
	subs_or_die(f.chan, f.gen, bit_of(l->id), type == FRAME_SUB);
	return 0;
}

/* What a CHANOP produced goes into the log like a worker's frame. */
static void
chanop_chan(const struct frame_chan *f, void *arg)
{
	uint8_t buf[FRAME_MAX];
	uint64_t mask;
	int n;

	(void)arg;
	if ((n = frame_pack_chan(buf, sizeof(buf), f)) > 0 &&
	    (mask = subs_mask(R.subs, f->chan, f->gen)) != 0)
		(void)log_frame(buf, (size_t)n, mask,
		    ring_next_seq(kd.ring, f->chan));
}

static void
chanop_user(const struct frame_user *f, void *arg)
{
	uint8_t buf[FRAME_MAX];
	int n;

	(void)arg;
	if ((n = frame_pack_user(buf, sizeof(buf), f)) > 0 &&
	    f->target < WORKERS_MAX && R.byid[f->target] != NULL)
		(void)log_frame(buf, (size_t)n, bit_of(f->target), 0);
}

/* MODE, TOPIC and KICK are applied here, in the relay's order, so that
 * every member sees changes and messages in one order and two operators
 * acting at once end in the state that order gives. */
static int
route_chanop(struct rlink *l, const uint8_t *frame, size_t len,
    uint32_t *oslot, uint32_t *ogen)
{
	static const struct chanop_out out = { chanop_chan, chanop_user,
	    NULL };
	struct frame_chanop f;
	struct chanop_result res;
	enum frame_err err;
	int rc;

	if (frame_unpack_chanop(frame, len, &f, &err) == -1 ||
	    f.chan >= kd.cfg.max_channels)
		return -1;
	*oslot = f.oslot;
	*ogen = f.ogen;
	if (bridge_on())	/* every host applies it, from the stream */
		return bridge_route(l->id, (uint32_t)l->pid, frame, len);
	ctx_roster_lock();
	rc = chanop_apply(kd.roster, &f, kd.cfg.server_name, kd.now, &out,
	    &res);
	ctx_roster_unlock();
	if (res.override)
		log_info("oper %s used operator override on %s (%s)", res.who,
		    res.chan, f.op == FRAME_OP_MODE ? "MODE" : f.op ==
		    FRAME_OP_TOPIC ? "TOPIC" : "KICK");
	return rc;
}

/* The origin's labeled command, or its next line after a CHANOP, waits
 * for this: the frame is routed. */
static void
label_done_to(struct rlink *l, const struct frame_stamp *st, uint32_t oslot,
    uint32_t ogen, int chanop)
{
	struct frame_labeldone f;
	uint8_t buf[128];
	int n;

	memset(&f, 0, sizeof(f));
	f.st = *st;
	f.st.sflags = chanop ? FRAME_S_CHANOP : 0;
	f.oslot = oslot;
	f.ogen = ogen;
	if ((n = frame_pack_labeldone(buf, sizeof(buf), &f)) > 0)
		(void)log_frame(buf, (size_t)n, bit_of(l->id), 0);
}

/* Log room one routed frame may need: what a CHANOP produces (a MODE
 * line or three, a refusal per change), and the LABELDONE. */
static size_t
room_for(const uint8_t *frame, size_t len)
{
	enum frame_err err;

	if (frame_open(frame, len, &err) == FRAME_CHANOP)
		return (size_t)(MODES_MAX + 8) * (IRC_LINE_MAX + 128);
	return len + 128;
}

/* One routed frame from a ready link: 0 done, 1 no room in the log (try
 * again later), -1 malformed. */
static int
route(struct rlink *l, const uint8_t *frame, size_t len)
{
	struct frame_stamp st;
	enum frame_err err;
	uint32_t oslot = UINT32_MAX, ogen = 0;
	int rc;

	if (!ring_fits(kd.ring, room_for(frame, len)))
		return 1;
	if (frame_stamp_get(frame, len, &st) == -1)
		return -1;
	if (st.lseq <= l->lseq)
		return 0;	/* sent again: the log has it */
	if (st.lseq != l->lseq + 1 || st.origin != l->id ||
	    st.origin_pid != (uint32_t)l->pid) {
		log_warnx("worker %d sent link sequence %llu after %llu",
		    l->id, (unsigned long long)st.lseq,
		    (unsigned long long)l->lseq);
		return -1;
	}
	switch (frame_open(frame, len, &err)) {
	case FRAME_CHAN:
		rc = route_chan(l, frame, len, &oslot, &ogen);
		break;
	case FRAME_USER:
		rc = route_user(l, frame, len, &oslot, &ogen);
		break;
	case FRAME_MULTI:
		rc = route_multi(l, frame, len, &oslot, &ogen);
		break;
	case FRAME_CHANOP:
		rc = route_chanop(l, frame, len, &oslot, &ogen);
		break;
	case FRAME_SUB:
	case FRAME_UNSUB:
		rc = route_sub(l, frame, len);
		break;
	case FRAME_NICK:	/* cluster mode: a nick claim */
		rc = bridge_nick(l->id, (uint32_t)l->pid, frame, len);
		break;
	default:
		return -1;
	}
	/* a labeled frame, and every CHANOP: its sender waits for this
	 * (in cluster mode the bridge says it of a published frame, when
	 * the stream gives it back) */
	if (rc == 0 && oslot != UINT32_MAX && !(bridge_on() &&
	    (frame_open(frame, len, &err) == FRAME_CHAN ||
	    frame_open(frame, len, &err) == FRAME_MULTI ||
	    frame_open(frame, len, &err) == FRAME_CHANOP)) &&
	    (frame_open(frame, len, &err) == FRAME_CHANOP || st.label != 0))
		label_done_to(l, &st, oslot, ogen,
		    frame_open(frame, len, &err) == FRAME_CHANOP);
	if (rc == 0) {
		l->lseq = st.lseq;
		ring_origin_set(kd.ring, (unsigned)l->id, (uint32_t)l->pid,
		    link_kept(l));
	}
	return rc;
}

/* A routed frame: now, or after the frames held before it. */
static void
on_routed(struct rlink *l, const uint8_t *frame, size_t len)
{
	int rc = fifo_used(&l->held) > 0 ? 1 : route(l, frame, len);

	if (rc == -1) {
		link_close(l, "malformed routed frame");
		return;
	}
	if (rc == 1) {
		if (fifo_add(&l->held, frame, len, 65536) == -1)
			fatalx("out of memory holding a frame");
		peer_pause(l->peer, 1);
	}
}

/* Before each turn's reads: route what was held while the log was full. */
static void
held_run(void *arg)
{
	struct rlink *l;
	size_t flen;
	char *p;
	int rc;

	(void)arg;
	for (l = R.links; l != NULL; l = l->next) {
		while (l->peer != NULL && fifo_used(&l->held) > 0) {
			p = fifo_head(&l->held);
			flen = frame_len(p);
			if ((rc = route(l, (const uint8_t *)p, flen)) == 1)
				break;
			fifo_consume(&l->held, flen);
			if (rc == -1) {
				link_close(l, "malformed routed frame");
				break;
			}
		}
		if (l->peer != NULL && fifo_used(&l->held) == 0) {
			fifo_release(&l->held);
			if (!R.paused)
				peer_pause(l->peer, 0);
		}
	}
}

/* --- sending the log to a worker ---------------------------------------------- */

static size_t
log_pull(void *arg, struct iovec *iov, size_t max)
{
	struct rlink *l = arg;
	const uint8_t *frame;
	uint64_t pos = l->cursor, mask, bit = bit_of(l->id);
	size_t n = 0, len;
	int rc = 0;

	/* whatever leaves is in the history first: a link that turns
	 * writable in mid-turn would otherwise send frames whose rows the
	 * turn's end commits, and a reader could ask before they are there
	 * (a no-op when the turn's commit ran) */
	history_turn(NULL);
	if (max > PULL_MAX)
		max = PULL_MAX;
	R.pulling = l;
	while (n < max && (rc = ring_read(kd.ring, &pos, &frame, &len,
	    &mask)) == 1) {
		if (!(mask & bit)) {
			if (n == 0)
				l->cursor = pos;	/* nothing for it */
			continue;
		}
		iov[n].iov_base = (void *)(uintptr_t)frame;
		iov[n].iov_len = len;
		R.bytes[n] = (n > 0 ? R.bytes[n - 1] : 0) + len;
		R.ends[n++] = pos;
	}
	if (rc == -1 && n == 0) {
		log_warnx("relay log damaged at %llu: worker %d skips %llu "
		    "bytes", (unsigned long long)pos, l->id,
		    (unsigned long long)(ring_head(kd.ring) - pos));
		l->cursor = ring_head(kd.ring);
		ring_dest_set(kd.ring, (unsigned)l->id, (uint32_t)l->pid,
		    l->cursor);
		tail_update();
	}
	if (n == 0)
		l->progress_ms = kd.now_ms;	/* caught up */
	return n;
}

static void
log_sent(void *arg, size_t niov)
{
	struct rlink *l = arg;

	if (niov == 0 || R.pulling != l)
		return;
	l->cursor = R.ends[niov - 1];
	l->pending -= l->pending < R.bytes[niov - 1] ? l->pending :
	    R.bytes[niov - 1];
	l->progress_ms = kd.now_ms;
	l->stalled = 0;
	ring_dest_set(kd.ring, (unsigned)l->id, (uint32_t)l->pid, l->cursor);
	tail_update();
}

/* --- links ------------------------------------------------------------------------ */

static void
send_ack(struct rlink *l)
{
	struct frame_ack f = { link_kept(l) };
	uint8_t buf[32];
	int n;

	if ((n = frame_pack_ack(buf, sizeof(buf), &f)) > 0 &&
	    peer_send(l->peer, buf, (size_t)n) == 0)
		l->acked = f.lseq;
}

/* The bytes of the entries for l between its cursor and the head (a
 * link that resumes where an earlier one stopped). */
static uint64_t
pending_for(const struct rlink *l)
{
	const uint8_t *frame;
	uint64_t pos = l->cursor, mask, sum = 0;
	size_t len;

	while (ring_read(kd.ring, &pos, &frame, &len, &mask) == 1)
		if (mask & bit_of(l->id))
			sum += len;
	return sum;
}

/* Synced and no recovery under way: the first ACK tells the worker what
 * the log already has; from here on frames flow. */
static void
link_ready(struct rlink *l)
{
	struct peer_source src = { log_pull, log_sent, l };

	l->state = L_READY;
	l->pending = pending_for(l);
	l->lseq = ring_origin_lseq(kd.ring, (unsigned)l->id,
	    (uint32_t)l->pid);
	l->progress_ms = kd.now_ms;
	send_ack(l);
	peer_set_source(l->peer, &src);
	peer_set_budget(l->peer, RX_BUDGET, 32);
	log_debug("worker %d (pid %ld) ready: log at %llu, its frames up to "
	    "%llu kept", l->id, (long)l->pid,
	    (unsigned long long)l->cursor, (unsigned long long)l->lseq);
}

static void
forget_link(struct rlink *l)
{
	if (l->id >= 0 && R.byid[l->id] == l) {
		R.byid[l->id] = NULL;
		subs_drop(R.subs, bit_of(l->id));
	}
	if (R.pulling == l)
		R.pulling = NULL;
	fifo_release(&l->held);
	l->peer = NULL;
}

/* Close a link now; its memory goes at the end of the turn. */
static void
link_close(struct rlink *l, const char *why)
{
	if (l->peer == NULL)
		return;
	log_info("link to worker %d closed: %s", l->id, why);
	peer_close(l->peer);
	forget_link(l);
}

static int
was_replaced(pid_t pid)
{
	unsigned i;

	for (i = 0; i < R.nreplaced && i < REPLACED_MAX; i++)
		if (R.replaced[i] == pid)
			return 1;
	return 0;
}

/* Give up on a worker: the master kills it; its cursor holds no one. */
static void
replace(struct rlink *l, const char *why)
{
	struct frame_replace f;
	uint8_t buf[256];
	int n;

	log_warnx("worker %d (pid %ld) %s: asking the master to replace it",
	    l->id, (long)l->pid, why);
	f.id = (uint8_t)l->id;
	f.pid = (uint32_t)l->pid;
	f.why = why;
	f.whylen = strlen(why);
	if ((n = frame_pack_replace(buf, sizeof(buf), &f)) > 0 &&
	    peer_send(kd.ctl, buf, (size_t)n) == 0)
		peer_flush(kd.ctl);
	R.replaced[R.nreplaced++ % REPLACED_MAX] = l->pid;
	ring_dest_set(kd.ring, (unsigned)l->id, 0, 0);
	link_close(l, why);
	tail_update();
}

static void end_recovery(const char *why);

static int
on_hello(struct rlink *l, const uint8_t *frame, size_t len)
{
	struct frame_hello f;
	enum frame_err err;
	uint32_t pid;
	uint64_t cursor;

	if (frame_unpack_hello(frame, len, &f, &err) == -1 ||
	    f.version != FRAME_VERSION || f.id >= kd.nworkers ||
	    (pid_t)f.pid != l->pid || was_replaced(l->pid)) {
		log_warnx("bad HELLO (worker %u, pid %u, peer pid %ld)", f.id,
		    f.pid, (long)l->pid);
		return -1;
	}
	if (R.byid[f.id] != NULL && R.byid[f.id] != l)
		link_close(R.byid[f.id], "replaced by a new link");
	l->id = f.id;
	R.byid[f.id] = l;
	/* the same process carries on where it was; a new one from now */
	cursor = ring_dest(kd.ring, f.id, &pid);
	if (pid != f.pid || cursor < ring_tail(kd.ring) ||
	    cursor > ring_head(kd.ring))
		cursor = ring_head(kd.ring);
	l->cursor = cursor;
	ring_dest_set(kd.ring, f.id, f.pid, cursor);
	tail_update();
	l->state = L_SYNC;
	log_debug("worker %u (pid %u) linked", f.id, f.pid);
	return 0;
}

static int
on_synced(struct rlink *l, const uint8_t *frame, size_t len)
{
	struct frame_synced f;
	enum frame_err err;

	if (frame_unpack_synced(frame, len, &f, &err) == -1 ||
	    f.nsubs != l->nsubs)
		return -1;
	l->state = L_WAIT;
	if (!R.recovering) {
		link_ready(l);
		return 0;
	}
	R.expect &= ~bit_of(l->id);
	if (R.expect == 0)
		end_recovery("every worker is back");
	return 0;
}

/* A subscription resent after HELLO (unsequenced). */
static int
on_sync_sub(struct rlink *l, const uint8_t *frame, size_t len)
{
	struct frame_sub f;
	enum frame_err err;

	if (frame_unpack_sub(frame, len, &f, &err) == -1 ||
	    f.chan >= kd.cfg.max_channels || f.st.lseq != 0 ||
	    frame_open(frame, len, &err) != FRAME_SUB)
		return -1;
	l->nsubs++;
	subs_or_die(f.chan, f.gen, bit_of(l->id), 1);
	return 0;
}

static void
link_frame(struct peer *p, const uint8_t *frame, size_t len, void *arg)
{
	struct rlink *l = arg;
	enum frame_err err;
	int type, rc = 0;

	(void)p;
	if (frame == NULL) {
		log_info("link to worker %d closed: %s", l->id,
		    peer_error(p));
		forget_link(l);
		return;
	}
	type = frame_open(frame, len, &err);
	if (l->state == L_HELLO)
		rc = type == FRAME_HELLO ? on_hello(l, frame, len) : -1;
	else if (l->state == L_SYNC && type == FRAME_SUB)
		rc = on_sync_sub(l, frame, len);
	else if (l->state == L_SYNC && type == FRAME_SYNCED)
		rc = on_synced(l, frame, len);
	else if (l->state == L_READY && frame_is_routed((unsigned)type))
		on_routed(l, frame, len);
	else
		rc = -1;
	if (rc == -1)
		link_close(l, type > 0 ? frame_type_name((unsigned)type) :
		    frame_strerror(err));
}

static void
on_accept(int fd, uint32_t events, void *arg)
{
	struct ucred cr;
	socklen_t sl = sizeof(cr);
	struct rlink *l;
	int s;

	(void)events;
	(void)arg;
	while ((s = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >=
	    0) {
		if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &sl) == -1 ||
		    (cr.uid != getuid() && cr.uid != 0)) {
			log_warnx("relay.sock: refused a peer (uid %ld)",
			    (long)cr.uid);
			(void)close(s);
			continue;
		}
		if ((l = calloc(1, sizeof(*l))) == NULL)
			fatalx("out of memory for a link");
		l->id = -1;
		l->pid = cr.pid;
		l->state = L_HELLO;
		if ((l->peer = peer_new(kd.hub, s, "worker link", link_frame,
		    l)) == NULL)
			fatal("relay link");
		l->next = R.links;
		R.links = l;
	}
	if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
		log_warn("accept on relay.sock");
}

static void
links_reap(void)
{
	struct rlink **pp = &R.links, *l;

	while ((l = *pp) != NULL) {
		if (l->peer != NULL) {
			pp = &l->next;
			continue;
		}
		*pp = l->next;
		free(l);
	}
}

/* --- dead workers ---------------------------------------------------------------- */

static void
log_quit(const struct frame_multi *f, void *arg)
{
	uint8_t buf[FRAME_MAX];
	uint64_t mask = multi_mask(f);
	int n;

	(void)arg;
	if (bridge_on()) {
		bridge_relay_multi(f);
		return;
	}
	if (mask == 0 || (n = frame_pack_multi(buf, sizeof(buf), f)) == -1)
		return;
	if (!ring_fits(kd.ring, (size_t)n)) {
		log_warnx("relay log full: a QUIT is not sent");
		return;
	}
	(void)log_frame(buf, (size_t)n, mask, 0);
}

/* The master reaped worker id's process pid: its link, its place in the
 * log and its users go. */
static void
worker_gone(unsigned id, pid_t pid)
{
	uint32_t dpid;

	if (R.byid[id] != NULL && R.byid[id]->pid == pid)
		link_close(R.byid[id], "worker exited");
	(void)ring_dest(kd.ring, id, &dpid);
	if (dpid == (uint32_t)pid)
		ring_dest_set(kd.ring, id, 0, 0);
	tail_update();
	if (R.recovering) {
		if (R.ndeferred < sizeof(R.deferred) / sizeof(R.deferred[0]))
			R.deferred[R.ndeferred++] = pid;
		return;
	}
	(void)purge_pid(pid, "worker exited", log_quit, NULL);
}

static void
end_recovery(const char *why)
{
	pid_t dead[WORKERS_MAX * 4];
	struct rlink *l;
	unsigned i, n;

	if (!R.recovering)
		return;
	R.recovering = 0;
	log_info("relay log recovered (%s): %zu bytes to resend", why,
	    ring_used(kd.ring));
	for (l = R.links; l != NULL; l = l->next)
		if (l->peer != NULL && l->state == L_WAIT)
			link_ready(l);
	for (i = 0; i < R.ndeferred; i++)
		(void)purge_pid(R.deferred[i], "worker exited", log_quit, NULL);
	R.ndeferred = 0;
	n = purge_find_dead(dead, sizeof(dead) / sizeof(dead[0]));
	for (i = 0; i < n; i++)
		(void)purge_pid(dead[i], "found dead at relay start", log_quit,
		    NULL);
}

/* At start: which workers did the last relay serve? */
static void
begin_recovery(void)
{
	uint32_t pid;
	unsigned id;

	for (id = 0; id < WORKERS_MAX; id++) {
		(void)ring_dest(kd.ring, id, &pid);
		if (pid == 0)
			continue;
		if (id < kd.nworkers && kill((pid_t)pid, 0) == 0)
			R.expect |= bit_of((int)id);
		else
			ring_dest_set(kd.ring, id, 0, 0);
	}
	tail_update();
	R.recovering = 1;
	R.recover_by_ms = kd.now_ms + RECOVER_MS;
	if (R.expect == 0)
		end_recovery("no worker to wait for");
}

/* --- control ------------------------------------------------------------------ */

static void
ctl_frame(struct peer *p, const uint8_t *frame, size_t len, void *arg)
{
	static struct frame_reload rl;
	struct frame_worker_gone wg;
	enum frame_err err;
	int type;

	(void)p;
	(void)arg;
	if (frame == NULL) {
		log_warnx("master is gone; exiting");
		R.stopping = 1;
		ev_stop(kd.ev);
		return;
	}
	switch ((type = frame_open(frame, len, &err))) {
	case FRAME_SHUTDOWN:
		R.stopping = 1;
		ev_stop(kd.ev);
		break;
	case FRAME_RELOAD:
		if (frame_unpack_reload(frame, len, &rl, &err) == -1)
			fatalx("malformed RELOAD from the master: %s",
			    frame_strerror(err));
		kd.cfg = rl.cfg;
		log_setlevel(kd.cfg.log_level);
		ctx_tell_reloaded(rl.gen);
		break;
	case FRAME_WORKER_GONE:
		if (frame_unpack_worker_gone(frame, len, &wg, &err) == -1)
			fatalx("malformed WORKER_GONE: %s", frame_strerror(err));
		worker_gone(wg.id, (pid_t)wg.pid);
		break;
	default:
		fatalx("unexpected %s control frame",
		    frame_type_name((unsigned)type));
	}
}

/* --- the clock's jobs ------------------------------------------------------------ */

/* Lag and progress of every ready worker: pause the producers for one that
 * is behind but moving, replace one that is stuck. */
static void
tick(void *arg)
{
	uint64_t lag, soft = kd.cfg.relay_queue_max / 2, worst = 0;
	char why[96];
	struct rlink *l, *next;
	int moved = 0;

	(void)arg;
	if (R.recovering && kd.now_ms >= R.recover_by_ms)
		end_recovery("timed out waiting for workers");
	for (l = R.links; l != NULL; l = next) {
		next = l->next;
		if (l->peer == NULL || l->state != L_READY)
			continue;
		if ((lag = lag_of(l)) == 0) {
			/* nothing for it: what lies ahead is all foreign */
			l->progress_ms = kd.now_ms;
			if (l->cursor != ring_head(kd.ring)) {
				l->cursor = ring_head(kd.ring);
				ring_dest_set(kd.ring, (unsigned)l->id,
				    (uint32_t)l->pid, l->cursor);
				moved = 1;
			}
		}
		l->stalled = kd.now_ms - l->progress_ms > STALL_MARK_MS;
		if (lag > kd.cfg.relay_queue_max) {
			snprintf(why, sizeof(why), "is %llu bytes behind",
			    (unsigned long long)lag);
			replace(l, why);
		} else if (kd.now_ms - l->progress_ms >
		    (int64_t)kd.cfg.relay_stall_timeout * 1000) {
			snprintf(why, sizeof(why), "took no messages for %u "
			    "seconds", kd.cfg.relay_stall_timeout);
			replace(l, why);
		} else if (!l->stalled && lag > worst)
			worst = lag;
	}
	if (moved)
		tail_update();
	if (!R.paused && worst > soft) {
		R.paused = 1;
		log_debug("a worker is %llu bytes behind: pausing producers",
		    (unsigned long long)worst);
	} else if (R.paused && worst < soft / 2) {
		R.paused = 0;
		log_debug("workers caught up: reading producers again");
	} else
		return;
	for (l = R.links; l != NULL; l = l->next)
		if (l->peer != NULL && l->state == L_READY &&
		    fifo_used(&l->held) == 0)
			peer_pause(l->peer, R.paused);
}

/* Once a second: heartbeat; after a quiet second, give back the log's
 * free pages (a busy log would only fault them in again) and the
 * buffers'. */
static void
second(void *arg)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), alen, blen;
	void *a, *b;

	(void)arg;
	ctx_heartbeat();
	if (ring_head(kd.ring) != R.quiet_head) {
		R.quiet_head = ring_head(kd.ring);
		R.trimmed = 0;
		return;
	}
	if (R.trimmed)
		return;
	R.trimmed = 1;
	ring_free_spans(kd.ring, page, &a, &alen, &b, &blen);
	if (alen > 0 && madvise(a, alen, MADV_REMOVE) == -1)
		log_warn("madvise relay log");
	if (blen > 0 && madvise(b, blen, MADV_REMOVE) == -1)
		log_warn("madvise relay log");
	peer_hub_trim(kd.hub);
	malloc_trim(0);
}

/* Before each turn's writes: acknowledge what the log now holds. */
static void
turn_acks(void *arg)
{
	struct rlink *l;

	(void)arg;
	for (l = R.links; l != NULL; l = l->next)
		if (l->peer != NULL && l->state == L_READY &&
		    link_kept(l) > l->acked)
			send_ack(l);
}

static void
turn_end(void *arg)
{
	(void)arg;
	links_reap();
}

/* --- the process ------------------------------------------------------------------- */

/* The last relay may have ordered frames and died before it committed
 * them, and they are sent again: keep them first (once). */
static void
recover_history(void)
{
	uint64_t pos = ring_tail(kd.ring), mask;
	const uint8_t *frame;
	size_t len;

	while (ring_read(kd.ring, &pos, &frame, &len, &mask) == 1)
		history_note(frame, len);
	history_turn(NULL);
}

/* --- cluster mode: what the bridge asks of the relay ----------------------------- */

static uint64_t
br_chan_mask(uint32_t chan, uint32_t gen)
{
	return chan < kd.cfg.max_channels ? subs_mask(R.subs, chan, gen) : 0;
}

static void
br_unsub(int id, uint32_t chan, uint32_t gen)
{
	if (chan < kd.cfg.max_channels)
		subs_or_die(chan, gen, bit_of(id), 0);
}

static int
br_fits(size_t len)
{
	return ring_fits(kd.ring, len);
}

static int
br_routing(void)
{
	return !R.recovering;
}

static void
br_put(const uint8_t *frame, size_t len, uint64_t mask, uint64_t id,
    uint64_t time_ms, uint64_t seq)
{
	(void)log_put(frame, len, mask, id, time_ms, seq);
}

/* A line the relay sends one user of worker id: a REPLY (the line goes
 * to the client as it is) or a KILL (the line is why). */
static void
to_user(int id, uint32_t slot, uint32_t gen, uint8_t kind, const char *line,
    size_t len)
{
	struct frame_user f;
	uint8_t buf[FRAME_MAX];
	int n;

	if (id < 0 || id >= WORKERS_MAX || R.byid[id] == NULL)
		return;
	memset(&f, 0, sizeof(f));
	f.st.origin = FRAME_ORIGIN_RELAY;
	f.target = (uint8_t)id;
	f.tslot = slot;
	f.tgen = gen;
	f.oslot = UINT32_MAX;
	f.kind = kind;
	f.line = line;
	f.linelen = len;
	if ((n = frame_pack_user(buf, sizeof(buf), &f)) > 0 &&
	    ring_fits(kd.ring, (size_t)n))
		(void)log_frame(buf, (size_t)n, bit_of(id), 0);
}

static void
br_reply(int id, uint32_t slot, uint32_t gen, const char *line, size_t len)
{
	to_user(id, slot, gen, FRAME_K_REPLY, line, len);
}

static void
br_kill(uint32_t slot, uint32_t gen, const char *why)
{
	struct roster_user *u;
	int id = -1;

	ctx_roster_lock();
	if (roster_user_valid(kd.roster, (int32_t)slot, gen) &&
	    (u = roster_user(kd.roster, (int32_t)slot)) != NULL)
		id = u->worker;
	ctx_roster_unlock();
	to_user(id, slot, gen, FRAME_K_KILL, why, strlen(why));
}

static void
br_label_done(int id, uint32_t pid, const struct frame_stamp *st,
    uint32_t oslot, uint32_t ogen)
{
	struct rlink *l;

	if (id < 0 || id >= WORKERS_MAX || (l = R.byid[id]) == NULL ||
	    l->pid != (pid_t)pid)
		return;
	label_done_to(l, st, oslot, ogen, (st->sflags & FRAME_S_CHANOP) != 0);
}

static void
br_kept(int id)
{
	struct rlink *l;

	if (id >= 0 && id < WORKERS_MAX && (l = R.byid[id]) != NULL)
		ring_origin_set(kd.ring, (unsigned)l->id, (uint32_t)l->pid,
		    link_kept(l));
}

static void
br_state(int up)
{
	static int told;

	if (up && !told) {
		told = 1;
		ctx_tell_ready();	/* READY only once the stream is there */
	}
	if (!up)
		log_warnx("backbone: the stream cannot take messages now; "
		    "senders are told so");
}

static void
relay_init(void)
{
	char err[128];

	if ((kd.ring = ring_attach(kd.ringmem, kd.ringsize, err,
	    sizeof(err))) == NULL)
		fatalx("%s", err);
	if ((R.subs = subs_new(kd.cfg.max_channels)) == NULL)
		fatalx("out of memory");
	static const struct bridge_ops bops = { br_chan_mask, all_mask,
	    br_unsub, br_fits, br_routing, br_put, br_kill, br_reply,
	    br_label_done, br_kept, br_state };

	ctx_child_init(ctl_frame, NULL);
	begin_recovery();
	if (history_open() == 0)
		recover_history();
	bridge_init(&bops);
}

int
relay_main(void)
{
	struct rlink *l;

	/* init, attach */
	relay_init();
	/* register */
	if (ev_fd_add(kd.ev, kd.relay_fd, EPOLLIN, on_accept, NULL) == -1 ||
	    ev_timer_add(kd.ev, TICK_MS, TICK_MS, tick, NULL) == 0 ||
	    ev_timer_add(kd.ev, 1000, 1000, second, NULL) == 0 ||
	    ev_hook_add(kd.ev, held_run, NULL) == -1 ||
	    ev_hook_add(kd.ev, bridge_turn, NULL) == -1 ||
	    ev_hook_add(kd.ev, turn_acks, NULL) == -1 ||
	    ev_hook_add(kd.ev, history_turn, NULL) == -1 ||
	    ev_hook_add(kd.ev, peer_hub_turn, kd.hub) == -1 ||
	    ev_hook_add(kd.ev, turn_end, NULL) == -1)
		fatal("event loop");
	if (!bridge_on())
		ctx_tell_ready();	/* in cluster mode: connected first */
	ctx_heartbeat();
	/* loop */
	if (ev_run(kd.ev) == -1)
		fatal("epoll_wait");
	bridge_close();
	history_close();		/* what goes out below is kept */
	for (l = R.links; l != NULL; l = l->next)
		if (l->peer != NULL)
			peer_flush(l->peer);
	log_debug("relay exiting");
	return 0;
}
