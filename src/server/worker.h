/*
 * worker.h -- the tags a worker puts in epoll_event.data.u64.  A value
 * below WTAG_CLIENT_MIN names a non-client fd; anything else is a struct
 * client pointer.
 */
#ifndef KEO_WORKER_H
#define KEO_WORKER_H

#define WTAG_CTL		1	/* control socket to the master */
#define WTAG_LINK		2	/* relay link */
#define WTAG_LISTEN		16	/* + index of the listening socket */
#define WTAG_CLIENT_MIN		4096

#endif
