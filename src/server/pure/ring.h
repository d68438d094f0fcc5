/*
 * ring.h -- the relay's state that outlives the relay: a log of ordered
 * frames, the message id and channel sequence counters, and per-worker
 * watermarks, in a shared memory segment the master creates before it
 * forks.
 *
 * Who may touch it:
 *   master  creates it (ring_init); never reads or writes it after.
 *   relay   the only reader and writer: a respawned relay attaches to the
 *           segment its predecessor wrote and carries on from it.
 *   worker  never (it unmaps the segment at start).
 *
 * The log is a byte ring of entries {u32 length, u32 flags, u64 worker
 * mask} + frame, at monotonic u64 positions (index = position % capacity).
 * An ordered frame is appended before any worker is sent a byte of it, so
 * a frame the relay ordered survives the relay; a worker's cursor is the
 * position of the next entry it has not been sent, and the tail is the
 * oldest cursor: entries behind it are free.  The relay stores each worker
 * link's cursor after every write, so a new relay resumes every worker
 * where the old one stopped (repeating at most the last write, which the
 * workers drop by message id).
 *
 * Stores that a crash must not reorder (the head after the bytes of its
 * entry, a cursor after the write it records) are release stores; the only
 * later reader is the next relay, after the writer is dead.  Pure code: no
 * I/O; pointers returned are into the segment.
 */
#ifndef KEO_RING_H
#define KEO_RING_H

#include <stddef.h>
#include <stdint.h>

#define RING_MAGIC	0x4b454f4cu	/* "KEOL" */
#define RING_VERSION	2
#define RING_ENTRY_HDR	16

struct ring;	/* a process's handle, defined in ring.c */

/* Bytes for a segment with a log of logbytes (rounded up to 4 KiB) and a
 * sequence counter for each of max_chans channel slots. */
size_t		 ring_size(unsigned max_chans, size_t logbytes);
/* Lay out a fresh segment in mem (size bytes); message ids start after
 * first_id (the master passes the time in ms << 20, so the ids of a
 * server started again do not repeat the last one's).  0 or -1. */
int		 ring_init(void *mem, size_t size, unsigned max_chans,
		    size_t logbytes, uint64_t first_id);
/* A handle, or NULL with err filled when the header does not match this
 * build.  Caller frees with ring_detach. */
struct ring	*ring_attach(void *mem, size_t size, char *err, size_t errsz);
void		 ring_detach(struct ring *r);

/* The segment's first_id: the same for a respawned relay, new when the
 * server starts again (cluster mode: this host's boot in its messages). */
uint64_t	 ring_boot(struct ring *r);
/* Cluster mode: the last stream sequence logged (0: none yet). */
uint64_t	 ring_stream_seq(struct ring *r);
void		 ring_stream_seq_set(struct ring *r, uint64_t seq);

/* The next message id (never 0, never repeated). */
uint64_t	 ring_next_id(struct ring *r);
/* The next message id, want if it is above the last one (cluster mode:
 * a stream message's id, the same on every host), else the last + 1. */
uint64_t	 ring_next_id_at_least(struct ring *r, uint64_t want);
/* Nonzero while no id has been handed out since ring_init. */
int		 ring_ids_fresh(struct ring *r);
/* Count ids on from last (cluster mode, on a fresh segment). */
void		 ring_ids_restart(struct ring *r, uint64_t last);
/* The next sequence number of channel slot chan (0 when out of range). */
uint64_t	 ring_next_seq(struct ring *r, uint32_t chan);

/* The last link sequence of worker id's process pid that the relay
 * processed (0 when pid is not the process it last saw there). */
uint64_t	 ring_origin_lseq(struct ring *r, unsigned id, uint32_t pid);
/* Record it; a new pid starts from lseq. */
void		 ring_origin_set(struct ring *r, unsigned id, uint32_t pid,
		    uint64_t lseq);

/* The cursor of worker id's link: 0 and *pid = 0 when it has none. */
uint64_t	 ring_dest(struct ring *r, unsigned id, uint32_t *pid);
/* Record worker id's process and cursor; pid 0 drops the link (its
 * cursor no longer holds the tail back). */
void		 ring_dest_set(struct ring *r, unsigned id, uint32_t pid,
		    uint64_t cursor);

uint64_t	 ring_head(struct ring *r);
uint64_t	 ring_tail(struct ring *r);
/* Capacity of the log in bytes, and the bytes in use (head - tail). */
size_t		 ring_capacity(struct ring *r);
size_t		 ring_used(struct ring *r);
/* Room for a frame of len bytes: 1 when ring_reserve would succeed. */
int		 ring_fits(struct ring *r, size_t len);
/* Reserve an entry for a frame of len bytes and return where to write it
 * (NULL when the log is full); ring_commit publishes it with its mask. */
void		*ring_reserve(struct ring *r, size_t len);
void		 ring_commit(struct ring *r, uint64_t mask);
/* The entry at *pos: 1 with frame, len, mask, *pos advanced past it; 0 at
 * the head; -1 when the log is damaged at *pos. */
int		 ring_read(struct ring *r, uint64_t *pos, const uint8_t **frame,
		    size_t *len, uint64_t *mask);
/* Free every entry before pos (pos between tail and head). */
void		 ring_release(struct ring *r, uint64_t pos);
/* The whole pages of the log between head and tail that hold nothing: up
 * to two spans [*a, *a + *alen) and [*b, *b + *blen) in the mapping, for
 * the caller to give back to the system. */
void		 ring_free_spans(struct ring *r, size_t page, void **a,
		    size_t *alen, void **b, size_t *blen);

#endif
