"""Desktop notifications over a private D-Bus session bus, served by a
notification server of the tests' own (tests/harness/notifyd, which owns
org.freedesktop.Notifications there and logs each call): a private
message and a mention in a tab not in view are notified with the text
escaped for the markup servers read; a mention in the tab the user looks
at is not; /notify off quiets one tab and a saved network's Quiet setting
and quiet tabs hold from the networks file; a server that never answers
does not slow the window; with no bus at all nothing is said and nothing
waits."""
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guitest import *  # noqa: E402,F401,F403

NOTIFYD = os.path.join(TOP_BUILD, "tests", "harness", "notifyd")


class Bus:
    """A dbus-daemon of our own, and notifyd serving notifications on it."""

    def __init__(self, no_reply=False):
        if shutil.which("dbus-daemon") is None:
            raise Skip("dbus-daemon is not installed (apt-get install "
                       "dbus-daemon)")
        if not os.path.exists(NOTIFYD):
            raise Skip("keochat was built without libdbus: no notifyd")
        self.dir = tempfile.mkdtemp(prefix="kc-dbus-")
        self.server = None
        self.daemon = subprocess.Popen(
            ["dbus-daemon", "--session", "--nofork", "--nopidfile",
             "--print-address=1",
             "--address=unix:path=%s/bus" % self.dir],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        at_exit(self.stop)
        self.address = self.daemon.stdout.readline().strip()
        check(self.address.startswith("unix:"), "no bus address")
        self.log = os.path.join(self.dir, "calls")
        self.server = subprocess.Popen(
            [NOTIFYD, self.log] + (["--no-reply"] if no_reply else []),
            stdout=subprocess.PIPE, text=True,
            env=dict(os.environ, DBUS_SESSION_BUS_ADDRESS=self.address))
        check(self.server.stdout.readline().strip() == "ready",
              "notifyd did not start")

    def calls(self):
        """Every Notify call: [id, app, replaces, icon, summary, body,
        hints, expire], unescaped."""
        out = []
        with open(self.log) as f:
            for line in f:
                fields = line.rstrip("\n").split("\t")
                if fields[0] == "Notify":
                    out.append([re.sub(r"\\(.)", lambda m: {
                        "n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), x)
                        for x in fields[1:]])
        return out

    def stop(self):
        for p in (self.server, self.daemon):
            if p is not None and p.poll() is None:
                p.terminate()
                p.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


@case
def mentions_and_private_messages_notify():
    require_gui()
    bus = Bus()
    s = Server(workers=1, opts={"history": "no"})
    x = Xvfb()
    try:
        alice = s.connect("alice")
        c = Keochat(x, ["-server", "127.0.0.1:%d" % s.port, "-nick", "bob",
                        "-connect"],
                    env={"DBUS_SESSION_BUS_ADDRESS": bus.address})
        c.wait_text(r"You joined #lobby")
        alice.expect(r":bob!\S+ JOIN #lobby")
        c.wait(lambda st: st.get("focused") == "1", 10, "the focus")
        # a mention in the tab in view, window focused: no notification
        alice.send("PRIVMSG #lobby :bob: you see this already")
        c.wait_text(r"<alice> bob: you see this already")
        # a private message: its own tab, not in view
        alice.send("PRIVMSG bob :psst <b>&</b>")
        got = wait_for(lambda: bus.calls() or None, 10, "a Notify call")
        diag("Notify: %r" % got)
        check(len(got) == 1, "notified %d times: %r" % (len(got), got))
        nid, app, replaces, icon, summary, body, hints, expire = got[0]
        check(app == "KEO Chat", "app name %r" % app)
        check(summary == "alice", "summary %r" % summary)
        check(body == "&lt;alice&gt; psst &lt;b&gt;&amp;&lt;/b&gt;",
              "body %r" % body)
        check("category=im.received" in hints.split(",") and
              "desktop-entry=keochat" in hints.split(","),
              "hints %r" % hints)
        check(replaces == "0" and expire == "-1", "replaces %r, expire %r" %
              (replaces, expire))
        # the private tab is still not the one in view: the next one
        # notifies too
        alice.send("PRIVMSG bob :again")
        wait_for(lambda: len(bus.calls()) >= 2 or None, 10, "a second")
        check(bus.calls()[1][5] == "&lt;alice&gt; again", "%r" % bus.calls()[1])
        check(c.quit() == 0, "keochat did not exit cleanly")
        gone(alice)
    finally:
        x.stop()
    s.stop()


def bodies(bus):
    return [c[5] for c in bus.calls()]


@case
def quiet_tabs_and_a_quiet_network_do_not_notify():
    require_gui()
    bus = Bus()
    s1 = Server(workers=1, opts={"history": "no", "autojoin": ""})
    s2 = Server(workers=1, opts={"history": "no", "autojoin": ""})
    x = Xvfb()
    xdg = tempfile.mkdtemp(prefix="kc-xdg-")
    at_exit(lambda: shutil.rmtree(xdg, ignore_errors=True))
    os.makedirs(os.path.join(xdg, "keochat"))
    with open(os.path.join(xdg, "keochat", "networks"), "w") as f:
        f.write("[network Loud]\nhost = 127.0.0.1\nport = %d\nnick = bob\n"
                "rooms = #loud #hush #open\nquiet-tabs = #hush\n"
                "connect-at-start = yes\n\n"
                "[network Calm]\nhost = 127.0.0.1\nport = %d\nnick = bob\n"
                "rooms = #c\nquiet = yes\nconnect-at-start = yes\n"
                % (s1.port, s2.port))
    try:
        alice = s1.connect("alice")
        for r in ("#loud", "#hush", "#open"):
            alice.send("JOIN " + r)
            alice.expect(r"366 alice %s" % r)
        carl = s2.connect("carl")
        c = Keochat(x, [], env={"XDG_CONFIG_HOME": xdg,
                                "DBUS_SESSION_BUS_ADDRESS": bus.address})
        alice.expect(r":bob!\S+ JOIN #open")
        c.wait(lambda st: st.get("linkstates") == "3,3" and
               "#c" in st.get("tabs", ""), 10, "both networks")
        # a quiet tab's mention, and anything from the quiet network: none
        alice.send("PRIVMSG #hush :bob: hush")
        carl.send("PRIVMSG bob :from the calm side")
        c.wait_text(r"<alice> bob: hush")
        c.wait_text(r"<carl> from the calm side")
        # a mention in a tab that is not quiet (and not in view): one
        alice.send("PRIVMSG #open :bob: open")
        c.wait_text(r"<alice> bob: open")
        wait_for(lambda: bus.calls() or None, 10, "a Notify call")
        check(bodies(bus) == ["&lt;alice&gt; bob: open"], "%r" % bodies(bus))
        # /notify off in #open quiets it; /notify says so
        st = c.state()
        t_open, t_loud = tab_of(st, "#open"), tab_of(st, "#loud")
        c.click("tab%d" % t_open)
        c.wait(lambda st: st.get("active") == str(t_open), 10,
               "#open in view")
        c.type_into("entry", "/notify off")
        c.key("Return")
        c.wait_text(r"Desktop notifications for #open: off")
        c.click("tab%d" % t_loud)
        c.wait(lambda st: st.get("active") == str(t_loud), 10,
               "#loud in view")
        alice.send("PRIVMSG #open :bob: open again")
        c.wait_text(r"<alice> bob: open again")
        # and a private message from the loud network still notifies
        alice.send("PRIVMSG bob :psst")
        wait_for(lambda: len(bus.calls()) >= 2 or None, 10, "a second")
        check(bodies(bus) == ["&lt;alice&gt; bob: open", "&lt;alice&gt; psst"],
              "%r" % bodies(bus))
        check(c.quit() == 0, "keochat did not exit cleanly")
        gone(alice)
        gone(carl)
    finally:
        x.stop()
    s1.stop()
    s2.stop()


@case
def a_service_that_never_answers_holds_nothing_up():
    require_gui()
    bus = Bus(no_reply=True)
    s = Server(workers=1, opts={"history": "no"})
    x = Xvfb()
    try:
        alice = s.connect("alice")
        c = Keochat(x, ["-server", "127.0.0.1:%d" % s.port, "-nick", "bob",
                        "-connect"],
                    env={"DBUS_SESSION_BUS_ADDRESS": bus.address})
        c.wait_text(r"You joined #lobby")
        for k in range(5):
            alice.send("PRIVMSG bob :unanswered %d" % k)
        # every line is drawn and every call made, none waiting for the
        # replies that never come
        c.wait_text(r"<alice> unanswered 4")
        wait_for(lambda: len(bus.calls()) == 5 or None, 10, "five calls")
        alice.send("PRIVMSG #lobby :still flowing")
        c.wait_text(r"<alice> still flowing")
        check(c.quit() == 0, "keochat did not exit cleanly")
        gone(alice)
    finally:
        x.stop()
    s.stop()


@case
def without_a_bus_nothing_is_said_and_nothing_waits():
    require_gui()
    s = Server(workers=1, opts={"history": "no"})
    x = Xvfb()
    try:
        alice = s.connect("alice")
        c = Keochat(x, ["-server", "127.0.0.1:%d" % s.port, "-nick", "bob",
                        "-connect"],
                    env={"DBUS_SESSION_BUS_ADDRESS": "",
                         "XDG_RUNTIME_DIR": "/nonexistent"})
        c.wait_text(r"You joined #lobby")
        alice.send("PRIVMSG bob :are you there?")
        c.wait_text(r"<alice> are you there\?")
        st = c.state()
        check("notification" not in st["alltext"].lower() and
              "bus" not in st["alltext"].lower(),
              "an error about notifications: %r" % st["alltext"])
        check(c.quit() == 0, "keochat did not exit cleanly")
        gone(alice)
    finally:
        x.stop()
    s.stop()


run()
