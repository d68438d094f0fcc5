/*
 * purge.c -- a dead worker's users (see purge.h).  The roster is read and
 * changed under its lock; the QUIT lines are built after it is released.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge.h"
#include "ctx.h"
#include "frame.h"
#include "log.h"
#include "purge.h"
#include "roster.h"

struct gone_user {
	char	 prefix[PREFIX_MAX + 1];
	char	 nick[NICK_MAX + 1];
	uint32_t slot, ugen;		/* its roster slot, before the purge */
	int	 registered;
	unsigned n;
	uint32_t chan[CHANS_PER_USER_MAX];
	uint32_t gen[CHANS_PER_USER_MAX];
};

struct gone_list {
	struct gone_user *v;
	unsigned	  n, cap;
};

static void
collect(struct roster *r, int32_t slot, void *arg)
{
	struct gone_list *gl = arg;
	struct roster_user *u = roster_user(r, slot);
	struct roster_user_ext *e = roster_user_ext(r, slot);
	struct gone_user *g, *nv;
	struct roster_chan *ch;
	unsigned k;

	if (gl->n == gl->cap) {
		unsigned ncap = gl->cap ? gl->cap * 2 : 64;
		if ((nv = reallocarray(gl->v, ncap, sizeof(*nv))) == NULL) {
			log_warnx("out of memory: a QUIT of pid %ld's users "
			    "is not sent", (long)u->pid);
			return;
		}
		gl->v = nv;
		gl->cap = ncap;
	}
	g = &gl->v[gl->n++];
	snprintf(g->prefix, sizeof(g->prefix), "%s!%s@%s", u->nick, u->user,
	    u->host);
	snprintf(g->nick, sizeof(g->nick), "%s", u->nick);
	g->slot = (uint32_t)slot;
	g->ugen = u->gen;
	g->registered = u->state == ROSTER_REG;
	g->n = 0;
	for (k = 0; k < u->nchans && k < CHANS_PER_USER_MAX; k++) {
		if ((ch = roster_chan(r, e->chans[k])) == NULL)
			continue;
		g->chan[g->n] = (uint32_t)e->chans[k];
		g->gen[g->n++] = ch->gen;
	}
}

static void
quit_one(const struct gone_user *g, unsigned active,
    void (*quit)(const struct frame_multi *, void *), void *arg)
{
	static struct frame_multi f;
	char line[IRC_LINE_MAX];
	unsigned i;
	int len;

	if (!g->registered)
		return;
	log_info("[-] disconnected: %s (Active: %u)", g->nick, active);
	len = snprintf(line, sizeof(line), ":%s QUIT :Connection lost "
	    "(server worker restarted)", g->prefix);
	if (len <= 0)
		return;
	memset(&f.st, 0, sizeof(f.st));
	f.st.origin = FRAME_ORIGIN_RELAY;
	f.oslot = UINT32_MAX;
	f.ogen = 0;
	f.kind = FRAME_K_QUIT;
	f.mflags = FRAME_M_ALL;		/* MONITOR watchers everywhere */
	f.n = (uint16_t)g->n;
	for (i = 0; i < g->n; i++) {
		f.ch[i].chan = g->chan[i];
		f.ch[i].gen = g->gen[i];
		f.ch[i].flags = 0;
	}
	f.line = line;
	f.linelen = (size_t)len < sizeof(line) ? (size_t)len :
	    sizeof(line) - 1;
	quit(&f, arg);
}

unsigned
purge_pid(pid_t pid, const char *why,
    void (*quit)(const struct frame_multi *, void *), void *arg)
{
	struct gone_list gl = { NULL, 0, 0 };
	struct roster_counts rc;
	unsigned i, n;

	ctx_roster_lock();
	n = roster_purge_pid(kd.roster, pid, collect, &gl);
	roster_get_counts(kd.roster, &rc);
	ctx_roster_unlock();
	if (n > 0)
		log_info("purged %u connection(s) of pid %ld (%s)", n,
		    (long)pid, why);
	for (i = 0; i < gl.n; i++) {
		quit_one(&gl.v[i], rc.registered, quit, arg);
		/* cluster mode: the nick is free on every host */
		if (gl.v[i].nick[0] != '\0')
			bridge_nick_free(gl.v[i].nick, gl.v[i].slot,
			    gl.v[i].ugen);
	}
	free(gl.v);
	return n;
}

unsigned
purge_find_dead(pid_t *pids, unsigned max)
{
	struct roster_user *u;
	unsigned np = 0, j, dead = 0;
	int32_t i, lim;

	ctx_roster_lock();
	lim = roster_user_limit(kd.roster);
	for (i = 0; i < lim; i++) {
		if ((u = roster_user(kd.roster, i)) == NULL)
			continue;
		for (j = 0; j < np && pids[j] != u->pid; j++)
			;
		if (j == np && np < max)
			pids[np++] = u->pid;
	}
	ctx_roster_unlock();
	for (j = 0; j < np; j++)
		if (kill(pids[j], 0) == -1 && errno == ESRCH)
			pids[dead++] = pids[j];
	return dead;
}
