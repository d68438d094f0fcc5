/*
 * test_netconf.c -- keochat's saved networks: the file read back as
 * written, every damaged line an error with its number and the setting's
 * default kept, the atomic 0600 write, and the checks the Networks dialog
 * makes before it saves.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"
#include "netconf.h"

static int
parse(struct netconf *nc, const char *text, struct netconf_errs *e)
{
	memset(e, 0, sizeof(*e));
	return netconf_parse(nc, text, strlen(text), e);
}

static int
has_err(const struct netconf_errs *e, const char *needle)
{
	int i;

	for (i = 0; i < e->n; i++)
		if (strstr(e->msg[i], needle) != NULL)
			return 1;
	return 0;
}

static void
reads_a_whole_network(void **state)
{
	static struct netconf nc;
	struct netconf_errs e;
	char server[300];

	(void)state;
	assert_int_equal(parse(&nc, "# mine\n\n[network Example]\n"
	    "host = irc.example.org\nport = 7000\ntls = yes\n nick=alice \n"
	    "alternates = alice_ alicia\naccount = alice\n"
	    "password = \"  two spaces, a \\\"quote\\\" and \\\\ \"\r\n"
	    "client-cert = /home/a/c.pem\nrooms = #lobby #dev\n"
	    "connect-at-start = on\nquiet = yes\nquiet-tabs = #dev bob\n"
	    "[network  Other ]\nhost = ::1\n", &e), 0);
	assert_int_equal(nc.n, 2);
	assert_string_equal(nc.net[0].name, "Example");
	assert_string_equal(nc.net[0].host, "irc.example.org");
	assert_int_equal(nc.net[0].port, 7000);
	assert_int_equal(nc.net[0].tls, 1);
	assert_string_equal(nc.net[0].nick, "alice");
	assert_string_equal(nc.net[0].alternates, "alice_ alicia");
	assert_string_equal(nc.net[0].password,
	    "  two spaces, a \"quote\" and \\ ");
	assert_string_equal(nc.net[0].rooms, "#lobby #dev");
	assert_int_equal(nc.net[0].connect_at_start, 1);
	assert_int_equal(nc.net[0].quiet, 1);
	assert_string_equal(nc.net[0].quiet_tabs, "#dev bob");
	assert_string_equal(nc.net[1].name, "Other");
	assert_int_equal(nc.net[1].tls, 0);
	assert_int_equal(nc.net[1].quiet, 0);
	netconf_server(&nc.net[0], server, sizeof(server));
	assert_string_equal(server, "ircs://irc.example.org:7000");
	netconf_server(&nc.net[1], server, sizeof(server));
	assert_string_equal(server, "[::1]:6667");
	assert_int_equal(netconf_find(&nc, "other"), 1);
	assert_int_equal(netconf_find(&nc, "nope"), -1);
}

static void
written_is_read_back_the_same(void **state)
{
	static struct netconf a, b;
	static char text[65536];
	struct netconf_errs e;
	int len;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.n = 2;
	snprintf(a.net[0].name, sizeof(a.net[0].name), "Work");
	snprintf(a.net[0].host, sizeof(a.net[0].host), "chat.work");
	snprintf(a.net[0].password, sizeof(a.net[0].password),
	    " \"lead\" and trail\\ ");
	snprintf(a.net[0].rooms, sizeof(a.net[0].rooms), "#a #b");
	a.net[0].tls = 1;
	a.net[0].port = 6697;
	snprintf(a.net[1].name, sizeof(a.net[1].name), "Home ünï");
	snprintf(a.net[1].host, sizeof(a.net[1].host), "127.0.0.1");
	snprintf(a.net[1].nick, sizeof(a.net[1].nick), "bob");
	a.net[1].connect_at_start = 1;
	assert_true((len = netconf_format(&a, text, sizeof(text))) > 0);
	memset(&e, 0, sizeof(e));
	assert_int_equal(netconf_parse(&b, text, (size_t)len, &e), 0);
	assert_int_equal(b.n, 2);
	assert_memory_equal(a.net, b.net, sizeof(a.net[0]) * 2);
	/* too small a buffer is -1, never a cut file */
	assert_int_equal(netconf_format(&a, text, 40), -1);
}

static void
damaged_lines_are_errors_with_defaults_kept(void **state)
{
	static struct netconf nc;
	struct netconf_errs e;
	char longline[1200];

	(void)state;
	assert_int_equal(parse(&nc, "host = early\n"
	    "[network A]\nhost = a.example\nprot = 1\nport = 99999\n"
	    "tls = maybe\nnick\npassword = \"open\n[server B]\nhost = b\n"
	    "[network A]\nhost = again\n[network C]\nport = 12x\n"
	    "nick = \"x\" y\n", &e), 10);
	assert_true(has_err(&e, "line 1: a setting before any"));
	assert_true(has_err(&e, "line 4: 'prot' is not a setting"));
	assert_true(has_err(&e, "line 5: port '99999'"));
	assert_true(has_err(&e, "line 6: tls is 'maybe'"));
	assert_true(has_err(&e, "line 7: not \"setting = value\""));
	assert_true(has_err(&e, "line 8: the value of password has no "
	    "closing quote"));
	assert_true(has_err(&e, "line 9: the only section is [network"));
	assert_true(has_err(&e, "line 11: a second network called 'A'"));
	assert_true(has_err(&e, "line 14: port '12x'"));
	assert_true(has_err(&e, "line 15: the value of nick has text after"));
	/* what was sound is kept, the rest has its default */
	assert_int_equal(nc.n, 2);
	assert_string_equal(nc.net[0].host, "a.example");
	assert_int_equal(nc.net[0].port, 0);
	assert_int_equal(nc.net[0].tls, 0);
	assert_string_equal(nc.net[1].name, "C");
	/* a long line, a NUL, control bytes, more networks than kept */
	memset(longline, 'x', sizeof(longline));
	memcpy(longline, "[network L]\nhost = ", 19);
	longline[sizeof(longline) - 1] = '\0';
	assert_int_equal(parse(&nc, longline, &e), 1);
	assert_true(has_err(&e, "line 2: longer than 1024"));
	memset(&e, 0, sizeof(e));
	assert_int_equal(netconf_parse(&nc, "[network N]\nhost = a\0b\n", 22,
	    &e), 1);
	assert_true(has_err(&e, "line 2: holds a NUL"));
	assert_int_equal(parse(&nc, "[network N]\nhost = a\x1b[31mb\n", &e), 1);
	assert_true(has_err(&e, "is not UTF-8 text"));
	{
		static char many[8192];
		size_t n = 0;
		int i;

		for (i = 0; i < NETCONF_MAX + 3; i++)
			n += (size_t)snprintf(many + n, sizeof(many) - n,
			    "[network n%d]\n", i);
		assert_int_equal(parse(&nc, many, &e), 3);
		assert_int_equal(nc.n, NETCONF_MAX);
		assert_true(has_err(&e, "more than 32 networks"));
	}
}

static void
save_is_atomic_and_private(void **state)
{
	static struct netconf a, b;
	char dir[] = "/tmp/netconf-XXXXXX", path[128], err[256], cmd[160];
	struct netconf_errs e;
	struct stat sb;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/networks", dir);
	memset(&e, 0, sizeof(e));
	assert_int_equal(netconf_load(&b, path, &e), 0);	/* none yet */
	assert_int_equal(b.n, 0);
	memset(&a, 0, sizeof(a));
	a.n = 1;
	snprintf(a.net[0].name, sizeof(a.net[0].name), "S");
	snprintf(a.net[0].host, sizeof(a.net[0].host), "h");
	snprintf(a.net[0].password, sizeof(a.net[0].password), "secret");
	umask(022);
	assert_int_equal(netconf_save(&a, path, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(netconf_load(&b, path, &e), 0);
	assert_int_equal(b.n, 1);
	assert_string_equal(b.net[0].password, "secret");
	/* a save over it replaces it whole, leaves no temporary file */
	a.net[0].tls = 1;
	assert_int_equal(netconf_save(&a, path, err, sizeof(err)), 0);
	assert_int_equal(netconf_load(&b, path, &e), 0);
	assert_int_equal(b.net[0].tls, 1);
	snprintf(cmd, sizeof(cmd), "test $(ls %s | wc -l) = 1", dir);
	assert_int_equal(system(cmd), 0);
	/* a directory where the file should be: a clear error */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(netconf_load(&b, path, &e), -1);
	assert_true(has_err(&e, "not a regular file"));
	assert_int_equal(netconf_save(&a, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot write"));
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static void
check_says_what_is_wrong(void **state)
{
	struct netconf_net n;
	char why[256];

	(void)state;
	memset(&n, 0, sizeof(n));
	assert_int_equal(netconf_check(&n, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "name"));
	snprintf(n.name, sizeof(n.name), "N");
	assert_int_equal(netconf_check(&n, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "host"));
	snprintf(n.host, sizeof(n.host), "irc.example.org");
	snprintf(n.nick, sizeof(n.nick), "9lives");
	assert_int_equal(netconf_check(&n, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "nick '9lives'"));
	snprintf(n.nick, sizeof(n.nick), "alice");
	snprintf(n.rooms, sizeof(n.rooms), "#ok lobby");
	assert_int_equal(netconf_check(&n, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "Rooms: 'lobby'"));
	snprintf(n.rooms, sizeof(n.rooms), "#ok,#fine");
	snprintf(n.alternates, sizeof(n.alternates), "al!ce");
	assert_int_equal(netconf_check(&n, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "Alternate nicks: 'al!ce'"));
	n.alternates[0] = '\0';
	/* quiet tabs: rooms and nicks alike, each sound */
	snprintf(n.quiet_tabs, sizeof(n.quiet_tabs), "#ok bob 9x");
	assert_int_equal(netconf_check(&n, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "Quiet tabs: '9x'"));
	snprintf(n.quiet_tabs, sizeof(n.quiet_tabs), "#ok bob #other");
	assert_int_equal(netconf_check(&n, why, sizeof(why)), 0);
	snprintf(n.host, sizeof(n.host), "[::1]");
	assert_int_equal(netconf_check(&n, why, sizeof(why)), 0);
	snprintf(n.host, sizeof(n.host), "bad host");
	assert_int_equal(netconf_check(&n, why, sizeof(why)), -1);
}

static void
recent_rooms_newest_first_once_and_bounded(void **state)
{
	char dir[] = "/tmp/netconf-XXXXXX", path[128], err[256], cmd[160];
	struct netconf_recent r;
	FILE *f;
	int i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/recent-rooms", dir);
	assert_int_equal(netconf_recent_load(path, &r), 0);	/* none yet */
	assert_int_equal(netconf_recent_add(path, "#a", err, sizeof(err)), 0);
	assert_int_equal(netconf_recent_add(path, "#b", err, sizeof(err)), 0);
	assert_int_equal(netconf_recent_add(path, "#A", err, sizeof(err)), 0);
	assert_int_equal(netconf_recent_load(path, &r), 2);
	assert_string_equal(r.name[0], "#A");	/* to the front, once */
	assert_string_equal(r.name[1], "#b");
	assert_int_equal(netconf_recent_add(path, "not a room", err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "not a room"));
	for (i = 0; i < NETCONF_RECENT_MAX + 5; i++) {
		char name[16];
		snprintf(name, sizeof(name), "#r%d", i);
		assert_int_equal(netconf_recent_add(path, name, err,
		    sizeof(err)), 0);
	}
	assert_int_equal(netconf_recent_load(path, &r), NETCONF_RECENT_MAX);
	assert_string_equal(r.name[0], "#r16");
	/* a damaged file: its bad lines are skipped, the rest read */
	assert_non_null(f = fopen(path, "w"));
	fprintf(f, "#ok\nno hash\n#%0300d\n\n#fine\r\n", 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(netconf_recent_load(path, &r), 2);
	assert_string_equal(r.name[1], "#fine");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static void
path_follows_xdg(void **state)
{
	char out[600];

	(void)state;
	assert_int_equal(setenv("XDG_CONFIG_HOME", "/nonexistent-x", 1), 0);
	assert_int_equal(netconf_path("networks", 0, out, sizeof(out)), 0);
	assert_string_equal(out, "/nonexistent-x/keochat/networks");
	assert_int_equal(setenv("XDG_CONFIG_HOME", "relative", 1), 0);
	assert_int_equal(setenv("HOME", "/home/h", 1), 0);
	assert_int_equal(netconf_path("networks", 0, out, sizeof(out)), 0);
	assert_string_equal(out, "/home/h/.config/keochat/networks");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reads_a_whole_network),
		cmocka_unit_test(written_is_read_back_the_same),
		cmocka_unit_test(damaged_lines_are_errors_with_defaults_kept),
		cmocka_unit_test(save_is_atomic_and_private),
		cmocka_unit_test(check_says_what_is_wrong),
		cmocka_unit_test(recent_rooms_newest_first_once_and_bounded),
		cmocka_unit_test(path_follows_xdg),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
