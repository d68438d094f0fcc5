/*
 * test_ring.c -- the relay's log: append and read in order, wrap around
 * the end of the buffer, fill up and free, watermarks and cursors that a
 * second handle (a respawned relay) reads back, a damaged log refused,
 * free pages found.
 */
#include <stdio.h>
#include <stdlib.h>

#include "unit.h"
#include "frame.h"
#include "ring.h"

struct fixture {
	void		*mem;
	size_t		 size;
	struct ring	*r;
};

#define LOG	65536

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[128];

	f->size = ring_size(8, LOG);
	assert_int_equal(posix_memalign(&f->mem, 4096, f->size), 0);
	memset(f->mem, 0xa5, f->size);	/* init must not rely on zeros */
	assert_int_equal(ring_init(f->mem, f->size, 8, LOG, 0), 0);
	f->r = ring_attach(f->mem, f->size, err, sizeof(err));
	assert_non_null(f->r);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	ring_detach(f->r);
	free(f->mem);
	free(f);
	return 0;
}

/* Append a frame-sized record of len bytes filled with tag. */
static int
put(struct ring *r, size_t len, uint8_t tag, uint64_t mask)
{
	uint8_t *p = ring_reserve(r, len);

	if (p == NULL)
		return -1;
	memset(p, tag, len);
	ring_commit(r, mask);
	return 0;
}

static void
append_and_read_in_order(void **state)
{
	struct fixture *f = *state;
	const uint8_t *frame;
	uint64_t pos = ring_tail(f->r), mask;
	size_t len;
	int i;

	assert_int_equal(ring_capacity(f->r), LOG);
	assert_int_equal(ring_used(f->r), 0);
	for (i = 1; i <= 10; i++)
		assert_int_equal(put(f->r, (size_t)i * 3, (uint8_t)i,
		    (uint64_t)i), 0);
	for (i = 1; i <= 10; i++) {
		assert_int_equal(ring_read(f->r, &pos, &frame, &len, &mask), 1);
		assert_int_equal(len, (size_t)i * 3);
		assert_int_equal(frame[0], i);
		assert_int_equal(frame[len - 1], i);
		assert_int_equal(mask, (uint64_t)i);
	}
	assert_int_equal(ring_read(f->r, &pos, &frame, &len, &mask), 0);
	assert_int_equal(pos, ring_head(f->r));
}

static void
wraps_around_the_end(void **state)
{
	struct fixture *f = *state;
	const uint8_t *frame;
	uint64_t pos, mask;
	size_t len;
	int i, n = 0;

	/* many laps of odd-sized entries, freeing as the reader goes */
	pos = ring_tail(f->r);
	for (i = 0; i < 5000; i++) {
		size_t l = 1 + (size_t)(i * 37 % 3000);
		while (put(f->r, l, (uint8_t)i, 1) == -1) {
			assert_int_equal(ring_read(f->r, &pos, &frame, &len,
			    &mask), 1);
			assert_int_equal(frame[0], (uint8_t)n);
			n++;
			ring_release(f->r, pos);
		}
	}
	while (ring_read(f->r, &pos, &frame, &len, &mask) == 1) {
		assert_int_equal(frame[0], (uint8_t)n);
		assert_int_equal(frame[len - 1], (uint8_t)n);
		n++;
	}
	assert_int_equal(n, 5000);
	assert_true(ring_head(f->r) > 3 * LOG);
}

static void
full_until_released(void **state)
{
	struct fixture *f = *state;
	const uint8_t *frame;
	uint64_t pos = 0, mask;
	size_t len;
	int n = 0;

	while (ring_fits(f->r, 1000)) {
		assert_int_equal(put(f->r, 1000, 7, 1), 0);
		n++;
	}
	assert_null(ring_reserve(f->r, 1000));
	assert_true(n >= LOG / 1016 - 1);
	assert_true(ring_used(f->r) <= LOG);
	assert_int_equal(ring_read(f->r, &pos, &frame, &len, &mask), 1);
	ring_release(f->r, pos);
	assert_true(ring_fits(f->r, 1000));
	assert_false(ring_fits(f->r, 0));
	assert_false(ring_fits(f->r, FRAME_MAX + 1));
	/* release outside [tail, head] does nothing */
	ring_release(f->r, ring_head(f->r) + 8);
	assert_int_equal(ring_tail(f->r), pos);
}

static void
counters_and_watermarks_survive_a_new_handle(void **state)
{
	struct fixture *f = *state;
	struct ring *again;
	char err[128];
	uint32_t pid;

	assert_int_equal(ring_next_id(f->r), 1);
	assert_int_equal(ring_next_id(f->r), 2);
	assert_int_equal(ring_next_seq(f->r, 3), 1);
	assert_int_equal(ring_next_seq(f->r, 3), 2);
	assert_int_equal(ring_next_seq(f->r, 8), 0);	/* out of range */
	ring_origin_set(f->r, 2, 500, 77);
	ring_dest_set(f->r, 2, 500, 4096);
	assert_int_equal(put(f->r, 10, 1, 4), 0);
	again = ring_attach(f->mem, f->size, err, sizeof(err));
	assert_non_null(again);
	assert_int_equal(ring_next_id(again), 3);
	assert_int_equal(ring_next_seq(again, 3), 3);
	assert_int_equal(ring_origin_lseq(again, 2, 500), 77);
	assert_int_equal(ring_origin_lseq(again, 2, 501), 0);	/* new pid */
	assert_int_equal(ring_dest(again, 2, &pid), 4096);
	assert_int_equal(pid, 500);
	assert_int_equal(ring_dest(again, 5, &pid), 0);
	assert_int_equal(pid, 0);
	assert_int_equal(ring_head(again), ring_head(f->r));
	ring_origin_set(again, 2, 501, 5);	/* a respawned worker */
	assert_int_equal(ring_origin_lseq(again, 2, 501), 5);
	assert_int_equal(ring_origin_lseq(again, 2, 500), 0);
	ring_dest_set(again, 2, 0, 0);
	(void)ring_dest(again, 2, &pid);
	assert_int_equal(pid, 0);
	ring_origin_set(again, WORKERS_MAX, 1, 1);	/* ignored */
	ring_detach(again);
}

static void
damaged_segments_are_refused(void **state)
{
	struct fixture *f = *state;
	char err[128];
	uint32_t magic;

	memcpy(&magic, f->mem, 4);
	((uint8_t *)f->mem)[0] ^= 0xff;
	assert_null(ring_attach(f->mem, f->size, err, sizeof(err)));
	assert_non_null(strstr(err, "does not match"));
	memcpy(f->mem, &magic, 4);
	assert_null(ring_attach(f->mem, 64, err, sizeof(err)));
	assert_int_equal(ring_init(f->mem, 100, 8, LOG, 0), -1);
}

static void
damaged_entries_are_reported(void **state)
{
	struct fixture *f = *state;
	const uint8_t *frame;
	uint64_t pos = ring_tail(f->r), mask;
	size_t len;
	uint8_t *p;

	assert_int_equal(put(f->r, 40, 1, 1), 0);
	assert_int_equal(put(f->r, 40, 2, 1), 0);
	/* the second entry's length now runs past the head */
	p = ring_reserve(f->r, 8);
	assert_non_null(p);
	memset(p - RING_ENTRY_HDR - 56, 0xff, 4);
	assert_int_equal(ring_read(f->r, &pos, &frame, &len, &mask), 1);
	assert_int_equal(ring_read(f->r, &pos, &frame, &len, &mask), -1);
}

static void
free_pages_are_found(void **state)
{
	struct fixture *f = *state;
	const uint8_t *frame;
	uint64_t pos, mask;
	size_t alen, blen, len;
	void *a, *b;
	int i;

	ring_free_spans(f->r, 4096, &a, &alen, &b, &blen);
	assert_true(alen + blen >= LOG - 2 * 4096);
	for (i = 0; i < 20; i++)
		assert_int_equal(put(f->r, 1000, 1, 1), 0);
	ring_free_spans(f->r, 4096, &a, &alen, &b, &blen);
	assert_true(alen + blen <= LOG - 20 * 1000);
	assert_true(alen + blen >= LOG - 20 * 1016 - 3 * 4096);
	pos = ring_tail(f->r);
	while (ring_read(f->r, &pos, &frame, &len, &mask) == 1)
		;
	ring_release(f->r, pos);
	ring_free_spans(f->r, 4096, &a, &alen, &b, &blen);
	assert_true(alen + blen >= LOG - 2 * 4096);
	/* every span is whole pages */
	assert_int_equal((uintptr_t)a % 4096, 0);
	assert_int_equal(alen % 4096, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(append_and_read_in_order,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(wraps_around_the_end, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(full_until_released, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    counters_and_watermarks_survive_a_new_handle, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(damaged_segments_are_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(damaged_entries_are_reported,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(free_pages_are_found, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
