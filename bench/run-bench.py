#!/usr/bin/env python3
"""make bench: keochatd against Debian's ngircd and InspIRCd (each when
installed), the same workloads, interleaved, in one run; a table with
ratios.  A benchmark, not a test: nothing here asserts a time.

Workloads (the issue's):
  fan-out   200 clients, 10 senders x 2000 messages x 100 bytes, window 128
  big room  1000 clients, 5 senders x 200 messages, window 32
  storm     1000 clients connect, register and join at once
  fan-out TLS, big room TLS, storm TLS: the same over TLS (ngircd and
            InspIRCd with Debian's GnuTLS, a certificate made here for all)
plus a --workers sweep (1, 2, 4) of keochatd on the fan-out, the fan-out
in a room with 50 bans set against the same without (keochatd only), the
fan-out's CPU split by process role (relay, master, workers) for each
worker count of the sweep, history kept and not, the
fan-out with history kept (the default) against history = no, 100 000
idle clients on keochatd, plain and TLS (registered, in no room, from
127.0.0.2-127.0.0.17), the store's own figures and the window's
(bench/client-bench.py), and the cluster fan-out ("cluster": 3 NATS
servers and 3 keochatd hosts on loopback, 600 clients in one room spread
over the hosts, 10 senders, against one host with the same 600; CPU
summed over every keochatd and nats-server process).  The comparison is drawn as a chart (gnuplot):
doc/performance.png.
Environment: BENCH_REPS (default 3, the median is shown), BENCH_WORKERS
(the sweep's worker counts, default "1 2 4"), BENCH_BASELINE (the path of
another keochatd binary, say the last release's: it runs interleaved with
this one on every workload, in its own column, so a change is measured
before and after in one run), BENCH_ONLY (the parts to run, comma
separated: workload names of the comparison and workers, split, idle,
bans, history, client; say "fan-out,storm,idle"; its chart goes to
./bench-chart.png), BENCH_IDLE (the idle clients, default 100000),
BENCH_CHART (where the chart goes), BENCH_SERVER_CPUS and
BENCH_CLIENT_CPUS (CPU lists such as "8-15": the servers and the generator
pinned apart, for a machine with cores to spare).

The peers' limits are lifted so that they measure their work, not their
flood protection: ngircd MaxConnections, MaxConnectionsIP, MaxJoins and
MaxPenaltyTime 0 (off); InspIRCd's connect class with fakelag off, a
command rate and threshold no workload reaches, local and global maxima
and the class limit above the largest workload, and send and receive
queues a fan-out never fills."""
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
INSPIRCD = shutil.which("inspircd") or (
    "/usr/sbin/inspircd" if os.path.exists("/usr/sbin/inspircd") else None)
ONLY = [w.strip() for w in os.environ.get("BENCH_ONLY", "").split(",")
        if w.strip()]
REPS = int(os.environ.get("BENCH_REPS", "3"))
BASELINE = os.environ.get("BENCH_BASELINE") or None
IDLE_N = int(os.environ.get("BENCH_IDLE", "100000"))
WORKERS_SWEEP = [int(w) for w in
                 os.environ.get("BENCH_WORKERS", "1 2 4").split()]

# The delivery workloads join their clients a server's "inflight" at a
# time (-i): InspIRCd completes a registration on its once-a-second tick,
# so with the generator's 16 its 1000 clients would take a minute to join;
# ngircd, with 100, drops SYNs and some clients never join.  Joining is
# not measured.
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


def cpu_list(spec):
    """ "0-7" or "0,2,4-6" as a set of CPU numbers (empty: no pinning)."""
    cpus = set()
    for part in spec.replace(" ", "").split(","):
        if not part:
            continue
        lo, _, hi = part.partition("-")
        cpus.update(range(int(lo), int(hi or lo) + 1))
    return cpus


SERVER_CPUS = cpu_list(os.environ.get("BENCH_SERVER_CPUS", ""))
CLIENT_CPUS = cpu_list(os.environ.get("BENCH_CLIENT_CPUS", ""))


def server_preexec():
    """A server's process before exec: the descriptor limit, and its CPUs
    where BENCH_SERVER_CPUS names them (its children inherit them)."""
    raise_nofile()
    if SERVER_CPUS:
        os.sched_setaffinity(0, SERVER_CPUS)


def client_preexec():
    """The generator's: BENCH_CLIENT_CPUS, so that on a big machine it does
    not share the server's cores."""
    raise_nofile()
    if CLIENT_CPUS:
        os.sched_setaffinity(0, CLIENT_CPUS)


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
    inflight = 100

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
                                     preexec_fn=server_preexec)
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


class Peer:
    """A reference server: one process in a directory of its own."""

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


class Ngircd(Peer):
    name = "ngircd"
    inflight = 16

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
                                     preexec_fn=server_preexec)
        wait_port(self.port, self.proc)
        time.sleep(0.2)


class Inspircd(Peer):
    name = "inspircd"
    inflight = 100

    def start(self):
        self.dir = tempfile.mkdtemp(prefix="kc-bench-insp-")
        cert, key = bench_cert()
        for _ in range(5):
            self.port = free_port()
            self.tls_port = free_port()
            conf = os.path.join(self.dir, "inspircd.conf")
            with open(conf, "w") as f:
                f.write(
                    '<config format="xml">\n'
                    '<server name="irc.bench.test" description="InspIRCd '
                    'for keochat\'s benchmark" network="Bench">\n'
                    '<admin name="bench" nick="admin" email="a@example.org">\n'
                    '<bind address="127.0.0.1" port="%d" type="clients">\n'
                    '<bind address="127.0.0.1" port="%d" type="clients" '
                    'sslprofile="Clients">\n'
                    '<module name="ssl_gnutls">\n'
                    '<sslprofile name="Clients" provider="gnutls" '
                    'certfile="%s" keyfile="%s" requestclientcert="no">\n'
                    '<pid file="%s/pid">\n'
                    # the limits lifted: what is measured is the work
                    '<connect name="main" allow="*" timeout="120" '
                    'pingfreq="600" hardsendq="268435456" '
                    'softsendq="16777216" recvq="16777216" '
                    'threshold="100000000" commandrate="100000000" '
                    'fakelag="no" localmax="200000" globalmax="200000" '
                    'limit="200000" maxchans="100" resolvehostnames="no" '
                    'useident="no">\n'
                    '<dns timeout="1">\n'
                    '<performance softlimit="200000" somaxconn="4096">\n'
                    '<log method="file" type="* -USERINPUT -USEROUTPUT" '
                    'level="default" target="%s/log">\n'
                    '<options defaultmodes="nt">\n'
                    % (self.port, self.tls_port, cert, key, self.dir,
                       self.dir))
            log = open(os.path.join(self.dir, "out"), "w")
            self.proc = subprocess.Popen(
                [INSPIRCD, "--nofork", "--config=" + conf] +
                (["--runasroot"] if os.getuid() == 0 else []),
                stdout=log, stderr=subprocess.STDOUT, cwd=self.dir,
                preexec_fn=server_preexec)   # Debian 12's InspIRCd 3.15
            # can crash in InspIRCd::Exit on SIGTERM: its core stays in
            # its own directory, not in the build tree
            end = time.monotonic() + 20
            while time.monotonic() < end and self.proc.poll() is None and \
                    "is now running" not in open(log.name).read():
                time.sleep(0.05)
            if self.proc.poll() is None and "is now running" in \
                    open(log.name).read():
                wait_port(self.port, self.proc)
                return
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait()
        raise SystemExit("InspIRCd would not start:\n" +
                         open(os.path.join(self.dir, "out")).read()[-2000:])



def run_one(server, args, tag, timeout=600, roles=None):
    """One run of the generator against a server started for it: its
    key=value results, with "exit".  roles, a dict, gets keochatd's CPU
    seconds by role over the run (role_cpu)."""
    if "-T" in args and hasattr(server, "tls_capable") and \
            not server.tls_capable():
        return {"exit": "0"}            # a baseline without TLS
    server.start()
    try:
        port = server.tls_port if "-T" in args else server.port
        if "-S" not in args and "-i" not in args:
            args = args + ["-i", str(server.inflight)]
        before = role_cpu(server.proc.pid) if roles is not None else None
        r = subprocess.run([BENCH, "-p", str(port), "-P",
                            str(server.proc.pid), "-x", tag, "-t", "60",
                            "-c", "#bench"] + args, capture_output=True,
                           text=True, timeout=timeout, preexec_fn=client_preexec)
        if roles is not None:
            # the master indexes the new lines for SEARCH once a second,
            # after a fan-out this short has ended: wait until it has
            # gone quiet
            after = role_cpu(server.proc.pid)
            for _ in range(10):
                time.sleep(1.1)
                now = role_cpu(server.proc.pid)
                quiet = now["master"] - after["master"] < 0.001
                after = now
                if quiet:
                    break
            roles.update({k: after[k] - before[k] for k in after})
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


COLOURS = ["#2a7ab0", "#d9822b", "#7a4fa3", "#4c9a4c"]
CHART = []      # (workload, metric, keochatd, [peers...]) of the table
# the whole run's chart is kept in doc/ (and shown in doc/PERFORMANCE.md);
# a BENCH_ONLY run's goes to the current directory unless BENCH_CHART says
CHART_PNG = os.environ.get("BENCH_CHART") or (
    "bench-chart.png" if ONLY else
    os.path.join(os.environ.get("KEO_TOP_SRCDIR", "."), "doc",
                 "performance.png"))


def chart(peers):
    """The comparison as a picture (gnuplot from Debian): CPU per delivery,
    p99 latency and memory per connection, one panel each, a bar per
    server per workload.  Nothing when gnuplot is not installed."""
    gp = shutil.which("gnuplot")
    if gp is None:
        print("chart: gnuplot is not installed (apt-get install gnuplot-nox)")
        return
    names = ["keochatd"] + [p.name for p in peers]
    panels = [("cpu_us_per_delivery", "server CPU per delivery (us)", 1),
              ("p99_us", "p99 latency (ms)", 1000),
              ("rss_per_conn_kb", "memory per connection, RSS (KiB)", 1)]
    d = tempfile.mkdtemp(prefix="kc-chart-")
    plot = ['set terminal pngcairo size 1500,520 font "DejaVu Sans,10"',
            'set output "%s"' % CHART_PNG,
            'set multiplot layout 1,3 title "keochatd, ngircd and InspIRCd '
            'on %s, %s (make bench)"' % (os.uname().nodename,
                                         time.strftime("%Y-%m-%d")),
            "set style data histograms", "set style histogram clustered gap 1",
            "set style fill solid 0.8 border -1", "set boxwidth 0.9",
            "set xtics rotate by -30 nomirror", "set grid ytics",
            "set key top left", "set yrange [0:*]", "set offsets 0, 0, graph 0.06, 0",
            'set datafile missing "NaN"']
    for key, title, div in panels:
        rows = [(wl, a, b) for wl, k, a, b in CHART if k == key]
        if not rows:
            continue
        path = os.path.join(d, key + ".dat")
        with open(path, "w") as f:
            for wl, a, b in rows:
                vals = [a] + b
                f.write('"%s" %s\n' % (wl, " ".join(
                    "%g" % (v / div) if v == v else "NaN" for v in vals)))
        # a server with no figure in a panel (ngircd's storm when it
        # stalled) is left out of it: gnuplot refuses an empty column;
        # each server keeps its colour across panels
        cols = [i for i in range(len(names))
                if any(([a] + b)[i] == ([a] + b)[i] for _, a, b in rows)]
        plot.append('set title "%s"' % title)
        plot.append("plot " + ", ".join(
            '"%s" using %d:xtic(1) title "%s" lc rgb "%s"' % (
                path, i + 2, names[i], COLOURS[i % len(COLOURS)])
            for i in cols))
    plot.append("unset multiplot")
    script = os.path.join(d, "chart.gp")
    with open(script, "w") as f:
        f.write("\n".join(plot) + "\n")
    r = subprocess.run([gp, script], capture_output=True, text=True)
    if r.returncode == 0:
        print("chart: %s" % CHART_PNG)
    else:
        print("chart: gnuplot failed: %s" % r.stderr.strip()[-500:])
    shutil.rmtree(d, ignore_errors=True)


def main():
    if not os.path.exists(BENCH):
        sys.exit("build keochat-bench first (make)")
    peers = ([Ngircd()] if NGIRCD else []) + ([Inspircd()] if INSPIRCD
                                               else [])
    servers = ([Keochatd()] +
               ([Keochatd(binary=BASELINE, name="before")] if BASELINE else
                []) + peers)
    if not NGIRCD:
        print("ngircd is not installed (apt-get install ngircd)")
    if not INSPIRCD:
        print("InspIRCd is not installed (apt-get install inspircd)")
    ncpu = os.cpu_count()
    print("machine: %s, %d CPUs; keochatd workers: %d (default); %d reps, "
          "median shown" % (os.uname().machine, ncpu, ncpu, REPS))
    table = []
    failures = 0
    ref_failures = []
    for wl, args in WORKLOADS:
        if not want(wl):
            continue
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
            row = [wl, k, fmt(a, k)]
            if BASELINE:
                p = med(res["before"], k)
                row += [fmt(p, k), ratio_of(a, p)]
            for peer in peers:
                b = med(res[peer.name], k)
                row += [fmt(b, k), ratio_of(a, b)]
            table.append(row)
            CHART.append((wl, k, a, [med(res[p.name], k) for p in peers]))
    print()
    head = ["workload", "metric", "keochatd"]
    if BASELINE:
        print("before: %s" % BASELINE)
        head += ["before", "keochatd/before"]
    for peer in peers:
        head += [peer.name, "keochatd/" + peer.name]
    print("| %s |" % " | ".join(head))
    print("|%s" % ("---|" * len(head)))
    for row in table:
        print("| %s |" % " | ".join(row))
    extra = []                  # (workload, metric, value) for the chart
    if want("workers"):
        failures += workers_sweep()
    if want("idle"):
        failures += idle_clients(extra)
    if want("split"):
        failures += split_cpu()
    if want("bans"):
        failures += bans_pair()
    if want("cluster"):
        failures += cluster_pair()
    if want("history") and Keochatd().tls_capable():
        failures += history_pair()
        history_store_bench()
    for wl, k, v in extra:
        CHART.append((wl, k, v, [float("nan")] * len(peers)))
    chart(peers)
    if want("client"):          # the window (bench/client-bench.py)
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


def want(name):
    """BENCH_ONLY names the parts to run: comparison workloads ("fan-out",
    "storm TLS", ...) and the others ("workers", "split", "idle", "bans",
    "history", "client")."""
    return not ONLY or name in ONLY


def pair_rows(title, runs, labels):
    print()
    print("| %s | deliveries/s | CPU per delivery | p99 |" % title)
    print("|---|---|---|---|")
    for key, label in labels:
        print("| %s | %s | %s | %s |" % (
            label, fmt(med(runs[key], "deliveries_per_s"), "deliveries_per_s"),
            fmt(med(runs[key], "cpu_us_per_delivery"), "cpu_us_per_delivery"),
            fmt(med(runs[key], "p99_us"), "p99_us")))


def workers_sweep():
    runs, failures = {}, 0
    for w in WORKERS_SWEEP:
        runs[w] = [run_one(Keochatd(workers=w), WORKLOADS[0][1],
                           "w%d%d" % (w, i)) for i in range(REPS)]
        failures += sum(r["exit"] != "0" for r in runs[w])
    pair_rows("keochatd --workers", runs, [(w, str(w)) for w in WORKERS_SWEEP])
    return failures


def idle_clients(extra):
    """IDLE_N clients connect (2 000 registering at a time), register and
    join nothing, from 127.0.0.2-127.0.0.17 (16 source addresses: one has
    only about 28 000 ephemeral ports); plain, then TLS.  keochatd gets
    enough workers that each holds fewer descriptors than the hard
    limit allows one process (a container may not let even root raise
    it; the generator splits itself the same way)."""
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    per = (IDLE_N + 100 if hard == resource.RLIM_INFINITY
           else max(hard - 256, 1024))
    workers = max(os.cpu_count() or 1, -(-IDLE_N // per) + 2)
    print()
    print("| %d idle clients (%d workers) | registered | storm | RSS per conn "
          "| PSS per conn | RSS / PSS right after |" % (IDLE_N, workers))
    print("|---|---|---|---|---|---|")
    failures = 0
    servers = [Keochatd(workers=workers,
                        opts=["max-clients=%d" % (IDLE_N + 100)])]
    if BASELINE:
        servers.append(Keochatd(workers=workers, binary=BASELINE,
                                name="before",
                                opts=["max-clients=%d" % (IDLE_N + 100)]))
    for tls in (False, True):
        for k in servers:
            if tls and not k.tls_capable():
                continue
            r = run_one(k, (["-T"] if tls else []) +
                        ["-n", str(IDLE_N), "-S", "-c", "", "-A", "16",
                         "-i", "2000", "-t", "900"], "i", timeout=1800)
            failures += r["exit"] != "0"
            name = "%s%s" % (k.name, " TLS" if tls else "")
            print("| %s | %s | %s | %s | %s | %s / %s |" % (
                name, r.get("joined", "-"),
                fmt(float(r.get("storm_s", "nan")), "storm_s"),
                fmt(float(r.get("rss_per_conn_kb", "nan")), "rss_per_conn_kb"),
                fmt(float(r.get("pss_per_conn_kb", "nan")), "pss_per_conn_kb"),
                fmt(float(r.get("rss_joined_per_conn_kb", "nan")), "_kb"),
                fmt(float(r.get("pss_joined_per_conn_kb", "nan")), "_kb")))
            if k.name == "keochatd":
                extra.append(("%dk idle%s" % (IDLE_N // 1000,
                                              " TLS" if tls else ""),
                              "rss_per_conn_kb",
                              float(r.get("rss_per_conn_kb", "nan"))))
    return failures


def role_cpu(pid):
    """{role: CPU seconds} for the master and its children ("relay",
    "workers"), every thread of each, from the scheduler's nanoseconds
    (/proc/PID/task/TID/schedstat; stat's clock ticks are 10 ms, as much
    as the relay spends on a whole run)."""
    out = {"master": 0.0, "relay": 0.0, "workers": 0.0}
    pids = [pid]
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            pids += [int(c) for c in f.read().split()]
    except OSError:
        pass
    for p in pids:
        try:
            with open("/proc/%d/comm" % p) as f:
                comm = f.read().strip()
            ns = 0
            for tid in os.listdir("/proc/%d/task" % p):
                with open("/proc/%d/task/%s/schedstat" % (p, tid)) as f:
                    ns += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            continue
        role = ("master" if p == pid else "relay" if comm.endswith("relay")
                else "workers")
        out[role] += ns / 1e9
    return out


def split_cpu():
    """Where the fan-out's CPU goes, per role, for each worker count of
    the sweep, history kept and not: the relay's and the master's cost
    per message sent (20 000), the workers' per delivery.  Read from
    /proc before and after the whole run (the 200 joins included, a few
    thousandths of the work) and the search indexing the master does
    after it (the idle ticks of those seconds included).  The model of
    doc/PERFORMANCE.md (what N workers on N cores would do) is built
    from these."""
    print()
    print("| fan-out, CPU by role | relay per message | master per message "
          "| workers per delivery | all per delivery |")
    print("|---|---|---|---|---|")
    failures = 0
    for hist in ("no", "yes"):
        for w in WORKERS_SWEEP:
            rows = []
            for i in range(REPS):
                d = {}
                kv = run_one(Keochatd(workers=w, opts=["history=" + hist]),
                             WORKLOADS[0][1], "C%s%d%d" % (hist, w, i),
                             roles=d)
                if kv["exit"] != "0" or "deliveries" not in kv or not d:
                    failures += 1
                    continue
                msgs = int(kv["senders"]) * int(kv["messages"])
                dl = int(kv["deliveries"])
                rows.append((d["relay"] * 1e6 / msgs, d["master"] * 1e6 / msgs,
                             d["workers"] * 1e6 / dl,
                             sum(d.values()) * 1e6 / dl))
            if not rows:
                continue
            m = [statistics.median(c) for c in zip(*rows)]
            print("| %d workers, history = %s | %.2f us | %.2f us | %.4f us "
                  "| %.4f us |" % (w, hist, m[0], m[1], m[2], m[3]))
    return failures


def bans_pair():
    """The fan-out in a room with 50 bans set, against the same fan-out
    without, interleaved (keochatd only: the bench sets them with MODE
    +b, 13 masks a line, which the peers' limits do not all take)."""
    runs, failures = {0: [], 50: []}, 0
    for i in range(REPS):
        for nb in (0, 50):
            r = run_one(Keochatd(), WORKLOADS[0][1] + ["-B", str(nb)],
                        "B%d%d" % (nb, i))
            failures += r["exit"] != "0"
            runs[nb].append(r)
    pair_rows("keochatd fan-out", runs, [(0, "no bans"), (50, "50 bans")])
    print("CPU per delivery with 50 bans / without: %s" % ratio_of(
        med(runs[50], "cpu_us_per_delivery"),
        med(runs[0], "cpu_us_per_delivery")))
    return failures


def history_pair():
    """The fan-out with the rooms' history kept (the default) against
    history = no, interleaved (keochatd only)."""
    runs, failures = {"yes": [], "no": []}, 0
    for i in range(REPS):
        for h in ("yes", "no"):
            r = run_one(Keochatd(opts=["history=" + h]), WORKLOADS[0][1],
                        "H%s%d" % (h, i))
            failures += r["exit"] != "0"
            runs[h].append(r)
    pair_rows("keochatd fan-out", runs, [("no", "history = no"),
                                         ("yes", "history = yes")])
    print("CPU per delivery with history / without: %s" % ratio_of(
        med(runs["yes"], "cpu_us_per_delivery"),
        med(runs["no"], "cpu_us_per_delivery")))
    return failures


CLUSTER_ARGS = [("flat out, window 16",
                 ["-n", "600", "-s", "10", "-m", "500", "-b", "100", "-w",
                  "16"]),
                ("100 messages/s per sender",
                 ["-n", "600", "-s", "10", "-m", "300", "-b", "100", "-w",
                  "1000", "-r", "100"])]


def cluster_run(natscluster, args, tag):
    """One generator run on three keochatd hosts (one worker each) over a
    fresh 3-node NATS cluster; CPU summed over all nine processes' trees."""
    nats = natscluster.NatsCluster(3)
    hosts = []
    try:
        for h in range(3):
            k = Keochatd(workers=1, opts=["backbone=" + nats.urls(),
                                          "node-name=b%d" % h,
                                          "log-level=info"])
            k.start()
            hosts.append(k)
        for k in hosts:             # READY: connected to the stream
            end = time.monotonic() + 60
            while "master: ready:" not in open(os.path.join(k.dir,
                                                            "log")).read():
                if time.monotonic() > end:
                    raise RuntimeError("cluster host not ready")
                time.sleep(0.1)
        pids = [str(k.proc.pid) for k in hosts] + \
            [str(p.pid) for p in nats.procs]
        r = subprocess.run(
            [BENCH, "-p", ",".join(str(k.port) for k in hosts), "-P",
             ",".join(pids), "-x", tag, "-t", "60", "-c", "#bench", "-i",
             "100"] + args, capture_output=True, text=True, timeout=600,
            preexec_fn=client_preexec)
    finally:
        for k in hosts:
            k.stop()
        nats.stop()
    line = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else ""
    kv = dict(x.split("=", 1) for x in line.split() if "=" in x)
    kv["exit"] = str(r.returncode)
    if r.returncode != 0:
        sys.stderr.write("cluster: exit %d\n%s\n" % (r.returncode,
                                                     r.stderr[-2000:]))
    return kv


def cluster_pair():
    """The fan-out, 600 clients in one room and 10 senders, on three
    keochatd hosts over a 3-node NATS JetStream cluster (backbone =
    nats://; six keochatd processes and three nats-servers on this
    machine's cores) against one host with the same clients, interleaved,
    flat out and paced at 100 messages a second per sender (the issue's
    latency load).  The generator spreads clients and senders over the
    hosts (-p P1,P2,P3); CPU per delivery counts every process."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(
        __file__)), "..", "tests"))
    try:
        import natscluster
    except ImportError as e:
        print("\ncluster: cannot load tests/natscluster.py: %s" % e)
        return 0
    if not natscluster.NATS_SERVER:
        print("\ncluster: nats-server is not installed")
        return 0
    failures = 0
    for title, args in CLUSTER_ARGS:
        runs = {"one host": [], "3 hosts": []}
        for i in range(REPS):
            runs["one host"].append(run_one(Keochatd(workers=2), args,
                                            "K1%d" % i))
            runs["3 hosts"].append(cluster_run(natscluster, args,
                                               "K3%d" % i))
            failures += sum(runs[k][-1]["exit"] != "0" for k in runs)
        print()
        print("| fan-out, 600 clients, 10 senders, %s | deliveries/s | "
              "CPU per delivery | p50 | p99 | max |" % title)
        print("|---|---|---|---|---|---|")
        for key in ("one host", "3 hosts"):
            print("| %s | %s | %s | %s | %s | %s |" % (
                key, fmt(med(runs[key], "deliveries_per_s"),
                         "deliveries_per_s"),
                fmt(med(runs[key], "cpu_us_per_delivery"),
                    "cpu_us_per_delivery"),
                fmt(med(runs[key], "p50_us"), "p50_us"),
                fmt(med(runs[key], "p99_us"), "p99_us"),
                fmt(med(runs[key], "max_us"), "max_us")))
        print("CPU per delivery, 3 hosts over NATS / one host: %s" %
              ratio_of(med(runs["3 hosts"], "cpu_us_per_delivery"),
                       med(runs["one host"], "cpu_us_per_delivery")))
    return failures


if __name__ == "__main__":
    main()
