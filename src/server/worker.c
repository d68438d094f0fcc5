/*
 * worker.c -- a worker process: one epoll loop over its clients, the
 * shared listening socket(s), its relay link and its control socket.
 *
 * Owns the accept policy.  Every worker waits on the same listening
 * sockets with EPOLLEXCLUSIVE; a worker that holds clearly more than its
 * share of the connections (by the per-worker counts in the roster) stops
 * accepting for a moment, as nginx does with accept_disabled.  When
 * accept() runs out of descriptors, a reserved descriptor is given up to
 * accept and refuse the connection at once, so there is no EMFILE spin.
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

#include "client.h"
#include "cmd.h"
#include "deliver.h"
#include "log.h"
#include "relay_link.h"
#include "relay_msg.h"
#include "roster.h"
#include "server.h"
#include "worker.h"

#define ACCEPT_BATCH	16	/* accept() calls per wakeup */
#define MAX_EVENTS	256
#define SHUTDOWN_MS	3000	/* flush budget at SIGTERM */
#define ORPHAN_MS	500	/* flush budget when the master is gone */

struct worker {
	int		 ep;
	int		 nlisten;
	int		*listen;	/* kd.listen_fds, inherited */
	int		 accepting;	/* listen fds are in the epoll set */
	int64_t		 accept_retry_ms;
	int		 reserve_fd;	/* spare fd for EMFILE */
	int64_t		 last_tick_ms;
	int64_t		 stop_by_ms;	/* shutdown deadline, 0: running */
	int		 ready_sent;
	unsigned	 last_hb_users;
};

/* This process's worker context (the worker half of kd). */
static struct worker W;

static void
listen_set(int on)
{
	int i;

	if (on == W.accepting)
		return;
	for (i = 0; i < W.nlisten; i++)
		if ((on ? ep_add(W.ep, W.listen[i], EPOLLIN | EPOLLEXCLUSIVE,
		    (epoll_data_t){ .u64 = WTAG_LISTEN + (uint64_t)i }) :
		    epoll_ctl(W.ep, EPOLL_CTL_DEL, W.listen[i], NULL)) == -1)
			log_warn("epoll_ctl listen fd %d", W.listen[i]);
	W.accepting = on;
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
	close(fd);
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
new_client(int fd, const struct sockaddr_storage *ss)
{
	char host[HOST_MAX + 1];
	enum roster_err err;
	struct client *c;
	uint8_t a[16];
	int32_t slot;
	uint32_t gen = 0;
	int one = 1;

	addr_of(ss, a, host, sizeof(host));
	if (kd.shutting_down) {
		refuse(fd, host, "Server shutting down");
		return;
	}
	roster_lock_or_die();
	slot = roster_user_new(kd.roster, (uint8_t)kd.id, (int32_t)kd.pid, a,
	    host, kd.cfg.max_clients_per_ip, &err);
	if (slot >= 0)
		gen = roster_user(kd.roster, slot)->gen;
	roster_unlock(kd.roster);
	if (slot < 0) {
		const char *why = err == ROSTER_IP_LIMIT ?
		    "Too many connections from your address" :
		    "Server is full";
		log_info("refused connection from %s: %s", host, why);
		refuse(fd, host, why);
		return;
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if ((c = client_new(fd, &conn_plain_ops, slot, gen, a, host)) == NULL) {
		log_warnx("out of memory for a client from %s", host);
		roster_lock_or_die();
		roster_user_free(kd.roster, slot);
		roster_unlock(kd.roster);
		refuse(fd, host, "Server out of memory");
		return;
	}
	if (ep_add(W.ep, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
	    (epoll_data_t){ .ptr = c }) == -1) {
		log_warn("epoll_ctl client %s", host);
		client_close(c, "Server error");
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
		new_client(fd, &ss);
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
count_reg(struct client *c, void *arg)
{
	if (c->state == CL_REG)
		(*(unsigned *)arg)++;
}

static void
heartbeat(void)
{
	unsigned users = 0;

	client_foreach(count_reg, &users);
	ctl_send_u32(kd.ctl, RELAY_CTL_HEARTBEAT, 2, users, client_count());
}

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
		close(W.listen[i]);
	W.nlisten = 0;
	client_foreach(close_all, "Server shutting down");
}

static void
on_reload(struct relay_msg_r *r)
{
	const void *nc = relay_msg_get_bytes(r, sizeof(kd.cfg));
	size_t n;
	const char *motd;

	if (nc == NULL)
		goto bad;
	memcpy(&kd.cfg, nc, sizeof(kd.cfg));	/* the frame may be unaligned */
	motd = relay_msg_get_str(r, &n);
	if (motd == NULL || relay_msg_done(r) == -1 || n > sizeof(kd.motd))
		goto bad;
	memcpy(kd.motd, motd, n);
	kd.motdlen = n;
	kd.has_motd = n > 0;
	log_setlevel(kd.cfg.log_level);
	log_debug("configuration reloaded");
	return;
bad:
	fatalx("malformed RELOAD frame from the master");
}

static void
ctl_frame(struct relay_msg_r *r, void *arg)
{
	(void)arg;
	switch (r->type) {
	case RELAY_CTL_SHUTDOWN:
		log_debug("shutdown requested");
		begin_shutdown(SHUTDOWN_MS);
		break;
	case RELAY_CTL_RELOAD:
		on_reload(r);
		break;
	default:
		fatalx("unexpected %s control frame", relay_type_name(r->type));
	}
}

static void
ctl_read(void)
{
	switch (ctl_recv(kd.ctl, ctl_frame, NULL)) {
	case -1:
		log_warnx("master is gone; exiting");
		begin_shutdown(ORPHAN_MS);
		W.stop_by_ms = kd.now_ms + ORPHAN_MS;
		break;
	case -2:
		fatalx("malformed control frame from the master");
	}
}

/* While another process holds the roster lock: stay visibly alive. */
static void
lock_wait_hook(void *arg)
{
	(void)arg;
	clock_update();
	heartbeat();
}

/* --- the loop -------------------------------------------------------------- */

static int
loop_timeout(void)
{
	int64_t t = 1000 - (kd.now_ms - W.last_tick_ms), due;

	if (relay_link_pending())
		return 0;
	if ((due = client_next_due()) >= 0 && due < t)
		t = due;
	if (!W.accepting && !kd.shutting_down && t > 20)
		t = 20;
	if (!relay_link_up() && t > 50)
		t = 50;
	if (kd.shutting_down && t > 50)
		t = 50;
	return t < 0 ? 0 : (int)t;
}

static void
on_event(struct epoll_event *ev)
{
	struct client *c;

	if (ev->data.u64 >= WTAG_CLIENT_MIN) {
		c = ev->data.ptr;
		if (c->state == CL_CLOSING) {
			if (ev->events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
				client_flush(c);
			return;
		}
		if (ev->events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			client_input(c);
		if ((ev->events & EPOLLOUT) && (c->flags & CF_WBLOCK)) {
			c->flags &= ~(uint32_t)CF_WBLOCK;
			client_flush(c);
		}
		return;
	}
	if (ev->data.u64 == WTAG_CTL)
		ctl_read();
	else if (ev->data.u64 == WTAG_LINK)
		relay_link_event(ev->events);
	else if (ev->data.u64 >= WTAG_LISTEN &&
	    ev->data.u64 < WTAG_LISTEN + (uint64_t)W.nlisten && W.accepting)
		accept_some(W.listen[ev->data.u64 - WTAG_LISTEN]);
}

static void
tick(void)
{
	W.last_tick_ms = kd.now_ms;
	client_tick();
	relay_link_tick();
	heartbeat();
	if (!W.ready_sent && relay_link_up()) {
		ctl_send_u32(kd.ctl, RELAY_CTL_READY, 1, (uint32_t)kd.pid, 0);
		W.ready_sent = 1;
	}
}

static void
worker_init(void)
{
	W.nlisten = kd.nlisten;
	W.listen = kd.listen_fds;
	if ((W.ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		fatal("epoll_create1");
	if (ep_add(W.ep, kd.ctl, EPOLLIN, (epoll_data_t){ .u64 = WTAG_CTL })
	    == -1)
		fatal("epoll_ctl control socket");
	if (client_table_init(kd.cfg.max_clients) == -1 ||
	    lchan_table_init(kd.cfg.max_channels) == -1 ||
	    relay_link_init(W.ep) == -1)
		fatalx("out of memory");
	W.reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	roster_set_wait_hook(kd.roster, lock_wait_hook, NULL);
	roster_worker_conns_set(kd.roster, kd.id, 0);
	listen_set(1);
}

int
worker_main(void)
{
	struct epoll_event evs[MAX_EVENTS];
	const char *hooks = getenv("KEOCHATD_TEST_HOOKS");
	int n, i;

	if (kd.test_hooks && hooks != NULL &&
	    strstr(hooks, "worker-exit2") != NULL) {
		log_warnx("test hook: exiting with status 2 as a worker with a "
		    "bad configuration would");
		return 2;
	}
	worker_init();
	log_debug("worker %u started", kd.id);
	clock_update();
	tick();
	for (;;) {
		n = epoll_wait(W.ep, evs, MAX_EVENTS, loop_timeout());
		if (n == -1 && errno != EINTR)
			fatal("epoll_wait");
		clock_update();
		for (i = 0; i < n; i++)
			on_event(&evs[i]);
		client_run_pending();
		if (kd.now_ms - W.last_tick_ms >= 1000)
			tick();
		if (!W.accepting && !kd.shutting_down &&
		    kd.now_ms >= W.accept_retry_ms && accept_allowed())
			listen_set(1);
		client_reap();		/* their QUITs leave with this flush */
		relay_link_flush();	/* may cut clients at sendq... */
		client_reap();		/* ...who are torn down this turn */
		client_flush_all();
		client_closing_tick(0);
		if (kd.shutting_down && (client_count() == 0 ||
		    kd.now_ms >= W.stop_by_ms)) {
			client_closing_tick(1);
			relay_link_flush();
			log_debug("worker %u exiting", kd.id);
			return 0;
		}
	}
}
