"""kctest -- the harness of keochat's integration, fault and GUI tests.

Each test file is a TAP producer: it declares test functions with @case,
calls run(), and prints "ok N - name" / "not ok N - name" lines plus "#"
diagnostics.  Servers are private: every Server gets its own runtime dir
and listens on 127.0.0.1 port 0 (the port it got is read from its log).
Nothing here sleeps for a fixed time where a condition can be polled, and
every wait has a deadline.  Only processes this harness started are
signalled, always by PID.
"""
import os
import re
import select
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import traceback

TOP_SRC = os.environ.get("KEO_TOP_SRCDIR",
                         os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
TOP_BUILD = os.environ.get("KEO_TOP_BUILDDIR", TOP_SRC)
KEOCHATD = os.path.join(TOP_BUILD, "src", "server", "keochatd")
# The same daemon with the fault tests' hooks (KEOCHATD_TEST_HOOKS): only
# a check program has them, the installed keochatd does not.
KEOCHATD_TEST = os.path.join(TOP_BUILD, "src", "server", "keochatd-test")
SANITIZED = os.environ.get("KEO_SANITIZERS") == "yes"
SLOW = float(os.environ.get("KEO_TEST_SLOW", "2" if SANITIZED else "1"))

_cases = []
# errno texts that only a wrong call produces (EINVAL, EBADF, EFAULT,
# ENOTSOCK); a log line with one fails the test that stops the server
PROGRAMMING_ERRORS = (r": (Invalid argument|Bad file descriptor|Bad address|"
                      r"Socket operation on non-socket)$")
_cleanups = []


def case(fn):
    """Register a test function (run in order)."""
    _cases.append(fn)
    return fn


def at_exit(fn):
    _cleanups.append(fn)


def diag(msg):
    for line in str(msg).splitlines():
        print("# " + line, flush=True)


class Skip(Exception):
    pass


def run():
    """Run every registered case; print TAP; exit 0 (results are in TAP)."""
    print("1..%d" % len(_cases), flush=True)
    failed = 0
    only = os.environ.get("KC_ONLY", "").split(",")
    for i, fn in enumerate(_cases, 1):
        name = fn.__name__
        t0 = time.monotonic()
        try:
            if only != [""] and name not in only:
                raise Skip("not in KC_ONLY")
            fn()
            print("ok %d - %s" % (i, name), flush=True)
        except Skip as e:
            print("ok %d - %s # SKIP %s" % (i, name, e), flush=True)
        except Exception:
            failed += 1
            print("not ok %d - %s" % (i, name), flush=True)
            diag(traceback.format_exc())
            for s in list(Server.live):
                diag("--- log of server %d (last 40 lines) ---" % s.pid)
                diag("\n".join(s.log_text().splitlines()[-40:]))
        diag("%s took %.2fs" % (name, time.monotonic() - t0))
        for s in list(Server.live):
            s.stop(check=False)
    for fn in _cleanups:
        try:
            fn()
        except Exception:
            diag(traceback.format_exc())
    sys.exit(0)


def wait_for(pred, timeout=5.0, what="condition", interval=0.02):
    """Poll pred() until it returns a true value; return that value."""
    end = time.monotonic() + timeout * SLOW
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError("timed out after %.1fs waiting for %s" %
                                 (timeout * SLOW, what))
        time.sleep(interval)


def free_port():
    """A 127.0.0.1 port that was free a moment ago (the caller retries if
    someone else takes it first)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def check(cond, msg="check failed"):
    if not cond:
        raise AssertionError(msg)


# --- processes -----------------------------------------------------------

def proc_children(pid):
    kids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
        except OSError:
            continue
        rest = st[st.rindex(")") + 2:].split()
        if int(rest[1]) == pid:
            kids.append(int(d))
    return kids


def proc_alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            st = f.read()
        return st[st.rindex(")") + 2] != "Z"
    except OSError:
        return False


def proc_cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        st = f.read()
    rest = st[st.rindex(")") + 2:].split()
    return int(rest[11]) + int(rest[12])


def proc_rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def proc_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


class Server:
    """A private keochatd.  opts are -o KEY=VALUE pairs."""
    live = []

    def __init__(self, workers=None, opts=None, env=None, args=None,
                 listen="127.0.0.1:0", config_text=None, wait_ready=True,
                 valgrind=None, preexec=None):
        if workers is None:
            # a test that does not ask runs on one worker, or on as many as
            # KEO_TEST_WORKERS says (the suite is run with 4 that way too)
            workers = int(os.environ.get("KEO_TEST_WORKERS", "1"))
        self.dir = tempfile.mkdtemp(prefix="kctest-")
        os.chmod(self.dir, 0o711)   # a server dropping to 'user' reaches run/
        self.rundir = os.path.join(self.dir, "run")
        self.logpath = os.path.join(self.dir, "keochatd.log")
        self.statedir = os.path.join(self.dir, "state")
        o = {"runtime-dir": self.rundir, "log-level": "debug",
             "state-dir": self.statedir, "tls-listen": "127.0.0.1:0",
             "autojoin": "#lobby", "flood-rate": "0",
             "registration-timeout": "30", "watchdog-timeout": "10",
             "max-clients-per-ip": "0"}
        o.update(opts or {})
        self.opts = o
        binary = KEOCHATD_TEST if "KEOCHATD_TEST_HOOKS" in (env or {}) \
            else KEOCHATD
        cmd = list(valgrind or []) + [binary, "-w", str(workers)]
        if config_text is not None:
            self.config = os.path.join(self.dir, "keochatd.conf")
            with open(self.config, "w") as f:
                f.write(config_text)
            cmd += ["-f", self.config]
        else:
            cmd += ["-f", "/dev/null"]
        if listen:
            cmd += ["-l", listen]
        for k, v in o.items():
            cmd += ["-o", "%s=%s" % (k, v)]
        cmd += list(args or [])
        e = dict(os.environ)
        e.update(env or {})
        self.log = open(self.logpath, "wb")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=e,
                                     preexec_fn=preexec)
        self.pid = self.proc.pid
        self.workers = workers
        self.port = None
        Server.live.append(self)
        if wait_ready:
            self.wait_ready()

    def log_text(self):
        try:
            with open(self.logpath, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def wait_log(self, pattern, timeout=5.0, count=1, since=0):
        rx = re.compile(pattern, re.M)

        def found():
            m = rx.findall(self.log_text()[since:])
            return m if len(m) >= count else None
        return wait_for(found, timeout, "log line /%s/ x%d" % (pattern, count))

    def log_mark(self):
        return len(self.log_text())

    def wait_ready(self, timeout=10.0):
        def ready():
            if self.proc.poll() is not None:
                raise AssertionError("keochatd exited with %s:\n%s" %
                                     (self.proc.returncode, self.log_text()))
            return "master: ready:" in self.log_text()
        wait_for(ready, timeout, "keochatd ready")
        m = re.search(r"listening on (\S+):(\d+)", self.log_text())
        self.port = int(m.group(2)) if m else None
        m = re.search(r"listening for TLS on (\S+):(\d+)", self.log_text())
        self.tls_port = int(m.group(2)) if m else None
        m = re.search(r"TLS certificate \S+ \(SHA-256 fingerprint "
                      r"([0-9a-f]{64})\)", self.log_text())
        self.tls_fp = m.group(1) if m else None

    def children(self):
        """{'relay': pid, 0: pid, 1: pid ...} from the start lines."""
        roles = {}
        for m in re.finditer(r"started (relay|worker (\d+)) \(pid (\d+)\)",
                             self.log_text()):
            key = "relay" if m.group(1) == "relay" else int(m.group(2))
            roles[key] = int(m.group(3))
        return roles

    def worker_pid(self, wid):
        return self.children()[wid]

    def all_pids(self):
        return [self.pid] + proc_children(self.pid)

    def all_alive(self):
        kids = self.children()
        return proc_alive(self.pid) and all(proc_alive(p) for p in kids.values())

    def cpu_ticks(self):
        t = 0
        for p in self.all_pids():
            try:
                t += proc_cpu_ticks(p)
            except OSError:
                pass
        return t

    def connect(self, nick=None, autojoin=True, caps=None, tls=False, **kw):
        if tls:
            kw.setdefault("tls", tls_context() if tls is True else tls)
            c = Client(self.tls_port, **kw)
        else:
            c = Client(self.port, **kw)
        if nick:
            c.register(nick, autojoin=autojoin and
                       self.opts.get("autojoin") != "", caps=caps)
        return c

    def signal(self, sig):
        os.kill(self.pid, sig)

    def stop(self, check=True, timeout=8.0):
        if self in Server.live:
            Server.live.remove(self)
        rc = self.proc.poll()
        if rc is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
                rc = self.proc.wait(timeout=timeout * SLOW)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                rc = self.proc.wait()
                if check:
                    raise AssertionError("keochatd did not stop in time")
        self.log.close()
        if check and rc != 0:
            raise AssertionError("keochatd exited with %d:\n%s" % (rc, self.log_text()))
        if check:
            # a system call refused for a bad argument or descriptor is a
            # bug in keochatd, whatever the test was about
            bad = [l for l in self.log_text().splitlines()
                   if re.search(PROGRAMMING_ERRORS, l)]
            if bad:
                raise AssertionError("keochatd logged a programming error:\n"
                                     + "\n".join(bad[:10]))
        shutil.rmtree(self.dir, ignore_errors=True)
        return rc


# --- clients ------------------------------------------------------------------

def tls_context(cafile=None, certfile=None, keyfile=None):
    """A client TLS context: verifying against cafile, or (none given)
    trusting anything, as for the generated self-signed certificate."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if cafile:
        ctx.load_verify_locations(cafile)
        ctx.check_hostname = True
    else:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if certfile:
        ctx.load_cert_chain(certfile, keyfile)
    return ctx


class Client:
    """A line-oriented IRC test client, over TLS when tls is a context."""

    def __init__(self, port, host="127.0.0.1", bind=None, rcvbuf=None,
                 timeout=5.0, tls=None, server_hostname="localhost"):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        if bind:
            self.sock.bind((bind, 0))
        self.sock.settimeout(timeout * SLOW)
        self.sock.connect((host, port))
        if tls is not None:
            self.sock = tls.wrap_socket(self.sock,
                                        server_hostname=server_hostname)
        self.sock.setblocking(False)
        self.buf = b""
        self.lines = []      # received, not yet consumed
        self.seen = []       # every line ever received
        self.closed = False
        self.nick = None

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        if not data.endswith(b"\n"):
            data += b"\r\n"
        self.sock.setblocking(True)
        self.sock.settimeout(5.0 * SLOW)
        self.sock.sendall(data)
        self.sock.setblocking(False)

    def send_raw(self, data):
        self.sock.setblocking(True)
        self.sock.settimeout(5.0 * SLOW)
        self.sock.sendall(data)
        self.sock.setblocking(False)

    def _fill(self, timeout):
        if self.closed:
            return False
        tls = isinstance(self.sock, ssl.SSLSocket)
        if not (tls and self.sock.pending()):
            r, _, _ = select.select([self.sock], [], [], timeout)
            if not r:
                return False
        try:
            d = self.sock.recv(262144)
        except (ConnectionResetError, BrokenPipeError, ssl.SSLEOFError,
                ssl.SSLZeroReturnError):
            d = b""
        except (BlockingIOError, ssl.SSLWantReadError,
                ssl.SSLWantWriteError):
            return False
        if not d:
            self.closed = True
            return False
        self.buf += d
        while b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
            line = line.rstrip(b"\r").decode("utf-8", "replace")
            self.lines.append(line)
            self.seen.append(line)
        return True

    def poll(self, timeout=0.0):
        """Read what has arrived (waiting up to timeout for something)."""
        got = self._fill(timeout)
        while got and self._fill(0):
            pass
        return self.lines

    def expect(self, pattern, timeout=5.0, consume=True):
        """The first pending line matching pattern (regex); the lines
        before it are consumed too when consume is true."""
        rx = re.compile(pattern)
        end = time.monotonic() + timeout * SLOW
        while True:
            for i, line in enumerate(self.lines):
                if rx.search(line):
                    if consume:
                        del self.lines[:i + 1]
                    return line
            left = end - time.monotonic()
            if left <= 0 or (self.closed and not self._fill(0)):
                raise AssertionError("no line /%s/ within %.1fs; got:\n%s" % (
                    pattern, timeout * SLOW, "\n".join(self.lines[-30:])))
            self._fill(min(left, 0.2))

    def expect_numeric(self, num, timeout=5.0):
        return self.expect(r"^(@\S+ )?:\S+ %s " % num, timeout)

    def not_expect(self, pattern, wait=0.3):
        rx = re.compile(pattern)
        self.poll(wait * SLOW)
        for line in self.lines:
            if rx.search(line):
                raise AssertionError("unexpected line: %s" % line)

    def drain(self, wait=0.05):
        self.poll(wait)
        self.lines = []

    def register(self, nick, user="u", real="Test User", autojoin=True,
                 caps=None):
        if caps:
            self.send("CAP LS 302")
            self.send("CAP REQ :%s" % " ".join(caps))
        self.send("NICK %s" % nick)
        self.send("USER %s 0 * :%s" % (user, real))
        if caps:
            self.expect(r"CAP \S+ ACK")
            self.send("CAP END")
        self.expect_numeric("001")
        self.nick = nick
        if autojoin:
            self.expect_numeric("366")
        return self

    def wait_closed(self, timeout=5.0):
        end = time.monotonic() + timeout * SLOW
        while not self.closed and time.monotonic() < end:
            self._fill(0.1)
        if not self.closed:
            raise AssertionError("connection still open")

    def worker(self):
        """Which worker holds this connection (from INFO)."""
        self.send("INFO")
        line = self.expect(r"You are on worker (\d+)")
        self.expect_numeric("374")
        return int(re.search(r"worker (\d+)", line).group(1))

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
        self.closed = True


def clients_on_workers(server, n_workers_wanted, prefix, count=16, **kw):
    """Connect and register count clients; return them grouped by worker."""
    by = {}
    out = []
    for i in range(count):
        c = server.connect("%s%d" % (prefix, i), **kw)
        by.setdefault(c.worker(), []).append(c)
        out.append(c)
        if len(by) >= n_workers_wanted and i >= n_workers_wanted:
            break
    return by, out


def healthy(server, timeout=2.0, cpu_check=True):
    """The checks every fault test ends with: every process alive, a fresh
    pair registers and talks within a second, and nobody burns CPU."""
    check(server.all_alive(), "a keochatd process died")
    tag = "h%d" % (int(time.monotonic() * 1000) % 100000)
    t0 = time.monotonic()
    a = server.connect(tag + "a")
    b = server.connect(tag + "b")
    b.drain()
    a.send("PRIVMSG %s :health check" % (tag + "b"))
    b.expect(r"PRIVMSG %s :health check" % (tag + "b"), timeout)
    took = time.monotonic() - t0
    check(took < 1.0 * SLOW + 1.0, "fresh pair took %.2fs to talk" % took)
    a.close()
    b.close()
    if cpu_check:
        # 50 ticks = 0.5 s of CPU: a busy loop in any process shows up in
        # every window; the tail of a catch-up (slow under the sanitizers,
        # seen once in CI) is over by the next one
        for _ in range(3):
            t1 = server.cpu_ticks()
            time.sleep(0.5)
            used = server.cpu_ticks() - t1
            if used < 15:
                break
        check(used < 15, "keochatd used %d ticks of CPU in each of three "
              "0.5s idle windows" % used)


# --- certificates, made at test time ------------------------------------------

def openssl(*args, cwd=None):
    """Run the openssl command line tool; its output, or an error."""
    p = subprocess.run(["openssl"] + list(args), cwd=cwd,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if p.returncode != 0:
        raise AssertionError("openssl %s failed:\n%s" %
                             (" ".join(args), p.stdout.decode("utf-8", "replace")))
    return p.stdout.decode("utf-8", "replace")


def make_ca(d, name="ca"):
    """A test CA in d: (cert, key) paths."""
    cert, key = os.path.join(d, name + ".pem"), os.path.join(d, name + ".key")
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt",
            "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert,
            "-days", "400", "-subj", "/CN=keochat test CA " + name,
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    return cert, key


def make_cert(d, name, ca, server=True, cn=None, days=2, crl=False):
    """A certificate signed by ca (a (cert, key) pair) in d: (cert, key);
    a server one names localhost and 127.0.0.1.  crl: it points to a
    revocation list and an OCSP responder, as a real CA's would."""
    cert, key = os.path.join(d, name + ".pem"), os.path.join(d, name + ".key")
    csr, ext = os.path.join(d, name + ".csr"), os.path.join(d, name + ".ext")
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-nodes", "-keyout", key, "-out", csr, "-subj",
            "/CN=" + (cn or name))
    with open(ext, "w") as f:
        if server:
            f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n"
                    "extendedKeyUsage=serverAuth\n")
        else:
            f.write("extendedKeyUsage=clientAuth\n")
        if crl:
            f.write("crlDistributionPoints=URI:http://127.0.0.1/ca.crl\n"
                    "authorityInfoAccess=OCSP;URI:http://127.0.0.1/ocsp\n")
    openssl("x509", "-req", "-in", csr, "-CA", ca[0], "-CAkey", ca[1],
            "-CAcreateserial", "-out", cert, "-days", str(days), "-extfile",
            ext)
    return cert, key


def cert_fingerprint(path):
    """SHA-256 of a PEM certificate's DER form, lower-case hex."""
    import hashlib
    with open(path) as f:
        der = ssl.PEM_cert_to_DER_cert(f.read())
    return hashlib.sha256(der).hexdigest()


# --- SASL, as a client does it ----------------------------------------------

def sasl_chunks(data):
    """AUTHENTICATE lines for a payload: base64 in 400-byte pieces, '+'
    for an empty one or after an exact multiple of 400."""
    import base64
    b = base64.b64encode(data).decode()
    if not b:
        return ["AUTHENTICATE +"]
    out = ["AUTHENTICATE " + b[i:i + 400] for i in range(0, len(b), 400)]
    if len(b) % 400 == 0:
        out.append("AUTHENTICATE +")
    return out


def sasl_read(c, timeout=5.0):
    """The server's next AUTHENTICATE payload (joined, decoded)."""
    import base64
    b = ""
    while True:
        line = c.expect(r"^AUTHENTICATE \S+$", timeout)
        part = line.split(" ", 1)[1]
        if part != "+":
            b += part
        if len(part) < 400:
            return base64.b64decode(b)


def sasl_plain(c, account, password, authzid=""):
    c.send("AUTHENTICATE PLAIN")
    c.expect(r"^AUTHENTICATE \+$")
    for l in sasl_chunks(("%s\0%s\0%s" % (authzid, account, password))
                         .encode()):
        c.send(l)


def sasl_scram(c, account, password, nonce=None):
    """SCRAM-SHA-256 (RFC 5802/7677) to the end; returns the server's
    final message (or raises when it sends 904 first)."""
    import base64, hashlib, hmac, os as _os
    cnonce = nonce or base64.b64encode(_os.urandom(18)).decode()
    c.send("AUTHENTICATE SCRAM-SHA-256")
    c.expect(r"^AUTHENTICATE \+$")
    bare = "n=%s,r=%s" % (account.replace("=", "=3D").replace(",", "=2C"),
                          cnonce)
    for l in sasl_chunks(("n,," + bare).encode()):
        c.send(l)
    sfirst = sasl_read(c).decode()
    attrs = dict(kv.split("=", 1) for kv in sfirst.split(","))
    check(attrs["r"].startswith(cnonce), "server nonce " + sfirst)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(),
                                 base64.b64decode(attrs["s"]), int(attrs["i"]))
    ckey = hmac.new(salted, b"Client Key", "sha256").digest()
    stored = hashlib.sha256(ckey).digest()
    final_wo = "c=biws,r=" + attrs["r"]
    auth = ",".join([bare, sfirst, final_wo]).encode()
    sig = hmac.new(stored, auth, "sha256").digest()
    proof = bytes(a ^ b for a, b in zip(ckey, sig))
    for l in sasl_chunks((final_wo + ",p=" +
                          base64.b64encode(proof).decode()).encode()):
        c.send(l)
    line = c.expect(r"^(AUTHENTICATE \S+|:\S+ 904 .*)$")
    if " 904 " in line:
        return None
    c.lines.insert(0, line)
    sfinal = sasl_read(c).decode()
    skey = hmac.new(salted, b"Server Key", "sha256").digest()
    want = "v=" + base64.b64encode(hmac.new(skey, auth, "sha256").digest()
                                   ).decode()
    check(sfinal == want, "server signature %s != %s" % (sfinal, want))
    c.send("AUTHENTICATE +")
    return sfinal


def gone(c):
    """Quit and wait until the server let the nick go."""
    c.send("QUIT")
    c.wait_closed()


def login(s, nick, pw, caps=(), account=None):
    """A client logged in to account (nick by default) with SASL PLAIN."""
    c = s.connect()
    c.send("CAP REQ :%s" % " ".join(["sasl"] + list(caps)))
    c.expect(r"CAP \S+ ACK")
    c.send("NICK %s" % nick)
    c.send("USER u 0 * :u")
    sasl_plain(c, account or nick, pw)
    c.expect(r" 903 ")
    c.send("CAP END")
    c.expect_numeric("001")
    c.nick = nick
    return c


def register_account(server, nick, password, **kw):
    """A client that registered the account nick (REGISTER) and is in."""
    c = server.connect(**kw)
    c.send("NICK %s" % nick)
    c.send("USER u 0 * :Test User")
    c.expect_numeric("001")
    c.nick = nick
    c.send("REGISTER * %s" % password)
    c.expect(r" REGISTER SUCCESS %s " % nick, 15)
    c.expect_numeric("900")
    return c
