/*
 * listen.h -- the master's listening sockets: from systemd socket
 * activation when LISTEN_FDS says so, else bound from the listen option.
 */
#ifndef KEO_LISTEN_H
#define KEO_LISTEN_H

#include "config.h"

/* Open the listening sockets into fds (max entries), tls[i] set for
 * those that speak TLS; returns how many, or -1 with err filled.  Each
 * kind comes from systemd when it passed sockets of that kind (TLS ones
 * named "tls"), else is bound from listen / tls-listen. */
int	listen_open(const struct config *cfg, int *fds, unsigned char *tls,
	    int max, char *err, size_t errsz);
/* "ADDR:PORT" a listening socket is bound to. */
void	listen_name(int fd, char *buf, size_t bufsz);

#endif
