/*
 * cmd_cap.c -- capability negotiation (IRCv3 CAP 3.2): LS (with "302" the
 * reply may run over several lines and values are shown; cap-notify is
 * then on by itself), LIST, REQ (all or nothing, "-cap" removes), END.
 * The table is every capability keochatd offers, sorted by name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd.h"
#include "ctx.h"
#include "numerics.h"
#include "session.h"

static const struct {
	const char	*name;
	uint32_t	 bit;
} caps[] = {
	{ "account-notify", CAP_ACCOUNT_NOTIFY },
	{ "account-tag", CAP_ACCOUNT_TAG },
	{ "away-notify", CAP_AWAY_NOTIFY },
	{ "batch", CAP_BATCH },
	{ "cap-notify", CAP_CAP_NOTIFY },
	{ "chghost", CAP_CHGHOST },
	{ "echo-message", CAP_ECHO_MESSAGE },
	{ "extended-join", CAP_EXTENDED_JOIN },
	{ "extended-monitor", CAP_EXT_MONITOR },
	{ "invite-notify", CAP_INVITE_NOTIFY },
	{ "labeled-response", CAP_LABELED },
	{ "message-tags", CAP_MESSAGE_TAGS },
	{ "multi-prefix", CAP_MULTI_PREFIX },
	{ "server-time", CAP_SERVER_TIME },
	{ "setname", CAP_SETNAME },
	{ "userhost-in-names", CAP_USERHOST_NAMES },
};
#define NCAPS	(sizeof(caps) / sizeof(caps[0]))

static const char *
target(const struct client *c)
{
	return c->nick[0] ? c->nick : "*";
}

/* The names (of every cap, or of those in mask), in as many CAP lines as
 * they need; "* " marks every line but the last for 302 clients. */
static void
cap_send_list(struct client *c, const char *sub, int all, uint32_t mask)
{
	char list[IRC_LINE_MAX];
	size_t n = 0, room, k;
	unsigned i;

	room = IRC_LINE_MAX - 2 - strlen(kd.cfg.server_name) - strlen(sub) -
	    strlen(target(c)) - 16;
	list[0] = '\0';
	for (i = 0; i < NCAPS; i++) {
		if (!all && !(mask & caps[i].bit))
			continue;
		k = strlen(caps[i].name);
		if (n > 0 && n + 1 + k > room) {
			if (c->flags & CF_CAP_302)
				client_sendf(c, ":%s CAP %s %s * :%s",
				    kd.cfg.server_name, target(c), sub, list);
			else
				client_sendf(c, ":%s CAP %s %s :%s",
				    kd.cfg.server_name, target(c), sub, list);
			n = 0;
		}
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s",
		    n ? " " : "", caps[i].name);
	}
	client_sendf(c, ":%s CAP %s %s :%s", kd.cfg.server_name, target(c),
	    sub, list);
}

static uint32_t
cap_bit(const char *name)
{
	unsigned i;

	for (i = 0; i < NCAPS; i++)
		if (strcmp(name, caps[i].name) == 0)
			return caps[i].bit;
	return 0;
}

static void
cap_req(struct client *c, const char *req)
{
	char buf[IRC_LINE_MAX], *tok, *save = NULL;
	uint32_t add = 0, del = 0, bit;
	int neg;

	snprintf(buf, sizeof(buf), "%s", req);
	for (tok = strtok_r(buf, " ", &save); tok != NULL;
	    tok = strtok_r(NULL, " ", &save)) {
		neg = tok[0] == '-';
		if ((bit = cap_bit(tok + neg)) == 0) {
			client_sendf(c, ":%s CAP %s NAK :%s",
			    kd.cfg.server_name, target(c), req);
			return;
		}
		if (neg)
			del |= bit;
		else
			add |= bit;
	}
	c->caps = (c->caps | add) & ~del;
	client_sendf(c, ":%s CAP %s ACK :%s", kd.cfg.server_name, target(c),
	    req);
}

void
cmd_cap(struct client *c, struct irc_msg *m)
{
	const char *sub = m->params[0];

	if (strcasecmp(sub, "LS") == 0) {
		if (c->state == CL_UNREG)
			c->flags |= CF_CAP_NEG;
		if (m->nparams > 1 && atoi(m->params[1]) >= 302) {
			c->flags |= CF_CAP_302;
			c->caps |= CAP_CAP_NOTIFY;	/* implied by 302 */
		}
		cap_send_list(c, "LS", 1, 0);
	} else if (strcasecmp(sub, "LIST") == 0)
		cap_send_list(c, "LIST", 0, c->caps);
	else if (strcasecmp(sub, "REQ") == 0) {
		if (c->state == CL_UNREG)
			c->flags |= CF_CAP_NEG;
		cap_req(c, m->nparams > 1 ? m->params[1] : "");
	} else if (strcasecmp(sub, "END") == 0) {
		if (c->state == CL_UNREG && (c->flags & CF_CAP_NEG)) {
			c->flags &= ~(uint32_t)CF_CAP_NEG;
			session_try_register(c);
		}
	} else
		reply(c, ERR_INVALIDCAPCMD, "%.32s :Invalid CAP command", sub);
}
