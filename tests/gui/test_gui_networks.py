"""Saved networks and being away, against a real keochatd: a network marked "connect at
start" connects when the window opens, under an alternate nick when its
own is taken, and joins all its rooms, while a damaged line of the file
is named in the server tab; the Networks dialog refuses an unsound
network with the reason, saves a sound one atomically with mode 0600,
connects to it and deletes it.  Two saved networks connect at
start at once, each with its own group of tabs: lines go to the server
of the tab they are typed in, Ctrl+W on a server tab closes that
network, and New Server Tab opens another by hand.  Connection -> Away marks you away (the
others see it with away-notify) and back; a muted tab is not marked by
chatter, only by a mention."""
import os
import re
import stat
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guitest import *  # noqa: E402,F401,F403


def config_home():
    d = tempfile.mkdtemp(prefix="kc-xdg-")
    at_exit(lambda: shutil.rmtree(d, ignore_errors=True))
    return d


@case
def a_saved_network_connects_at_start():
    require_gui()
    s = Server(workers=1, opts={"history": "no"})
    x = Xvfb()
    xdg = config_home()
    os.makedirs(os.path.join(xdg, "keochat"))
    with open(os.path.join(xdg, "keochat", "networks"), "w") as f:
        f.write("[network Elsewhere]\nhost = 127.0.0.1\nport = 1\n"
                "nick = nobody\n\n"
                "[network Local]\nhost = 127.0.0.1\nport = %d\n"
                "nick = carol\nalternates = carola\nprot = 9\n"
                "rooms = #one #two\nconnect-at-start = yes\n" % s.port)
    try:
        carol = s.connect("carol")
        carol.send("JOIN #two")
        carol.expect(r"366 carol #two")
        c = Keochat(x, [], env={"XDG_CONFIG_HOME": xdg})
        carol.expect(r":carola!\S+ JOIN #two")
        c.wait(lambda st: "#one" in st.get("tabs", "") and
               "#two" in st.get("tabs", ""), 10, "both rooms' tabs")
        st = c.wait(lambda st: st.get("userfield") == "carola", 10,
                    "the alternate in the Username field")
        check(st.get("serverfield") == "127.0.0.1:%d" % s.port,
              "server field: %r" % st.get("serverfield"))
        c.wait_text(r"networks, line 11: 'prot' is not a setting", 5, tab=0)
        c.wait_text(r"The name carol is taken .*trying carola", 5, tab=0)
        c.screenshot("networks-at-start")
        check(c.quit() == 0, "keochat did not exit cleanly")
        gone(carol)
    finally:
        x.stop()
    s.stop()


@case
def the_networks_dialog_saves_connects_and_deletes():
    require_gui()
    s = Server(workers=1, opts={"history": "no"})
    x = Xvfb()
    xdg = config_home()
    path = os.path.join(xdg, "keochat", "networks")
    try:
        eve = s.connect("eve")
        eve.send("JOIN #x")
        eve.expect(r"366 eve #x")
        c = Keochat(x, ["-nick", "dave"], env={"XDG_CONFIG_HOME": xdg})
        c.click("entry")
        c.key("ctrl+shift+n")
        c.wait(lambda st: st.get("networksdialog") == "1", 10,
               "the Networks dialog")
        c.wait(lambda st: "No saved networks" in st.get("netstatus", ""), 5,
               "its empty state")
        c.windows()
        x.run("xdotool", "windowfocus", "--sync", c.dialog("Networks")[0])
        c.type_into("netName", "Test")
        c.type_into("netHost", "127.0.0.1")
        c.type_into("netPort", str(s.port))
        c.type_into("netNick", "9dave")
        c.type_into("netPassword", "pa ss")
        c.type_into("netRooms", "#x #y")
        c.click("netSave")
        c.wait(lambda st: "nick '9dave'" in st.get("netstatus", ""), 10,
               "the reason it is not saved")
        check(not os.path.exists(path), "an unsound network was saved")
        c.type_into("netNick", "dave")
        c.click("netSave")
        c.wait(lambda st: st.get("netstatus", "").startswith("Saved Test"),
               10, "saved")
        check(stat.S_IMODE(os.stat(path).st_mode) == 0o600,
              "mode %o" % stat.S_IMODE(os.stat(path).st_mode))
        text = open(path).read()
        for want in ("[network Test]", "port = %d" % s.port,
                     "nick = dave", "password = pa ss", "rooms = #x #y"):
            check(want in text, "%r not in the file:\n%s" % (want, text))
        check(os.listdir(os.path.dirname(path)) == ["networks"],
              "left behind: %r" % os.listdir(os.path.dirname(path)))
        st = c.wait(lambda st: st.get("networks") == "Test", 5, "the list")
        c.screenshot("networks-dialog")
        c.click("netConnect")
        eve.expect(r":dave!\S+ JOIN #x")
        c.wait(lambda st: "#y" in st.get("tabs", "") and
               st.get("networksdialog") == "0", 10, "connected, closed")
        # open again: the saved one is picked; Delete takes it away
        c.click("entry")
        c.key("ctrl+shift+n")
        c.wait(lambda st: st.get("networksdialog") == "1" and
               st.get("netselected") == "0", 10, "the dialog again")
        c.windows()
        x.run("xdotool", "windowfocus", "--sync", c.dialog("Networks")[0])
        c.click("netDelete")
        c.wait(lambda st: st.get("netstatus") == "Deleted Test", 10,
               "deleted")
        check("[network Test]" not in open(path).read(), "still in the file")
        c.click("netClose")
        c.wait(lambda st: st.get("networksdialog") == "0", 10, "closed")
        check(c.quit() == 0, "keochat did not exit cleanly")
        gone(eve)
    finally:
        x.stop()
    s.stop()


@case
def two_networks_at_once_each_with_its_tabs():
    require_gui()
    s1 = Server(workers=1, opts={"history": "no", "autojoin": ""})
    s2 = Server(workers=1, opts={"history": "no", "autojoin": ""})
    x = Xvfb()
    xdg = config_home()
    os.makedirs(os.path.join(xdg, "keochat"))
    with open(os.path.join(xdg, "keochat", "networks"), "w") as f:
        f.write("[network Alpha]\nhost = 127.0.0.1\nport = %d\n"
                "nick = dave\nrooms = #a\nconnect-at-start = yes\n\n"
                "[network Beta]\nhost = 127.0.0.1\nport = %d\n"
                "nick = dave\nrooms = #b\nconnect-at-start = yes\n"
                % (s1.port, s2.port))
    try:
        ann = s1.connect("ann")
        ann.send("JOIN #a")
        ann.expect(r"366 ann #a")
        bea = s2.connect("bea")
        bea.send("JOIN #b")
        bea.expect(r"366 bea #b")
        bea.send("JOIN #lobby")
        bea.expect(r"366 bea #lobby")
        c = Keochat(x, [], env={"XDG_CONFIG_HOME": xdg})
        ann.expect(r":dave!\S+ JOIN #a")
        bea.expect(r":dave!\S+ JOIN #b")
        st = c.wait(lambda st: st.get("tabs") == "Alpha|#a|Beta|#b" and
                    st.get("linkstates") == "3,3", 10,
                    "both networks connected, their tabs grouped")
        check(st.get("links") == "2", "links: %r" % st.get("links"))
        # the first network is in view; Beta's room is marked by a line
        bea.send("PRIVMSG #b :hello from beta")
        c.wait_text(r"<bea> hello from beta", 10, tab=3)
        c.wait(lambda st: st.get("tabs") == "Alpha|#a|Beta|#b (1)" and
               st.get("link") == "0", 10, "Beta's room marked, Alpha shown")
        # its tab brings Beta into view, with its server in the top row
        c.click("tab3")
        st = c.wait(lambda st: st.get("link") == "1" and
                    st.get("active") == "3", 10, "Beta's room in view")
        check(st.get("serverfield") == "127.0.0.1:%d" % s2.port,
              "server field: %r" % st.get("serverfield"))
        c.type_into("entry", "to beta")
        c.key("Return")
        bea.expect(r":dave!\S+ PRIVMSG #b :to beta")
        # back to Alpha's room with Ctrl+PgUp twice: a line goes there
        c.key("ctrl+Prior")
        c.wait(lambda st: st.get("active") == "2", 10, "Beta's server tab")
        c.key("ctrl+Prior")
        st = c.wait(lambda st: st.get("active") == "1" and
                    st.get("link") == "0", 10, "Alpha's room")
        check(st.get("serverfield") == "127.0.0.1:%d" % s1.port,
              "server field: %r" % st.get("serverfield"))
        c.type_into("entry", "to alpha")
        c.key("Return")
        ann.expect(r":dave!\S+ PRIVMSG #a :to alpha")
        c.screenshot("two-networks")
        # Ctrl+W on Beta's server tab closes Beta, and only Beta
        c.click("tab2")
        c.wait(lambda st: st.get("active") == "2", 10, "Beta's server tab")
        c.key("ctrl+w")
        bea.expect(r":dave!\S+ QUIT")
        c.wait(lambda st: st.get("tabs") == "127.0.0.1:%d|#a" % s1.port and
               st.get("links") == "1", 10, "Beta closed")
        ann.send("PRIVMSG #a :still here")
        c.wait_text(r"<ann> still here", 10, tab=1)
        # New Server Tab, by hand: the top row is the new link's
        c.click("entry")
        c.key("ctrl+shift+t")
        c.wait(lambda st: st.get("links") == "2" and
               st.get("active") == "2", 10, "a new server tab")
        c.type_into("server", "127.0.0.1:%d" % s2.port)
        c.type_into("user", "erin")
        c.click("connect")
        bea.expect(r":erin!\S+ JOIN #lobby")
        c.wait(lambda st: st.get("tabs") == "Alpha|#a|127.0.0.1:%d|#lobby" % s2.port,
               10,
               "the new link's tabs")
        check(c.quit() == 0, "keochat did not exit cleanly")
        ann.expect(r":dave!\S+ QUIT")
        gone(ann)
        gone(bea)
    finally:
        x.stop()
    s1.stop()
    s2.stop()


@case
def away_from_the_menu_and_a_muted_tab():
    require_gui()
    s = Server(workers=1, opts={"history": "no"})
    x = Xvfb()
    try:
        alice = s.connect("alice", caps=["away-notify"])
        alice.send("JOIN #quiet")
        alice.expect(r"366 alice #quiet")
        c = Keochat(x, ["-server", "127.0.0.1:%d" % s.port, "-nick", "bob",
                        "-connect", "-xrm", "*awayMessage: gone fishing"])
        alice.expect(r":bob!\S+ JOIN #lobby")
        c.mnemonic("c")
        c.key("a")
        alice.expect(r":bob!\S+ AWAY :gone fishing$")
        c.wait(lambda st: st.get("status", "").endswith("\u00b7 away"), 10,
               "away in the status line")
        c.mnemonic("c")
        c.key("a")
        alice.expect(r":bob!\S+ AWAY$")
        c.wait(lambda st: not st.get("status", "").endswith("away"), 10,
               "back")
        # /mute in #quiet, then look at #lobby: chatter leaves the tab
        # alone, a mention marks it
        c.type_into("entry", "/join #quiet")
        c.key("Return")
        alice.expect(r":bob!\S+ JOIN #quiet")
        c.wait_text(r"You joined #quiet")
        c.type_into("entry", "/mute")
        c.key("Return")
        c.wait(lambda st: "|(#quiet)" in st.get("tabs", ""), 10,
               "the muted tab's label")
        c.key("alt+2")
        c.wait(lambda st: st.get("active") == "1", 10, "#lobby in view")
        alice.send("PRIVMSG #quiet :chatter")
        c.wait_text(r"<alice> chatter")
        st = c.state()
        check("|(#quiet)" in st["tabs"], "marked: %s" % st["tabs"])
        alice.send("PRIVMSG #quiet :bob: look")
        c.wait(lambda st: "|! (#quiet) (2)" in st.get("tabs", ""), 10,
               "a mention marks it")
        check(c.quit() == 0, "keochat did not exit cleanly")
        gone(alice)
    finally:
        x.stop()
    s.stop()


run()
