/*
 * test_irc.c -- the IRC message parser and formatter: the ircdocs
 * vectors plus the edge cases that break IRC software.
 */
#include <stdio.h>
#include <stdlib.h>

#include "unit.h"
#include "irc.h"

#include "parser_vectors.h"

static enum irc_err
parse(struct irc_msg *m, char *buf, const char *s)
{
	size_t n = strlen(s);

	memcpy(buf, s, n + 1);
	return irc_parse(m, buf, n);
}

static void
vectors_split(void **state)
{
	char buf[1024];
	struct irc_msg m;
	size_t i;
	int k;

	(void)state;
	for (i = 0; i < NELEM(split_vecs); i++) {
		const struct split_vec *v = &split_vecs[i];
		assert_int_equal(parse(&m, buf, v->input), IRC_OK);
		assert_string_equal(m.command, v->verb);
		if (v->source == NULL)
			assert_null(m.source);
		else
			assert_string_equal(m.source, v->source);
		assert_int_equal(m.nparams, v->nparams);
		for (k = 0; k < v->nparams; k++)
			assert_string_equal(m.params[k], v->params[k]);
		for (k = 0; k < v->ntags; k++) {
			const char *val = irc_msg_tag(&m, v->tagk[k]);
			assert_non_null(val);
			assert_string_equal(val, v->tagv[k]);
		}
	}
}

static void
vectors_join(void **state)
{
	char out[1024];
	struct irc_msg m;
	enum irc_err e;
	size_t i;
	int k, ok;

	(void)state;
	for (i = 0; i < NELEM(join_vecs); i++) {
		const struct join_vec *v = &join_vecs[i];
		memset(&m, 0, sizeof(m));
		m.ntags = (size_t)v->ntags;
		for (k = 0; k < v->ntags; k++) {
			m.tags[k].key = (char *)v->tagk[k];
			m.tags[k].value = (char *)v->tagv[k];
		}
		m.source = (char *)v->source;
		m.command = (char *)v->verb;
		m.nparams = (size_t)v->nparams;
		for (k = 0; k < v->nparams; k++)
			m.params[k] = (char *)v->params[k];
		assert_true(irc_format(out, sizeof(out), &m, 1, &e) > 0);
		for (k = 0, ok = 0; k < v->nmatches; k++)
			ok |= strcmp(out, v->matches[k]) == 0;
		if (!ok)
			fail_msg("join vector %zu gave '%s'", i, out);
	}
}

static void
vectors_userhost(void **state)
{
	char n[64], u[64], h[64];
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(userhost_vecs); i++) {
		irc_split_source(userhost_vecs[i].source, n, sizeof(n), u,
		    sizeof(u), h, sizeof(h));
		assert_string_equal(n, userhost_vecs[i].nick);
		assert_string_equal(u, userhost_vecs[i].user);
		assert_string_equal(h, userhost_vecs[i].host);
	}
}

static void
empty_and_spaces(void **state)
{
	char buf[64];
	struct irc_msg m;

	(void)state;
	assert_int_equal(parse(&m, buf, ""), IRC_ERR_EMPTY);
	assert_int_equal(parse(&m, buf, "    "), IRC_ERR_EMPTY);
	assert_null(m.command);
}

static void
colon_alone(void **state)
{
	char buf[64];
	struct irc_msg m;

	(void)state;
	assert_int_equal(parse(&m, buf, ":"), IRC_ERR_BAD_SOURCE);
	assert_int_equal(parse(&m, buf, ": PRIVMSG x"), IRC_ERR_BAD_SOURCE);
	assert_int_equal(parse(&m, buf, ":src"), IRC_ERR_NO_COMMAND);
	assert_int_equal(parse(&m, buf, ":src   "), IRC_ERR_NO_COMMAND);
	assert_int_equal(parse(&m, buf, "@a=b"), IRC_ERR_NO_COMMAND);
	assert_int_equal(parse(&m, buf, "@a=b :src"), IRC_ERR_NO_COMMAND);
}

static void
trailing_colon_alone(void **state)
{
	char buf[64];
	struct irc_msg m;

	(void)state;
	assert_int_equal(parse(&m, buf, "PRIVMSG #c :"), IRC_OK);
	assert_int_equal(m.nparams, 2);
	assert_string_equal(m.params[1], "");
	assert_true(m.trailing);
	assert_int_equal(parse(&m, buf, "PRIVMSG :"), IRC_OK);
	assert_int_equal(m.nparams, 1);
	assert_string_equal(m.params[0], "");
}

static void
empty_params_collapse(void **state)
{
	char buf[64];
	struct irc_msg m;

	(void)state;
	assert_int_equal(parse(&m, buf, "JOIN    #a     "), IRC_OK);
	assert_int_equal(m.nparams, 1);
	assert_string_equal(m.params[0], "#a");
	assert_int_equal(parse(&m, buf, "JOIN #,#,,"), IRC_OK);
	assert_string_equal(m.params[0], "#,#,,");
}

static void
fifteen_params(void **state)
{
	char buf[256];
	struct irc_msg m;

	(void)state;
	assert_int_equal(parse(&m, buf, "C 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15"),
	    IRC_OK);
	assert_int_equal(m.nparams, 15);
	assert_string_equal(m.params[14], "15");
	assert_int_equal(parse(&m, buf,
	    "C 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17"), IRC_OK);
	assert_int_equal(m.nparams, 15);
	assert_string_equal(m.params[13], "14");
	assert_string_equal(m.params[14], "15 16 17");
	assert_int_equal(parse(&m, buf,
	    "C 1 2 3 4 5 6 7 8 9 10 11 12 13 14 :a b"), IRC_OK);
	assert_string_equal(m.params[14], "a b");
}

static void
line_length_bounds(void **state)
{
	char line[1024], buf[1024];
	struct irc_msg m;
	size_t n;

	(void)state;
	for (n = 509; n <= 513; n++) {
		memset(line, 'a', n);
		memcpy(line, "PRIVMSG #c :", 12);
		line[n] = '\0';
		/* 510 bytes + CRLF = 512: the most a line may hold */
		assert_int_equal(parse(&m, buf, line),
		    n <= 510 ? IRC_OK : IRC_ERR_TOO_LONG);
	}
}

static void
tags_do_not_count_toward_512(void **state)
{
	static char line[IRC_TAGS_MAX + 600], buf[sizeof(line)];
	struct irc_msg m;
	size_t t;

	(void)state;
	/* "@k=vvvv... " of exactly IRC_TAGS_MAX bytes, then 510 bytes */
	for (t = IRC_TAGS_MAX; t <= IRC_TAGS_MAX + 1; t++) {
		memset(line, 'v', sizeof(line));
		memcpy(line, "@k=", 3);
		line[t - 1] = ' ';
		memcpy(line + t, "PRIVMSG #c :", 12);
		line[t + 510] = '\0';
		assert_int_equal(parse(&m, buf, line), t == IRC_TAGS_MAX ?
		    IRC_OK : IRC_ERR_TAGS_TOO_LONG);
	}
}

static void
control_bytes_rejected(void **state)
{
	char buf[64] = "PRIVMSG #c :a\0b";
	struct irc_msg m;

	(void)state;
	assert_int_equal(irc_parse(&m, buf, 15), IRC_ERR_CTRL);
	memcpy(buf, "PRIVMSG #c :a\rb", 16);
	assert_int_equal(irc_parse(&m, buf, 15), IRC_ERR_CTRL);
	memcpy(buf, "PRIVMSG #c :a\nb", 16);
	assert_int_equal(irc_parse(&m, buf, 15), IRC_ERR_CTRL);
}

static void
command_shapes(void **state)
{
	char buf[64];
	struct irc_msg m;

	(void)state;
	assert_int_equal(parse(&m, buf, "001 nick :hi"), IRC_OK);
	assert_int_equal(parse(&m, buf, "privmsg x y"), IRC_OK);
	assert_int_equal(parse(&m, buf, "12 x"), IRC_ERR_BAD_COMMAND);
	assert_int_equal(parse(&m, buf, "0a1 x"), IRC_ERR_BAD_COMMAND);
	assert_int_equal(parse(&m, buf, "PRIV-MSG x"), IRC_ERR_BAD_COMMAND);
	assert_int_equal(parse(&m, buf, "1234 x"), IRC_ERR_BAD_COMMAND);
	assert_int_equal(parse(&m, buf, "\xc3\xa9t\xc3\xa9"),
	    IRC_ERR_BAD_COMMAND);
}

static void
malformed_tags(void **state)
{
	char buf[2048], line[2048];
	struct irc_msg m;
	size_t n = 1;
	int i;

	(void)state;
	assert_int_equal(parse(&m, buf, "@=v CMD"), IRC_ERR_BAD_TAG);
	assert_int_equal(parse(&m, buf, "@+ CMD"), IRC_ERR_BAD_TAG);
	/* a space ends the tags: "b=c" is then a (malformed) command */
	assert_int_equal(parse(&m, buf, "@a b=c CMD"), IRC_ERR_BAD_COMMAND);
	assert_int_equal(parse(&m, buf, "@k\xc3\xa9=1 CMD"), IRC_ERR_BAD_TAG);
	assert_int_equal(parse(&m, buf, "@a;;b; CMD"), IRC_OK);
	assert_int_equal(m.ntags, 2);
	line[0] = '@';
	for (i = 0; i < IRC_MAX_TAGS + 1; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "t%d;", i);
	snprintf(line + n, sizeof(line) - n, " CMD");
	assert_int_equal(parse(&m, buf, line), IRC_ERR_TOO_MANY_TAGS);
}

static void
tag_escape_round_trip(void **state)
{
	static const char *vals[] = { "", "plain", "a b", "semi;colon",
		"back\\slash", "cr\rlf\n", "\\s\\:", "mixed; \\\r\n end",
		"\xce\xb1\xce\xb2\xce\xb3" };
	char esc[256], copy[256];
	size_t i, n;

	(void)state;
	for (i = 0; i < NELEM(vals); i++) {
		n = irc_tag_escape(esc, sizeof(esc), vals[i]);
		assert_int_equal(n, strlen(esc));
		assert_null(strpbrk(esc, " ;\r\n"));
		memcpy(copy, esc, n + 1);
		irc_tag_unescape(copy);
		assert_string_equal(copy, vals[i]);
	}
}

static void
tag_unescape_oddities(void **state)
{
	char v1[] = "value\\", v2[] = "a\\bc", v3[] = "\\\\\\:";

	(void)state;
	irc_tag_unescape(v1);
	assert_string_equal(v1, "value");
	irc_tag_unescape(v2);
	assert_string_equal(v2, "abc");
	irc_tag_unescape(v3);
	assert_string_equal(v3, "\\;");
}

static void
tag_escape_truncates_safely(void **state)
{
	char small[4];

	(void)state;
	assert_int_equal(irc_tag_escape(small, sizeof(small), "a;b;c"), 7);
	assert_int_equal(strlen(small), 3);
}

static void
last_duplicate_tag_wins(void **state)
{
	char buf[128];
	struct irc_msg m;

	(void)state;
	assert_int_equal(parse(&m, buf, "@a=1;b;a=2 CMD"), IRC_OK);
	assert_string_equal(irc_msg_tag(&m, "a"), "2");
	assert_string_equal(irc_msg_tag(&m, "b"), "");
	assert_null(irc_msg_tag(&m, "c"));
}

static void
format_rules(void **state)
{
	char out[64], *p1[] = { "#c", "hello world" }, *p2[] = { "a b", "x" },
	    *p3[] = { "", "x" }, *p4[] = { "#c", ":x" }, *p5[] = { "x", "" };
	struct irc_msg m;
	enum irc_err e;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.command = "PRIVMSG";
	m.nparams = 2;
	memcpy(m.params, p1, sizeof(p1));
	assert_int_equal(irc_format(out, sizeof(out), &m, 0, &e), 23);
	assert_string_equal(out, "PRIVMSG #c :hello world");
	memcpy(m.params, p2, sizeof(p2));
	assert_int_equal(irc_format(out, sizeof(out), &m, 0, &e), -1);
	assert_int_equal(e, IRC_ERR_BAD_PARAM);
	memcpy(m.params, p3, sizeof(p3));
	assert_int_equal(irc_format(out, sizeof(out), &m, 0, &e), -1);
	memcpy(m.params, p4, sizeof(p4));
	irc_format(out, sizeof(out), &m, 0, &e);
	assert_string_equal(out, "PRIVMSG #c ::x");
	memcpy(m.params, p5, sizeof(p5));
	irc_format(out, sizeof(out), &m, 0, &e);
	assert_string_equal(out, "PRIVMSG x :");
}

static void
format_no_space(void **state)
{
	char out[8], *p[] = { "#channel" };
	struct irc_msg m;
	enum irc_err e;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.command = "JOIN";
	m.nparams = 1;
	memcpy(m.params, p, sizeof(p));
	assert_int_equal(irc_format(out, sizeof(out), &m, 0, &e), -1);
	assert_int_equal(e, IRC_ERR_NOSPACE);
	m.command = "J OIN";
	assert_int_equal(irc_format(out, sizeof(out), &m, 0, &e), -1);
	assert_int_equal(e, IRC_ERR_BAD_COMMAND);
}

static void
parse_format_round_trip(void **state)
{
	static const char *lines[] = {
		":nick!u@h PRIVMSG #chan :hello there",
		"@time=2026-11-27T10:00:00.000Z;+typing=active :n TAGMSG #c",
		"PING :irc.example.org", "CAP * LS :a b c", "NICK x",
		":s 353 me = #c :a b c",
	};
	char buf[512], out[512], buf2[512];
	struct irc_msg m, m2;
	enum irc_err e;
	size_t i, k;

	(void)state;
	/* parse -> format -> parse gives the same message */
	for (i = 0; i < NELEM(lines); i++) {
		assert_int_equal(parse(&m, buf, lines[i]), IRC_OK);
		assert_true(irc_format(out, sizeof(out), &m, 1, &e) > 0);
		assert_int_equal(parse(&m2, buf2, out), IRC_OK);
		assert_string_equal(m.command, m2.command);
		assert_int_equal(m.nparams, m2.nparams);
		assert_int_equal(m.ntags, m2.ntags);
		for (k = 0; k < m.nparams; k++)
			assert_string_equal(m.params[k], m2.params[k]);
		for (k = 0; k < m.ntags; k++)
			assert_string_equal(irc_msg_tag(&m, m.tags[k].key),
			    irc_msg_tag(&m2, m.tags[k].key));
	}
	/* and the canonical form is written back byte for byte */
	assert_int_equal(parse(&m, buf, "PING :irc.example.org"), IRC_OK);
	irc_format(out, sizeof(out), &m, 1, &e);
	assert_string_equal(out, "PING irc.example.org");
}

static void
strerror_total(void **state)
{
	(void)state;
	assert_string_equal(irc_strerror(IRC_ERR_TOO_LONG), "line too long");
	assert_string_equal(irc_strerror((enum irc_err)999), "unknown error");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vectors_split),
		cmocka_unit_test(vectors_join),
		cmocka_unit_test(vectors_userhost),
		cmocka_unit_test(empty_and_spaces),
		cmocka_unit_test(colon_alone),
		cmocka_unit_test(trailing_colon_alone),
		cmocka_unit_test(empty_params_collapse),
		cmocka_unit_test(fifteen_params),
		cmocka_unit_test(line_length_bounds),
		cmocka_unit_test(tags_do_not_count_toward_512),
		cmocka_unit_test(control_bytes_rejected),
		cmocka_unit_test(command_shapes),
		cmocka_unit_test(malformed_tags),
		cmocka_unit_test(tag_escape_round_trip),
		cmocka_unit_test(tag_unescape_oddities),
		cmocka_unit_test(tag_escape_truncates_safely),
		cmocka_unit_test(last_duplicate_tag_wins),
		cmocka_unit_test(format_rules),
		cmocka_unit_test(format_no_space),
		cmocka_unit_test(parse_format_round_trip),
		cmocka_unit_test(strerror_total),
	};

	return cmocka_run_group_tests_name("irc", tests, NULL, NULL);
}
