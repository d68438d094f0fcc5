"""natscluster -- a private NATS JetStream cluster and keochatd hosts on it.

NatsCluster starts n nats-server processes on free 127.0.0.1 ports, each
with its own store directory, routed into one JetStream cluster; it can
kill -9, stop and start any of them by the PID it holds, and stops exactly
what it started.  hosts() starts keochatd hosts (kctest.Server) with
backbone = the cluster and a node-name each.  Every wait has a deadline.
"""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

from kctest import KEOCHATD, Server, Skip, SLOW, free_port, wait_for

NATS_SERVER = os.environ.get("NATS_SERVER") or shutil.which("nats-server")


class NatsCluster:
    live = []

    def __init__(self, n=3, name="kctest"):
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
        self.ports = [free_port() for _ in range(n)]
        self.cports = [free_port() for _ in range(n)]
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
               os.path.join(self.dir, "store%d" % i),
               "--cluster_name", self.name,
               "--cluster", "nats://127.0.0.1:%d" % self.cports[i],
               "--routes", routes, "-l", self.logs[i]]
        self.procs[i] = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL)
        wait_for(lambda: self._listening(i), 10, "nats-server %d up" % i)

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
        try:
            with open(self.logs[i], "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def wait_cluster(self, timeout=30):
        """Until the JetStream cluster has a meta leader."""
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
            s.sendall(b'CONNECT {"verbose":false,"pedantic":false}\r\n')
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
        o = {"backbone": nats.urls(), "node-name": "h%d" % i}
        o.update(opts or {})
        s = Server(workers=workers, opts=o, wait_ready=False, **kw)
        out.append(s)
    for s in out:
        s.wait_ready(timeout=30)
    return out


def stop_all():
    for c in list(NatsCluster.live):
        c.stop()
