/*
 * fuzz_client.c -- bytes into a whole client connection: the worker's
 * client code, line admission, command dispatch, every handler, the
 * session and delivery modules run on the fuzz input, through the worker
 * harness (tests/harness/wh.c: fake relay, fake sockets).  Two workers; a
 * registered peer on the other worker sits in #lobby and #fuzz, so
 * messages, joins and quits fan out across workers.  Everything is torn
 * down at the end, so LeakSanitizer sees whatever a path forgets to free.
 */
#include <stdlib.h>

#include "fuzz.h"
#include "wh.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wh_conn *peer, *c;
	size_t off, n;

	wh_setup(2, NULL);
	peer = wh_register(1, "peer");
	wh_feed(peer, "JOIN #lobby,#fuzz");
	c = wh_connect(0, "10.0.0.2");
	/* vary the read sizes with the data itself */
	for (off = 0; off < size && !wh_closed(c); off += n) {
		n = 1 + data[off] % 200;
		if (n > size - off)
			n = size - off;
		wh_feed_raw(c, data + off, n);
	}
	while (wh_next(peer) != NULL)
		;
	wh_teardown();
	return 0;
}
