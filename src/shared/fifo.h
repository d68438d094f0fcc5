/*
 * fifo.h -- a growable byte FIFO: append at the end, consume from the
 * front, compact and grow as needed, release when empty.  Used for a
 * client's output backlog, a worker's frames to the relay and the Motif
 * client's output.  Plain data owned by the embedding struct; only
 * fifo.c touches the fields.
 */
#ifndef KEO_FIFO_H
#define KEO_FIFO_H

#include <stddef.h>

struct fifo {
	char	*data;		/* owned; NULL until the first byte */
	size_t	 off;		/* first unconsumed byte */
	size_t	 len;		/* end of the bytes */
	size_t	 cap;
};

/* Room for n more bytes, so that the fifo_add calls adding up to n
 * cannot fail; the first allocation is at least mincap (64 if 0).
 * 0, or -1 when memory is short (nothing queued is lost). */
int	 fifo_reserve(struct fifo *f, size_t n, size_t mincap);
/* Append n bytes (reserving as needed); 0 or -1. */
int	 fifo_add(struct fifo *f, const void *p, size_t n, size_t mincap);
/* Bytes waiting, and where they start. */
size_t	 fifo_used(const struct fifo *f);
char	*fifo_head(struct fifo *f);
/* Drop n bytes from the front (n <= fifo_used). */
void	 fifo_consume(struct fifo *f, size_t n);
/* Free the storage (and whatever it held). */
void	 fifo_release(struct fifo *f);

#endif
