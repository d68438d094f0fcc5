"""One whole GUI run of keochat under valgrind memcheck: connect to a real
keochatd, chat, open a private tab, disconnect, quit.  No memory error and
nothing definitely lost; the toolkit's own known leaks are suppressed by
function name in valgrind.supp."""
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guitest import *  # noqa: E402,F401,F403

SUPP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "valgrind.supp")


@case
def keochat_under_valgrind():
    require_gui()
    if shutil.which("valgrind") is None:
        raise Skip("valgrind is not installed")
    if SANITIZED:
        raise Skip("built with sanitizers: valgrind cannot run ASan binaries")
    s = Server(workers=1)
    x = Xvfb()
    vlog = os.path.join(x.dir, "valgrind.log")
    try:
        alice = s.connect("alice")
        c = Keochat(x, ["-server", "127.0.0.1:%d" % s.port, "-nick", "bob",
                        "-connect"],
                    wrapper=["valgrind", "--num-callers=50",
                             "--leak-check=full",
                             "--show-leak-kinds=definite,possible",
                             "--errors-for-leak-kinds=definite",
                             "--error-exitcode=99", "--suppressions=" + SUPP,
                             "--log-file=" + vlog])
        c.wait_text(r"You connected", 60)
        c.wait(lambda st: st.get("roster") == "@alice,bob", 30, "roster")
        c.x.run("xdotool", "type", "--delay", "20", "under valgrind")
        c.key("Return")
        alice.expect(r"PRIVMSG #lobby :under valgrind", 30)
        alice.send("PRIVMSG bob :private hi")
        c.wait(lambda st: "alice" in st.get("tabs", ""), 30, "query tab")
        alice.send("PRIVMSG #lobby :" + "x" * 400)
        c.wait_text(r"<alice> x{400}", 30)
        c.click("connect")
        c.wait_text(r"You disconnected", 30)
        rc = c.quit(timeout=120)
        log = open(vlog).read()
        if os.environ.get("KEO_KEEP_VALGRIND_LOG"):
            shutil.copy(vlog, os.environ["KEO_KEEP_VALGRIND_LOG"])
        summary = re.findall(r"ERROR SUMMARY: (\d+) errors", log)
        diag("valgrind: %s" % "; ".join(
            l.split("== ", 1)[-1] for l in log.splitlines()
            if "definitely lost" in l or "ERROR SUMMARY" in l))
        check(rc == 0, "valgrind exit status %d:\n%s" % (rc, log[-4000:]))
        check(summary and summary[-1] == "0", "memcheck errors:\n" + log[-4000:])
    finally:
        x.stop()
    s.stop()


run()
