/*
 * fuzz_frame.c -- the frame codec: any bytes, read as a packet of frames
 * and as one frame, are either refused or unpacked into their struct
 * without reading out of bounds, by every unpacker the processes use; what
 * unpacks packs again to the same bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "fuzz.h"

static uint8_t again[FRAME_MAX];

/* Repack an unpacked frame: the codec must give back the bytes it read. */
static void
same(int n, const uint8_t *data, size_t size)
{
	if (n != (int)size || memcmp(again, data, size) != 0)
		abort();
}

static void
one_frame(const uint8_t *data, size_t size)
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
	struct frame_stamp st;
	struct frame_chanop co;
	struct frame_labeldone ld;
	struct frame_nick ni;
	enum frame_err err;
	int type;

	(void)frame_stamp_get(data, size, &st);
	switch ((type = frame_open(data, size, &err))) {
	case FRAME_READY:
		if (frame_unpack_ready(data, size, &re, &err) == 0)
			same(frame_pack_ready(again, sizeof(again), &re), data,
			    size);
		break;
	case FRAME_HEARTBEAT:
		if (frame_unpack_heartbeat(data, size, &hb, &err) == 0)
			same(frame_pack_heartbeat(again, sizeof(again), &hb),
			    data, size);
		break;
	case FRAME_SHUTDOWN:
		(void)frame_unpack_shutdown(data, size, &err);
		break;
	case FRAME_RELOAD:
		(void)frame_unpack_reload(data, size, &rl, &err);
		break;
	case FRAME_RELOADED:
		(void)frame_unpack_reloaded(data, size, &rd, &err);
		break;
	case FRAME_WORKER_GONE:
		if (frame_unpack_worker_gone(data, size, &wg, &err) == 0)
			same(frame_pack_worker_gone(again, sizeof(again), &wg),
			    data, size);
		break;
	case FRAME_REPLACE:
		if (frame_unpack_replace(data, size, &rp, &err) == 0)
			same(frame_pack_replace(again, sizeof(again), &rp),
			    data, size);
		break;
	case FRAME_HELLO:
		if (frame_unpack_hello(data, size, &he, &err) == 0)
			same(frame_pack_hello(again, sizeof(again), &he), data,
			    size);
		break;
	case FRAME_SYNCED:
		(void)frame_unpack_synced(data, size, &sy, &err);
		break;
	case FRAME_ACK:
		(void)frame_unpack_ack(data, size, &ac, &err);
		break;
	case FRAME_SUB:
	case FRAME_UNSUB:
		(void)frame_unpack_sub(data, size, &su, &err);
		break;
	case FRAME_CHAN:
		if (frame_unpack_chan(data, size, &ch, &err) == 0 &&
		    ch.tagslen < IRC_TAGS_MAX)
			(void)frame_pack_chan(again, sizeof(again), &ch);
		break;
	case FRAME_USER:
		(void)frame_unpack_user(data, size, &us, &err);
		break;
	case FRAME_MULTI:
		if (frame_unpack_multi(data, size, &mu, &err) == 0)
			same(frame_pack_multi(again, sizeof(again), &mu), data,
			    size);
		break;
	case FRAME_CHANOP:
		if (frame_unpack_chanop(data, size, &co, &err) == 0)
			same(frame_pack_chanop(again, sizeof(again), &co), data,
			    size);
		break;
	case FRAME_LABELDONE:
		if (frame_unpack_labeldone(data, size, &ld, &err) == 0)
			same(frame_pack_labeldone(again, sizeof(again), &ld),
			    data, size);
		break;
	case FRAME_NICK:
		if (frame_unpack_nick(data, size, &ni, &err) == 0)
			same(frame_pack_nick(again, sizeof(again), &ni), data,
			    size);
		break;
	case FRAME_REHASH:
		(void)frame_unpack_rehash(data, size, &err);
		break;
	default:
		break;
	}
	(void)frame_type_name((unsigned)type);
	(void)frame_strerror(err);
}

/* A packet of frames, as on the links, then the bytes as one frame. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *f;
	size_t off = 0, len;

	while (frame_next(data, size, &off, &f, &len) == 1)
		one_frame(f, len);
	one_frame(data, size);
	return 0;
}
