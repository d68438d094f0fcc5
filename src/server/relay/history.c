/*
 * history.c -- see history.h.
 */
#include <stdio.h>
#include <string.h>

#include "ctx.h"
#include "frame.h"
#include "history.h"
#include "log.h"
#include "roster.h"
#include "store.h"
#include "valid.h"

static struct {
	struct store	*st;
	int		 txn;		/* a transaction is open */
	unsigned	 failed;	/* writes refused since the last log */
	unsigned	 rows;		/* in the open transaction */
} H;

int
history_open(void)
{
	char err[512];

	if (!kd.cfg.history || kd.state_dir[0] == '\0')
		return 0;
	if ((H.st = store_open(kd.state_dir, 0, 0, err, sizeof(err))) ==
	    NULL) {
		log_warnx("history: %s; the rooms' history is not kept", err);
		return -1;
	}
	return 0;
}

void
history_close(void)
{
	history_turn(NULL);
	store_close(H.st);
	H.st = NULL;
}

/* Which kinds of a room's lines are kept: messages and the events of
 * event-playback. */
int
history_kind_kept(unsigned kind)
{
	switch (kind) {
	case FRAME_K_PRIVMSG:
	case FRAME_K_NOTICE:
	case FRAME_K_TAGMSG:
	case FRAME_K_JOIN:
	case FRAME_K_PART:
	case FRAME_K_TOPIC:
	case FRAME_K_QUIT:
	case FRAME_K_NICK:
	case FRAME_K_MODE:
	case FRAME_K_KICK:
		return 1;
	default:
		return 0;
	}
}

/* The channel a line ":src CMD #chan ..." is for, folded; 0 or -1. */
static int
line_target(const char *line, size_t len, char *out, size_t outsz)
{
	const char *p = line, *end = line + len, *t;
	char name[CHAN_MAX + 1];
	size_t n;
	int i;

	for (i = 0; i < 2; i++) {	/* the source, the command */
		while (p < end && *p != ' ')
			p++;
		while (p < end && *p == ' ')
			p++;
	}
	for (t = p; p < end && *p != ' '; p++)
		;
	n = (size_t)(p - t);
	if (n == 0 || n > CHAN_MAX || (*t != '#' && *t != '&'))
		return -1;
	memcpy(name, t, n);
	name[n] = '\0';
	irc_casefold(out, outsz, name);
	return 0;
}

static void
add(const char *target, const struct frame_stamp *st, unsigned kind,
    const char *account, size_t accountlen, const char *tags, size_t tagslen,
    const char *line, size_t linelen)
{
	char acct[NICK_MAX + 1], tg[IRC_TAGS_MAX + 1], ln[IRC_LINE_MAX + 1];
	struct hist_row r;

	if (accountlen >= sizeof(acct) || tagslen >= sizeof(tg) ||
	    linelen >= sizeof(ln))
		return;			/* the codec bounds these */
	memcpy(acct, account, accountlen);
	acct[accountlen] = '\0';
	memcpy(tg, tags, tagslen);
	tg[tagslen] = '\0';
	memcpy(ln, line, linelen);
	ln[linelen] = '\0';
	if (!H.txn) {
		if (store_begin(H.st) == -1) {
			if (H.failed++ == 0)
				log_warnx("history: %s", store_errmsg(H.st));
			return;
		}
		H.txn = 1;
	}
	r.id = st->id;
	r.time_ms = (int64_t)st->time_ms;
	r.kind = kind;
	r.target = target;
	r.account = acct;
	r.tags = tg;
	r.line = ln;
	if (store_history_add(H.st, &r) == -1) {
		if (H.failed++ == 0)
			log_warnx("history: a line not kept: %s",
			    store_errmsg(H.st));
		return;
	}
	H.rows++;
}

/* The account of the user a private message is for, folded: the one it
 * is logged in to, or for a message that waits, the line's target. */
static int
recipient(const struct frame_user *u, char *out, size_t outsz)
{
	struct roster_user_ext *e;
	char nick[NICK_MAX + 1];
	const char *p, *end = u->line + u->linelen, *t;
	int i;

	out[0] = '\0';
	if (u->uflags & FRAME_U_KEEP) {
		for (p = u->line, i = 0; i < 2; i++) {
			while (p < end && *p != ' ')
				p++;
			while (p < end && *p == ' ')
				p++;
		}
		for (t = p; p < end && *p != ' '; p++)
			;
		if (p - t == 0 || (size_t)(p - t) > NICK_MAX)
			return -1;
		memcpy(nick, t, (size_t)(p - t));
		nick[p - t] = '\0';
		irc_casefold(out, outsz, nick);
		return 0;
	}
	ctx_roster_lock();
	if (roster_user_valid(kd.roster, (int32_t)u->tslot, u->tgen) &&
	    (e = roster_user_ext(kd.roster, (int32_t)u->tslot)) != NULL &&
	    e->account[0] != '\0')
		irc_casefold(out, outsz, e->account);
	ctx_roster_unlock();
	return out[0] != '\0' ? 0 : -1;
}

/* A private message between two accounts: a copy for each end. */
static void
note_private(const struct frame_user *u)
{
	char from[NICK_MAX * 2 + 1], to[NICK_MAX * 2 + 1], acct[NICK_MAX + 1];
	char key[NICK_MAX * 4 + 4];

	if ((u->kind != FRAME_K_PRIVMSG && u->kind != FRAME_K_NOTICE &&
	    u->kind != FRAME_K_TAGMSG) || u->oslot == UINT32_MAX ||
	    u->accountlen == 0 || u->accountlen >= sizeof(acct) ||
	    recipient(u, to, sizeof(to)) == -1)
		return;		/* an end without an account: not kept */
	memcpy(acct, u->account, u->accountlen);
	acct[u->accountlen] = '\0';
	irc_casefold(from, sizeof(from), acct);
	snprintf(key, sizeof(key), "~%s %s", from, to);
	add(key, &u->st, u->kind, u->account, u->accountlen, u->tags,
	    u->tagslen, u->line, u->linelen);
	if (strcmp(from, to) != 0) {
		snprintf(key, sizeof(key), "~%s %s", to, from);
		add(key, &u->st, u->kind, u->account, u->accountlen, u->tags,
		    u->tagslen, u->line, u->linelen);
	}
	if ((u->uflags & FRAME_U_KEEP) && H.txn &&
	    store_waiting_add(H.st, to, from, (int64_t)u->st.time_ms,
	    u->st.id) == -1 && H.failed++ == 0)
		log_warnx("history: a waiting message not kept: %s",
		    store_errmsg(H.st));
}

void
history_note(const uint8_t *frame, size_t len)
{
	char target[CHAN_MAX * 4 + 1];
	struct frame_chan c;
	struct frame_multi m;
	struct frame_user u;
	struct roster_chan *ch;
	enum frame_err err;
	unsigned i;

	if (H.st == NULL)
		return;
	switch (frame_open(frame, len, &err)) {
	case FRAME_CHAN:
		if (frame_unpack_chan(frame, len, &c, &err) == -1 ||
		    !history_kind_kept(c.kind) || line_target(c.line,
		    c.linelen, target, sizeof(target)) == -1)
			return;
		add(target, &c.st, c.kind, c.account, c.accountlen, c.tags,
		    c.tagslen, c.line, c.linelen);
		return;
	case FRAME_MULTI:
		if (frame_unpack_multi(frame, len, &m, &err) == -1 ||
		    (m.kind != FRAME_K_QUIT && m.kind != FRAME_K_NICK) ||
		    (m.mflags & FRAME_M_ALL))
			return;
		/* one row per room of the user, under its name now */
		for (i = 0; i < m.n; i++) {
			target[0] = '\0';
			ctx_roster_lock();
			if ((ch = roster_chan(kd.roster, (int32_t)m.ch[i].chan))
			    != NULL && ch->used && ch->gen == m.ch[i].gen)
				irc_casefold(target, sizeof(target), ch->name);
			ctx_roster_unlock();
			if (target[0] != '\0')
				add(target, &m.st, m.kind, m.account,
				    m.accountlen, "", 0, m.line, m.linelen);
		}
		return;
	case FRAME_USER:
		if (frame_unpack_user(frame, len, &u, &err) == 0)
			note_private(&u);
		return;
	default:
		return;
	}
}

void
history_room(const char *name, const struct frame_stamp *st, unsigned kind,
    const char *account, size_t accountlen, const char *line,
    size_t linelen)
{
	char target[CHAN_MAX * 4 + 1];

	if (H.st == NULL || !history_kind_kept(kind))
		return;
	irc_casefold(target, sizeof(target), name);
	add(target, st, kind, account, accountlen, "", 0, line, linelen);
}

void
history_turn(void *arg)
{
	(void)arg;
	if (!H.txn)
		return;
	H.txn = 0;
	if (store_commit(H.st) == -1) {
		log_warnx("history: %u lines not kept: %s", H.rows,
		    store_errmsg(H.st));
	} else if (H.failed > 1)
		log_warnx("history: %u more lines not kept", H.failed - 1);
	H.failed = 0;
	H.rows = 0;
}
