/*
 * relay_link.h -- a worker's link to the relay process.
 *
 * One AF_UNIX SOCK_SEQPACKET connection to runtime-dir/relay.sock.  Frames
 * to the relay wait in one FIFO (never dropped) and go out in batches with
 * sendmmsg; frames from the relay come in batches with recvmmsg.  When the
 * FIFO grows past its high mark the link is congested: the worker stops
 * reading its clients (TCP back-pressure) until it drains to the low mark.
 * When the relay goes away the link reconnects, says HELLO, re-subscribes
 * every local channel and sends what was queued.
 */
#ifndef KEO_RELAY_LINK_H
#define KEO_RELAY_LINK_H

#include <stddef.h>
#include <stdint.h>

/* Set up (and try to connect); epfd is the worker's epoll. */
int	relay_link_init(int epfd);
/* Queue a copy of a complete frame. */
void	relay_link_send(const void *frame, size_t len);
/* Nonzero while the outgoing FIFO is over its high mark. */
int	relay_link_congested(void);
/* Epoll events on the link. */
void	relay_link_event(uint32_t events);
/* End of a loop turn: send what is queued, read what is left over. */
void	relay_link_flush(void);
/* Nonzero when frames from the relay are still waiting to be read. */
int	relay_link_pending(void);
/* Once a second: reconnect when down. */
void	relay_link_tick(void);
int	relay_link_up(void);
/* Frames dropped from the FIFO at shutdown, for the log. */
size_t	relay_link_queued(void);

#endif
