/*
 * bounds.h -- every protocol-level bound of keochat in one place.
 *
 * These are compile-time ceilings: the shared memory layout and the relay
 * frames are sized from them.  Configurable limits (nicklen, sendq ...)
 * are checked against them by the option table in config.c.
 */
#ifndef KEO_BOUNDS_H
#define KEO_BOUNDS_H

#define IRC_LINE_MAX		512	/* one line without tags, CRLF included */
#define IRC_TAGS_MAX		8191	/* tag section, '@' and space included */
#define IRC_CLIENT_TAGS_MAX	4094	/* client-only tags a client may send */
#define IRC_WIRE_MAX		(IRC_TAGS_MAX + IRC_LINE_MAX)
#define IRC_MAX_PARAMS		15
#define IRC_MAX_TAGS		128

#define NICK_MAX		64	/* hard ceiling of the nicklen option */
#define NICK_DEFAULT		30
#define USER_MAX		16	/* USERLEN */
#define HOST_MAX		64	/* HOSTLEN: textual IPv6 fits */
#define REALNAME_MAX		100
#define CHAN_MAX		50	/* CHANNELLEN, '#' included */
#define TOPIC_MAX		390	/* TOPICLEN */
#define AWAY_MAX		200	/* AWAYLEN */
#define PREFIX_MAX		(NICK_MAX + 1 + USER_MAX + 1 + HOST_MAX)
#define CHANS_PER_USER_MAX	64	/* ceiling of max-channels-per-client */
#define TARGETS_MAX		4	/* TARGMAX for PRIVMSG/NOTICE */
#define WORKERS_MAX		64
#define MOTD_MAX		16384
#define KEY_MAX			23	/* KEYLEN: a channel key */
#define MASK_MAX		127	/* a ban, exception or invite mask */
#define LIST_MAX		100	/* MAXLIST=beI: b + e + I per channel */
#define INVITES_MAX		32	/* pending INVITEs kept per channel */
#define MODES_MAX		20	/* MODES: changes in one MODE line */
#define MONITOR_MAX		100	/* MONITOR= entries per client */
#define OPERS_MAX		16	/* oper blocks in the configuration */

#endif
