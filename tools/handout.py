#!/usr/bin/env python3
"""Cut a lab's student tree out of this one (make handout LAB=NAME).

The reference solution of each exercise sits in the real kernel between
two markers, and the BEGIN comment carries what replaces it:

    /* LAB cow 2: BEGIN
     * YOUR CODE: what the code must guarantee (the contract, not a recipe).
     * STUB:
     *     return -E_NO_MEM;
     */
    ... the reference solution ...
    /* LAB cow 2: END */

`handout LAB [--out DIR]` copies every file git tracks into handout/LAB/,
except the design chapters that explain the solutions (SPOILERS) and the
tools that only make sense in the full tree. In it, the regions of LAB
and of every later lab (LABS gives the order) become the contract
comment followed by the stub; the markers of earlier labs are dropped
and their solutions kept. README.md gains the lab's section (from
docs/labs/LAB.md's first paragraph) where it says <!-- HANDOUT -->, and
loses what lies between <!-- FULL TREE ONLY --> and <!-- END -->. It gets
.handout (its lab, the commit it was cut from, what a student may change)
and a GitHub Classroom workflow, and is a git repository with one commit,
tagged `handout`, so that `make handin` can show what the student changed.
Other commands: regions (list them), solution-lines LAB, check-tree LAB
DIR (print the lines of DIR that are LAB's stubbed solutions; exit status
1 if any), check (make handout-check: see check_all).
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
DATA = "tools/labs.json"    # "stubs": what each stub does; "mistakes": id, lab, exercise, en, zh,
                            # file, old, new, test, words (make handout-check plants each)

BEGIN_RE = re.compile(r"^(\s*)/\* LAB (\w+) (\d+): BEGIN\s*$")
END_RE = re.compile(r"^\s*/\* LAB (\w+) (\d+): END \*/\s*$")
COMMENT_RE = re.compile(r"^\s*\*(?: (.*))?$")
COMMENT_END_RE = re.compile(r"^\s*\*/\s*$")

class Region:
    """One exercise region: where it is, its contract, stub and solution."""

    def __init__(self, path, line, indent, lab, exercise):
        self.path, self.line, self.indent = path, line, indent
        self.lab, self.exercise = lab, exercise
        self.contract, self.stub, self.solution = [], [], []

    def replacement(self):
        """The lines that stand for the region in a student tree."""
        out = [f"{self.indent}/* LAB {self.lab} {self.exercise}: {self.contract[0]}"]
        out += [f"{self.indent} *{' ' + c if c else ''}" for c in self.contract[1:]]
        out.append(f"{self.indent} */")
        out += [f"{self.indent}{s}" if s else "" for s in self.stub]
        return out

def fail(where, what):
    sys.exit(f"{where}: {what}")

def require(ok, where, what):
    if not ok:
        fail(where, what)

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

README_SECTION = {      # the lab's section of README.md and of README.zh.md
    ".md": "## This is the {lab} lab: {title}\n\n{summary}\n\nThe whole task, step by step: "
           "[`docs/labs/{lab}.md`](docs/labs/{lab}.md) ([中文](docs/labs/{lab}.zh.md)). "
           "`make grade LAB={lab}` runs its tests; write your report in `report.md` (or "
           "`report.pdf`) at the top; `make handin` packs your changes and report for your teacher.\n",
    ".zh.md": "## 这是 {lab} 实验：{title}\n\n{summary}\n\n完整的任务和步骤见 "
              "[`docs/labs/{lab}.zh.md`](docs/labs/{lab}.zh.md)（[English](docs/labs/{lab}.md)）。"
              "`make grade LAB={lab}` 运行它的测试；实验报告写在顶层的 `report.md`（或 "
              "`report.pdf`）中；`make handin` 把你的修改和报告打包交给老师。\n",
}

def cut_readme(lab, text, ext=".md"):
    title, summary = lab_summary(lab, ext)
    text = re.sub(r"<!-- FULL TREE ONLY -->.*?<!-- END -->\n?", "", text, flags=re.S)
    require("<!-- HANDOUT -->" in text, "README" + ext, "no <!-- HANDOUT --> marker for the lab section")
    return text.replace("<!-- HANDOUT -->", README_SECTION[ext].format(lab=lab, title=title,
                                                                      summary=summary))

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
    """Print every line under top that is a line of lab's stubbed solutions; any found?"""
    lines, found = solution_lines(lab), False
    for root, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if d not in (".git", "obj", "bin")]
        for path in [os.path.join(root, name) for name in files]:
            try:
                with open(path, encoding="utf-8") as f:
                    hits = [(n, t.strip()) for n, t in enumerate(f, 1) if t.strip() in lines]
            except (UnicodeDecodeError, OSError):
                continue        # binaries carry no source text
            for n, text in hits:
                print(f"{path}:{n}: {text}")
            found = found or bool(hits)
    return found

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
    """The GitHub Actions workflow that grades lab on every push in the form
    GitHub Classroom reads: make grade once, then a command-grader step per
    test worth its points (reading the results), the reporter, the JUnit
    file kept. Written as JSON, which is YAML too (and Python reads it)."""
    ids = {(t.name, t.points): "t-" + re.sub(r"[^A-Za-z0-9_-]", "_", t.name)
           for _, _, tests in suite.lab_grade(lab) for t in tests}
    grade = f"tools/setup.sh\nmake grade LAB={lab} JSON=obj/results.json JUNIT=obj/junit.xml || true\n"
    steps = [{"uses": "actions/checkout@v4"}, {"name": "make grade", "run": grade}]
    steps += [{"name": t, "id": i, "uses": "classroom-resources/autograding-command-grader@v1",
               "with": {"test-name": t, "command": f"python3 tools/grade.py --passed "
                        f"obj/results.json {t}", "timeout": 1, "max-score": points}}
              for (t, points), i in ids.items()]
    steps += [{"name": "report", "if": "always()",
               "uses": "classroom-resources/autograding-grading-reporter@v1",
               "env": {f"{i.upper()}_RESULTS": f"${{{{ steps.{i}.outputs.result }}}}"
                       for i in ids.values()}, "with": {"runners": ",".join(ids.values())}},
              {"uses": "actions/upload-artifact@v4", "if": "always()",
               "with": {"name": f"junit-{lab}", "path": "obj/junit.xml"}}]
    flow = {"name": "grade", "on": ["push", "workflow_dispatch"],
            "permissions": {"checks": "write", "actions": "read", "contents": "read"},
            "jobs": {"grade": {"runs-on": "ubuntu-24.04", "timeout-minutes": 30, "steps": steps}}}
    return (f"# Grades the {lab} lab on every push; GitHub Classroom reads each test's points\n"
            "# from the reporter. Written by make handout (tools/handout.py) in YAML's JSON form.\n"
            + json.dumps(flow, indent=1) + "\n")

def excluded(path):
    return path in SPOILERS or any(path == p or path.startswith(p) for p in FULL_TREE_ONLY)

def handout(lab, out):
    if lab not in LABS:
        sys.exit(f"no lab {lab!r}; the labs are: {' '.join(LABS)}")
    if os.path.exists(out):
        shutil.rmtree(out)
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
    leaks = io.StringIO()
    with contextlib.redirect_stdout(leaks):
        if check_tree(lab, tree):
            problems += ["solution text left in the handout:"] + leaks.getvalue().split("\n")[:-1]
    expected = {t.name for t in suite.tests if lab == BREAKS_ALL
                or (t.lab in LABS and LABS.index(t.lab) >= LABS.index(lab))}
    failed = graded_failures(tree, tree + ".grade.log")
    problems += [f"{t} passes, but the {lab} stubs should break it" for t in sorted(expected - failed)]
    problems += [f"{t} fails, but no {lab} stub should break it" for t in sorted(failed - expected)]
    return problems, len(expected)

# ---- the generated parts of docs/labs/LAB.md and LAB.zh.md --------------------

DOC_TEXT = {
    ".md": {"regions": ["Exercise", "File", "Function", "The stub meanwhile"],
            "tests": ["Test", "Exercise", "Points", "Also counts in"], "list": ", ",
            "mistakes": ["Mistake", "Exercise", "The first FAIL block says", "Caught by"],
            "boot": "the boot self-check", "and": " and ",
            "own": "`make grade LAB={lab}` grades these {n} tests ({points} points).",
            "again": " Then it runs the other {n} tests of {labs} again, as `{lab} regressions`, "
                     "{p} point each: {names}.",
            "start": " In the handout, before you write anything, it prints {lines}; when you are "
                     "done, `Total Score: {total}/{total}`.\n"},
    ".zh.md": {"regions": ["练习", "文件", "函数", "桩目前的行为"],
               "tests": ["测试", "练习", "分数", "也计入"], "list": "、",
               "mistakes": ["错误", "练习", "第一个 FAIL 块中的文字", "发现它的测试"],
               "boot": "启动自检", "and": " 和 ",
               "own": "`make grade LAB={lab}` 为这 {n} 个测试评分（共 {points} 分）。",
               "again": "然后把 {labs} 的其余 {n} 个测试作为 `{lab} regressions` 再运行一遍，每个 {p} 分：{names}。",
               "start": "在刚发下的代码树中，动手之前它打印 {lines}；全部完成后是 `Total Score: {total}/{total}`。\n"},
}
GENERATED_RE = re.compile(r"(<!-- GENERATED: (\w+) -->\n).*?(?=<!-- END GENERATED -->)", re.S)

def function_of(path, line):
    """The C function around line (1-based) of path."""
    above = reversed(gradelib.read(path).split("\n")[:line])
    return next(m[1] for m in map(re.compile(r"[a-z_][^=;(]*\b(\w+)\(").match, above) if m)

def table(head, rows):
    return "".join("|" + "|".join(row) + "|\n" for row in [[f" {h} " for h in head], ["---"] * len(head)]
                   + [[f" {c} " for c in row] for row in rows])

def doc_section(name, lab, ext, data):
    """The text of generated section name of docs/labs/LAB{ext}."""
    say, lang = DOC_TEXT[ext], ext[1:-3] or "en"
    if name == "regions":
        rows, seen = [], set()
        for r in sorted([r for r in all_regions() if r.lab == lab], key=lambda r: int(r.exercise)):
            code = [re.sub(r"\s*//.*", "", s).strip() for s in r.stub]
            code = " ".join(c for c in code if c and not re.fullmatch(r"\(void\)[^;]*;", c))
            what = data["stubs"][f"{lab} {r.exercise} {function_of(r.path, r.line)}"][lang]
            where = f"`{r.path}`" if r.path in seen else f"[`{r.path}`](../../{r.path})"
            seen.add(r.path)
            rows.append([r.exercise, where, f"`{function_of(r.path, r.line)}`",
                         f"`{code}`: {what}" if code else what])
        return table(say[name], rows)
    if name == "mistakes":
        return table(say[name], [[m[lang][:1].upper() + m[lang][1:], str(m["exercise"]), " … ".join(f"`{w}`" for w in m["words"]),
                                  say["boot"] if m["test"] == "boot" else f"`{m['test']}`"]
                                 for m in data["mistakes"] if m["lab"] == lab])
    parts, late = gradelib.parse_tests("tools/grade.tests").lab_grade(lab), lambda t: t.lab != lab
    own, again = sorted(parts[0][2], key=late), parts[1][2] if len(parts) > 1 else []
    rows = [[f"`{t.name}`", "" if late(t) else t.exercise, str(t.points),
             say["list"].join(x for x in [t.lab] + t.also if x != lab)] for t in own]
    points, start = sum(t.points for t in own), sum(t.points for t in own if late(t) and lab != BREAKS_ALL)
    text = say["own"].format(lab=lab, n=len(own), points=points)
    lines = [f"`Lab {lab}: {start}/{points}`"]
    if again:
        labs = say["and"].join(LABS[:LABS.index(lab)])
        text += say["again"].format(n=len(again), labs=labs, lab=lab, p=gradelib.REGRESSION_POINTS,
                                    names=say["list"].join(f"`{t.name}`" for t in again))
        lines.append(f"`Lab {lab} regressions: {len(again)}/{len(again)}`")
    total = points + len(again) * gradelib.REGRESSION_POINTS
    lines.append(f"`Total Score: {start + total - points}/{total}`")
    return table(say[name], rows) + "\n" + text + say["start"].format(lines=say["and"].join(
        [say["list"].join(lines[:-1]), lines[-1]]), total=total)

def lab_docs(write):
    """Regenerate the GENERATED sections of every lab's handout (en, zh) from
    the LAB markers, the test list and DATA; the files that were stale."""
    data, stale = json.loads(gradelib.read(DATA)), []
    keys = {f"{r.lab} {r.exercise} {function_of(r.path, r.line)}" for r in all_regions()}
    require(set(data["stubs"]) == keys, DATA, "'stubs' must describe exactly the regions: "
            f"missing {sorted(keys - set(data['stubs']))}, unknown {sorted(set(data['stubs']) - keys)}")
    for path in [f"docs/labs/{lab}{ext}" for lab in LABS for ext in DOC_TEXT]:
        text = gradelib.read(path)
        lab, ext = os.path.basename(path).split(".", 1)
        new = GENERATED_RE.sub(lambda m: m[1] + doc_section(m[2], lab, "." + ext, data), text)
        require(sorted(GENERATED_RE.findall(text), key=str) == sorted(
            [(f"<!-- GENERATED: {n} -->\n", n) for n in ("mistakes", "regions", "tests")], key=str),
            path, "needs one GENERATED section each: regions, tests, mistakes")
        if new != text:
            stale.append(path)
            if write:
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

def first_fail(out):
    """The first FAIL block of make grade's output: its failed line (a test's,
    or the boot self-check's) and the indented lines under it; "" if none."""
    m = re.search(r"^(the kernel's boot self-check failed: |\S+: +FAIL ).*\n(    .*\n)*", out, re.M)
    return m[0] if m else ""

def check_mistake(m, top, run=""):
    """Plant mistake m (DATA) in a copy of this tree, build it and run its
    lab's grade of m's test (hello for "boot": the boot self-check); the
    problems: the old text not there exactly once, the grade passing, or
    its first FAIL block not m's test's or lacking m's words."""
    tree, log = os.path.join(top, "mistake-" + m["id"]), os.path.join(top, f"mistake-{m['id']}{run}")
    reference_copy(tree)
    text = gradelib.read(os.path.join(tree, m["file"]))
    if text.count(m["old"]) != 1:
        return [f"{m['file']}: its old text is there {text.count(m['old'])} times, not once"]
    gradelib.write(os.path.join(tree, m["file"]), text.replace(m["old"], m["new"]))
    if gradelib.run_command(["make", "-s", "all"], log + ".build.log", 600, cwd=tree)[0]:
        return [f"it does not build: {log}.build.log"]
    env = dict(os.environ, GRADE_NOBUILD="1", GRADE_LAB=m["lab"])
    test = "hello" if m["test"] == "boot" else m["test"]
    gradelib.run_command(["./grade.sh", test], log + ".grade.log", 600, env=env, cwd=tree)
    block = first_fail(gradelib.read(log + ".grade.log"))
    head = "the kernel's boot self-check" if m["test"] == "boot" else m["test"] + ":"
    problems = [] if block.startswith(head) else [f"the first FAIL block is not {head}"]
    problems += [f"the first FAIL block lacks '{w}'" for w in m["words"] if w not in block]
    return problems + (["    " + line for line in block.split("\n")[:12]] if problems else []) if block \
        else [f"make grade LAB={m['lab']} passes: see {log}.grade.log"]

def check_mistakes(top, ids=(), runs=1):
    """Each mistake (or those named) runs times; a line each; how many failed."""
    failed = 0
    for m in [m for m in json.loads(gradelib.read(DATA))["mistakes"] if not ids or m["id"] in ids]:
        results = [check_mistake(m, top, f".{k}" if runs > 1 else "") for k in range(runs)]
        bad = [p for p in results if p]
        failed += bool(bad)
        caught = f"caught in {runs - len(bad)} of {runs} runs" if runs > 1 else "caught"
        print(f"mistake {m['id']} ({m['lab']} {m['exercise']}): {caught} by {m['test']}: "
              + " ... ".join(m["words"]) if not bad else f"mistake {m['id']}: FAILED ({caught})")
        for line in bad[0] if bad else []:
            print("    " + line)
        sys.stdout.flush()
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
        for p in problems:
            print("    " + p)
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
    elif cmd == "solution-lines" and len(args) == 1:
        print("\n".join(sorted(solution_lines(args[0]))))
    elif cmd == "check-tree" and len(args) == 2:
        return 1 if check_tree(*args) else 0
    elif cmd == "check" and not args:
        return check_all()
    elif cmd == "docs" and not args:
        for path in lab_docs(True):
            print(f"  GEN   {path}")
    elif cmd == "mistakes":
        runs, args = (int(args[1]), args[2:]) if args[:1] == ["--runs"] else (1, args)
        os.makedirs("obj/mistakes", exist_ok=True)
        return 1 if check_mistakes("obj/mistakes", args, runs) else 0
    else:
        sys.exit(__doc__)
    return 0

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
