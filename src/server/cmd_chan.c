/*
 * cmd_chan.c -- JOIN, PART, TOPIC, NAMES, LIST, MODE, KICK, INVITE.
 *
 * The roster is changed under its lock at command time; the JOIN, PART
 * and TOPIC lines then go through the relay, which orders them with the
 * channel's messages.  Replies that list many things (NAMES, LIST) are
 * collected under the lock and sent after it is released.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "deliver.h"
#include "numerics.h"
#include "roster.h"
#include "sbuf.h"
#include "server.h"
#include "valid.h"

/* Send "PREFIX item item ..." lines of at most 510 bytes, one per line of
 * items (items separated by ' ' in list), via reply(num). */
static void
reply_wrapped(struct client *c, const char *num, const char *head,
    const char *list)
{
	char line[IRC_LINE_MAX];
	size_t room, n = 0, wl;
	const char *w = list, *sp;

	/* ":server NUM nick head :" + CRLF */
	room = IRC_LINE_MAX - 2 - (strlen(kd.cfg.server_name) + strlen(c->nick)
	    + strlen(num) + strlen(head) + 8);
	line[0] = '\0';
	while (*w != '\0') {
		sp = strchr(w, ' ');
		wl = sp ? (size_t)(sp - w) : strlen(w);
		if (n > 0 && n + 1 + wl > room) {
			reply(c, num, "%s :%s", head, line);
			n = 0;
		}
		if (wl < sizeof(line) - n - 2) {
			if (n > 0)
				line[n++] = ' ';
			memcpy(line + n, w, wl);
			n += wl;
			line[n] = '\0';
		}
		w += wl;
		while (*w == ' ')
			w++;
	}
	if (n > 0)
		reply(c, num, "%s :%s", head, line);
}

/* Nicks of a channel's members, space separated.  Lock held. */
static void
collect_names(int32_t idx, struct sbuf *sb)
{
	struct roster_user *u;
	int32_t m;

	for (m = roster_chan_first(kd.roster, idx); m >= 0;
	    m = roster_member_next(kd.roster, m)) {
		u = roster_user(kd.roster, roster_member_user(kd.roster, m));
		if (u == NULL)
			continue;
		if (sb->len > 0)
			sbuf_add(sb, " ", 1);
		sbuf_adds(sb, u->nick);
	}
}

static void
names_reply(struct client *c, const char *name, struct sbuf *sb)
{
	char head[CHAN_MAX + 8];

	if (sb->len > 0) {
		snprintf(head, sizeof(head), "= %s", name);
		reply_wrapped(c, RPL_NAMREPLY, head, sb->p);
	}
	reply(c, RPL_ENDOFNAMES, "%s :End of /NAMES list", name);
}

struct topic_copy {
	char	 topic[TOPIC_MAX + 1];
	char	 by[PREFIX_MAX + 1];
	int64_t	 when;
};

static void
topic_copy(int32_t idx, struct topic_copy *t)
{
	struct roster_chan *ch = roster_chan(kd.roster, idx);

	snprintf(t->topic, sizeof(t->topic), "%s", ch->topic);
	snprintf(t->by, sizeof(t->by), "%s", ch->topic_by);
	t->when = ch->topic_time;
}

static void
topic_reply(struct client *c, const char *name, const struct topic_copy *t,
    int quiet)
{
	if (t->topic[0] == '\0') {
		if (!quiet)
			reply(c, RPL_NOTOPIC, "%s :No topic is set", name);
		return;
	}
	reply(c, RPL_TOPIC, "%s :%s", name, t->topic);
	reply(c, RPL_TOPICWHOTIME, "%s %s %lld", name, t->by,
	    (long long)t->when);
}

void
send_join_info(struct client *c, int32_t idx)
{
	char name[CHAN_MAX + 1];
	struct topic_copy t = { "", "", 0 };
	struct sbuf sb;

	sbuf_init(&sb);
	roster_lock_or_die();
	if (roster_chan(kd.roster, idx) == NULL) {
		roster_unlock(kd.roster);
		return;
	}
	snprintf(name, sizeof(name), "%s", roster_chan(kd.roster, idx)->name);
	topic_copy(idx, &t);
	collect_names(idx, &sb);
	roster_unlock(kd.roster);
	topic_reply(c, name, &t, 1);
	names_reply(c, name, &sb);
	sbuf_free(&sb);
}

/* --- JOIN / PART ------------------------------------------------------- */

void
join_one(struct client *c, const char *name)
{
	char canon[CHAN_MAX + 1], line[IRC_LINE_MAX];
	enum roster_err rc;
	int32_t idx;
	uint32_t gen = 0;
	int created, len;

	if (chan_check(name) != NAME_OK) {
		reply(c, ERR_NOSUCHCHANNEL, "%.*s :No such channel (%s)",
		    CHAN_MAX, utf8_valid(name, strlen(name)) ? name : "*",
		    name_strerror(chan_check(name)));
		return;
	}
	roster_lock_or_die();
	rc = roster_join(kd.roster, c->slot, name,
	    kd.cfg.max_channels_per_client, kd.now, &idx, &created);
	if (rc == ROSTER_OK) {
		gen = roster_chan(kd.roster, idx)->gen;
		snprintf(canon, sizeof(canon), "%s",
		    roster_chan(kd.roster, idx)->name);
	}
	roster_unlock(kd.roster);
	switch (rc) {
	case ROSTER_OK:
		break;
	case ROSTER_ALREADY_ON:
		return;
	case ROSTER_TOO_MANY_CHANS:
		reply(c, ERR_TOOMANYCHANNELS, "%s :You have joined too many "
		    "channels", name);
		return;
	default:
		reply(c, ERR_TOOMANYCHANNELS, "%s :The server cannot hold "
		    "more channels", name);
		return;
	}
	len = snprintf(line, sizeof(line), ":%s JOIN %s", c->prefix, canon);
	send_chan(idx, gen, c, RELAY_K_JOIN, lchan_ref(idx, gen), NULL, 0,
	    line, (size_t)len);
}

static void
part_one(struct client *c, const char *name, const char *reason)
{
	char canon[CHAN_MAX + 1], line[IRC_LINE_MAX * 2];
	int32_t idx;
	uint32_t gen;
	int gone, len;
	size_t rl;

	roster_lock_or_die();
	idx = roster_chan_find(kd.roster, name);
	if (idx < 0 || !roster_is_member(kd.roster, c->slot, idx)) {
		roster_unlock(kd.roster);
		if (idx < 0)
			reply(c, ERR_NOSUCHCHANNEL, "%.*s :No such channel",
			    CHAN_MAX, name);
		else
			reply(c, ERR_NOTONCHANNEL, "%s :You're not on that "
			    "channel", name);
		return;
	}
	gen = roster_chan(kd.roster, idx)->gen;
	snprintf(canon, sizeof(canon), "%s", roster_chan(kd.roster, idx)->name);
	roster_part(kd.roster, c->slot, idx, &gone);
	roster_unlock(kd.roster);
	if (reason != NULL && *reason != '\0') {
		rl = utf8_prefix(reason, strlen(reason), IRC_LINE_MAX - 16 -
		    c->prefixlen - strlen(canon));
		len = snprintf(line, sizeof(line), ":%s PART %s :%.*s",
		    c->prefix, canon, (int)rl, reason);
	} else
		len = snprintf(line, sizeof(line), ":%s PART %s", c->prefix,
		    canon);
	send_chan(idx, gen, c, RELAY_K_PART, lchan_unref(idx, gen), NULL, 0,
	    line, (size_t)len);
}

static void
part_all(struct client *c)
{
	char names[CHANS_PER_USER_MAX][CHAN_MAX + 1];
	struct roster_user *u;
	unsigned k, n = 0;

	roster_lock_or_die();
	u = roster_user(kd.roster, c->slot);
	for (k = 0; u != NULL && k < u->nchans; k++)
		snprintf(names[n++], sizeof(names[0]), "%s",
		    roster_chan(kd.roster,
		    roster_user_ext(kd.roster, c->slot)->chans[k])->name);
	roster_unlock(kd.roster);
	for (k = 0; k < n; k++)
		part_one(c, names[k], "Left all channels");
}

void
cmd_join(struct client *c, struct irc_msg *m)
{
	char *tok, *save = NULL;

	if (strcmp(m->params[0], "0") == 0) {
		part_all(c);
		return;
	}
	for (tok = strtok_r(m->params[0], ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (c->state >= CL_DYING)
			return;
		join_one(c, tok);
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
		part_one(c, tok, reason);
	}
}

/* --- TOPIC --------------------------------------------------------------- */

void
cmd_topic(struct client *c, struct irc_msg *m)
{
	char canon[CHAN_MAX + 1], line[IRC_LINE_MAX * 2];
	const char *name = m->params[0];
	struct topic_copy t = { "", "", 0 };
	int32_t idx;
	uint32_t gen;
	size_t tl;
	int member, len;

	roster_lock_or_die();
	idx = roster_chan_find(kd.roster, name);
	if (idx < 0) {
		roster_unlock(kd.roster);
		reply(c, ERR_NOSUCHCHANNEL, "%.*s :No such channel", CHAN_MAX,
		    name);
		return;
	}
	member = roster_is_member(kd.roster, c->slot, idx);
	snprintf(canon, sizeof(canon), "%s", roster_chan(kd.roster, idx)->name);
	gen = roster_chan(kd.roster, idx)->gen;
	if (m->nparams < 2) {
		topic_copy(idx, &t);
		roster_unlock(kd.roster);
		topic_reply(c, canon, &t, 0);
		return;
	}
	if (!member) {
		roster_unlock(kd.roster);
		reply(c, ERR_NOTONCHANNEL, "%s :You're not on that channel",
		    canon);
		return;
	}
	tl = utf8_prefix(m->params[1], strlen(m->params[1]), TOPIC_MAX);
	m->params[1][tl] = '\0';
	roster_set_topic(kd.roster, idx, m->params[1], c->prefix, kd.now);
	roster_unlock(kd.roster);
	len = snprintf(line, sizeof(line), ":%s TOPIC %s :%s", c->prefix,
	    canon, m->params[1]);
	if ((size_t)len > IRC_LINE_MAX - 2)
		len = (int)utf8_prefix(line, (size_t)len, IRC_LINE_MAX - 2);
	send_chan(idx, gen, c, RELAY_K_TOPIC, 0, NULL, 0, line, (size_t)len);
}

/* --- NAMES, LIST --------------------------------------------------------- */

void
cmd_names(struct client *c, struct irc_msg *m)
{
	char *tok, *save = NULL, canon[CHAN_MAX + 1];
	struct sbuf sb;
	int32_t idx;

	if (m->nparams == 0) {
		reply(c, RPL_ENDOFNAMES, "* :End of /NAMES list");
		return;
	}
	for (tok = strtok_r(m->params[0], ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		sbuf_init(&sb);
		snprintf(canon, sizeof(canon), "%s", tok);
		roster_lock_or_die();
		if ((idx = roster_chan_find(kd.roster, tok)) >= 0) {
			snprintf(canon, sizeof(canon), "%s",
			    roster_chan(kd.roster, idx)->name);
			collect_names(idx, &sb);
		}
		roster_unlock(kd.roster);
		names_reply(c, canon, &sb);
		sbuf_free(&sb);
	}
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
	roster_lock_or_die();
	if (m->nparams > 0 && m->params[0][0] != '\0') {
		for (tok = strtok_r(m->params[0], ",", &save); tok != NULL;
		    tok = strtok_r(NULL, ",", &save))
			list_one(&sb, roster_chan_find(kd.roster, tok));
	} else {
		lim = roster_chan_limit(kd.roster);
		for (i = 0; i < lim; i++)
			list_one(&sb, i);
	}
	roster_unlock(kd.roster);
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
	roster_lock_or_die();
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
	roster_unlock(kd.roster);
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
	roster_lock_or_die();
	if ((idx = roster_chan_find(kd.roster, m->params[0])) >= 0) {
		snprintf(canon, sizeof(canon), "%s",
		    roster_chan(kd.roster, idx)->name);
		created = roster_chan(kd.roster, idx)->created;
	}
	roster_unlock(kd.roster);
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

	roster_lock_or_die();
	if ((idx = roster_chan_find(kd.roster, m->params[0])) >= 0)
		member = roster_is_member(kd.roster, c->slot, idx);
	roster_unlock(kd.roster);
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

	roster_lock_or_die();
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
	roster_unlock(kd.roster);
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
		send_user(worker, slot, gen, c, RELAY_K_NOTICE, NULL, 0, line,
		    (size_t)len);
}
