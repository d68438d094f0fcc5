"""Hardening, bad input (cases 1-8): over-long lines, no newline at all,
NUL, bare CR and LF, invalid UTF-8, nick rules, the argument matrix of
every command, and commands meant for the other direction.  Every case
ends with the server healthy: all processes alive, a fresh pair talks
within a second, nobody burns CPU."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from kctest import *  # noqa: E402,F401,F403


def pair(s, a="alice", b="bob"):
    x = s.connect(a)
    y = s.connect(b)
    x.drain()
    return x, y


def assert_all_lines_bounded(c):
    for l in c.seen:
        check(len(l.encode("utf-8", "surrogateescape")) + 2 <= 512 or
              l.startswith("@"), "a line over 512 bytes reached a client")


@case
def case01_line_over_the_limit():
    s = Server(workers=2)
    a, b = pair(s)
    line = ("PRIVMSG #lobby :" + "x" * 584).encode()
    check(len(line) == 600, "setup")
    a.send_raw(line + b"\r\n")
    a.expect(r" 417 alice :Input line was too long")
    for ch in line:                       # byte by byte
        a.send_raw(bytes([ch]))
    a.send_raw(b"\r\n")
    a.expect(r" 417 ")
    a.send("PRIVMSG #lobby :still here")     # the link stays
    b.expect(r"PRIVMSG #lobby :still here")
    b.not_expect(r"x{100}")
    assert_all_lines_bounded(b)
    healthy(s)
    s.stop()


@case
def case02_no_newline_at_all():
    s = Server(workers=2)
    pre = Client(s.port)                       # before registration
    pre.send_raw(b"A" * 65536)
    pre.expect(r"^ERROR :Closing Link: 127\.0\.0\.1 \(Input line too long\)")
    pre.wait_closed()
    a, b = pair(s)                             # after registration
    a.send_raw(b"PRIVMSG #lobby :" + b"B" * 65536)
    a.expect(r"^ERROR :Closing Link: .*\(Input line too long\)")
    a.wait_closed()
    b.expect(r":alice!\S+ QUIT :Input line too long")
    b.not_expect(r"BBBB")
    tls = Client(s.port)                       # a TLS ClientHello
    tls.send_raw(bytes.fromhex("16030100c4010000c00303") + os.urandom(180))
    tls.expect(r"^ERROR :Closing Link: .*TLS handshake on a plain-text port")
    tls.wait_closed()
    healthy(s)
    s.stop()


@case
def case03_nul_inside_a_line():
    s = Server(workers=2)
    a, b = pair(s)
    a.send_raw(b"PRIVMSG #lobby :before\x00after\r\n")
    a.expect(r" 400 alice \* :Line rejected: it contains a NUL byte")
    a.send_raw(b"\x00\x00\x00\r\n")
    a.expect(r" 400 ")
    a.send("PRIVMSG #lobby :clean line")
    b.expect(r":alice!\S+ PRIVMSG #lobby :clean line")
    b.not_expect(r"before|after")
    healthy(s)
    s.stop()


@case
def case04_bare_cr_or_lf_never_forge_lines():
    s = Server(workers=2)
    a, b = pair(s)
    a.send_raw(b"PRIVMSG #lobby :one\r:fake!x@y PRIVMSG #lobby :forged\r\n")
    a.expect(r" 400 alice \* :Line rejected: it contains a bare CR byte")
    a.send_raw(b"PRIVMSG #lobby :two\n:fake!x@y PRIVMSG #lobby :lf split\r\n")
    b.expect(r"^:alice!~u@127\.0\.0\.1 PRIVMSG #lobby :two$")
    b.poll(0.3)
    for l in b.seen:
        check(not l.startswith(":fake!"), "a forged line reached bob: " + l)
        check("\r" not in l, "a CR reached bob")
    healthy(s)
    s.stop()


@case
def case05_invalid_utf8_policy():
    s = Server(workers=2)
    a, b = pair(s)
    c = Client(s.port)
    c.send_raw(b"NICK caf\xe9\r\n")
    c.expect(r" 432 ")
    c.send_raw(b"NICK ok\r\nUSER \xff\xfe 0 * :real\r\n")
    c.expect(r"FAIL USER INVALID_UTF8 ")
    c.send_raw(b"USER u 0 * :real \xc3\x28 name\r\n")
    c.expect(r"FAIL USER INVALID_UTF8 ")
    c.send("USER u 0 * :real name")
    c.expect_numeric("001")
    a.send_raw(b"PRIVMSG #lobby :bad \xc3\x28 text\r\n")
    a.expect(r"FAIL PRIVMSG INVALID_UTF8 ")
    a.send_raw(b"TOPIC #lobby :\xed\xa0\x80\r\n")     # a surrogate
    a.expect(r"FAIL TOPIC INVALID_UTF8 ")
    a.send("PRIVMSG #lobby :good \u00fc text")
    b.expect(r"PRIVMSG #lobby :good \u00fc text")
    b.not_expect(r"bad")
    healthy(s)
    s.stop()


@case
def case06_nick_rules():
    s = Server(workers=2)
    keep = s.connect("Taken")  # noqa: F841 (holds the nick)
    for bad in ["1abc", "#c", "a:b", "*", "a,b", "a\x07b", "x" * 200, "-dash",
                "@x", "!x", "a.b"]:
        c = Client(s.port)
        c.send("NICK " + bad)
        c.send("USER u 0 * :u")
        line = c.expect(r" (43[12]|461|001) ")
        check(" 001 " not in line, "nick %r registered" % bad)
        c.not_expect(r" 001 ", 0.1)
        c.close()
    c = Client(s.port)
    c.send("NICK")
    c.expect_numeric("431")
    c.send("NICK :")
    c.expect_numeric("431")
    for variant in ("taken", "TAKEN", "tAkEn"):
        c.send("NICK " + variant)
        c.expect_numeric("433")
    healthy(s)
    s.stop()


COMMANDS = ["ADMIN", "AWAY", "CAP", "INFO", "INVITE", "ISON", "JOIN", "KICK",
            "KILL", "LIST", "LUSERS", "MODE", "MOTD", "NAMES", "NICK",
            "NOTICE", "OPER", "PART", "PASS", "PING", "PONG", "PRIVMSG",
            "QUIT", "TAGMSG", "TIME", "TOPIC", "USER", "USERHOST", "VERSION",
            "WHO", "WHOIS", "WHOWAS", "DEBUG", "FROB"]


@case
def case07_argument_matrix():
    s = Server(workers=2)
    a, b = pair(s)
    sent = 0
    for cmd in COMMANDS:
        if cmd == "QUIT":
            continue
        for n in range(0, 17):
            for shape in ("p", "", "x" * 500, "#lobby", "bob"):
                args = " ".join([shape or ":"] * n) if shape else \
                    " ".join([":"] + [""] * 0) if n else ""
                line = ("%s %s" % (cmd, args)).strip()[:510]
                if cmd == "NICK":
                    line = line.replace("NICK", "NICK", 1)
                a.send(line)
                sent += 1
        a.send("PING :matrix-%s" % cmd)
        a.expect(r"PONG \S+ :matrix-%s" % cmd, 10)
        if a.closed:
            break
    diag("sent %d argument combinations" % sent)
    # specific shapes from the issue
    a.send("NICK alice")
    for line in ("JOIN #,#,,", "JOIN 0", "PART #notin", "TOPIC #nochan",
                 "NAMES #nochan", "WHO #nochan", "WHOIS nobody",
                 "PRIVMSG " + ",".join("t%d" % i for i in range(200)) + " :x",
                 "JOIN " + ",".join("#j%d" % i for i in range(200)),
                 "PRIVMSG :", ":", "PRIVMSG #lobby ::", "MODE", "MODE #lobby",
                 "KICK #lobby", "KICK #lobby nobody :" + "r" * 400):
        a.send(line[:510])
    a.send("PING :after-specials")
    a.expect(r"PONG \S+ :after-specials", 10)
    healthy(s)
    s.stop()


@case
def case08_wrong_direction_and_order():
    s = Server(workers=2)
    c = Client(s.port)
    for line in ("001 x :hi", "SERVER irc.evil 1 :x", "SQUIT x :y",
                 "PONG :nobody-asked", "CAP END", "CAP END"):
        c.send(line)
    c.send("PRIVMSG #lobby :early")
    c.expect_numeric("451")
    c.send(":spoofed!x@evil NICK eve")
    c.send("USER eve 0 * :Eve")
    c.expect_numeric("001")
    c.expect_numeric("366")
    c.send("USER eve 0 * :again")
    c.expect_numeric("462")
    c.send("CAP END")
    c.send("001 eve :numeric from a client")
    c.expect_numeric("421")
    c.send("SERVER irc.evil 1 :x")
    c.expect_numeric("421")
    watcher = s.connect("watch")
    c.drain()
    c.send(":admin!root@server PRIVMSG #lobby :spoof attempt")
    line = watcher.expect(r"PRIVMSG #lobby :spoof attempt")
    check(line.startswith(":eve!~eve@127.0.0.1 "), "spoofed sender: " + line)
    healthy(s)
    s.stop()


run()
