/*
 * test_relay_msg.c -- the relay frame codec: round trips and every way a
 * frame can be short, long or wrong.
 */
#include "unit.h"
#include "relay_msg.h"

static size_t
build_chan(uint8_t *buf, size_t cap)
{
	struct relay_msg_w w;

	relay_msg_begin(&w, buf, cap, RELAY_CHAN);
	relay_msg_add_stamp(&w);
	relay_msg_add_u32(&w, 7);
	relay_msg_add_u32(&w, 3);
	relay_msg_add_u32(&w, 42);
	relay_msg_add_u32(&w, 9);
	relay_msg_add_u8(&w, RELAY_K_PRIVMSG);
	relay_msg_add_u8(&w, RELAY_F_SUB);
	relay_msg_add_str(&w, "+a=b", 4);
	relay_msg_add_str(&w, ":n!u@h PRIVMSG #c :hi", 21);
	return (size_t)relay_msg_end(&w);
}

static void
round_trip(void **state)
{
	uint8_t buf[256];
	struct relay_msg_r r;
	char tags[16], line[64];
	size_t n = build_chan(buf, sizeof(buf));

	(void)state;
	assert_int_equal(relay_msg_open(&r, buf, n), 0);
	assert_int_equal(r.type, RELAY_CHAN);
	assert_int_equal(relay_msg_get_u64(&r), 0);
	assert_int_equal(relay_msg_get_u64(&r), 0);
	assert_int_equal(relay_msg_get_u32(&r), 7);
	assert_int_equal(relay_msg_get_u32(&r), 3);
	assert_int_equal(relay_msg_get_u32(&r), 42);
	assert_int_equal(relay_msg_get_u32(&r), 9);
	assert_int_equal(relay_msg_get_u8(&r), RELAY_K_PRIVMSG);
	assert_int_equal(relay_msg_get_u8(&r), RELAY_F_SUB);
	relay_msg_get_strbuf(&r, tags, sizeof(tags));
	relay_msg_get_strbuf(&r, line, sizeof(line));
	assert_int_equal(relay_msg_done(&r), 0);
	assert_string_equal(tags, "+a=b");
	assert_string_equal(line, ":n!u@h PRIVMSG #c :hi");
}

static void
stamp_in_place(void **state)
{
	uint8_t buf[256];
	uint64_t seq, t;
	size_t n = build_chan(buf, sizeof(buf));
	struct relay_msg_r r;

	(void)state;
	relay_msg_stamp(buf, 1234, 5678);
	assert_int_equal(relay_msg_get_stamp(buf, n, &seq, &t), 0);
	assert_int_equal(seq, 1234);
	assert_int_equal(t, 5678);
	assert_int_equal(relay_msg_open(&r, buf, n), 0);
	assert_int_equal(relay_msg_get_u64(&r), 1234);
	assert_int_equal(relay_msg_get_stamp(buf, 10, &seq, &t), -1);
}

static void
short_frames(void **state)
{
	uint8_t buf[256];
	struct relay_msg_r r;
	size_t n = build_chan(buf, sizeof(buf)), cut;

	(void)state;
	assert_int_equal(relay_msg_open(&r, buf, 0), -1);
	assert_int_equal(r.err, RELAY_E_SHORT);
	assert_int_equal(relay_msg_open(&r, buf, 7), -1);
	assert_int_equal(r.err, RELAY_E_SHORT);
	for (cut = RELAY_HDR_SIZE; cut < n; cut++) {
		assert_int_equal(relay_msg_open(&r, buf, cut), -1);
		assert_int_equal(r.err, RELAY_E_LENGTH);
	}
}

static void
truncated_payload_reads_fail(void **state)
{
	uint8_t buf[64];
	struct relay_msg_w w;
	struct relay_msg_r r;
	int n;

	(void)state;
	relay_msg_begin(&w, buf, sizeof(buf), RELAY_SUB);
	relay_msg_add_u32(&w, 1);
	n = relay_msg_end(&w);
	assert_int_equal(relay_msg_open(&r, buf, (size_t)n), 0);
	assert_int_equal(relay_msg_get_u32(&r), 1);
	assert_int_equal(relay_msg_get_u32(&r), 0);	/* past the end */
	assert_int_equal(r.err, RELAY_E_SHORT);
	assert_int_equal(relay_msg_done(&r), -1);
	assert_null(relay_msg_get_bytes(&r, 1));
}

static void
bad_version_and_type(void **state)
{
	uint8_t buf[256];
	struct relay_msg_r r;
	size_t n = build_chan(buf, sizeof(buf));
	uint16_t v;

	(void)state;
	v = RELAY_PROTO_VERSION + 1;
	memcpy(buf, &v, 2);
	assert_int_equal(relay_msg_open(&r, buf, n), -1);
	assert_int_equal(r.err, RELAY_E_VERSION);
	v = RELAY_PROTO_VERSION;
	memcpy(buf, &v, 2);
	v = 0;
	memcpy(buf + 2, &v, 2);
	assert_int_equal(relay_msg_open(&r, buf, n), -1);
	assert_int_equal(r.err, RELAY_E_TYPE);
	v = RELAY_TYPE_MAX;
	memcpy(buf + 2, &v, 2);
	assert_int_equal(relay_msg_open(&r, buf, n), -1);
	assert_int_equal(r.err, RELAY_E_TYPE);
}

static void
length_lies(void **state)
{
	uint8_t buf[256];
	struct relay_msg_r r;
	size_t n = build_chan(buf, sizeof(buf));
	uint32_t len;

	(void)state;
	len = (uint32_t)(n - RELAY_HDR_SIZE + 1);
	memcpy(buf + 4, &len, 4);
	assert_int_equal(relay_msg_open(&r, buf, n), -1);
	assert_int_equal(r.err, RELAY_E_LENGTH);
	len = UINT32_MAX;
	memcpy(buf + 4, &len, 4);
	assert_int_equal(relay_msg_open(&r, buf, n), -1);
}

static void
oversized_frame(void **state)
{
	static uint8_t big[RELAY_FRAME_MAX + 16];
	struct relay_msg_r r;

	(void)state;
	assert_int_equal(relay_msg_open(&r, big, sizeof(big)), -1);
	assert_int_equal(r.err, RELAY_E_TOO_BIG);
}

static void
writer_overflow(void **state)
{
	uint8_t small[16];
	static uint8_t big[RELAY_FRAME_MAX * 2];
	static char text[RELAY_FRAME_MAX];
	struct relay_msg_w w;

	(void)state;
	relay_msg_begin(&w, small, sizeof(small), RELAY_CHAN);
	relay_msg_add_stamp(&w);
	assert_int_equal(relay_msg_end(&w), -1);
	assert_int_equal(w.err, RELAY_E_TOO_BIG);
	relay_msg_begin(&w, big, sizeof(big), RELAY_CHAN);
	memset(text, 'x', sizeof(text));
	relay_msg_add_bytes(&w, text, sizeof(text));
	assert_int_equal(relay_msg_end(&w), -1);
	relay_msg_begin(&w, big, sizeof(big), RELAY_CHAN);
	relay_msg_add_str(&w, text, 70000);
	assert_int_equal(w.err, RELAY_E_STRING);
}

static void
string_too_long_for_field(void **state)
{
	uint8_t buf[64];
	struct relay_msg_w w;
	struct relay_msg_r r;
	char out[4];
	int n;

	(void)state;
	relay_msg_begin(&w, buf, sizeof(buf), RELAY_USER);
	relay_msg_add_str(&w, "abcdef", 6);
	n = relay_msg_end(&w);
	assert_int_equal(relay_msg_open(&r, buf, (size_t)n), 0);
	relay_msg_get_strbuf(&r, out, sizeof(out));
	assert_int_equal(r.err, RELAY_E_STRING);
}

static void
trailing_bytes(void **state)
{
	uint8_t buf[64];
	struct relay_msg_w w;
	struct relay_msg_r r;
	int n;

	(void)state;
	relay_msg_begin(&w, buf, sizeof(buf), RELAY_SUB);
	relay_msg_add_u32(&w, 1);
	relay_msg_add_u32(&w, 2);
	relay_msg_add_u8(&w, 3);
	n = relay_msg_end(&w);
	assert_int_equal(relay_msg_open(&r, buf, (size_t)n), 0);
	relay_msg_get_u32(&r);
	relay_msg_get_u32(&r);
	assert_int_equal(relay_msg_done(&r), -1);
	assert_int_equal(r.err, RELAY_E_TRAILING);
}

static void
packets_of_frames(void **state)
{
	uint8_t pkt[1024];
	const uint8_t *f;
	size_t n1 = build_chan(pkt, sizeof(pkt)), n2, off = 0, len;
	struct relay_msg_r r;
	uint32_t huge;

	(void)state;
	n2 = build_chan(pkt + n1, sizeof(pkt) - n1);
	assert_int_equal(relay_msg_next(pkt, n1 + n2, &off, &f, &len), 1);
	assert_ptr_equal(f, pkt);
	assert_int_equal(len, n1);
	assert_int_equal(relay_msg_open(&r, f, len), 0);
	assert_int_equal(relay_msg_next(pkt, n1 + n2, &off, &f, &len), 1);
	assert_ptr_equal(f, pkt + n1);
	assert_int_equal(relay_msg_next(pkt, n1 + n2, &off, &f, &len), 0);
	/* a frame cut short by the end of the packet */
	off = 0;
	assert_int_equal(relay_msg_next(pkt, n1 + 5, &off, &f, &len), 1);
	assert_int_equal(relay_msg_next(pkt, n1 + 5, &off, &f, &len), -1);
	off = 0;
	assert_int_equal(relay_msg_next(pkt, n1 - 1, &off, &f, &len), -1);
	/* a length past RELAY_FRAME_MAX */
	huge = RELAY_FRAME_MAX;
	memcpy(pkt + 4, &huge, 4);
	off = 0;
	assert_int_equal(relay_msg_next(pkt, sizeof(pkt), &off, &f, &len), -1);
}

static void
names_total(void **state)
{
	(void)state;
	assert_string_equal(relay_type_name(RELAY_CHAN), "CHAN");
	assert_string_equal(relay_type_name(0), "UNKNOWN");
	assert_string_equal(relay_type_name(999), "UNKNOWN");
	assert_string_equal(relay_msg_strerror(RELAY_E_SHORT),
	    "frame too short");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(stamp_in_place),
		cmocka_unit_test(short_frames),
		cmocka_unit_test(truncated_payload_reads_fail),
		cmocka_unit_test(bad_version_and_type),
		cmocka_unit_test(length_lies),
		cmocka_unit_test(oversized_frame),
		cmocka_unit_test(writer_overflow),
		cmocka_unit_test(string_too_long_for_field),
		cmocka_unit_test(trailing_bytes),
		cmocka_unit_test(packets_of_frames),
		cmocka_unit_test(names_total),
	};

	return cmocka_run_group_tests_name("relay_msg", tests, NULL, NULL);
}
