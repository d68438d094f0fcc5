/*
 * ui_testhooks.c -- the GUI tests' view of the window, linked only into
 * keochat-test (a check program); the installed keochat has none of it.
 * With KEOCHAT_DUMP=FILE in the environment, a moment after every change
 * the window's state (title, connection state, tabs, roster, entry, each
 * tab's text) is written to FILE and the X window ids of its widgets to
 * FILE.windows, both atomically; the tests poll those files with
 * deadlines and click widgets by id.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <Xm/Xm.h>
#include <Xm/List.h>
#include <Xm/Text.h>
#include <Xm/TextF.h>

#include <Xm/MessageB.h>

#include "chatview.h"
#include "ui_priv.h"

void	ui_testhooks_dump_soon(void);

/* Write prefix, w's XmString resource res as text, and suffix. */
static void
put_string(FILE *f, const char *prefix, Widget w, const char *res,
    const char *suffix)
{
	XmString xs = NULL;
	char *s;

	XtVaGetValues(w, res, &xs, NULL);
	s = xs != NULL ? XmStringUnparse(xs, NULL, XmCHARSET_TEXT,
	    XmCHARSET_TEXT, NULL, 0, XmOUTPUT_ALL) : NULL;
	fprintf(f, "%s%s%s", prefix, s != NULL ? s : "", suffix);
	XtFree(s);
	XmStringFree(xs);
}

/* KEOCHAT_DUMP, read at the first change. */
static const char *dump_path;

static void
write_atomic(const char *path, const char *data, size_t n)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL)
		return;
	fwrite(data, 1, n, f);
	if (fclose(f) == 0)
		rename(tmp, path);
}

/* All servers' tabs in the notebook's order (the dump numbers them so). */
static struct tabw *T[UI_LINKS_MAX * MODEL_ROOMS_MAX];
static int NT;

static void
gather(void)
{
	int k, i;

	NT = 0;
	for (k = 0; k < U.nlinks; k++)
		for (i = 0; i < U.links[k]->ntabs; i++)
			T[NT++] = &U.links[k]->tabs[i];
}

static void
dump_now(XtPointer cd, XtIntervalId *id)
{
	struct model *m = session_model(U.shown->sess);
	char *buf = NULL, path[4096], *text, *title;
	size_t len = 0;
	FILE *f;
	int i, n, items, active = 0, shown = 0;
	XmStringTable list;

	(void)cd;
	(void)id;
	U.dump_timer = 0;
	ui_flush();
	gather();
	for (i = 0; i < U.nlinks; i++)
		if (U.links[i] == U.shown)
			shown = i;
	for (i = 0; i < NT; i++)
		if (T[i] == &U.shown->tabs[model_active(m)])
			active = i;
	/*
	 * Window ids for xdotool: widgets and the current tab buttons.
	 * Written before the state file, so a reader that sees a new tab in
	 * the state always finds its window id here.
	 */
	if ((f = open_memstream(&buf, &len)) == NULL)
		return;
	fprintf(f, "topic=%lu\n", XtWindow(U.topic));
	fprintf(f, "top=%lu\nserver=%lu\nuser=%lu\nconnect=%lu\nentry=%lu\n"
	    "roster=%lu\nnotebook=%lu\nmenubar=%lu\n",
	    XtWindow(U.top), XtWindow(U.server), XtWindow(U.user),
	    XtWindow(U.connect), XtWindow(U.entry), XtWindow(U.roster),
	    XtWindow(U.notebook), XtWindow(U.menubar));
	for (i = 0; i < NT; i++)
		fprintf(f, "tab%d=%lu\nchat%d=%lu\nsb%d=%lu\n", i,
		    XtWindow(T[i]->tab), i, XtWindow(cv_area(T[i]->cv)), i,
		    XtIsRealized(cv_scrollbar(T[i]->cv)) ?
		    XtWindow(cv_scrollbar(T[i]->cv)) : 0UL);
	if (U.roster_menu != NULL && XtIsManaged(U.roster_menu)) {
		static const char *const names[] = { "query", "whois", "op",
		    "deop", "voice", "devoice", "kick", "ban", "ignore" };
		size_t k;
		for (k = 0; k < 9; k++) {
			fprintf(f, "rmenu_%s=%lu\n", names[k],
			    XtWindow(U.roster_items[k]));
			/* the item under the pointer: a release picks it */
			if (U.menu_armed == U.roster_items[k])
				fprintf(f, "rmenu_armed=%lu\n",
				    XtWindow(U.roster_items[k]));
		}
	}

	if (U.search_dialog != NULL && XtIsManaged(U.search_dialog))
		fprintf(f, "searchfield=%lu\nsearchlist=%lu\n",
		    XtWindow(U.search_field), XtWindow(U.search_list));
	fprintf(f, "password=%lu\n", XtWindow(U.password));
	ui_networks_dump(f, 1);
	ui_rooms_dump(f, 1);
	if (U.cert_dialog != NULL && XtIsManaged(U.cert_dialog))
		fprintf(f, "certok=%lu\ncertcancel=%lu\n", XtWindow(
		    XmMessageBoxGetChild(U.cert_dialog, XmDIALOG_OK_BUTTON)),
		    XtWindow(XmMessageBoxGetChild(U.cert_dialog,
		    XmDIALOG_CANCEL_BUTTON)));
	fclose(f);
	snprintf(path, sizeof(path), "%s.windows", dump_path);
	write_atomic(path, buf, len);
	free(buf);
	if ((f = open_memstream(&buf, &len)) == NULL)
		return;
	XtVaGetValues(U.top, XmNtitle, &title, NULL);
	fprintf(f, "title=%s\nstate=%d\nactive=%d\nfocused=%d\nlinks=%d\n"
	    "link=%d\nlinkstates=", title, (int)session_state(U.shown->sess),
	    active, U.focused, U.nlinks, shown);
	for (i = 0; i < U.nlinks; i++)
		fprintf(f, "%s%d", i ? "," : "", (int)session_state(
		    U.links[i]->sess));
	fprintf(f, "\nconnect=");
	put_string(f, "", U.connect, XmNlabelString, "\n");
	fprintf(f, "tabs=");
	for (i = 0; i < NT; i++)
		put_string(f, i ? "|" : "", T[i]->tab, XmNlabelString, "");
	XtVaGetValues(U.roster, XmNitemCount, &items, XmNitems, &list, NULL);
	fprintf(f, "\nrosterrows=");
	for (n = 1; n <= items; n++) {	/* where each row is, for clicks */
		Position rx, ry;
		Dimension rw, rh;
		if (XmListPosToBounds(U.roster, n, &rx, &ry, &rw, &rh))
			fprintf(f, "%s%d", n > 1 ? "," : "", ry + rh / 2);
	}
	fprintf(f, "\nroster=");
	ui_put_items(f, U.roster, ",");
	text = XmTextGetString(U.entry);
	fprintf(f, "\nentry=%s\n", text);
	XtFree(text);
	text = XmTextFieldGetString(U.user);
	fprintf(f, "userfield=%s\n", text);
	XtFree(text);
	put_string(f, "status=", U.status, XmNlabelString, "\n");
	ui_networks_dump(f, 0);
	ui_rooms_dump(f, 0);
	text = XmTextFieldGetString(U.topic);
	fprintf(f, "topicfield=%s\ntopiceditable=%d\n", text,
	    XmTextFieldGetEditable(U.topic) ? 1 : 0);
	XtFree(text);
	put_string(f, "modeslabel=", U.modes_label, XmNlabelString, "\n");
	text = XmTextFieldGetString(U.server);
	fprintf(f, "serverfield=%s\npastedialog=%d\nlinkdialog=%d\n", text,
	    U.paste_dialog != NULL && XtIsManaged(U.paste_dialog),
	    U.link_dialog != NULL && XtIsManaged(U.link_dialog));
	XtFree(text);
	text = XmTextFieldGetString(U.password);
	fprintf(f, "passwordfield=%s\ncertdialog=%d\n", text,
	    U.cert_dialog != NULL && XtIsManaged(U.cert_dialog));
	XtFree(text);
	if (U.cert_dialog != NULL && XtIsManaged(U.cert_dialog)) {
		XmString xs;
		char *t, *nl;
		XtVaGetValues(U.cert_dialog, XmNmessageString, &xs, NULL);
		t = XmStringUnparse(xs, NULL, XmCHARSET_TEXT, XmCHARSET_TEXT,
		    NULL, 0, XmOUTPUT_ALL);
		for (nl = t; (nl = strchr(nl, '\n')) != NULL;)
			*nl = ' ';
		fprintf(f, "certtext=%s\n", t);
		XtFree(t);
		XmStringFree(xs);
	}
	{	/* where the widgets are, in the window: the layout tests */
		Widget g[] = { U.top, U.notebook, XtParent(U.roster), U.entry,
		    U.connect, U.password };
		const char *gn[] = { "top", "notebook", "roster", "entry",
		    "connect", "password" };
		size_t k;
		for (k = 0; k < sizeof(g) / sizeof(g[0]); k++) {
			Position x = 0, y = 0;
			Dimension w = 0, h = 0;
			if (k > 0)
				XtTranslateCoords(g[k], 0, 0, &x, &y);
			XtVaGetValues(g[k], XmNwidth, &w, XmNheight, &h, NULL);
			if (k > 0) {	/* relative to the window */
				Position tx = 0, ty = 0;
				XtTranslateCoords(U.top, 0, 0, &tx, &ty);
				x -= tx;
				y -= ty;
			}
			fprintf(f, "geom_%s=%d,%d,%u,%u\n", gn[k], x, y, w, h);
		}
	}
	fprintf(f, "searchdialog=%d\n", U.search_dialog != NULL &&
	    XtIsManaged(U.search_dialog));
	if (U.search_dialog != NULL) {
		put_string(f, "searchstatus=", U.search_status,
		    XmNlabelString, "\nresults=");
		ui_put_items(f, U.search_list, "|");
		fprintf(f, "\n");
	}
	for (i = 0; i < NT; i++) {
		char fonts[256];
		int missing;
		cv_font_report(T[i]->cv, fonts, sizeof(fonts), &missing);
		int lx, ly, lw;
		fprintf(f, "top%d=%ld\nsel%d=%s\nfonts%d=%s\nmissing%d=%d\n", i,
		    cv_top_char(T[i]->cv), i, cv_selection(T[i]->cv),
		    i, fonts, i, missing);
		if (cv_last_link(T[i]->cv, &lx, &ly, &lw))
			fprintf(f, "link%d=%d,%d,%d\n", i, lx, ly, lw);
	}
	for (i = 0; i < NT; i++) {
		text = cv_text(T[i]->cv);
		fprintf(f, "--- tab %d\n%s\n", i, text != NULL ? text : "");
		free(text);
	}
	fclose(f);
	write_atomic(dump_path, buf, len);
	free(buf);
}

void
ui_testhooks_dump_soon(void)
{
	static int checked;

	if (!checked) {
		checked = 1;
		dump_path = getenv("KEOCHAT_DUMP");
	}
	if (dump_path == NULL || U.dump_timer != 0 || !XtIsRealized(U.top))
		return;
	U.dump_timer = XtAppAddTimeOut(U.app, 30, dump_now, NULL);
}
