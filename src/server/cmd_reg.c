/*
 * cmd_reg.c -- connection registration (CAP, PASS, NICK, USER), PING/PONG,
 * QUIT, nick changes, the welcome burst and the end of a user's session.
 *
 * A nick is claimed in the roster the moment NICK is accepted, registered
 * or not, so two workers racing for one nick get exactly one winner: the
 * roster lock orders them and the loser gets 433.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd.h"
#include "deliver.h"
#include "log.h"
#include "numerics.h"
#include "roster.h"
#include "server.h"
#include "valid.h"

static const struct {
	const char	*name;
	uint8_t		 bit;
} cap_table[] = {
	{ "echo-message", CAP_ECHO_MESSAGE },
	{ "message-tags", CAP_MESSAGE_TAGS },
	{ "multi-prefix", CAP_MULTI_PREFIX },
	{ "server-time", CAP_SERVER_TIME },
};
#define NCAPS	(sizeof(cap_table) / sizeof(cap_table[0]))

void
roster_lock_or_die(void)
{
	int rc = roster_lock(kd.roster);

	if (rc == -1)
		fatalx("roster lock is unusable");
	if (rc == 1)
		log_warnx("roster repaired after a process died holding its "
		    "lock");
}

static void try_register(struct client *c);

/* Append word to a space-separated list in buf (bufsz bytes). */
static void
list_add(char *buf, size_t bufsz, const char *word)
{
	size_t n = strlen(buf);

	snprintf(buf + n, bufsz - n, "%s%s", n ? " " : "", word);
}

/* --- CAP ----------------------------------------------------------------- */

static void
cap_ls(struct client *c, struct irc_msg *m)
{
	char list[256] = "";
	size_t i;

	if (m->nparams > 1 && atoi(m->params[1]) >= 302)
		c->flags |= CF_CAP_302;
	for (i = 0; i < NCAPS; i++)
		list_add(list, sizeof(list), cap_table[i].name);
	client_sendf(c, ":%s CAP %s LS :%s", kd.cfg.server_name,
	    c->nick[0] ? c->nick : "*", list);
}

static void
cap_list(struct client *c)
{
	char list[256] = "";
	size_t i;

	for (i = 0; i < NCAPS; i++)
		if (c->caps & cap_table[i].bit)
			list_add(list, sizeof(list), cap_table[i].name);
	client_sendf(c, ":%s CAP %s LIST :%s", kd.cfg.server_name,
	    c->nick[0] ? c->nick : "*", list);
}

static void
cap_req(struct client *c, struct irc_msg *m)
{
	char buf[IRC_LINE_MAX], *tok, *save = NULL;
	const char *req = m->nparams > 1 ? m->params[1] : "";
	uint8_t add = 0, del = 0;
	size_t i;

	snprintf(buf, sizeof(buf), "%s", req);
	for (tok = strtok_r(buf, " ", &save); tok != NULL;
	    tok = strtok_r(NULL, " ", &save)) {
		int neg = tok[0] == '-';
		for (i = 0; i < NCAPS; i++)
			if (strcmp(tok + neg, cap_table[i].name) == 0)
				break;
		if (i == NCAPS) {
			client_sendf(c, ":%s CAP %s NAK :%s",
			    kd.cfg.server_name, c->nick[0] ? c->nick : "*",
			    req);
			return;
		}
		if (neg)
			del |= cap_table[i].bit;
		else
			add |= cap_table[i].bit;
	}
	c->caps = (uint8_t)((c->caps | add) & ~del);
	client_sendf(c, ":%s CAP %s ACK :%s", kd.cfg.server_name,
	    c->nick[0] ? c->nick : "*", req);
}

void
cmd_cap(struct client *c, struct irc_msg *m)
{
	const char *sub = m->params[0];

	if (strcasecmp(sub, "LS") == 0) {
		if (c->state == CL_UNREG)
			c->flags |= CF_CAP_NEG;
		cap_ls(c, m);
	} else if (strcasecmp(sub, "LIST") == 0)
		cap_list(c);
	else if (strcasecmp(sub, "REQ") == 0) {
		if (c->state == CL_UNREG)
			c->flags |= CF_CAP_NEG;
		cap_req(c, m);
	} else if (strcasecmp(sub, "END") == 0) {
		if (c->state == CL_UNREG && (c->flags & CF_CAP_NEG)) {
			c->flags &= ~(uint32_t)CF_CAP_NEG;
			try_register(c);
		}
	} else
		reply(c, ERR_INVALIDCAPCMD, "%.32s :Invalid CAP command", sub);
}

/* --- PASS, NICK, USER ---------------------------------------------------- */

/* Compare without an early exit, so timing does not leak the password. */
static int
password_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i;
	unsigned char d = (unsigned char)(la != lb);

	for (i = 0; i < la; i++)
		d |= (unsigned char)(a[i] ^ b[i < lb ? i : 0]);
	return d == 0;
}

void
cmd_pass(struct client *c, struct irc_msg *m)
{
	c->flags |= CF_GOT_PASS;
	if (kd.cfg.password[0] == '\0' ||
	    password_equal(m->params[0], kd.cfg.password))
		c->flags |= CF_PASS_OK;
	else
		c->flags &= ~(uint32_t)CF_PASS_OK;
}

/* The user's channels, for a QUIT or NICK that goes to all of them.
 * Caller holds the roster lock. */
static unsigned
user_channels(int32_t slot, struct multi_chan *ch)
{
	struct roster_user *u = roster_user(kd.roster, slot);
	struct roster_user_ext *e = roster_user_ext(kd.roster, slot);
	struct roster_chan *rc;
	unsigned k, n = 0;

	if (u == NULL)
		return 0;
	for (k = 0; k < u->nchans && k < CHANS_PER_USER_MAX; k++) {
		if ((rc = roster_chan(kd.roster, e->chans[k])) == NULL)
			continue;
		ch[n].idx = e->chans[k];
		ch[n].gen = rc->gen;
		ch[n].flags = 0;
		n++;
	}
	return n;
}

static void
nick_change(struct client *c, const char *nick, struct multi_chan *ch,
    unsigned n)
{
	char line[IRC_LINE_MAX];
	int len;

	len = snprintf(line, sizeof(line), ":%s NICK :%s", c->prefix, nick);
	if (len < 0 || (size_t)len >= sizeof(line))
		return;
	client_sendf(c, "%s", line);
	if (n > 0)
		send_multi(c->slot, c->gen, RELAY_K_NICK, ch, n, line,
		    (size_t)len);
	log_info("nick change: %s -> %s", c->nick, nick);
	snprintf(c->nick, sizeof(c->nick), "%s", nick);
	client_set_prefix(c);
}

void
cmd_nick(struct client *c, struct irc_msg *m)
{
	struct multi_chan ch[CHANS_PER_USER_MAX];
	const char *nick = m->nparams > 0 ? m->params[0] : "";
	enum roster_err rc;
	unsigned n = 0;

	if (*nick == '\0') {
		reply(c, ERR_NONICKNAMEGIVEN, ":No nickname given");
		return;
	}
	if (nick_check(nick, kd.cfg.nicklen) != NAME_OK) {
		char shown[NICK_MAX + 1];
		size_t l = strlen(nick);
		l = utf8_valid(nick, l) ? utf8_prefix(nick, l, NICK_MAX) : 0;
		memcpy(shown, nick, l);
		shown[l] = '\0';
		reply(c, ERR_ERRONEUSNICKNAME, "%s :Erroneous nickname (%s)",
		    l ? shown : "*", name_strerror(nick_check(nick,
		    kd.cfg.nicklen)));
		return;
	}
	if (strcmp(nick, c->nick) == 0)
		return;
	roster_lock_or_die();
	rc = roster_user_set_nick(kd.roster, c->slot, nick);
	if (rc == ROSTER_OK && c->state == CL_REG)
		n = user_channels(c->slot, ch);
	roster_unlock(kd.roster);
	if (rc != ROSTER_OK) {
		reply(c, ERR_NICKNAMEINUSE, "%s :Nickname is already in use",
		    nick);
		return;
	}
	if (c->state == CL_REG) {
		nick_change(c, nick, ch, n);
		return;
	}
	snprintf(c->nick, sizeof(c->nick), "%s", nick);
	c->flags |= CF_GOT_NICK;
	try_register(c);
}

void
cmd_user(struct client *c, struct irc_msg *m)
{
	const char *p;
	size_t n = 1, l;

	c->user[0] = '~';
	for (p = m->params[0]; *p != '\0' && n < USER_MAX; p++)
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' ||
		    *p == '-')
			c->user[n++] = *p;
	c->user[n] = '\0';
	if (n == 1)
		snprintf(c->user, sizeof(c->user), "~user");
	l = utf8_prefix(m->params[3], strlen(m->params[3]), REALNAME_MAX);
	free(c->realname);
	if ((c->realname = strndup(m->params[3], l)) == NULL) {
		client_close(c, "Server out of memory");
		return;
	}
	c->flags |= CF_GOT_USER;
	try_register(c);
}

/* --- the welcome burst ------------------------------------------------- */

void
send_isupport(struct client *c)
{
	char tok[3][IRC_LINE_MAX];

	snprintf(tok[0], sizeof(tok[0]), "AWAYLEN=%d CASEMAPPING=rfc1459 "
	    "CHANLIMIT=#:%u CHANMODES=b,,,n CHANNELLEN=%d CHANTYPES=# "
	    "HOSTLEN=%d LINELEN=%d MAXTARGETS=%d MODES=1 NETWORK=%s "
	    "NICKLEN=%u", AWAY_MAX, kd.cfg.max_channels_per_client, CHAN_MAX,
	    HOST_MAX, IRC_LINE_MAX, TARGETS_MAX, kd.cfg.network,
	    kd.cfg.nicklen);
	snprintf(tok[1], sizeof(tok[1]), "PREFIX=(o)@ SAFELIST STATUSMSG= "
	    "TARGMAX=JOIN:,PART:,NAMES:,LIST:,WHOIS:1,PRIVMSG:%d,NOTICE:%d,"
	    "TAGMSG:%d TOPICLEN=%d USERLEN=%d UTF8ONLY", TARGETS_MAX,
	    TARGETS_MAX, TARGETS_MAX, TOPIC_MAX, USER_MAX);
	reply(c, RPL_ISUPPORT, "%s :are supported by this server", tok[0]);
	reply(c, RPL_ISUPPORT, "%s :are supported by this server", tok[1]);
}

static void
welcome(struct client *c)
{
	reply(c, RPL_WELCOME, ":Welcome to the %s IRC Network %s",
	    kd.cfg.network, c->prefix);
	reply(c, RPL_YOURHOST, ":Your host is %s, running version %s",
	    kd.cfg.server_name, KEOCHATD_VERSION);
	reply(c, RPL_CREATED, ":This server was created %s", kd.created);
	reply(c, RPL_MYINFO, "%s %s i bn", kd.cfg.server_name,
	    KEOCHATD_VERSION);
	send_isupport(c);
	send_lusers(c);
	send_motd(c);
}

static void
autojoin(struct client *c)
{
	char buf[sizeof(kd.cfg.autojoin)], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", kd.cfg.autojoin);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save))
		join_one(c, tok);
}

static void
try_register(struct client *c)
{
	struct roster_counts rc;

	if (c->state != CL_UNREG || !(c->flags & CF_GOT_NICK) ||
	    !(c->flags & CF_GOT_USER) || (c->flags & CF_CAP_NEG))
		return;
	if (!(c->flags & CF_PASS_OK)) {
		reply(c, ERR_PASSWDMISMATCH, ":Password incorrect");
		log_info("refused %s from %s: %s", c->nick, c->host,
		    (c->flags & CF_GOT_PASS) ? "bad password" :
		    "no password given");
		client_close(c, "Bad password");
		return;
	}
	roster_lock_or_die();
	roster_user_register(kd.roster, c->slot, c->user,
	    c->realname ? c->realname : "", kd.now);
	roster_get_counts(kd.roster, &rc);
	roster_unlock(kd.roster);
	free(c->realname);
	c->realname = NULL;
	c->state = CL_REG;
	client_set_prefix(c);
	log_info("[+] connected: %s (Active: %u)", c->nick, rc.registered);
	welcome(c);
	autojoin(c);
}

/* --- PING, PONG, QUIT ---------------------------------------------------- */

void
cmd_ping(struct client *c, struct irc_msg *m)
{
	if (m->nparams == 0 || m->params[0][0] == '\0') {
		reply(c, ERR_NOORIGIN, ":No origin specified");
		return;
	}
	client_sendf(c, ":%s PONG %s :%s", kd.cfg.server_name,
	    kd.cfg.server_name, m->params[0]);
}

void
cmd_pong(struct client *c, struct irc_msg *m)
{
	(void)m;
	c->flags &= ~(uint32_t)CF_PING_SENT;
}

void
cmd_quit(struct client *c, struct irc_msg *m)
{
	char why[IRC_LINE_MAX];
	size_t l;

	if (m->nparams > 0 && m->params[0][0] != '\0') {
		l = utf8_prefix(m->params[0], strlen(m->params[0]), 300);
		snprintf(why, sizeof(why), "Quit: %.*s", (int)l, m->params[0]);
	} else
		snprintf(why, sizeof(why), "Client Quit");
	client_close(c, why);
}

/* --- the end of a session ------------------------------------------------ */

void
user_gone(struct client *c, const char *reason)
{
	struct multi_chan ch[CHANS_PER_USER_MAX];
	struct roster_counts rc;
	char line[IRC_LINE_MAX];
	unsigned n = 0, i;
	int len, registered = 0;

	roster_lock_or_die();
	if (roster_user_valid(kd.roster, c->slot, c->gen)) {
		registered = roster_user(kd.roster, c->slot)->state ==
		    ROSTER_REG;
		n = user_channels(c->slot, ch);
		roster_user_free(kd.roster, c->slot);
	}
	roster_get_counts(kd.roster, &rc);
	roster_unlock(kd.roster);
	for (i = 0; i < n; i++)
		ch[i].flags = (uint8_t)lchan_unref(ch[i].idx, ch[i].gen);
	lchan_forget(c);
	if (!registered)
		return;
	len = snprintf(line, sizeof(line), ":%s QUIT :%s", c->prefix, reason);
	if (len > 0 && (size_t)len >= sizeof(line) - 2)
		len = (int)utf8_prefix(line, strlen(line), IRC_LINE_MAX - 2);
	if (n > 0 && len > 0)
		send_multi(c->slot, c->gen, RELAY_K_QUIT, ch, n, line,
		    (size_t)len);
	log_info("[-] disconnected: %s (Active: %u)", c->nick, rc.registered);
}
