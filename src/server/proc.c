/*
 * proc.c -- the procs[] table of child kinds and fork().  This is the only
 * file that forks.  A child starts with the master's signal mask cleared,
 * default signal handlers, its own log label, and PR_SET_PDEATHSIG so it
 * cannot outlive a master killed with SIGKILL by more than a moment (the
 * EOF on its control socket is the orderly path).
 */
#include <sys/prctl.h>
#include <sys/socket.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "proc.h"
#include "relay_msg.h"
#include "server.h"

static const struct {
	enum proc_role	 role;
	const char	*name;
	int		(*main)(void);
} procs[] = {
	{ ROLE_RELAY, "relay", relay_main },
	{ ROLE_WORKER, "worker", worker_main },
};

const char *
proc_name(const struct proc *p, char *buf, size_t bufsz)
{
	if (p->role == ROLE_WORKER)
		snprintf(buf, bufsz, "worker %u", p->id);
	else
		snprintf(buf, bufsz, "relay");
	return buf;
}

int
ep_add(int ep, int fd, uint32_t events, epoll_data_t data)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data = data;
	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

int
ctl_send(int fd, const void *frame, size_t len)
{
	ssize_t n;

	do
		n = send(fd, frame, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	while (n == -1 && errno == EINTR);
	return n == (ssize_t)len ? 0 : -1;
}

int
ctl_send_u32(int fd, int type, int nargs, uint32_t a, uint32_t b)
{
	uint8_t buf[32];
	struct relay_msg_w w;
	int n;

	relay_msg_begin(&w, buf, sizeof(buf), (enum relay_type)type);
	if (nargs > 0)
		relay_msg_add_u32(&w, a);
	if (nargs > 1)
		relay_msg_add_u32(&w, b);
	if ((n = relay_msg_end(&w)) == -1)
		return -1;
	return ctl_send(fd, buf, (size_t)n);
}

int
ctl_recv(int fd, void (*fn)(struct relay_msg_r *, void *), void *arg)
{
	uint8_t buf[RELAY_FRAME_MAX];
	struct relay_msg_r r;
	ssize_t n;

	for (;;) {
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n <= 0)
			return -1;
		if (relay_msg_open(&r, buf, (size_t)n) == -1) {
			log_warnx("bad control frame: %s",
			    relay_msg_strerror(r.err));
			return -2;
		}
		fn(&r, arg);
	}
}

static void
child_signals(void)
{
	sigset_t set;
	int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGPIPE };
	size_t i;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	/* the master tells us what to do: ignore terminal signals sent to
	 * the whole process group (^C in a shell) */
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
}

int
proc_spawn(struct proc *p, void (*close_fn)(void *), void *arg)
{
	char name[32];
	int sv[2], status;
	size_t i;
	pid_t pid, master = getpid();

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		log_warn("socketpair");
		return -1;
	}
	if ((pid = fork()) == -1) {
		log_warn("fork");
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid > 0) {
		close(sv[1]);
		p->pid = pid;
		p->ctl = sv[0];
		p->ready = 0;
		p->users = p->conns = 0;
		return 0;
	}
	/* child */
	close(sv[0]);
	if (close_fn != NULL)
		close_fn(arg);
	kd.ctl = sv[1];
	kd.role = p->role;
	kd.id = p->id;
	kd.pid = getpid();
	log_procname(proc_name(p, name, sizeof(name)));
	child_signals();
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1)
		log_warn("prctl(PR_SET_PDEATHSIG)");
	/* a name for ps -L, top and /proc/PID/comm: "keochatd-relay",
	 * "keochatd-w3" (15 bytes at most) */
	if (p->role == ROLE_WORKER)
		snprintf(name, sizeof(name), "keochatd-w%u", p->id);
	else
		snprintf(name, sizeof(name), "keochatd-relay");
	if (prctl(PR_SET_NAME, name, 0, 0, 0) == -1)
		log_warn("prctl(PR_SET_NAME)");
	if (getppid() != master)
		_exit(1);	/* the master died before prctl */
	for (i = 0; i < sizeof(procs) / sizeof(procs[0]); i++)
		if (procs[i].role == p->role) {
			status = procs[i].main();
			exit(status);
		}
	fatalx("no entry function for role %d", p->role);
}
