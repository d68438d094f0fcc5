/*
 * monitor.c -- the worker's MONITOR index (see monitor.h).  Owns struct
 * monitor_index (kd.monitors): buckets of (client, casefolded nick) nodes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "ctx.h"
#include "monitor.h"
#include "valid.h"

struct watch {
	struct watch	*next;
	struct client	*c;
	char		 fnick[NICK_MAX + 1];
};

struct monitor_index {
	struct watch	**b;
	unsigned	  nb;	/* a power of two */
};

static unsigned
bucket(const char *fnick)
{
	uint32_t h = 2166136261u;

	for (; *fnick != '\0'; fnick++)
		h = (h ^ (uint8_t)*fnick) * 16777619u;
	return h & (kd.monitors->nb - 1);
}

int
monitor_init(unsigned buckets)
{
	struct monitor_index *m;
	unsigned nb = 64;

	while (nb < buckets && nb < (1u << 20))
		nb <<= 1;
	if ((m = calloc(1, sizeof(*m))) == NULL ||
	    (m->b = calloc(nb, sizeof(*m->b))) == NULL) {
		free(m);
		return -1;
	}
	m->nb = nb;
	kd.monitors = m;
	return 0;
}

void
monitor_free(void)
{
	struct watch *w, *next;
	unsigned i;

	if (kd.monitors == NULL)
		return;
	for (i = 0; i < kd.monitors->nb; i++)
		for (w = kd.monitors->b[i]; w != NULL; w = next) {
			next = w->next;
			free(w);
		}
	free(kd.monitors->b);
	free(kd.monitors);
	kd.monitors = NULL;
}

static void
unwatch(struct client *c, const char *fnick)
{
	struct watch **pp, *w;

	for (pp = &kd.monitors->b[bucket(fnick)]; (w = *pp) != NULL;
	    pp = &w->next)
		if (w->c == c && strcmp(w->fnick, fnick) == 0) {
			*pp = w->next;
			free(w);
			return;
		}
}

int
monitor_add(struct client *c, const char *nick)
{
	char fnick[NICK_MAX + 1];
	struct watch *w;
	unsigned i, b;

	irc_casefold(fnick, sizeof(fnick), nick);
	for (i = 0; i < c->nmonitor; i++)
		if (irc_casecmp(c->monitor[i], nick) == 0)
			return 0;
	if (c->nmonitor >= MONITOR_MAX)
		return -1;
	if (c->monitor == NULL && (c->monitor = calloc(MONITOR_MAX,
	    sizeof(*c->monitor))) == NULL)
		return -1;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return -1;
	snprintf(c->monitor[c->nmonitor++], sizeof(c->monitor[0]), "%s", nick);
	w->c = c;
	memcpy(w->fnick, fnick, sizeof(w->fnick));
	b = bucket(fnick);
	w->next = kd.monitors->b[b];
	kd.monitors->b[b] = w;
	return 1;
}

void
monitor_del(struct client *c, const char *nick)
{
	char fnick[NICK_MAX + 1];
	unsigned i;

	for (i = 0; i < c->nmonitor; i++)
		if (irc_casecmp(c->monitor[i], nick) == 0) {
			irc_casefold(fnick, sizeof(fnick), c->monitor[i]);
			unwatch(c, fnick);
			memcpy(c->monitor[i], c->monitor[--c->nmonitor],
			    sizeof(c->monitor[0]));
			return;
		}
}

void
monitor_clear(struct client *c)
{
	char fnick[NICK_MAX + 1];

	while (c->nmonitor > 0) {
		irc_casefold(fnick, sizeof(fnick), c->monitor[--c->nmonitor]);
		unwatch(c, fnick);
	}
}

void
monitor_watchers(const char *nick, void (*fn)(struct client *, void *),
    void *arg)
{
	char fnick[NICK_MAX + 1];
	struct watch *w, *next;

	if (kd.monitors == NULL)
		return;
	irc_casefold(fnick, sizeof(fnick), nick);
	for (w = kd.monitors->b[bucket(fnick)]; w != NULL; w = next) {
		next = w->next;
		if (strcmp(w->fnick, fnick) == 0 && w->c->state < CL_DYING)
			fn(w->c, arg);
	}
}
