/*
 * account.c -- see account.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "client.h"
#include "ctx.h"
#include "deliver.h"
#include "log.h"
#include "numerics.h"
#include "roster.h"
#include "store.h"
#include "valid.h"

static struct store *ro;	/* the loop's read-only connection */

int
account_init(void)
{
	char err[768];

	if ((ro = store_open(kd.state_dir, 0, 1, err, sizeof(err))) == NULL) {
		log_warnx("%s: accounts are unavailable", err);
		return -1;
	}
	return 0;
}

void
account_free(void)
{
	store_close(ro);
	ro = NULL;
}

struct store *
account_store(void)
{
	return ro;
}

int
account_nick_reserved(const char *nick)
{
	return irc_casecmp(nick, "NickServ") == 0 ||
	    irc_casecmp(nick, "ChanServ") == 0;
}

void
account_notice(struct client *c, const char *service, const char *fmt, ...)
{
	char text[IRC_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	client_sendf(c, ":%s!%s@services.%s NOTICE %s :%s", service, service,
	    kd.cfg.server_name, c->nick[0] ? c->nick : "*", text);
}

/* The roster's copy, +r, and ACCOUNT to the members who asked for it. */
static void
publish(struct client *c, const char *name)
{
	struct frame_multi_chan ch[CHANS_PER_USER_MAX];
	char line[IRC_LINE_MAX];
	unsigned n = 0;
	int len;

	ctx_roster_lock();
	snprintf(roster_user_ext(kd.roster, c->slot)->account,
	    sizeof(roster_user_ext(kd.roster, c->slot)->account), "%s",
	    name ? name : "");
	roster_user_set_flag(kd.roster, c->slot, ROSTER_UF_IDENTIFIED,
	    name != NULL);
	if (c->state == CL_REG)
		n = deliver_channels(c->slot, ch);
	ctx_roster_unlock();
	if (name != NULL)
		c->umodes |= ROSTER_UF_IDENTIFIED;
	else
		c->umodes &= (uint8_t)~ROSTER_UF_IDENTIFIED;
	if (c->state != CL_REG)
		return;
	client_sendf(c, ":%s MODE %s :%cr", kd.cfg.server_name, c->nick,
	    name ? '+' : '-');
	len = snprintf(line, sizeof(line), ":%s ACCOUNT %s", c->prefix,
	    name ? name : "*");
	if (len <= 0 || (size_t)len >= sizeof(line))
		return;
	if (c->caps & CAP_ACCOUNT_NOTIFY)
		client_sendf(c, "%s", line);
	if (n > 0)
		send_multi(c, ch, n, &(struct out_line){
		    .kind = FRAME_K_ACCOUNT, .line = line,
		    .len = (size_t)len });
}

static void (*login_hook)(struct client *);

void
account_login_hook(void (*fn)(struct client *))
{
	login_hook = fn;
}

void
account_login(struct client *c, const char *name)
{
	char *copy;

	if ((copy = strdup(name)) == NULL) {
		client_close(c, "Server out of memory");
		return;
	}
	free(c->account);
	c->account = copy;
	reply(c, RPL_LOGGEDIN, "%s!%s@%s %s :You are now logged in as %s",
	    c->nick[0] ? c->nick : "*", c->user[0] ? c->user : "*", c->host,
	    name, name);
	log_info("login: %s (%s) as account %s", c->nick[0] ? c->nick : "*",
	    c->host, name);
	publish(c, name);
	if (c->state == CL_REG) {
		account_nick_changed(c);
		if (login_hook != NULL)
			login_hook(c);	/* what waited for the account */
	}
}

void
account_logout(struct client *c)
{
	if (c->account == NULL)
		return;
	log_info("logout: %s from account %s", c->nick, c->account);
	free(c->account);
	c->account = NULL;
	reply(c, RPL_LOGGEDOUT, "%s :You are now logged out", c->prefix);
	publish(c, NULL);
	if (c->state == CL_REG)
		account_nick_changed(c);
}

void
account_forget(struct client *c)
{
	free(c->account);
	c->account = NULL;
	if (c->sasl != NULL) {
		/* the SASL state may hold a password: zero it first; its
		 * size is the first thing in it (services.c) */
		explicit_bzero(c->sasl, *(const size_t *)(const void *)c->sasl);
		free(c->sasl);
		c->sasl = NULL;
	}
}

/* --- registered nicks -------------------------------------------------- */

int
account_owner(const char *nick, char owner[ACCOUNT_MAX + 1])
{
	struct account a;

	if (ro == NULL)
		return -1;
	switch (store_account_get(ro, nick, &a)) {
	case STORE_OK:
		snprintf(owner, ACCOUNT_MAX + 1, "%s", a.name);
		explicit_bzero(&a, sizeof(a));
		return 1;
	case STORE_NOTFOUND:
		return 0;
	default:
		log_warnx("store: looking up %s: %s", nick, store_errmsg(ro));
		return -1;
	}
}

/* Is nick owned by an account c is not logged in to? */
static int
foreign(const struct client *c, const char *nick, char owner[ACCOUNT_MAX + 1])
{
	if (kd.cfg.nick_enforce == CONF_ENFORCE_OFF ||
	    account_owner(nick, owner) != 1)
		return 0;
	return c->account == NULL || irc_casecmp(c->account, owner) != 0;
}

int
account_nick_refused(struct client *c, const char *nick)
{
	char owner[ACCOUNT_MAX + 1];

	char shown[NICK_MAX + 1];

	if (kd.cfg.nick_enforce != CONF_ENFORCE_STRICT || !foreign(c, nick,
	    owner))
		return 0;
	snprintf(shown, sizeof(shown), "%s", nick);
	if (c->state != CL_REG && strcmp(c->nick, nick) == 0) {
		/* registering with it: let the claim go, a NICK comes again */
		ctx_roster_lock();
		roster_user_clear_nick(kd.roster, c->slot);
		ctx_roster_unlock();
		c->nick[0] = '\0';
	}
	reply(c, ERR_NICKNAMEINUSE, "%s :Nickname is registered to another "
	    "account", shown);
	return 1;
}

void
account_nick_changed(struct client *c)
{
	char owner[ACCOUNT_MAX + 1];

	if (!foreign(c, c->nick, owner)) {
		c->guard_ms = 0;
		return;
	}
	if (c->guard_ms != 0)
		return;		/* already counting */
	c->guard_ms = kd.now_ms + (int64_t)kd.cfg.nick_grace * 1000;
	account_notice(c, "NickServ", "This nickname is registered. Log in "
	    "to the account %s within %u seconds (SASL, or /msg NickServ "
	    "IDENTIFY <password>), or your nick will be changed.", owner,
	    kd.cfg.nick_grace);
}

char
account_chan_level(const struct client *c, const char *chan)
{
	struct reg_chan rc;

	if (c->account == NULL || ro == NULL || store_chan_get(ro, chan, &rc) !=
	    STORE_OK)
		return 0;
	if (irc_casecmp(c->account, rc.founder) == 0)
		return 'F';
	return store_chan_access_get(ro, rc.name, c->account);
}
