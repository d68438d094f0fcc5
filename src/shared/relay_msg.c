/*
 * relay_msg.c -- the relay frame codec.  Every write checks the room left,
 * every read checks the bytes left; an error is sticky, so a reader can pull
 * all fields and check once.  Nothing here trusts the peer.
 */
#include <string.h>

#include "relay_msg.h"

static const char *const type_names[RELAY_TYPE_MAX] = {
	[0] = "NONE",
	[RELAY_CTL_READY] = "CTL_READY",
	[RELAY_CTL_HEARTBEAT] = "CTL_HEARTBEAT",
	[RELAY_CTL_SHUTDOWN] = "CTL_SHUTDOWN",
	[RELAY_CTL_RELOAD] = "CTL_RELOAD",
	[RELAY_CTL_WORKER_GONE] = "CTL_WORKER_GONE",
	[RELAY_HELLO] = "HELLO",
	[RELAY_SUB] = "SUB",
	[RELAY_UNSUB] = "UNSUB",
	[RELAY_CHAN] = "CHAN",
	[RELAY_USER] = "USER",
	[RELAY_MULTI] = "MULTI",
};

const char *
relay_type_name(unsigned type)
{
	if (type == 0 || type >= RELAY_TYPE_MAX)
		return "UNKNOWN";
	return type_names[type];
}

const char *
relay_msg_strerror(enum relay_msg_err e)
{
	switch (e) {
	case RELAY_E_OK:
		return "no error";
	case RELAY_E_SHORT:
		return "frame too short";
	case RELAY_E_VERSION:
		return "protocol version mismatch";
	case RELAY_E_LENGTH:
		return "length field disagrees with the frame size";
	case RELAY_E_TYPE:
		return "unknown frame type";
	case RELAY_E_TOO_BIG:
		return "frame too big";
	case RELAY_E_TRAILING:
		return "trailing bytes after the payload";
	case RELAY_E_STRING:
		return "string too long for its field";
	}
	return "unknown error";
}

static void
w_put(struct relay_msg_w *w, const void *p, size_t n)
{
	if (w->err != RELAY_E_OK)
		return;
	if (n > w->cap - w->len || w->len + n > RELAY_FRAME_MAX) {
		w->err = RELAY_E_TOO_BIG;
		return;
	}
	if (n > 0)
		memcpy(w->buf + w->len, p, n);
	w->len += n;
}

void
relay_msg_begin(struct relay_msg_w *w, void *buf, size_t cap,
    enum relay_type type)
{
	uint16_t v = RELAY_PROTO_VERSION, t = (uint16_t)type;
	uint32_t zero = 0;

	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->err = RELAY_E_OK;
	w_put(w, &v, sizeof(v));
	w_put(w, &t, sizeof(t));
	w_put(w, &zero, sizeof(zero));
}

void
relay_msg_add_u8(struct relay_msg_w *w, uint8_t v)
{
	w_put(w, &v, sizeof(v));
}

void
relay_msg_add_u16(struct relay_msg_w *w, uint16_t v)
{
	w_put(w, &v, sizeof(v));
}

void
relay_msg_add_u32(struct relay_msg_w *w, uint32_t v)
{
	w_put(w, &v, sizeof(v));
}

void
relay_msg_add_u64(struct relay_msg_w *w, uint64_t v)
{
	w_put(w, &v, sizeof(v));
}

void
relay_msg_add_bytes(struct relay_msg_w *w, const void *p, size_t n)
{
	w_put(w, p, n);
}

void
relay_msg_add_str(struct relay_msg_w *w, const char *s, size_t n)
{
	if (n > UINT16_MAX) {
		if (w->err == RELAY_E_OK)
			w->err = RELAY_E_STRING;
		return;
	}
	relay_msg_add_u16(w, (uint16_t)n);
	w_put(w, s, n);
}

void
relay_msg_add_stamp(struct relay_msg_w *w)
{
	relay_msg_add_u64(w, 0);
	relay_msg_add_u64(w, 0);
}

int
relay_msg_end(struct relay_msg_w *w)
{
	uint32_t plen;

	if (w->err != RELAY_E_OK)
		return -1;
	plen = (uint32_t)(w->len - RELAY_HDR_SIZE);
	memcpy(w->buf + 4, &plen, sizeof(plen));
	return (int)w->len;
}

int
relay_msg_open(struct relay_msg_r *r, const void *buf, size_t n)
{
	uint16_t v, t;
	uint32_t plen;

	r->buf = buf;
	r->len = n;
	r->off = RELAY_HDR_SIZE;
	r->type = 0;
	r->err = RELAY_E_OK;
	if (n < RELAY_HDR_SIZE)
		r->err = RELAY_E_SHORT;
	else if (n > RELAY_FRAME_MAX)
		r->err = RELAY_E_TOO_BIG;
	else {
		memcpy(&v, r->buf, sizeof(v));
		memcpy(&t, r->buf + 2, sizeof(t));
		memcpy(&plen, r->buf + 4, sizeof(plen));
		if (v != RELAY_PROTO_VERSION)
			r->err = RELAY_E_VERSION;
		else if ((size_t)plen != n - RELAY_HDR_SIZE)
			r->err = RELAY_E_LENGTH;
		else if (t == 0 || t >= RELAY_TYPE_MAX)
			r->err = RELAY_E_TYPE;
		else
			r->type = t;
	}
	return r->err == RELAY_E_OK ? 0 : -1;
}

static int
r_get(struct relay_msg_r *r, void *out, size_t n)
{
	if (r->err != RELAY_E_OK || n > r->len - r->off) {
		if (r->err == RELAY_E_OK)
			r->err = RELAY_E_SHORT;
		memset(out, 0, n);
		return -1;
	}
	memcpy(out, r->buf + r->off, n);
	r->off += n;
	return 0;
}

uint8_t
relay_msg_get_u8(struct relay_msg_r *r)
{
	uint8_t v;

	r_get(r, &v, sizeof(v));
	return v;
}

uint16_t
relay_msg_get_u16(struct relay_msg_r *r)
{
	uint16_t v;

	r_get(r, &v, sizeof(v));
	return v;
}

uint32_t
relay_msg_get_u32(struct relay_msg_r *r)
{
	uint32_t v;

	r_get(r, &v, sizeof(v));
	return v;
}

uint64_t
relay_msg_get_u64(struct relay_msg_r *r)
{
	uint64_t v;

	r_get(r, &v, sizeof(v));
	return v;
}

const void *
relay_msg_get_bytes(struct relay_msg_r *r, size_t n)
{
	const void *p;

	if (r->err != RELAY_E_OK || n > r->len - r->off) {
		if (r->err == RELAY_E_OK)
			r->err = RELAY_E_SHORT;
		return NULL;
	}
	p = r->buf + r->off;
	r->off += n;
	return p;
}

const char *
relay_msg_get_str(struct relay_msg_r *r, size_t *n)
{
	uint16_t len = relay_msg_get_u16(r);
	const char *p = relay_msg_get_bytes(r, len);

	*n = p ? len : 0;
	return p;
}

void
relay_msg_get_strbuf(struct relay_msg_r *r, char *out, size_t outsz)
{
	size_t n;
	const char *p = relay_msg_get_str(r, &n);

	if (outsz == 0)
		return;
	out[0] = '\0';
	if (p == NULL)
		return;
	if (n >= outsz) {
		r->err = RELAY_E_STRING;
		return;
	}
	memcpy(out, p, n);
	out[n] = '\0';
}

int
relay_msg_done(struct relay_msg_r *r)
{
	if (r->err == RELAY_E_OK && r->off != r->len)
		r->err = RELAY_E_TRAILING;
	return r->err == RELAY_E_OK ? 0 : -1;
}

int
relay_msg_next(const void *packet, size_t n, size_t *off,
    const uint8_t **frame, size_t *len)
{
	const uint8_t *p = packet;
	uint32_t plen;

	if (*off == n)
		return 0;
	if (*off > n || n - *off < RELAY_HDR_SIZE)
		return -1;
	memcpy(&plen, p + *off + 4, sizeof(plen));
	if (plen > RELAY_FRAME_MAX - RELAY_HDR_SIZE ||
	    plen > n - *off - RELAY_HDR_SIZE)
		return -1;
	*frame = p + *off;
	*len = RELAY_HDR_SIZE + plen;
	*off += *len;
	return 1;
}

void
relay_msg_stamp(void *frame, uint64_t seq, uint64_t time_ms)
{
	uint8_t *p = frame;

	memcpy(p + RELAY_HDR_SIZE, &seq, sizeof(seq));
	memcpy(p + RELAY_HDR_SIZE + 8, &time_ms, sizeof(time_ms));
}

int
relay_msg_get_stamp(const void *frame, size_t n, uint64_t *seq,
    uint64_t *time_ms)
{
	const uint8_t *p = frame;

	if (n < RELAY_HDR_SIZE + RELAY_STAMP_SIZE)
		return -1;
	memcpy(seq, p + RELAY_HDR_SIZE, sizeof(*seq));
	memcpy(time_ms, p + RELAY_HDR_SIZE + 8, sizeof(*time_ms));
	return 0;
}
