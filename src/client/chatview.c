/*
 * chatview.c -- see chatview.h.  Owns struct chatview and the fonts all
 * views share.
 *
 * A view keeps its lines decoded to UCS-4 with, per line, where its rows
 * start at the current width (a line is re-wrapped only when the width
 * changes).  The position is (top line, row in it); the scroll bar counts
 * rows.  Drawing goes to a pixmap the size of the area, then to the
 * window in one copy: a burst of lines is one redraw (cv_flush).
 *
 * Fonts: the first of the list fontconfig sorts for the chosen name has
 * the Latin letters; any glyph it lacks is looked up along the rest of
 * that list (the fonts are opened as they are needed, at most FONTS_MAX),
 * and the answer is kept per code point, so a line with Latin, CJK and
 * emoji is drawn as runs of glyphs, each run in a font that has them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <X11/Xatom.h>
#include <X11/Xft/Xft.h>
#include <Xm/DrawingA.h>
#include <Xm/Form.h>
#include <Xm/ScrollBar.h>

#include "chatview.h"
#include "model.h"

#define FONTS_MAX	16
#define MARGIN		4	/* pixels left and right of the text */
#define NO_FONT		255
#define ITALIC_FONT	128	/* + k: font k slanted (\035) */
#define WHEEL_ROWS	3
#define URLS_MAX	8	/* links drawn as links in one line */
#define NICK_COL	11	/* the nick column: as wide as this many n */

enum { C_TEXT, C_TIME, C_MARKER, C_MENTION_BG, C_SEL_BG, C_BG, C_OWN,
	C_LINK, C_NICK0 };
#define NICK_COLOURS	10
static const char *const colour_names[] = {
	"#1e1e1e", "#7a7a7a", "#c0392b", "#fff1b8", "#b3d4fc", "#ffffff",
	"#555555", "#1a5fb4",
	/* nicks: dark enough to read on white, far enough apart */
	"#1f5fa8", "#b03a2e", "#1e7b34", "#7d3c98", "#a04000", "#117a65",
	"#9c2a6b", "#5d6d1e", "#2e4053", "#b7791f",
	/* the 16 mIRC colours (\003NN), as mIRC draws them */
	"#ffffff", "#000000", "#00007f", "#009300", "#ff0000", "#7f0000",
	"#9c009c", "#fc7f00", "#ffff00", "#00fc00", "#009393", "#00ffff",
	"#0000fc", "#ff00ff", "#7f7f7f", "#d2d2d2",
};
#define C_MIRC0		(C_NICK0 + NICK_COLOURS)
#define NCOLOURS	(sizeof(colour_names) / sizeof(colour_names[0]))

static struct {
	Display		*dpy;
	int		 ready;
	char		 name[256];
	FcPattern	*pat;
	FcFontSet	*set;
	XftFont		*font[FONTS_MAX];
	XftFont		*italic[FONTS_MAX];	/* font[k] slanted, or NULL */
	unsigned	 italic_tried;		/* bits: looked for */
	int		 from[FONTS_MAX];	/* index in set, -1: the first */
	int		 nfont;
	unsigned char	*bmp;			/* code point < 65536 -> font+1 */
	struct { uint32_t c; unsigned char f; } astral[512];
	int		 nastral;
	short		*adv;			/* advances of BMP code points */
	int		 ascent, height;
	XftColor	 col[NCOLOURS];
	Visual		*visual;
	Colormap	 cmap;
	char		*clip;			/* what the CLIPBOARD holds */
} F = { .name = "DejaVu Sans-10" };

struct cvl {
	char		*text;
	uint32_t	*u;
	uint16_t	*fa;			/* FMT_* per char, or NULL */
	int		 n;
	unsigned	 flags;
	int		 prefix;		/* chars of "[HH:MM:SS] " */
	int		 nick0, nick1;		/* the nick's chars, or -1 */
	int		 rows;
	int		*brk;			/* where each row starts */
	int		 wrapw;			/* width brk was made for */
	int		 nurl;
	int		 url[URLS_MAX][2];	/* links: [start, end) chars */
};

struct chatview {
	Widget		 form, area, sb;
	struct cvl	*l;
	size_t		 n, cap;
	size_t		 top;			/* first line shown */
	int		 toprow;		/* its first row shown */
	int		 w, h;
	Pixmap		 pm;
	int		 pmw, pmh;
	XftDraw		*draw;
	int		 dirty;
	/* what the pixmap shows: from (drawn_top, drawn_toprow), drawn_rows
	 * rows, down to the area's end or not (drawn_filled); full: more
	 * than appends changed since, so all of it is drawn again */
	size_t		 drawn_top;
	int		 drawn_toprow, drawn_rows, drawn_filled, full;
	/* the rows of all lines at width total_w (-1: count again) */
	long		 total;
	int		 total_w;
	int		 sel, dragging;
	size_t		 sa, sb_;		/* selection: lines ... */
	int		 sac, sbc;		/* ... and characters */
	char		*seltext;
	cv_top_fn	 topfn;
	void		*topud;
	cv_top_fn	 changefn;		/* scrolled or selected */
	void		*changeud;
	cv_url_fn	 urlfn;			/* a link was clicked */
	void		*urlud;
	int		 link_x, link_y, link_w;	/* the last link drawn */
	unsigned	 used;			/* fonts drawn (bits) */
	int		 missing;		/* glyphs no font had */
};

static size_t cv_max_lines = MODEL_SCROLLBACK;

void
cv_set_max_lines(size_t n)
{
	cv_max_lines = n > 0 ? n : 1;
}

/* --- fonts ----------------------------------------------------------------- */

void
cv_set_font(const char *name)
{
	if (name != NULL && *name != '\0')
		snprintf(F.name, sizeof(F.name), "%s", name);
}

static int
fonts_init(Display *dpy, Widget w)
{
	FcResult r;
	size_t k;

	if (F.ready)
		return 0;
	F.dpy = dpy;
	F.visual = DefaultVisual(dpy, DefaultScreen(dpy));
	XtVaGetValues(w, XmNcolormap, &F.cmap, NULL);
	if ((F.bmp = calloc(65536, 1)) == NULL ||
	    (F.adv = calloc(65536, sizeof(*F.adv))) == NULL)
		return -1;
	if ((F.pat = FcNameParse((const FcChar8 *)F.name)) == NULL)
		F.pat = FcNameParse((const FcChar8 *)"sans-10");
	if (F.pat == NULL)
		return -1;
	FcConfigSubstitute(NULL, F.pat, FcMatchPattern);
	XftDefaultSubstitute(dpy, DefaultScreen(dpy), F.pat);
	F.set = FcFontSort(NULL, F.pat, FcTrue, NULL, &r);
	if ((F.font[0] = XftFontOpenName(dpy, DefaultScreen(dpy), F.name)) ==
	    NULL && (F.font[0] = XftFontOpenName(dpy, DefaultScreen(dpy),
	    "sans-10")) == NULL)
		return -1;
	F.from[0] = -1;
	F.nfont = 1;
	{	/* italics: the same font, slanted (none: drawn upright) */
		char it[300];
		snprintf(it, sizeof(it), "%s:slant=italic", F.name);
		F.italic[0] = XftFontOpenName(dpy, DefaultScreen(dpy), it);
		F.italic_tried = 1;
	}
	F.ascent = F.font[0]->ascent;
	F.height = F.font[0]->ascent + F.font[0]->descent + 1;
	for (k = 0; k < NCOLOURS; k++)
		if (!XftColorAllocName(dpy, F.visual, F.cmap, colour_names[k],
		    &F.col[k]))
			return -1;
	F.ready = 1;
	return 0;
}

/* The font (index) that has c, NO_FONT when none of the list has it. */
static int
font_for(uint32_t c)
{
	FcCharSet *cs;
	FcPattern *p;
	XftFont *f;
	int k, i, got = NO_FONT;

	if (c < 65536 && F.bmp[c] != 0)
		return F.bmp[c] - 1;
	for (k = 0; c >= 65536 && k < F.nastral; k++)
		if (F.astral[k].c == c)
			return F.astral[k].f;
	for (k = 0; k < F.nfont && got == NO_FONT; k++)
		if (XftCharExists(F.dpy, F.font[k], c))
			got = k;
	for (i = 0; got == NO_FONT && F.set != NULL && i < F.set->nfont &&
	    F.nfont < FONTS_MAX; i++) {
		for (k = 0; k < F.nfont && F.from[k] != i; k++)
			;
		if (k < F.nfont || FcPatternGetCharSet(F.set->fonts[i],
		    FC_CHARSET, 0, &cs) != FcResultMatch ||
		    !FcCharSetHasChar(cs, c))
			continue;
		if ((p = FcFontRenderPrepare(NULL, F.pat, F.set->fonts[i])) ==
		    NULL)
			continue;
		if ((f = XftFontOpenPattern(F.dpy, p)) == NULL) {
			FcPatternDestroy(p);
			continue;
		}
		F.font[F.nfont] = f;
		F.from[F.nfont] = i;
		got = F.nfont++;
	}
	if (c < 65536)
		F.bmp[c] = (unsigned char)(got + 1 > 255 ? 255 : got + 1);
	else if (F.nastral < (int)(sizeof(F.astral) / sizeof(F.astral[0]))) {
		F.astral[F.nastral].c = c;
		F.astral[F.nastral++].f = (unsigned char)got;
	}
	return got;
}

/* Fallback font k slanted: its family asked for in italics (fontconfig
 * slants an upright face where the family has none); looked for once. */
static XftFont *
italic_of(int k)
{
	FcPattern *p, *m;
	FcChar8 *fam;
	XftResult r;
	double px;

	if (k < 0 || k >= F.nfont)
		return NULL;
	if (!(F.italic_tried & (1u << k))) {
		F.italic_tried |= 1u << k;
		if ((p = FcPatternCreate()) == NULL)
			return NULL;
		if (FcPatternGetString(F.font[k]->pattern, FC_FAMILY, 0,
		    &fam) == FcResultMatch)
			(void)FcPatternAddString(p, FC_FAMILY, fam);
		if (FcPatternGetDouble(F.font[k]->pattern, FC_PIXEL_SIZE, 0,
		    &px) == FcResultMatch)
			(void)FcPatternAddDouble(p, FC_PIXEL_SIZE, px);
		(void)FcPatternAddInteger(p, FC_SLANT, FC_SLANT_ITALIC);
		m = XftFontMatch(F.dpy, DefaultScreen(F.dpy), p, &r);
		FcPatternDestroy(p);
		if (m != NULL && (F.italic[k] = XftFontOpenPattern(F.dpy,
		    m)) == NULL)
			FcPatternDestroy(m);
	}
	return F.italic[k];
}

/* The font to draw c with in italics when font k has it upright: the
 * slanted one, or k itself when that lacks c. */
static int
italic_for(int k, uint32_t c)
{
	XftFont *f = italic_of(k);

	return f != NULL && XftCharExists(F.dpy, f, c) ? ITALIC_FONT + k : k;
}

static XftFont *
font_of(int k)
{
	if (k >= ITALIC_FONT && k < ITALIC_FONT + FONTS_MAX &&
	    italic_of(k - ITALIC_FONT) != NULL)
		return F.italic[k - ITALIC_FONT];
	if (k >= ITALIC_FONT && k < ITALIC_FONT + FONTS_MAX)
		k -= ITALIC_FONT;
	return k == NO_FONT || k >= F.nfont ? F.font[0] : F.font[k];
}

/* The advance of c in pixels, in the font that draws it. */
static int
advance(uint32_t c)
{
	XGlyphInfo gi;
	FcChar32 ch = c;

	if (c < 65536 && F.adv[c] != 0)
		return F.adv[c] - 1;
	XftTextExtents32(F.dpy, font_of(font_for(c)), &ch, 1, &gi);
	if (c < 65536)
		F.adv[c] = (short)(gi.xOff + 1);
	return gi.xOff;
}

/* --- lines ------------------------------------------------------------------ */

/* UTF-8 to UCS-4 (bad bytes become U+FFFD); returns the count. */
/* The characters of s (at most max) into out; with pos, where each one
 * starts in s. */
static int
decode(const char *s, uint32_t *out, int max, int *pos)
{
	const unsigned char *p = (const unsigned char *)s;
	int n = 0, len, k;
	uint32_t c;

	while (*p != '\0' && n < max) {
		if (pos != NULL)
			pos[n] = (int)(p - (const unsigned char *)s);
		if (*p < 0x80) {
			c = *p;
			len = 1;
		} else if ((*p & 0xe0) == 0xc0) {
			c = *p & 0x1f;
			len = 2;
		} else if ((*p & 0xf0) == 0xe0) {
			c = *p & 0x0f;
			len = 3;
		} else if ((*p & 0xf8) == 0xf0) {
			c = *p & 0x07;
			len = 4;
		} else {
			out[n++] = 0xfffd;
			p++;
			continue;
		}
		for (k = 1; k < len && (p[k] & 0xc0) == 0x80; k++)
			c = c << 6 | (p[k] & 0x3f);
		if (k < len) {
			out[n++] = 0xfffd;
			p += k;
			continue;
		}
		out[n++] = c < 0x20 ? 0xfffd : c;
		p += len;
	}
	return n;
}

/* Where the time and the nick are: "[HH:MM:SS] <nick> ...", "* nick ..."
 * or "-nick- ...". */
static void
spans(struct cvl *l)
{
	int i = 0, s;

	l->prefix = 0;
	l->nick0 = l->nick1 = -1;
	if (l->n > 0 && l->u[0] == '[') {
		while (i < l->n && l->u[i] != ']')
			i++;
		if (i < l->n) {
			i++;
			if (i < l->n && l->u[i] == ' ')
				i++;
			l->prefix = i;
		} else
			i = 0;
	}
	if (i >= l->n)
		return;
	if (l->u[i] == '<' || l->u[i] == '-') {
		uint32_t end = l->u[i] == '<' ? '>' : '-';
		for (s = i + 1; s < l->n && l->u[s] != end && l->u[s] != ' '; s++)
			;
		if (s < l->n && l->u[s] == end && s > i + 1) {
			l->nick0 = i;
			l->nick1 = s + 1;
		}
	} else if (l->u[i] == '*' && i + 1 < l->n && l->u[i + 1] == ' ') {
		for (s = i + 2; s < l->n && l->u[s] != ' '; s++)
			;
		l->nick0 = i + 2;
		l->nick1 = s;
	}
}

/* The links of l (model_urls finds them in bytes; the view counts
 * characters). */
static void
links(struct cvl *l)
{
	size_t sp[URLS_MAX][2], n = model_urls(l->text, sp, URLS_MAX), k, b;
	int c;

	l->nurl = 0;
	for (k = 0; k < n; k++) {
		int s0 = -1, s1 = -1;
		for (b = 0, c = 0; l->text[b] != '\0'; b++) {
			if (((unsigned char)l->text[b] & 0xc0) == 0x80)
				continue;
			if (b == sp[k][0])
				s0 = c;
			if (b == sp[k][1])
				s1 = c;
			c++;
		}
		if (s1 < 0 && sp[k][1] == b)
			s1 = c;
		if (s0 >= 0 && s1 > s0 && s1 <= l->n) {
			l->url[l->nurl][0] = s0;
			l->url[l->nurl][1] = s1;
			l->nurl++;
		}
	}
}

static int
url_at(const struct cvl *l, int ch)
{
	int k;

	for (k = 0; k < l->nurl; k++)
		if (ch >= l->url[k][0] && ch < l->url[k][1])
			return k;
	return -1;
}

static void
line_free(struct cvl *l)
{
	free(l->text);
	free(l->u);
	free(l->fa);
	free(l->brk);
	memset(l, 0, sizeof(*l));
}

/* Rows of line l at width w: break at the last space that fits, else
 * anywhere; rows after the first start under the text, not the time. */
/*
 * The layout of l at width w, as HexChat draws it: the time, then the
 * nick right-aligned in a column (the "*" of an action; a line with no
 * nick leaves it empty), then the text, all texts starting at one x, and
 * wrapped rows under the text.  Returns the wrapped rows' indent, with
 * *pad the pixels put before the column's part so it ends at the
 * column's edge.  A view too narrow for the column has none: the text
 * follows the time, and the rows go under the text after it.
 */
static int
layout(const struct cvl *l, int w, int *pad)
{
	int tw = 0, cw = 0, i, end, half = (w - 2 * MARGIN) / 2;
	int col = NICK_COL * advance('n'), sp = advance(' ');

	*pad = 0;
	for (i = 0; i < l->prefix; i++)
		tw += advance(l->u[i]);
	if (l->prefix == 0 || (l->flags & (ML_MARKER | ML_DAY)) ||
	    tw + col + sp > half)
		return tw > half ? 0 : tw;
	end = l->nick0 < 0 ? l->prefix : l->u[l->nick0] == '<' ||
	    l->u[l->nick0] == '-' ? l->nick1 : l->prefix + 1;
	for (i = l->prefix; i < end; i++)
		cw += advance(l->u[i]);
	*pad = end == l->prefix ? col + sp : cw < col ? col - cw : 0;
	return tw + col + sp;
}

static void
wrap(struct cvl *l, int w)
{
	int avail = w - 2 * MARGIN, indent, pad, i, x, start, space, cap = 4;
	int *brk;

	if (l->wrapw == w && l->brk != NULL)
		return;
	indent = layout(l, w, &pad);
	free(l->brk);
	if ((l->brk = malloc((size_t)cap * sizeof(int))) == NULL) {
		l->rows = 1;
		l->wrapw = -1;
		return;
	}
	l->brk[0] = 0;
	l->rows = 1;
	x = 0;
	start = 0;
	space = -1;
	for (i = 0; i < l->n; i++) {
		int a = advance(l->u[i]);
		int room = l->rows == 1 ? avail : avail - indent;
		if (l->rows == 1 && i == l->prefix)
			x += pad;	/* into the nick column */
		if (l->u[i] == ' ')
			space = i;
		if (x + a > room && i > start) {
			int at = space > start ? space + 1 : i;
			if (l->rows == cap) {
				cap *= 2;
				if ((brk = realloc(l->brk, (size_t)cap *
				    sizeof(int))) == NULL)
					break;
				l->brk = brk;
			}
			l->brk[l->rows++] = at;
			start = at;
			space = -1;
			for (x = 0, at = start; at < i; at++)
				x += advance(l->u[at]);
		}
		x += a;
	}
	l->wrapw = w;
}

static int
indent_of(struct cvl *l, int *pad)
{
	return layout(l, l->wrapw, pad);
}

/* --- the view ---------------------------------------------------------------- */

static int
visible_rows(const struct chatview *v)
{
	int r = F.height > 0 ? v->h / F.height : 1;

	return r > 0 ? r : 1;
}

static long
total_rows(struct chatview *v)
{
	long t = 0;
	size_t k;

	/* kept up as lines come: counted only when the width changed */
	if (v->total_w == v->w && v->total >= 0)
		return v->total;
	for (k = 0; k < v->n; k++) {
		wrap(&v->l[k], v->w);
		t += v->l[k].rows;
	}
	v->total = t;
	v->total_w = v->w;
	return t;
}

/* The rows of lines k.. to the end. */
static long
rows_below(struct chatview *v, size_t k)
{
	long r = 0;

	for (; k < v->n; k++) {
		wrap(&v->l[k], v->w);
		r += v->l[k].rows;
	}
	return r;
}

static long
abs_row(struct chatview *v)
{
	/* from the end: a view at its end (the usual) is near it */
	if (v->top >= v->n)
		return total_rows(v) + v->toprow;
	return total_rows(v) - rows_below(v, v->top) + v->toprow;
}

static void
set_abs_row(struct chatview *v, long row)
{
	long total = total_rows(v), below;
	size_t k;

	if (row < 0)
		row = 0;
	if (row >= total) {
		v->top = v->n > 0 ? v->n - 1 : 0;
		v->toprow = v->n > 0 ? v->l[v->top].rows - 1 : 0;
		return;
	}
	if (row < total / 2) {
		for (k = 0; k < v->n; k++) {
			wrap(&v->l[k], v->w);
			if (row < v->l[k].rows)
				break;
			row -= v->l[k].rows;
		}
		v->top = k;
		v->toprow = (int)row;
		return;
	}
	/* in the second half: from the end, rows from row to the end */
	below = total - row;
	for (k = v->n; k-- > 0;) {
		wrap(&v->l[k], v->w);
		if (below <= v->l[k].rows) {
			v->top = k;
			v->toprow = (int)(v->l[k].rows - below);
			return;
		}
		below -= v->l[k].rows;
	}
	v->top = 0;
	v->toprow = 0;
}

static long
last_top(struct chatview *v)
{
	long t = total_rows(v) - visible_rows(v);

	return t > 0 ? t : 0;
}

static void
sync_bar(struct chatview *v)
{
	long total = total_rows(v), vis = visible_rows(v), at = abs_row(v);
	int max = (int)(total > vis ? total : vis), size = (int)vis;

	if (at > max - size)
		at = max - size;
	XtVaSetValues(v->sb, XmNminimum, 0, XmNmaximum, max > 0 ? max : 1,
	    XmNsliderSize, size > 0 ? (size <= max ? size : max) : 1,
	    XmNvalue, (int)(at > 0 ? at : 0), XmNincrement, 1,
	    XmNpageIncrement, size > 1 ? size - 1 : 1, NULL);
}

static unsigned
colour_of_nick(const uint32_t *u, int n)
{
	uint32_t h = 2166136261u;
	int i;

	for (i = 0; i < n; i++)	/* FNV-1a over the folded name */
		h = (h ^ (u[i] < 128 && u[i] >= 'A' && u[i] <= 'Z' ? u[i] + 32 :
		    u[i])) * 16777619u;
	return C_NICK0 + h % NICK_COLOURS;
}

static int
in_sel(const struct chatview *v, size_t line, int ch)
{
	size_t al = v->sa, bl = v->sb_;
	int ac = v->sac, bc = v->sbc;

	if (!v->sel)
		return 0;
	if (al > bl || (al == bl && ac > bc)) {
		al = v->sb_;
		bl = v->sa;
		ac = v->sbc;
		bc = v->sac;
	}
	if (line < al || line > bl)
		return 0;
	if (line == al && ch < ac)
		return 0;
	if (line == bl && ch >= bc)
		return 0;
	return 1;
}

/* Draw row r of line k at y. */
static void
draw_row(struct chatview *v, size_t k, int r, int y)
{
	struct cvl *l = &v->l[k];
	int start = l->brk[r], end = r + 1 < l->rows ? l->brk[r + 1] : l->n;
	int pad, indent = indent_of(l, &pad), x = MARGIN + (r > 0 ? indent : 0);
	int i, run = start, runx = x, runf = -1, fi, runb = 0;
	int padat = r == 0 && pad > 0 ? l->prefix : -1;
	unsigned runc = C_TEXT, ci, nickc = C_TEXT;
	FcChar32 *u = (FcChar32 *)l->u;

	if (l->flags & (ML_MARKER | ML_DAY)) {	/* a rule with the words */
		unsigned col = (l->flags & ML_MARKER) ? C_MARKER : C_TIME;
		XGlyphInfo gi;
		XftTextExtents32(F.dpy, F.font[0], u, l->n, &gi);
		x = (v->w - gi.xOff) / 2;
		XftDrawRect(v->draw, &F.col[col], MARGIN, y + F.height / 2,
		    v->w - 2 * MARGIN, 1);
		XftDrawRect(v->draw, &F.col[C_BG], x - 6, y, gi.xOff + 12,
		    F.height);
		x = x > MARGIN ? x : MARGIN;
		for (i = 0; i < l->n; i++) {	/* fallback fonts for it too */
			fi = font_for(l->u[i]);
			XftDrawString32(v->draw, &F.col[col], font_of(fi), x,
			    y + F.ascent, u + i, 1);
			x += advance(l->u[i]);
		}
		return;
	}
	if (l->flags & ML_HIGHLIGHT)
		XftDrawRect(v->draw, &F.col[C_MENTION_BG], 0, y, v->w, F.height);
	if (l->nick0 >= 0)
		nickc = (l->flags & ML_OWN) ? C_OWN : colour_of_nick(u +
		    l->nick0 + 1, l->nick1 - l->nick0 - 2 > 0 ? l->nick1 -
		    l->nick0 - 2 : l->nick1 - l->nick0);
	for (i = start; i <= end; i++) {
		int a = 0, b = 0;
		if (i == padat)
			x += pad;	/* the nick column's part, right-aligned */
		if (i < end) {
			unsigned f = l->fa != NULL ? l->fa[i] : 0;
			fi = font_for(l->u[i]);
			if (fi == NO_FONT && l->u[i] != ' ')
				v->missing++;
			else if (fi != NO_FONT)
				v->used |= 1u << fi;
			ci = i < l->prefix ? C_TIME : i >= l->nick0 && i <
			    l->nick1 ? nickc : C_TEXT;
			a = advance(l->u[i]);
			if (f != 0) {	/* mIRC codes: colours and styles */
				int fg = (f & FMT_FG) ? (int)(C_MIRC0 +
				    FMT_FG_OF(f)) : (int)ci;
				int bg = (f & FMT_BG) ? (int)(C_MIRC0 +
				    FMT_BG_OF(f)) : -1;
				if (f & FMT_REVERSE) {
					int t = bg >= 0 ? bg : C_BG;
					bg = fg;
					fg = t;
				}
				ci = (unsigned)fg;
				if (bg >= 0)
					XftDrawRect(v->draw, &F.col[bg], x, y, a,
					    F.height);
				if (f & FMT_UNDERLINE)
					XftDrawRect(v->draw, &F.col[fg], x, y +
					    F.ascent + 2, a, 1);
				if (f & FMT_STRIKE)
					XftDrawRect(v->draw, &F.col[fg], x, y +
					    F.ascent * 2 / 3, a, 1);
				if ((f & FMT_ITALIC) && fi != NO_FONT)
					fi = italic_for(fi, l->u[i]);
				b = (f & FMT_BOLD) != 0;
			}
			if (url_at(l, i) >= 0) {
				ci = C_LINK;
				XftDrawRect(v->draw, &F.col[C_LINK], x, y +
				    F.ascent + 2, a, 1);
				if (v->link_w == 0 || v->link_y != y ||
				    v->link_x + v->link_w != x) {
					v->link_x = x;	/* a new one: the last */
					v->link_y = y;
					v->link_w = 0;
				}
				v->link_w += a;
			}
			if (in_sel(v, k, i))
				XftDrawRect(v->draw, &F.col[C_SEL_BG], x, y, a,
				    F.height);
		} else {
			fi = -2;
			ci = C_TEXT;
		}
		if (i > run && (fi != runf || ci != runc || b != runb ||
		    i == padat)) {
			XftDrawString32(v->draw, &F.col[runc], font_of(runf),
			    runx, y + F.ascent, u + run, i - run);
			if (runb)	/* bold: drawn again a pixel right */
				XftDrawString32(v->draw, &F.col[runc],
				    font_of(runf), runx + 1, y + F.ascent,
				    u + run, i - run);
			run = i;
			runx = x;
		}
		if (i == run) {
			runf = fi;
			runc = ci;
			runb = b;
		}
		x += a;
	}
}

/* Make sure the pixmap fits the area: 0, or -1 (nothing to draw on). */
static int
pixmap(struct chatview *v)
{
	Window win = XtWindow(v->area);

	if (v->pm == None || v->pmw != v->w || v->pmh != v->h) {
		if (v->draw != NULL)
			XftDrawDestroy(v->draw);
		if (v->pm != None)
			XFreePixmap(F.dpy, v->pm);
		v->pm = XCreatePixmap(F.dpy, win, (unsigned)v->w,
		    (unsigned)v->h, (unsigned)DefaultDepth(F.dpy,
		    DefaultScreen(F.dpy)));
		v->draw = XftDrawCreate(F.dpy, v->pm, F.visual, F.cmap);
		v->pmw = v->w;
		v->pmh = v->h;
		v->full = 1;
	}
	return v->draw != NULL ? 0 : -1;
}

/* Draw the rows from row `first` of the view down (row 0: the top line's
 * row toprow) into the pixmap, and note what it shows now. */
static void
draw_from(struct chatview *v, int first)
{
	size_t k;
	int y = 0, r, i = 0;

	XftDrawRect(v->draw, &F.col[C_BG], 0, first * F.height,
	    (unsigned)v->w, (unsigned)(v->h - first * F.height));
	for (k = v->top; k < v->n && y < v->h; k++) {
		wrap(&v->l[k], v->w);
		for (r = k == v->top ? v->toprow : 0; r < v->l[k].rows &&
		    y < v->h; r++, y += F.height, i++)
			if (i >= first)
				draw_row(v, k, r, y);
	}
	v->drawn_top = v->top;
	v->drawn_toprow = v->toprow;
	v->drawn_rows = i;
	v->drawn_filled = y >= v->h;
	v->full = 0;
	v->dirty = 0;
}

/* All of the view, drawn again. */
static void
redraw(struct chatview *v)
{
	if (!XtIsRealized(v->area) || !F.ready || v->w <= 0 || v->h <= 0 ||
	    pixmap(v) == -1)
		return;
	v->used = 0;
	v->missing = 0;
	v->link_w = 0;
	draw_from(v, 0);
	XCopyArea(F.dpy, v->pm, XtWindow(v->area), DefaultGC(F.dpy,
	    DefaultScreen(F.dpy)), 0, 0, (unsigned)v->w, (unsigned)v->h, 0, 0);
}

/* Rows from (k0, r0) down to (k1, r1), or -1 when that is up, or more
 * than lim. */
static long
rows_between(struct chatview *v, size_t k0, int r0, size_t k1, int r1,
    long lim)
{
	long d = 0;

	if (k1 < k0 || (k1 == k0 && r1 < r0))
		return -1;
	for (; k0 < k1; k0++, r0 = 0) {
		wrap(&v->l[k0], v->w);
		d += v->l[k0].rows - r0;
		if (d > lim)
			return -1;
	}
	d += r1 - r0;
	return d <= lim ? d : -1;
}

/*
 * After lines were appended (and the view perhaps followed them down):
 * what is still on the screen moves up in the pixmap, and only the rows
 * new on the screen are drawn, and sent.  A view scrolled up to read
 * draws nothing at all.  Anything else changed: all of it again.
 */
static void
redraw_new(struct chatview *v)
{
	int vis, first, d;
	long dl;

	if (!XtIsRealized(v->area) || !F.ready || v->w <= 0 || v->h <= 0)
		return;
	vis = v->h / (F.height > 0 ? F.height : 1);
	if (pixmap(v) == -1 || v->full || v->drawn_top >= v->n ||
	    (dl = rows_between(v, v->drawn_top, v->drawn_toprow, v->top,
	    v->toprow, vis)) < 0) {
		redraw(v);
		return;
	}
	d = (int)dl;
	/* the rows drawn whole before, less those that went up and out */
	first = (v->drawn_filled ? vis : v->drawn_rows) - d;
	if (first < 0) {
		redraw(v);
		return;
	}
	if (d == 0 && v->drawn_filled) {	/* the new lines are below */
		v->dirty = 0;
		return;
	}
	if (d > 0) {
		XCopyArea(F.dpy, v->pm, v->pm, DefaultGC(F.dpy,
		    DefaultScreen(F.dpy)), 0, d * F.height, (unsigned)v->w,
		    (unsigned)(v->h - d * F.height), 0, 0);
		if (v->link_w > 0 && (v->link_y -= d * F.height) < 0)
			v->link_w = 0;		/* it went up and out */
	}
	draw_from(v, first);
	if (d == 0)	/* only the rows under the old ones */
		XCopyArea(F.dpy, v->pm, XtWindow(v->area), DefaultGC(F.dpy,
		    DefaultScreen(F.dpy)), 0, first * F.height,
		    (unsigned)v->w, (unsigned)(v->h - first * F.height), 0,
		    first * F.height);
	else
		XCopyArea(F.dpy, v->pm, XtWindow(v->area), DefaultGC(F.dpy,
		    DefaultScreen(F.dpy)), 0, 0, (unsigned)v->w,
		    (unsigned)v->h, 0, 0);
}

/* (x, y) in the area -> line and character; 0 when below the last. */
static int
hit(struct chatview *v, int x, int y, size_t *line, int *ch)
{
	long row = abs_row(v) + (y < 0 ? 0 : y / (F.height > 0 ? F.height :
	    1));
	size_t k;
	int r, i, px, end, indent, pad;

	for (k = 0; k < v->n; k++) {
		wrap(&v->l[k], v->w);
		if (row < v->l[k].rows)
			break;
		row -= v->l[k].rows;
	}
	if (k >= v->n) {
		if (v->n == 0)
			return 0;
		*line = v->n - 1;
		*ch = v->l[v->n - 1].n;
		return 1;
	}
	r = (int)row;
	indent = indent_of(&v->l[k], &pad);
	px = MARGIN + (r > 0 ? indent : 0);
	end = r + 1 < v->l[k].rows ? v->l[k].brk[r + 1] : v->l[k].n;
	for (i = v->l[k].brk[r]; i < end; i++) {
		int a = advance(v->l[k].u[i]);
		if (r == 0 && i == v->l[k].prefix)
			px += pad;
		if (x < px + a / 2)
			break;
		px += a;
	}
	*line = k;
	*ch = i;
	return 1;
}

/* The selected text as UTF-8, into v->seltext. */
static void
sel_text(struct chatview *v)
{
	size_t al = v->sa, bl = v->sb_, k, len = 0;
	int ac = v->sac, bc = v->sbc, i;
	char *out;

	free(v->seltext);
	v->seltext = NULL;
	if (!v->sel)
		return;
	if (al > bl || (al == bl && ac > bc)) {
		al = v->sb_;
		bl = v->sa;
		ac = v->sbc;
		bc = v->sac;
	}
	for (k = al; k <= bl && k < v->n; k++)
		len += strlen(v->l[k].text) * 2 + 1;	/* U+FFFD: 3 for 1 */
	if ((out = malloc(len + 1)) == NULL)
		return;
	len = 0;
	for (k = al; k <= bl && k < v->n; k++) {
		struct cvl *l = &v->l[k];
		int from = k == al ? ac : 0, to = k == bl ? bc : l->n;
		for (i = from; i < to && i < l->n; i++) {
			uint32_t c = l->u[i];
			if (c < 0x80)
				out[len++] = (char)c;
			else if (c < 0x800) {
				out[len++] = (char)(0xc0 | c >> 6);
				out[len++] = (char)(0x80 | (c & 0x3f));
			} else if (c < 0x10000) {
				out[len++] = (char)(0xe0 | c >> 12);
				out[len++] = (char)(0x80 | (c >> 6 & 0x3f));
				out[len++] = (char)(0x80 | (c & 0x3f));
			} else {
				out[len++] = (char)(0xf0 | c >> 18);
				out[len++] = (char)(0x80 | (c >> 12 & 0x3f));
				out[len++] = (char)(0x80 | (c >> 6 & 0x3f));
				out[len++] = (char)(0x80 | (c & 0x3f));
			}
		}
		if (k < bl)
			out[len++] = '\n';
	}
	out[len] = '\0';
	v->seltext = out;
}

/* Link k of l as UTF-8 (the bytes model_urls found). */
static void
url_text(const struct cvl *l, int k, char *out, size_t outsz)
{
	size_t b, s0 = 0, s1 = 0;
	int c = 0;

	for (b = 0; l->text[b] != '\0'; b++) {
		if (((unsigned char)l->text[b] & 0xc0) == 0x80)
			continue;
		if (c == l->url[k][0])
			s0 = b;
		if (c == l->url[k][1])
			s1 = b;
		c++;
	}
	if (c == l->url[k][1])
		s1 = b;
	if (s1 < s0)
		s1 = s0;
	snprintf(out, outsz, "%.*s", (int)(s1 - s0), l->text + s0);
}

static struct chatview *
view_of(Widget w)
{
	XtPointer ud = NULL;

	XtVaGetValues(w, XmNuserData, &ud, NULL);
	return ud;
}

static Boolean
convert_cb(Widget w, Atom *selection, Atom *target, Atom *type,
    XtPointer *value, unsigned long *length, int *format)
{
	Display *d = XtDisplay(w);
	Atom utf8 = XInternAtom(d, "UTF8_STRING", False);
	Atom targets = XInternAtom(d, "TARGETS", False);
	Atom text = XInternAtom(d, "TEXT", False);
	Atom clip = XInternAtom(d, "CLIPBOARD", False);
	struct chatview *v = view_of(w);
	const char *s = *selection == clip ? F.clip : v != NULL ?
	    v->seltext : NULL;
	Atom *list;

	if (*target == targets) {
		if ((list = (Atom *)XtMalloc(4 * sizeof(Atom))) == NULL)
			return False;
		list[0] = targets;
		list[1] = utf8;
		list[2] = XA_STRING;
		list[3] = text;
		*value = (XtPointer)list;
		*length = 4;
		*type = XA_ATOM;
		*format = 32;
		return True;
	}
	if (s == NULL || (*target != utf8 && *target != XA_STRING &&
	    *target != text))
		return False;
	*length = strlen(s);
	*value = XtMalloc((Cardinal)(*length + 1));
	memcpy(*value, s, *length + 1);
	*type = *target == XA_STRING ? XA_STRING : utf8;
	*format = 8;
	return True;
}

static void
lose_cb(Widget w, Atom *selection)
{
	struct chatview *v = view_of(w);

	if (v != NULL && *selection == XA_PRIMARY) {
		v->sel = 0;	/* another program took it */
		redraw(v);
	}
}

static void
scroll_to(struct chatview *v, long row, int tell)
{
	long last = last_top(v);

	if (row > last)
		row = last;
	set_abs_row(v, row < 0 ? 0 : row);
	sync_bar(v);
	redraw(v);
	if (v->changefn != NULL)
		v->changefn(v, v->changeud);
	if (tell && abs_row(v) == 0 && v->topfn != NULL)
		v->topfn(v, v->topud);
}

static void
bar_cb(Widget w, XtPointer cd, XtPointer call)
{
	XmScrollBarCallbackStruct *cbs = call;
	struct chatview *v = cd;

	(void)w;
	if (cbs != NULL)
		scroll_to(v, cbs->value, 1);
}

static void
input_handler(Widget w, XtPointer cd, XEvent *ev, Boolean *cont)
{
	struct chatview *v = cd;
	size_t line;
	int ch;

	(void)w;
	(void)cont;
	switch (ev->type) {
	case ButtonPress:
		if (ev->xbutton.button == Button4 ||
		    ev->xbutton.button == Button5) {
			scroll_to(v, abs_row(v) + (ev->xbutton.button ==
			    Button4 ? -WHEEL_ROWS : WHEEL_ROWS), 1);
			return;
		}
		if (ev->xbutton.button != Button1 || !hit(v, ev->xbutton.x,
		    ev->xbutton.y, &line, &ch))
			return;
		v->sa = v->sb_ = line;
		v->sac = v->sbc = ch;
		v->sel = 0;
		v->dragging = 1;
		redraw(v);
		return;
	case MotionNotify:
		if (!v->dragging || !hit(v, ev->xmotion.x, ev->xmotion.y, &line,
		    &ch))
			return;
		v->sb_ = line;
		v->sbc = ch;
		v->sel = v->sa != v->sb_ || v->sac != v->sbc;
		if (ev->xmotion.y < 0)
			scroll_to(v, abs_row(v) - 1, 1);
		else if (ev->xmotion.y >= v->h)
			scroll_to(v, abs_row(v) + 1, 0);
		redraw(v);
		return;
	case ButtonRelease:
		if (ev->xbutton.button != Button1 || !v->dragging)
			return;
		v->dragging = 0;
		if (!v->sel && v->urlfn != NULL && hit(v, ev->xbutton.x,
		    ev->xbutton.y, &line, &ch) && line < v->n) {
			int u = url_at(&v->l[line], ch);
			if (u >= 0) {
				char link[URL_MAX * 4 + 1];
				url_text(&v->l[line], u, link, sizeof(link));
				v->urlfn(v, link, v->urlud);
				return;
			}
		}
		if (v->sel) {
			sel_text(v);
			XtOwnSelection(v->area, XA_PRIMARY, ev->xbutton.time,
			    convert_cb, lose_cb, NULL);
		}
		if (v->changefn != NULL)
			v->changefn(v, v->changeud);
		return;
	default:
		return;
	}
}

static void
expose_cb(Widget w, XtPointer cd, XtPointer call)
{
	struct chatview *v = cd;

	XmDrawingAreaCallbackStruct *cbs = call;
	XEvent *ev = cbs != NULL ? cbs->event : NULL;

	(void)w;
	if (!F.ready && fonts_init(XtDisplay(v->area), v->area) == -1)
		return;
	/* the pixmap holds it all already: only the part uncovered */
	if (ev != NULL && ev->type == Expose && !v->full && !v->dirty &&
	    v->pm != None && v->pmw == v->w && v->pmh == v->h) {
		XCopyArea(F.dpy, v->pm, XtWindow(v->area), DefaultGC(F.dpy,
		    DefaultScreen(F.dpy)), ev->xexpose.x, ev->xexpose.y,
		    (unsigned)ev->xexpose.width, (unsigned)ev->xexpose.height,
		    ev->xexpose.x, ev->xexpose.y);
		return;
	}
	redraw(v);
}

static void
resize_cb(Widget w, XtPointer cd, XtPointer call)
{
	struct chatview *v = cd;
	Dimension dw = 0, dh = 0;
	int bottom;

	(void)call;
	XtVaGetValues(w, XmNwidth, &dw, XmNheight, &dh, NULL);
	if (!F.ready && XtIsRealized(w) && fonts_init(XtDisplay(w), w) == -1)
		return;
	bottom = cv_at_bottom(v);
	v->w = dw;
	v->h = dh;
	if (bottom)
		set_abs_row(v, last_top(v));
	sync_bar(v);
	redraw(v);
}

static void
destroyed_cb(Widget w, XtPointer cd, XtPointer call)
{
	struct chatview *v = cd;
	size_t k;

	(void)w;
	(void)call;
	if (v->draw != NULL)
		XftDrawDestroy(v->draw);
	if (v->pm != None)
		XFreePixmap(F.dpy, v->pm);
	for (k = 0; k < v->n; k++)
		line_free(&v->l[k]);
	free(v->l);
	free(v->seltext);
	free(v);
}

struct chatview *
cv_create(Widget parent, const char *name, ArgList args, Cardinal nargs)
{
	struct chatview *v = calloc(1, sizeof(*v));

	if (v == NULL)
		return NULL;
	v->total = -1;
	if (!F.ready && fonts_init(XtDisplay(parent), parent) == -1) {
		free(v);
		return NULL;	/* no font at all: the X server is broken */
	}
	v->form = XtCreateWidget("chatForm", xmFormWidgetClass, parent, args,
	    nargs);
	XtAddCallback(v->form, XmNdestroyCallback, destroyed_cb, v);
	v->sb = XtVaCreateManagedWidget("chatBar", xmScrollBarWidgetClass,
	    v->form, XmNorientation, XmVERTICAL, XmNtopAttachment,
	    XmATTACH_FORM, XmNbottomAttachment, XmATTACH_FORM,
	    XmNrightAttachment, XmATTACH_FORM, XmNtraversalOn, False, NULL);
	v->area = XtVaCreateManagedWidget(name, xmDrawingAreaWidgetClass,
	    v->form, XmNtopAttachment, XmATTACH_FORM, XmNbottomAttachment,
	    XmATTACH_FORM, XmNleftAttachment, XmATTACH_FORM,
	    XmNrightAttachment, XmATTACH_WIDGET, XmNrightWidget, v->sb,
	    XmNuserData, (XtPointer)v, XmNtraversalOn, False,
	    XmNresizePolicy, XmRESIZE_NONE, XmNmarginWidth, 0,
	    XmNmarginHeight, 0, XmNwidth, 400, XmNheight, 200, NULL);
	XtAddCallback(v->area, XmNexposeCallback, expose_cb, v);
	XtAddCallback(v->area, XmNresizeCallback, resize_cb, v);
	XtAddEventHandler(v->area, ButtonPressMask | ButtonReleaseMask |
	    Button1MotionMask, False, input_handler, v);
	XtAddCallback(v->sb, XmNvalueChangedCallback, bar_cb, v);
	XtAddCallback(v->sb, XmNdragCallback, bar_cb, v);
	XtAddCallback(v->sb, XmNincrementCallback, bar_cb, v);
	XtAddCallback(v->sb, XmNdecrementCallback, bar_cb, v);
	XtAddCallback(v->sb, XmNpageIncrementCallback, bar_cb, v);
	XtAddCallback(v->sb, XmNpageDecrementCallback, bar_cb, v);
	XtAddCallback(v->sb, XmNtoTopCallback, bar_cb, v);
	XtAddCallback(v->sb, XmNtoBottomCallback, bar_cb, v);
	XtManageChild(v->form);
	return v;
}

void
cv_destroy(struct chatview *v)
{
	if (v != NULL)
		XtDestroyWidget(v->form);	/* destroyed_cb frees it */
}

Widget
cv_widget(const struct chatview *v)
{
	return v->form;
}

Widget
cv_area(const struct chatview *v)
{
	return v->area;
}

Widget
cv_scrollbar(const struct chatview *v)
{
	return v->sb;
}

void
cv_on_top(struct chatview *v, cv_top_fn fn, void *ud)
{
	v->topfn = fn;
	v->topud = ud;
}

void
cv_on_url(struct chatview *v, cv_url_fn fn, void *ud)
{
	v->urlfn = fn;
	v->urlud = ud;
}

int
cv_last_link(const struct chatview *v, int *x, int *y, int *w)
{
	*x = v->link_x;
	*y = v->link_y;
	*w = v->link_w;
	return v->link_w > 0;
}

void
cv_on_change(struct chatview *v, cv_top_fn fn, void *ud)
{
	v->changefn = fn;
	v->changeud = ud;
}

void
cv_clear(struct chatview *v)
{
	size_t k;

	for (k = 0; k < v->n; k++)
		line_free(&v->l[k]);
	v->n = 0;
	v->top = 0;
	v->toprow = 0;
	v->sel = 0;
	v->dirty = 1;
	v->full = 1;
	v->total = 0;
	v->total_w = v->w;
}

/* l (freed, or new) made from text, flags and fmt; 0 or -1. */
static int
line_set(struct cvl *l, const char *text, unsigned flags, const uint16_t *fmt)
{
	size_t len = strlen(text);

	memset(l, 0, sizeof(*l));
	if ((l->text = strdup(text)) == NULL ||
	    (l->u = malloc((len + 1) * sizeof(*l->u))) == NULL) {
		free(l->text);
		l->text = NULL;
		return -1;
	}
	if (fmt != NULL) {
		int *pos = malloc((len + 1) * sizeof(*pos)), k;
		if (pos != NULL && (l->fa = malloc((len + 1) *
		    sizeof(*l->fa))) != NULL) {
			l->n = decode(text, l->u, (int)len + 1, pos);
			for (k = 0; k < l->n; k++)
				l->fa[k] = fmt[pos[k]];
		} else
			l->n = decode(text, l->u, (int)len + 1, NULL);
		free(pos);
	} else
		l->n = decode(text, l->u, (int)len + 1, NULL);
	l->flags = flags;
	spans(l);
	links(l);
	return 0;
}

void
cv_replace_last(struct chatview *v, const char *text)
{
	struct cvl *l, nl;

	if (v->n == 0)
		return;
	l = &v->l[v->n - 1];
	if (line_set(&nl, text, l->flags, NULL) == -1)
		return;
	line_free(l);
	*l = nl;
	v->dirty = 1;
	v->full = 1;
	v->total = -1;		/* its rows may differ */
}

void
cv_append(struct chatview *v, const char *text, unsigned flags,
    const uint16_t *fmt)
{
	struct cvl *l;

	if (v->n >= cv_max_lines) {
		/* the oldest tenth goes at once: one memmove per many lines */
		size_t drop = cv_max_lines / 10 > 0 ? cv_max_lines / 10 : 1, k;
		if (drop > v->n)
			drop = v->n;
		for (k = 0; k < drop; k++)
			line_free(&v->l[k]);
		memmove(&v->l[0], &v->l[drop], (v->n - drop) * sizeof(v->l[0]));
		v->n -= drop;
		v->full = 1;		/* the lines drawn moved */
		v->total = -1;
		if (v->top >= drop)
			v->top -= drop;
		else {
			v->top = 0;
			v->toprow = 0;
		}
		if (v->sel && (v->sa < drop || v->sb_ < drop))
			v->sel = 0;
		else if (v->sel) {
			v->sa -= drop;
			v->sb_ -= drop;
		}
	}
	if (v->n == v->cap) {
		size_t ncap = v->cap ? v->cap * 2 : 64;
		if ((l = realloc(v->l, ncap * sizeof(*l))) == NULL)
			return;
		v->l = l;
		v->cap = ncap;
	}
	l = &v->l[v->n];
	if (line_set(l, text, flags, fmt) == -1)
		return;
	v->n++;
	v->dirty = 1;
	if (v->total >= 0 && v->total_w == v->w) {
		wrap(l, v->w);
		v->total += l->rows;
	}
}

void
cv_flush(struct chatview *v)
{
	if (!v->dirty)
		return;
	sync_bar(v);
	redraw_new(v);
}

size_t
cv_count(const struct chatview *v)
{
	return v->n;
}

int
cv_at_bottom(const struct chatview *v)
{
	struct chatview *m = (struct chatview *)v;	/* wrap caches only */

	if (v->w <= 0 || v->h <= 0)
		return 1;
	return abs_row(m) >= last_top(m);
}

void
cv_keep_view(struct chatview *v, size_t above, size_t top, int bottom)
{
	if (bottom) {
		cv_scroll_end(v);
		return;
	}
	v->top = top + above < v->n ? top + above : v->n ? v->n - 1 : 0;
	if (v->top < v->n && v->toprow >= v->l[v->top].rows)
		v->toprow = 0;
	sync_bar(v);
	redraw(v);
}

void
cv_scroll_end(struct chatview *v)
{
	set_abs_row(v, last_top(v));
	sync_bar(v);
	redraw_new(v);
}

void
cv_show_line(struct chatview *v, size_t k, Time t)
{
	if (k >= v->n)
		return;
	v->top = k > 3 ? k - 3 : 0;
	v->toprow = 0;
	if (abs_row(v) > last_top(v))
		set_abs_row(v, last_top(v));
	v->sa = v->sb_ = k;
	v->sac = 0;
	v->sbc = v->l[k].n;
	v->sel = v->l[k].n > 0;
	sel_text(v);
	if (v->sel)
		XtOwnSelection(v->area, XA_PRIMARY, t, convert_cb, lose_cb,
		    NULL);
	sync_bar(v);
	redraw(v);
}

size_t
cv_top_line(const struct chatview *v)
{
	return v->top;
}

long
cv_top_char(const struct chatview *v)
{
	long c = 0;
	size_t k;

	for (k = 0; k < v->top && k < v->n; k++)
		c += v->l[k].n + 1;
	if (v->top < v->n && v->toprow > 0 && v->l[v->top].brk != NULL &&
	    v->toprow < v->l[v->top].rows)
		c += v->l[v->top].brk[v->toprow];
	return c;
}

char *
cv_text(const struct chatview *v)
{
	size_t k, len = 0;
	char *out;

	for (k = 0; k < v->n; k++)
		len += strlen(v->l[k].text) + 1;
	if ((out = malloc(len + 1)) == NULL)
		return NULL;
	len = 0;
	for (k = 0; k < v->n; k++) {
		size_t n = strlen(v->l[k].text);
		if (k > 0)
			out[len++] = '\n';
		memcpy(out + len, v->l[k].text, n);
		len += n;
	}
	out[len] = '\0';
	return out;
}

const char *
cv_selection(const struct chatview *v)
{
	return v->sel && v->seltext != NULL ? v->seltext : "";
}

int
cv_own_clipboard(Widget w, const char *text, Time t)
{
	char *c = strdup(text);

	if (c == NULL)
		return 0;
	free(F.clip);
	F.clip = c;
	return XtOwnSelection(w, XInternAtom(XtDisplay(w), "CLIPBOARD", False),
	    t, convert_cb, NULL, NULL) == True;
}

int
cv_copy(struct chatview *v, Time t)
{
	if (!v->sel || v->seltext == NULL)
		return 0;
	free(F.clip);
	if ((F.clip = strdup(v->seltext)) == NULL)
		return 0;
	XtOwnSelection(v->area, XInternAtom(XtDisplay(v->area), "CLIPBOARD",
	    False), t, convert_cb, NULL, NULL);
	return 1;
}

void
cv_font_report(const struct chatview *v, char *out, size_t outsz,
    int *missing)
{
	size_t n = 0;
	int k;
	FcChar8 *fam;

	out[0] = '\0';
	for (k = 0; k < F.nfont && k < 32 && n < outsz; k++) {
		if (!(v->used & (1u << k)))
			continue;
		if (FcPatternGetString(F.font[k]->pattern, FC_FAMILY, 0, &fam) !=
		    FcResultMatch)
			fam = (FcChar8 *)"?";
		n += (size_t)snprintf(out + n, outsz - n, "%s%s", n ? "," : "",
		    (const char *)fam);
	}
	*missing = v->missing;
}

void
cv_shutdown(void)
{
	int k;

	if (!F.ready)
		return;
	for (k = 0; k < F.nfont; k++)
		XftFontClose(F.dpy, F.font[k]);
	for (k = 0; k < FONTS_MAX; k++) {
		if (F.italic[k] != NULL)
			XftFontClose(F.dpy, F.italic[k]);
		F.italic[k] = NULL;
	}
	F.italic_tried = 0;
	for (k = 0; k < (int)NCOLOURS; k++)
		XftColorFree(F.dpy, F.visual, F.cmap, &F.col[k]);
	if (F.set != NULL)
		FcFontSetDestroy(F.set);
	FcPatternDestroy(F.pat);
	free(F.bmp);
	free(F.adv);
	free(F.clip);
	F.bmp = NULL;
	F.adv = NULL;
	F.clip = NULL;
	F.set = NULL;
	F.pat = NULL;
	F.nfont = 0;
	F.nastral = 0;
	F.ready = 0;
}
