"""Make the screenshots in doc/screenshots/ from the real window: a
private keochatd, a few people talking, keochat under Xvfb.  Run from the
build tree after "make check" has built keochat-test:

    python3 doc/screenshots/make.py

It writes window.png and networks.png here (the Networks dialog)."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "gui"))
from guitest import *  # noqa: E402,F401,F403


def shot(x, wid, name):
    x.run("import", "-window", str(wid), os.path.join(HERE, name),
          timeout=20)


def main():
    require_gui()
    s = Server(workers=1, opts={"history": "no"})
    x = Xvfb()
    try:
        alice = s.connect("alice")
        alice.send("TOPIC #lobby :Release 0.2 on Friday \u2014 "
                   "notes in https://example.org/notes")
        c = Keochat(x, ["-server", "127.0.0.1:%d" % s.port, "-nick", "bob",
                        "-connect"])
        c.wait_text(r"You joined #lobby")
        carol = s.connect("carol")
        dave = s.connect("dave")
        alice.send("MODE #lobby +v carol")
        for who, text in [
                (alice, "morning all"),
                (carol, "morning! the build is green again"),
                (dave, "\u65e9\u4e0a\u597d (that is good morning)"),
                (alice, "bob: can you look at the release notes before "
                        "lunch? https://example.org/notes"),
                (carol, "\x01ACTION brings coffee\x01"),
                (dave, "the new history search is great: Ctrl+Shift+F, "
                       "type a word, and it jumps to the line with the "
                       "lines around it")]:
            who.send("PRIVMSG #lobby :" + text)
        c.wait_text(r"jumps to the line")
        c.type_into("entry", "on it, after the stand-up")
        c.key("Return")
        c.wait_text(r"<bob> on it")
        shot(x, c.top, "window.png")
        c.click("entry")
        c.key("ctrl+shift+n")
        c.wait(lambda st: st.get("networksdialog") == "1", 10, "the dialog")
        c.windows()
        x.run("xdotool", "windowfocus", "--sync", c.dialog("Networks")[0])
        for f, v in [("netName", "Work"), ("netHost", "chat.example.org"),
                     ("netPort", "6697"), ("netNick", "bob"),
                     ("netAlternates", "bob_ robert"),
                     ("netRooms", "#lobby #release")]:
            c.type_into(f, v)
        c.click("netTls")
        shot(x, c.dialog("Networks")[0], "networks.png")
        c.quit()
    finally:
        x.stop()
    s.stop()


main()
