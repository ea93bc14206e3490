#!/bin/sh
# make handin, in a student tree made by make handout: pack what the student
# changed since the handout (git diff against the tag `handout`, new and binary
# files included, a report.pdf too), the handout's record (.handout: its lab,
# the commit it was cut from) and the latest grade logs into handin-LAB.tar.gz.
cd "$(dirname "$0")/.." || exit 1
lab=$(sed -n 's/^lab //p' .handout 2>/dev/null)
[ -n "$lab" ] || { echo "handin: not a handout tree (no .handout; run make handout LAB=...)" >&2; exit 1; }
git rev-parse -q --verify handout >/dev/null || { echo "handin: no tag 'handout' in this repository" >&2; exit 1; }
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/handin-$lab/grade" && cp .handout "$dir/handin-$lab/handout"
git add -A -N . 2>/dev/null                        # new files show in the diff too
git diff --binary handout -- . ':!handin-*.tar.gz' > "$dir/handin-$lab/changes.patch"
git diff --stat handout -- . ':!handin-*.tar.gz' > "$dir/handin-$lab/changes.stat"
cp obj/grade/*.log "$dir/handin-$lab/grade/" 2>/dev/null
tar -C "$dir" -czf "handin-$lab.tar.gz" "handin-$lab" || exit 1
echo "handin: wrote handin-$lab.tar.gz ($(wc -l < "$dir/handin-$lab/changes.stat") lines of diffstat;" \
     "grade logs $([ -d obj/grade ] && echo included || echo missing: run make grade first))"
