#!/usr/bin/env python3
"""make stress: faults injected, bad input thrown, load piled on; the
kernel must stay up and lose nothing (docs/reliability.md).

A run boots one program (gradelib), nproc at a time (STRESS_JOBS), and
passes only if QEMU powers off within STRESS_LIMIT (20 s) with status 0,
no "kernel panic" or "CORRUPTED", and "all user-mode processes have
quit.", "cow audit pass.", "init check memory pass." (and the pass line if
nothing was injected). One hart, so that failalloc=N fails the same
allocation every run, except the four-hart groups. Then make grade with
CPUS=1 (each test alone) and CPUS=4, a unit a test, and the harness's
self-tests, a unit a check; last "N passed, M failed" (logs: obj/stress/).
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import time

import gradelib

LOGDIR = "obj/stress"
LIMIT = int(os.environ.get("STRESS_LIMIT") or 20)  # a parked orphan gives up after 5 s
JOBS = int(os.environ.get("STRESS_JOBS") or os.cpu_count() or 1)

# Programs swept with failalloc=N: FIRST, LAST, STEP over the page
# allocations each made when this list was written (a run past the last
# injects nothing and is still checked), and extra boot arguments.
SWEEPS = [
    ("forktest", 1, 400, 7, ""), ("forktree", 1, 230, 5, ""), ("cowthree", 1, 40, 1, ""),
    ("cowkernel", 1, 30, 1, ""), ("cowchain", 1, 140, 3, ""), ("cowcycles", 1, 3400, 97, ""),
    ("cowbig", 1, 21000, 700, ""), ("dirtycow", 1, 20000, 1000, "gup_resched=1"),
    ("fuzz", 1, 5500, 250, ""), ("forkcycle", 1, 7800, 390, ""), ("forkdeep", 1, 2200, 110, ""),
    ("gupfork", 1, 560, 20, "dirtycow=fix2016 gup_resched=1"), ("execthreads", 1, 50, 2, ""),
    ("threadgroup", 1, 31000, 1000, ""), ("protnone", 1, 18, 1, ""), ("copyout", 1, 30, 1, ""),
    ("readrace", 1, 86, 1, "gup_resched=0 timeslice=100"), ("killipi", 1, 17, 1, ""),
    ("forkkill", 1, 37, 1, "gup_resched=0 timeslice=100"), ("refrace", 1, 12800, 640, ""),
    ("groupreap", 1, 25, 1, "gup_resched=0 timeslice=100"), ("unmapflush", 1, 21600, 900, "pagepoison"),
]
EVERY = [2, 3, 5, 7, 11, 17, 31, 64, 127, 257]
RANDOM_MODES = ["rand:1:2", "rand:2:2", "rand:3:10", "rand:4:10", "rand:5:30", "rand:6:30"]
SEVERE = [re.compile(r".*kernel panic.*"), re.compile(r".*CORRUPTED.*")]

class Run:
    """One boot: a name for its log, memory, boot arguments, harts, and the
    pass line it must print (only if nothing is injected: then True)."""

    def __init__(self, name, mem, args, passes=False, harts=1):
        self.name, self.mem, self.args, self.harts = name, mem, args.split(), harts
        prog = self.args[0][len("prog="):]
        self.passline = ("dirtycow: the file is safe." if prog == "dirtycow" else f"{prog} pass.") \
            if passes else None

def sweep(prog, first, last, step, extra, tag="", mode=""):
    return [Run(f"{prog}{tag}.failalloc-{n}", "128M", f"prog={prog} {mode} failalloc={n} {extra}")
            for n in range(first, last + 1, step)]

def groups():
    """The runs, as [(title, [Run])] in report order."""
    swept = [s for s in SWEEPS if os.path.exists(f"user/{s[0]}.c") or os.path.isdir(f"user/{s[0]}")]
    fork = [Run(f"forkbomb.mem-{m}", m, "prog=forkbomb", True) for m in ("16M", "32M")]
    fork.append(Run("forkbomb.mem-16M.cow-off", "16M", "prog=forkbomb cow=off", True))
    fork += [Run(f"forkbomb.mem-{m}", m, "prog=forkbomb", True) for m in ("128M", "256M")]
    fork += [Run(p + tag, "128M", f"prog={p} {arg}", True)
             for p in ("forkcycle", "forkdeep") for tag, arg in (("", ""), (".cow-off", "cow=off"))]
    fuzz = [Run("fuzz", "128M", "prog=fuzz", True), Run("fuzz.cow-off", "128M", "prog=fuzz cow=off", True)]
    fuzz += [Run(f"fuzz.seed-{k}", "128M", f"prog=fuzz fuzzseed={k}", True) for k in range(1, 11)]
    out = [("fork stress, nothing injected", fork), ("fuzz, 12 runs, nothing injected", fuzz)]
    out += [(f"{p} failalloc={a}..{b} step {s}", sweep(p, a, b, s, x)) for p, a, b, s, x in swept]
    out.append((f"cow=pt, {len(swept)} programs, nothing injected",
                [Run(f"{p}.cow-pt", "128M", f"prog={p} cow=pt {x}", True) for p, _, _, _, x in swept]))
    out.append(("cow=pt failalloc=N, a third of the steps",
                [r for p, a, b, s, x in swept for r in sweep(p, a, b, 3 * s, x, ".cow-pt", "cow=pt")]))
    bomb = [Run(f"forkbomb.failalloc-{n}", "16M", f"prog=forkbomb failalloc={n}") for n in range(1, 7001, 700)]
    bomb += [Run(f"forkbomb.{m.replace(':', '-')}", "16M", f"prog=forkbomb failalloc={m}")
             for m in ("every:50", "every:500", "rand:1:1", "rand:2:5")]
    out.append(("forkbomb (16M) failalloc=N, every, rand", bomb))
    out.append((f"failalloc=every:K, {len(EVERY)} values of K",
                [Run(f"{p}.every-{k}", "128M", f"prog={p} failalloc=every:{k} {x}")
                 for k in EVERY for p, _, _, _, x in swept]))
    out.append((f"failalloc=rand:SEED:PCT, {len(RANDOM_MODES)} seeds",
                [Run(f"{p}.{m.replace(':', '-')}", "128M", f"prog={p} failalloc={m} {x}")
                 for m in RANDOM_MODES for p, _, _, _, x in swept]))
    return out + smp_groups()

def smp_groups():
    """Parallel runs on four harts (more than this machine may have cores)."""
    run = lambda name, mem, args, passes=True: Run(name, mem, args, passes, harts=4)
    whole = [run(f"smpstress.cpus4.{n}", "128M", "prog=smpstress") for n in range(1, 5)]
    whole += [run("smpstress.cpus4.cow-pt", "128M", "prog=smpstress cow=pt"),
              run("smpfork.cpus4", "128M", "prog=smpfork")]
    whole += [run(f"{p}.cpus4", "128M", f"prog={p}")
              for p in ("forkcycle", "forkdeep", "threadgroup", "execthreads", "gupfork", "killipi",
                        "refrace")]
    whole += [run(f"{p}.cpus4", "128M", f"prog={p} gup_resched=0 timeslice=100")
              for p in ("readrace", "forkkill", "groupreap")]
    whole.append(run("unmapflush.cpus4", "128M", "prog=unmapflush pagepoison"))
    # out of memory at a few hundred children: at the process limit four
    # harts on two cores take longer than a parked child waits
    whole += [run(f"forkbomb.cpus4.mem-{m}", m, "prog=forkbomb") for m in ("16M", "32M")]
    whole += [run(f"fuzz.cpus4.seed-{k}", "128M", f"prog=fuzz fuzzseed={k}") for k in range(1, 5)]
    whole += [run(f"dirtycow.cpus4.{f}", "128M", f"prog=dirtycow dirtycow={f} parallel")
              for f in ("fix2016", "fix2022")]
    swept = [run(f"smpstress.cpus4.failalloc-{n}", "128M", f"prog=smpstress failalloc={n}", False)
             for n in range(1, 4201, 150)]
    swept += [run(f"fuzz.cpus4.failalloc-{n}", "128M", f"prog=fuzz failalloc={n}", False)
              for n in range(1, 5501, 500)]
    swept += [run(f"refrace.cpus4.failalloc-{n}", "128M", f"prog=refrace failalloc={n}", False)
              for n in range(1, 12801, 1600)]
    return [("4 harts, nothing injected", whole),
            ("4 harts, smpstress, fuzz and refrace failalloc=N", swept)]

def check(run):
    """Boot run and judge it: returns (verdict, stats) with stats the faults
    injected, calls fuzzed, panics, leaks and pages leaked."""
    log = os.path.join(LOGDIR, run.name + ".log")
    rc, _ = gradelib.boot(run.args, run.mem, run.harts, LIMIT, log)
    text = gradelib.read(log)
    checks = [("expect", "all user-mode processes have quit."), ("expect", "cow audit pass."),
              ("expect", "init check memory pass.")] + [("reject-re", r) for r in SEVERE]
    checks += [("expect", run.passline)] if run.passline else []
    v = gradelib.judge(checks, rc, text, LIMIT)
    if v.ok and rc != 0:
        v = gradelib.Verdict(False, [f"QEMU exited with status {rc}"], [])
    number = lambda regex: int((re.search(regex, text, re.M) or [0, 0])[1])
    leak = re.search(r"init check memory failed.*free pages ([0-9]+) -> ([0-9]+)", text)
    stats = [number(r"^failalloc: ([0-9]+) allocations failed on purpose\r?$"),
             number(r"^fuzz: ([0-9]+) calls, "), int("kernel panic" in text),
             int("init check memory failed" in text),
             int(leak[1]) - int(leak[2]) if leak else 0]
    return v, stats

class Tally:
    """Counts units and adds up the runs' figures."""

    def __init__(self):
        self.passed = self.failed = 0
        self.stats = [0] * 5

    def group(self, title, runs, results):
        """Print one group's line and its failing runs."""
        stats = [sum(s[i] for _, s in results) for i in range(5)]
        self.stats = [a + b for a, b in zip(self.stats, stats)]
        bad = [(r, v) for r, (v, _) in zip(runs, results) if not v.ok]
        self.passed, self.failed = self.passed + len(runs) - len(bad), self.failed + len(bad)
        calls = f", {stats[1]} calls fuzzed" if stats[1] else ""
        print(f"{title + ':':<44} {len(runs):3d} runs, {stats[0]:4d} faults injected, "
              f"{stats[2]} panics, {stats[3]} leaks, {len(bad)} failed{calls}")
        for r, v in bad:
            print(f'    FAIL {r.name}: boot args "{" ".join(r.args)}", -m {r.mem}')
            for line in v.causes + v.problems + [f"log: {LOGDIR}/{r.name}.log"]:
                print("        " + line)
        sys.stdout.flush()

    def units(self, title, cmd, env=None):
        """Run a command whose last line is "N passed, M failed": N + M units."""
        p = subprocess.run(cmd, env=dict(os.environ, **(env or {})), text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        m = re.search(r"^([0-9]+) passed, ([0-9]+) failed\n?\Z", p.stdout, re.M)
        passed, failed = (int(m[1]), int(m[2])) if m else (0, 1)
        self.passed, self.failed = self.passed + passed, self.failed + failed
        print(f"{title + ':':<44} {passed + failed:3d} units, {failed} failed")
        lines = p.stdout.split("\n")
        for i in [i for i, l in enumerate(lines) if failed and ("FAIL" in l or "grade.sh:" in l)][:20]:
            print("\n".join("    " + l for l in lines[i:i + 5]))
        sys.stdout.flush()

def run_all(tally):
    """Boot every run, JOBS at a time; print each group once it is done."""
    todo = groups()
    runs = [r for _, rs in todo for r in rs]
    print(f"stress: {len(runs)} runs in {len(todo)} groups, {JOBS} at a time (logs in {LOGDIR}/)")
    done = {}
    for run, result in gradelib.run_all(runs, JOBS, check):
        done[run.name] = result
        while todo and all(r.name in done for r in todo[0][1]):
            title, rs = todo.pop(0)
            tally.group(title, rs, [done[r.name] for r in rs])
    return len(runs)

def interrupted(*_):
    gradelib.stop_all()
    print("stress: interrupted\n0 passed, 1 failed")
    os._exit(1)

def main():
    os.chdir(gradelib.TOP)
    signal.signal(signal.SIGINT, interrupted)
    signal.signal(signal.SIGTERM, interrupted)
    if not os.path.exists("bin/kernel") and not os.environ.get("QEMU_SH"):
        print("stress: no bin/kernel (run make first)\n0 passed, 1 failed")
        return 1
    shutil.rmtree(LOGDIR, ignore_errors=True)
    os.makedirs(LOGDIR)
    tally, start = Tally(), time.monotonic()
    n = run_all(tally)
    s = tally.stats
    print(f"stress: {n} runs in {time.monotonic() - start:.0f}s: {s[0]} faults injected, "
          f"{s[1]} system calls fuzzed, {s[2]} kernel panics, {s[3]} leaks ({s[4]} pages)")
    start = time.monotonic()
    for cpus, share in (("1", "1"), ("4", "8")):
        tally.units(f"graded suite, CPUS={cpus}, GRADE_SHARE={share}", ["./grade.sh"],
                    {"CPUS": cpus, "GRADE_SHARE": share, "GRADE_NOBUILD": "1",
                     "GRADE_LOGDIR": f"{LOGDIR}/grade-cpus{cpus}", "GRADE_LAB": ""})
    for title, flag in (("runner self-test (tools/grade_selftest.py)", []),
                        ("teachers' tools (grade_selftest.py --teachers)", ["--teachers"])):
        if os.path.exists("tools/grade_selftest.py"):     # not in a handout
            tally.units(title, ["python3", "tools/grade_selftest.py"] + flag)
    print(f"stress: the graded suite twice and the self-tests in {time.monotonic() - start:.0f}s")
    print(f"{tally.passed} passed, {tally.failed} failed")
    return 1 if tally.failed else 0

if __name__ == "__main__":
    sys.exit(main())
