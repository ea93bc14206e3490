#!/usr/bin/env python3
"""Check the runner (tools/gradelib.py, make grade) against a fake kernel,
without QEMU: which test passes, which fails and why, which is booted
again alone; that the JSON and JUnit files add up to the printed score;
and that each lab's GitHub Classroom workflow is well-formed YAML of the
shape Classroom reads. Prints one line per check and last "N passed,
M failed" (make stress runs it).

Each fake program's name says what it does in a boot:
  ok*     prints its pass line            bad*    prints a FAIL line instead
  shy*    passes only as its boot's first program (a kernel that lets one
          program's run harm the next)
  panic*  the kernel panics: the boot ends   hang*   the kernel hangs
In a shared boot, the K-th program "took" 1000 + 100 K ms.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import gradelib
import handout

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


# ---- a YAML reader for the workflow's block style ----------------------------

KEY_RE = re.compile(r"""("[^"]*"|'[^']*'|[A-Za-z0-9_.${}-]+):(?: (.*))?$""")


def scalar(text):
    """A plain or quoted scalar (numbers stay strings, as Actions reads them)."""
    if text[:1] in "\"'":
        if len(text) < 2 or text[-1] != text[0]:
            raise ValueError(f"unclosed quote: {text}")
        return text[1:-1]
    if text[:1] in "[{&*!|>%@`" or " #" in text:
        raise ValueError(f"not in the block subset: {text}")
    return text


def yaml_block(lines, i, indent):
    """Read the mapping or sequence at lines[i] (indent columns); returns it
    and the index of the first line after it."""
    seq = lines[i][1].startswith("- ")
    out = [] if seq else {}
    while i < len(lines) and lines[i][0] == indent:
        text = lines[i][1]
        if seq != text.startswith("- "):
            raise ValueError(f"line {i}: a sequence and a mapping mixed")
        if seq:
            item = text[2:]
            if KEY_RE.match(item):      # "- key: value" starts a mapping
                lines[i] = (indent + 2, item, lines[i][2])
                value, i = yaml_block(lines, i, indent + 2)
            else:
                value, i = scalar(item), i + 1
            out.append(value)
            continue
        m = KEY_RE.match(text)
        if not m or m.group(1).strip("\"'") in out:
            raise ValueError(f"line {i}: not a key, or a key twice: {text}")
        key, rest, i = m.group(1).strip("\"'"), (m.group(2) or "").strip(), i + 1
        if rest == "|":
            body = []
            while i < len(lines) and lines[i][0] > indent:
                body.append(lines[i][2][indent + 2:])
                i += 1
            out[key] = "\n".join(body) + "\n"
        elif rest:
            out[key] = scalar(rest)
        elif i < len(lines) and lines[i][0] > indent:
            out[key], i = yaml_block(lines, i, lines[i][0])
        else:
            out[key] = None
    if i < len(lines) and lines[i][0] > indent:
        raise ValueError(f"line {i}: indented too far: {lines[i][2]}")
    return out, i


def yaml_load(text):
    """Read block-style YAML (mappings, "- " sequences, scalars, "|" blocks);
    ValueError for anything else (tabs, flow style, anchors, bad indents)."""
    if "\t" in text:
        raise ValueError("a tab")
    lines = [(len(raw) - len(raw.lstrip(" ")), raw.strip(), raw) for raw in text.split("\n")
             if raw.strip() and not raw.lstrip().startswith("#")]
    value, i = yaml_block(lines, 0, lines[0][0])
    if i != len(lines):
        raise ValueError(f"line {i}: stray text: {lines[i][2]}")
    return value


def check_workflow(c, lab, suite):
    """The lab's workflow: YAML, on push, one command-grader step per test
    with its points, the reporter reading every one, the JUnit file kept."""
    text = handout.workflow(lab, suite)
    try:
        wf = yaml_load(text)
        steps = wf["jobs"]["grade"]["steps"]
        graders = [s for s in steps if "autograding-command-grader" in s.get("uses", "")]
        reporter = next(s for s in steps if "autograding-grading-reporter" in s.get("uses", ""))
        ids = [s["id"] for s in graders]
        tests = [t for t in suite.tests if t.lab == lab]
        ok = ("push" in wf["on"] and reporter["with"]["runners"] == ",".join(ids)
              and all(reporter["env"][f"{i.upper()}_RESULTS"] ==
                      f"${{{{ steps.{i}.outputs.result }}}}" for i in ids)
              and [(s["with"]["test-name"], int(s["with"]["max-score"])) for s in graders] ==
              [(t.name, t.points) for t in tests]
              and any("upload-artifact" in s.get("uses", "") for s in steps))
        why = "" if ok else ": its steps do not match the lab's tests"
    except (ValueError, KeyError, TypeError, StopIteration) as e:
        ok, why = False, f": {type(e).__name__} {e}"
    c.want(ok, f"the {lab} lab's Classroom workflow reads as YAML, one step a test{why}")


def main():
    if sys.argv[1:2] == ["--fake"]:
        return fake_qemu(sys.argv[2:])
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
    c.want(yaml_load("a:\n  - b: 'x'\n    c: |\n      y\n")["a"][0] == {"b": "x", "c": "y\n"},
           "the YAML reader reads a sequence of mappings and a literal block")
    try:
        yaml_load("a:\n  b: 1\n c: 2\n")
        c.want(False, "the YAML reader refuses a bad indent")
    except ValueError:
        c.want(True, "the YAML reader refuses a bad indent")
    print(f"{c.passed} passed, {c.failed} failed")
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
