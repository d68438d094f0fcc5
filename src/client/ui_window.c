/*
 * ui_window.c -- the KEO Chat window: widgets, tabs, rendering of session
 * events, menus and dialogs, keyboard actions.
 *
 * Layout (an XmForm inside an XmMainWindow with a menu bar):
 *   Server: [server] Username: [user] [Connect]
 *   [ tabs: one page per room, each a read-only XmText ] [Users (N)]
 *   [                                                  ] [roster   ]
 *   [entry .................................................... ]
 *   status line
 * Each tab's lines are drawn by a chat view of keochat's own (chatview.c:
 * Xft, fallback fonts, colours, wrapping, selection), once per burst of
 * input.
 */
#include <errno.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <X11/Xatom.h>
#include <X11/Xutil.h>
#include <Xm/CascadeB.h>
#include <Xm/FileSB.h>
#include <Xm/Form.h>
#include <Xm/Label.h>
#include <Xm/List.h>
#include <Xm/MainW.h>
#include <Xm/MessageB.h>
#include <Xm/Notebook.h>
#include <Xm/Protocols.h>
#include <Xm/PushB.h>
#include <Xm/RowColumn.h>
#include <Xm/ScrollBar.h>
#include <Xm/ScrolledW.h>
#include <Xm/SeparatoG.h>
#include <Xm/Text.h>
#include <Xm/TextF.h>
#include <Xm/ToggleB.h>

#include "chatview.h"
#include "netconf.h"
#include "notify.h"
#include "ui_priv.h"
#include "valid.h"

#define ROSTER_AT	80	/* the user list starts at 80 % of the width */
#define MIN_WIDTH	680	/* the window's smallest size: the top row */
#define MIN_HEIGHT	400
#define TAB_CHARS	16	/* a tab's label: longer names are cut */

static void page_changed_cb(Widget, XtPointer, XtPointer);
static void search_show(void);
static void topic_cb(Widget, XtPointer, XtPointer);

/* --- small helpers ------------------------------------------------------------ */

void
ui_put_items(FILE *f, Widget list, const char *sep)
{
	XmString *items;
	int i, count;
	char *s;

	XtVaGetValues(list, XmNitemCount, &count, XmNitems, &items, NULL);
	for (i = 0; i < count; i++) {
		s = XmStringUnparse(items[i], NULL, XmCHARSET_TEXT,
		    XmCHARSET_TEXT, NULL, 0, XmOUTPUT_ALL);
		fprintf(f, "%s%s", i ? sep : "", s != NULL ? s : "");
		XtFree(s);
	}
}

char *
ui_label_text(Widget w)
{
	XmString xs = NULL;
	char *s;

	XtVaGetValues(w, XmNlabelString, &xs, NULL);
	s = xs != NULL ? XmStringUnparse(xs, NULL, XmCHARSET_TEXT,
	    XmCHARSET_TEXT, NULL, 0, XmOUTPUT_ALL) : NULL;
	XmStringFree(xs);
	return s != NULL ? s : XtNewString("");
}

void
ui_set_label(Widget w, const char *text)
{
	XmString xs = XmStringCreateLocalized((char *)text);

	XtVaSetValues(w, XmNlabelString, xs, NULL);
	XmStringFree(xs);
}

/* The title is UTF-8: say so in WM_NAME's type, and set _NET_WM_NAME for
 * window managers that read only that. */
static void
set_title(const char *title)
{
	Display *d = XtDisplay(U.top);
	Atom utf8 = XInternAtom(d, "UTF8_STRING", False);

	XtVaSetValues(U.top, XmNtitle, title, XmNtitleEncoding, utf8,
	    XmNiconName, title, XmNiconNameEncoding, utf8, NULL);
	if (XtIsRealized(U.top))
		XChangeProperty(d, XtWindow(U.top),
		    XInternAtom(d, "_NET_WM_NAME", False), utf8, 8,
		    PropModeReplace, (const unsigned char *)title,
		    (int)strlen(title));
}

/* Characters (not bytes) in a UTF-8 string of n bytes. */
static long
utf8_chars(const char *s, size_t n)
{
	long c = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			c++;
	return c;
}

/* --- tabs --------------------------------------------------------------------- */

static void
tab_label(int i)
{
	struct room_view v;
	char buf[128];

	char name[TAB_CHARS * 4 + 4];
	size_t k = 0;
	int c = 0;

	model_view(session_model(U.L->sess), i, &v);
	/* several servers: each server tab says which */
	if (i == 0 && U.nlinks > 1 && U.L->name[0] != '\0')
		v.name = U.L->name;
	/* all tabs are as wide as the widest: cut long names */
	while (v.name[k] != '\0' && c < TAB_CHARS)
		for (c++, k++; ((unsigned char)v.name[k] & 0xc0) == 0x80; k++)
			;
	snprintf(name, sizeof(name), "%.*s%s", (int)k, v.name,
	    v.name[k] != '\0' ? "\u2026" : "");
	/* a muted tab: its name in parentheses, marked only by mentions */
	if (v.unread > 0 && (!v.muted || v.highlight))
		snprintf(buf, sizeof(buf), "%s%s%s%s (%d)", v.highlight ? "! " :
		    "", v.muted ? "(" : "", name, v.muted ? ")" : "", v.unread);
	else
		snprintf(buf, sizeof(buf), "%s%s%s", v.muted ? "(" : "", name,
		    v.muted ? ")" : "");
	/* only when it changes: every new label is a redraw of the tab, and
	 * a busy room would queue one per line */
	if (strcmp(U.L->tabs[i].label, buf) == 0)
		return;
	snprintf(U.L->tabs[i].label, sizeof(U.L->tabs[i].label), "%s", buf);
	ui_set_label(U.L->tabs[i].tab, buf);
}

/* The user scrolled a tab's view to its top: older lines, please. */
static void
top_reached(struct chatview *cv, void *ud)
{
	struct link *was = U.L;
	int i;

	U.L = ud;
	for (i = 0; i < U.L->ntabs; i++)
		if (U.L->tabs[i].cv == cv)
			session_fetch_older(U.L->sess, i);
	U.L = was;
}

/* A question with OK and Cancel (no Help); cb gets 1 for OK, NULL for
 * Cancel as its client data. */
static Widget
question_dialog(const char *name, XtCallbackProc cb)
{
	Widget d = XmCreateQuestionDialog(U.top, (char *)name, NULL, 0);

	XtUnmanageChild(XmMessageBoxGetChild(d, XmDIALOG_HELP_BUTTON));
	XtAddCallback(d, XmNokCallback, cb, (XtPointer)1);
	XtAddCallback(d, XmNcancelCallback, cb, NULL);
	return d;
}

/* The X time of a key event, for selections (else the last one seen). */
static Time
event_time(Widget w, const XEvent *ev)
{
	return ev != NULL && (ev->type == KeyPress || ev->type == KeyRelease) ?
	    ev->xkey.time : XtLastTimestampProcessed(XtDisplay(w));
}

/* Open a link with xdg-open, in a grandchild so no zombie is left and
 * the window never waits for the browser; no shell sees the link. */
static void
open_link(const char *url)
{
	char link[URL_MAX + 16];
	pid_t pid, grand;
	int status;

	snprintf(link, sizeof(link), "%s%s", strncasecmp(url, "www.", 4) == 0 ?
	    "http://" : "", url);
	if ((pid = fork()) == -1) {
		session_note(U.L->sess, model_active(session_model(U.L->sess)),
		    "Cannot open %s: %s", link, strerror(errno));
		return;
	}
	if (pid == 0) {
		if ((grand = fork()) == 0) {
			execlp("xdg-open", "xdg-open", link, (char *)NULL);
			_exit(127);
		}
		_exit(grand == -1 ? 1 : 0);
	}
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	session_note(U.L->sess, model_active(session_model(U.L->sess)), "Opening %s",
	    link);
	ui_flush();
}

static void
link_answer_cb(Widget w, XtPointer cd, XtPointer call)
{
	(void)w;
	(void)call;
	if (cd != NULL && U.link != NULL)
		open_link(U.link);
	free(U.link);
	U.link = NULL;
}

/* A link was clicked: a web page opens; anything else is asked about. */
static void
link_clicked(struct chatview *cv, const char *url, void *ud)
{
	char q[URL_MAX + 128];
	XmString xs;

	(void)cv;
	(void)ud;
	if (model_url_is_web(url)) {
		open_link(url);
		return;
	}
	free(U.link);
	if ((U.link = strdup(url)) == NULL)
		return;
	if (U.link_dialog == NULL)
		U.link_dialog = question_dialog("linkDialog", link_answer_cb);
	snprintf(q, sizeof(q), "Open this link with the program your desktop "
	    "uses for it?\n\n%.200s", url);
	xs = XmStringCreateLocalized(q);
	XtVaSetValues(U.link_dialog, XmNmessageString, xs, NULL);
	XmStringFree(xs);
	XtManageChild(U.link_dialog);
	ui_dump_soon();
}

static void
view_changed(struct chatview *cv, void *ud)
{
	(void)cv;
	(void)ud;
	ui_dump_soon();
}

/* The page of tab i of link l: the links' tabs follow one another in
 * the notebook, each link's server tab first. */
static int
page_of(const struct link *l, int i)
{
	int k, n = 0;

	for (k = 0; k < U.nlinks && U.links[k] != l; k++)
		n += U.links[k]->ntabs;
	return n + i + 1;
}

/* The link, and its tab *i, on a page; NULL for none. */
static struct link *
link_of_page(int page, int *i)
{
	int k, n = page - 1;

	for (k = 0; k < U.nlinks && n >= 0; k++) {
		if (n < U.links[k]->ntabs) {
			*i = n;
			return U.links[k];
		}
		n -= U.links[k]->ntabs;
	}
	return NULL;
}

/* The tabs in all: the notebook's pages. */
static int
tab_total(void)
{
	int k, n = 0;

	for (k = 0; k < U.nlinks; k++)
		n += U.links[k]->ntabs;
	return n;
}

/* Every tab on its page (a link's tabs came or went, so the ones after
 * them moved), and the tab in view shown again. */
static void
renumber(void)
{
	int k, i, page = 1, total = tab_total(), a;
	struct tabw *t;

	XtVaSetValues(U.notebook, XmNlastPageNumber, total > 0 ? total : 1,
	    NULL);
	for (k = 0; k < U.nlinks; k++)
		for (i = 0; i < U.links[k]->ntabs; i++, page++) {
			t = &U.links[k]->tabs[i];
			if (t->page_no == page)
				continue;
			t->page_no = page;
			XtVaSetValues(t->page, XmNpageNumber, page, NULL);
			XtVaSetValues(t->tab, XmNpageNumber, page, NULL);
		}
	if (U.shown == NULL || U.shown->ntabs == 0)
		return;
	a = model_active(session_model(U.shown->sess));
	U.selecting = 1;
	XtVaSetValues(U.notebook, XmNcurrentPageNumber, page_of(U.shown,
	    a >= 0 && a < U.shown->ntabs ? a : 0), NULL);
	U.selecting = 0;
}

static void
tab_add(void)
{
	struct tabw *t = &U.L->tabs[U.L->ntabs];
	char name[16];
	int page = tab_total() + 1;
	Arg args[2];

	snprintf(name, sizeof(name), "tab%d", page - 1);
	XtSetArg(args[0], XmNchildType, XmPAGE);
	XtSetArg(args[1], XmNpageNumber, page);
	t->cv = cv_create(U.notebook, "chat", args, 2);
	if (t->cv == NULL)
		abort();	/* no memory for a tab: nothing to go on with */
	t->page = cv_widget(t->cv);
	cv_on_top(t->cv, top_reached, U.L);
	cv_on_change(t->cv, view_changed, NULL);
	cv_on_url(t->cv, link_clicked, NULL);
	t->tab = XtVaCreateManagedWidget(name, xmPushButtonWidgetClass,
	    U.notebook, XmNchildType, XmMAJOR_TAB, XmNpageNumber, page,
	    XmNtraversalOn, False, NULL);
	t->page_no = page;
	t->dirty = 0;
	t->label[0] = '\0';
	U.L->ntabs++;
}

static void
tab_remove(int i)
{
	struct tabw *t = &U.L->tabs[i];

	cv_destroy(t->cv);
	XtDestroyWidget(t->tab);
	memmove(&U.L->tabs[i], &U.L->tabs[i + 1],
	    (size_t)(U.L->ntabs - i - 1) * sizeof(U.L->tabs[0]));
	U.L->ntabs--;
	memset(&U.L->tabs[U.L->ntabs], 0, sizeof(U.L->tabs[0]));
}

/* Make the widgets match the model's rooms (opened, closed, renamed). */
static void
tabs_sync(void)
{
	struct model *m = session_model(U.L->sess);
	int n = model_count(m), i, moved = 0;

	while (U.L->ntabs > n) {
		tab_remove(U.L->ntabs - 1);	/* closes are rare: redo texts */
		moved = 1;
	}
	while (U.L->ntabs < n) {
		tab_add();
		moved = 1;
	}
	if (moved)
		renumber();
	for (i = 0; i < n; i++)
		tab_label(i);
}

/* The server tabs say which server when there are several. */
void
ui_link_named(void)
{
	struct link *was = U.L;
	int k;

	for (k = 0; k < U.nlinks; k++) {
		U.L = U.links[k];
		if (U.L->ntabs > 0)
			tab_label(0);
	}
	U.L = was;
}

/* Show the top row of the link shown: its server, name and password. */
static void
top_row_sync(void)
{
	const char *srv = U.L->net_on ? U.L->net_server :
	    session_server(U.L->sess);
	const char *nick = U.L->last_nick[0] ? U.L->last_nick :
	    session_nick(U.L->sess);

	XmTextFieldSetString(U.server, (char *)srv);
	if (nick[0] != '\0')
		XmTextFieldSetString(U.user, (char *)nick);
	XmTextFieldSetString(U.password, "");
	U.pw[0] = '\0';
	XmTextFieldSetString(U.password, U.L->pw);
}

/* A new link (Connection > New Server Tab, a second saved network): its
 * server tab, in view.  NULL when keochat holds as many as it can. */
struct link *
ui_link_open(void)
{
	struct link *l = ui_link_new();

	if (l == NULL) {
		session_note(U.L->sess, model_active(session_model(U.L->sess)),
		    "Cannot open another server tab: %d are open (close one "
		    "with Ctrl+W on its server tab)", U.nlinks);
		ui_flush();
		return NULL;
	}
	ui_flush();
	U.L = l;
	tabs_sync();
	ui_link_named();
	ui_select_room(0);
	return l;
}

/* Close link l (its server tab's Ctrl+W, when there are others): QUIT,
 * its tabs go, the tab before it comes into view. */
void
ui_link_close(struct link *l)
{
	int k, at = 0;

	if (U.nlinks < 2)
		return;
	for (k = 0; k < U.nlinks; k++)
		if (U.links[k] == l)
			at = k;
	U.L = l;
	ui_disconnect(1, NULL);
	while (l->ntabs > 0)
		tab_remove(l->ntabs - 1);
	ui_link_free(l);
	U.L = U.links[at > 0 ? at - 1 : 0];
	U.shown = NULL;		/* so ui_select_room brings U.L into view */
	renumber();
	ui_link_named();
	ui_select_room(model_active(session_model(U.L->sess)));
}

static int order_room;

/* Roster order: the rank of the highest prefix, then the name. */
static int
by_rank(const void *a, const void *b)
{
	struct model *m = session_model(U.L->sess);
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	const char *px = model_roster_prefix(m, order_room, x);
	const char *py = model_roster_prefix(m, order_room, y);
	static const char ranks[] = "~&@%+";
	const char *rx = px[0] ? strchr(ranks, px[0]) : NULL;
	const char *ry = py[0] ? strchr(ranks, py[0]) : NULL;
	int kx = rx ? (int)(rx - ranks) : 9, ky = ry ? (int)(ry - ranks) : 9;

	if (kx != ky)
		return kx - ky;
	return x < y ? -1 : x > y;	/* the model sorts by name */
}

static void
render_roster(void)
{
	struct model *m = session_model(U.L->sess);
	int a = model_active(m);
	size_t k, n = model_roster_count(m, a);
	XmString *items = NULL;
	struct room_view v;
	char buf[64];

	XmListDeleteAllItems(U.roster);
	model_view(m, a, &v);
	if (v.kind == ROOM_QUERY) {	/* the two of you */
		XmString two[2];
		two[0] = XmStringCreateLocalized((char *)v.name);
		two[1] = XmStringCreateLocalized((char *)session_nick(U.L->sess));
		XmListAddItemsUnselected(U.roster, two, 2, 0);
		XmStringFree(two[0]);
		XmStringFree(two[1]);
		ui_set_label(U.users_label, "Private (2)");
		return;
	}
	free(U.order);
	U.order = NULL;
	U.norder = 0;
	if (n > 0 && (items = calloc(n, sizeof(*items))) != NULL &&
	    (U.order = calloc(n, sizeof(*U.order))) != NULL) {
		/* operators first, then voiced, then the rest, by name */
		for (k = 0; k < n; k++)
			U.order[k] = k;
		order_room = a;
		qsort(U.order, n, sizeof(*U.order), by_rank);
		U.norder = n;
		for (k = 0; k < n; k++) {	/* "@bob": the highest prefix */
			size_t j = U.order[k];
			const char *nick = model_roster_nick(m, a, j);
			char one[80];
			snprintf(one, sizeof(one), "%.1s%s",
			    model_roster_prefix(m, a, j), nick);
			/* away (away-notify): greyed */
			items[k] = XmStringGenerate(one, NULL, XmCHARSET_TEXT,
			    model_is_away(m, nick) ? "away" : NULL);
		}
		XmListAddItemsUnselected(U.roster, items, (int)n, 0);
		for (k = 0; k < n; k++)
			XmStringFree(items[k]);
	}
	free(items);
	snprintf(buf, sizeof(buf), "Users (%zu)", n);
	ui_set_label(U.users_label, buf);
}

/*
 * Re-fill tab i's view from the model (tabs moved or closed, or history
 * came).  above < 0 shows the newest line; else above lines were added
 * before the old first one, and the view stays on what it showed.
 */
static void
retext_keep(int i, long above)
{
	struct model *m = session_model(U.L->sess);
	struct tabw *t = &U.L->tabs[i];
	size_t k, n = model_lines(m, i), top = cv_top_line(t->cv);
	struct line_meta meta;

	cv_clear(t->cv);
	for (k = 0; k < n; k++) {
		if (!model_line_meta(m, i, k, &meta)) {
			meta.flags = 0;
			meta.fmt = NULL;
		}
		cv_append(t->cv, model_line(m, i, k), meta.flags,
		    U.res.show_colours ? meta.fmt : NULL);
	}
	t->dirty = 0;
	if (above < 0)
		cv_scroll_end(t->cv);
	else
		cv_keep_view(t->cv, (size_t)above, top, 0);
}

static void
retext(int i)
{
	retext_keep(i, -1);
}

/* Show line k of tab i, a few lines below the top, selected. */
static void
show_line(int i, long k)
{
	struct tabw *t = &U.L->tabs[i];

	if (k >= 0)
		cv_show_line(t->cv, (size_t)k, XtLastTimestampProcessed(
		    XtDisplay(U.top)));
}

/* Show tab i of U.L (the link comes into view with it). */
void
ui_select_room(int i)
{
	if (i < 0 || i >= U.L->ntabs)
		return;
	if (U.shown != U.L) {	/* another server's tabs */
		if (U.shown != NULL)
			session_set_hidden(U.shown->sess, 1);
		session_set_hidden(U.L->sess, 0);
		U.shown = U.L;
		top_row_sync();
	}
	session_select(U.L->sess, i);
	U.selecting = 1;
	XtVaSetValues(U.notebook, XmNcurrentPageNumber, page_of(U.L, i), NULL);
	U.selecting = 0;
	tab_label(i);
	render_roster();
	ui_topic_sync();
	ui_update_state();
	ui_dump_soon();
}

static void
page_changed_cb(Widget w, XtPointer cd, XtPointer call)
{
	XmNotebookCallbackStruct *cbs = call;
	struct link *l;
	int i;

	(void)w;
	(void)cd;
	if (U.selecting || cbs == NULL ||
	    (l = link_of_page(cbs->page_number, &i)) == NULL)
		return;
	U.L = l;
	ui_select_room(i);
	XmProcessTraversal(U.entry, XmTRAVERSE_CURRENT);
}

/* --- lines ---------------------------------------------------------------------- */

/* A live line for tab i: drawn at the next flush.  A view at its end
 * stays at the end; one scrolled up to read stays where it is. */
static void
pend_add(int i, const char *text)
{
	struct model *m = session_model(U.L->sess);
	struct tabw *t = &U.L->tabs[i];
	struct line_meta meta;
	size_t n = model_lines(m, i);

	if (n == 0 || !model_line_meta(m, i, n - 1, &meta)) {
		meta.flags = 0;
		meta.fmt = NULL;
	}
	/* the formatting is the model's line's: only for that very text */
	if (n == 0 || strcmp(model_line(m, i, n - 1), text) != 0)
		meta.fmt = NULL;
	if (!t->dirty)
		t->stick = cv_at_bottom(t->cv);
	t->dirty = 1;
	cv_append(t->cv, text, meta.flags, U.res.show_colours ? meta.fmt :
	    NULL);
}

static void
flush_tab(struct tabw *t)
{
	if (!t->dirty)
		return;
	t->dirty = 0;
	if (t->stick)
		cv_scroll_end(t->cv);
	else
		cv_flush(t->cv);
}

void
ui_flush(void)
{
	int i, k;

	for (k = 0; k < U.nlinks; k++)
		for (i = 0; i < U.links[k]->ntabs; i++)
			flush_tab(&U.links[k]->tabs[i]);
}

static void
log_line(int room, const char *text)
{
	struct room_view v;

	if (U.log == NULL)
		return;
	model_view(session_model(U.L->sess), room, &v);
	if (strcmp(U.log_room, v.name) != 0) {
		fprintf(U.log, "--- %s ---\n", v.name);
		snprintf(U.log_room, sizeof(U.log_room), "%s", v.name);
	}
	fprintf(U.log, "%s\n", text);
}

/* Ring the bell and ask for attention when a line mentions us and the
 * window does not have the focus. */
static void
attention(void)
{
	XWMHints *h;

	if (U.focused || !XtIsRealized(U.top))
		return;
	XBell(XtDisplay(U.top), 0);
	if ((h = XGetWMHints(XtDisplay(U.top), XtWindow(U.top))) == NULL &&
	    (h = XAllocWMHints()) == NULL)
		return;
	h->flags |= XUrgencyHint;
	XSetWMHints(XtDisplay(U.top), XtWindow(U.top), h);
	XFree(h);
}

/* A desktop notification for a mention or a private message, unless the
 * user is looking at that very tab in the focused window. */
static void
notify_line(int room, const char *text)
{
	struct model *m = session_model(U.L->sess);
	struct room_view v;
	const char *body = text;

	if (!U.res.notifications || text == NULL || (U.focused &&
	    U.L == U.shown && room == model_active(m)) ||
	    !session_notifies(U.L->sess, room))
		return;
	if (body[0] == '[' && (body = strstr(body, "] ")) != NULL)
		body += 2;	/* the time: the notification has its own */
	else
		body = text;
	model_view(m, room, &v);
	(void)notify_send(v.name, body);
}

static void
focus_handler(Widget w, XtPointer cd, XEvent *ev, Boolean *cont)
{
	XWMHints *h;

	(void)w;
	(void)cd;
	(void)cont;
	if (ev->type == FocusOut) {
		U.focused = 0;
		ui_dump_soon();
		return;
	}
	if (ev->type != FocusIn)
		return;
	U.focused = 1;
	ui_dump_soon();
	if ((h = XGetWMHints(XtDisplay(U.top), XtWindow(U.top))) != NULL) {
		if (h->flags & XUrgencyHint) {
			h->flags &= ~XUrgencyHint;
			XSetWMHints(XtDisplay(U.top), XtWindow(U.top), h);
		}
		XFree(h);
	}
}

void
ui_event(const struct session_event *ev)
{
	struct model *m = session_model(U.L->sess);

	switch (ev->type) {
	case SEV_LINE:
		tabs_sync();
		if (ev->room >= 0 && ev->room < U.L->ntabs) {
			pend_add(ev->room, ev->text);
			log_line(ev->room, ev->text);
			tab_label(ev->room);
		}
		break;
	case SEV_STS:
		ui_sts(ev->text);
		break;
	case SEV_HIGHLIGHT:
		attention();
		notify_line(ev->room, ev->text);
		break;
	case SEV_ROSTER:
		if (U.L == U.shown && ev->room == model_active(m)) {
			render_roster();
			ui_topic_sync();	/* an op may edit the topic */
			ui_update_state();	/* the status line counts users */
		}
		break;
	case SEV_ROOMS: {
		int before = U.L->ntabs, i;
		ui_flush();
		tabs_sync();
		ui_topic_sync();
		if (U.L->ntabs < before) {	/* a tab closed: texts moved */
			for (i = 0; i < U.L->ntabs; i++)
				retext(i);
			if (U.L == U.shown)
				ui_select_room(model_active(m));
		}
		break;
	}
	case SEV_ACTIVE:
		/* another server's tab comes into view only when asked for
		 * there (the session has selected it in its model) */
		tabs_sync();
		ui_flush();
		if (U.L == U.shown)
			ui_select_room(ev->room);
		break;
	case SEV_RELOAD:
		tabs_sync();
		if (ev->room >= 0 && ev->room < U.L->ntabs) {
			flush_tab(&U.L->tabs[ev->room]);
			retext_keep(ev->room, ev->line);
			tab_label(ev->room);
		}
		break;
	case SEV_JUMP:
		tabs_sync();
		if (ev->room >= 0 && ev->room < U.L->ntabs) {
			flush_tab(&U.L->tabs[ev->room]);
			if (model_active(m) != ev->room || U.L != U.shown)
				ui_select_room(ev->room);
			show_line(ev->room, ev->line);
		}
		break;
	case SEV_SEARCH:	/* a /search in view, or the dialog's */
		if (U.L == U.shown)
			U.search_link = U.L;
		if (U.L == U.search_link)
			search_show();
		break;
	case SEV_LIST:
		ui_rooms_show();
		break;
	case SEV_JOINED: {	/* for the Join dialog's recent rooms */
		static int said;
		char path[600], err[300];
		if (netconf_path("recent-rooms", 1, path, sizeof(path)) == -1)
			snprintf(err, sizeof(err), "no configuration directory "
			    "($XDG_CONFIG_HOME or $HOME)");
		else if (netconf_recent_add(path, ev->text, err,
		    sizeof(err)) == 0)
			break;
		if (!said++)	/* once: every join would say it again */
			session_note(U.L->sess, 0, "Cannot keep the rooms "
			    "joined lately: %s", err);
		break;
	}
	case SEV_LINE_CHANGED:
		if (ev->room >= 0 && ev->room < U.L->ntabs &&
		    model_lines(m, ev->room) > 0) {
			struct tabw *t = &U.L->tabs[ev->room];
			if (!t->dirty)
				t->stick = cv_at_bottom(t->cv);
			t->dirty = 1;
			cv_replace_last(t->cv, model_line(m, ev->room,
			    model_lines(m, ev->room) - 1));
			log_line(ev->room, ev->text);
		}
		break;
	case SEV_STATE: {
		enum session_state now = session_state(U.L->sess);
		ui_update_state();
		/* the Username field shows the name we have (name_ after a
		 * taken one, a /nick), so the next Connect asks for it */
		if (now == SS_CONNECTED && strcmp(U.L->last_nick,
		    session_nick(U.L->sess)) != 0) {
			snprintf(U.L->last_nick, sizeof(U.L->last_nick), "%s",
			    session_nick(U.L->sess));
			if (U.L == U.shown)
				XmTextFieldSetString(U.user, U.L->last_nick);
		}
		/* once connected, the keyboard belongs to the entry box */
		if (now == SS_CONNECTED && U.L->was != SS_CONNECTED &&
		    U.L == U.shown)
			XmProcessTraversal(U.entry, XmTRAVERSE_CURRENT);
		U.L->was = (int)now;
		break;
	}
	case SEV_NICK_REJECTED:
		U.L->nick_rejected = 1;
		ui_update_state();
		if (U.L == U.shown)
			XmProcessTraversal(U.user, XmTRAVERSE_CURRENT);
		break;
	}
	ui_dump_soon();
}

/* --- state: title, button, status line ------------------------------------------ */

static void update_state(void);

/* The title, the status line and the buttons say how the link shown
 * is, whichever link changed. */
void
ui_update_state(void)
{
	struct link *was = U.L;

	U.L = U.shown;
	update_state();
	U.L = was;
}

static void
update_state(void)
{
	struct model *m = session_model(U.L->sess);
	enum session_state st = session_state(U.L->sess);
	struct room_view v;
	char title[256], status[256];

	model_view(m, model_active(m), &v);
	switch (st) {
	case SS_CONNECTED:
		snprintf(title, sizeof(title), "KEO Chat \xe2\x80\x94 %s @ %s",
		    session_nick(U.L->sess), session_server(U.L->sess));
		if (v.kind == ROOM_CHANNEL)
			snprintf(status, sizeof(status), "Connected to %s as "
			    "%s \xe2\x80\x94 %zu %s in %s",
			    session_server(U.L->sess), session_nick(U.L->sess),
			    v.nusers, v.nusers == 1 ? "user" : "users", v.name);
		else
			snprintf(status, sizeof(status), "Connected to %s as %s",
			    session_server(U.L->sess), session_nick(U.L->sess));
		{	/* who is typing in the room in view */
			char typing[160];
			size_t n = strlen(status);
			if (session_typing_text(U.L->sess, model_active(m), typing,
			    sizeof(typing)) > 0 && n < sizeof(status))
				snprintf(status + n, sizeof(status) - n,
				    " \xc2\xb7 %s", typing);
		}
		break;
	case SS_CONNECTING:
	case SS_REGISTERING:
		snprintf(title, sizeof(title), "KEO Chat \xe2\x80\x94 connecting "
		    "to %s", session_server(U.L->sess));
		snprintf(status, sizeof(status), "%s %s ...", U.L->nick_rejected ?
		    "Choose another name for" : "Connecting to",
		    session_server(U.L->sess));
		break;
	default:
		snprintf(title, sizeof(title), "KEO Chat");
		snprintf(status, sizeof(status), "%s", U.L->reconnect_timer ?
		    "Not connected (reconnecting soon)" : "Not connected");
		break;
	}
	if (session_away(U.L->sess)) {
		size_t n = strlen(status);
		snprintf(status + n, sizeof(status) - n, " \xc2\xb7 away");
	}
	set_title(title);
	ui_set_label(U.status, status);
	XmToggleButtonSetState(U.m_away, session_away(U.L->sess), False);
	ui_set_label(U.connect, st == SS_DISCONNECTED || U.L->nick_rejected ?
	    "Connect" : "Disconnect");
	XtSetSensitive(U.m_connect, st == SS_DISCONNECTED || U.L->nick_rejected);
	XtSetSensitive(U.m_disconnect, st != SS_DISCONNECTED ||
	    U.L->reconnect_timer != 0);
	ui_dump_soon();
}

/* After the window is made (so the geometry resource is kept): the
 * smallest size its layout works at, for the window manager. */
void
ui_min_size(void)
{
	XtVaSetValues(U.top, XmNminWidth, MIN_WIDTH, XmNminHeight, MIN_HEIGHT,
	    NULL);
}

/* --- the test dump hook ---------------------------------------------------------- */

/* keochat-test links ui_testhooks.c, which defines this; keochat does not. */
extern void	ui_testhooks_dump_soon(void) __attribute__((weak));

void
ui_dump_soon(void)
{
	if (ui_testhooks_dump_soon != NULL)
		ui_testhooks_dump_soon();
}

/* --- input -------------------------------------------------------------------- */

static void paste_lines(XtPointer, XtIntervalId *);

#define ENTRY_ROWS_MAX	5	/* the entry grows to this many lines */

/* The entry as tall as its lines (Shift+Return), up to ENTRY_ROWS_MAX. */
static void
entry_rows(void)
{
	char *text = XmTextGetString(U.entry), *p;
	short rows = 1, now = 0;

	for (p = text; (p = strchr(p, '\n')) != NULL && rows < ENTRY_ROWS_MAX;
	    p++)
		rows++;
	XtFree(text);
	XtVaGetValues(U.entry, XmNrows, &now, NULL);
	if (rows != now)
		XtVaSetValues(U.entry, XmNrows, rows, NULL);
}

/* Return: the line typed goes; several (Shift+Return made them) go as
 * one message each, asked about first when there are many, paced. */
static void
entry_cb(Widget w, XtPointer cd, XtPointer call)
{
	char *text = XmTextGetString(U.entry);

	(void)w;
	(void)cd;
	(void)call;
	U.completing = 0;
	if (strchr(text, '\n') != NULL) {
		free(U.paste_text);
		U.paste_text = strdup(text);
		XtFree(text);
		if (U.paste_text != NULL)
			paste_lines(NULL, NULL);	/* empties the entry */
		return;
	}
	XmTextSetString(U.entry, "");
	ui_entry_activated(text);
	XtFree(text);
}

/* Shift+Return: a new line in the entry, which grows to show it. */
static void
newline_action(Widget w, XEvent *ev, String *params, Cardinal *np)
{
	XmTextPosition at = XmTextGetInsertionPosition(w);

	(void)ev;
	(void)params;
	(void)np;
	U.formatting = 1;	/* the one control byte typed, let through */
	XmTextInsert(w, at, "\n");
	XmTextSetInsertionPosition(w, at + 1);
	U.formatting = 0;
	entry_rows();
}

static void
history_action(Widget w, XEvent *ev, String *params, Cardinal *np)
{
	struct model *m = session_model(U.L->sess);
	int prev = *np > 0 && strcmp(params[0], "prev") == 0;
	char *now = XmTextGetString(w);
	const char *s;

	/* lines being written (Shift+Return): Up and Down move among them */
	if (strchr(now, '\n') != NULL) {
		XtFree(now);
		XtCallActionProc(w, prev ? "previous-line" : "next-line", ev,
		    NULL, 0);
		return;
	}
	XtFree(now);
	s = model_history_step(m, model_active(m), prev ? -1 : 1);
	XmTextSetString(w, (char *)s);
	XmTextSetInsertionPosition(w, XmTextGetLastPosition(w));
}

/* Tab: complete the word before the cursor from the room's roster;
 * pressing it again cycles through the matches (model_complete_text). */
static void
complete_action(Widget w, XEvent *ev, String *params, Cardinal *np)
{
	struct model *m = session_model(U.L->sess);
	char *text = XmTextGetString(w), buf[1024];
	XmTextPosition cur = XmTextGetInsertionPosition(w);
	size_t bytes = 0, newcur, k;
	long chars = 0;

	(void)ev;
	(void)params;
	(void)np;
	/* the field counts characters; the model counts bytes */
	for (k = 0; text[k] != '\0' && chars < (long)cur; chars++)
		for (k++; ((unsigned char)text[k] & 0xc0) == 0x80; k++)
			;
	bytes = k;
	if (!U.completing)
		U.complete.active = 0;
	if (model_complete_text(m, model_active(m), &U.complete, text, bytes,
	    buf, sizeof(buf), &newcur)) {
		XmTextSetString(w, buf);	/* resets completing */
		XmTextSetInsertionPosition(w, utf8_chars(buf, newcur));
		U.completing = 1;
	} else
		XBell(XtDisplay(w), 0);
	XtFree(text);
}

/* --- keys, the clipboard, pasting ------------------------------------------------ */

/* Ctrl+C: the field's selection to the CLIPBOARD; with none there, the
 * selected text of the chat in view (the chat never has the keyboard). */
static void
copy_action(Widget w, XEvent *ev, String *params, Cardinal *np)
{
	Time t = event_time(w, ev);
	struct model *m = session_model(U.L->sess);
	int a = model_active(m);
	char *sel;

	if ((XmIsTextField(w) || XmIsText(w)) &&
	    (sel = XmTextGetSelection(w)) != NULL) {
		/* ours, not XmTextFieldCopy: Motif's clipboard library leaks
		 * with every program that asks it for the text */
		cv_own_clipboard(w, w == U.password ? "" : sel, t);
		XtFree(sel);
		if (params != NULL && *np > 0 && strcmp(params[0], "cut") == 0)
			XmTextRemove(w);
		return;
	}
	if (a >= 0 && a < U.L->ntabs)
		cv_copy(U.L->tabs[a].cv, t);
}

/* The next tab after page p (of all servers' tabs) with activity,
 * mentions first; 0 for none. */
static int
next_activity(int p)
{
	int total = tab_total(), k, g, i, best = 0, want;
	struct link *l;
	struct room_view v;

	for (want = 1; want >= 0 && best == 0; want--)
		for (k = 1; k < total && best == 0; k++) {
			g = (p - 1 + k) % total + 1;
			if ((l = link_of_page(g, &i)) == NULL)
				continue;
			model_view(session_model(l->sess), i, &v);
			if (v.unread > 0 && (v.highlight || (!want && !v.muted)))
				best = g;
		}
	return best;
}

/* Alt+1..9, Ctrl+PgUp/PgDn, Alt+A, Ctrl+W: go to a tab, the one before
 * or after, the next with activity (mentions first), close this one.
 * With several servers, all their tabs count, in the notebook's order;
 * Ctrl+W on a server tab closes that server's link. */
static void
tab_action(Widget w, XEvent *ev, String *params, Cardinal *np)
{
	struct model *m = session_model(U.L->sess);
	int a = model_active(m), n = tab_total(), p = page_of(U.L, a);
	int to = -1, i;
	struct link *l;

	(void)w;
	(void)ev;
	if (*np < 1)
		return;
	if (params[0][0] >= '1' && params[0][0] <= '9')
		to = params[0][0] - '0';
	else if (strcmp(params[0], "prev") == 0)
		to = (p + n - 2) % n + 1;
	else if (strcmp(params[0], "next") == 0)
		to = p % n + 1;
	else if (strcmp(params[0], "activity") == 0)
		to = next_activity(p);
	else if (strcmp(params[0], "close") == 0) {
		if (a == 0 && U.nlinks > 1)
			ui_link_close(U.L);
		else
			session_command(U.L->sess, a, "/close");
		ui_flush();
		return;
	}
	if (to >= 1 && to != p && (l = link_of_page(to, &i)) != NULL) {
		ui_flush();
		U.L = l;
		ui_select_room(i);
	} else if (to < 1 || to > n)
		XBell(XtDisplay(U.top), 0);
}

/* The CLIPBOARD's text arrived: in at the field's cursor (over its
 * selection), through its verify callbacks (a paste of several lines is
 * the entry's business there). */
static void
paste_got(Widget w, XtPointer cd, Atom *sel, Atom *type, XtPointer value,
    unsigned long *length, int *format)
{
	XmTextPosition a, b, at;
	char *text;

	(void)cd;
	(void)sel;
	if (value == NULL || *format != 8 || *length == 0 ||
	    (*type != XInternAtom(XtDisplay(w), "UTF8_STRING", False) &&
	    *type != XA_STRING)) {
		XtFree(value);
		return;
	}
	if ((text = malloc(*length + 1)) != NULL) {
		memcpy(text, value, *length);
		text[*length] = '\0';
		if (XmTextGetSelectionPosition(w, &a, &b) && a != b)
			XmTextReplace(w, a, b, text);
		else {
			at = XmTextGetInsertionPosition(w);
			XmTextInsert(w, at, text);
			XmTextSetInsertionPosition(w, at +
			    utf8_chars(text, strlen(text)));
		}
		free(text);
	}
	XtFree(value);
}

/* Ctrl+V, Shift+Insert: ask the CLIPBOARD's owner for its text, as
 * UTF-8 (Motif's own paste-clipboard goes through its clipboard
 * library, which leaks what it fetches). */
static void
paste_action(Widget w, XEvent *ev, String *params, Cardinal *np)
{
	Time t = event_time(w, ev);

	(void)params;
	(void)np;
	XtGetSelectionValue(w, XInternAtom(XtDisplay(w), "CLIPBOARD", False),
	    XInternAtom(XtDisplay(w), "UTF8_STRING", False), paste_got, NULL,
	    t);
}

/* Ctrl+B, Ctrl+I, Ctrl+U, Ctrl+O: the IRC formatting codes (bold,
 * italics, underline, plain), the only control bytes the entry takes. */
static void
format_action(Widget w, XEvent *ev, String *params, Cardinal *np)
{
	static const char codes[] = "b\002i\035u\037o\017";
	const char *c;
	char one[2];

	(void)ev;
	if (*np < 1 || params[0][0] == '\0' ||
	    (c = strchr(codes, params[0][0])) == NULL || c[1] == '\0')
		return;
	one[0] = c[1];
	one[1] = '\0';
	U.formatting = 1;
	XmTextInsert(w, XmTextGetInsertionPosition(w), one);
	XmTextSetInsertionPosition(w, XmTextGetInsertionPosition(w)
	    + 1);
	U.formatting = 0;
}

/* Control bytes typed or pasted into a field are dropped (Ctrl+letter
 * inserts them otherwise); the formatting codes of format_action stay. */
void
ui_drop_controls(XmTextVerifyCallbackStruct *v)
{
	char *p;
	int i, n = 0;

	if (v->text == NULL || v->text->ptr == NULL || U.formatting)
		return;
	p = v->text->ptr;
	for (i = 0; i < v->text->length; i++)
		if ((unsigned char)p[i] >= 0x20 && p[i] != 0x7f)
			p[n++] = p[i];
	v->text->length = n;
	if (n < i)
		p[n] = '\0';
}

static void
pump_cb(XtPointer cd, XtIntervalId *id)
{
	(void)id;
	U.L = cd;
	U.L->pump_timer = 0;
	ui_pump();
	U.L = U.shown;
}

/* Send what the pace allows of pasted lines, and come back for more. */
void
ui_pump(void)
{
	int ms = session_pump(U.L->sess);

	if (ms >= 0 && U.L->pump_timer == 0)
		U.L->pump_timer = XtAppAddTimeOut(U.app, (unsigned long)ms, pump_cb,
		    U.L);
	ui_flush();
}

static void
paste_answer_cb(Widget w, XtPointer cd, XtPointer call)
{
	(void)w;
	(void)call;
	/* the paste goes where it was pasted, if that server is still here */
	if (cd != NULL && U.paste_text != NULL && U.paste_link != NULL) {
		U.L = U.paste_link;
		if (session_paste(U.L->sess, U.paste_room, U.paste_text, 1) == 0)
			ui_pump();
		U.L = U.shown;
	}
	free(U.paste_text);
	U.paste_text = NULL;
	ui_flush();
}

/* Several lines came into the entry (a paste): one message each, after
 * asking when there are many. */
static void
paste_lines(XtPointer cd, XtIntervalId *id)
{
	char q[256];
	XmString xs;
	int n;

	(void)cd;
	(void)id;
	if (U.paste_text == NULL)
		return;
	XmTextSetString(U.entry, "");
	U.paste_room = model_active(session_model(U.L->sess));
	U.paste_link = U.L;
	n = session_paste(U.L->sess, U.paste_room, U.paste_text, 0);
	if (n <= 0) {
		if (n == 0)
			ui_pump();
		free(U.paste_text);
		U.paste_text = NULL;
		ui_flush();
		return;
	}
	if (U.paste_dialog == NULL)
		U.paste_dialog = question_dialog("pasteDialog", paste_answer_cb);
	{
		struct room_view v;
		model_view(session_model(U.L->sess), U.paste_room, &v);
		snprintf(q, sizeof(q), "Send these %d lines to %s, one "
		    "message each?", n, v.name);
	}
	xs = XmStringCreateLocalized(q);
	XtVaSetValues(U.paste_dialog, XmNmessageString, xs, NULL);
	XmStringFree(xs);
	XtManageChild(U.paste_dialog);
	ui_dump_soon();
}

/* Byte offset of character position pos in s. */
static size_t
char_to_byte(const char *s, long pos)
{
	size_t k = 0;
	long c;

	for (c = 0; s[k] != '\0' && c < pos; c++)
		for (k++; ((unsigned char)s[k] & 0xc0) == 0x80; k++)
			;
	return k;
}

static void
entry_verify_cb(Widget w, XtPointer cd, XtPointer call)
{
	XmTextVerifyCallbackStruct *v = call;
	char *cur;
	size_t a, b, n, len;

	(void)cd;
	if (v->text == NULL || v->text->ptr == NULL || U.formatting ||
	    memchr(v->text->ptr, '\n', (size_t)v->text->length) == NULL) {
		ui_drop_controls(v);
		return;
	}
	/* a paste of several lines: the text around it joins the first and
	 * the last line, and all of it goes as messages */
	cur = XmTextGetString(w);
	len = strlen(cur);
	a = char_to_byte(cur, (long)v->startPos);
	b = char_to_byte(cur, (long)v->endPos);
	if (b < a)
		b = a;
	n = (size_t)v->text->length;
	free(U.paste_text);
	if ((U.paste_text = malloc(len + n + 1)) != NULL) {
		memcpy(U.paste_text, cur, a);
		memcpy(U.paste_text + a, v->text->ptr, n);
		memcpy(U.paste_text + a + n, cur + b, len - b + 1);
		XtAppAddTimeOut(U.app, 0, paste_lines, NULL);
	}
	XtFree(cur);
	v->doit = False;
}

static void
changed_cb(Widget w, XtPointer cd, XtPointer call)
{
	(void)w;
	(void)cd;
	(void)call;
	ui_dump_soon();
}

static void
fields_verify_cb(Widget w, XtPointer cd, XtPointer call)
{
	(void)w;
	(void)cd;
	ui_drop_controls(call);
}

/* Every field edits as on the rest of the desktop: Ctrl+C/X/V/A and
 * Shift+Insert (the clipboard), not control bytes. */
void
ui_edit_keys(Widget w)
{
	static char trans[] =
	    "Ctrl<Key>c: kc-copy()\n"
	    "Ctrl<Key>x: kc-copy(cut)\n"
	    "Ctrl<Key>v: kc-paste()\n"
	    "Ctrl<Key>a: select-all()\n"
	    "Shift<Key>osfInsert: kc-paste()\n"
	    "Shift<Key>Insert: kc-paste()\n"
	    "Mod1<Key>1: kc-tab(1)\nMod1<Key>2: kc-tab(2)\n"
	    "Mod1<Key>3: kc-tab(3)\nMod1<Key>4: kc-tab(4)\n"
	    "Mod1<Key>5: kc-tab(5)\nMod1<Key>6: kc-tab(6)\n"
	    "Mod1<Key>7: kc-tab(7)\nMod1<Key>8: kc-tab(8)\n"
	    "Mod1<Key>9: kc-tab(9)\n"
	    "Mod1<Key>a: kc-tab(activity)\n"
	    "Ctrl<Key>w: kc-tab(close)\n"
	    "Ctrl<Key>osfPageUp: kc-tab(prev)\n"
	    "Ctrl<Key>osfPageDown: kc-tab(next)\n"
	    "Ctrl<Key>Prior: kc-tab(prev)\n"
	    "Ctrl<Key>Next: kc-tab(next)\n";
	static XtTranslations parsed;

	if (parsed == NULL)
		parsed = XtParseTranslationTable(trans);
	XtOverrideTranslations(w, parsed);
	if (w != U.entry && w != U.password) {
		XtAddCallback(w, XmNmodifyVerifyCallback, fields_verify_cb,
		    NULL);
		XtAddCallback(w, XmNvalueChangedCallback, changed_cb, NULL);
	}
}

static void
entry_modified_cb(Widget w, XtPointer cd, XtPointer call)
{
	char *text = XmTextGetString(w);

	(void)cd;
	(void)call;
	U.completing = 0;
	entry_rows();
	session_typed(U.L->sess, model_active(session_model(U.L->sess)), text);
	XtFree(text);
	ui_flush();
	ui_dump_soon();
}

static void
connect_cb(Widget w, XtPointer cd, XtPointer call)
{
	(void)w;
	(void)cd;
	(void)call;
	ui_connect_clicked();
}

static void
disconnect_cb(Widget w, XtPointer cd, XtPointer call)
{
	(void)w;
	(void)cd;
	(void)call;
	ui_disconnect(1, NULL);
}

static void
quit_cb(Widget w, XtPointer cd, XtPointer call)
{
	(void)w;
	(void)cd;
	(void)call;
	ui_quit();
}

/* --- dialogs -------------------------------------------------------------------- */

static void
info_dialog(Widget *slot, const char *name, const char *title,
    const char *text)
{
	XmString xs;

	if (*slot == NULL) {
		*slot = XmCreateInformationDialog(U.top, (char *)name, NULL, 0);
		XtUnmanageChild(XmMessageBoxGetChild(*slot,
		    XmDIALOG_CANCEL_BUTTON));
		XtUnmanageChild(XmMessageBoxGetChild(*slot,
		    XmDIALOG_HELP_BUTTON));
	}
	xs = XmStringCreateLocalized((char *)text);
	XtVaSetValues(*slot, XmNmessageString, xs, NULL);
	XmStringFree(xs);
	XtVaSetValues(XtParent(*slot), XmNtitle, title, NULL);
	XtManageChild(*slot);
}

static void
commands_cb(Widget w, XtPointer cd, XtPointer call)
{
	(void)w;
	(void)cd;
	(void)call;
	info_dialog(&U.help_dialog, "commandsDialog", "KEO Chat commands",
	    session_help());
}

static void
about_cb(Widget w, XtPointer cd, XtPointer call)
{
	(void)w;
	(void)cd;
	(void)call;
	info_dialog(&U.about_dialog, "aboutDialog", "About KEO Chat",
	    "KEO Chat " PACKAGE_VERSION "\n\nA Motif chat client that speaks "
	    "IRC.\nPart of keochat: keochatd and keochat.");
}

static void
save_ok_cb(Widget w, XtPointer cd, XtPointer call)
{
	XmFileSelectionBoxCallbackStruct *cbs = call;
	struct model *m = session_model(U.L->sess);
	int a = model_active(m);
	size_t k, n = model_lines(m, a);
	char *path = NULL;
	FILE *f;

	(void)cd;
	XtUnmanageChild(w);
	if (cbs == NULL || cbs->value == NULL)
		return;
	path = XmStringUnparse(cbs->value, NULL, XmCHARSET_TEXT,
	    XmCHARSET_TEXT, NULL, 0, XmOUTPUT_ALL);
	if ((f = fopen(path, "w")) == NULL) {
		session_note(U.L->sess, a, "Cannot save the transcript to %s: %s",
		    path, strerror(errno));
	} else {
		for (k = 0; k < n; k++)
			fprintf(f, "%s\n", model_line(m, a, k));
		if (fclose(f) == 0)
			session_note(U.L->sess, a, "Transcript saved to %s (%zu "
			    "lines)", path, n);
		else
			session_note(U.L->sess, a, "Cannot save the transcript "
			    "to %s: %s", path, strerror(errno));
	}
	XtFree(path);
	ui_flush();
}

static void
save_cancel_cb(Widget w, XtPointer cd, XtPointer call)
{
	(void)cd;
	(void)call;
	XtUnmanageChild(w);
}

static void
save_cb(Widget w, XtPointer cd, XtPointer call)
{
	(void)w;
	(void)cd;
	(void)call;
	if (U.save_dialog == NULL) {
		U.save_dialog = XmCreateFileSelectionDialog(U.top, "saveDialog",
		    NULL, 0);
		XtAddCallback(U.save_dialog, XmNokCallback, save_ok_cb, NULL);
		XtAddCallback(U.save_dialog, XmNcancelCallback, save_cancel_cb,
		    NULL);
		XtUnmanageChild(XmFileSelectionBoxGetChild(U.save_dialog,
		    XmDIALOG_HELP_BUTTON));
		XtVaSetValues(XtParent(U.save_dialog), XmNtitle,
		    "Save transcript", NULL);
	}
	XtManageChild(U.save_dialog);
}

/* --- the search dialog ------------------------------------------------------------ */

static void
search_go_cb(Widget w, XtPointer cd, XtPointer call)
{
	char *q = XmTextFieldGetString(U.search_field);

	(void)w;
	(void)cd;
	(void)call;
	U.search_link = U.L;	/* the server in view is asked */
	session_search(U.L->sess, q);
	XtFree(q);
}

static void
search_jump_cb(Widget w, XtPointer cd, XtPointer call)
{
	int *pos = NULL, npos = 0;

	(void)w;
	(void)cd;
	(void)call;
	if (!XmListGetSelectedPos(U.search_list, &pos, &npos) || npos < 1)
		return;
	if (U.search_link != NULL) {	/* in the server that was asked */
		U.L = U.search_link;
		session_jump(U.L->sess, (size_t)(pos[0] - 1));
		U.L = U.shown;
	}
	XtFree((char *)pos);
}

static void
search_close_cb(Widget w, XtPointer cd, XtPointer call)
{
	(void)w;
	(void)cd;
	(void)call;
	XtUnmanageChild(U.search_dialog);
	ui_dump_soon();
}

/* A button on the bottom row of form, edge pixels above its bottom and
 * from its side (the right, or the left), or gap pixels from neighbour
 * on that side. */
Widget
ui_form_button(Widget form, const char *name, Widget neighbour, int right,
    int edge, int gap, XtCallbackProc cb)
{
	Widget b = XtVaCreateManagedWidget(name, xmPushButtonWidgetClass, form,
	    XmNbottomAttachment, XmATTACH_FORM, XmNbottomOffset, edge, NULL);

	XtVaSetValues(b, right ? XmNrightAttachment : XmNleftAttachment,
	    neighbour ? XmATTACH_WIDGET : XmATTACH_FORM,
	    right ? XmNrightWidget : XmNleftWidget, neighbour,
	    right ? XmNrightOffset : XmNleftOffset, neighbour ? gap : edge,
	    NULL);
	XtAddCallback(b, XmNactivateCallback, cb, NULL);
	return b;
}

/* Search: [words in:#room from:nick ...] [Search]
 * status
 * [results, newest last                          ]
 *                                   [Show] [Close] */
static void
search_build(void)
{
	Widget lbl, go, close, show, sw;
	Arg args[4];
	int n = 0;

	U.search_dialog = XmCreateFormDialog(U.top, "searchDialog", NULL, 0);
	XtVaSetValues(XtParent(U.search_dialog), XmNtitle, "Search history",
	    NULL);
	XtVaSetValues(U.search_dialog, XmNautoUnmanage, False, NULL);
	go = XtVaCreateManagedWidget("searchGo", xmPushButtonWidgetClass,
	    U.search_dialog, XmNtopAttachment, XmATTACH_FORM, XmNtopOffset, 6,
	    XmNrightAttachment, XmATTACH_FORM, XmNrightOffset, 6, NULL);
	XtAddCallback(go, XmNactivateCallback, search_go_cb, NULL);
	U.search_field = XtVaCreateManagedWidget("searchField",
	    xmTextFieldWidgetClass, U.search_dialog, XmNcolumns, 40,
	    XmNtopAttachment, XmATTACH_FORM, XmNtopOffset, 6,
	    XmNrightAttachment, XmATTACH_WIDGET, XmNrightWidget, go,
	    XmNrightOffset, 6, NULL);
	XtAddCallback(U.search_field, XmNactivateCallback, search_go_cb, NULL);
	ui_edit_keys(U.search_field);
	lbl = XtVaCreateManagedWidget("searchLabel", xmLabelWidgetClass,
	    U.search_dialog, XmNleftAttachment, XmATTACH_FORM,
	    XmNleftOffset, 6, XmNtopAttachment, XmATTACH_OPPOSITE_WIDGET,
	    XmNtopWidget, U.search_field, XmNbottomAttachment,
	    XmATTACH_OPPOSITE_WIDGET, XmNbottomWidget, U.search_field, NULL);
	XtVaSetValues(U.search_field, XmNleftAttachment, XmATTACH_WIDGET,
	    XmNleftWidget, lbl, XmNleftOffset, 4, NULL);
	U.search_status = XtVaCreateManagedWidget("searchStatus",
	    xmLabelWidgetClass, U.search_dialog, XmNalignment,
	    XmALIGNMENT_BEGINNING, XmNleftAttachment, XmATTACH_FORM,
	    XmNleftOffset, 6, XmNrightAttachment, XmATTACH_FORM,
	    XmNtopAttachment, XmATTACH_WIDGET, XmNtopWidget, U.search_field,
	    XmNtopOffset, 4, NULL);
	ui_set_label(U.search_status, "Words, and in:#room from:nick "
	    "after:YYYY-MM-DD before:YYYY-MM-DD");
	close = ui_form_button(U.search_dialog, "searchClose", NULL, 1, 6, 6,
	    search_close_cb);
	show = ui_form_button(U.search_dialog, "searchShow", close, 1, 6, 6,
	    search_jump_cb);
	XtSetArg(args[n], XmNselectionPolicy, XmBROWSE_SELECT); n++;
	XtSetArg(args[n], XmNvisibleItemCount, 12); n++;
	XtSetArg(args[n], XmNscrollBarDisplayPolicy, XmAS_NEEDED); n++;
	U.search_list = XmCreateScrolledList(U.search_dialog, "searchResults",
	    args, n);
	sw = XtParent(U.search_list);
	XtVaSetValues(sw, XmNleftAttachment, XmATTACH_FORM, XmNleftOffset, 6,
	    XmNrightAttachment, XmATTACH_FORM, XmNrightOffset, 6,
	    XmNtopAttachment, XmATTACH_WIDGET, XmNtopWidget, U.search_status,
	    XmNtopOffset, 4, XmNbottomAttachment, XmATTACH_WIDGET,
	    XmNbottomWidget, show, XmNbottomOffset, 6, NULL);
	XtAddCallback(U.search_list, XmNdefaultActionCallback, search_jump_cb,
	    NULL);
	XtManageChild(U.search_list);
	XtVaSetValues(U.search_dialog, XmNinitialFocus, U.search_field,
	    XmNcancelButton, close, NULL);
}

/* Ctrl+Shift+F: the dialog, with the keyboard in its field. */
static void
search_cb(Widget w, XtPointer cd, XtPointer call)
{
	(void)w;
	(void)cd;
	(void)call;
	if (U.search_dialog == NULL)
		search_build();
	XtManageChild(U.search_dialog);
	XmProcessTraversal(U.search_field, XmTRAVERSE_CURRENT);
	ui_dump_soon();
}

/* SEV_SEARCH: the results (or why there are none) into the dialog. */
static void
search_show(void)
{
	size_t k, n = session_hits(U.L->sess);
	struct search_hit h;
	XmString *items;
	char buf[1024];
	struct tm tm;
	time_t t;

	if (U.search_dialog == NULL || !XtIsManaged(U.search_dialog))
		search_cb(NULL, NULL, NULL);
	ui_set_label(U.search_status, session_search_status(U.L->sess)[0] ?
	    session_search_status(U.L->sess) : " ");
	XmListDeleteAllItems(U.search_list);
	if (n == 0 || (items = calloc(n, sizeof(*items))) == NULL)
		return;
	for (k = 0; k < n && session_hit(U.L->sess, k, &h); k++) {
		t = (time_t)(h.time_ms / 1000);
		if (localtime_r(&t, &tm) == NULL)
			memset(&tm, 0, sizeof(tm));
		snprintf(buf, sizeof(buf), "%04d-%02d-%02d %02d:%02d  %s  %s",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, h.target, h.text);
		items[k] = XmStringCreateLocalized(buf);
	}
	XmListAddItemsUnselected(U.search_list, items, (int)k, 0);
	while (k > 0)
		XmStringFree(items[--k]);
	free(items);
	XmListSelectPos(U.search_list, (int)n, False);	/* the newest */
	XmListSetBottomPos(U.search_list, (int)n);
}

/* --- building --------------------------------------------------------------------- */

/* Connection -> Away: away with the awayMessage resource, or back. */
static void
away_cb(Widget w, XtPointer cd, XtPointer call)
{
	XmToggleButtonCallbackStruct *t = call;

	(void)w;
	(void)cd;
	session_set_away(U.L->sess, t->set ? (U.res.away_message != NULL &&
	    U.res.away_message[0] ? U.res.away_message : "Away") : "");
	ui_flush();
}

static void
join_item_cb(Widget w, XtPointer cd, XtPointer call)
{
	(void)w;
	(void)cd;
	(void)call;
	ui_join_open();
}

static void
rooms_item_cb(Widget w, XtPointer cd, XtPointer call)
{
	(void)w;
	(void)cd;
	(void)call;
	ui_rooms_open();
}

static void
networks_cb(Widget w, XtPointer cd, XtPointer call)
{
	(void)w;
	(void)cd;
	(void)call;
	ui_networks_open();
	ui_dump_soon();
}

/* Connection > New Server Tab: another server at once, typed into the
 * top row (which now belongs to it). */
static void
new_server_cb(Widget w, XtPointer cd, XtPointer call)
{
	(void)w;
	(void)cd;
	(void)call;
	if (ui_link_open() == NULL)
		return;
	XmTextFieldSetString(U.server, "");
	XmProcessTraversal(U.server, XmTRAVERSE_CURRENT);
	session_note(U.L->sess, 0, "A new server tab: type a server and a "
	    "username above, and Connect (Ctrl+W here closes it)");
	ui_flush();
}

static Widget
menu_item(Widget menu, const char *name, XtCallbackProc cb)
{
	Widget w = XtVaCreateManagedWidget(name, xmPushButtonWidgetClass, menu,
	    NULL);

	XtAddCallback(w, XmNactivateCallback, cb, NULL);
	return w;
}

static void
build_menus(void)
{
	Widget conn, help, c1, c2;

	U.menubar = XmCreateMenuBar(U.mainw, "menubar", NULL, 0);
	conn = XmCreatePulldownMenu(U.menubar, "connectionMenu", NULL, 0);
	c1 = XtVaCreateManagedWidget("connection", xmCascadeButtonWidgetClass,
	    U.menubar, XmNsubMenuId, conn, NULL);
	U.m_connect = menu_item(conn, "connectItem", connect_cb);
	U.m_disconnect = menu_item(conn, "disconnectItem", disconnect_cb);
	menu_item(conn, "networksItem", networks_cb);
	menu_item(conn, "newServerItem", new_server_cb);
	menu_item(conn, "joinItem", join_item_cb);
	menu_item(conn, "roomsItem", rooms_item_cb);
	U.m_away = XtVaCreateManagedWidget("awayItem",
	    xmToggleButtonWidgetClass, conn, NULL);
	XtAddCallback(U.m_away, XmNvalueChangedCallback, away_cb, NULL);
	U.m_save = menu_item(conn, "saveItem", save_cb);
	menu_item(conn, "searchItem", search_cb);
	XtVaCreateManagedWidget("sep", xmSeparatorGadgetClass, conn, NULL);
	menu_item(conn, "quitItem", quit_cb);
	help = XmCreatePulldownMenu(U.menubar, "helpMenu", NULL, 0);
	c2 = XtVaCreateManagedWidget("help", xmCascadeButtonWidgetClass,
	    U.menubar, XmNsubMenuId, help, NULL);
	menu_item(help, "commandsItem", commands_cb);
	menu_item(help, "aboutItem", about_cb);
	XtVaSetValues(U.menubar, XmNmenuHelpWidget, c2, NULL);
	(void)c1;
	XtManageChild(U.menubar);
}

static Widget
label(const char *name, Widget left, Widget align)
{
	return XtVaCreateManagedWidget(name, xmLabelWidgetClass, U.form,
	    XmNleftAttachment, left ? XmATTACH_WIDGET : XmATTACH_FORM,
	    XmNleftWidget, left, XmNleftOffset, 8,
	    XmNtopAttachment, XmATTACH_OPPOSITE_WIDGET, XmNtopWidget, align,
	    XmNbottomAttachment, XmATTACH_OPPOSITE_WIDGET,
	    XmNbottomWidget, align, NULL);
}

/* A label just left of field w, on its line. */
static Widget
right_label(const char *name, Widget w)
{
	return XtVaCreateManagedWidget(name, xmLabelWidgetClass, U.form,
	    XmNrightAttachment, XmATTACH_WIDGET, XmNrightWidget, w,
	    XmNrightOffset, 4,
	    XmNtopAttachment, XmATTACH_OPPOSITE_WIDGET, XmNtopWidget, w,
	    XmNbottomAttachment, XmATTACH_OPPOSITE_WIDGET, XmNbottomWidget, w,
	    NULL);
}

/* A password field shows stars; the text itself is kept in the buffer of
 * UI_SECRET_MAX bytes that cd points to (U.pw for the window's field).
 * Positions are counted in characters, as the field counts them. */
void
ui_secret_modify_cb(Widget w, XtPointer cd, XtPointer call)
{
	XmTextVerifyCallbackStruct *v = call;
	char *pw = cd;
	size_t len = strlen(pw), start, end, ins;
	int i;

	(void)w;
	ui_drop_controls(v);
	start = v->startPos < 0 ? 0 : (size_t)v->startPos;
	end = v->endPos < 0 ? 0 : (size_t)v->endPos;
	if (start > len)
		start = len;
	if (end > len)
		end = len;
	if (end < start)
		end = start;
	ins = v->text != NULL && v->text->ptr != NULL ?
	    (size_t)v->text->length : 0;
	if (len - (end - start) + ins >= UI_SECRET_MAX) {
		v->doit = False;
		return;
	}
	memmove(pw + start + ins, pw + end, len - end + 1);
	if (ins > 0)
		memcpy(pw + start, v->text->ptr, ins);
	for (i = 0; i < (int)ins; i++)
		v->text->ptr[i] = '*';
	ui_dump_soon();
}

static void
cert_answer_cb(Widget w, XtPointer cd, XtPointer call)
{
	(void)w;
	(void)call;
	ui_certificate_answer(cd != NULL);
}

void
ui_ask_certificate(const char *hostport, const char *why, const char *fp)
{
	char text[1024];
	XmString xs;

	if (U.cert_dialog == NULL)
		U.cert_dialog = question_dialog("certDialog", cert_answer_cb);
	snprintf(text, sizeof(text), "The certificate of %s cannot be "
	    "verified:\n%s\n\nSHA-256 fingerprint:\n%.32s\n%.32s\n\n"
	    "Compare it with the one the server's administrator gave you.\n"
	    "Accept it and remember it for %s?", hostport, why, fp,
	    strlen(fp) > 32 ? fp + 32 : "", hostport);
	xs = XmStringCreateLocalized(text);
	XtVaSetValues(U.cert_dialog, XmNmessageString, xs, NULL);
	XmStringFree(xs);
	XtManageChild(U.cert_dialog);
	ui_dump_soon();
}

static void
build_top_row(void)
{
	Widget sl, ul, pl;

	/*
	 * Right to left from the Connect button at the window's edge: the
	 * Server field takes what width is left, so a narrow window narrows
	 * it instead of cutting off the button.  The fields come first so
	 * the labels can align on them.
	 */
	U.connect = XtVaCreateManagedWidget("connect", xmPushButtonWidgetClass,
	    U.form, XmNrightAttachment, XmATTACH_FORM, XmNrightOffset, 6,
	    XmNtopAttachment, XmATTACH_FORM, XmNtopOffset, 6, NULL);
	U.password = XtVaCreateManagedWidget("password",
	    xmTextFieldWidgetClass, U.form, XmNtopAttachment, XmATTACH_FORM,
	    XmNtopOffset, 6, XmNrightAttachment, XmATTACH_WIDGET,
	    XmNrightWidget, U.connect, XmNrightOffset, 8, NULL);
	pl = right_label("passwordLabel", U.password);
	U.user = XtVaCreateManagedWidget("user", xmTextFieldWidgetClass,
	    U.form, XmNtopAttachment, XmATTACH_FORM, XmNtopOffset, 6,
	    XmNrightAttachment, XmATTACH_WIDGET, XmNrightWidget, pl,
	    XmNrightOffset, 8, NULL);
	ul = right_label("userLabel", U.user);
	U.server = XtVaCreateManagedWidget("server", xmTextFieldWidgetClass,
	    U.form, XmNtopAttachment, XmATTACH_FORM, XmNtopOffset, 6,
	    XmNrightAttachment, XmATTACH_WIDGET, XmNrightWidget, ul,
	    XmNrightOffset, 8, NULL);
	sl = label("serverLabel", NULL, U.server);
	XtVaSetValues(U.server, XmNleftAttachment, XmATTACH_WIDGET,
	    XmNleftWidget, sl, XmNleftOffset, 4, NULL);
	XtVaSetValues(U.connect, XmNbottomAttachment, XmATTACH_OPPOSITE_WIDGET,
	    XmNbottomWidget, U.user, NULL);
	XtAddCallback(U.password, XmNmodifyVerifyCallback, ui_secret_modify_cb,
	    U.pw);
	XtAddCallback(U.connect, XmNactivateCallback, connect_cb, NULL);
	XtAddCallback(U.server, XmNactivateCallback, connect_cb, NULL);
	XtAddCallback(U.user, XmNactivateCallback, connect_cb, NULL);
	XtAddCallback(U.password, XmNactivateCallback, connect_cb, NULL);
}

static void
build_bottom(void)
{
	static XtActionsRec actions[] = {
		{ "kc-history", history_action },
		{ "kc-complete", complete_action },
		{ "kc-copy", copy_action },
		{ "kc-format", format_action },
		{ "kc-tab", tab_action },
		{ "kc-paste", paste_action },
		{ "kc-newline", newline_action },
	};
	static char trans[] =
	    "<Key>osfUp: kc-history(prev)\n"
	    "<Key>osfDown: kc-history(next)\n"
	    "<Key>Tab: kc-complete()\n"
	    "Ctrl<Key>b: kc-format(b)\n"
	    "Ctrl<Key>i: kc-format(i)\n"
	    "Ctrl<Key>u: kc-format(u)\n"
	    "Ctrl<Key>o: kc-format(o)\n"
	    "Shift<Key>Return: kc-newline()\n"
	    "<Key>Return: activate()\n"
	    "<Key>KP_Enter: activate()\n";

	U.status = XtVaCreateManagedWidget("status", xmLabelWidgetClass,
	    U.form, XmNalignment, XmALIGNMENT_BEGINNING,
	    XmNleftAttachment, XmATTACH_FORM, XmNleftOffset, 6,
	    XmNrightAttachment, XmATTACH_FORM,
	    XmNbottomAttachment, XmATTACH_FORM, XmNbottomOffset, 2, NULL);
	/* a Text of one line that grows with Shift+Return */
	U.entry = XtVaCreateManagedWidget("entry", xmTextWidgetClass,
	    U.form, XmNeditMode, XmMULTI_LINE_EDIT, XmNrows, 1,
	    XmNwordWrap, False, XmNresizeHeight, False, XmNresizeWidth, False,
	    XmNleftAttachment, XmATTACH_FORM, XmNleftOffset, 6,
	    XmNrightAttachment, XmATTACH_FORM, XmNrightOffset, 6,
	    XmNbottomAttachment, XmATTACH_WIDGET, XmNbottomWidget, U.status,
	    XmNbottomOffset, 2, NULL);
	XtAddCallback(U.entry, XmNactivateCallback, entry_cb, NULL);
	XtAddCallback(U.entry, XmNvalueChangedCallback, entry_modified_cb,
	    NULL);
	XtAppAddActions(U.app, actions, XtNumber(actions));
	XtOverrideTranslations(U.entry, XtParseTranslationTable(trans));
	XtAddCallback(U.entry, XmNmodifyVerifyCallback, entry_verify_cb, NULL);
	ui_edit_keys(U.entry);
	ui_edit_keys(U.server);
	ui_edit_keys(U.user);
	ui_edit_keys(U.password);
}

/* The topic bar follows the room in view: its modes and its topic. */
void
ui_topic_sync(void)
{
	struct model *m = session_model(U.L->sess);
	struct room_view v;
	char label[48];
	char *now;

	if (U.L != U.shown)	/* the bar is the shown room's */
		return;
	if (U.topic == NULL)
		return;
	model_view(m, model_active(m), &v);
	if (v.kind == ROOM_CHANNEL)
		snprintf(label, sizeof(label), "%s%s%s", v.modes[0] ? "[" : "",
		    v.modes, v.modes[0] ? "]" : "Topic:");
	else
		snprintf(label, sizeof(label), "Topic:");
	ui_set_label(U.modes_label, label);
	now = XmTextFieldGetString(U.topic);
	if (strcmp(now, v.kind == ROOM_CHANNEL ? v.topic : "") != 0)
		XmTextFieldSetString(U.topic, v.kind == ROOM_CHANNEL ?
		    (char *)v.topic : "");
	XtFree(now);
	XtVaSetValues(U.topic, XmNeditable, model_topic_settable(m,
	    model_active(m), session_nick(U.L->sess)), NULL);
}

/* Return in the topic bar: set the room's topic (the server says no when
 * we may not; the bar then shows the topic it has again). */
static void
topic_cb(Widget w, XtPointer cd, XtPointer call)
{
	struct model *m = session_model(U.L->sess);
	struct room_view v;
	char *text = XmTextFieldGetString(w), cmd[512];

	(void)cd;
	(void)call;
	model_view(m, model_active(m), &v);
	if (v.kind == ROOM_CHANNEL && strcmp(text, v.topic) != 0 &&
	    text[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "/topic %s", text);
		session_command(U.L->sess, model_active(m), cmd);
	}
	XtFree(text);
	ui_topic_sync();
	XmProcessTraversal(U.entry, XmTRAVERSE_CURRENT);
	ui_flush();
}

/* Right click on a name: what one does with someone. */
static const char *const roster_actions[][2] = {
	{ "rosterQuery", "/query" }, { "rosterWhois", "/whois" },
	{ "rosterOp", "/op" }, { "rosterDeop", "/deop" },
	{ "rosterVoice", "/voice" }, { "rosterDevoice", "/devoice" },
	{ "rosterKick", "/kick" }, { "rosterBan", "/ban" },
	{ "rosterIgnore", "/ignore" },
};

static void
roster_action_cb(Widget w, XtPointer cd, XtPointer call)
{
	struct model *m = session_model(U.L->sess);
	const char *cmd = cd;
	char line[128];

	(void)w;
	(void)call;
	if (U.menu_nick[0] == '\0')
		return;
	snprintf(line, sizeof(line), "%s %s", cmd, U.menu_nick);
	session_command(U.L->sess, model_active(m), line);
	ui_flush();
}

/* The name at row pos (1-based) of the roster, into U.menu_nick. */
static int
roster_pick(int pos)
{
	struct model *m = session_model(U.L->sess);
	struct room_view v;

	U.menu_nick[0] = '\0';
	model_view(m, model_active(m), &v);
	if (v.kind == ROOM_QUERY && pos == 1)
		snprintf(U.menu_nick, sizeof(U.menu_nick), "%s", v.name);
	else if (pos >= 1 && (size_t)pos <= U.norder)
		snprintf(U.menu_nick, sizeof(U.menu_nick), "%s",
		    model_roster_nick(m, model_active(m), U.order[pos - 1]));
	return U.menu_nick[0] != '\0';
}

/* Motif posts the menu itself (XmPOPUP_AUTOMATIC, with its grabs done
 * right); this picks the name under the pointer, or posts nothing. */
static void
roster_popup_cb(Widget w, XtPointer cd, XtPointer call)
{
	XmPopupHandlerCallbackStruct *cbs = call;
	int pos;

	(void)cd;
	if (cbs == NULL || cbs->event == NULL ||
	    cbs->event->type != ButtonPress) {
		if (cbs != NULL)
			cbs->postIt = False;
		return;
	}
	pos = XmListYToPos(w, cbs->event->xbutton.y);
	if (!roster_pick(pos)) {
		cbs->postIt = False;
		return;
	}
	XmListSelectPos(w, pos, False);
	ui_dump_soon();
}

/* A double click on a name opens a private tab with them. */
static void
roster_open_cb(Widget w, XtPointer cd, XtPointer call)
{
	XmListCallbackStruct *cbs = call;

	(void)w;
	(void)cd;
	if (cbs != NULL && roster_pick(cbs->item_position) &&
	    strcmp(U.menu_nick, session_nick(U.L->sess)) != 0)
		roster_action_cb(NULL, (XtPointer)"/query", NULL);
}

/* A roster menu item armed (under the pointer, cd 1) or not (NULL):
 * kept for the test dump, which says which item a release would pick. */
static void
arm_cb(Widget w, XtPointer cd, XtPointer call)
{
	(void)call;
	if (cd != NULL)
		U.menu_armed = w;
	else if (U.menu_armed == w)
		U.menu_armed = NULL;
	ui_dump_soon();
}

static void
build_roster_menu(void)
{
	size_t k;

	/* the "away" rendition (grey) comes from the resources: KeoChat */
	U.roster_menu = XmCreatePopupMenu(U.roster, "rosterMenu", NULL, 0);
	for (k = 0; k < sizeof(roster_actions) / sizeof(roster_actions[0]);
	    k++) {
		Widget b = XtVaCreateManagedWidget(roster_actions[k][0],
		    xmPushButtonWidgetClass, U.roster_menu, NULL);
		XtAddCallback(b, XmNactivateCallback, roster_action_cb,
		    (XtPointer)roster_actions[k][1]);
		XtAddCallback(b, XmNarmCallback, arm_cb, (XtPointer)1);
		XtAddCallback(b, XmNdisarmCallback, arm_cb, NULL);
		U.roster_items[k] = b;
	}
	XtVaSetValues(U.roster_menu, XmNpopupEnabled, XmPOPUP_AUTOMATIC, NULL);
	XtAddCallback(U.roster, XmNpopupHandlerCallback, roster_popup_cb, NULL);
	XtAddCallback(U.roster, XmNdefaultActionCallback, roster_open_cb, NULL);
}

static void
build_middle(void)
{
	Arg args[4];
	int n = 0;
	Widget sw;

	/* the user list takes the right fifth of the window, whatever its
	 * size, so a small window still has room to chat */
	U.users_label = XtVaCreateManagedWidget("usersLabel",
	    xmLabelWidgetClass, U.form, XmNrecomputeSize, False,
	    XmNalignment, XmALIGNMENT_BEGINNING,
	    XmNleftAttachment, XmATTACH_POSITION, XmNleftPosition, ROSTER_AT,
	    XmNrightAttachment, XmATTACH_FORM, XmNrightOffset, 6,
	    XmNtopAttachment, XmATTACH_WIDGET, XmNtopWidget, U.server,
	    XmNtopOffset, 6, NULL);
	XtSetArg(args[n], XmNlistSizePolicy, XmCONSTANT); n++;
	XtSetArg(args[n], XmNscrollBarDisplayPolicy, XmAS_NEEDED); n++;
	XtSetArg(args[n], XmNselectionPolicy, XmBROWSE_SELECT); n++;
	U.roster = XmCreateScrolledList(U.form, "roster", args, n);
	sw = XtParent(U.roster);
	XtVaSetValues(sw, XmNleftAttachment, XmATTACH_POSITION,
	    XmNleftPosition, ROSTER_AT,
	    XmNrightAttachment, XmATTACH_FORM, XmNrightOffset, 6,
	    XmNtopAttachment, XmATTACH_WIDGET, XmNtopWidget, U.users_label,
	    XmNbottomAttachment, XmATTACH_WIDGET, XmNbottomWidget, U.entry,
	    XmNbottomOffset, 6, NULL);
	XtManageChild(U.roster);
	build_roster_menu();
	/* the topic bar: the room's modes, and its topic to read or set */
	U.topic = XtVaCreateManagedWidget("topic", xmTextFieldWidgetClass,
	    U.form, XmNtopAttachment, XmATTACH_WIDGET, XmNtopWidget, U.server,
	    XmNtopOffset, 6, XmNrightAttachment, XmATTACH_POSITION,
	    XmNrightPosition, ROSTER_AT, XmNrightOffset, 6, NULL);
	U.modes_label = XtVaCreateManagedWidget("modesLabel",
	    xmLabelWidgetClass, U.form, XmNleftAttachment, XmATTACH_FORM,
	    XmNleftOffset, 6, XmNtopAttachment, XmATTACH_OPPOSITE_WIDGET,
	    XmNtopWidget, U.topic, XmNbottomAttachment,
	    XmATTACH_OPPOSITE_WIDGET, XmNbottomWidget, U.topic, NULL);
	ui_set_label(U.modes_label, "Topic:");
	XtVaSetValues(U.topic, XmNleftAttachment, XmATTACH_WIDGET,
	    XmNleftWidget, U.modes_label, XmNleftOffset, 4, NULL);
	XtAddCallback(U.topic, XmNactivateCallback, topic_cb, NULL);
	ui_edit_keys(U.topic);
	U.notebook = XtVaCreateManagedWidget("tabs", xmNotebookWidgetClass,
	    U.form, XmNbindingType, XmNONE, XmNorientation, XmVERTICAL,
	    XmNbackPagePlacement, XmBOTTOM_RIGHT, XmNbackPageNumber, 0,
	    XmNbackPageSize, 0, XmNmajorTabSpacing, 2,
	    XmNleftAttachment, XmATTACH_FORM, XmNleftOffset, 6,
	    XmNrightAttachment, XmATTACH_POSITION, XmNrightPosition, ROSTER_AT,
	    XmNrightOffset, 6,
	    XmNtopAttachment, XmATTACH_WIDGET, XmNtopWidget, U.topic,
	    XmNtopOffset, 4,
	    XmNbottomAttachment, XmATTACH_WIDGET, XmNbottomWidget, U.entry,
	    XmNbottomOffset, 6, NULL);
	XtAddCallback(U.notebook, XmNpageChangedCallback, page_changed_cb,
	    NULL);
	{
		Widget ps = XtNameToWidget(U.notebook, "PageScroller");
		if (ps != NULL)
			XtUnmanageChild(ps);
	}
}

static void
wm_delete_cb(Widget w, XtPointer cd, XtPointer call)
{
	quit_cb(w, cd, call);
}

void
ui_build(void)
{
	Atom del;
	char *user;

	U.mainw = XtVaCreateManagedWidget("main", xmMainWindowWidgetClass,
	    U.top, NULL);
	build_menus();
	U.form = XtVaCreateManagedWidget("form", xmFormWidgetClass, U.mainw,
	    NULL);
	build_top_row();
	build_bottom();
	build_middle();
	XtVaSetValues(U.form, XmNinitialFocus, U.entry, NULL);
	XtVaSetValues(U.mainw, XmNmenuBar, U.menubar, XmNworkWindow, U.form,
	    NULL);
	tabs_sync();
	ui_select_room(0);
	user = XmTextFieldGetString(U.user);
	if (user[0] == '\0' && getenv("USER") != NULL &&
	    nick_check(getenv("USER"), 30) == NAME_OK)
		XmTextFieldSetString(U.user, getenv("USER"));
	XtFree(user);
	del = XmInternAtom(XtDisplay(U.top), "WM_DELETE_WINDOW", False);
	XmAddWMProtocolCallback(U.top, del, wm_delete_cb, NULL);
	XtVaSetValues(U.top, XmNdeleteResponse, XmDO_NOTHING, NULL);
	XtAddEventHandler(U.top, FocusChangeMask, False, focus_handler, NULL);
}
