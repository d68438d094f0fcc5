/*
 * ui_priv.h -- the one per-process context of the Motif client, shared by
 * ui_main.c, ui_window.c and ui_net.c.  Only the Motif layer includes it.
 */
#ifndef KEO_UI_PRIV_H
#define KEO_UI_PRIV_H

#include <stdio.h>

#include <Xm/Xm.h>

#include "bounds.h"
#include "model.h"
#include "net.h"
#include "session.h"
#include "ui.h"

struct chatview;

#define UI_SECRET_MAX	301	/* a password field's text, NUL included */

struct tabw {
	Widget		 page;		/* the XmNotebook page (the view's form) */
	struct chatview	*cv;		/* its chat view (chatview.h) */
	Widget		 tab;		/* the major tab button */
	int		 page_no;	/* its page in the notebook */
	int		 dirty;		/* lines appended, not drawn yet */
	int		 stick;		/* it showed its end before them */
	char		 label[128];	/* what its tab says now */
};

struct ui_resources {
	String		 room;
	Boolean		 auto_connect;
	String		 log_file;
	String		 client_cert;	/* PEM cert and key: SASL EXTERNAL */
	String		 account;	/* log in as this, not as the nick */
	String		 chat_font;	/* the chat view's font (fontconfig) */
	Boolean		 send_typing;	/* +typing to others */
	int		 scrollback;	/* lines kept per tab */
	int		 auto_away;	/* minutes idle, 0: never */
	Boolean		 notifications;	/* desktop notifications (D-Bus) */
	Boolean		 show_joins;	/* others' joins and parts as lines */
	Boolean		 fold_joins;	/* ... folded into one while they come */
	Boolean		 show_colours;	/* mIRC colours drawn (else plain) */
	String		 away_message;
};

/*
 * A link: one server connection with its session, socket, timers and
 * tabs.  keochat holds several at once (a saved network each, or one
 * opened with New Server Tab); their tabs sit in the one notebook,
 * grouped: a link's server tab, then its rooms.
 */
#define UI_LINKS_MAX	8

struct link {
	struct session	*sess;
	struct net	*net;
	XtInputId	 in_id, out_id;
	XtIntervalId	 resolve_timer, tick_timer, reconnect_timer;
	XtIntervalId	 sts_timer, pump_timer;
	unsigned	 sts_port;
	int		 nick_rejected;	/* 433 while registering */
	int		 was;		/* the session state last seen */
	char		 last_nick[65];	/* the name the Username field shows */
	char		 name[64];	/* its server tab's label (networks) */
	char		 pw[UI_SECRET_MAX];	/* the password it logs in with */
	/* a saved network being connected (Networks dialog, or at start):
	 * what the top row has no field for */
	int		 net_on;
	char		 net_name[64];
	char		 net_server[300];	/* its Server field text */
	char		 net_rooms[512];
	char		 net_alternates[128];
	char		 net_account[NICK_MAX + 1];
	char		 net_cert[512];
	int		 net_quiet;		/* no desktop notifications */
	char		 net_quiet_tabs[512];	/* tabs that start quiet */
	/* TLS of the link being made */
	int		 tls;		/* this link is TLS */
	int		 sts_strict;	/* an sts upgrade: the certificate must
					 * verify, no question asked */
	char		 host[256], port[16];	/* where it goes */
	char		 cert_fp[65];	/* the certificate asked about */
	struct tabw	 tabs[MODEL_ROOMS_MAX];
	int		 ntabs;
};

struct ui {
	XtAppContext	 app;
	Widget		 top, mainw, form, menubar;
	Widget		 server, user, password, connect, notebook, users_label;
	Widget		 roster, cert_dialog;
	Widget		 entry, status;
	Widget		 m_connect, m_disconnect, m_save, m_away;
	Widget		 help_dialog, about_dialog, save_dialog;
	Widget		 search_dialog, search_field, search_list, search_status;
	Widget		 paste_dialog, link_dialog;
	Widget		 topic, modes_label;	/* the topic bar */
	Widget		 roster_menu;	/* right click on a name */
	Widget		 roster_items[9];
	Widget		 menu_armed;	/* the item under the pointer */
	char		 menu_nick[65];	/* whom the menu is about */
	size_t		*order;		/* roster rows -> model roster index */
	size_t		 norder;
	char		*link;		/* a link waiting for its answer */
	char		*paste_text;	/* a paste waiting for its answer */
	int		 paste_room;
	int		 formatting;	/* format_action is inserting a code */
	int		 selecting;	/* we are changing the page ourselves */
	XtIntervalId	 dump_timer;	/* ui_testhooks.c */
	XtSignalId	 sig;
	int		 focused;
	struct ui_resources res;
	FILE		*log;
	char		 log_room[64];
	struct complete_state complete;
	int		 completing;
	int		 exit_status;
	char		 pw[UI_SECRET_MAX];	/* the password field's text */
	/* the links: U.L is the one being served (its callback runs), else
	 * the one shown (whose tab is selected) */
	struct link	*links[UI_LINKS_MAX];
	int		 nlinks;
	struct link	*L, *shown;
	struct link	*paste_link;	/* where a waiting paste goes */
	struct link	*search_link;	/* the search dialog's server */
	struct link	*list_link;	/* the Rooms dialog's server */
};

extern struct ui U;

/* ui_main.c */
void	ui_quit(void);			/* QUIT to every server, then exit */
/* ui_window.c */
void	ui_build(void);
void	ui_link_named(void);		/* U.L's name changed */
struct link *ui_link_open(void);	/* a new link's server tab, shown */
void	ui_link_close(struct link *l);	/* its tabs and all */
void	ui_event(const struct session_event *ev);
void	ui_flush(void);
void	ui_update_state(void);
void	ui_dump_soon(void);
void	ui_select_room(int i);
void	ui_pump(void);
void	ui_min_size(void);
void	ui_topic_sync(void);
void	ui_drop_controls(XmTextVerifyCallbackStruct *v);
void	ui_set_label(Widget w, const char *text);
void	ui_edit_keys(Widget w);	/* Ctrl+A/C/X/V, Shift+Insert in a field */
void	ui_secret_modify_cb(Widget w, XtPointer cd, XtPointer call);
/* A button on form's bottom row (ui_window.c). */
Widget	ui_form_button(Widget form, const char *name, Widget neighbour,
	    int right, int edge, int gap, XtCallbackProc cb);
/* A list's items into f, sep between them. */
void	ui_put_items(FILE *f, Widget list, const char *sep);
/* The text of a label (XtMalloc'd: XtFree it). */
char	*ui_label_text(Widget w);
/* ui_rooms.c */
void	ui_rooms_show(void);
void	ui_rooms_open(void);
void	ui_join_open(void);
void	ui_rooms_dump(FILE *f, int windows);
void	ui_rooms_shutdown(void);
/* ui_networks.c */
void	ui_networks_open(void);
void	ui_networks_at_start(void);	/* connect-at-start, errors noted */
void	ui_networks_dump(FILE *f, int windows);
int	ui_network_connect(int k);	/* saved network k: 0, -1 */
/* ui_net.c */
struct link *ui_link_new(void);
void	ui_link_free(struct link *l);
void	ui_disconnect(int by_user, const char *why);
void	ui_connect_to(const char *server, const char *nick);
void	ui_sts(const char *policy);
/* ui_window.c: ask whether to trust an unverified certificate */
void	ui_ask_certificate(const char *hostport, const char *why,
	    const char *fp);
/* ui_net.c: the answer */
void	ui_certificate_answer(int accept);

#endif
