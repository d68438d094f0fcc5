/*
 * relay.c -- the relay process: the hub that orders and routes messages.
 *
 * Accepts one SOCK_SEQPACKET link per worker on relay.sock (HELLO with
 * worker id, pid and RELAY_PROTO_VERSION; SO_PEERCRED must show the same
 * uid and pid).  Keeps, per channel (roster index + generation), the set
 * of workers with members there and the channel's sequence number.  A
 * CHAN frame is stamped (sequence, time) in place and the same buffer is
 * queued to every subscribed worker, the sender included; USER frames go
 * to one worker; MULTI frames (QUIT, NICK) to the union of their channels'
 * workers.  One process, one loop: its processing order is the order every
 * worker sees.
 *
 * Nothing is dropped: when a worker's queue passes RQ_HIGH the relay stops
 * reading every producer until all queues are under RQ_LOW; the workers
 * then hold frames in their own queues and stop reading their clients.
 * When the master reports a worker gone, the relay purges that pid's
 * roster slots and sends a QUIT for each of its users.
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

#include "log.h"
#include "relay_msg.h"
#include "roster.h"
#include "server.h"

#define RQ_HIGH		(16u << 20)	/* stop reading producers */
#define RQ_LOW		(4u << 20)	/* resume */
#define BATCH		32		/* packets per sendmmsg/recvmmsg */
#define PACK_IOV	128		/* frames per packet at most */
#define RX_PER_TURN	4096		/* frames read per loop turn */
#define TAG_LISTEN	1
#define TAG_CTL		2

struct rframe {
	uint32_t refs;
	uint32_t len;
	uint8_t	 data[];
};

struct rlink {
	int		 fd;
	int		 id;		/* worker id, -1 before HELLO */
	pid_t		 pid;		/* from SO_PEERCRED */
	int		 rx_pending;
	int		 wblocked;
	struct rframe	**q;		/* ring of frames to send */
	uint32_t	 qhead, qtail, qcap;
	size_t		 qbytes;
	struct rlink	*next;		/* all links */
};

struct rsub {
	uint32_t	 gen;
	uint64_t	 mask;		/* bit per worker id */
	uint64_t	 seq;
	struct rsub	*next;		/* other generations at this index */
};

struct relay {
	int		 ep;
	int		 lfd;
	struct rlink	*links;
	struct rlink	*byid[WORKERS_MAX];
	struct rsub	**subs;
	unsigned	 nsubs;
	uint64_t	 gseq;
	int		 paused;	/* not reading producers */
	int		 stopping;
	uint8_t		*rxbuf;
};

/* This process's relay context (the relay half of kd). */
static struct relay R;

static void link_close(struct rlink *l, const char *why);

/* --- subscriptions ---------------------------------------------------------- */

static struct rsub *
sub_find(int32_t idx, uint32_t gen, int create)
{
	struct rsub *s;

	if (idx < 0 || (unsigned)idx >= R.nsubs)
		return NULL;
	for (s = R.subs[idx]; s != NULL; s = s->next)
		if (s->gen == gen)
			return s;
	if (!create || (s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->gen = gen;
	s->next = R.subs[idx];
	R.subs[idx] = s;
	return s;
}

static void
sub_clear(int32_t idx, struct rsub *s, uint64_t bit)
{
	struct rsub **pp;

	s->mask &= ~bit;
	if (s->mask != 0)
		return;
	for (pp = &R.subs[idx]; *pp != NULL; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	free(s);
}

static void
sub_drop_worker(int id)
{
	struct rsub *s, *next;
	unsigned i;

	for (i = 0; i < R.nsubs; i++)
		for (s = R.subs[i]; s != NULL; s = next) {
			next = s->next;
			if (s->mask & (1ull << id))
				sub_clear((int32_t)i, s, 1ull << id);
		}
}

/* --- queues ----------------------------------------------------------------- */

static struct rframe *
frame_new(const uint8_t *p, size_t n)
{
	struct rframe *f = malloc(sizeof(*f) + n);

	if (f == NULL)
		fatalx("out of memory for a relay frame");
	f->refs = 0;
	f->len = (uint32_t)n;
	memcpy(f->data, p, n);
	return f;
}

static void
frame_unref(struct rframe *f)
{
	if (--f->refs == 0)
		free(f);
}

static void
enqueue(struct rlink *l, struct rframe *f)
{
	struct rframe **nq;
	uint32_t i, n;

	if (l->qtail - l->qhead == l->qcap) {
		n = l->qcap ? l->qcap * 2 : 1024;
		if ((nq = calloc(n, sizeof(*nq))) == NULL)
			fatalx("out of memory for a relay queue");
		for (i = 0; i < l->qcap; i++)
			nq[i] = l->q[(l->qhead + i) & (l->qcap - 1)];
		free(l->q);
		l->q = nq;
		l->qtail = l->qcap;
		l->qhead = 0;
		l->qcap = n;
	}
	f->refs++;
	l->q[l->qtail++ & (l->qcap - 1)] = f;
	l->qbytes += f->len;
	if (l->qbytes > RQ_HIGH && !R.paused) {
		R.paused = 1;
		log_debug("worker %d queue over %u bytes: pausing producers",
		    l->id, RQ_HIGH);
	}
}

/* Queue f to every worker in mask; frees f if nobody takes it. */
static void
route(struct rframe *f, uint64_t mask)
{
	struct rlink *l;
	int id;

	f->refs++;	/* hold it while routing */
	for (id = 0; id < WORKERS_MAX && mask != 0; id++, mask >>= 1)
		if ((mask & 1) && (l = R.byid[id]) != NULL)
			enqueue(l, f);
	frame_unref(f);
}

/* Send a link's queue in packets of whole frames (one iovec per frame,
 * up to RELAY_PACKET_MAX bytes and PACK_IOV frames per packet). */
static void
link_write(struct rlink *l)
{
	static struct iovec iov[BATCH][PACK_IOV];
	struct mmsghdr msg[BATCH];
	uint32_t nframes[BATCH] = { 0 }, n, i, at, k;
	size_t bytes;
	int sent;

	while (l->qhead != l->qtail && !l->wblocked) {
		memset(msg, 0, sizeof(msg));
		for (n = 0, at = l->qhead; n < BATCH && at != l->qtail; n++) {
			for (k = 0, bytes = 0; k < PACK_IOV && at != l->qtail;
			    k++, at++) {
				struct rframe *f = l->q[at & (l->qcap - 1)];
				if (k > 0 && bytes + f->len > RELAY_PACKET_MAX)
					break;
				iov[n][k].iov_base = f->data;
				iov[n][k].iov_len = f->len;
				bytes += f->len;
			}
			msg[n].msg_hdr.msg_iov = iov[n];
			msg[n].msg_hdr.msg_iovlen = k;
			nframes[n] = k;
		}
		sent = sendmmsg(l->fd, msg, n, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (sent == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				l->wblocked = 1;
			else
				link_close(l, strerror(errno));
			return;
		}
		for (i = 0; i < (uint32_t)sent; i++)
			for (k = 0; k < nframes[i]; k++) {
				struct rframe *f = l->q[l->qhead & (l->qcap - 1)];
				l->qbytes -= f->len;
				l->qhead++;
				frame_unref(f);
			}
	}
}

static void
check_resume(void)
{
	struct rlink *l;

	if (!R.paused)
		return;
	for (l = R.links; l != NULL; l = l->next)
		if (l->fd >= 0 && l->qbytes > RQ_LOW)
			return;
	R.paused = 0;
	log_debug("queues drained: reading producers again");
}

/* --- purge of a dead worker's users ------------------------------------------- */

struct gone_user {
	char	 prefix[PREFIX_MAX + 1];
	char	 nick[NICK_MAX + 1];
	int	 registered;
	unsigned n;
	int32_t	 idx[CHANS_PER_USER_MAX];
	uint32_t gen[CHANS_PER_USER_MAX];
};

struct gone_list {
	struct gone_user *v;
	unsigned	  n, cap;
};

static void
collect_gone(struct roster *r, int32_t slot, void *arg)
{
	struct gone_list *gl = arg;
	struct roster_user *u = roster_user(r, slot);
	struct gone_user *g, *nv;
	unsigned k;

	if (gl->n == gl->cap) {
		unsigned ncap = gl->cap ? gl->cap * 2 : 64;
		if ((nv = reallocarray(gl->v, ncap, sizeof(*nv))) == NULL)
			return;
		gl->v = nv;
		gl->cap = ncap;
	}
	g = &gl->v[gl->n++];
	snprintf(g->prefix, sizeof(g->prefix), "%s!%s@%s", u->nick, u->user,
	    u->host);
	snprintf(g->nick, sizeof(g->nick), "%s", u->nick);
	g->registered = u->state == ROSTER_REG;
	g->n = 0;
	for (k = 0; k < u->nchans; k++) {
		int32_t c = roster_user_ext(r, slot)->chans[k];
		struct roster_chan *ch = roster_chan(r, c);
		if (ch == NULL)
			continue;
		g->idx[g->n] = c;
		g->gen[g->n++] = ch->gen;
	}
}

static void
quit_gone(const struct gone_user *g, unsigned active)
{
	uint8_t buf[RELAY_FRAME_MAX];
	struct relay_msg_w w;
	char line[IRC_LINE_MAX];
	uint64_t mask = 0;
	struct rsub *s;
	unsigned i;
	int len, n;

	if (!g->registered)
		return;
	log_info("[-] disconnected: %s (Active: %u)", g->nick, active);
	len = snprintf(line, sizeof(line), ":%s QUIT :Connection lost "
	    "(server worker restarted)", g->prefix);
	relay_msg_begin(&w, buf, sizeof(buf), RELAY_MULTI);
	relay_msg_add_u64(&w, ++R.gseq);
	relay_msg_add_u64(&w, (uint64_t)kd.now_real_ms);
	relay_msg_add_u32(&w, UINT32_MAX);
	relay_msg_add_u32(&w, 0);
	relay_msg_add_u8(&w, RELAY_K_QUIT);
	relay_msg_add_u16(&w, (uint16_t)g->n);
	for (i = 0; i < g->n; i++) {
		relay_msg_add_u32(&w, (uint32_t)g->idx[i]);
		relay_msg_add_u32(&w, g->gen[i]);
		relay_msg_add_u8(&w, 0);
		if ((s = sub_find(g->idx[i], g->gen[i], 0)) != NULL)
			mask |= s->mask;
	}
	relay_msg_add_str(&w, line, (size_t)len);
	if ((n = relay_msg_end(&w)) > 0 && mask != 0)
		route(frame_new(buf, (size_t)n), mask);
}

static void
purge_pid(pid_t pid, const char *why)
{
	struct gone_list gl = { NULL, 0, 0 };
	struct roster_counts rc;
	unsigned i, n;
	int rcl;

	if ((rcl = roster_lock(kd.roster)) == -1)
		fatalx("roster lock is unusable");
	if (rcl == 1)
		log_warnx("roster repaired after a process died holding its "
		    "lock");
	n = roster_purge_pid(kd.roster, pid, collect_gone, &gl);
	roster_get_counts(kd.roster, &rc);
	roster_unlock(kd.roster);
	if (n > 0)
		log_info("purged %u connection(s) of pid %ld (%s)", n,
		    (long)pid, why);
	for (i = 0; i < gl.n; i++)
		quit_gone(&gl.v[i], rc.registered);
	free(gl.v);
}

/* At start: slots owned by processes that no longer exist. */
static void
purge_dead(void)
{
	pid_t pids[WORKERS_MAX * 4];
	unsigned np = 0, j;
	int32_t i, lim;
	struct roster_user *u;

	if (roster_lock(kd.roster) == -1)
		fatalx("roster lock is unusable");
	lim = roster_user_limit(kd.roster);
	for (i = 0; i < lim; i++) {
		if ((u = roster_user(kd.roster, i)) == NULL)
			continue;
		for (j = 0; j < np && pids[j] != u->pid; j++)
			;
		if (j == np && np < sizeof(pids) / sizeof(pids[0]))
			pids[np++] = u->pid;
	}
	roster_unlock(kd.roster);
	for (j = 0; j < np; j++)
		if (kill(pids[j], 0) == -1 && errno == ESRCH)
			purge_pid(pids[j], "found dead at relay start");
}

/* --- frames from workers ------------------------------------------------------- */

static int
on_hello(struct rlink *l, struct relay_msg_r *r)
{
	uint16_t ver = relay_msg_get_u16(r);
	uint8_t id = relay_msg_get_u8(r);
	uint32_t pid = relay_msg_get_u32(r);

	if (relay_msg_done(r) == -1 || ver != RELAY_PROTO_VERSION ||
	    id >= kd.nworkers || (pid_t)pid != l->pid) {
		log_warnx("bad HELLO (version %u, worker %u, pid %u, peer pid "
		    "%ld)", ver, id, pid, (long)l->pid);
		return -1;
	}
	if (R.byid[id] != NULL && R.byid[id] != l)
		link_close(R.byid[id], "replaced by a new link");
	l->id = id;
	R.byid[id] = l;
	log_debug("worker %u (pid %u) linked", id, pid);
	return 0;
}

static int
on_sub(struct rlink *l, struct relay_msg_r *r, int on)
{
	int32_t idx = (int32_t)relay_msg_get_u32(r);
	uint32_t gen = relay_msg_get_u32(r);
	struct rsub *s;

	if (relay_msg_done(r) == -1)
		return -1;
	if (on) {
		if ((s = sub_find(idx, gen, 1)) == NULL)
			return -1;
		s->mask |= 1ull << l->id;
	} else if ((s = sub_find(idx, gen, 0)) != NULL)
		sub_clear(idx, s, 1ull << l->id);
	return 0;
}

/* Check the variable tail shared by CHAN and USER: tags, line. */
static int
check_tail(struct relay_msg_r *r)
{
	size_t n;

	(void)relay_msg_get_str(r, &n);
	if (relay_msg_get_str(r, &n) == NULL || n == 0 || n > IRC_LINE_MAX - 2)
		return -1;
	return relay_msg_done(r);
}

static int
on_chan(struct rlink *l, struct relay_msg_r *r, const uint8_t *buf,
    size_t len)
{
	int32_t idx;
	uint32_t gen;
	uint8_t kind, flags;
	struct rsub *s;
	uint64_t bit = 1ull << l->id;

	(void)relay_msg_get_u64(r);
	(void)relay_msg_get_u64(r);
	idx = (int32_t)relay_msg_get_u32(r);
	gen = relay_msg_get_u32(r);
	(void)relay_msg_get_u32(r);
	(void)relay_msg_get_u32(r);
	kind = relay_msg_get_u8(r);
	flags = relay_msg_get_u8(r);
	if (check_tail(r) == -1 || kind == 0 || kind >= RELAY_K_KIND_MAX ||
	    idx < 0 || (unsigned)idx >= R.nsubs)
		return -1;
	s = sub_find(idx, gen, (flags & RELAY_F_SUB) != 0);
	if (s == NULL)
		return 0;	/* nobody subscribed: a dead generation */
	if (flags & RELAY_F_SUB)
		s->mask |= bit;
	{
		struct rframe *f = frame_new(buf, len);
		relay_msg_stamp(f->data, ++s->seq, (uint64_t)kd.now_real_ms);
		route(f, s->mask);
	}
	if (flags & RELAY_F_UNSUB)
		sub_clear(idx, s, bit);
	return 0;
}

static int
on_user(struct relay_msg_r *r, const uint8_t *buf, size_t len)
{
	uint8_t target, kind;
	struct rframe *f;

	(void)relay_msg_get_u64(r);
	(void)relay_msg_get_u64(r);
	target = relay_msg_get_u8(r);
	(void)relay_msg_get_u32(r);
	(void)relay_msg_get_u32(r);
	(void)relay_msg_get_u32(r);
	(void)relay_msg_get_u32(r);
	kind = relay_msg_get_u8(r);
	if (check_tail(r) == -1 || kind == 0 || kind >= RELAY_K_KIND_MAX ||
	    target >= WORKERS_MAX)
		return -1;
	if (R.byid[target] == NULL)
		return 0;
	f = frame_new(buf, len);
	relay_msg_stamp(f->data, ++R.gseq, (uint64_t)kd.now_real_ms);
	route(f, 1ull << target);
	return 0;
}

static int
on_multi(struct rlink *l, struct relay_msg_r *r, const uint8_t *buf,
    size_t len)
{
	const uint8_t *list;
	uint64_t mask = 0, bit = 1ull << l->id;
	struct rframe *f;
	struct rsub *s;
	int32_t idx;
	uint32_t gen, i;
	uint16_t n;
	size_t sl;

	(void)relay_msg_get_u64(r);
	(void)relay_msg_get_u64(r);
	(void)relay_msg_get_u32(r);
	(void)relay_msg_get_u32(r);
	(void)relay_msg_get_u8(r);
	n = relay_msg_get_u16(r);
	list = relay_msg_get_bytes(r, (size_t)n * 9);
	if (list == NULL || relay_msg_get_str(r, &sl) == NULL || sl == 0 ||
	    sl > IRC_LINE_MAX - 2 || relay_msg_done(r) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		memcpy(&idx, list + i * 9, 4);
		memcpy(&gen, list + i * 9 + 4, 4);
		if ((s = sub_find(idx, gen, 0)) != NULL)
			mask |= s->mask;
	}
	if (mask != 0) {
		f = frame_new(buf, len);
		relay_msg_stamp(f->data, ++R.gseq, (uint64_t)kd.now_real_ms);
		route(f, mask);
	}
	for (i = 0; i < n; i++) {
		memcpy(&idx, list + i * 9, 4);
		memcpy(&gen, list + i * 9 + 4, 4);
		if ((list[i * 9 + 8] & RELAY_F_UNSUB) &&
		    (s = sub_find(idx, gen, 0)) != NULL)
			sub_clear(idx, s, bit);
	}
	return 0;
}

static int
on_frame(struct rlink *l, const uint8_t *buf, size_t len)
{
	struct relay_msg_r r;

	if (relay_msg_open(&r, buf, len) == -1) {
		log_warnx("bad frame from worker %d: %s", l->id,
		    relay_msg_strerror(r.err));
		return -1;
	}
	if (l->id < 0 && r.type != RELAY_HELLO) {
		log_warnx("%s frame before HELLO", relay_type_name(r.type));
		return -1;
	}
	switch (r.type) {
	case RELAY_HELLO:
		return l->id < 0 ? on_hello(l, &r) : -1;
	case RELAY_SUB:
		return on_sub(l, &r, 1);
	case RELAY_UNSUB:
		return on_sub(l, &r, 0);
	case RELAY_CHAN:
		return on_chan(l, &r, buf, len);
	case RELAY_USER:
		return on_user(&r, buf, len);
	case RELAY_MULTI:
		return on_multi(l, &r, buf, len);
	default:
		log_warnx("unexpected %s frame from worker %d",
		    relay_type_name(r.type), l->id);
		return -1;
	}
}

static void
link_read(struct rlink *l)
{
	struct mmsghdr msg[BATCH];
	struct iovec iov[BATCH];
	int n, i, total = 0;

	l->rx_pending = 0;
	while (total < RX_PER_TURN && !R.paused) {
		memset(msg, 0, sizeof(msg));
		for (i = 0; i < BATCH; i++) {
			iov[i].iov_base = R.rxbuf + (size_t)i * RELAY_PACKET_MAX;
			iov[i].iov_len = RELAY_PACKET_MAX;
			msg[i].msg_hdr.msg_iov = &iov[i];
			msg[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(l->fd, msg, BATCH, MSG_DONTWAIT, NULL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				link_close(l, strerror(errno));
			return;
		}
		for (i = 0; i < n; i++) {
			const uint8_t *f;
			size_t off = 0, flen;
			int rc;

			if (msg[i].msg_len == 0) {
				link_close(l, "end of file");
				return;
			}
			if (msg[i].msg_hdr.msg_flags & MSG_TRUNC) {
				link_close(l, "packet too big");
				return;
			}
			while ((rc = relay_msg_next(iov[i].iov_base,
			    msg[i].msg_len, &off, &f, &flen)) == 1) {
				if (on_frame(l, f, flen) == -1 || l->fd < 0) {
					link_close(l, "protocol error");
					return;
				}
				total++;
			}
			if (rc == -1) {
				link_close(l, "malformed packet");
				return;
			}
		}
		if (n == 0) {
			link_close(l, "end of file");
			return;
		}
		if (n < BATCH)
			return;
	}
	l->rx_pending = 1;
}

/* --- links ----------------------------------------------------------------------- */

/* Close a link now; its memory goes at the end of the turn (links_reap),
 * since loops over the link list may still hold it. */
static void
link_close(struct rlink *l, const char *why)
{
	if (l->fd < 0)
		return;
	log_info("link to worker %d closed: %s", l->id, why);
	close(l->fd);
	l->fd = -1;
	if (l->id >= 0 && R.byid[l->id] == l) {
		R.byid[l->id] = NULL;
		sub_drop_worker(l->id);
	}
	while (l->qhead != l->qtail)
		frame_unref(l->q[l->qhead++ & (l->qcap - 1)]);
	l->qhead = l->qtail = 0;
	l->qbytes = 0;
	l->rx_pending = 0;
	check_resume();
}

static void
links_reap(void)
{
	struct rlink **pp = &R.links, *l;

	while ((l = *pp) != NULL) {
		if (l->fd >= 0) {
			pp = &l->next;
			continue;
		}
		*pp = l->next;
		free(l->q);
		free(l);
	}
}

static void
link_accept(void)
{
	struct ucred cr;
	socklen_t sl = sizeof(cr);
	struct rlink *l;
	int fd;

	while ((fd = accept4(R.lfd, NULL, NULL, SOCK_NONBLOCK |
	    SOCK_CLOEXEC)) >= 0) {
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &sl) == -1 ||
		    (cr.uid != getuid() && cr.uid != 0)) {
			log_warnx("relay.sock: refused a peer (uid %ld)",
			    (long)cr.uid);
			close(fd);
			continue;
		}
		if ((l = calloc(1, sizeof(*l))) == NULL)
			fatalx("out of memory for a link");
		l->fd = fd;
		l->id = -1;
		l->pid = cr.pid;
		l->rx_pending = 1;
		l->next = R.links;
		R.links = l;
		if (ep_add(R.ep, fd, EPOLLIN | EPOLLOUT | EPOLLET | EPOLLRDHUP,
		    (epoll_data_t){ .ptr = l }) == -1)
			fatal("epoll_ctl link");
	}
	if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
		log_warn("accept on relay.sock");
}

/* --- control ------------------------------------------------------------------ */

static void
ctl_frame(struct relay_msg_r *r, void *arg)
{
	const void *nc;
	uint8_t id;
	uint32_t pid;

	(void)arg;
	switch (r->type) {
	case RELAY_CTL_SHUTDOWN:
		R.stopping = 1;
		break;
	case RELAY_CTL_RELOAD:
		if ((nc = relay_msg_get_bytes(r, sizeof(kd.cfg))) == NULL)
			fatalx("malformed RELOAD frame from the master");
		memcpy(&kd.cfg, nc, sizeof(kd.cfg));
		log_setlevel(kd.cfg.log_level);
		break;
	case RELAY_CTL_WORKER_GONE:
		id = relay_msg_get_u8(r);
		pid = relay_msg_get_u32(r);
		if (relay_msg_done(r) == -1)
			fatalx("malformed WORKER_GONE");
		if (id < WORKERS_MAX && R.byid[id] != NULL &&
		    R.byid[id]->pid == (pid_t)pid)
			link_close(R.byid[id], "worker exited");
		purge_pid((pid_t)pid, "worker exited");
		break;
	default:
		fatalx("unexpected %s control frame", relay_type_name(r->type));
	}
}

static void
ctl_read(void)
{
	switch (ctl_recv(kd.ctl, ctl_frame, NULL)) {
	case -1:
		log_warnx("master is gone; exiting");
		R.stopping = 1;
		break;
	case -2:
		fatalx("malformed control frame from the master");
	}
}

/* Once a second: hand back the receive batch's pages and free heap. */
static void
idle_trim(void)
{
	struct rlink *l;

	if (madvise(R.rxbuf, (size_t)BATCH * RELAY_PACKET_MAX,
	    MADV_DONTNEED) == -1)
		log_warn("madvise relay receive buffer");
	for (l = R.links; l != NULL; l = l->next)
		if (l->fd >= 0 && l->qhead == l->qtail && l->qcap > 1024) {
			free(l->q);	/* an empty, outgrown queue */
			l->q = NULL;
			l->qhead = l->qtail = l->qcap = 0;
		}
	malloc_trim(0);
}

static void
lock_wait_hook(void *arg)
{
	(void)arg;
	clock_update();
	ctl_send_u32(kd.ctl, RELAY_CTL_HEARTBEAT, 2, 0, 0);
}

/* --- the loop ---------------------------------------------------------------------- */

static void
relay_init(void)
{
	if ((R.ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		fatal("epoll_create1");
	R.lfd = kd.relay_fd;	/* relay.sock, bound by the master */
	R.nsubs = kd.cfg.max_channels;
	if ((R.subs = calloc(R.nsubs, sizeof(*R.subs))) == NULL)
		fatalx("out of memory");
	R.rxbuf = mmap(NULL, (size_t)BATCH * RELAY_PACKET_MAX, PROT_READ |
	    PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (R.rxbuf == MAP_FAILED)
		fatal("mmap relay receive buffer");
	if (ep_add(R.ep, R.lfd, EPOLLIN, (epoll_data_t){ .u64 = TAG_LISTEN })
	    == -1)
		fatal("epoll_ctl relay.sock");
	if (ep_add(R.ep, kd.ctl, EPOLLIN, (epoll_data_t){ .u64 = TAG_CTL })
	    == -1)
		fatal("epoll_ctl control socket");
	roster_set_wait_hook(kd.roster, lock_wait_hook, NULL);
}

static void
on_event(struct epoll_event *ev)
{
	struct rlink *l;

	if (ev->data.u64 == TAG_LISTEN) {
		link_accept();
		return;
	}
	if (ev->data.u64 == TAG_CTL) {
		ctl_read();
		return;
	}
	l = ev->data.ptr;
	if (l->fd < 0)
		return;
	if (ev->events & EPOLLOUT)
		l->wblocked = 0;
	if (ev->events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP))
		l->rx_pending = 1;
}

int
relay_main(void)
{
	struct epoll_event evs[64];
	struct rlink *l;
	int64_t last_hb = 0;
	int n, i, busy;

	relay_init();
	clock_update();
	purge_dead();
	ctl_send_u32(kd.ctl, RELAY_CTL_READY, 1, (uint32_t)kd.pid, 0);
	while (!R.stopping) {
		busy = 0;
		for (l = R.links; l != NULL && !R.paused; l = l->next)
			busy |= l->fd >= 0 && l->rx_pending;
		n = epoll_wait(R.ep, evs, 64, busy ? 0 : 1000);
		if (n == -1 && errno != EINTR)
			fatal("epoll_wait");
		clock_update();
		for (i = 0; i < n; i++)
			on_event(&evs[i]);
		for (l = R.links; l != NULL; l = l->next)
			if (l->fd >= 0 && l->rx_pending && !R.paused)
				link_read(l);
		for (l = R.links; l != NULL; l = l->next)
			if (l->fd >= 0)
				link_write(l);
		links_reap();
		check_resume();
		if (kd.now_ms - last_hb >= 1000) {
			last_hb = kd.now_ms;
			ctl_send_u32(kd.ctl, RELAY_CTL_HEARTBEAT, 2, 0, 0);
			idle_trim();
		}
	}
	for (l = R.links; l != NULL; l = l->next)
		if (l->fd >= 0)
			link_write(l);
	log_debug("relay exiting");
	return 0;
}
