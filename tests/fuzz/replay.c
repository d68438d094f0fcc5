/*
 * replay.c -- "make check" runs every fuzz harness over its committed
 * corpus and every crasher found so far, with the normal compiler (and
 * the sanitizers under --enable-sanitizers).  TAP: one test point per
 * directory, with the number of inputs.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#ifndef HARNESS
#error HARNESS must name the corpus directory
#endif

static int
replay_dir(const char *dir, int *count)
{
	char path[4096 + 256 + 2];
	struct dirent *de;
	static uint8_t buf[1 << 20];
	size_t n;
	FILE *f;
	DIR *d;

	*count = 0;
	if ((d = opendir(dir)) == NULL)
		return errno == ENOENT ? 0 : -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if ((f = fopen(path, "rb")) == NULL)
			continue;
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, n);
		(*count)++;
	}
	closedir(d);
	return 0;
}

int
main(int argc, char *argv[])
{
	const char *top = getenv("KEO_TOP_SRCDIR");
	const char *kinds[] = { "corpus", "crashers" };
	char dir[4096];
	int i, count;

	if (top == NULL)
		top = argc > 1 ? argv[1] : ".";
	printf("1..2\n");
	for (i = 0; i < 2; i++) {
		snprintf(dir, sizeof(dir), "%s/tests/fuzz/%s/%s", top, kinds[i],
		    HARNESS);
		if (replay_dir(dir, &count) == -1)
			printf("not ok %d - %s: %s\n", i + 1, dir,
			    strerror(errno));
		else
			printf("ok %d - %s %s: %d inputs replayed\n", i + 1,
			    HARNESS, kinds[i], count);
	}
	return 0;
}
