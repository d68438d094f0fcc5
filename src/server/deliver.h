/*
 * deliver.h -- the worker's side of the relay: frames out, frames in, and
 * the local channel index.
 *
 * The message hot path takes no roster lock: a worker keeps, per channel
 * (roster index + generation), the list of ITS clients that are members,
 * in the order the relay delivered their JOINs.  A frame from the relay is
 * formatted once per variant (plain, server-time, client tags) and the
 * same bytes are queued to every local member.
 *
 * refs counts local clients that are roster members (JOIN sent, PART not
 * yet sent): the first one subscribes this worker at the relay
 * (RELAY_F_SUB), the last one unsubscribes it (RELAY_F_UNSUB).  The member
 * list changes only when the client's own JOIN/PART comes back from the
 * relay, so every member sees exactly the messages ordered between them.
 */
#ifndef KEO_DELIVER_H
#define KEO_DELIVER_H

#include <stddef.h>
#include <stdint.h>

#include "relay_proto.h"

struct client;

int		 lchan_table_init(unsigned max_chans);
/* A local client joined (roster side): returns RELAY_F_SUB for the first. */
unsigned	 lchan_ref(int32_t idx, uint32_t gen);
/* A local client left (roster side): returns RELAY_F_UNSUB for the last. */
unsigned	 lchan_unref(int32_t idx, uint32_t gen);
/* Take c out of every local member list (teardown). */
void		 lchan_forget(struct client *c);
/* Call fn for every channel this worker is subscribed to (reconnect). */
void		 lchan_foreach_sub(void (*fn)(int32_t, uint32_t, void *),
		    void *arg);

/* Handle one frame from the relay.  -1 when it is malformed (the caller
 * drops the link). */
int		 deliver_frame(const uint8_t *frame, size_t len);

/* Build and queue frames to the relay. */
void		 send_chan(int32_t idx, uint32_t gen, const struct client *origin,
		    enum relay_kind kind, unsigned flags, const char *tags,
		    size_t tagslen, const char *line, size_t len);
void		 send_user(uint8_t worker, int32_t slot, uint32_t gen,
		    const struct client *origin, enum relay_kind kind,
		    const char *tags, size_t tagslen, const char *line,
		    size_t len);
struct multi_chan {
	int32_t	 idx;
	uint32_t gen;
	uint8_t	 flags;
};
void		 send_multi(int32_t oslot, uint32_t ogen, enum relay_kind kind,
		    const struct multi_chan *ch, unsigned n, const char *line,
		    size_t len);
void		 send_sub(enum relay_type type, int32_t idx, uint32_t gen);

/* Deliver a line to one local client right now (private messages between
 * two clients of this worker, echo-message); time_ms stamps server-time. */
void		 deliver_direct(struct client *to, const char *tags,
		    size_t tagslen, const char *line, size_t len,
		    int64_t time_ms, int tagmsg);

#endif
