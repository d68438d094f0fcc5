/*
 * session.h -- the client's IRC session core: bytes in, typed events out;
 * commands in, bytes out.  It knows no X and no sockets: the host (the
 * Motif layer, or a cmocka test) gives it received bytes and the clock, and
 * gets bytes to send and events to render through struct session_host.
 * It owns the model (model.h) and keeps it in step with the server.
 */
#ifndef KEO_SESSION_H
#define KEO_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

enum session_state {
	SS_DISCONNECTED,	/* idle, or waiting to reconnect */
	SS_CONNECTING,		/* resolving / TCP connect in progress */
	SS_REGISTERING,		/* connected, NICK/USER sent, no 001 yet */
	SS_CONNECTED,		/* registered */
};

enum session_event_type {
	SEV_LINE,		/* room got a line (already in the model) */
	SEV_ROSTER,		/* room's roster changed */
	SEV_ROOMS,		/* rooms opened, closed or renamed */
	SEV_ACTIVE,		/* the session wants room to become active */
	SEV_STATE,		/* state or own nick changed */
	SEV_NICK_REJECTED,	/* the nick was refused during registration */
	SEV_HIGHLIGHT,		/* a line mentioned us (after its SEV_LINE) */
	SEV_STS,		/* the server's sts policy: text "PORT DURATION"
				 * (on plain text: reconnect with TLS there) */
	SEV_RELOAD,		/* room's lines changed other than at the end
				 * (history came): draw them all again; line
				 * -1: show the newest, else line lines were
				 * added above the oldest: keep the view */
	SEV_JUMP,		/* show room's line `line` (a search result) */
	SEV_SEARCH,		/* search results (or its failure) are in */
	SEV_LIST,		/* the server's rooms: asked, or all in */
	SEV_LINE_CHANGED,	/* room's newest line grew (a fold of joins
				 * and parts); text: what was added, as a
				 * line of its own (for a log) */
	SEV_JOINED,		/* we joined room, as the user asked: text is its
				 * name (the recent rooms of the Join dialog) */
};

struct session_event {
	enum session_event_type type;
	int		 room;		/* room index, when it applies */
	const char	*text;		/* SEV_LINE: the line as shown */
	long		 line;		/* SEV_RELOAD, SEV_JUMP */
};

/* One search result (session_hit). */
struct search_hit {
	const char	*target;	/* the room, or the other end of a
					 * private conversation */
	int64_t		 time_ms;
	const char	*msgid;
	const char	*text;		/* "<nick> text" */
};

struct session_host {
	void	(*send)(void *ud, const char *bytes, size_t n);
	void	(*event)(void *ud, const struct session_event *ev);
	/* Close the link now (server ERROR, ping timeout, /quit). */
	void	(*close)(void *ud, const char *why);
	int64_t	(*now_ms)(void *ud);	/* wall clock, ms since the epoch */
};

struct session;

struct session	*session_new(const struct session_host *h, void *ud);
void		 session_free(struct session *s);
struct model	*session_model(struct session *s);
enum session_state session_state(const struct session *s);
const char	*session_nick(const struct session *s);
const char	*session_server(const struct session *s);	/* "host:port" */

/* The user asked to connect to server ("host:port") as nick, to join
 * room (or rooms: "#a #b,#c", the first shown).  Starts a fresh session state; the host then resolves and
 * connects. */
void		 session_connecting(struct session *s, const char *server,
		    const char *nick, const char *room);
/* The TCP link is up: register. */
void		 session_connected(struct session *s);
/* Bytes from the server. */
void		 session_input(struct session *s, const char *p, size_t n);
/* The link is gone.  by_user: the user's own Disconnect or /quit (no
 * reconnect); else why says what happened ("Connection refused"). */
void		 session_closed(struct session *s, int by_user,
		    const char *why);
/* Connecting failed before the link came up. */
void		 session_connect_failed(struct session *s, const char *why);
/* A line typed into room's entry box. */
void		 session_command(struct session *s, int room, const char *text);
/* Once a second: keepalive and lag. */
void		 session_tick(struct session *s);
/* The user picked another nick while registering (after a 433). */
void		 session_retry_nick(struct session *s, const char *nick);
/* Milliseconds to wait before reconnecting after an unexpected loss, or
 * -1 when no reconnect is due.  Each call counts an attempt. */
int		 session_reconnect_delay(struct session *s);
/* A line of system text for room (e.g. "Reconnecting in 2 s"). */
void		 session_note(struct session *s, int room, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
/* Names to try, in order, when the nick is taken while registering
 * (space separated; "" none), before name_, name__, name___.  Kept
 * across connections; session_connecting starts the list again. */
void		 session_set_alternates(struct session *s, const char *list);
/* Desktop notifications from this connection (a saved network's
 * setting): on or off, and the rooms and nicks (space separated) whose
 * tabs start quiet.  /notify on|off changes a tab. */
void		 session_set_notify(struct session *s, int on,
		    const char *quiet_tabs);
/* Should a mention or private message in room notify the desktop? */
int		 session_notifies(struct session *s, int room);
/* Password for the next registration (PASS), "" for none. */
void		 session_set_password(struct session *s, const char *pw);
/* Log in with SASL as account (password, or with have_cert the client
 * certificate: EXTERNAL); "" account for none.  SCRAM-SHA-256 is used
 * when the server offers it, else PLAIN. */
void		 session_set_login(struct session *s, const char *account,
		    const char *password, int have_cert);
/* The link is TLS (sts is a policy to keep, not an upgrade to make). */
void		 session_set_secure(struct session *s, int on);

/* The user looks at room now (a tab was picked): it becomes active, its
 * messages are read, and the read marker goes to the server. */
void		 session_select(struct session *s, int room);
/* None of this session's tabs is in view (the window shows another
 * server's): its active room's lines count as unread. */
void		 session_set_hidden(struct session *s, int hidden);
/* The user scrolled to the top of room: fetch older lines from the
 * server's history (CHATHISTORY BEFORE), once at a time. */
void		 session_fetch_older(struct session *s, int room);
/* Search the server's history (SEARCH).  query: words, with in:TARGET,
 * from:NICK, after:DATE, before:DATE (YYYY-MM-DD or a full timestamp).
 * Results come with SEV_SEARCH. */
void		 session_search(struct session *s, const char *query);
size_t		 session_hits(const struct session *s);
int		 session_hit(const struct session *s, size_t k,
		    struct search_hit *h);
/* What the last search said: "" while none ran, else a status line. */
const char	*session_search_status(const struct session *s);
/* Show search result k in its tab, with the lines around it (fetched
 * when the tab does not hold it yet): SEV_ACTIVE, then SEV_JUMP. */
void		 session_jump(struct session *s, size_t k);
/* The SEARCH line query makes (the value part, escaped), or -1 with a
 * reason in out when it is not a search. */
int		 session_search_attrs(const char *query, char *out,
		    size_t outsz);

/* Text with several lines pasted into room's entry: each line is sent as
 * a message of its own (never as a command), the first few at once and
 * then paced within flood limits.  Returns 0 when queued (or nothing to
 * send), -1 when refused (a line says why), or the number of lines when
 * there are more than a few and !confirmed: the host asks the user, then
 * calls again with confirmed. */
int		 session_paste(struct session *s, int room, const char *text,
		    int confirmed);
/* Send what the pace allows of pasted lines; returns the ms until the
 * next may go, or -1 when none is left. */
int		 session_pump(struct session *s);

/* Typing notifications (the +typing client tag, with message-tags):
 * text is what the entry of room now holds; the session says "active"
 * at most every 3 s while there is text and "done" when it is cleared
 * (a sent message needs none).  Others' typing: "alice is typing..." for
 * room into out (returns how many type there, 0: out is ""); each lasts
 * 6 s unless renewed. */
void		 session_typed(struct session *s, int room, const char *text);
int		 session_typing_text(struct session *s, int room, char *out,
		    size_t outsz);
void		 session_set_send_typing(struct session *s, int on);
/* Others' joins, parts and quits as lines in the rooms (on, the default),
 * or only in the user list (off).  A private tab still says its other
 * end quit. */
void		 session_set_show_joins(struct session *s, int on);
/* Joins, parts and quits that follow each other fold into one line
 * ("alice joined #c · bob left #c"), up to 20 (on, the default). */
void		 session_set_fold_joins(struct session *s, int on);

/* Away (AWAY): text, or "" to be back; kept across reconnects.  Also the
 * /away command.  session_away: we asked to be away. */
void		 session_set_away(struct session *s, const char *text);
int		 session_away(const struct session *s);
/* Auto-away: after minutes (0: never) without the user typing, away with
 * text; typing anything ends it (an away the user set stays). */
void		 session_set_auto_away(struct session *s, int minutes,
		    const char *text);

/* The server's rooms (LIST, also /list): SEV_LIST when asked and when
 * they are all in; then session_listed of them, busiest first (up to
 * 10 000), and a status line ("12 rooms", "Not connected ..."). */
void		 session_list(struct session *s);
size_t		 session_listed(const struct session *s);
int		 session_listed_room(const struct session *s, size_t k,
		    const char **name, unsigned *users, const char **topic);
const char	*session_list_status(const struct session *s);

/* The help text for /help and the Help menu (static). */
const char	*session_help(void);

#endif
