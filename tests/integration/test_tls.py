"""TLS on keochatd: the generated certificate, a configured one (a CA made
here with openssl), client certificate fingerprints, STS, reload on SIGHUP,
tls-only, and the handshakes that go wrong.  Python's ssl module is
OpenSSL, the same library many clients use."""
import os
import re
import socket
import ssl
import stat
import subprocess
import sys
import subprocess
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from kctest import *  # noqa: E402,F401,F403


def certs(d=None):
    """A CA, a server certificate for localhost and a client one."""
    d = d or tempfile.mkdtemp(prefix="kc-certs-")
    at_exit(lambda: shutil.rmtree(d, ignore_errors=True))
    ca = make_ca(d)
    return d, ca, make_cert(d, "server", ca), make_cert(d, "client", ca,
                                                        server=False)


def peer_fp(c):
    import hashlib
    return hashlib.sha256(c.sock.getpeercert(binary_form=True)).hexdigest()


@case
def generated_certificate_serves_tls_and_whois_says_so():
    s = Server()
    check(s.tls_port and s.tls_fp, "no TLS listener or fingerprint logged")
    key = os.path.join(s.statedir, "tls-key.pem")
    check(stat.S_IMODE(os.stat(key).st_mode) == 0o600, "key mode")
    a = s.connect("secure", tls=True)
    check(a.sock.version() in ("TLSv1.2", "TLSv1.3"), a.sock.version())
    check(peer_fp(a) == s.tls_fp, "served certificate != logged fingerprint")
    a.send("WHOIS secure")
    a.expect(r" 671 secure secure :is using a secure connection$")
    a.expect(r" 379 secure secure :is using modes \+Z")
    a.expect(r" 318 ")
    a.send("MODE secure -Z")
    a.not_expect(r" MODE secure :-Z")
    b = s.connect("plain")
    b.send("WHOIS secure")
    b.expect(r" 671 plain secure ")
    b.send("WHOIS plain")
    line = b.expect(r" 318 plain plain ")
    check(not any(" 671 plain plain " in l for l in b.seen), "plain is +Z")
    # a room shared by a TLS and a plain member, both ways
    a.send("PRIVMSG #lobby :over tls")
    b.expect(r":secure!\S+ PRIVMSG #lobby :over tls$")
    b.send("PRIVMSG #lobby :over tcp")
    a.expect(r":plain!\S+ PRIVMSG #lobby :over tcp$")
    # no sts with a certificate nobody can verify
    b.send("CAP LS 302")
    line = b.expect(r" CAP plain LS :")
    check(" sts" not in line, line)
    s.stop()


@case
def certificate_is_kept_across_restarts():
    d = tempfile.mkdtemp(prefix="kc-state-")
    at_exit(lambda: shutil.rmtree(d, ignore_errors=True))
    s = Server(opts={"state-dir": d})
    fp = s.tls_fp
    s.stop()
    s = Server(opts={"state-dir": d})
    check(s.tls_fp == fp, "a new certificate was made")
    check("made a self-signed" not in s.log_text(), "remade")
    s.stop()


@case
def client_certificate_fingerprint_in_whois():
    d, ca, srv, cli = certs()
    s = Server(workers=2)
    a = s.connect("withcert", tls=tls_context(certfile=cli[0],
                                              keyfile=cli[1]))
    fp = cert_fingerprint(cli[0])
    a.send("WHOIS withcert")
    a.expect(r" 276 withcert withcert :has client certificate fingerprint "
             + fp + "$")
    a.expect(r" 318 ")
    # others see that the link is secure, not the fingerprint, whatever
    # worker they are on
    _, others = clients_on_workers(s, 2, "peer")
    for o in others:
        o.send("WHOIS withcert")
        o.expect(r" 671 %s withcert " % o.nick)
        o.expect(r" 318 %s withcert " % o.nick)
        check(not any(" 276 " in l for l in o.seen), "276 shown to " + o.nick)
    s.stop()


@case
def configured_certificate_verifies_and_offers_sts():
    d, ca, srv, cli = certs()
    s = Server(opts={"tls-cert": srv[0], "tls-key": srv[1],
                     "sts-duration": "600"})
    check(s.tls_fp == cert_fingerprint(srv[0]), "logged fingerprint")
    v = s.connect("verified", tls=tls_context(cafile=ca[0]))
    check(v.sock.getpeercert()["subject"], "no subject")
    v.send("CAP LS 302")
    line = v.expect(r" CAP verified LS :")
    check(" sts=duration=600" in line + " ", line)
    p = s.connect()
    p.send("CAP LS 302")
    line = p.expect(r" CAP \* LS :")
    check("sts=port=%d,duration=600" % s.tls_port in line, line)
    q = s.connect()
    q.send("CAP LS")           # 3.1: names only
    line = q.expect(r" CAP \* LS :")
    check(" sts " in line + " ", line)
    p.send("CAP REQ :sts")
    p.expect(r" CAP \* NAK :sts$")
    # a client that checks the name refuses a certificate for another one
    ctx = tls_context(cafile=ca[0])
    try:
        Client(s.tls_port, tls=ctx, server_hostname="not-this-host.example")
        raise AssertionError("the name check passed")
    except ssl.SSLCertVerificationError:
        pass
    s.stop()


@case
def sighup_rereads_the_certificate_and_keeps_links():
    d, ca, srv, cli = certs()
    cert, key = os.path.join(d, "live.pem"), os.path.join(d, "live.key")
    shutil.copy(srv[0], cert)
    shutil.copy(srv[1], key)
    s = Server(workers=2, opts={"tls-cert": cert, "tls-key": key})
    old = s.connect("keeper", tls=tls_context(cafile=ca[0]))
    check(peer_fp(old) == cert_fingerprint(srv[0]), "first certificate")
    new = make_cert(d, "server2", ca)
    shutil.copy(new[0], cert)
    shutil.copy(new[1], key)
    mark = s.log_mark()
    s.signal(signal.SIGHUP)
    s.wait_log(r"worker \d+: TLS certificate replaced", count=2, since=mark)
    s.wait_log(r"configuration reloaded", since=mark)
    old.send("PING :still")
    old.expect(r"PONG \S+ :still$")
    c = s.connect("fresh", tls=tls_context(cafile=ca[0]))
    check(peer_fp(c) == cert_fingerprint(new[0]), "not the new certificate")
    # a broken pair: logged, the one in use stays
    with open(cert, "w") as f:
        f.write("this is not a certificate\n")
    mark = s.log_mark()
    s.signal(signal.SIGHUP)
    s.wait_log(r"tls-cert %s: not a PEM certificate chain .*; keeping the "
               r"certificate in use" % re.escape(cert), count=2, since=mark)
    s.wait_log(r"configuration reloaded", since=mark)
    e = s.connect("after", tls=tls_context(cafile=ca[0]))
    check(peer_fp(e) == cert_fingerprint(new[0]), "lost the good one")
    old.send("PING :again")
    old.expect(r"PONG \S+ :again$")
    s.stop()


@case
def plain_text_on_the_tls_port_is_told_and_closed():
    s = Server()
    c = Client(s.tls_port)
    c.send("NICK confused")
    c.expect(r"^ERROR :Closing Link: 127\.0\.0\.1 \(This port speaks TLS")
    c.wait_closed()
    s.wait_log(r"plain text from 127\.0\.0\.1 on a TLS port; closing")
    healthy(s)
    s.stop()


@case
def tls_on_the_plain_port_is_closed():
    s = Server()
    raw = socket.create_connection(("127.0.0.1", s.port), timeout=5)
    ctx = tls_context()
    try:
        t = ctx.wrap_socket(raw, server_hostname="localhost")
        t.close()
        raise AssertionError("a TLS handshake succeeded on the plain port")
    except (ssl.SSLError, ConnectionResetError, OSError):
        pass
    s.wait_log(r"TLS handshake from 127\.0\.0\.1 on a plain-text port; "
               r"closing")
    healthy(s)
    s.stop()


@case
def broken_and_stalled_handshakes():
    s = Server(opts={"tls-handshake-timeout": "1"})
    # a record header and then nonsense
    bad = socket.create_connection(("127.0.0.1", s.tls_port), timeout=5)
    bad.sendall(b"\x16\x03\x01\x00\x10" + b"\xff" * 16)
    s.wait_log(r"TLS handshake from 127\.0\.0\.1 failed: ")
    # half a ClientHello, then silence
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    inb, outb = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inb, outb, server_hostname="localhost")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    hello = outb.read()
    stall = socket.create_connection(("127.0.0.1", s.tls_port), timeout=5)
    stall.sendall(hello[:len(hello) // 2])
    silent = socket.create_connection(("127.0.0.1", s.tls_port), timeout=5)
    s.wait_log(r"TLS handshake from 127\.0\.0\.1 timed out after 1 s",
               timeout=10, count=2)
    for sock in (stall, silent):
        sock.settimeout(5 * SLOW)
        check(sock.recv(100) == b"", "still open")
        sock.close()
    bad.close()
    # and a client in the middle of it all still gets through
    ok = s.connect("fine", tls=True)
    ok.send("PING :x")
    ok.expect(r"PONG \S+ :x$")
    healthy(s)
    s.stop()


@case
def a_slow_reader_over_tls_gets_every_line_in_order():
    """The writer side of TLS under pressure: a reader that does not read
    while 4000 lines arrive makes the server retry its writes (WANT_WRITE,
    spilled output); every line must come through once, in order."""
    s = Server(workers=2, opts={"sendq": "67108864"})
    r = s.connect("slowread", tls=True, rcvbuf=4096)
    w = s.connect("writer", tls=True)
    n = 20000               # 8 MB: more than the kernel buffers hold
    body = "x" * 400
    for i in range(0, n, 200):
        w.send("".join("PRIVMSG slowread :%d %s\r\n" % (k, body)
                       for k in range(i, i + 200)))
    w.send("PING :done")
    w.expect(r"PONG \S+ :done$", 60)
    got = []
    end = time.monotonic() + 60 * SLOW
    while len(got) < n and time.monotonic() < end:
        r.poll(0.5)
        for l in r.lines:
            m = re.search(r" PRIVMSG slowread :(\d+) x+$", l)
            if m:
                got.append(int(m.group(1)))
        r.lines = []
    check(got == list(range(n)), "got %d lines, first wrong at %s" % (
        len(got), next((i for i, v in enumerate(got) if v != i), None)))
    s.stop()


@case
def tls_only_refuses_plain_text_except_from_loopback():
    s = Server(opts={"tls-only": "yes"})
    local = s.connect("local")         # 127.0.0.1 may still use plain text
    remote = Client(s.port, bind="127.0.0.2")
    remote.expect(r"^ERROR :Closing Link: 127\.0\.0\.2 \(This server takes "
                  r"TLS connections only\)")
    remote.wait_closed()
    s.wait_log(r"refused plain-text connection from 127\.0\.0\.2: tls-only")
    t = s.connect("overtls", tls=True, bind="127.0.0.2")
    t.send("PING :y")
    t.expect(r"PONG \S+ :y$")
    local.send("PING :z")
    local.expect(r"PONG \S+ :z$")
    s.stop()


@case
def a_broken_certificate_refuses_to_start_and_configtest_says_why():
    d = tempfile.mkdtemp(prefix="kc-badcert-")
    at_exit(lambda: shutil.rmtree(d, ignore_errors=True))
    bad = os.path.join(d, "bad.pem")
    with open(bad, "w") as f:
        f.write("-----BEGIN CERTIFICATE-----\nnot base64 at all\n"
                "-----END CERTIFICATE-----\n")
    args = [KEOCHATD, "-f", "/dev/null", "-o", "tls-cert=" + bad,
            "-o", "state-dir=" + d, "-o", "runtime-dir=" + d + "/run",
            "-l", "127.0.0.1:0", "-o", "tls-listen=127.0.0.1:0"]
    p = subprocess.run(args + ["--configtest"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=30)
    out = p.stdout.decode()
    check(p.returncode == 2, "configtest exit %d: %s" % (p.returncode, out))
    check("tls-cert %s: not a PEM certificate chain" % bad in out, out)
    p = subprocess.run(args, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=30)
    out = p.stdout.decode()
    check(p.returncode == 2, "start exit %d: %s" % (p.returncode, out))
    check("not a PEM certificate chain" in out, out)
    p = subprocess.run(args[:3] + args[5:] + ["--configtest"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=30)
    out = p.stdout.decode()
    check(p.returncode == 0 and "configuration OK" in out, out)
    check("a self-signed certificate will be made" in out, out)


@case
def socket_activation_hands_over_the_tls_port():
    tool = shutil.which("systemd-socket-activate")
    if tool is None:
        raise Skip("systemd-socket-activate is not installed")
    for _ in range(5):
        port, tport = free_port(), free_port()
        s = Server(workers=2, listen=None, wait_ready=False,
                   opts={"tls-listen": ""},
                   valgrind=[tool, "-l", "127.0.0.1:%d" % port,
                             "-l", "127.0.0.1:%d" % tport,
                             "--fdname=irc:tls"])
        try:
            wait_for(lambda: s.log_text().count("Listening on") >= 2 or
                     s.proc.poll() is not None, 10, "the activator")
        except AssertionError:
            pass
        if s.proc.poll() is None:
            break
        s.stop(check=False)
    s.port, s.tls_port = port, tport
    c = Client(tport, tls=tls_context())   # starts keochatd
    c.send("NICK viatls\r\nUSER a 0 * :a")
    c.expect_numeric("001", 15)
    s.wait_log(r"listening for TLS on 127\.0\.0\.1:%d \(from systemd\)"
               % tport)
    s.wait_log(r"listening on 127\.0\.0\.1:%d \(from systemd\)" % port)
    s.wait_ready()
    d = s.connect("plainside")
    d.send("PRIVMSG viatls :hello")
    c.expect(r"PRIVMSG viatls :hello$")
    s.stop()


class SClient:
    """openssl s_client, interactive: its command letters (K: KeyUpdate
    asking for ours, R: renegotiation, Q: quit) work only without -quiet,
    so no line sent may start with another of them."""

    def __init__(self, port, *args):
        self.p = subprocess.Popen(
            ["openssl", "s_client", "-connect", "127.0.0.1:%d" % port,
             "-crlf", "-servername", "localhost"] + list(args),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT)
        at_exit(self.close)
        os.set_blocking(self.p.stdout.fileno(), False)
        self.out = b""

    def send(self, line):
        self.p.stdin.write(line.encode() + b"\n")
        self.p.stdin.flush()

    def expect(self, pattern, timeout=10.0):
        import select
        rx = re.compile(pattern.encode())
        end = time.monotonic() + timeout
        while not rx.search(self.out):
            left = end - time.monotonic()
            if left <= 0 or self.p.poll() is not None and \
                    not select.select([self.p.stdout], [], [], 0)[0]:
                raise AssertionError("s_client never printed %r; got:\n%s"
                                     % (pattern, self.out.decode(
                                         "utf-8", "replace")[-1500:]))
            if select.select([self.p.stdout], [], [], left)[0]:
                chunk = self.p.stdout.read()
                if chunk:
                    self.out += chunk
        m = rx.search(self.out)
        self.out = self.out[m.end():]
        return m

    def exited(self, timeout=10.0):
        try:
            self.p.wait(timeout)
            return True
        except subprocess.TimeoutExpired:
            return False

    def close(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()


@case
def records_leave_openssl_and_follow_key_updates():
    """After the handshake a link's records are keochatd's own (the SSL
    object is freed): a real OpenSSL client (s_client) talks to it over
    each TLS 1.3 suite and the TLS 1.2 AEADs, updates its keys and asks
    for ours (K) again and again; renegotiation closes the link; a CBC
    suite stays with OpenSSL and works as before."""
    s = Server(workers=1, opts={"tls-ciphers":
                                "ECDHE+AESGCM:ECDHE+CHACHA20:ECDHE+AES"})
    w = s.connect("watch")
    runs = [("-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256"),
            ("-tls1_3", "-ciphersuites", "TLS_AES_256_GCM_SHA384"),
            ("-tls1_3", "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256"),
            ("-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"),
            ("-tls1_2", "-cipher", "ECDHE-ECDSA-CHACHA20-POLY1305")]
    for i, args in enumerate(runs):
        mark = s.log_mark()
        c = SClient(s.tls_port, *args)
        nick = "sc%d" % i
        c.send("NICK %s" % nick)
        c.send("USER u 0 * :u")
        c.expect(r" 001 %s " % nick)
        s.wait_log(r"TLS from 127\.0\.0\.1: TLSv1\.[23] \S+$", since=mark)
        check("kept by OpenSSL" not in s.log_text()[mark:], args)
        rounds = 3 if args[0] == "-tls1_3" else 0
        for k in range(rounds):
            c.send("K")
            c.expect(r"KEYUPDATE")
            c.send("PING :after-update-%d" % k)
            c.expect(r"PONG \S+ :after-update-%d" % k)
        c.send("PRIVMSG #lobby :" + "x" * 400)
        w.expect(r":%s!\S+ PRIVMSG #lobby :x{400}$" % nick)
        w.send("PRIVMSG #lobby :to " + nick)
        c.expect(r"PRIVMSG #lobby :to %s" % nick)
        if args[0] == "-tls1_2":
            c.send("R")
            check(c.exited(), "renegotiation did not end the link")
            s.wait_log(r"TLS from 127\.0\.0\.1: a record refused: "
                       r"no_renegotiation; closing", since=mark)
        else:
            c.send("quit :bye")  # "Q" at the start is s_client's own
            c.expect(r"ERROR :Closing")
        w.expect(r":%s!\S+ QUIT " % nick)
    mark = s.log_mark()
    c = SClient(s.tls_port, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA256")
    c.send("NICK cbc")
    c.send("USER u 0 * :u")
    c.expect(r" 001 cbc ")
    s.wait_log(r"kept by OpenSSL: a cipher the record layer does not do",
               since=mark)
    c.send("PING :still-openssl")
    c.expect(r"PONG \S+ :still-openssl")
    healthy(s)
    s.stop()


@case
def testssl_finds_nothing_of_medium_severity_or_worse():
    """testssl.sh (Debian's) against the TLS port with a certificate from
    a CA made here, as a site would have one: no finding of severity
    MEDIUM, HIGH or CRITICAL.  The invocation is doc/SECURITY.md's."""
    tool = shutil.which("testssl") or shutil.which("testssl.sh")
    if tool is None:
        raise Skip("testssl.sh is not installed")
    d = tempfile.mkdtemp(prefix="kc-testssl-")
    at_exit(lambda: shutil.rmtree(d, ignore_errors=True))
    ca = make_ca(d)
    srv = make_cert(d, "server", ca, days=365, crl=True)
    s = Server(workers=2, opts={"tls-cert": srv[0], "tls-key": srv[1]})
    out = os.path.join(d, "testssl.json")
    p = subprocess.run([tool, "--quiet", "--color", "0", "--warnings", "off",
                        "--add-ca", ca[0], "--ip", "127.0.0.1",
                        "--jsonfile", out, "localhost:%d" % s.tls_port],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=600)
    import json
    with open(out) as f:
        findings = json.load(f)
    bad = [x for x in findings
           if x["severity"] in ("MEDIUM", "HIGH", "CRITICAL")]
    diag("testssl: %d findings, %s" % (len(findings), ", ".join(
        sorted(set(x["severity"] for x in findings)))))
    check(findings, "testssl wrote nothing:\n" + p.stdout.decode()[-2000:])
    check(not bad, "testssl found:\n" + "\n".join(
        "%s %s: %s" % (x["severity"], x["id"], x["finding"]) for x in bad))
    healthy(s)
    s.stop()


run()
