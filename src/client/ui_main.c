/*
 * ui_main.c -- keochat's entry point: locale, Xt options and resources,
 * signals, the main loop and a clean exit.
 *
 * Options (each also a resource of class KeoChat): -server HOST:PORT,
 * -nick NAME, -room CHANNEL, -connect, -log FILE, plus every standard Xt
 * option (-display, -geometry, -xrm ...).  Defaults live in the fallback
 * resources below (the KeoChat app-defaults file carries the same), never
 * in code, so -xrm and the app-defaults file can override them.
 */
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <Xm/Xm.h>

#include "chatview.h"
#include "notify.h"
#include "ui_priv.h"

struct ui U;

static String fallback_resources[] = {
#include "fallback.h"
	NULL
};

static XrmOptionDescRec options[] = {
	{ "-server", "*server.value", XrmoptionSepArg, NULL },
	{ "-nick", "*user.value", XrmoptionSepArg, NULL },
	{ "-room", ".room", XrmoptionSepArg, NULL },
	{ "-connect", ".autoConnect", XrmoptionNoArg, "True" },
	{ "-log", ".logFile", XrmoptionSepArg, NULL },
	{ "-cert", ".clientCert", XrmoptionSepArg, NULL },
	{ "-account", ".account", XrmoptionSepArg, NULL },
};

#define OFF(f) XtOffsetOf(struct ui_resources, f)
static XtResource resources[] = {
	{ "room", "Room", XmRString, sizeof(String), OFF(room), XmRString,
	  "#lobby" },
	{ "autoConnect", "AutoConnect", XmRBoolean, sizeof(Boolean),
	  OFF(auto_connect), XmRImmediate, (XtPointer)False },
	{ "logFile", "LogFile", XmRString, sizeof(String), OFF(log_file),
	  XmRImmediate, NULL },
	{ "clientCert", "ClientCert", XmRString, sizeof(String),
	  OFF(client_cert), XmRImmediate, NULL },
	{ "account", "Account", XmRString, sizeof(String), OFF(account),
	  XmRImmediate, NULL },
	{ "chatFont", "ChatFont", XmRString, sizeof(String), OFF(chat_font),
	  XmRImmediate, NULL },
	{ "sendTyping", "SendTyping", XmRBoolean, sizeof(Boolean),
	  OFF(send_typing), XmRImmediate, (XtPointer)True },
	{ "scrollback", "Scrollback", XmRInt, sizeof(int), OFF(scrollback),
	  XmRImmediate, (XtPointer)MODEL_SCROLLBACK },
	{ "showColours", "ShowColours", XmRBoolean, sizeof(Boolean),
	  OFF(show_colours), XmRImmediate, (XtPointer)True },
	{ "foldJoins", "FoldJoins", XmRBoolean, sizeof(Boolean),
	  OFF(fold_joins), XmRImmediate, (XtPointer)True },
	{ "showJoins", "ShowJoins", XmRBoolean, sizeof(Boolean),
	  OFF(show_joins), XmRImmediate, (XtPointer)True },
	{ "notifications", "Notifications", XmRBoolean, sizeof(Boolean),
	  OFF(notifications), XmRImmediate, (XtPointer)True },
	{ "autoAway", "AutoAway", XmRInt, sizeof(int), OFF(auto_away),
	  XmRImmediate, (XtPointer)0 },
	{ "awayMessage", "AwayMessage", XmRString, sizeof(String),
	  OFF(away_message), XmRString, "Away from the keyboard" },
};

/* Use the user's locale, but make sure text is UTF-8 even under LANG=C. */
static String
lang_proc(Display *dpy, String xnl, XtPointer arg)
{
	(void)dpy;
	(void)arg;
	if (setlocale(LC_ALL, xnl) == NULL)
		setlocale(LC_ALL, "C");
	if (strcmp(nl_langinfo(CODESET), "UTF-8") != 0)
		setlocale(LC_CTYPE, "C.UTF-8");
	if (!XSupportsLocale())
		setlocale(LC_ALL, "C.UTF-8");
	XSetLocaleModifiers("");
	return setlocale(LC_CTYPE, NULL);
}

static void
on_signal(int sig)
{
	(void)sig;
	XtNoticeSignal(U.sig);
}

/* Quit: every server hears QUIT, as Disconnect says it, then the loop
 * ends (the menu, the window's close box, SIGTERM, SIGINT). */
void
ui_quit(void)
{
	int k;

	for (k = 0; k < U.nlinks; k++) {
		U.L = U.links[k];
		if (session_state(U.L->sess) != SS_DISCONNECTED)
			ui_disconnect(1, NULL);
	}
	U.L = U.shown;
	XtAppSetExitFlag(U.app);
}

static void
quit_cb(XtPointer cd, XtSignalId *id)
{
	(void)cd;
	(void)id;
	ui_quit();
}

Widget
ui_create(int *argc, char **argv)
{
	struct sigaction sa;

	XtSetLanguageProc(NULL, lang_proc, NULL);
	U.top = XtVaOpenApplication(&U.app, "KeoChat", options,
	    XtNumber(options), argc, argv, fallback_resources,
	    applicationShellWidgetClass, XmNtitle, "KEO Chat",
	    XmNiconName, "KEO Chat", NULL);
	if (U.top == NULL)
		return NULL;
	XtGetApplicationResources(U.top, &U.res, resources,
	    XtNumber(resources), NULL, 0);
	U.sig = XtAppAddSignal(U.app, quit_cb, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (U.res.log_file != NULL && *U.res.log_file != '\0' &&
	    (U.log = fopen(U.res.log_file, "a")) != NULL)
		setvbuf(U.log, NULL, _IOLBF, 0);
	ui_net_init();
	cv_set_font(U.res.chat_font);
	cv_set_max_lines(model_scrollback(session_model(U.L->sess)));
	ui_build();
	if (U.res.notifications) {
		/* no bus, no notifications: quietly (the bell and the urgency
		 * hint still ask for attention) */
		char why[300];
		(void)notify_open(why, sizeof(why));
	}
	if (U.res.log_file != NULL && *U.res.log_file != '\0' && U.log == NULL)
		session_note(U.L->sess, 0, "Cannot open the log file %s",
		    U.res.log_file);
	XtRealizeWidget(U.top);
	ui_min_size();
	ui_update_state();
	ui_networks_at_start();
	if (U.res.auto_connect)
		ui_connect_clicked();
	ui_flush();
	return U.top;
}

XtAppContext
ui_app(void)
{
	return U.app;
}

int
ui_main_loop(void)
{
	XtAppMainLoop(U.app);
	return U.exit_status;
}

void
ui_destroy(void)
{
	ui_net_shutdown();
	notify_close();
	ui_rooms_shutdown();
	if (U.log != NULL)
		fclose(U.log);
	free(U.paste_text);
	U.paste_text = NULL;
	free(U.link);
	U.link = NULL;
	free(U.order);
	U.order = NULL;
	XtDestroyWidget(U.top);		/* the views go with it */
	cv_shutdown();			/* then their fonts, on the display */
	XtDestroyApplicationContext(U.app);
}

#ifndef KEOCHAT_UI_TEST
int
main(int argc, char *argv[])
{
	int rc;

	if (ui_create(&argc, argv) == NULL) {
		fprintf(stderr, "keochat: cannot open the X display %s\n",
		    getenv("DISPLAY") ? getenv("DISPLAY") : "(DISPLAY unset)");
		return 1;
	}
	if (argc > 1) {
		fprintf(stderr, "keochat: unknown option %s\nusage: keochat "
		    "[-server HOST:PORT] [-nick NAME] [-room CHANNEL] "
		    "[-connect] [-log FILE] [-cert FILE] [-account NAME] "
		    "[Xt options]\n", argv[1]);
		ui_destroy();
		return 2;
	}
	rc = ui_main_loop();
	ui_destroy();
	return rc;
}
#endif
