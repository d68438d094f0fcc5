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
		session_note(U.L->sess, 0, "Cannot remember the certificate: %s",
		    strerror(errno));
		return;
	}
	fprintf(fh, "%s %s\n", hostport, fp);
	if (fclose(fh) != 0)
		session_note(U.L->sess, 0, "Cannot remember the certificate: %s",
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
	if (U.L->out_id == 0 && net_state(U.L->net) == NET_UP)
		U.L->out_id = XtAppAddInput(U.app, net_fd(U.L->net),
		    (XtPointer)XtInputWriteMask, output_cb, U.L);
}

/*
 * U.L is the link being served: a callback of a link's own (its socket,
 * its timers, its session) makes it U.L for as long as it runs; outside
 * them U.L is the link shown.
 */
static struct link *
serve(void *l)
{
	struct link *was = U.L;

	U.L = l;
	return was;
}

/* The end of an Xt callback of a link: back to the link shown (which the
 * callback may have changed). */
static void
served(void)
{
	U.L = U.shown;
}

static void
host_send(void *ud, const char *p, size_t n)
{
	struct link *was = serve(ud);

	if (net_state(U.L->net) == NET_UP) {
		if (net_queue(U.L->net, p, n) == -1)
			ui_disconnect(0, "too much unsent output");
		else
			want_output();
	}
	U.L = was;
}

static void
host_event(void *ud, const struct session_event *ev)
{
	struct link *was = serve(ud);

	ui_event(ev);
	U.L = was;
}

static void
host_close(void *ud, const char *why)
{
	struct link *was = serve(ud);

	ui_disconnect(why == NULL, why);
	U.L = was;
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
	(void)id;
	serve(cd);
	U.L->tick_timer = XtAppAddTimeOut(U.app, 1000, tick_cb, U.L);
	session_tick(U.L->sess);
	ui_flush();
	served();
}

/* A new link, idle, with the window's settings; NULL when there are as
 * many as keochat holds, or no memory. */
struct link *
ui_link_new(void)
{
	struct link *l;

	if (U.nlinks >= UI_LINKS_MAX || (l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	if ((l->sess = session_new(&host, l)) == NULL ||
	    (l->net = net_new()) == NULL) {
		session_free(l->sess);
		free(l);
		return NULL;
	}
	session_set_hidden(l->sess, U.nlinks > 0);	/* the first is shown */
	session_set_send_typing(l->sess, U.res.send_typing);
	session_set_show_joins(l->sess, U.res.show_joins);
	session_set_fold_joins(l->sess, U.res.fold_joins);
	session_set_auto_away(l->sess, U.res.auto_away, U.res.away_message);
	model_set_scrollback(session_model(l->sess), U.res.scrollback > 0 ?
	    (size_t)U.res.scrollback : 0);
	U.links[U.nlinks++] = l;
	return l;
}

/* Everything of l but its tabs' widgets (ui_window.c's business). */
void
ui_link_free(struct link *l)
{
	XtIntervalId *t[] = { &l->tick_timer, &l->reconnect_timer,
	    &l->resolve_timer, &l->sts_timer, &l->pump_timer };
	size_t k;
	int i;

	for (k = 0; k < sizeof(t) / sizeof(t[0]); k++)
		if (*t[k])
			XtRemoveTimeOut(*t[k]);
	if (l->in_id)
		XtRemoveInput(l->in_id);
	if (l->out_id)
		XtRemoveInput(l->out_id);
	net_free(l->net);
	session_free(l->sess);
	for (i = 0; i < U.nlinks; i++)
		if (U.links[i] == l) {
			memmove(&U.links[i], &U.links[i + 1],
			    (size_t)(U.nlinks - i - 1) * sizeof(U.links[0]));
			U.nlinks--;
			break;
		}
	if (U.paste_link == l)
		U.paste_link = NULL;
	if (U.search_link == l)
		U.search_link = NULL;
	if (U.list_link == l)
		U.list_link = NULL;
	free(l);
}

void
ui_net_init(void)
{
	U.L = U.shown = ui_link_new();
	if (U.L == NULL)
		abort();	/* no memory at start: nothing to go on with */
}

void
ui_net_shutdown(void)
{
	if (U.dump_timer)
		XtRemoveTimeOut(U.dump_timer);
	U.dump_timer = 0;
	while (U.nlinks > 0)
		ui_link_free(U.links[U.nlinks - 1]);
	U.L = U.shown = NULL;
}

/* --- connecting ------------------------------------------------------------------ */

static void
stop_io(void)
{
	if (U.L->in_id)
		XtRemoveInput(U.L->in_id);
	if (U.L->out_id)
		XtRemoveInput(U.L->out_id);
	U.L->in_id = U.L->out_id = 0;
	if (U.L->resolve_timer)
		XtRemoveTimeOut(U.L->resolve_timer);
	U.L->resolve_timer = 0;
	if (U.L->tick_timer)
		XtRemoveTimeOut(U.L->tick_timer);
	U.L->tick_timer = 0;
}

static void reconnect_cb(XtPointer, XtIntervalId *);

static void
schedule_reconnect(void)
{
	int d = session_reconnect_delay(U.L->sess);

	if (d < 0)
		return;
	session_note(U.L->sess, model_active(session_model(U.L->sess)),
	    "Reconnecting to %s in %d s ...", session_server(U.L->sess),
	    d / 1000);
	U.L->reconnect_timer = XtAppAddTimeOut(U.app, (unsigned long)d,
	    reconnect_cb, U.L);
	ui_update_state();
}

static void
connect_failed(const char *why)
{
	stop_io();
	net_close(U.L->net);
	session_connect_failed(U.L->sess, why);
	schedule_reconnect();
	ui_flush();
}

static void
start_watching(void)
{
	U.L->in_id = XtAppAddInput(U.app, net_fd(U.L->net),
	    (XtPointer)XtInputWriteMask, connect_done_cb, U.L);
}

static void
resolve_cb(XtPointer cd, XtIntervalId *id)
{
	char err[256];
	int rc;

	(void)id;
	serve(cd);
	U.L->resolve_timer = 0;
	rc = net_resolve_poll(U.L->net, err, sizeof(err));
	if (rc == 0)
		U.L->resolve_timer = XtAppAddTimeOut(U.app, RESOLVE_POLL_MS,
		    resolve_cb, U.L);
	else if (rc == -1)
		connect_failed(err);
	else
		start_watching();
	served();
}

static void
connect_done_cb(XtPointer cd, int *source, XtInputId *id)
{
	char err[256];
	int rc;

	(void)source;
	serve(cd);
	/* XtRemoveInput frees the record *source points into: read first */
	XtRemoveInput(*id);
	U.L->in_id = 0;
	rc = net_connect_done(U.L->net, err, sizeof(err));
	if (rc == 0)			/* next address */
		start_watching();
	else if (rc == -1)
		connect_failed(err);
	else if (!U.L->tls)
		link_up();
	else if (net_tls_begin(U.L->net, client_cert(), err,
	    sizeof(err)) == -1)
		connect_failed(err);
	else
		handshake_cb(U.L, NULL, NULL);
	served();
}

/* The link carries IRC now: read it, tick, register. */
static void
link_up(void)
{
	const char *v = net_tls_describe(U.L->net);

	U.L->in_id = XtAppAddInput(U.app, net_fd(U.L->net),
	    (XtPointer)XtInputReadMask, input_cb, U.L);
	U.L->tick_timer = XtAppAddTimeOut(U.app, 1000, tick_cb, U.L);
	session_set_secure(U.L->sess, v != NULL);
	if (v != NULL)
		session_note(U.L->sess, 0, "Encrypted with %s", v);
	session_connected(U.L->sess);
	ui_flush();
}

/* The handshake done: is the certificate one to trust? */
static void
tls_check(void)
{
	char fp[65], why[256], hostport[300];

	snprintf(hostport, sizeof(hostport), "%s:%s", U.L->host, U.L->port);
	if (net_tls_peer(U.L->net, fp, why, sizeof(why)) == 1 ||
	    (!U.L->sts_strict && known_cert(hostport, fp))) {
		link_up();
		return;
	}
	stop_io();
	net_close(U.L->net);
	if (U.L->sts_strict) {
		/* sts: a certificate that does not verify is never asked */
		session_closed(U.L->sess, 1, "");
		session_note(U.L->sess, 0, "%s asks for TLS (sts), but its "
		    "certificate is not valid: %s. Not connecting.", hostport,
		    why);
		ui_update_state();
		ui_flush();
		return;
	}
	session_closed(U.L->sess, 1, "");
	session_note(U.L->sess, 0, "The certificate of %s is not trusted (%s); "
	    "its SHA-256 fingerprint is %s", hostport, why, fp);
	snprintf(U.L->cert_fp, sizeof(U.L->cert_fp), "%s", fp);
	ui_update_state();
	ui_flush();
	ui_ask_certificate(hostport, why, fp);
}

static void
handshake_cb(XtPointer cd, int *source, XtInputId *id)
{
	char err[256];
	int rc, ww;

	(void)source;
	serve(cd);
	if (id != NULL) {
		XtRemoveInput(*id);
		U.L->in_id = 0;
	}
	rc = net_tls_handshake(U.L->net, &ww, err, sizeof(err));
	if (rc == 0)
		U.L->in_id = XtAppAddInput(U.app, net_fd(U.L->net),
		    (XtPointer)(ww ? XtInputWriteMask : XtInputReadMask),
		    handshake_cb, U.L);
	else if (rc == -1)
		connect_failed(err);
	else
		tls_check();
	served();
}

void
ui_certificate_answer(int accept)
{
	char hostport[300], server[320], nick[NICK_MAX + 1];

	snprintf(hostport, sizeof(hostport), "%s:%s", U.L->host, U.L->port);
	if (!accept || U.L->cert_fp[0] == '\0') {
		session_note(U.L->sess, 0, "Not connected: the certificate of %s "
		    "was not accepted.", hostport);
		ui_flush();
		return;
	}
	remember_cert(hostport, U.L->cert_fp);
	session_note(U.L->sess, 0, "The certificate %s is remembered for %s.",
	    U.L->cert_fp, hostport);
	U.L->cert_fp[0] = '\0';
	snprintf(server, sizeof(server), "%s", session_server(U.L->sess));
	snprintf(nick, sizeof(nick), "%s", session_nick(U.L->sess));
	ui_connect_to(server, nick);
}

/* The server's sts policy ("PORT DURATION"): on plain text, go to its TLS
 * port now; over TLS, keep it (or forget it, duration 0). */
static void
sts_cb(XtPointer cd, XtIntervalId *id)
{
	char server[320], nick[NICK_MAX + 1];

	(void)id;
	serve(cd);
	U.L->sts_timer = 0;
	snprintf(server, sizeof(server), "%s", session_server(U.L->sess));
	snprintf(nick, sizeof(nick), "%s", session_nick(U.L->sess));
	stop_io();
	net_close(U.L->net);
	session_closed(U.L->sess, 1, "");
	ui_connect_to(server, nick);
	served();
}

void
ui_sts(const char *policy)
{
	long port = 0, duration = -1;

	if (sscanf(policy, "%ld %ld", &port, &duration) < 1)
		return;
	if (U.L->tls) {
		if (duration >= 0)
			sts_keep(U.L->host, (unsigned)atoi(U.L->port), duration);
		return;
	}
	if (port <= 0 || port > 65535 || U.L->sts_timer)
		return;
	session_note(U.L->sess, 0, "%s asks for TLS on port %ld (sts): "
	    "reconnecting there.", U.L->host, port);
	U.L->sts_port = (unsigned)port;
	/* not from inside the session's input: from the loop */
	U.L->sts_timer = XtAppAddTimeOut(U.app, 0, sts_cb, U.L);
}

/* The client certificate of this connection (a saved network's, or the
 * -cert option's), "" none. */
static const char *
client_cert(void)
{
	if (U.L->net_on)
		return U.L->net_cert;
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
	if (U.L->net_on)
		return U.L->net_account;
	return U.res.account != NULL ? U.res.account : "";
}

void
ui_connect_to(const char *server, const char *nick)
{
	char err[256], spec[320];
	const char *hostpart = server;
	unsigned sts = 0;

	if (U.L->reconnect_timer)
		XtRemoveTimeOut(U.L->reconnect_timer);
	U.L->reconnect_timer = 0;
	stop_io();
	net_close(U.L->net);
	U.L->nick_rejected = 0;
	session_set_alternates(U.L->sess, U.L->net_on ? U.L->net_alternates : "");
	session_set_notify(U.L->sess, !(U.L->net_on && U.L->net_quiet),
	    U.L->net_on ? U.L->net_quiet_tabs : "");
	session_connecting(U.L->sess, server, nick, U.L->net_on && U.L->net_rooms[0] ?
	    U.L->net_rooms : U.res.room ? U.res.room : "#lobby");
	/* ircs://host[:port] is TLS (6697 by default); irc:// plain text */
	U.L->tls = 0;
	if (strncasecmp(server, "ircs://", 7) == 0) {
		U.L->tls = 1;
		hostpart = server + 7;
	} else if (strncasecmp(server, "irc://", 6) == 0)
		hostpart = server + 6;
	if (net_split(hostpart, U.L->host, sizeof(U.L->host), U.L->port,
	    sizeof(U.L->port), err, sizeof(err)) == -1) {
		session_connect_failed(U.L->sess, err);
		ui_flush();
		return;
	}
	if (strchr(hostpart, ':') == NULL || (hostpart[0] == '[' &&
	    strstr(hostpart, "]:") == NULL))
		snprintf(U.L->port, sizeof(U.L->port), "%s", U.L->tls ? "6697" : "6667");
	/* an sts upgrade now, or a policy kept from an earlier visit */
	U.L->sts_strict = 0;
	if (U.L->sts_port != 0 || (!U.L->tls && (sts = sts_policy(U.L->host)) != 0)) {
		if (U.L->sts_port == 0 && !U.L->tls)
			session_note(U.L->sess, 0, "%s wants TLS (sts): connecting "
			    "to port %u with TLS.", U.L->host, sts);
		snprintf(U.L->port, sizeof(U.L->port), "%u", U.L->sts_port ? U.L->sts_port :
		    sts);
		U.L->tls = U.L->sts_strict = 1;
	}
	U.L->sts_port = 0;
	snprintf(spec, sizeof(spec), strchr(U.L->host, ':') ? "[%s]:%s" :
	    "%s:%s", U.L->host, U.L->port);
	/* a saved network's server tab says its name when there are
	 * several (else the server's, as the session names it) */
	snprintf(U.L->name, sizeof(U.L->name), "%s", U.L->net_on ?
	    U.L->net_name : "");
	ui_link_named();
	session_set_login(U.L->sess, !U.L->pw[0] && !have_cert() ? "" :
	    account()[0] != '\0' ? account() : nick, U.L->pw, have_cert());
	if (net_start(U.L->net, spec, err, sizeof(err)) == -1) {
		session_connect_failed(U.L->sess, err);
		ui_flush();
		return;
	}
	U.L->resolve_timer = XtAppAddTimeOut(U.app, RESOLVE_POLL_MS, resolve_cb,
	    U.L);
	ui_flush();
}

static void
reconnect_cb(XtPointer cd, XtIntervalId *id)
{
	char server[256], nick[NICK_MAX + 1];

	(void)id;
	serve(cd);
	U.L->reconnect_timer = 0;
	snprintf(server, sizeof(server), "%s", session_server(U.L->sess));
	snprintf(nick, sizeof(nick), "%s", session_nick(U.L->sess));
	ui_connect_to(server, nick);
	served();
}

void
ui_disconnect(int by_user, const char *why)
{
	char err[128];

	if (U.L->reconnect_timer) {
		XtRemoveTimeOut(U.L->reconnect_timer);
		U.L->reconnect_timer = 0;
		if (session_state(U.L->sess) == SS_DISCONNECTED) {
			session_note(U.L->sess, model_active(session_model(
			    U.L->sess)), "Reconnecting cancelled");
			ui_update_state();
			ui_flush();
			return;
		}
	}
	if (session_state(U.L->sess) == SS_DISCONNECTED)
		return;
	if (by_user && net_state(U.L->net) == NET_UP) {
		/* say goodbye if the socket takes it right away */
		if (!net_pending(U.L->net))
			net_queue(U.L->net, "QUIT :Leaving\r\n", 15);
		(void)net_flush(U.L->net, err, sizeof(err));
	}
	stop_io();
	net_close(U.L->net);
	U.L->nick_rejected = 0;
	session_closed(U.L->sess, by_user, why ? why : "closed");
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

	(void)source;
	(void)id;
	serve(cd);
	n = net_read(U.L->net, buf, sizeof(buf), err, sizeof(err));
	if (n == 0)
		ui_disconnect(0, "the server closed the connection");
	else if (n < 0 && n != -2)
		ui_disconnect(0, err);
	else if (n > 0) {
		session_input(U.L->sess, buf, (size_t)n);
		ui_flush();
	}
	served();
}

static void
output_cb(XtPointer cd, int *source, XtInputId *id)
{
	char err[256];
	int rc;

	(void)source;
	serve(cd);
	rc = net_flush(U.L->net, err, sizeof(err));
	if (rc != 1) {
		XtRemoveInput(*id);
		U.L->out_id = 0;
		if (rc == -1)
			ui_disconnect(0, err);
	}
	served();
}

/* --- what the window asks for ----------------------------------------------------- */

void
ui_connect_clicked(void)
{
	char *server, *nick;

	nick = XmTextFieldGetString(U.user);
	if (U.L->nick_rejected && session_state(U.L->sess) == SS_REGISTERING) {
		if (nick_check(nick, NICK_MAX) != NAME_OK)
			session_note(U.L->sess, 0, "'%s' is not a valid name: %s",
			    nick, name_strerror(nick_check(nick, NICK_MAX)));
		else {
			U.L->nick_rejected = 0;
			session_retry_nick(U.L->sess, nick);
			ui_update_state();
		}
		XtFree(nick);
		ui_flush();
		return;
	}
	if (session_state(U.L->sess) != SS_DISCONNECTED || U.L->reconnect_timer) {
		XtFree(nick);
		ui_disconnect(1, NULL);
		return;
	}
	server = XmTextFieldGetString(U.server);
	/* the quick path: a saved network's extras hold only while the
	 * Server field still names it */
	if (U.L->net_on && strcmp(server, U.L->net_server) != 0)
		U.L->net_on = 0;
	if (nick_check(nick, NICK_MAX) != NAME_OK)
		session_note(U.L->sess, model_active(session_model(U.L->sess)),
		    "Type a username first: %s%s%s", *nick ? "'" : "", nick,
		    *nick ? "' is not valid (letters, digits and []\\`_^{|}- "
		    "only, not starting with a digit)" : "the field is empty");
	else {
		snprintf(U.L->pw, sizeof(U.L->pw), "%s", U.pw);
		ui_connect_to(server, nick);
	}
	XtFree(server);
	XtFree(nick);
	ui_flush();
}

void
ui_entry_activated(const char *text)
{
	struct model *m = session_model(U.L->sess);

	session_command(U.L->sess, model_active(m), text);
	ui_flush();
}
