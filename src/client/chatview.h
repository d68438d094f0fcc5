/*
 * chatview.h -- keochat's own chat view: an XmDrawingArea with a scroll
 * bar that draws a tab's lines with Xft, each glyph in the first font
 * that has it (fontconfig's fallback list: Latin, CJK and emoji mix in one
 * line), wraps long lines with the text under the text (not under the
 * time), colours times, nicks (a stable hash), mentions and the marker
 * line, and selects with the mouse into PRIMARY (and, on Ctrl+C, the
 * CLIPBOARD).  It holds its own copy of the lines; the model is the truth
 * and the Motif layer feeds the view.  Part of the Motif layer only.
 */
#ifndef KEO_CHATVIEW_H
#define KEO_CHATVIEW_H

#include <stdint.h>

#include <X11/Intrinsic.h>

struct chatview;

/* Called when the user scrolls the view to its first line. */
typedef void	(*cv_top_fn)(struct chatview *, void *ud);
/* Called with the link the user clicked (model_urls finds them). */
typedef void	(*cv_url_fn)(struct chatview *, const char *url, void *ud);

/* A view as the child of parent (a form, made with args, holds the
 * drawing area and the scroll bar); name names the drawing area.  The
 * view is freed with its widgets: cv_destroy, or the parent's end. */
struct chatview	*cv_create(Widget parent, const char *name, ArgList args,
		    Cardinal nargs);
void		 cv_destroy(struct chatview *v);
Widget		 cv_widget(const struct chatview *v);	/* the outer form */
Widget		 cv_area(const struct chatview *v);	/* where it draws */
Widget		 cv_scrollbar(const struct chatview *v);
void		 cv_on_top(struct chatview *v, cv_top_fn fn, void *ud);
void		 cv_on_url(struct chatview *v, cv_url_fn fn, void *ud);
/* For the tests: where the last link drawn is, in the area. */
int		 cv_last_link(const struct chatview *v, int *x, int *y,
		    int *w);
/* Called when the user scrolled the view or selected in it. */
void		 cv_on_change(struct chatview *v, cv_top_fn fn, void *ud);

/* Lines: flags are the model's ML_* (mention, marker, own).  Appending
 * keeps at most max lines (the oldest go).  Nothing is drawn until
 * cv_flush, once per burst. */
void		 cv_clear(struct chatview *v);
/* A line at the end; fmt: an FMT_* word (model.h) per byte of text, the
 * mIRC colours and styles to draw, or NULL. */
void		 cv_append(struct chatview *v, const char *text, unsigned flags,
		    const uint16_t *fmt);
/* The newest line's text again (it grew), plain. */
void		 cv_replace_last(struct chatview *v, const char *text);
void		 cv_flush(struct chatview *v);
size_t		 cv_count(const struct chatview *v);

/* Where the view is: showing its last line?  Keep what it showed after
 * `above` lines went in before the first (history), show the end, or
 * show line k selected (a search result). */
int		 cv_at_bottom(const struct chatview *v);
void		 cv_keep_view(struct chatview *v, size_t above, size_t top,
		    int bottom);
void		 cv_scroll_end(struct chatview *v);
void		 cv_show_line(struct chatview *v, size_t k, Time t);
/* The first line shown (index), and its character offset in cv_text. */
size_t		 cv_top_line(const struct chatview *v);
long		 cv_top_char(const struct chatview *v);

/* All the text, lines joined by '\n' (malloc'ed), and the selection (a
 * static buffer of the view, "" for none). */
char		*cv_text(const struct chatview *v);
const char	*cv_selection(const struct chatview *v);
/* text to the CLIPBOARD, owned by widget w (keochat answers for it, not
 * Motif's clipboard library); 0 when it cannot be. */
int		 cv_own_clipboard(Widget w, const char *text, Time t);
/* The selection to the CLIPBOARD; 0 when there is none. */
int		 cv_copy(struct chatview *v, Time t);

/* For the tests: the fonts the shown lines were drawn with ("DejaVu Sans
 * WenQuanYi Micro Hei"), and how many glyphs no font had. */
void		 cv_font_report(const struct chatview *v, char *out,
		    size_t outsz, int *missing);
/* The font for every view: a fontconfig name ("DejaVu Sans-10"). */
void		 cv_set_font(const char *name);
/* Lines a view keeps (the model's scrollback). */
void		 cv_set_max_lines(size_t n);
/* Close the fonts, after the last view is gone. */
void		 cv_shutdown(void);

#endif
