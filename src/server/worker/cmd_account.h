/*
 * cmd_account.h -- what the rest of the worker asks of the account
 * commands (cmd_account.c): PASS account:password, NickServ lines, the
 * SASL mechanism list for CAP, and the once-a-second checks.
 */
#ifndef KEO_CMD_ACCOUNT_H
#define KEO_CMD_ACCOUNT_H

#include <stddef.h>

struct client;
struct irc_msg;

/* PASS with "account:password" (no server password set): a login starts
 * and registration waits for it; 0 when pass is not of that form. */
int		 account_pass_login(struct client *c, const char *pass);
/* A line to NickServ (PRIVMSG NickServ, or the NICKSERV/NS commands). */
void		 account_nickserv(struct client *c, const char *text);
/* The parameters of NICKSERV/NS or CHANSERV/CS as one line of text, the
 * way PRIVMSG NickServ/ChanServ gives it. */
void		 account_service_text(const struct irc_msg *m, char *text,
		    size_t textsz);
/* "PLAIN,SCRAM-SHA-256,EXTERNAL" as this configuration offers them. */
const char	*account_sasl_mechs(char *buf, size_t bufsz);
/* SASL timeout and the rename of a nick whose grace ran out. */
void		 account_guard(struct client *c);

#endif
