/*
 * link.h -- a worker's link to the relay.
 *
 * One AF_UNIX SOCK_SEQPACKET connection to runtime-dir/relay.sock, a peer
 * (peer.h).  Routed frames to the relay get the next link sequence and
 * wait in one queue until the relay acknowledges that its log holds them
 * (ACK); when the relay goes away the link reconnects, says HELLO, resends
 * the worker's subscriptions (the owner's resync callback), and after the
 * new relay's first ACK sends again every frame it does not have.  When
 * the queue grows past its high mark the link is congested: the owner
 * stops reading its clients (TCP back-pressure) until it drains to the low
 * mark.  Frames from the relay are handed up once each: one whose message
 * id was already delivered (a respawned relay resending) is dropped.
 *
 * The link reports up through the callbacks it is given; it never names
 * the module that consumes its frames.  struct link is opaque (kd.link).
 */
#ifndef KEO_LINK_H
#define KEO_LINK_H

#include <stddef.h>
#include <stdint.h>

struct link_cb {
	/* a routed frame from the relay, delivered once */
	void	(*frame)(const uint8_t *frame, size_t len, void *arg);
	/* the queue crossed its high (1) or low (0) mark */
	void	(*congested)(int on, void *arg);
	/* (re)connected: send the subscriptions with link_send_sync() */
	void	(*resync)(void *arg);
	void	 *arg;
};

/* Set up and try to connect; 0, or -1 when memory is short. */
int	link_init(const struct link_cb *cb);
/* Queue a copy of a routed frame (its origin stamped here). */
void	link_send(const void *frame, size_t len);
/* During resync only: an unsequenced SUB frame. */
void	link_send_sync(const void *frame, size_t len);
int	link_congested(void);
/* Nonzero once the relay has acknowledged this connection. */
int	link_up(void);
/* Bytes of frames kept for the relay. */
size_t	link_queued(void);

#endif
