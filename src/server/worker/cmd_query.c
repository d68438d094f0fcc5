/*
 * cmd_query.c -- WHO (with WHOX), WHOIS, WHOWAS, AWAY, MOTD, LUSERS,
 * VERSION, TIME, ADMIN, INFO, ISON and USERHOST.
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
#include "deliver.h"
#include "numerics.h"
#include "roster.h"
#include "sbuf.h"
#include "session.h"
#include "tlsfile.h"
#include "valid.h"

#define WHO_MAX		500	/* replies to one WHO over a mask */

/* WHOX fields in the order 354 gives them (ircv3 whox). */
#define WHOX_FIELDS	"tcuihsnfdlaor"

struct who_req {
	int	 whox;			/* %fields given */
	char	 fields[sizeof(WHOX_FIELDS)];	/* the ones asked, in order */
	char	 token[4];		/* t: up to 3 digits */
	int	 opers_only;		/* "o" flag of plain WHO */
};

/* The flags field: H/G, * for an operator, B for a bot, the prefix in
 * the channel (all of them with multi-prefix). */
static void
who_flags(const struct roster_user *u, int priv, int multi, char *out)
{
	size_t n = 0;

	out[n++] = (u->flags & ROSTER_UF_AWAY) ? 'G' : 'H';
	if (u->flags & ROSTER_UF_OPER)
		out[n++] = '*';
	if (u->flags & ROSTER_UF_BOT)
		out[n++] = 'B';
	out[n] = '\0';
	if (priv > 0)
		session_prefix((unsigned)priv, multi, out + n);
}

/* One reply's text, NUL-separated in sb: 352 or 354.  Lock held. */
static void
who_line(struct client *c, const struct who_req *rq, struct sbuf *sb,
    const char *chan, int priv, int32_t slot)
{
	const struct roster_user *u = roster_user(kd.roster, slot);
	const struct roster_user_ext *e = roster_user_ext(kd.roster, slot);
	char flags[8];
	const char *f;

	who_flags(u, priv, (c->caps & CAP_MULTI_PREFIX) != 0, flags);
	if (!rq->whox) {
		sbuf_printf(sb, "%s %s %s %s %s %s :0 %s%c", chan, u->user,
		    u->host, kd.cfg.server_name, u->nick, flags, e->realname,
		    '\0');
		return;
	}
	sbuf_printf(sb, "%s", "");
	for (f = rq->fields; *f != '\0'; f++) {
		const char *sp = f == rq->fields ? "" : " ";
		switch (*f) {
		case 't': sbuf_printf(sb, "%s%s", sp, rq->token); break;
		case 'c': sbuf_printf(sb, "%s%s", sp, chan); break;
		case 'u': sbuf_printf(sb, "%s%s", sp, u->user); break;
		case 'i': sbuf_printf(sb, "%s%s", sp, slot == c->slot ||
		    (c->umodes & ROSTER_UF_OPER) ? u->host : "255.255.255.255");
			break;
		case 'h': sbuf_printf(sb, "%s%s", sp, u->host); break;
		case 's': sbuf_printf(sb, "%s%s", sp, kd.cfg.server_name);
			break;
		case 'n': sbuf_printf(sb, "%s%s", sp, u->nick); break;
		case 'f': sbuf_printf(sb, "%s%s", sp, flags); break;
		case 'd': sbuf_printf(sb, "%s0", sp); break;
		case 'l': sbuf_printf(sb, "%s%lld", sp, (long long)(kd.now -
		    u->last_msg)); break;
		case 'a': sbuf_printf(sb, "%s%s", sp, e->account[0] ?
		    e->account : "0"); break;
		case 'o': sbuf_printf(sb, "%sn/a", sp); break;
		case 'r': sbuf_printf(sb, "%s:%s", sp, e->realname); break;
		}
	}
	sbuf_add(sb, "", 1);
}

/* "%fields[,token]" (WHOX) or "o" (operators only). */
static void
who_parse(const char *arg, struct who_req *rq)
{
	const char *p, *comma;
	size_t n = 0, i;

	memset(rq, 0, sizeof(*rq));
	if (arg == NULL)
		return;
	if (arg[0] != '%') {
		rq->opers_only = strchr(arg, 'o') != NULL;
		return;
	}
	rq->whox = 1;
	comma = strchr(arg, ',');
	/* the fields in the fixed order, each once */
	for (i = 0; WHOX_FIELDS[i] != '\0'; i++)
		for (p = arg + 1; *p != '\0' && p != comma; p++)
			if (*p == WHOX_FIELDS[i]) {
				rq->fields[n++] = *p;
				break;
			}
	rq->fields[n] = '\0';
	if (comma != NULL && strchr(rq->fields, 't') != NULL)
		snprintf(rq->token, sizeof(rq->token), "%.3s", comma + 1);
	else if (strchr(rq->fields, 't') != NULL)
		snprintf(rq->token, sizeof(rq->token), "0");
	for (i = 0; rq->token[i] != '\0'; i++)
		if (rq->token[i] < '0' || rq->token[i] > '9')
			rq->token[i] = '\0';
	if (rq->token[0] == '\0')
		snprintf(rq->token, sizeof(rq->token), "0");
}

static void
send_nul_list(struct client *c, const char *num, const struct sbuf *sb)
{
	const char *p;

	for (p = sb->p; p != NULL && p < sb->p + sb->len; p += strlen(p) + 1)
		reply(c, num, "%s", p);
}

/* WHO #chan: its members (none for a secret channel c is not in; the
 * invisible only for members).  Lock held. */
static void
who_chan(struct client *c, const struct who_req *rq, const char *mask,
    struct sbuf *sb)
{
	struct roster_chan *ch;
	struct roster_user *u;
	int32_t idx, mm, slot;
	int member;

	if ((idx = roster_chan_find(kd.roster, mask)) < 0)
		return;
	ch = roster_chan(kd.roster, idx);
	member = roster_is_member(kd.roster, c->slot, idx);
	if ((ch->modes & CMODE_SECRET) && !member)
		return;
	for (mm = roster_chan_first(kd.roster, idx); mm >= 0;
	    mm = roster_member_next(kd.roster, mm)) {
		slot = roster_member_user(kd.roster, mm);
		if ((u = roster_user(kd.roster, slot)) == NULL)
			continue;
		if ((!member && (u->flags & ROSTER_UF_INVISIBLE)) ||
		    (rq->opers_only && !(u->flags & ROSTER_UF_OPER)))
			continue;
		who_line(c, rq, sb, ch->name,
		    (int)roster_member_entry_priv(kd.roster, mm), slot);
	}
}

void
cmd_who(struct client *c, struct irc_msg *m)
{
	const char *mask = m->nparams > 0 && m->params[0][0] ? m->params[0] :
	    "*";
	struct who_req rq;
	struct roster_user *u;
	struct sbuf sb;
	int32_t i, lim;
	unsigned n = 0;

	who_parse(m->nparams > 1 ? m->params[1] : NULL, &rq);
	sbuf_init(&sb);
	ctx_roster_lock();
	if (mask[0] == '#')
		who_chan(c, &rq, mask, &sb);
	else {
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
			if (rq.opers_only && !(u->flags & ROSTER_UF_OPER))
				continue;
			who_line(c, &rq, &sb, "*", -1, i);
			n++;
		}
	}
	ctx_roster_unlock();
	send_nul_list(c, rq.whox ? RPL_WHOSPCRPL : RPL_WHOREPLY, &sb);
	reply(c, RPL_ENDOFWHO, "%.*s :End of WHO list", CHAN_MAX,
	    utf8_valid(mask, strlen(mask)) ? mask : "*");
	sbuf_free(&sb);
}

struct whois_copy {
	char	 nick[NICK_MAX + 1], user[USER_MAX + 1], host[HOST_MAX + 1];
	char	 real[REALNAME_MAX + 1], away[AWAY_MAX + 1];
	int64_t	 signon, last_msg;
	uint32_t flags;
	uint8_t	 certfp[32];
	char	 account[NICK_MAX + 1];
};

/* The channels of slot that c may see, "@#a +#b #c".  Lock held. */
static void
whois_chans(struct client *c, int32_t slot, struct sbuf *chans)
{
	const struct roster_user *u = roster_user(kd.roster, slot);
	const struct roster_user_ext *e = roster_user_ext(kd.roster, slot);
	const struct roster_chan *ch;
	char pfx[4];
	unsigned k;

	for (k = 0; k < u->nchans && k < CHANS_PER_USER_MAX; k++) {
		ch = roster_chan(kd.roster, e->chans[k]);
		if (ch == NULL || ((ch->modes & CMODE_SECRET) && slot !=
		    c->slot && !roster_is_member(kd.roster, c->slot,
		    e->chans[k]) && !(c->umodes & ROSTER_UF_OPER)))
			continue;
		session_prefix(roster_member_entry_priv(kd.roster, e->mems[k]),
		    (c->caps & CAP_MULTI_PREFIX) != 0, pfx);
		if (chans->len > 0)
			sbuf_add(chans, " ", 1);
		sbuf_printf(chans, "%s%s", pfx, ch->name);
	}
}

void
cmd_whois(struct client *c, struct irc_msg *m)
{
	const char *target;
	struct whois_copy w;
	struct roster_user *u;
	struct sbuf chans;
	char modes[8];
	int32_t slot;

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
		w.flags = u->flags;
		memcpy(w.certfp, roster_user_ext(kd.roster, slot)->certfp,
		    sizeof(w.certfp));
		memcpy(w.account, roster_user_ext(kd.roster, slot)->account,
		    sizeof(w.account));
		whois_chans(c, slot, &chans);
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
		reply_list(c, RPL_WHOISCHANNELS, w.nick, chans.p);
	reply(c, RPL_WHOISSERVER, "%s %s :%s", w.nick, kd.cfg.server_name,
	    kd.cfg.server_info);
	if (w.flags & ROSTER_UF_OPER)
		reply(c, RPL_WHOISOPERATOR, "%s :is an IRC operator", w.nick);
	if (w.flags & ROSTER_UF_BOT)
		reply(c, RPL_WHOISBOT, "%s :is a bot", w.nick);
	if (w.account[0] != '\0')
		reply(c, RPL_WHOISACCOUNT, "%s %s :is logged in as", w.nick,
		    w.account);
	if (w.flags & ROSTER_UF_SECURE)
		reply(c, RPL_WHOISSECURE, "%s :is using a secure connection",
		    w.nick);
	if (slot == c->slot || (c->umodes & ROSTER_UF_OPER)) {
		static const uint8_t none[32];
		umode_string(w.flags, modes, sizeof(modes));
		reply(c, RPL_WHOISMODES, "%s :is using modes %s", w.nick,
		    modes);
		if (memcmp(w.certfp, none, sizeof(none)) != 0) {
			char fp[TLS_FP_HEX];
			tlsfile_hex(w.certfp, fp);
			reply(c, RPL_WHOISCERTFP, "%s :has client certificate "
			    "fingerprint %s", w.nick, fp);
		}
	}
	if (w.away[0] != '\0')
		reply(c, RPL_AWAY, "%s :%s", w.nick, w.away);
	reply(c, RPL_WHOISIDLE, "%s %lld %lld :seconds idle, signon time",
	    w.nick, (long long)(kd.now - w.last_msg), (long long)w.signon);
	reply(c, RPL_ENDOFWHOIS, "%s :End of /WHOIS list", w.nick);
	sbuf_free(&chans);
}

#define WHOWAS_MAX_REPLY	10	/* entries one WHOWAS shows */

void
cmd_whowas(struct client *c, struct irc_msg *m)
{
	struct roster_whowas w[WHOWAS_MAX_REPLY];
	char when[64];
	const char *nick;
	unsigned n = 0, want = WHOWAS_MAX_REPLY, i;
	long v;
	struct tm tm;
	time_t t;

	if (m->nparams == 0 || m->params[0][0] == '\0') {
		reply(c, ERR_NONICKNAMEGIVEN, ":No nickname given");
		return;
	}
	nick = utf8_valid(m->params[0], strlen(m->params[0])) ? m->params[0] :
	    "*";
	if (m->nparams > 1 && (v = strtol(m->params[1], NULL, 10)) > 0 &&
	    v < WHOWAS_MAX_REPLY)
		want = (unsigned)v;
	ctx_roster_lock();
	while (n < want && roster_whowas_get(kd.roster, m->params[0], n,
	    &w[n]) == 0)
		n++;
	ctx_roster_unlock();
	if (n == 0)
		reply(c, ERR_WASNOSUCHNICK, "%.*s :There was no such nickname",
		    NICK_MAX, nick);
	for (i = 0; i < n; i++) {
		reply(c, RPL_WHOWASUSER, "%s %s %s * :%s", w[i].nick,
		    w[i].user, w[i].host, w[i].realname);
		t = (time_t)w[i].when;
		if (gmtime_r(&t, &tm) == NULL || strftime(when, sizeof(when),
		    "%a %b %d %H:%M:%S %Y UTC", &tm) == 0)
			snprintf(when, sizeof(when), "%lld", (long long)t);
		reply(c, RPL_WHOISSERVER, "%s %s :%s", w[i].nick,
		    kd.cfg.server_name, when);
	}
	reply(c, RPL_ENDOFWHOWAS, "%.*s :End of WHOWAS", NICK_MAX, nick);
}

void
cmd_away(struct client *c, struct irc_msg *m)
{
	struct frame_multi_chan ch[CHANS_PER_USER_MAX];
	const char *msg = m->nparams > 0 ? m->params[0] : "";
	size_t l = utf8_prefix(msg, strlen(msg), AWAY_MAX);
	char buf[AWAY_MAX + 1], line[IRC_LINE_MAX * 2];
	unsigned n;
	int len;

	memcpy(buf, msg, l);
	buf[l] = '\0';
	ctx_roster_lock();
	roster_user_set_away(kd.roster, c->slot, buf);
	n = deliver_channels(c->slot, ch);
	ctx_roster_unlock();
	if (buf[0] == '\0')
		reply(c, RPL_UNAWAY, ":You are no longer marked as being away");
	else
		reply(c, RPL_NOWAWAY, ":You have been marked as being away");
	/* away-notify: the channels; extended-monitor: the watchers */
	if (buf[0] != '\0')
		len = snprintf(line, sizeof(line), ":%s AWAY :%s", c->prefix,
		    buf);
	else
		len = snprintf(line, sizeof(line), ":%s AWAY", c->prefix);
	if (len > 0 && (size_t)len > IRC_LINE_MAX - 2)
		len = (int)utf8_prefix(line, (size_t)len, IRC_LINE_MAX - 2);
	if (len > 0)
		send_multi(c, ch, n, &(struct out_line){ .kind = FRAME_K_AWAY,
		    .flags = FRAME_M_ALL, .line = line, .len = (size_t)len });
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
