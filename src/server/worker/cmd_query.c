/*
 * cmd_query.c -- WHO, WHOIS, WHOWAS, AWAY, MOTD, LUSERS, VERSION, TIME,
 * ADMIN, INFO, ISON, USERHOST, OPER and KILL.
 *
 * Answers are copied out of the roster under its lock and sent after it is
 * released; WHO over a mask stops after WHO_MAX replies.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cmd.h"
#include "ctx.h"
#include "numerics.h"
#include "roster.h"
#include "sbuf.h"
#include "session.h"
#include "valid.h"

#define WHO_MAX		500	/* replies to one WHO over a mask */

/* One 352 line's text ("<chan> <user> <host> <server> <nick> <H|G> :0
 * <real>"), NUL-separated in sb.  Lock held. */
static void
who_line(struct sbuf *sb, const char *chan, int32_t slot)
{
	const struct roster_user *u = roster_user(kd.roster, slot);
	const struct roster_user_ext *e = roster_user_ext(kd.roster, slot);

	sbuf_printf(sb, "%s %s %s %s %s %c :0 %s%c", chan, u->user, u->host,
	    kd.cfg.server_name, u->nick,
	    (u->flags & ROSTER_UF_AWAY) ? 'G' : 'H', e->realname, '\0');
}

static void
send_nul_list(struct client *c, const char *num, const struct sbuf *sb)
{
	const char *p;

	for (p = sb->p; p != NULL && p < sb->p + sb->len; p += strlen(p) + 1)
		reply(c, num, "%s", p);
}

void
cmd_who(struct client *c, struct irc_msg *m)
{
	const char *mask = m->nparams > 0 && m->params[0][0] ? m->params[0] :
	    "*";
	struct roster_user *u;
	struct sbuf sb;
	int32_t idx, mm, i, lim;
	unsigned n = 0;

	sbuf_init(&sb);
	ctx_roster_lock();
	if (mask[0] == '#') {
		if ((idx = roster_chan_find(kd.roster, mask)) >= 0)
			for (mm = roster_chan_first(kd.roster, idx); mm >= 0;
			    mm = roster_member_next(kd.roster, mm))
				if (roster_user(kd.roster,
				    roster_member_user(kd.roster, mm)) != NULL)
					who_line(&sb, roster_chan(kd.roster,
					    idx)->name,
					    roster_member_user(kd.roster, mm));
	} else {
		lim = roster_user_limit(kd.roster);
		for (i = 0; i < lim && n < WHO_MAX; i++) {
			u = roster_user(kd.roster, i);
			if (u == NULL || u->state != ROSTER_REG)
				continue;
			if (!irc_mask_match(mask, u->nick) &&
			    !irc_mask_match(mask, u->host))
				continue;
			if ((u->flags & ROSTER_UF_INVISIBLE) && i != c->slot &&
			    strpbrk(mask, "*?") != NULL)
				continue;
			who_line(&sb, "*", i);
			n++;
		}
	}
	ctx_roster_unlock();
	send_nul_list(c, RPL_WHOREPLY, &sb);
	reply(c, RPL_ENDOFWHO, "%.*s :End of WHO list", CHAN_MAX,
	    utf8_valid(mask, strlen(mask)) ? mask : "*");
	sbuf_free(&sb);
}

struct whois_copy {
	char	 nick[NICK_MAX + 1], user[USER_MAX + 1], host[HOST_MAX + 1];
	char	 real[REALNAME_MAX + 1], away[AWAY_MAX + 1];
	int64_t	 signon, last_msg;
};

void
cmd_whois(struct client *c, struct irc_msg *m)
{
	const char *target;
	struct whois_copy w;
	struct roster_user *u;
	struct sbuf chans;
	int32_t slot;
	unsigned k;

	if (m->nparams == 0 || m->params[m->nparams > 1][0] == '\0') {
		reply(c, ERR_NONICKNAMEGIVEN, ":No nickname given");
		return;
	}
	target = m->params[m->nparams > 1 ? 1 : 0];
	sbuf_init(&chans);
	ctx_roster_lock();
	if ((u = roster_find_registered(kd.roster, target, &slot)) != NULL) {
		memcpy(w.nick, u->nick, sizeof(w.nick));
		memcpy(w.user, u->user, sizeof(w.user));
		memcpy(w.host, u->host, sizeof(w.host));
		memcpy(w.real, roster_user_ext(kd.roster, slot)->realname,
		    sizeof(w.real));
		memcpy(w.away, roster_user_ext(kd.roster, slot)->away,
		    sizeof(w.away));
		w.signon = u->signon;
		w.last_msg = u->last_msg;
		for (k = 0; k < u->nchans; k++) {
			if (k > 0)
				sbuf_add(&chans, " ", 1);
			sbuf_adds(&chans, roster_chan(kd.roster,
			    roster_user_ext(kd.roster, slot)->chans[k])->name);
		}
	}
	ctx_roster_unlock();
	if (slot < 0) {
		reply(c, ERR_NOSUCHNICK, "%.*s :No such nick/channel",
		    NICK_MAX, utf8_valid(target, strlen(target)) ? target : "*");
		reply(c, RPL_ENDOFWHOIS, "%.*s :End of /WHOIS list", NICK_MAX,
		    utf8_valid(target, strlen(target)) ? target : "*");
		sbuf_free(&chans);
		return;
	}
	reply(c, RPL_WHOISUSER, "%s %s %s * :%s", w.nick, w.user, w.host,
	    w.real);
	if (chans.len > 0)
		reply(c, RPL_WHOISCHANNELS, "%s :%s", w.nick, chans.p);
	reply(c, RPL_WHOISSERVER, "%s %s :%s", w.nick, kd.cfg.server_name,
	    kd.cfg.server_info);
	if (w.away[0] != '\0')
		reply(c, RPL_AWAY, "%s :%s", w.nick, w.away);
	reply(c, RPL_WHOISIDLE, "%s %lld %lld :seconds idle, signon time",
	    w.nick, (long long)(kd.now - w.last_msg), (long long)w.signon);
	reply(c, RPL_ENDOFWHOIS, "%s :End of /WHOIS list", w.nick);
	sbuf_free(&chans);
}

void
cmd_whowas(struct client *c, struct irc_msg *m)
{
	const char *nick;

	if (m->nparams == 0 || m->params[0][0] == '\0') {
		reply(c, ERR_NONICKNAMEGIVEN, ":No nickname given");
		return;
	}
	nick = utf8_valid(m->params[0], strlen(m->params[0])) ? m->params[0] :
	    "*";
	reply(c, ERR_WASNOSUCHNICK, "%.*s :There was no such nickname",
	    NICK_MAX, nick);
	reply(c, RPL_ENDOFWHOWAS, "%.*s :End of WHOWAS", NICK_MAX, nick);
}

void
cmd_away(struct client *c, struct irc_msg *m)
{
	const char *msg = m->nparams > 0 ? m->params[0] : "";
	size_t l = utf8_prefix(msg, strlen(msg), AWAY_MAX);
	char buf[AWAY_MAX + 1];

	memcpy(buf, msg, l);
	buf[l] = '\0';
	ctx_roster_lock();
	roster_user_set_away(kd.roster, c->slot, buf);
	ctx_roster_unlock();
	if (buf[0] == '\0')
		reply(c, RPL_UNAWAY, ":You are no longer marked as being away");
	else
		reply(c, RPL_NOWAWAY, ":You have been marked as being away");
}

void
cmd_motd(struct client *c, struct irc_msg *m)
{
	(void)m;
	session_motd(c);
}

void
cmd_lusers(struct client *c, struct irc_msg *m)
{
	(void)m;
	session_lusers(c);
}

void
cmd_version(struct client *c, struct irc_msg *m)
{
	(void)m;
	reply(c, RPL_VERSION, "%s %s :preforked IRC server of keochat",
	    KEOCHATD_VERSION, kd.cfg.server_name);
	session_isupport(c);
}

void
cmd_time(struct client *c, struct irc_msg *m)
{
	char buf[64];
	time_t t = (time_t)kd.now;
	struct tm tm;

	(void)m;
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%A %B %d %Y -- %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, sizeof(buf), "%lld", (long long)t);
	reply(c, RPL_TIME, "%s :%s", kd.cfg.server_name, buf);
}

void
cmd_admin(struct client *c, struct irc_msg *m)
{
	(void)m;
	reply(c, RPL_ADMINME, "%s :Administrative info", kd.cfg.server_name);
	reply(c, RPL_ADMINLOC1, ":%s", kd.cfg.server_info);
	reply(c, RPL_ADMINLOC2, ":%s network", kd.cfg.network);
	reply(c, RPL_ADMINEMAIL, ":root@%s", kd.cfg.server_name);
}

void
cmd_info(struct client *c, struct irc_msg *m)
{
	(void)m;
	reply(c, RPL_INFO, ":%s: a preforked IRC server (master, relay, "
	    "%u workers)", KEOCHATD_VERSION, kd.nworkers);
	reply(c, RPL_INFO, ":You are on worker %u.", kd.id);
	reply(c, RPL_ENDOFINFO, ":End of INFO list");
}

void
cmd_ison(struct client *c, struct irc_msg *m)
{
	char buf[IRC_LINE_MAX * 2], *tok, *save = NULL;
	struct roster_user *u;
	struct sbuf out;
	size_t i;
	int32_t s;

	sbuf_init(&out);
	ctx_roster_lock();
	for (i = 0; i < m->nparams; i++) {
		snprintf(buf, sizeof(buf), "%s", m->params[i]);
		for (tok = strtok_r(buf, " ", &save); tok != NULL;
		    tok = strtok_r(NULL, " ", &save)) {
			if ((u = roster_find_registered(kd.roster, tok,
			    &s)) == NULL)
				continue;
			if (out.len > 0)
				sbuf_add(&out, " ", 1);
			sbuf_adds(&out, u->nick);
		}
	}
	ctx_roster_unlock();
	reply(c, RPL_ISON, ":%s", out.len ? out.p : "");
	sbuf_free(&out);
}

void
cmd_userhost(struct client *c, struct irc_msg *m)
{
	struct roster_user *u;
	struct sbuf out;
	size_t i;
	int32_t s;

	sbuf_init(&out);
	ctx_roster_lock();
	for (i = 0; i < m->nparams && i < 5; i++) {
		if ((u = roster_find_registered(kd.roster, m->params[i],
		    &s)) == NULL)
			continue;
		sbuf_printf(&out, "%s%s=%c%s@%s", out.len ? " " : "", u->nick,
		    (u->flags & ROSTER_UF_AWAY) ? '-' : '+', u->user, u->host);
	}
	ctx_roster_unlock();
	reply(c, RPL_USERHOST, ":%s", out.len ? out.p : "");
	sbuf_free(&out);
}

void
cmd_oper(struct client *c, struct irc_msg *m)
{
	(void)m;
	reply(c, ERR_NOOPERHOST, ":No O-lines for your host");
}

void
cmd_kill(struct client *c, struct irc_msg *m)
{
	(void)m;
	reply(c, ERR_NOPRIVILEGES, ":Permission Denied- You're not an IRC "
	    "operator");
}
