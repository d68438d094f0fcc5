/*
 * chanop.h -- a channel change (MODE, TOPIC, KICK) applied in the relay's
 * order.
 *
 * A worker checks a change when its user asks, for the quick answer, and
 * sends it as a CHANOP frame; the relay applies it here, under the roster
 * lock, against the channel as it is at that point of its order: the
 * sender must still be a channel operator (or an IRC operator: an
 * override), a nick must still be a member.  What the change produces is
 * handed to the caller as frames: one or more CHAN frames for the
 * channel's members (the MODE, TOPIC or KICK line, in the order they go
 * out) and USER frames of kind REPLY with the numerics the sender gets
 * for what was refused.  The frames' strings are borrowed for the
 * duration of the callback.  Pure code: the relay and the test harness's
 * fake relay share it.
 */
#ifndef KEO_CHANOP_H
#define KEO_CHANOP_H

#include <stdint.h>

#include "frame.h"

struct roster;

struct chanop_out {
	void	(*chan)(const struct frame_chan *f, void *arg);
	void	(*user)(const struct frame_user *f, void *arg);
	void	 *arg;
};

/* What chanop_apply did, for the caller's log. */
struct chanop_result {
	int	 applied;	/* some change was made */
	int	 override;	/* by an IRC operator who is not a chanop */
	char	 who[NICK_MAX + 1];	/* the sender */
	char	 chan[CHAN_MAX + 1];	/* the channel */
};

/* Apply op; the caller holds the roster lock.  server names the server
 * in numerics.  Returns 0, or -1 when the op is malformed (a bug or a
 * hostile worker: nothing was applied). */
int	 chanop_apply(struct roster *r, const struct frame_chanop *op,
	    const char *server, int64_t now, const struct chanop_out *out,
	    struct chanop_result *res);

#endif
