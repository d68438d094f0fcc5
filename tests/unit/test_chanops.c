/*
 * test_chanops.c -- channel operators, modes, bans, KICK and INVITE,
 * operators and user modes, and the IRCv3 capabilities of keochatd, in
 * one process over three fake workers (tests/harness/wh.c); the fake
 * relay applies channel changes with the relay's own chanop.c.  Members
 * of one channel sit on different workers wherever it matters.
 */
#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>

#include "unit.h"
#include "client.h"
#include "ctx.h"
#include "whtest.h"

#define OPER_PASSWORD	"hunter2"

static int
setup3(void **state)
{
	(void)state;
	wh_setup(3, NULL);
	return 0;
}

/* An oper block "boss" for the harness's clients (10.0.0.x), its
 * yescrypt hash made here with libcrypt. */
static void
tweak_oper(struct config *cfg)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data cd;
	const char *hash;

	memset(&cd, 0, sizeof(cd));
	assert_non_null(crypt_gensalt_rn("$y$", 0, NULL, 0, salt,
	    (int)sizeof(salt)));
	assert_non_null(hash = crypt_rn(OPER_PASSWORD, salt, &cd,
	    (int)sizeof(cd)));
	snprintf(cfg->oper[0], sizeof(cfg->oper[0]), "boss %s *@10.0.0.*",
	    hash);
	snprintf(cfg->oper[1], sizeof(cfg->oper[1]), "faraway %s "
	    "*@192.0.2.1", hash);
	cfg->noper = 2;
}

static int
setup_oper(void **state)
{
	(void)state;
	wh_setup(3, tweak_oper);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	wh_teardown();
	return 0;
}

static struct wh_conn *
oper(unsigned w, const char *nick)
{
	struct wh_conn *c = wh_register(w, nick);

	wh_feed(c, "OPER boss " OPER_PASSWORD);
	SEEK(c, " 381 ");
	wh_drain(c);
	return c;
}

/* --- JOIN checks ---------------------------------------------------------- */

static void
join_invite_only_and_invites(void **state)
{
	struct wh_conn *a = member(0, "a", "#x");
	struct wh_conn *b = wh_register(1, "b");

	(void)state;
	wh_feed(a, "MODE #x +i");
	wh_feed(b, "JOIN #x");
	SEEK(b, "^:irc.test 473 b #x :Cannot join channel \\(\\+i\\)$");
	wh_feed(a, "INVITE b #x");
	SEEK(a, "^:irc.test 341 a b #x$");
	SEEK(b, "^:a!~a@10.0.0.1 INVITE b #x$");
	wh_feed(b, "JOIN #x");
	SEEK(b, "^:b!~b@10.0.0.1 JOIN #x$");
	wh_feed(b, "PART #x");
	wh_feed(b, "JOIN #x");			/* the invite is used up */
	SEEK(b, " 473 b #x ");
	wh_feed(a, "MODE #x +I b!*@*");		/* an invite exception */
	wh_feed(b, "JOIN #x");
	SEEK(b, "^:b!~b@10.0.0.1 JOIN #x$");
	/* INVITE: 443 for a member, 401, 403, 442, 482 on +i for non-ops */
	wh_feed(a, "INVITE b #x");
	SEEK(a, "^:irc.test 443 a b #x :is already on channel$");
	wh_feed(a, "INVITE nobody #x");
	SEEK(a, " 401 a nobody ");
	wh_feed(a, "INVITE b #none");
	SEEK(a, " 403 a #none ");
	wh_feed(b, "INVITE a #elsewhere");
	SEEK(b, " 403 b #elsewhere ");
	member(2, "c", NULL);
	wh_feed(b, "INVITE c #x");
	SEEK(b, "^:irc.test 482 b #x :You're not channel operator$");
}

static void
join_key_and_limit(void **state)
{
	struct wh_conn *a = member(0, "a", "#x");
	struct wh_conn *b = wh_register(1, "b");
	struct wh_conn *c = wh_register(2, "c");

	(void)state;
	wh_feed(a, "MODE #x +kl sesame 2");
	SEEK(a, "^:a!~a@10.0.0.1 MODE #x \\+kl sesame 2$");
	wh_feed(b, "JOIN #x");
	SEEK(b, "^:irc.test 475 b #x :Cannot join channel \\(\\+k\\)$");
	wh_feed(b, "JOIN #x wrong");
	SEEK(b, " 475 b #x ");
	wh_feed(b, "JOIN #y,#x none,sesame");	/* keys pair with names */
	SEEK(b, "^:b!~b@10.0.0.1 JOIN #y$");
	SEEK(b, "^:b!~b@10.0.0.1 JOIN #x$");
	wh_feed(c, "JOIN #x sesame");
	SEEK(c, "^:irc.test 471 c #x :Cannot join channel \\(\\+l\\)$");
	wh_feed(a, "MODE #x -l");
	wh_feed(c, "JOIN #x sesame");
	SEEK(c, "^:c!~c@10.0.0.1 JOIN #x$");
	wh_feed(c, "MODE #x");
	SEEK(c, "^:irc.test 324 c #x \\+ntk sesame$");
	wh_feed(c, "PART #x");
	wh_feed(c, "MODE #x");			/* outsiders see no key */
	SEEK(c, "^:irc.test 324 c #x \\+ntk$");
}

static void
bans_exceptions_join_speech_and_nick(void **state)
{
	struct wh_conn *a = member(0, "a", "#x");
	struct wh_conn *b = member(1, "b", "#x");
	struct wh_conn *c = wh_register(2, "c");

	(void)state;
	wh_feed(a, "MODE #x +bb b c!*@*");
	SEEK(b, "^:a!~a@10.0.0.1 MODE #x \\+bb b!\\*@\\* c!\\*@\\*$");
	wh_feed(b, "PRIVMSG #x :let me speak");
	SEEK(b, "^:irc.test 404 b #x :Cannot send to channel \\(you are "
	    "banned \\(\\+b\\)\\)$");
	NONE(a, "let me speak");
	wh_feed(b, "NOTICE #x :quietly");	/* no reply to a NOTICE */
	assert_int_equal(wh_pending(b), 0);
	wh_feed(b, "NICK dodger");		/* no dodging a ban */
	SEEK(b, "^:irc.test 435 b dodger #x :Cannot change nickname while "
	    "banned on channel$");
	wh_feed(c, "JOIN #x");
	SEEK(c, "^:irc.test 474 c #x :Cannot join channel \\(\\+b\\)$");
	/* voice lets a banned member speak (Solanum) */
	wh_feed(a, "MODE #x +v b");
	wh_feed(b, "PRIVMSG #x :voiced now");
	SEEK(a, ":b!~b@10.0.0.1 PRIVMSG #x :voiced now$");
	wh_feed(b, "NICK dodger");
	SEEK(b, "^:b!~b@10.0.0.1 NICK :dodger$");
	wh_feed(b, "NICK b");
	wh_feed(a, "MODE #x -v b");
	/* an exception wins over the ban */
	wh_feed(a, "MODE #x +e *!~b@10.0.0.*");
	wh_feed(b, "PRIVMSG #x :excepted");
	SEEK(a, ":b!~b@10.0.0.1 PRIVMSG #x :excepted$");
	wh_feed(a, "MODE #x -e *!~b@10.0.0.*");
	wh_feed(b, "PRIVMSG #x :banned again");
	SEEK(b, " 404 b #x ");
	wh_feed(a, "MODE #x -b b!*@*");
	wh_feed(b, "PRIVMSG #x :free");
	SEEK(a, ":b!~b@10.0.0.1 PRIVMSG #x :free$");
}

static void
moderated_and_no_external(void **state)
{
	struct wh_conn *a = member(0, "a", "#x");
	struct wh_conn *b = member(1, "b", "#x");
	struct wh_conn *c = wh_register(2, "c");

	(void)state;
	wh_feed(c, "PRIVMSG #x :from outside");
	SEEK(c, "^:irc.test 404 c #x :Cannot send to channel \\(you are not "
	    "on it \\(\\+n\\)\\)$");
	wh_feed(a, "MODE #x -n+m");
	SEEK(b, "^:a!~a@10.0.0.1 MODE #x -n\\+m$");
	wh_feed(c, "PRIVMSG #x :from outside");
	SEEK(c, " 404 c #x :Cannot send to channel \\(it is moderated");
	wh_feed(a, "MODE #x -m");
	wh_feed(c, "PRIVMSG #x :from outside");
	SEEK(b, "^:c!~c@10.0.0.1 PRIVMSG #x :from outside$");
	wh_feed(a, "MODE #x +m");
	wh_feed(b, "PRIVMSG #x :muted");
	SEEK(b, " 404 b #x :Cannot send to channel \\(it is moderated \\(\\+m\\) "
	    "and you have no voice\\)$");
	wh_feed(a, "PRIVMSG #x :ops speak");
	SEEK(b, ":a!~a@10.0.0.1 PRIVMSG #x :ops speak$");
	wh_feed(a, "MODE #x +v b");
	wh_feed(b, "PRIVMSG #x :voiced");
	SEEK(a, ":b!~b@10.0.0.1 PRIVMSG #x :voiced$");
}

/* --- KICK, TOPIC ---------------------------------------------------------- */

static void
kick_several_across_workers(void **state)
{
	struct wh_conn *a = member(0, "a", "#x");
	struct wh_conn *b = member(1, "b", "#x");
	struct wh_conn *c = member(2, "c", "#x");
	struct wh_conn *d = member(1, "d", "#x");

	(void)state;
	wh_feed(a, "KICK #x b,c :behave");
	SEEK(a, "^:a!~a@10.0.0.1 KICK #x b :behave$");
	SEEK(a, "^:a!~a@10.0.0.1 KICK #x c :behave$");
	SEEK(b, "^:a!~a@10.0.0.1 KICK #x b :behave$");
	SEEK(c, "^:a!~a@10.0.0.1 KICK #x b :behave$");	/* in order */
	SEEK(c, "^:a!~a@10.0.0.1 KICK #x c :behave$");
	SEEK(d, "^:a!~a@10.0.0.1 KICK #x c :behave$");
	wh_feed(a, "PRIVMSG #x :after");
	SEEK(d, ":a!~a@10.0.0.1 PRIVMSG #x :after$");
	NONE(b, "after");
	NONE(c, "after");
	wh_feed(a, "NAMES #x");
	SEEK(a, "^:irc.test 353 a = #x :@a d$");
	wh_feed(b, "PRIVMSG #x :back?");
	SEEK(b, " 404 b #x ");
	/* c's worker holds no member of #x now: it rejoins cleanly */
	wh_feed(c, "JOIN #x");
	SEEK(c, "^:c!~c@10.0.0.1 JOIN #x$");
	wh_feed(a, "PRIVMSG #x :welcome back");
	SEEK(c, ":a!~a@10.0.0.1 PRIVMSG #x :welcome back$");
	/* the default reason is the kicker's nick */
	wh_feed(a, "KICK #x d");
	SEEK(d, "^:a!~a@10.0.0.1 KICK #x d :a$");
}

static void
kick_refusals(void **state)
{
	struct wh_conn *a = member(0, "a", "#x");
	struct wh_conn *b = member(1, "b", "#x");

	(void)state;
	member(2, "c", NULL);
	wh_feed(a, "KICK #x c");
	SEEK(a, "^:irc.test 441 a c #x :They aren't on that channel$");
	wh_feed(a, "KICK #x ghost");
	SEEK(a, "^:irc.test 401 a ghost :No such nick/channel$");
	wh_feed(b, "KICK #x a");
	SEEK(b, "^:irc.test 482 b #x :You're not channel operator$");
	wh_feed(a, "KICK #x b,b,b,b,b");	/* TARGMAX KICK:4 */
	HAS(a, "^:irc.test 407 a b :Too many targets");
	SEEK(a, "^:a!~a@10.0.0.1 KICK #x b :a$");
	SEEK(a, " 441 a b #x ");
}

static void
topic_lock(void **state)
{
	struct wh_conn *a = member(0, "a", "#x");
	struct wh_conn *b = member(1, "b", "#x");

	(void)state;
	wh_feed(b, "TOPIC #x :mine");
	SEEK(b, "^:irc.test 482 b #x :You're not channel operator$");
	wh_feed(a, "MODE #x +o b");
	wh_feed(b, "TOPIC #x :now mine");
	SEEK(a, "^:b!~b@10.0.0.1 TOPIC #x :now mine$");
	wh_feed(a, "MODE #x -ot b");
	wh_feed(b, "TOPIC #x :anyone's");
	SEEK(a, "^:b!~b@10.0.0.1 TOPIC #x :anyone's$");
}

/* --- what can be seen ---------------------------------------------------- */

static void
secret_channels_are_hidden(void **state)
{
	struct wh_conn *a = member(0, "a", "#s");
	struct wh_conn *b = wh_register(1, "b");
	struct wh_conn *v;

	(void)state;
	wh_feed(a, "MODE #s +s");
	wh_feed(a, "NAMES #s");
	SEEK(a, "^:irc.test 353 a @ #s :@a$");
	wh_feed(b, "NAMES #s");
	NONE(b, " 353 ");
	SEEK(b, "^:irc.test 366 b #s :End of /NAMES list$");
	wh_feed(b, "LIST");
	NONE(b, " 322 b #s ");
	wh_feed(b, "WHOIS a");
	NONE(b, " 319 ");
	wh_feed(b, "WHO #s");
	NONE(b, " 352 ");
	wh_feed(b, "TOPIC #s");
	SEEK(b, " 403 b #s ");
	wh_feed(b, "MODE #s");
	SEEK(b, " 403 b #s ");
	wh_feed(a, "LIST");
	SEEK(a, "^:irc.test 322 a #s 1 :$");
	/* an invisible user shows only to those who share its channel */
	v = member(2, "v", "#p");
	wh_feed(v, "MODE v +i");
	wh_feed(b, "NAMES #p");
	NONE(b, " 353 ");
	wh_feed(b, "WHO *");
	NONE(b, " 352 b \\* ~v ");
	wh_feed(b, "WHO v");			/* asked by name: shown */
	SEEK(b, " 352 b \\* ~v 10.0.0.1 irc.test v H :0 Real v$");
	wh_feed(b, "JOIN #p");
	wh_feed(b, "NAMES #p");
	SEEK(b, " 353 b = #p :@v b$");
}

static void
mode_lists_and_their_ends(void **state)
{
	struct wh_conn *a = member(0, "a", "#x");
	struct wh_conn *b = member(1, "b", "#x");

	(void)state;
	wh_feed(a, "MODE #x +beI bad e@x.example *@10.*");
	SEEK(b, "^:a!~a@10.0.0.1 MODE #x \\+beI bad!\\*@\\* \\*!e@x.example "
	    "\\*!\\*@10.\\*$");
	wh_feed(b, "MODE #x b");
	SEEK(b, "^:irc.test 367 b #x bad!\\*@\\* a [0-9]+$");
	SEEK(b, "^:irc.test 368 b #x :End of channel ban list$");
	wh_feed(b, "MODE #x e");
	SEEK(b, "^:irc.test 348 b #x \\*!e@x.example a [0-9]+$");
	SEEK(b, "^:irc.test 349 b #x :End of channel exception list$");
	wh_feed(b, "MODE #x +I");
	SEEK(b, "^:irc.test 346 b #x \\*!\\*@10.\\* a [0-9]+$");
	SEEK(b, "^:irc.test 347 b #x :End of channel invite list$");
	wh_feed(b, "MODE #x beI");		/* all three, in one line */
	SEEK(b, " 368 b #x ");
	SEEK(b, " 349 b #x ");
	SEEK(b, " 347 b #x ");
	wh_feed(a, "MODE #x +b bad");		/* there already: silent */
	wh_feed(a, "MODE #x -b nothere!*@*");
	NONE(b, "MODE #x");
}

static void
mode_refusals(void **state)
{
	struct wh_conn *a = member(0, "a", "#x");
	char line[900];
	int i, n;

	(void)state;
	wh_feed(a, "MODE #x +X");
	SEEK(a, "^:irc.test 472 a X :is unknown mode char to me$");
	wh_feed(a, "MODE #x +k");
	SEEK(a, "^:irc.test 696 a #x k \\* :You must specify a parameter");
	wh_feed(a, "MODE #x +l nine");
	SEEK(a, "^:irc.test 696 a #x l nine :Invalid mode parameter$");
	wh_feed(a, "MODE #x +k one");
	wh_feed(a, "MODE #x +k two");
	SEEK(a, "^:irc.test 467 a #x :Channel key already set$");
	/* more than MODES changes: the first MODES are taken, the rest
	 * dropped */
	n = snprintf(line, sizeof(line), "MODE #x ");
	for (i = 0; i < MODES_MAX + 5; i++)
		n += snprintf(line + n, sizeof(line) - (size_t)n, "%cm",
		    i % 2 ? '-' : '+');
	wh_feed(a, "%s", line);
	SEEK(a, "^:a!~a@10.0.0.1 MODE #x (\\+m-m){10}$");
	/* a line holds at most 15 parameters (RFC 1459): 13 masks here;
	 * a list letter left without one is a query */
	n = snprintf(line, sizeof(line), "MODE #x +bbbbbbbbbbbbbb");
	for (i = 0; i < 13; i++)
		n += snprintf(line + n, sizeof(line) - (size_t)n, " m%d", i);
	wh_feed(a, "%s", line);
	HAS(a, " 368 a #x ");
	SEEK(a, "^:a!~a@10.0.0.1 MODE #x \\+b{13} m0!\\*@\\* .* "
	    "m12!\\*@\\*$");
	/* the lists are full at MAXLIST (b + e + I) */
	for (i = 13; i < LIST_MAX; i++)
		wh_feed(a, "MODE #x +e f%d", i);
	wh_drain(a);
	wh_feed(a, "MODE #x +I one.more");
	SEEK(a, "^:irc.test 478 a #x I :Channel list is full$");
	wh_feed(a, "MODE nobody +i");
	SEEK(a, "^:irc.test 401 a nobody ");
}

static void
prefixes_multi_prefix_userhost_in_names(void **state)
{
	struct wh_conn *a = member(0, "a", "#x");
	struct wh_conn *b = wh_register_caps(1, "b",
	    "multi-prefix userhost-in-names");
	struct wh_conn *c = member(2, "c", "#x");

	(void)state;
	wh_feed(b, "JOIN #x");
	SEEK(b, "^:irc.test 353 b = #x :@a!~a@10.0.0.1 c!~c@10.0.0.1 "
	    "b!~b@10.0.0.1$");
	wh_feed(a, "MODE #x +ov c c");
	wh_feed(b, "NAMES #x");
	SEEK(b, " 353 b = #x :@a!~a@10.0.0.1 @\\+c!~c@10.0.0.1 b!~b@10.0.0.1$");
	wh_feed(a, "NAMES #x");
	SEEK(a, " 353 a = #x :@a @c b$");	/* the highest only */
	wh_feed(b, "WHO #x");
	SEEK(b, " 352 b #x ~c 10.0.0.1 irc.test c H@\\+ :0 Real c$");
	wh_feed(b, "WHOIS c");
	SEEK(b, " 319 b c :@\\+#x$");
	wh_feed(c, "WHOIS c");
	SEEK(c, " 319 c c :@#x$");
}

/* --- IRCv3 ---------------------------------------------------------------- */

static void
extended_join_and_away_notify(void **state)
{
	struct wh_conn *a = wh_register_caps(0, "a",
	    "extended-join away-notify");
	struct wh_conn *b = member(1, "b", NULL);
	struct wh_conn *c = member(2, "c", "#x");

	(void)state;
	wh_feed(a, "JOIN #x,#y");
	wh_drain(a);
	wh_feed(b, "JOIN #x");
	SEEK(a, "^:b!~b@10.0.0.1 JOIN #x \\* :Real b$");
	SEEK(c, "^:b!~b@10.0.0.1 JOIN #x$");
	wh_feed(b, "AWAY :gone fishing");
	SEEK(b, " 306 b ");
	SEEK(a, "^:b!~b@10.0.0.1 AWAY :gone fishing$");
	NONE(c, "AWAY");
	wh_feed(b, "JOIN #y");		/* joins while away: JOIN, then AWAY */
	SEEK(a, "^:b!~b@10.0.0.1 JOIN #y \\* :Real b$");
	SEEK(a, "^:b!~b@10.0.0.1 AWAY :gone fishing$");
	wh_feed(b, "AWAY");
	SEEK(a, "^:b!~b@10.0.0.1 AWAY$");	/* once, not once a channel */
	NONE(a, "AWAY");
}

static void
setname(void **state)
{
	struct wh_conn *a = wh_register_caps(0, "a", "setname");
	struct wh_conn *b = wh_register_caps(1, "b", "setname");
	struct wh_conn *c = member(2, "c", "#x");

	(void)state;
	wh_feed(a, "JOIN #x");
	wh_feed(b, "JOIN #x");
	wh_drain(a);
	wh_drain(b);
	wh_feed(b, "SETNAME :Bob Brand-New");
	SEEK(b, "^:b!~b@10.0.0.1 SETNAME :Bob Brand-New$");
	SEEK(a, "^:b!~b@10.0.0.1 SETNAME :Bob Brand-New$");
	NONE(c, "SETNAME");
	wh_feed(c, "WHOIS b");
	SEEK(c, " 311 c b ~b 10.0.0.1 \\* :Bob Brand-New$");
	wh_feed(b, "SETNAME :");
	SEEK(b, "^:irc.test FAIL SETNAME INVALID_REALNAME :Realname is "
	    "empty$");
	wh_feed(c, "SETNAME");
	SEEK(c, " 461 c SETNAME ");
}

static void
chghost_and_invite_notify(void **state)
{
	struct wh_conn *o = oper(0, "o");
	struct wh_conn *a = wh_register_caps(1, "a", "chghost invite-notify");
	struct wh_conn *b = member(2, "b", NULL);
	struct wh_conn *c = member(1, "c", NULL);

	(void)state;
	wh_feed(a, "JOIN #x");
	wh_feed(b, "JOIN #x");
	wh_feed(c, "JOIN #x");
	wh_drain(a);
	wh_drain(c);
	wh_feed(o, "CHGHOST b cloak users.example");
	SEEK(o, "NOTICE o :Changed the host of b to cloak@users.example$");
	SEEK(a, "^:b!~b@10.0.0.1 CHGHOST cloak users.example$");
	NONE(c, "CHGHOST");		/* nothing for clients without it */
	wh_feed(b, "PRIVMSG #x :new me");
	SEEK(c, "^:b!cloak@users.example PRIVMSG #x :new me$");
	wh_feed(o, "CHGHOST b bad/user x");
	SEEK(o, " FAIL CHGHOST INVALID_PARAMS b ");
	wh_feed(b, "CHGHOST b a b");
	SEEK(b, " 481 b ");
	/* invite-notify: the members with the capability see an invite */
	member(0, "d", NULL);
	wh_feed(a, "MODE #x +i");		/* a is #x's op */
	wh_feed(a, "INVITE d #x");
	SEEK(a, " 341 a d #x$");
	NONE(a, "INVITE d");		/* the inviter gets 341 only */
	wh_feed(b, "MODE #x +o a");
	wh_drain(a);
}

static void
labeled_response(void **state)
{
	struct wh_conn *a = wh_register_caps(0, "a",
	    "labeled-response batch echo-message message-tags");
	struct wh_conn *b = member(1, "b", "#x");
	struct wh_conn *n = wh_register_caps(2, "n", "labeled-response");

	(void)state;
	(void)b;
	wh_feed(a, "@label=p1 PING x");		/* one reply: labeled */
	SEEK(a, "^@label=p1 :irc.test PONG irc.test :x$");
	wh_feed(a, "@label=p2 PONG x");		/* none: ACK */
	SEEK(a, "^@label=p2 :irc.test ACK$");
	wh_feed(a, "@label=p3 PRIVMSG nobody :x");
	SEEK(a, "^@label=p3 :irc.test 401 a nobody ");
	wh_feed(a, "@label=p4 JOIN #x");	/* the JOIN and its burst */
	SEEK(a, "^@label=p4 :irc.test BATCH \\+L[0-9]+ labeled-response$");
	SEEK(a, "^@batch=L[0-9]+;msgid=[0-9a-z]+ :a!~a@10.0.0.1 JOIN #x$");
	SEEK(a, "^@batch=L[0-9]+ :irc.test 353 a = #x :@b a$");
	SEEK(a, "^@batch=L[0-9]+ :irc.test 366 a #x ");
	SEEK(a, "^:irc.test BATCH -L[0-9]+$");
	wh_feed(a, "@label=p5 PRIVMSG #x :hi");	/* the echo is the reply */
	SEEK(a, "^@label=p5;msgid=[0-9a-z]+ :a!~a@10.0.0.1 PRIVMSG #x :hi$");
	wh_feed(a, "@label=p6 PRIVMSG b :hi b");
	SEEK(a, "^@label=p6;msgid=[0-9a-z]+ :a!~a@10.0.0.1 PRIVMSG b :hi b$");
	wh_feed(a, "@label=p7 MODE #x +m");	/* applied by the relay */
	SEEK(a, " 482 a #x ");
	/* lines wait for the labeled one before them */
	wh_feed(a, "@label=p8 MODE #x b\r\nPING after");
	SEEK(a, "^@label=p8 :irc.test 368 a #x ");
	SEEK(a, "^:irc.test PONG irc.test :after$");
	/* without batch, several replies go out unlabeled */
	wh_feed(n, "@label=q1 NAMES #x");
	SEEK(n, "^:irc.test 353 n = #x :@b a$");
	/* a label without the capability is ignored */
	wh_feed(b, "@label=z PING y");
	SEEK(b, "^:irc.test PONG irc.test :y$");
}

static void
msgid_bot_and_typing(void **state)
{
	struct wh_conn *a = wh_register_caps(0, "a", "message-tags");
	struct wh_conn *b = member(1, "b", "#x");
	char id1[32], id2[32];
	const char *l;

	(void)state;
	wh_feed(a, "JOIN #x");
	wh_drain(a);
	wh_feed(b, "PRIVMSG #x :one");
	wh_feed(b, "PRIVMSG #x :two");
	assert_non_null(l = wh_next(a));
	assert_int_equal(sscanf(l, "@msgid=%31[0-9a-z] ", id1), 1);
	assert_non_null(l = wh_next(a));
	assert_int_equal(sscanf(l, "@msgid=%31[0-9a-z] ", id2), 1);
	assert_string_not_equal(id1, id2);
	wh_feed(b, "MODE b +B");
	SEEK(b, "^:b!~b@10.0.0.1 MODE b :\\+B$");
	wh_feed(b, "PRIVMSG #x :beep");
	SEEK(a, "^@msgid=[0-9a-z]+;bot :b!~b@10.0.0.1 PRIVMSG #x :beep$");
	wh_feed(a, "WHOIS b");
	SEEK(a, "^:irc.test 335 a b :is a bot$");
	wh_feed(a, "WHO b");
	SEEK(a, " 352 a \\* ~b 10.0.0.1 irc.test b HB :0 Real b$");
	wh_feed(a, "@+draft/typing=active TAGMSG #x");
	wh_feed(a, "@+typing=paused TAGMSG b");	/* b has no message-tags */
	NONE(b, "TAGMSG");
}

static void
monitor(void **state)
{
	struct wh_conn *a = wh_register(0, "a");
	struct wh_conn *b = wh_register(1, "b");
	struct wh_conn *l;
	char list[1200];
	int i, n;

	(void)state;
	wh_feed(a, "MONITOR + b,carol");
	SEEK(a, "^:irc.test 730 a :b!~b@10.0.0.1$");
	SEEK(a, "^:irc.test 731 a :carol$");
	wh_feed(a, "MONITOR L");
	SEEK(a, "^:irc.test 732 a :b,carol$");
	SEEK(a, "^:irc.test 733 a :End of MONITOR list$");
	l = wh_register(2, "carol");		/* online on another worker */
	SEEK(a, "^:irc.test 730 a :carol!~carol@10.0.0.1$");
	wh_feed(l, "NICK caroline");
	SEEK(a, "^:irc.test 731 a :carol$");
	wh_feed(b, "QUIT :bye");
	SEEK(a, "^:irc.test 731 a :b$");
	wh_feed(a, "MONITOR - carol");
	wh_feed(a, "MONITOR S");
	SEEK(a, "^:irc.test 731 a :b$");
	wh_feed(a, "MONITOR C");
	wh_feed(a, "MONITOR L");
	SEEK(a, "^:irc.test 733 a ");
	wh_feed(a, "MONITOR X");
	SEEK(a, " FAIL MONITOR INVALID_PARAMS X ");
	/* MONITOR=100 */
	n = snprintf(list, sizeof(list), "MONITOR + ");
	for (i = 0; i < MONITOR_MAX + 2; i++)
		n += snprintf(list + n, sizeof(list) - (size_t)n, "%sn%d",
		    i ? "," : "", i);
	wh_feed(a, "%s", list);
	SEEK(a, "^:irc.test 734 a 100 n100,n101 :Monitor list is full$");
}

static void
extended_monitor(void **state)
{
	struct wh_conn *a = wh_register_caps(0, "a",
	    "extended-monitor away-notify");
	struct wh_conn *b = wh_register(1, "b");

	(void)state;
	wh_feed(a, "MONITOR + b");
	wh_drain(a);
	wh_feed(b, "AWAY :lunch");	/* no common channel */
	SEEK(a, "^:b!~b@10.0.0.1 AWAY :lunch$");
}

static void
whox(void **state)
{
	struct wh_conn *a = member(0, "a", "#x");

	(void)state;
	member(1, "b", "#x");
	wh_feed(a, "%s", "WHO #x %tnuhfr,42");
	SEEK(a, "^:irc.test 354 a 42 ~a 10.0.0.1 a H@ :Real a$");
	SEEK(a, "^:irc.test 354 a 42 ~b 10.0.0.1 b H :Real b$");
	SEEK(a, "^:irc.test 315 a #x :End of WHO list$");
	wh_feed(a, "%s", "WHO b %cnsd");
	SEEK(a, "^:irc.test 354 a \\* irc.test b 0$");
	wh_feed(a, "%s", "WHO b %na,abcd");		/* a token of digits only */
	SEEK(a, "^:irc.test 354 a b 0$");
	wh_feed(a, "%s", "WHO b %tn,99999");
	SEEK(a, "^:irc.test 354 a 999 b$");
}

/* --- operators and user modes ---------------------------------------------- */

static void
oper_and_its_refusals(void **state)
{
	struct wh_conn *a = wh_register(0, "a");
	struct wh_conn *b = wh_register(1, "b");

	(void)state;
	wh_feed(a, "OPER boss wrong");
	SEEK(a, "^:irc.test 464 a :Password incorrect$");
	wh_feed(a, "OPER nobody " OPER_PASSWORD);
	SEEK(a, "^:irc.test 491 a :No O-lines for your host$");
	wh_feed(a, "OPER faraway " OPER_PASSWORD);	/* host mismatch */
	SEEK(a, " 491 a ");
	wh_feed(a, "OPER boss " OPER_PASSWORD);
	SEEK(a, "^:irc.test 381 a :You are now an IRC operator$");
	SEEK(a, "^:a!~a@10.0.0.1 MODE a :\\+o$");
	wh_feed(b, "WHOIS a");
	SEEK(b, " 313 b a :is an IRC operator$");
	wh_feed(b, "LUSERS");
	SEEK(b, " 252 b 1 :operator\\(s\\) online$");
	wh_feed(b, "STATS o");
	SEEK(b, " 481 b ");
	wh_feed(a, "STATS o");
	SEEK(a, "^:irc.test 243 a O \\*@10.0.0.\\* \\* boss$");
	SEEK(a, " 219 a o ");
	wh_feed(a, "MODE a -o");
	SEEK(a, "^:a!~a@10.0.0.1 MODE a :-o$");
	wh_feed(a, "MODE a +o");		/* only OPER gives +o */
	NONE(a, "MODE a");
	wh_feed(b, "LUSERS");
	SEEK(b, " 252 b 0 ");
}

static void
kill_wallops_rehash(void **state)
{
	struct wh_conn *o = oper(0, "o");
	struct wh_conn *b = member(1, "b", "#x");
	struct wh_conn *c = member(2, "c", "#x");
	struct wh_conn *w = wh_register(1, "w");

	(void)state;
	wh_feed(b, "KILL c :no");
	SEEK(b, "^:irc.test 481 b :Permission Denied");
	wh_feed(b, "WALLOPS :hello");
	SEEK(b, " 481 b ");
	wh_feed(w, "MODE w +w");
	wh_feed(o, "MODE o +w");
	wh_feed(o, "WALLOPS :maintenance at noon");
	SEEK(w, "^:o!~o@10.0.0.1 WALLOPS :maintenance at noon$");
	SEEK(o, "^:o!~o@10.0.0.1 WALLOPS :maintenance at noon$");
	NONE(b, "WALLOPS");
	wh_feed(o, "KILL c :spamming");
	SEEK(b, "^:c!~c@10.0.0.1 QUIT :Killed \\(o \\(spamming\\)\\)$");
	assert_true(wh_closed(c));
	SEEK(c, "^ERROR :Closing Link: .*Killed \\(o \\(spamming\\)\\)");
	wh_feed(o, "KILL nobody :x");
	SEEK(o, " 401 o nobody ");
	wh_feed(o, "REHASH");
	SEEK(o, "^:irc.test 382 o keochatd.conf :Rehashing$");
	wh_feed(b, "REHASH");
	SEEK(b, " 481 b ");
}

static void
oper_overrides_channel_privileges(void **state)
{
	struct wh_conn *a = member(0, "a", "#x");
	struct wh_conn *o = oper(1, "o");
	unsigned before = wh_overrides();

	(void)state;
	wh_feed(o, "MODE #x +m");		/* not even a member */
	SEEK(a, "^:o!~o@10.0.0.1 MODE #x \\+m$");
	wh_feed(o, "TOPIC #x :set by an oper");
	SEEK(a, "^:o!~o@10.0.0.1 TOPIC #x :set by an oper$");
	wh_feed(o, "KICK #x a :override");
	SEEK(a, "^:o!~o@10.0.0.1 KICK #x a :override$");
	assert_int_equal(wh_overrides(), before + 3);
}

static void
user_modes(void **state)
{
	struct wh_conn *a = wh_register(0, "a");

	(void)state;
	wh_feed(a, "MODE a");
	SEEK(a, "^:irc.test 221 a \\+$");
	wh_feed(a, "MODE a +iwB");
	SEEK(a, "^:a!~a@10.0.0.1 MODE a :\\+Biw$");
	wh_feed(a, "MODE a -w+x");
	SEEK(a, "^:irc.test 501 a :Unknown MODE flag$");
	SEEK(a, "^:a!~a@10.0.0.1 MODE a :-w$");
	wh_feed(a, "MODE a");
	SEEK(a, "^:irc.test 221 a \\+Bi$");
	wh_feed(a, "WHOIS a");
	SEEK(a, "^:irc.test 379 a a :is using modes \\+Bi$");
	member(1, "b", NULL);
	wh_feed(a, "MODE b +i");
	SEEK(a, "^:irc.test 502 a :Can't change mode for other users$");
}

/* --- more of the protocol --------------------------------------------------- */

static void
whowas_stats_links(void **state)
{
	struct wh_conn *a = wh_register(0, "a");
	struct wh_conn *b = wh_register(1, "b");

	(void)state;
	wh_feed(b, "NICK bee");
	wh_feed(b, "QUIT");
	wh_feed(a, "WHOWAS bee");
	SEEK(a, "^:irc.test 314 a bee ~b 10.0.0.1 \\* :Real b$");
	SEEK(a, "^:irc.test 312 a bee irc.test :");
	SEEK(a, "^:irc.test 369 a bee :End of WHOWAS$");
	wh_feed(a, "WHOWAS b 1");
	SEEK(a, "^:irc.test 314 a b ~b ");
	wh_feed(a, "WHOWAS ghost");
	SEEK(a, "^:irc.test 406 a ghost :There was no such nickname$");
	SEEK(a, " 369 a ghost ");
	wh_feed(a, "STATS u");
	SEEK(a, "^:irc.test 242 a :Server Up [0-9]+ days [0-9]+:[0-9]{2}:"
	    "[0-9]{2}$");
	SEEK(a, "^:irc.test 219 a u :End of /STATS report$");
	wh_feed(a, "STATS m");
	SEEK(a, "^:irc.test 212 a NICK [0-9]+ 0 0$");
	SEEK(a, "^:irc.test 212 a WHOWAS 3 0 0$");
	SEEK(a, " 219 a m ");
	wh_feed(a, "STATS");
	SEEK(a, " 461 a STATS ");
	wh_feed(a, "LINKS");
	SEEK(a, "^:irc.test 364 a \\* irc.test :0 KeoChat server$");
	SEEK(a, "^:irc.test 365 a \\* :End of /LINKS list$");
}

static void
cap_req_several_and_removal(void **state)
{
	struct wh_conn *a = wh_register(0, "a");

	(void)state;
	wh_feed(a, "CAP REQ :batch labeled-response away-notify");
	SEEK(a, "^:irc.test CAP a ACK :batch labeled-response away-notify$");
	wh_feed(a, "CAP REQ :-batch chghost");
	SEEK(a, "^:irc.test CAP a ACK :-batch chghost$");
	wh_feed(a, "CAP LIST");
	SEEK(a, "^:irc.test CAP a LIST :away-notify chghost "
	    "labeled-response$");
	wh_feed(a, "CAP REQ :setname nosuchcap");	/* all or nothing */
	SEEK(a, "^:irc.test CAP a NAK :setname nosuchcap$");
	wh_feed(a, "CAP LIST");
	SEEK(a, "^:irc.test CAP a LIST :away-notify chghost "
	    "labeled-response$");
}

static void
tags_over_the_limit_and_empty_realname(void **state)
{
	struct wh_conn *a = member(0, "a", "#x");
	struct wh_conn *u = wh_connect(1, "10.0.0.2");
	static char big[4200];

	(void)state;
	memset(big, 'v', sizeof(big) - 1);
	wh_feed(a, "CAP REQ :message-tags");
	wh_feed(a, "@+big=%s TAGMSG #x", big);
	SEEK(a, "^:irc.test 417 a :Input line was too long \\(client tags");
	wh_feed(u, "NICK u");
	wh_feed(u, "USER u 0 * :");
	SEEK(u, "^:irc.test 461 u USER :Not enough parameters");
	assert_int_equal(wh_client(u)->state, CL_UNREG);
}

int
main(void)
{
#define T(fn)	cmocka_unit_test_setup_teardown(fn, setup3, teardown)
#define O(fn)	cmocka_unit_test_setup_teardown(fn, setup_oper, teardown)
	const struct CMUnitTest tests[] = {
		T(join_invite_only_and_invites),
		T(join_key_and_limit),
		T(bans_exceptions_join_speech_and_nick),
		T(moderated_and_no_external),
		T(kick_several_across_workers),
		T(kick_refusals),
		T(topic_lock),
		T(secret_channels_are_hidden),
		T(mode_lists_and_their_ends),
		T(mode_refusals),
		T(prefixes_multi_prefix_userhost_in_names),
		T(extended_join_and_away_notify),
		T(setname),
		O(chghost_and_invite_notify),
		T(labeled_response),
		T(msgid_bot_and_typing),
		T(monitor),
		T(extended_monitor),
		T(whox),
		O(oper_and_its_refusals),
		O(kill_wallops_rehash),
		O(oper_overrides_channel_privileges),
		T(user_modes),
		T(whowas_stats_links),
		T(cap_req_several_and_removal),
		T(tags_over_the_limit_and_empty_realname),
	};
#undef T
#undef O

	return cmocka_run_group_tests_name("chanops", tests, NULL, NULL);
}
