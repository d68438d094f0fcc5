/*
 * session.h -- a user's session on a worker: the welcome burst when it
 * registers, joining and leaving channels, what a member is told when its
 * JOIN comes back (topic and names), and the end of the session.
 *
 * The layer between the commands (cmd_*.c, which call down into it) and
 * delivery and the client sockets (which it calls down into, and which
 * report up to it through the callbacks worker.c wires: deliver's joined,
 * the client table's gone).  It keeps no state of its own: the roster and
 * the client hold it.
 */
#ifndef KEO_SESSION_H
#define KEO_SESSION_H

#include <stdint.h>

#include "frame.h"

struct client;

/* Registration may be complete (NICK, USER, CAP END, PASS all seen):
 * then the welcome burst and the autojoin channels. */
void		 session_try_register(struct client *c);
/* Parts of the welcome burst that commands repeat. */
void		 session_isupport(struct client *c);
void		 session_lusers(struct client *c);
void		 session_motd(struct client *c);
/* What the JOIN answer also runs, after the topic and before the names
 * (worker.c sets it: the read marker). */
void	session_join_hook(void (*fn)(struct client *, const char *chan));
/* What a registration of a logged-in client also runs, after the welcome
 * and the autojoin (worker.c sets it: the messages that waited). */
void	session_welcome_hook(void (*fn)(struct client *));

/* JOIN one channel (a command or autojoin) with key (NULL for none):
 * the checks of +b, +i, +k and +l; PART one. */
void		 session_join(struct client *c, const char *name,
		    const char *key);
void		 session_part(struct client *c, const char *name,
		    const char *reason);
/* PART every channel (JOIN 0). */
void		 session_part_all(struct client *c);
/* c's own JOIN of chan came back: topic (332/333) and names (353/366). */
void		 session_join_info(struct client *c, int32_t chan, void *arg);
/* 353/366 for the channel called name (an empty list when it is gone). */
void		 session_names(struct client *c, const char *name);
/* 331 or 332/333 for channel chan; quiet: nothing when there is no topic.
 * Takes the roster lock; -1 when the channel is gone. */
int		 session_topic(struct client *c, int32_t chan, int quiet);

/* The prefix chars of privileges priv (MEMBER_*) into out (3 bytes):
 * the highest, or all with multi. */
void		 session_prefix(unsigned priv, int multi, char *out);

/* c takes nick (already valid): claimed in the roster, and for a
 * registered client NICK to itself and its channels.  A banned member
 * may not change its nick unless forced (a service renames it); the
 * channel is then in banned. */
/* NICK_PENDING: cluster mode, the cluster is asked; the change (or a 433
 * to the client) comes with the answer, session_nick_answer(). */
enum nick_rc { NICK_OK, NICK_IN_USE, NICK_BANNED, NICK_PENDING };
enum nick_rc	 session_set_nick(struct client *c, const char *nick,
		    int forced, char *banned, size_t bannedsz);
/* Cluster mode: what cmd cannot do to a user of another host (worker
 * ROSTER_REMOTE, in slot) is refused with FAIL; 1 when so. */
int		 session_remote(struct client *c, uint8_t worker, int32_t slot,
		    const char *cmd, const char *nick);
/* The relay's answer to a nick claim (the deliver_ops hook). */
void		 session_nick_answer(int32_t slot, uint32_t gen, unsigned op,
		    const char *nick, void *arg);
/* The end of c's session: out of the roster and its channels, a QUIT to
 * the others (the client table's gone callback). */
void		 session_gone(struct client *c, const char *reason);

#endif
