/*
 * chanop.c -- channel changes in the relay's order (see chanop.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "chanmode.h"
#include "chanop.h"
#include "roster.h"
#include "valid.h"

#define ARGS_MAX	(MODES_MAX + 1)		/* mode string + parameters */

/* Who asks, as the roster has them now. */
struct asker {
	int32_t	 slot;
	uint32_t gen;
	uint8_t	 worker;
	int	 priv;			/* MEMBER_* there, -1 not a member */
	int	 oper;			/* +o: may act anywhere */
	char	 nick[NICK_MAX + 1];
	char	 prefix[PREFIX_MAX + 1];
	char	 account[NICK_MAX + 1];	/* for account-tag; "" none */
};

struct op_ctx {
	struct roster		*r;
	const struct frame_chanop *op;
	const char		*server;
	const struct chanop_out	*out;
	struct asker		 a;
	int32_t			 chan;
	char			 name[CHAN_MAX + 1];
};

/* A numeric for the asker only. */
static void reply(struct op_ctx *, const char *, const char *, ...)
	__attribute__((format(printf, 3, 4)));

static void
reply(struct op_ctx *x, const char *num, const char *fmt, ...)
{
	char line[IRC_LINE_MAX * 2];
	struct frame_user f;
	va_list ap;
	int n, m;

	n = snprintf(line, sizeof(line), ":%s %s %s ", x->server, num,
	    x->a.nick);
	if (n < 0 || (size_t)n >= sizeof(line) / 2)
		return;
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	memset(&f, 0, sizeof(f));
	f.st = x->op->st;
	f.target = x->a.worker;
	f.tslot = (uint32_t)x->a.slot;
	f.tgen = x->a.gen;
	f.oslot = (uint32_t)x->a.slot;
	f.ogen = x->a.gen;
	f.kind = FRAME_K_REPLY;
	f.line = line;
	f.linelen = utf8_prefix(line, strlen(line), IRC_LINE_MAX - 2);
	x->out->user(&f, x->out->arg);
}

/* A line for the channel's members. */
static void
to_chan(struct op_ctx *x, enum frame_kind kind, const char *line,
    int32_t sslot, uint32_t sgen)
{
	struct frame_chan f;

	memset(&f, 0, sizeof(f));
	f.st = x->op->st;
	f.chan = x->op->chan;
	f.gen = x->op->gen;
	f.oslot = (uint32_t)x->a.slot;
	f.ogen = x->a.gen;
	if (sslot >= 0) {
		f.sslot = (uint32_t)sslot;
		f.sgen = sgen;
	}
	f.kind = (uint8_t)kind;
	f.line = line;
	f.linelen = utf8_prefix(line, strlen(line), IRC_LINE_MAX - 2);
	f.account = x->a.account;
	f.accountlen = strlen(x->a.account);
	x->out->chan(&f, x->out->arg);
}

/* May the asker change the channel?  1 yes (*override set when only as
 * an IRC operator), 0 refused with its numeric. */
static int
may_change(struct op_ctx *x, struct chanop_result *res)
{
	if ((x->a.priv >= 0 && (x->a.priv & MEMBER_OP)) ||
	    (x->op->st.sflags & FRAME_S_SERVICE))
		return 1;
	if (x->a.oper) {
		res->override = 1;
		return 1;
	}
	if (x->a.priv < 0)
		reply(x, "442", "%s :You're not on that channel", x->name);
	else
		reply(x, "482", "%s :You're not channel operator", x->name);
	return 0;
}

/* --- MODE ------------------------------------------------------------------- */

static unsigned
split_args(char *buf, char **argv, unsigned max)
{
	char *p = buf, *save = NULL, *tok;
	unsigned n = 0;

	for (tok = strtok_r(p, " ", &save); tok != NULL && n < max;
	    tok = strtok_r(NULL, " ", &save))
		argv[n++] = tok;
	return n;
}

static void
mode_refused(struct op_ctx *x, const struct chanmode_change *c,
    enum chanmode_err e)
{
	switch (e) {
	case CHANMODE_NOSUCHNICK:
		reply(x, "401", "%s :No such nick/channel", c->param);
		break;
	case CHANMODE_NOTONCHAN:
		reply(x, "441", "%s %s :They aren't on that channel",
		    c->param, x->name);
		break;
	case CHANMODE_KEYSET:
		reply(x, "467", "%s :Channel key already set", x->name);
		break;
	case CHANMODE_LISTFULL:
		reply(x, "478", "%s %c :Channel list is full", x->name,
		    c->letter);
		break;
	case CHANMODE_BADPARAM:
		reply(x, "696", "%s %c %s :Invalid mode parameter", x->name,
		    c->letter, c->param != NULL ? c->param : "*");
		break;
	case CHANMODE_NEEDPARAM:
		reply(x, "696", "%s %c * :You must specify a parameter",
		    x->name, c->letter);
		break;
	default:
		break;
	}
}

static void
do_mode(struct op_ctx *x, int64_t now, struct chanop_result *res)
{
	char buf[IRC_LINE_MAX], *argv[ARGS_MAX];
	char modes[MODES_MAX * 3 + 4], params[IRC_LINE_MAX];
	char line[IRC_LINE_MAX * 2];
	struct chanmode_done done[MODES_MAX];
	struct chanmode_parse p;
	enum chanmode_err e;
	unsigned argc, i, nd = 0, at = 0;
	size_t room;

	snprintf(buf, sizeof(buf), "%.*s", (int)x->op->argslen, x->op->args);
	if ((argc = split_args(buf, argv, ARGS_MAX)) == 0)
		return;
	chanmode_parse(argv[0], argv + 1, argc - 1, &p);
	if (p.n == 0 || !may_change(x, res))
		return;
	for (i = 0; i < p.n; i++) {
		e = chanmode_apply(x->r, x->chan, &p.ch[i], x->a.nick, now,
		    &done[nd]);
		if (e == CHANMODE_OK)
			nd++;
		else
			mode_refused(x, &p.ch[i], e);
	}
	if (nd == 0)
		return;
	res->applied = 1;
	/* ":prefix MODE #chan " + modes + " " + params within one line */
	room = IRC_LINE_MAX - 2 - (strlen(x->a.prefix) + strlen(x->name) + 10);
	while (chanmode_format(done, nd, &at, room, modes, sizeof(modes),
	    params, sizeof(params)) == 0) {
		snprintf(line, sizeof(line), ":%s MODE %s %s%s%s", x->a.prefix,
		    x->name, modes, params[0] ? " " : "", params);
		to_chan(x, FRAME_K_MODE, line, -1, 0);
	}
}

/* --- TOPIC ------------------------------------------------------------------ */

static void
do_topic(struct op_ctx *x, int64_t now, struct chanop_result *res)
{
	struct roster_chan *ch = roster_chan(x->r, x->chan);
	char topic[TOPIC_MAX + 1], line[IRC_LINE_MAX * 2];
	size_t tl;

	if (x->a.priv < 0 && !x->a.oper) {
		reply(x, "442", "%s :You're not on that channel", x->name);
		return;
	}
	if ((ch->modes & CMODE_TOPICLOCK) && !may_change(x, res))
		return;
	if (!(ch->modes & CMODE_TOPICLOCK) && x->a.priv < 0)
		res->override = 1;	/* an oper outside the channel */
	tl = utf8_prefix(x->op->args, x->op->argslen, TOPIC_MAX);
	memcpy(topic, x->op->args, tl);
	topic[tl] = '\0';
	roster_set_topic(x->r, x->chan, topic, x->a.prefix, now);
	res->applied = 1;
	snprintf(line, sizeof(line), ":%s TOPIC %s :%s", x->a.prefix, x->name,
	    topic);
	to_chan(x, FRAME_K_TOPIC, line, -1, 0);
}

/* --- KICK ------------------------------------------------------------------- */

static void
do_kick(struct op_ctx *x, struct chanop_result *res)
{
	char buf[IRC_LINE_MAX], line[IRC_LINE_MAX * 2];
	char nick[NICK_MAX + 1];
	const char *reason;
	struct roster_user *u;
	char *sp;
	int32_t slot;
	uint32_t gen;
	int gone;

	snprintf(buf, sizeof(buf), "%.*s", (int)x->op->argslen, x->op->args);
	if ((sp = strchr(buf, ' ')) != NULL) {
		*sp = '\0';
		reason = sp + 1;
	} else
		reason = "";
	if (buf[0] == '\0' || !may_change(x, res))
		return;
	if ((u = roster_find_registered(x->r, buf, &slot)) == NULL) {
		reply(x, "401", "%.*s :No such nick/channel", NICK_MAX, buf);
		return;
	}
	snprintf(nick, sizeof(nick), "%s", u->nick);
	gen = u->gen;
	if (roster_member_priv(x->r, slot, x->chan) < 0) {
		reply(x, "441", "%s %s :They aren't on that channel", nick,
		    x->name);
		return;
	}
	if (*reason == '\0')
		reason = x->a.nick;
	snprintf(line, sizeof(line), ":%s KICK %s %s :%s", x->a.prefix,
	    x->name, nick, reason);
	(void)roster_part(x->r, slot, x->chan, &gone);
	res->applied = 1;
	to_chan(x, FRAME_K_KICK, line, slot, gen);
}

/* --- the entry --------------------------------------------------------------- */

int
chanop_apply(struct roster *r, const struct frame_chanop *op,
    const char *server, int64_t now, const struct chanop_out *out,
    struct chanop_result *res)
{
	struct op_ctx x;
	struct roster_chan *ch;
	struct roster_user *u;

	memset(res, 0, sizeof(*res));
	memset(&x, 0, sizeof(x));
	x.r = r;
	x.op = op;
	x.server = server;
	x.out = out;
	x.chan = (int32_t)op->chan;
	if (op->op == 0 || op->op >= FRAME_OP_KIND_MAX)
		return -1;
	/* the asker or the channel went meanwhile: nothing to do */
	if (!roster_user_valid(r, (int32_t)op->oslot, op->ogen) ||
	    (u = roster_user(r, (int32_t)op->oslot))->state != ROSTER_REG)
		return 0;
	if ((ch = roster_chan(r, x.chan)) == NULL || !ch->used ||
	    ch->gen != op->gen)
		return 0;
	x.a.slot = (int32_t)op->oslot;
	x.a.gen = op->ogen;
	x.a.worker = u->worker;
	x.a.priv = roster_member_priv(r, x.a.slot, x.chan);
	/* a user of another host (cluster mode): its host said */
	x.a.oper = (u->flags & ROSTER_UF_OPER) != 0 ||
	    (u->worker == ROSTER_REMOTE && (op->st.sflags & FRAME_S_OPER));
	snprintf(x.a.nick, sizeof(x.a.nick), "%s", u->nick);
	if (op->st.sflags & FRAME_S_SERVICE)
		snprintf(x.a.prefix, sizeof(x.a.prefix),
		    "ChanServ!ChanServ@services.%s", server);
	else {
		const struct roster_user_ext *e = roster_user_ext(r,
		    x.a.slot);

		snprintf(x.a.prefix, sizeof(x.a.prefix), "%s!%s@%s", u->nick,
		    u->user, u->host);
		/* the line is the asker's: it carries its account-tag (a
		 * service's line has none) */
		if (e != NULL)
			snprintf(x.a.account, sizeof(x.a.account), "%.*s",
			    (int)strnlen(e->account, sizeof(e->account)),
			    e->account);
	}
	snprintf(x.name, sizeof(x.name), "%s", ch->name);
	snprintf(res->who, sizeof(res->who), "%s", u->nick);
	snprintf(res->chan, sizeof(res->chan), "%s", ch->name);
	switch (op->op) {
	case FRAME_OP_MODE:
		do_mode(&x, now, res);
		break;
	case FRAME_OP_TOPIC:
		do_topic(&x, now, res);
		break;
	case FRAME_OP_KICK:
		do_kick(&x, res);
		break;
	}
	if (!res->applied)
		res->override = 0;
	return 0;
}
