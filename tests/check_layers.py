#!/usr/bin/env python3
"""check_layers -- the layering of keochatd, checked on the built objects.

Which module uses which is read from the symbols of the compiled objects
(nm: a module that leaves a symbol undefined uses the module that
defines it), so a call through a header, a macro or a forgotten
prototype counts the same.  Checks, one TAP test each:

  1. the worker's modules call each other without a circle (a call back
     up goes through a callback that worker.c wires, which is no edge);
  2. no circle anywhere in keochatd;
  3. each folder uses only the folders below it: shared/ nothing of the
     server; pure/ shared/; core/ pure/ and shared/; store/ shared/;
     relay/ and worker/ store/, core/, pure/ and shared/ (never each
     other); master/ everything;
  4. pure/ and shared/ do no I/O and never log or exit: none of their
     objects references read, write, send, printf, syslog, exit, log_* ...

Run it by hand after a build:  python3 tests/check_layers.py [BUILDDIR]
"""
import os
import re
import subprocess
import sys

TOP_BUILD = (sys.argv[1] if len(sys.argv) > 1 else
             os.environ.get("KEO_TOP_BUILDDIR", "."))
TOP_SRC = os.environ.get("KEO_TOP_SRCDIR",
                         os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                      ".."))
ARCHIVES = ["src/shared/libkeoshared.a", "src/server/libkeopure.a",
            "src/server/libkeochatd.a"]
ALLOWED = {
    "shared": {"shared"},
    "pure": {"pure", "shared"},
    "core": {"core", "pure", "shared"},
    "store": {"store", "shared"},
    "relay": {"relay", "store", "core", "pure", "shared"},
    "worker": {"worker", "store", "core", "pure", "shared"},
    "master": {"master", "relay", "worker", "store", "core", "pure",
               "shared"},
}
# What pure code must not call: system calls that do I/O, stdio output,
# syslog, process exits and the server's own log vocabulary.
IMPURE = re.compile(r"^(read|write|readv|writev|open|openat|close|send|"
                    r"sendmsg|sendmmsg|recv|recvmsg|recvmmsg|socket|accept|"
                    r"accept4|connect|bind|listen|epoll_\w+|printf|fprintf|"
                    r"vfprintf|puts|fputs|fwrite|perror|syslog|vsyslog|exit|"
                    r"_exit|_Exit|abort|kill|fork|log_\w+|fatal|fatalx)$")


def folder_of(module):
    for d in ("shared",):
        if os.path.exists(os.path.join(TOP_SRC, "src", d, module + ".c")):
            return d
    for d in ("pure", "core", "store", "relay", "worker", "master",
              "testhooks"):
        if os.path.exists(os.path.join(TOP_SRC, "src", "server", d,
                                       module + ".c")):
            return d
    return None


def symbols():
    """{module: (defined set, undefined set)} from the archives."""
    mods = {}
    for a in ARCHIVES:
        path = os.path.join(TOP_BUILD, a)
        out = subprocess.run(["nm", "-A", path], capture_output=True,
                             text=True, check=True).stdout
        for line in out.splitlines():
            m = re.match(r"^[^:]+:([^:]+):\s*(\S*)\s+([A-Za-z])\s+(\S+)$",
                         line)
            if not m:
                continue
            obj, kind, sym = m.group(1), m.group(3), m.group(4)
            mod = re.sub(r"^lib\w+_a-", "", obj)[:-2]
            d, u = mods.setdefault(mod, (set(), set()))
            if kind == "U":
                u.add(sym)
            elif kind.isupper():
                d.add(sym)
    return mods


def graph(mods):
    owner = {}
    for mod, (d, _) in mods.items():
        for s in d:
            owner[s] = mod
    edges = {m: set() for m in mods}
    why = {}
    for mod, (_, u) in mods.items():
        for s in u:
            o = owner.get(s)
            if o is not None and o != mod:
                edges[mod].add(o)
                why.setdefault((mod, o), s)
    return edges, why


def cycles(edges, nodes):
    """Strongly connected components of more than one node (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v] & nodes):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))
    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return out


def show(comp, edges, why):
    lines = []
    for a in comp:
        for b in sorted(edges[a] & set(comp)):
            lines.append("  %s -> %s (%s)" % (a, b, why[(a, b)]))
    return "\n".join(lines)


def main():
    mods = symbols()
    edges, why = graph(mods)
    where = {m: folder_of(m) for m in mods}
    results = []

    worker = {m for m in mods if where[m] == "worker"}
    c = cycles(edges, worker)
    results.append(("the worker's modules call each other without a circle "
                    "(%d modules)" % len(worker),
                    "\n".join(show(x, edges, why) for x in c)))
    c = cycles(edges, set(mods))
    results.append(("no circle anywhere in keochatd (%d modules)" % len(mods),
                    "\n".join(show(x, edges, why) for x in c)))
    bad = []
    for a in sorted(mods):
        for b in sorted(edges[a]):
            if where[a] is None or where[b] not in ALLOWED[where[a]]:
                bad.append("  %s/%s uses %s/%s (%s)" % (
                    where[a], a, where[b], b, why[(a, b)]))
    results.append(("each folder uses only the folders below it",
                    "\n".join(bad)))
    bad = []
    for m in sorted(mods):
        if where[m] not in ("pure", "shared"):
            continue
        for s in sorted(mods[m][1]):
            if IMPURE.match(s):
                bad.append("  %s/%s calls %s" % (where[m], m, s))
    results.append(("pure/ and shared/ do no I/O, log nothing, never exit",
                    "\n".join(bad)))

    print("1..%d" % len(results))
    for i, (name, problem) in enumerate(results, 1):
        if problem:
            print("not ok %d - %s" % (i, name))
            for line in problem.splitlines():
                print("# " + line)
        else:
            print("ok %d - %s" % (i, name))
    print("# module graph: " + "; ".join(
        "%s -> %s" % (m, ",".join(sorted(edges[m]))) for m in sorted(worker)))


main()
