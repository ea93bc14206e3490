#!/usr/bin/env python3
"""Check the runner (tools/gradelib.py, make grade) against a fake kernel,
without QEMU: which test passes, which fails and why, which is booted
again alone; that the JSON and JUnit files add up to the printed score;
and that each lab's GitHub Classroom workflow parses (JSON, a subset of
YAML) in the shape Classroom reads. With --teachers, on the real kernel instead: make
grade-handins with three handins (correct, broken, hanging) and make
autograder's zip in a fake /autograder. Prints one line per check and
last "N passed, M failed" (make stress runs both).

Each fake program's name says what it does in a boot:
  ok*     prints its pass line            bad*    prints a FAIL line instead
  shy*    passes only as its boot's first program (a kernel that lets one
          program's run harm the next)
  panic*  the kernel panics: the boot ends   hang*   the kernel hangs
In a shared boot, the K-th program "took" 1000 + 100 K ms.
"""

import contextlib
import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zipfile

import gradelib
import handout
import teacher

DIR = os.path.join(gradelib.TOP, "obj/grade-selftest")
TESTS = """default
  expect init check memory pass.
  reject-re kernel panic.*
lab fake A fake kernel
test bad0
  expect bad0 pass.
test ok1
  expect ok1 pass.
test bad1
  expect bad1 pass.
test shy1
  expect shy1 pass.
test panic1
  expect panic1 pass.
test ok2
  expect ok2 pass.
test hang1
  timeout 2
  expect hang1 pass.
test ok3
  timeout 2
  expect ok3 pass.
lab other Another lab
test ok4
  points 3
  timeout 3
  expect ok4 pass.
"""


def fake_qemu(args):
    """Behave as tools/qemu.sh would with a kernel whose programs do the above."""
    progs = next((a[5:] for a in args if a.startswith("prog=")), "").split(",")
    n = len(progs)
    print("fake kernel booted", flush=True)
    for i, p in enumerate(progs, 1):
        if n > 1:
            print(f"init: program {i} of {n}: {p}")
        print(f'kernel_execve: pid = 2, name = "{p}".')
        if p.startswith("ok") or (p.startswith("shy") and i == 1):
            print(f"{p} pass.")
        elif p.startswith(("bad", "shy")):
            print(f"{p} FAIL: {'wrong answer' if p.startswith('bad') else 'not alone'}")
        elif p.startswith("panic"):
            print(f"kernel panic at kern/fake.c:1:\n    {p} broke it")
            return 1
        elif p.startswith("hang"):
            sys.stdout.flush()
            os.execvp("sleep", ["sleep", "10"])
        print("init check memory pass.")
        if n > 1:
            print(f"init: {p} took {1000 + 100 * i} ms")
    return 0


class Checks:
    """Counts and prints the checks."""

    def __init__(self):
        self.passed = self.failed = 0

    def want(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        print(f"{'ok  ' if ok else 'FAIL'}  {what}")

    def line(self, out, regex, what):
        hit = re.search(regex, out, re.M)
        self.want(hit, what if hit else f"{what} (no line matches '{regex}')")


def grade(logs, share=8, lab="", files=False):
    """Run make grade's runner on the fake list; returns its output."""
    env = dict(os.environ, QEMU_SH=os.path.join(DIR, "qemu.sh"), GRADE_NOBUILD="1",
               GRADE_TESTS=os.path.join(DIR, "tests"), GRADE_SHARE=str(share),
               GRADE_LOGDIR=os.path.join(DIR, logs), GRADE_LAB=lab)
    if files:
        env.update(GRADE_JSON=os.path.join(DIR, logs + ".json"),
                   GRADE_JUNIT=os.path.join(DIR, logs + ".xml"))
    return subprocess.run([os.path.join(gradelib.TOP, "grade.sh")], env=env, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT).stdout


def check_runner(c):
    out = grade("logs", files=True)
    c.line(out, r"^bad0: +FAIL +\(.* in a boot of 6\)$", "the first program of a shared boot is judged there")
    c.line(out, r"^ok1: +OK +\(1\.2s in a boot of 6\)$", "a later one passes there, timed by the kernel")
    c.line(out, r"^bad1: +FAIL \([0-9.]+s\)$", "a program failing in a shared boot is booted again alone")
    c.line(out, r"^    bad1 FAIL: wrong answer$", "... and fails there, with its own cause")
    c.line(out, r"^shy1: +FAIL .*in a boot of 6", "a program that fails only after others fails")
    c.line(out, r"^    passed alone .*, failed after bad0 ok1 bad1 in one boot$", "... and says so")
    c.line(out, r"^    kernel panic at kern/fake.c:1:$", "a panic is named under its test")
    c.line(out, r"^ok2: +OK +\([0-9.]+s\)$", "a program after a panic is booted alone and passes")
    c.line(out, r"^ok3: +OK +\([0-9.]+s\)$", "... and so is the next one")
    c.line(out, r"^    timed out after 2s$", "a hang is cut off by the boot's timeout, and again alone")
    c.line(out, r"\n4 passed, 5 failed\n$", "the count comes last")
    check_files(c, out, "logs")
    c.line(grade("logs1", share=1), r"^shy1: +OK +\([0-9.]+s\)$", "GRADE_SHARE=1 boots every test alone")
    out = grade("logs2", lab="other", files=True)
    check_files(c, out, "logs2")


def check_files(c, out, logs):
    """The JSON and JUnit files of a run say what its output says."""
    score = re.search(r"^Total Score: ([0-9]+)/([0-9]+)$", out, re.M)
    counts = re.search(r"^([0-9]+) passed, ([0-9]+) failed$", out, re.M)
    results = json.loads(gradelib.read(os.path.join(DIR, logs + ".json")))
    tests = results["tests"]
    c.want(score and (results["score"], sum(t["max_score"] for t in tests)) ==
           tuple(map(int, score.groups())) and sum(t["score"] for t in tests) == results["score"],
           f"results.json's total is the printed one ({score and score.group(0)})")
    c.want(counts and sum(t["score"] == t["max_score"] for t in tests) == int(counts.group(1)),
           "results.json's full scores are the printed passes")
    top = ET.parse(os.path.join(DIR, logs + ".xml")).getroot()
    cases, fails = top.findall("./testsuite/testcase"), len(top.findall(".//failure"))
    printed = counts and (int(counts.group(1)) + int(counts.group(2)), int(counts.group(2)))
    c.want(printed == (int(top.get("tests")), int(top.get("failures"))) == (len(cases), fails),
           f"the JUnit file counts the printed passes and failures ({counts and counts.group(0)})")


def check_workflow(c, lab, suite):
    """The lab's workflow: JSON (so YAML) after its comment lines, on push,
    one command-grader step per test with its points, the reporter reading
    every one, the JUnit file kept."""
    text = handout.workflow(lab, suite)
    try:
        body = "\n".join(line for line in text.split("\n") if not line.startswith("#"))
        wf = json.loads(body)
        steps = wf["jobs"]["grade"]["steps"]
        graders = [s for s in steps if "autograding-command-grader" in s.get("uses", "")]
        reporter = next(s for s in steps if "autograding-grading-reporter" in s.get("uses", ""))
        ids = [s["id"] for s in graders]
        ok = ("push" in wf["on"] and reporter["with"]["runners"] == ",".join(ids)
              and all(reporter["env"][f"{i.upper()}_RESULTS"] ==
                      f"${{{{ steps.{i}.outputs.result }}}}" for i in ids)
              and [(s["with"]["test-name"], s["with"]["max-score"]) for s in graders] ==
              [(t.name, t.points) for t in suite.tests if t.lab == lab]
              and any("upload-artifact" in s.get("uses", "") for s in steps)
              and not re.search(r"\t|^ *#", body, re.M))
        why = "" if ok else ": its steps do not match the lab's tests"
    except (ValueError, KeyError, TypeError, StopIteration) as e:
        ok, why = False, f": {type(e).__name__} {e}"
    c.want(ok, f"the {lab} lab's Classroom workflow parses, one step a test{why}")


# ---- the teachers' tools, on the real kernel (--teachers) ---------------------

def capture(fn, *args):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        fn(*args)
    return out.getvalue()


def fake_handin(fresh, out, files):
    """Write files ({path: text, or a function of the old text}) into a clone
    of the handout fresh, run make handin there, move its tarball to out."""
    with tempfile.TemporaryDirectory() as tmp:
        tree = os.path.join(tmp, "tree")
        subprocess.run(["git", "clone", "-q", fresh, tree], check=True)
        for path, text in files.items():
            full = os.path.join(tree, path)
            old = gradelib.read(full) if os.path.exists(full) else ""
            gradelib.write(full, text(old) if callable(text) else text)
        subprocess.run(["tools/handin.sh"], cwd=tree, check=True, capture_output=True)
        shutil.move(os.path.join(tree, "handin-cow.tar.gz"), out)


def check_teachers(c):
    """grade-handins with three handins of the cow lab (correct, broken and
    cheating, hanging), then the autograder zip in a fake /autograder."""
    root = os.path.join(gradelib.TOP, "obj/teacher-selftest")
    folder, fresh = os.path.join(root, "handins"), os.path.join(root, "handout")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(folder)
    teacher.cut_handout("cow", fresh)
    paths = sorted({r.path for r in handout.all_regions() if r.lab == "cow"})
    solution = {p: handout.cut_source("dirtycow", p, gradelib.read(p)) for p in paths}
    hang = lambda text: text.replace("void cow_init(void) {\n", "void cow_init(void) {\n    for (;;)\n        ;\n")
    fake_handin(fresh, os.path.join(folder, "alice.tar.gz"), dict(solution, **{"report.md": "Mine.\n"}))
    broken = {p: t for p, t in solution.items() if p != "kern/mm/uaccess.c"}   # no exercise 3
    fake_handin(fresh, os.path.join(folder, "bob.tar.gz"),
                dict(broken, **{"tools/grade.tests": "", "Makefile": lambda t: t + "\n# mine\n"}))
    fake_handin(fresh, os.path.join(folder, "carol.tar.gz"),
                dict(solution, **{"kern/mm/cow.c": hang(solution["kern/mm/cow.c"])}))
    capture(teacher.grade_handins, "cow", folder, 2, 60, False)
    with open(os.path.join(folder, "scores.csv"), encoding="utf-8") as f:
        rows = {r["handin"]: r for r in csv.DictReader(f)}
    top = sum(t.points for t in teacher.lab_tests("cow"))
    row = lambda name: rows.get(name, {"total": "-1", "status": "no row"})
    alice, bob, carol = row("alice"), row("bob"), row("carol")
    c.want(sorted(rows) == ["alice", "bob", "carol"], "grade-handins writes a row per handin to scores.csv")
    c.want(alice["total"] == str(top) and alice["status"] == "ok",
           f"the correct handin gets every point ({alice['total']}/{top}, {alice['status']})")
    c.want(0 < int(bob["total"]) < top and
           "restored as handed out: Makefile, tools/grade.tests" in bob["status"],
           f"the broken one fails its stubs' tests, its changes to the grader undone ({bob['total']}, "
           f"{bob['status']})")
    c.want(carol["total"] == "0" and "time limit" in carol["status"],
           f"the hanging one stops at its time limit, costing only itself ({carol['status']})")
    c.want(os.path.exists(os.path.join(folder, "logs/alice/grade/forktest.log")) and
           "Total Score" in gradelib.read(os.path.join(folder, "logs/alice/grade.txt")),
           "each handin has its log folder")
    out = capture(teacher.grade_handins, "cow", folder, 2, 60, False)
    c.want("0 to grade, 3 already graded" in out, "a second run skips the graded handins")
    check_autograder(c, root, os.path.join(folder, "alice.tar.gz"), top)


def check_autograder(c, root, handin, top):
    """make autograder's zip, unpacked into a fake /autograder, grades a handin."""
    ag = os.path.join(root, "autograder")
    capture(teacher.autograder, "cow", os.path.join(root, "autograder-cow.zip"))
    with zipfile.ZipFile(os.path.join(root, "autograder-cow.zip")) as z:
        modes = {i.filename: i.external_attr >> 16 for i in z.infolist()}
        for info in z.infolist():
            os.chmod(z.extract(info, os.path.join(ag, "source")), (info.external_attr >> 16) or 0o644)
    c.want(modes.get("setup.sh") == modes.get("run_autograder") == 0o100755,
           "the autograder zip has setup.sh and run_autograder at its top")
    os.makedirs(os.path.join(ag, "submission"))
    shutil.copy(handin, os.path.join(ag, "submission"))
    subprocess.run([os.path.join(ag, "source/run_autograder")], capture_output=True,
                   env=dict(os.environ, AUTOGRADER_ROOT=ag))
    try:
        results = json.loads(gradelib.read(os.path.join(ag, "results/results.json")))
        got = (results["score"], sum(t["max_score"] for t in results["tests"]))
    except (OSError, ValueError, KeyError):
        got = None
    c.want(got == (top, top), f"run_autograder grades a submission in a fake /autograder ({got})")


def main():
    if sys.argv[1:2] == ["--fake"]:
        return fake_qemu(sys.argv[2:])
    os.chdir(gradelib.TOP)
    if sys.argv[1:2] == ["--teachers"]:
        c = Checks()
        check_teachers(c)
        print(f"{c.passed} passed, {c.failed} failed")
        return 1 if c.failed else 0
    shutil.rmtree(DIR, ignore_errors=True)
    os.makedirs(DIR)
    gradelib.write(os.path.join(DIR, "tests"), TESTS)
    qemu = os.path.join(DIR, "qemu.sh")
    gradelib.write(qemu, f'#!/bin/sh\nexec python3 {os.path.abspath(__file__)} --fake "$@"\n')
    os.chmod(qemu, 0o755)
    c = Checks()
    check_runner(c)
    suite = gradelib.parse_tests(os.path.join(gradelib.TOP, "tools/grade.tests"))
    for lab in handout.LABS:
        check_workflow(c, lab, suite)
    print(f"{c.passed} passed, {c.failed} failed")
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
