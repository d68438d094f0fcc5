"""keochatd hosts as one server over a NATS JetStream cluster (backbone =
nats://...): a private 3-node nats-server cluster on loopback and 3
keochatd hosts with 2 workers each.  One order per room on all hosts,
events across hosts, history from the stream on every host, a NATS node
killed mid-stream, the NATS majority lost and back, a relay killed
mid-stream, foreign messages on the stream, start-up without NATS, and
one nick per name across the hosts (the race for one, 30 times)."""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

# a cluster's answers take longer than one host's, and much longer on a
# busy machine (a stream leader elected again): every wait three times
os.environ["KEO_TEST_SLOW"] = str(3 * float(os.environ.get(
    "KEO_TEST_SLOW", "2" if os.environ.get("KEO_SANITIZERS") == "yes"
    else "1")))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from kctest import *  # noqa: E402,F401,F403
from natscluster import NatsCluster, hosts, stop_all  # noqa: E402

at_exit(stop_all)
SHARED = {}


def cluster():
    """One NATS cluster for the cases that leave it whole."""
    c = SHARED.get("nats")
    if c is None or any(p is None for p in c.procs):
        if c is not None:
            c.stop()
        c = SHARED["nats"] = NatsCluster(3)
    return c


def members(hs, room, per_host=2, caps=("message-tags", "echo-message")):
    cl = []
    for i, h in enumerate(hs):
        for j in range(per_host):
            c = h.connect("u%d_%d" % (i, j), autojoin=False, caps=list(caps))
            c.send("JOIN %s" % room)
            c.expect_numeric("366")
            cl.append(c)
    return cl


def texts(c, pattern, count, timeout=15):
    got = []
    while len(got) < count:
        line = c.expect(pattern, timeout)
        got.append(line)
    return got


def body(line):
    if line.startswith("@"):
        line = line.split(" ", 1)[1]
    return line.split(" :", 1)[1] if " :" in line else line


def msgid(line):
    m = re.match(r"@(\S+) ", line)
    tags = dict(t.split("=", 1) for t in m.group(1).split(";") if "=" in t) \
        if m else {}
    return tags.get("msgid")


@case
def one_order_per_room_across_hosts():
    hs = hosts(cluster())
    cl = members(hs, "#order")
    for c in cl:
        c.drain(0.2)
    senders = [cl[0], cl[2], cl[4]]         # one on each host
    per = 150
    for k in range(per):
        for j, s in enumerate(senders):
            s.send("PRIVMSG #order :s%d-%d" % (j, k))
    total = per * len(senders)
    seqs = []
    for c in cl:
        got = texts(c, r"PRIVMSG #order :s\d+-\d+", total)
        seqs.append([(body(l), msgid(l)) for l in got])
        c.not_expect(r"PRIVMSG #order :s", 0.3)   # no duplicate
    for i, sq in enumerate(seqs):
        check(sq == seqs[0], "member %d (host %d) saw another order or "
              "other msgids" % (i, i // 2))
    check(all(m is not None for _, m in seqs[0]), "a line without msgid")
    check(len(set(m for _, m in seqs[0])) == total, "msgids repeat")
    for j in range(len(senders)):
        mine = [t for t, _ in seqs[0] if t.startswith("s%d-" % j)]
        check(mine == ["s%d-%d" % (j, k) for k in range(per)],
              "sender %d's lines out of order" % j)
    for h in hs:
        h.stop()


@case
def events_cross_hosts():
    hs = hosts(cluster())
    a = hs[0].connect("alice", autojoin=False)
    b = hs[1].connect("bob", autojoin=False)
    a.send("JOIN #ev")
    a.expect_numeric("366")
    b.send("JOIN #ev")
    a.expect(r"^:bob!\S+ JOIN #ev")
    b.send("NICK bobby")
    a.expect(r"^:bob!\S+ NICK :?bobby")
    b.send("PART #ev :later")
    a.expect(r"^:bobby!\S+ PART #ev :later")
    b.send("JOIN #ev")
    a.expect(r"^:bobby!\S+ JOIN #ev")
    b.send("QUIT :done here")
    a.expect(r"^:bobby!\S+ QUIT :Quit: done here")
    # a message from a host to itself and the others, and a topic set
    # on one host seen on another
    c = hs[2].connect("carol", autojoin=False)
    c.send("JOIN #ev")
    a.expect(r"^:carol!\S+ JOIN #ev")
    c.send("PRIVMSG #ev :hi from h2")
    a.expect(r"^:carol!\S+ PRIVMSG #ev :hi from h2")
    for h in hs:
        h.stop()


def outcome(c, timeout=15):
    """Registration's answer: "001" (welcome) or "433" (nick in use)."""
    line = c.expect(r"^:\S+ (001|433) ", timeout)
    return line.split()[1]


@case
def nick_race_across_hosts():
    """Three hosts race for one nick (in three casings), 30 times: exactly
    one winner each time, and the losers hear 433."""
    hs = hosts(cluster())
    for r in range(30):
        names = ["Racer%d" % r, "racer%d" % r, "RACER%d" % r]
        cl = [Client(h.port) for h in hs]
        for c, n in zip(cl, names):      # as close together as we can
            c.send_raw(("NICK %s\r\nUSER u 0 * :race\r\n" % n).encode())
        got = [outcome(c) for c in cl]
        check(got.count("001") == 1, "round %d: %s" % (r, got))
        for c in cl:
            c.close()
    for h in hs:
        check(h.all_alive(), "a keochatd process died")
        h.stop()


@case
def nick_claims_across_hosts():
    """A nick held on one host is refused on the others (registration and
    NICK), is free again for them when its user quits, and its own user
    may change its case."""
    hs = hosts(cluster())
    a = hs[0].connect("Keeper", autojoin=False)
    b = Client(hs[1].port)
    b.send("NICK keeper")
    b.send("USER u 0 * :b")
    check(outcome(b) == "433", "a second keeper registered")
    c = hs[2].connect("other", autojoin=False)
    c.send("NICK KEEPER")
    c.expect(r" 433 other KEEPER :")
    a.send("NICK KEEPER")                 # its own, another case
    a.expect(r"^:Keeper!\S+ NICK :?KEEPER")
    a.send("QUIT :bye")
    a.wait_closed()
    # the nick is free on every host once the quit is through
    def taken():
        c.send("NICK keeper")
        line = c.expect(r"( 433 other keeper :|^:other!\S+ NICK :?keeper)",
                        15)
        return "NICK" in line
    wait_for(taken, timeout=10, what="keeper free again",
             interval=0.2)
    b.send("USER u 0 * :b")              # and c's old nick is free too
    wait_for(lambda: b.send("NICK other") or outcome(b) == "001",
             timeout=10, what="other free after the change", interval=0.2)
    for h in hs:
        check(h.all_alive(), "a keochatd process died")
        h.stop()


@case
def private_messages_across_hosts():
    """PRIVMSG, NOTICE and TAGMSG reach a user on another host, with
    echo-message to the sender; a nick no host has is 401; a user who
    quit is 401 again."""
    hs = hosts(cluster())
    a = hs[0].connect("pa", autojoin=False,
                      caps=["echo-message", "message-tags"])
    b = hs[1].connect("pb", autojoin=False, caps=["message-tags"])
    c = hs[2].connect("pc", autojoin=False)
    a.send("PRIVMSG pb :hello over there")
    b.expect(r"^(@\S+ )?:pa!\S+ PRIVMSG pb :hello over there")
    a.expect(r"^(@\S+ )?:pa!\S+ PRIVMSG pb :hello over there")  # echo
    a.not_expect(r"PRIVMSG pb :hello", 0.5)          # the echo once
    b.not_expect(r"PRIVMSG pb :hello", 0.1)          # and the line once
    c.send("NOTICE PB :a notice, any case")
    b.expect(r":pc!\S+ NOTICE (PB|pb) :a notice, any case")
    a.send("@+typing=active TAGMSG pb")
    b.expect(r"^@\S*\+typing=active\S* :pa!\S+ TAGMSG pb")
    # replies come back the same way, in order
    for k in range(20):
        b.send("PRIVMSG pa :back %d" % k)
    got = texts(a, r"PRIVMSG pa :back \d+", 20)
    check([body(l) for l in got] == ["back %d" % k for k in range(20)],
          "replies out of order: %r" % [body(l) for l in got])
    a.send("PRIVMSG nobody_here :anyone?")
    a.expect(r" 401 pa nobody_here :No such nick")
    c.send("QUIT :bye")
    c.wait_closed()
    def gone_for_a():
        a.send("PRIVMSG pc :still there?")
        return " 401 pa pc " in a.expect(r"( 401 pa pc |PRIVMSG pc :still)",
                                          15)
    wait_for(gone_for_a, timeout=10, what="401 for a user who quit",
             interval=0.2)
    for h in hs:
        check(h.all_alive(), "a keochatd process died")
        h.stop()


def names_of(c, room):
    c.send("NAMES %s" % room)
    names = set()
    while True:
        line = c.expect(r" (353|366) ")
        if " 366 " in line:
            return names
        names |= set(n.lstrip("@+") for n in line.split(" :", 1)[1].split())


@case
def roster_views_across_hosts():
    """NAMES, WHOIS, ISON and AWAY show the users of every host; a user
    who parts is still found, one who quits is not; a relay killed and
    started again knows them again."""
    hs = hosts(cluster())
    a = hs[0].connect("va", autojoin=False)
    b = hs[1].connect("vb", autojoin=False)
    c = hs[2].connect("vc", autojoin=False)
    for x in (a, b, c):
        x.send("JOIN #view")
        x.expect_numeric("366")
    for who in ("vb", "vc"):
        a.expect(r"^:%s!\S+ JOIN #view" % who, 15)
    check(names_of(a, "#view") == {"va", "vb", "vc"},
          "NAMES on h0: %r" % names_of(a, "#view"))
    a.send("WHOIS vb")
    a.expect(r" 311 va vb ~u 127\.0\.0\.1 \* :Test User")
    a.expect(r" 319 va vb :\S*#view")
    a.expect(r" 318 va vb ")
    a.send("ISON vb vc nobody")
    line = a.expect(r" 303 va :")
    check(set(line.split(" :", 1)[1].split()) == {"vb", "vc"}, line)
    b.send("AWAY :out for lunch")
    b.expect(r" 306 ")
    def away_seen():
        a.send("WHOIS vb")
        line = a.expect(r" (301|318) va vb ")
        if " 301 " in line:
            a.expect(r" 318 va vb ")
            return "out for lunch" in line
        return False
    wait_for(away_seen, timeout=10, what="vb away on h0", interval=0.2)
    b.send("PART #view")
    a.expect(r"^:vb!\S+ PART #view")
    check(names_of(a, "#view") == {"va", "vc"}, "vb still in NAMES")
    a.send("WHOIS vb")                    # in no room, still there
    a.expect(r" 311 va vb ")
    # a user who never joins a room is known too, and MONITOR sees users
    # of other hosts come and go
    a.send("MONITOR + vlone")
    a.expect(r" 731 va :vlone")
    lone = hs[1].connect("vlone", autojoin=False)
    a.expect(r" 730 va :vlone!\S+@\S+", 15)
    a.send("WHOIS vlone")
    a.expect(r" 311 va vlone ~u 127\.0\.0\.1 \* :Test User")
    lone.send("QUIT :gone")
    a.expect(r" 731 va :vlone", 15)
    # the relay of h0 dies: the new one knows the others' users again
    relay = hs[0].children()["relay"]
    os.kill(relay, signal.SIGKILL)
    hs[0].wait_log(r"started relay \(pid", count=2, timeout=30)
    hs[0].wait_log(r"user\(s\) of other hosts known again", timeout=30)
    check(names_of(a, "#view") == {"va", "vc"}, "NAMES after the relay")
    c.send("QUIT :bye")
    a.expect(r"^:vc!\S+ QUIT :Quit: bye", 15)
    a.send("WHOIS vc")
    a.expect(r" 401 va vc ")
    check(names_of(a, "#view") == {"va"}, "vc still in NAMES")
    for h in hs:
        check(h.all_alive(), "a keochatd process died")
        h.stop()


@case
def channel_changes_on_every_host():
    """MODE, TOPIC, bans and KICK made on one host hold on every host:
    every host applies them in the stream's order."""
    hs = hosts(cluster())
    op = hs[0].connect("cop", autojoin=False)
    op.send("JOIN #state")
    op.expect_numeric("366")
    b = hs[1].connect("cb", autojoin=False)
    c = hs[2].connect("cc", autojoin=False)
    for x in (b, c):
        x.send("JOIN #state")
        x.expect_numeric("366")
    seen = set()
    while len(seen) < 2:
        seen.add(re.match(r":(c[bc])!", op.expect(r"^:c[bc]!\S+ JOIN "
                                                 r"#state", 15)).group(1))
    # the room's maker is its operator on every host
    b.send("NAMES #state")
    check("@cop" in b.expect(r" 353 cb "), "cop is not @ on h1")
    op.send("MODE #state +m")
    for x in (b, c):
        x.expect(r"^:cop!\S+ MODE #state \+m")
    b.send("PRIVMSG #state :may I?")
    b.expect(r" 404 cb #state ")          # h1 holds +m too
    op.send("MODE #state +v cb")
    b.expect(r"^:cop!\S+ MODE #state \+v cb")
    b.send("PRIVMSG #state :now I may")
    c.expect(r":cb!\S+ PRIVMSG #state :now I may")
    c.send("MODE #state +o cc")           # not an operator, on h2 either
    c.expect(r" 482 cc #state ")
    op.send("TOPIC #state :one topic for all")
    c.expect(r"TOPIC #state :one topic for all")
    d = hs[2].connect("cd", autojoin=False)
    d.send("TOPIC #state")
    d.expect(r" 332 cd #state :one topic for all")
    op.send("MODE #state +b cd!*@*")
    c.expect(r"MODE #state \+b cd!\*@\*")
    d.send("JOIN #state")
    d.expect(r" 474 cd #state ")         # h2 holds the ban
    op.send("KICK #state cc :out you go")
    c.expect(r"^:cop!\S+ KICK #state cc :out you go")
    b.expect(r"^:cop!\S+ KICK #state cc :out you go")
    c.send("PRIVMSG #state :still here?")
    c.expect(r" 404 cc #state ")         # out of the room on h2 too
    for x in (op, b):
        check(names_of(x, "#state") == {"cop", "cb"},
              "NAMES after the KICK: %r" % names_of(x, "#state"))
    for h in hs:
        check(h.all_alive(), "a keochatd process died")
        h.stop()


@case
def history_on_every_host():
    hs = hosts(cluster())
    a = hs[0].connect("hista", autojoin=False)
    a.send("JOIN #hist")
    a.expect_numeric("366")
    b = hs[1].connect("histb", autojoin=False)
    b.send("JOIN #hist")
    b.expect_numeric("366")
    for i in range(5):
        a.send("PRIVMSG #hist :from a %d" % i)
        b.expect(r"PRIVMSG #hist :from a %d" % i)
        b.send("PRIVMSG #hist :from b %d" % i)
        a.expect(r"PRIVMSG #hist :from b %d" % i)
    want = [t for i in range(5) for t in ("from a %d" % i, "from b %d" % i)]
    seen = {}
    for i, h in enumerate(hs):
        c = h.connect("histr%d" % i, autojoin=False,
                      caps=["draft/chathistory", "batch", "server-time",
                            "message-tags"])
        c.send("JOIN #hist")
        c.expect_numeric("366")
        c.send("CHATHISTORY LATEST #hist * 50")
        c.expect(r"BATCH \+\S+ chathistory #hist")
        got = []
        while True:
            line = c.expect(r"(PRIVMSG #hist|BATCH -)")
            if "BATCH -" in line:
                break
            got.append((body(line), msgid(line)))
        check([t for t, _ in got] == want, "host %d's history: %r" % (i, got))
        seen[i] = got
    check(seen[0] == seen[1] == seen[2], "msgids differ between hosts")
    for h in hs:
        h.stop()


@case
def foreign_messages_dropped():
    n = cluster()
    hs = hosts(n, count=2)
    a = hs[0].connect("fa", autojoin=False)
    a.send("JOIN #foreign")
    a.expect_numeric("366")
    b = hs[1].connect("fb", autojoin=False)
    b.send("JOIN #foreign")
    b.expect_numeric("366")
    room = "keochat.room." + "#foreign".encode().hex()
    for junk in (b"hello", b"KCB\x01\x01" + b"\xff" * 40, b"",
                 b"KCB\x09\x01", os.urandom(300)):
        n.publish(room, junk)
    n.publish("keochat.user.nobody", b"KCB\x01\x02\x00")
    a.send("PRIVMSG #foreign :still here")
    b.expect(r"PRIVMSG #foreign :still here")
    for h in hs:
        h.wait_log(r"backbone: stream message \d+ on keochat\.room\.\S+ "
                   r"dropped: ")
        check(h.all_alive(), "a process of host died")
        h.stop()


@case
def nats_node_killed_mid_stream():
    n = NatsCluster(3)
    try:
        hs = hosts(n, opts={"backbone": ",".join(
            "nats://127.0.0.1:%d" % p for p in n.ports)})
        cl = members(hs, "#k9", per_host=1)
        for c in cl:
            c.drain(0.2)
        per = 300
        last = [time.monotonic()] * 3
        gap = [0.0] * 3
        for k in range(per):
            cl[k % 3].send("PRIVMSG #k9 :m%d" % k)
            if k == per // 3:
                n.kill(1)                    # kill -9 one of three
            # paced, a line every 20 ms: the longest wait at each host
            # is what the loss cost (reported, not asserted: timing)
            time.sleep(0.02)
            for i, c in enumerate(cl):
                if c.poll(0):
                    now = time.monotonic()
                    gap[i] = max(gap[i], now - last[i])
                    last[i] = now
        seqs = []
        for c in cl:
            got = [body(l) for l in texts(c, r"PRIVMSG #k9 :m\d+", per, 30)]
            c.not_expect(r"PRIVMSG #k9 :m", 0.5)
            seqs.append(got)
        check(sorted(seqs[0], key=lambda t: int(t[1:])) ==
              ["m%d" % k for k in range(per)], "lines lost or doubled")
        check(seqs[0] == seqs[1] == seqs[2], "hosts saw other orders")
        diag("the longest wait for a line, per host: %s s" %
             " ".join("%.2f" % g for g in gap))
        for h in hs:
            check(h.all_alive(), "a keochatd process died")
            h.stop()
    finally:
        n.stop()


@case
def nats_majority_lost_and_back():
    n = NatsCluster(3)
    try:
        hs = hosts(n, count=2)
        a = hs[0].connect("ma", autojoin=False, caps=["echo-message"])
        a.send("JOIN #maj")
        a.expect_numeric("366")
        b = hs[1].connect("mb", autojoin=False)
        b.send("JOIN #maj")
        b.expect_numeric("366")
        a.send("PRIVMSG #maj :before")
        b.expect("PRIVMSG #maj :before")
        for i in range(3):
            n.kill(i)
        a.send("PRIVMSG #maj :while down")
        a.expect(r"FAIL PRIVMSG BACKBONE_UNAVAILABLE #maj :", 30)
        for i in range(3):
            n.start(i)
        n.wait_cluster()

        def flows():
            a.send("PRIVMSG #maj :after")
            try:
                a.expect(r"(PRIVMSG #maj :after|FAIL PRIVMSG)", 10)
            except AssertionError:
                return False
            return b.poll(2.0) and any("PRIVMSG #maj :after" in l
                                       for l in b.lines)
        wait_for(flows, 60, "messages flowing again")
        b.drain(0.5)
        check(not any("while down" in l for l in b.seen),
              "a refused line reached a member")
        for h in hs:
            check(h.all_alive(), "a keochatd process died")
            h.stop()
    finally:
        n.stop()


@case
def relay_killed_mid_stream():
    hs = hosts(cluster(), count=2)
    cl = members(hs, "#relay9", per_host=1)
    for c in cl:
        c.drain(0.2)
    per = 400
    relay = hs[0].children()["relay"]
    for k in range(per):
        cl[k % 2].send("PRIVMSG #relay9 :r%d" % k)
        if k == per // 2:
            os.kill(relay, signal.SIGKILL)
    want = ["r%d" % k for k in range(per)]
    for i, c in enumerate(cl):
        got = [body(l) for l in texts(c, r"PRIVMSG #relay9 :r\d+", per, 30)]
        c.not_expect(r"PRIVMSG #relay9 :r", 0.5)
        check(sorted(got, key=lambda t: int(t[1:])) == want,
              "member %d lost or doubled lines" % i)
    hs[0].wait_log(r"started relay \(pid", count=2)
    for h in hs:
        h.stop()


@case
def host_killed_its_users_quit():
    hs = hosts(cluster())
    a = hs[0].connect("ga", autojoin=False)
    b = hs[1].connect("gb", autojoin=False)
    for c in (a, b):
        c.send("JOIN #gone")
        c.expect_numeric("366")
    z = [hs[2].connect("gz%d" % i, autojoin=False) for i in range(3)]
    for c in z:
        c.send("JOIN #gone")
        c.send("JOIN #gone2")
        c.expect_numeric("366")
    joined = set()
    while len(joined) < len(z):
        joined.add(re.match(r":(gz\d)!", a.expect(r"^:gz\d!\S+ JOIN "
                                                     r"#gone$")).group(1))
    z[0].send("NICK gzed")
    a.expect(r"^:gz0!\S+ NICK :?gzed")
    for h in hs[:2]:                     # the others hold h2's lease
        h.wait_log(r"backbone: host h2 \(boot \d+\) holds a lease",
                   timeout=20)
    t0 = time.monotonic()
    for pid in hs[2].all_pids():         # kill -9 the whole host
        os.kill(pid, signal.SIGKILL)
    hs[2].proc.wait()
    for c in (a, b):                     # in no particular order
        quit_ = set()
        while len(quit_) < 3:
            quit_.add(re.match(r":(\w+)!", c.expect(
                r"^:(gzed|gz1|gz2)!\S+ QUIT :h2 left the cluster",
                30)).group(1))
    diag("the dead host's users quit for the others after %.1f s" %
         (time.monotonic() - t0))
    for c in (a, b):
        c.not_expect(r"QUIT", 1.0)       # once each, though both hosts
    a.send("PRIVMSG #gone :still flowing")   # saw the lease run out
    b.expect(r"PRIVMSG #gone :still flowing")
    # the dead host's nicks are free for the living
    def free_again():
        b.send("NICK gz1")
        return "NICK" in b.expect(r"( 433 gb gz1 :|^:gb!\S+ NICK :?gz1)", 15)
    t0 = time.monotonic()
    wait_for(free_again, timeout=15, what="gz1 free", interval=0.3)
    diag("a dead host's nick was free again %.1f s after its QUIT" %
         (time.monotonic() - t0))
    a.expect(r"^:gb!\S+ NICK :?gz1", 15)       # b is gz1 now
    check(names_of(a, "#gone") == {"ga", "gz1"},
          "the dead host's users are still in NAMES: %r" %
          names_of(a, "#gone"))
    hs[2].stop(check=False)
    for h in hs[:2]:
        check(h.all_alive(), "a keochatd process died")
        h.stop()


@case
def credentials_kept_out_of_the_log():
    pw = "s3cret-Pa55-%d" % os.getpid()
    n = NatsCluster(1, user="keochat", password=pw)
    try:
        d = tempfile.mkdtemp(prefix="kcpw-")
        good = os.path.join(d, "good")
        bad = os.path.join(d, "bad")
        with open(good, "w") as f:
            f.write(pw + "\n")
        with open(bad, "w") as f:
            f.write("not-" + pw + "\n")
        opts = {"backbone-user": "keochat", "backbone-replicas": "1"}
        hs = hosts(n, count=2, workers=1, opts=dict(
            opts, **{"backbone-password-file": good}))
        a = hs[0].connect("pa", autojoin=False)
        b = hs[1].connect("pb", autojoin=False)
        for c in (a, b):
            c.send("JOIN #pw")
            c.expect_numeric("366")
        a.send("PRIVMSG #pw :over a NATS that asks who we are")
        b.expect("PRIVMSG #pw :over a NATS")
        # a wrong password: the host says why and waits, not ready
        w = Server(workers=1, wait_ready=False, opts=dict(
            opts, **{"backbone": n.urls(), "node-name": "wrong",
                     "backbone-password-file": bad}))
        w.wait_log(r"backbone: cannot connect to nats://127\.0\.0\.1:\d+: "
                   r"\S", timeout=15)
        check("master: ready:" not in w.log_text(), "ready without NATS")
        for s in hs + [w]:
            check(pw not in s.log_text(), "the password is in the log")
            s.stop()
        shutil.rmtree(d, ignore_errors=True)
    finally:
        n.stop()


@case
def starts_and_waits_without_nats():
    port = free_port()
    s = Server(workers=1, wait_ready=False,
               opts={"backbone": "nats://127.0.0.1:%d" % port,
                     "node-name": "lonely"})
    s.wait_log(r"backbone: cannot connect to nats://127\.0\.0\.1:%d" % port,
               timeout=15)
    check("master: ready:" not in s.log_text(), "ready without its backbone")
    check(s.proc.poll() is None, "keochatd gave up")
    s.stop()
    # a broken backbone is a configuration error
    r = subprocess.run([KEOCHATD, "-t", "-f", "/dev/null", "-o",
                        "backbone=nats://user:pw@127.0.0.1:4222"],
                       capture_output=True, text=True)
    check(r.returncode == 2, "configtest exit %d" % r.returncode)
    check("backbone" in r.stderr and "pw" not in r.stderr.replace(
        "backbone-user", ""), "configtest said: %r" % r.stderr)


run()
