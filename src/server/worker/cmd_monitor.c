/*
 * cmd_monitor.c -- MONITOR (IRCv3): + adds nicks to the client's list and
 * says at once which are online (730) and offline (731), - removes, C
 * clears, L lists (732/733), S shows the status of all.  The list holds
 * MONITOR_MAX nicks (734 when full).  Changes later come from the
 * frames every worker sees (deliver.c): ONLINE at registration, QUIT and
 * NICK sent to all workers.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cmd.h"
#include "ctx.h"
#include "monitor.h"
#include "numerics.h"
#include "roster.h"
#include "sbuf.h"
#include "valid.h"

/* 730 for the online nicks of list (comma-separated), 731 for the rest;
 * each in as few lines as fit. */
static void
status(struct client *c, const char *list)
{
	char buf[MONITOR_MAX * (NICK_MAX + 2) + 1], *tok, *save = NULL;
	struct sbuf on, off;
	struct roster_user *u;
	int32_t slot;

	snprintf(buf, sizeof(buf), "%s", list);
	sbuf_init(&on);
	sbuf_init(&off);
	ctx_roster_lock();
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if ((u = roster_find_registered(kd.roster, tok, &slot)) !=
		    NULL)
			sbuf_printf(&on, "%s%s!%s@%s", on.len ? "," : "",
			    u->nick, u->user, u->host);
		else
			sbuf_printf(&off, "%s%s", off.len ? "," : "", tok);
	}
	ctx_roster_unlock();
	if (on.len > 0)
		reply_csv(c, RPL_MONONLINE, on.p);
	if (off.len > 0)
		reply_csv(c, RPL_MONOFFLINE, off.p);
	sbuf_free(&on);
	sbuf_free(&off);
}

static void
monitor_add_list(struct client *c, char *targets)
{
	char *tok, *save = NULL;
	struct sbuf added;

	sbuf_init(&added);
	for (tok = strtok_r(targets, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (nick_check(tok, NICK_MAX) != NAME_OK)
			continue;	/* no one can ever have it */
		if (monitor_add(c, tok) == -1) {
			reply(c, ERR_MONLISTFULL, "%d %s%s%s :Monitor list is "
			    "full", MONITOR_MAX, tok, save && *save ? "," : "",
			    save ? save : "");
			break;
		}
		sbuf_printf(&added, "%s%s", added.len ? "," : "", tok);
	}
	if (added.len > 0)
		status(c, added.p);
	sbuf_free(&added);
}

void
cmd_monitor(struct client *c, struct irc_msg *m)
{
	char *tok, *save = NULL;
	struct sbuf all;
	unsigned i;

	if (strcmp(m->params[0], "+") == 0 || strcmp(m->params[0], "-") == 0) {
		if (m->nparams < 2 || m->params[1][0] == '\0') {
			reply(c, ERR_NEEDMOREPARAMS, "MONITOR :Not enough "
			    "parameters");
			return;
		}
		if (m->params[0][0] == '+') {
			monitor_add_list(c, m->params[1]);
			return;
		}
		for (tok = strtok_r(m->params[1], ",", &save); tok != NULL;
		    tok = strtok_r(NULL, ",", &save))
			monitor_del(c, tok);
		return;
	}
	switch (m->params[0][1] == '\0' ? m->params[0][0] : 0) {
	case 'C':
	case 'c':
		monitor_clear(c);
		return;
	case 'L':
	case 'l':
	case 'S':
	case 's':
		sbuf_init(&all);
		for (i = 0; i < c->nmonitor; i++)
			sbuf_printf(&all, "%s%s", i ? "," : "", c->monitor[i]);
		if (m->params[0][0] == 'S' || m->params[0][0] == 's') {
			if (all.len > 0)
				status(c, all.p);
		} else {
			if (all.len > 0)
				reply_csv(c, RPL_MONLIST, all.p);
			reply(c, RPL_ENDOFMONLIST, ":End of MONITOR list");
		}
		sbuf_free(&all);
		return;
	default:
		client_sendf(c, ":%s FAIL MONITOR INVALID_PARAMS %.16s :Unknown "
		    "MONITOR subcommand (+, -, C, L, S)", kd.cfg.server_name,
		    utf8_valid(m->params[0], strlen(m->params[0])) ?
		    m->params[0] : "*");
	}
}
