/*
 * model.c -- see model.h.  Owns struct model.  Rooms hold up to
 * model_scrollback() lines in time order and a sorted roster; names compare
 * under the rfc1459 casemapping, as the server does.
 *
 * The lines live in a window [start, start + n) of an array twice the
 * scrollback long: appending and dropping the oldest line are O(1) (the
 * window slides; it is moved back to the front only when it reaches the
 * end), a line from history is a memmove of the lines after it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model.h"
#include "bounds.h"
#include "valid.h"

#define COMPLETE_MAX	128	/* matches one Tab cycle offers */
#define RECENT_MAX	16	/* speakers a room remembers for Tab */
#define AWAY_USERS_MAX	512	/* away users remembered */

struct mline {
	char		*text;
	uint16_t	*fmt;		/* FMT_* per byte of text, or NULL */
	char		*msgid;		/* NULL when none */
	int64_t		 time_ms;
	unsigned	 flags;
};

struct room {
	char		*name;
	enum room_kind	 kind;
	int		 joined, wanted, unread, highlight, muted, quiet;
	char		*topic;
	char		 modes[32];
	struct mline	*lines;		/* [start, start + nlines) of cap */
	size_t		 start, nlines, cap;
	int64_t		 read_ms;
	struct room_hist hist;
	char		**users;	/* sorted */
	char		*recent[RECENT_MAX];	/* who spoke, newest first */
	size_t		 nrecent;
	char		*history[MODEL_HISTORY];	/* typed here */
	int		 nhist, histpos;
	char		(*upfx)[8];	/* each user's prefixes, "@+" */
	size_t		 nusers, capusers;
};

struct model {
	struct room	*rooms[MODEL_ROOMS_MAX];
	int		 nrooms;
	int		 active;
	int		 hidden;	/* none of its tabs is in view */

	char		 complete_word[64];
	size_t		 complete_next;
	const char	*cand[COMPLETE_MAX];	/* this cycle's matches */
	size_t		 ncand;
	size_t		 scrollback;	/* lines kept per room */
	const char *const *words;	/* commands to complete, "/msg" */
	size_t		 nwords;
	char		*away[AWAY_USERS_MAX];	/* who is away (away-notify) */
	size_t		 naway;
};

static char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		abort();	/* the client cannot go on without memory */
	return p;
}

static void line_free(struct mline *l);

static void
room_free(struct room *r)
{
	size_t k;

	for (k = 0; k < r->nlines; k++)
		line_free(&r->lines[r->start + k]);
	for (k = 0; k < r->nusers; k++)
		free(r->users[k]);
	for (k = 0; k < r->nrecent; k++)
		free(r->recent[k]);
	for (k = 0; k < (size_t)r->nhist; k++)
		free(r->history[k]);
	free(r->lines);
	free(r->users);
	free(r->upfx);
	free(r->name);
	free(r->topic);
	free(r);
}

struct model *
model_new(void)
{
	struct model *m = calloc(1, sizeof(*m));

	if (m == NULL)
		abort();
	m->scrollback = MODEL_SCROLLBACK;
	model_open(m, "server", ROOM_SERVER);
	return m;
}

void
model_free(struct model *m)
{
	int i;

	for (i = 0; i < m->nrooms; i++)
		room_free(m->rooms[i]);
	for (i = 0; i < (int)m->naway; i++)
		free(m->away[i]);

	free(m);
}

void
model_set_scrollback(struct model *m, size_t n)
{
	if (n < MODEL_SCROLLBACK_MIN)
		n = MODEL_SCROLLBACK_MIN;
	if (n > MODEL_SCROLLBACK_MAX)
		n = MODEL_SCROLLBACK_MAX;
	m->scrollback = n;
}

size_t
model_scrollback(const struct model *m)
{
	return m->scrollback;
}

int
model_find(const struct model *m, const char *name)
{
	int i;

	for (i = 0; i < m->nrooms; i++)
		if (irc_casecmp(m->rooms[i]->name, name) == 0)
			return i;
	return -1;
}

int
model_open(struct model *m, const char *name, enum room_kind k)
{
	struct room *r;
	int i = model_find(m, name);

	if (i >= 0 && (k == ROOM_SERVER) == (i == 0))
		return i;
	if (m->nrooms == MODEL_ROOMS_MAX)
		return -1;
	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->lines = calloc(64, sizeof(*r->lines))) == NULL)
		abort();
	r->hist.seen_ms = -1;
	r->cap = 64;
	r->name = xstrdup(name);
	r->topic = xstrdup("");
	r->kind = k;
	m->rooms[m->nrooms] = r;
	return m->nrooms++;
}

void
model_close(struct model *m, int i)
{
	if (i <= 0 || i >= m->nrooms || i >= MODEL_ROOMS_MAX)
		return;
	room_free(m->rooms[i]);
	memmove(&m->rooms[i], &m->rooms[i + 1],
	    (size_t)(m->nrooms - i - 1) * sizeof(m->rooms[0]));
	m->nrooms--;
	if (m->active >= m->nrooms || m->active == i)
		m->active = i - 1;
	else if (m->active > i)
		m->active--;
}

int
model_count(const struct model *m)
{
	return m->nrooms;
}

void
model_view(const struct model *m, int i, struct room_view *v)
{
	const struct room *r = m->rooms[i];

	v->name = r->name;
	v->kind = r->kind;
	v->joined = r->joined;
	v->wanted = r->wanted;
	v->unread = r->unread;
	v->muted = r->muted;
	v->quiet = r->quiet;
	v->highlight = r->highlight;
	v->nusers = r->nusers;
	v->topic = r->topic;
	v->modes = r->modes;
}

void
model_set_server_name(struct model *m, const char *name)
{
	model_rename(m, 0, name);
}

void
model_set_joined(struct model *m, int i, int joined)
{
	m->rooms[i]->joined = joined;
}

void
model_set_modes(struct model *m, int i, const char *modes)
{
	struct room *r = m->rooms[i];
	size_t n = strcspn(modes, " ");

	if (n >= sizeof(r->modes))
		n = sizeof(r->modes) - 1;
	memcpy(r->modes, modes, n);
	r->modes[n] = '\0';
}

void
model_mode_letter(struct model *m, int i, char c, int on)
{
	struct room *r = m->rooms[i];
	char *p;
	size_t n = strlen(r->modes);

	if (r->modes[0] != '+') {
		r->modes[0] = '+';
		r->modes[1] = '\0';
		n = 1;
	}
	p = strchr(r->modes + 1, c);
	if (on && p == NULL && n + 1 < sizeof(r->modes)) {
		r->modes[n] = c;
		r->modes[n + 1] = '\0';
	} else if (!on && p != NULL)
		memmove(p, p + 1, strlen(p + 1) + 1);
	if (strcmp(r->modes, "+") == 0)
		r->modes[0] = '\0';
}

void
model_set_wanted(struct model *m, int i, int wanted)
{
	m->rooms[i]->wanted = wanted;
}

int
model_replace_last(struct model *m, int i, const char *text)
{
	struct room *r;
	struct mline *l;

	if (i < 0 || i >= m->nrooms || (r = m->rooms[i])->nlines == 0)
		return -1;
	l = &r->lines[r->start + r->nlines - 1];
	free(l->text);
	free(l->fmt);
	l->fmt = NULL;
	l->text = xstrdup(text);
	return 0;
}

void
model_set_muted(struct model *m, int i, int on)
{
	if (i >= 0 && i < m->nrooms)
		m->rooms[i]->muted = on;
}

void
model_set_quiet(struct model *m, int i, int on)
{
	if (i >= 0 && i < m->nrooms)
		m->rooms[i]->quiet = on;
}

void
model_set_topic(struct model *m, int i, const char *topic)
{
	free(m->rooms[i]->topic);
	m->rooms[i]->topic = xstrdup(topic);
}

void
model_rename(struct model *m, int i, const char *name)
{
	free(m->rooms[i]->name);
	m->rooms[i]->name = xstrdup(name);
}

int
model_active(const struct model *m)
{
	return m->active;
}

/* The time of room r's newest message, 0 when it has none. */
static int64_t
newest_msg(const struct room *r)
{
	size_t k;

	for (k = r->nlines; k > 0; k--)
		if (r->lines[r->start + k - 1].flags & ML_MSG)
			return r->lines[r->start + k - 1].time_ms;
	return 0;
}

static int
is_unread(const struct room *r, const struct mline *l)
{
	return (l->flags & (ML_MSG | ML_OWN)) == ML_MSG &&
	    l->time_ms > r->read_ms;
}

/* Count the unread messages again (after the marker or the lines moved). */
static void
recount(struct room *r)
{
	size_t k;

	r->unread = r->highlight = 0;
	for (k = r->nlines; k > 0; k--) {
		const struct mline *l = &r->lines[r->start + k - 1];
		if (l->time_ms <= r->read_ms && (l->flags & ML_MSG))
			break;		/* older ones are read */
		if (is_unread(r, l)) {
			r->unread++;
			if (l->flags & ML_HIGHLIGHT)
				r->highlight = 1;
		}
	}
}

void
model_set_active(struct model *m, int i)
{
	if (i < 0 || i >= m->nrooms)
		return;
	m->active = i;
	if (!m->hidden)
		model_set_read(m, i, newest_msg(m->rooms[i]));
}

void
model_set_hidden(struct model *m, int hidden)
{
	m->hidden = hidden != 0;
	if (!m->hidden)
		model_set_active(m, m->active);
}

int
model_next_activity(const struct model *m, int from)
{
	int k, i, pass;

	for (pass = 0; pass < 2; pass++)
		for (k = 1; k < m->nrooms; k++) {
			i = (from + k) % m->nrooms;
			if (pass == 0 ? m->rooms[i]->highlight :
			    m->rooms[i]->unread > 0 && !m->rooms[i]->muted)
				return i;
		}
	return -1;
}

int64_t
model_read_ms(const struct model *m, int i)
{
	return m->rooms[i]->read_ms;
}

void
model_set_read(struct model *m, int i, int64_t ms)
{
	struct room *r = m->rooms[i];

	if (ms > r->read_ms)
		r->read_ms = ms;
	recount(r);
}

struct room_hist *
model_hist(struct model *m, int i)
{
	return &m->rooms[i]->hist;
}

static void
line_free(struct mline *l)
{
	free(l->text);
	free(l->fmt);
	free(l->msgid);
	memset(l, 0, sizeof(*l));
}

/* Slide the window of lines back to the front of the array. */
static void
compact(struct room *r)
{
	if (r->start == 0)
		return;
	memmove(r->lines, r->lines + r->start, r->nlines * sizeof(*r->lines));
	memset(r->lines + r->nlines, 0, r->start * sizeof(*r->lines));
	r->start = 0;
}

long
model_find_msgid(const struct model *m, int i, const char *msgid)
{
	const struct room *r = m->rooms[i];
	size_t k;

	if (msgid == NULL || *msgid == '\0')
		return -1;
	for (k = r->nlines; k > 0; k--) {
		const char *id = r->lines[r->start + k - 1].msgid;
		if (id != NULL && strcmp(id, msgid) == 0)
			return (long)(k - 1);
	}
	return -1;
}

long
model_oldest_msgid(const struct model *m, int i)
{
	const struct room *r = m->rooms[i];
	size_t k;

	for (k = 0; k < r->nlines; k++)
		if (r->lines[r->start + k].msgid != NULL)
			return (long)k;
	return -1;
}

/* Put a line at pos (0..nlines) of room i. */
static long
put(struct model *m, int i, size_t pos, const char *line,
    const struct line_meta *meta)
{
	struct room *r = m->rooms[i];
	struct mline *l;
	int dropped = 0;

	if (pos > r->nlines)
		pos = r->nlines;
	while (r->nlines >= m->scrollback) {
		if (pos == 0)
			return -1;	/* older than all we keep */
		dropped |= is_unread(r, &r->lines[r->start]);
		line_free(&r->lines[r->start]);
		r->start++;
		r->nlines--;
		pos--;
	}
	if (r->start + r->nlines == r->cap) {
		/* grow to twice the scrollback, then slide the window back */
		if (r->cap < 2 * m->scrollback) {
			size_t ncap = r->cap * 2 < 2 * m->scrollback ?
			    r->cap * 2 : 2 * m->scrollback;
			struct mline *nl = realloc(r->lines, ncap *
			    sizeof(*nl));
			if (nl == NULL)
				abort();
			memset(nl + r->cap, 0, (ncap - r->cap) * sizeof(*nl));
			r->lines = nl;
			r->cap = ncap;
		} else
			compact(r);
	}
	l = &r->lines[r->start + pos];
	memmove(l + 1, l, (r->nlines - pos) * sizeof(*l));
	r->nlines++;
	l->text = xstrdup(line);
	l->fmt = NULL;
	if (meta->fmt != NULL) {
		size_t len = strlen(line);
		if ((l->fmt = malloc((len + 1) * sizeof(*l->fmt))) == NULL)
			abort();
		memcpy(l->fmt, meta->fmt, len * sizeof(*l->fmt));
		l->fmt[len] = 0;
	}
	l->msgid = meta->msgid != NULL && *meta->msgid != '\0' ?
	    xstrdup(meta->msgid) : NULL;
	l->time_ms = meta->time_ms;
	l->flags = meta->flags;
	if (i == m->active && !m->hidden && (l->flags & ML_MSG)) {
		if (l->time_ms > r->read_ms)
			r->read_ms = l->time_ms;	/* seen as it came */
		recount(r);
	} else if (pos + 1 == r->nlines && !dropped && is_unread(r, l)) {
		r->unread++;
		if (l->flags & ML_HIGHLIGHT)
			r->highlight = 1;
	} else if ((l->flags & ML_MSG) || dropped)
		recount(r);
	return (long)pos;
}

long
model_insert(struct model *m, int i, const char *line,
    const struct line_meta *meta, enum model_how how)
{
	struct room *r = m->rooms[i];
	size_t pos;

	if (how == MI_HISTORY && model_find_msgid(m, i, meta->msgid) >= 0)
		return -1;
	for (pos = r->nlines; how == MI_HISTORY && pos > 0; pos--)
		if (r->lines[r->start + pos - 1].time_ms <= meta->time_ms)
			break;
	return put(m, i, pos, line, meta);
}

long
model_insert_at(struct model *m, int i, size_t at, const char *line,
    const struct line_meta *meta)
{
	if (model_find_msgid(m, i, meta->msgid) >= 0)
		return -1;
	return put(m, i, at, line, meta);
}

long
model_unmark(struct model *m, int i)
{
	struct room *r = m->rooms[i];
	size_t k;

	for (k = 0; k < r->nlines; k++) {
		struct mline *l = &r->lines[r->start + k];
		if (l->flags & ML_MARKER) {
			line_free(l);
			memmove(l, l + 1, (r->nlines - k - 1) * sizeof(*l));
			r->nlines--;
			memset(&r->lines[r->start + r->nlines], 0, sizeof(*l));
			return (long)k;
		}
	}
	return -1;
}

size_t
model_lines(const struct model *m, int i)
{
	return m->rooms[i]->nlines;
}

const char *
model_line(const struct model *m, int i, size_t k)
{
	const struct room *r = m->rooms[i];

	if (k >= r->nlines)
		return NULL;
	return r->lines[r->start + k].text;
}

int
model_line_meta(const struct model *m, int i, size_t k,
    struct line_meta *meta)
{
	const struct room *r = m->rooms[i];
	const struct mline *l;

	if (k >= r->nlines)
		return 0;
	l = &r->lines[r->start + k];
	meta->time_ms = l->time_ms;
	meta->msgid = l->msgid != NULL ? l->msgid : "";
	meta->flags = l->flags;
	meta->fmt = l->fmt;
	return 1;
}

/* --- roster ---------------------------------------------------------------- */

static size_t
roster_pos(const struct room *r, const char *nick, int *found)
{
	size_t lo = 0, hi = r->nusers, mid;
	int c;

	*found = 0;
	while (lo < hi) {
		mid = (lo + hi) / 2;
		c = irc_casecmp(r->users[mid], nick);
		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void
model_roster_clear(struct model *m, int i)
{
	struct room *r = m->rooms[i];
	size_t k;

	for (k = 0; k < r->nusers; k++)
		free(r->users[k]);
	r->nusers = 0;
}

void
model_roster_add(struct model *m, int i, const char *nick)
{
	struct room *r = m->rooms[i];
	size_t pos;
	int found;
	char **n;
	char (*p)[8];

	pos = roster_pos(r, nick, &found);
	if (found)
		return;
	if (r->nusers == r->capusers) {
		size_t ncap = r->capusers ? r->capusers * 2 : 16;
		if ((n = realloc(r->users, ncap * sizeof(*n))) == NULL ||
		    (r->users = n, (p = realloc(r->upfx, ncap *
		    sizeof(*p))) == NULL))
			abort();
		r->upfx = p;
		r->capusers = ncap;
	}
	memmove(&r->users[pos + 1], &r->users[pos],
	    (r->nusers - pos) * sizeof(*r->users));
	memmove(&r->upfx[pos + 1], &r->upfx[pos],
	    (r->nusers - pos) * sizeof(*r->upfx));
	r->users[pos] = xstrdup(nick);
	r->upfx[pos][0] = '\0';
	r->nusers++;
}

int
model_roster_remove(struct model *m, int i, const char *nick)
{
	struct room *r = m->rooms[i];
	size_t pos;
	int found;

	pos = roster_pos(r, nick, &found);
	if (!found)
		return 0;
	free(r->users[pos]);
	memmove(&r->users[pos], &r->users[pos + 1],
	    (r->nusers - pos - 1) * sizeof(*r->users));
	memmove(&r->upfx[pos], &r->upfx[pos + 1],
	    (r->nusers - pos - 1) * sizeof(*r->upfx));
	r->nusers--;
	return 1;
}

int
model_roster_has(const struct model *m, int i, const char *nick)
{
	int found;

	roster_pos(m->rooms[i], nick, &found);
	return found;
}

int
model_roster_rename(struct model *m, int i, const char *from, const char *to)
{
	struct room *r = m->rooms[i];
	char pfx[8];
	size_t pos;
	int found;

	pos = roster_pos(r, from, &found);
	if (!found)
		return 0;
	memcpy(pfx, r->upfx[pos], sizeof(pfx));
	model_roster_remove(m, i, from);
	model_roster_add(m, i, to);
	model_roster_set_prefix(m, i, to, pfx);
	return 1;
}

void
model_roster_set_prefix(struct model *m, int i, const char *nick,
    const char *pfx)
{
	struct room *r = m->rooms[i];
	size_t pos;
	int found;

	pos = roster_pos(r, nick, &found);
	if (found)
		snprintf(r->upfx[pos], sizeof(r->upfx[pos]), "%s", pfx);
}

const char *
model_roster_prefix(const struct model *m, int i, size_t k)
{
	return k < m->rooms[i]->nusers ? m->rooms[i]->upfx[k] : "";
}

const char *
model_roster_prefix_of(const struct model *m, int i, const char *nick)
{
	const struct room *r = m->rooms[i];
	size_t pos;
	int found;

	pos = roster_pos(r, nick, &found);
	return found ? r->upfx[pos] : "";
}

int
model_topic_settable(const struct model *m, int i, const char *nick)
{
	struct room_view v;
	size_t n;

	if (i < 0 || i >= model_count(m))
		return 0;
	model_view(m, i, &v);
	if (v.kind != ROOM_CHANNEL || !v.joined)
		return 0;
	n = strcspn(v.modes, " ");	/* the letters, not their arguments */
	if (memchr(v.modes, 't', n) == NULL)
		return 1;
	return strpbrk(model_roster_prefix_of(m, i, nick), "~&@%") != NULL;
}

size_t
model_roster_count(const struct model *m, int i)
{
	return m->rooms[i]->nusers;
}

const char *
model_roster_nick(const struct model *m, int i, size_t k)
{
	return k < m->rooms[i]->nusers ? m->rooms[i]->users[k] : NULL;
}

/* --- history and completion ----------------------------------------------- */

void
model_history_add(struct model *m, int i, const char *line)
{
	struct room *r = m->rooms[i];

	if (*line == '\0')
		return;
	if (r->nhist > 0 && strcmp(r->history[r->nhist - 1], line) == 0) {
		r->histpos = r->nhist;
		return;
	}
	if (r->nhist == MODEL_HISTORY) {
		free(r->history[0]);
		memmove(&r->history[0], &r->history[1],
		    (MODEL_HISTORY - 1) * sizeof(r->history[0]));
		r->nhist--;
	}
	r->history[r->nhist++] = xstrdup(line);
	r->histpos = r->nhist;
}

const char *
model_history_step(struct model *m, int i, int dir)
{
	struct room *r = m->rooms[i];
	int p = r->histpos + dir;

	if (p < 0)
		p = 0;
	if (p >= r->nhist) {
		r->histpos = r->nhist;
		return "";	/* past the newest: an empty entry */
	}
	r->histpos = p;
	return r->history[p];
}

/* Is the folded name f one that starts with the folded word w (n)? */
static int
prefix_of(const char *w, size_t n, const char *name)
{
	char f[CHAN_MAX * 2 + 2];

	irc_casefold(f, sizeof(f), name);
	return strncmp(w, f, n) == 0;
}

static void
cand_add(struct model *m, const char *name)
{
	size_t k;

	for (k = 0; k < m->ncand; k++)
		if (irc_casecmp(m->cand[k], name) == 0)
			return;
	if (m->ncand < COMPLETE_MAX)
		m->cand[m->ncand++] = name;
}

/* The matches of word, in the order Tab offers them: a command for
 * "/...", a room for "#...", else the room's people, those who spoke
 * last first, then the rest by name. */
static void
candidates(struct model *m, int i, const char *word)
{
	const struct room *r = m->rooms[i];
	char f1[64];
	size_t n = strlen(word), k;
	int j;

	m->ncand = 0;
	irc_casefold(f1, sizeof(f1), word);
	if (word[0] == '/') {
		for (k = 0; k < m->nwords; k++)
			if (prefix_of(f1, n, m->words[k]))
				cand_add(m, m->words[k]);
		return;
	}
	if (word[0] == '#' || word[0] == '&') {
		for (j = 0; j < m->nrooms; j++)
			if (m->rooms[j]->kind == ROOM_CHANNEL &&
			    prefix_of(f1, n, m->rooms[j]->name))
				cand_add(m, m->rooms[j]->name);
		return;
	}
	for (k = 0; k < r->nrecent; k++) {
		int found;
		size_t pos = roster_pos(r, r->recent[k], &found);
		if (found && prefix_of(f1, n, r->users[pos]))
			cand_add(m, r->users[pos]);
	}
	for (k = 0; k < r->nusers; k++)
		if (prefix_of(f1, n, r->users[k]))
			cand_add(m, r->users[k]);
}

const char *
model_complete(struct model *m, int i, const char *word)
{
	if (word[0] == '\0')
		return NULL;
	if (strcmp(word, m->complete_word) != 0) {
		snprintf(m->complete_word, sizeof(m->complete_word), "%s",
		    word);
		candidates(m, i, word);
		m->complete_next = 0;
	}
	if (m->ncand == 0)
		return NULL;
	return m->cand[m->complete_next++ % m->ncand];
}

void
model_spoke(struct model *m, int i, const char *nick)
{
	struct room *r = m->rooms[i];
	size_t k;
	char *keep = NULL;

	for (k = 0; k < r->nrecent; k++)
		if (irc_casecmp(r->recent[k], nick) == 0) {
			keep = r->recent[k];
			memmove(&r->recent[1], &r->recent[0], k *
			    sizeof(r->recent[0]));
			r->recent[0] = keep;
			return;
		}
	if (r->nrecent == RECENT_MAX)
		free(r->recent[--r->nrecent]);
	memmove(&r->recent[1], &r->recent[0], r->nrecent *
	    sizeof(r->recent[0]));
	r->recent[0] = xstrdup(nick);
	r->nrecent++;
	m->complete_word[0] = '\0';	/* the order changed */
}

void
model_set_words(struct model *m, const char *const *words, size_t n)
{
	m->words = words;
	m->nwords = n;
}

int
model_complete_text(struct model *m, int i, struct complete_state *cs,
    const char *text, size_t cursor, char *out, size_t outsz, size_t *newcur)
{
	size_t len = strlen(text), start, end, wl;
	const char *nick, *suffix;
	int n;

	if (cursor > len)
		cursor = len;
	if (cs->active && cs->end <= len && cs->end == cursor &&
	    cs->start <= cs->end) {
		start = cs->start;	/* Tab again: the next match */
		end = cs->end;
	} else {
		for (start = cursor; start > 0 && text[start - 1] != ' ';
		    start--)
			;
		end = cursor;
		wl = end - start;
		if (wl == 0 || wl >= sizeof(cs->word))
			return 0;
		memcpy(cs->word, text + start, wl);
		cs->word[wl] = '\0';
		m->complete_word[0] = '\0';	/* a new cycle */
	}
	if ((nick = model_complete(m, i, cs->word)) == NULL)
		return 0;
	suffix = start == 0 && cs->word[0] != '/' && cs->word[0] != '#' &&
	    cs->word[0] != '&' ? ": " : " ";
	n = snprintf(out, outsz, "%.*s%s%s%s", (int)start, text, nick, suffix,
	    text + end);
	if (n < 0 || (size_t)n >= outsz)
		return 0;
	cs->active = 1;
	cs->start = start;
	cs->end = start + strlen(nick) + strlen(suffix);
	*newcur = cs->end;
	return 1;
}

/* --- links ------------------------------------------------------------------ */

static const char *const url_starts[] = { "http://", "https://", "ftp://",
	"irc://", "ircs://", "mailto:", "www." };

size_t
model_urls(const char *text, size_t (*spans)[2], size_t max)
{
	size_t n = 0, i = 0, k, len = strlen(text), end, open;

	while (i < len && n < max) {
		size_t plen = 0;
		if (i == 0 || strchr(" \t(<[\"'", text[i - 1]) != NULL)
			for (k = 0; k < sizeof(url_starts) /
			    sizeof(url_starts[0]); k++)
				if (strncasecmp(text + i, url_starts[k],
				    strlen(url_starts[k])) == 0) {
					plen = strlen(url_starts[k]);
					break;
				}
		if (plen == 0) {
			i++;
			continue;
		}
		for (end = i; end < len && end - i < URL_MAX &&
		    (unsigned char)text[end] > ' ' &&
		    strchr("<>\"", text[end]) == NULL; end++)
			;
		/* what ends a sentence is not part of the link */
		for (;;) {
			while (end > i + plen && strchr(".,;:!?'", text[end - 1]))
				end--;
			if (end > i + plen && (text[end - 1] == ')' ||
			    text[end - 1] == ']')) {
				char c = text[end - 1] == ')' ? '(' : '[';
				for (open = 0, k = i; k < end; k++)
					open += text[k] == c;
				if (open == 0) {
					end--;
					continue;
				}
			}
			break;
		}
		if (end > i + plen) {
			spans[n][0] = i;
			spans[n][1] = end;
			n++;
		}
		i = end > i ? end : i + 1;
	}
	return n;
}

int
model_url_is_web(const char *url)
{
	return strncasecmp(url, "http://", 7) == 0 ||
	    strncasecmp(url, "https://", 8) == 0 ||
	    strncasecmp(url, "www.", 4) == 0;
}

/* --- away -------------------------------------------------------------------- */

void
model_set_away(struct model *m, const char *nick, int away)
{
	size_t k;

	for (k = 0; k < m->naway; k++)
		if (irc_casecmp(m->away[k], nick) == 0) {
			if (!away) {
				free(m->away[k]);
				m->away[k] = m->away[--m->naway];
			}
			return;
		}
	if (away && m->naway < AWAY_USERS_MAX)
		m->away[m->naway++] = xstrdup(nick);
}

int
model_is_away(const struct model *m, const char *nick)
{
	size_t k;

	for (k = 0; k < m->naway; k++)
		if (irc_casecmp(m->away[k], nick) == 0)
			return 1;
	return 0;
}
