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
#include "account.h"
#include "cmd_account.h"
#include "session.h"
#include "tls.h"

/* sts (IRCv3 strict transport security): offered with a certificate
 * clients can verify (a configured tls-cert, not the generated one);
 * never requested (bit 0: REQ gets NAK). */
static const char *
sts_value(const struct client *c, char *buf, size_t bufsz)
{
	unsigned port;

	if (kd.tls == NULL || kd.cfg.tls_cert[0] == '\0' ||
	    kd.cfg.sts_duration == 0)
		return NULL;
	if (c->tls != NULL)
		snprintf(buf, bufsz, "duration=%u", kd.cfg.sts_duration);
	else if ((port = tls_port()) != 0)
		snprintf(buf, bufsz, "port=%u,duration=%u", port,
		    kd.cfg.sts_duration);
	else
		return NULL;
	return buf;
}

static const char *
sasl_value(const struct client *c, char *buf, size_t bufsz)
{
	(void)c;
	return account_store() != NULL ? account_sasl_mechs(buf, bufsz) :
	    NULL;
}

/* draft/account-registration: REGISTER works before 001 too. */
static const char *
register_value(const struct client *c, char *buf, size_t bufsz)
{
	(void)c;
	if (kd.cfg.registration == CONF_REG_CLOSED || kd.cfg.auth !=
	    CONF_AUTH_INTERNAL || account_store() == NULL)
		return NULL;
	snprintf(buf, bufsz, "before-connect");
	return buf;
}

/* draft/chathistory and draft/event-playback: while history is kept and
 * this worker can read it (offered without a value). */
static const char *
history_value(const struct client *c, char *buf, size_t bufsz)
{
	(void)c;
	if (!kd.cfg.history || account_store() == NULL)
		return NULL;
	snprintf(buf, bufsz, "%s", "");
	return buf;
}

/* draft/read-marker: while the store is there (a marker is an account's). */
static const char *
marker_value(const struct client *c, char *buf, size_t bufsz)
{
	(void)c;
	if (account_store() == NULL)
		return NULL;
	snprintf(buf, bufsz, "%s", "");
	return buf;
}

static const struct {
	const char	*name;
	uint32_t	 bit;
	/* the value shown in CAP LS 302, NULL: not offered to c */
	const char	*(*value)(const struct client *, char *, size_t);
} caps[] = {
	{ "account-notify", CAP_ACCOUNT_NOTIFY, NULL },
	{ "account-tag", CAP_ACCOUNT_TAG, NULL },
	{ "away-notify", CAP_AWAY_NOTIFY, NULL },
	{ "batch", CAP_BATCH, NULL },
	{ "cap-notify", CAP_CAP_NOTIFY, NULL },
	{ "draft/account-registration", 0, register_value },
	{ "draft/chathistory", CAP_CHATHISTORY, history_value },
	{ "draft/event-playback", CAP_EVENT_PLAYBACK, history_value },
	{ "draft/read-marker", CAP_READ_MARKER, marker_value },
	{ "draft/search", CAP_SEARCH, history_value },
	{ "chghost", CAP_CHGHOST, NULL },
	{ "echo-message", CAP_ECHO_MESSAGE, NULL },
	{ "extended-join", CAP_EXTENDED_JOIN, NULL },
	{ "extended-monitor", CAP_EXT_MONITOR, NULL },
	{ "invite-notify", CAP_INVITE_NOTIFY, NULL },
	{ "labeled-response", CAP_LABELED, NULL },
	{ "message-tags", CAP_MESSAGE_TAGS, NULL },
	{ "multi-prefix", CAP_MULTI_PREFIX, NULL },
	{ "sasl", CAP_SASL, sasl_value },
	{ "server-time", CAP_SERVER_TIME, NULL },
	{ "setname", CAP_SETNAME, NULL },
	{ "sts", 0, sts_value },
	{ "userhost-in-names", CAP_USERHOST_NAMES, NULL },
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
	char list[IRC_LINE_MAX], item[256], val[192];
	const char *v;
	size_t n = 0, room, k;
	unsigned i;

	room = IRC_LINE_MAX - 2 - strlen(kd.cfg.server_name) - strlen(sub) -
	    strlen(target(c)) - 16;
	list[0] = '\0';
	for (i = 0; i < NCAPS; i++) {
		if (!all && !(mask & caps[i].bit))
			continue;
		v = NULL;
		if (caps[i].value != NULL &&
		    (v = caps[i].value(c, val, sizeof(val))) == NULL)
			continue;	/* not offered to c */
		if (v != NULL && v[0] != '\0' && (c->flags & CF_CAP_302))
			snprintf(item, sizeof(item), "%s=%s", caps[i].name, v);
		else
			snprintf(item, sizeof(item), "%s", caps[i].name);
		k = strlen(item);
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
		    n ? " " : "", item);
	}
	client_sendf(c, ":%s CAP %s %s :%s", kd.cfg.server_name, target(c),
	    sub, list);
}

/* The bit of a cap c may request: 0 for unknown, not offered to c, or
 * never requested (sts, draft/account-registration). */
static uint32_t
cap_bit(const struct client *c, const char *name)
{
	char val[192];
	unsigned i;

	for (i = 0; i < NCAPS; i++)
		if (strcmp(name, caps[i].name) == 0)
			return caps[i].value == NULL || caps[i].value(c, val,
			    sizeof(val)) != NULL ? caps[i].bit : 0;
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
		if ((bit = cap_bit(c, tok + neg)) == 0) {
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
