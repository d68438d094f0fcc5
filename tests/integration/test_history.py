"""The memory of the room: the relay keeps every room's lines in the store
before it sends them; CHATHISTORY (draft/chathistory, draft/event-playback)
reads them back with every subcommand and selector; a client without the
cap gets the last lines when it joins; retention prunes in the background;
nothing a member saw is lost when the relay or a worker is killed."""
import os
import re
import signal
import sqlite3
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from kctest import *  # noqa: E402,F401,F403

HCAPS = ["draft/chathistory", "batch", "server-time", "message-tags"]
PAST = "timestamp=2000-01-01T00:00:00.000Z"
FUTURE = "timestamp=2100-01-01T00:00:00.000Z"


def history(c, cmd, timeout=5.0, verb="CHATHISTORY"):
    """Send CHATHISTORY ... (or SEARCH ...); the batch's lines (the BATCH
    lines apart), or the FAIL line as a string."""
    c.send("%s %s" % (verb, cmd))
    first = c.expect(r" BATCH \+\S+ (chathistory|draft/chathistory-targets|"
                     r"draft/search)( |$)| FAIL %s " % verb, timeout)
    if " FAIL " in first:
        return first
    ref = re.search(r"BATCH \+(\S+)", first).group(1)
    out = []
    while True:
        line = c.expect(r".", timeout)
        if re.search(r"BATCH -%s$" % re.escape(ref), line):
            return out
        check(line.startswith("@batch=%s" % ref), "outside the batch: " + line)
        out.append(line)


def texts(lines):
    return [re.search(r" PRIVMSG \S+ :(.*)$", l).group(1) for l in lines
            if " PRIVMSG " in l]


def msgid(line):
    return re.search(r"[@;]msgid=([0-9a-z]+)", line).group(1)


@case
def every_subcommand_and_selector():
    s = Server(workers=2)
    a = s.connect("alice", caps=["echo-message"])
    for i in range(30):
        a.send("PRIVMSG #lobby :m%d" % i)
    a.expect(r"PRIVMSG #lobby :m29$")      # kept before it was sent
    h = s.connect("reader", caps=HCAPS)
    all_ = history(h, "LATEST #lobby * 100")
    check(texts(all_) == ["m%d" % i for i in range(30)], texts(all_))
    for l in all_:
        check(re.match(r"@batch=\S+;time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z;"
                       r"msgid=[0-9a-z]+ :alice!\S+ PRIVMSG #lobby :m\d+$", l), l)
    ids = [msgid(l) for l in all_]
    check(len(set(ids)) == 30, "msgids repeat")
    check(texts(history(h, "LATEST #lobby * 5")) == ["m25", "m26", "m27",
                                                     "m28", "m29"], "LATEST *")
    check(texts(history(h, "LATEST #lobby msgid=%s 100" % ids[26])) ==
          ["m27", "m28", "m29"], "LATEST msgid")
    check(texts(history(h, "BEFORE #lobby msgid=%s 3" % ids[10])) ==
          ["m7", "m8", "m9"], "BEFORE")
    check(texts(history(h, "AFTER #lobby msgid=%s 3" % ids[10])) ==
          ["m11", "m12", "m13"], "AFTER")
    check(texts(history(h, "AROUND #lobby msgid=%s 5" % ids[10])) ==
          ["m8", "m9", "m10", "m11", "m12"], "AROUND")
    check(texts(history(h, "BETWEEN #lobby msgid=%s msgid=%s 10" %
                        (ids[5], ids[9]))) == ["m6", "m7", "m8"], "BETWEEN")
    check(texts(history(h, "BETWEEN #lobby msgid=%s msgid=%s 2" %
                        (ids[9], ids[5]))) == ["m7", "m8"], "BETWEEN back")
    check(texts(history(h, "AFTER #lobby %s 3" % PAST)) == ["m0", "m1", "m2"],
          "AFTER timestamp")
    check(texts(history(h, "BEFORE #lobby %s 2" % FUTURE)) == ["m28", "m29"],
          "BEFORE timestamp")
    check(texts(history(h, "BETWEEN #lobby %s %s 4" % (FUTURE, PAST))) ==
          ["m26", "m27", "m28", "m29"], "BETWEEN timestamps, backwards")
    # a timestamp is exclusive: the lines of that very millisecond stay out
    times = [re.search(r"time=(\S+?);", l).group(1) for l in all_]
    t10 = times[10]
    want = ["m%d" % i for i in range(30) if times[i] < t10]
    got = texts(history(h, "BEFORE #lobby timestamp=%s 100" % t10))
    check(got == want, "BEFORE %s: %s, not %s" % (t10, got, want))
    want = ["m%d" % i for i in range(30) if times[i] > t10]
    got = texts(history(h, "AFTER #lobby timestamp=%s 100" % t10))
    check(got == want, "AFTER %s: %s, not %s" % (t10, got, want))
    # a msgid of another room places nothing: an empty batch
    h.send("JOIN #other")
    h.expect(r" 366 ")
    check(history(h, "AFTER #other msgid=%s 10" % ids[3]) == [], "cross-room")
    # TARGETS: the rooms with lines in the window, by their newest line
    a.send("JOIN #other")
    a.send("PRIVMSG #other :later")
    h.expect(r"PRIVMSG #other :later")
    t = history(h, "TARGETS %s %s 10" % (PAST, FUTURE))
    check([re.search(r"TARGETS (\S+) ", l).group(1) for l in t] ==
          ["#lobby", "#other"], t)
    # event-playback: the events too, in their place
    e = s.connect("events", caps=HCAPS + ["draft/event-playback"])
    ev = history(e, "LATEST #other * 10")
    check(any(re.search(r":alice!\S+ JOIN #other$", l) for l in ev) and
          texts(ev) == ["later"], ev)
    check(not any(" JOIN " in l for l in history(h, "LATEST #other * 10")),
          "events without event-playback")
    # labeled-response: the chathistory batch nested in the labeled one
    l = s.connect("labels", caps=HCAPS + ["labeled-response"])
    l.send("@label=q1 CHATHISTORY LATEST #lobby * 2")
    outer = l.expect(r"^@label=q1 :\S+ BATCH \+(\S+) labeled-response$")
    oref = re.search(r"BATCH \+(\S+)", outer).group(1)
    inner = l.expect(r"BATCH \+")
    check(re.match(r"^@batch=%s :\S+ BATCH \+\S+ chathistory #lobby$" % oref,
                   inner), inner)
    iref = re.search(r"BATCH \+(\S+) chathistory", inner).group(1)
    m1 = l.expect(r"PRIVMSG")
    check(m1.startswith("@batch=%s;" % iref), m1)
    l.expect(r"^@batch=%s :\S+ BATCH -%s$" % (oref, iref))
    l.expect(r"^:\S+ BATCH -%s$" % oref)
    # 005 and CAP LS say what is there
    c = s.connect()
    c.send("CAP LS 302")
    ls = c.expect(r" CAP \* LS ")
    check("draft/chathistory" in ls and "draft/event-playback" in ls, ls)
    check(any("CHATHISTORY=1000" in x for x in h.seen) and
          any("MSGREFTYPES=msgid,timestamp" in x for x in h.seen), "005")
    s.stop()


@case
def every_bad_request_gets_its_fail():
    s = Server()
    a = s.connect("alice", caps=HCAPS + ["echo-message"])
    a.send("PRIVMSG #lobby :x")
    bad = [
        ("SINCE #lobby * 10", r"FAIL CHATHISTORY INVALID_PARAMS SINCE :"),
        ("LATEST #lobby", r"FAIL CHATHISTORY NEED_MORE_PARAMS LATEST :"),
        ("LATEST #lobby yesterday 10", r"INVALID_PARAMS LATEST :Invalid "
         r"message reference"),
        ("LATEST #lobby msgid=NOT-OURS 10", r"INVALID_PARAMS LATEST :"),
        ("LATEST #lobby timestamp=2019-02-30T00:00:00.000Z 10",
         r"INVALID_PARAMS LATEST :"),
        ("BEFORE #lobby * 10", r"INVALID_PARAMS BEFORE :"),
        ("LATEST #lobby * 0", r"INVALID_PARAMS LATEST :The limit"),
        ("LATEST #lobby * 1001", r"INVALID_PARAMS LATEST :The limit"),
        ("LATEST #lobby * -3", r"INVALID_PARAMS LATEST :The limit"),
        ("LATEST #lobby * 99999999999999999999", r"INVALID_PARAMS LATEST :"),
        ("LATEST #lobby * ten", r"INVALID_PARAMS LATEST :The limit"),
        ("BETWEEN #lobby * %s 10" % FUTURE, r"INVALID_PARAMS BETWEEN :"),
        ("TARGETS msgid=abc %s 10" % FUTURE, r"INVALID_PARAMS TARGETS :"),
        ("LATEST #nosuchroom * 10", r"INVALID_TARGET LATEST #nosuchroom :"),
        ("LATEST bob * 10", r"INVALID_TARGET LATEST bob :"),
        ("LATEST #lobby' OR 1=1 -- * 10", r"FAIL CHATHISTORY "),
    ]
    for cmd, want in bad:
        got = history(a, cmd)
        check(isinstance(got, str) and re.search(want, got), "%s: %s" % (cmd, got))
        check("SQL" not in got and "sqlite" not in got.lower(), got)
    # a secret room: its members read it, nobody else learns it exists
    a.send("JOIN #hidden")
    a.send("MODE #hidden +s")
    a.send("PRIVMSG #hidden :secret words")
    a.expect(r"PRIVMSG #hidden :secret words")
    check(texts(history(a, "LATEST #hidden * 10")) == ["secret words"], "member")
    o = s.connect("outsider", caps=HCAPS)
    got = history(o, "LATEST #hidden * 10")
    check(re.search(r"INVALID_TARGET LATEST #hidden :Messages could not be "
                    r"retrieved$", got), got)
    check(history(o, "LATEST #nonexistent * 10").endswith(
        ":Messages could not be retrieved"), "same answer for both")
    check("#hidden" not in " ".join(history(o, "TARGETS %s %s 10" %
                                            (PAST, FUTURE))), "TARGETS leaks")
    # a keyed room the same; a public room anyone may read
    a.send("JOIN #keyed")
    a.send("MODE #keyed +k sesame")
    a.expect(r"MODE #keyed \+k")
    check("INVALID_TARGET" in history(o, "LATEST #keyed * 10"), "+k")
    o.send("PART #lobby")
    o.expect(r"PART #lobby")
    check(texts(history(o, "LATEST #lobby * 10")) == ["x"], "public room")
    healthy(s)
    s.stop()


@case
def nothing_seen_is_lost_when_the_relay_and_a_worker_die():
    """kill -9 of the relay, then of a worker, while a room streams: every
    line the member received is in CHATHISTORY afterwards, once, in order."""
    s = Server(workers=3)
    by, _ = clients_on_workers(s, 2, "m", count=30, caps=HCAPS)
    workers = sorted(by)
    check(len(workers) >= 2, "clients on %d workers" % len(workers))
    sender, receiver = by[workers[0]][0], by[workers[1]][0]
    # the worker killed is one neither of them is on
    victim = [w for w in s.children() if w != "relay" and w not in
              workers[:2]][0]
    total, killed = 600, []
    for i in range(total):
        sender.send("PRIVMSG #lobby :s%d" % i)
        if i == 200:
            os.kill(s.children()["relay"], signal.SIGKILL)
            killed.append("relay")
        if i == 400:
            os.kill(s.children()[victim], signal.SIGKILL)
            killed.append(victim)
        if i % 50 == 0:
            time.sleep(0.02)
    recv = []
    end = time.monotonic() + 30 * SLOW
    while len(recv) < total and time.monotonic() < end:
        line = receiver.expect(r"PRIVMSG #lobby :s\d+$", 30)
        recv.append(line)
    check(len(recv) == total, "received %d of %d" % (len(recv), total))
    wait_for(lambda: s.children().get("relay"), 10, "a new relay")
    h = s.connect("after", caps=HCAPS)
    kept = history(h, "LATEST #lobby * 1000", 15)
    kept_ids = [msgid(l) for l in kept if " PRIVMSG #lobby :s" in l]
    recv_ids = [msgid(l) for l in recv]
    check(len(kept_ids) == len(set(kept_ids)), "a line kept twice")
    missing = [i for i in recv_ids if i not in set(kept_ids)]
    check(not missing, "%d received lines not in history" % len(missing))
    order = [i for i in kept_ids if i in set(recv_ids)]
    check(order == recv_ids, "history is not in the order the member saw")
    diag("killed %s; %d lines received, %d kept" % (killed, len(recv),
                                                     len(kept_ids)))
    s.stop()


@case
def a_client_without_the_cap_gets_the_last_lines_on_join():
    s = Server(opts={"history-replay-lines": "3"})
    a = s.connect("alice", caps=["echo-message"])
    for i in range(6):
        a.send("PRIVMSG #lobby :r%d" % i)
    a.send("PRIVMSG #lobby :\x01ACTION waves\x01")
    a.expect(r"ACTION waves")
    p = s.connect("plain")
    lines = [p.expect(r"PRIVMSG #lobby :") for _ in range(3)]
    check([re.sub(r"^.*PRIVMSG #lobby :", "", l) for l in lines] ==
          ["[%s UTC] r4" % lines[0].split("[")[1].split(" UTC]")[0],
           "[%s UTC] r5" % lines[1].split("[")[1].split(" UTC]")[0],
           "\x01ACTION [%s UTC] waves\x01" %
           lines[2].split("[")[1].split(" UTC]")[0]], lines)
    check(re.search(r":\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\] r4$", lines[0]),
          lines[0])
    p.not_expect(r"PRIVMSG #lobby :")
    t = s.connect("timed", caps=["server-time", "batch"])
    b = t.expect(r" BATCH \+(\S+) chathistory #lobby$")
    ref = re.search(r"\+(\S+)", b).group(1)
    got = [t.expect(r"PRIVMSG") for _ in range(3)]
    check(all(re.match(r"^@batch=%s;time=\S+ :alice!\S+ PRIVMSG #lobby :"
                       % ref, l) for l in got), got)
    check(got[0].endswith(":r4"), got[0])
    t.expect(r"BATCH -%s$" % ref)
    c = s.connect("capable", caps=HCAPS)
    c.not_expect(r"PRIVMSG #lobby")
    s.stop()
    s = Server(opts={"history-replay-lines": "0"})
    a = s.connect("alice", caps=["echo-message"])
    a.send("PRIVMSG #lobby :quiet")
    a.expect(r"PRIVMSG #lobby :quiet")
    p = s.connect("plain")
    p.not_expect(r"PRIVMSG")
    s.stop()


@case
def retention_prunes_in_the_background():
    s = Server(opts={"history-max-lines": "10", "history-max-days": "30"})
    a = s.connect("alice", caps=HCAPS + ["echo-message"])
    # lines older than history-max-days, put in the store from outside
    db = sqlite3.connect(os.path.join(s.statedir, "keochat.db"), timeout=10)
    old = 946684800000      # 2000-01-01
    with db:
        for i in range(5):
            db.execute("INSERT INTO history (target, time_ms, id, kind, line) "
                       "VALUES ('#ancient', ?, ?, 1, ?)", (old + i, 1000 + i,
                       ":x!y@z PRIVMSG #ancient :old %d" % i))
    for i in range(25):
        a.send("PRIVMSG #lobby :p%d" % i)
    a.expect(r"PRIVMSG #lobby :p24")

    def pruned():
        n = db.execute("SELECT count(*) FROM history WHERE target = "
                       "'#lobby'").fetchone()[0]
        o = db.execute("SELECT count(*) FROM history WHERE target = "
                       "'#ancient'").fetchone()[0]
        return n <= 10 and o == 0
    wait_for(pruned, 10, "retention")
    kept = texts(history(a, "LATEST #lobby * 100"))
    check(kept == ["p%d" % i for i in range(25 - len(kept), 25)] and
          len(kept) <= 10, kept)
    # the search index lost what went, and has what stays
    wait_for(lambda: db.execute(
        "SELECT v FROM fts_state").fetchone()[0] >= max(
        r[0] for r in db.execute("SELECT id FROM history")), 10, "indexed")
    ids = {r[0] for r in db.execute("SELECT id FROM history")}
    found = {r[0] for r in db.execute(
        "SELECT rowid FROM history_fts WHERE history_fts MATCH 'old OR p24 "
        "OR p0'")}
    check(found <= ids and len(found) == 1, "index %s, rows %s" % (found, ids))
    db.close()
    s.stop()


@case
def a_registered_room_keeps_less_when_its_founder_says_so():
    pw = "hunter2hunter2"
    s = Server(opts={"history-max-lines": "1000"})
    gone(register_account(s, "fay", pw))
    f = login(s, "fay", pw, HCAPS + ["echo-message"])
    f.send("JOIN #short")
    f.expect(r" 366 fay #short ")
    f.send("PRIVMSG ChanServ :REGISTER #short")
    f.expect(r"NOTICE fay :.*registered", 10)
    for bad in ["SET #short HISTORY", "SET #short HISTORY -1 5",
                "SET #short HISTORY 5 x", "SET #short HISTORY 40000 5"]:
        f.send("PRIVMSG ChanServ :" + bad)
        f.expect(r"NOTICE fay :Usage: SET #short FOUNDER|NOTICE fay :Usage: "
                 r"SET #short HISTORY")
    f.send("PRIVMSG ChanServ :SET #short HISTORY 0 3")
    f.expect(r"NOTICE fay :#short keeps its history for as many days as the "
             r"server and 3 lines")
    f.send("PRIVMSG ChanServ :INFO #short")
    f.expect(r"NOTICE fay :History: the server's days, 3 lines \(the server "
             r"keeps 365 days, 1000 lines")
    other = s.connect("other")
    other.send("PRIVMSG ChanServ :SET #short HISTORY 1 1")
    other.expect(r"NOTICE other :Only the founder of #short may change it")
    for i in range(8):
        f.send("PRIVMSG #short :s%d" % i)
        f.send("PRIVMSG #lobby :l%d" % i)
    f.expect(r"PRIVMSG #lobby :l7")
    wait_for(lambda: len(texts(history(f, "LATEST #short * 100"))) == 3, 10,
             "the room's own retention")
    check(texts(history(f, "LATEST #short * 100")) == ["s5", "s6", "s7"],
          "the newest stay")
    check(len(texts(history(f, "LATEST #lobby * 100"))) == 8, "others keep")
    f.send("PRIVMSG ChanServ :SET #short HISTORY DEFAULT")
    f.expect(r"NOTICE fay :#short keeps its history as the server does")
    s.stop()


@case
def read_markers_follow_the_account_across_its_connections():
    """draft/read-marker: two connections of one account on two workers;
    a marker set on one reaches both, never goes back, survives a restart
    and comes with a JOIN; without an account there is none."""
    pw = "hunter2hunter2"
    s = Server(workers=2)
    gone(register_account(s, "mara", pw))
    caps = ["draft/read-marker", "sasl"]
    conns = []
    # a worker takes new connections until it holds 8 more than its
    # share: log in until one lands on the other worker
    for i in range(40):
        c = s.connect()
        c.send("CAP LS 302")
        c.send("CAP REQ :%s" % " ".join(caps))
        c.expect(r"CAP \S+ ACK")
        c.send("NICK mara%d" % i)
        c.send("USER u 0 * :u")
        sasl_plain(c, "mara", pw)
        c.expect(r" 903 ")
        c.send("CAP END")
        c.expect_numeric("001")
        conns.append(c)
        if len({x.worker() for x in conns}) == 2:
            break
    check(len({x.worker() for x in conns}) == 2, "all on one worker")
    one = conns[0]
    two = [c for c in conns if c.worker() != one.worker()][0]
    one.send("MARKREAD #lobby")
    one.expect(r":\S+ MARKREAD #lobby timestamp=\*$")
    t1 = "2026-01-02T03:04:05.678Z"
    one.send("MARKREAD #lobby timestamp=" + t1)
    one.expect(r":\S+ MARKREAD #lobby timestamp=%s$" % re.escape(t1))
    two.expect(r":\S+ MARKREAD #lobby timestamp=%s$" % re.escape(t1))
    # never back: an older one answers with the one kept
    two.send("MARKREAD #lobby timestamp=2025-01-01T00:00:00.000Z")
    two.expect(r":\S+ MARKREAD #lobby timestamp=%s$" % re.escape(t1))
    # a private conversation has a marker too
    one.send("MARKREAD bob timestamp=" + t1)
    two.expect(r":\S+ MARKREAD bob timestamp=%s$" % re.escape(t1))
    # JOIN says where the joiner is, before the names end
    one.send("JOIN #lobby")
    got = one.expect(r" MARKREAD #lobby | 366 ")
    check(" MARKREAD #lobby timestamp=%s" % t1 in got, got)
    for bad, want in [("MARKREAD #lobby yesterday", "INVALID_PARAMS #lobby"),
                      ("MARKREAD #lobby timestamp=2026-13-01T00:00:00Z",
                       "INVALID_PARAMS #lobby"),
                      ("MARKREAD bad,target", "INVALID_PARAMS bad,target")]:
        one.send(bad)
        one.expect(r" FAIL MARKREAD %s :" % re.escape(want))
    anon = s.connect("anon", caps=["draft/read-marker"])
    anon.send("MARKREAD #lobby timestamp=" + t1)
    anon.expect(r" FAIL MARKREAD ACCOUNT_REQUIRED #lobby :")
    # kept in the store: a new connection after a restart reads it
    s.signal(signal.SIGTERM)
    s.proc.wait(10)
    s2 = Server(workers=1, opts={"state-dir": s.statedir})
    c = s2.connect()
    c.send("CAP REQ :draft/read-marker sasl")
    c.expect(r"CAP \S+ ACK")
    c.send("NICK mara")
    c.send("USER u 0 * :u")
    sasl_plain(c, "mara", pw)
    c.expect(r" 903 ")
    c.send("CAP END")
    c.expect(r" MARKREAD #lobby timestamp=%s$" % re.escape(t1))
    s2.stop()


@case
def private_messages_are_kept_for_accounts_and_wait_for_them():
    pw = "hunter2hunter2"
    s = Server(workers=2)
    for n in ("ann", "ben", "cat"):
        gone(register_account(s, n, pw))
    ann = login(s, "ann", pw, HCAPS + ["echo-message"])
    ben = login(s, "ben", pw, HCAPS)
    ann.send("PRIVMSG ben :hello ben")
    ben.expect(r":ann!\S+ PRIVMSG ben :hello ben$")
    ben.send("PRIVMSG ann :hi ann")
    ann.expect(r":ben!\S+ PRIVMSG ann :hi ann$")
    # each end reads the conversation under the other's name
    check(texts(history(ann, "LATEST ben * 10")) == ["hello ben", "hi ann"],
          "ann's copy")
    check(texts(history(ben, "LATEST ann * 10")) == ["hello ben", "hi ann"],
          "ben's copy")
    # a third account reads nothing of it
    cat = login(s, "cat", pw, HCAPS)
    check(history(cat, "LATEST ben * 10") == [], "cat reads ben's")
    check(history(cat, "LATEST ann * 10") == [], "cat reads ann's")
    # without an account there is no private history at all
    anon = s.connect("anon", caps=HCAPS)
    anon.send("PRIVMSG ben :from nobody")
    ben.expect(r"PRIVMSG ben :from nobody")
    got = history(anon, "LATEST ben * 10")
    check(isinstance(got, str) and "INVALID_TARGET" in got, got)
    got = history(ben, "LATEST anon * 10")
    check(got == [] or "INVALID_TARGET" in got, got)
    db = sqlite3.connect(os.path.join(s.statedir, "keochat.db"), timeout=10)
    check(db.execute("SELECT count(*) FROM history WHERE line LIKE "
                     "'%from nobody%'").fetchone()[0] == 0, "kept anyway")
    db.close()
    # TARGETS lists the conversations too
    t = history(ann, "TARGETS %s %s 10" % (PAST, FUTURE))
    check(any(re.search(r"CHATHISTORY TARGETS ben \S+$", l) for l in t), t)
    # ben leaves; what ann says to him waits
    ben.send("QUIT")
    ben.wait_closed()
    ann.send("PRIVMSG ben :while you were out")
    ann.expect(r"NOTICE ann :ben is not connected; the message waits")
    ann.expect(r":ann!\S+ PRIVMSG ben :while you were out$")   # the echo
    ann.send("PRIVMSG ben :and again")
    ann.expect(r"PRIVMSG ben :and again$")
    # ben comes back with a plain client: the messages, dated
    back = login(s, "ben", pw)
    back.expect(r"NOTICE ben :2 private messages waited for you")
    m1 = back.expect(r"PRIVMSG ben :")
    m2 = back.expect(r"PRIVMSG ben :")
    check(re.search(r":ann!\S+ PRIVMSG ben :\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d "
                    r"UTC\] while you were out$", m1), m1)
    check(m2.endswith("and again"), m2)
    back.send("QUIT")
    back.wait_closed()
    again = login(s, "ben", pw)
    again.not_expect(r"waited for you|PRIVMSG ben")
    # an unknown nick is still 401
    ann.send("PRIVMSG nobodyhere :x")
    ann.expect(r" 401 ann nobodyhere ")
    # dropping an account drops its private messages, both copies
    again.send("PRIVMSG NickServ :DROP " + pw)
    again.expect(r"NOTICE \S+ :.*(dropped|deleted)", 10)
    db = sqlite3.connect(os.path.join(s.statedir, "keochat.db"), timeout=10)
    wait_for(lambda: db.execute("SELECT count(*) FROM history WHERE target "
                                "LIKE '~%ben%'").fetchone()[0] == 0, 5,
             "ben's messages dropped")
    db.close()
    s.stop()


def search(c, attrs, timeout=5.0):
    return history(c, attrs, timeout, verb="SEARCH")


@case
def search_finds_words_in_what_the_asker_may_read():
    pw = "hunter2hunter2"
    s = Server(workers=2)
    for n in ("sam", "tia"):
        gone(register_account(s, n, pw))
    sam = login(s, "sam", pw, HCAPS + ["echo-message", "draft/search",
                                       "account-tag"])
    tia = login(s, "tia", pw, HCAPS + ["draft/search"])
    said = ["the quick brown fox", "lazy dogs sleep", "a fast reply",
            "Fasting is hard", "QUICK thinking", "caf\u00e9 au lait"]
    for t in said:
        sam.send("PRIVMSG #lobby :" + t)
    sam.send("JOIN #secret")
    sam.send("MODE #secret +s")
    sam.send("PRIVMSG #secret :quick and hidden")
    sam.send("PRIVMSG tia :a quick private word")
    sam.expect(r"PRIVMSG tia :a quick private word")
    # the index follows within a second or two
    wait_for(lambda: len(texts(search(sam, "text=quick"))) == 4, 10,
             "the search index")
    got = texts(search(sam, "text=quick"))
    check(got == ["the quick brown fox", "QUICK thinking", "quick and hidden",
                  "a quick private word"], got)
    check(texts(search(sam, "text=quick;limit=1")) == ["a quick private word"],
          "limit: the newest")
    check(texts(search(sam, "text=quick;in=#lobby")) ==
          ["the quick brown fox", "QUICK thinking"], "in")
    check(texts(search(sam, "text=cafe")) == [said[5]], "diacritics")
    check(texts(search(sam, "from=sam;in=#lobby;limit=2")) ==
          ["QUICK thinking", said[5]], "from")
    check(texts(search(sam, "text=fast")) == ["a fast reply"], "whole words")
    lines = search(sam, "text=quick;in=#lobby")
    check(all(re.match(r"@batch=\S+;time=\S+;msgid=[0-9a-z]+;account=sam "
                       r":sam!\S+ PRIVMSG #lobby :", l) for l in lines), lines)
    times = [re.search(r"time=(\S+?);", l).group(1) for l in lines]
    both = texts(lines)
    check(texts(search(sam, "text=quick;in=#lobby;after=" + times[1])) ==
          [t for t, w in zip(both, times) if w >= times[1]], "after")
    check(texts(search(sam, "text=quick;in=#lobby;before=" + times[0])) ==
          [t for t, w in zip(both, times) if w <= times[0]], "before")
    check(search(sam, "text=quick;in=#lobby;before=2001-01-01T00:00:00Z") ==
          [], "before, nothing")
    # what tia may read: the room she is in, her own conversation; not
    # the secret room, not the words there
    got = texts(search(tia, "text=quick"))
    check(got == ["the quick brown fox", "QUICK thinking",
                  "a quick private word"], got)
    bad = search(tia, "text=quick;in=#secret")
    check(isinstance(bad, str) and "INVALID_PARAMS in " in bad, bad)
    # FTS5's own syntax is only words here: nothing to break
    for q in ['text="unbalanced', "text=NEAR(", "text=a OR b", "text=*",
              "text=col:x", "text=^start"]:
        got = search(sam, q)
        check(isinstance(got, list), "%s: %s" % (q, got))
    for q, want in [("after=yesterday", "INVALID_PARAMS after"),
                    ("limit=0", "INVALID_PARAMS limit"),
                    ("limit=5000", "INVALID_PARAMS limit"),
                    ("text=", "INVALID_PARAMS text"),
                    ("text=\\s\\s", "INVALID_PARAMS text"),
                    ("in=#nowhere", "INVALID_PARAMS in")]:
        got = search(sam, q)
        check(isinstance(got, str) and want in got and "sqlite" not in
              got.lower(), "%s: %s" % (q, got))
    s.stop()


@case
def messages_behind_many_events_and_a_store_of_schema_2():
    """The last lines of a room come back however many joins and parts
    came after them (history_msgs holds the messages alone; a store made
    before it gains it when keochatd starts)."""
    d = tempfile.mkdtemp(prefix="kc-hist-events-")
    at_exit(lambda: shutil.rmtree(d, ignore_errors=True))
    s = Server(opts={"state-dir": d, "history-replay-lines": "3"})
    a = s.connect("alice", caps=["echo-message"])
    for i in range(4):
        a.send("PRIVMSG #lobby :before%d" % i)
    a.expect(r"PRIVMSG #lobby :before3$")
    b = s.connect("bob", autojoin=False)
    for i in range(150):
        b.send("JOIN #lobby")
        b.send("PART #lobby")
    b.send("PING :events-done")
    b.expect(r"PONG .*events-done")
    a.expect(r":bob!\S+ PART #lobby", 10)

    def replayed_and_latest(tag):
        p = s.connect("plain" + tag)
        got = [re.sub(r"^.*PRIVMSG #lobby :\[[^]]*\] ", "",
                      p.expect(r"PRIVMSG #lobby :")) for _ in range(3)]
        check(got == ["before1", "before2", "before3"], got)
        h = s.connect("reader" + tag, caps=HCAPS)
        got = texts(history(h, "LATEST #lobby * 5"))
        check(got == ["before0", "before1", "before2", "before3"], got)
        e = s.connect("events" + tag, caps=HCAPS + ["draft/event-playback"])
        got = history(e, "LATEST #lobby * 5")
        check(len(got) == 5 and not texts(got), got)
        for c in (p, h, e):
            c.close()

    replayed_and_latest("1")
    s.stop()
    db = sqlite3.connect(os.path.join(d, "keochat.db"))
    db.execute("DROP INDEX history_msgs")
    db.execute("PRAGMA user_version = 2")
    db.commit()
    db.close()
    s = Server(opts={"state-dir": d, "history-replay-lines": "3"})
    replayed_and_latest("2")
    s.stop()
    db = sqlite3.connect(os.path.join(d, "keochat.db"))
    check(db.execute("PRAGMA user_version").fetchone()[0] >= 3, "version")
    check(db.execute("SELECT count(*) FROM sqlite_master WHERE name = "
                     "'history_msgs'").fetchone()[0] == 1, "no history_msgs")
    db.close()


@case
def history_off_keeps_nothing_and_says_so():
    s = Server(opts={"history": "no"})
    a = s.connect()
    a.send("CAP LS 302")
    ls = a.expect(r" CAP \* LS ")
    check("chathistory" not in ls, ls)
    a.register("alice", caps=["batch"])
    check(not any("CHATHISTORY=" in x for x in a.seen), "005")
    a.send("PRIVMSG #lobby :gone")
    got = history(a, "LATEST #lobby * 10")
    check(re.search(r"FAIL CHATHISTORY MESSAGE_ERROR LATEST :History is not "
                    r"kept", got), got)
    db = sqlite3.connect(os.path.join(s.statedir, "keochat.db"))
    check(db.execute("SELECT count(*) FROM history").fetchone()[0] == 0,
          "rows kept")
    db.close()
    s.stop()


if __name__ == "__main__":
    run()
