/*
 * fuzz_session.c -- bytes from "the server" into keochat's session core
 * (session.c and model.c): registration, batches, history, read markers,
 * search results, FAIL lines, CTCP, numerics, LIST.  Between reads the
 * user's side moves too: a tick, a tab picked, the top of a tab reached, a
 * search result shown, the rooms asked for, away, a tab muted, so the
 * requests that depend on what came are made.  Everything is freed at the end for LeakSanitizer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "../../src/client/session.h"	/* not the server's */

static int64_t now = 1767323045000LL;

static void
h_send(void *ud, const char *p, size_t n)
{
	(void)ud;
	(void)p;
	(void)n;
}

static void
h_event(void *ud, const struct session_event *ev)
{
	(void)ud;
	if (ev->text != NULL)
		(void)strlen(ev->text);
}

static void
h_close(void *ud, const char *why)
{
	(void)ud;
	(void)why;
}

static int64_t
h_now(void *ud)
{
	(void)ud;
	return now;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct session_host host = { h_send, h_event, h_close,
		h_now };
	struct session *s = session_new(&host, NULL);
	struct model *m = session_model(s);
	size_t off, n;
	int rooms;

	session_set_login(s, "me", "pw", 0);
	session_set_auto_away(s, 1, NULL);
	session_set_alternates(s, "me_ 9bad other");
	session_connecting(s, "vm:6667", "me", "#lobby");
	session_connected(s);
	for (off = 0; off < size; off += n) {
		n = 1 + data[off] % 251;
		if (n > size - off)
			n = size - off;
		session_input(s, (const char *)data + off, n);
		now += 1000;
		rooms = model_count(m);
		switch (data[off] % 8) {
		case 0:
			session_tick(s);
			break;
		case 1:
			session_select(s, data[off] % rooms);
			break;
		case 2:
			session_fetch_older(s, data[off] % rooms);
			break;
		case 3:
			session_jump(s, data[off] % 4);
			break;
		case 4:
			session_search(s, "needle in:#lobby after:2026-01-01");
			break;
		case 5:
			session_list(s);
			(void)session_listed(s);
			break;
		case 6:
			session_set_away(s, data[off] & 8 ? "gone" : "");
			session_typed(s, data[off] % rooms, "x");
			break;
		case 7:
			session_command(s, data[off] % rooms, data[off] & 8 ?
			    "/mute" : "/unmute");
			break;
		}
		if (session_state(s) == SS_DISCONNECTED)
			break;
	}
	session_free(s);
	return 0;
}
