/*
 * notify.c -- see notify.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifdef HAVE_DBUS
#include <dbus/dbus.h>
#endif

#include "notify.h"
#include "valid.h"

/* The length of the UTF-8 sequence at p (at most n bytes), 0 if it is not
 * one. */
static size_t
seq_len(const char *p, size_t n)
{
	size_t k;

	for (k = 1; k <= 4 && k <= n; k++)
		if (utf8_valid(p, k))
			return k;
	return 0;
}

void
notify_escape(const char *in, char *out, size_t outsz)
{
	size_t n = 0, len = strlen(in), k, i;
	const char *rep;
	char one[8];

	if (outsz == 0)
		return;
	for (i = 0; i < len; i += k) {
		rep = NULL;
		k = 1;
		switch (in[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		default:
			if ((unsigned char)in[i] < 0x80) {
				one[0] = in[i] < 0x20 && in[i] != '\n' ? ' ' :
				    in[i];
				one[1] = '\0';
				rep = one;
			} else if ((k = seq_len(in + i, len - i)) > 0) {
				memcpy(one, in + i, k);
				one[k] = '\0';
				rep = one;
			} else {
				k = 1;
				rep = "\xef\xbf\xbd";
			}
		}
		if (n + strlen(rep) >= outsz)
			break;
		memcpy(out + n, rep, strlen(rep));
		n += strlen(rep);
	}
	out[n] = '\0';
}

#ifdef HAVE_DBUS

static DBusConnection *bus;

int
notify_open(char *why, size_t whysz)
{
	const char *addr = getenv("DBUS_SESSION_BUS_ADDRESS");
	const char *rt = getenv("XDG_RUNTIME_DIR");
	char path[600];
	struct stat sb;
	DBusError err;

	if (bus != NULL)
		return 0;
	if (addr == NULL || addr[0] == '\0') {
		if (rt == NULL || rt[0] != '/' ||
		    (size_t)snprintf(path, sizeof(path), "unix:path=%s/bus",
		    rt) >= sizeof(path) || stat(path + 10, &sb) == -1 ||
		    !S_ISSOCK(sb.st_mode)) {
			snprintf(why, whysz, "no session bus (neither "
			    "DBUS_SESSION_BUS_ADDRESS nor $XDG_RUNTIME_DIR/bus)");
			return -1;
		}
		addr = path;
	}
	dbus_error_init(&err);
	if ((bus = dbus_connection_open_private(addr, &err)) == NULL ||
	    !dbus_bus_register(bus, &err)) {
		snprintf(why, whysz, "session bus %s: %s", addr,
		    dbus_error_is_set(&err) ? err.message : "cannot connect");
		dbus_error_free(&err);
		if (bus != NULL) {
			dbus_connection_close(bus);
			dbus_connection_unref(bus);
			bus = NULL;
		}
		return -1;
	}
	/* a bus that goes away ends the notifications, not keochat */
	dbus_connection_set_exit_on_disconnect(bus, FALSE);
	return 0;
}

void
notify_close(void)
{
	if (bus == NULL)
		return;
	dbus_connection_close(bus);
	dbus_connection_unref(bus);
	bus = NULL;
}

/* Whatever came in (NameAcquired, errors for our calls): read and let go,
 * so nothing piles up. */
static void
drain(void)
{
	DBusMessage *m;

	(void)dbus_connection_read_write(bus, 0);
	while ((m = dbus_connection_pop_message(bus)) != NULL)
		dbus_message_unref(m);
}

int
notify_send(const char *summary, const char *body)
{
	static const char app[] = "KEO Chat", icon[] = "";
	static const char k_cat[] = "category", v_cat[] = "im.received";
	static const char k_de[] = "desktop-entry", v_de[] = "keochat";
	char sum[256], text[1024];
	const char *p_app = app, *p_icon = icon, *p_sum = sum, *p_text = text;
	const char *kv[4] = { k_cat, v_cat, k_de, v_de };
	DBusMessageIter it, arr, dict, var;
	dbus_uint32_t replaces = 0;
	dbus_int32_t expire = -1;
	DBusMessage *m;
	int i, ok = 1;

	if (bus == NULL)
		return -1;
	if (!dbus_connection_get_is_connected(bus)) {
		notify_close();
		return -1;
	}
	drain();
	/* the summary is plain text in the spec; the body may be markup */
	notify_escape(summary, sum, sizeof(sum));
	notify_escape(body, text, sizeof(text));
	if ((m = dbus_message_new_method_call("org.freedesktop.Notifications",
	    "/org/freedesktop/Notifications", "org.freedesktop.Notifications",
	    "Notify")) == NULL)
		return -1;
	dbus_message_set_no_reply(m, TRUE);
	dbus_message_iter_init_append(m, &it);
	ok = dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &p_app) &&
	    dbus_message_iter_append_basic(&it, DBUS_TYPE_UINT32, &replaces) &&
	    dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &p_icon) &&
	    dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &p_sum) &&
	    dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &p_text);
	/* no actions */
	ok = ok && dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "s",
	    &arr) && dbus_message_iter_close_container(&it, &arr);
	/* hints: what kind of message, which program */
	ok = ok && dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY,
	    "{sv}", &arr);
	for (i = 0; ok && i < 4; i += 2)
		ok = dbus_message_iter_open_container(&arr,
		    DBUS_TYPE_DICT_ENTRY, NULL, &dict) &&
		    dbus_message_iter_append_basic(&dict, DBUS_TYPE_STRING,
		    &kv[i]) &&
		    dbus_message_iter_open_container(&dict, DBUS_TYPE_VARIANT,
		    "s", &var) &&
		    dbus_message_iter_append_basic(&var, DBUS_TYPE_STRING,
		    &kv[i + 1]) &&
		    dbus_message_iter_close_container(&dict, &var) &&
		    dbus_message_iter_close_container(&arr, &dict);
	ok = ok && dbus_message_iter_close_container(&it, &arr) &&
	    dbus_message_iter_append_basic(&it, DBUS_TYPE_INT32, &expire);
	if (ok)
		ok = dbus_connection_send(bus, m, NULL);
	dbus_message_unref(m);
	if (ok)
		dbus_connection_flush(bus);
	return ok ? 0 : -1;
}

#else /* !HAVE_DBUS */

int
notify_open(char *why, size_t whysz)
{
	snprintf(why, whysz, "keochat was built without D-Bus (libdbus-1)");
	return -1;
}

int
notify_send(const char *summary, const char *body)
{
	(void)summary;
	(void)body;
	return -1;
}

void
notify_close(void)
{
}

#endif
