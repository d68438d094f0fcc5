"""Desktop notifications over a private D-Bus session bus: a private
message and a mention in a tab not in view reach
org.freedesktop.Notifications (watched with dbus-monitor) with the text
escaped for the markup servers read; a mention in the tab the user looks
at does not; with no bus at all nothing is said and nothing waits."""
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guitest import *  # noqa: E402,F401,F403


class Bus:
    """A dbus-daemon of our own, and dbus-monitor on its Notify calls."""

    def __init__(self):
        for t in ("dbus-daemon", "dbus-monitor"):
            if shutil.which(t) is None:
                raise Skip("%s is not installed (apt-get install "
                           "dbus-daemon dbus-bin)" % t)
        self.dir = tempfile.mkdtemp(prefix="kc-dbus-")
        self.daemon = subprocess.Popen(
            ["dbus-daemon", "--session", "--nofork", "--nopidfile",
             "--print-address=1",
             "--address=unix:path=%s/bus" % self.dir],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        at_exit(self.stop)
        self.address = self.daemon.stdout.readline().strip()
        check(self.address.startswith("unix:"), "no bus address")
        self.out = open(os.path.join(self.dir, "monitor"), "w")
        self.monitor = subprocess.Popen(
            ["dbus-monitor", "--address", self.address,
             "type='method_call',interface='org.freedesktop.Notifications'"],
            stdout=self.out, stderr=subprocess.STDOUT)
        # it says so when it is watching (NameLost of its own name)
        wait_for(lambda: "NameLost" in self.text() or
                 "BecomeMonitor" in self.text() or
                 "NameAcquired" in self.text(), 10, "dbus-monitor")

    def text(self):
        with open(os.path.join(self.dir, "monitor")) as f:
            return f.read()

    def calls(self):
        """Every Notify call: its string arguments."""
        out = []
        for chunk in self.text().split("method call")[1:]:
            if "member=Notify" in chunk:
                out.append(re.findall(r'^\s*string "(.*)"$', chunk, re.M))
        return out

    def stop(self):
        for p in (self.monitor, self.daemon):
            if p.poll() is None:
                p.terminate()
                p.wait(timeout=10)
        self.out.close()
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
        args = got[0]
        check(args[0] == "KEO Chat", "app name %r" % args[0])
        check(args[2] == "alice", "summary %r" % args[2])
        check(args[3] == "&lt;alice&gt; psst &lt;b&gt;&amp;&lt;/b&gt;",
              "body %r" % args[3])
        check("category" in args and 'string "im.received"' in bus.text(),
              "no category hint: %r" % args)
        # the private tab is still not the one in view: the next one
        # notifies too
        alice.send("PRIVMSG bob :again")
        wait_for(lambda: len(bus.calls()) >= 2 or None, 10, "a second")
        check(bus.calls()[1][3] == "&lt;alice&gt; again", "%r" % bus.calls()[1])
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
