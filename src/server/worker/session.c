/*
 * session.c -- a user's session (see session.h).
 *
 * The roster is changed under its lock at command time; the JOIN and PART
 * lines then go through the relay, which orders them with the channel's
 * messages.  Replies that list many things (names) are collected under the
 * lock and sent after it is released.  A nick is claimed in the roster the
 * moment NICK is accepted, so registration here only marks the slot.
 *
 * In cluster mode a nick is also claimed across the hosts (the relay asks
 * the NATS nick bucket, DESIGN.md section 9): the client's input waits for
 * the answer, registration waits for it, and a registered user's nick
 * changes only when the claim is its.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "client.h"
#include "ctx.h"
#include "deliver.h"
#include "histq.h"
#include "label.h"
#include "log.h"
#include "monitor.h"
#include "numerics.h"
#include "roster.h"
#include "sbuf.h"
#include "session.h"
#include "valid.h"

/* --- the welcome burst ---------------------------------------------------- */

/* RPL_ISUPPORT: at most 13 tokens a line (Modern IRC), in name order. */
void
session_isupport(struct client *c)
{
	char tok[3][IRC_LINE_MAX];
	unsigned i;

	char hist[32] = "";

	if (kd.cfg.history && account_store() != NULL)
		snprintf(hist, sizeof(hist), "CHATHISTORY=%d ",
		    HISTQ_LIMIT_MAX);
	snprintf(tok[0], sizeof(tok[0]), "AWAYLEN=%d BOT=B CASEMAPPING=rfc1459 "
	    "CHANLIMIT=#:%u CHANMODES=beI,k,l,imnst CHANNELLEN=%d "
	    "CHANTYPES=# %sELIST= EXCEPTS=e HOSTLEN=%d INVEX=I KEYLEN=%d",
	    AWAY_MAX, kd.cfg.max_channels_per_client, CHAN_MAX, hist,
	    HOST_MAX, KEY_MAX);
	snprintf(tok[1], sizeof(tok[1]), "KICKLEN=%d LINELEN=%d MAXLIST=beI:%d "
	    "MAXTARGETS=%d MODES=%d MONITOR=%d %sNAMELEN=%d NETWORK=%s "
	    "NICKLEN=%u PREFIX=(ov)@+ SAFELIST STATUSMSG=", TOPIC_MAX,
	    IRC_LINE_MAX, LIST_MAX, TARGETS_MAX, MODES_MAX, MONITOR_MAX,
	    hist[0] ? "MSGREFTYPES=msgid,timestamp " : "", REALNAME_MAX,
	    kd.cfg.network, kd.cfg.nicklen);
	snprintf(tok[2], sizeof(tok[2]), "TARGMAX=JOIN:,PART:,NAMES:,LIST:,"
	    "KICK:%d,WHOIS:1,PRIVMSG:%d,NOTICE:%d,TAGMSG:%d,MONITOR: "
	    "TOPICLEN=%d USERLEN=%d UTF8ONLY WHOX", TARGETS_MAX, TARGETS_MAX,
	    TARGETS_MAX, TARGETS_MAX, TOPIC_MAX, USER_MAX);
	for (i = 0; i < 3; i++)
		reply(c, RPL_ISUPPORT, "%s :are supported by this server",
		    tok[i]);
}

void
session_motd(struct client *c)
{
	const char *p, *nl;

	if (!kd.has_motd) {
		reply(c, ERR_NOMOTD, ":MOTD File is missing");
		return;
	}
	reply(c, RPL_MOTDSTART, ":- %s Message of the day - ",
	    kd.cfg.server_name);
	for (p = kd.motd; p < kd.motd + kd.motdlen; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(kd.motd + kd.motdlen - p));
		if (nl == NULL)
			nl = kd.motd + kd.motdlen;
		reply(c, RPL_MOTD, ":- %.*s", (int)(nl - p), p);
	}
	reply(c, RPL_ENDOFMOTD, ":End of /MOTD command.");
}

void
session_lusers(struct client *c)
{
	struct roster_counts rc;

	ctx_roster_lock();
	roster_get_counts(kd.roster, &rc);
	ctx_roster_unlock();
	reply(c, RPL_LUSERCLIENT, ":There are %u users and %u invisible on 1 "
	    "servers", rc.registered - rc.invisible, rc.invisible);
	reply(c, RPL_LUSEROP, "%u :operator(s) online", rc.opers);
	if (rc.unregistered > 0)
		reply(c, RPL_LUSERUNKNOWN, "%u :unknown connection(s)",
		    rc.unregistered);
	reply(c, RPL_LUSERCHANNELS, "%u :channels formed", rc.channels);
	reply(c, RPL_LUSERME, ":I have %u clients and 0 servers",
	    rc.registered);
	reply(c, RPL_LOCALUSERS, "%u %u :Current local users %u, max %u",
	    rc.registered, rc.max_registered, rc.registered, rc.max_registered);
	reply(c, RPL_GLOBALUSERS, "%u %u :Current global users %u, max %u",
	    rc.registered, rc.max_registered, rc.registered, rc.max_registered);
}

static void
welcome(struct client *c)
{
	reply(c, RPL_WELCOME, ":Welcome to the %s IRC Network %s",
	    kd.cfg.network, c->prefix);
	reply(c, RPL_YOURHOST, ":Your host is %s, running version %s",
	    kd.cfg.server_name, KEOCHATD_VERSION);
	reply(c, RPL_CREATED, ":This server was created %s", kd.created);
	reply(c, RPL_MYINFO, "%s %s BZiorw beIiklmnostv beIklov",
	    kd.cfg.server_name, KEOCHATD_VERSION);
	session_isupport(c);
	session_lusers(c);
	session_motd(c);
}

static void
autojoin(struct client *c)
{
	char buf[sizeof(kd.cfg.autojoin)], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", kd.cfg.autojoin);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save))
		session_join(c, tok, NULL);
}

static void (*welcome_hook)(struct client *);

void
session_welcome_hook(void (*fn)(struct client *))
{
	welcome_hook = fn;
}

void
session_try_register(struct client *c)
{
	struct roster_counts rc;

	if (c->state != CL_UNREG || !(c->flags & CF_GOT_NICK) ||
	    !(c->flags & CF_GOT_USER) || (c->flags & (CF_CAP_NEG |
	    CF_AUTH_WAIT | CF_NICK_WAIT)))
		return;
	if (!(c->flags & CF_PASS_OK)) {
		reply(c, ERR_PASSWDMISMATCH, ":Password incorrect");
		log_info("refused %s from %s: %s", c->nick, c->host,
		    (c->flags & CF_GOT_PASS) ? "bad password" :
		    "no password given");
		client_close(c, "Bad password");
		return;
	}
	if (account_nick_refused(c, c->nick)) {
		c->flags &= ~(uint32_t)CF_GOT_NICK;	/* a NICK again */
		return;
	}
	ctx_roster_lock();
	roster_user_register(kd.roster, c->slot, c->user,
	    c->realname ? c->realname : "", kd.now);
	roster_get_counts(kd.roster, &rc);
	ctx_roster_unlock();
	free(c->realname);
	c->realname = NULL;
	c->state = CL_REG;
	client_set_prefix(c);
	log_info("[+] connected: %s (Active: %u)", c->nick, rc.registered);
	welcome(c);
	/* MONITOR: its watchers on every worker hear it came */
	send_all(c, &(struct out_line){ .kind = FRAME_K_ONLINE,
	    .line = c->prefix, .len = strlen(c->prefix) });
	account_nick_changed(c);
	autojoin(c);
	if (c->account != NULL && welcome_hook != NULL)
		welcome_hook(c);	/* what waited for the account */
}

/* --- nick changes ------------------------------------------------------- */

static void
nick_change(struct client *c, const char *nick, struct frame_multi_chan *ch,
    unsigned n)
{
	char line[IRC_LINE_MAX];
	int len;

	len = snprintf(line, sizeof(line), ":%s NICK :%s", c->prefix, nick);
	if (len < 0 || (size_t)len >= sizeof(line))
		return;
	client_sendf(c, "%s", line);
	/* to every worker: MONITOR watchers of either nick hear of it */
	send_multi(c, ch, n, &(struct out_line){ .kind = FRAME_K_NICK,
	    .flags = FRAME_M_ALL, .line = line, .len = (size_t)len });
	log_info("nick change: %s -> %s", c->nick, nick);
	snprintf(c->nick, sizeof(c->nick), "%s", nick);
	client_set_prefix(c);
}

/* A channel where c is banned and has no voice: it may not change its
 * nick (Solanum's rule), so a ban cannot be dodged by a new nick.  The
 * channel's name into chan, or 0.  Lock held. */
static int
banned_somewhere(struct client *c, char *chan, size_t chansz)
{
	struct roster_user *u = roster_user(kd.roster, c->slot);
	struct roster_user_ext *e = roster_user_ext(kd.roster, c->slot);
	unsigned k;

	for (k = 0; u != NULL && k < u->nchans && k < CHANS_PER_USER_MAX; k++)
		if (roster_member_entry_priv(kd.roster, e->mems[k]) == 0 &&
		    roster_banned(kd.roster, c->slot, e->chans[k])) {
			snprintf(chan, chansz, "%s",
			    roster_chan(kd.roster, e->chans[k])->name);
			return 1;
		}
	return 0;
}

/* The nick change itself, on this host. */
static enum nick_rc
set_nick_here(struct client *c, const char *nick, int forced, char *banned,
    size_t bannedsz)
{
	struct frame_multi_chan ch[CHANS_PER_USER_MAX];
	enum roster_err rc;
	unsigned n = 0;

	ctx_roster_lock();
	if (!forced && c->state == CL_REG && banned_somewhere(c, banned,
	    bannedsz)) {
		ctx_roster_unlock();
		return NICK_BANNED;
	}
	if (c->state == CL_REG && irc_casecmp(nick, c->nick) != 0)
		roster_whowas_add(kd.roster, c->slot, kd.now);
	rc = roster_user_set_nick(kd.roster, c->slot, nick);
	if (rc == ROSTER_OK && c->state == CL_REG)
		n = deliver_channels(c->slot, ch);
	ctx_roster_unlock();
	if (rc != ROSTER_OK)
		return NICK_IN_USE;
	if (c->state == CL_REG)
		nick_change(c, nick, ch, n);
	else
		snprintf(c->nick, sizeof(c->nick), "%s", nick);
	return NICK_OK;
}

/* --- nick claims across the cluster ---------------------------------------- */

struct nickclaim {
	char	 held[NICK_MAX + 1];	/* the cluster's answer was OK, "" */
	char	 want[NICK_MAX + 1];	/* the claim out, "" none */
	uint8_t	 forced;		/* a rename by the server */
};

static int
cluster(void)
{
	static int on = -1;

	if (on == -1)
		on = config_cluster(&kd.cfg);
	return on;
}

/* Ask the cluster for nick: the client's input and its registration wait
 * for the answer (session_nick_answer).  An unregistered client holds the
 * nick on this host meanwhile; a registered one keeps its old nick until
 * the answer. */
static enum nick_rc
claim(struct client *c, const char *nick, int forced, char *banned,
    size_t bannedsz)
{
	enum roster_err rc = ROSTER_OK;
	int32_t other;

	if ((c->flags & CF_NICK_WAIT) || (c->claim == NULL &&
	    (c->claim = calloc(1, sizeof(*c->claim))) == NULL))
		return NICK_IN_USE;
	ctx_roster_lock();
	if (!forced && c->state == CL_REG && banned_somewhere(c, banned,
	    bannedsz)) {
		ctx_roster_unlock();
		return NICK_BANNED;
	}
	if (c->state == CL_REG) {
		if ((other = roster_find_nick(kd.roster, nick)) >= 0 &&
		    other != c->slot)
			rc = ROSTER_NICK_IN_USE;
	} else
		rc = roster_user_set_nick(kd.roster, c->slot, nick);
	ctx_roster_unlock();
	if (rc != ROSTER_OK)
		return NICK_IN_USE;
	if (c->state != CL_REG)
		snprintf(c->nick, sizeof(c->nick), "%s", nick);
	snprintf(c->claim->want, sizeof(c->claim->want), "%s", nick);
	c->claim->forced = (uint8_t)forced;
	c->flags |= CF_NICK_WAIT;
	if (c->opwait++ == 0)
		c->opwait_ms = kd.now_ms;
	send_nick(c->slot, c->gen, FRAME_NICK_CLAIM, nick);
	return NICK_PENDING;
}

/* A claim that did not come through: an unregistered client has no nick
 * again (it sends another). */
static void
unclaimed(struct client *c)
{
	if (c->state == CL_REG)
		return;
	ctx_roster_lock();
	roster_user_clear_nick(kd.roster, c->slot);
	ctx_roster_unlock();
	c->nick[0] = '\0';
	c->flags &= ~(uint32_t)CF_GOT_NICK;
	if (c->claim->held[0] != '\0')
		send_nick(c->slot, c->gen, FRAME_NICK_FREE, c->claim->held);
	c->claim->held[0] = '\0';
}

int
session_remote(struct client *c, uint8_t worker, int32_t slot,
    const char *cmd, const char *nick)
{
	char node[ROSTER_NODE_MAX + 1] = "";

	if (worker != ROSTER_REMOTE)
		return 0;
	ctx_roster_lock();
	if (roster_user_ext(kd.roster, slot) != NULL)
		snprintf(node, sizeof(node), "%s",
		    roster_user_ext(kd.roster, slot)->rnode);
	ctx_roster_unlock();
	client_sendf(c, ":%s FAIL %s ON_ANOTHER_HOST %s :%s is on host %s of "
	    "the cluster; %s reaches users of this host only", kd.cfg.server_name,
	    cmd, nick, nick, node[0] ? node : "*", cmd);
	return 1;
}

void
session_nick_answer(int32_t slot, uint32_t gen, unsigned op,
    const char *nick, void *arg)
{
	struct client *c = client_by_slot(slot, gen);
	char banned[CHAN_MAX + 1];
	enum nick_rc rc;
	int forced;

	(void)arg;
	if (c == NULL || c->claim == NULL || !(c->flags & CF_NICK_WAIT) ||
	    strcmp(c->claim->want, nick) != 0) {
		/* no one waits for it (the client is gone): free again */
		if (op == FRAME_NICK_OK)
			send_nick(slot, gen, FRAME_NICK_FREE, nick);
		return;
	}
	c->flags &= ~(uint32_t)CF_NICK_WAIT;
	c->claim->want[0] = '\0';
	forced = c->claim->forced;
	if (c->opwait > 0 && --c->opwait == 0)
		client_wake(c);
	if (op == FRAME_NICK_OK) {
		if (c->state == CL_REG && (rc = set_nick_here(c, nick, forced,
		    banned, sizeof(banned))) != NICK_OK) {
			send_nick(slot, gen, FRAME_NICK_FREE, nick);
			if (rc == NICK_BANNED)
				reply(c, ERR_BANNICKCHANGE, "%s %s :Cannot "
				    "change nickname while banned on channel",
				    nick, banned);
			else
				reply(c, ERR_NICKNAMEINUSE, "%s :Nickname is "
				    "already in use", nick);
			return;
		}
		if (c->claim->held[0] != '\0' && irc_casecmp(c->claim->held,
		    nick) != 0)
			send_nick(slot, gen, FRAME_NICK_FREE, c->claim->held);
		snprintf(c->claim->held, sizeof(c->claim->held), "%s", nick);
		if (c->state == CL_REG)
			account_nick_changed(c);
		else
			session_try_register(c);
		return;
	}
	if (forced && c->state == CL_REG) {
		client_close(c, "Nickname enforcement");
		return;
	}
	if (op == FRAME_NICK_TAKEN) {
		reply(c, ERR_NICKNAMEINUSE, "%s :Nickname is already in use",
		    nick);
		unclaimed(c);
		return;
	}
	client_sendf(c, ":%s FAIL NICK BACKBONE_UNAVAILABLE %s :The cluster "
	    "cannot be asked whether the nick is free; try again",
	    kd.cfg.server_name, nick);
	if (c->state != CL_REG) {
		unclaimed(c);
		client_close(c, "The cluster cannot be reached; try again "
		    "later");
	}
}

enum nick_rc
session_set_nick(struct client *c, const char *nick, int forced, char *banned,
    size_t bannedsz)
{
	banned[0] = '\0';
	/* a nick held across the cluster already (only its case changes)
	 * needs no claim */
	if (cluster() && (c->claim == NULL || c->claim->held[0] == '\0' ||
	    irc_casecmp(c->claim->held, nick) != 0))
		return claim(c, nick, forced, banned, bannedsz);
	return set_nick_here(c, nick, forced, banned, bannedsz);
}

/* --- names and topics ---------------------------------------------------- */

/* The prefix of a member in NAMES and WHO: the highest privilege, or
 * all of them for multi-prefix clients. */
void
session_prefix(unsigned priv, int multi, char *out)
{
	size_t n = 0;

	if (priv & MEMBER_OP)
		out[n++] = '@';
	if ((priv & MEMBER_VOICE) && (multi || n == 0))
		out[n++] = '+';
	out[n] = '\0';
}

/* The members of a channel as c sees them in 353, space separated: with
 * prefixes, as nick!user@host for userhost-in-names; invisible users
 * only when c is a member.  Lock held. */
static void
collect_names(int32_t idx, const struct client *c, int member, struct sbuf *sb)
{
	struct roster_user *u;
	char pfx[4];
	int32_t m, slot;

	for (m = roster_chan_first(kd.roster, idx); m >= 0;
	    m = roster_member_next(kd.roster, m)) {
		slot = roster_member_user(kd.roster, m);
		if ((u = roster_user(kd.roster, slot)) == NULL)
			continue;
		if (!member && (u->flags & ROSTER_UF_INVISIBLE))
			continue;
		session_prefix(roster_member_entry_priv(kd.roster, m),
		    (c->caps & CAP_MULTI_PREFIX) != 0, pfx);
		/* no printf: a big room's NAMES is this loop */
		if (sb->len > 0)
			sbuf_add(sb, " ", 1);
		if (pfx[0] != '\0')
			sbuf_adds(sb, pfx);
		sbuf_adds(sb, u->nick);
		if (c->caps & CAP_USERHOST_NAMES) {
			sbuf_add(sb, "!", 1);
			sbuf_adds(sb, u->user);
			sbuf_add(sb, "@", 1);
			sbuf_adds(sb, u->host);
		}
	}
}

static void
names_reply(struct client *c, const char *name, int secret, struct sbuf *sb)
{
	char head[CHAN_MAX + 8];

	if (sb->len > 0) {
		snprintf(head, sizeof(head), "%c %s", secret ? '@' : '=',
		    name);
		reply_list(c, RPL_NAMREPLY, head, sb->p);
	}
	reply(c, RPL_ENDOFNAMES, "%s :End of /NAMES list", name);
}

void
session_names(struct client *c, const char *name)
{
	char canon[CHAN_MAX + 1];
	struct roster_chan *ch;
	struct sbuf sb;
	int32_t idx;
	int member, secret = 0;

	sbuf_init(&sb);
	snprintf(canon, sizeof(canon), "%.*s", CHAN_MAX,
	    utf8_valid(name, strlen(name)) ? name : "*");
	ctx_roster_lock();
	if ((idx = roster_chan_find(kd.roster, name)) >= 0) {
		ch = roster_chan(kd.roster, idx);
		member = roster_is_member(kd.roster, c->slot, idx);
		secret = (ch->modes & CMODE_SECRET) != 0;
		/* a secret channel does not exist for those outside it */
		if (member || !secret) {
			snprintf(canon, sizeof(canon), "%s", ch->name);
			collect_names(idx, c, member, &sb);
		}
	}
	ctx_roster_unlock();
	names_reply(c, canon, secret, &sb);
	sbuf_free(&sb);
}

struct topic_copy {
	char	 name[CHAN_MAX + 1];
	char	 topic[TOPIC_MAX + 1];
	char	 by[PREFIX_MAX + 1];
	int64_t	 when;
};

/* Lock held; 0, or -1 when the channel is gone. */
static int
topic_copy(int32_t idx, struct topic_copy *t)
{
	struct roster_chan *ch = roster_chan(kd.roster, idx);

	if (ch == NULL)
		return -1;
	snprintf(t->name, sizeof(t->name), "%s", ch->name);
	snprintf(t->topic, sizeof(t->topic), "%s", ch->topic);
	snprintf(t->by, sizeof(t->by), "%s", ch->topic_by);
	t->when = ch->topic_time;
	return 0;
}

static void
topic_reply(struct client *c, const struct topic_copy *t, int quiet)
{
	if (t->topic[0] == '\0') {
		if (!quiet)
			reply(c, RPL_NOTOPIC, "%s :No topic is set", t->name);
		return;
	}
	reply(c, RPL_TOPIC, "%s :%s", t->name, t->topic);
	reply(c, RPL_TOPICWHOTIME, "%s %s %lld", t->name, t->by,
	    (long long)t->when);
}

int
session_topic(struct client *c, int32_t chan, int quiet)
{
	struct topic_copy t;
	int rc;

	ctx_roster_lock();
	rc = topic_copy(chan, &t);
	ctx_roster_unlock();
	if (rc == 0)
		topic_reply(c, &t, quiet);
	return rc;
}

static void (*join_hook)(struct client *, const char *);

void
session_join_hook(void (*fn)(struct client *, const char *chan))
{
	join_hook = fn;
}

void
session_join_info(struct client *c, int32_t idx, void *arg)
{
	struct topic_copy t;
	struct sbuf sb;
	int secret;

	(void)arg;
	sbuf_init(&sb);
	ctx_roster_lock();
	if (topic_copy(idx, &t) == -1) {
		ctx_roster_unlock();
		return;
	}
	secret = (roster_chan(kd.roster, idx)->modes & CMODE_SECRET) != 0;
	collect_names(idx, c, 1, &sb);
	ctx_roster_unlock();
	topic_reply(c, &t, 1);
	if (join_hook != NULL)
		join_hook(c, t.name);	/* before 366 (draft/read-marker) */
	names_reply(c, t.name, secret, &sb);
	sbuf_free(&sb);
}

/* --- JOIN / PART --------------------------------------------------------- */

/* May c join the existing channel idx with key?  NULL, or the numeric
 * that refuses it (its text in *why).  An INVITE (used up by the join)
 * or a +I match lets c past +i and the bans, as in ngircd; +k and +l
 * hold for everyone.  Lock held. */
static const char *
join_refused(struct client *c, int32_t idx, const char *key, int access,
    const char **why)
{
	struct roster_chan *ch = roster_chan(kd.roster, idx);
	int invited, took;

	*why = NULL;
	/* a registered channel's founder and ops (ChanServ) always get in */
	if (access && ch->keep)
		return NULL;
	took = roster_invite_take(kd.roster, idx, c->slot);
	invited = took || roster_list_match(kd.roster, idx, 'I', c->prefix);
	*why = NULL;
	if (!invited && roster_list_match(kd.roster, idx, 'b', c->prefix) &&
	    !roster_list_match(kd.roster, idx, 'e', c->prefix))
		*why = ERR_BANNEDFROMCHAN;
	else if (!invited && (ch->modes & CMODE_INVITE))
		*why = ERR_INVITEONLYCHAN;
	else if (ch->key[0] != '\0' && (key == NULL ||
	    strcmp(key, ch->key) != 0))
		*why = ERR_BADCHANNELKEY;
	else if (ch->limit != 0 && ch->nmembers >= ch->limit)
		*why = ERR_CHANNELISFULL;
	if (*why != NULL && took)
		roster_invite_add(kd.roster, idx, c->slot);	/* kept */
	return *why;
}

static void
join_refusal(struct client *c, const char *num, const char *name)
{
	const char *text = strcmp(num, ERR_BANNEDFROMCHAN) == 0 ?
	    "Cannot join channel (+b)" : strcmp(num, ERR_INVITEONLYCHAN) ==
	    0 ? "Cannot join channel (+i)" : strcmp(num, ERR_BADCHANNELKEY) ==
	    0 ? "Cannot join channel (+k)" : "Cannot join channel (+l)";

	reply(c, num, "%s :%s", name, text);
}

void
session_join(struct client *c, const char *name, const char *key)
{
	char canon[CHAN_MAX + 1], line[IRC_LINE_MAX], ext[IRC_LINE_MAX];
	char away[AWAY_MAX + 1];
	struct roster_user_ext *e;
	const char *refused = NULL;
	enum roster_err rc = ROSTER_OK;
	int32_t idx;
	uint32_t gen = 0;
	int created, len, extlen = 0, access;
	char lvl;

	if (chan_check(name) != NAME_OK) {
		reply(c, ERR_NOSUCHCHANNEL, "%.*s :No such channel (%s)",
		    CHAN_MAX, utf8_valid(name, strlen(name)) ? name : "*",
		    name_strerror(chan_check(name)));
		return;
	}
	away[0] = '\0';
	/* looked up before the roster lock: the store is never read under
	 * it */
	lvl = c->account != NULL ? account_chan_level(c, name) : 0;
	access = lvl == 'F' || lvl == 'o';
	ctx_roster_lock();
	if ((idx = roster_chan_find(kd.roster, name)) >= 0) {
		if (roster_is_member(kd.roster, c->slot, idx))
			rc = ROSTER_ALREADY_ON;
		else if (join_refused(c, idx, key, access, &refused) != NULL)
			snprintf(canon, sizeof(canon), "%s",
			    roster_chan(kd.roster, idx)->name);
	}
	if (rc == ROSTER_OK && refused == NULL)
		rc = roster_join(kd.roster, c->slot, name,
		    kd.cfg.max_channels_per_client, kd.now, &idx, &created);
	if (rc == ROSTER_OK && refused == NULL) {
		gen = roster_chan(kd.roster, idx)->gen;
		snprintf(canon, sizeof(canon), "%s",
		    roster_chan(kd.roster, idx)->name);
		e = roster_user_ext(kd.roster, c->slot);
		extlen = snprintf(ext, sizeof(ext), " %s :%s", e->account[0] ?
		    e->account : "*", e->realname);
		if (roster_user(kd.roster, c->slot)->flags & ROSTER_UF_AWAY)
			snprintf(away, sizeof(away), "%s", e->away);
	}
	ctx_roster_unlock();
	if (refused != NULL) {
		join_refusal(c, refused, canon);
		return;
	}
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
	if (extlen < 0 || (size_t)len + (size_t)extlen > IRC_LINE_MAX - 2)
		extlen = (int)utf8_prefix(ext, strlen(ext), IRC_LINE_MAX - 2 -
		    (size_t)len);
	send_chan(idx, gen, c, &(struct out_line){ .kind = FRAME_K_JOIN,
	    .flags = lchan_ref(idx, gen), .line = line, .len = (size_t)len,
	    .ext = ext, .extlen = (size_t)extlen, .away = away,
	    .awaylen = strlen(away) });
}

void
session_part(struct client *c, const char *name, const char *reason)
{
	char canon[CHAN_MAX + 1], line[IRC_LINE_MAX * 2];
	int32_t idx;
	uint32_t gen;
	int gone, len;
	size_t rl;

	ctx_roster_lock();
	idx = roster_chan_find(kd.roster, name);
	if (idx < 0 || !roster_is_member(kd.roster, c->slot, idx)) {
		ctx_roster_unlock();
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
	ctx_roster_unlock();
	if (reason != NULL && *reason != '\0') {
		rl = utf8_prefix(reason, strlen(reason), IRC_LINE_MAX - 16 -
		    c->prefixlen - strlen(canon));
		len = snprintf(line, sizeof(line), ":%s PART %s :%.*s",
		    c->prefix, canon, (int)rl, reason);
	} else
		len = snprintf(line, sizeof(line), ":%s PART %s", c->prefix,
		    canon);
	send_chan(idx, gen, c, &(struct out_line){ .kind = FRAME_K_PART,
	    .flags = lchan_unref(idx, gen), .line = line, .len = (size_t)len });
}

void
session_part_all(struct client *c)
{
	char names[CHANS_PER_USER_MAX][CHAN_MAX + 1];
	struct roster_user *u;
	unsigned k, n = 0;

	ctx_roster_lock();
	u = roster_user(kd.roster, c->slot);
	for (k = 0; u != NULL && k < u->nchans; k++)
		snprintf(names[n++], sizeof(names[0]), "%s",
		    roster_chan(kd.roster,
		    roster_user_ext(kd.roster, c->slot)->chans[k])->name);
	ctx_roster_unlock();
	for (k = 0; k < n; k++)
		session_part(c, names[k], "Left all channels");
}

/* --- the end of a session ------------------------------------------------ */

void
session_gone(struct client *c, const char *reason)
{
	struct frame_multi_chan ch[CHANS_PER_USER_MAX];
	struct roster_counts rc;
	char line[IRC_LINE_MAX];
	unsigned n = 0, i;
	int len, registered = 0;

	ctx_roster_lock();
	if (roster_user_valid(kd.roster, c->slot, c->gen)) {
		registered = roster_user(kd.roster, c->slot)->state ==
		    ROSTER_REG;
		n = deliver_channels(c->slot, ch);
		if (registered)
			roster_whowas_add(kd.roster, c->slot, kd.now);
		roster_user_free(kd.roster, c->slot);
	}
	roster_get_counts(kd.roster, &rc);
	ctx_roster_unlock();
	for (i = 0; i < n; i++)
		ch[i].flags = (uint8_t)lchan_unref((int32_t)ch[i].chan,
		    ch[i].gen);
	lchan_forget(c);
	monitor_clear(c);
	label_free(c);
	account_forget(c);
	if (c->claim != NULL) {
		/* its nick is free on every host (a claim still out is freed
		 * when its answer comes and finds no one) */
		if (c->claim->held[0] != '\0')
			send_nick(c->slot, c->gen, FRAME_NICK_FREE,
			    c->claim->held);
		free(c->claim);
		c->claim = NULL;
	}
	if (!registered)
		return;
	len = snprintf(line, sizeof(line), ":%s QUIT :%s", c->prefix, reason);
	if (len > 0 && (size_t)len >= sizeof(line) - 2)
		len = (int)utf8_prefix(line, strlen(line), IRC_LINE_MAX - 2);
	/* to every worker: MONITOR watchers hear of it too */
	if (len > 0)
		send_multi(c, ch, n, &(struct out_line){ .kind = FRAME_K_QUIT,
		    .flags = FRAME_M_ALL, .line = line, .len = (size_t)len });
	log_info("[-] disconnected: %s (Active: %u)", c->nick, rc.registered);
}
