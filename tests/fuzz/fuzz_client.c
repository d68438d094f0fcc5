/*
 * fuzz_client.c -- bytes into a whole client connection: the worker's
 * client code, line admission, command dispatch and every handler run on
 * the fuzz input with stub I/O.  A second, registered client sits in the
 * room so that messages are delivered.  The relay is stubbed by a loopback
 * that stamps each frame and hands it straight back, as a one-worker relay
 * would.  Every client is torn down at the end, so LeakSanitizer sees
 * whatever a command path forgets to free.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client.h"
#include "deliver.h"
#include "fuzz.h"
#include "log.h"
#include "relay_link.h"
#include "relay_msg.h"
#include "roster.h"
#include "server.h"

struct keochatd kd;

struct stub {
	const uint8_t	*data;
	size_t		 size, off;
};

static struct stub feed;
static uint64_t seq;

/* --- the loopback relay ---------------------------------------------------- */

void
relay_link_send(const void *frame, size_t len)
{
	uint8_t copy[RELAY_FRAME_MAX];

	if (len > sizeof(copy))
		abort();
	memcpy(copy, frame, len);
	relay_msg_stamp(copy, ++seq, 1767323045000ULL);
	if (deliver_frame(copy, len) == -1)
		abort();	/* we built it: it must be well-formed */
}

int
relay_link_congested(void)
{
	return 0;
}

void
clock_update(void)
{
	kd.now_ms += 1;
	kd.now_us += 1000;
}

/* --- stub connection I/O --------------------------------------------------- */

static ssize_t
stub_read(struct client *c, void *p, size_t n)
{
	struct stub *s = c->fd == 1 ? &feed : NULL;
	size_t k;

	if (s == NULL || s->off == s->size) {
		errno = EAGAIN;
		return -1;
	}
	/* vary the read sizes with the data itself */
	k = 1 + s->data[s->off] % 200;
	if (k > n)
		k = n;
	if (k > s->size - s->off)
		k = s->size - s->off;
	memcpy(p, s->data + s->off, k);
	s->off += k;
	return (ssize_t)k;
}

static ssize_t
stub_writev(struct client *c, const struct iovec *iov, int n)
{
	ssize_t total = 0;
	int i;

	(void)c;
	for (i = 0; i < n; i++)
		total += (ssize_t)iov[i].iov_len;
	return total;
}

static void
stub_close(struct client *c)
{
	c->fd = -1;
}

static const struct conn_ops stub_ops = {
	"stub", stub_read, stub_writev, stub_close
};

/* --- the harness ------------------------------------------------------------ */

static struct client *
connect_one(int fd, const char *host)
{
	uint8_t addr[16] = { [10] = 0xff, [11] = 0xff, 127, 0, 0, 1 };
	enum roster_err e;
	int32_t slot;
	uint32_t gen;

	roster_lock(kd.roster);
	slot = roster_user_new(kd.roster, 0, 1, addr, host, 0, &e);
	gen = slot >= 0 ? roster_user(kd.roster, slot)->gen : 0;
	roster_unlock(kd.roster);
	if (slot < 0)
		abort();
	return client_new(fd, &stub_ops, slot, gen, addr, host);
}

static void
close_all(struct client *c, void *arg)
{
	client_close(c, arg);
}

static void
setup(void)
{
	static int done;
	char err[128];

	if (done)
		return;
	done = 1;
	config_defaults(&kd.cfg);
	snprintf(kd.cfg.server_name, sizeof(kd.cfg.server_name), "fuzz.test");
	kd.cfg.max_clients = 16;
	kd.cfg.max_channels = 32;
	kd.cfg.flood_rate = 0;
	kd.nworkers = 1;
	kd.shmsize = roster_size(16, 32);
	if ((kd.shm = calloc(1, kd.shmsize)) == NULL)
		abort();
	log_init(0, 0, LOG_LVL_ERROR);
	if (client_table_init(16) == -1 || lchan_table_init(32) == -1)
		abort();
	kd.now = 1767323045;
	kd.now_real_ms = 1767323045000LL;
	(void)err;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char peer_reg[] = "NICK peer\r\nUSER p 0 * :Peer\r\n";
	struct client *c;
	char err[128];

	setup();
	memset(kd.shm, 0, kd.shmsize);
	if (roster_init(kd.shm, kd.shmsize, 16, 32, 1) == -1)
		abort();
	if ((kd.roster = roster_attach(kd.shm, kd.shmsize, err,
	    sizeof(err))) == NULL)
		abort();
	feed.data = (const uint8_t *)peer_reg;
	feed.size = sizeof(peer_reg) - 1;
	feed.off = 0;
	c = connect_one(1, "10.0.0.1");
	client_input(c);
	c->fd = 2;		/* the peer reads nothing more */
	feed.data = data;
	feed.size = size;
	feed.off = 0;
	c = connect_one(1, "10.0.0.2");
	for (;;) {
		int gone;
		client_input(c);
		client_run_pending();
		gone = c->state >= CL_DYING;	/* reap may free it */
		client_reap();
		client_flush_all();
		if (gone || feed.off == feed.size)
			break;
	}
	client_tick();
	client_foreach(close_all, "end of input");
	client_reap();
	client_flush_all();
	client_closing_tick(1);
	if (client_count() != 0)
		abort();
	roster_detach(kd.roster);
	kd.roster = NULL;
	return 0;
}
