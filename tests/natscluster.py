"""natscluster -- a private NATS JetStream cluster and keochatd hosts on it.

NatsCluster starts n nats-server processes on free 127.0.0.1 ports, each
with its own store directory, routed into one JetStream cluster; it can
kill -9, stop and start any of them by the PID it holds, and stops exactly
what it started.  hosts() starts keochatd hosts (kctest.Server) with
backbone = the cluster and a node-name each.  Every wait has a deadline.
"""
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time

from kctest import KEOCHATD, Server, Skip, SLOW, free_port, wait_for

NATS_SERVER = os.environ.get("NATS_SERVER") or shutil.which("nats-server")


def quiet_port():
    """A free 127.0.0.1 port below the kernel's ephemeral range: a node
    killed and started again gets its port back, where a port the kernel
    hands out could meanwhile be any other test's, or a client socket's."""
    lo = 32768
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            lo = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        pass
    for _ in range(200):
        port = random.randrange(max(1025, lo - 12000), lo)
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            s.close()
    return free_port()


class NatsCluster:
    live = []

    def __init__(self, n=3, name="kctest", user=None, password=None):
        if not NATS_SERVER:
            raise Skip("nats-server is not installed (apt-get install "
                       "nats-server)")
        r = subprocess.run([KEOCHATD, "-t", "-f", "/dev/null", "-o",
                            "backbone=nats://127.0.0.1:1", "-o",
                            "state-dir=" + tempfile.gettempdir()],
                           capture_output=True, text=True)
        if "built without cluster mode" in r.stderr:
            raise Skip("keochatd was built without libnats")
        self.dir = tempfile.mkdtemp(prefix="kcnats-")
        self.n = n
        self.name = name
        self.auth = ["--user", user, "--pass", password] if user else []
        self.ports = [quiet_port() for _ in range(n)]
        self.cports = [quiet_port() for _ in range(n)]
        self.procs = [None] * n
        self.logs = [os.path.join(self.dir, "nats%d.log" % i)
                     for i in range(n)]
        NatsCluster.live.append(self)
        for i in range(n):
            self.start(i)
        self.wait_cluster()

    def urls(self):
        return ",".join("nats://127.0.0.1:%d" % p for p in self.ports)

    def start(self, i):
        routes = ",".join("nats://127.0.0.1:%d" % p
                          for j, p in enumerate(self.cports) if j != i)
        cmd = [NATS_SERVER, "-a", "127.0.0.1", "-p", str(self.ports[i]),
               "-n", "n%d" % i, "-js", "-sd",
               os.path.join(self.dir, "store%d" % i), "-l", self.logs[i]]
        cmd += self.auth
        if self.n > 1:
            cmd += ["--cluster_name", self.name,
                    "--cluster", "nats://127.0.0.1:%d" % self.cports[i],
                    "--routes", routes]
        if os.environ.get("KC_NATS_DEBUG"):
            cmd.append("-D")
        for tries in range(3):
            err = open(self.logs[i] + ".err", "ab")
            self.procs[i] = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                             stdout=err, stderr=err)
            err.close()
            try:
                wait_for(lambda: self._listening(i), 10,
                         "nats-server %d up" % i)
                return
            except AssertionError:
                if tries == 2 or self.procs[i].poll() is None:
                    raise
                time.sleep(0.5)     # its port not free yet: again

    def _listening(self, i):
        if self.procs[i].poll() is not None:
            raise AssertionError("nats-server %d exited with %s:\n%s" % (
                i, self.procs[i].returncode, self.log(i)[-2000:]))
        try:
            with socket.create_connection(("127.0.0.1", self.ports[i]),
                                          timeout=1) as s:
                return s.recv(4096).startswith(b"INFO ")
        except OSError:
            return False

    def log(self, i):
        text = ""
        for path in (self.logs[i], self.logs[i] + ".err"):
            try:
                with open(path, "rb") as f:
                    text += f.read().decode("utf-8", "replace")
            except OSError:
                pass
        return text

    def wait_cluster(self, timeout=30):
        """Until the JetStream cluster has a meta leader."""
        if self.n == 1:
            return
        def leader():
            return any("JetStream cluster new metadata leader" in self.log(i)
                       or "Self is new JetStream cluster metadata leader"
                       in self.log(i) for i in range(self.n)
                       if self.procs[i] is not None)
        wait_for(leader, timeout, "a JetStream meta leader")

    def kill(self, i, sig=signal.SIGKILL):
        p = self.procs[i]
        if p is not None and p.poll() is None:
            os.kill(p.pid, sig)
            p.wait(timeout=10 * SLOW)
        self.procs[i] = None

    def publish(self, subject, payload, i=0):
        """Publish raw bytes on subject over plain NATS (as any other
        program could)."""
        with socket.create_connection(("127.0.0.1", self.ports[i]),
                                      timeout=5) as s:
            f = s.makefile("rb")
            f.readline()                    # INFO
            auth = ""
            if self.auth:
                auth = ',"user":"%s","pass":"%s"' % (self.auth[1],
                                                    self.auth[3])
            s.sendall(b'CONNECT {"verbose":false,"pedantic":false%s}\r\n'
                      % auth.encode())
            s.sendall(b"PUB %s %d\r\n" % (subject.encode(), len(payload)) +
                      payload + b"\r\nPING\r\n")
            line = f.readline()
            while line and not line.startswith(b"PONG"):
                if line.startswith(b"-ERR"):
                    raise AssertionError("nats: %r" % line)
                line = f.readline()

    def stop(self):
        if self in NatsCluster.live:
            NatsCluster.live.remove(self)
        for i in range(self.n):
            p = self.procs[i]
            if p is not None and p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=10 * SLOW)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
            self.procs[i] = None
        if not os.environ.get("KC_KEEP"):
            shutil.rmtree(self.dir, ignore_errors=True)


def hosts(nats, count=3, workers=2, opts=None, **kw):
    """count keochatd hosts on nats, node-names h0, h1, ..."""
    out = []
    for i in range(count):
        # no autojoin: a 366 a test waits for is its own JOIN's
        o = {"backbone": nats.urls(), "node-name": "h%d" % i,
             "autojoin": ""}
        o.update(opts or {})
        s = Server(workers=workers, opts=o, wait_ready=False, **kw)
        out.append(s)
    for s in out:
        s.wait_ready(timeout=30)
    return out


def stop_all():
    for c in list(NatsCluster.live):
        c.stop()
