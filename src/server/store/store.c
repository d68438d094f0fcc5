/*
 * store.c -- see store.h.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store.h"
#include "valid.h"

#define BUSY_MS		5000

enum stmt_id {
	Q_ACCT_GET, Q_ACCT_NEW, Q_ACCT_PASS, Q_ACCT_VERIFY, Q_ACCT_DROP,
	Q_FP_ADD, Q_FP_DEL, Q_FP_FIND, Q_FAIL_GET, Q_FAIL_PUT, Q_FAIL_DEL,
	Q_CHAN_GET, Q_CHAN_NEW, Q_CHAN_UPD, Q_CHAN_DROP, Q_CHAN_EACH,
	Q_ACC_SET, Q_ACC_DEL, Q_ACC_GET, Q_ACC_EACH, Q_LIST_ADD, Q_LIST_DEL,
	Q_LIST_EACH, Q_FP_EACH, Q_LIST_CLEAR, Q_CHAN_FOUNDER,
	Q_HIST_ADD, Q_HIST_FIND, Q_HIST_LATEST, Q_HIST_NEXT, Q_HIST_KEEP,
	Q_HIST_OLDEST, Q_HIST_DROP,
	Q_BEGIN, Q_COMMIT, Q_MARK_GET, Q_MARK_SET, Q_WAIT_ADD, Q_WAIT_EACH,
	Q_WAIT_CLEAR, Q_HIST_DROP_MINE, Q_HIST_DROP_THEIRS, Q_HIST_PEERS,
	Q_FTS_STEP, Q_FTS_MARK, Q_FTS_DROP_RANGE, Q_FTS_DROP_MINE,
	Q_CHAN_HIST_GET, Q_CHAN_HIST_SET,
	Q_COUNT
};

static const char *const sql[Q_COUNT] = {
	[Q_ACCT_GET] = "SELECT name, created, hash, scram_iter, scram_salt, "
	    "scram_stored, scram_server, email, verified, verify_code FROM "
	    "accounts WHERE fold = ?1",
	[Q_ACCT_NEW] = "INSERT INTO accounts (fold, name, created, hash, "
	    "scram_iter, scram_salt, scram_stored, scram_server, email, "
	    "verified, verify_code) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
	    "?9, ?10, ?11)",
	[Q_ACCT_PASS] = "UPDATE accounts SET hash = ?2, scram_iter = ?3, "
	    "scram_salt = ?4, scram_stored = ?5, scram_server = ?6 WHERE "
	    "fold = ?1",
	[Q_ACCT_VERIFY] = "UPDATE accounts SET verified = 1, verify_code = '' "
	    "WHERE fold = ?1",
	[Q_ACCT_DROP] = "DELETE FROM accounts WHERE fold = ?1",
	[Q_FP_ADD] = "INSERT INTO certfps (fp, account) VALUES (?1, ?2)",
	[Q_FP_DEL] = "DELETE FROM certfps WHERE fp = ?1 AND account = ?2",
	[Q_FP_FIND] = "SELECT a.name FROM certfps f JOIN accounts a ON "
	    "a.fold = f.account WHERE f.fp = ?1",
	[Q_FAIL_GET] = "SELECT count, since FROM login_failures WHERE key = ?1",
	[Q_FAIL_PUT] = "INSERT OR REPLACE INTO login_failures (key, count, "
	    "since) VALUES (?1, ?2, ?3)",
	[Q_FAIL_DEL] = "DELETE FROM login_failures WHERE key = ?1",
	[Q_CHAN_GET] = "SELECT name, founder, created, modes, key, lim, topic, "
	    "topic_by, topic_time FROM channels WHERE fold = ?1",
	[Q_CHAN_NEW] = "INSERT INTO channels (fold, name, founder, created, "
	    "modes, key, lim, topic, topic_by, topic_time) VALUES (?1, ?2, ?3, "
	    "?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	[Q_CHAN_UPD] = "UPDATE channels SET modes = ?2, key = ?3, lim = ?4, "
	    "topic = ?5, topic_by = ?6, topic_time = ?7 WHERE fold = ?1",
	[Q_CHAN_DROP] = "DELETE FROM channels WHERE fold = ?1",
	[Q_CHAN_EACH] = "SELECT fold FROM channels ORDER BY fold",
	[Q_ACC_SET] = "INSERT OR REPLACE INTO chan_access (chan, account, "
	    "level) VALUES (?1, ?2, ?3)",
	[Q_ACC_DEL] = "DELETE FROM chan_access WHERE chan = ?1 AND account = ?2",
	[Q_ACC_GET] = "SELECT level FROM chan_access WHERE chan = ?1 AND "
	    "account = ?2",
	[Q_ACC_EACH] = "SELECT a.name, c.level FROM chan_access c JOIN "
	    "accounts a ON a.fold = c.account WHERE c.chan = ?1 ORDER BY "
	    "a.fold",
	[Q_LIST_ADD] = "INSERT OR REPLACE INTO chan_lists (chan, kind, mask, "
	    "set_by, set_at) VALUES (?1, ?2, ?3, ?4, ?5)",
	[Q_LIST_DEL] = "DELETE FROM chan_lists WHERE chan = ?1 AND kind = ?2 "
	    "AND mask = ?3",
	[Q_LIST_EACH] = "SELECT kind, mask, set_by, set_at FROM chan_lists "
	    "WHERE chan = ?1 ORDER BY rowid",
	[Q_FP_EACH] = "SELECT fp FROM certfps WHERE account = ?1 ORDER BY fp",
	[Q_LIST_CLEAR] = "DELETE FROM chan_lists WHERE chan = ?1",
	[Q_CHAN_FOUNDER] = "UPDATE channels SET founder = ?2 WHERE fold = ?1",
	[Q_HIST_ADD] = "INSERT OR IGNORE INTO history (id, target, time_ms, "
	    "kind, account, tags, line) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	/* by the msgid's index: the planner would walk the target instead */
	[Q_HIST_FIND] = "SELECT time_ms FROM history INDEXED BY history_id "
	    "WHERE id = ?1 AND target = ?2",
	[Q_HIST_LATEST] = "SELECT max(time_ms) FROM history WHERE target = "
	    "?1 AND time_ms > ?2 AND time_ms < ?3",
	/* a loose scan of the targets, one index seek each */
	[Q_HIST_NEXT] = "SELECT target FROM history WHERE target > ?1 ORDER "
	    "BY target LIMIT 1",
	/* where the newest ?2 rows of ?1 begin */
	[Q_HIST_KEEP] = "SELECT time_ms, id FROM history WHERE target = ?1 "
	    "ORDER BY time_ms DESC, id DESC LIMIT 1 OFFSET ?2 - 1",
	/* the oldest ?4 rows of ?1 before (?2, ?3) */
	[Q_HIST_OLDEST] = "SELECT time_ms, id FROM history WHERE target = ?1 "
	    "AND (time_ms, id) < (?2, ?3) ORDER BY time_ms, id LIMIT ?4",
	[Q_HIST_DROP] = "DELETE FROM history WHERE target = ?1 AND (time_ms, "
	    "id) <= (?2, ?3)",
	[Q_MARK_GET] = "SELECT time_ms FROM read_markers WHERE account = ?1 "
	    "AND target = ?2",
	[Q_MARK_SET] = "INSERT INTO read_markers (account, target, time_ms) "
	    "VALUES (?1, ?2, ?3) ON CONFLICT (account, target) DO UPDATE SET "
	    "time_ms = max(time_ms, excluded.time_ms)",
	[Q_WAIT_ADD] = "INSERT OR IGNORE INTO waiting (account, time_ms, id, "
	    "peer) SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM accounts "
	    "WHERE fold = ?1)",
	[Q_WAIT_EACH] = "SELECT h.id, h.time_ms, h.kind, h.account, h.tags, "
	    "h.line FROM waiting w JOIN history h ON h.target = '~' || "
	    "w.account || ' ' || w.peer AND h.time_ms = w.time_ms AND h.id = "
	    "w.id WHERE w.account = ?1 ORDER BY w.time_ms, w.id LIMIT ?2",
	[Q_WAIT_CLEAR] = "DELETE FROM waiting WHERE account = ?1 AND "
	    "(time_ms, id) <= (?2, ?3)",
	/* an account's private messages: its copies, and its peers' */
	[Q_HIST_DROP_MINE] = "DELETE FROM history WHERE target >= '~' || ?1 || "
	    "' ' AND target < '~' || ?1 || '!'",
	[Q_HIST_DROP_THEIRS] = "DELETE FROM history WHERE target >= '~' AND "
	    "target < '\x7f' AND substr(target, -length(?1) - 1) = ' ' || ?1",
	/* the private conversations of ?1 with lines in (?2, ?3) */
	[Q_HIST_PEERS] = "SELECT substr(target, length(?1) + 3), max(time_ms) "
	    "FROM history WHERE target >= '~' || ?1 || ' ' AND target < '~' || "
	    "?1 || '!' AND time_ms > ?2 AND time_ms < ?3 GROUP BY target ORDER "
	    "BY 2 LIMIT ?4",
	/* index the next lines kept since the last step */
	[Q_FTS_STEP] = "INSERT INTO history_fts(rowid, text) SELECT id, "
	    "substr(min(line), instr(min(line), ' :') + 2) FROM history WHERE "
	    "id > (SELECT v FROM fts_state WHERE k = 'indexed') AND kind IN "
	    "(1, 2) GROUP BY id ORDER BY id LIMIT ?1",
	/* up to the last line looked at: the ?1-th kept line after the mark,
	 * or the newest */
	[Q_FTS_MARK] = "UPDATE fts_state SET v = coalesce((SELECT max(id) "
	    "FROM (SELECT DISTINCT id FROM history WHERE id > v AND kind IN "
	    "(1, 2) ORDER BY id LIMIT ?1)), v) WHERE k = 'indexed'",
	/* the index entries of what goes (a trigger cannot: a schema is not
	 * trusted with virtual tables here): an entry goes with the last row
	 * of its msgid, and only an entry the index has */
	[Q_FTS_DROP_RANGE] = "INSERT INTO history_fts(history_fts, rowid, text) "
	    "SELECT 'delete', h.id, substr(h.line, instr(h.line, ' :') + 2) "
	    "FROM history h WHERE h.target = ?1 AND (h.time_ms, h.id) <= (?2, "
	    "?3) AND h.kind IN (1, 2) AND h.id <= (SELECT v FROM fts_state "
	    "WHERE k = 'indexed') AND NOT EXISTS (SELECT 1 FROM history h2 "
	    "WHERE h2.id = h.id AND h2.target != ?1)",
	[Q_FTS_DROP_MINE] = "INSERT INTO history_fts(history_fts, rowid, text) "
	    "SELECT 'delete', id, substr(min(line), instr(min(line), ' :') + 2) "
	    "FROM history WHERE target >= '~' || ?1 || ' ' AND target < '~' || "
	    "?1 || '!' AND kind IN (1, 2) AND id <= (SELECT v FROM fts_state "
	    "WHERE k = 'indexed') GROUP BY id",
	[Q_CHAN_HIST_GET] = "SELECT hist_days, hist_lines FROM channels WHERE "
	    "fold = ?1",
	[Q_CHAN_HIST_SET] = "UPDATE channels SET hist_days = ?2, hist_lines = "
	    "?3 WHERE fold = ?1",
	[Q_BEGIN] = "BEGIN",
	[Q_COMMIT] = "COMMIT",
};

/* The kinds of the messages (PRIVMSG, NOTICE, TAGMSG in frame.h), as
 * the partial index history_msgs and the queries that walk it name
 * them: SQLite uses the index only where a query's term is the index's
 * own. */
#define HIST_MSG_KINDS	"1, 2, 3"

/* The schema, one step per version: migration[v] takes a store from
 * user_version v to v + 1.  Never edit a step once released: add one. */
static const char *const migration[STORE_VERSION] = {
	/* 0 -> 1 */
	"CREATE TABLE accounts ("
	"  fold TEXT PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  hash TEXT NOT NULL DEFAULT '',"
	"  scram_iter INTEGER NOT NULL DEFAULT 0,"
	"  scram_salt BLOB, scram_stored BLOB, scram_server BLOB,"
	"  email TEXT NOT NULL DEFAULT '',"
	"  verified INTEGER NOT NULL DEFAULT 1,"
	"  verify_code TEXT NOT NULL DEFAULT ''"
	") WITHOUT ROWID;"
	"CREATE TABLE certfps ("
	"  fp TEXT PRIMARY KEY,"
	"  account TEXT NOT NULL REFERENCES accounts(fold) ON DELETE CASCADE"
	") WITHOUT ROWID;"
	"CREATE INDEX certfps_account ON certfps(account);"
	"CREATE TABLE channels ("
	"  fold TEXT PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  founder TEXT NOT NULL REFERENCES accounts(fold) ON DELETE CASCADE,"
	"  created INTEGER NOT NULL,"
	"  modes INTEGER NOT NULL DEFAULT 0,"
	"  key TEXT NOT NULL DEFAULT '',"
	"  lim INTEGER NOT NULL DEFAULT 0,"
	"  topic TEXT NOT NULL DEFAULT '',"
	"  topic_by TEXT NOT NULL DEFAULT '',"
	"  topic_time INTEGER NOT NULL DEFAULT 0"
	") WITHOUT ROWID;"
	"CREATE INDEX channels_founder ON channels(founder);"
	"CREATE TABLE chan_access ("
	"  chan TEXT NOT NULL REFERENCES channels(fold) ON DELETE CASCADE,"
	"  account TEXT NOT NULL REFERENCES accounts(fold) ON DELETE CASCADE,"
	"  level TEXT NOT NULL CHECK (level IN ('o', 'v')),"
	"  PRIMARY KEY (chan, account)"
	") WITHOUT ROWID;"
	"CREATE INDEX chan_access_account ON chan_access(account);"
	"CREATE TABLE chan_lists ("
	"  chan TEXT NOT NULL REFERENCES channels(fold) ON DELETE CASCADE,"
	"  kind TEXT NOT NULL CHECK (kind IN ('b', 'e', 'I')),"
	"  mask TEXT NOT NULL,"
	"  set_by TEXT NOT NULL DEFAULT '',"
	"  set_at INTEGER NOT NULL DEFAULT 0,"
	"  UNIQUE (chan, kind, mask)"
	");"
	"CREATE TABLE login_failures ("
	"  key TEXT PRIMARY KEY,"
	"  count INTEGER NOT NULL,"
	"  since INTEGER NOT NULL"
	") WITHOUT ROWID;",
	/* 1 -> 2: a registered room's own retention (-1: the server's) */
	"ALTER TABLE channels ADD COLUMN hist_days INTEGER NOT NULL DEFAULT -1;"
	"ALTER TABLE channels ADD COLUMN hist_lines INTEGER NOT NULL "
	"  DEFAULT -1;"
	/* the history of the rooms (and of private conversations),
	 * clustered by (target, time, msgid); one msgid may be in several
	 * targets (a QUIT, a NICK, a private message's two copies) */
	"CREATE TABLE history ("
	"  target TEXT NOT NULL,"
	"  time_ms INTEGER NOT NULL,"
	"  id INTEGER NOT NULL,"
	"  kind INTEGER NOT NULL,"
	"  account TEXT NOT NULL DEFAULT '',"
	"  tags TEXT NOT NULL DEFAULT '',"
	"  line TEXT NOT NULL,"
	"  PRIMARY KEY (target, time_ms, id)"
	") WITHOUT ROWID;"
	"CREATE INDEX history_id ON history(id);"
	/* SEARCH: the text of PRIVMSG and NOTICE lines under their msgid
	 * (a private message's two copies share one entry), indexed a moment
	 * after they are kept (the master), never on the relay's path; the
	 * index holds no copy of the text (contentless) */
	"CREATE VIRTUAL TABLE history_fts USING fts5(text, content='', "
	"  columnsize=0, tokenize='unicode61 remove_diacritics 2');"
	/* fewer, bigger merges: a line costs a third as much to index */
	"INSERT INTO history_fts(history_fts, rank) VALUES ('automerge', 16);"
	"CREATE TABLE fts_state (k TEXT PRIMARY KEY, v INTEGER NOT NULL);"
	"INSERT INTO fts_state VALUES ('indexed', 0);"
	/* draft/read-marker: per account and target, never going back */
	"CREATE TABLE read_markers ("
	"  account TEXT NOT NULL REFERENCES accounts(fold) ON DELETE CASCADE,"
	"  target TEXT NOT NULL,"
	"  time_ms INTEGER NOT NULL,"
	"  PRIMARY KEY (account, target)"
	") WITHOUT ROWID;"
	/* private messages to an account while it was away, until it logs in:
	 * its history row is ('~' account ' ' peer, time_ms, id) */
	"CREATE TABLE waiting ("
	"  account TEXT NOT NULL REFERENCES accounts(fold) ON DELETE CASCADE,"
	"  time_ms INTEGER NOT NULL,"
	"  id INTEGER NOT NULL,"
	"  peer TEXT NOT NULL,"
	"  PRIMARY KEY (account, time_ms, id)"
	") WITHOUT ROWID;",
	/* 2 -> 3: the messages of a target without its events, so that a
	 * replay on join or a CHATHISTORY without event-playback does not
	 * walk every JOIN and PART since the last message (a storm into a
	 * quiet room walked them all on every join) */
	("CREATE INDEX history_msgs ON history(target, time_ms, id) "
	"WHERE kind IN (" HIST_MSG_KINDS ");"),
};

struct store {
	sqlite3		*db;
	sqlite3_stmt	*q[Q_COUNT];
	sqlite3_stmt	*range[16];	/* store_history_range's shapes:
					 * lo 1, hi 2, newest 4, only
					 * messages 8 */
};

const char *
store_errmsg(struct store *s)
{
	return s != NULL && s->db != NULL ? sqlite3_errmsg(s->db) :
	    "no store";
}

static int
exec(struct store *s, const char *what, char *err, size_t errsz)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, what, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	if (err != NULL)
		snprintf(err, errsz, "%s", msg ? msg : sqlite3_errmsg(s->db));
	sqlite3_free(msg);
	return -1;
}

struct store *
store_open(const char *state_dir, int create, int readonly, char *err,
    size_t errsz)
{
	char path[1024];
	static int configured;
	struct store *s;
	int fl, rc;

	/* no allocation counters: they take a global mutex on every
	 * malloc, a tenth of a history row's cost.  Set before the library
	 * starts: the master's first open, before any thread or child */
	if (!configured) {
		(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
		configured = 1;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", state_dir,
	    STORE_FILE) >= sizeof(path)) {
		snprintf(err, errsz, "store %s/%s: path too long", state_dir,
		    STORE_FILE);
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errsz, "store: out of memory");
		return NULL;
	}
	fl = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE |
	    (create ? SQLITE_OPEN_CREATE : 0);
	fl |= SQLITE_OPEN_NOMUTEX;	/* one thread per connection */
	if ((rc = sqlite3_open_v2(path, &s->db, fl, NULL)) != SQLITE_OK) {
		snprintf(err, errsz, "store %s: %s", path, s->db ?
		    sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		store_close(s);
		return NULL;
	}
	sqlite3_busy_timeout(s->db, BUSY_MS);
	(void)sqlite3_extended_result_codes(s->db, 1);
	if ((!readonly && exec(s, "PRAGMA journal_mode = WAL", err, errsz) ==
	    -1) || exec(s, "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = "
	    "ON; PRAGMA trusted_schema = OFF", err, errsz) == -1) {
		char why[256];
		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, errsz, "store %s: %s", path, why);
		store_close(s);
		return NULL;
	}
	if (!readonly)
		(void)chmod(path, 0600);
	return s;
}

void
store_close(struct store *s)
{
	unsigned i;

	if (s == NULL)
		return;
	for (i = 0; i < Q_COUNT; i++)
		sqlite3_finalize(s->q[i]);
	for (i = 0; i < sizeof(s->range) / sizeof(s->range[0]); i++)
		sqlite3_finalize(s->range[i]);
	sqlite3_close(s->db);
	free(s);
}

int
store_version(struct store *s)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

int
store_check(struct store *s, char *err, size_t errsz)
{
	sqlite3_stmt *st;
	const unsigned char *r;
	char why[256];
	int v, ok = 0, rc;

	/* a damaged store is never written to: refuse and say so */
	if (sqlite3_prepare_v2(s->db, "PRAGMA integrity_check", -1, &st,
	    NULL) != SQLITE_OK) {
		snprintf(err, errsz, "integrity check: %s",
		    sqlite3_errmsg(s->db));
		return -1;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && (r = sqlite3_column_text(st, 0)) != NULL &&
	    strcmp((const char *)r, "ok") == 0)
		ok = 1;
	else
		snprintf(why, sizeof(why), "%s", rc == SQLITE_ROW &&
		    sqlite3_column_text(st, 0) != NULL ? (const char *)
		    sqlite3_column_text(st, 0) : sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
	if (!ok) {
		snprintf(err, errsz, "the store is damaged (%s); restore a "
		    "backup (keochatd --backup) or move it away", why);
		return -1;
	}
	if ((v = store_version(s)) < 0) {
		snprintf(err, errsz, "cannot read the schema version: %s",
		    sqlite3_errmsg(s->db));
		return -1;
	}
	if (v > STORE_VERSION) {
		snprintf(err, errsz, "the store has schema version %d; this "
		    "keochatd knows up to %d (a newer keochatd wrote it)", v,
		    STORE_VERSION);
		return -1;
	}
	return v;
}

int
store_prepare(struct store *s, char *err, size_t errsz)
{
	char step[64], why[256];
	int v;

	if ((v = store_check(s, err, errsz)) < 0)
		return -1;
	for (; v < STORE_VERSION; v++) {
		snprintf(step, sizeof(step), "PRAGMA user_version = %d", v + 1);
		if (exec(s, "BEGIN IMMEDIATE", err, errsz) == -1)
			return -1;
		if (exec(s, migration[v], why, sizeof(why)) == -1 ||
		    exec(s, step, why, sizeof(why)) == -1 ||
		    exec(s, "COMMIT", why, sizeof(why)) == -1) {
			(void)exec(s, "ROLLBACK", NULL, 0);
			snprintf(err, errsz, "migration to schema version %d "
			    "failed: %s", v + 1, why);
			return -1;
		}
	}
	return 0;
}

int
store_backup(const char *state_dir, const char *dest, char *err, size_t errsz)
{
	struct store *src;
	sqlite3 *dst = NULL;
	sqlite3_backup *b;
	int rc;

	if ((src = store_open(state_dir, 0, 1, err, errsz)) == NULL)
		return -1;
	if (sqlite3_open_v2(dest, &dst, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		snprintf(err, errsz, "%s: %s", dest, dst ? sqlite3_errmsg(dst) :
		    "cannot open");
		sqlite3_close(dst);
		store_close(src);
		return -1;
	}
	if ((b = sqlite3_backup_init(dst, "main", src->db, "main")) == NULL) {
		snprintf(err, errsz, "%s: %s", dest, sqlite3_errmsg(dst));
		sqlite3_close(dst);
		store_close(src);
		return -1;
	}
	/* in steps, so a running server's writers get in between */
	do {
		rc = sqlite3_backup_step(b, 64);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(20);
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	(void)sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE)
		snprintf(err, errsz, "%s: %s", dest, sqlite3_errstr(rc));
	else
		(void)chmod(dest, 0600);
	sqlite3_close(dst);
	store_close(src);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* --- statements ------------------------------------------------------------ */

/* The statement in *slot, prepared from text the first time, reset and
 * its bindings cleared. */
static sqlite3_stmt *
cached(struct store *s, sqlite3_stmt **slot, const char *text)
{
	if (*slot == NULL && sqlite3_prepare_v3(s->db, text, -1,
	    SQLITE_PREPARE_PERSISTENT, slot, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_reset(*slot);
	sqlite3_clear_bindings(*slot);
	return *slot;
}

static sqlite3_stmt *
q(struct store *s, enum stmt_id id)
{
	return cached(s, &s->q[id], sql[id]);
}

static int
step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static void
fold(char *dst, size_t dstsz, const char *name)
{
	irc_casefold(dst, dstsz, name);
}

static void
bind_text(sqlite3_stmt *st, int i, const char *v)
{
	(void)sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

static void
bind_fold(sqlite3_stmt *st, int i, const char *name, char *buf, size_t bufsz)
{
	fold(buf, bufsz, name);
	bind_text(st, i, buf);
}

/* A text column into dst: "" when NULL; -1 when it does not fit (a store
 * that was written by someone else: refuse rather than cut). */
static int
col_text(sqlite3_stmt *st, int i, char *dst, size_t dstsz)
{
	const unsigned char *v = sqlite3_column_text(st, i);
	int n = sqlite3_column_bytes(st, i);

	if (v == NULL) {
		dst[0] = '\0';
		return 0;
	}
	if (n < 0 || (size_t)n >= dstsz || memchr(v, '\0', (size_t)n) != NULL)
		return -1;
	memcpy(dst, v, (size_t)n);
	dst[n] = '\0';
	return 0;
}

static int
col_blob(sqlite3_stmt *st, int i, uint8_t *dst, size_t len)
{
	const void *v = sqlite3_column_blob(st, i);

	if (v == NULL || sqlite3_column_bytes(st, i) != (int)len)
		return -1;
	memcpy(dst, v, len);
	return 0;
}

/* Step a statement that changes rows. */
static enum store_rc
change(struct store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return sqlite3_changes(s->db) > 0 ? STORE_OK : STORE_NOTFOUND;
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return STORE_EXISTS;
	return STORE_ERROR;
}

/* --- accounts -------------------------------------------------------------- */

enum store_rc
store_account_get(struct store *s, const char *name, struct account *a)
{
	sqlite3_stmt *st = q(s, Q_ACCT_GET);
	char f[ACCOUNT_MAX * 2 + 1];
	enum store_rc r = STORE_NOTFOUND;
	int rc;

	if (st == NULL)
		return STORE_ERROR;
	memset(a, 0, sizeof(*a));
	bind_fold(st, 1, name, f, sizeof(f));
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r = STORE_OK;
		a->created = sqlite3_column_int64(st, 1);
		if (col_text(st, 0, a->name, sizeof(a->name)) == -1 ||
		    col_text(st, 2, a->hash, sizeof(a->hash)) == -1 ||
		    col_text(st, 7, a->email, sizeof(a->email)) == -1 ||
		    col_text(st, 9, a->verify_code, sizeof(a->verify_code)) ==
		    -1)
			r = STORE_ERROR;
		a->scram_iter = (unsigned)sqlite3_column_int(st, 3);
		a->has_scram = a->scram_iter >= 4096 && a->scram_iter <=
		    1000000 && col_blob(st, 4, a->scram_salt,
		    SCRAM_SALT_LEN) == 0 && col_blob(st, 5, a->scram_stored,
		    SCRAM_KEY_LEN) == 0 && col_blob(st, 6, a->scram_server,
		    SCRAM_KEY_LEN) == 0;
		a->verified = sqlite3_column_int(st, 8) != 0;
	} else if (rc != SQLITE_DONE)
		r = STORE_ERROR;
	sqlite3_reset(st);
	return r;
}

static void
bind_scram(sqlite3_stmt *st, int i, const struct account *a)
{
	if (!a->has_scram) {
		(void)sqlite3_bind_int(st, i, 0);
		return;
	}
	(void)sqlite3_bind_int(st, i, (int)a->scram_iter);
	(void)sqlite3_bind_blob(st, i + 1, a->scram_salt, SCRAM_SALT_LEN,
	    SQLITE_STATIC);
	(void)sqlite3_bind_blob(st, i + 2, a->scram_stored, SCRAM_KEY_LEN,
	    SQLITE_STATIC);
	(void)sqlite3_bind_blob(st, i + 3, a->scram_server, SCRAM_KEY_LEN,
	    SQLITE_STATIC);
}

enum store_rc
store_account_create(struct store *s, const struct account *a)
{
	sqlite3_stmt *st = q(s, Q_ACCT_NEW);
	char f[ACCOUNT_MAX * 2 + 1];

	if (st == NULL)
		return STORE_ERROR;
	bind_fold(st, 1, a->name, f, sizeof(f));
	bind_text(st, 2, a->name);
	(void)sqlite3_bind_int64(st, 3, a->created);
	bind_text(st, 4, a->hash);
	bind_scram(st, 5, a);
	bind_text(st, 9, a->email);
	(void)sqlite3_bind_int(st, 10, a->verified);
	bind_text(st, 11, a->verify_code);
	return change(s, st);
}

enum store_rc
store_account_set_password(struct store *s, const char *name,
    const struct account *a)
{
	sqlite3_stmt *st = q(s, Q_ACCT_PASS);
	char f[ACCOUNT_MAX * 2 + 1];

	if (st == NULL)
		return STORE_ERROR;
	bind_fold(st, 1, name, f, sizeof(f));
	bind_text(st, 2, a->hash);
	bind_scram(st, 3, a);
	return change(s, st);
}

static enum store_rc
by_name(struct store *s, enum stmt_id id, const char *name)
{
	sqlite3_stmt *st = q(s, id);
	char f[CHAN_MAX + ACCOUNT_MAX + 1];

	if (st == NULL)
		return STORE_ERROR;
	bind_fold(st, 1, name, f, sizeof(f));
	return change(s, st);
}

enum store_rc
store_account_verify(struct store *s, const char *name)
{
	return by_name(s, Q_ACCT_VERIFY, name);
}

enum store_rc
store_account_drop(struct store *s, const char *name)
{
	char f[ACCOUNT_MAX * 2 + 1];
	sqlite3_stmt *st;
	enum store_rc rc;
	int i;

	/* the account and its private messages go together */
	if (exec(s, "BEGIN IMMEDIATE", NULL, 0) == -1)
		return STORE_ERROR;
	if ((rc = by_name(s, Q_ACCT_DROP, name)) != STORE_OK) {
		(void)exec(s, "ROLLBACK", NULL, 0);
		return rc;
	}
	for (i = 0; i < 3; i++) {
		if ((st = q(s, i == 0 ? Q_FTS_DROP_MINE : i == 1 ?
		    Q_HIST_DROP_MINE : Q_HIST_DROP_THEIRS)) == NULL) {
			(void)exec(s, "ROLLBACK", NULL, 0);
			return STORE_ERROR;
		}
		bind_fold(st, 1, name, f, sizeof(f));
		if (step_done(st) == -1) {
			(void)exec(s, "ROLLBACK", NULL, 0);
			return STORE_ERROR;
		}
	}
	return exec(s, "COMMIT", NULL, 0) == 0 ? STORE_OK : STORE_ERROR;
}

enum store_rc
store_certfp_add(struct store *s, const char *account, const char *fp)
{
	sqlite3_stmt *st = q(s, Q_FP_ADD);
	char f[ACCOUNT_MAX * 2 + 1];

	if (st == NULL)
		return STORE_ERROR;
	bind_text(st, 1, fp);
	bind_fold(st, 2, account, f, sizeof(f));
	return change(s, st);
}

enum store_rc
store_certfp_del(struct store *s, const char *account, const char *fp)
{
	sqlite3_stmt *st = q(s, Q_FP_DEL);
	char f[ACCOUNT_MAX * 2 + 1];

	if (st == NULL)
		return STORE_ERROR;
	bind_text(st, 1, fp);
	bind_fold(st, 2, account, f, sizeof(f));
	return change(s, st);
}

enum store_rc
store_certfp_find(struct store *s, const char *fp, char account[ACCOUNT_MAX + 1])
{
	sqlite3_stmt *st = q(s, Q_FP_FIND);
	enum store_rc r = STORE_NOTFOUND;
	int rc;

	if (st == NULL)
		return STORE_ERROR;
	bind_text(st, 1, fp);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		r = col_text(st, 0, account, ACCOUNT_MAX + 1) == 0 ? STORE_OK :
		    STORE_ERROR;
	else if (rc != SQLITE_DONE)
		r = STORE_ERROR;
	sqlite3_reset(st);
	return r;
}

int
store_certfp_each(struct store *s, const char *account,
    int (*fn)(const char *, void *), void *arg)
{
	sqlite3_stmt *st = q(s, Q_FP_EACH);
	char f[ACCOUNT_MAX * 2 + 1], fp[72];
	int rc = 0;

	if (st == NULL)
		return -1;
	bind_fold(st, 1, account, f, sizeof(f));
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW)
		if (col_text(st, 0, fp, sizeof(fp)) == 0)
			rc = fn(fp, arg);
	sqlite3_reset(st);
	return rc;
}

int
store_failures(struct store *s, const char *key, int add, int64_t now,
    unsigned window)
{
	sqlite3_stmt *st = q(s, Q_FAIL_GET);
	int64_t since = now;
	int count = 0;

	if (st == NULL)
		return 0;
	bind_text(st, 1, key);
	if (sqlite3_step(st) == SQLITE_ROW) {
		count = sqlite3_column_int(st, 0);
		since = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (count < 0 || since > now || now - since >= (int64_t)window) {
		count = 0;	/* the window passed */
		since = now;
	}
	if (!add)
		return count;
	if ((st = q(s, Q_FAIL_PUT)) == NULL)
		return count + 1;
	bind_text(st, 1, key);
	(void)sqlite3_bind_int(st, 2, count + 1);
	(void)sqlite3_bind_int64(st, 3, since);
	(void)change(s, st);
	return count + 1;
}

void
store_failures_clear(struct store *s, const char *key)
{
	sqlite3_stmt *st = q(s, Q_FAIL_DEL);

	if (st == NULL)
		return;
	bind_text(st, 1, key);
	(void)change(s, st);
}

/* --- channels -------------------------------------------------------------- */

enum store_rc
store_chan_get(struct store *s, const char *name, struct reg_chan *c)
{
	sqlite3_stmt *st = q(s, Q_CHAN_GET);
	char f[CHAN_MAX * 2 + 1];
	enum store_rc r = STORE_NOTFOUND;
	int64_t lim;
	int rc;

	if (st == NULL)
		return STORE_ERROR;
	memset(c, 0, sizeof(*c));
	bind_fold(st, 1, name, f, sizeof(f));
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r = STORE_OK;
		c->created = sqlite3_column_int64(st, 2);
		c->modes = (uint32_t)sqlite3_column_int64(st, 3);
		lim = sqlite3_column_int64(st, 5);
		c->limit = lim < 0 || lim > 1000000 ? 0 : (uint32_t)lim;
		c->topic_time = sqlite3_column_int64(st, 8);
		if (col_text(st, 0, c->name, sizeof(c->name)) == -1 ||
		    col_text(st, 1, c->founder, sizeof(c->founder)) == -1 ||
		    col_text(st, 4, c->key, sizeof(c->key)) == -1 ||
		    col_text(st, 6, c->topic, sizeof(c->topic)) == -1 ||
		    col_text(st, 7, c->topic_by, sizeof(c->topic_by)) == -1)
			r = STORE_ERROR;
	} else if (rc != SQLITE_DONE)
		r = STORE_ERROR;
	sqlite3_reset(st);
	return r;
}

static void
bind_chan_state(sqlite3_stmt *st, int i, const struct reg_chan *c)
{
	(void)sqlite3_bind_int64(st, i, c->modes);
	bind_text(st, i + 1, c->key);
	(void)sqlite3_bind_int64(st, i + 2, c->limit);
	bind_text(st, i + 3, c->topic);
	bind_text(st, i + 4, c->topic_by);
	(void)sqlite3_bind_int64(st, i + 5, c->topic_time);
}

enum store_rc
store_chan_register(struct store *s, const struct reg_chan *c)
{
	sqlite3_stmt *st = q(s, Q_CHAN_NEW);
	char f[CHAN_MAX * 2 + 1], g[ACCOUNT_MAX * 2 + 1];

	if (st == NULL)
		return STORE_ERROR;
	bind_fold(st, 1, c->name, f, sizeof(f));
	bind_text(st, 2, c->name);
	bind_fold(st, 3, c->founder, g, sizeof(g));
	(void)sqlite3_bind_int64(st, 4, c->created);
	bind_chan_state(st, 5, c);
	return change(s, st);
}

enum store_rc
store_chan_update(struct store *s, const struct reg_chan *c)
{
	sqlite3_stmt *st = q(s, Q_CHAN_UPD);
	char f[CHAN_MAX * 2 + 1];

	if (st == NULL)
		return STORE_ERROR;
	bind_fold(st, 1, c->name, f, sizeof(f));
	bind_chan_state(st, 2, c);
	return change(s, st);
}

enum store_rc
store_chan_drop(struct store *s, const char *name)
{
	return by_name(s, Q_CHAN_DROP, name);
}

int
store_chan_each(struct store *s, int (*fn)(const struct reg_chan *, void *),
    void *arg)
{
	sqlite3_stmt *st;
	struct reg_chan c;
	char name[CHAN_MAX + 1];
	char (*names)[CHAN_MAX + 1] = NULL, (*nn)[CHAN_MAX + 1];
	size_t n = 0, cap = 0, i;
	int rc = 0;

	/* names first: fn may use the store (the statement is shared) */
	if ((st = q(s, Q_CHAN_EACH)) == NULL)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (col_text(st, 0, name, sizeof(name)) == -1)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((nn = realloc(names, cap * sizeof(*names))) ==
			    NULL) {
				rc = -1;
				break;
			}
			names = nn;
		}
		memcpy(names[n++], name, sizeof(name));
	}
	sqlite3_reset(st);
	for (i = 0; i < n && rc == 0; i++)
		if (store_chan_get(s, names[i], &c) == STORE_OK)
			rc = fn(&c, arg);
	free(names);
	return rc;
}

enum store_rc
store_chan_access_set(struct store *s, const char *chan, const char *account,
    char level)
{
	sqlite3_stmt *st = q(s, level ? Q_ACC_SET : Q_ACC_DEL);
	char f[CHAN_MAX * 2 + 1], g[ACCOUNT_MAX * 2 + 1], l[2] = { level, 0 };

	if (st == NULL)
		return STORE_ERROR;
	bind_fold(st, 1, chan, f, sizeof(f));
	bind_fold(st, 2, account, g, sizeof(g));
	if (level)
		bind_text(st, 3, l);
	return change(s, st);
}

char
store_chan_access_get(struct store *s, const char *chan, const char *account)
{
	sqlite3_stmt *st = q(s, Q_ACC_GET);
	char f[CHAN_MAX * 2 + 1], g[ACCOUNT_MAX * 2 + 1], l[2];
	char level = 0;

	if (st == NULL)
		return 0;
	bind_fold(st, 1, chan, f, sizeof(f));
	bind_fold(st, 2, account, g, sizeof(g));
	if (sqlite3_step(st) == SQLITE_ROW && col_text(st, 0, l, sizeof(l)) ==
	    0 && (l[0] == 'o' || l[0] == 'v'))
		level = l[0];
	sqlite3_reset(st);
	return level;
}

int
store_chan_access_each(struct store *s, const char *chan,
    int (*fn)(const char *, char, void *), void *arg)
{
	sqlite3_stmt *st = q(s, Q_ACC_EACH);
	char f[CHAN_MAX * 2 + 1], acct[ACCOUNT_MAX + 1], l[2];
	int rc = 0;

	if (st == NULL)
		return -1;
	bind_fold(st, 1, chan, f, sizeof(f));
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW)
		if (col_text(st, 0, acct, sizeof(acct)) == 0 &&
		    col_text(st, 1, l, sizeof(l)) == 0)
			rc = fn(acct, l[0], arg);
	sqlite3_reset(st);
	return rc;
}

enum store_rc
store_chan_list_set(struct store *s, const char *chan, char kind,
    const char *mask, const char *by, int64_t at, int add)
{
	sqlite3_stmt *st = q(s, add ? Q_LIST_ADD : Q_LIST_DEL);
	char f[CHAN_MAX * 2 + 1], k[2] = { kind, 0 };

	if (st == NULL)
		return STORE_ERROR;
	bind_fold(st, 1, chan, f, sizeof(f));
	bind_text(st, 2, k);
	bind_text(st, 3, mask);
	if (add) {
		bind_text(st, 4, by);
		(void)sqlite3_bind_int64(st, 5, at);
	}
	return change(s, st);
}

int
store_chan_list_each(struct store *s, const char *chan,
    int (*fn)(char, const char *, const char *, int64_t, void *), void *arg)
{
	sqlite3_stmt *st = q(s, Q_LIST_EACH);
	char f[CHAN_MAX * 2 + 1], k[2], mask[MASK_MAX + 1];
	char by[PREFIX_MAX + 1];
	int rc = 0;

	if (st == NULL)
		return -1;
	bind_fold(st, 1, chan, f, sizeof(f));
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW)
		if (col_text(st, 0, k, sizeof(k)) == 0 && col_text(st, 1, mask,
		    sizeof(mask)) == 0 && col_text(st, 2, by, sizeof(by)) == 0)
			rc = fn(k[0], mask, by, sqlite3_column_int64(st, 3),
			    arg);
	sqlite3_reset(st);
	return rc;
}

enum store_rc
store_chan_save(struct store *s, const struct reg_chan *c,
    const struct reg_list *l, unsigned n)
{
	sqlite3_stmt *st;
	char f[CHAN_MAX * 2 + 1];
	enum store_rc rc;
	unsigned i;

	if (exec(s, "BEGIN IMMEDIATE", NULL, 0) == -1)
		return STORE_ERROR;
	if ((rc = store_chan_update(s, c)) != STORE_OK)
		goto out;
	if ((st = q(s, Q_LIST_CLEAR)) == NULL) {
		rc = STORE_ERROR;
		goto out;
	}
	bind_fold(st, 1, c->name, f, sizeof(f));
	if (change(s, st) == STORE_ERROR) {
		rc = STORE_ERROR;
		goto out;
	}
	for (i = 0; i < n; i++)
		if (store_chan_list_set(s, c->name, l[i].kind, l[i].mask,
		    l[i].by, l[i].at, 1) == STORE_ERROR) {
			rc = STORE_ERROR;
			goto out;
		}
out:
	if (rc == STORE_OK && exec(s, "COMMIT", NULL, 0) == 0)
		return STORE_OK;
	(void)exec(s, "ROLLBACK", NULL, 0);
	return rc == STORE_OK ? STORE_ERROR : rc;
}

enum store_rc
store_chan_set_founder(struct store *s, const char *chan, const char *account)
{
	sqlite3_stmt *st = q(s, Q_CHAN_FOUNDER);
	char f[CHAN_MAX * 2 + 1], g[ACCOUNT_MAX * 2 + 1];

	if (st == NULL)
		return STORE_ERROR;
	bind_fold(st, 1, chan, f, sizeof(f));
	bind_fold(st, 2, account, g, sizeof(g));
	return change(s, st);
}

/* --- history ------------------------------------------------------------- */

int
store_begin(struct store *s)
{
	sqlite3_stmt *st = q(s, Q_BEGIN);

	return st != NULL ? step_done(st) : -1;
}

int
store_commit(struct store *s)
{
	sqlite3_stmt *st = q(s, Q_COMMIT);

	if (st != NULL && step_done(st) == 0)
		return 0;
	(void)exec(s, "ROLLBACK", NULL, 0);
	return -1;
}

int
store_history_add(struct store *s, const struct hist_row *r)
{
	sqlite3_stmt *st;

	if (r->id > INT64_MAX || (st = q(s, Q_HIST_ADD)) == NULL)
		return -1;
	(void)sqlite3_bind_int64(st, 1, (sqlite3_int64)r->id);
	bind_text(st, 2, r->target);
	(void)sqlite3_bind_int64(st, 3, r->time_ms);
	(void)sqlite3_bind_int(st, 4, (int)r->kind);
	bind_text(st, 5, r->account);
	bind_text(st, 6, r->tags);
	bind_text(st, 7, r->line);
	return step_done(st);
}

int
store_history_find(struct store *s, const char *target, uint64_t id,
    struct hist_pos *at)
{
	sqlite3_stmt *st;
	int rc;

	if (id > INT64_MAX)
		return STORE_NOTFOUND;
	if ((st = q(s, Q_HIST_FIND)) == NULL)
		return -1;
	(void)sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
	bind_text(st, 2, target);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		at->time_ms = sqlite3_column_int64(st, 0);
		at->id = (int64_t)id;
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? STORE_NOTFOUND : -1;
}

int
store_history_latest(struct store *s, const char *target, int64_t from_ms,
    int64_t to_ms, int64_t *latest)
{
	sqlite3_stmt *st;
	int rc, found = 0;

	if ((st = q(s, Q_HIST_LATEST)) == NULL)
		return -1;
	bind_text(st, 1, target);
	(void)sqlite3_bind_int64(st, 2, from_ms);
	(void)sqlite3_bind_int64(st, 3, to_ms);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) == SQLITE_INTEGER) {
		*latest = sqlite3_column_int64(st, 0);
		found = 1;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return -1;
	return found ? 0 : STORE_NOTFOUND;
}

/* A text column as a string of the row, checked: NULL when absent or
 * not text without NULs. */
static const char *
col_str(sqlite3_stmt *st, int i, size_t max)
{
	const unsigned char *v = sqlite3_column_text(st, i);
	int n = sqlite3_column_bytes(st, i);

	if (v == NULL || n < 0 || (size_t)n > max || memchr(v, '\0',
	    (size_t)n) != NULL)
		return NULL;
	return (const char *)v;
}

/* Columns 0-5 of a history query (id, time_ms, kind, account, tags,
 * line) into row, checked as if from the network: -1 for a row keochatd
 * did not write (skipped). */
static int
hist_row_read(sqlite3_stmt *st, struct hist_row *row)
{
	sqlite3_int64 id = sqlite3_column_int64(st, 0);
	int kind = sqlite3_column_int(st, 2);

	row->account = col_str(st, 3, NICK_MAX);
	row->tags = col_str(st, 4, IRC_TAGS_MAX);
	row->line = col_str(st, 5, IRC_LINE_MAX);
	if (id <= 0 || kind <= 0 || kind >= 32 || row->account == NULL ||
	    row->tags == NULL || row->line == NULL || row->line[0] != ':')
		return -1;
	row->id = (uint64_t)id;
	row->time_ms = sqlite3_column_int64(st, 1);
	row->kind = (unsigned)kind;
	return 0;
}

/* Step st through its rows, each to fn (0 go on, else stop); target
 * from column 6 when that column holds it, else the caller's.  The rows
 * given, or -1 on an SQLite error. */
static int
hist_rows(sqlite3_stmt *st, const char *target, int target_col,
    int (*fn)(const struct hist_row *, void *), void *arg)
{
	struct hist_row row;
	int rc, n = 0;

	row.target = target;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (hist_row_read(st, &row) == -1 || (target_col &&
		    (row.target = col_str(st, 6, CHAN_MAX * 4 + 8)) == NULL))
			continue;	/* not a row keochatd wrote: skip */
		n++;
		if (fn(&row, arg) != 0)
			break;
	}
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? n : -1;
}

int
store_history_range(struct store *s, const struct hist_range *r,
    int (*fn)(const struct hist_row *, void *), void *arg)
{
	/* four shapes, by which ends are bounded, each in two orders (the
	 * newest first when the limit counts from the top: the caller
	 * reverses), each for messages only (history_msgs, which skips the
	 * events) or for any kinds.  Each is prepared once: a join's replay
	 * asks every time, and preparing cost more than the query. */
	const uint32_t msgs = 1u << 1 | 1u << 2 | 1u << 3;	/* PRIVMSG,
						 * NOTICE, TAGMSG (frame.h) */
	unsigned only = (r->kinds & ~msgs) == 0;
	unsigned shape = (r->lo != NULL) | (r->hi != NULL) << 1 |
	    (r->newest != 0) << 2 | only << 3;
	char sql_text[512] = "";
	sqlite3_stmt *st;
	int n, i = 1;

	if (s->range[shape] == NULL)	/* the text only to prepare it */
		snprintf(sql_text, sizeof(sql_text), "SELECT id, time_ms, "
		    "kind, account, tags, line FROM history%s WHERE target = ?1 "
		    "AND ((?2 >> kind) & 1) = 1%s%s%s ORDER BY time_ms %s, id %s "
		    "LIMIT ?7", only ? " INDEXED BY history_msgs" : "",
		    only ? " AND kind IN (" HIST_MSG_KINDS ")" : "",
		    r->lo != NULL ? " AND (time_ms, id) > (?3, ?4)" : "",
		    r->hi != NULL ? " AND (time_ms, id) < (?5, ?6)" : "",
		    r->newest ? "DESC" : "ASC", r->newest ? "DESC" : "ASC");
	if ((st = cached(s, &s->range[shape], sql_text)) == NULL)
		return -1;
	bind_text(st, i++, r->target);
	(void)sqlite3_bind_int64(st, i++, r->kinds);
	if (r->lo != NULL) {
		(void)sqlite3_bind_int64(st, 3, r->lo->time_ms);
		(void)sqlite3_bind_int64(st, 4, r->lo->id);
	}
	if (r->hi != NULL) {
		(void)sqlite3_bind_int64(st, 5, r->hi->time_ms);
		(void)sqlite3_bind_int64(st, 6, r->hi->id);
	}
	(void)sqlite3_bind_int(st, 7, (int)r->limit);
	n = hist_rows(st, r->target, 0, fn, arg);
	sqlite3_reset(st);	/* ends the read: WAL may be checkpointed */
	return n;
}

/* Drop at most batch of target's oldest rows before *below: the number
 * dropped, or -1. */
static int
drop_below(struct store *s, const char *target, const struct hist_pos *below,
    unsigned batch)
{
	sqlite3_stmt *st;
	struct hist_pos last;
	int rc, n = 0, i;

	if ((st = q(s, Q_HIST_OLDEST)) == NULL)
		return -1;
	bind_text(st, 1, target);
	(void)sqlite3_bind_int64(st, 2, below->time_ms);
	(void)sqlite3_bind_int64(st, 3, below->id);
	(void)sqlite3_bind_int(st, 4, (int)batch);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		last.time_ms = sqlite3_column_int64(st, 0);
		last.id = sqlite3_column_int64(st, 1);
		n++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return -1;
	if (n == 0)
		return 0;
	if (exec(s, "BEGIN IMMEDIATE", NULL, 0) == -1)
		return -1;
	for (i = 0; i < 2; i++) {
		if ((st = q(s, i == 0 ? Q_FTS_DROP_RANGE : Q_HIST_DROP)) ==
		    NULL)
			goto fail;
		bind_text(st, 1, target);
		(void)sqlite3_bind_int64(st, 2, last.time_ms);
		(void)sqlite3_bind_int64(st, 3, last.id);
		if (step_done(st) == -1)
			goto fail;
	}
	n = sqlite3_changes(s->db);
	if (exec(s, "COMMIT", NULL, 0) == -1)
		goto fail;
	return n;
fail:
	(void)exec(s, "ROLLBACK", NULL, 0);
	return -1;
}

/* A room's own limit against the server's (0: none): the tighter. */
static unsigned
tighter(int own, unsigned server)
{
	if (own < 0)
		return server;
	if (own == 0)
		return server;
	return server == 0 || (unsigned)own < server ? (unsigned)own : server;
}

int
store_history_prune(struct store *s, int64_t now_ms, unsigned max_days,
    unsigned max_lines, unsigned batch, char *cursor, size_t cursorsz)
{
	sqlite3_stmt *st;
	struct hist_pos below = { 0, 0 }, keep;
	int bounded = 0, own_days = -1, own_lines = -1;
	int64_t before_ms = 0;
	const char *t;
	int rc, n, dropped = 0;

	/* one target per step, the cursor walking them all in turn */
	if ((st = q(s, Q_HIST_NEXT)) == NULL)
		return -1;
	bind_text(st, 1, cursor);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && (t = col_str(st, 0, CHAN_MAX * 4)) != NULL)
		snprintf(cursor, cursorsz, "%s", t);
	else
		cursor[0] = '\0';	/* the end: from the start next time */
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -1;
	if (cursor[0] == '\0')
		return 0;
	/* a registered room may keep less (ChanServ SET HISTORY) */
	if ((cursor[0] == '#' || cursor[0] == '&') && (st = q(s,
	    Q_CHAN_HIST_GET)) != NULL) {
		bind_text(st, 1, cursor);
		if (sqlite3_step(st) == SQLITE_ROW) {
			own_days = sqlite3_column_int(st, 0);
			own_lines = sqlite3_column_int(st, 1);
		}
		sqlite3_reset(st);
	}
	max_days = tighter(own_days, max_days);
	max_lines = tighter(own_lines, max_lines);
	if (max_days > 0)
		before_ms = now_ms - (int64_t)max_days * 86400 * 1000;
	if (before_ms > 0) {
		below.time_ms = before_ms;	/* (ms, 0): that ms stays */
		bounded = 1;
	}
	if (max_lines > 0) {
		if ((st = q(s, Q_HIST_KEEP)) == NULL)
			return -1;
		bind_text(st, 1, cursor);
		(void)sqlite3_bind_int(st, 2, (int)max_lines);
		if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			keep.time_ms = sqlite3_column_int64(st, 0);
			keep.id = sqlite3_column_int64(st, 1);
			/* whichever limit cuts deeper */
			if (!bounded || keep.time_ms > below.time_ms ||
			    (keep.time_ms == below.time_ms && keep.id >
			    below.id))
				below = keep;
			bounded = 1;
		}
		sqlite3_reset(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return -1;
	}
	if (!bounded)
		return 0;		/* no limit applies */
	if ((n = drop_below(s, cursor, &below, batch)) == -1)
		return -1;
	dropped += n;
	return dropped;
}

/* --- read markers ------------------------------------------------------------ */

int
store_marker_get(struct store *s, const char *account, const char *target,
    int64_t *ms)
{
	char fa[ACCOUNT_MAX * 2 + 1], ft[CHAN_MAX * 4 + 1];
	sqlite3_stmt *st;
	int rc;

	if ((st = q(s, Q_MARK_GET)) == NULL)
		return -1;
	bind_fold(st, 1, account, fa, sizeof(fa));
	bind_fold(st, 2, target, ft, sizeof(ft));
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*ms = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? STORE_NOTFOUND : -1;
}

int
store_marker_set(struct store *s, const char *account, const char *target,
    int64_t ms, int64_t *now)
{
	char fa[ACCOUNT_MAX * 2 + 1], ft[CHAN_MAX * 4 + 1];
	sqlite3_stmt *st;

	if ((st = q(s, Q_MARK_SET)) == NULL)
		return -1;
	bind_fold(st, 1, account, fa, sizeof(fa));
	bind_fold(st, 2, target, ft, sizeof(ft));
	(void)sqlite3_bind_int64(st, 3, ms);
	if (step_done(st) == -1)
		return -1;
	return store_marker_get(s, account, target, now) == 0 ? 0 : -1;
}

/* --- messages that wait ------------------------------------------------------- */

int
store_waiting_add(struct store *s, const char *account, const char *peer,
    int64_t time_ms, uint64_t id)
{
	sqlite3_stmt *st;

	if (id > INT64_MAX || (st = q(s, Q_WAIT_ADD)) == NULL)
		return -1;
	bind_text(st, 1, account);
	(void)sqlite3_bind_int64(st, 2, time_ms);
	(void)sqlite3_bind_int64(st, 3, (sqlite3_int64)id);
	bind_text(st, 4, peer);
	return step_done(st);
}

int
store_waiting_each(struct store *s, const char *account, unsigned limit,
    int (*fn)(const struct hist_row *, void *), void *arg)
{
	char f[ACCOUNT_MAX * 2 + 1];
	sqlite3_stmt *st;
	int n;

	if ((st = q(s, Q_WAIT_EACH)) == NULL)
		return -1;
	bind_fold(st, 1, account, f, sizeof(f));
	(void)sqlite3_bind_int(st, 2, (int)limit);
	n = hist_rows(st, "", 0, fn, arg);
	sqlite3_reset(st);
	return n;
}

int
store_waiting_clear(struct store *s, const char *account, int64_t time_ms,
    uint64_t id)
{
	char f[ACCOUNT_MAX * 2 + 1];
	sqlite3_stmt *st;

	if (id > INT64_MAX || (st = q(s, Q_WAIT_CLEAR)) == NULL)
		return -1;
	bind_fold(st, 1, account, f, sizeof(f));
	(void)sqlite3_bind_int64(st, 2, time_ms);
	(void)sqlite3_bind_int64(st, 3, (sqlite3_int64)id);
	return step_done(st);
}

int
store_history_peers(struct store *s, const char *account, int64_t from_ms,
    int64_t to_ms, unsigned limit,
    int (*fn)(const char *peer, int64_t latest, void *), void *arg)
{
	char f[ACCOUNT_MAX * 2 + 1];
	sqlite3_stmt *st;
	const char *peer;
	int rc, n = 0;

	if ((st = q(s, Q_HIST_PEERS)) == NULL)
		return -1;
	bind_fold(st, 1, account, f, sizeof(f));
	(void)sqlite3_bind_int64(st, 2, from_ms);
	(void)sqlite3_bind_int64(st, 3, to_ms);
	(void)sqlite3_bind_int(st, 4, (int)limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((peer = col_str(st, 0, NICK_MAX * 2)) == NULL ||
		    peer[0] == '\0')
			continue;
		n++;
		if (fn(peer, sqlite3_column_int64(st, 1), arg) != 0)
			break;
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? n : -1;
}

/* --- the search index ---------------------------------------------------------- */

int
store_search_index(struct store *s, unsigned batch)
{
	sqlite3_stmt *st;
	int n;

	if (exec(s, "BEGIN IMMEDIATE", NULL, 0) == -1)
		return -1;
	if ((st = q(s, Q_FTS_STEP)) == NULL)
		goto fail;
	(void)sqlite3_bind_int(st, 1, (int)batch);
	if (step_done(st) == -1)
		goto fail;
	n = sqlite3_changes(s->db);
	if ((st = q(s, Q_FTS_MARK)) == NULL)
		goto fail;
	(void)sqlite3_bind_int(st, 1, (int)batch);
	if (step_done(st) == -1 || exec(s, "COMMIT", NULL, 0) == -1)
		goto fail;
	return n;
fail:
	(void)exec(s, "ROLLBACK", NULL, 0);
	return -1;
}

/* The words of text as an FTS5 query that cannot be a syntax error: each
 * word a quoted string (quotes doubled), all of them required. */
static int
fts_query(const char *text, char *out, size_t outsz)
{
	size_t n = 0, words = 0;
	const char *p = text;

	while (*p != '\0') {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		if (n + 3 >= outsz)
			return -1;
		if (words++ > 0)
			out[n++] = ' ';
		out[n++] = '"';
		for (; *p != '\0' && *p != ' ' && *p != '\t'; p++) {
			if (n + 3 >= outsz)
				return -1;
			if (*p == '"')
				out[n++] = '"';
			out[n++] = *p;
		}
		out[n++] = '"';
	}
	out[n] = '\0';
	return words > 0 ? 0 : -1;
}

int
store_search(struct store *s, const struct search_query *sq,
    int (*fn)(const struct hist_row *, void *), void *arg)
{
	char sql_text[2048], fq[1024], from[NICK_MAX * 2 + 8];
	sqlite3_stmt *st;
	size_t n = 0, i;
	int count, k;

	if (sq->ntargets == 0 && sq->own_prefix == NULL)
		return 0;
	if (sq->text != NULL && fts_query(sq->text, fq, sizeof(fq)) == -1)
		return -2;
#define SQL(...)	do {						\
		k = snprintf(sql_text + n, sizeof(sql_text) - n, __VA_ARGS__); \
		if (k < 0 || (size_t)k >= sizeof(sql_text) - n)		\
			return -1;					\
		n += (size_t)k;						\
	} while (0)
	SQL("SELECT h.id, h.time_ms, h.kind, h.account, h.tags, h.line, "
	    "h.target FROM %shistory h WHERE h.kind IN (1, 2)",
	    /* the matches first, then their rows: never the other way */
	    sq->text != NULL ? "history_fts f CROSS JOIN " : "");
	if (sq->text != NULL)
		SQL(" AND h.id = f.rowid AND history_fts MATCH ?1");
	SQL(" AND (h.target IN (");
	for (i = 0; i < sq->ntargets; i++)
		SQL("%s?%zu", i ? ", " : "", 10 + i);
	SQL(")");
	if (sq->own_prefix != NULL)
		SQL(" OR (h.target >= ?2 || ' ' AND h.target < ?2 || '!')");
	SQL(")");
	if (sq->after_ms > 0)
		SQL(" AND h.time_ms >= ?3");
	if (sq->before_ms > 0)
		SQL(" AND h.time_ms <= ?4");
	if (sq->from != NULL)
		SQL(" AND (h.account = ?5 COLLATE NOCASE OR substr(h.line, 2, "
		    "length(?5) + 1) = ?5 || '!' COLLATE NOCASE)");
	/* the newest that match, shown oldest first by the caller */
	SQL(" ORDER BY h.time_ms DESC, h.id DESC LIMIT ?6");
#undef SQL
	if (sqlite3_prepare_v2(s->db, sql_text, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sq->text != NULL)
		(void)sqlite3_bind_text(st, 1, fq, -1, SQLITE_TRANSIENT);
	if (sq->own_prefix != NULL)
		bind_text(st, 2, sq->own_prefix);
	if (sq->after_ms > 0)
		(void)sqlite3_bind_int64(st, 3, sq->after_ms);
	if (sq->before_ms > 0)
		(void)sqlite3_bind_int64(st, 4, sq->before_ms);
	if (sq->from != NULL) {
		snprintf(from, sizeof(from), "%s", sq->from);
		(void)sqlite3_bind_text(st, 5, from, -1, SQLITE_TRANSIENT);
	}
	(void)sqlite3_bind_int(st, 6, (int)sq->limit);
	for (i = 0; i < sq->ntargets; i++)
		bind_text(st, (int)(10 + i), sq->targets[i]);
	count = hist_rows(st, NULL, 1, fn, arg);
	sqlite3_finalize(st);
	return count;
}

enum store_rc
store_chan_history(struct store *s, const char *chan, int *days, int *lines,
    int set)
{
	char f[CHAN_MAX * 4 + 1];
	sqlite3_stmt *st;
	int rc;

	if ((st = q(s, set ? Q_CHAN_HIST_SET : Q_CHAN_HIST_GET)) == NULL)
		return STORE_ERROR;
	bind_fold(st, 1, chan, f, sizeof(f));
	if (set) {
		(void)sqlite3_bind_int(st, 2, *days);
		(void)sqlite3_bind_int(st, 3, *lines);
		return change(s, st);
	}
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*days = sqlite3_column_int(st, 0);
		*lines = sqlite3_column_int(st, 1);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? STORE_OK : rc == SQLITE_DONE ?
	    STORE_NOTFOUND : STORE_ERROR;
}
