/*
 * fuzz_linebuf.c -- line reassembly: the input is cut into chunks whose
 * sizes come from the input itself; every line returned is within bounds
 * and NUL-terminated.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "linebuf.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char scratch[2048];
	struct linebuf lb;
	struct lb_line l;
	size_t off = 0, chunk, max;
	enum linebuf_res r;

	if (size < 2)
		return 0;
	max = 1 + data[0] * 4;		/* 1..1021 */
	linebuf_init(&lb, max);
	data++;
	size--;
	while (off < size) {
		chunk = 1 + (data[off] % 64);
		if (chunk > size - off)
			chunk = size - off;
		/* like a server: lend a scratch buffer while nothing waits */
		if (data[off] & 0x80)
			(void)linebuf_lend(&lb, scratch, sizeof(scratch));
		if (linebuf_append(&lb, data + off, chunk) == -1)
			abort();
		off += chunk;
		while ((r = linebuf_next(&lb, &l)) != LB_NONE) {
			if (r == LB_LINE && (l.len > max || l.s[l.len] != '\0'))
				abort();
		}
		if (linebuf_pending(&lb) > max + 1 && !lb.discard)
			abort();
		if (linebuf_unlend(&lb) == -1)
			abort();
		memset(scratch, 0xa5, sizeof(scratch));	/* loans are reused */
		if (off % 3 == 0)
			linebuf_shrink(&lb);
	}
	linebuf_free(&lb);
	return 0;
}
