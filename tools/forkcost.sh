#!/bin/sh
# Boot forktest twice, with copy-on-write fork and with eager copy (cow=off),
# and compare the pages each run allocated while forking (forktest prints
# "pages allocated by forktest: N" from memstat()). Passes when COW needs at
# most 10 % of the eager pages. Usage: tools/forkcost.sh [KERNEL] (from the top)
kernel=${1:-bin/kernel}
out=$(mktemp -d) || exit 1
trap 'rm -rf "$out"' EXIT
timeout 20 tools/qemu.sh -k "$kernel" -- prog=forktest > "$out/cow" 2>&1 &
timeout 20 tools/qemu.sh -k "$kernel" -- prog=forktest cow=off > "$out/eager" 2>&1 &
wait
pages() { sed -n 's/^pages allocated by forktest: \([0-9][0-9]*\)\r*$/\1/p' "$1"; }
cow=$(pages "$out/cow") eager=$(pages "$out/eager")
if [ -z "$cow" ] || [ "${eager:-0}" -eq 0 ]; then
    cat "$out/cow" "$out/eager"
    echo "forkcost: FAIL: forktest did not report its page count (its output is above)"; exit 1
fi
echo "pages allocated by forktest: $cow with COW, $eager with eager copy ($((cow * 100 / eager))% of eager)"
[ $((cow * 10)) -le "$eager" ] || { echo "forkcost: FAIL: fork with COW allocated more than 10%" \
    "of what eager copy did: it copies pages it should share"; exit 1; }
echo "forkcost pass."
