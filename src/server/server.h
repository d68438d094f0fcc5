/*
 * server.h -- the one per-process context of keochatd and the entry points
 * of its three kinds of process.
 *
 * Every process has exactly one struct keochatd, the global kd: the
 * configuration (a pointer-free copy), the MOTD, the roster handle, its
 * role and, in a worker, its id.  Nothing else is global but the log state.
 */
#ifndef KEO_SERVER_H
#define KEO_SERVER_H

#include <stdint.h>
#include <sys/epoll.h>
#include <sys/types.h>

#include "config.h"
#include "bounds.h"

#define KEOCHATD_VERSION	"keochatd-" PACKAGE_VERSION

enum proc_role { ROLE_MASTER, ROLE_RELAY, ROLE_WORKER };

struct keochatd {
	struct config	 cfg;		/* current configuration */
	char		 motd[MOTD_MAX]; /* MOTD text, lines split by '\n' */
	size_t		 motdlen;
	int		 has_motd;
	struct roster	*roster;	/* NULL in the master */
	void		*shm;		/* the mapped roster segment */
	size_t		 shmsize;
	enum proc_role	 role;
	unsigned	 id;		/* worker id */
	unsigned	 nworkers;
	pid_t		 pid;
	int		 ctl;		/* control socket to/from the master */
	int		 listen_fds[CONF_LISTEN_MAX * 2]; /* from the master */
	int		 nlisten;
	int		 relay_fd;	/* relay.sock listener (relay only) */
	char		 relay_path[128]; /* runtime-dir/relay.sock */
	char		 created[64];	/* RPL_CREATED text */
	int64_t		 now_ms;	/* CLOCK_MONOTONIC, per loop turn */
	int64_t		 now;		/* CLOCK_REALTIME seconds */
	int64_t		 now_real_ms;	/* CLOCK_REALTIME milliseconds */
	int64_t		 now_us;	/* CLOCK_MONOTONIC microseconds */
	/* worker-only state, each owned by its module (opaque here) */
	struct client_table *clients;	/* client.c */
	struct lchan_table *lchans;	/* deliver.c */
	struct relay_link *link;	/* relay_link.c */
	int		 shutting_down;	/* worker: SHUTDOWN received */
	int		 test_hooks;	/* KEOCHATD_TEST_HOOKS was set */
};

extern struct keochatd kd;

/* Refresh kd.now*. */
void	clock_update(void);

/* Process entry points: each returns the process's exit status. */
int	master_main(const char *config_path, char **overrides, int noverrides);
int	relay_main(void);
int	worker_main(void);

/* Add fd to the epoll set ep for events, tagged with data (proc.c);
 * epoll_ctl's result, errno set on -1. */
int	ep_add(int ep, int fd, uint32_t events, epoll_data_t data);

/* Control channel helpers (proc.c). */
struct relay_msg_r;
int	ctl_send(int fd, const void *frame, size_t len);
/* Send a control frame of type carrying nargs (0-2) u32 fields. */
int	ctl_send_u32(int fd, int type, int nargs, uint32_t a, uint32_t b);
/* Read control frames until fd is empty, calling fn on each well-formed
 * one: 0 drained, -1 end of file or error (the peer is gone), -2 a
 * malformed frame (a bug in the peer; r->err says what). */
int	ctl_recv(int fd, void (*fn)(struct relay_msg_r *, void *), void *arg);

/* Read the config file (required: a missing file is an error) and apply
 * the command-line overrides; 0 or -1 with "FILE:LINE: ..." in err. */
int	config_load(const char *path, int required, char **overrides,
	    int noverrides, struct config *out, char *err, size_t errsz);

/* Load kd.cfg.motd_file into kd.motd; -1 with err when unreadable. */
int	motd_load(char *err, size_t errsz);

#endif
