/*
 * client.h -- one TCP client of a worker, and the worker's client table.
 *
 * struct client is owned by client.c; command handlers (cmd_*.c), the
 * session module, the dispatcher and delivery read and update its protocol
 * fields, and go through the functions below for everything that touches
 * buffers, lists or the socket.  Connection I/O goes through struct
 * conn_ops so that TLS can slot in later without touching command code.
 * This is the lowest layer of the worker: it reports up through the
 * struct client_hooks it is given.
 *
 * Lifetime: client_close() only marks a client; client_reap() tears it down
 * at a safe point of the loop turn (never inside its own callback chain):
 * roster slot freed, QUIT sent to its channels, ERROR written, socket
 * closed after a bounded flush, memory freed.
 */
#ifndef KEO_CLIENT_H
#define KEO_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "bounds.h"
#include "fifo.h"
#include "linebuf.h"

struct client;
struct lchan;
struct tls_conn;
struct sasl;

/* Capabilities a client negotiated (CAP REQ); cap.c has the table. */
#define CAP_SERVER_TIME		0x00001
#define CAP_ECHO_MESSAGE	0x00002
#define CAP_MESSAGE_TAGS	0x00004
#define CAP_MULTI_PREFIX	0x00008
#define CAP_USERHOST_NAMES	0x00010	/* userhost-in-names */
#define CAP_CAP_NOTIFY		0x00020
#define CAP_BATCH		0x00040
#define CAP_LABELED		0x00080	/* labeled-response */
#define CAP_SETNAME		0x00100
#define CAP_AWAY_NOTIFY		0x00200
#define CAP_EXTENDED_JOIN	0x00400
#define CAP_CHGHOST		0x00800
#define CAP_INVITE_NOTIFY	0x01000
#define CAP_ACCOUNT_NOTIFY	0x02000
#define CAP_ACCOUNT_TAG		0x04000
#define CAP_EXT_MONITOR		0x08000	/* extended-monitor */
#define CAP_SASL		0x10000
#define CAP_CHATHISTORY		0x20000	/* draft/chathistory */
#define CAP_EVENT_PLAYBACK	0x40000	/* draft/event-playback */
#define CAP_READ_MARKER		0x80000	/* draft/read-marker */
#define CAP_SEARCH		0x100000 /* draft/search */

enum client_state {
	CL_UNREG = 0,	/* connected, not registered */
	CL_REG,		/* registered */
	CL_DYING,	/* marked by client_close, torn down at the safe point */
	CL_CLOSING,	/* out of the roster, flushing its last bytes */
};

#define CF_GOT_NICK	0x0001
#define CF_GOT_USER	0x0002
#define CF_PASS_OK	0x0004	/* PASS matched (or none needed) */
#define CF_CAP_NEG	0x0008	/* CAP LS/REQ seen, no CAP END yet */
#define CF_DIRTY	0x0010	/* on the flush list */
#define CF_RUNQ		0x0020	/* input may be pending: on the run queue */
#define CF_WBLOCK	0x0040	/* write hit EAGAIN; waiting for EPOLLOUT */
#define CF_PING_SENT	0x0080	/* server PING outstanding */
#define CF_DISCARD_OUT	0x0100	/* drop queued output at teardown */
#define CF_CAP_302	0x0200	/* client said CAP LS 302 */
#define CF_GOT_PASS	0x0400
#define CF_BLOCKED	0x0800	/* held back by relay back-pressure */
#define CF_BUSY		0x1000	/* buffers used since the last tick */
#define CF_CAPTURE	0x2000	/* a labeled command is running: its
				 * replies go to the label, not out */
#define CF_AUTH_WAIT	0x4000	/* a login job runs: registration waits */
#define CF_NICK_WAIT	0x8000	/* cluster mode: a nick claim is out */

/* Connection I/O: plain TCP (client.c) or TLS (tls.c).  read and writev
 * behave like the syscalls (-1 with EAGAIN: later); a TLS read that finds
 * a broken handshake closes c itself and returns -1 with EAGAIN. */
struct conn_ops {
	const char *name;
	ssize_t	(*read)(struct client *, void *, size_t);
	ssize_t	(*writev)(struct client *, const struct iovec *, int);
	void	(*close)(struct client *);
	/* set up a new connection (NULL: nothing to do); 0 or -1 */
	int	(*open)(struct client *);
	/* 1 once the link carries lines (NULL: at once); until then the
	 * handshake timeout runs, and every socket event tries both ways */
	int	(*ready)(const struct client *);
};

/* A labeled command's response (labeled-response), while it is built:
 * the replies of the command itself and of the frames it sent, until the
 * relay has said every one of those frames is done. */
struct label {
	char		 tag[65];	/* the client's label */
	uint32_t	 token;		/* stamped on the frames it sends */
	unsigned	 pending;	/* frames not done yet */
	int64_t		 since_ms;	/* when the command ran */
	char		*buf;		/* the lines, CRLF each (owned) */
	size_t		 len, cap;
	unsigned	 nlines;
};

struct client {
	const struct conn_ops *ops;
	struct tls_conn	*tls;		/* TLS state (tls.c), NULL: plain */
	int		 fd;
	int32_t		 slot;		/* roster slot */
	uint32_t	 gen;		/* its generation */
	uint32_t	 idx;		/* position in the dense table */
	uint8_t		 state;		/* enum client_state */
	uint8_t		 umodes;	/* ROSTER_UF_* of its own, mirrored */
	uint8_t		 nact, actcap;	/* entries of act[] */
	uint32_t	 caps;		/* CAP_* */
	uint32_t	 flags;		/* CF_* */
	struct label	*label;		/* labeled response in progress, or
					 * NULL (owned) */
	uint16_t	 opwait;	/* CHANOPs sent, not yet done: its next
					 * line waits, so it reads its writes */
	uint8_t		 nmonitor;	/* entries of monitor[] */
	uint32_t	 mark;		/* dedupe epoch for QUIT/NICK fan-out */
	int64_t		 opwait_ms;	/* when the first of them went */
	char		(*monitor)[NICK_MAX + 1]; /* MONITOR list (owned) */
	struct lchan	**act;		/* channels whose member list holds us */
	int64_t		 created_ms;	/* monotonic ms */
	int64_t		 last_rx_ms;	/* last line received */
	int64_t		 ping_ms;	/* when our PING went out */
	int64_t		 flood_us;	/* penalty clock, monotonic us */
	int64_t		 close_by_ms;	/* CL_CLOSING deadline */
	struct linebuf	 in;
	struct fifo	 out;		/* private backlog, lazily allocated */
	struct iovec	*seg;		/* this turn's output in the arena */
	uint32_t	 seg0, nseg;	/* first unsent, end */
	uint32_t	 segcap;
	size_t		 queued;	/* backlog + segments: what sendq bounds */
	struct client	*next_dirty, *next_run, *next_dead, *next_block;
	char		*reason;	/* close reason (owned), set when dying */
	char		*account;	/* logged in as (owned), NULL: not */
	struct sasl	*sasl;		/* an AUTHENTICATE exchange (owned) */
	struct nickclaim *claim;	/* cluster mode: its nick across the
					 * hosts (session.c's, owned) */
	int64_t		 guard_ms;	/* a registered nick without its
					 * account: renamed then, 0: no */
	char		*realname;	/* from USER until registration (owned) */
	uint8_t		 addr[16];	/* v4-mapped peer address */
	uint16_t	 prefixlen;
	char		 nick[NICK_MAX + 1];
	char		 user[USER_MAX + 1];
	char		 host[HOST_MAX + 1];
	char		 prefix[PREFIX_MAX + 1];	/* nick!user@host */
};

/* What the layers above do with a client: the socket layer reports up
 * through these and never names them. */
struct client_hooks {
	/* run one received line (NUL-terminated, line[len] writable) */
	void	(*line)(struct client *c, char *line, size_t len,
		    unsigned lbflags);
	/* c is being torn down: take it out of the roster, tell the others */
	void	(*gone)(struct client *c, const char *reason);
	/* while CF_CAPTURE is set, a line for c: 1 when taken (a labeled
	 * response collects it), 0 to send it as usual */
	int	(*capture)(struct client *c, const char *p, size_t n);
};

/* The table of a worker's clients (kd.clients). */
int		 client_table_init(unsigned max_clients,
		    const struct client_hooks *hooks);
/* Free the table (no client may be left). */
void		 client_table_free(void);
/* A client on socket fd (watched on kd.ev when there is one); NULL when
 * memory is short or fd cannot be watched. */
struct client	*client_new(int fd, const struct conn_ops *ops, int32_t slot,
		    uint32_t gen, const uint8_t addr[16], const char *host);
/* The registered or unregistered client in roster slot s with gen, or NULL. */
struct client	*client_by_slot(int32_t slot, uint32_t gen);
unsigned	 client_count(void);
/* Call fn on every live client (not dying/closing). */
void		 client_foreach(void (*fn)(struct client *, void *), void *arg);

/* Queue bytes (already CRLF-terminated) for c; a queue past sendq marks c
 * for closing with "SendQ exceeded". */
void		 client_send(struct client *c, const char *p, size_t n);
/* Copy bytes into this turn's arena; the pointer stays valid until the
 * end of the turn (client_flush_all), NULL when memory is short. */
const char	*client_arena_put(const char *p, size_t n);
/* Queue n bytes that already sit in the arena (one copy shared by every
 * recipient of a line). */
void		 client_send_shared(struct client *c, const char *p, size_t n);
/* Format one line, cut to 510 bytes at a UTF-8 boundary, add CRLF. */
void		 client_sendf(struct client *c, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
/* ":server NUM nick " + text. */
void		 reply(struct client *c, const char *num, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
/* "head :item item ..." replies of at most 510 bytes each, the items of
 * list (separated by ' ') spread over as few lines as they fit. */
void		 reply_list(struct client *c, const char *num, const char *head,
		    const char *list);
/* ":item,item,..." replies (MONITOR), as many as the items need. */
void		 reply_csv(struct client *c, const char *num, const char *list);
/* Rebuild c->prefix from nick, user and host. */
void		 client_set_prefix(struct client *c);

/* Mark c to be closed with reason (shown in ERROR and in its QUIT). */
void		 client_close(struct client *c, const char *reason);
/* Tear down every client marked since the last call (safe point). */
void		 client_reap(void);
/* Write what is queued; 0, or -1 when the link failed (c is closed). */
int		 client_flush(struct client *c);
/* Flush every client with new output, then recycle the arena: after
 * this no client points into it (slow ones keep a private copy). */
void		 client_flush_all(void);
/* Close CL_CLOSING clients whose output drained or whose deadline passed;
 * returns how many remain. */
unsigned	 client_closing_tick(int force);

/* Input: read what the socket has and run complete lines (flood control
 * and back-pressure permitting). */
void		 client_input(struct client *c);
/* Run clients whose input was deferred (fake lag, read budget). */
void		 client_run_pending(void);
/* c's held input may run again (a labeled response went out). */
void		 client_wake(struct client *c);
/* Hold back (1) every client's input while the relay link is congested,
 * or resume it (0). */
void		 client_hold_input(int on);
/* Flood check for the next line: 1 may run now, 0 lagged until *due_us. */
int		 client_flood_allow(struct client *c, int64_t *due_us);
/* Charge lines of penalty to c's flood clock. */
void		 client_flood_charge(struct client *c, unsigned lines);
/* Milliseconds until the next deferred client is due, -1 for none. */
int64_t		 client_next_due(void);
/* The once-a-second scan: registration and ping timeouts. */
void		 client_tick(void);

/* Plain TCP connection ops. */
extern const struct conn_ops conn_plain_ops;

#endif
