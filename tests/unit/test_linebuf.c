/*
 * test_linebuf.c -- line reassembly from arbitrary chunks, bounds, NUL and
 * bare CR reporting.
 */
#include <stdio.h>
#include <stdlib.h>

#include "unit.h"
#include "linebuf.h"

static void
feed(struct linebuf *lb, const char *s)
{
	assert_int_equal(linebuf_append(lb, s, strlen(s)), 0);
}

static void
expect_line(struct linebuf *lb, const char *want, unsigned flags)
{
	struct lb_line l;

	assert_int_equal(linebuf_next(lb, &l), LB_LINE);
	assert_int_equal(l.len, strlen(want));
	assert_memory_equal(l.s, want, l.len);
	assert_int_equal(l.s[l.len], '\0');
	assert_int_equal(l.flags, flags);
}

static void
expect_none(struct linebuf *lb)
{
	struct lb_line l;

	assert_int_equal(linebuf_next(lb, &l), LB_NONE);
}

static void
crlf_and_lf(void **state)
{
	struct linebuf lb;

	(void)state;
	linebuf_init(&lb, 100);
	feed(&lb, "NICK a\r\nUSER b\nPING x\r\n");
	expect_line(&lb, "NICK a", 0);
	expect_line(&lb, "USER b", 0);
	expect_line(&lb, "PING x", 0);
	expect_none(&lb);
	linebuf_free(&lb);
}

static void
byte_by_byte(void **state)
{
	const char *s = "PRIVMSG #c :hello world\r\nQUIT\r\n";
	struct linebuf lb;
	size_t i;

	(void)state;
	linebuf_init(&lb, 100);
	for (i = 0; s[i] != '\0'; i++) {
		assert_int_equal(linebuf_append(&lb, s + i, 1), 0);
		if (s[i] != '\n')
			continue;
		expect_line(&lb, i < 30 ? "PRIVMSG #c :hello world" : "QUIT", 0);
	}
	expect_none(&lb);
	linebuf_free(&lb);
}

static void
partial_line_waits(void **state)
{
	struct linebuf lb;

	(void)state;
	linebuf_init(&lb, 100);
	feed(&lb, "PRIV");
	expect_none(&lb);
	assert_int_equal(linebuf_pending(&lb), 4);
	feed(&lb, "MSG x :y\r");
	expect_none(&lb);
	feed(&lb, "\n");
	expect_line(&lb, "PRIVMSG x :y", 0);
	linebuf_free(&lb);
}

static void
empty_lines(void **state)
{
	struct linebuf lb;

	(void)state;
	linebuf_init(&lb, 100);
	feed(&lb, "\r\n\n");
	expect_line(&lb, "", 0);
	expect_line(&lb, "", 0);
	expect_none(&lb);
	linebuf_free(&lb);
}

static void
exact_limits(void **state)
{
	char buf[64];
	struct linebuf lb;
	struct lb_line l;

	(void)state;
	linebuf_init(&lb, 10);
	memset(buf, 'x', 10);
	memcpy(buf + 10, "\r\n", 3);
	feed(&lb, buf);		/* exactly max: accepted */
	assert_int_equal(linebuf_next(&lb, &l), LB_LINE);
	assert_int_equal(l.len, 10);
	memset(buf, 'x', 11);
	memcpy(buf + 11, "\r\n", 3);
	feed(&lb, buf);		/* max + 1: too long */
	assert_int_equal(linebuf_next(&lb, &l), LB_TOO_LONG);
	feed(&lb, "ok\n");
	expect_line(&lb, "ok", 0);
	linebuf_free(&lb);
}

static void
max_plus_cr_is_still_waiting(void **state)
{
	char buf[16];
	struct linebuf lb;

	(void)state;
	linebuf_init(&lb, 10);
	memset(buf, 'x', 10);
	buf[10] = '\r';
	buf[11] = '\0';
	feed(&lb, buf);
	expect_none(&lb);	/* the LF may still come */
	feed(&lb, "\n");
	expect_line(&lb, "xxxxxxxxxx", 0);
	linebuf_free(&lb);
}

static void
overlong_unterminated_reported_once(void **state)
{
	char big[100];
	struct linebuf lb;
	struct lb_line l;

	(void)state;
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	linebuf_init(&lb, 20);
	feed(&lb, big);
	assert_int_equal(linebuf_next(&lb, &l), LB_TOO_LONG);
	assert_int_equal(linebuf_pending(&lb), 0);
	feed(&lb, big);			/* the rest of that line */
	expect_none(&lb);
	assert_int_equal(linebuf_pending(&lb), 0);
	feed(&lb, "tail\r\nNEXT\r\n");	/* its end, then a good line */
	expect_line(&lb, "NEXT", 0);
	expect_none(&lb);
	linebuf_free(&lb);
}

static void
overlong_byte_by_byte(void **state)
{
	struct linebuf lb;
	struct lb_line l;
	int i, toolong = 0;

	(void)state;
	linebuf_init(&lb, 512);
	for (i = 0; i < 600; i++) {
		assert_int_equal(linebuf_append(&lb, "z", 1), 0);
		if (linebuf_next(&lb, &l) == LB_TOO_LONG)
			toolong++;
	}
	assert_int_equal(toolong, 1);
	feed(&lb, "\nPING x\n");
	expect_line(&lb, "PING x", 0);
	linebuf_free(&lb);
}

static void
nul_is_flagged(void **state)
{
	struct linebuf lb;
	struct lb_line l;

	(void)state;
	linebuf_init(&lb, 100);
	assert_int_equal(linebuf_append(&lb, "PRIV\0MSG\r\n", 10), 0);
	assert_int_equal(linebuf_next(&lb, &l), LB_LINE);
	assert_int_equal(l.len, 8);
	assert_int_equal(l.flags, LB_NUL);
	linebuf_free(&lb);
}

static void
bare_cr_is_flagged(void **state)
{
	struct linebuf lb;

	(void)state;
	linebuf_init(&lb, 100);
	feed(&lb, "PRIVMSG #c :a\rQUIT\r\n");
	expect_line(&lb, "PRIVMSG #c :a\rQUIT", LB_CR);
	feed(&lb, "a\r\r\n");
	expect_line(&lb, "a\r", LB_CR);
	linebuf_free(&lb);
}

static void
storage_is_lazy(void **state)
{
	struct linebuf lb;
	size_t avail;
	char *p;

	(void)state;
	linebuf_init(&lb, 100);
	assert_null(lb.data);
	p = linebuf_reserve(&lb, 32, &avail);
	assert_non_null(p);
	assert_true(avail >= 32);
	memcpy(p, "X\n", 2);
	linebuf_commit(&lb, 2);
	expect_line(&lb, "X", 0);
	linebuf_shrink(&lb);
	assert_null(lb.data);
	linebuf_free(&lb);
}

static void
shrink_keeps_partial(void **state)
{
	struct linebuf lb;

	(void)state;
	linebuf_init(&lb, 100);
	feed(&lb, "half");
	linebuf_shrink(&lb);
	assert_non_null(lb.data);
	feed(&lb, " line\n");
	expect_line(&lb, "half line", 0);
	linebuf_free(&lb);
}

static void
many_lines_in_order(void **state)
{
	struct linebuf lb;
	struct lb_line l;
	char line[32];
	int i, n = 0;

	(void)state;
	linebuf_init(&lb, 512);
	for (i = 0; i < 20000; i++) {
		int k = snprintf(line, sizeof(line), "L%d\r\n", i);
		/* feed in odd-sized pieces */
		assert_int_equal(linebuf_append(&lb, line, (size_t)k / 2), 0);
		assert_int_equal(linebuf_append(&lb, line + k / 2,
		    (size_t)k - (size_t)k / 2), 0);
		while (linebuf_next(&lb, &l) == LB_LINE) {
			char want[32];
			snprintf(want, sizeof(want), "L%d", n++);
			assert_string_equal(l.s, want);
		}
	}
	assert_int_equal(n, 20000);
	linebuf_free(&lb);
}

static void
lend_and_unlend(void **state)
{
	char scratch[256];
	struct linebuf lb;
	size_t avail;
	char *p;

	(void)state;
	linebuf_init(&lb, 100);
	assert_int_equal(linebuf_lend(&lb, scratch, sizeof(scratch)), 0);
	p = linebuf_reserve(&lb, 32, &avail);
	assert_ptr_equal(p, scratch);		/* reads land in the loan */
	memcpy(p, "ONE\r\nTW", 7);
	linebuf_commit(&lb, 7);
	expect_line(&lb, "ONE", 0);
	expect_none(&lb);
	assert_int_equal(linebuf_unlend(&lb), 0);
	assert_ptr_not_equal(lb.data, scratch);	/* the leftover was copied */
	assert_int_equal(linebuf_pending(&lb), 2);
	memset(scratch, 'Z', sizeof(scratch));	/* the loan is reused */
	feed(&lb, "O\r\n");
	expect_line(&lb, "TWO", 0);
	/* holding bytes, a buffer cannot be lent */
	feed(&lb, "part");
	assert_int_equal(linebuf_lend(&lb, scratch, sizeof(scratch)), -1);
	linebuf_free(&lb);
	/* a loan outgrown by one read continues in own storage */
	linebuf_init(&lb, 1000);
	assert_int_equal(linebuf_lend(&lb, scratch, 16), 0);
	p = linebuf_reserve(&lb, 10, &avail);
	memcpy(p, "abcdefghij", 10);
	linebuf_commit(&lb, 10);
	p = linebuf_reserve(&lb, 64, &avail);
	assert_false(lb.lent);
	memcpy(p, "klm\n", 4);
	linebuf_commit(&lb, 4);
	expect_line(&lb, "abcdefghijklm", 0);
	assert_int_equal(linebuf_unlend(&lb), 0);	/* no loan: no-op */
	linebuf_free(&lb);
	/* an empty loan gives back no storage at all */
	linebuf_init(&lb, 100);
	linebuf_lend(&lb, scratch, sizeof(scratch));
	assert_int_equal(linebuf_unlend(&lb), 0);
	assert_null(lb.data);
	linebuf_free(&lb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(crlf_and_lf),
		cmocka_unit_test(byte_by_byte),
		cmocka_unit_test(partial_line_waits),
		cmocka_unit_test(empty_lines),
		cmocka_unit_test(exact_limits),
		cmocka_unit_test(max_plus_cr_is_still_waiting),
		cmocka_unit_test(overlong_unterminated_reported_once),
		cmocka_unit_test(overlong_byte_by_byte),
		cmocka_unit_test(nul_is_flagged),
		cmocka_unit_test(bare_cr_is_flagged),
		cmocka_unit_test(storage_is_lazy),
		cmocka_unit_test(shrink_keeps_partial),
		cmocka_unit_test(many_lines_in_order),
		cmocka_unit_test(lend_and_unlend),
	};

	return cmocka_run_group_tests_name("linebuf", tests, NULL, NULL);
}
