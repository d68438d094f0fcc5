/*
 * ui_rooms.c -- the rooms of the server (Connection -> Rooms on the
 * server..., /list): what LIST gave, busiest first, a filter on names and
 * topics, Join; and the Join a room dialog (Connection -> Join a room...).
 * The list itself is the session's (session_list); this only shows it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <Xm/Form.h>
#include <Xm/Label.h>
#include <Xm/List.h>
#include <Xm/PushB.h>
#include <Xm/SelectioB.h>
#include <Xm/Text.h>
#include <Xm/TextF.h>
#include <Xm/ToggleB.h>

#include "netconf.h"
#include "ui_priv.h"

static struct {
	Widget		 dialog, filter, list, status, join_dialog, by_name;
	size_t		*shown;		/* list rows -> session_listed index */
	size_t		 nshown;
} R;

/* Does the room match the filter's words (each in its name or topic)? */
static int
matches(const char *name, const char *topic, const char *filter)
{
	char word[128];
	const char *p = filter;
	size_t n;

	while (*p != '\0') {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		n = strcspn(p, " ");
		snprintf(word, sizeof(word), "%.*s", (int)(n < 127 ? n : 127), p);
		p += n;
		if (strcasestr(name, word) == NULL &&
		    strcasestr(topic, word) == NULL)
			return 0;
	}
	return 1;
}

/* The list by name (the By name toggle), else busiest first. */
static struct session *sort_by;

static int
by_name(const void *a, const void *b)
{
	const char *na = "", *nb = "", *t;
	unsigned u;

	(void)session_listed_room(sort_by, *(const size_t *)a, &na, &u, &t);
	(void)session_listed_room(sort_by, *(const size_t *)b, &nb, &u, &t);
	return strcasecmp(na, nb);
}

static void
fill(void)
{
	/* the list of the server asked (gone: an empty list) */
	struct session *sn = U.list_link != NULL ? U.list_link->sess : NULL;
	size_t n = sn != NULL ? session_listed(sn) : 0, k;
	const char *name, *topic;
	XmString *items = NULL;
	unsigned users;
	char *filter, buf[600], st[200];

	XmListDeleteAllItems(R.list);
	free(R.shown);
	R.shown = NULL;
	R.nshown = 0;
	filter = XmTextFieldGetString(R.filter);
	if (n > 0 && ((R.shown = calloc(n, sizeof(*R.shown))) == NULL ||
	    (items = calloc(n, sizeof(*items))) == NULL)) {
		XtFree(filter);
		return;
	}
	for (k = 0; k < n; k++) {
		if (!session_listed_room(sn, k, &name, &users, &topic) ||
		    !matches(name, topic, filter))
			continue;
		R.shown[R.nshown++] = k;
	}
	if (R.by_name != NULL && XmToggleButtonGetState(R.by_name) &&
	    R.nshown > 1) {
		sort_by = sn;
		qsort(R.shown, R.nshown, sizeof(*R.shown), by_name);
	}
	for (k = 0; k < R.nshown; k++) {
		(void)session_listed_room(sn, R.shown[k], &name, &users, &topic);
		snprintf(buf, sizeof(buf), "%s (%u)%s%s", name, users,
		    topic[0] ? "  \xe2\x80\x94  " : "", topic);
		items[k] = XmStringCreateLocalized(buf);
	}
	if (R.nshown > 0)
		XmListAddItemsUnselected(R.list, items, (int)R.nshown, 0);
	for (k = 0; k < R.nshown; k++)
		XmStringFree(items[k]);
	if (n > 0)
		free(items);
	if (filter[0] != '\0' && n > 0)
		snprintf(st, sizeof(st), "%s; %zu match \"%.40s\"",
		    session_list_status(sn), R.nshown, filter);
	else
		snprintf(st, sizeof(st), "%s", sn != NULL ?
		    session_list_status(sn) : "");
	ui_set_label(R.status, st);
	XtFree(filter);
	ui_dump_soon();
}

static void
filter_cb(Widget w, XtPointer cd, XtPointer call)
{
	(void)w;
	(void)cd;
	(void)call;
	fill();
}

static void
refresh_cb(Widget w, XtPointer cd, XtPointer call)
{
	(void)w;
	(void)cd;
	(void)call;
	U.list_link = U.L;
	session_list(U.L->sess);
	ui_flush();
}

static void
join_cb(Widget w, XtPointer cd, XtPointer call)
{
	const char *name, *topic;
	unsigned users;
	int *pos, npos;
	char cmd[CHAN_MAX + 8];

	(void)w;
	(void)cd;
	(void)call;
	if (!XmListGetSelectedPos(R.list, &pos, &npos))
		return;
	/* on the server listed, which may not be the one in view now */
	if (npos > 0 && pos[0] >= 1 && (size_t)pos[0] <= R.nshown &&
	    U.list_link != NULL && session_listed_room(U.list_link->sess,
	    R.shown[pos[0] - 1], &name, &users, &topic)) {
		snprintf(cmd, sizeof(cmd), "/join %s", name);
		U.L = U.list_link;
		session_command(U.L->sess, model_active(session_model(U.L->sess)),
		    cmd);
		U.L = U.shown;
		ui_flush();
	}
	XtFree((char *)pos);
}

static void
close_cb(Widget w, XtPointer cd, XtPointer call)
{
	(void)w;
	(void)cd;
	(void)call;
	XtUnmanageChild(R.dialog);
	ui_dump_soon();
}

/* Filter: [          ] [Refresh]
 * status
 * [#room (users) — topic          ]
 *                    [Join] [Close] */
static void
build(void)
{
	Widget lbl, refresh, close, join, sw;
	Arg args[4];
	int n = 0;

	R.dialog = XmCreateFormDialog(U.top, "roomsDialog", NULL, 0);
	XtVaSetValues(XtParent(R.dialog), XmNtitle, "Rooms on the server",
	    NULL);
	XtVaSetValues(R.dialog, XmNautoUnmanage, False, NULL);
	refresh = XtVaCreateManagedWidget("roomsRefresh",
	    xmPushButtonWidgetClass, R.dialog, XmNtopAttachment, XmATTACH_FORM,
	    XmNtopOffset, 8, XmNrightAttachment, XmATTACH_FORM,
	    XmNrightOffset, 8, NULL);
	XtAddCallback(refresh, XmNactivateCallback, refresh_cb, NULL);
	lbl = XtVaCreateManagedWidget("roomsFilterLabel", xmLabelWidgetClass,
	    R.dialog, XmNleftAttachment, XmATTACH_FORM, XmNleftOffset, 8, NULL);
	R.filter = XtVaCreateManagedWidget("roomsFilter",
	    xmTextFieldWidgetClass, R.dialog, XmNcolumns, 30,
	    XmNtopAttachment, XmATTACH_FORM, XmNtopOffset, 8,
	    XmNleftAttachment, XmATTACH_WIDGET, XmNleftWidget, lbl,
	    XmNleftOffset, 4, XmNrightAttachment, XmATTACH_WIDGET,
	    XmNrightWidget, refresh, XmNrightOffset, 6, NULL);
	XtVaSetValues(lbl, XmNtopAttachment, XmATTACH_OPPOSITE_WIDGET,
	    XmNtopWidget, R.filter, XmNbottomAttachment,
	    XmATTACH_OPPOSITE_WIDGET, XmNbottomWidget, R.filter, NULL);
	XtAddCallback(R.filter, XmNvalueChangedCallback, filter_cb, NULL);
	ui_edit_keys(R.filter);
	R.status = XtVaCreateManagedWidget("roomsStatus", xmLabelWidgetClass,
	    R.dialog, XmNalignment, XmALIGNMENT_BEGINNING,
	    XmNleftAttachment, XmATTACH_FORM, XmNleftOffset, 8,
	    XmNrightAttachment, XmATTACH_FORM, XmNrightOffset, 8,
	    XmNtopAttachment, XmATTACH_WIDGET, XmNtopWidget, R.filter,
	    XmNtopOffset, 4, NULL);
	close = ui_form_button(R.dialog, "roomsClose", NULL, 1, 8, 8, close_cb);
	R.by_name = XtVaCreateManagedWidget("roomsByName",
	    xmToggleButtonWidgetClass, R.dialog, XmNleftAttachment,
	    XmATTACH_FORM, XmNleftOffset, 8, XmNbottomAttachment,
	    XmATTACH_FORM, XmNbottomOffset, 8, NULL);
	XtAddCallback(R.by_name, XmNvalueChangedCallback, filter_cb, NULL);
	join = ui_form_button(R.dialog, "roomsJoin", close, 1, 8, 8, join_cb);
	XtSetArg(args[n], XmNselectionPolicy, XmBROWSE_SELECT); n++;
	XtSetArg(args[n], XmNvisibleItemCount, 16); n++;
	XtSetArg(args[n], XmNscrollBarDisplayPolicy, XmAS_NEEDED); n++;
	R.list = XmCreateScrolledList(R.dialog, "roomsList", args, n);
	sw = XtParent(R.list);
	XtVaSetValues(sw, XmNleftAttachment, XmATTACH_FORM, XmNleftOffset, 8,
	    XmNrightAttachment, XmATTACH_FORM, XmNrightOffset, 8,
	    XmNtopAttachment, XmATTACH_WIDGET, XmNtopWidget, R.status,
	    XmNtopOffset, 4, XmNbottomAttachment, XmATTACH_WIDGET,
	    XmNbottomWidget, join, XmNbottomOffset, 6, XmNwidth, 520, NULL);
	XtAddCallback(R.list, XmNdefaultActionCallback, join_cb, NULL);
	XtManageChild(R.list);
	XtVaSetValues(R.dialog, XmNinitialFocus, R.filter, XmNcancelButton,
	    close, NULL);
}

/* SEV_LIST: the dialog, with what the session has now. */
void
ui_rooms_show(void)
{
	if (U.L == U.shown)	/* a /list in view, or the dialog's */
		U.list_link = U.L;
	if (U.L != U.list_link)	/* another server's list, not asked */
		return;
	if (R.dialog == NULL)
		build();
	if (!XtIsManaged(R.dialog))
		XtManageChild(R.dialog);
	fill();
}

/* Connection -> Rooms on the server...: ask again, show the dialog. */
void
ui_rooms_open(void)
{
	if (R.dialog == NULL)
		build();
	XtManageChild(R.dialog);
	U.list_link = U.L;		/* the server in view is asked */
	session_list(U.L->sess);		/* SEV_LIST fills it */
	ui_flush();
}

static void
join_ok_cb(Widget w, XtPointer cd, XtPointer call)
{
	XmSelectionBoxCallbackStruct *sb = call;
	char *text = NULL, cmd[IRC_LINE_MAX];

	(void)w;
	(void)cd;
	if (sb->value != NULL)
		text = XmStringUnparse(sb->value, NULL, XmCHARSET_TEXT,
		    XmCHARSET_TEXT, NULL, 0, XmOUTPUT_ALL);
	if (text != NULL && text[strspn(text, " ")] != '\0') {
		const char *p = text + strspn(text, " ");
		/* "dev" means #dev; the session checks the rest */
		snprintf(cmd, sizeof(cmd), "/join %s%s", strchr("#&", *p) ?
		    "" : "#", p);
		session_command(U.L->sess, model_active(session_model(U.L->sess)),
		    cmd);
		ui_flush();
	}
	XtFree(text);
}

/* Connection -> Join a room...: ask for its name. */
void
ui_join_open(void)
{
	struct netconf_recent rec;
	char path[600];
	XmString items[NETCONF_RECENT_MAX];
	int i;

	if (R.join_dialog == NULL) {
		/* a name to type, or one of the rooms joined lately */
		R.join_dialog = XmCreateSelectionDialog(U.top, "joinDialog",
		    NULL, 0);
		XtUnmanageChild(XmSelectionBoxGetChild(R.join_dialog,
		    XmDIALOG_APPLY_BUTTON));
		XtVaSetValues(XtParent(R.join_dialog), XmNtitle, "Join a room",
		    NULL);
		XtUnmanageChild(XmSelectionBoxGetChild(R.join_dialog,
		    XmDIALOG_HELP_BUTTON));
		XtAddCallback(R.join_dialog, XmNokCallback, join_ok_cb, NULL);
		ui_edit_keys(XmSelectionBoxGetChild(R.join_dialog,
		    XmDIALOG_TEXT));
	}
	rec.n = 0;
	if (netconf_path("recent-rooms", 0, path, sizeof(path)) == 0)
		(void)netconf_recent_load(path, &rec);	/* none: an empty list */
	for (i = 0; i < rec.n; i++)
		items[i] = XmStringCreateLocalized(rec.name[i]);
	XtVaSetValues(R.join_dialog, XmNlistItems, items, XmNlistItemCount,
	    rec.n, XmNmustMatch, False, NULL);
	for (i = 0; i < rec.n; i++)
		XmStringFree(items[i]);
	XmTextSetString(XmSelectionBoxGetChild(R.join_dialog, XmDIALOG_TEXT),
	    "");
	XtManageChild(R.join_dialog);
	ui_dump_soon();
}

void
ui_rooms_dump(FILE *f, int windows)
{
	int joining = R.join_dialog != NULL && XtIsManaged(R.join_dialog);
	char *s;

	if (windows) {
		if (R.dialog != NULL && XtIsManaged(R.dialog))
			fprintf(f, "roomsFilter=%lu\nroomsList=%lu\n"
			    "roomsByName=%lu\n", XtWindow(R.filter),
			    XtWindow(R.list), XtWindow(R.by_name));
		if (joining)
			fprintf(f, "joinText=%lu\njoinList=%lu\n", XtWindow(
			    XmSelectionBoxGetChild(R.join_dialog,
			    XmDIALOG_TEXT)), XtWindow(XmSelectionBoxGetChild(
			    R.join_dialog, XmDIALOG_LIST)));
		return;
	}
	fprintf(f, "joindialog=%d\n", joining);
	if (joining) {
		fprintf(f, "recent=");
		ui_put_items(f, XmSelectionBoxGetChild(R.join_dialog,
		    XmDIALOG_LIST), "|");
		fprintf(f, "\n");
	}
	if (R.dialog == NULL || !XtIsManaged(R.dialog)) {
		fprintf(f, "roomsdialog=0\n");
		return;
	}
	fprintf(f, "roomsdialog=1\nrooms=");
	ui_put_items(f, R.list, "|");
	s = ui_label_text(R.status);
	fprintf(f, "\nroomsstatus=%s\n", s);
	XtFree(s);
}

void
ui_rooms_shutdown(void)
{
	free(R.shown);
	R.shown = NULL;
	R.nshown = 0;
}
