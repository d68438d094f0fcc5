/*
 * bridge.c -- the relay in cluster mode: see bridge.h.
 */
#include <sys/epoll.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backbone.h"
#include "bbmsg.h"
#include "bridge.h"
#include "chanop.h"
#include "ctx.h"
#include "ev.h"
#include "history.h"
#include "log.h"
#include "ring.h"
#include "roster.h"
#include "valid.h"

#define DROP_LOG_EVERY	1000	/* foreign messages: one warning per */
#define ID_SHIFT	24	/* a stream message's id: its sequence << 24,
				 * and the host's own frames between two
				 * stream messages count on from there */

/* A worker's frame published and not yet acknowledged by the stream. */
struct pend {
	uint64_t lseq;
	uint32_t oslot, ogen, label;
	uint8_t	 kind, done;
	uint8_t	 nick;			/* a nick claim: target is the nick */
	uint8_t	 lookup;		/* a private message waiting for its
					 * target's host: target is the nick,
					 * frame the message */
	uint8_t	 tries;			/* its writes so far */
	uint8_t	 chanop;		/* a CHANOP (its op): the sender's
					 * input waits for it */
	int32_t	 chan;			/* JOIN: the slot, to undo */
	char	 target[NICK_MAX > CHAN_MAX ? NICK_MAX + 1 : CHAN_MAX + 1];
	uint8_t	*frame;			/* events: delivered here if refused */
	size_t	 len;
};

/* One worker process's publishes, in link order. */
struct pendq {
	struct pend *v;
	size_t	 head, n, cap;
	uint32_t pid;
};

/* The name a channel slot had when this relay last saw it: a QUIT names
 * no room, and the roster has freed the rooms its user was the last
 * member of here by the time the frame comes. */
struct slotname {
	uint32_t gen;
	uint8_t	 used;
	uint8_t	 made;		/* made here by a JOIN not yet back from
				 * the stream: by this user */
	uint32_t mslot, mgen;
	char	 name[CHAN_MAX + 1];
};

/* A user of another host, as this host learnt it from the stream (its
 * JOINs, PARTs, KICKs, NICKs and QUITs): when its host's lease runs out,
 * its QUIT goes out for it. */
struct ruser {
	struct ruser	*next;
	char		 node[BB_NODE_MAX + 1];
	uint64_t	 boot;
	uint32_t	 slot, gen;	/* on its host */
	char		 prefix[PREFIX_MAX + 1];	/* nick!user@host */
	char		 account[NICK_MAX + 1];
	char		(*rooms)[CHAN_MAX + 1];
	uint16_t	 n, cap;
	int32_t		 ms;		/* its mirror in this host's roster */
	uint32_t	 mg;		/* (slot and generation), ms -1: none */
	uint8_t		 stale;		/* a sweep found its host gone */
};

#define RUSER_BUCKETS	4096
#define BB_F_GONE	0x80	/* MULTI QUIT: the user's host is gone */

static struct {
	int		 on, up, ever_up;
	struct slotname	*names;		/* [max_channels] */
	struct ruser	*rusers[RUSER_BUCKETS];
	struct bridge_ops ops;
	char		 node[BB_NODE_MAX + 1];
	size_t		 nodelen;
	uint64_t	 boot;
	uint64_t	 rseq;		/* the relay's own publishes */
	struct pendq	 q[WORKERS_MAX];
	int		 efd;
	int		 stalled;	/* the log was full: messages wait */
	uint64_t	 dropped;
	uint64_t	 news_after;	/* messages up to it are history only */
	int		 resumed;	/* a respawned relay: all of it is news */
	uint8_t		 buf[FRAME_MAX];
	uint8_t		 msg[BB_MSG_MAX];
} G = { .efd = -1 };

/* backbone is not reloadable: decided once, then a load on the hot path */
int
bridge_on(void)
{
	static int on = -1;

	if (on == -1)
		on = config_cluster(&kd.cfg);
	return on;
}

/* --- the pending queues ------------------------------------------------------ */

static struct pend *
pq_at(struct pendq *q, size_t i)
{
	return &q->v[(q->head + i) % q->cap];
}

static struct pend *
pq_push(struct pendq *q)
{
	struct pend *nv, *p;
	size_t i;

	if (q->n == q->cap) {
		size_t ncap = q->cap ? q->cap * 2 : 64;

		if ((nv = calloc(ncap, sizeof(*nv))) == NULL)
			fatalx("out of memory for the backbone's publishes");
		for (i = 0; i < q->n; i++)
			nv[i] = *pq_at(q, i);
		free(q->v);
		q->v = nv;
		q->cap = ncap;
		q->head = 0;
	}
	p = pq_at(q, q->n++);
	memset(p, 0, sizeof(*p));
	return p;
}

/* The entry for lseq (the queue is in link order), or NULL. */
static struct pend *
pq_find(struct pendq *q, uint64_t lseq)
{
	size_t lo = 0, hi = q->n, mid;
	struct pend *p;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		p = pq_at(q, mid);
		if (p->lseq == lseq)
			return p;
		if (p->lseq < lseq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void
pq_clear(struct pendq *q, uint32_t pid)
{
	size_t i;

	for (i = 0; i < q->n; i++)
		free(pq_at(q, i)->frame);
	q->head = q->n = 0;
	q->pid = pid;
}

static void
pq_pop_done(struct pendq *q)
{
	struct pend *p;

	while (q->n > 0 && (p = pq_at(q, 0))->done) {
		free(p->frame);
		p->frame = NULL;
		q->head = (q->head + 1) % q->cap;
		q->n--;
	}
}

uint64_t
bridge_kept(int id, uint32_t pid, uint64_t lseq)
{
	struct pendq *q;

	if (!G.on || id < 0 || id >= WORKERS_MAX)
		return lseq;
	q = &G.q[id];
	if (q->pid != pid) {
		pq_clear(q, pid);
		return lseq;
	}
	return q->n == 0 ? lseq : pq_at(q, 0)->lseq - 1;
}

/* --- publishing ------------------------------------------------------------------ */

static void
remember(uint32_t chan, uint32_t gen, const char *name)
{
	if (chan >= kd.cfg.max_channels)
		return;
	if (G.names[chan].gen != gen || !G.names[chan].used)
		G.names[chan].made = 0;
	G.names[chan].gen = gen;
	G.names[chan].used = 1;
	snprintf(G.names[chan].name, sizeof(G.names[chan].name), "%s", name);
}

/* The name of channel slot chan of generation gen (the roster's, or the
 * one it had when this relay last saw it), or -1. */
static int
chan_name(uint32_t chan, uint32_t gen, char *name, size_t namesz)
{
	struct roster_chan *ch;
	int rc = -1;

	ctx_roster_lock();
	if ((ch = roster_chan(kd.roster, (int32_t)chan)) != NULL &&
	    ch->used && ch->gen == gen) {
		snprintf(name, namesz, "%s", ch->name);
		rc = 0;
	}
	ctx_roster_unlock();
	if (rc == 0)
		remember(chan, gen, name);
	else if (chan < kd.cfg.max_channels && G.names[chan].used &&
	    G.names[chan].gen == gen) {
		snprintf(name, namesz, "%s", G.names[chan].name);
		rc = 0;
	}
	return rc;
}

/* The slot and generation of channel name on this host, or -1. */
static int32_t
chan_local(const char *name, size_t len, uint32_t *gen)
{
	char n[CHAN_MAX + 1];
	struct roster_chan *ch;
	int32_t idx;

	if (len > CHAN_MAX)
		return -1;
	memcpy(n, name, len);
	n[len] = '\0';
	ctx_roster_lock();
	if ((idx = roster_chan_find(kd.roster, n)) >= 0 &&
	    (ch = roster_chan(kd.roster, idx)) != NULL && ch->used)
		*gen = ch->gen;
	else
		idx = -1;
	ctx_roster_unlock();
	return idx;
}

static void
origin_of(struct bb_origin *o, int id, uint32_t pid,
    const struct frame_stamp *st, uint32_t oslot, uint32_t ogen,
    uint8_t kind, uint8_t flags)
{
	o->node = G.node;
	o->nodelen = G.nodelen;
	o->boot = G.boot;
	o->worker = (uint8_t)id;
	o->pid = pid;
	o->lseq = st->lseq;
	o->label = st->label;
	o->oslot = oslot;
	o->ogen = ogen;
	o->kind = kind;
	o->flags = flags;
	o->sflags = st->sflags;
}

/* The message id JetStream de-duplicates by: the same frame sent again
 * after a relay restart has the same one. */
static void
msgid_of(char *dst, size_t dstsz, int id, uint32_t pid, uint64_t lseq)
{
	if (id == FRAME_ORIGIN_RELAY)
		snprintf(dst, dstsz, "%s.%" PRIu64 ".r.%" PRIu64, G.node,
		    G.boot, ++G.rseq);
	else
		snprintf(dst, dstsz, "%s.%" PRIu64 ".%d.%" PRIu32 ".%" PRIu64,
		    G.node, G.boot, id, pid, lseq);
}

static int
room_subject(const char *chan, char *dst, size_t dstsz)
{
	char tok[2 * CHAN_MAX + 1];

	if (bbmsg_room_token(chan, tok, sizeof(tok)) == -1)
		return -1;
	return snprintf(dst, dstsz, "keochat.room.%s", tok) < (int)dstsz ?
	    0 : -1;
}

/* Word skip of ":src CMD a b ..." (0 is src; a ':' before it dropped)
 * into dst: 0, or -1 when it is empty or longer than max. */
static int
line_word(const char *line, size_t len, int skip, char *dst, size_t dstsz,
    size_t max)
{
	const char *p = line, *end = line + len, *t;
	size_t n;
	int i;

	for (i = 0; i < skip; i++) {
		while (p < end && *p != ' ')
			p++;
		while (p < end && *p == ' ')
			p++;
	}
	if (p < end && *p == ':')
		p++;
	for (t = p; p < end && *p != ' '; p++)
		;
	n = (size_t)(p - t);
	if (n == 0 || n >= dstsz || n > max)
		return -1;
	memcpy(dst, t, n);
	dst[n] = '\0';
	return 0;
}

/* The room a CHAN line is for, from the line (":src CMD #room ..."; an
 * INVITE names it second): the roster has no name for a room the last
 * member here has just left, and the other hosts must hear that PART. */
static int
line_room(const struct frame_chan *f, char *name, size_t namesz)
{
	return line_word(f->line, f->linelen, f->kind == FRAME_K_INVITE ? 3 :
	    2, name, namesz, CHAN_MAX) == 0 && chan_check(name) == NAME_OK ?
	    0 : -1;
}

/* A JOIN that made its room here (its joiner the only member): until it
 * comes back from the stream, a JOIN of another host's user may come
 * first (first_join). */
static void
made_here(const struct frame_chan *f, const char *name)
{
	struct roster_chan *ch;
	struct slotname *sn;

	if (f->chan >= kd.cfg.max_channels || f->oslot == UINT32_MAX)
		return;
	sn = &G.names[f->chan];
	ctx_roster_lock();
	if ((ch = roster_chan(kd.roster, (int32_t)f->chan)) != NULL &&
	    ch->used && ch->gen == f->gen && ch->nmembers == 1 &&
	    roster_member_user(kd.roster, ch->head) == (int32_t)f->oslot) {
		remember(f->chan, f->gen, name);
		sn->made = 1;
		sn->mslot = f->oslot;
		sn->mgen = f->ogen;
	}
	ctx_roster_unlock();
}

static int
publish_chan(int id, uint32_t pid, const struct frame_chan *f,
    char *name, size_t namesz, char *msgid, size_t msgidsz)
{
	char subject[BB_SUBJECT_MAX];
	struct bb_chan m;
	int n;

	if (chan_name(f->chan, f->gen, name, namesz) == -1 &&
	    line_room(f, name, namesz) == -1)
		return -2;		/* no room to tell of */
	memset(&m, 0, sizeof(m));
	origin_of(&m.o, id, pid, &f->st, f->oslot, f->ogen, f->kind,
	    f->flags);
	m.chan = name;
	m.chanlen = strlen(name);
	m.sslot = f->sslot;
	m.sgen = f->sgen;
	m.tags = f->tags;
	m.tagslen = f->tagslen;
	m.line = f->line;
	m.linelen = f->linelen;
	m.ext = f->ext;
	m.extlen = f->extlen;
	m.away = f->away;
	m.awaylen = f->awaylen;
	m.account = f->account;
	m.accountlen = f->accountlen;
	if ((n = bbmsg_pack_chan(G.msg, sizeof(G.msg), &m)) == -1 ||
	    room_subject(name, subject, sizeof(subject)) == -1)
		return -2;
	msgid_of(msgid, msgidsz, id, pid, f->st.lseq);
	if (f->kind == FRAME_K_JOIN)
		made_here(f, name);
	return bb_publish(subject, G.msg, (size_t)n, msgid);
}

static int
publish_multi(int id, uint32_t pid, const struct frame_multi *f,
    char *msgid, size_t msgidsz)
{
	static char names[CHANS_PER_USER_MAX][CHAN_MAX + 1];
	static struct bb_multi m;
	char subject[BB_SUBJECT_MAX];
	unsigned i;
	int n;

	memset(&m, 0, sizeof(m));
	origin_of(&m.o, id, pid, &f->st, f->oslot, f->ogen, f->kind,
	    f->mflags);
	for (i = 0; i < f->n && i < CHANS_PER_USER_MAX; i++) {
		if (chan_name(f->ch[i].chan, f->ch[i].gen, names[m.n],
		    sizeof(names[0])) == -1)
			continue;
		m.ch[m.n].chan = names[m.n];
		m.ch[m.n].chanlen = strlen(names[m.n]);
		m.ch[m.n].flags = f->ch[i].flags;
		m.n++;
	}
	m.line = f->line;
	m.linelen = f->linelen;
	m.account = f->account;
	m.accountlen = f->accountlen;
	if ((n = bbmsg_pack_multi(G.msg, sizeof(G.msg), &m)) == -1)
		return -2;
	snprintf(subject, sizeof(subject), "keochat.user.%s", G.node);
	msgid_of(msgid, msgidsz, id, pid, f->st.lseq);
	return bb_publish(subject, G.msg, (size_t)n, msgid);
}

static const char *
kind_command(unsigned kind)
{
	switch (kind) {
	case FRAME_K_PRIVMSG:	return "PRIVMSG";
	case FRAME_K_NOTICE:	return "NOTICE";
	case FRAME_K_TAGMSG:	return "TAGMSG";
	case FRAME_K_JOIN:	return "JOIN";
	case FRAME_K_PART:	return "PART";
	case FRAME_K_QUIT:	return "QUIT";
	case FRAME_K_NICK:	return "NICK";
	default:		return "*";
	}
}

static int
is_message(unsigned kind)
{
	return kind == FRAME_K_PRIVMSG || kind == FRAME_K_NOTICE ||
	    kind == FRAME_K_TAGMSG;
}

/* --- registrations ---------------------------------------------------------------- */

void
bridge_online(int id, uint32_t pid, const struct frame_user *f)
{
	char line[IRC_LINE_MAX], msgid[BB_MSGID_MAX], subject[BB_SUBJECT_MAX];
	struct roster_user *u;
	struct bb_multi *m;
	int n = -1;

	if (!G.on || f->oslot == UINT32_MAX)
		return;
	ctx_roster_lock();
	if (roster_user_valid(kd.roster, (int32_t)f->oslot, f->ogen) &&
	    (u = roster_user(kd.roster, (int32_t)f->oslot)) != NULL)
		n = snprintf(line, sizeof(line), ":%s!%s@%s ONLINE :%s",
		    u->nick, u->user, u->host,
		    roster_user_ext(kd.roster, (int32_t)f->oslot)->realname);
	ctx_roster_unlock();
	if (n <= 0 || (size_t)n >= IRC_LINE_MAX - 2 ||
	    (m = calloc(1, sizeof(*m))) == NULL)
		return;
	origin_of(&m->o, id, pid, &f->st, f->oslot, f->ogen, FRAME_K_ONLINE,
	    FRAME_M_ALL);
	m->line = line;
	m->linelen = (size_t)n;
	m->account = f->account;
	m->accountlen = f->accountlen;
	snprintf(subject, sizeof(subject), "keochat.user.%s", G.node);
	msgid_of(msgid, sizeof(msgid), id, pid, f->st.lseq);
	if ((n = bbmsg_pack_multi(G.msg, sizeof(G.msg), m)) == -1 ||
	    bb_publish(subject, G.msg, (size_t)n, msgid) == -1)
		log_warnx("backbone: %s's registration is not told to the "
		    "other hosts (the publish queue is full)", line + 1);
	free(m);
}

/* --- channel changes ------------------------------------------------------------ */

/* A CHANOP is not applied where it is made: it goes to the room's subject
 * and every host applies it when the stream gives it back, in the room's
 * order, against its own roster (the other hosts' users are mirrors
 * there), so that modes, bans, topics and kicks are the same on every
 * host. */

/* The sender's next line waits for its CHANOP: it is done. */
static void
label_chanop(int id, uint32_t pid, const struct frame_stamp *st0,
    uint32_t oslot, uint32_t ogen)
{
	struct frame_stamp st = *st0;

	st.sflags |= FRAME_S_CHANOP;
	st.origin = (uint8_t)id;
	st.origin_pid = pid;
	G.ops.label_done(id, pid, &st, oslot, ogen);
}

static int
publish_chanop(int id, uint32_t pid, const struct frame_chanop *f,
    char *name, size_t namesz, char *msgid, size_t msgidsz)
{
	char subject[BB_SUBJECT_MAX];
	struct bb_chanop m;
	int n;

	if (chan_name(f->chan, f->gen, name, namesz) == -1 ||
	    room_subject(name, subject, sizeof(subject)) == -1)
		return -2;
	memset(&m, 0, sizeof(m));
	origin_of(&m.o, id, pid, &f->st, f->oslot, f->ogen, f->op ==
	    FRAME_OP_MODE ? FRAME_K_MODE : f->op == FRAME_OP_TOPIC ?
	    FRAME_K_TOPIC : FRAME_K_KICK, 0);
	m.chan = name;
	m.chanlen = strlen(name);
	m.op = f->op;
	m.args = f->args;
	m.argslen = f->argslen;
	if ((n = bbmsg_pack_chanop(G.msg, sizeof(G.msg), &m)) == -1)
		return -2;
	msgid_of(msgid, msgidsz, id, pid, f->st.lseq);
	return bb_publish(subject, G.msg, (size_t)n, msgid) == -1 ? -1 : 0;
}

/* --- private messages to users of other hosts ------------------------------ */

/* A worker's private message to a nick it does not have: the nick
 * bucket says which host holds it, then it goes to keochat.pm.NODE. */
static int
route_user(int id, uint32_t pid, struct pendq *q, const uint8_t *frame,
    size_t len)
{
	char nick[NICK_MAX + 1], key[2 * NICK_MAX + 1], token[BB_MSGID_MAX];
	struct frame_user f;
	enum frame_err err;
	struct pend *p;

	if (!G.on || frame_unpack_user(frame, len, &f, &err) == -1 ||
	    f.target != FRAME_REMOTE_USER)
		return -1;
	if (!is_message(f.kind)) {
		log_warnx("backbone: worker %d's %s frame for a user of another "
		    "host dropped (not sent across hosts)", id,
		    kind_command(f.kind));
		return 0;
	}
	if (line_word(f.line, f.linelen, 2, nick, sizeof(nick), NICK_MAX) ==
	    -1 || nick_check(nick, NICK_MAX) != NAME_OK ||
	    bbmsg_nick_key(nick, key, sizeof(key)) == -1)
		return -1;
	msgid_of(token, sizeof(token), id, pid, f.st.lseq);
	if (bb_nick(BB_NICK_LOOKUP, key, "", 0, token) == -1)
		return 1;		/* too many wait: later */
	p = pq_push(q);
	p->lseq = f.st.lseq;
	p->oslot = f.oslot;
	p->ogen = f.ogen;
	p->kind = f.kind;
	p->chan = -1;
	p->lookup = 1;
	snprintf(p->target, sizeof(p->target), "%s", nick);
	if ((p->frame = malloc(len)) == NULL)
		fatalx("out of memory for the backbone's publishes");
	memcpy(p->frame, frame, len);
	p->len = len;
	return 0;
}

int
bridge_route(int id, uint32_t pid, const uint8_t *frame, size_t len)
{
	static struct frame_multi mf;
	char name[CHAN_MAX + 1] = "", msgid[BB_MSGID_MAX];
	struct frame_chan cf;
	struct frame_stamp st;
	enum frame_err err;
	struct pendq *q = &G.q[id];
	struct pend *p;
	int type = frame_open(frame, len, &err), rc;
	uint32_t oslot, ogen;
	uint8_t kind;

	if (q->pid != pid)
		pq_clear(q, pid);
	if (type == FRAME_CHAN) {
		if (frame_unpack_chan(frame, len, &cf, &err) == -1)
			return -1;
		rc = publish_chan(id, pid, &cf, name, sizeof(name), msgid,
		    sizeof(msgid));
		st = cf.st;
		oslot = cf.oslot;
		ogen = cf.ogen;
		kind = cf.kind;
	} else if (type == FRAME_MULTI) {
		if (frame_unpack_multi(frame, len, &mf, &err) == -1)
			return -1;
		rc = publish_multi(id, pid, &mf, msgid, sizeof(msgid));
		st = mf.st;
		oslot = mf.oslot;
		ogen = mf.ogen;
		kind = mf.kind;
	} else if (type == FRAME_CHANOP) {
		struct frame_chanop of;

		if (frame_unpack_chanop(frame, len, &of, &err) == -1)
			return -1;
		rc = publish_chanop(id, pid, &of, name, sizeof(name), msgid,
		    sizeof(msgid));
		st = of.st;
		oslot = of.oslot;
		ogen = of.ogen;
		kind = of.op == FRAME_OP_MODE ? FRAME_K_MODE : of.op ==
		    FRAME_OP_TOPIC ? FRAME_K_TOPIC : FRAME_K_KICK;
		if (rc == -2) {		/* no room: nothing to wait for */
			label_chanop(id, pid, &of.st, of.oslot, of.ogen);
			return 0;
		}
		if (rc == 0) {
			p = pq_push(q);
			p->lseq = st.lseq;
			p->oslot = oslot;
			p->ogen = ogen;
			p->label = st.label;
			p->kind = kind;
			p->chan = -1;
			p->chanop = of.op;
			snprintf(p->target, sizeof(p->target), "%s", name);
			return 0;
		}
	} else if (type == FRAME_USER)
		return route_user(id, pid, q, frame, len);
	else
		return -1;
	if (rc == -1)
		return 1;		/* the queue is full: later */
	if (rc == -2)
		return 0;		/* nothing to publish */
	p = pq_push(q);
	p->lseq = st.lseq;
	p->oslot = oslot;
	p->ogen = ogen;
	p->label = st.label;
	p->kind = kind;
	p->chan = type == FRAME_CHAN && kind == FRAME_K_JOIN ?
	    (int32_t)cf.chan : -1;
	snprintf(p->target, sizeof(p->target), "%s", name);
	if (!is_message(kind) && kind != FRAME_K_JOIN) {
		/* an event the stream refuses still happened here */
		if ((p->frame = malloc(len)) == NULL)
			fatalx("out of memory for the backbone's publishes");
		memcpy(p->frame, frame, len);
		p->len = len;
	}
	return 0;
}

void
bridge_relay_multi(const struct frame_multi *f)
{
	char msgid[BB_MSGID_MAX];

	if (publish_multi(FRAME_ORIGIN_RELAY, (uint32_t)getpid(), f, msgid,
	    sizeof(msgid)) == -1)
		log_warnx("backbone: publish queue full: a QUIT is not sent");
}

/* --- acknowledgements ---------------------------------------------------------- */


/* The stream refused p: its sender hears why, an event still happens
 * here, a JOIN is undone. */
static void
refused(int id, struct pendq *q, struct pend *p, const char *why)
{
	char line[IRC_LINE_MAX];
	int n;

	n = snprintf(line, sizeof(line), ":%s FAIL %s BACKBONE_UNAVAILABLE "
	    "%s :Not sent: the cluster could not keep it (%s); try again",
	    kd.cfg.server_name, p->chanop == FRAME_OP_MODE ? "MODE" :
	    p->chanop == FRAME_OP_TOPIC ? "TOPIC" : p->chanop ==
	    FRAME_OP_KICK ? "KICK" : kind_command(p->kind),
	    p->target[0] != '\0' ? p->target : "*", why);
	if (n > 0 && (size_t)n < sizeof(line) && p->oslot != UINT32_MAX)
		G.ops.reply(id, p->oslot, p->ogen, line, (size_t)n);
	if (p->chan >= 0) {
		int gone;

		ctx_roster_lock();
		if (roster_user_valid(kd.roster, (int32_t)p->oslot, p->ogen))
			(void)roster_part(kd.roster, (int32_t)p->oslot,
			    p->chan, &gone);
		ctx_roster_unlock();
	}
	if (p->frame != NULL && G.ops.fits(p->len + 128)) {
		struct frame_stamp st;
		uint64_t mask = 0;
		struct frame_chan cf;
		static struct frame_multi mf;
		enum frame_err err;
		unsigned i;

		if (frame_open(p->frame, p->len, &err) == FRAME_CHAN &&
		    frame_unpack_chan(p->frame, p->len, &cf, &err) == 0)
			mask = G.ops.chan_mask(cf.chan, cf.gen);
		else if (frame_unpack_multi(p->frame, p->len, &mf, &err) == 0)
			for (i = 0; i < mf.n; i++)
				mask |= G.ops.chan_mask(mf.ch[i].chan,
				    mf.ch[i].gen);
		if (mask != 0 && frame_stamp_get(p->frame, p->len, &st) == 0)
			G.ops.put(p->frame, p->len, mask, ring_next_id(kd.ring),
			    (uint64_t)kd.now_real_ms, 0);
	}
	if (p->label != 0 || p->chanop) {
		struct frame_stamp st;

		memset(&st, 0, sizeof(st));
		st.lseq = p->lseq;
		st.label = p->label;
		st.origin = (uint8_t)id;
		st.origin_pid = q->pid;
		st.sflags = p->chanop ? FRAME_S_CHANOP : 0;
		G.ops.label_done(id, q->pid, &st, p->oslot, p->ogen);
	}
}

/* "node.boot.worker.pid.lseq" (or "node.boot.r.n"): the worker fields. */
static int
msgid_parse(const char *msgid, int *id, uint32_t *pid, uint64_t *lseq)
{
	char prefix[BB_NODE_MAX + 32];
	unsigned long long l;
	unsigned w, p;
	int n;

	n = snprintf(prefix, sizeof(prefix), "%s.%" PRIu64 ".", G.node, G.boot);
	if (n <= 0 || (size_t)n >= sizeof(prefix) ||
	    strncmp(msgid, prefix, (size_t)n) != 0)
		return -1;
	msgid += n;
	if (msgid[0] == 'r' && msgid[1] == '.')
		return 1;
	if (sscanf(msgid, "%u.%u.%llu%n", &w, &p, &l, &n) != 3 ||
	    msgid[n] != '\0' || w >= WORKERS_MAX)
		return -1;
	*id = (int)w;
	*pid = p;
	*lseq = l;
	return 0;
}

static void
on_acked(const char *msgid, int ok, uint64_t seq, int dup, const char *why,
    void *arg)
{
	struct pendq *q;
	struct pend *p;
	uint64_t lseq;
	uint32_t pid;
	int id;

	(void)arg;
	(void)seq;
	(void)dup;
	if (msgid_parse(msgid, &id, &pid, &lseq) != 0) {
		if (!ok)
			log_warnx("backbone: a line of the relay's was not kept: "
			    "%s", why);
		return;
	}
	q = &G.q[id];
	if (q->pid != pid || (p = pq_find(q, lseq)) == NULL || p->done)
		return;		/* a process that is gone, or seen */
	if (!ok) {
		log_warnx("backbone: worker %d's %s for %s not kept: %s", id,
		    kind_command(p->kind), p->target[0] ? p->target : "*",
		    why);
		refused(id, q, p, why);
	}
	p->done = 1;
	pq_pop_done(q);
	G.ops.kept(id);
}

/* --- nick claims ------------------------------------------------------------------ */

#define NICK_TRIES	4	/* writes of one claim before TAKEN */
#define CLAIM_FRESH_MS	5000	/* a claim younger than this, of a host
				 * not heard: its lease may be on its way */

/* What a claim of this host's user says: "NODE BOOT SLOT GEN". */
static void
owner_of(char *dst, size_t dstsz, uint32_t slot, uint32_t gen)
{
	snprintf(dst, dstsz, "%s %" PRIu64 " %" PRIu32 " %" PRIu32, G.node,
	    G.boot, slot, gen);
}

/* The holder of a claim, as some host wrote it: 0, or -1 when it is not
 * one of ours (another program wrote there). */
static int
owner_parse(const char *owner, char *node, size_t nodesz, uint64_t *boot,
    uint32_t *slot, uint32_t *gen)
{
	unsigned long long b;
	unsigned sl, gn;
	size_t n = strcspn(owner, " ");
	int used = 0;

	if (n == 0 || n >= nodesz || n > BB_NODE_MAX)
		return -1;
	memcpy(node, owner, n);
	node[n] = '\0';
	if (sscanf(owner + n, " %llu %u %u%n", &b, &sl, &gn, &used) != 3 ||
	    owner[n + (size_t)used] != '\0' || b == 0)
		return -1;
	*boot = b;
	*slot = sl;
	*gen = gn;
	return 0;
}

static void
free_claim(const char *key, const char *owner)
{
	if (bb_nick(BB_NICK_FREE, key, owner, 0, "") == -1)
		log_warnx("backbone: out of memory: a nick claim is not freed");
}

void
bridge_nick_free(const char *nick, uint32_t slot, uint32_t gen)
{
	char key[2 * NICK_MAX + 1], owner[BB_OWNER_MAX];

	if (!G.on || bbmsg_nick_key(nick, key, sizeof(key)) == -1)
		return;
	owner_of(owner, sizeof(owner), slot, gen);
	free_claim(key, owner);
}

/* The claim of p is decided: its worker hears it. */
static void
nick_done(int id, struct pendq *q, struct pend *p, enum frame_nick_op op)
{
	struct frame_nick f;
	uint8_t buf[256];
	int n;

	memset(&f, 0, sizeof(f));
	f.st.origin = FRAME_ORIGIN_RELAY;
	f.oslot = p->oslot;
	f.ogen = p->ogen;
	f.op = (uint8_t)op;
	f.nick = p->target;
	f.nicklen = strlen(p->target);
	if ((n = frame_pack_nick(buf, sizeof(buf), &f)) > 0)
		G.ops.put(buf, (size_t)n, 1ull << id, ring_next_id(kd.ring),
		    (uint64_t)kd.now_real_ms, 0);
	p->done = 1;
	pq_pop_done(q);
	G.ops.kept(id);
}

/* Whether this host's user in slot (of generation gen) is still there:
 * a claim of a user who is there is good (while it changes its nick to
 * the claim's, the roster still has the old one). */
static int
alive(uint32_t slot, uint32_t gen)
{
	int rc;

	ctx_roster_lock();
	rc = roster_user_valid(kd.roster, (int32_t)slot, gen);
	ctx_roster_unlock();
	return rc;
}

/* Someone holds the key p wants: is that claim still good? */
static int
claim_stale(const char *key, const char *owner, int64_t age_ms)
{
	char node[BB_NODE_MAX + 1];
	uint64_t boot;
	uint32_t slot, gen;

	if (owner_parse(owner, node, sizeof(node), &boot, &slot, &gen) ==
	    -1) {
		log_warnx("backbone: nick claim %s holds foreign bytes: taken "
		    "over", key);
		return 1;
	}
	if (strcmp(node, G.node) == 0)	/* ours: an old boot, or a user gone */
		return boot != G.boot || !alive(slot, gen);
	return bb_alive(node, boot) == 0 && age_ms >= CLAIM_FRESH_MS;
}

/* The holder of p's target is known (owner, "" for no one): publish the
 * message for its host, or tell the sender there is no such nick. */
static void
lookup_done(int id, struct pendq *q, struct pend *p, int rc,
    const char *owner)
{
	char node[BB_NODE_MAX + 1], subject[BB_SUBJECT_MAX];
	char msgid[BB_MSGID_MAX], line[IRC_LINE_MAX], sender[NICK_MAX + 1];
	struct frame_user f;
	struct bb_user m;
	enum frame_err err;
	uint64_t boot;
	uint32_t slot, gen;
	int n;

	p->lookup = 0;
	if (rc == BB_NICK_FAILED || frame_unpack_user(p->frame, p->len, &f,
	    &err) == -1) {
		free(p->frame);
		p->frame = NULL;
		refused(id, q, p, rc == BB_NICK_FAILED ? owner : "malformed");
		goto done;
	}
	if (owner[0] == '\0' || owner_parse(owner, node, sizeof(node), &boot,
	    &slot, &gen) == -1 || (strcmp(node, G.node) != 0 &&
	    bb_alive(node, boot) == 0)) {
		/* no one holds the nick, or a host that is gone */
		if (f.kind == FRAME_K_PRIVMSG && line_word(f.line, f.linelen, 0,
		    sender, sizeof(sender), NICK_MAX) == 0) {
			sender[strcspn(sender, "!")] = '\0';
			n = snprintf(line, sizeof(line), ":%s 401 %s %s :No such "
			    "nick/channel", kd.cfg.server_name, sender,
			    p->target);
			if (n > 0 && (size_t)n < sizeof(line))
				G.ops.reply(id, p->oslot, p->ogen, line,
				    (size_t)n);
		}
		free(p->frame);
		p->frame = NULL;
		goto done;
	}
	memset(&m, 0, sizeof(m));
	origin_of(&m.o, id, q->pid, &f.st, f.oslot, f.ogen, f.kind,
	    f.uflags & FRAME_U_ECHO);
	m.tnode = node;
	m.tnodelen = strlen(node);
	m.tboot = boot;
	m.tslot = slot;
	m.tgen = gen;
	m.tags = f.tags;
	m.tagslen = f.tagslen;
	m.line = f.line;
	m.linelen = f.linelen;
	m.account = f.account;
	m.accountlen = f.accountlen;
	n = bbmsg_pack_user(G.msg, sizeof(G.msg), &m);
	free(p->frame);
	p->frame = NULL;
	msgid_of(msgid, sizeof(msgid), id, q->pid, p->lseq);
	if (n == -1 || snprintf(subject, sizeof(subject), "keochat.pm.%s",
	    node) >= (int)sizeof(subject)) {
		refused(id, q, p, "it does not fit a backbone message");
		goto done;
	}
	if (bb_publish(subject, G.msg, (size_t)n, msgid) == -1) {
		refused(id, q, p, "the publish queue is full");
		goto done;
	}
	return;			/* done when the stream has it */
done:
	p->done = 1;
	pq_pop_done(q);
	G.ops.kept(id);
}

static void
on_nick(const char *token, const char *key, int rc, uint64_t rev,
    const char *owner, int64_t age_ms, void *arg)
{
	char mine[BB_OWNER_MAX];
	struct pendq *q;
	struct pend *p = NULL;
	uint64_t lseq;
	uint32_t pid;
	int id;

	(void)arg;
	if (msgid_parse(token, &id, &pid, &lseq) == 0) {
		q = &G.q[id];
		if (q->pid != pid || (p = pq_find(q, lseq)) == NULL ||
		    p->done || (!p->nick && !p->lookup))
			p = NULL;
	}
	if (p != NULL && p->lookup) {
		lookup_done(id, q, p, rc, owner);
		return;
	}
	if (p == NULL) {	/* its process is gone: so is its claim */
		if (rc == BB_NICK_OK)
			free_claim(key, owner);
		return;
	}
	owner_of(mine, sizeof(mine), p->oslot, p->ogen);
	if (rc == BB_NICK_OK) {
		if (!alive(p->oslot, p->ogen)) {
			/* the user went (or took another nick) meanwhile */
			free_claim(key, mine);
			nick_done(id, q, p, FRAME_NICK_TAKEN);
			return;
		}
		nick_done(id, q, p, FRAME_NICK_OK);
		return;
	}
	if (rc == BB_NICK_FAILED) {
		log_warnx("backbone: nick %s not claimed: %s", p->target, owner);
		nick_done(id, q, p, FRAME_NICK_FAILED);
		return;
	}
	if (++p->tries < NICK_TRIES && (owner[0] == '\0' ||
	    claim_stale(key, owner, age_ms))) {
		if (bb_nick(owner[0] == '\0' ? BB_NICK_CLAIM : BB_NICK_TAKE, key,
		    mine, rev, token) == 0)
			return;
	}
	nick_done(id, q, p, FRAME_NICK_TAKEN);
}

int
bridge_nick(int id, uint32_t pid, const uint8_t *frame, size_t len)
{
	char key[2 * NICK_MAX + 1], owner[BB_OWNER_MAX], token[BB_MSGID_MAX];
	char nick[NICK_MAX + 1];
	struct frame_nick f;
	enum frame_err err;
	struct pendq *q;
	struct pend *p;

	if (!G.on || id < 0 || id >= WORKERS_MAX ||
	    frame_unpack_nick(frame, len, &f, &err) == -1 ||
	    (f.op != FRAME_NICK_CLAIM && f.op != FRAME_NICK_FREE))
		return -1;
	memcpy(nick, f.nick, f.nicklen);
	nick[f.nicklen] = '\0';
	if (nick_check(nick, NICK_MAX) != NAME_OK ||
	    bbmsg_nick_key(nick, key, sizeof(key)) == -1)
		return -1;
	owner_of(owner, sizeof(owner), f.oslot, f.ogen);
	if (f.op == FRAME_NICK_FREE) {
		free_claim(key, owner);
		return 0;
	}
	q = &G.q[id];
	if (q->pid != pid)
		pq_clear(q, pid);
	p = pq_push(q);
	p->lseq = f.st.lseq;
	p->oslot = f.oslot;
	p->ogen = f.ogen;
	p->nick = 1;
	p->chan = -1;
	snprintf(p->target, sizeof(p->target), "%s", nick);
	msgid_of(token, sizeof(token), id, pid, f.st.lseq);
	if (bb_nick(BB_NICK_CLAIM, key, owner, 0, token) == -1)
		nick_done(id, q, p, FRAME_NICK_FAILED);
	return 0;
}

/* --- the users of other hosts ---------------------------------------------------- */

static unsigned
ruser_hash(const char *node, size_t nodelen, uint64_t boot, uint32_t slot)
{
	uint64_t h = 1469598103934665603ull ^ boot ^ ((uint64_t)slot << 32);
	size_t i;

	for (i = 0; i < nodelen; i++)
		h = (h ^ (unsigned char)node[i]) * 1099511628211ull;
	return (unsigned)(h % RUSER_BUCKETS);
}

static struct ruser **
ruser_at(const char *node, size_t nodelen, uint64_t boot, uint32_t slot,
    uint32_t gen)
{
	struct ruser **pp = &G.rusers[ruser_hash(node, nodelen, boot, slot)];

	for (; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->slot == slot && (*pp)->gen == gen &&
		    (*pp)->boot == boot && strlen((*pp)->node) == nodelen &&
		    memcmp((*pp)->node, node, nodelen) == 0)
			break;
	return pp;
}

/* --- mirrors: the users of other hosts in this host's roster ------------------ */

/* Each user of another host that this host knows (from its JOINs) has a
 * slot in this host's roster, worker ROSTER_REMOTE, so that NAMES, WHO,
 * WHOIS, ISON, LUSERS and LIST show the whole cluster, and a private
 * message to it finds it.  The roster lock is taken by the caller. */

#define SWEEP_MS	10000	/* ghosts of gone hosts (from the history)
				 * are looked for this often */

static int
mirror_valid(const struct ruser *u)
{
	return u->ms >= 0 && roster_user_valid(kd.roster, u->ms, u->mg);
}

static void
mirror_drop(struct ruser *u)
{
	if (mirror_valid(u))
		roster_user_free(kd.roster, u->ms);
	u->ms = -1;
}

/* nick!user@host of u into the roster slot: 0, or -1 when the nick is
 * held here (a local client racing for it: the nick bucket decides). */
static int
mirror_names(struct ruser *u, char *nick, size_t nicksz, char *user,
    size_t usersz, char *host, size_t hostsz)
{
	const char *bang = strchr(u->prefix, '!'), *at;

	if (bang == NULL || (at = strchr(bang, '@')) == NULL ||
	    (size_t)(bang - u->prefix) >= nicksz || (size_t)(at - bang - 1) >=
	    usersz || strlen(at + 1) >= hostsz || bang == u->prefix)
		return -1;
	memcpy(nick, u->prefix, (size_t)(bang - u->prefix));
	nick[bang - u->prefix] = '\0';
	memcpy(user, bang + 1, (size_t)(at - bang - 1));
	user[at - bang - 1] = '\0';
	snprintf(host, hostsz, "%s", at + 1);
	return nick_check(nick, NICK_MAX) == NAME_OK ? 0 : -1;
}

static void
mirror_make(struct ruser *u, const char *real, size_t reallen)
{
	char nick[NICK_MAX + 1], user[USER_MAX + 1], host[HOST_MAX + 1];
	char realname[REALNAME_MAX + 1];
	int32_t s;

	if (mirror_valid(u))
		return;
	u->ms = -1;
	if (mirror_names(u, nick, sizeof(nick), user, sizeof(user), host,
	    sizeof(host)) == -1 || (s = roster_remote_new(kd.roster, u->node,
	    u->boot, u->slot, u->gen, host)) < 0)
		return;
	if (roster_user_set_nick(kd.roster, s, nick) != ROSTER_OK) {
		roster_user_free(kd.roster, s);
		return;
	}
	snprintf(realname, sizeof(realname), "%.*s", (int)reallen, real);
	roster_user_register(kd.roster, s, user, realname, kd.now);
	snprintf(roster_user_ext(kd.roster, s)->account,
	    sizeof(roster_user_ext(kd.roster, s)->account), "%s", u->account);
	u->ms = s;
	u->mg = roster_user(kd.roster, s)->gen;
}

static void
ruser_free(struct ruser **pp)
{
	struct ruser *u = *pp;

	ctx_roster_lock();
	mirror_drop(u);
	ctx_roster_unlock();
	*pp = u->next;
	free(u->rooms);
	free(u);
}

/* ":nick!user@host CMD ...": the prefix, without the colon. */
static void
prefix_of(const char *line, size_t len, char *dst, size_t dstsz)
{
	size_t n = 0;

	if (len > 0 && line[0] == ':') {
		line++;
		len--;
	}
	while (n < len && line[n] != ' ' && n + 1 < dstsz)
		n++;
	memcpy(dst, line, n);
	dst[n] = '\0';
}

/* The realname of a JOIN's extended-join text " account :realname". */
static const char *
ext_realname(const char *ext, size_t extlen, size_t *len)
{
	const char *p = memchr(ext, ':', extlen);

	if (p == NULL) {
		*len = 0;
		return "";
	}
	*len = extlen - (size_t)(p + 1 - ext);
	return p + 1;
}

static void
track_join(const struct bb_origin *o, const char *room, size_t roomlen,
    const struct bb_chan *m)
{
	struct ruser **pp = ruser_at(o->node, o->nodelen, o->boot, o->oslot,
	    o->ogen), *u = *pp;
	char name[CHAN_MAX + 1];
	const char *real;
	size_t reallen;
	int32_t chan;
	unsigned i;
	int created;

	if (u == NULL) {
		if ((u = calloc(1, sizeof(*u))) == NULL)
			fatalx("out of memory for another host's user");
		memcpy(u->node, o->node, o->nodelen);
		u->boot = o->boot;
		u->slot = o->oslot;
		u->gen = o->ogen;
		u->ms = -1;
		*pp = u;
	}
	prefix_of(m->line, m->linelen, u->prefix, sizeof(u->prefix));
	if (m->accountlen < sizeof(u->account)) {
		memcpy(u->account, m->account, m->accountlen);
		u->account[m->accountlen] = '\0';
	}
	memcpy(name, room, roomlen);
	name[roomlen] = '\0';
	real = ext_realname(m->ext, m->extlen, &reallen);
	ctx_roster_lock();
	mirror_make(u, real, reallen);
	if (mirror_valid(u))
		(void)roster_join(kd.roster, u->ms, name, CHANS_PER_USER_MAX,
		    kd.now, &chan, &created);
	ctx_roster_unlock();
	for (i = 0; i < u->n; i++)
		if (strlen(u->rooms[i]) == roomlen && memcmp(u->rooms[i], room,
		    roomlen) == 0)
			return;
	if (u->n == u->cap) {
		uint16_t ncap = u->cap ? (uint16_t)(u->cap * 2) : 4;
		void *nr;

		if (ncap > CHANS_PER_USER_MAX)
			return;		/* its host bounds it; so do we */
		if ((nr = realloc(u->rooms, ncap * sizeof(*u->rooms))) == NULL)
			fatalx("out of memory for another host's user");
		u->rooms = nr;
		u->cap = ncap;
	}
	memcpy(u->rooms[u->n], room, roomlen);
	u->rooms[u->n++][roomlen] = '\0';
}

/* u is in room no more (its mirror's roster membership is the
 * caller's). */
static void
ruser_room_gone(struct ruser *u, const char *room)
{
	unsigned i;

	for (i = 0; i < u->n; i++)
		if (strcmp(u->rooms[i], room) == 0) {
			memcpy(u->rooms[i], u->rooms[--u->n], CHAN_MAX + 1);
			break;
		}
}

static void
track_part(const struct bb_origin *o, uint32_t slot, uint32_t gen,
    const char *room, size_t roomlen)
{
	struct ruser **pp = ruser_at(o->node, o->nodelen, o->boot, slot, gen),
	    *u = *pp;
	char name[CHAN_MAX + 1];
	int32_t chan;
	int gone;

	if (u == NULL || roomlen > CHAN_MAX)
		return;
	/* a user in no room is still there (WHOIS finds it) until it quits */
	memcpy(name, room, roomlen);
	name[roomlen] = '\0';
	ruser_room_gone(u, name);
	ctx_roster_lock();
	if (mirror_valid(u) && (chan = roster_chan_find(kd.roster, name)) >= 0)
		(void)roster_part(kd.roster, u->ms, chan, &gone);
	ctx_roster_unlock();
}

static void
track_multi(const struct bb_multi *m)
{
	struct ruser **pp = ruser_at(m->o.node, m->o.nodelen, m->o.boot,
	    m->o.oslot, m->o.ogen);
	char old[PREFIX_MAX + 1], *bang;
	const char *p, *end = m->line + m->linelen;

	if (*pp == NULL)
		return;
	if (m->o.kind == FRAME_K_QUIT) {
		ruser_free(pp);
		return;
	}
	if (m->o.kind == FRAME_K_AWAY || m->o.kind == FRAME_K_SETNAME) {
		/* ":n!u@h AWAY :text" (or no text: back), ":n!u@h SETNAME
		 * :real" */
		char text[REALNAME_MAX > AWAY_MAX ? REALNAME_MAX + 1 :
		    AWAY_MAX + 1] = "";

		if ((p = memchr(m->line, ' ', m->linelen)) != NULL &&
		    (p = memchr(p + 1, ' ', (size_t)(end - p - 1))) != NULL) {
			p++;
			if (p < end && *p == ':')
				p++;
			snprintf(text, sizeof(text), "%.*s", (int)(end - p), p);
		}
		ctx_roster_lock();
		if (mirror_valid(*pp) && m->o.kind == FRAME_K_AWAY)
			roster_user_set_away(kd.roster, (*pp)->ms, text);
		else if (mirror_valid(*pp))
			roster_user_set_realname(kd.roster, (*pp)->ms, text);
		ctx_roster_unlock();
		return;
	}
	if (m->o.kind != FRAME_K_NICK)
		return;
	/* ":old!u@h NICK :new": the user is new!u@h from now on */
	snprintf(old, sizeof(old), "%s", (*pp)->prefix);
	if ((bang = strchr(old, '!')) == NULL ||
	    (p = memchr(m->line, ' ', m->linelen)) == NULL ||
	    (p = memchr(p + 1, ' ', (size_t)(end - p - 1))) == NULL)
		return;
	p++;
	if (p < end && *p == ':')
		p++;
	snprintf((*pp)->prefix, sizeof((*pp)->prefix), "%.*s%s",
	    (int)(end - p), p, bang);
	snprintf(old, sizeof(old), "%.*s", (int)(end - p), p);
	ctx_roster_lock();
	if (mirror_valid(*pp) && roster_user_set_nick(kd.roster, (*pp)->ms,
	    old) != ROSTER_OK)
		mirror_drop(*pp);	/* held here meanwhile: not shown */
	ctx_roster_unlock();
}

/* A relay that starts again finds the mirrors its predecessor made in
 * the roster (it outlives relays): the users of other hosts, again. */
static void
mirrors_adopt(void)
{
	struct roster_user *ru;
	struct roster_user_ext *e;
	struct roster_chan *ch;
	struct ruser **pp, *u;
	int32_t sl, lim;
	unsigned k, n = 0;

	ctx_roster_lock();
	lim = roster_user_limit(kd.roster);
	for (sl = 0; sl < lim; sl++) {
		if ((ru = roster_user(kd.roster, sl)) == NULL ||
		    ru->worker != ROSTER_REMOTE)
			continue;
		e = roster_user_ext(kd.roster, sl);
		pp = ruser_at(e->rnode, strlen(e->rnode), e->rboot, e->rslot,
		    e->rgen);
		if (*pp != NULL || e->rnode[0] == '\0' ||
		    (u = calloc(1, sizeof(*u))) == NULL) {
			roster_user_free(kd.roster, sl);	/* a twin */
			continue;
		}
		snprintf(u->node, sizeof(u->node), "%s", e->rnode);
		u->boot = e->rboot;
		u->slot = e->rslot;
		u->gen = e->rgen;
		snprintf(u->prefix, sizeof(u->prefix), "%s!%s@%s", ru->nick,
		    ru->user, ru->host);
		snprintf(u->account, sizeof(u->account), "%s", e->account);
		u->ms = sl;
		u->mg = ru->gen;
		if (ru->nchans > 0 && (u->rooms = calloc(ru->nchans,
		    sizeof(*u->rooms))) != NULL) {
			u->cap = ru->nchans;
			for (k = 0; k < ru->nchans && k < CHANS_PER_USER_MAX; k++)
				if ((ch = roster_chan(kd.roster, e->chans[k])) !=
				    NULL)
					snprintf(u->rooms[u->n++], CHAN_MAX + 1,
					    "%s", ch->name);
		}
		*pp = u;
		n++;
	}
	ctx_roster_unlock();
	if (n > 0)
		log_info("backbone: %u user(s) of other hosts known again", n);
}

/* Users of hosts that are gone, learnt from the history (a QUIT older
 * than the stream keeps, say): out of the views.  A user is dropped at
 * the second sweep that finds its host gone, so that the QUITs of a host
 * whose lease just ran out go out first (on_gone). */
static void
mirrors_sweep(void)
{
	static int64_t last;
	struct ruser **pp, *u;
	unsigned b, n = 0;

	if (kd.now_ms - last < SWEEP_MS)
		return;
	last = kd.now_ms;
	for (b = 0; b < RUSER_BUCKETS; b++)
		for (pp = &G.rusers[b]; (u = *pp) != NULL; ) {
			if (bb_alive(u->node, u->boot) != 0) {
				u->stale = 0;
				pp = &u->next;
			} else if (!u->stale) {
				u->stale = 1;
				pp = &u->next;
			} else {
				ruser_free(pp);
				n++;
			}
		}
	if (n > 0)
		log_info("backbone: %u user(s) of hosts that are gone forgotten",
		    n);
}

/* ":nick!user@host ONLINE :realname": a user of another host registered
 * (it is known, and seen by WHOIS, before it joins any room). */
static void
track_online(const struct bb_multi *m)
{
	struct ruser **pp = ruser_at(m->o.node, m->o.nodelen, m->o.boot,
	    m->o.oslot, m->o.ogen), *u = *pp;
	const char *real = memmem(m->line, m->linelen, " :", 2);
	size_t reallen = 0;

	if (u == NULL) {
		if ((u = calloc(1, sizeof(*u))) == NULL)
			fatalx("out of memory for another host's user");
		memcpy(u->node, m->o.node, m->o.nodelen);
		u->boot = m->o.boot;
		u->slot = m->o.oslot;
		u->gen = m->o.ogen;
		u->ms = -1;
		*pp = u;
	}
	prefix_of(m->line, m->linelen, u->prefix, sizeof(u->prefix));
	if (m->accountlen < sizeof(u->account)) {
		memcpy(u->account, m->account, m->accountlen);
		u->account[m->accountlen] = '\0';
	}
	if (real != NULL) {
		real += 2;
		reallen = m->linelen - (size_t)(real - m->line);
	} else
		real = "";
	ctx_roster_lock();
	mirror_make(u, real, reallen);
	ctx_roster_unlock();
}

/* Host node's boot is gone: each of its users' QUIT, to the stream on its
 * behalf.  Every host that saw the lease run out does the same, with the
 * same message ids: the stream keeps one of each. */
static void
on_gone(const char *node, uint64_t boot, void *arg)
{
	static struct bb_multi m;
	char subject[BB_SUBJECT_MAX], msgid[BB_MSGID_MAX];
	char line[IRC_LINE_MAX];
	struct ruser **pp, *u;
	unsigned b, i, count = 0;
	int n, ln;

	(void)arg;
	snprintf(subject, sizeof(subject), "keochat.user.%s", node);
	for (b = 0; b < RUSER_BUCKETS; b++)
		for (pp = &G.rusers[b]; (u = *pp) != NULL; ) {
			if (u->boot != boot || strcmp(u->node, node) != 0) {
				pp = &u->next;
				continue;
			}
			ln = snprintf(line, sizeof(line), ":%s QUIT :%s left "
			    "the cluster", u->prefix, node);
			memset(&m, 0, sizeof(m));
			m.o.node = u->node;
			m.o.nodelen = strlen(u->node);
			m.o.boot = u->boot;
			m.o.worker = FRAME_ORIGIN_RELAY;
			m.o.oslot = u->slot;
			m.o.ogen = u->gen;
			m.o.kind = FRAME_K_QUIT;
			m.o.flags = BB_F_GONE;
			for (i = 0; i < u->n; i++) {
				m.ch[i].chan = u->rooms[i];
				m.ch[i].chanlen = strlen(u->rooms[i]);
			}
			m.n = u->n;
			m.line = line;
			m.linelen = ln > 0 && (size_t)ln < sizeof(line) ?
			    (size_t)ln : 0;
			m.account = u->account;
			m.accountlen = strlen(u->account);
			snprintf(msgid, sizeof(msgid), "gone.%s.%" PRIu64 ".%"
			    PRIu32 ".%" PRIu32, node, boot, u->slot, u->gen);
			if (m.linelen > 0 && (n = bbmsg_pack_multi(G.msg,
			    sizeof(G.msg), &m)) > 0 && bb_publish(subject,
			    G.msg, (size_t)n, msgid) == 0)
				count++;
			ruser_free(pp);
		}
	log_warnx("backbone: host %s (boot %" PRIu64 ") holds its lease no "
	    "more: %u of its users quit", node, boot, count);
}

/* --- the stream's messages -------------------------------------------------------- */

static void
dropped(uint64_t seq, const char *subject, const char *why)
{
	if (G.dropped++ % DROP_LOG_EVERY == 0)
		log_warnx("backbone: stream message %" PRIu64 " on %s dropped: "
		    "%s (%" PRIu64 " so far)", seq, subject, why, G.dropped);
}

static int
own(const struct bb_origin *o)
{
	return o->nodelen == G.nodelen && memcmp(o->node, G.node,
	    G.nodelen) == 0 && o->boot == G.boot;
}

static void
stamp_of(struct frame_stamp *st, const struct bb_origin *o, int mine)
{
	memset(st, 0, sizeof(*st));
	st->sflags = o->sflags;
	if (mine) {
		st->origin = o->worker;
		st->origin_pid = o->pid;
		st->label = o->label;
		st->lseq = o->lseq;
	} else
		st->origin = FRAME_ORIGIN_RELAY;
}

/* The first JOIN of a room in the stream's order makes its joiner the
 * room's operator on every host.  A user of this host who made the room
 * here a moment before (its JOIN is later in the stream than one of
 * another host's user) got the @ when it joined: it goes to the other
 * one, and the members here hear it. */
static void
first_join(uint32_t idx, uint32_t gen, int mine, const struct bb_origin *o,
    uint64_t seq, int64_t time_ms)
{
	struct slotname *sn;
	struct frame_chan f;
	struct ruser *u;
	struct roster_user *ru;
	char line[IRC_LINE_MAX];
	int32_t joiner = -1, maker;
	int n, p;

	if (idx >= kd.cfg.max_channels || (sn = &G.names[idx])->gen != gen ||
	    !sn->made)
		return;
	sn->made = 0;
	if (mine)
		return;		/* ours was first: it is the operator */
	if ((u = *ruser_at(o->node, o->nodelen, o->boot, o->oslot,
	    o->ogen)) == NULL || u->ms < 0)
		return;
	joiner = u->ms;
	maker = (int32_t)sn->mslot;
	ctx_roster_lock();
	if (!roster_user_valid(kd.roster, joiner, u->mg) ||
	    (p = roster_member_priv(kd.roster, joiner, (int32_t)idx)) < 0) {
		ctx_roster_unlock();
		return;
	}
	roster_member_set_priv(kd.roster, joiner, (int32_t)idx,
	    (unsigned)p | MEMBER_OP);
	if (!roster_user_valid(kd.roster, maker, sn->mgen) ||
	    (p = roster_member_priv(kd.roster, maker, (int32_t)idx)) < 0 ||
	    !(p & MEMBER_OP) || (ru = roster_user(kd.roster, maker)) ==
	    NULL) {
		ctx_roster_unlock();
		return;
	}
	roster_member_set_priv(kd.roster, maker, (int32_t)idx, (unsigned)p &
	    ~(unsigned)MEMBER_OP);
	n = snprintf(line, sizeof(line), ":%s MODE %s -o %s",
	    kd.cfg.server_name, sn->name, ru->nick);
	ctx_roster_unlock();
	if (n <= 0 || (size_t)n >= sizeof(line) ||
	    !G.ops.fits((size_t)n + 256))
		return;
	memset(&f, 0, sizeof(f));
	f.st.origin = FRAME_ORIGIN_RELAY;
	f.chan = idx;
	f.gen = gen;
	f.oslot = f.sslot = UINT32_MAX;
	f.kind = FRAME_K_MODE;
	f.line = line;
	f.linelen = (size_t)n;
	if ((n = frame_pack_chan(G.buf, sizeof(G.buf), &f)) > 0)
		G.ops.put(G.buf, (size_t)n, G.ops.chan_mask(idx, gen),
		    ring_next_id_at_least(kd.ring, seq << ID_SHIFT),
		    (uint64_t)time_ms, 0);
}

static int
deliver_chan(uint64_t seq, int64_t time_ms, const char *subject,
    const struct bb_chan *m)
{
	char want[BB_SUBJECT_MAX], name[CHAN_MAX + 1];
	struct frame_chan f;
	uint64_t mask = 0, id;
	uint32_t gen = 0;
	int32_t idx;
	int mine = own(&m->o), n;

	memcpy(name, m->chan, m->chanlen);
	name[m->chanlen] = '\0';
	if (room_subject(name, want, sizeof(want)) == -1 ||
	    strcmp(want, subject) != 0) {
		dropped(seq, subject, "its room is not its subject's");
		return 0;
	}
	if (mine && m->o.worker == FRAME_ORIGIN_RELAY && m->o.kind ==
	    FRAME_K_JOIN) {
		dropped(seq, subject, "a JOIN made by a relay");
		return 0;
	}
	memset(&f, 0, sizeof(f));
	stamp_of(&f.st, &m->o, mine);
	idx = chan_local(m->chan, m->chanlen, &gen);
	f.chan = idx >= 0 ? (uint32_t)idx : 0;
	f.gen = gen;
	f.oslot = mine ? m->o.oslot : UINT32_MAX;
	f.ogen = mine ? m->o.ogen : 0;
	f.sslot = mine ? m->sslot : UINT32_MAX;
	f.sgen = mine ? m->sgen : 0;
	f.kind = m->o.kind;
	f.tags = m->tags;
	f.tagslen = m->tagslen;
	f.line = m->line;
	f.linelen = m->linelen;
	f.ext = m->ext;
	f.extlen = m->extlen;
	f.away = m->away;
	f.awaylen = m->awaylen;
	f.account = m->account;
	f.accountlen = m->accountlen;
	if ((n = frame_pack_chan(G.buf, sizeof(G.buf), &f)) == -1) {
		dropped(seq, subject, "too big for a frame");
		return 0;
	}
	if (idx >= 0)
		remember((uint32_t)idx, gen, name);
	if (idx >= 0 && seq > G.news_after)
		mask = G.ops.chan_mask((uint32_t)idx, gen);
	if (!G.ops.fits((size_t)n + 256))
		return 1;
	id = ring_next_id_at_least(kd.ring, seq << ID_SHIFT);
	G.ops.put(G.buf, (size_t)n, mask, id, (uint64_t)time_ms, seq);
	if (!mine && m->o.kind == FRAME_K_JOIN)
		track_join(&m->o, m->chan, m->chanlen, m);
	if (m->o.kind == FRAME_K_JOIN && idx >= 0)
		first_join((uint32_t)idx, gen, mine, &m->o, seq, time_ms);
	else if (!mine && m->o.kind == FRAME_K_PART)
		track_part(&m->o, m->o.oslot, m->o.ogen, m->chan, m->chanlen);
	else if (!mine && m->o.kind == FRAME_K_KICK)
		track_part(&m->o, m->sslot, m->sgen, m->chan, m->chanlen);
	if (mine && m->o.worker != FRAME_ORIGIN_RELAY) {
		if (idx >= 0 && (m->o.flags & FRAME_F_UNSUB))
			G.ops.unsub(m->o.worker, (uint32_t)idx, gen);
		if (m->o.label != 0) {
			f.st.id = id;
			f.st.time_ms = (uint64_t)time_ms;
			G.ops.label_done(m->o.worker, m->o.pid, &f.st,
			    m->o.oslot, m->o.ogen);
		}
	}
	return 0;
}

/* A user of another host registered: a mirror, and MONITOR's 730 for the
 * watchers here (the line the workers take: "nick!user@host"). */
static int
online_here(uint64_t seq, int64_t time_ms, const struct bb_multi *m)
{
	struct frame_user f;
	char prefix[PREFIX_MAX + 1];
	int n;

	track_online(m);
	if (seq <= G.news_after)
		return 0;
	prefix_of(m->line, m->linelen, prefix, sizeof(prefix));
	memset(&f, 0, sizeof(f));
	f.st.origin = FRAME_ORIGIN_RELAY;
	f.target = FRAME_ALL_WORKERS;
	f.tslot = f.oslot = UINT32_MAX;
	f.kind = FRAME_K_ONLINE;
	f.line = prefix;
	f.linelen = strlen(prefix);
	if (f.linelen == 0 || (n = frame_pack_user(G.buf, sizeof(G.buf),
	    &f)) == -1)
		return 0;
	if (!G.ops.fits((size_t)n + 256))
		return 1;
	G.ops.put(G.buf, (size_t)n, G.ops.all_mask(), ring_next_id_at_least(
	    kd.ring, seq << ID_SHIFT), (uint64_t)time_ms, 0);
	return 0;
}

static int
deliver_multi(uint64_t seq, int64_t time_ms, const char *subject,
    const struct bb_multi *m)
{
	static struct frame_multi f;
	struct frame_stamp st;
	uint64_t mask = 0, id;
	uint32_t gens[CHANS_PER_USER_MAX], gen;
	int32_t idxs[CHANS_PER_USER_MAX], idx;
	unsigned i, nl = 0;
	int mine = own(&m->o), n;
	char name[CHAN_MAX + 1];

	if (m->o.kind == FRAME_K_ONLINE) {
		if (!mine)
			return online_here(seq, time_ms, m);
		return 0;		/* its own workers heard it already */
	}
	if (!mine)
		track_multi(m);
	else if (m->o.flags & BB_F_GONE) {
		/* the others took this host for gone (cut off from NATS too
		 * long): its user is gone for them, so it goes here too */
		G.ops.kill(m->o.oslot, m->o.ogen, "This host was cut off from "
		    "the cluster");
		return 0;
	}
	memset(&f, 0, sizeof(f));
	stamp_of(&f.st, &m->o, mine);
	f.oslot = mine ? m->o.oslot : UINT32_MAX;
	f.ogen = mine ? m->o.ogen : 0;
	f.kind = m->o.kind;
	f.mflags = m->o.flags & FRAME_M_ALL;
	f.line = m->line;
	f.linelen = m->linelen;
	f.account = m->account;
	f.accountlen = m->accountlen;
	for (i = 0; i < m->n; i++) {
		gen = 0;
		idx = chan_local(m->ch[i].chan, m->ch[i].chanlen, &gen);
		idxs[i] = idx;
		gens[i] = gen;
		if (idx < 0)
			continue;
		f.ch[nl].chan = (uint32_t)idx;
		f.ch[nl].gen = gen;
		nl++;
		mask |= G.ops.chan_mask((uint32_t)idx, gen);
	}
	f.n = (uint16_t)nl;
	if (f.mflags & FRAME_M_ALL)
		mask = G.ops.all_mask();
	if (seq <= G.news_after)
		mask = 0;
	if ((n = frame_pack_multi(G.buf, sizeof(G.buf), &f)) == -1) {
		dropped(seq, subject, "too big for a frame");
		return 0;
	}
	if (!G.ops.fits((size_t)n + 256))
		return 1;
	id = ring_next_id_at_least(kd.ring, seq << ID_SHIFT);
	G.ops.put(G.buf, (size_t)n, mask, id, (uint64_t)time_ms, seq);
	/* the rooms without a member here are kept under their names */
	st = f.st;
	st.id = id;
	st.time_ms = (uint64_t)time_ms;
	for (i = 0; i < m->n; i++) {
		if (idxs[i] >= 0)
			continue;
		memcpy(name, m->ch[i].chan, m->ch[i].chanlen);
		name[m->ch[i].chanlen] = '\0';
		history_room(name, &st, m->o.kind, m->account, m->accountlen,
		    m->line, m->linelen);
	}
	if (mine && m->o.worker != FRAME_ORIGIN_RELAY)
		for (i = 0; i < m->n; i++)
			if (idxs[i] >= 0 && (m->ch[i].flags & FRAME_F_UNSUB))
				G.ops.unsub(m->o.worker, (uint32_t)idxs[i],
				    gens[i]);
	return 0;
}

/* What a CHANOP from the stream produces here. */
struct applied {
	const char *room;
	uint64_t seq, mask;	/* the stream message; its members here */
	int64_t	 time_ms;
	int	 mine, full;
	int	 worker;	/* the sender's, when mine */
};

/* The lines of a change for the members here (history only for an old
 * one), each with its own id after the stream message's. */
static void
applied_chan(const struct frame_chan *f, void *arg)
{
	struct applied *a = arg;
	struct roster_user_ext *e;
	struct ruser *u;
	uint8_t buf[FRAME_MAX];
	int n;

	if ((n = frame_pack_chan(buf, sizeof(buf), f)) == -1)
		return;
	if (!G.ops.fits((size_t)n + 256)) {
		a->full = 1;
		log_warnx("backbone: relay log full: a %s line of %.*s is "
		    "history only", f->kind == FRAME_K_KICK ? "KICK" : "MODE",
		    (int)f->linelen, f->line);
	}
	G.ops.put(buf, (size_t)n, a->full ? 0 : a->mask,
	    ring_next_id_at_least(kd.ring, a->seq << ID_SHIFT),
	    (uint64_t)a->time_ms, a->seq);
	/* a mirror kicked out: its host's user is in one room less */
	if (f->kind == FRAME_K_KICK && f->sslot != UINT32_MAX &&
	    (e = roster_user_ext(kd.roster, (int32_t)f->sslot)) != NULL &&
	    roster_user(kd.roster, (int32_t)f->sslot)->worker ==
	    ROSTER_REMOTE && (u = *ruser_at(e->rnode, strlen(e->rnode),
	    e->rboot, e->rslot, e->rgen)) != NULL)
		ruser_room_gone(u, a->room);
}

/* The sender's numerics, on its host only. */
static void
applied_user(const struct frame_user *f, void *arg)
{
	struct applied *a = arg;
	uint8_t buf[FRAME_MAX];
	int n;

	if (!a->mine || a->worker < 0 || a->worker >= WORKERS_MAX ||
	    (n = frame_pack_user(buf, sizeof(buf), f)) == -1 ||
	    !G.ops.fits((size_t)n + 256))
		return;
	G.ops.put(buf, (size_t)n, 1ull << a->worker, ring_next_id(kd.ring),
	    (uint64_t)a->time_ms, 0);
}

static int
deliver_chanop(uint64_t seq, int64_t time_ms, const char *subject,
    const struct bb_chanop *m)
{
	static const struct chanop_out out0 = { applied_chan, applied_user,
	    NULL };
	char want[BB_SUBJECT_MAX], name[CHAN_MAX + 1];
	struct chanop_out out = out0;
	struct chanop_result res;
	struct frame_chanop f;
	struct applied a;
	struct ruser *u;
	int32_t idx;
	uint32_t gen = 0;

	memcpy(name, m->chan, m->chanlen);
	name[m->chanlen] = '\0';
	if (room_subject(name, want, sizeof(want)) == -1 ||
	    strcmp(want, subject) != 0) {
		dropped(seq, subject, "its room is not its subject's");
		return 0;
	}
	memset(&a, 0, sizeof(a));
	a.room = name;
	a.seq = seq;
	a.time_ms = time_ms;
	a.mine = own(&m->o);
	a.worker = a.mine ? m->o.worker : -1;
	if (!G.ops.fits(4 * (IRC_LINE_MAX + 256)))
		return 1;		/* later, with room for its lines */
	memset(&f, 0, sizeof(f));
	stamp_of(&f.st, &m->o, a.mine);
	f.op = m->op;
	f.args = m->args;
	f.argslen = m->argslen;
	if (a.mine) {
		f.oslot = m->o.oslot;
		f.ogen = m->o.ogen;
	} else if ((u = *ruser_at(m->o.node, m->o.nodelen, m->o.boot,
	    m->o.oslot, m->o.ogen)) != NULL && u->ms >= 0) {
		f.oslot = (uint32_t)u->ms;	/* its mirror here */
		f.ogen = u->mg;
	} else
		f.oslot = UINT32_MAX;	/* not known here: nothing to apply */
	idx = chan_local(m->chan, m->chanlen, &gen);
	out.arg = &a;
	if (idx >= 0 && f.oslot != UINT32_MAX) {
		f.chan = (uint32_t)idx;
		f.gen = gen;
		if (seq > G.news_after)
			a.mask = G.ops.chan_mask((uint32_t)idx, gen);
		ctx_roster_lock();
		if (chanop_apply(kd.roster, &f, kd.cfg.server_name, kd.now,
		    &out, &res) == -1)
			dropped(seq, subject, "a malformed channel change");
		ctx_roster_unlock();
		if (a.mine && res.override)
			log_info("oper %s used operator override on %s (%s)",
			    res.who, res.chan, f.op == FRAME_OP_MODE ? "MODE" :
			    f.op == FRAME_OP_TOPIC ? "TOPIC" : "KICK");
	}
	if (a.mine && m->o.worker != FRAME_ORIGIN_RELAY)
		label_chanop(m->o.worker, m->o.pid, &f.st, m->o.oslot,
		    m->o.ogen);
	return 0;
}

/* A private message from the stream: for a user of this host, and the
 * echo for its sender when the sender is of this host. */
static int
deliver_user(uint64_t seq, int64_t time_ms, const char *subject,
    const struct bb_user *m)
{
	char want[BB_SUBJECT_MAX];
	struct frame_user f;
	struct roster_user *u;
	uint64_t mask = 0;
	int mine = own(&m->o), n;
	int forme = m->tnodelen == G.nodelen && memcmp(m->tnode, G.node,
	    G.nodelen) == 0 && m->tboot == G.boot;

	if (snprintf(want, sizeof(want), "keochat.pm.%.*s", (int)m->tnodelen,
	    m->tnode) >= (int)sizeof(want) || strcmp(want, subject) != 0) {
		dropped(seq, subject, "its host is not its subject's");
		return 0;
	}
	if ((!mine && !forme) || seq <= G.news_after)
		return 0;	/* another host's, or old */
	memset(&f, 0, sizeof(f));
	stamp_of(&f.st, &m->o, mine);
	f.tslot = UINT32_MAX;
	f.oslot = mine ? m->o.oslot : UINT32_MAX;
	f.ogen = mine ? m->o.ogen : 0;
	f.kind = m->o.kind;
	f.uflags = mine ? (m->o.flags & FRAME_U_ECHO) : 0;
	f.tags = m->tags;
	f.tagslen = m->tagslen;
	f.line = m->line;
	f.linelen = m->linelen;
	f.account = m->account;
	f.accountlen = m->accountlen;
	if (forme) {
		ctx_roster_lock();
		if (roster_user_valid(kd.roster, (int32_t)m->tslot, m->tgen) &&
		    (u = roster_user(kd.roster, (int32_t)m->tslot)) != NULL &&
		    u->worker < WORKERS_MAX) {
			f.target = u->worker;
			f.tslot = m->tslot;
			f.tgen = m->tgen;
			mask |= 1ull << u->worker;
		}
		ctx_roster_unlock();
	}
	if (f.uflags & FRAME_U_ECHO) {
		if (mask == 0)
			f.target = m->o.worker;
		mask |= 1ull << m->o.worker;
	}
	if (mask == 0 || (n = frame_pack_user(G.buf, sizeof(G.buf), &f)) ==
	    -1)
		return 0;
	if (!G.ops.fits((size_t)n + 256))
		return 1;
	G.ops.put(G.buf, (size_t)n, mask, ring_next_id_at_least(kd.ring,
	    seq << ID_SHIFT), (uint64_t)time_ms, 0);
	return 0;
}

/* 0 taken (or dropped), 1 the log has no room: the message waits. */
static int
on_msg(uint64_t seq, int64_t time_ms, const char *subject,
    const uint8_t *data, size_t len, void *arg)
{
	static struct bb_multi mm;
	struct bb_chan cm;
	const char *why = NULL;
	int rc = 0;

	(void)arg;
	if (seq <= ring_stream_seq(kd.ring))
		return 0;	/* logged before this relay started */
	if (!G.ops.routing()) {
		G.stalled = 1;
		return 1;	/* after the recovery */
	}
	switch (bbmsg_type(data, len, &why)) {
	case BB_HOST: {
		struct bb_host h;
		char want[BB_SUBJECT_MAX];

		if (bbmsg_unpack_host(data, len, &h, &why) == -1)
			dropped(seq, subject, why);
		else if (snprintf(want, sizeof(want), "keochat.host.%.*s",
		    (int)h.nodelen, h.node) >= (int)sizeof(want) ||
		    strcmp(want, subject) != 0)
			dropped(seq, subject, "its node is not its subject's");
		else if (G.ever_up && seq > G.news_after)
			log_info("backbone: host %.*s started", (int)h.nodelen,
			    h.node);
		break;
	}
	case BB_CHAN:
		if (bbmsg_unpack_chan(data, len, &cm, &why) == -1)
			dropped(seq, subject, why);
		else
			rc = deliver_chan(seq, time_ms, subject, &cm);
		break;
	case BB_MULTI:
		if (bbmsg_unpack_multi(data, len, &mm, &why) == -1)
			dropped(seq, subject, why);
		else
			rc = deliver_multi(seq, time_ms, subject, &mm);
		break;
	case BB_CHANOP: {
		struct bb_chanop om;

		if (bbmsg_unpack_chanop(data, len, &om, &why) == -1)
			dropped(seq, subject, why);
		else
			rc = deliver_chanop(seq, time_ms, subject, &om);
		break;
	}
	case BB_USER: {
		struct bb_user um;

		if (bbmsg_unpack_user(data, len, &um, &why) == -1)
			dropped(seq, subject, why);
		else
			rc = deliver_user(seq, time_ms, subject, &um);
		break;
	}
	default:
		dropped(seq, subject, why != NULL ? why : "unknown type");
		break;
	}
	if (rc == 0)
		ring_stream_seq_set(kd.ring, seq);
	else
		G.stalled = 1;
	return rc;
}

static void
on_state(int up, uint64_t last, void *arg)
{
	(void)arg;
	/* a host that starts takes what came before as history; a relay
	 * that starts again carries on where the last one stopped */
	if (up && !G.ever_up && !G.resumed)
		G.news_after = last;
	if (up == G.up)
		return;
	G.up = up;
	if (up && !G.ever_up) {
		G.ever_up = 1;
		log_info("backbone: connected; stream %s from message %" PRIu64,
		    BB_STREAM, ring_stream_seq(kd.ring) + 1);
	}
	G.ops.state(up);
}

static void
on_log(int warn, const char *line, void *arg)
{
	(void)arg;
	if (warn)
		log_warnx("%s", line);
	else
		log_info("%s", line);
}

static void
on_event(int fd, uint32_t events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	G.stalled = bb_drain() > 0;
}

void
bridge_turn(void *arg)
{
	(void)arg;
	if (G.on && G.stalled)
		G.stalled = bb_drain() > 0;
	if (G.on && G.up)
		mirrors_sweep();
}

void
bridge_init(const struct bridge_ops *ops)
{
	static const struct bb_ops bops = { on_msg, on_acked, on_state,
	    on_log, on_gone, on_nick, NULL };
	char err[256], msgid[BB_MSGID_MAX];
	uint8_t hello[256];
	struct bb_host h;
	int n;

	if (!bridge_on())
		return;
	G.on = 1;
	G.ops = *ops;
	if ((G.names = calloc(kd.cfg.max_channels, sizeof(*G.names))) == NULL)
		fatalx("out of memory for the channel names");
	if (kd.cfg.node_name[0] != '\0')
		snprintf(G.node, sizeof(G.node), "%s", kd.cfg.node_name);
	else if (gethostname(G.node, sizeof(G.node)) == -1)
		fatal("gethostname");
	G.node[sizeof(G.node) - 1] = '\0';
	G.nodelen = strlen(G.node);
	G.boot = ring_boot(kd.ring);
	G.resumed = ring_stream_seq(kd.ring) > 0;
	if (ring_ids_fresh(kd.ring))	/* ids count from the stream's */
		ring_ids_restart(kd.ring, ring_stream_seq(kd.ring) <<
		    ID_SHIFT);
	mirrors_adopt();
	h.node = G.node;
	h.nodelen = G.nodelen;
	h.boot = G.boot;
	if ((n = bbmsg_pack_host(hello, sizeof(hello), &h)) == -1)
		fatalx("backbone: node-name %s too long", G.node);
	/* one per start of the host (a respawned relay says it again: the
	 * stream keeps it once) */
	snprintf(msgid, sizeof(msgid), "%s.%" PRIu64 ".hello", G.node, G.boot);
	if ((G.efd = bb_start(&kd.cfg, G.node, G.boot,
	    ring_stream_seq(kd.ring) + 1,
	    hello, (size_t)n, msgid, &bops, err, sizeof(err))) == -1)
		fatalx("backbone: %s", err);
	if (ev_fd_add(kd.ev, G.efd, EPOLLIN, on_event, NULL) == -1)
		fatal("event loop");
	log_info("backbone: node %s joining %s", G.node, kd.cfg.backbone);
}

void
bridge_close(void)
{
	unsigned i;

	if (!G.on)
		return;
	bb_stop();
	for (i = 0; i < WORKERS_MAX; i++) {
		pq_clear(&G.q[i], 0);
		free(G.q[i].v);
		G.q[i].v = NULL;
		G.q[i].cap = 0;
	}
	free(G.names);
	G.names = NULL;
	for (i = 0; i < RUSER_BUCKETS; i++)
		while (G.rusers[i] != NULL)
			ruser_free(&G.rusers[i]);
	G.on = 0;
}
