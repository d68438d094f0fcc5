/*
 * worker.c -- a worker process: one event loop over its clients, the
 * shared listening socket(s), its relay link and its control socket.
 *
 * Resources it owns (DESIGN.md section 2): the client sockets it accepts
 * from the listening sockets the master bound (one set shared by every
 * worker, EPOLLEXCLUSIVE); in the roster, its own users' slots, nicks and
 * memberships, always under the roster lock; one link to the relay (it
 * connects to relay.sock and says HELLO); its end of the control pair
 * (EOF means the master is gone: it drains and exits).  It never touches
 * the relay's log.
 *
 * The layers of a worker, bottom up, each calling only down and hearing
 * from below through callbacks wired here: client.c (sockets, buffers),
 * link.c (the relay link), deliver.c (frames in and out, the local
 * channel index), session.c (welcome, joins, departure), then dispatch.c
 * and cmd_*.c (the commands).  This file wires them and owns the accept
 * policy: a worker that holds clearly more than its share of the
 * connections (by the per-worker counts in the roster) stops accepting
 * for a moment, as nginx does with accept_disabled.  When accept() runs
 * out of descriptors, a reserved descriptor is given up to accept and
 * refuse the connection at once, so there is no EMFILE spin.
 */
#include <sys/epoll.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "account.h"
#include "client.h"
#include "cmd.h"
#include "cmd_account.h"
#include "cmd_chanserv.h"
#include "ctx.h"
#include "deliver.h"
#include "ev.h"
#include "frame.h"
#include "jobs.h"
#include "label.h"
#include "link.h"
#include "log.h"
#include "monitor.h"
#include "peer.h"
#include "roster.h"
#include "session.h"
#include "tls.h"
#include "worker.h"

#define ACCEPT_BATCH	16	/* accept() calls per wakeup */
#define SHUTDOWN_MS	3000	/* flush budget at SIGTERM */
#define ORPHAN_MS	500	/* flush budget when the master is gone */

struct worker {
	int		 nlisten;
	int		*listen;	/* kd.listen_fds, inherited */
	int		 accepting;	/* listen fds are watched */
	int64_t		 accept_retry_ms;
	int		 reserve_fd;	/* spare fd for EMFILE */
	int64_t		 stop_by_ms;	/* shutdown deadline */
	int		 ready_sent;
};

/* This process's worker context (the worker half of kd). */
static struct worker W;

/* A test build links testhooks.c, which defines this (the keochatd that
 * is installed does not): a nonzero return is the exit status. */
extern int	testhooks_worker(void) __attribute__((weak));

static void	accept_some(int lfd);

/* Does listening socket lfd speak TLS? */
static int
listen_is_tls(int lfd)
{
	int i;

	for (i = 0; i < W.nlisten; i++)
		if (W.listen[i] == lfd)
			return kd.listen_tls[i];
	return 0;
}

/* tls-only: plain text only from this host's own 127.0.0.1 and ::1 (the
 * rest of 127/8 is taken for other hosts: a NAT or proxy on loopback). */
static int
loopback(const uint8_t a[16])
{
	static const uint8_t v6lo[16] = { [15] = 1 };
	static const uint8_t v4lo[16] = { [10] = 0xff, [11] = 0xff,
		[12] = 127, [15] = 1 };

	return memcmp(a, v6lo, 16) == 0 || memcmp(a, v4lo, 16) == 0;
}

static void
on_listen(int fd, uint32_t events, void *arg)
{
	(void)events;
	(void)arg;
	if (W.accepting)
		accept_some(fd);
}

static void
listen_set(int on)
{
	int i;

	if (on == W.accepting)
		return;
	for (i = 0; i < W.nlisten; i++)
		if ((on ? ev_fd_add(kd.ev, W.listen[i], EPOLLIN |
		    EPOLLEXCLUSIVE, on_listen, NULL) :
		    ev_fd_del(kd.ev, W.listen[i])) == -1)
			log_warn("epoll_ctl listen fd %d", W.listen[i]);
	W.accepting = on;
	log_debug("accepting %s (%u connections here)", on ? "on" : "off",
	    client_count());
}

/* nginx's rule: stop taking connections while holding clearly more than
 * an even share of them. */
static int
accept_allowed(void)
{
	unsigned sum, n, mine = client_count(), avg, slack;

	roster_worker_conns(kd.roster, &sum, &n);
	if (n <= 1)
		return 1;
	avg = sum / n;
	slack = avg / 8 > 8 ? avg / 8 : 8;
	return mine <= avg + slack;
}

static void
refuse(int fd, const char *host, const char *why)
{
	char buf[256];
	int n;

	n = snprintf(buf, sizeof(buf), "ERROR :Closing Link: %s (%s)\r\n",
	    host, why);
	if (n > 0 && send(fd, buf, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) == -1)
		log_debug("refusing %s: %s", host, strerror(errno));
	(void)close(fd);
}

static void
addr_of(const struct sockaddr_storage *ss, uint8_t a[16], char *host,
    size_t hostsz)
{
	memset(a, 0, 16);
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)ss;
		a[10] = a[11] = 0xff;
		memcpy(a + 12, &s4->sin_addr, 4);
		inet_ntop(AF_INET, &s4->sin_addr, host, (socklen_t)hostsz);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;
		memcpy(a, &s6->sin6_addr, 16);
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
			inet_ntop(AF_INET, a + 12, host, (socklen_t)hostsz);
		else
			inet_ntop(AF_INET6, &s6->sin6_addr, host,
			    (socklen_t)hostsz);
	} else
		snprintf(host, hostsz, "unknown");
	/* a host starting with ':' would break the IRC prefix */
	if (host[0] == ':') {
		memmove(host + 1, host, strnlen(host, hostsz - 2) + 1);
		host[0] = '0';
	}
}

static void
new_client(int fd, const struct sockaddr_storage *ss, int tls)
{
	char host[HOST_MAX + 1];
	enum roster_err err;
	uint8_t a[16];
	int32_t slot;
	uint32_t gen = 0;
	int one = 1;

	addr_of(ss, a, host, sizeof(host));
	if (kd.shutting_down) {
		refuse(fd, host, "Server shutting down");
		return;
	}
	if (!tls && kd.cfg.tls_only && kd.tls != NULL && !loopback(a)) {
		log_info("refused plain-text connection from %s: tls-only",
		    host);
		refuse(fd, host, "This server takes TLS connections only");
		return;
	}
	ctx_roster_lock();
	slot = roster_user_new(kd.roster, (uint8_t)kd.id, (int32_t)kd.pid, a,
	    host, kd.cfg.max_clients_per_ip, &err);
	if (slot >= 0)
		gen = roster_user(kd.roster, slot)->gen;
	ctx_roster_unlock();
	if (slot < 0) {
		const char *why = err == ROSTER_IP_LIMIT ?
		    "Too many connections from your address" :
		    "Server is full";
		log_info("refused connection from %s: %s", host, why);
		refuse(fd, host, why);
		return;
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (client_new(fd, tls ? &conn_tls_ops : &conn_plain_ops, slot, gen, a,
	    host) == NULL) {
		log_warnx("cannot take a client from %s", host);
		ctx_roster_lock();
		roster_user_free(kd.roster, slot);
		ctx_roster_unlock();
		refuse(fd, host, "Server out of memory");
		return;
	}
	roster_worker_conns_set(kd.roster, kd.id, client_count());
	log_debug("connection from %s (slot %d)", host, slot);
}

static void
accept_emfile(int lfd)
{
	int fd;

	if (W.reserve_fd >= 0) {
		close(W.reserve_fd);
		W.reserve_fd = -1;
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0)
			refuse(fd, "*", "Server out of file descriptors");
		W.reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && W.reserve_fd >= 0)
			return;
	}
	/* no spare descriptor: pause accepting briefly rather than spin */
	listen_set(0);
	W.accept_retry_ms = kd.now_ms + 100;
}

/* Accept one connection from lfd: 1 accepted (or refused), 0 when the
 * queue is empty or accepting has to pause. */
static int
accept_one(int lfd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd;

	memset(&ss, 0, sizeof(ss));
	fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK |
	    SOCK_CLOEXEC);
	if (fd >= 0) {
		new_client(fd, &ss, listen_is_tls(lfd));
		return 1;
	}
	switch (errno) {
	case EAGAIN:
	case EINTR:
		return 0;
	case ECONNABORTED:
	case EPROTO:
	case EPERM:
		return 1;	/* that one is gone; try the next */
	case EMFILE:
	case ENFILE:
		log_warnx("accept: out of file descriptors; refusing new "
		    "connections");
		accept_emfile(lfd);
		return 0;
	default:
		log_warn("accept");
		listen_set(0);
		W.accept_retry_ms = kd.now_ms + 100;
		return 0;
	}
}

/*
 * The listening socket woke this worker.  EPOLLEXCLUSIVE hands a new
 * connection's wakeup to one waiting worker only, so a worker that was
 * woken must not leave connections in the queue: nobody else would hear
 * of them until the next one arrives.  So it takes what is queued (a
 * batch per turn; level-triggered, it is told again), and only with the
 * queue empty does it apply the balance rule and leave the epoll set.  A
 * connection that arrived between the empty queue and leaving may have
 * woken only this worker: it takes that one too.
 */
static void
accept_some(int lfd)
{
	int i, l;

	for (i = 0; i < ACCEPT_BATCH; i++)
		if (!accept_one(lfd))
			break;
	if (i == ACCEPT_BATCH || !W.accepting || accept_allowed())
		return;
	listen_set(0);
	W.accept_retry_ms = kd.now_ms + 20;
	for (l = 0; l < W.nlisten; l++)
		for (i = 0; i < ACCEPT_BATCH; i++)
			if (!accept_one(W.listen[l]))
				break;
}

/* --- control channel ------------------------------------------------------ */

static void
close_all(struct client *c, void *arg)
{
	client_close(c, arg);
}

static void
begin_shutdown(int64_t budget_ms)
{
	int i;

	if (kd.shutting_down)
		return;
	kd.shutting_down = 1;
	W.stop_by_ms = kd.now_ms + budget_ms;
	listen_set(0);
	for (i = 0; i < W.nlisten; i++)
		(void)close(W.listen[i]);
	W.nlisten = 0;
	client_foreach(close_all, "Server shutting down");
}

static void
on_reload(const uint8_t *frame, size_t len)
{
	static struct frame_reload f;
	enum frame_err err;

	if (frame_unpack_reload(frame, len, &f, &err) == -1)
		fatalx("malformed RELOAD frame from the master: %s",
		    frame_strerror(err));
	kd.cfg = f.cfg;
	memcpy(kd.motd, f.motd, f.motdlen);
	kd.motdlen = f.motdlen;
	kd.has_motd = f.motdlen > 0;
	log_setlevel(kd.cfg.log_level);
	tls_reload();
	log_debug("configuration reloaded");
	ctx_tell_reloaded(f.gen);
}

static void
ctl_frame(struct peer *p, const uint8_t *frame, size_t len, void *arg)
{
	enum frame_err err;
	int type;

	(void)p;
	(void)arg;
	if (frame == NULL) {
		kd.ctl = NULL;
		log_warnx("master is gone; exiting");
		begin_shutdown(ORPHAN_MS);
		W.stop_by_ms = kd.now_ms + ORPHAN_MS;
		return;
	}
	switch ((type = frame_open(frame, len, &err))) {
	case FRAME_SHUTDOWN:
		log_debug("shutdown requested");
		begin_shutdown(SHUTDOWN_MS);
		break;
	case FRAME_RELOAD:
		on_reload(frame, len);
		break;
	default:
		fatalx("unexpected %s control frame",
		    frame_type_name((unsigned)type));
	}
}

/* --- the wiring between the layers --------------------------------------------- */

static void
on_link_frame(const uint8_t *frame, size_t len, void *arg)
{
	(void)arg;
	(void)deliver_frame(frame, len);	/* logged there */
}

static void
on_link_congested(int on, void *arg)
{
	(void)arg;
	client_hold_input(on);
}

static void
on_link_resync(void *arg)
{
	(void)arg;
	deliver_resync();
}

static void
to_relay(const void *frame, size_t len, void *arg)
{
	(void)arg;
	link_send(frame, len);
}

static void
to_relay_sync(const void *frame, size_t len, void *arg)
{
	(void)arg;
	link_send_sync(frame, len);
}

/* A JOIN came back: the joiner gets the channel's state, then ChanServ
 * its access. */
static void
on_joined(struct client *c, int32_t chan, void *arg)
{
	session_join_info(c, chan, arg);
	history_replay(c, chan);
	chanserv_joined(c, chan);
}

static void
on_chanop_done(struct client *c, void *arg)
{
	(void)c;
	(void)arg;
	chanserv_flush();
}

static const struct client_hooks client_hooks = {
	dispatch_line, session_gone, label_capture
};
static const struct deliver_ops deliver_ops = {
	to_relay, to_relay_sync, on_joined, on_chanop_done,
	session_nick_answer, NULL
};
static const struct link_cb link_cb = {
	on_link_frame, on_link_congested, on_link_resync, NULL
};

/* --- the loop's jobs ------------------------------------------------------------- */

/* Count the registered; answer a labeled response held too long. */
static void
count_reg(struct client *c, void *arg)
{
	if (c->state == CL_REG)
		(*(unsigned *)arg)++;
	label_tick(c, kd.now_ms);
	if (c->guard_ms != 0 || c->sasl != NULL)
		account_guard(c);
}

/* Once a second: timeouts, the heartbeat, READY once the relay is there. */
static void
tick(void *arg)
{
	unsigned users = 0;

	(void)arg;
	client_tick();
	client_foreach(count_reg, &users);
	kd.hb_users = users;
	kd.hb_conns = client_count();
	ctx_heartbeat();
	if (!W.ready_sent && link_up()) {
		ctx_tell_ready();
		W.ready_sent = 1;
	}
	peer_hub_trim(kd.hub);
}

static void
turn_input(void *arg)
{
	(void)arg;
	client_run_pending();
	if (!W.accepting && !kd.shutting_down) {
		if (kd.now_ms >= W.accept_retry_ms && accept_allowed())
			listen_set(1);
		else
			ev_wake_in(kd.ev, 20);
	}
}

/* Reaped clients' QUITs leave with the relay flush that follows. */
static void
turn_reap(void *arg)
{
	(void)arg;
	client_reap();
}

/* The relay flush may cut clients at sendq: they are torn down (the
 * second reap) before this turn's output is written. */
static void
turn_output(void *arg)
{
	int64_t due;

	(void)arg;
	client_reap();
	client_flush_all();
	client_closing_tick(0);
	if ((due = client_next_due()) >= 0)
		ev_wake_in(kd.ev, due);
	if (!kd.shutting_down)
		return;
	ev_wake_in(kd.ev, 50);
	if (client_count() == 0 || kd.now_ms >= W.stop_by_ms) {
		client_closing_tick(1);
		peer_hub_turn(kd.hub);	/* the last QUITs to the relay */
		ev_stop(kd.ev);
	}
}

static void
worker_init(void)
{
	W.nlisten = kd.nlisten;
	W.listen = kd.listen_fds;
	ctx_child_init(ctl_frame, NULL);
	if (client_table_init(kd.cfg.max_clients, &client_hooks) == -1 ||
	    deliver_init(kd.cfg.max_channels, &deliver_ops) == -1 ||
	    monitor_init(kd.cfg.max_clients) == -1 ||
	    link_init(&link_cb) == -1)
		fatalx("out of memory");
	W.reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	tls_init();
	if (account_init() == 0 && jobs_init(kd.state_dir) == -1)
		log_warn("job thread: accounts are unavailable");
	session_join_hook(readmark_joined);
	session_welcome_hook(history_waiting);
	account_login_hook(history_waiting);
	roster_worker_conns_set(kd.roster, kd.id, 0);
}

int
worker_main(void)
{
	int rc;

	/* init */
	if (testhooks_worker != NULL && (rc = testhooks_worker()) != 0)
		return rc;
	worker_init();
	/* register */
	if (ev_timer_add(kd.ev, 0, 1000, tick, NULL) == 0 ||
	    ev_hook_add(kd.ev, turn_input, NULL) == -1 ||
	    ev_hook_add(kd.ev, turn_reap, NULL) == -1 ||
	    ev_hook_add(kd.ev, peer_hub_turn, kd.hub) == -1 ||
	    ev_hook_add(kd.ev, turn_output, NULL) == -1)
		fatal("event loop");
	listen_set(1);
	log_debug("worker %u started", kd.id);
	/* loop */
	if (ev_run(kd.ev) == -1)
		fatal("epoll_wait");
	jobs_stop();
	account_free();
	tls_free();
	log_debug("worker %u exiting", kd.id);
	return 0;
}
