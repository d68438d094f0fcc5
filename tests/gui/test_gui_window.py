"""The KEO Chat window as a desktop user expects it, against a real
keochatd: Tab cycles names in place; Ctrl+C/V/X/A and Shift+Insert use
the clipboard instead of typing control bytes; Ctrl+B inserts bold; a
paste of several lines sends each as a message (asking first when there
are many); a view scrolled up to read stays where it is as lines come."""
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guitest import *  # noqa: E402,F401,F403


def clipboard_set(x, text):
    """Own the CLIPBOARD with text (xclip keeps serving it)."""
    p = subprocess.Popen(["xclip", "-selection", "clipboard", "-i", "-quiet"],
                         stdin=subprocess.PIPE, env=x.env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    p.stdin.write(text.encode())
    p.stdin.close()
    at_exit(lambda: (p.poll() is None and p.terminate(), p.wait()))
    wait_for(lambda: clipboard_get(x) == text, 10, "xclip to own the clipboard")
    return p


def clipboard_get(x):
    return x.run("xclip", "-selection", "clipboard", "-o", check_rc=False,
                 timeout=5)


@case
def keys_clipboard_completion_and_paste():
    require_gui()
    if shutil.which("xclip") is None:
        raise Skip("xclip is not installed (apt-get install xclip)")
    s = Server(workers=1, opts={"history": "no"})
    x = Xvfb()
    try:
        alice = s.connect("alice")
        alison = s.connect("alison")
        c = Keochat(x, ["-server", "127.0.0.1:%d" % s.port, "-nick", "bob",
                        "-connect"])
        c.wait_text(r"You joined #lobby")
        alice.expect(r":bob!\S+ JOIN #lobby")
        c.wait(lambda st: "alison" in st.get("roster", ""), 10, "roster")
        c.click("entry")
        # Tab Tab cycles in place: not "alice: alison"
        c.x.run("xdotool", "type", "--delay", "12", "al")
        c.key("Tab")
        c.wait(lambda st: st.get("entry") == "alice: ", 5, "alice: ")
        c.key("Tab")
        c.wait(lambda st: st.get("entry") == "alison: ", 5, "alison: ")
        # Ctrl+A selects it all, Ctrl+C copies it to the CLIPBOARD
        c.key("ctrl+a")
        c.key("ctrl+c")
        wait_for(lambda: clipboard_get(x) == "alison: ", 10,
                 "the entry's text in the clipboard")
        # typing replaces the selection; Ctrl+B is bold, not a ^B box
        c.x.run("xdotool", "type", "--delay", "12", "so ")
        c.key("ctrl+b")
        c.x.run("xdotool", "type", "--delay", "12", "bold")
        c.key("Return")
        alice.expect(r"PRIVMSG #lobby :so \x02bold$")
        # Ctrl+V pastes the clipboard; Shift+Insert too
        clipboard_set(x, "pasted words")
        c.key("ctrl+v")
        c.wait(lambda st: st.get("entry") == "pasted words", 10, "Ctrl+V")
        c.key("shift+Insert")
        c.wait(lambda st: st.get("entry") == "pasted wordspasted words", 10,
               "Shift+Insert")
        c.key("Return")
        alice.expect(r"PRIVMSG #lobby :pasted wordspasted words$")
        # Ctrl+A in the Server field selects all (it typed ^A once, and
        # made "cannot resolve"); Ctrl+E types nothing
        c.click("server")
        c.key("ctrl+a")
        c.key("ctrl+e")
        c.x.run("xdotool", "type", "--delay", "12", "127.0.0.1:%d" % s.port)
        c.wait(lambda st: st.get("serverfield") == "127.0.0.1:%d" % s.port,
               5, "the server field retyped")
        # three pasted lines: three messages, in order
        clipboard_set(x, "line one\nline two\nline three\n")
        c.click("entry")
        c.key("ctrl+v")
        for w in ("one", "two", "three"):
            alice.expect(r":bob!\S+ PRIVMSG #lobby :line %s$" % w)
        c.wait(lambda st: st.get("entry") == "", 5, "entry cleared")
        c.wait_text(r"<bob> line three")
        # eight: asked first (Return is Yes), then sent, paced
        clipboard_set(x, "\n".join("paste %d" % i for i in range(8)))
        c.key("ctrl+v")
        c.wait(lambda st: st.get("pastedialog") == "1", 10, "the question")
        alice.not_expect(r"PRIVMSG #lobby :paste", 0.3)
        c.screenshot("window-paste-question")
        x.run("xdotool", "windowfocus", "--sync",
              c.dialog("Paste several lines")[0])
        c.key("Return")
        for i in range(8):
            alice.expect(r"PRIVMSG #lobby :paste %d$" % i, 10)
        check(c.quit() == 0, "keochat did not exit cleanly")
        gone(alison)
    finally:
        x.stop()
    s.stop()


@case
def a_view_scrolled_up_stays_put():
    require_gui()
    s = Server(workers=1, opts={"history": "no"})
    x = Xvfb()
    try:
        alice = s.connect("alice", caps=["echo-message"])
        c = Keochat(x, ["-server", "127.0.0.1:%d" % s.port, "-nick", "bob",
                        "-connect"])
        c.wait_text(r"You joined #lobby")
        alice.expect(r":bob!\S+ JOIN #lobby")
        for i in range(80):
            alice.send("PRIVMSG #lobby :filler %d" % i)
        alice.expect(r"PRIVMSG #lobby :filler 79$")
        c.wait_text(r"<alice> filler 79", 10)
        bottom = c.state()["top1"]
        # page up twice, as a person does to read
        wid = c.windows()["sb1"]
        for _ in range(2):
            st = c.state()
            x.run("xdotool", "mousemove", "--window", str(wid), "6", "22",
                  "click", "1")
            try:
                c.wait(lambda st2: st2["top1"] != st["top1"], 5, "a page up")
            except AssertionError:
                diag("state: %r" % {k: v for k, v in c.state().items()
                                     if k not in ("tabtext", "alltext")})
                raise
        top = c.state()["top1"]
        check(int(top) < int(bottom), "not scrolled up: %s %s" % (top, bottom))
        for i in range(3):
            alice.send("PRIVMSG #lobby :while reading %d" % i)
        st = c.wait_text(r"<alice> while reading 2", 10)
        check(st["top1"] == top, "the view moved from %s to %s" %
              (top, st["top1"]))
        c.screenshot("window-scrolled-up")
        check(c.quit() == 0, "keochat did not exit cleanly")
    finally:
        x.stop()
    s.stop()


@case
def keys_move_between_tabs():
    require_gui()
    s = Server(workers=1, opts={"history": "no"})
    x = Xvfb()
    try:
        alice = s.connect("alice")
        c = Keochat(x, ["-server", "127.0.0.1:%d" % s.port, "-nick", "bob",
                        "-connect"])
        c.wait_text(r"You joined #lobby")
        for room in ("#two", "#three"):
            c.type_into("entry", "/join " + room)
            c.key("Return")
            c.wait(lambda st: st.get("tabs", "").endswith("|" + room), 10,
                   room)
        st = c.wait(lambda st: st.get("active") == "3", 5, "#three in view")
        # a mention in #lobby: Alt+A goes there
        alice.send("PRIVMSG #lobby :bob, look")
        c.wait(lambda st: "! #lobby (1)" in st.get("tabs", ""), 10,
               "the mention")
        c.key("alt+a")
        c.wait(lambda st: st.get("active") == "1", 5, "Alt+A")
        c.key("ctrl+Next")
        c.wait(lambda st: st.get("active") == "2", 5, "Ctrl+PgDn")
        c.key("ctrl+Prior")
        c.wait(lambda st: st.get("active") == "1", 5, "Ctrl+PgUp")
        c.key("alt+1")
        c.wait(lambda st: st.get("active") == "0", 5, "Alt+1")
        c.key("alt+4")
        c.wait(lambda st: st.get("active") == "3", 5, "Alt+4")
        # Ctrl+W closes the tab, leaving the room
        c.key("ctrl+w")
        c.wait(lambda st: "#three" not in st.get("tabs", ""), 10, "closed")
        check(c.quit() == 0, "keochat did not exit cleanly")
    finally:
        x.stop()
    s.stop()


@case
def links_open_with_xdg_open():
    require_gui()
    s = Server(workers=1, opts={"history": "no"})
    x = Xvfb()
    d = tempfile.mkdtemp(prefix="kc-xdg-")
    at_exit(lambda: shutil.rmtree(d, ignore_errors=True))
    opened = os.path.join(d, "opened")
    with open(os.path.join(d, "xdg-open"), "w") as f:    # records, opens nothing
        f.write("#!/bin/sh\nprintf '%%s\\n' \"$1\" >> %s\n" % opened)
    os.chmod(os.path.join(d, "xdg-open"), 0o755)
    try:
        alice = s.connect("alice")
        c = Keochat(x, ["-server", "127.0.0.1:%d" % s.port, "-nick", "bob",
                        "-connect"], env={"PATH": d + ":" + os.environ["PATH"]})
        c.wait_text(r"You joined #lobby")
        alice.expect(r":bob!\S+ JOIN #lobby")

        def click_last_link(want):
            st = c.wait(lambda st: want in st["tabtext"].get(1, "") and
                        st.get("link1"), 10, "the link drawn")
            lx, ly, lw = [int(v) for v in st["link1"].split(",")]
            x.run("xdotool", "mousemove", "--window", str(c.windows()["chat1"]),
                  str(lx + lw // 2), str(ly + 6), "click", "1")

        # a web link opens at once, as its own argument (no shell)
        alice.send("PRIVMSG #lobby :docs at https://example.org/x?a=1&b=$(id). "
                   "thanks")
        click_last_link("thanks")
        wait_for(lambda: os.path.exists(opened) and open(opened).read() ==
                 "https://example.org/x?a=1&b=$(id)\n", 10, "xdg-open called")
        c.wait_text(r"Opening https://example\.org/x\?a=1")
        # another scheme is asked about first; Cancel opens nothing
        alice.send("PRIVMSG #lobby :grab ftp://files.example.org/pub")
        click_last_link("grab")
        c.wait(lambda st: st.get("linkdialog") == "1", 10, "the question")
        c.screenshot("window-link-question")
        x.run("xdotool", "windowfocus", "--sync",
              c.dialog("Open link")[0])
        c.key("Escape")
        c.wait(lambda st: st.get("linkdialog") == "0", 10, "the answer")
        check(open(opened).read().count("\n") == 1, "opened anyway")
        check(c.quit() == 0, "keochat did not exit cleanly")
    finally:
        x.stop()
    s.stop()


@case
def typing_is_shown_and_sent():
    require_gui()
    s = Server(workers=1, opts={"history": "no"})
    x = Xvfb()
    try:
        alice = s.connect("alice", caps=["message-tags"])
        c = Keochat(x, ["-server", "127.0.0.1:%d" % s.port, "-nick", "bob",
                        "-connect"])
        c.wait_text(r"You joined #lobby")
        alice.expect(r":bob!\S+ JOIN #lobby")
        alice.send("@+typing=active TAGMSG #lobby")
        c.wait(lambda st: "alice is typing\u2026" in st.get("status", ""), 10,
               "alice typing in the status line")
        alice.send("PRIVMSG #lobby :done now")
        c.wait(lambda st: "typing" not in st.get("status", ""), 10,
               "her message ends it")
        c.click("entry")
        c.x.run("xdotool", "type", "--delay", "12", "hel")
        alice.expect(r"^@(\S*;)?\+typing=active(;\S*)? :bob!\S+ TAGMSG #lobby$")
        c.key("ctrl+a")
        c.key("BackSpace")
        alice.expect(r"^@(\S*;)?\+typing=done(;\S*)? :bob!\S+ TAGMSG #lobby$")
        check(c.quit() == 0, "keochat did not exit cleanly")
    finally:
        x.stop()
    s.stop()


@case
def the_roster_ranks_greys_and_acts():
    require_gui()
    s = Server(workers=1, opts={"history": "no"})
    x = Xvfb()
    try:
        c = Keochat(x, ["-server", "127.0.0.1:%d" % s.port, "-nick", "bob",
                        "-room", "#ops", "-connect"])
        c.wait_text(r"You joined #ops")
        alice = s.connect("alice", autojoin=False)
        alice.send("JOIN #ops")
        alice.expect(r" 366 ")
        zed = s.connect("zed", autojoin=False)
        zed.send("JOIN #ops")
        zed.expect(r" 366 ")
        alice.send("AWAY :at lunch")
        # operators first; then the rest by name
        st = c.wait(lambda st: st.get("roster") == "@bob,alice,zed", 10,
                    "the roster")
        c.screenshot("window-roster")
        rows = [int(v) for v in st["rosterrows"].split(",")]
        # a right click on zed posts the menu for zed and stays up (a
        # click); Escape takes it down.  Its items are driven with the
        # pointer in the_roster_menu_ops_voices_bans_and_kicks.
        x.run("xdotool", "mousemove", "--window",
              str(c.windows()["roster"]), "20", str(rows[2]), "click", "3")
        wid = wait_for(lambda: c.windows().get("rmenu_op"), 10, "the menu")
        wait_for(lambda: "IsViewable" in x.run(
            "xwininfo", "-id", str(wid), check_rc=False), 10,
            "the menu on the screen")
        c.key("Escape")
        wait_for(lambda: "IsViewable" not in x.run(
            "xwininfo", "-id", str(wid), check_rc=False), 10,
            "the menu gone")
        c.type_into("entry", "/op zed")
        c.key("Return")
        alice.expect(r":bob!\S+ MODE #ops \+o zed", 10)
        c.wait(lambda st: st.get("roster") == "@bob,@zed,alice", 10,
               "zed among the operators")
        # double click on alice: a private tab with her
        st = c.state()
        rows = [int(v) for v in st["rosterrows"].split(",")]
        x.run("xdotool", "mousemove", "--window", str(c.windows()["roster"]),
              "20", str(rows[2]), "click", "--repeat", "2", "--delay", "80",
              "1")
        c.wait(lambda st: st.get("tabs", "").endswith("|alice"), 10,
               "alice's tab")
        check(c.quit() == 0, "keochat did not exit cleanly")
    finally:
        x.stop()
    s.stop()


def roster_menu_pick(c, x, nick, item):
    """Pick item (rmenu_op, rmenu_kick, ...) of the roster's popup menu
    for nick, with the pointer as a person does: press button 3 on the
    name, move onto the item, wait until it is armed, release."""
    st = c.state()
    names = [n.lstrip("~&@%+") for n in st["roster"].split(",")]
    rows = [int(v) for v in st["rosterrows"].split(",")]
    x.run("xdotool", "mousemove", "--window", str(c.windows()["roster"]),
          "20", str(rows[names.index(nick)]))
    x.run("xdotool", "mousedown", "3")
    wid = wait_for(lambda: c.windows().get(item), 10, "the menu")
    wait_for(lambda: "IsViewable" in x.run(
        "xwininfo", "-id", str(wid), check_rc=False), 10,
        "the menu on the screen")
    x.run("xdotool", "mousemove", "--window", str(wid), "10", "5")
    wait_for(lambda: c.windows().get("rmenu_armed") == wid, 10,
             "%s under the pointer" % item)
    x.run("xdotool", "mouseup", "3")
    wait_for(lambda: "IsViewable" not in x.run(
        "xwininfo", "-id", str(wid), check_rc=False), 10, "the menu gone")


@case
def the_roster_menu_ops_voices_bans_and_kicks():
    require_gui()
    s = Server(workers=1, opts={"history": "no"})
    x = Xvfb()
    try:
        # a short multi-click time: a release soon after the press is the
        # end of a drag onto an item, not a click that leaves the menu up
        c = Keochat(x, ["-server", "127.0.0.1:%d" % s.port, "-nick", "bob",
                        "-room", "#ops", "-connect",
                        "-xrm", "*multiClickTime: 1"])
        c.wait_text(r"You joined #ops")
        alice = s.connect("alice", autojoin=False)
        alice.send("JOIN #ops")
        alice.expect(r" 366 ")
        zed = s.connect("zed", autojoin=False)
        zed.send("JOIN #ops")
        zed.expect(r" 366 ")
        c.wait(lambda st: st.get("roster") == "@bob,alice,zed", 10,
               "the roster")
        roster_menu_pick(c, x, "zed", "rmenu_op")
        alice.expect(r":bob!\S+ MODE #ops \+o zed$")
        c.wait(lambda st: st.get("roster") == "@bob,@zed,alice", 10,
               "zed an operator")
        roster_menu_pick(c, x, "alice", "rmenu_voice")
        alice.expect(r":bob!\S+ MODE #ops \+v alice$")
        c.wait(lambda st: st.get("roster") == "@bob,@zed,+alice", 10,
               "alice voiced")
        roster_menu_pick(c, x, "zed", "rmenu_ban")
        alice.expect(r":bob!\S+ MODE #ops \+b zed!\*@\*$")
        roster_menu_pick(c, x, "zed", "rmenu_kick")
        alice.expect(r":bob!\S+ KICK #ops zed")
        zed.expect(r"KICK #ops zed")
        c.wait(lambda st: st.get("roster") == "@bob,+alice", 10,
               "zed gone from the roster")
        # the ban holds on the server: zed cannot come back
        zed.send("JOIN #ops")
        zed.expect(r" 474 zed #ops ")
        check(c.quit() == 0, "keochat did not exit cleanly")
    finally:
        x.stop()
    s.stop()


@case
def texts_line_up_after_a_nick_column():
    """As HexChat draws it: the nicks right-aligned in a column, so every
    message's text starts at one x, whoever said it; a nick wider than the
    column pushes only its own line's text."""
    require_gui()
    s = Server(workers=1, opts={"history": "no"})
    x = Xvfb()
    try:
        c = Keochat(x, ["-server", "127.0.0.1:%d" % s.port, "-nick", "bob",
                        "-connect"])
        c.wait_text(r"You joined #lobby")
        who = {n: s.connect(n) for n in ("alice", "bo", "averyveryverylongnick")}
        starts = {}
        for n, p in who.items():
            p.send("PRIVMSG #lobby :https://example.org/%s said" % n)
            st = c.wait(lambda st: "/%s said" % n in st["tabtext"].get(1, "")
                        and st.get("link1"), 10, "%s's line" % n)
            starts[n] = int(st["link1"].split(",")[0])
        diag("texts start at %r" % starts)
        check(starts["alice"] == starts["bo"], "not aligned: %r" % starts)
        check(starts["averyveryverylongnick"] > starts["bo"],
              "a long nick overlaps the text: %r" % starts)
        check(c.quit() == 0, "keochat did not exit cleanly")
    finally:
        x.stop()
    s.stop()


@case
def shift_return_writes_several_lines():
    """Shift+Return starts a new line in the entry, which grows to show
    it; Up and Down move among those lines; Return sends each line as a
    message, and the entry is one line again."""
    require_gui()
    s = Server(workers=1, opts={"history": "no"})
    x = Xvfb()
    try:
        alice = s.connect("alice")
        c = Keochat(x, ["-server", "127.0.0.1:%d" % s.port, "-nick", "bob",
                        "-connect"])
        c.wait_text(r"You joined #lobby")
        alice.expect(r":bob!\S+ JOIN #lobby")
        one = c.state()
        h1 = int(one["geom_entry"].split(",")[3])
        c.type_into("entry", "first line")
        c.key("shift+Return")
        x.run("xdotool", "type", "--delay", "12", "second")
        c.key("shift+Return")
        x.run("xdotool", "type", "--delay", "12", "third")
        wait_for(lambda: "entry=first line\nsecond\nthird\n" in
                 open(c.dump).read(), 10, "three lines in the entry")
        st = c.state()
        h3 = int(st["geom_entry"].split(",")[3])
        check(h3 > h1 * 2, "the entry did not grow: %d -> %d" % (h1, h3))
        # Up goes to the line above (not the input history): typed there
        c.key("Up", "End")
        x.run("xdotool", "type", "--delay", "12", " 2")
        c.key("Return")
        alice.expect(r":bob!\S+ PRIVMSG #lobby :first line$")
        alice.expect(r":bob!\S+ PRIVMSG #lobby :second 2$")
        alice.expect(r":bob!\S+ PRIVMSG #lobby :third$")
        st = c.wait(lambda st: st.get("entry") == "" and
                    int(st["geom_entry"].split(",")[3]) == h1, 10,
                    "the entry one line again")
        check(c.quit() == 0, "keochat did not exit cleanly")
    finally:
        x.stop()
    s.stop()


@case
def the_topic_bar_shows_and_sets():
    require_gui()
    s = Server(workers=1, opts={"history": "no"})
    x = Xvfb()
    try:
        c = Keochat(x, ["-server", "127.0.0.1:%d" % s.port, "-nick", "bob",
                        "-room", "#plans", "-connect"])
        c.wait_text(r"You joined #plans")
        zed = s.connect("zed", autojoin=False)
        zed.send("JOIN #plans")
        zed.expect(r" 366 ")
        # the room's modes beside the topic (asked for on joining)
        st = c.wait(lambda st: st.get("modeslabel", "").startswith("[+"),
                    10, "the modes")
        # Return in the bar sets the topic
        c.type_into("topic", "planning at noon")
        c.key("Return")
        zed.expect(r":bob!\S+ TOPIC #plans :planning at noon$")
        c.wait(lambda st: st.get("entry") is not None and
               st.get("topicfield") == "planning at noon", 10, "the bar")
        # someone else's topic shows there too (+t: zed is made an
        # operator first)
        c.type_into("entry", "/op zed")
        c.key("Return")
        zed.expect(r"MODE #plans \+o zed")
        zed.send("TOPIC #plans :moved to one")
        c.wait(lambda st: st.get("topicfield") == "moved to one", 10,
               "zed's topic in the bar")
        # the bar is editable only where we may set the topic: bob is
        # the room's operator; deopped in a +t room, he is not
        check(c.state().get("topiceditable") == "1",
              "an operator's topic bar is not editable")
        zed.send("MODE #plans -o bob")
        c.wait(lambda st: st.get("topiceditable") == "0", 10,
               "the bar is still editable without @ in a +t room")
        zed.send("MODE #plans -t")
        c.wait(lambda st: st.get("topiceditable") == "1", 10,
               "the bar of a room without +t")
        # another tab, another topic (none)
        c.click("tab0")
        c.wait(lambda st: st.get("topicfield") == "" and
               st.get("modeslabel") == "Topic:", 10, "the server tab's bar")
        c.screenshot("window-topic")
        check(c.quit() == 0, "keochat did not exit cleanly")
    finally:
        x.stop()
    s.stop()


@case
def the_scrollback_is_bounded():
    require_gui()
    s = Server(workers=1, opts={"history": "no"})
    x = Xvfb()
    try:
        alice = s.connect("alice", caps=["echo-message"])
        c = Keochat(x, ["-server", "127.0.0.1:%d" % s.port, "-nick", "bob",
                        "-connect", "-xrm", "*scrollback: 150"])
        c.wait_text(r"You joined #lobby")
        alice.expect(r":bob!\S+ JOIN #lobby")
        for i in range(400):
            alice.send("PRIVMSG #lobby :flood %d" % i)
        alice.expect(r"PRIVMSG #lobby :flood 399$", 20)
        st = c.wait_text(r"<alice> flood 399$", 20, tab=1)
        got = [int(n) for n in re.findall(r"<alice> flood (\d+)",
                                          st["tabtext"][1])]
        # at most 150 lines kept (the view drops its oldest tenth at
        # once), the newest ones, in order
        check(135 <= len(got) <= 150 and got == list(range(got[0], 400)),
              "kept %d: %s..%s" % (len(got), got[:1], got[-1:]))
        check(c.quit() == 0, "keochat did not exit cleanly")
    finally:
        x.stop()
    s.stop()


MIXED = "mixed \u4f60\u597d \u4e16\u754c \U0001F600 ok"


@case
def scripts_mix_in_a_line_and_selection_copies():
    require_gui()
    s = Server(workers=1, opts={"history": "no"})
    x = Xvfb()
    try:
        alice = s.connect("alice")
        c = Keochat(x, ["-server", "127.0.0.1:%d" % s.port, "-nick", "bob",
                        "-connect"])
        c.wait_text(r"You joined #lobby")
        alice.expect(r":bob!\S+ JOIN #lobby")
        alice.send("PRIVMSG #lobby :" + MIXED)
        # Latin, CJK and emoji in one line: each glyph in a font that has
        # it, none drawn as a box
        st = c.wait(lambda st: MIXED in st["tabtext"].get(1, "") and
                    "WenQuanYi" in st.get("fonts1", ""), 10,
                    "the line drawn with the CJK font")
        fonts = st["fonts1"]
        check("DejaVu Sans" in fonts, fonts)
        check(st["missing1"] == "0", "glyphs without a font: %s (%s)" %
              (st["missing1"], fonts))
        c.screenshot("window-scripts")
        # drag across the line: PRIMARY holds what was selected, Ctrl+C
        # (the keyboard is in the entry) puts it in the CLIPBOARD
        chat = c.windows()["chat1"]
        line = st["tabtext"][1].split("\n").index(
            [l for l in st["tabtext"][1].split("\n") if MIXED in l][0])
        y = 8 + line * 18
        x.run("xdotool", "mousemove", "--window", str(chat), "2", str(y),
              "mousedown", "1", "mousemove", "--window", str(chat), "640",
              str(y), "mouseup", "1")
        st = c.wait(lambda st: MIXED in st.get("sel1", ""), 10,
                    "the line selected")
        primary = x.run("xclip", "-o", "-selection", "primary",
                        check_rc=False, timeout=5)
        check(MIXED in primary, "PRIMARY: %r" % primary)
        c.click("entry")
        c.key("ctrl+c")
        wait_for(lambda: MIXED in x.run("xclip", "-o", "-selection",
                                        "clipboard", check_rc=False,
                                        timeout=5), 10,
                 "the chat's selection in the CLIPBOARD")
        check(c.quit() == 0, "keochat did not exit cleanly")
        # a CJK font chosen for the chat keeps Latin letters readable
        c = Keochat(x, ["-server", "127.0.0.1:%d" % s.port, "-nick", "bob2",
                        "-connect", "-xrm",
                        "*chatFont: WenQuanYi Micro Hei-11"])
        c.wait_text(r"You joined #lobby")
        alice.send("PRIVMSG #lobby :latin after " + MIXED)
        st = c.wait(lambda st: "latin after" in st["tabtext"].get(1, ""), 10,
                    "the second window's line")
        st = c.wait(lambda st: st.get("fonts1", "").startswith("WenQuanYi"),
                    10, "the chosen font first")
        check(st["missing1"] in ("0", "1"), "missing " + st["missing1"])
        check(c.quit() == 0, "keochat did not exit cleanly")
    finally:
        x.stop()
    s.stop()


def geom(st, name):
    return [int(v) for v in st["geom_" + name].split(",")]


@case
def a_small_window_keeps_its_layout():
    require_gui()
    s = Server(workers=1, opts={"history": "no"})
    x = Xvfb()
    try:
        c = Keochat(x, ["-server", "127.0.0.1:%d" % s.port, "-nick", "bob",
                        "-connect"])
        c.wait_text(r"You joined #lobby")
        # the window tells the window manager how small it may get
        hints = x.run("xprop", "-id", str(c.top), "WM_NORMAL_HINTS")
        m = re.search(r"minimum size: (\d+) by (\d+)", hints)
        check(m and int(m.group(1)) >= 600 and int(m.group(2)) >= 360, hints)
        minw, minh = int(m.group(1)), int(m.group(2))
        # at that size every field is in the window and the chat is
        # wider than the user list
        x.run("xdotool", "windowsize", "--sync", str(c.top), str(minw),
              str(minh))
        c.type_into("entry", "/join #a-room-with-a-long-name")
        c.key("Return")
        st = c.wait(lambda st: geom(st, "top")[2] == minw and
                    "#a-room-with-a-l\u2026" in st.get("tabs", ""), 10,
                    "the small window, and the long room's tab")
        top, nb, roster = geom(st, "top"), geom(st, "notebook"), \
            geom(st, "roster")
        connect, entry = geom(st, "connect"), geom(st, "entry")
        check(nb[2] > 2 * roster[2], "chat %s, user list %s" % (nb, roster))
        check(connect[0] + connect[2] <= top[2], "Connect cut off: %s in %s"
              % (connect, top))
        check(entry[1] + entry[3] <= top[3], "entry cut off: %s in %s" %
              (entry, top))
        c.screenshot("window-small")
        check(c.quit() == 0, "keochat did not exit cleanly")
    finally:
        x.stop()
    s.stop()


def colour_count(x, wid, rgb):
    """Pixels of exactly rgb ("#RRGGBB") in window wid."""
    d = tempfile.mkdtemp(prefix="kc-shot-")
    path = os.path.join(d, "w.png")
    try:
        x.run("import", "-window", str(wid), path, timeout=20)
        out = subprocess.run(["convert", path, "-format", "%c",
                              "histogram:info:-"], capture_output=True,
                             text=True, timeout=60).stdout
    finally:
        shutil.rmtree(d, ignore_errors=True)
    n = 0
    for line in out.splitlines():
        m = re.match(r"\s*(\d+):.*(#[0-9A-Fa-f]{6})", line)
        if m and m.group(2).lower() == rgb.lower():
            n += int(m.group(1))
    return n


@case
def mirc_colours_are_drawn_unless_turned_off():
    require_gui()
    if shutil.which("import") is None or shutil.which("convert") is None:
        raise Skip("ImageMagick is not installed (apt-get install imagemagick)")
    s = Server(workers=1, opts={"history": "no"})
    for colours in (True, False):
        x = Xvfb()
        try:
            alice = s.connect("alice")
            args = ["-server", "127.0.0.1:%d" % s.port, "-nick", "bob",
                    "-connect"]
            if not colours:
                args += ["-xrm", "*showColours: False"]
            c = Keochat(x, args)
            c.wait_text(r"You joined #lobby")
            alice.expect(r":bob!\S+ JOIN #lobby")
            # red on yellow (mIRC 4 and 8), then bold and underlined
            alice.send("PRIVMSG #lobby :\x0304,08RED ON YELLOW RED ON "
                       "YELLOW\x03 \x02\x1fstrong\x0f plain")
            c.wait_text(r"<alice> RED ON YELLOW RED ON YELLOW strong plain")
            yellow = colour_count(x, c.top, "#ffff00")
            red = colour_count(x, c.top, "#ff0000")
            diag("showColours %s: %d yellow, %d red pixels" %
                 (colours, yellow, red))
            if colours:
                check(yellow > 300, "no yellow background drawn")
                check(red > 20, "no red text drawn")
                c.screenshot("window-colours")
            else:
                check(yellow == 0 and red == 0, "colours drawn when off")
            check(c.quit() == 0, "keochat did not exit cleanly")
            gone(alice)
        finally:
            x.stop()
    s.stop()


@case
def joins_fold_into_one_line():
    require_gui()
    s = Server(workers=1, opts={"history": "no"})
    x = Xvfb()
    try:
        c = Keochat(x, ["-server", "127.0.0.1:%d" % s.port, "-nick", "bob",
                        "-connect"])
        c.wait_text(r"You joined #lobby")
        people = [s.connect("j%d" % i) for i in range(3)]
        people[0].send("QUIT :off")
        st = c.wait_text(r"j0 connected \u00b7 j1 connected \u00b7 "
                         r"j2 connected \u00b7 j0 disconnected \(.*off.*\)$")
        check(len(re.findall(r"connected", st["alltext"])) == 5,
              "one line: %r" % st["alltext"])
        check(c.quit() == 0, "keochat did not exit cleanly")
        for p in people[1:]:
            gone(p)
    finally:
        x.stop()
    s.stop()


run()
