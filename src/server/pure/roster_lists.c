/*
 * roster_lists.c -- the roster's channel lists, member privileges, the ban
 * cache, WHOWAS and command counters (see roster.h).  Caller holds the
 * lock, except for the counters.
 *
 * Each channel's bans, exceptions, invite exceptions and pending invites
 * are one chain of entries from a shared pool (struct roster_mask),
 * newest first.  The chains are primary data; the pool's free list is
 * derived and rebuilt after a dead holder by walking the chains.
 *
 * The ban cache: a channel's ban_ver changes with every b or e change;
 * a member's answer is kept in its member entry with the version it was
 * computed for, and a nick or host change clears the user's versions.
 * So PRIVMSG to a room
 * with fifty bans costs fifty mask matches once per member and list
 * change, not once per message.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "roster_priv.h"
#include "valid.h"

static int
member_index(struct roster *r, int32_t slot, int32_t chan)
{
	struct roster_user *u = &r->users[slot];
	unsigned k;

	for (k = 0; k < u->nchans && k < CHANS_PER_USER_MAX; k++)
		if (r->ext[slot].chans[k] == chan)
			return (int)k;
	return -1;
}

static int
slot_in_use(struct roster *r, int32_t slot)
{
	return slot >= 0 && (uint32_t)slot < r->h->hw_user &&
	    r->users[slot].state != ROSTER_FREE;
}

int
roster_member_priv(struct roster *r, int32_t slot, int32_t chan)
{
	int k;

	if (!slot_in_use(r, slot) || (k = member_index(r, slot, chan)) < 0)
		return -1;
	return (int)ext_priv(&r->ext[slot], (unsigned)k);
}

void
roster_member_set_priv(struct roster *r, int32_t slot, int32_t chan,
    unsigned priv)
{
	int k;

	if (slot_in_use(r, slot) && (k = member_index(r, slot, chan)) >= 0) {
		ext_priv_set(&r->ext[slot], (unsigned)k, priv);
		r->mem[r->ext[slot].mems[k]].priv = (uint8_t)ext_priv(
		    &r->ext[slot], (unsigned)k);
	}
}

/* --- the pool ------------------------------------------------------------- */

static int32_t
mask_alloc(struct roster *r)
{
	int32_t e;

	if (r->h->free_mask >= 0) {
		e = r->h->free_mask;
		r->h->free_mask = r->masks[e].next;
	} else if (r->h->hw_mask < r->h->max_masks)
		e = (int32_t)r->h->hw_mask++;
	else
		return -1;
	memset(&r->masks[e], 0, sizeof(r->masks[e]));
	r->masks[e].used = 1;
	return e;
}

static void
mask_free(struct roster *r, int32_t e)
{
	r->masks[e].used = 0;
	r->masks[e].next = r->h->free_mask;
	r->h->free_mask = e;
}

static int
valid_entry(struct roster *r, int32_t e)
{
	return e >= 0 && (uint32_t)e < r->h->hw_mask;
}

/* Unlink the entry after prev (or the chain's head when prev is -1). */
static void
unlink_after(struct roster *r, int32_t chan, int32_t prev, int32_t e)
{
	struct roster_chan *ch = &r->chans[chan];

	if (prev < 0)
		ch->list = r->masks[e].next;
	else
		r->masks[prev].next = r->masks[e].next;
	if (r->masks[e].type == 'v')
		ch->ninvite--;
	else
		ch->nlist--;
	mask_free(r, e);
}

void
lists_release(struct roster *r, int32_t c)
{
	struct roster_chan *ch = &r->chans[c];
	int32_t e, next;
	unsigned guard = 0;

	for (e = ch->list; valid_entry(r, e) && guard++ <= r->h->hw_mask;
	    e = next) {
		next = r->masks[e].next;
		mask_free(r, e);
	}
	ch->list = -1;
	ch->nlist = ch->ninvite = 0;
}

void
lists_rebuild(struct roster *r)
{
	struct roster_chan *ch;
	int32_t e, *pp;
	uint32_t i;

	if (r->h->hw_mask > r->h->max_masks)
		r->h->hw_mask = r->h->max_masks;
	for (i = 0; i < r->h->hw_mask; i++)
		r->masks[i].used = 0;
	for (i = 0; i < r->h->hw_chan && i < r->h->max_chans; i++) {
		ch = &r->chans[i];
		ch->nlist = ch->ninvite = 0;
		if (!ch->used) {
			ch->list = -1;
			continue;
		}
		/* a chain that runs into garbage or into itself is cut */
		for (pp = &ch->list; (e = *pp) >= 0; pp = &r->masks[e].next) {
			if (!valid_entry(r, e) || r->masks[e].used) {
				*pp = -1;
				break;
			}
			r->masks[e].used = 1;
			r->masks[e].mask[MASK_MAX] = '\0';
			r->masks[e].by[NICK_MAX] = '\0';
			if (r->masks[e].type == 'v')
				ch->ninvite++;
			else
				ch->nlist++;
		}
		ch->ban_ver = ++r->h->ban_ver;
	}
	r->h->free_mask = -1;
	for (i = r->h->hw_mask; i-- > 0;)
		if (!r->masks[i].used) {
			r->masks[i].next = r->h->free_mask;
			r->h->free_mask = (int32_t)i;
		}
}

/* --- mask lists ------------------------------------------------------------ */

static int
list_type_ok(int type)
{
	return type == 'b' || type == 'e' || type == 'I';
}

enum roster_err
roster_list_add(struct roster *r, int32_t chan, int type, const char *mask,
    const char *by, int64_t now)
{
	struct roster_chan *ch = &r->chans[chan];
	struct roster_mask *m;
	int32_t e;
	unsigned guard = 0;

	if (!list_type_ok(type))
		return ROSTER_NOT_FOUND;
	for (e = ch->list; valid_entry(r, e) && guard++ <= r->h->hw_mask;
	    e = r->masks[e].next)
		if (r->masks[e].type == type &&
		    irc_casecmp(r->masks[e].mask, mask) == 0)
			return ROSTER_LIST_DUP;
	if (ch->nlist >= LIST_MAX || (e = mask_alloc(r)) < 0)
		return ROSTER_LIST_FULL;
	m = &r->masks[e];
	m->type = (uint8_t)type;
	m->slot = -1;
	m->when = now;
	snprintf(m->mask, sizeof(m->mask), "%s", mask);
	snprintf(m->by, sizeof(m->by), "%s", by);
	m->next = ch->list;
	ch->list = e;
	ch->nlist++;
	if (type != 'I')
		ch->ban_ver = ++r->h->ban_ver;
	return ROSTER_OK;
}

enum roster_err
roster_list_del(struct roster *r, int32_t chan, int type, const char *mask)
{
	struct roster_chan *ch = &r->chans[chan];
	int32_t e, prev = -1;
	unsigned guard = 0;

	for (e = ch->list; valid_entry(r, e) && guard++ <= r->h->hw_mask;
	    prev = e, e = r->masks[e].next) {
		if (r->masks[e].type != type ||
		    irc_casecmp(r->masks[e].mask, mask) != 0)
			continue;
		unlink_after(r, chan, prev, e);
		if (type != 'I')
			ch->ban_ver = ++r->h->ban_ver;
		return ROSTER_OK;
	}
	return ROSTER_NOT_FOUND;
}

int32_t
roster_list_first(struct roster *r, int32_t chan)
{
	int32_t e = r->chans[chan].list;

	return valid_entry(r, e) ? e : -1;
}

int32_t
roster_list_next(struct roster *r, int32_t e)
{
	int32_t n = valid_entry(r, e) ? r->masks[e].next : -1;

	return valid_entry(r, n) ? n : -1;
}

const struct roster_mask *
roster_list_entry(struct roster *r, int32_t e)
{
	return valid_entry(r, e) ? &r->masks[e] : NULL;
}

int
roster_list_match(struct roster *r, int32_t chan, int type,
    const char *prefix)
{
	int32_t e;
	unsigned guard = 0;

	for (e = r->chans[chan].list; valid_entry(r, e) &&
	    guard++ <= r->h->hw_mask; e = r->masks[e].next)
		if (r->masks[e].type == type &&
		    irc_mask_match(r->masks[e].mask, prefix))
			return 1;
	return 0;
}

/* --- the ban cache ----------------------------------------------------------- */

void
ban_cache_drop(struct roster *r, int32_t slot)
{
	struct roster_user *u = &r->users[slot];
	unsigned k;

	for (k = 0; k < u->nchans && k < CHANS_PER_USER_MAX; k++)
		r->mem[r->ext[slot].mems[k]].banver = 0;
}

int
roster_banned(struct roster *r, int32_t slot, int32_t chan)
{
	struct roster_user *u;
	struct roster_user_ext *x;
	char prefix[PREFIX_MAX + 1];
	int k, banned;

	if (!slot_in_use(r, slot))
		return 0;
	u = &r->users[slot];
	x = &r->ext[slot];
	k = member_index(r, slot, chan);
	if (k >= 0 && r->mem[x->mems[k]].banver == r->chans[chan].ban_ver)
		return r->mem[x->mems[k]].banned;
	snprintf(prefix, sizeof(prefix), "%s!%s@%s", u->nick,
	    u->user[0] ? u->user : "*", u->host);
	banned = roster_list_match(r, chan, 'b', prefix) &&
	    !roster_list_match(r, chan, 'e', prefix);
	if (k >= 0) {
		r->mem[x->mems[k]].banned = (uint8_t)banned;
		r->mem[x->mems[k]].banver = r->chans[chan].ban_ver;
	}
	return banned;
}

void
roster_user_set_host(struct roster *r, int32_t slot, const char *user,
    const char *host)
{
	struct roster_user *u = &r->users[slot];

	snprintf(u->user, sizeof(u->user), "%s", user);
	snprintf(u->host, sizeof(u->host), "%s", host);
	ban_cache_drop(r, slot);
}

void
roster_user_set_realname(struct roster *r, int32_t slot,
    const char *realname)
{
	snprintf(r->ext[slot].realname, sizeof(r->ext[slot].realname), "%s",
	    realname);
}

/* --- invites ------------------------------------------------------------------ */

void
roster_invite_add(struct roster *r, int32_t chan, int32_t slot)
{
	struct roster_chan *ch = &r->chans[chan];
	struct roster_mask *m;
	int32_t e, prev = -1, last = -1, lastprev = -1;
	unsigned guard = 0;

	if (!slot_in_use(r, slot))
		return;
	for (e = ch->list; valid_entry(r, e) && guard++ <= r->h->hw_mask;
	    prev = e, e = r->masks[e].next) {
		if (r->masks[e].type != 'v')
			continue;
		if (r->masks[e].slot == slot &&
		    r->masks[e].gen == r->users[slot].gen)
			return;		/* invited already */
		last = e;
		lastprev = prev;
	}
	if (ch->ninvite >= INVITES_MAX && last >= 0)
		unlink_after(r, chan, lastprev, last);	/* the oldest goes */
	if ((e = mask_alloc(r)) < 0)
		return;
	m = &r->masks[e];
	m->type = 'v';
	m->slot = slot;
	m->gen = r->users[slot].gen;
	m->next = ch->list;
	ch->list = e;
	ch->ninvite++;
}

int
roster_invite_take(struct roster *r, int32_t chan, int32_t slot)
{
	int32_t e, prev = -1;
	unsigned guard = 0;

	if (!slot_in_use(r, slot))
		return 0;
	for (e = r->chans[chan].list; valid_entry(r, e) &&
	    guard++ <= r->h->hw_mask; prev = e, e = r->masks[e].next)
		if (r->masks[e].type == 'v' && r->masks[e].slot == slot &&
		    r->masks[e].gen == r->users[slot].gen) {
			unlink_after(r, chan, prev, e);
			return 1;
		}
	return 0;
}

/* --- WHOWAS --------------------------------------------------------------------- */

void
roster_whowas_add(struct roster *r, int32_t slot, int64_t now)
{
	struct roster_whowas *w;
	struct roster_user *u;

	if (!slot_in_use(r, slot) || r->users[slot].nick[0] == '\0' ||
	    r->h->max_whowas == 0)
		return;
	u = &r->users[slot];
	if (r->h->whowas_next >= r->h->max_whowas)
		r->h->whowas_next = 0;
	w = &r->whowas[r->h->whowas_next++];
	w->when = now;
	snprintf(w->nick, sizeof(w->nick), "%s", u->nick);
	snprintf(w->user, sizeof(w->user), "%s", u->user);
	snprintf(w->host, sizeof(w->host), "%s", u->host);
	snprintf(w->realname, sizeof(w->realname), "%s",
	    r->ext[slot].realname);
	if (r->h->whowas_count < r->h->max_whowas)
		r->h->whowas_count++;
}

int
roster_whowas_get(struct roster *r, const char *nick, unsigned nth,
    struct roster_whowas *out)
{
	uint32_t n = r->h->whowas_count, i, at;
	unsigned seen = 0;

	if (n > r->h->max_whowas)
		n = r->h->max_whowas;
	at = r->h->whowas_next < r->h->max_whowas ? r->h->whowas_next : 0;
	for (i = 0; i < n; i++) {
		at = at == 0 ? r->h->max_whowas - 1 : at - 1;	/* newest first */
		r->whowas[at].nick[NICK_MAX] = '\0';
		if (irc_casecmp(r->whowas[at].nick, nick) != 0)
			continue;
		if (seen++ == nth) {
			*out = r->whowas[at];
			out->user[USER_MAX] = out->host[HOST_MAX] = '\0';
			out->realname[REALNAME_MAX] = '\0';
			return 0;
		}
	}
	return -1;
}

/* --- command counters ------------------------------------------------------------- */

void
roster_count(struct roster *r, unsigned worker, unsigned cmd)
{
	_Atomic uint64_t *c;

	if (worker >= WORKERS_MAX || cmd >= ROSTER_COUNTERS)
		return;
	c = &r->counts[worker * ROSTER_COUNTERS + cmd];
	atomic_store_explicit(c, atomic_load_explicit(c,
	    memory_order_relaxed) + 1, memory_order_relaxed);
}

uint64_t
roster_counted(struct roster *r, unsigned cmd)
{
	uint64_t sum = 0;
	unsigned w;

	if (cmd >= ROSTER_COUNTERS)
		return 0;
	for (w = 0; w < WORKERS_MAX; w++)
		sum += atomic_load_explicit(&r->counts[w * ROSTER_COUNTERS +
		    cmd], memory_order_relaxed);
	return sum;
}
