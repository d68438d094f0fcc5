/*
 * test_subs.c -- the relay's subscription table: masks per channel and
 * generation, removal, a worker's link going away, the index bound.
 */
#include <stdlib.h>

#include "unit.h"
#include "subs.h"

static void
masks_follow_sets(void **state)
{
	struct subs *s = subs_new(8);

	(void)state;
	assert_non_null(s);
	assert_int_equal(subs_mask(s, 3, 1), 0);
	assert_int_equal(subs_set(s, 3, 1, 1u << 0, 1), 0);
	assert_int_equal(subs_set(s, 3, 1, 1u << 2, 1), 0);
	assert_int_equal(subs_mask(s, 3, 1), 5);
	/* another generation at the same index is another channel */
	assert_int_equal(subs_set(s, 3, 2, 1u << 1, 1), 0);
	assert_int_equal(subs_mask(s, 3, 1), 5);
	assert_int_equal(subs_mask(s, 3, 2), 2);
	assert_int_equal(subs_set(s, 3, 1, 1u << 0, 0), 0);
	assert_int_equal(subs_mask(s, 3, 1), 4);
	assert_int_equal(subs_set(s, 3, 1, 1u << 2, 0), 0);
	assert_int_equal(subs_mask(s, 3, 1), 0);
	assert_int_equal(subs_set(s, 5, 1, 1u << 2, 0), 0);	/* absent */
	subs_free(s);
}

static void
a_worker_leaves_every_channel(void **state)
{
	struct subs *s = subs_new(8);
	uint32_t i;

	(void)state;
	for (i = 0; i < 8; i++) {
		assert_int_equal(subs_set(s, i, 7, 1u << 1, 1), 0);
		assert_int_equal(subs_set(s, i, 7, 1u << 3, 1), 0);
	}
	subs_drop(s, 1u << 3);
	for (i = 0; i < 8; i++)
		assert_int_equal(subs_mask(s, i, 7), 2);
	subs_drop(s, 1u << 1);
	for (i = 0; i < 8; i++)
		assert_int_equal(subs_mask(s, i, 7), 0);
	subs_free(s);
}

static void
indexes_out_of_range(void **state)
{
	struct subs *s = subs_new(8);

	(void)state;
	assert_int_equal(subs_set(s, 8, 1, 1, 1), -1);
	assert_int_equal(subs_set(s, UINT32_MAX, 1, 1, 1), -1);
	assert_int_equal(subs_mask(s, 8, 1), 0);
	subs_free(s);
	subs_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(masks_follow_sets),
		cmocka_unit_test(a_worker_leaves_every_channel),
		cmocka_unit_test(indexes_out_of_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
