"""The memory of the room in the KEO Chat window, against a real keochatd:
joining draws the room's history above a "new since you were here" line
placed from the account's read marker; a conversation that waited while
the account was away opens by itself; the search dialog (Ctrl+Shift+F)
finds a line and shows it in its tab with the lines around it; scrolling
to the top fetches older lines, with no gap and no line twice; two windows
of one account agree on what is unread."""
import os
import re
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guitest import *  # noqa: E402,F401,F403

PW = "history-secret-7"


def numbers(text):
    """The N of every "line N" in a tab's text, in order."""
    return [int(n) for n in re.findall(r"<alice> line (\d+)\b", text)]


def seed(s, n, needle_at):
    """alice says "line 0" .. "line n-1" in #lobby (one of them with a
    needle); returns the server time of each line."""
    a = s.connect("alice", caps=["echo-message", "server-time"])
    times = []
    for i in range(n):
        a.send("PRIVMSG #lobby :line %d%s" % (i, " needle" if i == needle_at
                                               else ""))
    for i in range(n):
        l = a.expect(r"PRIVMSG #lobby :line %d\b" % i)
        times.append(re.search(r"time=(\S+?)[ ;]", l).group(1))
    return a, times


def waitfor(c, pred, timeout, what):
    """c.wait, telling what the window showed when it timed out."""
    try:
        return c.wait(pred, timeout, what)
    except AssertionError:
        st = c.state()
        diag("window state: " + repr({k: v for k, v in st.items()
                                       if k not in ("tabtext", "alltext")}))
        diag("active tab's text (end): " + repr(
            st.get("tabtext", {}).get(int(st.get("active", 0)), "")[-1500:]))
        raise


def scroll_to_top(c, tab, first):
    """Page up by clicking the scroll bar's trough above the slider until
    the tab reaches its top and older lines than line `first` came (the
    view then stays where it was: the top may not be seen), as a person
    does; near the top, where the slider covers that spot, click the
    arrow instead."""
    y = 22
    for _ in range(100):
        st = c.state()
        nums = numbers(st["tabtext"].get(tab, ""))
        if nums and nums[0] < first:
            return st
        wid = c.windows().get("sb%d" % tab)
        check(wid, "no scroll bar for tab %d" % tab)
        c.x.run("xdotool", "mousemove", "--window", str(wid), "6", str(y),
                "click", "1")
        try:
            c.wait(lambda st2: st2.get("top%d" % tab) != st.get("top%d" % tab)
                   or st2["tabtext"].get(tab) != st["tabtext"].get(tab), 3,
                   "the tab to scroll")
        except AssertionError:
            check(y == 22, "the arrow did not scroll tab %d" % tab)
            y = 4       # the slider is under the pointer: the arrow
    raise AssertionError("tab %d never fetched lines older than %d" %
                         (tab, first))


@case
def history_marker_waiting_search_and_older_lines():
    require_gui()
    s = Server(workers=2)
    gone(register_account(s, "gwen", PW))
    gone(register_account(s, "bob", PW))
    a, times = seed(s, 280, needle_at=150)
    # gwen read up to line 279 on another device, then went away (the
    # lines after it come after that round trip: a later millisecond)
    g = login(s, "gwen", PW, ["draft/read-marker", "draft/chathistory",
                              "batch", "server-time"])
    g.send("MARKREAD #lobby timestamp=" + times[279])
    g.expect(r" MARKREAD #lobby timestamp=" + re.escape(times[279]))
    gone(g)
    for i in range(280, 300):
        a.send("PRIVMSG #lobby :line %d" % i)
    a.expect(r"PRIVMSG #lobby :line 299$")
    # bob writes to gwen while she is away: it waits for her account
    b = login(s, "bob", PW)
    b.send("PRIVMSG gwen :are you there, gwen?")
    b.not_expect(r" 401 ", 0.5)
    x = Xvfb()
    try:
        c = Keochat(x, ["-server", "127.0.0.1:%d" % s.port, "-nick", "gwen"])
        c.type_into("password", PW)
        c.click("connect")
        c.wait_text(r"Logged in as gwen", 15)
        st = c.wait(lambda st: tab_of(st, "#lobby") > 0 and "<alice> line 299"
                    in st["tabtext"].get(tab_of(st, "#lobby"), ""), 15,
                    "#lobby's history")
        L = tab_of(st, "#lobby")
        text = st["tabtext"][L]
        # the newest 50 lines, and the marker after what she had read
        check(numbers(text) == list(range(250, 300)),
              "latest lines: %s" % numbers(text))
        m = re.search(r"line 279\n.*new since you were here.*\n.*line 280\b",
                      text)
        check(m, "marker line not between 279 and 280:\n" + text[-2500:])
        check(text.count("new since you were here") == 1, "two markers")
        # the conversation that waited opened its own tab, unread
        st = c.wait(lambda st: "bob" in st["tabs"], 15, "bob's tab")
        st = c.wait_text(r"<bob> are you there, gwen\?", 15)
        check(re.search(r"(^|\|)! bob \(1\)", st["tabs"]),
              "bob's tab not unread: " + st["tabs"])
        c.screenshot("history-on-join")
        # the master indexes what was kept a second or more behind (under
        # distcheck's load, later than the window got here): a user would
        # search again; the test waits for the index instead
        db = sqlite3.connect(os.path.join(s.statedir, "keochat.db"))
        wait_for(lambda: db.execute(
            "SELECT v FROM fts_state").fetchone()[0] >= db.execute(
            "SELECT max(id) FROM history WHERE kind IN (1, 2)").fetchone()[0],
            30, "the search index")
        db.close()
        # search: Ctrl+Shift+F, words, Return; Return on the result
        x.run("xdotool", "windowfocus", "--sync", str(c.top))
        c.key("ctrl+shift+f")
        c.wait(lambda st: st.get("searchdialog") == "1", 10, "search dialog")
        # no window manager here: give the dialog the keyboard as one would
        x.run("xdotool", "windowfocus", "--sync", c.dialog("Search history")[0])
        c.type_into("searchfield", "needle")
        c.key("Return")
        st = waitfor(c, lambda st: "1 message found" in
                     st.get("searchstatus", ""), 15, "the search result")
        check("#lobby  <alice> line 150 needle" in st.get("results", ""),
              st.get("results"))
        c.screenshot("history-search")
        c.click("searchlist")
        c.key("Return")
        st = waitfor(c, lambda st: "line 150 needle" in
                     st.get("sel%d" % L, ""), 15,
                     "the found line selected in its tab")
        check(st["active"] == str(L), "not in #lobby's tab")
        # what lies between the result and the newest lines came, and
        # lines above the result: no gap, nothing twice
        nums = numbers(st["tabtext"][L])
        check(nums == list(range(nums[0], 300)) and nums[0] <= 140,
              "after the jump: %s" % nums)
        # scrolled to the top, the tab fetches what is older, page by page
        for _ in range(6):
            if nums[0] == 0:
                break
            st = scroll_to_top(c, L, nums[0])
            nums = numbers(st["tabtext"][L])
            check(nums == list(range(nums[0], 300)),
                  "lines once, in order: %s" % nums)
        check(nums == list(range(300)), "not all lines: %s" % nums)
        c.screenshot("history-scrolled-up")
        check(c.quit() == 0, "keochat did not exit cleanly")
    finally:
        x.stop()
    s.stop()


@case
def two_windows_of_one_account_agree_on_unread():
    require_gui()
    s = Server(workers=2)
    gone(register_account(s, "hana", PW))
    x = Xvfb()
    try:
        wins = []
        for nick in ("hana", "hanalaptop"):
            c = Keochat(x, ["-server", "127.0.0.1:%d" % s.port, "-nick", nick,
                            "-account", "hana"])
            c.type_into("password", PW)
            c.click("connect")
            c.wait_text(r"Logged in as hana", 15)
            c.wait_text(r"You joined #lobby", 15)
            c.type_into("entry", "/join #dev")
            c.key("Return")
            c.wait(lambda st: st.get("tabs", "").endswith("|#dev"), 15,
                   "the #dev tab")
            c.click("tab1")
            c.wait(lambda st: st.get("active") == "1", 10, "#lobby in view")
            wins.append(c)
        a = s.connect("alice", caps=["echo-message"], autojoin=False)
        a.send("JOIN #dev")
        for i in range(3):
            a.send("PRIVMSG #dev :news %d" % i)
        a.expect(r"PRIVMSG #dev :news 2$")
        for c in wins:
            c.wait(lambda st: "#dev (3)" in st.get("tabs", ""), 15,
                   "three unread in #dev")
        # one window reads #dev: the other's count goes too (the windows
        # overlap, with no window manager: bring it up first)
        x.run("xdotool", "windowraise", str(wins[0].top))
        wins[0].click("tab2")
        wins[0].wait(lambda st: st.get("active") == "2", 10, "#dev in view")
        st = wins[1].wait(lambda st: re.search(r"\|#dev$", st["tabs"]), 15,
                          "the other window's #dev read")
        check(st["active"] == "1", "the other window changed tabs")
        # and a new line is unread in both again, counted from the marker
        a.send("PRIVMSG #dev :news 3")
        wins[1].wait(lambda st: "#dev (1)" in st.get("tabs", ""), 15,
                     "one unread")
        wins[0].screenshot("history-two-windows")
        for c in wins:
            check(c.quit() == 0, "keochat did not exit cleanly")
    finally:
        x.stop()
    s.stop()


run()
