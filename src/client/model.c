/*
 * model.c -- see model.h.  Owns struct model.  Rooms hold a ring of
 * MODEL_SCROLLBACK lines and a sorted roster; names compare under the
 * rfc1459 casemapping, as the server does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "valid.h"

struct room {
	char		*name;
	enum room_kind	 kind;
	int		 joined, unread, highlight;
	char		*topic;
	char		**lines;	/* ring of MODEL_SCROLLBACK */
	size_t		 first, nlines;
	char		**users;	/* sorted */
	size_t		 nusers, capusers;
};

struct model {
	struct room	*rooms[MODEL_ROOMS_MAX];
	int		 nrooms;
	int		 active;
	char		*history[MODEL_HISTORY];
	int		 nhist, histpos;
	char		 complete_word[64];
	size_t		 complete_next;
};

static char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		abort();	/* the client cannot go on without memory */
	return p;
}

static void
room_free(struct room *r)
{
	size_t k;

	for (k = 0; k < r->nlines; k++)
		free(r->lines[(r->first + k) % MODEL_SCROLLBACK]);
	for (k = 0; k < r->nusers; k++)
		free(r->users[k]);
	free(r->lines);
	free(r->users);
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
	model_open(m, "server", ROOM_SERVER);
	return m;
}

void
model_free(struct model *m)
{
	int i;

	for (i = 0; i < m->nrooms; i++)
		room_free(m->rooms[i]);
	for (i = 0; i < m->nhist; i++)
		free(m->history[i]);
	free(m);
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
	    (r->lines = calloc(MODEL_SCROLLBACK, sizeof(*r->lines))) == NULL)
		abort();
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
	v->unread = r->unread;
	v->highlight = r->highlight;
	v->nusers = r->nusers;
	v->topic = r->topic;
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

void
model_set_active(struct model *m, int i)
{
	if (i < 0 || i >= m->nrooms)
		return;
	m->active = i;
	m->rooms[i]->unread = 0;
	m->rooms[i]->highlight = 0;
}

void
model_add_line(struct model *m, int i, const char *line, int highlight)
{
	struct room *r = m->rooms[i];
	size_t slot;

	if (r->nlines == MODEL_SCROLLBACK) {
		free(r->lines[r->first]);
		r->lines[r->first] = NULL;
		r->first = (r->first + 1) % MODEL_SCROLLBACK;
		r->nlines--;
	}
	slot = (r->first + r->nlines) % MODEL_SCROLLBACK;
	r->lines[slot] = xstrdup(line);
	r->nlines++;
	if (i != m->active) {
		r->unread++;
		r->highlight |= highlight;
	}
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
	return r->lines[(r->first + k) % MODEL_SCROLLBACK];
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

	pos = roster_pos(r, nick, &found);
	if (found)
		return;
	if (r->nusers == r->capusers) {
		size_t ncap = r->capusers ? r->capusers * 2 : 16;
		if ((n = realloc(r->users, ncap * sizeof(*n))) == NULL)
			abort();
		r->users = n;
		r->capusers = ncap;
	}
	memmove(&r->users[pos + 1], &r->users[pos],
	    (r->nusers - pos) * sizeof(*r->users));
	r->users[pos] = xstrdup(nick);
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
	if (!model_roster_remove(m, i, from))
		return 0;
	model_roster_add(m, i, to);
	return 1;
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
model_history_add(struct model *m, const char *line)
{
	if (*line == '\0')
		return;
	if (m->nhist > 0 && strcmp(m->history[m->nhist - 1], line) == 0) {
		m->histpos = m->nhist;
		return;
	}
	if (m->nhist == MODEL_HISTORY) {
		free(m->history[0]);
		memmove(&m->history[0], &m->history[1],
		    (MODEL_HISTORY - 1) * sizeof(m->history[0]));
		m->nhist--;
	}
	m->history[m->nhist++] = xstrdup(line);
	m->histpos = m->nhist;
}

const char *
model_history_step(struct model *m, int dir)
{
	int p = m->histpos + dir;

	if (p < 0)
		p = 0;
	if (p >= m->nhist) {
		m->histpos = m->nhist;
		return "";	/* past the newest: an empty entry */
	}
	m->histpos = p;
	return m->history[p];
}

const char *
model_complete(struct model *m, int i, const char *word)
{
	const struct room *r = m->rooms[i];
	size_t n = strlen(word), k, tried;
	char f1[64], f2[64];

	if (n == 0 || r->nusers == 0)
		return NULL;
	if (strcmp(word, m->complete_word) != 0) {
		snprintf(m->complete_word, sizeof(m->complete_word), "%s",
		    word);
		m->complete_next = 0;
	}
	irc_casefold(f1, sizeof(f1), word);
	for (tried = 0; tried < r->nusers; tried++) {
		k = (m->complete_next + tried) % r->nusers;
		irc_casefold(f2, sizeof(f2), r->users[k]);
		if (strncmp(f1, f2, n) == 0) {
			m->complete_next = k + 1;
			return r->users[k];
		}
	}
	return NULL;
}
