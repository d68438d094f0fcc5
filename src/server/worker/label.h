/*
 * label.h -- labeled-response: the answer to a command the client tagged
 * with a label comes back as one labeled line, a labeled BATCH, or an ACK.
 *
 * A labeled command's own replies are captured while it runs (the client
 * table's capture hook); every frame it sends carries the label's token,
 * and the lines those frames bring back to the client are captured too.
 * The relay answers each such frame with LABELDONE once it has routed it;
 * when the last is done, the response goes out.  Meanwhile the client's
 * next lines wait, so responses keep the order of the commands.  The
 * state is struct label in the client (client.h).
 */
#ifndef KEO_LABEL_H
#define KEO_LABEL_H

#include <stddef.h>
#include <stdint.h>

struct client;

/* The command c is about to run carries label tag: capture its replies. */
void		 label_begin(struct client *c, const char *tag);
/* It returned: answer now if it sent no frame, else when they are done. */
void		 label_end(struct client *c);
/* The token for a frame c sends now (0: no label running); it counts. */
uint32_t	 label_frame(struct client *c);
/* The client table's capture hook: 1 when the line was taken. */
int		 label_capture(struct client *c, const char *p, size_t n);
/* A frame's line for c, its origin: 1 when it belongs to c's label. */
int		 label_take(struct client *c, uint32_t token, const char *p,
		    size_t n);
/* The relay routed a frame of c's label token. */
void		 label_done(struct client *c, uint32_t token);
/* Once a second: a label pending for 5 s is answered with what it has
 * (a frame lost with a dead worker must not hold the client forever). */
void		 label_tick(struct client *c, int64_t now_ms);
/* c goes away. */
void		 label_free(struct client *c);

#endif
