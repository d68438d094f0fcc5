/*
 * bbmsg.h -- the messages keochatd hosts exchange over the backbone.
 *
 * In cluster mode (backbone = nats://...) a relay publishes what its
 * workers route to the room stream, and every host's relay reads the
 * stream back in its one order.  These are the bodies of those stream
 * messages: a room's line (BB_CHAN, from a worker's CHAN frame), a
 * user's line for all its rooms (BB_MULTI: QUIT, NICK, ..., and ONLINE:
 * a user registered) and a private
 * message to a user of another host (BB_USER: PRIVMSG, NOTICE, TAGMSG).  They cross
 * machines, so every integer is big-endian and every layout carries
 * BB_VERSION; they come from a network anyone with the NATS credentials
 * can publish on, so bbmsg_unpack checks every field (sizes, ranges, no
 * NUL, CR or LF in any string, the line's command agreeing with its kind,
 * valid channel names) and a message it refuses is dropped by the caller.
 *
 *   "KCB" u8 version u8 type
 *   str node  u64 boot  u8 origin  u32 origin_pid  u64 lseq  u32 label
 *   u32 oslot u32 ogen  u8 kind  u8 flags  u8 sflags
 *   BB_CHAN:  str chan  u32 sslot u32 sgen  str tags str line str ext
 *             str away  str account
 *   BB_MULTI: u16 n, n x (str chan, u8 flags)  str line  str account
 *   BB_USER:  str tnode u64 tboot u32 tslot u32 tgen  str tags str line
 *             str account
 *   BB_CHANOP: str chan  u8 op  str args
 *   BB_HOST:  "KCB" u8 version u8 type  str node  u64 boot
 *
 * (str: u16 length, then the bytes.)  Pure code: no I/O.
 */
#ifndef KEO_BBMSG_H
#define KEO_BBMSG_H

#include <stddef.h>
#include <stdint.h>

#include "bounds.h"

#define BB_VERSION	1
#define BB_NODE_MAX	63	/* node-name */
#define BB_EXT_MAX	200	/* as frame_chan.ext */
#define BB_MSG_MAX	(IRC_TAGS_MAX + 4 * IRC_LINE_MAX + 2048)

enum bb_type {
	BB_CHAN = 1,		/* a line for one room's members */
	BB_MULTI,		/* one line for the rooms of one user */
	BB_HOST,		/* a host started (its first message) */
	BB_USER,		/* a private message to one user */
	BB_CHANOP,		/* a channel change (MODE, TOPIC, KICK) that
				 * every host applies in the stream's order */
	BB_TYPE_MAX
};

/* Who sent it: the origin host, process and link sequence (the message's
 * identity for de-duplication), and the origin user on its own host. */
struct bb_origin {
	const char *node;
	size_t	 nodelen;	/* 1..BB_NODE_MAX */
	uint64_t boot;		/* the origin host's start: a new one differs */
	uint8_t	 worker;	/* origin worker id */
	uint32_t pid;		/* its process */
	uint64_t lseq;		/* its link sequence */
	uint32_t label;		/* labeled-response token, 0 */
	uint32_t oslot, ogen;	/* the user on the origin host */
	uint8_t	 kind;		/* enum frame_kind */
	uint8_t	 flags;		/* BB_CHAN: FRAME_F_*; BB_MULTI: FRAME_M_*;
				 * BB_USER: FRAME_U_ECHO */
	uint8_t	 sflags;	/* FRAME_S_* */
};

struct bb_chan {
	struct bb_origin o;
	const char *chan;	/* the room's name */
	size_t	 chanlen;
	uint32_t sslot, sgen;	/* KICK: the user kicked (origin host) */
	const char *tags;	size_t tagslen;
	const char *line;	size_t linelen;
	const char *ext;	size_t extlen;
	const char *away;	size_t awaylen;
	const char *account;	size_t accountlen;
};

struct bb_multi_chan {
	const char *chan;
	size_t	 chanlen;
	uint8_t	 flags;		/* FRAME_F_UNSUB */
};

struct bb_multi {
	struct bb_origin o;
	uint16_t n;		/* <= CHANS_PER_USER_MAX */
	struct bb_multi_chan ch[CHANS_PER_USER_MAX];
	const char *line;	size_t linelen;
	const char *account;	size_t accountlen;
};

struct bb_user {
	struct bb_origin o;
	const char *tnode;	/* the target's host */
	size_t	 tnodelen;
	uint64_t tboot;
	uint32_t tslot, tgen;	/* the target on its host */
	const char *tags;	size_t tagslen;
	const char *line;	size_t linelen;
	const char *account;	size_t accountlen;
};

struct bb_chanop {
	struct bb_origin o;	/* kind: MODE, TOPIC or KICK, as op */
	const char *chan;	size_t chanlen;
	uint8_t	 op;		/* enum frame_chanop_kind */
	const char *args;	size_t argslen;	/* <= IRC_LINE_MAX - 2 */
};

struct bb_host {
	const char *node;
	size_t	 nodelen;
	uint64_t boot;
};

/* Build one message in buf: its length, or -1 (a field out of bounds, or
 * cap too small). */
int	 bbmsg_pack_chan(uint8_t *buf, size_t cap, const struct bb_chan *m);
int	 bbmsg_pack_multi(uint8_t *buf, size_t cap, const struct bb_multi *m);
int	 bbmsg_pack_host(uint8_t *buf, size_t cap, const struct bb_host *m);
int	 bbmsg_pack_user(uint8_t *buf, size_t cap, const struct bb_user *m);
int	 bbmsg_pack_chanop(uint8_t *buf, size_t cap, const struct bb_chanop *m);

/* The type of a message, or -1 with a reason in *why (a static string)
 * when it is not a well-formed one of ours. */
int	 bbmsg_type(const uint8_t *buf, size_t len, const char **why);
/* Read a whole message; the strings point into buf.  0, or -1 with a
 * reason in *why. */
int	 bbmsg_unpack_chan(const uint8_t *buf, size_t len, struct bb_chan *m,
	    const char **why);
int	 bbmsg_unpack_multi(const uint8_t *buf, size_t len,
	    struct bb_multi *m, const char **why);
int	 bbmsg_unpack_host(const uint8_t *buf, size_t len, struct bb_host *m,
	    const char **why);
int	 bbmsg_unpack_user(const uint8_t *buf, size_t len, struct bb_user *m,
	    const char **why);
int	 bbmsg_unpack_chanop(const uint8_t *buf, size_t len,
	    struct bb_chanop *m, const char **why);

/* The subject token of a room: its casefolded name in lowercase hex
 * ("#a" -> "2361"); NATS tokens cannot hold '.', '*', '>' or blanks. */
int	 bbmsg_room_token(const char *chan, char *dst, size_t dstsz);
/* The key of a nick in the nick bucket, the same way: "KE0" -> "6b6530". */
int	 bbmsg_nick_key(const char *nick, char *dst, size_t dstsz);

#endif
