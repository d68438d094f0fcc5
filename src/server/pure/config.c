/*
 * config.c -- the option table and the keochatd.conf parser.
 *
 * Syntax: one "key = value" per line; blank lines and lines whose first
 * non-blank character is '#' are ignored; values run to the end of the line
 * with surrounding blanks removed (so a password may contain '#').  A key
 * may appear once per file, except "listen" and "oper", which may repeat.
 * Any error names FILE:LINE.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "config.h"
#include "bounds.h"
#include "valid.h"

#define FIELD(f)	offsetof(struct config, f), sizeof(((struct config *)0)->f)

struct opt_def {
	struct config_option pub;
	size_t	 off, size;			/* the field in struct config */
	size_t	 countoff;			/* CONF_LIST: its count field */
	unsigned maxn;				/* and its entries */
	const char *const *names;		/* CONF_ENUM value names */
	const int *values;			/* and their numbers */
	int	(*check)(const char *, char *, size_t);
};

static int check_name(const char *, char *, size_t);
static int check_token(const char *, char *, size_t);
static int check_listen(const char *, char *, size_t);
static int check_autojoin(const char *, char *, size_t);
static int check_path(const char *, char *, size_t);
static int check_oper(const char *, char *, size_t);
static int check_backbone(const char *, char *, size_t);

static const char *const tlsver_names[] = { "1.2", "1.3", NULL };
static const int tlsver_values[] = { CONF_TLS_1_2, CONF_TLS_1_3 };
static const char *const bool_names[] = { "no", "yes", NULL };
static const int bool_values[] = { 0, 1 };
static const char *const auth_names[] = { "internal", "pam", "command",
	NULL };
static const int auth_values[] = { CONF_AUTH_INTERNAL, CONF_AUTH_PAM,
	CONF_AUTH_COMMAND };
static const char *const reg_names[] = { "open", "verify", "closed", NULL };
static const int reg_values[] = { CONF_REG_OPEN, CONF_REG_VERIFY,
	CONF_REG_CLOSED };
static const char *const enforce_names[] = { "grace", "strict", "off",
	NULL };
static const int enforce_values[] = { CONF_ENFORCE_GRACE,
	CONF_ENFORCE_STRICT, CONF_ENFORCE_OFF };
static const char *const log_names[] = { "stderr", "syslog", NULL };
static const int log_values[] = { CONF_LOG_STDERR, CONF_LOG_SYSLOG };
static const char *const level_names[] = { "error", "warning", "info",
	"debug", NULL };
static const int level_values[] = { CONF_LVL_ERROR, CONF_LVL_WARNING,
	CONF_LVL_INFO, CONF_LVL_DEBUG };
static const char *const fac_names[] = { "daemon", "user", "local0",
	"local1", "local2", "local3", "local4", "local5", "local6", "local7",
	NULL };
static const int fac_values[] = { LOG_DAEMON, LOG_USER, LOG_LOCAL0,
	LOG_LOCAL1, LOG_LOCAL2, LOG_LOCAL3, LOG_LOCAL4, LOG_LOCAL5, LOG_LOCAL6,
	LOG_LOCAL7 };

#define INT(n, d, lo, hi, r, f, h) \
	{ { n, CONF_INT, d, lo, hi, r, h }, FIELD(f), 0, 0, NULL, NULL, NULL }
#define STR(n, d, r, f, chk, h) \
	{ { n, CONF_STR, d, 0, sizeof(((struct config *)0)->f) - 1, r, h }, \
	  FIELD(f), 0, 0, NULL, NULL, chk }
#define ENUM(n, d, r, f, nm, v, h) \
	{ { n, CONF_ENUM, d, 0, 0, r, h }, FIELD(f), 0, 0, nm, v, NULL }
/* A repeatable option: an array of strings and its count. */
#define LIST(n, d, r, f, cnt, chk, h) \
	{ { n, CONF_LIST, d, 0, sizeof(((struct config *)0)->f[0]) - 1, r, h }, \
	  FIELD(f), offsetof(struct config, cnt), \
	  sizeof(((struct config *)0)->f) / sizeof(((struct config *)0)->f[0]), \
	  NULL, NULL, chk }

static const struct opt_def opts[OPT_COUNT] = {
	[OPT_SERVER_NAME] = STR("server-name", "", 0, server_name, check_name,
	    "server name shown to clients; empty: the host name"),
	[OPT_SERVER_INFO] = STR("server-info", "KeoChat server", 1,
	    server_info, NULL, "one-line description in WHOIS and LINKS"),
	[OPT_NETWORK] = STR("network", "KeoChat", 0, network, check_token,
	    "network name (ISUPPORT NETWORK)"),
	[OPT_LISTEN] = LIST("listen", "[::]:6667", 0, listen, nlisten,
	    check_listen,
	    "ADDR:PORT to listen on; repeat for more; [::] is dual-stack"),
	[OPT_WORKERS] = INT("workers", "0", 0, WORKERS_MAX, 0, workers,
	    "worker processes; 0: one per CPU"),
	[OPT_MAX_CLIENTS] = INT("max-clients", "10000", 1, 1000000, 0,
	    max_clients, "connections the server holds at most"),
	[OPT_MAX_CLIENTS_PER_IP] = INT("max-clients-per-ip", "16", 0, 1000000,
	    1, max_clients_per_ip, "connections from one address; 0: no limit"),
	[OPT_MAX_CHANNELS] = INT("max-channels", "10000", 1, 1000000, 0,
	    max_channels, "channels that can exist at once"),
	[OPT_MAX_CHANNELS_PER_CLIENT] = INT("max-channels-per-client", "20", 1,
	    CHANS_PER_USER_MAX, 1, max_channels_per_client,
	    "channels one client may join (CHANLIMIT)"),
	[OPT_AUTOJOIN] = STR("autojoin", "#lobby", 1, autojoin, check_autojoin,
	    "channels every client joins on registration; empty: none"),
	[OPT_MOTD_FILE] = STR("motd-file", "", 1, motd_file, check_path,
	    "message of the day file; empty: none (422)"),
	[OPT_PASSWORD] = STR("password", "", 1, password, NULL,
	    "server password (PASS); empty: none"),
	[OPT_NICKLEN] = INT("nicklen", "30", 9, NICK_MAX, 1, nicklen,
	    "longest nickname in bytes"),
	[OPT_REGISTRATION_TIMEOUT] = INT("registration-timeout", "30", 1, 3600,
	    1, registration_timeout, "seconds a client has to register"),
	[OPT_PING_INTERVAL] = INT("ping-interval", "120", 1, 86400, 1,
	    ping_interval, "idle seconds before the server sends PING"),
	[OPT_PING_TIMEOUT] = INT("ping-timeout", "60", 1, 86400, 1,
	    ping_timeout, "seconds to answer a PING before the link is cut"),
	[OPT_SENDQ] = INT("sendq", "1048576", 4096, 1073741824, 1, sendq,
	    "bytes queued to a client before it is cut (SendQ exceeded)"),
	[OPT_RECVQ] = INT("recvq", "8192", 1024, 1048576, 1, recvq,
	    "bytes of unprocessed input before Excess Flood"),
	[OPT_FLOOD_BURST] = INT("flood-burst", "20", 1, 100000, 1, flood_burst,
	    "lines a client may send at once before fake lag starts"),
	[OPT_FLOOD_RATE] = INT("flood-rate", "4", 0, 100000, 1, flood_rate,
	    "lines per second after the burst; 0: flood control off"),
	[OPT_WATCHDOG_TIMEOUT] = INT("watchdog-timeout", "10", 0, 3600, 1,
	    watchdog_timeout,
	    "seconds without a heartbeat before a child is replaced; 0: off"),
	[OPT_RELAY_QUEUE_MAX] = INT("relay-queue-max", "8388608", 1048576,
	    1073741824, 0, relay_queue_max,
	    "bytes of messages a worker may fall behind before it is replaced"),
	[OPT_RELAY_STALL_TIMEOUT] = INT("relay-stall-timeout", "5", 1, 3600,
	    1, relay_stall_timeout,
	    "seconds a worker may take no messages before it is replaced"),
	[OPT_RUNTIME_DIR] = STR("runtime-dir", "", 0, runtime_dir, check_path,
	    "where relay.sock lives; empty: $RUNTIME_DIRECTORY or /run/keochatd"),
	[OPT_USER] = STR("user", "", 0, user, NULL,
	    "when started as root, drop to this user after binding"),
	[OPT_LOG] = ENUM("log", "stderr", 0, log, log_names, log_values,
	    "stderr or syslog"),
	[OPT_LOG_LEVEL] = ENUM("log-level", "info", 1, log_level, level_names,
	    level_values, "error, warning, info or debug"),
	[OPT_LOG_FACILITY] = ENUM("log-facility", "daemon", 0, log_facility,
	    fac_names, fac_values, "syslog facility: daemon, user, local0-7"),
	[OPT_OPER] = LIST("oper", "", 1, oper, noper, check_oper,
	    "NAME HASH MASK[,MASK]: an IRC operator; HASH from keochatd "
	    "--mkpasswd; repeat for more"),
	[OPT_STATE_DIR] = STR("state-dir", "/var/lib/keochat", 0, state_dir,
	    check_path, "the store and the generated certificate; when not "
	    "writable: $XDG_STATE_HOME/keochat"),
	[OPT_TLS_LISTEN] = LIST("tls-listen", "[::]:6697", 0, tls_listen,
	    ntls_listen, check_listen,
	    "ADDR:PORT for TLS; repeat for more; empty: no TLS"),
	[OPT_TLS_CERT] = STR("tls-cert", "", 1, tls_cert, check_path,
	    "PEM certificate chain; empty: a self-signed one made in "
	    "state-dir"),
	[OPT_TLS_KEY] = STR("tls-key", "", 1, tls_key, check_path,
	    "PEM private key; empty: the one in tls-cert's file"),
	[OPT_TLS_CIPHERS] = STR("tls-ciphers", "ECDHE+AESGCM:ECDHE+CHACHA20", 1,
	    tls_ciphers, NULL, "OpenSSL cipher list for TLS 1.2 (1.3 keeps "
	    "its own suites)"),
	[OPT_TLS_MIN_VERSION] = ENUM("tls-min-version", "1.2", 1,
	    tls_min_version, tlsver_names, tlsver_values,
	    "oldest TLS version accepted: 1.2 or 1.3"),
	[OPT_TLS_HANDSHAKE_TIMEOUT] = INT("tls-handshake-timeout", "10", 1,
	    300, 1, tls_handshake_timeout,
	    "seconds a client has to finish the TLS handshake"),
	[OPT_TLS_ONLY] = ENUM("tls-only", "no", 1, tls_only, bool_names,
	    bool_values, "yes: refuse plain text except from loopback"),
	[OPT_STS_DURATION] = INT("sts-duration", "2592000", 0, 315360000, 1,
	    sts_duration, "seconds clients keep to TLS after the sts cap "
	    "(offered with a configured tls-cert); 0: no sts"),
	[OPT_AUTH] = ENUM("auth", "internal", 1, auth, auth_names, auth_values,
	    "where passwords are checked: internal, pam or command"),
	[OPT_AUTH_COMMAND] = STR("auth-command", "", 1, auth_command,
	    check_path, "with auth = command: the program that checks an "
	    "account and password"),
	[OPT_AUTH_TIMEOUT] = INT("auth-timeout", "5", 1, 120, 1, auth_timeout,
	    "seconds PAM or auth-command may take"),
	[OPT_REGISTRATION] = ENUM("registration", "open", 1, registration,
	    reg_names, reg_values, "account registration: open, verify "
	    "(a code in the log) or closed"),
	[OPT_NICK_ENFORCE] = ENUM("nick-enforce", "grace", 1, nick_enforce,
	    enforce_names, enforce_values, "a registered nick used without "
	    "its account: grace, strict or off"),
	[OPT_NICK_GRACE] = INT("nick-grace", "30", 1, 3600, 1, nick_grace,
	    "seconds to log in before a registered nick is renamed"),
	[OPT_LOGIN_FAIL_MAX] = INT("login-fail-max", "5", 1, 1000, 1,
	    login_fail_max, "failed logins per address or account before "
	    "more are refused"),
	[OPT_LOGIN_FAIL_WINDOW] = INT("login-fail-window", "300", 10, 86400, 1,
	    login_fail_window, "seconds failed logins are counted for"),
	[OPT_PAM_SERVICE] = STR("pam-service", "keochat", 1, pam_service,
	    check_token, "with auth = pam: the PAM service name"),
	[OPT_PAM_CONFDIR] = STR("pam-confdir", "", 1, pam_confdir, check_path,
	    "with auth = pam: read the service from this directory; empty: "
	    "/etc/pam.d"),
	[OPT_HISTORY] = ENUM("history", "yes", 0, history, bool_names,
	    bool_values, "keep every room's messages and events in the store "
	    "(CHATHISTORY); no: keep nothing"),
	[OPT_HISTORY_MAX_DAYS] = INT("history-max-days", "365", 0, 36500, 1,
	    history_max_days, "days a room's history is kept; 0: no limit"),
	[OPT_HISTORY_MAX_LINES] = INT("history-max-lines", "100000", 0,
	    100000000, 1, history_max_lines,
	    "lines kept per room, the newest; 0: no limit"),
	[OPT_HISTORY_REPLAY_LINES] = INT("history-replay-lines", "20", 0, 100,
	    1, history_replay_lines, "lines of history a client without "
	    "draft/chathistory gets when it joins; 0: none"),
	[OPT_BACKBONE] = STR("backbone", "local", 0, backbone, check_backbone,
	    "local (one host) or nats://HOST:PORT[,nats://HOST:PORT]...: "
	    "hosts that act as one server over a NATS JetStream cluster "
	    "(tls:// for TLS to NATS)"),
	[OPT_NODE_NAME] = STR("node-name", "", 0, node_name, check_name,
	    "this host's name in the cluster, unique per host; empty: the "
	    "host name"),
	[OPT_BACKBONE_USER] = STR("backbone-user", "", 0, backbone_user,
	    NULL, "user name for the NATS servers; empty: none"),
	[OPT_BACKBONE_PASSWORD_FILE] = STR("backbone-password-file", "", 0,
	    backbone_password_file, check_path, "file whose first line is "
	    "backbone-user's password (kept out of this file and the logs)"),
	[OPT_BACKBONE_TLS_CA] = STR("backbone-tls-ca", "", 0, backbone_tls_ca,
	    check_path, "PEM CA that signs the NATS servers' certificates; "
	    "set: TLS to NATS"),
	[OPT_BACKBONE_REPLICAS] = INT("backbone-replicas", "3", 1, 5, 0,
	    backbone_replicas, "copies NATS keeps of the stream and the "
	    "buckets (at most the NATS servers in the cluster)"),
};

const struct config_option *
config_options(void)
{
	static struct config_option pub[OPT_COUNT];
	int i;

	if (pub[0].name == NULL)
		for (i = 0; i < OPT_COUNT; i++)
			pub[i] = opts[i].pub;
	return pub;
}

int
config_find(const char *name)
{
	int i;

	for (i = 0; i < OPT_COUNT; i++)
		if (strcmp(opts[i].pub.name, name) == 0)
			return i;
	return -1;
}

static int seterr(char *, size_t, const char *, unsigned, const char *, ...)
	__attribute__((format(printf, 5, 6)));

static int
seterr(char *err, size_t errsz, const char *where, unsigned line,
    const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (errsz == 0)
		return -1;
	if (line > 0)
		n = snprintf(err, errsz, "%s:%u: ", where, line);
	else
		n = snprintf(err, errsz, "%s: ", where);
	if (n < 0 || (size_t)n >= errsz)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err + n, errsz - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static int
check_name(const char *v, char *err, size_t errsz)
{
	const char *p;

	for (p = v; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-') {
			snprintf(err, errsz, "may hold only letters, digits, "
			    "'.' and '-'");
			return -1;
		}
	return 0;
}

static int
check_token(const char *v, char *err, size_t errsz)
{
	const char *p;

	if (*v == '\0') {
		snprintf(err, errsz, "must not be empty");
		return -1;
	}
	for (p = v; *p != '\0'; p++)
		if (!isgraph((unsigned char)*p) || *p == ',' || *p == ':') {
			snprintf(err, errsz, "must be one word without ',' "
			    "or ':'");
			return -1;
		}
	return 0;
}

static int
check_path(const char *v, char *err, size_t errsz)
{
	if (*v != '\0' && *v != '/') {
		snprintf(err, errsz, "must be an absolute path");
		return -1;
	}
	return 0;
}

/* "local", or a comma list of nats://HOST:PORT or tls://HOST:PORT. */
int
config_cluster(const struct config *cfg)
{
	return strcmp(cfg->backbone, "local") != 0;
}

int
config_backbone_urls(const char *v, char urls[][CONF_ADDR_MAX + 16], int max)
{
	const char *p = v, *end, *hp;
	char host[CONF_ADDR_MAX], addr[CONF_ADDR_MAX];
	unsigned port;
	size_t n;
	int count = 0;

	if (strcmp(v, "local") == 0)
		return 0;
	while (*p != '\0') {
		end = strchr(p, ',');
		n = end != NULL ? (size_t)(end - p) : strlen(p);
		if (strncmp(p, "nats://", 7) == 0)
			hp = p + 7;
		else if (strncmp(p, "tls://", 6) == 0)
			hp = p + 6;
		else
			return -1;
		if (n - (size_t)(hp - p) >= sizeof(addr) || count >= max)
			return -1;
		memcpy(addr, hp, n - (size_t)(hp - p));
		addr[n - (size_t)(hp - p)] = '\0';
		if (config_split_addr(addr, host, sizeof(host), &port) == -1 ||
		    host[0] == '\0' || port == 0 ||
		    strpbrk(host, "@/?#") != NULL)
			return -1;
		memcpy(urls[count], p, n);
		urls[count][n] = '\0';
		count++;
		if (end == NULL)
			break;
		p = end + 1;
		if (*p == '\0')
			return -1;	/* "...," */
	}
	return count > 0 ? count : -1;
}

static int
check_backbone(const char *v, char *err, size_t errsz)
{
	char urls[CONF_BACKBONE_URLS][CONF_ADDR_MAX + 16];

	if (config_backbone_urls(v, urls, CONF_BACKBONE_URLS) == -1) {
		snprintf(err, errsz, "must be local or up to %d "
		    "nats://HOST:PORT or tls://HOST:PORT, comma separated "
		    "(no user or password in them: see backbone-user)",
		    CONF_BACKBONE_URLS);
		return -1;
	}
	return 0;
}

int
config_split_addr(const char *s, char *host, size_t hostsz, unsigned *port)
{
	const char *colon, *h = s, *hend;
	char *end;
	unsigned long p;

	if (*s == '[') {
		hend = strchr(s, ']');
		if (hend == NULL || hend[1] != ':')
			return -1;
		h = s + 1;
		colon = hend + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL)
			return -1;
		hend = colon;
		if (memchr(s, ':', (size_t)(colon - s)) != NULL)
			return -1;	/* bare IPv6 needs brackets */
	}
	if ((size_t)(hend - h) >= hostsz)
		return -1;
	memcpy(host, h, (size_t)(hend - h));
	host[hend - h] = '\0';
	if (strcmp(host, "*") == 0)
		host[0] = '\0';
	if (strspn(host, "0123456789abcdefABCDEF.:-_") != strlen(host) &&
	    *s == '[')
		return -1;
	if (colon[1] < '0' || colon[1] > '9')
		return -1;
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0' || p > 65535)
		return -1;
	*port = (unsigned)p;
	return 0;
}

static int
check_listen(const char *v, char *err, size_t errsz)
{
	char host[CONF_ADDR_MAX];
	unsigned port;
	const char *p;

	for (p = v; *p != '\0'; p++)
		if (!isgraph((unsigned char)*p))
			goto bad;
	if (config_split_addr(v, host, sizeof(host), &port) == 0)
		return 0;
bad:
	snprintf(err, errsz, "'%s' is not ADDR:PORT (e.g. [::]:6667, "
	    "127.0.0.1:6667, *:6667)", v);
	return -1;
}

static int
check_autojoin(const char *v, char *err, size_t errsz)
{
	char buf[256], *save = NULL, *tok;
	unsigned n = 0;

	snprintf(buf, sizeof(buf), "%s", v);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (chan_check(tok) != NAME_OK) {
			snprintf(err, errsz, "'%s' is not a valid channel "
			    "name (%s)", tok, name_strerror(chan_check(tok)));
			return -1;
		}
		n++;
	}
	if (n > CHANS_PER_USER_MAX) {
		snprintf(err, errsz, "too many channels");
		return -1;
	}
	return 0;
}

int
config_oper_split(const char *s, char *name, size_t namesz, char *hash,
    size_t hashsz, char *masks, size_t maskssz)
{
	char buf[CONF_OPER_LEN], *save = NULL, *w[4];
	unsigned n = 0;

	if (strlen(s) >= sizeof(buf))
		return -1;
	memcpy(buf, s, strlen(s) + 1);
	w[0] = strtok_r(buf, " \t", &save);
	while (n < 3 && w[n] != NULL)
		w[++n] = strtok_r(NULL, " \t", &save);
	if (n != 3 || w[3] != NULL || strlen(w[0]) >= namesz || strlen(w[1]) >= hashsz ||
	    strlen(w[2]) >= maskssz)
		return -1;
	memcpy(name, w[0], strlen(w[0]) + 1);
	memcpy(hash, w[1], strlen(w[1]) + 1);
	memcpy(masks, w[2], strlen(w[2]) + 1);
	return 0;
}

static int
check_oper(const char *v, char *err, size_t errsz)
{
	char name[64], hash[160], masks[CONF_OPER_LEN], *m, *save = NULL;
	const char *p;

	if (config_oper_split(v, name, sizeof(name), hash, sizeof(hash), masks,
	    sizeof(masks)) == -1) {
		snprintf(err, errsz, "expected NAME HASH MASK[,MASK...]");
		return -1;
	}
	for (p = name; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_') {
			snprintf(err, errsz, "'%s' is not a name (letters, "
			    "digits, '-', '_')", name);
			return -1;
		}
	/* a crypt(3) hash: "$id$...", never a password in the clear */
	if (hash[0] != '$' || strchr(hash + 1, '$') == NULL ||
	    strlen(hash) < 20) {
		snprintf(err, errsz, "'%s...' is not a password hash (make one "
		    "with keochatd --mkpasswd)", name);
		return -1;
	}
	for (m = strtok_r(masks, ",", &save); m != NULL;
	    m = strtok_r(NULL, ",", &save))
		if (strchr(m, '@') == NULL) {
			snprintf(err, errsz, "mask '%s' is not user@host or "
			    "nick!user@host", m);
			return -1;
		}
	return 0;
}

static int
set_int(struct config *c, const struct opt_def *o, const char *value,
    const char *where, unsigned line, char *err, size_t errsz)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(value, &end, 10);
	if (*value == '\0' || *end != '\0' || errno == ERANGE ||
	    !(isdigit((unsigned char)value[0]) || value[0] == '-'))
		return seterr(err, errsz, where, line,
		    "%s: '%s' is not a number", o->pub.name, value);
	if (v < o->pub.min || v > o->pub.max)
		return seterr(err, errsz, where, line,
		    "%s: %ld is out of range (%ld..%ld)", o->pub.name, v,
		    o->pub.min, o->pub.max);
	*(unsigned *)(void *)((char *)c + o->off) = (unsigned)v;
	return 0;
}

static int
set_enum(struct config *c, const struct opt_def *o, const char *value,
    const char *where, unsigned line, char *err, size_t errsz)
{
	size_t i;

	for (i = 0; o->names[i] != NULL; i++)
		if (strcmp(o->names[i], value) == 0) {
			*(int *)(void *)((char *)c + o->off) = o->values[i];
			return 0;
		}
	return seterr(err, errsz, where, line, "%s: '%s' is not one of the "
	    "allowed values (%s)", o->pub.name, value, o->pub.help);
}

static int
set_str(char *dst, size_t dstsz, const struct opt_def *o, const char *value,
    const char *where, unsigned line, char *err, size_t errsz)
{
	char why[160];

	if (strlen(value) >= dstsz)
		return seterr(err, errsz, where, line,
		    "%s: value longer than %zu bytes", o->pub.name, dstsz - 1);
	if (strpbrk(value, "\r\n") != NULL || !utf8_valid(value, strlen(value)))
		return seterr(err, errsz, where, line,
		    "%s: value is not one line of UTF-8", o->pub.name);
	if (o->check != NULL && o->check(value, why, sizeof(why)) == -1)
		return seterr(err, errsz, where, line, "%s: %s", o->pub.name,
		    why);
	memcpy(dst, value, strlen(value) + 1);
	return 0;
}

int
config_set(struct config *c, const char *key, const char *value,
    enum conf_origin origin, const char *where, unsigned line, char *err,
    size_t errsz)
{
	int id = config_find(key);
	const struct opt_def *o;
	int rc;

	if (id < 0)
		return seterr(err, errsz, where, line, "unknown option '%s'",
		    key);
	o = &opts[id];
	if (o->pub.type == CONF_LIST) {
		unsigned *count = (unsigned *)(void *)((char *)c +
		    o->countoff);
		size_t elem = o->size / o->maxn;
		if (c->origin[id] < origin)
			*count = 0;	/* a file or -l replaces the default */
		if (*value == '\0')		/* empty: none ("tls-listen =") */
			rc = 0;
		else if (*count == o->maxn)
			return seterr(err, errsz, where, line,
			    "%s: at most %u entries", key, o->maxn);
		else if ((rc = set_str((char *)c + o->off + *count * elem,
		    elem, o, value, where, line, err, errsz)) == 0)
			(*count)++;
	} else {
		if (origin == CONF_FILE && c->origin[id] == CONF_FILE)
			return seterr(err, errsz, where, line,
			    "%s given twice (first at line %u)", key,
			    c->line[id]);
		switch (o->pub.type) {
		case CONF_INT:
			rc = set_int(c, o, value, where, line, err, errsz);
			break;
		case CONF_ENUM:
			rc = set_enum(c, o, value, where, line, err, errsz);
			break;
		default:
			rc = set_str((char *)c + o->off, o->size, o, value,
			    where, line, err, errsz);
			break;
		}
	}
	if (rc == 0 && origin > CONF_DEFAULT) {
		c->origin[id] = (unsigned char)origin;
		c->line[id] = line;
	}
	return rc;
}

int
config_defaults(struct config *c)
{
	char err[256];
	int i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < OPT_COUNT; i++)
		if (config_set(c, opts[i].pub.name, opts[i].pub.def,
		    CONF_DEFAULT, "default", 0, err, sizeof(err)) == -1)
			return -1;	/* the table itself is broken */
	return 0;
}

static int
key_char(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
	    ch == '-' || (ch >= 'A' && ch <= 'Z') || ch == '_';
}

/* Parse one line (NUL-terminated, no newline). */
static int
parse_line(struct config *c, char *s, const char *fname, unsigned lineno,
    char *err, size_t errsz)
{
	char *key, *eq, *val, *end;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0' || *s == '#')
		return 0;
	eq = strchr(s, '=');
	if (eq == NULL)
		return seterr(err, errsz, fname, lineno,
		    "expected 'key = value'");
	key = s;
	end = eq;
	while (end > key && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*end = '\0';
	for (s = key; *s != '\0'; s++)
		if (!key_char((unsigned char)*s))
			return seterr(err, errsz, fname, lineno,
			    "malformed option name '%s'", key);
	if (*key == '\0')
		return seterr(err, errsz, fname, lineno,
		    "expected 'key = value'");
	val = eq + 1;
	while (*val == ' ' || *val == '\t')
		val++;
	end = val + strlen(val);
	while (end > val && (end[-1] == ' ' || end[-1] == '\t' ||
	    end[-1] == '\r'))
		end--;
	*end = '\0';
	return config_set(c, key, val, CONF_FILE, fname, lineno, err, errsz);
}

int
config_parse(struct config *c, const char *fname, const char *buf, size_t len,
    char *err, size_t errsz)
{
	char line[1024];
	unsigned lineno = 0;
	size_t i = 0, n;
	const char *nl;

	if (memchr(buf, '\0', len) != NULL) {
		const char *z = memchr(buf, '\0', len);
		for (nl = buf; nl < z; nl++)
			if (*nl == '\n')
				lineno++;
		return seterr(err, errsz, fname, lineno + 1,
		    "NUL byte in the file");
	}
	while (i < len) {
		lineno++;
		nl = memchr(buf + i, '\n', len - i);
		n = nl ? (size_t)(nl - (buf + i)) : len - i;
		if (n >= sizeof(line))
			return seterr(err, errsz, fname, lineno,
			    "line longer than %zu bytes", sizeof(line) - 1);
		memcpy(line, buf + i, n);
		line[n] = '\0';
		if (parse_line(c, line, fname, lineno, err, errsz) == -1)
			return -1;
		i += n + 1;
	}
	return 0;
}

int
config_override(struct config *c, const char *kv, char *err, size_t errsz)
{
	char key[64];
	const char *eq = strchr(kv, '=');

	if (eq == NULL || eq == kv || (size_t)(eq - kv) >= sizeof(key))
		return seterr(err, errsz, "-o", 0,
		    "'%s' is not KEY=VALUE", kv);
	memcpy(key, kv, (size_t)(eq - kv));
	key[eq - kv] = '\0';
	return config_set(c, key, eq + 1, CONF_CMDLINE, "-o", 0, err, errsz);
}

int
config_check(const struct config *c, char *err, size_t errsz)
{
	if (c->nlisten == 0 && c->ntls_listen == 0)
		return seterr(err, errsz, "config", 0, "no listen address (set "
		    "listen or tls-listen, or use socket activation)");
	if (c->max_clients_per_ip > c->max_clients)
		return seterr(err, errsz, "config", 0,
		    "max-clients-per-ip (%u) exceeds max-clients (%u)",
		    c->max_clients_per_ip, c->max_clients);
	if (c->tls_key[0] != '\0' && c->tls_cert[0] == '\0')
		return seterr(err, errsz, "config", 0,
		    "tls-key is set but tls-cert is not");
	if (c->backbone_password_file[0] != '\0' &&
	    c->backbone_user[0] == '\0')
		return seterr(err, errsz, "config", 0,
		    "backbone-password-file is set but backbone-user is not");
	return 0;
}

void
config_value(const struct config *c, int id, char *buf, size_t bufsz)
{
	const struct opt_def *o = &opts[id];
	size_t i, n = 0;
	int v;

	buf[0] = '\0';
	switch (o->pub.type) {
	case CONF_INT:
		snprintf(buf, bufsz, "%u",
		    *(const unsigned *)(const void *)((const char *)c + o->off));
		break;
	case CONF_STR:
		snprintf(buf, bufsz, "%s", (const char *)c + o->off);
		break;
	case CONF_LIST: {
		unsigned cnt = *(const unsigned *)(const void *)
		    ((const char *)c + o->countoff);
		size_t elem = o->size / o->maxn;
		for (i = 0; i < cnt && n < bufsz; i++)
			n += (size_t)snprintf(buf + n, bufsz - n, "%s%s",
			    i ? (id == OPT_OPER ? "; " : " ") : "",
			    (const char *)c + o->off + i * elem);
		break;
	}
	case CONF_ENUM:
		v = *(const int *)(const void *)((const char *)c + o->off);
		for (i = 0; o->names[i] != NULL; i++)
			if (o->values[i] == v)
				snprintf(buf, bufsz, "%s", o->names[i]);
		break;
	}
}

int
config_differs(const struct config *a, const struct config *b, int id)
{
	const struct opt_def *o = &opts[id];

	if (o->pub.type == CONF_LIST)
		return *(const unsigned *)(const void *)((const char *)a +
		    o->countoff) != *(const unsigned *)(const void *)
		    ((const char *)b + o->countoff) ||
		    memcmp((const char *)a + o->off, (const char *)b + o->off,
		    o->size) != 0;
	return memcmp((const char *)a + o->off, (const char *)b + o->off,
	    o->size) != 0;
}

void
config_keep(struct config *dst, const struct config *src, int id)
{
	const struct opt_def *o = &opts[id];

	if (o->pub.type == CONF_LIST)
		memcpy((char *)dst + o->countoff, (const char *)src +
		    o->countoff, sizeof(unsigned));
	memcpy((char *)dst + o->off, (const char *)src + o->off, o->size);
	dst->origin[id] = src->origin[id];
	dst->line[id] = src->line[id];
}
