/*
 * proc.h -- the master's table of children and the one place that forks.
 *
 * Every child has a role, a worker id, a pid and a control socket pair
 * (SOCK_SEQPACKET): the master keeps one end as a peer, the child the
 * other.  A child that reads EOF on its end knows the master is gone and
 * exits.
 */
#ifndef KEO_PROC_H
#define KEO_PROC_H

#include <stdint.h>
#include <sys/types.h>

#include "ctx.h"

struct proc {
	enum proc_role	 role;
	unsigned	 id;		/* worker id */
	pid_t		 pid;		/* 0 when not running */
	int		 ctl_fd;	/* master's end until it is a peer */
	struct peer	*ctl;		/* the master's control peer, or NULL */
	int		 ready;		/* READY received */
	int64_t		 last_hb_ms;	/* last control frame */
	unsigned	 users, conns;	/* from the last heartbeat */
	uint32_t	 reload_gen;	/* the last RELOAD it applied */
};

const char	*proc_name(const struct proc *p, char *buf, size_t bufsz);
/* Fork p.  In the child: close_fn(arg) closes the master's descriptors,
 * then entry() runs and the child exits with its status.  In the master:
 * 0 with p->pid and p->ctl_fd set, or -1. */
int		 proc_spawn(struct proc *p, int (*entry)(void),
		    void (*close_fn)(void *), void *arg);

#endif
