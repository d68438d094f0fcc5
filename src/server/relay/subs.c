/*
 * subs.c -- the relay's subscription table (see subs.h).  Owns struct subs:
 * an array by channel index of short lists, one entry per live generation.
 */
#include <stdlib.h>

#include "subs.h"

struct sub {
	uint32_t	 gen;
	uint64_t	 mask;		/* bit per worker id */
	struct sub	*next;		/* other generations at this index */
};

struct subs {
	struct sub	**byidx;
	unsigned	  n;
};

struct subs *
subs_new(unsigned nchans)
{
	struct subs *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	if ((s->byidx = calloc(nchans, sizeof(*s->byidx))) == NULL) {
		free(s);
		return NULL;
	}
	s->n = nchans;
	return s;
}

void
subs_free(struct subs *s)
{
	struct sub *e, *next;
	unsigned i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		for (e = s->byidx[i]; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
	free(s->byidx);
	free(s);
}

static struct sub *
find(struct subs *s, uint32_t chan, uint32_t gen)
{
	struct sub *e;

	if (chan >= s->n)
		return NULL;
	for (e = s->byidx[chan]; e != NULL; e = e->next)
		if (e->gen == gen)
			return e;
	return NULL;
}

uint64_t
subs_mask(struct subs *s, uint32_t chan, uint32_t gen)
{
	struct sub *e = find(s, chan, gen);

	return e != NULL ? e->mask : 0;
}

static void
unlink_entry(struct subs *s, uint32_t chan, struct sub *e)
{
	struct sub **pp;

	for (pp = &s->byidx[chan]; *pp != NULL; pp = &(*pp)->next)
		if (*pp == e) {
			*pp = e->next;
			break;
		}
	free(e);
}

int
subs_set(struct subs *s, uint32_t chan, uint32_t gen, uint64_t bits, int on)
{
	struct sub *e;

	if (chan >= s->n)
		return -1;
	if ((e = find(s, chan, gen)) == NULL) {
		if (!on)
			return 0;
		if ((e = calloc(1, sizeof(*e))) == NULL)
			return -1;
		e->gen = gen;
		e->next = s->byidx[chan];
		s->byidx[chan] = e;
	}
	if (on)
		e->mask |= bits;
	else if ((e->mask &= ~bits) == 0)
		unlink_entry(s, chan, e);
	return 0;
}

void
subs_drop(struct subs *s, uint64_t bits)
{
	struct sub *e, *next;
	unsigned i;

	for (i = 0; i < s->n; i++)
		for (e = s->byidx[i]; e != NULL; e = next) {
			next = e->next;
			if ((e->mask &= ~bits) == 0)
				unlink_entry(s, i, e);
		}
}
