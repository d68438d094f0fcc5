/*
 * roster_priv.h -- the layout of the roster segment, shared by the files
 * that implement roster.h (roster.c: slots, channels, membership, the
 * lock and its repair; roster_lists.c: mask lists, invites, the ban cache,
 * WHOWAS and command counters).  Nothing else may include it.
 */
#ifndef KEO_ROSTER_PRIV_H
#define KEO_ROSTER_PRIV_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "roster.h"


struct member {
	int32_t	 user;		/* slot */
	int32_t	 chan;		/* channel index */
	int32_t	 next, prev;	/* channel's member list; next = free link */
	uint8_t	 priv;		/* MEMBER_*: a copy of the user's ext priv[],
				 * so that NAMES reads no user's cold part */
	uint8_t	 banned;	/* cached: the user is banned here ... */
	uint8_t	 pad[2];
	uint32_t banver;	/* ... for this version of the lists, 0: not
				 * cached (derived: a rebuild clears it) */
};

struct ipent {
	int32_t	 next;		/* bucket chain or free list */
	uint32_t count;		/* connections from addr */
	uint8_t	 addr[16];
};

struct roster_hdr {
	uint32_t magic, version;
	uint32_t hdr_size, user_size, ext_size, chan_size, member_size, ip_size;
	uint32_t mask_size, whowas_size;
	uint32_t max_users, max_chans, max_members, max_masks, max_whowas;
	uint32_t nick_nb, chan_nb, ip_nb;	/* bucket counts, powers of 2 */
	uint64_t total_size;
	uint64_t off_nickb, off_chanb, off_ipb, off_users, off_ext, off_chans,
		 off_members, off_ips, off_masks, off_whowas, off_counts;
	pthread_mutex_t lock;
	volatile uint32_t dirty;	/* set while the lock is held */
	uint32_t repairs;		/* rebuilds after a dead holder */
	uint32_t nreg, nunreg, nchans, max_reg;
	uint32_t nopers, ninvisible;	/* users with +o, +i */
	int32_t	 free_user, free_chan, free_member, free_ip, free_mask;
	uint32_t hw_user, hw_chan, hw_member, hw_ip, hw_mask;	/* high water */
	uint32_t whowas_next;		/* where the next WHOWAS entry goes */
	uint32_t whowas_count;		/* entries written, at most max_whowas */
	uint32_t ban_ver;		/* the last list version handed out */
	uint32_t nworkers;
	_Atomic uint32_t worker_conns[WORKERS_MAX];
};

struct roster {
	struct roster_hdr *h;
	int32_t		*nickb, *chanb, *ipb;
	struct roster_user *users;
	struct roster_user_ext *ext;
	struct roster_chan *chans;
	struct member	*mem;
	struct ipent	*ips;
	struct roster_mask *masks;
	struct roster_whowas *whowas;
	_Atomic uint64_t *counts;	/* [worker][ROSTER_COUNTERS] */
	void		(*wait_fn)(void *);
	void		*wait_arg;
};

struct layout {
	uint64_t off_nickb, off_chanb, off_ipb, off_users, off_ext, off_chans,
		 off_members, off_ips, off_masks, off_whowas, off_counts, total;
	uint32_t nick_nb, chan_nb, ip_nb, max_members, max_masks, max_whowas;
};

/* --- roster_lists.c, for roster.c ------------------------------------------ */

/* Free every list entry of channel c (the channel is going). */
void	 lists_release(struct roster *r, int32_t c);
/* After a dead holder: rebuild the entry free list from the channels'
 * chains (cutting a chain at any damage) and recount. */
void	 lists_rebuild(struct roster *r);

_Static_assert(CHANS_PER_USER_MAX <= 64, "op_bits and voice_bits hold "
    "one bit a channel");

/* The privileges (MEMBER_*) a user has in its k-th channel. */
static inline unsigned
ext_priv(const struct roster_user_ext *e, unsigned k)
{
	return (unsigned)((e->op_bits >> k) & 1) * MEMBER_OP |
	    (unsigned)((e->voice_bits >> k) & 1) * MEMBER_VOICE;
}

static inline void
ext_priv_set(struct roster_user_ext *e, unsigned k, unsigned priv)
{
	uint64_t bit = 1ull << k;

	e->op_bits = (priv & MEMBER_OP) ? e->op_bits | bit : e->op_bits & ~bit;
	e->voice_bits = (priv & MEMBER_VOICE) ? e->voice_bits | bit :
	    e->voice_bits & ~bit;
}

/* Forget slot's cached ban state in every channel (its prefix changed). */
void	 ban_cache_drop(struct roster *r, int32_t slot);

#endif
