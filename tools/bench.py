#!/usr/bin/env python3
"""make bench: fork and COW-fault costs in -icount and wall-clock time: user/bench.c
(eager, COW, cow=pt fork), then user/forkloop.c in boots that differ in one thing; prints
figures, ratios, docs/perf.md's targets; writes obj/bench/fork.{csv,svg} (--docs: docs/perf/)."""

import argparse
import math
import os
import re
import sys

import gradelib

TICK_NS = 100                   # rdtime ticks are 100 ns on QEMU virt
MODES, CURRENCIES = ["eager", "cow", "pt"], ["icount", "wall"]
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
        print(("\nkernel parts at {0} heap pages (kbench, {1}), ns per page:\n  copy_range shared"
               " {k_share:.1f} (floor: the 2 PTE writes {k_pte_write:.1f}), copy_range eager {k_eager:.1f},"
               "\n  get_pte {k_getpte:.1f}, alloc_page {k_alloc:.1f}, free_page {k_free:.1f}, unmap of a"
               " shared page {k_unmap:.1f},\n  handle_mm_fault copying a page {k_wpcopy:.0f}")
              .format(big, LABEL[cur], **fig[cur]["cow"][big]))

# forkloop boots: name -> boot arguments; each is run in every (currency, harts) of LOOP_RUNS
LOOPS = {"on-0": "", "on-0-off": "audit=off", "on-4096": "pages=4096", "on-4096-off": "pages=4096 audit=off",
         "pt-0": "cow=pt", "pt-0-off": "cow=pt audit=off", "pt-4096": "cow=pt pages=4096",
         "pt-4096-off": "cow=pt pages=4096 audit=off", "exec-pt-0": "cow=pt loop=exec",
         "exec-pt-4096": "cow=pt loop=exec pages=4096", "two-256": "loop=write pages=256 procs=2"}
LOOP_RUNS = [("icount", 1), ("wall", 1), ("wall", 2), ("icount", 2)]

def print_loops(t):
    """forkloop's rounds t[(name, currency, harts)], as a table: us a round."""
    heads = ["loop"] + [f"{'i' if c == 'icount' else 'w'} {h}h" for c, h in LOOP_RUNS]
    rows = [[name] + [us(t.get((name, c, h), float("nan")) * 1000) for c, h in LOOP_RUNS] for name in LOOPS]
    table("forkloop: us a round (-icount runs harts in turn: only wall clock shows a second hart's gain)",
          heads, rows)

def loop_targets(t):
    """docs/perf.md's targets on forkloop: [(name, value, op, limit)]."""
    per = lambda name, cur, h=1: t.get((name, cur, h), float("nan"))    # us a round
    out = []
    for cur in CURRENCIES:
        tag = LABEL[cur]
        out += [(f"fork+exit+wait 4096 pages, audit at most 1.3x audit=off, 1 hart ({tag})",
                 ratio(per("on-4096", cur), per("on-4096-off", cur)), "<=", 1.3),
                (f"  ... on 2 harts ({tag})", ratio(per("on-4096", cur, 2), per("on-4096-off", cur, 2)), "report", 0),
                (f"cow=pt fork+exit+wait 4096 pages at most 1.5x its 0 pages ({tag})",
                 ratio(per("pt-4096", cur), per("pt-0", cur)), "<=", 1.5),
                (f"cow=pt 0 pages: rounds at least 0.9x cow=on's ({tag})",
                 ratio(per("on-0", cur), per("pt-0", cur)), ">=", 0.9)]
    out.append(("cow=pt fork+exec 4096 pages at most 1.3x its 0 pages (-icount)",
                ratio(per("exec-pt-4096", "icount"), per("exec-pt-0", "icount")), "<=", 1.3))
    out += [("two processes, each child writing 256 pages: 2 harts at least 1.5x the rounds of 1 (wall)",
             ratio(per("two-256", "wall"), per("two-256", "wall", 2)), ">=", 1.5),
            ("fork+exit+wait, 0 pages: 2 harts no slower than 1 (wall)",
             ratio(per("on-0", "wall"), per("on-0", "wall", 2)), ">=", 1.0)]
    return out

def targets(fig, fl, big):
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
    return out

def print_targets(items, big):
    print("\ntargets at %d heap pages%s:" % (big, "" if big >= 4096 else " (set for 4096: run it all)"))
    for name, value, op, limit in items:
        if op == "report" or math.isnan(value):
            print("  --   %-70s %s" % (name, "(not run)" if math.isnan(value) else "%6.2fx" % value))
            continue
        ok = value >= limit if op == ">=" else value <= limit
        print("  %-4s %-70s %6.2fx (%s %gx)" % ("met" if ok else "MISS", name, value, op, limit))

def write_csv(fig, sizes, out):
    cols = ("ptes fork cycle writeall exec copyfault reusefault ptefloor pages copies k_share k_pte_write "
            "k_eager k_getpte k_alloc k_free k_unmap k_wpcopy").split()
    with open(os.path.join(out, "fork.csv"), "w") as f:
        f.write("currency,mode,heap_pages," + ",".join(cols) + "\n")
        for cur, mode, s in [(c, m, s) for c in CURRENCIES for m in MODES for s in sizes]:
            if (r := fig.get(cur, {}).get(mode, {}).get(s)) is not None:
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
        svg += ['<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>' % (v := px(10 ** d), T, v, H - B),
                '<text x="%.1f" y="%d" text-anchor="middle">%g</text>' % (v, H - B + 18, 10 ** d)]
    for d in range(y0, y1 + 1):
        svg += ['<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>' % (L, v := py(10 ** d), W - R, v),
                '<text x="%d" y="%.1f" text-anchor="end">%g</text>' % (L - 6, v + 4, 10 ** d)]
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

def bench_boot(opt, cur, mode):
    """Boot bench in currency cur and fork mode; console in LOGS/CUR-MODE.log."""
    log = os.path.join(opt.logs, f"{cur}-{mode}.log")
    args = ["prog=bench", "audit=off", "timeslice=1000"] + ["bench=quick"] * opt.quick
    gradelib.boot(args + {"eager": ["cow=off"], "cow": [], "pt": ["cow=pt"]}[mode], "256M", 1, 1200, log, opt.kernel, ["-i"] if cur == "icount" else [])
    if not re.search(r"^bench pass\.", text := gradelib.read(log), re.M):
        tail = "\n".join(text.split("\n")[-21:])
        sys.exit(f"bench: the {cur} {mode} run failed; the end of {log}:\n{tail}")

def loop_boot(opt, name, cur, harts):
    """One boot of forkloop with LOOPS[name]: microseconds a round."""
    log = os.path.join(opt.logs, f"loop-{name}-{cur}-{harts}.log")
    args = ["prog=forkloop", "msec=" + ("300" if cur == "icount" else "2000")] + LOOPS[name].split()
    gradelib.boot(args, "128M", harts, 300, log, opt.kernel, ["-i"] if cur == "icount" else [])
    m = re.search(r"^forkloop: [0-9]+ rounds in [0-9]+ ms, ([0-9]+) ns a round", gradelib.read(log), re.M)
    if not re.search(r"^forkloop pass\.", gradelib.read(log), re.M) or not m:
        sys.exit(f"bench: forkloop {name} ({cur}, {harts} harts) failed: see {log}")
    return int(m[1]) / 1000

def run_boots(opt):
    """Every boot of the bench; returns forkloop's microseconds a round by (name, currency, harts)."""
    modes = MODES if "lazy page-table sharing" in gradelib.read(opt.kernel) else MODES[:2]
    print(f"bench: booting bench with: {' '.join(modes)}; under -icount"
          + ("" if opt.icount_only else ", then in wall-clock time") + "...", flush=True)
    list(gradelib.run_all(modes, len(modes), lambda m: bench_boot(opt, "icount", m)))
    for m in [] if opt.icount_only else modes:
        bench_boot(opt, "wall", m)
    if opt.quick:
        return {}
    print("bench: forkloop, boots that differ in one thing (wall: median of 3)...", flush=True)
    runs = {}                   # (name, currency, harts) -> [us]; interleaved, so drift hits all alike
    for r, (cur, h), name in [(r, c, n) for r in range(3) for c in LOOP_RUNS for n in LOOPS]:
        if (r == 0 or cur == "wall") and (cur == "icount" or not opt.icount_only):
            runs.setdefault((name, cur, h), []).append(loop_boot(opt, name, cur, h))
    return {key: sorted(v)[len(v) // 2] for key, v in runs.items()}

def main():
    ap = argparse.ArgumentParser(description="Fork and COW-fault costs (make bench).")
    ap.add_argument("--quick", action="store_true", help="two small sizes, no forkloop")
    ap.add_argument("--docs", action="store_true", help="write fork.csv and fork.svg to docs/perf")
    ap.add_argument("--icount-only", action="store_true", help="no wall-clock runs")
    ap.add_argument("-k", dest="kernel", default="bin/kernel")
    opt = ap.parse_args()
    os.chdir(gradelib.TOP)
    if not os.path.exists(opt.kernel):
        sys.exit(f"bench: no {opt.kernel} (run make first)")
    opt.logs, out = "obj/bench", "docs/perf" if opt.docs else "obj/bench"
    for d in (out, opt.logs):
        os.makedirs(d, exist_ok=True)
    for name in [name for name in os.listdir(opt.logs) if name.endswith(".log")]:
        os.remove(os.path.join(opt.logs, name))
    report(out, opt.logs, run_boots(opt))

def report(out, logdir, loops):
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
    if loops:
        print_loops(loops)
    print_targets(targets(fig, fl, big) + loop_targets(loops) * bool(loops), big)
    write_csv(fig, sizes, out)
    plot(fig, sizes, out)
    print("\nwrote %s/fork.csv and %s/fork.svg (logs in %s)" % (out, out, logdir))

if __name__ == "__main__":
    main()
