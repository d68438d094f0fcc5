/*
 * whtest.h -- what the command-layer tests share: assertions on what a
 * fake client was sent, and a registered member of some channels.
 * Clients registered with wh_register() are "nick!~nick@10.0.0.1"; the
 * server is irc.test.
 */
#ifndef KEO_WHTEST_H
#define KEO_WHTEST_H

#include "wh.h"

#define SEEK(c, re)	assert_true(wh_seek((c), (re)))
#define HAS(c, re)	assert_true(wh_has((c), (re)))
#define NONE(c, re)	assert_false(wh_has((c), (re)))

/* Register on worker w and join chans (may be NULL), the replies thrown
 * away. */
static inline struct wh_conn *
member(unsigned w, const char *nick, const char *chans)
{
	struct wh_conn *c = wh_register(w, nick);

	if (chans != NULL) {
		wh_feed(c, "JOIN %s", chans);
		wh_drain(c);
	}
	return c;
}

#endif
