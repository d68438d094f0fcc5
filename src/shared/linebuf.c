/*
 * linebuf.c -- see linebuf.h.  Invariants: off <= len <= cap; the bytes
 * data[off .. off+scan) hold no LF; while discard is set, no bytes before
 * the next LF are kept.
 */
#include <stdlib.h>
#include <string.h>

#include "linebuf.h"

#define LINEBUF_MIN	512

void
linebuf_init(struct linebuf *lb, size_t max)
{
	memset(lb, 0, sizeof(*lb));
	lb->max = max;
}

void
linebuf_free(struct linebuf *lb)
{
	if (lb->lent)
		lb->data = NULL;	/* not ours to free */
	lb->lent = 0;
	free(lb->data);
	lb->data = NULL;
	lb->off = lb->len = lb->cap = lb->scan = 0;
	lb->discard = 0;
}

size_t
linebuf_pending(const struct linebuf *lb)
{
	return lb->len - lb->off;
}

void
linebuf_shrink(struct linebuf *lb)
{
	if (lb->off == lb->len && !lb->lent) {
		free(lb->data);
		lb->data = NULL;
		lb->off = lb->len = lb->cap = lb->scan = 0;
	}
}

int
linebuf_lend(struct linebuf *lb, char *buf, size_t cap)
{
	if (lb->lent || lb->off != lb->len)
		return -1;
	free(lb->data);
	lb->data = buf;
	lb->cap = cap;
	lb->off = lb->len = lb->scan = 0;
	lb->lent = 1;
	return 0;
}

int
linebuf_unlend(struct linebuf *lb)
{
	size_t used = lb->len - lb->off;
	char *own = NULL;

	if (!lb->lent)
		return 0;
	lb->lent = 0;
	if (used > 0 && (own = malloc(used)) == NULL) {
		lb->data = NULL;
		lb->off = lb->len = lb->cap = lb->scan = 0;
		return -1;
	}
	if (used > 0)
		memcpy(own, lb->data + lb->off, used);
	lb->data = own;
	lb->cap = used;
	lb->len = used;
	lb->off = 0;	/* scan stays: those bytes still hold no LF */
	return 0;
}

char *
linebuf_reserve(struct linebuf *lb, size_t want, size_t *avail)
{
	size_t used = lb->len - lb->off, ncap;
	char *n;

	if (lb->lent && lb->cap - lb->len < want && linebuf_unlend(lb) == -1)
		return NULL;	/* outgrew the loan: continue on our own */

	if (lb->off > 0 && (used == 0 || lb->cap - lb->len < want)) {
		memmove(lb->data, lb->data + lb->off, used);
		lb->len = used;
		lb->off = 0;
	}
	if (lb->cap - lb->len < want) {
		ncap = lb->cap ? lb->cap : LINEBUF_MIN;
		while (ncap - lb->len < want) {
			if (ncap > ((size_t)-1) / 2)
				return NULL;
			ncap *= 2;
		}
		if ((n = realloc(lb->data, ncap)) == NULL)
			return NULL;
		lb->data = n;
		lb->cap = ncap;
	}
	*avail = lb->cap - lb->len;
	return lb->data + lb->len;
}

void
linebuf_commit(struct linebuf *lb, size_t n)
{
	lb->len += n;
}

int
linebuf_append(struct linebuf *lb, const void *p, size_t n)
{
	size_t avail;
	char *w;

	if (n == 0)
		return 0;
	if ((w = linebuf_reserve(lb, n, &avail)) == NULL)
		return -1;
	memcpy(w, p, n);
	linebuf_commit(lb, n);
	return 0;
}

/* Drop everything buffered (the head of an over-long line). */
static void
linebuf_drop(struct linebuf *lb)
{
	lb->off = lb->len = lb->scan = 0;
}

enum linebuf_res
linebuf_next(struct linebuf *lb, struct lb_line *line)
{
	char *start, *lf;
	size_t n;

	for (;;) {
		if (lb->off == lb->len)
			return LB_NONE;
		start = lb->data + lb->off;
		lf = memchr(start + lb->scan, '\n', lb->len - lb->off - lb->scan);
		if (lb->discard) {
			if (lf == NULL) {
				linebuf_drop(lb);
				return LB_NONE;
			}
			lb->discard = 0;
			lb->off += (size_t)(lf - start) + 1;
			lb->scan = 0;
			continue;
		}
		if (lf == NULL) {
			lb->scan = lb->len - lb->off;
			/* max bytes and a CR may still be followed by LF */
			if (lb->scan > lb->max + 1) {
				linebuf_drop(lb);
				lb->discard = 1;
				return LB_TOO_LONG;
			}
			return LB_NONE;
		}
		n = (size_t)(lf - start);
		lb->off += n + 1;
		lb->scan = 0;
		if (n > 0 && start[n - 1] == '\r')
			n--;
		if (n > lb->max)
			return LB_TOO_LONG;
		start[n] = '\0';
		line->s = start;
		line->len = n;
		line->flags = 0;
		if (memchr(start, '\0', n) != NULL)
			line->flags |= LB_NUL;
		if (memchr(start, '\r', n) != NULL)
			line->flags |= LB_CR;
		return LB_LINE;
	}
}
