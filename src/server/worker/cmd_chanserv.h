/*
 * cmd_chanserv.h -- what the rest of the worker asks of ChanServ
 * (cmd_chanserv.c): lines to it, the access list applied on a join, and
 * the changes of registered channels to save.
 */
#ifndef KEO_CMD_CHANSERV_H
#define KEO_CMD_CHANSERV_H

#include <stdint.h>

struct client;

/* A line to ChanServ (PRIVMSG ChanServ, or CHANSERV/CS). */
void	chanserv(struct client *c, const char *text);
/* c's JOIN of chan came back: ChanServ gives it +o or +v by access. */
void	chanserv_joined(struct client *c, int32_t chan);
/* A change to channel idx went to the relay (a CHANOP): save it once
 * applied.  Channels that are not registered are skipped at the save. */
void	chanserv_note(int32_t idx, uint32_t gen);
/* The relay applied a CHANOP: save the noted channels. */
void	chanserv_flush(void);

#endif
