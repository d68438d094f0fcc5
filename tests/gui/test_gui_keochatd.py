"""KEO Chat, the real Motif window under Xvfb, driven with xdotool against
a real keochatd: the original's whole story and the errors around it."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guitest import *  # noqa: E402,F401,F403

MSG_OUT = "Grüße aus Ελλάδα, Привет €"
MSG_IN = "hello bob, Καλημέρα"


@case
def connect_chat_tabs_disconnect():
    require_gui()
    s = Server(workers=2)
    x = Xvfb()
    try:
        x.premap(MSG_OUT)
        alice = s.connect("alice")
        c = Keochat(x, ["-server", "localhost:1"])
        check(c.title() == "KEO Chat", "title " + c.title())
        # type the server and the name, as a person would
        c.type_into("server", "127.0.0.1:%d" % s.port)
        c.type_into("user", "bob")
        c.click("connect")
        c.wait_text(r"\[\d\d:\d\d:\d\d\] You connected")
        c.wait_text(r"\[\d\d:\d\d:\d\d\] Active: alice")
        c.wait_text(r"\[\d\d:\d\d:\d\d\] Active: bob")
        st = c.wait(lambda st: st.get("roster") == "@alice,bob", 10, "roster")
        check(st["connect"] == "Disconnect", "button says " + st["connect"])
        check(c.title() == "KEO Chat \u2014 bob @ 127.0.0.1:%d" % s.port,
              "title " + c.title())
        alice.expect(r":bob!~bob@127\.0\.0\.1 JOIN #lobby")
        # keyboard focus is in the entry box after connecting
        c.x.run("xdotool", "type", "--delay", "12", MSG_OUT)
        c.key("Return")
        alice.expect(r"^:bob!~bob@127\.0\.0\.1 PRIVMSG #lobby :%s$" % MSG_OUT)
        c.wait_text(r"<bob> %s" % MSG_OUT)
        c.wait(lambda st: st.get("entry") == "", 5, "entry cleared")
        # a line from someone else, mentioning us
        alice.send("PRIVMSG #lobby :" + MSG_IN)
        c.wait_text(r"\[\d\d:\d\d:\d\d\] <alice> %s" % MSG_IN)
        # people come and go
        carol = s.connect("carol")
        c.wait_text(r"carol connected")
        c.wait(lambda st: st.get("roster") == "@alice,bob,carol", 10)
        carol.send("QUIT :gone home")
        c.wait_text(r"carol disconnected \(Quit: gone home\)")
        # a private message opens its own tab, marked unread
        alice.send("PRIVMSG bob :just between us")
        st = c.wait(lambda st: "alice" in st.get("tabs", ""), 10, "query tab")
        check("alice (1)" in st["tabs"], "unread mark missing: " + st["tabs"])
        c.wait_text(r"<alice> just between us", tab=2)
        c.click("tab2")
        st = c.wait(lambda st: st.get("active") == "2", 10, "tab switch")
        check(st["tabs"].split("|")[2] == "alice", "mark not cleared")
        c.x.run("xdotool", "type", "--delay", "12", "private reply")
        c.key("Return")
        alice.expect(r"PRIVMSG alice :private reply$")
        c.click("tab1")
        c.wait(lambda st: st.get("active") == "1", 10)
        # commands from the entry box
        c.x.run("xdotool", "type", "--delay", "12", "/frobnicate")
        c.key("Return")
        c.wait_text(r"Unknown command /frobnicate\. Type /help")
        c.x.run("xdotool", "type", "--delay", "12", "/me waves")
        c.key("Return")
        alice.expect(r"PRIVMSG #lobby :\x01ACTION waves\x01")
        # Tab completes a nick, Up recalls the last line
        c.x.run("xdotool", "type", "--delay", "12", "al")
        c.key("Tab")
        c.wait(lambda st: st.get("entry") == "alice: ", 5, "completion")
        c.key("ctrl+slash", "BackSpace", "Up")
        c.wait(lambda st: st.get("entry") == "/me waves", 5, "history")
        c.key("ctrl+slash", "BackSpace")
        c.screenshot("keochatd-connected")
        # Disconnect
        c.click("connect")
        c.wait_text(r"You disconnected")
        alice.expect(r":bob!\S+ QUIT :")
        st = c.wait(lambda st: st.get("connect") == "Connect", 5)
        check(c.title() == "KEO Chat", "title after disconnect " + c.title())
        # sending while disconnected
        c.click("entry")
        c.x.run("xdotool", "type", "--delay", "12", "anyone?")
        c.key("Return")
        c.wait_text(r"You are not connected to a server")
        # a closed port
        port = free_port()
        c.type_into("server", "127.0.0.1:%d" % port)
        c.click("connect")
        c.wait_text(r"Could not connect to 127\.0\.0\.1:%d: Connection "
                    r"refused" % port)
        c.screenshot("keochatd-errors")
        check(c.quit() == 0, "keochat did not exit cleanly")
    finally:
        x.stop()
    s.stop()


@case
def name_in_use_then_another_and_reconnect():
    require_gui()
    s = Server(workers=1)
    x = Xvfb()
    try:
        # bob is taken: the client tries bob_ by itself, and shows it
        taken = s.connect("bob")
        c = Keochat(x, ["-server", "127.0.0.1:%d" % s.port, "-nick", "bob",
                        "-connect"])
        c.wait_text(r"The name bob is taken \(Nickname is already in use\): "
                    r"trying bob_ \.\.\.")
        c.wait_text(r"You connected")
        taken.expect(r":bob_!\S+ JOIN #lobby")
        c.wait(lambda st: st.get("userfield") == "bob_", 10,
               "bob_ in the Username field")
        check("bob_ @" in c.title(), c.title())
        # /nick renames, and the Username field follows
        c.type_into("entry", "/nick bob2")
        c.key("Return")
        taken.expect(r":bob_!\S+ NICK :?bob2")
        c.wait(lambda st: st.get("userfield") == "bob2" and
               "bob2 @" in st.get("title", ""), 10, "the new name")
        c.click("connect")
        c.wait_text(r"You disconnected")
        # bob, bob_, bob__ and bob___ all taken: the user is asked
        more = [s.connect(n) for n in ("bob_", "bob__", "bob___")]
        c.type_into("user", "bob")
        c.click("connect")
        c.wait_text(r"The name bob___ cannot be used: Nickname is already in "
                    r"use")
        st = c.wait(lambda st: st.get("connect") == "Connect", 5)
        c.type_into("user", "bobby")
        c.click("connect")
        c.wait_text(r"You connected")
        taken.expect(r":bobby!\S+ JOIN #lobby")
        check("bobby @" in c.title(), c.title())
        # the link is lost: the client says so and reconnects by itself
        port = s.port
        s.stop()
        c.wait_text(r"Connection to 127\.0\.0\.1:%d lost" % port, 10)
        c.wait_text(r"Reconnecting to 127\.0\.0\.1:%d in 1 s" % port, 10)
        c.wait_text(r"Could not connect to 127\.0\.0\.1:%d" % port, 10)
        c.wait_text(r"Reconnecting to 127\.0\.0\.1:%d in 2 s" % port, 10)
        s2 = Server(workers=1, listen="127.0.0.1:%d" % port)
        c.wait(lambda st: st["tabtext"].get(0, "").count("You connected")
               == 2, 20, "the second 'You connected'")
        c.click("connect")          # the user's own Disconnect: no retry
        c.wait_text(r"You disconnected")
        c.screenshot("keochatd-reconnect")
        check(c.quit() == 0, "keochat did not exit cleanly")
        s2.stop()
    finally:
        x.stop()


@case
def transcript_log_menus_and_attention():
    require_gui()
    s = Server(workers=1)
    x = Xvfb()
    try:
        logfile = os.path.join(x.dir, "transcript.log")
        saved = os.path.join(x.dir, "saved.txt")
        alice = s.connect("alice")
        c = Keochat(x, ["-server", "127.0.0.1:%d" % s.port, "-nick", "bob",
                        "-connect", "-log", logfile])
        c.wait_text(r"Active: alice")
        alice.send("PRIVMSG #lobby :for the record")
        c.wait_text(r"<alice> for the record")
        wait_for(lambda: os.path.exists(logfile) and
                 "<alice> for the record" in open(logfile).read(), 10,
                 "the -log transcript")
        text = open(logfile).read()
        check("--- #lobby ---" in text and "You connected" in text, text)
        # a mention while another window has the focus: bell and urgency
        def unfocus(st):
            x.run("xdotool", "windowfocus", "--sync", str(x.root()),
                  check_rc=False)
            return st.get("focused") == "0"
        c.wait(unfocus, 10, "the window to lose the focus")
        alice.send("PRIVMSG #lobby :bob, look here")
        c.wait_text(r"<alice> bob, look here")
        hints = x.run("xprop", "-id", str(c.top), "WM_HINTS", check_rc=False)
        diag("WM_HINTS after a mention: " + " ".join(hints.split()))
        check("urgency hint bit is set" in hints, "no urgency hint: " + hints)
        x.run("xdotool", "windowfocus", "--sync", str(c.top))
        wait_for(lambda: "urgency" not in x.run(
            "xprop", "-id", str(c.top), "WM_HINTS", check_rc=False), 10,
            "the urgency hint to clear on focus")
        # Connection > Save transcript... through the mnemonics
        c.mnemonic("c")
        c.key("s")
        d = c.dialog("Save transcript")
        x.run("xdotool", "windowfocus", "--sync", d[0])  # no WM here
        c.key("ctrl+slash", "BackSpace")
        c.x.run("xdotool", "type", "--delay", "12", saved)
        c.key("Return")
        c.wait_text(r"Transcript saved to %s \(\d+ lines\)" % re.escape(saved))
        check("<alice> for the record" in open(saved).read(), "saved file")
        # Help > Commands opens the list
        c.mnemonic("h")
        c.key("c")
        d = c.dialog("KEO Chat commands")
        x.run("xdotool", "windowfocus", "--sync", d[0])
        c.key("Return")
        wait_for(lambda: not x.run("xdotool", "search", "--onlyvisible",
                                   "--name", "KEO Chat commands",
                                   check_rc=False).split(), 10, "OK")
        c.screenshot("keochatd-dialogs")
        check(c.quit() == 0, "keochat did not exit cleanly")
    finally:
        x.stop()
    s.stop()


run()
