/*
 * purge.h -- the end of a dead worker's users, done by the relay: their
 * roster slots are freed and a QUIT line is built for each registered one.
 */
#ifndef KEO_PURGE_H
#define KEO_PURGE_H

#include <sys/types.h>

struct frame_multi;

/* Free every roster slot owned by pid (taking the roster lock) and call
 * quit() with a MULTI QUIT frame for each registered user among them, its
 * channels filled in; in cluster mode their nick claims are freed.  why
 * is for the log.  Returns how many slots. */
unsigned	 purge_pid(pid_t pid, const char *why,
		    void (*quit)(const struct frame_multi *, void *), void *arg);
/* The pids that own roster slots but no longer exist (at relay start);
 * at most max of them into pids, returns how many. */
unsigned	 purge_find_dead(pid_t *pids, unsigned max);

#endif
