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
};

struct session_event {
	enum session_event_type type;
	int		 room;		/* room index, when it applies */
	const char	*text;		/* SEV_LINE: the line as shown */
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
 * room.  Starts a fresh session state; the host then resolves and
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
/* Password for the next registration (PASS), "" for none. */
void		 session_set_password(struct session *s, const char *pw);
/* Log in with SASL as account (password, or with have_cert the client
 * certificate: EXTERNAL); "" account for none.  SCRAM-SHA-256 is used
 * when the server offers it, else PLAIN. */
void		 session_set_login(struct session *s, const char *account,
		    const char *password, int have_cert);
/* The link is TLS (sts is a policy to keep, not an upgrade to make). */
void		 session_set_secure(struct session *s, int on);

/* The help text for /help and the Help menu (static). */
const char	*session_help(void);

#endif
