/*
 * fuzz_ring.c -- the relay log as a respawned relay finds it: any bytes
 * in the segment (a relay that died mid-write, memory gone bad) are either
 * refused at attach or read entry by entry without leaving the segment,
 * and appending after them stays inside it.
 */
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "fuzz.h"
#include "ring.h"

#define LOG	65536

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *mem;
	static size_t msize;
	const uint8_t *frame;
	struct ring *r;
	uint64_t pos, mask;
	size_t len, hdr;
	char err[128];
	int i, rc;

	if (mem == NULL) {
		msize = ring_size(16, LOG);
		if ((mem = malloc(msize)) == NULL)
			abort();
	}
	if (ring_init(mem, msize, 16, LOG, 0) == -1)
		abort();
	/* the first bytes overwrite the header's counters and positions
	 * (past the layout fields the attach check guards), the rest the
	 * log itself */
	hdr = 48;
	if (size > 0)
		memcpy(mem + hdr, data, size < 64 ? size : 64);
	if (size > 64)
		memcpy(mem + msize - LOG, data + 64, size - 64 < LOG ?
		    size - 64 : LOG);
	if ((r = ring_attach(mem, msize, err, sizeof(err))) == NULL)
		return 0;
	pos = ring_tail(r);
	for (i = 0; i < 100000 && (rc = ring_read(r, &pos, &frame, &len,
	    &mask)) == 1; i++)
		if (frame < mem || frame + len > mem + msize)
			abort();
	for (i = 0; i < 8; i++) {
		uint8_t *p = ring_reserve(r, 100);
		if (p == NULL)
			break;
		if (p < mem || p + 100 > mem + msize)
			abort();
		memset(p, 0, 100);
		ring_commit(r, 1);
	}
	(void)ring_next_id(r);
	(void)ring_next_seq(r, (uint32_t)size);
	ring_detach(r);
	return 0;
}
