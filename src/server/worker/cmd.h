/*
 * cmd.h -- the command handlers and the table that names them.
 *
 * Rules live in one table (dispatch.c): {name, handler, min_params, flags,
 * penalty}.  Handlers get a parsed message whose params are all present up
 * to min_params; they answer every refusal with a numeric.  The command
 * layer is the top of the worker: handlers call down into the session,
 * delivery and client modules, never the other way round.
 */
#ifndef KEO_CMD_H
#define KEO_CMD_H

#include "client.h"
#include "irc.h"

#define CMD_PREREG	0x01	/* allowed before registration */
#define CMD_NOREG	0x02	/* only before registration (else 462) */

struct command {
	const char	*name;
	void		(*fn)(struct client *, struct irc_msg *);
	unsigned	 min_params;
	unsigned	 flags;
	unsigned	 penalty;	/* flood cost in lines */
};

/* dispatch.c */
const struct command *command_find(const char *name);
/* The ith command of the table (its counter in STATS m), NULL past it. */
const struct command *command_at(unsigned i);
void	cmd_stats(struct client *, struct irc_msg *);
/* Run one received line (NUL-terminated, len bytes, line[len] writable):
 * the client table's line callback. */
void	dispatch_line(struct client *c, char *line, size_t len,
	    unsigned lbflags);
/* Add n more commands, sorted by name, that the table does not have (a
 * test build's hooks); the table is borrowed for the process's life. */
void	dispatch_extra(const struct command *cmds, size_t n);

/* cmd_account.c: SASL, account registration, NickServ */
void	cmd_authenticate(struct client *, struct irc_msg *);
void	cmd_register(struct client *, struct irc_msg *);
void	cmd_verify(struct client *, struct irc_msg *);
void	cmd_nickserv(struct client *, struct irc_msg *);

/* cmd_chanserv.c */
void	cmd_chanserv(struct client *, struct irc_msg *);

/* cmd_cap.c */
void	cmd_cap(struct client *, struct irc_msg *);
/* cmd_history.c */
void	cmd_chathistory(struct client *, struct irc_msg *);
void	cmd_search(struct client *, struct irc_msg *);
/* The private messages that waited for c's account: replayed to a client
 * without draft/chathistory (one with it finds them with TARGETS), then
 * no longer waiting. */
void	history_waiting(struct client *c);
/* cmd_readmark.c */
void	cmd_markread(struct client *, struct irc_msg *);
/* After a JOIN: the joiner's marker of chan (with the cap, logged in). */
void	readmark_joined(struct client *c, const char *chan);
/* The room's last history-replay-lines messages for a client without
 * draft/chathistory that just joined chan. */
void	history_replay(struct client *c, int32_t chan);

/* cmd_reg.c: registration, PING/PONG, QUIT, NICK, SETNAME */
void	cmd_pass(struct client *, struct irc_msg *);
void	cmd_nick(struct client *, struct irc_msg *);
void	cmd_user(struct client *, struct irc_msg *);
void	cmd_ping(struct client *, struct irc_msg *);
void	cmd_pong(struct client *, struct irc_msg *);
void	cmd_quit(struct client *, struct irc_msg *);
void	cmd_setname(struct client *, struct irc_msg *);

/* cmd_chan.c */
void	cmd_join(struct client *, struct irc_msg *);
void	cmd_part(struct client *, struct irc_msg *);
void	cmd_topic(struct client *, struct irc_msg *);
void	cmd_names(struct client *, struct irc_msg *);
void	cmd_list(struct client *, struct irc_msg *);
void	cmd_mode(struct client *, struct irc_msg *);
void	cmd_kick(struct client *, struct irc_msg *);
void	cmd_invite(struct client *, struct irc_msg *);
/* "+iw" for user modes umodes (ROSTER_UF_*), into out (8 bytes). */
void	umode_string(unsigned umodes, char *out, size_t outsz);

/* cmd_msg.c */
void	cmd_privmsg(struct client *, struct irc_msg *);
void	cmd_notice(struct client *, struct irc_msg *);
void	cmd_tagmsg(struct client *, struct irc_msg *);

/* cmd_query.c */
void	cmd_who(struct client *, struct irc_msg *);
void	cmd_whois(struct client *, struct irc_msg *);
void	cmd_whowas(struct client *, struct irc_msg *);
void	cmd_away(struct client *, struct irc_msg *);
void	cmd_motd(struct client *, struct irc_msg *);
void	cmd_lusers(struct client *, struct irc_msg *);
void	cmd_version(struct client *, struct irc_msg *);
void	cmd_time(struct client *, struct irc_msg *);
void	cmd_admin(struct client *, struct irc_msg *);
void	cmd_info(struct client *, struct irc_msg *);
void	cmd_ison(struct client *, struct irc_msg *);
void	cmd_userhost(struct client *, struct irc_msg *);

/* cmd_monitor.c */
void	cmd_monitor(struct client *, struct irc_msg *);

/* cmd_oper.c */
void	cmd_oper(struct client *, struct irc_msg *);
void	cmd_kill(struct client *, struct irc_msg *);
void	cmd_wallops(struct client *, struct irc_msg *);
void	cmd_rehash(struct client *, struct irc_msg *);
void	cmd_chghost(struct client *, struct irc_msg *);
void	cmd_links(struct client *, struct irc_msg *);

#endif
