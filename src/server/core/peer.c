/*
 * peer.c -- links between processes (see peer.h).  Owns struct peer and
 * struct peer_hub.
 *
 * Invariants: a peer is on its hub's list from peer_new until the hub
 * frees it; it is freed only by peer_hub_turn, never inside a callback
 * chain that may still hold it; once failed or closed it has no
 * descriptor, reads nothing and writes nothing.
 */
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ev.h"
#include "fifo.h"
#include "frame.h"
#include "peer.h"

#define BATCH		32	/* packets per sendmmsg/recvmmsg */
#define PACK_IOV	128	/* iovecs per outgoing packet */
#define OUT_MINCAP	65536

enum peer_state { PEER_OPEN, PEER_FAILED, PEER_CLOSED };

struct peer {
	struct peer_hub	*hub;
	int		 fd;
	enum peer_state	 state;
	int		 told;		/* the owner got its NULL frame */
	char		 name[32];
	char		 why[64];
	peer_recv_fn	 fn;
	void		*arg;
	struct peer_source src;		/* fn NULL: none */
	struct fifo	 out;		/* whole frames, back to back */
	unsigned	 budget;	/* frames per turn */
	unsigned	 vlen;		/* packets per recvmmsg */
	int		 paused;
	int		 rx_pending;
	int		 wblocked;
	int		 tx_pending;	/* something to write this turn */
	struct peer	*next;
};

struct peer_hub {
	struct ev	*ev;
	struct peer	*all;
	uint8_t		*rxbuf;		/* BATCH x FRAME_MAX */
};

static void	peer_read(struct peer *p);

struct peer_hub *
peer_hub_new(struct ev *ev)
{
	struct peer_hub *h;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return NULL;
	h->ev = ev;
	h->rxbuf = mmap(NULL, (size_t)BATCH * FRAME_MAX,
	    PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (h->rxbuf == MAP_FAILED) {
		free(h);
		return NULL;
	}
	return h;
}

void
peer_hub_forget(struct peer_hub *h)
{
	struct peer *p, *next;

	if (h == NULL)
		return;
	for (p = h->all; p != NULL; p = next) {
		next = p->next;
		if (p->fd >= 0)
			(void)close(p->fd);
		fifo_release(&p->out);
		free(p);
	}
	(void)munmap(h->rxbuf, (size_t)BATCH * FRAME_MAX);
	free(h);
}

void
peer_hub_trim(struct peer_hub *h)
{
	(void)madvise(h->rxbuf, (size_t)BATCH * FRAME_MAX,
	    MADV_DONTNEED);
}

/* Take p off the loop; the owner hears of it in the hub's turn. */
static void
peer_fail(struct peer *p, const char *why)
{
	if (p->state != PEER_OPEN)
		return;
	snprintf(p->why, sizeof(p->why), "%s", why);
	p->state = PEER_FAILED;
	(void)ev_fd_del(p->hub->ev, p->fd);
	(void)close(p->fd);
	p->fd = -1;
	fifo_release(&p->out);
	ev_wake_in(p->hub->ev, 0);
}

static void
on_fd(int fd, uint32_t events, void *arg)
{
	struct peer *p = arg;

	(void)fd;
	if (events & EPOLLOUT)
		p->wblocked = 0;
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP))
		p->rx_pending = 1;
	if (p->rx_pending && !p->paused)
		peer_read(p);
	if (p->state == PEER_OPEN && (events & EPOLLOUT) &&
	    (fifo_used(&p->out) > 0 || p->tx_pending))
		peer_flush(p);
}

struct peer *
peer_new(struct peer_hub *h, int fd, const char *name, peer_recv_fn fn,
    void *arg)
{
	struct peer *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->hub = h;
	p->fd = fd;
	p->fn = fn;
	p->arg = arg;
	p->budget = 4096;
	p->vlen = BATCH;
	p->rx_pending = 1;
	snprintf(p->name, sizeof(p->name), "%s", name);
	if (ev_fd_add(h->ev, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
	    on_fd, p) == -1) {
		free(p);
		return NULL;
	}
	p->next = h->all;
	h->all = p;
	ev_wake_in(h->ev, 0);
	return p;
}

void
peer_set_source(struct peer *p, const struct peer_source *src)
{
	p->src = *src;
	p->tx_pending = 1;
}

void
peer_set_budget(struct peer *p, unsigned frames, unsigned packets)
{
	p->budget = frames > 0 ? frames : 1;
	p->vlen = packets > 0 && packets <= BATCH ? packets : BATCH;
}

int
peer_send(struct peer *p, const void *frame, size_t len)
{
	if (p->state != PEER_OPEN)
		return -1;
	if (fifo_add(&p->out, frame, len, OUT_MINCAP) == -1)
		return -1;
	p->tx_pending = 1;
	return 0;
}

void
peer_kick(struct peer *p)
{
	p->tx_pending = 1;
}

void
peer_pause(struct peer *p, int on)
{
	if (p->paused == on)
		return;
	p->paused = on;
	if (!on && p->rx_pending)
		ev_wake_in(p->hub->ev, 0);
}

void
peer_close(struct peer *p)
{
	if (p->state == PEER_OPEN) {
		(void)ev_fd_del(p->hub->ev, p->fd);
		(void)close(p->fd);
		p->fd = -1;
		fifo_release(&p->out);
	}
	p->state = PEER_CLOSED;
	p->told = 1;
}

size_t
peer_queued(const struct peer *p)
{
	return fifo_used(&p->out);
}

int
peer_rx_pending(const struct peer *p)
{
	return p->state == PEER_OPEN && p->rx_pending;
}

int
peer_blocked(const struct peer *p)
{
	return p->wblocked;
}

const char *
peer_error(const struct peer *p)
{
	return p->why[0] ? p->why : "closed";
}

const char *
peer_name(const struct peer *p)
{
	return p->name;
}

int
peer_fd(const struct peer *p)
{
	return p->fd;
}

/* --- reading ------------------------------------------------------------------ */

/* Hand the frames of one packet to the owner; -1 when it is malformed. */
static int
dispatch(struct peer *p, const uint8_t *pkt, size_t n, unsigned *frames)
{
	const uint8_t *f;
	size_t off = 0, flen;
	int rc;

	while ((rc = frame_next(pkt, n, &off, &f, &flen)) == 1) {
		p->fn(p, f, flen, p->arg);
		(*frames)++;
		if (p->state != PEER_OPEN)
			return 0;
	}
	return rc;
}

static void
peer_read(struct peer *p)
{
	struct mmsghdr msg[BATCH];
	struct iovec iov[BATCH];
	unsigned frames = 0, i;
	int n;

	p->rx_pending = 0;
	while (p->state == PEER_OPEN && !p->paused && frames < p->budget) {
		memset(msg, 0, sizeof(msg));
		for (i = 0; i < p->vlen; i++) {
			iov[i].iov_base = p->hub->rxbuf +
			    (size_t)i * FRAME_MAX;
			iov[i].iov_len = FRAME_MAX;
			msg[i].msg_hdr.msg_iov = &iov[i];
			msg[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(p->fd, msg, p->vlen, MSG_DONTWAIT, NULL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				peer_fail(p, strerror(errno));
			return;
		}
		if (n == 0) {
			peer_fail(p, "end of file");
			return;
		}
		if ((unsigned)n > p->vlen)
			n = (int)p->vlen;	/* never, but the batch is vlen */
		for (i = 0; i < (unsigned)n && p->state == PEER_OPEN; i++) {
			if (msg[i].msg_len == 0) {
				peer_fail(p, "end of file");
				return;
			}
			if (msg[i].msg_hdr.msg_flags & MSG_TRUNC) {
				peer_fail(p, "packet too big");
				return;
			}
			if (dispatch(p, iov[i].iov_base, msg[i].msg_len,
			    &frames) == -1) {
				peer_fail(p, "malformed packet");
				return;
			}
		}
		if ((unsigned)n < p->vlen)
			return;
	}
	if (p->state == PEER_OPEN) {
		p->rx_pending = 1;	/* budget used up, or paused */
		if (!p->paused)
			ev_wake_in(p->hub->ev, 0);
	}
}

/* --- writing ------------------------------------------------------------------- */

/* Packets of whole frames from the peer's own queue: one iovec each. */
static unsigned
own_packets(struct peer *p, struct mmsghdr *msg, struct iovec *iov)
{
	char *q = fifo_head(&p->out);
	size_t len = fifo_used(&p->out), off = 0;
	unsigned n;

	for (n = 0; n < BATCH && off < len; n++) {
		iov[n].iov_base = q + off;
		iov[n].iov_len = frame_run(q, len, off);
		off += iov[n].iov_len;
		msg[n].msg_hdr.msg_iov = &iov[n];
		msg[n].msg_hdr.msg_iovlen = 1;
	}
	return n;
}

/* Packets from the source: iovecs grouped up to FRAME_PACKET_MAX bytes;
 * per[i] is how many iovecs packet i holds. */
static unsigned
source_packets(struct peer *p, struct mmsghdr *msg, struct iovec *iov,
    size_t niov, unsigned *per)
{
	size_t got, k = 0, bytes;
	unsigned n;

	got = p->src.pull(p->src.arg, iov, niov);
	for (n = 0; n < BATCH && k < got; n++) {
		msg[n].msg_hdr.msg_iov = &iov[k];
		per[n] = 0;
		bytes = 0;
		while (k < got && per[n] < PACK_IOV && (per[n] == 0 ||
		    bytes + iov[k].iov_len <= FRAME_PACKET_MAX)) {
			bytes += iov[k++].iov_len;
			per[n]++;
		}
		msg[n].msg_hdr.msg_iovlen = per[n];
	}
	return n;
}

/* One sendmmsg; the number of packets sent, 0 when blocked or failed. */
static int
send_packets(struct peer *p, struct mmsghdr *msg, unsigned n)
{
	int sent;

	do
		sent = sendmmsg(p->fd, msg, n, MSG_DONTWAIT | MSG_NOSIGNAL);
	while (sent == -1 && errno == EINTR);
	if (sent == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			p->wblocked = 1;
		else
			peer_fail(p, strerror(errno));
		return 0;
	}
	return sent > (int)n ? (int)n : sent;	/* never more than given */
}

void
peer_flush(struct peer *p)
{
	static struct iovec iov[BATCH * PACK_IOV];
	struct mmsghdr msg[BATCH];
	unsigned per[BATCH] = { 0 }, n, i;
	size_t done;
	int sent;

	while (p->state == PEER_OPEN && !p->wblocked) {
		memset(msg, 0, sizeof(msg));
		if (fifo_used(&p->out) > 0) {
			n = own_packets(p, msg, iov);
			if ((sent = send_packets(p, msg, n)) <= 0)
				return;
			for (i = 0, done = 0; i < (unsigned)sent; i++)
				done += iov[i].iov_len;
			fifo_consume(&p->out, done);
			continue;
		}
		if (p->src.pull == NULL ||
		    (n = source_packets(p, msg, iov, BATCH * PACK_IOV,
		    per)) == 0)
			break;
		if ((sent = send_packets(p, msg, n)) <= 0)
			return;
		for (i = 0, done = 0; i < (unsigned)sent; i++)
			done += per[i];
		p->src.sent(p->src.arg, done);
	}
	if (p->state == PEER_OPEN && !p->wblocked) {
		p->tx_pending = 0;
		if (fifo_used(&p->out) == 0)
			fifo_release(&p->out);
	}
}

/* --- the hub's turn ---------------------------------------------------------------- */

void
peer_hub_turn(void *arg)
{
	struct peer_hub *h = arg;
	struct peer *p, **pp;

	for (p = h->all; p != NULL; p = p->next)
		if (p->state == PEER_OPEN && p->rx_pending && !p->paused)
			peer_read(p);
	for (p = h->all; p != NULL; p = p->next)
		if (p->state == PEER_OPEN && p->tx_pending)
			peer_flush(p);
	/* owners of failed peers hear of it once, then the peers go */
	for (p = h->all; p != NULL; p = p->next)
		if (p->state == PEER_FAILED && !p->told) {
			p->told = 1;
			p->fn(p, NULL, 0, p->arg);
		}
	for (pp = &h->all; (p = *pp) != NULL;) {
		if (p->state != PEER_OPEN && p->told) {
			*pp = p->next;
			fifo_release(&p->out);
			free(p);
		} else
			pp = &p->next;
	}
}
