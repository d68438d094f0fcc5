/*
 * master.c -- the supervisor.  It parses the configuration, binds the
 * listening sockets (or takes them from systemd), creates the shared
 * segments (the roster, the relay's log), binds relay.sock, forks the
 * relay and the workers, and then only supervises: it never reads a client
 * byte and never locks the roster.
 *
 * Resources it owns (DESIGN.md section 2): the listening sockets (bound
 * here, inherited by the workers); the roster and relay log segments
 * (created here before any fork; after a child is reaped the master never
 * trusts them, it only tells the relay); relay.sock (bound here, so a
 * respawned relay inherits it); one control pair per child, over which it
 * sends SHUTDOWN, RELOAD and WORKER_GONE and hears READY, HEARTBEAT,
 * RELOADED and, from the relay, REPLACE.  A reload is done (logged, and
 * READY=1 for systemd) once every child has said it applied it.
 *
 * Signals are read from a signalfd in the loop (handlers never run).
 * Respawn policy: a child that dies is replaced under the same worker id;
 * exit status 2 means a configuration error and is never respawned (the
 * master shuts down); more than MAX_DEATHS deaths in a minute make the
 * master give up and exit 1 so that systemd can restart the whole thing.
 * A child whose heartbeat stops for watchdog-timeout seconds is killed; so
 * is a worker the relay reports stuck (REPLACE).
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

#include "ctx.h"
#include "ev.h"
#include "frame.h"
#include "listen.h"
#include "log.h"
#include "master.h"
#include "notify.h"
#include "peer.h"
#include "proc.h"
#include "relay.h"
#include "ring.h"
#include "roster.h"
#include "worker.h"

#define MAX_DEATHS	5		/* per DEATH_WINDOW_MS, then give up */
#define DEATH_WINDOW_MS	60000
#define STOP_GRACE_MS	4500		/* SIGKILL stragglers after this */
#define RELOAD_WAIT_MS	5000		/* children have this long to apply */

/* Every kind of child and its entry function. */
static const struct {
	enum proc_role	 role;
	int		(*main)(void);
} procs[] = {
	{ ROLE_RELAY, relay_main },
	{ ROLE_WORKER, worker_main },
};

struct master {
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
	uint32_t	 reload_gen;	/* the last RELOAD sent */
	int64_t		 reload_by_ms;	/* 0: no reload waiting for children */
	const char	*config_path;
	int		 tls;		/* some listener speaks TLS */
	char		**overrides;
	int		 noverrides;
	char		 rundir[CONF_PATH_MAX];
	int		 made_rundir;
};

/* This process's master context (the master half of kd). */
static struct master M;

/* --- setup ------------------------------------------------------------------ */

/* A shared, anonymous segment of size bytes: shm_open + shm_unlink at
 * once, so nothing is left in /dev/shm after a crash; a memfd where there
 * is no usable /dev/shm (a sandbox). */
static void *
shm_create(const char *what, size_t size)
{
	char name[64];
	void *mem;
	int fd;

	snprintf(name, sizeof(name), "/keochatd-%ld-%s-%lx", (long)getpid(),
	    what, (unsigned long)kd.now_real_ms);
	fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0) {
		if (shm_unlink(name) == -1)
			fatal("shm_unlink %s", name);
	} else {
		log_debug("shm_open %s: %s; using memfd_create", name,
		    strerror(errno));
		if ((fd = memfd_create(what, MFD_CLOEXEC)) == -1)
			fatal("memfd_create");
	}
	if (ftruncate(fd, (off_t)size) == -1)
		fatal("ftruncate %s segment (%zu bytes)", what, size);
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED)
		fatal("mmap %s segment (%zu bytes)", what, size);
	(void)close(fd);
	return mem;
}

static void
segments_create(void)
{
	char err[128];

	kd.shmsize = roster_size(kd.cfg.max_clients, kd.cfg.max_channels);
	kd.shm = shm_create("roster", kd.shmsize);
	if (roster_init(kd.shm, kd.shmsize, kd.cfg.max_clients,
	    kd.cfg.max_channels, kd.nworkers) == -1)
		fatalx("cannot initialise the roster segment");
	if ((kd.roster = roster_attach(kd.shm, kd.shmsize, err,
	    sizeof(err))) == NULL)
		fatalx("%s", err);
	kd.ringsize = ring_size(kd.cfg.max_channels, relay_log_bytes());
	kd.ringmem = shm_create("relaylog", kd.ringsize);
	if (ring_init(kd.ringmem, kd.ringsize, kd.cfg.max_channels,
	    relay_log_bytes(), (uint64_t)kd.now_real_ms << 20) == -1)
		fatalx("cannot initialise the relay log segment");
	log_debug("roster: %zu bytes for %u clients, %u channels; relay log: "
	    "%zu bytes", kd.shmsize, kd.cfg.max_clients, kd.cfg.max_channels,
	    kd.ringsize);
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
		(void)close(probe);
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

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		log_warn("getrlimit(RLIMIT_NOFILE)");
		return;
	}
	if (rl.rlim_cur < want) {
		/* the hard limit too where we may (started as root, before
		 * the privileges go); else as far as the hard limit goes */
		struct rlimit up = { want, rl.rlim_max < want ? want :
		    rl.rlim_max };

		if (setrlimit(RLIMIT_NOFILE, &up) == 0)
			rl = up;
		else {
			rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
			if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
				log_warn("setrlimit(RLIMIT_NOFILE)");
		}
	}
	/* a client is a descriptor in one worker: the workers together
	 * must hold max-clients (each keeps a few for itself) */
	if (rl.rlim_cur < want && (rl.rlim_cur < 128 ||
	    (rl.rlim_cur - 64) * kd.nworkers < kd.cfg.max_clients))
		log_warnx("only %lu file descriptors per process for "
		    "max-clients %u over %u workers: raise the limit "
		    "(LimitNOFILE=)", (unsigned long)rl.rlim_cur,
		    kd.cfg.max_clients, kd.nworkers);
}

/* --- children ------------------------------------------------------------------ */

/* In a new child: close what belongs to the master, without touching the
 * master's epoll set (the child shares it until it closes it). */
static void
close_in_child(void *arg)
{
	const struct proc *p = arg;
	int k;

	peer_hub_forget(kd.hub);
	ev_free(kd.ev);
	kd.hub = NULL;
	kd.ev = NULL;
	(void)close(M.sigfd);
	if (p->role == ROLE_WORKER) {
		(void)close(kd.relay_fd);
		kd.relay_fd = -1;
		if (munmap(kd.ringmem, kd.ringsize) == -1)
			log_warn("munmap relay log");
		kd.ringmem = NULL;
	} else {
		for (k = 0; k < kd.nlisten; k++)
			(void)close(kd.listen_fds[k]);
		kd.nlisten = 0;
	}
}

static void child_frame(struct peer *, const uint8_t *, size_t, void *);
static void reload_check(void);

static int
(*entry_of(enum proc_role role))(void)
{
	size_t i;

	for (i = 0; i < sizeof(procs) / sizeof(procs[0]); i++)
		if (procs[i].role == role)
			return procs[i].main;
	fatalx("no entry function for role %d", role);
}

static void
spawn(struct proc *p)
{
	char name[32];

	proc_name(p, name, sizeof(name));
	if (proc_spawn(p, entry_of(p->role), close_in_child, p) == -1) {
		log_warnx("cannot start %s", name);
		return;
	}
	p->last_hb_ms = kd.now_ms;
	p->reload_gen = M.reload_gen;	/* it has the configuration of now */
	if ((p->ctl = peer_new(kd.hub, p->ctl_fd, name, child_frame, p)) ==
	    NULL)
		fatal("control socket of %s", name);
	p->ctl_fd = -1;
	log_debug("started %s (pid %ld)", name, (long)p->pid);
}

static void
send_to(struct proc *p, const void *frame, int len)
{
	if (len < 0 || p->ctl == NULL)
		return;
	if (peer_send(p->ctl, frame, (size_t)len) == -1)
		log_warnx("control message to pid %ld: %s", (long)p->pid,
		    peer_error(p->ctl));
}

static void
send_shutdown(struct proc *p)
{
	uint8_t buf[32];

	send_to(p, buf, frame_pack_shutdown(buf, sizeof(buf)));
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
		(void)close(kd.listen_fds[i]);
	kd.nlisten = 0;
	for (i = 1; i < M.nprocs; i++)
		send_shutdown(&M.procs[i]);
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
	struct frame_worker_gone f = { (uint8_t)w->id, (uint32_t)w->pid };
	uint8_t buf[32];

	send_to(&M.procs[0], buf, frame_pack_worker_gone(buf, sizeof(buf),
	    &f));
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
	if (p->ctl != NULL)
		peer_close(p->ctl);
	p->ctl = NULL;
	if (p->role == ROLE_WORKER)
		worker_gone_to_relay(p);
	p->pid = 0;
	p->ready = 0;
	reload_check();
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
reload_send(void)
{
	struct frame_reload f;
	uint8_t *buf;
	unsigned i;
	int n;

	f.gen = ++M.reload_gen;
	f.cfg = kd.cfg;
	f.motd = kd.motd;
	f.motdlen = kd.has_motd ? kd.motdlen : 0;
	if ((buf = malloc(FRAME_MAX)) == NULL)
		fatalx("out of memory");
	if ((n = frame_pack_reload(buf, FRAME_MAX, &f)) == -1)
		fatalx("cannot build RELOAD");
	for (i = 0; i < M.nprocs; i++)
		send_to(&M.procs[i], buf, n);
	free(buf);
	M.reload_by_ms = kd.now_ms + RELOAD_WAIT_MS;
}

/* The reload is done when every running child says it applied it (a
 * child started since has it from birth), or after RELOAD_WAIT_MS. */
static void
reload_check(void)
{
	char name[32];
	unsigned i, waiting = 0;

	if (M.reload_by_ms == 0)
		return;
	for (i = 0; i < M.nprocs; i++)
		if (M.procs[i].pid > 0 && M.procs[i].reload_gen !=
		    M.reload_gen)
			waiting++;
	if (waiting > 0 && kd.now_ms < M.reload_by_ms)
		return;
	for (i = 0; i < M.nprocs && waiting > 0; i++)
		if (M.procs[i].pid > 0 && M.procs[i].reload_gen !=
		    M.reload_gen)
			log_warnx("%s (pid %ld) did not confirm the reload",
			    proc_name(&M.procs[i], name, sizeof(name)),
			    (long)M.procs[i].pid);
	M.reload_by_ms = 0;
	log_info("configuration reloaded");
	notify("READY=1");
}

static void
reload(void)
{
	const struct config_option *opt = config_options();
	struct config nc;
	char err[512], oldv[256];
	int id;

	notify("RELOADING=1");
	if (ctx_config_load(M.config_path, 0, M.overrides, M.noverrides, &nc,
	    err, sizeof(err)) == -1) {
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
	if (ctx_motd_load(err, sizeof(err)) == -1)
		log_warnx("motd-file: %s", err);
	/* the workers re-read the certificate; this says once, in the
	 * master's log, whether the new pair is good */
	if (M.tls && state_tls_check(0, err, sizeof(err)) == -1)
		log_warnx("%s; the workers keep the certificate they have",
		    err);
	reload_send();
	reload_check();
}

/* --- frames from children ------------------------------------------------------ */

/* The relay says a worker makes no progress: end it like a crashed one. */
static void
on_replace(const struct proc *from, const uint8_t *frame, size_t len)
{
	struct frame_replace f;
	enum frame_err err;
	struct proc *w;

	if (frame_unpack_replace(frame, len, &f, &err) == -1 ||
	    from->role != ROLE_RELAY) {
		log_warnx("bad REPLACE from pid %ld: %s", (long)from->pid,
		    err != FRAME_OK ? frame_strerror(err) : "not the relay");
		return;
	}
	if (f.id >= kd.nworkers || (w = &M.procs[f.id + 1])->pid !=
	    (pid_t)f.pid || M.stopping)
		return;		/* already gone */
	log_warnx("worker %u (pid %ld) is stuck (%.*s): killing it", w->id,
	    (long)w->pid, (int)f.whylen, f.why);
	if (kill(w->pid, SIGKILL) == -1)
		log_warn("kill %ld", (long)w->pid);
}

static void
child_frame(struct peer *peer, const uint8_t *frame, size_t len, void *arg)
{
	struct proc *p = arg;
	struct frame_heartbeat hb;
	struct frame_reloaded rl;
	enum frame_err err;
	int type;

	(void)peer;
	if (frame == NULL) {	/* the child went; SIGCHLD follows */
		p->ctl = NULL;
		return;
	}
	p->last_hb_ms = kd.now_ms;
	switch ((type = frame_open(frame, len, &err))) {
	case FRAME_READY:
		p->ready = 1;
		break;
	case FRAME_HEARTBEAT:
		if (frame_unpack_heartbeat(frame, len, &hb, &err) == 0) {
			p->users = hb.users;
			p->conns = hb.conns;
		}
		break;
	case FRAME_RELOADED:
		if (frame_unpack_reloaded(frame, len, &rl, &err) == 0)
			p->reload_gen = rl.gen;
		reload_check();
		break;
	case FRAME_REPLACE:
		on_replace(p, frame, len);
		break;
	case FRAME_REHASH:
		if (p->role != ROLE_WORKER || M.stopping)
			break;
		log_info("REHASH from an IRC operator (worker pid %ld): "
		    "reloading", (long)p->pid);
		reload();
		break;
	default:
		log_warnx("unexpected %s control frame from pid %ld",
		    frame_type_name((unsigned)type), (long)p->pid);
		break;
	}
}

/* --- the loop ------------------------------------------------------------------ */

static void
watchdog(void)
{
	char name[32];
	unsigned i;

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
status_update(void *arg)
{
	unsigned i, users = 0, conns = 0, ready = 1;

	(void)arg;
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
	watchdog();
}

static void
on_signal(int fd, uint32_t events, void *arg)
{
	struct signalfd_siginfo si;

	(void)events;
	(void)arg;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
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

/* Each turn: until every child is ready, status is checked at once; while
 * stopping, the relay goes last and stragglers are killed in time. */
static void
turn_end(void *arg)
{
	unsigned i;

	(void)arg;
	if (!M.ready_notified)
		status_update(NULL);
	if (M.reload_by_ms != 0) {
		reload_check();
		ev_wake_in(kd.ev, 100);
	}
	if (!M.stopping)
		return;
	if (!workers_running() && M.procs[0].pid > 0 && M.procs[0].ready) {
		send_shutdown(&M.procs[0]);
		M.procs[0].ready = 0;
	}
	if (!workers_running() && M.procs[0].pid == 0) {
		ev_stop(kd.ev);
		return;
	}
	ev_wake_in(kd.ev, 100);
	if (kd.now_ms < M.stop_by_ms)
		return;
	for (i = 0; i < M.nprocs; i++)
		if (M.procs[i].pid > 0) {
			log_warnx("pid %ld did not stop in time: SIGKILL",
			    (long)M.procs[i].pid);
			(void)kill(M.procs[i].pid, SIGKILL);
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
	kd.started = (int64_t)t;
	if (localtime_r(&t, &tm) != NULL)
		strftime(kd.created, sizeof(kd.created), "%Y-%m-%d %H:%M:%S %Z",
		    &tm);
	if (ctx_motd_load(err, sizeof(err)) == -1)
		log_warnx("motd-file: %s (clients will see 422)", err);
	raise_nofile();
	kd.nlisten = listen_open(&kd.cfg, kd.listen_fds, kd.listen_tls,
	    (int)(sizeof(kd.listen_fds) / sizeof(kd.listen_fds[0])), err,
	    sizeof(err));
	if (kd.nlisten <= 0)
		fatalx("%s", kd.nlisten == 0 ? "nothing to listen on" : err);
	for (i = 0; i < (unsigned)kd.nlisten; i++)
		M.tls |= kd.listen_tls[i];
	if (state_prepare(0, err, sizeof(err)) == -1) {
		/* a configuration error: systemd must not restart it */
		log_warnx("%s", err);
		exit(2);
	}
	ctx_clock(NULL);
	segments_create();
	state_restore_channels();
	relay_sock_bind();
	drop_privileges();
	signals_setup();
	M.nprocs = kd.nworkers + 1;
	for (i = 0; i < M.nprocs; i++) {
		M.procs[i].role = i == 0 ? ROLE_RELAY : ROLE_WORKER;
		M.procs[i].id = i == 0 ? 0 : i - 1;
		M.procs[i].ctl_fd = -1;
	}
}

int
master_main(const char *config_path, char **overrides, int noverrides)
{
	unsigned i;

	/* init */
	M.config_path = config_path;
	M.overrides = overrides;
	M.noverrides = noverrides;
	kd.role = ROLE_MASTER;
	kd.pid = getpid();
	ctx_clock(NULL);
	startup();
	/* attach */
	if ((kd.ev = ev_new()) == NULL || (kd.hub = peer_hub_new(kd.ev)) ==
	    NULL)
		fatal("event loop");
	ev_set_clock(kd.ev, ctx_clock, NULL);
	for (i = 0; i < M.nprocs; i++)
		spawn(&M.procs[i]);
	state_open_history();
	/* register */
	if (ev_fd_add(kd.ev, M.sigfd, EPOLLIN, on_signal, NULL) == -1 ||
	    ev_timer_add(kd.ev, 1000, 1000, status_update, NULL) == 0 ||
	    ev_timer_add(kd.ev, 1000, 1000, state_prune_history, NULL) == 0 ||
	    ev_hook_add(kd.ev, peer_hub_turn, kd.hub) == -1 ||
	    ev_hook_add(kd.ev, turn_end, NULL) == -1)
		fatal("event loop");
	/* loop */
	if (ev_run(kd.ev) == -1)
		fatal("epoll_wait");
	state_close_history();
	cleanup();
	log_info("stopped");
	return M.exit_code;
}
