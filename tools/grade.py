#!/usr/bin/env python3
"""make grade: build once, run the tests of tools/grade.tests through
tools/gradelib.py and print the score (README, "How grading works"):
per part (a lab's tests, or with GRADE_LAB its regressions) "== Lab NAME:
TITLE", a line per test, "Lab NAME: X/Y", then "Total Score: X/Y" and last
"N passed, M failed" (each test once); exit status 1 if any failed.
  grade.py [WORD...]                    the tests whose names hold a WORD
  grade.py --passed RESULTS.json NAME   0 if test NAME got its points there
Environment: CPUS, GRADE_LAB, GRADE_SHARE, GRADE_JOBS, GRADE_LOGDIR,
GRADE_JSON, GRADE_JUNIT, GRADE_TESTS, GRADE_NOBUILD=1, QEMU_SH (README)."""

import json
import os
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET

import gradelib
from gradelib import GradeError

ENV = os.environ.get

def die(message):
    """Say what went wrong and the result line CI reads; exit 1."""
    print(f"grade.sh: {message}", file=sys.stderr)
    print("0 passed, 1 failed")
    sys.exit(1)

def number(name, default, high, why=""):
    value = ENV(name) or str(default)
    if not value.isdigit() or not 1 <= int(value) <= high:
        die(f"bad {name} '{value}'{why}")
    return int(value)

def select(suite, lab, words):
    """The parts to grade [(name, title, tests)]: lab's grade (Suite.lab_grade),
    or every lab's own tests; of those, the ones whose names hold a word (all
    if no words); a word matching none is an error."""
    labs = " ".join(suite.labs)
    gradelib.need(not lab or lab in suite.labs, "", f"no lab named '{lab}'; the labs are: {labs}")
    parts = [(name, title, [t for t in tests if not words or any(w in t.name for w in words)])
             for each in suite.labs if lab in ("", each)
             for name, title, tests in suite.lab_grade(each)[:2 if lab else 1]]
    for w in words:
        of = f" of lab {lab}" if lab else ""
        gradelib.need(any(w in t.name for p in parts for t in p[2]), "",
                      f"no test{of} matches '{w}'; the labs are: {labs}")
    gradelib.need(any(p[2] for p in parts), "", f"lab {lab} has no tests")
    return [p for p in parts if p[2]]

def boot_check(harts):
    """The boot self-check: hello must reach its first user process."""
    t = gradelib.Test("boot/hello", None, harts)
    t.prog, t.timeout, t.nodefault = "hello", 5, True
    t.checks = [("expect-re", gradelib.check("expect-re", r"kernel_execve: pid = 2, .*", ""))]
    return t

class Report:
    """Prints results in the parts' order as they come in, and adds them up."""

    def __init__(self, suite, parts, logdir):
        self.suite, self.logdir = suite, logdir
        self.entries = [(name, title, t) for name, title, tests in parts for t in tests]
        self.width = max([12] + [len(t.name) + 2 for _, _, t in self.entries])
        self.results, self.printed, self.boot = {}, 0, "pending"

    def add(self, r):
        """Take a result; print all now ready, none before the boot check's."""
        if r.test.lab is None:
            self.say_boot(r.verdict)
        else:
            self.results[r.test.name] = r
        while self.boot != "pending" and self.printed < len(self.entries) \
                and self.entries[self.printed][2].name in self.results:
            self.say(self.printed)
            self.printed += 1

    def say_boot(self, v):
        """It passed if hello reached pid 2, whatever else happened."""
        self.boot = "failed" if v.problems else "ok"
        if self.boot == "failed":
            why = " | ".join(c.strip() for c in v.causes) or "it never reached 'kernel_execve: pid = 2'"
            print(f"the kernel's boot self-check failed: {why} -- every test below fails because of it")
            print(f"    log: {os.path.join(self.logdir, 'boot/hello.log')}")

    def line(self, t, width=0):
        r = self.results[t.name]
        tenths = (r.ms + 50) // 100
        shared = f" in a boot of {r.sharers}" if r.sharers > 1 else ""
        tag = f"  [{t.lab} {t.exercise}]" if t.exercise else ""
        return f"{t.name + ':':<{width}} {'OK' if r.ok else 'FAIL':<4} ({tenths // 10}.{tenths % 10}s{shared}){tag}"

    def detail(self, r):
        """Under a failed test: why, the first three failed checks, the log."""
        v = r.verdict
        more = [f"(+{len(v.problems) - 3} more)"] if len(v.problems) > 3 else []
        why = ["(boot self-check failed, see above)"] if self.boot == "failed" else \
            v.causes + v.problems[:3] + more
        return why + [f"log: {r.log}"]

    def say(self, i):
        (part, title, t), r = self.entries[i], self.results[self.entries[i][2].name]
        if i == 0 or self.entries[i - 1][0] != part:
            print(f"== Lab {part}: {title}")
        print(self.line(t, self.width))
        for line in [] if r.ok else self.detail(r):
            print("    " + line)
        if i + 1 == len(self.entries) or self.entries[i + 1][0] != part:
            print("Lab {}: {}/{}\n".format(part, *self.score(part)))
        sys.stdout.flush()

    def score(self, part=None):
        """(points earned, points possible) of part, or of all (each test once)."""
        ts = [t for p, _, t in self.entries if p == part] if part else [t for _, t in self.once()]
        return sum(t.points for t in ts if self.results[t.name].ok), sum(t.points for t in ts)

    def once(self):
        """[(part, test)]: each test in the first part that has it."""
        seen = {}
        return [seen.setdefault(t.name, (p, t)) for p, _, t in self.entries if t.name not in seen]

    def parts(self):
        return {p: [t for q, t in self.once() if q == p] for p, _, _ in self.entries}

def write_json(path, rep):
    """Gradescope's results.json: a test per test (its result line and, if it
    failed, the lines under it), the total."""
    res = lambda t: rep.results[t.name]
    tests = [{"name": t.name, "score": t.points if res(t).ok else 0, "max_score": t.points,
              "status": "passed" if res(t).ok else "failed", "visibility": "visible",
              "output": "\n".join([rep.line(t)] + ([] if res(t).ok else rep.detail(res(t))))}
             for _, t in rep.once()]
    out = "\n".join("Lab {}: {}/{}".format(part, *rep.score(part)) for part in rep.parts())
    gradelib.write(path, json.dumps({"score": rep.score()[0], "output": out + "\nTotal Score: {}/{}"
                                     .format(*rep.score()), "tests": tests}, indent=1) + "\n")

def write_junit(path, rep):
    """JUnit XML: a testsuite per part, a testcase per test (in the first
    part that has it), a failure with the lines under it for each failed one."""
    top = ET.Element("testsuites", name="make grade", tests=str(len(rep.results)),
                     failures=str(sum(not r.ok for r in rep.results.values())))
    for part, ts in rep.parts().items():
        rs = [rep.results[t.name] for t in ts]
        suite = ET.SubElement(top, "testsuite", name=part, tests=str(len(rs)),
                              failures=str(sum(not r.ok for r in rs)),
                              time=f"{sum(r.ms for r in rs) / 1000:.1f}")
        ET.SubElement(ET.SubElement(suite, "properties"), "property", name="score",
                      value="{}/{}".format(*rep.score(part)))
        for r in rs:
            case = ET.SubElement(suite, "testcase", classname=part, name=r.test.name,
                                 time=f"{r.ms / 1000:.1f}")
            if not r.ok:
                lines = rep.detail(r)
                ET.SubElement(case, "failure", message=lines[0]).text = "\n".join(lines)
    ET.ElementTree(top).write(path, encoding="utf-8", xml_declaration=True)

def run(suite, parts, logdir, harts):
    """Run the boot self-check and the tests of parts (each once), slowest
    first by the last run's times (kept in LOGDIR/times.json); the Report."""
    share = number("GRADE_SHARE", 8, gradelib.MAX_SHARE, " (1 to 16: the kernel runs 16 programs a boot)")
    jobs = number("GRADE_JOBS", (os.cpu_count() or 1) + 1, 10**6)
    times_file = os.path.join(logdir, "times.json")
    try:
        times = json.loads(gradelib.read(times_file))
    except (OSError, ValueError):
        times = {}
    report = Report(suite, parts, logdir)
    boots = gradelib.plan([t for _, t in report.once()], lambda t: t.share_key(share), share,
                          lambda t: times.get(t.name, t.timeout * 100))
    os.makedirs(os.path.join(logdir, "boot"), exist_ok=True)
    runner = gradelib.Runner(suite, logdir)
    for _, results in gradelib.run_all([[boot_check(harts)]] + boots, jobs, runner.run):
        for r in results:
            report.add(r)
    times.update({r.test.name: r.ms for r in report.results.values()})
    gradelib.write(times_file, json.dumps(times, indent=0, sort_keys=True) + "\n")
    return report

def passed(results, name):
    """For a GitHub Classroom step: 0 if test name got its points in results."""
    try:
        hit = [t for t in json.loads(gradelib.read(results))["tests"] if t["name"] == name]
    except (OSError, ValueError, KeyError):
        hit = []
    print(hit[0]["output"] if hit else f"no result for {name} in {results} (did make grade run?)")
    return 0 if hit and hit[0]["score"] == hit[0]["max_score"] else 1

def main(words):
    if words[:1] == ["--passed"] and len(words) == 3:
        return passed(*words[1:])
    os.chdir(gradelib.TOP)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: (gradelib.stop_all(), die("interrupted")))
    logdir, harts = ENV("GRADE_LOGDIR") or "obj/grade", number("CPUS", 2, 8)
    try:
        suite = gradelib.parse_tests(ENV("GRADE_TESTS") or "tools/grade.tests", harts)
        parts = select(suite, ENV("GRADE_LAB", ""), words)
    except GradeError as e:
        die(str(e))
    if ENV("GRADE_NOBUILD") != "1" and subprocess.run(["make", "-s", f"-j{os.cpu_count()}", "all"]).returncode:
        die("build failed (errors above); no test was run")
    report = run(suite, parts, logdir, harts)
    for name, write in (("GRADE_JSON", write_json), ("GRADE_JUNIT", write_junit)):
        if ENV(name):
            write(ENV(name), report)
    failed = sum(not r.ok for r in report.results.values())
    print("Total Score: {}/{}".format(*report.score()))
    print(f"{len(report.results) - failed} passed, {failed} failed")
    return 1 if failed else 0

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
