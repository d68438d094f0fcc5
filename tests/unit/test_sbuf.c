/*
 * test_sbuf.c -- the growable output buffer.
 */
#include "unit.h"
#include "sbuf.h"

static void
add_and_printf(void **state)
{
	struct sbuf sb;

	(void)state;
	sbuf_init(&sb);
	sbuf_adds(&sb, "a");
	sbuf_add(&sb, " b", 2);
	sbuf_printf(&sb, " %d-%s", 42, "x");
	assert_string_equal(sb.p, "a b 42-x");
	assert_int_equal(sb.len, 8);
	assert_int_equal(sb.err, 0);
	sbuf_free(&sb);
	assert_null(sb.p);
}

static void
grows_past_initial(void **state)
{
	struct sbuf sb;
	int i;

	(void)state;
	sbuf_init(&sb);
	for (i = 0; i < 10000; i++)
		sbuf_printf(&sb, "%04d", i % 10000);
	assert_int_equal(sb.len, 40000);
	assert_memory_equal(sb.p + 39996, "9999", 4);
	assert_int_equal(sb.p[sb.len], '\0');
	sbuf_free(&sb);
}

static void
embedded_nul_separators(void **state)
{
	struct sbuf sb;

	(void)state;
	sbuf_init(&sb);
	sbuf_printf(&sb, "one%c", '\0');
	sbuf_printf(&sb, "two%c", '\0');
	assert_int_equal(sb.len, 8);
	assert_string_equal(sb.p + 4, "two");
	sbuf_free(&sb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(add_and_printf),
		cmocka_unit_test(grows_past_initial),
		cmocka_unit_test(embedded_nul_separators),
	};

	return cmocka_run_group_tests_name("sbuf", tests, NULL, NULL);
}
