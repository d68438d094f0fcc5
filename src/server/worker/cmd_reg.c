/*
 * cmd_reg.c -- connection registration (PASS, NICK, USER), PING/PONG,
 * QUIT, nick changes and SETNAME.  CAP is cmd_cap.c's, the welcome burst the
 * session module's.
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
#include "cmd_account.h"
#include "account.h"
#include "ctx.h"
#include "deliver.h"
#include "log.h"
#include "numerics.h"
#include "roster.h"
#include "session.h"
#include "valid.h"

/* --- PASS, NICK, USER ---------------------------------------------------- */

void
cmd_pass(struct client *c, struct irc_msg *m)
{
	c->flags |= CF_GOT_PASS;
	/* no server password: PASS account:password logs in */
	if (kd.cfg.password[0] == '\0') {
		c->flags |= CF_PASS_OK;
		(void)account_pass_login(c, m->params[0]);
		return;
	}
	if (str_equal_ct(m->params[0], kd.cfg.password))
		c->flags |= CF_PASS_OK;
	else
		c->flags &= ~(uint32_t)CF_PASS_OK;
}

void
cmd_nick(struct client *c, struct irc_msg *m)
{
	const char *nick = m->nparams > 0 ? m->params[0] : "";
	char banned[CHAN_MAX + 1];

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
	if (account_nick_reserved(nick)) {
		reply(c, ERR_ERRONEUSNICKNAME, "%s :Erroneous nickname (a "
		    "service's name)", nick);
		return;
	}
	if (c->state == CL_REG && account_nick_refused(c, nick))
		return;		/* strict: 433 sent */
	switch (session_set_nick(c, nick, 0, banned, sizeof(banned))) {
	case NICK_BANNED:
		reply(c, ERR_BANNICKCHANGE, "%s %s :Cannot change nickname "
		    "while banned on channel", nick, banned);
		return;
	case NICK_IN_USE:
		reply(c, ERR_NICKNAMEINUSE, "%s :Nickname is already in use",
		    nick);
		return;
	case NICK_PENDING:	/* cluster mode: the answer does the rest */
		if (c->state != CL_REG)
			c->flags |= CF_GOT_NICK;
		return;
	case NICK_OK:
		break;
	}
	if (c->state == CL_REG) {
		account_nick_changed(c);
		return;
	}
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
	if (m->params[3][0] == '\0') {
		reply(c, ERR_NEEDMOREPARAMS, "USER :Not enough parameters "
		    "(the realname is empty)");
		return;
	}
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

/* --- SETNAME (IRCv3 setname) ------------------------------------------- */

void
cmd_setname(struct client *c, struct irc_msg *m)
{
	struct frame_multi_chan ch[CHANS_PER_USER_MAX];
	const char *real = m->params[0];
	char line[IRC_LINE_MAX];
	unsigned n;
	int len;

	if (*real == '\0' || strlen(real) > REALNAME_MAX) {
		client_sendf(c, ":%s FAIL SETNAME INVALID_REALNAME :%s",
		    kd.cfg.server_name, *real == '\0' ? "Realname is empty" :
		    "Realname is longer than NAMELEN");
		return;
	}
	ctx_roster_lock();
	roster_user_set_realname(kd.roster, c->slot, real);
	n = deliver_channels(c->slot, ch);
	ctx_roster_unlock();
	len = snprintf(line, sizeof(line), ":%s SETNAME :%s", c->prefix, real);
	if (len <= 0 || (size_t)len > IRC_LINE_MAX - 2)
		return;
	if (c->caps & CAP_SETNAME)
		client_sendf(c, "%s", line);
	send_multi(c, ch, n, &(struct out_line){ .kind = FRAME_K_SETNAME,
	    .flags = FRAME_M_ALL, .line = line, .len = (size_t)len });
}
