/*
 * history.h -- the relay keeps what it orders (DESIGN.md section 8).
 *
 * Every frame the relay puts in its log for a room (a message, or one of
 * the events event-playback shows) is also written to the store's
 * history, stamped as the members get it (msgid, server-time).  The
 * writes of a loop turn are one transaction, committed by a hook that
 * runs before the links send the turn's frames: whatever a member was
 * sent is in the store first.  A relay that starts again writes the
 * frames of the log it inherited (INSERT OR IGNORE: once), because the
 * last one may have died between ordering and committing them, and it
 * resends them.  With history = no, or a store that cannot be opened (a
 * warning says so), nothing is kept and the messages still flow.
 */
#ifndef KEO_HISTORY_H
#define KEO_HISTORY_H

#include <stddef.h>
#include <stdint.h>

struct frame_stamp;

int	history_open(void);
void	history_close(void);
/* 1 when lines of this enum frame_kind are kept. */
int	history_kind_kept(unsigned kind);
/* A frame as it went into the relay log (stamped). */
void	history_note(const uint8_t *frame, size_t len);
/* Cluster mode: a QUIT or NICK line of a room this host has no member
 * in (so no frame of it goes into the log), kept under the room's name. */
void	history_room(const char *name, const struct frame_stamp *st,
	    unsigned kind, const char *account, size_t accountlen,
	    const char *line, size_t linelen);
/* The loop hook: commit what this turn noted. */
void	history_turn(void *arg);

#endif
