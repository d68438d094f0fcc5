"""Hardening, dying processes (cases 18-24): a worker killed, killed while
holding the roster lock, hung; the relay killed; the master killed; a
worker that fails its configuration; SIGTERM with a hundred users."""
import glob
import os
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from kctest import *  # noqa: E402,F401,F403

HOOKS = {"KEOCHATD_TEST_HOOKS": "debug"}


def spread(s, n=24, want=2):
    by, cl = clients_on_workers(s, want, "u", count=n)
    check(len(by) >= want, "clients did not spread over %d workers" % want)
    return by, cl


def chat_survives(a, b, tag):
    b.drain()
    for i in range(20):
        a.send("PRIVMSG %s :%s %d" % (b.nick, tag, i))
    for i in range(20):
        b.expect(r"PRIVMSG %s :%s %d$" % (b.nick, tag, i))


@case
def case18_worker_killed_with_users():
    s = Server(workers=4)
    by, cl = spread(s)
    order = sorted(by, key=lambda w: -len(by[w]))
    victim, survivors = by[order[0]], [c for w in order[1:] for c in by[w]]
    a, b = survivors[0], survivors[-1]
    for c in survivors:
        c.drain()
    pid = s.worker_pid(order[0])
    mark = s.log_mark()
    t0 = time.monotonic()
    os.kill(pid, signal.SIGKILL)
    for v in victim:
        a.expect(r"^:%s!\S+ QUIT :" % v.nick, 3)
    took = time.monotonic() - t0
    diag("%d QUITs within %.2fs" % (len(victim), took))
    check(took < 1.0 * SLOW + 0.3, "QUITs took %.2fs" % took)
    chat_survives(a, b, "after-kill")
    s.wait_log(r"started worker %d \(pid" % order[0], since=mark)
    taken = s.connect(victim[0].nick)
    taken.close()
    healthy(s)
    s.stop()


@case
def case19_worker_dies_holding_the_roster_lock():
    for hook in ("LOCKDIE", "LOCKHOLD"):
        s = Server(workers=2, env=HOOKS)
        by, cl = spread(s)
        w = sorted(by)[0]
        holder = by[w][0]
        others = [c for x in by if x != w for c in by[x]]
        mark = s.log_mark()
        holder.send("DEBUG " + hook)
        s.wait_log(r"test hook: (dying|holding)", since=mark)
        if hook == "LOCKHOLD":
            os.kill(s.worker_pid(w), signal.SIGKILL)
        t0 = time.monotonic()
        fresh = s.connect("fresh%s" % hook)      # needs the roster lock
        took = time.monotonic() - t0
        diag("%s: a new client registered %.2fs after the holder died"
             % (hook, took))
        s.wait_log(r"roster repaired after a process died holding its lock",
                   since=mark)
        others[0].drain()
        fresh.send("PRIVMSG %s :repaired" % others[0].nick)
        others[0].expect(r"PRIVMSG %s :repaired" % others[0].nick)
        s.wait_log(r"started worker %d \(pid" % w, since=mark)
        healthy(s)
        s.stop()


@case
def case20_hung_worker_is_replaced():
    s = Server(workers=2, opts={"watchdog-timeout": "2"})
    by, cl = spread(s)
    w = sorted(by)[0]
    hung = by[w]
    watcher = [c for x in by if x != w for c in by[x]][0]
    watcher.drain()
    pid = s.worker_pid(w)
    mark = s.log_mark()
    os.kill(pid, signal.SIGSTOP)
    s.wait_log(r"worker %d \(pid %d\) missed its heartbeat" % (w, pid), 10,
               since=mark)
    for v in hung:
        watcher.expect(r"^:%s!\S+ QUIT :" % v.nick, 5)
    s.wait_log(r"started worker %d \(pid" % w, since=mark)
    healthy(s)
    s.stop()


@case
def case21_relay_killed():
    s = Server(workers=2)
    by, cl = spread(s)
    ws = sorted(by)
    a, b = by[ws[0]][0], by[ws[1]][0]
    relay = s.children()["relay"]
    mark = s.log_mark()
    os.kill(relay, signal.SIGKILL)
    s.wait_log(r"relay killed by signal 9; respawning", since=mark)
    s.wait_log(r"relay link lost \(.*\); \d+ bytes of frames queued", since=mark)
    s.wait_log(r"started relay \(pid", since=mark)
    wait_for(lambda: s.children()["relay"] != relay, 5, "a new relay")
    s.wait_log(r"worker \d \(pid \d+\) linked", count=2, since=mark)
    b.drain()
    a.send("PRIVMSG #lobby :after the relay came back")
    b.expect(r"PRIVMSG #lobby :after the relay came back", 5)
    chat_survives(a, b, "relay")
    healthy(s)
    s.stop()


@case
def case22_master_killed():
    s = Server(workers=4)
    port = s.port
    c = s.connect("orphan")
    kids = list(s.children().values())
    t0 = time.monotonic()
    os.kill(s.pid, signal.SIGKILL)
    s.proc.wait()
    wait_for(lambda: not any(proc_alive(p) for p in kids), 2,
             "children to exit")
    took = time.monotonic() - t0
    diag("all children gone %.2fs after the master" % took)
    check(took < 1.0 * SLOW + 0.2, "children took %.2fs" % took)
    c.wait_closed()
    s.stop(check=False)
    s2 = Server(workers=2, listen="127.0.0.1:%d" % port)   # at once
    s2.connect("again")
    s2.stop()


@case
def case23_worker_config_error_is_not_respawned():
    s = Server(workers=2, env={"KEOCHATD_TEST_HOOKS": "worker-exit2"},
               wait_ready=False)
    rc = s.proc.wait(timeout=10 * SLOW)
    check(rc != 0, "master exited 0")
    log = s.log_text()
    check("exited with status 2 (configuration error): not respawning it"
          in log, log)
    starts = log.count("started worker")
    check(starts <= 2, "workers restarted %d times" % starts)
    s.stop(check=False)


@case
def case24_sigterm_with_a_hundred_users():
    s = Server(workers=4)
    cl = [s.connect("s%d" % i) for i in range(100)]
    rundir = s.rundir
    pids = s.all_pids()
    t0 = time.monotonic()
    s.signal(signal.SIGTERM)
    for c in cl:
        c.expect(r"^ERROR :Closing Link: .*\(Server shutting down\)", 10)
        c.wait_closed()
    rc = s.proc.wait(timeout=10)
    took = time.monotonic() - t0
    diag("100 users closed and all processes gone in %.2fs" % took)
    check(rc == 0, "exit status %d" % rc)
    check(took < 5.0, "took %.2fs" % took)
    for p in pids:
        check(not proc_alive(p), "pid %d alive" % p)
    check(not glob.glob("/dev/shm/keochatd*"), "/dev/shm not clean")
    left = os.listdir(rundir) if os.path.exists(rundir) else []
    check(left == [], "runtime dir not clean: %s" % left)
    s.stop()


run()
