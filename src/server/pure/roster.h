/*
 * roster.h -- the server-wide roster in POSIX shared memory.
 *
 * Who may touch it (the contract of DESIGN.md):
 *   master  creates it (roster_init) before forking; never locks it.
 *   worker  locks; adds, removes, finds and renames its own users; joins
 *           and parts channels; reads anything for NAMES/WHO/WHOIS/LIST.
 *   relay   locks; purges the slots of a dead worker (roster_purge_pid).
 *
 * The segment is fixed-size, pointer-free, versioned data: a header (magic,
 * version, sizes, the lock), hash buckets, then user slots, channels,
 * membership entries and per-address counters, all linked by indexes.
 * Every function below except roster_size/init/attach/detach and the
 * worker_conns accessors requires the caller to hold the lock; pointers it
 * returns are borrowed until roster_unlock.
 *
 * The lock is a robust process-shared mutex.  A holder that dies leaves
 * EOWNERDEAD; the next locker rebuilds every derived index (hash chains,
 * member lists, counters, free lists) from the primary data (slot states,
 * nicks, each user's channel list) before going on.  A holder that is
 * stopped makes lockers wait in slices, calling a hook between slices so
 * they can keep their heartbeat alive until the watchdog kills the holder.
 */
#ifndef KEO_ROSTER_H
#define KEO_ROSTER_H

#include <stddef.h>
#include <stdint.h>

#include "bounds.h"

#define ROSTER_MAGIC	0x4b454f52u	/* "KEOR" */
#define ROSTER_COUNTERS	64		/* command counters per worker */
#define ROSTER_VERSION	5
#define ROSTER_REMOTE	254		/* worker of a user of another host
					 * (cluster mode; == FRAME_REMOTE_USER) */
#define ROSTER_NODE_MAX	63		/* its host's node-name */

enum roster_state { ROSTER_FREE = 0, ROSTER_UNREG, ROSTER_REG };

#define ROSTER_UF_AWAY		0x01	/* away[] holds the message */
#define ROSTER_UF_INVISIBLE	0x02	/* user mode +i */
#define ROSTER_UF_OPER		0x04	/* user mode +o: an IRC operator */
#define ROSTER_UF_WALLOPS	0x08	/* user mode +w: receives WALLOPS */
#define ROSTER_UF_BOT		0x10	/* user mode +B: a bot */
#define ROSTER_UF_SECURE	0x20	/* user mode +Z: connected over TLS */
#define ROSTER_UF_IDENTIFIED	0x40	/* user mode +r: logged in; the
					 * account is in the cold part */

/* Channel modes without a parameter (roster_chan.modes); +k and +l are
 * the key and limit fields. */
#define CMODE_INVITE		0x01	/* +i */
#define CMODE_MODERATED		0x02	/* +m */
#define CMODE_NOEXTERNAL	0x04	/* +n */
#define CMODE_SECRET		0x08	/* +s */
#define CMODE_TOPICLOCK		0x10	/* +t */

/* A member's privileges in one channel. */
#define MEMBER_OP		0x01	/* @ */
#define MEMBER_VOICE		0x02	/* + */

enum roster_err {
	ROSTER_OK = 0,
	ROSTER_FULL,		/* no free user slot (max-clients) */
	ROSTER_IP_LIMIT,	/* max-clients-per-ip reached */
	ROSTER_NICK_IN_USE,
	ROSTER_TOO_MANY_CHANS,	/* the user's channel limit */
	ROSTER_CHANS_FULL,	/* no free channel (max-channels) */
	ROSTER_ALREADY_ON,	/* join of a channel the user is in */
	ROSTER_NOT_ON,		/* part of a channel the user is not in */
	ROSTER_NO_SUCH_CHAN,
	ROSTER_LIST_FULL,	/* LIST_MAX entries, or no entry left */
	ROSTER_LIST_DUP,	/* the mask is on that list already */
	ROSTER_NOT_FOUND,	/* no such entry */
};

/* One user slot: the fields NAMES, nick lookups and most commands read.
 * Written only by roster.c, except last_msg, which the owning worker
 * updates without the lock (a hint for WHOIS idle time).  The rarely read
 * rest lives in struct roster_user_ext, so that listing a big room touches
 * few pages of the segment. */
struct roster_user {
	uint32_t gen;			/* bumped when the slot is freed */
	uint8_t	 state;			/* enum roster_state */
	uint8_t	 worker;		/* owning worker id */
	uint16_t nchans;		/* used entries of chans[]/mems[] */
	int32_t	 pid;			/* owning worker's pid: purge key */
	int32_t	 next;			/* nick hash chain or free list, -1 ends */
	int32_t	 ip;			/* index in the address table, -1 none */
	uint32_t flags;			/* ROSTER_UF_* */
	int64_t	 signon;		/* epoch seconds, set at registration */
	int64_t	 last_msg;		/* epoch seconds of the last message */
	uint8_t	 addr[16];		/* peer address, v4-mapped (primary) */
	char	 nick[NICK_MAX + 1];	/* "" until NICK */
	char	 fnick[NICK_MAX + 1];	/* casefolded nick: the hash key */
	char	 user[USER_MAX + 1];
	char	 host[HOST_MAX + 1];	/* textual address */
};

/* The cold part of a user slot (same index as struct roster_user). */
struct roster_user_ext {
	char	 realname[REALNAME_MAX + 1];
	char	 away[AWAY_MAX + 1];
	int32_t	 chans[CHANS_PER_USER_MAX];	/* channel indexes (primary) */
	int32_t	 mems[CHANS_PER_USER_MAX];	/* their member entries */
	uint64_t op_bits;		/* bit k: @ in chans[k] (primary) */
	uint64_t voice_bits;		/* bit k: + in chans[k] (primary) */
	uint8_t	 certfp[32];		/* SHA-256 of its TLS client
					 * certificate; all zero: none */
	char	 account[NICK_MAX + 1];	/* logged in as, "" none */
	/* ROSTER_REMOTE: who it is on its own host */
	char	 rnode[ROSTER_NODE_MAX + 1];
	uint64_t rboot;
	uint32_t rslot, rgen;
};

/* One channel; exists while it has members. */
struct roster_chan {
	uint32_t gen;			/* bumped when the channel is freed */
	uint8_t	 used;
	uint8_t	 keep;			/* registered (ChanServ): stays empty */
	uint8_t	 pad[2];
	int32_t	 next;			/* hash chain or free list */
	int32_t	 head, tail;		/* member list, join order */
	uint32_t nmembers;
	int64_t	 created;		/* epoch seconds */
	int64_t	 topic_time;		/* epoch seconds, 0: no topic */
	uint32_t modes;			/* CMODE_* */
	uint32_t limit;			/* +l, 0: none */
	uint32_t ban_ver;		/* changes with every b or e entry */
	int32_t	 list;			/* its mask list and invites, -1 */
	uint16_t nlist;			/* b + e + I entries */
	uint16_t ninvite;		/* pending invites */
	char	 key[KEY_MAX + 1];	/* +k, "" none */
	char	 name[CHAN_MAX + 1];
	char	 fname[CHAN_MAX + 1];	/* casefolded: the hash key */
	char	 topic[TOPIC_MAX + 1];
	char	 topic_by[PREFIX_MAX + 1];
};

/* An entry of a channel's lists: a ban ('b'), an exception ('e'), an
 * invite exception ('I'), or a user invited with INVITE ('v'). */
struct roster_mask {
	int32_t	 next;			/* the channel's list or the free list */
	uint8_t	 used;
	uint8_t	 type;			/* 'b', 'e', 'I' or 'v' */
	uint8_t	 pad[2];
	int32_t	 slot;			/* 'v': the user invited */
	uint32_t gen;			/* and its generation */
	int64_t	 when;			/* epoch seconds it was set */
	char	 mask[MASK_MAX + 1];	/* nick!user@host, * and ? */
	char	 by[NICK_MAX + 1];	/* who set it */
};

/* A nick that was (WHOWAS): copied when it quits or changes. */
struct roster_whowas {
	int64_t	 when;			/* epoch seconds it went */
	char	 nick[NICK_MAX + 1];
	char	 user[USER_MAX + 1];
	char	 host[HOST_MAX + 1];
	char	 realname[REALNAME_MAX + 1];
};

struct roster;	/* a process's handle; defined in roster.c */

/* Bytes needed for a segment of this capacity. */
size_t		 roster_size(unsigned max_users, unsigned max_chans);

/* Lay out a fresh segment in mem (size bytes, zero-filled); 0 or -1. */
int		 roster_init(void *mem, size_t size, unsigned max_users,
		    unsigned max_chans, unsigned nworkers);

/* A handle on an initialised segment; NULL with err filled when the
 * header does not match this build.  Caller frees with roster_detach. */
struct roster	*roster_attach(void *mem, size_t size, char *err,
		    size_t errsz);
void		 roster_detach(struct roster *r);

/* Called every wait slice while another process holds the lock. */
void		 roster_set_wait_hook(struct roster *r, void (*fn)(void *),
		    void *arg);

/* 0 when locked, 1 when locked after repairing a dead holder's damage,
 * -1 when the lock is unusable (a bug: the caller should exit). */
int		 roster_lock(struct roster *r);
void		 roster_unlock(struct roster *r);
/* Times the roster was rebuilt after a dead holder (for tests/logs). */
unsigned	 roster_repairs(struct roster *r);

/* --- users ------------------------------------------------------------- */
/* A new unregistered slot for a connection from addr (16 bytes, v4-mapped
 * for IPv4) shown as host; -1 with *err on ROSTER_FULL/ROSTER_IP_LIMIT. */
int32_t		 roster_user_new(struct roster *r, uint8_t worker, int32_t pid,
		    const uint8_t addr[16], const char *host, unsigned per_ip,
		    enum roster_err *err);
/* A slot for a user of another host (cluster mode): worker ROSTER_REMOTE,
 * no pid, no address; who it is there in the ext fields.  -1 when full. */
int32_t		 roster_remote_new(struct roster *r, const char *node,
		    uint64_t boot, uint32_t rslot, uint32_t rgen,
		    const char *host);
/* Free a slot: parts every channel, drops the nick and address count. */
void		 roster_user_free(struct roster *r, int32_t slot);
struct roster_user *roster_user(struct roster *r, int32_t slot);
/* The cold part of a slot in use, or NULL. */
struct roster_user_ext *roster_user_ext(struct roster *r, int32_t slot);
/* Nonzero when slot is in use with generation gen. */
int		 roster_user_valid(struct roster *r, int32_t slot,
		    uint32_t gen);
/* Claim nick for slot (case-insensitively unique); ROSTER_NICK_IN_USE. */
enum roster_err	 roster_user_set_nick(struct roster *r, int32_t slot,
		    const char *nick);
/* Let an unregistered user's nick go (it must send NICK again). */
void		 roster_user_clear_nick(struct roster *r, int32_t slot);
/* Mark registered with ident and realname; signon = now. */
void		 roster_user_register(struct roster *r, int32_t slot,
		    const char *user, const char *realname, int64_t now);
void		 roster_user_set_away(struct roster *r, int32_t slot,
		    const char *msg);
void		 roster_user_set_flag(struct roster *r, int32_t slot,
		    uint32_t flag, int on);
/* The slot holding nick (registered or not), or -1. */
int32_t		 roster_find_nick(struct roster *r, const char *nick);
/* The registered user with nick, its slot in *slotp; NULL and -1 when
 * nobody has registered it (a connection still registering does not
 * count: it cannot be messaged or looked up yet). */
struct roster_user *roster_find_registered(struct roster *r, const char *nick,
		    int32_t *slotp);
/* One past the highest slot ever used: iterate [0, this). */
int32_t		 roster_user_limit(struct roster *r);

/* --- channels ----------------------------------------------------------- */
int32_t		 roster_chan_find(struct roster *r, const char *name);
struct roster_chan *roster_chan(struct roster *r, int32_t chan);
int32_t		 roster_chan_limit(struct roster *r);
/* Join slot to name, creating it; *chan gets the index, *created 1 when
 * new.  limit is the user's channel limit. */
enum roster_err	 roster_join(struct roster *r, int32_t slot, const char *name,
		    unsigned limit, int64_t now, int32_t *chan, int *created);
/* Part; frees the channel when it empties (*gone = 1). */
/* A registered channel as the store keeps it, made at start (it exists
 * empty): its index, or -1 when the table is full or the name taken. */
int32_t		 roster_chan_restore(struct roster *r, const char *name,
		    int64_t created, uint32_t modes, const char *key,
		    uint32_t limit, const char *topic, const char *topic_by,
		    int64_t topic_time);
/* Keep chan when it empties (registered) or not; an empty channel that
 * is no longer kept is freed (1 returned). */
int		 roster_chan_keep(struct roster *r, int32_t chan, int keep);
enum roster_err	 roster_part(struct roster *r, int32_t slot, int32_t chan,
		    int *gone);
int		 roster_is_member(struct roster *r, int32_t slot, int32_t chan);
void		 roster_set_topic(struct roster *r, int32_t chan,
		    const char *topic, const char *by, int64_t now);
/* Member iteration in join order: m = roster_chan_first(); m >= 0;
 * m = roster_member_next(m); slot = roster_member_user(m). */
int32_t		 roster_chan_first(struct roster *r, int32_t chan);
int32_t		 roster_member_next(struct roster *r, int32_t m);
int32_t		 roster_member_user(struct roster *r, int32_t m);
/* The privileges (MEMBER_*) of member entry m. */
unsigned	 roster_member_entry_priv(struct roster *r, int32_t m);

/* --- purge and counters ------------------------------------------------- */
/* For every slot owned by pid: call fn (slot still intact), then free it.
 * Returns the number purged. */
unsigned	 roster_purge_pid(struct roster *r, int32_t pid,
		    void (*fn)(struct roster *, int32_t, void *), void *arg);

struct roster_counts {
	unsigned registered, unregistered, channels, max_registered;
	unsigned capacity, opers, invisible;
};
void		 roster_get_counts(struct roster *r, struct roster_counts *c);

/* --- privileges, lists, invites, bans (roster_lists.c) ------------------- */
/* slot's privileges in chan (MEMBER_*), -1 when it is not a member. */
int		 roster_member_priv(struct roster *r, int32_t slot,
		    int32_t chan);
void		 roster_member_set_priv(struct roster *r, int32_t slot,
		    int32_t chan, unsigned priv);
/* Add a mask (already normalised) to chan's list of type 'b', 'e' or
 * 'I': ROSTER_OK, ROSTER_LIST_DUP, or ROSTER_LIST_FULL. */
enum roster_err	 roster_list_add(struct roster *r, int32_t chan, int type,
		    const char *mask, const char *by, int64_t now);
/* Remove it (compared under the casemapping): ROSTER_OK or
 * ROSTER_NOT_FOUND. */
enum roster_err	 roster_list_del(struct roster *r, int32_t chan, int type,
		    const char *mask);
/* Walk chan's entries (every type, 'v' included), newest first:
 * e = roster_list_first(); e >= 0; e = roster_list_next(e). */
int32_t		 roster_list_first(struct roster *r, int32_t chan);
int32_t		 roster_list_next(struct roster *r, int32_t e);
const struct roster_mask *roster_list_entry(struct roster *r, int32_t e);
/* Nonzero when an entry of type matches prefix (nick!user@host). */
int		 roster_list_match(struct roster *r, int32_t chan, int type,
		    const char *prefix);
/* slot is banned in chan: a ban matches it and no exception does; the
 * answer is cached per member until a list or the user's prefix
 * changes, so a message costs no mask match once it is known. */
int		 roster_banned(struct roster *r, int32_t slot, int32_t chan);
/* INVITE: remember that slot may join chan (+i) once; the oldest goes
 * when INVITES_MAX are pending. */
void		 roster_invite_add(struct roster *r, int32_t chan, int32_t slot);
/* Nonzero when slot was invited to chan; the invite is used up. */
int		 roster_invite_take(struct roster *r, int32_t chan,
		    int32_t slot);
/* CHGHOST: a new user and host for slot (its ban state is recomputed). */
void		 roster_user_set_host(struct roster *r, int32_t slot,
		    const char *user, const char *host);
void		 roster_user_set_realname(struct roster *r, int32_t slot,
		    const char *realname);

/* --- WHOWAS and command counters (roster_lists.c) -------------------------- */
/* Remember slot's nick as it is now (it quits or changes nick). */
void		 roster_whowas_add(struct roster *r, int32_t slot, int64_t now);
/* The nth (0: the newest) remembered entry for nick; 0 or -1. */
int		 roster_whowas_get(struct roster *r, const char *nick,
		    unsigned nth, struct roster_whowas *out);
/* Count one use of command number cmd by worker (no lock: each worker
 * writes only its own counters). */
void		 roster_count(struct roster *r, unsigned worker, unsigned cmd);
/* The uses of cmd summed over every worker (no lock). */
uint64_t	 roster_counted(struct roster *r, unsigned cmd);

/* Lock-free per-worker connection counts, for accept balancing. */
void		 roster_worker_conns_set(struct roster *r, unsigned id,
		    unsigned n);
/* Sum and number of live workers' counts. */
void		 roster_worker_conns(struct roster *r, unsigned *sum,
		    unsigned *nworkers);

#endif
