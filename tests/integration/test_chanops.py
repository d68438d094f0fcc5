"""Channel operators, modes, bans, KICK and INVITE, IRC operators and the
IRCv3 capabilities, against a real keochatd over loopback.  The suite
runs on one worker and, with KEO_TEST_WORKERS=4, on four: then the
members of a channel are placed on different workers, so every change
crosses the relay."""
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from kctest import *  # noqa: E402,F401,F403

PASSWORD = "correct horse"


def spread(s, nicks, **kw):
    """Registered clients, each on another worker than the one before
    when there are several (a connection that lands on the same worker
    is renamed and kept aside until the end)."""
    out, spare, last = [], [], None
    for nick in nicks:
        for attempt in range(24):
            c = s.connect(nick, **kw)
            if s.workers == 1:
                break
            w = c.worker()
            if w != last:
                last = w
                break
            c.send("NICK spare%d%d" % (len(out), attempt))
            c.expect(r" NICK :spare")
            spare.append(c)
        out.append(c)
    for c in spare:
        c.close()
    return out


def hashed(password):
    r = subprocess.run([KEOCHATD, "--mkpasswd"], input=password + "\n",
                       capture_output=True, text=True, check=True)
    h = r.stdout.strip()
    check(h.startswith("$y$"), "--mkpasswd printed %r" % h)
    return h


@case
def ops_modes_and_bans_across_workers():
    s = Server(opts={"autojoin": ""})
    a, b, c = spread(s, ["alice", "bob", "carol"], autojoin=False)
    a.send("JOIN #ops")
    a.expect(r" 353 alice = #ops :@alice$")      # the first is op
    for x in (b, c):
        x.send("JOIN #ops")
        x.expect(r" 366 %s #ops " % x.nick)
    b.send("MODE #ops +m")
    b.expect(r" 482 bob #ops :You're not channel operator$")
    a.send("MODE #ops +mv-t bob")
    for x in (a, b, c):
        x.expect(r":alice!\S+ MODE #ops \+mv-t bob$")
    c.send("PRIVMSG #ops :am I heard?")
    c.expect(r" 404 carol #ops :Cannot send to channel \(it is moderated")
    b.send("PRIVMSG #ops :voiced")
    c.expect(r":bob!\S+ PRIVMSG #ops :voiced$")
    a.send("MODE #ops -m+b carol")
    c.expect(r":alice!\S+ MODE #ops -m\+b carol!\*@\*$")
    c.send("PRIVMSG #ops :banned")
    c.expect(r" 404 carol #ops :Cannot send to channel \(you are banned")
    c.send("NICK carol2")
    c.expect(r" 435 carol carol2 #ops :Cannot change nickname while "
             r"banned on channel$")
    a.send("KICK #ops carol :go")
    for x in (a, b, c):
        x.expect(r":alice!\S+ KICK #ops carol :go$")
    c.send("JOIN #ops")
    c.expect(r" 474 carol #ops :Cannot join channel \(\+b\)$")
    a.send("MODE #ops b")
    a.expect(r" 367 alice #ops carol!\*@\* alice \d+$")
    a.expect(r" 368 alice #ops :End of channel ban list$")
    a.send("MODE #ops +e carol!*@*")
    a.expect(r"MODE #ops \+e carol!\*@\*$")
    c.send("JOIN #ops")
    c.expect(r":carol!\S+ JOIN #ops$")
    a.send("NAMES #ops")
    a.expect(r" 353 alice = #ops :@alice \+bob carol$")
    s.stop()


@case
def invite_key_limit_and_secret():
    s = Server(opts={"autojoin": ""})
    a, b, c = spread(s, ["alice", "bob", "carol"], autojoin=False)
    a.send("JOIN #vip")
    a.expect(r" 366 alice #vip ")
    a.send("MODE #vip +iks sesame")
    a.expect(r":alice!\S+ MODE #vip \+iks sesame$")
    b.send("JOIN #vip sesame")
    b.expect(r" 473 bob #vip :Cannot join channel \(\+i\)$")
    a.send("INVITE bob #vip")
    a.expect(r" 341 alice bob #vip$")
    b.expect(r":alice!\S+ INVITE bob #vip$")
    b.send("JOIN #vip")
    b.expect(r" 475 bob #vip :Cannot join channel \(\+k\)$")
    b.send("JOIN #vip sesame")
    b.expect(r":bob!\S+ JOIN #vip$")
    b.expect(r" 353 bob @ #vip :@alice bob$")   # @: a secret channel
    c.send("LIST")
    c.expect_numeric("323")
    check(not any(" #vip " in l for l in c.lines), "LIST shows #vip")
    c.send("NAMES #vip")
    c.expect(r" 366 carol #vip ")
    c.send("WHOIS alice")
    c.expect(r" 318 carol alice ")
    check(not any(" 319 " in l for l in c.lines), "WHOIS shows #vip")
    a.send("MODE #vip -i+l 2")
    a.expect(r"MODE #vip -i\+l 2$")
    c.send("JOIN #vip sesame")
    c.expect(r" 471 carol #vip :Cannot join channel \(\+l\)$")
    a.send("MODE #vip")
    a.expect(r" 324 alice #vip \+nstkl sesame 2$")
    s.stop()


@case
def two_ops_deop_each_other_at_once():
    """The relay orders both changes: whichever it applies first wins,
    the other is refused, and every member sees the same outcome."""
    s = Server(opts={"autojoin": ""})
    a, b, w = spread(s, ["alice", "bob", "watch"], autojoin=False)
    a.send("JOIN #race")
    a.expect(r" 366 alice #race ")
    for x in (b, w):
        x.send("JOIN #race")
        x.expect(r" 366 %s #race " % x.nick)
    a.send("MODE #race +o bob")
    w.expect(r"MODE #race \+o bob$")
    a.send_raw(b"MODE #race -o bob\r\n")
    b.send_raw(b"MODE #race -o alice\r\n")
    line = w.expect(r"MODE #race -o ")
    winner = "alice" if line.startswith(":alice!") else "bob"
    loser = "bob" if winner == "alice" else "alice"
    (b if loser == "bob" else a).expect(r" 482 %s #race " % loser)
    w.not_expect(r"MODE #race -o", 0.3)
    for x in (a, b, w):
        x.send("NAMES #race")
        x.expect(r" 353 %s = #race :.*@%s" % (x.nick, winner))
    s.stop()


@case
def opers_from_the_configuration_and_rehash():
    h = hashed(PASSWORD)
    cfg = "oper = boss %s *@127.0.0.1\n" % h
    s = Server(config_text=cfg, opts={"autojoin": "#lobby"})
    o, v, w = spread(s, ["boss", "victim", "watch"])
    o.send("OPER boss wrong")
    o.expect(r" 464 boss :Password incorrect$")
    s.wait_log(r"OPER boss by boss!~u@127\.0\.0\.1 refused: wrong password")
    o.send("OPER boss :" + PASSWORD)
    o.expect(r" 381 boss :You are now an IRC operator$")
    s.wait_log(r"boss!~u@127\.0\.0\.1 is now an IRC operator \(oper boss\)")
    w.send("MODE watch +w")
    w.expect(r"MODE watch :\+w$")
    o.send("WALLOPS :the server restarts at noon")
    w.expect(r":boss!\S+ WALLOPS :the server restarts at noon$")
    o.send("KILL victim :spam")
    w.expect(r":victim!\S+ QUIT :Killed \(boss \(spam\)\)$")
    v.expect(r"^ERROR :Closing Link: .*Killed \(boss \(spam\)\)")
    # REHASH reads the file again, like SIGHUP: a new oper block works
    with open(s.config, "a") as f:
        f.write("oper = second %s *@127.0.0.1\n" % h)
    mark = s.log_mark()
    o.send("REHASH")
    o.expect(r" 382 boss \S+ :Rehashing$")
    # every worker's, not the first process that says so: newop may land
    # on any of them
    s.wait_log(r"worker \d+: configuration reloaded", since=mark,
               count=s.workers)
    n = s.connect("newop")
    n.send("OPER second :" + PASSWORD)
    n.expect(r" 381 newop ")
    o.send("STATS o")
    o.expect(r" 243 boss O \*@127\.0\.0\.1 \* boss$")
    o.expect(r" 243 boss O \*@127\.0\.0\.1 \* second$")
    o.expect(r" 219 boss o ")
    # an oper acts in a channel it has no privilege in, and it is logged
    w.send("JOIN #mine")
    w.expect(r" 366 watch #mine ")
    o.send("MODE #mine +m")
    w.expect(r":boss!\S+ MODE #mine \+m$")
    s.wait_log(r"oper boss used operator override on #mine \(MODE\)")
    s.stop()


@case
def mkpasswd_and_bad_oper_lines():
    r = subprocess.run([KEOCHATD, "--mkpasswd"], input="", text=True,
                       capture_output=True)
    check(r.returncode == 2, "--mkpasswd with no input exited %d" %
          r.returncode)
    h = hashed("x")
    check(hashed("x") != h, "two hashes of one password are equal (salt?)")
    for bad in ("oper = boss plaintext *@*\n", "oper = boss\n",
                "oper = b@d %s *@*\n" % h, "oper = boss %s nohost\n" % h):
        d = tempfile.mkdtemp(prefix="kc-oper-")
        p = os.path.join(d, "k.conf")
        with open(p, "w") as f:
            f.write(bad)
        r = subprocess.run([KEOCHATD, "-t", "-f", p], capture_output=True,
                           text=True)
        check(r.returncode == 2 and "k.conf:1: oper:" in r.stderr,
              "%r: exit %d, %s" % (bad, r.returncode, r.stderr))
        shutil.rmtree(d)


@case
def ircv3_capabilities_end_to_end():
    s = Server(opts={"autojoin": ""})
    caps = ["labeled-response", "batch", "message-tags", "server-time",
            "echo-message", "extended-join", "away-notify", "setname",
            "chghost", "invite-notify", "multi-prefix", "userhost-in-names",
            "cap-notify", "account-tag", "account-notify",
            "extended-monitor"]
    a = s.connect()
    a.send("CAP LS 302")
    ls = a.expect(r"CAP \* LS :")
    for cap in caps:
        check(cap in ls.split(":", 2)[2].split(), "CAP LS lacks " + cap)
    a.send("CAP REQ :%s" % " ".join(caps))
    a.expect(r"CAP \* ACK ")
    a.send("CAP END")
    a.register("alice", autojoin=False)
    b, c = spread(s, ["bob", "carol"], autojoin=False)
    a.send("@label=j1 JOIN #v3")
    a.expect(r"^@label=j1 :\S+ BATCH \+(\S+) labeled-response$")
    a.expect(r"^@batch=\S+;time=\S+;msgid=\S+ :alice!~u@127\.0\.0\.1 "
             r"JOIN #v3 \* :Test User$")
    a.expect(r"^@batch=\S+ :\S+ 353 alice = #v3 :@alice!~u@127\.0\.0\.1$")
    a.expect(r"^:\S+ BATCH -\S+$")
    b.send("AWAY :out")
    b.send("JOIN #v3")
    a.expect(r":bob!~u@127\.0\.0\.1 JOIN #v3 \* :Test User$")
    a.expect(r":bob!~u@127\.0\.0\.1 AWAY :out$")
    b.send("SETNAME :Robert")
    a.expect(r":bob!\S+ SETNAME :Robert$")
    b.send("PRIVMSG #v3 :hello")
    l1 = a.expect(r"msgid=(\w+)[; ].*:bob!\S+ PRIVMSG #v3 :hello$")
    b.send("PRIVMSG #v3 :again")
    l2 = a.expect(r"msgid=(\w+)[; ].*:bob!\S+ PRIVMSG #v3 :again$")
    check(re.search(r"msgid=(\w+)", l1).group(1) !=
          re.search(r"msgid=(\w+)", l2).group(1), "msgids repeat")
    a.send("@label=m1;+typing=active TAGMSG #v3")
    a.expect(r"^@label=m1;time=\S+;msgid=\S+;\+typing=active "
             r":alice!\S+ TAGMSG #v3$")
    a.send("@label=w1 WHO #v3 %tnf,7")
    a.expect(r"^@label=w1 :\S+ BATCH \+")
    a.expect(r" 354 alice 7 alice H@$")
    a.expect(r" 354 alice 7 bob G$")
    a.send("MONITOR + carol,dave")
    a.expect(r" 730 alice :carol!~u@127\.0\.0\.1$")
    a.expect(r" 731 alice :dave$")
    carol_away = "lunch"
    c.send("AWAY :%s" % carol_away)
    a.expect(r":carol!\S+ AWAY :lunch$")   # extended-monitor, no channel
    c.send("QUIT")
    a.expect(r" 731 alice :carol$")
    d = s.connect("dave", autojoin=False)
    a.expect(r" 730 alice :dave!~u@127\.0\.0\.1$")
    a.send("INVITE dave #v3")
    a.expect(r" 341 alice dave #v3$")
    d.expect(r":alice!\S+ INVITE dave #v3$")
    a.send("@label=x1 PONG :nothing")
    a.expect(r"^@label=x1 :\S+ ACK$")
    s.stop()


@case
def whowas_stats_links_and_limits():
    s = Server(opts={"autojoin": ""})
    a, b = spread(s, ["alice", "bob"], autojoin=False)
    b.send("NICK robert")
    b.expect(r"NICK :robert$")
    b.send("QUIT")
    b.wait_closed()
    a.send("WHOWAS robert")
    a.expect(r" 314 alice robert ~u 127\.0\.0\.1 \* :Test User$")
    a.expect(r" 369 alice robert ")
    a.send("WHOWAS bob")
    a.expect(r" 314 alice bob ~u ")
    a.send("WHOWAS nobody")
    a.expect(r" 406 alice nobody ")
    a.send("STATS u")
    a.expect(r" 242 alice :Server Up 0 days 0:\d\d:\d\d$")
    a.send("STATS m")
    a.expect(r" 212 alice NICK \d+ 0 0$")
    a.expect(r" 219 alice m ")
    a.send("LINKS")
    a.expect(r" 364 alice \* \S+ :0 ")
    a.expect(r" 365 alice \* ")
    a.send("MODE alice +B")
    a.expect(r"MODE alice :\+B$")
    a.send("WHOIS alice")
    a.expect(r" 335 alice alice :is a bot$")
    a.send("JOIN #lim")
    a.expect(r" 366 alice #lim ")
    a.send("MODE #lim +" + "b" * 13 + " " +
           " ".join("m%d" % i for i in range(13)))
    a.expect(r"MODE #lim \+b{13} m0!\*@\* .* m12!\*@\*$")
    for i in range(13, 100, 13):
        a.send("MODE #lim +" + "e" * 13 + " " +
               " ".join("e%d" % j for j in range(i, i + 13)))
    a.expect(r" 478 alice #lim e :Channel list is full$")
    a.send("MODE #lim +Zq")
    a.expect(r" 472 alice Z :is unknown mode char to me$")
    s.stop()


run()
