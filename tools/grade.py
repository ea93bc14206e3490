#!/usr/bin/env python3
"""make grade: build the kernel once, run the tests of tools/grade.tests
(tools/gradelib.py boots, shares boots, cuts and judges), print a score.

  tools/grade.py [WORD...]      the tests whose names contain a WORD (all if none)
  tools/grade.py --passed RESULTS.json NAME    exit 0 if test NAME got its
                                points in that results file (GitHub Classroom)

Prints per lab "== Lab NAME: TITLE", one line per test (with the cause
lines, the first three failed checks and the log's path under a failed
one) and "Lab NAME: X/Y"; then "Total Score: X/Y" and, always last,
"N passed, M failed". The exit status is 0 only if every test passed.
One quick boot of hello runs first: if the kernel's boot self-check fails,
that is said once at the top.

Environment: CPUS=N harts a boot (default 2) unless its test says;
GRADE_LAB=NAME one lab's tests; GRADE_SHARE=N at most N tests a boot
(default 8, 1: each alone); GRADE_JOBS=N boots at once (default nproc + 1:
some tests sleep); GRADE_LOGDIR=DIR logs (default obj/grade);
GRADE_JSON=FILE Gradescope's results.json; GRADE_JUNIT=FILE JUnit XML;
GRADE_TESTS=FILE another test list; GRADE_NOBUILD=1 no build;
QEMU_SH=PATH another runner (gradelib.boot).
"""

import json
import os
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET

import gradelib
from gradelib import GradeError, Test


def die(message):
    """Say what went wrong, then the result line CI looks for; exit 1."""
    print(f"grade.sh: {message}", file=sys.stderr)
    print("0 passed, 1 failed")
    sys.exit(1)


def env_int(name, default, low, high, why=""):
    value = os.environ.get(name) or str(default)
    if not value.isdigit() or not low <= int(value) <= high:
        die(f"bad {name} '{value}'{why}")
    return int(value)


def select(suite, lab, words):
    """The tests of lab (all labs if empty) whose names contain a word (all
    if none), grouped by lab in the labs' order. A word that matches
    nothing is an error."""
    if lab and lab not in suite.labs:
        raise GradeError(f"no lab named '{lab}'; the labs are: {' '.join(suite.labs)}")
    chosen = [t for name in suite.labs if not lab or name == lab
              for t in suite.tests if t.lab == name
              and (not words or any(w in t.name for w in words))]
    for w in words:
        if not any(w in t.name for t in chosen):
            of = f" of lab {lab}" if lab else ""
            raise GradeError(f"no test{of} matches '{w}'; the labs are: {' '.join(suite.labs)}")
    if not chosen:
        raise GradeError(f"lab {lab} has no tests")
    return chosen


def boot_check():
    """The boot self-check: hello must reach its first user process."""
    t = Test("boot/hello", None, int(os.environ.get("CPUS") or 2))
    t.prog, t.timeout, t.nodefault = "hello", 5, True
    gradelib.add_check(t.checks, "expect-re", r"kernel_execve: pid = 2, .*", "boot check")
    return t


def detail(result, boot_failed):
    """The lines under a failed test: why, the first failed checks, its log."""
    if boot_failed:
        lines = ["(boot self-check failed, see above)"]
    else:
        v = result.verdict
        lines = v.causes + v.problems[:3]
        if len(v.problems) > 3:
            lines.append(f"(+{len(v.problems) - 3} more)")
    return lines + [f"log: {result.log}"]


def result_line(result, width):
    t, tenths = result.test, (result.ms + 50) // 100
    shared = f" in a boot of {result.sharers}" if result.sharers > 1 else ""
    tag = f"  [{t.lab} {t.exercise}]" if t.exercise else ""
    verdict = "OK" if result.ok else "FAIL"
    return f"{t.name + ':':<{width}} {verdict:<4} ({tenths // 10}.{tenths % 10}s{shared}){tag}"


class Report:
    """Prints results in the list's order as they come in, and adds them up."""

    def __init__(self, suite, selected, logdir):
        self.suite, self.selected, self.logdir = suite, selected, logdir
        self.width = max([12] + [len(t.name) + 2 for t in selected])
        self.results, self.printed, self.boot = {}, 0, "pending"

    def add(self, result):
        """Take one result; print every result now ready, none before the
        boot self-check's."""
        if result.test.lab is None:
            self.say_boot(result.verdict)
        else:
            self.results[result.test.name] = result
        while self.boot != "pending" and self.printed < len(self.selected) \
                and self.selected[self.printed].name in self.results:
            self.say(self.selected[self.printed])
            self.printed += 1

    def say_boot(self, verdict):
        """Print the boot self-check's failure, if it failed (it passed if
        it reached pid 2, whatever else happened)."""
        self.boot = "failed" if verdict.problems else "ok"
        if self.boot == "failed":
            why = " | ".join(c.strip() for c in verdict.causes)
            why = why or "it never reached 'kernel_execve: pid = 2'"
            print(f"the kernel's boot self-check failed: {why} "
                  "-- every test below fails because of it")
            print(f"    log: {os.path.join(self.logdir, 'boot/hello.log')}")

    def say(self, test):
        i, lab = self.printed, test.lab
        if i == 0 or self.selected[i - 1].lab != lab:
            print(f"== Lab {lab}: {self.suite.labs[lab]}")
        result = self.results[test.name]
        print(result_line(result, self.width))
        if not result.ok:
            for line in detail(result, self.boot == "failed"):
                print("    " + line)
        if i + 1 == len(self.selected) or self.selected[i + 1].lab != lab:
            score, total = self.score(lab)
            print(f"Lab {lab}: {score}/{total}\n")
        sys.stdout.flush()

    def score(self, lab=None):
        """(points earned, points possible) of one lab or of all."""
        rs = [r for r in self.results.values() if lab is None or r.test.lab == lab]
        return sum(r.test.points for r in rs if r.ok), sum(r.test.points for r in rs)

    def in_order(self):
        return [self.results[t.name] for t in self.selected]


def write_json(path, report):
    """Gradescope's results.json: one entry per test, the total score."""
    tests = []
    for r in report.in_order():
        out = [result_line(r, 0)] + ([] if r.ok else detail(r, report.boot == "failed"))
        tests.append({"name": r.test.name, "score": r.test.points if r.ok else 0,
                      "max_score": r.test.points, "status": "passed" if r.ok else "failed",
                      "output": "\n".join(out), "visibility": "visible"})
    score, total = report.score()
    summary = "\n".join(f"Lab {lab}: {'/'.join(map(str, report.score(lab)))}"
                        for lab in dict.fromkeys(r.test.lab for r in report.in_order()))
    gradelib.write(path, json.dumps({"score": score, "output": f"{summary}\nTotal Score: "
                                     f"{score}/{total}", "stdout_visibility": "visible",
                                     "tests": tests}, indent=1) + "\n")


def write_junit(path, report):
    """JUnit XML: a testsuite per lab, a testcase per test, a failure with
    the decisive lines for each failed one."""
    top = ET.Element("testsuites", name="make grade")
    for lab in dict.fromkeys(r.test.lab for r in report.in_order()):
        rs = [r for r in report.in_order() if r.test.lab == lab]
        suite = ET.SubElement(top, "testsuite", name=lab, tests=str(len(rs)),
                              failures=str(sum(not r.ok for r in rs)),
                              time=f"{sum(r.ms for r in rs) / 1000:.1f}")
        props = ET.SubElement(suite, "properties")
        score, total = report.score(lab)
        ET.SubElement(props, "property", name="score", value=f"{score}/{total}")
        for r in rs:
            case = ET.SubElement(suite, "testcase", classname=lab, name=r.test.name,
                                 time=f"{r.ms / 1000:.1f}")
            if not r.ok:
                lines = detail(r, report.boot == "failed")
                ET.SubElement(case, "failure", message=lines[0]).text = "\n".join(lines)
    top.set("tests", str(len(report.results)))
    top.set("failures", str(sum(not r.ok for r in report.results.values())))
    ET.ElementTree(top).write(path, encoding="utf-8", xml_declaration=True)


def load_times(path):
    try:
        return json.loads(gradelib.read(path))
    except (OSError, ValueError):
        return {}


def run(selected, suite, logdir):
    """Run the boot self-check and the selected tests; returns the Report."""
    share = env_int("GRADE_SHARE", 8, 1, gradelib.MAX_SHARE,
                    " (1 to 16: the kernel runs 16 programs a boot)")
    jobs = env_int("GRADE_JOBS", (os.cpu_count() or 1) + 1, 1, 10**6)
    times_file = os.path.join(logdir, "times.json")
    times = load_times(times_file)
    boots = gradelib.plan(selected, lambda t: t.share_key(share), share,
                          lambda t: times.get(t.name, t.timeout * 100))
    os.makedirs(os.path.join(logdir, "boot"), exist_ok=True)
    runner, report = gradelib.Runner(suite, logdir), Report(suite, selected, logdir)
    for _, results in gradelib.run_all([[boot_check()]] + boots, jobs, runner.run):
        for r in results:
            report.add(r)
    times.update({r.test.name: r.ms for r in report.results.values()})
    gradelib.write(times_file, json.dumps(times, indent=0, sort_keys=True) + "\n")
    return report


def passed(results_file, name):
    """Exit status for a GitHub Classroom step: 0 if test name got its points."""
    try:
        tests = json.loads(gradelib.read(results_file))["tests"]
    except (OSError, ValueError, KeyError):
        sys.exit(f"grade: no results in {results_file} (did make grade run?)")
    hit = [t for t in tests if t["name"] == name]
    print(hit[0]["output"] if hit else f"no test {name} in {results_file}")
    return 0 if hit and hit[0]["score"] == hit[0]["max_score"] else 1


def interrupted(*_):
    gradelib.stop_all()
    die("interrupted")


def main(words):
    if words[:1] == ["--passed"] and len(words) == 3:
        return passed(words[1], words[2])
    os.chdir(gradelib.TOP)
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, interrupted)
    logdir = os.environ.get("GRADE_LOGDIR") or "obj/grade"
    try:
        suite = gradelib.parse_tests(os.environ.get("GRADE_TESTS") or "tools/grade.tests",
                                     env_int("CPUS", 2, 1, 8))
        selected = select(suite, os.environ.get("GRADE_LAB", ""), words)
    except GradeError as e:
        die(str(e))
    if os.environ.get("GRADE_NOBUILD") != "1":
        if subprocess.run(["make", "-s", f"-j{os.cpu_count() or 1}", "all"]).returncode:
            die("build failed (errors above); no test was run")
    report = run(selected, suite, logdir)
    score, total = report.score()
    failed = sum(not r.ok for r in report.results.values())
    if os.environ.get("GRADE_JSON"):
        write_json(os.environ["GRADE_JSON"], report)
    if os.environ.get("GRADE_JUNIT"):
        write_junit(os.environ["GRADE_JUNIT"], report)
    print(f"Total Score: {score}/{total}")
    print(f"{len(report.results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
