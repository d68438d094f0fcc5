/*
 * ui_net.c -- the Motif client's connection glue: the session's host
 * callbacks, name resolution polled from a timer, non-blocking connect and
 * all socket I/O through XtAppAddInput, the once-a-second tick, and
 * reconnecting with backoff after an unexpected loss.  No thread touches a
 * widget; nothing here blocks the window.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <Xm/TextF.h>

#include "bounds.h"
#include "ui_priv.h"
#include "valid.h"

#define RESOLVE_POLL_MS	20
#define READ_CHUNK	65536

static void input_cb(XtPointer, int *, XtInputId *);
static void output_cb(XtPointer, int *, XtInputId *);
static void connect_done_cb(XtPointer, int *, XtInputId *);

/* --- session host ----------------------------------------------------------------- */

static void
want_output(void)
{
	if (U.out_id == 0 && net_state(U.net) == NET_UP)
		U.out_id = XtAppAddInput(U.app, net_fd(U.net),
		    (XtPointer)XtInputWriteMask, output_cb, NULL);
}

static void
host_send(void *ud, const char *p, size_t n)
{
	(void)ud;
	if (net_state(U.net) != NET_UP)
		return;
	if (net_queue(U.net, p, n) == -1) {
		ui_disconnect(0, "too much unsent output");
		return;
	}
	want_output();
}

static void
host_event(void *ud, const struct session_event *ev)
{
	(void)ud;
	ui_event(ev);
}

static void
host_close(void *ud, const char *why)
{
	(void)ud;
	ui_disconnect(why == NULL, why);
}

static int64_t
host_now(void *ud)
{
	struct timespec ts;

	(void)ud;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const struct session_host host = {
	host_send, host_event, host_close, host_now
};

/* --- timers -------------------------------------------------------------------------- */

static void
tick_cb(XtPointer cd, XtIntervalId *id)
{
	(void)cd;
	(void)id;
	U.tick_timer = XtAppAddTimeOut(U.app, 1000, tick_cb, NULL);
	session_tick(U.sess);
	ui_flush();
}

void
ui_net_init(void)
{
	U.sess = session_new(&host, NULL);
	U.net = net_new();
}

void
ui_net_shutdown(void)
{
	if (U.tick_timer)
		XtRemoveTimeOut(U.tick_timer);
	if (U.reconnect_timer)
		XtRemoveTimeOut(U.reconnect_timer);
	if (U.resolve_timer)
		XtRemoveTimeOut(U.resolve_timer);
	if (U.dump_timer)
		XtRemoveTimeOut(U.dump_timer);
	U.tick_timer = U.reconnect_timer = U.resolve_timer = U.dump_timer = 0;
	if (U.in_id)
		XtRemoveInput(U.in_id);
	if (U.out_id)
		XtRemoveInput(U.out_id);
	U.in_id = U.out_id = 0;
	net_free(U.net);
	session_free(U.sess);
	U.net = NULL;
	U.sess = NULL;
}

/* --- connecting ------------------------------------------------------------------ */

static void
stop_io(void)
{
	if (U.in_id)
		XtRemoveInput(U.in_id);
	if (U.out_id)
		XtRemoveInput(U.out_id);
	U.in_id = U.out_id = 0;
	if (U.resolve_timer)
		XtRemoveTimeOut(U.resolve_timer);
	U.resolve_timer = 0;
	if (U.tick_timer)
		XtRemoveTimeOut(U.tick_timer);
	U.tick_timer = 0;
}

static void reconnect_cb(XtPointer, XtIntervalId *);

static void
schedule_reconnect(void)
{
	int d = session_reconnect_delay(U.sess);

	if (d < 0)
		return;
	session_note(U.sess, model_active(session_model(U.sess)),
	    "Reconnecting to %s in %d s ...", session_server(U.sess),
	    d / 1000);
	U.reconnect_timer = XtAppAddTimeOut(U.app, (unsigned long)d,
	    reconnect_cb, NULL);
	ui_update_state();
}

static void
connect_failed(const char *why)
{
	stop_io();
	net_close(U.net);
	session_connect_failed(U.sess, why);
	schedule_reconnect();
	ui_flush();
}

static void
start_watching(void)
{
	U.in_id = XtAppAddInput(U.app, net_fd(U.net),
	    (XtPointer)XtInputWriteMask, connect_done_cb, NULL);
}

static void
resolve_cb(XtPointer cd, XtIntervalId *id)
{
	char err[256];
	int rc;

	(void)cd;
	(void)id;
	U.resolve_timer = 0;
	rc = net_resolve_poll(U.net, err, sizeof(err));
	if (rc == 0) {
		U.resolve_timer = XtAppAddTimeOut(U.app, RESOLVE_POLL_MS,
		    resolve_cb, NULL);
		return;
	}
	if (rc == -1) {
		connect_failed(err);
		return;
	}
	start_watching();
}

static void
connect_done_cb(XtPointer cd, int *source, XtInputId *id)
{
	char err[256];
	int rc;

	(void)cd;
	(void)source;
	/* XtRemoveInput frees the record *source points into: read first */
	XtRemoveInput(*id);
	U.in_id = 0;
	rc = net_connect_done(U.net, err, sizeof(err));
	if (rc == 0) {			/* next address */
		start_watching();
		return;
	}
	if (rc == -1) {
		connect_failed(err);
		return;
	}
	U.in_id = XtAppAddInput(U.app, net_fd(U.net),
	    (XtPointer)XtInputReadMask, input_cb, NULL);
	U.tick_timer = XtAppAddTimeOut(U.app, 1000, tick_cb, NULL);
	session_connected(U.sess);
	ui_flush();
}

void
ui_connect_to(const char *server, const char *nick)
{
	char err[256];

	if (U.reconnect_timer)
		XtRemoveTimeOut(U.reconnect_timer);
	U.reconnect_timer = 0;
	stop_io();
	net_close(U.net);
	U.nick_rejected = 0;
	session_connecting(U.sess, server, nick, U.res.room ? U.res.room :
	    "#lobby");
	if (net_start(U.net, server, err, sizeof(err)) == -1) {
		session_connect_failed(U.sess, err);
		ui_flush();
		return;
	}
	U.resolve_timer = XtAppAddTimeOut(U.app, RESOLVE_POLL_MS, resolve_cb,
	    NULL);
	ui_flush();
}

static void
reconnect_cb(XtPointer cd, XtIntervalId *id)
{
	char server[256], nick[NICK_MAX + 1];

	(void)cd;
	(void)id;
	U.reconnect_timer = 0;
	snprintf(server, sizeof(server), "%s", session_server(U.sess));
	snprintf(nick, sizeof(nick), "%s", session_nick(U.sess));
	ui_connect_to(server, nick);
}

void
ui_disconnect(int by_user, const char *why)
{
	char err[128];

	if (U.reconnect_timer) {
		XtRemoveTimeOut(U.reconnect_timer);
		U.reconnect_timer = 0;
		if (session_state(U.sess) == SS_DISCONNECTED) {
			session_note(U.sess, model_active(session_model(
			    U.sess)), "Reconnecting cancelled");
			ui_update_state();
			ui_flush();
			return;
		}
	}
	if (session_state(U.sess) == SS_DISCONNECTED)
		return;
	if (by_user && net_state(U.net) == NET_UP) {
		/* say goodbye if the socket takes it right away */
		if (!net_pending(U.net))
			net_queue(U.net, "QUIT :Leaving\r\n", 15);
		(void)net_flush(U.net, err, sizeof(err));
	}
	stop_io();
	net_close(U.net);
	U.nick_rejected = 0;
	session_closed(U.sess, by_user, why ? why : "closed");
	if (!by_user)
		schedule_reconnect();
	ui_update_state();
	ui_flush();
}

/* --- socket I/O -------------------------------------------------------------------- */

static void
input_cb(XtPointer cd, int *source, XtInputId *id)
{
	static char buf[READ_CHUNK];
	char err[256];
	ssize_t n;

	(void)cd;
	(void)source;
	(void)id;
	n = net_read(U.net, buf, sizeof(buf), err, sizeof(err));
	if (n == -2)
		return;
	if (n == 0) {
		ui_disconnect(0, "the server closed the connection");
		return;
	}
	if (n < 0) {
		ui_disconnect(0, err);
		return;
	}
	session_input(U.sess, buf, (size_t)n);
	ui_flush();
}

static void
output_cb(XtPointer cd, int *source, XtInputId *id)
{
	char err[256];
	int rc;

	(void)cd;
	(void)source;
	rc = net_flush(U.net, err, sizeof(err));
	if (rc == 1)
		return;
	XtRemoveInput(*id);
	U.out_id = 0;
	if (rc == -1)
		ui_disconnect(0, err);
}

/* --- what the window asks for ----------------------------------------------------- */

void
ui_connect_clicked(void)
{
	char *server, *nick;

	nick = XmTextFieldGetString(U.user);
	if (U.nick_rejected && session_state(U.sess) == SS_REGISTERING) {
		if (nick_check(nick, NICK_MAX) != NAME_OK)
			session_note(U.sess, 0, "'%s' is not a valid name: %s",
			    nick, name_strerror(nick_check(nick, NICK_MAX)));
		else {
			U.nick_rejected = 0;
			session_retry_nick(U.sess, nick);
			ui_update_state();
		}
		XtFree(nick);
		ui_flush();
		return;
	}
	if (session_state(U.sess) != SS_DISCONNECTED || U.reconnect_timer) {
		XtFree(nick);
		ui_disconnect(1, NULL);
		return;
	}
	server = XmTextFieldGetString(U.server);
	if (nick_check(nick, NICK_MAX) != NAME_OK)
		session_note(U.sess, model_active(session_model(U.sess)),
		    "Type a username first: %s%s%s", *nick ? "'" : "", nick,
		    *nick ? "' is not valid (letters, digits and []\\`_^{|}- "
		    "only, not starting with a digit)" : "the field is empty");
	else
		ui_connect_to(server, nick);
	XtFree(server);
	XtFree(nick);
	ui_flush();
}

void
ui_entry_activated(const char *text)
{
	struct model *m = session_model(U.sess);

	session_command(U.sess, model_active(m), text);
	ui_flush();
}
