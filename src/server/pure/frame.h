/*
 * frame.h -- every frame exchanged between keochatd's processes, and the
 * one codec that builds and reads them.
 *
 * One header defines the frame types, their payload structs and
 * FRAME_VERSION; bump the version whenever a layout changes.  Frames travel
 * over AF_UNIX SOCK_SEQPACKET sockets between processes of one binary on
 * one host, so integers are in host byte order.  A packet carries one or
 * more whole frames back to back (at most FRAME_PACKET_MAX bytes unless a
 * single frame is bigger); each header gives its frame's length.
 *
 * Nothing outside frame.c knows an offset: a frame is built from its
 * struct with frame_pack_<type>() and read into its struct with
 * frame_unpack_<type>(), which checks every length and every range it can
 * know (kinds, worker ids, list counts, string sizes) and never trusts the
 * bytes.  Strings in an unpacked struct are borrowed from the frame (not
 * NUL-terminated).  Pure code: no I/O, no logging.
 *
 * Frame = header (8 bytes) + payload:
 *   u16 version   FRAME_VERSION
 *   u16 type      enum frame_type
 *   u32 len       payload bytes after the header
 *
 * Routed frames (SUB, UNSUB, CHAN, USER, MULTI, CHANOP, LABELDONE, NICK) begin
 * with a stamp (struct frame_stamp, 48 bytes): the worker's link fills the origin
 * fields and its link sequence when it queues the frame; the relay fills
 * the message id, the time and the channel sequence in place when it
 * orders the frame.  Destinations drop a frame whose id they have already
 * delivered, so frames a respawned relay sends again arrive once.
 */
#ifndef KEO_FRAME_H
#define KEO_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "bounds.h"
#include "config.h"

#define FRAME_VERSION		5
#define FRAME_HDR_SIZE		8
#define FRAME_STAMP_SIZE	48
#define FRAME_MAX		32768	/* one frame, header included (a RELOAD
					 * with a full MOTD is the biggest) */
#define FRAME_PACKET_MAX	16384	/* frames per packet, unless one is
					 * bigger by itself */
#define FRAME_ORIGIN_RELAY	255	/* origin of frames the relay makes */
#define FRAME_ALL_WORKERS	255	/* USER target: every worker */
#define FRAME_REMOTE_USER	254	/* USER target (cluster mode): the user
					 * the line names, on another host */

enum frame_type {
	FRAME_READY = 1,	/* child -> master: initialised */
	FRAME_HEARTBEAT,	/* child -> master: alive, with counts */
	FRAME_SHUTDOWN,		/* master -> child: drain and exit */
	FRAME_RELOAD,		/* master -> child: new configuration */
	FRAME_RELOADED,		/* child -> master: it is in force here */
	FRAME_WORKER_GONE,	/* master -> relay: a worker was reaped */
	FRAME_REPLACE,		/* relay -> master: kill this stuck worker */
	FRAME_HELLO,		/* worker -> relay: first frame of a link */
	FRAME_SYNCED,		/* worker -> relay: subscriptions resent */
	FRAME_ACK,		/* relay -> worker: frames kept, up to lseq */
	FRAME_SUB,		/* worker -> relay: subscribe to a channel */
	FRAME_UNSUB,		/* worker -> relay: unsubscribe */
	FRAME_CHAN,		/* a line for a channel's members */
	FRAME_USER,		/* a line for one user */
	FRAME_MULTI,		/* one line for all the channels of a user */
	FRAME_CHANOP,		/* worker -> relay: change a channel, in order */
	FRAME_LABELDONE,	/* relay -> worker: a labeled frame is done */
	FRAME_REHASH,		/* worker -> master: an oper asked to reload */
	FRAME_NICK,		/* worker <-> relay: a nick claimed across
				 * the cluster, and the answer */
	FRAME_TYPE_MAX		/* one past the last type */
};

/* What a CHAN, USER or MULTI frame carries. */
enum frame_kind {
	FRAME_K_PRIVMSG = 1,
	FRAME_K_NOTICE,
	FRAME_K_TAGMSG,
	FRAME_K_JOIN,
	FRAME_K_PART,
	FRAME_K_TOPIC,
	FRAME_K_QUIT,
	FRAME_K_NICK,
	FRAME_K_AWAY,
	FRAME_K_MODE,
	FRAME_K_KICK,		/* CHAN: the subject is the user kicked */
	FRAME_K_INVITE,		/* CHAN: invite-notify for the members */
	FRAME_K_SETNAME,
	FRAME_K_CHGHOST,
	FRAME_K_WALLOPS,	/* USER to every worker: users with +w */
	FRAME_K_KILL,		/* USER: close the target; the line is why */
	FRAME_K_ONLINE,		/* USER to every worker: nick!user@host
				 * registered (MONITOR) */
	FRAME_K_REPLY,		/* USER: a numeric for the target only */
	FRAME_K_ACCOUNT,	/* MULTI: account-notify */
	FRAME_K_MARKREAD,	/* USER to every worker: the connections of
				 * the frame's account (draft/read-marker) */
	FRAME_K_KIND_MAX
};

/* CHANOP operations, applied by the relay in its order. */
enum frame_chanop_kind {
	FRAME_OP_MODE = 1,	/* args: mode string and parameters */
	FRAME_OP_TOPIC,		/* args: the new topic */
	FRAME_OP_KICK,		/* args: "nick reason" */
	FRAME_OP_KIND_MAX
};

/* NICK operations: the worker asks (CLAIM, FREE), the relay answers a
 * CLAIM (OK, TAKEN, FAILED).  Only in cluster mode. */
enum frame_nick_op {
	FRAME_NICK_CLAIM = 1,	/* hold this nick for the user, everywhere */
	FRAME_NICK_FREE,	/* the user no longer holds it */
	FRAME_NICK_OK,		/* it is the user's */
	FRAME_NICK_TAKEN,	/* a user on some host holds it */
	FRAME_NICK_FAILED,	/* the cluster could not be asked */
	FRAME_NICK_OP_MAX
};

/* Stamp flags about the sender (struct frame_stamp.sflags). */
#define FRAME_S_BOT	0x01	/* the sender is +B: the bot tag */
#define FRAME_S_OPER	0x02	/* CHANOP: the sender is an IRC operator,
				 * who may act in any channel */
#define FRAME_S_CHANOP	0x04	/* LABELDONE: for a CHANOP (the sender's
				 * input waits for it) */
#define FRAME_S_SERVICE	0x08	/* CHANOP: ChanServ acts (access list,
				 * OP/VOICE): no chanop needed, the line
				 * comes from ChanServ */

/* USER flags. */
#define FRAME_U_ECHO	0x01	/* deliver to the origin too (echo-message) */
#define FRAME_U_KEEP	0x02	/* a private message to an account that is not
				 * connected: kept, waiting for it (the line's
				 * target is the account), sent to no one */

/* MULTI flags. */
#define FRAME_M_ALL	0x01	/* to every worker (MONITOR, extended-
				 * monitor), not only the channels' */

/* CHAN and MULTI channel flags: the relay changes the sender's worker's
 * subscription with the frame, so it is ordered with the messages. */
#define FRAME_F_SUB	0x01	/* subscribe the sender's worker first */
#define FRAME_F_UNSUB	0x02	/* unsubscribe the sender's worker after */

enum frame_err {
	FRAME_OK = 0,
	FRAME_E_SHORT,		/* fewer bytes than a header or a field */
	FRAME_E_VERSION,	/* header version is not ours */
	FRAME_E_LENGTH,		/* header length disagrees with the bytes */
	FRAME_E_TYPE,		/* unknown type, or not the type asked for */
	FRAME_E_TOO_BIG,	/* over FRAME_MAX or the caller's buffer */
	FRAME_E_TRAILING,	/* bytes left after the last field */
	FRAME_E_RANGE,		/* a field outside its allowed range */
};

/* The envelope of a routed frame. */
struct frame_stamp {
	uint64_t lseq;		/* origin's link sequence, 0: unsequenced */
	uint64_t id;		/* message id, unique for the server's life */
	uint64_t time_ms;	/* when the relay ordered it (epoch ms) */
	uint64_t seq;		/* channel sequence (CHAN), else 0 */
	uint32_t origin_pid;	/* origin process */
	uint32_t label;		/* the origin client's labeled command, 0 */
	uint8_t	 origin;	/* worker id or FRAME_ORIGIN_RELAY */
	uint8_t	 sflags;	/* FRAME_S_* */
};

struct frame_ready {
	uint32_t pid;
};

struct frame_heartbeat {
	uint32_t users;		/* registered users of the child */
	uint32_t conns;		/* its connections */
};

struct frame_reload {
	uint32_t gen;		/* which reload: RELOADED says it back */
	struct config cfg;	/* the whole pointer-free configuration */
	const char *motd;	/* MOTD text, may be empty */
	size_t	 motdlen;	/* <= MOTD_MAX */
};

struct frame_reloaded {
	uint32_t gen;		/* the RELOAD now applied */
};

struct frame_worker_gone {
	uint8_t	 id;		/* worker id */
	uint32_t pid;		/* the process that was reaped */
};

struct frame_replace {
	uint8_t	 id;		/* worker id */
	uint32_t pid;		/* the stuck process */
	const char *why;	/* for the log */
	size_t	 whylen;	/* <= 200 */
};

struct frame_hello {
	uint16_t version;	/* FRAME_VERSION of the sender */
	uint8_t	 id;		/* worker id, < WORKERS_MAX */
	uint32_t pid;		/* must match SO_PEERCRED */
};

struct frame_synced {
	uint32_t nsubs;		/* SUB frames sent since HELLO */
};

struct frame_ack {
	uint64_t lseq;		/* every frame up to this one is kept */
};

struct frame_sub {		/* SUB and UNSUB */
	struct frame_stamp st;
	uint32_t chan;		/* roster channel index */
	uint32_t gen;		/* its generation */
};

struct frame_chan {
	struct frame_stamp st;
	uint32_t chan, gen;	/* roster channel index and generation */
	uint32_t oslot, ogen;	/* origin user slot and generation */
	uint32_t sslot, sgen;	/* KICK: the user kicked; else 0 */
	uint8_t	 kind;		/* enum frame_kind */
	uint8_t	 flags;		/* FRAME_F_* */
	const char *tags;	/* client tags, escaped, may be empty */
	size_t	 tagslen;	/* < IRC_TAGS_MAX */
	const char *line;	/* ":src CMD ...", no CRLF, not empty */
	size_t	 linelen;	/* <= IRC_LINE_MAX - 2 */
	const char *ext;	/* JOIN: " account :realname" (extended-join) */
	size_t	 extlen;	/* <= 200 */
	const char *away;	/* JOIN: the joiner's away text (away-notify) */
	size_t	 awaylen;	/* <= AWAY_MAX */
	const char *account;	/* the sender's account (account-tag), or "" */
	size_t	 accountlen;	/* <= NICK_MAX */
};

struct frame_user {
	struct frame_stamp st;
	uint8_t	 target;	/* target worker, < WORKERS_MAX */
	uint32_t tslot, tgen;	/* target user slot and generation */
	uint32_t oslot, ogen;	/* origin user slot and generation */
	uint8_t	 kind;		/* enum frame_kind */
	uint8_t	 uflags;	/* FRAME_U_* */
	const char *tags;
	size_t	 tagslen;
	const char *line;
	size_t	 linelen;
	const char *account;	/* the sender's account, or "" */
	size_t	 accountlen;	/* <= NICK_MAX */
};

struct frame_multi_chan {
	uint32_t chan, gen;	/* a channel of the user */
	uint8_t	 flags;		/* FRAME_F_UNSUB when the worker leaves */
};

struct frame_multi {		/* QUIT and NICK: one line, many channels */
	struct frame_stamp st;
	uint32_t oslot, ogen;	/* the user */
	uint8_t	 kind;		/* enum frame_kind */
	uint8_t	 mflags;	/* FRAME_M_* */
	uint16_t n;		/* <= CHANS_PER_USER_MAX */
	struct frame_multi_chan ch[CHANS_PER_USER_MAX];
	const char *line;
	size_t	 linelen;
	const char *account;	/* the user's account, or "" */
	size_t	 accountlen;	/* <= NICK_MAX */
};

struct frame_chanop {
	struct frame_stamp st;
	uint32_t chan, gen;	/* the channel */
	uint32_t oslot, ogen;	/* who asks */
	uint8_t	 op;		/* enum frame_chanop_kind */
	const char *args;	/* what, as the op says; may be empty */
	size_t	 argslen;	/* <= IRC_LINE_MAX - 2 */
};

struct frame_labeldone {
	struct frame_stamp st;	/* origin and label of the frame done */
	uint32_t oslot, ogen;	/* the client that sent it */
};

struct frame_nick {
	struct frame_stamp st;
	uint32_t oslot, ogen;	/* the user */
	uint8_t	 op;		/* enum frame_nick_op */
	const char *nick;	/* not empty */
	size_t	 nicklen;	/* <= NICK_MAX */
};

const char	*frame_strerror(enum frame_err e);
const char	*frame_type_name(unsigned type);

/* Check the header of one frame of len bytes: its type, or -1 with *err. */
int		 frame_open(const void *buf, size_t len, enum frame_err *err);
/* The total length of a frame this process built (header included). */
size_t		 frame_len(const void *buf);
/* In a buffer of len bytes of whole frames this process built, the bytes
 * of the run of frames from off that one packet takes: at least one
 * frame, else at most FRAME_PACKET_MAX bytes. */
size_t		 frame_run(const void *buf, size_t len, size_t off);
/* Walk the frames of a packet: at *off, set *frame and *len to the next
 * frame (its header checked) and advance *off.  1 for a frame, 0 at the
 * end, -1 when the rest is not a whole, well-formed frame. */
int		 frame_next(const void *packet, size_t n, size_t *off,
		    const uint8_t **frame, size_t *len);

/* Nonzero for the types that begin with a stamp. */
int		 frame_is_routed(unsigned type);
/* Read the stamp of a routed frame; -1 when it is not one. */
int		 frame_stamp_get(const void *frame, size_t len,
		    struct frame_stamp *st);
/* In place: the origin fields (the worker's link) ... */
void		 frame_stamp_origin(void *frame, size_t len, uint8_t origin,
		    uint32_t pid, uint64_t lseq);
/* ... and the order fields (the relay). */
void		 frame_stamp_order(void *frame, size_t len, uint64_t id,
		    uint64_t time_ms, uint64_t seq);

/* Build a frame into buf[0..cap): its length, or -1 when it does not fit
 * or a field is out of range.  Unpack: 0, or -1 with *err set. */
int	frame_pack_ready(void *, size_t, const struct frame_ready *);
int	frame_unpack_ready(const void *, size_t, struct frame_ready *,
	    enum frame_err *);
int	frame_pack_heartbeat(void *, size_t, const struct frame_heartbeat *);
int	frame_unpack_heartbeat(const void *, size_t, struct frame_heartbeat *,
	    enum frame_err *);
int	frame_pack_shutdown(void *, size_t);
int	frame_unpack_shutdown(const void *, size_t, enum frame_err *);
int	frame_pack_reload(void *, size_t, const struct frame_reload *);
int	frame_unpack_reload(const void *, size_t, struct frame_reload *,
	    enum frame_err *);
int	frame_pack_reloaded(void *, size_t, const struct frame_reloaded *);
int	frame_unpack_reloaded(const void *, size_t, struct frame_reloaded *,
	    enum frame_err *);
int	frame_pack_worker_gone(void *, size_t,
	    const struct frame_worker_gone *);
int	frame_unpack_worker_gone(const void *, size_t,
	    struct frame_worker_gone *, enum frame_err *);
int	frame_pack_replace(void *, size_t, const struct frame_replace *);
int	frame_unpack_replace(const void *, size_t, struct frame_replace *,
	    enum frame_err *);
int	frame_pack_hello(void *, size_t, const struct frame_hello *);
int	frame_unpack_hello(const void *, size_t, struct frame_hello *,
	    enum frame_err *);
int	frame_pack_synced(void *, size_t, const struct frame_synced *);
int	frame_unpack_synced(const void *, size_t, struct frame_synced *,
	    enum frame_err *);
int	frame_pack_ack(void *, size_t, const struct frame_ack *);
int	frame_unpack_ack(const void *, size_t, struct frame_ack *,
	    enum frame_err *);
/* type is FRAME_SUB or FRAME_UNSUB. */
int	frame_pack_sub(void *, size_t, enum frame_type,
	    const struct frame_sub *);
int	frame_unpack_sub(const void *, size_t, struct frame_sub *,
	    enum frame_err *);
int	frame_pack_chan(void *, size_t, const struct frame_chan *);
int	frame_unpack_chan(const void *, size_t, struct frame_chan *,
	    enum frame_err *);
int	frame_pack_user(void *, size_t, const struct frame_user *);
int	frame_unpack_user(const void *, size_t, struct frame_user *,
	    enum frame_err *);
int	frame_pack_multi(void *, size_t, const struct frame_multi *);
int	frame_unpack_multi(const void *, size_t, struct frame_multi *,
	    enum frame_err *);
int	frame_pack_chanop(void *, size_t, const struct frame_chanop *);
int	frame_unpack_chanop(const void *, size_t, struct frame_chanop *,
	    enum frame_err *);
int	frame_pack_labeldone(void *, size_t, const struct frame_labeldone *);
int	frame_unpack_labeldone(const void *, size_t, struct frame_labeldone *,
	    enum frame_err *);
int	frame_pack_nick(void *, size_t, const struct frame_nick *);
int	frame_unpack_nick(const void *, size_t, struct frame_nick *,
	    enum frame_err *);
int	frame_pack_rehash(void *, size_t);
int	frame_unpack_rehash(const void *, size_t, enum frame_err *);

#endif
