/*
 * session.c -- see session.h.  Owns struct session.
 *
 * What the user sees follows the original KEO Chat: "[HH:MM:SS] You
 * connected", "Active: NAME" for everyone in the room on joining,
 * "NAME connected" / "NAME disconnected (reason)" as people come and go,
 * "<NAME> text" for messages and "You disconnected" at the end.  Times come
 * from the server's server-time tag when it sends one.  Every error goes
 * into the chat area as a line; nothing here can fail silently.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "irc.h"
#include "bounds.h"
#include <openssl/crypto.h>

#include "linebuf.h"
#include "sasl.h"
#include "session.h"
#include "valid.h"

#define KEEPALIVE_MS	90000	/* quiet this long: we PING */
#define PING_WAIT_MS	60000	/* no answer this long: the link is dead */
#define TEXT_CHUNK	380	/* bytes of text per PRIVMSG we send */
#define NICK_TRIES	3	/* name_ ... name___ before asking */
#define PASTE_ASK	5	/* more pasted lines than this: ask first */
#define TYPERS_MAX	16	/* typing people remembered */
#define IGNORE_MAX	64	/* /ignore entries */
#define TYPING_SHOWN_MS	6000	/* "active" lasts this long unless renewed */
#define TYPING_EVERY_MS	3000	/* we renew ours this often */
#define PASTE_MAX	500	/* more than this: refused */
#define PASTE_BURST	4	/* sent at once, then ... */
#define PASTE_PACE_MS	500	/* ... one every half second */
#define HIST_LATEST	50	/* lines of history fetched on join */
#define HIST_PAGE	100	/* older lines fetched at the top */
#define HIST_CONTEXT	10	/* lines shown above a search result */
#define HIST_TARGETS_DAYS 30	/* how far back TARGETS looks at login */
#define BATCHES_MAX	8	/* batches open at once */
#define HITS_MAX	1000	/* search results kept */
#define WAITQ_MAX	16	/* conversations asked about at login */
#define MARKER_TEXT	"\u2014\u2014\u2014 new since you were here " \
			"\u2014\u2014\u2014"

enum batch_kind { BK_OTHER, BK_HISTORY, BK_TARGETS, BK_SEARCH };

struct batch {
	char		 ref[32];	/* "" when the slot is free */
	enum batch_kind	 kind;
	char		 target[CHAN_MAX + 1];
	int		 lines;		/* lines it carried */
	int		 added;		/* of them, new to the room */
	int		 above;		/* added above the room's oldest line */
	int		 placed;	/* cursor is set */
	long		 cursor;	/* where its next line goes, -1: by time */
};

struct hit {
	char		 target[CHAN_MAX + 1];
	char		 msgid[64];
	int64_t		 time_ms;
	char		*text;
};

/* A room the server listed (LIST). */
struct listed {
	char		 name[CHAN_MAX + 1];
	unsigned	 users;
	char		*topic;
};

#define LISTED_MAX	10000	/* rooms kept of one LIST */

struct session {
	struct session_host h;
	void		*ud;
	struct model	*m;
	enum session_state state;
	char		 server[256];
	char		 nick[NICK_MAX + 1];
	char		 room[CHAN_MAX + 1];
	char		 password[128];
	struct linebuf	 in;
	int		 cap_time, cap_echo, cap_ended;
	int		 cap_batch, cap_tags, cap_history, cap_marker;
	int		 cap_search, logged_in;
	int		 joined_room_once;	/* JOIN sent after the MOTD */
	int		 nick_tries;	/* name_ tried for a taken name */
	int		 nick_asked;	/* the user was asked for another */
	int		 reconnect;	/* an unexpected loss: reconnect due */
	int		 attempts;
	int		 names_asked;	/* /names: print the next 366 */
	int		 modes_asked;	/* /mode: print the next 324 */
	int64_t		 last_rx_ms, ping_ms;
	char		 prefixes[16];	/* PREFIX symbols, e.g. "@+" */
	char		 pmodes[16];	/* and their modes, e.g. "ov" */
	char		 chanmodes[64];	/* CHANMODES=A,B,C,D */
	char		 caps_seen[512];
	char		*fresh;		/* rooms awaiting their first NAMES */
	/* SASL */
	char		 account[65];
	char		 sasl_pw[301];
	int		 have_cert, secure, sasl_on;
	struct sasl_client sasl;
	char		 sasl_in[2048];		/* the server's chunks so far */
	size_t		 sasl_inlen;
	/* history, markers and search */
	struct batch	 batches[BATCHES_MAX];
	struct batch	*cur;		/* the batch of the line at hand */
	const char	*cur_msgid;	/* its msgid tag */
	struct hit	*hits;
	size_t		 nhits;

	int		 searching;
	char		 search_status[400];
	struct pasteq {			/* pasted lines, sent paced */
		char	 target[CHAN_MAX + 1];
		char	*text;
	}		*pq;
	size_t		 npq, pqhead;
	int64_t		 pq_next_ms;	/* when the next one may go */
	int		 pq_burst;	/* sent at once so far */
	char		 ignored[IGNORE_MAX][MASK_MAX + 1];	/* /ignore */
	int		 nignored;
	struct typer {			/* who is typing where (+typing) */
		char	 nick[NICK_MAX + 1];
		char	 room[CHAN_MAX + 1];
		int64_t	 until_ms;
	}		 typers[TYPERS_MAX];
	int		 ntypers;
	int		 send_typing;	/* tell others when we type */


	char		 typed_in[CHAN_MAX + 1];	/* where we said "active" */
	int64_t		 typed_ms;
	char		 waitq[WAITQ_MAX][NICK_MAX + 1];	/* TARGETS */
	int64_t		 waitq_ms[WAITQ_MAX];
	int		 nwaitq;
	/* added for saved networks, away, LIST and folding: the 8-byte
	 * ones first, then the ints, then the strings (no padding) */
	struct listed	*listed;	/* the last LIST, sorted at its end */
	size_t		 nlisted, listed_over;
	size_t		 alt_at;	/* where the next alternate starts */
	int64_t		 auto_away_ms;	/* auto-away after this idle, 0 off */
	int64_t		 active_ms;	/* the user typed last */
	int		 away;		/* 306 seen, 305 not since */
	int		 away_auto;	/* it was auto-away that set it */
	int		 listing;	/* LIST sent, 323 not seen */
	int		 hide_joins;	/* others' joins, parts, quits unshown */
	int		 no_fold;	/* each of them a line of its own */
	char		 away_text[AWAY_MAX + 1];	/* "" back */
	char		 auto_away_text[AWAY_MAX + 1];
	char		 list_status[160];
	char		 more_rooms[IRC_LINE_MAX];	/* joined with room */
	char		 alternates[128];	/* names to try when taken */
	char		 nick_first[NICK_MAX + 1];	/* the one asked for */
	int		 notify_off;	/* no desktop notifications at all */
	char		 show_join[CHAN_MAX + 2];	/* /join'ed: show it */
	char		 quiet_tabs[512];	/* tabs that start quiet */
};

static void handle_line(struct session *s, char *line, size_t len);
static void paste_clear(struct session *s);
static const char *const *command_words(void);
static size_t ncommand_words;

struct session *
session_new(const struct session_host *h, void *ud)
{
	struct session *s = calloc(1, sizeof(*s));

	if (s == NULL)
		abort();
	s->h = *h;
	s->ud = ud;
	s->m = model_new();
	model_set_words(s->m, command_words(), ncommand_words);
	s->send_typing = 1;
	linebuf_init(&s->in, IRC_WIRE_MAX);
	snprintf(s->prefixes, sizeof(s->prefixes), "~&@%%+");
	snprintf(s->pmodes, sizeof(s->pmodes), "qaohv");
	snprintf(s->chanmodes, sizeof(s->chanmodes), "beI,k,l,imnpst");
	if ((s->fresh = calloc(MODEL_ROOMS_MAX, 1)) == NULL)
		abort();
	return s;
}

static void
listed_clear(struct session *s)
{
	size_t k;

	for (k = 0; k < s->nlisted; k++)
		free(s->listed[k].topic);
	free(s->listed);
	s->listed = NULL;
	s->nlisted = s->listed_over = 0;
}

void
session_free(struct session *s)
{
	size_t k;

	model_free(s->m);
	linebuf_free(&s->in);
	free(s->fresh);
	for (k = 0; k < s->nhits; k++)
		free(s->hits[k].text);
	free(s->hits);
	listed_clear(s);
	paste_clear(s);
	free(s);
}

struct model *
session_model(struct session *s)
{
	return s->m;
}

enum session_state
session_state(const struct session *s)
{
	return s->state;
}

const char *
session_nick(const struct session *s)
{
	return s->nick;
}

const char *
session_server(const struct session *s)
{
	return s->server;
}

void
session_set_alternates(struct session *s, const char *list)
{
	snprintf(s->alternates, sizeof(s->alternates), "%s", list);
	s->alt_at = 0;
}

/* Is name one of list's words (space or comma separated, IRC case)? */
static int
word_in(const char *list, const char *name)
{
	char one[CHAN_MAX + NICK_MAX + 2];
	size_t n;

	while (*list != '\0') {
		list += strspn(list, " ,");
		n = strcspn(list, " ,");
		if (n > 0 && n < sizeof(one)) {
			memcpy(one, list, n);
			one[n] = '\0';
			if (irc_casecmp(one, name) == 0)
				return 1;
		}
		list += n;
	}
	return 0;
}

void
session_set_notify(struct session *s, int on, const char *quiet_tabs)
{
	int i, n = model_count(s->m);
	struct room_view v;

	s->notify_off = !on;
	snprintf(s->quiet_tabs, sizeof(s->quiet_tabs), "%s", quiet_tabs);
	for (i = 1; i < n; i++) {	/* tabs open already follow it too */
		model_view(s->m, i, &v);
		model_set_quiet(s->m, i, word_in(s->quiet_tabs, v.name));
	}
}

int
session_notifies(struct session *s, int room)
{
	struct room_view v;

	if (s->notify_off || room < 0 || room >= model_count(s->m))
		return 0;
	model_view(s->m, room, &v);
	return !v.quiet;
}

/* The name taken: the next valid alternate into s->nick (1), or none left
 * (0; s->nick is the first name again, for name_, name__, ...). */
static int
next_alternate(struct session *s)
{
	char one[NICK_MAX + 1];
	const char *p;
	size_t n;

	while (s->alt_at < strlen(s->alternates)) {
		p = s->alternates + s->alt_at;
		p += strspn(p, " ,");
		n = strcspn(p, " ,");
		s->alt_at = (size_t)(p - s->alternates) + n;
		if (n == 0 || n > NICK_MAX)
			continue;
		memcpy(one, p, n);
		one[n] = '\0';
		if (nick_check(one, NICK_MAX) != NAME_OK ||
		    irc_casecmp(one, s->nick) == 0)
			continue;
		memcpy(s->nick, one, n + 1);
		return 1;
	}
	if (s->alternates[0] != '\0' && s->nick_tries == 0)
		snprintf(s->nick, sizeof(s->nick), "%s", s->nick_first);
	return 0;
}

void
session_set_password(struct session *s, const char *pw)
{
	snprintf(s->password, sizeof(s->password), "%s", pw);
}

void
session_set_login(struct session *s, const char *account,
    const char *password, int have_cert)
{
	snprintf(s->account, sizeof(s->account), "%s", account);
	snprintf(s->sasl_pw, sizeof(s->sasl_pw), "%s", password);
	s->have_cert = have_cert;
}

void
session_set_secure(struct session *s, int on)
{
	s->secure = on;
}

/* --- output helpers -------------------------------------------------------- */

static void
emit(struct session *s, enum session_event_type t, int room, const char *text)
{
	struct session_event ev = { t, room, text, -1 };

	s->h.event(s->ud, &ev);
}

static void
emit_line(struct session *s, enum session_event_type t, int room, long line)
{
	struct session_event ev = { t, room, NULL, line };

	s->h.event(s->ud, &ev);
}

static void
sendf(struct session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
sendf(struct session *s, const char *fmt, ...)
{
	char buf[IRC_LINE_MAX + 2];
	va_list ap;
	int n;
	size_t k;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 2, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > IRC_LINE_MAX - 2)
		n = (int)utf8_prefix(buf, strlen(buf), IRC_LINE_MAX - 2);
	for (k = 0; k < (size_t)n; k++)	/* nothing may break the line */
		if (buf[k] == '\r' || buf[k] == '\n' || buf[k] == '\0')
			buf[k] = ' ';
	buf[n++] = '\r';
	buf[n++] = '\n';
	s->h.send(s->ud, buf, (size_t)n);
}

/* Two digits at most of a colour number; -1 when there is none. */
static int
colour_num(const unsigned char **pp)
{
	const unsigned char *p = *pp;
	int v;

	if (p[1] < '0' || p[1] > '9')
		return -1;
	v = p[1] - '0';
	p++;
	if (p[1] >= '0' && p[1] <= '9') {
		v = v * 10 + (p[1] - '0');
		p++;
	}
	*pp = p;
	return v;
}

/* Six hex digits (\004's colours); 1 when they are there (skipped). */
static int
hex_colour(const unsigned char **pp)
{
	const unsigned char *p = *pp;
	int k;

	for (k = 1; k <= 6; k++)
		if (!isxdigit(p[k]))
			return 0;
	*pp = p + 6;
	return 1;
}

/* Copy text, dropping mIRC formatting codes and other control bytes; with
 * fmt, what they said goes there, an FMT_* word for each byte of out.
 * Returns 1 when some byte is formatted. */
static int
clean_text_fmt(char *out, uint16_t *fmt, size_t outsz, const char *in)
{
	size_t n = 0;
	const unsigned char *p = (const unsigned char *)in;
	uint16_t cur = 0;
	int any = 0, fg, bg;

	for (; *p != '\0' && n + 1 < outsz; p++) {
		switch (*p) {
		case 0x03:	/* colour: \003[fg[,bg]], alone: none */
			if ((fg = colour_num(&p)) < 0) {
				cur &= (uint16_t)~(FMT_FG | FMT_BG | 0x3ff);
				continue;
			}
			cur &= (uint16_t)~(FMT_FG | 0xf);
			if (fg < 16)
				cur |= (uint16_t)(FMT_FG | fg);
			if (p[1] == ',' && p[2] >= '0' && p[2] <= '9') {
				p++;
				bg = colour_num(&p);
				cur &= (uint16_t)~(FMT_BG | 0x1e0);
				if (bg >= 0 && bg < 16)
					cur |= (uint16_t)(FMT_BG | bg << 5);
			}
			continue;
		case 0x04:	/* hex colours: not drawn, not shown */
			if (hex_colour(&p) && p[1] == ',')
				(void)(p++, hex_colour(&p) || (p--, 0));
			continue;
		case 0x02: cur ^= FMT_BOLD; continue;
		case 0x1d: cur ^= FMT_ITALIC; continue;
		case 0x1f: cur ^= FMT_UNDERLINE; continue;
		case 0x1e: cur ^= FMT_STRIKE; continue;
		case 0x16: cur ^= FMT_REVERSE; continue;
		case 0x0f: cur = 0; continue;
		default:
			break;
		}
		if (*p < 0x20 || *p == 0x7f) {
			if (*p == '\t') {
				if (fmt != NULL)
					fmt[n] = cur;
				out[n++] = ' ';
			}
			continue;
		}
		if (fmt != NULL)
			fmt[n] = cur;
		any |= cur != 0;
		out[n++] = (char)*p;
	}
	out[n] = '\0';
	if (!utf8_valid(out, n)) {	/* show a Latin-1 sender as '?' */
		size_t k;
		for (k = 0; k < n; k++)
			if ((unsigned char)out[k] >= 0x80)
				out[k] = '?';
	}
	return any;
}

static void
clean_text(char *out, size_t outsz, const char *in)
{
	(void)clean_text_fmt(out, NULL, outsz, in);
}

static int64_t
tag_time(const struct irc_msg *msg)
{
	const char *t = irc_msg_tag(msg, "time");
	struct tm tm;
	char *end;
	long ms = 0;

	if (t == NULL)
		return -1;
	memset(&tm, 0, sizeof(tm));
	end = strptime(t, "%Y-%m-%dT%H:%M:%S", &tm);
	if (end == NULL)
		return -1;
	if (*end == '.')
		ms = strtol(end + 1, &end, 10) % 1000;
	return (int64_t)timegm(&tm) * 1000 + ms;
}

static void batch_place(struct session *, struct batch *, int);

/* A live line of another day than the room's last one: first a line that
 * says which day it is now. */
static void
day_change(struct session *s, int room, const struct tm *tm)
{
	struct line_meta last, day = { 0, NULL, ML_DAY, NULL };
	size_t n = model_lines(s->m, room);
	struct tm was;
	time_t t;
	char text[96];

	if (n == 0 || !model_line_meta(s->m, room, n - 1, &last))
		return;
	t = (time_t)(last.time_ms / 1000);
	if (localtime_r(&t, &was) == NULL || (was.tm_yday == tm->tm_yday &&
	    was.tm_year == tm->tm_year) || last.time_ms <= 0)
		return;
	if (strftime(text, sizeof(text), "\u2014\u2014\u2014 %A, %-d %B %Y "
	    "\u2014\u2014\u2014", tm) == 0)
		return;
	day.time_ms = last.time_ms;
	model_insert(s->m, room, text, &day, MI_LIVE);
	emit(s, SEV_LINE, room, text);
}

/* "2026-01-02T03:04:05.678Z" for a time in ms. */
static void
iso_time(char *out, size_t outsz, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	size_t n;

	if (ms < 0 || gmtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	n = strftime(out, outsz, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, outsz - n, ".%03dZ", (int)(ms < 0 ? 0 : ms % 1000));
}

/* Copy src into dst (dstsz bytes), cut when it does not fit. */
static void
scopy(char *dst, size_t dstsz, const char *src)
{
	size_t n = strlen(src);

	if (n >= dstsz)
		n = dstsz - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/*
 * Add "[HH:MM:SS] text" to room ("[YYYY-MM-DD HH:MM:SS]" for another day
 * than today).  flags are ML_* (a message, ours, a mention of us); the
 * msgid of the line at hand goes with a message.  Inside a history batch
 * the line slots into the room by its time, once, without an event (the
 * batch's end redraws the room); else it is a live line.
 */
static void vline(struct session *, int, int64_t, unsigned, const char *,
    va_list) __attribute__((format(printf, 5, 0)));

static void
vline(struct session *s, int room, int64_t when_ms, unsigned flags,
    const char *fmt, va_list ap)
{
	char text[IRC_WIRE_MAX], clean[IRC_WIRE_MAX], out[IRC_WIRE_MAX + 40];
	uint16_t cfmt[IRC_WIRE_MAX], ofmt[IRC_WIRE_MAX + 40];
	char stamp[32];
	struct line_meta meta;
	int formatted;
	int64_t now = s->h.now_ms(s->ud);
	time_t t, tn = (time_t)(now / 1000);
	struct tm tm, today;
	struct batch *b = s->cur != NULL && s->cur->kind == BK_HISTORY ?
	    s->cur : NULL;
	long at;

	if (room < 0 || room >= model_count(s->m))
		room = 0;
	if (when_ms < 0)
		when_ms = now;
	t = (time_t)(when_ms / 1000);
	vsnprintf(text, sizeof(text), fmt, ap);
	formatted = clean_text_fmt(clean, cfmt, sizeof(clean), text);
	if (localtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	if (localtime_r(&tn, &today) == NULL)
		memset(&today, 0, sizeof(today));
	if (strftime(stamp, sizeof(stamp), tm.tm_yday != today.tm_yday ||
	    tm.tm_year != today.tm_year ? "[%Y-%m-%d %H:%M:%S]" :
	    "[%H:%M:%S]", &tm) == 0)
		stamp[0] = '\0';
	snprintf(out, sizeof(out), "%s %s", stamp, clean);
	meta.time_ms = when_ms;
	meta.msgid = (flags & ML_MSG) ? s->cur_msgid : NULL;
	meta.flags = flags;
	meta.fmt = NULL;
	if (formatted) {	/* the stamp and its space are plain */
		size_t off = strlen(stamp) + 1, len = strlen(out), k;
		for (k = 0; k < len; k++)
			ofmt[k] = k < off ? 0 : cfmt[k - off];
		meta.fmt = ofmt;
	}
	if (b != NULL) {
		meta.flags |= ML_HISTORY;
		b->lines++;
		if (!b->placed)
			batch_place(s, b, room);
		if (b->cursor >= 0)
			at = model_insert_at(s->m, room, (size_t)b->cursor, out,
			    &meta);
		else
			at = model_insert(s->m, room, out, &meta, MI_HISTORY);
		if (at >= 0) {
			b->added++;
			if (b->cursor >= 0)
				b->cursor = at + 1;
			if (at <= (long)b->above)
				b->above++;
		}
		return;
	}
	day_change(s, room, &tm);
	model_insert(s->m, room, out, &meta, MI_LIVE);
	emit(s, SEV_LINE, room, out);
	if (flags & ML_HIGHLIGHT)
		emit(s, SEV_HIGHLIGHT, room, out);
}

static void
line(struct session *s, int room, int64_t when, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
line(struct session *s, int room, int64_t when, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(s, room, when, 0, fmt, ap);
	va_end(ap);
}

static void
mline(struct session *s, int room, int64_t when, unsigned flags,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
mline(struct session *s, int room, int64_t when, unsigned flags,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(s, room, when, flags, fmt, ap);
	va_end(ap);
}

void
session_note(struct session *s, int room, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(s, room, -1, 0, fmt, ap);
	va_end(ap);
}

static void
set_state(struct session *s, enum session_state st)
{
	s->state = st;
	emit(s, SEV_STATE, -1, NULL);
}

/* Does text mention nick as a word? */
static int
mentions(const char *text, const char *nick)
{
	size_t n = strlen(nick);
	const char *p;
	char ft[IRC_WIRE_MAX], fn[NICK_MAX + 1];

	if (n == 0)
		return 0;
	irc_casefold(ft, sizeof(ft), text);
	irc_casefold(fn, sizeof(fn), nick);
	for (p = strstr(ft, fn); p != NULL; p = strstr(p + 1, fn)) {
		int before = p == ft || strchr(" ,.:;!?<>()'\"@", p[-1]);
		int after = p[n] == '\0' || strchr(" ,.:;!?<>()'\"", p[n]);
		if (before && after)
			return 1;
	}
	return 0;
}

/* --- rooms ----------------------------------------------------------------- */

static void fetch_latest(struct session *, int);
static void jump_fetch(struct session *, int);
static int typer_drop(struct session *, const char *, const char *);

static int
room_of(struct session *s, const char *name, enum room_kind k, int create)
{
	int i = model_find(s->m, name);

	if (i > 0 || !create)
		return i > 0 ? i : -1;
	i = model_open(s->m, name, k);
	if (i < 0) {
		line(s, 0, -1, "Too many tabs open: close some with /close");
		return 0;
	}
	s->fresh[i] = 0;
	model_set_quiet(s->m, i, word_in(s->quiet_tabs, name));
	emit(s, SEV_ROOMS, i, NULL);
	if (k == ROOM_QUERY && s->logged_in && s->cur == NULL)
		fetch_latest(s, i);	/* the conversation so far */
	else if (k == ROOM_QUERY)
		model_hist(s->m, i)->synced = 1;
	return i;
}

/* Ask for room r to become the visible tab. */
static void
activate(struct session *s, int r)
{
	if (r < 0)
		return;
	session_select(s, r);
	emit(s, SEV_ACTIVE, r, NULL);
}

static int
is_channel(const char *t)
{
	return t[0] == '#' || t[0] == '&';
}

/* --- history, read markers, search ------------------------------------------ */

/* The name the server knows room r by (a channel, or the other nick). */
static const char *
room_target(struct session *s, int r)
{
	struct room_view v;

	model_view(s->m, r, &v);
	return v.name;
}

/*
 * Where the lines of batch b go in room r.  Older lines (BEFORE, and what
 * a jump fetches) go in their order just before the line they were asked
 * against: many lines share a millisecond, so times alone cannot place
 * them.  The newest lines (LATEST) and the lines around a result go by
 * time.
 */
static void
batch_place(struct session *s, struct batch *b, int r)
{
	struct room_hist *h = model_hist(s->m, r);

	b->placed = 1;
	b->cursor = -1;
	if (h->req == HR_BEFORE || h->req == HR_JUMP)
		b->cursor = model_oldest_msgid(s->m, r);
	else if (h->req == HR_CONTEXT && h->anchored) {
		/* before the message, and before the lines of its very
		 * millisecond the BETWEEN already brought (its bound is the
		 * message's time less 1 ms): the lines above go above them */
		struct line_meta at, prev;
		long k = model_find_msgid(s->m, r, h->jump);

		if (k > 0 && model_line_meta(s->m, r, (size_t)k, &at))
			while (k > 0 && model_line_meta(s->m, r, (size_t)k - 1,
			    &prev) && prev.time_ms >= at.time_ms)
				k--;
		b->cursor = k;
	}
}

static int
history_on(struct session *s)
{
	return s->cap_history && s->cap_batch && s->state == SS_CONNECTED;
}

/* Ask for room r's newest lines: after the newest msgid it holds, or the
 * last HIST_LATEST when it holds none. */
static void
fetch_latest(struct session *s, int r)
{
	struct room_hist *h = model_hist(s->m, r);
	struct line_meta meta;
	size_t k;

	h->synced = 0;
	if (!history_on(s) || r <= 0) {
		h->synced = 1;
		return;
	}
	h->req = HR_LATEST;
	h->complete = 0;
	for (k = model_lines(s->m, r); k > 0; k--)
		if (model_line_meta(s->m, r, k - 1, &meta) && *meta.msgid) {
			sendf(s, "CHATHISTORY LATEST %s msgid=%s %d",
			    room_target(s, r), meta.msgid, HIST_PAGE);
			return;
		}
	sendf(s, "CHATHISTORY LATEST %s * %d", room_target(s, r), HIST_LATEST);
}

void
session_fetch_older(struct session *s, int r)
{
	struct room_hist *h;
	struct line_meta meta;
	char ts[40];
	long k;

	if (r <= 0 || r >= model_count(s->m) || !history_on(s))
		return;
	h = model_hist(s->m, r);
	if (h->req != HR_NONE || h->complete || !h->synced)
		return;
	h->req = HR_BEFORE;
	if ((k = model_oldest_msgid(s->m, r)) >= 0 &&
	    model_line_meta(s->m, r, (size_t)k, &meta)) {
		sendf(s, "CHATHISTORY BEFORE %s msgid=%s %d", room_target(s, r),
		    meta.msgid, HIST_PAGE);
		return;
	}
	if (!model_line_meta(s->m, r, 0, &meta))
		meta.time_ms = s->h.now_ms(s->ud);
	iso_time(ts, sizeof(ts), meta.time_ms);
	sendf(s, "CHATHISTORY BEFORE %s timestamp=%s %d", room_target(s, r), ts,
	    HIST_PAGE);
}

/* Send room r's read marker when the user has read further than the
 * server knows. */
static void
mark_flush(struct session *s, int r)
{
	struct room_hist *h = model_hist(s->m, r);
	int64_t ms = model_read_ms(s->m, r);
	char ts[40];

	if (r <= 0 || !s->cap_marker || !s->logged_in ||
	    s->state != SS_CONNECTED || !h->synced || ms <= h->sent_ms)
		return;
	h->sent_ms = ms;
	iso_time(ts, sizeof(ts), ms);
	sendf(s, "MARKREAD %s timestamp=%s", room_target(s, r), ts);
}

void
session_select(struct session *s, int r)
{
	if (r < 0 || r >= model_count(s->m))
		return;
	model_set_active(s->m, r);
	mark_flush(s, r);
}

void
session_set_hidden(struct session *s, int hidden)
{
	model_set_hidden(s->m, hidden);
	if (!hidden)
		mark_flush(s, model_active(s->m));
}

/* "timestamp=2026-...Z" (or "*") -> ms; -1 for none, -2 for garbage. */
static int64_t
ref_time(const char *v)
{
	struct tm tm;
	char *end;
	long ms = 0;

	if (strncmp(v, "timestamp=", 10) == 0)
		v += 10;
	if (strcmp(v, "*") == 0)
		return -1;
	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(v, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return -2;
	if (*end == '.')
		ms = strtol(end + 1, &end, 10) % 1000;
	return (int64_t)timegm(&tm) * 1000 + ms;
}

/* ":server MARKREAD target timestamp=T": another window (or the JOIN)
 * says how far the account has read. */
static void
on_markread(struct session *s, const struct irc_msg *m)
{
	int64_t ms;
	int r, k;

	if (m->nparams < 2 || (ms = ref_time(m->params[1])) == -2)
		return;
	for (k = 0; k < s->nwaitq; k++) {
		if (irc_casecmp(s->waitq[k], m->params[0]) != 0)
			continue;
		/* a conversation with lines after the marker: open it */
		if (s->waitq_ms[k] > ms &&
		    model_find(s->m, m->params[0]) <= 0 &&
		    (r = room_of(s, m->params[0], ROOM_QUERY, 1)) > 0) {
			model_hist(s->m, r)->seen_ms = ms;
			if (model_hist(s->m, r)->req == HR_NONE)
				fetch_latest(s, r);
		}
		memmove(&s->waitq[k], &s->waitq[k + 1],
		    (size_t)(s->nwaitq - k - 1) * sizeof(s->waitq[0]));
		memmove(&s->waitq_ms[k], &s->waitq_ms[k + 1],
		    (size_t)(s->nwaitq - k - 1) * sizeof(s->waitq_ms[0]));
		s->nwaitq--;
		break;
	}
	if ((r = model_find(s->m, m->params[0])) <= 0)
		return;
	if (!model_hist(s->m, r)->synced)
		model_hist(s->m, r)->seen_ms = ms;	/* for the marker line */
	if (ms < 0)
		return;
	if (ms > model_hist(s->m, r)->sent_ms)
		model_hist(s->m, r)->sent_ms = ms;
	model_set_read(s->m, r, ms);
	emit(s, SEV_ROOMS, r, NULL);	/* the tab's unread count */
}

/* Room r's history came (LATEST): put the marker line before the first
 * message from someone else that the account had not read. */
static void
place_marker(struct session *s, int r)
{
	struct room_hist *h = model_hist(s->m, r);
	struct line_meta meta, mk = { 0, NULL, ML_MARKER, NULL };
	size_t k, n = model_lines(s->m, r);
	char out[128];

	model_unmark(s->m, r);
	if (h->seen_ms < 0)
		return;
	for (k = 0; k < n; k++)
		if (model_line_meta(s->m, r, k, &meta) &&
		    (meta.flags & (ML_MSG | ML_OWN)) == ML_MSG &&
		    meta.time_ms > h->seen_ms)
			break;
	if (k == n)
		return;		/* nothing new */
	mk.time_ms = h->seen_ms;
	snprintf(out, sizeof(out), "%s", MARKER_TEXT);
	model_insert(s->m, r, out, &mk, MI_HISTORY);
}

static struct batch *
batch_find(struct session *s, const char *ref)
{
	int k;

	if (ref == NULL || *ref == '\0')
		return NULL;
	for (k = 0; k < BATCHES_MAX; k++)
		if (strcmp(s->batches[k].ref, ref) == 0)
			return &s->batches[k];
	return NULL;
}

static void
hits_clear(struct session *s)
{
	size_t k;

	for (k = 0; k < s->nhits; k++)
		free(s->hits[k].text);
	s->nhits = 0;
}

static void
history_done(struct session *s, struct batch *b)
{
	int r = model_find(s->m, b->target);
	struct room_hist *h;
	long k;

	if (r <= 0)
		return;
	h = model_hist(s->m, r);
	switch (h->req) {
	case HR_NONE:		/* a batch nobody asked for (a replay) */
		break;
	case HR_LATEST:
		h->req = HR_NONE;
		h->synced = 1;
		place_marker(s, r);
		if (r == model_active(s->m))
			model_set_active(s->m, r);
		emit_line(s, SEV_RELOAD, r, -1);
		emit(s, SEV_ROOMS, r, NULL);
		if (h->jump[0] != '\0') {	/* a search result waits */
			if ((k = model_find_msgid(s->m, r, h->jump)) >= 0) {
				h->jump[0] = '\0';
				emit_line(s, SEV_JUMP, r, k);
			} else
				jump_fetch(s, r);
		}
		return;
	case HR_BEFORE:
		h->req = HR_NONE;
		if (b->lines < HIST_PAGE)
			h->complete = 1;
		emit_line(s, SEV_RELOAD, r, b->above);
		return;
	case HR_JUMP:
		if (model_find_msgid(s->m, r, h->jump) < 0) {
			h->req = HR_NONE;
			line(s, r, -1, "That message is further back than the "
			    "%zu lines this tab keeps", model_scrollback(s->m));
			h->jump[0] = '\0';
			emit_line(s, SEV_RELOAD, r, b->above);
			return;
		}
		h->req = HR_CONTEXT;	/* and a few lines above it */
		h->anchored = 1;
		sendf(s, "CHATHISTORY BEFORE %s msgid=%s %d", b->target,
		    h->jump, HIST_CONTEXT);
		return;
	case HR_CONTEXT:
		h->req = HR_NONE;
		k = model_find_msgid(s->m, r, h->jump);
		h->jump[0] = '\0';
		emit_line(s, SEV_RELOAD, r, b->above);
		if (k < 0)
			line(s, r, -1, "That message is not in the room's "
			    "history any more");
		else
			emit_line(s, SEV_JUMP, r, k);
		return;
	}
}

/* Fetch what room r needs to show the message h->jump: the lines
 * between its oldest line and the message (so the tab has no gap), or the
 * lines around it when the tab holds nothing older. */
static void
jump_fetch(struct session *s, int r)
{
	struct room_hist *h = model_hist(s->m, r);
	struct line_meta meta;
	char ts[40];
	long o = model_oldest_msgid(s->m, r);
	long room_left = (long)model_scrollback(s->m) -
	    (long)model_lines(s->m, r) -
	    HIST_CONTEXT;
	int lim = room_left > 1000 ? 1000 : (int)room_left;

	if (o >= 0 && model_line_meta(s->m, r, (size_t)o, &meta) &&
	    meta.time_ms >= h->jump_ms && lim > 0) {
		iso_time(ts, sizeof(ts), h->jump_ms - 1);
		h->req = HR_JUMP;
		sendf(s, "CHATHISTORY BETWEEN %s msgid=%s timestamp=%s %d",
		    room_target(s, r), meta.msgid, ts, lim);
		return;
	}
	h->req = HR_CONTEXT;
	h->anchored = 0;
	sendf(s, "CHATHISTORY AROUND %s msgid=%s %d", room_target(s, r),
	    h->jump, 2 * HIST_CONTEXT + 1);
}

void
session_jump(struct session *s, size_t k)
{
	const struct hit *hit;
	struct room_hist *h;
	long at;
	int r;

	if (k >= s->nhits)
		return;
	hit = &s->hits[k];
	r = room_of(s, hit->target, is_channel(hit->target) ? ROOM_CHANNEL :
	    ROOM_QUERY, 1);
	if (r <= 0)
		return;
	activate(s, r);
	if ((at = model_find_msgid(s->m, r, hit->msgid)) >= 0) {
		emit_line(s, SEV_JUMP, r, at);
		return;
	}
	if (!history_on(s)) {
		line(s, r, -1, "Not connected: the message cannot be fetched");
		return;
	}
	h = model_hist(s->m, r);
	snprintf(h->jump, sizeof(h->jump), "%s", hit->msgid);
	h->jump_ms = hit->time_ms;
	if (h->req == HR_NONE)
		jump_fetch(s, r);
	/* else: the LATEST in flight jumps when it is done */
}

static void
value_escaped(char *out, size_t outsz, size_t *len, const char *key,
    const char *val)
{
	char esc[IRC_LINE_MAX];

	irc_tag_escape(esc, sizeof(esc), val);
	if (*len < outsz)
		*len += (size_t)snprintf(out + *len, outsz - *len, "%s%s=%s",
		    *len ? ";" : "", key, esc);
}

int
session_search_attrs(const char *query, char *out, size_t outsz)
{
	char text[IRC_LINE_MAX] = "", tok[IRC_LINE_MAX], val[64];
	const char *p = query;
	size_t len = 0, tl = 0, n;
	int any = 0;

	out[0] = '\0';
	while (*p != '\0') {
		while (*p == ' ')
			p++;
		n = strcspn(p, " ");
		if (n == 0)
			break;
		snprintf(tok, sizeof(tok), "%.*s", (int)n, p);
		p += n;
		if (strncasecmp(tok, "in:", 3) == 0 && tok[3] != '\0') {
			value_escaped(out, outsz, &len, "in", tok + 3);
			any = 1;
		} else if (strncasecmp(tok, "from:", 5) == 0 && tok[5] != '\0') {
			value_escaped(out, outsz, &len, "from", tok + 5);
			any = 1;
		} else if ((strncasecmp(tok, "after:", 6) == 0 ||
		    strncasecmp(tok, "before:", 7) == 0) &&
		    strchr(tok, ':')[1] != '\0') {
			int after = tok[0] == 'a' || tok[0] == 'A';
			const char *d = strchr(tok, ':') + 1;
			if (strlen(d) == 10 && d[4] == '-' && d[7] == '-')
				snprintf(val, sizeof(val), "%s%s", d, after ?
				    "T00:00:00.000Z" : "T23:59:59.999Z");
			else
				scopy(val, sizeof(val), d);
			value_escaped(out, outsz, &len, after ? "after" :
			    "before", val);
		} else if (tl + n + 2 < sizeof(text))
			tl += (size_t)snprintf(text + tl, sizeof(text) - tl,
			    "%s%s", tl ? " " : "", tok);
	}
	if (tl == 0 && !any) {
		snprintf(out, outsz, "Type the words to search for (and "
		    "in:#room, from:nick, after:YYYY-MM-DD, before:...)");
		return -1;
	}
	if (tl > 0)
		value_escaped(out, outsz, &len, "text", text);
	if (len < outsz)
		len += (size_t)snprintf(out + len, outsz - len, ";limit=100");
	if (len >= outsz) {
		snprintf(out, outsz, "The search is too long");
		return -1;
	}
	return 0;
}

void
session_search(struct session *s, const char *query)
{
	char attrs[IRC_LINE_MAX - 16];

	hits_clear(s);
	s->searching = 0;
	if (session_search_attrs(query, attrs, sizeof(attrs)) == -1)
		scopy(s->search_status, sizeof(s->search_status), attrs);
	else if (s->state != SS_CONNECTED)
		snprintf(s->search_status, sizeof(s->search_status),
		    "Not connected to a server");
	else if (!s->cap_search || !s->cap_batch)
		snprintf(s->search_status, sizeof(s->search_status),
		    "%s does not offer search (draft/search)", s->server);
	else {
		s->searching = 1;
		snprintf(s->search_status, sizeof(s->search_status),
		    "Searching ...");
		sendf(s, "SEARCH %s", attrs);
	}
	emit(s, SEV_SEARCH, -1, s->search_status);
}

size_t
session_hits(const struct session *s)
{
	return s->nhits;
}

int
session_hit(const struct session *s, size_t k, struct search_hit *h)
{
	if (k >= s->nhits)
		return 0;
	h->target = s->hits[k].target;
	h->time_ms = s->hits[k].time_ms;
	h->msgid = s->hits[k].msgid;
	h->text = s->hits[k].text;
	return 1;
}

const char *
session_search_status(const struct session *s)
{
	return s->search_status;
}

/* --- connection life ------------------------------------------------------- */

void
session_connecting(struct session *s, const char *server, const char *nick,
    const char *room)
{
	int i;

	snprintf(s->server, sizeof(s->server), "%s", server);
	snprintf(s->nick, sizeof(s->nick), "%s", nick);
	snprintf(s->nick_first, sizeof(s->nick_first), "%s", nick);
	s->alt_at = 0;
	/* "#a #b,#c": the first is the room shown, the rest join with it */
	room += strspn(room, " ,");
	snprintf(s->room, sizeof(s->room), "%.*s", (int)strcspn(room, " ,"),
	    room);
	room += strcspn(room, " ,");
	room += strspn(room, " ,");
	snprintf(s->more_rooms, sizeof(s->more_rooms), "%s", room);
	linebuf_free(&s->in);
	linebuf_init(&s->in, IRC_WIRE_MAX);
	s->cap_time = s->cap_echo = s->cap_ended = 0;
	s->cap_batch = s->cap_tags = s->cap_history = s->cap_marker = 0;
	s->cap_search = s->logged_in = 0;
	memset(s->batches, 0, sizeof(s->batches));
	s->nwaitq = 0;
	s->ntypers = 0;
	s->typed_in[0] = '\0';
	s->joined_room_once = 0;
	s->nick_tries = s->nick_asked = 0;
	s->names_asked = 0;
	s->caps_seen[0] = '\0';
	s->sasl_on = 0;
	s->sasl_inlen = 0;
	s->reconnect = 0;
	for (i = 1; i < model_count(s->m); i++) {
		struct room_hist *h = model_hist(s->m, i);
		model_set_joined(s->m, i, 0);
		h->req = HR_NONE;
		h->synced = 0;
		h->jump[0] = '\0';
	}
	model_set_server_name(s->m, server);
	emit(s, SEV_ROOMS, 0, NULL);
	line(s, 0, -1, "Connecting to %s as %s ...", server, nick);
	set_state(s, SS_CONNECTING);
}

void
session_connected(struct session *s)
{
	s->last_rx_ms = s->h.now_ms(s->ud);
	s->active_ms = s->last_rx_ms;	/* idle counts from the link */
	s->away = 0;
	s->ping_ms = 0;
	set_state(s, SS_REGISTERING);
	sendf(s, "CAP LS 302");
	if (s->password[0] != '\0')
		sendf(s, "PASS %s", s->password);
	sendf(s, "NICK %s", s->nick);
	sendf(s, "USER %s 0 * :KEO Chat user", s->nick);
}

void
session_connect_failed(struct session *s, const char *why)
{
	line(s, model_active(s->m), -1, "Could not connect to %s: %s",
	    s->server, why);
	s->reconnect = s->attempts > 0;	/* keep retrying a lost link */
	set_state(s, SS_DISCONNECTED);
}

void
session_closed(struct session *s, int by_user, const char *why)
{
	int i, was = s->state;

	for (i = 1; i < model_count(s->m); i++) {
		model_set_joined(s->m, i, 0);
		model_roster_clear(s->m, i);
		emit(s, SEV_ROSTER, i, NULL);
	}
	if (by_user)
		line(s, model_active(s->m), -1, "You disconnected");
	else
		line(s, model_active(s->m), -1, "Connection to %s lost: %s",
		    s->server, why);
	s->reconnect = !by_user && was >= SS_REGISTERING &&
	    !(was == SS_REGISTERING && s->nick_asked);
	if (!by_user && was == SS_REGISTERING && s->nick_asked)
		line(s, model_active(s->m), -1, "Not reconnecting: the name %s "
		    "cannot be used there. Type another name and press Connect.",
		    s->nick);
	if (by_user)
		s->attempts = 0;
	set_state(s, SS_DISCONNECTED);
}

int
session_reconnect_delay(struct session *s)
{
	int d;

	if (!s->reconnect || s->state != SS_DISCONNECTED)
		return -1;
	s->reconnect = 0;
	d = 1000 << (s->attempts < 6 ? s->attempts : 6);	/* 1 s .. 64 s */
	if (d > 60000)
		d = 60000;
	s->attempts++;
	return d;
}

void
session_retry_nick(struct session *s, const char *nick)
{
	if (s->state != SS_REGISTERING)
		return;
	snprintf(s->nick, sizeof(s->nick), "%s", nick);
	s->nick_asked = 0;
	s->nick_tries = NICK_TRIES;	/* the user's choice: ask again */
	sendf(s, "NICK %s", nick);
	line(s, 0, -1, "Trying the name %s ...", nick);
}

void
session_tick(struct session *s)
{
	int64_t now = s->h.now_ms(s->ud);
	int i;

	if (s->state < SS_REGISTERING)
		return;
	for (i = 1; i < model_count(s->m); i++)
		mark_flush(s, i);
	if (s->state == SS_CONNECTED && s->auto_away_ms > 0 &&
	    s->away_text[0] == '\0' && s->active_ms != 0 &&
	    now - s->active_ms >= s->auto_away_ms) {
		snprintf(s->away_text, sizeof(s->away_text), "%s",
		    s->auto_away_text);
		s->away_auto = 1;
		line(s, 0, -1, "Idle for %lld minutes: marked away (typing "
		    "anything ends it)", (long long)(s->auto_away_ms / 60000));
		sendf(s, "AWAY :%s", s->away_text);
	}
	for (i = 0; i < s->ntypers; i++)
		if (s->typers[i].until_ms <= now) {
			s->typers[i--] = s->typers[--s->ntypers];
			emit(s, SEV_STATE, -1, NULL);
		}
	if (s->ping_ms == 0 && now - s->last_rx_ms > KEEPALIVE_MS) {
		sendf(s, "PING :keochat-%lld", (long long)now);
		s->ping_ms = now;
	} else if (s->ping_ms != 0 && now - s->ping_ms > PING_WAIT_MS) {
		s->ping_ms = 0;
		s->h.close(s->ud, "the server stopped answering (ping "
		    "timeout)");
	}
}

void
session_input(struct session *s, const char *p, size_t n)
{
	struct lb_line l;
	enum linebuf_res r;

	s->last_rx_ms = s->h.now_ms(s->ud);
	s->ping_ms = 0;
	if (linebuf_append(&s->in, p, n) == -1)
		abort();
	while ((r = linebuf_next(&s->in, &l)) != LB_NONE) {
		if (r == LB_TOO_LONG || (l.flags & LB_NUL))
			continue;
		handle_line(s, l.s, l.len);
		if (s->state == SS_DISCONNECTED)
			break;	/* closed from inside a handler */
	}
}

/* --- incoming messages ------------------------------------------------------ */

struct in {
	struct irc_msg	 m;
	char		 nick[NICK_MAX + 1];	/* source nick */
	char		 uh[USER_MAX + HOST_MAX + 2];
	int64_t		 when;
	int		 me;			/* from us */
};

static const char *
last(const struct irc_msg *m)
{
	return m->nparams > 0 ? m->params[m->nparams - 1] : "";
}

static void
strip_prefix(struct session *s, const char **nick)
{
	while (**nick != '\0' && strchr(s->prefixes, **nick) != NULL)
		(*nick)++;
}

/* The value of cap name in what CAP LS said ("" when it has none), or
 * NULL when it was not offered. */
static const char *
cap_value(struct session *s, const char *name, char *buf, size_t bufsz)
{
	char key[64];
	const char *p;
	size_t n;

	snprintf(key, sizeof(key), " %s", name);
	for (p = s->caps_seen; (p = strstr(p, key)) != NULL; p += strlen(key)) {
		n = strlen(key);
		if (p[n] == ' ' || p[n] == '\0') {
			buf[0] = '\0';
			return buf;
		}
		if (p[n] == '=') {
			n++;
			snprintf(buf, bufsz, "%.*s", (int)strcspn(p + n, " "),
			    p + n);
			return buf;
		}
	}
	return NULL;
}

static void
cap_end(struct session *s)
{
	if (!s->cap_ended && s->state == SS_REGISTERING) {
		s->cap_ended = 1;
		sendf(s, "CAP END");
	}
}

/* sts: "port=6697,duration=2592000" -> the port and the duration. */
static void
on_sts(struct session *s, const char *v)
{
	char text[64];
	long port = 0, dur = -1;
	const char *p;

	if ((p = strstr(v, "port=")) != NULL)
		port = strtol(p + 5, NULL, 10);
	if ((p = strstr(v, "duration=")) != NULL)
		dur = strtol(p + 9, NULL, 10);
	if (!s->secure && (port <= 0 || port > 65535))
		return;
	snprintf(text, sizeof(text), "%ld %ld", port, dur);
	emit(s, SEV_STS, 0, text);
}

/* Is w one of the space-separated words of list? */
static int
has_word(const char *list, const char *w)
{
	size_t n = strlen(w);
	const char *p;

	for (p = list; (p = strstr(p, w)) != NULL; p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' ||
		    p[n] == '\0'))
			return 1;
	return 0;
}

static void
on_cap(struct session *s, struct in *in)
{
	const struct irc_msg *m = &in->m;
	const char *sub = m->nparams > 1 ? m->params[1] : "";
	static const char *const wanted[] = { "server-time", "echo-message",
		"batch", "message-tags", "draft/chathistory",
		"draft/read-marker", "draft/search", "away-notify" };
	char req[256] = "", val[256];
	size_t k;

	if (strcasecmp(sub, "LS") == 0) {
		int more = m->nparams > 3 && strcmp(m->params[2], "*") == 0;
		k = strlen(s->caps_seen);
		snprintf(s->caps_seen + k, sizeof(s->caps_seen) - k, " %s ",
		    last(m));
		if (more || s->cap_ended)
			return;
		if (cap_value(s, "sts", val, sizeof(val)) != NULL) {
			on_sts(s, val);
			if (!s->secure)
				return;		/* the host reconnects with TLS */
		}
		for (k = 0; k < sizeof(wanted) / sizeof(wanted[0]); k++)
			if (cap_value(s, wanted[k], val, sizeof(val)) != NULL)
				snprintf(req + strlen(req), sizeof(req) -
				    strlen(req), "%s%s", req[0] ? " " : "",
				    wanted[k]);
		if (s->account[0] != '\0' && (s->sasl_pw[0] != '\0' ||
		    s->have_cert) && cap_value(s, "sasl", val, sizeof(val)))
			snprintf(req + strlen(req), sizeof(req) - strlen(req),
			    "%ssasl", req[0] ? " " : "");
		else if (s->account[0] != '\0')
			line(s, 0, -1, "The server does not offer SASL: not "
			    "logging in as %s.", s->account);
		if (req[0] != '\0') {
			sendf(s, "CAP REQ :%s", req);
			return;
		}
	} else if (strcasecmp(sub, "ACK") == 0) {
		const char *mech, *acked = last(m);
		s->cap_time |= has_word(acked, "server-time");
		s->cap_echo |= has_word(acked, "echo-message");
		s->cap_batch |= has_word(acked, "batch");
		s->cap_tags |= has_word(acked, "message-tags");
		s->cap_history |= has_word(acked, "draft/chathistory");
		s->cap_marker |= has_word(acked, "draft/read-marker");
		s->cap_search |= has_word(acked, "draft/search");
		if (has_word(acked, "sasl") && (mech = sasl_client_begin(
		    &s->sasl, cap_value(s, "sasl", val, sizeof(val)) ? val :
		    "", s->account, s->sasl_pw, s->have_cert)) != NULL) {
			s->sasl_on = 1;
			s->sasl_inlen = 0;
			sendf(s, "AUTHENTICATE %s", mech);
			return;		/* CAP END after 903/904 */
		}
	} else if (strcasecmp(sub, "NAK") != 0)
		return;
	cap_end(s);
}

/* Our answer, base64 in 400-byte AUTHENTICATE lines. */
static void
sasl_answer(struct session *s, const char *p, size_t n)
{
	char b64[2048];
	size_t len, off;

	if (n == 0) {
		sendf(s, "AUTHENTICATE +");
		return;
	}
	len = sasl_b64((const uint8_t *)p, n, b64, sizeof(b64));
	for (off = 0; off < len; off += 400)
		sendf(s, "AUTHENTICATE %.*s", (int)(len - off < 400 ? len - off :
		    400), b64 + off);
	if (len % 400 == 0)
		sendf(s, "AUTHENTICATE +");
}

static void
sasl_done(struct session *s, const char *what)
{
	if (what != NULL)
		line(s, 0, -1, "%s", what);
	s->sasl_on = 0;
	sasl_client_end(&s->sasl);
	cap_end(s);
}

static void
on_authenticate(struct session *s, struct in *in)
{
	const char *arg = last(&in->m);
	uint8_t data[1536];
	char out[1024];
	size_t n = strlen(arg), outlen;
	int k;

	if (!s->sasl_on)
		return;
	if (strcmp(arg, "+") != 0) {
		if (s->sasl_inlen + n >= sizeof(s->sasl_in)) {
			sendf(s, "AUTHENTICATE *");
			sasl_done(s, "Login failed: the server's answer is too "
			    "long");
			return;
		}
		memcpy(s->sasl_in + s->sasl_inlen, arg, n);
		s->sasl_inlen += n;
		if (n == 400)
			return;		/* more follows */
	}
	k = sasl_unb64(s->sasl_in, s->sasl_inlen, data, sizeof(data) - 1);
	s->sasl_inlen = 0;
	if (k < 0 || sasl_client_step(&s->sasl, data, (size_t)k, out,
	    sizeof(out), &outlen) == -1) {
		sendf(s, "AUTHENTICATE *");
		sasl_done(s, k < 0 ? "Login failed: the server sent bad "
		    "base64" : "Login failed: the server could not prove it "
		    "knows the account (SCRAM)");
		return;
	}
	sasl_answer(s, out, outlen);
	OPENSSL_cleanse(out, sizeof(out));
}

static void
on_welcome(struct session *s, struct in *in)
{
	if (in->m.nparams > 0 && in->m.params[0][0] != '\0')
		snprintf(s->nick, sizeof(s->nick), "%s", in->m.params[0]);
	s->attempts = 0;
	set_state(s, SS_CONNECTED);
	line(s, 0, in->when, "You connected");
	line(s, 0, in->when, "%s", last(&in->m));
}

static void
on_isupport(struct session *s, struct in *in)
{
	size_t i;
	const char *p, *close;

	for (i = 1; i + 1 < in->m.nparams; i++) {
		if (strncmp(in->m.params[i], "CHANMODES=", 10) == 0) {
			scopy(s->chanmodes, sizeof(s->chanmodes),
			    in->m.params[i] + 10);
			continue;
		}
		if (strncmp(in->m.params[i], "PREFIX=(", 8) != 0)
			continue;
		p = in->m.params[i] + 8;
		if ((close = strchr(p, ')')) != NULL &&
		    (size_t)(close - p) == strlen(close + 1) &&
		    (size_t)(close - p) < sizeof(s->pmodes)) {
			snprintf(s->pmodes, sizeof(s->pmodes), "%.*s",
			    (int)(close - p), p);
			scopy(s->prefixes, sizeof(s->prefixes), close + 1);
		}
	}
}

/* Logged in with history: which conversations have lines we have not
 * read (messages that waited for us)?  Their markers answer. */
static void list_add(struct session *s, const char *name,
    const char *users, const char *topic);
static void list_end(struct session *s);
static void
event_line(struct session *s, int r, int64_t when, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void user_active(struct session *s);

static void
ask_targets(struct session *s)
{
	char from[40], to[40];
	int64_t now = s->h.now_ms(s->ud);

	if (!s->logged_in || !history_on(s) || !s->cap_marker)
		return;
	iso_time(from, sizeof(from), now - (int64_t)HIST_TARGETS_DAYS *
	    86400000);
	iso_time(to, sizeof(to), now + 60000);
	sendf(s, "CHATHISTORY TARGETS timestamp=%s timestamp=%s %d", from, to,
	    WAITQ_MAX);
}

/* After the MOTD: join the room asked for, and every room tab we were in
 * before the link went (a reconnect, or Disconnect and Connect), in JOIN
 * lines that fit, the rooms the server put us in already left out. */
static void
end_of_motd(struct session *s)
{
	char list[IRC_LINE_MAX - 16];
	const char *p;
	size_t len = 0;
	int i, r;

	if (s->joined_room_once)
		return;
	ask_targets(s);
	s->joined_room_once = 1;
	if (s->away_text[0] != '\0')	/* still away, on the new link too */
		sendf(s, "AWAY :%s", s->away_text);
	list[0] = '\0';
	if (s->room[0] != '\0' && ((r = model_find(s->m, s->room)) <= 0 ||
	    !model_roster_has(s->m, r, s->nick))) {
		if (r > 0)
			model_set_wanted(s->m, r, 0);	/* joined below */
		len = (size_t)snprintf(list, sizeof(list), "%s", s->room);
	}
	for (p = s->more_rooms; *p != '\0'; p += strspn(p, " ,")) {
		char one[CHAN_MAX + 1];
		size_t n = strcspn(p, " ,");

		if (n == 0)
			continue;
		snprintf(one, sizeof(one), "%.*s", (int)n, p);
		p += n;
		if (chan_check(one) != NAME_OK || irc_casecmp(one, s->room) ==
		    0)
			continue;
		if ((r = model_find(s->m, one)) > 0) {
			model_set_wanted(s->m, r, 1);	/* joined below */
			continue;
		}
		if (len + strlen(one) + 2 > sizeof(list)) {
			sendf(s, "JOIN %s", list);
			len = 0;
		}
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
		    len ? "," : "", one);
	}
	for (i = 1; i < model_count(s->m); i++) {
		struct room_view v;
		model_view(s->m, i, &v);
		if (v.kind != ROOM_CHANNEL || !v.wanted || v.joined)
			continue;
		if (len + strlen(v.name) + 2 > sizeof(list)) {
			sendf(s, "JOIN %s", list);
			len = 0;
		}
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
		    len ? "," : "", v.name);
	}
	if (len > 0)
		sendf(s, "JOIN %s", list);
}

static void
on_join(struct session *s, struct in *in)
{
	const char *chan = in->m.nparams > 0 ? in->m.params[0] : "";
	int r, fresh, asked;

	if (!is_channel(chan))
		return;
	fresh = model_find(s->m, chan) <= 0;
	r = room_of(s, chan, ROOM_CHANNEL, in->me);
	if (r <= 0)
		return;
	if (in->me) {
		model_set_joined(s->m, r, 1);
		model_set_wanted(s->m, r, 1);
		model_roster_clear(s->m, r);
		model_roster_add(s->m, r, s->nick);
		s->fresh[r] = 1;
		model_hist(s->m, r)->seen_ms = -1;
		line(s, r, in->when, "You joined %s", chan);
		/* shown: a room the user just asked for, or the first room
		 * of the first connect; the other rooms of a network, and
		 * rejoins after a reconnect, leave the view alone */
		asked = irc_casecmp(chan, s->show_join) == 0;
		if (asked || (fresh && irc_casecmp(chan, s->room) == 0)) {
			if (asked)
				emit(s, SEV_JOINED, r, chan);
			s->show_join[0] = '\0';
			activate(s, r);
		}
		fetch_latest(s, r);
		sendf(s, "MODE %s", chan);	/* for the topic bar, quietly */
	} else {
		model_roster_add(s->m, r, in->nick);
		if (irc_casecmp(chan, s->room) == 0)
			event_line(s, r, in->when, "%s connected", in->nick);
		else
			event_line(s, r, in->when, "%s joined %s", in->nick,
			    chan);
	}
	emit(s, SEV_ROSTER, r, NULL);
}

static void
on_part(struct session *s, struct in *in)
{
	const char *chan = in->m.nparams > 0 ? in->m.params[0] : "";
	const char *why = in->m.nparams > 1 ? in->m.params[1] : "";
	int r = model_find(s->m, chan);

	if (r <= 0)
		return;
	if (in->me) {
		model_set_joined(s->m, r, 0);
		model_set_wanted(s->m, r, 0);
		model_roster_clear(s->m, r);
		line(s, r, in->when, "You left %s", chan);
	} else {
		model_roster_remove(s->m, r, in->nick);
		event_line(s, r, in->when, "%s left %s%s%s%s", in->nick, chan,
		    *why ? " (" : "", why, *why ? ")" : "");
	}
	emit(s, SEV_ROSTER, r, NULL);
}

static void
on_quit(struct session *s, struct in *in)
{
	const char *why = last(&in->m);
	int i;

	typer_drop(s, in->nick, "");
	model_set_away(s->m, in->nick, 0);
	for (i = 1; i < model_count(s->m); i++) {
		struct room_view v;
		model_view(s->m, i, &v);
		if (model_roster_remove(s->m, i, in->nick)) {
			event_line(s, i, in->when, "%s disconnected (%s)",
			    in->nick, *why ? why : "quit");
			emit(s, SEV_ROSTER, i, NULL);
		} else if (v.kind == ROOM_QUERY &&
		    irc_casecmp(v.name, in->nick) == 0)
			line(s, i, in->when, "%s disconnected (%s)", in->nick,
			    *why ? why : "quit");
	}
}

static void
on_nick(struct session *s, struct in *in)
{
	const char *to = last(&in->m);
	int i;

	if (in->me) {
		snprintf(s->nick, sizeof(s->nick), "%s", to);
		line(s, 0, in->when, "You are now known as %s", to);
		emit(s, SEV_STATE, -1, NULL);
	}
	for (i = 1; i < model_count(s->m); i++) {
		struct room_view v;
		model_view(s->m, i, &v);
		if (v.kind == ROOM_QUERY && irc_casecmp(v.name, in->nick) == 0) {
			model_rename(s->m, i, to);
			emit(s, SEV_ROOMS, i, NULL);
		}
		if (model_roster_rename(s->m, i, in->nick, to)) {
			if (in->me)
				line(s, i, in->when, "You are now known as %s",
				    to);
			else
				line(s, i, in->when, "%s is now known as %s",
				    in->nick, to);
			emit(s, SEV_ROSTER, i, NULL);
		}
	}
}

/* A CTCP request to us (other than ACTION): answer VERSION and PING. */
static void
ctcp(struct session *s, struct in *in, const char *body)
{
	char cmd[32];
	const char *arg = strchr(body, ' ');
	size_t n = strcspn(body, " \001");

	snprintf(cmd, sizeof(cmd), "%.*s", (int)(n < 31 ? n : 31), body);
	if (strcmp(cmd, "VERSION") == 0)
		sendf(s, "NOTICE %s :\001VERSION KEO Chat (keochat %s, Motif)\001",
		    in->nick, PACKAGE_VERSION);
	else if (strcmp(cmd, "PING") == 0 && arg != NULL)
		sendf(s, "NOTICE %s :\001PING %.*s\001", in->nick,
		    (int)strcspn(arg + 1, "\001"), arg + 1);
}

static void
on_message(struct session *s, struct in *in, int notice)
{
	const char *target = in->m.nparams > 0 ? in->m.params[0] : "";
	const char *text = last(&in->m);
	char body[IRC_WIRE_MAX];
	int r, action = 0;
	unsigned fl = ML_MSG;
	const char *peer;

	if (in->m.nparams < 2)
		return;
	snprintf(body, sizeof(body), "%s", text);
	if (body[0] == '\001') {
		size_t n = strlen(body);
		if (n > 1 && body[n - 1] == '\001')
			body[n - 1] = '\0';
		if (strncmp(body + 1, "ACTION ", 7) == 0) {
			memmove(body, body + 8, strlen(body + 8) + 1);
			action = 1;
		} else {
			if (!notice && !in->me && s->cur == NULL)
				ctcp(s, in, body + 1);
			return;
		}
	}
	if (in->nick[0] == '\0' || strchr(in->nick, '.') != NULL) {
		/* from the server itself */
		line(s, 0, in->when, "-%s- %s", in->nick[0] ? in->nick :
		    s->server, body);
		return;
	}
	if (is_channel(target))
		r = room_of(s, target, ROOM_CHANNEL, 0);
	else {
		peer = in->me ? target : in->nick;
		r = notice && model_find(s->m, peer) <= 0 ?
		    model_active(s->m) : room_of(s, peer, ROOM_QUERY, 1);
	}
	if (r < 0)
		r = 0;
	if (s->cur == NULL && !in->me && typer_drop(s, in->nick,
	    is_channel(target) ? target : in->nick))
		emit(s, SEV_STATE, -1, NULL);
	if (!in->me && r > 0)
		model_spoke(s->m, r, in->nick);		/* Tab offers it first */
	if (in->me)
		fl |= ML_OWN;
	else if (mentions(body, s->nick) || !is_channel(target))
		fl |= ML_HIGHLIGHT;
	if (action)
		mline(s, r, in->when, fl, "* %s %s", in->nick, body);
	else if (notice)
		mline(s, r, in->when, fl, "-%s- %s", in->nick, body);
	else
		mline(s, r, in->when, fl, "<%s> %s", in->nick, body);
}

static void
on_topic(struct session *s, struct in *in)
{
	const char *chan = in->m.nparams > 0 ? in->m.params[0] : "";
	int r = model_find(s->m, chan);

	if (r <= 0)
		return;
	model_set_topic(s->m, r, last(&in->m));
	line(s, r, in->when, "%s changed the topic to: %s", in->nick,
	    last(&in->m));
	emit(s, SEV_ROOMS, r, NULL);
}

/* 353: names arrive; the first batch after our JOIN replaces the roster. */
static void
on_names(struct session *s, struct in *in)
{
	char buf[IRC_LINE_MAX], *tok, *save = NULL;
	const char *nick;
	int r;

	if (in->m.nparams < 4)
		return;
	r = model_find(s->m, in->m.params[2]);
	if (r <= 0)
		return;
	if (s->fresh[r] == 1) {
		model_roster_clear(s->m, r);
		s->fresh[r] = 2;
	}
	snprintf(buf, sizeof(buf), "%s", last(&in->m));
	for (tok = strtok_r(buf, " ", &save); tok != NULL;
	    tok = strtok_r(NULL, " ", &save)) {
		char pfx[8];
		size_t np;
		nick = tok;
		strip_prefix(s, &nick);
		np = (size_t)(nick - tok) < sizeof(pfx) ? (size_t)(nick - tok) :
		    sizeof(pfx) - 1;
		memcpy(pfx, tok, np);
		pfx[np] = '\0';
		tok[strcspn(tok, "!")] = '\0';	/* userhost-in-names */
		if (*nick != '\0') {
			model_roster_add(s->m, r, nick);
			model_roster_set_prefix(s->m, r, nick, pfx);
		}
	}
}

static void
on_end_of_names(struct session *s, struct in *in)
{
	size_t k, n;
	int r;

	if (in->m.nparams < 2)
		return;
	r = model_find(s->m, in->m.params[1]);
	if (r <= 0)
		return;
	n = model_roster_count(s->m, r);
	if (s->fresh[r] != 0) {
		s->fresh[r] = 0;
		for (k = 0; k < n; k++)
			line(s, r, in->when, "Active: %s",
			    model_roster_nick(s->m, r, k));
	} else if (s->names_asked) {
		char list[IRC_WIRE_MAX] = "";
		size_t len = 0;
		for (k = 0; k < n && len < sizeof(list) - NICK_MAX - 2; k++)
			len += (size_t)snprintf(list + len, sizeof(list) - len,
			    "%s%s", k ? " " : "", model_roster_nick(s->m, r, k));
		line(s, r, in->when, "Users in %s (%zu): %s", in->m.params[1],
		    n, list);
	}
	s->names_asked = 0;
	emit(s, SEV_ROSTER, r, NULL);
}

/* The params between our nick and the trailing text, joined by spaces. */
static void
middle(const struct irc_msg *m, char *out, size_t outsz)
{
	size_t i, n = 0;

	out[0] = '\0';
	for (i = 1; i + 1 < m->nparams && n < outsz; i++)
		n += (size_t)snprintf(out + n, outsz - n, "%s%s", n ? " " : "",
		    m->params[i]);
}

static void
on_numeric(struct session *s, struct in *in, int num)
{
	const struct irc_msg *m = &in->m;
	int act = model_active(s->m);
	char mid[IRC_LINE_MAX];
	int r;

	middle(m, mid, sizeof(mid));
	switch (num) {
	case 1:
		on_welcome(s, in);
		return;
	case 5:
		on_isupport(s, in);
		return;
	case 4: case 250: case 252: case 265: case 266:
		return;		/* server internals nobody reads */
	case 2: case 3: case 251: case 253: case 254: case 255: case 372:
	case 375:
		line(s, 0, in->when, "%s%s%s", mid, *mid ? " " : "", last(m));
		return;
	case 376: case 422:
		if (num == 422)
			line(s, 0, in->when, "%s", last(m));
		end_of_motd(s);
		return;
	case 332:
		if (m->nparams >= 3 && (r = model_find(s->m, m->params[1])) > 0) {
			model_set_topic(s->m, r, last(m));
			line(s, r, in->when, "Topic: %s", last(m));
			emit(s, SEV_ROOMS, r, NULL);
		}
		return;
	case 333: case 329:
		return;
	case 353:
		on_names(s, in);
		return;
	case 366:
		on_end_of_names(s, in);
		return;
	case 301:
		line(s, act, in->when, "%s is away: %s", m->params[1], last(m));
		return;
	case 305: case 306:
		s->away = num == 306;
		line(s, act, in->when, "%s", last(m));
		emit(s, SEV_STATE, -1, NULL);
		return;
	case 311:
		if (m->nparams >= 6)
			line(s, act, in->when, "%s is %s@%s (%s)", m->params[1],
			    m->params[2], m->params[3], last(m));
		return;
	case 312:
		if (m->nparams >= 4)
			line(s, act, in->when, "%s is connected to %s (%s)",
			    m->params[1], m->params[2], last(m));
		return;
	case 317:
		if (m->nparams >= 4)
			line(s, act, in->when, "%s has been idle %s seconds",
			    m->params[1], m->params[2]);
		return;
	case 319:
		line(s, act, in->when, "%s is on %s", m->params[1], last(m));
		return;
	case 318: case 315: case 369: case 321:
		return;
	case 323:
		if (s->listing)
			list_end(s);
		return;
	case 331:
		line(s, act, in->when, "%s: no topic is set", mid);
		return;
	case 324:
		r = m->nparams >= 3 ? model_find(s->m, m->params[1]) : -1;
		if (r > 0)
			model_set_modes(s->m, r, m->params[2]);
		if (r > 0)
			emit(s, SEV_ROOMS, r, NULL);
		if (!s->modes_asked)
			return;		/* asked on joining: the bar shows it */
		s->modes_asked = 0;
		line(s, r > 0 ? r : act, in->when, "Modes of %s%s%s", mid,
		    *mid ? " " : "", last(m));
		return;
	case 322:
		if (s->listing && m->nparams >= 3)
			list_add(s, m->params[1], m->params[2], m->nparams >= 4 ?
			    last(m) : "");
		else
			line(s, act, in->when, "%s: %s", mid, last(m));
		return;
	case 432: case 433: case 436: case 437:
		if (s->state == SS_REGISTERING && num != 432 &&
		    next_alternate(s)) {
			line(s, 0, in->when, "The name %s is taken (%s): trying "
			    "%s ...", mid, last(m), s->nick);
			sendf(s, "NICK %s", s->nick);
		} else if (s->state == SS_REGISTERING && num != 432 &&
		    s->nick_tries < NICK_TRIES &&
		    strlen(s->nick) + 1 < sizeof(s->nick)) {
			/* taken: try name_, name__, name___ by ourselves */
			size_t nl = strlen(s->nick);
			s->nick_tries++;
			line(s, 0, in->when, "The name %s is taken (%s): trying "
			    "%s_ ...", s->nick, last(m), s->nick);
			s->nick[nl] = '_';	/* fits: checked above */
			s->nick[nl + 1] = '\0';
			sendf(s, "NICK %s", s->nick);
		} else if (s->state == SS_REGISTERING) {
			line(s, 0, in->when, "The name %s cannot be used: %s. "
			    "Type another name and press Connect (or /nick "
			    "NAME).", mid, last(m));
			s->nick_asked = 1;
			emit(s, SEV_NICK_REJECTED, 0, NULL);
		} else
			line(s, act, in->when, "Cannot change name to %s: %s",
			    mid, last(m));
		return;
	case 900:
		s->logged_in = 1;
		if (m->nparams >= 3)
			line(s, 0, in->when, "Logged in as %s", m->params[2]);
		return;
	case 901:
		s->logged_in = 0;
		line(s, 0, in->when, "%s", last(m));
		return;
	case 903:
		if (s->sasl_on)
			sasl_done(s, NULL);
		return;
	case 902: case 904: case 905: case 906: case 907:
		if (s->sasl_on || num == 904) {
			char why[IRC_LINE_MAX];
			snprintf(why, sizeof(why), "Login as %s failed: %s",
			    s->account, last(m));
			sasl_done(s, why);
		}
		return;
	case 908:
		return;
	case 464:
		line(s, act, in->when, "The server needs a password (%s): type "
		    "/password WORD, then connect again.", last(m));
		return;
	case 465:
		line(s, act, in->when, "You are banned from this server: %s",
		    last(m));
		return;
	}
	if (num >= 400 && num < 600)
		line(s, act, in->when, "Error: %s%s%s", mid, *mid ? ": " : "",
		    last(m));
	else
		line(s, 0, in->when, "%s%s%s", mid, *mid ? " " : "", last(m));
}

/* BATCH +ref type [params] / BATCH -ref */
static void
on_batch(struct session *s, const struct irc_msg *m)
{
	const char *ref = m->nparams > 0 ? m->params[0] : "";
	struct batch *b;
	int k;

	if (ref[0] == '+' && m->nparams >= 2) {
		for (k = 0; k < BATCHES_MAX && s->batches[k].ref[0]; k++)
			;
		if (k == BATCHES_MAX || strlen(ref + 1) >= sizeof(b->ref))
			return;		/* its lines count as live ones */
		b = &s->batches[k];
		memset(b, 0, sizeof(*b));
		snprintf(b->ref, sizeof(b->ref), "%s", ref + 1);
		if (strcmp(m->params[1], "chathistory") == 0 &&
		    m->nparams >= 3) {
			b->kind = BK_HISTORY;
			snprintf(b->target, sizeof(b->target), "%s",
			    m->params[2]);
		} else if (strcmp(m->params[1], "draft/chathistory-targets") ==
		    0)
			b->kind = BK_TARGETS;
		else if (strcmp(m->params[1], "draft/search") == 0)
			b->kind = BK_SEARCH;
		else
			b->kind = BK_OTHER;
		return;
	}
	if (ref[0] != '-' || (b = batch_find(s, ref + 1)) == NULL)
		return;
	if (b->kind == BK_HISTORY)
		history_done(s, b);
	else if (b->kind == BK_SEARCH && s->searching) {
		s->searching = 0;
		if (s->nhits == 0)
			snprintf(s->search_status, sizeof(s->search_status),
			    "Nothing found");
		else
			snprintf(s->search_status, sizeof(s->search_status),
			    "%zu message%s found%s", s->nhits, s->nhits == 1 ?
			    "" : "s", s->nhits == HITS_MAX ? " (the newest)" :
			    "");
		emit(s, SEV_SEARCH, -1, s->search_status);
	}
	b->ref[0] = '\0';
}

/* A PRIVMSG or NOTICE of a draft/search batch: one result. */
static void
on_hit(struct session *s, struct in *in)
{
	const struct irc_msg *m = &in->m;
	char body[IRC_WIRE_MAX], text[IRC_WIRE_MAX + NICK_MAX + 8];
	const char *msgid = irc_msg_tag(m, "msgid"), *target;
	struct hit *h;

	if (m->nparams < 2 || msgid == NULL || in->when < 0 ||
	    s->nhits == HITS_MAX || strlen(msgid) >= sizeof(h->msgid))
		return;
	if (s->nhits % 64 == 0 && (h = realloc(s->hits, (s->nhits + 64) *
	    sizeof(*h))) != NULL)
		s->hits = h;
	else if (s->nhits % 64 == 0)
		return;
	target = is_channel(m->params[0]) || in->me ? m->params[0] : in->nick;
	h = &s->hits[s->nhits];
	scopy(h->target, sizeof(h->target), target);
	scopy(h->msgid, sizeof(h->msgid), msgid);
	h->time_ms = in->when;
	snprintf(body, sizeof(body), "%s", last(m));
	if (strncmp(body, "\001ACTION ", 8) == 0) {
		body[strcspn(body + 1, "\001") + 1] = '\0';
		snprintf(text, sizeof(text), "* %s %s", in->nick, body + 8);
	} else
		snprintf(text, sizeof(text), "<%s> %s", in->nick, body);
	clean_text(body, sizeof(body), text);
	if ((h->text = strdup(body)) == NULL)
		return;
	s->nhits++;
}

/* ":server CHATHISTORY TARGETS target timestamp": a conversation with
 * lines since then; its read marker says whether they are new. */
static void
on_target(struct session *s, const struct irc_msg *m)
{
	int64_t ms;

	if (m->nparams < 3 || strcasecmp(m->params[0], "TARGETS") != 0 ||
	    is_channel(m->params[1]) || (ms = ref_time(m->params[2])) < 0 ||
	    s->nwaitq == WAITQ_MAX ||
	    nick_check(m->params[1], NICK_MAX) != NAME_OK)
		return;
	snprintf(s->waitq[s->nwaitq], sizeof(s->waitq[0]), "%s",
	    m->params[1]);
	s->waitq_ms[s->nwaitq++] = ms;
	sendf(s, "MARKREAD %s", m->params[1]);
}

/* FAIL command code [context...] :description */
static void
on_fail(struct session *s, struct in *in)
{
	const struct irc_msg *m = &in->m;
	const char *cmd = m->nparams > 0 ? m->params[0] : "";
	int i, r = -1;
	size_t k;

	if (m->nparams < 3)
		return;
	if (strcasecmp(cmd, "SEARCH") == 0) {
		s->searching = 0;
		snprintf(s->search_status, sizeof(s->search_status),
		    "Search failed: %s", last(m));
		emit(s, SEV_SEARCH, -1, s->search_status);
		return;
	}
	for (k = 2; k + 1 < m->nparams && r <= 0; k++)
		r = model_find(s->m, m->params[k]);
	if (strcasecmp(cmd, "CHATHISTORY") == 0) {
		for (i = 1; i < model_count(s->m); i++) {
			struct room_hist *h = model_hist(s->m, i);
			if ((r > 0 && i != r) || h->req == HR_NONE)
				continue;
			h->req = HR_NONE;
			h->synced = h->complete = 1;
			h->jump[0] = '\0';
			emit_line(s, SEV_RELOAD, i, -1);
		}
	}
	line(s, r > 0 ? r : model_active(s->m), in->when, "%s failed: %s",
	    cmd, last(m));
}

/* user's prefixes in room r, with symbol sym added (on) or taken away,
 * kept in the server's order (highest first). */
static void
set_prefix(struct session *s, int r, const char *nick, char sym, int on)
{
	const char *had = model_roster_prefix_of(s->m, r, nick);
	char out[8];
	size_t n = 0, k;

	for (k = 0; s->prefixes[k] != '\0' && n + 1 < sizeof(out); k++) {
		char c = s->prefixes[k];
		if (c == sym ? on : strchr(had, c) != NULL)
			out[n++] = c;
	}
	out[n] = '\0';
	model_roster_set_prefix(s->m, r, nick, out);
}

/* Does a channel mode letter take a parameter (when set, or unset)? */
static int
mode_takes_arg(struct session *s, char c, int on)
{
	const char *p;
	int type = 0;

	if (strchr(s->pmodes, c) != NULL)
		return 1;
	for (p = s->chanmodes; *p != '\0'; p++) {
		if (*p == ',')
			type++;
		else if (*p == c)
			return type == 0 || type == 1 || (type == 2 && on);
	}
	return 0;
}

/* MODE #c +o-v bob carol: the roster's prefixes follow; the room says
 * who changed what.  A user mode (ours) goes to the server tab. */
static void
on_mode(struct session *s, struct in *in)
{
	const struct irc_msg *m = &in->m;
	char text[IRC_LINE_MAX] = "";
	const char *p, *sym;
	size_t arg = 2, k, n = 0;
	int r, on = 1;

	if (m->nparams < 2)
		return;
	for (k = 1; k < m->nparams && n < sizeof(text); k++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s%s",
		    k > 1 ? " " : "", m->params[k]);
	if (!is_channel(m->params[0])) {
		line(s, 0, in->when, "%s set mode %s", in->nick[0] ? in->nick :
		    m->params[0], text);
		return;
	}
	if ((r = model_find(s->m, m->params[0])) <= 0)
		return;
	for (p = m->params[1]; *p != '\0'; p++) {
		if (*p == '+' || *p == '-') {
			on = *p == '+';
			continue;
		}
		if (strchr(s->pmodes, *p) == NULL && (!strchr(s->chanmodes,
		    ',') || strchr(s->chanmodes, *p) == NULL ||
		    strchr(s->chanmodes, *p) > strchr(s->chanmodes, ',')))
			model_mode_letter(s->m, r, *p, on);	/* not a list */
		if (!mode_takes_arg(s, *p, on))
			continue;
		if (arg >= m->nparams)
			break;
		if ((sym = strchr(s->pmodes, *p)) != NULL &&
		    (size_t)(sym - s->pmodes) < strlen(s->prefixes))
			set_prefix(s, r, m->params[arg], s->prefixes[sym -
			    s->pmodes], on);
		arg++;
	}
	line(s, r, in->when, "%s sets mode %s", in->nick[0] ? in->nick :
	    s->server, text);
	emit(s, SEV_ROSTER, r, NULL);
}

static void
on_kick(struct session *s, struct in *in)
{
	const struct irc_msg *m = &in->m;
	int r;

	if (m->nparams < 2 || (r = model_find(s->m, m->params[0])) <= 0)
		return;
	if (irc_casecmp(m->params[1], s->nick) == 0) {
		model_set_joined(s->m, r, 0);
		model_set_wanted(s->m, r, 0);
		model_roster_clear(s->m, r);	/* nothing of it is ours now */
		line(s, r, in->when, "You were kicked from %s by %s (%s)",
		    m->params[0], in->nick, last(m));
	} else {
		model_roster_remove(s->m, r, m->params[1]);
		line(s, r, in->when, "%s was kicked by %s (%s)", m->params[1],
		    in->nick, last(m));
	}
	emit(s, SEV_ROSTER, r, NULL);
}

/* Forget nick's typing in room ("" room: everywhere); 1 if it was. */
static int
typer_drop(struct session *s, const char *nick, const char *room)
{
	int k, gone = 0;

	for (k = 0; k < s->ntypers; k++)
		if (irc_casecmp(s->typers[k].nick, nick) == 0 &&
		    (*room == '\0' || irc_casecmp(s->typers[k].room, room) ==
		    0)) {
			s->typers[k--] = s->typers[--s->ntypers];
			gone = 1;
		}
	return gone;
}

/* TAGMSG with +typing=active|paused|done (or +draft/typing). */
static void
on_tagmsg(struct session *s, struct in *in)
{
	const char *t = irc_msg_tag(&in->m, "+typing"), *room;
	int k;

	if (t == NULL)
		t = irc_msg_tag(&in->m, "+draft/typing");
	if (t == NULL || in->me || in->m.nparams < 1 || in->nick[0] == '\0' ||
	    s->cur != NULL)
		return;
	room = is_channel(in->m.params[0]) ? in->m.params[0] : in->nick;
	typer_drop(s, in->nick, room);
	if (strcmp(t, "active") == 0 && model_find(s->m, room) > 0) {
		if (s->ntypers == TYPERS_MAX)
			s->typers[0] = s->typers[--s->ntypers];	/* room */
		k = s->ntypers++;
		scopy(s->typers[k].nick, sizeof(s->typers[k].nick), in->nick);
		scopy(s->typers[k].room, sizeof(s->typers[k].room), room);
		s->typers[k].until_ms = s->h.now_ms(s->ud) + TYPING_SHOWN_MS;
	}
	emit(s, SEV_STATE, -1, NULL);
}

int
session_typing_text(struct session *s, int room, char *out, size_t outsz)
{
	struct room_view v;
	const char *who[3];
	int k, n = 0;

	out[0] = '\0';
	if (room <= 0 || room >= model_count(s->m))
		return 0;
	model_view(s->m, room, &v);
	for (k = 0; k < s->ntypers; k++)
		if (irc_casecmp(s->typers[k].room, v.name) == 0 && n < 3)
			who[n++] = s->typers[k].nick;
	if (n == 1)
		snprintf(out, outsz, "%s is typing\u2026", who[0]);
	else if (n == 2)
		snprintf(out, outsz, "%s and %s are typing\u2026", who[0],
		    who[1]);
	else if (n > 2)
		snprintf(out, outsz, "several people are typing\u2026");
	return n;
}

void
session_set_show_joins(struct session *s, int on)
{
	s->hide_joins = !on;
}

void
session_set_fold_joins(struct session *s, int on)
{
	s->no_fold = !on;
}

#define FOLD_MAX	20	/* events in one folded line */
#define FOLD_SEP	" \xc2\xb7 "

/* Someone else joined, left or quit room r: a line, or a part of the
 * room's newest line when that is one too (folded). */
static void
event_line(struct session *s, int r, int64_t when, const char *fmt, ...)
{
	char phrase[IRC_LINE_MAX], clean[IRC_LINE_MAX];
	char grown[IRC_LINE_MAX * 2], alone[IRC_LINE_MAX * 2];
	struct line_meta meta;
	size_t n = model_lines(s->m, r);
	const char *last, *p;
	va_list ap;
	int count;

	if (s->hide_joins)
		return;
	va_start(ap, fmt);
	vsnprintf(phrase, sizeof(phrase), fmt, ap);
	va_end(ap);
	if (!s->no_fold && s->cur == NULL && n > 0 &&
	    model_line_meta(s->m, r, n - 1, &meta) &&
	    (meta.flags & ML_EVENT) && (when < 0 || when - meta.time_ms <
	    600000)) {
		last = model_line(s->m, r, n - 1);
		for (count = 1, p = last; (p = strstr(p, FOLD_SEP)) != NULL;
		    p += strlen(FOLD_SEP))
			count++;
		clean_text(clean, sizeof(clean), phrase);
		if (count < FOLD_MAX && strlen(last) + strlen(FOLD_SEP) +
		    strlen(clean) < IRC_LINE_MAX) {
			/* for a log: the phrase as a line of its own, with
			 * the fold's time (made before last goes) */
			snprintf(alone, sizeof(alone), "%.*s%s",
			    (int)strcspn(last, "]") + 2, last, clean);
			snprintf(grown, sizeof(grown), "%s%s%s", last, FOLD_SEP,
			    clean);
			(void)model_replace_last(s->m, r, grown);
			emit(s, SEV_LINE_CHANGED, r, alone);
			return;
		}
	}
	mline(s, r, when, ML_EVENT, "%s", phrase);
}

void
session_set_send_typing(struct session *s, int on)
{
	s->send_typing = on;
}

void
session_typed(struct session *s, int room, const char *text)
{
	struct room_view v;
	int64_t now = s->h.now_ms(s->ud);
	int typing = text[0] != '\0' && text[0] != '/';

	if (text[0] != '\0')
		user_active(s);
	if (!s->cap_tags || !s->send_typing || s->state != SS_CONNECTED ||
	    room <= 0 || room >= model_count(s->m))
		return;
	model_view(s->m, room, &v);
	if (v.kind == ROOM_CHANNEL && !v.joined)
		return;
	if (typing) {
		if (irc_casecmp(s->typed_in, v.name) == 0 &&
		    now - s->typed_ms < TYPING_EVERY_MS)
			return;
		if (s->typed_in[0] != '\0' && irc_casecmp(s->typed_in, v.name))
			sendf(s, "@+typing=done TAGMSG %s", s->typed_in);
		sendf(s, "@+typing=active TAGMSG %s", v.name);
		scopy(s->typed_in, sizeof(s->typed_in), v.name);
		s->typed_ms = now;
	} else if (s->typed_in[0] != '\0') {
		sendf(s, "@+typing=done TAGMSG %s", s->typed_in);
		s->typed_in[0] = '\0';
	}
}

static void dispatch(struct session *, struct in *);

static void
handle_line(struct session *s, char *raw, size_t len)
{
	static char empty[1];
	struct in in;
	char host[HOST_MAX + 1], user[USER_MAX + 1];
	size_t k;

	if (irc_parse(&in.m, raw, len) != IRC_OK)
		return;
	/* a missing param reads as "": a server's "001" with none is no
	 * reason to read past what it sent (fuzz_session found that one) */
	for (k = in.m.nparams; k < IRC_MAX_PARAMS; k++)
		in.m.params[k] = empty;
	in.nick[0] = '\0';
	if (in.m.source != NULL) {
		irc_split_source(in.m.source, in.nick, sizeof(in.nick), user,
		    sizeof(user), host, sizeof(host));
		snprintf(in.uh, sizeof(in.uh), "%s@%s", user, host);
	}
	in.me = in.nick[0] != '\0' && irc_casecmp(in.nick, s->nick) == 0;
	in.when = s->cap_time ? tag_time(&in.m) : -1;
	s->cur = batch_find(s, irc_msg_tag(&in.m, "batch"));
	s->cur_msgid = irc_msg_tag(&in.m, "msgid");
	if (s->cur_msgid != NULL && strlen(s->cur_msgid) > 63)
		s->cur_msgid = NULL;
	dispatch(s, &in);
	s->cur = NULL;
	s->cur_msgid = NULL;
}

/* Is the source of in on the /ignore list? */
static int
ignored(struct session *s, const struct in *in)
{
	char full[PREFIX_MAX + 1];
	int k;

	if (in->nick[0] == '\0' || in->me || s->nignored == 0)
		return 0;
	snprintf(full, sizeof(full), "%s!%s", in->nick, in->uh);
	for (k = 0; k < s->nignored; k++)
		if (irc_mask_match(s->ignored[k], strchr(s->ignored[k], '!') ?
		    full : in->nick))
			return 1;
	return 0;
}

static void
dispatch(struct session *s, struct in *inp)
{
	struct in in = *inp;
	const char *cmd = in.m.command;

	if ((strcasecmp(cmd, "PRIVMSG") == 0 || strcasecmp(cmd, "NOTICE") == 0 ||
	    strcasecmp(cmd, "TAGMSG") == 0 || strcasecmp(cmd, "INVITE") == 0) &&
	    ignored(s, &in))
		return;		/* not shown, not answered */

	if (s->cur != NULL && s->cur->kind != BK_OTHER) {
		int msg = strcasecmp(cmd, "PRIVMSG") == 0 ||
		    strcasecmp(cmd, "NOTICE") == 0;
		if (s->cur->kind == BK_SEARCH && msg)
			on_hit(s, &in);
		else if (s->cur->kind == BK_HISTORY && msg)
			on_message(s, &in, toupper((unsigned char)cmd[0]) ==
			    'N');
		else if (s->cur->kind == BK_TARGETS &&
		    strcasecmp(cmd, "CHATHISTORY") == 0)
			on_target(s, &in.m);
		return;		/* events of a history batch: not shown */
	}
	if (cmd[0] >= '0' && cmd[0] <= '9') {
		on_numeric(s, &in, atoi(cmd));
		return;
	}
	if (strcasecmp(cmd, "PING") == 0)
		sendf(s, "PONG :%s", last(&in.m));
	else if (strcasecmp(cmd, "PRIVMSG") == 0)
		on_message(s, &in, 0);
	else if (strcasecmp(cmd, "NOTICE") == 0)
		on_message(s, &in, 1);
	else if (strcasecmp(cmd, "JOIN") == 0)
		on_join(s, &in);
	else if (strcasecmp(cmd, "PART") == 0)
		on_part(s, &in);
	else if (strcasecmp(cmd, "QUIT") == 0)
		on_quit(s, &in);
	else if (strcasecmp(cmd, "NICK") == 0)
		on_nick(s, &in);
	else if (strcasecmp(cmd, "TOPIC") == 0)
		on_topic(s, &in);
	else if (strcasecmp(cmd, "CAP") == 0)
		on_cap(s, &in);
	else if (strcasecmp(cmd, "BATCH") == 0)
		on_batch(s, &in.m);
	else if (strcasecmp(cmd, "MARKREAD") == 0)
		on_markread(s, &in.m);
	else if (strcasecmp(cmd, "FAIL") == 0)
		on_fail(s, &in);
	else if (strcasecmp(cmd, "CHATHISTORY") == 0)
		on_target(s, &in.m);
	else if (strcasecmp(cmd, "AUTHENTICATE") == 0)
		on_authenticate(s, &in);
	else if (strcasecmp(cmd, "ERROR") == 0) {
		line(s, model_active(s->m), in.when, "The server closed the "
		    "link: %s", last(&in.m));
		s->h.close(s->ud, last(&in.m));
	} else if (strcasecmp(cmd, "KICK") == 0)
		on_kick(s, &in);
	else if (strcasecmp(cmd, "MODE") == 0) {
		on_mode(s, &in);
	} else if (strcasecmp(cmd, "TAGMSG") == 0)
		on_tagmsg(s, &in);
	else if (strcasecmp(cmd, "AWAY") == 0 && in.nick[0] != '\0') {
		model_set_away(s->m, in.nick, in.m.nparams > 0 &&
		    in.m.params[0][0] != '\0');
		emit(s, SEV_ROSTER, model_active(s->m), NULL);
	}
	else if (strcasecmp(cmd, "INVITE") == 0 && in.m.nparams >= 2)
		line(s, model_active(s->m), in.when, "%s invites you to %s "
		    "(type /join %s)", in.nick, last(&in.m), last(&in.m));
}

/* --- commands typed by the user --------------------------------------------- */

/* Send text to target in pieces that fit one IRC line each. */
static void
say(struct session *s, int room, const char *target, const char *text,
    int action)
{
	size_t len = strlen(text), off = 0, n;
	char piece[TEXT_CHUNK + 1];

	if (irc_casecmp(s->typed_in, target) == 0)
		s->typed_in[0] = '\0';	/* the message says it: no "done" */
	while (off < len) {
		n = utf8_prefix(text + off, len - off, TEXT_CHUNK);
		if (n < len - off) {	/* prefer to break at a space */
			size_t sp = n;
			while (sp > TEXT_CHUNK / 2 && text[off + sp] != ' ')
				sp--;
			if (sp > TEXT_CHUNK / 2)
				n = sp;
		}
		if (n == 0)
			n = 1;
		memcpy(piece, text + off, n);
		piece[n] = '\0';
		if (action)
			sendf(s, "PRIVMSG %s :\001ACTION %s\001", target, piece);
		else
			sendf(s, "PRIVMSG %s :%s", target, piece);
		if (!s->cap_echo) {
			if (action)
				mline(s, room, -1, ML_MSG | ML_OWN, "* %s %s",
				    s->nick, piece);
			else
				mline(s, room, -1, ML_MSG | ML_OWN, "<%s> %s",
				    s->nick, piece);
		}
		off += n;
		while (off < len && text[off] == ' ' && n > 1)
			off++;
	}
}

/* Split "/cmd rest" into the command word and its argument. */
static const char *
word(const char *p, char *out, size_t outsz)
{
	size_t n = strcspn(p, " ");

	snprintf(out, outsz, "%.*s", (int)(n < outsz - 1 ? n : outsz - 1), p);
	p += n;
	while (*p == ' ')
		p++;
	return p;
}

static int
need_link(struct session *s, int room)
{
	if (s->state == SS_CONNECTED)
		return 1;
	line(s, room, -1, "You are not connected to a server");
	return 0;
}

static void
cmd_close(struct session *s, int room)
{
	struct room_view v;

	if (room == 0) {
		line(s, 0, -1, "The server tab cannot be closed");
		return;
	}
	model_view(s->m, room, &v);
	if (v.kind == ROOM_CHANNEL && v.joined && s->state == SS_CONNECTED)
		sendf(s, "PART %s", v.name);
	model_close(s->m, room);
	emit(s, SEV_ROOMS, -1, NULL);
}

/* --- the commands: one table for the dispatcher and for /help ------------ */

struct cmdctx {
	struct session	*s;
	int		 room;
	struct room_view v;
	const char	*name;		/* as typed */
	const char	*rest;		/* after the command word */
};

struct command_def {
	const char	*names;		/* "part|leave" */
	const char	*usage;		/* "[reason]" */
	const char	*what;
	int		 link;		/* needs a registered link */
	int		 room_only;	/* needs a room tab (channel) */
	void		(*run)(struct cmdctx *);
};

static void c_help(struct cmdctx *);

static void
c_password(struct cmdctx *c)
{
	session_set_password(c->s, c->rest);
	line(c->s, c->room, -1, "%s", *c->rest ? "Password set for the next "
	    "connect" : "Password cleared");
}

static void
c_close(struct cmdctx *c)
{
	cmd_close(c->s, c->room);
}

static void
c_query(struct cmdctx *c)
{
	if (*c->rest == '\0' || nick_check(c->rest, NICK_MAX) != NAME_OK)
		line(c->s, c->room, -1, "Usage: /query NICK");
	else
		activate(c->s, room_of(c->s, c->rest, ROOM_QUERY, 1));
}

/* --- the server's rooms (LIST) ------------------------------------------------ */

void
session_list(struct session *s)
{
	if (s->state != SS_CONNECTED) {
		snprintf(s->list_status, sizeof(s->list_status), "Not "
		    "connected: connect first, then ask for the rooms");
		emit(s, SEV_LIST, -1, NULL);
		return;
	}
	listed_clear(s);
	s->listing = 1;
	snprintf(s->list_status, sizeof(s->list_status), "Asking %.100s for its "
	    "rooms ...", s->server);
	sendf(s, "LIST");
	emit(s, SEV_LIST, -1, NULL);
}

static void
list_add(struct session *s, const char *name, const char *users,
    const char *topic)
{
	char clean[IRC_LINE_MAX];
	struct listed *l;
	unsigned long u;
	char *end;

	if (chan_check(name) != NAME_OK)
		return;		/* "*" for a secret room, or junk */
	if (s->nlisted >= LISTED_MAX) {
		s->listed_over++;
		return;
	}
	if (s->nlisted % 256 == 0) {
		l = realloc(s->listed, (s->nlisted + 256) * sizeof(*l));
		if (l == NULL) {
			s->listed_over++;
			return;
		}
		s->listed = l;
	}
	l = &s->listed[s->nlisted];
	snprintf(l->name, sizeof(l->name), "%s", name);
	u = strtoul(users, &end, 10);
	l->users = *end == '\0' && u < 1000000000UL ? (unsigned)u : 0;
	clean_text(clean, sizeof(clean), topic);
	if ((l->topic = strdup(clean)) == NULL)
		return;
	s->nlisted++;
}

static int
listed_cmp(const void *a, const void *b)
{
	const struct listed *x = a, *y = b;

	if (x->users != y->users)
		return x->users < y->users ? 1 : -1;	/* busiest first */
	return irc_casecmp(x->name, y->name);
}

static void
list_end(struct session *s)
{
	s->listing = 0;
	if (s->nlisted > 1)
		qsort(s->listed, s->nlisted, sizeof(*s->listed), listed_cmp);
	if (s->listed_over > 0)
		snprintf(s->list_status, sizeof(s->list_status), "%zu rooms "
		    "(the busiest of %zu are kept)", s->nlisted, s->nlisted +
		    s->listed_over);
	else
		snprintf(s->list_status, sizeof(s->list_status), "%zu room%s",
		    s->nlisted, s->nlisted == 1 ? "" : "s");
	emit(s, SEV_LIST, -1, NULL);
}

size_t
session_listed(const struct session *s)
{
	return s->listing ? 0 : s->nlisted;
}

int
session_listed_room(const struct session *s, size_t k, const char **name,
    unsigned *users, const char **topic)
{
	if (s->listing || k >= s->nlisted)
		return 0;
	*name = s->listed[k].name;
	*users = s->listed[k].users;
	*topic = s->listed[k].topic;
	return 1;
}

const char *
session_list_status(const struct session *s)
{
	return s->list_status;
}

static void
c_list(struct cmdctx *c)
{
	session_list(c->s);
}

static void
c_search(struct cmdctx *c)
{
	session_search(c->s, c->rest);
}

static void
c_nick(struct cmdctx *c)
{
	if (*c->rest == '\0' || strchr(c->rest, ' ') != NULL)
		line(c->s, c->room, -1, "Usage: /nick NEWNAME");
	else if (c->s->state == SS_REGISTERING)
		session_retry_nick(c->s, c->rest);	/* not registered yet */
	else if (need_link(c->s, c->room))
		sendf(c->s, "NICK %s", c->rest);
}

static void
c_msg(struct cmdctx *c)
{
	char to[IRC_LINE_MAX];
	const char *text = word(c->rest, to, sizeof(to));
	int q;

	if (to[0] == '\0' || *text == '\0')
		line(c->s, c->room, -1, "Usage: /msg NICK text");
	else if (is_channel(to))
		say(c->s, room_of(c->s, to, ROOM_CHANNEL, 0), to, text, 0);
	else if (nick_check(to, NICK_MAX) != NAME_OK)
		line(c->s, c->room, -1, "'%s' is not a name: /msg NICK text", to);
	else {
		q = room_of(c->s, to, ROOM_QUERY, 1);
		activate(c->s, q);		/* the conversation, in view */
		say(c->s, q, to, text, 0);
	}
}

static void
c_me(struct cmdctx *c)
{
	if (c->room == 0 || *c->rest == '\0')
		line(c->s, c->room, -1, c->room == 0 ? "Select a room tab to "
		    "use /me" : "Usage: /me action");
	else
		say(c->s, c->room, c->v.name, c->rest, 1);
}

static void
c_join(struct cmdctx *c)
{
	char chan[IRC_LINE_MAX];

	word(c->rest, chan, sizeof(chan));
	if (chan[0] == '\0')
		line(c->s, c->room, -1, "Usage: /join #room");
	else {
		sendf(c->s, "JOIN %s%s", is_channel(chan) ? "" : "#", chan);
		/* the first of them comes into view when it is joined */
		snprintf(c->s->show_join, sizeof(c->s->show_join), "%s%.*s",
		    is_channel(chan) ? "" : "#", (int)strcspn(chan, ","),
		    chan);
	}
}

static void
c_part(struct cmdctx *c)
{
	char chan[IRC_LINE_MAX];
	const char *why;

	if (is_channel(c->rest)) {
		why = word(c->rest, chan, sizeof(chan));
		sendf(c->s, "PART %s%s%s", chan, *why ? " :" : "", why);
	} else if (c->v.kind != ROOM_CHANNEL)
		line(c->s, c->room, -1, "This tab is not a room: /part #room");
	else
		sendf(c->s, "PART %s%s%s", c->v.name, *c->rest ? " :" : "",
		    c->rest);
}

static void
c_topic(struct cmdctx *c)
{
	if (*c->rest == '\0')
		sendf(c->s, "TOPIC %s", c->v.name);
	else
		sendf(c->s, "TOPIC %s :%s", c->v.name, c->rest);
}

/* /op /deop /voice /devoice NICK ...: four a line, as MODES allows */
static void
c_status(struct cmdctx *c)
{
	int on = strncasecmp(c->name, "de", 2) != 0, n = 0;
	char letter = tolower((unsigned char)c->name[on ? 0 : 2]) == 'o' ?
	    'o' : 'v', modes[8];
	const char *p;

	if (*c->rest == '\0') {
		line(c->s, c->room, -1, "Usage: /%s NICK [NICK ...]", c->name);
		return;
	}
	for (p = c->rest; *p != '\0' && n < 4; n++) {
		p += strcspn(p, " ");
		p += strspn(p, " ");
	}
	memset(modes, letter, (size_t)n);
	modes[n] = '\0';
	sendf(c->s, "MODE %s %c%s %.*s", c->v.name, on ? '+' : '-', modes,
	    (int)(p - c->rest), c->rest);
}

static void
c_kick(struct cmdctx *c)
{
	char who[IRC_LINE_MAX];
	const char *why = word(c->rest, who, sizeof(who));

	if (who[0] == '\0')
		line(c->s, c->room, -1, "Usage: /kick NICK [reason]");
	else if (*why == '\0')
		sendf(c->s, "KICK %s %s", c->v.name, who);
	else
		sendf(c->s, "KICK %s %s :%s", c->v.name, who, why);
}

static void
c_ban(struct cmdctx *c)
{
	char mask[IRC_LINE_MAX];

	word(c->rest, mask, sizeof(mask));
	if (mask[0] == '\0')
		line(c->s, c->room, -1, "Usage: /%s NICK|MASK", c->name);
	else		/* a bare nick bans the nick, from any user@host */
		sendf(c->s, "MODE %s %cb %s%s", c->v.name,
		    tolower((unsigned char)c->name[0]) == 'b' ? '+' : '-', mask,
		    strpbrk(mask, "!@*") ? "" : "!*@*");
}

static void
c_mode(struct cmdctx *c)
{
	c->s->modes_asked = 1;
	if (*c->rest == '\0' && c->v.kind == ROOM_CHANNEL)
		sendf(c->s, "MODE %s", c->v.name);
	else if (*c->rest == '\0')
		line(c->s, c->room, -1, "Usage: /mode [#room] +modes [args]");
	else if (c->rest[0] == '+' || c->rest[0] == '-') {
		if (c->v.kind != ROOM_CHANNEL)
			line(c->s, c->room, -1, "Usage: /mode #room +modes "
			    "[args]");
		else
			sendf(c->s, "MODE %s %s", c->v.name, c->rest);
	} else
		sendf(c->s, "MODE %s", c->rest);
}

static void
c_names(struct cmdctx *c)
{
	const char *which = *c->rest ? c->rest : c->v.name;

	if (!is_channel(which))
		line(c->s, c->room, -1, "Usage: /names [#room]");
	else {
		c->s->names_asked = 1;
		sendf(c->s, "NAMES %s", which);
	}
}

static void
c_whois(struct cmdctx *c)
{
	if (*c->rest == '\0')
		line(c->s, c->room, -1, "Usage: /whois NICK");
	else
		sendf(c->s, "WHOIS %s", c->rest);
}

static void
c_away(struct cmdctx *c)
{
	session_set_away(c->s, c->rest);
}

void
session_set_away(struct session *s, const char *text)
{
	size_t n = utf8_prefix(text, strlen(text), AWAY_MAX);

	memcpy(s->away_text, text, n);
	s->away_text[n] = '\0';
	s->away_auto = 0;
	if (s->state != SS_CONNECTED) {
		line(s, 0, -1, s->away_text[0] ? "You will be away when "
		    "connected: %s" : "You will not be away when connected%s",
		    s->away_text);
		s->away = 0;
		emit(s, SEV_STATE, -1, NULL);
		return;
	}
	if (s->away_text[0] == '\0')
		sendf(s, "AWAY");
	else
		sendf(s, "AWAY :%s", s->away_text);
}

int
session_away(const struct session *s)
{
	return s->away_text[0] != '\0';
}

void
session_set_auto_away(struct session *s, int minutes, const char *text)
{
	s->auto_away_ms = minutes > 0 ? (int64_t)minutes * 60000 : 0;
	snprintf(s->auto_away_text, sizeof(s->auto_away_text), "%s",
	    text != NULL && text[0] != '\0' ? text : "Away from the keyboard");
}

/* The user did something: auto-away, if it set away, ends. */
static void
user_active(struct session *s)
{
	s->active_ms = s->h.now_ms(s->ud);
	if (s->away_auto && s->state == SS_CONNECTED) {
		s->away_auto = 0;
		s->away_text[0] = '\0';
		sendf(s, "AWAY");
	}
}

static void
c_ignore(struct cmdctx *c)
{
	struct session *s = c->s;
	char mask[IRC_LINE_MAX];
	int k, un = tolower((unsigned char)c->name[0]) == 'u';

	word(c->rest, mask, sizeof(mask));
	if (mask[0] == '\0' && !un) {
		if (s->nignored == 0)
			line(s, c->room, -1, "Nobody is ignored");
		for (k = 0; k < s->nignored; k++)
			line(s, c->room, -1, "Ignored: %s", s->ignored[k]);
		return;
	}
	if (mask[0] == '\0' || strlen(mask) > MASK_MAX) {
		line(s, c->room, -1, "Usage: /%s NICK|MASK", c->name);
		return;
	}
	for (k = 0; k < s->nignored; k++)
		if (irc_casecmp(s->ignored[k], mask) == 0)
			break;
	if (un) {
		if (k == s->nignored) {
			line(s, c->room, -1, "%s is not ignored", mask);
			return;
		}
		memmove(&s->ignored[k], &s->ignored[k + 1],
		    (size_t)(s->nignored - k - 1) * sizeof(s->ignored[0]));
		s->nignored--;
		line(s, c->room, -1, "%s is no longer ignored", mask);
	} else if (k < s->nignored)
		line(s, c->room, -1, "%s is ignored already", mask);
	else if (s->nignored == IGNORE_MAX)
		line(s, c->room, -1, "Too many ignored: /unignore some");
	else {
		scopy(s->ignored[s->nignored++], sizeof(s->ignored[0]), mask);
		line(s, c->room, -1, "Ignoring %s: their messages are not shown",
		    mask);
	}
}

static void
c_quote(struct cmdctx *c)
{
	if (*c->rest != '\0')
		sendf(c->s, "%s", c->rest);
	else
		line(c->s, c->room, -1, "Usage: /quote LINE");
}

static void
c_mute(struct cmdctx *c)
{
	int on = tolower((unsigned char)c->name[0]) == 'm';
	struct room_view v;

	model_view(c->s->m, c->room, &v);
	model_set_muted(c->s->m, c->room, on);
	line(c->s, c->room, -1, on ? "%s is muted: its messages do not mark "
	    "its tab (mentions still do); /unmute to hear it again" :
	    "%s is no longer muted", c->room == 0 ? "The server tab" : v.name);
	emit(c->s, SEV_ROOMS, c->room, NULL);
}

/* /notify [on|off]: this tab's desktop notifications. */
static void
c_notify(struct cmdctx *c)
{
	struct room_view v;
	int on;

	model_view(c->s->m, c->room, &v);
	if (strcasecmp(c->rest, "on") == 0 || strcasecmp(c->rest, "off") == 0)
		model_set_quiet(c->s->m, c->room, strcasecmp(c->rest, "off") ==
		    0);
	else if (*c->rest != '\0') {
		line(c->s, c->room, -1, "Usage: /notify [on|off]");
		return;
	}
	on = session_notifies(c->s, c->room);
	model_view(c->s->m, c->room, &v);
	line(c->s, c->room, -1, "Desktop notifications for %s: %s%s",
	    c->room == 0 ? "the server tab" : v.name, on ? "on" : "off",
	    c->s->notify_off ? " (off for this whole network: the Networks "
	    "dialog's Quiet)" : v.quiet ? " (/notify on for them again)" : "");
}

static void
c_quit(struct cmdctx *c)
{
	sendf(c->s, "QUIT :%s", *c->rest ? c->rest : "Leaving");
	c->s->h.close(c->s->ud, NULL);
}

static const struct command_def commands[] = {
	{ "msg", "NICK text", "send a private message (opens its tab)", 1, 0,
	  c_msg },
	{ "me", "action", "describe what you do", 1, 0, c_me },
	{ "nick", "NEW", "change your name", 0, 0, c_nick },
	{ "join", "#room", "join a room (opens its tab)", 1, 0, c_join },
	{ "part|leave", "[#room] [reason]", "leave this room (or #room)", 1, 0,
	  c_part },
	{ "topic", "[text]", "show or set this room's topic", 1, 1, c_topic },
	{ "names", "[#room]", "list who is in this room", 1, 0, c_names },
	{ "whois", "NICK", "show who someone is", 1, 0, c_whois },
	{ "away", "[text]", "mark yourself away (no text: back)", 0, 0,
	  c_away },
	{ "mute|unmute", "", "quiet this tab: its messages do not mark it "
	  "(mentions still do)", 0, 0, c_mute },
	{ "notify", "[on|off]", "desktop notifications for this tab's "
	  "mentions and messages", 0, 0, c_notify },
	{ "query", "NICK", "open a private tab", 0, 0, c_query },
	{ "op|deop|voice|devoice", "NICK ...", "give or take operator or "
	  "voice status in this room", 1, 1, c_status },
	{ "kick", "NICK [reason]", "put someone out of this room", 1, 1,
	  c_kick },
	{ "ban|unban", "NICK|MASK", "ban (or unban) from this room", 1, 1,
	  c_ban },
	{ "mode", "[#room] [+modes args]", "show or change modes", 1, 0,
	  c_mode },
	{ "ignore|unignore", "[NICK|MASK]", "hide (or show again) someone's "
	  "messages; alone: the list", 0, 0, c_ignore },
	{ "list", "", "the server's rooms, in a dialog to join from", 1, 0,
	  c_list },
	{ "search", "words", "search the server's history (in:#room "
	  "from:nick after:YYYY-MM-DD before:YYYY-MM-DD)", 0, 0, c_search },
	{ "close", "", "close this tab (leaving the room)", 0, 0, c_close },
	{ "password|pass", "WORD", "server password for the next connect", 0,
	  0, c_password },
	{ "quote|raw", "LINE", "send a raw IRC line", 1, 0, c_quote },
	{ "quit|disconnect", "[reason]", "disconnect", 1, 0, c_quit },
	{ "help", "", "this list", 0, 0, c_help },
};

static const char help_keys[] =
	"Keys: Up/Down walk your input history, Tab completes names, "
	"Shift+Return starts another line, "
	"Ctrl+C/X/V/A copy, cut, paste and select, Ctrl+B/I/U bold, italics, "
	"underline; Alt+1..9, Ctrl+PgUp/PgDn and Alt+A (activity) change "
	"tabs, Ctrl+W closes one (a server tab: that server); Ctrl+Shift+T "
	"opens another server tab; Ctrl+Shift+F searches the history; scroll "
	"to the top of a tab for older lines.";

/* "/msg", "/me", ... for Tab: every name of every command, made once. */
static const char *const *
command_words(void)
{
	static char buf[1024];
	static const char *words[64];
	size_t k, n = 0, len = 0, w;
	const char *p;

	if (ncommand_words > 0)
		return words;
	for (k = 0; k < sizeof(commands) / sizeof(commands[0]); k++)
		for (p = commands[k].names; *p != '\0' && n < 64; ) {
			w = strcspn(p, "|");
			if (len + w + 2 > sizeof(buf))
				break;
			buf[len] = '/';
			memcpy(buf + len + 1, p, w);
			buf[len + 1 + w] = '\0';
			words[n++] = buf + len;
			len += w + 2;
			p += w;
			if (*p == '|')
				p++;
		}
	ncommand_words = n;
	return words;
}

/* Is name one of the |-separated names? */
static int
names_match(const char *names, const char *name)
{
	size_t n = strlen(name), k;
	const char *p = names;

	while (*p != '\0') {
		k = strcspn(p, "|");
		if (k == n && strncasecmp(p, name, n) == 0)
			return 1;
		p += k;
		if (*p == '|')
			p++;
	}
	return 0;
}

/* "/op, /deop ... NICK ... - what it does" for each command. */
static int
help_line(const struct command_def *d, char *out, size_t outsz)
{
	size_t n = 0, k;
	const char *p = d->names;

	out[0] = '\0';
	while (*p != '\0' && n < outsz) {
		k = strcspn(p, "|");
		n += (size_t)snprintf(out + n, outsz - n, "%s/%.*s",
		    p == d->names ? "" : ", ", (int)k, p);
		p += k;
		if (*p == '|')
			p++;
	}
	if (n < outsz)
		n += (size_t)snprintf(out + n, outsz - n, "%s%s \u2014 %s",
		    *d->usage ? " " : "", d->usage, d->what);
	return n < outsz ? 0 : -1;
}

const char *
session_help(void)
{
	static char text[4096];
	size_t k, n;
	char one[256];

	if (text[0] != '\0')
		return text;
	n = (size_t)snprintf(text, sizeof(text), "Commands:");
	for (k = 0; k < sizeof(commands) / sizeof(commands[0]); k++)
		if (help_line(&commands[k], one, sizeof(one)) == 0 &&
		    n < sizeof(text))
			n += (size_t)snprintf(text + n, sizeof(text) - n,
			    "\n%s", one);
	if (n < sizeof(text))
		snprintf(text + n, sizeof(text) - n, "\n%s", help_keys);
	return text;
}

static void
c_help(struct cmdctx *c)
{
	char one[256];
	size_t k;

	line(c->s, c->room, -1, "Commands:");
	for (k = 0; k < sizeof(commands) / sizeof(commands[0]); k++)
		if (help_line(&commands[k], one, sizeof(one)) == 0)
			line(c->s, c->room, -1, "%s", one);
	line(c->s, c->room, -1, "%s", help_keys);
}

static void
command(struct session *s, int room, const char *text)
{
	char cmd[32];
	struct cmdctx c;
	size_t k;

	c.s = s;
	c.room = room;
	c.name = cmd;
	c.rest = word(text + 1, cmd, sizeof(cmd));
	model_view(s->m, room, &c.v);
	for (k = 0; k < sizeof(commands) / sizeof(commands[0]); k++) {
		const struct command_def *d = &commands[k];
		if (!names_match(d->names, cmd))
			continue;
		if (d->link && !need_link(s, room))
			return;
		if (d->room_only && c.v.kind != ROOM_CHANNEL) {
			line(s, room, -1, "/%s works in a room's tab", cmd);
			return;
		}
		d->run(&c);
		return;
	}
	line(s, room, -1, "Unknown command /%s. Type /help for the list of "
	    "commands.", cmd);
}

void
session_command(struct session *s, int room, const char *text)
{
	struct room_view v;

	if (room < 0 || room >= model_count(s->m))
		room = 0;
	user_active(s);
	if (*text == '\0')
		return;
	model_history_add(s->m, room, text);
	if (text[0] == '/' && text[1] != '/' && text[1] != '\0') {
		command(s, room, text);
		return;
	}
	if (text[0] == '/')
		text++;			/* "//x" sends "/x" */
	if (!need_link(s, room))
		return;
	model_view(s->m, room, &v);
	if (v.kind == ROOM_SERVER) {
		line(s, room, -1, "This is the server tab: select a room tab, "
		    "or use /join #room or /msg NICK text");
		return;
	}
	if (v.kind == ROOM_CHANNEL && !v.joined) {
		line(s, room, -1, "You are not in %s: /join %s", v.name,
		    v.name);
		return;
	}
	say(s, room, v.name, text, 0);
}

/* --- pasting many lines ------------------------------------------------------ */

static void
paste_clear(struct session *s)
{
	size_t k;

	for (k = s->pqhead; k < s->npq; k++)
		free(s->pq[k].text);
	free(s->pq);
	s->pq = NULL;
	s->npq = s->pqhead = 0;
	s->pq_burst = 0;
}

/* The lines of text: split at CR, LF or CRLF; blank ones are dropped. */
static size_t
paste_lines(const char *text, const char **starts, size_t *lens, size_t max)
{
	const char *p = text;
	size_t n = 0, len;

	while (*p != '\0') {
		len = strcspn(p, "\r\n");
		if (len > 0 && strspn(p, " \t") < len) {
			if (n < max) {
				starts[n] = p;
				lens[n] = len;
			}
			n++;
		}
		p += len;
		if (*p == '\r' && p[1] == '\n')
			p++;
		if (*p != '\0')
			p++;
	}
	return n;
}

int
session_paste(struct session *s, int room, const char *text, int confirmed)
{
	const char *starts[PASTE_MAX];
	size_t lens[PASTE_MAX], n, k;
	struct room_view v;
	struct pasteq *q;

	if (room < 0 || room >= model_count(s->m))
		room = 0;
	n = paste_lines(text, starts, lens, PASTE_MAX);
	if (n == 0)
		return 0;
	if (n > PASTE_MAX) {
		line(s, room, -1, "That is %zu lines: paste at most %d at once",
		    n, PASTE_MAX);
		return -1;
	}
	if (n > PASTE_ASK && !confirmed)
		return (int)n;		/* the host asks the user first */
	if (!need_link(s, room))
		return -1;
	model_view(s->m, room, &v);
	if (v.kind == ROOM_SERVER || (v.kind == ROOM_CHANNEL && !v.joined)) {
		line(s, room, -1, "Select a room you are in to paste into");
		return -1;
	}
	if (s->pqhead == s->npq)
		paste_clear(s);
	if ((q = realloc(s->pq, (s->npq + n) * sizeof(*q))) == NULL)
		return -1;
	s->pq = q;
	for (k = 0; k < n; k++) {
		scopy(q[s->npq].target, sizeof(q[s->npq].target), v.name);
		if ((q[s->npq].text = strndup(starts[k], lens[k])) == NULL)
			break;
		s->npq++;
	}
	session_pump(s);
	return 0;
}

int
session_pump(struct session *s)
{
	int64_t now = s->h.now_ms(s->ud);
	struct pasteq *q;
	int r;

	if (s->state != SS_CONNECTED) {
		if (s->pqhead < s->npq)
			line(s, model_active(s->m), -1, "%zu pasted lines not "
			    "sent: the link went", s->npq - s->pqhead);
		paste_clear(s);
		return -1;
	}
	while (s->pqhead < s->npq) {
		if (s->pq_burst >= PASTE_BURST && now < s->pq_next_ms)
			return (int)(s->pq_next_ms - now);
		q = &s->pq[s->pqhead++];
		if ((r = model_find(s->m, q->target)) > 0)
			say(s, r, q->target, q->text, 0);
		free(q->text);
		q->text = NULL;
		s->pq_burst++;
		s->pq_next_ms = now + PASTE_PACE_MS;
	}
	paste_clear(s);
	return -1;
}
