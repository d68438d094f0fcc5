"""KEO Chat against servers no one here wrote, Debian's ngircd and
InspIRCd, each configured here on a free loopback port: connect, join the
room by itself (neither auto-joins), exchange messages, follow modes, be
refused and kicked, see a quit."""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guitest import *  # noqa: E402,F401,F403

NGIRCD = shutil.which("ngircd") or (os.path.exists("/usr/sbin/ngircd") and
                                    "/usr/sbin/ngircd")
INSPIRCD = shutil.which("inspircd") or (
    os.path.exists("/usr/sbin/inspircd") and "/usr/sbin/inspircd")


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


def start_inspircd():
    """InspIRCd 3 with the IRCv3 modules keochat uses; its connect class
    lets a test's quick lines through (no fake lag)."""
    d = tempfile.mkdtemp(prefix="kc-inspircd-")
    with open(os.path.join(d, "motd"), "w") as f:
        f.write("Hello from InspIRCd\n")
    for _ in range(5):
        port = free_port()
        conf = os.path.join(d, "inspircd.conf")
        with open(conf, "w") as f:
            f.write(
                '<config format="xml">\n'
                '<server name="irc.inspircd.test" description="InspIRCd for '
                'keochat tests" network="KeoTest">\n'
                '<admin name="tests" nick="admin" email="admin@example.org">\n'
                '<bind address="127.0.0.1" port="%d" type="clients">\n'
                '<pid file="%s/pid">\n'
                '<connect name="main" allow="*" timeout="60" pingfreq="120" '
                'hardsendq="1048576" softsendq="65536" recvq="65536" '
                'threshold="1000" commandrate="100000" fakelag="no" '
                'localmax="1000" globalmax="1000" limit="5000" '
                'resolvehostnames="no" useident="no">\n'
                '<files motd="%s/motd">\n'
                '<log method="file" type="* -USERINPUT -USEROUTPUT" '
                'level="default" target="%s/log">\n'
                '<dns timeout="1">\n'
                # "o": a room's creator is its operator, as on ngircd
                '<options prefixquit="" prefixpart="" suffixpart="" '
                'defaultmodes="not">\n'
                '<security hideserver="" announceinvites="dynamic">\n'
                % (port, d, d, d) + "".join(
                    '<module name="%s">\n' % m for m in (
                        "cap", "ircv3", "ircv3_servertime",
                        "ircv3_echomessage", "ircv3_capnotify", "namesx",
                        "ircv3_accounttag", "ircv3_msgid", "ircv3_ctctags",
                        "ircv3_batch")))
        log = open(os.path.join(d, "out"), "w")
        # it refuses root unless told; the tests may run as root
        p = subprocess.Popen([INSPIRCD, "--nofork", "--config=" + conf] +
                             (["--runasroot"] if os.getuid() == 0 else []),
                             stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for(lambda: "is now running" in open(log.name).read()
                     or p.poll() is not None, 20, "InspIRCd to start")
        except AssertionError:
            p.kill()
            p.wait()
            continue
        if p.poll() is None:
            return p, port, d
    raise AssertionError("InspIRCd would not start:\n" + open(log.name).read())


def talk(port, server, motd):
    """One session of keochat against server on port."""
    x = Xvfb()
    try:
        alice = Client(port)
        alice.register("alice", autojoin=False)
        alice.send("JOIN #lobby")
        alice.expect(r" 366 ")
        c = Keochat(x, ["-server", "127.0.0.1:%d" % port, "-nick", "bob",
                        "-connect"])
        c.wait_text(r"You connected")
        c.wait_text(motd)
        alice.expect(r"^:bob!~?bob@127\.0\.0\.1 JOIN :?#lobby$", 10)
        # the room's creator is its operator: the roster says so
        c.wait(lambda st: st.get("roster") == "@alice,bob", 10, "roster")
        c.x.run("xdotool", "type", "--delay", "12", "hello %s users" % server)
        c.key("Return")
        alice.expect(r"^(@\S+ )?:bob!~?bob@127\.0\.0\.1 PRIVMSG #lobby :"
                     r"hello %s users$" % server)
        alice.send("PRIVMSG #lobby :welcome, bob")
        c.wait_text(r"<alice> welcome, bob")
        c.wait_text(r"<bob> hello %s users" % server)
        # modes are shown as they change, and the roster follows
        alice.send("MODE #lobby +v bob")
        c.wait_text(r"alice sets mode \+v bob")
        c.wait(lambda st: st.get("roster") == "@alice,+bob", 10,
               "+bob in the roster")
        # bob is no operator: the server refuses, and the window says why
        c.x.run("xdotool", "type", "--delay", "12", "/kick alice")
        c.key("Return")
        c.wait_text(r"Error: #lobby: .*(operator|privileges|channel op)", 10)
        # kicked: said to bob as "You", and the room's list is gone
        alice.send("KICK #lobby bob :enough")
        c.wait_text(r"You were kicked from #lobby by alice \(enough\)")
        c.wait(lambda st: st.get("roster") == "", 10, "an empty roster")
        c.x.run("xdotool", "type", "--delay", "12", "/join #lobby")
        c.key("Return")
        alice.expect(r"^(@\S+ )?:bob!~?bob@127\.0\.0\.1 JOIN :?#lobby", 10)
        c.wait(lambda st: st.get("roster") == "@alice,bob", 10,
               "the roster after the rejoin")
        alice.send("QUIT :bye")
        c.wait_text(r"alice disconnected \(\"?bye\"?\)")
        c.screenshot(server)
        c.click("connect")
        c.wait_text(r"You disconnected")
        check(c.quit() == 0, "keochat did not exit cleanly")
    finally:
        x.stop()


@case
def keochat_talks_to_ngircd():
    require_gui()
    if not NGIRCD:
        raise Skip("ngircd is not installed (apt-get install ngircd)")
    ng, port, d = start_ngircd()
    try:
        talk(port, "ngircd", "Hello from ngircd")
    finally:
        ng.terminate()
        ng.wait(timeout=10)
        shutil.rmtree(d, ignore_errors=True)


@case
def keochat_talks_to_inspircd():
    require_gui()
    if not INSPIRCD:
        raise Skip("InspIRCd is not installed (apt-get install inspircd)")
    insp, port, d = start_inspircd()
    try:
        talk(port, "inspircd", "Hello from InspIRCd")
    finally:
        insp.terminate()
        insp.wait(timeout=10)
        shutil.rmtree(d, ignore_errors=True)


run()
