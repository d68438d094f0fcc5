"""guitest -- run the real KEO Chat window under Xvfb and drive it with
xdotool, on top of kctest.  The client writes its state (titles, tabs,
roster, every tab's text) and its widgets' window ids to files named by
KEOCHAT_DUMP; tests poll those files with deadlines and click widgets by
window id, never by pixel position."""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from kctest import *  # noqa: E402,F401,F403

# keochat with the state dump the tests read (ui_testhooks.c); the
# installed keochat has no such hook.
KEOCHAT = os.path.join(TOP_BUILD, "src", "client", "keochat-test")
SHOTS = os.path.join(TOP_BUILD, "tests", "gui", "screenshots")
NEED = ["Xvfb", "xdotool", "xmodmap"]


def tab_of(st, name):
    """The index of the tab named name in a dump's state, whatever marks
    its label carries ("! ", " (3)"); -1 for none.  Tabs open in the
    order the servers' answers come: find them by name."""
    for i, label in enumerate(st.get("tabs", "").split("|")):
        if re.sub(r"^! ", "", label).split(" (")[0] == name:
            return i
    return -1


def require_gui():
    missing = [t for t in NEED if shutil.which(t) is None]
    if missing:
        raise Skip("GUI tools missing: %s (apt-get install xvfb xdotool "
                   "x11-xserver-utils)" % " ".join(missing))
    if not os.path.exists(KEOCHAT):
        raise Skip("keochat was not built (Motif missing?)")


class Xvfb:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="kc-xvfb-")
        r, w = os.pipe()
        self.proc = subprocess.Popen(
            ["Xvfb", "-displayfd", str(w), "-screen", "0", "1024x768x24",
             "-nolisten", "tcp", "-noreset"], pass_fds=(w,),
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.dir, "log"), "w"))
        os.close(w)
        data = b""
        end = time.monotonic() + 10 * SLOW
        while not data.endswith(b"\n") and time.monotonic() < end:
            import select
            ready, _, _ = select.select([r], [], [], 0.5)
            if ready:
                chunk = os.read(r, 64)
                if not chunk:
                    break
                data += chunk
        os.close(r)
        check(data.strip().isdigit(), "Xvfb did not report a display")
        self.display = ":" + data.decode().strip()
        self.env = dict(os.environ, DISPLAY=self.display, LANG="C.UTF-8",
                        LC_ALL="C.UTF-8")
        self.kc = 200

    def run(self, *cmd, check_rc=True, timeout=10):
        r = subprocess.run(list(cmd), env=self.env, capture_output=True,
                           text=True, timeout=timeout * SLOW)
        if check_rc and r.returncode != 0:
            raise AssertionError("%s failed (%d): %s" % (cmd, r.returncode, r.stderr))
        return r.stdout

    def premap(self, text):
        """Map every non-ASCII character of text to a spare keycode so
        xdotool can type it without remapping on the fly."""
        for ch in sorted(set(c for c in text if ord(c) > 127)):
            if self.kc > 254:
                break
            ks = "U%04X" % ord(ch)
            self.run("xmodmap", "-e", "keycode %d = %s %s" % (self.kc, ks, ks))
            self.kc += 1

    def root(self):
        out = self.run("xwininfo", "-root", check_rc=False)
        m = re.search(r"Window id: (0x[0-9a-f]+)", out)
        return int(m.group(1), 16) if m else 0

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


class Keochat:
    """The real client, with the dump hook."""

    def __init__(self, x, args=(), wrapper=(), env=None):
        self.x = x
        self.dir = tempfile.mkdtemp(prefix="kc-client-")
        self.dump = os.path.join(self.dir, "state")
        # the user's own settings (saved networks, accepted certificates)
        # never reach a test: a config home per X server unless given
        # nor do its notifications reach the user's desktop: no session
        # bus unless the test brings its own
        e = dict(x.env, KEOCHAT_DUMP=self.dump,
                 XDG_CONFIG_HOME=os.path.join(x.dir, "config"),
                 DBUS_SESSION_BUS_ADDRESS="", XDG_RUNTIME_DIR=x.dir)
        if SANITIZED:   # the toolkit's own leaks, by function name
            e["ASAN_OPTIONS"] = "fast_unwind_on_malloc=0"
            e["LSAN_OPTIONS"] = "suppressions=%s/tests/lsan.supp" % TOP_SRC
        e.update(env or {})
        self.log = open(os.path.join(self.dir, "client.log"), "w")
        self.proc = subprocess.Popen(list(wrapper) + [KEOCHAT] + list(args),
                                     env=e, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        self.w = wait_for(self._windows, 20, "the KEO Chat window")
        self.top = self.w["top"]
        wait_for(lambda: x.run("xdotool", "getwindowname", str(self.top),
                               check_rc=False).startswith("KEO Chat"), 10,
                 "window title")
        x.run("xdotool", "windowfocus", "--sync", str(self.top))

    def _windows(self):
        try:
            with open(self.dump + ".windows") as f:
                w = dict(l.strip().split("=", 1) for l in f if "=" in l)
            return {k: int(v) for k, v in w.items()}
        except (OSError, ValueError):
            return None

    def state(self):
        try:
            with open(self.dump, encoding="utf-8", errors="replace") as f:
                text = f.read()
        except OSError:
            return {}
        st = {"tabtext": {}}
        head, _, rest = text.partition("--- tab ")
        for line in head.splitlines():
            if "=" in line:
                k, v = line.split("=", 1)
                st[k] = v
        for chunk in re.split(r"^--- tab ", "--- tab " + rest, flags=re.M):
            if not chunk.strip():
                continue
            num, _, body = chunk.partition("\n")
            if num.strip().isdigit():
                st["tabtext"][int(num)] = body
        st["alltext"] = "\n".join(st["tabtext"].values())
        return st

    def wait(self, pred, timeout=10, what="client state"):
        """Poll the dump until pred(state) holds; return that state."""
        seen = {}

        def ok():
            st = self.state()
            if st:
                seen["last"] = st
            return st if st and pred(st) else None
        try:
            return wait_for(ok, timeout, what)
        except AssertionError as e:
            last = seen.get("last", {})
            raise AssertionError("%s; the window's last state: %s" % (e, {
                k: last[k] for k in ("tabs", "active", "state", "links",
                                     "link", "status") if k in last}))

    def wait_text(self, pattern, timeout=10, tab=None):
        rx = re.compile(pattern, re.M)

        def ok(st):
            text = st["alltext"] if tab is None else st["tabtext"].get(tab, "")
            return rx.search(text)
        try:
            return self.wait(ok, timeout, "text /%s/" % pattern)
        except AssertionError:
            diag("client state:\n" + repr(self.state())[-3000:])
            raise

    def windows(self):
        self.w = self._windows() or self.w
        return self.w

    def click(self, name):
        wid = wait_for(lambda: self.windows().get(name), 10,
                       "the window id of " + name)
        # park the pointer first: "mousemove --sync" waits for a motion
        # and would hang if the pointer were already at the target
        self.x.run("xdotool", "mousemove", "1020", "765")
        self.x.run("xdotool", "mousemove", "--sync", "--window", str(wid),
                   "8", "8", "click", "1")

    def type_into(self, name, text, replace=True):
        self.click(name)
        if replace:
            self.x.run("xdotool", "key", "ctrl+slash", "BackSpace")
        self.x.run("xdotool", "type", "--delay", "12", text)

    def key(self, *keys):
        self.x.run("xdotool", "key", *keys)

    def mnemonic(self, letter):
        """Alt+letter as a person types it (Motif's menu bar grabs the
        key while Alt is held; xdotool's "key alt+x" is too quick)."""
        self.x.run("xdotool", "keydown", "alt")
        self.x.run("xdotool", "key", "--delay", "50", letter)
        self.x.run("xdotool", "keyup", "alt")

    def dialog(self, title, timeout=10):
        return wait_for(lambda: self.x.run(
            "xdotool", "search", "--onlyvisible", "--name", title,
            check_rc=False).split(), timeout, "the %s dialog" % title)

    def title(self):
        return self.x.run("xdotool", "getwindowname", str(self.top)).strip()

    def screenshot(self, name):
        os.makedirs(SHOTS, exist_ok=True)
        path = os.path.join(SHOTS, name + ".png")
        if shutil.which("import"):
            self.x.run("import", "-window", "root", "-crop", "900x600+0+0",
                       path, check_rc=False, timeout=20)
            diag("screenshot: " + path)
        return path

    def quit(self, timeout=20):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout=timeout * SLOW)
        self.log.close()
        return rc

    def log_text(self):
        with open(os.path.join(self.dir, "client.log"), errors="replace") as f:
            return f.read()


