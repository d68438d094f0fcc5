/*
 * test_chanmode.c -- the channel mode parser, applying modes to a roster
 * channel, formatting what was applied, and chanop.c: MODE, TOPIC and
 * KICK as the relay applies them, with the frames they produce.
 */
#include <stdio.h>
#include <stdlib.h>

#include "unit.h"
#include "chanmode.h"
#include "chanop.h"
#include "roster.h"

struct fixture {
	void		*mem;
	size_t		 size;
	struct roster	*r;
	int32_t		 op, member, outsider, chan;
};

static const uint8_t ip[16] = { [10] = 0xff, [11] = 0xff, 10, 0, 0, 1 };

static int32_t
user(struct roster *r, const char *nick)
{
	enum roster_err e;
	int32_t s = roster_user_new(r, 1, 100, ip, "10.0.0.1", 0, &e);

	assert_true(s >= 0);
	assert_int_equal(roster_user_set_nick(r, s, nick), ROSTER_OK);
	roster_user_register(r, s, "~u", "Real", 1);
	return s;
}

/* #c with op (its creator, so @) and member; outsider is registered
 * but not in it. */
static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[128];
	int created;

	f->size = roster_size(64, 16);
	assert_non_null(f->mem = calloc(1, f->size));
	assert_int_equal(roster_init(f->mem, f->size, 64, 16, 2), 0);
	assert_non_null(f->r = roster_attach(f->mem, f->size, err,
	    sizeof(err)));
	assert_int_equal(roster_lock(f->r), 0);
	f->op = user(f->r, "op");
	f->member = user(f->r, "member");
	f->outsider = user(f->r, "outsider");
	assert_int_equal(roster_join(f->r, f->op, "#c", 10, 5, &f->chan,
	    &created), ROSTER_OK);
	assert_int_equal(created, 1);
	assert_int_equal(roster_join(f->r, f->member, "#c", 10, 5, &f->chan,
	    &created), ROSTER_OK);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	roster_unlock(f->r);
	roster_detach(f->r);
	free(f->mem);
	free(f);
	return 0;
}

static void
parse(const char *modes, const char *params, struct chanmode_parse *p)
{
	static char buf[512];
	char *argv[32], *save = NULL, *t;
	unsigned n = 0;

	snprintf(buf, sizeof(buf), "%s", params);
	for (t = strtok_r(buf, " ", &save); t != NULL && n < 32;
	    t = strtok_r(NULL, " ", &save))
		argv[n++] = t;
	chanmode_parse(modes, argv, n, p);
}

/* --- the parser ---------------------------------------------------------- */

static void
parse_several_of_one_kind(void **state)
{
	struct chanmode_parse p;

	(void)state;
	parse("+ooo", "a b c", &p);
	assert_int_equal(p.n, 3);
	assert_int_equal(p.nbad, 0);
	assert_string_equal(p.ch[0].param, "a");
	assert_string_equal(p.ch[2].param, "c");
	assert_int_equal(p.ch[1].sign, '+');
	assert_int_equal(p.ch[1].letter, 'o');
	parse("+o-v+t", "a b", &p);
	assert_int_equal(p.n, 3);
	assert_int_equal(p.ch[1].sign, '-');
	assert_int_equal(p.ch[1].letter, 'v');
	assert_string_equal(p.ch[1].param, "b");
	assert_null(p.ch[2].param);
	/* parameters past what the modes take are ignored */
	parse("+n", "extra words", &p);
	assert_int_equal(p.n, 1);
	assert_null(p.ch[0].param);
}

static void
parse_missing_parameters(void **state)
{
	struct chanmode_parse p;

	(void)state;
	parse("+oo", "a", &p);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.nbad, 1);
	assert_int_equal(p.bad[0].err, CHANMODE_NEEDPARAM);
	assert_int_equal(p.bad[0].letter, 'o');
	parse("+k", "", &p);			/* +k needs a key ... */
	assert_int_equal(p.n, 0);
	assert_int_equal(p.bad[0].err, CHANMODE_NEEDPARAM);
	parse("-k", "", &p);			/* ... -k does not */
	assert_int_equal(p.n, 1);
	assert_null(p.ch[0].param);
	parse("+l", "", &p);
	assert_int_equal(p.bad[0].err, CHANMODE_NEEDPARAM);
	parse("-l", "", &p);			/* -l never takes one */
	assert_int_equal(p.n, 1);
	parse("-l+v", "x", &p);
	assert_int_equal(p.n, 2);
	assert_string_equal(p.ch[1].param, "x");
}

static void
parse_lists_are_queries_without_a_mask(void **state)
{
	struct chanmode_parse p;

	(void)state;
	parse("b", "", &p);
	assert_int_equal(p.n, 0);
	assert_string_equal(p.lists, "b");
	parse("+beIb", "", &p);
	assert_string_equal(p.lists, "beI");
	parse("+b", "x!*@*", &p);
	assert_int_equal(p.n, 1);
	assert_string_equal(p.lists, "");
}

static void
parse_unknown_and_too_many(void **state)
{
	struct chanmode_parse p;
	char many[200];
	unsigned i;

	(void)state;
	parse("+Xn-Y", "", &p);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.nbad, 2);
	assert_int_equal(p.bad[0].err, CHANMODE_UNKNOWN);
	assert_int_equal(p.bad[0].letter, 'X');
	assert_int_equal(p.bad[1].sign, '-');
	for (i = 0; i < 150; i++)
		many[i] = i % 2 ? 'i' : 'm';
	many[150] = '\0';
	parse(many, "", &p);
	assert_int_equal(p.n, MODES_MAX);
	assert_int_equal(p.dropped, 150 - MODES_MAX);
	/* thousands of unknown letters: bounded too */
	memset(many, 'Z', sizeof(many) - 1);
	many[sizeof(many) - 1] = '\0';
	parse(many, "", &p);
	assert_int_equal(p.nbad, MODES_MAX);
	parse("", "", &p);
	assert_int_equal(p.n + p.nbad, 0);
	parse("+-+-", "", &p);
	assert_int_equal(p.n + p.nbad, 0);
}

/* --- applying ------------------------------------------------------------ */

static enum chanmode_err
apply1(struct fixture *f, char sign, char letter, const char *param,
    struct chanmode_done *d)
{
	struct chanmode_change c = { sign, letter, param };

	return chanmode_apply(f->r, f->chan, &c, "op", 7, d);
}

static void
apply_flags_key_limit(void **state)
{
	struct fixture *f = *state;
	struct chanmode_done d;
	char shown[64];

	chanmode_show(f->r, f->chan, 1, shown, sizeof(shown));
	assert_string_equal(shown, "+nt");	/* a new channel's modes */
	assert_int_equal(apply1(f, '+', 'n', NULL, &d), CHANMODE_NOCHANGE);
	assert_int_equal(apply1(f, '+', 'm', NULL, &d), CHANMODE_OK);
	assert_int_equal(apply1(f, '-', 't', NULL, &d), CHANMODE_OK);
	assert_int_equal(apply1(f, '+', 'k', "sesame", &d), CHANMODE_OK);
	assert_string_equal(d.param, "sesame");
	assert_int_equal(apply1(f, '+', 'k', "other", &d), CHANMODE_KEYSET);
	assert_int_equal(apply1(f, '+', 'k', "", &d), CHANMODE_KEYSET);
	assert_int_equal(apply1(f, '+', 'l', "0", &d), CHANMODE_BADPARAM);
	assert_int_equal(apply1(f, '+', 'l', "12x", &d), CHANMODE_BADPARAM);
	assert_int_equal(apply1(f, '+', 'l', "99999999999", &d),
	    CHANMODE_BADPARAM);
	assert_int_equal(apply1(f, '+', 'l', "12", &d), CHANMODE_OK);
	assert_int_equal(apply1(f, '+', 'l', "12", &d), CHANMODE_NOCHANGE);
	chanmode_show(f->r, f->chan, 1, shown, sizeof(shown));
	assert_string_equal(shown, "+mnkl sesame 12");
	chanmode_show(f->r, f->chan, 0, shown, sizeof(shown));
	assert_string_equal(shown, "+mnkl");	/* no key for outsiders */
	assert_int_equal(apply1(f, '-', 'k', NULL, &d), CHANMODE_OK);
	assert_string_equal(d.param, "sesame");	/* -k shows the key */
	assert_int_equal(apply1(f, '-', 'k', "x", &d), CHANMODE_NOCHANGE);
	assert_int_equal(apply1(f, '-', 'l', NULL, &d), CHANMODE_OK);
}

static void
apply_keys_that_cannot_be(void **state)
{
	struct fixture *f = *state;
	struct chanmode_done d;
	char longkey[KEY_MAX + 2];

	memset(longkey, 'k', sizeof(longkey) - 1);
	longkey[sizeof(longkey) - 1] = '\0';
	assert_int_equal(apply1(f, '+', 'k', longkey, &d), CHANMODE_BADPARAM);
	assert_int_equal(apply1(f, '+', 'k', "a,b", &d), CHANMODE_BADPARAM);
	assert_int_equal(apply1(f, '+', 'k', "a\x01", &d), CHANMODE_BADPARAM);
	longkey[KEY_MAX] = '\0';
	assert_int_equal(apply1(f, '+', 'k', longkey, &d), CHANMODE_OK);
}

static void
apply_privileges(void **state)
{
	struct fixture *f = *state;
	struct chanmode_done d;

	assert_int_equal(apply1(f, '+', 'o', "MEMBER", &d), CHANMODE_OK);
	assert_string_equal(d.param, "member");	/* the nick as it is */
	assert_int_equal(d.slot, f->member);
	assert_int_equal(roster_member_priv(f->r, f->member, f->chan),
	    MEMBER_OP);
	assert_int_equal(apply1(f, '+', 'o', "member", &d), CHANMODE_NOCHANGE);
	assert_int_equal(apply1(f, '+', 'v', "member", &d), CHANMODE_OK);
	assert_int_equal(roster_member_priv(f->r, f->member, f->chan),
	    MEMBER_OP | MEMBER_VOICE);
	assert_int_equal(apply1(f, '-', 'o', "member", &d), CHANMODE_OK);
	assert_int_equal(roster_member_priv(f->r, f->member, f->chan),
	    MEMBER_VOICE);
	assert_int_equal(apply1(f, '+', 'o', "outsider", &d),
	    CHANMODE_NOTONCHAN);
	assert_int_equal(apply1(f, '+', 'v', "nobody", &d),
	    CHANMODE_NOSUCHNICK);
}

static void
apply_lists_up_to_maxlist(void **state)
{
	struct fixture *f = *state;
	struct chanmode_done d;
	char mask[32];
	int i;

	assert_int_equal(apply1(f, '+', 'b', "Bad", &d), CHANMODE_OK);
	assert_string_equal(d.param, "Bad!*@*");	/* normalised */
	assert_int_equal(apply1(f, '+', 'b', "bad!*@*", &d),
	    CHANMODE_NOCHANGE);			/* the same, casemapped */
	assert_int_equal(apply1(f, '+', 'e', "bad!*@*", &d), CHANMODE_OK);
	assert_int_equal(apply1(f, '+', 'I', "*@10.0.0.*", &d), CHANMODE_OK);
	assert_string_equal(d.param, "*!*@10.0.0.*");
	assert_int_equal(apply1(f, '+', 'b', "a b", &d), CHANMODE_BADPARAM);
	assert_int_equal(apply1(f, '-', 'b', "nothere!*@*", &d),
	    CHANMODE_NOCHANGE);
	for (i = 3; i < LIST_MAX; i++) {
		snprintf(mask, sizeof(mask), "n%d!*@*", i);
		assert_int_equal(apply1(f, '+', 'b', mask, &d), CHANMODE_OK);
	}
	assert_int_equal(apply1(f, '+', 'e', "one!more@*", &d),
	    CHANMODE_LISTFULL);		/* b + e + I share MAXLIST */
	assert_int_equal(apply1(f, '-', 'b', "BAD!*@*", &d), CHANMODE_OK);
	assert_int_equal(apply1(f, '+', 'e', "one!more@*", &d), CHANMODE_OK);
}

static void
format_splits_long_changes(void **state)
{
	struct chanmode_done d[4];
	char modes[64], params[512];
	unsigned at = 0, i;

	(void)state;
	for (i = 0; i < 4; i++) {
		d[i].sign = i < 2 ? '+' : '-';
		d[i].letter = 'b';
		memset(d[i].param, 'x', 100);
		d[i].param[100] = '\0';
		d[i].slot = -1;
	}
	assert_int_equal(chanmode_format(d, 4, &at, 250, modes,
	    sizeof(modes), params, sizeof(params)), 0);
	assert_string_equal(modes, "+bb");
	assert_int_equal(at, 2);
	assert_int_equal(chanmode_format(d, 4, &at, 250, modes,
	    sizeof(modes), params, sizeof(params)), 0);
	assert_string_equal(modes, "-bb");
	assert_int_equal(chanmode_format(d, 4, &at, 250, modes,
	    sizeof(modes), params, sizeof(params)), -1);
}

/* --- chanop: what the relay applies -------------------------------------- */

struct captured {
	char	 chan[8][600];
	unsigned nchan;
	uint32_t sslot[8];
	char	 user[32][600];
	unsigned nuser;
};

static void
cap_chan(const struct frame_chan *f, void *arg)
{
	struct captured *c = arg;

	if (c->nchan < 8) {
		c->sslot[c->nchan] = f->sslot;
		snprintf(c->chan[c->nchan++], 600, "%.*s", (int)f->linelen,
		    f->line);
	}
}

static void
cap_user(const struct frame_user *f, void *arg)
{
	struct captured *c = arg;

	assert_int_equal(f->kind, FRAME_K_REPLY);
	if (c->nuser < 32)
		snprintf(c->user[c->nuser++], 600, "%.*s", (int)f->linelen,
		    f->line);
}

static void
chanop(struct fixture *f, int32_t who, enum frame_chanop_kind op,
    const char *args, struct captured *c, struct chanop_result *res)
{
	const struct chanop_out out = { cap_chan, cap_user, c };
	struct frame_chanop fr;

	memset(c, 0, sizeof(*c));
	memset(&fr, 0, sizeof(fr));
	fr.chan = (uint32_t)f->chan;
	fr.gen = roster_chan(f->r, f->chan)->gen;
	fr.oslot = (uint32_t)who;
	fr.ogen = roster_user(f->r, who)->gen;
	fr.op = (uint8_t)op;
	fr.args = args;
	fr.argslen = strlen(args);
	assert_int_equal(chanop_apply(f->r, &fr, "irc.test", 9, &out, res),
	    0);
}

static void
chanop_mode_as_one_line_in_order(void **state)
{
	struct fixture *f = *state;
	struct chanop_result res;
	struct captured c;

	chanop(f, f->op, FRAME_OP_MODE, "+o-t+vk member member key", &c, &res);
	assert_int_equal(c.nchan, 1);
	assert_string_equal(c.chan[0], ":op!~u@10.0.0.1 MODE #c +o-t+vk member "
	    "member key");
	assert_int_equal(c.nuser, 0);
	assert_true(res.applied);
	assert_false(res.override);
	/* what cannot be applied is answered, the rest goes on */
	chanop(f, f->op, FRAME_OP_MODE, "+vvk outsider nobody other", &c,
	    &res);
	assert_int_equal(c.nchan, 0);
	assert_int_equal(c.nuser, 3);
	assert_string_equal(c.user[0], ":irc.test 441 op outsider #c :They "
	    "aren't on that channel");
	assert_string_equal(c.user[1], ":irc.test 401 op nobody :No such "
	    "nick/channel");
	assert_string_equal(c.user[2], ":irc.test 467 op #c :Channel key "
	    "already set");
}

static void
chanop_rechecks_privileges_in_its_order(void **state)
{
	struct fixture *f = *state;
	struct chanop_result res;
	struct captured c;

	/* member asks while it is no op: refused, whatever its worker
	 * thought a moment before */
	chanop(f, f->member, FRAME_OP_MODE, "+m", &c, &res);
	assert_int_equal(c.nchan, 0);
	assert_string_equal(c.user[0], ":irc.test 482 member #c :You're not "
	    "channel operator");
	chanop(f, f->outsider, FRAME_OP_KICK, "member", &c, &res);
	assert_string_equal(c.user[0], ":irc.test 442 outsider #c :You're not "
	    "on that channel");
	/* two ops deop each other: the first applied wins */
	chanop(f, f->op, FRAME_OP_MODE, "+o member", &c, &res);
	chanop(f, f->member, FRAME_OP_MODE, "-o op", &c, &res);
	assert_int_equal(c.nchan, 1);
	chanop(f, f->op, FRAME_OP_MODE, "-o member", &c, &res);
	assert_int_equal(c.nchan, 0);
	assert_int_equal(c.nuser, 1);
	assert_int_equal(roster_member_priv(f->r, f->member, f->chan),
	    MEMBER_OP);
	assert_int_equal(roster_member_priv(f->r, f->op, f->chan), 0);
}

static void
chanop_kick_and_topic(void **state)
{
	struct fixture *f = *state;
	struct chanop_result res;
	struct captured c;

	chanop(f, f->member, FRAME_OP_TOPIC, "mine", &c, &res);	/* +t */
	assert_string_equal(c.user[0], ":irc.test 482 member #c :You're not "
	    "channel operator");
	chanop(f, f->op, FRAME_OP_TOPIC, "the topic", &c, &res);
	assert_string_equal(c.chan[0], ":op!~u@10.0.0.1 TOPIC #c :the topic");
	assert_string_equal(roster_chan(f->r, f->chan)->topic, "the topic");
	chanop(f, f->op, FRAME_OP_KICK, "outsider", &c, &res);
	assert_string_equal(c.user[0], ":irc.test 441 op outsider #c :They "
	    "aren't on that channel");
	chanop(f, f->op, FRAME_OP_KICK, "MEMBER go away", &c, &res);
	assert_string_equal(c.chan[0], ":op!~u@10.0.0.1 KICK #c member :go "
	    "away");
	assert_int_equal(c.sslot[0], (uint32_t)f->member);
	assert_false(roster_is_member(f->r, f->member, f->chan));
	chanop(f, f->op, FRAME_OP_KICK, "op", &c, &res);	/* itself */
	assert_string_equal(c.chan[0], ":op!~u@10.0.0.1 KICK #c op :op");
}

static void
chanop_oper_overrides(void **state)
{
	struct fixture *f = *state;
	struct chanop_result res;
	struct captured c;

	roster_user_set_flag(f->r, f->outsider, ROSTER_UF_OPER, 1);
	chanop(f, f->outsider, FRAME_OP_MODE, "+s", &c, &res);
	assert_int_equal(c.nchan, 1);
	assert_true(res.override);
	assert_string_equal(res.who, "outsider");
	chanop(f, f->outsider, FRAME_OP_KICK, "member :bye", &c, &res);
	assert_int_equal(c.nchan, 1);
	assert_true(res.override);
}

static void
chanop_refuses_malformed_and_stale(void **state)
{
	struct fixture *f = *state;
	const struct chanop_out out = { cap_chan, cap_user, NULL };
	struct chanop_result res;
	struct frame_chanop fr;

	memset(&fr, 0, sizeof(fr));
	fr.chan = (uint32_t)f->chan;
	fr.gen = roster_chan(f->r, f->chan)->gen;
	fr.oslot = (uint32_t)f->op;
	fr.ogen = roster_user(f->r, f->op)->gen;
	fr.op = FRAME_OP_KIND_MAX;
	fr.args = "+m";
	fr.argslen = 2;
	assert_int_equal(chanop_apply(f->r, &fr, "s", 1, &out, &res), -1);
	fr.op = FRAME_OP_MODE;
	fr.gen++;			/* the channel was recreated meanwhile */
	assert_int_equal(chanop_apply(f->r, &fr, "s", 1, &out, &res), 0);
	assert_false(res.applied);
	fr.gen--;
	fr.ogen++;			/* the user went meanwhile */
	assert_int_equal(chanop_apply(f->r, &fr, "s", 1, &out, &res), 0);
	assert_false(res.applied);
}

int
main(void)
{
#define T(fn)	cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_several_of_one_kind),
		cmocka_unit_test(parse_missing_parameters),
		cmocka_unit_test(parse_lists_are_queries_without_a_mask),
		cmocka_unit_test(parse_unknown_and_too_many),
		T(apply_flags_key_limit),
		T(apply_keys_that_cannot_be),
		T(apply_privileges),
		T(apply_lists_up_to_maxlist),
		cmocka_unit_test(format_splits_long_changes),
		T(chanop_mode_as_one_line_in_order),
		T(chanop_rechecks_privileges_in_its_order),
		T(chanop_kick_and_topic),
		T(chanop_oper_overrides),
		T(chanop_refuses_malformed_and_stale),
	};
#undef T

	return cmocka_run_group_tests_name("chanmode", tests, NULL, NULL);
}
