"""A real IRC client that no one here wrote: Debian's irssi, driven through
a pseudo-terminal.  It registers with keochatd, chats (lines read back
from irssi's own log files), syncs a join, and as a channel operator sets
+m, bans and kicks a member that a test client watches.

irssi's channel sync: after a join irssi asks MODE #chan, WHO #chan (in
the WHOX form "%tcuhnfdar,743" when the server offers WHOX) and MODE
#chan b, one after the other, and says "Join to #chan was synced in N
secs" when the last is answered.  Its own flood queue sends those
queries only after 2.2 s without any command (cmd_queue_speed) once the
five commands of its registration burst are spent (cmds_max_at_once),
which alone makes a sync take 10 s or more against any server (ngircd
too).  The sync test turns that queue off, so what it measures is the
server: every query must be answered within a fraction of a second and
irssi must report the channel synced at once (its queue ticks every
500 ms, so three queries take it about 1.5 s).
"""
import os
import pty
import re
import select
import shutil
import signal
import socket
import sys
import tempfile
import termios
import threading
import time
import fcntl
import struct

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from kctest import *  # noqa: E402,F401,F403

IRSSI = shutil.which("irssi")


class Recorder:
    """A TCP relay between a client and the server that timestamps every
    line, both ways, for the checks on how fast queries were answered."""

    def __init__(self, port):
        self.port = port
        self.ls = socket.socket()
        self.ls.bind(("127.0.0.1", 0))
        self.ls.listen(1)
        self.listen_port = self.ls.getsockname()[1]
        self.lines = []           # (monotonic time, ">" or "<", text)
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _pipe(self, a, b, way):
        buf = b""
        while True:
            try:
                d = a.recv(65536)
            except OSError:
                break
            if not d:
                break
            buf += d
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                with self.lock:
                    self.lines.append((time.monotonic(), way,
                                       line.rstrip(b"\r").decode(
                                           "utf-8", "replace")))
            try:
                b.sendall(d)
            except OSError:
                break
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _accept(self):
        try:
            c, _ = self.ls.accept()
        except OSError:
            return
        s = socket.create_connection(("127.0.0.1", self.port))
        threading.Thread(target=self._pipe, args=(c, s, ">"),
                         daemon=True).start()
        threading.Thread(target=self._pipe, args=(s, c, "<"),
                         daemon=True).start()

    def first(self, way, pattern, after=0.0):
        rx = re.compile(pattern)
        with self.lock:
            for t, w, line in self.lines:
                if w == way and t >= after and rx.search(line):
                    return t, line
        return None

    def close(self):
        self.ls.close()


class Irssi:
    """irssi in a pty with a private home: it connects at once, autojoins
    channels, logs every window (autolog) and everything together
    (all.log); lines typed at it are commands.  tuned: its flood queue
    off (see the top of this file)."""

    def __init__(self, port, home, nick="irssiuser", channels=(),
                 tuned=False, cafile=None, sasl=None):
        self.home = home
        self.logs = os.path.join(home, "logs")
        self.all = os.path.join(home, "all.log")
        chans = ", ".join('{ name = "%s"; chatnet = "kc"; autojoin = "yes"; }'
                          % c for c in channels)
        flood = ('"irc/core" = { cmd_queue_speed = "0"; '
                 'cmds_max_at_once = "100"; };' if tuned else "")
        tls = ('use_tls = "yes"; tls_verify = "yes"; tls_cafile = "%s";' %
               cafile if cafile else 'use_tls = "no";')
        auth = ('sasl_mechanism = "PLAIN"; sasl_username = "%s"; '
                'sasl_password = "%s";' % sasl if sasl else "")
        # the certificate names localhost; plain text goes to the address
        host = "localhost" if cafile else "127.0.0.1"
        with open(os.path.join(home, "config"), "w") as f:
            f.write("""
servers = ( { address = "%s"; chatnet = "kc"; port = "%d";
              autoconnect = "yes"; %s } );
chatnets = { kc = { type = "IRC"; %s }; };
channels = ( %s );
settings = {
  core = { real_name = "Irssi Tester"; user_name = "irssi";
           nick = "%s"; };
  "fe-common/core" = { autolog = "yes"; autolog_level = "all";
                       autolog_path = "%s/$tag/$0.log"; };
  %s
};
""" % (host, port, tls, auth, chans, nick, self.logs, flood))
        with open(os.path.join(home, "startup"), "w") as f:
            f.write("/log open %s ALL\n" % self.all)
        self.out = b""
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.environ["TERM"] = "xterm"
            os.environ["HOME"] = home
            os.execvp(IRSSI, [IRSSI, "--home=" + home])
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        while True:
            try:
                d = os.read(self.fd, 65536)
            except OSError:
                return
            if not d:
                return
            self.out = (self.out + d)[-200000:]

    def type(self, text):
        os.write(self.fd, text.encode() + b"\r")

    def log(self, name):
        p = os.path.join(self.logs, "kc", name + ".log")
        try:
            with open(p, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def all_log(self):
        try:
            with open(self.all, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def wait_log(self, pattern, timeout=10):
        rx = re.compile(pattern)
        return wait_for(lambda: rx.search(self.all_log()), timeout,
                        "irssi to log /%s/" % pattern)

    def stop(self):
        try:
            os.kill(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass
        os.close(self.fd)


@case
def irssi_over_tls_with_sasl_plain():
    """irssi verifies our certificate (a CA made here) and logs in with
    SASL PLAIN; the watcher sees its account."""
    if IRSSI is None:
        raise Skip("irssi is not installed")
    d = tempfile.mkdtemp(prefix="kc-irssi-tls-")
    at_exit(lambda: shutil.rmtree(d, ignore_errors=True))
    ca = make_ca(d)
    srv = make_cert(d, "server", ca)
    s = Server(workers=2, opts={"tls-cert": srv[0], "tls-key": srv[1]})
    register_account(s, "irssiacct", "irssi-secret-1").send("NICK other")
    watcher = s.connect("watcher", caps=["extended-join"])
    home = tempfile.mkdtemp(prefix="kc-irssi-")
    irc = Irssi(s.tls_port, home, nick="irssiacct", cafile=ca[0],
                sasl=("irssiacct", "irssi-secret-1"))
    try:
        s.wait_log(r"login: irssiacct \(127\.0\.0\.1\) as account "
                   r"irssiacct", 20)
        watcher.expect(r"^:irssiacct!~irssi@127\.0\.0\.1 JOIN #lobby "
                       r"irssiacct :", 15)
        watcher.send("WHOIS irssiacct")
        watcher.expect(r" 330 watcher irssiacct irssiacct ")
        watcher.expect(r" 671 watcher irssiacct ")
        irc.type("/msg #lobby hello over tls")
        watcher.expect(r"PRIVMSG #lobby :hello over tls$", 10)
    finally:
        irc.stop()
        shutil.rmtree(home, ignore_errors=True)
    s.stop()


@case
def irssi_registers_and_chats():
    if IRSSI is None:
        raise Skip("irssi is not installed")
    s = Server(workers=2)
    home = tempfile.mkdtemp(prefix="kc-irssi-")
    watcher = s.connect("watcher")
    irc = Irssi(s.port, home)
    try:
        s.wait_log(r"\[\+\] connected: irssiuser", 15)
        watcher.expect(r"^:irssiuser!~irssi@127\.0\.0\.1 JOIN #lobby$", 10)
        irc.type("/msg #lobby hello from irssi")
        watcher.expect(r"^:irssiuser!~irssi@127\.0\.0\.1 PRIVMSG #lobby "
                       r":hello from irssi$", 10)
        watcher.send("PRIVMSG #lobby :hello irssi, from keochat")
        wait_for(lambda: "hello irssi, from keochat" in irc.log("#lobby"), 10,
                 "irssi to log the channel line")
        watcher.send("PRIVMSG irssiuser :a private word")
        wait_for(lambda: "a private word" in irc.log("watcher"), 10,
                 "irssi to log the private line")
        irc.type("/quit leaving now")
        watcher.expect(r"^:irssiuser!\S+ QUIT :Quit: leaving now$", 10)
        s.wait_log(r"\[-\] disconnected: irssiuser")
    finally:
        irc.stop()
        shutil.rmtree(home, ignore_errors=True)
    s.stop()


def watcher_on(s, chan, nick="watch"):
    w = s.connect(nick, autojoin=False)
    w.send("JOIN %s" % chan)
    w.expect(r" 366 %s %s " % (nick, re.escape(chan)))
    return w


@case
def irssi_syncs_a_join_at_once():
    if IRSSI is None:
        raise Skip("irssi is not installed")
    s = Server(opts={"autojoin": ""})
    rec = Recorder(s.port)
    home = tempfile.mkdtemp(prefix="kc-irssi-")
    irc = Irssi(rec.listen_port, home, "irs", ["#sync"], tuned=True)
    try:
        m = irc.wait_log(r"Join to #sync was synced in (\d+) secs", 20)
        secs = int(m.group(1))
        join = rec.first("<", r"^(@\S+ )?:irs!\S+ JOIN #sync")
        check(join is not None, "irssi never saw its JOIN")
        # each of irssi's queries, and how long keochatd took to answer
        steps = [(r"^MODE #sync$", r" 329 irs #sync \d+$"),
                 (r"^WHO #sync %tcuhnfdar,743$", r" 315 irs #sync "),
                 (r"^MODE #sync b$", r" 368 irs #sync ")]
        last = join[0]
        for ask, done in steps:
            q = rec.first(">", ask, last)
            check(q is not None, "irssi did not send /%s/" % ask)
            a = rec.first("<", done, q[0])
            check(a is not None, "no answer /%s/ to %s" % (done, q[1]))
            diag("%-28s answered in %.1f ms" % (q[1], (a[0] - q[0]) * 1000))
            check(a[0] - q[0] < 0.5 * SLOW, "%s took %.3fs to answer" %
                  (q[1], a[0] - q[0]))
            last = a[0]
        # a WHOX reply with irssi's token for every member
        check(rec.first("<", r" 354 irs 743 #sync ~irssi 127\.0\.0\.1 irs "
                        r"H@ 0 0 :Irssi Tester$") is not None,
              "no WHOX 354 line irssi can read")
        diag("irssi: synced in %d secs; JOIN to last answer %.2fs" %
             (secs, last - join[0]))
        check(secs <= 2, "irssi took %d secs to sync" % secs)
        check(last - join[0] < 3.0 * SLOW, "sync took %.2fs" %
              (last - join[0]))
    finally:
        irc.stop()
        rec.close()
        shutil.rmtree(home, ignore_errors=True)
    s.stop()


@case
def irssi_gets_op_sets_modes_bans_and_kicks():
    if IRSSI is None:
        raise Skip("irssi is not installed")
    s = Server(opts={"autojoin": ""})
    home = tempfile.mkdtemp(prefix="kc-irssi-")
    irc = Irssi(s.port, home, "irs", ["#irssi"])
    try:
        irc.wait_log(r"Join to #irssi was synced", 20)
        w = watcher_on(s, "#irssi")
        w.send("NAMES #irssi")
        w.expect(r" 353 watch = #irssi :@irs watch$")     # irssi is op
        irc.type("/mode #irssi +m")
        w.expect(r"^(@\S+ )?:irs!~irssi@127\.0\.0\.1 MODE #irssi \+m$")
        irc.wait_log(r"mode/#irssi \[\+m\] by irs")
        irc.type("/mode #irssi +b watch!*@*")
        w.expect(r":irs!\S+ MODE #irssi \+b watch!\*@\*$")
        w.send("PRIVMSG #irssi :can I speak?")
        w.expect(r" 404 watch #irssi :Cannot send to channel")
        irc.type("/kick #irssi watch out you go")
        w.expect(r":irs!\S+ KICK #irssi watch :out you go$")
        irc.wait_log(r"watch was kicked from #irssi by irs \[out you go\]")
        w.send("JOIN #irssi")
        w.expect(r" 474 watch #irssi :Cannot join channel \(\+b\)$")
    finally:
        irc.stop()
        shutil.rmtree(home, ignore_errors=True)
    s.stop()



run()
