/*
 * cmd_chan.c -- JOIN, PART, TOPIC, NAMES, LIST, MODE, KICK, INVITE.
 *
 * Joining and leaving are the session module's; the TOPIC line goes
 * through the relay, which orders it with the channel's messages.  Replies
 * that list many things (LIST) are collected under the roster lock and
 * sent after it is released.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "ctx.h"
#include "deliver.h"
#include "numerics.h"
#include "roster.h"
#include "sbuf.h"
#include "session.h"
#include "valid.h"

/* --- JOIN / PART ------------------------------------------------------- */

void
cmd_join(struct client *c, struct irc_msg *m)
{
	char *tok, *save = NULL;

	if (strcmp(m->params[0], "0") == 0) {
		session_part_all(c);
		return;
	}
	for (tok = strtok_r(m->params[0], ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (c->state >= CL_DYING)
			return;
		session_join(c, tok);
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

/* --- TOPIC --------------------------------------------------------------- */

void
cmd_topic(struct client *c, struct irc_msg *m)
{
	char canon[CHAN_MAX + 1], line[IRC_LINE_MAX * 2];
	const char *name = m->params[0];
	int32_t idx;
	uint32_t gen;
	size_t tl;
	int member, len;

	ctx_roster_lock();
	idx = roster_chan_find(kd.roster, name);
	if (idx < 0) {
		ctx_roster_unlock();
		reply(c, ERR_NOSUCHCHANNEL, "%.*s :No such channel", CHAN_MAX,
		    name);
		return;
	}
	member = roster_is_member(kd.roster, c->slot, idx);
	snprintf(canon, sizeof(canon), "%s", roster_chan(kd.roster, idx)->name);
	gen = roster_chan(kd.roster, idx)->gen;
	if (m->nparams < 2) {
		ctx_roster_unlock();
		if (session_topic(c, idx, 0) == -1)
			reply(c, ERR_NOSUCHCHANNEL, "%s :No such channel",
			    canon);
		return;
	}
	if (!member) {
		ctx_roster_unlock();
		reply(c, ERR_NOTONCHANNEL, "%s :You're not on that channel",
		    canon);
		return;
	}
	tl = utf8_prefix(m->params[1], strlen(m->params[1]), TOPIC_MAX);
	m->params[1][tl] = '\0';
	roster_set_topic(kd.roster, idx, m->params[1], c->prefix, kd.now);
	ctx_roster_unlock();
	len = snprintf(line, sizeof(line), ":%s TOPIC %s :%s", c->prefix,
	    canon, m->params[1]);
	if ((size_t)len > IRC_LINE_MAX - 2)
		len = (int)utf8_prefix(line, (size_t)len, IRC_LINE_MAX - 2);
	send_chan(idx, gen, c, FRAME_K_TOPIC, 0, NULL, 0, line, (size_t)len);
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

static void
list_one(struct sbuf *sb, int32_t idx)
{
	struct roster_chan *ch = roster_chan(kd.roster, idx);

	if (ch != NULL)
		sbuf_printf(sb, "%s %u :%s%c", ch->name, ch->nmembers,
		    ch->topic, '\0');
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
			list_one(&sb, roster_chan_find(kd.roster, tok));
	} else {
		lim = roster_chan_limit(kd.roster);
		for (i = 0; i < lim; i++)
			list_one(&sb, i);
	}
	ctx_roster_unlock();
	reply(c, RPL_LISTSTART, "Channel :Users  Name");
	for (p = sb.p; p != NULL && p < sb.p + sb.len; p += strlen(p) + 1)
		reply(c, RPL_LIST, "%s", p);
	reply(c, RPL_LISTEND, ":End of /LIST");
	sbuf_free(&sb);
}

/* --- MODE, KICK, INVITE -------------------------------------------------- */

static void
user_mode(struct client *c, struct irc_msg *m)
{
	struct roster_user *u;
	const char *p;
	int on = 1, inv, was;
	int unknown = 0;

	if (irc_casecmp(m->params[0], c->nick) != 0) {
		reply(c, ERR_USERSDONTMATCH, ":Can't change mode for other "
		    "users");
		return;
	}
	ctx_roster_lock();
	u = roster_user(kd.roster, c->slot);
	was = inv = u && (u->flags & ROSTER_UF_INVISIBLE);
	if (m->nparams > 1) {
		for (p = m->params[1]; *p != '\0'; p++) {
			if (*p == '+' || *p == '-')
				on = *p == '+';
			else if (*p == 'i')
				inv = on;
			else
				unknown = 1;
		}
		if (u != NULL)
			roster_user_set_flag(kd.roster, c->slot,
			    ROSTER_UF_INVISIBLE, inv);
	}
	ctx_roster_unlock();
	if (unknown)
		reply(c, ERR_UMODEUNKNOWNFLAG, ":Unknown MODE flag");
	if (m->nparams == 1)
		reply(c, RPL_UMODEIS, "%s", inv ? "+i" : "+");
	else if (inv != was)
		client_sendf(c, ":%s MODE %s :%ci", c->prefix, c->nick,
		    inv ? '+' : '-');
}

void
cmd_mode(struct client *c, struct irc_msg *m)
{
	char canon[CHAN_MAX + 1];
	int64_t created = 0;
	int32_t idx;

	if (m->params[0][0] != '#') {
		user_mode(c, m);
		return;
	}
	ctx_roster_lock();
	if ((idx = roster_chan_find(kd.roster, m->params[0])) >= 0) {
		snprintf(canon, sizeof(canon), "%s",
		    roster_chan(kd.roster, idx)->name);
		created = roster_chan(kd.roster, idx)->created;
	}
	ctx_roster_unlock();
	if (idx < 0) {
		reply(c, ERR_NOSUCHCHANNEL, "%.*s :No such channel", CHAN_MAX,
		    m->params[0]);
		return;
	}
	if (m->nparams == 1) {
		reply(c, RPL_CHANNELMODEIS, "%s +n", canon);
		reply(c, RPL_CREATIONTIME, "%s %lld", canon, (long long)created);
		return;
	}
	if (m->nparams == 2 && (strcmp(m->params[1], "b") == 0 ||
	    strcmp(m->params[1], "+b") == 0)) {
		reply(c, RPL_ENDOFBANLIST, "%s :End of channel ban list", canon);
		return;
	}
	reply(c, ERR_CHANOPRIVSNEEDED, "%s :You're not channel operator",
	    canon);
}

void
cmd_kick(struct client *c, struct irc_msg *m)
{
	int32_t idx;
	int member = 0;

	ctx_roster_lock();
	if ((idx = roster_chan_find(kd.roster, m->params[0])) >= 0)
		member = roster_is_member(kd.roster, c->slot, idx);
	ctx_roster_unlock();
	if (idx < 0)
		reply(c, ERR_NOSUCHCHANNEL, "%.*s :No such channel", CHAN_MAX,
		    m->params[0]);
	else if (!member)
		reply(c, ERR_NOTONCHANNEL, "%.*s :You're not on that channel",
		    CHAN_MAX, m->params[0]);
	else
		reply(c, ERR_CHANOPRIVSNEEDED, "%.*s :You're not channel "
		    "operator", CHAN_MAX, m->params[0]);
}

void
cmd_invite(struct client *c, struct irc_msg *m)
{
	char line[IRC_LINE_MAX * 2], canon[CHAN_MAX + 1], nick[NICK_MAX + 1];
	int32_t idx, slot;
	uint32_t gen = 0;
	uint8_t worker = 0;
	int member = 0, there = 0, len;
	struct client *to;

	ctx_roster_lock();
	(void)roster_find_registered(kd.roster, m->params[0], &slot);
	if ((idx = roster_chan_find(kd.roster, m->params[1])) >= 0) {
		member = roster_is_member(kd.roster, c->slot, idx);
		snprintf(canon, sizeof(canon), "%s",
		    roster_chan(kd.roster, idx)->name);
		there = slot >= 0 && roster_is_member(kd.roster, slot, idx);
	}
	if (slot >= 0) {
		gen = roster_user(kd.roster, slot)->gen;
		worker = roster_user(kd.roster, slot)->worker;
		snprintf(nick, sizeof(nick), "%s",
		    roster_user(kd.roster, slot)->nick);
	}
	ctx_roster_unlock();
	if (slot < 0) {
		reply(c, ERR_NOSUCHNICK, "%.*s :No such nick/channel",
		    NICK_MAX, m->params[0]);
		return;
	}
	if (idx < 0) {
		reply(c, ERR_NOSUCHCHANNEL, "%.*s :No such channel", CHAN_MAX,
		    m->params[1]);
		return;
	}
	if (!member) {
		reply(c, ERR_NOTONCHANNEL, "%s :You're not on that channel",
		    canon);
		return;
	}
	if (there) {
		reply(c, "443", "%s %s :is already on channel", nick, canon);
		return;
	}
	reply(c, "341", "%s %s", nick, canon);
	len = snprintf(line, sizeof(line), ":%s INVITE %s %s", c->prefix, nick,
	    canon);
	if (worker == kd.id) {
		if ((to = client_by_slot(slot, gen)) != NULL)
			deliver_direct(to, NULL, 0, line, (size_t)len,
			    kd.now_real_ms, 0);
	} else
		send_user(worker, slot, gen, c, FRAME_K_NOTICE, NULL, 0, line,
		    (size_t)len);
}
