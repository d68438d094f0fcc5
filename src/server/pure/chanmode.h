/*
 * chanmode.h -- channel modes: parse a MODE line into changes, apply a
 * change to a channel of the roster, format what was applied.
 *
 * The modes (doc/PROTOCOL.md has the table):
 *   list, a mask each, listed without one:  b e I   (CHANMODES type A)
 *   a parameter both ways:                  k       (type B)
 *   a parameter when set:                   l       (type C)
 *   flags:                                  i m n s t (type D)
 *   member privileges, a nick each:         o v     (PREFIX=(ov)@+)
 * At most MODES_MAX changes of one line are taken; the rest are dropped
 * and counted.  Pure code: the caller holds the roster lock for apply.
 */
#ifndef KEO_CHANMODE_H
#define KEO_CHANMODE_H

#include <stddef.h>
#include <stdint.h>

#include "bounds.h"

struct roster;

/* What went wrong with one change (the numeric the caller sends). */
enum chanmode_err {
	CHANMODE_OK = 0,
	CHANMODE_UNKNOWN,	/* 472 ERR_UNKNOWNMODE */
	CHANMODE_NEEDPARAM,	/* 696 ERR_INVALIDMODEPARAM: missing */
	CHANMODE_BADPARAM,	/* 696: a key, limit or mask that cannot be */
	CHANMODE_NOSUCHNICK,	/* 401: o/v for a nick nobody has */
	CHANMODE_NOTONCHAN,	/* 441 ERR_USERNOTINCHANNEL */
	CHANMODE_KEYSET,	/* 467 ERR_KEYSET */
	CHANMODE_LISTFULL,	/* 478 ERR_BANLISTFULL */
	CHANMODE_NOCHANGE,	/* applied, but nothing changed: not shown */
};

struct chanmode_change {
	char		 sign;		/* '+' or '-' */
	char		 letter;	/* the mode */
	const char	*param;		/* borrowed from the line, or NULL */
};

struct chanmode_bad {
	char		 sign, letter;
	enum chanmode_err err;
	const char	*param;		/* the one it had, or NULL */
};

struct chanmode_parse {
	struct chanmode_change ch[MODES_MAX];	/* the changes, in order */
	unsigned	 n;
	struct chanmode_bad bad[MODES_MAX];	/* refused while parsing */
	unsigned	 nbad;
	char		 lists[4];		/* list queries: "b", "eI"... */
	unsigned	 dropped;		/* changes past MODES_MAX */
};

/* Parse a mode string and its parameters (MODE #c +o-v a b). */
void	 chanmode_parse(const char *modes, char *const *params,
	    unsigned nparams, struct chanmode_parse *out);

/* One change as applied: the parameter to show (a canonical nick, a
 * normalised mask, the key, the limit), and for o/v the slot it was for. */
struct chanmode_done {
	char		 sign, letter;
	char		 param[MASK_MAX + 1];	/* "" for none */
	int32_t		 slot;			/* o/v: the member, else -1 */
};

/* Apply c to channel chan as by (a nick, for list entries): CHANMODE_OK
 * with *done filled, CHANMODE_NOCHANGE, or the refusal.  Lock held. */
enum chanmode_err chanmode_apply(struct roster *r, int32_t chan,
	    const struct chanmode_change *c, const char *by, int64_t now,
	    struct chanmode_done *done);

/* The applied changes from *at as one line's mode string and parameters
 * ("+o-v+b", "nick nick2 mask"), taking as many as fit in room bytes;
 * *at moves past them (at least one).  0, or -1 when nothing is left. */
int	 chanmode_format(const struct chanmode_done *d, unsigned n,
	    unsigned *at, size_t room, char *modes, size_t modessz,
	    char *params, size_t paramssz);

/* The channel's modes as RPL_CHANNELMODEIS shows them: "+ntk key 10"
 * (with_params: the key and limit, for members) or "+ntkl". */
void	 chanmode_show(struct roster *r, int32_t chan, int with_params,
	    char *out, size_t outsz);

/* Nonzero for a mode letter this server knows on channels. */
int	 chanmode_known(int letter);

#endif
