/*
 * linebuf.h -- reassemble CRLF- or LF-terminated lines from a byte stream.
 *
 * Bytes arrive in chunks of any size (one byte at a time works); complete
 * lines come out in order.  A line longer than max bytes (terminator not
 * counted) is reported once as LB_TOO_LONG and the rest of it is dropped up
 * to the next LF.  NUL and a CR that does not end the line are reported in
 * the line's flags: the caller decides (keochatd rejects such lines).
 * Each byte is scanned once for LF: no quadratic rescans.
 *
 * Storage is allocated lazily and can be released when empty, so an idle
 * connection costs no buffer.  struct linebuf is plain data owned by its
 * embedding struct; only linebuf.c touches its fields.
 */
#ifndef KEO_LINEBUF_H
#define KEO_LINEBUF_H

#include <stddef.h>

struct linebuf {
	char	*data;		/* owned; NULL while nothing is buffered */
	size_t	 off;		/* first unconsumed byte */
	size_t	 len;		/* end of the buffered bytes */
	size_t	 cap;		/* allocated size of data */
	size_t	 scan;		/* bytes after off known to hold no LF */
	size_t	 max;		/* longest accepted line, terminator excluded */
	int	 discard;	/* dropping the tail of an over-long line */
	int	 lent;		/* data is a borrowed buffer (linebuf_lend) */
};

enum linebuf_res {
	LB_NONE = 0,		/* no complete line yet */
	LB_LINE,		/* *line holds a complete line */
	LB_TOO_LONG,		/* a line over max was dropped */
};

#define LB_NUL	0x1		/* the line contains a NUL byte */
#define LB_CR	0x2		/* the line contains a CR not before its LF */

struct lb_line {
	char	*s;		/* NUL-terminated, borrowed until the next
				 * linebuf call that adds bytes */
	size_t	 len;		/* without terminator */
	unsigned flags;		/* LB_NUL, LB_CR */
};

void		 linebuf_init(struct linebuf *lb, size_t max);
void		 linebuf_free(struct linebuf *lb);

/* Room for at least want more bytes; returns where to write them and sets
 * *avail (>= want), or NULL when memory is short. */
char		*linebuf_reserve(struct linebuf *lb, size_t want,
		    size_t *avail);

/* Account n bytes written at the pointer linebuf_reserve returned. */
void		 linebuf_commit(struct linebuf *lb, size_t n);

/* Copy n bytes in; -1 when memory is short. */
int		 linebuf_append(struct linebuf *lb, const void *p, size_t n);

/* The next complete line, LB_TOO_LONG once per over-long line, or LB_NONE. */
enum linebuf_res linebuf_next(struct linebuf *lb, struct lb_line *line);

/* Bytes buffered and not yet returned as lines. */
size_t		 linebuf_pending(const struct linebuf *lb);

/* Release the storage when nothing is buffered (idle connections). */
void		 linebuf_shrink(struct linebuf *lb);

/* While lb holds nothing, read into the caller's buffer (cap bytes)
 * instead of its own: a server reads every connection through one scratch
 * buffer and only keeps what is left over.  Returns 0, or -1 (nothing
 * lent) when lb still holds bytes. */
int		 linebuf_lend(struct linebuf *lb, char *buf, size_t cap);
/* Give the buffer back, copying any leftover into lb's own storage; -1
 * when memory is short (the leftover is lost). */
int		 linebuf_unlend(struct linebuf *lb);

#endif
