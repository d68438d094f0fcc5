/*
 * proc.h -- the master's table of children and the one place that forks.
 *
 * Every child has a role, a worker id, a pid and a control socket pair
 * (SOCK_SEQPACKET): the master keeps one end, the child the other.  A
 * child that reads EOF on its end knows the master is gone and exits.
 */
#ifndef KEO_PROC_H
#define KEO_PROC_H

#include <stdint.h>
#include <sys/types.h>

#include "server.h"

struct proc {
	enum proc_role	 role;
	unsigned	 id;		/* worker id */
	pid_t		 pid;		/* 0 when not running */
	int		 ctl;		/* master's end, -1 when not running */
	int		 ready;		/* CTL_READY received */
	int64_t		 last_hb_ms;	/* last control frame */
	unsigned	 users, conns;	/* from the last heartbeat */
};

const char	*proc_name(const struct proc *p, char *buf, size_t bufsz);
/* Fork p.  In the child: close_fn(arg) closes the master's descriptors,
 * then the role's entry function runs and the child exits with its
 * status.  In the master: 0, or -1 on failure. */
int		 proc_spawn(struct proc *p, void (*close_fn)(void *), void *arg);

#endif
