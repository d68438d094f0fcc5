/*
 * ctx.h -- the one per-process context of keochatd, and the helpers every
 * process uses with it: the clock, loading the configuration and the MOTD,
 * and taking the roster lock.
 *
 * Every process has exactly one struct keochatd, the global kd: the
 * configuration (a pointer-free copy), the MOTD, the shared segments, its
 * role and, in a worker, its id, its loop and its hub of links.  The
 * worker's modules keep their state behind the opaque pointers at the end,
 * each owned by its module.  Nothing else is global but the log state.
 *
 * Who may touch what (DESIGN.md section 2):
 *
 *   resource        master             worker               relay
 *   client sockets  binds listeners    accepts, owns them   never
 *   roster shm      creates; never     locks; add, remove,  locks; purges a
 *                   locks it           find, rename         dead worker's
 *   relay log shm   creates            never (unmaps it)    sole reader and
 *                                                           writer
 *   relay.sock      binds before the   connects, HELLO      accepts, checks
 *                   relay forks                             SO_PEERCRED
 *   control pairs   one per child:     EOF: the master is   same; REPLACE
 *                   SHUTDOWN, RELOAD,  gone, exit           asks for a stuck
 *                   WORKER_GONE                             worker's end
 */
#ifndef KEO_CTX_H
#define KEO_CTX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "bounds.h"
#include "config.h"
#include "peer.h"

#define KEOCHATD_VERSION	"keochatd-" PACKAGE_VERSION

enum proc_role { ROLE_MASTER, ROLE_RELAY, ROLE_WORKER };

struct ev;
struct peer;
struct peer_hub;
struct roster;
struct ring;
struct client_table;
struct lchan_table;
struct link;
struct monitor_index;
struct tls_server;

struct keochatd {
	struct config	 cfg;		/* current configuration */
	char		 motd[MOTD_MAX]; /* MOTD text, lines split by '\n' */
	size_t		 motdlen;
	int		 has_motd;
	struct roster	*roster;	/* NULL in the master */
	void		*shm;		/* the mapped roster segment */
	size_t		 shmsize;
	struct ring	*ring;		/* the relay's log (relay only) */
	void		*ringmem;	/* its mapping (master, relay) */
	size_t		 ringsize;
	enum proc_role	 role;
	unsigned	 id;		/* worker id */
	unsigned	 nworkers;
	pid_t		 pid;
	int		 ctl_fd;	/* control socket to the master, -1 */
	int		 listen_fds[CONF_LISTEN_MAX * 2]; /* from the master */
	int		 nlisten;
	int		 relay_fd;	/* relay.sock listener (relay only) */
	char		 relay_path[128]; /* runtime-dir/relay.sock */
	unsigned char	 listen_tls[CONF_LISTEN_MAX * 2]; /* listen_fds[i]
					 * speaks TLS */
	char		 state_dir[CONF_FILE_MAX]; /* chosen at start */
	char		 tls_fp[65];	/* the server certificate's SHA-256 */
	unsigned char	 ticket_keys[80]; /* TLS session tickets, made by the
					 * master: the same in every worker */
	char		 created[64];	/* RPL_CREATED text */
	int64_t		 started;	/* epoch seconds the master started */
	int64_t		 now_ms;	/* CLOCK_MONOTONIC, per loop turn */
	int64_t		 now;		/* CLOCK_REALTIME seconds */
	int64_t		 now_real_ms;	/* CLOCK_REALTIME milliseconds */
	int64_t		 now_us;	/* CLOCK_MONOTONIC microseconds */
	struct ev	*ev;		/* the process's loop */
	struct peer_hub	*hub;		/* and its links */
	struct peer	*ctl;		/* children: the control peer */
	/* worker-only state, each owned by its module (opaque here) */
	struct client_table *clients;	/* client.c */
	struct lchan_table *lchans;	/* deliver.c */
	struct link	*link;		/* link.c */
	struct monitor_index *monitors;	/* monitor.c */
	struct tls_server *tls;		/* tls.c; NULL: no TLS */
	int		 shutting_down;	/* worker: SHUTDOWN received */
	unsigned	 hb_users;	/* counts for the next heartbeat */
	unsigned	 hb_conns;
};

extern struct keochatd kd;

/* Refresh kd.now* (an ev clock hook: arg is unused). */
void	ctx_clock(void *arg);

/* Read the config file (required: a missing file is an error) and apply
 * the command-line overrides; 0 or -1 with "FILE:LINE: ..." in err. */
int	ctx_config_load(const char *path, int required, char **overrides,
	    int noverrides, struct config *out, char *err, size_t errsz);
/* The state directory to use (made when missing): a configured state-dir
 * must work; the default falls back to $STATE_DIRECTORY (systemd) first
 * and, when not writable, to $XDG_STATE_HOME/keochat or
 * ~/.local/state/keochat, with note saying so.  Without create
 * (--configtest) nothing is made: a missing directory only has to be
 * makeable.  0, or -1 with err. */
int	ctx_state_dir(const struct config *cfg, int create, char *out,
	    size_t outsz, char *note, size_t notesz, char *err, size_t errsz);
/* Load kd.cfg.motd_file into kd.motd; -1 with err when unreadable. */
int	ctx_motd_load(char *err, size_t errsz);

/* In a new child: its loop, its hub and the control peer to the master,
 * whose frames go to fn (NULL at EOF: the master is gone).  The roster
 * lock's waits send heartbeats.  Exits when any of it fails. */
void	ctx_child_init(peer_recv_fn fn, void *arg);
/* To the master, at once: READY, or a HEARTBEAT with kd.hb_users and
 * kd.hb_conns. */
void	ctx_tell_ready(void);
void	ctx_heartbeat(void);
/* To the master: the RELOAD numbered gen is in force in this process. */
void	ctx_tell_reloaded(uint32_t gen);
/* Ask the master to reload the configuration (REHASH, as SIGHUP). */
void	ctx_tell_rehash(void);

/* Take the roster lock; logs a repair after a holder died, and exits when
 * the lock is unusable (a bug). */
void	ctx_roster_lock(void);
void	ctx_roster_unlock(void);

#endif
