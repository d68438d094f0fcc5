"""ChanServ on a real keochatd: a channel registered to an account keeps
its modes, key, topic and bans in the store, survives an empty room and a
restart (kill -9 too), and gives its access list +o and +v on join."""
import os
import signal
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from kctest import *  # noqa: E402,F401,F403

PW = "hunter2hunter2"


def logged_in(s, nick, account=None, **kw):
    c = s.connect(nick, autojoin=False, **kw)
    c.send("PRIVMSG NickServ :IDENTIFY %s %s" % (account or nick, PW))
    c.expect(r" 900 %s " % nick)
    return c


def cs(c, text, expect):
    c.send("PRIVMSG ChanServ :" + text)
    return c.expect(r":ChanServ!ChanServ@services\.\S+ NOTICE %s :%s" %
                    (re.escape(c.nick), expect))


@case
def registered_channel_keeps_its_state_across_restarts():
    d = tempfile.mkdtemp(prefix="kc-chanserv-")
    at_exit(lambda: shutil.rmtree(d, ignore_errors=True))
    s = Server(workers=2, opts={"state-dir": d, "autojoin": ""})
    for n in ("owner", "helper", "talker"):
        register_account(s, n, PW).send("QUIT")
    owner = logged_in(s, "owner")
    owner.send("JOIN #team")
    owner.expect(r" 366 owner #team ")
    cs(owner, "REGISTER #team", r"#team is registered to owner\.$")
    cs(owner, "REGISTER #team", r"#team is registered already\.$")
    owner.send("MODE #team +k-t sekrit")
    owner.expect(r"MODE #team \+k-t sekrit$")
    owner.send("MODE #team +b bad!*@*")
    owner.expect(r"MODE #team \+b bad!\*@\*$")
    owner.send("TOPIC #team :the team room")
    owner.expect(r"TOPIC #team :the team room$")
    cs(owner, "ACCESS #team ADD helper op", r"helper has op access to "
       r"#team\.$")
    cs(owner, "ACCESS #team ADD talker voice", r"talker has voice access")
    cs(owner, "ACCESS #team ADD nosuchone op", r"#team: no such account")
    cs(owner, "ACCESS #team LIST", r"Access to #team \(founder owner\):$")
    owner.expect(r"NOTICE owner :  helper\s+op$")
    owner.expect(r"NOTICE owner :  talker\s+voice$")
    # access on join, from ChanServ, seen by the members
    h = logged_in(s, "helper")
    h.send("JOIN #team sekrit")
    owner.expect(r"^:ChanServ!ChanServ@services\.\S+ MODE #team \+o "
                 r"helper$")
    t = logged_in(s, "talker")
    t.send("JOIN #team sekrit")
    owner.expect(r"^:ChanServ!\S+ MODE #team \+v talker$")
    cs(t, "OP #team", r"You have no access to do that in #team\.$")
    h.send("PRIVMSG ChanServ :DEVOICE #team talker")
    owner.expect(r"^:ChanServ!\S+ MODE #team -v talker$")
    owner.send("MODE #team +i")
    owner.expect(r"MODE #team \+i$")
    # everybody leaves: the channel stays, with its state
    for c in (owner, h, t):
        c.send("PART #team")
        c.expect(r"PART #team")
    o = s.connect("outsider", autojoin=False)
    o.send("TOPIC #team")
    o.expect(r" 332 outsider #team :the team room$")
    # a kill -9 of every process: the changes were saved when applied
    for pid in s.all_pids():
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    s.proc.wait()
    s.stop(check=False)
    r = Server(workers=2, opts={"state-dir": d, "autojoin": ""})
    r.wait_log(r"restored 1 registered channel \(1 list entries\)")
    x = r.connect("stranger", autojoin=False)
    x.send("JOIN #team")
    x.expect(r" 473 stranger #team ")       # +i came back
    owner = logged_in(r, "owner")
    owner.send("JOIN #team sekrit")
    owner.expect(r" 332 owner #team :the team room$")
    owner.expect(r"^:ChanServ!\S+ MODE #team \+o owner$")
    owner.send("MODE #team")
    owner.expect(r" 324 owner #team \+ink sekrit$")
    owner.send("MODE #team b")
    owner.expect(r" 367 owner #team bad!\*@\* ")
    cs(owner, "INFO #team", r"Information on #team:$")
    owner.expect(r"NOTICE owner :Founder: owner$")
    r.stop()


@case
def chanserv_refusals_set_and_drop():
    s = Server(opts={"autojoin": ""})
    for n in ("alpha", "beta"):
        register_account(s, n, PW).send("QUIT")
    anon = s.connect("anon", autojoin=False)
    cs(anon, "REGISTER #x", r"Log in first")
    a = logged_in(s, "alpha")
    cs(a, "REGISTER #notthere", r"You must be a channel operator of "
       r"#notthere to register it\.$")
    cs(a, "REGISTER nochan", r"That is not a channel name\.$")
    cs(a, "INFO #nope", r"#nope is not registered\.$")
    a.send("JOIN #mine")
    a.expect(r" 366 alpha #mine ")
    cs(a, "REGISTER #mine", r"#mine is registered to alpha\.$")
    b = logged_in(s, "beta")
    cs(b, "ACCESS #mine ADD beta op", r"Only the founder of #mine may change")
    cs(b, "DROP #mine", r"Only the founder of #mine may drop it\.$")
    cs(b, "SET #mine FOUNDER beta", r"Only the founder of #mine may change "
       r"it\.$")
    cs(a, "FROB #mine", r"Unknown command FROB; try HELP\.$")
    cs(a, "SET #mine FOUNDER beta", r"#mine now belongs to beta\.$")
    cs(b, "DROP #mine", r"#mine is no longer registered\.$")
    cs(b, "INFO #mine", r"#mine is not registered\.$")
    a.send("CS HELP")
    a.expect(r"NOTICE alpha :ChanServ keeps channels")
    s.stop()


run()
