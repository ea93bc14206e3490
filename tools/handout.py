#!/usr/bin/env python3
"""Cut a lab's student tree out of this one (make handout LAB=NAME), and
prove that every lab can be handed out (make handout-check: check_all).
Each exercise's solution sits in the kernel between two markers:

    /* LAB cow 2: BEGIN
     * YOUR CODE: what the code must guarantee (the contract, not a recipe).
     * STUB:
     *     return -E_NO_MEM;
     */
    ... the reference solution ...
    /* LAB cow 2: END */

A handout (handout/LAB/, a git repository tagged `handout`) holds every
tracked file but SPOILERS and FULL_TREE_ONLY: the regions of LAB and of
the later labs become contract and stub, the earlier labs keep their
solutions, README gets the lab's section, .handout records the lab, the
commit and what a student may change. Commands: handout LAB [--out DIR],
regions, check, docs (make lab-docs), mistakes [--runs N] [ID...].
"""

import contextlib
import glob
import io
import json
import os
import re
import shutil
import subprocess
import sys

import gradelib

LABS = ["lab5", "cow", "dirtycow"]  # in course order: a handout stubs its lab and the later ones
SOURCE_EXT = (".c", ".h", ".S")
SPOILERS = ["docs/cow.md", "docs/cow.zh.md", "docs/dirtycow.md", "docs/dirtycow.zh.md"]  # they explain solutions
FULL_TREE_ONLY = [".ci/", "tools/handout.py", "tools/labs.json", "tools/teacher.py", "tools/grade_selftest.py",
                  "docs/labs/teachers"]
REPORTS = ("report.md", "report.txt", "report.pdf")    # where a student's report may be
DATA = "tools/labs.json"    # the docs' generated text, what each stub does, the mistakes

BEGIN_RE = re.compile(r"^(\s*)/\* LAB (\w+) (\d+): BEGIN\s*$")
END_RE = re.compile(r"^\s*/\* LAB (\w+) (\d+): END \*/\s*$")
COMMENT_RE = re.compile(r"^\s*\*(?: (.*))?$")
COMMENT_END_RE = re.compile(r"^\s*\*/\s*$")

class Region:
    """One exercise region: where it is, its contract, stub and solution."""

    def __init__(self, path, line, indent, lab, exercise):
        self.path, self.line, self.indent, self.lab, self.exercise = path, line, indent, lab, exercise
        self.contract, self.stub, self.solution = [], [], []

    def replacement(self):
        """The lines that stand for the region in a student tree."""
        out = [f"{self.indent}/* LAB {self.lab} {self.exercise}: {self.contract[0]}"]
        out += [f"{self.indent} *{' ' + c if c else ''}" for c in self.contract[1:]]
        out.append(f"{self.indent} */")
        out += [f"{self.indent}{s}" if s else "" for s in self.stub]
        return out

def require(ok, where, what):
    if not ok:
        sys.exit(f"{where}: {what}")

def dedent(lines):
    """Remove the indentation the non-blank lines share."""
    width = min((len(s) - len(s.lstrip()) for s in lines if s.strip()), default=0)
    return [s[width:] for s in lines]

def parse(path, text):
    """Split a source file into plain lines and Regions (in order)."""
    parts, lines, i = [], text.split("\n"), 0
    while i < len(lines):
        m = BEGIN_RE.match(lines[i])
        require(not END_RE.match(lines[i]), f"{path}:{i + 1}", "END without BEGIN")
        if not m:
            parts.append(lines[i])
            i += 1
            continue
        indent, lab, exercise = m.group(1), m.group(2), m.group(3)
        require(lab in LABS, f"{path}:{i + 1}", f"unknown lab {lab} (labs: {' '.join(LABS)})")
        region, i = Region(path, i + 1, indent, lab, exercise), i + 1
        section = "contract"
        while i < len(lines) and not COMMENT_END_RE.match(lines[i]):
            c = COMMENT_RE.match(lines[i])
            require(c, f"{path}:{i + 1}", "the BEGIN comment needs ' * ' lines and ' */'")
            body = c.group(1) or ""
            if body.strip() == "STUB:":
                section = "stub"
            elif section == "contract":
                region.contract.append(body)
            else:
                region.stub.append(body)
            i += 1
        i += 1
        while i < len(lines) and not END_RE.match(lines[i]):
            require(not BEGIN_RE.match(lines[i]), f"{path}:{i + 1}", "regions do not nest")
            region.solution.append(lines[i])
            i += 1
        require(i < len(lines), f"{path}:{region.line}", "BEGIN without END")
        e = END_RE.match(lines[i])
        require((e.group(1), e.group(2)) == (lab, exercise), f"{path}:{i + 1}",
                f"END of LAB {e.group(1)} {e.group(2)} closes LAB {lab} {exercise}")
        require(region.contract and region.contract[0].startswith("YOUR CODE:"), f"{path}:{region.line}",
                "the contract must start with 'YOUR CODE:'")
        require(region.stub, f"{path}:{region.line}", "no STUB: lines")
        region.stub = dedent(region.stub)
        parts.append(region)
        i += 1
    return parts

def tracked_files():
    out = subprocess.run(["git", "ls-files", "-z"], capture_output=True, check=True).stdout
    return [p for p in out.decode().split("\0") if p]

def all_regions():
    return [r for path in tracked_files() if path.endswith(SOURCE_EXT) and os.path.isfile(path)
            for r in parse(path, gradelib.read(path)) if isinstance(r, Region)]

def stubbed(lab, region):
    """Is region replaced by its stub in lab's handout?"""
    return LABS.index(region.lab) >= LABS.index(lab)

def cut_source(lab, path, text):
    out = []
    for part in parse(path, text):
        if not isinstance(part, Region):
            out.append(part)
        elif stubbed(lab, part):
            out += part.replacement()
        else:
            out += part.solution
    return "\n".join(out)

def lab_summary(lab, ext):
    """The title and first paragraph of docs/labs/LAB.md (ext ".zh.md": its translation)."""
    path = f"docs/labs/{lab}{ext}"
    require(os.path.isfile(path), path, "missing: every lab needs its handout")
    paras = [p.strip() for p in gradelib.read(path).split("\n\n") if p.strip()]
    return paras[0].lstrip("# ").strip(), next((p for p in paras[1:] if not p.startswith("#")), "")

def cut_readme(lab, text, ext=".md"):
    title, summary = lab_summary(lab, ext)
    text = re.sub(r"<!-- FULL TREE ONLY -->.*?<!-- END -->\n?", "", text, flags=re.S)
    require("<!-- HANDOUT -->" in text, "README" + ext, "no <!-- HANDOUT --> marker for the lab section")
    section = json.loads(gradelib.read(DATA))["text"][ext[1:-3] or "en"]["readme"]     # its section
    return text.replace("<!-- HANDOUT -->", section.format(lab=lab, title=title, summary=summary))

def solution_lines(lab):
    """The lines of lab's stubbed solutions that no source outside them has."""
    given, solution = set(), set()
    for path in [p for p in tracked_files() if p.endswith(SOURCE_EXT) and os.path.isfile(p)]:
        text = gradelib.read(path)
        given.update(s.strip() for s in cut_source(lab, path, text).split("\n"))
        for part in parse(path, text):
            if isinstance(part, Region) and stubbed(lab, part):
                solution.update(s.strip() for s in part.solution if len(s.strip()) >= 12)
    return {s for s in solution - given if not s.startswith("(void)")}   # casts say nothing

def check_tree(lab, top):
    """Each line under top that is a line of lab's stubbed solutions, as "PATH:N: LINE"."""
    lines, hits = solution_lines(lab), []
    for root, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if d not in (".git", "obj", "bin")]
        for path in [os.path.join(root, name) for name in files]:
            try:
                with open(path, encoding="utf-8") as f:
                    hits += [f"{path}:{n}: {t.strip()}" for n, t in enumerate(f, 1) if t.strip() in lines]
            except (UnicodeDecodeError, OSError):
                continue        # binaries carry no source text
    return hits

def source_commit():
    """The commit this tree is at, and whether it has changes git has not."""
    git = lambda *args: subprocess.run(["git"] + list(args), capture_output=True, text=True).stdout.strip()
    return git("rev-parse", "HEAD") + (" with uncommitted changes" if git("status", "--porcelain", "-uno") else "")

def student_files(lab):
    """What a student of lab may change: the files of its exercises, their headers, a report."""
    files = {r.path for r in all_regions() if r.lab == lab}
    files |= {f[:-2] + ".h" for f in files if f.endswith(".c") and os.path.exists(f[:-2] + ".h")}
    return sorted(files) + list(REPORTS)

def workflow(lab, suite):
    """The GitHub Actions workflow (DATA's template) that grades lab on every
    push as GitHub Classroom reads it: make grade, a command-grader step per
    test with its points, the reporter, the JUnit file kept; JSON is YAML too."""
    ids = {(t.name, t.points): "t-" + re.sub(r"[^A-Za-z0-9_-]", "_", t.name)
           for _, _, tests in suite.lab_grade(lab) for t in tests}
    fill = lambda part, **words: json.loads(re.sub(r"\{(\w+)\}", lambda m: str(words.get(m[1], m[0])),
                                                   json.dumps(part)))
    flow = fill(json.loads(gradelib.read(DATA))["workflow"], lab=lab)     # the template, for lab
    steps = flow["jobs"]["grade"]["steps"]          # checkout, make grade, a test's step, report, JUnit
    steps[2:3] = [fill(steps[2], test=t, id=i, points=p) for (t, p), i in ids.items()]
    for step in steps[2:-2]:
        step["with"]["max-score"] = int(step["with"]["max-score"])     # a number in JSON
    steps[-2]["env"] = {f"{i.upper()}_RESULTS": f"${{{{ steps.{i}.outputs.result }}}}" for i in ids.values()}
    steps[-2]["with"]["runners"] = ",".join(ids.values())
    return (f"# Grades the {lab} lab on every push; GitHub Classroom reads each test's points\n"
            "# from the reporter. Written by make handout (tools/handout.py) in YAML's JSON form.\n"
            + json.dumps(flow, indent=1) + "\n")

def excluded(path):
    return path in SPOILERS or any(path == p or path.startswith(p) for p in FULL_TREE_ONLY)

def handout(lab, out):
    if lab not in LABS:
        sys.exit(f"no lab {lab!r}; the labs are: {' '.join(LABS)}")
    shutil.rmtree(out, ignore_errors=True)
    for path in tracked_files():
        if excluded(path) or not os.path.isfile(path):
            continue
        dest = os.path.join(out, path)
        os.makedirs(os.path.dirname(dest) or ".", exist_ok=True)
        shutil.copy2(path, dest)
        if path.endswith(SOURCE_EXT):
            gradelib.write(dest, cut_source(lab, path, gradelib.read(path)))
        elif path in ("README.md", "README.zh.md"):
            gradelib.write(dest, cut_readme(lab, gradelib.read(path), path[len("README"):]))
    gradelib.write(os.path.join(out, ".handout"), f"lab {lab}\ncommit {source_commit()}\n"
                   f"student {' '.join(student_files(lab))}\n")
    os.makedirs(os.path.join(out, ".github/workflows"))
    gradelib.write(os.path.join(out, ".github/workflows/grade.yml"),
                   workflow(lab, gradelib.parse_tests("tools/grade.tests")))
    git = ["git", "-C", out, "-c", "user.name=handout", "-c", "user.email=handout@localhost"]
    subprocess.run(git[:3] + ["init", "-q"], check=True)
    subprocess.run(git + ["add", "-A"], check=True)
    subprocess.run(git + ["commit", "-q", "-m", f"The {lab} lab, as handed out"], check=True)
    subprocess.run(git + ["tag", "handout"], check=True)
    n = sum(stubbed(lab, r) for r in all_regions())
    print(f"handout: {out} is the {lab} lab ({n} regions to write); see docs/labs/{lab}.md")

BREAKS_ALL = "lab5"              # its load_icode stub stops every user program

def graded_failures(tree, log):
    """The tests that fail when make grade runs (built already) in tree."""
    results = os.path.abspath(log + ".json")
    env = dict(os.environ, GRADE_NOBUILD="1", GRADE_JSON=results)
    gradelib.run_command(["./grade.sh"], log, 3600, env=env, cwd=tree)
    try:
        return {t["name"] for t in json.loads(gradelib.read(results))["tests"] if t["status"] != "passed"}
    except (OSError, ValueError, KeyError):
        return {f"(no results: see {log})"}

def check_lab(lab, suite, top):
    """Problems of lab's handout (in top/lab): it must build without a
    warning, hold no line of a stubbed solution, and fail exactly the tests
    of its lab and the later ones (every test for BREAKS_ALL). Returns the
    problems and how many tests it must fail."""
    tree, problems = os.path.join(top, lab), []
    with contextlib.redirect_stdout(io.StringIO()):
        handout(lab, tree)
    if gradelib.run_command(["make", "-s", "all"], tree + ".build.log", 3600, cwd=tree)[0]:
        return [f"the handout does not build: {tree}.build.log"], 0
    warnings = [w for w in gradelib.read(tree + ".build.log").split("\n") if "warning" in w.lower()]
    if warnings:
        problems += ["the handout builds with warnings:"] + ["  " + w for w in warnings[:5]]
    leaks = check_tree(lab, tree)
    problems += ["solution text left in the handout:"] * bool(leaks) + leaks
    expected = {t.name for t in suite.tests if lab == BREAKS_ALL
                or (t.lab in LABS and LABS.index(t.lab) >= LABS.index(lab))}
    failed = graded_failures(tree, tree + ".grade.log")
    problems += [f"{t} passes, but the {lab} stubs should break it" for t in sorted(expected - failed)]
    problems += [f"{t} fails, but no {lab} stub should break it" for t in sorted(failed - expected)]
    return problems, len(expected)

# ---- the generated parts of docs/labs/LAB.md and LAB.zh.md --------------------

GENERATED_RE = re.compile(r"(<!-- GENERATED: (\w+) -->\n).*?(?=<!-- END GENERATED -->)", re.S)

def function_of(r):
    """The C function around region r."""
    above = reversed(gradelib.read(r.path).split("\n")[:r.line])
    return next(m[1] for m in map(re.compile(r"[a-z_][^=;(]*\b(\w+)\(").match, above) if m)

def table(head, rows):
    return "".join(f"| {' | '.join(row)} |\n" + ("|---" * len(head) + "|\n") * (row is head)
                   for row in [head] + rows)

def doc_section(name, lab, lang, data):
    """The text of the generated section name of lab's handout in lang."""
    say, seen, rows = data["text"][lang], set(), []
    for r in sorted([r for r in all_regions() if r.lab == lab], key=lambda r: int(r.exercise)):
        code = " ".join(c for c in [re.sub(r"\s*//.*", "", s).strip() for s in r.stub]
                        if c and not re.fullmatch(r"\(void\)[^;]*;", c))
        what = data["stubs"][f"{lab} {r.exercise} {function_of(r)}"][lang]
        rows.append([r.exercise, f"`{r.path}`" if r.path in seen else f"[`{r.path}`](../../{r.path})",
                     f"`{function_of(r)}`", f"`{code}`: {what}" if code else what])
        seen.add(r.path)
    if name == "mistakes":
        rows = [[m[lang][:1].upper() + m[lang][1:], str(m["exercise"]), " … ".join(f"`{w}`" for w in
                 m["words"]), say["boot"] if m["test"] == "boot" else f"`{m['test']}`"]
                for m in data["mistakes"] if m["lab"] == lab]
    if name != "tests":
        return table(say[name], rows)
    parts, late = gradelib.parse_tests("tools/grade.tests").lab_grade(lab), lambda t: t.lab != lab
    own, again = sorted(parts[0][2], key=late), parts[1][2] if len(parts) > 1 else []
    rows = [[f"`{t.name}`", "" if late(t) else t.exercise, str(t.points),
             say["list"].join(x for x in [t.lab] + t.also if x != lab)] for t in own]
    points, start = sum(t.points for t in own), sum(t.points for t in own if late(t) and lab != BREAKS_ALL)
    total = points + len(again) * gradelib.REGRESSION_POINTS
    text, lines = say["own"].format(lab=lab, n=len(own), points=points), [f"`Lab {lab}: {start}/{points}`"]
    if again:
        text += say["again"].format(n=len(again), labs=say["and"].join(LABS[:LABS.index(lab)]), lab=lab,
                                    p=gradelib.REGRESSION_POINTS, names=say["list"].join(f"`{t.name}`" for t in again))
        lines.append(f"`Lab {lab} regressions: {len(again)}/{len(again)}`")
    lines = say["and"].join([say["list"].join(lines), f"`Total Score: {start + total - points}/{total}`"])
    return table(say[name], rows) + "\n" + text + say["start"].format(lines=lines, total=total)

def lab_docs(write):
    """Regenerate the GENERATED sections (regions, tests, mistakes) of every
    lab's handout, en and zh, from the LAB markers, the test list and DATA;
    the files that were stale."""
    data, stale = json.loads(gradelib.read(DATA)), []
    keys = {f"{r.lab} {r.exercise} {function_of(r)}" for r in all_regions()}
    require(set(data["stubs"]) == keys, DATA, f"'stubs' must describe exactly the regions: {sorted(keys)}")
    for lab, ext in [(lab, ext) for lab in LABS for ext in (".md", ".zh.md")]:
        path = f"docs/labs/{lab}{ext}"
        text = gradelib.read(path)
        require(sorted(m[2] for m in GENERATED_RE.finditer(text)) == ["mistakes", "regions", "tests"], path,
                "needs one GENERATED section each: regions, tests, mistakes")
        new = GENERATED_RE.sub(lambda m: m[1] + doc_section(m[2], lab, ext[1:-3] or "en", data), text)
        stale += [path] if new != text else []
        if write and new != text:
            gradelib.write(path, new)
    return stale

# ---- the mistakes: a student's likely errors, planted in the reference tree ----

def reference_copy(tree):
    """tree: a copy of this tree's tracked files and build, times kept, so
    that make rebuilds only what a change touches."""
    shutil.rmtree(tree, ignore_errors=True)
    os.makedirs(tree)
    built = ["bin", "obj/kern", "obj/ulib", "obj/user", "obj/kernel.asm"] + glob.glob("obj/*.[Sdo]")
    subprocess.run(["cp", "-a", "--parents"] + [f for f in tracked_files() + built if os.path.exists(f)]
                   + [tree], check=True)

def check_mistake(m, top, log):
    """Plant mistake m (DATA) in a copy of this tree, build it, and grade m's
    test with its lab's grade (hello for "boot": the boot self-check). The
    problems: m's old text not there exactly once, the grade passing, its
    first FAIL block (a failed line, the lines under it) not m's test's or
    without m's words."""
    tree = os.path.join(top, "mistake-" + m["id"])
    reference_copy(tree)
    text = gradelib.read(os.path.join(tree, m["file"]))
    if text.count(m["old"]) != 1:
        return [f"{m['file']}: its old text is there {text.count(m['old'])} times, not once"]
    gradelib.write(os.path.join(tree, m["file"]), text.replace(m["old"], m["new"]))
    if gradelib.run_command(["make", "-s", "all"], log + ".build.log", 600, cwd=tree)[0]:
        return [f"it does not build: {log}.build.log"]
    env = dict(os.environ, GRADE_NOBUILD="1", GRADE_LAB=m["lab"])
    test, head = ("hello", "the kernel's boot self-check") if m["test"] == "boot" else (m["test"],) * 2
    gradelib.run_command(["./grade.sh", test], log + ".grade.log", 600, env=env, cwd=tree)
    first = r"^(the kernel's boot self-check failed: |\S+: +FAIL ).*\n(    .*\n)*"    # a failed line, what is under it
    block = (re.search(first, gradelib.read(log + ".grade.log"), re.M) or [""])[0]
    problems = [f"the first FAIL block is not {head}'s"] * (not re.match(re.escape(head) + "[: ]", block))
    problems += [f"the first FAIL block lacks '{w}'" for w in m["words"] if w not in block]
    if not problems:
        shutil.rmtree(tree)         # a failed one stays, to be looked at
    return problems and problems + [f"log: {log}.grade.log"] + ["    " + b for b in block.split("\n")[:12]]

def check_mistakes(top, ids=(), runs=1):
    """Check each mistake (or those named) runs times; a line each; how many failed."""
    failed = 0
    for m in [m for m in json.loads(gradelib.read(DATA))["mistakes"] if not ids or m["id"] in ids]:
        bad = [p for p in (check_mistake(m, top, f"{top}/mistake-{m['id']}.{k}") for k in range(runs)) if p]
        failed += bool(bad)
        tally = f"caught in {runs - len(bad)} of {runs} runs"
        print(f"mistake {m['id']} ({m['lab']} {m['exercise']}): " + (f"FAILED, {tally}" if bad else
              f"{tally} by {m['test']}: " + " ... ".join(m["words"])))
        print("".join(f"    {line}\n" for line in (bad or [[]])[0]), end="", flush=True)
    return failed

def check_all(top="obj/handout-check"):
    """make handout-check: the labs' generated docs are up to date, every
    lab's handout (check_lab), the full tree passes every test, and each
    mistake of DATA is caught. A line per unit (the docs, a lab, the full
    tree, a mistake) and problem, last "N passed, M failed"; 1 if any failed."""
    shutil.rmtree(top, ignore_errors=True)
    os.makedirs(top)
    if subprocess.run(["make", "-s", "all"]).returncode:
        print("handout-check: the full tree does not build\n0 passed, 1 failed")
        return 1
    suite, stale = gradelib.parse_tests("tools/grade.tests"), lab_docs(False)
    failed = bool(stale)
    print(f"lab docs: FAILED: {' '.join(stale)} differ from what the LAB markers, the test list and "
          f"{DATA} give: run make lab-docs" if stale else "lab docs: generated tables up to date")
    for lab in LABS:
        problems, n = check_lab(lab, suite, top)
        failed += bool(problems)
        print(f"handout {lab}: FAILED (logs in {top}/)" if problems else
              f"handout {lab}: builds cleanly, no solution text, fails exactly its {n} tests")
        print("".join(f"    {p}\n" for p in problems), end="")
    broken = graded_failures(".", os.path.join(top, "full.grade.log"))
    failed += bool(broken)
    print(f"full tree: FAILED: {' '.join(sorted(broken))}" if broken else "full tree: every test passes")
    failed += check_mistakes(top)
    units = len(LABS) + 2 + len(json.loads(gradelib.read(DATA))["mistakes"])
    print(f"{units - failed} passed, {failed} failed")
    return 1 if failed else 0

def main(argv):
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    cmd, args = (argv + [""])[0], argv[1:]
    if cmd == "handout" and (len(args) == 1 or len(args) == 3 and args[1] == "--out"):
        handout(args[0], args[2] if len(args) == 3 else os.path.join("handout", args[0]))
    elif cmd == "regions" and not args:
        for r in all_regions():
            print(f"{r.lab} {r.exercise} {r.path}:{r.line} {r.contract[0][len('YOUR CODE:'):].strip()}")
    elif cmd == "check" and not args:
        return check_all()
    elif cmd == "docs" and not args:
        for path in lab_docs(True):
            print(f"  GEN   {path}")
    elif cmd == "mistakes":
        runs, args = (int(args[1]), args[2:]) if args[:1] == ["--runs"] else (1, args)
        return 1 if check_mistakes("obj/mistakes", args, runs) else 0
    else:
        sys.exit(__doc__)
    return 0

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
