"""A real IRC client that no one here wrote: Debian's WeeChat, headless,
driven through its fifo plugin.  It joins a new channel of keochatd and,
as its operator, sets +m, bans and kicks a member that a test client
watches; the watcher follows it with MONITOR.  Each step waits for what
the watcher sees, never for a fixed time.
"""
import glob
import os
import shutil
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from kctest import *  # noqa: E402,F401,F403

WEECHAT = shutil.which("weechat-headless")
# The fifo plugin is in weechat-plugins, only a Recommends of
# weechat-headless: without it there is no way to drive the client.
FIFO_PLUGINS = "/usr/lib/*/weechat/plugins/fifo.so"


class WeeChat:
    """weechat-headless with a private home, driven through its fifo."""

    def __init__(self, port, nick):
        self.home = tempfile.mkdtemp(prefix="kc-weechat-")
        cmds = ("/set irc.server_default.nicks %s;"
                "/set irc.server_default.username wee;"
                "/set irc.server_default.realname WeeChat Tester;"
                "/set irc.server_default.autojoin \"\";"
                "/set irc.server_default.capabilities \"*\";"
                "/set plugins.var.fifo.fifo on;"
                "/server add kc 127.0.0.1/%d -notls;"
                "/connect kc" % (nick, port))
        self.logf = open(os.path.join(self.home, "out.log"), "wb")
        self.proc = subprocess.Popen(
            [WEECHAT, "--dir", self.home, "--stdout", "-r", cmds],
            stdin=subprocess.DEVNULL, stdout=self.logf,
            stderr=subprocess.STDOUT)
        self.fifo = None

    def send(self, cmd):
        """A command for the kc server's buffer."""
        if self.fifo is None:
            def find():
                for d in (self.home, os.path.join(self.home, "run")):
                    try:
                        for n in os.listdir(d):
                            if n.startswith("weechat_fifo"):
                                return os.path.join(d, n)
                    except FileNotFoundError:
                        pass
                return None
            self.fifo = wait_for(find, 10, "WeeChat's fifo")
        with open(self.fifo, "w") as f:
            f.write("irc.server.kc */%s\n" % cmd)

    def output(self):
        """What WeeChat printed so far, for a failing test's log."""
        self.logf.flush()
        try:
            with open(os.path.join(self.home, "out.log"), "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError as e:
            return "(no output: %s)" % e

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except Exception:
                self.proc.kill()
                self.proc.wait()
        self.logf.close()
        shutil.rmtree(self.home, ignore_errors=True)


@case
def weechat_gets_op_sets_modes_bans_and_kicks():
    if not WEECHAT:
        raise Skip("weechat-headless is not installed "
                   "(apt-get install weechat-headless)")
    if not glob.glob(FIFO_PLUGINS):
        raise Skip("WeeChat's fifo plugin is not installed "
                   "(apt-get install weechat-plugins)")
    s = Server(opts={"autojoin": ""})
    w = s.connect("watch", autojoin=False)
    w.send("MONITOR + wee")
    w.expect(r" 731 watch :wee$")
    wee = WeeChat(s.port, "wee")
    try:
        w.expect(r" 730 watch :wee!~?wee@127\.0\.0\.1$", 20)
        # the watcher may hear that wee is online before WeeChat itself
        # has read its welcome; a /join typed then is refused by WeeChat
        # ("not connected"), so it is typed again until wee is in #wee
        def joined():
            wee.send("join #wee")
            return _whois_has(w, "wee", "@#wee")
        wait_for(joined, 20, "WeeChat to join #wee", interval=0.5)
        w.send("JOIN #wee")
        w.expect(r" 353 watch = #wee :@wee watch$")
        wee.send("mode #wee +m")
        w.expect(r":wee!\S+ MODE #wee \+m$")
        wee.send("mode #wee +b watch!*@*")
        w.expect(r":wee!\S+ MODE #wee \+b watch!\*@\*$")
        wee.send("kick #wee watch bye now")
        w.expect(r":wee!\S+ KICK #wee watch :bye now$")
        w.send("JOIN #wee")
        w.expect(r" 474 watch #wee ")
    except BaseException:
        sys.stdout.write("".join("# weechat: %s\n" % l
                                 for l in wee.output().splitlines()[-40:]))
        raise
    finally:
        wee.stop()
    w.expect(r" 731 watch :wee$")
    s.stop()


def _whois_has(w, nick, chan):
    """Does WHOIS show nick in chan (with its prefix)?"""
    w.send("WHOIS %s" % nick)
    line = w.expect(r" 31[89] %s %s " % (w.nick, nick))
    if " 319 " in line:
        w.expect(r" 318 ")
        return chan in line.split(":", 2)[2].split()
    return False



run()
