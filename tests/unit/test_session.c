/*
 * test_session.c -- the client's session core, fed recorded server lines
 * (keochatd's and ngircd's) and every entry-box command, checking the
 * exact bytes sent, the lines shown and the events raised.  Also the
 * model (rosters, completion, history) and net_split.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "unit.h"
#include "model.h"
#include "net.h"
#include "session.h"

struct host {
	char	 sent[65536];
	size_t	 sentlen;
	int	 events[16];
	long	 evline[16];	/* the line of the last event of each type */
	int	 evroom[16];
	int	 closes;
	char	 close_why[256];
	int64_t	 now;
};

static struct host H;

static void
h_send(void *ud, const char *p, size_t n)
{
	(void)ud;
	assert_true(H.sentlen + n < sizeof(H.sent));
	memcpy(H.sent + H.sentlen, p, n);
	H.sentlen += n;
	H.sent[H.sentlen] = '\0';
}

static void
h_event(void *ud, const struct session_event *ev)
{
	(void)ud;
	H.events[ev->type]++;
	H.evline[ev->type] = ev->line;
	H.evroom[ev->type] = ev->room;
}

static void
h_close(void *ud, const char *why)
{
	(void)ud;
	H.closes++;
	snprintf(H.close_why, sizeof(H.close_why), "%s", why ? why : "(user)");
}

static int64_t
h_now(void *ud)
{
	(void)ud;
	return H.now;
}

static const struct session_host fake_host = { h_send, h_event, h_close,
	h_now };

/* 2026-01-02 03:04:05 UTC */
#define T0	1767323045000LL

static struct session *
fresh(void)
{
	memset(&H, 0, sizeof(H));
	H.now = T0;
	return session_new(&fake_host, NULL);
}

static void
feed(struct session *s, const char *text)
{
	session_input(s, text, strlen(text));
}

static void
clear_sent(void)
{
	H.sentlen = 0;
	H.sent[0] = '\0';
}

static void
expect_sent(const char *want)
{
	if (strcmp(H.sent, want) != 0)
		fail_msg("sent:\n%s\nwanted:\n%s", H.sent, want);
	H.sentlen = 0;
	H.sent[0] = '\0';
}

static const char *
last_line(struct session *s, int room)
{
	struct model *m = session_model(s);
	size_t n = model_lines(m, room);

	return n ? model_line(m, room, n - 1) : "";
}

static int
has_line(struct session *s, int room, const char *want)
{
	struct model *m = session_model(s);
	size_t k;

	for (k = 0; k < model_lines(m, room); k++)
		if (strcmp(model_line(m, room, k), want) == 0)
			return 1;
	return 0;
}

static void
assert_line(struct session *s, int room, const char *want)
{
	if (!has_line(s, room, want))
		fail_msg("room %d has no line '%s' (last: '%s')", room, want,
		    last_line(s, room));
}

static const char keochatd_burst[] =
	":vm CAP * LS :echo-message message-tags multi-prefix server-time\r\n";
static const char keochatd_welcome[] =
	":vm CAP bob ACK :server-time echo-message\r\n"
	":vm 001 bob :Welcome to the KeoChat IRC Network bob!~bob@127.0.0.1\r\n"
	":vm 002 bob :Your host is vm, running version keochatd-0.1.0\r\n"
	":vm 003 bob :This server was created 2026-11-27 19:43:34 UTC\r\n"
	":vm 004 bob vm keochatd-0.1.0 i bn\r\n"
	":vm 005 bob CASEMAPPING=rfc1459 NICKLEN=30 :are supported\r\n"
	":vm 005 bob PREFIX=(o)@ UTF8ONLY :are supported by this server\r\n"
	":vm 251 bob :There are 1 users and 0 invisible on 1 servers\r\n"
	":vm 422 bob :MOTD File is missing\r\n"
	"@time=2026-01-02T03:04:06.000Z :bob!~bob@127.0.0.1 JOIN #lobby\r\n"
	":vm 353 bob = #lobby :alice bob\r\n"
	":vm 366 bob #lobby :End of /NAMES list\r\n";

static struct session *
registered(void)
{
	struct session *s = fresh();

	session_connecting(s, "localhost:6667", "bob", "#lobby");
	session_connected(s);
	feed(s, keochatd_burst);
	feed(s, keochatd_welcome);
	H.sentlen = 0;
	H.sent[0] = '\0';
	return s;
}

static struct session *registered_history(void);

static void
registration_with_keochatd(void **state)
{
	struct session *s = fresh();
	struct model *m = session_model(s);
	int r;

	(void)state;
	session_connecting(s, "localhost:6667", "bob", "#lobby");
	assert_int_equal(session_state(s), SS_CONNECTING);
	session_connected(s);
	expect_sent("CAP LS 302\r\nNICK bob\r\nUSER bob 0 * :KEO Chat user\r\n");
	feed(s, keochatd_burst);
	expect_sent("CAP REQ :server-time echo-message message-tags\r\n");
	feed(s, keochatd_welcome);
	assert_int_equal(session_state(s), SS_CONNECTED);
	assert_line(s, 0, "[03:04:05] You connected");
	r = model_find(m, "#lobby");
	assert_int_equal(r, 1);
	assert_line(s, r, "[03:04:06] You joined #lobby");
	assert_line(s, r, "[03:04:05] Active: alice");
	assert_line(s, r, "[03:04:05] Active: bob");
	assert_int_equal(model_roster_count(m, r), 2);
	/* the JOIN after the MOTD is sent unless the server joined us */
	assert_non_null(strstr(H.sent, "CAP END\r\n"));
	session_free(s);
}

static void
registration_with_ngircd(void **state)
{
	struct session *s = fresh();
	struct model *m = session_model(s);

	(void)state;
	session_connecting(s, "127.0.0.1:6698", "bob", "#lobby");
	session_connected(s);
	clear_sent();
	feed(s, ":irc.ngircd.test CAP * LS :multi-prefix\r\n");
	expect_sent("CAP END\r\n");
	feed(s,
	    ":irc.ngircd.test 001 bob :Welcome to the Internet Relay Network "
	    "bob!~bob@127.0.0.1\r\n"
	    ":irc.ngircd.test 005 bob RFC2812 IRCD=ngIRCd CASEMAPPING=ascii "
	    "PREFIX=(qaohv)~&@%+ CHANTYPES=#&+ :are supported on this server\r\n"
	    ":irc.ngircd.test 375 bob :- irc.ngircd.test message of the day\r\n"
	    ":irc.ngircd.test 372 bob :- Hello from ngircd\r\n"
	    ":irc.ngircd.test 376 bob :End of MOTD command\r\n");
	expect_sent("JOIN #lobby\r\n");
	feed(s, ":bob!~bob@127.0.0.1 JOIN :#lobby\r\n"
	    ":irc.ngircd.test 353 bob = #lobby :@bob +carol\r\n"
	    ":irc.ngircd.test 366 bob #lobby :End of NAMES list\r\n"
	    ":alice!~a@127.0.0.1 JOIN :#lobby\r\n");
	assert_line(s, 0, "[03:04:05] - Hello from ngircd");
	assert_int_equal(model_roster_count(m, 1), 3);
	assert_string_equal(model_roster_nick(m, 1, 0), "alice");
	assert_string_equal(model_roster_nick(m, 1, 1), "bob");
	assert_string_equal(model_roster_nick(m, 1, 2), "carol");
	assert_line(s, 1, "[03:04:05] alice connected");
	session_free(s);
}

static void
server_without_cap(void **state)
{
	struct session *s = fresh();

	(void)state;
	session_connecting(s, "old:6667", "bob", "");
	session_connected(s);
	clear_sent();
	feed(s, ":old 421 * CAP :Unknown command\r\n"
	    ":old 001 bob :Welcome\r\n:old 376 bob :End\r\n");
	assert_int_equal(session_state(s), SS_CONNECTED);
	expect_sent("");	/* no room asked: no JOIN */
	session_free(s);
}

static void
joins_parts_quits_nicks(void **state)
{
	struct session *s = registered();
	struct model *m = session_model(s);

	(void)state;
	feed(s, ":carol!~c@h JOIN #lobby\r\n");
	assert_line(s, 1, "[03:04:05] carol connected");
	assert_true(model_roster_has(m, 1, "carol"));
	feed(s, ":carol!~c@h NICK :caroline\r\n");
	assert_line(s, 1, "[03:04:05] carol is now known as caroline");
	assert_true(model_roster_has(m, 1, "CAROLINE"));
	feed(s, ":caroline!~c@h PART #lobby :bye now\r\n");
	assert_line(s, 1, "[03:04:05] caroline left #lobby (bye now)");
	feed(s, ":alice!~a@h QUIT :Ping timeout: 60 seconds\r\n");
	/* events that follow each other fold into one line */
	assert_line(s, 1, "[03:04:05] caroline left #lobby (bye now) \xc2\xb7 "
	    "alice disconnected (Ping timeout: 60 seconds)");
	assert_int_equal(model_roster_count(m, 1), 1);
	feed(s, ":bob!~bob@h NICK :robert\r\n");
	assert_string_equal(session_nick(s), "robert");
	assert_line(s, 1, "[03:04:05] You are now known as robert");
	session_free(s);
}

static void
messages_highlights_and_queries(void **state)
{
	struct session *s = registered();
	struct model *m = session_model(s);
	int q;

	(void)state;
	H.events[SEV_HIGHLIGHT] = 0;
	feed(s, "@time=2026-01-02T10:20:30.000Z :alice!~a@h PRIVMSG #lobby "
	    ":hello everyone\r\n");
	assert_line(s, 1, "[10:20:30] <alice> hello everyone");
	assert_int_equal(H.events[SEV_HIGHLIGHT], 0);
	feed(s, ":alice!~a@h PRIVMSG #lobby :Bob: are you there?\r\n");
	assert_int_equal(H.events[SEV_HIGHLIGHT], 1);
	feed(s, ":alice!~a@h PRIVMSG #lobby :bobby is someone else\r\n");
	assert_int_equal(H.events[SEV_HIGHLIGHT], 1);
	feed(s, ":alice!~a@h PRIVMSG bob :psst\r\n");
	q = model_find(m, "alice");
	assert_true(q > 1);
	assert_line(s, q, "[03:04:05] <alice> psst");
	assert_int_equal(H.events[SEV_HIGHLIGHT], 2);
	feed(s, ":alice!~a@h PRIVMSG #lobby :\001ACTION waves\001\r\n");
	assert_line(s, 1, "[03:04:05] * alice waves");
	feed(s, ":alice!~a@h NOTICE #lobby :a notice\r\n");
	assert_line(s, 1, "[03:04:05] -alice- a notice");
	feed(s, ":alice!~a@h PRIVMSG #lobby :\00304red\003 \002bold\002\r\n");
	assert_line(s, 1, "[03:04:05] <alice> red bold");
	feed(s, ":alice!~a@h PRIVMSG #lobby :caf\xe9\r\n");
	assert_line(s, 1, "[03:04:05] <alice> caf?");
	/* our own echo (echo-message) is shown as ours */
	feed(s, ":bob!~bob@h PRIVMSG alice :echoed\r\n");
	assert_line(s, q, "[03:04:05] <bob> echoed");
	session_free(s);
}

static void
ctcp_and_ping(void **state)
{
	struct session *s = registered();

	(void)state;
	feed(s, "PING :abc\r\n");
	expect_sent("PONG :abc\r\n");
	feed(s, ":alice!~a@h PRIVMSG bob :\001VERSION\001\r\n");
	assert_non_null(strstr(H.sent, "NOTICE alice :\001VERSION KEO Chat"));
	session_free(s);
}

static void
nick_in_use_while_registering(void **state)
{
	struct session *s = fresh();

	(void)state;
	session_connecting(s, "x:1", "bob", "#lobby");
	session_connected(s);
	clear_sent();
	feed(s, ":irc.ngircd.test 433 * bob :Nickname already in use\r\n");
	/* taken: bob_, bob__, bob___ by itself, then the user is asked */
	expect_sent("NICK bob_\r\n");
	assert_line(s, 0, "[03:04:05] The name bob is taken (Nickname already "
	    "in use): trying bob_ ...");
	feed(s, ":irc.ngircd.test 433 * bob_ :Nickname already in use\r\n"
	    ":irc.ngircd.test 433 * bob__ :Nickname already in use\r\n");
	expect_sent("NICK bob__\r\nNICK bob___\r\n");
	assert_int_equal(H.events[SEV_NICK_REJECTED], 0);
	feed(s, ":irc.ngircd.test 433 * bob___ :Nickname already in use\r\n");
	expect_sent("");
	assert_int_equal(H.events[SEV_NICK_REJECTED], 1);
	assert_line(s, 0, "[03:04:05] The name bob___ cannot be used: "
	    "Nickname already in use. Type another name and press Connect (or "
	    "/nick NAME).");
	assert_int_equal(session_state(s), SS_REGISTERING);
	/* /nick works on the half-registered link */
	session_command(s, 0, "/nick bob2");
	expect_sent("NICK bob2\r\n");
	feed(s, ":x 001 bob2 :Welcome\r\n");
	assert_string_equal(session_nick(s), "bob2");
	session_free(s);

	/* asked and not answered: the server gives up on the link, and the
	 * client does not reconnect to the same refusal forever */
	s = fresh();
	session_connecting(s, "x:1", "bob", "#lobby");
	session_connected(s);
	feed(s, ":x 432 * bob :Erroneous nickname\r\n");
	assert_int_equal(H.events[SEV_NICK_REJECTED], 1);
	session_closed(s, 0, "registration timed out");
	assert_int_equal(session_reconnect_delay(s), -1);
	assert_line(s, 0, "[03:04:05] Not reconnecting: the name bob cannot be "
	    "used there. Type another name and press Connect.");
	session_free(s);
}

/* A saved network's alternates are tried first, in order (an invalid
 * one skipped), then name_ from the first name; its rooms all join. */
static void
alternates_and_rooms_of_a_network(void **state)
{
	struct session *s = fresh();

	(void)state;
	session_set_alternates(s, "bobby  9bad,robert");
	session_connecting(s, "x:1", "bob", " #lobby #dev,#ops");
	session_connected(s);
	clear_sent();
	feed(s, ":x 433 * bob :Nickname already in use\r\n");
	expect_sent("NICK bobby\r\n");
	assert_line(s, 0, "[03:04:05] The name bob is taken (Nickname already "
	    "in use): trying bobby ...");
	feed(s, ":x 433 * bobby :Nickname already in use\r\n");
	expect_sent("NICK robert\r\n");
	feed(s, ":x 433 * robert :Nickname already in use\r\n");
	expect_sent("NICK bob_\r\n");
	feed(s, ":x 001 bob_ :Welcome\r\n:x 376 bob_ :End of MOTD\r\n");
	assert_string_equal(session_nick(s), "bob_");
	assert_non_null(strstr(H.sent, "JOIN #lobby,#dev,#ops\r\n"));
	/* a new connection starts the list again */
	session_closed(s, 1, NULL);
	session_connecting(s, "x:1", "bob", "#lobby");
	session_connected(s);
	clear_sent();
	feed(s, ":x 433 * bob :Nickname already in use\r\n");
	expect_sent("NICK bobby\r\n");
	session_free(s);
}

/* Away by hand is kept across a reconnect; auto-away comes after the
 * idle minutes and ends with typing, never ending an away set by hand. */
static void
away_and_auto_away(void **state)
{
	struct session *s = registered();

	(void)state;
	session_set_auto_away(s, 10, NULL);
	session_command(s, 1, "/away lunch");
	expect_sent("AWAY :lunch\r\n");
	assert_true(session_away(s));
	feed(s, ":vm 306 bob :You have been marked as being away\r\n");
	/* a new link: away again at once */
	session_closed(s, 0, "Connection reset by peer");
	session_connecting(s, "localhost:6667", "bob", "#lobby");
	session_connected(s);
	feed(s, keochatd_burst);
	clear_sent();
	feed(s, ":vm 001 bob :hi\r\n:vm 376 bob :End of MOTD\r\n");
	assert_non_null(strstr(H.sent, "AWAY :lunch\r\n"));
	/* idle: nothing more while away by hand */
	clear_sent();
	H.now += 11 * 60000;
	session_tick(s);
	assert_null(strstr(H.sent, "AWAY"));
	clear_sent();
	session_command(s, 1, "/away");
	expect_sent("AWAY\r\n");
	assert_false(session_away(s));
	feed(s, ":vm 305 bob :You are no longer marked as being away\r\n");
	/* ten idle minutes: auto-away; typing: back */
	H.now += 9 * 60000;
	session_tick(s);
	assert_null(strstr(H.sent, "AWAY"));
	clear_sent();
	H.now += 61000;
	feed(s, ":vm PONG vm :x\r\n");	/* no keepalive in the way */
	session_tick(s);
	expect_sent("AWAY :Away from the keyboard\r\n");
	assert_true(session_away(s));
	assert_line(s, 0, "[03:25:06] Idle for 10 minutes: marked away (typing "
	    "anything ends it)");
	session_tick(s);
	expect_sent("");
	session_typed(s, 1, "h");
	assert_non_null(strstr(H.sent, "AWAY\r\n"));
	assert_false(session_away(s));
	session_free(s);
}

/* A muted tab: its messages are unread but do not count for Alt+A; a
 * mention still does. */
static void
muted_tab(void **state)
{
	struct session *s = registered();
	struct model *m = session_model(s);
	struct room_view v;
	int dev;

	(void)state;
	feed(s, ":bob!~bob@h JOIN #dev\r\n");
	dev = model_find(m, "#dev");
	session_select(s, 1);
	session_command(s, dev, "/mute");
	assert_line(s, dev, "[03:04:05] #dev is muted: its messages do not "
	    "mark its tab (mentions still do); /unmute to hear it again");
	feed(s, ":alice!~a@h PRIVMSG #dev :chatter\r\n");
	model_view(m, dev, &v);
	assert_true(v.muted);
	assert_int_equal(v.unread, 1);
	assert_int_equal(model_next_activity(m, 1), -1);
	feed(s, ":alice!~a@h PRIVMSG #dev :bob: look\r\n");
	assert_int_equal(model_next_activity(m, 1), dev);
	session_command(s, dev, "/unmute");
	model_view(m, dev, &v);
	assert_false(v.muted);
	session_free(s);
}

/* /list: the server's rooms kept whole (not as lines), busiest first,
 * a secret "*" left out; not connected, it says so. */
static void
list_of_rooms(void **state)
{
	struct session *s = fresh();
	const char *name, *topic;
	unsigned users;

	(void)state;
	session_list(s);
	assert_string_equal(session_list_status(s), "Not connected: connect "
	    "first, then ask for the rooms");
	session_free(s);
	s = registered();
	session_command(s, 1, "/list");
	expect_sent("LIST\r\n");
	assert_int_equal(H.events[SEV_LIST], 1);
	feed(s, ":vm 321 bob Channel :Users  Name\r\n"
	    ":vm 322 bob #small 2 :a \x02" "bold\x02 topic\r\n"
	    ":vm 322 bob * 9 :secret\r\n"
	    ":vm 322 bob #big 40 :\r\n"
	    ":vm 322 bob #also 2 :x\r\n");
	assert_int_equal(session_listed(s), 0);	/* not all in yet */
	feed(s, ":vm 323 bob :End of /LIST\r\n");
	assert_int_equal(H.events[SEV_LIST], 2);
	assert_int_equal(session_listed(s), 3);
	assert_string_equal(session_list_status(s), "3 rooms");
	assert_true(session_listed_room(s, 0, &name, &users, &topic));
	assert_string_equal(name, "#big");
	assert_int_equal(users, 40);
	assert_true(session_listed_room(s, 1, &name, &users, &topic));
	assert_string_equal(name, "#also");
	assert_true(session_listed_room(s, 2, &name, &users, &topic));
	assert_string_equal(name, "#small");
	assert_string_equal(topic, "a bold topic");
	assert_false(session_listed_room(s, 3, &name, &users, &topic));
	/* none of it went into a tab */
	assert_false(has_line(s, 1, "#big"));
	session_free(s);
}

/* showJoins off: others come and go in the list only; a message still
 * shows, and a private tab still says its other end quit. */
static void
joins_hidden(void **state)
{
	struct session *s = registered();
	struct model *m = session_model(s);
	size_t before;

	(void)state;
	session_set_show_joins(s, 0);
	feed(s, ":carol!~c@h PRIVMSG bob :hi\r\n");
	before = model_lines(m, 1);
	feed(s, ":dave!~d@h JOIN #lobby\r\n:dave!~d@h PART #lobby :bye\r\n"
	    ":carol!~c@h JOIN #lobby\r\n:carol!~c@h QUIT :gone\r\n");
	assert_int_equal(model_lines(m, 1), before);
	assert_false(model_roster_has(m, 1, "dave"));
	assert_false(model_roster_has(m, 1, "carol"));
	assert_line(s, model_find(m, "carol"), "[03:04:05] carol disconnected "
	    "(gone)");
	feed(s, ":alice!~a@h PRIVMSG #lobby :still here\r\n");
	assert_int_equal(model_lines(m, 1), before + 1);
	session_free(s);
}

/* mIRC codes: the text is plain, and what they said is kept per byte
 * for the view (the time and nick are never formatted). */
static void
formatting_kept_for_the_view(void **state)
{
	struct session *s = registered();
	struct model *m = session_model(s);
	struct line_meta meta;
	const char *t;
	size_t n, at;

	(void)state;
	feed(s, ":alice!~a@h PRIVMSG #lobby :\x03" "04,12red\x03 \x02" "bold"
	    "\x02 \x1d" "it\x0f \x16rev\x16 \x03" "99,99x\x03" "5\x1fu\x0f"
	    " \x04" "ff00aa,00ff00hex end\r\n");
	n = model_lines(m, 1);
	t = model_line(m, 1, n - 1);
	assert_string_equal(t, "[03:04:05] <alice> red bold it rev xu hex end");
	assert_true(model_line_meta(m, 1, n - 1, &meta));
	assert_non_null(meta.fmt);
	at = (size_t)(strstr(t, "red") - t);
	assert_int_equal(meta.fmt[0], 0);
	assert_int_equal(meta.fmt[at - 2], 0);		/* the nick */
	assert_int_equal(meta.fmt[at], FMT_FG | 4 | FMT_BG | 12 << 5);
	assert_int_equal(meta.fmt[at + 3], 0);		/* \003 alone ends it */
	at = (size_t)(strstr(t, "bold") - t);
	assert_int_equal(meta.fmt[at], FMT_BOLD);
	assert_int_equal(meta.fmt[at + 4], 0);
	at = (size_t)(strstr(t, "it") - t);
	assert_int_equal(meta.fmt[at], FMT_ITALIC);
	at = (size_t)(strstr(t, "rev") - t);
	assert_int_equal(meta.fmt[at], FMT_REVERSE);
	at = (size_t)(strstr(t, " xu ") - t) + 1;
	assert_int_equal(meta.fmt[at], 0);		/* 99: the default */
	assert_int_equal(meta.fmt[at + 1], FMT_FG | 5 | FMT_UNDERLINE);
	at = (size_t)(strstr(t, "hex") - t);
	assert_int_equal(meta.fmt[at], 0);		/* \004: not drawn */
	/* a plain line has none */
	feed(s, ":alice!~a@h PRIVMSG #lobby :plain\r\n");
	assert_true(model_line_meta(m, 1, model_lines(m, 1) - 1, &meta));
	assert_null(meta.fmt);
	session_free(s);
}

/* Joins and parts that follow each other are one line, up to 20; a
 * message, or the setting, keeps them apart; a log gets each alone. */
static void
joins_fold(void **state)
{
	struct session *s = registered();
	struct model *m = session_model(s);
	size_t n0 = model_lines(m, 1);
	int i;

	(void)state;
	feed(s, ":a1!~a@h JOIN #lobby\r\n:a2!~a@h JOIN #lobby\r\n"
	    ":a1!~a@h PART #lobby\r\n");
	assert_int_equal(model_lines(m, 1), n0 + 1);
	assert_string_equal(model_line(m, 1, n0), "[03:04:05] a1 connected "
	    "\xc2\xb7 a2 connected \xc2\xb7 a1 left #lobby");
	assert_int_equal(H.events[SEV_LINE_CHANGED], 2);
	feed(s, ":a2!~a@h PRIVMSG #lobby :hello\r\n:a3!~a@h JOIN #lobby\r\n");
	assert_int_equal(model_lines(m, 1), n0 + 3);
	assert_string_equal(model_line(m, 1, n0 + 2), "[03:04:05] a3 connected");
	for (i = 0; i < 25; i++) {
		char l[64];
		snprintf(l, sizeof(l), ":x%d!~x@h JOIN #lobby\r\n", i);
		feed(s, l);
	}
	/* 20 to a line: a3 and 19 more, then the other 6 */
	assert_int_equal(model_lines(m, 1), n0 + 4);
	session_set_fold_joins(s, 0);
	feed(s, ":y!~y@h JOIN #lobby\r\n:z!~z@h JOIN #lobby\r\n");
	assert_int_equal(model_lines(m, 1), n0 + 6);
	assert_string_equal(model_line(m, 1, n0 + 5), "[03:04:05] z connected");
	session_free(s);
}

static void
password_and_error(void **state)
{
	struct session *s = fresh();

	(void)state;
	session_set_password(s, "sesame");
	session_connecting(s, "x:1", "bob", "#lobby");
	session_connected(s);
	expect_sent("CAP LS 302\r\nPASS sesame\r\nNICK bob\r\n"
	    "USER bob 0 * :KEO Chat user\r\n");
	feed(s, ":x 464 bob :Password incorrect\r\n"
	    "ERROR :Closing Link: 127.0.0.1 (Bad password)\r\n");
	assert_line(s, 0, "[03:04:05] The server needs a password (Password "
	    "incorrect): type /password WORD, then connect again.");
	assert_int_equal(H.closes, 1);
	assert_string_equal(H.close_why, "Closing Link: 127.0.0.1 (Bad "
	    "password)");
	session_free(s);
}

static void
error_numerics_are_shown(void **state)
{
	struct session *s = registered();

	(void)state;
	feed(s, ":vm 401 bob ghost :No such nick/channel\r\n");
	assert_line(s, 1, "[03:04:05] Error: ghost: No such nick/channel");
	feed(s, ":vm 311 bob alice ~a host * :Alice A\r\n"
	    ":vm 319 bob alice :#lobby\r\n:vm 318 bob alice :End\r\n");
	assert_line(s, 1, "[03:04:05] alice is ~a@host (Alice A)");
	assert_line(s, 1, "[03:04:05] alice is on #lobby");
	session_free(s);
}

static void
commands_send_the_right_bytes(void **state)
{
	struct session *s = registered();
	struct model *m = session_model(s);

	(void)state;
	session_command(s, 1, "hello there");
	expect_sent("PRIVMSG #lobby :hello there\r\n");
	session_command(s, 1, "/me waves");
	expect_sent("PRIVMSG #lobby :\001ACTION waves\001\r\n");
	session_command(s, 1, "/msg alice hi you");
	expect_sent("PRIVMSG alice :hi you\r\n");
	assert_true(model_find(m, "alice") > 1);
	session_command(s, 1, "/nick robert");
	expect_sent("NICK robert\r\n");
	session_command(s, 1, "/join dev");
	expect_sent("JOIN #dev\r\n");
	session_command(s, 1, "/join #ops");
	expect_sent("JOIN #ops\r\n");
	session_command(s, 1, "/part see you");
	expect_sent("PART #lobby :see you\r\n");
	session_command(s, 1, "/topic");
	expect_sent("TOPIC #lobby\r\n");
	session_command(s, 1, "/topic new topic");
	expect_sent("TOPIC #lobby :new topic\r\n");
	session_command(s, 1, "/names");
	expect_sent("NAMES #lobby\r\n");
	feed(s, ":vm 353 bob = #lobby :alice bob\r\n:vm 366 bob #lobby :End\r\n");
	assert_line(s, 1, "[03:04:05] Users in #lobby (2): alice bob");
	session_command(s, 1, "/whois alice");
	expect_sent("WHOIS alice\r\n");
	session_command(s, 1, "/away lunch");
	expect_sent("AWAY :lunch\r\n");
	session_command(s, 1, "/away");
	expect_sent("AWAY\r\n");
	session_command(s, 1, "//notacommand");
	expect_sent("PRIVMSG #lobby :/notacommand\r\n");
	session_command(s, 1, "/frob");
	expect_sent("");
	assert_line(s, 1, "[03:04:05] Unknown command /frob. Type /help for the "
	    "list of commands.");
	/* /help comes from the same table as the commands, and aligns
	 * nothing with spaces (the chat's font is proportional) */
	session_command(s, 1, "/help");
	assert_line(s, 1, "[03:04:05] /msg NICK text \u2014 send a private "
	    "message (opens its tab)");
	assert_line(s, 1, "[03:04:05] /op, /deop, /voice, /devoice NICK ... "
	    "\u2014 give or take operator or voice status in this room");
	assert_non_null(strstr(session_help(), "\n/part, /leave [#room] "
	    "[reason] \u2014 leave this room (or #room)\n"));
	assert_null(strstr(session_help(), "  "));
	session_command(s, 0, "/kick bob");
	assert_line(s, 0, "[03:04:05] /kick works in a room's tab");
	session_command(s, 1, "/LEAVE");
	expect_sent("PART #lobby\r\n");
	session_command(s, 0, "text in the server tab");
	expect_sent("");
	session_command(s, 1, "/quit gone");
	expect_sent("QUIT :gone\r\n");
	assert_int_equal(H.closes, 1);
	session_free(s);
}

static void
bad_input_never_breaks_lines(void **state)
{
	struct session *s = registered();

	(void)state;
	session_command(s, 1, "/quote PRIVMSG #lobby :a\r\nQUIT");
	expect_sent("PRIVMSG #lobby :a  QUIT\r\n");
	session_free(s);
}

static void
long_text_is_split(void **state)
{
	struct session *s = registered();
	char text[2000], *p, *q;
	int lines = 0;

	(void)state;
	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	session_command(s, 1, text);
	for (p = H.sent; (q = strstr(p, "\r\n")) != NULL; p = q + 2) {
		assert_true(q - p + 2 <= 420);
		lines++;
	}
	assert_int_equal(lines, 6);
	session_free(s);
}

/* Which mentions and private messages notify the desktop: the network's
 * setting, its quiet tabs (rooms and nicks, in IRC case), /notify. */
static void
notification_decisions(void **state)
{
	struct session *s = registered();
	struct model *m = session_model(s);
	int lobby = model_find(m, "#lobby"), dev, bob;

	(void)state;
	assert_true(session_notifies(s, lobby));
	session_set_notify(s, 1, "#Dev alice");
	feed(s, ":bob!u@h JOIN #dev\r\n:alice!u@h PRIVMSG bob :hi\r\n"
	    ":carol!u@h PRIVMSG bob :hey\r\n");
	dev = model_find(m, "#dev");
	assert_true(dev > 0 && model_find(m, "alice") > 0);
	assert_false(session_notifies(s, dev));		/* quiet, any case */
	assert_false(session_notifies(s, model_find(m, "alice")));
	assert_true(session_notifies(s, model_find(m, "carol")));
	assert_true(session_notifies(s, lobby));
	/* /notify on a tab; alone, it says how it is */
	session_command(s, lobby, "/notify off");
	assert_false(session_notifies(s, lobby));
	assert_line(s, lobby, "[03:04:05] Desktop notifications for #lobby: off "
	    "(/notify on for them again)");
	session_command(s, dev, "/notify on");
	assert_true(session_notifies(s, dev));
	session_command(s, dev, "/notify maybe");
	assert_line(s, dev, "[03:04:05] Usage: /notify [on|off]");
	/* the network's Quiet: none at all, whatever the tabs say */
	session_set_notify(s, 0, "");
	bob = model_find(m, "carol");
	assert_false(session_notifies(s, bob));
	assert_false(session_notifies(s, dev));
	assert_false(session_notifies(s, -1));
	assert_false(session_notifies(s, 999));
	session_free(s);
}

/* A room the user asks for comes into view, and into the Join dialog's
 * recent rooms (SEV_JOINED); a network's other rooms do not. */
static void
asked_for_joins_are_shown(void **state)
{
	struct session *s = registered();
	struct model *m = session_model(s);
	int active = model_active(m);

	(void)state;
	H.events[SEV_JOINED] = H.events[SEV_ACTIVE] = 0;
	feed(s, ":bob!u@h JOIN #other\r\n");	/* not asked: a rejoin, say */
	assert_int_equal(H.events[SEV_JOINED], 0);
	assert_int_equal(H.events[SEV_ACTIVE], 0);
	assert_int_equal(model_active(m), active);
	expect_sent("MODE #other\r\n");	/* for the topic bar */
	session_command(s, 1, "/join dev,ops");
	expect_sent("JOIN #dev,ops\r\n");
	feed(s, ":bob!u@h JOIN #ops\r\n");
	assert_int_equal(H.events[SEV_JOINED], 0);
	feed(s, ":bob!u@h JOIN #dev\r\n");
	assert_int_equal(H.events[SEV_JOINED], 1);
	assert_int_equal(H.events[SEV_ACTIVE], 1);
	assert_int_equal(model_active(m), model_find(m, "#dev"));
	session_free(s);
}

static void
not_connected(void **state)
{
	struct session *s = fresh();

	(void)state;
	session_command(s, 0, "hello?");
	assert_line(s, 0, "[03:04:05] You are not connected to a server");
	session_command(s, 0, "/join #x");
	assert_string_equal(last_line(s, 0),
	    "[03:04:05] You are not connected to a server");
	expect_sent("");
	session_free(s);
}

static void
disconnect_and_reconnect_policy(void **state)
{
	struct session *s = registered();

	(void)state;
	session_closed(s, 1, NULL);
	assert_line(s, 1, "[03:04:05] You disconnected");
	assert_int_equal(session_reconnect_delay(s), -1);
	session_free(s);
	s = registered();
	session_closed(s, 0, "Connection reset by peer");
	assert_line(s, 1, "[03:04:05] Connection to localhost:6667 lost: "
	    "Connection reset by peer");
	assert_int_equal(session_reconnect_delay(s), 1000);
	assert_int_equal(session_reconnect_delay(s), -1);	/* once */
	session_connecting(s, "localhost:6667", "bob", "#lobby");
	session_connect_failed(s, "Connection refused");
	assert_line(s, 1, "[03:04:05] Could not connect to localhost:6667: "
	    "Connection refused");
	assert_int_equal(session_reconnect_delay(s), 2000);
	session_connecting(s, "localhost:6667", "bob", "#lobby");
	session_connect_failed(s, "Connection refused");
	assert_int_equal(session_reconnect_delay(s), 4000);
	session_free(s);
	s = fresh();
	session_connecting(s, "nowhere:1", "bob", "#lobby");
	session_connect_failed(s, "Connection refused");
	assert_int_equal(session_reconnect_delay(s), -1);	/* never up */
	session_free(s);
}

static void
keepalive_and_ping_timeout(void **state)
{
	struct session *s = registered();

	(void)state;
	H.now += 91000;
	session_tick(s);
	assert_non_null(strstr(H.sent, "PING :keochat-"));
	H.now += 30000;
	session_tick(s);
	assert_int_equal(H.closes, 0);
	H.now += 31000;
	session_tick(s);
	assert_int_equal(H.closes, 1);
	assert_non_null(strstr(H.close_why, "ping timeout"));
	session_free(s);
}

static void
close_tab_parts_channel(void **state)
{
	struct session *s = registered();
	struct model *m = session_model(s);

	(void)state;
	session_command(s, 1, "/close");
	expect_sent("PART #lobby\r\n");
	assert_int_equal(model_find(m, "#lobby"), -1);
	session_command(s, 0, "/close");
	assert_line(s, 0, "[03:04:05] The server tab cannot be closed");
	session_command(s, 0, "/query alice");
	assert_true(model_find(m, "alice") > 0);
	session_free(s);
}

static void
model_roster_and_completion(void **state)
{
	struct model *m = model_new();
	int r = model_open(m, "#c", ROOM_CHANNEL);

	(void)state;
	model_roster_add(m, r, "bob");
	model_roster_add(m, r, "Alice");
	model_roster_add(m, r, "alfred");
	model_roster_add(m, r, "ALICE");	/* duplicate under casemap */
	assert_int_equal(model_roster_count(m, r), 3);
	assert_string_equal(model_roster_nick(m, r, 0), "alfred");
	assert_string_equal(model_roster_nick(m, r, 1), "Alice");
	assert_string_equal(model_complete(m, r, "al"), "alfred");
	assert_string_equal(model_complete(m, r, "al"), "Alice");
	assert_string_equal(model_complete(m, r, "al"), "alfred");
	assert_null(model_complete(m, r, "zz"));
	assert_true(model_roster_rename(m, r, "bob", "Zed"));
	assert_string_equal(model_roster_nick(m, r, 2), "Zed");
	model_free(m);
}

/* Tab cycles: "bo" Tab Tab gives "bobby: ", not "bob: bobby"; in mid-line
 * the completion is replaced, and what follows the cursor stays. */
/* After a reconnect (or Disconnect and Connect) every room tab we were
 * in is joined again, not only the autojoin room; a room we left stays
 * left. */
static void
rooms_are_rejoined_after_a_reconnect(void **state)
{
	struct session *s = registered();

	(void)state;
	feed(s, ":bob!~bob@h JOIN #dev\r\n:bob!~bob@h JOIN #ops\r\n"
	    ":bob!~bob@h PART #ops\r\n");
	session_closed(s, 0, "Connection reset by peer");
	session_connecting(s, "localhost:6667", "bob", "#lobby");
	session_connected(s);
	feed(s, keochatd_burst);
	clear_sent();
	feed(s, ":vm CAP bob ACK :server-time\r\n:vm 001 bob :hi\r\n"
	    ":vm 422 bob :MOTD File is missing\r\n");
	assert_non_null(strstr(H.sent, "JOIN #lobby,#dev\r\n"));
	assert_null(strstr(H.sent, "#ops"));
	/* the user's own Disconnect and Connect: the same */
	feed(s, ":bob!~bob@h JOIN #lobby\r\n:bob!~bob@h JOIN #dev\r\n");
	session_closed(s, 1, NULL);
	session_connecting(s, "localhost:6667", "bob", "#lobby");
	session_connected(s);
	feed(s, keochatd_burst);
	clear_sent();
	feed(s, ":vm CAP bob ACK :server-time\r\n:vm 001 bob :hi\r\n"
	    ":bob!~bob@h JOIN #lobby\r\n:vm 376 bob :End of MOTD\r\n");
	assert_non_null(strstr(H.sent, "JOIN #dev\r\n"));
	assert_null(strstr(H.sent, "JOIN #lobby"));	/* put there already */
	session_free(s);
}

/* /msg opens the conversation's tab and shows it; our own line there is
 * not unread. */
static void
msg_opens_and_shows_the_tab(void **state)
{
	struct session *s = registered();
	struct model *m = session_model(s);
	struct room_view v;
	int q;

	(void)state;
	session_command(s, 1, "/msg carol see you at noon");
	expect_sent("PRIVMSG carol :see you at noon\r\n");
	q = model_find(m, "carol");
	assert_true(q > 0);
	assert_int_equal(model_active(m), q);
	assert_int_equal(H.evroom[SEV_ACTIVE], q);
	feed(s, "@time=2026-01-02T03:04:07.000Z :bob!~bob@h PRIVMSG carol :see "
	    "you at noon\r\n");
	session_select(s, 1);
	model_view(m, q, &v);
	assert_int_equal(v.unread, 0);
	session_command(s, 1, "/msg bad,nick hello");
	expect_sent("");
	session_free(s);
}

/* Operator state: the roster keeps @ and +, MODE lines move them and are
 * shown, the commands send what they say; being kicked reads as "You". */
static void
operators_modes_and_kicks(void **state)
{
	struct session *s = registered();
	struct model *m = session_model(s);
	int r = model_find(m, "#lobby");

	(void)state;
	feed(s, ":vm 005 bob PREFIX=(ov)@+ CHANMODES=beI,k,l,imnst :are "
	    "supported\r\n"
	    ":vm 353 bob = #lobby :@alice +carol bob dave!d@h\r\n"
	    ":vm 366 bob #lobby :End of /NAMES list\r\n");
	assert_string_equal(model_roster_prefix_of(m, r, "alice"), "@");
	assert_string_equal(model_roster_prefix_of(m, r, "carol"), "+");
	assert_true(model_roster_has(m, r, "dave"));
	feed(s, "@time=2026-01-02T03:04:07.000Z :alice!a@h MODE #lobby "
	    "+o-v+lk bob carol 10 sesame\r\n"
	    ":alice!a@h MODE #lobby +v bob\r\n");
	assert_string_equal(model_roster_prefix_of(m, r, "bob"), "@+");
	assert_string_equal(model_roster_prefix_of(m, r, "carol"), "");
	assert_line(s, r, "[03:04:07] alice sets mode +o-v+lk bob carol 10 "
	    "sesame");
	feed(s, ":alice!a@h MODE #lobby +b-l *!*@spam\r\n"
	    ":alice!a@h MODE #lobby -o+v bob\r\n");
	assert_string_equal(model_roster_prefix_of(m, r, "bob"), "+");
	assert_string_equal(model_roster_prefix_of(m, r, "alice"), "@");
	/* a prefix survives a nick change */
	feed(s, ":alice!a@h NICK alicia\r\n");
	assert_string_equal(model_roster_prefix_of(m, r, "alicia"), "@");
	session_select(s, r);
	clear_sent();
	session_command(s, r, "/op carol dave");
	session_command(s, r, "/devoice bob");
	session_command(s, r, "/kick dave");
	session_command(s, r, "/kick carol you know why");
	session_command(s, r, "/ban spammer");
	session_command(s, r, "/unban *!*@spam");
	session_command(s, r, "/mode +m");
	session_command(s, r, "/mode");
	expect_sent("MODE #lobby +oo carol dave\r\nMODE #lobby -v bob\r\n"
	    "KICK #lobby dave\r\nKICK #lobby carol :you know why\r\n"
	    "MODE #lobby +b spammer!*@*\r\nMODE #lobby -b *!*@spam\r\n"
	    "MODE #lobby +m\r\nMODE #lobby\r\n");
	session_command(s, 0, "/op carol");
	expect_sent("");
	feed(s, ":vm 324 bob #lobby +mnt\r\n");
	assert_line(s, r, "[03:04:05] Modes of #lobby +mnt");
	/* the topic bar: +t and only a voice, not ours to set */
	assert_false(model_topic_settable(m, r, "bob"));
	assert_true(model_topic_settable(m, r, "alicia"));
	feed(s, ":alicia!a@h MODE #lobby -t\r\n");
	assert_true(model_topic_settable(m, r, "bob"));
	feed(s, ":alicia!a@h MODE #lobby +to bob\r\n");
	assert_true(model_topic_settable(m, r, "bob"));
	feed(s, ":alicia!a@h MODE #lobby -o bob\r\n");
	assert_false(model_topic_settable(m, r, "bob"));
	assert_false(model_topic_settable(m, 0, "bob"));	/* a server */
	assert_false(model_topic_settable(m, 99, "bob"));
	feed(s, ":alicia!a@h KICK #lobby dave :flooding\r\n");
	assert_line(s, r, "[03:04:05] dave was kicked by alicia (flooding)");
	feed(s, ":alicia!a@h KICK #lobby bob :bye\r\n");
	assert_line(s, r, "[03:04:05] You were kicked from #lobby by alicia "
	    "(bye)");
	assert_int_equal(model_roster_count(m, r), 0);
	assert_false(model_topic_settable(m, r, "bob"));	/* not in it */
	/* garbage: no crash, nothing moves */
	feed(s, ":x MODE\r\n:x MODE #lobby\r\n:x MODE #lobby +oooo a\r\n"
	    ":vm 005 bob PREFIX=(ov)@ PREFIX=( CHANMODES= :x\r\n");
	session_free(s);
}

/* Pasted lines are sent one message each (never as commands), a few at
 * once, then paced; many lines are asked about first. */
static void
pasted_lines_are_sent_paced(void **state)
{
	struct session *s = registered();
	struct model *m = session_model(s);
	int r = model_find(m, "#lobby");

	(void)state;
	assert_int_equal(session_paste(s, r, "one\r\ntwo\n\n  \n/quit three"
	    "\n", 0), 0);
	expect_sent("PRIVMSG #lobby :one\r\nPRIVMSG #lobby :two\r\n"
	    "PRIVMSG #lobby :/quit three\r\n");
	assert_int_equal(session_pump(s), -1);
	H.now += 10000;
	/* eight lines: the host asks; then four go, and one each half second */
	assert_int_equal(session_paste(s, r, "1\n2\n3\n4\n5\n6\n7\n8", 0), 8);
	expect_sent("");
	assert_int_equal(session_paste(s, r, "1\n2\n3\n4\n5\n6\n7\n8", 1), 0);
	expect_sent("PRIVMSG #lobby :1\r\nPRIVMSG #lobby :2\r\n"
	    "PRIVMSG #lobby :3\r\nPRIVMSG #lobby :4\r\n");
	assert_int_equal(session_pump(s), 500);
	H.now += 499;
	assert_int_equal(session_pump(s), 1);
	expect_sent("");
	H.now += 1;
	assert_int_equal(session_pump(s), 500);
	expect_sent("PRIVMSG #lobby :5\r\n");
	/* the link goes: what is left is not sent, and it is said */
	session_closed(s, 0, "reset");
	assert_int_equal(session_pump(s), -1);
	assert_line(s, r, "[03:04:15] 3 pasted lines not sent: the link went");
	assert_int_equal(session_paste(s, r, "a\nb", 0), -1);
	session_free(s);
}

static void
links_are_found(void **state)
{
	size_t sp[8][2], n;
	const char *t = "see https://example.org/a_(b), or (www.x.org) and "
	    "mailto:me@x.org. not:http://no ftp://f.org/x?y=1;";
	char big[URL_MAX * 3];

	(void)state;
	n = model_urls(t, sp, 8);
	assert_int_equal(n, 4);
	assert_int_equal(sp[0][0], 4);
	assert_memory_equal(t + sp[0][0], "https://example.org/a_(b)",
	    sp[0][1] - sp[0][0]);
	assert_int_equal(sp[0][1] - sp[0][0], strlen("https://example.org/"
	    "a_(b)"));
	assert_memory_equal(t + sp[1][0], "www.x.org", 9);
	assert_int_equal(sp[1][1] - sp[1][0], 9);
	assert_int_equal(sp[2][1] - sp[2][0], strlen("mailto:me@x.org"));
	assert_int_equal(sp[3][1] - sp[3][0], strlen("ftp://f.org/x?y=1"));
	assert_true(model_url_is_web("HTTPS://x"));
	assert_false(model_url_is_web("ftp://x"));
	assert_int_equal(model_urls("http://", sp, 8), 0);
	assert_int_equal(model_urls("", sp, 8), 0);
	/* a huge one is cut at URL_MAX; nothing runs away */
	memcpy(big, "http://", 7);
	memset(big + 7, 'a', sizeof(big) - 8);
	big[sizeof(big) - 1] = '\0';
	n = model_urls(big, sp, 8);
	assert_true(n >= 1);
	assert_int_equal(sp[0][1] - sp[0][0], URL_MAX);
}

/* Tab offers who spoke last first, then the rest; "/jo" completes a
 * command and "#lo" a room. */
static void
completion_order_commands_and_rooms(void **state)
{
	struct session *s = registered();
	struct model *m = session_model(s);
	struct complete_state cs = { 0 };
	char out[256];
	size_t cur;
	int r = model_find(m, "#lobby");

	(void)state;
	feed(s, ":vm 353 bob = #lobby :alice alison bob\r\n"
	    ":vm 366 bob #lobby :End\r\n"
	    ":alice!a@h PRIVMSG #lobby :one\r\n"
	    ":alison!a@h PRIVMSG #lobby :two\r\n");
	assert_int_equal(model_complete_text(m, r, &cs, "al", 2, out,
	    sizeof(out), &cur), 1);
	assert_string_equal(out, "alison: ");
	assert_int_equal(model_complete_text(m, r, &cs, out, cur, out,
	    sizeof(out), &cur), 1);
	assert_string_equal(out, "alice: ");
	cs.active = 0;
	assert_int_equal(model_complete_text(m, r, &cs, "/jo", 3, out,
	    sizeof(out), &cur), 1);
	assert_string_equal(out, "/join ");
	cs.active = 0;
	assert_int_equal(model_complete_text(m, r, &cs, "/join #lo", 9, out,
	    sizeof(out), &cur), 1);
	assert_string_equal(out, "/join #lobby ");
	cs.active = 0;
	assert_int_equal(model_complete_text(m, r, &cs, "/zz", 3, out,
	    sizeof(out), &cur), 0);
	session_free(s);
}

static void
ignore_hides_and_unignore_shows(void **state)
{
	struct session *s = registered();
	int r = model_find(session_model(s), "#lobby");

	(void)state;
	session_command(s, r, "/ignore spammer");
	session_command(s, r, "/ignore *!*@bad.example");
	feed(s, ":spammer!x@h PRIVMSG #lobby :buy now\r\n"
	    ":other!x@bad.example PRIVMSG #lobby :me too\r\n"
	    ":spammer!x@h PRIVMSG bob :\001VERSION\001\r\n"
	    ":friend!f@good PRIVMSG #lobby :hello\r\n");
	assert_false(has_line(s, r, "[03:04:05] <spammer> buy now"));
	assert_false(has_line(s, r, "[03:04:05] <other> me too"));
	assert_null(strstr(H.sent, "VERSION KEO"));	/* not answered */
	assert_line(s, r, "[03:04:05] <friend> hello");
	session_command(s, r, "/ignore");
	assert_line(s, r, "[03:04:05] Ignored: spammer");
	session_command(s, r, "/unignore spammer");
	feed(s, ":spammer!x@h PRIVMSG #lobby :again\r\n");
	assert_line(s, r, "[03:04:05] <spammer> again");
	session_command(s, r, "/unignore nobody");
	assert_line(s, r, "[03:04:05] nobody is not ignored");
	session_free(s);
}

/* A live line of another day comes after a line that names the day. */
static void
day_changes_are_marked(void **state)
{
	struct session *s = registered();
	struct model *m = session_model(s);
	struct line_meta meta;
	int r = model_find(m, "#lobby");
	size_t n;

	(void)state;
	feed(s, "@time=2026-01-02T23:59:59.000Z :alice!a@h PRIVMSG #lobby :late"
	    "\r\n@time=2026-01-03T00:00:01.000Z :alice!a@h PRIVMSG #lobby "
	    ":early\r\n@time=2026-01-03T00:00:02.000Z :alice!a@h PRIVMSG "
	    "#lobby :and on\r\n");
	n = model_lines(m, r);
	assert_string_equal(model_line(m, r, n - 3), "\u2014\u2014\u2014 "
	    "Saturday, 3 January 2026 \u2014\u2014\u2014");
	assert_int_equal(model_line_meta(m, r, n - 3, &meta), 1);
	assert_int_equal(meta.flags, ML_DAY);
	assert_string_equal(model_line(m, r, n - 2), "[2026-01-03 00:00:01] "
	    "<alice> early");
	assert_string_equal(model_line(m, r, n - 4), "[23:59:59] <alice> late");
	session_free(s);
}

static void
typing_both_ways(void **state)
{
	struct session *s = registered_history();
	struct model *m = session_model(s);
	char buf[128];
	int r;

	(void)state;
	feed(s, "@time=2026-01-02T03:04:06.000Z :bob!~bob@h JOIN #lobby\r\n"
	    ":vm BATCH +a chathistory #lobby\r\n:vm BATCH -a\r\n");
	r = model_find(m, "#lobby");
	clear_sent();
	feed(s, "@+typing=active :alice!a@h TAGMSG #lobby\r\n");
	assert_int_equal(session_typing_text(s, r, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "alice is typing\u2026");
	feed(s, "@+draft/typing=active :carol!c@h TAGMSG #lobby\r\n");
	session_typing_text(s, r, buf, sizeof(buf));
	assert_string_equal(buf, "alice and carol are typing\u2026");
	feed(s, "@+typing=done :alice!a@h TAGMSG #lobby\r\n");
	session_typing_text(s, r, buf, sizeof(buf));
	assert_string_equal(buf, "carol is typing\u2026");
	feed(s, ":carol!c@h PRIVMSG #lobby :here it is\r\n");
	assert_int_equal(session_typing_text(s, r, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	feed(s, "@+typing=active :alice!a@h TAGMSG #lobby\r\n"
	    "@+typing=active :nobody!a@h TAGMSG #elsewhere\r\n");
	H.now += 6001;
	session_tick(s);
	assert_int_equal(session_typing_text(s, r, buf, sizeof(buf)), 0);
	/* ours: active at most every 3 s, done when the entry is cleared */
	clear_sent();
	session_typed(s, r, "h");
	session_typed(s, r, "he");
	expect_sent("@+typing=active TAGMSG #lobby\r\n");
	H.now += 3000;
	session_typed(s, r, "hel");
	expect_sent("@+typing=active TAGMSG #lobby\r\n");
	session_typed(s, r, "");
	expect_sent("@+typing=done TAGMSG #lobby\r\n");
	session_typed(s, r, "/nick x");		/* a command is not typing */
	expect_sent("");
	session_set_send_typing(s, 0);
	session_typed(s, r, "quiet");
	expect_sent("");
	session_free(s);
}

static void
completion_cycles_in_place(void **state)
{
	struct model *m = model_new();
	int r = model_open(m, "#c", ROOM_CHANNEL);
	struct complete_state cs = { 0 };
	char out[256], text[256];
	size_t cur;

	(void)state;
	model_roster_add(m, r, "bob");
	model_roster_add(m, r, "bobby");
	model_roster_add(m, r, "alice");
	assert_int_equal(model_complete_text(m, r, &cs, "bo", 2, out,
	    sizeof(out), &cur), 1);
	assert_string_equal(out, "bob: ");
	assert_int_equal(cur, 5);
	snprintf(text, sizeof(text), "%s", out);
	assert_int_equal(model_complete_text(m, r, &cs, text, cur, out,
	    sizeof(out), &cur), 1);
	assert_string_equal(out, "bobby: ");
	snprintf(text, sizeof(text), "%s", out);
	assert_int_equal(model_complete_text(m, r, &cs, text, cur, out,
	    sizeof(out), &cur), 1);
	assert_string_equal(out, "bob: ");	/* round again */
	/* mid-line, with text after the cursor */
	cs.active = 0;
	assert_int_equal(model_complete_text(m, r, &cs, "hi bo, see", 5, out,
	    sizeof(out), &cur), 1);
	assert_string_equal(out, "hi bob , see");
	assert_int_equal(cur, 7);
	snprintf(text, sizeof(text), "%s", out);
	assert_int_equal(model_complete_text(m, r, &cs, text, cur, out,
	    sizeof(out), &cur), 1);
	assert_string_equal(out, "hi bobby , see");
	/* the user typed on: a new word */
	cs.active = 0;
	assert_int_equal(model_complete_text(m, r, &cs, "hi bobby a", 10, out,
	    sizeof(out), &cur), 1);
	assert_string_equal(out, "hi bobby alice ");
	cs.active = 0;
	assert_int_equal(model_complete_text(m, r, &cs, "zz", 2, out,
	    sizeof(out), &cur), 0);
	assert_int_equal(model_complete_text(m, r, &cs, "", 0, out,
	    sizeof(out), &cur), 0);
	model_free(m);
}

static void
model_history_and_unread(void **state)
{
	struct model *m = model_new();
	int r = model_open(m, "#c", ROOM_CHANNEL);
	struct room_view v;

	(void)state;
	model_history_add(m, r, "one");
	model_history_add(m, r, "two");
	model_history_add(m, 0, "elsewhere");	/* each tab its own */
	assert_string_equal(model_history_step(m, r, -1), "two");
	assert_string_equal(model_history_step(m, r, -1), "one");
	assert_string_equal(model_history_step(m, r, -1), "one");
	assert_string_equal(model_history_step(m, r, 1), "two");
	assert_string_equal(model_history_step(m, r, 1), "");
	assert_string_equal(model_history_step(m, 0, -1), "elsewhere");
	model_insert(m, r, "x", &(struct line_meta){ 10, NULL,
	    ML_MSG | ML_HIGHLIGHT, NULL }, MI_LIVE);
	model_view(m, r, &v);
	assert_int_equal(v.unread, 1);
	assert_int_equal(v.highlight, 1);
	model_set_active(m, r);
	model_view(m, r, &v);
	assert_int_equal(v.unread, 0);
	model_free(m);
}

static void
scrollback_is_bounded(void **state)
{
	struct model *m = model_new();
	struct line_meta lm = { 0, NULL, 0, NULL };
	char buf[32];
	int i;

	(void)state;
	for (i = 0; i < MODEL_SCROLLBACK * 3 + 10; i++) {
		snprintf(buf, sizeof(buf), "line %d", i);
		lm.time_ms = 1000 + i;
		model_insert(m, 0, buf, &lm, MI_LIVE);
	}
	assert_int_equal(model_lines(m, 0), MODEL_SCROLLBACK);
	snprintf(buf, sizeof(buf), "line %d", MODEL_SCROLLBACK * 2 + 10);
	assert_string_equal(model_line(m, 0, 0), buf);
	/* full: a line from history older than all of them is not kept */
	lm.time_ms = 5;
	lm.msgid = "old";
	assert_int_equal(model_insert(m, 0, "older", &lm, MI_HISTORY), -1);
	/* a smaller scrollback: the oldest go with the next line */
	model_set_scrollback(m, 150);
	assert_int_equal(model_scrollback(m), 150);
	lm.time_ms = 99999999;
	lm.msgid = NULL;
	model_insert(m, 0, "newest", &lm, MI_LIVE);
	assert_int_equal(model_lines(m, 0), 150);
	assert_string_equal(model_line(m, 0, 149), "newest");
	model_set_scrollback(m, 1);
	assert_int_equal(model_scrollback(m), MODEL_SCROLLBACK_MIN);
	model_free(m);
}

/* Lines from history slot in by time, once per msgid; the read marker
 * decides what is unread, and never moves back. */
static void
model_history_order_and_markers(void **state)
{
	struct model *m = model_new();
	int r = model_open(m, "#c", ROOM_CHANNEL);
	struct line_meta lm;
	struct room_view v;

	(void)state;
	assert_int_equal(model_insert(m, r, "a", &(struct line_meta){ 100,
	    "m1", ML_MSG, NULL }, MI_LIVE), 0);
	assert_int_equal(model_insert(m, r, "c", &(struct line_meta){ 300,
	    "m3", ML_MSG | ML_HIGHLIGHT, NULL }, MI_LIVE), 1);
	assert_int_equal(model_insert(m, r, "b", &(struct line_meta){ 200,
	    "m2", ML_MSG, NULL }, MI_HISTORY), 1);
	assert_int_equal(model_insert(m, r, "b", &(struct line_meta){ 200,
	    "m2", ML_MSG, NULL }, MI_HISTORY), -1);		/* a duplicate */
	assert_int_equal(model_insert(m, r, "0", &(struct line_meta){ 50,
	    "m0", ML_MSG | ML_OWN, NULL }, MI_HISTORY), 0);
	assert_string_equal(model_line(m, r, 0), "0");
	assert_string_equal(model_line(m, r, 2), "b");
	assert_int_equal(model_find_msgid(m, r, "m3"), 3);
	assert_int_equal(model_oldest_msgid(m, r), 0);
	model_view(m, r, &v);
	assert_int_equal(v.unread, 3);	/* not our own line */
	assert_int_equal(v.highlight, 1);
	model_set_read(m, r, 200);
	model_view(m, r, &v);
	assert_int_equal(v.unread, 1);
	model_set_read(m, r, 100);		/* never back */
	assert_int_equal(model_read_ms(m, r), 200);
	model_set_read(m, r, 300);
	model_view(m, r, &v);
	assert_int_equal(v.unread, 0);
	assert_int_equal(v.highlight, 0);
	/* Alt+A: mentions first, then unread, going round; -1 for none */
	{
		int a = model_open(m, "#a", ROOM_CHANNEL);
		int b = model_open(m, "#b", ROOM_CHANNEL);
		assert_int_equal(model_next_activity(m, 0), -1);
		model_insert(m, a, "x", &(struct line_meta){ 500, NULL, ML_MSG, NULL },
		    MI_LIVE);
		model_insert(m, b, "y", &(struct line_meta){ 500, NULL,
		    ML_MSG | ML_HIGHLIGHT, NULL }, MI_LIVE);
		assert_int_equal(model_next_activity(m, 0), b);
		model_set_active(m, b);
		assert_int_equal(model_next_activity(m, b), a);
		model_set_active(m, a);
		assert_int_equal(model_next_activity(m, a), -1);
		/* another server's tabs in view: the active room's lines
		 * are unread too, until its tabs are back in view */
		model_set_hidden(m, 1);
		model_insert(m, a, "z", &(struct line_meta){ 600, NULL, ML_MSG,
		    NULL }, MI_LIVE);
		model_set_active(m, a);		/* selected there, not seen */
		model_view(m, a, &v);
		assert_int_equal(v.unread, 1);
		assert_int_equal(model_next_activity(m, b), a);
		model_set_hidden(m, 0);
		model_view(m, a, &v);
		assert_int_equal(v.unread, 0);
		assert_int_equal(model_read_ms(m, a), 600);
		model_close(m, b);
		model_close(m, a);
	}
	/* the marker line goes by its time and comes out again */
	assert_int_equal(model_insert(m, r, "--", &(struct line_meta){ 150,
	    NULL, ML_MARKER, NULL }, MI_HISTORY), 2);
	assert_int_equal(model_line_meta(m, r, 2, &lm), 1);
	assert_int_equal(lm.flags, ML_MARKER);
	assert_string_equal(lm.msgid, "");
	assert_int_equal(model_unmark(m, r), 2);
	assert_int_equal(model_unmark(m, r), -1);
	assert_int_equal(model_lines(m, r), 4);
	/* the active room reads what comes */
	model_set_active(m, r);
	model_insert(m, r, "d", &(struct line_meta){ 400, "m4", ML_MSG, NULL },
	    MI_LIVE);
	assert_int_equal(model_read_ms(m, r), 400);
	assert_int_equal(model_line_meta(m, r, 9, &lm), 0);
	model_free(m);
}

/* --- history, read markers, search (keochatd with the drafts) ----------- */

static const char history_burst[] =
	":vm CAP * LS :batch draft/chathistory draft/read-marker draft/search "
	"echo-message message-tags server-time\r\n";
static const char history_welcome[] =
	":vm CAP bob ACK :server-time echo-message batch message-tags "
	"draft/chathistory draft/read-marker draft/search\r\n"
	":vm 900 bob bob!~bob@127.0.0.1 bob :You are now logged in as bob\r\n"
	":vm 001 bob :Welcome bob\r\n"
	":vm 422 bob :MOTD File is missing\r\n";

static struct session *
registered_history(void)
{
	struct session *s = fresh();

	session_connecting(s, "localhost:6667", "bob", "#lobby");
	session_connected(s);
	feed(s, history_burst);
	assert_non_null(strstr(H.sent, "CAP REQ :server-time echo-message "
	    "batch message-tags draft/chathistory draft/read-marker "
	    "draft/search\r\n"));
	clear_sent();
	feed(s, history_welcome);
	/* logged in with history: which conversations waited? */
	assert_non_null(strstr(H.sent, "CHATHISTORY TARGETS timestamp="
	    "2025-12-03T03:04:05.000Z timestamp=2026-01-02T03:05:05.000Z "
	    "16\r\n"));
	assert_non_null(strstr(H.sent, "JOIN #lobby\r\n"));
	clear_sent();
	return s;
}

static void
history_on_join_marker_and_older(void **state)
{
	struct session *s = registered_history();
	struct model *m = session_model(s);
	struct line_meta lm;
	int r;

	(void)state;
	feed(s, "@time=2026-01-02T03:04:06.000Z;msgid=j1 "
	    ":bob!~bob@127.0.0.1 JOIN #lobby\r\n");
	expect_sent("CHATHISTORY LATEST #lobby * 50\r\nMODE #lobby\r\n");
	r = model_find(m, "#lobby");
	feed(s, ":vm MARKREAD #lobby timestamp=2026-01-02T03:00:02.000Z\r\n"
	    ":vm 353 bob = #lobby :alice bob\r\n"
	    ":vm 366 bob #lobby :End of /NAMES list\r\n"
	    ":vm BATCH +h1 chathistory #lobby\r\n"
	    "@batch=h1;time=2026-01-02T03:00:01.000Z;msgid=m1 "
	    ":alice!a@h PRIVMSG #lobby :one\r\n"
	    "@batch=h1;time=2026-01-02T03:00:02.000Z;msgid=m2 "
	    ":alice!a@h PRIVMSG #lobby :two\r\n"
	    "@batch=h1;time=2026-01-02T03:00:03.000Z;msgid=m3 "
	    ":alice!a@h PRIVMSG #lobby :three bob\r\n"
	    "@batch=h1;time=2026-01-02T03:00:04.000Z;msgid=m4 "
	    ":bob!b@h PRIVMSG #lobby :mine\r\n"
	    "@batch=h1;time=2026-01-02T03:00:04.500Z;msgid=m5 "
	    ":alice!a@h PRIVMSG bob :\001VERSION\001\r\n"
	    "@batch=h1;time=2026-01-02T03:04:06.000Z;msgid=j1 "
	    ":bob!~bob@127.0.0.1 JOIN #lobby\r\n"
	    ":vm BATCH -h1\r\n");
	/* no CTCP answer to a line from history */
	assert_null(strstr(H.sent, "VERSION KEO"));
	assert_string_equal(model_line(m, r, 0), "[03:00:01] <alice> one");
	assert_string_equal(model_line(m, r, 1), "[03:00:02] <alice> two");
	assert_non_null(strstr(model_line(m, r, 2), "new since you were "
	    "here"));
	assert_string_equal(model_line(m, r, 3), "[03:00:03] <alice> three "
	    "bob");
	assert_int_equal(model_line_meta(m, r, 3, &lm), 1);
	assert_int_equal(lm.flags, ML_MSG | ML_HIGHLIGHT | ML_HISTORY);
	assert_string_equal(lm.msgid, "m3");
	assert_string_equal(model_line(m, r, 4), "[03:00:04] <bob> mine");
	assert_string_equal(model_line(m, r, 5), "[03:04:06] You joined "
	    "#lobby");
	assert_int_equal(H.events[SEV_RELOAD], 1);
	assert_int_equal(H.evline[SEV_RELOAD], -1);
	assert_int_equal(H.events[SEV_HIGHLIGHT], 0);	/* no bell for it */
	/* the room is in view: it is read up to its newest message */
	session_tick(s);
	expect_sent("MARKREAD #lobby timestamp=2026-01-02T03:00:04.000Z\r\n");
	session_tick(s);
	expect_sent("");
	/* the top of the tab: older lines, once at a time */
	session_fetch_older(s, r);
	session_fetch_older(s, r);
	expect_sent("CHATHISTORY BEFORE #lobby msgid=m1 100\r\n");
	feed(s, ":vm BATCH +h2 chathistory #lobby\r\n"
	    "@batch=h2;time=2026-01-01T23:00:00.000Z;msgid=m-2 "
	    ":alice!a@h PRIVMSG #lobby :yesterday\r\n"
	    "@batch=h2;time=2026-01-02T02:59:59.000Z;msgid=m-1 "
	    ":alice!a@h NOTICE #lobby :zero\r\n"
	    "@batch=h2;time=2026-01-02T03:00:01.000Z;msgid=m1 "
	    ":alice!a@h PRIVMSG #lobby :one\r\n"
	    ":vm BATCH -h2\r\n");
	assert_string_equal(model_line(m, r, 0), "[2026-01-01 23:00:00] "
	    "<alice> yesterday");
	assert_string_equal(model_line(m, r, 1), "[02:59:59] -alice- zero");
	assert_string_equal(model_line(m, r, 2), "[03:00:01] <alice> one");
	assert_int_equal(H.events[SEV_RELOAD], 2);
	assert_int_equal(H.evline[SEV_RELOAD], 2);	/* two above */
	/* fewer than asked: that was all */
	session_fetch_older(s, r);
	expect_sent("");
	/* a rejoin asks for what came after the newest line it holds */
	feed(s, "@time=2026-01-02T03:05:00.000Z;msgid=p1 "
	    ":bob!~bob@127.0.0.1 PART #lobby\r\n"
	    "@time=2026-01-02T03:05:01.000Z;msgid=j2 "
	    ":bob!~bob@127.0.0.1 JOIN #lobby\r\n");
	expect_sent("CHATHISTORY LATEST #lobby msgid=m4 100\r\nMODE #lobby\r\n");
	session_free(s);
}

static void
read_markers_both_ways(void **state)
{
	struct session *s = registered_history();
	struct model *m = session_model(s);
	struct room_view v;
	int lobby, dev;

	(void)state;
	feed(s, "@time=2026-01-02T03:04:06.000Z :bob!~bob@h JOIN #lobby\r\n"
	    ":vm BATCH +a chathistory #lobby\r\n:vm BATCH -a\r\n"
	    "@time=2026-01-02T03:04:07.000Z :bob!~bob@h JOIN #dev\r\n"
	    ":vm MARKREAD #dev timestamp=*\r\n"
	    ":vm BATCH +b chathistory #dev\r\n:vm BATCH -b\r\n");
	lobby = model_find(m, "#lobby");
	dev = model_find(m, "#dev");
	session_select(s, lobby);
	clear_sent();
	feed(s, "@time=2026-01-02T03:05:01.000Z;msgid=d1 :alice!a@h PRIVMSG "
	    "#dev :first\r\n"
	    "@time=2026-01-02T03:05:02.000Z;msgid=d2 :alice!a@h PRIVMSG "
	    "#dev :second\r\n"
	    "@time=2026-01-02T03:05:03.000Z;msgid=d3 :bob!b@h PRIVMSG "
	    "#dev :mine\r\n");
	model_view(m, dev, &v);
	assert_int_equal(v.unread, 2);
	/* another window of the account read #dev */
	feed(s, ":vm MARKREAD #dev timestamp=2026-01-02T03:05:02.000Z\r\n");
	model_view(m, dev, &v);
	assert_int_equal(v.unread, 0);
	session_tick(s);
	expect_sent("");	/* nothing to tell the server */
	/* picking the tab reads it; the marker goes out at once */
	feed(s, "@time=2026-01-02T03:05:04.000Z;msgid=d4 :alice!a@h PRIVMSG "
	    "#dev :third\r\n");
	model_view(m, dev, &v);
	assert_int_equal(v.unread, 1);
	session_select(s, dev);
	expect_sent("MARKREAD #dev timestamp=2026-01-02T03:05:04.000Z\r\n");
	model_view(m, dev, &v);
	assert_int_equal(v.unread, 0);
	/* garbage from the server changes nothing */
	feed(s, ":vm MARKREAD #dev timestamp=yesterday\r\n"
	    ":vm MARKREAD\r\n:vm MARKREAD #nowhere timestamp=*\r\n");
	assert_int_equal(model_read_ms(m, dev), 1767323104000LL);
	session_free(s);
}

static void
waiting_conversations_at_login(void **state)
{
	struct session *s = registered_history();
	struct model *m = session_model(s);
	struct room_view v;
	int r;

	(void)state;
	feed(s, ":vm BATCH +t draft/chathistory-targets\r\n"
	    "@batch=t :vm CHATHISTORY TARGETS carol 2026-01-02T02:00:00.000Z\r\n"
	    "@batch=t :vm CHATHISTORY TARGETS dave 2026-01-02T01:00:00.000Z\r\n"
	    "@batch=t :vm CHATHISTORY TARGETS #lobby 2026-01-02T02:00:00.000Z\r\n"
	    "@batch=t :vm CHATHISTORY TARGETS bad!nick 2026-01-02T02:00:00Z\r\n"
	    ":vm BATCH -t\r\n");
	expect_sent("MARKREAD carol\r\nMARKREAD dave\r\n");
	/* carol's last line is after the marker: her tab opens */
	feed(s, ":vm MARKREAD carol timestamp=2026-01-02T01:00:00.000Z\r\n"
	    ":vm MARKREAD dave timestamp=2026-01-02T01:00:00.000Z\r\n");
	expect_sent("CHATHISTORY LATEST carol * 50\r\n");
	assert_int_equal(model_find(m, "dave"), -1);
	r = model_find(m, "carol");
	assert_true(r > 0);
	feed(s, ":vm BATCH +c chathistory carol\r\n"
	    "@batch=c;time=2026-01-02T00:59:00.000Z;msgid=c1 :carol!c@h "
	    "PRIVMSG bob :old news\r\n"
	    "@batch=c;time=2026-01-02T01:59:00.000Z;msgid=c2 :carol!c@h "
	    "PRIVMSG bob :are you there?\r\n"
	    "@batch=c;time=2026-01-02T02:00:00.000Z;msgid=c3 :carol!c@h "
	    "PRIVMSG bob :call me\r\n"
	    ":vm BATCH -c\r\n");
	model_view(m, r, &v);
	assert_int_equal(v.unread, 2);
	assert_int_equal(v.highlight, 1);
	assert_non_null(strstr(model_line(m, r, 1), "new since you were "
	    "here"));
	assert_string_equal(model_line(m, r, 2), "[01:59:00] <carol> are you "
	    "there?");
	session_free(s);
}

static void
search_syntax_results_and_jump(void **state)
{
	struct session *s;
	struct model *m;
	struct search_hit h;
	char out[512];
	int r;

	(void)state;
	assert_int_equal(session_search_attrs("hello  world in:#lobby "
	    "from:alice after:2026-01-01 before:2026-01-02", out, sizeof(out)),
	    0);
	assert_string_equal(out, "in=#lobby;from=alice;after=2026-01-01T00:"
	    "00:00.000Z;before=2026-01-02T23:59:59.999Z;text=hello\\sworld;"
	    "limit=100");
	assert_int_equal(session_search_attrs("semi;colon back\\slash", out,
	    sizeof(out)), 0);
	assert_string_equal(out, "text=semi\\:colon\\sback\\\\slash;limit=100");
	assert_int_equal(session_search_attrs("   ", out, sizeof(out)), -1);
	assert_int_equal(session_search_attrs("after:2026-01-01", out,
	    sizeof(out)), -1);
	assert_int_equal(session_search_attrs("from:bob", out, sizeof(out)),
	    0);
	assert_string_equal(out, "from=bob;limit=100");

	s = registered_history();
	m = session_model(s);
	feed(s, "@time=2026-01-02T03:04:06.000Z :bob!~bob@h JOIN #lobby\r\n"
	    ":vm BATCH +a chathistory #lobby\r\n"
	    "@batch=a;time=2026-01-02T03:00:00.000Z;msgid=n9 :alice!a@h "
	    "PRIVMSG #lobby :newest\r\n"
	    ":vm BATCH -a\r\n");
	r = model_find(m, "#lobby");
	clear_sent();
	session_search(s, "needle");
	expect_sent("SEARCH text=needle;limit=100\r\n");
	assert_string_equal(session_search_status(s), "Searching ...");
	feed(s, ":vm BATCH +s draft/search\r\n"
	    "@batch=s;time=2026-01-02T02:00:00.000Z;msgid=n1 :alice!a@h "
	    "PRIVMSG #lobby :a needle here\r\n"
	    "@batch=s;time=2026-01-02T02:30:00.000Z;msgid=n2 :carol!c@h "
	    "PRIVMSG bob :\001ACTION has a needle\001\r\n"
	    "@batch=s;msgid=n3 :carol!c@h PRIVMSG bob :no time: dropped\r\n"
	    ":vm BATCH -s\r\n");
	assert_int_equal(session_hits(s), 2);
	assert_string_equal(session_search_status(s), "2 messages found");
	assert_int_equal(session_hit(s, 1, &h), 1);
	assert_string_equal(h.target, "carol");
	assert_string_equal(h.text, "* carol has a needle");
	assert_int_equal(session_hit(s, 2, &h), 0);
	assert_true(H.events[SEV_SEARCH] >= 2);
	/* the hit is older than the tab's oldest line: fetch what lies
	 * between (no gap), then a few lines above it */
	session_jump(s, 0);
	expect_sent("MARKREAD #lobby timestamp=2026-01-02T03:00:00.000Z\r\n"
	    "CHATHISTORY BETWEEN #lobby msgid=n9 timestamp="
	    "2026-01-02T01:59:59.999Z 1000\r\n");
	feed(s, ":vm BATCH +b chathistory #lobby\r\n"
	    "@batch=b;time=2026-01-02T02:00:00.000Z;msgid=n1 :alice!a@h "
	    "PRIVMSG #lobby :a needle here\r\n"
	    "@batch=b;time=2026-01-02T02:10:00.000Z;msgid=n5 :alice!a@h "
	    "PRIVMSG #lobby :after it\r\n"
	    ":vm BATCH -b\r\n");
	expect_sent("CHATHISTORY BEFORE #lobby msgid=n1 10\r\n");
	feed(s, ":vm BATCH +c chathistory #lobby\r\n"
	    "@batch=c;time=2026-01-02T01:00:00.000Z;msgid=n0 :alice!a@h "
	    "PRIVMSG #lobby :before it\r\n"
	    ":vm BATCH -c\r\n");
	assert_int_equal(H.events[SEV_JUMP], 1);
	assert_int_equal(H.evroom[SEV_JUMP], r);
	assert_string_equal(model_line(m, r, H.evline[SEV_JUMP]),
	    "[02:00:00] <alice> a needle here");
	assert_string_equal(model_line(m, r, 0), "[01:00:00] <alice> before "
	    "it");
	/* a hit the tab holds: shown at once */
	session_jump(s, 0);
	expect_sent("");
	assert_int_equal(H.events[SEV_JUMP], 2);
	/* a search the server refuses */
	session_search(s, "x");
	feed(s, ":vm FAIL SEARCH INVALID_PARAMS text :Nothing to search "
	    "for\r\n");
	assert_string_equal(session_search_status(s), "Search failed: "
	    "Nothing to search for");
	session_free(s);
}

static void
history_failures_are_shown(void **state)
{
	struct session *s = registered_history();
	struct model *m = session_model(s);
	int r;

	(void)state;
	feed(s, "@time=2026-01-02T03:04:06.000Z :bob!~bob@h JOIN #lobby\r\n");
	r = model_find(m, "#lobby");
	clear_sent();
	feed(s, ":vm FAIL CHATHISTORY MESSAGE_ERROR LATEST #lobby :Messages "
	    "could not be retrieved\r\n");
	assert_line(s, r, "[03:04:05] CHATHISTORY failed: Messages could not "
	    "be retrieved");
	assert_true(model_hist(m, r)->synced);
	session_fetch_older(s, r);
	expect_sent("");	/* no loop of failing requests */
	/* a server without the drafts is asked for nothing */
	session_free(s);
	s = registered();
	m = session_model(s);
	clear_sent();
	session_fetch_older(s, model_find(m, "#lobby"));
	session_search(s, "hello");
	expect_sent("");
	assert_non_null(strstr(session_search_status(s), "does not offer "
	    "search"));
	session_free(s);
}

static void
host_port_parsing(void **state)
{
	char host[64], port[8], err[128];

	(void)state;
	assert_int_equal(net_split("localhost", host, sizeof(host), port,
	    sizeof(port), err, sizeof(err)), 0);
	assert_string_equal(host, "localhost");
	assert_string_equal(port, "6667");
	assert_int_equal(net_split("[::1]:7000", host, sizeof(host), port,
	    sizeof(port), err, sizeof(err)), 0);
	assert_string_equal(host, "::1");
	assert_string_equal(port, "7000");
	assert_int_equal(net_split("::1", host, sizeof(host), port,
	    sizeof(port), err, sizeof(err)), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(net_split("irc.example.org:", host, sizeof(host), port,
	    sizeof(port), err, sizeof(err)), 0);
	assert_string_equal(port, "6667");
	assert_int_equal(net_split("h:abc", host, sizeof(host), port,
	    sizeof(port), err, sizeof(err)), -1);
	assert_int_equal(net_split("h:70000", host, sizeof(host), port,
	    sizeof(port), err, sizeof(err)), -1);
	assert_int_equal(net_split("", host, sizeof(host), port, sizeof(port),
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no server given"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(registration_with_keochatd),
		cmocka_unit_test(registration_with_ngircd),
		cmocka_unit_test(server_without_cap),
		cmocka_unit_test(joins_parts_quits_nicks),
		cmocka_unit_test(messages_highlights_and_queries),
		cmocka_unit_test(ctcp_and_ping),
		cmocka_unit_test(nick_in_use_while_registering),
		cmocka_unit_test(alternates_and_rooms_of_a_network),
		cmocka_unit_test(away_and_auto_away),
		cmocka_unit_test(list_of_rooms),
		cmocka_unit_test(joins_hidden),
		cmocka_unit_test(joins_fold),
		cmocka_unit_test(formatting_kept_for_the_view),
		cmocka_unit_test(muted_tab),
		cmocka_unit_test(password_and_error),
		cmocka_unit_test(error_numerics_are_shown),
		cmocka_unit_test(commands_send_the_right_bytes),
		cmocka_unit_test(bad_input_never_breaks_lines),
		cmocka_unit_test(long_text_is_split),
		cmocka_unit_test(not_connected),
		cmocka_unit_test(disconnect_and_reconnect_policy),
		cmocka_unit_test(keepalive_and_ping_timeout),
		cmocka_unit_test(close_tab_parts_channel),
		cmocka_unit_test(model_roster_and_completion),
		cmocka_unit_test(completion_cycles_in_place),
		cmocka_unit_test(typing_both_ways),
		cmocka_unit_test(day_changes_are_marked),
		cmocka_unit_test(ignore_hides_and_unignore_shows),
		cmocka_unit_test(completion_order_commands_and_rooms),
		cmocka_unit_test(links_are_found),
		cmocka_unit_test(pasted_lines_are_sent_paced),
		cmocka_unit_test(operators_modes_and_kicks),
		cmocka_unit_test(msg_opens_and_shows_the_tab),
		cmocka_unit_test(rooms_are_rejoined_after_a_reconnect),
		cmocka_unit_test(model_history_and_unread),
		cmocka_unit_test(scrollback_is_bounded),
		cmocka_unit_test(model_history_order_and_markers),
		cmocka_unit_test(history_on_join_marker_and_older),
		cmocka_unit_test(read_markers_both_ways),
		cmocka_unit_test(waiting_conversations_at_login),
		cmocka_unit_test(search_syntax_results_and_jump),
		cmocka_unit_test(history_failures_are_shown),
		cmocka_unit_test(host_port_parsing),
		cmocka_unit_test(asked_for_joins_are_shown),
		cmocka_unit_test(notification_decisions),
	};

	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests_name("session", tests, NULL, NULL);
}
