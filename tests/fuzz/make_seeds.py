#!/usr/bin/env python3
"""Write the seed corpus of every fuzz harness into tests/fuzz/corpus/.
Run by hand when the seeds should change; the output is committed."""
import hashlib
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))

LINES = [
    b"NICK alice", b"USER alice 0 * :Alice Liddell",
    b"CAP LS 302", b"CAP REQ :server-time echo-message", b"CAP END",
    b"JOIN #lobby", b"JOIN #a,#b,#c", b"JOIN 0", b"JOIN #,#,,",
    b"PART #lobby :see you", b"PRIVMSG #lobby :hello there",
    b"PRIVMSG bob,carol :hi", b"NOTICE #lobby :notice", b"TOPIC #lobby",
    b"TOPIC #lobby :new topic", b"NAMES #lobby", b"LIST", b"WHO #lobby",
    b"WHO b*", b"WHOIS bob", b"WHOWAS bob", b"AWAY :lunch", b"AWAY",
    b"MODE #lobby", b"MODE alice +i", b"MODE #lobby +o bob", b"KICK #lobby bob",
    b"INVITE bob #x", b"PING :token", b"PONG :token", b"LUSERS", b"MOTD",
    b"VERSION", b"TIME", b"ADMIN", b"INFO", b"ISON a b c", b"USERHOST a b",
    b"OPER a b", b"KILL x :y", b"QUIT :bye",
    b"@time=2026-01-02T03:04:05.000Z :nick!user@host PRIVMSG #c :hi",
    b"@+typing=active;+x=a\\sb TAGMSG #lobby",
    b"@a=b\\\\and\\nk;c=72\\s45;d=gh\\:764 foo",
    b":irc.example.org 001 alice :Welcome",
    b":coolguy foo bar baz :  asdf quux ",
    b"C 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17",
    b":", b": x", b"@", b"@ CMD", b"", b"   ",
    b"PRIVMSG #c :\x01ACTION waves\x01", b"PRIVMSG #c :caf\xe9",
    b"NICK \xff\xfe", b"NICK 1abc", b"NICK " + b"x" * 200,
    b"PRIVMSG #c :" + b"\xc3\xa9" * 250,
]


def put(kind, data):
    d = os.path.join(HERE, "corpus", kind)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def frame(ftype, payload):
    return struct.pack("<HHI", 1, ftype, len(payload)) + payload


def s(b):
    return struct.pack("<H", len(b)) + b


def main():
    for l in LINES:
        put("irc", l)
    put("linebuf", b"\x80" + b"\r\n".join(LINES) + b"\r\n")
    put("linebuf", b"\x02" + b"a\rb\nc\x00d\r\n" + b"z" * 3000 + b"\nok\n")
    put("linebuf", b"\xff" + b"x" * 5000)
    stamp = struct.pack("<QQ", 0, 0)
    line = b":a!u@h PRIVMSG #c :hi"
    put("relay_msg", frame(6, struct.pack("<HBI", 1, 0, 1234)))
    put("relay_msg", frame(7, struct.pack("<II", 3, 1)))
    put("relay_msg", frame(8, struct.pack("<II", 3, 1)))
    put("relay_msg", frame(9, stamp + struct.pack("<IIIIBB", 3, 1, 5, 2, 1, 1)
                           + s(b"+a=b") + s(line)))
    put("relay_msg", frame(10, stamp + struct.pack("<BIIIIB", 0, 5, 2, 6, 1, 1)
                           + s(b"") + s(line)))
    put("relay_msg", frame(11, stamp + struct.pack("<IIBH", 5, 2, 7, 2)
                           + struct.pack("<IIB", 3, 1, 2) * 2 + s(b":a!u@h QUIT :x")))
    put("relay_msg", frame(5, struct.pack("<BI", 1, 99)))
    put("relay_msg", frame(2, struct.pack("<II", 10, 20)))
    put("relay_msg", frame(99, b"junk"))
    put("relay_msg", b"\x01\x00")
    conf = (b"# keochatd.conf\nserver-name = irc.example.org\nnetwork = KeoChat\n"
            b"listen = [::]:6667\nlisten = 127.0.0.1:6668\nworkers = 2\n"
            b"max-clients = 100\nautojoin = #lobby,#dev\nmotd-file = /etc/motd\n"
            b"password = secret\nnicklen = 30\nflood-rate = 4\nlog = syslog\n"
            b"log-level = debug\nlog-facility = local3\n")
    put("config", conf)
    put("config", b"nicklen = 20\nnicklen = 21\n")
    put("config", b"sendq = 12k\n")
    put("config", b"listen = [::1:6667\n")
    put("config", b"bogus\n")
    put("config", b"log-level=warning\r\nping-timeout=5\r\n")
    reg = b"NICK fuzzer\r\nUSER f 0 * :Fuzz\r\n"
    put("client", reg + b"\r\n".join(LINES) + b"\r\n")
    put("client", b"CAP LS 302\r\nCAP REQ :server-time echo-message message-tags\r\n"
        b"NICK f\r\nUSER f 0 * :f\r\nCAP END\r\nPRIVMSG #lobby :hi\r\n"
        b"@+x=1 TAGMSG #lobby\r\nPRIVMSG peer :pm\r\nNICK g\r\nPART #lobby\r\n"
        b"JOIN #lobby\r\nTOPIC #lobby :t\r\nQUIT :done\r\n")
    put("client", b"PASS x\r\nNICK peer\r\nNICK f\r\nUSER f 0 * :f\r\n"
        b"USER again 0 * :x\r\nJOIN #a,#b,#c,#d\r\nJOIN 0\r\n"
        b"PRIVMSG #a :" + b"x" * 600 + b"\r\n" + b"y" * 9000 + b"\r\n")
    put("client", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 100)
    put("client", reg + b"PRIVMSG #lobby :a\x00b\r\nPRIVMSG #lobby :a\rb\r\n"
        b"NICK \xff\r\nPRIVMSG #lobby :\xff\xfe\r\n")


if __name__ == "__main__":
    main()
