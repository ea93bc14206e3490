#!/usr/bin/env python3
"""The harness's own tests, a line per check, last "N passed, M failed":
make grade against a fake kernel whose programs do what their names say
(ok* passes, bad* prints FAIL, shy* passes only first in a boot, panic*,
hang*; the K-th of a shared boot "took" 1000 + 100 K ms), its files and
each lab's Classroom workflow; --teachers: make grade-handins with three
handins (correct, broken, hanging) and the autograder, on the real kernel."""

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
TESTS = "default\n  expect init check memory pass.\n  reject-re kernel panic.*\nlab fake A fake kernel\n" + \
    "".join(f"test {t}\n  expect {t} pass.\n" for t in "bad0 ok1 bad1 shy1 panic1 ok2".split()) + \
    "".join(f"test {t}\n  timeout 2\n  expect {t} pass.\n" for t in ("hang1", "ok3")) + "  also other\n" + \
    "lab other Another lab\ntest ok4\n  points 3\n  timeout 3\n  expect ok4 pass.\n"

def fake_qemu(args):
    """Print what tools/qemu.sh would with a kernel whose programs do the above."""
    progs = next((a[5:] for a in args if a.startswith("prog=")), "").split(",")
    print("fake kernel booted", flush=True)
    for i, p in enumerate(progs, 1):
        if len(progs) > 1:
            print(f"init: program {i} of {len(progs)}: {p}")
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
        if len(progs) > 1:
            print(f"init: {p} took {1000 + 100 * i} ms")
    return 0

class Checks:
    passed = failed = 0

    def want(self, ok, what):
        self.passed, self.failed = self.passed + bool(ok), self.failed + (not ok)
        print(f"{'ok  ' if ok else 'FAIL'}  {what}")

    def line(self, out, regex, what):
        hit = re.search(regex, out, re.M)
        self.want(hit, what if hit else f"{what} (no line matches '{regex}')")

    def done(self):
        print(f"{self.passed} passed, {self.failed} failed")
        return 1 if self.failed else 0

def grade(logs, share=8, lab=""):
    """make grade on the fake list; its output (JSON and JUnit in DIR/LOGS.*)."""
    env = dict(os.environ, QEMU_SH=os.path.join(DIR, "qemu.sh"), GRADE_NOBUILD="1",
               GRADE_TESTS=os.path.join(DIR, "tests"), GRADE_SHARE=str(share), GRADE_LAB=lab,
               GRADE_LOGDIR=os.path.join(DIR, logs), GRADE_JSON=os.path.join(DIR, logs + ".json"),
               GRADE_JUNIT=os.path.join(DIR, logs + ".xml"))
    return subprocess.run([os.path.join(gradelib.TOP, "grade.sh")], env=env, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT).stdout

def check_runner(c):
    out = grade("logs")
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
    c.line(out, r"^== Lab other: .*\nok3: +OK .*\nok4: ", "a test of two labs is shown in both, and counted once")
    out = grade("logs2", lab="other")
    c.line(out, r"^Lab other: 8/8\n\n== Lab other regressions: .*\n(.*\n)*Lab other regressions: 2/7$",
           "LAB= grades the lab's tests, then the earlier labs' others again, a point each")
    check_files(c, out, "logs2")

def check_files(c, out, logs):
    """The JSON and JUnit files of a run say what its output says."""
    score = re.search(r"^Total Score: ([0-9]+)/([0-9]+)$", out, re.M)
    counts = re.search(r"^([0-9]+) passed, ([0-9]+) failed$", out, re.M)
    score, (passed, failed) = score and tuple(map(int, score.groups())), map(int, counts.groups())
    tests = json.loads(gradelib.read(os.path.join(DIR, logs + ".json")))["tests"]
    total = json.loads(gradelib.read(os.path.join(DIR, logs + ".json")))["score"]
    c.want(score == (total, sum(t["max_score"] for t in tests)) == (sum(t["score"] for t in tests),
           score[1]), f"results.json's total is the printed one {score}")
    c.want(sum(t["score"] == t["max_score"] for t in tests) == passed,
           "results.json's full scores are the printed passes")
    top = ET.parse(os.path.join(DIR, logs + ".xml")).getroot()
    found = (len(top.findall("./testsuite/testcase")), len(top.findall(".//failure")))
    c.want((passed + failed, failed) == (int(top.get("tests")), int(top.get("failures"))) == found,
           f"the JUnit file counts the printed passes and failures ({passed}, {failed})")

def check_workflow(c, lab, suite):
    """The lab's workflow: JSON (so YAML) under its comment lines, on push, a command-grader
    step per test with its points, the reporter reading each one, the JUnit file kept."""
    try:
        body = "\n".join(line for line in handout.workflow(lab, suite).split("\n") if line[:1] != "#")
        wf = json.loads(body)
        steps = wf["jobs"]["grade"]["steps"]
        graders = [s for s in steps if "autograding-command-grader" in s.get("uses", "")]
        reporter = next(s for s in steps if "autograding-grading-reporter" in s.get("uses", ""))
        ids = [s["id"] for s in graders]
        ok = ("push" in wf["on"] and reporter["with"]["runners"] == ",".join(ids)
              and all(reporter["env"][f"{i.upper()}_RESULTS"] == f"${{{{ steps.{i}.outputs.result }}}}"
                      for i in ids)
              and [(s["with"]["test-name"], s["with"]["max-score"]) for s in graders] ==
              [(t.name, t.points) for _, _, ts in suite.lab_grade(lab) for t in ts]
              and any("upload-artifact" in s.get("uses", "") for s in steps) and "\t" not in body)
        why = "" if ok else ": its steps do not match the lab's tests"
    except (ValueError, KeyError, TypeError, StopIteration) as e:
        ok, why = False, f": {type(e).__name__} {e}"
    c.want(ok, f"the {lab} lab's Classroom workflow parses, one step a test{why}")

# ---- the teachers' tools, on the real kernel --------------------------------

def quiet(fn, *args):
    """Call fn; what it printed."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        fn(*args)
    return out.getvalue()

def fake_handin(fresh, out, files):
    """Write files ({path: text or a function of the old text}) into a clone
    of the handout fresh, run make handin there, move the tarball to out."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["git", "clone", "-q", fresh, tmp + "/t"], check=True)
        for path, text in files.items():
            old = gradelib.read(f"{tmp}/t/{path}") if os.path.exists(f"{tmp}/t/{path}") else ""
            gradelib.write(f"{tmp}/t/{path}", text(old) if callable(text) else text)
        subprocess.run(["tools/handin.sh"], cwd=tmp + "/t", check=True, capture_output=True)
        shutil.move(f"{tmp}/t/handin-cow.tar.gz", out)

def check_teachers(c):
    """grade-handins with three handins of the cow lab: alice's correct, bob's
    without exercise 3 and changing the grader, carol's hanging at boot."""
    root = os.path.join(gradelib.TOP, "obj/teacher-selftest")
    folder, fresh = root + "/handins", root + "/handout"
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(folder)
    teacher.cut_handout("cow", fresh)
    paths = sorted({r.path for r in handout.all_regions() if r.lab == "cow"})
    solved = {p: handout.cut_source("dirtycow", p, gradelib.read(p)) for p in paths}
    hang = solved["kern/mm/cow.c"].replace("void cow_init(void) {\n", "void cow_init(void) {\n    for (;;)\n        ;\n")
    fake_handin(fresh, folder + "/alice.tar.gz", dict(solved, **{"report.md": "Mine.\n"}))
    fake_handin(fresh, folder + "/bob.tar.gz", {p: t for p, t in solved.items() if p != "kern/mm/uaccess.c"}
                | {"tools/grade.tests": "", "Makefile": lambda t: t + "\n# mine\n"})
    fake_handin(fresh, folder + "/carol.tar.gz", dict(solved, **{"kern/mm/cow.c": hang}))
    quiet(teacher.grade_handins, "cow", folder, 2, 120, False)
    with open(folder + "/scores.csv", encoding="utf-8") as f:
        rows = {r["handin"]: r for r in csv.DictReader(f)}
    top = sum(t.points for t in teacher.lab_tests("cow"))
    a, b, k = (rows.get(n, {"total": "-1", "status": "no row"}) for n in ("alice", "bob", "carol"))
    c.want(sorted(rows) == ["alice", "bob", "carol"], "grade-handins writes a row per handin to scores.csv")
    c.want(a["total"] == str(top) and a["status"] == "ok",
           f"the correct handin gets every point ({a['total']}/{top}, {a['status']})")
    c.want(0 < int(b["total"]) < top and "restored as handed out: Makefile, tools/grade.tests" in b["status"],
           f"the broken one loses exercise 3, its changes to the grader undone ({b['total']}, {b['status']})")
    c.want(k["total"] == "0" and "time limit" in k["status"],
           f"the hanging one stops at its time limit, costing only itself ({k['status']})")
    c.want(os.path.exists(folder + "/logs/alice/grade/forktest.log") and
           "Total Score" in gradelib.read(folder + "/logs/alice/grade.txt"), "each handin has its log folder")
    c.want("0 to grade, 3 already graded" in quiet(teacher.grade_handins, "cow", folder, 2, 120, False),
           "a second run skips the graded handins")
    check_autograder(c, root, folder + "/alice.tar.gz", top)

def check_autograder(c, root, handin, top):
    """make autograder's zip, unpacked into a fake /autograder, grades a handin."""
    ag = root + "/autograder"
    quiet(teacher.autograder, "cow", root + "/autograder-cow.zip")
    with zipfile.ZipFile(root + "/autograder-cow.zip") as z:
        modes = {i.filename: i.external_attr >> 16 for i in z.infolist()}
        for info in z.infolist():
            os.chmod(z.extract(info, ag + "/source"), (info.external_attr >> 16) or 0o644)
    c.want(modes.get("setup.sh") == modes.get("run_autograder") == 0o100755,
           "the autograder zip has setup.sh and run_autograder at its top")
    os.makedirs(ag + "/submission")
    shutil.copy(handin, ag + "/submission")
    subprocess.run([ag + "/source/run_autograder"], capture_output=True, env=dict(os.environ, AUTOGRADER_ROOT=ag))
    try:
        results = json.loads(gradelib.read(ag + "/results/results.json"))
        got = (results["score"], sum(t["max_score"] for t in results["tests"]))
    except (OSError, ValueError, KeyError):
        got = None
    c.want(got == (top, top), f"run_autograder grades a submission in a fake /autograder ({got})")

def main(args):
    if args[:1] == ["--fake"]:
        return fake_qemu(args[1:])
    os.chdir(gradelib.TOP)
    c = Checks()
    if args == ["--teachers"]:
        check_teachers(c)
        return c.done()
    shutil.rmtree(DIR, ignore_errors=True)
    os.makedirs(DIR)
    gradelib.write(os.path.join(DIR, "tests"), TESTS)
    gradelib.write(os.path.join(DIR, "qemu.sh"), f'#!/bin/sh\nexec python3 {os.path.abspath(__file__)} --fake "$@"\n')
    os.chmod(os.path.join(DIR, "qemu.sh"), 0o755)
    check_runner(c)
    suite = gradelib.parse_tests("tools/grade.tests")
    for lab in handout.LABS:
        check_workflow(c, lab, suite)
    return c.done()

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
