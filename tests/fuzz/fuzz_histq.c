/*
 * fuzz_histq.c -- CHATHISTORY's parameters (src/server/pure/histq.c) on
 * hostile input: the input is split at spaces into a subcommand, two
 * references and a limit, as a client sends them.  Properties: no crash;
 * what parses is in range (a timestamp formats back to itself when it
 * had milliseconds, a msgid is 1..2^63-1, a limit 1..1000); every plan's
 * ranges are well formed (a range with both ends has lo < hi unless it
 * is empty by construction, limits add up to the one asked).  An input
 * that starts with 'S' is SEARCH's attributes instead: what parses has
 * a limit in range and no empty in or text.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "histq.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[512], *w[4], *p, out[32];
	struct histq_ref a, b;
	struct histq_range q[2];
	unsigned limit;
	int sub, n, i, nw = 0;
	int64_t ms;

	struct histq_search sq;
	const char *bad;

	if (size >= sizeof(buf))
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	/* a SEARCH line: attributes */
	if (size > 0 && data[0] == 'S') {
		if (histq_search_parse(buf + 1, &sq, &bad) == 0 &&
		    (sq.limit == 0 || sq.limit > HISTQ_LIMIT_MAX ||
		    (sq.text != NULL && sq.text[0] == '\0') ||
		    (sq.in != NULL && sq.in[0] == '\0')))
			abort();
		return 0;
	}
	for (p = strtok(buf, " "); p != NULL && nw < 4; p = strtok(NULL, " "))
		w[nw++] = p;
	if (nw < 4)
		return 0;
	/* a leap second (:60) is the next minute's first: no round trip */
	if (strncmp(w[1], "timestamp=", 10) == 0 &&
	    histq_timestamp(w[1] + 10, &ms) == 0 && strlen(w[1] + 10) == 24 &&
	    strncmp(w[1] + 27, "60", 2) != 0 &&
	    (histq_format_time(out, sizeof(out), ms) != 24 ||
	    strcmp(out, w[1] + 10) != 0))
		abort();		/* leap seconds aside, it round-trips */
	sub = histq_sub(w[0]);
	if (histq_ref(w[1], 1, &a) == -1 || histq_ref(w[2], 1, &b) == -1 ||
	    histq_limit(w[3], HISTQ_LIMIT_MAX, &limit) == -1)
		return 0;
	if (limit == 0 || limit > HISTQ_LIMIT_MAX)
		abort();
	if ((a.kind == HQ_MSGID && (a.msgid == 0 || a.msgid > INT64_MAX)))
		abort();
	/* as the worker does once a msgid is found: its place */
	if (a.kind == HQ_MSGID) {
		a.time_ms = (int64_t)(a.msgid % 100000);
		a.id = (int64_t)a.msgid;
	}
	if (b.kind == HQ_MSGID) {
		b.time_ms = (int64_t)(b.msgid % 100000);
		b.id = (int64_t)b.msgid;
	}
	if (sub < 0 || (n = histq_plan((enum histq_sub)sub, &a, &b, limit,
	    q)) < 0)
		return 0;
	if (n > 2 || (n == 2 && q[0].limit + q[1].limit != limit) ||
	    (n == 1 && q[0].limit != limit))
		abort();
	for (i = 0; i < n; i++)
		if (q[i].has_lo && q[i].has_hi && sub != HQ_BETWEEN &&
		    (q[i].lo.time_ms > q[i].hi.time_ms))
			abort();
	return 0;
}
