/*
 * store.h -- keochatd's embedded store: one SQLite database (WAL) in
 * state-dir holding accounts, client certificates, registered channels
 * and the failed-login counters.
 *
 * Every process opens its own connection after it forked (SQLite handles
 * never cross a fork).  The master opens the store first: it checks its
 * integrity and applies the migrations up to STORE_VERSION, and refuses
 * to start on a store it cannot trust.  Writes are single short
 * transactions with a busy timeout; WAL readers never wait for them.
 * Every value read back is checked as if it came from the network.
 */
#ifndef KEO_STORE_H
#define KEO_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "bounds.h"

#define STORE_FILE	"keochat.db"
#define STORE_VERSION	3		/* PRAGMA user_version of the schema */
#define ACCOUNT_MAX	NICK_MAX	/* account names are nicks */
#define HASH_MAX	159		/* a crypt(3) string */
#define EMAIL_MAX	254
#define SCRAM_SALT_LEN	16
#define SCRAM_KEY_LEN	32

struct store;

enum store_rc {
	STORE_OK = 0,
	STORE_NOTFOUND = 1,
	STORE_EXISTS = 2,
	STORE_ERROR = -1,
};

struct account {
	char	 name[ACCOUNT_MAX + 1];	/* as registered */
	int64_t	 created;		/* epoch seconds */
	char	 hash[HASH_MAX + 1];	/* yescrypt; "" for none */
	int	 has_scram;
	unsigned scram_iter;
	uint8_t	 scram_salt[SCRAM_SALT_LEN];
	uint8_t	 scram_stored[SCRAM_KEY_LEN];
	uint8_t	 scram_server[SCRAM_KEY_LEN];
	char	 email[EMAIL_MAX + 1];	/* "" none */
	int	 verified;		/* 0: REGISTER waits for VERIFY */
	char	 verify_code[33];
};

struct reg_chan {
	char	 name[CHAN_MAX + 1];
	char	 founder[ACCOUNT_MAX + 1];
	int64_t	 created;
	uint32_t modes;			/* CMODE_* kept */
	char	 key[KEY_MAX + 1];
	uint32_t limit;
	char	 topic[TOPIC_MAX + 1];
	char	 topic_by[PREFIX_MAX + 1];
	int64_t	 topic_time;
};

/* Open (and with create, make) state_dir/keochat.db; readonly connections
 * never write.  NULL with err. */
struct store	*store_open(const char *state_dir, int create, int readonly,
		    char *err, size_t errsz);
void		 store_close(struct store *s);
/* integrity_check and the schema version (returned) is one this keochatd
 * knows; -1 with err. */
int		 store_check(struct store *s, char *err, size_t errsz);
/* The master, at start: store_check, then the migrations.  -1 with
 * err when the store is damaged or newer than this keochatd. */
int		 store_prepare(struct store *s, char *err, size_t errsz);
/* An online copy of the store into dest (SQLite's backup API), while the
 * server runs; 0 or -1 with err. */
int		 store_backup(const char *state_dir, const char *dest, char *err,
		    size_t errsz);
/* The schema version of an open store. */
int		 store_version(struct store *s);

/* Accounts.  Names are looked up casefolded (rfc1459). */
enum store_rc	 store_account_get(struct store *s, const char *name,
		    struct account *out);
enum store_rc	 store_account_create(struct store *s, const struct account *a);
enum store_rc	 store_account_set_password(struct store *s, const char *name,
		    const struct account *a);
enum store_rc	 store_account_verify(struct store *s, const char *name);
enum store_rc	 store_account_drop(struct store *s, const char *name);
/* Client certificates of accounts (hex SHA-256). */
enum store_rc	 store_certfp_add(struct store *s, const char *account,
		    const char *fp);
enum store_rc	 store_certfp_del(struct store *s, const char *account,
		    const char *fp);
enum store_rc	 store_certfp_find(struct store *s, const char *fp,
		    char account[ACCOUNT_MAX + 1]);
/* Each certificate of account, in order. */
int		 store_certfp_each(struct store *s, const char *account,
		    int (*fn)(const char *fp, void *), void *arg);
/* Failed logins under key ("ip:..." or "acct:..."): the count within the
 * last window seconds, after adding one when add is set. */
int		 store_failures(struct store *s, const char *key, int add,
		    int64_t now, unsigned window);
void		 store_failures_clear(struct store *s, const char *key);

/* Registered channels. */
enum store_rc	 store_chan_get(struct store *s, const char *name,
		    struct reg_chan *out);
enum store_rc	 store_chan_register(struct store *s, const struct reg_chan *c);
enum store_rc	 store_chan_update(struct store *s, const struct reg_chan *c);
enum store_rc	 store_chan_drop(struct store *s, const char *name);
/* One entry of a channel's b, e or I list, as saved. */
struct reg_list {
	char	 kind;			/* 'b', 'e' or 'I' */
	char	 mask[MASK_MAX + 1];
	char	 by[PREFIX_MAX + 1];
	int64_t	 at;
};
/* The channel's modes, topic and lists as they are now, in one
 * transaction (the lists replace what was kept). */
enum store_rc	 store_chan_save(struct store *s, const struct reg_chan *c,
		    const struct reg_list *l, unsigned n);
/* A new founder (an account) for a registered channel. */
enum store_rc	 store_chan_set_founder(struct store *s, const char *chan,
		    const char *account);
/* Each registered channel in turn (fn's return: 0 go on, else stop). */
int		 store_chan_each(struct store *s,
		    int (*fn)(const struct reg_chan *, void *), void *arg);
/* Access lists: level 'o' (op) or 'v' (voice); '\0' removes. */
enum store_rc	 store_chan_access_set(struct store *s, const char *chan,
		    const char *account, char level);
/* The level of account in chan: 'o', 'v' or 0. */
char		 store_chan_access_get(struct store *s, const char *chan,
		    const char *account);
int		 store_chan_access_each(struct store *s, const char *chan,
		    int (*fn)(const char *account, char level, void *), void *arg);
/* Ban, exception and invite-exception lists (kind 'b', 'e', 'I'). */
enum store_rc	 store_chan_list_set(struct store *s, const char *chan,
		    char kind, const char *mask, const char *by, int64_t at,
		    int add);
int		 store_chan_list_each(struct store *s, const char *chan,
		    int (*fn)(char kind, const char *mask, const char *by,
		    int64_t at, void *), void *arg);

/* --- history ------------------------------------------------------------- */

/* One message or event of a room, as the relay ordered it.  target is
 * the folded channel name, or for a private message between two accounts
 * '~' owner ' ' peer (folded; each end has its copy); line the ":src CMD
 * ..." the members got. */
struct hist_row {
	uint64_t	 id;		/* the msgid */
	int64_t		 time_ms;	/* server-time */
	unsigned	 kind;		/* enum frame_kind */
	const char	*target;
	const char	*account;	/* the sender's, "" none */
	const char	*tags;		/* client tags, escaped, "" none */
	const char	*line;
};

/* A position in a target's history: messages are ordered by (time_ms,
 * id).  A timestamp is (ms, 0) as a lower and (ms, UINT64_MAX >> 1) as an
 * upper bound, so that a bound excludes the messages of that very ms. */
struct hist_pos {
	int64_t		 time_ms;
	int64_t		 id;
};

/* A range of one target, both ends exclusive (NULL: open); kinds a mask
 * of (1 << kind) that may come back; newest: the limit counts from the
 * upper end (the rows still come oldest first). */
struct hist_range {
	const char	*target;
	const struct hist_pos *lo, *hi;
	uint32_t	 kinds;
	unsigned	 limit;
	int		 newest;
};

/* Transactions for a run of writes (the relay: one per loop turn). */
int		 store_begin(struct store *s);
int		 store_commit(struct store *s);
/* Keep r (again: the same id is kept once). */
int		 store_history_add(struct store *s, const struct hist_row *r);
/* The rows of range in order, through fn (0 go on, else stop); the
 * number given, or -1. */
int		 store_history_range(struct store *s, const struct hist_range *q,
		    int (*fn)(const struct hist_row *, void *), void *arg);
/* Where msgid id is in target: 0, STORE_NOTFOUND, or -1. */
int		 store_history_find(struct store *s, const char *target,
		    uint64_t id, struct hist_pos *at);
/* The time of target's newest row after from_ms and before to_ms (both
 * exclusive): 0 with *latest, STORE_NOTFOUND, or -1. */
int		 store_history_latest(struct store *s, const char *target,
		    int64_t from_ms, int64_t to_ms, int64_t *latest);
/* Drop what retention lets go, in one small step, of the target after
 * cursor (a string the caller keeps, "" at first): its rows older than
 * max_days and beyond its newest max_lines (0: no limit), or what the
 * room's own, tighter retention says; at most batch rows.  The rows
 * dropped, or -1. */
int		 store_history_prune(struct store *s, int64_t now_ms,
		    unsigned max_days, unsigned max_lines, unsigned batch,
		    char *cursor, size_t cursorsz);
/* A registered room's own retention (days, lines; -1 the server's, 0
 * none of its own): read, or with set written. */
enum store_rc	 store_chan_history(struct store *s, const char *chan,
		    int *days, int *lines, int set);

/* --- read markers (draft/read-marker) ------------------------------------ */

/* account's marker of target: 0 with *ms, STORE_NOTFOUND, or -1. */
int		 store_marker_get(struct store *s, const char *account,
		    const char *target, int64_t *ms);
/* Move it to ms unless it is later already; *now what it is after.  0 or
 * -1 (an account that does not exist: -1). */
int		 store_marker_set(struct store *s, const char *account,
		    const char *target, int64_t ms, int64_t *now);

/* The peers (folded accounts) account has private lines with between
 * from_ms and to_ms (exclusive), with the time of the newest, oldest
 * first; the count or -1. */
int		 store_history_peers(struct store *s, const char *account,
		    int64_t from_ms, int64_t to_ms, unsigned limit,
		    int (*fn)(const char *peer, int64_t latest, void *),
		    void *arg);

/* --- messages that wait --------------------------------------------------- */

/* A private message to account (folded) from peer (folded), kept in
 * history as ('~' account ' ' peer, time_ms, id), waits for its login
 * (nothing when there is no such account).  0 or -1. */
int		 store_waiting_add(struct store *s, const char *account,
		    const char *peer, int64_t time_ms, uint64_t id);
/* What waits for account, oldest first, at most limit; the count or -1. */
int		 store_waiting_each(struct store *s, const char *account,
		    unsigned limit, int (*fn)(const struct hist_row *, void *),
		    void *arg);
/* It was given: what waits up to (time_ms, id) waits no more. */
int		 store_waiting_clear(struct store *s, const char *account,
		    int64_t time_ms, uint64_t id);

/* --- SEARCH ------------------------------------------------------------------ */

/* What to look for: the PRIVMSG and NOTICE lines of these targets (store
 * keys) and of own_prefix's private conversations ("~account", or NULL),
 * with the words of text (NULL: any), from a nick or account (NULL:
 * anyone), at or after after_ms and at or before before_ms (0: open). */
struct search_query {
	const char *const *targets;
	size_t		 ntargets;	/* <= SEARCH_TARGETS_MAX */
	const char	*own_prefix;
	const char	*text, *from;
	int64_t		 after_ms, before_ms;
	unsigned	 limit;
};
#define SEARCH_TARGETS_MAX	200

/* The newest matches first, through fn; the count, -2 when text has no
 * word in it, or -1. */
int		 store_search(struct store *s, const struct search_query *q,
		    int (*fn)(const struct hist_row *, void *), void *arg);
/* Index up to batch lines kept since the last call (the master, in the
 * background); the lines indexed, or -1. */
int		 store_search_index(struct store *s, unsigned batch);

/* The last SQLite error of s, for a log line. */
const char	*store_errmsg(struct store *s);

#endif
