/*
 * cmd_account.c -- logging in and owning a nick: AUTHENTICATE (SASL PLAIN,
 * SCRAM-SHA-256, EXTERNAL), REGISTER and VERIFY (draft/account-
 * registration), PASS account:password, and NickServ for the clients that
 * only know /msg NickServ.
 *
 * Password checks, hashing and store writes run on the job thread: a
 * client that logs in waits (its registration too), nobody else does.
 * Every failed login is counted per address and per account in the store
 * (so all workers share the count) and logged in one line fail2ban can
 * match:  "login failed for account NAME from ADDRESS: REASON".
 * Passwords are never logged and are zeroed once used.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "account.h"
#include "cmd.h"
#include "cmd_account.h"
#include "ctx.h"
#include "deliver.h"
#include "ev.h"
#include "jobs.h"
#include "log.h"
#include "numerics.h"
#include "pwhash.h"
#include "roster.h"
#include "scram.h"
#include "session.h"
#include "store.h"
#include "tls.h"
#include "tlsfile.h"
#include "valid.h"

#define PASSWORD_MIN	8
#define PASSWORD_MAX	300		/* fits a NickServ line */
#define SASL_CHUNK	400
#define SASL_B64_MAX	2048		/* a whole AUTHENTICATE payload */
#define SASL_TIMEOUT_MS	30000

extern char **environ;

/* --- SASL state ------------------------------------------------------------ */

enum sasl_mech { MECH_PLAIN = 1, MECH_SCRAM, MECH_EXTERNAL };
enum sasl_step { S_DATA, S_SCRAM_FINAL, S_SCRAM_DONE, S_BUSY };

struct sasl {
	size_t		 size;		/* first: account_forget zeroes it */
	enum sasl_mech	 mech;
	enum sasl_step	 step;
	int64_t		 started_ms;
	size_t		 len;
	char		 buf[SASL_B64_MAX + 1];	/* base64 so far */
	struct scram	 scram;
	uint8_t		 stored[SCRAM_KEYLEN], server[SCRAM_KEYLEN];
	int		 known;		/* the account exists with SCRAM keys */
	char		 account[ACCOUNT_MAX + 1];
};

static const struct {
	const char	*name;
	enum sasl_mech	 mech;
} mechs[] = {
	{ "PLAIN", MECH_PLAIN },
	{ "SCRAM-SHA-256", MECH_SCRAM },
	{ "EXTERNAL", MECH_EXTERNAL },
};

static int
mech_offered(enum sasl_mech m)
{
	/* SCRAM needs keys kept here: not with PAM or a site's checker */
	return m != MECH_SCRAM || kd.cfg.auth == CONF_AUTH_INTERNAL;
}

const char *
account_sasl_mechs(char *buf, size_t bufsz)
{
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++)
		if (mech_offered(mechs[i].mech) && n < bufsz)
			n += (size_t)snprintf(buf + n, bufsz - n, "%s%s",
			    n ? "," : "", mechs[i].name);
	return buf;
}

static void
sasl_end(struct client *c)
{
	if (c->sasl == NULL)
		return;
	explicit_bzero(c->sasl, sizeof(*c->sasl));
	free(c->sasl);
	c->sasl = NULL;
	c->flags &= ~(uint32_t)CF_AUTH_WAIT;
	session_try_register(c);
}

static void
sasl_fail(struct client *c, const char *why)
{
	reply(c, ERR_SASLFAIL, ":SASL authentication failed%s%s",
	    why ? ": " : "", why ? why : "");
	sasl_end(c);
}

/* base64 of data to the client, in 400-byte AUTHENTICATE lines. */
static void
sasl_send(struct client *c, const char *data, size_t n)
{
	char b64[SASL_B64_MAX + 4];
	size_t len, off;

	if (n == 0) {
		client_sendf(c, "AUTHENTICATE +");
		return;
	}
	len = scram_b64_encode((const uint8_t *)data, n, b64, sizeof(b64));
	for (off = 0; off < len; off += SASL_CHUNK)
		client_sendf(c, "AUTHENTICATE %.*s", (int)(len - off <
		    SASL_CHUNK ? len - off : SASL_CHUNK), b64 + off);
	if (len % SASL_CHUNK == 0)
		client_sendf(c, "AUTHENTICATE +");
}

/* --- the login job ---------------------------------------------------------- */

enum login_kind { L_SASL, L_NICKSERV, L_PASS, L_GHOST, L_RECOVER, L_DROP };
enum login_result { LR_OK, LR_BAD, LR_LIMITED, LR_UNVERIFIED, LR_ERROR };

struct login {
	struct job	 j;		/* first: freed as one */
	enum login_kind	 kind;
	char		 account[ACCOUNT_MAX + 1];
	char		 password[PASSWORD_MAX + 1];
	char		 ip[HOST_MAX + 1];
	char		 target[NICK_MAX + 1];	/* GHOST, RECOVER */
	/* the configuration when it was asked (the thread reads no kd) */
	int		 backend;
	char		 command[CONF_FILE_MAX];
	char		 pam_service[64], pam_confdir[CONF_FILE_MAX];
	unsigned	 timeout, fail_max, fail_window;
	int64_t		 now;
	/* the answer */
	enum login_result result;
	char		 name[ACCOUNT_MAX + 1];	/* as registered */
	char		 why[CONF_FILE_MAX + 128];
};

/* A yescrypt hash of nothing in particular: an unknown account costs the
 * same time as a wrong password. */
static const char dummy_hash[] =
    "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd"
    ".sc3aD";

/* Make sure a PAM or auth-command account has its row (nick ownership,
 * channels), without a password of ours. */
static void
ensure_row(struct store *st, struct login *l)
{
	struct account a;

	if (store_account_get(st, l->account, &a) == STORE_OK) {
		snprintf(l->name, sizeof(l->name), "%s", a.name);
		explicit_bzero(&a, sizeof(a));
		return;
	}
	memset(&a, 0, sizeof(a));
	snprintf(a.name, sizeof(a.name), "%s", l->account);
	a.created = l->now;
	a.verified = 1;
	if (store_account_create(st, &a) == STORE_ERROR)
		snprintf(l->why, sizeof(l->why), "store: %s",
		    store_errmsg(st));
	snprintf(l->name, sizeof(l->name), "%s", l->account);
}

/* auth-command: the account and the password on its stdin, one line
 * each; exit status 0 accepts, 1 refuses, anything else (or taking longer
 * than auth-timeout) is an error. */
static enum login_result
run_command(struct login *l)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, all;
	char *argv[2] = { l->command, NULL };
	char input[ACCOUNT_MAX + PASSWORD_MAX + 4];
	struct pollfd pfd;
	int in[2], status, n, left;
	int64_t deadline;
	pid_t pid;
	struct timespec ts;

	if (pipe2(in, O_CLOEXEC) == -1) {
		snprintf(l->why, sizeof(l->why), "auth-command: pipe: %s",
		    strerror(errno));
		return LR_ERROR;
	}
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawnattr_init(&at);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &all);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK |
	    POSIX_SPAWN_SETSIGDEF);
	n = posix_spawn(&pid, l->command, &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	(void)close(in[0]);
	if (n != 0) {
		(void)close(in[1]);
		snprintf(l->why, sizeof(l->why), "auth-command %s: %s",
		    l->command, strerror(n));
		return LR_ERROR;
	}
	n = snprintf(input, sizeof(input), "%s\n%s\n", l->account,
	    l->password);
	if (n > 0 && write(in[1], input, (size_t)n) != n)
		log_debug("auth-command: short write");
	explicit_bzero(input, sizeof(input));
	(void)close(in[1]);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	deadline = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 +
	    (int64_t)l->timeout * 1000;
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if (w == -1 && errno != EINTR) {
			snprintf(l->why, sizeof(l->why), "auth-command: "
			    "waitpid: %s", strerror(errno));
			return LR_ERROR;
		}
		clock_gettime(CLOCK_MONOTONIC, &ts);
		left = (int)(deadline - ((int64_t)ts.tv_sec * 1000 +
		    ts.tv_nsec / 1000000));
		if (left <= 0) {
			(void)kill(pid, SIGKILL);
			(void)waitpid(pid, &status, 0);
			snprintf(l->why, sizeof(l->why), "auth-command took "
			    "longer than %u s", l->timeout);
			return LR_ERROR;
		}
		memset(&pfd, 0, sizeof(pfd));
		pfd.fd = -1;
		(void)poll(&pfd, 0, left < 20 ? left : 20);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return LR_OK;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 1)
		return LR_BAD;
	snprintf(l->why, sizeof(l->why), "auth-command %s", WIFEXITED(status)
	    ? "exited with an unexpected status" : "was killed by a signal");
	return LR_ERROR;
}

#ifdef HAVE_PAM
#include <security/pam_appl.h>

static int
pam_conv_fn(int n, const struct pam_message **msg, struct pam_response **resp,
    void *arg)
{
	struct pam_response *r;
	int i;

	if (n <= 0 || n > PAM_MAX_NUM_MSG || (r = calloc((size_t)n,
	    sizeof(*r))) == NULL)
		return PAM_CONV_ERR;
	for (i = 0; i < n; i++)
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF &&
		    (r[i].resp = strdup(arg)) == NULL) {
			while (i-- > 0)
				free(r[i].resp);
			free(r);
			return PAM_CONV_ERR;
		}
	*resp = r;
	return PAM_SUCCESS;
}

static enum login_result
run_pam(struct login *l)
{
	struct pam_conv conv = { pam_conv_fn, l->password };
	pam_handle_t *ph = NULL;
	int rc;

	if ((rc = pam_start_confdir(l->pam_service, l->account, &conv,
	    l->pam_confdir[0] ? l->pam_confdir : NULL, &ph)) != PAM_SUCCESS) {
		snprintf(l->why, sizeof(l->why), "pam_start: %s",
		    pam_strerror(ph, rc));
		return LR_ERROR;
	}
	rc = pam_authenticate(ph, PAM_DISALLOW_NULL_AUTHTOK);
	if (rc == PAM_SUCCESS)
		rc = pam_acct_mgmt(ph, PAM_DISALLOW_NULL_AUTHTOK);
	if (rc != PAM_SUCCESS)
		snprintf(l->why, sizeof(l->why), "PAM: %s",
		    pam_strerror(ph, rc));
	pam_end(ph, rc);
	return rc == PAM_SUCCESS ? LR_OK : LR_BAD;
}
#endif

static void
fail_keys(const struct login *l, char *ipk, char *ak, size_t n)
{
	char f[ACCOUNT_MAX * 2 + 1];

	irc_casefold(f, sizeof(f), l->account);
	snprintf(ipk, n, "ip:%s", l->ip);
	snprintf(ak, n, "acct:%s", f);
}

/* On the thread: is this the account's password? */
static int
login_run(struct job *j, struct store *st)
{
	struct login *l = (struct login *)j;
	char ipk[HOST_MAX + 8], ak[ACCOUNT_MAX * 2 + 8];
	struct account a;
	enum store_rc rc;

	fail_keys(l, ipk, ak, sizeof(ipk) > sizeof(ak) ? sizeof(ipk) :
	    sizeof(ak));
	if (store_failures(st, ipk, 0, l->now, l->fail_window) >=
	    (int)l->fail_max || store_failures(st, ak, 0, l->now,
	    l->fail_window) >= (int)l->fail_max) {
		l->result = LR_LIMITED;
		snprintf(l->why, sizeof(l->why), "too many failed logins");
		return 0;
	}
	switch (l->backend) {
	case CONF_AUTH_COMMAND:
		if ((l->result = run_command(l)) == LR_OK)
			ensure_row(st, l);
		break;
#ifdef HAVE_PAM
	case CONF_AUTH_PAM:
		if ((l->result = run_pam(l)) == LR_OK)
			ensure_row(st, l);
		break;
#endif
	default:
		if ((rc = store_account_get(st, l->account, &a)) == STORE_ERROR)
		{
			snprintf(l->why, sizeof(l->why), "store: %s",
			    store_errmsg(st));
			l->result = LR_ERROR;
			break;
		}
		if (rc == STORE_NOTFOUND || a.hash[0] == '\0') {
			(void)pw_verify(l->password, dummy_hash);
			l->result = LR_BAD;
			snprintf(l->why, sizeof(l->why), "%s", rc ==
			    STORE_NOTFOUND ? "no such account" :
			    "no password set");
		} else if (!pw_verify(l->password, a.hash)) {
			l->result = LR_BAD;
			snprintf(l->why, sizeof(l->why), "wrong password");
		} else if (!a.verified) {
			l->result = LR_UNVERIFIED;
			snprintf(l->why, sizeof(l->why), "not verified yet");
		} else {
			l->result = LR_OK;
			snprintf(l->name, sizeof(l->name), "%s", a.name);
		}
		explicit_bzero(&a, sizeof(a));
		break;
	}
	if (l->result == LR_BAD) {
		(void)store_failures(st, ipk, 1, l->now, l->fail_window);
		(void)store_failures(st, ak, 1, l->now, l->fail_window);
		if (l->why[0] == '\0')
			snprintf(l->why, sizeof(l->why), "refused");
	} else if (l->result == LR_OK)
		store_failures_clear(st, ak);
	explicit_bzero(l->password, sizeof(l->password));
	return 0;
}

static void ghost_done(struct client *c, struct login *l);
static void drop_done(struct client *c, struct login *l);

static void
login_done(struct job *j)
{
	struct login *l = (struct login *)j;
	struct client *c = client_by_slot(j->slot, j->gen);

	if (j->rc != 0) {		/* the thread has no store: never OK */
		l->result = LR_ERROR;
		snprintf(l->why, sizeof(l->why), "the store is unavailable");
	}
	if (l->result != LR_OK && l->result != LR_ERROR)
		log_info("login failed for account %s from %s: %s", l->account,
		    l->ip, l->why);
	else if (l->result == LR_ERROR)
		log_warnx("login for account %s from %s: %s", l->account,
		    l->ip, l->why);
	if (c == NULL || c->state >= CL_DYING)
		return;
	c->flags &= ~(uint32_t)CF_AUTH_WAIT;
	if (l->result == LR_OK && l->kind != L_GHOST && l->kind !=
	    L_RECOVER && l->kind != L_DROP) {
		account_login(c, l->name);
		if (l->kind == L_SASL) {
			reply(c, RPL_SASLSUCCESS, ":SASL authentication "
			    "successful");
			sasl_end(c);
		} else if (l->kind == L_NICKSERV)
			account_notice(c, "NickServ", "You are now identified "
			    "for %s.", l->name);
		session_try_register(c);
		return;
	}
	if (l->result == LR_OK) {
		if (l->kind == L_DROP)
			drop_done(c, l);
		else
			ghost_done(c, l);
		return;
	}
	switch (l->kind) {
	case L_SASL:
		sasl_fail(c, l->result == LR_LIMITED ? "too many failed "
		    "logins, try again later" : l->result == LR_UNVERIFIED ?
		    "the account waits for VERIFY" : NULL);
		break;
	case L_PASS:
		reply(c, ERR_PASSWDMISMATCH, ":Password incorrect%s",
		    l->result == LR_LIMITED ? " (too many failed logins, try "
		    "again later)" : "");
		session_try_register(c);
		break;
	default:
		account_notice(c, "NickServ", "%s", l->result == LR_LIMITED ?
		    "Too many failed logins; try again later." :
		    l->result == LR_UNVERIFIED ? "That account waits for "
		    "VERIFY." : l->result == LR_ERROR ? "Accounts are not "
		    "available right now." : "Invalid account or password.");
		break;
	}
}

/* Queue a password check for c (the secret is copied and zeroed). */
static int
login_start(struct client *c, enum login_kind kind, const char *account,
    const char *password, const char *target)
{
	struct login *l;

	if (strlen(password) > PASSWORD_MAX || (l = calloc(1, sizeof(*l))) ==
	    NULL)
		return -1;
	l->j.run = login_run;
	l->j.done = login_done;
	l->result = LR_ERROR;		/* until the thread says otherwise */
	l->j.slot = c->slot;
	l->j.gen = c->gen;
	l->kind = kind;
	snprintf(l->account, sizeof(l->account), "%s", account);
	snprintf(l->password, sizeof(l->password), "%s", password);
	snprintf(l->ip, sizeof(l->ip), "%s", c->host);
	snprintf(l->target, sizeof(l->target), "%s", target ? target : "");
	l->backend = kd.cfg.auth;
	snprintf(l->command, sizeof(l->command), "%s", kd.cfg.auth_command);
	snprintf(l->pam_service, sizeof(l->pam_service), "%s",
	    kd.cfg.pam_service);
	snprintf(l->pam_confdir, sizeof(l->pam_confdir), "%s",
	    kd.cfg.pam_confdir);
	l->timeout = kd.cfg.auth_timeout;
	l->fail_max = kd.cfg.login_fail_max;
	l->fail_window = kd.cfg.login_fail_window;
	l->now = kd.now;
	if (jobs_submit(&l->j) == -1) {
		explicit_bzero(l, sizeof(*l));
		free(l);
		return -1;
	}
	c->flags |= CF_AUTH_WAIT;
	return 0;
}

/* The counters of failures, read on the loop (SCRAM, which runs here). */
static int
limited(const struct client *c, const char *account)
{
	struct store *ro = account_store();
	char ipk[HOST_MAX + 8], ak[ACCOUNT_MAX * 2 + 8], f[ACCOUNT_MAX * 2 + 1];

	if (ro == NULL)
		return 0;
	irc_casefold(f, sizeof(f), account);
	snprintf(ipk, sizeof(ipk), "ip:%s", c->host);
	snprintf(ak, sizeof(ak), "acct:%s", f);
	return store_failures(ro, ipk, 0, kd.now, kd.cfg.login_fail_window) >=
	    (int)kd.cfg.login_fail_max || store_failures(ro, ak, 0, kd.now,
	    kd.cfg.login_fail_window) >= (int)kd.cfg.login_fail_max;
}

/* A failure noted by the thread (the loop's connection cannot write). */
struct note {
	struct job	 j;
	char		 ipk[HOST_MAX + 8], ak[ACCOUNT_MAX * 2 + 8];
	int64_t		 now;
	unsigned	 window;
};

static int
note_run(struct job *j, struct store *st)
{
	struct note *n = (struct note *)j;

	(void)store_failures(st, n->ipk, 1, n->now, n->window);
	(void)store_failures(st, n->ak, 1, n->now, n->window);
	return 0;
}

static void
note_failure(const struct client *c, const char *account, const char *why)
{
	struct note *n;
	char f[ACCOUNT_MAX * 2 + 1];

	log_info("login failed for account %s from %s: %s", account, c->host,
	    why);
	if ((n = calloc(1, sizeof(*n))) == NULL)
		return;
	irc_casefold(f, sizeof(f), account);
	snprintf(n->ipk, sizeof(n->ipk), "ip:%s", c->host);
	snprintf(n->ak, sizeof(n->ak), "acct:%s", f);
	n->now = kd.now;
	n->window = kd.cfg.login_fail_window;
	n->j.run = note_run;
	n->j.slot = -1;
	if (jobs_submit(&n->j) == -1)
		free(n);
}

/* --- AUTHENTICATE ------------------------------------------------------------- */

static void
sasl_plain(struct client *c, const uint8_t *p, size_t n)
{
	const char *authz = (const char *)p, *authc, *pw;
	const uint8_t *z1, *z2;
	char pass[PASSWORD_MAX + 1];

	/* authzid NUL authcid NUL password, nothing more */
	if ((z1 = memchr(p, '\0', n)) == NULL || (z2 = memchr(z1 + 1, '\0',
	    n - (size_t)(z1 + 1 - p))) == NULL || memchr(z2 + 1, '\0',
	    n - (size_t)(z2 + 1 - p)) != NULL) {
		sasl_fail(c, "malformed PLAIN message");
		return;
	}
	authc = (const char *)z1 + 1;
	pw = (const char *)z2 + 1;
	if ((size_t)(p + n - (const uint8_t *)pw) > PASSWORD_MAX ||
	    *authc == '\0' || strlen(authc) > ACCOUNT_MAX ||
	    !utf8_valid(authc, strlen(authc))) {
		sasl_fail(c, "malformed PLAIN message");
		return;
	}
	if (*authz != '\0' && irc_casecmp(authz, authc) != 0) {
		sasl_fail(c, "logging in as another account is not allowed");
		return;
	}
	memcpy(pass, pw, (size_t)(p + n - (const uint8_t *)pw));
	pass[p + n - (const uint8_t *)pw] = '\0';
	c->sasl->step = S_BUSY;
	if (login_start(c, L_SASL, authc, pass, NULL) == -1)
		sasl_fail(c, "the server is busy");
	explicit_bzero(pass, sizeof(pass));
}

static void
sasl_external(struct client *c, const uint8_t *p, size_t n)
{
	const uint8_t *fp = tls_certfp(c);
	char hex[TLS_FP_HEX], acct[ACCOUNT_MAX + 1];
	struct store *ro = account_store();

	if (fp == NULL) {
		sasl_fail(c, "no client certificate");
		return;
	}
	tlsfile_hex(fp, hex);
	if (ro == NULL || store_certfp_find(ro, hex, acct) != STORE_OK) {
		note_failure(c, "(certificate)", "unknown client certificate");
		sasl_fail(c, "the certificate belongs to no account");
		return;
	}
	/* an authzid, when given, must be the certificate's account */
	if (n > 0 && (memchr(p, '\0', n) != NULL || n > ACCOUNT_MAX ||
	    irc_casecmp(acct, (const char *)p) != 0)) {
		sasl_fail(c, "the certificate belongs to another account");
		return;
	}
	account_login(c, acct);
	reply(c, RPL_SASLSUCCESS, ":SASL authentication successful");
	sasl_end(c);
}

/* An account that does not exist still gets a salt (the same one every
 * time, from the server's secret), so SCRAM does not tell who exists. */
static void
fake_salt(const char *name, uint8_t salt[SCRAM_SALTLEN])
{
	static uint8_t secret[32];
	static int have;
	uint8_t md[32];
	unsigned int len = 0;
	char f[ACCOUNT_MAX * 2 + 1];

	if (!have && RAND_bytes(secret, sizeof(secret)) == 1)
		have = 1;
	irc_casefold(f, sizeof(f), name);
	if (HMAC(EVP_sha256(), secret, sizeof(secret), (unsigned char *)f,
	    strlen(f), md, &len) == NULL)
		memset(md, 0, sizeof(md));
	memcpy(salt, md, SCRAM_SALTLEN);
}

static void
sasl_scram(struct client *c, const uint8_t *p, size_t n)
{
	struct sasl *s = c->sasl;
	struct store *ro = account_store();
	uint8_t salt[SCRAM_SALTLEN], rnd[18];
	char nonce[32], out[128];
	struct account a;
	unsigned iter = SCRAM_ITER;
	enum scram_err e;

	if (memchr(p, '\0', n) != NULL) {
		sasl_fail(c, "malformed SCRAM message");
		return;
	}
	if (s->step == S_DATA) {
		if ((e = scram_client_first(&s->scram, (const char *)p, n)) !=
		    SCRAM_OK) {
			sasl_fail(c, scram_strerror(e));
			return;
		}
		if (s->scram.authzid[0] != '\0' &&
		    irc_casecmp(s->scram.authzid, s->scram.user) != 0) {
			sasl_fail(c, "logging in as another account is not "
			    "allowed");
			return;
		}
		if (limited(c, s->scram.user)) {
			log_info("login failed for account %s from %s: too "
			    "many failed logins", s->scram.user, c->host);
			sasl_fail(c, "too many failed logins, try again later");
			return;
		}
		s->known = ro != NULL && store_account_get(ro, s->scram.user,
		    &a) == STORE_OK && a.has_scram && a.verified;
		if (s->known) {
			memcpy(salt, a.scram_salt, sizeof(salt));
			iter = a.scram_iter;
			memcpy(s->stored, a.scram_stored, sizeof(s->stored));
			memcpy(s->server, a.scram_server, sizeof(s->server));
			snprintf(s->account, sizeof(s->account), "%s", a.name);
		} else {
			fake_salt(s->scram.user, salt);
			(void)RAND_bytes(s->stored, sizeof(s->stored));
			(void)RAND_bytes(s->server, sizeof(s->server));
		}
		explicit_bzero(&a, sizeof(a));
		if (RAND_bytes(rnd, sizeof(rnd)) != 1 || scram_b64_encode(rnd,
		    sizeof(rnd), nonce, sizeof(nonce)) == 0 ||
		    scram_server_first(&s->scram, nonce, salt, sizeof(salt),
		    iter) == -1) {
			sasl_fail(c, "internal error");
			return;
		}
		s->step = S_SCRAM_FINAL;
		sasl_send(c, s->scram.server_first,
		    strlen(s->scram.server_first));
		return;
	}
	if (s->step == S_SCRAM_FINAL) {
		e = scram_client_final(&s->scram, (const char *)p, n,
		    s->stored, s->server, out, sizeof(out));
		if (e != SCRAM_OK || !s->known) {
			note_failure(c, s->scram.user, e == SCRAM_E_PROOF ||
			    !s->known ? (s->known ? "wrong password" :
			    "no such account") : scram_strerror(e));
			sasl_fail(c, NULL);
			return;
		}
		s->step = S_SCRAM_DONE;
		sasl_send(c, out, strlen(out));
		return;
	}
	/* S_SCRAM_DONE: the client's empty answer to server-final */
	if (n != 0) {
		sasl_fail(c, "unexpected SCRAM message");
		return;
	}
	account_login(c, s->account);
	reply(c, RPL_SASLSUCCESS, ":SASL authentication successful");
	sasl_end(c);
}

/* A whole payload arrived: decode it and hand it to the mechanism. */
static void
sasl_payload(struct client *c)
{
	struct sasl *s = c->sasl;
	uint8_t data[SASL_B64_MAX / 4 * 3 + 1];
	int n;

	n = scram_b64_decode(s->buf, s->len, data, sizeof(data) - 1);
	s->len = 0;
	if (n < 0) {
		sasl_fail(c, "malformed base64");
		return;
	}
	data[n] = '\0';
	switch (s->mech) {
	case MECH_PLAIN:
		sasl_plain(c, data, (size_t)n);
		break;
	case MECH_EXTERNAL:
		sasl_external(c, data, (size_t)n);
		break;
	case MECH_SCRAM:
		sasl_scram(c, data, (size_t)n);
		break;
	}
	explicit_bzero(data, sizeof(data));
}

void
cmd_authenticate(struct client *c, struct irc_msg *m)
{
	const char *arg = m->params[0];
	char list[64];
	size_t i, n;

	if (c->sasl == NULL) {
		if (strcmp(arg, "*") == 0) {
			reply(c, ERR_SASLABORTED, ":SASL authentication "
			    "aborted");
			return;
		}
		if (c->account != NULL) {
			reply(c, ERR_SASLALREADY, ":You have already "
			    "authenticated using SASL");
			return;
		}
		for (i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++)
			if (strcasecmp(arg, mechs[i].name) == 0 &&
			    mech_offered(mechs[i].mech))
				break;
		if (i == sizeof(mechs) / sizeof(mechs[0])) {
			reply(c, RPL_SASLMECHS, "%s :are available SASL "
			    "mechanisms", account_sasl_mechs(list,
			    sizeof(list)));
			reply(c, ERR_SASLFAIL, ":SASL authentication failed");
			return;
		}
		if ((c->sasl = calloc(1, sizeof(*c->sasl))) == NULL) {
			reply(c, ERR_SASLFAIL, ":SASL authentication failed: "
			    "server out of memory");
			return;
		}
		c->sasl->size = sizeof(*c->sasl);
		c->sasl->mech = mechs[i].mech;
		c->sasl->step = S_DATA;
		c->sasl->started_ms = kd.now_ms;
		c->flags |= CF_AUTH_WAIT;
		client_sendf(c, "AUTHENTICATE +");
		return;
	}
	if (strcmp(arg, "*") == 0) {
		reply(c, ERR_SASLABORTED, ":SASL authentication aborted");
		sasl_end(c);
		return;
	}
	if (c->sasl->step == S_BUSY)
		return;		/* the answer is on its way */
	n = strlen(arg);
	if (n > SASL_CHUNK) {
		reply(c, ERR_SASLTOOLONG, ":SASL message too long");
		sasl_end(c);
		return;
	}
	if (strcmp(arg, "+") != 0) {
		if (c->sasl->len + n > SASL_B64_MAX) {
			reply(c, ERR_SASLTOOLONG, ":SASL message too long");
			sasl_end(c);
			return;
		}
		memcpy(c->sasl->buf + c->sasl->len, arg, n);
		c->sasl->len += n;
		if (n == SASL_CHUNK)
			return;		/* more follows */
	}
	sasl_payload(c);
}

/* --- PASS account:password ------------------------------------------------- */

int
account_pass_login(struct client *c, const char *pass)
{
	char acct[ACCOUNT_MAX + 1];
	const char *colon = strchr(pass, ':');

	if (colon == NULL || colon == pass || (size_t)(colon - pass) >
	    ACCOUNT_MAX || c->account != NULL)
		return 0;
	memcpy(acct, pass, (size_t)(colon - pass));
	acct[colon - pass] = '\0';
	if (login_start(c, L_PASS, acct, colon + 1, NULL) == -1)
		return 0;
	return 1;
}

/* --- REGISTER and VERIFY ------------------------------------------------------ */

enum reg_kind { R_REGISTER, R_NICKSERV, R_VERIFY, R_PASSWORD };

struct reg {
	struct job	 j;
	enum reg_kind	 kind;
	char		 account[ACCOUNT_MAX + 1];
	char		 password[PASSWORD_MAX + 1];
	char		 email[EMAIL_MAX + 1];
	char		 code[33];
	char		 ip[HOST_MAX + 1];
	int		 verify;	/* registration = verify */
	int64_t		 now;
	enum store_rc	 rc;
	char		 name[ACCOUNT_MAX + 1];
	char		 why[160];
};

/* The hash and the SCRAM keys of a new password. */
static int
make_keys(struct reg *r, struct account *a)
{
	if (pw_hash(r->password, a->hash, sizeof(a->hash), r->why,
	    sizeof(r->why)) == -1 || RAND_bytes(a->scram_salt,
	    sizeof(a->scram_salt)) != 1 || scram_derive(r->password,
	    strlen(r->password), a->scram_salt, sizeof(a->scram_salt),
	    SCRAM_ITER, a->scram_stored, a->scram_server) == -1) {
		if (r->why[0] == '\0')
			snprintf(r->why, sizeof(r->why), "key derivation");
		return -1;
	}
	a->has_scram = 1;
	a->scram_iter = SCRAM_ITER;
	return 0;
}

static int
reg_run(struct job *j, struct store *st)
{
	struct reg *r = (struct reg *)j;
	struct account a;

	memset(&a, 0, sizeof(a));
	switch (r->kind) {
	case R_VERIFY:
		if (store_account_get(st, r->account, &a) != STORE_OK ||
		    a.verified || a.verify_code[0] == '\0' ||
		    strlen(a.verify_code) != strlen(r->code) ||
		    !str_equal_ct(a.verify_code, r->code))
			r->rc = STORE_NOTFOUND;
		else if ((r->rc = store_account_verify(st, r->account)) ==
		    STORE_OK)
			snprintf(r->name, sizeof(r->name), "%s", a.name);
		break;
	case R_PASSWORD:
		if (make_keys(r, &a) == -1)
			r->rc = STORE_ERROR;
		else
			r->rc = store_account_set_password(st, r->account, &a);
		break;
	default:
		snprintf(a.name, sizeof(a.name), "%s", r->account);
		a.created = r->now;
		snprintf(a.email, sizeof(a.email), "%s", r->email);
		a.verified = !r->verify;
		if (r->verify) {
			uint8_t rnd[12];
			unsigned i;
			(void)RAND_bytes(rnd, sizeof(rnd));
			for (i = 0; i < sizeof(rnd); i++)
				snprintf(a.verify_code + 2 * i, 3, "%02x",
				    rnd[i]);
			memcpy(r->code, a.verify_code, sizeof(r->code));
		}
		if (make_keys(r, &a) == -1)
			r->rc = STORE_ERROR;
		else
			r->rc = store_account_create(st, &a);
		snprintf(r->name, sizeof(r->name), "%s", a.name);
		break;
	}
	if (r->rc == STORE_ERROR && r->why[0] == '\0')
		snprintf(r->why, sizeof(r->why), "store: %s",
		    store_errmsg(st));
	explicit_bzero(r->password, sizeof(r->password));
	explicit_bzero(&a, sizeof(a));
	return 0;
}

/* A REGISTER answer: FAIL/SUCCESS lines, or NickServ notices. */
static void
reg_say(struct client *c, enum reg_kind kind, const char *code,
    const char *acct, const char *text)
{
	if (kind == R_NICKSERV || kind == R_PASSWORD)
		account_notice(c, "NickServ", "%s", text);
	else if (strcmp(code, "SUCCESS") == 0 ||
	    strcmp(code, "VERIFICATION_REQUIRED") == 0)
		client_sendf(c, ":%s %s %s %s :%s", kd.cfg.server_name,
		    kind == R_VERIFY ? "VERIFY" : "REGISTER", code, acct, text);
	else
		client_sendf(c, ":%s FAIL %s %s %s :%s", kd.cfg.server_name,
		    kind == R_VERIFY ? "VERIFY" : "REGISTER", code, acct, text);
}

static void
reg_done(struct job *j)
{
	struct reg *r = (struct reg *)j;
	struct client *c = client_by_slot(j->slot, j->gen);

	if (j->rc != 0) {
		r->rc = STORE_ERROR;
		snprintf(r->why, sizeof(r->why), "the store is unavailable");
	}
	if (r->rc == STORE_ERROR)
		log_warnx("account %s: %s", r->account, r->why);
	else if (r->rc == STORE_OK && r->kind == R_PASSWORD)
		log_info("account %s: password changed from %s", r->account,
		    r->ip);
	else if (r->rc == STORE_OK && r->kind != R_VERIFY)
		log_info("account %s registered from %s%s%s", r->name, r->ip,
		    r->verify ? "; it waits for VERIFY with the code " : "",
		    r->verify ? r->code : "");
	else if (r->rc == STORE_OK)
		log_info("account %s verified from %s", r->name, r->ip);
	else if (r->kind == R_VERIFY)
		log_info("login failed for account %s from %s: wrong "
		    "verification code", r->account, r->ip);
	if (c == NULL || c->state >= CL_DYING)
		return;
	c->flags &= ~(uint32_t)CF_AUTH_WAIT;
	switch (r->rc) {
	case STORE_OK:
		if (r->kind == R_PASSWORD)
			reg_say(c, r->kind, "", "", "Your password is changed.");
		else if (r->kind != R_VERIFY && r->verify)
			reg_say(c, r->kind, "VERIFICATION_REQUIRED", r->name,
			    "Account created; it needs VERIFY with the code "
			    "an operator gives you");
		else {
			reg_say(c, r->kind, "SUCCESS", r->name, r->kind ==
			    R_VERIFY ? "Account verified" : "Account created");
			account_login(c, r->name);
		}
		break;
	case STORE_EXISTS:
		reg_say(c, r->kind, "ACCOUNT_EXISTS", r->account,
		    "That account already exists");
		break;
	case STORE_NOTFOUND:
		reg_say(c, r->kind, r->kind == R_VERIFY ? "INVALID_CODE" :
		    "TEMPORARILY_UNAVAILABLE", r->account, r->kind == R_VERIFY ?
		    "Invalid or expired code" : "No such account");
		break;
	default:
		reg_say(c, r->kind, "TEMPORARILY_UNAVAILABLE", r->account,
		    "Accounts are not available right now");
		break;
	}
	session_try_register(c);
}

static int
reg_start(struct client *c, enum reg_kind kind, const char *account,
    const char *password, const char *email, const char *code)
{
	struct reg *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return -1;
	r->j.run = reg_run;
	r->j.done = reg_done;
	r->rc = STORE_ERROR;
	r->j.slot = c->slot;
	r->j.gen = c->gen;
	r->kind = kind;
	snprintf(r->account, sizeof(r->account), "%s", account);
	snprintf(r->password, sizeof(r->password), "%s", password ? password :
	    "");
	snprintf(r->email, sizeof(r->email), "%s", email ? email : "");
	snprintf(r->code, sizeof(r->code), "%s", code ? code : "");
	snprintf(r->ip, sizeof(r->ip), "%s", c->host);
	r->verify = kd.cfg.registration == CONF_REG_VERIFY;
	r->now = kd.now;
	if (jobs_submit(&r->j) == -1) {
		explicit_bzero(r, sizeof(*r));
		free(r);
		return -1;
	}
	c->flags |= CF_AUTH_WAIT;
	return 0;
}

/* Is this password acceptable?  NULL, or the FAIL code with why. */
static const char *
password_refusal(const char *pw, const char **why)
{
	if (strlen(pw) > PASSWORD_MAX || !utf8_valid(pw, strlen(pw)) ||
	    strchr(pw, ' ') != NULL) {
		*why = "Passwords are UTF-8 without spaces, at most 300 bytes";
		return "UNACCEPTABLE_PASSWORD";
	}
	if (strlen(pw) < PASSWORD_MIN) {
		*why = "Passwords have at least 8 characters";
		return "WEAK_PASSWORD";
	}
	return NULL;
}

/* The checks REGISTER and NickServ REGISTER share: 0 go on. */
static int
register_refused(struct client *c, enum reg_kind kind, const char *email,
    const char *password)
{
	char owner[ACCOUNT_MAX + 1];
	const char *code, *why;
	const char *acct = c->nick[0] ? c->nick : "*";

	if (kd.cfg.registration == CONF_REG_CLOSED ||
	    kd.cfg.auth != CONF_AUTH_INTERNAL || account_store() == NULL) {
		reg_say(c, kind, "TEMPORARILY_UNAVAILABLE", acct,
		    kd.cfg.auth != CONF_AUTH_INTERNAL ? "Accounts come from "
		    "the system here; log in with your login and password" :
		    "Registration is closed on this server");
		return 1;
	}
	if (c->account != NULL) {
		reg_say(c, kind, "ALREADY_REGISTERED", c->account,
		    "You are already logged in");
		return 1;
	}
	if (!(c->flags & CF_GOT_NICK) && c->state != CL_REG) {
		reg_say(c, kind, "NEED_NICK", "*", "Send NICK first");
		return 1;
	}
	if (account_owner(c->nick, owner) != 0) {
		reg_say(c, kind, "ACCOUNT_EXISTS", c->nick,
		    "That nick is already registered");
		return 1;
	}
	if (email != NULL && strcmp(email, "*") != 0 && (strlen(email) >
	    EMAIL_MAX || strchr(email, '@') == NULL || email[0] == '@' ||
	    strchr(email, ' ') != NULL || !utf8_valid(email, strlen(email)))) {
		reg_say(c, kind, "INVALID_EMAIL", c->nick,
		    "That is not an e-mail address");
		return 1;
	}
	if ((code = password_refusal(password, &why)) != NULL) {
		reg_say(c, kind, code, c->nick, why);
		return 1;
	}
	return 0;
}

void
cmd_register(struct client *c, struct irc_msg *m)
{
	const char *email = m->params[0], *pw = m->params[1];

	if (register_refused(c, R_REGISTER, email, pw))
		return;
	if (reg_start(c, R_REGISTER, c->nick, pw, strcmp(email, "*") ? email :
	    "", NULL) == -1)
		reg_say(c, R_REGISTER, "TEMPORARILY_UNAVAILABLE", c->nick,
		    "The server is busy; try again");
}

void
cmd_verify(struct client *c, struct irc_msg *m)
{
	if (c->account != NULL) {
		reg_say(c, R_VERIFY, "ALREADY_REGISTERED", c->account,
		    "You are already logged in");
		return;
	}
	if (strlen(m->params[0]) > ACCOUNT_MAX || strlen(m->params[1]) > 32 ||
	    reg_start(c, R_VERIFY, m->params[0], NULL, NULL, m->params[1]) ==
	    -1)
		reg_say(c, R_VERIFY, "INVALID_CODE", "*",
		    "Invalid or expired code");
}

/* --- NickServ ------------------------------------------------------------------- */

/* GHOST and RECOVER: the holder of the nick is closed; RECOVER then takes
 * the nick once its worker has let it go. */
struct recover {
	int32_t		 slot;
	uint32_t	 gen;
	char		 nick[NICK_MAX + 1];
	int64_t		 until_ms;
	unsigned	 timer;
};

static void
recover_try(void *arg)
{
	struct recover *r = arg;
	struct client *c = client_by_slot(r->slot, r->gen);
	char banned[CHAN_MAX + 1];
	enum nick_rc rc = NICK_IN_USE;

	if (c != NULL && c->state == CL_REG &&
	    (rc = session_set_nick(c, r->nick, 0, banned, sizeof(banned))) ==
	    NICK_OK)
		account_nick_changed(c);
	/* NICK_PENDING: the cluster's answer changes the nick */
	if (c == NULL || c->state != CL_REG || rc != NICK_IN_USE ||
	    kd.now_ms >= r->until_ms) {
		if (c != NULL && c->state == CL_REG && rc != NICK_OK &&
		    rc != NICK_PENDING)
			account_notice(c, "NickServ", "%s is still in use; "
			    "try /nick %s in a moment.", r->nick, r->nick);
		ev_timer_del(kd.ev, r->timer);
		free(r);
	}
}

static void
ghost_done(struct client *c, struct login *l)
{
	struct roster_user *u;
	char why[IRC_LINE_MAX];
	int32_t slot;
	uint32_t gen = 0;
	uint8_t worker = 0;
	int n;

	ctx_roster_lock();
	if ((u = roster_find_registered(kd.roster, l->target, &slot)) != NULL) {
		gen = u->gen;
		worker = u->worker;
	}
	ctx_roster_unlock();
	if (slot < 0 || slot == c->slot) {
		account_notice(c, "NickServ", "%s is not online.", l->target);
		return;
	}
	if (session_remote(c, worker, slot, "GHOST", l->target))
		return;
	n = snprintf(why, sizeof(why), "Killed (NickServ (GHOST command used "
	    "by %s))", c->nick);
	log_info("GHOST %s by %s (account %s)", l->target, c->prefix, l->name);
	send_user(worker, slot, gen, c, &(struct out_line){
	    .kind = FRAME_K_KILL, .line = why, .len = (size_t)n });
	account_notice(c, "NickServ", "%s has been ghosted.", l->target);
	if (l->kind == L_RECOVER) {
		struct recover *r = calloc(1, sizeof(*r));
		if (r == NULL)
			return;
		r->slot = c->slot;
		r->gen = c->gen;
		snprintf(r->nick, sizeof(r->nick), "%s", l->target);
		r->until_ms = kd.now_ms + 5000;
		if ((r->timer = ev_timer_add(kd.ev, 50, 50, recover_try, r)) ==
		    0)
			free(r);
	}
}

struct drop {
	struct job	 j;
	char		 account[ACCOUNT_MAX + 1];
	enum store_rc	 rc;
};

static int
drop_run(struct job *j, struct store *st)
{
	struct drop *d = (struct drop *)j;

	d->rc = store_account_drop(st, d->account);
	return 0;
}

static void
drop_job_done(struct job *j)
{
	struct drop *d = (struct drop *)j;
	struct client *c = client_by_slot(j->slot, j->gen);

	if (j->rc != 0)
		d->rc = STORE_ERROR;
	if (d->rc == STORE_OK)
		log_info("account %s dropped", d->account);
	if (c == NULL || c->state >= CL_DYING)
		return;
	if (d->rc != STORE_OK) {
		account_notice(c, "NickServ", "Could not drop %s.", d->account);
		return;
	}
	account_notice(c, "NickServ", "The account %s is dropped.",
	    d->account);
	if (c->account != NULL && irc_casecmp(c->account, d->account) == 0)
		account_logout(c);
}

/* The password of the account was right: drop it. */
static void
drop_done(struct client *c, struct login *l)
{
	struct drop *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return;
	d->j.run = drop_run;
	d->j.done = drop_job_done;
	d->rc = STORE_ERROR;
	d->j.slot = c->slot;
	d->j.gen = c->gen;
	snprintf(d->account, sizeof(d->account), "%s", l->name);
	if (jobs_submit(&d->j) == -1) {
		free(d);
		account_notice(c, "NickServ", "The server is busy; try again.");
	}
}

struct certjob {
	struct job	 j;
	char		 account[ACCOUNT_MAX + 1];
	char		 fp[TLS_FP_HEX];
	int		 add;
	enum store_rc	 rc;
};

static int
cert_run(struct job *j, struct store *st)
{
	struct certjob *k = (struct certjob *)j;

	k->rc = k->add ? store_certfp_add(st, k->account, k->fp) :
	    store_certfp_del(st, k->account, k->fp);
	return 0;
}

static void
cert_done(struct job *j)
{
	struct certjob *k = (struct certjob *)j;
	struct client *c = client_by_slot(j->slot, j->gen);

	if (j->rc != 0)
		k->rc = STORE_ERROR;
	if (c == NULL || c->state >= CL_DYING)
		return;
	if (k->rc == STORE_OK)
		account_notice(c, "NickServ", "Certificate %s %s %s.", k->fp,
		    k->add ? "added to" : "removed from", k->account);
	else
		account_notice(c, "NickServ", "Certificate %s: %s.", k->fp,
		    k->rc == STORE_EXISTS ? "already belongs to an account" :
		    k->rc == STORE_NOTFOUND ? "not on your account" :
		    "could not be changed");
}

static int
is_hex_fp(const char *s)
{
	size_t i;

	if (strlen(s) != 64)
		return 0;
	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' &&
		    s[i] <= 'f')))
			return 0;
	return 1;
}

static int
list_cert(const char *fp, void *arg)
{
	account_notice(arg, "NickServ", "  %s", fp);
	return 0;
}

static void
ns_cert(struct client *c, char **w, int nw)
{
	struct certjob *k;
	const uint8_t *mine;
	char fp[TLS_FP_HEX];

	if (c->account == NULL) {
		account_notice(c, "NickServ", "Log in first.");
		return;
	}
	if (nw >= 2 && strcasecmp(w[1], "LIST") == 0) {
		account_notice(c, "NickServ", "Certificates of %s:",
		    c->account);
		if (account_store() != NULL)
			(void)store_certfp_each(account_store(), c->account,
			    list_cert, c);
		account_notice(c, "NickServ", "End of the list.");
		return;
	}
	if (nw < 2 || (strcasecmp(w[1], "ADD") != 0 &&
	    strcasecmp(w[1], "DEL") != 0)) {
		account_notice(c, "NickServ", "Usage: CERT ADD [fingerprint] "
		    "| CERT DEL <fingerprint> | CERT LIST");
		return;
	}
	if (nw >= 3) {
		size_t i;
		if (strlen(w[2]) != 64) {
			account_notice(c, "NickServ", "That is not a SHA-256 "
			    "fingerprint (64 hex digits).");
			return;
		}
		snprintf(fp, sizeof(fp), "%s", w[2]);
		for (i = 0; fp[i] != '\0'; i++)
			if (fp[i] >= 'A' && fp[i] <= 'F')
				fp[i] = (char)(fp[i] - 'A' + 'a');
	} else if ((mine = tls_certfp(c)) != NULL)
		tlsfile_hex(mine, fp);
	else {
		account_notice(c, "NickServ", "No client certificate on this "
		    "connection: give the fingerprint.");
		return;
	}
	if (!is_hex_fp(fp)) {
		account_notice(c, "NickServ", "That is not a SHA-256 "
		    "fingerprint (64 hex digits).");
		return;
	}
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return;
	k->j.run = cert_run;
	k->j.done = cert_done;
	k->rc = STORE_ERROR;
	k->j.slot = c->slot;
	k->j.gen = c->gen;
	snprintf(k->account, sizeof(k->account), "%s", c->account);
	memcpy(k->fp, fp, sizeof(k->fp));
	k->add = strcasecmp(w[1], "ADD") == 0;
	if (jobs_submit(&k->j) == -1) {
		free(k);
		account_notice(c, "NickServ", "The server is busy; try again.");
	}
}

static void
ns_info(struct client *c, const char *name)
{
	struct store *ro = account_store();
	struct account a;
	char when[64];
	struct tm tm;
	time_t t;

	if (ro == NULL || store_account_get(ro, name, &a) != STORE_OK) {
		account_notice(c, "NickServ", "%s is not registered.", name);
		return;
	}
	t = (time_t)a.created;
	if (gmtime_r(&t, &tm) == NULL || strftime(when, sizeof(when),
	    "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(when, sizeof(when), "?");
	account_notice(c, "NickServ", "Information on %s:", a.name);
	account_notice(c, "NickServ", "Registered: %s", when);
	if (!a.verified)
		account_notice(c, "NickServ", "Waiting for VERIFY.");
	if (a.email[0] != '\0' && ((c->account != NULL &&
	    irc_casecmp(c->account, a.name) == 0) ||
	    (c->umodes & ROSTER_UF_OPER)))
		account_notice(c, "NickServ", "E-mail: %s", a.email);
	account_notice(c, "NickServ", "End of the information.");
	explicit_bzero(&a, sizeof(a));
}

static void
ns_help(struct client *c)
{
	static const char *const lines[] = {
		"NickServ keeps accounts; your account is your nick.",
		"REGISTER <password> [email]  register your current nick",
		"IDENTIFY [account] <password>  log in",
		"LOGOUT  log out",
		"GHOST <nick> [password]  disconnect whoever uses your nick",
		"RECOVER <nick> [password]  ghost it and take it",
		"SET PASSWORD <new password>  change your password",
		"CERT ADD [fingerprint] | DEL <fp> | LIST  certificates (EXTERNAL)",
		"INFO [account]  about an account",
		"DROP <password>  delete your account (its private data too)",
	};
	size_t i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		account_notice(c, "NickServ", "%s", lines[i]);
}

/* The words of a service line: at most max, the last one takes the
 * rest.  Returns how many. */
static int
words(char *s, char **w, int max)
{
	int n = 0;

	while (*s == ' ')
		s++;
	while (*s != '\0' && n < max) {
		w[n++] = s;
		if (n == max)
			break;
		while (*s != '\0' && *s != ' ')
			s++;
		if (*s == '\0')
			break;
		*s++ = '\0';
		while (*s == ' ')
			s++;
	}
	return n;
}

void
account_nickserv(struct client *c, const char *text)
{
	char buf[IRC_LINE_MAX], *w[4];
	char owner[ACCOUNT_MAX + 1];
	int nw, busy;

	snprintf(buf, sizeof(buf), "%s", text);
	nw = words(buf, w, 4);
	busy = (c->flags & CF_AUTH_WAIT) != 0;
	if (nw == 0 || strcasecmp(w[0], "HELP") == 0) {
		ns_help(c);
	} else if (busy) {
		account_notice(c, "NickServ", "Wait for the answer to your "
		    "last command.");
	} else if (strcasecmp(w[0], "REGISTER") == 0) {
		if (nw < 2) {
			account_notice(c, "NickServ", "Usage: REGISTER "
			    "<password> [email]");
		} else if (!register_refused(c, R_NICKSERV, nw > 2 ? w[2] :
		    NULL, w[1]) && reg_start(c, R_NICKSERV, c->nick, w[1],
		    nw > 2 ? w[2] : NULL, NULL) == -1)
			account_notice(c, "NickServ", "The server is busy; "
			    "try again.");
	} else if (strcasecmp(w[0], "IDENTIFY") == 0 ||
	    strcasecmp(w[0], "ID") == 0) {
		if (nw < 2)
			account_notice(c, "NickServ", "Usage: IDENTIFY "
			    "[account] <password>");
		else if (c->account != NULL)
			account_notice(c, "NickServ", "You are already logged "
			    "in as %s.", c->account);
		else if (login_start(c, L_NICKSERV, nw > 2 ? w[1] : c->nick,
		    nw > 2 ? w[2] : w[1], NULL) == -1)
			account_notice(c, "NickServ", "The server is busy; "
			    "try again.");
	} else if (strcasecmp(w[0], "LOGOUT") == 0) {
		if (c->account == NULL)
			account_notice(c, "NickServ", "You are not logged in.");
		else
			account_logout(c);
	} else if (strcasecmp(w[0], "GHOST") == 0 ||
	    strcasecmp(w[0], "RECOVER") == 0) {
		enum login_kind k = strcasecmp(w[0], "GHOST") == 0 ? L_GHOST :
		    L_RECOVER;
		if (nw < 2 || account_owner(w[1], owner) != 1) {
			account_notice(c, "NickServ", nw < 2 ? "Usage: %s "
			    "<nick> [password]" : "%s is not a registered "
			    "nick.", nw < 2 ? w[0] : w[1]);
		} else if (c->account != NULL &&
		    irc_casecmp(c->account, owner) == 0) {
			struct login l;
			memset(&l, 0, sizeof(l));
			l.kind = k;
			snprintf(l.target, sizeof(l.target), "%s", w[1]);
			snprintf(l.name, sizeof(l.name), "%s", owner);
			ghost_done(c, &l);
		} else if (nw < 3) {
			account_notice(c, "NickServ", "Log in to %s or give its "
			    "password.", owner);
		} else if (login_start(c, k, owner, w[2], w[1]) == -1)
			account_notice(c, "NickServ", "The server is busy; "
			    "try again.");
	} else if (strcasecmp(w[0], "SET") == 0) {
		const char *why;
		if (nw < 3 || strcasecmp(w[1], "PASSWORD") != 0)
			account_notice(c, "NickServ", "Usage: SET PASSWORD "
			    "<new password>");
		else if (c->account == NULL)
			account_notice(c, "NickServ", "Log in first.");
		else if (password_refusal(w[2], &why) != NULL)
			account_notice(c, "NickServ", "%s.", why);
		else if (reg_start(c, R_PASSWORD, c->account, w[2], NULL,
		    NULL) == -1)
			account_notice(c, "NickServ", "The server is busy; "
			    "try again.");
	} else if (strcasecmp(w[0], "DROP") == 0) {
		if (c->account == NULL)
			account_notice(c, "NickServ", "Log in first.");
		else if (nw < 2)
			account_notice(c, "NickServ", "Usage: DROP <password> "
			    "(this deletes %s)", c->account);
		else if (login_start(c, L_DROP, c->account, w[1], NULL) == -1)
			account_notice(c, "NickServ", "The server is busy; "
			    "try again.");
	} else if (strcasecmp(w[0], "CERT") == 0) {
		ns_cert(c, w, nw);
	} else if (strcasecmp(w[0], "INFO") == 0) {
		ns_info(c, nw > 1 ? w[1] : c->account ? c->account : c->nick);
	} else
		account_notice(c, "NickServ", "Unknown command %.32s; try "
		    "HELP.", w[0]);
}

void
account_service_text(const struct irc_msg *m, char *text, size_t textsz)
{
	size_t n = 0;
	unsigned i;

	text[0] = '\0';
	for (i = 0; i < m->nparams && n < textsz; i++)
		n += (size_t)snprintf(text + n, textsz - n, "%s%s",
		    i ? " " : "", m->params[i]);
}

void
cmd_nickserv(struct client *c, struct irc_msg *m)
{
	char text[IRC_LINE_MAX];

	account_service_text(m, text, sizeof(text));
	account_nickserv(c, text);
}

/* --- the once-a-second checks ---------------------------------------------- */

void
account_guard(struct client *c)
{
	char nick[NICK_MAX + 1], banned[CHAN_MAX + 1];
	enum nick_rc rc;
	uint8_t rnd[4];
	unsigned tries;

	if (c->sasl != NULL && kd.now_ms - c->sasl->started_ms >=
	    SASL_TIMEOUT_MS && c->sasl->step != S_BUSY) {
		reply(c, ERR_SASLABORTED, ":SASL authentication aborted (timed "
		    "out)");
		sasl_end(c);
	}
	if (c->guard_ms == 0 || kd.now_ms < c->guard_ms || c->state != CL_REG)
		return;
	c->guard_ms = 0;
	for (tries = 0; tries < 8; tries++) {
		uint32_t v;
		(void)RAND_bytes(rnd, sizeof(rnd));
		memcpy(&v, rnd, sizeof(v));
		snprintf(nick, sizeof(nick), "Guest%05u", v % 100000);
		/* NICK_PENDING (cluster mode): a refusal closes it */
		if ((rc = session_set_nick(c, nick, 1, banned,
		    sizeof(banned))) == NICK_OK || rc == NICK_PENDING) {
			account_notice(c, "NickServ", "You did not log in in "
			    "time: your nick is now %s.", nick);
			log_info("nick enforcement: renamed to %s", nick);
			return;
		}
	}
	client_close(c, "Nickname enforcement");
}
