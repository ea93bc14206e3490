#!/usr/bin/env python3
"""Draw docs/cow-sequence.svg: one heap page through fork, two writes and exit.

The picture is this file's STEPS, drawn as four lanes (the parent's PTE,
the child's PTE, the page P they share, the copy P2) and one row per
event. Each row's trace tag is computed from the lanes it changes, and
every move is checked against the machines in docs/cow-vpage.dot and
docs/cow-ppage.dot, so the picture cannot show a move the documented
machine (and so the kernel, see tools/cow_fsm_check.py) does not make.

    python3 docs/cow-sequence.py > docs/cow-sequence.svg   (make docs does this)
"""

import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# Lane: title, machine, and the state it starts in (None: does not exist yet).
LANES = [
    ("parent's PTE for va", "vpage", "private"),
    ("child's PTE for va", "vpage", None),
    ("page P", "ppage", "exclusive"),
    ("page P2 (the copy)", "ppage", "free"),
]

# Step: title, code path, event, {lane: (new state, detail)} for the lanes it touches.
STEPS = [
    ("before the fork", "the parent has written va: its page P is mapped writable",
     None, {0: ("private", "R W → P"), 2: ("exclusive", "ref 1"), 3: ("free", "ref 0")}),
    ("1. the parent calls fork()",
     "do_fork → copy_mm → dup_mmap → copy_range → share_ptes",
     "fork", {0: ("cow", "R COW → P"), 1: ("cow", "R COW → P"), 2: ("shared", "ref 2")}),
    ("2. the child stores to va",
     "store page fault → do_pgfault → handle_mm_fault → do_wp_page → wp_page_copy",
     "store-copy", {1: ("private", "R W → P2"), 2: ("exclusive", "ref 1"),
                    3: ("exclusive", "ref 1, a copy of P")}),
    ("3. the parent stores to va",
     "store page fault → do_pgfault → handle_mm_fault → do_wp_page → wp_page_reuse",
     "store-reuse", {0: ("private", "R W → P"), 2: ("exclusive", "ref 1, reused")}),
    ("4. the child exits",
     "do_exit → mm_release → exit_mmap → unmap_range → zap_pte",
     "unmap", {1: ("absent", "process gone"), 3: ("free", "ref 0")}),
    ("5. the parent exits",
     "do_exit → mm_release → exit_mmap → unmap_range → zap_pte",
     "unmap", {0: ("absent", "process gone"), 2: ("free", "ref 0")}),
]

STATE_ORDER = {"vpage": ["absent", "private", "cow", "readonly"],
               "ppage": ["free", "exclusive", "shared"]}
FILL = {"absent": "#f2f2f2", "private": "#e3f4e1", "cow": "#fdf0d5", "readonly": "#eef3fb",
        "free": "#f2f2f2", "exclusive": "#e3f4e1", "shared": "#fdf0d5"}

LEFT, LANE_X0, LANE_W, LANE_GAP = 20, 430, 130, 14
TOP, HEAD_H, ROW_H = 58, 40, 92
SANS = "Helvetica, Arial, sans-serif"
MONO = "DejaVu Sans Mono, Menlo, Consolas, monospace"


def read_edges(path):
    """{(from, to): set of events} from one of the docs/cow-*.dot machines."""
    edges = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^\s*(\w+)\s*->\s*(\w+)\s*\[.*label\s*=\s*\"([^\"]*)\"", line)
            if m:
                words = [w.strip().rstrip("*") for w in m.group(3).split("\\n")]
                edges[(m.group(1), m.group(2))] = set(words)
    return edges


def moves_of(before, changes, event, machines):
    """The trace tag of one step, after checking each move against the machine."""
    count = {}
    for lane, (after, _) in changes.items():
        machine, old = LANES[lane][1], before[lane] or "absent"
        if event is None:
            continue
        if event not in machines[machine].get((old, after), set()):
            sys.exit(f"cow-sequence.py: {machine} {old} -> {after} by {event} "
                     f"is not in docs/cow-{machine}.dot")
        count[(machine, old, after)] = count.get((machine, old, after), 0) + 1

    def order(key):
        states = STATE_ORDER[key[0]]
        return (key[0] != "vpage", states.index(key[1]), states.index(key[2]))
    parts = [f"{m} {a}->{b} x{n}" for (m, a, b), n in sorted(count.items(), key=lambda kv:
                                                                order(kv[0]))]
    return f"[{event}: " + ", ".join(parts) + "]" if event else ""


def wrap(words, sep, indent, width):
    """Join words with sep into lines of at most width characters."""
    lines = [""]
    for w in words:
        piece = (sep if lines[-1] else "") + w
        if lines[-1] and len(lines[-1]) + len(piece) > width:
            lines.append(indent + w)
        else:
            lines[-1] += piece
    return lines


def esc(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def text(x, y, s, size=12, family=SANS, weight="normal", fill="#222", anchor="start"):
    return (f'<text x="{x}" y="{y}" font-family="{family}" font-size="{size}" '
            f'font-weight="{weight}" fill="{fill}" text-anchor="{anchor}">{esc(s)}</text>')


def main():
    machines = {m: read_edges(os.path.join(HERE, f"cow-{m}.dot")) for m in STATE_ORDER}
    width = LANE_X0 + len(LANES) * (LANE_W + LANE_GAP) + 6
    height = TOP + HEAD_H + len(STEPS) * ROW_H + 40
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           text(LEFT, 26, "Copy-on-write, step by step: one heap page at virtual address va",
                16, weight="bold"),
           text(LEFT, 46, "A coloured cell changed in that step; the tag under each step is the "
                "part of its trace=cow line about this page.", 12, fill="#555")]
    centers = [LANE_X0 + i * (LANE_W + LANE_GAP) + LANE_W // 2 for i in range(len(LANES))]
    y_end = TOP + HEAD_H + len(STEPS) * ROW_H
    for i, (title, _, _) in enumerate(LANES):
        out.append(text(centers[i], TOP + 16, title, 12, weight="bold", anchor="middle"))
        out.append(f'<line x1="{centers[i]}" y1="{TOP + 26}" x2="{centers[i]}" y2="{y_end}" '
                   f'stroke="#bbb" stroke-dasharray="4 4"/>')
    state = [lane[2] for lane in LANES]
    detail = [""] * len(LANES)
    for r, (title, path, event, changes) in enumerate(STEPS):
        y = TOP + HEAD_H + r * ROW_H
        if r % 2 == 1:
            out.append(f'<rect x="0" y="{y - 6}" width="{width}" height="{ROW_H}" '
                       f'fill="#fafafa"/>')
        tag = moves_of(state, changes, event, machines)
        out.append(text(LEFT, y + 16, title, 13, weight="bold"))
        if event is None:
            out.append(text(LEFT, y + 34, path, 12, fill="#333"))
        lines = wrap(path.split(" → "), " → ", "→ ", 50) if event else []
        for k, line in enumerate(lines):
            out.append(text(LEFT, y + 34 + 14 * k, line, 11, MONO, fill="#333"))
        for k, line in enumerate(wrap(tag.split(", "), ", ", "  ", 60) if tag else []):
            out.append(text(LEFT, y + 38 + 14 * len(lines) + 12 * k, line, 9.5, MONO,
                            fill="#8a5a00"))
        for lane, (new, what) in changes.items():
            state[lane], detail[lane] = new, what
        for i in range(len(LANES)):
            x, changed = centers[i] - LANE_W // 2, i in changes
            if state[i] is None:
                out.append(text(centers[i], y + 36, "(no child yet)", 11, fill="#999",
                                anchor="middle"))
                continue
            fill = FILL[state[i]] if changed else "white"
            stroke, ink = ("#555", "#111") if changed else ("#ccc", "#888")
            out.append(f'<rect x="{x}" y="{y + 8}" width="{LANE_W}" height="50" rx="8" '
                       f'fill="{fill}" stroke="{stroke}" stroke-width="{1.6 if changed else 1}"/>')
            out.append(text(centers[i], y + 29, state[i], 13, weight="bold", fill=ink,
                            anchor="middle"))
            out.append(text(centers[i], y + 47, detail[i], 10.5, fill=ink, anchor="middle"))
    out.append(text(LEFT, height - 14, "States and events: docs/cow-vpage.dot and "
                    "docs/cow-ppage.dot (checked against the kernel by "
                    "tools/cow_fsm_check.py).", 11, fill="#555"))
    out.append("</svg>")
    print("\n".join(out))


if __name__ == "__main__":
    main()
