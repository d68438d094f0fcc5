"""Operations: the documentation agrees with the option table, the man
pages lint clean, the systemd units verify and are hardened, sd_notify
and socket activation work, and keochatd runs as an ordinary user or
drops to one."""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from kctest import *  # noqa: E402,F401,F403

MANS = ["doc/keochatd.8", "doc/keochatd.conf.5", "doc/keochat.1"]


def options():
    out = subprocess.run([KEOCHATD, "--options"], capture_output=True,
                         text=True, check=True).stdout
    return [l.split("\t") for l in out.splitlines()]


@case
def docs_follow_the_option_table():
    man = open(os.path.join(TOP_SRC, "doc", "keochatd.conf.5.in")).read()
    sample = open(os.path.join(TOP_SRC, "doc", "keochatd.conf.sample")).read()
    opts = options()
    check(len(opts) >= 20, "option table too small")
    for name, default, reload, help in opts:
        mname = name.replace("-", "\\-")
        m = re.search(r"^\.BR %s \" ?\(default: ([^;)]*)(; reloadable)?\)\"$"
                      % re.escape(mname), man, re.M)
        check(m, "keochatd.conf(5) does not describe %s" % name)
        want = default if default else None
        if want is not None:
            check(m.group(1) == want, "man page default of %s: %s, table: %s"
                  % (name, m.group(1), default))
        check(bool(m.group(2)) == (reload == "yes"),
              "man page and table disagree on reloading %s" % name)
        check(re.search(r"^#%s = %s$" % (re.escape(name), re.escape(default)),
                        sample, re.M), "sample config lacks '#%s = %s'" %
              (name, default))
    r = subprocess.run([KEOCHATD, "-t", "-f",
                        os.path.join(TOP_SRC, "doc", "keochatd.conf.sample")],
                       capture_output=True, text=True)
    check(r.returncode == 0, "sample config does not pass -t: " + r.stderr)


@case
def man_pages_lint_clean():
    if shutil.which("groff") is None:
        raise Skip("groff is not installed")
    for m in MANS:
        path = os.path.join(TOP_BUILD, m)
        check(os.path.exists(path), path + " was not built")
        r = subprocess.run(["groff", "-man", "-ww", "-z", path],
                           capture_output=True, text=True)
        check(r.returncode == 0 and r.stdout == "" and r.stderr == "",
              "groff on %s: %s%s" % (m, r.stdout, r.stderr))
        text = open(path).read()
        secs = ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "FILES",
                "EXAMPLES", "SEE ALSO"]
        if not m.endswith(".5"):       # programs: signals and status too
            secs += ["SIGNALS", "EXIT STATUS"]
        for sec in secs:
            check(re.search(r"^\.SH %s$" % sec, text, re.M),
                  "%s lacks %s" % (m, sec))
        check("@" not in re.sub(r"\S+@\S+\.\S+", "", text),
              "%s has an unsubstituted @path@" % m)
        if shutil.which("mandoc"):
            r = subprocess.run(["mandoc", "-Tlint", "-Wwarning", path],
                               capture_output=True, text=True)
            check(r.stdout == "" and r.stderr == "", "mandoc: " + r.stdout)


@case
def systemd_units_verify_and_are_hardened():
    if shutil.which("systemd-analyze") is None:
        raise Skip("systemd-analyze is not installed")
    d = tempfile.mkdtemp(prefix="kc-units-")
    unit = open(os.path.join(TOP_BUILD, "contrib/systemd/keochatd.service")).read()
    unit = re.sub(r"^(ExecStart(Pre)?=)\S+keochatd", r"\1" + KEOCHATD, unit,
                  flags=re.M)
    sockets = ("keochatd.socket", "keochatd-tls.socket")
    units = [("keochatd.service", unit)] + [
        (n, open(os.path.join(TOP_SRC, "contrib/systemd", n)).read())
        for n in sockets]
    for name, text in units:
        with open(os.path.join(d, name), "w") as f:
            f.write(text)
    for name in ("keochatd.service",) + sockets:
        r = subprocess.run(["systemd-analyze", "verify", "--man=no",
                            os.path.join(d, name)], capture_output=True,
                           text=True, cwd=d)
        check(r.returncode == 0, "verify %s: %s" % (name, r.stderr))
    r = subprocess.run(["systemd-analyze", "security", "--offline=true",
                        os.path.join(d, "keochatd.service")],
                       capture_output=True, text=True, cwd=d)
    m = re.search(r"Overall exposure level for keochatd\.service: ([\d.]+)",
                  r.stdout)
    check(m, "no exposure level: " + r.stdout[-500:] + r.stderr)
    diag("systemd-analyze security: exposure %s" % m.group(1))
    check(float(m.group(1)) <= 2.0, "exposure %s > 2.0" % m.group(1))
    for must in ("Type=notify", "ExecReload=", "Restart=on-failure",
                 "RuntimeDirectory=keochatd", "KillMode=mixed",
                 "StateDirectory=keochat"):
        check(must in unit, "service lacks " + must)
    shutil.rmtree(d, ignore_errors=True)


class Notify:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="kc-notify-")
        self.path = os.path.join(self.dir, "notify")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.msgs = []

    def wait(self, what, timeout=10):
        self.sock.settimeout(0.2)

        def got():
            try:
                self.msgs.append(self.sock.recv(4096).decode())
            except socket.timeout:
                pass
            return any(what in m for m in self.msgs)
        wait_for(got, timeout, "sd_notify " + what)


@case
def sd_notify_ready_status_reload_stopping():
    n = Notify()
    s = Server(workers=2, env={"NOTIFY_SOCKET": n.path})
    n.wait("READY=1")
    check(any("MAINPID=%d" % s.pid in m for m in n.msgs), "no MAINPID")
    c = s.connect("statususer")
    n.wait("STATUS=1 users")
    s.signal(signal.SIGHUP)
    n.wait("RELOADING=1")
    n.msgs = []
    n.wait("READY=1")
    c.close()
    s.signal(signal.SIGTERM)
    n.wait("STOPPING=1")
    check(s.proc.wait(timeout=10) == 0, "exit status")
    s.stop()


@case
def socket_activation():
    tool = shutil.which("systemd-socket-activate")
    if tool is None:
        raise Skip("systemd-socket-activate is not installed")
    port = None
    for _ in range(5):
        port = free_port()
        s = Server(workers=2, listen=None, wait_ready=False,
                   valgrind=[tool, "-l", "127.0.0.1:%d" % port])
        try:
            wait_for(lambda: "Listening on" in s.log_text() or
                     s.proc.poll() is not None, 10, "the activator")
        except AssertionError:
            pass
        if s.proc.poll() is None:
            break
        s.stop(check=False)
    s.port = port
    c = Client(port)            # the first connection starts keochatd
    c.send("NICK activated\r\nUSER a 0 * :a")
    c.expect_numeric("001", 15)
    s.wait_log(r"listening on 127\.0\.0\.1:%d \(from systemd\)" % port)
    s.wait_ready()
    d = s.connect("second")     # a second client, on any worker
    d.send("PRIVMSG activated :through the passed socket")
    c.expect(r"PRIVMSG activated :through the passed socket")
    s.stop()


@case
def runs_as_an_ordinary_user():
    if os.getuid() != 0 or shutil.which("setpriv") is None:
        raise Skip("needs root and setpriv to become another user")
    env = {k: v for k, v in os.environ.items()
           if k not in ("XDG_RUNTIME_DIR", "RUNTIME_DIRECTORY",
                        "XDG_STATE_HOME", "STATE_DIRECTORY")}
    # nobody's own home, as an ordinary user has one
    home = tempfile.mkdtemp(prefix="kc-nobody-home-")
    os.chmod(home, 0o755)
    os.chown(home, 65534, 65534)
    at_exit(lambda: shutil.rmtree(home, ignore_errors=True))
    env["HOME"] = home
    log = tempfile.NamedTemporaryFile(prefix="kc-nobody-", delete=False)
    p = subprocess.Popen(["setpriv", "--reuid=65534", "--regid=65534",
                          "--clear-groups", KEOCHATD, "-f", "/dev/null",
                          "-l", "127.0.0.1:0", "-o", "tls-listen=127.0.0.1:0",
                          "-w", "1"], env=env,
                         stdout=log, stderr=subprocess.STDOUT)
    try:
        text = lambda: open(log.name).read()
        wait_for(lambda: "ready:" in text() or p.poll() is not None, 10,
                 "keochatd as nobody")
        m = re.search(r"relay at (\S+)/relay\.sock", text())
        check(m, "not ready:\n" + text())
        rundir = m.group(1)
        check(rundir.startswith("/tmp/keochatd-65534-"),
              "runtime dir " + rundir)
        port = int(re.search(r"listening on \S+:(\d+)", text()).group(1))
        c = Client(port)
        c.register("plainuser")
        # the default state-dir is not nobody's: it says so and uses the
        # per-user place, where the certificate it made is
        state = os.path.join(home, ".local", "state", "keochat")
        check(re.search(r"state-dir /var/lib/keochat is not writable \(.*\); "
                        r"using %s \(set state-dir to choose\)"
                        % re.escape(state), text()), text())
        check(os.stat(os.path.join(state, "tls-key.pem")).st_uid == 65534,
              "the key is not nobody's")
        tport = int(re.search(r"listening for TLS on \S+:(\d+)",
                              text()).group(1))
        t = Client(tport, tls=tls_context())
        t.register("tlsuser")
        p.send_signal(signal.SIGTERM)
        check(p.wait(timeout=10) == 0, "exit status")
        check(not os.path.exists(rundir), "runtime dir left behind")
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        os.unlink(log.name)


@case
def root_drops_to_user_option():
    if os.getuid() != 0:
        raise Skip("needs root")
    s = Server(workers=2, opts={"user": "nobody"})
    s.wait_log(r"running as nobody \(uid 65534\)")
    for pid in s.all_pids():
        with open("/proc/%d/status" % pid) as f:
            uid = [l for l in f if l.startswith("Uid:")][0].split()[1:]
        check(all(u == "65534" for u in uid), "pid %d has uid %s" % (pid, uid))
    c = s.connect("dropped")
    c.send("LUSERS")
    c.expect_numeric("251")
    # the certificate made as root belongs to the user the workers run as
    key = os.path.join(s.statedir, "tls-key.pem")
    check(os.stat(key).st_uid == 65534, "key owned by %d" % os.stat(key).st_uid)
    t = s.connect("droptls", tls=True)
    t.send("PING :x")
    t.expect(r"PONG \S+ :x$")
    s.stop()


@case
def root_without_user_warns():
    if os.getuid() != 0:
        raise Skip("needs root")
    s = Server()
    s.wait_log(r"running as root; set 'user'")
    s.stop()


run()
