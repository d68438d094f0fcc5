/*
 * ctx.c -- the process context kd and its helpers (see ctx.h).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctx.h"
#include "ev.h"
#include "frame.h"
#include "log.h"
#include "peer.h"
#include "roster.h"

struct keochatd kd;

void
ctx_clock(void *arg)
{
	struct timespec ts;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	kd.now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	kd.now_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	clock_gettime(CLOCK_REALTIME, &ts);
	kd.now = ts.tv_sec;
	kd.now_real_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
tell(const void *frame, int len)
{
	if (len < 0 || kd.ctl == NULL)
		return;
	if (peer_send(kd.ctl, frame, (size_t)len) == 0)
		peer_flush(kd.ctl);
}

void
ctx_tell_ready(void)
{
	struct frame_ready f = { (uint32_t)kd.pid };
	uint8_t buf[64];

	tell(buf, frame_pack_ready(buf, sizeof(buf), &f));
}

void
ctx_tell_rehash(void)
{
	uint8_t buf[64];

	tell(buf, frame_pack_rehash(buf, sizeof(buf)));
}

void
ctx_tell_reloaded(uint32_t gen)
{
	struct frame_reloaded f = { gen };
	uint8_t buf[64];

	tell(buf, frame_pack_reloaded(buf, sizeof(buf), &f));
}

void
ctx_heartbeat(void)
{
	struct frame_heartbeat f = { kd.hb_users, kd.hb_conns };
	uint8_t buf[64];

	tell(buf, frame_pack_heartbeat(buf, sizeof(buf), &f));
}

/* While another process holds the roster lock: stay visibly alive. */
static void
lock_wait(void *arg)
{
	(void)arg;
	ctx_clock(NULL);
	ctx_heartbeat();
}

void
ctx_child_init(peer_recv_fn fn, void *arg)
{
	if ((kd.ev = ev_new()) == NULL)
		fatal("event loop");
	ev_set_clock(kd.ev, ctx_clock, NULL);
	ctx_clock(NULL);
	if ((kd.hub = peer_hub_new(kd.ev)) == NULL)
		fatal("peer hub");
	if ((kd.ctl = peer_new(kd.hub, kd.ctl_fd, "master", fn, arg)) == NULL)
		fatal("control socket");
	kd.ctl_fd = -1;		/* the peer owns it */
	if (kd.roster != NULL)
		roster_set_wait_hook(kd.roster, lock_wait, NULL);
}

void
ctx_roster_lock(void)
{
	int rc = roster_lock(kd.roster);

	if (rc == -1)
		fatalx("roster lock is unusable");
	if (rc == 1)
		log_warnx("roster repaired after a process died holding its "
		    "lock");
}

void
ctx_roster_unlock(void)
{
	roster_unlock(kd.roster);
}

int
ctx_motd_load(char *err, size_t errsz)
{
	ssize_t n;
	size_t len = 0;
	int fd;

	kd.has_motd = 0;
	kd.motdlen = 0;
	if (kd.cfg.motd_file[0] == '\0')
		return 0;
	if ((fd = open(kd.cfg.motd_file, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errsz, "%s: %s", kd.cfg.motd_file,
		    strerror(errno));
		return -1;
	}
	while (len < sizeof(kd.motd) &&
	    (n = read(fd, kd.motd + len, sizeof(kd.motd) - len)) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			snprintf(err, errsz, "%s: %s", kd.cfg.motd_file,
			    strerror(errno));
			(void)close(fd);
			return -1;
		}
		len += (size_t)n;
	}
	(void)close(fd);
	while (len > 0 && (kd.motd[len - 1] == '\n' || kd.motd[len - 1] == '\r'))
		len--;
	kd.motdlen = len;
	kd.has_motd = 1;
	return 0;
}

/* The whole file into a malloc'd buffer (at most 1 MiB); NULL with err. */
static char *
slurp(int fd, const char *path, size_t *lenp, char *err, size_t errsz)
{
	char *buf = NULL, *nb;
	size_t len = 0, cap = 0;
	ssize_t n;

	for (;;) {
		if (len == cap) {
			if (cap >= (1u << 20)) {
				snprintf(err, errsz, "%s: larger than 1 MiB",
				    path);
				goto fail;
			}
			cap = cap ? cap * 2 : 4096;
			if ((nb = realloc(buf, cap)) == NULL) {
				snprintf(err, errsz, "out of memory");
				goto fail;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errsz, "%s: %s", path, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*lenp = len;
	return buf;
fail:
	free(buf);
	return NULL;
}

/* An empty server-name becomes the host name, made a valid server name. */
static void
default_server_name(struct config *out)
{
	char host[256];
	size_t k;

	if (gethostname(host, sizeof(host)) == -1)
		snprintf(host, sizeof(host), "keochat.local");
	host[sizeof(out->server_name) - 1] = '\0';
	for (k = 0; host[k] != '\0'; k++)
		if (!((host[k] >= 'a' && host[k] <= 'z') ||
		    (host[k] >= 'A' && host[k] <= 'Z') ||
		    (host[k] >= '0' && host[k] <= '9') ||
		    host[k] == '.' || host[k] == '-'))
			host[k] = '-';
	snprintf(out->server_name, sizeof(out->server_name), "%.*s",
	    (int)sizeof(out->server_name) - 1,
	    host[0] ? host : "keochat.local");
}

int
ctx_config_load(const char *path, int required, char **ov, int nov,
    struct config *out, char *err, size_t errsz)
{
	char *buf;
	size_t len = 0;
	int fd, i, rc;

	if (config_defaults(out) == -1) {
		snprintf(err, errsz, "the built-in option table has a default "
		    "it refuses (a bug)");
		return -1;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno != ENOENT || required) {
			snprintf(err, errsz, "%s: %s", path, strerror(errno));
			return -1;
		}
	} else {
		buf = slurp(fd, path, &len, err, errsz);
		(void)close(fd);
		if (buf == NULL)
			return -1;
		rc = config_parse(out, path, buf, len, err, errsz);
		free(buf);
		if (rc == -1)
			return -1;
	}
	for (i = 0; i < nov; i++)
		if (config_override(out, ov[i], err, errsz) == -1)
			return -1;
	if (out->server_name[0] == '\0')
		default_server_name(out);
	return config_check(out, err, errsz);
}

/* mkdir -p with mode for the last component (parents 0755); 0 when dir
 * is (now) a directory this process may write, else -1 with errno. */
static int
mkdirs(const char *dir, mode_t mode)
{
	char buf[CONF_FILE_MAX + 64], *p;
	struct stat st;

	if (snprintf(buf, sizeof(buf), "%s", dir) >= (int)sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) == -1 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, mode) == -1 && errno != EEXIST)
		return -1;
	if (stat(buf, &st) == -1)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return access(buf, W_OK | X_OK);
}

static int
state_mkdirs(const char *dir)
{
	return mkdirs(dir, 0700);
}

/* Could dir be made (its nearest existing ancestor is writable) or used
 * as it is?  mkdirs() without making anything: --configtest. */
static int
could_make(const char *dir)
{
	char buf[CONF_FILE_MAX + 64], *slash;
	struct stat st;

	if (snprintf(buf, sizeof(buf), "%s", dir) >= (int)sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (;;) {
		if (stat(buf, &st) == 0) {
			if (!S_ISDIR(st.st_mode)) {
				errno = ENOTDIR;
				return -1;
			}
			return access(buf, W_OK | X_OK);
		}
		if (errno != ENOENT || (slash = strrchr(buf, '/')) == NULL)
			return -1;
		if (slash == buf) {
			buf[1] = '\0';
			continue;
		}
		*slash = '\0';
	}
}

int
ctx_state_dir(const struct config *cfg, int create, char *out, size_t outsz,
    char *note, size_t notesz, char *err, size_t errsz)
{
	int (*usable)(const char *) = create ? state_mkdirs : could_make;
	const char *env;
	int saved;

	note[0] = '\0';
	if (cfg->origin[OPT_STATE_DIR] != CONF_DEFAULT) {
		if (usable(cfg->state_dir) == -1) {
			snprintf(err, errsz, "state-dir %s: %s", cfg->state_dir,
			    strerror(errno));
			return -1;
		}
		snprintf(out, outsz, "%s", cfg->state_dir);
		return 0;
	}
	/* systemd's StateDirectory= */
	if ((env = getenv("STATE_DIRECTORY")) != NULL && *env == '/') {
		snprintf(out, outsz, "%.*s", (int)strcspn(env, ":"), env);
		if (usable(out) == 0)
			return 0;
	}
	if (usable(cfg->state_dir) == 0) {
		snprintf(out, outsz, "%s", cfg->state_dir);
		return 0;
	}
	saved = errno;
	/* started by hand as an ordinary user: a per-user place, said so */
	if ((env = getenv("XDG_STATE_HOME")) != NULL && *env == '/')
		snprintf(out, outsz, "%s/keochat", env);
	else if ((env = getenv("HOME")) != NULL && *env == '/')
		snprintf(out, outsz, "%s/.local/state/keochat", env);
	else {
		snprintf(err, errsz, "state-dir %s: %s, and neither "
		    "XDG_STATE_HOME nor HOME is set (set state-dir)",
		    cfg->state_dir, strerror(saved));
		return -1;
	}
	if (strlen(out) >= CONF_FILE_MAX || usable(out) == -1) {
		snprintf(err, errsz, "state-dir %s: %s; the per-user %s: %s "
		    "(set state-dir)", cfg->state_dir, strerror(saved), out,
		    strerror(errno));
		return -1;
	}
	snprintf(note, notesz, "state-dir %s is not writable (%s); using %s "
	    "(set state-dir to choose)", cfg->state_dir, strerror(saved), out);
	return 0;
}
