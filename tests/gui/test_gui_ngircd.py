"""KEO Chat against Debian's ngircd, a server no one here wrote: connect,
join the room by itself (ngircd does not auto-join), exchange messages."""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guitest import *  # noqa: E402,F401,F403

NGIRCD = shutil.which("ngircd") or (os.path.exists("/usr/sbin/ngircd") and
                                    "/usr/sbin/ngircd")


def start_ngircd():
    d = tempfile.mkdtemp(prefix="kc-ngircd-")
    for _ in range(5):
        port = free_port()
        conf = os.path.join(d, "ngircd.conf")
        with open(conf, "w") as f:
            f.write("[Global]\nName = irc.ngircd.test\nInfo = ngircd for "
                    "keochat tests\nListen = 127.0.0.1\nPorts = %d\n"
                    "ServerUID = %d\nServerGID = %d\nPidFile = %s/pid\n"
                    "MotdPhrase = Hello from ngircd\n[Limits]\n"
                    "MaxConnectionsIP = 0\n[Options]\nPAM = no\nIdent = no\n"
                    "DNS = no\n" % (port, os.getuid(), os.getgid(), d))
        log = open(os.path.join(d, "log"), "w")
        p = subprocess.Popen([NGIRCD, "-n", "-f", conf], stdout=log,
                             stderr=subprocess.STDOUT)
        try:
            wait_for(lambda: "listening on" in open(log.name).read().lower()
                     or p.poll() is not None, 10, "ngircd to listen")
        except AssertionError:
            p.kill()
            p.wait()
            continue
        if p.poll() is None:
            return p, port, d
    raise AssertionError("ngircd would not start:\n" + open(log.name).read())


@case
def keochat_talks_to_ngircd():
    require_gui()
    if not NGIRCD:
        raise Skip("ngircd is not installed (apt-get install ngircd)")
    ng, port, d = start_ngircd()
    x = Xvfb()
    try:
        alice = Client(port)
        alice.register("alice", autojoin=False)
        alice.send("JOIN #lobby")
        alice.expect(r" 366 ")
        c = Keochat(x, ["-server", "127.0.0.1:%d" % port, "-nick", "bob",
                        "-connect"])
        c.wait_text(r"You connected")
        c.wait_text(r"- Hello from ngircd")
        alice.expect(r"^:bob!~bob@127\.0\.0\.1 JOIN :?#lobby$", 10)
        # the room's creator is its operator: the roster says so
        c.wait(lambda st: st.get("roster") == "@alice,bob", 10, "roster")
        c.x.run("xdotool", "type", "--delay", "12", "hello ngircd users")
        c.key("Return")
        alice.expect(r"^:bob!~bob@127\.0\.0\.1 PRIVMSG #lobby :hello ngircd "
                     r"users$")
        alice.send("PRIVMSG #lobby :welcome, bob")
        c.wait_text(r"<alice> welcome, bob")
        c.wait_text(r"<bob> hello ngircd users")
        # modes are shown as they change, and the roster follows
        alice.send("MODE #lobby +v bob")
        c.wait_text(r"alice sets mode \+v bob")
        c.wait(lambda st: st.get("roster") == "@alice,+bob", 10,
               "+bob in the roster")
        # bob is no operator: ngircd refuses, and the window says why
        c.x.run("xdotool", "type", "--delay", "12", "/kick alice")
        c.key("Return")
        c.wait_text(r"Error: #lobby: .*(operator|privileges)", 10)
        # kicked: said to bob as "You", and the room's list is gone
        alice.send("KICK #lobby bob :enough")
        c.wait_text(r"You were kicked from #lobby by alice \(enough\)")
        c.wait(lambda st: st.get("roster") == "", 10, "an empty roster")
        c.x.run("xdotool", "type", "--delay", "12", "/join #lobby")
        c.key("Return")
        alice.expect(r"^:bob!~bob@127\.0\.0\.1 JOIN :?#lobby$", 10)
        c.wait(lambda st: st.get("roster") == "@alice,bob", 10,
               "the roster after the rejoin")
        alice.send("QUIT :bye")
        c.wait_text(r"alice disconnected \(\"?bye\"?\)")
        c.screenshot("ngircd")
        c.click("connect")
        c.wait_text(r"You disconnected")
        check(c.quit() == 0, "keochat did not exit cleanly")
    finally:
        x.stop()
        ng.terminate()
        ng.wait(timeout=10)
        shutil.rmtree(d, ignore_errors=True)


run()
