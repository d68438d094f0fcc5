/*
 * notifyd -- the GUI tests' own desktop notification server: it owns
 * org.freedesktop.Notifications on the bus named by
 * DBUS_SESSION_BUS_ADDRESS and writes each call it gets to a log, one
 * line per call, so a test reads what keochat asked for as a
 * notification service would see it.
 *
 *	notifyd LOG [--no-reply]
 *
 * It prints "ready" on stdout once the name is its own.  A log line is
 * tab-separated, each field with \t, \n and \\ escaped:
 *
 *	Notify ID APP REPLACES ICON SUMMARY BODY HINTS EXPIRE
 *	CloseNotification ID
 *	GetCapabilities
 *	GetServerInformation
 *
 * HINTS is "key=value,..." for string, integer and byte values ("key=?"
 * for other types).  --no-reply answers nothing (a service that hangs):
 * the client must not wait for it.  SIGTERM or SIGINT ends it; so does
 * losing the bus.  Malformed calls are answered with an error and
 * logged as "bad MEMBER".
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dbus/dbus.h>

#define NAME	"org.freedesktop.Notifications"
#define PATH	"/org/freedesktop/Notifications"

static volatile sig_atomic_t stop;
static FILE *logfh;
static int no_reply;
static dbus_uint32_t next_id = 1;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void
put(const char *s)
{
	fputc('\t', logfh);
	for (; *s != '\0'; s++)
		switch (*s) {
		case '\t': fputs("\\t", logfh); break;
		case '\n': fputs("\\n", logfh); break;
		case '\\': fputs("\\\\", logfh); break;
		default: fputc(*s, logfh);
		}
}

static void
putu(unsigned long v)
{
	fprintf(logfh, "\t%lu", v);
}

/* The next argument as a string, or NULL when it is not one. */
static const char *
arg_string(DBusMessageIter *it)
{
	const char *s = NULL;

	if (dbus_message_iter_get_arg_type(it) != DBUS_TYPE_STRING)
		return NULL;
	dbus_message_iter_get_basic(it, &s);
	dbus_message_iter_next(it);
	return s;
}

static int
arg_u32(DBusMessageIter *it, dbus_uint32_t *v)
{
	if (dbus_message_iter_get_arg_type(it) != DBUS_TYPE_UINT32)
		return -1;
	dbus_message_iter_get_basic(it, v);
	dbus_message_iter_next(it);
	return 0;
}

/* The hints dictionary as "key=value,...". */
static int
hints(DBusMessageIter *it, char *out, size_t outsz)
{
	DBusMessageIter arr, ent, var;
	size_t n = 0;

	out[0] = '\0';
	if (dbus_message_iter_get_arg_type(it) != DBUS_TYPE_ARRAY)
		return -1;
	dbus_message_iter_recurse(it, &arr);
	while (dbus_message_iter_get_arg_type(&arr) == DBUS_TYPE_DICT_ENTRY) {
		const char *key = NULL, *sv;
		char val[256];
		dbus_int32_t iv;
		unsigned char bv;
		int w;

		dbus_message_iter_recurse(&arr, &ent);
		if ((key = arg_string(&ent)) == NULL ||
		    dbus_message_iter_get_arg_type(&ent) != DBUS_TYPE_VARIANT)
			return -1;
		dbus_message_iter_recurse(&ent, &var);
		switch (dbus_message_iter_get_arg_type(&var)) {
		case DBUS_TYPE_STRING:
			dbus_message_iter_get_basic(&var, &sv);
			snprintf(val, sizeof(val), "%s", sv);
			break;
		case DBUS_TYPE_INT32:
			dbus_message_iter_get_basic(&var, &iv);
			snprintf(val, sizeof(val), "%ld", (long)iv);
			break;
		case DBUS_TYPE_BYTE:
			dbus_message_iter_get_basic(&var, &bv);
			snprintf(val, sizeof(val), "%u", bv);
			break;
		default:
			snprintf(val, sizeof(val), "?");
		}
		w = snprintf(out + n, outsz - n, "%s%s=%s", n ? "," : "", key,
		    val);
		if (w < 0 || (size_t)w >= outsz - n)
			return -1;
		n += (size_t)w;
		dbus_message_iter_next(&arr);
	}
	dbus_message_iter_next(it);
	return 0;
}

static void
reply(DBusConnection *c, DBusMessage *r)
{
	if (r == NULL)
		return;
	if (!no_reply && !dbus_connection_send(c, r, NULL))
		fprintf(stderr, "notifyd: cannot send a reply: no memory\n");
	dbus_message_unref(r);
}

static void
bad(DBusConnection *c, DBusMessage *m, const char *member)
{
	fprintf(logfh, "bad");
	put(member);
	fputc('\n', logfh);
	reply(c, dbus_message_new_error(m, DBUS_ERROR_INVALID_ARGS,
	    "unexpected arguments"));
}

static void
notify(DBusConnection *c, DBusMessage *m)
{
	const char *app, *icon, *sum, *body;
	dbus_uint32_t replaces, id;
	dbus_int32_t expire;
	DBusMessageIter it;
	DBusMessage *r;
	char h[2048];

	if (!dbus_message_iter_init(m, &it) ||
	    (app = arg_string(&it)) == NULL || arg_u32(&it, &replaces) ||
	    (icon = arg_string(&it)) == NULL ||
	    (sum = arg_string(&it)) == NULL ||
	    (body = arg_string(&it)) == NULL ||
	    dbus_message_iter_get_arg_type(&it) != DBUS_TYPE_ARRAY ||
	    !dbus_message_iter_next(&it) || hints(&it, h, sizeof(h)) == -1 ||
	    dbus_message_iter_get_arg_type(&it) != DBUS_TYPE_INT32) {
		bad(c, m, "Notify");
		return;
	}
	dbus_message_iter_get_basic(&it, &expire);
	id = replaces != 0 ? replaces : next_id++;
	fprintf(logfh, "Notify");
	putu(id);
	put(app);
	putu(replaces);
	put(icon);
	put(sum);
	put(body);
	put(h);
	fprintf(logfh, "\t%ld\n", (long)expire);
	if ((r = dbus_message_new_method_return(m)) != NULL &&
	    !dbus_message_append_args(r, DBUS_TYPE_UINT32, &id,
	    DBUS_TYPE_INVALID)) {
		dbus_message_unref(r);
		r = NULL;
	}
	reply(c, r);
}

static void
capabilities(DBusConnection *c, DBusMessage *m)
{
	static const char *caps[] = { "body", "body-markup" };
	const char **p = caps;
	DBusMessage *r;

	fprintf(logfh, "GetCapabilities\n");
	if ((r = dbus_message_new_method_return(m)) != NULL &&
	    !dbus_message_append_args(r, DBUS_TYPE_ARRAY, DBUS_TYPE_STRING,
	    &p, 2, DBUS_TYPE_INVALID)) {
		dbus_message_unref(r);
		r = NULL;
	}
	reply(c, r);
}

static void
server_info(DBusConnection *c, DBusMessage *m)
{
	const char *v[] = { "notifyd", "keochat tests", "1", "1.2" };
	DBusMessage *r;

	fprintf(logfh, "GetServerInformation\n");
	if ((r = dbus_message_new_method_return(m)) != NULL &&
	    !dbus_message_append_args(r, DBUS_TYPE_STRING, &v[0],
	    DBUS_TYPE_STRING, &v[1], DBUS_TYPE_STRING, &v[2],
	    DBUS_TYPE_STRING, &v[3], DBUS_TYPE_INVALID)) {
		dbus_message_unref(r);
		r = NULL;
	}
	reply(c, r);
}

static void
close_notification(DBusConnection *c, DBusMessage *m)
{
	dbus_uint32_t id;
	DBusMessageIter it;

	if (!dbus_message_iter_init(m, &it) || arg_u32(&it, &id)) {
		bad(c, m, "CloseNotification");
		return;
	}
	fprintf(logfh, "CloseNotification");
	putu(id);
	fputc('\n', logfh);
	reply(c, dbus_message_new_method_return(m));
}

static void
serve(DBusConnection *c, DBusMessage *m)
{
	const char *member = dbus_message_get_member(m);

	if (dbus_message_get_type(m) != DBUS_MESSAGE_TYPE_METHOD_CALL ||
	    member == NULL)
		return;
	if (!dbus_message_has_path(m, PATH))
		reply(c, dbus_message_new_error(m, DBUS_ERROR_UNKNOWN_OBJECT,
		    "no such object"));
	else if (!dbus_message_has_interface(m, NAME))
		reply(c, dbus_message_new_error(m, DBUS_ERROR_UNKNOWN_METHOD,
		    "no such interface"));
	else if (strcmp(member, "Notify") == 0)
		notify(c, m);
	else if (strcmp(member, "GetCapabilities") == 0)
		capabilities(c, m);
	else if (strcmp(member, "GetServerInformation") == 0)
		server_info(c, m);
	else if (strcmp(member, "CloseNotification") == 0)
		close_notification(c, m);
	else
		reply(c, dbus_message_new_error(m, DBUS_ERROR_UNKNOWN_METHOD,
		    "no such method"));
	fflush(logfh);
}

int
main(int argc, char *argv[])
{
	const char *addr = getenv("DBUS_SESSION_BUS_ADDRESS");
	struct sigaction sa;
	DBusConnection *c;
	DBusMessage *m;
	DBusError err;
	int rc;

	if (argc < 2 || argc > 3 || (argc == 3 &&
	    strcmp(argv[2], "--no-reply") != 0)) {
		fprintf(stderr, "usage: notifyd LOG [--no-reply]\n");
		return 2;
	}
	no_reply = argc == 3;
	if (addr == NULL || addr[0] == '\0') {
		fprintf(stderr, "notifyd: DBUS_SESSION_BUS_ADDRESS is not set\n");
		return 2;
	}
	if ((logfh = fopen(argv[1], "w")) == NULL) {
		fprintf(stderr, "notifyd: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	if (sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1) {
		fprintf(stderr, "notifyd: sigaction: %s\n", strerror(errno));
		return 1;
	}
	dbus_error_init(&err);
	if ((c = dbus_connection_open_private(addr, &err)) == NULL ||
	    !dbus_bus_register(c, &err)) {
		fprintf(stderr, "notifyd: %s: %s\n", addr,
		    dbus_error_is_set(&err) ? err.message : "cannot connect");
		return 1;
	}
	dbus_connection_set_exit_on_disconnect(c, FALSE);
	rc = dbus_bus_request_name(c, NAME, DBUS_NAME_FLAG_DO_NOT_QUEUE, &err);
	if (rc != DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER) {
		fprintf(stderr, "notifyd: cannot own %s: %s\n", NAME,
		    dbus_error_is_set(&err) ? err.message : "taken");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	while (!stop && dbus_connection_read_write(c, 100)) {
		while ((m = dbus_connection_pop_message(c)) != NULL) {
			serve(c, m);
			dbus_message_unref(m);
		}
		dbus_connection_flush(c);
	}
	dbus_connection_close(c);
	dbus_connection_unref(c);
	return fclose(logfh) == 0 ? 0 : 1;
}
