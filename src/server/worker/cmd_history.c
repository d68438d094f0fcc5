/*
 * cmd_history.c -- CHATHISTORY (draft/chathistory, with
 * draft/event-playback): a room's history read from the store on this
 * worker's read-only connection (WAL readers never wait for the relay,
 * which writes it), one bounded, indexed query per range, the answer in
 * a chathistory batch.  Who may read: a member of the room, or anyone
 * for a room that is neither +s, +i nor +k; the room must exist (a
 * registered room always does).  Anything else, and any reference that
 * does not parse, is a FAIL that names the problem and never says
 * whether the room has history.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "cmd.h"
#include "ctx.h"
#include "deliver.h"
#include "frame.h"
#include "histq.h"
#include "jobs.h"
#include "log.h"
#include "roster.h"
#include "store.h"
#include "valid.h"

/* The kinds a client gets back. */
static uint32_t
kinds_for(const struct client *c)
{
	uint32_t k = 1u << FRAME_K_PRIVMSG | 1u << FRAME_K_NOTICE;

	if (c->caps & CAP_MESSAGE_TAGS)
		k |= 1u << FRAME_K_TAGMSG;
	if (c->caps & CAP_EVENT_PLAYBACK)
		k |= 1u << FRAME_K_JOIN | 1u << FRAME_K_PART |
		    1u << FRAME_K_TOPIC | 1u << FRAME_K_QUIT |
		    1u << FRAME_K_NICK | 1u << FRAME_K_MODE |
		    1u << FRAME_K_KICK;
	return k;
}

static void
fail(struct client *c, const char *code, const char *context,
    const char *text)
{
	client_sendf(c, ":%s FAIL CHATHISTORY %s %s :%s", kd.cfg.server_name,
	    code, context, text);
}

/* What target's history is for c: a room it may read (a member, or a
 * room that is neither +s, +i nor +k), or its private conversation with
 * a nick (logged in: the peer's account, the nick's own name when it is
 * not connected).  1 with the store's key and the name to show. */
static int
may_read(const struct client *c, const char *target, char *key, size_t keysz,
    char *name, size_t namesz)
{
	char me[ACCOUNT_MAX * 2 + 1], peer[ACCOUNT_MAX * 2 + 1];
	struct roster_user_ext *e;
	struct roster_chan *ch;
	int32_t idx, slot;
	int ok = 0;

	if (target[0] == '#' || target[0] == '&') {
		ctx_roster_lock();
		if ((idx = roster_chan_find(kd.roster, target)) >= 0 &&
		    (ch = roster_chan(kd.roster, idx)) != NULL && ch->used) {
			if (roster_member_priv(kd.roster, c->slot, idx) >= 0 ||
			    (!(ch->modes & (CMODE_SECRET | CMODE_INVITE)) &&
			    ch->key[0] == '\0'))
				ok = 1;
			snprintf(name, namesz, "%s", ch->name);
		}
		ctx_roster_unlock();
		if (ok)
			irc_casefold(key, keysz, name);
		return ok;
	}
	if (c->account == NULL || nick_check(target, NICK_MAX) != NAME_OK)
		return 0;
	peer[0] = '\0';
	ctx_roster_lock();
	if (roster_find_registered(kd.roster, target, &slot) != NULL) {
		if ((e = roster_user_ext(kd.roster, slot)) != NULL &&
		    e->account[0] != '\0')
			irc_casefold(peer, sizeof(peer), e->account);
	} else
		irc_casefold(peer, sizeof(peer), target);
	ctx_roster_unlock();
	if (peer[0] == '\0')
		return 0;		/* a peer without an account: none kept */
	irc_casefold(me, sizeof(me), c->account);
	snprintf(key, keysz, "~%s %s", me, peer);
	snprintf(name, namesz, "%s", target);
	return 1;
}

struct out {
	struct client	*c;
	char		 bref[16];	/* the batch, "" without the cap */
	unsigned	 sent;
};

/* One history line as c gets it: the tags it negotiated, then the line
 * as the members got it. */
static void
send_row(struct client *c, const char *bref, const struct hist_row *r)
{
	char tags[IRC_TAGS_MAX + 256], t[32], id[16];
	size_t n = 0;

	tags[0] = '\0';
#define ADD(...)	do {						\
		int k_ = snprintf(tags + n, sizeof(tags) - n, __VA_ARGS__); \
		if (k_ > 0 && (size_t)k_ < sizeof(tags) - n)		\
			n += (size_t)k_;				\
	} while (0)
	if (bref[0] != '\0')
		ADD("%sbatch=%s", n ? ";" : "", bref);
	if ((c->caps & CAP_SERVER_TIME) && histq_format_time(t, sizeof(t),
	    r->time_ms) > 0)
		ADD("%stime=%s", n ? ";" : "", t);
	if ((c->caps & CAP_MESSAGE_TAGS) && deliver_msgid(id, sizeof(id),
	    r->id) > 0)
		ADD("%smsgid=%s", n ? ";" : "", id);
	if ((c->caps & CAP_ACCOUNT_TAG) && r->account[0] != '\0')
		ADD("%saccount=%s", n ? ";" : "", r->account);
	if ((c->caps & CAP_MESSAGE_TAGS) && r->tags[0] != '\0')
		ADD("%s%s", n ? ";" : "", r->tags);
#undef ADD
	if (n > 0)
		client_sendf(c, "@%s %s", tags, r->line);
	else
		client_sendf(c, "%s", r->line);
}

static int
row_out(const struct hist_row *r, void *arg)
{
	struct out *o = arg;

	send_row(o->c, o->bref, r);
	o->sent++;
	return 0;
}

/* Rows that come newest first are sent oldest first: kept, then sent. */
struct held {
	struct hist_row	*rows;
	char		*text;
	size_t		 n, cap, tlen, tcap;
	int		 oom;
};

/* Copy s (with its NUL) to the end of h's text: its offset, for now
 * (the text may move while it grows). */
static uintptr_t
hold_text(struct held *h, const char *s)
{
	size_t n = strlen(s) + 1;
	uintptr_t at = h->tlen;

	memcpy(h->text + h->tlen, s, n);
	h->tlen += n;
	return at;
}

static int
row_hold(const struct hist_row *r, void *arg)
{
	struct held *h = arg;
	size_t need = strlen(r->account) + strlen(r->tags) + strlen(r->line) +
	    3;
	void *p;

	if (h->n == h->cap) {
		size_t nc = h->cap ? h->cap * 2 : 64;

		if ((p = realloc(h->rows, nc * sizeof(*h->rows))) == NULL) {
			h->oom = 1;
			return 1;
		}
		h->rows = p;
		h->cap = nc;
	}
	if (h->tlen + need > h->tcap) {
		size_t nc = h->tcap ? h->tcap * 2 : 16384;

		while (nc < h->tlen + need)
			nc *= 2;
		if ((p = realloc(h->text, nc)) == NULL) {
			h->oom = 1;
			return 1;
		}
		h->text = p;
		h->tcap = nc;
	}
	h->rows[h->n] = *r;
	h->rows[h->n].account = (const char *)hold_text(h, r->account);
	h->rows[h->n].tags = (const char *)hold_text(h, r->tags);
	h->rows[h->n].line = (const char *)hold_text(h, r->line);
	h->n++;
	return 0;
}

/* The k-th row held, its strings where the text now is. */
static struct hist_row
held_row(const struct held *h, size_t k)
{
	struct hist_row row = h->rows[k];

	row.account = h->text + (uintptr_t)row.account;
	row.tags = h->text + (uintptr_t)row.tags;
	row.line = h->text + (uintptr_t)row.line;
	return row;
}

/* One range of the plan into c's batch; the rows given, or -1. */
static int
run_range(struct out *o, struct store *st, const char *fold,
    const struct histq_range *q)
{
	struct hist_pos lo, hi;
	struct hist_range r;
	struct held h;
	size_t i;
	int n;

	memset(&r, 0, sizeof(r));
	r.target = fold;
	r.kinds = kinds_for(o->c);
	r.limit = q->limit;
	r.newest = q->newest;
	if (q->has_lo) {
		lo.time_ms = q->lo.time_ms;
		lo.id = q->lo.id;
		r.lo = &lo;
	}
	if (q->has_hi) {
		hi.time_ms = q->hi.time_ms;
		hi.id = q->hi.id;
		r.hi = &hi;
	}
	if (q->limit == 0)
		return 0;
	if (!q->newest)
		return store_history_range(st, &r, row_out, o);
	memset(&h, 0, sizeof(h));
	n = store_history_range(st, &r, row_hold, &h);
	if (n >= 0 && !h.oom)
		for (i = h.n; i > 0; i--) {
			struct hist_row row = held_row(&h, i - 1);

			send_row(o->c, o->bref, &row);
			o->sent++;
		}
	free(h.rows);
	free(h.text);
	return h.oom ? -1 : n;
}

static void
batch_start(struct out *o, const char *type, const char *arg)
{
	static unsigned next;

	o->bref[0] = '\0';
	if (!(o->c->caps & CAP_BATCH))
		return;
	snprintf(o->bref, sizeof(o->bref), "h%u", ++next);
	client_sendf(o->c, ":%s BATCH +%s %s%s%s", kd.cfg.server_name,
	    o->bref, type, arg ? " " : "", arg ? arg : "");
}

static void
batch_end(struct out *o)
{
	if (o->bref[0] != '\0')
		client_sendf(o->c, ":%s BATCH -%s", kd.cfg.server_name,
		    o->bref);
}

/* TARGETS: the rooms of c and its private conversations with lines
 * between the two times, by their newest line, oldest first. */
struct tgt {
	char	 name[CHAN_MAX + 1];
	int64_t	 latest;
};

struct tgts {
	struct tgt	*t;
	unsigned	 n, cap;
};

static int
tgt_cmp(const void *a, const void *b)
{
	const struct tgt *x = a, *y = b;

	return x->latest < y->latest ? -1 : x->latest > y->latest;
}

static int
peer_add(const char *peer, int64_t latest, void *arg)
{
	struct tgts *ts = arg;

	if (ts->n == ts->cap)
		return 1;
	snprintf(ts->t[ts->n].name, sizeof(ts->t[0].name), "%s", peer);
	ts->t[ts->n++].latest = latest;
	return 0;
}

static void
targets(struct client *c, struct store *st, const struct histq_ref *a,
    const struct histq_ref *b, unsigned limit)
{
	char fold[CHAN_MAX * 4 + 1], ts[32];
	struct roster_user_ext *e;
	struct roster_user *u;
	struct roster_chan *ch;
	struct tgts all;
	unsigned rooms = 0, i, k;
	int64_t from, to, latest;
	struct out o;

	memset(&all, 0, sizeof(all));
	all.cap = CHANS_PER_USER_MAX + limit;
	if ((all.t = calloc(all.cap, sizeof(*all.t))) == NULL) {
		fail(c, "MESSAGE_ERROR", "TARGETS", "Out of memory");
		return;
	}
	from = a->time_ms < b->time_ms ? a->time_ms : b->time_ms;
	to = a->time_ms < b->time_ms ? b->time_ms : a->time_ms;
	ctx_roster_lock();
	e = roster_user_ext(kd.roster, c->slot);
	u = roster_user(kd.roster, c->slot);
	for (i = 0; e != NULL && u != NULL && i < u->nchans && i <
	    CHANS_PER_USER_MAX; i++) {
		if (e->chans[i] < 0 || (ch = roster_chan(kd.roster,
		    e->chans[i])) == NULL || !ch->used)
			continue;
		snprintf(all.t[rooms++].name, sizeof(all.t[0].name), "%s",
		    ch->name);
	}
	ctx_roster_unlock();
	for (i = 0, k = 0; i < rooms; i++) {
		irc_casefold(fold, sizeof(fold), all.t[i].name);
		if (store_history_latest(st, fold, from - 1, to + 1, &latest)
		    != 0)
			continue;
		all.t[k] = all.t[i];
		all.t[k++].latest = latest;
	}
	all.n = k;
	if (c->account != NULL)
		(void)store_history_peers(st, c->account, from - 1, to + 1,
		    limit, peer_add, &all);
	qsort(all.t, all.n, sizeof(all.t[0]), tgt_cmp);
	memset(&o, 0, sizeof(o));
	o.c = c;
	batch_start(&o, "draft/chathistory-targets", NULL);
	for (i = 0; i < all.n && i < limit; i++) {
		(void)histq_format_time(ts, sizeof(ts), all.t[i].latest);
		if (o.bref[0] != '\0')
			client_sendf(c, "@batch=%s :%s CHATHISTORY TARGETS %s "
			    "%s", o.bref, kd.cfg.server_name, all.t[i].name,
			    ts);
		else
			client_sendf(c, ":%s CHATHISTORY TARGETS %s %s",
			    kd.cfg.server_name, all.t[i].name, ts);
	}
	batch_end(&o);
	free(all.t);
}

void
cmd_chathistory(struct client *c, struct irc_msg *m)
{
	char fold[CHAN_MAX * 4 + 8], name[CHAN_MAX + 1];
	struct histq_ref a, b;
	struct histq_range plan[2];
	struct store *st = account_store();
	const char *sub = m->params[0], *tgt;
	unsigned limit, i;
	int s, np, nrefs;
	struct out o;

	if (!kd.cfg.history || st == NULL) {
		fail(c, "MESSAGE_ERROR", sub, "History is not kept on this "
		    "server");
		return;
	}
	if ((s = histq_sub(sub)) < 0) {
		fail(c, "INVALID_PARAMS", sub, "Unknown subcommand");
		return;
	}
	nrefs = s == HQ_BETWEEN || s == HQ_TARGETS ? 2 : 1;
	/* TARGETS has no target of its own */
	if (m->nparams < 2 + (size_t)nrefs + (s == HQ_TARGETS ? 0u : 1u)) {
		client_sendf(c, ":%s FAIL CHATHISTORY NEED_MORE_PARAMS %s :Not "
		    "enough parameters", kd.cfg.server_name, sub);
		return;
	}
	i = s == HQ_TARGETS ? 1 : 2;
	tgt = s == HQ_TARGETS ? NULL : m->params[1];
	if (histq_ref(m->params[i], s == HQ_LATEST, &a) == -1 ||
	    (nrefs == 2 && histq_ref(m->params[i + 1], 0, &b) == -1) ||
	    (s == HQ_TARGETS && (a.kind != HQ_TIME || b.kind != HQ_TIME))) {
		fail(c, "INVALID_PARAMS", sub, "Invalid message reference");
		return;
	}
	if (histq_limit(m->params[i + (unsigned)nrefs], HISTQ_LIMIT_MAX,
	    &limit) == -1) {
		fail(c, "INVALID_PARAMS", sub, "The limit must be 1 to "
		    "1000");	/* HISTQ_LIMIT_MAX */
		return;
	}
	if (s == HQ_TARGETS) {
		targets(c, st, &a, &b, limit);
		return;
	}
	if (!may_read(c, tgt, fold, sizeof(fold), name, sizeof(name))) {
		client_sendf(c, ":%s FAIL CHATHISTORY INVALID_TARGET %s %s "
		    ":Messages could not be retrieved", kd.cfg.server_name,
		    sub, tgt);
		return;
	}
	memset(&o, 0, sizeof(o));
	o.c = c;
	/* a msgid must be a line of this room: else there is nothing to
	 * place the range by, and the batch is empty */
	for (i = 0; i < (unsigned)nrefs; i++) {
		struct histq_ref *r = i == 0 ? &a : &b;
		struct hist_pos at;

		if (r->kind != HQ_MSGID)
			continue;
		if (store_history_find(st, fold, r->msgid, &at) != 0) {
			batch_start(&o, "chathistory", name);
			batch_end(&o);
			return;
		}
		r->time_ms = at.time_ms;
		r->id = at.id;
	}
	if ((np = histq_plan((enum histq_sub)s, &a, &b, limit, plan)) < 0) {
		fail(c, "INVALID_PARAMS", sub, "Invalid message reference");
		return;
	}
	batch_start(&o, "chathistory", name);
	for (i = 0; i < (unsigned)np; i++) {
		if (i == 1 && s == HQ_AROUND)
			plan[1].limit = limit - o.sent;
		if (run_range(&o, st, fold, &plan[i]) < 0) {
			log_warnx("CHATHISTORY %s %s: %s", sub, name,
			    store_errmsg(st));
			break;
		}
	}
	batch_end(&o);
}

/* --- replay on join ---------------------------------------------------------- */

/* A line without server-time says when it was said: "[YYYY-MM-DD
 * hh:mm:ss UTC] " before its text (after the ACTION of a /me). */
static void
send_dated(struct client *c, const char *bref, const struct hist_row *r)
{
	char btag[32] = "";
	char ts[32], when[40];
	const char *text;
	size_t head;

	if (bref[0] != '\0')
		snprintf(btag, sizeof(btag), "@batch=%s ", bref);
	if ((text = strstr(r->line, " :")) == NULL ||
	    histq_format_time(ts, sizeof(ts), r->time_ms) == 0) {
		client_sendf(c, "%s%s", btag, r->line);
		return;
	}
	/* 2019-01-04T14:33:26.123Z -> 2019-01-04 14:33:26 */
	ts[10] = ' ';
	ts[19] = '\0';
	snprintf(when, sizeof(when), "[%s UTC] ", ts);
	text += 2;
	head = (size_t)(text - r->line);
	if (strncmp(text, "\001ACTION ", 8) == 0)
		head += 8;
	client_sendf(c, "%s%.*s%s%s", btag, (int)head, r->line, when,
	    r->line + head);
}

void
history_replay(struct client *c, int32_t chan)
{
	char fold[CHAN_MAX * 4 + 1], name[CHAN_MAX + 1];
	struct store *st = account_store();
	struct roster_chan *ch;
	struct hist_range r;
	struct held h;
	struct out o;
	size_t i;

	if ((c->caps & CAP_CHATHISTORY) || !kd.cfg.history ||
	    kd.cfg.history_replay_lines == 0 || st == NULL)
		return;
	name[0] = '\0';
	ctx_roster_lock();
	if ((ch = roster_chan(kd.roster, chan)) != NULL && ch->used)
		snprintf(name, sizeof(name), "%s", ch->name);
	ctx_roster_unlock();
	if (name[0] == '\0')
		return;
	irc_casefold(fold, sizeof(fold), name);
	memset(&r, 0, sizeof(r));
	r.target = fold;
	r.kinds = 1u << FRAME_K_PRIVMSG | 1u << FRAME_K_NOTICE;
	r.limit = kd.cfg.history_replay_lines;
	r.newest = 1;
	memset(&h, 0, sizeof(h));
	if (store_history_range(st, &r, row_hold, &h) > 0 && !h.oom) {
		memset(&o, 0, sizeof(o));
		o.c = c;
		batch_start(&o, "chathistory", name);
		for (i = h.n; i > 0; i--) {
			struct hist_row row = held_row(&h, i - 1);

			if (c->caps & CAP_SERVER_TIME)
				send_row(c, o.bref, &row);
			else
				send_dated(c, o.bref, &row);
		}
		batch_end(&o);
	}
	free(h.rows);
	free(h.text);
}

/* --- messages that waited ------------------------------------------------------ */

struct cleared {
	struct job	 j;
	char		 account[ACCOUNT_MAX + 1];
	int64_t		 time_ms;
	uint64_t	 id;
};

static int
clear_run(struct job *j, struct store *st)
{
	struct cleared *k = (struct cleared *)j;

	return store_waiting_clear(st, k->account, k->time_ms, k->id);
}

static void
clear_done(struct job *j)
{
	struct cleared *k = (struct cleared *)j;

	if (j->rc != 0)
		log_warnx("the messages that waited for %s are still marked "
		    "waiting", k->account);
}

void
history_waiting(struct client *c)
{
	struct store *st = account_store();
	struct cleared *k;
	struct held h;
	struct out o;
	size_t i;
	int n;

	if (st == NULL || c->account == NULL || !kd.cfg.history)
		return;
	memset(&h, 0, sizeof(h));
	if ((n = store_waiting_each(st, c->account, HISTQ_LIMIT_MAX, row_hold,
	    &h)) <= 0 || h.oom) {
		free(h.rows);
		free(h.text);
		return;
	}
	client_sendf(c, ":%s NOTICE %s :%d private message%s waited for you "
	    "while you were away%s", kd.cfg.server_name, c->nick, n, n == 1 ?
	    "" : "s", (c->caps & CAP_CHATHISTORY) ? " (CHATHISTORY TARGETS "
	    "lists them)" : ":");
	if (!(c->caps & CAP_CHATHISTORY)) {
		memset(&o, 0, sizeof(o));
		o.c = c;
		batch_start(&o, "chathistory", c->nick);
		for (i = 0; i < h.n; i++) {
			struct hist_row row = held_row(&h, i);

			if (c->caps & CAP_SERVER_TIME)
				send_row(c, o.bref, &row);
			else
				send_dated(c, o.bref, &row);
		}
		batch_end(&o);
	}
	if ((k = calloc(1, sizeof(*k))) != NULL) {
		k->j.run = clear_run;
		k->j.done = clear_done;
		k->j.slot = -1;
		snprintf(k->account, sizeof(k->account), "%s", c->account);
		k->time_ms = h.rows[h.n - 1].time_ms;
		k->id = h.rows[h.n - 1].id;
		if (jobs_submit(&k->j) == -1)
			free(k);
	}
	free(h.rows);
	free(h.text);
}

/* --- SEARCH (draft/search) ---------------------------------------------------- */

void
cmd_search(struct client *c, struct irc_msg *m)
{
	char keys[SEARCH_TARGETS_MAX][CHAN_MAX * 4 + 8], name[CHAN_MAX + 1];
	char own[ACCOUNT_MAX * 2 + 2], attrs[IRC_LINE_MAX];
	const char *tv[SEARCH_TARGETS_MAX], *bad;
	struct store *st = account_store();
	struct roster_user_ext *e;
	struct roster_user *u;
	struct roster_chan *ch;
	struct histq_search hq;
	struct search_query sq;
	struct held h;
	struct out o;
	size_t n = 0, i;
	int rc;

	if (!kd.cfg.history || st == NULL) {
		client_sendf(c, ":%s FAIL SEARCH INTERNAL_ERROR :History is not "
		    "kept on this server", kd.cfg.server_name);
		return;
	}
	snprintf(attrs, sizeof(attrs), "%s", m->params[0]);
	if (histq_search_parse(attrs, &hq, &bad) == -1) {
		client_sendf(c, ":%s FAIL SEARCH INVALID_PARAMS %s :Invalid "
		    "parameters", kd.cfg.server_name, *bad ? bad : "*");
		return;
	}
	memset(&sq, 0, sizeof(sq));
	if (hq.in != NULL) {
		/* one target, as CHATHISTORY would read it */
		if (!may_read(c, hq.in, keys[0], sizeof(keys[0]), name,
		    sizeof(name))) {
			client_sendf(c, ":%s FAIL SEARCH INVALID_PARAMS in "
			    ":Messages could not be retrieved",
			    kd.cfg.server_name);
			return;
		}
		tv[n++] = keys[0];
	} else {
		/* the rooms c is in, and its own conversations */
		ctx_roster_lock();
		e = roster_user_ext(kd.roster, c->slot);
		u = roster_user(kd.roster, c->slot);
		for (i = 0; e != NULL && u != NULL && i < u->nchans && i <
		    CHANS_PER_USER_MAX && n < SEARCH_TARGETS_MAX; i++) {
			if (e->chans[i] < 0 || (ch = roster_chan(kd.roster,
			    e->chans[i])) == NULL || !ch->used)
				continue;
			irc_casefold(keys[n], sizeof(keys[n]), ch->name);
			tv[n] = keys[n];
			n++;
		}
		ctx_roster_unlock();
		if (c->account != NULL) {
			own[0] = '~';
			irc_casefold(own + 1, sizeof(own) - 1, c->account);
			sq.own_prefix = own;
		}
	}
	sq.targets = tv;
	sq.ntargets = n;
	sq.text = hq.text;
	sq.from = hq.from;
	sq.after_ms = hq.after_ms;
	sq.before_ms = hq.before_ms;
	sq.limit = hq.limit;
	memset(&h, 0, sizeof(h));
	if ((rc = store_search(st, &sq, row_hold, &h)) == -2) {
		client_sendf(c, ":%s FAIL SEARCH INVALID_PARAMS text :Nothing to "
		    "search for", kd.cfg.server_name);
	} else if (rc < 0 || h.oom) {
		log_warnx("SEARCH: %s", store_errmsg(st));
		client_sendf(c, ":%s FAIL SEARCH INTERNAL_ERROR :The search "
		    "could not be run", kd.cfg.server_name);
	} else {
		memset(&o, 0, sizeof(o));
		o.c = c;
		batch_start(&o, "draft/search", NULL);
		for (i = h.n; i > 0; i--) {	/* oldest first */
			struct hist_row row = held_row(&h, i - 1);

			send_row(c, o.bref, &row);
		}
		batch_end(&o);
	}
	free(h.rows);
	free(h.text);
}
