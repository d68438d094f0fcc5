/*
 * jobs.c -- see jobs.h.
 */
#include <sys/epoll.h>
#include <sys/eventfd.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctx.h"
#include "ev.h"
#include "jobs.h"
#include "log.h"
#include "store.h"

static struct {
	pthread_t	 thread;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	struct job	*todo, **todo_tail;	/* for the thread */
	struct job	*done, **done_tail;	/* for the loop */
	unsigned	 pending;
	int		 efd;		/* the thread says "done" here */
	int		 running, stopping;
	char		 dir[CONF_FILE_MAX];
	char		 err[512];	/* the thread could not open the store */
} J = { .efd = -1 };

static void
*thread_main(void *arg)
{
	struct store *st;
	struct job *j;
	uint64_t one = 1;

	char err[512];

	(void)arg;
	st = store_open(J.dir, 0, 0, err, sizeof(err));
	pthread_mutex_lock(&J.mu);
	if (st == NULL)
		memcpy(J.err, err, sizeof(J.err));
	for (;;) {
		while (J.todo == NULL && !J.stopping)
			pthread_cond_wait(&J.cv, &J.mu);
		if ((j = J.todo) == NULL)
			break;		/* stopping, queue empty */
		if ((J.todo = j->next) == NULL)
			J.todo_tail = &J.todo;
		pthread_mutex_unlock(&J.mu);
		j->rc = st != NULL ? j->run(j, st) : -1;
		pthread_mutex_lock(&J.mu);
		j->next = NULL;
		*J.done_tail = j;
		J.done_tail = &j->next;
		/* a full eventfd counter cannot happen: one write per job */
		(void)write(J.efd, &one, sizeof(one));
	}
	pthread_mutex_unlock(&J.mu);
	store_close(st);
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
	sigset_t all, old;
	int rc;

	snprintf(J.dir, sizeof(J.dir), "%s", state_dir);
	J.todo_tail = &J.todo;
	J.done_tail = &J.done;
	if (pthread_mutex_init(&J.mu, NULL) != 0 ||
	    pthread_cond_init(&J.cv, NULL) != 0)
		return -1;
	if ((J.efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
		return -1;
	if (ev_fd_add(kd.ev, J.efd, EPOLLIN, on_done, NULL) == -1) {
		(void)close(J.efd);
		J.efd = -1;
		return -1;
	}
	/* the thread takes no signals: the loop's signalfd does */
	sigfillset(&all);
	(void)pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&J.thread, NULL, thread_main, NULL);
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		errno = rc;
		return -1;
	}
	J.running = 1;
	return 0;
}

void
jobs_stop(void)
{
	if (!J.running)
		return;
	pthread_mutex_lock(&J.mu);
	J.stopping = 1;
	pthread_cond_signal(&J.cv);
	pthread_mutex_unlock(&J.mu);
	(void)pthread_join(J.thread, NULL);
	J.running = 0;
	on_done(J.efd, 0, NULL);
	(void)ev_fd_del(kd.ev, J.efd);
	(void)close(J.efd);
	J.efd = -1;
}

int
jobs_submit(struct job *j)
{
	pthread_mutex_lock(&J.mu);
	if (!J.running || J.stopping || J.pending >= JOBS_MAX) {
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
