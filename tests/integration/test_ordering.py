"""keochatd across workers: one order per room, private messages between
workers, and the nick race with exactly one winner."""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from kctest import *  # noqa: E402,F401,F403


def room_order(workers, members=16, senders=4, per_sender=200):
    s = Server(workers=workers)
    cl = [s.connect("m%d" % i, caps=["echo-message"]) for i in range(members)]
    spread = set(c.worker() for c in cl)
    diag("%d members on workers %s" % (members, sorted(spread)))
    if workers > 1:
        check(len(spread) >= 2, "members all on one worker")
    for c in cl:
        c.drain(0.2)
    # interleave the senders' writes so the relay has to order them
    for k in range(per_sender):
        for j in range(senders):
            cl[j].send("PRIVMSG #lobby :s%d-%d" % (j, k))
    total = senders * per_sender
    seqs = []
    for c in cl:
        got = []
        while len(got) < total:
            line = c.expect(r"PRIVMSG #lobby :s\d+-\d+", 10)
            got.append(line.split(" :", 1)[1])
        seqs.append(got)
    for i, sq in enumerate(seqs):
        check(sq == seqs[0], "member %d saw another order" % i)
    for j in range(senders):
        mine = [m for m in seqs[0] if m.startswith("s%d-" % j)]
        check(mine == ["s%d-%d" % (j, k) for k in range(per_sender)],
              "sender %d's messages out of order" % j)
    s.stop()


@case
def room_order_one_worker():
    room_order(1)


@case
def room_order_four_workers():
    room_order(4)


@case
def private_messages_across_workers():
    s = Server(workers=4)
    by, cl = clients_on_workers(s, 2, "p", count=24)
    ws = sorted(by)
    check(len(ws) >= 2, "could not get clients on two workers")
    a, b = by[ws[0]][0], by[ws[1]][0]
    a.drain()
    b.drain()
    for i in range(50):
        a.send("PRIVMSG %s :a->b %d" % (b.nick, i))
        b.send("NOTICE %s :b->a %d" % (a.nick, i))
    for i in range(50):
        b.expect(r"^:%s!\S+ PRIVMSG %s :a->b %d$" % (a.nick, b.nick, i))
        a.expect(r"^:%s!\S+ NOTICE %s :b->a %d$" % (b.nick, a.nick, i))
    s.stop()


@case
def nick_race_across_workers():
    s = Server(workers=4)
    cross = 0
    for rnd in range(30):
        pair = [Client(s.port), Client(s.port)]
        nick = "race%d" % rnd
        for c in pair:
            c.send_raw(("NICK %s\r\nUSER u 0 * :u\r\n" % nick).encode())
        results = []
        for c in pair:
            line = c.expect(r" (001|433) ")
            results.append(" 001 " in line)
        check(results.count(True) == 1, "round %d: %d winners" %
              (rnd, results.count(True)))
        loser = pair[results.index(False)]
        loser.send("NICK loser%d" % rnd)
        loser.expect_numeric("001")
        w = [c.worker() for c in pair]
        cross += w[0] != w[1]
        for c in pair:
            c.send("QUIT")
            c.wait_closed()
    diag("%d of 30 registration races were between two workers" % cross)
    s.stop()


@case
def nick_claim_race_between_workers():
    """Two registered clients on two different workers claim the same new
    nick at the same instant, 30 times: exactly one gets it."""
    s = Server(workers=4)
    by, cl = clients_on_workers(s, 2, "r", count=24)
    ws = sorted(by)
    check(len(ws) >= 2, "could not get clients on two workers")
    a, b = by[ws[0]][0], by[ws[1]][0]
    for rnd in range(30):
        a.drain()
        b.drain()
        nick = "claim%d" % rnd
        a.send_raw(("NICK %s\r\n" % nick).encode())
        b.send_raw(("NICK %s\r\n" % nick).encode())
        ra = a.expect(r"( 433 |^:%s!\S+ NICK :%s$)" % (re.escape(a.nick), nick))
        rb = b.expect(r"( 433 |^:%s!\S+ NICK :%s$)" % (re.escape(b.nick), nick))
        wins = [" 433 " not in ra, " 433 " not in rb]
        check(wins.count(True) == 1, "round %d: %s / %s" % (rnd, ra, rb))
        winner = a if wins[0] else b
        new = "%s_%d" % (winner is a and "a" or "b", rnd)
        winner.send("NICK " + new)
        winner.expect(r"^:%s!\S+ NICK :%s$" % (nick, new))
        winner.nick = new
    s.stop()


@case
def quit_and_join_reach_every_worker():
    s = Server(workers=4)
    by, cl = clients_on_workers(s, 3, "q", count=24)
    watcher = cl[0]
    watcher.drain()
    leaver = cl[-1]
    leaver.send("QUIT :bye")
    for c in cl[:-1]:
        c.expect(r"^:%s!\S+ QUIT :Quit: bye$" % leaver.nick)
    s.stop()


run()
