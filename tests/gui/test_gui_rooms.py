"""The server's rooms, against a real keochatd: Connection -> Rooms on the
server... (Ctrl+L) lists what LIST gives, busiest first with their
topics; the filter narrows it; a double click joins; Connection -> Join a
room... (Ctrl+J) joins a typed name, with the # added, or one of the
rooms joined lately from its list; By name sorts the rooms list."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guitest import *  # noqa: E402,F401,F403


@case
def rooms_dialog_lists_filters_and_joins():
    require_gui()
    s = Server(workers=1, opts={"history": "no"})
    x = Xvfb()
    try:
        alice = s.connect("alice")
        carol = s.connect("carol")
        for who in (alice, carol):
            who.send("JOIN #busy")
            who.expect(r"366 %s #busy" % who.nick)
        alice.send("TOPIC #busy :where the work happens")
        alice.send("JOIN #quiet")
        alice.expect(r"366 alice #quiet")
        c = Keochat(x, ["-server", "127.0.0.1:%d" % s.port, "-nick", "bob",
                        "-connect"])
        c.wait_text(r"You joined #lobby")
        c.click("entry")
        c.key("ctrl+l")
        st = c.wait(lambda st: st.get("roomsdialog") == "1" and
                    st.get("roomsstatus", "").endswith("rooms"), 10,
                    "the rooms listed")
        rooms = st["rooms"].split("|")
        diag("rooms: %r" % rooms)
        check(rooms[0].startswith("#lobby (3)"), "busiest first: %r" % rooms)
        check("#busy (2)  \u2014  where the work happens" in rooms,
              "#busy with its topic: %r" % rooms)
        check(any(r.startswith("#quiet (1)") for r in rooms), "%r" % rooms)
        c.windows()
        x.run("xdotool", "windowfocus", "--sync",
              c.dialog("Rooms on the server")[0])
        c.type_into("roomsFilter", "work")
        st = c.wait(lambda st: st.get("rooms", "").startswith("#busy") and
                    "|" not in st.get("rooms", ""), 10, "the filter")
        check('1 match "work"' in st["roomsstatus"], st["roomsstatus"])
        c.screenshot("rooms-dialog")
        # By name: the same rooms, sorted by their names
        c.type_into("roomsFilter", "")
        c.wait(lambda st: st.get("rooms", "").startswith("#lobby"), 10,
               "all of them again, busiest first")
        c.click("roomsByName")
        st = c.wait(lambda st: st.get("rooms", "").startswith("#busy"), 10,
                    "by name")
        names = [r.split(" ")[0] for r in st["rooms"].split("|")]
        check(names == sorted(names, key=str.lower), "%r" % names)
        c.click("roomsByName")
        c.wait(lambda st: st.get("rooms", "").startswith("#lobby"), 10,
               "busiest first again")
        c.type_into("roomsFilter", "work")
        c.wait(lambda st: st.get("rooms", "").startswith("#busy") and
               "|" not in st.get("rooms", ""), 10, "the filter again")
        wid = c.windows()["roomsList"]
        x.run("xdotool", "mousemove", "--window", str(wid), "30", "10",
              "click", "--repeat", "2", "--delay", "80", "1")
        alice.expect(r":bob!\S+ JOIN #busy")
        c.wait(lambda st: "#busy" in st.get("tabs", ""), 10, "its tab")
        # Join a room...: "dev" is #dev
        x.run("xdotool", "windowfocus", "--sync", str(c.top))
        c.click("entry")
        c.key("ctrl+j")
        c.wait(lambda st: st.get("joindialog") == "1", 10, "Join a room")
        x.run("xdotool", "windowfocus", "--sync", c.dialog("Join a room")[0])
        c.x.run("xdotool", "type", "--delay", "12", "dev")
        c.key("Return")
        c.wait(lambda st: "#dev" in st.get("tabs", ""), 10, "#dev joined")
        # the rooms joined lately, newest first, in the Join dialog; a
        # double click on one joins it again
        c.type_into("entry", "/close")
        c.key("Return")
        c.wait(lambda st: "#dev" not in st.get("tabs", ""), 10, "#dev left")
        c.click("entry")
        c.key("ctrl+j")
        st = c.wait(lambda st: st.get("joindialog") == "1", 10, "Join again")
        check(st.get("recent") == "#dev|#busy", "recent: %r" %
              st.get("recent"))
        check(open(os.path.join(x.dir, "config", "keochat",
                                "recent-rooms")).read() == "#dev\n#busy\n",
              "the file")
        x.run("xdotool", "mousemove", "--window",
              str(c.windows()["joinList"]), "20", "8", "click", "--repeat",
              "2", "--delay", "80", "1")
        c.wait(lambda st: "#dev" in st.get("tabs", "") and
               st.get("joindialog") == "0", 10, "#dev joined from the list")
        check(c.quit() == 0, "keochat did not exit cleanly")
        gone(alice)
        gone(carol)
    finally:
        x.stop()
    s.stop()


run()
