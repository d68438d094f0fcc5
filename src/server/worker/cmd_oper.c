/*
 * cmd_oper.c -- IRC operators: OPER, KILL, WALLOPS, REHASH, CHGHOST; and
 * LINKS.  (STATS is dispatch.c's: it reports the command table.)
 *
 * An operator is an "oper" line of the configuration: a name, a crypt(3)
 * hash (yescrypt, from keochatd --mkpasswd) and the masks the user must
 * match.  The password is checked with libcrypt; a refusal never says
 * whether the name, the host or the password was wrong to the client,
 * but the log does.  Operators may also act in any channel (MODE, KICK,
 * TOPIC), which the relay logs as an override (chanop.c).
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
#include "pwhash.h"
#include "roster.h"
#include "session.h"
#include "valid.h"

static int
is_oper(struct client *c)
{
	if (c->umodes & ROSTER_UF_OPER)
		return 1;
	reply(c, ERR_NOPRIVILEGES, ":Permission Denied- You're not an IRC "
	    "operator");
	return 0;
}

/* --- OPER ------------------------------------------------------------------ */

/* Does c match one of masks ("nick!user@host" or "user@host", commas)? */
static int
mask_allows(const struct client *c, const char *masks)
{
	char buf[CONF_OPER_LEN], norm[MASK_MAX + 1], *m, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", masks);
	for (m = strtok_r(buf, ",", &save); m != NULL;
	    m = strtok_r(NULL, ",", &save))
		if (irc_mask_normalize(norm, sizeof(norm), m) > 0 &&
		    irc_mask_match(norm, c->prefix))
			return 1;
	return 0;
}

void
cmd_oper(struct client *c, struct irc_msg *m)
{
	char name[64], hash[160], masks[CONF_OPER_LEN];
	unsigned i;
	int found = 0, allowed = 0;

	for (i = 0; i < kd.cfg.noper && !found; i++) {
		if (config_oper_split(kd.cfg.oper[i], name, sizeof(name), hash,
		    sizeof(hash), masks, sizeof(masks)) == -1 ||
		    strcmp(name, m->params[0]) != 0)
			continue;
		found = 1;
		allowed = mask_allows(c, masks);
	}
	if (!found || !allowed) {
		log_info("OPER %.32s by %s refused: %s", m->params[0],
		    c->prefix, found ? "host does not match" : "no such oper");
		reply(c, ERR_NOOPERHOST, ":No O-lines for your host");
		return;
	}
	if (!pw_verify(m->params[1], hash)) {
		log_warnx("OPER %s by %s refused: wrong password", name,
		    c->prefix);
		reply(c, ERR_PASSWDMISMATCH, ":Password incorrect");
		return;
	}
	if (c->umodes & ROSTER_UF_OPER) {
		reply(c, RPL_YOUREOPER, ":You are now an IRC operator");
		return;
	}
	ctx_roster_lock();
	roster_user_set_flag(kd.roster, c->slot, ROSTER_UF_OPER, 1);
	ctx_roster_unlock();
	c->umodes |= ROSTER_UF_OPER;
	log_info("%s is now an IRC operator (oper %s)", c->prefix, name);
	reply(c, RPL_YOUREOPER, ":You are now an IRC operator");
	client_sendf(c, ":%s MODE %s :+o", c->prefix, c->nick);
}

/* --- KILL, WALLOPS, REHASH ----------------------------------------------------- */

void
cmd_kill(struct client *c, struct irc_msg *m)
{
	char why[IRC_LINE_MAX], nick[NICK_MAX + 1];
	struct roster_user *u;
	int32_t slot;
	uint32_t gen = 0;
	uint8_t worker = 0;
	size_t rl;
	int n;

	if (!is_oper(c))
		return;
	ctx_roster_lock();
	if ((u = roster_find_registered(kd.roster, m->params[0], &slot)) !=
	    NULL) {
		gen = u->gen;
		worker = u->worker;
		snprintf(nick, sizeof(nick), "%s", u->nick);
	}
	ctx_roster_unlock();
	if (slot < 0) {
		reply(c, ERR_NOSUCHNICK, "%.*s :No such nick/channel",
		    NICK_MAX, utf8_valid(m->params[0], strlen(m->params[0])) ?
		    m->params[0] : "*");
		return;
	}
	if (session_remote(c, worker, slot, "KILL", nick))
		return;
	rl = utf8_prefix(m->params[1], strlen(m->params[1]), 300);
	n = snprintf(why, sizeof(why), "Killed (%s (%.*s))", c->nick, (int)rl,
	    m->params[1]);
	log_info("KILL %s by %s: %.*s", nick, c->prefix, (int)rl,
	    m->params[1]);
	/* the target's worker closes it; its QUIT carries the reason */
	send_user(worker, slot, gen, c, &(struct out_line){
	    .kind = FRAME_K_KILL, .line = why, .len = (size_t)n });
}

void
cmd_wallops(struct client *c, struct irc_msg *m)
{
	char line[IRC_LINE_MAX * 2];
	int n;

	if (!is_oper(c))
		return;
	n = snprintf(line, sizeof(line), ":%s WALLOPS :%s", c->prefix,
	    m->params[0]);
	if (n < 0)
		return;
	if ((size_t)n > IRC_LINE_MAX - 2)
		n = (int)utf8_prefix(line, (size_t)n, IRC_LINE_MAX - 2);
	send_all(c, &(struct out_line){ .kind = FRAME_K_WALLOPS, .line = line,
	    .len = (size_t)n });
}

void
cmd_rehash(struct client *c, struct irc_msg *m)
{
	(void)m;
	if (!is_oper(c))
		return;
	log_info("REHASH by %s", c->prefix);
	reply(c, RPL_REHASHING, "keochatd.conf :Rehashing");
	ctx_tell_rehash();
}

/* --- CHGHOST ------------------------------------------------------------------ */

static int
user_ok(const char *u)
{
	const char *p;

	if (*u == '\0' || strlen(u) > USER_MAX)
		return 0;
	for (p = u; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' ||
		    *p == '-' || *p == '~'))
			return 0;
	return 1;
}

static int
host_ok(const char *h)
{
	const char *p;

	if (*h == '\0' || *h == ':' || strlen(h) > HOST_MAX)
		return 0;
	for (p = h; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' ||
		    *p == ':' || *p == '/'))
			return 0;
	return 1;
}

/* CHGHOST nick user host: an oper gives a user a new user name and host
 * (a cloak); chghost clients see "CHGHOST user host", the others nothing
 * (doc/PROTOCOL.md). */
void
cmd_chghost(struct client *c, struct irc_msg *m)
{
	struct frame_multi_chan ch[CHANS_PER_USER_MAX];
	char line[IRC_LINE_MAX], old[PREFIX_MAX + 1];
	struct roster_user *u;
	int32_t slot;
	uint32_t gen = 0;
	unsigned n = 0;
	int len;

	if (!is_oper(c))
		return;
	if (!user_ok(m->params[1]) || !host_ok(m->params[2])) {
		client_sendf(c, ":%s FAIL CHGHOST INVALID_PARAMS %s :The user "
		    "or host is not valid", kd.cfg.server_name,
		    utf8_valid(m->params[0], strlen(m->params[0])) ?
		    m->params[0] : "*");
		return;
	}
	ctx_roster_lock();
	if ((u = roster_find_registered(kd.roster, m->params[0], &slot)) !=
	    NULL) {
		gen = u->gen;
		snprintf(old, sizeof(old), "%s!%s@%s", u->nick, u->user,
		    u->host);
		roster_user_set_host(kd.roster, slot, m->params[1],
		    m->params[2]);
		n = deliver_channels(slot, ch);
	}
	ctx_roster_unlock();
	if (slot < 0) {
		reply(c, ERR_NOSUCHNICK, "%.*s :No such nick/channel",
		    NICK_MAX, utf8_valid(m->params[0], strlen(m->params[0])) ?
		    m->params[0] : "*");
		return;
	}
	log_info("CHGHOST %s to %s@%s by %s", old, m->params[1], m->params[2],
	    c->prefix);
	len = snprintf(line, sizeof(line), ":%s CHGHOST %s %s", old,
	    m->params[1], m->params[2]);
	if (len <= 0 || (size_t)len > IRC_LINE_MAX - 2)
		return;
	/* for the user: its own worker takes the new host from the frame */
	send_multi_for(slot, gen, NULL, ch, n, &(struct out_line){
	    .kind = FRAME_K_CHGHOST, .flags = FRAME_M_ALL, .line = line,
	    .len = (size_t)len });
	client_sendf(c, ":%s NOTICE %s :Changed the host of %s to %s@%s",
	    kd.cfg.server_name, c->nick, m->params[0], m->params[1],
	    m->params[2]);
}

/* --- LINKS ------------------------------------------------------------------ */

void
cmd_links(struct client *c, struct irc_msg *m)
{
	(void)m;
	reply(c, RPL_LINKS, "* %s :0 %s", kd.cfg.server_name,
	    kd.cfg.server_info);
	reply(c, RPL_ENDOFLINKS, "* :End of /LINKS list");
}
