"""keochatd's life: --configtest, SIGTERM, SIGHUP, and a worker killed
under its users."""
import glob
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from kctest import *  # noqa: E402,F401,F403


def kd(*args, env=None):
    return subprocess.run([KEOCHATD] + list(args), capture_output=True,
                          text=True, timeout=20, env=env)


@case
def configtest_and_usage():
    d = tempfile.mkdtemp()
    good = os.path.join(d, "good.conf")
    with open(good, "w") as f:
        f.write("# ok\nnicklen = 20\nlisten = 127.0.0.1:6667\n")
    r = kd("-t", "-f", good)
    check(r.returncode == 0, "good config: %d %s" % (r.returncode, r.stderr))
    check("configuration OK" in r.stderr, r.stderr)
    bad = os.path.join(d, "bad.conf")
    with open(bad, "w") as f:
        f.write("sendq = 65536\n\nnicklen = 500\n")
    r = kd("--configtest", "--config", bad)
    check(r.returncode == 2, "bad config exit %d" % r.returncode)
    check("%s:3: nicklen: 500 is out of range" % bad in r.stderr, r.stderr)
    r = kd("-t", "-f", os.path.join(d, "missing.conf"))
    check(r.returncode == 2 and "No such file" in r.stderr, r.stderr)
    r = kd("-t", "-f", good, "-o", "frob=1")
    check(r.returncode == 2 and "unknown option 'frob'" in r.stderr, r.stderr)
    r = kd("-t", "-f", good, "-w", "999")
    check(r.returncode == 2 and "workers: 999 is out of range" in r.stderr,
          r.stderr)
    r = kd("--bogus")
    check(r.returncode == 2 and "usage:" in r.stderr, r.stderr)
    r = kd("extra-arg")
    check(r.returncode == 2, "stray argument accepted")
    r = kd("-V")
    check(r.returncode == 0 and r.stdout.startswith("keochatd-"), r.stdout)
    r = kd("-h")
    check(r.returncode == 0 and "--configtest" in r.stdout, r.stdout)


@case
def sigterm_closes_every_link_and_cleans_up():
    s = Server(workers=4)
    pids = s.all_pids()
    check(len(pids) == 6, "expected master + relay + 4 workers: %s" % pids)
    shm_before = set(glob.glob("/dev/shm/keochatd*"))
    check(not shm_before, "roster left a name in /dev/shm: %s" % shm_before)
    cl = [s.connect("t%d" % i) for i in range(20)]
    rundir = s.rundir
    t0 = time.monotonic()
    s.signal(signal.SIGTERM)
    for c in cl:
        c.expect(r"^ERROR :Closing Link: 127\.0\.0\.1 \(Server shutting down\)")
        c.wait_closed()
    rc = s.proc.wait(timeout=10)
    took = time.monotonic() - t0
    check(rc == 0, "master exit status %d" % rc)
    check(took < 5.0, "shutdown took %.1fs" % took)
    for p in pids:
        check(not proc_alive(p), "pid %d still alive" % p)
    check(not os.path.exists(os.path.join(rundir, "relay.sock")),
          "relay.sock left behind")
    check(not glob.glob("/dev/shm/keochatd*"), "shm left behind")
    s.wait_log(r"master: stopped")
    s.stop()


@case
def sighup_reloads_motd_and_keeps_old_on_error():
    d = tempfile.mkdtemp()
    motd = os.path.join(d, "motd")
    with open(motd, "w") as f:
        f.write("first motd\n")
    conf = "motd-file = %s\nnicklen = 20\n" % motd
    s = Server(config_text=conf)
    c = s.connect("one")
    check(any("first motd" in l for l in c.seen), "initial MOTD missing")
    with open(motd, "w") as f:
        f.write("second motd\n")
    with open(s.config, "w") as f:
        f.write(conf.replace("nicklen = 20", "nicklen = 12"))
    mark = s.log_mark()
    s.signal(signal.SIGHUP)
    s.wait_log(r"configuration reloaded", since=mark)
    c2 = s.connect("two")
    check(any("second motd" in l for l in c2.seen), "new MOTD not shown")
    c2.send("NICK abcdefghijklmno")
    c2.expect_numeric("432")            # nicklen 12 applies at once
    # a broken file keeps the running configuration
    with open(s.config, "w") as f:
        f.write(conf + "bogus-option = 1\n")
    mark = s.log_mark()
    s.signal(signal.SIGHUP)
    s.wait_log(r"reload failed: %s:3: unknown option 'bogus-option'; keeping"
               % s.config, since=mark)
    c3 = s.connect("three")
    check(any("second motd" in l for l in c3.seen), "MOTD lost on bad reload")
    # options that cannot change at run time are refused with a log line
    with open(s.config, "w") as f:
        f.write(conf + "max-clients = 50\n")
    mark = s.log_mark()
    s.signal(signal.SIGHUP)
    s.wait_log(r"reload: max-clients cannot change while running", since=mark)
    healthy(s)
    s.stop()


@case
def kill9_worker_users_quit_and_worker_returns():
    s = Server(workers=4)
    by, cl = clients_on_workers(s, 2, "k", count=32)
    ws = sorted(by, key=lambda w: -len(by[w]))
    victim_w = ws[0]
    victims = by[victim_w]
    others = [c for w in ws[1:] for c in by[w]]
    check(others, "no clients on other workers")
    for c in others:
        c.drain()
    pid = s.worker_pid(victim_w)
    mark = s.log_mark()
    t0 = time.monotonic()
    os.kill(pid, signal.SIGKILL)
    watcher = others[0]
    for v in victims:
        watcher.expect(r"^:%s!\S+ QUIT :Connection lost" % v.nick, 3)
    took = time.monotonic() - t0
    diag("QUITs of %d users reached the others in %.2fs" % (len(victims), took))
    check(took < 1.0 * SLOW + 0.5, "QUITs took %.2fs" % took)
    for v in victims:
        v.wait_closed()
    s.wait_log(r"worker %d killed by signal 9; respawning" % victim_w,
               since=mark)
    s.wait_log(r"started worker %d \(pid" % victim_w, since=mark)
    check(s.worker_pid(victim_w) != pid, "worker not replaced")
    n = s.connect(victims[0].nick)     # the nick is free again
    others[-1].drain()
    n.send("PRIVMSG #lobby :after the crash")
    others[-1].expect(r"PRIVMSG #lobby :after the crash")
    healthy(s)
    s.stop()


run()
