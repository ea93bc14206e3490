#!/bin/sh
# Redraw the pictures of docs/ from their sources (make docs):
#   docs/cow-vpage.dot, cow-ppage.dot, cow-pdir.dot   the COW state machines (Graphviz dot)
#   docs/cow-sequence.py                     fork, two writes, exit (writes SVG itself)
#   the coverage tables of docs/cow.md and docs/cow.zh.md (from a real check)
# The SVGs are committed, so a git web page shows them; run this after
# editing a source. The .dot files are also what tools/cow_fsm_check.py
# checks against the kernel.
set -eu
cd "$(dirname "$0")/.."

command -v dot >/dev/null 2>&1 || tools/setup.sh
command -v dot >/dev/null 2>&1 || { echo "mkdocs.sh: graphviz's dot is missing" >&2; exit 1; }

# Write $2 from command "$1 ..." only if that succeeds; say what was drawn.
draw() {
    out=$1; shift
    "$@" > "$out.tmp" && mv "$out.tmp" "$out" || { rm -f "$out.tmp"; exit 1; }
    echo "  DRAW  $out"
}

for src in docs/cow-vpage.dot docs/cow-ppage.dot docs/cow-pdir.dot; do
    draw "${src%.dot}.svg" dot -Tsvg "$src"
done
draw docs/cow-sequence.svg python3 docs/cow-sequence.py

# The coverage tables in docs/cow.md and docs/cow.zh.md come from a
# real check of the kernel (bin/kernel, built by make docs).
python3 tools/cow_fsm_check.py --update-docs > obj/cow-fsm-docs.log ||
    { cat obj/cow-fsm-docs.log; exit 1; }
grep '^  TABLE' obj/cow-fsm-docs.log
