#!/usr/bin/env python3
"""The teachers' tools (README, "For teachers"):
  teacher.py autograder LAB       make autograder: autograder-LAB.zip for Gradescope
  teacher.py run-autograder ROOT  what the zip's run_autograder runs (ROOT /autograder)
  teacher.py grade-handins LAB DIR JOBS LIMIT REGRADE   make grade-handins ('' = default)
A handin is applied to a fresh copy of the handout, what a student may not
change put back; the copy is built and graded under a time limit."""

import contextlib
import csv
import glob
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile

SAFE = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}   # no links out, no devices
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gradelib  # noqa: E402

SETUP = """#!/bin/sh
# Gradescope runs this once, as root, to build the image (Ubuntu): install
# what the kernel needs, then build the handout and boot it once, so that a
# toolchain that cannot build or boot this kernel fails here, not at grading.
set -eu
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends make git \\
    python3 gcc-riscv64-unknown-elf binutils-riscv64-unknown-elf qemu-system-misc opensbi
dpkg-query -W gcc-riscv64-unknown-elf qemu-system-misc opensbi
cd /autograder/source && mkdir -p smoke && tar -xzf handout.tar.gz -C smoke
cd smoke && make -s all && timeout 60 tools/qemu.sh -- prog=hello | tee boot.log
grep -q '^hello pass' boot.log && echo "setup.sh: the kernel builds and boots here"
"""

RUN = """#!/bin/sh
# Gradescope runs this for each submission: apply /autograder/submission to a
# fresh copy of the handout, grade it, write /autograder/results/results.json.
root=${AUTOGRADER_ROOT:-/autograder}
exec python3 "$root/source/teacher.py" run-autograder "$root"
"""

def git(tree, *args):
    """Run git in tree; its CompletedProcess, output as text."""
    return subprocess.run(["git", "-C", tree] + list(args), capture_output=True, text=True)

def record(path):
    """A handout's record (.handout, or a handin's copy): {key: value}."""
    text = gradelib.read(path) if os.path.exists(path) else ""
    return dict(line.split(" ", 1) for line in text.split("\n") if " " in line)

def apply_patch(tarball, tree, rec):
    """Apply make handin's tarball to tree. Returns (applied?, notes)."""
    with tempfile.TemporaryDirectory() as tmp:
        try:
            with tarfile.open(tarball) as tar:
                tar.extractall(tmp, **SAFE)
        except (tarfile.TarError, OSError) as e:
            return False, [f"refused: not a handin tarball ({e})"]
        patch = glob.glob(os.path.join(tmp, "*", "changes.patch"))
        if not patch:
            return False, ["refused: no changes.patch in it (make handin makes one)"]
        theirs = record(os.path.join(os.path.dirname(patch[0]), "handout"))
        if theirs.get("lab", rec["lab"]) != rec["lab"]:
            return False, [f"refused: a handin of lab {theirs['lab']}"]
        moved = theirs.get("commit", rec["commit"]) != rec["commit"]
        notes = [f"handed out at {theirs['commit'][:12]}, graded at {rec['commit'][:12]}"] * moved
        if os.path.getsize(patch[0]) == 0:
            return True, notes + ["no changes"]
        done = git(tree, "apply", "--binary", "--whitespace=nowarn", patch[0])
        if done.returncode:
            why = (done.stderr.strip().split("\n") or [""])[0]
            return False, notes + [f"refused: the patch does not apply ({why})"]
        return True, notes

def copy_files(folder, tree, allowed):
    """Copy a submission's files into tree: by their path, or by their name
    alone when that names one file a student may change. Returns notes."""
    by_name, copied = {os.path.basename(p): p for p in allowed}, 0
    for top, _, files in os.walk(folder):
        for name in files:
            rel = os.path.relpath(os.path.join(top, name), folder)
            dest = rel if rel in allowed else by_name.get(name)
            if dest:
                shutil.copyfile(os.path.join(top, name), os.path.join(tree, dest))
                copied += 1
    return [] if copied else ["no file of the lab in the submission"]

def apply_handin(src, tree):
    """Apply a handin (a tarball, or a folder holding one or the files) to
    a fresh handout in tree, then put back every change a student may not
    make. Returns (graded?, notes)."""
    rec = record(os.path.join(tree, ".handout"))
    allowed = set(rec.get("student", "").split())
    tars = [src] if os.path.isfile(src) else sorted(glob.glob(os.path.join(src, "*.tar.gz")))
    if tars:
        ok, notes = apply_patch(tars[0], tree, rec)
    else:
        ok, notes = True, copy_files(src, tree, allowed)
    if not ok:
        return False, notes
    git(tree, "add", "-A")
    changed = git(tree, "diff", "--cached", "--name-only", "-z", "handout").stdout.split("\0")
    handed = set(git(tree, "ls-tree", "-r", "-z", "--name-only", "handout").stdout.split("\0"))
    bad = [p for p in changed if p and p not in allowed]
    for p in bad:
        git(tree, *(["checkout", "handout", "--", p] if p in handed else ["rm", "-q", "-f", "--", p]))
    if bad:
        more = f" (+{len(bad) - 5} more)" if len(bad) > 5 else ""
        notes.append(f"restored as handed out: {', '.join(bad[:5])}{more}")
    return True, notes

def grade_tree(tree, lab, logdir, limit):
    """Build and grade tree (make grade LAB=lab) within limit seconds, logs
    in logdir. Returns ({test: points earned}, notes)."""
    start = time.monotonic()
    rc, _ = gradelib.run_command(["make", "-s", "all"], os.path.join(logdir, "build.log"), limit, cwd=tree)
    if rc != 0:
        return {}, ["the build timed out" if rc == gradelib.TIMEOUT else "the build failed"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRADE_") or k == "GRADE_SLOTS"}
    env.update(GRADE_LAB=lab, GRADE_NOBUILD="1", GRADE_JSON=os.path.join(logdir, "results.json"))
    left = max(1, limit - (time.monotonic() - start))
    rc, _ = gradelib.run_command(["./grade.sh"], os.path.join(logdir, "grade.txt"), left,
                                 env=env, cwd=tree, hold=False)
    shutil.copytree(os.path.join(tree, "obj/grade"), os.path.join(logdir, "grade"),
                    dirs_exist_ok=True, ignore=shutil.ignore_patterns("times.json"))
    if rc == gradelib.TIMEOUT:
        return {}, [f"time limit: not graded within {limit:.0f}s"]
    try:
        tests = json.loads(gradelib.read(os.path.join(logdir, "results.json")))["tests"]
    except (OSError, ValueError, KeyError):
        return {}, [f"make grade wrote no results (exit status {rc})"]
    return {t["name"]: t["score"] for t in tests}, []

def grade_one(src, handout_dir, lab, logdir, limit):
    """Grade a handin in a fresh clone of the handout; its summary (in logdir)."""
    start = time.monotonic()
    shutil.rmtree(logdir, ignore_errors=True)
    os.makedirs(logdir)
    with tempfile.TemporaryDirectory(prefix="handin-") as tmp:
        tree = os.path.join(tmp, "tree")
        git(tmp, "clone", "-q", os.path.abspath(handout_dir), tree)
        ok, notes = apply_handin(src, tree)
        scores, more = grade_tree(tree, lab, logdir, limit) if ok else ({}, [])
    summary = {"scores": scores, "total": sum(scores.values()), "status": "; ".join(notes + more)
               or "ok", "seconds": round(time.monotonic() - start)}
    gradelib.write(os.path.join(logdir, "summary.json"), json.dumps(summary, indent=1) + "\n")
    return summary

def cut_handout(lab, out):
    """A fresh handout of lab in out (tools/handout.py, from this tree)."""
    import handout
    with contextlib.redirect_stdout(io.StringIO()):
        handout.handout(lab, out)

def lab_tests(lab):
    suite = gradelib.parse_tests(os.path.join(gradelib.TOP, "tools/grade.tests"))
    if lab not in suite.labs:
        sys.exit(f"no lab {lab!r}; the labs are: {' '.join(suite.labs)}")
    return [t for _, _, tests in suite.lab_grade(lab) for t in tests]

def write_scores(folder, tests):
    """folder/scores.csv: handin, each test's points, total, status."""
    with open(os.path.join(folder, "scores.csv"), "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["handin"] + [t.name for t in tests] + ["total", "status"])
        for path in sorted(glob.glob(os.path.join(folder, "logs", "*", "summary.json"))):
            s = json.loads(gradelib.read(path))
            out.writerow([os.path.basename(os.path.dirname(path))] +
                         [s["scores"].get(t.name, 0) for t in tests] + [s["total"], s["status"]])

def grade_handins(lab, folder, jobs, limit, regrade):
    """make grade-handins: grade every folder/NAME.tar.gz not graded yet
    (all with regrade), jobs at a time, never more QEMUs than nproc + 1;
    logs in folder/logs/NAME/, the table in folder/scores.csv."""
    tests = lab_tests(lab)
    handins = sorted(glob.glob(os.path.join(folder, "*.tar.gz")))
    name = lambda h: os.path.basename(h)[:-len(".tar.gz")]
    done = lambda h: os.path.exists(os.path.join(folder, "logs", name(h), "summary.json"))
    todo = [h for h in handins if regrade or not done(h)]
    slots = (os.cpu_count() or 1) + 1
    print(f"grade-handins: {len(handins)} handins of lab {lab} in {folder}: {len(todo)} to grade,"
          f" {len(handins) - len(todo)} already graded (REGRADE=1 grades them again); "
          f"{jobs} at a time, at most {slots} QEMUs, {limit}s each", flush=True)
    work = tempfile.mkdtemp(prefix="grade-handins-")
    try:
        cut_handout(lab, os.path.join(work, "handout"))
        os.environ["GRADE_SLOTS"] = os.path.join(work, "slots")     # see gradelib.slot
        os.makedirs(os.environ["GRADE_SLOTS"])
        for i in range(slots):
            open(os.path.join(work, "slots", f"slot{i}"), "a").close()
        top = sum(t.points for t in tests)
        grade = lambda h: grade_one(h, os.path.join(work, "handout"), lab,
                                    os.path.join(folder, "logs", name(h)), limit)
        for k, (h, s) in enumerate(gradelib.run_all(todo, jobs, grade), 1):
            print(f"[{k}/{len(todo)}] {name(h)}: {s['total']}/{top}, {s['status']} "
                  f"({s['seconds']}s)", flush=True)
    finally:
        os.environ.pop("GRADE_SLOTS", None)
        shutil.rmtree(work, ignore_errors=True)
    write_scores(folder, tests)
    print(f"grade-handins: {os.path.join(folder, 'scores.csv')}")

def autograder(lab, out):
    """make autograder: the zip Gradescope takes (setup.sh and run_autograder
    at its top, this script, the runner and a fresh handout of lab)."""
    with tempfile.TemporaryDirectory() as tmp:
        cut_handout(lab, os.path.join(tmp, "handout"))
        tarball = os.path.join(tmp, "handout.tar.gz")
        with tarfile.open(tarball, "w:gz") as tar:
            tar.add(os.path.join(tmp, "handout"), arcname=".")
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for name, text in (("setup.sh", SETUP), ("run_autograder", RUN)):
                info = zipfile.ZipInfo(name)
                info.external_attr = 0o100755 << 16
                z.writestr(info, text)
            z.write(os.path.abspath(__file__), "teacher.py")
            z.write(os.path.join(gradelib.TOP, "tools/gradelib.py"), "gradelib.py")
            z.write(tarball, "handout.tar.gz")
    print(f"autograder: wrote {out} (lab {lab}; upload it to Gradescope)")

def run_autograder(root, limit=1800):
    """Grade root/submission against a fresh copy of the zip's handout and
    write root/results/results.json (every test at 0 if it could not be
    graded, with the reason)."""
    os.makedirs(os.path.join(root, "results"), exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tree, logdir = os.path.join(tmp, "handout"), os.path.join(tmp, "logs")
        os.makedirs(logdir)
        with tarfile.open(os.path.join(root, "source/handout.tar.gz")) as tar:
            tar.extractall(tree, **SAFE)
        lab = record(os.path.join(tree, ".handout"))["lab"]
        ok, notes = apply_handin(os.path.join(root, "submission"), tree)
        scores, more = grade_tree(tree, lab, logdir, limit) if ok else ({}, [])
        status = "; ".join(notes + more) or "ok"
        try:
            results = json.loads(gradelib.read(os.path.join(logdir, "results.json")))
        except (OSError, ValueError):
            suite = gradelib.parse_tests(os.path.join(tree, "tools/grade.tests"))
            results = {"score": 0, "output": "", "tests": [
                {"name": t.name, "score": 0, "max_score": t.points, "status": "failed",
                 "output": status, "visibility": "visible"}
                for _, _, tests in suite.lab_grade(lab) for t in tests]}
    results["output"] = f"handin: {status}\n{results.get('output', '')}"
    gradelib.write(os.path.join(root, "results/results.json"), json.dumps(results, indent=1) + "\n")
    print(f"run_autograder: {results['score']} points; {status}")

def main(argv):
    cmd, args = (argv + [""])[0], argv[1:]
    if cmd == "run-autograder" and len(args) == 1:
        return run_autograder(args[0])
    os.chdir(gradelib.TOP)
    if cmd == "autograder" and len(args) == 1:
        return autograder(args[0], f"autograder-{args[0]}.zip")
    if cmd == "grade-handins" and len(args) == 5:     # LAB DIR JOBS LIMIT REGRADE ('' for the default)
        lab, folder, jobs, limit, regrade = args
        return grade_handins(lab, folder, int(jobs or os.cpu_count() or 1), int(limit or 900), regrade != "")
    sys.exit(__doc__)

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
