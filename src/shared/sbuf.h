/*
 * sbuf.h -- a growable byte string for collecting output (NAMES, WHO,
 * LIST) while a lock is held, to be sent after it is released.
 * Plain data owned by the caller; an allocation failure is sticky (err).
 */
#ifndef KEO_SBUF_H
#define KEO_SBUF_H

#include <stddef.h>

struct sbuf {
	char	*p;		/* NUL-terminated when len > 0; owned */
	size_t	 len, cap;
	int	 err;		/* an allocation failed: content incomplete */
};

void	sbuf_init(struct sbuf *sb);
void	sbuf_free(struct sbuf *sb);
void	sbuf_add(struct sbuf *sb, const char *s, size_t n);
void	sbuf_adds(struct sbuf *sb, const char *s);
void	sbuf_printf(struct sbuf *sb, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
