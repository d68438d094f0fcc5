/*
 * sbuf.c -- see sbuf.h.  Invariant: p is NUL-terminated whenever cap > 0.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbuf.h"

void
sbuf_init(struct sbuf *sb)
{
	memset(sb, 0, sizeof(*sb));
}

void
sbuf_free(struct sbuf *sb)
{
	free(sb->p);
	sbuf_init(sb);
}

static int
sbuf_grow(struct sbuf *sb, size_t n)
{
	size_t ncap;
	char *p;

	if (sb->err)
		return -1;
	if (sb->cap - sb->len > n)
		return 0;
	ncap = sb->cap ? sb->cap : 256;
	while (ncap - sb->len <= n) {
		if (ncap > ((size_t)-1) / 2) {
			sb->err = 1;
			return -1;
		}
		ncap *= 2;
	}
	if ((p = realloc(sb->p, ncap)) == NULL) {
		sb->err = 1;
		return -1;
	}
	sb->p = p;
	sb->cap = ncap;
	return 0;
}

void
sbuf_add(struct sbuf *sb, const char *s, size_t n)
{
	if (sbuf_grow(sb, n) == -1)
		return;
	memcpy(sb->p + sb->len, s, n);
	sb->len += n;
	sb->p[sb->len] = '\0';
}

void
sbuf_adds(struct sbuf *sb, const char *s)
{
	sbuf_add(sb, s, strlen(s));
}

void
sbuf_printf(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || sbuf_grow(sb, (size_t)n) == -1) {
		sb->err = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(sb->p + sb->len, sb->cap - sb->len, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}
