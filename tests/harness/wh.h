/*
 * wh.h -- a worker harness: the command layer of keochatd in one process,
 * with fake workers, a fake relay and fake clients.
 *
 * Each fake worker has its own client table and local channel index (the
 * state a worker keeps behind kd.clients and kd.lchans); the harness
 * switches kd between them as a frame reaches each one.  The fake relay
 * orders frames as the real one does (one queue, every subscribed worker
 * in turn, the origin included; SUB/UNSUB flags applied around a frame)
 * with relay/subs.c's table; channel changes (CHANOP) are applied with
 * the relay's own chanop.c, and a labeled frame is answered with
 * LABELDONE.  A fake client reads the bytes fed to it and
 * writes into a capture buffer read back line by line.  A turn runs as a
 * worker's loop turn does: input, deferred input, reap, the relay, reap
 * again, flush.  Used by the command-layer unit tests and by the
 * whole-connection fuzz harness.  Every failure aborts (the caller is a
 * test).
 */
#ifndef KEO_WH_H
#define KEO_WH_H

#include <stddef.h>
#include <stdint.h>

#include "client.h"
#include "config.h"

#define WH_WORKERS_MAX	4
#define WH_CONNS_MAX	256

/* A fake connection; it outlives its struct client (which the worker
 * frees when the connection closes), so a test may read what a closed
 * client was sent last. */
struct wh_conn;

/* Start: a fresh roster for 64 clients and 32 channels, the default
 * configuration (server-name "irc.test", autojoin off, flood control off)
 * as changed by tweak (may be NULL), nworkers fake workers. */
void		 wh_setup(unsigned nworkers, void (*tweak)(struct config *));
/* Give the workers a store in dir (made and migrated there): the read-
 * only connection every worker has (account_store()); the harness runs
 * no job thread, so what writes through jobs is not there.  Before the
 * first connection. */
void		 wh_store(const char *dir);

/* Close every client, run the last turns, free everything. */
void		 wh_teardown(void);

/* A new connection on worker w from host (not registered). */
struct wh_conn	*wh_connect(unsigned w, const char *host);
/* A connection on worker w registered as nick (USER nick 0 * :Real),
 * its welcome burst read and thrown away. */
struct wh_conn	*wh_register(unsigned w, const char *nick);
/* The same, with the capabilities caps (space-separated) negotiated
 * first (CAP LS 302, so cap-notify too). */
struct wh_conn	*wh_register_caps(unsigned w, const char *nick,
		    const char *caps);
/* Bytes from the client as they are (no CRLF added), then turns until
 * nothing moves. */
void		 wh_feed_raw(struct wh_conn *c, const void *p, size_t n);
/* One line from the client (CRLF added), then turns until quiet. */
void		 wh_feed(struct wh_conn *c, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
/* Turns until no frame, no input and no output is left. */
void		 wh_run(void);
/* The clock moves ms forward and every worker's once-a-second scan runs
 * (timeouts, PINGs), then turns until quiet. */
void		 wh_tick(int64_t ms);

/* The next line the client was sent (no CRLF; NULL when none is left);
 * borrowed until the next call. */
const char	*wh_next(struct wh_conn *c);
/* Lines sent and not yet read. */
unsigned	 wh_pending(struct wh_conn *c);
/* Throw away what the client was sent so far. */
void		 wh_drain(struct wh_conn *c);
/* Read lines up to the first that matches the POSIX extended regex re:
 * 1 found (and consumed), 0 not (all consumed). */
int		 wh_seek(struct wh_conn *c, const char *re);
/* Nonzero when some unread line matches re (nothing is consumed). */
int		 wh_has(struct wh_conn *c, const char *re);
/* Nonzero when the client was closed (ERROR sent, socket gone). */
int		 wh_closed(struct wh_conn *c);
/* The worker's client, NULL once it is gone. */
struct client	*wh_client(struct wh_conn *c);
/* Stop reading (1) what the client is sent, as a client that does not
 * read would: every write to it blocks until it reads again (0). */
void		 wh_stall(struct wh_conn *c, int on);
/* Frames the fake relay routed so far. */
unsigned	 wh_frames(void);
/* Channel changes the fake relay applied as IRC operator overrides. */
unsigned	 wh_overrides(void);

#endif
