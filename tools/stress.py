#!/usr/bin/env python3
"""make stress (docs/reliability.md): faults injected (failalloc=), bad input
and load. Each run of tools/stress.runs, a boot of one program (on one hart,
so that failalloc=N fails the same allocation every run, or on four), must
power off within STRESS_LIMIT, the kernel's checks passed, nothing leaked.
Then make grade with CPUS=1 and CPUS=4 and the harness's self-tests, a
unit a test or check; last "N passed, M failed" (logs: obj/stress/)."""

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

RUNS = "tools/stress.runs"                  # the runs (data; its format at its top)
SEVERE = [re.compile(r".*kernel panic.*"), re.compile(r".*CORRUPTED.*")]

class Run:
    """One boot: a name for its log, memory, boot arguments, harts, and the
    pass line it must print (only if nothing is injected: then True)."""

    def __init__(self, name, mem, args, passes=False, harts=1):
        self.name, self.mem, self.args, self.harts = name, mem, args.split(), harts
        prog = self.args[0][len("prog="):]
        self.passline = ("dirtycow: the file is safe." if prog == "dirtycow" else f"{prog} pass.") \
            if passes else None

def expand(text):
    """text with each {A,B,...} replaced by each choice, {F..L/S} by F, F+S, ... L."""
    m = re.search(r"\{([^{}]*)\}", text)
    if m is None:
        return [text]
    r = re.fullmatch(r"([0-9]+)\.\.([0-9]+)/([0-9]+)", m[1])
    picks = [str(n) for n in range(int(r[1]), int(r[2]) + 1, int(r[3]))] if r else m[1].split(",")
    return [e for pick in picks for e in expand(text[:m.start()] + pick + text[m.end():])]

def groups():
    """The runs of RUNS, as [(title, [Run])] in report order."""
    sweeps, out, names = [], {}, set()
    for line in [line for line in gradelib.read(RUNS).split("\n") if line.strip() and line[0] != "#"]:
        if line.startswith("sweep "):
            p, first, last, step, *extra = line.split()[1:]
            if os.path.exists(f"user/{p}.c") or os.path.isdir(f"user/{p}"):
                sweeps.append({"%p": p, "%f": first, "%l": last, "%s": step, "%S": str(3 * int(step)),
                               "%x": " ".join(extra)})
            continue
        if line.count("|") != 4:
            sys.exit(f"{RUNS}: want 'GROUP | HARTS | MEMORY | WANTS | BOOT ARGUMENTS', not: {line}")
        for sweep in sweeps if "%p" in line else [{}]:
            fill = lambda text: re.sub(r"%[pflsSx]", lambda m: sweep[m[0]], text)
            title, harts, mems, wants, args = [fill(f).strip() for f in line.split("|")]
            for mem, arg in [(m, a) for m in expand(mems) for a in expand(args)]:
                name = ".".join(w.replace("prog=", "").replace(":", "-").replace("=", "-") for w in arg.split())
                name += f".mem-{mem}" * (mem != "128M") + f".cpus{harts}" * (harts != "1")
                base, k = name, 1
                while name in names:        # a run listed twice (smpstress)
                    name, k = f"{base}.{k + 1}", k + 1
                names.add(name)
                out.setdefault(title, []).append(Run(name, mem, arg, wants == "pass", int(harts)))
    return list(out.items())

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
        self.passed, self.failed, self.stats = 0, 0, [0] * 5

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
