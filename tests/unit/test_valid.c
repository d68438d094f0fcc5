/*
 * test_valid.c -- casemapping, nick and channel rules, UTF-8, masks and
 * host names (with the ircdocs mask and hostname vectors).
 */
#include <stdio.h>

#include "unit.h"
#include "bounds.h"
#include "valid.h"

#include "parser_vectors.h"

static void
casemap_pairs(void **state)
{
	(void)state;
	assert_int_equal(irc_tolower('['), '{');
	assert_int_equal(irc_tolower(']'), '}');
	assert_int_equal(irc_tolower('\\'), '|');
	assert_int_equal(irc_tolower('~'), '~');
	assert_int_equal(irc_tolower('^'), '~');
	assert_int_equal(irc_tolower('A'), 'a');
	assert_int_equal(irc_tolower('z'), 'z');
	assert_int_equal(irc_tolower('_'), '_');
	assert_int_equal(irc_casecmp("Nick[x]\\^", "nick{X}|~"), 0);
	assert_true(irc_casecmp("abc", "abd") < 0);
	assert_true(irc_casecmp("ab", "abc") < 0);
}

static void
casefold_truncates(void **state)
{
	char out[4];

	(void)state;
	irc_casefold(out, sizeof(out), "ABCDEF");
	assert_string_equal(out, "abc");
}

static void
nick_rules(void **state)
{
	char longnick[201];

	(void)state;
	assert_int_equal(nick_check("alice", 30), NAME_OK);
	assert_int_equal(nick_check("[x]`_^{|}-9", 30), NAME_OK);
	assert_int_equal(nick_check("", 30), NAME_EMPTY);
	assert_int_equal(nick_check("1abc", 30), NAME_BAD_FIRST);
	assert_int_equal(nick_check("-dash", 30), NAME_BAD_FIRST);
	assert_int_equal(nick_check("#c", 30), NAME_BAD_CHAR);
	assert_int_equal(nick_check("a:b", 30), NAME_BAD_CHAR);
	assert_int_equal(nick_check("*", 30), NAME_BAD_CHAR);
	assert_int_equal(nick_check("a,b", 30), NAME_BAD_CHAR);
	assert_int_equal(nick_check("a b", 30), NAME_BAD_CHAR);
	assert_int_equal(nick_check("a\001b", 30), NAME_BAD_CHAR);
	assert_int_equal(nick_check("a!b", 30), NAME_BAD_CHAR);
	assert_int_equal(nick_check("a@b", 30), NAME_BAD_CHAR);
	assert_int_equal(nick_check("a.b", 30), NAME_BAD_CHAR);
	assert_int_equal(nick_check("\xc3\xa9lise", 30), NAME_BAD_CHAR);
	assert_int_equal(nick_check("\xff\xfe", 30), NAME_BAD_CHAR);
	memset(longnick, 'a', 200);
	longnick[200] = '\0';
	assert_int_equal(nick_check(longnick, 30), NAME_TOO_LONG);
	longnick[30] = '\0';
	assert_int_equal(nick_check(longnick, 30), NAME_OK);
	longnick[30] = 'a';
	longnick[31] = '\0';
	assert_int_equal(nick_check(longnick, 30), NAME_TOO_LONG);
}

static void
channel_rules(void **state)
{
	char name[64];

	(void)state;
	assert_int_equal(chan_check("#lobby"), NAME_OK);
	assert_int_equal(chan_check("#\xce\xbb\xcf\x8c\xce\xb3\xce\xbf\xcf\x82"),
	    NAME_OK);
	assert_int_equal(chan_check(""), NAME_EMPTY);
	assert_int_equal(chan_check("#"), NAME_EMPTY);
	assert_int_equal(chan_check("lobby"), NAME_BAD_FIRST);
	assert_int_equal(chan_check("&local"), NAME_BAD_FIRST);
	assert_int_equal(chan_check("#a b"), NAME_BAD_CHAR);
	assert_int_equal(chan_check("#a,b"), NAME_BAD_CHAR);
	assert_int_equal(chan_check("#a\ab"), NAME_BAD_CHAR);
	assert_int_equal(chan_check("#a:b"), NAME_BAD_CHAR);
	assert_int_equal(chan_check("#a\xff"), NAME_BAD_CHAR);
	memset(name, 'c', sizeof(name));
	name[0] = '#';
	name[CHAN_MAX] = '\0';
	assert_int_equal(chan_check(name), NAME_OK);
	name[CHAN_MAX] = 'c';
	name[CHAN_MAX + 1] = '\0';
	assert_int_equal(chan_check(name), NAME_TOO_LONG);
}

static void
utf8_good(void **state)
{
	(void)state;
	assert_true(utf8_valid("", 0));
	assert_true(utf8_valid("plain ascii", 11));
	assert_true(utf8_valid("Gr\xc3\xbc\xc3\x9f" "e", 7));
	assert_true(utf8_valid("\xe2\x82\xac", 3));
	assert_true(utf8_valid("\xf0\x9f\x98\x80", 4));
	assert_true(utf8_valid("\xf4\x8f\xbf\xbf", 4));
}

static void
utf8_bad(void **state)
{
	(void)state;
	assert_false(utf8_valid("\xc0\xaf", 2));	/* overlong '/' */
	assert_false(utf8_valid("\xe0\x80\xaf", 3));	/* overlong */
	assert_false(utf8_valid("\xed\xa0\x80", 3));	/* surrogate */
	assert_false(utf8_valid("\xf4\x90\x80\x80", 4));	/* > U+10FFFF */
	assert_false(utf8_valid("\xe2\x82", 2));	/* truncated */
	assert_false(utf8_valid("\x80", 1));		/* lone continuation */
	assert_false(utf8_valid("\xff", 1));
	assert_false(utf8_valid("a\xc3" "b", 3));
}

static void
utf8_prefix_never_cuts(void **state)
{
	const char *s = "a\xe2\x82\xac" "b";	/* a € b */

	(void)state;
	assert_int_equal(utf8_prefix(s, 5, 10), 5);
	assert_int_equal(utf8_prefix(s, 5, 4), 4);
	assert_int_equal(utf8_prefix(s, 5, 3), 1);
	assert_int_equal(utf8_prefix(s, 5, 2), 1);
	assert_int_equal(utf8_prefix(s, 5, 1), 1);
	assert_int_equal(utf8_prefix(s, 5, 0), 0);
}

static void
vectors_mask(void **state)
{
	size_t i;
	int k;

	(void)state;
	for (i = 0; i < NELEM(mask_vecs); i++) {
		for (k = 0; k < mask_vecs[i].nm; k++)
			if (!irc_mask_match(mask_vecs[i].mask, mask_vecs[i].m[k]))
				fail_msg("%s should match %s", mask_vecs[i].mask,
				    mask_vecs[i].m[k]);
		for (k = 0; k < mask_vecs[i].nf; k++)
			if (irc_mask_match(mask_vecs[i].mask, mask_vecs[i].f[k]))
				fail_msg("%s should not match %s",
				    mask_vecs[i].mask, mask_vecs[i].f[k]);
	}
}

static void
mask_edges(void **state)
{
	(void)state;
	assert_true(irc_mask_match("*", ""));
	assert_true(irc_mask_match("*", "anything"));
	assert_false(irc_mask_match("?", ""));
	assert_true(irc_mask_match("a*b*c", "aXXbYYc"));
	assert_false(irc_mask_match("a*b*c", "aXXbYY"));
	assert_true(irc_mask_match("NICK[1]", "nick{1}"));
	assert_true(irc_mask_match("a\\*", "a*"));
	assert_false(irc_mask_match("a\\*", "ab"));
}

static void
vectors_hostname(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(host_vecs); i++)
		if (hostname_valid(host_vecs[i].host) != host_vecs[i].valid)
			fail_msg("hostname '%s' should be %s", host_vecs[i].host,
			    host_vecs[i].valid ? "valid" : "invalid");
}

static void
name_errors_have_text(void **state)
{
	(void)state;
	assert_string_equal(name_strerror(NAME_TOO_LONG), "name too long");
	assert_non_null(name_strerror(NAME_BAD_CHAR));
}

static void
mask_normalize_forms(void **state)
{
	static const struct { const char *in, *out; } v[] = {
		{ "nick", "nick!*@*" },
		{ "nick!user", "nick!user@*" },
		{ "user@host", "*!user@host" },
		{ "@host", "*!*@host" },
		{ "nick!", "nick!*@*" },
		{ "!@", "*!*@*" },
		{ "*!*@10.0.0.*", "*!*@10.0.0.*" },
		{ "a!b@c@d", "a!b@c@d" },
		{ "[x]!~y@h.example", "[x]!~y@h.example" },
	};
	static const char *bad[] = { "", "a b", "a,b", "a\x01b", "a\x7f" };
	char out[MASK_MAX + 1], tiny[8];
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(v); i++) {
		assert_int_equal(irc_mask_normalize(out, sizeof(out), v[i].in),
		    strlen(v[i].out));
		assert_string_equal(out, v[i].out);
	}
	for (i = 0; i < NELEM(bad); i++)
		assert_int_equal(irc_mask_normalize(out, sizeof(out), bad[i]),
		    0);
	/* cut to the buffer, never past it */
	assert_true(irc_mask_normalize(tiny, sizeof(tiny), "longnick!u@h") <
	    sizeof(tiny));
	assert_int_equal(strlen(tiny), sizeof(tiny) - 1);
	/* a normalised ban matches a prefix under the casemapping */
	irc_mask_normalize(out, sizeof(out), "Troll[1]");
	assert_true(irc_mask_match(out, "troll{1}!~u@10.0.0.1"));
	assert_false(irc_mask_match(out, "troll2!~u@10.0.0.1"));
}

static void
constant_time_equal(void **state)
{
	(void)state;
	assert_true(str_equal_ct("", ""));
	assert_true(str_equal_ct("secret", "secret"));
	assert_false(str_equal_ct("secret", "secreT"));
	assert_false(str_equal_ct("secret", "secrets"));
	assert_false(str_equal_ct("secrets", "secret"));
	assert_false(str_equal_ct("", "x"));
	assert_false(str_equal_ct("x", ""));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mask_normalize_forms),
		cmocka_unit_test(constant_time_equal),
		cmocka_unit_test(casemap_pairs),
		cmocka_unit_test(casefold_truncates),
		cmocka_unit_test(nick_rules),
		cmocka_unit_test(channel_rules),
		cmocka_unit_test(utf8_good),
		cmocka_unit_test(utf8_bad),
		cmocka_unit_test(utf8_prefix_never_cuts),
		cmocka_unit_test(vectors_mask),
		cmocka_unit_test(mask_edges),
		cmocka_unit_test(vectors_hostname),
		cmocka_unit_test(name_errors_have_text),
	};

	return cmocka_run_group_tests_name("valid", tests, NULL, NULL);
}
