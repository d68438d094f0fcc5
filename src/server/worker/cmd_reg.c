/*
 * cmd_reg.c -- connection registration (CAP, PASS, NICK, USER), PING/PONG,
 * QUIT and nick changes.  The welcome burst is the session module's.
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
#include "ctx.h"
#include "deliver.h"
#include "log.h"
#include "numerics.h"
#include "roster.h"
#include "session.h"
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
			session_try_register(c);
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
	if (n > 0)
		send_multi(c->slot, c->gen, FRAME_K_NICK, ch, n, line,
		    (size_t)len);
	log_info("nick change: %s -> %s", c->nick, nick);
	snprintf(c->nick, sizeof(c->nick), "%s", nick);
	client_set_prefix(c);
}

void
cmd_nick(struct client *c, struct irc_msg *m)
{
	struct frame_multi_chan ch[CHANS_PER_USER_MAX];
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
	ctx_roster_lock();
	rc = roster_user_set_nick(kd.roster, c->slot, nick);
	if (rc == ROSTER_OK && c->state == CL_REG)
		n = session_channels(c->slot, ch);
	ctx_roster_unlock();
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
	session_try_register(c);
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
	session_try_register(c);
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
