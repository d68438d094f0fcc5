"""Accounts on a real keochatd: REGISTER and VERIFY, SASL PLAIN, SCRAM-SHA-256
and EXTERNAL with every failure numeric, PASS account:password, NickServ,
registered nicks enforced across workers, failed logins limited, the store
surviving kill -9, --backup, and refusing a damaged store."""
import base64
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from kctest import *  # noqa: E402,F401,F403

PW = "hunter2hunter2"


def prereg(s, nick, caps=("sasl",), **kw):
    """A connection that sent CAP LS/REQ, NICK and USER, not CAP END."""
    c = s.connect(**kw)
    c.send("CAP LS 302")
    if caps:
        c.send("CAP REQ :%s" % " ".join(caps))
    c.send("NICK %s" % nick)
    c.send("USER u 0 * :Test User")
    if caps:
        c.expect(r" CAP \S+ ACK ")
    c.nick = nick
    return c


@case
def register_then_log_in_with_plain_and_scram():
    s = Server(workers=2)
    a = register_account(s, "alice", PW)
    a.send("WHOIS alice")
    a.expect(r" 330 alice alice alice :is logged in as$")
    a.expect(r" 379 alice alice :is using modes \+r")
    b = prereg(s, "bob")
    sasl_plain(b, "alice", PW)
    b.expect(r" 900 bob bob!~u@127\.0\.0\.1 alice :You are now logged in "
             r"as alice$")
    b.expect(r" 903 bob :SASL authentication successful$")
    b.send("CAP END")
    b.expect_numeric("001")
    c = prereg(s, "carol")
    check(sasl_scram(c, "alice", PW) is not None, "SCRAM refused")
    c.expect(r" 900 carol \S+ alice ")
    c.expect(r" 903 carol ")
    c.send("CAP END")
    c.expect_numeric("001")
    # SCRAM with the account name in another case, and with =2C escapes
    d = prereg(s, "dave")
    check(sasl_scram(d, "ALICE", PW) is not None, "casefolded SCRAM")
    d.expect(r" 903 dave ")
    # WHOX a, from another worker's view
    c.send("WHO alice %na")
    c.expect(r" 354 carol alice alice$")
    s.stop()


@case
def every_sasl_failure_has_its_numeric():
    s = Server(opts={"login-fail-max": "100"})
    register_account(s, "alice", PW)
    c = prereg(s, "eve")
    sasl_plain(c, "alice", "wrong password")
    c.expect(r" 904 eve :SASL authentication failed$")
    s.wait_log(r"login failed for account alice from 127\.0\.0\.1: wrong "
               r"password")
    c.send("AUTHENTICATE NOSUCH")
    c.expect(r" 908 eve PLAIN,SCRAM-SHA-256,EXTERNAL :are available SASL "
             r"mechanisms$")
    c.expect(r" 904 eve ")
    c.send("AUTHENTICATE PLAIN")
    c.expect(r"^AUTHENTICATE \+$")
    c.send("AUTHENTICATE *")
    c.expect(r" 906 eve :SASL authentication aborted$")
    c.send("AUTHENTICATE PLAIN")
    c.expect(r"^AUTHENTICATE \+$")
    c.send("AUTHENTICATE " + "A" * 401)
    c.expect(r" 905 eve :SASL message too long$")
    c.send("AUTHENTICATE PLAIN")
    c.expect(r"^AUTHENTICATE \+$")
    for _ in range(6):              # 2400 bytes of base64: over the limit
        c.send("AUTHENTICATE " + "A" * 400)
    c.expect(r" 905 eve ")
    c.send("AUTHENTICATE PLAIN")
    c.expect(r"^AUTHENTICATE \+$")
    c.send("AUTHENTICATE not*base64")
    c.expect(r" 904 eve :SASL authentication failed: malformed base64$")
    sasl_plain(c, "alice", PW, authzid="someoneelse")
    c.expect(r" 904 eve :SASL authentication failed: logging in as another")
    sasl_plain(c, "", PW)
    c.expect(r" 904 eve :SASL authentication failed: malformed PLAIN")
    check(sasl_scram(c, "alice", "wrong password") is None, "SCRAM passed")
    check(sasl_scram(c, "nobody", "whatever12") is None, "unknown passed")
    c.send("AUTHENTICATE EXTERNAL")
    c.expect(r"^AUTHENTICATE \+$")
    c.send("AUTHENTICATE +")
    c.expect(r" 904 eve :SASL authentication failed: no client certificate")
    # a SCRAM client-final with a nonce that is not ours
    c.send("AUTHENTICATE SCRAM-SHA-256")
    c.expect(r"^AUTHENTICATE \+$")
    for l in sasl_chunks(b"n,,n=alice,r=abcdef"):
        c.send(l)
    sasl_read(c)
    for l in sasl_chunks(b"c=biws,r=abcdefXX,p=" + base64.b64encode(
            b"x" * 32)):
        c.send(l)
    c.expect(r" 904 eve ")
    # out of order: a final message first
    c.send("AUTHENTICATE SCRAM-SHA-256")
    c.expect(r"^AUTHENTICATE \+$")
    for l in sasl_chunks(b"c=biws,r=abc,p=AAAA"):
        c.send(l)
    c.expect(r" 904 eve ")
    # and after all that, the right password still works
    sasl_plain(c, "alice", PW)
    c.expect(r" 903 eve ")
    c.send("AUTHENTICATE PLAIN")
    c.expect(r" 907 eve :You have already authenticated using SASL$")
    c.send("CAP END")
    c.expect_numeric("001")
    check(PW not in s.log_text(), "a password in the log")
    s.stop()


@case
def long_payloads_are_chunked_at_400():
    s = Server()
    pw = "p" * 295                  # with the names: > 400 bytes of base64
    a = register_account(s, "longpw", pw)
    b = prereg(s, "chunky")
    lines = sasl_chunks(("\0longpw\0" + pw).encode())
    check(len(lines) >= 2, "not chunked")
    sasl_plain(b, "longpw", pw)
    b.expect(r" 903 chunky ")
    # exactly 400 characters of base64: a '+' ends it
    pw2 = "q" * (300 - 10)
    payload = ("\0longpw\0" + pw2).encode()
    while len(base64.b64encode(payload)) != 400:
        payload = payload[:-1]
    check(len(sasl_chunks(payload)) == 2, "no trailing +")
    s.stop()


@case
def failed_logins_are_limited_per_address_and_account():
    s = Server(workers=2, opts={"login-fail-max": "3"})
    register_account(s, "target", PW)
    for i in range(3):
        c = prereg(s, "guess%d" % i)
        sasl_plain(c, "target", "nope%d-wrong" % i)
        c.expect(r" 904 ")
        c.close()
    c = prereg(s, "guess9")
    sasl_plain(c, "target", PW)      # right, but too late
    c.expect(r" 904 guess9 :SASL authentication failed: too many failed "
             r"logins, try again later$")
    s.wait_log(r"login failed for account target from 127\.0\.0\.1: too "
               r"many failed logins")
    # the same from another address: the account's own counter holds
    d = prereg(s, "other", bind="127.0.0.3")
    sasl_plain(d, "target", PW)
    d.expect(r" 904 other :SASL authentication failed: too many")
    # NickServ IDENTIFY is counted the same way
    e = s.connect("nsuser", bind="127.0.0.4")
    e.send("PRIVMSG NickServ :IDENTIFY target " + PW)
    e.expect(r":NickServ!\S+ NOTICE nsuser :Too many failed logins")
    s.stop()


@case
def client_certificate_logs_in_with_external():
    d = tempfile.mkdtemp(prefix="kc-acct-certs-")
    at_exit(lambda: shutil.rmtree(d, ignore_errors=True))
    ca = make_ca(d)
    cli = make_cert(d, "client", ca, server=False)
    s = Server(workers=2)
    ctx = tls_context(certfile=cli[0], keyfile=cli[1])
    a = register_account(s, "certy", PW, tls=ctx)
    a.send("PRIVMSG NickServ :CERT ADD")
    fp = cert_fingerprint(cli[0])
    a.expect(r"NOTICE certy :Certificate %s added to certy\.$" % fp)
    a.send("NS CERT LIST")
    a.expect(r"NOTICE certy :  %s$" % fp)
    b = prereg(s, "anon", tls=ctx)
    b.send("AUTHENTICATE EXTERNAL")
    b.expect(r"^AUTHENTICATE \+$")
    b.send("AUTHENTICATE +")
    b.expect(r" 900 anon \S+ certy ")
    b.expect(r" 903 anon ")
    # with an authzid that is not the certificate's account
    c = prereg(s, "anon2", tls=ctx)
    c.send("AUTHENTICATE EXTERNAL")
    c.expect(r"^AUTHENTICATE \+$")
    for l in sasl_chunks(b"someoneelse"):
        c.send(l)
    c.expect(r" 904 anon2 :SASL authentication failed: the certificate "
             r"belongs to another account$")
    s.stop()


@case
def nickserv_register_identify_password_ghost_recover_drop():
    s = Server(workers=2, opts={"nick-enforce": "off"})
    a = s.connect("frank")
    a.send("PRIVMSG NickServ :REGISTER short")
    a.expect(r":NickServ!NickServ@services\.\S+ NOTICE frank :Passwords "
             r"have at least 8 characters\.?$")
    a.send("PRIVMSG NickServ :REGISTER " + PW + " frank@example.org")
    a.expect(r"NOTICE frank :Account created")
    a.expect(r" 900 frank ")
    a.send("PRIVMSG NickServ :INFO")
    a.expect(r"NOTICE frank :E-mail: frank@example\.org$")
    a.send("PRIVMSG NickServ :SET PASSWORD newpassword1")
    a.expect(r"NOTICE frank :Your password is changed\.$")
    a.send("PRIVMSG NickServ :LOGOUT")
    a.expect(r" 901 frank \S+ :You are now logged out$")
    a.send("PRIVMSG NickServ :IDENTIFY " + PW)
    a.expect(r"NOTICE frank :Invalid account or password\.$")
    a.send("PRIVMSG NickServ :IDENTIFY frank newpassword1")
    a.expect(r" 900 frank ")
    a.expect(r"NOTICE frank :You are now identified for frank\.$")
    # someone else sits on the nick after frank renamed himself
    a.send("NICK frank_away")
    a.expect(r"NICK :frank_away$")
    squat = s.connect("frank")
    a.send("PRIVMSG NickServ :RECOVER frank")
    a.expect(r"NOTICE frank_away :frank has been ghosted\.$")
    squat.expect(r"^ERROR :Closing Link: .*Killed \(NickServ \(GHOST "
                 r"command used by frank_away\)\)")
    a.expect(r":frank_away!\S+ NICK :frank$", 10)
    # GHOST with the password, from a connection not logged in
    g = s.connect("helper")
    g.send("PRIVMSG NickServ :GHOST frank wrongpassword")
    g.expect(r"NOTICE helper :Invalid account or password\.$")
    g.send("PRIVMSG NickServ :GHOST frank newpassword1")
    g.expect(r"NOTICE helper :frank has been ghosted\.$")
    a.wait_closed()
    # DROP: the account is gone
    b = s.connect("frank2")
    b.send("PRIVMSG NickServ :IDENTIFY frank newpassword1")
    b.expect(r" 900 frank2 ")
    b.send("PRIVMSG NickServ :DROP newpassword1")
    b.expect(r"NOTICE frank2 :The account frank is dropped\.$")
    b.expect(r" 901 frank2 ")
    b.send("PRIVMSG NickServ :INFO frank")
    b.expect(r"NOTICE frank2 :frank is not registered\.$")
    b.send("NS HELP")
    b.expect(r"NOTICE frank2 :REGISTER <password>")
    b.send("PRIVMSG NickServ :FROB")
    b.expect(r"NOTICE frank2 :Unknown command FROB; try HELP\.$")
    b.send("NICK NickServ")
    b.expect(r" 432 frank2 NickServ :Erroneous nickname")
    check("newpassword1" not in s.log_text(), "a password in the log")
    s.stop()


@case
def pass_account_password_logs_in_before_welcome():
    s = Server()
    gone(register_account(s, "gina", PW))   # else gina is still in use
    c = s.connect()
    c.send("PASS gina:" + PW)
    c.send("NICK gina")
    c.send("USER g 0 * :G")
    # the check may end before NICK arrives: then 900 is sent to "*"
    c.expect(r" 900 (gina|\*) \S+ gina ")
    c.expect_numeric("001")
    d = s.connect()
    d.send("PASS gina:badpassword")
    d.send("NICK notgina")
    d.send("USER g 0 * :G")
    d.expect(r" 464 \S+ :Password incorrect")
    d.expect_numeric("001")          # registers, not logged in
    d.send("WHOIS notgina")
    d.expect(r" 318 ")
    check(not any(" 330 " in l for l in d.seen), "logged in anyway")
    s.stop()


@case
def registered_nick_is_renamed_after_grace():
    s = Server(workers=2, opts={"nick-grace": "2"})
    gone(register_account(s, "hank", PW))
    w = s.connect("watcher")
    c = s.connect("hank")
    check(any(re.search(r":NickServ!\S+ NOTICE hank :This nickname is "
                        r"registered\. Log in to the account hank within 2 "
                        r"seconds", l) for l in c.seen), "no notice")
    w.expect(r":hank!\S+ NICK :Guest\d{5}$", 10)
    c.expect(r"NOTICE Guest\d{5} :You did not log in in time")
    # logging in within the grace keeps it
    d = s.connect("hank")
    check(any("NOTICE hank :This nickname is registered" in l
              for l in d.seen), "no notice")
    d.send("PRIVMSG NickServ :IDENTIFY " + PW)
    d.expect(r" 900 hank ")
    d.not_expect(r" NICK :Guest", 3)
    s.stop()


@case
def strict_enforcement_across_workers():
    s = Server(workers=4, opts={"nick-enforce": "strict"})
    gone(register_account(s, "ivy", PW))
    for i in range(6):              # lands on several workers
        c = s.connect()
        c.send("NICK ivy")
        c.send("USER x 0 * :x")
        c.expect(r" 433 \* ivy :Nickname is registered to another account")
        c.send("NICK ivy%d" % i)
        c.expect_numeric("001")
        c.send("NICK ivy")
        c.expect(r" 433 ivy%d ivy :Nickname is registered to another "
                 r"account" % i)
    ok = prereg(s, "ivy")
    sasl_plain(ok, "ivy", PW)
    ok.expect(r" 903 ")
    ok.send("CAP END")
    ok.expect(r" 001 ivy ")
    s.stop()


@case
def account_is_shown_in_joins_notifies_and_tags():
    s = Server(workers=2)
    gone(register_account(s, "jack", PW))
    w = s.connect("watch", caps=["extended-join", "account-notify",
                                 "account-tag", "message-tags"])
    j = prereg(s, "jack")
    sasl_plain(j, "jack", PW)
    j.expect(r" 903 ")
    j.send("CAP END")
    w.expect(r":jack!\S+ JOIN #lobby jack :Test User$")
    j.send("PRIVMSG #lobby :tagged")
    w.expect(r"^@(\S+;)?account=jack(;\S+)? :jack!\S+ PRIVMSG #lobby "
             r":tagged$")
    # lines the relay makes from an operator's command carry its account
    w.send("MODE #lobby +o jack")
    w.expect(r":watch!\S+ MODE #lobby \+o jack$")
    check(not re.search(r"account=", w.seen[-1]), "watch has no account")
    j.expect(r" MODE #lobby \+o jack$")
    j.send("TOPIC #lobby :set by jack")
    w.expect(r"^@(\S+;)?account=jack(;\S+)? :jack!\S+ TOPIC #lobby "
             r":set by jack$")
    j.send("MODE #lobby +m")
    w.expect(r"^@(\S+;)?account=jack(;\S+)? :jack!\S+ MODE #lobby \+m$")
    k = s.connect("kicked")
    w.expect(r":kicked!\S+ JOIN #lobby")
    j.send("KICK #lobby kicked :bye")
    w.expect(r"^@(\S+;)?account=jack(;\S+)? :jack!\S+ KICK #lobby kicked "
             r":bye$")
    k.expect(r" KICK #lobby kicked :bye$")
    j.send("PRIVMSG NickServ :LOGOUT")
    w.expect(r":jack!\S+ ACCOUNT \*$")
    j.send("PRIVMSG NickServ :IDENTIFY " + PW)
    w.expect(r":jack!\S+ ACCOUNT jack$")
    u = s.connect("unlogged")
    w.expect(r":unlogged!\S+ JOIN #lobby \* :Test User$")
    s.stop()


@case
def register_refusals_and_verify():
    s = Server()
    a = s.connect("kim")
    a.send("REGISTER * short")
    a.expect(r" FAIL REGISTER WEAK_PASSWORD kim :")
    a.send("REGISTER notanemail " + PW)
    a.expect(r" FAIL REGISTER INVALID_EMAIL kim :")
    a.send("REGISTER * " + PW)
    a.expect(r" REGISTER SUCCESS kim :Account created$")
    a.send("REGISTER * " + PW)
    a.expect(r" FAIL REGISTER ALREADY_REGISTERED kim :")
    a.send("NICK kim_away")
    a.expect(r"NICK :kim_away$")
    b = s.connect("other")
    b.send("NICK KIM")
    b.expect(r"NOTICE KIM :This nickname is registered")  # nick-enforce grace
    b.send("REGISTER * " + PW)
    b.expect(r" FAIL REGISTER ACCOUNT_EXISTS KIM :")
    s.stop()
    v = Server(opts={"registration": "verify"})
    c = v.connect("lena")
    c.send("REGISTER lena@example.org " + PW)
    c.expect(r" REGISTER VERIFICATION_REQUIRED lena :")
    m = v.wait_log(r"account lena registered from 127\.0\.0\.1; it waits "
                   r"for VERIFY with the code ([0-9a-f]{24})")
    code = m[0]
    d = v.connect("lena2")
    sasl_plain(d, "lena", PW)
    d.expect(r"NOTICE|904")
    c.send("VERIFY lena 000000000000000000000000")
    c.expect(r" FAIL VERIFY INVALID_CODE lena :")
    c.send("VERIFY lena " + code)
    c.expect(r" VERIFY SUCCESS lena :Account verified$")
    c.expect(r" 900 lena ")
    v.stop()
    x = Server(opts={"registration": "closed"})
    e = x.connect("mo")
    e.send("REGISTER * " + PW)
    e.expect(r" FAIL REGISTER TEMPORARILY_UNAVAILABLE mo :Registration is "
             r"closed")
    e.send("CAP LS 302")
    line = e.expect(r" CAP mo LS :")
    check("draft/account-registration" not in line, line)
    x.stop()


@case
def auth_command_checks_passwords_for_the_site():
    d = tempfile.mkdtemp(prefix="kc-authcmd-")
    at_exit(lambda: shutil.rmtree(d, ignore_errors=True))
    script = os.path.join(d, "check")
    with open(script, "w") as f:
        f.write("#!/bin/sh\nread -r user\nread -r pass\n"
                "case \"$user:$pass\" in\n"
                "  nina:sesame-open) exit 0 ;;\n"
                "  slow:*) sleep 10 ;;\n"
                "esac\nexit 1\n")
    os.chmod(script, 0o755)
    s = Server(opts={"auth": "command", "auth-command": script,
                     "auth-timeout": "1"})
    c = prereg(s, "nina")
    c.send("CAP LS 302")
    line = c.expect(r" CAP nina LS :")
    check("sasl=PLAIN,EXTERNAL" in line, line)
    sasl_plain(c, "nina", "sesame-open")
    c.expect(r" 903 nina ")
    c.send("CAP END")
    c.expect_numeric("001")
    c.send("PRIVMSG NickServ :INFO nina")
    c.expect(r"NOTICE nina :Information on nina:$")
    b = prereg(s, "bad")
    sasl_plain(b, "nina", "not-sesame")
    b.expect(r" 904 bad ")
    t = prereg(s, "slowpoke")
    sasl_plain(t, "slow", "whatever")
    t.expect(r" 904 slowpoke ", 10)
    s.wait_log(r"auth-command took longer than 1 s")
    c.send("REGISTER * " + PW)
    c.expect(r" FAIL REGISTER TEMPORARILY_UNAVAILABLE ")
    s.stop()


@case
def pam_checks_passwords_through_a_real_pam_stack():
    """auth = pam with a service of our own (pam-confdir): pam_exec hands
    the password to a script, as pam_unix would check it against
    /etc/shadow; the account is made on the first login."""
    if not os.path.exists("/lib/x86_64-linux-gnu/security/pam_exec.so"):
        raise Skip("pam_exec.so is not installed (libpam-modules)")
    d = tempfile.mkdtemp(prefix="kc-pam-")
    at_exit(lambda: shutil.rmtree(d, ignore_errors=True))
    check_script = os.path.join(d, "check")
    with open(check_script, "w") as f:
        f.write("#!/bin/sh\nread -r pass\n"
                "[ \"$PAM_USER:$pass\" = \"unixuser:unix-pass-1\" ]\n")
    os.chmod(check_script, 0o755)
    with open(os.path.join(d, "kctest"), "w") as f:
        f.write("auth required pam_exec.so expose_authtok quiet %s\n"
                "account required pam_permit.so\n" % check_script)
    s = Server(opts={"auth": "pam", "pam-service": "kctest",
                     "pam-confdir": d})
    c = prereg(s, "unixuser")
    sasl_plain(c, "unixuser", "unix-pass-1")
    c.expect(r" 903 unixuser ")
    c.send("CAP END")
    c.expect_numeric("001")
    b = prereg(s, "intruder")
    sasl_plain(b, "unixuser", "wrong-pass-1")
    b.expect(r" 904 intruder ")
    s.wait_log(r"login failed for account unixuser from 127\.0\.0\.1: PAM: ")
    c.send("PRIVMSG NickServ :INFO unixuser")
    c.expect(r"NOTICE unixuser :Information on unixuser:$")
    s.stop()


@case
def accounts_survive_kill9_of_every_process():
    d = tempfile.mkdtemp(prefix="kc-kill9-")
    at_exit(lambda: shutil.rmtree(d, ignore_errors=True))
    s = Server(workers=2, opts={"state-dir": d})
    names = ["k9user%d" % i for i in range(8)]
    for n in names:
        register_account(s, n, PW).close()
    a = s.connect("k9changer")
    a.send("PRIVMSG NickServ :IDENTIFY k9user0 " + PW)
    a.expect(r" 900 ")
    a.send("PRIVMSG NickServ :SET PASSWORD changed-pass")
    a.expect(r"NOTICE k9changer :Your password is changed\.$")
    # one more in flight while everything dies
    f = s.connect("k9inflight")
    f.send("REGISTER * " + PW)
    for pid in s.all_pids():
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    s.proc.wait()
    s.stop(check=False)
    r = Server(workers=2, opts={"state-dir": d})
    for n in names[1:]:
        c = prereg(r, "x" + n)
        sasl_plain(c, n, PW)
        c.expect(r" 903 ")
        c.close()
    c = prereg(r, "xchanged")
    sasl_plain(c, "k9user0", "changed-pass")
    c.expect(r" 903 ")
    # the one in flight is all there or not at all
    c = prereg(r, "xflight")
    sasl_plain(c, "k9inflight", PW)
    c.expect(r" 90[34] ")
    r.stop()


@case
def backup_while_running_and_a_damaged_store_is_refused():
    d = tempfile.mkdtemp(prefix="kc-backup-")
    at_exit(lambda: shutil.rmtree(d, ignore_errors=True))
    s = Server(opts={"state-dir": d})
    register_account(s, "olga", PW)
    dest = os.path.join(d, "copy.db")
    p = subprocess.run([KEOCHATD, "-f", "/dev/null", "-o", "state-dir=" + d,
                        "--backup", dest], capture_output=True, text=True,
                       timeout=30)
    check(p.returncode == 0, p.stderr)
    check(stat.S_IMODE(os.stat(dest).st_mode) == 0o600, "backup mode")
    db = sqlite3.connect(dest)
    check(db.execute("SELECT name FROM accounts").fetchall() == [("olga",)],
          "backup content")
    hashes = db.execute("SELECT hash FROM accounts").fetchall()
    check(hashes[0][0].startswith("$y$") and PW not in hashes[0][0],
          "not a yescrypt hash")
    db.close()
    s.stop()
    # a store written by a newer keochatd
    db = sqlite3.connect(os.path.join(d, "keochat.db"))
    db.execute("PRAGMA user_version = 99")
    db.commit()
    db.close()
    args = [KEOCHATD, "-f", "/dev/null", "-o", "state-dir=" + d, "-o",
            "runtime-dir=" + d + "/run", "-l", "127.0.0.1:0", "-o",
            "tls-listen=127.0.0.1:0"]
    p = subprocess.run(args, capture_output=True, text=True, timeout=30)
    check(p.returncode == 2 and "schema version 99" in p.stderr, p.stderr)
    # a damaged one
    with open(os.path.join(d, "keochat.db"), "r+b") as f:
        f.seek(100)
        f.write(os.urandom(3000))
    p = subprocess.run(args, capture_output=True, text=True, timeout=30)
    check(p.returncode == 2 and "store" in p.stderr, p.stderr)
    p = subprocess.run(args + ["--configtest"], capture_output=True,
                       text=True, timeout=30)
    check(p.returncode == 2, "configtest passed a damaged store: " +
          p.stderr)


run()
