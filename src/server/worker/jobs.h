/*
 * jobs.h -- a worker's job thread: the slow work that must never hold up
 * the loop (yescrypt hashing, PBKDF2, PAM, an auth-command, writes to the
 * store) runs there, one job at a time, in the order submitted.
 *
 * A job's run() executes on the thread with the thread's own store
 * connection and must touch nothing but the job (and what it points to,
 * which the submitter gives up until done); done() runs later on the
 * loop, from an eventfd, and frees nothing: the job module frees the job
 * after it.  The submitter finds its client again by slot and generation:
 * the client may be gone by then.  The thread runs only while there is
 * work (it ends after 10 idle seconds): see jobs.c.
 */
#ifndef KEO_JOBS_H
#define KEO_JOBS_H

#include <stdint.h>

struct store;

struct job {
	int	(*run)(struct job *, struct store *);	/* on the thread */
	void	(*done)(struct job *);			/* on the loop */
	int32_t	 slot;		/* who asked, or -1 */
	uint32_t gen;
	int	 rc;		/* run()'s result, for done(); -1 when run()
				 * never ran (the thread has no store): a
				 * done() must then report a failure */
	void	*arg;		/* the submitter's (owned by the job: freed
				 * with free() after done, when set) */
	struct job *next;
};

/* Get ready (the eventfd on the loop); the thread starts with the first
 * job and opens its store connection then.  -1 when it cannot. */
int	 jobs_init(const char *state_dir);
/* Stop it after the jobs queued so far, running their done()s. */
void	 jobs_stop(void);
/* Queue j (malloc'd by the caller, taken over); 0, or -1 when the queue
 * is full (JOBS_MAX): j is not taken. */
int	 jobs_submit(struct job *j);
/* Jobs queued or running. */
unsigned jobs_pending(void);

#define JOBS_MAX	4096

#endif
