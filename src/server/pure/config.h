/*
 * config.h -- keochatd's options: one table, one pointer-free struct.
 *
 * The option table in config.c is the single source of truth: the file
 * parser, "-o KEY=VALUE", --configtest, keochatd.conf(5) and the sample
 * config all follow it (a test checks the last two).  struct config holds
 * no pointers, so the master can send it whole to its children on reload.
 * Pure code: the caller reads the file and passes the bytes.
 */
#ifndef KEO_CONFIG_H
#define KEO_CONFIG_H

#include <stddef.h>

#define CONF_LISTEN_MAX		8
#define CONF_ADDR_MAX		64
#define CONF_PATH_MAX		96	/* runtime-dir + "/relay.sock" fits sun_path */
#define CONF_FILE_MAX		256	/* state-dir, certificate and key files */
#define CONF_OPER_MAX		16	/* oper blocks */
#define CONF_OPER_LEN		384	/* "NAME HASH MASK[,MASK...]" */
#define CONF_BACKBONE_MAX	512	/* "nats://h:p[,nats://h:p]..." */
#define CONF_BACKBONE_URLS	8	/* NATS servers in backbone */

enum conf_log { CONF_LOG_STDERR, CONF_LOG_SYSLOG };
enum conf_tlsver { CONF_TLS_1_2, CONF_TLS_1_3 };
enum conf_auth { CONF_AUTH_INTERNAL, CONF_AUTH_PAM, CONF_AUTH_COMMAND };
enum conf_reg { CONF_REG_OPEN, CONF_REG_VERIFY, CONF_REG_CLOSED };
enum conf_enforce { CONF_ENFORCE_GRACE, CONF_ENFORCE_STRICT, CONF_ENFORCE_OFF };
enum conf_level { CONF_LVL_ERROR, CONF_LVL_WARNING, CONF_LVL_INFO,
	CONF_LVL_DEBUG };

/* Where an option's current value came from (later origins win). */
enum conf_origin { CONF_DEFAULT = 0, CONF_FILE, CONF_CMDLINE };

enum conf_id {
	OPT_SERVER_NAME, OPT_SERVER_INFO, OPT_NETWORK, OPT_LISTEN, OPT_WORKERS,
	OPT_MAX_CLIENTS, OPT_MAX_CLIENTS_PER_IP, OPT_MAX_CHANNELS,
	OPT_MAX_CHANNELS_PER_CLIENT, OPT_AUTOJOIN, OPT_MOTD_FILE, OPT_PASSWORD,
	OPT_NICKLEN, OPT_REGISTRATION_TIMEOUT, OPT_PING_INTERVAL,
	OPT_PING_TIMEOUT, OPT_SENDQ, OPT_RECVQ, OPT_FLOOD_BURST, OPT_FLOOD_RATE,
	OPT_WATCHDOG_TIMEOUT, OPT_RELAY_QUEUE_MAX, OPT_RELAY_STALL_TIMEOUT,
	OPT_RUNTIME_DIR, OPT_USER, OPT_LOG, OPT_LOG_LEVEL,
	OPT_LOG_FACILITY, OPT_OPER, OPT_STATE_DIR, OPT_TLS_LISTEN, OPT_TLS_CERT,
	OPT_TLS_KEY, OPT_TLS_CIPHERS, OPT_TLS_MIN_VERSION,
	OPT_TLS_HANDSHAKE_TIMEOUT, OPT_TLS_ONLY, OPT_STS_DURATION,
	OPT_AUTH, OPT_AUTH_COMMAND, OPT_AUTH_TIMEOUT, OPT_REGISTRATION,
	OPT_NICK_ENFORCE, OPT_NICK_GRACE, OPT_LOGIN_FAIL_MAX,
	OPT_LOGIN_FAIL_WINDOW, OPT_PAM_SERVICE, OPT_PAM_CONFDIR,
	OPT_HISTORY, OPT_HISTORY_MAX_DAYS, OPT_HISTORY_MAX_LINES,
	OPT_HISTORY_REPLAY_LINES, OPT_BACKBONE, OPT_NODE_NAME,
	OPT_BACKBONE_USER, OPT_BACKBONE_PASSWORD_FILE, OPT_BACKBONE_TLS_CA,
	OPT_BACKBONE_REPLICAS,
	OPT_COUNT
};

struct config {
	char	 server_name[64];	/* empty: the host name */
	char	 server_info[128];
	char	 network[32];
	char	 listen[CONF_LISTEN_MAX][CONF_ADDR_MAX]; /* "ADDR:PORT" */
	unsigned nlisten;
	unsigned workers;		/* 0: one per CPU */
	unsigned max_clients;
	unsigned max_clients_per_ip;	/* 0: no limit */
	unsigned max_channels;
	unsigned max_channels_per_client;
	char	 autojoin[256];		/* comma list, may be empty */
	char	 motd_file[256];
	char	 password[128];		/* empty: none */
	unsigned nicklen;
	unsigned registration_timeout;	/* seconds */
	unsigned ping_interval;		/* seconds */
	unsigned ping_timeout;		/* seconds */
	unsigned sendq;			/* bytes */
	unsigned recvq;			/* bytes */
	unsigned flood_burst;		/* lines */
	unsigned flood_rate;		/* lines per second, 0: off */
	unsigned watchdog_timeout;	/* seconds, 0: off */
	unsigned relay_queue_max;	/* bytes one worker may lag */
	unsigned relay_stall_timeout;	/* seconds without progress */
	char	 runtime_dir[CONF_PATH_MAX];
	char	 user[64];
	int	 log;			/* enum conf_log */
	int	 log_level;		/* enum conf_level */
	int	 log_facility;		/* syslog facility value */
	char	 oper[CONF_OPER_MAX][CONF_OPER_LEN];	/* "NAME HASH MASKS" */
	unsigned noper;
	char	 state_dir[CONF_FILE_MAX];	/* the store, the generated cert */
	char	 tls_listen[CONF_LISTEN_MAX][CONF_ADDR_MAX]; /* TLS ports */
	unsigned ntls_listen;
	char	 tls_cert[CONF_FILE_MAX];	/* PEM chain; empty: generated */
	char	 tls_key[CONF_FILE_MAX];	/* PEM key; empty: in tls_cert */
	char	 tls_ciphers[256];		/* TLS 1.2 cipher list */
	int	 tls_min_version;		/* enum conf_tlsver */
	unsigned tls_handshake_timeout;		/* seconds */
	int	 tls_only;			/* plain text from loopback only */
	unsigned sts_duration;			/* seconds; 0: no sts */
	int	 auth;				/* enum conf_auth */
	char	 auth_command[CONF_FILE_MAX];	/* the site's checker */
	unsigned auth_timeout;			/* seconds for PAM/command */
	int	 registration;			/* enum conf_reg */
	int	 nick_enforce;			/* enum conf_enforce */
	unsigned nick_grace;			/* seconds */
	unsigned login_fail_max;		/* failures per window */
	unsigned login_fail_window;		/* seconds */
	char	 pam_service[64];		/* auth = pam: the service */
	char	 pam_confdir[CONF_FILE_MAX];	/* "": the system's */
	int	 history;			/* keep the rooms' history */
	unsigned history_max_days;		/* 0: no age limit */
	unsigned history_max_lines;		/* per room; 0: no limit */
	unsigned history_replay_lines;		/* on join, without the cap */
	char	 backbone[CONF_BACKBONE_MAX];	/* "local" or nats:// URLs */
	char	 node_name[64];			/* "": the host name */
	char	 backbone_user[64];		/* NATS user, "" none */
	char	 backbone_password_file[CONF_FILE_MAX];	/* its password */
	char	 backbone_tls_ca[CONF_FILE_MAX];	/* TLS to NATS: the CA */
	unsigned backbone_replicas;		/* of the stream and buckets */
	unsigned char origin[OPT_COUNT];	/* enum conf_origin */
	unsigned line[OPT_COUNT];	/* file line that set it, 0: none */
};

enum conf_type { CONF_INT, CONF_STR, CONF_LIST, CONF_ENUM };

struct config_option {
	const char	*name;
	enum conf_type	 type;
	const char	*def;		/* default, as written in a file */
	long		 min, max;	/* CONF_INT range; CONF_STR max length */
	int		 reloadable;	/* applied on SIGHUP */
	const char	*help;		/* one line for --help and the docs */
};

/* The option table (OPT_COUNT entries, in enum conf_id order). */
const struct config_option *config_options(void);

/* Look an option up by name; -1 when unknown. */
int		 config_find(const char *name);

/* Reset every option to its default; -1 only when the option table
 * itself is broken (a default its own checks refuse). */
int		 config_defaults(struct config *c);

/* Set one option; where/line name the source for errors ("FILE", line;
 * line 0 for the command line).  0, or -1 with "where:line: message" in
 * err. */
int		 config_set(struct config *c, const char *key, const char *value,
		    enum conf_origin origin, const char *where, unsigned line,
		    char *err, size_t errsz);

/* Nonzero when backbone names NATS servers (cluster mode). */
int		 config_cluster(const struct config *cfg);
/* backbone's NATS servers, split: how many (0 for "local"), or -1 */
int		 config_backbone_urls(const char *v,
		    char urls[][CONF_ADDR_MAX + 16], int max);

/* Parse a whole file's bytes.  0, or -1 with the first error in err. */
int		 config_parse(struct config *c, const char *fname,
		    const char *buf, size_t len, char *err, size_t errsz);

/* Apply "KEY=VALUE" from the command line. */
int		 config_override(struct config *c, const char *kv, char *err,
		    size_t errsz);

/* Checks that span options; 0 or -1 with err. */
int		 config_check(const struct config *c, char *err, size_t errsz);

/* The current value of option id as it would be written in a file. */
void		 config_value(const struct config *c, int id, char *buf,
		    size_t bufsz);

/* An oper block ("NAME HASH MASK[,MASK...]") split: the name, the
 * crypt(3) hash and the comma list of nick!user@host masks; 0 or -1. */
int		 config_oper_split(const char *s, char *name, size_t namesz,
		    char *hash, size_t hashsz, char *masks, size_t maskssz);

/* Split "ADDR:PORT" ("[v6]:port", "v4:port", "*:port", ":port") into
 * host (empty for any) and port; 0 or -1. */
int		 config_split_addr(const char *s, char *host, size_t hostsz,
		    unsigned *port);

/* Copy option id's value from src into dst. */
void		 config_keep(struct config *dst, const struct config *src,
		    int id);

/* Nonzero when option id differs between a and b. */
int		 config_differs(const struct config *a, const struct config *b,
		    int id);

#endif
