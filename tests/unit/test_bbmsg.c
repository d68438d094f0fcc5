/*
 * test_bbmsg.c -- the backbone's message bodies (src/server/pure/bbmsg.c):
 * round trips, and every kind of damage a foreign publisher could send.
 */
#include <stdint.h>
#include <string.h>

#include "unit.h"
#include "bbmsg.h"
#include "frame.h"

#define S(x)	x, sizeof(x) - 1

static struct bb_chan
sample_chan(void)
{
	struct bb_chan m;

	memset(&m, 0, sizeof(m));
	m.o.node = "host-1";
	m.o.nodelen = 6;
	m.o.boot = 0x0102030405060708ull;
	m.o.worker = 3;
	m.o.pid = 4242;
	m.o.lseq = 99;
	m.o.label = 7;
	m.o.oslot = 12;
	m.o.ogen = 5;
	m.o.kind = FRAME_K_PRIVMSG;
	m.o.flags = FRAME_F_SUB;
	m.o.sflags = FRAME_S_BOT;
	m.chan = "#Lobby";
	m.chanlen = 6;
	m.sslot = UINT32_MAX;
	m.tags = "+draft/react=x";
	m.tagslen = strlen(m.tags);
	m.line = ":alice!~a@h PRIVMSG #Lobby :hello there";
	m.linelen = strlen(m.line);
	m.account = "alice";
	m.accountlen = 5;
	return m;
}

static void
chan_round_trip(void **state)
{
	uint8_t buf[BB_MSG_MAX];
	struct bb_chan m = sample_chan(), r;
	const char *why = "unset";
	int n;

	(void)state;
	n = bbmsg_pack_chan(buf, sizeof(buf), &m);
	assert_true(n > 0);
	/* big-endian on the wire, whatever the host */
	assert_memory_equal(buf, "KCB\x01\x01\x00\x06host-1\x01\x02\x03", 14);
	assert_int_equal(bbmsg_type(buf, (size_t)n, &why), BB_CHAN);
	assert_int_equal(bbmsg_unpack_chan(buf, (size_t)n, &r, &why), 0);
	assert_null(why);
	assert_int_equal(r.o.boot, m.o.boot);
	assert_int_equal(r.o.worker, 3);
	assert_int_equal(r.o.pid, 4242);
	assert_int_equal(r.o.lseq, 99);
	assert_int_equal(r.o.label, 7);
	assert_int_equal(r.o.oslot, 12);
	assert_int_equal(r.o.ogen, 5);
	assert_int_equal(r.o.kind, FRAME_K_PRIVMSG);
	assert_int_equal(r.o.flags, FRAME_F_SUB);
	assert_int_equal(r.o.sflags, FRAME_S_BOT);
	assert_int_equal(r.sslot, UINT32_MAX);
	assert_int_equal(r.chanlen, 6);
	assert_memory_equal(r.chan, "#Lobby", 6);
	assert_int_equal(r.linelen, m.linelen);
	assert_memory_equal(r.line, m.line, m.linelen);
	assert_memory_equal(r.tags, m.tags, m.tagslen);
	assert_memory_equal(r.account, "alice", 5);
	assert_int_equal(r.extlen, 0);
	assert_int_equal(r.awaylen, 0);
	/* a relay's own line carries the relay's origin */
	m.o.worker = FRAME_ORIGIN_RELAY;
	m.o.kind = FRAME_K_MODE;
	m.line = ":op!~o@h MODE #Lobby +m";
	m.linelen = strlen(m.line);
	n = bbmsg_pack_chan(buf, sizeof(buf), &m);
	assert_int_equal(bbmsg_unpack_chan(buf, (size_t)n, &r, &why), 0);
	assert_int_equal(r.o.worker, FRAME_ORIGIN_RELAY);
}

static void
multi_round_trip(void **state)
{
	static struct bb_multi m, r;
	uint8_t buf[BB_MSG_MAX];
	const char *why;
	int n;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.o.node = "h2";
	m.o.nodelen = 2;
	m.o.kind = FRAME_K_QUIT;
	m.o.flags = FRAME_M_ALL;
	m.n = 2;
	m.ch[0].chan = "#a";
	m.ch[0].chanlen = 2;
	m.ch[0].flags = FRAME_F_UNSUB;
	m.ch[1].chan = "#b";
	m.ch[1].chanlen = 2;
	m.line = ":bob!~b@h QUIT :Quit: bye";
	m.linelen = strlen(m.line);
	n = bbmsg_pack_multi(buf, sizeof(buf), &m);
	assert_true(n > 0);
	assert_int_equal(bbmsg_type(buf, (size_t)n, &why), BB_MULTI);
	assert_int_equal(bbmsg_unpack_multi(buf, (size_t)n, &r, &why), 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.ch[0].flags, FRAME_F_UNSUB);
	assert_memory_equal(r.ch[1].chan, "#b", 2);
	assert_int_equal(r.o.flags, FRAME_M_ALL);
	/* read as the other type: refused */
	{
		struct bb_chan c;

		assert_int_equal(bbmsg_unpack_chan(buf, (size_t)n, &c, &why),
		    -1);
		assert_string_equal(why, "not a room message");
	}
	m.n = CHANS_PER_USER_MAX + 1;
	assert_int_equal(bbmsg_pack_multi(buf, sizeof(buf), &m), -1);
}

/* Pack m, let damage() change the bytes, and expect why. */
static void
refused(struct bb_chan *m, void (*damage)(uint8_t *, int *), const char *want)
{
	uint8_t buf[BB_MSG_MAX];
	struct bb_chan r;
	const char *why = NULL;
	int n = bbmsg_pack_chan(buf, sizeof(buf), m);

	if (n <= 0) {
		/* the writer refuses it already: fine, if that is expected */
		assert_string_equal(want, "pack");
		return;
	}
	if (damage != NULL)
		damage(buf, &n);
	assert_int_equal(bbmsg_unpack_chan(buf, (size_t)n, &r, &why), -1);
	assert_non_null(why);
	assert_string_equal(why, want);
}

static void dmg_magic(uint8_t *b, int *n) { (void)n; b[0] = 'X'; }
static void dmg_version(uint8_t *b, int *n) { (void)n; b[3] = 2; }
static void dmg_type(uint8_t *b, int *n) { (void)n; b[4] = 9; }
static void dmg_short(uint8_t *b, int *n) { (void)b; *n -= 3; }
static void dmg_trailing(uint8_t *b, int *n) { b[(*n)++] = 0; }
static void dmg_nul(uint8_t *b, int *n) { b[*n - 12] = '\0'; (void)n; }
static void dmg_worker(uint8_t *b, int *n) { (void)n; b[21] = 64; }

static void
damage(void **state)
{
	struct bb_chan m;

	(void)state;
	m = sample_chan();
	refused(&m, dmg_magic, "not a keochat message");
	refused(&m, dmg_version, "unknown version");
	refused(&m, dmg_type, "unknown type");
	refused(&m, dmg_short, "truncated");
	refused(&m, dmg_trailing, "trailing bytes");
	m.accountlen = 0;	/* the last string: the line's tail */
	m.account = NULL;
	refused(&m, dmg_nul, "control byte in a string");
	m = sample_chan();
	refused(&m, dmg_worker, "bad worker id");
	/* a line that says another command than its kind */
	m = sample_chan();
	m.line = ":alice!~a@h NOTICE #Lobby :hi";
	m.linelen = strlen(m.line);
	refused(&m, NULL, "line and kind disagree");
	m.line = ":alice!~a@h PRIVMSGX #Lobby :hi";
	m.linelen = strlen(m.line);
	refused(&m, NULL, "line and kind disagree");
	m.line = "alice PRIVMSG #Lobby :hi";
	m.linelen = strlen(m.line);
	refused(&m, NULL, "bad line");
	m.line = ":a PRIVMSG #x :one\r\n:evil PRIVMSG #x :two";
	m.linelen = strlen(m.line);
	refused(&m, NULL, "control byte in a string");
	m = sample_chan();
	m.o.kind = FRAME_K_KILL;	/* never crosses hosts */
	refused(&m, NULL, "bad kind");
	m = sample_chan();
	m.chan = "lobby";
	m.chanlen = 5;
	refused(&m, NULL, "bad room name");
	m.chan = "#a b";
	m.chanlen = 4;
	refused(&m, NULL, "bad room name");
	m = sample_chan();
	m.o.node = "a b";
	m.o.nodelen = 3;
	refused(&m, NULL, "bad node name");
	m.o.nodelen = 0;
	refused(&m, NULL, "pack");
	m = sample_chan();
	m.linelen = IRC_LINE_MAX;	/* over the bound: not even written */
	refused(&m, NULL, "pack");
	assert_int_equal(bbmsg_type((const uint8_t *)"KC", 2, &(const char *){
	    NULL }), -1);
}

static void
host_message(void **state)
{
	uint8_t buf[256];
	struct bb_host h = { "edge-3", 6, 77 }, r;
	const char *why;
	int n;

	(void)state;
	n = bbmsg_pack_host(buf, sizeof(buf), &h);
	assert_true(n > 0);
	assert_int_equal(bbmsg_type(buf, (size_t)n, &why), BB_HOST);
	assert_int_equal(bbmsg_unpack_host(buf, (size_t)n, &r, &why), 0);
	assert_int_equal(r.nodelen, 6);
	assert_memory_equal(r.node, "edge-3", 6);
	assert_int_equal(r.boot, 77);
	assert_int_equal(bbmsg_unpack_host(buf, (size_t)n - 1, &r, &why), -1);
	assert_string_equal(why, "truncated");
	h.nodelen = 0;
	assert_int_equal(bbmsg_pack_host(buf, sizeof(buf), &h), -1);
	assert_int_equal(bbmsg_pack_host(buf, 8, &(struct bb_host){ "x", 1,
	    0 }), -1);
}

static void
room_tokens(void **state)
{
	char tok[2 * CHAN_MAX + 1], small[4];

	(void)state;
	assert_int_equal(bbmsg_room_token("#A", tok, sizeof(tok)), 0);
	assert_string_equal(tok, "2361");
	/* rfc1459 casemapping: [ and { are one room */
	assert_int_equal(bbmsg_room_token("#[x]", tok, sizeof(tok)), 0);
	assert_string_equal(tok, "237b787d");
	assert_int_equal(bbmsg_room_token("#a.b*>", tok, sizeof(tok)), 0);
	assert_string_equal(tok, "23612e622a3e");
	assert_int_equal(bbmsg_room_token("#abc", small, sizeof(small)), -1);
	assert_int_equal(bbmsg_room_token("", tok, sizeof(tok)), -1);
}

static void
user_round_trip(void **state)
{
	uint8_t buf[BB_MSG_MAX];
	struct bb_chan c = sample_chan();
	struct bb_user m, r;
	const char *why = "unset";
	int n;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.o = c.o;
	m.o.flags = FRAME_U_ECHO;
	m.tnode = "host-2";
	m.tnodelen = 6;
	m.tboot = 77;
	m.tslot = 3;
	m.tgen = 9;
	m.line = ":alice!~a@h PRIVMSG Bob :psst";
	m.linelen = strlen(m.line);
	m.account = "alice";
	m.accountlen = 5;
	n = bbmsg_pack_user(buf, sizeof(buf), &m);
	assert_true(n > 0);
	assert_int_equal(bbmsg_type(buf, (size_t)n, &why), BB_USER);
	assert_int_equal(bbmsg_unpack_user(buf, (size_t)n, &r, &why), 0);
	assert_int_equal(r.tnodelen, 6);
	assert_memory_equal(r.tnode, "host-2", 6);
	assert_int_equal(r.tboot, 77);
	assert_int_equal(r.tslot, 3);
	assert_int_equal(r.tgen, 9);
	assert_int_equal(r.o.flags, FRAME_U_ECHO);
	assert_int_equal(r.linelen, m.linelen);
	assert_memory_equal(r.line, m.line, m.linelen);
	/* not a room message, and a room message is not one */
	assert_int_equal(bbmsg_unpack_chan(buf, (size_t)n, &c, &why), -1);
	/* only the private kinds, only the echo flag */
	m.o.kind = FRAME_K_JOIN;
	m.line = ":alice!~a@h JOIN #x";
	m.linelen = strlen(m.line);
	n = bbmsg_pack_user(buf, sizeof(buf), &m);
	assert_int_equal(bbmsg_unpack_user(buf, (size_t)n, &r, &why), -1);
	assert_string_equal(why, "bad kind for a private message");
	m.o.kind = FRAME_K_NOTICE;
	m.line = ":alice!~a@h NOTICE Bob :x";
	m.linelen = strlen(m.line);
	m.o.flags = FRAME_U_KEEP;
	n = bbmsg_pack_user(buf, sizeof(buf), &m);
	assert_int_equal(bbmsg_unpack_user(buf, (size_t)n, &r, &why), -1);
	assert_string_equal(why, "bad flags");
	/* the line must be the kind's, the target host must be named */
	m.o.flags = 0;
	m.line = ":alice!~a@h PRIVMSG Bob :x";
	m.linelen = strlen(m.line);
	n = bbmsg_pack_user(buf, sizeof(buf), &m);
	assert_int_equal(bbmsg_unpack_user(buf, (size_t)n, &r, &why), -1);
	m.tnodelen = 0;
	assert_int_equal(bbmsg_pack_user(buf, sizeof(buf), &m), -1);
}

static void
chanop_round_trip(void **state)
{
	uint8_t buf[BB_MSG_MAX];
	struct bb_chan c = sample_chan();
	struct bb_chanop m, r;
	const char *why = "unset";
	int n;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.o = c.o;
	m.o.kind = FRAME_K_MODE;
	m.o.sflags = FRAME_S_OPER;
	m.chan = "#Lobby";
	m.chanlen = 6;
	m.op = FRAME_OP_MODE;
	m.args = "+ob-k alice bob";
	m.argslen = strlen(m.args);
	n = bbmsg_pack_chanop(buf, sizeof(buf), &m);
	assert_true(n > 0);
	assert_int_equal(bbmsg_type(buf, (size_t)n, &why), BB_CHANOP);
	assert_int_equal(bbmsg_unpack_chanop(buf, (size_t)n, &r, &why), 0);
	assert_int_equal(r.op, FRAME_OP_MODE);
	assert_int_equal(r.o.sflags, FRAME_S_OPER);
	assert_int_equal(r.chanlen, 6);
	assert_memory_equal(r.chan, "#Lobby", 6);
	assert_int_equal(r.argslen, m.argslen);
	assert_memory_equal(r.args, m.args, m.argslen);
	/* an op out of range, a room that is not one, a line break */
	buf[n - 2 - (int)m.argslen - 1] = FRAME_OP_KIND_MAX;
	assert_int_equal(bbmsg_unpack_chanop(buf, (size_t)n, &r, &why), -1);
	assert_string_equal(why, "bad channel change");
	m.chan = "lobby";
	m.chanlen = 5;
	n = bbmsg_pack_chanop(buf, sizeof(buf), &m);
	assert_int_equal(bbmsg_unpack_chanop(buf, (size_t)n, &r, &why), -1);
	m.chan = "#Lobby";
	m.chanlen = 6;
	m.args = "x\r\nQUIT";
	m.argslen = strlen(m.args);
	n = bbmsg_pack_chanop(buf, sizeof(buf), &m);
	assert_int_equal(bbmsg_unpack_chanop(buf, (size_t)n, &r, &why), -1);
	m.op = 0;
	assert_int_equal(bbmsg_pack_chanop(buf, sizeof(buf), &m), -1);
}

/* A registration told to the other hosts: a MULTI of no room. */
static void
online_message(void **state)
{
	static struct bb_multi m, r;
	uint8_t buf[BB_MSG_MAX];
	struct bb_chan c = sample_chan();
	const char *why = "unset";
	int n;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.o = c.o;
	m.o.kind = FRAME_K_ONLINE;
	m.o.flags = FRAME_M_ALL;
	m.line = ":alice!~a@h ONLINE :Alice A.";
	m.linelen = strlen(m.line);
	n = bbmsg_pack_multi(buf, sizeof(buf), &m);
	assert_true(n > 0);
	assert_int_equal(bbmsg_unpack_multi(buf, (size_t)n, &r, &why), 0);
	assert_int_equal(r.o.kind, FRAME_K_ONLINE);
	assert_int_equal(r.n, 0);
	/* the line must say ONLINE */
	m.line = ":alice!~a@h QUIT :x";
	m.linelen = strlen(m.line);
	n = bbmsg_pack_multi(buf, sizeof(buf), &m);
	assert_int_equal(bbmsg_unpack_multi(buf, (size_t)n, &r, &why), -1);
	assert_string_equal(why, "line and kind disagree");
}

static void
nick_keys(void **state)
{
	char key[2 * NICK_MAX + 1], nick[NICK_MAX + 2];

	(void)state;
	/* KE0 and ke0 are one nick; so are [ and { */
	assert_int_equal(bbmsg_nick_key("KE0", key, sizeof(key)), 0);
	assert_string_equal(key, "6b6530");
	assert_int_equal(bbmsg_nick_key("a[b]", key, sizeof(key)), 0);
	assert_string_equal(key, "617b627d");
	/* a nick may be longer than a room name, not longer than NICK_MAX */
	memset(nick, 'n', NICK_MAX);
	nick[NICK_MAX] = '\0';
	assert_int_equal(bbmsg_nick_key(nick, key, sizeof(key)), 0);
	assert_int_equal(strlen(key), 2 * NICK_MAX);
	nick[NICK_MAX] = 'n';
	nick[NICK_MAX + 1] = '\0';
	assert_int_equal(bbmsg_nick_key(nick, key, sizeof(key)), -1);
	assert_int_equal(bbmsg_nick_key("", key, sizeof(key)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(chan_round_trip),
		cmocka_unit_test(nick_keys),
		cmocka_unit_test(user_round_trip),
		cmocka_unit_test(chanop_round_trip),
		cmocka_unit_test(online_message),
		cmocka_unit_test(multi_round_trip),
		cmocka_unit_test(damage),
		cmocka_unit_test(host_message),
		cmocka_unit_test(room_tokens),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
