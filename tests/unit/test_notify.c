/*
 * test_notify.c -- what a desktop notification's text becomes: the markup
 * characters escaped, control bytes blanked, bytes that are not UTF-8
 * replaced, never cut inside a character.
 */
#include <stdio.h>

#include "unit.h"
#include "notify.h"

static void
escapes_markup_and_bad_bytes(void **state)
{
	char out[64];

	(void)state;
	notify_escape("<alice> a & b <i>", out, sizeof(out));
	assert_string_equal(out, "&lt;alice&gt; a &amp; b &lt;i&gt;");
	notify_escape("caf\xc3\xa9 \xe6\x97\xa9", out, sizeof(out));
	assert_string_equal(out, "caf\xc3\xa9 \xe6\x97\xa9");
	notify_escape("bad \xff\xc3 end", out, sizeof(out));
	assert_string_equal(out, "bad \xef\xbf\xbd\xef\xbf\xbd end");
	notify_escape("tab\tbell\a", out, sizeof(out));
	assert_string_equal(out, "tab bell ");
	/* cut whole: never half an entity or half a character */
	notify_escape("ab&", out, 6);
	assert_string_equal(out, "ab");
	notify_escape("a\xe6\x97\xa9", out, 4);
	assert_string_equal(out, "a");
	notify_escape("", out, sizeof(out));
	assert_string_equal(out, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(escapes_markup_and_bad_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
