#!/usr/bin/env python3
"""client-bench -- what the keochat window costs, measured on the real
window (the installed-kind binary, no test hooks) under Xvfb against a
private keochatd on loopback:

  start-up     exec to the window mapped, median of 5 (target <= 300 ms);
  a busy room  100 000 lines into the room in view at 10 000 lines a
               second (paced by the sender): every line arrives (counted
               in the client's -log file, in order), the client's CPU per
               line and share of one CPU, how far behind it ends, and its
               resident memory after (the tab keeps its 10 000 lines);
  flat out     the same 100 000 lines as fast as the client takes them
               (the sender stays at most 20 000 lines ahead of what the
               client has logged): lines a second;
  a chatty room  1 000 lines at 200 a second, each on its own (a flush
               per line: the view draws only the row that is new): the
               client's CPU per line.

Run by "make bench" after the server's workloads; alone:
KEO_TOP_BUILDDIR=. python3 bench/client-bench.py.  Environment:
CLIENT_LINES (default 100000), CLIENT_RATE (default 10000)."""
import os
import select
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

BUILD = os.environ.get("KEO_TOP_BUILDDIR", ".")
KEOCHATD = os.path.join(BUILD, "src", "server", "keochatd")
KEOCHAT = os.path.join(BUILD, "src", "client", "keochat")
LINES = int(os.environ.get("CLIENT_LINES", "100000"))
RATE = int(os.environ.get("CLIENT_RATE", "10000"))
TICK = os.sysconf("SC_CLK_TCK")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(pred, timeout, what):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.01)
    raise SystemExit("client-bench: timed out waiting for " + what)


def cpu_s(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Xvfb:
    def __init__(self):
        r, w = os.pipe()
        self.proc = subprocess.Popen(
            ["Xvfb", "-displayfd", str(w), "-screen", "0", "1024x768x24",
             "-nolisten", "tcp", "-noreset"], pass_fds=(w,),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(w)
        data = b""
        end = time.monotonic() + 10
        while not data.endswith(b"\n") and time.monotonic() < end:
            if select.select([r], [], [], 0.5)[0]:
                chunk = os.read(r, 64)
                if not chunk:
                    break
                data += chunk
        os.close(r)
        if not data.strip().isdigit():
            raise SystemExit("client-bench: Xvfb did not start")
        self.env = dict(os.environ, DISPLAY=":" + data.decode().strip(),
                        LANG="C.UTF-8", LC_ALL="C.UTF-8",
                        DBUS_SESSION_BUS_ADDRESS="")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


class Server:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="kc-cbench-")
        self.port = free_port()
        self.proc = subprocess.Popen(
            [KEOCHATD, "-f", "/dev/null", "-l", "127.0.0.1:%d" % self.port,
             "-o", "autojoin=", "-o", "flood-rate=0", "-o", "history=no",
             "-o", "log-level=warning", "-o", "max-clients-per-ip=0",
             "-o", "runtime-dir=%s/run" % self.dir],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self._up, 15, "keochatd")

    def _up(self):
        try:
            socket.create_connection(("127.0.0.1", self.port), 1).close()
            return True
        except OSError:
            return False

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=15)
        shutil.rmtree(self.dir, ignore_errors=True)


class Sender:
    def __init__(self, port, nick):
        self.s = socket.create_connection(("127.0.0.1", port), 10)
        self.s.sendall(b"NICK %s\r\nUSER s 0 * :s\r\nJOIN #bench\r\n" %
                       nick.encode())
        buf = b""
        while b" 366 " not in buf:
            chunk = self.s.recv(65536)
            if not chunk:
                raise SystemExit("client-bench: the sender was refused")
            buf += chunk
        self.s.setblocking(False)

    def send(self, data):
        view = memoryview(data)
        while view:
            try:
                n = self.s.send(view)
                view = view[n:]
            except BlockingIOError:
                select.select([], [self.s], [], 1)
            self.drain()

    def drain(self):
        try:
            while self.s.recv(65536):
                pass
        except (BlockingIOError, OSError):
            pass


class Window:
    def __init__(self, x, port, log):
        self.log = log
        self.seen = 0           # lines counted so far ...
        self.at = 0             # ... up to this offset of the log
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(
            [KEOCHAT, "-server", "127.0.0.1:%d" % port, "-nick", "viewer",
             "-room", "#bench", "-connect", "-log", log,
             "-geometry", "880x580+0+0"], env=x.env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.x = x

    def mapped(self):
        """Seconds from exec to the window mapped (xdotool's --sync looks
        only twice a second: ask every few milliseconds instead)."""
        end = time.monotonic() + 30
        while time.monotonic() < end:
            r = subprocess.run(["xdotool", "search", "--onlyvisible",
                                "--name", "^KEO Chat"], env=self.x.env,
                               capture_output=True, timeout=30)
            if r.returncode == 0 and r.stdout.strip():
                return time.monotonic() - self.t0
            time.sleep(0.002)
        raise SystemExit("client-bench: the window did not show")

    def logged(self):
        try:
            with open(self.log, "rb") as f:
                return f.read()
        except OSError:
            return b""

    def count(self):
        """The room's lines logged so far (read on from where it was)."""
        try:
            with open(self.log, "rb") as f:
                f.seek(self.at)
                data = f.read()
        except OSError:
            return self.seen
        end = data.rfind(b"\n") + 1     # whole lines only
        self.seen += data[:end].count(b"> L")
        self.at += end
        return self.seen

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=20)


def startup(x, port, d):
    times = []
    for i in range(5):
        w = Window(x, port, os.path.join(d, "start%d.log" % i))
        times.append(w.mapped())
        w.stop()
    return statistics.median(times)


def line(i):
    return b"PRIVMSG #bench :L%06d the quick brown fox jumps over the lazy " \
        b"dog, a line of a busy room\r\n" % i


def busy(x, port, d, paced, lines=None, rate=None, batch=None):
    lines = lines or LINES
    rate = rate or RATE
    log = os.path.join(d, "busy%d-%d.log" % (paced, rate))
    w = Window(x, port, log)
    w.mapped()
    wait_for(lambda: b"You joined #bench" in w.logged(), 20, "the join")
    snd = Sender(port, "sender%d" % paced)
    c0 = cpu_s(w.proc.pid)
    x0 = cpu_s(x.proc.pid)
    t0 = time.monotonic()
    i = 0
    batch = batch or max(1, rate // 100)
    while i < lines:
        n = min(batch, lines - i)
        snd.send(b"".join(line(k) for k in range(i, i + n)))
        i += n
        if paced:           # 100 batches a second
            ahead = t0 + i / rate - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
        else:               # stay at most 20 000 lines ahead
            while i - w.count() > 20000:
                time.sleep(0.005)
    t_sent = time.monotonic()
    wait_for(lambda: w.count() >= lines, 120, "every line in the log")
    t_end = time.monotonic()
    cpu = cpu_s(w.proc.pid) - c0
    xcpu = cpu_s(x.proc.pid) - x0
    order = check_order(w.logged(), lines)
    rss = rss_kb(w.proc.pid)
    w.stop()
    snd.s.close()
    return {"elapsed": t_end - t0, "lag": t_end - t_sent, "cpu": cpu,
            "xcpu": xcpu, "rss": rss, "order": order}


def check_order(data, lines):
    """Every L###### once, in order: (lost, out of order)."""
    want, bad = 0, 0
    pos = data.find(b"> L")
    while pos != -1:
        n = int(data[pos + 3:pos + 9])
        if n != want:
            bad += 1
        want = n + 1
        pos = data.find(b"> L", pos + 9)
    return lines - want, bad


def main():
    for t in ("Xvfb", "xdotool"):
        if shutil.which(t) is None:
            print("client bench: skipped, %s is not installed" % t)
            return 0
    if not os.path.exists(KEOCHAT):
        print("client bench: skipped, keochat was not built")
        return 0
    s = Server()
    x = Xvfb()
    d = tempfile.mkdtemp(prefix="kc-cbench-")
    try:
        st = startup(x, s.port, d)
        paced = busy(x, s.port, d, 1)
        flat = busy(x, s.port, d, 0)
        chatty = busy(x, s.port, d, 1, lines=1000, rate=200, batch=1)
    finally:
        x.stop()
        s.stop()
        shutil.rmtree(d, ignore_errors=True)
    print()
    print("keochat window (%d lines into the room in view)" % LINES)
    print()
    print("| measure | value | target |")
    print("|---|---|---|")
    print("| start-up, exec to window mapped (median of 5) | %.0f ms | "
          "<= 300 ms |" % (st * 1000))
    print("| %d lines/s paced: CPU per line | %.1f us | |" %
          (RATE, paced["cpu"] * 1e6 / LINES))
    print("| %d lines/s paced: share of one CPU | %.0f %% | < 100 %% |" %
          (RATE, 100 * paced["cpu"] / paced["elapsed"]))
    print("| %d lines/s paced: behind at the end | %.0f ms | |" %
          (RATE, paced["lag"] * 1000))
    print("| flat out: lines a second | %.0f | >= %d |" %
          (LINES / flat["elapsed"], RATE))
    print("| flat out: CPU per line | %.1f us | |" %
          (flat["cpu"] * 1e6 / LINES))
    print("| %d lines/s paced: the X server's CPU per line | %.1f us | |" %
          (RATE, paced["xcpu"] * 1e6 / LINES))
    print("| a chatty room (200 lines/s, a flush per line): CPU per line "
          "| %.0f us | |" % (chatty["cpu"] * 1e6 / 1000))
    print("| a chatty room: the X server's CPU per line | %.0f us | |" %
          (chatty["xcpu"] * 1e6 / 1000))
    print("| resident memory after (10 000 lines kept a tab) | %.1f MiB | |"
          % (max(paced["rss"], flat["rss"]) / 1024))
    lost = paced["order"][0] + flat["order"][0] + chatty["order"][0]
    bad = paced["order"][1] + flat["order"][1] + chatty["order"][1]
    print("| lines lost / out of order | %d / %d | 0 / 0 |" % (lost, bad))
    ok = lost == 0 and bad == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
