/*
 * peer.h -- every link between keochatd's processes: the control socket
 * pairs between the master and its children, and the relay links between
 * the relay and the workers (the shape of tmux's proc.c and OpenSMTPD's
 * mproc.c).
 *
 * A peer is one AF_UNIX SOCK_SEQPACKET descriptor carrying packets of
 * whole frames (frame.h).  Incoming frames go to the peer's dispatch
 * callback one by one; at end of file, an error or a malformed packet the
 * callback gets a NULL frame once (peer_error() says why) and the peer is
 * freed after it returns.  Outgoing frames are queued with peer_send() (a
 * copy) and written in batches (sendmmsg) by peer_hub_turn() at the end of
 * the loop turn, or at once by peer_flush(); a peer may also have a
 * source, a queue its owner keeps (the relay's log, a worker's frames
 * waiting for an acknowledgement), which the peer pulls from when its own
 * queue is empty.  Reading is batched too (recvmmsg), into the one
 * receive buffer of the process's hub.
 *
 * The transport never names the module that consumes its frames.  struct
 * peer and struct peer_hub are opaque: one hub per process, held by its
 * context; peers belong to their hub.
 */
#ifndef KEO_PEER_H
#define KEO_PEER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

struct ev;
struct peer;
struct peer_hub;

/* One received frame (header checked) or, at the end, NULL. */
typedef void	(*peer_recv_fn)(struct peer *p, const uint8_t *frame,
		    size_t len, void *arg);

/* A queue the peer's owner keeps.  pull fills at most max iovecs, each
 * one whole frame or a run of whole frames of at most FRAME_PACKET_MAX
 * bytes, with what is to be sent next, and returns how many; it must give
 * the same ones again until sent() says how many of them went out. */
struct peer_source {
	size_t	(*pull)(void *arg, struct iovec *iov, size_t max);
	void	(*sent)(void *arg, size_t niov);
	void	 *arg;
};

/* The hub of a process's peers on loop ev; NULL when memory is short. */
struct peer_hub	*peer_hub_new(struct ev *ev);
/* The before-sleep hook: read what peers left unread, write what they
 * have queued, tell owners of failed peers, free the peers that are gone. */
void		 peer_hub_turn(void *hub);
/* In a child just forked: close every peer's descriptor and free the
 * hub, without touching the epoll set the child still shares with its
 * parent. */
void		 peer_hub_forget(struct peer_hub *hub);
/* Give the receive buffer's pages back (once a second). */
void		 peer_hub_trim(struct peer_hub *hub);

/* A peer for fd (which it now owns), named for log lines.  NULL with
 * errno set when it cannot be watched. */
struct peer	*peer_new(struct peer_hub *hub, int fd, const char *name,
		    peer_recv_fn fn, void *arg);
void		 peer_set_source(struct peer *p, const struct peer_source *src);
/* Frames read per loop turn at most, and packets per recvmmsg. */
void		 peer_set_budget(struct peer *p, unsigned frames,
		    unsigned packets);
/* Queue a copy of one frame; 0, or -1 when the peer has failed. */
int		 peer_send(struct peer *p, const void *frame, size_t len);
/* The source has something new: write it this turn. */
void		 peer_kick(struct peer *p);
/* Write what can be written now (also outside the loop: a lock wait). */
void		 peer_flush(struct peer *p);
/* Stop (1) or resume (0) reading: back-pressure. */
void		 peer_pause(struct peer *p, int on);
/* Close now: no more callbacks; freed by the next peer_hub_turn. */
void		 peer_close(struct peer *p);

/* Bytes in the peer's own queue (not the source's). */
size_t		 peer_queued(const struct peer *p);
/* Nonzero while frames are waiting to be read (budget, pause). */
int		 peer_rx_pending(const struct peer *p);
/* Nonzero when the last write hit a full socket. */
int		 peer_blocked(const struct peer *p);
/* Why the peer failed ("end of file", "malformed packet", strerror). */
const char	*peer_error(const struct peer *p);
const char	*peer_name(const struct peer *p);
int		 peer_fd(const struct peer *p);

#endif
