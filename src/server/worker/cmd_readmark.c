/*
 * cmd_readmark.c -- MARKREAD (draft/read-marker): how far an account has
 * read each room or conversation, kept in the store so that every device
 * of the account agrees, connected or not.  MARKREAD <target> asks,
 * MARKREAD <target> timestamp=T moves it (never back: the store keeps the
 * later of the two) and every connection of the account with the cap,
 * on any worker, is told the result; a JOIN tells the joiner too.  Only
 * for a logged-in account: a marker belongs to an account.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "cmd.h"
#include "ctx.h"
#include "deliver.h"
#include "histq.h"
#include "jobs.h"
#include "log.h"
#include "roster.h"
#include "store.h"
#include "valid.h"

struct mark {
	struct job	 j;
	char		 account[ACCOUNT_MAX + 1];
	char		 target[CHAN_MAX + 1];
	int64_t		 ms, now;
};

static void
fail(struct client *c, const char *code, const char *target,
    const char *text)
{
	client_sendf(c, ":%s FAIL MARKREAD %s %s :%s", kd.cfg.server_name, code,
	    target, text);
}

/* A room or a nick, as a marker's target. */
static int
target_ok(const char *t)
{
	if (t[0] == '#' || t[0] == '&')
		return chan_check(t) == NAME_OK;
	return nick_check(t, NICK_MAX) == NAME_OK;
}

/* ":server MARKREAD target timestamp=T" (or "*") into out. */
static int
mark_line(char *out, size_t outsz, const char *target, int have, int64_t ms)
{
	char ts[32];

	if (have && histq_format_time(ts, sizeof(ts), ms) > 0)
		return snprintf(out, outsz, ":%s MARKREAD %s timestamp=%s",
		    kd.cfg.server_name, target, ts);
	return snprintf(out, outsz, ":%s MARKREAD %s timestamp=*",
	    kd.cfg.server_name, target);
}

/* c's marker of target, from the read-only connection. */
static void
tell(struct client *c, const char *target)
{
	struct store *st = account_store();
	char line[IRC_LINE_MAX];
	int64_t ms = 0;
	int rc;

	rc = st != NULL ? store_marker_get(st, c->account, target, &ms) : -1;
	if (rc == -1) {
		fail(c, "INTERNAL_ERROR", target, "Read markers are not "
		    "available right now");
		return;
	}
	if (mark_line(line, sizeof(line), target, rc == 0, ms) > 0)
		client_sendf(c, "%s", line);
}

void
readmark_joined(struct client *c, const char *chan)
{
	if ((c->caps & CAP_READ_MARKER) && c->account != NULL)
		tell(c, chan);
}

static int
mark_run(struct job *j, struct store *st)
{
	struct mark *m = (struct mark *)j;

	return store_marker_set(st, m->account, m->target, m->ms, &m->now);
}

/* The marker moved (or not): every connection of the account hears where
 * it is now, on every worker. */
static void
mark_done(struct job *j)
{
	struct mark *m = (struct mark *)j;
	struct client *c = client_by_slot(j->slot, j->gen);
	char line[IRC_LINE_MAX];
	int n;

	if (j->rc != 0) {
		log_warnx("MARKREAD of %s for %s not kept", m->target,
		    m->account);
		if (c != NULL)
			fail(c, "INTERNAL_ERROR", m->target, "The read marker "
			    "could not be kept");
		return;
	}
	if ((n = mark_line(line, sizeof(line), m->target, 1, m->now)) <= 0 ||
	    (size_t)n >= sizeof(line))
		return;
	send_account(m->account, &(struct out_line){ .kind =
	    FRAME_K_MARKREAD, .line = line, .len = (size_t)n });
}

void
cmd_markread(struct client *c, struct irc_msg *m)
{
	const char *target = m->params[0];
	struct mark *k;
	int64_t ms;

	if (!target_ok(target)) {
		fail(c, "INVALID_PARAMS", *target ? target : "*", "Invalid "
		    "target");
		return;
	}
	if (c->account == NULL) {
		fail(c, "ACCOUNT_REQUIRED", target, "Log in to an account to "
		    "keep read markers");
		return;
	}
	if (m->nparams < 2) {
		tell(c, target);
		return;
	}
	if (strncmp(m->params[1], "timestamp=", 10) != 0 ||
	    histq_timestamp(m->params[1] + 10, &ms) == -1) {
		fail(c, "INVALID_PARAMS", target, "Invalid timestamp");
		return;
	}
	if ((k = calloc(1, sizeof(*k))) == NULL) {
		fail(c, "INTERNAL_ERROR", target, "Out of memory");
		return;
	}
	k->j.run = mark_run;
	k->j.done = mark_done;
	k->j.slot = c->slot;
	k->j.gen = c->gen;
	snprintf(k->account, sizeof(k->account), "%s", c->account);
	snprintf(k->target, sizeof(k->target), "%s", target);
	k->ms = ms;
	if (jobs_submit(&k->j) == -1) {
		free(k);
		fail(c, "INTERNAL_ERROR", target, "The server is busy; try "
		    "again");
	}
}
