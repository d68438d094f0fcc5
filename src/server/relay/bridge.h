/*
 * bridge.h -- the relay in cluster mode (DESIGN.md section 9).
 *
 * With backbone = nats://..., a room's lines do not go from a worker
 * straight into the relay log.  The relay publishes them to the backbone
 * stream (backbone.h) and every host's relay, this one included, reads
 * the stream back in its one order and puts each message into its own
 * log for the workers that have members in the room.  The stream sequence
 * is the message id and the room's order, the same on every host.  A
 * worker's frame counts as kept (ACK) only when the stream acknowledged
 * it; one the stream refuses is answered with FAIL to its sender.  The
 * workers do not know which backbone runs: the frames they get and send
 * are the same in both modes.
 *
 * Relayed across hosts here: CHAN frames (messages, JOIN, PART), CHANOP
 * frames (MODE, TOPIC, KICK: every host applies them in the stream's
 * order), MULTI frames (QUIT, NICK, AWAY, ...) and private messages to the
 * users of other hosts; a worker's NICK frames claim and free nicks in
 * the cluster's nick bucket.  The other hosts' users are mirrored in this
 * host's roster, so the roster views (NAMES, WHO, WHOIS) show them
 * (doc/CLUSTER.md says what is shared so far).
 */
#ifndef KEO_BRIDGE_H
#define KEO_BRIDGE_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"

/* The relay's services the bridge uses (it reports up through these). */
struct bridge_ops {
	/* the workers subscribed to a channel slot; every linked worker */
	uint64_t (*chan_mask)(uint32_t chan, uint32_t gen);
	uint64_t (*all_mask)(void);
	/* worker id no longer wants the channel (a PART came back) */
	void	(*unsub)(int id, uint32_t chan, uint32_t gen);
	/* 1 when len more bytes fit in the log */
	int	(*fits)(size_t len);
	/* 0 while the workers of a relay that died resend their
	 * subscriptions: a message now would miss their members */
	int	(*routing)(void);
	/* into the log for the workers in mask (0: the history only),
	 * ordered as id, time_ms, seq */
	void	(*put)(const uint8_t *frame, size_t len, uint64_t mask,
		    uint64_t id, uint64_t time_ms, uint64_t seq);
	/* close this host's user in slot (of generation gen) for why */
	void	(*kill)(uint32_t slot, uint32_t gen, const char *why);
	/* a line for one user of worker id (FAIL) */
	void	(*reply)(int id, uint32_t slot, uint32_t gen,
		    const char *line, size_t len);
	/* a labeled frame of worker id's process pid is done */
	void	(*label_done)(int id, uint32_t pid,
		    const struct frame_stamp *st, uint32_t oslot,
		    uint32_t ogen);
	/* bridge_kept() of worker id may have moved */
	void	(*kept)(int id);
	/* the stream takes messages (1) or not (0) */
	void	(*state)(int up);
};

/* Nonzero in cluster mode. */
int	 bridge_on(void);
/* Start the link (cluster mode only; fatal when it cannot start). */
void	 bridge_init(const struct bridge_ops *ops);
void	 bridge_close(void);
/* A worker's routed CHAN, MULTI or CHANOP frame (or a USER frame for a
 * user of another host): 0 published (the relay sends nothing of it now;
 * a CHANOP is applied by every host when the stream gives it back), 1 no
 * room (try again later), -1 malformed. */
int	 bridge_route(int id, uint32_t pid, const uint8_t *frame, size_t len);
/* A worker's routed NICK frame (CLAIM or FREE): 0 taken (a CLAIM is
 * answered with a NICK frame to the worker, and counts as kept then),
 * -1 malformed. */
int	 bridge_nick(int id, uint32_t pid, const uint8_t *frame, size_t len);
/* This host's user in slot (of generation gen) no longer holds nick. */
void	 bridge_nick_free(const char *nick, uint32_t slot, uint32_t gen);
/* A user of this host registered (the ONLINE frame of worker id): the
 * other hosts hear of it. */
void	 bridge_online(int id, uint32_t pid, const struct frame_user *f);
/* What the relay made itself (the QUITs of a dead worker's users):
 * published like a worker's. */
void	 bridge_relay_multi(const struct frame_multi *f);
/* Worker id's process pid has been routed up to lseq: the link sequence
 * up to which all of it is kept (lseq, or less while publishes wait). */
uint64_t bridge_kept(int id, uint32_t pid, uint64_t lseq);
/* A loop hook: stream messages the log had no room for, again. */
void	 bridge_turn(void *arg);

#endif
