/*
 * test_histq.c -- CHATHISTORY's references, limits and the ranges each
 * subcommand asks of a room's history (src/server/pure/histq.c).
 */
#include <stdint.h>

#include "unit.h"
#include "histq.h"

static void
timestamps(void **state)
{
	int64_t ms;
	char out[32];

	(void)state;
	assert_int_equal(histq_timestamp("2019-01-04T14:33:26.123Z", &ms), 0);
	assert_int_equal(ms, 1546612406123LL);
	assert_int_equal(histq_timestamp("2019-01-04T14:33:26Z", &ms), 0);
	assert_int_equal(ms, 1546612406000LL);
	assert_int_equal(histq_format_time(out, sizeof(out), 1546612406123LL),
	    24);
	assert_string_equal(out, "2019-01-04T14:33:26.123Z");
	/* what must be refused */
	assert_int_equal(histq_timestamp("2019-01-04 14:33:26.123Z", &ms), -1);
	assert_int_equal(histq_timestamp("2019-13-04T14:33:26.123Z", &ms), -1);
	assert_int_equal(histq_timestamp("2019-02-30T14:33:26.123Z", &ms), -1);
	assert_int_equal(histq_timestamp("2019-02-29T14:33:26.123Z", &ms), -1);
	assert_int_equal(histq_timestamp("2000-02-29T00:00:00.000Z", &ms), 0);
	assert_int_equal(histq_timestamp("1900-02-29T00:00:00.000Z", &ms), -1);
	assert_int_equal(histq_timestamp("2019-01-04T24:00:00.000Z", &ms), -1);
	assert_int_equal(histq_timestamp("2019-01-04T14:33:26.12Z", &ms), -1);
	assert_int_equal(histq_timestamp("2019-01-04T14:33:26.123", &ms), -1);
	assert_int_equal(histq_timestamp("1969-12-31T23:59:59.999Z", &ms), -1);
	assert_int_equal(histq_timestamp("+019-01-04T14:33:26.123Z", &ms), -1);
	assert_int_equal(histq_timestamp("", &ms), -1);
}

static void
references(void **state)
{
	struct histq_ref r;
	uint64_t id;

	(void)state;
	assert_int_equal(histq_ref("*", 1, &r), 0);
	assert_int_equal(r.kind, HQ_STAR);
	assert_int_equal(histq_ref("*", 0, &r), -1);
	assert_int_equal(histq_ref("msgid=zz", 0, &r), 0);
	assert_int_equal(r.kind, HQ_MSGID);
	assert_int_equal(r.msgid, 35 * 36 + 35);
	assert_int_equal(histq_ref("timestamp=2019-01-04T14:33:26.123Z", 0,
	    &r), 0);
	assert_int_equal(r.kind, HQ_TIME);
	assert_int_equal(r.time_ms, 1546612406123LL);
	assert_int_equal(histq_ref("msgid=", 0, &r), -1);
	assert_int_equal(histq_ref("msgid=ABC", 0, &r), -1);	/* lower case */
	assert_int_equal(histq_ref("msgid=0", 0, &r), -1);
	assert_int_equal(histq_ref("msgid=zzzzzzzzzzzzzz", 0, &r), -1);
	assert_int_equal(histq_ref("msgid=1y2p0ij32e8e8", 0, &r), -1); /* > 2^63 */
	assert_int_equal(histq_ref("id=abc", 0, &r), -1);
	assert_int_equal(histq_ref("timestamp=yesterday", 0, &r), -1);
	assert_int_equal(histq_msgid("1y2p0ij32e8e7", &id), 0);
	assert_true(id == (uint64_t)INT64_MAX);
}

static void
limits_and_subcommands(void **state)
{
	unsigned n;

	(void)state;
	assert_int_equal(histq_limit("50", HISTQ_LIMIT_MAX, &n), 0);
	assert_int_equal(n, 50);
	assert_int_equal(histq_limit("1000", HISTQ_LIMIT_MAX, &n), 0);
	assert_int_equal(histq_limit("1001", HISTQ_LIMIT_MAX, &n), -1);
	assert_int_equal(histq_limit("0", HISTQ_LIMIT_MAX, &n), -1);
	assert_int_equal(histq_limit("-5", HISTQ_LIMIT_MAX, &n), -1);
	assert_int_equal(histq_limit("99999999999999", HISTQ_LIMIT_MAX, &n), -1);
	assert_int_equal(histq_limit("1e3", HISTQ_LIMIT_MAX, &n), -1);
	assert_int_equal(histq_limit("", HISTQ_LIMIT_MAX, &n), -1);
	assert_int_equal(histq_sub("latest"), HQ_LATEST);
	assert_int_equal(histq_sub("BETWEEN"), HQ_BETWEEN);
	assert_int_equal(histq_sub("TARGETS"), HQ_TARGETS);
	assert_int_equal(histq_sub("SINCE"), -1);
}

static struct histq_ref
msg(int64_t t, int64_t id)
{
	struct histq_ref r = { HQ_MSGID, (uint64_t)id, t, id };

	return r;
}

static struct histq_ref
at(int64_t t)
{
	struct histq_ref r = { HQ_TIME, 0, t, 0 };

	return r;
}

static void
plans(void **state)
{
	struct histq_range q[2];
	struct histq_ref star = { HQ_STAR, 0, 0, 0 }, a = msg(1000, 7),
	    b = msg(2000, 9), t = at(1500);

	(void)state;
	assert_int_equal(histq_plan(HQ_LATEST, &star, NULL, 10, q), 1);
	assert_true(q[0].newest && !q[0].has_lo && !q[0].has_hi);
	assert_int_equal(histq_plan(HQ_LATEST, &a, NULL, 10, q), 1);
	assert_true(q[0].newest && q[0].has_lo && q[0].lo.time_ms == 1000 &&
	    q[0].lo.id == 7);
	/* before a timestamp: below its ms; after: above all of its ms */
	assert_int_equal(histq_plan(HQ_BEFORE, &t, NULL, 5, q), 1);
	assert_true(q[0].newest && q[0].has_hi && q[0].hi.time_ms == 1500 &&
	    q[0].hi.id == 0);
	assert_int_equal(histq_plan(HQ_AFTER, &t, NULL, 5, q), 1);
	assert_true(!q[0].newest && q[0].has_lo && q[0].lo.time_ms == 1500 &&
	    q[0].lo.id == INT64_MAX);
	assert_int_equal(histq_plan(HQ_BEFORE, &star, NULL, 5, q), -1);
	/* around a message: half before it, then it and what follows */
	assert_int_equal(histq_plan(HQ_AROUND, &a, NULL, 9, q), 2);
	assert_true(q[0].newest && q[0].hi.time_ms == 1000 && q[0].hi.id == 7 &&
	    q[0].limit == 4);
	assert_true(!q[1].newest && q[1].lo.time_ms == 1000 &&
	    q[1].lo.id == 6 && q[1].limit == 5);
	/* between, both ways */
	assert_int_equal(histq_plan(HQ_BETWEEN, &a, &b, 10, q), 1);
	assert_true(!q[0].newest && q[0].lo.id == 7 && q[0].hi.id == 9);
	assert_int_equal(histq_plan(HQ_BETWEEN, &b, &a, 10, q), 1);
	assert_true(q[0].newest && q[0].lo.id == 7 && q[0].hi.id == 9);
	assert_int_equal(histq_plan(HQ_BETWEEN, &t, &b, 10, q), 1);
	assert_true(!q[0].newest && q[0].lo.time_ms == 1500 &&
	    q[0].lo.id == INT64_MAX && q[0].hi.time_ms == 2000);
	assert_int_equal(histq_plan(HQ_BETWEEN, &a, &star, 10, q), -1);
	assert_int_equal(histq_plan(HQ_TARGETS, &t, &t, 10, q), -1);
}

static void
search_attributes(void **state)
{
	struct histq_search q;
	const char *bad;
	char a[] = "in=#chan;from=jackie;text=fast\\sfood;limit=2;"
	    "after=2019-01-04T14:33:26.123Z;x-unknown=1";
	char b[] = "text=a\\:b";
	char c1[] = "limit=0", c2[] = "after=yesterday", c3[] = "in=";
	char c4[] = "text", c5[] = "limit=1001";
	char d[] = "";

	(void)state;
	assert_int_equal(histq_search_parse(a, &q, &bad), 0);
	assert_string_equal(q.in, "#chan");
	assert_string_equal(q.from, "jackie");
	assert_string_equal(q.text, "fast food");
	assert_int_equal(q.limit, 2);
	assert_int_equal(q.after_ms, 1546612406123LL);
	assert_int_equal(q.before_ms, 0);
	assert_int_equal(histq_search_parse(b, &q, &bad), 0);
	assert_string_equal(q.text, "a;b");
	assert_int_equal(q.limit, 100);
	assert_int_equal(histq_search_parse(c1, &q, &bad), -1);
	assert_string_equal(bad, "limit");
	assert_int_equal(histq_search_parse(c2, &q, &bad), -1);
	assert_string_equal(bad, "after");
	assert_int_equal(histq_search_parse(c3, &q, &bad), -1);
	assert_string_equal(bad, "in");
	assert_int_equal(histq_search_parse(c4, &q, &bad), -1);
	assert_string_equal(bad, "text");
	assert_int_equal(histq_search_parse(c5, &q, &bad), -1);
	assert_int_equal(histq_search_parse(d, &q, &bad), 0);
	assert_null(q.in);
	assert_null(q.text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(timestamps),
		cmocka_unit_test(references),
		cmocka_unit_test(limits_and_subcommands),
		cmocka_unit_test(plans),
		cmocka_unit_test(search_attributes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
