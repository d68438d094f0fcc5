/*
 * ev.c -- the event loop (see ev.h).  Owns struct ev.
 *
 * Descriptors are found by number in a table that grows as they do (epoll
 * returns the number in data.fd); a slot's generation tells a callback
 * whose descriptor was removed, or closed and reused, during the same turn
 * from the one the kernel reported.  Timers are few per process (ticks,
 * retries): an unsorted array scanned for the earliest is enough.
 */
#include <sys/epoll.h>

#include <errno.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ev.h"

#define EV_BATCH	256	/* events per epoll_wait */

struct ev_io {
	ev_fd_fn	 fn;		/* NULL: not watched */
	void		*arg;
	uint32_t	 gen;		/* bumped at every add and delete */
};

struct ev_timer {
	unsigned	 id;		/* 0: free */
	int64_t		 due_ms;
	int64_t		 period_ms;
	ev_fn		 fn;
	void		*arg;
};

struct ev_hook {
	ev_fn		 fn;
	void		*arg;
};

struct ev {
	int		 ep;
	struct ev_io	*io;
	unsigned	 nio;
	struct ev_timer	*timers;
	unsigned	 ntimers, next_id;
	struct ev_hook	*hooks;
	unsigned	 nhooks;
	ev_fn		 clock_fn;
	void		*clock_arg;
	int64_t		 now_ms;
	int64_t		 wake_ms;	/* bound on the next wait, -1: none */
	int		 stop;
};

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct ev *
ev_new(void)
{
	struct ev *ev;

	if ((ev = calloc(1, sizeof(*ev))) == NULL)
		return NULL;
	if ((ev->ep = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		free(ev);
		return NULL;
	}
	ev->wake_ms = -1;
	ev->now_ms = mono_ms();
	return ev;
}

void
ev_free(struct ev *ev)
{
	if (ev == NULL)
		return;
	(void)close(ev->ep);
	free(ev->io);
	free(ev->timers);
	free(ev->hooks);
	free(ev);
}

/* --- descriptors ------------------------------------------------------------ */

static int
io_grow(struct ev *ev, int fd)
{
	struct ev_io *n;
	unsigned cap = ev->nio ? ev->nio : 64;

	while (cap <= (unsigned)fd)
		cap *= 2;
	if ((n = reallocarray(ev->io, cap, sizeof(*n))) == NULL)
		return -1;
	memset(n + ev->nio, 0, (cap - ev->nio) * sizeof(*n));
	ev->io = n;
	ev->nio = cap;
	return 0;
}

static int
ep_ctl(struct ev *ev, int op, int fd, uint32_t events)
{
	struct epoll_event e;

	memset(&e, 0, sizeof(e));
	e.events = events;
	e.data.u64 = (uint64_t)(uint32_t)fd |
	    (uint64_t)ev->io[fd].gen << 32;
	return epoll_ctl(ev->ep, op, fd, &e);
}

int
ev_fd_add(struct ev *ev, int fd, uint32_t events, ev_fd_fn fn, void *arg)
{
	if (fd < 0 || fn == NULL) {
		errno = EINVAL;
		return -1;
	}
	if ((unsigned)fd >= ev->nio && io_grow(ev, fd) == -1)
		return -1;
	if (ev->io[fd].fn != NULL) {
		errno = EEXIST;
		return -1;
	}
	ev->io[fd].gen++;
	if (ep_ctl(ev, EPOLL_CTL_ADD, fd, events) == -1)
		return -1;
	ev->io[fd].fn = fn;
	ev->io[fd].arg = arg;
	return 0;
}

int
ev_fd_mod(struct ev *ev, int fd, uint32_t events)
{
	if (fd < 0 || (unsigned)fd >= ev->nio || ev->io[fd].fn == NULL) {
		errno = ENOENT;
		return -1;
	}
	return ep_ctl(ev, EPOLL_CTL_MOD, fd, events);
}

int
ev_fd_del(struct ev *ev, int fd)
{
	if (fd < 0 || (unsigned)fd >= ev->nio || ev->io[fd].fn == NULL) {
		errno = ENOENT;
		return -1;
	}
	ev->io[fd].fn = NULL;
	ev->io[fd].arg = NULL;
	ev->io[fd].gen++;
	return epoll_ctl(ev->ep, EPOLL_CTL_DEL, fd, NULL);
}

/* --- timers and hooks --------------------------------------------------------- */

unsigned
ev_timer_add(struct ev *ev, int64_t after_ms, int64_t period_ms, ev_fn fn,
    void *arg)
{
	struct ev_timer *t = NULL, *n;
	unsigned i;

	for (i = 0; i < ev->ntimers; i++)
		if (ev->timers[i].id == 0) {
			t = &ev->timers[i];
			break;
		}
	if (t == NULL) {
		if ((n = reallocarray(ev->timers, ev->ntimers + 1,
		    sizeof(*n))) == NULL)
			return 0;
		ev->timers = n;
		t = &ev->timers[ev->ntimers++];
	}
	if (++ev->next_id == 0)
		ev->next_id = 1;
	t->id = ev->next_id;
	t->due_ms = ev->now_ms + (after_ms > 0 ? after_ms : 0);
	t->period_ms = period_ms > 0 ? period_ms : 0;
	t->fn = fn;
	t->arg = arg;
	return t->id;
}

void
ev_timer_del(struct ev *ev, unsigned id)
{
	unsigned i;

	for (i = 0; id != 0 && i < ev->ntimers; i++)
		if (ev->timers[i].id == id)
			ev->timers[i].id = 0;
}

int
ev_hook_add(struct ev *ev, ev_fn fn, void *arg)
{
	struct ev_hook *n;

	if ((n = reallocarray(ev->hooks, ev->nhooks + 1, sizeof(*n))) == NULL)
		return -1;
	ev->hooks = n;
	ev->hooks[ev->nhooks].fn = fn;
	ev->hooks[ev->nhooks++].arg = arg;
	return 0;
}

void
ev_set_clock(struct ev *ev, ev_fn fn, void *arg)
{
	ev->clock_fn = fn;
	ev->clock_arg = arg;
}

void
ev_wake_in(struct ev *ev, int64_t ms)
{
	if (ms < 0)
		ms = 0;
	if (ev->wake_ms < 0 || ms < ev->wake_ms)
		ev->wake_ms = ms;
}

int64_t
ev_now(struct ev *ev)
{
	return ev->now_ms;
}

/* --- the turn ----------------------------------------------------------------- */

static int
wait_ms(struct ev *ev)
{
	int64_t t = ev->wake_ms, d;
	unsigned i;

	for (i = 0; i < ev->ntimers; i++) {
		if (ev->timers[i].id == 0)
			continue;
		d = ev->timers[i].due_ms - ev->now_ms;
		if (d < 0)
			d = 0;
		if (t < 0 || d < t)
			t = d;
	}
	if (t > 60000 || t < 0)
		t = 60000;	/* nothing to wait for: wake now and then */
	return (int)t;
}

static void
run_timers(struct ev *ev)
{
	struct ev_timer *t;
	unsigned i, n = ev->ntimers;
	ev_fn fn;
	void *arg;

	for (i = 0; i < n && i < ev->ntimers; i++) {
		t = &ev->timers[i];
		if (t->id == 0 || t->due_ms > ev->now_ms)
			continue;
		fn = t->fn;
		arg = t->arg;
		if (t->period_ms > 0)
			t->due_ms = ev->now_ms + t->period_ms;
		else
			t->id = 0;
		fn(arg);	/* may add timers: the array may move */
	}
}

int
ev_turn(struct ev *ev)
{
	struct epoll_event evs[EV_BATCH];
	unsigned i;
	int n, fd;
	uint32_t gen;

	n = epoll_wait(ev->ep, evs, EV_BATCH, wait_ms(ev));
	if (n == -1 && errno != EINTR)
		return -1;
	ev->wake_ms = -1;
	ev->now_ms = mono_ms();
	if (ev->clock_fn != NULL)
		ev->clock_fn(ev->clock_arg);
	for (i = 0; n > 0 && i < (unsigned)n; i++) {
		fd = (int)(uint32_t)evs[i].data.u64;
		gen = (uint32_t)(evs[i].data.u64 >> 32);
		if (fd < 0 || (unsigned)fd >= ev->nio || ev->io[fd].fn == NULL ||
		    ev->io[fd].gen != gen)
			continue;	/* removed earlier in this turn */
		ev->io[fd].fn(fd, evs[i].events, ev->io[fd].arg);
	}
	run_timers(ev);
	for (i = 0; i < ev->nhooks; i++)
		ev->hooks[i].fn(ev->hooks[i].arg);
	return 0;
}

int
ev_run(struct ev *ev)
{
	ev->stop = 0;
	while (!ev->stop)
		if (ev_turn(ev) == -1)
			return -1;
	return 0;
}

void
ev_stop(struct ev *ev)
{
	ev->stop = 1;
}
