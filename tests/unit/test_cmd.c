/*
 * test_cmd.c -- the command layer in one process (tests/harness/wh.c):
 * every command's success path and refusal numerics, line admission, fan-
 * out to members on two workers, JOIN/PART ordering against messages, NICK
 * and QUIT to every channel once, slow readers.  Clients registered with
 * wh_register() are "nick!~nick@10.0.0.1"; the server is irc.test.
 */
#include <stdio.h>
#include <stdlib.h>

#include "unit.h"
#include "client.h"
#include "ctx.h"
#include "whtest.h"

static void
tweak_password(struct config *cfg)
{
	snprintf(cfg->password, sizeof(cfg->password), "sesame");
}

static void
tweak_autojoin(struct config *cfg)
{
	snprintf(cfg->autojoin, sizeof(cfg->autojoin), "#lobby,#help");
}

static void
tweak_flood(struct config *cfg)
{
	cfg->flood_rate = 1;
	cfg->flood_burst = 3;
}

static void
tweak_small_queues(struct config *cfg)
{
	cfg->sendq = 8192;
	cfg->recvq = 1024;
}

static void
tweak_chanlimit(struct config *cfg)
{
	cfg->max_channels_per_client = 2;
}

static int
setup2(void **state)
{
	(void)state;
	wh_setup(2, NULL);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	wh_teardown();
	return 0;
}

static void
drain_all(struct wh_conn **v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		wh_drain(v[i]);
}

/* --- registration ----------------------------------------------------------- */

static void
reg_welcome_burst(void **state)
{
	struct wh_conn *a = wh_connect(0, "10.0.0.1");

	(void)state;
	wh_feed(a, "NICK alice");
	assert_int_equal(wh_pending(a), 0);
	wh_feed(a, "USER alice 0 * :Alice A");
	SEEK(a, "^:irc.test 001 alice :Welcome to the KeoChat IRC Network "
	    "alice!~alice@10.0.0.1$");
	SEEK(a, "^:irc.test 002 alice :Your host is irc.test, running "
	    "version keochatd-");
	SEEK(a, "^:irc.test 003 alice :This server was created ");
	SEEK(a, "^:irc.test 004 alice irc.test keochatd-\\S+ BZiorw "
	    "beIiklmnostv beIklov$");
	SEEK(a, "^:irc.test 005 alice .*CASEMAPPING=rfc1459 .*"
	    "CHANMODES=beI,k,l,imnst .*EXCEPTS=e .*INVEX=I .*:are "
	    "supported by this server$");
	SEEK(a, "^:irc.test 005 alice .*MAXLIST=beI:100 .*MODES=20 "
	    "MONITOR=100 .*NICKLEN=30 PREFIX=\\(ov\\)@\\+ .*:are supported");
	SEEK(a, "^:irc.test 005 alice TARGMAX=.*KICK:4.* UTF8ONLY WHOX :are "
	    "supported");
	SEEK(a, "^:irc.test 251 alice :There are 1 users");
	SEEK(a, "^:irc.test 422 alice :MOTD File is missing$");
	assert_int_equal(wh_client(a)->state, CL_REG);
}

static void
reg_user_then_nick(void **state)
{
	struct wh_conn *a = wh_connect(1, "10.0.0.1");

	(void)state;
	wh_feed(a, "USER bob 0 * :Bob");
	assert_int_equal(wh_pending(a), 0);
	wh_feed(a, "NICK bob");
	SEEK(a, "^:irc.test 001 bob ");
}

static void
reg_motd_is_sent(void **state)
{
	struct wh_conn *a;

	(void)state;
	snprintf(kd.motd, sizeof(kd.motd), "line one\nline two");
	kd.motdlen = strlen(kd.motd);
	kd.has_motd = 1;
	a = wh_connect(0, "10.0.0.1");
	wh_feed(a, "NICK m");
	wh_feed(a, "USER m 0 * :M");
	SEEK(a, "^:irc.test 375 m :- irc.test Message of the day - $");
	SEEK(a, "^:irc.test 372 m :- line one$");
	SEEK(a, "^:irc.test 372 m :- line two$");
	SEEK(a, "^:irc.test 376 m :End of /MOTD command.$");
	kd.has_motd = 0;
}

static void
reg_commands_before_registration_451(void **state)
{
	struct wh_conn *a = wh_connect(0, "10.0.0.1");

	(void)state;
	wh_feed(a, "JOIN #a");
	SEEK(a, "^:irc.test 451 \\* :You have not registered$");
	wh_feed(a, "PRIVMSG x :hi");
	SEEK(a, " 451 ");
	wh_feed(a, "WHOIS x");
	SEEK(a, " 451 ");
}

static void
reg_user_twice_462(void **state)
{
	struct wh_conn *a = wh_register(0, "alice");

	(void)state;
	wh_feed(a, "USER alice 0 * :again");
	SEEK(a, "^:irc.test 462 alice :You may not reregister$");
	wh_feed(a, "PASS secret");
	SEEK(a, " 462 alice ");
}

static void
reg_user_needs_four_params_461(void **state)
{
	struct wh_conn *a = wh_connect(0, "10.0.0.1");

	(void)state;
	wh_feed(a, "USER alice 0 *");
	SEEK(a, "^:irc.test 461 \\* USER :Not enough parameters$");
}

static void
reg_nick_missing_431(void **state)
{
	struct wh_conn *a = wh_connect(0, "10.0.0.1");

	(void)state;
	wh_feed(a, "NICK");
	SEEK(a, "^:irc.test 431 \\* :No nickname given$");
	wh_feed(a, "NICK :");
	SEEK(a, " 431 ");
}

static void
reg_nick_erroneous_432(void **state)
{
	struct wh_conn *a = wh_connect(0, "10.0.0.1");

	(void)state;
	wh_feed(a, "NICK 9lives");
	SEEK(a, "^:irc.test 432 \\* 9lives :Erroneous nickname");
	wh_feed(a, "NICK a,b");
	SEEK(a, " 432 \\* a,b :Erroneous nickname");
	wh_feed(a, "NICK #chan");
	SEEK(a, " 432 ");
	wh_feed(a, "NICK abcdefghijabcdefghijabcdefghijX");	/* 31 > 30 */
	SEEK(a, " 432 ");
	wh_feed(a, "NICK ok_nick");
	assert_int_equal(wh_pending(a), 0);
}

static void
reg_nick_in_use_433_across_workers(void **state)
{
	struct wh_conn *a = wh_register(0, "alice"), *b;

	(void)state;
	(void)a;
	b = wh_connect(1, "10.0.0.1");
	wh_feed(b, "NICK alice");
	SEEK(b, "^:irc.test 433 \\* alice :Nickname is already in use$");
	wh_feed(b, "NICK ALICE");		/* case does not matter */
	SEEK(b, " 433 \\* ALICE ");
	wh_feed(b, "NICK alice2");
	wh_feed(b, "USER a 0 * :A");
	SEEK(b, " 001 alice2 ");
}

static void
reg_nick_rfc1459_casemapping(void **state)
{
	struct wh_conn *a = wh_register(0, "bra[ket"), *b;

	(void)state;
	(void)a;
	b = wh_connect(1, "10.0.0.1");
	wh_feed(b, "NICK BRA{KET");
	SEEK(b, " 433 \\* BRA\\{KET ");
}

static void
reg_nick_claimed_while_unregistered(void **state)
{
	struct wh_conn *a = wh_connect(0, "10.0.0.1"), *b;

	(void)state;
	wh_feed(a, "NICK early");
	b = wh_connect(1, "10.0.0.1");
	wh_feed(b, "NICK early");
	SEEK(b, " 433 \\* early ");
}

static void
reg_cap_ls_list_req_end(void **state)
{
	struct wh_conn *a = wh_connect(0, "10.0.0.1");

	(void)state;
	wh_feed(a, "CAP LS 302");
	SEEK(a, "^:irc.test CAP \\* LS :account-notify account-tag "
	    "away-notify batch cap-notify chghost echo-message extended-join "
	    "extended-monitor invite-notify labeled-response message-tags "
	    "multi-prefix server-time setname userhost-in-names$");
	wh_feed(a, "NICK c");
	wh_feed(a, "USER c 0 * :C");
	assert_int_equal(wh_pending(a), 0);	/* waits for CAP END */
	wh_feed(a, "CAP REQ :server-time echo-message");
	SEEK(a, "^:irc.test CAP c ACK :server-time echo-message$");
	wh_feed(a, "CAP LIST");
	SEEK(a, "^:irc.test CAP c LIST :cap-notify echo-message "
	    "server-time$");	/* 302 implies cap-notify */
	wh_feed(a, "CAP END");
	SEEK(a, " 001 c ");
}

static void
reg_cap_nak_and_removal(void **state)
{
	struct wh_conn *a = wh_register(0, "c");

	(void)state;
	wh_feed(a, "CAP REQ :server-time bogus");
	SEEK(a, "^:irc.test CAP c NAK :server-time bogus$");
	wh_feed(a, "CAP LIST");
	SEEK(a, "^:irc.test CAP c LIST :$");	/* NAK: nothing changed */
	wh_feed(a, "CAP REQ :message-tags");
	wh_feed(a, "CAP REQ :-message-tags");
	SEEK(a, "CAP c ACK :-message-tags$");
	wh_feed(a, "CAP LIST");
	SEEK(a, "^:irc.test CAP c LIST :$");
}

static void
reg_cap_bad_subcommand_410(void **state)
{
	struct wh_conn *a = wh_connect(0, "10.0.0.1");

	(void)state;
	wh_feed(a, "CAP FROB");
	SEEK(a, "^:irc.test 410 \\* FROB :Invalid CAP command$");
	wh_feed(a, "CAP");
	SEEK(a, " 461 \\* CAP ");
}

static void
reg_password_good(void **state)
{
	struct wh_conn *a;

	(void)state;
	wh_teardown();
	wh_setup(2, tweak_password);
	a = wh_connect(0, "10.0.0.1");
	wh_feed(a, "PASS sesame");
	wh_feed(a, "NICK p");
	wh_feed(a, "USER p 0 * :P");
	SEEK(a, " 001 p ");
}

static void
reg_password_bad_464(void **state)
{
	struct wh_conn *a;

	(void)state;
	wh_teardown();
	wh_setup(2, tweak_password);
	a = wh_connect(0, "10.0.0.1");
	wh_feed(a, "PASS wrong");
	wh_feed(a, "NICK p");
	wh_feed(a, "USER p 0 * :P");
	SEEK(a, "^:irc.test 464 p :Password incorrect$");
	SEEK(a, "^ERROR :Closing Link: 10.0.0.1 \\(Bad password\\)$");
	assert_true(wh_closed(a));
}

static void
reg_password_missing_464(void **state)
{
	struct wh_conn *a;

	(void)state;
	wh_teardown();
	wh_setup(1, tweak_password);
	a = wh_connect(0, "10.0.0.1");
	wh_feed(a, "NICK p");
	wh_feed(a, "USER p 0 * :P");
	SEEK(a, " 464 p ");
	assert_true(wh_closed(a));
}

static void
reg_ping_pong(void **state)
{
	struct wh_conn *a = wh_connect(0, "10.0.0.1");

	(void)state;
	wh_feed(a, "PING :token 1");
	SEEK(a, "^:irc.test PONG irc.test :token 1$");
	wh_feed(a, "PING");
	SEEK(a, "^:irc.test 409 \\* :No origin specified$");
	wh_feed(a, "PONG :whatever");
	assert_int_equal(wh_pending(a), 0);
}

static void
reg_quit_before_registration(void **state)
{
	struct wh_conn *a = wh_connect(0, "10.0.0.1");
	struct wh_conn *b = member(1, "bob", "#a");

	(void)state;
	wh_feed(a, "NICK q");
	wh_feed(a, "QUIT :bye");
	SEEK(a, "^ERROR :Closing Link: 10.0.0.1 \\(Quit: bye\\)$");
	assert_true(wh_closed(a));
	NONE(b, "QUIT");
}

static void
reg_autojoin(void **state)
{
	struct wh_conn *a;

	(void)state;
	wh_teardown();
	wh_setup(2, tweak_autojoin);
	a = wh_connect(1, "10.0.0.1");
	wh_feed(a, "NICK aj");
	wh_feed(a, "USER aj 0 * :AJ");
	SEEK(a, "^:aj!~aj@10.0.0.1 JOIN #lobby$");
	SEEK(a, " 366 aj #lobby ");
	SEEK(a, "^:aj!~aj@10.0.0.1 JOIN #help$");
	SEEK(a, " 366 aj #help ");
}

/* --- line admission ---------------------------------------------------------- */

static void
line_unknown_command_421(void **state)
{
	struct wh_conn *a = wh_register(0, "a");

	(void)state;
	wh_feed(a, "FROBNICATE x");
	SEEK(a, "^:irc.test 421 a FROBNICATE :Unknown command$");
	wh_feed(a, "DEBUG LOCKDIE");	/* a test build's hook only */
	SEEK(a, " 421 a DEBUG :Unknown command$");
}

static void
line_lowercase_command(void **state)
{
	struct wh_conn *a = wh_register(0, "a");

	(void)state;
	wh_feed(a, "ping :x");
	SEEK(a, "PONG irc.test :x$");
}

static void
line_too_long_417(void **state)
{
	struct wh_conn *a = wh_register(0, "a");
	char text[600];

	(void)state;
	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	wh_feed(a, "PRIVMSG #x :%s", text);
	SEEK(a, "^:irc.test 417 a :Input line was too long$");
	assert_false(wh_closed(a));
}

static void
line_nul_and_bare_cr_400(void **state)
{
	struct wh_conn *a = wh_register(0, "a");

	(void)state;
	wh_feed_raw(a, "PING a\0b\r\n", 10);
	SEEK(a, "^:irc.test 400 a \\* :Line rejected: it contains a NUL "
	    "byte$");
	wh_feed_raw(a, "PING a\rb\r\n", 10);
	SEEK(a, " 400 a \\* :Line rejected: it contains a bare CR byte$");
	wh_feed(a, "PING ok");
	SEEK(a, "PONG irc.test :ok$");
}

static void
line_invalid_utf8_fail(void **state)
{
	struct wh_conn *a = wh_register(0, "a");

	(void)state;
	wh_feed(a, "PRIVMSG a :\xff\xfe");
	SEEK(a, "^:irc.test FAIL PRIVMSG INVALID_UTF8 :Message rejected");
	wh_feed(a, "NICK \xc3\x28");
	SEEK(a, " 432 ");
}

static void
line_empty_lines_ignored(void **state)
{
	struct wh_conn *a = wh_register(0, "a");

	(void)state;
	wh_feed_raw(a, "\r\n\n\r\n", 5);
	assert_int_equal(wh_pending(a), 0);
	assert_false(wh_closed(a));
}

static void
line_lf_only_works(void **state)
{
	struct wh_conn *a = wh_register(0, "a");

	(void)state;
	wh_feed_raw(a, "PING :lf\n", 9);
	SEEK(a, "PONG irc.test :lf$");
}

static void
line_split_across_reads(void **state)
{
	struct wh_conn *a = wh_register(0, "a");

	(void)state;
	wh_feed_raw(a, "PI", 2);
	assert_int_equal(wh_pending(a), 0);
	wh_feed_raw(a, "NG :sp", 6);
	wh_feed_raw(a, "lit\r\n", 5);
	SEEK(a, "PONG irc.test :split$");
}

static void
line_flood_is_lagged_not_lost(void **state)
{
	struct wh_conn *a;
	int i;

	(void)state;
	wh_teardown();
	wh_setup(1, tweak_flood);
	a = wh_register(0, "f");
	for (i = 0; i < 8; i++)
		wh_feed(a, "PING :n%d", i);
	/* the burst runs at once; the rest waits on the penalty clock */
	SEEK(a, "PONG irc.test :n0$");
	NONE(a, "PONG irc.test :n7$");
	for (i = 0; i < 20; i++) {
		kd.now_us += 1000000;
		kd.now_ms += 1000;
		wh_run();
	}
	SEEK(a, "PONG irc.test :n7$");
	assert_false(wh_closed(a));
}

static void
line_excess_flood(void **state)
{
	struct wh_conn *a;
	static char buf[32768];
	int i, n = 0;

	(void)state;
	wh_teardown();
	wh_setup(1, tweak_flood);
	/* recvq below a whole tagged line counts as one such line */
	kd.cfg.recvq = 1024;
	a = wh_register(0, "f");
	for (i = 0; i < 2000; i++)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "PING :%d\r\n",
		    i);
	wh_feed_raw(a, buf, (size_t)n);
	SEEK(a, "^ERROR :Closing Link: 10.0.0.1 \\(Excess Flood\\)$");
	assert_true(wh_closed(a));
}

static void
line_without_newline_too_long(void **state)
{
	struct wh_conn *a = wh_register(0, "a");
	static char junk[IRC_WIRE_MAX + 100];

	(void)state;
	memset(junk, 'a', sizeof(junk));
	wh_feed_raw(a, junk, sizeof(junk));
	SEEK(a, "^ERROR :Closing Link: 10.0.0.1 \\(Input line too long\\)$");
	assert_true(wh_closed(a));
}

/* --- JOIN, PART, NAMES ------------------------------------------------------- */

static void
join_echo_and_names(void **state)
{
	struct wh_conn *a = wh_register(0, "alice");

	(void)state;
	wh_feed(a, "JOIN #Room");
	SEEK(a, "^:alice!~alice@10.0.0.1 JOIN #Room$");
	SEEK(a, "^:irc.test 353 alice = #Room :@alice$");
	SEEK(a, "^:irc.test 366 alice #Room :End of /NAMES list$");
}

static void
join_seen_on_the_other_worker(void **state)
{
	struct wh_conn *a = member(0, "alice", "#r");
	struct wh_conn *b = wh_register(1, "bob");

	(void)state;
	wh_feed(b, "JOIN #R");		/* the channel keeps its first name */
	SEEK(a, "^:bob!~bob@10.0.0.1 JOIN #r$");
	SEEK(b, "^:bob!~bob@10.0.0.1 JOIN #r$");
	SEEK(b, "^:irc.test 353 bob = #r :@alice bob$");
}

static void
join_several_at_once(void **state)
{
	struct wh_conn *a = wh_register(0, "a");

	(void)state;
	wh_feed(a, "JOIN #one,#two,#three");
	SEEK(a, "JOIN #one$");
	SEEK(a, "JOIN #two$");
	SEEK(a, "JOIN #three$");
}

static void
join_bad_name_403(void **state)
{
	struct wh_conn *a = wh_register(0, "a");

	(void)state;
	wh_feed(a, "JOIN nohash");
	SEEK(a, "^:irc.test 403 a nohash :No such channel");
	wh_feed(a, "JOIN #has space");	/* "space" is a key: #has is fine */
	SEEK(a, "JOIN #has$");
	wh_feed(a, "JOIN #bad\x07" "bell");
	SEEK(a, " 403 a ");
}

static void
join_already_on_is_silent(void **state)
{
	struct wh_conn *a = member(0, "a", "#x");

	(void)state;
	wh_feed(a, "JOIN #x");
	assert_int_equal(wh_pending(a), 0);
}

static void
join_too_many_405(void **state)
{
	struct wh_conn *a;

	(void)state;
	wh_teardown();
	wh_setup(1, tweak_chanlimit);
	a = wh_register(0, "a");
	wh_feed(a, "JOIN #1,#2,#3");
	/* the refusal is immediate; the JOINs come back through the relay
	 * (doc/DESIGN-NOTES.md, Ordering) */
	HAS(a, "^:irc.test 405 a #3 :You have joined too many channels$");
	SEEK(a, "JOIN #1$");
	SEEK(a, "JOIN #2$");
}

static void
join_zero_parts_everything(void **state)
{
	struct wh_conn *a = member(0, "a", "#x,#y");
	struct wh_conn *b = member(1, "b", "#x,#y");

	(void)state;
	wh_drain(b);
	wh_feed(a, "JOIN 0");
	SEEK(b, "^:a!~a@10.0.0.1 PART #[xy] :Left all channels$");
	SEEK(b, "^:a!~a@10.0.0.1 PART #[xy] :Left all channels$");
	wh_feed(a, "NAMES #x");
	SEEK(a, "^:irc.test 353 a = #x :b$");
}

static void
part_seen_by_all(void **state)
{
	struct wh_conn *a = member(0, "a", "#x");
	struct wh_conn *b = member(1, "b", "#x");

	(void)state;
	wh_drain(a);
	wh_feed(b, "PART #x :gone fishing");
	SEEK(a, "^:b!~b@10.0.0.1 PART #x :gone fishing$");
	SEEK(b, "^:b!~b@10.0.0.1 PART #x :gone fishing$");
	wh_feed(a, "PART #x");
	SEEK(a, "^:a!~a@10.0.0.1 PART #x$");
	NONE(b, "PART");
}

static void
part_no_such_channel_403(void **state)
{
	struct wh_conn *a = wh_register(0, "a");

	(void)state;
	wh_feed(a, "PART #nowhere");
	SEEK(a, "^:irc.test 403 a #nowhere :No such channel$");
}

static void
part_not_on_channel_442(void **state)
{
	struct wh_conn *a = member(0, "a", "#x");
	struct wh_conn *b = wh_register(1, "b");

	(void)state;
	(void)a;
	wh_feed(b, "PART #x");
	SEEK(b, "^:irc.test 442 b #x :You're not on that channel$");
}

static void
part_several(void **state)
{
	struct wh_conn *a = member(0, "a", "#x,#y");

	(void)state;
	wh_feed(a, "PART #x,#y,#z :bye");
	HAS(a, "^:irc.test 403 a #z :No such channel$");
	SEEK(a, "PART #x :bye$");
	SEEK(a, "PART #y :bye$");
}

static void
part_needs_a_channel_461(void **state)
{
	struct wh_conn *a = wh_register(0, "a");

	(void)state;
	wh_feed(a, "PART");
	SEEK(a, "^:irc.test 461 a PART :Not enough parameters$");
	wh_feed(a, "JOIN");
	SEEK(a, " 461 a JOIN ");
}

static void
names_of_several_and_unknown(void **state)
{
	struct wh_conn *a = member(0, "a", "#x");
	struct wh_conn *b = member(1, "b", "#x,#y");

	(void)state;
	(void)b;
	wh_feed(a, "NAMES #x,#y,#none");
	SEEK(a, "^:irc.test 353 a = #x :@a b$");
	SEEK(a, "^:irc.test 366 a #x ");
	SEEK(a, "^:irc.test 353 a = #y :@b$");
	SEEK(a, "^:irc.test 366 a #none :End of /NAMES list$");
	wh_feed(a, "NAMES");
	SEEK(a, "^:irc.test 366 a \\* :End of /NAMES list$");
}

static void
names_wrap_long_lists(void **state)
{
	struct wh_conn *a = member(0, "a", "#big"), *m;
	char nick[32];
	int i, lines = 0;
	const char *l;

	(void)state;
	for (i = 0; i < 40; i++) {
		snprintf(nick, sizeof(nick), "member_with_a_long_nick%02d", i);
		m = member((unsigned)(i % 2), nick, "#big");
		(void)m;
	}
	wh_drain(a);
	wh_feed(a, "NAMES #big");
	while ((l = wh_next(a)) != NULL) {
		if (strstr(l, " 353 ") != NULL) {
			lines++;
			assert_true(strlen(l) <= 510);
		}
	}
	assert_true(lines >= 2);
}

/* --- TOPIC, LIST, MODE ----------------------------------------------------------- */

static void
topic_unset_331(void **state)
{
	struct wh_conn *a = member(0, "a", "#x");

	(void)state;
	wh_feed(a, "TOPIC #x");
	SEEK(a, "^:irc.test 331 a #x :No topic is set$");
}

static void
topic_set_fans_out(void **state)
{
	struct wh_conn *a = member(0, "a", "#x");
	struct wh_conn *b = member(1, "b", "#x");

	(void)state;
	wh_drain(a);
	wh_feed(a, "TOPIC #x :new topic here");
	SEEK(a, "^:a!~a@10.0.0.1 TOPIC #x :new topic here$");
	SEEK(b, "^:a!~a@10.0.0.1 TOPIC #x :new topic here$");
	wh_feed(b, "TOPIC #x");
	SEEK(b, "^:irc.test 332 b #x :new topic here$");
	SEEK(b, "^:irc.test 333 b #x a!~a@10.0.0.1 1767323045$");
}

static void
topic_shown_on_join(void **state)
{
	struct wh_conn *a = member(0, "a", "#x");
	struct wh_conn *b = wh_register(1, "b");

	(void)state;
	wh_feed(a, "TOPIC #x :hello");
	wh_feed(b, "JOIN #x");
	SEEK(b, "JOIN #x$");
	SEEK(b, "^:irc.test 332 b #x :hello$");
	SEEK(b, "^:irc.test 333 b #x ");
	SEEK(b, "^:irc.test 353 b = #x ");
}

static void
topic_errors_403_442(void **state)
{
	struct wh_conn *a = member(0, "a", "#x");
	struct wh_conn *b = wh_register(1, "b");

	(void)state;
	(void)a;
	wh_feed(b, "TOPIC #nope");
	SEEK(b, "^:irc.test 403 b #nope :No such channel$");
	wh_feed(b, "TOPIC #x :mine");
	SEEK(b, "^:irc.test 442 b #x :You're not on that channel$");
	wh_feed(b, "TOPIC #x");		/* reading needs no membership */
	SEEK(b, " 331 b #x ");
	wh_feed(b, "TOPIC");
	SEEK(b, " 461 b TOPIC ");
}

static void
topic_cut_at_topiclen(void **state)
{
	struct wh_conn *a = member(0, "a", "#x");
	char text[500];
	const char *l;

	(void)state;
	memset(text, 't', 450);
	text[450] = '\0';
	wh_feed(a, "TOPIC #x :%s", text);
	wh_drain(a);
	wh_feed(a, "TOPIC #x");
	l = wh_next(a);
	assert_non_null(l);
	assert_non_null(strstr(l, " 332 a #x :"));
	assert_int_equal(strlen(strstr(l, " :") + 2), TOPIC_MAX);
}

static void
list_all_and_filtered(void **state)
{
	struct wh_conn *a = member(0, "a", "#x,#y");
	struct wh_conn *b = member(1, "b", "#x");

	(void)state;
	(void)b;
	wh_feed(a, "TOPIC #x :about x");
	wh_drain(a);
	wh_feed(a, "LIST");
	SEEK(a, "^:irc.test 321 a Channel :Users  Name$");
	HAS(a, "^:irc.test 322 a #x 2 :about x$");
	HAS(a, "^:irc.test 322 a #y 1 :$");
	SEEK(a, "^:irc.test 323 a :End of /LIST$");
	wh_feed(a, "LIST #y,#none");
	SEEK(a, " 321 ");
	SEEK(a, "^:irc.test 322 a #y 1 :$");
	SEEK(a, "^:irc.test 323 a ");
}

static void
mode_channel_query_324_329(void **state)
{
	struct wh_conn *a = member(0, "a", "#x");

	(void)state;
	wh_feed(a, "MODE #x");
	SEEK(a, "^:irc.test 324 a #x \\+nt$");
	SEEK(a, "^:irc.test 329 a #x 1767323045$");
	wh_feed(a, "MODE #x b");
	SEEK(a, "^:irc.test 368 a #x :End of channel ban list$");
	wh_feed(a, "MODE #x +b");
	SEEK(a, " 368 a #x ");
}

static void
mode_channel_refusals(void **state)
{
	struct wh_conn *a = member(0, "a", "#x");
	struct wh_conn *b = wh_register(1, "b");

	(void)state;
	wh_feed(a, "MODE #x +v nobody");
	SEEK(a, "^:irc.test 401 a nobody :No such nick/channel$");
	wh_feed(a, "MODE #x +o b");		/* b is not a member yet */
	SEEK(a, "^:irc.test 441 a b #x :They aren't on that channel$");
	wh_feed(b, "MODE #x -t");
	SEEK(b, "^:irc.test 442 b #x :You're not on that channel$");
	wh_feed(b, "JOIN #x");
	wh_feed(b, "MODE #x -t");
	SEEK(b, "^:irc.test 482 b #x :You're not channel operator$");
	wh_feed(a, "MODE #none");
	SEEK(a, "^:irc.test 403 a #none :No such channel$");
	wh_feed(a, "MODE");
	SEEK(a, " 461 a MODE ");
}

static void
mode_user_invisible(void **state)
{
	struct wh_conn *a = wh_register(0, "a");

	(void)state;
	wh_feed(a, "MODE a");
	SEEK(a, "^:irc.test 221 a \\+$");
	wh_feed(a, "MODE a +i");
	SEEK(a, "^:a!~a@10.0.0.1 MODE a :\\+i$");
	wh_feed(a, "MODE A");
	SEEK(a, "^:irc.test 221 a \\+i$");
	wh_feed(a, "MODE a +i");		/* no change: no echo */
	assert_int_equal(wh_pending(a), 0);
	wh_feed(a, "MODE a -i");
	SEEK(a, "MODE a :-i$");
}

static void
mode_user_errors_501_502(void **state)
{
	struct wh_conn *a = wh_register(0, "a");
	struct wh_conn *b = wh_register(1, "b");

	(void)state;
	(void)b;
	wh_feed(a, "MODE a +X");
	SEEK(a, "^:irc.test 501 a :Unknown MODE flag$");
	wh_feed(a, "MODE a +Z");		/* the server's alone: no change */
	assert_int_equal(wh_pending(a), 0);
	wh_feed(a, "MODE b +i");
	SEEK(a, "^:irc.test 502 a :Can't change mode for other users$");
}

static void
kick_refusals(void **state)
{
	struct wh_conn *a = member(0, "a", "#x");
	struct wh_conn *b = wh_register(1, "b");

	(void)state;
	wh_feed(b, "KICK #none a");
	SEEK(b, "^:irc.test 403 b #none :No such channel$");
	wh_feed(b, "KICK #x a");
	SEEK(b, "^:irc.test 442 b #x :You're not on that channel$");
	wh_feed(b, "JOIN #x");
	wh_feed(b, "KICK #x a");
	SEEK(b, "^:irc.test 482 b #x :You're not channel operator$");
	wh_feed(a, "KICK #x");
	SEEK(a, " 461 a KICK ");
}

static void
invite_across_workers(void **state)
{
	struct wh_conn *a = member(0, "a", "#x");
	struct wh_conn *b = wh_register(1, "b");

	(void)state;
	wh_feed(a, "INVITE b #x");
	SEEK(a, "^:irc.test 341 a b #x$");
	SEEK(b, "^:a!~a@10.0.0.1 INVITE b #x$");
}

static void
invite_same_worker(void **state)
{
	struct wh_conn *a = member(0, "a", "#x");
	struct wh_conn *b = wh_register(0, "b");

	(void)state;
	wh_feed(a, "INVITE B #x");
	SEEK(a, " 341 a b #x$");
	SEEK(b, "^:a!~a@10.0.0.1 INVITE b #x$");
}

static void
invite_refusals(void **state)
{
	struct wh_conn *a = member(0, "a", "#x");
	struct wh_conn *b = member(1, "b", "#x");
	struct wh_conn *c = wh_register(1, "c");

	(void)state;
	wh_feed(a, "INVITE nobody #x");
	SEEK(a, "^:irc.test 401 a nobody :No such nick/channel$");
	wh_feed(a, "INVITE c #none");
	SEEK(a, "^:irc.test 403 a #none :No such channel$");
	wh_feed(c, "INVITE b #x");
	SEEK(c, "^:irc.test 442 c #x :You're not on that channel$");
	wh_feed(a, "INVITE b #x");
	SEEK(a, "^:irc.test 443 a b #x :is already on channel$");
	wh_feed(a, "INVITE b");
	SEEK(a, " 461 a INVITE ");
	(void)b;
}

/* --- PRIVMSG, NOTICE, TAGMSG ----------------------------------------------------- */

static void
msg_channel_fans_out_across_workers(void **state)
{
	struct wh_conn *a = member(0, "a", "#x");
	struct wh_conn *b = member(1, "b", "#x");
	struct wh_conn *c = member(0, "c", "#x");
	struct wh_conn *d = member(1, "d", NULL);
	struct wh_conn *v[] = { a, b, c, d };

	(void)state;
	drain_all(v, 4);
	wh_feed(a, "PRIVMSG #x :hello room");
	SEEK(b, "^:a!~a@10.0.0.1 PRIVMSG #x :hello room$");
	SEEK(c, "^:a!~a@10.0.0.1 PRIVMSG #x :hello room$");
	NONE(a, "PRIVMSG");		/* no echo without echo-message */
	NONE(d, "PRIVMSG");		/* not a member */
}

static void
msg_echo_message(void **state)
{
	struct wh_conn *a = wh_connect(0, "10.0.0.1");

	(void)state;
	wh_feed(a, "CAP REQ :echo-message");
	wh_feed(a, "NICK a");
	wh_feed(a, "USER a 0 * :A");
	wh_feed(a, "CAP END");
	wh_feed(a, "JOIN #x");
	wh_drain(a);
	wh_feed(a, "PRIVMSG #x :me too");
	SEEK(a, "^:a!~a@10.0.0.1 PRIVMSG #x :me too$");
	wh_feed(a, "PRIVMSG a :to myself");
	SEEK(a, "^:a!~a@10.0.0.1 PRIVMSG a :to myself$");
}

static void
msg_notice_channel(void **state)
{
	struct wh_conn *a = member(0, "a", "#x");
	struct wh_conn *b = member(1, "b", "#x");

	(void)state;
	wh_drain(b);
	wh_feed(a, "NOTICE #x :attention");
	SEEK(b, "^:a!~a@10.0.0.1 NOTICE #x :attention$");
}

static void
msg_private_same_worker(void **state)
{
	struct wh_conn *a = wh_register(0, "a");
	struct wh_conn *b = wh_register(0, "b");

	(void)state;
	wh_feed(a, "PRIVMSG B :psst");
	SEEK(b, "^:a!~a@10.0.0.1 PRIVMSG b :psst$");
}

static void
msg_private_other_worker(void **state)
{
	struct wh_conn *a = wh_register(0, "a");
	struct wh_conn *b = wh_register(1, "b");
	unsigned before = wh_frames();

	(void)state;
	wh_feed(a, "PRIVMSG b :over the relay");
	SEEK(b, "^:a!~a@10.0.0.1 PRIVMSG b :over the relay$");
	assert_int_equal(wh_frames(), before + 1);
	wh_feed(b, "NOTICE a :back");
	SEEK(a, "^:b!~b@10.0.0.1 NOTICE a :back$");
}

static void
msg_errors(void **state)
{
	struct wh_conn *a = member(0, "a", "#x");
	struct wh_conn *b = wh_register(1, "b");

	(void)state;
	wh_feed(b, "PRIVMSG nobody :hi");
	SEEK(b, "^:irc.test 401 b nobody :No such nick/channel$");
	wh_feed(b, "PRIVMSG #none :hi");
	SEEK(b, "^:irc.test 403 b #none :No such channel$");
	wh_feed(b, "PRIVMSG #x :hi");
	SEEK(b, "^:irc.test 404 b #x :Cannot send to channel \\(you are not "
	    "on it \\(\\+n\\)\\)$");
	NONE(a, "PRIVMSG #x :hi");
	wh_feed(b, "PRIVMSG");
	SEEK(b, "^:irc.test 411 b :No recipient given \\(PRIVMSG\\)$");
	wh_feed(b, "PRIVMSG a");
	SEEK(b, "^:irc.test 412 b :No text to send$");
	wh_feed(b, "PRIVMSG a :");
	SEEK(b, " 412 b ");
}

static void
msg_notice_never_errors(void **state)
{
	struct wh_conn *b = wh_register(1, "b");

	(void)state;
	wh_feed(b, "NOTICE nobody :hi");
	wh_feed(b, "NOTICE #none :hi");
	wh_feed(b, "NOTICE");
	wh_feed(b, "NOTICE x");
	assert_int_equal(wh_pending(b), 0);
}

static void
msg_several_targets_and_407(void **state)
{
	struct wh_conn *a = wh_register(0, "a");
	struct wh_conn *b = wh_register(1, "b");
	struct wh_conn *c = wh_register(0, "c");

	(void)state;
	wh_feed(a, "PRIVMSG b,c :both");
	SEEK(b, "PRIVMSG b :both$");
	SEEK(c, "PRIVMSG c :both$");
	wh_feed(a, "PRIVMSG b,c,b,c,b :five");
	SEEK(a, "^:irc.test 407 a b :Too many recipients \\(at most 4\\)$");
}

static void
msg_away_reply_301(void **state)
{
	struct wh_conn *a = wh_register(0, "a");
	struct wh_conn *b = wh_register(1, "b");

	(void)state;
	wh_feed(b, "AWAY :at lunch");
	wh_feed(a, "PRIVMSG b :hi");
	SEEK(a, "^:irc.test 301 a b :at lunch$");
	wh_feed(a, "NOTICE b :hi");	/* no 301 for NOTICE */
	NONE(a, " 301 ");
}

static void
msg_cut_to_512(void **state)
{
	struct wh_conn *a = member(0, "a", "#x");
	struct wh_conn *b = member(1, "b", "#x");
	char text[500];
	const char *l;

	(void)state;
	memset(text, 'y', 490);
	text[490] = '\0';
	wh_drain(b);
	wh_feed(a, "PRIVMSG #x :%s", text);
	l = wh_next(b);
	assert_non_null(l);
	assert_true(strlen(l) <= IRC_LINE_MAX - 2);
	assert_non_null(strstr(l, "PRIVMSG #x :yyy"));
}

static void
msg_server_time_and_tags(void **state)
{
	struct wh_conn *a = wh_connect(0, "10.0.0.1");
	struct wh_conn *b = wh_connect(1, "10.0.0.1");
	struct wh_conn *c = member(1, "c", "#x");

	(void)state;
	wh_feed(a, "CAP REQ :message-tags");
	wh_feed(a, "NICK a");
	wh_feed(a, "USER a 0 * :A");
	wh_feed(a, "CAP END");
	wh_feed(a, "JOIN #x");
	wh_feed(b, "CAP REQ :server-time message-tags");
	wh_feed(b, "NICK b");
	wh_feed(b, "USER b 0 * :B");
	wh_feed(b, "CAP END");
	wh_feed(b, "JOIN #x");
	wh_drain(b);
	wh_drain(c);
	wh_feed(a, "@+example.org/x=1;+typing=active;server=no PRIVMSG #x :t");
	SEEK(b, "^@time=20[0-9-]+T[0-9:]+\\.[0-9]{3}Z;msgid=[0-9a-z]+;"
	    "\\+example.org/x=1;\\+typing=active :a!~a@10.0.0.1 PRIVMSG "
	    "#x :t$");
	SEEK(c, "^:a!~a@10.0.0.1 PRIVMSG #x :t$");	/* no tags for c */
}

static void
msg_tagmsg(void **state)
{
	struct wh_conn *a = wh_connect(0, "10.0.0.1");
	struct wh_conn *b = wh_connect(1, "10.0.0.1");
	struct wh_conn *c = member(1, "c", "#x");

	(void)state;
	wh_feed(a, "CAP REQ :message-tags");
	wh_feed(a, "NICK a");
	wh_feed(a, "USER a 0 * :A");
	wh_feed(a, "CAP END");
	wh_feed(a, "JOIN #x");
	wh_feed(b, "CAP REQ :message-tags");
	wh_feed(b, "NICK b");
	wh_feed(b, "USER b 0 * :B");
	wh_feed(b, "CAP END");
	wh_feed(b, "JOIN #x");
	wh_drain(b);
	wh_drain(c);
	wh_feed(a, "@+typing=active TAGMSG #x");
	SEEK(b, "^@msgid=[0-9a-z]+;\\+typing=active :a!~a@10.0.0.1 TAGMSG "
	    "#x$");
	NONE(c, "TAGMSG");
	wh_feed(a, "@+typing=done TAGMSG b");
	SEEK(b, "^@msgid=[0-9a-z]+;\\+typing=done :a!~a@10.0.0.1 TAGMSG b$");
	wh_feed(c, "TAGMSG #x");
	SEEK(c, "^:irc.test 421 c TAGMSG :Unknown command");
}

/* --- queries ----------------------------------------------------------------- */

static void
who_channel(void **state)
{
	struct wh_conn *a = member(0, "a", "#x");
	struct wh_conn *b = member(1, "b", "#x");

	(void)state;
	(void)b;
	wh_feed(b, "AWAY :out");
	wh_feed(a, "WHO #x");
	SEEK(a, "^:irc.test 352 a #x ~a 10.0.0.1 irc.test a H@ :0 Real a$");
	SEEK(a, "^:irc.test 352 a #x ~b 10.0.0.1 irc.test b G :0 Real b$");
	SEEK(a, "^:irc.test 315 a #x :End of WHO list$");
}

static void
who_mask_and_invisible(void **state)
{
	struct wh_conn *a = wh_register(0, "anna");
	struct wh_conn *b = wh_register(1, "andy");
	struct wh_conn *c = wh_register(1, "bob");

	(void)state;
	(void)c;
	wh_feed(b, "MODE andy +i");
	wh_feed(a, "WHO an*");
	HAS(a, " 352 anna \\* ~anna ");
	NONE(a, " 352 anna \\* ~andy ");	/* +i hides from masks */
	NONE(a, " 352 anna \\* ~bob ");
	SEEK(a, " 315 anna an\\* :End of WHO list$");
	wh_feed(a, "WHO andy");		/* but not from an exact nick */
	SEEK(a, " 352 anna \\* ~andy ");
	wh_feed(b, "WHO an*");		/* nor from yourself */
	HAS(b, " 352 andy \\* ~andy ");
}

static void
whois_found(void **state)
{
	struct wh_conn *a = wh_register(0, "a");
	struct wh_conn *b = member(1, "b", "#x,#y");

	(void)state;
	wh_feed(b, "AWAY :brb");
	wh_feed(a, "WHOIS B");
	SEEK(a, "^:irc.test 311 a b ~b 10.0.0.1 \\* :Real b$");
	SEEK(a, "^:irc.test 319 a b :@#x @#y$");
	SEEK(a, "^:irc.test 312 a b irc.test :KeoChat server$");
	SEEK(a, "^:irc.test 301 a b :brb$");
	SEEK(a, "^:irc.test 317 a b [0-9]+ 1767323045 :seconds idle, signon "
	    "time$");
	SEEK(a, "^:irc.test 318 a b :End of /WHOIS list$");
	wh_feed(a, "WHOIS irc.test b");	/* the server form */
	SEEK(a, " 311 a b ");
}

static void
whois_refusals(void **state)
{
	struct wh_conn *a = wh_register(0, "a");

	(void)state;
	wh_feed(a, "WHOIS ghost");
	SEEK(a, "^:irc.test 401 a ghost :No such nick/channel$");
	SEEK(a, "^:irc.test 318 a ghost :End of /WHOIS list$");
	wh_feed(a, "WHOIS");
	SEEK(a, "^:irc.test 431 a :No nickname given$");
}

static void
whowas_answers(void **state)
{
	struct wh_conn *a = wh_register(0, "a");

	(void)state;
	wh_feed(a, "WHOWAS ghost");
	SEEK(a, "^:irc.test 406 a ghost :There was no such nickname$");
	SEEK(a, "^:irc.test 369 a ghost :End of WHOWAS$");
	wh_feed(a, "WHOWAS");
	SEEK(a, " 431 a ");
}

static void
away_set_and_unset(void **state)
{
	struct wh_conn *a = wh_register(0, "a");

	(void)state;
	wh_feed(a, "AWAY :gone");
	SEEK(a, "^:irc.test 306 a :You have been marked as being away$");
	wh_feed(a, "AWAY");
	SEEK(a, "^:irc.test 305 a :You are no longer marked as being away$");
	wh_feed(a, "AWAY :");
	SEEK(a, " 305 a ");
}

static void
ison_and_userhost(void **state)
{
	struct wh_conn *a = wh_register(0, "a");
	struct wh_conn *b = wh_register(1, "b");

	(void)state;
	wh_feed(b, "AWAY :x");
	wh_feed(a, "ISON b nobody A");
	SEEK(a, "^:irc.test 303 a :b a$");
	wh_feed(a, "ISON :b c");
	SEEK(a, "^:irc.test 303 a :b$");
	wh_feed(a, "USERHOST a b nobody");
	SEEK(a, "^:irc.test 302 a :a=\\+~a@10.0.0.1 b=-~b@10.0.0.1$");
	wh_feed(a, "ISON");
	SEEK(a, " 461 a ISON ");
}

static void
lusers_counts(void **state)
{
	struct wh_conn *a = member(0, "a", "#x");
	struct wh_conn *b = member(1, "b", "#y");
	struct wh_conn *u = wh_connect(1, "10.0.0.9");

	(void)state;
	(void)b;
	(void)u;
	wh_feed(a, "LUSERS");
	SEEK(a, "^:irc.test 251 a :There are 2 users and 0 invisible on 1 "
	    "servers$");
	SEEK(a, "^:irc.test 252 a 0 :operator\\(s\\) online$");
	SEEK(a, "^:irc.test 253 a 1 :unknown connection\\(s\\)$");
	SEEK(a, "^:irc.test 254 a 2 :channels formed$");
	SEEK(a, "^:irc.test 255 a :I have 2 clients and 0 servers$");
	SEEK(a, "^:irc.test 265 a 2 2 ");
	SEEK(a, "^:irc.test 266 a 2 2 ");
}

static void
motd_command(void **state)
{
	struct wh_conn *a = wh_register(0, "a");

	(void)state;
	wh_feed(a, "MOTD");
	SEEK(a, "^:irc.test 422 a :MOTD File is missing$");
}

static void
version_time_admin_info(void **state)
{
	struct wh_conn *a = wh_register(1, "a");

	(void)state;
	wh_feed(a, "VERSION");
	SEEK(a, "^:irc.test 351 a keochatd-\\S+ irc.test :");
	SEEK(a, "^:irc.test 005 a ");
	wh_feed(a, "TIME");
	SEEK(a, "^:irc.test 391 a irc.test :[A-Z][a-z]+day [A-Z][a-z]+ [0-9]+ "
	    "20[0-9]+ -- [0-9:]+ UTC$");
	wh_feed(a, "ADMIN");
	SEEK(a, "^:irc.test 256 a irc.test :Administrative info$");
	SEEK(a, "^:irc.test 257 a :KeoChat server$");
	SEEK(a, "^:irc.test 258 a :KeoChat network$");
	SEEK(a, "^:irc.test 259 a :root@irc.test$");
	wh_feed(a, "INFO");
	SEEK(a, "^:irc.test 371 a :keochatd-");
	SEEK(a, "^:irc.test 371 a :You are on worker 1\\.$");
	SEEK(a, "^:irc.test 374 a :End of INFO list$");
}

static void
oper_and_kill_refused(void **state)
{
	struct wh_conn *a = wh_register(0, "a");
	struct wh_conn *b = wh_register(1, "b");

	(void)state;
	wh_feed(a, "OPER admin secret");
	SEEK(a, "^:irc.test 491 a :No O-lines for your host$");
	wh_feed(a, "KILL b :go away");
	SEEK(a, "^:irc.test 481 a :Permission Denied- You're not an IRC "
	    "operator$");
	assert_false(wh_closed(b));
	wh_feed(a, "OPER admin");
	SEEK(a, " 461 a OPER ");
}

/* --- nick changes -------------------------------------------------------------- */

static void
nick_change_seen_once_per_member(void **state)
{
	struct wh_conn *a = member(0, "a", "#x,#y,#z");
	struct wh_conn *b = member(1, "b", "#x,#y");
	struct wh_conn *c = member(0, "c", "#z");
	struct wh_conn *d = member(1, "d", NULL);
	struct wh_conn *v[] = { a, b, c, d };

	(void)state;
	drain_all(v, 4);
	wh_feed(a, "NICK alpha");
	SEEK(a, "^:a!~a@10.0.0.1 NICK :alpha$");
	NONE(a, "NICK :alpha");			/* the once */
	SEEK(b, "^:a!~a@10.0.0.1 NICK :alpha$");
	NONE(b, "NICK");			/* two shared channels, once */
	SEEK(c, "^:a!~a@10.0.0.1 NICK :alpha$");
	NONE(d, "NICK");
	wh_feed(b, "PRIVMSG #x :hi");
	SEEK(a, "^:b!~b@10.0.0.1 PRIVMSG #x :hi$");
	wh_feed(b, "PRIVMSG alpha :direct");
	SEEK(a, "PRIVMSG alpha :direct$");
}

static void
nick_change_frees_the_old_one(void **state)
{
	struct wh_conn *a = wh_register(0, "a");
	struct wh_conn *b = wh_connect(1, "10.0.0.1");

	(void)state;
	wh_feed(a, "NICK z");
	wh_feed(b, "NICK a");
	wh_feed(b, "USER a 0 * :A");
	SEEK(b, " 001 a ");
	wh_feed(a, "NICK a");
	SEEK(a, " 433 z a ");
}

static void
nick_change_case_only(void **state)
{
	struct wh_conn *a = member(0, "al", "#x");
	struct wh_conn *b = member(1, "b", "#x");

	(void)state;
	wh_drain(b);
	wh_feed(a, "NICK AL");
	SEEK(a, "NICK :AL$");
	SEEK(b, "^:al!~al@10.0.0.1 NICK :AL$");
	wh_feed(a, "NICK AL");			/* the same: nothing */
	assert_int_equal(wh_pending(a), 0);
}

/* --- quitting ------------------------------------------------------------------- */

static void
quit_seen_once_with_reason(void **state)
{
	struct wh_conn *a = member(0, "a", "#x,#y");
	struct wh_conn *b = member(1, "b", "#x,#y");
	struct wh_conn *c = member(0, "c", "#y");

	(void)state;
	wh_drain(b);
	wh_drain(c);
	wh_feed(a, "QUIT :see you");
	SEEK(a, "^ERROR :Closing Link: 10.0.0.1 \\(Quit: see you\\)$");
	assert_true(wh_closed(a));
	SEEK(b, "^:a!~a@10.0.0.1 QUIT :Quit: see you$");
	NONE(b, "QUIT");
	SEEK(c, "^:a!~a@10.0.0.1 QUIT :Quit: see you$");
	wh_feed(b, "NAMES #x");
	SEEK(b, " 353 b = #x :b$");
}

static void
quit_without_reason(void **state)
{
	struct wh_conn *a = member(0, "a", "#x");
	struct wh_conn *b = member(1, "b", "#x");

	(void)state;
	wh_drain(b);
	wh_feed(a, "QUIT");
	SEEK(b, "^:a!~a@10.0.0.1 QUIT :Client Quit$");
}

static void
quit_frees_the_nick(void **state)
{
	struct wh_conn *a = wh_register(0, "a");
	struct wh_conn *b;

	(void)state;
	wh_feed(a, "QUIT");
	b = wh_connect(1, "10.0.0.1");
	wh_feed(b, "NICK a");
	wh_feed(b, "USER a 0 * :A");
	SEEK(b, " 001 a ");
}

static void
quit_of_last_member_frees_channel(void **state)
{
	struct wh_conn *a = member(0, "a", "#gone");
	struct wh_conn *b = wh_register(1, "b");

	(void)state;
	wh_feed(a, "QUIT");
	wh_feed(b, "NAMES #gone");
	NONE(b, " 353 ");
	SEEK(b, " 366 b #gone ");
	wh_feed(b, "JOIN #gone");
	SEEK(b, "^:irc.test 353 b = #gone :@b$");
}

static void
quit_nobody_sees_a_user_without_channels(void **state)
{
	struct wh_conn *a = wh_register(0, "a");
	struct wh_conn *b = member(1, "b", "#x");
	unsigned before = wh_frames();

	(void)state;
	wh_feed(a, "QUIT");
	NONE(b, "QUIT");
	/* one QUIT frame for the MONITOR watchers of every worker */
	assert_int_equal(wh_frames(), before + 1);
}

/* --- ordering ------------------------------------------------------------------- */

static void
order_member_sees_only_after_its_join(void **state)
{
	struct wh_conn *a = member(0, "a", "#x");
	struct wh_conn *b = wh_register(1, "b");

	(void)state;
	wh_feed(a, "PRIVMSG #x :before");
	wh_feed(b, "JOIN #x");
	wh_feed(a, "PRIVMSG #x :after");
	NONE(b, "before");
	SEEK(b, "JOIN #x$");
	SEEK(b, "PRIVMSG #x :after$");
}

static void
order_nothing_after_part(void **state)
{
	struct wh_conn *a = member(0, "a", "#x");
	struct wh_conn *b = member(1, "b", "#x");

	(void)state;
	wh_drain(b);
	wh_feed(a, "PRIVMSG #x :one");
	wh_feed(b, "PART #x");
	wh_feed(a, "PRIVMSG #x :two");
	SEEK(b, "PRIVMSG #x :one$");
	SEEK(b, "PART #x$");
	NONE(b, "two");
}

/* Lines from two senders on two workers: every member sees one order. */
static void
order_two_senders_one_order(void **state)
{
	struct wh_conn *a = member(0, "a", "#x");
	struct wh_conn *b = member(1, "b", "#x");
	struct wh_conn *c = member(0, "c", "#x");
	struct wh_conn *d = member(1, "d", "#x");
	struct wh_conn *v[] = { a, b, c, d };
	char seen_c[40][8], seen_d[40][8];
	const char *l;
	int i, nc = 0, nd = 0;

	(void)state;
	drain_all(v, 4);
	for (i = 0; i < 20; i++) {
		char buf[64];
		int n = snprintf(buf, sizeof(buf), "PRIVMSG #x :a%d\r\n", i);
		wh_feed_raw(a, buf, (size_t)n);
		n = snprintf(buf, sizeof(buf), "PRIVMSG #x :b%d\r\n", i);
		wh_feed_raw(b, buf, (size_t)n);
	}
	while ((l = wh_next(c)) != NULL && nc < 40)
		snprintf(seen_c[nc++], 8, "%s", strrchr(l, ':') + 1);
	while ((l = wh_next(d)) != NULL && nd < 40)
		snprintf(seen_d[nd++], 8, "%s", strrchr(l, ':') + 1);
	assert_int_equal(nc, 40);
	assert_int_equal(nd, 40);
	for (i = 0; i < 40; i++)
		assert_string_equal(seen_c[i], seen_d[i]);
}

static void
order_join_part_join(void **state)
{
	struct wh_conn *a = member(0, "a", "#x");
	struct wh_conn *b = member(1, "b", "#x");

	(void)state;
	wh_drain(a);
	wh_feed(b, "PART #x");
	wh_feed(b, "JOIN #x");
	wh_feed(b, "PART #x");
	wh_feed(b, "JOIN #x");
	SEEK(a, "b!~b@10.0.0.1 PART #x$");
	SEEK(a, "b!~b@10.0.0.1 JOIN #x$");
	SEEK(a, "b!~b@10.0.0.1 PART #x$");
	SEEK(a, "b!~b@10.0.0.1 JOIN #x$");
	wh_feed(a, "PRIVMSG #x :still here?");
	SEEK(b, "PRIVMSG #x :still here\\?$");
}

static void
order_recreated_channel_is_new(void **state)
{
	struct wh_conn *a = member(0, "a", "#x");
	struct wh_conn *b = wh_register(1, "b");

	(void)state;
	wh_feed(a, "TOPIC #x :old");
	wh_feed(a, "PART #x");
	wh_feed(b, "JOIN #x");
	NONE(b, " 332 ");	/* the topic went with the channel */
	SEEK(b, "^:irc.test 353 b = #x :@b$");
}

/* --- slow readers ------------------------------------------------------------------ */

static void
slow_reader_is_cut_at_sendq(void **state)
{
	struct wh_conn *a, *b, *c;
	char text[400];
	int i;

	(void)state;
	wh_teardown();
	wh_setup(2, tweak_small_queues);
	a = member(0, "a", "#x");
	b = member(1, "b", "#x");
	c = member(1, "c", "#x");
	memset(text, 'z', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	wh_stall(b, 1);
	wh_drain(c);
	for (i = 0; i < 400 && !wh_has(c, "QUIT"); i++)
		wh_feed(a, "PRIVMSG #x :%s", text);
	SEEK(c, "^:b!~b@10.0.0.1 QUIT :SendQ exceeded$");
	/* it lingers to flush its ERROR, then the socket goes */
	assert_false(wh_closed(b));
	kd.now_ms += 3000;
	wh_run();
	assert_true(wh_closed(b));
	assert_false(wh_closed(c));
	assert_false(wh_closed(a));
}

static void
stalled_then_resumed_gets_everything(void **state)
{
	struct wh_conn *a = member(0, "a", "#x");
	struct wh_conn *b = member(1, "b", "#x");
	const char *l;
	int i, got = 0;

	(void)state;
	wh_drain(b);
	wh_stall(b, 1);
	for (i = 0; i < 100; i++)
		wh_feed(a, "PRIVMSG #x :%d", i);
	wh_stall(b, 0);
	wh_run();
	while ((l = wh_next(b)) != NULL)
		if (strstr(l, "PRIVMSG #x :") != NULL)
			assert_int_equal(atoi(strrchr(l, ':') + 1), got++);
	assert_int_equal(got, 100);
}

/* --- more registration -------------------------------------------------------- */

static void
reg_ident_is_cleaned(void **state)
{
	struct wh_conn *a = wh_connect(0, "10.0.0.1");
	struct wh_conn *b = wh_connect(0, "10.0.0.1");

	(void)state;
	wh_feed(a, "NICK a");
	wh_feed(a, "USER w$e!i@rd 0 * :A");
	SEEK(a, " 001 a :Welcome .* a!~weird@10.0.0.1$");
	wh_feed(b, "NICK b");
	wh_feed(b, "USER !!! 0 * :B");
	SEEK(b, " 001 b :Welcome .* b!~user@10.0.0.1$");
}

static void
reg_realname_is_cut(void **state)
{
	struct wh_conn *a = wh_connect(0, "10.0.0.1");
	struct wh_conn *b = wh_register(1, "b");
	char real[300];
	const char *l;

	(void)state;
	memset(real, 'r', 250);
	real[250] = '\0';
	wh_feed(a, "NICK a");
	wh_feed(a, "USER a 0 * :%s", real);
	wh_feed(b, "WHOIS a");
	l = wh_next(b);
	assert_non_null(l);
	assert_non_null(strstr(l, " 311 b a "));
	assert_int_equal(strlen(strstr(l, "* :") + 3), REALNAME_MAX);
}

static void
reg_nick_changed_before_user(void **state)
{
	struct wh_conn *a = wh_connect(0, "10.0.0.1");
	struct wh_conn *b = wh_connect(1, "10.0.0.1");

	(void)state;
	wh_feed(a, "NICK first");
	wh_feed(a, "NICK second");
	wh_feed(a, "USER a 0 * :A");
	SEEK(a, " 001 second ");
	wh_feed(b, "NICK first");		/* released by the change */
	wh_feed(b, "USER b 0 * :B");
	SEEK(b, " 001 first ");
}

static void
reg_cap_ls_without_version(void **state)
{
	struct wh_conn *a = wh_connect(0, "10.0.0.1");

	(void)state;
	wh_feed(a, "CAP LS");
	SEEK(a, "^:irc.test CAP \\* LS :account-notify .* echo-message ");
	wh_feed(a, "NICK a");
	wh_feed(a, "USER a 0 * :A");
	assert_int_equal(wh_pending(a), 0);
	wh_feed(a, "CAP END");
	SEEK(a, " 001 a ");
	wh_drain(a);
	wh_feed(a, "CAP END");			/* after registration: nothing */
	assert_int_equal(wh_pending(a), 0);
}

static void
reg_registration_times_out(void **state)
{
	struct wh_conn *a = wh_connect(0, "10.0.0.1");

	(void)state;
	wh_feed(a, "NICK slow");
	wh_tick((int64_t)kd.cfg.registration_timeout * 1000 + 1);
	SEEK(a, "^ERROR :Closing Link: 10.0.0.1 \\(Registration timed "
	    "out\\)$");
}

static void
reg_ping_timeout(void **state)
{
	struct wh_conn *a = member(0, "idle", "#x");
	struct wh_conn *b = member(0, "b", "#x");

	(void)state;
	wh_drain(b);
	wh_tick((int64_t)kd.cfg.ping_interval * 1000 + 1);
	SEEK(a, "^PING :irc.test$");
	SEEK(b, "^PING :irc.test$");
	wh_feed(b, "PONG :irc.test");
	wh_tick((int64_t)kd.cfg.ping_timeout * 1000 + 1);
	SEEK(a, "^ERROR :Closing Link: 10.0.0.1 \\(Ping timeout: [0-9]+ "
	    "seconds\\)$");
	SEEK(b, "^:idle!~idle@10.0.0.1 QUIT :Ping timeout: ");
	assert_false(wh_closed(b));
}

static void
reg_any_line_counts_as_alive(void **state)
{
	struct wh_conn *a = wh_register(0, "a");

	(void)state;
	wh_tick((int64_t)kd.cfg.ping_interval * 1000 + 1);
	SEEK(a, "^PING :irc.test$");
	wh_feed(a, "LUSERS");			/* not a PONG, but a line */
	wh_tick((int64_t)kd.cfg.ping_timeout * 1000 + 1);
	assert_false(wh_has(a, "^ERROR"));
}

/* --- more lines ----------------------------------------------------------------- */

static void
line_tags_too_long_417(void **state)
{
	struct wh_conn *a = wh_register(0, "a");
	static char tags[IRC_TAGS_MAX + 100];

	(void)state;
	tags[0] = '@';
	memset(tags + 1, 'k', sizeof(tags) - 2);
	tags[sizeof(tags) - 1] = '\0';
	wh_feed(a, "%s PING :x", tags);
	SEEK(a, " 417 a :Input line was too long$");
	wh_feed(a, "PING :after");
	SEEK(a, "PONG irc.test :after$");
}

static void
line_unknown_before_registration(void **state)
{
	struct wh_conn *a = wh_connect(0, "10.0.0.1");

	(void)state;
	wh_feed(a, "FROB");
	SEEK(a, "^:irc.test 421 \\* FROB :Unknown command$");
}

static void
line_bad_prefix_and_garbage(void **state)
{
	struct wh_conn *a = wh_register(0, "a");

	(void)state;
	wh_feed(a, ":");
	wh_feed(a, "@");
	wh_feed(a, "   ");
	wh_feed(a, "PING :still fine");
	SEEK(a, "PONG irc.test :still fine$");
	assert_false(wh_closed(a));
}

static void
line_fifteen_params(void **state)
{
	struct wh_conn *a = wh_register(0, "a");

	(void)state;
	wh_feed(a, "ISON b1 b2 b3 b4 b5 b6 b7 b8 b9 b10 b11 b12 b13 b14 a b16");
	SEEK(a, "^:irc.test 303 a :");
}

/* --- more channels ---------------------------------------------------------------- */

static void
join_name_case_insensitive(void **state)
{
	struct wh_conn *a = member(0, "a", "#Chan[1]");
	struct wh_conn *b = wh_register(1, "b");

	(void)state;
	(void)a;
	wh_feed(b, "JOIN #CHAN{1}");
	SEEK(b, "^:b!~b@10.0.0.1 JOIN #Chan\\[1\\]$");
	SEEK(b, " 353 b = #Chan\\[1\\] :@a b$");
}

static void
join_name_too_long_403(void **state)
{
	struct wh_conn *a = wh_register(0, "a");
	char name[80];

	(void)state;
	name[0] = '#';
	memset(name + 1, 'n', 60);
	name[61] = '\0';
	wh_feed(a, "JOIN %s", name);
	SEEK(a, " 403 a #n+ :No such channel");
}

static void
join_with_a_key_is_fine(void **state)
{
	struct wh_conn *a = wh_register(0, "a");

	(void)state;
	wh_feed(a, "JOIN #k secretkey");
	SEEK(a, "JOIN #k$");
}

static void
join_server_channel_limit(void **state)
{
	struct wh_conn *a = wh_register(0, "a");
	char name[16];
	int i;

	(void)state;
	kd.cfg.max_channels_per_client = CHANS_PER_USER_MAX;
	for (i = 0; i < 32; i++) {
		snprintf(name, sizeof(name), "#c%d", i);
		wh_feed(a, "JOIN %s", name);
	}
	wh_drain(a);
	wh_feed(a, "JOIN #onetoomany");
	SEEK(a, "^:irc.test 405 a #onetoomany :The server cannot hold more "
	    "channels$");
}

static void
list_counts_follow_members(void **state)
{
	struct wh_conn *a = member(0, "a", "#x");
	struct wh_conn *b = member(1, "b", "#x");

	(void)state;
	wh_feed(a, "LIST #x");
	SEEK(a, " 322 a #x 2 :$");
	wh_feed(b, "PART #x");
	wh_feed(a, "LIST #x");
	SEEK(a, " 322 a #x 1 :$");
}

static void
topic_change_by_other_member(void **state)
{
	struct wh_conn *a = member(0, "a", "#x");
	struct wh_conn *b = member(1, "b", "#x");

	(void)state;
	wh_feed(a, "TOPIC #x :first");
	wh_feed(b, "TOPIC #x :second");		/* +t: only ops */
	SEEK(b, " 482 b #x :You're not channel operator$");
	wh_feed(a, "MODE #x -t");
	SEEK(b, "^:a!~a@10.0.0.1 MODE #x -t$");
	wh_feed(b, "TOPIC #x :second");
	wh_drain(a);
	wh_feed(a, "TOPIC #x");
	SEEK(a, " 332 a #x :second$");
	SEEK(a, " 333 a #x b!~b@10.0.0.1 ");
}

static void
topic_cleared(void **state)
{
	struct wh_conn *a = member(0, "a", "#x");

	(void)state;
	wh_feed(a, "TOPIC #x :something");
	wh_feed(a, "TOPIC #x :");
	SEEK(a, "TOPIC #x :$");
	wh_feed(a, "TOPIC #x");
	SEEK(a, " 331 a #x :No topic is set$");
}

/* --- more messages -------------------------------------------------------------- */

static void
msg_to_user_who_left_401(void **state)
{
	struct wh_conn *a = wh_register(0, "a");
	struct wh_conn *b = wh_register(1, "b");

	(void)state;
	wh_feed(b, "QUIT");
	wh_feed(a, "PRIVMSG b :are you there");
	SEEK(a, " 401 a b :No such nick/channel$");
}

static void
msg_ctcp_action_passes(void **state)
{
	struct wh_conn *a = member(0, "a", "#x");
	struct wh_conn *b = member(1, "b", "#x");

	(void)state;
	wh_drain(b);
	wh_feed(a, "PRIVMSG #x :\001ACTION waves\001");
	SEEK(b, "PRIVMSG #x :\001ACTION waves\001$");
}

static void
msg_channel_name_is_canonical(void **state)
{
	struct wh_conn *a = member(0, "a", "#Mixed");
	struct wh_conn *b = member(1, "b", "#mixed");

	(void)state;
	wh_drain(b);
	wh_feed(a, "PRIVMSG #MIXED :case");
	SEEK(b, "^:a!~a@10.0.0.1 PRIVMSG #Mixed :case$");
}

static void
msg_to_unregistered_nick_401(void **state)
{
	struct wh_conn *a = wh_register(0, "a");
	struct wh_conn *u = wh_connect(1, "10.0.0.1");

	(void)state;
	wh_feed(u, "NICK halfway");
	wh_feed(a, "PRIVMSG halfway :hi");
	SEEK(a, " 401 a halfway ");
	assert_int_equal(wh_pending(u), 0);
}

static void
msg_new_prefix_after_nick(void **state)
{
	struct wh_conn *a = member(0, "a", "#x");
	struct wh_conn *b = member(1, "b", "#x");

	(void)state;
	wh_feed(a, "NICK renamed");
	wh_drain(b);
	wh_feed(a, "PRIVMSG #x :new name");
	SEEK(b, "^:renamed!~a@10.0.0.1 PRIVMSG #x :new name$");
}

static void
msg_nothing_after_quit(void **state)
{
	struct wh_conn *a = member(0, "a", "#x");
	struct wh_conn *b = member(1, "b", "#x");

	(void)state;
	wh_drain(b);
	wh_feed_raw(a, "PRIVMSG #x :last words\r\nQUIT\r\nPRIVMSG #x :ghost\r\n",
	    47);
	SEEK(b, "PRIVMSG #x :last words$");
	SEEK(b, "QUIT :Client Quit$");
	NONE(b, "ghost");
}

static void
msg_private_to_a_slow_reader(void **state)
{
	struct wh_conn *a, *b;
	char text[400];
	int i;

	(void)state;
	wh_teardown();
	wh_setup(1, tweak_small_queues);
	a = wh_register(0, "a");
	b = wh_register(0, "b");
	memset(text, 'p', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	wh_stall(b, 1);
	for (i = 0; i < 100; i++)
		wh_feed(a, "PRIVMSG b :%s", text);
	assert_true(wh_client(b) == NULL ||
	    wh_client(b)->state >= CL_DYING);
	assert_false(wh_closed(a));
}

/* --- more queries ------------------------------------------------------------------- */

static void
who_everyone(void **state)
{
	struct wh_conn *a = wh_register(0, "a");
	struct wh_conn *b = wh_register(1, "b");

	(void)state;
	(void)b;
	wh_feed(a, "WHO");
	HAS(a, " 352 a \\* ~a ");
	HAS(a, " 352 a \\* ~b ");
	SEEK(a, " 315 a \\* :End of WHO list$");
	wh_feed(a, "WHO #nochan");
	SEEK(a, "^:irc.test 315 a #nochan :End of WHO list$");
}

static void
whois_without_channels(void **state)
{
	struct wh_conn *a = wh_register(0, "a");
	struct wh_conn *b = wh_register(1, "b");

	(void)state;
	(void)b;
	wh_feed(a, "WHOIS b");
	NONE(a, " 319 ");
	NONE(a, " 301 ");
	SEEK(a, " 318 a b ");
}

static void
whois_idle_time_counts(void **state)
{
	struct wh_conn *a = wh_register(0, "a");
	struct wh_conn *b = member(1, "b", "#x");

	(void)state;
	wh_feed(b, "PRIVMSG #x :talking");
	kd.now += 42;
	wh_feed(a, "WHOIS b");
	SEEK(a, " 317 a b 42 ");
}

static void
userhost_at_most_five(void **state)
{
	struct wh_conn *a = wh_register(0, "a");

	(void)state;
	wh_feed(a, "USERHOST a a a a a a a");
	SEEK(a, "^:irc.test 302 a :a=\\+~a@10.0.0.1 a=\\+~a@10.0.0.1 "
	    "a=\\+~a@10.0.0.1 a=\\+~a@10.0.0.1 a=\\+~a@10.0.0.1$");
}

static void
lusers_after_quits(void **state)
{
	struct wh_conn *a = wh_register(0, "a");
	struct wh_conn *b = wh_register(1, "b");

	(void)state;
	wh_feed(b, "QUIT");
	wh_feed(a, "LUSERS");
	SEEK(a, " 251 a :There are 1 users ");
	SEEK(a, " 266 a 1 2 ");		/* the most ever stays */
}


#define T(f)	cmocka_unit_test_setup_teardown(f, setup2, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(reg_welcome_burst),
		T(reg_user_then_nick),
		T(reg_motd_is_sent),
		T(reg_commands_before_registration_451),
		T(reg_user_twice_462),
		T(reg_user_needs_four_params_461),
		T(reg_nick_missing_431),
		T(reg_nick_erroneous_432),
		T(reg_nick_in_use_433_across_workers),
		T(reg_nick_rfc1459_casemapping),
		T(reg_nick_claimed_while_unregistered),
		T(reg_cap_ls_list_req_end),
		T(reg_cap_nak_and_removal),
		T(reg_cap_bad_subcommand_410),
		T(reg_password_good),
		T(reg_password_bad_464),
		T(reg_password_missing_464),
		T(reg_ping_pong),
		T(reg_quit_before_registration),
		T(reg_autojoin),
		T(line_unknown_command_421),
		T(line_lowercase_command),
		T(line_too_long_417),
		T(line_nul_and_bare_cr_400),
		T(line_invalid_utf8_fail),
		T(line_empty_lines_ignored),
		T(line_lf_only_works),
		T(line_split_across_reads),
		T(line_flood_is_lagged_not_lost),
		T(line_excess_flood),
		T(line_without_newline_too_long),
		T(join_echo_and_names),
		T(join_seen_on_the_other_worker),
		T(join_several_at_once),
		T(join_bad_name_403),
		T(join_already_on_is_silent),
		T(join_too_many_405),
		T(join_zero_parts_everything),
		T(part_seen_by_all),
		T(part_no_such_channel_403),
		T(part_not_on_channel_442),
		T(part_several),
		T(part_needs_a_channel_461),
		T(names_of_several_and_unknown),
		T(names_wrap_long_lists),
		T(topic_unset_331),
		T(topic_set_fans_out),
		T(topic_shown_on_join),
		T(topic_errors_403_442),
		T(topic_cut_at_topiclen),
		T(list_all_and_filtered),
		T(mode_channel_query_324_329),
		T(mode_channel_refusals),
		T(mode_user_invisible),
		T(mode_user_errors_501_502),
		T(kick_refusals),
		T(invite_across_workers),
		T(invite_same_worker),
		T(invite_refusals),
		T(msg_channel_fans_out_across_workers),
		T(msg_echo_message),
		T(msg_notice_channel),
		T(msg_private_same_worker),
		T(msg_private_other_worker),
		T(msg_errors),
		T(msg_notice_never_errors),
		T(msg_several_targets_and_407),
		T(msg_away_reply_301),
		T(msg_cut_to_512),
		T(msg_server_time_and_tags),
		T(msg_tagmsg),
		T(who_channel),
		T(who_mask_and_invisible),
		T(whois_found),
		T(whois_refusals),
		T(whowas_answers),
		T(away_set_and_unset),
		T(ison_and_userhost),
		T(lusers_counts),
		T(motd_command),
		T(version_time_admin_info),
		T(oper_and_kill_refused),
		T(nick_change_seen_once_per_member),
		T(nick_change_frees_the_old_one),
		T(nick_change_case_only),
		T(quit_seen_once_with_reason),
		T(quit_without_reason),
		T(quit_frees_the_nick),
		T(quit_of_last_member_frees_channel),
		T(quit_nobody_sees_a_user_without_channels),
		T(order_member_sees_only_after_its_join),
		T(order_nothing_after_part),
		T(order_two_senders_one_order),
		T(order_join_part_join),
		T(order_recreated_channel_is_new),
		T(slow_reader_is_cut_at_sendq),
		T(stalled_then_resumed_gets_everything),
		T(reg_ident_is_cleaned),
		T(reg_realname_is_cut),
		T(reg_nick_changed_before_user),
		T(reg_cap_ls_without_version),
		T(reg_registration_times_out),
		T(reg_ping_timeout),
		T(reg_any_line_counts_as_alive),
		T(line_tags_too_long_417),
		T(line_unknown_before_registration),
		T(line_bad_prefix_and_garbage),
		T(line_fifteen_params),
		T(join_name_case_insensitive),
		T(join_name_too_long_403),
		T(join_with_a_key_is_fine),
		T(join_server_channel_limit),
		T(list_counts_follow_members),
		T(topic_change_by_other_member),
		T(topic_cleared),
		T(msg_to_user_who_left_401),
		T(msg_ctcp_action_passes),
		T(msg_channel_name_is_canonical),
		T(msg_to_unregistered_nick_401),
		T(msg_new_prefix_after_nick),
		T(msg_nothing_after_quit),
		T(msg_private_to_a_slow_reader),
		T(who_everyone),
		T(whois_without_channels),
		T(whois_idle_time_counts),
		T(userhost_at_most_five),
		T(lusers_after_quits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
