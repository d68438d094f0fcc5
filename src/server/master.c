/*
 * master.c -- the supervisor.  It parses the configuration, binds the
 * listening sockets (or takes them from systemd), creates the roster
 * segment, binds relay.sock, forks the relay and the workers, and then
 * only supervises: it never reads a client byte and never locks the roster.
 *
 * Signals are read from a signalfd in the loop (handlers never run).
 * Respawn policy: a child that dies is replaced under the same worker id;
 * exit status 2 means a configuration error and is never respawned (the
 * master shuts down); more than MAX_DEATHS deaths in a minute make the
 * master give up and exit 1 so that systemd can restart the whole thing.
 * A child whose heartbeat stops for watchdog-timeout seconds is killed.
 */
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "listen.h"
#include "log.h"
#include "notify.h"
#include "proc.h"
#include "relay_msg.h"
#include "roster.h"
#include "server.h"

#define MAX_DEATHS	5		/* per DEATH_WINDOW_MS, then give up */
#define DEATH_WINDOW_MS	60000
#define STOP_GRACE_MS	4500		/* SIGKILL stragglers after this */
#define TAG_SIG		1
#define TAG_CHILD	2		/* + index: 0 relay, 1.. workers */

struct master {
	int		 ep;
	int		 sigfd;
	struct proc	 procs[WORKERS_MAX + 1];	/* [0] relay, then workers */
	unsigned	 nprocs;
	int64_t		 deaths[MAX_DEATHS + 1];	/* ring of death times */
	unsigned	 ndeaths;
	int		 stopping;
	int64_t		 stop_by_ms;
	int		 exit_code;
	int		 ready_notified;
	unsigned	 last_users;
	const char	*config_path;
	char		**overrides;
	int		 noverrides;
	char		 rundir[CONF_PATH_MAX];
	int		 made_rundir;
};

/* This process's master context (the master half of kd). */
static struct master M;

void
clock_update(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	kd.now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	kd.now_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	clock_gettime(CLOCK_REALTIME, &ts);
	kd.now = ts.tv_sec;
	kd.now_real_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
motd_load(char *err, size_t errsz)
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
			close(fd);
			return -1;
		}
		len += (size_t)n;
	}
	close(fd);
	while (len > 0 && (kd.motd[len - 1] == '\n' || kd.motd[len - 1] == '\r'))
		len--;
	kd.motdlen = len;
	kd.has_motd = 1;
	return 0;
}

int
config_load(const char *path, int required, char **ov, int nov,
    struct config *out, char *err, size_t errsz)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd, i, rc = 0;

	config_defaults(out);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno != ENOENT || required) {
			snprintf(err, errsz, "%s: %s", path, strerror(errno));
			return -1;
		}
	} else {
		for (;;) {
			if (len == cap) {
				char *nb;
				if (cap >= (1u << 20)) {
					snprintf(err, errsz, "%s: larger than "
					    "1 MiB", path);
					rc = -1;
					break;
				}
				cap = cap ? cap * 2 : 4096;
				if ((nb = realloc(buf, cap)) == NULL) {
					snprintf(err, errsz, "out of memory");
					rc = -1;
					break;
				}
				buf = nb;
			}
			n = read(fd, buf + len, cap - len);
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1) {
				snprintf(err, errsz, "%s: %s", path,
				    strerror(errno));
				rc = -1;
				break;
			}
			if (n == 0)
				break;
			len += (size_t)n;
		}
		close(fd);
		if (rc == 0)
			rc = config_parse(out, path, buf ? buf : "", len, err,
			    errsz);
		free(buf);
		if (rc == -1)
			return -1;
	}
	for (i = 0; i < nov; i++)
		if (config_override(out, ov[i], err, errsz) == -1)
			return -1;
	if (out->server_name[0] == '\0') {
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
	return config_check(out, err, errsz);
}

/* --- setup ------------------------------------------------------------------ */

static void
shm_create(void)
{
	char name[64], err[128];
	size_t size;
	void *mem;
	int fd;

	size = roster_size(kd.cfg.max_clients, kd.cfg.max_channels);
	snprintf(name, sizeof(name), "/keochatd-%ld-%lx", (long)getpid(),
	    (unsigned long)kd.now_real_ms);
	fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0) {
		if (shm_unlink(name) == -1)	/* nothing stays in /dev/shm */
			fatal("shm_unlink %s", name);
	} else {
		/* no usable /dev/shm (a sandbox): an anonymous memfd is the
		 * same shared memory without a name at all */
		log_debug("shm_open %s: %s; using memfd_create", name,
		    strerror(errno));
		if ((fd = memfd_create("keochatd-roster", MFD_CLOEXEC)) == -1)
			fatal("memfd_create");
	}
	if (ftruncate(fd, (off_t)size) == -1)
		fatal("ftruncate roster segment (%zu bytes)", size);
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED)
		fatal("mmap roster segment (%zu bytes)", size);
	close(fd);
	if (roster_init(mem, size, kd.cfg.max_clients, kd.cfg.max_channels,
	    kd.nworkers) == -1)
		fatalx("cannot initialise the roster segment");
	if ((kd.roster = roster_attach(mem, size, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	kd.shm = mem;
	kd.shmsize = size;
	log_debug("roster: %zu bytes for %u clients, %u channels", size,
	    kd.cfg.max_clients, kd.cfg.max_channels);
}

static int
try_dir(const char *dir, mode_t mode)
{
	struct stat st;

	if (mkdir(dir, mode) == 0) {
		M.made_rundir = 1;
		return 0;
	}
	if (errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode) &&
	    access(dir, W_OK | X_OK) == 0)
		return 0;
	return -1;
}

static void
rundir_choose(void)
{
	const char *env;
	char tmpl[CONF_PATH_MAX];

	if (kd.cfg.runtime_dir[0] != '\0') {
		snprintf(M.rundir, sizeof(M.rundir), "%s", kd.cfg.runtime_dir);
		if (try_dir(M.rundir, 0700) == -1)
			fatal("runtime-dir %s", M.rundir);
		return;
	}
	if ((env = getenv("RUNTIME_DIRECTORY")) != NULL && *env == '/') {
		snprintf(M.rundir, sizeof(M.rundir), "%.*s",
		    (int)strcspn(env, ":"), env);
		if (try_dir(M.rundir, 0700) == 0)
			return;
	}
	snprintf(M.rundir, sizeof(M.rundir), "/run/keochatd");
	if (try_dir(M.rundir, 0755) == 0)
		return;
	if ((env = getenv("XDG_RUNTIME_DIR")) != NULL && *env == '/') {
		snprintf(M.rundir, sizeof(M.rundir), "%s/keochatd", env);
		if (strlen(M.rundir) < sizeof(M.rundir) - 1 &&
		    try_dir(M.rundir, 0700) == 0)
			return;
	}
	snprintf(tmpl, sizeof(tmpl), "/tmp/keochatd-%ld-XXXXXX",
	    (long)getuid());
	if (mkdtemp(tmpl) == NULL)
		fatal("mkdtemp %s", tmpl);
	snprintf(M.rundir, sizeof(M.rundir), "%s", tmpl);
	M.made_rundir = 1;
}

static void
relay_sock_bind(void)
{
	struct sockaddr_un sun;
	int fd, probe;

	rundir_choose();
	if ((size_t)snprintf(kd.relay_path, sizeof(kd.relay_path),
	    "%s/relay.sock", M.rundir) >= sizeof(sun.sun_path))
		fatalx("runtime-dir %s is too long for a socket path", M.rundir);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%.*s",
	    (int)sizeof(sun.sun_path) - 1, kd.relay_path);
	/* a relay.sock that answers belongs to a running keochatd */
	probe = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (probe >= 0 && connect(probe, (struct sockaddr *)&sun,
	    sizeof(sun)) == 0)
		fatalx("another keochatd is running (%s answers); set "
		    "runtime-dir to run a second one", kd.relay_path);
	if (probe >= 0)
		close(probe);
	if (unlink(kd.relay_path) == -1 && errno != ENOENT)
		fatal("unlink stale %s", kd.relay_path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		fatal("socket for relay.sock");
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    chmod(kd.relay_path, 0600) == -1 || listen(fd, WORKERS_MAX) == -1)
		fatal("bind %s", kd.relay_path);
	kd.relay_fd = fd;
}

static void
drop_privileges(void)
{
	struct passwd *pw;

	if (geteuid() != 0)
		return;
	if (kd.cfg.user[0] == '\0') {
		log_warnx("running as root; set 'user' in the configuration to "
		    "drop privileges after binding");
		return;
	}
	if ((pw = getpwnam(kd.cfg.user)) == NULL)
		fatalx("user %s: no such user", kd.cfg.user);
	if (chown(M.rundir, pw->pw_uid, pw->pw_gid) == -1 ||
	    chown(kd.relay_path, pw->pw_uid, pw->pw_gid) == -1)
		fatal("chown %s", M.rundir);
	if (setgroups(1, &pw->pw_gid) == -1 || setgid(pw->pw_gid) == -1 ||
	    setuid(pw->pw_uid) == -1)
		fatal("cannot drop privileges to %s", kd.cfg.user);
	if (setuid(0) != -1)
		fatalx("still able to regain root after dropping privileges");
	log_info("running as %s (uid %ld)", kd.cfg.user, (long)pw->pw_uid);
}

static void
raise_nofile(void)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)kd.cfg.max_clients + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return;
	if (rl.rlim_cur < want) {
		rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			log_warn("setrlimit(RLIMIT_NOFILE)");
	}
	if (rl.rlim_cur < want)
		log_warnx("only %lu file descriptors per process for "
		    "max-clients %u: raise the limit (LimitNOFILE=)",
		    (unsigned long)rl.rlim_cur, kd.cfg.max_clients);
}

/* --- children ------------------------------------------------------------------ */

/* In a new child: close what belongs to the master; a worker has no use
 * for relay.sock, the relay none for the client listeners. */
static void
close_in_child(void *arg)
{
	const struct proc *p = arg;
	unsigned i;
	int k;

	close(M.ep);
	close(M.sigfd);
	for (i = 0; i < M.nprocs; i++)
		if (M.procs[i].ctl >= 0)
			close(M.procs[i].ctl);
	if (p->role == ROLE_WORKER) {
		close(kd.relay_fd);
		kd.relay_fd = -1;
	} else {
		for (k = 0; k < kd.nlisten; k++)
			close(kd.listen_fds[k]);
		kd.nlisten = 0;
	}
}

static void
spawn(struct proc *p)
{
	char name[32];

	if (proc_spawn(p, close_in_child, p) == -1) {
		log_warnx("cannot start %s", proc_name(p, name, sizeof(name)));
		return;
	}
	p->last_hb_ms = kd.now_ms;
	if (ep_add(M.ep, p->ctl, EPOLLIN, (epoll_data_t){ .u64 = TAG_CHILD +
	    (uint64_t)(p - M.procs) }) == -1)
		fatal("epoll_ctl control socket");
	log_debug("started %s (pid %ld)", proc_name(p, name, sizeof(name)),
	    (long)p->pid);
}

static void
send_simple(struct proc *p, enum relay_type type)
{
	if (p->ctl >= 0 && ctl_send_u32(p->ctl, type, 0, 0, 0) == -1)
		log_warn("control message to pid %ld", (long)p->pid);
}

static void
begin_stop(int code, const char *why)
{
	unsigned i;

	if (M.stopping)
		return;
	M.stopping = 1;
	M.exit_code = code;
	M.stop_by_ms = kd.now_ms + STOP_GRACE_MS;
	notify("STOPPING=1");
	log_info("shutting down (%s)", why);
	for (i = 0; i < (unsigned)kd.nlisten; i++)
		close(kd.listen_fds[i]);
	kd.nlisten = 0;
	for (i = 1; i < M.nprocs; i++)
		send_simple(&M.procs[i], RELAY_CTL_SHUTDOWN);
}

static int
workers_running(void)
{
	unsigned i;

	for (i = 1; i < M.nprocs; i++)
		if (M.procs[i].pid > 0)
			return 1;
	return 0;
}

static void
death_count(void)
{
	unsigned i, recent = 0;

	M.deaths[M.ndeaths++ % (MAX_DEATHS + 1)] = kd.now_ms;
	for (i = 0; i < MAX_DEATHS + 1 && i < M.ndeaths; i++)
		if (kd.now_ms - M.deaths[i] < DEATH_WINDOW_MS)
			recent++;
	if (recent > MAX_DEATHS) {
		log_warnx("%u child deaths within a minute: giving up", recent);
		begin_stop(1, "too many child deaths");
	}
}

static void
worker_gone_to_relay(const struct proc *w)
{
	uint8_t buf[32];
	struct relay_msg_w rw;
	int n;

	if (M.procs[0].ctl < 0)
		return;
	relay_msg_begin(&rw, buf, sizeof(buf), RELAY_CTL_WORKER_GONE);
	relay_msg_add_u8(&rw, (uint8_t)w->id);
	relay_msg_add_u32(&rw, (uint32_t)w->pid);
	if ((n = relay_msg_end(&rw)) > 0 &&
	    ctl_send(M.procs[0].ctl, buf, (size_t)n) == -1)
		log_warn("WORKER_GONE to the relay");
}

static void
reaped(struct proc *p, int status)
{
	char name[32], how[64];

	proc_name(p, name, sizeof(name));
	if (WIFEXITED(status))
		snprintf(how, sizeof(how), "exited with status %d",
		    WEXITSTATUS(status));
	else
		snprintf(how, sizeof(how), "killed by signal %d",
		    WTERMSIG(status));
	if (p->ctl >= 0)
		close(p->ctl);
	p->ctl = -1;
	if (p->role == ROLE_WORKER)
		worker_gone_to_relay(p);
	p->pid = 0;
	if (M.stopping) {
		log_debug("%s %s", name, how);
		return;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 2) {
		log_warnx("%s %s (configuration error): not respawning it",
		    name, how);
		begin_stop(1, "a child failed its configuration");
		return;
	}
	log_warnx("%s %s; respawning it", name, how);
	death_count();
	if (!M.stopping)
		spawn(p);
}

static void
reap(void)
{
	unsigned i;
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < M.nprocs; i++)
			if (M.procs[i].pid == pid) {
				reaped(&M.procs[i], status);
				break;
			}
	}
	if (pid == -1 && errno != ECHILD)
		log_warn("waitpid");
}

/* --- reload ------------------------------------------------------------------- */

static void
reload(void)
{
	const struct config_option *opt = config_options();
	uint8_t *buf;
	struct relay_msg_w w;
	struct config nc;
	char err[512], oldv[256];
	unsigned i;
	int id, n;

	notify("RELOADING=1");
	if (config_load(M.config_path, 0, M.overrides, M.noverrides, &nc, err,
	    sizeof(err)) == -1) {
		log_warnx("reload failed: %s; keeping the current "
		    "configuration", err);
		notify("READY=1");
		return;
	}
	for (id = 0; id < OPT_COUNT; id++) {
		if (opt[id].reloadable || !config_differs(&kd.cfg, &nc, id))
			continue;
		config_value(&kd.cfg, id, oldv, sizeof(oldv));
		log_warnx("reload: %s cannot change while running (restart "
		    "keochatd); keeping '%s'", opt[id].name, oldv);
		config_keep(&nc, &kd.cfg, id);
	}
	kd.cfg = nc;
	log_setlevel(kd.cfg.log_level);
	if (motd_load(err, sizeof(err)) == -1)
		log_warnx("motd-file: %s", err);
	if ((buf = malloc(RELAY_FRAME_MAX)) == NULL)
		fatalx("out of memory");
	relay_msg_begin(&w, buf, RELAY_FRAME_MAX, RELAY_CTL_RELOAD);
	relay_msg_add_bytes(&w, &kd.cfg, sizeof(kd.cfg));
	relay_msg_add_str(&w, kd.motd, kd.has_motd ? kd.motdlen : 0);
	if ((n = relay_msg_end(&w)) == -1)
		fatalx("cannot build RELOAD: %s", relay_msg_strerror(w.err));
	for (i = 0; i < M.nprocs; i++)
		if (M.procs[i].ctl >= 0 &&
		    ctl_send(M.procs[i].ctl, buf, (size_t)n) == -1)
			log_warn("RELOAD to pid %ld", (long)M.procs[i].pid);
	free(buf);
	log_info("configuration reloaded");
	notify("READY=1");
}

/* --- the loop ------------------------------------------------------------------ */

static void
child_frame(struct relay_msg_r *r, void *arg)
{
	struct proc *p = arg;

	p->last_hb_ms = kd.now_ms;
	switch (r->type) {
	case RELAY_CTL_READY:
		p->ready = 1;
		break;
	case RELAY_CTL_HEARTBEAT:
		p->users = relay_msg_get_u32(r);
		p->conns = relay_msg_get_u32(r);
		break;
	default:
		log_warnx("unexpected %s control frame from pid %ld",
		    relay_type_name(r->type), (long)p->pid);
		break;
	}
}

/* Frames from a child; at EOF nothing to do: SIGCHLD follows. */
static void
child_read(struct proc *p)
{
	if (p->ctl >= 0 && ctl_recv(p->ctl, child_frame, p) == -2)
		log_warnx("malformed control frame from pid %ld", (long)p->pid);
}

static void
status_update(void)
{
	unsigned i, users = 0, conns = 0, ready = 1;
	char name[32];

	for (i = 0; i < M.nprocs; i++) {
		if (!M.procs[i].ready)
			ready = 0;
		users += M.procs[i].users;
		conns += M.procs[i].conns;
	}
	if (ready && !M.ready_notified && !M.stopping) {
		M.ready_notified = 1;
		notify("READY=1\nSTATUS=Serving, %u workers\nMAINPID=%ld",
		    kd.nworkers, (long)getpid());
		log_info("ready: %u workers, relay at %s", kd.nworkers,
		    kd.relay_path);
	}
	if (M.ready_notified && users != M.last_users) {
		M.last_users = users;
		notify("STATUS=%u users, %u connections, %u workers", users,
		    conns, kd.nworkers);
	}
	if (kd.cfg.watchdog_timeout == 0 || M.stopping)
		return;
	for (i = 0; i < M.nprocs; i++) {
		struct proc *p = &M.procs[i];
		if (p->pid > 0 && kd.now_ms - p->last_hb_ms >
		    (int64_t)kd.cfg.watchdog_timeout * 1000) {
			log_warnx("%s (pid %ld) missed its heartbeat for %u "
			    "seconds: killing it", proc_name(p, name,
			    sizeof(name)), (long)p->pid,
			    kd.cfg.watchdog_timeout);
			if (kill(p->pid, SIGKILL) == -1)
				log_warn("kill %ld", (long)p->pid);
			p->last_hb_ms = kd.now_ms;
		}
	}
}

static void
on_signal(void)
{
	struct signalfd_siginfo si;

	while (read(M.sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			reap();
			break;
		case SIGTERM:
		case SIGINT:
			begin_stop(0, si.ssi_signo == SIGTERM ? "SIGTERM" :
			    "SIGINT");
			break;
		case SIGHUP:
			if (!M.stopping)
				reload();
			break;
		}
	}
}

static void
stop_progress(void)
{
	unsigned i;

	if (!workers_running() && M.procs[0].pid > 0 && M.procs[0].ctl >= 0) {
		send_simple(&M.procs[0], RELAY_CTL_SHUTDOWN);
		M.procs[0].ready = 0;
	}
	if (kd.now_ms < M.stop_by_ms)
		return;
	for (i = 0; i < M.nprocs; i++)
		if (M.procs[i].pid > 0) {
			log_warnx("pid %ld did not stop in time: SIGKILL",
			    (long)M.procs[i].pid);
			kill(M.procs[i].pid, SIGKILL);
		}
	M.stop_by_ms = kd.now_ms + 1000;
}

static void
signals_setup(void)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		fatal("sigprocmask");
	if ((M.sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		fatal("signalfd");
	if ((M.ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		fatal("epoll_create1");
	if (ep_add(M.ep, M.sigfd, EPOLLIN, (epoll_data_t){ .u64 = TAG_SIG })
	    == -1)
		fatal("epoll_ctl signalfd");
}

static void
cleanup(void)
{
	if (unlink(kd.relay_path) == -1 && errno != ENOENT)
		log_warn("unlink %s", kd.relay_path);
	if (M.made_rundir && rmdir(M.rundir) == -1 && errno != ENOENT &&
	    errno != ENOTEMPTY && errno != EACCES && errno != EPERM)
		log_warn("rmdir %s", M.rundir);
}

static void
startup(void)
{
	char err[512];
	time_t t = time(NULL);
	struct tm tm;
	long ncpu;
	unsigned i;

	if (kd.cfg.workers > 0)
		kd.nworkers = kd.cfg.workers;
	else {
		ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		kd.nworkers = ncpu < 1 ? 1 : ncpu > WORKERS_MAX ? WORKERS_MAX :
		    (unsigned)ncpu;
	}
	if (localtime_r(&t, &tm) != NULL)
		strftime(kd.created, sizeof(kd.created), "%Y-%m-%d %H:%M:%S %Z",
		    &tm);
	if (motd_load(err, sizeof(err)) == -1)
		log_warnx("motd-file: %s (clients will see 422)", err);
	raise_nofile();
	kd.nlisten = listen_open(&kd.cfg, kd.listen_fds,
	    (int)(sizeof(kd.listen_fds) / sizeof(kd.listen_fds[0])), err,
	    sizeof(err));
	if (kd.nlisten <= 0)
		fatalx("%s", kd.nlisten == 0 ? "nothing to listen on" : err);
	shm_create();
	relay_sock_bind();
	drop_privileges();
	signals_setup();
	M.nprocs = kd.nworkers + 1;
	for (i = 0; i < M.nprocs; i++) {
		M.procs[i].role = i == 0 ? ROLE_RELAY : ROLE_WORKER;
		M.procs[i].id = i == 0 ? 0 : i - 1;
		M.procs[i].ctl = -1;
	}
}

int
master_main(const char *config_path, char **overrides, int noverrides)
{
	struct epoll_event evs[32];
	int64_t last_status = 0;
	unsigned i;
	int n, k;

	M.config_path = config_path;
	M.overrides = overrides;
	M.noverrides = noverrides;
	kd.role = ROLE_MASTER;
	kd.pid = getpid();
	clock_update();
	startup();
	for (i = 0; i < M.nprocs; i++)
		spawn(&M.procs[i]);
	while (!M.stopping || M.procs[0].pid > 0 || workers_running()) {
		n = epoll_wait(M.ep, evs, 32, M.stopping ? 100 : 1000);
		if (n == -1 && errno != EINTR)
			fatal("epoll_wait");
		clock_update();
		for (k = 0; k < n; k++) {
			if (evs[k].data.u64 == TAG_SIG)
				on_signal();
			else if (evs[k].data.u64 - TAG_CHILD < M.nprocs)
				child_read(&M.procs[evs[k].data.u64 -
				    TAG_CHILD]);
		}
		if (M.stopping)
			stop_progress();
		if (kd.now_ms - last_status >= 1000 || !M.ready_notified) {
			last_status = kd.now_ms;
			status_update();
		}
	}
	cleanup();
	log_info("stopped");
	return M.exit_code;
}
