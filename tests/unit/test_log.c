/*
 * test_log.c -- keochatd's logger on stderr: the line format, the level
 * filter, strerror for log_warn, and errno preserved.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "unit.h"
#include "log.h"

static char out[4096];

/* Run fn with stderr captured into out. */
static void
capture(void (*fn)(void))
{
	int p[2], saved;
	ssize_t n;

	assert_int_equal(pipe(p), 0);
	saved = dup(2);
	dup2(p[1], 2);
	fn();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(p[1]);
	n = read(p[0], out, sizeof(out) - 1);
	out[n > 0 ? n : 0] = '\0';
	close(p[0]);
}

static void
emit_info(void)
{
	log_init(0, 0, LOG_LVL_INFO);
	log_procname("worker 3");
	log_info("[+] connected: %s (Active: %d)", "KE0", 1);
}

static void
line_format(void **state)
{
	char want[128];

	(void)state;
	capture(emit_info);
	snprintf(want, sizeof(want), "keochatd[%ld]: worker 3: [+] connected: "
	    "KE0 (Active: 1)\n", (long)getpid());
	assert_string_equal(out, want);
}

static void
emit_levels(void)
{
	log_init(0, 0, LOG_LVL_WARNING);
	log_debug("hidden debug");
	log_info("hidden info");
	log_warnx("shown warning");
	log_setlevel(LOG_LVL_DEBUG);
	log_debug("shown debug");
}

static void
level_filter(void **state)
{
	(void)state;
	capture(emit_levels);
	assert_null(strstr(out, "hidden"));
	assert_non_null(strstr(out, "shown warning"));
	assert_non_null(strstr(out, "shown debug"));
	assert_int_equal(log_getlevel(), LOG_LVL_DEBUG);
}

static int saved_errno;

static void
emit_warn(void)
{
	log_init(0, 0, LOG_LVL_INFO);
	errno = ENOENT;
	log_warn("open %s", "/nope");
	saved_errno = errno;
}

static void
warn_appends_strerror(void **state)
{
	(void)state;
	capture(emit_warn);
	assert_non_null(strstr(out, "open /nope: No such file or directory"));
	assert_int_equal(saved_errno, ENOENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(line_format),
		cmocka_unit_test(level_filter),
		cmocka_unit_test(warn_appends_strerror),
	};

	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
