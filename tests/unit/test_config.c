/*
 * test_config.c -- the option table and the keochatd.conf parser: every
 * kind of error names FILE:LINE.
 */
#include <stdio.h>

#include "unit.h"
#include "config.h"

static int
parse(struct config *c, const char *text, char *err, size_t errsz)
{
	config_defaults(c);
	return config_parse(c, "k.conf", text, strlen(text), err, errsz);
}

static void
defaults_are_sane(void **state)
{
	struct config c;
	char err[256];

	(void)state;
	assert_int_equal(config_defaults(&c), 0);
	assert_int_equal(c.nlisten, 1);
	assert_string_equal(c.listen[0], "[::]:6667");
	assert_string_equal(c.autojoin, "#lobby");
	assert_string_equal(c.network, "KeoChat");
	assert_int_equal(c.max_clients, 10000);
	assert_int_equal(c.max_clients_per_ip, 16);
	assert_int_equal(c.nicklen, 30);
	assert_int_equal(c.registration_timeout, 30);
	assert_int_equal(c.ping_interval, 120);
	assert_int_equal(c.ping_timeout, 60);
	assert_int_equal(c.sendq, 1048576);
	assert_int_equal(c.recvq, 8192);
	assert_int_equal(c.flood_burst, 20);
	assert_int_equal(c.flood_rate, 4);
	assert_int_equal(c.log, CONF_LOG_STDERR);
	assert_int_equal(config_check(&c, err, sizeof(err)), 0);
}

static void
good_file(void **state)
{
	struct config c;
	char err[256];

	(void)state;
	assert_int_equal(parse(&c,
	    "# a comment\n"
	    "\n"
	    "   # indented comment\n"
	    "server-name = irc.example.org\n"
	    "nicklen=16\n"
	    "password = s3cret # not a comment\n"
	    "listen = 127.0.0.1:6667\r\n"
	    "listen = [::1]:6667\n"
	    "autojoin = #a,#b\n"
	    "log-level = debug\n"
	    "motd-file =\n", err, sizeof(err)), 0);
	assert_string_equal(c.server_name, "irc.example.org");
	assert_int_equal(c.nicklen, 16);
	assert_string_equal(c.password, "s3cret # not a comment");
	assert_int_equal(c.nlisten, 2);
	assert_string_equal(c.listen[1], "[::1]:6667");
	assert_string_equal(c.autojoin, "#a,#b");
	assert_int_equal(c.log_level, CONF_LVL_DEBUG);
	assert_string_equal(c.motd_file, "");
}

static void
expect_error(const char *text, const char *want)
{
	struct config c;
	char err[256];

	assert_int_equal(parse(&c, text, err, sizeof(err)), -1);
	if (strstr(err, want) == NULL)
		fail_msg("error '%s' lacks '%s'", err, want);
}

static void
unknown_key(void **state)
{
	(void)state;
	expect_error("nicklen = 20\nfrobnicate = 1\n",
	    "k.conf:2: unknown option 'frobnicate'");
}

static void
bad_number(void **state)
{
	(void)state;
	expect_error("sendq = 12k\n", "k.conf:1: sendq: '12k' is not a number");
	expect_error("sendq = \n", "k.conf:1: sendq: '' is not a number");
	expect_error("workers = 99999999999999999999\n",
	    "k.conf:1: workers: '99999999999999999999' is not a number");
}

static void
out_of_range(void **state)
{
	(void)state;
	expect_error("\n\nnicklen = 5\n",
	    "k.conf:3: nicklen: 5 is out of range (9..64)");
	expect_error("workers = -1\n", "workers: -1 is out of range");
}

static void
duplicate_key(void **state)
{
	(void)state;
	expect_error("nicklen = 20\n# x\nnicklen = 21\n",
	    "k.conf:3: nicklen given twice (first at line 1)");
}

static void
missing_equals(void **state)
{
	(void)state;
	expect_error("nicklen 20\n", "k.conf:1: expected 'key = value'");
	expect_error(" = 20\n", "k.conf:1: expected 'key = value'");
	expect_error("nick len = 20\n", "k.conf:1: malformed option name");
}

static void
bad_enum(void **state)
{
	(void)state;
	expect_error("log = journal\n", "k.conf:1: log: 'journal' is not one");
	expect_error("log-facility = kern\n", "log-facility: 'kern'");
}

static void
bad_strings(void **state)
{
	char line[400];

	(void)state;
	expect_error("network = Keo Chat\n", "k.conf:1: network: must be one "
	    "word");
	expect_error("server-name = irc example\n", "server-name: may hold");
	expect_error("autojoin = #ok,nohash\n",
	    "autojoin: 'nohash' is not a valid channel name");
	expect_error("motd-file = relative/path\n",
	    "motd-file: must be an absolute path");
	snprintf(line, sizeof(line), "server-info = %0300d\n", 0);
	expect_error(line, "server-info: value longer than 127 bytes");
	expect_error("server-info = \xff\xfe\n", "not one line of UTF-8");
}

static void
bad_listen(void **state)
{
	(void)state;
	expect_error("listen = 6667\n", "listen: '6667' is not ADDR:PORT");
	expect_error("listen = ::1:6667\n", "is not ADDR:PORT");
	expect_error("listen = 127.0.0.1:70000\n", "is not ADDR:PORT");
	expect_error("listen = [::1:6667\n", "is not ADDR:PORT");
}

static void
listen_list_limit(void **state)
{
	char text[1024] = "";
	int i;

	(void)state;
	for (i = 0; i < CONF_LISTEN_MAX + 1; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
		    "listen = 127.0.0.1:%d\n", 7000 + i);
	expect_error(text, "listen: at most 8 entries");
}

static void
nul_and_long_lines(void **state)
{
	struct config c;
	char err[256], big[2000];

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_parse(&c, "k.conf", "a = 1\nnick\0len=3\n", 17,
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "k.conf:2: NUL byte"));
	memset(big, 'a', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	expect_error(big, "k.conf:1: line longer than");
}

static void
split_addr_forms(void **state)
{
	char host[64];
	unsigned port;

	(void)state;
	assert_int_equal(config_split_addr("[::]:6667", host, sizeof(host),
	    &port), 0);
	assert_string_equal(host, "::");
	assert_int_equal(port, 6667);
	assert_int_equal(config_split_addr("*:1", host, sizeof(host), &port), 0);
	assert_string_equal(host, "");
	assert_int_equal(config_split_addr(":0", host, sizeof(host), &port), 0);
	assert_int_equal(port, 0);
	assert_int_equal(config_split_addr("localhost:6667", host, sizeof(host),
	    &port), 0);
	assert_string_equal(host, "localhost");
	assert_int_equal(config_split_addr("h:", host, sizeof(host), &port), -1);
	assert_int_equal(config_split_addr("h:x1", host, sizeof(host), &port),
	    -1);
}

static void
overrides(void **state)
{
	struct config c;
	char err[256];

	(void)state;
	assert_int_equal(parse(&c, "nicklen = 20\nlisten = 127.0.0.1:1\n", err,
	    sizeof(err)), 0);
	assert_int_equal(config_override(&c, "nicklen=25", err, sizeof(err)), 0);
	assert_int_equal(c.nicklen, 25);
	assert_int_equal(config_override(&c, "nicklen=26", err, sizeof(err)), 0);
	assert_int_equal(c.nicklen, 26);
	assert_int_equal(config_override(&c, "listen=127.0.0.1:2", err,
	    sizeof(err)), 0);
	assert_int_equal(c.nlisten, 1);	/* the command line replaces */
	assert_string_equal(c.listen[0], "127.0.0.1:2");
	assert_int_equal(config_override(&c, "listen=127.0.0.1:3", err,
	    sizeof(err)), 0);
	assert_int_equal(c.nlisten, 2);
	assert_int_equal(config_override(&c, "autojoin=", err, sizeof(err)), 0);
	assert_string_equal(c.autojoin, "");
	assert_int_equal(config_override(&c, "nicklen", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "is not KEY=VALUE"));
	assert_int_equal(config_override(&c, "nope=1", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown option 'nope'"));
}

static void
every_value_round_trips(void **state)
{
	const struct config_option *o = config_options();
	struct config a, b;
	char v[512], err[256];
	int i;

	(void)state;
	config_defaults(&a);
	config_defaults(&b);
	for (i = 0; i < OPT_COUNT; i++) {
		config_value(&a, i, v, sizeof(v));
		if (o[i].type == CONF_LIST)
			continue;
		assert_int_equal(config_set(&b, o[i].name, v, CONF_FILE, "x",
		    1, err, sizeof(err)), 0);
		assert_false(config_differs(&a, &b, i));
		assert_string_equal(o[i].def, o[i].type == CONF_INT ||
		    o[i].type == CONF_ENUM ? v : o[i].def);
		assert_int_equal(config_find(o[i].name), i);
	}
	assert_int_equal(config_find("no-such"), -1);
}

static void
cross_checks(void **state)
{
	struct config c;
	char err[256];

	(void)state;
	assert_int_equal(parse(&c, "max-clients = 10\nmax-clients-per-ip = "
	    "11\n", err, sizeof(err)), 0);
	assert_int_equal(config_check(&c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "exceeds max-clients"));
}

static void
backbone_urls(void **state)
{
	char urls[CONF_BACKBONE_URLS][CONF_ADDR_MAX + 16], err[256];
	struct config c;

	(void)state;
	assert_int_equal(config_backbone_urls("local", urls,
	    CONF_BACKBONE_URLS), 0);
	assert_int_equal(config_backbone_urls("nats://127.0.0.1:4222,"
	    "tls://[::1]:4223,nats://nats.example:4224", urls,
	    CONF_BACKBONE_URLS), 3);
	assert_string_equal(urls[1], "tls://[::1]:4223");
	assert_string_equal(urls[2], "nats://nats.example:4224");
	/* refused: no scheme, a password in the URL, no port, empty parts,
	 * too many */
	assert_int_equal(config_backbone_urls("127.0.0.1:4222", urls,
	    CONF_BACKBONE_URLS), -1);
	assert_int_equal(config_backbone_urls("nats://u:pw@h:4222", urls,
	    CONF_BACKBONE_URLS), -1);
	assert_int_equal(config_backbone_urls("nats://h", urls,
	    CONF_BACKBONE_URLS), -1);
	assert_int_equal(config_backbone_urls("nats://h:0", urls,
	    CONF_BACKBONE_URLS), -1);
	assert_int_equal(config_backbone_urls("nats://h:1,", urls,
	    CONF_BACKBONE_URLS), -1);
	assert_int_equal(config_backbone_urls("", urls, CONF_BACKBONE_URLS),
	    -1);
	assert_int_equal(config_backbone_urls("nats://a:1,nats://b:2", urls,
	    1), -1);
	expect_error("backbone = redis://h:6379\n", "k.conf:1: backbone: "
	    "must be local or");
	expect_error("node-name = a b\n", "k.conf:1: node-name:");
	expect_error("backbone-replicas = 7\n", "k.conf:1: backbone-replicas");
	assert_int_equal(parse(&c, "backbone = nats://127.0.0.1:4222\n"
	    "node-name = edge-1\nbackbone-password-file = /etc/pw\n", err,
	    sizeof(err)), 0);
	assert_int_equal(config_check(&c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "backbone-user is not"));
}

static void
keep_and_differs(void **state)
{
	struct config a, b;
	char err[256];

	(void)state;
	config_defaults(&a);
	config_defaults(&b);
	assert_int_equal(config_override(&b, "workers=3", err, sizeof(err)), 0);
	assert_int_equal(config_override(&b, "listen=1.2.3.4:5", err,
	    sizeof(err)), 0);
	assert_true(config_differs(&a, &b, OPT_WORKERS));
	assert_true(config_differs(&a, &b, OPT_LISTEN));
	assert_false(config_differs(&a, &b, OPT_NICKLEN));
	config_keep(&b, &a, OPT_WORKERS);
	config_keep(&b, &a, OPT_LISTEN);
	assert_false(config_differs(&a, &b, OPT_WORKERS));
	assert_false(config_differs(&a, &b, OPT_LISTEN));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults_are_sane),
		cmocka_unit_test(good_file),
		cmocka_unit_test(unknown_key),
		cmocka_unit_test(bad_number),
		cmocka_unit_test(out_of_range),
		cmocka_unit_test(duplicate_key),
		cmocka_unit_test(missing_equals),
		cmocka_unit_test(bad_enum),
		cmocka_unit_test(bad_strings),
		cmocka_unit_test(bad_listen),
		cmocka_unit_test(listen_list_limit),
		cmocka_unit_test(nul_and_long_lines),
		cmocka_unit_test(split_addr_forms),
		cmocka_unit_test(overrides),
		cmocka_unit_test(every_value_round_trips),
		cmocka_unit_test(cross_checks),
		cmocka_unit_test(keep_and_differs),
		cmocka_unit_test(backbone_urls),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
