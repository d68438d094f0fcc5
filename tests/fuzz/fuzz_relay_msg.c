/*
 * fuzz_relay_msg.c -- the relay frame decoder: any bytes are either
 * refused or read field by field without reading out of bounds, the way
 * the relay and the workers read each frame type.
 */
#include <string.h>

#include "fuzz.h"
#include "relay_msg.h"

static void
read_tail(struct relay_msg_r *r)
{
	char buf[64];
	size_t n;

	(void)relay_msg_get_str(r, &n);
	relay_msg_get_strbuf(r, buf, sizeof(buf));
}

static void one_frame(const uint8_t *data, size_t size);

/* A packet of frames, as on the relay links, then each frame alone. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *f;
	size_t off = 0, len;

	while (relay_msg_next(data, size, &off, &f, &len) == 1)
		one_frame(f, len);
	one_frame(data, size);
	return 0;
}

static void
one_frame(const uint8_t *data, size_t size)
{
	struct relay_msg_r r;
	uint16_t n;
	uint64_t seq, t;

	if (relay_msg_open(&r, data, size) == -1)
		return;
	switch (r.type) {
	case RELAY_HELLO:
		relay_msg_get_u16(&r);
		relay_msg_get_u8(&r);
		relay_msg_get_u32(&r);
		break;
	case RELAY_SUB:
	case RELAY_UNSUB:
	case RELAY_CTL_HEARTBEAT:
		relay_msg_get_u32(&r);
		relay_msg_get_u32(&r);
		break;
	case RELAY_CHAN:
	case RELAY_USER:
		(void)relay_msg_get_stamp(data, size, &seq, &t);
		relay_msg_get_u64(&r);
		relay_msg_get_u64(&r);
		relay_msg_get_u32(&r);
		relay_msg_get_u32(&r);
		relay_msg_get_u32(&r);
		relay_msg_get_u32(&r);
		relay_msg_get_u8(&r);
		relay_msg_get_u8(&r);
		read_tail(&r);
		break;
	case RELAY_MULTI:
		relay_msg_get_u64(&r);
		relay_msg_get_u64(&r);
		relay_msg_get_u32(&r);
		relay_msg_get_u32(&r);
		relay_msg_get_u8(&r);
		n = relay_msg_get_u16(&r);
		(void)relay_msg_get_bytes(&r, (size_t)n * 9);
		read_tail(&r);
		break;
	case RELAY_CTL_WORKER_GONE:
		relay_msg_get_u8(&r);
		relay_msg_get_u32(&r);
		break;
	default:
		relay_msg_get_bytes(&r, size / 2);
		break;
	}
	(void)relay_msg_done(&r);
	(void)relay_type_name(r.type);
}
