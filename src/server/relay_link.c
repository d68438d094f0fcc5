/*
 * relay_link.c -- see relay_link.h.  Owns struct relay_link (kd.link).
 *
 * The FIFO is one byte buffer of whole frames back to back; each frame's
 * header says its length, so no side table is needed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "client.h"
#include "deliver.h"
#include "fifo.h"
#include "log.h"
#include "relay_link.h"
#include "relay_msg.h"
#include "server.h"
#include "worker.h"

#define LINK_HIGH	(4u << 20)	/* congested above this many bytes */
#define LINK_LOW	(1u << 20)	/* and relieved below this */
#define BATCH		64		/* frames per sendmmsg/recvmmsg */
#define RX_PER_TURN	128		/* frames per loop turn: small turns keep
				 * the output batch in cache */

struct relay_link {
	int		 epfd;
	int		 fd;		/* -1 while down */
	int		 up;
	int		 rx_pending;
	int		 congested;
	int		 backoff_ms;
	int64_t		 retry_ms;	/* next connect attempt */
	struct fifo	 q;		/* frames to send */
	uint8_t		*rxbuf;		/* BATCH x RELAY_PACKET_MAX */
};

#define K	(kd.link)

static void link_connect(void);

int
relay_link_init(int epfd)
{
	if ((K = calloc(1, sizeof(*K))) == NULL)
		return -1;
	K->epfd = epfd;
	K->fd = -1;
	K->backoff_ms = 50;
	K->rxbuf = mmap(NULL, (size_t)BATCH * RELAY_PACKET_MAX, PROT_READ |
	    PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (K->rxbuf == MAP_FAILED)
		return -1;
	link_connect();
	return 0;
}

int
relay_link_up(void)
{
	return K->up;
}

size_t
relay_link_queued(void)
{
	return fifo_used(&K->q);
}

int
relay_link_congested(void)
{
	return K->congested;
}

int
relay_link_pending(void)
{
	return K->up && K->rx_pending;
}

#define Q_MINCAP	65536

void
relay_link_send(const void *frame, size_t len)
{
	if (fifo_add(&K->q, frame, len, Q_MINCAP) == -1)
		fatalx("out of memory queueing a relay frame");
	if (!K->congested && fifo_used(&K->q) > LINK_HIGH) {
		K->congested = 1;
		log_debug("relay link congested (%zu bytes queued)",
		    fifo_used(&K->q));
	}
}

static void
link_down(const char *why)
{
	if (K->fd >= 0 && close(K->fd) == -1)
		log_warn("close relay link");
	K->fd = -1;
	K->up = 0;
	K->rx_pending = 0;
	K->retry_ms = kd.now_ms + K->backoff_ms;
	log_warnx("relay link lost (%s); %zu bytes of frames queued will be "
	    "sent after reconnecting", why, fifo_used(&K->q));
}

/* Put HELLO and a SUB per local channel in front of the FIFO. */
static void
sub_one(int32_t idx, uint32_t gen, void *arg)
{
	(void)arg;
	send_sub(RELAY_SUB, idx, gen);
}

static void
queue_hello(void)
{
	uint8_t buf[64];
	struct relay_msg_w w;
	struct fifo old = K->q;
	int n;

	memset(&K->q, 0, sizeof(K->q));
	relay_msg_begin(&w, buf, sizeof(buf), RELAY_HELLO);
	relay_msg_add_u16(&w, RELAY_PROTO_VERSION);
	relay_msg_add_u8(&w, (uint8_t)kd.id);
	relay_msg_add_u32(&w, (uint32_t)kd.pid);
	if ((n = relay_msg_end(&w)) == -1)
		fatalx("cannot build HELLO");
	relay_link_send(buf, (size_t)n);
	lchan_foreach_sub(sub_one, NULL);
	if (fifo_used(&old) > 0)
		relay_link_send(fifo_head(&old), fifo_used(&old));
	fifo_release(&old);
}

static void
link_connect(void)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%.*s",
	    (int)sizeof(sun.sun_path) - 1, kd.relay_path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		log_warn("socket for the relay link");
		goto retry;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		if (errno != ENOENT && errno != ECONNREFUSED &&
		    errno != EAGAIN)
			log_warn("connect %s", kd.relay_path);
		close(fd);
		goto retry;
	}
	if (ep_add(K->epfd, fd, EPOLLIN | EPOLLOUT | EPOLLET,
	    (epoll_data_t){ .u64 = WTAG_LINK }) == -1) {
		log_warn("epoll_ctl relay link");
		close(fd);
		goto retry;
	}
	K->fd = fd;
	K->up = 1;
	K->rx_pending = 1;
	K->backoff_ms = 50;
	queue_hello();
	log_debug("relay link up");
	return;
retry:
	K->retry_ms = kd.now_ms + K->backoff_ms;
	if (K->backoff_ms < 1000)
		K->backoff_ms *= 2;
}

void
relay_link_tick(void)
{
	if (!K->up && kd.now_ms >= K->retry_ms)
		link_connect();
	/* the receive batch's pages come back on the next burst */
	if (madvise(K->rxbuf, (size_t)BATCH * RELAY_PACKET_MAX,
	    MADV_DONTNEED) == -1)
		log_warn("madvise relay receive buffer");
}

static uint32_t
frame_len(const char *p)
{
	uint32_t plen;

	memcpy(&plen, p + 4, sizeof(plen));
	return plen + RELAY_HDR_SIZE;
}

/* Send the FIFO in packets of whole frames, each up to RELAY_PACKET_MAX
 * bytes (the FIFO is contiguous, so a packet is one iovec). */
static void
link_write(void)
{
	struct mmsghdr msg[BATCH];
	struct iovec iov[BATCH];
	size_t off, sent, f, len;
	char *q;
	int n, i;

	while (K->up && (len = fifo_used(&K->q)) > 0) {
		q = fifo_head(&K->q);
		memset(msg, 0, sizeof(msg));
		for (n = 0, off = 0; n < BATCH && off < len; n++) {
			iov[n].iov_base = q + off;
			iov[n].iov_len = frame_len(q + off);
			off += iov[n].iov_len;
			while (off < len && (f = frame_len(q + off)) +
			    iov[n].iov_len <= RELAY_PACKET_MAX) {
				iov[n].iov_len += f;
				off += f;
			}
			msg[n].msg_hdr.msg_iov = &iov[n];
			msg[n].msg_hdr.msg_iovlen = 1;
		}
		n = sendmmsg(K->fd, msg, (unsigned)n, MSG_DONTWAIT |
		    MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				link_down(strerror(errno));
			break;
		}
		for (i = 0, sent = 0; i < n; i++)
			sent += iov[i].iov_len;
		fifo_consume(&K->q, sent);
	}
	if (K->congested && fifo_used(&K->q) < LINK_LOW) {
		K->congested = 0;
		client_unblock_all();
	}
}

/* Deliver the frames of one packet; -1 when it is malformed. */
static int
packet_frames(const uint8_t *p, size_t n, int *frames)
{
	const uint8_t *f;
	size_t off = 0, flen;
	int rc;

	while ((rc = relay_msg_next(p, n, &off, &f, &flen)) == 1) {
		if (deliver_frame(f, flen) == -1)
			return -1;
		(*frames)++;
	}
	return rc;
}

static void
link_read(void)
{
	struct mmsghdr msg[BATCH];
	struct iovec iov[BATCH];
	int n, i, total = 0, vlen = 4;

	K->rx_pending = 0;
	while (K->up && total < RX_PER_TURN) {
		memset(msg, 0, sizeof(msg));
		for (i = 0; i < vlen; i++) {
			iov[i].iov_base = K->rxbuf + (size_t)i * RELAY_PACKET_MAX;
			iov[i].iov_len = RELAY_PACKET_MAX;
			msg[i].msg_hdr.msg_iov = &iov[i];
			msg[i].msg_hdr.msg_iovlen = 1;
		}
		/* a few packets at a time: a packet may hold a hundred frames
		 * and a turn should stay near RX_PER_TURN of them */
		n = recvmmsg(K->fd, msg, (unsigned)vlen, MSG_DONTWAIT, NULL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				link_down(strerror(errno));
			return;
		}
		if (n == 0) {
			link_down("end of file");
			return;
		}
		for (i = 0; i < n; i++) {
			if (msg[i].msg_len == 0) {
				link_down("end of file");
				return;
			}
			if ((msg[i].msg_hdr.msg_flags & MSG_TRUNC) ||
			    packet_frames(iov[i].iov_base, msg[i].msg_len,
			    &total) == -1) {
				link_down("malformed frame");
				return;
			}
		}
		if (n < vlen)
			return;
	}
	K->rx_pending = K->up;
}

void
relay_link_event(uint32_t events)
{
	if (!K->up)
		return;
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		link_read();
	if (K->up && (events & EPOLLOUT))
		link_write();
}

void
relay_link_flush(void)
{
	if (!K->up)
		return;
	if (K->rx_pending)
		link_read();
	link_write();
}
