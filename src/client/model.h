/*
 * model.h -- the client's UI-free model: rooms (tabs), their rosters and
 * scrollback, unread marks, input history and nick completion.
 *
 * Owned by the session (session.c writes it); the Motif layer reads it to
 * render.  No X, no sockets.  Room 0 is always the server tab.
 */
#ifndef KEO_MODEL_H
#define KEO_MODEL_H

#include <stddef.h>

#define MODEL_ROOMS_MAX		64
#define MODEL_SCROLLBACK	2000	/* lines kept per room */
#define MODEL_HISTORY		100	/* input lines remembered */

enum room_kind { ROOM_SERVER, ROOM_CHANNEL, ROOM_QUERY };

struct model;

struct room_view {			/* what the UI may read of a room */
	const char	*name;		/* "#lobby", "alice", or the server tab */
	enum room_kind	 kind;
	int		 joined;	/* channel: we are in it */
	int		 unread;	/* lines since it was last active */
	int		 highlight;	/* an unread line mentions us */
	size_t		 nusers;
	const char	*topic;
};

struct model	*model_new(void);
void		 model_free(struct model *m);

/* Room index by name (casemapped), or -1. */
int		 model_find(const struct model *m, const char *name);
/* Open (or find) a room; -1 when MODEL_ROOMS_MAX are open. */
int		 model_open(struct model *m, const char *name, enum room_kind k);
/* Close room i (> 0); later rooms move down by one. */
void		 model_close(struct model *m, int i);
int		 model_count(const struct model *m);
void		 model_view(const struct model *m, int i, struct room_view *v);
void		 model_set_server_name(struct model *m, const char *name);
void		 model_set_joined(struct model *m, int i, int joined);
void		 model_set_topic(struct model *m, int i, const char *topic);
void		 model_rename(struct model *m, int i, const char *name);

int		 model_active(const struct model *m);
void		 model_set_active(struct model *m, int i);

/* Append a finished line (with its timestamp) to room i's scrollback;
 * marks it unread (and highlighted) unless i is active. */
void		 model_add_line(struct model *m, int i, const char *line,
		    int highlight);
size_t		 model_lines(const struct model *m, int i);
const char	*model_line(const struct model *m, int i, size_t k);

/* Roster of room i: sorted case-insensitively, unique. */
void		 model_roster_clear(struct model *m, int i);
void		 model_roster_add(struct model *m, int i, const char *nick);
int		 model_roster_remove(struct model *m, int i, const char *nick);
int		 model_roster_has(const struct model *m, int i,
		    const char *nick);
int		 model_roster_rename(struct model *m, int i, const char *from,
		    const char *to);
size_t		 model_roster_count(const struct model *m, int i);
const char	*model_roster_nick(const struct model *m, int i, size_t k);

/* Input history: add a sent line; walk it with dir -1 (older) / +1. */
void		 model_history_add(struct model *m, const char *line);
const char	*model_history_step(struct model *m, int dir);

/* Complete the word before the cursor against room i's roster.  word is
 * the partial nick; each call with the same word cycles to the next
 * match.  Returns the nick or NULL. */
const char	*model_complete(struct model *m, int i, const char *word);

#endif
