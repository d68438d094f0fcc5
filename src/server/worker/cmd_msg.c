/*
 * cmd_msg.c -- PRIVMSG, NOTICE and TAGMSG to channels and nicks.
 *
 * A channel message is checked against the roster (the channel exists;
 * +n, +m and the bans, the sender's ban state cached in the roster) and
 * goes to the relay, which stamps it and sends it to every worker with
 * members there, this one included.  A private message goes through the
 * relay to the target's worker (and back to this one for echo-message);
 * in cluster mode one to a nick this host does not have goes to the relay,
 * which finds the nick's host through the cluster.  The relayed line is
 * cut so that it never exceeds 512 bytes with the sender's prefix.
 * NOTICE never gets an error reply (RFC 2812 3.3.2).
 */
#include <stdio.h>
#include <string.h>

#include "account.h"
#include "cmd.h"
#include "cmd_account.h"
#include "cmd_chanserv.h"
#include "ctx.h"
#include "deliver.h"
#include "numerics.h"
#include "roster.h"
#include "store.h"
#include "valid.h"

struct outmsg {
	enum frame_kind	 kind;
	const char	*cmd;		/* "PRIVMSG", "NOTICE", "TAGMSG" */
	const char	*text;		/* NULL for TAGMSG */
	char		 tags[IRC_CLIENT_TAGS_MAX + 1]; /* escaped + tags */
	size_t		 tagslen;
	int		 quiet;		/* NOTICE: no error replies */
};

static int
format_line(const struct client *c, const struct outmsg *o,
    const char *target, char *line, size_t linesz)
{
	size_t head, room, tl;
	int n;

	n = snprintf(line, linesz, ":%s %s %s", c->prefix, o->cmd, target);
	if (n < 0 || (size_t)n >= IRC_LINE_MAX - 4)
		return -1;
	head = (size_t)n;
	if (o->text == NULL)
		return n;
	room = IRC_LINE_MAX - 2 - head - 2;
	tl = utf8_prefix(o->text, strlen(o->text), room);
	n = snprintf(line + head, linesz - head, " :%.*s", (int)tl, o->text);
	return (int)head + n;
}

/* Client-only tags (+name) of m, escaped, for message-tags clients. */
static void
collect_tags(const struct client *c, const struct irc_msg *m,
    struct outmsg *o)
{
	size_t i, n = 0, need;
	char val[IRC_TAGS_MAX];

	o->tagslen = 0;
	o->tags[0] = '\0';
	if (!(c->caps & CAP_MESSAGE_TAGS))
		return;
	for (i = 0; i < m->ntags; i++) {
		if (m->tags[i].key[0] != '+')
			continue;
		need = strlen(m->tags[i].key);
		val[0] = '\0';
		if (m->tags[i].value != NULL && m->tags[i].value[0] != '\0')
			need += 1 + irc_tag_escape(val, sizeof(val),
			    m->tags[i].value);
		if (n + (n > 0) + need > IRC_CLIENT_TAGS_MAX)
			break;
		n += (size_t)snprintf(o->tags + n, sizeof(o->tags) - n,
		    "%s%s%s%s", n > 0 ? ";" : "", m->tags[i].key,
		    val[0] ? "=" : "", val);
	}
	o->tagslen = n;
}

/* Why c may not send to channel idx now (the text of 404), or NULL.  Ops
 * and voiced members may speak when moderated or banned.  Lock held. */
static const char *
cannot_send(struct client *c, int32_t idx)
{
	struct roster_chan *ch = roster_chan(kd.roster, idx);
	int priv = roster_member_priv(kd.roster, c->slot, idx);
	int banned;

	if (priv < 0 && (ch->modes & CMODE_NOEXTERNAL))
		return "you are not on it (+n)";
	if (priv > 0)
		return NULL;	/* @ or + */
	if (ch->modes & CMODE_MODERATED)
		return "it is moderated (+m) and you have no voice";
	if (priv == 0)
		banned = roster_banned(kd.roster, c->slot, idx);
	else
		banned = roster_list_match(kd.roster, idx, 'b', c->prefix) &&
		    !roster_list_match(kd.roster, idx, 'e', c->prefix);
	return banned ? "you are banned (+b)" : NULL;
}

static void
to_channel(struct client *c, const struct outmsg *o, const char *target)
{
	char canon[CHAN_MAX + 1], line[IRC_LINE_MAX * 2];
	const char *why = NULL;
	int32_t idx;
	uint32_t gen = 0;
	int len;

	ctx_roster_lock();
	if ((idx = roster_chan_find(kd.roster, target)) >= 0) {
		why = cannot_send(c, idx);
		gen = roster_chan(kd.roster, idx)->gen;
		snprintf(canon, sizeof(canon), "%s",
		    roster_chan(kd.roster, idx)->name);
	}
	ctx_roster_unlock();
	if (idx < 0) {
		if (!o->quiet)
			reply(c, ERR_NOSUCHCHANNEL, "%.*s :No such channel",
			    CHAN_MAX, target);
		return;
	}
	if (why != NULL) {
		if (!o->quiet)
			reply(c, ERR_CANNOTSENDTOCHAN, "%s :Cannot send to "
			    "channel (%s)", canon, why);
		return;
	}
	if ((len = format_line(c, o, canon, line, sizeof(line))) < 0)
		return;
	send_chan(idx, gen, c, &(struct out_line){ .kind = o->kind,
	    .tags = o->tags, .tagslen = o->tagslen, .line = line,
	    .len = (size_t)len });
}

/* A message from a logged-in user to a registered account that is not
 * connected waits for it (kept with the history: the relay stores it and
 * sends it to no one but an echo).  1 when it was taken so. */
static int
to_away_account(struct client *c, const struct outmsg *o, const char *target)
{
	char line[IRC_LINE_MAX * 2];
	struct store *st = account_store();
	struct account a;
	int len;

	if (c->account == NULL || !kd.cfg.history || st == NULL ||
	    o->kind == FRAME_K_TAGMSG || nick_check(target, NICK_MAX) !=
	    NAME_OK || store_account_get(st, target, &a) != STORE_OK)
		return 0;
	explicit_bzero(a.hash, sizeof(a.hash));
	if ((len = format_line(c, o, a.name, line, sizeof(line))) < 0)
		return 1;
	send_user(kd.id, -1, 0, c, &(struct out_line){ .kind = o->kind,
	    .flags = FRAME_U_KEEP | ((c->caps & CAP_ECHO_MESSAGE) ?
	    FRAME_U_ECHO : 0), .tags = o->tags, .tagslen = o->tagslen,
	    .line = line, .len = (size_t)len });
	if (!o->quiet)
		client_sendf(c, ":%s NOTICE %s :%s is not connected; the "
		    "message waits until the account logs in",
		    kd.cfg.server_name, c->nick, a.name);
	explicit_bzero(&a, sizeof(a));
	return 1;
}

/* A private message goes through the relay too: it gets its msgid and
 * its place in the order, and with echo-message the relay sends it back
 * to the sender's worker. */
static void
to_nick(struct client *c, const struct outmsg *o, const char *target)
{
	char nick[NICK_MAX + 1], away[AWAY_MAX + 1], line[IRC_LINE_MAX * 2];
	struct roster_user *u;
	int32_t slot;
	uint32_t gen = 0;
	uint8_t worker = 0;
	int len;

	away[0] = '\0';
	ctx_roster_lock();
	if ((u = roster_find_registered(kd.roster, target, &slot)) != NULL) {
		gen = u->gen;
		worker = u->worker;
		snprintf(nick, sizeof(nick), "%s", u->nick);
		if (u->flags & ROSTER_UF_AWAY)
			snprintf(away, sizeof(away), "%s",
			    roster_user_ext(kd.roster, slot)->away);
	}
	ctx_roster_unlock();
	if (slot < 0 && config_cluster(&kd.cfg) && nick_check(target,
	    NICK_MAX) == NAME_OK) {
		/* cluster mode: the relay asks which host has the nick (and
		 * answers 401 when none has) */
		if ((len = format_line(c, o, target, line, sizeof(line))) >= 0)
			send_user(FRAME_REMOTE_USER, -1, 0, c, &(struct
			    out_line){ .kind = o->kind, .flags = (c->caps &
			    CAP_ECHO_MESSAGE) ? FRAME_U_ECHO : 0, .tags =
			    o->tags, .tagslen = o->tagslen, .line = line,
			    .len = (size_t)len });
		return;
	}
	if (slot < 0 && to_away_account(c, o, target))
		return;
	if (slot < 0) {
		if (!o->quiet)
			reply(c, ERR_NOSUCHNICK, "%.*s :No such nick/channel",
			    NICK_MAX, utf8_valid(target, strlen(target)) ?
			    target : "*");
		return;
	}
	if ((len = format_line(c, o, nick, line, sizeof(line))) < 0)
		return;
	send_user(worker, slot, gen, c, &(struct out_line){ .kind = o->kind,
	    .flags = (c->caps & CAP_ECHO_MESSAGE) ? FRAME_U_ECHO : 0,
	    .tags = o->tags, .tagslen = o->tagslen, .line = line,
	    .len = (size_t)len });
	if (away[0] != '\0' && o->kind == FRAME_K_PRIVMSG)
		reply(c, RPL_AWAY, "%s :%s", nick, away);
}

static void
message(struct client *c, struct irc_msg *m, struct outmsg *o)
{
	char *tok, *save = NULL;
	struct roster_user *u;
	unsigned n = 0;

	if (m->nparams < 1 || m->params[0][0] == '\0') {
		if (!o->quiet)
			reply(c, ERR_NORECIPIENT, ":No recipient given (%s)",
			    o->cmd);
		return;
	}
	if (o->kind != FRAME_K_TAGMSG) {
		if (m->nparams < 2 || m->params[1][0] == '\0') {
			if (!o->quiet)
				reply(c, ERR_NOTEXTTOSEND, ":No text to send");
			return;
		}
		o->text = m->params[1];
	}
	collect_tags(c, m, o);
	for (tok = strtok_r(m->params[0], ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (c->state >= CL_DYING)
			return;
		if (++n > TARGETS_MAX) {
			if (!o->quiet)
				reply(c, ERR_TOOMANYTARGETS, "%.*s :Too many "
				    "recipients (at most %d)", CHAN_MAX, tok,
				    TARGETS_MAX);
			break;
		}
		if (tok[0] == '#')
			to_channel(c, o, tok);
		else if (irc_casecmp(tok, "NickServ") == 0) {
			if (o->kind == FRAME_K_PRIVMSG)
				account_nickserv(c, o->text);
		} else if (irc_casecmp(tok, "ChanServ") == 0) {
			if (o->kind == FRAME_K_PRIVMSG)
				chanserv(c, o->text);
		} else
			to_nick(c, o, tok);
	}
	/* a hint for WHOIS idle time, written by the owner without lock */
	if ((u = roster_user(kd.roster, c->slot)) != NULL)
		u->last_msg = kd.now;
}

void
cmd_privmsg(struct client *c, struct irc_msg *m)
{
	struct outmsg o = { FRAME_K_PRIVMSG, "PRIVMSG", NULL, "", 0, 0 };

	message(c, m, &o);
}

void
cmd_notice(struct client *c, struct irc_msg *m)
{
	struct outmsg o = { FRAME_K_NOTICE, "NOTICE", NULL, "", 0, 1 };

	message(c, m, &o);
}

void
cmd_tagmsg(struct client *c, struct irc_msg *m)
{
	struct outmsg o = { FRAME_K_TAGMSG, "TAGMSG", NULL, "", 0, 0 };

	if (!(c->caps & CAP_MESSAGE_TAGS)) {
		reply(c, ERR_UNKNOWNCOMMAND, "TAGMSG :Unknown command "
		    "(negotiate message-tags first)");
		return;
	}
	message(c, m, &o);
}
