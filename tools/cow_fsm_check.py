#!/usr/bin/env python3
"""Check the copy-on-write state machines (docs/cow-vpage.dot, cow-ppage.dot,
cow-pdir.dot; each edge labelled with the events that take it) against the
kernel: boot tools/cow_fsm.boots's programs with trace=totals (moves summed
per event) and require (a) every traced move to be an edge with its event
among the labels, (b) every edge and label not marked "*" to be taken, (c)
every program to leave the kernel sound and take the moves it is listed
for. Last "cow state machine check pass." or "... FAILED"; --help."""

import argparse
import os
import re
import shutil
import signal
import struct
import tempfile
import sys
import time

import gradelib

MACHINES = ["docs/cow-vpage.dot", "docs/cow-ppage.dot", "docs/cow-pdir.dot"]
UNREACHED = "*"                 # label mark: real code, no graded program reaches it
DRAM_BASE = 0x80000000
SPARE_MIB = 4           # RAM beyond the kernel image: small, so that programs
                        # that fill memory finish fast and trace little
TIMEOUT = 60            # seconds per boot (generous: grade runs many at once)
TRACES = {False: "trace=totals",      # the moves summed per event name
          True: "trace=cow,fault"}     # --per-event: a line for each event
SEARCH = 12             # how far to look around a failalloc= value that missed

BOOTS_FILE = "tools/cow_fsm.boots"   # the boots and the moves each is for (data)

def read_boots(path):
    """The boots of path: [(boot arguments, memory or None, [moves])]."""
    boots = []
    for n, line in enumerate(gradelib.read(path).split("\n"), 1):
        fields = [w.strip() for w in line.split("|")]
        if line.strip() and not line.startswith("#"):
            if len(fields) != 3:
                sys.exit(f"{path}:{n}: want 'ARGS | MEMORY | MOVE; MOVE...'")
            boots.append((fields[0], None if fields[1] == "-" else fields[1],
                          [w.strip() for w in fields[2].split(";") if w.strip()]))
    return boots

LINE_RE = re.compile(r"cow: .*\[([a-z][a-z-]*)(?:: ([^\]]*))?\]\s*$")
MOVE_RE = re.compile(r"(vpage|ppage|pdir) ([a-z]+)->([a-z]+) x([0-9]+)$")
WANT_RE = re.compile(r"^(vpage|ppage|pdir) ([a-z]+)->([a-z]+) ([a-z-]+)$")

class Machine:
    """One state machine read from a .dot file: its states and labelled edges
    (edges: (from, to) -> {event: False if marked "*"}; line: where each is)."""

    def __init__(self, path):
        self.path, self.name, self.states, self.edges, self.line = path, None, [], {}, {}
        for n, text in enumerate(gradelib.read(path).split("\n"), 1):
            self.parse_line(n, text.strip())
        if self.name is None or not self.edges:
            sys.exit(f"{path}: want 'digraph NAME {{' and at least one edge")
        for (a, b), n in self.line.items():
            if a not in self.states or b not in self.states:
                sys.exit(f"{path}:{n}: state {a if a not in self.states else b} is not declared")

    def parse_line(self, n, line):
        graph = re.match(r"^digraph\s+(\w+)\s*\{$", line)
        edge = re.match(r"^(\w+)\s*->\s*(\w+)\s*\[(.*)\]\s*;?$", line)
        state = re.match(r"^(\w+)\s*(\[.*\])?\s*;?$", line)
        if graph:
            self.name = graph.group(1)
        elif edge:
            a, b, attrs = edge.groups()
            label = re.search(r'label\s*=\s*"((?:[^"\\]|\\.)*)"', attrs)
            if label is None or (a, b) in self.edges:
                sys.exit(f"{self.path}:{n}: edge {a} -> {b} without a label, or listed twice")
            words = [w.strip() for w in label.group(1).split("\\n") if w.strip()]
            self.edges[(a, b)] = {w.rstrip(UNREACHED): not w.endswith(UNREACHED) for w in words}
            self.line[(a, b)] = n
        elif state and state.group(1) not in ("graph", "node", "edge"):
            self.states.append(state.group(1))

    def where(self, a, b):
        return f"{self.path}:{self.line[(a, b)]}"

def kernel_end(kernel):
    """The highest physical address the kernel's ELF image loads to."""
    with open(kernel, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 2:
        sys.exit(f"{kernel}: not a 64-bit ELF file")
    (phoff,), (size, count) = struct.unpack_from("<Q", data, 0x20), struct.unpack_from("<HH", data, 0x36)
    loads = [struct.unpack_from("<IIQQQQQQ", data, phoff + i * size) for i in range(count)]
    return max((p[4] + p[6] for p in loads if p[0] == 1), default=0)     # PT_LOAD: paddr + memsz

def read_moves(text):
    """{(machine, from, to, event): count} and the unreadable lines of a log.
    Tracing starts with the user program, so every move is the program's."""
    moves, bad = {}, []
    for line in text.split("\n"):
        m = LINE_RE.search(line)
        if m is None:
            if line.startswith("cow: "):
                bad.append(line)
            continue
        for move in (m.group(2).split(", ") if m.group(2) else []):
            mm = MOVE_RE.match(move.strip())
            if mm is None:
                bad.append(line)
                continue
            key = mm.groups()[:3] + (m.group(1),)
            moves[key] = moves.get(key, 0) + int(mm.group(4))
    return moves, bad

HEALTH = [("expect", "cow audit pass."), ("reject-re", re.compile(r"kernel panic.*"))]

def parse_want(want):
    m = WANT_RE.match(want)
    if m is None:
        sys.exit(f"{BOOTS_FILE}: cannot read {want!r} (want 'vpage FROM->TO EVENT')")
    return m.groups()

def candidates(args):
    """args, then (for failalloc=N) the same with N+1, N-1, N+2, ... SEARCH away."""
    m = re.search(r"failalloc=([0-9]+)\b", args)
    if m is None:
        return [args]
    n = int(m.group(1))
    near = [n + d * s for d in range(1, SEARCH + 1) for s in (1, -1) if n + d * s > 0]
    return [args] + [args[:m.start(1)] + str(k) + args[m.end(1):] for k in near]

def fsm_test(opt, args, mem, wants):
    """The boot "prog=P ARGS" as a gradelib Test: one hart (a boot listed for
    a move must take it every time, in one hart's order), opt's trace, the
    kernel's health as its checks; alone if failalloc= (its count is searched)."""
    words, t = args.split(), gradelib.Test(boot_name(args), "fsm", 1)
    if not words[0].startswith("prog="):
        sys.exit(f"{args}: a boot starts with prog=")
    t.prog, t.args, t.mem, t.timeout = words[0][len("prog="):], " ".join(words[1:] + [opt.trace]), mem, TIMEOUT
    t.nodefault, t.alone, t.checks, t.boot_args, t.wants = True, "failalloc=" in args, HEALTH, args, wants
    return t

def result(t, r):
    """One program's run: its moves, what went wrong with the kernel, missed wants."""
    moves, bad = read_moves(gradelib.read(r.log).replace("\r", ""))
    return {"args": t.boot_args, "moves": moves, "bad": bad, "mem": t.mem, "secs": r.ms / 1000,
            "health": [] if r.ok else r.verdict.causes + r.verdict.problems, "sharers": r.sharers,
            "missed": [w for w in t.wants if parse_want(w) not in set(moves)]}

def run_boot(opt, runner, tests):
    """Run one boot's worth of tests (gradelib shares the boot and boots alone
    one that did not start or finish); a failalloc= boot that missed its moves
    is tried again around its count. Their results."""
    out = [result(t, r) for t, r in zip(tests, runner.run(tests))]
    for i, t in enumerate(tests):
        for args in candidates(t.boot_args)[1:] if out[i]["missed"] else []:
            again = fsm_test(opt, args, t.mem, t.wants)
            tried = result(again, runner.alone(again))
            if not tried["missed"]:
                out[i] = tried
                break
    return out

def boot_name(args):
    return args.replace("prog=", "", 1)

def short_list(names, limit=4):
    names = sorted(names)
    return ", ".join(names[:limit]) + (f" (+{len(names) - limit})" if len(names) > limit else "")

def tables(machines, seen, boots, results, lang):
    """Markdown: every label with the boots that took it; every boot with its moves."""
    words = {
        "en": ("Machine", "Edge", "Event", "Taken by", "not reached by any graded program",
               "Boot (after prog=)", "Listed for (must take)", "Taken by this boot alone", "–"),
        "zh": ("状态机", "边", "事件", "走过它的启动", "尚无受测程序走到",
               "启动（prog= 之后）", "列入的理由（必须走到）", "只有这次启动走到", "–"),
    }[lang]
    out = [f"| {words[0]} | {words[1]} | {words[2]} | {words[3]} |", "|---|---|---|---|"]
    for m in machines:
        for (a, b), events in m.edges.items():
            for event, reached in events.items():
                who = seen.get((m.name, a, b, event), set())
                cell = short_list([f"`{w}`" for w in who], 3)
                label = event if reached else event + "\\*"
                out.append(f"| {m.name} | {a} → {b} | {label} | {cell or words[4]} |")
    out += ["", f"| {words[5]} | {words[6]} | {words[7]} |", "|---|---|---|"]
    for (_, _, wants), r in zip(boots, results):
        name = boot_name(r["args"])
        listed = "; ".join(w.replace("->", "→") for w in wants)
        own = sorted(f"{k[0]} {k[1]}→{k[2]} {k[3]}" for k, who in seen.items() if who == {name})
        out.append(f"| `{name}` | {listed or words[8]} | {'; '.join(own) or words[8]} |")
    return "\n".join(out)

def report_boots(boots, results, problems):
    """Print one line per boot; add its problems. Returns (seen, moves traced):
    seen maps (machine, from, to, event) to the names of the boots that took it."""
    seen, total = {}, 0
    for (args, _, _), r in zip(boots, results):
        name = boot_name(r["args"])
        shared = f"  (in a boot of {r['sharers']})" if r["sharers"] > 1 else ""
        print(f"  {r['secs']:4.1f} s  {r['mem']:>5}  {name}{shared}")
        problems += [f"{name}: {p}" for p in r["health"]]
        problems += [f"{name}: cannot read trace line {line!r}" for line in r["bad"]]
        problems += [f"{name}: did not take {w}, which it is listed for" for w in r["missed"]]
        if r["args"] != args and not r["missed"]:
            print(f"note: {boot_name(args)} no longer takes its moves; "
                  f"{r['args']} does: update {BOOTS_FILE}")
        for key, count in r["moves"].items():
            seen.setdefault(key, set()).add(name)
            total += count
    return seen, total

def report_edges(machines, seen, problems):
    """Check (b): print who took each label. Returns the labels marked UNREACHED."""
    unreached = []
    for m in machines:
        print(f"{m.name} ({m.path}):")
        for (a, b), events in m.edges.items():
            print(f"  {a} -> {b}")
            if not any((m.name, a, b, e) in seen for e in events):
                problems.append(f"{m.name} {a} -> {b} ({m.where(a, b)}): no boot took this edge")
            for event, reached in events.items():
                who = seen.get((m.name, a, b, event))
                if who:
                    print(f"    {event + ('' if reached else UNREACHED):15} {short_list(who)}")
                    if not reached:
                        print(f"    {'':15} note: marked {UNREACHED}, but taken now: drop the mark")
                elif reached:
                    print(f"    {event:15} NOT TAKEN")
                    problems.append(f"{m.name} {a} -> {b} by {event} ({m.where(a, b)}): " f"no boot took it")
                else:
                    print(f"    {event + UNREACHED:15} (no graded program reaches it)")
                    unreached.append(f"{m.name} {a}->{b} {event}")
    return unreached

def check_traced(machines, seen, problems):
    """Check (a): every traced move is a labelled edge of its machine."""
    byname = {m.name: m for m in machines}
    for (machine, a, b, event), who in sorted(seen.items()):
        m, what = byname.get(machine), f"traced {machine} {a} -> {b} by {event} ({short_list(who)})"
        if m is None:
            problems.append(f"traced {machine} {a} -> {b}, but no machine is called {machine}")
        elif (a, b) not in m.edges:
            problems.append(f"{what}, which is not an edge of {m.path}")
        elif event not in m.edges[(a, b)]:
            problems.append(f"{what}, but {event} is not a label of that edge ({m.where(a, b)})")

DOCS = {"en": "docs/cow.md", "zh": "docs/cow.zh.md"}

def update_docs(machines, seen, boots, results):
    """Rewrite the coverage tables between the markers of the two reports."""
    for lang, path in DOCS.items():
        text, tabs = gradelib.read(path), tables(machines, seen, boots, results, lang).split("\n\n")
        for kind, table in zip(("labels", "boots"), tabs):
            start = text.index(f"<!-- begin: tools/cow_fsm_check.py --table {lang} ({kind}) -->")
            start = text.index("-->", start) + 3
            text = text[:start] + "\n" + table + "\n" + text[text.index("<!-- end -->", start):]
        gradelib.write(path, text)
        print(f"  TABLE {path}")

def main():
    ap = argparse.ArgumentParser(description="Check the COW state machines against the kernel.")
    add = ap.add_argument
    add("--machine", action="append", default=[], metavar="FILE.dot", help="use it instead of its namesake")
    add("--boot", action="append", default=[], metavar="ARGS", help='boot this too: "prog=forktree cow=off"')
    add("--only", action="store_true", help="boot only the --boot ones")
    add("--kernel", default="bin/kernel")
    add("--logs", metavar="DIR", help="keep every console log in DIR (else only on a failure)")
    add("--share", type=int, default=8, metavar="N", help="at most N programs a boot (1: each alone)")
    add("--per-event", action="store_true", help="trace=cow,fault instead of trace=totals: a line an event")
    add("--table", choices=["en", "zh"], help="print the coverage as Markdown")
    add("--update-docs", action="store_true", help="rewrite the coverage tables in docs/cow.md, cow.zh.md")
    opt = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: (gradelib.stop_all(), os._exit(1)))    # with its QEMUs
    if opt.share < 1:
        ap.error("--share must be at least 1")
    opt.trace = trace = TRACES[opt.per_event]

    machines = list({m.name: m for m in map(Machine, MACHINES + opt.machine)}.values())
    if not os.path.exists(opt.kernel):           # a later --machine replaces its namesake
        sys.exit(f"{opt.kernel} is missing: run make first")
    small = (kernel_end(opt.kernel) - DRAM_BASE + (1 << 20) - 1) // (1 << 20) + SPARE_MIB
    boots = ([] if opt.only else read_boots(BOOTS_FILE)) + [(args, "128M", []) for args in opt.boot]
    start = time.monotonic()
    keep, opt.logs = opt.logs, opt.logs or tempfile.mkdtemp(prefix="cow-fsm-")
    tests = [fsm_test(opt, args, mem or f"{small}M", wants) for args, mem, wants in boots]
    runner = gradelib.Runner(gradelib.Suite(), opt.logs, opt.kernel)
    groups = gradelib.plan(tests, lambda t: t.share_key(opt.share), opt.share, lambda t: 0)
    done = gradelib.run_all(groups, os.cpu_count() or 1, lambda g: run_boot(opt, runner, g))
    order = {id(t): r for g, rs in done for t, r in zip(g, rs)}
    results = [order[id(t)] for t in tests]
    print(f"cow state machine check: {len(results)} programs in {len(groups)} boots "
          f"with {trace}, {time.monotonic() - start:.1f} s wall")

    problems = []
    seen, total = report_boots(boots, results, problems)
    print(f"{total} moves traced")
    unreached = report_edges(machines, seen, problems)
    check_traced(machines, seen, problems)
    if total == 0:
        problems.append(f"no move was traced at all: does the kernel still know {trace}?")
    if opt.table:
        print("\n" + tables(machines, seen, boots, results, opt.table) + "\n")
    if opt.update_docs and not problems:
        update_docs(machines, seen, boots, results)
    if unreached:
        print(f"marked {UNREACHED}, reached by no graded program: " + "; ".join(unreached))
    for p in problems:
        print("problem: " + p)
    if not keep and problems:
        print(f"the console logs are in {opt.logs}")
    elif not keep:
        shutil.rmtree(opt.logs)
    print(f"cow state machine check FAILED ({len(problems)} problem{'s' * (len(problems) > 1)})."
          if problems else "cow state machine check pass.")
    return 1 if problems else 0

if __name__ == "__main__":
    sys.exit(main())
