/*
 * cmd.h -- the command table and the functions command handlers share.
 *
 * Rules live in one table (dispatch.c): {name, handler, min_params, flags,
 * penalty}.  Handlers get a parsed message whose params are all present up
 * to min_params; they answer every refusal with a numeric.
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
/* Run one received line (NUL-terminated, len bytes, line[len] writable). */
void	dispatch_line(struct client *c, char *line, size_t len,
	    unsigned lbflags);
/* Flood check for the next line: 1 may run now, 0 lagged until *due_us. */
int	flood_allow(struct client *c, int64_t *due_us);
/* Charge lines of penalty to c's flood clock. */
void	flood_charge(struct client *c, unsigned lines);

/* cmd_reg.c: registration, CAP, PING/PONG, QUIT, NICK */
void	cmd_cap(struct client *, struct irc_msg *);
void	cmd_pass(struct client *, struct irc_msg *);
void	cmd_nick(struct client *, struct irc_msg *);
void	cmd_user(struct client *, struct irc_msg *);
void	cmd_ping(struct client *, struct irc_msg *);
void	cmd_pong(struct client *, struct irc_msg *);
void	cmd_quit(struct client *, struct irc_msg *);
/* Remove c from the roster and its channels, tell the others (QUIT). */
void	user_gone(struct client *c, const char *reason);
/* Send the ISUPPORT lines. */
void	send_isupport(struct client *c);

/* cmd_chan.c */
void	cmd_join(struct client *, struct irc_msg *);
void	cmd_part(struct client *, struct irc_msg *);
void	cmd_topic(struct client *, struct irc_msg *);
void	cmd_names(struct client *, struct irc_msg *);
void	cmd_list(struct client *, struct irc_msg *);
void	cmd_mode(struct client *, struct irc_msg *);
void	cmd_kick(struct client *, struct irc_msg *);
void	cmd_invite(struct client *, struct irc_msg *);
/* JOIN one channel (also used for autojoin). */
void	join_one(struct client *c, const char *name);
/* After our JOIN came back: topic (332/333) and NAMES (353/366). */
void	send_join_info(struct client *c, int32_t chan);

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
void	cmd_oper(struct client *, struct irc_msg *);
void	cmd_kill(struct client *, struct irc_msg *);
void	cmd_debug(struct client *, struct irc_msg *);
void	send_lusers(struct client *c);
void	send_motd(struct client *c);

/* Lock the roster or die: a lock that cannot be taken is a bug. */
void	roster_lock_or_die(void);

#endif
