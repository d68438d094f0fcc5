/*
 * test_cmd_history.c -- CHATHISTORY, SEARCH and MARKREAD in the command
 * layer (tests/harness/wh.c with a store of its own): a history seeded
 * through the store's own writer, read back by fake clients on two
 * workers -- every subcommand's batch, who may read what, the FAIL of
 * each bad request, SEARCH over the index, and the read-only MARKREAD.
 * Clients are "nick!~nick@10.0.0.1"; the server is irc.test.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "unit.h"
#include "client.h"
#include "ctx.h"
#include "store.h"
#include "whtest.h"

static char dir[64];

/* Lines m0..m(n-1) in #lobby from alice, 10 ms apart, msgids 1000+i. */
static void
seed(unsigned n)
{
	char err[256], line[128];
	struct store *rw;
	struct hist_row r;
	unsigned i;

	assert_non_null(rw = store_open(dir, 0, 0, err, sizeof(err)));
	assert_int_equal(store_begin(rw), 0);
	for (i = 0; i < n; i++) {
		snprintf(line, sizeof(line), ":alice!~alice@10.0.0.1 PRIVMSG "
		    "#lobby :m%u word%u", i, i % 3);
		r.id = 1000 + i;
		r.time_ms = 1767323000000LL + 10 * i;
		r.kind = 1;
		r.target = "#lobby";
		r.account = "";
		r.tags = "";
		r.line = line;
		assert_int_equal(store_history_add(rw, &r), 0);
	}
	r.id = 5000;
	r.time_ms = 1767323000000LL;
	r.kind = 1;
	r.target = "#secret";
	r.line = ":alice!~alice@10.0.0.1 PRIVMSG #secret :hidden word0";
	assert_int_equal(store_history_add(rw, &r), 0);
	assert_int_equal(store_commit(rw), 0);
	assert_true(store_search_index(rw, 1000) > 0);
	store_close(rw);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/kc-cmdhist-XXXXXX");
	assert_non_null(mkdtemp(dir));
	wh_setup(2, NULL);
	wh_store(dir);
	seed(20);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	wh_teardown();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

#define CAPS	"draft/chathistory batch server-time message-tags"

static void
subcommands(void **state)
{
	struct wh_conn *a, *b;

	(void)state;
	a = wh_register_caps(0, "reader", CAPS);
	b = member(1, "member", "#lobby");
	(void)b;
	wh_drain(a);
	/* msgid s7 is 1015 in base 36: m15; s5 m13, s2 m10 */
	wh_feed(a, "CHATHISTORY BEFORE #lobby msgid=s7 2");
	SEEK(a, "^:irc\\.test BATCH \\+(h[0-9]+) chathistory #lobby$");
	SEEK(a, "^@batch=h[0-9]+;time=2026-01-02T03:03:20\\.130Z;msgid=s5 "
	    ":alice!~alice@10\\.0\\.0\\.1 PRIVMSG #lobby :m13 word1$");
	SEEK(a, "PRIVMSG #lobby :m14 ");
	SEEK(a, "^:irc\\.test BATCH -h[0-9]+$");
	wh_feed(a, "CHATHISTORY LATEST #lobby * 1");
	SEEK(a, "PRIVMSG #lobby :m19 ");
	NONE(a, "PRIVMSG #lobby :m18 ");
	wh_feed(a, "CHATHISTORY AROUND #lobby msgid=s7 3");
	SEEK(a, ":m14 ");
	SEEK(a, ":m15 ");
	SEEK(a, ":m16 ");
	wh_feed(a, "CHATHISTORY BETWEEN #lobby msgid=s2 msgid=s7 10");
	SEEK(a, ":m11 ");
	SEEK(a, ":m14 ");
	NONE(a, ":m15 ");
	wh_feed(a, "CHATHISTORY AFTER #lobby "
	    "timestamp=2026-01-02T03:03:20.175Z 2");
	SEEK(a, ":m18 ");
	SEEK(a, ":m19 ");
	wh_feed(a, "CHATHISTORY TARGETS timestamp=2020-01-01T00:00:00Z "
	    "timestamp=2030-01-01T00:00:00Z 5");
	NONE(a, "CHATHISTORY TARGETS #lobby");	/* reader is in no room */
	wh_feed(a, "JOIN #lobby");
	wh_drain(a);
	wh_feed(a, "CHATHISTORY TARGETS timestamp=2020-01-01T00:00:00Z "
	    "timestamp=2030-01-01T00:00:00Z 5");
	SEEK(a, "^@batch=h[0-9]+ :irc\\.test CHATHISTORY TARGETS #lobby "
	    "2026-01-02T03:03:20\\.190Z$");
}

static void
refusals(void **state)
{
	struct wh_conn *a, *b;

	(void)state;
	a = wh_register_caps(0, "asker", CAPS);
	b = member(1, "owner", "#secret,#lobby");
	wh_feed(b, "MODE #secret +s");
	wh_drain(a);
	wh_feed(a, "CHATHISTORY LATEST #secret * 10");
	SEEK(a, "FAIL CHATHISTORY INVALID_TARGET LATEST #secret :Messages "
	    "could not be retrieved$");
	wh_feed(a, "CHATHISTORY LATEST #nothere * 10");
	SEEK(a, "FAIL CHATHISTORY INVALID_TARGET LATEST #nothere :Messages "
	    "could not be retrieved$");
	wh_feed(b, "CHATHISTORY LATEST #secret * 10");
	NONE(b, "FAIL");
	wh_feed(a, "CHATHISTORY LATEST #lobby * 1001");
	SEEK(a, "FAIL CHATHISTORY INVALID_PARAMS LATEST :The limit");
	wh_feed(a, "CHATHISTORY BEFORE #lobby * 10");
	SEEK(a, "FAIL CHATHISTORY INVALID_PARAMS BEFORE :Invalid message "
	    "reference$");
	wh_feed(a, "CHATHISTORY NEWEST #lobby * 10");
	SEEK(a, "FAIL CHATHISTORY INVALID_PARAMS NEWEST :Unknown subcommand$");
	wh_feed(a, "CHATHISTORY LATEST #lobby");
	SEEK(a, "FAIL CHATHISTORY NEED_MORE_PARAMS LATEST :");
	wh_feed(a, "CHATHISTORY BEFORE #lobby msgid=zzzz 10");
	SEEK(a, "BATCH \\+h[0-9]+ chathistory #lobby$");
	SEEK(a, "^:irc\\.test BATCH -h[0-9]+$");	/* empty: not ours */
}

static void
search(void **state)
{
	struct wh_conn *a, *b;

	(void)state;
	a = wh_register_caps(0, "finder", "draft/search batch");
	b = member(1, "owner2", "#secret,#lobby");
	wh_feed(b, "MODE #secret +s");
	wh_drain(a);
	wh_feed(a, "SEARCH in=#lobby;text=word2;limit=2");
	SEEK(a, "BATCH \\+h[0-9]+ draft/search$");
	SEEK(a, ":m14 word2$");
	SEEK(a, ":m17 word2$");
	NONE(a, ":m11 word2$");
	/* not a member of the secret room: neither there nor by default */
	wh_feed(a, "SEARCH in=#secret;text=word0");
	SEEK(a, "FAIL SEARCH INVALID_PARAMS in :");
	wh_feed(a, "JOIN #lobby");
	wh_drain(a);
	wh_feed(a, "SEARCH text=word0;limit=1000");
	NONE(a, "hidden");
	wh_feed(a, "SEARCH text=\"NEAR(;limit=5");
	SEEK(a, "BATCH \\+h[0-9]+ draft/search$");
	wh_feed(a, "SEARCH limit=0");
	SEEK(a, "FAIL SEARCH INVALID_PARAMS limit :");
	wh_feed(b, "SEARCH text=word0");
	SEEK(b, "PRIVMSG #secret :hidden word0$");
}

static void
markers_need_an_account(void **state)
{
	struct wh_conn *a;

	(void)state;
	a = wh_register_caps(0, "anon", "draft/read-marker");
	wh_feed(a, "MARKREAD #lobby");
	SEEK(a, "FAIL MARKREAD ACCOUNT_REQUIRED #lobby :");
	wh_feed(a, "MARKREAD ,,, timestamp=2026-01-01T00:00:00Z");
	SEEK(a, "FAIL MARKREAD INVALID_PARAMS ,,, :Invalid target$");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(subcommands, setup, teardown),
		cmocka_unit_test_setup_teardown(refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(search, setup, teardown),
		cmocka_unit_test_setup_teardown(markers_need_an_account, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
