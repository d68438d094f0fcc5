"""Faults of the relay and of a stuck worker (DESIGN.md section 6): a relay
killed three times while two senders stream loses no line and keeps one
order for every member; a worker stopped with SIGSTOP stalls nobody else
and is replaced; a stopped relay is replaced by the watchdog and loses
nothing either."""
import os
import re
import select
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from kctest import *  # noqa: E402,F401,F403

LINE = re.compile(r"PRIVMSG #lobby :(s[ab]) (\d+)$")


def members_on(s, workers, prefix, caps=None):
    """One registered #lobby member on each worker in workers.  The
    connections that land elsewhere stay open (so that the accept balance
    sends the next ones to other workers) but leave #lobby."""
    got = {}
    where = {}
    i = 0
    s.extras = getattr(s, "extras", [])
    while len(got) < len(workers):
        c = s.connect("%s%d" % (prefix, i), caps=caps)
        i += 1
        w = c.worker()
        where[w] = where.get(w, 0) + 1
        if w in workers and w not in got:
            got[w] = c
        else:
            c.send("PART #lobby")
            s.extras.append(c)      # open, so the next land elsewhere
        check(i < 400, "could not place clients on workers %s: %s" % (
            workers, where))
    return got


def sender(c, tag, n, batch, pause):
    """Stream n lines "tag i" to #lobby, batch lines at a time."""
    i = 0
    while i < n:
        k = min(batch, n - i)
        c.send("".join("PRIVMSG #lobby :%s %d\r\n" % (tag, i + j)
                       for j in range(k)))
        i += k
        time.sleep(pause)


def collect(c, into):
    for line in c.poll(0):
        m = LINE.search(line)
        if m:
            into.append((m.group(1), int(m.group(2))))
    c.lines = []


def check_stream(name, seq, total, per):
    check(len(seq) == total, "%s got %d of %d lines" % (name, len(seq), total))
    check(len(set(seq)) == total, "%s got a line twice" % name)
    for tag in ("sa", "sb"):
        mine = [n for t, n in seq if t == tag]
        check(mine == list(range(per)), "%s: %s's lines out of order or "
              "missing" % (name, tag))


@case
def relay_killed_three_times_loses_nothing():
    per = 3000
    s = Server(workers=4)
    on = members_on(s, [0, 1, 2, 3], "m", caps=["echo-message"])
    a, b, r, w = on[0], on[1], on[2], on[3]
    for c in on.values():
        c.drain()
    seen = {c: [] for c in on.values()}
    ta = threading.Thread(target=sender, args=(a, "sa", per, 20, 0.01))
    tb = threading.Thread(target=sender, args=(b, "sb", per, 20, 0.01))
    ta.start()
    tb.start()
    kills = 0
    end = time.monotonic() + 90 * SLOW
    while time.monotonic() < end:
        for c in on.values():
            collect(c, seen[c])
        got = len(seen[r])
        if kills < 3 and got >= (kills + 1) * 2 * per // 4:
            relay = s.children()["relay"]
            mark = s.log_mark()
            os.kill(relay, signal.SIGKILL)
            kills += 1
            diag("relay %d killed at %d lines" % (relay, got))
            s.wait_log(r"started relay \(pid", since=mark)
        if all(len(v) >= 2 * per for v in seen.values()) and kills == 3:
            break
        select.select([c.sock for c in on.values()], [], [], 0.05)
    ta.join(10)
    tb.join(10)
    for c in on.values():
        collect(c, seen[c])
    diag("relay kills: %d; lines seen: %s" % (
        kills, [len(v) for v in seen.values()]))
    check(kills == 3, "the stream ended before three kills")
    check(s.log_text().count("relay log recovered") >= 4,
          "a relay did not recover its log")
    for c, seq in seen.items():
        check_stream(c.nick, seq, 2 * per, per)
    for c, seq in seen.items():
        check(seq == seen[r], "%s saw another order than %s" % (c.nick, r.nick))
    healthy(s)
    s.stop()


class Reader(threading.Thread):
    """Reads a client's socket as fast as it can; notes when each probe
    tag arrives and the last lines seen."""

    def __init__(self, c):
        super().__init__(daemon=True)
        self.c = c
        self.stop = threading.Event()
        self.arrived = {}
        self.bytes = 0
        self.tail = b""

    def run(self):
        sock = self.c.sock
        while not self.stop.is_set():
            r, _, _ = select.select([sock], [], [], 0.05)
            if not r:
                continue
            try:
                d = sock.recv(1 << 20)
            except BlockingIOError:
                continue
            except OSError:
                return
            if not d:
                return
            now = time.monotonic()
            self.bytes += len(d)
            buf = self.tail + d
            key = b" PRIVMSG #lobby :probe"
            i = buf.find(key)
            while i >= 0:
                j = buf.find(b"\n", i)
                if j < 0:
                    break
                self.arrived[buf[i + len(key) - 5:j].strip().decode()] = now
                i = buf.find(key, j)
            self.tail = buf[-4096:]


@case
def stopped_worker_stalls_no_one():
    s = Server(workers=4, opts={"relay-stall-timeout": "3",
                                "watchdog-timeout": "30"})
    on = members_on(s, [0, 1, 2, 3], "st")
    stuck, fa, fb, watcher = on[0], on[1], on[2], on[3]
    prober = None
    for i in range(50):
        c = s.connect("pr%d" % i)
        if c.worker() != 0:
            prober = c
            break
        c.send("PART #lobby")
        s.extras.append(c)
    check(prober is not None, "no prober on a healthy worker")
    for c in list(on.values()) + [prober]:
        c.drain()
    readers = [Reader(c) for c in (fa, fb, watcher, prober)]
    for r in readers:
        r.start()
    pid = s.worker_pid(0)
    mark = s.log_mark()
    os.kill(pid, signal.SIGSTOP)
    stop = threading.Event()
    text = "x" * 430

    def flood(c, tag):
        i = 0
        while not stop.is_set():
            c.send("".join("PRIVMSG #lobby :%s %d %s\r\n" % (tag, i + j, text)
                           for j in range(100)))
            i += 100
            time.sleep(0.02)
    floods = [threading.Thread(target=flood, args=(fa, "fa")),
              threading.Thread(target=flood, args=(fb, "fb"))]
    for t in floods:
        t.start()
    sent = {}
    try:
        t_end = time.monotonic() + 15
        n = 0
        while time.monotonic() < t_end:
            tag = "probe%d" % n
            sent[tag] = time.monotonic()
            prober.send("PRIVMSG #lobby :%s" % tag)
            n += 1
            time.sleep(0.1)
        try:
            wait_for(lambda: all(t in readers[2].arrived for t in sent), 10,
                     "every probe at the watcher")
        except AssertionError:
            missing = [t for t in sent if t not in readers[2].arrived]
            diag("probes missing at the watcher: %d of %d (%s...); bytes "
                 "read: %s" % (len(missing), len(sent), missing[:3],
                               [r.bytes for r in readers]))
            raise
    finally:
        stop.set()
        for t in floods:
            t.join(10)
        try:
            os.kill(pid, signal.SIGCONT)
        except OSError:
            pass
    lat = [readers[2].arrived[t] - sent[t] for t in sent]
    diag("%d probes to %s, slowest %.3fs; %d MB delivered to it" % (
        len(lat), watcher.nick, max(lat), readers[2].bytes >> 20))
    check(max(lat) < 1.0, "a probe took %.2fs while a worker was stopped"
          % max(lat))
    s.wait_log(r"worker 0 \(pid %d\) (is \d+ bytes behind|took no messages)"
               % pid, 10, since=mark)
    s.wait_log(r"worker 0 \(pid %d\) is stuck" % pid, 10, since=mark)
    s.wait_log(r"started worker 0 \(pid", 10, since=mark)
    for r in readers:
        r.stop.set()
        r.join(5)
    watcher.lines = []
    s.wait_log(r"\[-\] disconnected: %s " % stuck.nick, 10, since=mark)
    fresh = s.connect(stuck.nick)      # its nick is free again
    fresh.close()
    healthy(s)
    s.stop()


@case
def stopped_relay_is_replaced_and_loses_nothing():
    s = Server(workers=2, opts={"watchdog-timeout": "2"})
    on = members_on(s, [0, 1], "sr", caps=["echo-message"])
    a, b = on[0], on[1]
    a.drain()
    b.drain()
    relay = s.children()["relay"]
    mark = s.log_mark()
    os.kill(relay, signal.SIGSTOP)
    for i in range(200):
        a.send("PRIVMSG #lobby :sa %d" % i)
    s.wait_log(r"relay \(pid %d\) missed its heartbeat" % relay, 10,
               since=mark)
    s.wait_log(r"started relay \(pid", 10, since=mark)
    seen = {a: [], b: []}
    end = time.monotonic() + 10 * SLOW
    while time.monotonic() < end and min(len(v) for v in seen.values()) < 200:
        for c in (a, b):
            collect(c, seen[c])
        time.sleep(0.02)
    for c in (a, b):
        got = [n for t, n in seen[c]]
        check(got == list(range(200)), "%s got %d lines (%s...)" % (
            c.nick, len(got), got[:5]))
    healthy(s)
    s.stop()


run()
