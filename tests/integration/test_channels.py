"""keochatd channel and query commands and every refusal numeric."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from kctest import *  # noqa: E402,F401,F403


def two(workers=2, **kw):
    s = Server(workers=workers, **kw)
    a = s.connect("alice")
    b = s.connect("bob")
    a.drain()
    return s, a, b


@case
def join_part_and_names():
    s, a, b = two()
    a.send("JOIN #Dev,#ops")
    a.expect(r":alice!~u@127\.0\.0\.1 JOIN #Dev$")
    a.expect(r" 353 alice = #Dev :@alice$")
    a.expect(r" 366 alice #Dev ")
    a.expect(r"JOIN #ops$")
    b.send("JOIN #dev")                      # case-insensitive: same room
    b.expect(r":bob!~u@127\.0\.0\.1 JOIN #Dev$")
    b.expect(r" 353 bob = #Dev :@alice bob$")
    a.expect(r":bob!~u@127\.0\.0\.1 JOIN #Dev$")
    b.send("PART #DEV :see you")
    b.expect(r":bob!~u@127\.0\.0\.1 PART #Dev :see you$")
    a.expect(r":bob!~u@127\.0\.0\.1 PART #Dev :see you$")
    b.send("PART #Dev")
    b.expect_numeric("442")
    b.send("PART #nowhere")
    b.expect_numeric("403")
    b.send("NAMES #Dev")
    b.expect(r" 353 bob = #Dev :@alice$")
    b.expect(r" 366 bob #Dev :End of /NAMES list")
    b.send("NAMES #empty")
    b.expect(r" 366 bob #empty :End of /NAMES list")
    s.stop()


@case
def join_zero_parts_everything():
    s, a, b = two()
    a.send("JOIN #x,#y")
    a.expect(r"JOIN #y$")
    a.expect_numeric("366")
    a.send("JOIN 0")
    got = set()
    for _ in range(3):
        got.add(a.expect(r"PART (#\S+)").split()[2])
    check(got == {"#lobby", "#x", "#y"}, "JOIN 0 parted %s" % got)
    b.expect(r":alice!\S+ PART #lobby :Left all channels")
    s.stop()


@case
def join_refusals():
    s, a, b = two(opts={"max-channels-per-client": "3"})
    a.send("JOIN #,b")
    a.expect_numeric("403")
    a.expect_numeric("403")
    a.send("JOIN nohash")
    a.expect_numeric("403")
    a.send("JOIN #" + "x" * 60)
    a.expect_numeric("403")
    a.send("JOIN #c1,#c2,#c3")
    a.expect_numeric("405")          # answered at once; JOINs come back
    a.expect(r"JOIN #c2$")           # from the relay after it
    a.send("JOIN")
    a.expect(r" 461 alice JOIN :Not enough parameters")
    s.stop()


@case
def topic_set_and_query():
    s, a, b = two()
    a.send("TOPIC #lobby")
    a.expect(r" 331 alice #lobby :No topic is set")
    a.send("TOPIC #lobby :Welcome to \u00fcber chat")
    a.expect(r":alice!~u@127\.0\.0\.1 TOPIC #lobby :Welcome to \u00fcber chat$")
    b.expect(r":alice!~u@127\.0\.0\.1 TOPIC #lobby :Welcome to \u00fcber chat$")
    c = s.connect("carol", autojoin=False)
    c.send("JOIN #lobby")
    c.expect(r" 332 carol #lobby :Welcome to \u00fcber chat")
    c.expect(r" 333 carol #lobby alice!~u@127\.0\.0\.1 \d+")
    c.expect(r" 353 carol = #lobby :")
    c.send("PART #lobby")
    c.expect(r"PART #lobby")
    c.send("TOPIC #lobby :mine now")
    c.expect_numeric("442")
    c.send("TOPIC #none :x")
    c.expect_numeric("403")
    a.send("TOPIC #lobby :" + "t" * 480)
    line = a.expect(r"TOPIC #lobby :")
    check(len(line.split(" :", 1)[1]) == 390, "topic not cut to TOPICLEN")
    s.stop()


@case
def messages_and_refusals():
    s, a, b = two()
    a.send("PRIVMSG #lobby :hello all")
    b.expect(r"^:alice!~u@127\.0\.0\.1 PRIVMSG #lobby :hello all$")
    a.not_expect(r"PRIVMSG #lobby :hello all")   # no echo without the cap
    a.send("NOTICE bob :psst")
    b.expect(r"^:alice!~u@127\.0\.0\.1 NOTICE bob :psst$")
    a.send("PRIVMSG nosuch :x")
    a.expect(r" 401 alice nosuch :No such nick")
    a.send("PRIVMSG #nosuch :x")
    a.expect_numeric("403")
    a.send("JOIN #other")
    a.expect_numeric("366")
    b.send("PRIVMSG #other :not a member")
    b.expect_numeric("404")
    a.send("PRIVMSG")
    a.expect_numeric("411")
    a.send("PRIVMSG bob")
    a.expect_numeric("412")
    a.send("PRIVMSG bob :")
    a.expect_numeric("412")
    a.send("PRIVMSG bob,bob,bob,bob,bob :five")
    a.expect_numeric("407")
    a.send("NOTICE nosuch :quiet")          # NOTICE never answers with errors
    a.send("NOTICE #nosuch :quiet")
    a.not_expect(r" 40[13] ")
    a.send("FROBNICATE")
    a.expect(r" 421 alice FROBNICATE :Unknown command")
    s.stop()


@case
def long_messages_are_cut_to_512():
    s, a, b = two()
    a.send("PRIVMSG #lobby :" + "\u00e9" * 300)   # a 616-byte line
    a.expect(r" 417 alice :Input line was too long")
    a.send("PRIVMSG #lobby :" + "\u00e9" * 245)   # fits, but not with prefix
    line = b.expect(r"PRIVMSG #lobby :")
    check(len(line.encode()) + 2 <= 512, "relayed %d bytes" % len(line.encode()))
    line.encode().decode("utf-8")                 # still valid UTF-8
    s.stop()


@case
def whois_who_lusers_list():
    s, a, b = two()
    b.send("AWAY :lunch")
    b.expect(r" 306 bob ")
    a.send("WHOIS bob")
    a.expect(r" 311 alice bob ~u 127\.0\.0\.1 \* :Test User")
    a.expect(r" 319 alice bob :#lobby")
    a.expect(r" 312 alice bob ")
    a.expect(r" 301 alice bob :lunch")
    a.expect(r" 317 alice bob \d+ \d+ :seconds idle")
    a.expect(r" 318 alice bob :End of /WHOIS")
    a.send("PRIVMSG bob :are you there?")
    a.expect(r" 301 alice bob :lunch")
    b.send("AWAY")
    b.expect(r" 305 bob ")
    a.send("WHOIS ghost")
    a.expect(r" 401 alice ghost ")
    a.expect(r" 318 alice ghost ")
    a.send("WHOIS")
    a.expect_numeric("431")
    a.send("WHO #lobby")
    a.expect(r" 352 alice #lobby ~u 127\.0\.0\.1 \S+ alice H@ :0 Test User")
    a.expect(r" 352 alice #lobby ~u 127\.0\.0\.1 \S+ bob H :0 Test User")
    a.expect(r" 315 alice #lobby :End of WHO list")
    a.send("WHO b*")
    a.expect(r" 352 alice \* ~u \S+ \S+ bob ")
    a.expect_numeric("315")
    a.send("WHO #nothing")
    a.expect(r" 315 alice #nothing ")
    a.send("LUSERS")
    a.expect(r" 251 alice :There are 2 users")
    a.expect(r" 254 alice 1 :channels formed")
    a.send("LIST")
    a.expect_numeric("321")
    a.expect(r" 322 alice #lobby 2 :")
    a.expect_numeric("323")
    a.send("VERSION")
    a.expect(r" 351 alice keochatd-")
    a.send("TIME")
    a.expect_numeric("391")
    a.send("ISON bob nobody alice")
    a.expect(r" 303 alice :bob alice")
    a.send("USERHOST bob")
    a.expect(r" 302 alice :bob=\+~u@127\.0\.0\.1")
    a.send("WHOWAS bob")
    a.expect_numeric("406")
    s.stop()


@case
def modes_and_operator_commands():
    s, a, b = two()
    a.send("MODE #lobby")
    a.expect(r" 324 alice #lobby \+nt$")
    a.expect(r" 329 alice #lobby \d+")
    a.send("MODE #lobby b")
    a.expect_numeric("368")
    b.send("MODE #lobby +o bob")       # alice, the first, is the op
    b.expect_numeric("482")
    b.send("KICK #lobby alice")
    b.expect_numeric("482")
    a.send("MODE #lobby +o bob")
    a.expect(r":alice!\S+ MODE #lobby \+o bob$")
    b.expect(r":alice!\S+ MODE #lobby \+o bob$")
    a.send("MODE alice +i")
    a.expect(r":alice!\S+ MODE alice :\+i")
    a.send("MODE alice")
    a.expect(r" 221 alice \+i")
    a.send("MODE bob +i")
    a.expect_numeric("502")
    a.send("MODE #nochan")
    a.expect_numeric("403")
    a.send("KICK #lobby nobody")
    a.expect_numeric("401")
    a.send("OPER a b")
    a.expect_numeric("491")
    a.send("KILL bob :x")
    a.expect_numeric("481")
    a.send("INVITE bob #lobby")
    a.expect_numeric("443")
    a.send("JOIN #priv")
    a.expect_numeric("366")
    a.send("INVITE bob #priv")
    a.expect(r" 341 alice bob #priv")
    b.expect(r":alice!\S+ INVITE bob #priv")
    s.stop()


@case
def quit_is_seen_with_reason():
    s, a, b = two()
    b.send("QUIT :gone fishing")
    b.expect(r"^ERROR :Closing Link: 127\.0\.0\.1 \(Quit: gone fishing\)")
    b.wait_closed()
    a.expect(r"^:bob!~u@127\.0\.0\.1 QUIT :Quit: gone fishing$")
    c = s.connect("carol")
    a.expect(r":carol!\S+ JOIN #lobby")
    c.close()                                 # a dropped link
    a.expect(r"^:carol!\S+ QUIT :Connection closed$")
    s.stop()


@case
def message_tags_and_tagmsg():
    s = Server(workers=2)
    a = s.connect("tagger", caps=["message-tags"])
    b = s.connect("reader", caps=["message-tags", "server-time"])
    p = s.connect("plain")
    a.drain()
    b.drain()
    a.send("@+typing=active;+x=a\\sb TAGMSG #lobby")
    line = b.expect(r"TAGMSG #lobby")
    check("+typing=active" in line and "+x=a\\sb" in line and "time=" in line,
          "client tags not relayed: " + line)
    p.not_expect(r"TAGMSG")
    a.send("@+reply=1 PRIVMSG #lobby :tagged")
    line = b.expect(r"PRIVMSG #lobby :tagged")
    check("+reply=1" in line, line)
    line = p.expect(r"PRIVMSG #lobby :tagged")
    check(line.startswith(":tagger"), "tags leaked to a plain client: " + line)
    p.send("TAGMSG #lobby")
    p.expect_numeric("421")
    s.stop()


run()
