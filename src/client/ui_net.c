/*
 * ui_net.c -- the Motif client's connection glue: the session's host
 * callbacks, name resolution polled from a timer, non-blocking connect and
 * all socket I/O through XtAppAddInput, the once-a-second tick, and
 * reconnecting with backoff after an unexpected loss.  No thread touches a
 * widget; nothing here blocks the window.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <Xm/TextF.h>

#include "bounds.h"
#include "netconf.h"
#include "ui_priv.h"
#include "valid.h"

#define RESOLVE_POLL_MS	20
#define READ_CHUNK	65536

static void input_cb(XtPointer, int *, XtInputId *);
static void output_cb(XtPointer, int *, XtInputId *);
static void link_up(void);
static void connect_done_cb(XtPointer, int *, XtInputId *);
static void handshake_cb(XtPointer, int *, XtInputId *);
static int have_cert(void);
static const char *client_cert(void);

/* --- what is remembered: trusted certificates and sts policies ------------- */

/* Is fp the certificate the user accepted for host:port? */
static int
known_cert(const char *hostport, const char *fp)
{
	char path[600], line[512], hp[300], f[80];
	FILE *fh;
	int found = 0;

	if (netconf_path("known-certs", 1, path, sizeof(path)) == -1 ||
	    (fh = fopen(path, "r")) == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), fh) != NULL)
		if (sscanf(line, "%299s %79s", hp, f) == 2 &&
		    strcasecmp(hp, hostport) == 0 && strcmp(f, fp) == 0)
			found = 1;
	fclose(fh);
	return found;
}

static void
remember_cert(const char *hostport, const char *fp)
{
	char path[600];
	FILE *fh;

	if (netconf_path("known-certs", 1, path, sizeof(path)) == -1 ||
	    (fh = fopen(path, "a")) == NULL) {
		session_note(U.sess, 0, "Cannot remember the certificate: %s",
		    strerror(errno));
		return;
	}
	fprintf(fh, "%s %s\n", hostport, fp);
	if (fclose(fh) != 0)
		session_note(U.sess, 0, "Cannot remember the certificate: %s",
		    strerror(errno));
}

/* The sts policy kept for host: its port, or 0 (none, or expired). */
static unsigned
sts_policy(const char *host)
{
	char path[600], line[512], h[300];
	unsigned port = 0, p;
	long long until;
	FILE *fh;

	if (netconf_path("sts", 1, path, sizeof(path)) == -1 ||
	    (fh = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), fh) != NULL)
		if (sscanf(line, "%299s %u %lld", h, &p, &until) == 3 &&
		    strcasecmp(h, host) == 0)
			port = until > (long long)time(NULL) && p > 0 &&
			    p < 65536 ? p : 0;
	fclose(fh);
	return port;
}

/* Keep (or with duration 0, drop) host's policy: the file is rewritten. */
static void
sts_keep(const char *host, unsigned port, long duration)
{
	char path[600], tmp[620], line[512], h[300];
	FILE *in, *out;

	if (netconf_path("sts", 1, path, sizeof(path)) == -1)
		return;
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	if ((out = fopen(tmp, "w")) == NULL)
		return;
	if ((in = fopen(path, "r")) != NULL) {
		while (fgets(line, sizeof(line), in) != NULL)
			if (sscanf(line, "%299s", h) == 1 &&
			    strcasecmp(h, host) != 0)
				fputs(line, out);
		fclose(in);
	}
	if (duration > 0)
		fprintf(out, "%s %u %lld\n", host, port,
		    (long long)time(NULL) + duration);
	if (fclose(out) == 0)
		(void)rename(tmp, path);
}

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
	if (U.tls) {
		if (net_tls_begin(U.net, client_cert(), err,
		    sizeof(err)) == -1) {
			connect_failed(err);
			return;
		}
		handshake_cb(NULL, NULL, NULL);
		return;
	}
	link_up();
}

/* The link carries IRC now: read it, tick, register. */
static void
link_up(void)
{
	const char *v = net_tls_describe(U.net);

	U.in_id = XtAppAddInput(U.app, net_fd(U.net),
	    (XtPointer)XtInputReadMask, input_cb, NULL);
	U.tick_timer = XtAppAddTimeOut(U.app, 1000, tick_cb, NULL);
	session_set_secure(U.sess, v != NULL);
	if (v != NULL)
		session_note(U.sess, 0, "Encrypted with %s", v);
	session_connected(U.sess);
	ui_flush();
}

/* The handshake done: is the certificate one to trust? */
static void
tls_check(void)
{
	char fp[65], why[256], hostport[300];

	snprintf(hostport, sizeof(hostport), "%s:%s", U.host, U.port);
	if (net_tls_peer(U.net, fp, why, sizeof(why)) == 1 ||
	    (!U.sts_strict && known_cert(hostport, fp))) {
		link_up();
		return;
	}
	stop_io();
	net_close(U.net);
	if (U.sts_strict) {
		/* sts: a certificate that does not verify is never asked */
		session_closed(U.sess, 1, "");
		session_note(U.sess, 0, "%s asks for TLS (sts), but its "
		    "certificate is not valid: %s. Not connecting.", hostport,
		    why);
		ui_update_state();
		ui_flush();
		return;
	}
	session_closed(U.sess, 1, "");
	session_note(U.sess, 0, "The certificate of %s is not trusted (%s); "
	    "its SHA-256 fingerprint is %s", hostport, why, fp);
	snprintf(U.cert_fp, sizeof(U.cert_fp), "%s", fp);
	ui_update_state();
	ui_flush();
	ui_ask_certificate(hostport, why, fp);
}

static void
handshake_cb(XtPointer cd, int *source, XtInputId *id)
{
	char err[256];
	int rc, ww;

	(void)cd;
	(void)source;
	if (id != NULL) {
		XtRemoveInput(*id);
		U.in_id = 0;
	}
	rc = net_tls_handshake(U.net, &ww, err, sizeof(err));
	if (rc == 0) {
		U.in_id = XtAppAddInput(U.app, net_fd(U.net), (XtPointer)(ww ?
		    XtInputWriteMask : XtInputReadMask), handshake_cb, NULL);
		return;
	}
	if (rc == -1) {
		connect_failed(err);
		return;
	}
	tls_check();
}

void
ui_certificate_answer(int accept)
{
	char hostport[300], server[320], nick[NICK_MAX + 1];

	snprintf(hostport, sizeof(hostport), "%s:%s", U.host, U.port);
	if (!accept || U.cert_fp[0] == '\0') {
		session_note(U.sess, 0, "Not connected: the certificate of %s "
		    "was not accepted.", hostport);
		ui_flush();
		return;
	}
	remember_cert(hostport, U.cert_fp);
	session_note(U.sess, 0, "The certificate %s is remembered for %s.",
	    U.cert_fp, hostport);
	U.cert_fp[0] = '\0';
	snprintf(server, sizeof(server), "%s", session_server(U.sess));
	snprintf(nick, sizeof(nick), "%s", session_nick(U.sess));
	ui_connect_to(server, nick);
}

/* The server's sts policy ("PORT DURATION"): on plain text, go to its TLS
 * port now; over TLS, keep it (or forget it, duration 0). */
static void
sts_cb(XtPointer cd, XtIntervalId *id)
{
	char server[320], nick[NICK_MAX + 1];

	(void)cd;
	(void)id;
	U.sts_timer = 0;
	snprintf(server, sizeof(server), "%s", session_server(U.sess));
	snprintf(nick, sizeof(nick), "%s", session_nick(U.sess));
	stop_io();
	net_close(U.net);
	session_closed(U.sess, 1, "");
	ui_connect_to(server, nick);
}

void
ui_sts(const char *policy)
{
	long port = 0, duration = -1;

	if (sscanf(policy, "%ld %ld", &port, &duration) < 1)
		return;
	if (U.tls) {
		if (duration >= 0)
			sts_keep(U.host, (unsigned)atoi(U.port), duration);
		return;
	}
	if (port <= 0 || port > 65535 || U.sts_timer)
		return;
	session_note(U.sess, 0, "%s asks for TLS on port %ld (sts): "
	    "reconnecting there.", U.host, port);
	U.sts_port = (unsigned)port;
	/* not from inside the session's input: from the loop */
	U.sts_timer = XtAppAddTimeOut(U.app, 0, sts_cb, NULL);
}

/* The client certificate of this connection (a saved network's, or the
 * -cert option's), "" none. */
static const char *
client_cert(void)
{
	if (U.net_on)
		return U.net_cert;
	return U.res.client_cert != NULL ? U.res.client_cert : "";
}

static int
have_cert(void)
{
	return client_cert()[0] != '\0';
}

static const char *
account(void)
{
	if (U.net_on)
		return U.net_account;
	return U.res.account != NULL ? U.res.account : "";
}

void
ui_connect_to(const char *server, const char *nick)
{
	char err[256], spec[320];
	const char *hostpart = server;
	unsigned sts = 0;

	if (U.reconnect_timer)
		XtRemoveTimeOut(U.reconnect_timer);
	U.reconnect_timer = 0;
	stop_io();
	net_close(U.net);
	U.nick_rejected = 0;
	session_set_alternates(U.sess, U.net_on ? U.net_alternates : "");
	session_connecting(U.sess, server, nick, U.net_on && U.net_rooms[0] ?
	    U.net_rooms : U.res.room ? U.res.room : "#lobby");
	/* ircs://host[:port] is TLS (6697 by default); irc:// plain text */
	U.tls = 0;
	if (strncasecmp(server, "ircs://", 7) == 0) {
		U.tls = 1;
		hostpart = server + 7;
	} else if (strncasecmp(server, "irc://", 6) == 0)
		hostpart = server + 6;
	if (net_split(hostpart, U.host, sizeof(U.host), U.port,
	    sizeof(U.port), err, sizeof(err)) == -1) {
		session_connect_failed(U.sess, err);
		ui_flush();
		return;
	}
	if (strchr(hostpart, ':') == NULL || (hostpart[0] == '[' &&
	    strstr(hostpart, "]:") == NULL))
		snprintf(U.port, sizeof(U.port), "%s", U.tls ? "6697" : "6667");
	/* an sts upgrade now, or a policy kept from an earlier visit */
	U.sts_strict = 0;
	if (U.sts_port != 0 || (!U.tls && (sts = sts_policy(U.host)) != 0)) {
		if (U.sts_port == 0 && !U.tls)
			session_note(U.sess, 0, "%s wants TLS (sts): connecting "
			    "to port %u with TLS.", U.host, sts);
		snprintf(U.port, sizeof(U.port), "%u", U.sts_port ? U.sts_port :
		    sts);
		U.tls = U.sts_strict = 1;
	}
	U.sts_port = 0;
	snprintf(spec, sizeof(spec), strchr(U.host, ':') ? "[%s]:%s" :
	    "%s:%s", U.host, U.port);
	session_set_login(U.sess, !U.pw[0] && !have_cert() ? "" :
	    account()[0] != '\0' ? account() : nick, U.pw, have_cert());
	if (net_start(U.net, spec, err, sizeof(err)) == -1) {
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
	/* the quick path: a saved network's extras hold only while the
	 * Server field still names it */
	if (U.net_on && strcmp(server, U.net_server) != 0)
		U.net_on = 0;
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
