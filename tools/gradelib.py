"""The one test runner: make grade, make stress, the state-machine check,
make handout-check and the teachers' tools all boot, cut and judge here.

A test is declared once, in tools/grade.tests (its format is at its top):
its lab, points, program, boot arguments, harts, memory, timeout and the
console lines it expects. This module reads that list (parse_tests),
boots QEMU through tools/qemu.sh under a deadline (run_command), lets
tests with the same boot share one boot, "prog=A,B,...", in which the
kernel runs each program as if it had just booted (plan, cut,
shared_parts), and judges a console against a test's checks (judge).
run_tests puts these together the way make grade documents it.

Standard library only; Python 3.9 or later.
"""

import concurrent.futures
import contextlib
import fcntl
import os
import re
import signal
import subprocess
import threading
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIMEOUT = "timeout"             # the exit status of a run killed at its deadline
MAX_SHARE = 16                  # the kernel runs at most 16 programs a boot
KINDS = ("expect", "expect-re", "reject-re")


class GradeError(Exception):
    """A bad test list, option or environment: the message says where."""


class Test:
    """One test: a program booted with its settings (or a script), and its checks."""

    def __init__(self, name, lab, harts):
        self.name, self.lab, self.prog = name, lab, name
        self.args, self.mem, self.harts, self.timeout = "", "128M", harts, 20
        self.points, self.exercise, self.script = 5, "", ""
        self.nodefault = self.alone = False
        self.checks = []                # [(kind, text)]

    def share_key(self, share):
        """What tests must have in common to share a boot; None: it boots alone."""
        if self.alone or self.script or share < 2:
            return None
        return (self.args, self.mem, self.harts, self.timeout)


class Suite:
    """A parsed test list: labs (name -> title, in order), tests, default checks."""

    def __init__(self):
        self.labs, self.tests, self.defaults = {}, [], []

    def checks(self, test):
        return test.checks if test.nodefault else self.defaults + test.checks


# ---- reading the test list ------------------------------------------------

OPTIONS = {     # directive: (pattern its argument must match, complaint, attribute)
    "prog": (r".+", "prog needs a name", "prog"),
    "args": (r".*", "", "args"),
    "mem": (r"[0-9]+[KMG]?", "bad size '{}'", "mem"),
    "cpus": (r"[1-8]", "bad hart count '{}' (1 to 8)", "harts"),
    "timeout": (r"[1-9][0-9]*", "bad timeout '{}'", "timeout"),
    "points": (r"[0-9]+", "bad points '{}'", "points"),
    "exercise": (r"[0-9]+", "bad exercise number '{}'", "exercise"),
    "script": (r".+", "script needs a command", "script"),
}


def parse_tests(path, harts=2):
    """Read the test list at path; every boot gets harts harts unless its
    test says. Raises GradeError naming file:line on any mistake."""
    suite, section, lab = Suite(), None, None
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
    except OSError:
        raise GradeError(f"cannot read {path}") from None
    names = set()
    for n, line in enumerate(lines, 1):
        where = f"{path}:{n}"
        word, rest = (line.split(None, 1) + ["", ""])[:2]
        rest = rest.strip()
        if not word or word.startswith("#"):
            continue
        if word == "default":
            section = "default"
        elif word == "lab":
            lab, section = start_lab(suite, rest, where), None
        elif word == "test":
            if not re.fullmatch(r"[A-Za-z0-9_.-]+", rest):
                raise GradeError(f"{where}: bad test name '{rest}'")
            if lab is None:
                raise GradeError(f"{where}: test '{rest}' is in no lab "
                                 "(put a 'lab NAME TITLE' line above it)")
            if rest in names:
                raise GradeError(f"{where}: test '{rest}' listed twice")
            names.add(rest)
            section = Test(rest, lab, harts)
            suite.tests.append(section)
        elif word in KINDS:
            if section is None:
                raise GradeError(f"{where}: '{word}' outside a block")
            add_check(suite.defaults if section == "default" else section.checks,
                      word, rest, where)
        elif word in OPTIONS or word in ("nodefault", "alone"):
            if not isinstance(section, Test):
                raise GradeError(f"{where}: '{word}' outside a test")
            set_option(section, word, rest, where)
        else:
            raise GradeError(f"{where}: unknown directive '{word}'")
    if not suite.tests:
        raise GradeError(f"no tests in {path}")
    return suite


def start_lab(suite, rest, where):
    """Start (or continue) the lab "NAME TITLE..."; returns its name."""
    name, title = (rest.split(None, 1) + ["", ""])[:2]
    title = title.strip()
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        raise GradeError(f"{where}: bad lab name '{name}'")
    if name not in suite.labs:
        if not title:
            raise GradeError(f"{where}: lab {name} needs a title")
        suite.labs[name] = title
    elif title and title != suite.labs[name]:
        raise GradeError(f"{where}: lab {name} is already titled '{suite.labs[name]}'")
    return name


def add_check(checks, kind, text, where):
    if not text:
        raise GradeError(f"{where}: '{kind}' needs a line to match")
    if kind != "expect":
        try:
            text = re.compile(text)
        except re.error:
            raise GradeError(f"{where}: bad regular expression: {text}") from None
    checks.append((kind, text))


def set_option(test, word, rest, where):
    if word in ("nodefault", "alone"):
        setattr(test, word, True)
        return
    pattern, complaint, attr = OPTIONS[word]
    if not re.fullmatch(pattern, rest):
        raise GradeError(f"{where}: {complaint.format(rest)}")
    value = int(rest) if attr in ("timeout", "points") else rest
    setattr(test, attr, value)
    if word == "script":
        test.nodefault = test.alone = True


# ---- running commands under a deadline -------------------------------------

RUNNING = set()                 # the commands running now (Popen objects)
STOPPING = threading.Event()    # set once we were interrupted: start nothing more


@contextlib.contextmanager
def slot():
    """Hold one of the host's QEMU slots while running a command, if
    GRADE_SLOTS names a folder of N lock files shared by several graders
    (make grade-handins): never more than N QEMUs (or builds) at once."""
    folder = os.environ.get("GRADE_SLOTS")
    if not folder:
        yield
        return
    locks = sorted(os.path.join(folder, f) for f in os.listdir(folder))
    while True:
        for path in locks:
            f = open(path, "a")
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                f.close()
                continue
            try:
                yield
            finally:
                f.close()
            return
        time.sleep(0.05)


def make_slots(folder, n):
    """Create a folder of n slots for slot() and return it."""
    os.makedirs(folder, exist_ok=True)
    for i in range(n):
        open(os.path.join(folder, f"slot{i}"), "a").close()
    return folder


def stop(p):
    """End command p and everything it started: TERM, then KILL 2 s later."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(p.pid, sig)
        try:
            p.wait(2)
            return
        except subprocess.TimeoutExpired:
            continue


def stop_all():
    """End every running command (on Ctrl-C): nothing new starts after it."""
    STOPPING.set()
    for p in list(RUNNING):
        stop(p)


def run_command(cmd, log, timeout, env=None, cwd=None):
    """Run cmd (a list) with stdin from /dev/null and its output into file
    log, in a process group of its own, ended at timeout seconds. Returns
    (exit status, or TIMEOUT, and the milliseconds it took)."""
    with slot(), open(log, "wb") as out:
        if STOPPING.is_set():
            return TIMEOUT, 0
        start = time.monotonic()
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out,
                             stderr=subprocess.STDOUT, env=env, cwd=cwd,
                             start_new_session=True)
        RUNNING.add(p)
        try:
            rc = p.wait(timeout)
        except subprocess.TimeoutExpired:
            stop(p)
            rc = TIMEOUT
        finally:
            RUNNING.discard(p)
        return rc, int((time.monotonic() - start) * 1000)


def boot(bootargs, mem, harts, timeout, log, kernel=None):
    """Boot the kernel with the boot arguments (a list) through QEMU_SH
    (default tools/qemu.sh, called as CPUS=N QEMU_SH -m MEM -- ARGS...)."""
    qemu = os.environ.get("QEMU_SH") or os.path.join(TOP, "tools/qemu.sh")
    env = dict(os.environ, CPUS=str(harts))
    cmd = [qemu, "-m", mem] + (["-k", kernel] if kernel else []) + ["--"] + bootargs
    return run_command(cmd, log, timeout, env=env)


def run_script(command, harts, timeout, log):
    """Run a script test's shell command from the top folder."""
    env = dict(os.environ, CPUS=str(harts))
    return run_command(["bash", "-c", command], log, timeout, env=env, cwd=TOP)


# ---- sharing a boot ------------------------------------------------------

def plan(items, key, share, estimate):
    """Deal items into boots: those with the same key(item) (None: alone)
    share, at most share to a boot, dealt in turn (slowest first by
    estimate(item)) so that the boots take about as long. Returns the
    boots, lists of items, the slowest first (stable for equal times)."""
    groups = {}
    for item in sorted(items, key=estimate, reverse=True):
        k = key(item)
        groups.setdefault(id(item) if k is None else k, []).append(item)
    boots = []
    for members in groups.values():
        count = -(-len(members) // share)
        boots += [members[i::count] for i in range(count)]
    return sorted(boots, key=lambda b: sum(map(estimate, b)), reverse=True)


TOOK_RE = re.compile(r"init: [^ ]+ took ([0-9]+) ms")


def cut(text, n):
    """Cut the console of a boot of n programs into one part per program
    that started: the lines before the first program, then its own lines.
    Returns [(part, ms)], ms from its "init: NAME took T ms" line or None."""
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    head, parts = [], []
    for line in lines:
        bare = line.rstrip("\r")
        if len(parts) < n and re.fullmatch(f"init: program {len(parts) + 1} of {n}: [^ ]+", bare):
            parts.append([head + [line], None])
        elif not parts:
            head.append(line)
        else:
            parts[-1][0].append(line)
            took = TOOK_RE.fullmatch(bare)
            if took:
                parts[-1][1] = int(took.group(1))
    return [("".join(line + "\n" for line in part), ms) for part, ms in parts]


def shared_parts(rc, parts, n):
    """What each of a shared boot's n programs can be judged on: its part
    and exit status (the boot's for the last one that started, else 0), or
    None for a program that never started or that the deadline cut off."""
    out = []
    for i in range(n):
        last = i == len(parts) - 1
        if i >= len(parts) or (last and rc == TIMEOUT):
            out.append(None)
        else:
            out.append((parts[i][0], rc if last else 0, parts[i][1]))
    return out


# ---- judging a console ---------------------------------------------------

def clean(text):
    """The console's lines as checks see them: no \\r, no trailing blanks."""
    return [line.replace("\r", "").rstrip(" \t") for line in text.split("\n")]


def failed_checks(checks, lines):
    """One "missing: ..." or "rejected: ..." per check the lines fail."""
    have, problems = set(lines), []
    for kind, check in checks:
        if kind == "expect":
            if check not in have:
                problems.append(f"missing: {check}")
            continue
        hit = next((line for line in lines if check.fullmatch(line)), None)
        if kind == "expect-re" and hit is None:
            problems.append(f"missing (regex): {check.pattern}")
        elif kind == "reject-re" and hit is not None:
            problems.append(f"rejected: {hit}   (matches {check.pattern})")
    return problems


SKIP_RE = re.compile(r"cow audit: [0-9].* audits, [0-9].* problems")


def cause_lines(lines, notes):
    """The console lines that name why a run failed, each once, in order,
    then the notes; 10 lines at most, the notes always. Taken: the first
    kernel panic and the line after, each user panic and the line after,
    the audit's complaints, kill lines, FAIL lines, the state-machine
    checker's problem: lines and a failed memory check."""
    out, shown, panicked = [], set(), False
    room = 10 - len(notes)
    for i, line in enumerate(lines):
        if len(out) >= room:
            break
        take = 0
        if "kernel panic" in line:
            take = 0 if panicked else 2
            panicked = True
        elif line.startswith("user panic at "):
            take = 2
        elif SKIP_RE.fullmatch(line):
            take = 0
        elif (line.startswith(("cow audit:", "problem:")) or " killed: " in line
              or "FAIL" in line or "init check memory failed" in line):
            take = 1
        for cause in lines[i:i + take]:
            if len(out) < room and cause not in shown:
                shown.add(cause)
                out.append(cause)
    return out + list(notes)


class Verdict:
    """A judged run: ok, the cause lines, the failed checks."""

    def __init__(self, ok, causes, problems):
        self.ok, self.causes, self.problems = ok, causes, problems


def judge(checks, rc, text, timeout, script=False, notes=()):
    """Judge one console against checks, given how its run ended (exit
    status rc, or TIMEOUT after timeout seconds). Notes (already known
    reasons) fail it too."""
    lines, notes = clean(text), list(notes)
    problems = failed_checks(checks, lines)
    ok = not problems and not notes
    if rc == TIMEOUT:
        ok = False
        notes.append(f"timed out after {timeout}s")
    elif script and rc != 0:
        ok = False
        notes.append(f"script exited with status {rc}")
    elif not ok and rc != 0:
        notes.append(f"QEMU exited with status {rc}")
    return Verdict(ok, cause_lines(lines, notes) if not ok else [], problems)


def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


# ---- running tests the way make grade does --------------------------------

class Result:
    """A judged test: its verdict, time in ms, how many tests its boot ran, its log."""

    def __init__(self, test, verdict, ms, sharers, log):
        self.test, self.verdict, self.ms, self.sharers, self.log = test, verdict, ms, sharers, log
        self.ok = verdict.ok


class Runner:
    """Runs tests of a suite, its logs in logdir: NAME.log per test, a shared
    boot's whole console in shared/FIRST.log."""

    def __init__(self, suite, logdir):
        self.suite, self.logdir = suite, logdir
        os.makedirs(os.path.join(logdir, "shared"), exist_ok=True)

    def log(self, name, kind="log"):
        return os.path.join(self.logdir, f"{name}.{kind}")

    def judged(self, test, rc, text, ms, sharers, log, notes=()):
        verdict = judge(self.suite.checks(test), rc, text, test.timeout, bool(test.script), notes)
        return Result(test, verdict, ms, sharers, log)

    def alone(self, test):
        """Run test by itself: its script, or a boot of its program."""
        log = self.log(test.name)
        if test.script:
            rc, ms = run_script(test.script, test.harts, test.timeout, log)
        else:
            rc, ms = boot([f"prog={test.prog}"] + test.args.split(), test.mem, test.harts,
                          test.timeout, log)
        return self.judged(test, rc, read(log), ms, 1, log)

    def shared(self, tests):
        """Boot tests (same share_key) together, judge each on its part, and
        boot again alone those whose part does not stand for them: one that
        never started or that the deadline cut off, and a later one that
        failed (if it passes alone it still fails: the kernel let one
        program's run harm the next)."""
        first, n = tests[0], len(tests)
        log = os.path.join(self.logdir, "shared", first.name + ".log")
        progs = ",".join(t.prog for t in tests)
        rc, boot_ms = boot([f"prog={progs}"] + first.args.split(), first.mem, first.harts,
                           first.timeout, log)
        parts = shared_parts(rc, cut(read(log), n), n)
        results = []
        for i, (test, part) in enumerate(zip(tests, parts)):
            if part is None:
                results.append(self.alone(test))
                continue
            text, part_rc, ms = part
            write(self.log(test.name), text)
            result = self.judged(test, part_rc, text, ms or boot_ms, n, self.log(test.name))
            if not result.ok and i > 0:
                os.replace(self.log(test.name), self.log(test.name, "shared.log"))
                alone = self.alone(test)
                after = " ".join(t.name for t in tests[:i])
                note = f"passed alone ({alone.log}), failed after {after} in one boot"
                result = alone if not alone.ok else self.judged(
                    test, part_rc, text, ms or boot_ms, n, self.log(test.name, "shared.log"), [note])
            results.append(result)
        return results

    def run(self, tests):
        """Run one boot's worth of tests (see plan); returns their Results."""
        for t in tests:
            with contextlib.suppress(FileNotFoundError):
                os.remove(self.log(t.name, "shared.log"))
        return [self.alone(tests[0])] if len(tests) == 1 else self.shared(tests)


def run_all(units, jobs, work):
    """Call work(unit) for every unit, jobs at a time, in that order;
    yields (unit, its return value) as each finishes."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(work, u): i for i, u in enumerate(units)}
        for f in concurrent.futures.as_completed(futures):
            yield units[futures[f]], f.result()
