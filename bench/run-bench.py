#!/usr/bin/env python3
"""make bench: keochatd against Debian's ngircd (when installed), the same
workloads, interleaved, in one run; a table with ratios.  A benchmark, not
a test: nothing here asserts a time.

Workloads (the issue's):
  fan-out   200 clients, 10 senders x 2000 messages x 100 bytes, window 128
  big room  1000 clients, 5 senders x 200 messages, window 32
  storm     1000 clients connect, register and join at once
  fan-out TLS, big room TLS, storm TLS: the same over TLS (ngircd with
            Debian's GnuTLS, a certificate made here for both servers)
plus a --workers sweep (1, 2, 4) of keochatd on the fan-out, the fan-out
in a room with 50 bans set against the same without (keochatd only), the
fan-out with history kept (the default) against history = no, and
10 000 idle clients on keochatd (when the hard open-files limit allows).
Environment: BENCH_REPS (default 3, the median is shown), BENCH_WORKERS
(the sweep's worker counts, default "1 2 4"), BENCH_BASELINE (the path of
another keochatd binary, say the last release's: it runs interleaved with
this one on every workload, in its own column, so a change is measured
before and after in one run)."""
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

BUILD = os.environ.get("KEO_TOP_BUILDDIR", ".")
KEOCHATD = os.path.join(BUILD, "src", "server", "keochatd")
BENCH = os.path.join(BUILD, "bench", "keochat-bench")
NGIRCD = shutil.which("ngircd") or ("/usr/sbin/ngircd"
                                    if os.path.exists("/usr/sbin/ngircd") else None)
REPS = int(os.environ.get("BENCH_REPS", "3"))
BASELINE = os.environ.get("BENCH_BASELINE") or None
IDLE_N = 10000
WORKERS_SWEEP = [int(w) for w in
                 os.environ.get("BENCH_WORKERS", "1 2 4").split()]

WORKLOADS = [
    ("fan-out", ["-n", "200", "-s", "10", "-m", "2000", "-b", "100", "-w", "128"]),
    ("big room", ["-n", "1000", "-s", "5", "-m", "200", "-b", "100", "-w", "32"]),
    ("storm", ["-n", "1000", "-S"]),
    ("fan-out TLS", ["-T", "-n", "200", "-s", "10", "-m", "2000", "-b", "100",
                     "-w", "128"]),
    ("big room TLS", ["-T", "-n", "1000", "-s", "5", "-m", "200", "-b", "100",
                      "-w", "32"]),
    ("storm TLS", ["-T", "-n", "1000", "-S"]),
]

CERTS = tempfile.mkdtemp(prefix="kc-bench-certs-")


def bench_cert():
    """One self-signed certificate (ECDSA P-256) both servers serve."""
    cert, key = os.path.join(CERTS, "cert.pem"), os.path.join(CERTS, "key.pem")
    if not os.path.exists(cert):
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
                        "-out", cert, "-days", "30", "-subj", "/CN=localhost"],
                       check=True, capture_output=True)
    return cert, key


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, 65536)
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_port(port, proc, timeout=15):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError("server exited with %s" % proc.returncode)
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("server did not listen on %d" % port)


class Keochatd:
    name = "keochatd"

    def __init__(self, workers=None, binary=None, name=None, opts=None):
        self.workers = workers
        self.opts = list(opts or [])
        self.binary = binary or KEOCHATD
        if name:
            self.name = name

    def start(self):
        self.dir = tempfile.mkdtemp(prefix="kc-bench-")
        self.port = free_port()
        self.tls_port = free_port()
        cert, key = bench_cert()
        cmd = [self.binary, "-f", "/dev/null", "-l", "127.0.0.1:%d" % self.port,
               "-o", "autojoin=", "-o", "flood-rate=0",
               "-o", "max-clients-per-ip=0", "-o", "log-level=warning",
               "-o", "runtime-dir=%s/run" % self.dir]
        if self.tls_capable():
            cmd += ["-o", "tls-listen=127.0.0.1:%d" % self.tls_port,
                    "-o", "state-dir=%s/state" % self.dir,
                    "-o", "tls-cert=" + cert, "-o", "tls-key=" + key]
        if self.workers:
            cmd += ["-w", str(self.workers)]
        for o in self.opts:
            cmd += ["-o", o]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                                     stderr=open(os.path.join(self.dir, "log"), "w"),
                                     preexec_fn=raise_nofile)
        wait_port(self.port, self.proc)
        time.sleep(0.2)

    def tls_capable(self):
        """Does this binary know tls-listen (a baseline may predate it)?"""
        if not hasattr(self, "_tls"):
            r = subprocess.run([self.binary, "--options"],
                               capture_output=True, text=True)
            self._tls = "tls-listen\t" in r.stdout
        return self._tls

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=20)
        shutil.rmtree(self.dir, ignore_errors=True)


class Ngircd:
    name = "ngircd"

    def start(self):
        self.dir = tempfile.mkdtemp(prefix="kc-bench-ng-")
        self.port = free_port()
        self.tls_port = free_port()
        cert, key = bench_cert()
        conf = os.path.join(self.dir, "ngircd.conf")
        with open(conf, "w") as f:
            f.write("""[Global]
Name = irc.bench.test
Info = ngircd for keochat's benchmark
Listen = 127.0.0.1
Ports = %d
ServerUID = %d
ServerGID = %d
PidFile = %s/pid
[Limits]
MaxConnections = 0
MaxConnectionsIP = 0
MaxJoins = 0
MaxPenaltyTime = 0
PingTimeout = 600
PongTimeout = 600
[Options]
PAM = no
Ident = no
DNS = no
[SSL]
CertFile = %s
KeyFile = %s
Ports = %d
""" % (self.port, os.getuid(), os.getgid(), self.dir, cert, key,
       self.tls_port))
        self.proc = subprocess.Popen([NGIRCD, "-n", "-f", conf],
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL,
                                     preexec_fn=raise_nofile)
        wait_port(self.port, self.proc)
        time.sleep(0.2)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def run_one(server, args, tag):
    if "-T" in args and hasattr(server, "tls_capable") and \
            not server.tls_capable():
        return {"exit": "0"}            # a baseline without TLS
    server.start()
    try:
        port = server.tls_port if "-T" in args else server.port
        r = subprocess.run([BENCH, "-p", str(port), "-P",
                            str(server.proc.pid), "-x", tag, "-t", "60",
                            "-c", "#bench"] + args, capture_output=True,
                           text=True, timeout=600, preexec_fn=raise_nofile)
    finally:
        server.stop()
    line = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else ""
    kv = dict(x.split("=", 1) for x in line.split() if "=" in x)
    kv["exit"] = str(r.returncode)
    if r.returncode != 0:
        sys.stderr.write("%s %s: exit %d\n%s\n" % (server.name, tag,
                                                   r.returncode, r.stderr[-2000:]))
    return kv


def med(results, key):
    vals = [float(r[key]) for r in results if key in r]
    return statistics.median(vals) if vals else float("nan")


def fmt(v, key):
    if v != v:
        return "-"
    if key in ("deliveries_per_s",):
        return "%.2fM" % (v / 1e6)
    if key.endswith("_us") or key in ("p50_us", "p99_us", "max_us"):
        return "%.1f ms" % (v / 1000)
    if key == "cpu_us_per_delivery":
        return "%.3f us" % v
    if key in ("storm_s", "join_s"):
        return "%.3f s" % v
    if key.endswith("_kb"):
        return "%.2f KiB" % v
    return "%g" % v


def ratio_of(a, b):
    if a != a or b != b or b == 0.0:
        return "-"
    return "%.2fx" % (a / b)


def b36(n):
    d = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        out = d[n % 36] + out
        n //= 36
        if n == 0:
            return out


def history_store_bench(rows=1000000, rooms=10, queries=400):
    """CHATHISTORY and SEARCH against a store of a million lines: keochatd
    makes the schema, the lines (12 words of a 5000-word vocabulary) go in
    with Python's sqlite3, indexed as the master would, then one client
    (in one of the rooms) times LATEST and BEFORE, and SEARCH for a word
    in its room and for two words in everything it may read, from send
    to the end of the batch; and the store's bytes per line."""
    import random
    import sqlite3
    k = Keochatd()
    k.start()
    state = os.path.join(k.dir, "state")
    db = sqlite3.connect(os.path.join(state, "keochat.db"), timeout=30)
    t0 = time.monotonic()
    base = int(time.time() * 1000) - rows
    per = rows // rooms
    rnd = random.Random(1)
    vocab = ["w%d" % i for i in range(5000)]
    with db:
        for r in range(rooms):
            db.executemany(
                "INSERT INTO history (target, time_ms, id, kind, account, "
                "tags, line) VALUES (?, ?, ?, 1, '', '', ?)",
                (("#hist%d" % r, base + i, (base + i) * 16 + r,
                  ":user%d!u@127.0.0.1 PRIVMSG #hist%d :%s" % (
                      i % 50, r, " ".join(rnd.choice(vocab)
                                          for _ in range(12))))
                 for i in range(per)))
    # the search index, as the master builds it a second behind
    with db:
        db.execute("INSERT INTO history_fts(rowid, text) SELECT id, "
                   "substr(line, instr(line, ' :') + 2) FROM history")
        db.execute("UPDATE fts_state SET v = (SELECT max(id) FROM history)")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    seed_s = time.monotonic() - t0
    size = sum(os.path.getsize(os.path.join(state, f))
               for f in os.listdir(state) if f.startswith("keochat.db"))
    sock = socket.create_connection(("127.0.0.1", k.port))
    buf = b""

    def send(line):
        sock.sendall(line.encode() + b"\r\n")

    def until(pattern):
        nonlocal buf
        rx = re.compile(pattern)
        while True:
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                line = line.decode("utf-8", "replace").rstrip("\r")
                if line.startswith("PING"):
                    send("PONG" + line[4:])
                if rx.search(line):
                    return line
            data = sock.recv(65536)
            if not data:
                raise RuntimeError("keochatd closed the link")
            buf += data
    send("CAP REQ :draft/chathistory draft/search batch message-tags "
         "server-time")
    send("NICK histbench")
    send("USER h 0 * :h")
    send("CAP END")
    until(r" 001 ")
    send("JOIN #hist0")
    until(r" 366 ")
    lat = {"CHATHISTORY LATEST": [], "CHATHISTORY BEFORE": [],
           "SEARCH text in a room": [], "SEARCH text everywhere": []}
    for q in range(queries):
        if q % 4 == 0:
            cmd, what = ("CHATHISTORY LATEST #hist0 * 100",
                         "CHATHISTORY LATEST")
        elif q % 4 == 1:
            i = rnd.randrange(100, per)
            cmd, what = ("CHATHISTORY BEFORE #hist0 msgid=%s 100" %
                         b36((base + i) * 16), "CHATHISTORY BEFORE")
        elif q % 4 == 2:
            cmd, what = ("SEARCH in=#hist0;text=%s;limit=100" %
                         rnd.choice(vocab), "SEARCH text in a room")
        else:
            cmd, what = ("SEARCH text=%s %s;limit=100" % (
                rnd.choice(vocab), rnd.choice(vocab)),
                "SEARCH text everywhere")
        t = time.monotonic()
        send(cmd)
        until(r"BATCH -")
        lat[what].append((time.monotonic() - t) * 1000)
    sock.close()
    k.stop()
    print()
    print("| over %d stored lines (%d rooms; limit 100) | p50 | p99 | max |"
          % (rows, rooms))
    print("|---|---|---|---|")
    for what, v in lat.items():
        v = sorted(v)
        print("| %s | %.2f ms | %.2f ms | %.2f ms |" % (
            what, v[len(v) // 2], v[int(len(v) * 0.99) - 1], v[-1]))
    print("store: %.0f bytes per line (%d MB for %d lines of 80 bytes of "
          "text); seeded in %.1f s" % (size / rows, size // 1000000, rows,
                                        seed_s))


def main():
    if not os.path.exists(BENCH):
        sys.exit("build keochat-bench first (make)")
    servers = ([Keochatd()] +
               ([Keochatd(binary=BASELINE, name="before")] if BASELINE else
                []) + ([Ngircd()] if NGIRCD else []))
    if not NGIRCD:
        print("ngircd is not installed: keochatd only (apt-get install ngircd)")
    ncpu = os.cpu_count()
    print("machine: %s, %d CPUs; keochatd workers: %d (default); %d reps, "
          "median shown" % (os.uname().machine, ncpu, ncpu, REPS))
    table = []
    failures = 0
    ref_failures = []
    for wl, args in WORKLOADS:
        res = {s.name: [] for s in servers}
        for rep in range(REPS):
            for s in servers:          # interleaved
                kv = run_one(s, args, "r%d" % rep)
                if kv["exit"] != "0":
                    # keochatd's failures fail make bench; the reference
                    # server's are reported (ngircd can drop SYNs in a storm)
                    if s.name in ("keochatd", "before"):
                        failures += 1
                    else:
                        ref_failures.append("%s %s r%d" % (s.name, wl, rep))
                res[s.name].append(kv)
        keys = (["deliveries_per_s", "cpu_us_per_delivery", "p50_us",
                 "p99_us", "lost", "dup", "reordered", "disconnects"]
                if "-S" not in args else
                ["storm_s", "rss_per_conn_kb", "pss_per_conn_kb",
                 "disconnects"])
        for k in keys:
            a = med(res["keochatd"], k)
            b = med(res["ngircd"], k) if "ngircd" in res else float("nan")
            row = [wl, k, fmt(a, k)]
            if BASELINE:
                p = med(res["before"], k)
                row += [fmt(p, k), ratio_of(a, p)]
            row += [fmt(b, k), ratio_of(a, b)]
            table.append(row)
    print()
    if BASELINE:
        print("before: %s" % BASELINE)
        print("| workload | metric | keochatd | before | keochatd/before "
              "| ngircd | keochatd/ngircd |")
        print("|---|---|---|---|---|---|---|")
    else:
        print("| workload | metric | keochatd | ngircd | keochatd/ngircd |")
        print("|---|---|---|---|---|")
    for row in table:
        print("| %s |" % " | ".join(row))
    print()
    print("| keochatd --workers | deliveries/s | CPU per delivery | p99 |")
    print("|---|---|---|---|")
    for w in WORKERS_SWEEP:
        rs = [run_one(Keochatd(workers=w), WORKLOADS[0][1], "w%d%d" % (w, i))
              for i in range(REPS)]
        failures += sum(r["exit"] != "0" for r in rs)
        print("| %d | %s | %s | %s |" % (
            w, fmt(med(rs, "deliveries_per_s"), "deliveries_per_s"),
            fmt(med(rs, "cpu_us_per_delivery"), "cpu_us_per_delivery"),
            fmt(med(rs, "p99_us"), "p99_us")))
    # scale: 10 000 idle clients in one channel (keochatd only: every
    # JOIN is echoed to everyone already there, n*n/2 lines in all)
    print()
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard != resource.RLIM_INFINITY and hard < IDLE_N + 200:
        print("10 000 idle clients: skipped, the hard limit on open files "
              "is %d (ulimit -Hn; needs %d)" % (hard, IDLE_N + 200))
    else:
        print("| %d idle clients | joined | storm | RSS per conn "
              "| PSS per conn |" % IDLE_N)
        print("|---|---|---|---|---|")
        for k in [Keochatd()] + ([Keochatd(binary=BASELINE, name="before")]
                                 if BASELINE else []):
            r = run_one(k, ["-n", str(IDLE_N), "-S"], "i")
            failures += r["exit"] != "0"
            print("| %s | %s | %s | %s | %s |" % (
                k.name, r.get("joined", "-"),
                fmt(float(r.get("storm_s", "nan")), "storm_s"),
                fmt(float(r.get("rss_per_conn_kb", "nan")), "rss_per_conn_kb"),
                fmt(float(r.get("pss_per_conn_kb", "nan")), "pss_per_conn_kb")))
    # bans: the fan-out in a room with 50 bans set, against the same
    # fan-out without, interleaved (keochatd only: the others here have
    # no bans or no MODE +b of 13 masks a line)
    print()
    print("| keochatd fan-out | deliveries/s | CPU per delivery | p99 |")
    print("|---|---|---|---|")
    bans = {0: [], 50: []}
    for i in range(REPS):
        for nb in (0, 50):
            r = run_one(Keochatd(), WORKLOADS[0][1] + ["-B", str(nb)],
                        "B%d%d" % (nb, i))
            failures += r["exit"] != "0"
            bans[nb].append(r)
    for nb in (0, 50):
        print("| %s | %s | %s | %s |" % (
            "no bans" if nb == 0 else "%d bans" % nb,
            fmt(med(bans[nb], "deliveries_per_s"), "deliveries_per_s"),
            fmt(med(bans[nb], "cpu_us_per_delivery"), "cpu_us_per_delivery"),
            fmt(med(bans[nb], "p99_us"), "p99_us")))
    c0 = med(bans[0], "cpu_us_per_delivery")
    c50 = med(bans[50], "cpu_us_per_delivery")
    print("CPU per delivery with 50 bans / without: %s" % ratio_of(c50, c0))
    # history: the fan-out with the rooms' history kept (the default)
    # against history = no, interleaved (keochatd only)
    if Keochatd().tls_capable():
        print()
        print("| keochatd fan-out | deliveries/s | CPU per delivery | p99 |")
        print("|---|---|---|---|")
        hist = {"yes": [], "no": []}
        for i in range(REPS):
            for h in ("yes", "no"):
                r = run_one(Keochatd(opts=["history=" + h]),
                            WORKLOADS[0][1], "H%s%d" % (h, i))
                failures += r["exit"] != "0"
                hist[h].append(r)
        for h in ("no", "yes"):
            print("| history = %s | %s | %s | %s |" % (
                h, fmt(med(hist[h], "deliveries_per_s"), "deliveries_per_s"),
                fmt(med(hist[h], "cpu_us_per_delivery"),
                    "cpu_us_per_delivery"),
                fmt(med(hist[h], "p99_us"), "p99_us")))
        print("CPU per delivery with history / without: %s" % ratio_of(
            med(hist["yes"], "cpu_us_per_delivery"),
            med(hist["no"], "cpu_us_per_delivery")))
        history_store_bench()
    # the window: start-up, a busy room (bench/client-bench.py)
    r = subprocess.run([sys.executable, os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "client-bench.py")])
    failures += r.returncode != 0
    if ref_failures:
        print("\nreference runs that failed (a run that printed no result is "
              "left out of the median): "
              + ", ".join(ref_failures))
    if failures:
        print("\n%d keochatd runs reported loss, disconnects or stalls" % failures)
        sys.exit(1)


if __name__ == "__main__":
    main()
