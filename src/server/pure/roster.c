/*
 * roster.c -- the shared-memory roster (see roster.h for who may do what).
 *
 * Layout: header | nick buckets | channel buckets | address buckets |
 * users | user extensions | channels | members | addresses | mask list
 * entries | WHOWAS ring | command counters.  Every table is allocated by a
 * high-water mark plus a free list, so pages are touched only as they are
 * used and a fresh segment costs almost nothing.
 *
 * Primary data: user slot states, nicks, addresses, channel lists and
 * privileges; channel names, topics, modes and mask chains.  Derived data
 * (rebuilt by roster_rebuild after a holder died): hash chains, member
 * lists, counters, free lists, the address table and the ban cache.  The
 * dirty word is set while the lock is held, so a death inside any
 * critical section triggers the rebuild.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "roster.h"
#include "valid.h"

#include "roster_priv.h"

static uint32_t
pow2_at_least(uint32_t n)
{
	uint32_t p = 64;

	while (p < n && p < (1u << 30))
		p <<= 1;
	return p;
}

static uint64_t
align64(uint64_t n)
{
	return (n + 63) & ~(uint64_t)63;
}

static void
layout_compute(struct layout *l, unsigned max_users, unsigned max_chans)
{
	uint64_t o = align64(sizeof(struct roster_hdr));

	l->nick_nb = pow2_at_least(max_users);
	l->chan_nb = pow2_at_least(max_chans);
	l->ip_nb = pow2_at_least(max_users);
	l->max_members = max_users * (uint32_t)CHANS_PER_USER_MAX;
	l->off_nickb = o;
	o = align64(o + (uint64_t)l->nick_nb * 4);
	l->off_chanb = o;
	o = align64(o + (uint64_t)l->chan_nb * 4);
	l->off_ipb = o;
	o = align64(o + (uint64_t)l->ip_nb * 4);
	l->off_users = o;
	o = align64(o + (uint64_t)max_users * sizeof(struct roster_user));
	l->off_ext = o;
	o = align64(o + (uint64_t)max_users * sizeof(struct roster_user_ext));
	l->off_chans = o;
	o = align64(o + (uint64_t)max_chans * sizeof(struct roster_chan));
	l->off_members = o;
	o = align64(o + (uint64_t)l->max_members * sizeof(struct member));
	l->off_ips = o;
	o = align64(o + (uint64_t)max_users * sizeof(struct ipent));
	l->max_masks = max_chans * 2 + 256;
	l->off_masks = o;
	o = align64(o + (uint64_t)l->max_masks * sizeof(struct roster_mask));
	l->max_whowas = max_users / 4 > 256 ? max_users / 4 : 256;
	l->off_whowas = o;
	o = align64(o + (uint64_t)l->max_whowas * sizeof(struct roster_whowas));
	l->off_counts = o;
	o = align64(o + (uint64_t)WORKERS_MAX * ROSTER_COUNTERS * 8);
	l->total = o;
}

size_t
roster_size(unsigned max_users, unsigned max_chans)
{
	struct layout l;

	layout_compute(&l, max_users, max_chans);
	return (size_t)l.total;
}

static void
handle_bind(struct roster *r, void *mem)
{
	char *b = mem;

	r->h = mem;
	r->nickb = (int32_t *)(void *)(b + r->h->off_nickb);
	r->chanb = (int32_t *)(void *)(b + r->h->off_chanb);
	r->ipb = (int32_t *)(void *)(b + r->h->off_ipb);
	r->users = (struct roster_user *)(void *)(b + r->h->off_users);
	r->ext = (struct roster_user_ext *)(void *)(b + r->h->off_ext);
	r->chans = (struct roster_chan *)(void *)(b + r->h->off_chans);
	r->mem = (struct member *)(void *)(b + r->h->off_members);
	r->ips = (struct ipent *)(void *)(b + r->h->off_ips);
	r->masks = (struct roster_mask *)(void *)(b + r->h->off_masks);
	r->whowas = (struct roster_whowas *)(void *)(b + r->h->off_whowas);
	r->counts = (_Atomic uint64_t *)(void *)(b + r->h->off_counts);
}

static void
buckets_clear(int32_t *b, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		b[i] = -1;
}

int
roster_init(void *mem, size_t size, unsigned max_users, unsigned max_chans,
    unsigned nworkers)
{
	struct roster_hdr *h = mem;
	pthread_mutexattr_t ma;
	struct roster r;
	struct layout l;

	layout_compute(&l, max_users, max_chans);
	if (size < l.total || max_users == 0 || max_chans == 0 ||
	    nworkers > WORKERS_MAX)
		return -1;
	memset(h, 0, sizeof(*h));
	h->magic = ROSTER_MAGIC;
	h->version = ROSTER_VERSION;
	h->hdr_size = sizeof(struct roster_hdr);
	h->user_size = sizeof(struct roster_user);
	h->ext_size = sizeof(struct roster_user_ext);
	h->chan_size = sizeof(struct roster_chan);
	h->member_size = sizeof(struct member);
	h->ip_size = sizeof(struct ipent);
	h->mask_size = sizeof(struct roster_mask);
	h->whowas_size = sizeof(struct roster_whowas);
	h->max_users = max_users;
	h->max_chans = max_chans;
	h->max_members = l.max_members;
	h->max_masks = l.max_masks;
	h->max_whowas = l.max_whowas;
	h->nick_nb = l.nick_nb;
	h->chan_nb = l.chan_nb;
	h->ip_nb = l.ip_nb;
	h->total_size = l.total;
	h->off_nickb = l.off_nickb;
	h->off_chanb = l.off_chanb;
	h->off_ipb = l.off_ipb;
	h->off_users = l.off_users;
	h->off_ext = l.off_ext;
	h->off_chans = l.off_chans;
	h->off_members = l.off_members;
	h->off_ips = l.off_ips;
	h->off_masks = l.off_masks;
	h->off_whowas = l.off_whowas;
	h->off_counts = l.off_counts;
	h->free_user = h->free_chan = h->free_member = h->free_ip = -1;
	h->free_mask = -1;
	h->nworkers = nworkers;
	if (pthread_mutexattr_init(&ma) != 0)
		return -1;
	if (pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED) != 0 ||
	    pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST) != 0 ||
	    pthread_mutex_init(&h->lock, &ma) != 0) {
		pthread_mutexattr_destroy(&ma);
		return -1;
	}
	pthread_mutexattr_destroy(&ma);
	handle_bind(&r, mem);
	buckets_clear(r.nickb, h->nick_nb);
	buckets_clear(r.chanb, h->chan_nb);
	buckets_clear(r.ipb, h->ip_nb);
	return 0;
}

struct roster *
roster_attach(void *mem, size_t size, char *err, size_t errsz)
{
	struct roster_hdr *h = mem;
	struct roster *r;

	if (size < sizeof(*h) || h->magic != ROSTER_MAGIC ||
	    h->version != ROSTER_VERSION ||
	    h->hdr_size != sizeof(struct roster_hdr) ||
	    h->user_size != sizeof(struct roster_user) ||
	    h->ext_size != sizeof(struct roster_user_ext) ||
	    h->chan_size != sizeof(struct roster_chan) ||
	    h->member_size != sizeof(struct member) ||
	    h->ip_size != sizeof(struct ipent) ||
	    h->mask_size != sizeof(struct roster_mask) ||
	    h->whowas_size != sizeof(struct roster_whowas) ||
	    h->total_size > size) {
		snprintf(err, errsz, "roster segment header does not match "
		    "this build");
		return NULL;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	handle_bind(r, mem);
	return r;
}

void
roster_detach(struct roster *r)
{
	free(r);
}

void
roster_set_wait_hook(struct roster *r, void (*fn)(void *), void *arg)
{
	r->wait_fn = fn;
	r->wait_arg = arg;
}

unsigned
roster_repairs(struct roster *r)
{
	return r->h->repairs;
}

/* --- hashing ------------------------------------------------------------ */

static uint32_t
hash_str(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static uint32_t
hash_addr(const uint8_t a[16])
{
	uint32_t h = 2166136261u;
	int i;

	for (i = 0; i < 16; i++)
		h = (h ^ a[i]) * 16777619u;
	return h;
}

static void
nick_hash_insert(struct roster *r, int32_t slot)
{
	uint32_t b = hash_str(r->users[slot].fnick) & (r->h->nick_nb - 1);

	r->users[slot].next = r->nickb[b];
	r->nickb[b] = slot;
}

static void
nick_hash_remove(struct roster *r, int32_t slot)
{
	uint32_t b = hash_str(r->users[slot].fnick) & (r->h->nick_nb - 1);
	int32_t *pp = &r->nickb[b];
	unsigned guard = 0;

	while (*pp >= 0 && guard++ <= r->h->hw_user) {
		if (*pp == slot) {
			*pp = r->users[slot].next;
			r->users[slot].next = -1;
			return;
		}
		pp = &r->users[*pp].next;
	}
}

static void
chan_hash_insert(struct roster *r, int32_t c)
{
	uint32_t b = hash_str(r->chans[c].fname) & (r->h->chan_nb - 1);

	r->chans[c].next = r->chanb[b];
	r->chanb[b] = c;
}

static void
chan_hash_remove(struct roster *r, int32_t c)
{
	uint32_t b = hash_str(r->chans[c].fname) & (r->h->chan_nb - 1);
	int32_t *pp = &r->chanb[b];
	unsigned guard = 0;

	while (*pp >= 0 && guard++ <= r->h->hw_chan) {
		if (*pp == c) {
			*pp = r->chans[c].next;
			return;
		}
		pp = &r->chans[*pp].next;
	}
}

/* --- address table ------------------------------------------------------ */

static int32_t
ip_find(struct roster *r, const uint8_t addr[16])
{
	int32_t i = r->ipb[hash_addr(addr) & (r->h->ip_nb - 1)];
	unsigned guard = 0;

	for (; i >= 0 && guard++ <= r->h->hw_ip; i = r->ips[i].next)
		if (memcmp(r->ips[i].addr, addr, 16) == 0)
			return i;
	return -1;
}

static int32_t
ip_get(struct roster *r, const uint8_t addr[16])
{
	int32_t i = ip_find(r, addr);
	uint32_t b;

	if (i >= 0)
		return i;
	if (r->h->free_ip >= 0) {
		i = r->h->free_ip;
		r->h->free_ip = r->ips[i].next;
	} else if (r->h->hw_ip < r->h->max_users)
		i = (int32_t)r->h->hw_ip++;
	else
		return -1;
	memcpy(r->ips[i].addr, addr, 16);
	r->ips[i].count = 0;
	b = hash_addr(addr) & (r->h->ip_nb - 1);
	r->ips[i].next = r->ipb[b];
	r->ipb[b] = i;
	return i;
}

static void
ip_release(struct roster *r, int32_t i)
{
	uint32_t b;
	int32_t *pp;

	if (i < 0 || (uint32_t)i >= r->h->hw_ip || r->ips[i].count == 0)
		return;
	if (--r->ips[i].count > 0)
		return;
	b = hash_addr(r->ips[i].addr) & (r->h->ip_nb - 1);
	for (pp = &r->ipb[b]; *pp >= 0; pp = &r->ips[*pp].next)
		if (*pp == i) {
			*pp = r->ips[i].next;
			break;
		}
	r->ips[i].next = r->h->free_ip;
	r->h->free_ip = i;
}

/* --- rebuild after a dead holder ---------------------------------------- */

static int32_t
member_alloc(struct roster *r)
{
	int32_t m;

	if (r->h->free_member >= 0) {
		m = r->h->free_member;
		r->h->free_member = r->mem[m].next;
	} else if (r->h->hw_member < r->h->max_members)
		m = (int32_t)r->h->hw_member++;
	else
		return -1;
	return m;
}

static void
member_link(struct roster *r, int32_t m, int32_t slot, int32_t c)
{
	struct roster_chan *ch = &r->chans[c];

	r->mem[m].user = slot;
	r->mem[m].chan = c;
	r->mem[m].priv = 0;
	r->mem[m].banned = 0;
	r->mem[m].banver = 0;
	r->mem[m].next = -1;
	r->mem[m].prev = ch->tail;
	if (ch->tail >= 0)
		r->mem[ch->tail].next = m;
	else
		ch->head = m;
	ch->tail = m;
	ch->nmembers++;
}

static void
chan_release(struct roster *r, int32_t c)
{
	struct roster_chan *ch = &r->chans[c];

	lists_release(r, c);
	ch->used = 0;
	ch->gen++;
	ch->head = ch->tail = -1;
	ch->nmembers = 0;
	ch->next = r->h->free_chan;
	r->h->free_chan = c;
}

static void
rebuild_user(struct roster *r, int32_t s)
{
	struct roster_user *u = &r->users[s];
	struct roster_user_ext *e = &r->ext[s];
	unsigned k, j, n = 0, nc = u->nchans;
	int32_t c, m;

	u->nick[NICK_MAX] = u->fnick[NICK_MAX] = u->user[USER_MAX] = '\0';
	u->host[HOST_MAX] = e->realname[REALNAME_MAX] = '\0';
	e->away[AWAY_MAX] = '\0';
	irc_casefold(u->fnick, sizeof(u->fnick), u->nick);
	if (u->state == ROSTER_REG)
		r->h->nreg++;
	else
		r->h->nunreg++;
	if (u->nick[0] != '\0')
		nick_hash_insert(r, s);
	u->ip = ip_get(r, u->addr);
	if (u->ip >= 0)
		r->ips[u->ip].count++;
	if (nc > CHANS_PER_USER_MAX)
		nc = CHANS_PER_USER_MAX;
	for (k = 0; k < nc; k++) {
		c = e->chans[k];
		if (c < 0 || (uint32_t)c >= r->h->hw_chan || !r->chans[c].used)
			continue;
		for (j = 0; j < n && e->chans[j] != c; j++)
			;
		if (j < n || (m = member_alloc(r)) < 0)
			continue;
		member_link(r, m, s, c);
		e->chans[n] = c;
		e->mems[n] = m;
		ext_priv_set(e, n, ext_priv(e, k));	/* n <= k */
		r->mem[m].priv = (uint8_t)ext_priv(e, n);
		n++;
	}
	u->nchans = (uint16_t)n;
	/* no privileges for channels the user is not in */
	if (n < 64) {
		e->op_bits &= (1ull << n) - 1;
		e->voice_bits &= (1ull << n) - 1;
	}
	if (u->flags & ROSTER_UF_OPER)
		r->h->nopers++;
	if (u->flags & ROSTER_UF_INVISIBLE)
		r->h->ninvisible++;
}

static void
roster_rebuild(struct roster *r)
{
	struct roster_hdr *h = r->h;
	uint32_t i;

	buckets_clear(r->nickb, h->nick_nb);
	buckets_clear(r->chanb, h->chan_nb);
	buckets_clear(r->ipb, h->ip_nb);
	h->free_user = h->free_chan = h->free_member = h->free_ip = -1;
	h->hw_member = h->hw_ip = 0;
	h->nreg = h->nunreg = h->nchans = 0;
	h->nopers = h->ninvisible = 0;
	lists_rebuild(r);
	if (h->hw_user > h->max_users)
		h->hw_user = h->max_users;
	if (h->hw_chan > h->max_chans)
		h->hw_chan = h->max_chans;
	for (i = 0; i < h->hw_chan; i++) {
		struct roster_chan *ch = &r->chans[i];
		ch->head = ch->tail = -1;
		ch->nmembers = 0;
		if (ch->used) {
			ch->name[CHAN_MAX] = ch->fname[CHAN_MAX] = '\0';
			ch->topic[TOPIC_MAX] = ch->topic_by[PREFIX_MAX] = '\0';
			irc_casefold(ch->fname, sizeof(ch->fname), ch->name);
			chan_hash_insert(r, (int32_t)i);
		}
	}
	for (i = h->hw_user; i-- > 0;) {
		if (r->users[i].state == ROSTER_FREE) {
			r->users[i].next = h->free_user;
			h->free_user = (int32_t)i;
		} else
			rebuild_user(r, (int32_t)i);
	}
	for (i = h->hw_chan; i-- > 0;) {
		if (r->chans[i].used && r->chans[i].nmembers == 0 &&
		    !r->chans[i].keep) {
			chan_hash_remove(r, (int32_t)i);
			chan_release(r, (int32_t)i);
		} else if (r->chans[i].used)
			h->nchans++;
		else {
			r->chans[i].next = h->free_chan;
			h->free_chan = (int32_t)i;
		}
	}
	h->repairs++;
}

/* --- lock ---------------------------------------------------------------- */

int
roster_lock(struct roster *r)
{
	struct timespec ts;
	int rc, repaired = 0;

	for (;;) {
		if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
			return -1;
		ts.tv_nsec += 250 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		rc = pthread_mutex_timedlock(&r->h->lock, &ts);
		if (rc == 0)
			break;
		if (rc == EOWNERDEAD) {
			if (pthread_mutex_consistent(&r->h->lock) != 0)
				return -1;
			if (r->h->dirty) {
				roster_rebuild(r);
				repaired = 1;
			}
			break;
		}
		if (rc != ETIMEDOUT && rc != EINTR)
			return -1;
		if (r->wait_fn != NULL)
			r->wait_fn(r->wait_arg);
	}
	r->h->dirty = 1;
	atomic_signal_fence(memory_order_seq_cst);
	return repaired;
}

void
roster_unlock(struct roster *r)
{
	atomic_signal_fence(memory_order_seq_cst);
	r->h->dirty = 0;
	pthread_mutex_unlock(&r->h->lock);
}

/* --- users --------------------------------------------------------------- */

int32_t
roster_user_new(struct roster *r, uint8_t worker, int32_t pid,
    const uint8_t addr[16], const char *host, unsigned per_ip,
    enum roster_err *err)
{
	struct roster_user *u;
	int32_t s, ip = ip_find(r, addr);
	uint32_t gen;

	if (per_ip > 0 && ip >= 0 && r->ips[ip].count >= per_ip) {
		*err = ROSTER_IP_LIMIT;
		return -1;
	}
	if (r->h->free_user >= 0) {
		s = r->h->free_user;
		r->h->free_user = r->users[s].next;
	} else if (r->h->hw_user < r->h->max_users)
		s = (int32_t)r->h->hw_user++;
	else {
		*err = ROSTER_FULL;
		return -1;
	}
	if (ip < 0 && (ip = ip_get(r, addr)) < 0) {
		/* cannot happen: the table is as large as the slots */
		r->users[s].next = r->h->free_user;
		r->h->free_user = s;
		*err = ROSTER_FULL;
		return -1;
	}
	u = &r->users[s];
	gen = u->gen;
	memset(u, 0, sizeof(*u));
	u->gen = gen;
	r->ext[s].realname[0] = r->ext[s].away[0] = '\0';
	memset(r->ext[s].certfp, 0, sizeof(r->ext[s].certfp));
	r->ext[s].account[0] = '\0';
	r->ext[s].rnode[0] = '\0';
	r->ext[s].rboot = 0;
	r->ext[s].rslot = r->ext[s].rgen = 0;
	u->state = ROSTER_UNREG;
	u->worker = worker;
	u->pid = pid;
	u->next = -1;
	u->ip = ip;
	memcpy(u->addr, addr, 16);
	snprintf(u->host, sizeof(u->host), "%s", host);
	r->ips[ip].count++;
	r->h->nunreg++;
	*err = ROSTER_OK;
	return s;
}

static int
slot_ok(struct roster *r, int32_t s)
{
	return s >= 0 && (uint32_t)s < r->h->hw_user &&
	    r->users[s].state != ROSTER_FREE;
}

struct roster_user *
roster_user(struct roster *r, int32_t slot)
{
	return slot_ok(r, slot) ? &r->users[slot] : NULL;
}

struct roster_user_ext *
roster_user_ext(struct roster *r, int32_t slot)
{
	return slot_ok(r, slot) ? &r->ext[slot] : NULL;
}

int
roster_user_valid(struct roster *r, int32_t slot, uint32_t gen)
{
	return slot_ok(r, slot) && r->users[slot].gen == gen;
}

int32_t
roster_user_limit(struct roster *r)
{
	return (int32_t)r->h->hw_user;
}

int32_t
roster_remote_new(struct roster *r, const char *node, uint64_t boot,
    uint32_t rslot, uint32_t rgen, const char *host)
{
	static const uint8_t none[16];
	struct roster_user_ext *e;
	enum roster_err err;
	int32_t s;

	if ((s = roster_user_new(r, ROSTER_REMOTE, 0, none, host, 0, &err)) <
	    0)
		return -1;
	e = &r->ext[s];
	snprintf(e->rnode, sizeof(e->rnode), "%s", node);
	e->rboot = boot;
	e->rslot = rslot;
	e->rgen = rgen;
	return s;
}

void
roster_user_free(struct roster *r, int32_t slot)
{
	struct roster_user *u;
	int gone;

	if (!slot_ok(r, slot))
		return;
	u = &r->users[slot];
	while (u->nchans > 0)
		roster_part(r, slot, r->ext[slot].chans[u->nchans - 1], &gone);
	if (u->nick[0] != '\0')
		nick_hash_remove(r, slot);
	ip_release(r, u->ip);
	if (u->state == ROSTER_REG)
		r->h->nreg--;
	else
		r->h->nunreg--;
	if (u->flags & ROSTER_UF_OPER)
		r->h->nopers--;
	if (u->flags & ROSTER_UF_INVISIBLE)
		r->h->ninvisible--;
	u->flags = 0;
	u->state = ROSTER_FREE;
	u->gen++;
	u->nick[0] = u->fnick[0] = '\0';
	u->next = r->h->free_user;
	r->h->free_user = slot;
}

int32_t
roster_find_nick(struct roster *r, const char *nick)
{
	char f[NICK_MAX + 1];
	int32_t s;
	unsigned guard = 0;

	irc_casefold(f, sizeof(f), nick);
	s = r->nickb[hash_str(f) & (r->h->nick_nb - 1)];
	for (; s >= 0 && guard++ <= r->h->hw_user; s = r->users[s].next)
		if (strcmp(r->users[s].fnick, f) == 0)
			return s;
	return -1;
}

struct roster_user *
roster_find_registered(struct roster *r, const char *nick, int32_t *slotp)
{
	int32_t s = roster_find_nick(r, nick);
	struct roster_user *u = roster_user(r, s);

	if (u == NULL || u->state != ROSTER_REG) {
		*slotp = -1;
		return NULL;
	}
	*slotp = s;
	return u;
}

enum roster_err
roster_user_set_nick(struct roster *r, int32_t slot, const char *nick)
{
	struct roster_user *u = &r->users[slot];
	int32_t other = roster_find_nick(r, nick);

	if (other >= 0 && other != slot)
		return ROSTER_NICK_IN_USE;
	if (u->nick[0] != '\0')
		nick_hash_remove(r, slot);
	snprintf(u->nick, sizeof(u->nick), "%s", nick);
	irc_casefold(u->fnick, sizeof(u->fnick), u->nick);
	nick_hash_insert(r, slot);
	ban_cache_drop(r, slot);
	return ROSTER_OK;
}

void
roster_user_clear_nick(struct roster *r, int32_t slot)
{
	struct roster_user *u = &r->users[slot];

	if (u->nick[0] == '\0')
		return;
	nick_hash_remove(r, slot);
	u->nick[0] = u->fnick[0] = '\0';
	ban_cache_drop(r, slot);
}

void
roster_user_register(struct roster *r, int32_t slot, const char *user,
    const char *realname, int64_t now)
{
	struct roster_user *u = &r->users[slot];

	snprintf(u->user, sizeof(u->user), "%s", user);
	snprintf(r->ext[slot].realname, sizeof(r->ext[slot].realname), "%s",
	    realname);
	u->signon = u->last_msg = now;
	if (u->state != ROSTER_REG) {
		u->state = ROSTER_REG;
		r->h->nunreg--;
		r->h->nreg++;
		if (r->h->nreg > r->h->max_reg)
			r->h->max_reg = r->h->nreg;
	}
}

void
roster_user_set_away(struct roster *r, int32_t slot, const char *msg)
{
	struct roster_user *u = &r->users[slot];
	struct roster_user_ext *e = &r->ext[slot];

	if (msg == NULL || *msg == '\0') {
		u->flags &= ~(uint32_t)ROSTER_UF_AWAY;
		e->away[0] = '\0';
	} else {
		u->flags |= ROSTER_UF_AWAY;
		snprintf(e->away, sizeof(e->away), "%s", msg);
	}
}

void
roster_user_set_flag(struct roster *r, int32_t slot, uint32_t flag, int on)
{
	struct roster_user *u = &r->users[slot];
	uint32_t was = u->flags;

	if (on)
		u->flags |= flag;
	else
		u->flags &= ~flag;
	if ((was ^ u->flags) & ROSTER_UF_OPER)
		r->h->nopers += (u->flags & ROSTER_UF_OPER) ? 1 : (uint32_t)-1;
	if ((was ^ u->flags) & ROSTER_UF_INVISIBLE)
		r->h->ninvisible += (u->flags & ROSTER_UF_INVISIBLE) ? 1 :
		    (uint32_t)-1;
}

/* --- channels ------------------------------------------------------------ */

int32_t
roster_chan_find(struct roster *r, const char *name)
{
	char f[CHAN_MAX + 1];
	int32_t c;
	unsigned guard = 0;

	irc_casefold(f, sizeof(f), name);
	c = r->chanb[hash_str(f) & (r->h->chan_nb - 1)];
	for (; c >= 0 && guard++ <= r->h->hw_chan; c = r->chans[c].next)
		if (strcmp(r->chans[c].fname, f) == 0)
			return c;
	return -1;
}

struct roster_chan *
roster_chan(struct roster *r, int32_t c)
{
	if (c < 0 || (uint32_t)c >= r->h->hw_chan || !r->chans[c].used)
		return NULL;
	return &r->chans[c];
}

int32_t
roster_chan_limit(struct roster *r)
{
	return (int32_t)r->h->hw_chan;
}

int
roster_is_member(struct roster *r, int32_t slot, int32_t chan)
{
	struct roster_user *u = &r->users[slot];
	unsigned k;

	for (k = 0; k < u->nchans; k++)
		if (r->ext[slot].chans[k] == chan)
			return 1;
	return 0;
}

static int32_t
chan_create(struct roster *r, const char *name, int64_t now)
{
	struct roster_chan *ch;
	int32_t c;
	uint32_t gen;

	if (r->h->free_chan >= 0) {
		c = r->h->free_chan;
		r->h->free_chan = r->chans[c].next;
	} else if (r->h->hw_chan < r->h->max_chans)
		c = (int32_t)r->h->hw_chan++;
	else
		return -1;
	ch = &r->chans[c];
	gen = ch->gen;
	memset(ch, 0, sizeof(*ch));
	ch->gen = gen;
	ch->used = 1;
	ch->head = ch->tail = -1;
	ch->list = -1;
	ch->created = now;
	ch->modes = CMODE_NOEXTERNAL | CMODE_TOPICLOCK;	/* +nt, as ngircd */
	ch->ban_ver = ++r->h->ban_ver;
	snprintf(ch->name, sizeof(ch->name), "%s", name);
	irc_casefold(ch->fname, sizeof(ch->fname), name);
	chan_hash_insert(r, c);
	r->h->nchans++;
	return c;
}

enum roster_err
roster_join(struct roster *r, int32_t slot, const char *name, unsigned limit,
    int64_t now, int32_t *chan, int *created)
{
	struct roster_user *u = &r->users[slot];
	int32_t c = roster_chan_find(r, name), m;

	*created = 0;
	*chan = c;
	if (c >= 0 && roster_is_member(r, slot, c))
		return ROSTER_ALREADY_ON;
	if (u->nchans >= limit || u->nchans >= CHANS_PER_USER_MAX)
		return ROSTER_TOO_MANY_CHANS;
	if ((m = member_alloc(r)) < 0)
		return ROSTER_CHANS_FULL;
	if (c < 0) {
		if ((c = chan_create(r, name, now)) < 0) {
			r->mem[m].next = r->h->free_member;
			r->h->free_member = m;
			return ROSTER_CHANS_FULL;
		}
		*created = 1;
		*chan = c;
	}
	member_link(r, m, slot, c);
	r->ext[slot].chans[u->nchans] = c;
	r->ext[slot].mems[u->nchans] = m;
	/* the first member of a new channel is its operator */
	ext_priv_set(&r->ext[slot], u->nchans, *created ? MEMBER_OP : 0);
	r->mem[m].priv = *created ? MEMBER_OP : 0;
	u->nchans++;
	return ROSTER_OK;
}

enum roster_err
roster_part(struct roster *r, int32_t slot, int32_t chan, int *gone)
{
	struct roster_user *u = &r->users[slot];
	struct roster_user_ext *e = &r->ext[slot];
	struct roster_chan *ch;
	unsigned k;
	int32_t m;

	*gone = 0;
	for (k = 0; k < u->nchans && e->chans[k] != chan; k++)
		;
	if (k == u->nchans)
		return ROSTER_NOT_ON;
	m = e->mems[k];
	ch = &r->chans[chan];
	if (r->mem[m].prev >= 0)
		r->mem[r->mem[m].prev].next = r->mem[m].next;
	else
		ch->head = r->mem[m].next;
	if (r->mem[m].next >= 0)
		r->mem[r->mem[m].next].prev = r->mem[m].prev;
	else
		ch->tail = r->mem[m].prev;
	r->mem[m].next = r->h->free_member;
	r->h->free_member = m;
	u->nchans--;
	e->chans[k] = e->chans[u->nchans];
	e->mems[k] = e->mems[u->nchans];
	ext_priv_set(e, k, ext_priv(e, u->nchans));
	ext_priv_set(e, u->nchans, 0);
	if (--ch->nmembers == 0 && !ch->keep) {
		chan_hash_remove(r, chan);
		chan_release(r, chan);
		r->h->nchans--;
		*gone = 1;
	}
	return ROSTER_OK;
}

int32_t
roster_chan_restore(struct roster *r, const char *name, int64_t created,
    uint32_t modes, const char *key, uint32_t limit, const char *topic,
    const char *topic_by, int64_t topic_time)
{
	struct roster_chan *ch;
	int32_t c;

	if (roster_chan_find(r, name) >= 0 || (c = chan_create(r, name,
	    created)) < 0)
		return -1;
	ch = &r->chans[c];
	ch->keep = 1;
	ch->modes = modes & (CMODE_INVITE | CMODE_MODERATED |
	    CMODE_NOEXTERNAL | CMODE_SECRET | CMODE_TOPICLOCK);
	snprintf(ch->key, sizeof(ch->key), "%s", key);
	ch->limit = limit;
	snprintf(ch->topic, sizeof(ch->topic), "%s", topic);
	snprintf(ch->topic_by, sizeof(ch->topic_by), "%s", topic_by);
	ch->topic_time = topic[0] != '\0' ? topic_time : 0;
	return c;
}

int
roster_chan_keep(struct roster *r, int32_t chan, int keep)
{
	struct roster_chan *ch = &r->chans[chan];

	ch->keep = (uint8_t)(keep != 0);
	if (keep || ch->nmembers > 0)
		return 0;
	chan_hash_remove(r, chan);
	chan_release(r, chan);
	r->h->nchans--;
	return 1;
}

void
roster_set_topic(struct roster *r, int32_t chan, const char *topic,
    const char *by, int64_t now)
{
	struct roster_chan *ch = &r->chans[chan];

	snprintf(ch->topic, sizeof(ch->topic), "%s", topic);
	snprintf(ch->topic_by, sizeof(ch->topic_by), "%s", by);
	ch->topic_time = topic[0] != '\0' ? now : 0;
}

int32_t
roster_chan_first(struct roster *r, int32_t chan)
{
	return r->chans[chan].head;
}

int32_t
roster_member_next(struct roster *r, int32_t m)
{
	return r->mem[m].next;
}

int32_t
roster_member_user(struct roster *r, int32_t m)
{
	return r->mem[m].user;
}

unsigned
roster_member_entry_priv(struct roster *r, int32_t m)
{
	return r->mem[m].priv;
}

/* --- purge and counters -------------------------------------------------- */

unsigned
roster_purge_pid(struct roster *r, int32_t pid,
    void (*fn)(struct roster *, int32_t, void *), void *arg)
{
	uint32_t i;
	unsigned n = 0;

	for (i = 0; i < r->h->hw_user; i++) {
		if (r->users[i].state == ROSTER_FREE || r->users[i].pid != pid)
			continue;
		if (fn != NULL)
			fn(r, (int32_t)i, arg);
		roster_user_free(r, (int32_t)i);
		n++;
	}
	return n;
}

void
roster_get_counts(struct roster *r, struct roster_counts *c)
{
	c->registered = r->h->nreg;
	c->unregistered = r->h->nunreg;
	c->channels = r->h->nchans;
	c->max_registered = r->h->max_reg;
	c->capacity = r->h->max_users;
	c->opers = r->h->nopers;
	c->invisible = r->h->ninvisible;
}

void
roster_worker_conns_set(struct roster *r, unsigned id, unsigned n)
{
	if (id < WORKERS_MAX)
		atomic_store_explicit(&r->h->worker_conns[id], n,
		    memory_order_relaxed);
}

void
roster_worker_conns(struct roster *r, unsigned *sum, unsigned *nworkers)
{
	unsigned i, n = r->h->nworkers;

	*sum = 0;
	for (i = 0; i < n && i < WORKERS_MAX; i++)
		*sum += atomic_load_explicit(&r->h->worker_conns[i],
		    memory_order_relaxed);
	*nworkers = n;
}
