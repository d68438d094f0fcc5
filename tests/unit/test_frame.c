/*
 * test_frame.c -- the frame codec: for every frame type a round trip, a
 * refusal at every truncation, of trailing bytes and of the wrong type;
 * every range the codec enforces; headers that lie; stamps; packets.
 */
#include <stdio.h>
#include <stdlib.h>

#include "unit.h"
#include "frame.h"

static uint8_t buf[FRAME_MAX + 64];

static const struct frame_stamp stamp0 = { 17, 0, 0, 0, 4242, 9, 3,
    FRAME_S_BOT };

static int
pack_chan(void *b, size_t cap)
{
	struct frame_chan f = { .st = stamp0, .chan = 7, .gen = 3, .oslot = 42,
	    .ogen = 9, .kind = FRAME_K_PRIVMSG, .flags = FRAME_F_SUB,
	    .tags = "+a=b", .tagslen = 4, .line = ":n!u@h PRIVMSG #c :hi",
	    .linelen = 21, .ext = " * :Real", .extlen = 8, .away = "gone",
	    .awaylen = 4, .account = "", .accountlen = 0 };

	return frame_pack_chan(b, cap, &f);
}

static int
pack_user(void *b, size_t cap)
{
	struct frame_user f = { .st = stamp0, .target = 2, .tslot = 11,
	    .tgen = 5, .oslot = 42, .ogen = 9, .kind = FRAME_K_NOTICE,
	    .uflags = FRAME_U_ECHO, .tags = "", .tagslen = 0,
	    .line = ":n!u@h NOTICE bob :x", .linelen = 20, .account = "",
	    .accountlen = 0 };

	return frame_pack_user(b, cap, &f);
}

static int
pack_multi(void *b, size_t cap)
{
	static struct frame_multi f;

	memset(&f, 0, sizeof(f));
	f.st = stamp0;
	f.oslot = 42;
	f.ogen = 9;
	f.kind = FRAME_K_QUIT;
	f.n = 3;
	f.ch[0] = (struct frame_multi_chan){ 1, 1, 0 };
	f.ch[1] = (struct frame_multi_chan){ 2, 5, FRAME_F_UNSUB };
	f.ch[2] = (struct frame_multi_chan){ 31, 7, 0 };
	f.line = ":n!u@h QUIT :bye";
	f.linelen = 16;
	return frame_pack_multi(b, cap, &f);
}

static int
pack_chanop(void *b, size_t cap)
{
	struct frame_chanop f = { stamp0, 5, 2, 42, 9, FRAME_OP_MODE,
	    "+ob-k nick *!*@x", 16 };

	return frame_pack_chanop(b, cap, &f);
}

static int
pack_labeldone(void *b, size_t cap)
{
	struct frame_labeldone f = { stamp0, 42, 9 };

	return frame_pack_labeldone(b, cap, &f);
}

static int
pack_nick(void *b, size_t cap)
{
	struct frame_nick f = { stamp0, 42, 9, FRAME_NICK_CLAIM, "KE0", 3 };

	return frame_pack_nick(b, cap, &f);
}

static int
pack_rehash(void *b, size_t cap)
{
	return frame_pack_rehash(b, cap);
}

static int
pack_sub(void *b, size_t cap)
{
	struct frame_sub f = { stamp0, 12, 4 };

	return frame_pack_sub(b, cap, FRAME_SUB, &f);
}

static int
pack_unsub(void *b, size_t cap)
{
	struct frame_sub f = { stamp0, 12, 4 };

	return frame_pack_sub(b, cap, FRAME_UNSUB, &f);
}

static int
pack_ready(void *b, size_t cap)
{
	struct frame_ready f = { 99 };

	return frame_pack_ready(b, cap, &f);
}

static int
pack_heartbeat(void *b, size_t cap)
{
	struct frame_heartbeat f = { 5, 6 };

	return frame_pack_heartbeat(b, cap, &f);
}

static int
pack_shutdown(void *b, size_t cap)
{
	return frame_pack_shutdown(b, cap);
}

static int
pack_reload(void *b, size_t cap)
{
	static struct frame_reload f;

	config_defaults(&f.cfg);
	f.gen = 3;
	f.motd = "hello\nworld";
	f.motdlen = 11;
	return frame_pack_reload(b, cap, &f);
}

static int
pack_reloaded(void *b, size_t cap)
{
	struct frame_reloaded f = { 7 };

	return frame_pack_reloaded(b, cap, &f);
}

static int
pack_worker_gone(void *b, size_t cap)
{
	struct frame_worker_gone f = { 3, 1234 };

	return frame_pack_worker_gone(b, cap, &f);
}

static int
pack_replace(void *b, size_t cap)
{
	struct frame_replace f = { 3, 1234, "took no messages", 16 };

	return frame_pack_replace(b, cap, &f);
}

static int
pack_hello(void *b, size_t cap)
{
	struct frame_hello f = { FRAME_VERSION, 2, 777 };

	return frame_pack_hello(b, cap, &f);
}

static int
pack_synced(void *b, size_t cap)
{
	struct frame_synced f = { 12 };

	return frame_pack_synced(b, cap, &f);
}

static int
pack_ack(void *b, size_t cap)
{
	struct frame_ack f = { 123456789012ULL };

	return frame_pack_ack(b, cap, &f);
}

/* Unpack buf as whatever its header says; 0 or -1 with *err. */
static int
unpack_as(unsigned type, const void *b, size_t len, enum frame_err *err)
{
	static struct frame_reload rl;
	static struct frame_multi mu;
	struct frame_chan ch;
	struct frame_user us;
	struct frame_sub su;
	struct frame_ready re;
	struct frame_heartbeat hb;
	struct frame_reloaded rd;
	struct frame_worker_gone wg;
	struct frame_replace rp;
	struct frame_hello he;
	struct frame_synced sy;
	struct frame_ack ac;
	struct frame_chanop co;
	struct frame_labeldone ld;
	struct frame_nick ni;

	switch (type) {
	case FRAME_NICK: return frame_unpack_nick(b, len, &ni, err);
	case FRAME_CHANOP: return frame_unpack_chanop(b, len, &co, err);
	case FRAME_LABELDONE: return frame_unpack_labeldone(b, len, &ld, err);
	case FRAME_REHASH: return frame_unpack_rehash(b, len, err);
	case FRAME_RELOADED: return frame_unpack_reloaded(b, len, &rd, err);
	case FRAME_READY: return frame_unpack_ready(b, len, &re, err);
	case FRAME_HEARTBEAT: return frame_unpack_heartbeat(b, len, &hb, err);
	case FRAME_SHUTDOWN: return frame_unpack_shutdown(b, len, err);
	case FRAME_RELOAD: return frame_unpack_reload(b, len, &rl, err);
	case FRAME_WORKER_GONE:
		return frame_unpack_worker_gone(b, len, &wg, err);
	case FRAME_REPLACE: return frame_unpack_replace(b, len, &rp, err);
	case FRAME_HELLO: return frame_unpack_hello(b, len, &he, err);
	case FRAME_SYNCED: return frame_unpack_synced(b, len, &sy, err);
	case FRAME_ACK: return frame_unpack_ack(b, len, &ac, err);
	case FRAME_SUB:
	case FRAME_UNSUB: return frame_unpack_sub(b, len, &su, err);
	case FRAME_CHAN: return frame_unpack_chan(b, len, &ch, err);
	case FRAME_USER: return frame_unpack_user(b, len, &us, err);
	case FRAME_MULTI: return frame_unpack_multi(b, len, &mu, err);
	}
	*err = FRAME_E_TYPE;
	return -1;
}

static const struct sample {
	unsigned type;
	int	(*pack)(void *, size_t);
} samples[] = {
	{ FRAME_READY, pack_ready },
	{ FRAME_HEARTBEAT, pack_heartbeat },
	{ FRAME_SHUTDOWN, pack_shutdown },
	{ FRAME_RELOAD, pack_reload },
	{ FRAME_RELOADED, pack_reloaded },
	{ FRAME_WORKER_GONE, pack_worker_gone },
	{ FRAME_REPLACE, pack_replace },
	{ FRAME_HELLO, pack_hello },
	{ FRAME_SYNCED, pack_synced },
	{ FRAME_ACK, pack_ack },
	{ FRAME_SUB, pack_sub },
	{ FRAME_UNSUB, pack_unsub },
	{ FRAME_CHAN, pack_chan },
	{ FRAME_USER, pack_user },
	{ FRAME_MULTI, pack_multi },
	{ FRAME_CHANOP, pack_chanop },
	{ FRAME_LABELDONE, pack_labeldone },
	{ FRAME_REHASH, pack_rehash },
	{ FRAME_NICK, pack_nick },
};

static void
every_type_round_trips(void **state)
{
	enum frame_err err;
	size_t i;
	int n;

	(void)state;
	assert_int_equal(NELEM(samples), FRAME_TYPE_MAX - 1);
	for (i = 0; i < NELEM(samples); i++) {
		n = samples[i].pack(buf, sizeof(buf));
		assert_true(n >= FRAME_HDR_SIZE);
		assert_int_equal(frame_open(buf, (size_t)n, &err),
		    (int)samples[i].type);
		assert_int_equal(frame_len(buf), (size_t)n);
		assert_int_equal(unpack_as(samples[i].type, buf, (size_t)n,
		    &err), 0);
		assert_int_equal(err, FRAME_OK);
	}
}

static void
every_truncation_is_refused(void **state)
{
	enum frame_err err;
	uint32_t plen;
	size_t i, cut;
	int n;

	(void)state;
	for (i = 0; i < NELEM(samples); i++) {
		n = samples[i].pack(buf, sizeof(buf));
		for (cut = 0; cut < (size_t)n; cut++) {
			/* a short buffer, and a header that agrees with it */
			assert_int_equal(unpack_as(samples[i].type, buf, cut,
			    &err), -1);
			if (cut < FRAME_HDR_SIZE)
				continue;
			plen = (uint32_t)(cut - FRAME_HDR_SIZE);
			memcpy(buf + 4, &plen, 4);
			assert_int_equal(unpack_as(samples[i].type, buf, cut,
			    &err), -1);
			assert_true(err == FRAME_E_SHORT ||
			    err == FRAME_E_RANGE);
			plen = (uint32_t)((size_t)n - FRAME_HDR_SIZE);
			memcpy(buf + 4, &plen, 4);
		}
	}
}

static void
trailing_bytes_are_refused(void **state)
{
	enum frame_err err;
	uint32_t plen;
	size_t i;
	int n;

	(void)state;
	for (i = 0; i < NELEM(samples); i++) {
		n = samples[i].pack(buf, sizeof(buf));
		buf[n] = 0;
		plen = (uint32_t)(n + 1 - FRAME_HDR_SIZE);
		memcpy(buf + 4, &plen, 4);
		assert_int_equal(unpack_as(samples[i].type, buf,
		    (size_t)n + 1, &err), -1);
		assert_int_equal(err, FRAME_E_TRAILING);
	}
}

static void
wrong_unpacker_is_refused(void **state)
{
	enum frame_err err;
	size_t i, j;
	int n;

	(void)state;
	for (i = 0; i < NELEM(samples); i++) {
		n = samples[i].pack(buf, sizeof(buf));
		for (j = 0; j < NELEM(samples); j++) {
			unsigned a = samples[i].type, b = samples[j].type;
			if (a == b || ((a == FRAME_SUB || a == FRAME_UNSUB) &&
			    (b == FRAME_SUB || b == FRAME_UNSUB)))
				continue;
			assert_int_equal(unpack_as(b, buf, (size_t)n, &err),
			    -1);
			assert_int_equal(err, FRAME_E_TYPE);
		}
	}
}

static void
chan_fields_survive(void **state)
{
	struct frame_chan f;
	struct frame_stamp st;
	enum frame_err err;
	int n = pack_chan(buf, sizeof(buf));

	(void)state;
	assert_int_equal(frame_unpack_chan(buf, (size_t)n, &f, &err), 0);
	assert_int_equal(f.st.lseq, 17);
	assert_int_equal(f.st.origin, 3);
	assert_int_equal(f.st.origin_pid, 4242);
	assert_int_equal(f.st.label, 9);
	assert_int_equal(f.st.sflags, FRAME_S_BOT);
	assert_int_equal(f.extlen, 8);
	assert_memory_equal(f.ext, " * :Real", 8);
	assert_int_equal(f.awaylen, 4);
	assert_int_equal(f.chan, 7);
	assert_int_equal(f.gen, 3);
	assert_int_equal(f.oslot, 42);
	assert_int_equal(f.ogen, 9);
	assert_int_equal(f.kind, FRAME_K_PRIVMSG);
	assert_int_equal(f.flags, FRAME_F_SUB);
	assert_int_equal(f.tagslen, 4);
	assert_memory_equal(f.tags, "+a=b", 4);
	assert_int_equal(f.linelen, 21);
	assert_memory_equal(f.line, ":n!u@h PRIVMSG #c :hi", 21);
	frame_stamp_order(buf, (size_t)n, 1001, 1767323045123ULL, 55);
	frame_stamp_origin(buf, (size_t)n, 1, 99, 18);
	assert_int_equal(frame_stamp_get(buf, (size_t)n, &st), 0);
	assert_int_equal(st.id, 1001);
	assert_int_equal(st.time_ms, 1767323045123ULL);
	assert_int_equal(st.seq, 55);
	assert_int_equal(st.lseq, 18);
	assert_int_equal(st.origin, 1);
	assert_int_equal(st.origin_pid, 99);
	assert_int_equal(st.label, 9);
	assert_int_equal(frame_unpack_chan(buf, (size_t)n, &f, &err), 0);
	assert_int_equal(f.st.id, 1001);
}

static void
multi_and_user_fields_survive(void **state)
{
	static struct frame_multi m;
	struct frame_user u;
	enum frame_err err;
	int n;

	(void)state;
	n = pack_multi(buf, sizeof(buf));
	assert_int_equal(frame_unpack_multi(buf, (size_t)n, &m, &err), 0);
	assert_int_equal(m.n, 3);
	assert_int_equal(m.ch[1].chan, 2);
	assert_int_equal(m.ch[1].gen, 5);
	assert_int_equal(m.ch[1].flags, FRAME_F_UNSUB);
	assert_int_equal(m.ch[2].chan, 31);
	assert_memory_equal(m.line, ":n!u@h QUIT :bye", 16);
	n = pack_user(buf, sizeof(buf));
	assert_int_equal(frame_unpack_user(buf, (size_t)n, &u, &err), 0);
	assert_int_equal(u.target, 2);
	assert_int_equal(u.tslot, 11);
	assert_int_equal(u.tgen, 5);
	assert_int_equal(u.tagslen, 0);
}

static void
control_fields_survive(void **state)
{
	static struct frame_reload rl;
	struct frame_replace rp;
	struct frame_hello he;
	struct frame_ack ac;
	enum frame_err err;
	int n;

	(void)state;
	n = pack_reload(buf, sizeof(buf));
	assert_int_equal(frame_unpack_reload(buf, (size_t)n, &rl, &err), 0);
	assert_int_equal(rl.gen, 3);
	assert_int_equal(rl.cfg.max_clients, 10000);
	assert_int_equal(rl.motdlen, 11);
	n = pack_replace(buf, sizeof(buf));
	assert_int_equal(frame_unpack_replace(buf, (size_t)n, &rp, &err), 0);
	assert_int_equal(rp.id, 3);
	assert_int_equal(rp.pid, 1234);
	assert_memory_equal(rp.why, "took no messages", 16);
	n = pack_hello(buf, sizeof(buf));
	assert_int_equal(frame_unpack_hello(buf, (size_t)n, &he, &err), 0);
	assert_int_equal(he.version, FRAME_VERSION);
	assert_int_equal(he.id, 2);
	assert_int_equal(he.pid, 777);
	n = pack_ack(buf, sizeof(buf));
	assert_int_equal(frame_unpack_ack(buf, (size_t)n, &ac, &err), 0);
	assert_int_equal(ac.lseq, 123456789012ULL);
}

/* --- the bounds the packers and unpackers keep ------------------------------ */

static void
packers_refuse_out_of_range(void **state)
{
	static struct frame_multi m;
	struct frame_chan c = { .st = stamp0, .chan = 1, .gen = 1, .oslot = 1,
	    .ogen = 1, .kind = FRAME_K_PRIVMSG, .tags = "", .line = "x",
	    .linelen = 1, .account = "" };
	struct frame_user u = { .st = stamp0, .target = 1, .tslot = 1,
	    .tgen = 1, .oslot = 1, .ogen = 1, .kind = FRAME_K_PRIVMSG,
	    .tags = "", .line = "x", .linelen = 1, .account = "" };
	static char big[IRC_TAGS_MAX + 1];

	(void)state;
	c.kind = 0;
	assert_int_equal(frame_pack_chan(buf, sizeof(buf), &c), -1);
	c.kind = FRAME_K_KIND_MAX;
	assert_int_equal(frame_pack_chan(buf, sizeof(buf), &c), -1);
	c.kind = FRAME_K_JOIN;
	c.linelen = 0;
	assert_int_equal(frame_pack_chan(buf, sizeof(buf), &c), -1);
	c.line = big;
	c.linelen = IRC_LINE_MAX - 1;
	assert_int_equal(frame_pack_chan(buf, sizeof(buf), &c), -1);
	c.linelen = IRC_LINE_MAX - 2;
	memset(big, 'a', sizeof(big));
	assert_true(frame_pack_chan(buf, sizeof(buf), &c) > 0);
	c.tags = big;
	c.tagslen = IRC_TAGS_MAX;
	assert_int_equal(frame_pack_chan(buf, sizeof(buf), &c), -1);
	u.target = WORKERS_MAX;
	assert_int_equal(frame_pack_user(buf, sizeof(buf), &u), -1);
	memset(&m, 0, sizeof(m));
	m.kind = FRAME_K_QUIT;
	m.line = "x";
	m.linelen = 1;
	m.n = CHANS_PER_USER_MAX + 1;
	assert_int_equal(frame_pack_multi(buf, sizeof(buf), &m), -1);
	m.n = CHANS_PER_USER_MAX;
	assert_true(frame_pack_multi(buf, sizeof(buf), &m) > 0);
	assert_int_equal(frame_pack_sub(buf, sizeof(buf), FRAME_CHAN,
	    &(struct frame_sub){ stamp0, 1, 1 }), -1);
	/* a buffer too small for the frame */
	assert_int_equal(pack_chan(buf, 20), -1);
}

/* Patch one byte of a packed frame and expect FRAME_E_RANGE. */
static void
expect_range(int (*pack)(void *, size_t), unsigned type, size_t at,
    uint8_t v)
{
	enum frame_err err;
	int n = pack(buf, sizeof(buf));

	buf[at] = v;
	assert_int_equal(unpack_as(type, buf, (size_t)n, &err), -1);
	assert_int_equal(err, FRAME_E_RANGE);
}

static void
unpackers_refuse_out_of_range(void **state)
{
	const size_t st = FRAME_HDR_SIZE + FRAME_STAMP_SIZE;
	uint16_t big = CHANS_PER_USER_MAX + 1, l;
	enum frame_err err;
	int n;

	(void)state;
	/* CHAN: kind, flags; USER: target, kind, flags; MULTI: kind, its
	 * flags, a channel's flag; CHANOP: op */
	expect_range(pack_chan, FRAME_CHAN, st + 24, 0);
	expect_range(pack_chan, FRAME_CHAN, st + 24, FRAME_K_KIND_MAX);
	expect_range(pack_chan, FRAME_CHAN, st + 25, 0x80);
	expect_range(pack_user, FRAME_USER, st, WORKERS_MAX);
	expect_range(pack_user, FRAME_USER, st + 17, 0);
	expect_range(pack_user, FRAME_USER, st + 18, 0x80);
	expect_range(pack_multi, FRAME_MULTI, st + 8, 0);
	expect_range(pack_multi, FRAME_MULTI, st + 9, 0x80);
	expect_range(pack_multi, FRAME_MULTI, st + 12 + 8, FRAME_F_SUB);
	expect_range(pack_chanop, FRAME_CHANOP, st + 16, 0);
	expect_range(pack_chanop, FRAME_CHANOP, st + 16, FRAME_OP_KIND_MAX);
	expect_range(pack_nick, FRAME_NICK, st + 8, 0);
	expect_range(pack_nick, FRAME_NICK, st + 8, FRAME_NICK_OP_MAX);
	expect_range(pack_worker_gone, FRAME_WORKER_GONE, FRAME_HDR_SIZE,
	    WORKERS_MAX);
	expect_range(pack_hello, FRAME_HELLO, FRAME_HDR_SIZE + 2,
	    WORKERS_MAX);
	expect_range(pack_replace, FRAME_REPLACE, FRAME_HDR_SIZE, 200);
	/* MULTI: more channels than a user can have */
	n = pack_multi(buf, sizeof(buf));
	memcpy(buf + st + 10, &big, 2);
	assert_int_equal(frame_unpack_multi(buf, (size_t)n, &(struct
	    frame_multi){ 0 }, &err), -1);
	/* CHAN: an empty line */
	n = pack_chan(buf, sizeof(buf));
	l = 0;
	memcpy(buf + st + 26 + 2 + 4, &l, 2);
	assert_int_equal(frame_unpack_chan(buf, (size_t)n, &(struct
	    frame_chan){ 0 }, &err), -1);
	/* RELOAD: a configuration of another size */
	n = pack_reload(buf, sizeof(buf));
	buf[FRAME_HDR_SIZE + 4] ^= 1;
	assert_int_equal(frame_unpack_reload(buf, (size_t)n, &(struct
	    frame_reload){ 0 }, &err), -1);
	assert_int_equal(err, FRAME_E_RANGE);
}

static void
headers_that_lie(void **state)
{
	enum frame_err err;
	uint16_t v;
	uint32_t plen;
	int n;

	(void)state;
	assert_int_equal(frame_open(buf, 0, &err), -1);
	assert_int_equal(err, FRAME_E_SHORT);
	assert_int_equal(frame_open(buf, 7, &err), -1);
	n = pack_ack(buf, sizeof(buf));
	v = FRAME_VERSION + 1;
	memcpy(buf, &v, 2);
	assert_int_equal(frame_open(buf, (size_t)n, &err), -1);
	assert_int_equal(err, FRAME_E_VERSION);
	n = pack_ack(buf, sizeof(buf));
	v = 0;
	memcpy(buf + 2, &v, 2);
	assert_int_equal(frame_open(buf, (size_t)n, &err), -1);
	assert_int_equal(err, FRAME_E_TYPE);
	v = FRAME_TYPE_MAX;
	memcpy(buf + 2, &v, 2);
	assert_int_equal(frame_open(buf, (size_t)n, &err), -1);
	n = pack_ack(buf, sizeof(buf));
	plen = 1000;
	memcpy(buf + 4, &plen, 4);
	assert_int_equal(frame_open(buf, (size_t)n, &err), -1);
	assert_int_equal(err, FRAME_E_LENGTH);
	assert_int_equal(frame_open(buf, FRAME_MAX + 1, &err), -1);
	assert_int_equal(err, FRAME_E_TOO_BIG);
}

static void
stamps_only_on_routed_frames(void **state)
{
	struct frame_stamp st;
	int n;

	(void)state;
	assert_true(frame_is_routed(FRAME_CHAN));
	assert_true(frame_is_routed(FRAME_SUB));
	assert_false(frame_is_routed(FRAME_ACK));
	n = pack_ack(buf, sizeof(buf));
	assert_int_equal(frame_stamp_get(buf, (size_t)n, &st), -1);
	frame_stamp_order(buf, (size_t)n, 1, 2, 3);	/* a no-op */
	n = pack_sub(buf, sizeof(buf));
	assert_int_equal(frame_stamp_get(buf, 20, &st), -1);
	assert_int_equal(frame_stamp_get(buf, (size_t)n, &st), 0);
	assert_int_equal(st.lseq, 17);
}

static void
packets_of_frames(void **state)
{
	uint8_t pkt[1024];
	const uint8_t *f;
	size_t off = 0, len, total = 0;
	int a, b, c;

	(void)state;
	a = pack_ack(pkt, sizeof(pkt));
	b = pack_chan(pkt + a, sizeof(pkt) - (size_t)a);
	c = pack_ready(pkt + a + b, sizeof(pkt) - (size_t)(a + b));
	total = (size_t)(a + b + c);
	assert_int_equal(frame_next(pkt, total, &off, &f, &len), 1);
	assert_int_equal(len, (size_t)a);
	assert_int_equal(frame_next(pkt, total, &off, &f, &len), 1);
	assert_int_equal(len, (size_t)b);
	assert_int_equal(frame_next(pkt, total, &off, &f, &len), 1);
	assert_int_equal(frame_next(pkt, total, &off, &f, &len), 0);
	/* a packet cut inside its last frame */
	off = 0;
	assert_int_equal(frame_next(pkt, total - 1, &off, &f, &len), 1);
	assert_int_equal(frame_next(pkt, total - 1, &off, &f, &len), 1);
	assert_int_equal(frame_next(pkt, total - 1, &off, &f, &len), -1);
	/* a packet with a few bytes left after its frames */
	off = (size_t)a;
	assert_int_equal(frame_next(pkt, (size_t)a + 3, &off, &f, &len), -1);
}

static void
runs_fit_a_packet(void **state)
{
	static uint8_t q[3 * FRAME_PACKET_MAX];
	size_t off = 0, len = 0, run, total = 0;
	int n;

	(void)state;
	/* a thousand small frames, then one as big as a packet */
	while (len < 2 * FRAME_PACKET_MAX) {
		n = pack_chan(q + len, sizeof(q) - len);
		assert_true(n > 0);
		len += (size_t)n;
	}
	while (off < len) {
		run = frame_run(q, len, off);
		assert_true(run > 0);
		assert_true(run <= FRAME_PACKET_MAX);
		/* the run ends on a frame boundary */
		assert_true(off + run == len ||
		    frame_run(q, len, off + run) > 0);
		off += run;
		total += run;
	}
	assert_int_equal(total, len);
	assert_true(frame_run(q, len, 0) + (size_t)pack_chan(buf,
	    sizeof(buf)) > FRAME_PACKET_MAX);
}

static void
names(void **state)
{
	unsigned t;

	(void)state;
	for (t = 1; t < FRAME_TYPE_MAX; t++)
		assert_string_not_equal(frame_type_name(t), "UNKNOWN");
	assert_string_equal(frame_type_name(0), "UNKNOWN");
	assert_string_equal(frame_type_name(FRAME_TYPE_MAX), "UNKNOWN");
	assert_string_equal(frame_strerror(FRAME_E_RANGE),
	    "a field is out of range");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_type_round_trips),
		cmocka_unit_test(every_truncation_is_refused),
		cmocka_unit_test(trailing_bytes_are_refused),
		cmocka_unit_test(wrong_unpacker_is_refused),
		cmocka_unit_test(chan_fields_survive),
		cmocka_unit_test(multi_and_user_fields_survive),
		cmocka_unit_test(control_fields_survive),
		cmocka_unit_test(packers_refuse_out_of_range),
		cmocka_unit_test(unpackers_refuse_out_of_range),
		cmocka_unit_test(headers_that_lie),
		cmocka_unit_test(stamps_only_on_routed_frames),
		cmocka_unit_test(packets_of_frames),
		cmocka_unit_test(runs_fit_a_packet),
		cmocka_unit_test(names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
