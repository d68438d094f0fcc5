/*
 * subs.h -- the relay's subscription table: for each channel (roster index
 * and generation), the mask of workers that have members there.
 *
 * A channel freed and created again at the same index gets a new
 * generation, and frames of the old one may still be in flight, so entries
 * are keyed by both.  Owned by the relay process; struct subs is opaque.
 */
#ifndef KEO_SUBS_H
#define KEO_SUBS_H

#include <stdint.h>

struct subs;

/* A table for channel indexes [0, nchans); NULL when memory is short. */
struct subs	*subs_new(unsigned nchans);
void		 subs_free(struct subs *s);
/* The workers subscribed to the channel (0 for none or out of range). */
uint64_t	 subs_mask(struct subs *s, uint32_t chan, uint32_t gen);
/* Add (on) or remove the workers in bits; -1 when memory is short or the
 * index is out of range. */
int		 subs_set(struct subs *s, uint32_t chan, uint32_t gen,
		    uint64_t bits, int on);
/* Remove the workers in bits from every channel (a link went away). */
void		 subs_drop(struct subs *s, uint64_t bits);

#endif
