/*
 * dispatch.c -- the command table and line admission.
 *
 * Every received line passes here: NUL/CR lines are refused (400), lines
 * that are not UTF-8 are refused (FAIL INVALID_UTF8) except NICK, which
 * gets 432 from the nick rules; lines over 512 bytes get 417, and so do
 * client-only tags over 4094 bytes.  A label tag (labeled-response)
 * wraps the line's whole answer (label.c).  Then the table decides: unknown (421), needs registration (451), registration
 * only (462), too few params (461), else the handler runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd.h"
#include "ctx.h"
#include "label.h"
#include "numerics.h"
#include "roster.h"
#include "valid.h"

/* Sorted by name for bsearch. */
static const struct command commands[] = {
	{ "ADMIN",	cmd_admin,	0, 0, 1 },
	{ "AUTHENTICATE", cmd_authenticate, 1, CMD_PREREG, 1 },
	{ "AWAY",	cmd_away,	0, 0, 1 },
	{ "CAP",	cmd_cap,	1, CMD_PREREG, 1 },
	{ "CHANSERV",	cmd_chanserv,	0, 0, 2 },
	{ "CHATHISTORY", cmd_chathistory, 1, 0, 2 },
	{ "CHGHOST",	cmd_chghost,	3, 0, 1 },
	{ "CS",		cmd_chanserv,	0, 0, 2 },
	{ "INFO",	cmd_info,	0, 0, 1 },
	{ "INVITE",	cmd_invite,	2, 0, 1 },
	{ "ISON",	cmd_ison,	1, 0, 1 },
	{ "JOIN",	cmd_join,	1, 0, 1 },
	{ "KICK",	cmd_kick,	2, 0, 1 },
	{ "KILL",	cmd_kill,	2, 0, 1 },
	{ "LINKS",	cmd_links,	0, 0, 1 },
	{ "LIST",	cmd_list,	0, 0, 3 },
	{ "LUSERS",	cmd_lusers,	0, 0, 1 },
	{ "MARKREAD",	cmd_markread,	1, 0, 1 },
	{ "MODE",	cmd_mode,	1, 0, 1 },
	{ "MONITOR",	cmd_monitor,	1, 0, 1 },
	{ "MOTD",	cmd_motd,	0, 0, 2 },
	{ "NAMES",	cmd_names,	0, 0, 2 },
	{ "NICK",	cmd_nick,	0, CMD_PREREG, 1 },
	{ "NICKSERV",	cmd_nickserv,	0, 0, 2 },
	{ "NOTICE",	cmd_notice,	0, 0, 1 },
	{ "NS",		cmd_nickserv,	0, 0, 2 },
	{ "OPER",	cmd_oper,	2, 0, 10 },	/* a hash costs */
	{ "PART",	cmd_part,	1, 0, 1 },
	{ "PASS",	cmd_pass,	1, CMD_PREREG | CMD_NOREG, 1 },
	{ "PING",	cmd_ping,	0, CMD_PREREG, 1 },
	{ "PONG",	cmd_pong,	0, CMD_PREREG, 1 },
	{ "PRIVMSG",	cmd_privmsg,	0, 0, 1 },
	{ "QUIT",	cmd_quit,	0, CMD_PREREG, 1 },
	{ "REGISTER",	cmd_register,	2, CMD_PREREG, 2 },
	{ "REHASH",	cmd_rehash,	0, 0, 1 },
	{ "SEARCH",	cmd_search,	1, 0, 4 },	/* a full-text query */
	{ "SETNAME",	cmd_setname,	1, 0, 1 },
	{ "STATS",	cmd_stats,	1, 0, 2 },
	{ "TAGMSG",	cmd_tagmsg,	1, 0, 1 },
	{ "TIME",	cmd_time,	0, 0, 1 },
	{ "TOPIC",	cmd_topic,	1, 0, 1 },
	{ "USER",	cmd_user,	4, CMD_PREREG | CMD_NOREG, 1 },
	{ "USERHOST",	cmd_userhost,	1, 0, 1 },
	{ "VERIFY",	cmd_verify,	2, CMD_PREREG, 2 },
	{ "VERSION",	cmd_version,	0, 0, 1 },
	{ "WALLOPS",	cmd_wallops,	1, 0, 1 },
	{ "WHO",	cmd_who,	0, 0, 2 },
	{ "WHOIS",	cmd_whois,	0, 0, 1 },
	{ "WHOWAS",	cmd_whowas,	0, 0, 1 },
};
#define NCOMMANDS	(sizeof(commands) / sizeof(commands[0]))

const struct command *
command_at(unsigned i)
{
	return i < NCOMMANDS ? &commands[i] : NULL;
}

static int
cmp_command(const void *key, const void *elem)
{
	return strcasecmp(key, ((const struct command *)elem)->name);
}

/* Commands a test build adds (testhooks.c); none in keochatd itself. */
static const struct command *extra;
static size_t nextra;

void
dispatch_extra(const struct command *cmds, size_t n)
{
	extra = cmds;
	nextra = n;
}

const struct command *
command_find(const char *name)
{
	const struct command *cmd;

	cmd = bsearch(name, commands, NCOMMANDS, sizeof(commands[0]),
	    cmp_command);
	if (cmd == NULL && nextra > 0)
		cmd = bsearch(name, extra, nextra, sizeof(extra[0]),
		    cmp_command);
	return cmd;
}

/* --- STATS: the table's counters, and more -------------------------------- */

static void
stats_opers(struct client *c)
{
	char name[64], hash[160], masks[CONF_OPER_LEN];
	unsigned i;

	for (i = 0; i < kd.cfg.noper; i++)
		if (config_oper_split(kd.cfg.oper[i], name, sizeof(name), hash,
		    sizeof(hash), masks, sizeof(masks)) == 0)
			reply(c, RPL_STATSOLINE, "O %s * %s", masks, name);
}

void
cmd_stats(struct client *c, struct irc_msg *m)
{
	const struct command *cmd;
	int64_t up = kd.now - kd.started;
	char q = m->params[0][0];
	unsigned i;
	uint64_t n;

	switch (q) {
	case 'u':
		reply(c, RPL_STATSUPTIME, ":Server Up %lld days %lld:%02lld:"
		    "%02lld", (long long)(up / 86400),
		    (long long)(up / 3600 % 24), (long long)(up / 60 % 60),
		    (long long)(up % 60));
		break;
	case 'm':
		for (i = 0; (cmd = command_at(i)) != NULL; i++)
			if ((n = roster_counted(kd.roster, i)) > 0)
				reply(c, RPL_STATSCOMMANDS, "%s %llu 0 0",
				    cmd->name, (unsigned long long)n);
		break;
	case 'o':
		if (!(c->umodes & ROSTER_UF_OPER)) {
			reply(c, ERR_NOPRIVILEGES, ":Permission Denied- You're "
			    "not an IRC operator");
			return;
		}
		stats_opers(c);
		break;
	default:
		break;
	}
	reply(c, RPL_ENDOFSTATS, "%c :End of /STATS report",
	    q > ' ' && q < 0x7f ? q : '*');
}

/* --- one line ------------------------------------------------------------ */

static void
refuse_parse(struct client *c, enum irc_err e)
{
	switch (e) {
	case IRC_ERR_EMPTY:
		return;
	case IRC_ERR_TOO_LONG:
	case IRC_ERR_TAGS_TOO_LONG:
		reply(c, ERR_INPUTTOOLONG, ":Input line was too long");
		return;
	case IRC_ERR_BAD_COMMAND:
		reply(c, ERR_UNKNOWNCOMMAND, "* :Unknown command");
		return;
	default:
		reply(c, ERR_UNKNOWNERROR, "* :Malformed message (%s)",
		    irc_strerror(e));
		return;
	}
}

/* The bytes the client-only tags (+name=value) of m take escaped; the
 * message-tags limit for them is IRC_CLIENT_TAGS_MAX. */
static size_t
client_tags_len(const struct irc_msg *m)
{
	char val[IRC_TAGS_MAX];
	size_t i, n = 0;

	for (i = 0; i < m->ntags; i++) {
		if (m->tags[i].key[0] != '+')
			continue;
		n += (n > 0) + strlen(m->tags[i].key);
		if (m->tags[i].value != NULL && m->tags[i].value[0] != '\0')
			n += 1 + irc_tag_escape(val, sizeof(val),
			    m->tags[i].value);
	}
	return n;
}

/* The checks of the table, then the handler. */
static void
run(struct client *c, struct irc_msg *m, int utf8ok)
{
	const struct command *cmd;

	cmd = command_find(m->command);
	if (cmd == NULL) {
		reply(c, ERR_UNKNOWNCOMMAND, "%.32s :Unknown command",
		    utf8ok ? m->command : "*");
		return;
	}
	if (!utf8ok && cmd->fn != cmd_nick) {
		client_sendf(c, ":%s FAIL %s INVALID_UTF8 :Message rejected, "
		    "your IRC software MUST use UTF-8 encoding on this network",
		    kd.cfg.server_name, cmd->name);
		return;
	}
	if (c->state == CL_UNREG && !(cmd->flags & CMD_PREREG)) {
		reply(c, ERR_NOTREGISTERED, ":You have not registered");
		return;
	}
	if (c->state == CL_REG && (cmd->flags & CMD_NOREG)) {
		reply(c, ERR_ALREADYREGISTERED, ":You may not reregister");
		return;
	}
	if (m->nparams < cmd->min_params) {
		reply(c, ERR_NEEDMOREPARAMS, "%s :Not enough parameters",
		    cmd->name);
		return;
	}
	if (cmd->penalty > 1)
		client_flood_charge(c, cmd->penalty - 1);
	if (cmd >= commands && cmd < commands + NCOMMANDS)
		roster_count(kd.roster, kd.id, (unsigned)(cmd - commands));
	cmd->fn(c, m);
}

void
dispatch_line(struct client *c, char *line, size_t len, unsigned lbflags)
{
	struct irc_msg m;
	enum irc_err e;
	int utf8ok;

	client_flood_charge(c, 1);
	if (len == 0)
		return;
	if (lbflags & (LB_NUL | LB_CR)) {
		reply(c, ERR_UNKNOWNERROR, "* :Line rejected: it contains a "
		    "%s byte", (lbflags & LB_NUL) ? "NUL" : "bare CR");
		return;
	}
	utf8ok = utf8_valid(line, len);
	if ((e = irc_parse(&m, line, len)) != IRC_OK) {
		refuse_parse(c, e);
		return;
	}
	/* labeled-response: everything this line causes answers the label */
	label_begin(c, irc_msg_tag(&m, "label"));
	if (client_tags_len(&m) > IRC_CLIENT_TAGS_MAX)
		reply(c, ERR_INPUTTOOLONG, ":Input line was too long (client "
		    "tags over %d bytes)", IRC_CLIENT_TAGS_MAX);
	else
		run(c, &m, utf8ok);
	label_end(c);
}
