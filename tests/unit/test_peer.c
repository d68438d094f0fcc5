/*
 * test_peer.c -- links between processes, both ends in one process over a
 * socketpair: frames arrive whole and in order, in batches, within the
 * per-turn budget; a source is pulled and told what went out; pausing
 * stops reading; end of file and a malformed packet reach the owner once;
 * a closed peer says nothing more.
 */
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "unit.h"
#include "ev.h"
#include "frame.h"
#include "peer.h"

static struct ev *ev;
static struct peer_hub *hub;
static struct peer *a, *b;
static unsigned got, ends;
static uint64_t last, next_ack;
static char why[64], why_b[64];

static void
recv_fn(struct peer *p, const uint8_t *frame, size_t len, void *arg)
{
	struct frame_ack f;
	enum frame_err err;

	(void)arg;
	if (frame == NULL) {
		ends++;
		snprintf(why, sizeof(why), "%s", peer_error(p));
		if (p == b)
			snprintf(why_b, sizeof(why_b), "%s", peer_error(p));
		if (p == a)
			a = NULL;
		else if (p == b)
			b = NULL;
		return;
	}
	assert_int_equal(frame_unpack_ack(frame, len, &f, &err), 0);
	assert_int_equal(f.lseq, last + 1);	/* in order, none lost */
	last = f.lseq;
	got++;
}

static int
setup(void **state)
{
	int sv[2];

	(void)state;
	got = ends = 0;
	last = next_ack = 0;
	why[0] = why_b[0] = '\0';
	assert_non_null(ev = ev_new());
	assert_non_null(hub = peer_hub_new(ev));
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK,
	    0, sv), 0);
	assert_non_null(a = peer_new(hub, sv[0], "a", recv_fn, NULL));
	assert_non_null(b = peer_new(hub, sv[1], "b", recv_fn, NULL));
	assert_int_equal(ev_hook_add(ev, peer_hub_turn, hub), 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	if (a != NULL)
		peer_close(a);
	if (b != NULL)
		peer_close(b);
	peer_hub_turn(hub);
	peer_hub_forget(hub);
	ev_free(ev);
	return 0;
}

static void
send_acks(struct peer *p, unsigned n)
{
	uint8_t buf[32];
	unsigned i;
	int len;

	for (i = 0; i < n; i++) {
		struct frame_ack f = { ++next_ack };
		len = frame_pack_ack(buf, sizeof(buf), &f);
		assert_int_equal(peer_send(p, buf, (size_t)len), 0);
	}
}

static void
turns(int n)
{
	while (n-- > 0) {
		ev_wake_in(ev, 0);
		assert_int_equal(ev_turn(ev), 0);
	}
}

static void
frames_arrive_whole_and_in_order(void **state)
{
	(void)state;
	send_acks(a, 10000);
	assert_true(peer_queued(a) > 0);
	turns(50);
	assert_int_equal(got, 10000);
	assert_int_equal(peer_queued(a), 0);
	assert_int_equal(ends, 0);
}

static void
reading_keeps_to_the_budget(void **state)
{
	(void)state;
	/* the budget is checked between batches of packets: 4 packets of
	 * about a thousand frames each, once in the event and once more in
	 * the hub's turn */
	peer_set_budget(b, 100, 4);
	send_acks(a, 20000);
	peer_flush(a);
	turns(1);
	assert_true(got <= 2 * 4 * (FRAME_PACKET_MAX / 16));
	assert_true(got < 20000);
	assert_true(peer_rx_pending(b));
	turns(40);
	assert_int_equal(got, 20000);
}

static void
pause_stops_reading(void **state)
{
	(void)state;
	peer_pause(b, 1);
	send_acks(a, 10);
	turns(3);
	assert_int_equal(got, 0);
	peer_pause(b, 0);
	turns(3);
	assert_int_equal(got, 10);
}

/* A source of 500 ACK frames kept by its owner. */
static uint8_t srcbuf[500][24];
static size_t src_next, src_pulls;

static size_t
src_pull(void *arg, struct iovec *iov, size_t max)
{
	size_t n = 0;

	(void)arg;
	src_pulls++;
	while (n < max && src_next + n < 500) {
		iov[n].iov_base = srcbuf[src_next + n];
		iov[n].iov_len = 16;
		n++;
	}
	return n;
}

static void
src_sent(void *arg, size_t niov)
{
	(void)arg;
	src_next += niov;
}

static void
a_source_is_pulled(void **state)
{
	struct peer_source src = { src_pull, src_sent, NULL };
	unsigned i;

	(void)state;
	for (i = 0; i < 500; i++) {
		struct frame_ack f = { i + 1 };
		assert_int_equal(frame_pack_ack(srcbuf[i], sizeof(srcbuf[i]),
		    &f), 16);
	}
	src_next = src_pulls = 0;
	peer_set_source(a, &src);
	turns(20);
	assert_int_equal(src_next, 500);
	assert_int_equal(got, 500);
	assert_true(src_pulls >= 2);
}

static void
end_of_file_is_told_once(void **state)
{
	(void)state;
	send_acks(a, 3);
	peer_flush(a);
	peer_close(a);		/* the owner of a hears nothing */
	a = NULL;
	turns(5);
	assert_int_equal(got, 3);	/* what was sent arrives first */
	assert_int_equal(ends, 1);
	assert_string_equal(why, "end of file");
	assert_null(b);
}

static void
a_malformed_packet_fails_the_peer(void **state)
{
	uint8_t junk[40];
	int fd = peer_fd(a);

	(void)state;
	memset(junk, 0x41, sizeof(junk));
	assert_int_equal(send(fd, junk, sizeof(junk), 0), (ssize_t)sizeof(junk));
	turns(3);
	assert_string_equal(why_b, "malformed packet");
	assert_null(b);
	/* b's socket closed with it: a hears end of file */
	assert_int_equal(ends, 2);
	assert_null(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    frames_arrive_whole_and_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(reading_keeps_to_the_budget,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(pause_stops_reading, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(a_source_is_pulled, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(end_of_file_is_told_once,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    a_malformed_packet_fails_the_peer, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
