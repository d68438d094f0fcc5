/*
 * fifo.c -- see fifo.h.  Invariant: off <= len <= cap; when everything
 * is consumed off and len go back to 0, so the buffer is reused from the
 * start without moving bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "fifo.h"

int
fifo_reserve(struct fifo *f, size_t n, size_t mincap)
{
	size_t used = f->len - f->off, ncap;
	char *p;

	if (f->cap - f->len >= n)
		return 0;
	if (f->off > 0) {		/* compact before growing */
		memmove(f->data, f->data + f->off, used);
		f->off = 0;
		f->len = used;
		if (f->cap - f->len >= n)
			return 0;
	}
	ncap = f->cap ? f->cap : (mincap ? mincap : 64);
	while (ncap - used < n) {
		if (ncap > ((size_t)-1) / 2)
			return -1;
		ncap *= 2;
	}
	if ((p = realloc(f->data, ncap)) == NULL)
		return -1;
	f->data = p;
	f->cap = ncap;
	return 0;
}

int
fifo_add(struct fifo *f, const void *p, size_t n, size_t mincap)
{
	if (n == 0)
		return 0;
	if (fifo_reserve(f, n, mincap) == -1)
		return -1;
	memcpy(f->data + f->len, p, n);
	f->len += n;
	return 0;
}

size_t
fifo_used(const struct fifo *f)
{
	return f->len - f->off;
}

char *
fifo_head(struct fifo *f)
{
	return f->data + f->off;
}

void
fifo_consume(struct fifo *f, size_t n)
{
	f->off += n;
	if (f->off >= f->len)
		f->off = f->len = 0;
}

void
fifo_release(struct fifo *f)
{
	free(f->data);
	f->data = NULL;
	f->off = f->len = f->cap = 0;
}
