"""keochatd under valgrind memcheck, every process (valgrind follows the
forks): registration, rooms, messages across workers, a slow reader cut
by sendq, quits, SIGHUP and SIGTERM.  0 errors and 0 bytes definitely
lost in every process."""
import glob
import os
import re
import shutil
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from kctest import *  # noqa: E402,F401,F403


@case
def keochatd_under_memcheck():
    if shutil.which("valgrind") is None:
        raise Skip("valgrind is not installed")
    if SANITIZED:
        raise Skip("built with sanitizers: valgrind cannot run ASan binaries")
    import tempfile
    d = tempfile.mkdtemp(prefix="kc-vg-")
    vg = ["valgrind", "--leak-check=full", "--show-leak-kinds=definite",
          "--errors-for-leak-kinds=definite", "--error-exitcode=99",
          "--num-callers=30", "--log-file=%s/vg.%%p.log" % d]
    s = Server(workers=2, valgrind=vg, opts={"sendq": "65536"},
               wait_ready=False)
    s.wait_ready(90)
    a = s.connect("alice", timeout=30)
    b = s.connect("bob", timeout=30)
    slow = Client(s.port, rcvbuf=4096, timeout=30)
    slow.register("slow")
    a.send("JOIN #dev")
    a.expect(r"JOIN #dev", 30)
    b.send("JOIN #dev")
    b.expect(r" 366 ", 30)
    for i in range(50):
        a.send("PRIVMSG #dev :message %d %s" % (i, "y" * 300))
        a.send("PRIVMSG #lobby :lobby %d %s" % (i, "z" * 300))
    b.expect(r"message 49", 60)
    a.send("PRIVMSG bob :private")
    b.expect(r"PRIVMSG bob :private", 30)
    a.send("NICK alice2")
    b.expect(r"NICK :alice2", 30)
    a.send("TOPIC #dev :a topic")
    b.expect(r"TOPIC #dev", 30)
    b.send("WHOIS alice2")
    b.expect(r" 318 ", 30)
    b.send("PART #dev :bye")
    a.expect(r"PART #dev", 30)
    s.signal(signal.SIGHUP)
    s.wait_log(r"configuration reloaded", 30)
    a.send("QUIT :done")
    a.wait_closed(30)
    s.signal(signal.SIGTERM)
    rc = s.proc.wait(timeout=60)
    logs = sorted(glob.glob(os.path.join(d, "vg.*.log")))
    check(len(logs) >= 4, "expected a log per process: %s" % logs)
    bad = []
    for path in logs:
        text = open(path).read()
        m = re.findall(r"ERROR SUMMARY: (\d+) errors", text)
        lost = re.findall(r"definitely lost: ([\d,]+) bytes", text)
        if not m or m[-1] != "0" or (lost and lost[-1] != "0"):
            bad.append(path + ":\n" + text[-3000:])
    diag("%d valgrind logs, all clean" % len(logs) if not bad else "")
    check(not bad, "\n".join(bad))
    check(rc == 0, "keochatd exit status %d under valgrind" % rc)
    s.stop(check=False)
    shutil.rmtree(d, ignore_errors=True)


run()
