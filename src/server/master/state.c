/*
 * state.c -- what the master prepares before it binds anything: the state
 * directory and the TLS certificate (made on first start when none is
 * configured).  --configtest runs the same checks and says what it found.
 */
#include <sys/stat.h>

#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "ctx.h"
#include "log.h"
#include "master.h"
#include "roster.h"
#include "store.h"
#include "tlsfile.h"
#include "valid.h"

static FILE *say_to;

static void say(int warn, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* To stderr for --configtest, else to the log. */
static void
say(int warn, const char *fmt, ...)
{
	char buf[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (say_to != NULL)
		fprintf(say_to, "keochatd: %s\n", buf);
	else if (warn)
		log_warnx("%s", buf);
	else
		log_info("%s", buf);
}

/* Started as root with 'user' set: what we make belongs to that user. */
static int
give_to_user(const char *path, char *err, size_t errsz)
{
	struct passwd *pw;

	if (geteuid() != 0 || kd.cfg.user[0] == '\0')
		return 0;
	if ((pw = getpwnam(kd.cfg.user)) == NULL) {
		snprintf(err, errsz, "user %s: no such user", kd.cfg.user);
		return -1;
	}
	if (chown(path, pw->pw_uid, pw->pw_gid) == -1) {
		snprintf(err, errsz, "chown %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int
tls_wanted(void)
{
	unsigned i;

	for (i = 0; i < (unsigned)kd.nlisten; i++)
		if (kd.listen_tls[i])
			return 1;
	return kd.nlisten == 0 && kd.cfg.ntls_listen > 0;
}

int
state_tls_check(int test, char *err, size_t errsz)
{
	char cert[CONF_FILE_MAX + 32], key[CONF_FILE_MAX + 32];
	SSL_CTX *ctx;
	int made = 0;

	tlsfile_paths(&kd.cfg, kd.state_dir, cert, key);
	if (kd.cfg.tls_cert[0] == '\0') {
		if (test && access(cert, F_OK) == -1) {
			say(0, "no tls-cert: a self-signed certificate will be "
			    "made at %s on start", cert);
			return 0;
		}
		if ((made = tlsfile_selfsigned(cert, key, kd.cfg.server_name,
		    err, errsz)) == -1)
			return -1;
		if (made && (give_to_user(cert, err, errsz) == -1 ||
		    give_to_user(key, err, errsz) == -1))
			return -1;
	}
	if ((ctx = tlsfile_server_ctx(&kd.cfg, cert, key, kd.tls_fp, err,
	    errsz)) == NULL)
		return -1;
	SSL_CTX_free(ctx);
	if (made)
		say(0, "made a self-signed TLS certificate %s (SHA-256 "
		    "fingerprint %s); set tls-cert to use your own", cert,
		    kd.tls_fp);
	else
		say(0, "TLS certificate %s (SHA-256 fingerprint %s)", cert,
		    kd.tls_fp);
	return 0;
}

/* The store: made and migrated at start; --configtest only checks it. */
static int
store_ready(int test, char *err, size_t errsz)
{
	char path[CONF_FILE_MAX + 32], why[512];
	struct store *s;
	int v;

	snprintf(path, sizeof(path), "%s/%s", kd.state_dir, STORE_FILE);
	if (test && access(path, F_OK) == -1) {
		say(0, "store %s will be made on start", path);
		return 0;
	}
	if ((s = store_open(kd.state_dir, !test, test, err, errsz)) == NULL)
		return -1;
	v = test ? store_check(s, why, sizeof(why)) :
	    store_prepare(s, why, sizeof(why));
	store_close(s);
	if (v < 0) {
		snprintf(err, errsz, "store %s: %s", path, why);
		return -1;
	}
	if (!test && give_to_user(path, err, errsz) == -1)
		return -1;
	say(0, "store %s (schema version %d)", path, test ? v : STORE_VERSION);
	return 0;
}

/* Cluster mode: this build has it, and the files it names can be read
 * (the password itself is read by the relay and never logged). */
static int
backbone_check(int test, char *err, size_t errsz)
{
	char urls[CONF_BACKBONE_URLS][CONF_ADDR_MAX + 16];
	const char *files[2] = { kd.cfg.backbone_password_file,
	    kd.cfg.backbone_tls_ca };
	int n, i;

	if ((n = config_backbone_urls(kd.cfg.backbone, urls,
	    CONF_BACKBONE_URLS)) <= 0)
		return 0;
#ifndef HAVE_NATS
	snprintf(err, errsz, "backbone = %s: this keochatd was built without "
	    "cluster mode (libnats-dev was missing at configure time)",
	    kd.cfg.backbone);
	return -1;
#endif
	for (i = 0; i < 2; i++)
		if (files[i][0] != '\0' && access(files[i], R_OK) == -1) {
			snprintf(err, errsz, "%s %s: %s", i == 0 ?
			    "backbone-password-file" : "backbone-tls-ca",
			    files[i], strerror(errno));
			return -1;
		}
	if (test)
		say(0, "backbone: cluster mode over %d NATS server%s, node %s",
		    n, n == 1 ? "" : "s", kd.cfg.node_name[0] != '\0' ?
		    kd.cfg.node_name : "(the host name)");
	return 0;
}

int
state_prepare(int test, char *err, size_t errsz)
{
	char note[CONF_FILE_MAX * 2 + 128];

	say_to = test ? stderr : NULL;
	if (!test && RAND_bytes(kd.ticket_keys, sizeof(kd.ticket_keys)) != 1) {
		snprintf(err, errsz, "no random bytes for TLS session tickets");
		return -1;
	}
	if (ctx_state_dir(&kd.cfg, !test, kd.state_dir, sizeof(kd.state_dir),
	    note, sizeof(note), err, errsz) == -1)
		return -1;
	if (note[0] != '\0')
		say(1, "%s", note);
	else if (test)
		say(0, "state-dir %s is usable", kd.state_dir);
	if (!test && give_to_user(kd.state_dir, err, errsz) == -1)
		return -1;
	if (store_ready(test, err, errsz) == -1)
		return -1;
	if (backbone_check(test, err, errsz) == -1)
		return -1;
	if ((test ? kd.cfg.ntls_listen > 0 : tls_wanted()) &&
	    state_tls_check(test, err, errsz) == -1)
		return -1;
	return 0;
}

/* --- registered channels, into the roster before any child runs ------------ */

struct restore {
	struct store	*st;
	unsigned	 n, lists, failed;
	int32_t		 chan;
};

static int
restore_list(char kind, const char *mask, const char *by, int64_t at,
    void *arg)
{
	struct restore *x = arg;

	if (roster_list_add(kd.roster, x->chan, kind, mask, by, at) == ROSTER_OK)
		x->lists++;
	return 0;
}

static int
restore_chan(const struct reg_chan *c, void *arg)
{
	struct restore *x = arg;

	/* the store is read as hostile: names and keys are checked again */
	if (chan_check(c->name) != NAME_OK || (x->chan = roster_chan_restore(
	    kd.roster, c->name, c->created, c->modes, c->key, c->limit,
	    c->topic, c->topic_by, c->topic_time)) < 0) {
		x->failed++;
		return 0;
	}
	x->n++;
	(void)store_chan_list_each(x->st, c->name, restore_list, x);
	return 0;
}

void
state_restore_channels(void)
{
	struct restore x;
	char err[768];

	memset(&x, 0, sizeof(x));
	if ((x.st = store_open(kd.state_dir, 0, 1, err, sizeof(err))) == NULL) {
		log_warnx("%s: registered channels not restored", err);
		return;
	}
	(void)store_chan_each(x.st, restore_chan, &x);
	store_close(x.st);
	if (x.n > 0 || x.failed > 0)
		log_info("restored %u registered channel%s (%u list entries)%s",
		    x.n, x.n == 1 ? "" : "s", x.lists, x.failed ? "; some did "
		    "not fit or had a bad name" : "");
}

/* --- history retention -------------------------------------------------------- */

#define PRUNE_BATCH	500		/* rows per step */
#define PRUNE_STEPS	64		/* steps per second, at most */
#define PRUNE_BUDGET_MS	10		/* and no longer than this */
#define INDEX_BATCH	2000		/* lines per search index step (~5 ms
					 * of the write lock: big steps index
					 * a line for a third of small ones) */
#define INDEX_STEPS	50		/* steps per second, at most */
#define INDEX_BUDGET_MS	40		/* and no longer than this */

static struct {
	struct store	*st;
	char		 cursor[CHAN_MAX * 4 + 1];
	int		 failed;
} P;

/* Once a second: the search index of the lines kept since, then a few
 * small steps of retention (history-max-days, history-max-lines), each a
 * short transaction of its own, so the relay, which writes the history,
 * waits for none of them for long. */
void
state_prune_history(void *arg)
{
	char err[768];
	int64_t start = kd.now_ms;
	unsigned i;
	int n;

	(void)arg;
	if (!kd.cfg.history || kd.state_dir[0] == '\0')
		return;
	if (P.st == NULL && (P.st = store_open(kd.state_dir, 0, 0, err,
	    sizeof(err))) == NULL) {
		if (!P.failed++)
			log_warnx("history retention and search index: %s",
			    err);
		return;
	}
	/* the search index first: the lines kept since the last second, in
	 * small steps (each holds the write lock for a moment) */
	for (i = 0; i < INDEX_STEPS; i++) {
		if ((n = store_search_index(P.st, INDEX_BATCH)) < 0) {
			if (!P.failed++)
				log_warnx("search index: %s",
				    store_errmsg(P.st));
			break;
		}
		ctx_clock(NULL);
		if ((unsigned)n < INDEX_BATCH || kd.now_ms - start >=
		    INDEX_BUDGET_MS)
			break;
	}
	start = kd.now_ms;
	for (i = 0; i < PRUNE_STEPS; i++) {
		n = store_history_prune(P.st, kd.now_real_ms,
		    kd.cfg.history_max_days, kd.cfg.history_max_lines,
		    PRUNE_BATCH, P.cursor, sizeof(P.cursor));
		if (n < 0) {
			if (!P.failed++)
				log_warnx("history retention: %s",
				    store_errmsg(P.st));
			return;
		}
		P.failed = 0;
		if (n > 0)
			log_debug("history retention: %d lines of %s dropped",
			    n, P.cursor);
		ctx_clock(NULL);
		if (P.cursor[0] == '\0' || kd.now_ms - start >= PRUNE_BUDGET_MS)
			return;		/* a whole round, or enough for now */
	}
}

/* Open the master's connection now, so that its descriptors are there
 * from the start (a respawned child inherits them and never touches
 * them; SQLite's locks are the master's own). */
void
state_open_history(void)
{
	char err[768];

	if (!kd.cfg.history || kd.state_dir[0] == '\0' || P.st != NULL)
		return;
	if ((P.st = store_open(kd.state_dir, 0, 0, err, sizeof(err))) == NULL &&
	    !P.failed++)
		log_warnx("history retention and search index: %s", err);
}

void
state_close_history(void)
{
	store_close(P.st);
	P.st = NULL;
}
