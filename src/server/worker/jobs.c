/*
 * jobs.c -- see jobs.h.
 *
 * The thread starts with the first job and ends after IDLE_MS without
 * one: a worker that has no logins to check stays single-threaded, which
 * matters for its hot path (a second thread makes every madvise and
 * munmap of the process flush the other CPU's TLB: +10 % CPU in a
 * connection storm, measured).
 */
#include <sys/epoll.h>
#include <sys/eventfd.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctx.h"
#include "ev.h"
#include "jobs.h"
#include "log.h"
#include "store.h"

#define IDLE_MS		10000

static struct {
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;		/* work for the thread, or stop */
	pthread_cond_t	 gone;		/* the thread has ended */
	struct job	*todo, **todo_tail;	/* for the thread */
	struct job	*done, **done_tail;	/* for the loop */
	unsigned	 pending;
	int		 efd;		/* the thread says "done" here */
	int		 ready;		/* jobs_init succeeded */
	int		 alive;		/* a thread is running */
	int		 stopping;
	char		 dir[CONF_FILE_MAX];
	char		 err[512];	/* the thread could not open the store */
} J = { .efd = -1 };

/* Wait for work until IDLE_MS passed without any; lock held.  1 when
 * there is a job (or a stop), 0 when idle long enough to end. */
static int
wait_work(void)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += IDLE_MS / 1000;
	while (J.todo == NULL && !J.stopping)
		if (pthread_cond_timedwait(&J.cv, &J.mu, &until) == ETIMEDOUT)
			return J.todo != NULL || J.stopping;
	return 1;
}

static void *
thread_main(void *arg)
{
	struct store *st = NULL;
	struct job *j;
	uint64_t one = 1;
	char err[512];

	(void)arg;
	pthread_mutex_lock(&J.mu);
	for (;;) {
		if (!wait_work() || (J.todo == NULL && J.stopping)) {
			/* idle or stopping: close the store outside the lock,
			 * then end unless a job came meanwhile */
			pthread_mutex_unlock(&J.mu);
			store_close(st);
			st = NULL;
			pthread_mutex_lock(&J.mu);
			if (J.todo != NULL && !J.stopping)
				continue;
			break;
		}
		if ((j = J.todo) == NULL)
			continue;
		if ((J.todo = j->next) == NULL)
			J.todo_tail = &J.todo;
		pthread_mutex_unlock(&J.mu);
		if (st == NULL && (st = store_open(J.dir, 0, 0, err,
		    sizeof(err))) == NULL) {
			pthread_mutex_lock(&J.mu);
			memcpy(J.err, err, sizeof(J.err));
			pthread_mutex_unlock(&J.mu);
		}
		j->rc = st != NULL ? j->run(j, st) : -1;
		pthread_mutex_lock(&J.mu);
		j->next = NULL;
		*J.done_tail = j;
		J.done_tail = &j->next;
		/* a full eventfd counter cannot happen: one write per job */
		(void)write(J.efd, &one, sizeof(one));
	}
	J.alive = 0;
	pthread_cond_broadcast(&J.gone);
	pthread_mutex_unlock(&J.mu);
	return NULL;
}

/* The loop: run the done()s of what the thread finished. */
static void
on_done(int fd, uint32_t events, void *arg)
{
	struct job *list, *j;
	char err[sizeof(J.err)];
	uint64_t n;

	(void)events;
	(void)arg;
	if (read(fd, &n, sizeof(n)) == -1 && errno != EAGAIN)
		log_warn("job eventfd");
	pthread_mutex_lock(&J.mu);
	list = J.done;
	J.done = NULL;
	J.done_tail = &J.done;
	memcpy(err, J.err, sizeof(err));
	J.err[0] = '\0';
	pthread_mutex_unlock(&J.mu);
	while ((j = list) != NULL) {
		list = j->next;
		if (j->done != NULL)
			j->done(j);
		free(j->arg);
		free(j);
		pthread_mutex_lock(&J.mu);
		J.pending--;
		pthread_mutex_unlock(&J.mu);
	}
	if (err[0] != '\0')
		log_warnx("job thread: %s (accounts are unavailable)", err);
}

int
jobs_init(const char *state_dir)
{
	snprintf(J.dir, sizeof(J.dir), "%s", state_dir);
	J.todo_tail = &J.todo;
	J.done_tail = &J.done;
	if (pthread_mutex_init(&J.mu, NULL) != 0 ||
	    pthread_cond_init(&J.cv, NULL) != 0 ||
	    pthread_cond_init(&J.gone, NULL) != 0)
		return -1;
	if ((J.efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
		return -1;
	if (ev_fd_add(kd.ev, J.efd, EPOLLIN, on_done, NULL) == -1) {
		(void)close(J.efd);
		J.efd = -1;
		return -1;
	}
	J.ready = 1;
	return 0;
}

/* A thread for the queue, when none runs; lock held.  0 or -1. */
static int
start_thread(void)
{
	pthread_attr_t at;
	pthread_t t;
	sigset_t all, old;
	int rc;

	if (J.alive)
		return 0;
	/* the thread takes no signals: the loop's signalfd does */
	sigfillset(&all);
	(void)pthread_sigmask(SIG_SETMASK, &all, &old);
	(void)pthread_attr_init(&at);
	(void)pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&t, &at, thread_main, NULL);
	(void)pthread_attr_destroy(&at);
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		errno = rc;
		return -1;
	}
	J.alive = 1;
	return 0;
}

void
jobs_stop(void)
{
	if (!J.ready)
		return;
	pthread_mutex_lock(&J.mu);
	J.stopping = 1;
	pthread_cond_signal(&J.cv);
	while (J.alive)
		pthread_cond_wait(&J.gone, &J.mu);
	pthread_mutex_unlock(&J.mu);
	on_done(J.efd, 0, NULL);
	(void)ev_fd_del(kd.ev, J.efd);
	(void)close(J.efd);
	J.efd = -1;
	J.ready = 0;
}

int
jobs_submit(struct job *j)
{
	pthread_mutex_lock(&J.mu);
	if (!J.ready || J.stopping || J.pending >= JOBS_MAX ||
	    start_thread() == -1) {
		pthread_mutex_unlock(&J.mu);
		return -1;
	}
	j->next = NULL;
	*J.todo_tail = j;
	J.todo_tail = &j->next;
	J.pending++;
	pthread_cond_signal(&J.cv);
	pthread_mutex_unlock(&J.mu);
	return 0;
}

unsigned
jobs_pending(void)
{
	unsigned n;

	pthread_mutex_lock(&J.mu);
	n = J.pending;
	pthread_mutex_unlock(&J.mu);
	return n;
}
