/*
 * test_roster.c -- the shared-memory roster: slots, nick uniqueness under
 * the casemapping, channels and membership, purges, the robust lock
 * surviving a holder that dies (forked children share the mapping), the
 * mask lists and the ban cache, invites, WHOWAS and command counters.
 */
#include <sys/mman.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"
#include "roster.h"

struct fixture {
	void		*mem;
	size_t		 size;
	struct roster	*r;
};

static const uint8_t ip1[16] = { [10] = 0xff, [11] = 0xff, 127, 0, 0, 1 };
static const uint8_t ip2[16] = { [10] = 0xff, [11] = 0xff, 127, 0, 0, 2 };

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[128];

	f->size = roster_size(64, 16);
	f->mem = mmap(NULL, f->size, PROT_READ | PROT_WRITE, MAP_SHARED |
	    MAP_ANONYMOUS, -1, 0);
	assert_true(f->mem != MAP_FAILED);
	assert_int_equal(roster_init(f->mem, f->size, 64, 16, 2), 0);
	f->r = roster_attach(f->mem, f->size, err, sizeof(err));
	assert_non_null(f->r);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	roster_detach(f->r);
	munmap(f->mem, f->size);
	free(f);
	return 0;
}

static int32_t
user(struct roster *r, const char *nick, const uint8_t *ip, int32_t pid)
{
	enum roster_err e;
	int32_t s = roster_user_new(r, 0, pid, ip, "127.0.0.1", 0, &e);

	assert_true(s >= 0);
	if (nick != NULL) {
		assert_int_equal(roster_user_set_nick(r, s, nick), ROSTER_OK);
		roster_user_register(r, s, "~u", "Real", 1);
	}
	return s;
}

static void
attach_checks_header(void **state)
{
	struct fixture *f = *state;
	char err[128];
	uint32_t saved;

	saved = *(uint32_t *)f->mem;
	*(uint32_t *)f->mem = 0xdeadbeef;
	assert_null(roster_attach(f->mem, f->size, err, sizeof(err)));
	assert_non_null(strstr(err, "does not match"));
	*(uint32_t *)f->mem = saved;
	assert_null(roster_attach(f->mem, 16, err, sizeof(err)));
	assert_int_equal(roster_init(f->mem, 100, 64, 16, 2), -1);
}

static void
slots_and_generations(void **state)
{
	struct fixture *f = *state;
	int32_t s;
	uint32_t g;

	roster_lock(f->r);
	s = user(f->r, "alice", ip1, 100);
	g = roster_user(f->r, s)->gen;
	assert_true(roster_user_valid(f->r, s, g));
	roster_user_free(f->r, s);
	assert_false(roster_user_valid(f->r, s, g));
	assert_null(roster_user(f->r, s));
	assert_int_equal(roster_find_nick(f->r, "alice"), -1);
	s = user(f->r, "bob", ip1, 100);	/* the slot is reused */
	assert_int_not_equal(roster_user(f->r, s)->gen, g - 1);
	roster_unlock(f->r);
}

static void
nick_unique_under_casemap(void **state)
{
	struct fixture *f = *state;
	int32_t a, b, s;

	roster_lock(f->r);
	a = user(f->r, "Nick[1]", ip1, 100);
	b = user(f->r, NULL, ip1, 100);
	assert_int_equal(roster_user_set_nick(f->r, b, "nick{1}"),
	    ROSTER_NICK_IN_USE);
	assert_int_equal(roster_user_set_nick(f->r, b, "NICK[1]"),
	    ROSTER_NICK_IN_USE);
	assert_int_equal(roster_find_nick(f->r, "NICK{1}"), a);
	/* a user may change the case of its own nick */
	assert_int_equal(roster_user_set_nick(f->r, a, "NICK[1]"), ROSTER_OK);
	assert_string_equal(roster_user(f->r, a)->nick, "NICK[1]");
	assert_int_equal(roster_user_set_nick(f->r, a, "other"), ROSTER_OK);
	assert_int_equal(roster_user_set_nick(f->r, b, "nick{1}"), ROSTER_OK);
	assert_int_equal(roster_find_nick(f->r, "other"), a);
	/* b holds nick{1} but has not registered: not found as a user */
	assert_int_equal(roster_find_nick(f->r, "NICK[1]"), b);
	assert_null(roster_find_registered(f->r, "NICK[1]", &s));
	assert_int_equal(s, -1);
	assert_ptr_equal(roster_find_registered(f->r, "OTHER", &s),
	    roster_user(f->r, a));
	assert_int_equal(s, a);
	assert_null(roster_find_registered(f->r, "nobody", &s));
	assert_int_equal(s, -1);
	roster_unlock(f->r);
}

static void
per_ip_limit_and_full(void **state)
{
	struct fixture *f = *state;
	enum roster_err e;
	int32_t s[64];
	int i;

	roster_lock(f->r);
	for (i = 0; i < 3; i++)
		assert_true((s[i] = roster_user_new(f->r, 0, 1, ip1, "h", 3,
		    &e)) >= 0);
	assert_int_equal(roster_user_new(f->r, 0, 1, ip1, "h", 3, &e), -1);
	assert_int_equal(e, ROSTER_IP_LIMIT);
	assert_true(roster_user_new(f->r, 0, 1, ip2, "h", 3, &e) >= 0);
	roster_user_free(f->r, s[0]);
	assert_true(roster_user_new(f->r, 0, 1, ip1, "h", 3, &e) >= 0);
	for (i = 0; i < 64; i++)
		if (roster_user_new(f->r, 0, 1, ip2, "h", 0, &e) < 0)
			break;
	assert_int_equal(e, ROSTER_FULL);
	assert_int_equal(i, 64 - 4);
	roster_unlock(f->r);
}

static void
join_part_lifecycle(void **state)
{
	struct fixture *f = *state;
	int32_t a, b, c, c2, m;
	int created, gone;
	uint32_t gen;

	roster_lock(f->r);
	a = user(f->r, "a", ip1, 1);
	b = user(f->r, "b", ip1, 1);
	assert_int_equal(roster_join(f->r, a, "#Lobby", 20, 5, &c, &created),
	    ROSTER_OK);
	assert_true(created);
	gen = roster_chan(f->r, c)->gen;
	assert_int_equal(roster_join(f->r, b, "#lobby", 20, 5, &c2, &created),
	    ROSTER_OK);
	assert_false(created);
	assert_int_equal(c2, c);
	assert_string_equal(roster_chan(f->r, c)->name, "#Lobby");
	assert_int_equal(roster_join(f->r, b, "#LOBBY", 20, 5, &c2, &created),
	    ROSTER_ALREADY_ON);
	assert_int_equal(roster_chan(f->r, c)->nmembers, 2);
	m = roster_chan_first(f->r, c);
	assert_int_equal(roster_member_user(f->r, m), a);
	m = roster_member_next(f->r, m);
	assert_int_equal(roster_member_user(f->r, m), b);
	assert_int_equal(roster_member_next(f->r, m), -1);
	assert_int_equal(roster_part(f->r, a, c, &gone), ROSTER_OK);
	assert_false(gone);
	assert_int_equal(roster_part(f->r, a, c, &gone), ROSTER_NOT_ON);
	assert_int_equal(roster_part(f->r, b, c, &gone), ROSTER_OK);
	assert_true(gone);
	assert_null(roster_chan(f->r, c));
	assert_int_equal(roster_chan_find(f->r, "#lobby"), -1);
	assert_int_equal(roster_join(f->r, a, "#lobby", 20, 6, &c2, &created),
	    ROSTER_OK);
	assert_int_not_equal(roster_chan(f->r, c2)->gen, gen);
	roster_unlock(f->r);
}

static void
channel_limits(void **state)
{
	struct fixture *f = *state;
	int32_t a, c;
	int created, i;
	char name[16];

	roster_lock(f->r);
	a = user(f->r, "a", ip1, 1);
	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "#c%d", i);
		assert_int_equal(roster_join(f->r, a, name, 3, 0, &c, &created),
		    ROSTER_OK);
	}
	assert_int_equal(roster_join(f->r, a, "#c9", 3, 0, &c, &created),
	    ROSTER_TOO_MANY_CHANS);
	for (i = 3; i < 16; i++) {
		snprintf(name, sizeof(name), "#c%d", i);
		assert_int_equal(roster_join(f->r, a, name, 64, 0, &c,
		    &created), ROSTER_OK);
	}
	assert_int_equal(roster_join(f->r, a, "#full", 64, 0, &c, &created),
	    ROSTER_CHANS_FULL);
	roster_user_free(f->r, a);	/* parts everything */
	assert_int_equal(roster_chan_find(f->r, "#c0"), -1);
	roster_unlock(f->r);
}

static void
topic_and_membership(void **state)
{
	struct fixture *f = *state;
	int32_t a, b, c;
	int created;

	roster_lock(f->r);
	a = user(f->r, "a", ip1, 1);
	b = user(f->r, "b", ip1, 1);
	roster_join(f->r, a, "#t", 20, 0, &c, &created);
	assert_true(roster_is_member(f->r, a, c));
	assert_false(roster_is_member(f->r, b, c));
	roster_set_topic(f->r, c, "hello", "a!~u@h", 42);
	assert_string_equal(roster_chan(f->r, c)->topic, "hello");
	assert_int_equal(roster_chan(f->r, c)->topic_time, 42);
	roster_set_topic(f->r, c, "", "a!~u@h", 43);
	assert_int_equal(roster_chan(f->r, c)->topic_time, 0);
	roster_unlock(f->r);
}

static int purged;

static void
count_purge(struct roster *r, int32_t slot, void *arg)
{
	(void)r;
	(void)arg;
	(void)slot;
	purged++;
}

static void
purge_by_pid(void **state)
{
	struct fixture *f = *state;
	struct roster_counts rc;
	int32_t c;
	int created;

	roster_lock(f->r);
	roster_join(f->r, user(f->r, "a", ip1, 10), "#p", 20, 0, &c, &created);
	roster_join(f->r, user(f->r, "b", ip1, 20), "#p", 20, 0, &c, &created);
	user(f->r, "c", ip1, 10);
	user(f->r, NULL, ip1, 10);
	purged = 0;
	assert_int_equal(roster_purge_pid(f->r, 10, count_purge, NULL), 3);
	assert_int_equal(purged, 3);
	assert_int_equal(roster_find_nick(f->r, "a"), -1);
	assert_true(roster_find_nick(f->r, "b") >= 0);
	assert_int_equal(roster_chan(f->r, c)->nmembers, 1);
	roster_get_counts(f->r, &rc);
	assert_int_equal(rc.registered, 1);
	assert_int_equal(rc.unregistered, 0);
	assert_int_equal(rc.channels, 1);
	assert_int_equal(rc.max_registered, 3);
	roster_unlock(f->r);
}

static void
worker_conn_counts(void **state)
{
	struct fixture *f = *state;
	unsigned sum, n;

	roster_worker_conns_set(f->r, 0, 5);
	roster_worker_conns_set(f->r, 1, 7);
	roster_worker_conns_set(f->r, 99, 1000);	/* out of range: ignored */
	roster_worker_conns(f->r, &sum, &n);
	assert_int_equal(sum, 12);
	assert_int_equal(n, 2);
}

/* A child takes the lock, scribbles on derived data and dies. */
static void
dead_holder_is_repaired(void **state)
{
	struct fixture *f = *state;
	int32_t a, c, m;
	int created, status;
	pid_t pid;

	roster_lock(f->r);
	a = user(f->r, "alice", ip1, 1);
	user(f->r, "bob", ip1, 1);
	roster_join(f->r, a, "#x", 20, 0, &c, &created);
	roster_unlock(f->r);
	if ((pid = fork()) == 0) {
		roster_lock(f->r);
		/* die holding the lock in the middle of updates */
		int32_t b = roster_find_nick(f->r, "bob");
		roster_join(f->r, b, "#x", 20, 0, &c, &created);
		roster_member_set_priv(f->r, b, c, MEMBER_VOICE);
		roster_user_set_nick(f->r, b, "bobby");
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(roster_lock(f->r), 1);	/* repaired */
	assert_int_equal(roster_repairs(f->r), 1);
	assert_true(roster_find_nick(f->r, "ALICE") == a);
	assert_int_equal(roster_find_nick(f->r, "bob"), -1);
	assert_true(roster_find_nick(f->r, "BOBBY") >= 0);
	c = roster_chan_find(f->r, "#x");
	assert_true(c >= 0);
	assert_int_equal(roster_chan(f->r, c)->nmembers, 2);
	/* privileges survive the repair, in the member entries too */
	assert_int_equal(roster_member_priv(f->r, a, c), MEMBER_OP);
	assert_int_equal(roster_member_priv(f->r, roster_find_nick(f->r,
	    "bobby"), c), MEMBER_VOICE);
	for (m = roster_chan_first(f->r, c); m >= 0;
	    m = roster_member_next(f->r, m))
		assert_int_equal(roster_member_entry_priv(f->r, m),
		    roster_member_user(f->r, m) == a ? MEMBER_OP : MEMBER_VOICE);
	roster_unlock(f->r);
	assert_int_equal(roster_lock(f->r), 0);	/* clean again */
	roster_unlock(f->r);
}

static int hook_calls;

static void
wait_hook(void *arg)
{
	(void)arg;
	hook_calls++;
}

static void
waiter_calls_hook(void **state)
{
	struct fixture *f = *state;
	struct timespec ts = { 0, 700 * 1000000L };
	int p[2], status;
	char ch;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	if ((pid = fork()) == 0) {
		roster_lock(f->r);
		assert_int_equal(write(p[1], "x", 1), 1);
		nanosleep(&ts, NULL);
		roster_unlock(f->r);
		_exit(0);
	}
	assert_int_equal(read(p[0], &ch, 1), 1);
	hook_calls = 0;
	roster_set_wait_hook(f->r, wait_hook, NULL);
	assert_int_equal(roster_lock(f->r), 0);
	roster_unlock(f->r);
	assert_true(hook_calls >= 1);
	waitpid(pid, &status, 0);
	close(p[0]);
	close(p[1]);
}

/* Two processes race for the same nick many times: one winner each time. */
static void
nick_race_one_winner(void **state)
{
	struct fixture *f = *state;
	int round, status, wins;
	pid_t pid[2];
	int k;

	for (round = 0; round < 20; round++) {
		char nick[16];
		snprintf(nick, sizeof(nick), "race%d", round);
		for (k = 0; k < 2; k++)
			if ((pid[k] = fork()) == 0) {
				enum roster_err e;
				int32_t s;
				roster_lock(f->r);
				s = roster_user_new(f->r, 0, getpid(), ip2, "h",
				    0, &e);
				e = roster_user_set_nick(f->r, s, nick);
				roster_unlock(f->r);
				_exit(e == ROSTER_OK ? 0 : 1);
			}
		for (k = 0, wins = 0; k < 2; k++) {
			waitpid(pid[k], &status, 0);
			wins += WIFEXITED(status) && WEXITSTATUS(status) == 0;
		}
		assert_int_equal(wins, 1);
		roster_lock(f->r);
		roster_user_free(f->r, roster_find_nick(f->r, nick));
		roster_unlock(f->r);
	}
}

/* --- lists, the ban cache, invites, WHOWAS, counters ------------------------ */

static void
lists_add_del_dup_full(void **state)
{
	struct fixture *f = *state;
	const struct roster_mask *m;
	char mask[32];
	int32_t a, c, e;
	int created, i, n = 0;

	roster_lock(f->r);
	a = user(f->r, "a", ip1, 10);
	assert_int_equal(roster_join(f->r, a, "#l", 10, 5, &c, &created),
	    ROSTER_OK);
	assert_int_equal(roster_member_priv(f->r, a, c), MEMBER_OP);
	assert_int_equal(roster_list_add(f->r, c, 'b', "x!*@*", "a", 7),
	    ROSTER_OK);
	assert_int_equal(roster_list_add(f->r, c, 'b', "X!*@*", "a", 7),
	    ROSTER_LIST_DUP);
	assert_int_equal(roster_list_add(f->r, c, 'e', "x!*@*", "a", 7),
	    ROSTER_OK);			/* another list, the same mask */
	for (e = roster_list_first(f->r, c); e >= 0;
	    e = roster_list_next(f->r, e)) {
		m = roster_list_entry(f->r, e);
		assert_string_equal(m->by, "a");
		assert_int_equal(m->when, 7);
		n++;
	}
	assert_int_equal(n, 2);
	assert_int_equal(roster_list_del(f->r, c, 'b', "x!*@*"), ROSTER_OK);
	assert_int_equal(roster_list_del(f->r, c, 'b', "x!*@*"),
	    ROSTER_NOT_FOUND);
	for (i = 1; i < LIST_MAX; i++) {
		snprintf(mask, sizeof(mask), "m%d!*@*", i);
		assert_int_equal(roster_list_add(f->r, c, 'I', mask, "a", 7),
		    ROSTER_OK);
	}
	assert_int_equal(roster_list_add(f->r, c, 'b', "full!*@*", "a", 7),
	    ROSTER_LIST_FULL);
	/* the channel goes with its lists: their entries are free again */
	assert_int_equal(roster_part(f->r, a, c, &created), ROSTER_OK);
	assert_int_equal(created, 1);
	assert_int_equal(roster_join(f->r, a, "#l2", 10, 5, &c, &created),
	    ROSTER_OK);
	assert_int_equal(roster_list_add(f->r, c, 'b', "new!*@*", "a", 7),
	    ROSTER_OK);
	roster_unlock(f->r);
}

static void
ban_cache_follows_nick_and_lists(void **state)
{
	struct fixture *f = *state;
	int32_t a, b, c;
	int created;

	roster_lock(f->r);
	a = user(f->r, "op", ip1, 10);
	b = user(f->r, "Troll", ip1, 10);
	assert_int_equal(roster_join(f->r, a, "#b", 10, 5, &c, &created), 0);
	assert_int_equal(roster_join(f->r, b, "#b", 10, 5, &c, &created), 0);
	assert_false(roster_banned(f->r, b, c));
	assert_int_equal(roster_list_add(f->r, c, 'b', "troll!*@*", "op", 1),
	    ROSTER_OK);
	assert_true(roster_banned(f->r, b, c));		/* casemapped */
	assert_true(roster_banned(f->r, b, c));		/* cached */
	assert_false(roster_banned(f->r, a, c));
	/* a new nick is a new prefix: the cache is dropped */
	assert_int_equal(roster_user_set_nick(f->r, b, "nice"), ROSTER_OK);
	assert_false(roster_banned(f->r, b, c));
	assert_int_equal(roster_user_set_nick(f->r, b, "TROLL"), ROSTER_OK);
	assert_true(roster_banned(f->r, b, c));
	/* an exception wins; removing it bans again */
	assert_int_equal(roster_list_add(f->r, c, 'e', "*!~u@*", "op", 1),
	    ROSTER_OK);
	assert_false(roster_banned(f->r, b, c));
	assert_int_equal(roster_list_del(f->r, c, 'e', "*!~u@*"), ROSTER_OK);
	assert_true(roster_banned(f->r, b, c));
	/* a new host (CHGHOST) too */
	roster_user_set_host(f->r, b, "~u", "cloaked.example");
	assert_int_equal(roster_list_add(f->r, c, 'b', "*!*@127.0.0.1", "op",
	    1), ROSTER_OK);
	assert_int_equal(roster_list_del(f->r, c, 'b', "troll!*@*"),
	    ROSTER_OK);
	assert_false(roster_banned(f->r, b, c));
	assert_true(roster_banned(f->r, a, c));
	roster_unlock(f->r);
}

static void
invites_are_used_once_and_bounded(void **state)
{
	struct fixture *f = *state;
	int32_t a, u[INVITES_MAX + 1], c;
	char nick[16];
	int created, i;

	roster_lock(f->r);
	a = user(f->r, "op", ip1, 10);
	assert_int_equal(roster_join(f->r, a, "#i", 10, 5, &c, &created), 0);
	for (i = 0; i <= INVITES_MAX; i++) {
		snprintf(nick, sizeof(nick), "u%d", i);
		u[i] = user(f->r, nick, ip2, 10);
		roster_invite_add(f->r, c, u[i]);
	}
	roster_invite_add(f->r, c, u[INVITES_MAX]);	/* twice: one entry */
	assert_false(roster_invite_take(f->r, c, u[0]));	/* the oldest
								 * went */
	assert_true(roster_invite_take(f->r, c, u[1]));
	assert_false(roster_invite_take(f->r, c, u[1]));	/* used up */
	assert_true(roster_invite_take(f->r, c, u[INVITES_MAX]));
	/* a slot reused by someone else is not invited */
	roster_user_free(f->r, u[2]);
	u[2] = user(f->r, "later", ip2, 10);
	assert_false(roster_invite_take(f->r, c, u[2]));
	roster_unlock(f->r);
}

static void
whowas_remembers_the_newest_first(void **state)
{
	struct fixture *f = *state;
	struct roster_whowas w;
	int32_t a;

	roster_lock(f->r);
	a = user(f->r, "Old", ip1, 10);
	roster_whowas_add(f->r, a, 100);
	assert_int_equal(roster_user_set_nick(f->r, a, "newer"), ROSTER_OK);
	roster_whowas_add(f->r, a, 200);
	assert_int_equal(roster_user_set_nick(f->r, a, "old"), ROSTER_OK);
	roster_whowas_add(f->r, a, 300);
	assert_int_equal(roster_whowas_get(f->r, "OLD", 0, &w), 0);
	assert_int_equal(w.when, 300);
	assert_string_equal(w.nick, "old");
	assert_int_equal(roster_whowas_get(f->r, "old", 1, &w), 0);
	assert_int_equal(w.when, 100);
	assert_string_equal(w.nick, "Old");
	assert_string_equal(w.realname, "Real");
	assert_int_equal(roster_whowas_get(f->r, "old", 2, &w), -1);
	assert_int_equal(roster_whowas_get(f->r, "nobody", 0, &w), -1);
	roster_unlock(f->r);
}

static void
command_counters_sum_workers(void **state)
{
	struct fixture *f = *state;

	roster_count(f->r, 0, 3);
	roster_count(f->r, 1, 3);
	roster_count(f->r, 1, 3);
	roster_count(f->r, 0, ROSTER_COUNTERS);		/* out of range */
	roster_count(f->r, WORKERS_MAX, 3);
	assert_int_equal(roster_counted(f->r, 3), 3);
	assert_int_equal(roster_counted(f->r, 4), 0);
	assert_int_equal(roster_counted(f->r, ROSTER_COUNTERS), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(attach_checks_header, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(slots_and_generations, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(nick_unique_under_casemap,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(per_ip_limit_and_full, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(join_part_lifecycle, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(channel_limits, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(topic_and_membership, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(purge_by_pid, setup, teardown),
		cmocka_unit_test_setup_teardown(worker_conn_counts, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(dead_holder_is_repaired, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(waiter_calls_hook, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(nick_race_one_winner, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(lists_add_del_dup_full, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(ban_cache_follows_nick_and_lists,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(invites_are_used_once_and_bounded,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(whowas_remembers_the_newest_first,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(command_counters_sum_workers,
		    setup, teardown),
	};

	return cmocka_run_group_tests_name("roster", tests, NULL, NULL);
}
