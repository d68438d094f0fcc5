/*
 * ui.h -- the Motif layer of keochat.  It renders the session's events and
 * forwards input; it owns every widget, the connection's Xt inputs and
 * timers, and the test hooks.  ui_create() builds the whole window so an
 * in-process test can drive the real UI without xdotool.
 */
#ifndef KEO_UI_H
#define KEO_UI_H

#include <X11/Intrinsic.h>

/* Build the application (parses Xt options from argc/argv); returns the
 * top-level shell, or NULL when the display cannot be opened. */
Widget		 ui_create(int *argc, char **argv);
XtAppContext	 ui_app(void);
/* Run until Quit; returns the exit status. */
int		 ui_main_loop(void);
/* Destroy everything (for leak checkers). */
void		 ui_destroy(void);

/* ui_window.c -> ui_net.c and back (internal to the Motif layer). */
void		 ui_connect_clicked(void);
void		 ui_entry_activated(const char *text);
void		 ui_render_all(void);
void		 ui_net_init(void);
void		 ui_net_shutdown(void);

#endif
