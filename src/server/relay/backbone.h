/*
 * backbone.h -- the relay's link to a NATS JetStream cluster (cluster mode).
 *
 * libnats runs threads of its own; none of them ever touches the relay's
 * state.  One thread of this module makes every libnats call (connect,
 * stream set-up, publishes), so the relay's loop never waits on the
 * network, and everything libnats reports (stream messages in order,
 * publish acknowledgements, the link going down and up, log lines) comes
 * back through one queue that wakes the loop on an eventfd.  The caller
 * drains it with bb_drain() in its own thread.
 *
 * The stream: KEOCHAT, subjects keochat.>, backbone-replicas copies,
 * retention by age (history-max-days) and by count per subject
 * (history-max-lines), de-duplication by Nats-Msg-Id over two minutes.
 * It is read back with an ordered push consumer from a given sequence.
 *
 * Nick claims: a KV bucket (KEOCHAT_NICKS, backbone-replicas copies, one
 * revision per key) maps a casefolded nick to its holder, "NODE BOOT SLOT
 * GEN".  A claim is a write that expects the key to be absent (or free:
 * an empty value), so two hosts racing for a nick end with one winner;
 * taking over a stale claim expects its revision; freeing writes the
 * empty value only over the caller's own claim.  A second thread makes
 * these calls, so a slow answer never holds up the stream.
 *
 * Leases: every host says on core NATS subject keochat-lease.NODE, once a
 * second, that its boot lives; a host not heard for three seconds (while
 * this one hears itself) is reported gone, and so is an old boot of a
 * host that started again.
 */
#ifndef KEO_BACKBONE_H
#define KEO_BACKBONE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define BB_STREAM	"KEOCHAT"
#define BB_NICKS	"KEOCHAT_NICKS"	/* the KV bucket of nick claims */
#define BB_OWNER_MAX	128	/* a claim's value: "NODE BOOT SLOT GEN" */
#define BB_SUBJECT_MAX	160
#define BB_MSGID_MAX	128

struct bb_ops {
	/* a stream message, in the stream's order: 0 taken, 1 not now
	 * (it and the rest wait for the next bb_drain) */
	int	(*msg)(uint64_t seq, int64_t time_ms, const char *subject,
		    const uint8_t *data, size_t len, void *arg);
	/* a publish is kept (ok, at seq; dup: it was kept before) or
	 * refused (why) */
	void	(*acked)(const char *msgid, int ok, uint64_t seq, int dup,
		    const char *why, void *arg);
	/* the stream can (1) or cannot (0) take messages now; on the first
	 * up, last is the stream's last sequence then (what came before
	 * this host started is history, not news) */
	void	(*state)(int up, uint64_t last, void *arg);
	/* a line for the log from the link's threads (level as log.h) */
	void	(*log)(int warn, const char *line, void *arg);
	/* host node's start boot no longer holds its lease: it is gone */
	void	(*gone)(const char *node, uint64_t boot, void *arg);
	/* the answer to bb_nick(token, ...): BB_NICK_OK (owner holds key at
	 * revision rev), BB_NICK_HELD (owner, another, holds it at rev,
	 * written age_ms ago) or BB_NICK_FAILED (why) */
	void	(*nick)(const char *token, const char *key, int rc,
		    uint64_t rev, const char *owner, int64_t age_ms,
		    void *arg);
	void	*arg;
};

/* Nonzero when this build has the NATS link. */
int	 bb_available(void);
/* Start the link: the servers of backbone, credentials and TLS from cfg,
 * the consumer from stream sequence start (0: the stream's first).  The
 * link is up once the stream has kept hello (hellolen bytes) on subject
 * "keochat.host.NODE", de-duplicated as msgid: the stream answers.  The
 * eventfd to watch, or -1 with err. */
int	 bb_start(const struct config *cfg, const char *node, uint64_t boot,
	    uint64_t start, const void *hello, size_t hellolen,
	    const char *msgid, const struct bb_ops *ops, char *err,
	    size_t errsz);
/* Hand the queued reports to ops, in order (the eventfd was readable,
 * or the last call left some): nonzero when some are left. */
int	 bb_drain(void);
/* Queue a publish; 0, or -1 when the queue is full (try again later). */
int	 bb_publish(const char *subject, const void *data, size_t len,
	    const char *msgid);
enum bb_nick_op {
	BB_NICK_CLAIM = 1,	/* owner takes key if no one holds it */
	BB_NICK_TAKE,		/* owner takes key over, if still at rev */
	BB_NICK_FREE,		/* key is free again, if owner holds it */
	BB_NICK_LOOKUP		/* who holds key: answered HELD, owner "" for
				 * no one */
};
enum bb_nick_rc { BB_NICK_OK = 0, BB_NICK_HELD, BB_NICK_FAILED };

/* Queue a nick operation; CLAIM, TAKE and LOOKUP are answered through
 * ops.nick with token, a FREE is tried again until it is done (or for ten
 * minutes).  0, or -1 when a field is too long, memory is short or (not
 * for a FREE) too many wait already. */
int	 bb_nick(enum bb_nick_op op, const char *key, const char *owner,
	    uint64_t rev, const char *token);
/* Whether boot of host node holds its lease: 1 yes, 0 no (gone, or an
 * older boot of a host that started again), -1 this host cannot tell
 * (it has not listened long enough, or hears no one). */
int	 bb_alive(const char *node, uint64_t boot);
/* Publishes queued or in flight. */
size_t	 bb_inflight(void);
/* Stop the threads and close the link. */
void	 bb_stop(void);

#endif
