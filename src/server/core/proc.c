/*
 * proc.c -- fork() of a child of the master (the procs[] table naming each
 * kind of child and its entry function is the master's).  This is the only
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
#include "ctx.h"

const char *
proc_name(const struct proc *p, char *buf, size_t bufsz)
{
	if (p->role == ROLE_WORKER)
		snprintf(buf, bufsz, "worker %u", p->id);
	else
		snprintf(buf, bufsz, "relay");
	return buf;
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
proc_spawn(struct proc *p, int (*entry)(void), void (*close_fn)(void *),
    void *arg)
{
	char name[32];
	int sv[2];
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
		p->ctl_fd = sv[0];
		p->ready = 0;
		p->users = p->conns = 0;
		return 0;
	}
	/* child */
	close(sv[0]);
	if (close_fn != NULL)
		close_fn(arg);
	kd.ctl_fd = sv[1];
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
	exit(entry());
}
