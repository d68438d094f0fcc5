/*
 * main.c -- keochatd's command line: parse it, load and check the
 * configuration (--configtest stops here), then become the master.
 * Exit status: 0 clean, 1 runtime failure, 2 usage or configuration error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "config.h"
#include "ctx.h"
#include "log.h"
#include "master.h"
#include "pwhash.h"
#include "store.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define DEFAULT_CONFIG	SYSCONFDIR "/keochat/keochatd.conf"

static void
usage(FILE *f)
{
	fprintf(f,
"usage: keochatd [-f|--config FILE] [-l|--listen ADDR:PORT]... [-w|--workers N]\n"
"                [-o|--option KEY=VALUE]... [-t|--configtest] [-V|--version]\n"
"                [-h|--help] [--backup FILE]\n"
"\n"
"  -f, --config FILE      configuration file (default %s)\n"
"  -l, --listen ADDR:PORT listen there instead of the configured addresses\n"
"  -w, --workers N        number of worker processes (0: one per CPU)\n"
"  -o, --option KEY=VALUE set any configuration option (see keochatd.conf(5))\n"
"  -t, --configtest       check the configuration and exit (0 good, 2 bad)\n"
"  -V, --version          print the version and exit\n"
"  -h, --help             print this help and exit\n"
"      --options          print the option table (name, default, reloadable,\n"
"                         description), tab separated, and exit\n"
"      --backup FILE      copy the store (state-dir/keochat.db) to FILE while\n"
"                         the server runs (SQLite's online backup)\n"
"      --mkpasswd         read a password (twice from a terminal, once from\n"
"                         a pipe), print its yescrypt hash for an oper line\n",
	    DEFAULT_CONFIG);
}

/* --backup FILE: the store of the configured state-dir, copied online. */
static int
do_backup(const char *dest)
{
	char dir[CONF_FILE_MAX], note[CONF_FILE_MAX * 2 + 128], err[768];

	if (ctx_state_dir(&kd.cfg, 0, dir, sizeof(dir), note, sizeof(note),
	    err, sizeof(err)) == -1 || store_backup(dir, dest, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "keochatd: backup: %s\n", err);
		return 1;
	}
	fprintf(stderr, "keochatd: %s/%s copied to %s\n", dir, STORE_FILE,
	    dest);
	return 0;
}

static void
print_options(void)
{
	const struct config_option *o = config_options();
	int i;

	for (i = 0; i < OPT_COUNT; i++)
		printf("%s\t%s\t%s\t%s\n", o[i].name, o[i].def,
		    o[i].reloadable ? "yes" : "no", o[i].help);
}

/* The -o overrides, with -l and -w turned into "listen=..." and
 * "workers=..." strings this file owns. */
struct overrides {
	char	**v;
	char	 *owned;	/* v[i] was allocated here */
	int	  n;
};

static void
ov_add(struct overrides *o, const char *key, char *value)
{
	size_t n;
	char *s;

	if (key == NULL) {
		o->v[o->n++] = value;
		return;
	}
	n = strlen(key) + strlen(value) + 2;
	if ((s = malloc(n)) == NULL) {
		perror("keochatd");
		exit(1);
	}
	snprintf(s, n, "%s=%s", key, value);
	o->owned[o->n] = 1;
	o->v[o->n++] = s;
}

static int
ov_done(struct overrides *o, int status)
{
	int i;

	for (i = 0; i < o->n; i++)
		if (o->owned[i])
			free(o->v[i]);
	free(o->v);
	free(o->owned);
	return status;
}

/* One line from stdin without its newline, not echoed on a terminal;
 * 0, or -1 at EOF or on an error. */
static int
read_secret(const char *prompt, char *buf, size_t bufsz)
{
	struct termios old, quiet;
	int tty = isatty(STDIN_FILENO), rc = 0;
	size_t n;

	if (tty) {
		fprintf(stderr, "%s", prompt);
		if (tcgetattr(STDIN_FILENO, &old) == -1)
			return -1;
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == -1)
			return -1;
	}
	if (fgets(buf, (int)bufsz, stdin) == NULL)
		rc = -1;
	if (tty) {
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fprintf(stderr, "\n");
	}
	if (rc == 0) {
		n = strcspn(buf, "\r\n");
		buf[n] = '\0';
	}
	return rc;
}

/* keochatd --mkpasswd: a yescrypt hash (libcrypt) for an oper line. */
static int
mkpasswd(void)
{
	char pw[256], again[256], hash[160], err[256];
	int status = 1;

	if (read_secret("Password: ", pw, sizeof(pw)) == -1) {
		fprintf(stderr, "keochatd: no password read\n");
		return 2;
	}
	if (isatty(STDIN_FILENO) && (read_secret("Again: ", again,
	    sizeof(again)) == -1 || strcmp(pw, again) != 0)) {
		fprintf(stderr, "keochatd: the passwords differ\n");
		explicit_bzero(pw, sizeof(pw));
		return 2;
	}
	if (pw[0] == '\0') {
		fprintf(stderr, "keochatd: the password is empty\n");
		return 2;
	}
	if (pw_hash(pw, hash, sizeof(hash), err, sizeof(err)) == -1)
		fprintf(stderr, "keochatd: %s\n", err);
	else {
		printf("%s\n", hash);
		status = fflush(stdout) == 0 ? 0 : 1;
	}
	explicit_bzero(pw, sizeof(pw));
	explicit_bzero(again, sizeof(again));
	return status;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'f' },
		{ "listen", required_argument, NULL, 'l' },
		{ "workers", required_argument, NULL, 'w' },
		{ "option", required_argument, NULL, 'o' },
		{ "configtest", no_argument, NULL, 't' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ "options", no_argument, NULL, 'O' },
		{ "mkpasswd", no_argument, NULL, 'P' },
		{ "backup", required_argument, NULL, 'B' },
		{ NULL, 0, NULL, 0 }
	};
	const char *path = DEFAULT_CONFIG;
	struct overrides ov;
	char err[512];
	const char *backup = NULL;
	int ch, test = 0, required = 0;

	ov.n = 0;
	ov.v = calloc((size_t)argc + 1, sizeof(*ov.v));
	ov.owned = calloc((size_t)argc + 1, 1);
	if (ov.v == NULL || ov.owned == NULL) {
		perror("keochatd");
		return ov_done(&ov, 1);
	}
	while ((ch = getopt_long(argc, argv, "f:l:w:o:tVh", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'f':
			path = optarg;
			required = 1;
			break;
		case 'l':
			ov_add(&ov, "listen", optarg);
			break;
		case 'w':
			ov_add(&ov, "workers", optarg);
			break;
		case 'o':
			ov_add(&ov, NULL, optarg);
			break;
		case 't':
			test = 1;
			break;
		case 'V':
			printf("%s\n", KEOCHATD_VERSION);
			return ov_done(&ov, 0);
		case 'h':
			usage(stdout);
			return ov_done(&ov, 0);
		case 'O':
			print_options();
			return ov_done(&ov, 0);
		case 'P':
			return ov_done(&ov, mkpasswd());
		case 'B':
			backup = optarg;
			break;
		default:
			usage(stderr);
			return ov_done(&ov, 2);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "keochatd: unexpected argument '%s'\n",
		    argv[optind]);
		usage(stderr);
		return ov_done(&ov, 2);
	}
	if (ctx_config_load(path, required, ov.v, ov.n, &kd.cfg, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "keochatd: %s\n", err);
		return ov_done(&ov, 2);
	}
	if (backup != NULL)
		return ov_done(&ov, do_backup(backup));
	if (test) {
		if (state_prepare(1, err, sizeof(err)) == -1) {
			fprintf(stderr, "keochatd: %s\n", err);
			return ov_done(&ov, 2);
		}
		fprintf(stderr, "keochatd: %s: configuration OK\n", path);
		return ov_done(&ov, 0);
	}
	log_init(kd.cfg.log == CONF_LOG_SYSLOG, kd.cfg.log_facility,
	    kd.cfg.log_level);
	log_procname("master");
	kd.relay_fd = -1;
	kd.ctl_fd = -1;
	return ov_done(&ov, master_main(path, ov.v, ov.n));
}
