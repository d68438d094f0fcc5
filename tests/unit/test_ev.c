/*
 * test_ev.c -- the event loop: descriptor callbacks, removal during a
 * turn, timers (one-shot, periodic, cancelled), hooks in order, the
 * clock hook, wake-in bounds and stop.
 */
#include <sys/epoll.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "unit.h"
#include "ev.h"

static struct ev *ev;
static int calls[8];
static char order[16];
static size_t norder;

static int
setup(void **state)
{
	(void)state;
	memset(calls, 0, sizeof(calls));
	norder = 0;
	order[0] = '\0';
	ev = ev_new();
	assert_non_null(ev);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	ev_free(ev);
	return 0;
}

static void
note(char c)
{
	if (norder < sizeof(order) - 1) {
		order[norder++] = c;
		order[norder] = '\0';
	}
}

static void
on_read(int fd, uint32_t events, void *arg)
{
	char b[16];

	assert_true(events & EPOLLIN);
	assert_int_equal(read(fd, b, sizeof(b)), 1);
	calls[(intptr_t)arg]++;
	note('r');
}

static void
descriptors_get_their_events(void **state)
{
	int sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(ev_fd_add(ev, sv[0], EPOLLIN, on_read,
	    (void *)(intptr_t)1), 0);
	assert_int_equal(ev_fd_add(ev, sv[0], EPOLLIN, on_read, NULL), -1);
	assert_int_equal(errno, EEXIST);
	assert_int_equal(write(sv[1], "x", 1), 1);
	assert_int_equal(ev_turn(ev), 0);
	assert_int_equal(calls[1], 1);
	assert_int_equal(ev_fd_del(ev, sv[0]), 0);
	assert_int_equal(ev_fd_del(ev, sv[0]), -1);
	assert_int_equal(write(sv[1], "x", 1), 1);
	ev_wake_in(ev, 0);
	assert_int_equal(ev_turn(ev), 0);
	assert_int_equal(calls[1], 1);
	assert_int_equal(ev_fd_add(ev, -1, EPOLLIN, on_read, NULL), -1);
	close(sv[0]);
	close(sv[1]);
}

/* Two ready descriptors; whichever runs first removes the other, whose
 * event is already in the turn's batch: it must not run. */
static int pair_fd[2];

static void
remover(int fd, uint32_t events, void *arg)
{
	intptr_t me = (intptr_t)arg;
	char b[4];

	(void)events;
	assert_int_equal(read(fd, b, sizeof(b)), 1);
	calls[2]++;
	assert_int_equal(ev_fd_del(ev, pair_fd[1 - me]), 0);
}

static void
removed_during_a_turn_gets_no_callback(void **state)
{
	int a[2], b[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, a), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, b), 0);
	pair_fd[0] = a[0];
	pair_fd[1] = b[0];
	assert_int_equal(ev_fd_add(ev, a[0], EPOLLIN, remover,
	    (void *)(intptr_t)0), 0);
	assert_int_equal(ev_fd_add(ev, b[0], EPOLLIN, remover,
	    (void *)(intptr_t)1), 0);
	assert_int_equal(write(a[1], "x", 1), 1);
	assert_int_equal(write(b[1], "x", 1), 1);
	assert_int_equal(ev_turn(ev), 0);
	assert_int_equal(calls[2], 1);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
}

static void
on_timer(void *arg)
{
	calls[(intptr_t)arg]++;
	note((char)('0' + (intptr_t)arg));
}

static void
timers_fire_once_or_every_period(void **state)
{
	unsigned once, every, gone;
	int i;

	(void)state;
	once = ev_timer_add(ev, 0, 0, on_timer, (void *)(intptr_t)3);
	every = ev_timer_add(ev, 0, 1, on_timer, (void *)(intptr_t)4);
	gone = ev_timer_add(ev, 0, 0, on_timer, (void *)(intptr_t)5);
	assert_true(once != 0 && every != 0 && gone != 0);
	assert_true(once != every && every != gone);
	ev_timer_del(ev, gone);
	for (i = 0; i < 4; i++)
		assert_int_equal(ev_turn(ev), 0);
	assert_int_equal(calls[3], 1);
	assert_true(calls[4] >= 2);
	assert_int_equal(calls[5], 0);
	ev_timer_del(ev, every);
	i = calls[4];
	ev_wake_in(ev, 0);
	assert_int_equal(ev_turn(ev), 0);
	assert_int_equal(calls[4], i);
}

static void
hook_a(void *arg)
{
	(void)arg;
	note('a');
}

static void
hook_b(void *arg)
{
	(void)arg;
	note('b');
	ev_stop(ev);
}

static void
clock_hook(void *arg)
{
	(void)arg;
	note('c');
}

static void
hooks_run_in_order_after_the_clock(void **state)
{
	(void)state;
	ev_set_clock(ev, clock_hook, NULL);
	assert_int_equal(ev_hook_add(ev, hook_a, NULL), 0);
	assert_int_equal(ev_hook_add(ev, hook_b, NULL), 0);
	assert_int_equal(ev_timer_add(ev, 0, 0, on_timer,
	    (void *)(intptr_t)1) != 0, 1);
	assert_int_equal(ev_run(ev), 0);	/* hook_b stops it */
	assert_string_equal(order, "c1ab");
	assert_true(ev_now(ev) > 0);
}

static void
wake_in_bounds_the_wait(void **state)
{
	int64_t t0;

	(void)state;
	t0 = ev_now(ev);
	ev_timer_add(ev, 60000, 0, on_timer, (void *)(intptr_t)1);
	ev_wake_in(ev, 0);
	assert_int_equal(ev_turn(ev), 0);	/* does not wait a minute */
	assert_true(ev_now(ev) - t0 < 5000);
	assert_int_equal(calls[1], 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(descriptors_get_their_events,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    removed_during_a_turn_gets_no_callback, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    timers_fire_once_or_every_period, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    hooks_run_in_order_after_the_clock, setup, teardown),
		cmocka_unit_test_setup_teardown(wake_in_bounds_the_wait, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
