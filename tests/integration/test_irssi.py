"""A real IRC client that no one here wrote: Debian's irssi, driven through
a pseudo-terminal, registers with keochatd, joins #lobby, sends a line a
test client receives, and receives lines (read back from irssi's own log
files)."""
import os
import pty
import shutil
import signal
import sys
import tempfile
import termios
import threading
import fcntl
import struct

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from kctest import *  # noqa: E402,F401,F403

IRSSI = shutil.which("irssi")


class Irssi:
    def __init__(self, port, home):
        self.home = home
        self.logs = os.path.join(home, "logs")
        with open(os.path.join(home, "config"), "w") as f:
            f.write("""
servers = ( { address = "127.0.0.1"; chatnet = "kc"; port = "%d";
              autoconnect = "yes"; use_tls = "no"; } );
chatnets = { kc = { type = "IRC"; }; };
settings = {
  core = { real_name = "Irssi Tester"; user_name = "irssi";
           nick = "irssiuser"; };
  "fe-common/core" = { autolog = "yes"; autolog_level = "all";
                       autolog_path = "%s/$tag/$0.log"; };
};
""" % (port, self.logs))
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


run()
