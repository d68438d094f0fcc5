/*
 * relay_msg.h -- bounds-checked builders and readers for relay frames.
 *
 * A writer fills a caller-owned buffer and a reader walks a received one;
 * neither allocates.  Any overflow or underflow sets the sticky err field:
 * check it once at the end (relay_msg_end, relay_msg_done), as OpenSMTPD's
 * m_get_* helpers are checked.  struct relay_msg_w/r are plain data owned
 * by the caller.
 */
#ifndef KEO_RELAY_MSG_H
#define KEO_RELAY_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "relay_proto.h"

enum relay_msg_err {
	RELAY_E_OK = 0,
	RELAY_E_SHORT,		/* fewer bytes than a header or a field */
	RELAY_E_VERSION,	/* header version is not ours */
	RELAY_E_LENGTH,		/* header length disagrees with the packet */
	RELAY_E_TYPE,		/* unknown frame type */
	RELAY_E_TOO_BIG,	/* over RELAY_FRAME_MAX or the buffer */
	RELAY_E_TRAILING,	/* bytes left after the last field */
	RELAY_E_STRING,		/* a string does not fit the caller's buffer */
};

struct relay_msg_w {
	uint8_t	*buf;		/* caller's buffer */
	size_t	 cap;		/* its size */
	size_t	 len;		/* bytes written, header included */
	enum relay_msg_err err;
};

struct relay_msg_r {
	const uint8_t *buf;	/* the whole frame, header included */
	size_t	 len;		/* its length */
	size_t	 off;		/* read position */
	uint16_t type;		/* from the header */
	enum relay_msg_err err;
};

/* Start a frame of the given type in buf[0..cap). */
void		 relay_msg_begin(struct relay_msg_w *w, void *buf, size_t cap,
		    enum relay_type type);
void		 relay_msg_add_u8(struct relay_msg_w *w, uint8_t v);
void		 relay_msg_add_u16(struct relay_msg_w *w, uint16_t v);
void		 relay_msg_add_u32(struct relay_msg_w *w, uint32_t v);
void		 relay_msg_add_u64(struct relay_msg_w *w, uint64_t v);
void		 relay_msg_add_bytes(struct relay_msg_w *w, const void *p,
		    size_t n);
/* A string of n bytes (n <= 65535). */
void		 relay_msg_add_str(struct relay_msg_w *w, const char *s,
		    size_t n);
/* A zeroed stamp for the relay to fill. */
void		 relay_msg_add_stamp(struct relay_msg_w *w);
/* Finish: writes the length; returns the frame size or -1 on error. */
int		 relay_msg_end(struct relay_msg_w *w);

/* Check a received frame's header; 0 or -1 with r->err set. */
int		 relay_msg_open(struct relay_msg_r *r, const void *buf,
		    size_t n);
uint8_t		 relay_msg_get_u8(struct relay_msg_r *r);
uint16_t	 relay_msg_get_u16(struct relay_msg_r *r);
uint32_t	 relay_msg_get_u32(struct relay_msg_r *r);
uint64_t	 relay_msg_get_u64(struct relay_msg_r *r);
/* Borrow n bytes of the frame; NULL on underflow. */
const void	*relay_msg_get_bytes(struct relay_msg_r *r, size_t n);
/* Borrow a string (not NUL-terminated): pointer and *n; NULL on error. */
const char	*relay_msg_get_str(struct relay_msg_r *r, size_t *n);
/* Copy a string into out (NUL-terminated); error if it does not fit. */
void		 relay_msg_get_strbuf(struct relay_msg_r *r, char *out,
		    size_t outsz);
/* 0 when no error happened and every byte was read, else -1. */
int		 relay_msg_done(struct relay_msg_r *r);

/* Walk the frames of a packet: at *off, set *frame and *len to the next
 * frame and advance *off.  1 for a frame, 0 at the end, -1 when the rest
 * of the packet is not a whole frame (shorter than a header, or a length
 * that runs past the packet or RELAY_FRAME_MAX). */
int		 relay_msg_next(const void *packet, size_t n, size_t *off,
		    const uint8_t **frame, size_t *len);

/* Fill the stamp of a frame in place (relay). */
void		 relay_msg_stamp(void *frame, uint64_t seq, uint64_t time_ms);
/* Read the stamp of a frame (no checks beyond the length). */
int		 relay_msg_get_stamp(const void *frame, size_t n, uint64_t *seq,
		    uint64_t *time_ms);

const char	*relay_msg_strerror(enum relay_msg_err e);
const char	*relay_type_name(unsigned type);

#endif
