/*
 * cmd_chanserv.c -- ChanServ: channels that belong to an account.
 *
 * A registered channel has a founder (an account), an access list (op or
 * voice, by account), and its modes, key, limit, topic and b/e/I lists
 * kept in the store; the master restores them into the roster at start,
 * and the roster keeps the channel when it empties.  Members with access
 * get +o or +v when they join (or log in), from ChanServ, through the
 * relay like any change.  A change to a registered channel is saved once
 * the relay has applied it (the CHANOP's LABELDONE): a snapshot of the
 * roster's channel goes to the store on the job thread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "account.h"
#include "cmd.h"
#include "cmd_account.h"
#include "cmd_chanserv.h"
#include "ctx.h"
#include "deliver.h"
#include "jobs.h"
#include "log.h"
#include "roster.h"
#include "store.h"
#include "valid.h"

#define DIRTY_MAX	64

/* Registered channels changed since their last save (idx, gen). */
static struct {
	int32_t	 idx[DIRTY_MAX];
	uint32_t gen[DIRTY_MAX];
	unsigned n;
} dirty;

static void
say(struct client *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
say(struct client *c, const char *fmt, ...)
{
	char text[IRC_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	account_notice(c, "ChanServ", "%s", text);
}

/* --- saving ------------------------------------------------------------------- */

struct save {
	struct job	 j;
	struct reg_chan	 c;
	unsigned	 n;
	enum store_rc	 rc;
	int		 reg;		/* REGISTER (founder set), else a save */
	struct reg_list	 l[LIST_MAX];
};

/* The roster's channel as the store keeps it.  Lock held. */
static void
snapshot(int32_t idx, struct save *s)
{
	const struct roster_chan *ch = roster_chan(kd.roster, idx);
	const struct roster_mask *m;
	int32_t e;

	snprintf(s->c.name, sizeof(s->c.name), "%s", ch->name);
	s->c.created = ch->created;
	s->c.modes = ch->modes;
	snprintf(s->c.key, sizeof(s->c.key), "%s", ch->key);
	s->c.limit = ch->limit;
	snprintf(s->c.topic, sizeof(s->c.topic), "%s", ch->topic);
	snprintf(s->c.topic_by, sizeof(s->c.topic_by), "%s", ch->topic_by);
	s->c.topic_time = ch->topic_time;
	for (e = roster_list_first(kd.roster, idx); e >= 0 && s->n < LIST_MAX;
	    e = roster_list_next(kd.roster, e)) {
		m = roster_list_entry(kd.roster, e);
		if (m->type != 'b' && m->type != 'e' && m->type != 'I')
			continue;
		s->l[s->n].kind = (char)m->type;
		snprintf(s->l[s->n].mask, sizeof(s->l[s->n].mask), "%s",
		    m->mask);
		snprintf(s->l[s->n].by, sizeof(s->l[s->n].by), "%s", m->by);
		s->l[s->n].at = m->when;
		s->n++;
	}
}

static int
save_run(struct job *j, struct store *st)
{
	struct save *s = (struct save *)j;

	if (s->reg && (s->rc = store_chan_register(st, &s->c)) != STORE_OK)
		return 0;
	s->rc = store_chan_save(st, &s->c, s->l, s->n);
	return 0;
}

static void
save_done(struct job *j)
{
	struct save *s = (struct save *)j;
	struct client *c = client_by_slot(j->slot, j->gen);
	int32_t idx;

	if (j->rc != 0)			/* the thread has no store */
		s->rc = STORE_ERROR;
	if (s->rc == STORE_ERROR)
		log_warnx("ChanServ: cannot save %s: %s", s->c.name, s->reg ?
		    "registration failed" : "the store refused it");
	if (!s->reg)
		return;
	if (s->rc == STORE_OK) {
		ctx_roster_lock();
		if ((idx = roster_chan_find(kd.roster, s->c.name)) >= 0)
			(void)roster_chan_keep(kd.roster, idx, 1);
		ctx_roster_unlock();
		log_info("ChanServ: %s registered to %s", s->c.name,
		    s->c.founder);
	}
	if (c == NULL || c->state >= CL_DYING)
		return;
	if (s->rc == STORE_OK)
		say(c, "%s is registered to %s.", s->c.name, s->c.founder);
	else
		say(c, "%s: %s", s->c.name, s->rc == STORE_EXISTS ?
		    "it is registered already." : "it could not be registered.");
}

static void
save_submit(struct save *s)
{
	s->j.run = save_run;
	s->j.done = save_done;
	s->rc = STORE_ERROR;
	if (jobs_submit(&s->j) == -1) {
		log_warnx("ChanServ: the job queue is full; %s not saved",
		    s->c.name);
		free(s);
	}
}

void
chanserv_note(int32_t idx, uint32_t gen)
{
	unsigned i;

	for (i = 0; i < dirty.n; i++)
		if (dirty.idx[i] == idx && dirty.gen[i] == gen)
			return;
	if (dirty.n == DIRTY_MAX)
		chanserv_flush();	/* saves what it can now */
	dirty.idx[dirty.n] = idx;
	dirty.gen[dirty.n++] = gen;
}

void
chanserv_flush(void)
{
	const struct roster_chan *ch;
	struct save *s;
	unsigned i;

	for (i = 0; i < dirty.n; i++) {
		if ((s = calloc(1, sizeof(*s))) == NULL)
			break;
		s->j.slot = -1;
		ctx_roster_lock();
		ch = roster_chan(kd.roster, dirty.idx[i]);
		if (ch == NULL || !ch->used || ch->gen != dirty.gen[i] ||
		    !ch->keep) {
			ctx_roster_unlock();
			free(s);
			continue;
		}
		snapshot(dirty.idx[i], s);
		ctx_roster_unlock();
		save_submit(s);
	}
	dirty.n = 0;
}

/* --- access --------------------------------------------------------------- */

/* ChanServ sets a mode for c's sake (through the relay, in order). */
static void
service_mode(struct client *c, int32_t idx, uint32_t gen, const char *modes,
    const char *nick)
{
	char args[IRC_LINE_MAX];
	int n = snprintf(args, sizeof(args), "%s %s", modes, nick);

	if (n > 0 && (size_t)n < sizeof(args))
		send_chanop_as(idx, gen, c, FRAME_S_SERVICE, FRAME_OP_MODE,
		    args, (size_t)n);
}

void
chanserv_joined(struct client *c, int32_t idx)
{
	struct store *ro = account_store();
	const struct roster_chan *ch;
	struct reg_chan rc;
	char name[CHAN_MAX + 1];
	uint32_t gen;
	char lvl;
	int keep;

	if (c->account == NULL || ro == NULL)
		return;
	ctx_roster_lock();
	ch = roster_chan(kd.roster, idx);
	keep = ch != NULL && ch->used && ch->keep;
	gen = ch != NULL ? ch->gen : 0;
	if (keep)
		snprintf(name, sizeof(name), "%s", ch->name);
	ctx_roster_unlock();
	if (!keep || store_chan_get(ro, name, &rc) != STORE_OK)
		return;
	if ((lvl = account_chan_level(c, rc.name)) == 'F' || lvl == 'o')
		service_mode(c, idx, gen, "+o", c->nick);
	else if (lvl == 'v')
		service_mode(c, idx, gen, "+v", c->nick);
}

/* --- commands ------------------------------------------------------------ */

/* The registered channel named, with its roster index; 0 or -1 said. */
static int
find(struct client *c, const char *name, struct reg_chan *rc, int32_t *idx,
    uint32_t *gen)
{
	struct store *ro = account_store();
	const struct roster_chan *ch;

	if (ro == NULL) {
		say(c, "Channel registration is not available right now.");
		return -1;
	}
	if (chan_check(name) != NAME_OK || store_chan_get(ro, name, rc) !=
	    STORE_OK) {
		say(c, "%.*s is not registered.", CHAN_MAX, chan_check(name) ==
		    NAME_OK ? name : "That");
		return -1;
	}
	*idx = -1;
	*gen = 0;
	ctx_roster_lock();
	if ((*idx = roster_chan_find(kd.roster, name)) >= 0 &&
	    (ch = roster_chan(kd.roster, *idx)) != NULL)
		*gen = ch->gen;
	ctx_roster_unlock();
	return 0;
}

static void
cs_register(struct client *c, const char *name)
{
	struct save *s;
	int32_t idx;
	int priv = -1, kept = 0;

	if (c->account == NULL) {
		say(c, "Log in first (SASL, or /msg NickServ IDENTIFY).");
		return;
	}
	if (chan_check(name) != NAME_OK) {
		say(c, "That is not a channel name.");
		return;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return;
	ctx_roster_lock();
	if ((idx = roster_chan_find(kd.roster, name)) >= 0) {
		priv = roster_member_priv(kd.roster, c->slot, idx);
		kept = roster_chan(kd.roster, idx)->keep;
		if (priv >= 0 && (priv & MEMBER_OP) && !kept)
			snapshot(idx, s);
	}
	ctx_roster_unlock();
	if (kept) {
		say(c, "%s is registered already.", name);
		free(s);
		return;
	}
	if (priv < 0 || !(priv & MEMBER_OP)) {
		say(c, "You must be a channel operator of %s to register it.",
		    name);
		free(s);
		return;
	}
	snprintf(s->c.founder, sizeof(s->c.founder), "%s", c->account);
	s->c.created = kd.now;
	s->reg = 1;
	s->j.slot = c->slot;
	s->j.gen = c->gen;
	save_submit(s);
}

struct chanjob {
	struct job	 j;
	enum { CJ_DROP, CJ_ACCESS, CJ_FOUNDER, CJ_HISTORY } op;
	char		 chan[CHAN_MAX + 1];
	char		 account[ACCOUNT_MAX + 1];
	char		 level;
	int		 days, lines;	/* CJ_HISTORY; -1: the server's */
	enum store_rc	 rc;
};

static const char *
days_text(int n)
{
	static char b[32];

	snprintf(b, sizeof(b), "%d day%s", n, n == 1 ? "" : "s");
	return b;
}

static const char *
lines_text(int n)
{
	static char b[32];

	snprintf(b, sizeof(b), "%d line%s", n, n == 1 ? "" : "s");
	return b;
}

static int
chanjob_run(struct job *j, struct store *st)
{
	struct chanjob *k = (struct chanjob *)j;
	struct account a;

	switch (k->op) {
	case CJ_DROP:
		k->rc = store_chan_drop(st, k->chan);
		break;
	case CJ_ACCESS:
		if (k->level && store_account_get(st, k->account, &a) !=
		    STORE_OK) {
			k->rc = STORE_NOTFOUND;
			break;
		}
		k->rc = store_chan_access_set(st, k->chan, k->account,
		    k->level);
		break;
	case CJ_FOUNDER:
		if (store_account_get(st, k->account, &a) != STORE_OK) {
			k->rc = STORE_NOTFOUND;
			break;
		}
		k->rc = store_chan_set_founder(st, k->chan, k->account);
		break;
	case CJ_HISTORY:
		k->rc = store_chan_history(st, k->chan, &k->days, &k->lines,
		    1);
		break;
	}
	return 0;
}

static void
chanjob_done(struct job *j)
{
	struct chanjob *k = (struct chanjob *)j;
	struct client *c = client_by_slot(j->slot, j->gen);
	int32_t idx;

	if (j->rc != 0)
		k->rc = STORE_ERROR;
	if (k->op == CJ_DROP && k->rc == STORE_OK) {
		ctx_roster_lock();
		if ((idx = roster_chan_find(kd.roster, k->chan)) >= 0)
			(void)roster_chan_keep(kd.roster, idx, 0);
		ctx_roster_unlock();
		log_info("ChanServ: %s dropped", k->chan);
	}
	if (c == NULL || c->state >= CL_DYING)
		return;
	if (k->rc != STORE_OK) {
		say(c, "%s: %s", k->chan, k->rc == STORE_NOTFOUND ?
		    "no such account, or nothing to change." :
		    "that could not be done.");
		return;
	}
	switch (k->op) {
	case CJ_DROP:
		say(c, "%s is no longer registered.", k->chan);
		break;
	case CJ_ACCESS:
		if (k->level)
			say(c, "%s has %s access to %s.", k->account,
			    k->level == 'o' ? "op" : "voice", k->chan);
		else
			say(c, "%s has no access to %s now.", k->account,
			    k->chan);
		break;
	case CJ_FOUNDER:
		say(c, "%s now belongs to %s.", k->chan, k->account);
		break;
	case CJ_HISTORY:
		if (k->days < 0)
			say(c, "%s keeps its history as the server does.",
			    k->chan);
		else
			say(c, "%s keeps its history for %s%s and %s%s (the "
			    "server's limits still apply).", k->chan,
			    k->days ? "" : "as many days as the server",
			    k->days ? days_text(k->days) : "", k->lines ? "" :
			    "as many lines as the server", k->lines ?
			    lines_text(k->lines) : "");
		break;
	}
}

static struct chanjob *
chanjob(struct client *c, int op, const char *chan, const char *account,
    char level)
{
	struct chanjob *k = calloc(1, sizeof(*k));

	if (k == NULL)
		return NULL;
	k->j.run = chanjob_run;
	k->j.done = chanjob_done;
	k->rc = STORE_ERROR;
	k->j.slot = c->slot;
	k->j.gen = c->gen;
	k->op = op;
	snprintf(k->chan, sizeof(k->chan), "%s", chan);
	snprintf(k->account, sizeof(k->account), "%s", account ? account : "");
	k->level = level;
	return k;
}

static void
chanjob_go(struct client *c, struct chanjob *k)
{
	if (k != NULL && jobs_submit(&k->j) == -1) {
		free(k);
		say(c, "The server is busy; try again.");
	}
}

static int
list_access(const char *account, char level, void *arg)
{
	say(arg, "  %-20s %s", account, level == 'o' ? "op" : "voice");
	return 0;
}

static void
cs_info(struct client *c, const struct reg_chan *rc)
{
	char when[64];
	int days = -1, lines = -1;
	struct tm tm;
	time_t t = (time_t)rc->created;

	if (gmtime_r(&t, &tm) == NULL || strftime(when, sizeof(when),
	    "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(when, sizeof(when), "?");
	say(c, "Information on %s:", rc->name);
	say(c, "Founder: %s", rc->founder);
	say(c, "Registered: %s", when);
	if (account_store() != NULL && store_chan_history(account_store(),
	    rc->name, &days, &lines, 0) == STORE_OK && days >= 0)
		say(c, "History: %s, %s (the server keeps %u days, %u lines; "
		    "0: no limit)", days ? days_text(days) : "the server's days",
		    lines ? lines_text(lines) : "the server's lines",
		    kd.cfg.history_max_days, kd.cfg.history_max_lines);
	say(c, "End of the information.");
}

static void
cs_help(struct client *c)
{
	static const char *const lines[] = {
		"ChanServ keeps channels for their founders.",
		"REGISTER #channel  register a channel you are an operator of",
		"INFO #channel  who founded it, and when",
		"OP|DEOP|VOICE|DEVOICE #channel [nick]  (with access)",
		"ACCESS #channel LIST | ADD <account> op|voice | DEL <account>",
		"SET #channel FOUNDER <account>  give it away (founder)",
		("SET #channel HISTORY <days> <lines> | DEFAULT  keep less "
		    "history (founder)"),
		"DROP #channel  unregister it (founder)",
	};
	size_t i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		say(c, "%s", lines[i]);
}

/* SET #c HISTORY <days> <lines> (0: as long / as many as the server
 * keeps) or DEFAULT: the room's own, tighter retention. */
static void
cs_set_history(struct client *c, const struct reg_chan *rc, int nw, char **w)
{
	struct chanjob *k;
	char *end;
	long d = -1, l = -1;

	if (strcasecmp(w[3], "DEFAULT") != 0) {
		if (nw < 5)
			goto usage;
		d = strtol(w[3], &end, 10);
		if (*w[3] == '\0' || *end != '\0' || d < 0 || d > 36500)
			goto usage;
		l = strtol(w[4], &end, 10);
		if (*w[4] == '\0' || *end != '\0' || l < 0 || l > 100000000)
			goto usage;
	}
	if ((k = chanjob(c, CJ_HISTORY, rc->name, NULL, 0)) == NULL)
		return;
	k->days = (int)d;
	k->lines = (int)l;
	chanjob_go(c, k);
	return;
usage:
	say(c, "Usage: SET %s HISTORY <days 0-36500> <lines 0-100000000> "
	    "(0: the server's) | HISTORY DEFAULT", rc->name);
}

/* OP, DEOP, VOICE, DEVOICE. */
static void
cs_mode(struct client *c, const char *cmd, const struct reg_chan *rc,
    int32_t idx, uint32_t gen, const char *nick)
{
	int op = strcasecmp(cmd, "OP") == 0 || strcasecmp(cmd, "DEOP") == 0;
	int on = strncasecmp(cmd, "DE", 2) != 0;
	char lvl = account_chan_level(c, rc->name);
	int32_t slot = -1;

	if (idx < 0) {
		say(c, "Nobody is in %s.", rc->name);
		return;
	}
	if (!(lvl == 'F' || lvl == 'o' || (!op && lvl == 'v' &&
	    irc_casecmp(nick, c->nick) == 0))) {
		say(c, "You have no access to do that in %s.", rc->name);
		return;
	}
	ctx_roster_lock();
	(void)roster_find_registered(kd.roster, nick, &slot);
	if (slot >= 0 && roster_member_priv(kd.roster, slot, idx) < 0)
		slot = -1;
	ctx_roster_unlock();
	if (slot < 0) {
		say(c, "%.*s is not in %s.", NICK_MAX, nick, rc->name);
		return;
	}
	service_mode(c, idx, gen, op ? (on ? "+o" : "-o") : (on ? "+v" : "-v"),
	    nick);
}

void
chanserv(struct client *c, const char *text)
{
	char buf[IRC_LINE_MAX], *w[5], *p;
	struct reg_chan rc;
	int32_t idx;
	uint32_t gen;
	int nw = 0;
	char lvl;

	snprintf(buf, sizeof(buf), "%s", text);
	for (p = strtok(buf, " "); p != NULL && nw < 5; p = strtok(NULL, " "))
		w[nw++] = p;
	if (nw == 0 || strcasecmp(w[0], "HELP") == 0) {
		cs_help(c);
		return;
	}
	if (nw < 2) {
		say(c, "%s needs a channel; try HELP.", w[0]);
		return;
	}
	if (strcasecmp(w[0], "REGISTER") == 0) {
		cs_register(c, w[1]);
		return;
	}
	if (find(c, w[1], &rc, &idx, &gen) == -1)
		return;
	lvl = account_chan_level(c, rc.name);
	if (strcasecmp(w[0], "INFO") == 0)
		cs_info(c, &rc);
	else if (strcasecmp(w[0], "OP") == 0 || strcasecmp(w[0], "DEOP") == 0 ||
	    strcasecmp(w[0], "VOICE") == 0 || strcasecmp(w[0], "DEVOICE") == 0)
		cs_mode(c, w[0], &rc, idx, gen, nw > 2 ? w[2] : c->nick);
	else if (strcasecmp(w[0], "ACCESS") == 0) {
		if (nw >= 3 && strcasecmp(w[2], "LIST") == 0 && lvl) {
			say(c, "Access to %s (founder %s):", rc.name,
			    rc.founder);
			(void)store_chan_access_each(account_store(), rc.name,
			    list_access, c);
			say(c, "End of the list.");
		} else if (lvl != 'F')
			say(c, "Only the founder of %s may change its access "
			    "list.", rc.name);
		else if (nw >= 5 && strcasecmp(w[2], "ADD") == 0 &&
		    (strcasecmp(w[4], "op") == 0 ||
		    strcasecmp(w[4], "voice") == 0))
			chanjob_go(c, chanjob(c, CJ_ACCESS, rc.name, w[3],
			    strcasecmp(w[4], "op") == 0 ? 'o' : 'v'));
		else if (nw >= 4 && strcasecmp(w[2], "DEL") == 0)
			chanjob_go(c, chanjob(c, CJ_ACCESS, rc.name, w[3],
			    0));
		else
			say(c, "Usage: ACCESS %s LIST | ADD <account> op|voice | "
			    "DEL <account>", rc.name);
	} else if (strcasecmp(w[0], "SET") == 0) {
		if (lvl != 'F')
			say(c, "Only the founder of %s may change it.",
			    rc.name);
		else if (nw >= 4 && strcasecmp(w[2], "FOUNDER") == 0)
			chanjob_go(c, chanjob(c, CJ_FOUNDER, rc.name, w[3],
			    0));
		else if (nw >= 4 && strcasecmp(w[2], "HISTORY") == 0)
			cs_set_history(c, &rc, nw, w);
		else
			say(c, "Usage: SET %s FOUNDER <account> | HISTORY "
			    "<days> <lines> | HISTORY DEFAULT", rc.name);
	} else if (strcasecmp(w[0], "DROP") == 0) {
		if (lvl != 'F' && !(c->umodes & ROSTER_UF_OPER))
			say(c, "Only the founder of %s may drop it.", rc.name);
		else
			chanjob_go(c, chanjob(c, CJ_DROP, rc.name, NULL, 0));
	} else
		say(c, "Unknown command %.32s; try HELP.", w[0]);
}

void
cmd_chanserv(struct client *c, struct irc_msg *m)
{
	char text[IRC_LINE_MAX];

	account_service_text(m, text, sizeof(text));
	chanserv(c, text);
}
