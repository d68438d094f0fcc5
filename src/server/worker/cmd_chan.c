/*
 * cmd_chan.c -- JOIN, PART, TOPIC, NAMES, LIST, MODE, KICK, INVITE.
 *
 * Joining and leaving are the session module's.  A change of a channel
 * (TOPIC, MODE, KICK) is checked here for the quick answer and sent to
 * the relay as a CHANOP frame: the relay applies it in its order
 * (chanop.c) and sends the line to the members.  Replies that list many
 * things (LIST, the mask lists) are collected under the roster lock and
 * sent after it is released.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chanmode.h"
#include "cmd.h"
#include "cmd_chanserv.h"
#include "ctx.h"
#include "deliver.h"
#include "log.h"
#include "numerics.h"
#include "roster.h"
#include "sbuf.h"
#include "session.h"
#include "valid.h"

/* --- JOIN / PART ------------------------------------------------------- */

void
cmd_join(struct client *c, struct irc_msg *m)
{
	char *tok, *save = NULL, *ksave = NULL;
	char *keys = m->nparams > 1 ? m->params[1] : NULL;
	const char *key;

	if (strcmp(m->params[0], "0") == 0) {
		session_part_all(c);
		return;
	}
	key = keys != NULL ? strtok_r(keys, ",", &ksave) : NULL;
	for (tok = strtok_r(m->params[0], ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (c->state >= CL_DYING)
			return;
		session_join(c, tok, key);
		key = keys != NULL ? strtok_r(NULL, ",", &ksave) : NULL;
	}
}

void
cmd_part(struct client *c, struct irc_msg *m)
{
	char *tok, *save = NULL;
	const char *reason = m->nparams > 1 ? m->params[1] : NULL;

	for (tok = strtok_r(m->params[0], ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (c->state >= CL_DYING)
			return;
		session_part(c, tok, reason);
	}
}

/* --- checks shared by TOPIC, MODE, KICK ------------------------------------ */

struct chan_view {
	int32_t	 idx;			/* -1: no such channel */
	uint32_t gen;
	int	 priv;			/* the asker's MEMBER_*, -1 outside */
	int	 secret;
	uint32_t modes;
	int64_t	 created;
	char	 name[CHAN_MAX + 1];
};

/* What c may know of channel name.  Lock held. */
static void
chan_view(struct client *c, const char *name, struct chan_view *v)
{
	struct roster_chan *ch;

	memset(v, 0, sizeof(*v));
	v->priv = -1;
	snprintf(v->name, sizeof(v->name), "%.*s", CHAN_MAX,
	    utf8_valid(name, strlen(name)) ? name : "*");
	if ((v->idx = roster_chan_find(kd.roster, name)) < 0)
		return;
	ch = roster_chan(kd.roster, v->idx);
	v->gen = ch->gen;
	v->priv = roster_member_priv(kd.roster, c->slot, v->idx);
	v->secret = (ch->modes & CMODE_SECRET) != 0;
	v->modes = ch->modes;
	v->created = ch->created;
	snprintf(v->name, sizeof(v->name), "%s", ch->name);
}

/* 403 for a channel that does not exist or that c may not see. */
static int
no_channel(struct client *c, const struct chan_view *v)
{
	if (v->idx >= 0 && !(v->secret && v->priv < 0))
		return 0;
	reply(c, ERR_NOSUCHCHANNEL, "%s :No such channel", v->name);
	return 1;
}

/* May c change the channel: an op there, or an IRC operator (who
 * overrides: the relay logs it)?  Else 442 or 482. */
static int
may_change(struct client *c, const struct chan_view *v)
{
	if ((v->priv >= 0 && (v->priv & MEMBER_OP)) ||
	    (c->umodes & ROSTER_UF_OPER))
		return 1;
	if (v->priv < 0)
		reply(c, ERR_NOTONCHANNEL, "%s :You're not on that channel",
		    v->name);
	else
		reply(c, ERR_CHANOPRIVSNEEDED, "%s :You're not channel "
		    "operator", v->name);
	return 0;
}

/* --- TOPIC --------------------------------------------------------------- */

void
cmd_topic(struct client *c, struct irc_msg *m)
{
	struct chan_view v;
	size_t tl;

	ctx_roster_lock();
	chan_view(c, m->params[0], &v);
	ctx_roster_unlock();
	if (no_channel(c, &v))
		return;
	if (m->nparams < 2) {
		if (v.secret && v.priv < 0)
			reply(c, ERR_NOTONCHANNEL, "%s :You're not on that "
			    "channel", v.name);
		else if (session_topic(c, v.idx, 0) == -1)
			reply(c, ERR_NOSUCHCHANNEL, "%s :No such channel",
			    v.name);
		return;
	}
	if (v.priv < 0 && !(c->umodes & ROSTER_UF_OPER)) {
		reply(c, ERR_NOTONCHANNEL, "%s :You're not on that channel",
		    v.name);
		return;
	}
	if ((v.modes & CMODE_TOPICLOCK) && !may_change(c, &v))
		return;
	tl = utf8_prefix(m->params[1], strlen(m->params[1]), TOPIC_MAX);
	/* applied by the relay, in its order */
	send_chanop(v.idx, v.gen, c, FRAME_OP_TOPIC, m->params[1], tl);
	chanserv_note(v.idx, v.gen);
}

/* --- NAMES, LIST --------------------------------------------------------- */

void
cmd_names(struct client *c, struct irc_msg *m)
{
	char *tok, *save = NULL;

	if (m->nparams == 0) {
		reply(c, RPL_ENDOFNAMES, "* :End of /NAMES list");
		return;
	}
	for (tok = strtok_r(m->params[0], ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save))
		session_names(c, tok);
}

/* A LIST line; secret channels only for their members.  Lock held. */
static void
list_one(struct client *c, struct sbuf *sb, int32_t idx)
{
	struct roster_chan *ch = roster_chan(kd.roster, idx);

	if (ch == NULL || ((ch->modes & CMODE_SECRET) &&
	    !roster_is_member(kd.roster, c->slot, idx)))
		return;
	sbuf_printf(sb, "%s %u :%s%c", ch->name, ch->nmembers, ch->topic,
	    '\0');
}

void
cmd_list(struct client *c, struct irc_msg *m)
{
	char *tok, *save = NULL;
	const char *p;
	struct sbuf sb;
	int32_t i, lim;

	sbuf_init(&sb);
	ctx_roster_lock();
	if (m->nparams > 0 && m->params[0][0] != '\0') {
		for (tok = strtok_r(m->params[0], ",", &save); tok != NULL;
		    tok = strtok_r(NULL, ",", &save))
			list_one(c, &sb, roster_chan_find(kd.roster, tok));
	} else {
		lim = roster_chan_limit(kd.roster);
		for (i = 0; i < lim; i++)
			list_one(c, &sb, i);
	}
	ctx_roster_unlock();
	reply(c, RPL_LISTSTART, "Channel :Users  Name");
	for (p = sb.p; p != NULL && p < sb.p + sb.len; p += strlen(p) + 1)
		reply(c, RPL_LIST, "%s", p);
	reply(c, RPL_LISTEND, ":End of /LIST");
	sbuf_free(&sb);
}

/* --- MODE ---------------------------------------------------------------- */

static const struct {
	char		 letter;
	uint32_t	 flag;
	int		 settable;	/* by MODE; +o only by OPER; -1: the
					 * server's alone (+Z: TLS) */
} umode_table[] = {
	{ 'B', ROSTER_UF_BOT, 1 },
	{ 'Z', ROSTER_UF_SECURE, -1 },
	{ 'i', ROSTER_UF_INVISIBLE, 1 },
	{ 'o', ROSTER_UF_OPER, 0 },
	{ 'r', ROSTER_UF_IDENTIFIED, -1 },
	{ 'w', ROSTER_UF_WALLOPS, 1 },
};
#define NUMODES	(sizeof(umode_table) / sizeof(umode_table[0]))

void
umode_string(unsigned umodes, char *out, size_t outsz)
{
	size_t n = 0, i;

	if (outsz < NUMODES + 2)
		return;
	out[n++] = '+';
	for (i = 0; i < NUMODES; i++)
		if (umodes & umode_table[i].flag)
			out[n++] = umode_table[i].letter;
	out[n] = '\0';
}

static void
user_mode(struct client *c, struct irc_msg *m)
{
	char shown[NUMODES * 2 + 4], sign = 0;
	unsigned was = c->umodes, now = c->umodes, i;
	const char *p;
	size_t n = 0;
	int on = 1, unknown = 0;

	if (irc_casecmp(m->params[0], c->nick) != 0) {
		int32_t slot;
		ctx_roster_lock();
		(void)roster_find_registered(kd.roster, m->params[0], &slot);
		ctx_roster_unlock();
		if (slot < 0)
			reply(c, ERR_NOSUCHNICK, "%.*s :No such nick/channel",
			    NICK_MAX, utf8_valid(m->params[0],
			    strlen(m->params[0])) ? m->params[0] : "*");
		else
			reply(c, ERR_USERSDONTMATCH, ":Can't change mode for "
			    "other users");
		return;
	}
	if (m->nparams == 1) {
		umode_string(c->umodes, shown, sizeof(shown));
		reply(c, RPL_UMODEIS, "%s", shown);
		return;
	}
	for (p = m->params[1]; *p != '\0'; p++) {
		if (*p == '+' || *p == '-') {
			on = *p == '+';
			continue;
		}
		for (i = 0; i < NUMODES; i++)
			if (umode_table[i].letter == *p)
				break;
		if (i == NUMODES) {
			unknown = 1;
			continue;
		}
		if ((on && umode_table[i].settable == 0) ||
		    umode_table[i].settable < 0)
			continue;	/* +o is OPER's, Z the server's */
		if (on)
			now |= umode_table[i].flag;
		else
			now &= ~umode_table[i].flag;
	}
	if (unknown)
		reply(c, ERR_UMODEUNKNOWNFLAG, ":Unknown MODE flag");
	if (now == was)
		return;
	ctx_roster_lock();
	for (i = 0; i < NUMODES; i++)
		if ((now ^ was) & umode_table[i].flag)
			roster_user_set_flag(kd.roster, c->slot,
			    umode_table[i].flag, (now & umode_table[i].flag)
			    != 0);
	ctx_roster_unlock();
	c->umodes = (uint8_t)now;
	if ((was & ROSTER_UF_OPER) && !(now & ROSTER_UF_OPER))
		log_info("%s is no longer an IRC operator (MODE -o)", c->nick);
	for (i = 0; i < NUMODES; i++) {
		if (!((now ^ was) & umode_table[i].flag))
			continue;
		if (sign != ((now & umode_table[i].flag) ? '+' : '-'))
			shown[n++] = sign = (now & umode_table[i].flag) ?
			    '+' : '-';
		shown[n++] = umode_table[i].letter;
	}
	shown[n] = '\0';
	client_sendf(c, ":%s MODE %s :%s", c->prefix, c->nick, shown);
}

/* 367/368, 348/349 or 346/347: the entries of one list. */
static void
mode_list(struct client *c, const struct chan_view *v, char type)
{
	struct {
		char mask[MASK_MAX + 1], by[NICK_MAX + 1];
		int64_t when;
	} *e;
	const struct roster_mask *rm;
	const char *num, *end, *what;
	unsigned n = 0, i;
	int32_t k;

	num = type == 'b' ? RPL_BANLIST : type == 'e' ? RPL_EXCEPTLIST :
	    RPL_INVITELIST;
	end = type == 'b' ? RPL_ENDOFBANLIST : type == 'e' ?
	    RPL_ENDOFEXCEPTLIST : RPL_ENDOFINVITELIST;
	what = type == 'b' ? "channel ban list" : type == 'e' ?
	    "channel exception list" : "channel invite list";
	if ((e = calloc(LIST_MAX, sizeof(*e))) == NULL) {
		reply(c, end, "%s :End of %s", v->name, what);
		return;
	}
	ctx_roster_lock();
	for (k = roster_list_first(kd.roster, v->idx); k >= 0 && n < LIST_MAX;
	    k = roster_list_next(kd.roster, k)) {
		rm = roster_list_entry(kd.roster, k);
		if (rm == NULL || rm->type != (unsigned char)type)
			continue;
		snprintf(e[n].mask, sizeof(e[n].mask), "%s", rm->mask);
		snprintf(e[n].by, sizeof(e[n].by), "%s", rm->by);
		e[n++].when = rm->when;
	}
	ctx_roster_unlock();
	for (i = 0; i < n; i++)
		reply(c, num, "%s %s %s %lld", v->name, e[i].mask, e[i].by,
		    (long long)e[i].when);
	reply(c, end, "%s :End of %s", v->name, what);
	free(e);
}

static void
mode_show(struct client *c, const struct chan_view *v)
{
	char modes[MODES_MAX + KEY_MAX + 16];

	ctx_roster_lock();
	chanmode_show(kd.roster, v->idx, v->priv >= 0, modes, sizeof(modes));
	ctx_roster_unlock();
	reply(c, RPL_CHANNELMODEIS, "%s %s", v->name, modes);
	reply(c, RPL_CREATIONTIME, "%s %lld", v->name, (long long)v->created);
}

/* What the parser refused: 472 for a letter we do not have, 696 for a
 * parameter that is missing. */
static void
mode_bad(struct client *c, const struct chan_view *v,
    const struct chanmode_parse *p)
{
	unsigned i;

	for (i = 0; i < p->nbad; i++) {
		if (p->bad[i].err == CHANMODE_UNKNOWN)
			reply(c, ERR_UNKNOWNMODE, "%c :is unknown mode char "
			    "to me", p->bad[i].letter);
		else
			reply(c, ERR_INVALIDMODEPARAM, "%s %c * :You must "
			    "specify a parameter for this mode", v->name,
			    p->bad[i].letter);
	}
}

void
cmd_mode(struct client *c, struct irc_msg *m)
{
	char args[IRC_LINE_MAX], sign = 0;
	struct chanmode_parse p;
	struct chan_view v;
	size_t n = 0, i;

	if (m->params[0][0] != '#') {
		user_mode(c, m);
		return;
	}
	ctx_roster_lock();
	chan_view(c, m->params[0], &v);
	ctx_roster_unlock();
	if (no_channel(c, &v))
		return;
	if (m->nparams == 1) {
		mode_show(c, &v);
		return;
	}
	chanmode_parse(m->params[1], m->params + 2, (unsigned)m->nparams - 2,
	    &p);
	mode_bad(c, &v, &p);
	for (i = 0; p.lists[i] != '\0'; i++)
		mode_list(c, &v, p.lists[i]);
	if (p.n == 0 || !may_change(c, &v))
		return;
	/* the changes the parser took, as "+o-v+b nick nick mask" */
	for (i = 0; i < p.n && n < sizeof(args) - 4; i++) {
		if (p.ch[i].sign != sign)
			args[n++] = sign = p.ch[i].sign;
		args[n++] = p.ch[i].letter;
	}
	args[n] = '\0';
	for (i = 0; i < p.n; i++)
		if (p.ch[i].param != NULL && n + strlen(p.ch[i].param) + 2 <
		    sizeof(args))
			n += (size_t)snprintf(args + n, sizeof(args) - n,
			    " %s", p.ch[i].param);
	send_chanop(v.idx, v.gen, c, FRAME_OP_MODE, args, n);
	chanserv_note(v.idx, v.gen);
}

/* --- KICK, INVITE -------------------------------------------------------- */

void
cmd_kick(struct client *c, struct irc_msg *m)
{
	char args[IRC_LINE_MAX], *tok, *save = NULL;
	const char *reason = m->nparams > 2 ? m->params[2] : "";
	struct chan_view v;
	int32_t slot;
	unsigned n = 0;
	int there, len;
	size_t rl;

	ctx_roster_lock();
	chan_view(c, m->params[0], &v);
	ctx_roster_unlock();
	if (no_channel(c, &v) || !may_change(c, &v))
		return;
	rl = utf8_prefix(reason, strlen(reason), TOPIC_MAX);
	for (tok = strtok_r(m->params[1], ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (++n > TARGETS_MAX) {
			reply(c, ERR_TOOMANYTARGETS, "%.*s :Too many targets "
			    "(at most %d)", NICK_MAX, tok, TARGETS_MAX);
			break;
		}
		ctx_roster_lock();
		there = roster_find_registered(kd.roster, tok, &slot) != NULL &&
		    roster_is_member(kd.roster, slot, v.idx);
		ctx_roster_unlock();
		if (slot < 0) {
			reply(c, ERR_NOSUCHNICK, "%.*s :No such nick/channel",
			    NICK_MAX, utf8_valid(tok, strlen(tok)) ? tok : "*");
			continue;
		}
		if (!there) {
			reply(c, ERR_USERNOTINCHANNEL, "%.*s %s :They aren't on "
			    "that channel", NICK_MAX, tok, v.name);
			continue;
		}
		len = snprintf(args, sizeof(args), "%s %.*s", tok, (int)rl,
		    reason);
		if (len > 0)
			send_chanop(v.idx, v.gen, c, FRAME_OP_KICK, args,
			    strlen(args));
	}
}

void
cmd_invite(struct client *c, struct irc_msg *m)
{
	char line[IRC_LINE_MAX * 2], nick[NICK_MAX + 1];
	struct chan_view v;
	struct roster_user *u;
	int32_t slot;
	uint32_t gen = 0;
	uint8_t worker = 0;
	int there = 0, len;

	ctx_roster_lock();
	chan_view(c, m->params[1], &v);
	if ((u = roster_find_registered(kd.roster, m->params[0], &slot)) !=
	    NULL) {
		gen = u->gen;
		worker = u->worker;
		snprintf(nick, sizeof(nick), "%s", u->nick);
		there = v.idx >= 0 && roster_is_member(kd.roster, slot, v.idx);
	}
	ctx_roster_unlock();
	if (slot < 0) {
		reply(c, ERR_NOSUCHNICK, "%.*s :No such nick/channel",
		    NICK_MAX, utf8_valid(m->params[0], strlen(m->params[0])) ?
		    m->params[0] : "*");
		return;
	}
	if (no_channel(c, &v) || session_remote(c, worker, slot, "INVITE",
	    nick))
		return;
	if (v.priv < 0) {
		reply(c, ERR_NOTONCHANNEL, "%s :You're not on that channel",
		    v.name);
		return;
	}
	if ((v.modes & CMODE_INVITE) && !may_change(c, &v))
		return;
	if (there) {
		reply(c, ERR_USERONCHANNEL, "%s %s :is already on channel",
		    nick, v.name);
		return;
	}
	ctx_roster_lock();
	if (roster_user_valid(kd.roster, slot, gen) &&
	    roster_chan(kd.roster, v.idx) != NULL &&
	    roster_chan(kd.roster, v.idx)->gen == v.gen)
		roster_invite_add(kd.roster, v.idx, slot);
	ctx_roster_unlock();
	reply(c, RPL_INVITING, "%s %s", nick, v.name);
	len = snprintf(line, sizeof(line), ":%s INVITE %s %s", c->prefix, nick,
	    v.name);
	if (len <= 0 || (size_t)len > IRC_LINE_MAX - 2)
		return;
	send_user(worker, slot, gen, c, &(struct out_line){
	    .kind = FRAME_K_INVITE, .line = line, .len = (size_t)len });
	/* invite-notify: the channel's members with the capability */
	send_chan(v.idx, v.gen, c, &(struct out_line){
	    .kind = FRAME_K_INVITE, .line = line, .len = (size_t)len });
}
