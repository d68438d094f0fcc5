/*
 * ev.h -- the one event loop of every keochatd process (the shape of
 * Redis's ae.c): descriptor callbacks on epoll, timers, and hooks that run
 * before the loop sleeps.
 *
 * A turn: wait (no longer than the next timer or a bound set with
 * ev_wake_in), call the clock hook, call each ready descriptor's callback,
 * run the timers that are due, then every before-sleep hook in the order
 * they were added.  Callbacks may add and remove descriptors and timers;
 * a descriptor removed during a turn gets no further callback in it.
 * One struct ev per process, owned by its entry function.
 */
#ifndef KEO_EV_H
#define KEO_EV_H

#include <stdint.h>

struct ev;

typedef void	(*ev_fd_fn)(int fd, uint32_t events, void *arg);
typedef void	(*ev_fn)(void *arg);

/* A loop, or NULL with errno set. */
struct ev	*ev_new(void);
void		 ev_free(struct ev *ev);

/* Watch fd for epoll events (EPOLLIN, EPOLLOUT, EPOLLET ...); fn gets the
 * events that happened.  0, or -1 with errno set. */
int		 ev_fd_add(struct ev *ev, int fd, uint32_t events, ev_fd_fn fn,
		    void *arg);
int		 ev_fd_mod(struct ev *ev, int fd, uint32_t events);
/* Stop watching fd (call before closing it). */
int		 ev_fd_del(struct ev *ev, int fd);

/* Call fn after after_ms, then every period_ms (0: once).  The id (never
 * 0) cancels it; a one-shot timer is gone once it has fired. */
unsigned	 ev_timer_add(struct ev *ev, int64_t after_ms, int64_t period_ms,
		    ev_fn fn, void *arg);
void		 ev_timer_del(struct ev *ev, unsigned id);

/* Run fn at the end of every turn, after the hooks added before it. */
int		 ev_hook_add(struct ev *ev, ev_fn fn, void *arg);
/* Called right after every wait, before any callback (the clock). */
void		 ev_set_clock(struct ev *ev, ev_fn fn, void *arg);
/* This turn's wait is at most ms (0: do not sleep): there is work left. */
void		 ev_wake_in(struct ev *ev, int64_t ms);

/* Monotonic milliseconds at the start of this turn. */
int64_t		 ev_now(struct ev *ev);
/* One turn; -1 when epoll_wait failed (errno set). */
int		 ev_turn(struct ev *ev);
/* Turns until ev_stop; 0, or -1 when epoll_wait failed. */
int		 ev_run(struct ev *ev);
void		 ev_stop(struct ev *ev);

#endif
