/*
 * testhooks.c -- what the fault tests need from inside a worker, linked
 * only into keochatd-test (a check program); the installed keochatd has
 * none of it.  worker_main() calls testhooks_worker() when it is linked
 * (a weak reference), which reads KEOCHATD_TEST_HOOKS:
 *
 *   worker-exit2   the worker exits at once with status 2, as one with a
 *                  bad configuration would (the master must not respawn)
 *   debug          the DEBUG command: DEBUG LOCKDIE dies holding the
 *                  roster lock, DEBUG LOCKHOLD holds it until killed
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cmd.h"
#include "ctx.h"
#include "log.h"

int	testhooks_worker(void);

static void
cmd_debug(struct client *c, struct irc_msg *m)
{
	if (strcasecmp(m->params[0], "LOCKDIE") == 0) {
		log_warnx("test hook: dying with the roster lock held");
		ctx_roster_lock();
		_exit(1);
	}
	if (strcasecmp(m->params[0], "LOCKHOLD") == 0) {
		log_warnx("test hook: holding the roster lock until killed");
		ctx_roster_lock();
		for (;;)
			pause();
	}
	client_sendf(c, ":%s NOTICE %s :DEBUG LOCKDIE|LOCKHOLD",
	    kd.cfg.server_name, c->nick);
}

static const struct command debug_commands[] = {
	{ "DEBUG",	cmd_debug,	1, 0, 1 },
};

int
testhooks_worker(void)
{
	const char *hooks = getenv("KEOCHATD_TEST_HOOKS");

	if (hooks == NULL || *hooks == '\0')
		return 0;
	if (strstr(hooks, "worker-exit2") != NULL) {
		log_warnx("test hook: exiting with status 2 as a worker with a "
		    "bad configuration would");
		return 2;
	}
	if (strstr(hooks, "debug") != NULL)
		dispatch_extra(debug_commands, sizeof(debug_commands) /
		    sizeof(debug_commands[0]));
	return 0;
}
