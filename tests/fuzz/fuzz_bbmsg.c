/*
 * fuzz_bbmsg.c -- the backbone's message bodies (src/server/pure/bbmsg.c)
 * on hostile input: what another program could publish on keochat's
 * subjects.  Properties: no crash; a message that unpacks packs again to
 * the very same bytes; nothing it yields holds NUL, CR or LF; its room
 * names are valid and its lines start with ':'.  Every type is read:
 * BB_CHAN, BB_MULTI, BB_HOST, BB_USER and BB_CHANOP.
 */
#include <stdlib.h>
#include <string.h>

#include "bbmsg.h"
#include "frame.h"
#include "fuzz.h"
#include "valid.h"

static uint8_t again[BB_MSG_MAX];

static void
clean(const char *s, size_t n)
{
	if (n > 0 && (memchr(s, '\0', n) != NULL || memchr(s, '\r', n) !=
	    NULL || memchr(s, '\n', n) != NULL))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct bb_multi mm;
	struct bb_chan cm;
	struct bb_host hm;
	struct bb_user um;
	struct bb_chanop om;
	const char *why;
	unsigned i;
	int n;

	switch (bbmsg_type(data, size, &why)) {
	case BB_CHAN:
		if (bbmsg_unpack_chan(data, size, &cm, &why) == -1)
			return 0;
		clean(cm.chan, cm.chanlen);
		clean(cm.tags, cm.tagslen);
		clean(cm.line, cm.linelen);
		clean(cm.ext, cm.extlen);
		clean(cm.away, cm.awaylen);
		clean(cm.account, cm.accountlen);
		if (cm.linelen == 0 || cm.line[0] != ':' || cm.chanlen == 0)
			abort();
		n = bbmsg_pack_chan(again, sizeof(again), &cm);
		break;
	case BB_MULTI:
		if (bbmsg_unpack_multi(data, size, &mm, &why) == -1)
			return 0;
		for (i = 0; i < mm.n; i++)
			clean(mm.ch[i].chan, mm.ch[i].chanlen);
		clean(mm.line, mm.linelen);
		if (mm.linelen == 0 || mm.line[0] != ':')
			abort();
		n = bbmsg_pack_multi(again, sizeof(again), &mm);
		break;
	case BB_HOST:
		if (bbmsg_unpack_host(data, size, &hm, &why) == -1)
			return 0;
		clean(hm.node, hm.nodelen);
		n = bbmsg_pack_host(again, sizeof(again), &hm);
		break;
	case BB_USER:
		if (bbmsg_unpack_user(data, size, &um, &why) == -1)
			return 0;
		clean(um.tnode, um.tnodelen);
		clean(um.tags, um.tagslen);
		clean(um.line, um.linelen);
		clean(um.account, um.accountlen);
		if (um.linelen == 0 || um.line[0] != ':' || um.tnodelen == 0)
			abort();
		n = bbmsg_pack_user(again, sizeof(again), &um);
		break;
	case BB_CHANOP:
		if (bbmsg_unpack_chanop(data, size, &om, &why) == -1)
			return 0;
		clean(om.chan, om.chanlen);
		clean(om.args, om.argslen);
		if (om.chanlen == 0 || om.op == 0 || om.op >= FRAME_OP_KIND_MAX)
			abort();
		n = bbmsg_pack_chanop(again, sizeof(again), &om);
		break;
	default:
		if (why == NULL)
			abort();	/* a refusal always says why */
		return 0;
	}
	if (n < 0 || (size_t)n != size || memcmp(again, data, size) != 0)
		abort();
	return 0;
}
