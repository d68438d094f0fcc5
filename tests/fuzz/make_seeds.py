#!/usr/bin/env python3
"""Write the seed corpus of every fuzz harness into tests/fuzz/corpus/.
Run by hand when the seeds should change; the output is committed."""
import hashlib
import struct
import os

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
    b"CHATHISTORY LATEST #lobby * 10", b"CHATHISTORY BEFORE #lobby msgid=zz 5",
    b"CHATHISTORY BETWEEN #lobby timestamp=2100-01-01T00:00:00Z * 9",
    b"CHATHISTORY TARGETS timestamp=2000-01-01T00:00:00Z "
    b"timestamp=2100-01-01T00:00:00Z 1000", b"CHATHISTORY", b"CHATHISTORY X",
    b"MARKREAD #lobby", b"MARKREAD #lobby timestamp=2026-01-01T00:00:00.000Z",
    b"MARKREAD bad,target timestamp=x", b"MARKREAD",
    b"SEARCH text=hello;in=#lobby;limit=5", b"SEARCH text=\"unbalanced",
    b"SEARCH text=NEAR(a b);from=x;after=2000-01-01T00:00:00Z", b"SEARCH",
    b"SEARCH limit=99999;text=a\\sb\\:c", b"SEARCH in=;text=",
]


CHANOPS = [
    [b"MODE #mine +o peer", b"MODE #mine +ooo peer fuzzer nobody",
     b"MODE #mine +v-v+o-o peer peer peer peer", b"MODE #mine +b",
     b"MODE #mine +b peer", b"MODE #mine +beI a b@c *!*@*", b"MODE #mine b",
     b"MODE #mine e", b"MODE #mine I", b"MODE #mine beI",
     b"MODE #mine +k", b"MODE #mine +k key", b"MODE #mine +k other",
     b"MODE #mine -k", b"MODE #mine -k x", b"MODE #mine +l",
     b"MODE #mine +l 0", b"MODE #mine +l -5", b"MODE #mine +l 99999999999",
     b"MODE #mine +l 10", b"MODE #mine -l", b"MODE #mine +imnst",
     b"MODE #mine -imnst", b"MODE #mine +XYZ", b"MODE #mine +-+-",
     b"MODE #mine " + b"+i-i" * 300, b"MODE #mine +" + b"b" * 14 + b" " +
     b" ".join(b"m%d" % i for i in range(13)),
     b"MODE #mine +b " + b"x" * 400, b"MODE #mine +b a,b", b"MODE #mine +b !@",
     b"MODE #lobby +m", b"MODE #nope +m", b"MODE fuzzer +iwB",
     b"MODE fuzzer -o+o", b"MODE fuzzer +xyz", b"MODE peer +i", b"MODE"],
    [b"KICK #mine peer", b"KICK #mine peer,fuzzer,nobody,x,y :why",
     b"KICK #lobby peer", b"KICK #nope x", b"KICK #mine",
     b"INVITE peer #mine", b"INVITE nobody #mine", b"INVITE peer #nope",
     b"INVITE", b"TOPIC #mine :" + b"t" * 500, b"TOPIC #lobby :x",
     b"PART #mine", b"JOIN #mine key", b"JOIN #lobby,#mine a,b,c"],
    [b"WHO #mine %tcuihsnfdlaor,123", b"WHO * %", b"WHO peer %,", b"WHO #lobby %t,9999",
     b"WHO x %zzz,a", b"WHO", b"WHO * o", b"WHOWAS peer 3", b"WHOWAS",
     b"MONITOR + peer,nobody," + b",".join(b"n%d" % i for i in range(120)),
     b"MONITOR - peer", b"MONITOR L", b"MONITOR S", b"MONITOR C", b"MONITOR X",
     b"MONITOR +", b"MONITOR", b"STATS u", b"STATS m", b"STATS o", b"STATS",
     b"LINKS", b"SETNAME :new", b"SETNAME :", b"CHGHOST peer a b",
     b"OPER boss pw", b"KILL peer :x", b"WALLOPS :x", b"REHASH"],
    [b"CAP REQ :labeled-response batch echo-message message-tags",
     b"@label=a PING x", b"@label=b MODE #mine +m", b"@label=c JOIN #z",
     b"@label=" + b"L" * 100 + b" NAMES #mine", b"@label= PONG",
     b"@label=d;label=e PRIVMSG #mine :x", b"@+typing=active TAGMSG #mine",
     b"@+x=" + b"v" * 4100 + b" TAGMSG #mine", b"CAP REQ :-batch",
     b"@label=f WHO #mine", b"AWAY :brb", b"AWAY"],
]

# accounts: SASL in every mechanism and its malformed payloads, REGISTER
# and VERIFY, NickServ (the store is not there in the harness: the jobs
# are refused, the parsing still runs)
ACCOUNTS = [
    [b"AUTHENTICATE PLAIN", b"AUTHENTICATE AGZvbwBiYXJiYXpxdXV4",
     b"AUTHENTICATE PLAIN", b"AUTHENTICATE " + b"QUFB" * 100,
     b"AUTHENTICATE " + b"QUFB" * 100, b"AUTHENTICATE +",
     b"AUTHENTICATE PLAIN", b"AUTHENTICATE not-base64!", b"AUTHENTICATE *",
     b"AUTHENTICATE *", b"AUTHENTICATE EXTERNAL", b"AUTHENTICATE +",
     b"AUTHENTICATE NOSUCH", b"AUTHENTICATE", b"AUTHENTICATE " + b"A" * 401],
    [b"AUTHENTICATE SCRAM-SHA-256",
     b"AUTHENTICATE biwsbj11c2VyLHI9ck9wck5HZndFYmVSV2diTkVrcU8=",
     b"AUTHENTICATE Yz1iaXdzLHI9ck9wck5HZndFYmVSV2diTkVrcU8scD1BQUFB",
     b"AUTHENTICATE +", b"AUTHENTICATE SCRAM-SHA-256",
     b"AUTHENTICATE cCx0bHMtdW5pcXVlLG49dSxyPXg=",
     b"AUTHENTICATE SCRAM-SHA-256", b"AUTHENTICATE bixhPWIsbj1iPTJDLHI9eA=="],
    [b"REGISTER * hunter2hunter2", b"REGISTER * short", b"REGISTER x@y pw",
     b"REGISTER", b"VERIFY fuzzer 0123", b"VERIFY", b"PASS acct:password",
     b"PRIVMSG NickServ :REGISTER hunter2hunter2 a@b",
     b"PRIVMSG NickServ :IDENTIFY fuzzer hunter2hunter2",
     b"PRIVMSG NickServ :IDENTIFY x", b"PRIVMSG NickServ :GHOST peer pw",
     b"PRIVMSG NickServ :RECOVER peer", b"PRIVMSG NickServ :SET PASSWORD x",
     b"PRIVMSG NickServ :CERT ADD", b"PRIVMSG NickServ :CERT ADD " +
     b"a" * 64, b"PRIVMSG NickServ :CERT DEL zz", b"PRIVMSG NickServ :CERT",
     b"PRIVMSG NickServ :INFO", b"PRIVMSG NickServ :DROP pw",
     b"PRIVMSG NickServ :LOGOUT", b"PRIVMSG NickServ :HELP",
     b"PRIVMSG NickServ :", b"NS IDENTIFY a b c d e", b"NICKSERV HELP",
     b"NICK NickServ", b"NICK ChanServ", b"NOTICE NickServ :x"],
]


def put(kind, data):
    d = os.path.join(HERE, "corpus", kind)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def bb_str(b):
    return struct.pack(">H", len(b)) + b


def bb_origin(typ, kind, flags=0, worker=1):
    return (b"KCB\x01" + bytes([typ]) + bb_str(b"host-1") +
            struct.pack(">QBIQIIIBBB", 1234, worker, 4242, 7, 0, 3, 1, kind,
                        flags, 0))


def bb_seeds():
    """Backbone messages as bbmsg.c builds them (big-endian)."""
    chan = lambda kind, line, room=b"#lobby", flags=0: (
        bb_origin(1, kind, flags) + bb_str(room) +
        struct.pack(">II", 0xffffffff, 0) + bb_str(b"") + bb_str(line) +
        bb_str(b"") + bb_str(b"") + bb_str(b"acct"))
    yield chan(1, b":a!~a@h PRIVMSG #lobby :hello")
    yield chan(4, b":a!~a@h JOIN #lobby", flags=1)
    yield chan(5, b":a!~a@h PART #lobby :bye", flags=2)
    yield chan(10, b":op!~o@h MODE #lobby +o a")
    yield chan(1, b":a!~a@h PRIVMSG #lobby :two\r\n:x PRIVMSG #y :z")
    rooms = bb_str(b"#a") + b"\x02" + bb_str(b"#b") + b"\x00"
    yield b"KCB\x01\x03" + bb_str(b"edge-1") + struct.pack(">Q", 99)
    yield (bb_origin(2, 7, worker=255) + struct.pack(">H", 2) + rooms +
           bb_str(b":a!~a@h QUIT :gone") + bb_str(b""))
    # BB_USER: a private message to a user of host-2, with echo
    yield (bb_origin(4, 1, flags=1) + bb_str(b"host-2") +
           struct.pack(">QII", 5678, 3, 9) + bb_str(b"+typing=active") +
           bb_str(b":a!~a@h PRIVMSG Bob :psst") + bb_str(b"acct"))
    # ONLINE: a registration, a MULTI of no room
    yield (bb_origin(2, 17, flags=1) + struct.pack(">H", 0) +
           bb_str(b":a!~a@h ONLINE :Alice A.") + bb_str(b""))
    # BB_CHANOP: a MODE for every host to apply
    yield (bb_origin(5, 10) + bb_str(b"#lobby") + b"\x01" +
           bb_str(b"+ob-k a b"))


def main():
    for b in bb_seeds():
        put("bbmsg", b)
    for l in LINES:
        put("irc", l)
    put("linebuf", b"\x80" + b"\r\n".join(LINES) + b"\r\n")
    put("linebuf", b"\x02" + b"a\rb\nc\x00d\r\n" + b"z" * 3000 + b"\nok\n")
    put("linebuf", b"\xff" + b"x" * 5000)
    # the frame corpus (corpus/frame) is kept by hand: frames change
    # with FRAME_VERSION, and fuzz_frame finds its own way from a few
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
    # the keochat session: what a server (or anything at its address)
    # sends, after a registration with every draft the client asks for
    hello = (b":vm CAP * LS :batch draft/chathistory draft/read-marker "
             b"draft/search echo-message message-tags server-time\r\n"
             b":vm CAP me ACK :server-time echo-message batch message-tags "
             b"draft/chathistory draft/read-marker draft/search\r\n"
             b":vm 900 me me!u@h me :logged in\r\n:vm 001 me :hi\r\n"
             b":vm 422 me :no motd\r\n")
    put("session", hello +
        b"@time=2026-01-02T03:04:06.000Z;msgid=j :me!u@h JOIN #lobby\r\n"
        b":vm MARKREAD #lobby timestamp=2026-01-02T03:00:02.000Z\r\n"
        b":vm BATCH +h chathistory #lobby\r\n"
        b"@batch=h;time=2026-01-02T03:00:01.000Z;msgid=a :x!u@h PRIVMSG "
        b"#lobby :one\r\n@batch=h;time=2026-01-02T03:00:03.000Z;msgid=b "
        b":x!u@h NOTICE #lobby :two me\r\n:vm BATCH -h\r\n"
        b":vm BATCH +t draft/chathistory-targets\r\n"
        b"@batch=t :vm CHATHISTORY TARGETS bob 2026-01-02T02:00:00.000Z\r\n"
        b":vm BATCH -t\r\n:vm MARKREAD bob timestamp=*\r\n"
        b":vm BATCH +s draft/search\r\n@batch=s;time=2026-01-01T00:00:00Z;"
        b"msgid=q :bob!u@h PRIVMSG me :\x01ACTION x\x01\r\n:vm BATCH -s\r\n"
        b":vm FAIL CHATHISTORY MESSAGE_ERROR LATEST #lobby :no\r\n"
        b":vm FAIL SEARCH INVALID_PARAMS text :no\r\n")
    put("session", hello + b":vm BATCH +x chathistory\r\n:vm BATCH\r\n"
        b":vm BATCH -nope\r\n" + b"".join(b":vm BATCH +b%d chathistory #c\r\n" % i
                                         for i in range(12)) +
        b"@batch=b1;msgid=" + b"z" * 80 + b" :a!b@c PRIVMSG #c :x\r\n"
        b":vm MARKREAD #lobby timestamp=9999-99-99T99:99:99Z\r\n"
        b":vm CHATHISTORY TARGETS\r\n:vm FAIL\r\n:vm FAIL X Y\r\n")
    # LIST replies, colour codes that never end, thousands of nicks
    put("session", hello + b":vm 321 me Channel :Users Name\r\n" +
        b"".join(b":vm 322 me #r%d %d :topic \x0304,12red\r\n" % (i, i * 7)
                 for i in range(300)) +
        b":vm 322 me * 3 :secret\r\n:vm 322 me #x 99999999999 :\r\n"
        b":vm 322 me #y\r\n:vm 323 me :End\r\n")
    put("session", hello + b":bob!u@h PRIVMSG #lobby :" + b"\x03" * 300 +
        b"\x0399,99\x03,\x02\x1d\x1f\x16\x0f\x11\x04ff00ff,00ff00" * 20 +
        b"\r\n:bob!u@h TOPIC #lobby :\x03" + b"1," * 150 + b"\r\n")
    put("session", hello + b"".join(
        b":vm 353 me = #lobby :" + b" ".join(b"@n%d" % (k * 60 + i)
                                              for i in range(60)) + b"\r\n"
        for k in range(50)) + b":vm 366 me #lobby :End\r\n" + b"".join(
        b":j%d!u@h JOIN #lobby\r\n" % i for i in range(2000)) +
        b":vm 433 * me :taken\r\n:vm 306 me :away\r\n:vm 305 me :back\r\n")
    # a URL of 10 000 bytes, names and rooms with control bytes, a huge
    # line, a second network's rooms named like the first's
    put("session", hello + b":bob!u@h PRIVMSG #lobby :see https://x.org/" +
        b"a" * 10000 + b" ok\r\n:b\x01\x07ob!u@h PRIVMSG #lobby :hi\r\n"
        b":me!u@h JOIN #a\x07b\r\n:me!u@h JOIN #\x1b[2J\r\n"
        b":x!u@h PRIVMSG me :\x01ACTION " + b"\x7f" * 600 + b"\x01\r\n"
        b":vm 332 me #lobby :" + b"www." * 3000 + b"\r\n"
        b":me!u@h JOIN #LOBBY\r\n:vm 433 me me_ :taken\r\n")
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
    # channel operators (the fuzzer creates #mine, so it is its op), the
    # mode strings of every kind, KICK, INVITE, WHOX, MONITOR, opers
    for lines in CHANOPS:
        put("client", reg + b"JOIN #mine\r\n" + b"\r\n".join(lines) +
            b"\r\n")
    for lines in ACCOUNTS:
        put("client", b"CAP LS 302\r\nCAP REQ :sasl\r\nNICK fuzzer\r\n"
            b"USER f 0 * :f\r\n" + b"\r\n".join(lines) + b"\r\nCAP END\r\n")
        put("client", reg + b"\r\n".join(lines) + b"\r\n")
    # the TLS record layer: first byte protocol/AEAD/mode (fuzz_tlsrec.c),
    # then raw records, or chunks (type, length, plaintext) sealed by a peer
    def chunk(t, p):
        return bytes([t, len(p) >> 8, len(p) & 255]) + p
    for mode in range(6):
        put("tlsrec", bytes([mode]) + b"\x17\x03\x03\x00\x20" + b"\x00" * 32 +
            b"\x15\x03\x03\x00\x02\x02\x28" + b"\x17\x03\x03\x40\x00")
        put("tlsrec", bytes([0x80 | mode]) + chunk(23, b"NICK a\r\n") +
            chunk(22, b"\x18\x00\x00\x01\x01") + chunk(23, b"after\r\n") +
            chunk(22, b"\x18\x00\x00\x01\x00") + chunk(21, b"\x00\x00") +
            chunk(22, b"\x04\x00\x00\x00") + chunk(23, b"x" * 3000))
    put("tlsrec", b"\x81" + chunk(0, b"") + chunk(23, b"") + chunk(21, b"\x01"))
    # CHATHISTORY: subcommand, two references, a limit
    for line in [b"LATEST * * 50", b"BEFORE msgid=eb4ne66birr6 * 100",
                 b"AFTER timestamp=2019-01-04T14:33:26.123Z * 1",
                 b"AROUND msgid=zz * 7",
                 b"BETWEEN msgid=abc timestamp=2100-01-01T00:00:00Z 1000",
                 b"BETWEEN timestamp=2100-01-01T00:00:00.000Z msgid=1 3",
                 b"TARGETS timestamp=2000-02-29T23:59:60.999Z * 1001",
                 b"latest msgid=1y2p0ij32e8e7 * 0",
                 b"Sin=#chan;from=jackie;text=fast\\sfood;limit=2",
                 b"Safter=2019-01-04T14:33:26.123Z;before=x;text=a\\:b",
                 b"S;;=;text;limit=1001;in="]:
        put("histq", line)
    # keochat's networks file: sound, quoted, damaged
    for text in [b"[network Example]\nhost = irc.example.org\nport = 6697\n"
                 b"tls = yes\nnick = alice\nalternates = a_ b\n"
                 b"password = \"  x \\\" \\\\ \"\nrooms = #a #b\n"
                 b"connect-at-start = yes\n",
                 b"host = early\n[network A]\nprot = 1\nport = 0\n"
                 b"tls = maybe\n[network A]\n[server]\npassword = \"open\n",
                 b"[network \xff\xfe]\n[network  x ]\r\nnick=\t\"\t\"\n"
                 b"[network y]\nrooms = #" + b"r" * 1100 + b"\n"]:
        put("netconf", text)


if __name__ == "__main__":
    main()
