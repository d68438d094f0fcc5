"""The KEO Chat window over TLS: a certificate it cannot verify shows its
SHA-256 fingerprint (the one keochatd logged) and is asked about once,
then remembered; the password field logs in with SASL (SCRAM-SHA-256);
an sts policy moves a plain-text connection to TLS and is kept."""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guitest import *  # noqa: E402,F401,F403

PW = "window-secret-9"


@case
def fingerprint_prompt_then_sasl_login():
    require_gui()
    s = Server(workers=2)
    register_account(s, "winuser", PW).send("QUIT")
    watcher = s.connect("watcher", caps=["extended-join"])
    home = tempfile.mkdtemp(prefix="kc-gui-home-")
    at_exit(lambda: shutil.rmtree(home, ignore_errors=True))
    x = Xvfb()
    try:
        c = Keochat(x, ["-server", "localhost:1"], env={
            "HOME": home, "XDG_CONFIG_HOME": os.path.join(home, "cfg")})
        c.type_into("server", "ircs://127.0.0.1:%d" % s.tls_port)
        c.type_into("user", "winuser")
        c.type_into("password", PW)
        st = c.wait(lambda st: st.get("passwordfield") == "*" * len(PW), 5,
                    "the password shown as stars")
        c.click("connect")
        st = c.wait(lambda st: st.get("certdialog") == "1", 15,
                    "the certificate question")
        text = st.get("certtext", "")
        # the fingerprint keochatd logged, in two halves
        check(s.tls_fp[:32] in text and s.tls_fp[32:] in text,
              "fingerprint %s not in: %s" % (s.tls_fp, text))
        c.wait_text(r"its SHA-256 fingerprint is %s" % s.tls_fp)
        c.screenshot("tls-certificate-question")
        # Accept is the dialog's default button: Return, as a person would
        wid = c.dialog("Certificate")[0]
        x.run("xdotool", "windowfocus", "--sync", wid)
        c.key("Return")
        c.wait_text(r"The certificate %s is remembered" % s.tls_fp)
        c.wait_text(r"Encrypted with TLSv1\.[23]", 15)
        c.wait_text(r"Logged in as winuser", 15)
        c.wait_text(r"You connected")
        s.wait_log(r"login: winuser \(127\.0\.0\.1\) as account winuser")
        watcher.expect(r":winuser!\S+ JOIN #lobby winuser :", 10)
        # no question the second time: the certificate is known
        c.click("connect")
        c.wait_text(r"You disconnected")
        c.click("connect")
        c.wait(lambda st: st["alltext"].count("Encrypted with") == 2, 15,
               "the second TLS connection")
        check(c.state().get("certdialog") == "0", "asked again")
        with open(os.path.join(home, "cfg", "keochat", "known-certs")) as f:
            check("127.0.0.1:%d %s" % (s.tls_port, s.tls_fp) in f.read(),
                  "known-certs")
        check(c.quit() == 0, "keochat did not exit cleanly")
    finally:
        x.stop()
    s.stop()


@case
def sts_moves_a_plain_connection_to_tls():
    require_gui()
    d = tempfile.mkdtemp(prefix="kc-gui-sts-")
    at_exit(lambda: shutil.rmtree(d, ignore_errors=True))
    ca = make_ca(d)
    srv = make_cert(d, "server", ca)
    s = Server(opts={"tls-cert": srv[0], "tls-key": srv[1],
                     "sts-duration": "3600"})
    x = Xvfb()
    env = {"HOME": d, "XDG_CONFIG_HOME": os.path.join(d, "cfg"),
           "SSL_CERT_FILE": ca[0]}      # the client trusts our CA
    try:
        c = Keochat(x, ["-server", "127.0.0.1:%d" % s.port, "-nick",
                        "stsuser", "-connect"], env=env)
        c.wait_text(r"asks for TLS on port %d \(sts\): reconnecting there"
                    % s.tls_port, 15)
        c.wait_text(r"Encrypted with TLSv1\.[23]", 15)
        c.wait_text(r"You connected")
        check(c.quit() == 0, "keochat did not exit cleanly")
        with open(os.path.join(d, "cfg", "keochat", "sts")) as f:
            check(f.read().startswith("127.0.0.1 %d " % s.tls_port),
                  "the sts policy was not kept")
        # the next start goes to TLS at once
        c = Keochat(x, ["-server", "127.0.0.1:%d" % s.port, "-nick",
                        "stsuser", "-connect"], env=env)
        c.wait_text(r"wants TLS \(sts\): connecting to port %d with TLS"
                    % s.tls_port, 15)
        c.wait_text(r"Encrypted with", 15)
        check(c.quit() == 0, "keochat did not exit cleanly")
    finally:
        x.stop()
    s.stop()


run()
