/*
 * histq.h -- what a CHATHISTORY command asks for (draft/chathistory),
 * parsed and turned into ranges of a room's history, without the store:
 * the references ("*", "msgid=ID", "timestamp=YYYY-MM-DDThh:mm:ss.sssZ"),
 * the limit, and for each subcommand the one or two ranges (struct
 * hist_range's ends) that answer it.
 *
 * A room's lines are ordered by (time_ms, id).  A msgid reference is the
 * position of that message (the caller looks it up); a timestamp is the
 * gap before its millisecond (as an upper end) or after it (as a lower
 * end), so that "before T" and "after T" never include a line of T
 * itself, as the specification's exclusive bounds want.
 */
#ifndef KEO_HISTQ_H
#define KEO_HISTQ_H

#include <stddef.h>
#include <stdint.h>

#define HISTQ_LIMIT_MAX		1000	/* CHATHISTORY= in 005 */

enum histq_sub {
	HQ_LATEST, HQ_BEFORE, HQ_AFTER, HQ_AROUND, HQ_BETWEEN, HQ_TARGETS,
	HQ_SUB_MAX
};

enum histq_refkind { HQ_STAR, HQ_MSGID, HQ_TIME };

struct histq_ref {
	enum histq_refkind kind;
	uint64_t	 msgid;		/* HQ_MSGID */
	int64_t		 time_ms;	/* HQ_TIME, or the msgid's once found */
	int64_t		 id;		/* the msgid's, once found */
};

/* A position (time_ms, id), as struct hist_pos. */
struct histq_pos {
	int64_t		 time_ms;
	int64_t		 id;
};

/* One range: ends exclusive, has_lo/has_hi 0 when open; newest: the
 * limit counts from the upper end. */
struct histq_range {
	int		 has_lo, has_hi;
	struct histq_pos lo, hi;
	unsigned	 limit;
	int		 newest;
};

/* The subcommand, case-insensitively, or -1. */
int	histq_sub(const char *s);
/* A reference; star allowed or not.  0 or -1. */
int	histq_ref(const char *s, int star, struct histq_ref *r);
/* A limit 1..max, in decimal.  0 or -1. */
int	histq_limit(const char *s, unsigned max, unsigned *out);
/* The ranges for sub with references a (and b for BETWEEN), msgid
 * references resolved; limit the asked one.  The number of ranges (1 or
 * 2, AROUND: the first before, the second from the reference on, its
 * limit what the first leaves: the caller lowers it by what came back),
 * or -1 (TARGETS has no ranges of one room). */
int	histq_plan(enum histq_sub sub, const struct histq_ref *a,
	    const struct histq_ref *b, unsigned limit,
	    struct histq_range out[2]);

/* SEARCH's attributes (draft/search): "key=value;key=value" as message
 * tags are written, values unescaped in place.  in, from, text may be
 * NULL (absent); after_ms/before_ms 0 when absent; limit 100 when
 * absent.  0, or -1 with *bad the attribute that is wrong. */
struct histq_search {
	const char	*in, *from, *text;
	int64_t		 after_ms, before_ms;
	unsigned	 limit;
};
int	histq_search_parse(char *attrs, struct histq_search *q,
	    const char **bad);

/* Parse "YYYY-MM-DDThh:mm:ss[.sss]Z" into epoch ms.  0 or -1. */
int	histq_timestamp(const char *s, int64_t *ms);
/* Format epoch ms as "YYYY-MM-DDThh:mm:ss.sssZ" (25 bytes with NUL). */
size_t	histq_format_time(char *out, size_t outsz, int64_t ms);
/* The msgid keochatd shows (base 36) back to its number.  0 or -1. */
int	histq_msgid(const char *s, uint64_t *id);

#endif
