/*
 * test_fifo.c -- the growable byte FIFO behind a client's backlog, the
 * worker's relay queue and the Motif client's output.
 */
#include <string.h>

#include "unit.h"
#include "fifo.h"

static void
empty_until_first_byte(void **state)
{
	struct fifo f;

	(void)state;
	memset(&f, 0, sizeof(f));
	assert_int_equal(fifo_used(&f), 0);
	assert_int_equal(fifo_add(&f, "x", 0, 16), 0);
	assert_null(f.data);		/* nothing allocated for nothing */
	assert_int_equal(fifo_add(&f, "abc", 3, 16), 0);
	assert_int_equal(f.cap, 16);	/* first allocation honours mincap */
	assert_int_equal(fifo_used(&f), 3);
	assert_memory_equal(fifo_head(&f), "abc", 3);
	fifo_release(&f);
	assert_null(f.data);
	assert_int_equal(fifo_used(&f), 0);
}

static void
order_is_kept_across_consume(void **state)
{
	struct fifo f;

	(void)state;
	memset(&f, 0, sizeof(f));
	assert_int_equal(fifo_add(&f, "hello ", 6, 8), 0);
	assert_int_equal(fifo_add(&f, "world", 5, 8), 0);
	fifo_consume(&f, 4);
	assert_int_equal(fifo_used(&f), 7);
	assert_memory_equal(fifo_head(&f), "o world", 7);
	fifo_consume(&f, 7);
	/* drained: back to the start, storage kept for reuse */
	assert_int_equal(f.off, 0);
	assert_int_equal(f.len, 0);
	assert_non_null(f.data);
	fifo_release(&f);
}

static void
compacts_before_growing(void **state)
{
	struct fifo f;

	(void)state;
	memset(&f, 0, sizeof(f));
	assert_int_equal(fifo_add(&f, "0123456789abcdef", 16, 16), 0);
	assert_int_equal(f.cap, 16);
	fifo_consume(&f, 10);
	/* 6 used + 8 new fit in 16 once the consumed front is reclaimed */
	assert_int_equal(fifo_add(&f, "ABCDEFGH", 8, 16), 0);
	assert_int_equal(f.cap, 16);
	assert_int_equal(f.off, 0);
	assert_memory_equal(fifo_head(&f), "abcdefABCDEFGH", 14);
	/* and grows by doubling when it really is full */
	assert_int_equal(fifo_add(&f, "0123456789", 10, 16), 0);
	assert_int_equal(f.cap, 32);
	assert_memory_equal(fifo_head(&f), "abcdefABCDEFGH0123456789", 24);
	fifo_release(&f);
}

static void
reserve_makes_room_for_later_adds(void **state)
{
	struct fifo f;
	size_t cap;
	int i;

	(void)state;
	memset(&f, 0, sizeof(f));
	assert_int_equal(fifo_reserve(&f, 4000, 0), 0);
	assert_true(f.cap >= 4000);
	cap = f.cap;
	for (i = 0; i < 1000; i++)
		assert_int_equal(fifo_add(&f, "wxyz", 4, 0), 0);
	assert_int_equal(f.cap, cap);	/* no reallocation on the way */
	assert_int_equal(fifo_used(&f), 4000);
	assert_memory_equal(fifo_head(&f) + 3996, "wxyz", 4);
	fifo_release(&f);
}

static void
refuses_absurd_sizes(void **state)
{
	struct fifo f;

	(void)state;
	memset(&f, 0, sizeof(f));
	assert_int_equal(fifo_add(&f, "a", 1, 0), 0);
	assert_int_equal(fifo_reserve(&f, (size_t)-1 / 2 + 2, 0), -1);
	/* the bytes already queued are untouched */
	assert_int_equal(fifo_used(&f), 1);
	assert_memory_equal(fifo_head(&f), "a", 1);
	fifo_release(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_until_first_byte),
		cmocka_unit_test(order_is_kept_across_consume),
		cmocka_unit_test(compacts_before_growing),
		cmocka_unit_test(reserve_makes_room_for_later_adds),
		cmocka_unit_test(refuses_absurd_sizes),
	};

	return cmocka_run_group_tests_name("fifo", tests, NULL, NULL);
}
