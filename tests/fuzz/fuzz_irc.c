/*
 * fuzz_irc.c -- the IRC message parser and formatter.  Property: whatever
 * parses formats back, and the formatted line parses again to the same
 * command and parameters.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "irc.h"
#include "valid.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char line[IRC_WIRE_MAX + 2], out[IRC_WIRE_MAX * 3];
	static char again[IRC_WIRE_MAX * 3 + 1];
	struct irc_msg m, m2;
	enum irc_err e;
	size_t i;
	int n;

	if (size > IRC_WIRE_MAX)
		size = IRC_WIRE_MAX;
	memcpy(line, data, size);
	if (irc_parse(&m, line, size) != IRC_OK)
		return 0;
	if (m.command == NULL || m.nparams > IRC_MAX_PARAMS)
		abort();
	for (i = 0; i < m.ntags; i++)
		(void)irc_msg_tag(&m, m.tags[i].key);
	(void)utf8_valid(line, size);
	n = irc_format(out, sizeof(out), &m, 1, &e);
	if (n < 0)
		return 0;	/* e.g. a middle param that held a space */
	memcpy(again, out, (size_t)n + 1);
	if (irc_parse(&m2, again, (size_t)n) == IRC_OK &&
	    (strcmp(m.command, m2.command) != 0 || m.nparams != m2.nparams))
		abort();
	return 0;
}
