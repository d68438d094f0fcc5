/*
 * link.c -- see link.h.  Owns struct link (kd.link).
 *
 * The queue is one byte FIFO of whole frames back to back, in link
 * sequence order: [acknowledged ... | sent, not acknowledged | not sent].
 * Acknowledged frames are dropped from the front; "sent" counts the bytes
 * the current connection has written.  Every frame in the queue is
 * sequenced, so the frame at the front has the sequence first_lseq and
 * the rest follow one by one.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctx.h"
#include "ev.h"
#include "fifo.h"
#include "frame.h"
#include "link.h"
#include "log.h"
#include "peer.h"

#define LINK_HIGH	(4u << 20)	/* congested above this many bytes */
#define LINK_LOW	(1u << 20)	/* and relieved below this */
#define RX_PER_TURN	128		/* frames per loop turn: small turns
				 * keep the output batch in cache */
#define Q_MINCAP	65536
#define PULL_IOV	64
#define BACKOFF_MIN_MS	20
#define BACKOFF_MAX_MS	500

enum link_state {
	K_DOWN,		/* no connection; a retry is due */
	K_SYNC,		/* HELLO and subscriptions sent, no ACK yet */
	K_UP,		/* acknowledged: frames flow */
};

struct link {
	struct link_cb	 cb;
	struct peer	*peer;		/* NULL while down */
	enum link_state	 state;
	int		 backoff_ms;
	unsigned	 retry;		/* the reconnect timer */
	struct fifo	 q;		/* frames for the relay */
	size_t		 sent;		/* bytes of q this connection wrote */
	uint64_t	 first_lseq;	/* sequence of the frame at q's front */
	uint64_t	 next_lseq;	/* sequence of the next frame queued */
	uint32_t	 nsubs;		/* SUBs sent in this resync */
	int		 congested;
	uint64_t	 last_id;	/* highest message id handed up */
	size_t		 ends[PULL_IOV];	/* q offsets after each iovec */
};

static void	link_connect(void *arg);

int
link_init(const struct link_cb *cb)
{
	if ((kd.link = calloc(1, sizeof(*kd.link))) == NULL)
		return -1;
	kd.link->cb = *cb;
	kd.link->backoff_ms = BACKOFF_MIN_MS;
	kd.link->first_lseq = kd.link->next_lseq = 1;
	link_connect(NULL);
	return 0;
}

int
link_up(void)
{
	return kd.link->state == K_UP;
}

int
link_congested(void)
{
	return kd.link->congested;
}

size_t
link_queued(void)
{
	return fifo_used(&kd.link->q);
}

static void
congestion_check(struct link *k)
{
	size_t used = fifo_used(&k->q);

	if (!k->congested && used > LINK_HIGH) {
		k->congested = 1;
		log_debug("relay link congested (%zu bytes queued)", used);
		k->cb.congested(1, k->cb.arg);
	} else if (k->congested && used < LINK_LOW) {
		k->congested = 0;
		k->cb.congested(0, k->cb.arg);
	}
}

void
link_send(const void *frame, size_t len)
{
	struct link *k = kd.link;
	char *copy;

	if (fifo_add(&k->q, frame, len, Q_MINCAP) == -1)
		fatalx("out of memory queueing a relay frame");
	copy = fifo_head(&k->q) + fifo_used(&k->q) - len;
	frame_stamp_origin(copy, len, (uint8_t)kd.id, (uint32_t)kd.pid,
	    k->next_lseq++);
	if (k->state == K_UP)
		peer_kick(k->peer);
	congestion_check(k);
}

void
link_send_sync(const void *frame, size_t len)
{
	struct link *k = kd.link;

	if (k->state != K_SYNC || peer_send(k->peer, frame, len) == -1)
		return;
	k->nsubs++;
}

/* --- the queue as the peer's source ------------------------------------------ */

/* Runs of whole frames after what was sent, each at most a packet. */
static size_t
q_pull(void *arg, struct iovec *iov, size_t max)
{
	struct link *k = arg;
	char *q = fifo_head(&k->q);
	size_t len = fifo_used(&k->q), off = k->sent, n;

	if (max > PULL_IOV)
		max = PULL_IOV;
	for (n = 0; n < max && off < len; n++) {
		iov[n].iov_base = q + off;
		iov[n].iov_len = frame_run(q, len, off);
		off += iov[n].iov_len;
		k->ends[n] = off;
	}
	return n;
}

static void
q_sent(void *arg, size_t niov)
{
	struct link *k = arg;

	if (niov > 0 && niov <= PULL_IOV)
		k->sent = k->ends[niov - 1];
}

/* The relay's log holds every frame up to lseq: drop them. */
static void
q_ack(struct link *k, uint64_t lseq)
{
	size_t off = 0, len = fifo_used(&k->q);
	char *q = fifo_head(&k->q);

	while (k->first_lseq <= lseq && off < len) {
		off += frame_len(q + off);
		k->first_lseq++;
	}
	fifo_consume(&k->q, off);
	k->sent = k->sent > off ? k->sent - off : 0;
	if (fifo_used(&k->q) == 0)
		fifo_release(&k->q);
	congestion_check(k);
}

/* --- frames from the relay ------------------------------------------------------ */

static void
on_ack(struct link *k, const uint8_t *frame, size_t len)
{
	struct peer_source src = { q_pull, q_sent, k };
	struct frame_ack f;
	enum frame_err err;

	if (frame_unpack_ack(frame, len, &f, &err) == -1 ||
	    f.lseq >= k->next_lseq) {
		log_warnx("bad ACK from the relay (%s)", frame_strerror(err));
		peer_close(k->peer);
		k->peer = NULL;
		k->state = K_DOWN;
		k->retry = ev_timer_add(kd.ev, k->backoff_ms, 0, link_connect,
		    NULL);
		return;
	}
	q_ack(k, f.lseq);
	if (k->state == K_SYNC) {
		/* the new relay has our frames up to f.lseq: the rest again */
		k->state = K_UP;
		k->sent = 0;
		k->backoff_ms = BACKOFF_MIN_MS;
		peer_set_source(k->peer, &src);
		log_debug("relay link up; %zu bytes of frames to send",
		    fifo_used(&k->q));
	}
}

static void
link_down(struct link *k, const char *why)
{
	log_warnx("relay link lost (%s); %zu bytes of frames queued will be "
	    "sent after reconnecting", why, fifo_used(&k->q));
	k->peer = NULL;
	k->state = K_DOWN;
	k->sent = 0;
	k->retry = ev_timer_add(kd.ev, k->backoff_ms, 0, link_connect, NULL);
}

static void
link_frame(struct peer *p, const uint8_t *frame, size_t len, void *arg)
{
	struct link *k = arg;
	struct frame_stamp st;
	enum frame_err err;
	int type;

	if (frame == NULL) {
		link_down(k, peer_error(p));
		return;
	}
	type = frame_open(frame, len, &err);
	if (type == FRAME_ACK) {
		on_ack(k, frame, len);
		return;
	}
	if ((type != FRAME_CHAN && type != FRAME_USER && type != FRAME_MULTI &&
	    type != FRAME_LABELDONE && type != FRAME_NICK) || frame_stamp_get(frame, len, &st) == -1) {
		log_warnx("unexpected %s frame from the relay",
		    frame_type_name((unsigned)type));
		return;
	}
	if (st.id != 0 && st.id <= k->last_id)
		return;		/* a respawned relay sent it again */
	if (st.id != 0)
		k->last_id = st.id;
	k->cb.frame(frame, len, k->cb.arg);
}

/* --- connecting ------------------------------------------------------------------- */

static int
say_hello(struct link *k)
{
	struct frame_hello h = { FRAME_VERSION, (uint8_t)kd.id,
	    (uint32_t)kd.pid };
	struct frame_synced s;
	uint8_t buf[64];
	int n;

	if ((n = frame_pack_hello(buf, sizeof(buf), &h)) == -1 ||
	    peer_send(k->peer, buf, (size_t)n) == -1)
		return -1;
	k->nsubs = 0;
	k->state = K_SYNC;
	k->cb.resync(k->cb.arg);
	s.nsubs = k->nsubs;
	if ((n = frame_pack_synced(buf, sizeof(buf), &s)) == -1 ||
	    peer_send(k->peer, buf, (size_t)n) == -1)
		return -1;
	return 0;
}

static void
link_connect(void *arg)
{
	struct link *k = kd.link;
	struct sockaddr_un sun;
	int fd;

	(void)arg;
	k->retry = 0;
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
		(void)close(fd);
		goto retry;
	}
	if ((k->peer = peer_new(kd.hub, fd, "relay", link_frame, k)) == NULL) {
		log_warn("relay link");
		(void)close(fd);
		goto retry;
	}
	peer_set_budget(k->peer, RX_PER_TURN, 4);
	if (say_hello(k) == -1) {
		peer_close(k->peer);
		k->peer = NULL;
		k->state = K_DOWN;
		goto retry;
	}
	log_debug("relay link connected");
	return;
retry:
	k->retry = ev_timer_add(kd.ev, k->backoff_ms, 0, link_connect, NULL);
	if (k->backoff_ms < BACKOFF_MAX_MS)
		k->backoff_ms *= 2;
}
