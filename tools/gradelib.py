"""The one test runner behind make grade, make stress, the state-machine
check, make handout-check and the teachers' tools: it reads the test list
(tools/grade.tests, its format at its top), boots QEMU under a deadline,
lets tests share a boot ("prog=A,B,...": the kernel runs each program as
if just booted), cuts and judges the console. Standard library only."""

import collections
import concurrent.futures
import contextlib
import copy
import fcntl
import os
import re
import signal
import subprocess
import threading
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIMEOUT = "timeout"             # the exit status of a run ended at its deadline
MAX_SHARE = 16                  # the kernel runs at most 16 programs a boot
REGRESSION_POINTS = 1           # a test of an earlier lab, graded again in a later lab's grade

class GradeError(Exception):
    """A bad test list or option; the message says where."""

def need(ok, where, message):
    if not ok:
        raise GradeError(f"{where}: {message}" if where else message)

class Test:
    """A test as declared: a program with its settings (or a shell script)
    and its checks [(kind, line or compiled regex)]."""

    def __init__(self, name, lab, harts):
        self.name, self.lab, self.prog, self.args, self.mem = name, lab, name, "", "128M"
        self.harts, self.timeout, self.points, self.exercise, self.script = harts, 20, 5, "", ""
        self.nodefault = self.alone = False
        self.checks, self.also = [], []

    def share_key(self, share):
        """What tests must have in common to share a boot; None: boot alone."""
        return None if self.alone or self.script or share < 2 else (self.args, self.mem, self.harts, self.timeout)

class Suite:
    """A parsed list: labs {name: title} in order, tests, the default checks."""

    def __init__(self):
        self.labs, self.tests, self.defaults = {}, [], []

    def checks(self, test):
        return test.checks if test.nodefault else self.defaults + test.checks

    def lab_grade(self, lab):
        """make grade LAB=lab's parts [(name, title, tests)]: the tests listed
        under lab or saying `also lab`, then "lab regressions": the earlier
        labs' other tests, each (a copy) worth REGRESSION_POINTS."""
        own, earlier = [t for t in self.tests if lab in [t.lab] + t.also], list(self.labs)
        again = [copy.copy(t) for t in self.tests if t.lab in earlier[:earlier.index(lab)] and t not in own]
        for t in again:
            t.points = REGRESSION_POINTS
        title = f"the earlier labs' tests again, {REGRESSION_POINTS} point each"
        return [(lab, self.labs[lab], own)] + ([(lab + " regressions", title, again)] if again else [])

# ---- reading the test list ----------------------------------------------

OPTIONS = {     # directive: (what its argument must match, complaint, attribute)
    "prog": (r".+", "prog needs a name", "prog"), "args": (r".*", "", "args"),
    "mem": (r"[0-9]+[KMG]?", "bad size '{}'", "mem"), "cpus": (r"[1-8]", "bad hart count '{}' (1 to 8)", "harts"),
    "timeout": (r"[1-9][0-9]*", "bad timeout '{}'", "timeout"), "points": (r"[0-9]+", "bad points '{}'", "points"),
    "exercise": (r"[0-9]+", "bad exercise number '{}'", "exercise"),
    "script": (r".+", "script needs a command", "script"),
    "nodefault": (r".*", "", "nodefault"), "alone": (r".*", "", "alone"),
    "also": (r"[A-Za-z0-9_.-]+( [A-Za-z0-9_.-]+)*", "also needs lab names", "also"),
}
NAME_RE = re.compile(r"[A-Za-z0-9_.-]+")

def parse_tests(path, harts=2):
    """The Suite listed at path (harts a boot unless a test says); any
    mistake raises GradeError naming file:line."""
    suite, section, lab = Suite(), None, None
    try:
        lines = read(path).split("\n")
    except OSError:
        raise GradeError(f"cannot read {path}") from None
    for n, line in enumerate(lines, 1):
        where, (word, rest) = f"{path}:{n}", (line.split(None, 1) + ["", ""])[:2]
        rest = rest.strip()
        if not word or word.startswith("#"):
            continue
        if word == "default":
            section = "default"
        elif word == "lab":
            lab, section = start_lab(suite, rest, where), None
        elif word == "test":
            section = Test(rest, lab, harts)
            need(NAME_RE.fullmatch(rest), where, f"bad test name '{rest}'")
            need(lab, where, f"test '{rest}' is in no lab (put a 'lab NAME TITLE' line above it)")
            need(all(t.name != rest for t in suite.tests), where, f"test '{rest}' listed twice")
            suite.tests.append(section)
        elif word in ("expect", "expect-re", "reject-re"):
            need(section, where, f"'{word}' outside a block")
            checks = suite.defaults if section == "default" else section.checks
            checks.append((word, check(word, rest, where)))
        elif word in OPTIONS:
            need(isinstance(section, Test), where, f"'{word}' outside a test")
            set_option(section, word, rest, where)
        else:
            raise GradeError(f"{where}: unknown directive '{word}'")
    need(suite.tests, "", f"no tests in {path}")
    for t in suite.tests:
        bad = [lab for lab in t.also if lab not in suite.labs or lab == t.lab]
        need(not bad, path, f"test {t.name}: 'also {' '.join(bad)}' names no other lab")
    return suite

def start_lab(suite, rest, where):
    """Start (or go on with) lab "NAME TITLE..."; returns its name."""
    name, title = (rest.split(None, 1) + ["", ""])[:2]
    need(NAME_RE.fullmatch(name), where, f"bad lab name '{name}'")
    need(name in suite.labs or title.strip(), where, f"lab {name} needs a title")
    need(title.strip() in ("", suite.labs.get(name, title.strip())), where,
         f"lab {name} is already titled '{suite.labs.get(name)}'")
    suite.labs.setdefault(name, title.strip())
    return name

def check(kind, text, where):
    """A check's line, or its regex compiled."""
    need(text, where, f"'{kind}' needs a line to match")
    try:
        return text if kind == "expect" else re.compile(text)
    except re.error:
        raise GradeError(f"{where}: bad regular expression: {text}") from None

def set_option(test, word, rest, where):
    pattern, complaint, attr = OPTIONS[word]
    need(re.fullmatch(pattern, rest), where, complaint.format(rest))
    value = int(rest) if attr in ("timeout", "points") else rest.split() if attr == "also" else rest
    setattr(test, attr, True if attr in ("nodefault", "alone") else value)
    if word == "script":
        test.nodefault = test.alone = True

# ---- running commands under a deadline ------------------------------------

RUNNING = set()                 # the commands running now
STOPPING = threading.Event()    # set when interrupted: start nothing more

@contextlib.contextmanager
def slot():
    """Hold one of the lock files in folder GRADE_SLOTS, if set: graders
    that share it (make grade-handins) run one QEMU a slot at most."""
    folder = os.environ.get("GRADE_SLOTS")
    if not folder:
        yield
        return
    while True:
        for name in sorted(os.listdir(folder)):
            with open(os.path.join(folder, name), "a") as lock:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    continue
                yield
                return
        time.sleep(0.05)

def stop(p):
    """End command p and all it started: TERM, then KILL 2 s later."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(p.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            p.wait(2)
            return

def stop_all():
    """End every running command (on Ctrl-C); nothing new starts after it."""
    STOPPING.set()
    for p in list(RUNNING):
        stop(p)

def run_command(cmd, log, timeout, env=None, cwd=None, hold=True):
    """Run cmd, output to file log, in a process group of its own ended at
    timeout seconds, in a slot unless not hold; (exit status or TIMEOUT, ms)."""
    with (slot() if hold else contextlib.nullcontext()), open(log, "wb") as out:
        if STOPPING.is_set():
            return TIMEOUT, 0
        start = time.monotonic()
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                             env=env, cwd=cwd, start_new_session=True)
        RUNNING.add(p)
        try:
            rc = p.wait(timeout)
        except subprocess.TimeoutExpired:
            stop(p)
            rc = TIMEOUT
        RUNNING.discard(p)
        return rc, int((time.monotonic() - start) * 1000)

def boot(bootargs, mem, harts, timeout, log, kernel=None, flags=()):
    """Boot through QEMU_SH (tools/qemu.sh): CPUS=N QEMU_SH -m MEM [-k K] [FLAGS] -- ARGS."""
    qemu = os.environ.get("QEMU_SH") or os.path.join(TOP, "tools/qemu.sh")
    cmd = [qemu, "-m", mem] + (["-k", kernel] if kernel else []) + list(flags) + ["--"] + bootargs
    return run_command(cmd, log, timeout, env=dict(os.environ, CPUS=str(harts)))

# ---- sharing a boot -------------------------------------------------------

def plan(items, key, share, estimate):
    """Deal items with the same key(item) (None: alone) into boots of at most
    share, in turn, slowest first by estimate(item), so that boots take
    about as long; returns the boots, slowest first (stable)."""
    groups = {}
    for item in sorted(items, key=estimate, reverse=True):
        k = key(item)
        groups.setdefault(id(item) if k is None else k, []).append(item)
    boots = []
    for members in groups.values():
        count = -(-len(members) // share)
        boots += [members[i::count] for i in range(count)]
    return sorted(boots, key=lambda b: sum(map(estimate, b)), reverse=True)

def cut(text, n):
    """A boot of n programs' console cut into [(part, ms)] for each program
    that started: the lines before the first "init: program K of N: NAME",
    then its own; ms from its "init: NAME took T ms" (or None)."""
    lines = text.split("\n")
    lines = lines[:-1] if lines[-1] == "" else lines
    head, parts = [], []
    for line in lines:
        bare = line.rstrip("\r")
        if len(parts) < n and re.fullmatch(f"init: program {len(parts) + 1} of {n}: [^ ]+", bare):
            parts.append([head + [line], None])
        elif parts:
            parts[-1][0].append(line)
            took = re.fullmatch(r"init: [^ ]+ took ([0-9]+) ms", bare)
            parts[-1][1] = int(took[1]) if took else parts[-1][1]
        else:
            head.append(line)
    return [("".join(line + "\n" for line in part), ms) for part, ms in parts]

def shared_parts(rc, parts, n):
    """Per program of a shared boot: (part, exit status: the boot's for the
    last started, else 0, ms), or None if never started or cut off by the
    deadline (boot it again alone)."""
    last = len(parts) - 1
    return [None if i > last or (i == last and rc == TIMEOUT) else
            (parts[i][0], rc if i == last else 0, parts[i][1]) for i in range(n)]

# ---- judging a console ----------------------------------------------------

def failed_checks(checks, lines):
    """One "rejected: ..." or "missing: ..." per check the lines fail, the
    rejected ones first (a line that is there says more than one that is not)."""
    have, problems = set(lines), []
    for kind, c in checks:
        hit = c in have if kind == "expect" else next((l for l in lines if c.fullmatch(l)), None)
        if kind == "expect" and not hit:
            problems.append(f"missing: {c}")
        elif kind == "expect-re" and hit is None:
            problems.append(f"missing (regex): {c.pattern}")
        elif kind == "reject-re" and hit is not None:
            problems.append(f"rejected: {hit}   (matches {c.pattern})")
    return sorted(problems, key=lambda p: not p.startswith("rejected"))

def causes(lines, notes):
    """Why a run failed: the first kernel panic and each user panic with the
    line after, audit complaints, kill, FAIL and problem: lines, a failed
    memory check (each once), then the notes; 10 lines at most."""
    out, panicked = [], False
    for i, line in enumerate(lines):
        take = 0
        if "kernel panic" in line:
            take, panicked = (0 if panicked else 2), True
        elif line.startswith("user panic at "):
            take = 2
        elif re.fullmatch(r"cow audit: [0-9].* audits, [0-9].* problems", line):
            take = 0
        elif (line.startswith(("cow audit:", "problem:")) or " killed: " in line
              or "FAIL" in line or "init check memory failed" in line):
            take = 1
        out += [c for c in lines[i:i + take] if c not in out][:10 - len(notes) - len(out)]
    return out + notes

Verdict = collections.namedtuple("Verdict", "ok causes problems")

def judge(checks, rc, text, timeout, script=False, notes=()):
    """Judge a console by checks and how its run ended (exit status rc or
    TIMEOUT); notes (reasons known) fail it too."""
    lines = [line.replace("\r", "").rstrip(" \t") for line in text.split("\n")]
    problems, notes = failed_checks(checks, lines), list(notes)
    ok = not problems and not notes and rc != TIMEOUT and not (script and rc != 0)
    if rc == TIMEOUT:
        notes.append(f"timed out after {timeout}s")
    elif script and rc != 0:    # its last line says why, unless a FAIL line (a cause) does
        last = next((line for line in reversed(lines) if line.strip()), "")
        notes.append(("" if "FAIL" in last else last + "   ") + f"(script exited with status {rc})")
    elif not ok and rc != 0:
        notes.append(f"QEMU exited with status {rc}")
    return Verdict(ok, [] if ok else causes(lines, notes), problems)

def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()

def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)

# ---- running tests the way make grade does --------------------------------

class Result:
    """A judged test: its verdict, ms taken, tests in its boot, its log."""

    def __init__(self, test, verdict, ms, sharers, log):
        self.test, self.verdict, self.ms, self.sharers, self.log = test, verdict, ms, sharers, log
        self.ok = verdict.ok

class Runner:
    """Runs a suite's tests: logdir/NAME.log each, shared/FIRST.log a boot's."""

    def __init__(self, suite, logdir, kernel=None):
        self.suite, self.logdir, self.kernel = suite, logdir, kernel
        os.makedirs(os.path.join(logdir, "shared"), exist_ok=True)

    def log(self, test, kind="log"):
        return os.path.join(self.logdir, f"{test.name}.{kind}")

    def judged(self, test, rc, ms, sharers, log, notes=()):
        v = judge(self.suite.checks(test), rc, read(log), test.timeout, bool(test.script), notes)
        return Result(test, v, ms, sharers, log)

    def alone(self, t):
        """Run test t by itself: its script, or a boot of its program."""
        if t.script:
            env = dict(os.environ, CPUS=str(t.harts))
            rc, ms = run_command(["bash", "-c", t.script], self.log(t), t.timeout, env, TOP)
        else:
            rc, ms = boot([f"prog={t.prog}"] + t.args.split(), t.mem, t.harts, t.timeout, self.log(t), self.kernel)
        return self.judged(t, rc, ms, 1, self.log(t))

    def shared(self, tests):
        """Boot tests together, judge each on its part; boot again alone one
        never started or cut off, and a later one that failed: passing alone,
        it still fails (one program's run harmed the next)."""
        first, n = tests[0], len(tests)
        log = os.path.join(self.logdir, "shared", first.name + ".log")
        progs = ",".join(t.prog for t in tests)
        rc, boot_ms = boot([f"prog={progs}"] + first.args.split(), first.mem, first.harts, first.timeout, log,
                           self.kernel)
        results = []
        for i, (t, part) in enumerate(zip(tests, shared_parts(rc, cut(read(log), n), n))):
            if part is None:
                results.append(self.alone(t))
                continue
            write(self.log(t), part[0])
            r = self.judged(t, part[1], part[2] or boot_ms, n, self.log(t))
            if not r.ok and i > 0:
                os.replace(self.log(t), self.log(t, "shared.log"))
                alone, after = self.alone(t), " ".join(u.name for u in tests[:i])
                note = f"passed alone ({alone.log}), failed after {after} in one boot"
                r = self.judged(t, part[1], r.ms, n, self.log(t, "shared.log"), [note]) \
                    if alone.ok else alone
            results.append(r)
        return results

    def run(self, tests):
        """Run one boot's worth of tests (see plan); returns their Results."""
        for t in tests:
            with contextlib.suppress(FileNotFoundError):
                os.remove(self.log(t, "shared.log"))
        return [self.alone(tests[0])] if len(tests) == 1 else self.shared(tests)

def run_all(units, jobs, work):
    """work(unit) for each unit, jobs at a time; yields (unit, result) as done."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(work, u): u for u in units}
        for f in concurrent.futures.as_completed(futures):
            yield futures[f], f.result()
