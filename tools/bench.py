#!/usr/bin/env python3
"""make bench: fork and COW-fault costs under QEMU -icount and in wall-clock
time, eager, COW and cow=pt fork, fork storms with and without the audit,
parallel programs on 1, 2 and 4 harts (docs/perf.md explains them). Writes
fork.csv and fork.svg to docs/perf/ (--quick: two small sizes into
obj/bench/quick/; --icount-only). Fails only if a run misses "bench pass."."""

import argparse
import math
import os
import re
import sys

import gradelib

TICK_NS = 100                   # rdtime ticks are 100 ns on QEMU virt
MODES = ["eager", "cow", "pt"]
CURRENCIES = ["icount", "wall"]
LABEL = {"icount": "-icount", "wall": "wall clock"}

def load(logdir):
    """runs[currency][mode] from the "bench: ..." lines of each log in logdir:
    the floors, and per size the user program's and the kernel's results."""
    runs = {}
    for cur in CURRENCIES:
        for mode in MODES:
            path = os.path.join(logdir, f"{cur}-{mode}.log")
            run = {"sizes": {}, "kernel": {}, "floor": None}
            for words in map(str.split, gradelib.read(path).split("\n") if os.path.exists(path) else []):
                kv = dict(w.split("=", 1) for w in words[1:] if "=" in w)
                if len(words) < 2 or words[0] != "bench:" or not all(v.isdigit() for v in kv.values()):
                    continue
                kv = {k: int(v) for k, v in kv.items()}
                if words[1] == "floor":
                    run["floor"] = kv
                elif "size" in kv:
                    run["kernel" if words[1] == "kernel" else "sizes"][kv["size"]] = kv
            if run["sizes"]:
                runs.setdefault(cur, {})[mode] = run
    return runs

per = lambda ticks, count: ticks * TICK_NS / count if count else float("nan")   # ns an item
ratio = lambda a, b: a / b if b and a == a and b == b else float("nan")
us = lambda ns: "%8.1f" % (ns / 1000.0) if ns == ns else "%8s" % "-"
x = lambda v: "%6.2fx" % v if v == v else "%7s" % "-"

def floors(run):
    """The copy-fault floor's parts, in ns: trap, flush (+ refills), copy."""
    f = run["floor"]
    trap, copy = per(f["trap"], f["trapbatch"]), per(f["copy"], f["copybatch"])
    flush = max(per(f["flushtrap"], f["trapbatch"]) - trap, 0.0)
    return {"trap": trap, "flush": flush, "copy": copy, "fault": trap + flush + copy}

def figures(runs):
    """fig[currency][mode][size] = the per-size figures in ns."""
    fig = {}
    for cur, by_mode in runs.items():
        for mode, run in by_mode.items():
            for s, c in run["sizes"].items():
                k = run["kernel"].get(s, {})
                reps, n = k.get("reps", 0), k.get("n", 0)
                fig.setdefault(cur, {}).setdefault(mode, {})[s] = {
                    "ptes": c["ptes"], "pages": c["pages"], "copies": c["copies"],
                    "fork": c["fork"] * TICK_NS, "cycle": c["cycle"] * TICK_NS,
                    "writeall": c["writeall"] * TICK_NS,
                    "exec": c.get("exec", 0) * TICK_NS,
                    "copyfault": per(c["copyfault"], s), "reusefault": per(c["reusefault"], s),
                    "ptefloor": per(k.get("ptefloor", 0), reps),
                    "k_pte_write": per(k.get("ptefloor", 0), reps * n),
                    "k_wpcopy": per(k.get("wpcopy", 0), reps * s),
                }
                fig[cur][mode][s].update({"k_" + w: per(k.get(w, 0), reps * n) for w in
                                          ("share", "eager", "getpte", "unmap", "alloc", "free")})
    return fig

def table(title, heads, rows):
    print("\n" + title)
    widths = [max(len(h), max((len(r[i]) for r in rows), default=0)) for i, h in enumerate(heads)]
    for r in [heads] + rows:
        print("  ".join(c.rjust(w) for c, w in zip(r, widths)))

def compare(fig, sizes, key, modes, against=None):
    """(heads, rows) of a table: per size and currency, the times of modes,
    their ratios to eager, and cow's against its key `against` if given."""
    heads, rows = ["heap"], []
    for cur in CURRENCIES:
        tag = "i" if cur == "icount" else "w"
        heads += [f"{m} {tag}" for m in modes] + [f"{m}/eager {tag}" for m in modes if m != "eager"]
        heads += [f"cow/floor {tag}"] if against else []
    for s in sizes:
        row = ["%d" % s]
        for cur in CURRENCIES:
            f = fig.get(cur, {})
            value = lambda m: f[m][s][key] if m in f and s in f[m] else float("nan")
            row += [us(value(m)) for m in modes]
            row += [x(ratio(value(m), value("eager"))) for m in modes if m != "eager"]
            if against:
                c = f.get("cow", {}).get(s)
                row.append(x(ratio(c[key], c[against])) if c else x(float("nan")))
        rows.append(row)
    return heads, rows

TABLES = [("fork (the parent's fork() call; the child exits at once)", "fork", "ptefloor"),
          ("fork + exit + wait", "cycle", None),
          ("fork + the child writes every heap page + exit + wait", "writeall", None),
          ("fork + the child execs a small program + wait (the shell's pattern)", "exec", None)]

def print_tables(fig, sizes, modes, fl):
    print("bench: every figure in two currencies: -icount (1 ns = 1 instruction, the same in "
          "every run)\nand wall clock (what a user waits for on this machine; medians)."
          " Times in microseconds.")
    execs = any(fig[c][m][s]["exec"] > 0 for c in fig for m in fig[c] for s in fig[c][m])
    for title, key, against in TABLES[:4 if execs else 3]:
        table(title, *compare(fig, sizes, key, modes, against))
    print("\nCOW faults, per fault (ns), and their floors:")
    for cur in [c for c in CURRENCIES if c in fl]:
        f = fl[cur]
        print("  %-10s floor = trap %.0f + sfence.vma and refills %.0f + 4 KiB copy %.0f = %.0f"
              % (LABEL[cur], f["trap"], f["flush"], f["copy"], f["fault"]))
    heads = ["heap"] + [f"{w} {c[0] if c == 'icount' else 'w'}" for c in CURRENCIES
                        for w in ("copy", "vs floor", "reuse")]
    rows = []
    for s in [s for s in sizes if s]:
        row = ["%d" % s]
        for cur in CURRENCIES:
            c = fig.get(cur, {}).get("cow", {}).get(s)
            row += ["-", "-", "-"] if c is None else [
                "%.0f" % c["copyfault"], x(ratio(c["copyfault"], fl[cur]["fault"])), "%.0f" % c["reusefault"]]
        rows.append(row)
    table("per fault (ns)", heads, rows)

def print_parts(fig, big):
    for cur in [c for c in CURRENCIES if big in fig.get(c, {}).get("cow", {})]:
        k = fig[cur]["cow"][big]
        print("\nkernel parts at %d heap pages (kbench, %s), ns per page:" % (big, LABEL[cur]))
        print("  copy_range shared %.1f (floor: the 2 PTE writes %.1f), copy_range eager %.1f,"
              % (k["k_share"], k["k_pte_write"], k["k_eager"]))
        print("  get_pte %.1f, alloc_page %.1f, free_page %.1f, unmap of a shared page %.1f,"
              % (k["k_getpte"], k["k_alloc"], k["k_free"], k["k_unmap"]))
        print("  handle_mm_fault copying a page %.0f" % k["k_wpcopy"])

def print_storms(t):
    """Fork storms {name: {"on"|"off": seconds}}: the audit at every exit against audit=off."""
    if t:
        print("\nfork storms, whole boots, wall clock (median seconds): the audit at every exit")
        print("  %-22s %9s %9s %7s" % ("program", "audit on", "audit off", "on/off"))
    for name in sorted(t):
        on, off = t[name].get("on", float("nan")), t[name].get("off", float("nan"))
        print("  %-22s %9.2f %9.2f %6.2fx" % (name, on, off, ratio(on, off)))
    return {name: ratio(t[name].get("on", float("nan")), t[name].get("off", float("nan"))) for name in sorted(t)}

def print_harts(t):
    """Parallel programs {name: {harts: seconds}}, whole boots, wall clock."""
    counts = sorted({n for r in t.values() for n in r})
    if t:
        print("\nparallel programs, whole boots, wall clock (median seconds) by harts")
        print("  %-22s" % "program" + "".join("%9s" % ("%d hart%s" % (n, "s" * (n > 1))) for n in counts))
    for name in sorted(t):
        print("  %-22s" % name + "".join("%9.2f" % t[name].get(n, float("nan")) for n in counts))

def targets(fig, fl, big, storms):
    """[(name, value, op, limit)] for the targets of docs/perf.md."""
    out = []
    for cur in CURRENCIES:
        f, tag = fig.get(cur, {}), LABEL[cur]
        if "cow" not in f or "eager" not in f or big not in f["cow"]:
            continue
        c, e, floor = f["cow"][big], f["eager"][big], fl[cur]["fault"]
        if cur == "icount":
            out += [(f"COW fork at least 30x cheaper than eager ({tag})", ratio(e["fork"], c["fork"]), ">=", 30),
                    (f"COW fork at most 3x its PTE-writing floor ({tag})", ratio(c["fork"], c["ptefloor"]), "<=", 3),
                    (f"COW copy fault at most 2x its floor ({tag})", ratio(c["copyfault"], floor), "<=", 2),
                    (f"fork + child writes all at most 1.2x eager ({tag})",
                     ratio(c["writeall"], e["writeall"]), "<=", 1.2)]
        else:
            allowed = ratio(c["cycle"] + big * floor, e["writeall"])
            out += [(f"COW copy fault at most 1.3x its floor ({tag})", ratio(c["copyfault"], floor), "<=", 1.3),
                    (f"fork + child writes all, against eager ({tag}; its floor allows {allowed:.2f}x)",
                     ratio(c["writeall"], e["writeall"]), "report", 0)]
        if "pt" in f and big in f["pt"]:
            p, versus = f["pt"][big], f"than cow=on ({tag})"
            out += [(f"cow=pt fork at least 20x cheaper {versus}", ratio(c["fork"], p["fork"]), ">=", 20),
                    (f"cow=pt fork + exit + wait at least 5x cheaper {versus}", ratio(c["cycle"], p["cycle"]), ">=", 5),
                    (f"cow=pt fork + exec at least 5x cheaper {versus}", ratio(c["exec"], p["exec"]), ">=", 5),
                    (f"cow=pt fork + child writes all at most 1.1x cow=on ({tag})",
                     ratio(p["writeall"], c["writeall"]), "<=", 1.1)]
            lo, hi = f["pt"].get(1024), f["pt"].get(16384)
            if lo and hi:
                on = ratio(f["cow"][16384]["fork"], f["cow"][1024]["fork"]) \
                    if 16384 in f["cow"] and 1024 in f["cow"] else float("nan")
                out.append((f"cow=pt fork at 16384 pages against 1024, nearly flat ({tag}; cow=on {on:.2f}x)",
                            ratio(hi["fork"], lo["fork"]), "report", 0))
    return out + [(f"{n} with the audit at most 1.25x audit=off (wall clock)", r, "<=", 1.25)
                  for n, r in storms.items()]

def print_targets(items, big):
    print("\ntargets at %d heap pages%s:" % (big, "" if big >= 4096 else
                                          " (they are set for 4096: run the full bench)"))
    for name, value, op, limit in items:
        if op == "report":
            print("  %-4s %-70s %6.2fx" % ("--", name, value))
            continue
        ok = value >= limit if op == ">=" else value <= limit
        print("  %-4s %-70s %6.2fx (%s %gx)" % ("met" if ok else "MISS", name, value, op, limit))

def write_csv(fig, sizes, out):
    cols = ("ptes fork cycle writeall exec copyfault reusefault ptefloor pages copies k_share k_pte_write "
            "k_eager k_getpte k_alloc k_free k_unmap k_wpcopy").split()
    with open(os.path.join(out, "fork.csv"), "w") as f:
        f.write("currency,mode,heap_pages," + ",".join(cols) + "\n")
        for cur in CURRENCIES:
            for mode in MODES:
                for s in sizes:
                    r = fig.get(cur, {}).get(mode, {}).get(s)
                    if r is not None:
                        f.write("%s,%s,%d,%s\n" % (cur, mode, s, ",".join(
                            ("%.1f" % r[c]).rstrip("0").rstrip(".") for c in cols)))

def plot(fig, sizes, out):
    """fork.svg: fork and fork + writes against the heap pages, both currencies, log-log."""
    W, H, L, R, T, B = 820, 520, 80, 290, 40, 60
    colours = {"eager": "#d62728", "cow": "#1f77b4", "pt": "#2ca02c"}
    series = []
    for cur, mode, (key, what) in [(c, m, k) for c in CURRENCIES for m in MODES
                                   for k in (("fork", "fork"), ("writeall", "fork + writes"))]:
        runs = fig.get(cur, {}).get(mode, {})
        pts = [(s, runs[s][key] / 1000.0) for s in sizes    # cow=pt maps no PTE at fork
               if s > 0 and s in runs and runs[s][key] > 0]
        if pts:
            series.append((f"{mode} {what} ({LABEL[cur]})", pts, colours[mode],
                           "" if cur == "icount" else "6,4", 2 if key == "fork" else 1))
    if not series:
        return
    xs, ys = zip(*[p for s in series for p in s[1]])
    x0, x1 = math.floor(math.log10(min(xs))), math.ceil(math.log10(max(xs)))
    y0, y1 = math.floor(math.log10(min(ys))), math.ceil(math.log10(max(ys)))
    x1, y1 = max(x1, x0 + 1), max(y1, y0 + 1)
    px = lambda v: L + (math.log10(v) - x0) / (x1 - x0) * (W - L - R)
    py = lambda v: H - B - (math.log10(v) - y0) / (y1 - y0) * (H - T - B)
    svg = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="sans-serif" font-size="12">' % (W, H),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="%d" y="22" font-size="15">fork cost against process size: -icount '
           '(solid) and wall clock (dashed)</text>' % L]
    for d in range(x0, x1 + 1):
        v = px(10 ** d)
        svg.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>' % (v, T, v, H - B))
        svg.append('<text x="%.1f" y="%d" text-anchor="middle">%g</text>' % (v, H - B + 18, 10 ** d))
    for d in range(y0, y1 + 1):
        v = py(10 ** d)
        svg.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>' % (L, v, W - R, v))
        svg.append('<text x="%d" y="%.1f" text-anchor="end">%g</text>' % (L - 6, v + 4, 10 ** d))
    svg.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="black"/>'
               % (L, T, W - L - R, H - T - B))
    svg.append('<text x="%d" y="%d" text-anchor="middle">heap pages when forking, log scale'
               '</text>' % ((L + W - R) / 2, H - 18))
    svg.append('<text transform="translate(18,%d) rotate(-90)" text-anchor="middle">'
               'microseconds, log scale</text>' % ((T + H - B) / 2))
    for i, (label, pts, colour, dash, width) in enumerate(series):
        style, ly = ' stroke-dasharray="%s"' % dash if dash else "", T + 10 + 20 * i
        svg.append('<polyline fill="none" stroke="%s" stroke-width="%d"%s points="%s"/>'
                   % (colour, width, style, " ".join("%.1f,%.1f" % (px(a), py(b)) for a, b in pts)))
        svg.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="%d"%s/>'
                   % (W - R + 12, ly, W - R + 40, ly, colour, width, style))
        svg.append('<text x="%d" y="%d">%s</text>' % (W - R + 46, ly + 4, label))
    gradelib.write(os.path.join(out, "fork.svg"), "\n".join(svg + ["</svg>"]) + "\n")

MODE_ARGS = {"eager": ["cow=off"], "cow": [], "pt": ["cow=pt"]}
STORMS = [("forkcycle", "128M", "prog=forkcycle"), ("forkbomb-16M", "16M", "prog=forkbomb"),
          ("forkbomb-128M", "128M", "prog=forkbomb")]
PARALLEL = [("smpstress", "prog=smpstress"), ("dirtycow-parallel", "prog=dirtycow parallel")]

def bench_boot(opt, cur, mode):
    """Boot bench in currency cur and fork mode; console in LOGS/CUR-MODE.log."""
    log = os.path.join(opt.logs, f"{cur}-{mode}.log")
    args = ["prog=bench", "audit=off", "timeslice=1000"] + ["bench=quick"] * opt.quick
    gradelib.boot(args + MODE_ARGS[mode], "256M", 1, 1200, log, opt.kernel, ["-i"] if cur == "icount" else [])
    if not re.search(r"^bench pass\.", gradelib.read(log), re.M):
        tail = "\n".join(gradelib.read(log).split("\n")[-21:])
        sys.exit(f"bench: the {cur} {mode} run failed; the end of {log}:\n{tail}")

def median_boot(opt, log, harts, mem, args):
    """Boot three times, one at a time; the median wall-clock seconds."""
    times = sorted(gradelib.boot(args.split(), mem, harts, 300, log, opt.kernel)[1] for _ in range(3))
    return round(times[1] / 1000, 3)

def run_boots(opt):
    """Every boot of the bench; returns (storms, parallel) timings."""
    with open(opt.kernel, "rb") as f:
        modes = MODES if b"lazy page-table sharing" in f.read() else MODES[:2]
    print(f"bench: booting bench with: {' '.join(modes)}; under -icount"
          + ("" if opt.icount_only else ", then in wall-clock time") + "...", flush=True)
    list(gradelib.run_all(modes, len(modes), lambda m: bench_boot(opt, "icount", m)))
    for m in [] if opt.icount_only else modes:
        bench_boot(opt, "wall", m)
    if opt.quick or opt.icount_only:
        return {}, {}
    print("bench: fork storms, with and without the audit at every exit...", flush=True)
    storms = {name: {a: median_boot(opt, os.path.join(opt.logs, f"storm-{name}-{a}.log"), 1,
                                    mem, f"{args} audit={a}") for a in ("on", "off")}
              for name, mem, args in STORMS}
    print("bench: parallel programs on 1, 2 and 4 harts...", flush=True)
    harts = {name: {n: median_boot(opt, os.path.join(opt.logs, f"smp-{name}-{n}.log"), n,
                                   "128M", args) for n in (1, 2, 4)} for name, args in PARALLEL}
    return storms, harts

def main():
    ap = argparse.ArgumentParser(description="Fork and COW-fault costs (make bench).")
    ap.add_argument("--quick", action="store_true", help="two small sizes, no storms")
    ap.add_argument("--icount-only", action="store_true", help="no wall-clock runs")
    ap.add_argument("-k", dest="kernel", default="bin/kernel")
    opt = ap.parse_args()
    os.chdir(gradelib.TOP)
    if not os.path.exists(opt.kernel):
        sys.exit(f"bench: no {opt.kernel} (run make first)")
    opt.logs, out = "obj/bench", "obj/bench/quick" if opt.quick else "docs/perf"
    os.makedirs(out, exist_ok=True)
    for name in [name for name in os.listdir(opt.logs) if name.endswith(".log")]:
        os.remove(os.path.join(opt.logs, name))
    storms, harts = run_boots(opt)
    report(out, opt.logs, storms, harts)

def report(out, logdir, storms_t, harts_t):
    """Print the tables and targets; write OUT/fork.csv and OUT/fork.svg."""
    runs = load(logdir)
    if not runs:
        sys.exit("bench: no results in %s" % logdir)
    fig = figures(runs)
    fl = {cur: floors(by_mode["cow"]) for cur, by_mode in runs.items() if "cow" in by_mode}
    sizes = sorted(set.intersection(*(set(m) for c in fig.values() for m in c.values())))
    modes = [m for m in MODES if any(m in fig[c] for c in fig)]
    print_tables(fig, sizes, modes, fl)
    big = 4096 if 4096 in sizes else sizes[-1]      # where the targets are set
    print_parts(fig, big)
    storms = print_storms(storms_t)
    print_harts(harts_t)
    print_targets(targets(fig, fl, big, storms), big)
    write_csv(fig, sizes, out)
    plot(fig, sizes, out)
    print("\nwrote %s/fork.csv and %s/fork.svg (logs in %s)" % (out, out, logdir))

if __name__ == "__main__":
    main()
