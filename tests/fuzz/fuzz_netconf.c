/*
 * fuzz_netconf.c -- keochat's saved-networks file: any bytes give networks
 * and numbered errors, never a crash; what was read, written back and read
 * again, is the same and has no errors.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "netconf.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct netconf a, b;
	static char text[NETCONF_MAX * 4096];
	struct netconf_errs e, e2;
	char why[256], server[300];
	int len, i;

	memset(&e, 0, sizeof(e));
	(void)netconf_parse(&a, (const char *)data, size, &e);
	for (i = 0; i < e.n; i++)
		if (strncmp(e.msg[i], "line ", 5) != 0)
			abort();
	if (a.n < 0 || a.n > NETCONF_MAX)
		abort();
	for (i = 0; i < a.n; i++) {
		(void)netconf_check(&a.net[i], why, sizeof(why));
		netconf_server(&a.net[i], server, sizeof(server));
	}
	if ((len = netconf_format(&a, text, sizeof(text))) < 0)
		abort();		/* whatever was read can be written */
	memset(&e2, 0, sizeof(e2));
	if (netconf_parse(&b, text, (size_t)len, &e2) != 0 || b.n != a.n ||
	    memcmp(a.net, b.net, sizeof(a.net[0]) * (size_t)a.n) != 0)
		abort();
	return 0;
}
