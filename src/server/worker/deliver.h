/*
 * deliver.h -- the worker's side of the relay: frames out, frames in, and
 * the local channel index.
 *
 * The message hot path takes no roster lock: a worker keeps, per channel
 * (roster index + generation), the list of ITS clients that are members,
 * in the order the relay delivered their JOINs.  A frame from the relay is
 * formatted once per variant (the tags a client asked for: server-time,
 * message-tags; extended-join) and the same bytes are queued to every
 * local member that takes that variant.
 *
 * refs counts local clients that are roster members (JOIN sent, PART not
 * yet sent): the first one subscribes this worker at the relay
 * (FRAME_F_SUB), the last one unsubscribes it (FRAME_F_UNSUB).  The member
 * list changes only when the client's own JOIN/PART (or KICK) comes back
 * from the relay, so every member sees exactly the messages ordered
 * between them.
 *
 * Frames leave through the ports the worker gives deliver_init (the relay
 * link in keochatd, a fake relay in the tests); a client's own JOIN coming
 * back is reported up through the joined callback.  State lives in
 * kd.lchans (struct lchan_table, owned here).
 */
#ifndef KEO_DELIVER_H
#define KEO_DELIVER_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"

struct client;

struct deliver_ops {
	/* a routed frame for the relay */
	void	(*send)(const void *frame, size_t len, void *arg);
	/* an unsequenced SUB, while resyncing the relay */
	void	(*send_sync)(const void *frame, size_t len, void *arg);
	/* c's own JOIN of channel chan came back: its members now see it */
	void	(*joined)(struct client *c, int32_t chan, void *arg);
	/* the relay applied a channel change c sent (may be NULL) */
	void	(*chanop_done)(struct client *c, void *arg);
	/* cluster mode: the answer to a nick claim of slot (of generation
	 * gen), op FRAME_NICK_OK, _TAKEN or _FAILED (may be NULL) */
	void	(*nick_answer)(int32_t slot, uint32_t gen, unsigned op,
		    const char *nick, void *arg);
	void	 *arg;
};

/* What a command puts in a routed frame, besides where it goes. */
struct out_line {
	enum frame_kind	 kind;
	unsigned	 flags;		/* CHAN: FRAME_F_*, USER: FRAME_U_*,
					 * MULTI: FRAME_M_* */
	const char	*tags;		/* client-only tags, escaped */
	size_t		 tagslen;
	const char	*line;		/* ":src CMD ...", no CRLF */
	size_t		 len;
	const char	*ext;		/* JOIN: " account :realname" */
	size_t		 extlen;
	const char	*away;		/* JOIN: the joiner's away text */
	size_t		 awaylen;
};

/* Set up kd.lchans for channel indexes [0, max_chans); 0 or -1. */
int		 deliver_init(unsigned max_chans, const struct deliver_ops *ops);
/* Free kd.lchans. */
void		 deliver_free(void);
/* A local client joined (roster side): returns FRAME_F_SUB for the first. */
unsigned	 lchan_ref(int32_t idx, uint32_t gen);
/* A local client left (roster side): returns FRAME_F_UNSUB for the last. */
unsigned	 lchan_unref(int32_t idx, uint32_t gen);
/* Take c out of every local member list (teardown). */
void		 lchan_forget(struct client *c);

/* The relay link (re)connected: send a SUB for every channel this worker
 * has members in. */
void		 deliver_resync(void);
/* Handle one routed frame from the relay; -1 when it is malformed. */
int		 deliver_frame(const uint8_t *frame, size_t len);

/* A message id as the msgid tag shows it (base 36); its length. */
size_t		 deliver_msgid(char *out, size_t outsz, uint64_t id);

/* The user's channels, for a QUIT or NICK that goes to all of them.
 * Caller holds the roster lock.  Returns how many of ch are filled. */
unsigned	 deliver_channels(int32_t slot, struct frame_multi_chan *ch);

/* Frames to the relay, from origin (the stamp gets origin's label token
 * and bot/oper flags).  send_all goes to every worker. */
void		 send_chan(int32_t idx, uint32_t gen, struct client *origin,
		    const struct out_line *o);
void		 send_user(uint8_t worker, int32_t slot, uint32_t gen,
		    struct client *origin, const struct out_line *o);
void		 send_all(struct client *origin, const struct out_line *o);
/* A line for every connection logged in to account, on every worker. */
void		 send_account(const char *account, const struct out_line *o);
void		 send_multi(struct client *origin,
		    const struct frame_multi_chan *ch, unsigned n,
		    const struct out_line *o);
/* The same for user slot/gen, sent by origin (NULL: no label). */
void		 send_multi_for(int32_t slot, uint32_t gen,
		    struct client *origin, const struct frame_multi_chan *ch,
		    unsigned n, const struct out_line *o);
/* Cluster mode: claim nick for slot, or free it (FRAME_NICK_*). */
void		 send_nick(int32_t slot, uint32_t gen, enum frame_nick_op op,
		    const char *nick);
void		 send_chanop(int32_t idx, uint32_t gen, struct client *origin,
		    enum frame_chanop_kind op, const char *args, size_t len);
/* The same with stamp flags (FRAME_S_SERVICE: ChanServ acts for origin). */
void		 send_chanop_as(int32_t idx, uint32_t gen, struct client *origin,
		    unsigned sflags, enum frame_chanop_kind op, const char *args,
		    size_t len);

#endif
