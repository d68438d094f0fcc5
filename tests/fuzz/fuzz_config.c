/*
 * fuzz_config.c -- the keochatd.conf parser and -o overrides: any bytes
 * give a configuration or a "FILE:LINE: message" error.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char kv[512];
	struct config c;
	char err[256];
	int id;

	config_defaults(&c);
	err[0] = '\0';
	if (config_parse(&c, "fuzz.conf", (const char *)data, size, err,
	    sizeof(err)) == -1) {
		if (strncmp(err, "fuzz.conf:", 10) != 0)
			abort();
		return 0;
	}
	(void)config_check(&c, err, sizeof(err));
	for (id = 0; id < OPT_COUNT; id++) {
		char v[512];
		config_value(&c, id, v, sizeof(v));
	}
	if (size < sizeof(kv)) {
		memcpy(kv, data, size);
		kv[size] = '\0';
		(void)config_override(&c, kv, err, sizeof(err));
	}
	return 0;
}
