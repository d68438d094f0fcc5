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
#include <stdint.h>

#define MODEL_ROOMS_MAX		64
#define MODEL_SCROLLBACK	10000	/* lines kept per room, by default */
#define MODEL_SCROLLBACK_MIN	100
#define MODEL_SCROLLBACK_MAX	100000
#define MODEL_HISTORY		100	/* input lines remembered */

enum room_kind { ROOM_SERVER, ROOM_CHANNEL, ROOM_QUERY };

struct model;

/* What a line is (struct line_meta's flags). */
#define ML_MSG		0x01	/* a message (PRIVMSG, NOTICE, ACTION) */
#define ML_OWN		0x02	/* we said it */
#define ML_HIGHLIGHT	0x04	/* it mentions us */
#define ML_MARKER	0x08	/* the "new since you were here" line */
#define ML_HISTORY	0x10	/* it came from the server's history */
#define ML_DAY		0x20	/* "--- Wednesday, 2 December 2026 ---" */
#define ML_EVENT	0x40	/* joins, parts and quits (folded) */

/* How a byte of a line is drawn (mIRC codes): FMT_FG with the colour in
 * the low 4 bits, FMT_BG with it in bits 5-8, and the styles. */
#define FMT_FG		0x0010
#define FMT_BG		0x0200
#define FMT_BOLD	0x0400
#define FMT_ITALIC	0x0800
#define FMT_UNDERLINE	0x1000
#define FMT_REVERSE	0x2000
#define FMT_STRIKE	0x4000
#define FMT_FG_OF(f)	((f) & 0xf)
#define FMT_BG_OF(f)	(((f) >> 5) & 0xf)

struct line_meta {
	int64_t		 time_ms;	/* when it was said (server time) */
	const char	*msgid;		/* the server's msgid, or NULL */
	unsigned	 flags;		/* ML_* */
	const uint16_t	*fmt;		/* a FMT_* word per byte of the line,
					 * or NULL: all plain */
};

/* The history of a room as the session fetches it (CHATHISTORY). */
enum hist_req { HR_NONE, HR_LATEST, HR_BEFORE, HR_JUMP, HR_CONTEXT };

struct room_hist {
	enum hist_req	 req;		/* the request in flight */
	int		 complete;	/* nothing older is left to fetch */
	int		 synced;	/* LATEST answered (or no history) */
	int64_t		 seen_ms;	/* the server's read marker at join,
					 * -1 for none */
	int64_t		 sent_ms;	/* the read marker we last sent */
	char		 jump[64];	/* a msgid to show once it is here */
	int64_t		 jump_ms;	/* and its time */
	int		 anchored;	/* HR_CONTEXT: lines before jump */
};

struct room_view {			/* what the UI may read of a room */
	const char	*name;		/* "#lobby", "alice", or the server tab */
	enum room_kind	 kind;
	int		 joined;	/* channel: we are in it */
	int		 wanted;	/* channel: we mean to be in it (joined
					 * and not left): rejoined on connect */
	int		 unread;	/* messages after the read marker */
	int		 highlight;	/* an unread message mentions us */
	int		 muted;		/* unread lines do not mark its tab */
	int		 quiet;		/* its mentions never notify */
	size_t		 nusers;
	const char	*topic;
	const char	*modes;		/* the room's modes, "+nt", or "" */
};

struct model	*model_new(void);
void		 model_free(struct model *m);
/* Lines kept per room (clamped to MIN..MAX); rooms that hold more drop
 * their oldest as lines come. */
void		 model_set_scrollback(struct model *m, size_t n);
size_t		 model_scrollback(const struct model *m);

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
void		 model_set_wanted(struct model *m, int i, int wanted);
/* Replace the text of room i's newest line (a fold of events grows);
 * its formatting goes.  0, or -1 when it has none. */
int		 model_replace_last(struct model *m, int i, const char *text);
/* Muted: its unread messages do not mark its tab nor count for Alt+A
 * (a mention still does). */
void		 model_set_muted(struct model *m, int i, int on);
void		 model_set_quiet(struct model *m, int i, int on);
void		 model_set_topic(struct model *m, int i, const char *topic);
/* The room's modes as a server says them (324), or a letter set or
 * cleared (MODE): on 1 adds c, 0 takes it away. */
void		 model_set_modes(struct model *m, int i, const char *modes);
void		 model_mode_letter(struct model *m, int i, char c, int on);
void		 model_rename(struct model *m, int i, const char *name);

int		 model_active(const struct model *m);
/* The next room after from (going round) with a mention waiting, else
 * with unread messages; -1 when none has any (Alt+A). */
int		 model_next_activity(const struct model *m, int from);
void		 model_set_active(struct model *m, int i);
/* Another server's tabs are in view, not this model's: the lines of its
 * active room are unread too (0 again: the active room is read). */
void		 model_set_hidden(struct model *m, int hidden);

/*
 * Put a finished line (with its timestamp) into room i's scrollback.  A
 * live line (MI_LIVE) goes at the end; a line from history (MI_HISTORY)
 * goes in time order, after every line of the same time or older, and is
 * dropped when the room holds its msgid already.  When the room is
 * full the oldest line goes, or the new one when it is the oldest.
 * Returns the new line's index, or -1 when it was not kept.  A message
 * after the read marker is unread unless i is active (the user sees it:
 * the marker moves past it).
 */
enum model_how { MI_LIVE, MI_HISTORY };
long		 model_insert(struct model *m, int i, const char *line,
		    const struct line_meta *meta, enum model_how how);
/* A line from history at index at (lines from there on move down), unless
 * the room holds its msgid: a batch of older lines goes in, in its order,
 * before the line it was asked for, whatever the clocks say. */
long		 model_insert_at(struct model *m, int i, size_t at,
		    const char *line, const struct line_meta *meta);
size_t		 model_lines(const struct model *m, int i);
const char	*model_line(const struct model *m, int i, size_t k);
/* The meta of line k (msgid "" when it has none), 0 past the end. */
int		 model_line_meta(const struct model *m, int i, size_t k,
		    struct line_meta *meta);
/* Index of the line with msgid, or -1. */
long		 model_find_msgid(const struct model *m, int i,
		    const char *msgid);
/* The oldest line of room i that has a msgid (for BEFORE), or -1. */
long		 model_oldest_msgid(const struct model *m, int i);
/* Remove the marker line, if any; returns its old index or -1. */
long		 model_unmark(struct model *m, int i);

/* The read marker of room i (ms, 0 for none): messages after it are
 * unread.  model_set_read moves it forward only. */
int64_t		 model_read_ms(const struct model *m, int i);
void		 model_set_read(struct model *m, int i, int64_t ms);
struct room_hist *model_hist(struct model *m, int i);

/* Roster of room i: sorted case-insensitively, unique. */
void		 model_roster_clear(struct model *m, int i);
void		 model_roster_add(struct model *m, int i, const char *nick);
int		 model_roster_remove(struct model *m, int i, const char *nick);
int		 model_roster_has(const struct model *m, int i,
		    const char *nick);
int		 model_roster_rename(struct model *m, int i, const char *from,
		    const char *to);
/* A user's channel prefixes ("@", "@+", "" for none), highest first. */
void		 model_roster_set_prefix(struct model *m, int i,
		    const char *nick, const char *pfx);
const char	*model_roster_prefix(const struct model *m, int i, size_t k);
const char	*model_roster_prefix_of(const struct model *m, int i,
		    const char *nick);
/* Whether nick may set room i's topic as far as we know: in the room,
 * and the room has no +t or nick holds ~ & @ or % there (the server has
 * the last word: a 482 is shown). */
int		 model_topic_settable(const struct model *m, int i,
		    const char *nick);
size_t		 model_roster_count(const struct model *m, int i);
const char	*model_roster_nick(const struct model *m, int i, size_t k);

/* Input history of room i (each tab has its own): add a sent line;
 * walk it with dir -1 (older) / +1. */
void		 model_history_add(struct model *m, int i, const char *line);
const char	*model_history_step(struct model *m, int i, int dir);

/* Complete word: "/..." from the commands (model_set_words), "#..." from
 * the room tabs, else from room i's people, who spoke last first (see
 * model_spoke), then by name.  Each call with the same word gives the
 * next match, going round.  Returns the match or NULL. */
const char	*model_complete(struct model *m, int i, const char *word);
/* nick said something in room i (Tab offers it first). */
void		 model_spoke(struct model *m, int i, const char *nick);
/* The commands Tab completes ("/msg", ...); the array stays the
 * caller's. */
void		 model_set_words(struct model *m, const char *const *words,
		    size_t n);

/*
 * Tab in an entry holding text with the cursor at byte cursor: complete
 * the word before the cursor ("nick: " at the start of the line, "nick "
 * elsewhere); Tab again (cs kept, text as this call left it) replaces
 * that completion with the next match.  The text after the cursor stays.
 * Returns 1 with the new text in out and the new cursor in *newcur, 0
 * when nothing matches.  cs->active = 0 starts afresh (any other edit).
 */
struct complete_state {
	int		 active;
	size_t		 start, end;	/* the completion's bytes in the text */
	char		 word[64];	/* what the user typed */
};
int		 model_complete_text(struct model *m, int i,
		    struct complete_state *cs, const char *text, size_t cursor,
		    char *out, size_t outsz, size_t *newcur);

/* Who is away (away-notify), across rooms. */
void		 model_set_away(struct model *m, const char *nick, int away);
int		 model_is_away(const struct model *m, const char *nick);

/*
 * The links in text: up to max byte ranges [start, end) of http://,
 * https://, ftp://, irc://, ircs://, mailto: and www. addresses that
 * begin a word; trailing punctuation (and a closing bracket without its
 * opening one) is not part of one; a link is at most URL_MAX bytes.
 * Returns how many were found.
 */
#define URL_MAX		2048
size_t		 model_urls(const char *text, size_t (*spans)[2], size_t max);
/* Is the link one to open without asking (http, https, www.)? */
int		 model_url_is_web(const char *url);

#endif
