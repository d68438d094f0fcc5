/*
 * notify.h -- desktop notifications: org.freedesktop.Notifications on the
 * session bus (libdbus), for mentions and private messages while the user
 * looks elsewhere.  No X: the Motif layer decides when, this only sends.
 * Without a session bus (none running, or keochat built without D-Bus)
 * there are none, and notify_open says why.
 */
#ifndef KEO_NOTIFY_H
#define KEO_NOTIFY_H

#include <stddef.h>

/* Connect to the session bus: $DBUS_SESSION_BUS_ADDRESS, else
 * $XDG_RUNTIME_DIR/bus (never an autolaunch).  0, or -1 with why. */
int	notify_open(char *why, size_t whysz);
/* Show summary and body (plain text: escaped for the markup servers
 * read; invalid UTF-8 replaced).  No reply is waited for.  0, or -1 when
 * there is no bus (or it went away: closed then). */
int	notify_send(const char *summary, const char *body);
void	notify_close(void);
/* The body as the spec's markup subset reads it: &, < and > escaped,
 * bytes that are not UTF-8 replaced by U+FFFD, cut at outsz. */
void	notify_escape(const char *in, char *out, size_t outsz);

#endif
