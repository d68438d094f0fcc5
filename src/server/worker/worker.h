/*
 * worker.h -- the worker process's entry point (worker.c).
 */
#ifndef KEO_WORKER_H
#define KEO_WORKER_H

/* A worker process: returns its exit status. */
int	worker_main(void);

#endif
