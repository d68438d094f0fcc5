/*
 * relay_proto.h -- every frame type exchanged between keochatd's processes.
 *
 * One header defines the frames, their payloads and RELAY_PROTO_VERSION;
 * bump the version whenever a payload changes.  Frames travel over
 * AF_UNIX SOCK_SEQPACKET sockets between processes of the same binary on
 * the same host, so integers are in host byte order.  On the relay links
 * a packet carries one or more whole frames back to back (at most
 * RELAY_PACKET_MAX bytes; each header says its frame's length), so a
 * burst of messages costs a few system calls; control sockets carry one
 * frame per packet.  Frames are built and read only through relay_msg.h.
 *
 * Frame = header (8 bytes) + payload:
 *   u16 version   RELAY_PROTO_VERSION
 *   u16 type      enum relay_type
 *   u32 len       payload bytes after the header
 *
 * Payloads ("str" = u16 length + bytes, no NUL):
 *   CTL_READY      child->master  u32 pid
 *   CTL_HEARTBEAT  child->master  u32 registered users, u32 connections
 *   CTL_SHUTDOWN   master->child  (empty)
 *   CTL_RELOAD     master->child  bytes struct config, str motd
 *   CTL_WORKER_GONE master->relay u8 worker id, u32 pid
 *   HELLO          worker->relay  u16 RELAY_PROTO_VERSION, u8 worker id,
 *                                 u32 pid
 *   SUB, UNSUB     worker->relay  u32 channel index, u32 channel generation
 *   CHAN           worker->relay->workers: the stamp, then
 *                  u32 chan, u32 chan gen, u32 origin slot, u32 origin gen,
 *                  u8 kind (enum relay_kind), u8 flags (RELAY_F_*),
 *                  str client tags (escaped, may be empty),
 *                  str line (":src CMD ...", no CRLF)
 *   USER           worker->relay->worker: the stamp, then
 *                  u8 target worker, u32 target slot, u32 target gen,
 *                  u32 origin slot, u32 origin gen, u8 kind,
 *                  str client tags, str line
 *   MULTI          worker->relay->workers (QUIT, NICK: one line for all the
 *                  user's channels): the stamp, then u32 origin slot,
 *                  u32 origin gen, u8 kind, u16 n, n x (u32 chan,
 *                  u32 chan gen, u8 flags), str line
 *
 * The stamp is u64 sequence + u64 time (ms since the epoch), right after the
 * header; the sender leaves it zero and the relay fills it in place
 * (relay_msg_stamp).  For CHAN the sequence is the channel's; for the
 * others it is the relay's global sequence.
 */
#ifndef KEO_RELAY_PROTO_H
#define KEO_RELAY_PROTO_H

#define RELAY_PROTO_VERSION	2
#define RELAY_HDR_SIZE		8
#define RELAY_STAMP_SIZE	16
#define RELAY_FRAME_MAX		16384	/* header included */
#define RELAY_PACKET_MAX	16384	/* frames per packet, unless one is
					 * bigger by itself */

enum relay_type {
	RELAY_CTL_READY = 1,
	RELAY_CTL_HEARTBEAT,
	RELAY_CTL_SHUTDOWN,
	RELAY_CTL_RELOAD,
	RELAY_CTL_WORKER_GONE,
	RELAY_HELLO,
	RELAY_SUB,
	RELAY_UNSUB,
	RELAY_CHAN,
	RELAY_USER,
	RELAY_MULTI,
	RELAY_TYPE_MAX		/* one past the last type */
};

/* What a CHAN, USER or MULTI frame carries. */
enum relay_kind {
	RELAY_K_PRIVMSG = 1,
	RELAY_K_NOTICE,
	RELAY_K_TAGMSG,
	RELAY_K_JOIN,
	RELAY_K_PART,
	RELAY_K_TOPIC,
	RELAY_K_QUIT,
	RELAY_K_NICK,
	RELAY_K_AWAY,
	RELAY_K_KIND_MAX
};

#define RELAY_F_SUB	0x01	/* subscribe the sender's worker first */
#define RELAY_F_UNSUB	0x02	/* unsubscribe the sender's worker after */

#endif
