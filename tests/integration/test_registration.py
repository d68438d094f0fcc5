"""keochatd registration: the welcome burst, ISUPPORT, CAP, PASS, nick
rules, autojoin and the log lines, with one worker and with four."""
import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from kctest import *  # noqa: E402,F401,F403


@case
def welcome_burst_and_isupport():
    s = Server(workers=1)
    c = s.connect()
    c.send("NICK alice")
    c.send("USER alice 0 * :Alice Liddell")
    for num in ("001", "002", "003", "004"):
        c.expect_numeric(num)
    tokens = []
    while True:
        line = c.expect(r" 005 | 251 ")
        if " 251 " in line:
            break
        tokens += line.split(" :")[0].split()[3:]
    need = ["CASEMAPPING=rfc1459", "CHANTYPES=#", "NICKLEN=30",
            "CHANNELLEN=50", "TOPICLEN=390", "LINELEN=512", "NETWORK=KeoChat",
            "UTF8ONLY"]
    for t in need:
        check(t in tokens, "ISUPPORT lacks %s: %s" % (t, tokens))
    check(any(t.startswith("PREFIX=") for t in tokens), "no PREFIX")
    check(any(t.startswith("TARGMAX=") for t in tokens), "no TARGMAX")
    for num in ("252", "254", "255", "265", "266", "422"):
        c.expect_numeric(num)
    c.expect(r":alice!~alice@127\.0\.0\.1 JOIN #lobby")
    c.expect(r" 353 alice = #lobby :@alice$")
    c.expect_numeric("366")
    s.stop()


@case
def motd_file_is_sent():
    d = __import__("tempfile").mkdtemp()
    motd = os.path.join(d, "motd")
    with open(motd, "w") as f:
        f.write("Welcome to KEO Chat\nBe nice.\n")
    s = Server(opts={"motd-file": motd})
    c = s.connect()
    c.send("NICK m\r\nUSER m 0 * :m")
    c.expect_numeric("375")
    c.expect(r" 372 m :- Welcome to KEO Chat$")
    c.expect(r" 372 m :- Be nice\.$")
    c.expect_numeric("376")
    c.send("MOTD")
    c.expect(r" 372 m :- Welcome")
    s.stop()


@case
def commands_before_registration_get_451():
    s = Server()
    c = s.connect()
    for cmd in ("JOIN #x", "PRIVMSG #lobby :hi", "WHOIS x", "LIST", "MOTD"):
        c.send(cmd)
        c.expect_numeric("451")
    c.send("FROB x")
    c.expect_numeric("421")
    c.send("PING :early")
    c.expect(r"PONG \S+ :early")
    s.stop()


@case
def cap_negotiation_with_server_time_and_echo():
    s = Server(workers=2)
    c = s.connect()
    c.send("CAP LS 302")
    ls = c.expect(r"CAP \* LS :")
    for cap in ("server-time", "echo-message", "message-tags", "multi-prefix"):
        check(cap in ls.split(":", 2)[2].split(), "CAP LS lacks " + cap)
    c.send("NICK capper\r\nUSER c 0 * :c")
    c.not_expect(r" 001 ", 0.3)          # held until CAP END
    c.send("CAP REQ :server-time echo-message")
    c.expect(r"CAP capper ACK :server-time echo-message")
    c.send("CAP REQ :server-time bogus-cap")
    c.expect(r"CAP capper NAK :server-time bogus-cap")
    c.send("CAP LIST")
    c.expect(r"CAP capper LIST :cap-notify echo-message server-time$")
    c.send("CAP FROB")
    c.expect_numeric("410")
    c.send("CAP END")
    c.expect_numeric("001")
    join = c.expect(r"JOIN #lobby")
    check(re.match(r"@time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z :", join),
          "no server-time tag: " + join)
    c.expect_numeric("366")
    c.send("PRIVMSG #lobby :echo me")
    c.expect(r"^@time=\S+ :capper!~c@127\.0\.0\.1 PRIVMSG #lobby :echo me$")
    c.send("CAP END")                     # a second END is ignored
    c.send("PING :x")
    c.expect(r"PONG \S+ :x")
    plain = s.connect("plain")
    plain.drain()
    c.send("PRIVMSG #lobby :to plain")
    line = plain.expect(r"PRIVMSG #lobby :to plain")
    check(line.startswith(":capper!"), "tags sent to a client without caps")
    s.stop()


@case
def password_required():
    s = Server(opts={"password": "sesame"})
    bad = s.connect()
    bad.send("PASS wrong\r\nNICK bad\r\nUSER b 0 * :b")
    bad.expect_numeric("464")
    bad.expect(r"^ERROR :Closing Link: .*Bad password")
    bad.wait_closed()
    none = s.connect()
    none.send("NICK none\r\nUSER b 0 * :b")
    none.expect_numeric("464")
    none.wait_closed()
    good = s.connect()
    good.send("PASS sesame\r\nNICK good\r\nUSER g 0 * :g")
    good.expect_numeric("001")
    good.send("PASS again")
    good.expect_numeric("462")
    s.wait_log(r"refused bad from 127\.0\.0\.1: bad password")
    s.stop()


@case
def nick_errors():
    s = Server(workers=2)
    a = s.connect("Taken[1]")
    c = s.connect()
    c.send("NICK")
    c.expect_numeric("431")
    for bad in ("1abc", "-dash", "#c", "a:b", "*", "a,b", "a\x01b", "x" * 200,
                "\xe9lise"):
        c.send("NICK " + bad)
        c.expect_numeric("432")
    c.send(b"NICK \xff\xfe")
    c.expect_numeric("432")
    for taken in ("taken{1}", "TAKEN[1]", "Taken[1]"):
        c.send("NICK " + taken)
        c.expect_numeric("433")
    c.send("USER u 0 * :u")
    c.not_expect(r" 001 ", 0.2)
    c.send("NICK fine")
    c.expect_numeric("001")
    c.send("USER again 0 * :x")
    c.expect_numeric("462")
    a.close()
    s.stop()


@case
def nick_change_is_seen_by_the_room():
    s = Server(workers=2)
    a = s.connect("anna")
    b = s.connect("bert")
    a.drain()
    b.send("NICK bertram")
    b.expect(r"^:bert!~u@127\.0\.0\.1 NICK :bertram$")
    a.expect(r"^:bert!~u@127\.0\.0\.1 NICK :bertram$")
    c = s.connect()
    c.send("NICK bert")               # the old nick is free again
    c.send("USER x 0 * :x")
    c.expect_numeric("001")
    c.send("NICK bertram")
    c.expect_numeric("433")
    s.wait_log(r"nick change: bert -> bertram")
    s.stop()


@case
def server_pings_idle_clients():
    s = Server(opts={"ping-interval": "1", "ping-timeout": "30"})
    c = s.connect("idle")
    line = c.expect(r"^PING :", 5)
    c.send("PONG :" + line.split(":", 1)[1])
    c.send("PING :still")
    c.expect(r"PONG \S+ :still")
    s.stop()


@case
def log_lines_of_the_original():
    s = Server(workers=2)
    a = s.connect("KE0")
    s.wait_log(r"\[\+\] connected: KE0 \(Active: 1\)")
    b = s.connect("Test1")
    s.wait_log(r"\[\+\] connected: Test1 \(Active: 2\)")
    b.send("QUIT :bye")
    b.wait_closed()
    s.wait_log(r"\[-\] disconnected: Test1 \(Active: 1\)")
    a.close()
    s.wait_log(r"\[-\] disconnected: KE0 \(Active: 0\)")
    s.stop()


@case
def registration_burst_four_workers():
    s = Server(workers=4)
    clients = []
    for i in range(40):
        c = Client(s.port)
        c.send("NICK burst%d\r\nUSER u 0 * :u" % i)
        clients.append(c)
    for c in clients:
        c.expect_numeric("001")
        c.expect_numeric("366")
    workers = set(c.worker() for c in clients)
    diag("40 clients spread over workers %s" % sorted(workers))
    # a worker that wakes first may take a whole burst (it takes what is
    # queued before it looks at the balance, as nginx does); one client
    # at a time then lets the balance rule send them elsewhere
    while len(workers) < 2 and len(clients) < 80:
        c = Client(s.port)
        c.send("NICK burst%d\r\nUSER u 0 * :u" % len(clients))
        c.expect_numeric("001")
        c.expect_numeric("366")
        clients.append(c)
        workers.add(c.worker())
    check(len(workers) >= 2, "all %d clients landed on one worker" %
          len(clients))
    clients[0].send("LUSERS")
    clients[0].expect(r" 251 \S+ :There are %d users" % len(clients))
    clients[0].send("NAMES #lobby")
    names = set()
    while True:
        line = clients[0].expect(r" 353 | 366 ")
        if " 366 " in line:
            break
        names |= set(line.split(" :", 1)[1].split())
    check(len(names) == len(clients), "NAMES lists %d of %d" % (len(names),
                                                               len(clients)))
    s.stop()


run()
