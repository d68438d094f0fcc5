/*
 * ui_networks.c -- the Networks dialog (Server -> Networks...): the saved
 * networks of netconf.h in a list, one network's settings in fields, New,
 * Save, Delete, Connect and Close; and at start, the network marked
 * "connect at start".  The file and its checks are netconf's; this only
 * draws them and reads the fields back.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <Xm/Form.h>
#include <Xm/Label.h>
#include <Xm/List.h>
#include <Xm/PushB.h>
#include <Xm/TextF.h>
#include <Xm/ToggleB.h>

#include "netconf.h"
#include "ui_priv.h"

enum field {
	F_NAME, F_HOST, F_PORT, F_NICK, F_ALTERNATES, F_ACCOUNT, F_PASSWORD,
	F_CERT, F_ROOMS, F_QUIET_TABS, F_COUNT
};

static const char *const field_names[F_COUNT] = {
	"netName", "netHost", "netPort", "netNick", "netAlternates",
	"netAccount", "netPassword", "netCert", "netRooms", "netQuietTabs",
};

static struct {
	Widget		 dialog, list, status;
	Widget		 field[F_COUNT];
	Widget		 tls, at_start, quiet;
	Widget		 b_new, b_save, b_delete, b_connect, b_close;
	struct netconf	 nc;
	int		 loaded;
	int		 selected;	/* index in nc, -1 a new one */
	char		 pw[UI_SECRET_MAX];	/* the password field's text */
	char		 path[600];
} N;

static void
status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
status(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ui_set_label(N.status, buf);
	ui_dump_soon();
}

/* Read the file (once, or again after a failed read); errors go to the
 * status line and, at start, to the server tab. */
static int
load(int note)
{
	struct netconf_errs e;
	int rc, i;

	if (N.loaded)
		return 0;
	memset(&e, 0, sizeof(e));
	if (netconf_path("networks", 0, N.path, sizeof(N.path)) == -1) {
		N.nc.n = 0;
		if (note)
			session_note(U.L->sess, 0, "No place for saved networks: "
			    "neither XDG_CONFIG_HOME nor HOME is set");
		return -1;
	}
	rc = netconf_load(&N.nc, N.path, &e);
	N.loaded = rc != -1;
	for (i = 0; note && i < e.n; i++)
		session_note(U.L->sess, 0, "%s%s%s", rc == -1 ? "" : N.path,
		    rc == -1 ? "" : ", ", e.msg[i]);
	if (note && e.total > e.n)
		session_note(U.L->sess, 0, "%s: %d more errors", N.path,
		    e.total - e.n);
	if (note && rc > 0)
		session_note(U.L->sess, 0, "%s: what these lines said is left at "
		    "its default; saving from the Networks dialog writes the "
		    "file anew", N.path);
	return rc;
}

static void
fill_list(void)
{
	XmString xs;
	int i;

	XmListDeleteAllItems(N.list);
	for (i = 0; i < N.nc.n; i++) {
		xs = XmStringCreateLocalized(N.nc.net[i].name);
		XmListAddItemUnselected(N.list, xs, 0);
		XmStringFree(xs);
	}
}

static void
set_field(enum field f, const char *text)
{
	if (f == F_PASSWORD)
		N.pw[0] = '\0';		/* the callback keeps the real text */
	XmTextFieldSetString(N.field[f], (char *)text);
}

/* Network k (or -1: empty fields) into the fields. */
static void
show(int k)
{
	static const struct netconf_net empty;
	const struct netconf_net *n = k >= 0 ? &N.nc.net[k] : &empty;
	char port[16];

	N.selected = k;
	set_field(F_NAME, n->name);
	set_field(F_HOST, n->host);
	if (n->port)
		snprintf(port, sizeof(port), "%u", n->port);
	else
		port[0] = '\0';
	set_field(F_PORT, port);
	if (n->nick[0] != '\0')
		set_field(F_NICK, n->nick);
	else {
		char *t = XmTextFieldGetString(U.user);	/* the name in use */
		set_field(F_NICK, t);
		XtFree(t);
	}
	set_field(F_ALTERNATES, n->alternates);
	set_field(F_ACCOUNT, n->account);
	set_field(F_PASSWORD, n->password);
	set_field(F_CERT, n->client_cert);
	set_field(F_ROOMS, n->rooms);
	set_field(F_QUIET_TABS, n->quiet_tabs);
	XmToggleButtonSetState(N.tls, n->tls, False);
	XmToggleButtonSetState(N.quiet, n->quiet, False);
	XmToggleButtonSetState(N.at_start, n->connect_at_start, False);
	XtSetSensitive(N.b_delete, k >= 0);
	if (k >= 0)
		XmListSelectPos(N.list, k + 1, False);
	else
		XmListDeselectAllItems(N.list);
}

static void
get_text(enum field f, char *out, size_t outsz)
{
	char *t = XmTextFieldGetString(N.field[f]);
	char *p = t, *end;

	while (*p == ' ')
		p++;
	end = p + strlen(p);
	while (end > p && end[-1] == ' ')
		*--end = '\0';
	snprintf(out, outsz, "%s", p);
	XtFree(t);
}

/* The fields as a network: 0, or -1 with the reason in the status. */
static int
read_fields(struct netconf_net *n)
{
	char port[32], why[256], *end;
	unsigned long p;

	memset(n, 0, sizeof(*n));
	get_text(F_NAME, n->name, sizeof(n->name));
	get_text(F_HOST, n->host, sizeof(n->host));
	get_text(F_PORT, port, sizeof(port));
	get_text(F_NICK, n->nick, sizeof(n->nick));
	get_text(F_ALTERNATES, n->alternates, sizeof(n->alternates));
	get_text(F_ACCOUNT, n->account, sizeof(n->account));
	snprintf(n->password, sizeof(n->password), "%s", N.pw);
	get_text(F_CERT, n->client_cert, sizeof(n->client_cert));
	get_text(F_ROOMS, n->rooms, sizeof(n->rooms));
	get_text(F_QUIET_TABS, n->quiet_tabs, sizeof(n->quiet_tabs));
	n->tls = XmToggleButtonGetState(N.tls) != False;
	n->quiet = XmToggleButtonGetState(N.quiet) != False;
	n->connect_at_start = XmToggleButtonGetState(N.at_start) != False;
	if (port[0] != '\0') {
		p = strtoul(port, &end, 10);
		if (*end != '\0' || p == 0 || p > 65535) {
			status("The port is a number from 1 to 65535 (or empty: "
			    "6697 with TLS, else 6667)");
			return -1;
		}
		n->port = (unsigned)p;
	}
	if (netconf_check(n, why, sizeof(why)) == -1) {
		status("%s", why);
		return -1;
	}
	return 0;
}

static int
save(void)
{
	char err[300];

	if (netconf_path("networks", 1, N.path, sizeof(N.path)) == -1) {
		status("Cannot save: neither XDG_CONFIG_HOME nor HOME is set");
		return -1;
	}
	if (netconf_save(&N.nc, N.path, err, sizeof(err)) == -1) {
		status("Not saved: %s", err);
		return -1;
	}
	N.loaded = 1;
	return 0;
}

static void
save_cb(Widget w, XtPointer cd, XtPointer call)
{
	struct netconf_net n;
	int k, other;

	(void)w;
	(void)cd;
	(void)call;
	if (read_fields(&n) == -1)
		return;
	other = netconf_find(&N.nc, n.name);
	if (other != -1 && other != N.selected) {
		status("There is a network called %s already: pick it to "
		    "change it, or give this one another name", n.name);
		return;
	}
	if ((k = N.selected) < 0) {
		if (N.nc.n >= NETCONF_MAX) {
			status("%d networks are saved already: delete one "
			    "first", NETCONF_MAX);
			return;
		}
		k = N.nc.n++;
	}
	N.nc.net[k] = n;
	if (save() == -1) {
		if (N.selected < 0)
			N.nc.n--;
		N.loaded = 0;	/* read again what the file holds */
		return;
	}
	fill_list();
	show(k);
	status("Saved %s in %s", n.name, N.path);
}

static void
new_cb(Widget w, XtPointer cd, XtPointer call)
{
	(void)w;
	(void)cd;
	(void)call;
	show(-1);
	status("A new network: fill in its name, host and nick, then Save");
	XmProcessTraversal(N.field[F_NAME], XmTRAVERSE_CURRENT);
}

static void
delete_cb(Widget w, XtPointer cd, XtPointer call)
{
	char name[NETCONF_NAME_MAX + 1];
	struct netconf_net gone;
	int k = N.selected;

	(void)w;
	(void)cd;
	(void)call;
	if (k < 0 || k >= N.nc.n)
		return;
	gone = N.nc.net[k];
	snprintf(name, sizeof(name), "%s", gone.name);
	memmove(&N.nc.net[k], &N.nc.net[k + 1], (size_t)(N.nc.n - k - 1) *
	    sizeof(N.nc.net[0]));
	N.nc.n--;
	if (save() == -1) {
		memmove(&N.nc.net[k + 1], &N.nc.net[k], (size_t)(N.nc.n - k) *
		    sizeof(N.nc.net[0]));
		N.nc.net[k] = gone;
		N.nc.n++;
		return;
	}
	fill_list();
	show(N.nc.n > 0 ? (k < N.nc.n ? k : N.nc.n - 1) : -1);
	status("Deleted %s", name);
}

static void
pick_cb(Widget w, XtPointer cd, XtPointer call)
{
	XmListCallbackStruct *l = call;

	(void)w;
	(void)cd;
	if (l->item_position >= 1 && l->item_position <= N.nc.n)
		show(l->item_position - 1);
	ui_dump_soon();
}

/* Is link l free for another server: not connected nor about to be,
 * and no room tabs of its own? */
static int
idle(const struct link *l)
{
	return session_state(l->sess) == SS_DISCONNECTED &&
	    l->reconnect_timer == 0 && model_count(session_model(l->sess)) <= 1;
}

/*
 * Connect to n, on the link already on n (connecting it anew), or on the
 * link shown when it is idle, or on a new one: several networks at once,
 * each with its own tabs.  The top row shows it; the rest is kept for
 * the link.
 */
static int
connect_net(const struct netconf_net *n)
{
	struct link *l = NULL;
	int k;

	for (k = 0; k < U.nlinks && l == NULL; k++)
		if (U.links[k]->net_on && strcmp(U.links[k]->net_name,
		    n->name) == 0)
			l = U.links[k];
	if (l == NULL && idle(U.shown))
		l = U.shown;
	if (l == NULL && (l = ui_link_open()) == NULL)
		return -1;
	if (l != U.shown) {
		U.L = l;
		ui_select_room(model_active(session_model(l->sess)));
	}
	if (session_state(U.L->sess) != SS_DISCONNECTED || U.L->reconnect_timer)
		ui_disconnect(1, NULL);
	snprintf(U.L->net_name, sizeof(U.L->net_name), "%s", n->name);
	netconf_server(n, U.L->net_server, sizeof(U.L->net_server));
	snprintf(U.L->net_rooms, sizeof(U.L->net_rooms), "%s", n->rooms);
	snprintf(U.L->net_alternates, sizeof(U.L->net_alternates), "%s",
	    n->alternates);
	snprintf(U.L->net_account, sizeof(U.L->net_account), "%s", n->account);
	snprintf(U.L->net_cert, sizeof(U.L->net_cert), "%s", n->client_cert);
	U.L->net_quiet = n->quiet;
	snprintf(U.L->net_quiet_tabs, sizeof(U.L->net_quiet_tabs), "%s",
	    n->quiet_tabs);
	U.L->net_on = 1;
	XmTextFieldSetString(U.server, U.L->net_server);
	XmTextFieldSetString(U.user, (char *)n->nick);
	XmTextFieldSetString(U.password, "");
	U.pw[0] = '\0';
	XmTextFieldSetString(U.password, (char *)n->password);
	snprintf(U.L->pw, sizeof(U.L->pw), "%s", n->password);
	session_note(U.L->sess, 0, "Network %s", n->name);
	ui_connect_to(U.L->net_server, n->nick);
	return 0;
}

int
ui_network_connect(int k)
{
	if (k < 0 || k >= N.nc.n)
		return -1;
	return connect_net(&N.nc.net[k]);
}

static void
connect_cb(Widget w, XtPointer cd, XtPointer call)
{
	struct netconf_net n;

	(void)w;
	(void)cd;
	(void)call;
	if (read_fields(&n) == -1)
		return;
	XtUnmanageChild(N.dialog);
	connect_net(&n);
	ui_dump_soon();
}

static void
close_cb(Widget w, XtPointer cd, XtPointer call)
{
	(void)w;
	(void)cd;
	(void)call;
	XtUnmanageChild(N.dialog);
	ui_dump_soon();
}

/* [list] | Name   [          ]
 *        | Host   [          ]
 *        | ...
 *        | [x] TLS  [x] Connect at start
 * status
 * [New] [Save] [Delete] [Connect] [Close] */
static void
build(void)
{
	Widget above = NULL, lbl, sw, widest = NULL;
	Dimension w, most = 0;
	Arg args[6];
	int n = 0, f;
	char lname[32];

	N.dialog = XmCreateFormDialog(U.top, "networksDialog", NULL, 0);
	XtVaSetValues(XtParent(N.dialog), XmNtitle, "Networks", NULL);
	XtVaSetValues(N.dialog, XmNautoUnmanage, False, NULL);
	N.b_new = ui_form_button(N.dialog, "netNew", NULL, 0, 8, 6,
	    new_cb);
	N.b_save = ui_form_button(N.dialog, "netSave", N.b_new, 0, 8, 6,
	    save_cb);
	N.b_delete = ui_form_button(N.dialog, "netDelete", N.b_save, 0, 8, 6,
	    delete_cb);
	N.b_connect = ui_form_button(N.dialog, "netConnect", N.b_delete, 0, 8, 6,
	    connect_cb);
	N.b_close = ui_form_button(N.dialog, "netClose", N.b_connect, 0, 8, 6,
	    close_cb);
	N.status = XtVaCreateManagedWidget("netStatus", xmLabelWidgetClass,
	    N.dialog, XmNalignment, XmALIGNMENT_BEGINNING,
	    XmNleftAttachment, XmATTACH_FORM, XmNleftOffset, 8,
	    XmNrightAttachment, XmATTACH_FORM, XmNrightOffset, 8,
	    XmNbottomAttachment, XmATTACH_WIDGET, XmNbottomWidget, N.b_new,
	    XmNbottomOffset, 6, NULL);
	XtSetArg(args[n], XmNselectionPolicy, XmBROWSE_SELECT); n++;
	XtSetArg(args[n], XmNvisibleItemCount, 12); n++;
	XtSetArg(args[n], XmNscrollBarDisplayPolicy, XmAS_NEEDED); n++;
	XtSetArg(args[n], XmNlistSizePolicy, XmCONSTANT); n++;
	XtSetArg(args[n], XmNwidth, 150); n++;
	N.list = XmCreateScrolledList(N.dialog, "networksList", args, n);
	sw = XtParent(N.list);
	XtVaSetValues(sw, XmNleftAttachment, XmATTACH_FORM, XmNleftOffset, 8,
	    XmNtopAttachment, XmATTACH_FORM, XmNtopOffset, 8,
	    XmNbottomAttachment, XmATTACH_WIDGET, XmNbottomWidget, N.status,
	    XmNbottomOffset, 6, NULL);
	XtAddCallback(N.list, XmNbrowseSelectionCallback, pick_cb, NULL);
	XtAddCallback(N.list, XmNdefaultActionCallback, connect_cb, NULL);
	XtManageChild(N.list);
	/* the labels in a column right of the list, the fields right of
	 * the widest label */
	for (f = 0; f < F_COUNT; f++) {
		snprintf(lname, sizeof(lname), "%sLabel", field_names[f]);
		lbl = XtVaCreateManagedWidget(lname, xmLabelWidgetClass,
		    N.dialog, XmNalignment, XmALIGNMENT_BEGINNING,
		    XmNleftAttachment, XmATTACH_WIDGET, XmNleftWidget, sw,
		    XmNleftOffset, 10, NULL);
		N.field[f] = XtVaCreateManagedWidget(field_names[f],
		    xmTextFieldWidgetClass, N.dialog, XmNcolumns, 30,
		    XmNrightAttachment, XmATTACH_FORM, XmNrightOffset, 8,
		    XmNtopAttachment, above ? XmATTACH_WIDGET : XmATTACH_FORM,
		    XmNtopWidget, above, XmNtopOffset, above ? 4 : 8, NULL);
		XtVaSetValues(lbl, XmNtopAttachment, XmATTACH_OPPOSITE_WIDGET,
		    XmNtopWidget, N.field[f], XmNbottomAttachment,
		    XmATTACH_OPPOSITE_WIDGET, XmNbottomWidget, N.field[f],
		    NULL);
		XtVaGetValues(lbl, XmNwidth, &w, NULL);
		if (w > most) {
			most = w;
			widest = lbl;
		}
		ui_edit_keys(N.field[f]);
		above = N.field[f];
	}
	for (f = 0; f < F_COUNT; f++)
		XtVaSetValues(N.field[f], XmNleftAttachment, XmATTACH_WIDGET,
		    XmNleftWidget, widest, XmNleftOffset, 6, NULL);
	XtAddCallback(N.field[F_PASSWORD], XmNmodifyVerifyCallback,
	    ui_secret_modify_cb, N.pw);
	N.tls = XtVaCreateManagedWidget("netTls", xmToggleButtonWidgetClass,
	    N.dialog, XmNleftAttachment, XmATTACH_OPPOSITE_WIDGET,
	    XmNleftWidget, N.field[0], XmNtopAttachment, XmATTACH_WIDGET,
	    XmNtopWidget, above, XmNtopOffset, 4, NULL);
	N.at_start = XtVaCreateManagedWidget("netAtStart",
	    xmToggleButtonWidgetClass, N.dialog, XmNleftAttachment,
	    XmATTACH_WIDGET, XmNleftWidget, N.tls, XmNleftOffset, 12,
	    XmNtopAttachment, XmATTACH_OPPOSITE_WIDGET, XmNtopWidget, N.tls,
	    NULL);
	N.quiet = XtVaCreateManagedWidget("netQuiet",
	    xmToggleButtonWidgetClass, N.dialog, XmNleftAttachment,
	    XmATTACH_WIDGET, XmNleftWidget, N.at_start, XmNleftOffset, 12,
	    XmNtopAttachment, XmATTACH_OPPOSITE_WIDGET, XmNtopWidget, N.tls,
	    XmNrightAttachment, XmATTACH_FORM, XmNrightOffset, 8, NULL);
	/* the column of fields sets the dialog's height */
	XtVaSetValues(N.tls, XmNbottomAttachment, XmATTACH_WIDGET,
	    XmNbottomWidget, N.status, XmNbottomOffset, 6, NULL);
	XtVaSetValues(N.dialog, XmNcancelButton, N.b_close, XmNdefaultButton,
	    N.b_save, NULL);
}

void
ui_networks_open(void)
{
	int rc;

	if (N.dialog == NULL)
		build();
	rc = load(0);
	fill_list();
	XtManageChild(N.dialog);
	show(N.nc.n > 0 ? 0 : -1);
	if (rc == -1)
		status("Cannot read the saved networks (see the server tab)");
	else if (rc > 0)
		status("%d damaged lines in %s (see the server tab): saving "
		    "writes it anew", rc, N.path);
	else
		status(N.nc.n ? "Pick a network, or New" : "No saved networks "
		    "yet: fill in one and Save");
	XmProcessTraversal(N.nc.n ? N.list : N.field[F_NAME],
	    XmTRAVERSE_CURRENT);
}

void
ui_networks_at_start(void)
{
	struct link *first = NULL;
	int k;

	if (load(1) < 0 || U.res.auto_connect)
		return;		/* -connect: the command line's server */

	/* every network marked so, each on its own link; the first shown */
	for (k = 0; k < N.nc.n; k++)
		if (N.nc.net[k].connect_at_start &&
		    ui_network_connect(k) == 0 && first == NULL)
			first = U.shown;
	if (first != NULL && first != U.shown) {
		U.L = first;
		ui_select_room(0);
	}
}

void
ui_networks_dump(FILE *f, int windows)
{
	char *s;
	int i;

	if (N.dialog == NULL || !XtIsManaged(N.dialog)) {
		if (!windows)
			fprintf(f, "networksdialog=0\n");
		return;
	}
	if (windows) {
		for (i = 0; i < F_COUNT; i++)
			fprintf(f, "%s=%lu\n", field_names[i],
			    XtWindow(N.field[i]));
		fprintf(f, "netTls=%lu\nnetAtStart=%lu\nnetNew=%lu\n"
		    "netSave=%lu\nnetDelete=%lu\nnetConnect=%lu\n"
		    "netClose=%lu\nnetworksList=%lu\nnetQuiet=%lu\n",
		    XtWindow(N.tls),
		    XtWindow(N.at_start), XtWindow(N.b_new),
		    XtWindow(N.b_save), XtWindow(N.b_delete),
		    XtWindow(N.b_connect), XtWindow(N.b_close),
		    XtWindow(N.list), XtWindow(N.quiet));
		return;
	}
	fprintf(f, "networksdialog=1\nnetworks=");
	ui_put_items(f, N.list, "|");
	fprintf(f, "\nnetselected=%d\nnetstatus=", N.selected);
	s = ui_label_text(N.status);
	fprintf(f, "%s\n", s);
	XtFree(s);
}
